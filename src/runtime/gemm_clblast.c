/* The CLBlast GEMM backend (runtime/gemm.h): the one place clconv calls
 * CLBlast's GEMMs. Its tile is CLBlast's Xgemm parameters (CLBlast 1.5),
 * all 0 for CLBlast's own set for the device. A routine's first call on a
 * device with a parameter set compiles its kernels: rt_quiet keeps the
 * compiler's warnings about them off stderr. */
#include "runtime/clblast_params.h"
#include "runtime/gemm.h"

#include <clblast_c.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* The Xgemm parameters in the order CLBlast's tuning database lists them:
 * the tile's order, and the names the space and CLBlast's API take. */
enum { GEMMK, KREG, KWG, KWI, MDIMA, MDIMC, MWG, NDIMB, NDIMC, NWG, SA, SB, STRM, STRN, VWM, VWN,
       XGEMM_PARAMS };
#define XGEMM_NAMES                                                                             \
    {                                                                                           \
        [GEMMK] = "GEMMK", [KREG] = "KREG", [KWG] = "KWG", [KWI] = "KWI", [MDIMA] = "MDIMA",   \
        [MDIMC] = "MDIMC", [MWG] = "MWG", [NDIMB] = "NDIMB", [NDIMC] = "NDIMC", [NWG] = "NWG", \
        [SA] = "SA", [SB] = "SB", [STRM] = "STRM", [STRN] = "STRN", [VWM] = "VWM", [VWN] = "VWN" \
    }
_Static_assert((int)XGEMM_PARAMS <= (int)RT_GEMM_MAX_PARAMS,
               "a tile holds CLBlast's Xgemm parameters");
static const char *const xgemm_names[XGEMM_PARAMS] = XGEMM_NAMES;

static int multiple(int x, int of) { return of > 0 && x % of == 0; }

/* The rules of CLBlast's own Xgemm tuner for its GEMMK = 0 kernel, the
 * one clconv offers (it builds from these, and a wrong set computes
 * garbage rather than failing); a GEMMK = 1 set only loosely, so that
 * CLBlast's own set for a device, shown on the params line, can be given
 * back with --params. */
static int xgemm_valid(const int *v)
{
    int zero = 1;
    for (int i = 0; i < XGEMM_PARAMS; i++)
        zero &= v[i] == 0;
    if (zero)
        return 1;
    for (int i = 0; i < XGEMM_PARAMS; i++)
        if (v[i] < 0 || v[i] > 256)
            return 0;
    for (int i = SA; i <= STRN; i++)
        if (v[i] > 1)
            return 0;
    int vw_ok = 1;
    for (int i = VWM; i <= VWN; i++)
        vw_ok &= v[i] == 1 || v[i] == 2 || v[i] == 4 || v[i] == 8 || v[i] == 16;
    if (v[GEMMK] == 1) /* CLBlast's 2D-register kernel: its own sets on some GPUs use it */
        return vw_ok && v[KREG] >= 1 && v[MDIMC] >= 1 && v[NDIMC] >= 1 && v[MDIMA] == v[MDIMC] &&
               v[NDIMB] == v[NDIMC] && multiple(v[MWG], v[MDIMC] * v[VWM]) &&
               multiple(v[NWG], v[NDIMC] * v[VWN]);
    return vw_ok && v[GEMMK] == 0 && v[KREG] == 1 && v[KWI] >= 1 && v[MDIMA] >= 1 &&
           v[NDIMB] >= 1 && v[MDIMC] >= 1 && v[NDIMC] >= 1 && multiple(v[KWG], v[KWI]) &&
           multiple(v[MWG], v[MDIMC] * v[VWM]) && multiple(v[NWG], v[NDIMC] * v[VWN]) &&
           multiple(v[MWG], v[MDIMA] * v[VWM]) && multiple(v[NWG], v[NDIMB] * v[VWN]) &&
           multiple(v[MDIMC] * v[NDIMC], v[MDIMA]) && multiple(v[MDIMC] * v[NDIMC], v[NDIMB]) &&
           multiple(v[KWG], v[MDIMC] * v[NDIMC] / v[MDIMA]) &&
           multiple(v[KWG], v[MDIMC] * v[NDIMC] / v[NDIMB]);
}

