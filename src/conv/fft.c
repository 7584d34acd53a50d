/* FFT convolution: overlap-save tiles of the padded input (cl/fft/pad.cl),
 * batched R2C (the plan's FFT backend), complex multiply-accumulate over
 * input channels per frequency, batched C2R, then gather + stride + scale +
 * bias (cl/fft/crop.cl). The weight spectra are made once, in set_weights.
 * The transforms come from the plan's FFT backend (runtime/fft.h); the
 * reduction over channels from the table below.
 *
 * Sizes: the padded input is Hp x Wp = (H + pad_h + pad_bottom) x
 * (W + pad_w + pad_right). With a tile of Ph x Pw input values and the
 * dilated kernel (KHd x KWd) at the top-left of its own Ph x Pw plane, the
 * circular cross-correlation
 *   y[a][b] = sum_ij x[(a+i) mod Ph][(b+j) mod Pw] w[i][j]
 * never wraps for a <= Ph - KHd, b <= Pw - KWd: a tile yields
 * (Ph - KHd + 1) x (Pw - KWd + 1) valid outputs, and the next tile starts
 * that many rows (columns) on (overlap-save; no K-1 extra padding is needed
 * for a cross-correlation). The tile side T is the tunable parameter "tile":
 * 0, or a T at least the padded extent, transforms that dimension whole
 * (one tile of the backend's size >= Hp); the second parameter "fft" may
 * name the backend for a plan that asked for the default one (--tune times
 * every backend that takes the tile). Small tiles shrink the weight
 * spectra (C_out C_in Ph (Pw/2+1) values) that the multiply-accumulate
 * streams at batch 1, and give its GEMM more rows (one per tile); they pay
 * with overlapping input and more transforms. Stride samples the stride-1
 * result in crop and dilation spreads the weights with zeros: both correct,
 * both wasteful (see the README).
 *
 * Two ways to multiply-accumulate, each with the spectra in the layout it
 * reads, written directly by the backend's strides (no transpose pass):
 *   fft        cmac.cl, planar and plane-major: vector FMAs along frequency
 *   fft-cgemm  a complex GEMM strided-batched over frequencies (the plan's
 *              GEMM backend: clconv's cl/gemm/cgemm.cl or CLBlast's CGEMM),
 *              interleaved and frequency-major: per f, Y = X conj(W) with
 *              X [tiles][C_in], Y [tiles][C_out] and conj(W) [C_in][C_out]
 *              (the weight planes transposed and reversed by pad.cl's
 *              spread_weights_conj, so the GEMM needs no conjugate) */
#include "conv/tune.h"

#include "runtime/fft.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { STAGE_PAD, STAGE_FFT_FORWARD, STAGE_CMAC, STAGE_FFT_INVERSE, STAGE_CROP };

/* A backend transform and its scratch buffer. */
typedef struct fft_transform {
    const rt_fft_backend *backend;
    rt_fft *f;
    cl_mem scratch;
} fft_transform;

/* Sizes that follow from the config alone: check, workspace, cost and
 * create all use these. */
typedef struct fft_sizes {
    const rt_fft_backend *backend; /* the transforms' */
    int tile;                /* the parameter: T, or 0 for whole */
    size_t ph, pw, f, f_pad; /* transform size, frequencies per plane, plane pitch */
    size_t step_h, step_w;   /* valid outputs a tile yields per dimension (stride 1) */
    size_t tiles_h, tiles_w; /* tiles per image; 0 when the tile is below the kernel */
    size_t b;                /* transforms per channel: images x tiles */
    int vec, ot, bt;         /* cmac's vector width and output / image tiles */
} fft_sizes;

typedef struct fft_plan fft_plan;

/* The multiply-accumulate over input channels per frequency: the one thing
 * in which fft and fft-cgemm differ. */
typedef struct fft_reduction {
    rt_spectra_layout layout;
    /* pad.cl's kernel that spreads the weights into the planes it
     * transforms, and whether it takes C_in and C_out (a plane order of its
     * own) */
    const char *spread;
    int spread_channels;
    const conv_tunable *tunable; /* the algorithm's tile */
    /* The default rule's prior for its FLOPs per byte streamed (see
     * predicted()): how fast it computes when it is compute-bound. */
    double flops_per_byte;
    /* Its kernels, if any. */
    clconv_status (*create)(clconv_plan *plan, fft_plan *d);
    /* Bytes of the weight spectra it reads. */
    double (*weight_bytes)(const clconv_problem *p, const fft_sizes *z);
    /* Transforms the spread weight planes `real` into d->w, in its layout. */
    clconv_status (*weights)(clconv_plan *plan, fft_plan *d, fft_transform *fwd, cl_mem real);
    clconv_status (*run)(clconv_plan *plan, fft_plan *d, conv_events *ev);
} fft_reduction;

struct fft_plan {
    const fft_reduction *red;
    fft_sizes z;
    fft_transform fwd_x, inv;
    cl_kernel pad, spread, cmac, block, crop;
    cl_mem real_x, real_y; /* real planes, input side and output side */
    cl_mem xr, xi, yr, yi; /* spectra; the *i are NULL when interleaved */
    cl_mem w;              /* weight spectra in the reduction's layout */
};

/* One dimension: `padded` input values, `needed` stride-1 outputs (the
 * last one the stride samples, plus one), a dilated kernel of `extent`. */
