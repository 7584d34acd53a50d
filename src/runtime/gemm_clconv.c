/* clconv's own GEMM backend (runtime/gemm.h): the register-tiled SGEMM of
 * cl/gemm/sgemm.cl, one program per tile, and the complex GEMM of
 * cl/gemm/cgemm.cl (fft-cgemm's), one program per device, both through the
 * context's program manager. It needs no buffer beyond the caller's. */
#include "runtime/gemm.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define SGEMM_FILE "gemm/sgemm.cl"
#define CGEMM_FILE "gemm/cgemm.cl"
#define GROUP_ROW_TILES 8 /* work-items per work-group on a CPU */

/* The tile, in the space's order (the names below): a work-item computes
 * mr rows x (nv * vec) columns of C, holding mr * nv vectors of vec floats;
 * its work-group shares each kc steps of k (a barrier between: see the
 * kernel; 0 for none). */
enum { VEC, MR, NV, KC, TILE_PARAMS };
typedef struct tile {
    int vec, mr, nv, kc;
} tile;

static tile tile_of(const int *params)
{
    return (tile){.vec = params[VEC], .mr = params[MR], .nv = params[NV], .kc = params[KC]};
}

/* Accumulators: a CPU core's two FMA pipes of 4-cycle latency need 10 or
 * more independent multiply-adds in flight, and the tile
 * must leave registers for the NV vectors of B and A's broadcast: 24 of
 * AVX-512's 32 vector registers, 12 of AVX2's (or SSE's) 16. At width 1 (a
 * GPU, or llvmpipe, which spreads work-items over its SIMD lanes) the
 * latency is hidden across work-items, and fewer registers per work-item
 * leave room for more of them. The k blocks (CPUs only) keep a KC x
 * (NV*VEC) block of B, 12 KiB at 64 x 48, in L1 while the group's work-items
 * take turns on it. */
static void tile_defaults(const clconv_device_info *d, int *params)
{
    const int vec = rt_vector_width(d, 16);
    const int kc = strcmp(d->type, "CPU") == 0 ? 64 : 0;
    params[VEC] = vec;
    params[KC] = kc;
    params[MR] = vec >= 16 ? 8 : vec >= 4 ? 6 : 4;
    params[NV] = vec >= 16 ? 3 : 2;
}

static int tile_valid(const int *params)
{
    const tile t = tile_of(params);
    return (t.vec == 1 || t.vec == 2 || t.vec == 4 || t.vec == 8 || t.vec == 16) && t.mr >= 1 &&
           t.mr <= 12 && t.nv >= 1 && t.nv <= 8 && t.kc >= 0 && t.kc <= 4096;
}

/* Register tiles filling two thirds to all of the registers for
 * accumulators (28 vectors at width 16, 14 where the width is 8 or less:
 * half the registers), and the default tile with a longer k block: a
 * handful, as each is a compile of seconds on PoCL. The shape does not
 * matter: one program serves every shape. */
static int tile_candidates(const clconv_device_info *d, const rt_gemm_shape *shape,
                           int (*out)[RT_GEMM_MAX_PARAMS], int max)
{
    (void)shape;
    int def[RT_GEMM_MAX_PARAMS] = {0};
    tile_defaults(d, def);
    static const int shapes[][2] = {{4, 2}, {6, 2}, {4, 3}, {4, 4}, {6, 3},
                                    {8, 3}, {6, 4}, {12, 2}, {7, 4}};
    const int budget = def[VEC] >= 16 ? 28 : 14;
    int n = 0;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0] && n < max; i++) {
        int acc = shapes[i][0] * shapes[i][1];
        if (acc > budget || acc * 3 < budget * 2)
            continue;
        memcpy(out[n], def, sizeof def);
        out[n][MR] = shapes[i][0];
        out[n][NV] = shapes[i][1];
        n++;
    }
    static const int blocks[] = {128};
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0] && n < max; i++)
        if (blocks[i] != def[KC]) {
            memcpy(out[n], def, sizeof def);
            out[n++][KC] = blocks[i];
        }
    return n;
}

