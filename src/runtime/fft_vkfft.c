/* The VkFFT backend (runtime/fft.h): VkFFT 1.2 (Debian's header-only
 * libvkfft-dev) through its OpenCL backend, out of place: R2C from the real
 * planes into VkFFT's own spectra layout in the scratch buffer, then
 * cl/fft/reorder.cl into clconv's layout; the inverse reorders first, then
 * C2R back into the real planes. This file is the only one that includes
 * vkFFT.h (a slow header to compile at -O2). What VkFFT 1.2 does that this
 * file follows: it keeps pointers to the handles in its
 * configuration (so they live in rt_fft), its C2R overwrites its complex
 * input (the scratch, which nothing reads after), its inverse is
 * unnormalised (as runtime/fft.h asks), and its plan creation calls
 * setlocale (one plan at a time, under a lock). */
#define VKFFT_BACKEND 3 /* OpenCL */
#include "runtime/fft.h"

#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vkFFT.h>

struct rt_fft {
    /* VkFFT reads these through the pointers it keeps */
    cl_platform_id platform;
    cl_device_id device;
    cl_context context;
    cl_command_queue queue;
    cl_mem init_buffers[2]; /* stand-ins at plan creation; the real ones come per launch */
    cl_mem launch_scratch, launch_real; /* the last launch's buffers */
    uint64_t spectra_bytes, real_bytes;
    VkFFTApplication app;
    int has_app;
    cl_kernel reorder;
    int inverse;
    size_t planes, freqs, pitch;
    int freq_major;
};

static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;

/* VkFFT plans any length (Bluestein's algorithm beyond its radices); clconv
 * asks only for lengths whose factors VkFFT has kernels for, as with clFFT. */
static int size_ok(size_t n)
{
    return n <= 4096 && rt_fft_smooth(n, 13);
}

/* The least length >= min whose factors are 2, 3 and 5 only (VkFFT's
 * fastest radices). */
static size_t choose_size(size_t min)
{
    size_t n = min < 1 ? 1 : min;
    while (!rt_fft_smooth(n, 5)) /* a power of two lies in [min, 2*min] */
        n++;
    return n;
}

/* VkFFT's spectra: the planes' half spectra, interleaved. */
static size_t scratch_size(const rt_fft_desc *desc)
{
    return desc->planes * desc->ph * (desc->pw / 2 + 1) * 2 * sizeof(float);
}

static const char *result_name(VkFFTResult r)
{
    static _Thread_local char name[48];
    snprintf(name, sizeof name, "VkFFTResult %d", (int)r);
    return name;
}

static void destroy(rt_fft *f)
{
    if (!f)
        return;
    if (f->has_app)
        deleteVkFFT(&f->app);
    for (int i = 0; i < 2; i++)
        if (f->init_buffers[i])
            clReleaseMemObject(f->init_buffers[i]);
    if (f->reorder)
        clReleaseKernel(f->reorder);
    free(f);
}

