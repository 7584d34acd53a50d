/* clconv's own transform backend (src/runtime/fft_dft.c): batched 2D real
 * DFTs of small planes, PH x PW each at most 16 (any factors), as two
 * passes of tabled matrix-vector products, one plane per work-item and VEC
 * frequency (or output) columns in the lanes of a vector. That is
 * PH PW FW + PH^2 FW complex multiply-adds a plane where an FFT does
 * O(PH PW log(PH PW)), but as vector FMAs with nothing else in the loop,
 * which clFFT's kernels for small sizes are not (about 2 GFLOP/s on PoCL).
 *
 * -D PH, PW: the plane (FW = PW/2 + 1 complex columns in its half spectrum).
 * -D FREQ_MAJOR: spectra interleaved and frequency-major, element (plane,
 *    f = ky FW + kx) at complex index f * planes + plane (re holds them, im
 *    is unused); else planar and plane-major, at plane * pitch + f in re
 *    and im.
 * Real planes: [planes][PH][PW].
 * tw: the host's twiddle table (fft_dft.c), in double precision rounded
 * once to float, laid out as the TW_* offsets below.
 *
 * dft_r2c: the forward transform, unscaled, e^(-2 pi i ...).
 * dft_c2r: the inverse of a Hermitian half spectrum, unscaled (the caller
 *    divides by PH PW), e^(+2 pi i ...): each column kx but 0 and PW/2
 *    stands for itself and its mirror, so it counts twice, and the
 *    imaginary parts of those two columns do not count, as in any C2R. */

#ifndef PH /* the host always sets them; these let the file build alone */
#define PH 8
#endif
#ifndef PW
#define PW 8
#endif

#define FW (PW / 2 + 1)
/* rows (and frequency rows) transformed together: PH's largest divisor up
 * to 4 */
#if PH % 4 == 0
#define RG 4
#elif PH % 3 == 0
#define RG 3
#elif PH % 2 == 0
#define RG 2
#else
#define RG 1
#endif
#define NB ((FW + VEC - 1) / VEC) /* vectors of frequency columns */
#define NX ((PW + VEC - 1) / VEC) /* vectors of output columns */
/* [PW][cos, sin][NB * VEC]: 2 pi x kx / PW, zero past FW */
#define TW_ROW 0
/* [PH][cos, sin]: 2 pi j / PH */
#define TW_COL (TW_ROW + PW * 2 * NB * VEC)
/* [FW][w cos, w sin][NX * VEC]: 2 pi kx x / PW, w = 1 or 2, zero past PW */
#define TW_INV (TW_COL + PH * 2)

__kernel void dft_r2c(__global const float *restrict real, __global float *restrict re,
                      __global float *restrict im, __global const float *restrict tw, int planes,
                      int pitch)
{
    const int p = (int)get_global_id(0);
    if (p >= planes)
        return;
    __global const float *x = real + (size_t)p * (PH * PW);
    /* rows: r[y][kx] = sum_x x[y][x] e^(-2 pi i x kx / PW), RG rows at a
     * time: their 2 RG NB accumulators are independent chains of FMAs (one
     * row's two would wait on the FMA latency at every step) */
    floatv rr[PH][NB], ri[PH][NB];
    for (int y0 = 0; y0 < PH; y0 += RG) {
#pragma unroll
        for (int g = 0; g < RG; g++)
            for (int b = 0; b < NB; b++)
                rr[y0 + g][b] = ri[y0 + g][b] = (floatv)0.0f;
        for (int c = 0; c < PW; c++)
            for (int b = 0; b < NB; b++) {
                __global const float *t = tw + TW_ROW + c * 2 * NB * VEC + b * VEC;
                const floatv tc = VLOAD(t), ts = VLOAD(t + NB * VEC);
#pragma unroll
                for (int g = 0; g < RG; g++) {
                    const float v = x[(y0 + g) * PW + c];
                    rr[y0 + g][b] = MAD(v, tc, rr[y0 + g][b]);
                    ri[y0 + g][b] = MAD(-v, ts, ri[y0 + g][b]);
                }
            }
    }
    /* columns: s[ky][kx] = sum_y r[y][kx] e^(-2 pi i y ky / PH), RG
     * frequency rows at a time (as above) */
    for (int ky0 = 0; ky0 < PH; ky0 += RG) {
        floatv sr[RG][NB], si[RG][NB];
#pragma unroll
        for (int g = 0; g < RG; g++)
            for (int b = 0; b < NB; b++)
                sr[g][b] = si[g][b] = (floatv)0.0f;
        for (int y = 0; y < PH; y++)
            for (int b = 0; b < NB; b++) {
                const floatv vr = rr[y][b], vi = ri[y][b];
#pragma unroll
                for (int g = 0; g < RG; g++) {
                    const int j = (y * (ky0 + g)) % PH;
                    const float c = tw[TW_COL + 2 * j], s = tw[TW_COL + 2 * j + 1];
                    sr[g][b] = MAD(vr, c, MAD(vi, s, sr[g][b]));
                    si[g][b] = MAD(vi, c, MAD(-vr, s, si[g][b]));
                }
            }
        for (int g = 0; g < RG; g++) {
            const int ky = ky0 + g;
            for (int b = 0; b < NB; b++) {
                float lr[VEC], li[VEC];
                VSTORE(sr[g][b], lr);
                VSTORE(si[g][b], li);
                for (int l = 0; l < VEC && b * VEC + l < FW; l++) {
                    const size_t f = (size_t)(ky * FW + b * VEC + l);
#ifdef FREQ_MAJOR
                    re[2 * (f * planes + p)] = lr[l];
                    re[2 * (f * planes + p) + 1] = li[l];
#else
                    re[(size_t)p * pitch + f] = lr[l];
                    im[(size_t)p * pitch + f] = li[l];
#endif
                }
            }
        }
    }
}

