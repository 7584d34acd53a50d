/* clconv's own GEMM backend (runtime/gemm.h): the register-tiled SGEMM of
 * cl/gemm/sgemm.cl, one program per tile through the context's program
 * manager. It needs no buffer beyond the caller's. No complex GEMM: its
 * cgemm_conj_b is NULL, so fft-cgemm runs CLBlast's whatever the plan's
 * gemm_backend says (rt_cgemm_backend_get). */
#include "runtime/gemm.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#define SGEMM_FILE "gemm/sgemm.cl"
#define GROUP_ROW_TILES 8 /* work-items per work-group on a CPU */

/* Accumulators: a CPU core's two FMA pipes of 4-cycle latency need 10 or
 * more independent multiply-adds in flight (DEVICE-FACTS.md), and the tile
 * must leave registers for the NV vectors of B and A's broadcast: 24 of
 * AVX-512's 32 vector registers, 12 of AVX2's (or SSE's) 16. At width 1 (a
 * GPU, or llvmpipe, which spreads work-items over its SIMD lanes) the
 * latency is hidden across work-items, and fewer registers per work-item
 * leave room for more of them. The k blocks (CPUs only) keep a KC x
 * (NV*VEC) block of B, 12 KiB at 64 x 48, in L1 while the group's work-items
 * take turns on it. */
rt_sgemm_tile rt_sgemm_tile_default(const clconv_device_info *d)
{
    const int vec = rt_vector_width(d, 16);
    const int kc = strcmp(d->type, "CPU") == 0 ? 64 : 0;
    if (vec >= 16)
        return (rt_sgemm_tile){vec, 8, 3, kc};
    if (vec >= 4)
        return (rt_sgemm_tile){vec, 6, 2, kc};
    return (rt_sgemm_tile){vec, 4, 2, kc};
}

int rt_sgemm_tile_valid(const rt_sgemm_tile *t)
{
    return (t->vec == 1 || t->vec == 2 || t->vec == 4 || t->vec == 8 || t->vec == 16) &&
           t->mr >= 1 && t->mr <= 12 && t->nv >= 1 && t->nv <= 8 && t->kc >= 0 &&
           t->kc <= 4096;
}

/* Floats a buffer must hold for the matrix at offset, batch stride and
 * leading dimension ld with `rows` rows of `cols`. */
static double extent(const rt_gemm *g, size_t offset, size_t stride, size_t ld, size_t rows,
                     size_t cols)
{
    return (double)offset + (double)(g->batch - 1) * stride + (double)(rows - 1) * ld + cols;
}

static clconv_status check_buffer(clconv_context *ctx, cl_mem buf, const char *which,
                                  double floats, const char *detail)
{
    size_t bytes = 0;
    cl_int err = clGetMemObjectInfo(buf, CL_MEM_SIZE, sizeof bytes, &bytes, NULL);
    if (err != CL_SUCCESS)
        return rt_cl_fail(ctx, err, "clGetMemObjectInfo", "CL_MEM_SIZE of SGEMM %s, %s", which,
                          detail);
    if (floats * sizeof(float) > (double)bytes)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                       "clconv SGEMM (%s): %s needs %.0f floats, its buffer holds %zu bytes",
                       detail, which, floats, bytes);
    return CLCONV_SUCCESS;
}

static clconv_status check_gemm(clconv_context *ctx, const rt_gemm *g, const rt_sgemm_tile *t,
                                const char *detail)
{
    if (!rt_sgemm_tile_valid(t))
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                       "clconv SGEMM tile vec=%d mr=%d nv=%d kc=%d: vec must be 1, 2, 4, 8 or "
                       "16, mr 1..12, nv 1..8, kc 0..4096", t->vec, t->mr, t->nv, t->kc);
    if (!g->m || !g->n || !g->k || !g->batch)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "clconv SGEMM (%s): every size must be >= 1",
                       detail);
    if (g->lda < g->k || g->ldb < g->n || g->ldc < g->n)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                       "clconv SGEMM (%s): row-major needs lda >= K, ldb >= N, ldc >= N", detail);
    /* the kernel takes sizes and leading dimensions as int */
    if (g->m > INT_MAX || g->n > INT_MAX || g->k > INT_MAX || g->lda > INT_MAX ||
        g->ldb > INT_MAX || g->ldc > INT_MAX)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                       "clconv SGEMM (%s): sizes and leading dimensions must be below 2^31",
                       detail);
    if (!g->a || !g->b || !g->c)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "clconv SGEMM (%s): a NULL buffer", detail);
    clconv_status st;
    if ((st = check_buffer(ctx, g->a, "A", extent(g, g->a_offset, g->a_stride, g->lda, g->m, g->k),
                           detail)) ||
        (st = check_buffer(ctx, g->b, "B", extent(g, g->b_offset, g->b_stride, g->ldb, g->k, g->n),
                           detail)))
        return st;
    return check_buffer(ctx, g->c, "C", extent(g, g->c_offset, g->c_stride, g->ldc, g->m, g->n),
                        detail);
}

