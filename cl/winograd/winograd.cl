/* Winograd convolution's transforms (src/conv/winograd.c): F(4x4,3x3) for
 * R = 3 and F(2x2,5x5) for R = 5, both on 6x6 input tiles (Lavin and
 * Gray, "Fast Algorithms for Convolutional Neural Networks", 2016). With the
 * interpolation points 0, 1, -1, 2, -2 and infinity, a tile's output is
 *   Y = A^T [ (G g G^T) .* (B^T d B) ] A
 * for the R x R kernel g (cross-correlation, as the layer computes it) and
 * the 6x6 input tile d; B^T depends only on the points, G and A^T on the
 * tile sizes. Element xi = 6 i + j of a transformed tile is plane xi of a
 * [36][rows][cols] array, so that the GEMM stage is 36 independent GEMMs:
 *   U [36][C_out][C_in]   weights, made once  (winograd_weights)
 *   V [36][C_in][cols]    input tiles         (winograd_input)
 *   M [36][C_out][cols]   U V per plane       (the GEMM)
 *   y = EPI(A^T M A, bias, resid), cropped to the output (winograd_output;
 *   EPI, the plan's epilogue, is common/prelude.cl's)
 * A chunk is a range of blocks of VEC tiles along a tile row (see
 * winograd_input), from block b0; column j of V and M is its tile j.
 *
 * The matrices are constants and the loops over them unroll, so the tests
 * of a coefficient against zero vanish at compile time and the zero terms
 * with them (0 * x cannot be dropped by the compiler itself: it is NaN for
 * an infinite x). The transforms are bound by memory (36 values in, 36 out
 * per tile and channel). A NaN or Inf in an input window reaches the
 * outputs of its tile that a nonzero path joins it to: more than the
 * outputs whose own window holds it (see the README). */

#ifndef R
#define R 3
#endif

#define ALPHA 6

#if R == 3
#define MO 4 /* outputs per tile side */
__constant float G[ALPHA][R] = {
    {1.0f / 4, 0.0f, 0.0f},
    {-1.0f / 6, -1.0f / 6, -1.0f / 6},
    {-1.0f / 6, 1.0f / 6, -1.0f / 6},
    {1.0f / 24, 1.0f / 12, 1.0f / 6},
    {1.0f / 24, -1.0f / 12, 1.0f / 6},
    {0.0f, 0.0f, 1.0f},
};
__constant float AT[MO][ALPHA] = {
    {1, 1, 1, 1, 1, 0},
    {0, 1, -1, 2, -2, 0},
    {0, 1, 1, 4, 4, 0},
    {0, 1, -1, 8, -8, 1},
};
#elif R == 5
#define MO 2
__constant float G[ALPHA][R] = {
    {1.0f / 4, 0.0f, 0.0f, 0.0f, 0.0f},
    {-1.0f / 6, -1.0f / 6, -1.0f / 6, -1.0f / 6, -1.0f / 6},
    {-1.0f / 6, 1.0f / 6, -1.0f / 6, 1.0f / 6, -1.0f / 6},
    {1.0f / 24, 1.0f / 12, 1.0f / 6, 1.0f / 3, 2.0f / 3},
    {1.0f / 24, -1.0f / 12, 1.0f / 6, -1.0f / 3, 2.0f / 3},
    {0.0f, 0.0f, 0.0f, 0.0f, 1.0f},
};
__constant float AT[MO][ALPHA] = {
    {1, 1, 1, 1, 1, 0},
    {0, 1, -1, 2, -2, 1},
};
#else
#error "winograd.cl: R must be 3 or 5"
#endif

__constant float BT[ALPHA][ALPHA] = {
    {4, 0, -5, 0, 1, 0},
    {0, -4, -4, 1, 1, 0},
    {0, 4, -4, -1, 1, 0},
    {0, -2, -1, 2, 1, 0},
    {0, 2, -1, -2, 1, 0},
    {0, 4, 0, -5, 0, 1},
};

/* U[xi][o][i] = (G g G^T)[xi] for the kernel g of output channel o, input
 * channel i. Index space: C_in x C_out. */