/* A work-item computes a whole mr x (nv*vec) tile (clamped at the edges:
 * see the kernel), and a matrix narrower than one vector takes the scalar
 * path, one lane of vec. */
static double tile_useful_share(const int *params, const rt_gemm_shape *shape)
{
    const tile t = tile_of(params);
    const double m = (double)shape->m, n = (double)shape->n;
    if (shape->m == 0 || shape->n == 0 || t.vec < 1 || t.mr < 1 || t.nv < 1)
        return 1.0;
    if (shape->n < (size_t)t.vec)
        return 1.0 / t.vec;
    const double nt = (double)t.nv * t.vec;
    return m / (ceil(m / t.mr) * t.mr) * n / (ceil(n / nt) * nt);
}

/* The database keys its entries by the kernel's source alone (no method):
 * the keys clconv's tile had before the spaces moved here. */
static const rt_gemm_space space = {
    .kernel_file = SGEMM_FILE,
    .count = TILE_PARAMS,
    .names = {[VEC] = "vec", [MR] = "mr", [NV] = "nv", [KC] = "kc"},
    .valid_values = "vec in 1, 2, 4, 8, 16, mr in 1..12, nv in 1..8, kc in 0..4096",
    .defaults = tile_defaults,
    .candidates = tile_candidates,
    .valid = tile_valid,
    .useful_share = tile_useful_share,
};

/* Elements a buffer must hold for the matrix at offset, batch stride and
 * leading dimension ld with `rows` rows of `cols`. */
static double extent(const rt_gemm *g, size_t offset, size_t stride, size_t ld, size_t rows,
                     size_t cols)
{
    return (double)offset + (double)(g->batch - 1) * stride + (double)(rows - 1) * ld + cols;
}

/* What the two kernels differ in: the element, a float or a complex pair. */
typedef struct gemm_kind {
    const char *name; /* in messages */
    size_t floats;    /* per element */
} gemm_kind;

static const gemm_kind real_gemm = {"SGEMM", 1};
static const gemm_kind complex_gemm = {"complex GEMM", 2};

static clconv_status check_buffer(clconv_context *ctx, const gemm_kind *kind, cl_mem buf,
                                  const char *which, double elements, const char *detail)
{
    const double floats = elements * (double)kind->floats;
    size_t bytes = 0;
    cl_int err = clGetMemObjectInfo(buf, CL_MEM_SIZE, sizeof bytes, &bytes, NULL);
    if (err != CL_SUCCESS)
        return rt_cl_fail(ctx, err, "clGetMemObjectInfo", "CL_MEM_SIZE of %s %s, %s", kind->name,
                          which, detail);
    if (floats * sizeof(float) > (double)bytes)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                       "clconv %s (%s): %s needs %.0f floats, its buffer holds %zu bytes",
                       kind->name, detail, which, floats, bytes);
    return CLCONV_SUCCESS;
}

static clconv_status check_gemm(clconv_context *ctx, const gemm_kind *kind, const rt_gemm *g,
                                const char *detail)
{
    const char *name = kind->name;
    if (!g->m || !g->n || !g->k || !g->batch)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "clconv %s (%s): every size must be >= 1",
                       name, detail);
    if (g->lda < g->k || g->ldb < g->n || g->ldc < g->n)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                       "clconv %s (%s): row-major needs lda >= K, ldb >= N, ldc >= N", name,
                       detail);
    /* the kernels take sizes and leading dimensions as int */
    if (g->m > INT_MAX || g->n > INT_MAX || g->k > INT_MAX || g->lda > INT_MAX ||
        g->ldb > INT_MAX || g->ldc > INT_MAX)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                       "clconv %s (%s): sizes and leading dimensions must be below 2^31", name,
                       detail);
    if (!g->a || !g->b || !g->c)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "clconv %s (%s): a NULL buffer", name, detail);
    clconv_status st;
    if ((st = check_buffer(ctx, kind, g->a, "A",
                           extent(g, g->a_offset, g->a_stride, g->lda, g->m, g->k), detail)) ||
        (st = check_buffer(ctx, kind, g->b, "B",
                           extent(g, g->b_offset, g->b_stride, g->ldb, g->k, g->n), detail)))
        return st;
    return check_buffer(ctx, kind, g->c, "C",
                        extent(g, g->c_offset, g->c_stride, g->ldc, g->m, g->n), detail);
}

