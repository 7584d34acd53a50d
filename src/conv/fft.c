/* FFT convolution: pad (cl/pad.cl), batched R2C (clFFT), complex
 * multiply-accumulate over input channels per frequency, batched C2R, then
 * crop + stride + scale + bias (cl/crop.cl). The weight spectra are made once,
 * in set_weights.
 *
 * Sizes: the padded input is Hp x Wp = (H + 2 pad_h) x (W + 2 pad_w); the
 * transform is Ph x Pw >= Hp x Wp with factors clFFT supports. With the
 * input at the top-left of the padded plane and the dilated kernel at the
 * top-left of its own, the circular cross-correlation
 *   y[a][b] = sum_ij x[(a+i) mod Ph][(b+j) mod Pw] w[i][j]
 * never wraps for a <= Ph - KHd, b <= Pw - KWd, and the valid outputs
 * (a < Hp - KHd + 1 <= Ph - KHd + 1) all lie there: no K-1 extra padding is
 * needed for a cross-correlation. Stride samples the stride-1 result in
 * crop and dilation spreads the weights with zeros: both correct, both
 * wasteful (see the README).
 *
 * Two ways to multiply-accumulate, each with the spectra in the layout it
 * reads, written directly by clFFT's strides (no transpose pass):
 *   fft        cmac.cl, planar and plane-major: vector FMAs along frequency
 *   fft-cgemm  CLBlast CGEMM strided-batched over frequencies, interleaved
 *              and frequency-major: per f, Y^T = X^T conj(W)^T */
#include "conv/fft_backend.h"

#include "analysis/cost.h"

#include <stdio.h>
#include <stdlib.h>

enum { STAGE_PAD, STAGE_FFT_FORWARD, STAGE_CMAC, STAGE_FFT_INVERSE, STAGE_CROP };

typedef struct fft_plan {
    int use_cgemm;
    size_t ph, pw, f, f_pad; /* transform size, frequencies per plane, plane pitch */
    int vec, ot, bt;
    conv_fft *fwd_x, *inv;
    cl_kernel pad, spread, cmac, block, crop;
    cl_mem real_x, real_y; /* real planes, input side and output side */
    cl_mem xr, xi, yr, yi; /* spectra; the *i are NULL when interleaved */
    cl_mem w;              /* weight spectra: interleaved, or blocked for cmac (cmac.cl) */
} fft_plan;

static void transform_size(const clconv_problem *p, size_t *ph, size_t *pw)
{
    *ph = conv_fft_choose_size((size_t)p->height + 2 * (size_t)p->pad_h);
    *pw = conv_fft_choose_size((size_t)p->width + 2 * (size_t)p->pad_w);
}

static clconv_status fft_check(clconv_context *ctx, const clconv_problem *p)
{
    size_t ph, pw;
    transform_size(p, &ph, &pw);
    size_t f = ph * (pw / 2 + 1);
    /* weights: the cmac layout pads C_out to its output tile (at most 4) */
    size_t planes[] = {(size_t)p->batch * p->in_channels,
                       ((size_t)p->out_channels + 3) / 4 * 4 * p->in_channels,
                       (size_t)p->batch * p->out_channels};
    const char *what[] = {"input spectra", "weight spectra", "output spectra"};
    for (int i = 0; i < 3; i++) {
        double bytes = (double)planes[i] * (double)(f + 16) * 8.0;
        if (bytes > (double)ctx->info.max_alloc_bytes)
            return rt_fail(ctx, CLCONV_ERR_UNSUPPORTED,
                           "fft: the %s (%zu planes of %zu x %zu) need %.0f bytes; the device "
                           "allows %llu per allocation", what[i], planes[i], ph, pw / 2 + 1,
                           bytes, (unsigned long long)ctx->info.max_alloc_bytes);
    }
    return CLCONV_SUCCESS;
}

/* A zeroed workspace buffer: the plane tails (f .. f_pad) are read by cmac
 * but never written by clFFT. */
static clconv_status zeroed(clconv_plan *plan, size_t bytes, const char *what, cl_mem *out)
{
    clconv_status st = conv_alloc_workspace(plan, bytes, what, out);
    if (st)
        return st;
    return rt_buffer_fill(plan->ctx, *out, bytes, 0.0f, what);
}

/* Spectra of `planes` planes: two planar buffers, or one interleaved. */
static clconv_status spectra(clconv_plan *plan, fft_plan *d, size_t planes, const char *what,
                             cl_mem *re, cl_mem *im)
{
    if (d->use_cgemm)
        return zeroed(plan, planes * d->f * 2 * sizeof(float), what, re);
    clconv_status st = zeroed(plan, planes * d->f_pad * sizeof(float), what, re);
    return st ? st : zeroed(plan, planes * d->f_pad * sizeof(float), what, im);
}

