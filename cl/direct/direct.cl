/* Direct convolution (cross-correlation, as PyTorch's conv2d), register-blocked.
 *
 * One work-item of conv_direct computes PIX consecutive output pixels of one
 * output row for OCB = OCV * VEC output channels. The PIX x OCV accumulators
 * are named vector variables (acc<p>_<j>: lane e holds channel
 * oc0 + j * VEC + e), never an indexed array, so they stay in registers. Per
 * input channel and tap the inner step is OCV aligned vector loads of packed
 * weights, PIX scalar input loads broadcast to vectors, and PIX * OCV
 * independent MAD()s (common/prelude.cl). The tap loops have build-time bounds (KH, KW, SH, SW,
 * DH, DW are -D constants; the loops stay rolled, see there); nothing in them is bounds-checked:
 * the input has its padding already (the caller's buffer when the problem
 * has none, else the copy pad_input in direct/pack.cl makes), and a row's
 * last tile, which may hang past the row's end, takes its own copy of the
 * loop where the pixels past the end re-read the last one (conv_tile).
 *
 * conv_direct index space: dim 0 = ceil(OW / PIX) pixel tiles, dim 1 = OH,
 * dim 2 = images * oc_blocks, oc_blocks = groups * group_blocks and
 * group_blocks = ceil(group_out / OCB): a block holds output channels of
 * one group (group_out = C_out / groups of them), which reads that group's
 * group_in = C_in / groups input channels (dense: groups 1).
 *
 * Buffers, float32, row-major:
 *   in   [..][C_in][HP][WP]   output pixel (oh, ow) reads rows oh*SH + kh*DH,
 *                             columns ow*SW + kw*DW (padding already applied)
 *   wp   [oc_blocks][group_in][KH][KW][OCB]   pack_weights' layout
 *                             (direct/pack.cl), zero past the group's channels
 *   bias [C_out]              read only when has_bias
 *   out  [N][C_out][OH][OW]
 *   resid [N][C_out][OH][OW]  the epilogue's residual, read only when EPI_RES
 *
 * Tunables (-D, chosen by the tuner or the default rule in src/conv/direct.c):
 * VEC (common/prelude.cl), OCV in 1..4, PIX in 1..28; LX > 0 adds the
 * local-memory variant conv_direct_local (below) with work-groups of LX x LY
 * and CB input channels staged at a time. */

#ifndef OCV
#define OCV 1
#endif
#ifndef PIX
#define PIX 4
#endif
#ifndef KH
#define KH 1
#endif
#ifndef KW
#define KW 1
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
#ifndef LX
#define LX 0
#endif
#ifndef LY
#define LY 1
#endif
#ifndef CB
#define CB 1
#endif

#define OCB (OCV * VEC)

#define DIRECT_CAT_(a, b) a##b
#define DIRECT_CAT(a, b) DIRECT_CAT_(a, b)

/* X(p) for p = 0 .. PIX-1: the register tile's pixels, written out. */
#define REP_1(X) X(0)
#define REP_2(X) REP_1(X) X(1)
#define REP_3(X) REP_2(X) X(2)
#define REP_4(X) REP_3(X) X(3)
#define REP_5(X) REP_4(X) X(4)
#define REP_6(X) REP_5(X) X(5)
#define REP_7(X) REP_6(X) X(6)
#define REP_8(X) REP_7(X) X(7)
#define REP_9(X) REP_8(X) X(8)
#define REP_10(X) REP_9(X) X(9)
#define REP_11(X) REP_10(X) X(10)
#define REP_12(X) REP_11(X) X(11)
#define REP_13(X) REP_12(X) X(12)
#define REP_14(X) REP_13(X) X(13)
#define REP_15(X) REP_14(X) X(14)
#define REP_16(X) REP_15(X) X(15)
#define REP_17(X) REP_16(X) X(16)
#define REP_18(X) REP_17(X) X(17)
#define REP_19(X) REP_18(X) X(18)
#define REP_20(X) REP_19(X) X(19)
#define REP_21(X) REP_20(X) X(20)
#define REP_22(X) REP_21(X) X(21)
#define REP_23(X) REP_22(X) X(22)
#define REP_24(X) REP_23(X) X(23)
#define REP_25(X) REP_24(X) X(24)
#define REP_26(X) REP_25(X) X(25)
#define REP_27(X) REP_26(X) X(26)
#define REP_28(X) REP_27(X) X(27)
#define FOR_PIX(X) DIRECT_CAT(REP_, PIX)(X)

/* X(p, j) for j = 0 .. OCV-1: the tile's channel vectors. */
#if OCV == 1
#define FOR_OCV(X, p) X(p, 0)
#elif OCV == 2
#define FOR_OCV(X, p) X(p, 0) X(p, 1)
#elif OCV == 3
#define FOR_OCV(X, p) X(p, 0) X(p, 1) X(p, 2)
#elif OCV == 4
#define FOR_OCV(X, p) X(p, 0) X(p, 1) X(p, 2) X(p, 3)
#else
#error "OCV must be 1..4"
#endif
#if PIX < 1 || PIX > 28
#error "PIX must be 1..28"
#endif

