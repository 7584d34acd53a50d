/* The clFFT backend (runtime/fft.h). clFFT's global setup is shared by the
 * whole process: reference-counted under a lock, torn down with the last
 * transform. */
#define _POSIX_C_SOURCE 200809L
#include "runtime/fft.h"

#include <clFFT.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rt_fft {
    clfftPlanHandle handle;
    int has_handle; /* handles are counters: 0 is a valid one */
    int inverse;
};

static pthread_mutex_t setup_lock = PTHREAD_MUTEX_INITIALIZER;
static int setup_count;

static const char *status_name(int status)
{
    switch (status) {
    case CLFFT_BUGCHECK: return "CLFFT_BUGCHECK";
    case CLFFT_NOTIMPLEMENTED: return "CLFFT_NOTIMPLEMENTED";
    case CLFFT_TRANSPOSED_NOTIMPLEMENTED: return "CLFFT_TRANSPOSED_NOTIMPLEMENTED";
    case CLFFT_FILE_NOT_FOUND: return "CLFFT_FILE_NOT_FOUND";
    case CLFFT_FILE_CREATE_FAILURE: return "CLFFT_FILE_CREATE_FAILURE";
    case CLFFT_VERSION_MISMATCH: return "CLFFT_VERSION_MISMATCH";
    case CLFFT_INVALID_PLAN: return "CLFFT_INVALID_PLAN";
    case CLFFT_DEVICE_NO_DOUBLE: return "CLFFT_DEVICE_NO_DOUBLE";
    case CLFFT_DEVICE_MISMATCH: return "CLFFT_DEVICE_MISMATCH";
    default: break;
    }
    /* the rest are OpenCL's codes under clFFT's prefix */
    static _Thread_local char name[80];
    const char *cl = rt_cl_error_name(status);
    snprintf(name, sizeof name, "CLFFT_%s", strncmp(cl, "CL_", 3) == 0 ? cl + 3 : cl);
    return name;
}

static clconv_status clfft_fail(clconv_context *ctx, clfftStatus st, const char *call,
                                const char *detail)
{
    clconv_status status = CLCONV_ERR_OPENCL;
    if (st == CLFFT_MEM_OBJECT_ALLOCATION_FAILURE || st == CLFFT_OUT_OF_RESOURCES ||
        st == CLFFT_OUT_OF_HOST_MEMORY)
        status = CLCONV_ERR_OUT_OF_MEMORY;
    else if (st == CLFFT_NOTIMPLEMENTED || st == CLFFT_TRANSPOSED_NOTIMPLEMENTED)
        status = CLCONV_ERR_UNSUPPORTED;
    return rt_fail(ctx, status, "%s(%s) failed: %s", call, detail, status_name(st));
}

/* clFFT keeps the binaries of the kernels it generates only where
 * CLFFT_CACHE_PATH points, read once by clfftSetup; unset, every process
 * compiles them again (half a second per plan warm, seconds cold). Unless the
 * user set it, point it into the context's cache directory, or clear what
 * clconv set when this context has no disk cache. clFFT's setup is
 * process-wide: the context that sets it up decides for every context until
 * the last transform is gone. Read in clFFT 2.12's fft_binary_lookup.cpp: a
 * file whose size disagrees with its header (a writer that died) is ignored
 * and the kernel compiled from source, every time, as clFFT never rewrites an
 * existing file; concurrent writers are safe (one creates the file
 * exclusively). Called under setup_lock. */
static void point_clfft_cache(const clconv_context *ctx)
{
    static int set_by_clconv;
    const char *now = getenv("CLFFT_CACHE_PATH");
    if (now && !set_by_clconv)
        return;
    char dir[4096];
    if (ctx->cache_dir &&
        snprintf(dir, sizeof dir, "%s/clfft", ctx->cache_dir) < (int)sizeof dir &&
        rt_mkdir_p(dir) == 0) {
        /* setenv may move the environment under another thread's getenv
         * (PoCL's workers call it for every command): only when it changes,
         * which is once in a process with one cache directory, not at every
         * setup after the last transform of the one before went away */
        if (!now || strcmp(now, dir) != 0)
            set_by_clconv = setenv("CLFFT_CACHE_PATH", dir, 1) == 0;
    } else if (set_by_clconv) {
        unsetenv("CLFFT_CACHE_PATH");
        set_by_clconv = 0;
    }
}

