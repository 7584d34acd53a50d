/* Direct convolution: one kernel, output-stationary, vector-tiled (cl/direct/direct.cl). */
#include "conv/algo.h"

#include <stdio.h>
#include <stdlib.h>

enum { STAGE_CONV };

typedef struct direct_plan {
    cl_kernel kernel;
    int vec, oc_tile, oc_blocks;
} direct_plan;

static clconv_status direct_check(clconv_context *ctx, const conv_config *cfg)
{
    (void)ctx;
    (void)cfg;
    /* Every valid problem: the kernel indexes with int within validated bounds. */
    return CLCONV_SUCCESS;
}

static size_t direct_workspace(const conv_config *cfg)
{
    (void)cfg; /* reads the caller's buffers only */
    return 0;
}

static clconv_status direct_create(clconv_plan *plan)
{
    const clconv_problem *p = &plan->cfg.problem;
    direct_plan *d = calloc(1, sizeof *d);
    if (!d)
        return rt_fail(plan->ctx, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory");
    plan->impl = d;
    d->vec = rt_vector_width(&plan->ctx->info, clconv_problem_out_width(p));
    d->oc_tile = 1;
    while (d->oc_tile < 8 && d->oc_tile < p->out_channels)
        d->oc_tile *= 2;
    d->oc_blocks = (p->out_channels + d->oc_tile - 1) / d->oc_tile;
    char options[128];
    snprintf(options, sizeof options, "-cl-mad-enable -DVEC=%d -DOC_TILE=%d", d->vec, d->oc_tile);
    cl_program prog;
    clconv_status st = conv_plan_program(plan, "direct/direct.cl", options, &prog);
    if (st)
        return st;
    return rt_kernel_create(plan->ctx, prog, "conv_direct", &d->kernel);
}

static clconv_status direct_set_weights(clconv_plan *plan)
{
    (void)plan; /* reads the caller's weights in place: nothing to precompute */
    return CLCONV_SUCCESS;
}

static clconv_status direct_execute(clconv_plan *plan, cl_mem input, cl_mem output,
                                    conv_events *ev)
{
    const clconv_problem *p = &plan->cfg.problem;
    direct_plan *d = plan->impl;
    const cl_int oh = clconv_problem_out_height(p), ow = clconv_problem_out_width(p);
    const cl_int has_bias = plan->bias != NULL;
    const cl_int ints[] = {p->in_channels, p->height, p->width, p->out_channels, oh, ow,
                           p->kernel_h, p->kernel_w, p->stride_h, p->stride_w, p->pad_h,
                           p->pad_w, p->dilation_h, p->dilation_w, d->oc_blocks, has_bias};
    const cl_mem mems[] = {input, plan->weights, plan->bias, output};
    clconv_status st = conv_set_args(plan, d->kernel, "conv_direct", mems, 4, ints,
                                     (int)(sizeof ints / sizeof ints[0]));
    if (st)
        return st;
    size_t global[3] = {(size_t)((ow + d->vec - 1) / d->vec), (size_t)oh,
                        (size_t)p->batch * (size_t)d->oc_blocks};
    return conv_enqueue(plan, d->kernel, "conv_direct", 3, global, conv_event_slot(ev, STAGE_CONV));
}

static void direct_destroy(clconv_plan *plan)
{
    direct_plan *d = plan->impl;
    if (!d)
        return;
    if (d->kernel)
        clReleaseKernel(d->kernel);
    free(d);
    plan->impl = NULL;
}

extern const conv_algo_ops conv_direct_ops;

/* One stage that reads each operand and writes the output: exactly the
 * convolution's compulsory cost. */
static void direct_cost(const conv_config *cfg, int has_bias, clconv_cost *cost)
{
    double flops, bytes;
    conv_compulsory_cost(&cfg->problem, has_bias, &flops, &bytes);
    conv_cost_add(cost, &conv_direct_ops, STAGE_CONV, flops, bytes);
}

const conv_algo_ops conv_direct_ops = {
    .name = "direct",
    .summary = "one output-stationary kernel (cl/direct/direct.cl), vector width and output-channel "
               "tile from device queries",
    .stage_count = 1,
    .stage_names = {[STAGE_CONV] = "conv"},
    .check = direct_check,
    .workspace = direct_workspace,
    .create = direct_create,
    .set_weights = direct_set_weights,
    .execute = direct_execute,
    .cost = direct_cost,
    .destroy = direct_destroy,
};
