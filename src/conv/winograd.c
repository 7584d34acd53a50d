/* Winograd convolution (cl/winograd/winograd.cl): F(4x4,3x3) for 3x3
 * kernels and F(2x2,5x5) for 5x5 ones, both on 6x6 input tiles, stride 1
 * and dilation 1, any padding, batch and channel counts.
 *
 *   set_weights  U [36][C_out][C_in] = G g G^T            weights_transform
 *   per chunk (a range of blocks of VEC tiles along the tile rows):
 *     V [36][C_in][cols]  = B^T d B                        input_transform
 *     M [36][C_out][cols] = U V, 36 GEMMs strided-batched  gemm
 *     y = A^T M A + bias, cropped                          output_transform
 *
 * The GEMM is the plan's GEMM backend (clconv's register-tiled SGEMM by
 * default, its tile tunable: conv/gemm_stage.h). It does 36 multiplies per
 * tile and channel pair where direct does 16 x 9 (3x3) or 4 x 25 (5x5):
 * 4x and 2.8x fewer. Larger tiles do fewer still, at a larger rounding
 * error (see the README). */
#include "conv/algo.h"
#include "conv/gemm_stage.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

enum { STAGE_INPUT, STAGE_GEMM, STAGE_OUTPUT };

#define ALPHA 6 /* input tile side */
#define PLANES (ALPHA * ALPHA)

/* The variants, one per kernel size: the kernel file's R and its tile. */
typedef struct wino_variant {
    int r, m; /* kernel side, outputs per tile side: alpha = m + r - 1 */
    const char *name;
} wino_variant;

static const wino_variant variants[] = {
    {3, 4, "F(4x4,3x3)"},
    {5, 2, "F(2x2,5x5)"},
};

static const wino_variant *variant_of(const clconv_problem *p)
{
    if (p->stride_h != 1 || p->stride_w != 1 || p->dilation_h != 1 || p->dilation_w != 1 ||
        p->kernel_h != p->kernel_w)
        return NULL;
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
        if (variants[i].r == p->kernel_h)
            return &variants[i];
    return NULL;
}

/* Tiles, and how many a chunk takes. The input transform puts VEC tiles of
 * a tile row in the lanes of a vector (cl/winograd/winograd.cl): a row of
 * tiles_w tiles is blocks_w blocks of VEC, V's and M's columns are the
 * blocks' lanes, and a chunk is a range of blocks. Each of the three
 * buffers must fit the workspace limit (the largest one buffer may be). */
typedef struct wino_sizes {
    int vec, tiles_h, tiles_w, blocks_w;
    size_t tiles;     /* real ones: N * tiles_h * tiles_w */
    size_t blocks;    /* N * tiles_h * blocks_w */
    size_t per_chunk; /* blocks; 0: not even one fits */
    size_t u_bytes;
} wino_sizes;

static size_t pow2_floor(size_t v)
{
    size_t p = 1;
    while (p * 2 <= v)
        p *= 2;
    return p;
}

static void sizes(const conv_config *cfg, const wino_variant *v, wino_sizes *z)
{
    const clconv_problem *p = &cfg->problem;
    z->tiles_h = (clconv_problem_out_height(p) + v->m - 1) / v->m;
    z->tiles_w = (clconv_problem_out_width(p) + v->m - 1) / v->m;
    z->tiles = (size_t)p->batch * (size_t)z->tiles_h * (size_t)z->tiles_w;
    z->u_bytes = (size_t)PLANES * p->out_channels * p->in_channels * sizeof(float);
    const size_t widest = (size_t)(p->in_channels > p->out_channels ? p->in_channels
                                                                    : p->out_channels);
    /* columns one buffer can hold; the vector the device's, whatever the
     * row's width (one program per kernel size and device: a narrow image
     * wastes lanes, not compiles), unless the limit holds fewer columns */
    const size_t fit = cfg->workspace_limit_bytes / (PLANES * widest * sizeof(float));
    clconv_device_info none = {0};
    const int vec = rt_vector_width(cfg->device ? cfg->device : &none, 16);
    z->vec = fit < 1 ? 1 : (size_t)vec <= fit ? vec : (int)pow2_floor(fit);
    z->blocks_w = (z->tiles_w + z->vec - 1) / z->vec;
    z->blocks = (size_t)p->batch * (size_t)z->tiles_h * (size_t)z->blocks_w;
    const size_t fit_blocks = fit / (size_t)z->vec;
    z->per_chunk = z->u_bytes > cfg->workspace_limit_bytes ? 0
                   : fit_blocks < z->blocks               ? fit_blocks
                                                          : z->blocks;
}

