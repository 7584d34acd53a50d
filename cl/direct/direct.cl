/* Direct convolution (cross-correlation, as PyTorch's conv2d), output-stationary.
 *
 * Index space: dim 0 = ceil(OW / VEC) column blocks, dim 1 = OH output rows,
 * dim 2 = N * oc_blocks with oc_blocks = ceil(C_out / OC_TILE). One work-item
 * computes VEC consecutive output columns of one output row for OC_TILE output
 * channels: OC_TILE independent vector accumulators, each input vector read
 * once and used OC_TILE times.
 *
 * Buffers, all float32 and row-major:
 *   in   [N][C_in][H][W]
 *   w    [C_out][C_in][KH][KW]
 *   bias [C_out]               (read only when has_bias)
 *   out  [N][C_out][OH][OW]
 *
 * Tunables (-D): VEC (see common/prelude.cl), OC_TILE in 1..16 (accumulators per
 * work-item). */

#ifndef OC_TILE
#define OC_TILE 4
#endif

__kernel void conv_direct(__global const float *restrict in, __global const float *restrict w,
                          __global const float *restrict bias, __global float *restrict out,
                          int C_in, int H, int W, int C_out, int OH, int OW, int KH, int KW,
                          int SH, int SW, int PH, int PW, int DH, int DW, int oc_blocks,
                          int has_bias)
{
    const int ow0 = (int)get_global_id(0) * VEC;
    const int oh = (int)get_global_id(1);
    const int n = (int)get_global_id(2) / oc_blocks;
    const int oc0 = ((int)get_global_id(2) % oc_blocks) * OC_TILE;
    if (ow0 >= OW || oh >= OH)
        return;

    const int ksize = KH * KW;
    /* Channels past C_out (last tile) read the last real channel's weights;
     * their results are never stored. */
    __global const float *wt[OC_TILE];
    floatv acc[OC_TILE];
    for (int t = 0; t < OC_TILE; t++) {
        wt[t] = w + (size_t)min(oc0 + t, C_out - 1) * C_in * ksize;
        acc[t] = (floatv)(0.0f);
    }

    const int iw0 = ow0 * SW - PW;
    const int ih0 = oh * SH - PH;
    for (int c = 0; c < C_in; c++) {
        __global const float *plane = in + ((size_t)n * C_in + c) * H * W;
        const int wc = c * ksize;
        for (int kh = 0; kh < KH; kh++) {
            const int ih = ih0 + kh * DH;
            if (ih < 0 || ih >= H)
                continue;
            __global const float *row = plane + (size_t)ih * W;
            for (int kw = 0; kw < KW; kw++) {
                const int iw = iw0 + kw * DW;
                floatv x;
                if (SW == 1 && iw >= 0 && iw + VEC <= W) {
                    x = VLOAD(row + iw);
                } else {
                    float g[VEC];
                    for (int j = 0; j < VEC; j++) {
                        const int col = iw + j * SW;
                        g[j] = (col >= 0 && col < W) ? row[col] : 0.0f;
                    }
                    x = VLOAD(g);
                }
                const int k = wc + kh * KW + kw;
                for (int t = 0; t < OC_TILE; t++)
                    acc[t] = mad((floatv)(wt[t][k]), x, acc[t]);
            }
        }
    }

    for (int t = 0; t < OC_TILE; t++) {
        const int oc = oc0 + t;
        if (oc >= C_out)
            break;
        const floatv r = acc[t] + (floatv)(has_bias ? bias[oc] : 0.0f);
        __global float *o = out + (((size_t)n * C_out + oc) * OH + oh) * OW + ow0;
        if (ow0 + VEC <= OW) {
            VSTORE(r, o);
        } else {
            float s[VEC];
            VSTORE(r, s);
            for (int j = 0; j < OW - ow0; j++)
                o[j] = s[j];
        }
    }
}
