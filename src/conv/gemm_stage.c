/* The GEMM stage shared by im2col-gemm and winograd (conv/gemm_stage.h). */
#include "conv/gemm_stage.h"

#include <string.h>

void conv_gemm_tile_default(const conv_config *cfg, int *params)
{
    clconv_device_info none = {0};
    rt_sgemm_tile t = rt_sgemm_tile_default(cfg->device ? cfg->device : &none);
    params[CONV_TILE_VEC] = t.vec;
    params[CONV_TILE_MR] = t.mr;
    params[CONV_TILE_NV] = t.nv;
    params[CONV_TILE_KC] = t.kc;
}

/* Register tiles filling two thirds to all of the registers for
 * accumulators (28 vectors at width 16, 14 where the width is 8 or less:
 * half the registers), and the default tile with a longer k block: a
 * handful, as each is a compile of seconds on PoCL. Only clconv's
 * backend has tiles: with another the one candidate is the default. */
int conv_gemm_tile_candidates(const conv_config *cfg, int (*out)[CONV_MAX_PARAMS], int max)
{
    int def[CONV_MAX_PARAMS] = {0};
    conv_gemm_tile_default(cfg, def);
    if (cfg->gemm_backend != CLCONV_GEMM_BACKEND_CLCONV || max < 1)
        return 0;
    static const int shapes[][2] = {{4, 2}, {6, 2}, {4, 3}, {4, 4}, {6, 3},
                                    {8, 3}, {6, 4}, {12, 2}, {7, 4}};
    const int budget = def[CONV_TILE_VEC] >= 16 ? 28 : 14;
    int n = 0;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0] && n < max; i++) {
        int acc = shapes[i][0] * shapes[i][1];
        if (acc > budget || acc * 3 < budget * 2)
            continue;
        memcpy(out[n], def, sizeof def);
        out[n][CONV_TILE_MR] = shapes[i][0];
        out[n][CONV_TILE_NV] = shapes[i][1];
        n++;
    }
    static const int blocks[] = {128};
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0] && n < max; i++)
        if (blocks[i] != def[CONV_TILE_KC]) {
            memcpy(out[n], def, sizeof def);
            out[n++][CONV_TILE_KC] = blocks[i];
        }
    return n;
}

_Static_assert(CONV_MAX_PARAMS >= RT_XGEMM_PARAMS, "a tunable holds CLBlast's Xgemm parameters");

/* CLBlast's own set for the device: it is the one CLBlast chose. */
void conv_xgemm_defaults(const conv_config *cfg, int *params)
{
    (void)cfg;
    memset(params, 0, RT_XGEMM_PARAMS * sizeof *params);
}

/* A few sets of the kind that measured fastest (README, issue notes): for
 * CPU-like devices (vectors of 4 or more) wide VWM in registers with no
 * local memory, 8 x 8 or 8 x 4 threads; for GPU-like ones the same threads
 * with both panels in local memory. Each costs a compile of about 20 s on
 * PoCL, so only a handful. */
int conv_xgemm_candidates(const conv_config *cfg, int (*out)[CONV_MAX_PARAMS], int max)
{
    int w = cfg->device ? (int)cfg->device->preferred_vector_width_float : 1;
    w = w >= 16 ? 16 : w >= 8 ? 8 : w >= 4 ? 4 : w >= 2 ? 2 : 1;
    const int local = w < 4;
    /* GEMMK KREG KWG KWI MDIMA MDIMC MWG NDIMB NDIMC NWG SA SB STRM STRN VWM VWN */
    const int sets[][RT_XGEMM_PARAMS] = {
        {0, 1, 32, 1, 8, 8, 8 * w, 4, 4, 32, local, local, 0, 0, w, 8},
        {0, 1, 32, 2, 8, 8, 64 > 8 * w ? 64 : 8 * w, 8, 8, 64, local, local, 0, 0, w, 8},
    };
    int n = 0;
    for (size_t i = 0; i < sizeof sets / sizeof sets[0] && n < max; i++)
        if (rt_xgemm_params_valid(sets[i])) {
            memset(out[n], 0, sizeof out[n]);
            memcpy(out[n++], sets[i], sizeof sets[i]);
        }
    return n;
}

clconv_status conv_gemm_tile(clconv_plan *plan, const conv_tunable *t, rt_sgemm_tile *tile)
{
    int params[CONV_MAX_PARAMS];
    conv_params_get(&plan->cfg, t, params);
    memset(tile, 0, sizeof *tile);
    if (conv_tunable_for(t, &plan->cfg) == t) {
        *tile = conv_gemm_tile_of(params);
        return CLCONV_SUCCESS;
    }
    int own = 1;
    for (int i = 0; i < RT_XGEMM_PARAMS; i++)
        own &= params[i] == 0;
    clconv_status st = own ? rt_xgemm_params_own(plan->ctx, params) : CLCONV_SUCCESS;
    if (st)
        return st;
    memcpy(tile->xgemm, params, sizeof tile->xgemm);
    memcpy(plan->cfg.params, params, sizeof plan->cfg.params);
    plan->cfg.params_set = 1;
    return CLCONV_SUCCESS;
}

rt_sgemm_tile conv_gemm_tile_of(const int *params)
{
    return (rt_sgemm_tile){.vec = params[CONV_TILE_VEC], .mr = params[CONV_TILE_MR],
                           .nv = params[CONV_TILE_NV], .kc = params[CONV_TILE_KC]};
}

int conv_gemm_tile_valid(const int *params)
{
    rt_sgemm_tile t = conv_gemm_tile_of(params);
    return rt_sgemm_tile_valid(&t);
}

/* CLBlast compiles inside the call, before it enqueues anything, so the
 * call's own host time (not the GEMM that follows) is build time. */
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
    clconv_status st = rt_buffer_fill(plan->ctx, g->b, b_bytes, 0.0f, "GEMM priming workspace");
    if (st)
        return st;
    cl_mem a = NULL, c = NULL;
    if (!(st = rt_buffer_create(plan->ctx, a_bytes, "GEMM priming weights", &a)) &&
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
        double t0 = rt_now_ms();
        st = gemm->sgemm(plan->ctx, &primed, tile, NULL);
        plan->build_ms += rt_now_ms() - t0;
        if (!st && (err = clFinish(plan->ctx->queue)) != CL_SUCCESS)
            st = rt_cl_fail(plan->ctx, err, "clFinish", "GEMM priming");
    }
    if (a)
        clReleaseMemObject(a);
    if (c)
        clReleaseMemObject(c);
    return st;
}
