/* Conv layer (internal): the interface every algorithm implements. Adding an
 * algorithm is one .c here, its kernel file(s) in cl/, one line in
 * algo_table.c and one value appended to clconv_algo (include/clconv.h). */
#ifndef CLCONV_CONV_ALGO_H
#define CLCONV_CONV_ALGO_H

#include "runtime/gemm.h"
#include "runtime/rt.h"

/* Parameters of one tunable kernel (a GEMM backend's too: RT_GEMM_MAX_PARAMS). */
#define CONV_MAX_PARAMS 16

/* Collects the events of one execute, each tagged with its stage; NULL when
 * the caller asked for no timing (then enqueues get a NULL event). */
typedef struct conv_events conv_events;
cl_event *conv_event_slot(conv_events *ev, int stage);
/* Opens a span for stage (a marker) that the stage's next event closes, for
 * library calls that enqueue several kernels but return one event. */
clconv_status conv_event_span_begin(clconv_plan *plan, conv_events *ev, int stage);

/* What an algorithm needs to decide anything about a problem: the problem,
 * the device (NULL when only the cost is asked) and the plan options with
 * every default resolved. The same config gives the same sizes in check,
 * workspace, cost and create. */
typedef struct conv_config {
    clconv_problem problem;
    const clconv_device_info *device;
    size_t workspace_limit_bytes; /* largest buffer the plan may allocate */
    clconv_fft_backend fft_backend; /* DEFAULT: the FFT algorithm picks per plane size */
    clconv_gemm_backend gemm_backend; /* never CLCONV_GEMM_BACKEND_DEFAULT */
    /* A tunable kernel's parameters (conv/tune.h), when params_set; else the
     * algorithm applies its default rule. */
    int params[CONV_MAX_PARAMS];
    int params_set;
    /* Validated; applied by the last stage through EPI() (common/prelude.cl)
     * with conv_epilogue_options' constants in that stage's build. */
    clconv_epilogue epilogue;
} conv_config;

/* ---- the epilogue (epilogue.c) ---- */

/* CLCONV_ERR_INVALID_ARG naming the field (clconv_epilogue_validate with
 * ctx, of an epilogue already read through its struct_size). */
clconv_status conv_epilogue_check(clconv_context *ctx, const clconv_epilogue *e);
/* 1 for alpha 1, no residual, no activation: the plain store. */
int conv_epilogue_is_identity(const clconv_epilogue *e);
/* The -D constants (each with a leading space; "" for the identity) that
 * make EPI() apply e, for the build of an algorithm's last stage. */
void conv_epilogue_options(const clconv_epilogue *e, char *out, size_t cap);
#define CONV_EPILOGUE_OPTIONS_MAX 192

typedef struct conv_tunable conv_tunable; /* conv/tune.h */

/* One algorithm: its facts and its functions. Everything else (the public
 * names, the bench rows, the tests, the roofline) reads these. */
typedef struct conv_algo_ops {
    const char *name;    /* --algo NAME, clconv_algo_name */
    const char *summary; /* one line: what runs (help, README) */
    int stage_count;
    const char *stage_names[CLCONV_MAX_STAGES]; /* timing and cost use these */
    /* 1 when every output reads every input of its image (a transform over
     * the whole plane): one NaN input spreads to its whole image. */
    int spectral;
    /* The side of the output tiles that share one input window (winograd's
     * m x m outputs read one (m + K - 1)^2 window), for problem p: a NaN or
     * Inf in the window may reach every output of the tile, not only those
     * whose own window holds it. NULL: each output reads its own window
     * alone (or the whole image, when spectral). */
    int (*shared_window_tile)(const clconv_problem *p);
    /* 1 when a workspace limit below what the whole batch needs is kept by
     * running images (or pixel ranges) in chunks, not refused: only its
     * fixed part (packed or transformed weights) must fit. */
    int chunks;
    /* 1 when it runs grouped problems (groups > 1); else every check and
     * cost of one is CLCONV_ERR_UNSUPPORTED, naming the algorithm. */
    int groups;
    /* Limits that need no device, beyond the groups flag: 1 with the
     * reason in why when it cannot run p, else 0 (its check decides the
     * rest). Every check, workspace and cost of a refused problem is
     * CLCONV_ERR_UNSUPPORTED with that reason, the device-free cost too.
     * NULL: none. */
    int (*refuses)(const clconv_problem *p, char *why, size_t cap);
    /* The name of the work set_weights does once (its device time is
     * plan->weights_ms), or NULL when it does none. */
    const char *weights_stage;
    /* The share of its roofline bound (bound_ms / ms, clconv_roofline) the
     * automatic choice assumes before a find has measured it on the device:
     * a stated prior, from the README's PoCL table. */
    double efficiency_prior;
    /* The share of the arithmetic it executes that cfg's problem needs, for
     * the prior (NULL: all of it): direct computes a whole vector of output
     * channels per group, of which a depthwise problem uses one. */
    double (*useful_share)(const conv_config *cfg);
    /* Its tunable kernel (conv/tune.h), or NULL. */
    const conv_tunable *tunable;
    /* Can this algorithm do the problem on cfg's device? CLCONV_ERR_UNSUPPORTED
     * with the reason in the context's error. Allocates nothing. */
    clconv_status (*check)(clconv_context *ctx, const conv_config *cfg);
    /* The device memory create() allocates, known before it does; a
     * library's own scratch (clFFT's) is counted by create on top. */
    size_t (*workspace)(const conv_config *cfg);
    /* FLOPs and compulsory bytes of one execute, per stage that runs (names
     * from stage_names through conv_cost_add). Needs no device. */
    void (*cost)(const conv_config *cfg, int has_bias, clconv_cost *cost);
    /* Builds kernels, allocates workspace; sets plan->impl, workspace, build time. */
    clconv_status (*create)(clconv_plan *plan);
    /* Per-weights work (weights and bias already validated and retained by plan.c). */
    clconv_status (*set_weights)(clconv_plan *plan);
    clconv_status (*execute)(clconv_plan *plan, cl_mem input, cl_mem output, conv_events *ev);
    void (*destroy)(clconv_plan *plan);
} conv_algo_ops;

