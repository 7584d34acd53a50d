/* Conv layer (internal): what an algorithm whose main stage is a GEMM of
 * the plan's GEMM backend shares with the others (im2col-gemm, winograd):
 * clconv's SGEMM tile as tunable parameters, and compiling the GEMM at
 * plan creation (gemm_stage.c). */
#ifndef CLCONV_CONV_GEMM_STAGE_H
#define CLCONV_CONV_GEMM_STAGE_H

#include "conv/tune.h"

/* The tile's parameters, in this order: "vec mr nv kc" (rt_sgemm_tile). */
enum { CONV_TILE_VEC, CONV_TILE_MR, CONV_TILE_NV, CONV_TILE_KC, CONV_TILE_PARAMS };

void conv_gemm_tile_default(const conv_config *cfg, int *params);
int conv_gemm_tile_candidates(const conv_config *cfg, int (*out)[CONV_MAX_PARAMS], int max);
int conv_gemm_tile_valid(const int *params);
rt_sgemm_tile conv_gemm_tile_of(const int *params);

void conv_xgemm_defaults(const conv_config *cfg, int *params);
int conv_xgemm_candidates(const conv_config *cfg, int (*out)[CONV_MAX_PARAMS], int max);

/* A conv_tunable for the tile; method names the algorithm's use of it (the
 * database keeps one best tile per algorithm and shape class). Under the
 * CLBlast backend its variant tunes CLBlast's Xgemm parameters instead
 * (CLBlastOverrideParameters; all 0 is CLBlast's own set for the device),
 * keyed by CLBlast's version in place of a kernel file. */
#define CONV_GEMM_TILE_TUNABLE(method_)                                                        \
    {                                                                                          \
        .kernel_file = "gemm/sgemm.cl", .method = (method_), .param_count = CONV_TILE_PARAMS,  \
        .param_names = {[CONV_TILE_VEC] = "vec", [CONV_TILE_MR] = "mr", [CONV_TILE_NV] = "nv", \
                        [CONV_TILE_KC] = "kc"},                                                \
        .defaults = conv_gemm_tile_default, .candidates = conv_gemm_tile_candidates,           \
        .valid = conv_gemm_tile_valid,                                                         \
        .valid_values = "vec in 1, 2, 4, 8, 16, mr in 1..12, nv in 1..8, kc in 0..4096",       \
        .clblast_variant = &(const conv_tunable){                                              \
            .kernel_file = NULL,                                                               \
            .method = method_ ", CLBlast " CLCONV_CLBLAST_VERSION " Xgemm 1",                  \
            .param_count = RT_XGEMM_PARAMS,                                                    \
            .param_names = {RT_XGEMM_PARAM_NAMES},                                             \
            .defaults = conv_xgemm_defaults,                                                   \
            .candidates = conv_xgemm_candidates,                                               \
            .valid = rt_xgemm_params_valid,                                                    \
            .valid_values = "all 0 (CLBlast's own), or GEMMK=0 KREG=1 and the divisibility "  \
                            "rules of CLBlast's Xgemm tuner",                                  \
        },                                                                                     \
    }

/* The tile a plan of the algorithm whose tunable is t runs its GEMM with,
 * for the plan's GEMM backend (CLBlast's own Xgemm set written into
 * plan->cfg.params when the params ask for it, so they show what runs). */
clconv_status conv_gemm_tile(clconv_plan *plan, const conv_tunable *t, rt_sgemm_tile *tile);

/* Compiles g's GEMM now, not in the first execute: through the backend's
 * sgemm_prepare, or, for a backend that compiles only inside a call
 * (CLBlast, seconds on PoCL), by running g once with zeros in B (g->b is
 * the algorithm's workspace, g->k x g->n x g->batch floats) and A and C of
 * its own. The time goes to plan->build_ms. */
clconv_status conv_gemm_prepare(clconv_plan *plan, const rt_gemm_backend *gemm, const rt_gemm *g,
                                const rt_sgemm_tile *tile);

#endif