static clconv_status setup_acquire(clconv_context *ctx)
{
    pthread_mutex_lock(&setup_lock);
    clfftStatus st = CLFFT_SUCCESS;
    if (setup_count == 0) {
        point_clfft_cache(ctx);
        /* What clfftInitSetupData does: clFFT.h defines it `__inline`
         * without `static`, so an unoptimised (-O0) build finds no symbol. */
        clfftSetupData data = {.major = clfftVersionMajor, .minor = clfftVersionMinor,
                               .patch = clfftVersionPatch, .debugFlags = 0};
        st = clfftSetup(&data);
    }
    if (st == CLFFT_SUCCESS)
        setup_count++;
    pthread_mutex_unlock(&setup_lock);
    return st == CLFFT_SUCCESS ? CLCONV_SUCCESS : clfft_fail(ctx, st, "clfftSetup", "");
}

static void setup_release(void)
{
    pthread_mutex_lock(&setup_lock);
    if (--setup_count == 0)
        clfftTeardown();
    pthread_mutex_unlock(&setup_lock);
}

static int size_ok(size_t n)
{
    return rt_fft_smooth(n, 13);
}

/* Predicted cost per element along one dimension: the FFT's passes, each
 * dearer for a larger radix (clFFT's radix-2..5 kernels are its fastest),
 * plus the stages that only scale with the size (pad, cmac, crop). */
static double predicted_cost(size_t n)
{
    static const struct { size_t radix; double cost; } passes[] = {
        {2, 1.0}, {3, 1.6}, {5, 2.3}, {7, 3.2}, {11, 4.5}, {13, 5.0}};
    double per_element = 6.0;
    for (size_t i = 0; i < sizeof passes / sizeof passes[0]; i++)
        while (n % passes[i].radix == 0) {
            n /= passes[i].radix;
            per_element += passes[i].cost;
        }
    return per_element;
}

static size_t choose_size(size_t min)
{
    size_t best = 0;
    double best_cost = 0.0;
    if (min < 1)
        min = 1;
    for (size_t n = min; n <= 2 * min + 2; n++) {
        if (!size_ok(n))
            continue;
        double cost = (double)n * predicted_cost(n);
        if (!best || cost < best_cost) {
            best = n;
            best_cost = cost;
        }
    }
    return best; /* a power of two lies in [min, 2*min]: never 0 */
}

/* clFFT tells its scratch only once the plan is baked (none for the sizes
 * clconv asks for, in practice): create reports it. */
static size_t scratch_size(const rt_fft_desc *desc)
{
    (void)desc;
    return 0;
}

static void destroy(rt_fft *f)
{
    if (!f)
        return;
    if (f->has_handle)
        clfftDestroyPlan(&f->handle);
    free(f);
    setup_release();
}

