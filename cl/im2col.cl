/* im2col: unroll input patches into the columns of a GEMM operand.
 *
 * Index space: dim 0 = ceil(cols / VEC) blocks of output pixels, dim 1 =
 * C_in*KH*KW rows (r = (c*KH + kh)*KW + kw), dim 2 = images of this chunk.
 * One work-item writes VEC consecutive entries of one row of one image's
 * column matrix; pixel j of the chunk is output pixel p0 + j, at
 * ((p0 + j) / OW, (p0 + j) % OW). A chunk is whole images (p0 = 0) or a
 * pixel range of one image, when one image's columns exceed the workspace.
 *
 * Buffers, float32 row-major:
 *   in  [N][C_in][H][W]
 *   col [images][C_in*KH*KW][cols], cols = rows_in_chunk * OW
 * Entries outside the (padded) input are 0. */

__kernel void im2col(__global const float *restrict in, __global float *restrict col, int C_in,
                     int H, int W, int OW, int KH, int KW, int SH, int SW, int PH, int PW, int DH,
                     int DW, int n0, int p0, int cols)
{
    const int j0 = (int)get_global_id(0) * VEC;
    const int r = (int)get_global_id(1);
    const int img = (int)get_global_id(2);
    if (j0 >= cols)
        return;
    const int kw = r % KW, kh = (r / KW) % KH, c = r / (KW * KH);
    __global const float *plane = in + ((size_t)(n0 + img) * C_in + c) * H * W;
    const int dh = kh * DH - PH, dw = kw * DW - PW;
    int oh = (p0 + j0) / OW, ow = (p0 + j0) % OW;
    float v[VEC];
    for (int t = 0; t < VEC; t++) {
        const int ih = oh * SH + dh, iw = ow * SW + dw;
        v[t] = (j0 + t < cols && ih >= 0 && ih < H && iw >= 0 && iw < W)
                   ? plane[(size_t)ih * W + iw]
                   : 0.0f;
        if (++ow == OW) {
            ow = 0;
            oh++;
        }
    }
    __global float *dst = col + ((size_t)img * C_in * KH * KW + r) * cols + j0;
    if (j0 + VEC <= cols) {
        VSTORE(VLOAD(v), dst);
    } else {
        for (int t = 0; t < cols - j0; t++)
            dst[t] = v[t];
    }
}