/* The tile sgemm runs: tile's, or the default for ctx's device. */
static clconv_status sgemm_tile(clconv_context *ctx, const rt_sgemm_tile *given, tile *t)
{
    int params[RT_GEMM_MAX_PARAMS] = {0};
    if (given)
        memcpy(params, given->params, sizeof params);
    else
        tile_defaults(&ctx->info, params);
    *t = tile_of(params);
    if (tile_valid(params))
        return CLCONV_SUCCESS;
    return rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                   "clconv SGEMM tile vec=%d mr=%d nv=%d kc=%d: vec must be 1, 2, 4, 8 or 16, "
                   "mr 1..12, nv 1..8, kc 0..4096", t->vec, t->mr, t->nv, t->kc);
}

/* Both kernels take a tile as -D options: one program per file and tile. */
static clconv_status program(clconv_context *ctx, const char *file, const tile *t,
                             cl_program *prog, rt_build_stats *stats)
{
    char options[96];
    snprintf(options, sizeof options, "-DVEC=%d -DMR=%d -DNV=%d -DKC=%d", t->vec, t->mr, t->nv,
             t->kc);
    return rt_program_get(ctx, file, options, prog, stats);
}

/* One program per tile, whatever the shape: the tests, the planner and a
 * tuner compile as few as they can (each is seconds on PoCL). */
static clconv_status sgemm_prepare(clconv_context *ctx, const rt_gemm *g,
                                   const rt_sgemm_tile *given, rt_build_stats *stats)
{
    (void)g;
    tile t;
    cl_program prog;
    clconv_status st = sgemm_tile(ctx, given, &t);
    return st ? st : program(ctx, SGEMM_FILE, &t, &prog, stats);
}

static clconv_status set_args(clconv_context *ctx, cl_kernel k, const char *kernel_name,
                              const rt_gemm *g, const char *detail)
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
    return err ? rt_cl_fail(ctx, err, "clSetKernelArg", "%s argument %u, %s", kernel_name, arg - 1,
                                    detail)
               : CLCONV_SUCCESS;
}

/* Enqueues k over global (3 dimensions). On a CPU the work-group is
 * GROUP_ROW_TILES work-items along dimension dim (global rounded up to it):
 * always that many, because PoCL compiles a program again for each new
 * work-group size (seconds). GPUs choose their own. */
static cl_int enqueue_grouped(clconv_context *ctx, cl_kernel k, size_t *global, int dim,
                              cl_event *event)
{
    size_t local[3] = {1, 1, 1};
    local[dim] = GROUP_ROW_TILES;
    while (local[dim] > 1 && local[dim] > ctx->info.max_work_group_size)
        local[dim] /= 2;
    global[dim] = (global[dim] + local[dim] - 1) / local[dim] * local[dim];
    const int cpu = strcmp(ctx->info.type, "CPU") == 0;
    return clEnqueueNDRangeKernel(ctx->queue, k, 3, NULL, global, cpu ? local : NULL, 0, NULL,
                                  event);
}

static clconv_status sgemm_enqueue(clconv_context *ctx, const rt_gemm *g,
                                   const rt_sgemm_tile *given, cl_event *event)
{
    char detail[256];
    snprintf(detail, sizeof detail,
             "row-major M=%zu N=%zu K=%zu lda=%zu ldb=%zu ldc=%zu batch=%zu", g->m, g->n, g->k,
             g->lda, g->ldb, g->ldc, g->batch);
    tile t;
    clconv_status st = sgemm_tile(ctx, given, &t);
    if (!st)
        st = check_gemm(ctx, &real_gemm, g, detail);
    cl_program prog;
    cl_kernel k = NULL;
    if (st || (st = program(ctx, SGEMM_FILE, &t, &prog, NULL)) ||
        (st = rt_kernel_create(ctx, prog, "sgemm", &k)) ||
        (st = set_args(ctx, k, "sgemm", g, detail))) {
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
     * kc > 0); the row tiles past M are nearly free (the kernel skips their
     * work). */
    cl_int err = enqueue_grouped(ctx, k, global, 1, event);
    clReleaseKernel(k);
    if (err != CL_SUCCESS)
        return rt_cl_fail(ctx, err, "clEnqueueNDRangeKernel",
                          "sgemm VEC=%d MR=%d NV=%d KC=%d, global %zu x %zu x %zu, %s", t.vec,
                          t.mr, t.nv, t.kc, global[0], global[1], global[2], detail);
    return CLCONV_SUCCESS;
}