#define ACC_DECL_ONE(p, j) floatv acc##p##_##j = (floatv)(0.0f);
#define ACC_DECL(p) FOR_OCV(ACC_DECL_ONE, p)
/* Packed weights are OCB-aligned within a buffer aligned by OpenCL, so the
 * vector load is aligned (a plain vmovaps-class load on a CPU). */
#define W_LOAD(p, j) const floatv w##j = *(__global const floatv *)(wt + (j) * VEC);
#define MAD_ONE(p, j) acc##p##_##j = MAD(x##p, w##j, acc##p##_##j);
#define STEP(p)                                                                                   \
    {                                                                                             \
        const floatv x##p = (floatv)(x[min((p), last) * SW]);                                     \
        FOR_OCV(MAD_ONE, p)                                                                       \
    }
#define SPILL_ONE(p, j) VSTORE(acc##p##_##j, &res[p][(j) * VEC]);
#define SPILL(p) FOR_OCV(SPILL_ONE, p)

/* The store: the tile's accumulators through a private array, stored by
 * rolled loops (pixels past the row and channels past C_out are not). Written
 * out per accumulator and lane it was most of the kernel's code and of
 * PoCL's compile time (87 KB of x86 against 26 KB, 5.0 s of CPU against 2.3).
 * Each output goes through the plan's epilogue (EPI, common/prelude.cl),
 * its residual z at the output's own index. */
#define STORE_TILE()                                                                              \
    float res[PIX][OCB];                                                                          \
    FOR_PIX(SPILL)                                                                                \
    const size_t plane = (size_t)OH * OW;                                                         \
    const size_t o0 = (size_t)(out_image0 + img) * C_out * plane + (size_t)oh * OW + ow0;       \
    __global float *o = out + o0;                                                                 \
    __global const float *z = resid + o0;                                                         \
    const int oc0 = grp * group_out + gb * OCB, pixels = min(PIX, OW - ow0);                    \
    const int channels = min(OCB, group_out - gb * OCB);                                        \
    _Pragma("unroll 1") for (int q = 0; q < channels; q++)                                        \
    {                                                                                             \
        const float b = has_bias ? bias[oc0 + q] : 0.0f;                                          \
        _Pragma("unroll 1") for (int p = 0; p < pixels; p++)                                      \
        {                                                                                         \
            const size_t at = (size_t)(oc0 + q) * plane + p;                                      \
            o[at] = EPI(res[p][q], b, z[at]);                                                     \
        }                                                                                         \
    }

/* One work-item's tile. `last` is the tile's last pixel inside the row:
 * PIX - 1 for every tile but a row's last, where the pixels past it read
 * (and never store) pixel `last`'s input, so no read leaves the row.
 * Always inlined, once per call site, so that at the interior call `last`
 * is a constant and min() folds away. No restrict here (the kernel's
 * arguments have it): inlining restrict parameters emits
 * llvm.experimental.noalias.scope.decl, which oclgrind 21.10 cannot run. */
__attribute__((always_inline)) static inline void
conv_tile(__global const float *in, __global const float *wp, __global const float *bias,
          __global float *out, __global const float *resid, int C_in, int HP,
          int WP, int C_out, int OH, int OW, int in_image0, int out_image0, int has_bias, int ow0,
          int oh, int img, int ob, int group_in, int group_out, int group_blocks, const int last)
{
    FOR_PIX(ACC_DECL)
    const int grp = ob / group_blocks, gb = ob % group_blocks;
    const size_t in_plane = (size_t)HP * WP;
    __global const float *src = in +
                                ((size_t)(in_image0 + img) * C_in + (size_t)grp * group_in) *
                                    in_plane +
                                (size_t)(oh * SH) * WP + ow0 * SW;
    __global const float *wk = wp + (size_t)ob * group_in * (KH * KW * OCB);
    for (int c = 0; c < group_in; c++, src += in_plane, wk += KH * KW * OCB) {
        /* Rolled, both: with SW = 1 an unrolled kw loop reads the same input
         * column for pixel p at tap kw + 1 as for pixel p + 1 at tap kw, and
         * PoCL's LLVM keeps those broadcasts live across taps: 24
         * accumulators plus the shared broadcasts spill (seen in its x86
         * object at KW = 16). Rolled, a tap is the ideal 2 + PIX loads and
         * PIX * OCV FMAs with four loop instructions, and the kernel stays
         * small enough to compile in a second or two. */
#pragma unroll 1
        for (int kh = 0; kh < KH; kh++) {
#pragma unroll 1
            for (int kw = 0; kw < KW; kw++) {
                __global const float *x = src + kh * DH * WP + kw * DW;
                __global const float *wt = wk + (kh * KW + kw) * OCB;
                FOR_OCV(W_LOAD, 0)
                FOR_PIX(STEP)
            }
        }
    }

    STORE_TILE()
}

