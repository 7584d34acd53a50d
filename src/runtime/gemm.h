/* Runtime layer (internal): the GEMMs several layers share (the im2col and
 * FFT algorithms, the peaks' SGEMM rate), behind one table of backends
 * chosen per plan (clconv_plan_options.gemm_backend). A backend is one file
 * and one line in gemm_backends.c, its tunable parameters included (its
 * rt_gemm_space): clconv's own kernels (gemm_clconv.c, cl/gemm/sgemm.cl and
 * cgemm.cl) or CLBlast (gemm_clblast.c). */
#ifndef CLCONV_RT_GEMM_H
#define CLCONV_RT_GEMM_H

#include "runtime/rt.h"

/* Row-major C[i] = A[i] * B[i] for i < batch (beta 0), float32; offsets,
 * leading dimensions and strides in elements. */
typedef struct rt_gemm {
    size_t m, n, k, batch;
    cl_mem a, b, c;
    size_t a_offset, lda, a_stride;
    size_t b_offset, ldb, b_stride;
    size_t c_offset, ldc, c_stride;
} rt_gemm;

/* The sizes of a GEMM, without its buffers: what a backend picks its
 * tuner's candidates for. */
typedef struct rt_gemm_shape {
    size_t m, n, k, batch;
} rt_gemm_shape;

enum { RT_GEMM_MAX_PARAMS = 16 }; /* a backend's tunable SGEMM parameters, at most */

/* A backend's SGEMM tile: its tunable parameters in its own order (its
 * rt_gemm_space's names), read only by the backend's .c file. */
typedef struct rt_sgemm_tile {
    int params[RT_GEMM_MAX_PARAMS];
} rt_sgemm_tile;

/* A backend's tunable SGEMM parameters: what the tuner times, the
 * performance database keys and --params names, for every algorithm whose
 * main stage is the backend's SGEMM (conv/gemm_stage.h). */
typedef struct rt_gemm_space {
    /* The database key: a kernel under cl/ (its source is part of the key),
     * or NULL for a library's kernel; method, when not NULL, is added to the
     * algorithm's method string (a library's version: CLBlast's), and must
     * be set by a backend that shares its kernel_file with another. */
    const char *kernel_file, *method;
    int count;                             /* parameters, <= RT_GEMM_MAX_PARAMS */
    const char *names[RT_GEMM_MAX_PARAMS]; /* "vec=16 mr=8 ..." in this order */
    const char *valid_values;              /* what valid() accepts, for messages */
    /* The rule used when nothing is tuned, from device queries alone (d
     * never NULL: a device without vectors when unknown). */
    void (*defaults)(const clconv_device_info *d, int *params);
    /* The points a tuner times for a GEMM of this shape on d (the default
     * is timed anyway): fills at most max, returns how many. */
    int (*candidates)(const clconv_device_info *d, const rt_gemm_shape *shape,
                      int (*out)[RT_GEMM_MAX_PARAMS], int max);
    /* 1 when sgemm can run with params (a database entry is checked with it). */
    int (*valid)(const int *params);
    /* The share of the multiply-adds sgemm executes with params that a GEMM
     * of this shape needs (whole register tiles past its edges, a scalar
     * path for a narrow one); NULL: all of them. For the automatic choice. */
    double (*useful_share)(const int *params, const rt_gemm_shape *shape);
    /* Rewrites params as what will run on ctx's device, so the plan's
     * params show it (CLBlast's own set for all 0); NULL: as they are. */
    clconv_status (*in_force)(clconv_context *ctx, int *params);
} rt_gemm_space;

typedef struct rt_gemm_backend {
    const char *name; /* clconv_gemm_backend_name */
    const rt_gemm_space *space; /* its SGEMM's tile */
    /* Enqueues g. tile: NULL for the space's defaults on ctx's device. event
     * may be NULL; a backend that enqueues several commands returns the
     * last one's. */
    clconv_status (*sgemm)(clconv_context *ctx, const rt_gemm *g, const rt_sgemm_tile *tile,
                           cl_event *event);
    /* Compiles what sgemm needs for g's shape and tile, running nothing.
     * NULL for a backend that compiles only inside a call (CLBlast): a
     * caller that must not compile while timed then runs one call first. */
    clconv_status (*sgemm_prepare)(clconv_context *ctx, const rt_gemm *g,
                                   const rt_sgemm_tile *tile, rt_build_stats *stats);
    /* Row-major complex C[i] = A[i] * B[i] for i < batch, with A m x k, B
     * k x n, C m x n (interleaved float2; sizes and strides in complex
     * elements). NULL: this backend has none (see rt_cgemm_backend_get). */
    clconv_status (*cgemm)(clconv_context *ctx, const rt_gemm *g, cl_event *event);
    /* Compiles what cgemm needs on this device, running nothing; NULL as
     * sgemm_prepare. */
    clconv_status (*cgemm_prepare)(clconv_context *ctx, rt_build_stats *stats);
} rt_gemm_backend;

/* The backend for `asked` on device d (DEFAULT resolved for the device);
 * NULL for a value out of range. */
const rt_gemm_backend *rt_gemm_backend_get(clconv_gemm_backend asked,
                                           const clconv_device_info *d,
                                           clconv_gemm_backend *resolved);

/* The backend that runs the complex GEMM for `asked`: itself when it has a
 * cgemm, else CLBlast (the one that always has). NULL as above. */
const rt_gemm_backend *rt_cgemm_backend_get(clconv_gemm_backend asked,
                                            const clconv_device_info *d,
                                            clconv_gemm_backend *resolved);

#endif
