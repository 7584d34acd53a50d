/* Depthwise convolution (groups = C_in; output channel k reads input channel
 * k / (C_out / C_in), the depth multiplier), and grouped convolution with
 * few input channels a group (GI of them, a -D constant; output channel k
 * reads its group's GI channels): each output is GI * KH * KW taps of a
 * few input planes, so a depthwise layer is memory-bound and the kernel's
 * job is to touch each input and output element about once.
 *
 * One work-item computes R output rows of one output plane: on a CPU
 * (VEC > 1) the whole row strip, in vector tiles of VEC columns along the
 * row; on a GPU (VEC 1) one column, neighbouring work-items reading
 * neighbouring columns. A tile's R accumulators walk, per input channel of
 * the group, the IR = (R - 1) * SH + (KH - 1) * DH + 1 input rows the R
 * output rows read, loading each row's KW shifted vectors once and adding
 * them to every output row whose window holds that input row: an input row
 * is loaded once per tile, not once per output row. KH, KW, SH, SW, DH,
 * DW, GI and R are -D constants and the row, tap and accumulator loops are
 * unrolled, so which accumulator a row feeds is decided at compile time;
 * the channel's KH * KW weights are scalars broadcast to the vector.
 *
 * Padding is applied here, not by a copy, two ways (STAGED picks the
 * kernel a build holds):
 * - conv_depthwise: a tile whose reads all lie inside the row loads whole
 *   vectors with no check; one at the edge (and a GPU's column) first
 *   gathers the columns it reads, zeros outside, then loads from that copy;
 *   rows above and below the image are skipped.
 * - conv_depthwise_staged (a CPU's): the work-group copies its input planes
 *   with their padding into local memory once, then every tile loads whole
 *   vectors from there unchecked.
 *
 * Index space: dim 0 = OW on a GPU, 1 on a CPU; dim 1 = ceil(OH / R);
 * dim 2 = N * C_out. Buffers, float32, row-major:
 *   in   [N][C_in][H][W]
 *   w    [C_out][GI][KH][KW]  (PyTorch's layout for groups = C_in / GI)
 *   bias [C_out]              read only when has_bias
 *   out  [N][C_out][OH][OW]
 *   resid [N][C_out][OH][OW]  the epilogue's residual, read only when EPI_RES */

#ifndef R
#define R 4
#endif
#ifndef KH
#define KH 3
#endif
#ifndef KW
#define KW 3
#endif
#ifndef SH
#define SH 1
#endif
#ifndef SW
#define SW 1
#endif
#ifndef DH
#define DH 1
#endif
#ifndef DW
#define DW 1
#endif
#ifndef GI
#define GI 1 /* input channels a group has: 1 depthwise */
#endif
#ifndef OCB
#define OCB 1 /* conv_depthwise_staged: output channels of one group a work-item */
#endif
#ifndef STAGED
#define STAGED 0 /* 1: conv_depthwise_staged, else conv_depthwise (one a build) */
#endif
#if STAGED == 0 && OCB != 1
#error "conv_depthwise computes one output channel a work-item (OCB 1)"
#endif

#define IR ((R - 1) * SH + (KH - 1) * DH + 1)

/* Columns a whole-vector load at x reads: x .. x + SPAN - 1. Stride 2 loads
 * twice the width and keeps the even lanes. */
#if SW == 2 && VEC > 1
#define SPAN (2 * VEC)
#else
#define SPAN ((VEC - 1) * SW + 1)
#endif
/* The columns an edge tile gathers per input row, zeros outside. */
#define SEG (SPAN + (KW - 1) * DW)

/* The body of a load of the VEC inputs at columns x, x + SW, ...,
 * x + (VEC - 1) * SW of `row`, all inside it; one body for global rows and
 * the private copies of edge rows. */
#if SW == 1
#define LOAD_BODY return VLOAD(row + x);
#elif SW == 2 && VEC == 16 /* half by half: oclgrind 21.10 crashed on (float16)(a.even, b.even) */
#define LOAD_BODY                                           \
    float16 v;                                              \
    v.lo = vload16(0, row + x).even;                        \
    v.hi = vload16(0, row + x + 16).even;                   \
    return v;
#elif SW == 2 && VEC == 8
#define LOAD_BODY return vload16(0, row + x).even;
#elif SW == 2 && VEC == 4
#define LOAD_BODY return vload8(0, row + x).even;
#elif SW == 2 && VEC == 2
#define LOAD_BODY return vload4(0, row + x).even;
#else
#define LOAD_BODY                   \
    float t[VEC];                   \
    for (int i = 0; i < VEC; i++)   \
        t[i] = row[x + i * SW];     \
    return VLOAD(t);
#endif

/* Helpers are forced inline: PoCL kept the tile functions as calls, their
 * accumulators in memory, and the layer ran 2x slower (seen with perf). */
#define INLINE __attribute__((always_inline)) inline

