/*
 * clconv tools: what a benchmark, a binding or a lab notebook needs beside
 * the convolution API of clconv.h. The device's measured peaks and where a
 * time sits against them (the roofline), the double-precision reference,
 * the seed benchmark's pointwise op, a GEMM rate at one shape, keeping a
 * third-party library's compiler output off stderr, and the counts and
 * sizes a binding checks. Same rules as clconv.h (ownership, errors,
 * threads).
 */
#ifndef CLCONV_TOOLS_H
#define CLCONV_TOOLS_H

#include "clconv.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- peaks and the roofline ----------------------------------------------------- */

/* The device's own peaks, measured by clconv with kernels written the way
 * the device runs fastest (its preferred vector width). */
typedef struct clconv_peaks {
    double bandwidth_gbs; /* streaming copy of two buffers far larger than any
                             cache: bytes read plus written per second */
    double gflops;        /* fp32 multiply-add throughput (counting 2 each), or
                             the SGEMM rate when that is higher: a ceiling is
                             never below a rate something reached */
    double gemm_gflops;   /* a 1024^3 SGEMM with the default GEMM backend; NaN when
                             it fails here */
    const char *gemm_backend; /* the backend gemm_gflops measured ("clconv", ...) */
    int from_cache;       /* 1: read from the cache, not measured now */
    double measure_ms;    /* wall time spent measuring (0 from the cache) */
    const char *time_source; /* "device": profiling events; "host": wall time,
                                where the device's timestamps are not real */
} clconv_peaks;

/* Measure again even when the cache has this device's peaks. */
#define CLCONV_PEAKS_REMEASURE 1u

/* Fills peaks: from the program cache's directory when it holds an entry
 * for this device, driver, build options and measuring method, else measured (a few
 * seconds on a CPU device) and stored there. flags: 0 or
 * CLCONV_PEAKS_REMEASURE. */
clconv_status clconv_measure_peaks(clconv_context *ctx, unsigned flags, clconv_peaks *peaks);

/* The rate the default GEMM backend's SGEMM reaches at one shape: row-major
 * C[M x N] = A[M x K] * B[K x N], `batch` times with A shared (im2col-gemm's
 * GEMM stage has M = C_out, N = OH*OW, K = C_in*KH*KW, batch N), on scratch
 * buffers. One untimed run first (the backend compiles there), then *gflops =
 * 2*M*N*K*batch over the median of `runs` runs: device time where the
 * timestamps are real, else host wall time; NaN when no run had a time.
 * CLCONV_ERR_INVALID_ARG for a zero size or runs < 1. */
clconv_status clconv_measure_gemm(clconv_context *ctx, size_t m, size_t n, size_t k,
                                  size_t batch, int runs, double *gflops);
/* The same with a chosen GEMM backend (CLCONV_ERR_INVALID_ARG when out of range). */
clconv_status clconv_measure_gemm_with_backend(clconv_context *ctx, clconv_gemm_backend backend,
                                               size_t m, size_t n, size_t k, size_t batch,
                                               int runs, double *gflops);

/* Where a measured time sits against the device's roofline. */
typedef struct clconv_roofline {
    double intensity;    /* FLOPs per compulsory byte */
    double gflops, gbs;  /* achieved: flops / ms, bytes / ms */
    double bound_ms;     /* the least time the peaks allow: max(flops / peak
                            gflops, bytes / peak bandwidth), summed over stages */
    double efficiency;   /* bound_ms / ms: 1 is the roofline */
    const char *verdict; /* "memory-bound" or "compute-bound": the intensity
                            against the ridge point gflops / bandwidth_gbs */
    /* 1 when ms beats bound_ms (the sum of the stages' bounds): faster than
     * the peaks allow is a measurement error (a peak measured too low, a
     * wrong time, or data served from a cache the bandwidth peak does not
     * see), and efficiency is then NaN rather than a figure above 1. */
    int above_peak;
} clconv_roofline;

