/* Conv layer (internal): the interface every algorithm implements. Adding an
 * algorithm is one .c here, one .cl in cl/, and one line in algo_table.c. */
#ifndef CLCONV_CONV_ALGO_H
#define CLCONV_CONV_ALGO_H

#include "runtime/rt.h"

/* Collects the events of one execute, each tagged with its stage; NULL when
 * the caller asked for no timing (then enqueues get a NULL event). */
typedef struct conv_events conv_events;
cl_event *conv_event_slot(conv_events *ev, int stage);
/* Opens a span for stage (a marker) that the stage's next event closes, for
 * library calls that enqueue several kernels but return one event. */
clconv_status conv_event_span_begin(clconv_plan *plan, conv_events *ev, int stage);

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
    void (*cost)(const clconv_plan *plan, clconv_cost *cost); /* analysis/cost.c formulas */
    void (*destroy)(clconv_plan *plan);
} conv_algo_ops;

struct clconv_plan {
    clconv_context *ctx;
    clconv_problem problem;
    clconv_algo algo;
    const conv_algo_ops *ops;
    void *impl;
    size_t workspace_bytes;
    size_t workspace_limit_bytes; /* largest buffer the plan may allocate */
    double build_ms;
    int compiled;
    double weights_ms; /* device time of set_weights' work; 0 none, < 0 unknown */
    cl_mem weights; /* retained; NULL before set_weights and after a failed one */
    cl_mem bias;    /* retained, NULL for none */
    char weights_failure[256]; /* why the last set_weights failed; "" when it did not */
};

/* Row-major C[i] = A[i] * B[i] for i < batch (beta 0), float32. */
typedef struct conv_gemm {
    size_t m, n, k, batch;
    cl_mem a, b, c;
    size_t a_offset, lda, a_stride;
    size_t b_offset, ldb, b_stride;
    size_t c_offset, ldc, c_stride;
} conv_gemm;
/* (also times the device peak SGEMM rate: analysis/peaks.c) */
clconv_status conv_sgemm(clconv_context *ctx, const conv_gemm *g, cl_event *event);

/* Row-major complex C[i] = A[i] * conj(B[i])^T for i < batch, with A m x k,
 * B stored n x k (interleaved float2), C m x n. */
typedef conv_gemm conv_cgemm;
clconv_status conv_cgemm_conj_b(clconv_context *ctx, const conv_cgemm *g, cl_event *event);

/* A buffer of the plan's workspace; counted in plan->workspace_bytes and
 * refused, with the sizes named, when over the plan's limit. */
clconv_status conv_alloc_workspace(clconv_plan *plan, size_t bytes, const char *what, cl_mem *out);

/* Enqueues k over global (rounded up to nothing: kernels guard their range). */
clconv_status conv_enqueue(clconv_plan *plan, cl_kernel k, const char *name, cl_uint dims,
                           const size_t *global, cl_event *event);

/* The vector width for a device and a row length: the device's preferred
 * float width (16 on AVX-512 PoCL, 1 on most GPUs), never wider than the row. */
int conv_vector_width(const clconv_device_info *d, int row_length);

extern const conv_algo_ops *const conv_algo_table[CLCONV_ALGO_COUNT];
extern const conv_algo_ops conv_direct_ops;
extern const conv_algo_ops conv_im2col_gemm_ops;
extern const conv_algo_ops conv_fft_ops;
extern const conv_algo_ops conv_fft_cgemm_ops;

/* Gets a program through the context's program manager and adds its build
 * time to the plan's. */
clconv_status conv_plan_program(clconv_plan *plan, const char *file, const char *options,
                                cl_program *out);

/* Sets a kernel's arguments: the buffers first, then the ints, as every
 * clconv kernel declares them. Names the kernel and index on failure. */
clconv_status conv_set_args(clconv_plan *plan, cl_kernel k, const char *kernel_name,
                            const cl_mem *mems, int mem_count, const cl_int *ints, int int_count);

#endif
