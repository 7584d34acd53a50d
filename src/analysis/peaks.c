/* Device peaks measured by clconv itself, with kernels written the way the
 * device runs fastest (explicit vectors at its preferred width), so that
 * efficiencies computed against them are not off by the 10x that naive
 * kernels lose on CPUs such as PoCL. Cached per device and driver in the
 * program cache's directory. */
#include "analysis/peaks.h"
#include "runtime/gemm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bumped when the way a peak is measured changes, so old entries are not read. */
#define PEAKS_METHOD "clconv-peaks 6: copy_stream best of 6; fma_chains 12 MAD chains, local " \
                     "size 64, checked, best of 5; SGEMM n<=1024 best of 3 with the default " \
                     "GEMM backend"


/* Something timed by best_of: enqueues one run, returning the events that
 * open and close it (the same event for a single kernel). */
typedef clconv_status (*peak_run)(clconv_context *ctx, void *arg, cl_event *first,
                                  cl_event *last);

/* Times `runs` runs into ms[]: device timestamps where they are real, else
 * host wall time around the run. */
static clconv_status run_times(clconv_context *ctx, peak_run run, void *arg, int runs,
                               double *ms)
{
    for (int r = 0; r < runs; r++) {
        cl_event first = NULL, last = NULL;
        double t0 = rt_now_ms();
        clconv_status st = run(ctx, arg, &first, &last);
        cl_int err = st ? CL_SUCCESS : clFinish(ctx->queue);
        ms[r] = ctx->device_timing ? rt_event_span_ms(ctx, first, last) : rt_now_ms() - t0;
        if (first && first != last)
            clReleaseEvent(first);
        if (last)
            clReleaseEvent(last);
        if (st)
            return st;
        if (err != CL_SUCCESS)
            return rt_cl_fail(ctx, err, "clFinish", "timing a device peak");
    }
    return CLCONV_SUCCESS;
}

/* Best of `runs` (at most 8): the peak the device can reach, not its average. */
static clconv_status best_of(clconv_context *ctx, peak_run run, void *arg, int runs,
                             double *best_ms)
{
    double ms[8];
    *best_ms = 0.0;
    clconv_status st = run_times(ctx, run, arg, runs, ms);
    for (int r = 0; r < runs && !st; r++)
        if (ms[r] > 0 && (*best_ms == 0.0 || ms[r] < *best_ms))
            *best_ms = ms[r];
    return st;
}

static clconv_status buffer(clconv_context *ctx, size_t bytes, const char *what, cl_mem *out)
{
    clconv_status st = rt_buffer_create(ctx, bytes, what, out);
    if (st)
        return st;
    return rt_buffer_fill(ctx, *out, bytes, 1.0f, what);
}

typedef struct kernel_run {
    cl_kernel kernel;
    size_t global, local; /* local 0: the implementation chooses */
    const char *name;
} kernel_run;

static clconv_status enqueue_kernel(clconv_context *ctx, void *arg, cl_event *first,
                                    cl_event *last)
{
    kernel_run *k = arg;
    cl_int err = clEnqueueNDRangeKernel(ctx->queue, k->kernel, 1, NULL, &k->global,
                                        k->local ? &k->local : NULL, 0, NULL, last);
    *first = *last;
    return err ? rt_cl_fail(ctx, err, "clEnqueueNDRangeKernel", "%s, %zu work-items", k->name,
                            k->global)
               : CLCONV_SUCCESS;
}

static clconv_status peaks_kernel(clconv_context *ctx, const char *name, cl_kernel *out)
{
    char options[32];
    snprintf(options, sizeof options, "-DVEC=%d", rt_vector_width(&ctx->info, 16));
    cl_program prog;
    clconv_status st = rt_program_get(ctx, "peaks/peaks.cl", options, &prog, NULL);
    return st ? st : rt_kernel_create(ctx, prog, name, out);
}

/* Bytes per buffer: far beyond any cache, within the device's allocation
 * limit, and small enough for a quick run. */
static size_t stream_bytes(const clconv_device_info *d)
{
    size_t bytes = (size_t)256 << 20;
    if (bytes > d->max_alloc_bytes / 2)
        bytes = (size_t)(d->max_alloc_bytes / 2);
    if (bytes > d->global_mem_bytes / 4)
        bytes = (size_t)(d->global_mem_bytes / 4);
    return bytes - bytes % (64 * sizeof(float));
}

