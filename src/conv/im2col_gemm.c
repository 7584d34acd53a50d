/* im2col + GEMM: unroll patches into a workspace (cl/im2col/im2col.cl), multiply by
 * the weights with the plan's GEMM backend (runtime/gemm.h: clconv's own
 * kernel by default, or CLBlast), then the bias and the plan's epilogue in one
 * pass (cl/im2col/epilogue.cl), run only when there is either.
 *
 * Per image, with K = C_in*KH*KW and P = OH*OW:
 *   out[n] [C_out x P] = W [C_out x K] * col[n] [K x P]        (row-major)
 * With G groups the column matrix is the same (its rows come channel by
 * channel), and group g multiplies its own blocks: W's rows of the group
 * (C_out/G x K/G), col's rows of its channels (K/G x P) into its output
 * channels: G GEMMs per chunk.
 * The images of a chunk go to one strided-batched GEMM (A stride 0: the same
 * weights), which writes NCHW directly; one GEMM over several images' columns
 * would give [C_out][images*P] and need a transpose pass. When one image's
 * columns exceed the workspace limit, a chunk is a range of its pixels: the
 * GEMM then writes that range of every output plane (ldc = P).
 *
 * A 1x1 convolution of stride 1 without padding needs no unrolling: each
 * image's input [C_in][H*W] is its column matrix, so the GEMM reads the
 * input in place (no im2col stage, no workspace) over the whole batch.
 * This is what ResNet's, MobileNet's and GoogLeNet's 1x1 layers are. */
#include "conv/algo.h"
#include "conv/gemm_stage.h"

#include <stdio.h>
#include <stdlib.h>

enum { STAGE_IM2COL, STAGE_GEMM, STAGE_EPILOGUE };

/* Output rows per im2col work-item: enough bytes each to amortise a CPU
 * runtime's per-work-item cost, still thousands of work-items for a GPU. */
enum { IM2COL_ROWS = 8 };

/* The input is the column matrix (see above). */
static int input_is_columns(const clconv_problem *p)
{
    return p->kernel_h == 1 && p->kernel_w == 1 && p->stride_h == 1 && p->stride_w == 1 &&
           p->pad_h == 0 && p->pad_w == 0 && rt_pad_bottom(p) == 0 && rt_pad_right(p) == 0;
}

typedef struct im2col_plan {
    const rt_gemm_backend *gemm;
    rt_sgemm_tile tile; /* the GEMM backend's */
    cl_kernel im2col, epilogue;
    cl_mem col;
    int vec;
    size_t k, p;          /* GEMM K (all groups') and pixels per image */
    int groups;
    int images_per_chunk; /* > 1 only with whole images */
    int in_place;         /* input_is_columns: col is the input */
    size_t cols_per_chunk; /* pixels per chunk: P for whole images */
} im2col_plan;

/* Whole batch (always when the input is the columns), else as many whole
 * images as fit, else pixel ranges of one image (whole output rows when at
 * least one fits). Returns 0 when not even one column fits. */
static int choose_chunks(const clconv_problem *p, size_t limit, int *images, size_t *cols)
{
    size_t k = (size_t)p->in_channels * p->kernel_h * p->kernel_w;
    size_t px = (size_t)clconv_problem_out_height(p) * clconv_problem_out_width(p);
    size_t per_image = k * px * sizeof(float);
    if (input_is_columns(p)) { /* nothing is allocated */
        *images = p->batch;
        *cols = px;
        return 1;
    }
    if (per_image <= limit) {
        size_t fit = limit / per_image;
        *images = fit >= (size_t)p->batch ? p->batch : (int)fit;
        *cols = px;
        return 1;
    }
    size_t fit_cols = limit / (k * sizeof(float));
    size_t ow = (size_t)clconv_problem_out_width(p);
    if (fit_cols >= ow)
        fit_cols -= fit_cols % ow;
    *images = 1;
    *cols = fit_cols;
    return fit_cols > 0;
}

/* One group's GEMM over whole images (chunks take fewer images or pixels
 * of the same shape). */
static rt_gemm_shape whole_gemm(const clconv_problem *p)
{
    const size_t g = (size_t)rt_groups(p);
    const rt_gemm_shape shape = {
        .m = (size_t)p->out_channels / g,
        .n = (size_t)clconv_problem_out_height(p) * clconv_problem_out_width(p),
        .k = (size_t)p->in_channels / g * p->kernel_h * p->kernel_w,
        .batch = (size_t)p->batch,
    };
    return shape;
}