/* CLBlast holds one Xgemm parameter set per device for the whole process
 * (an override replaces its database entry until the process ends), so
 * clconv keeps, per device, CLBlast's own set (read before clconv's first
 * override) and the set in force, and a call that asks for another set
 * overrides first. A set asked for runs as asked, at every size: below
 * XGEMM_MIN_INDIRECT_SIZE^3 multiply-adds CLBlast would run XgemmDirect,
 * which ignores the set (a tune would time one kernel under several names),
 * so with a set in force that threshold is 0, and CLBlast's own again with
 * CLBlast's own set. One lock over the overrides and the call: two threads
 * with different sets on one device would otherwise swap them between. */
static const char *const routine_names[1] = {"XGEMM_MIN_INDIRECT_SIZE"};
enum { XGEMM_DEVICES = 16 };
static struct xgemm_device {
    cl_device_id id;
    size_t own[XGEMM_PARAMS], current[XGEMM_PARAMS];
    size_t own_threshold, threshold;
} xgemm_devices[XGEMM_DEVICES];
static int xgemm_device_count;
static pthread_mutex_t xgemm_lock = PTHREAD_MUTEX_INITIALIZER;

/* The device's record, made on first use. Under xgemm_lock. */
static clconv_status xgemm_device(clconv_context *ctx, struct xgemm_device **out)
{
    for (int i = 0; i < xgemm_device_count; i++)
        if (xgemm_devices[i].id == ctx->device) {
            *out = &xgemm_devices[i];
            return CLCONV_SUCCESS;
        }
    *out = NULL;
    if (xgemm_device_count == XGEMM_DEVICES)
        return rt_fail(ctx, CLCONV_ERR_UNSUPPORTED,
                       "CLBlast Xgemm parameters: more than %d devices in one process",
                       XGEMM_DEVICES);
    struct xgemm_device *d = &xgemm_devices[xgemm_device_count];
    int st = rt_clblast_params_read(ctx->device, "Xgemm", XGEMM_PARAMS, xgemm_names, d->own);
    if (st == CLBlastSuccess)
        st = rt_clblast_params_read(ctx->device, "GemmRoutine", 1, routine_names,
                                    &d->own_threshold);
    if (st != CLBlastSuccess)
        return rt_clblast_fail(ctx, st, "clblast::RetrieveParameters",
                               "Xgemm and GemmRoutine, single precision");
    d->id = ctx->device;
    memcpy(d->current, d->own, sizeof d->own);
    d->threshold = d->own_threshold;
    xgemm_device_count++;
    *out = d;
    return CLCONV_SUCCESS;
}

/* All 0 (CLBlast's own) becomes CLBlast's own set for the device, which
 * the plan's params then show. */
static clconv_status xgemm_in_force(clconv_context *ctx, int *v)
{
    int own = 1;
    for (int i = 0; i < XGEMM_PARAMS; i++)
        own &= v[i] == 0;
    if (!own)
        return CLCONV_SUCCESS;
    pthread_mutex_lock(&xgemm_lock);
    struct xgemm_device *d;
    clconv_status st = xgemm_device(ctx, &d);
    for (int i = 0; !st && i < XGEMM_PARAMS; i++)
        v[i] = (int)d->own[i];
    pthread_mutex_unlock(&xgemm_lock);
    return st;
}

/* CLBlastOverrideParameters for one of its kernels, single precision. */
static clconv_status override(clconv_context *ctx, const char *kernel, int count,
                              const char *const *names, size_t *values)
{
    /* CLBlast's C API takes the names as char ** but only reads them. */
    const char *copy[XGEMM_PARAMS];
    memcpy(copy, names, (size_t)count * sizeof *copy);
    CLBlastStatusCode st = CLBlastOverrideParameters(ctx->device, kernel, CLBlastPrecisionSingle,
                                                     (size_t)count, copy, values);
    if (st == CLBlastSuccess)
        return CLCONV_SUCCESS;
    char detail[400];
    size_t used = (size_t)snprintf(detail, sizeof detail, "%s single:", kernel);
    for (int i = 0; i < count && used < sizeof detail; i++)
        used += (size_t)snprintf(detail + used, sizeof detail - used, " %s=%zu", names[i],
                                 values[i]);
    return rt_clblast_fail(ctx, st, "CLBlastOverrideParameters", detail);
}