static clconv_status measure_bandwidth(clconv_context *ctx, double *gbs)
{
    size_t bytes = stream_bytes(&ctx->info);
    kernel_run k = {NULL, bytes / (sizeof(float) * (size_t)rt_vector_width(&ctx->info, 16)), 0,
                    "copy_stream"};
    cl_mem src = NULL, dst = NULL;
    double ms = 0.0;
    clconv_status st = peaks_kernel(ctx, "copy_stream", &k.kernel);
    if (!st && !(st = buffer(ctx, bytes, "the bandwidth test", &src)) &&
        !(st = buffer(ctx, bytes, "the bandwidth test", &dst))) {
        cl_int err = clSetKernelArg(k.kernel, 0, sizeof src, &src);
        if (err == CL_SUCCESS)
            err = clSetKernelArg(k.kernel, 1, sizeof dst, &dst);
        if (err != CL_SUCCESS)
            st = rt_cl_fail(ctx, err, "clSetKernelArg", "copy_stream");
    }
    if (!st)
        st = best_of(ctx, enqueue_kernel, &k, 6, &ms);
    /* bytes read plus bytes written, as the roofline counts them */
    *gbs = !st && ms > 0 ? 2.0 * (double)bytes / (ms * 1e6) : NAN;
    if (src)
        clReleaseMemObject(src);
    if (dst)
        clReleaseMemObject(dst);
    if (k.kernel)
        clReleaseKernel(k.kernel);
    return st;
}

/* What work-item `id` of fma_chains stores in its first lane, computed on
 * the host: proof that the device did every multiply-add it is credited
 * with. With a = 1 and b = 2^-10 each step adds exactly b (x stays below
 * 2^13, where a float still holds 2^-10), so the result counts the steps:
 * a device or compiler that skipped some would be off by thousands of b. */
float peaks_fma_expected(size_t id, float a, float b, int iters)
{
    float x[PEAKS_FMA_CHAINS];
    for (int c = 0; c < PEAKS_FMA_CHAINS; c++)
        x[c] = (float)(id % 64) * 0.015625f + (float)c;
    for (int i = 0; i < iters * 4; i++)
        for (int c = 0; c < PEAKS_FMA_CHAINS; c++)
            x[c] = x[c] * a + b;
    return (((x[0] + x[1]) + (x[2] + x[3])) + ((x[4] + x[5]) + (x[6] + x[7]))) +
           ((x[8] + x[9]) + (x[10] + x[11]));
}

static clconv_status check_fma(clconv_context *ctx, cl_mem out, int vec, float a, float b,
                               cl_int iters)
{
    const size_t ids[] = {0, 1, 37};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        float got;
        cl_int err = clEnqueueReadBuffer(ctx->queue, out, CL_TRUE,
                                         ids[i] * (size_t)vec * sizeof(float), sizeof got, &got,
                                         0, NULL, NULL);
        if (err != CL_SUCCESS)
            return rt_cl_fail(ctx, err, "clEnqueueReadBuffer", "FMA test result");
        float want = peaks_fma_expected(ids[i], a, b, iters);
        /* exact steps; only the final sum of the chains may round */
        if (!(fabsf(got - want) <= 1e-6f * fabsf(want)))
            return rt_fail(ctx, CLCONV_ERR_OPENCL,
                           "the FMA peak kernel computed %.9g for work-item %zu, the host %.9g: "
                           "its rate would not be a peak", got, ids[i], want);
    }
    return CLCONV_SUCCESS;
}

