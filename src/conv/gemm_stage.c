/* The GEMM stage shared by im2col-gemm and winograd (conv/gemm_stage.h). */
#include "conv/gemm_stage.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* The backend's candidates fill the tuner's rows directly. */
_Static_assert(CONV_MAX_PARAMS == (int)RT_GEMM_MAX_PARAMS,
               "a tunable's parameters are a GEMM backend's tile");

/* cfg's GEMM backend, resolved; the default for a value out of range (a
 * config checked by plan.c never has one). */
static const rt_gemm_backend *backend_of(const conv_config *cfg, clconv_gemm_backend *resolved)
{
    const rt_gemm_backend *b = rt_gemm_backend_get(cfg->gemm_backend, cfg->device, resolved);
    return b ? b : rt_gemm_backend_get(CLCONV_GEMM_BACKEND_DEFAULT, cfg->device, resolved);
}

static void tile_defaults(const conv_config *cfg, int *params)
{
    clconv_device_info none = {0};
    backend_of(cfg, NULL)->space->defaults(cfg->device ? cfg->device : &none, params);
}

static void tile_valid_values(const conv_config *cfg, char *text, size_t cap)
{
    snprintf(text, cap, "%s", backend_of(cfg, NULL)->space->valid_values);
}

int conv_gemm_candidates(const conv_config *cfg, const rt_gemm_shape *shape,
                         int (*out)[CONV_MAX_PARAMS], int max)
{
    clconv_device_info none = {0};
    return backend_of(cfg, NULL)->space->candidates(cfg->device ? cfg->device : &none, shape,
                                                    out, max);
}

/* Each GEMM tile of the algorithm table as each backend's tunable, made once
 * (the method strings are composed): indexed by algorithm and resolved
 * backend (DEFAULT's row is unused). */
static struct gemm_variant {
    conv_tunable tunable;
    char method[256];
} variants[CLCONV_ALGO_COUNT][CLCONV_GEMM_BACKEND_COUNT];
static pthread_once_t variants_once = PTHREAD_ONCE_INIT;

static void variants_make(void)
{
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
        const conv_tunable *t = conv_algo_table[a]->tunable;
        if (!t || !t->gemm_tile)
            continue;
        for (int b = CLCONV_GEMM_BACKEND_DEFAULT + 1; b < CLCONV_GEMM_BACKEND_COUNT; b++) {
            const rt_gemm_space *s = rt_gemm_backend_get((clconv_gemm_backend)b, NULL, NULL)->space;
            struct gemm_variant *v = &variants[a][b];
            if (s->method)
                snprintf(v->method, sizeof v->method, "%s, %s", t->method, s->method);
            else
                snprintf(v->method, sizeof v->method, "%s", t->method);
            v->tunable = *t;
            v->tunable.gemm_tile = 0; /* resolved: conv_tunable_for keeps it */
            v->tunable.kernel_file = s->kernel_file;
            v->tunable.method = v->method;
            v->tunable.param_count = s->count;
            memcpy(v->tunable.param_names, s->names, sizeof s->names);
            v->tunable.param_required = 0;
            v->tunable.defaults = tile_defaults;
            v->tunable.valid = s->valid;
            v->tunable.valid_values = tile_valid_values;
        }
    }
}

const conv_tunable *conv_gemm_tunable_for(const conv_tunable *t, const conv_config *cfg)
{
    clconv_gemm_backend b;
    backend_of(cfg, &b);
    pthread_once(&variants_once, variants_make);
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++)
        if (conv_algo_table[a]->tunable == t)
            return &variants[a][b].tunable;
    return t; /* not in the table: nothing resolves it */
}

double conv_gemm_useful_share(const conv_config *cfg, const conv_tunable *t,
                              const rt_gemm_shape *shape)
{
    const rt_gemm_space *s = backend_of(cfg, NULL)->space;
    if (!s->useful_share)
        return 1.0;
    int params[CONV_MAX_PARAMS];
    conv_params_get(cfg, t, params);
    return s->useful_share(params, shape);
}

clconv_status conv_gemm_tile(clconv_plan *plan, const conv_tunable *t, rt_sgemm_tile *tile)
{
    int params[CONV_MAX_PARAMS];
    conv_params_get(&plan->cfg, t, params);
    const rt_gemm_space *s = backend_of(&plan->cfg, NULL)->space;
    if (s->in_force) {
        clconv_status st = s->in_force(plan->ctx, params);
        if (st)
            return st;
        memcpy(plan->cfg.params, params, sizeof plan->cfg.params);
        plan->cfg.params_set = 1;
    }
    memcpy(tile->params, params, sizeof tile->params);
    return CLCONV_SUCCESS;
}

/* A backend without sgemm_prepare compiles inside the call, before it
 * enqueues anything, so the call's own host time (not the GEMM that
 * follows) is build time. */
clconv_status conv_gemm_prepare(clconv_plan *plan, const rt_gemm_backend *gemm, const rt_gemm *g,
                                const rt_sgemm_tile *tile)
{
    if (gemm->sgemm_prepare) {
        rt_build_stats stats = {0};
        clconv_status st = gemm->sgemm_prepare(plan->ctx, g, tile, &stats);
        conv_plan_count_build(plan, &stats);
        return st;
    }
    cl_int err;
    size_t b_bytes = g->k * g->n * g->batch * sizeof(float);
    size_t c_bytes = g->m * g->n * g->batch * sizeof(float);
    size_t a_bytes = g->m * g->k * sizeof(float);
    cl_mem a = NULL, b = NULL, c = NULL;
    clconv_status st = CLCONV_SUCCESS;
    if (!g->b) /* B is the caller's input: a stand-in of B's shape */
        st = rt_buffer_create(plan->ctx, b_bytes, "GEMM priming columns", &b);
    if (!st)
        st = rt_buffer_fill(plan->ctx, b ? b : g->b, b_bytes, 0.0f, "GEMM priming workspace");
    if (!st && !(st = rt_buffer_create(plan->ctx, a_bytes, "GEMM priming weights", &a)) &&
        !(st = rt_buffer_create(plan->ctx, c_bytes, "GEMM priming output", &c)))
        st = rt_buffer_fill(plan->ctx, a, a_bytes, 0.0f, "GEMM priming weights");
    if (!st) {
        rt_gemm primed = *g;
        primed.a = a;
        primed.c = c;
        primed.a_offset = primed.c_offset = primed.a_stride = 0;
        primed.lda = g->k;
        primed.ldc = g->n;
        primed.c_stride = g->m * g->n;
        if (b) {
            primed.b = b;
            primed.b_offset = 0;
            primed.ldb = g->n;
            primed.b_stride = g->k * g->n;
        }
        double t0 = rt_now_ms();
        st = gemm->sgemm(plan->ctx, &primed, tile, NULL);
        plan->build_ms += rt_now_ms() - t0;
        if (!st && (err = clFinish(plan->ctx->queue)) != CL_SUCCESS)
            st = rt_cl_fail(plan->ctx, err, "clFinish", "GEMM priming");
    }
    if (a)
        clReleaseMemObject(a);
    if (b)
        clReleaseMemObject(b);
    if (c)
        clReleaseMemObject(c);
    return st;
}
