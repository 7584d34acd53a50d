/* What an algorithm's create, set_weights and execute call (conv/algo.h):
 * programs through the context's cache with their build time counted,
 * kernel arguments, the workspace under the plan's limit, and enqueues
 * whose errors name the kernel. */
#define _POSIX_C_SOURCE 200809L
#include "conv/plan.h"

#include <stdio.h>

void conv_plan_count_build(clconv_plan *plan, const rt_build_stats *stats)
{
    plan->build_ms += stats->ms;
    plan->compiled |= stats->compiled;
}

clconv_status conv_plan_program(clconv_plan *plan, const char *file, const char *options,
                                cl_program *out)
{
    rt_build_stats stats;
    clconv_status st = rt_program_get(plan->ctx, file, options, out, &stats);
    if (st)
        return st;
    conv_plan_count_build(plan, &stats);
    return CLCONV_SUCCESS;
}

clconv_status conv_set_args(clconv_plan *plan, cl_kernel k, const char *kernel_name,
                            const cl_mem *mems, int mem_count, const cl_int *ints, int int_count)
{
    clconv_status st =
        rt_kernel_set_args(plan->ctx, k, kernel_name, mems, mem_count, ints, int_count);
    if (st)
        return st;
    int h = 0;
    while (h < plan->held_count && plan->held[h].kernel != k)
        h++;
    if (h < (int)(sizeof plan->held / sizeof plan->held[0])) {
        plan->held_count += h == plan->held_count;
        plan->held[h].kernel = k;
        plan->held[h].mems = mem_count > plan->held[h].mems ? mem_count : plan->held[h].mems;
    }
    return CLCONV_SUCCESS;
}

/* Some implementations (Mesa rusticl) keep a reference to every buffer set
 * as a kernel argument until the argument is set again: the caller's
 * weights, input and output would stay alive after the caller released
 * them, and a replaced weights buffer after set_weights. The commands
 * already enqueued captured their arguments, and conv_set_args sets them
 * again before every launch, so they are cleared once the work is
 * enqueued. A failure here only keeps a reference longer: it is not an
 * error of the call that succeeded. */
void conv_plan_drop_buffer_args(clconv_plan *plan)
{
    const cl_mem none = NULL;
    for (int h = 0; h < plan->held_count; h++)
        for (int i = 0; i < plan->held[h].mems; i++)
            (void)clSetKernelArg(plan->held[h].kernel, (cl_uint)i, sizeof none, &none);
}

clconv_status conv_alloc_workspace(clconv_plan *plan, size_t bytes, const char *what, cl_mem *out)
{
    *out = NULL;
    if (bytes > plan->cfg.workspace_limit_bytes)
        return rt_fail(plan->ctx, CLCONV_ERR_OUT_OF_MEMORY,
                       "%s workspace needs %zu bytes; the limit is %zu bytes", what, bytes,
                       plan->cfg.workspace_limit_bytes);
    char name[160];
    snprintf(name, sizeof name, "%s workspace", what);
    clconv_status st = rt_buffer_create(plan->ctx, bytes, name, out);
    if (st)
        return st;
    plan->workspace_bytes += bytes;
    return CLCONV_SUCCESS;
}

clconv_status conv_enqueue_local(clconv_plan *plan, cl_kernel k, const char *name, cl_uint dims,
                                 const size_t *global, const size_t *local, cl_event *event)
{
    cl_int err = clEnqueueNDRangeKernel(plan->ctx->queue, k, dims, NULL, global, local, 0, NULL,
                                        event);
    if (err != CL_SUCCESS)
        return rt_cl_fail(plan->ctx, err, "clEnqueueNDRangeKernel",
                          "%s, global %zu x %zu x %zu, local %zu x %zu x %zu", name, global[0],
                          dims > 1 ? global[1] : 1, dims > 2 ? global[2] : 1,
                          local ? local[0] : 0, local && dims > 1 ? local[1] : 0,
                          local && dims > 2 ? local[2] : 0);
    return CLCONV_SUCCESS;
}

clconv_status conv_enqueue(clconv_plan *plan, cl_kernel k, const char *name, cl_uint dims,
                           const size_t *global, cl_event *event)
{
    return conv_enqueue_local(plan, k, name, dims, global, NULL, event);
}

clconv_status conv_enqueue_items(clconv_plan *plan, cl_kernel k, const char *name, size_t items,
                                 cl_event *event)
{
    /* 64: within the group limit of the GPUs and CPU runtimes OpenCL
     * targets; a device with a smaller limit gets its limit. */
    size_t local = plan->ctx->info.max_work_group_size < 64 ? plan->ctx->info.max_work_group_size
                                                              : 64;
    if (local == 0)
        local = 1;
    size_t global = (items + local - 1) / local * local;
    return conv_enqueue_local(plan, k, name, 1, &global, &local, event);
}