static clconv_status create(clconv_context *ctx, const rt_fft_desc *desc, rt_fft **out,
                            size_t *scratch_bytes, double *build_ms)
{
    *out = NULL;
    *scratch_bytes = 0;
    *build_ms = 0.0;
    rt_fft *f = calloc(1, sizeof *f);
    if (!f)
        return rt_fail(ctx, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory");
    clconv_status st = setup_acquire(ctx);
    if (st) {
        free(f);
        return st;
    }
    const size_t ph = desc->ph, pw = desc->pw, planes = desc->planes;
    const int inverse = desc->inverse, planar = desc->layout == RT_SPECTRA_PLANE_MAJOR;
    f->inverse = inverse;
    char detail[160];
    snprintf(detail, sizeof detail, "%s %zu x %zu, %zu planes, %s", inverse ? "C2R" : "R2C", ph,
             pw, planes, planar ? "planar plane-major" : "interleaved frequency-major");
    size_t fw = pw / 2 + 1;
    size_t lengths[2] = {pw, ph}; /* clFFT: the fastest dimension first */
    size_t real_strides[2] = {1, pw}, real_dist = ph * pw;
    size_t spec_strides[2], spec_dist;
    if (planar) {
        spec_strides[0] = 1, spec_strides[1] = fw, spec_dist = desc->plane_pitch;
    } else {
        spec_strides[0] = planes, spec_strides[1] = fw * planes, spec_dist = 1;
    }
    clfftLayout spec_layout = planar ? CLFFT_HERMITIAN_PLANAR : CLFFT_HERMITIAN_INTERLEAVED;
    cl_command_queue q = ctx->queue;
    const char *call = "clfftCreateDefaultPlan";
    clfftStatus s = clfftCreateDefaultPlan(&f->handle, ctx->cl_ctx, CLFFT_2D, lengths);
    f->has_handle = s == CLFFT_SUCCESS;
    if (s == CLFFT_SUCCESS && (call = "clfftSetPlanPrecision", 1))
        s = clfftSetPlanPrecision(f->handle, CLFFT_SINGLE);
    if (s == CLFFT_SUCCESS && (call = "clfftSetLayout", 1))
        s = inverse ? clfftSetLayout(f->handle, spec_layout, CLFFT_REAL)
                    : clfftSetLayout(f->handle, CLFFT_REAL, spec_layout);
    if (s == CLFFT_SUCCESS && (call = "clfftSetResultLocation", 1))
        s = clfftSetResultLocation(f->handle, CLFFT_OUTOFPLACE);
    if (s == CLFFT_SUCCESS && (call = "clfftSetPlanInStride", 1))
        s = clfftSetPlanInStride(f->handle, CLFFT_2D, inverse ? spec_strides : real_strides);
    if (s == CLFFT_SUCCESS && (call = "clfftSetPlanOutStride", 1))
        s = clfftSetPlanOutStride(f->handle, CLFFT_2D, inverse ? real_strides : spec_strides);
    if (s == CLFFT_SUCCESS && (call = "clfftSetPlanDistance", 1))
        s = inverse ? clfftSetPlanDistance(f->handle, spec_dist, real_dist)
                    : clfftSetPlanDistance(f->handle, real_dist, spec_dist);
    if (s == CLFFT_SUCCESS && (call = "clfftSetPlanBatchSize", 1))
        s = clfftSetPlanBatchSize(f->handle, planes);
    if (s == CLFFT_SUCCESS && (call = "clfftSetPlanScale", 1))
        s = clfftSetPlanScale(f->handle, CLFFT_BACKWARD, 1.0f); /* the caller scales */
    if (s == CLFFT_SUCCESS && (call = "clfftBakePlan", 1)) {
        double t0 = rt_now_ms();
        int quiet = rt_quiet_begin(ctx, NULL); /* every new plan compiles */
        s = clfftBakePlan(f->handle, 1, &q, NULL, NULL);
        rt_quiet_end(ctx, NULL, quiet, s != CLFFT_SUCCESS);
        *build_ms = rt_now_ms() - t0;
    }
    if (s == CLFFT_SUCCESS && (call = "clfftGetTmpBufSize", 1))
        s = clfftGetTmpBufSize(f->handle, scratch_bytes);
    if (s != CLFFT_SUCCESS) {
        st = clfft_fail(ctx, s, call, detail);
        destroy(f);
        return st;
    }
    *out = f;
    return CLCONV_SUCCESS;
}

static clconv_status enqueue(clconv_context *ctx, rt_fft *f, cl_mem real, cl_mem spec_re,
                             cl_mem spec_im, cl_mem scratch, cl_event *event)
{
    cl_mem spec[2] = {spec_re, spec_im};
    cl_mem *in = f->inverse ? spec : &real, *outb = f->inverse ? &real : spec;
    cl_command_queue q = ctx->queue;
    clfftStatus s = clfftEnqueueTransform(f->handle, f->inverse ? CLFFT_BACKWARD : CLFFT_FORWARD,
                                          1, &q, 0, NULL, event, in, outb, scratch);
    if (s != CLFFT_SUCCESS)
        return clfft_fail(ctx, s, "clfftEnqueueTransform", f->inverse ? "C2R" : "R2C");
    return CLCONV_SUCCESS;
}

const rt_fft_backend rt_fft_clfft = {
    .name = "clfft",
    .flops_per_byte = 0.13, /* 2-3 GFLOP/s against a 18-21 GB/s copy, PoCL (README) */
    .size_ok = size_ok,
    .choose_size = choose_size,
    .scratch_bytes = scratch_size,
    .create = create,
    .enqueue = enqueue,
    .destroy = destroy,
};