/* The whole problem's 36 GEMMs (a chunk takes fewer columns). */
static rt_gemm_shape whole_gemm(const clconv_problem *p, const wino_sizes *z)
{
    const rt_gemm_shape shape = {.m = (size_t)p->out_channels, .n = z->blocks * (size_t)z->vec,
                                 .k = (size_t)p->in_channels, .batch = PLANES};
    return shape;
}

/* The tuner's tiles for the whole problem's GEMMs; none for a problem
 * winograd cannot take. */
static int tile_candidates(const conv_config *cfg, int (*out)[CONV_MAX_PARAMS], int max)
{
    const wino_variant *v = variant_of(&cfg->problem);
    wino_sizes z;
    if (!v)
        return 0;
    sizes(cfg, v, &z);
    const rt_gemm_shape shape = whole_gemm(&cfg->problem, &z);
    return conv_gemm_candidates(cfg, &shape, out, max);
}

static const conv_tunable gemm_tile_tunable =
    CONV_GEMM_TILE_TUNABLE("winograd 1 (36 GEMMs of C_out x C_in x tiles)", tile_candidates);

static clconv_status winograd_check(clconv_context *ctx, const conv_config *cfg)
{
    const clconv_problem *p = &cfg->problem;
    const wino_variant *v = variant_of(p);
    if (!v)
        return rt_fail(ctx, CLCONV_ERR_UNSUPPORTED,
                       "winograd: F(4x4,3x3) and F(2x2,5x5) need a 3x3 or 5x5 kernel, stride 1 "
                       "and dilation 1; this problem has kernel %dx%d, stride %dx%d, dilation "
                       "%dx%d", p->kernel_h, p->kernel_w, p->stride_h, p->stride_w,
                       p->dilation_h, p->dilation_w);
    wino_sizes z;
    sizes(cfg, v, &z);
    if (z.blocks * (size_t)z.vec > INT_MAX)
        return rt_fail(ctx, CLCONV_ERR_UNSUPPORTED,
                       "winograd: %zu tiles; the kernels index at most 2^31 - 1", z.tiles);
    if (!z.per_chunk)
        return rt_fail(ctx, CLCONV_ERR_UNSUPPORTED,
                       "winograd %s: the transformed weights (%zu bytes) or one tile's 36 "
                       "planes exceed the workspace limit of %zu bytes (the device's max "
                       "allocation, or lower if asked)", v->name, z.u_bytes,
                       cfg->workspace_limit_bytes);
    return CLCONV_SUCCESS;
}

/* U, and V and M for one chunk. */
static size_t winograd_workspace(const conv_config *cfg)
{
    const clconv_problem *p = &cfg->problem;
    const wino_variant *v = variant_of(p);
    wino_sizes z;
    if (!v)
        return 0;
    sizes(cfg, v, &z);
    return z.u_bytes + (size_t)PLANES * (size_t)(p->in_channels + p->out_channels) * z.per_chunk *
                           (size_t)z.vec * sizeof(float);
}

typedef struct wino_plan {
    const wino_variant *v;
    wino_sizes z;
    const rt_gemm_backend *gemm;
    rt_sgemm_tile tile;
    cl_kernel weights, input, output;
    cl_mem u, vt, mt; /* U, V, M */
} wino_plan;

/* The GEMM of a chunk of `cols` columns: per plane, M [C_out x cols] =
 * U [C_out x C_in] V [C_in x cols]. */
static rt_gemm chunk_gemm(const clconv_plan *plan, const wino_plan *d, size_t cols)
{
    const size_t c_in = (size_t)plan->cfg.problem.in_channels;
    const size_t c_out = (size_t)plan->cfg.problem.out_channels;
    rt_gemm g = {
        .m = c_out, .n = cols, .k = c_in, .batch = PLANES,
        .a = d->u, .lda = c_in, .a_stride = c_out * c_in,
        .b = d->vt, .ldb = cols, .b_stride = c_in * cols,
        .c = d->mt, .ldc = cols, .c_stride = c_out * cols,
    };
    return g;
}