static void tile_dimension(const rt_fft_backend *b, int tile, size_t padded, size_t needed,
                           size_t extent, size_t *n, size_t *step, size_t *count)
{
    if (tile == 0 || (size_t)tile >= padded) {
        *n = b->choose_size(padded);
        *step = needed;
        *count = 1;
        return;
    }
    *n = (size_t)tile;
    *step = (size_t)tile >= extent ? (size_t)tile - extent + 1 : 0;
    *count = *step ? (needed + *step - 1) / *step : 0;
}

static void sizes_with(const conv_config *cfg, const rt_fft_backend *b, int tile, fft_sizes *z)
{
    const clconv_problem *p = &cfg->problem;
    z->backend = b;
    size_t kh = (size_t)(p->kernel_h - 1) * p->dilation_h + 1;
    size_t kw = (size_t)(p->kernel_w - 1) * p->dilation_w + 1;
    size_t need_h = (size_t)(clconv_problem_out_height(p) - 1) * p->stride_h + 1;
    size_t need_w = (size_t)(clconv_problem_out_width(p) - 1) * p->stride_w + 1;
    z->tile = tile;
    tile_dimension(b, tile, (size_t)rt_padded_height(p), need_h, kh, &z->ph,
                   &z->step_h, &z->tiles_h);
    tile_dimension(b, tile, (size_t)rt_padded_width(p), need_w, kw, &z->pw, &z->step_w,
                   &z->tiles_w);
    z->b = (size_t)p->batch * z->tiles_h * z->tiles_w;
    z->f = z->ph * (z->pw / 2 + 1);
    z->vec = cfg->device ? rt_vector_width(cfg->device, z->f < 16 ? (int)z->f : 16) : 1;
    z->f_pad = (z->f + (size_t)z->vec - 1) / (size_t)z->vec * (size_t)z->vec;
    z->ot = p->out_channels >= 4 ? 4 : p->out_channels;
    z->bt = z->b >= 2 ? 2 : 1;
}

/* The default backend, per plan: the first in the FFT backends' default
 * order (runtime/fft_backends.c) that takes both sides of the planes. */
static void sizes_for(const conv_config *cfg, int tile, fft_sizes *z)
{
    const rt_fft_backend *asked = rt_fft_backend_get(cfg->fft_backend), *b;
    if (asked) {
        sizes_with(cfg, asked, tile, z);
        return;
    }
    for (int i = 0; (b = rt_fft_backend_default_order(i, NULL)); i++) {
        sizes_with(cfg, b, tile, z);
        if (z->backend->size_ok(z->ph) && z->backend->size_ok(z->pw))
            return;
    }
}

/* The tunable's second parameter names a backend (a clconv_fft_backend: what
 * --tune measured fastest for the tile) that the plan takes when it asked
 * for the default; 0 keeps the default order. */
static void sizes(const conv_config *cfg, const fft_reduction *r, fft_sizes *z)
{
    int params[CONV_MAX_PARAMS];
    conv_params_get(cfg, r->tunable, params);
    conv_config c = *cfg;
    if (c.fft_backend == CLCONV_FFT_BACKEND_DEFAULT)
        c.fft_backend = (clconv_fft_backend)params[1];
    sizes_for(&c, params[0], z);
}

/* Spectra of `planes` planes in a layout: planar buffers of F_pad floats a
 * plane (two of them), or one interleaved buffer of F complex values. */
static double spectra_bytes(rt_spectra_layout layout, const fft_sizes *z, double planes)
{
    return layout == RT_SPECTRA_PLANE_MAJOR ? planes * (double)z->f_pad * sizeof(float)
                                            : planes * (double)z->f * 2 * sizeof(float);
}

/* The buffers create() allocates itself, then the transforms' scratch
 * (their backend allocates it through transform_create). */
enum { OWN_BUFFERS = 7, BUFFERS = OWN_BUFFERS + 2 };
typedef struct fft_buffer {
    const char *what;
    double bytes; /* 0: not allocated; a double, so a huge problem cannot wrap around */
} fft_buffer;

/* The transform of `planes` planes that a plan of z and r bakes. */
static rt_fft_desc transform_desc(const fft_sizes *z, const fft_reduction *r, int inverse,
                                  size_t planes)
{
    return (rt_fft_desc){inverse, z->ph, z->pw, planes, r->layout, z->f_pad};
}

/* Every workspace buffer create() allocates, in its order (the fft_plan
 * fields real_x, real_y, xr, xi, w, yr, yi), then the forward and inverse
 * transforms' scratch as far as their backend can tell before baking. */
static void buffers(const conv_config *cfg, const fft_reduction *r, const fft_sizes *z,
                    fft_buffer out[BUFFERS])
{
    const clconv_problem *p = &cfg->problem;
    double n = (double)z->b, ci = p->in_channels, co = p->out_channels;
    double plane = (double)z->ph * (double)z->pw * sizeof(float);
    int planar = r->layout == RT_SPECTRA_PLANE_MAJOR;
    out[0] = (fft_buffer){"padded input planes", n * ci * plane};
    out[1] = (fft_buffer){"output planes", n * co * plane};
    out[2] = (fft_buffer){"input spectra", spectra_bytes(r->layout, z, n * ci)};
    out[3] = (fft_buffer){"input spectra", planar ? out[2].bytes : 0};
    out[4] = (fft_buffer){"weight spectra", r->weight_bytes(p, z)};
    out[5] = (fft_buffer){"output spectra", spectra_bytes(r->layout, z, n * co)};
    out[6] = (fft_buffer){"output spectra", planar ? out[5].bytes : 0};
    const rt_fft_desc fwd = transform_desc(z, r, 0, z->b * (size_t)p->in_channels);
    const rt_fft_desc inv = transform_desc(z, r, 1, z->b * (size_t)p->out_channels);
    out[7] = (fft_buffer){"forward transform's scratch", (double)z->backend->scratch_bytes(&fwd)};
    out[8] = (fft_buffer){"inverse transform's scratch", (double)z->backend->scratch_bytes(&inv)};
}

