/* clconv's own transform backend (runtime/fft.h): cl/fft/dft.cl, direct 2D
 * real DFTs of planes up to 16 x 16 with twiddles tabled here. Meant for
 * the small overlap-save tiles of the FFT convolution, where clFFT's
 * kernels run at a few GFLOP/s. */
#include "runtime/fft.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Up to 16: against clFFT on PoCL (seed problems, fft-cgemm), the forward
 * transform of 8 x 8 tiles took 1.7 ms instead of 4.9-5.8, of 16 x 16 tiles
 * 3.1 instead of 6.6, but of 32 x 32 tiles 8.0 instead of 5.0: its work
 * grows as n^3, an FFT's as n^2 log n. */
enum { LARGEST = 16 };

struct rt_fft {
    cl_kernel kernel;
    cl_mem table;
    int inverse;
    size_t planes, pitch;
    size_t group; /* work-items per work-group */
};

/* An explicit, small work-group: left to itself PoCL groups thousands of
 * work-items, each with a plane's spectra in private arrays, and overflows
 * its thread's stack (a crash at 16 x 16 planes). On a CPU, one work-item:
 * PoCL keeps a group's private arrays side by side on the stack (86 KB for
 * 32 work-items at 16 x 16, past L1); with one (and dft.cl's row groups),
 * seed-k5's 16 x 16 tiles transformed in 2.7-3.2 ms instead of 3.1-5.9
 * (forward; the row groups alone: 3.3-3.7) and 0.73-0.80 instead of
 * 1.04-1.07 (inverse; the row groups alone: 0.84), alternated 3 times. */
enum { GROUP = 32 };

static int size_ok(size_t n)
{
    return n >= 1 && n <= LARGEST;
}

/* Any length works, and the work grows with it: the least. */
static size_t choose_size(size_t min)
{
    return min < 1 ? 1 : min;
}

static size_t scratch_size(const rt_fft_desc *desc)
{
    (void)desc;
    return 0; /* none */
}

static void destroy(rt_fft *f)
{
    if (!f)
        return;
    if (f->kernel)
        clReleaseKernel(f->kernel);
    if (f->table)
        clReleaseMemObject(f->table);
    free(f);
}

/* The TW_* layout of cl/fft/dft.cl, in double, rounded once. */
static float *twiddles(size_t ph, size_t pw, size_t vec, size_t *count)
{
    const size_t fw = pw / 2 + 1, nb = (fw + vec - 1) / vec, nx = (pw + vec - 1) / vec;
    const size_t row = 0, col = row + pw * 2 * nb * vec, inv = col + ph * 2;
    *count = inv + fw * 2 * nx * vec;
    float *t = calloc(*count, sizeof *t);
    if (!t)
        return NULL;
    const double two_pi = 8.0 * atan(1.0);
    for (size_t x = 0; x < pw; x++)
        for (size_t kx = 0; kx < fw; kx++) {
            double a = two_pi * (double)((x * kx) % pw) / (double)pw;
            t[row + (x * 2) * nb * vec + kx] = (float)cos(a);
            t[row + (x * 2 + 1) * nb * vec + kx] = (float)sin(a);
        }
    for (size_t j = 0; j < ph; j++) {
        t[col + 2 * j] = (float)cos(two_pi * (double)j / (double)ph);
        t[col + 2 * j + 1] = (float)sin(two_pi * (double)j / (double)ph);
    }
    for (size_t kx = 0; kx < fw; kx++) {
        double w = kx == 0 || 2 * kx == pw ? 1.0 : 2.0;
        for (size_t x = 0; x < pw; x++) {
            double a = two_pi * (double)((x * kx) % pw) / (double)pw;
            t[inv + (kx * 2) * nx * vec + x] = (float)(w * cos(a));
            t[inv + (kx * 2 + 1) * nx * vec + x] = (float)(w * sin(a));
        }
    }
    return t;
}

