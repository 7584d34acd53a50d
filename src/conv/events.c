/* The events of one execute, each tagged with its stage, and the per-stage
 * device times made of them. */
#include "conv/plan.h"

#include <stdlib.h>
#include <string.h>

static cl_event *slot(conv_events *ev, int tag)
{
    if (ev->count == ev->cap) {
        int cap = ev->cap ? ev->cap * 2 : 16;
        int *s = realloc(ev->stage, (size_t)cap * sizeof *s);
        if (s)
            ev->stage = s;
        cl_event *e = s ? realloc(ev->events, (size_t)cap * sizeof *e) : NULL;
        if (!e)
            return NULL; /* this enqueue goes untimed rather than failing the run */
        ev->events = e;
        ev->cap = cap;
    }
    ev->stage[ev->count] = tag;
    ev->events[ev->count] = NULL;
    return &ev->events[ev->count++];
}

cl_event *conv_event_slot(conv_events *ev, int stage)
{
    return ev ? slot(ev, stage) : NULL;
}

clconv_status conv_event_span_begin(clconv_plan *plan, conv_events *ev, int stage)
{
    if (!ev)
        return CLCONV_SUCCESS;
    cl_event *e = slot(ev, -1 - stage);
    if (!e)
        return CLCONV_SUCCESS;
    cl_int err = clEnqueueMarkerWithWaitList(plan->ctx->queue, 0, NULL, e);
    if (err != CL_SUCCESS)
        return rt_cl_fail(plan->ctx, err, "clEnqueueMarkerWithWaitList", "%s stage %s",
                          plan->ops->name, plan->ops->stage_names[stage]);
    return CLCONV_SUCCESS;
}

void conv_events_release(conv_events *ev)
{
    for (int i = 0; i < ev->count; i++)
        if (ev->events[i])
            clReleaseEvent(ev->events[i]);
    free(ev->events);
    free(ev->stage);
}

/* Stage time = sum of its commands' durations (or spans); device time =
 * first start to last end, so gaps between stages count against the whole, as
 * a user sees it. Only stages that ran are listed. */
clconv_status conv_events_timing(clconv_plan *plan, conv_events *ev, clconv_timing *t)
{
    clconv_context *ctx = plan->ctx;
    const conv_algo_ops *ops = plan->ops;
    double ms[CLCONV_MAX_STAGES] = {0};
    int ran[CLCONV_MAX_STAGES] = {0};
    memset(t, 0, sizeof *t);
    t->device_ms = -1.0;
    if (ev->count == 0)
        return CLCONV_SUCCESS;
    cl_int err = clWaitForEvents(1, &ev->events[ev->count - 1]);
    if (err != CL_SUCCESS)
        return rt_cl_fail(ctx, err, "clWaitForEvents", "%s execute", ops->name);
    cl_ulong first = ~(cl_ulong)0, last = 0, open_start[CLCONV_MAX_STAGES] = {0};
    int open[CLCONV_MAX_STAGES] = {0};
    for (int i = 0; i < ev->count; i++) {
        int tag = ev->stage[i], stage = tag >= 0 ? tag : -1 - tag;
        ran[stage] = 1;
        if (!ev->events[i] || !ctx->device_timing)
            continue;
        cl_ulong start, end;
        err = clGetEventProfilingInfo(ev->events[i], CL_PROFILING_COMMAND_START, sizeof start,
                                      &start, NULL);
        if (err == CL_SUCCESS)
            err = clGetEventProfilingInfo(ev->events[i], CL_PROFILING_COMMAND_END, sizeof end,
                                          &end, NULL);
        if (err != CL_SUCCESS)
            return rt_cl_fail(ctx, err, "clGetEventProfilingInfo", "%s stage %s", ops->name,
                              ops->stage_names[stage]);
        if (start < first)
            first = start;
        if (end > last)
            last = end;
        if (tag < 0) {
            open[stage] = 1;
            open_start[stage] = start;
        } else if (open[stage]) {
            ms[stage] += (double)(end - open_start[stage]) * 1e-6;
            open[stage] = 0;
        } else {
            ms[stage] += (double)(end - start) * 1e-6;
        }
    }
    for (int s = 0; s < ops->stage_count; s++)
        if (ran[s]) {
            t->stages[t->stage_count].name = ops->stage_names[s];
            t->stages[t->stage_count].ms = ctx->device_timing ? ms[s] : -1.0;
            t->stage_count++;
        }
    if (ctx->device_timing)
        t->device_ms = last > first ? (double)(last - first) * 1e-6 : 0.0;
    return CLCONV_SUCCESS;
}