/* Puts tile's set (CLBlast's own when tile is NULL or all 0) in force for
 * ctx's device. Under xgemm_lock. */
static clconv_status xgemm_apply(clconv_context *ctx, const rt_sgemm_tile *tile)
{
    struct xgemm_device *d;
    clconv_status st = xgemm_device(ctx, &d);
    if (st)
        return st;
    size_t want[XGEMM_PARAMS];
    int own = !tile || !xgemm_valid(tile->params) || tile->params[KWG] == 0;
    for (int i = 0; i < XGEMM_PARAMS; i++)
        want[i] = own ? d->own[i] : (size_t)tile->params[i];
    size_t threshold = own ? d->own_threshold : 0;
    if (memcmp(want, d->current, sizeof want) != 0) {
        if ((st = override(ctx, "Xgemm", XGEMM_PARAMS, xgemm_names, want)))
            return st;
        memcpy(d->current, want, sizeof want);
    }
    if (threshold != d->threshold) {
        if ((st = override(ctx, "GemmRoutine", 1, routine_names, &threshold)))
            return st;
        d->threshold = threshold;
    }
    return CLCONV_SUCCESS;
}

/* CLBlast keeps every program it builds in a process-wide cache, and each
 * program holds a reference to its cl_context: without this, a caller's
 * context that clconv used would never be freed. CLBlast can only clear the
 * whole cache, so other live contexts recompile their GEMM kernels at their
 * next call (correct, seconds slower on PoCL). */
void rt_gemm_release(clconv_context *ctx)
{
    if (ctx->used_gemm)
        CLBlastClearCache();
    ctx->used_gemm = 0;
}

static clconv_status clblast_sgemm(clconv_context *ctx, const rt_gemm *g,
                                   const rt_sgemm_tile *tile, cl_event *event)
{
    ctx->used_gemm = 1;
    cl_command_queue q = ctx->queue;
    CLBlastStatusCode st;
    char detail[256];
    snprintf(detail, sizeof detail,
             "row-major M=%zu N=%zu K=%zu lda=%zu ldb=%zu ldc=%zu batch=%zu", g->m, g->n, g->k,
             g->lda, g->ldb, g->ldc, g->batch);
    const char *call = g->batch == 1 ? "CLBlastSgemm" : "CLBlastSgemmStridedBatched";
    pthread_mutex_lock(&xgemm_lock);
    clconv_status applied = xgemm_apply(ctx, tile);
    if (applied) {
        pthread_mutex_unlock(&xgemm_lock);
        return applied;
    }
    int quiet = rt_quiet_begin(ctx, call);
    if (g->batch == 1)
        st = CLBlastSgemm(CLBlastLayoutRowMajor, CLBlastTransposeNo, CLBlastTransposeNo, g->m, g->n,
                          g->k, 1.0f, g->a, g->a_offset, g->lda, g->b, g->b_offset, g->ldb, 0.0f,
                          g->c, g->c_offset, g->ldc, &q, event);
    else
        st = CLBlastSgemmStridedBatched(CLBlastLayoutRowMajor, CLBlastTransposeNo,
                                        CLBlastTransposeNo, g->m, g->n, g->k, 1.0f, g->a,
                                        g->a_offset, g->lda, g->a_stride, g->b, g->b_offset,
                                        g->ldb, g->b_stride, 0.0f, g->c, g->c_offset, g->ldc,
                                        g->c_stride, g->batch, &q, event);
    pthread_mutex_unlock(&xgemm_lock);
    rt_quiet_end(ctx, call, quiet, st != CLBlastSuccess);
    if (st != CLBlastSuccess)
        return rt_clblast_fail(ctx, st, call, detail);
    return CLCONV_SUCCESS;
}