static clconv_status measure_fma(clconv_context *ctx, double *gflops)
{
    const int vec = rt_vector_width(&ctx->info, 16), fmas_per_step = PEAKS_FMA_CHAINS * 4;
    /* Enough work-items to fill every compute unit of a GPU several times;
     * on a CPU they are just more work-groups for its threads. An explicit
     * local size: PoCL's own choice for a NULL one measured 15% lower. */
    size_t local = 64; /* a power of two, so it divides the global size */
    while (local > 1 && local > ctx->info.max_work_group_size)
        local /= 2;
    kernel_run k = {NULL, (size_t)(ctx->info.compute_units ? ctx->info.compute_units : 1) * 2048,
                    local, "fma_chains"};
    cl_mem out = NULL;
    clconv_status st = peaks_kernel(ctx, "fma_chains", &k.kernel);
    if (!st)
        st = buffer(ctx, k.global * (size_t)vec * sizeof(float), "the FMA test", &out);
    const float a = 1.0f, b = 1.0f / 1024.0f; /* see peaks_fma_expected */
    cl_int iters = 16, err = CL_SUCCESS;
    double ms = 0.0;
    /* Calibrate the chain length so that a run takes about 50 ms: long enough
     * that launch overhead is noise, short enough to stay quick. */
    for (int pass = 0; pass < 2 && !st; pass++) {
        if (!(err = clSetKernelArg(k.kernel, 0, sizeof out, &out)) &&
            !(err = clSetKernelArg(k.kernel, 1, sizeof a, &a)) &&
            !(err = clSetKernelArg(k.kernel, 2, sizeof b, &b)))
            err = clSetKernelArg(k.kernel, 3, sizeof iters, &iters);
        if (err) {
            st = rt_cl_fail(ctx, err, "clSetKernelArg", "fma_chains");
            break;
        }
        st = best_of(ctx, enqueue_kernel, &k, pass ? 5 : 1, &ms);
        if (!st && pass == 0) {
            double scale = ms > 0 ? 50.0 / ms : 64.0;
            double want = (double)iters * (scale > 64.0 ? 64.0 : scale);
            /* at most 2^20 steps of 4: x stays below 2^13 (peaks_fma_expected) */
            iters = want < 16 ? 16 : want > (1 << 20) ? (1 << 20) : (cl_int)want;
        }
    }
    if (!st)
        st = check_fma(ctx, out, vec, a, b, iters);
    *gflops = !st && ms > 0
                  ? 2.0 * fmas_per_step * vec * (double)iters * (double)k.global / (ms * 1e6)
                  : NAN;
    if (out)
        clReleaseMemObject(out);
    if (k.kernel)
        clReleaseKernel(k.kernel);
    return st;
}

typedef struct gemm_run {
    rt_gemm g;
    const rt_gemm_backend *backend;
} gemm_run;

/* A backend may return only its last kernel's event (CLBlast): a marker
 * opens the span. */
static clconv_status enqueue_gemm(clconv_context *ctx, void *arg, cl_event *first, cl_event *last)
{
    gemm_run *r = arg;
    cl_int err = clEnqueueMarkerWithWaitList(ctx->queue, 0, NULL, first);
    if (err != CL_SUCCESS)
        return rt_cl_fail(ctx, err, "clEnqueueMarkerWithWaitList", "SGEMM peak");
    return r->backend->sgemm(ctx, &r->g, NULL, last);
}

/* The default GEMM backend's name on ctx's device: what the SGEMM peak
 * measures. */
static const char *default_gemm_name(clconv_context *ctx)
{
    clconv_gemm_backend b;
    rt_gemm_backend_get(CLCONV_GEMM_BACKEND_DEFAULT, &ctx->info, &b);
    return clconv_gemm_backend_name(b);
}

static clconv_status measure_gemm(clconv_context *ctx, double *gflops)
{
    size_t n = 1024;
    while (n > 64 && n * n * sizeof(float) > ctx->info.max_alloc_bytes / 4)
        n /= 2;
    gemm_run r = {{.m = n, .n = n, .k = n, .batch = 1, .lda = n, .ldb = n, .ldc = n},
                  rt_gemm_backend_get(CLCONV_GEMM_BACKEND_DEFAULT, &ctx->info, NULL)};
    double ms = 0.0;
    clconv_status st = buffer(ctx, n * n * sizeof(float), "the SGEMM test", &r.g.a);
    if (!st)
        st = buffer(ctx, n * n * sizeof(float), "the SGEMM test", &r.g.b);
    if (!st)
        st = buffer(ctx, n * n * sizeof(float), "the SGEMM test", &r.g.c);
    if (!st) /* the first call compiles the backend's kernels: not timed */
        st = best_of(ctx, enqueue_gemm, &r, 1, &ms);
    if (!st)
        st = best_of(ctx, enqueue_gemm, &r, 3, &ms);
    *gflops = !st && ms > 0 ? 2.0 * (double)n * n * n / (ms * 1e6) : NAN;
    cl_mem all[] = {r.g.a, r.g.b, r.g.c};
    for (int i = 0; i < 3; i++)
        if (all[i])
            clReleaseMemObject(all[i]);
    return st;
}