/* One measured time (ms) of something with cost `cost`. A multi-stage cost
 * is bounded stage by stage (stages run one after another, each under its
 * own ceiling), so bound_ms is the sum of the stages' bounds. What each
 * field needs, else it is NaN (verdict NULL): intensity the cost; gflops and
 * gbs the cost and a time (ms > 0); bound_ms and verdict the cost and both
 * peaks, no time (a prediction); efficiency all three, and a time no shorter
 * than bound_ms (else above_peak). */
void clconv_roofline_eval(const clconv_peaks *peaks, const clconv_cost *cost, double ms,
                          clconv_roofline *out);

/* ---- reference -------------------------------------------------------------------- */

/* Double-precision CPU convolution with the same semantics as every
 * algorithm. bias may be NULL. Returns CLCONV_ERR_INVALID_ARG for an invalid
 * problem. */
clconv_status clconv_reference_conv2d(const clconv_problem *p, const float *input,
                                      const float *weights, const float *bias,
                                      float *output);

/* The same followed by the epilogue e (NULL: the identity), in double:
 * y = act(alpha * conv + bias + beta * z), with its own formula for each
 * activation. residual [N, C_out, OH, OW] when e->residual, else ignored
 * (may be NULL). CLCONV_ERR_INVALID_ARG for an invalid e or a missing z. */
clconv_status clconv_reference_conv2d_epilogue(const clconv_problem *p, const float *input,
                                               const float *weights, const float *bias,
                                               const float *residual,
                                               const clconv_epilogue *e, float *output);

/* ||out - ref||_2 / ||ref||_2 in double; ||out||_2 when ref is all zero.
 * NaN in either gives NaN. */
double clconv_rel_l2_error(const float *out, const float *ref, size_t n);

/* ---- the seed benchmark's pointwise op ------------------------------------- */

/* The original benchmark's broadcast multiply, NOT a convolution:
 *   out[o][i][h][w] = x[0][i][h][w] * k[o][i][h][w]
 * over p's in_channels, height, width and out_channels (batch must be 1; the
 * kernel fields are ignored). x [C_in*H*W], k and out [C_out*C_in*H*W] float.
 * With timing it waits and reports the device time as stage "pointwise".
 * It reads and writes 8 bytes per multiply: bound by memory bandwidth. */
clconv_status clconv_pointwise(clconv_context *ctx, const clconv_problem *p, cl_mem x, cl_mem k,
                               cl_mem out, clconv_timing *timing);

/* The same for clconv_pointwise on p: C_out*C_in*H*W multiplies; x read
 * once, k read and out written once. Zeros when p's sizes are not positive. */
void clconv_pointwise_cost(const clconv_problem *p, clconv_cost *cost);

/* ---- third-party libraries ---------------------------------------------------------- */

/* For a caller's own CLBlast or clFFT call on ctx's device (clconv wraps its
 * own): the OpenCL compiler may print warnings about the library's kernels
 * on stderr while it builds them (PoCL does). Between begin and end the
 * process's stderr (file descriptor 2, so every thread's) goes to a
 * temporary file, shown at end only when `failed` is non-zero or
 * CLCONV_VERBOSE=1. `call` names the library call ("CLBlastSconvgemm"): once
 * it has succeeded on ctx, later begins capture nothing; NULL captures every
 * time. begin returns the token end takes; pairs nest. Capturing is best
 * effort: without a temporary file, nothing is captured. */
int clconv_quiet_begin(clconv_context *ctx, const char *call);
void clconv_quiet_end(clconv_context *ctx, const char *call, int token, int failed);

/* Name of a CLBlast status code, e.g. "CLBlastInvalidLeadDimA" for -1016. */
const char *clconv_clblast_status_name(int code);

/* ---- for bindings ----------------------------------------------------------- */

/* Contexts and plans alive in this process now (created, not yet destroyed):
 * a binding's leak check. Either pointer may be NULL. */
void clconv_live_objects(int *contexts, int *plans);

/* sizeof a public struct by its name ("clconv_problem", "clconv_plan_options",
 * ...); 0 for a name it does not know. A binding that mirrors the structs (the
 * Python package) checks its layout against the library it loaded. */
size_t clconv_struct_size(const char *name);

#ifdef __cplusplus
}
#endif
#endif /* CLCONV_TOOLS_H */
