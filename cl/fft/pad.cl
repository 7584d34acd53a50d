/* Real planes for the FFT convolution: overlap-save tiles of the
 * zero-padded input, and the weights spread to the transform's size.
 *
 * tile_input — index space: dim 0 = Pw columns, dim 1 = Ph rows, dim 2 =
 * N*tiles*C planes, ordered (image, tile, channel) so that one frequency of
 * every plane of a tile row is a [tiles*N][C] matrix (the complex GEMM's
 * operand). Tile t of an image starts at padded row (t / tiles_w) * step_h
 * and column (t % tiles_w) * step_w; one tile covering the whole image is
 * the plain zero-padded plane. One work-item writes one element.
 *   in   [N][C][H][W]            float
 *   real [N][tiles][C][Ph][Pw]   float: zeros outside the input
 *
 * spread_weights — dim 0 = Pw, dim 1 = Ph, dim 2 = C_out*C_in planes: the
 * kernel with DH-1 (DW-1) zeros between taps (dilation), at the top-left
 * corner.
 *   w    [C_out][C_in][KH][KW]   float
 *   real [C_out][C_in][Ph][Pw]   float
 *
 * spread_weights_conj — the same planes for the complex GEMM: ordered
 * [C_in][C_out], so that one frequency of every plane is the GEMM's
 * [C_in][C_out] operand, and each reversed circularly,
 * real(y, x) = spread(-y mod Ph, -x mod Pw), so that its spectrum is the
 * conjugate of spread_weights' (a real plane's). The correlation's
 * conj(W) is then made here, once, and the GEMM multiplies plainly: BLAS
 * has no conjugate without a transpose.
 *   real [C_in][C_out][Ph][Pw]   float */

__kernel void tile_input(__global const float *restrict in, __global float *restrict real, int C,
                         int H, int W, int PH, int PW, int Ph, int Pw, int tiles_w, int tiles,
                         int step_h, int step_w)
{
    const int x = (int)get_global_id(0), y = (int)get_global_id(1);
    const size_t plane = get_global_id(2);
    const size_t c = plane % (size_t)C, image_tile = plane / (size_t)C;
    const int t = (int)(image_tile % (size_t)tiles);
    const size_t n = image_tile / (size_t)tiles;
    const int iy = (t / tiles_w) * step_h + y - PH, ix = (t % tiles_w) * step_w + x - PW;
    real[(plane * Ph + y) * Pw + x] = (iy >= 0 && iy < H && ix >= 0 && ix < W)
                                          ? in[((n * C + c) * H + iy) * W + ix]
                                          : 0.0f;
}

/* Element (y, x) of weight plane `plane` spread by the dilation. */
static float spread(__global const float *w, size_t plane, int y, int x, int KH, int KW, int DH,
                    int DW)
{
    const int ky = y / DH, kx = x / DW;
    const int tap = y % DH == 0 && x % DW == 0 && ky < KH && kx < KW;
    return tap ? w[(plane * KH + ky) * KW + kx] : 0.0f;
}

__kernel void spread_weights(__global const float *restrict w, __global float *restrict real,
                             int KH, int KW, int DH, int DW, int Ph, int Pw)
{
    const int x = (int)get_global_id(0), y = (int)get_global_id(1);
    const size_t plane = get_global_id(2);
    real[(plane * Ph + y) * Pw + x] = spread(w, plane, y, x, KH, KW, DH, DW);
}

__kernel void spread_weights_conj(__global const float *restrict w, __global float *restrict real,
                                  int KH, int KW, int DH, int DW, int Ph, int Pw, int C_in,
                                  int C_out)
{
    const int x = (int)get_global_id(0), y = (int)get_global_id(1);
    const size_t plane = get_global_id(2);
    const size_t c = plane / (size_t)C_out, oc = plane % (size_t)C_out;
    real[(plane * Ph + y) * Pw + x] = spread(w, oc * (size_t)C_in + c, y ? Ph - y : 0,
                                             x ? Pw - x : 0, KH, KW, DH, DW);
}
