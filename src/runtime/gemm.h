/* Runtime layer (internal): the GEMM backend several layers share (the
 * im2col and FFT algorithms, the peaks' SGEMM rate). CLBlast today, in one
 * file (gemm_clblast.c), so that it can be tuned or replaced without
 * touching its callers. */
#ifndef CLCONV_RT_GEMM_H
#define CLCONV_RT_GEMM_H

#include "runtime/rt.h"

/* Row-major C[i] = A[i] * B[i] for i < batch (beta 0), float32. */
typedef struct rt_gemm {
    size_t m, n, k, batch;
    cl_mem a, b, c;
    size_t a_offset, lda, a_stride;
    size_t b_offset, ldb, b_stride;
    size_t c_offset, ldc, c_stride;
} rt_gemm;
clconv_status rt_sgemm(clconv_context *ctx, const rt_gemm *g, cl_event *event);

/* Row-major complex C[i] = A[i] * conj(B[i])^T for i < batch, with A m x k,
 * B stored n x k (interleaved float2), C m x n. */
clconv_status rt_cgemm_conj_b(clconv_context *ctx, const rt_gemm *g, cl_event *event);

#endif
