/* Real planes for the FFT convolution, zero-padded to Ph x Pw.
 *
 * pad_input — index space: dim 0 = Pw columns, dim 1 = Ph rows, dim 2 =
 * N*C_in planes; one work-item writes one element.
 *   in   [planes][H][W]          float
 *   real [planes][Ph][Pw]        float: in placed at (PH, PW), zeros around
 *
 * spread_weights — same index space over C_out*C_in planes: the kernel
 * with DH-1 (DW-1) zeros between taps (dilation), at the top-left corner.
 *   w    [planes][KH][KW]        float
 *   real [planes][Ph][Pw]        float */

__kernel void pad_input(__global const float *restrict in, __global float *restrict real, int H,
                        int W, int PH, int PW, int Ph, int Pw)
{
    const int x = (int)get_global_id(0), y = (int)get_global_id(1);
    const size_t plane = get_global_id(2);
    const int iy = y - PH, ix = x - PW;
    real[(plane * Ph + y) * Pw + x] =
        (iy >= 0 && iy < H && ix >= 0 && ix < W) ? in[(plane * H + iy) * W + ix] : 0.0f;
}

__kernel void spread_weights(__global const float *restrict w, __global float *restrict real,
                             int KH, int KW, int DH, int DW, int Ph, int Pw)
{
    const int x = (int)get_global_id(0), y = (int)get_global_id(1);
    const size_t plane = get_global_id(2);
    const int ky = y / DH, kx = x / DW;
    const int tap = y % DH == 0 && x % DW == 0 && ky < KH && kx < KW;
    real[(plane * Ph + y) * Pw + x] = tap ? w[(plane * KH + ky) * KW + kx] : 0.0f;
}