/* Every buffer must fit the plan's workspace limit (the device's largest
 * allocation unless the caller lowered it): the spectra are not chunked. */
static clconv_status check_with(clconv_context *ctx, const conv_config *cfg,
                                const fft_reduction *r)
{
    fft_sizes z;
    fft_buffer b[BUFFERS];
    sizes(cfg, r, &z);
    const clconv_problem *p = &cfg->problem;
    if (!z.tiles_h || !z.tiles_w)
        return rt_fail(ctx, CLCONV_ERR_UNSUPPORTED,
                       "fft: a tile of %d is smaller than the dilated kernel (%d x %d): each "
                       "tile must hold at least one output",
                       z.tile, (p->kernel_h - 1) * p->dilation_h + 1,
                       (p->kernel_w - 1) * p->dilation_w + 1);
    if (!z.backend->size_ok(z.ph) || !z.backend->size_ok(z.pw))
        return rt_fail(ctx, CLCONV_ERR_UNSUPPORTED,
                       "fft: the %s FFT backend cannot transform %zu x %zu (the tile %d)",
                       z.backend->name, z.ph, z.pw, z.tile);
    if (z.b * (size_t)(p->in_channels > p->out_channels ? p->in_channels : p->out_channels) >
        (size_t)INT_MAX)
        return rt_fail(ctx, CLCONV_ERR_UNSUPPORTED, "fft: %zu tiles of %zu x %zu are too many", z.b,
                       z.ph, z.pw);
    buffers(cfg, r, &z, b);
    for (int i = 0; i < BUFFERS; i++)
        if (b[i].bytes > (double)cfg->workspace_limit_bytes)
            return rt_fail(ctx, CLCONV_ERR_UNSUPPORTED,
                           "fft: the %s of %zu x %zu transforms need %.0f bytes in one buffer; "
                           "the workspace limit is %zu bytes (the FFT algorithms do not chunk; "
                           "a smaller tile shrinks the weight spectra)",
                           b[i].what, z.ph, z.pw, b[i].bytes, cfg->workspace_limit_bytes);
    return CLCONV_SUCCESS;
}

static size_t workspace_with(const conv_config *cfg, const fft_reduction *r)
{
    fft_sizes z;
    fft_buffer b[BUFFERS];
    sizes(cfg, r, &z);
    buffers(cfg, r, &z, b);
    double sum = 0;
    for (int i = 0; i < BUFFERS; i++)
        sum += b[i].bytes;
    return (size_t)sum; /* check passed: each buffer fits a size_t */
}

/* A zeroed workspace buffer: the plane tails (f .. f_pad) are read by cmac
 * but never written by the transforms. */
static clconv_status zeroed(clconv_plan *plan, size_t bytes, const char *what, cl_mem *out)
{
    clconv_status st = conv_alloc_workspace(plan, bytes, what, out);
    if (st)
        return st;
    return rt_buffer_fill(plan->ctx, *out, bytes, 0.0f, what);
}

/* Bakes a transform of `planes` planes; its scratch is workspace. */
static clconv_status transform_create(clconv_plan *plan, const fft_plan *d, int inverse,
                                      size_t planes, fft_transform *t)
{
    rt_fft_desc desc = transform_desc(&d->z, d->red, inverse, planes);
    size_t scratch = 0;
    double ms = 0.0;
    t->backend = d->z.backend;
    clconv_status st = t->backend->create(plan->ctx, &desc, &t->f, &scratch, &ms);
    plan->build_ms += ms;
    plan->compiled = 1; /* backends compile (or load) their kernels when baking */
    if (!st && scratch)
        st = conv_alloc_workspace(plan, scratch, "FFT backend scratch", &t->scratch);
    return st;
}

static clconv_status transform_enqueue(clconv_plan *plan, fft_transform *t, cl_mem real,
                                       cl_mem re, cl_mem im, conv_events *ev, int stage)
{
    clconv_status st = conv_event_span_begin(plan, ev, stage);
    return st ? st : t->backend->enqueue(plan->ctx, t->f, real, re, im, t->scratch,
                                         conv_event_slot(ev, stage));
}

static void transform_destroy(fft_transform *t)
{
    if (t->backend)
        t->backend->destroy(t->f);
    if (t->scratch)
        clReleaseMemObject(t->scratch);
    *t = (fft_transform){0};
}

/* ---- the reductions ---- */

/* cmac.cl: planar plane-major spectra, weights blocked
 * [ceil(C_out/OT)][F_pad/VEC][C_in][OT][re,im][VEC] (C_out rounded up to
 * its output tile; the extra channels stay zero). */
