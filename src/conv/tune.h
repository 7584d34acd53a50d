/* Conv layer (internal): tunable kernels, their parameter spaces and the
 * tuner that times them on the device (tune.c). An algorithm with a
 * tunable kernel points its conv_algo_ops.tunable here; the chosen
 * parameters reach it through conv_config.params. */
#ifndef CLCONV_CONV_TUNE_H
#define CLCONV_CONV_TUNE_H

#include "conv/algo.h"

struct conv_tunable {
    /* Under cl/: its source is part of the database key. NULL for a
     * library's kernel (CLBlast's): then the method names its version.
     * RT_PERFDB_EVERY_KERNEL for parameters whose best value rests on
     * several kernels (the FFT tile: the transforms', the reduction's). */
    const char *kernel_file;
    /* Part of the key too: change it when what the parameters mean changes
     * outside the kernel file (the host's layout rules, a helper kernel). */
    const char *method;
    int param_count;
    const char *param_names[CONV_MAX_PARAMS];
    /* The caller's text may stop after this many parameters (0: it names
     * them all): the rest are 0, which each later parameter takes to mean
     * "as before it existed" (the FFT tile's backend: the default order). */
    int param_required;
    /* The rule used when nothing is tuned: device queries only (cfg->device
     * may be NULL: then a device without vectors). */
    void (*defaults)(const conv_config *cfg, int *params);
    /* The points the tuner times for cfg: fills at most max, returns how many. */
    int (*candidates)(const conv_config *cfg, int (*out)[CONV_MAX_PARAMS], int max);
    /* 1 when params can be built (a database entry is checked with it). */
    int (*valid)(const int *params);
    /* What valid() accepts under cfg's backends, for error messages. */
    void (*valid_values)(const conv_config *cfg, char *text, size_t cap);
    /* 1: a GEMM stage's tile (conv/gemm_stage.h), whose parameters are the
     * plan's GEMM backend's (rt_gemm_space): only method and candidates
     * are set here, and conv_tunable_for gives the tunable that applies. */
    int gemm_tile;
    /* 1: the best point depends on the plan's FFT (GEMM) backend: the
     * database keeps one per backend. */
    int per_fft_backend, per_gemm_backend;
};

/* The tunable that applies to cfg: t, or for a GEMM stage's tile, the one
 * for cfg's GEMM backend. NULL when t is. Every use of an algorithm's
 * tunable goes through this. */
const conv_tunable *conv_tunable_for(const conv_tunable *t, const conv_config *cfg);

/* Resolves cfg->params for a plan: the caller's text when given (an error
 * when it does not parse or is invalid), else a valid performance-database
 * entry for (device, driver, kernel source, shape class), else the default
 * rule. Sets *source; CLCONV_PARAMS_NONE without a tunable. */
clconv_status conv_params_resolve(clconv_context *ctx, conv_config *cfg,
                                  const conv_algo_ops *ops, const char *given,
                                  clconv_params_source *source);

/* Times every candidate of ops' tunable on ctx's device for cfg's problem,
 * verifies each against the double-precision reference, stores the fastest
 * in the performance database and sets cfg->params to it. */
clconv_status conv_tune(clconv_context *ctx, conv_config *cfg, clconv_algo algo,
                        const clconv_plan_options *opt);

/* Random data and the reference for trial runs of plans of p (the tuner's
 * and the automatic choice's find): input, weights and bias on the device,
 * the reference for the first image on the host. */
typedef struct conv_trial_data conv_trial_data;
clconv_status conv_trial_data_create(clconv_context *ctx, const clconv_problem *p,
                                     conv_trial_data **out);
void conv_trial_data_free(conv_trial_data *t); /* accepts NULL */

/* Builds a plan of cfg (resolved, its problem t's), runs it once and checks
 * the first image against the reference, then times executes (at least 3,
 * more within 250 ms, at most 15): *ms their median host time, *runs how
 * many; *ms INFINITY and why[] filled when it cannot run here or is wrong. */
void conv_trial(clconv_context *ctx, const conv_config *cfg, clconv_algo algo,
                conv_trial_data *t, double *ms, int *runs, char *why, size_t why_cap);

/* The parameters a plan of cfg runs with: cfg->params when set (resolved),
 * else the default rule of conv_tunable_for(t, cfg) (a config built
 * without conv_params_resolve). */
void conv_params_get(const conv_config *cfg, const conv_tunable *t, int *params);

/* "vec=16 ocv=2 pix=12 lx=0 ly=0": the names in order, values in decimal. */
void conv_params_text(const conv_tunable *t, const int *params, char *text, size_t cap);

#endif