/* ops->cost, and the epilogue's residual read in the last stage: every
 * caller of a cost goes through this. */
void conv_cost_of(const conv_algo_ops *ops, const conv_config *cfg, int has_bias,
                  clconv_cost *cost);

struct clconv_plan {
    clconv_context *ctx;
    conv_config cfg;
    clconv_params_source params_source;
    clconv_algo algo;
    const conv_algo_ops *ops;
    void *impl;
    size_t workspace_bytes;
    double build_ms;
    int compiled;
    double weights_ms; /* device time of set_weights' work; 0 none, < 0 unknown */
    cl_mem weights; /* retained; NULL before set_weights and after a failed one */
    cl_mem bias;    /* retained, NULL for none */
    cl_mem residual; /* the epilogue's z during an execute, else NULL */
    char weights_failure[256]; /* why the last set_weights failed; "" when it did not */
    int chosen;            /* 1: made for CLCONV_ALGO_AUTO (choice says why) */
    clconv_choice choice;
    /* Kernels whose buffer arguments conv_set_args set: plan.c clears them
     * after each execute and set_weights (see drop_buffer_args). */
    int held_count;
    struct { cl_kernel kernel; int mems; } held[16];
};

/* ---- cost helpers (cost.c) ---- */

/* Appends stage `stage` of ops (its name from ops->stage_names) to cost. */
void conv_cost_add(clconv_cost *cost, const conv_algo_ops *ops, int stage, double flops,
                   double bytes);
/* Output elements N*C_out*OH*OW. */
double conv_outputs(const clconv_problem *p);
/* The convolution itself, whatever computes it:
 * FLOPs = 2*N*C_out*OH*OW*C_in*KH*KW (the bias add is left out, as every
 * framework does); bytes = 4 * (input + weights + bias + output). */
void conv_compulsory_cost(const clconv_problem *p, int has_bias, double *flops, double *bytes);

/* A buffer of the plan's workspace; counted in plan->workspace_bytes and
 * refused, with the sizes named, when over the plan's limit. */
clconv_status conv_alloc_workspace(clconv_plan *plan, size_t bytes, const char *what, cl_mem *out);

/* Enqueues k over global (rounded up to nothing: kernels guard their range). */
clconv_status conv_enqueue(clconv_plan *plan, cl_kernel k, const char *name, cl_uint dims,
                           const size_t *global, cl_event *event);
/* The same with a work-group size (global a multiple of it). */
clconv_status conv_enqueue_local(clconv_plan *plan, cl_kernel k, const char *name, cl_uint dims,
                                 const size_t *global, const size_t *local, cl_event *event);

/* Enqueues k over `items` work-items in one dimension, rounded up to a
 * fixed group size (the kernel returns past items): one compiled variant
 * for every problem where PoCL compiles one per group size it picks. */
clconv_status conv_enqueue_items(clconv_plan *plan, cl_kernel k, const char *name, size_t items,
                                 cl_event *event);

/* The algorithm table (algo_table.c), indexed by clconv_algo: the one list. */
extern const conv_algo_ops *const conv_algo_table[CLCONV_ALGO_COUNT];

/* plan_create_with_options for a named algorithm (the public function,
 * above, adds the automatic choice). */
clconv_status conv_plan_create_named(clconv_context *ctx, const clconv_problem *p,
                                     clconv_algo algo, const clconv_plan_options *opt,
                                     clconv_plan **out);

/* check_with_options that also hands back the resolved config (parameters
 * from the caller, the database or the default rule). */
clconv_status conv_config_resolve(clconv_context *ctx, const clconv_problem *p, clconv_algo algo,
                                  const clconv_plan_options *opt, conv_config *cfg);

/* A plan for an already resolved config (plan_create without the checks
 * of its arguments, and without resolving parameters): the tuner's. */
clconv_status conv_plan_build(clconv_context *ctx, const conv_config *cfg, clconv_algo algo,
                              clconv_plan **out);

/* Adds a build's time (and whether it compiled) to the plan's. */
void conv_plan_count_build(clconv_plan *plan, const rt_build_stats *stats);

/* Gets a program through the context's program manager and adds its build
 * time to the plan's. */
clconv_status conv_plan_program(clconv_plan *plan, const char *file, const char *options,
                                cl_program *out);

/* Sets a kernel's arguments: the buffers first, then the ints, as every
 * clconv kernel declares them. Names the kernel and index on failure. */
clconv_status conv_set_args(clconv_plan *plan, cl_kernel k, const char *kernel_name,
                            const cl_mem *mems, int mem_count, const cl_int *ints, int int_count);

#endif