__kernel void conv_direct(__global const float *restrict in, __global const float *restrict wp,
                          __global const float *restrict bias, __global float *restrict out,
                          __global const float *restrict resid, int C_in, int HP, int WP,
                          int C_out, int OH, int OW, int in_image0, int out_image0,
                          int oc_blocks, int has_bias, int group_in, int group_out,
                          int group_blocks)
{
    const int ow0 = (int)get_global_id(0) * PIX;
    const int oh = (int)get_global_id(1);
    const int img = (int)get_global_id(2) / oc_blocks;
    const int ob = (int)get_global_id(2) % oc_blocks;
    if (ow0 + PIX <= OW)
        conv_tile(in, wp, bias, out, resid, C_in, HP, WP, C_out, OH, OW, in_image0, out_image0,
                  has_bias, ow0, oh, img, ob, group_in, group_out, group_blocks, PIX - 1);
    else
        conv_tile(in, wp, bias, out, resid, C_in, HP, WP, C_out, OH, OW, in_image0, out_image0,
                  has_bias, ow0, oh, img, ob, group_in, group_out, group_blocks, OW - 1 - ow0);
}

#if LX > 0
/* The variant for devices that prefer scalar floats (GPUs): the same register
 * tile per work-item, but a work-group of LX x LY work-items (LX tiles along a
 * row, LY rows) stages the input patch it shares and the weights of CB input
 * channels in local memory, then every work-item reads its taps from there.
 * Index space: dim 0 = tiles rounded up to LX, dim 1 = OH rounded up to LY,
 * dim 2 = images * oc_blocks; work-items past the row or the last row take
 * part in the staging and the barriers and store nothing. */
#define IR ((LY - 1) * SH + (KH - 1) * DH + 1) /* input rows a group reads */
#define IC ((LX * PIX - 1) * SW + (KW - 1) * DW + 1) /* and columns */
#define W_LOAD_LOCAL(p, j) const floatv w##j = *(__local const floatv *)(wt + (j) * VEC);
#define STEP_LOCAL(p)                                                                             \
    {                                                                                             \
        const floatv x##p = (floatv)(x[(p) * SW]);                                                \
        FOR_OCV(MAD_ONE, p)                                                                       \
    }

__kernel __attribute__((reqd_work_group_size(LX, LY, 1))) void
conv_direct_local(__global const float *restrict in, __global const float *restrict wp,
                  __global const float *restrict bias, __global float *restrict out,
                  __global const float *restrict resid, int C_in, int HP, int WP, int C_out,
                  int OH, int OW, int in_image0, int out_image0, int oc_blocks, int has_bias,
                  int group_in, int group_out, int group_blocks)
{
    __local float tin[CB * IR * IC];
    __local floatv tw_v[CB * KH * KW * OCV]; /* floatv: aligned for the vector loads */
    __local float *tw = (__local float *)tw_v;
    const int lx = (int)get_local_id(0), ly = (int)get_local_id(1);
    const int lid = ly * LX + lx;
    const int ow0 = (int)get_global_id(0) * PIX;
    const int oh = (int)get_global_id(1);
    const int img = (int)get_global_id(2) / oc_blocks;
    const int ob = (int)get_global_id(2) % oc_blocks;
    const int grp = ob / group_blocks, gb = ob % group_blocks;
    const int row0 = (int)get_group_id(1) * LY * SH, col0 = (int)get_group_id(0) * LX * PIX * SW;
    const size_t in_plane = (size_t)HP * WP;
    __global const float *src =
        in + ((size_t)(in_image0 + img) * C_in + (size_t)grp * group_in) * in_plane;
    __global const float *wsrc = wp + (size_t)ob * group_in * (KH * KW * OCB);

    FOR_PIX(ACC_DECL)
    for (int c0 = 0; c0 < group_in; c0 += CB) {
        const int cb = min(CB, group_in - c0);
        for (int i = lid; i < CB * IR * IC; i += LX * LY) {
            const int cc = i / (IR * IC), r = row0 + (i / IC) % IR, col = col0 + i % IC;
            tin[i] = cc < cb && r < HP && col < WP
                         ? src[(size_t)(c0 + cc) * in_plane + (size_t)r * WP + col]
                         : 0.0f;
        }
        for (int i = lid; i < CB * KH * KW * OCB; i += LX * LY)
            tw[i] = i < cb * KH * KW * OCB ? wsrc[(size_t)c0 * (KH * KW * OCB) + i] : 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int cc = 0; cc < cb; cc++)
            for (int kh = 0; kh < KH; kh++)
                for (int kw = 0; kw < KW; kw++) {
                    __local const float *x =
                        tin + (cc * IR + ly * SH + kh * DH) * IC + lx * PIX * SW + kw * DW;
                    __local const float *wt = tw + ((cc * KH + kh) * KW + kw) * OCB;
                    FOR_OCV(W_LOAD_LOCAL, 0)
                    FOR_PIX(STEP_LOCAL)
                }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    if (oh >= OH || ow0 >= OW)
        return; /* after the last barrier */
    STORE_TILE()
}
#endif
