/* cgemm: row-major complex C[b] = A[b] * B[b] (beta 0) for each batch entry
 * b, interleaved (re, im) float pairs, with offsets, leading dimensions and
 * batch strides in complex elements (runtime/gemm.h, rt_gemm). fft-cgemm's
 * multiply-accumulate, one batch entry a frequency: A the input spectra
 * [tiles][C_in], B the conjugated weight spectra [C_in][C_out].
 *
 * Index space: dim 0 = ceil(N / NT) column tiles, dim 1 = ceil(M / MR) row
 * tiles (the host may round it up to whole work-groups: the extra
 * work-items return at once; there is no barrier), dim 2 = batch. One
 * work-item computes the MR x NT block of C at rows m0 = tile1 * MR,
 * columns n0 = tile0 * NT, over the whole K.
 *
 * Buffers, interleaved complex float32:
 *   A [batch]: M rows of K, row pitch lda
 *   B [batch]: K rows of N, row pitch ldb
 *   C [batch]: M rows of N, row pitch ldc (written)
 * A matrix narrower than one vector (N < CV) takes a plain scalar path.
 *
 * The micro-kernel is sgemm.cl's outer product with complex elements: per
 * k, NV vectors of B's row k (CV complex values each), then per row i
 * re(a) and im(a) of A[i][k], broadcast:
 *   p += re(a) * b   lanes (re a re b, re a im b)
 *   q += im(a) * b   lanes (im a re b, im a im b)
 * and after the loop C = p + (-1, +1, -1, ...) * swap(q), swap exchanging
 * each complex value's two lanes: (re a re b - im a im b, re a im b +
 * im a re b). The loop is loads, broadcasts and multiply-adds only: no
 * shuffle, no sum across lanes. (The dot-product form before it read both
 * operands along K: a shuffle per two FMAs, which on AVX-512 compete for
 * the same port, and a fold of every accumulator across its lanes: 33% of
 * the FMA peak at seed-k5, batch 16. Swapping b in the loop instead of q
 * after it cost 4 shuffles per vector of B in PoCL's code.)
 *
 * Bounds: vectors are clamped to N-CV, as in sgemm.cl, so the loop has no
 * tests and only the stores keep to the tile's own part. A last row tile
 * short of MR rows runs its rows one at a time instead of clamping them:
 * fft-cgemm at batch 1 has a few rows (one per tile of the image), one
 * with whole planes, and clamped rows would multiply MR times over.
 * Unlike sgemm.cl it has no k blocks (KC): with twice the accumulators,
 * which PoCL keeps in memory across a barrier, blocks of 64 made the stage
 * 1.3-1.7x slower at seed-k5, batch 16. */

#ifndef MR
#define MR 4 /* rows of C per work-item */
#endif
#ifndef NV
#define NV 2 /* vectors of CV complex columns of C per work-item */
#endif

#if MR < 1 || MR > 12 || NV < 1 || NV > 8
#error "cgemm.cl: MR must be 1..12 and NV 1..8"
#endif

/* A vector holds whole complex values: at VEC 1 (a device preferring
 * scalars) one complex value, a float2. */
#if VEC >= 2
#define CW VEC
typedef floatv cvec;
#define CLOAD(p) VLOAD(p)
#define CSTORE(v, p) VSTORE(v, p)
#else
#define CW 2
typedef float2 cvec;
#define CLOAD(p) vload2(0, p)
#define CSTORE(v, p) vstore2(v, 0, p)
#endif
#define CV (CW / 2)      /* complex values per vector */
#define NT (NV * CV)     /* complex columns of C per work-item */

#if CW == 2
#define SWAP(v) ((v).s10)
#define SIGN ((float2)(-1.0f, 1.0f))
#elif CW == 4
#define SWAP(v) ((v).s1032)
#define SIGN ((float4)(-1.0f, 1.0f, -1.0f, 1.0f))
#elif CW == 8
#define SWAP(v) ((v).s10325476)
#define SIGN ((float8)(-1.0f, 1.0f, -1.0f, 1.0f, -1.0f, 1.0f, -1.0f, 1.0f))
#else /* element by element: oclgrind 21.10 mis-tracks shuffles of 16-wide vectors (and
       * crashes on some); PoCL compiles this to the same permute */
#define SWAP(v)                                                                                \
    ((float16)((v).s1, (v).s0, (v).s3, (v).s2, (v).s5, (v).s4, (v).s7, (v).s6, (v).s9, (v).s8, \
               (v).sb, (v).sa, (v).sd, (v).sc, (v).sf, (v).se))
#define SIGN                                                                                   \
    ((float16)(-1.0f, 1.0f, -1.0f, 1.0f, -1.0f, 1.0f, -1.0f, 1.0f, -1.0f, 1.0f, -1.0f, 1.0f,   \
               -1.0f, 1.0f, -1.0f, 1.0f))
#endif