clconv_status clconv_measure_gemm(clconv_context *ctx, size_t m, size_t n, size_t k,
                                 size_t batch, int runs, double *gflops)
{
    return clconv_measure_gemm_with_backend(ctx, CLCONV_GEMM_BACKEND_DEFAULT, m, n, k, batch,
                                            runs, gflops);
}

clconv_status clconv_measure_gemm_with_backend(clconv_context *ctx, clconv_gemm_backend backend,
                                               size_t m, size_t n, size_t k, size_t batch,
                                               int runs, double *gflops)
{
    if (gflops)
        *gflops = NAN;
    const rt_gemm_backend *be = ctx ? rt_gemm_backend_get(backend, &ctx->info, NULL) : NULL;
    if (ctx && !be)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "clconv_measure_gemm: backend = %d: must be "
                       "0..%d", (int)backend, CLCONV_GEMM_BACKEND_COUNT - 1);
    if (!ctx || !gflops || !m || !n || !k || !batch || runs < 1)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                       "clconv_measure_gemm: M=%zu N=%zu K=%zu batch=%zu runs=%d: each must be "
                       ">= 1 (and ctx, gflops not NULL)", m, n, k, batch, runs);
    /* each buffer's size must fit a size_t with room to spare */
    if ((double)m * k > 0x1p60 || (double)k * n * batch > 0x1p60 || (double)m * n * batch > 0x1p60)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                       "clconv_measure_gemm: M=%zu N=%zu K=%zu batch=%zu: too large", m, n, k,
                       batch);
    gemm_run r = {{.m = m, .n = n, .k = k, .batch = batch, .lda = k, .a_stride = 0, .ldb = n,
                   .b_stride = k * n, .ldc = n, .c_stride = m * n}, be};
    double *ms = malloc((size_t)runs * sizeof *ms);
    if (!ms)
        return rt_fail(ctx, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory for %d GEMM timings",
                       runs);
    clconv_status st = buffer(ctx, m * k * sizeof(float), "the GEMM rate test", &r.g.a);
    if (!st)
        st = buffer(ctx, k * n * batch * sizeof(float), "the GEMM rate test", &r.g.b);
    if (!st)
        st = rt_buffer_create(ctx, m * n * batch * sizeof(float), "the GEMM rate test", &r.g.c);
    if (!st) /* the first call compiles the backend's kernels: not timed */
        st = run_times(ctx, enqueue_gemm, &r, 1, ms);
    if (!st)
        st = run_times(ctx, enqueue_gemm, &r, runs, ms);
    int timed = 0;
    for (int i = 0; !st && i < runs; i++)
        if (ms[i] > 0)
            ms[timed++] = ms[i];
    if (timed)
        *gflops = 2.0 * (double)m * n * k * batch / (rt_median(ms, timed) * 1e6);
    free(ms);
    cl_mem all[] = {r.g.a, r.g.b, r.g.c};
    for (int i = 0; i < 3; i++)
        if (all[i])
            clReleaseMemObject(all[i]);
    return st;
}

/* ---- cache: one small text entry per device, driver and method ---- */

static void peaks_key(clconv_context *ctx, char *key, size_t size)
{
    const char *src;
    size_t len;
    char *owned;
    uint64_t h = RT_FNV_SEED;
    if (rt_kernel_source(ctx, "peaks/peaks.cl", &src, &len, &owned) == CLCONV_SUCCESS)
        h = rt_fnv1a(src, len, h);
    free(owned);
    /* the SGEMM rate is the default backend's: its kernel is part of the key */
    const char *gemm = default_gemm_name(ctx);
    if (strcmp(gemm, "clconv") == 0 &&
        rt_kernel_source(ctx, "gemm/sgemm.cl", &src, &len, &owned) == CLCONV_SUCCESS) {
        h = rt_fnv1a(src, len, h);
        free(owned);
    }
    rt_clear_error(ctx);
    /* build options and the vector width change the code measured
     * (-cl-opt-disable for a simulator, CLCONV_VECTOR_WIDTH) */
    const char *extra = getenv("CLCONV_BUILD_OPTIONS");
    snprintf(key, size,
             "%s\ngemm-backend=%s\nkernels-fnv1a=%016llx\nbuild-options=%s\nvector-width=%d\n"
             "platform=%s\nplatform-version=%s\ndevice=%s\ndriver=%s\ndevice-version=%s\n"
             "timing=%s\n",
             PEAKS_METHOD, gemm, (unsigned long long)h, extra ? extra : "",
             rt_vector_width(&ctx->info, 16), ctx->info.platform_name,
             ctx->info.platform_version, ctx->info.name, ctx->info.driver_version,
             ctx->info.version, ctx->device_timing ? "device" : "host");
}

