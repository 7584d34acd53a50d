/* Depthwise convolution (groups = C_in, any depth multiplier), and grouped
 * convolution with at most MAX_GROUP_IN input channels a group: one pass
 * over the input and output, vectors along the output row, a register tile
 * of output rows sharing each loaded input row (cl/depthwise/depthwise.cl),
 * padding applied in the kernel, the bias in the same pass. It runs nothing
 * else: dense problems and wide groups are refused. */
#include "conv/algo.h"
#include "conv/tune.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { STAGE_CONV };
enum { P_VEC, P_ROWS, P_PLANES, P_STAGE, P_OCB };
enum { EPILOGUE_MAX_ROWS = 4 }; /* rows a work-item's tile has with an epilogue (layout) */

enum { MAX_ROWS = 8 };
/* Input channels a group may have: the kernel sums them per output in
 * scalar steps over their taps, where direct keeps a wide reduction busy
 * (ResNeXt's 16 channels a group ran 1.5x slower here than with direct). */
#define MAX_GROUP_IN 8
#define STR_(x) #x
#define STR(x) STR_(x)

typedef struct depthwise_plan {
    cl_kernel conv;
    int vec, rows, columns, row_blocks; /* columns: dim 0 of the index space */
    int planes; /* a CPU's work-group: output planes of one image (planes_fit) */
    int ocb;    /* the staged kernel's output planes a work-item (1 unstaged) */
    int group_in; /* input channels a group has (1: depthwise) */
    int staged, hp, wp; /* conv_depthwise_staged, its planes' rows and columns in local memory */
    size_t stage_bytes; /* its local memory: the input planes a work-group reads */
} depthwise_plan;

/* Depthwise (groups = in_channels, one input channel a group) or grouped
 * with few input channels a group (ResNeXt's 3x3 layers: 4 or 8 in each of
 * 32 groups at 128 and 256 channels). */
static int takes(const clconv_problem *p)
{
    const int g = rt_groups(p);
    return g == p->in_channels || (g > 1 && p->in_channels / g <= MAX_GROUP_IN);
}

/* The most output planes at most `want` a work-group can hold: a divisor of
 * C_out (one image's planes) that divides a group's output channels or is
 * a multiple of them (the group's input channels are then a contiguous
 * range). */
static int planes_fit(const clconv_problem *p, int want)
{
    const int k = p->out_channels, go = k / rt_groups(p);
    int planes = want < k ? want : k;
    while (planes > 1 && (k % planes || (go % planes && planes % go)))
        planes--;
    return planes > 0 ? planes : 1;
}

/* The staged kernel's planes a work-group: planes_fit's, a multiple of
 * the ocb planes a work-item (which divides a group's output channels, so
 * the least common multiple still fits planes_fit's rule). */
static int staged_planes(const clconv_problem *p, int want, int ocb)
{
    int planes = planes_fit(p, want), m = planes;
    while (m % ocb)
        m += planes;
    return m;
}

/* The next fewer staged planes than `planes` (more than ocb). */
static int fewer_planes(const clconv_problem *p, int planes, int ocb)
{
    const int m = staged_planes(p, planes - ocb, ocb);
    return m < planes ? m : ocb;
}

/* Output channels of one group a staged work-item computes, sharing each
 * input load: 4 where the group has a multiple of 4, else 2 where it has an
 * even count. ResNeXt-50's 3x3 layers (32 groups) ran 1.2x (128 channels),
 * 1.5-1.9x (256, 28 x 28) and 2.1-2.8x (256, stride 2) faster with 4 than
 * with 1, side by side on PoCL (AVX-512 target, 2 threads). */
static int default_ocb(const clconv_problem *p)
{
    const int go = p->out_channels / rt_groups(p);
    return go % 4 == 0 ? 4 : go % 2 == 0 ? 2 : 1;
}