/* The complex GEMM's tile, from the device alone (one program per device:
 * fft-cgemm's shapes change with every problem; cl/gemm/cgemm.cl has no k
 * blocks). Its accumulators are two vectors per vector of C, beside NV
 * vectors of B and two broadcasts: 6 x 2 take 24 + 4 of AVX-512's 32
 * registers (4 x 2 and 4 x 3 measured the same or slower at seed-k5, batch
 * 16), 2 x 2 8 + 4 of AVX2's 16 (at two loads per cycle, four rows of A
 * per vector of B would wait on their broadcasts); at width 1 (a float2
 * each) the latency is hidden across work-items. */
static tile cgemm_tile(const clconv_device_info *d)
{
    const int vec = rt_vector_width(d, 16);
    if (vec >= 16)
        return (tile){.vec = vec, .mr = 6, .nv = 2};
    if (vec >= 4)
        return (tile){.vec = vec, .mr = 2, .nv = 2};
    return (tile){.vec = vec, .mr = 4, .nv = 2};
}

static clconv_status cgemm_prepare(clconv_context *ctx, rt_build_stats *stats)
{
    const tile t = cgemm_tile(&ctx->info);
    cl_program prog;
    return program(ctx, CGEMM_FILE, &t, &prog, stats);
}

static clconv_status cgemm_enqueue(clconv_context *ctx, const rt_gemm *g, cl_event *event)
{
    char detail[256];
    snprintf(detail, sizeof detail,
             "row-major complex M=%zu N=%zu K=%zu lda=%zu ldb=%zu ldc=%zu batch=%zu", g->m,
             g->n, g->k, g->lda, g->ldb, g->ldc, g->batch);
    const tile t = cgemm_tile(&ctx->info);
    cl_program prog;
    cl_kernel k = NULL;
    clconv_status st = check_gemm(ctx, &complex_gemm, g, detail);
    if (st || (st = program(ctx, CGEMM_FILE, &t, &prog, NULL)) ||
        (st = rt_kernel_create(ctx, prog, "cgemm", &k)) ||
        (st = set_args(ctx, k, "cgemm", g, detail))) {
        if (k)
            clReleaseKernel(k);
        return st;
    }
    const size_t cols = (size_t)t.nv * (size_t)(t.vec >= 2 ? t.vec / 2 : 1);
    size_t global[3] = {(g->n + cols - 1) / cols, (g->m + (size_t)t.mr - 1) / (size_t)t.mr,
                        g->batch};
    /* grouped as the SGEMM: row tiles that share a panel of B */
    cl_int err = enqueue_grouped(ctx, k, global, 1, event);
    clReleaseKernel(k);
    if (err != CL_SUCCESS)
        return rt_cl_fail(ctx, err, "clEnqueueNDRangeKernel",
                          "cgemm VEC=%d MR=%d NV=%d, global %zu x %zu x %zu, %s", t.vec, t.mr,
                          t.nv, global[0], global[1], global[2], detail);
    return CLCONV_SUCCESS;
}

const rt_gemm_backend rt_gemm_clconv = {
    .name = "clconv",
    .space = &space,
    .sgemm = sgemm_enqueue,
    .sgemm_prepare = sgemm_prepare,
    .cgemm = cgemm_enqueue,
    .cgemm_prepare = cgemm_prepare,
};