__kernel void winograd_weights(__global const float *restrict w, __global float *restrict u,
                               int C_in, int C_out)
{
    const int i = (int)get_global_id(0), o = (int)get_global_id(1);
    if (i >= C_in || o >= C_out)
        return;
    __global const float *g = w + ((size_t)o * C_in + i) * (R * R);
    float t[ALPHA][R]; /* G g */
#pragma unroll
    for (int a = 0; a < ALPHA; a++)
#pragma unroll
        for (int c = 0; c < R; c++) {
            float s = 0.0f;
#pragma unroll
            for (int k = 0; k < R; k++)
                if (G[a][k] != 0.0f)
                    s = MAD(G[a][k], g[k * R + c], s);
            t[a][c] = s;
        }
    const size_t plane = (size_t)C_out * C_in, at = (size_t)o * C_in + i;
#pragma unroll
    for (int a = 0; a < ALPHA; a++)
#pragma unroll
        for (int b = 0; b < ALPHA; b++) {
            float s = 0.0f;
#pragma unroll
            for (int k = 0; k < R; k++)
                if (G[b][k] != 0.0f)
                    s = MAD(t[a][k], G[b][k], s);
            u[(a * ALPHA + b) * plane + at] = s;
        }
}

/* VEC tiles of one tile row at a time, one per vector lane: a row of tiles
 * is cut into blocks of VEC (the last one partly past the row), and V's
 * column for lane l of block b is b * VEC + l, so every store is a whole
 * vector. A lane's 6x6 window is read element by element (its columns are
 * MO apart from the next lane's), at indices clamped into the row and then
 * zeroed where the window lies outside the image (padding) or the lane
 * past the row, so the loop has no branch per element. */
#if VEC == 1
typedef int intv;
#define LANE_IDS 0
#define GATHER(p, i) ((p)[i])
#else
typedef CLCONV_CAT(int, VEC) intv;
#if VEC == 2
#define LANE_IDS (intv)(0, 1)
#define GATHER(p, i) ((floatv)((p)[(i).s0], (p)[(i).s1]))
#elif VEC == 4
#define LANE_IDS (intv)(0, 1, 2, 3)
#define GATHER(p, i) ((floatv)((p)[(i).s0], (p)[(i).s1], (p)[(i).s2], (p)[(i).s3]))
#elif VEC == 8
#define LANE_IDS (intv)(0, 1, 2, 3, 4, 5, 6, 7)
#define GATHER(p, i)                                                                           \
    ((floatv)((p)[(i).s0], (p)[(i).s1], (p)[(i).s2], (p)[(i).s3], (p)[(i).s4], (p)[(i).s5],     \
              (p)[(i).s6], (p)[(i).s7]))
#else
#define LANE_IDS (intv)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
#define GATHER(p, i)                                                                           \
    ((floatv)((p)[(i).s0], (p)[(i).s1], (p)[(i).s2], (p)[(i).s3], (p)[(i).s4], (p)[(i).s5],     \
              (p)[(i).s6], (p)[(i).s7], (p)[(i).s8], (p)[(i).s9], (p)[(i).sa], (p)[(i).sb],     \
              (p)[(i).sc], (p)[(i).sd], (p)[(i).se], (p)[(i).sf]))
#endif
#endif

/* V[xi][c][j] = (B^T d B)[xi] for the tile in column j = (block - b0) *
 * VEC + lane, block = tile row * blocks_w + tile column / VEC, of input
 * channel c; its 6x6 window starts at (tile row * MO - pad_h, tile column
 * * MO - pad_w), zero outside the image. Index space: the chunk's blocks x
 * C_in; V has `cols` columns. */