static clconv_status program(clconv_context *ctx, const rt_sgemm_tile *t, cl_program *prog,
                             rt_build_stats *stats)
{
    char options[96];
    snprintf(options, sizeof options, "-DVEC=%d -DMR=%d -DNV=%d -DKC=%d", t->vec, t->mr, t->nv,
             t->kc);
    return rt_program_get(ctx, SGEMM_FILE, options, prog, stats);
}

/* One program per tile, whatever the shape: the tests, the planner and a
 * tuner compile as few as they can (each is seconds on PoCL). */
static clconv_status sgemm_prepare(clconv_context *ctx, const rt_gemm *g,
                                          const rt_sgemm_tile *tile, rt_build_stats *stats)
{
    rt_sgemm_tile t = tile ? *tile : rt_sgemm_tile_default(&ctx->info);
    if (!rt_sgemm_tile_valid(&t))
        return check_gemm(ctx, g, &t, "prepare");
    cl_program prog;
    return program(ctx, &t, &prog, stats);
}

static clconv_status set_args(clconv_context *ctx, cl_kernel k, const rt_gemm *g,
                              const char *detail)
{
    const cl_mem mems[] = {g->a, g->b, g->c};
    const cl_int ints[] = {(cl_int)g->m, (cl_int)g->n, (cl_int)g->k,
                           (cl_int)g->lda, (cl_int)g->ldb, (cl_int)g->ldc};
    const cl_ulong longs[] = {g->a_offset, g->a_stride, g->b_offset,
                              g->b_stride, g->c_offset, g->c_stride};
    cl_uint arg = 0;
    cl_int err = CL_SUCCESS;
    for (int i = 0; i < 3 && !err; i++, arg++)
        err = clSetKernelArg(k, arg, sizeof mems[i], &mems[i]);
    for (int i = 0; i < 6 && !err; i++, arg++)
        err = clSetKernelArg(k, arg, sizeof ints[i], &ints[i]);
    for (int i = 0; i < 6 && !err; i++, arg++)
        err = clSetKernelArg(k, arg, sizeof longs[i], &longs[i]);
    return err ? rt_cl_fail(ctx, err, "clSetKernelArg", "sgemm argument %u, %s", arg - 1, detail)
               : CLCONV_SUCCESS;
}

static clconv_status sgemm_enqueue(clconv_context *ctx, const rt_gemm *g,
                                  const rt_sgemm_tile *tile, cl_event *event)
{
    char detail[256];
    snprintf(detail, sizeof detail,
             "row-major M=%zu N=%zu K=%zu lda=%zu ldb=%zu ldc=%zu batch=%zu", g->m, g->n, g->k,
             g->lda, g->ldb, g->ldc, g->batch);
    rt_sgemm_tile t = tile ? *tile : rt_sgemm_tile_default(&ctx->info);
    clconv_status st = check_gemm(ctx, g, &t, detail);
    cl_program prog;
    cl_kernel k = NULL;
    if (st || (st = program(ctx, &t, &prog, NULL)) ||
        (st = rt_kernel_create(ctx, prog, "sgemm", &k)) || (st = set_args(ctx, k, g, detail))) {
        if (k)
            clReleaseKernel(k);
        return st;
    }
    const size_t cols = (size_t)t.nv * (size_t)t.vec;
    size_t global[3] = {(g->n + cols - 1) / cols, (g->m + (size_t)t.mr - 1) / (size_t)t.mr,
                        g->batch};
    /* On a CPU, one work-group is run by one thread, its work-items in
     * turn: a group of row tiles over one column tile reads that panel of B
     * from memory once and from its cache after (in blocks of kc steps with
     * kc > 0). Always 8 of them: PoCL compiles a program again for each new
     * work-group size (seconds), and the row tiles past M are nearly free
     * (the kernel skips their work). GPUs choose their own. */
    size_t local[3] = {1, GROUP_ROW_TILES, 1};
    while (local[1] > 1 && local[1] > ctx->info.max_work_group_size)
        local[1] /= 2;
    global[1] = (global[1] + local[1] - 1) / local[1] * local[1];
    const int cpu = strcmp(ctx->info.type, "CPU") == 0;
    cl_int err = clEnqueueNDRangeKernel(ctx->queue, k, 3, NULL, global, cpu ? local : NULL, 0,
                                        NULL, event);
    clReleaseKernel(k);
    if (err != CL_SUCCESS)
        return rt_cl_fail(ctx, err, "clEnqueueNDRangeKernel",
                          "sgemm VEC=%d MR=%d NV=%d KC=%d, global %zu x %zu x %zu, %s", t.vec,
                          t.mr, t.nv, t.kc, global[0], global[1], global[2], detail);
    return CLCONV_SUCCESS;
}

const rt_gemm_backend rt_gemm_clconv = {
    .name = "clconv",
    .sgemm = sgemm_enqueue,
    .sgemm_prepare = sgemm_prepare,
    .cgemm_conj_b = NULL,
};
