/* Runs one problem with one algorithm: verify, warm up, time. */
#ifndef CLCONV_BENCH_RUN_H
#define CLCONV_BENCH_RUN_H

#include "args.h"
#include "rows.h"

typedef struct bench_stage {
    const char *name;
    double median_ms;
    double flops, bytes;  /* the cost model's, for this stage; NaN without one */
    clconv_roofline roof; /* against the device peaks; NaN fields without them */
} bench_stage;

typedef struct bench_result {
    const bench_problem *problem;
    const bench_row_kind *kind;
    const char *algo;      /* kind->name */
    int skipped;           /* the algorithm cannot do this problem here */
    char note[512];        /* why it was skipped, or why it failed */
    int failed;            /* verification failed */
    double median_ms, p10_ms, p90_ms, min_ms; /* device time, or host time (time_source) */
    const char *time_source; /* "device": profiling events; "host": the driver's are not real */
    double host_median_ms; /* wall time of execute + wait, as an application sees it */
    /* Wall time of one execute without timing (no profiling events) and a
     * clFinish, median of a few runs after the timed ones: what a caller
     * running a reused plan per layer pays; NaN when not measured. */
    double call_host_ms;
    int iterations;
    double build_ms;
    int compiled;          /* 1: kernels compiled from source; 0: from the disk cache */
    clconv_cost cost;      /* FLOPs and compulsory bytes as the algorithm does them */
    double conv_flops;     /* the convolution's 2*N*C_out*OH*OW*C_in*KH*KW (pointwise:
                              its multiplies): the work every algorithm delivers */
    clconv_roofline roof;  /* the whole execute against the device peaks */
    size_t workspace_bytes;
    int verified;
    double rel_err;
    int stage_count;
    bench_stage stages[CLCONV_MAX_STAGES];
    double gemm_baseline_gflops; /* --gemm-baseline on im2col-gemm rows, else NaN */
    double weights_ms;           /* set_weights' device work (weights_stage), else 0 */
    const char *weights_stage;   /* clconv_algo_weights_stage, NULL for none */
    char params[256];            /* the tunable kernel's parameters, "" for none */
    const char *params_source;   /* clconv_params_source_name; NULL: not a clconv plan */
    const char *fft_backend;     /* clconv_plan_fft_backend; NULL: not an FFT row */
    char epilogue[96];           /* what the last stage applied (bench_epilogue_text); ""
                                    for none, and for rows that cannot apply one */
    double tune_ms;              /* wall time of plan_create when it tuned, else NaN */
    /* Wall time of the row's first run (the verifying run, else the first
     * warm-up; -1 when there was none) and what it took beyond a timed run's
     * host median: what drivers and libraries compile on first use (PoCL's
     * code for a work-group size, CLBlast's programs). Part of build_ms;
     * NaN when unknown. */
    double first_run_host_ms, first_run_build_ms;
    /* The auto row's choice (clconv_plan_choice), has_choice 0 elsewhere;
     * its source is copied to choice_source (choice.source is NULL). */
    int has_choice;
    clconv_choice choice;
    char choice_source[16];
} bench_result;

/* Fills the roofline fields of res and its stages (peaks may be NULL). */
void bench_apply_roofline(bench_result *res, const clconv_peaks *peaks);

/* The double-precision reference outputs, one per problem (by its index in
 * the options), each computed when a row first needs it and shared by every
 * later row and every device of the run. */
typedef struct bench_references {
    float *out[BENCH_MAX_PROBLEMS];
} bench_references;
void bench_references_free(bench_references *refs);

/* Host and device data of one problem, shared by every row that runs it. */
typedef struct bench_data {
    const clconv_problem *p;
    float *input, *weights, *bias;
    const clconv_epilogue *epilogue; /* bench_epilogue: NULL for none */
    float *residual;                 /* the epilogue's z, NULL without one */
    float **reference; /* the problem's slot in bench_references (with the epilogue) */
    cl_mem d_input, d_weights, d_bias, d_output, d_residual;
} bench_data;

/* Returns 0, 1 on a run-time failure (message in err), 2 on an invalid
 * problem. The reference is not computed here (see bench_reference). */
int bench_data_create(clconv_context *ctx, const bench_options *opt, const bench_problem *bp,
                      float **reference_slot, bench_data *data, char *err, size_t err_size);
void bench_data_destroy(bench_data *data);

/* The problem's reference output, computed now if no row needed it before;
 * NULL with err set when out of host memory. */
const float *bench_reference(bench_data *data, char *err, size_t err_size);

/* Something to verify and time: a clconv plan or a peer library's call.
 * execute returns 0, or 1 with the reason in err (or, when err is left
 * empty, in clconv_last_error(ctx)). With t != NULL it waits and fills the
 * device times (negative where the device has no real timestamps). */
typedef struct bench_runner {
    clconv_context *ctx;
    int (*execute)(void *self, bench_data *d, clconv_timing *t, char *err, size_t err_size);
    void *self;
    int adds_no_bias; /* verification adds the bias on the host */
} bench_runner;

void bench_result_init(bench_result *res, const bench_problem *bp, const bench_row_kind *kind);

/* 1 for a row of one of the library's algorithms (not auto, not a peer's)
 * that verified and has a time: what the automatic choice learns from and
 * is judged against. */
int bench_result_is_algorithm_time(const bench_result *res);

/* Verifies (unless --no-verify), then warms up and times: 0 (res filled,
 * possibly failed verification) or 1 on a run-time error (message in err). */
int bench_measure(const bench_runner *r, const bench_options *opt, const bench_problem *bp,
                  bench_data *d, bench_result *res, char *err, size_t err_size);

#endif
