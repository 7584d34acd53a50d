/* The algorithm table: one line per algorithm, indexed by clconv_algo. The
 * public names, the bench rows, the tests and the roofline all read it. */
#include "conv/algo.h"

#define CONV_ALGORITHMS(X)                        \
    X(CLCONV_ALGO_DIRECT, conv_direct_ops)        \
    X(CLCONV_ALGO_IM2COL_GEMM, conv_im2col_gemm_ops) \
    X(CLCONV_ALGO_FFT, conv_fft_ops)              \
    X(CLCONV_ALGO_FFT_CGEMM, conv_fft_cgemm_ops)  \
    X(CLCONV_ALGO_WINOGRAD, conv_winograd_ops)    \
    X(CLCONV_ALGO_DEPTHWISE, conv_depthwise_ops)

#define DECLARE(value, ops) extern const conv_algo_ops ops;
CONV_ALGORITHMS(DECLARE)

#define ENTRY(value, ops) [value] = &ops,
const conv_algo_ops *const conv_algo_table[CLCONV_ALGO_COUNT] = {CONV_ALGORITHMS(ENTRY)};