/* Output planes a CPU's work-group holds: at least 512 outputs a group, so
 * that a 7 x 7 plane is not scheduled alone (MobileNet-v2's 960-channel
 * 7 x 7 layer ran 1.7x faster with 16 planes a group than with 1, side by
 * side on PoCL; its 14 x 14 and 56 x 56 layers gained nothing). */
static int planes_per_group(const clconv_problem *p)
{
    const int outputs = clconv_problem_out_height(p) * clconv_problem_out_width(p);
    const int want = outputs >= 512 ? 1 : 512 / outputs;
    return want < 64 ? want : 64;
}

/* The default rule, from device queries only: the device's preferred width
 * along the output row, no wider than the row (a 7 x 7 plane ran 1.2-1.9x
 * faster at width 4 than at 8 on PoCL, AVX-512 target); a CPU then takes a
 * row strip of 8 rows per work-item (8 ran MobileNet-v2's 56 x 56 and
 * 14 x 14 layers 1.1-1.2x faster than 4), a GPU (width 1) a column of 4,
 * groups of the driver's size. */
static void depthwise_default(const conv_config *cfg, int *params)
{
    const clconv_problem *p = &cfg->problem;
    clconv_device_info none = {0};
    const clconv_device_info *d = cfg->device ? cfg->device : &none;
    const int ow = clconv_problem_out_width(p);
    int vec = rt_vector_width(d, ow);
    while (vec > ow)
        vec /= 2;
    params[P_VEC] = vec;
    params[P_PLANES] = vec > 1 ? planes_per_group(p) : 1;
    params[P_STAGE] = vec > 1;
    params[P_OCB] = vec > 1 ? default_ocb(p) : 1;
    /* at most 16 accumulators (AVX-512's 32 registers, half of them) */
    params[P_ROWS] = vec == 1 ? 4 : params[P_OCB] > 2 ? 16 / params[P_OCB] : 8;
}

/* Candidates: the device's width and half of it (a CPU's), 2, 4 and 8
 * rows (each a build), and on a CPU 1 and 16 planes a group besides the
 * default's (the same build). */
static int depthwise_candidates(const conv_config *cfg, int (*out)[CONV_MAX_PARAMS], int max)
{
    int def[CONV_MAX_PARAMS] = {0};
    depthwise_default(cfg, def);
    static const int rows[] = {2, 4, 8};
    const int widths[] = {def[P_VEC], def[P_VEC] / 2};
    const int planes[] = {def[P_PLANES], 1, 16};
    int n = 0;
    for (int v = 0; v < 2; v++) {
        if (widths[v] < 2 && v == 1)
            continue;
        for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++)
            for (size_t g = 0; g < (widths[v] > 1 ? 3u : 1u) && n < max; g++) {
                if (g > 0 && planes[g] == def[P_PLANES])
                    continue;
                memcpy(out[n], def, sizeof def);
                out[n][P_VEC] = widths[v];
                out[n][P_ROWS] = rows[r];
                out[n][P_PLANES] = planes[g];
                n++;
            }
    }
    return n;
}

static int depthwise_params_valid(const int *params)
{
    int v = params[P_VEC];
    return (v == 1 || v == 2 || v == 4 || v == 8 || v == 16) && params[P_ROWS] >= 1 &&
           params[P_ROWS] <= MAX_ROWS && params[P_PLANES] >= 1 && params[P_PLANES] <= 64 &&
           (params[P_STAGE] == 0 || params[P_STAGE] == 1) && params[P_OCB] >= 0 &&
           params[P_OCB] <= 8;
}

static void depthwise_valid_values(const conv_config *cfg, char *text, size_t cap)
{
    (void)cfg;
    snprintf(text, cap, "vec in 1, 2, 4, 8, 16 (1: a column per work-item, else a row strip), "
                        "rows in 1..%d, planes in 1..64 (a CPU's work-group), stage 0 or 1 (a "
                        "CPU's input planes copied to local memory), ocb in 0..8 (output "
                        "channels a staged work-item, dividing a group's; 0 as 1)", MAX_ROWS);
}

