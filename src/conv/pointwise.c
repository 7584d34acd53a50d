/* The seed benchmark's broadcast multiply, kept as a named op so that the
 * original comparison can be reproduced and explained (cl/pointwise/pointwise.cl). */
#include "conv/algo.h"

#include <stdio.h>
#include <string.h>

/* The op's one stage, in its timing and its cost. */
static const char STAGE_NAME[] = "pointwise";

clconv_status clconv_pointwise(clconv_context *ctx, const clconv_problem *caller, cl_mem x,
                               cl_mem k, cl_mem out, clconv_timing *timing)
{
    if (!ctx)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "context is NULL");
    rt_clear_error(ctx);
    clconv_problem q;
    const clconv_problem *p = &q;
    clconv_status st = rt_problem_in(ctx, caller, &q);
    if (st)
        return st;
    if ((st = clconv_problem_validate(p)))
        return rt_fail(ctx, st, "%s", clconv_last_error(NULL));
    if (p->batch != 1)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                       "pointwise: batch = %d: the seed op broadcasts one image (batch 1)",
                       p->batch);
    size_t s = (size_t)p->in_channels * p->height * p->width;
    size_t rows = (size_t)p->out_channels;
    struct { cl_mem m; const char *name; size_t floats; } bufs[] = {
        {x, "x", s}, {k, "k", rows * s}, {out, "out", rows * s}};
    for (int i = 0; i < 3; i++) {
        size_t size = 0;
        cl_int err = bufs[i].m ? clGetMemObjectInfo(bufs[i].m, CL_MEM_SIZE, sizeof size, &size,
                                                    NULL)
                               : CL_INVALID_MEM_OBJECT;
        if (err != CL_SUCCESS || size / sizeof(float) < bufs[i].floats)
            return rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                           "pointwise: %s buffer has %zu bytes; it needs %zu", bufs[i].name,
                           size, bufs[i].floats * sizeof(float));
    }
    if (s > (size_t)0x7fffffff)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "pointwise: C_in*H*W = %zu exceeds int", s);
    int vec = rt_vector_width(&ctx->info, 16);
    char options[32];
    snprintf(options, sizeof options, "-DVEC=%d", vec);
    cl_program prog;
    cl_kernel kern = NULL;
    cl_event ev = NULL;
    if ((st = rt_program_get(ctx, "pointwise/pointwise.cl", options, &prog, NULL)) ||
        (st = rt_kernel_create(ctx, prog, "pointwise", &kern)))
        return st;
    const cl_int s_int = (cl_int)s;
    cl_int err = clSetKernelArg(kern, 0, sizeof x, &x);
    if (err == CL_SUCCESS)
        err = clSetKernelArg(kern, 1, sizeof k, &k);
    if (err == CL_SUCCESS)
        err = clSetKernelArg(kern, 2, sizeof out, &out);
    if (err == CL_SUCCESS)
        err = clSetKernelArg(kern, 3, sizeof s_int, &s_int);
    size_t global = (s + (size_t)vec - 1) / (size_t)vec * rows;
    if (err == CL_SUCCESS)
        err = clEnqueueNDRangeKernel(ctx->queue, kern, 1, NULL, &global, NULL, 0, NULL,
                                     timing ? &ev : NULL);
    if (err == CL_SUCCESS && timing)
        err = clWaitForEvents(1, &ev);
    if (err != CL_SUCCESS)
        st = rt_cl_fail(ctx, err, "pointwise", "global %zu", global);
    if (!st && timing) {
        memset(timing, 0, sizeof *timing);
        timing->stage_count = 1;
        timing->stages[0].name = STAGE_NAME;
        timing->device_ms = rt_event_span_ms(ctx, ev, ev);
        timing->stages[0].ms = timing->device_ms;
    }
    if (ev)
        clReleaseEvent(ev);
    clReleaseKernel(kern);
    return st;
}

/* out[o][s] = x[s] * k[o][s]: one multiply per output, x and k read once,
 * out written once. */
void clconv_pointwise_cost(const clconv_problem *caller, clconv_cost *cost)
{
    if (!cost)
        return;
    memset(cost, 0, sizeof *cost);
    clconv_problem q;
    const clconv_problem *p = &q;
    if (rt_problem_in(NULL, caller, &q) || p->in_channels <= 0 || p->height <= 0 || p->width <= 0 || p->out_channels <= 0)
        return;
    double s = (double)p->in_channels * p->height * p->width, n = (double)p->out_channels * s;
    cost->stage_count = 1;
    cost->stages[0] = (clconv_stage_cost){STAGE_NAME, n, 4.0 * (s + 2.0 * n)};
    cost->flops = n;
    cost->bytes = 4.0 * (s + 2.0 * n);
}