static clconv_status clblast_cgemm(clconv_context *ctx, const rt_gemm *g, cl_event *event)
{
    ctx->used_gemm = 1;
    cl_command_queue q = ctx->queue;
    const cl_float2 one = {{1.0f, 0.0f}}, zero = {{0.0f, 0.0f}};
    int quiet = rt_quiet_begin(ctx, "CLBlastCgemmStridedBatched");
    CLBlastStatusCode st = CLBlastCgemmStridedBatched(
        CLBlastLayoutRowMajor, CLBlastTransposeNo, CLBlastTransposeNo, g->m, g->n, g->k, one, g->a,
        g->a_offset, g->lda, g->a_stride, g->b, g->b_offset, g->ldb, g->b_stride, zero, g->c,
        g->c_offset, g->ldc, g->c_stride, g->batch, &q, event);
    rt_quiet_end(ctx, "CLBlastCgemmStridedBatched", quiet, st != CLBlastSuccess);
    if (st != CLBlastSuccess) {
        char detail[256];
        snprintf(detail, sizeof detail,
                 "row-major, M=%zu N=%zu K=%zu lda=%zu ldb=%zu ldc=%zu batch=%zu", g->m, g->n,
                 g->k, g->lda, g->ldb, g->ldc, g->batch);
        return rt_clblast_fail(ctx, st, "CLBlastCgemmStridedBatched", detail);
    }
    return CLCONV_SUCCESS;
}

/* All 0: CLBlast's own set for the device: it is the one CLBlast chose. */
static void xgemm_defaults(const clconv_device_info *d, int *params)
{
    (void)d;
    memset(params, 0, XGEMM_PARAMS * sizeof *params);
}

/* A few sets of the kind that measured fastest (README, issue notes): for
 * CPU-like devices (vectors of 4 or more) wide VWM in registers with no
 * local memory, 8 x 8 or 8 x 4 threads; for GPU-like ones the same threads
 * with both panels in local memory. Each costs a compile of about 20 s on
 * PoCL, so only a handful, whatever the shape. */
static int xgemm_candidates(const clconv_device_info *d, const rt_gemm_shape *shape,
                            int (*out)[RT_GEMM_MAX_PARAMS], int max)
{
    (void)shape;
    int w = (int)d->preferred_vector_width_float;
    w = w >= 16 ? 16 : w >= 8 ? 8 : w >= 4 ? 4 : w >= 2 ? 2 : 1;
    const int local = w < 4;
    const int sets[][XGEMM_PARAMS] = {
        [0] = {[GEMMK] = 0, [KREG] = 1, [KWG] = 32, [KWI] = 1, [MDIMA] = 8, [MDIMC] = 8,
               [MWG] = 8 * w, [NDIMB] = 4, [NDIMC] = 4, [NWG] = 32, [SA] = local, [SB] = local,
               [STRM] = 0, [STRN] = 0, [VWM] = w, [VWN] = 8},
        [1] = {[GEMMK] = 0, [KREG] = 1, [KWG] = 32, [KWI] = 2, [MDIMA] = 8, [MDIMC] = 8,
               [MWG] = 64 > 8 * w ? 64 : 8 * w, [NDIMB] = 8, [NDIMC] = 8, [NWG] = 64,
               [SA] = local, [SB] = local, [STRM] = 0, [STRN] = 0, [VWM] = w, [VWN] = 8},
    };
    int n = 0;
    for (size_t i = 0; i < sizeof sets / sizeof sets[0] && n < max; i++)
        if (xgemm_valid(sets[i])) {
            memset(out[n], 0, sizeof out[n]);
            memcpy(out[n++], sets[i], sizeof sets[i]);
        }
    return n;
}

/* No kernel file of clconv's: CLBlast's version keys the database. */
static const rt_gemm_space space = {
    .kernel_file = NULL,
    .method = "CLBlast " CLCONV_CLBLAST_VERSION " Xgemm 1",
    .count = XGEMM_PARAMS,
    .names = XGEMM_NAMES,
    .valid_values = "all 0 (CLBlast's own), or GEMMK=0 KREG=1 and the divisibility rules of "
                    "CLBlast's Xgemm tuner",
    .defaults = xgemm_defaults,
    .candidates = xgemm_candidates,
    .valid = xgemm_valid,
    .in_force = xgemm_in_force,
};

/* CLBlast compiles inside its first call: no sgemm_prepare, no cgemm_prepare. */
const rt_gemm_backend rt_gemm_clblast = {
    .name = "clblast",
    .space = &space,
    .sgemm = clblast_sgemm,
    .sgemm_prepare = NULL,
    .cgemm = clblast_cgemm,
    .cgemm_prepare = NULL,
};