/* Interleaved [F][C_out][C_in] for CGEMM; for cmac, blocked with C_out
 * rounded up to its output tile (the extra channels stay zero). */
static size_t weight_spectra_bytes(const fft_plan *d, size_t co, size_t ci)
{
    if (d->use_cgemm)
        return co * ci * d->f * 2 * sizeof(float);
    return (co + (size_t)d->ot - 1) / (size_t)d->ot * (size_t)d->ot * ci * d->f_pad * 2 *
           sizeof(float);
}

static clconv_status fft_create_common(clconv_plan *plan, int use_cgemm)
{
    const clconv_problem *p = &plan->problem;
    fft_plan *d = calloc(1, sizeof *d);
    if (!d)
        return rt_fail(plan->ctx, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory");
    plan->impl = d;
    d->use_cgemm = use_cgemm;
    transform_size(p, &d->ph, &d->pw);
    d->f = d->ph * (d->pw / 2 + 1);
    d->vec = conv_vector_width(&plan->ctx->info, d->f < 16 ? (int)d->f : 16);
    d->f_pad = (d->f + (size_t)d->vec - 1) / (size_t)d->vec * (size_t)d->vec;
    d->ot = p->out_channels >= 4 ? 4 : p->out_channels;
    d->bt = p->batch >= 2 ? 2 : 1;
    size_t n = (size_t)p->batch, ci = (size_t)p->in_channels, co = (size_t)p->out_channels;
    conv_spectra_layout layout = use_cgemm ? CONV_SPECTRA_FREQ_MAJOR : CONV_SPECTRA_PLANE_MAJOR;

    char options[96];
    snprintf(options, sizeof options, "-DVEC=%d -DOT=%d -DBT=%d", d->vec, d->ot, d->bt);
    cl_program pad_prog, crop_prog, cmac_prog;
    clconv_status st;
    if ((st = conv_plan_program(plan, "fft/pad.cl", "-DVEC=1", &pad_prog)) ||
        (st = conv_plan_program(plan, "fft/crop.cl", "-DVEC=1", &crop_prog)) ||
        (st = rt_kernel_create(plan->ctx, pad_prog, "pad_input", &d->pad)) ||
        (st = rt_kernel_create(plan->ctx, pad_prog, "spread_weights", &d->spread)) ||
        (st = rt_kernel_create(plan->ctx, crop_prog, "crop", &d->crop)))
        return st;
    if (!use_cgemm && ((st = conv_plan_program(plan, "fft/cmac.cl", options, &cmac_prog)) ||
                       (st = rt_kernel_create(plan->ctx, cmac_prog, "cmac", &d->cmac)) ||
                       (st = rt_kernel_create(plan->ctx, cmac_prog, "block_weights", &d->block))))
        return st;
    size_t real_plane = d->ph * d->pw * sizeof(float);
    if ((st = zeroed(plan, n * ci * real_plane, "padded input planes", &d->real_x)) ||
        (st = zeroed(plan, n * co * real_plane, "output planes", &d->real_y)) ||
        (st = spectra(plan, d, n * ci, "input spectra", &d->xr, &d->xi)) ||
        (st = zeroed(plan, weight_spectra_bytes(d, co, ci), "weight spectra", &d->w)) ||
        (st = spectra(plan, d, n * co, "output spectra", &d->yr, &d->yi)) ||
        (st = conv_fft_create(plan, 0, d->ph, d->pw, n * ci, layout, d->f_pad, &d->fwd_x)) ||
        (st = conv_fft_create(plan, 1, d->ph, d->pw, n * co, layout, d->f_pad, &d->inv)))
        return st;
    return CLCONV_SUCCESS;
}

static clconv_status fft_create(clconv_plan *plan)
{
    return fft_create_common(plan, 0);
}

static clconv_status fft_cgemm_create(clconv_plan *plan)
{
    return fft_create_common(plan, 1);
}

/* Spreads (dilation) and transforms the weights once, timed as weights_fft.
 * The real planes and the transform (its clFFT scratch can be as large as the
 * spectra) exist only here: they are not part of the plan's workspace. */
static clconv_status fft_set_weights(clconv_plan *plan)
{
    const clconv_problem *p = &plan->problem;
    fft_plan *d = plan->impl;
    size_t planes = (size_t)p->out_channels * p->in_channels;
    size_t bytes = planes * d->ph * d->pw * sizeof(float);
    size_t workspace = plan->workspace_bytes;
    conv_fft *fwd_w = NULL;
    clconv_status st = conv_fft_create(plan, 0, d->ph, d->pw, planes,
                                       d->use_cgemm ? CONV_SPECTRA_FREQ_MAJOR
                                                    : CONV_SPECTRA_PLANE_MAJOR,
                                       d->f_pad, &fwd_w);
    plan->workspace_bytes = workspace;
    if (st)
        return st;
    /* the cmac path transforms into plane-major spectra here, then blocks them */
    size_t spec_bytes = planes * d->f_pad * sizeof(float);
    cl_mem real = NULL, tr = NULL, ti = NULL;
    cl_int err = CL_SUCCESS;
    st = rt_buffer_create(plan->ctx, bytes, "the spread weight planes", &real);
    if (!st && !d->use_cgemm &&
        !(st = rt_buffer_create(plan->ctx, spec_bytes, "plane-major weight spectra", &tr)) &&
        !(st = rt_buffer_create(plan->ctx, spec_bytes, "plane-major weight spectra", &ti)) &&
        !(st = rt_buffer_fill(plan->ctx, tr, spec_bytes, 0.0f, "plane-major weight spectra")))
        st = rt_buffer_fill(plan->ctx, ti, spec_bytes, 0.0f, "plane-major weight spectra");
    if (st) {
        conv_fft_destroy(fwd_w);
        cl_mem all[] = {real, tr, ti};
        for (int i = 0; i < 3; i++)
            if (all[i])
                clReleaseMemObject(all[i]);
        return st;
    }
    const cl_int ints[] = {p->kernel_h, p->kernel_w, p->dilation_h, p->dilation_w,
                           (cl_int)d->ph, (cl_int)d->pw};
    const cl_mem mems[] = {plan->weights, real};
    size_t global[3] = {d->pw, d->ph, planes};
    cl_event spread_ev = NULL, done = NULL;
    st = conv_set_args(plan, d->spread, "spread_weights", mems, 2, ints, 6);
    if (!st)
        st = conv_enqueue(plan, d->spread, "spread_weights", 3, global, &spread_ev);
    if (!st && d->use_cgemm)
        st = conv_fft_enqueue(plan, fwd_w, real, d->w, NULL, NULL, 0);
    if (!st && !d->use_cgemm) {
        const cl_mem block_mems[] = {tr, ti, d->w};
        const cl_int block_ints[] = {p->in_channels, (cl_int)d->f_pad};
        size_t block_global[2] = {d->f_pad, planes};
        if (!(st = conv_fft_enqueue(plan, fwd_w, real, tr, ti, NULL, 0)) &&
            !(st = conv_set_args(plan, d->block, "block_weights", block_mems, 3, block_ints, 2)))
            st = conv_enqueue(plan, d->block, "block_weights", 2, block_global, NULL);
    }
    if (!st && (err = clEnqueueMarkerWithWaitList(plan->ctx->queue, 0, NULL, &done)) != CL_SUCCESS)
        st = rt_cl_fail(plan->ctx, err, "clEnqueueMarkerWithWaitList", "weights_fft");
    if (!st && (err = clWaitForEvents(1, &done)) != CL_SUCCESS)
        st = rt_cl_fail(plan->ctx, err, "clWaitForEvents", "weights_fft");
    plan->weights_ms = st ? -1.0 : rt_event_span_ms(plan->ctx, spread_ev, done);
    if (spread_ev)
        clReleaseEvent(spread_ev);
    if (done)
        clReleaseEvent(done);
    clReleaseMemObject(real);
    if (tr)
        clReleaseMemObject(tr);
    if (ti)
        clReleaseMemObject(ti);
    conv_fft_destroy(fwd_w);
    return st;
}

static clconv_status run_cmac(clconv_plan *plan, fft_plan *d, conv_events *ev)
{
    const clconv_problem *p = &plan->problem;
    if (d->use_cgemm) {
        conv_cgemm g = {.m = (size_t)p->batch, .n = (size_t)p->out_channels,
                        .k = (size_t)p->in_channels, .batch = d->f,
                        .a = d->xr, .lda = (size_t)p->in_channels,
                        .a_stride = (size_t)p->batch * p->in_channels,
                        .b = d->w, .ldb = (size_t)p->in_channels,
                        .b_stride = (size_t)p->out_channels * p->in_channels,
                        .c = d->yr, .ldc = (size_t)p->out_channels,
                        .c_stride = (size_t)p->batch * p->out_channels};
        clconv_status st = conv_event_span_begin(plan, ev, STAGE_CMAC);
        return st ? st : conv_cgemm_conj_b(plan->ctx, &g, conv_event_slot(ev, STAGE_CMAC));
    }
    const cl_int ints[] = {p->batch, p->in_channels, p->out_channels, (cl_int)d->f_pad};
    const cl_mem mems[] = {d->xr, d->xi, d->w, d->yr, d->yi};
    clconv_status st = conv_set_args(plan, d->cmac, "cmac", mems, 5, ints, 4);
    size_t global = d->f_pad / (size_t)d->vec *
                    (((size_t)p->out_channels + (size_t)d->ot - 1) / (size_t)d->ot) *
                    (((size_t)p->batch + (size_t)d->bt - 1) / (size_t)d->bt);
    return st ? st : conv_enqueue(plan, d->cmac, "cmac", 1, &global, conv_event_slot(ev, STAGE_CMAC));
}

static clconv_status fft_execute(clconv_plan *plan, cl_mem input, cl_mem output, conv_events *ev)
{
    const clconv_problem *p = &plan->problem;
    fft_plan *d = plan->impl;
    const cl_int oh = clconv_problem_out_height(p), ow = clconv_problem_out_width(p);
    const cl_int pad_ints[] = {p->height, p->width, p->pad_h, p->pad_w, (cl_int)d->ph,
                               (cl_int)d->pw};
    const cl_mem pad_mems[] = {input, d->real_x};
    size_t pad_global[3] = {d->pw, d->ph, (size_t)p->batch * p->in_channels};
    const cl_int crop_ints[] = {p->out_channels, oh, ow, p->stride_h, p->stride_w,
                                (cl_int)d->ph, (cl_int)d->pw, plan->bias != NULL};
    const cl_mem crop_mems[] = {d->real_y, plan->bias, output};
    size_t crop_global[3] = {(size_t)ow, (size_t)oh, (size_t)p->batch * p->out_channels};
    clconv_status st;
    if ((st = conv_set_args(plan, d->pad, "pad_input", pad_mems, 2, pad_ints, 6)) ||
        (st = conv_enqueue(plan, d->pad, "pad_input", 3, pad_global,
                           conv_event_slot(ev, STAGE_PAD))) ||
        (st = conv_fft_enqueue(plan, d->fwd_x, d->real_x, d->xr, d->xi, ev, STAGE_FFT_FORWARD)) ||
        (st = run_cmac(plan, d, ev)) ||
        (st = conv_fft_enqueue(plan, d->inv, d->real_y, d->yr, d->yi, ev, STAGE_FFT_INVERSE)) ||
        (st = conv_set_args(plan, d->crop, "crop", crop_mems, 3, crop_ints, 8)))
        return st;
    return conv_enqueue(plan, d->crop, "crop", 3, crop_global, conv_event_slot(ev, STAGE_CROP));
}

static void fft_destroy(clconv_plan *plan)
{
    fft_plan *d = plan->impl;
    if (!d)
        return;
    conv_fft_destroy(d->fwd_x);
    conv_fft_destroy(d->inv);
    cl_kernel kernels[] = {d->pad, d->spread, d->cmac, d->block, d->crop};
    for (int i = 0; i < (int)(sizeof kernels / sizeof kernels[0]); i++)
        if (kernels[i])
            clReleaseKernel(kernels[i]);
    cl_mem mems[] = {d->real_x, d->real_y, d->xr, d->xi, d->w, d->yr, d->yi};
    for (int i = 0; i < (int)(sizeof mems / sizeof mems[0]); i++)
        if (mems[i])
            clReleaseMemObject(mems[i]);
    free(d);
    plan->impl = NULL;
}

static void fft_cost(const clconv_plan *plan, clconv_cost *cost)
{
    const fft_plan *d = plan->impl;
    an_fft_stages(&plan->problem, plan->bias != NULL, d->ph, d->pw, cost);
}

const conv_algo_ops conv_fft_ops = {
    .name = "fft",
    .stage_count = 5,
    .stage_names = {"pad", "fft_forward", "cmac", "fft_inverse", "crop"},
    .check = fft_check,
    .create = fft_create,
    .set_weights = fft_set_weights,
    .execute = fft_execute,
    .cost = fft_cost,
    .destroy = fft_destroy,
};

const conv_algo_ops conv_fft_cgemm_ops = {
    .name = "fft-cgemm",
    .stage_count = 5,
    .stage_names = {"pad", "fft_forward", "cmac", "fft_inverse", "crop"},
    .check = fft_check,
    .create = fft_cgemm_create,
    .set_weights = fft_set_weights,
    .execute = fft_execute,
    .cost = fft_cost,
    .destroy = fft_destroy,
};