/* The tuner's tiles for the whole problem's GEMM. */
static int tile_candidates(const conv_config *cfg, int (*out)[CONV_MAX_PARAMS], int max)
{
    const rt_gemm_shape shape = whole_gemm(&cfg->problem);
    return conv_gemm_candidates(cfg, &shape, out, max);
}

static const conv_tunable gemm_tile_tunable =
    CONV_GEMM_TILE_TUNABLE("sgemm tile 1", tile_candidates);

/* The GEMM's register tiles past a small plane's edge (a 7x7 plane is 49
 * columns), or the scalar path of a plane narrower than a vector (an SE
 * block's 1x1 plane), compute nothing the problem needs. */
static double im2col_useful_share(const conv_config *cfg)
{
    const rt_gemm_shape shape = whole_gemm(&cfg->problem);
    return conv_gemm_useful_share(cfg, &gemm_tile_tunable, &shape);
}

static clconv_status im2col_check(clconv_context *ctx, const conv_config *cfg)
{
    int images;
    size_t cols;
    const clconv_problem *p = &cfg->problem;
    size_t k = (size_t)p->in_channels * p->kernel_h * p->kernel_w;
    if (!choose_chunks(p, cfg->workspace_limit_bytes, &images, &cols))
        return rt_fail(ctx, CLCONV_ERR_UNSUPPORTED,
                       "im2col-gemm: one column of %zu floats (C_in*KH*KW) exceeds the workspace "
                       "limit of %zu bytes (the device's max allocation, or lower if asked)", k,
                       cfg->workspace_limit_bytes);
    return CLCONV_SUCCESS;
}

/* The column matrix of one chunk (see choose_chunks). */
static size_t im2col_workspace(const conv_config *cfg)
{
    int images;
    size_t cols;
    const clconv_problem *p = &cfg->problem;
    if (input_is_columns(p) || !choose_chunks(p, cfg->workspace_limit_bytes, &images, &cols))
        return 0;
    return (size_t)p->in_channels * p->kernel_h * p->kernel_w * cols * (size_t)images *
           sizeof(float);
}

/* Group `group`'s GEMM of a chunk starting at image n0, pixel p0, its
 * columns in `columns` (the input when in place, where the chunk is the
 * whole batch; plan->weights and the buffers may be NULL before
 * set_weights: only conv_gemm_prepare uses it then). */
static rt_gemm chunk_gemm(const clconv_plan *plan, const im2col_plan *d, int group, int n0,
                          size_t p0, int images, size_t cols, cl_mem columns, cl_mem output)
{
    const size_t c_out = (size_t)plan->cfg.problem.out_channels;
    const size_t m = c_out / (size_t)d->groups, k = d->k / (size_t)d->groups;
    rt_gemm g = {
        .m = m, .n = cols, .k = k, .batch = (size_t)images,
        .a = plan->weights, .a_offset = (size_t)group * m * k, .lda = k, .a_stride = 0,
        .b = columns, .b_offset = (size_t)group * k * cols, .ldb = cols,
        .b_stride = d->k * cols,
        .c = output, .c_offset = ((size_t)n0 * c_out + (size_t)group * m) * d->p + p0,
        .ldc = d->p, .c_stride = c_out * d->p,
    };
    return g;
}