/* Per row i: its A and C rows. */
#define ROW_SETUP(i)                                                                           \
    __global const float *a##i = A + 2 * (size_t)(m0 + (i)) * (size_t)lda;                     \
    __global float *c##i = C + 2 * (size_t)(m0 + (i)) * (size_t)ldc;

/* Per vector j: its first complex column, clamped so the vector lies inside N. */
#define COL_SETUP(i, j) const int col##j = min(n0 + (j) * CV, N - CV);

#define ACC_DECL(i, j) cvec p##i##_##j = (cvec)(0.0f), q##i##_##j = (cvec)(0.0f);
#define ROW_ACC_DECL(i) REP_COLS(ACC_DECL, i)

#define B_LOAD(i, j) const cvec b##j = CLOAD(brow + 2 * col##j);

#define ACC_MAD(i, j)                                                                          \
    p##i##_##j = MAD(re, b##j, p##i##_##j);                                                    \
    q##i##_##j = MAD(im, b##j, q##i##_##j);
#define ROW_MAD(i)                                                                             \
    {                                                                                          \
        const cvec re = (cvec)(a##i[2 * k]), im = (cvec)(a##i[2 * k + 1]);                     \
        REP_COLS(ACC_MAD, i)                                                                   \
    }

#define RESULT(i, j) MAD(SWAP(q##i##_##j), SIGN, p##i##_##j)
#define FULL_STORE(i, j) CSTORE(RESULT(i, j), c##i + 2 * col##j);
#define ROW_FULL_STORE(i) REP_COLS(FULL_STORE, i)

#define EDGE_STORE(i, j) store_part(RESULT(i, j), c##i, col##j, n0 + (j) * CV);
#define ROW_EDGE_STORE(i) REP_COLS(EDGE_STORE, i)

/* The k loop and the stores for the rows REP expands (set up before). */
#define TILE(REP)                                                                              \
    REP(ROW_ACC_DECL)                                                                          \
    __global const float *brow = B;                                                            \
    for (int k = 0; k < K; k++, brow += 2 * ldb) {                                             \
        REP_COLS(B_LOAD, 0)                                                                    \
        REP(ROW_MAD)                                                                           \
    }                                                                                          \
    if (n0 + NT <= N) {                                                                        \
        REP(ROW_FULL_STORE)                                                                    \
    } else {                                                                                   \
        REP(ROW_EDGE_STORE)                                                                    \
    }
#define ONE_ROW(X) X(0)

/* N < CV: the tile's valid part, one element at a time. */
static void narrow_tile(__global const float *A, __global const float *B, __global float *C,
                        int M, int N, int K, int lda, int ldb, int ldc, int m0, int n0)
{
    for (int i = m0; i < min(m0 + MR, M); i++)
        for (int j = n0; j < min(n0 + NT, N); j++) {
            float re = 0.0f, im = 0.0f;
            for (int k = 0; k < K; k++) {
                const float2 x = vload2((size_t)i * lda + k, A);
                const float2 y = vload2((size_t)k * ldb + j, B);
                re = MAD(x.x, y.x, MAD(-x.y, y.y, re));
                im = MAD(x.x, y.y, MAD(x.y, y.x, im));
            }
            vstore2((float2)(re, im), (size_t)i * ldc + j, C);
        }
}

/* Complex lane l of v is column col + l; the columns before `own` belong to
 * the previous vector or work-item (the clamp shifted this vector back). */
static void store_part(cvec v, __global float *row, int col, int own)
{
    float lanes[CW];
    CSTORE(v, lanes);
    for (int l = max(own - col, 0); l < CV; l++)
        vstore2((float2)(lanes[2 * l], lanes[2 * l + 1]), col + l, row);
}

/* Row m0 of C, alone. */
static void one_row(__global const float *A, __global const float *B, __global float *C, int N,
                    int K, int lda, int ldb, int ldc, int m0, int n0)
{
    ROW_SETUP(0)
    REP_COLS(COL_SETUP, 0)
    TILE(ONE_ROW)
}

__kernel void cgemm(__global const float *restrict A, __global const float *restrict B,
                    __global float *restrict C, int M, int N, int K, int lda, int ldb, int ldc,
                    ulong a_offset, ulong a_stride, ulong b_offset, ulong b_stride,
                    ulong c_offset, ulong c_stride)
{
    const int n0 = (int)get_global_id(0) * NT;
    const int m0 = (int)get_global_id(1) * MR;
    const size_t batch = get_global_id(2);
    A += 2 * (a_offset + batch * a_stride);
    B += 2 * (b_offset + batch * b_stride);
    C += 2 * (c_offset + batch * c_stride);
    if (m0 >= M || n0 >= N)
        return;
    if (N < CV) {
        narrow_tile(A, B, C, M, N, K, lda, ldb, ldc, m0, n0);
    } else if (m0 + MR <= M) {
        REP_ROWS(ROW_SETUP)
        REP_COLS(COL_SETUP, 0)
        TILE(REP_ROWS)
    } else {
        for (int m = m0; m < M; m++)
            one_row(A, B, C, N, K, lda, ldb, ldc, m, n0);
    }
}
