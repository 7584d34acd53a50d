/* cgemm_conj_b: row-major complex C[b] = A[b] * conj(B[b])^T (beta 0) for
 * each batch entry b, interleaved (re, im) float pairs, with offsets,
 * leading dimensions and batch strides in complex elements (runtime/gemm.h,
 * rt_gemm; fft-cgemm's multiply-accumulate, one batch entry a frequency).
 *
 * Index space: dim 0 = ceil(N / NR) column tiles, dim 1 = ceil(M / MR) row
 * tiles, dim 2 = batch (the host may round dims 0 and 1 up: the extra
 * work-items return at once; there is no barrier). One work-item computes
 * the MR x NR block of C at rows m0, columns n0, over the whole K.
 *
 * Buffers, interleaved complex float32:
 *   A [batch]: M rows of K, row pitch lda
 *   B [batch]: N rows of K, row pitch ldb (C's column j is row j of B)
 *   C [batch]: M rows of N, row pitch ldc (written)
 *
 * Both operands run along K, so both are read as vectors of CW floats,
 * CW / 2 complex values each: a product a * conj(b) summed over k is, lane
 * by lane, two real multiply-adds into two accumulators,
 *   rr += a * b        even lanes re(a) re(b), odd lanes im(a) im(b)
 *   sw += swap(a) * b  even lanes im(a) re(b), odd lanes re(a) im(b)
 * so that re(c) = sum(rr) and im(c) = sum of sw's even lanes minus its odd
 * ones, folded once after the loop. swap(a) is one shuffle per A vector,
 * shared by the NR columns. At fft-cgemm's batch 1 (M = 1) the stage reads
 * each weight spectrum once: it is bound by memory, and NR rows of B in
 * flight are what keep the loads streaming.
 *
 * The accumulators are small arrays indexed only by constants after the
 * unrolled tile loops (LLVM keeps them in registers). */

#ifndef MR
#define MR 2 /* rows of C per work-item */
#endif
#ifndef NR
#define NR 4 /* columns of C per work-item */
#endif

#if MR < 1 || MR > 8 || NR < 1 || NR > 8
#error "cgemm.cl: MR and NR must be 1..8"
#endif

/* A vector holds whole complex values: at VEC 1 (a device preferring
 * scalars) the kernel reads one complex value, a float2, at a time. */
#if VEC >= 2
#define CW VEC
typedef floatv cvec;
#define CLOAD(p) VLOAD(p)
#else
#define CW 2
typedef float2 cvec;
#define CLOAD(p) vload2(0, p)
#endif
#define CV (CW / 2) /* complex values per vector */

#if CW == 2
#define SWAP(v) ((v).s10)
#elif CW == 4
#define SWAP(v) ((v).s1032)
#elif CW == 8
#define SWAP(v) ((v).s10325476)
#else /* element by element: oclgrind 21.10 mis-tracks shuffles of 16-wide vectors (and
       * crashes on some); PoCL compiles this to the same permute */
#define SWAP(v)                                                                                \
    ((float16)((v).s1, (v).s0, (v).s3, (v).s2, (v).s5, (v).s4, (v).s7, (v).s6, (v).s9, (v).s8, \
               (v).sb, (v).sa, (v).sd, (v).sc, (v).sf, (v).se))
#endif

/* (sum of even lanes, sum of odd lanes): halving keeps each lane's parity. */
static float2 fold(cvec v)
{
#if CW == 2
    return v;
#elif CW == 4
    return v.lo + v.hi;
#elif CW == 8
    const float4 h = v.lo + v.hi;
    return h.lo + h.hi;
#else
    /* not v.lo + v.hi: see SWAP */
    const float8 h8 = (float8)(v.s0, v.s1, v.s2, v.s3, v.s4, v.s5, v.s6, v.s7) +
                      (float8)(v.s8, v.s9, v.sa, v.sb, v.sc, v.sd, v.se, v.sf);
    const float4 h4 = h8.lo + h8.hi;
    return h4.lo + h4.hi;
#endif
}

__kernel void cgemm_conj_b(__global const float *restrict A, __global const float *restrict B,
                           __global float *restrict C, int M, int N, int K, int lda, int ldb,
                           int ldc, ulong a_offset, ulong a_stride, ulong b_offset,
                           ulong b_stride, ulong c_offset, ulong c_stride)
{
    const int n0 = (int)get_global_id(0) * NR;
    const int m0 = (int)get_global_id(1) * MR;
    const size_t batch = get_global_id(2);
    if (m0 >= M || n0 >= N)
        return;
    A += 2 * (a_offset + batch * a_stride);
    B += 2 * (b_offset + batch * b_stride);
    C += 2 * (c_offset + batch * c_stride);

    /* A tile crossing M or N reads row M-1 or N-1 again (valid memory, no
     * test in the loop) and stores only its own part. */
    __global const float *a[MR], *b[NR];
#pragma unroll
    for (int i = 0; i < MR; i++)
        a[i] = A + 2 * (size_t)min(m0 + i, M - 1) * (size_t)lda;
#pragma unroll
    for (int j = 0; j < NR; j++)
        b[j] = B + 2 * (size_t)min(n0 + j, N - 1) * (size_t)ldb;

    cvec rr[MR][NR], sw[MR][NR];
#pragma unroll
    for (int i = 0; i < MR; i++)
#pragma unroll
        for (int j = 0; j < NR; j++)
            rr[i][j] = sw[i][j] = (cvec)(0.0f);

    const int k_vec = K / CV * CV;
    for (int k = 0; k < k_vec; k += CV) {
        cvec bv[NR];
#pragma unroll
        for (int j = 0; j < NR; j++)
            bv[j] = CLOAD(b[j] + 2 * k);
#pragma unroll
        for (int i = 0; i < MR; i++) {
            const cvec av = CLOAD(a[i] + 2 * k);
            const cvec as = SWAP(av);
#pragma unroll
            for (int j = 0; j < NR; j++) {
                rr[i][j] = MAD(av, bv[j], rr[i][j]);
                sw[i][j] = MAD(as, bv[j], sw[i][j]);
            }
        }
    }

#pragma unroll
    for (int i = 0; i < MR; i++)
#pragma unroll
        for (int j = 0; j < NR; j++) {
            const float2 r = fold(rr[i][j]), s = fold(sw[i][j]);
            float re = r.x + r.y, im = s.x - s.y;
            for (int k = k_vec; k < K; k++) { /* K's last K % CV values */
                const float2 x = vload2(k, a[i]), y = vload2(k, b[j]);
                re = MAD(x.x, y.x, MAD(x.y, y.y, re));
                im = MAD(x.y, y.x, MAD(-x.x, y.y, im));
            }
            if (m0 + i < M && n0 + j < N)
                vstore2((float2)(re, im), n0 + j, C + 2 * (size_t)(m0 + i) * (size_t)ldc);
        }
}
