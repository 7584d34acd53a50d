/* sgemm: row-major C[b] = A[b] * B[b] (beta 0) for each batch entry b,
 * float32, with offsets, leading dimensions and batch strides in floats
 * (runtime/gemm.h, rt_gemm).
 *
 * Index space: dim 0 = ceil(N / (NV*VEC)) column tiles, dim 1 = ceil(M / MR)
 * row tiles (the host may round it up to whole work-groups: the extra
 * work-items only pass the barriers), dim 2 = batch. One work-item computes the
 * MR x (NV*VEC) block of C at rows m0 = tile1 * MR, columns
 * n0 = tile0 * NV * VEC, over the whole K.
 *
 * Buffers, float32:
 *   A [batch] at a_offset + b * a_stride: M rows of K, row pitch lda
 *   B [batch] at b_offset + b * b_stride: K rows of N, row pitch ldb
 *   C [batch] at c_offset + b * c_stride: M rows of N, row pitch ldc (written)
 * A matrix narrower than one vector (N < VEC) takes a plain scalar path, so
 * that one program serves every shape.
 *
 * The micro-kernel is the register tile CPUs with wide vectors need (two
 * FMA pipes of 4-cycle latency want 10 or more independent FMAs): per k, NV vector loads of B's row k, MR scalar
 * loads of A broadcast, MR*NV independent MAD()s into named accumulators (a
 * private array would be kept in memory by some compilers). There are no
 * bounds checks in the loop: a work-item whose tile crosses M or N clamps
 * its row pointers to row M-1 and its vector columns to N-VEC, so it
 * computes a full tile from valid memory, and only its stores, chosen once
 * per work-item, keep to the part of the tile that is its own.
 *
 * KC > 0 (CPUs): a work-group barrier after every KC steps of k. On a CPU
 * runtime such as PoCL a work-group is a loop over its work-items, cut at
 * each barrier: the group's row tiles then take turns on one KC x (NV*VEC)
 * block of B while it is in L1 and its KC rows' pages are in the TLB.
 * Without it each work-item walks all K rows of B alone, one page per row
 * when B's rows are long (im2col's are): at seed-k3's GEMM (64 x 1740 x
 * 2304) that measured 30-40% slower (CPU time of a contended run). Long rows
 * still cost: the same work with 96-float rows ran 1.4x faster than with
 * 1740-float rows, which only a packed B (written so by im2col) would
 * recover. The accumulators live across the barrier (PoCL keeps them in a
 * per-group array between blocks: 2 x MR*NV vector moves per KC steps).
 * KC = 0 for GPUs, which gain nothing from it.
 *
 * Multiply-adds are MAD() (common/prelude.cl), contracted into one FMA
 * where the target has a fast one (measured: the same kernel at 26 GFLOP/s
 * with mad(), 47-50 with the contracted expression or fma()). */

#ifndef MR
#define MR 4 /* rows of C per work-item */
#endif
#ifndef NV
#define NV 2 /* vectors of VEC columns of C per work-item */
#endif

#if MR < 1 || MR > 12 || NV < 1 || NV > 8
#error "sgemm.cl: MR must be 1..12 and NV 1..8"
#endif

#ifndef KC
#define KC 0 /* steps of k between work-group barriers; 0: none */
#endif

#define NT (NV * VEC) /* columns of C per work-item */

/* Per row i: its A pointer (clamped to row M-1) and its C row. */
#define ROW_SETUP(i)                                                                           \
    __global const float *a##i = A + (size_t)min(m0 + (i), M - 1) * (size_t)lda;               \
    __global float *c##i = C + (size_t)(m0 + (i)) * (size_t)ldc;

/* Per vector j: its first column, clamped so the vector lies inside N. */
#define COL_SETUP(i, j) const int col##j = min(n0 + (j) * VEC, N - VEC);

#define ACC_DECL(i, j) floatv acc##i##_##j = (floatv)(0.0f);
#define ROW_ACC_DECL(i) REP_COLS(ACC_DECL, i)

#define B_LOAD(i, j) const floatv b##j = VLOAD(brow + col##j);

#define ACC_MAD(i, j) acc##i##_##j = MAD(a, b##j, acc##i##_##j);
#define ROW_MAD(i)                                                                             \
    {                                                                                          \
        const floatv a = (floatv)(a##i[k]);                                                    \
        REP_COLS(ACC_MAD, i)                                                                   \
    }

#define FULL_STORE(i, j) VSTORE(acc##i##_##j, c##i + col##j);
#define ROW_FULL_STORE(i) REP_COLS(FULL_STORE, i)

#define EDGE_STORE(i, j) store_part(acc##i##_##j, c##i, col##j, n0 + (j) * VEC);
#define ROW_EDGE_STORE(i)                                                                      \
    if (m0 + (i) < M) {                                                                        \
        REP_COLS(EDGE_STORE, i)                                                                \
    }

/* N < VEC: the tile's valid part, one element at a time. */
static void narrow_tile(__global const float *A, __global const float *B, __global float *C,
                        int M, int N, int K, int lda, int ldb, int ldc, int m0, int n0)
{
    for (int i = m0; i < min(m0 + MR, M); i++)
        for (int j = n0; j < min(n0 + NT, N); j++) {
            float sum = 0.0f;
            for (int k = 0; k < K; k++)
                sum = A[(size_t)i * lda + k] * B[(size_t)k * ldb + j] + sum;
            C[(size_t)i * ldc + j] = sum;
        }
}

/* Lane l of v is column col + l; the columns before `own` belong to the
 * previous vector or work-item (the clamp shifted this vector back). */
static void store_part(floatv v, __global float *row, int col, int own)
{
    float lanes[VEC];
    VSTORE(v, lanes);
    for (int l = max(own - col, 0); l < VEC; l++)
        row[col + l] = lanes[l];
}

__kernel void sgemm(__global const float *restrict A, __global const float *restrict B,
                    __global float *restrict C, int M, int N, int K, int lda, int ldb, int ldc,
                    ulong a_offset, ulong a_stride, ulong b_offset, ulong b_stride,
                    ulong c_offset, ulong c_stride)
{
    const int n0 = (int)get_global_id(0) * NT;
    const int m0 = (int)get_global_id(1) * MR;
    const size_t batch = get_global_id(2);
    A += a_offset + batch * a_stride;
    B += b_offset + batch * b_stride;
    C += c_offset + batch * c_stride;
    if (N < VEC) { /* the same for every work-item: no barrier is skipped by some only */
        narrow_tile(A, B, C, M, N, K, lda, ldb, ldc, m0, n0);
        return;
    }
    /* A row tile past M multiplies nothing, but passes every barrier. */
    const int k_end = m0 < M ? K : 0;

    REP_ROWS(ROW_SETUP)
    REP_COLS(COL_SETUP, 0)
    REP_ROWS(ROW_ACC_DECL)

    __global const float *brow = B;
#if KC > 0
    for (int k0 = 0; k0 < K; k0 += KC) {
        const int k1 = min(k0 + KC, k_end);
        for (int k = k0; k < k1; k++, brow += ldb) {
            REP_COLS(B_LOAD, 0)
            REP_ROWS(ROW_MAD)
        }
        barrier(CLK_GLOBAL_MEM_FENCE);
    }
#else
    for (int k = 0; k < k_end; k++, brow += ldb) {
        REP_COLS(B_LOAD, 0)
        REP_ROWS(ROW_MAD)
    }
#endif

    if (m0 + MR <= M && n0 + NT <= N) {
        REP_ROWS(ROW_FULL_STORE)
    } else {
        REP_ROWS(ROW_EDGE_STORE)
    }
}
