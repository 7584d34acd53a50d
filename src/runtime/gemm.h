/* Runtime layer (internal): the GEMMs several layers share (the im2col and
 * FFT algorithms, the peaks' SGEMM rate), behind one table of backends
 * chosen per plan (clconv_plan_options.gemm_backend). A backend is one file
 * and one line in gemm_backends.c: clconv's own kernels (gemm_clconv.c,
 * cl/gemm/sgemm.cl and cgemm.cl) or CLBlast (gemm_clblast.c). */
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

/* CLBlast's Xgemm kernel parameters (CLBlast 1.5), in the order its
 * tuning database lists them: the one list clconv reads their names from. */
#define RT_XGEMM_PARAM_NAMES                                                                    \
    "GEMMK", "KREG", "KWG", "KWI", "MDIMA", "MDIMC", "MWG", "NDIMB", "NDIMC", "NWG", "SA", "SB", \
        "STRM", "STRN", "VWM", "VWN"
enum { RT_XGEMM_PARAMS = 16 };

/* A backend's tile. clconv's SGEMM kernel (cl/gemm/sgemm.cl): a work-item
 * computes mr rows x (nv * vec) columns of C, holding mr * nv vectors of
 * vec floats; its work-group shares each kc steps of k (a barrier between:
 * see the kernel; 0 for none). vec in {1, 2, 4, 8, 16}, mr 1..12, nv 1..8,
 * kc 0..4096. CLBlast: xgemm, its Xgemm parameters in RT_XGEMM_PARAM_NAMES
 * order, all 0 for CLBlast's own choice for the device. */
typedef struct rt_sgemm_tile {
    int vec, mr, nv, kc;
    int xgemm[RT_XGEMM_PARAMS];
} rt_sgemm_tile;

/* The tile for device d from its queries alone (its preferred float width,
 * or $CLCONV_VECTOR_WIDTH): the starting point a tuner times against. */
rt_sgemm_tile rt_sgemm_tile_default(const clconv_device_info *d);
/* 1 when the kernel can be built with t (the ranges above). */
int rt_sgemm_tile_valid(const rt_sgemm_tile *t);

/* 1 when v (RT_XGEMM_PARAM_NAMES order) are Xgemm parameters CLBlast can
 * build: all 0, or within its tuner's ranges and divisibility rules. */
int rt_xgemm_params_valid(const int *v);
/* CLBlast's own Xgemm parameters for ctx's device (its database's entry,
 * whatever clconv overrode since). */
clconv_status rt_xgemm_params_own(clconv_context *ctx, int *v);

typedef struct rt_gemm_backend {
    const char *name; /* clconv_gemm_backend_name */
    /* Enqueues g. tile: NULL for the default (backends without tiles ignore
     * it). event may be NULL; a backend that enqueues several commands
     * returns the last one's. */
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
