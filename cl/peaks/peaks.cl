/* Kernels that measure the device's own peaks (src/analysis/peaks.c).
 *
 * copy_stream — index space: one work-item per floatv (VEC floats); it reads
 * one vector of src and writes it to dst. Buffers: src, dst [n * VEC] float.
 * Wide explicit vectors: PoCL only streams at full speed with them. */

__kernel void copy_stream(__global const float *restrict src, __global float *restrict dst)
{
    const size_t i = get_global_id(0) * VEC;
    VSTORE(VLOAD(src + i), dst + i);
}

/* fma_chains — fp32 FMA throughput. Index space: 1D, any size; each
 * work-item runs 12 independent FMA chains of floatv for `iters` steps of 4:
 * 2 * 12 * 4 * VEC * iters FLOPs. A CPU core with two FMA pipes of 4-cycle
 * latency needs 8 multiply-adds in flight just to fill them, and 10 or more
 * to reach its peak (on an AVX2 core 12 chains measured about 40% more than
 * 8); a GPU hides the latency across
 * work-items as well. The chains are named
 * variables, not an array: some compilers (Mesa llvmpipe) keep a private
 * array in memory and then measure loads, not FMAs. MAD() as every kernel
 * writes it (common/prelude.cl): one FMA instruction where the device has a
 * fast one, so the peak is the rate the conv kernels can reach (with mad(),
 * PoCL 3.1 measured half of it). The host picks a and b so that the result counts
 * the steps, and checks it (analysis/peaks.c). The sum is stored so nothing is
 * optimised away. Buffer: out [global size * VEC] float. */
#define FMA_STEP(x) x = MAD(x, av, bv)
#define FMA_ALL                                                                                 \
    FMA_STEP(x0); FMA_STEP(x1); FMA_STEP(x2); FMA_STEP(x3);                                     \
    FMA_STEP(x4); FMA_STEP(x5); FMA_STEP(x6); FMA_STEP(x7);                                     \
    FMA_STEP(x8); FMA_STEP(x9); FMA_STEP(x10); FMA_STEP(x11)

__kernel void fma_chains(__global float *out, float a, float b, int iters)
{
    const floatv av = (floatv)(a), bv = (floatv)(b);
    floatv x0 = (floatv)((float)(get_global_id(0) % 64) * 0.015625f);
    floatv x1 = x0 + 1.0f, x2 = x0 + 2.0f, x3 = x0 + 3.0f, x4 = x0 + 4.0f, x5 = x0 + 5.0f,
           x6 = x0 + 6.0f, x7 = x0 + 7.0f, x8 = x0 + 8.0f, x9 = x0 + 9.0f, x10 = x0 + 10.0f,
           x11 = x0 + 11.0f;
    for (int i = 0; i < iters; i++) {
        FMA_ALL;
        FMA_ALL;
        FMA_ALL;
        FMA_ALL;
    }
    VSTORE((((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7))) + ((x8 + x9) + (x10 + x11)),
           out + get_global_id(0) * VEC);
}