static clconv_status im2col_create(clconv_plan *plan)
{
    const clconv_problem *p = &plan->cfg.problem;
    im2col_plan *d = calloc(1, sizeof *d);
    if (!d)
        return rt_fail(plan->ctx, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory");
    plan->impl = d;
    d->gemm = rt_gemm_backend_get(plan->cfg.gemm_backend, plan->cfg.device, NULL);
    clconv_status st = conv_gemm_tile(plan, &gemm_tile_tunable, &d->tile);
    if (st)
        return st;
    d->k = (size_t)p->in_channels * p->kernel_h * p->kernel_w;
    d->groups = rt_groups(p);
    d->p = (size_t)clconv_problem_out_height(p) * clconv_problem_out_width(p);
    if (!choose_chunks(p, plan->cfg.workspace_limit_bytes, &d->images_per_chunk,
                       &d->cols_per_chunk))
        return im2col_check(plan->ctx, &plan->cfg);
    d->in_place = input_is_columns(p);
    d->vec = rt_vector_width(&plan->ctx->info, clconv_problem_out_width(p));
    char options[64], epilogue[CONV_EPILOGUE_OPTIONS_MAX];
    char epilogue_options[64 + CONV_EPILOGUE_OPTIONS_MAX];
    snprintf(options, sizeof options, "-DVEC=%d -DROWS=%d", d->vec, IM2COL_ROWS);
    conv_epilogue_options(&plan->cfg.epilogue, epilogue, sizeof epilogue);
    snprintf(epilogue_options, sizeof epilogue_options, "-DVEC=%d%s", d->vec, epilogue);
    cl_program im2col_prog, epilogue_prog;
    if ((st = conv_plan_program(plan, "im2col/epilogue.cl", epilogue_options, &epilogue_prog)) ||
        (st = rt_kernel_create(plan->ctx, epilogue_prog, "epilogue", &d->epilogue)))
        return st;
    if (!d->in_place &&
        ((st = conv_plan_program(plan, "im2col/im2col.cl", options, &im2col_prog)) ||
         (st = rt_kernel_create(plan->ctx, im2col_prog, "im2col", &d->im2col)) ||
         (st = conv_alloc_workspace(plan, im2col_workspace(&plan->cfg), "im2col columns",
                                    &d->col))))
        return st;
    /* A stand-in output of the chunk's shape: priming writes only there. */
    rt_gemm g = chunk_gemm(plan, d, 0, 0, 0, d->images_per_chunk, d->cols_per_chunk,
                           d->in_place ? NULL : d->col, NULL);
    return conv_gemm_prepare(plan, d->gemm, &g, &d->tile);
}

static clconv_status im2col_set_weights(clconv_plan *plan)
{
    (void)plan; /* the GEMM reads the caller's weights in place */
    return CLCONV_SUCCESS;
}

static clconv_status run_im2col(clconv_plan *plan, im2col_plan *d, cl_mem input, int n0,
                                size_t p0, int images, size_t cols, conv_events *ev)
{
    const clconv_problem *p = &plan->cfg.problem;
    const cl_int ints[] = {p->in_channels, p->height, p->width, clconv_problem_out_width(p),
                           p->kernel_h, p->kernel_w, p->stride_h, p->stride_w, p->pad_h,
                           p->pad_w, p->dilation_h, p->dilation_w, n0, (cl_int)p0,
                           (cl_int)cols};
    const cl_mem mems[] = {input, d->col};
    clconv_status st = conv_set_args(plan, d->im2col, "im2col", mems, 2, ints,
                                     (int)(sizeof ints / sizeof ints[0]));
    if (st)
        return st;
    size_t ow = (size_t)clconv_problem_out_width(p);
    size_t rows = (p0 + cols - 1) / ow - p0 / ow + 1; /* output rows the chunk touches */
    size_t global[3] = {(rows + IM2COL_ROWS - 1) / IM2COL_ROWS, d->k, (size_t)images};
    return conv_enqueue(plan, d->im2col, "im2col", 3, global, conv_event_slot(ev, STAGE_IM2COL));
}

/* The pass runs when it has something to do. */
static int has_pass(const conv_config *cfg, int has_bias)
{
    return has_bias || !conv_epilogue_is_identity(&cfg->epilogue);
}

static clconv_status run_epilogue(clconv_plan *plan, im2col_plan *d, cl_mem output,
                                  conv_events *ev)
{
    const clconv_problem *p = &plan->cfg.problem;
    const cl_int ints[] = {p->out_channels, (cl_int)d->p, plan->bias != NULL};
    const cl_mem mems[] = {output, plan->bias, plan->residual};
    clconv_status st = conv_set_args(plan, d->epilogue, "epilogue", mems, 3, ints, 3);
    if (st)
        return st;
    size_t global[2] = {(d->p + (size_t)d->vec - 1) / (size_t)d->vec,
                        (size_t)p->batch * (size_t)p->out_channels};
    return conv_enqueue(plan, d->epilogue, "epilogue", 2, global,
                        conv_event_slot(ev, STAGE_EPILOGUE));
}

static clconv_status im2col_execute(clconv_plan *plan, cl_mem input, cl_mem output,
                                    conv_events *ev)
{
    im2col_plan *d = plan->impl;
    const int batch = plan->cfg.problem.batch;
    clconv_status st = CLCONV_SUCCESS;
    for (int n0 = 0; n0 < batch && !st; n0 += d->images_per_chunk) {
        int images = batch - n0 < d->images_per_chunk ? batch - n0 : d->images_per_chunk;
        for (size_t p0 = 0; p0 < d->p && !st; p0 += d->cols_per_chunk) {
            size_t cols = d->p - p0 < d->cols_per_chunk ? d->p - p0 : d->cols_per_chunk;
            if (!d->in_place)
                st = run_im2col(plan, d, input, n0, p0, images, cols, ev);
            for (int group = 0; group < d->groups && !st; group++) {
                rt_gemm g = chunk_gemm(plan, d, group, n0, p0, images, cols,
                                       d->in_place ? input : d->col, output);
                if (!(st = conv_event_span_begin(plan, ev, STAGE_GEMM)))
                    st = d->gemm->sgemm(plan->ctx, &g, &d->tile,
                                        conv_event_slot(ev, STAGE_GEMM));
            }
        }
    }
    if (!st && has_pass(&plan->cfg, plan->bias != NULL))
        st = run_epilogue(plan, d, output, ev);
    return st;
}

static void im2col_destroy(clconv_plan *plan)
{
    im2col_plan *d = plan->impl;
    if (!d)
        return;
    if (d->im2col)
        clReleaseKernel(d->im2col);
    if (d->epilogue)
        clReleaseKernel(d->epilogue);
    if (d->col)
        clReleaseMemObject(d->col);
    free(d);
    plan->impl = NULL;
}

extern const conv_algo_ops conv_im2col_gemm_ops;

/* im2col reads the input once and writes the column matrix
 * [N][C_in*KH*KW][OH*OW] (not when the input is the columns); the GEMM
 * reads the columns and the weights and writes the output; the epilogue
 * pass (a bias or an epilogue) reads and writes the output once more (one
 * add per output; the residual's read is conv_cost_of's). */
static void im2col_gemm_cost(const conv_config *cfg, int has_bias, clconv_cost *c)
{
    const clconv_problem *p = &cfg->problem;
    const conv_algo_ops *ops = &conv_im2col_gemm_ops;
    double out = conv_outputs(p);
    double cols = (double)p->batch * p->in_channels * p->kernel_h * p->kernel_w *
                  clconv_problem_out_height(p) * clconv_problem_out_width(p);
    double flops, unused;
    conv_compulsory_cost(p, 0, &flops, &unused);
    if (!input_is_columns(p))
        conv_cost_add(c, ops, STAGE_IM2COL, 0.0,
                      4.0 * ((double)clconv_problem_input_elems(p) + cols));
    conv_cost_add(c, ops, STAGE_GEMM, flops,
                  4.0 * (cols + (double)clconv_problem_weight_elems(p) + out));
    if (has_pass(cfg, has_bias))
        conv_cost_add(c, ops, STAGE_EPILOGUE, out,
                      4.0 * (2.0 * out + (has_bias ? p->out_channels : 0)));
}

const conv_algo_ops conv_im2col_gemm_ops = {
    .name = "im2col-gemm",
    .chunks = 1,
    .groups = 1,
    .efficiency_prior = 0.2,
    .useful_share = im2col_useful_share,
    .summary = "patches unrolled into a workspace (cl/im2col/im2col.cl), then an SGEMM "
               "strided-batched over images (clconv's cl/gemm/sgemm.cl, or CLBlast with "
               "--gemm-backend clblast), then a pass for the bias and epilogue",
    .stage_count = 3,
    .stage_names = {[STAGE_IM2COL] = "im2col", [STAGE_GEMM] = "gemm",
                    [STAGE_EPILOGUE] = "epilogue"},
    .tunable = &gemm_tile_tunable,
    .check = im2col_check,
    .workspace = im2col_workspace,
    .create = im2col_create,
    .set_weights = im2col_set_weights,
    .execute = im2col_execute,
    .cost = im2col_gemm_cost,
    .destroy = im2col_destroy,
};
