/* Complex multiply-accumulate over input channels, per frequency:
 *   Y[n][o][f] = sum_i conj(W[o][i][f]) * X[n][i][f]
 * (the conjugate makes the inverse transform a cross-correlation).
 *
 * Index space: one dimension over [image tiles][output tiles][frequency
 * blocks] (F_pad / VEC blocks fastest; a 1D range streams fastest on PoCL),
 * with ceil(C_out / OT) output and ceil(N / BT) image tiles. One work-item keeps OT x BT
 * complex accumulators of VEC frequencies in registers and reads each weight
 * value once per image tile: the weights dominate the bytes for small N.
 *
 * Buffers, planar (separate real and imaginary parts), F_pad = frequencies
 * rounded up to VEC (the tail is zero and its results are never read):
 *   Xr, Xi [N][C_in][F_pad]    Yr, Yi [N][C_out][F_pad]
 *   Wr, Wi [C_out][F_pad / VEC][C_in][VEC]   (blocked by block_weights, once:
 *          a work-item's walk over input channels reads them contiguously,
 *          where [C_out][C_in][F_pad] would be C_in streams at a plane's stride) */

#ifndef OT
#define OT 4
#endif
#ifndef BT
#define BT 1
#endif

__kernel void cmac(__global const float *restrict Xr, __global const float *restrict Xi,
                   __global const float *restrict Wr, __global const float *restrict Wi,
                   __global float *restrict Yr, __global float *restrict Yi, int N, int C_in,
                   int C_out, int F_pad)
{
    const size_t blocks = (size_t)F_pad / VEC, o_tiles = ((size_t)C_out + OT - 1) / OT;
    const size_t id = get_global_id(0);
    const size_t f = id % blocks * VEC;
    const int o0 = (int)(id / blocks % o_tiles) * OT, n0 = (int)(id / (blocks * o_tiles)) * BT;
    floatv acc_re[OT][BT], acc_im[OT][BT];
    for (int o = 0; o < OT; o++)
        for (int n = 0; n < BT; n++)
            acc_re[o][n] = acc_im[o][n] = (floatv)(0.0f);
    for (int i = 0; i < C_in; i++) {
        floatv xr[BT], xi[BT];
        for (int n = 0; n < BT; n++) {
            /* tiles past N or C_out read the last real one; never stored */
            const size_t x = ((size_t)min(n0 + n, N - 1) * C_in + i) * F_pad + f;
            xr[n] = VLOAD(Xr + x);
            xi[n] = VLOAD(Xi + x);
        }
        for (int o = 0; o < OT; o++) {
            const size_t w = (((size_t)min(o0 + o, C_out - 1) * blocks + f / VEC) * C_in + i) * VEC;
            const floatv wr = VLOAD(Wr + w), wi = VLOAD(Wi + w);
            for (int n = 0; n < BT; n++) {
                acc_re[o][n] = fma(wr, xr[n], fma(wi, xi[n], acc_re[o][n]));
                acc_im[o][n] = fma(wr, xi[n], fma(-wi, xr[n], acc_im[o][n]));
            }
        }
    }
    for (int o = 0; o < OT && o0 + o < C_out; o++)
        for (int n = 0; n < BT && n0 + n < N; n++) {
            const size_t y = ((size_t)(n0 + n) * C_out + o0 + o) * F_pad + f;
            VSTORE(acc_re[o][n], Yr + y);
            VSTORE(acc_im[o][n], Yi + y);
        }
}

/* block_weights: [C_out][C_in][F_pad] plane-major spectra -> the blocked
 * layout cmac reads. Index space: dim 0 = F_pad, dim 1 = C_out*C_in planes;
 * one work-item moves one real and one imaginary value. Runs once per
 * set_weights. */
__kernel void block_weights(__global const float *restrict sr, __global const float *restrict si,
                            __global float *restrict dr, __global float *restrict di, int C_in,
                            int F_pad)
{
    const size_t f = get_global_id(0), plane = get_global_id(1);
    const size_t o = plane / (size_t)C_in, i = plane % (size_t)C_in;
    const size_t to = ((o * ((size_t)F_pad / VEC) + f / VEC) * (size_t)C_in + i) * VEC + f % VEC;
    dr[to] = sr[plane * (size_t)F_pad + f];
    di[to] = si[plane * (size_t)F_pad + f];
}