__kernel void winograd_input(__global const float *restrict x, __global float *restrict v,
                             int C_in, int H, int W, int pad_h, int pad_w, int tiles_h,
                             int tiles_w, int b0, int blocks, int cols)
{
    const int j = (int)get_global_id(0), c = (int)get_global_id(1);
    if (j >= blocks || c >= C_in)
        return;
    const int blocks_w = (tiles_w + VEC - 1) / VEC;
    const int row = (b0 + j) / blocks_w, bx = (b0 + j) % blocks_w;
    const int n = row / tiles_h, ty = row % tiles_h;
    const intv tx = bx * VEC + LANE_IDS;
    const intv x0 = tx * MO - pad_w;
    const int y0 = ty * MO - pad_h;
    __global const float *plane = x + ((size_t)n * C_in + c) * (size_t)H * (size_t)W;
    intv ix[ALPHA], inside[ALPHA];
#pragma unroll
    for (int b = 0; b < ALPHA; b++) {
        const intv xb = x0 + b;
        /* min/max, not clamp: oclgrind 21.10 computes clamp() of an int
         * vector with scalar bounds wrongly (lanes left out of range) */
        inside[b] = (xb >= 0) & (xb < W) & (tx < tiles_w);
        ix[b] = min(max(xb, (intv)(0)), (intv)(W - 1));
    }
    floatv d[ALPHA][ALPHA];
#pragma unroll
    for (int a = 0; a < ALPHA; a++) {
        const int yy = y0 + a;
        __global const float *in_row = plane + (size_t)clamp(yy, 0, H - 1) * W;
        const int row_inside = yy >= 0 && yy < H;
#pragma unroll
        for (int b = 0; b < ALPHA; b++)
            d[a][b] = row_inside ? select((floatv)(0.0f), GATHER(in_row, ix[b]), inside[b])
                                 : (floatv)(0.0f);
    }
    floatv t1[ALPHA][ALPHA]; /* B^T d */
#pragma unroll
    for (int a = 0; a < ALPHA; a++)
#pragma unroll
        for (int b = 0; b < ALPHA; b++) {
            floatv s = (floatv)(0.0f);
#pragma unroll
            for (int k = 0; k < ALPHA; k++)
                if (BT[a][k] != 0.0f)
                    s = MAD(BT[a][k], d[k][b], s);
            t1[a][b] = s;
        }
    const size_t stride = (size_t)C_in * cols;
    __global float *out = v + (size_t)c * cols + (size_t)j * VEC;
#pragma unroll
    for (int a = 0; a < ALPHA; a++)
#pragma unroll
        for (int b = 0; b < ALPHA; b++) {
            floatv s = (floatv)(0.0f);
#pragma unroll
            for (int k = 0; k < ALPHA; k++)
                if (BT[b][k] != 0.0f)
                    s = MAD(t1[a][k], BT[b][k], s);
            VSTORE(s, out + (a * ALPHA + b) * stride);
        }
}

/* y = EPI(A^T m A, bias, resid) for the tile in column j of M (as winograd_input
 * numbers them) and output channel o: the MO x MO outputs at (tile row *
 * MO, tile column * MO) that lie inside OH x OW; a column past its tile
 * row holds no tile. Index space: cols x C_out. */
__kernel void winograd_output(__global const float *restrict m, __global const float *restrict bias,
                              __global float *restrict y, __global const float *restrict resid,
                              int C_out, int OH, int OW,
                              int tiles_h, int tiles_w, int b0, int cols, int has_bias)
{
    const int j = (int)get_global_id(0), o = (int)get_global_id(1);
    if (j >= cols || o >= C_out)
        return;
    const int blocks_w = (tiles_w + VEC - 1) / VEC;
    const int block = b0 + j / VEC, tx = block % blocks_w * VEC + j % VEC;
    if (tx >= tiles_w)
        return;
    const int row = block / blocks_w, n = row / tiles_h, ty = row % tiles_h;
    const size_t stride = (size_t)C_out * cols, at = (size_t)o * cols + j;
    float mm[ALPHA][ALPHA];
#pragma unroll
    for (int a = 0; a < ALPHA; a++)
#pragma unroll
        for (int b = 0; b < ALPHA; b++)
            mm[a][b] = m[(a * ALPHA + b) * stride + at];
    float t1[MO][ALPHA]; /* A^T m */
#pragma unroll
    for (int a = 0; a < MO; a++)
#pragma unroll
        for (int b = 0; b < ALPHA; b++) {
            float s = 0.0f;
#pragma unroll
            for (int k = 0; k < ALPHA; k++)
                if (AT[a][k] != 0.0f)
                    s = MAD(AT[a][k], mm[k][b], s);
            t1[a][b] = s;
        }
    const int oy0 = ty * MO, ox0 = tx * MO;
    const float bias_o = has_bias ? bias[o] : 0.0f;
    const size_t plane0 = ((size_t)n * C_out + o) * (size_t)OH * (size_t)OW;
#pragma unroll
    for (int a = 0; a < MO; a++)
#pragma unroll
        for (int b = 0; b < MO; b++) {
            float s = 0.0f;
#pragma unroll
            for (int k = 0; k < ALPHA; k++)
                if (AT[b][k] != 0.0f)
                    s = MAD(t1[a][k], AT[b][k], s);
            const size_t at = plane0 + (size_t)(oy0 + a) * OW + ox0 + b;
            if (oy0 + a < OH && ox0 + b < OW)
                y[at] = EPI(s, bias_o, resid[at]);
        }
}