static clconv_status winograd_create(clconv_plan *plan)
{
    clconv_status st = winograd_check(plan->ctx, &plan->cfg);
    if (st)
        return st;
    const clconv_problem *p = &plan->cfg.problem;
    wino_plan *d = calloc(1, sizeof *d);
    if (!d)
        return rt_fail(plan->ctx, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory");
    plan->impl = d;
    d->v = variant_of(p);
    sizes(&plan->cfg, d->v, &d->z);
    d->gemm = rt_gemm_backend_get(plan->cfg.gemm_backend, plan->cfg.device, NULL);
    if ((st = conv_gemm_tile(plan, &gemm_tile_tunable, &d->tile)))
        return st;
    char epilogue[CONV_EPILOGUE_OPTIONS_MAX], options[32 + CONV_EPILOGUE_OPTIONS_MAX];
    conv_epilogue_options(&plan->cfg.epilogue, epilogue, sizeof epilogue);
    snprintf(options, sizeof options, "-DR=%d -DVEC=%d%s", d->v->r, d->z.vec, epilogue);
    const size_t chunk = d->z.per_chunk * (size_t)d->z.vec; /* columns */
    cl_program prog;
    if ((st = conv_plan_program(plan, "winograd/winograd.cl", options, &prog)) ||
        (st = rt_kernel_create(plan->ctx, prog, "winograd_weights", &d->weights)) ||
        (st = rt_kernel_create(plan->ctx, prog, "winograd_input", &d->input)) ||
        (st = rt_kernel_create(plan->ctx, prog, "winograd_output", &d->output)) ||
        (st = conv_alloc_workspace(plan, d->z.u_bytes, "transformed weights", &d->u)) ||
        (st = conv_alloc_workspace(plan, PLANES * (size_t)p->in_channels * chunk * sizeof(float),
                                   "transformed input tiles", &d->vt)) ||
        (st = conv_alloc_workspace(plan, PLANES * (size_t)p->out_channels * chunk * sizeof(float),
                                   "GEMM output tiles", &d->mt)))
        return st;
    rt_gemm g = chunk_gemm(plan, d, chunk);
    return conv_gemm_prepare(plan, d->gemm, &g, &d->tile);
}

/* U = G g G^T; its device time is the plan's weights_ms. */
static clconv_status winograd_set_weights(clconv_plan *plan)
{
    const clconv_problem *p = &plan->cfg.problem;
    wino_plan *d = plan->impl;
    const cl_int ints[] = {p->in_channels, p->out_channels};
    const cl_mem mems[] = {plan->weights, d->u};
    size_t global[2] = {(size_t)p->in_channels, (size_t)p->out_channels};
    cl_event done = NULL;
    clconv_status st = conv_set_args(plan, d->weights, "winograd_weights", mems, 2, ints, 2);
    if (!st)
        st = conv_enqueue(plan, d->weights, "winograd_weights", 2, global, &done);
    cl_int err;
    if (!st && (err = clWaitForEvents(1, &done)) != CL_SUCCESS)
        st = rt_cl_fail(plan->ctx, err, "clWaitForEvents", "winograd_weights");
    plan->weights_ms = st ? -1.0 : rt_event_span_ms(plan->ctx, done, done);
    if (done)
        clReleaseEvent(done);
    return st;
}

static clconv_status run_chunk(clconv_plan *plan, wino_plan *d, cl_mem input, cl_mem output,
                               size_t b0, size_t blocks, conv_events *ev)
{
    const clconv_problem *p = &plan->cfg.problem;
    const size_t cols = blocks * (size_t)d->z.vec;
    const cl_int in_ints[] = {p->in_channels, p->height, p->width, p->pad_h, p->pad_w,
                              d->z.tiles_h, d->z.tiles_w, (cl_int)b0, (cl_int)blocks,
                              (cl_int)cols};
    const cl_mem in_mems[] = {input, d->vt};
    size_t in_global[2] = {blocks, (size_t)p->in_channels};
    const cl_int out_ints[] = {p->out_channels, clconv_problem_out_height(p),
                               clconv_problem_out_width(p), d->z.tiles_h, d->z.tiles_w,
                               (cl_int)b0, (cl_int)cols, plan->bias != NULL};
    const cl_mem out_mems[] = {d->mt, plan->bias, output, plan->residual};
    size_t out_global[2] = {cols, (size_t)p->out_channels};
    rt_gemm g = chunk_gemm(plan, d, cols);
    clconv_status st;
    if ((st = conv_set_args(plan, d->input, "winograd_input", in_mems, 2, in_ints, 10)) ||
        (st = conv_enqueue(plan, d->input, "winograd_input", 2, in_global,
                           conv_event_slot(ev, STAGE_INPUT))) ||
        (st = conv_event_span_begin(plan, ev, STAGE_GEMM)) ||
        (st = d->gemm->sgemm(plan->ctx, &g, &d->tile, conv_event_slot(ev, STAGE_GEMM))) ||
        (st = conv_set_args(plan, d->output, "winograd_output", out_mems, 4, out_ints, 8)))
        return st;
    return conv_enqueue(plan, d->output, "winograd_output", 2, out_global,
                        conv_event_slot(ev, STAGE_OUTPUT));
}

static clconv_status winograd_execute(clconv_plan *plan, cl_mem input, cl_mem output,
                                      conv_events *ev)
{
    wino_plan *d = plan->impl;
    clconv_status st = CLCONV_SUCCESS;
    for (size_t b0 = 0; b0 < d->z.blocks && !st; b0 += d->z.per_chunk) {
        size_t blocks = d->z.blocks - b0 < d->z.per_chunk ? d->z.blocks - b0 : d->z.per_chunk;
        st = run_chunk(plan, d, input, output, b0, blocks, ev);
    }
    return st;
}

static void winograd_destroy(clconv_plan *plan)
{
    wino_plan *d = plan->impl;
    if (!d)
        return;
    cl_kernel kernels[] = {d->weights, d->input, d->output};
    for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++)
        if (kernels[i])
            clReleaseKernel(kernels[i]);
    cl_mem mems[] = {d->u, d->vt, d->mt};
    for (size_t i = 0; i < sizeof mems / sizeof mems[0]; i++)
        if (mems[i])
            clReleaseMemObject(mems[i]);
    free(d);
    plan->impl = NULL;
}

