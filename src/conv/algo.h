/* Conv layer (internal): the interface every algorithm implements. Adding an
 * algorithm is one .c here, one .cl in cl/, and one line in algo_table.c. */
#ifndef CLCONV_CONV_ALGO_H
#define CLCONV_CONV_ALGO_H

#include "runtime/rt.h"

/* Collects the events of one execute, each tagged with its stage; NULL when
 * the caller asked for no timing (then enqueues get a NULL event). */
typedef struct conv_events conv_events;
cl_event *conv_event_slot(conv_events *ev, int stage);

typedef struct conv_algo_ops {
    const char *name;
    int stage_count;
    const char *stage_names[CLCONV_MAX_STAGES];
    /* Can this algorithm do p on ctx's device? Allocates nothing. */
    clconv_status (*check)(clconv_context *ctx, const clconv_problem *p);
    /* Builds kernels, allocates workspace; sets plan->impl, workspace, build time. */
    clconv_status (*create)(clconv_plan *plan);
    /* Per-weights work (weights and bias already validated and retained by plan.c). */
    clconv_status (*set_weights)(clconv_plan *plan);
    clconv_status (*execute)(clconv_plan *plan, cl_mem input, cl_mem output, conv_events *ev);
    void (*cost)(const clconv_plan *plan, double *flops, double *bytes);
    void (*destroy)(clconv_plan *plan);
} conv_algo_ops;

struct clconv_plan {
    clconv_context *ctx;
    clconv_problem problem;
    clconv_algo algo;
    const conv_algo_ops *ops;
    void *impl;
    size_t workspace_bytes;
    double build_ms;
    int compiled;
    cl_mem weights; /* retained */
    cl_mem bias;    /* retained, NULL for none */
};

extern const conv_algo_ops *const conv_algo_table[CLCONV_ALGO_COUNT];
extern const conv_algo_ops conv_direct_ops;

/* Gets a program through the context's program manager and adds its build
 * time to the plan's. */
clconv_status conv_plan_program(clconv_plan *plan, const char *file, const char *options,
                                cl_program *out);

/* clSetKernelArg over a list, with the failing index named. */
clconv_status conv_set_args(clconv_plan *plan, cl_kernel k, const char *kernel_name, int n,
                            const size_t *sizes, const void *const *values);

#endif