static clconv_status cmac_create(clconv_plan *plan, fft_plan *d)
{
    char options[96];
    snprintf(options, sizeof options, "-DVEC=%d -DOT=%d -DBT=%d", d->z.vec, d->z.ot, d->z.bt);
    cl_program prog;
    clconv_status st;
    if ((st = conv_plan_program(plan, "fft/cmac.cl", options, &prog)) ||
        (st = rt_kernel_create(plan->ctx, prog, "cmac", &d->cmac)))
        return st;
    return rt_kernel_create(plan->ctx, prog, "block_weights", &d->block);
}

static double cmac_weight_bytes(const clconv_problem *p, const fft_sizes *z)
{
    int tiles = (p->out_channels + z->ot - 1) / z->ot;
    return (double)tiles * z->ot * p->in_channels * (double)z->f_pad * 2 * sizeof(float);
}

/* Transforms into plane-major spectra, then blocks them into d->w. */
static clconv_status cmac_weights(clconv_plan *plan, fft_plan *d, fft_transform *fwd, cl_mem real)
{
    const clconv_problem *p = &plan->cfg.problem;
    size_t planes = (size_t)p->out_channels * p->in_channels;
    size_t bytes = planes * d->z.f_pad * sizeof(float);
    cl_mem tr = NULL, ti = NULL;
    clconv_status st;
    if (!(st = rt_buffer_create(plan->ctx, bytes, "plane-major weight spectra", &tr)) &&
        !(st = rt_buffer_create(plan->ctx, bytes, "plane-major weight spectra", &ti)) &&
        !(st = rt_buffer_fill(plan->ctx, tr, bytes, 0.0f, "plane-major weight spectra")) &&
        !(st = rt_buffer_fill(plan->ctx, ti, bytes, 0.0f, "plane-major weight spectra")) &&
        !(st = transform_enqueue(plan, fwd, real, tr, ti, NULL, 0))) {
        const cl_mem mems[] = {tr, ti, d->w};
        const cl_int ints[] = {p->in_channels, (cl_int)d->z.f_pad};
        size_t global[2] = {d->z.f_pad, planes};
        if (!(st = conv_set_args(plan, d->block, "block_weights", mems, 3, ints, 2)))
            st = conv_enqueue(plan, d->block, "block_weights", 2, global, NULL);
    }
    /* the queue is in order: releasing now frees them after the blocking */
    if (tr)
        clReleaseMemObject(tr);
    if (ti)
        clReleaseMemObject(ti);
    return st;
}

static clconv_status cmac_run(clconv_plan *plan, fft_plan *d, conv_events *ev)
{
    const clconv_problem *p = &plan->cfg.problem;
    const cl_int ints[] = {(cl_int)d->z.b, p->in_channels, p->out_channels, (cl_int)d->z.f_pad};
    const cl_mem mems[] = {d->xr, d->xi, d->w, d->yr, d->yi};
    clconv_status st = conv_set_args(plan, d->cmac, "cmac", mems, 5, ints, 4);
    size_t global = d->z.f_pad / (size_t)d->z.vec *
                    (((size_t)p->out_channels + (size_t)d->z.ot - 1) / (size_t)d->z.ot) *
                    ((d->z.b + (size_t)d->z.bt - 1) / (size_t)d->z.bt);
    return st ? st
              : conv_enqueue(plan, d->cmac, "cmac", 1, &global, conv_event_slot(ev, STAGE_CMAC));
}

/* A complex GEMM strided-batched over frequencies (the plan's GEMM backend
 * when it has one, else CLBlast's: see rt_cgemm_backend_get): interleaved
 * frequency-major spectra, conjugated weights [F][C_in][C_out] written by
 * the transform itself. A backend that can compile ahead does it here (CLBlast
 * compiles inside its first call, which a caller's warm-up run takes). */
static const rt_gemm_backend *cgemm_backend(const clconv_plan *plan)
{
    return rt_cgemm_backend_get(plan->cfg.gemm_backend, plan->cfg.device, NULL);
}

static clconv_status cgemm_create(clconv_plan *plan, fft_plan *d)
{
    (void)d;
    const rt_gemm_backend *b = cgemm_backend(plan);
    if (!b->cgemm_prepare)
        return CLCONV_SUCCESS;
    rt_build_stats stats = {0};
    clconv_status st = b->cgemm_prepare(plan->ctx, &stats);
    conv_plan_count_build(plan, &stats);
    return st;
}

static double cgemm_weight_bytes(const clconv_problem *p, const fft_sizes *z)
{
    return (double)p->out_channels * p->in_channels * (double)z->f * 2 * sizeof(float);
}

static clconv_status cgemm_weights(clconv_plan *plan, fft_plan *d, fft_transform *fwd, cl_mem real)
{
    return transform_enqueue(plan, fwd, real, d->w, NULL, NULL, 0);
}

/* Per frequency f: Y_f [B x C_out] = X_f [B x C_in] conj(W_f) [C_in x C_out],
 * with B = images x tiles. */