__kernel void dft_c2r(__global const float *restrict re, __global const float *restrict im,
                      __global float *restrict real, __global const float *restrict tw, int planes,
                      int pitch)
{
    const int p = (int)get_global_id(0);
    if (p >= planes)
        return;
    /* the half spectrum, zero past FW in each row */
    float yr[PH][NB * VEC], yi[PH][NB * VEC];
    for (int ky = 0; ky < PH; ky++)
        for (int kx = 0; kx < NB * VEC; kx++) {
            const size_t f = (size_t)(ky * FW + kx);
#ifdef FREQ_MAJOR
            yr[ky][kx] = kx < FW ? re[2 * (f * planes + p)] : 0.0f;
            yi[ky][kx] = kx < FW ? re[2 * (f * planes + p) + 1] : 0.0f;
#else
            yr[ky][kx] = kx < FW ? re[(size_t)p * pitch + f] : 0.0f;
            yi[ky][kx] = kx < FW ? im[(size_t)p * pitch + f] : 0.0f;
#endif
        }
    __global float *x = real + (size_t)p * (PH * PW);
    for (int y0 = 0; y0 < PH; y0 += RG) {
        /* columns: z[y][kx] = sum_ky s[ky][kx] e^(+2 pi i y ky / PH), RG
         * output rows at a time (independent chains, as in dft_r2c) */
        floatv zr[RG][NB], zi[RG][NB];
#pragma unroll
        for (int g = 0; g < RG; g++)
            for (int b = 0; b < NB; b++)
                zr[g][b] = zi[g][b] = (floatv)0.0f;
        for (int ky = 0; ky < PH; ky++)
            for (int b = 0; b < NB; b++) {
                const floatv vr = VLOAD(yr[ky] + b * VEC), vi = VLOAD(yi[ky] + b * VEC);
#pragma unroll
                for (int g = 0; g < RG; g++) {
                    const int j = ((y0 + g) * ky) % PH;
                    const float c = tw[TW_COL + 2 * j], s = tw[TW_COL + 2 * j + 1];
                    zr[g][b] = MAD(vr, c, MAD(-vi, s, zr[g][b]));
                    zi[g][b] = MAD(vi, c, MAD(vr, s, zi[g][b]));
                }
            }
        float lr[RG][NB * VEC], li[RG][NB * VEC];
#pragma unroll
        for (int g = 0; g < RG; g++)
            for (int b = 0; b < NB; b++) {
                VSTORE(zr[g][b], lr[g] + b * VEC);
                VSTORE(zi[g][b], li[g] + b * VEC);
            }
        /* rows: x[y][c] = sum_kx w (zr cos - zi sin)(2 pi kx c / PW), the
         * cosine and sine sums apart (2 RG chains) */
        for (int b = 0; b < NX; b++) {
            floatv ac[RG], as[RG];
#pragma unroll
            for (int g = 0; g < RG; g++)
                ac[g] = as[g] = (floatv)0.0f;
            for (int kx = 0; kx < FW; kx++) {
                __global const float *t = tw + TW_INV + kx * 2 * NX * VEC + b * VEC;
                const floatv tc = VLOAD(t), ts = VLOAD(t + NX * VEC);
#pragma unroll
                for (int g = 0; g < RG; g++) {
                    ac[g] = MAD(lr[g][kx], tc, ac[g]);
                    as[g] = MAD(-li[g][kx], ts, as[g]);
                }
            }
#pragma unroll
            for (int g = 0; g < RG; g++) {
                const floatv acc = ac[g] + as[g];
                __global float *row = x + (y0 + g) * PW + b * VEC;
                if ((b + 1) * VEC <= PW) {
                    VSTORE(acc, row);
                } else {
                    float l[VEC];
                    VSTORE(acc, l);
                    for (int c = 0; b * VEC + c < PW; c++)
                        row[c] = l[c];
                }
            }
        }
    }
}