static const conv_tunable depthwise_tunable = {
    .kernel_file = "depthwise/depthwise.cl",
    .method = "depthwise 1",
    .param_count = 5,
    .param_names = {[P_VEC] = "vec", [P_ROWS] = "rows", [P_PLANES] = "planes",
                    [P_STAGE] = "stage", [P_OCB] = "ocb"},
    .param_required = 4,
    .defaults = depthwise_default,
    .candidates = depthwise_candidates,
    .valid = depthwise_params_valid,
    .valid_values = depthwise_valid_values,
};

/* Its problems (make_config asks before any check, cost or workspace). */
static int depthwise_refuses(const clconv_problem *p, char *why, size_t cap)
{
    if (takes(p))
        return 0;
    snprintf(why, cap,
             "depthwise: runs depthwise problems (groups = in_channels) and grouped ones with at "
             "most %d input channels a group; this one has groups = %d and in_channels = %d",
             MAX_GROUP_IN, rt_groups(p), p->in_channels);
    return 1;
}

/* Everything else fits any device: the staged kernel falls back to the
 * unstaged one where local memory or the work-group is too small. */
static clconv_status depthwise_check(clconv_context *ctx, const conv_config *cfg)
{
    (void)ctx;
    (void)cfg;
    return CLCONV_SUCCESS;
}

static size_t depthwise_workspace(const conv_config *cfg)
{
    (void)cfg;
    return 0;
}

/* The staged kernel's local memory: the input planes its work-group's
 * output planes read, padded. */
static size_t stage_bytes(const clconv_problem *p, const depthwise_plan *d)
{
    const int go = p->out_channels / rt_groups(p);
    const int groups = d->planes > go ? d->planes / go : 1;
    return (size_t)groups * d->group_in * d->hp * d->wp * sizeof(float);
}

/* Work-items in a work-group of d's kernel. */
static size_t group_items(const depthwise_plan *d)
{
    return (size_t)d->columns * d->row_blocks * (size_t)(d->planes / d->ocb);
}

static void layout(const conv_config *cfg, depthwise_plan *d)
{
    const clconv_problem *p = &cfg->problem;
    int params[CONV_MAX_PARAMS];
    conv_params_get(cfg, &depthwise_tunable, params);
    const int ow = clconv_problem_out_width(p), oh = clconv_problem_out_height(p);
    d->vec = params[P_VEC];
    d->rows = params[P_ROWS] < oh ? params[P_ROWS] : oh;
    /* An epilogue's constants stay live across the tile (LLVM hoists their
     * broadcasts out of the loops): at 8 rows relu6's build spilled (921
     * stack operands in PoCL's x86 object against relu's 709) and ran
     * MobileNet-v2's 144-channel 56 x 56 layer 1.6x slower than at 4 rows,
     * where it runs as fast as without one (side by side, AVX-512). */
    if (!conv_epilogue_is_identity(&cfg->epilogue) && d->rows > EPILOGUE_MAX_ROWS)
        d->rows = EPILOGUE_MAX_ROWS;
    d->columns = d->vec == 1 ? ow : 1;
    d->row_blocks = (oh + d->rows - 1) / d->rows;
    d->group_in = p->in_channels / rt_groups(p);
    d->planes = planes_fit(p, params[P_PLANES]);
    /* What the staged kernel's tiles read (cl/depthwise/depthwise.cl): the
     * last strip's rows past OH, the last tile's vector span. */
    const int span = p->stride_w == 2 && d->vec > 1 ? 2 * d->vec : (d->vec - 1) * p->stride_w + 1;
    d->hp = (d->row_blocks * d->rows - 1) * p->stride_h + (p->kernel_h - 1) * p->dilation_h + 1;
    d->wp = (ow > d->vec ? ow - d->vec : 0) * p->stride_w +
            (p->kernel_w - 1) * p->dilation_w + span;
    d->staged = 0;
    d->ocb = 1;
    const int go = p->out_channels / rt_groups(p);
    if (params[P_STAGE] && d->vec > 1 && cfg->device) {
        d->ocb = params[P_OCB] > 1 && go % params[P_OCB] == 0 ? params[P_OCB] : 1;
        d->planes = staged_planes(p, params[P_PLANES], d->ocb);
        while (stage_bytes(p, d) > cfg->device->local_mem_bytes && d->planes > d->ocb)
            d->planes = fewer_planes(p, d->planes, d->ocb);
        d->staged = stage_bytes(p, d) <= cfg->device->local_mem_bytes &&
                    group_items(d) <= cfg->device->max_work_group_size;
        if (!d->staged) {
            d->ocb = 1;
            d->planes = planes_fit(p, params[P_PLANES]);
        }
    }
    d->stage_bytes = stage_bytes(p, d);
}