INLINE floatv load_global(global const float *row, int x) { LOAD_BODY }
INLINE floatv load_private(const float *row, int x) { LOAD_BODY }
INLINE floatv load_local(local const float *row, int x) { LOAD_BODY }

/* Adds the taps of one input row (index ir among the tile's rows) into the
 * output rows whose window holds it, for OCB output channels of one group
 * (1 in conv_depthwise), which read the same row: each loaded vector feeds
 * every channel's accumulators (acc[o * R + r]) with its own weights
 * (wt[o * KH * KW + tap]). */
#define ADD_ROW(load, rowptr, ix0)                                              \
    _Pragma("unroll") for (int kx = 0; kx < KW; kx++)                             \
    {                                                                              \
        const floatv v = load(rowptr, (ix0) + kx * DW);                            \
        _Pragma("unroll") for (int r = 0; r < R; r++)                              \
        {                                                                          \
            const int dy = ir - r * SH;                                            \
            if (dy >= 0 && dy % DH == 0 && dy / DH < KH)                           \
                _Pragma("unroll") for (int o = 0; o < OCB; o++)                    \
                    acc[o * R + r] =                                               \
                        MAD(v, (floatv)wt[o * (KH * KW) + dy / DH * KW + kx], acc[o * R + r]); \
        }                                                                          \
    }

/* One tile's taps into acc[R]. `edge` is a constant at each call: an inside
 * tile (every column it reads lies in the row) loads whole vectors from the
 * row; an edge tile first copies the SEG columns it reads, zeros outside the
 * row, then loads the same vectors from the copy. */
INLINE void tile_at(global const float *src, int H, int W, int iy0, int ix0, const float *wt,
                    floatv *acc, const int edge)
{
#pragma unroll
    for (int ir = 0; ir < IR; ir++) {
        const int iy = iy0 + ir;
        if (iy < 0 || iy >= H)
            continue;
        global const float *row = src + (size_t)iy * W;
        if (edge) {
            float seg[SEG];
            for (int i = 0; i < SEG; i++) {
                const int x = ix0 + i;
                seg[i] = x >= 0 && x < W ? row[x] : 0.0f;
            }
            ADD_ROW(load_private, seg, 0)
        } else {
            ADD_ROW(load_global, row, ix0)
        }
    }
}

/* Output channel k's weights for its group's input channel ci. */
#define LOAD_WEIGHTS(k, ci)                                       \
    float wt[KH * KW];                                            \
    _Pragma("unroll") for (int i = 0; i < KH * KW; i++)           \
        wt[i] = w[((size_t)(k) * GI + (ci)) * (KH * KW) + i];

/* Stores rows oy0 .. of a tile at column ox (those below OH) from acc,
 * through the plan's epilogue (EPI, common/prelude.cl) with bias b; the
 * output plane starts at element `at` of out (and of resid). */
#define STORE_TILE(at, ox, acc, b)                                            \
    _Pragma("unroll") for (int r = 0; r < R; r++)                             \
    {                                                                         \
        if (oy0 + r >= OH)                                                    \
            break;                                                            \
        const size_t at_ = (at) + (size_t)(oy0 + r) * OW + (ox);              \
        if ((ox) + VEC <= OW) {                                               \
            VSTORE(EPI(acc[r], (b), VLOAD(resid + at_)), out + at_);          \
        } else { /* a row narrower than one vector */                         \
            float t[VEC];                                                     \
            VSTORE(acc[r], t);                                                \
            for (int i = 0; i < OW - (ox); i++)                               \
                out[at_ + i] = EPI(t[i], (b), resid[at_ + i]);                \
        }                                                                     \
    }

#if !STAGED
kernel void conv_depthwise(global const float *restrict in, global const float *restrict w,
                           global const float *restrict bias, global float *restrict out,
                           global const float *restrict resid, int C, int H, int W, int K, int OH,
                           int OW, int pad_h, int pad_w, int has_bias)
{
    const int oy0 = (int)get_global_id(1) * R, plane = (int)get_global_id(2);
    if (oy0 >= OH)
        return;
    const int k = plane % K, n = plane / K, c0 = k / (K / (C / GI)) * GI;
    global const float *src = in + ((size_t)n * C + c0) * H * W;
    const size_t dst = (size_t)plane * OH * OW;
    const float b = has_bias ? bias[k] : 0.0f;
    const int iy0 = oy0 * SH - pad_h;
    /* A CPU's row strip in tiles of VEC columns, the last one ending at the
     * row's end (overlapping its neighbour rather than hanging past it); a
     * GPU's one column (dim 0). */
    const int first = VEC > 1 ? 0 : (int)get_global_id(0), step = VEC > 1 ? VEC : OW;
    const int last_start = max(OW - VEC, 0);
    for (int ox0 = first; ox0 < OW; ox0 += step) {
        const int ox = min(ox0, last_start), ix0 = ox * SW - pad_w;
        const int inside = ix0 >= 0 && ix0 + (KW - 1) * DW + SPAN <= W;
        floatv acc[R];
#pragma unroll
        for (int r = 0; r < R; r++)
            acc[r] = (floatv)(0.0f);
        for (int ci = 0; ci < GI; ci++) {
            LOAD_WEIGHTS(k, ci)
            global const float *plane_in = src + (size_t)ci * H * W;
            if (inside)
                tile_at(plane_in, H, W, iy0, ix0, wt, acc, 0);
            else
                tile_at(plane_in, H, W, iy0, ix0, wt, acc, 1);
        }
        STORE_TILE(dst, ox, acc, b)
    }
}