static clconv_status cgemm_run(clconv_plan *plan, fft_plan *d, conv_events *ev)
{
    const clconv_problem *p = &plan->cfg.problem;
    rt_gemm g = {.m = d->z.b, .n = (size_t)p->out_channels,
                 .k = (size_t)p->in_channels, .batch = d->z.f,
                 .a = d->xr, .lda = (size_t)p->in_channels,
                 .a_stride = d->z.b * p->in_channels,
                 .b = d->w, .ldb = (size_t)p->out_channels,
                 .b_stride = (size_t)p->out_channels * p->in_channels,
                 .c = d->yr, .ldc = (size_t)p->out_channels,
                 .c_stride = d->z.b * p->out_channels};
    clconv_status st = conv_event_span_begin(plan, ev, STAGE_CMAC);
    return st ? st : cgemm_backend(plan)->cgemm(plan->ctx, &g, conv_event_slot(ev, STAGE_CMAC));
}

static const conv_tunable fft_tile_tunable, fft_cgemm_tile_tunable; /* below */

/* The priors: cmac.cl reads each weight vector once per pair of tiles;
 * clconv's complex GEMM holds a register tile (measured on PoCL at
 * seed-k3 with 8 x 8 tiles: 27 and 135-151 GFLOP/s against a 21-23 GB/s
 * copy). */
static const fft_reduction reduce_cmac = {RT_SPECTRA_PLANE_MAJOR, "spread_weights", 0,
                                          &fft_tile_tunable, 1.4, cmac_create,
                                          cmac_weight_bytes, cmac_weights, cmac_run};
static const fft_reduction reduce_cgemm = {RT_SPECTRA_FREQ_MAJOR, "spread_weights_conj", 1,
                                           &fft_cgemm_tile_tunable, 6.5, cgemm_create,
                                           cgemm_weight_bytes, cgemm_weights, cgemm_run};

extern const conv_algo_ops conv_fft_ops, conv_fft_cgemm_ops;

static const fft_reduction *reduction_of(const conv_algo_ops *ops)
{
    return ops == &conv_fft_cgemm_ops ? &reduce_cgemm : &reduce_cmac;
}

static clconv_status fft_check(clconv_context *ctx, const conv_config *cfg)
{
    return check_with(ctx, cfg, &reduce_cmac);
}

static clconv_status fft_cgemm_check(clconv_context *ctx, const conv_config *cfg)
{
    return check_with(ctx, cfg, &reduce_cgemm);
}

static size_t fft_workspace(const conv_config *cfg)
{
    return workspace_with(cfg, &reduce_cmac);
}

static size_t fft_cgemm_workspace(const conv_config *cfg)
{
    return workspace_with(cfg, &reduce_cgemm);
}

/* ---- the algorithm ---- */

const char *clconv_plan_fft_backend(const clconv_plan *plan)
{
    if (!plan || (plan->ops != &conv_fft_ops && plan->ops != &conv_fft_cgemm_ops))
        return NULL;
    const fft_plan *d = plan->impl;
    return d->z.backend->name;
}

