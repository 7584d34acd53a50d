/* A context: one device, one cl_context, one in-order queue, a program table. */
#define _POSIX_C_SOURCE 200809L
#include "runtime/rt.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s)
{
    return (s && *s) ? strdup(s) : NULL;
}

/* Options first, then the environment, then $XDG_CACHE_HOME/clconv, then
 * ~/.cache/clconv. Returns 0 only when out of memory. */
static int resolve_dirs(clconv_context *ctx, const clconv_context_options *opt)
{
    const char *kdir = (opt && opt->kernel_dir) ? opt->kernel_dir : getenv("CLCONV_KERNEL_DIR");
    if (kdir && *kdir && !(ctx->kernel_dir = strdup(kdir)))
        return 0;
    if (opt && opt->disable_disk_cache)
        return 1;
    const char *cdir = (opt && opt->cache_dir) ? opt->cache_dir : getenv("CLCONV_CACHE_DIR");
    if (cdir && *cdir)
        return (ctx->cache_dir = strdup(cdir)) != NULL;
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char path[4096];
    if (xdg && *xdg)
        snprintf(path, sizeof path, "%s/clconv", xdg);
    else if (home && *home)
        snprintf(path, sizeof path, "%s/.cache/clconv", home);
    else
        return 1; /* nowhere to cache: compile every time */
    return (ctx->cache_dir = dup_or_null(path)) != NULL;
}

static atomic_int live[2];

void rt_live_add(int kind, int delta)
{
    atomic_fetch_add(&live[kind], delta);
}

void clconv_live_objects(int *contexts, int *plans)
{
    if (contexts)
        *contexts = atomic_load(&live[RT_LIVE_CONTEXTS]);
    if (plans)
        *plans = atomic_load(&live[RT_LIVE_PLANS]);
}

/* opt: the caller's options as this library's (rt_struct_in). */
static clconv_context *context_alloc(const clconv_context_options *opt)
{
    clconv_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    if (!resolve_dirs(ctx, opt)) {
        free(ctx->kernel_dir);
        free(ctx);
        return NULL;
    }
    rt_live_add(RT_LIVE_CONTEXTS, 1);
    ctx->library_compile = opt->library_compile;
    ctx->library_compile_user = opt->library_compile_user;
    ctx->log = opt->log;
    ctx->log_user = opt->log_user;
    return ctx;
}

/* The caller's options (NULL: every default) as this library's. */
static clconv_status options_in(const clconv_context_options *in, clconv_context_options *out)
{
    clconv_context_options_init(out);
    return in ? rt_struct_in(NULL, "clconv_context_options", in,
                             CLCONV_CONTEXT_OPTIONS_STRUCT_SIZE, out)
              : CLCONV_SUCCESS;
}

static void context_free(clconv_context *ctx)
{
    rt_live_add(RT_LIVE_CONTEXTS, -1);
    rt_programs_release(ctx);
    rt_gemm_release(ctx);
    if (ctx->queue)
        clReleaseCommandQueue(ctx->queue);
    if (ctx->cl_ctx)
        clReleaseContext(ctx->cl_ctx);
    free(ctx->kernel_dir);
    free(ctx->cache_dir);
    free(ctx);
}

/* Some drivers advertise profiling but return placeholder timestamps
 * (Mesa rusticl 22.3 answers 0, 1, 2, 3). A 4 MB fill takes microseconds on
 * any device, so a duration under 100 ns means the timestamps are not real. */
static clconv_status probe_profiling(clconv_context *ctx)
{
    const size_t bytes = 4u << 20;
    const float zero = 0.0f;
    cl_event ev = NULL;
    cl_mem buf;
    clconv_status st = rt_buffer_create(ctx, bytes, "the profiling probe", &buf);
    if (st)
        return st;
    cl_int err = clEnqueueFillBuffer(ctx->queue, buf, &zero, sizeof zero, 0, bytes, 0, NULL, &ev);
    if (err == CL_SUCCESS)
        err = clWaitForEvents(1, &ev);
    cl_ulong start = 0, end = 0;
    if (err == CL_SUCCESS &&
        (clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_START, sizeof start, &start, NULL) !=
             CL_SUCCESS ||
         clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END, sizeof end, &end, NULL) !=
             CL_SUCCESS))
        start = end = 0;
    if (ev)
        clReleaseEvent(ev);
    clReleaseMemObject(buf);
    if (err != CL_SUCCESS)
        return rt_cl_fail(ctx, err, "clEnqueueFillBuffer", "%zu bytes, profiling probe", bytes);
    ctx->device_timing = end > start && end - start >= 100;
    return CLCONV_SUCCESS;
}

int clconv_context_device_timing(const clconv_context *ctx)
{
    return ctx ? ctx->device_timing : 0;
}

double rt_event_span_ms(clconv_context *ctx, cl_event first, cl_event last)
{
    return ctx->device_timing ? rt_span_ms(first, last) : -1.0;
}

/* Copies a context-level error into the thread slot before the context dies. */
static clconv_status fail_creation(clconv_context *ctx, clconv_status st)
{
    if (ctx) {
        rt_fail(NULL, st, "%s", ctx->last_error);
        context_free(ctx);
    }
    return st;
}

