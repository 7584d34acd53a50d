/* The algorithm table: one line per algorithm, indexed by clconv_algo. */
#include "conv/algo.h"

const conv_algo_ops *const conv_algo_table[CLCONV_ALGO_COUNT] = {
    [CLCONV_ALGO_DIRECT] = &conv_direct_ops,
    [CLCONV_ALGO_IM2COL_GEMM] = &conv_im2col_gemm_ops,
    [CLCONV_ALGO_FFT] = &conv_fft_ops,
    [CLCONV_ALGO_FFT_CGEMM] = &conv_fft_cgemm_ops,
};