/* Builds d's kernel (the staged one or not: one a program) into d->conv. */
static clconv_status build(clconv_plan *plan, depthwise_plan *d, cl_program *prog)
{
    const clconv_problem *p = &plan->cfg.problem;
    if (d->conv) {
        clReleaseKernel(d->conv);
        d->conv = NULL;
    }
    char epilogue[CONV_EPILOGUE_OPTIONS_MAX], options[192 + CONV_EPILOGUE_OPTIONS_MAX];
    conv_epilogue_options(&plan->cfg.epilogue, epilogue, sizeof epilogue);
    snprintf(options, sizeof options,
             "-cl-mad-enable -DVEC=%d -DR=%d -DKH=%d -DKW=%d -DSH=%d -DSW=%d -DDH=%d -DDW=%d "
             "-DGI=%d -DSTAGED=%d -DOCB=%d%s",
             d->vec, d->rows, p->kernel_h, p->kernel_w, p->stride_h, p->stride_w, p->dilation_h,
             p->dilation_w, d->group_in, d->staged, d->ocb, epilogue);
    clconv_status st = conv_plan_program(plan, "depthwise/depthwise.cl", options, prog);
    return st ? st
              : rt_kernel_create(plan->ctx, *prog,
                                 d->staged ? "conv_depthwise_staged" : "conv_depthwise", &d->conv);
}