static clconv_status create(clconv_context *ctx, const rt_fft_desc *desc, rt_fft **out,
                            size_t *scratch_bytes, double *build_ms)
{
    *out = NULL;
    *scratch_bytes = 0;
    *build_ms = 0.0;
    if (!size_ok(desc->ph) || !size_ok(desc->pw))
        return rt_fail(ctx, CLCONV_ERR_UNSUPPORTED,
                       "VkFFT backend: %zu x %zu planes; it takes lengths up to 4096 with "
                       "factors 2, 3, 5, 7, 11, 13", desc->ph, desc->pw);
    rt_fft *f = calloc(1, sizeof *f);
    if (!f)
        return rt_fail(ctx, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory");
    const size_t fw = desc->pw / 2 + 1;
    f->platform = ctx->platform;
    f->device = ctx->device;
    f->context = ctx->cl_ctx;
    f->queue = ctx->queue;
    f->inverse = desc->inverse;
    f->planes = desc->planes;
    f->freqs = desc->ph * fw;
    f->pitch = desc->plane_pitch;
    f->freq_major = desc->layout == RT_SPECTRA_FREQ_MAJOR;
    f->spectra_bytes = scratch_size(desc);
    f->real_bytes = (uint64_t)f->planes * desc->ph * desc->pw * sizeof(float);

    char options[32];
    snprintf(options, sizeof options, "%s", f->freq_major ? "-DFREQ_MAJOR" : "");
    rt_build_stats stats = {0};
    cl_program prog;
    clconv_status st = rt_program_get(ctx, "fft/reorder.cl", options, &prog, &stats);
    *build_ms += stats.ms;
    if (!st)
        st = rt_kernel_create(ctx, prog, f->inverse ? "to_vkfft" : "from_vkfft", &f->reorder);
    for (int i = 0; i < 2 && !st; i++)
        st = rt_buffer_create(ctx, 64, "VkFFT plan stand-in buffer", &f->init_buffers[i]);
    if (st) {
        destroy(f);
        return st;
    }

    VkFFTConfiguration c = {0};
    c.FFTdim = 2;
    c.size[0] = desc->pw;
    c.size[1] = desc->ph;
    c.numberBatches = desc->planes;
    c.performR2C = 1;
    c.platform = &f->platform;
    c.device = &f->device;
    c.context = &f->context;
    c.commandQueue = &f->queue;
    /* VkFFT computes in `buffer` (its spectra: the scratch) and reads the
     * real planes from `inputBuffer`, unpadded; the inverse returns there. */
    c.buffer = &f->init_buffers[0];
    c.bufferSize = &f->spectra_bytes;
    c.bufferStride[0] = fw;
    c.bufferStride[1] = f->freqs;
    c.isInputFormatted = 1;
    c.inputBuffer = &f->init_buffers[1];
    c.inputBufferSize = &f->real_bytes;
    c.inputBufferStride[0] = desc->pw;
    c.inputBufferStride[1] = desc->ph * desc->pw;
    c.inverseReturnToInputBuffer = 1;
    /* VkFFT saves setlocale(LC_ALL, NULL)'s pointer, sets "C" and restores
     * from that pointer, which glibc frees when the locale changes: set "C"
     * first (its name is never freed) and restore a copy of ours after. The
     * lock keeps clconv's own plans apart; another thread of the caller's
     * that changes the locale meanwhile is not covered. */
    pthread_mutex_lock(&plan_lock);
    const char *now = setlocale(LC_ALL, NULL);
    char *saved = now ? malloc(strlen(now) + 1) : NULL;
    if (saved)
        memcpy(saved, now, strlen(now) + 1);
    setlocale(LC_ALL, "C");
    double t0 = rt_now_ms();
    int quiet = rt_quiet_begin(ctx, NULL); /* every new plan compiles */
    VkFFTResult r = initializeVkFFT(&f->app, c);
    rt_quiet_end(ctx, NULL, quiet, r != VKFFT_SUCCESS);
    *build_ms += rt_now_ms() - t0;
    if (saved)
        setlocale(LC_ALL, saved);
    free(saved);
    pthread_mutex_unlock(&plan_lock);
    if (r != VKFFT_SUCCESS) {
        st = rt_fail(ctx, r == VKFFT_ERROR_MALLOC_FAILED ? CLCONV_ERR_OUT_OF_MEMORY
                          : r == VKFFT_ERROR_UNSUPPORTED_FFT_LENGTH_R2C ||
                                  r == VKFFT_ERROR_UNSUPPORTED_FFT_LENGTH
                              ? CLCONV_ERR_UNSUPPORTED
                              : CLCONV_ERR_OPENCL,
                     "initializeVkFFT(%s %zu x %zu, %zu planes) failed: %s",
                     f->inverse ? "C2R" : "R2C", desc->ph, desc->pw, desc->planes,
                     result_name(r));
        destroy(f);
        return st;
    }
    f->has_app = 1;
    *scratch_bytes = (size_t)f->spectra_bytes;
    *out = f;
    return CLCONV_SUCCESS;
}

static clconv_status run_reorder(clconv_context *ctx, rt_fft *f, cl_mem re, cl_mem im,
                                 cl_mem scratch, cl_event *event)
{
    const char *name = f->inverse ? "to_vkfft" : "from_vkfft";
    const cl_mem mems[3] = {f->inverse ? re : scratch, f->inverse ? im : re,
                            f->inverse ? scratch : im};
    const cl_int ints[3] = {(cl_int)f->planes, (cl_int)f->freqs, (cl_int)f->pitch};
    clconv_status st = rt_kernel_set_args(ctx, f->reorder, name, mems, 3, ints, 3);
    if (st)
        return st;
    size_t global[2] = {f->freq_major ? f->planes : f->freqs,
                        f->freq_major ? f->freqs : f->planes};
    cl_int err =
        clEnqueueNDRangeKernel(ctx->queue, f->reorder, 2, NULL, global, NULL, 0, NULL, event);
    if (err != CL_SUCCESS)
        return rt_cl_fail(ctx, err, "clEnqueueNDRangeKernel", "%s, %zu planes", name,
                          f->planes);
    return CLCONV_SUCCESS;
}

static clconv_status enqueue(clconv_context *ctx, rt_fft *f, cl_mem real, cl_mem spec_re,
                             cl_mem spec_im, cl_mem scratch, cl_event *event)
{
    clconv_status st;
    if (f->inverse && (st = run_reorder(ctx, f, spec_re, spec_im, scratch, NULL)))
        return st;
    /* VkFFTAppend keeps these pointers in the plan: fields, not locals */
    VkFFTLaunchParams launch = {0};
    f->launch_scratch = scratch;
    f->launch_real = real;
    launch.commandQueue = &f->queue;
    launch.buffer = &f->launch_scratch;
    launch.inputBuffer = &f->launch_real;
    VkFFTResult r = VkFFTAppend(&f->app, f->inverse ? 1 : -1, &launch);
    if (r != VKFFT_SUCCESS)
        return rt_fail(ctx, CLCONV_ERR_OPENCL, "VkFFTAppend(%s, %zu planes) failed: %s",
                       f->inverse ? "C2R" : "R2C", f->planes, result_name(r));
    if (!f->inverse)
        return run_reorder(ctx, f, spec_re, spec_im, scratch, event);
    if (!event)
        return CLCONV_SUCCESS;
    /* VkFFT's kernels return no event: a marker after them closes the stage */
    cl_int err = clEnqueueMarkerWithWaitList(f->queue, 0, NULL, event);
    return err == CL_SUCCESS ? CLCONV_SUCCESS
                             : rt_cl_fail(ctx, err, "clEnqueueMarkerWithWaitList", "after VkFFT");
}

const rt_fft_backend rt_fft_vkfft = {
    .name = "vkfft",
    /* 1.3-2x clFFT's rate on PoCL, the reorder included (README) */
    .flops_per_byte = 0.2,
    .size_ok = size_ok,
    .choose_size = choose_size,
    .scratch_bytes = scratch_size,
    .create = create,
    .enqueue = enqueue,
    .destroy = destroy,
};