clconv_status clconv_context_create(const clconv_device_selector *selector,
                                    const clconv_context_options *options, clconv_context **out)
{
    rt_clear_error(NULL);
    if (!out)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "context_create: out is NULL");
    *out = NULL;
    clconv_context_options opt;
    clconv_status st = options_in(options, &opt);
    if (st)
        return st;
    clconv_device_list *list = NULL;
    st = clconv_device_list_create(&list);
    if (st)
        return st;
    const clconv_device_info *chosen = NULL;
    st = clconv_device_select(list, selector, &chosen);
    if (st) {
        clconv_device_list_free(list);
        return st;
    }
    int p = chosen->platform_index, d = chosen->device_index;
    clconv_device_list_free(list);

    clconv_context *ctx = context_alloc(&opt);
    if (!ctx)
        return rt_fail(NULL, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory creating a context");
    if ((st = rt_device_ids(p, d, &ctx->platform, &ctx->device))) {
        context_free(ctx);
        return st;
    }
    if ((st = rt_device_query(ctx, ctx->platform, ctx->device, p, d, &ctx->info)))
        return fail_creation(ctx, st);

    cl_int err;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)ctx->platform,
                                     0};
    ctx->cl_ctx = clCreateContext(props, 1, &ctx->device, NULL, NULL, &err);
    if (err != CL_SUCCESS)
        return fail_creation(ctx, rt_cl_fail(ctx, err, "clCreateContext", "device %d:%d %s", p,
                                             d, ctx->info.name));
    ctx->profiling = ctx->info.profiling;
    ctx->queue = clCreateCommandQueue(ctx->cl_ctx, ctx->device,
                                      ctx->profiling ? CL_QUEUE_PROFILING_ENABLE : 0, &err);
    if (err != CL_SUCCESS)
        return fail_creation(ctx, rt_cl_fail(ctx, err, "clCreateCommandQueue",
                                             "device %d:%d %s, profiling=%d", p, d,
                                             ctx->info.name, ctx->profiling));
    if (ctx->profiling && (st = probe_profiling(ctx)))
        return fail_creation(ctx, st);
    *out = ctx;
    return CLCONV_SUCCESS;
}

clconv_status clconv_context_wrap(cl_context context, cl_command_queue queue,
                                  const clconv_context_options *options, clconv_context **out)
{
    rt_clear_error(NULL);
    if (out)
        *out = NULL;
    if (!context || !queue || !out)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "context_wrap: context=%p queue=%p out=%p, "
                       "each must be non-NULL", (void *)context, (void *)queue, (void *)out);
    clconv_context_options opt;
    clconv_status st = options_in(options, &opt);
    if (st)
        return st;
    clconv_context *ctx = context_alloc(&opt);
    if (!ctx)
        return rt_fail(NULL, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory creating a context");
    cl_context queue_ctx;
    cl_command_queue_properties qp;
    cl_int err = clGetCommandQueueInfo(queue, CL_QUEUE_CONTEXT, sizeof queue_ctx, &queue_ctx, NULL);
    if (err != CL_SUCCESS)
        return fail_creation(ctx, rt_cl_fail(ctx, err, "clGetCommandQueueInfo", "CL_QUEUE_CONTEXT"));
    if (queue_ctx != context)
        return fail_creation(ctx, rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                                          "context_wrap: the queue belongs to another context"));
    err = clGetCommandQueueInfo(queue, CL_QUEUE_DEVICE, sizeof ctx->device, &ctx->device, NULL);
    if (err == CL_SUCCESS)
        err = clGetCommandQueueInfo(queue, CL_QUEUE_PROPERTIES, sizeof qp, &qp, NULL);
    if (err == CL_SUCCESS)
        err = clGetDeviceInfo(ctx->device, CL_DEVICE_PLATFORM, sizeof ctx->platform,
                              &ctx->platform, NULL);
    if (err != CL_SUCCESS)
        return fail_creation(ctx, rt_cl_fail(ctx, err, "clGetCommandQueueInfo/clGetDeviceInfo",
                                             "device, properties, platform"));
    if (qp & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE)
        return fail_creation(ctx, rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                                          "context_wrap: the queue is out-of-order; clconv's "
                                          "stages rely on an in-order queue"));
    st = rt_device_query(ctx, ctx->platform, ctx->device, -1, -1, &ctx->info);
    if (st)
        return fail_creation(ctx, st);
    ctx->profiling = (qp & CL_QUEUE_PROFILING_ENABLE) != 0;
    if ((err = clRetainContext(context)) != CL_SUCCESS)
        return fail_creation(ctx, rt_cl_fail(ctx, err, "clRetainContext", "wrapped context"));
    ctx->cl_ctx = context;
    if ((err = clRetainCommandQueue(queue)) != CL_SUCCESS)
        return fail_creation(ctx, rt_cl_fail(ctx, err, "clRetainCommandQueue", "wrapped queue"));
    ctx->queue = queue;
    if (ctx->profiling && (st = probe_profiling(ctx)))
        return fail_creation(ctx, st);
    *out = ctx;
    return CLCONV_SUCCESS;
}

clconv_status clconv_context_destroy(clconv_context *ctx)
{
    if (!ctx)
        return CLCONV_SUCCESS;
    if (ctx->live_plans > 0)
        return rt_fail(ctx, CLCONV_ERR_BUSY,
                       "context_destroy: %d plan(s) still alive; destroy them first",
                       ctx->live_plans);
    context_free(ctx);
    return CLCONV_SUCCESS;
}

const clconv_device_info *clconv_context_device(const clconv_context *ctx)
{
    return ctx ? &ctx->info : NULL;
}

cl_context clconv_context_cl_context(const clconv_context *ctx)
{
    return ctx ? ctx->cl_ctx : NULL;
}

cl_command_queue clconv_context_queue(const clconv_context *ctx)
{
    return ctx ? ctx->queue : NULL;
}