static void peaks_path(clconv_context *ctx, const char *key, char *path, size_t size)
{
    snprintf(path, size, "%s/peaks-%016llx.txt", ctx->cache_dir,
             (unsigned long long)rt_fnv1a(key, strlen(key), RT_FNV_SEED));
}

static int peaks_load(clconv_context *ctx, const char *key, clconv_peaks *p)
{
    char path[4200];
    size_t size;
    peaks_path(ctx, key, path, sizeof path);
    unsigned char *text = rt_cache_load(path, key, &size);
    if (!text)
        return 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%.*s", (int)(size < sizeof buf ? size : sizeof buf - 1),
             (const char *)text);
    free(text);
    int ok = sscanf(buf, "bandwidth_gbs=%lf gflops=%lf gemm_gflops=%lf", &p->bandwidth_gbs,
                    &p->gflops, &p->gemm_gflops) == 3 &&
             p->bandwidth_gbs > 0 && p->gflops > 0; /* gemm may be NaN: the GEMM failed */
    return ok;
}

static void peaks_store(clconv_context *ctx, const char *key, const clconv_peaks *p)
{
    char path[4200], text[256];
    peaks_path(ctx, key, path, sizeof path);
    int n = snprintf(text, sizeof text, "bandwidth_gbs=%.17g gflops=%.17g gemm_gflops=%.17g\n",
                     p->bandwidth_gbs, p->gflops, p->gemm_gflops);
    rt_cache_store(ctx, path, key, (const unsigned char *)text, (size_t)n);
}

clconv_status clconv_measure_peaks(clconv_context *ctx, unsigned flags, clconv_peaks *peaks)
{
    if (!ctx || !peaks)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "measure_peaks: %s is NULL",
                       ctx ? "peaks" : "context");
    memset(peaks, 0, sizeof *peaks);
    peaks->bandwidth_gbs = peaks->gflops = peaks->gemm_gflops = NAN;
    peaks->time_source = ctx->device_timing ? "device" : "host";
    peaks->gemm_backend = default_gemm_name(ctx);
    rt_clear_error(ctx);
    char key[2048];
    peaks_key(ctx, key, sizeof key);
    if (ctx->cache_dir && !(flags & CLCONV_PEAKS_REMEASURE) && peaks_load(ctx, key, peaks)) {
        peaks->from_cache = 1;
        return CLCONV_SUCCESS;
    }
    if (!ctx->cache_dir && !(flags & CLCONV_PEAKS_REMEASURE) && ctx->held_peaks_valid) {
        *peaks = ctx->held_peaks;
        peaks->from_cache = 1;
        peaks->measure_ms = 0.0;
        return CLCONV_SUCCESS;
    }
    double t0 = rt_now_ms();
    clconv_status st = measure_bandwidth(ctx, &peaks->bandwidth_gbs);
    if (!st)
        st = measure_fma(ctx, &peaks->gflops);
    if (st)
        return st;
    /* A device the GEMM backend cannot run on still has a roofline: the
     * SGEMM rate is reported missing (NaN), with the reason left in
     * last_error. */
    if (measure_gemm(ctx, &peaks->gemm_gflops) != CLCONV_SUCCESS)
        peaks->gemm_gflops = NAN;
    /* A ceiling below a rate something reached is no ceiling. */
    if (peaks->gemm_gflops > peaks->gflops)
        peaks->gflops = peaks->gemm_gflops;
    peaks->measure_ms = rt_now_ms() - t0;
    if (ctx->cache_dir) {
        peaks_store(ctx, key, peaks);
    } else {
        ctx->held_peaks = *peaks;
        ctx->held_peaks_valid = 1;
    }
    return CLCONV_SUCCESS;
}
