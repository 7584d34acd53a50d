/* im2col: unroll input patches into the columns of a GEMM operand.
 *
 * Index space: dim 0 = groups of ROWS output rows touched by this chunk
 * (output row p0 / OW + dim0 * ROWS + i), dim 1 = C_in*KH*KW column rows
 * (r = (c*KH + kh)*KW + kw), dim 2 = images of this chunk. One work-item
 * copies, for one column row, the pixels of ROWS output rows that fall in
 * the chunk: at stride 1 each is a contiguous input row segment, moved with
 * VEC-wide loads and stores (CPUs such as PoCL run scalar copies ~10x
 * slower, and pay per work-item, hence several rows each).
 *
 * A chunk is pixels [p0, p0 + cols) of images n0 .. n0 + dim2 - 1: whole
 * images (p0 = 0, cols = OH*OW) or, when one image's columns exceed the
 * workspace, a pixel range of one image.
 *
 * Buffers, float32 row-major:
 *   in  [N][C_in][H][W]
 *   col [images][C_in*KH*KW][cols]; entries outside the padded input are 0. */

#ifndef ROWS
#define ROWS 8
#endif

/* Copies output row oh's pixels [ow, ow_end) for column row (c, kh, kw). */
static void copy_row(__global const float *restrict plane, __global float *restrict dst, int ow,
                     int ow_end, int oh, int H, int W, int SH, int SW, int PH, int shift, int kh,
                     int DH)
{
    const int ih = oh * SH - PH + kh * DH;
    if (ih < 0 || ih >= H) {
        for (; ow + VEC <= ow_end; ow += VEC)
            VSTORE((floatv)(0.0f), dst + ow);
        for (; ow < ow_end; ow++)
            dst[ow] = 0.0f;
        return;
    }
    __global const float *src = plane + (size_t)ih * W;
    if (SW == 1) {
        for (; ow < ow_end && ow + shift < 0; ow++)
            dst[ow] = 0.0f;
        for (; ow + VEC <= ow_end && ow + shift + VEC <= W; ow += VEC)
            VSTORE(VLOAD(src + ow + shift), dst + ow);
        /* the row's remainder in halving widths: a scalar tail of up to
         * VEC-1 elements would cost as much as the whole vector body */
#if VEC > 8
        if (ow + 8 <= ow_end && ow + shift + 8 <= W) {
            vstore8(vload8(0, src + ow + shift), 0, dst + ow);
            ow += 8;
        }
#endif
#if VEC > 4
        if (ow + 4 <= ow_end && ow + shift + 4 <= W) {
            vstore4(vload4(0, src + ow + shift), 0, dst + ow);
            ow += 4;
        }
#endif
#if VEC > 2
        if (ow + 2 <= ow_end && ow + shift + 2 <= W) {
            vstore2(vload2(0, src + ow + shift), 0, dst + ow);
            ow += 2;
        }
#endif
    }
    for (; ow < ow_end; ow++) {
        const int iw = ow * SW + shift;
        dst[ow] = (iw >= 0 && iw < W) ? src[iw] : 0.0f;
    }
}

__kernel void im2col(__global const float *restrict in, __global float *restrict col, int C_in,
                     int H, int W, int OW, int KH, int KW, int SH, int SW, int PH, int PW, int DH,
                     int DW, int n0, int p0, int cols)
{
    const int r = (int)get_global_id(1);
    const int img = (int)get_global_id(2);
    const int kw = r % KW, kh = (r / KW) % KH, c = r / (KW * KH);
    __global const float *plane = in + ((size_t)(n0 + img) * C_in + c) * H * W;
    __global float *col_row = col + ((size_t)img * C_in * KH * KW + r) * cols;
    const int oh0 = p0 / OW + (int)get_global_id(0) * ROWS;
    for (int oh = oh0; oh < oh0 + ROWS; oh++) {
        const int j_begin = max(p0, oh * OW), j_end = min(p0 + cols, (oh + 1) * OW);
        if (j_begin >= j_end)
            break;
        /* dst[ow] is the column entry of output pixel (oh, ow) */
        copy_row(plane, col_row + (oh * OW - p0), j_begin - oh * OW, j_end - oh * OW, oh, H, W,
                 SH, SW, PH, kw * DW - PW, kh, DH);
    }
}