static clconv_status create(clconv_context *ctx, const rt_fft_desc *desc, rt_fft **out,
                            size_t *scratch_bytes, double *build_ms)
{
    *out = NULL;
    *scratch_bytes = 0;
    *build_ms = 0.0;
    if (!size_ok(desc->ph) || !size_ok(desc->pw))
        return rt_fail(ctx, CLCONV_ERR_UNSUPPORTED,
                       "clconv DFT: %zu x %zu planes; it transforms up to %d x %d", desc->ph,
                       desc->pw, LARGEST, LARGEST);
    rt_fft *f = calloc(1, sizeof *f);
    if (!f)
        return rt_fail(ctx, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory");
    f->inverse = desc->inverse;
    f->planes = desc->planes;
    f->pitch = desc->plane_pitch;
    const size_t fw = desc->pw / 2 + 1;
    const int vec = rt_vector_width(&ctx->info, (int)fw);
    char options[96];
    snprintf(options, sizeof options, "-DVEC=%d -DPH=%zu -DPW=%zu%s", vec, desc->ph, desc->pw,
             desc->layout == RT_SPECTRA_FREQ_MAJOR ? " -DFREQ_MAJOR" : "");
    size_t count = 0;
    float *table = twiddles(desc->ph, desc->pw, (size_t)vec, &count);
    rt_build_stats stats = {0};
    cl_program prog;
    clconv_status st = table ? CLCONV_SUCCESS
                             : rt_fail(ctx, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory");
    if (!st)
        st = rt_program_get(ctx, "fft/dft.cl", options, &prog, &stats);
    *build_ms = stats.ms;
    if (!st)
        st = rt_kernel_create(ctx, prog, desc->inverse ? "dft_c2r" : "dft_r2c", &f->kernel);
    if (!st) {
        size_t most = 0;
        cl_int err = clGetKernelWorkGroupInfo(f->kernel, ctx->device, CL_KERNEL_WORK_GROUP_SIZE,
                                              sizeof most, &most, NULL);
        if (err != CL_SUCCESS)
            st = rt_cl_fail(ctx, err, "clGetKernelWorkGroupInfo", "CL_KERNEL_WORK_GROUP_SIZE");
        f->group = strcmp(ctx->info.type, "CPU") == 0 ? 1
                   : most < GROUP                     ? (most ? most : 1)
                                                      : GROUP;
    }
    if (!st)
        st = rt_buffer_create(ctx, count * sizeof(float), "the DFT's twiddle table", &f->table);
    if (!st) {
        cl_int err = clEnqueueWriteBuffer(ctx->queue, f->table, CL_TRUE, 0, count * sizeof(float),
                                          table, 0, NULL, NULL);
        if (err != CL_SUCCESS)
            st = rt_cl_fail(ctx, err, "clEnqueueWriteBuffer", "the DFT's twiddle table");
    }
    free(table);
    if (st) {
        destroy(f);
        return st;
    }
    *out = f;
    return CLCONV_SUCCESS;
}

static clconv_status enqueue(clconv_context *ctx, rt_fft *f, cl_mem real, cl_mem spec_re,
                             cl_mem spec_im, cl_mem scratch, cl_event *event)
{
    (void)scratch;
    const cl_mem mems[4] = {f->inverse ? spec_re : real, f->inverse ? spec_im : spec_re,
                            f->inverse ? real : spec_im, f->table};
    const cl_int ints[2] = {(cl_int)f->planes, (cl_int)f->pitch};
    const char *name = f->inverse ? "dft_c2r" : "dft_r2c";
    clconv_status st = rt_kernel_set_args(ctx, f->kernel, name, mems, 4, ints, 2);
    if (st)
        return st;
    size_t global = (f->planes + f->group - 1) / f->group * f->group;
    cl_int err = clEnqueueNDRangeKernel(ctx->queue, f->kernel, 1, NULL, &global, &f->group, 0,
                                        NULL, event);
    if (err != CL_SUCCESS)
        return rt_cl_fail(ctx, err, "clEnqueueNDRangeKernel", "%s, %zu planes", name, f->planes);
    return CLCONV_SUCCESS;
}

const rt_fft_backend rt_fft_dft = {
    .name = "clconv",
    .flops_per_byte = 0.33, /* 6-7 nominal GFLOP/s at 8 and 16 against a 21 GB/s copy */
    .size_ok = size_ok,
    .choose_size = choose_size,
    .scratch_bytes = scratch_size,
    .create = create,
    .enqueue = enqueue,
    .destroy = destroy,
};
