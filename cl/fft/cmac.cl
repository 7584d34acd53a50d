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
 *   W      [ceil(C_out / OT)][F_pad / VEC][C_in][OT][re, im][VEC]  (blocked by
 *          block_weights, once: a work-item's walk over input channels reads
 *          one contiguous stream, where [C_out][C_in][F_pad] would be OT x C_in
 *          streams at a plane's stride; one stream is what CPU prefetchers follow) */

#ifndef OT
#define OT 4
#endif
#ifndef BT
#define BT 1
#endif

__kernel void cmac(__global const float *restrict Xr, __global const float *restrict Xi,
                   __global const float *restrict W, __global float *restrict Yr,
                   __global float *restrict Yi, int N, int C_in, int C_out, int F_pad)
{
    const size_t blocks = (size_t)F_pad / VEC, o_tiles = ((size_t)C_out + OT - 1) / OT;
    const size_t id = get_global_id(0);
    const size_t fb = id % blocks, f = fb * VEC, ot = id / blocks % o_tiles;
    const int o0 = (int)ot * OT, n0 = (int)(id / (blocks * o_tiles)) * BT;
    floatv acc_re[OT][BT], acc_im[OT][BT];
    for (int o = 0; o < OT; o++)
        for (int n = 0; n < BT; n++)
            acc_re[o][n] = acc_im[o][n] = (floatv)(0.0f);
    /* one contiguous stream of OT x (re, im) vectors per input channel */
    __global const float *w = W + (ot * blocks + fb) * (size_t)C_in * (OT * 2 * VEC);
    for (int i = 0; i < C_in; i++, w += OT * 2 * VEC) {
        floatv xr[BT], xi[BT];
        for (int n = 0; n < BT; n++) {
            /* image tiles past N read the last real image; never stored */
            const size_t x = ((size_t)min(n0 + n, N - 1) * C_in + i) * F_pad + f;
            xr[n] = VLOAD(Xr + x);
            xi[n] = VLOAD(Xi + x);
        }
        for (int o = 0; o < OT; o++) {
            const floatv wr = VLOAD(w + o * 2 * VEC), wi = VLOAD(w + o * 2 * VEC + VEC);
            for (int n = 0; n < BT; n++) {
                acc_re[o][n] = MAD(wr, xr[n], MAD(wi, xi[n], acc_re[o][n]));
                acc_im[o][n] = MAD(wr, xi[n], MAD(-wi, xr[n], acc_im[o][n]));
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
 * layout cmac reads, [ceil(C_out/OT)][F_pad/VEC][C_in][OT][re, im][VEC]
 * (output channels past C_out stay zero). Index space: dim 0 = F_pad, dim 1 =
 * C_out*C_in planes; one work-item moves one real and one imaginary value.
 * Runs once per set_weights. */
__kernel void block_weights(__global const float *restrict sr, __global const float *restrict si,
                            __global float *restrict W, int C_in, int F_pad)
{
    const size_t f = get_global_id(0), plane = get_global_id(1);
    const size_t o = plane / (size_t)C_in, i = plane % (size_t)C_in;
    const size_t to = ((((o / OT) * ((size_t)F_pad / VEC) + f / VEC) * (size_t)C_in + i) * OT +
                       o % OT) * (2 * VEC) + f % VEC;
    W[to] = sr[plane * (size_t)F_pad + f];
    W[to + VEC] = si[plane * (size_t)F_pad + f];
}
