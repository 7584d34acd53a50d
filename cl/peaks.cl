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
 * work-item runs CHAINS independent FMA chains of floatv (enough to hide the
 * FMA latency on a CPU core; a GPU hides it across work-items as well) for
 * `iters` steps: 2 * CHAINS * VEC * iters FLOPs. x = x * a + b with a just
 * below 1 stays finite and normal. The sum is stored so nothing is
 * optimised away. Buffer: out [global size * VEC] float. */
#ifndef CHAINS
#define CHAINS 8
#endif

__kernel void fma_chains(__global float *out, float a, float b, int iters)
{
    floatv x[CHAINS];
    for (int c = 0; c < CHAINS; c++)
        x[c] = (floatv)((float)(get_global_id(0) % 64) * 0.01f + (float)c);
    for (int i = 0; i < iters; i++)
        for (int c = 0; c < CHAINS; c++)
            x[c] = fma(x[c], (floatv)(a), (floatv)(b));
    floatv s = x[0];
    for (int c = 1; c < CHAINS; c++)
        s += x[c];
    VSTORE(s, out + get_global_id(0) * VEC);
}