static clconv_status fft_create(clconv_plan *plan)
{
    const clconv_problem *p = &plan->cfg.problem;
    fft_plan *d = calloc(1, sizeof *d);
    if (!d)
        return rt_fail(plan->ctx, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory");
    plan->impl = d;
    d->red = reduction_of(plan->ops);
    sizes(&plan->cfg, d->red, &d->z);
    cl_program pad_prog, crop_prog;
    char epilogue[CONV_EPILOGUE_OPTIONS_MAX], crop_options[16 + CONV_EPILOGUE_OPTIONS_MAX];
    conv_epilogue_options(&plan->cfg.epilogue, epilogue, sizeof epilogue);
    snprintf(crop_options, sizeof crop_options, "-DVEC=1%s", epilogue);
    clconv_status st;
    if ((st = conv_plan_program(plan, "fft/pad.cl", "-DVEC=1", &pad_prog)) ||
        (st = conv_plan_program(plan, "fft/crop.cl", crop_options, &crop_prog)) ||
        (st = rt_kernel_create(plan->ctx, pad_prog, "tile_input", &d->pad)) ||
        (st = rt_kernel_create(plan->ctx, pad_prog, d->red->spread, &d->spread)) ||
        (st = rt_kernel_create(plan->ctx, crop_prog, "crop", &d->crop)) ||
        (st = d->red->create(plan, d)))
        return st;
    fft_buffer b[BUFFERS];
    buffers(&plan->cfg, d->red, &d->z, b);
    cl_mem *mems[OWN_BUFFERS] = {&d->real_x, &d->real_y, &d->xr, &d->xi, &d->w, &d->yr, &d->yi};
    for (int i = 0; i < OWN_BUFFERS; i++)
        if (b[i].bytes && (st = zeroed(plan, (size_t)b[i].bytes, b[i].what, mems[i])))
            return st;
    if ((st = transform_create(plan, d, 0, d->z.b * p->in_channels, &d->fwd_x)) ||
        (st = transform_create(plan, d, 1, d->z.b * p->out_channels, &d->inv)))
        return st;
    return CLCONV_SUCCESS;
}

/* Spreads (dilation) and transforms the weights once, timed as weights_fft.
 * The real planes and the transform (its scratch can be as large as the
 * spectra) exist only here: they are not part of the plan's workspace. */
static clconv_status fft_set_weights(clconv_plan *plan)
{
    const clconv_problem *p = &plan->cfg.problem;
    fft_plan *d = plan->impl;
    size_t planes = (size_t)p->out_channels * p->in_channels;
    size_t workspace = plan->workspace_bytes;
    fft_transform fwd_w = {0};
    cl_mem real = NULL;
    cl_event spread_ev = NULL, done = NULL;
    cl_int err;
    clconv_status st = transform_create(plan, d, 0, planes, &fwd_w);
    plan->workspace_bytes = workspace;
    if (!st)
        st = rt_buffer_create(plan->ctx, planes * d->z.ph * d->z.pw * sizeof(float),
                              "the spread weight planes", &real);
    if (!st) {
        const cl_int ints[] = {p->kernel_h,      p->kernel_w,     p->dilation_h,
                               p->dilation_w,    (cl_int)d->z.ph, (cl_int)d->z.pw,
                               p->in_channels,   p->out_channels};
        const cl_mem mems[] = {plan->weights, real};
        const char *name = d->red->spread;
        size_t global[3] = {d->z.pw, d->z.ph, planes};
        if (!(st = conv_set_args(plan, d->spread, name, mems, 2, ints,
                                 d->red->spread_channels ? 8 : 6)) &&
            !(st = conv_enqueue(plan, d->spread, name, 3, global, &spread_ev)))
            st = d->red->weights(plan, d, &fwd_w, real);
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
    if (real)
        clReleaseMemObject(real);
    transform_destroy(&fwd_w);
    return st;
}

static clconv_status fft_execute(clconv_plan *plan, cl_mem input, cl_mem output, conv_events *ev)
{
    const clconv_problem *p = &plan->cfg.problem;
    fft_plan *d = plan->impl;
    const cl_int oh = clconv_problem_out_height(p), ow = clconv_problem_out_width(p);
    const cl_int tiles_w = (cl_int)d->z.tiles_w, tiles = (cl_int)(d->z.tiles_h * d->z.tiles_w);
    const cl_int step_h = (cl_int)d->z.step_h, step_w = (cl_int)d->z.step_w;
    const cl_int pad_ints[] = {p->in_channels, p->height, p->width, p->pad_h, p->pad_w,
                               (cl_int)d->z.ph, (cl_int)d->z.pw, tiles_w, tiles, step_h, step_w};
    const cl_mem pad_mems[] = {input, d->real_x};
    size_t pad_global[3] = {d->z.pw, d->z.ph, d->z.b * p->in_channels};
    const cl_int crop_ints[] = {p->out_channels, oh, ow, p->stride_h, p->stride_w,
                                (cl_int)d->z.ph, (cl_int)d->z.pw, plan->bias != NULL,
                                tiles_w, tiles, step_h, step_w};
    const cl_mem crop_mems[] = {d->real_y, plan->bias, output, plan->residual};
    size_t crop_global[3] = {(size_t)ow, (size_t)oh, (size_t)p->batch * p->out_channels};
    clconv_status st;
    if ((st = conv_set_args(plan, d->pad, "tile_input", pad_mems, 2, pad_ints, 11)) ||
        (st = conv_enqueue(plan, d->pad, "tile_input", 3, pad_global,
                           conv_event_slot(ev, STAGE_PAD))) ||
        (st = transform_enqueue(plan, &d->fwd_x, d->real_x, d->xr, d->xi, ev,
                                STAGE_FFT_FORWARD)) ||
        (st = d->red->run(plan, d, ev)) ||
        (st = transform_enqueue(plan, &d->inv, d->real_y, d->yr, d->yi, ev,
                                STAGE_FFT_INVERSE)) ||
        (st = conv_set_args(plan, d->crop, "crop", crop_mems, 4, crop_ints, 12)))
        return st;
    return conv_enqueue(plan, d->crop, "crop", 3, crop_global, conv_event_slot(ev, STAGE_CROP));
}

static void fft_destroy(clconv_plan *plan)
{
    fft_plan *d = plan->impl;
    if (!d)
        return;
    transform_destroy(&d->fwd_x);
    transform_destroy(&d->inv);
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

/* A real transform of n points: the customary 2.5 n log2 n FLOPs (half the
 * 5 n log2 n of a complex one), whatever the radix. */
static double real_fft_flops(double n)
{
    return 2.5 * n * log2(n);
}

/* Per stage, over B = images x tiles transforms of ph x pw per channel with
 * f = ph * (pw/2 + 1) frequencies per plane: pad (tile) reads the input
 * and writes the tiles' planes; the forward transforms read them and write
 * spectra; cmac reads the input and weight spectra and writes the output
 * spectra (a complex multiply-add is 8 FLOPs); the inverse reads those and
 * writes real planes; crop reads the outputs it keeps (a stride samples
 * them) and writes them, scaled, plus the bias. Both reductions move the
 * same compulsory bytes. */
static void stage_costs(const conv_config *cfg, const fft_sizes *z, int has_bias, double flops[5],
                        double bytes[5])
{
    const clconv_problem *p = &cfg->problem;
    double n = (double)z->b, ci = p->in_channels, co = p->out_channels;
    double plane = (double)z->ph * (double)z->pw, f = (double)z->f;
    double out = conv_outputs(p);
    flops[STAGE_PAD] = 0.0;
    bytes[STAGE_PAD] = 4.0 * ((double)clconv_problem_input_elems(p) + n * ci * plane);
    flops[STAGE_FFT_FORWARD] = n * ci * real_fft_flops(plane);
    bytes[STAGE_FFT_FORWARD] = n * ci * (4.0 * plane + 8.0 * f);
    flops[STAGE_CMAC] = 8.0 * n * co * ci * f;
    bytes[STAGE_CMAC] = 8.0 * f * (n * ci + co * ci + n * co);
    flops[STAGE_FFT_INVERSE] = n * co * real_fft_flops(plane);
    bytes[STAGE_FFT_INVERSE] = n * co * (8.0 * f + 4.0 * plane);
    flops[STAGE_CROP] = out * (has_bias ? 2.0 : 1.0);
    bytes[STAGE_CROP] = 4.0 * (2.0 * out + (has_bias ? co : 0.0));
}

static void cost_with(const conv_config *cfg, const fft_reduction *r, int has_bias,
                      clconv_cost *c)
{
    fft_sizes z;
    double flops[5], bytes[5];
    sizes(cfg, r, &z);
    stage_costs(cfg, &z, has_bias, flops, bytes);
    for (int s = 0; s < 5; s++) /* fft-cgemm has the same stages */
        conv_cost_add(c, &conv_fft_ops, s, flops[s], bytes[s]);
}

static void fft_cost(const conv_config *cfg, int has_bias, clconv_cost *c)
{
    cost_with(cfg, &reduce_cmac, has_bias, c);
}

static void fft_cgemm_cost(const conv_config *cfg, int has_bias, clconv_cost *c)
{
    cost_with(cfg, &reduce_cgemm, has_bias, c);
}

/* ---- the tile: tunable, and a default rule from the cost model ---- */

/* The tiles: whole planes, and square tiles of a power of two from the
 * first that yields more outputs than the kernel's extent (less repeats
 * most of the input) up to the padded image. */
enum { TILES = 6 };

static int tile_list(const conv_config *cfg, int tiles[TILES])
{
    const clconv_problem *p = &cfg->problem;
    int extent_h = (p->kernel_h - 1) * p->dilation_h + 1;
    int extent_w = (p->kernel_w - 1) * p->dilation_w + 1;
    int extent = extent_h > extent_w ? extent_h : extent_w;
    int padded_h = (int)rt_padded_height(p), padded_w = (int)rt_padded_width(p);
    int padded = padded_h > padded_w ? padded_h : padded_w;
    int n = 0;
    tiles[n++] = 0; /* whole planes */
    for (int t = 8; t < padded && t <= 4096 && n < TILES; t *= 2)
        if (t >= 2 * extent)
            tiles[n++] = t;
    return n;
}

/* The tuner's points: each tile with each backend that can transform it
 * (the default backend's choice is one of them), or with the plan's own
 * backend when it asked for one. */
static int tile_candidates(const conv_config *cfg, int (*out)[CONV_MAX_PARAMS], int max)
{
    int tiles[TILES];
    int nt = tile_list(cfg, tiles), n = 0;
    for (int i = 0; i < nt; i++)
        for (int b = 0; b < CLCONV_FFT_BACKEND_COUNT && n < max; b++) {
            if ((cfg->fft_backend == CLCONV_FFT_BACKEND_DEFAULT) == (b == 0))
                continue;
            if (b) {
                fft_sizes z;
                const rt_fft_backend *backend = rt_fft_backend_get((clconv_fft_backend)b);
                sizes_with(cfg, backend, tiles[i], &z);
                if (!z.tiles_h || !z.tiles_w || !backend->size_ok(z.ph) ||
                    !backend->size_ok(z.pw))
                    continue;
            }
            memset(out[n], 0, sizeof out[n]);
            out[n][0] = tiles[i];
            out[n++][1] = b;
        }
    return n;
}

static int tile_valid(const int *params)
{
    return (params[0] == 0 || (params[0] >= 2 && params[0] <= 4096)) && params[1] >= 0 &&
           params[1] < CLCONV_FFT_BACKEND_COUNT;
}

/* What the default rule predicts for a tile, in units of the time a byte
 * takes to stream: the FFT stages' FLOPs at their backend's prior, cmac at
 * the slower of its bytes and its FLOPs at the reduction's prior, pad and
 * crop at their bytes. Priors measured on PoCL (AVX-512, 2 cores), not on
 * this device: the tuner (--tune) times the candidates. */

static double predicted(const conv_config *cfg, const fft_reduction *r, const fft_sizes *z)
{
    double flops[5], bytes[5];
    stage_costs(cfg, z, 0, flops, bytes);
    double cmac = flops[STAGE_CMAC] / r->flops_per_byte;
    return bytes[STAGE_PAD] + bytes[STAGE_CROP] +
           (flops[STAGE_FFT_FORWARD] + flops[STAGE_FFT_INVERSE]) / z->backend->flops_per_byte +
           (cmac > bytes[STAGE_CMAC] ? cmac : bytes[STAGE_CMAC]);
}

/* The tile the model predicts fastest among those whose buffers fit the
 * workspace limit (else the one with the smallest largest buffer), of those
 * the default order's backend can transform (none: whole planes, which
 * check then refuses with the reason), with that backend. */
static void tile_default_with(const conv_config *cfg, const fft_reduction *r, int *params)
{
    int tiles[TILES];
    int n = tile_list(cfg, tiles);
    double best = INFINITY, least_largest = INFINITY;
    int best_tile = -1, least_tile = 0;
    for (int i = 0; i < n; i++) {
        fft_sizes z;
        fft_buffer b[BUFFERS];
        sizes_for(cfg, tiles[i], &z);
        if (!z.tiles_h || !z.tiles_w || !z.backend->size_ok(z.ph) || !z.backend->size_ok(z.pw))
            continue;
        buffers(cfg, r, &z, b);
        double largest = 0.0;
        for (int k = 0; k < BUFFERS; k++)
            largest = b[k].bytes > largest ? b[k].bytes : largest;
        double t = predicted(cfg, r, &z);
        if (largest <= (double)cfg->workspace_limit_bytes && t < best)
            best = t, best_tile = tiles[i];
        if (largest < least_largest)
            least_largest = largest, least_tile = tiles[i];
    }
    params[0] = best_tile >= 0 ? best_tile : least_tile;
    /* the backend the default order takes for it, named (as a tune would) */
    params[1] = 0;
    if (cfg->fft_backend == CLCONV_FFT_BACKEND_DEFAULT) {
        fft_sizes z;
        sizes_for(cfg, params[0], &z);
        for (int b = 1; b < CLCONV_FFT_BACKEND_COUNT; b++)
            if (rt_fft_backend_get((clconv_fft_backend)b) == z.backend)
                params[1] = b;
    }
}

static void fft_tile_default(const conv_config *cfg, int *params)
{
    tile_default_with(cfg, &reduce_cmac, params);
}

static void fft_cgemm_tile_default(const conv_config *cfg, int *params)
{
    tile_default_with(cfg, &reduce_cgemm, params);
}

/* The backends by name, from their tables: the default order and the
 * numbers the second parameter takes. */
static void tile_valid_values(const conv_config *cfg, char *text, size_t cap)
{
    (void)cfg;
    char order[128] = "", numbers[128] = "";
    clconv_fft_backend id;
    for (int i = 0; rt_fft_backend_default_order(i, &id); i++)
        snprintf(order + strlen(order), sizeof order - strlen(order), "%s%s", i ? ", " : "",
                 clconv_fft_backend_name(id));
    for (int b = CLCONV_FFT_BACKEND_DEFAULT + 1; b < CLCONV_FFT_BACKEND_COUNT; b++)
        snprintf(numbers + strlen(numbers), sizeof numbers - strlen(numbers), "%s%d %s",
                 numbers[0] ? ", " : "", b, clconv_fft_backend_name((clconv_fft_backend)b));
    snprintf(text, cap,
             "tile 0 (whole planes) or 2..4096 (square tiles of the padded input, at least the "
             "dilated kernel's extent) and, when the plan's FFT backend is the default, fft 0 "
             "(the default order: %s) or a backend's number (%s; may be left out)",
             order, numbers);
}

/* One tunable per algorithm (the method string keeps their database
 * entries apart); the same parameters and candidates. fft-cgemm's best tile
 * depends on which complex GEMM runs: its entries are per GEMM backend. */
#define FFT_TILE_TUNABLE(method_, defaults_, per_gemm_backend_)                                    \
    {                                                                                              \
        .kernel_file = RT_PERFDB_EVERY_KERNEL, .method = (method_), .param_count = 2,              \
        .param_names = {"tile", "fft"}, .param_required = 1, .defaults = (defaults_),              \
        .candidates = tile_candidates, .valid = tile_valid, .per_fft_backend = 1,                  \
        .per_gemm_backend = (per_gemm_backend_), .valid_values = tile_valid_values,                \
    }

static const conv_tunable fft_tile_tunable =
    FFT_TILE_TUNABLE("fft 3 (overlap-save tiles, cmac.cl, backend per tile)",
                     fft_tile_default, 0);
static const conv_tunable fft_cgemm_tile_tunable =
    FFT_TILE_TUNABLE("fft-cgemm 3 (overlap-save tiles, complex GEMM per frequency, "
                     "backend per tile)",
                     fft_cgemm_tile_default, 1);

#define FFT_STAGES                                                                         \
    .weights_stage = "weights_fft",                                                        \
    .stage_count = 5,                                                                      \
    .stage_names = {[STAGE_PAD] = "pad", [STAGE_FFT_FORWARD] = "fft_forward",             \
                    [STAGE_CMAC] = "cmac", [STAGE_FFT_INVERSE] = "fft_inverse",           \
                    [STAGE_CROP] = "crop"},                                                \
    .spectral = 1,                                                                         \
    .create = fft_create, .set_weights = fft_set_weights, .execute = fft_execute,          \
    .destroy = fft_destroy

const conv_algo_ops conv_fft_ops = {
    .name = "fft",
    .efficiency_prior = 0.1,
    .summary = "overlap-save tiles of the padded input (cl/fft/pad.cl; tile size tunable), "
               "batched R2C (the FFT backend), complex multiply-accumulate over input channels "
               "per frequency (cl/fft/cmac.cl), batched C2R, gather + stride + scale + bias "
               "(cl/fft/crop.cl); weight spectra made once in set_weights (weights_fft)",
    .tunable = &fft_tile_tunable,
    .cost = fft_cost,
    .check = fft_check,
    .workspace = fft_workspace,
    FFT_STAGES,
};

const conv_algo_ops conv_fft_cgemm_ops = {
    .name = "fft-cgemm",
    .efficiency_prior = 0.1,
    .summary = "the same, with a complex GEMM strided-batched over frequencies (the plan's "
               "GEMM backend) as the multiply-accumulate",
    .tunable = &fft_cgemm_tile_tunable,
    .cost = fft_cgemm_cost,
    .check = fft_cgemm_check,
    .workspace = fft_cgemm_workspace,
    FFT_STAGES,
};
