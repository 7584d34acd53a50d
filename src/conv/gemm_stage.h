/* Conv layer (internal): what an algorithm whose main stage is a GEMM of
 * the plan's GEMM backend shares with the others (im2col-gemm, winograd):
 * the backend's SGEMM tile as tunable parameters, and compiling the GEMM
 * at plan creation (gemm_stage.c). The parameters themselves are the
 * backend's (runtime/gemm.h, rt_gemm_space): nothing here names one. */
#ifndef CLCONV_CONV_GEMM_STAGE_H
#define CLCONV_CONV_GEMM_STAGE_H

#include "conv/tune.h"

/* An algorithm's tunable for its GEMM's tile: method names the algorithm's
 * use of it (the database keeps one best tile per algorithm, backend and
 * shape class); candidates_ gives the tuner's points for its GEMM's shape
 * through conv_gemm_candidates. Every other field comes from the plan's
 * GEMM backend (conv_tunable_for). */
#define CONV_GEMM_TILE_TUNABLE(method_, candidates_)                     \
    {                                                                    \
        .method = (method_), .candidates = (candidates_), .gemm_tile = 1 \
    }

/* The tunable of the GEMM tile t (in the algorithm table) for cfg's GEMM
 * backend: the backend's space, keyed by its kernel file, and by t's method
 * followed by the space's method when it has one. */
const conv_tunable *conv_gemm_tunable_for(const conv_tunable *t, const conv_config *cfg);

/* The points cfg's GEMM backend offers for a GEMM of this shape. */
int conv_gemm_candidates(const conv_config *cfg, const rt_gemm_shape *shape,
                         int (*out)[CONV_MAX_PARAMS], int max);

/* The share of the multiply-adds cfg's GEMM backend executes for a GEMM of
 * this shape that the shape needs, with the tile a plan of cfg would run
 * (t the algorithm's tunable): the automatic choice's useful share. */
double conv_gemm_useful_share(const conv_config *cfg, const conv_tunable *t,
                              const rt_gemm_shape *shape);

/* The tile a plan of the algorithm whose tunable is t runs its GEMM with,
 * for the plan's GEMM backend (written back into plan->cfg.params when the
 * backend's space rewrites what runs, so they show it: CLBlast's own set). */
clconv_status conv_gemm_tile(clconv_plan *plan, const conv_tunable *t, rt_sgemm_tile *tile);

/* Compiles g's GEMM now, not in the first execute: through the backend's
 * sgemm_prepare, or, for a backend that compiles only inside a call (no
 * sgemm_prepare: CLBlast, seconds on PoCL), by running g once with zeros
 * in B (g->b is the algorithm's workspace, g->k x g->n x g->batch floats,
 * or NULL when B will be the caller's input: then a stand-in) and A and C
 * of its own. The time goes to plan->build_ms. */
clconv_status conv_gemm_prepare(clconv_plan *plan, const rt_gemm_backend *gemm, const rt_gemm *g,
                                const rt_sgemm_tile *tile);

#endif