#else
/* conv_depthwise_staged: the same for a CPU, whose work-group holds whole
 * output planes of one image (dim 1 all of a plane's row strips, dim 2
 * `planes` planes: a part of one group's outputs or whole groups): the
 * group first copies the input planes those read (`channels` of them from
 * channel c0) with their padding into local memory (`stage`,
 * channels x HP x WP; a CPU's local memory is its cache), then every tile
 * reads whole vectors from there with no check. The guarded edge tiles of
 * conv_depthwise, which a 5 x 5 or 7 x 7 kernel on a 14 x 14 plane made
 * most of the work, are gone. HP and WP cover every row and column a tile
 * reads, the last row strip's rows past OH and the vector's slop included.
 * A work-item computes OCB output planes of one group (OCB divides the
 * group's output channels), so that each vector it loads feeds OCB
 * channels' accumulators: dim 2 = N * C_out / OCB. */
kernel void conv_depthwise_staged(global const float *restrict in, global const float *restrict w,
                                  global const float *restrict bias, global float *restrict out,
                                  global const float *restrict resid, int C, int H, int W, int K,
                                  int OH, int OW, int pad_h, int pad_w, int has_bias, int HP,
                                  int WP, local float *stage)
{
    const int strips = (int)get_local_size(1), items = strips * (int)get_local_size(2);
    const int planes = (int)get_local_size(2) * OCB;
    const int me = (int)get_local_id(2) * strips + (int)get_local_id(1);
    const int plane0 = (int)get_group_id(2) * planes, k0 = plane0 % K, n = plane0 / K;
    const int GO = K / (C / GI); /* output channels of a group */
    const int g0 = k0 / GO, channels = max(1, planes / GO) * GI;
    for (int row = me; row < channels * HP; row += items) {
        const int q = row / HP, iy = row % HP - pad_h;
        local float *to = stage + (size_t)row * WP;
        const int lo = min(pad_w, WP), hi = min(WP, pad_w + W);
        if (iy < 0 || iy >= H) {
            for (int i = 0; i < WP; i++)
                to[i] = 0.0f;
            continue;
        }
        global const float *from = in + (((size_t)n * C + g0 * GI + q) * H + iy) * W;
        for (int i = 0; i < lo; i++)
            to[i] = 0.0f;
        int i = lo;
        for (; i + VEC <= hi; i += VEC)
            VSTORE(VLOAD(from + (i - lo)), to + i);
        for (; i < hi; i++)
            to[i] = from[i - lo];
        for (i = hi; i < WP; i++)
            to[i] = 0.0f;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    /* OCB consecutive output planes, of one group (OCB divides GO) */
    const int oy0 = (int)get_global_id(1) * R, plane = (int)get_global_id(2) * OCB;
    if (oy0 >= OH)
        return;
    const int k = plane % K;
    local const float *src =
        stage + (size_t)(k / GO - g0) * GI * HP * WP + (size_t)oy0 * SH * WP;
    const size_t dst = (size_t)plane * OH * OW;
    const int last_start = max(OW - VEC, 0);
    for (int ox0 = 0; ox0 < OW; ox0 += VEC) {
        const int ox = min(ox0, last_start);
        floatv acc[OCB * R];
#pragma unroll
        for (int o = 0; o < OCB; o++)
#pragma unroll
            for (int r = 0; r < R; r++)
                acc[o * R + r] = (floatv)(0.0f);
        for (int ci = 0; ci < GI; ci++) {
            float wt[OCB * KH * KW];
#pragma unroll
            for (int o = 0; o < OCB; o++)
#pragma unroll
                for (int i = 0; i < KH * KW; i++)
                    wt[o * (KH * KW) + i] = w[((size_t)(k + o) * GI + ci) * (KH * KW) + i];
#pragma unroll
            for (int ir = 0; ir < IR; ir++) {
                local const float *row = src + ((size_t)ci * HP + ir) * WP;
                ADD_ROW(load_local, row, ox * SW)
            }
        }
#pragma unroll
        for (int o = 0; o < OCB; o++)
            STORE_TILE(dst + (size_t)o * OH * OW, ox, (acc + o * R), has_bias ? bias[k + o] : 0.0f)
    }
}
#endif
