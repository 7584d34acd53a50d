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

/* A conv_tunable for the tile; method names the algorithm's use of it (the
 * database keeps one best tile per algorithm and shape class). */
#define CONV_GEMM_TILE_TUNABLE(method_)                                                        \
    {                                                                                          \
        .kernel_file = "gemm/sgemm.cl", .method = (method_), .param_count = CONV_TILE_PARAMS,  \
        .param_names = {[CONV_TILE_VEC] = "vec", [CONV_TILE_MR] = "mr", [CONV_TILE_NV] = "nv", \
                        [CONV_TILE_KC] = "kc"},                                                \
        .defaults = conv_gemm_tile_default, .candidates = conv_gemm_tile_candidates,           \
        .valid = conv_gemm_tile_valid,                                                         \
        .valid_values = "vec in 1, 2, 4, 8, 16, mr in 1..12, nv in 1..8, kc in 0..4096",       \
    }

/* Compiles g's GEMM now, not in the first execute: through the backend's
 * sgemm_prepare, or, for a backend that compiles only inside a call
 * (CLBlast, seconds on PoCL), by running g once with zeros in B (g->b is
 * the algorithm's workspace, g->k x g->n x g->batch floats) and A and C of
 * its own. The time goes to plan->build_ms. */
clconv_status conv_gemm_prepare(clconv_plan *plan, const rt_gemm_backend *gemm, const rt_gemm *g,
                                const rt_sgemm_tile *tile);

#endif