static clconv_status depthwise_create(clconv_plan *plan)
{
    const clconv_problem *p = &plan->cfg.problem;
    depthwise_plan *d = calloc(1, sizeof *d);
    if (!d)
        return rt_fail(plan->ctx, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory");
    plan->impl = d;
    layout(&plan->cfg, d);
    cl_program prog;
    clconv_status st = build(plan, d, &prog);
    if (st)
        return st;
    /* The staged kernel's group holds its planes' strips: it must fit the
     * compiled kernel, not only the device (a GPU compiler may allow fewer
     * work-items for a kernel with many registers). Fewer planes a group,
     * else the unstaged kernel. */
    while (d->staged) {
        size_t fits = 0;
        cl_int err = clGetKernelWorkGroupInfo(d->conv, plan->ctx->device,
                                              CL_KERNEL_WORK_GROUP_SIZE, sizeof fits, &fits, NULL);
        if (err != CL_SUCCESS)
            return rt_cl_fail(plan->ctx, err, "clGetKernelWorkGroupInfo",
                              "conv_depthwise_staged, CL_KERNEL_WORK_GROUP_SIZE");
        if (group_items(d) <= fits)
            break;
        if (d->planes > d->ocb) {
            d->planes = fewer_planes(p, d->planes, d->ocb);
            d->stage_bytes = stage_bytes(p, d);
            continue;
        }
        d->staged = 0;
        d->ocb = 1;
        d->planes = 1;
        if ((st = build(plan, d, &prog)))
            return st;
    }
    /* What runs, reported by clconv_plan_params: the tile as the problem,
     * the local memory and the compiled kernel bound it. */
    plan->cfg.params[P_ROWS] = d->rows;
    plan->cfg.params[P_PLANES] = d->planes;
    plan->cfg.params[P_STAGE] = d->staged;
    plan->cfg.params[P_OCB] = d->ocb;
    return CLCONV_SUCCESS;
}

/* The kernel reads the caller's weights as they are: nothing to prepare. */
static clconv_status depthwise_set_weights(clconv_plan *plan)
{
    plan->weights_ms = 0.0;
    return CLCONV_SUCCESS;
}

static clconv_status depthwise_execute(clconv_plan *plan, cl_mem input, cl_mem output,
                                       conv_events *ev)
{
    const clconv_problem *p = &plan->cfg.problem;
    depthwise_plan *d = plan->impl;
    const cl_int ints[] = {p->in_channels, p->height, p->width, p->out_channels,
                           clconv_problem_out_height(p), clconv_problem_out_width(p),
                           p->pad_h, p->pad_w, plan->bias != NULL, d->hp, d->wp};
    const char *name = d->staged ? "conv_depthwise_staged" : "conv_depthwise";
    const cl_mem mems[] = {input, plan->weights, plan->bias, output, plan->residual};
    /* the guarded kernel takes no HP, WP or stage */
    const int int_count = (int)(sizeof ints / sizeof ints[0]) - (d->staged ? 0 : 2);
    clconv_status st = conv_set_args(plan, d->conv, name, mems, 5, ints, int_count);
    if (!st && d->staged) {
        cl_int err = clSetKernelArg(d->conv, (cl_uint)(5 + int_count), d->stage_bytes, NULL);
        if (err != CL_SUCCESS)
            st = rt_cl_fail(plan->ctx, err, "clSetKernelArg", "conv_depthwise_staged, stage");
    }
    const size_t global[3] = {(size_t)d->columns, (size_t)d->row_blocks,
                              (size_t)p->batch * (size_t)p->out_channels / (size_t)d->ocb};
    if (st)
        return st;
    /* The staged kernel's work-group is its planes, on any device. On a CPU
     * the other one's is too: PoCL then loops over a plane's row strips in
     * one call instead of scheduling each as a group (a 56 x 56 layer took
     * 1.2-2x as long with groups of one, the two side by side). A GPU's
     * driver chooses. */
    if (d->staged || (!strcmp(plan->ctx->info.type, "CPU") &&
                      group_items(d) <= plan->ctx->info.max_work_group_size)) {
        const size_t local[3] = {(size_t)d->columns, (size_t)d->row_blocks,
                                 (size_t)(d->planes / d->ocb)};
        return conv_enqueue_local(plan, d->conv, name, 3, global, local,
                                  conv_event_slot(ev, STAGE_CONV));
    }
    return conv_enqueue(plan, d->conv, name, 3, global, conv_event_slot(ev, STAGE_CONV));
}

static void depthwise_destroy(clconv_plan *plan)
{
    depthwise_plan *d = plan->impl;
    if (!d)
        return;
    if (d->conv)
        clReleaseKernel(d->conv);
    free(d);
    plan->impl = NULL;
}

extern const conv_algo_ops conv_depthwise_ops;

/* One pass: the compulsory cost. */
static void depthwise_cost(const conv_config *cfg, int has_bias, clconv_cost *cost)
{
    double flops, bytes;
    conv_compulsory_cost(&cfg->problem, has_bias, &flops, &bytes);
    conv_cost_add(cost, &conv_depthwise_ops, STAGE_CONV, flops, bytes);
}

const conv_algo_ops conv_depthwise_ops = {
    .name = "depthwise",
    .groups = 1,
    .refuses = depthwise_refuses,
    .efficiency_prior = 0.5,
    .summary = "depthwise (groups = in_channels) and grouped with at most " STR(MAX_GROUP_IN)
               " input channels a group: one pass, vectors along the row, input rows shared "
               "by a register tile of output rows, padding in the kernel",
    .stage_count = 1,
    .stage_names = {[STAGE_CONV] = "conv"},
    .tunable = &depthwise_tunable,
    .check = depthwise_check,
    .workspace = depthwise_workspace,
    .create = depthwise_create,
    .set_weights = depthwise_set_weights,
    .execute = depthwise_execute,
    .cost = depthwise_cost,
    .destroy = depthwise_destroy,
};