static int winograd_shared_window_tile(const clconv_problem *p)
{
    const wino_variant *v = variant_of(p);
    return v ? v->m : 0;
}

extern const conv_algo_ops conv_winograd_ops;

/* The input transform puts VEC tiles of one tile row in a vector's lanes:
 * a row narrower than VEC tiles leaves lanes idle through all three stages
 * (a 14x14 output is 4 tiles a row, 4 of 16 lanes on AVX-512), and the
 * GEMMs' register tiles may pass their columns' end. */
static double winograd_useful_share(const conv_config *cfg)
{
    const wino_variant *v = variant_of(&cfg->problem);
    wino_sizes z;
    if (!v)
        return 1.0;
    sizes(cfg, v, &z);
    const rt_gemm_shape shape = whole_gemm(&cfg->problem, &z);
    return (double)z.tiles / ((double)z.blocks * z.vec) *
           conv_gemm_useful_share(cfg, &gemm_tile_tunable, &shape);
}

/* As the kernels do them, counting each transform as dense 6x6 matrix
 * products (the kernels skip the zero terms, so the FLOPs run are fewer;
 * the transforms are bound by their bytes either way): the input transform
 * reads the input once and writes V, the GEMM reads U, V and writes M, the
 * output transform reads M (and the bias) and writes the output once. */
static void winograd_cost(const conv_config *cfg, int has_bias, clconv_cost *c)
{
    const clconv_problem *p = &cfg->problem;
    const conv_algo_ops *ops = &conv_winograd_ops;
    const wino_variant *v = variant_of(p);
    if (!v)
        return;
    wino_sizes z;
    sizes(cfg, v, &z);
    /* the real tiles: not the lanes past a tile row's end, which the
     * device's vector width decides (a device-free cost has none) */
    const double tiles = (double)z.tiles, c_in = p->in_channels, c_out = p->out_channels;
    const double v_elems = PLANES * c_in * tiles, m_elems = PLANES * c_out * tiles;
    conv_cost_add(c, ops, STAGE_INPUT, 2.0 * 2 * ALPHA * ALPHA * ALPHA * c_in * tiles,
                  4.0 * ((double)clconv_problem_input_elems(p) + v_elems));
    conv_cost_add(c, ops, STAGE_GEMM, 2.0 * PLANES * c_out * c_in * tiles,
                  4.0 * (PLANES * c_out * c_in + v_elems + m_elems));
    const double out_flops = 2.0 * (v->m * ALPHA * ALPHA + v->m * v->m * ALPHA) * c_out * tiles;
    conv_cost_add(c, ops, STAGE_OUTPUT, out_flops + (has_bias ? conv_outputs(p) : 0.0),
                  4.0 * (m_elems + conv_outputs(p) + (has_bias ? c_out : 0.0)));
}

const conv_algo_ops conv_winograd_ops = {
    .name = "winograd",
    .chunks = 1,
    .efficiency_prior = 0.2,
    .useful_share = winograd_useful_share,
    .summary = "Winograd F(4x4,3x3) or F(2x2,5x5) (stride 1, dilation 1): input tiles "
               "transformed (cl/winograd/winograd.cl), 36 GEMMs over the tiles with the "
               "weights transformed once, output transform + bias",
    .stage_count = 3,
    .stage_names = {[STAGE_INPUT] = "input_transform", [STAGE_GEMM] = "gemm",
                    [STAGE_OUTPUT] = "output_transform"},
    .weights_stage = "weights_transform",
    .shared_window_tile = winograd_shared_window_tile,
    .tunable = &gemm_tile_tunable,
    .check = winograd_check,
    .workspace = winograd_workspace,
    .create = winograd_create,
    .set_weights = winograd_set_weights,
    .execute = winograd_execute,
    .cost = winograd_cost,
    .destroy = winograd_destroy,
};
