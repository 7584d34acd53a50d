/* Public plan API: validation, ownership and timing common to every algorithm. */
#define _POSIX_C_SOURCE 200809L
#include "conv/algo.h"

#include "conv/tune.h"
#include "runtime/fft.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- event collection ---- */

/* stage[i] >= 0: a command of that stage; -1 - stage: a marker that opens a
 * span closed by the stage's next command (for libraries such as CLBlast
 * that run several kernels and return the event of the last one). */
struct conv_events {
    int count, cap;
    int *stage;
    cl_event *events;
};

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

static void events_release(conv_events *ev)
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
static clconv_status events_to_timing(clconv_plan *plan, conv_events *ev, clconv_timing *t)
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

/* ---- helpers for algorithms ---- */

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
static void drop_buffer_args(clconv_plan *plan)
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

/* ---- public API ---- */

const char *clconv_algo_name(clconv_algo algo)
{
    if (algo == CLCONV_ALGO_AUTO)
        return "auto";
    return ((int)algo >= 0 && algo < CLCONV_ALGO_COUNT) ? conv_algo_table[algo]->name : NULL;
}

const char *clconv_algo_summary(clconv_algo algo)
{
    return ((int)algo >= 0 && algo < CLCONV_ALGO_COUNT) ? conv_algo_table[algo]->summary : NULL;
}

const char *clconv_algo_weights_stage(clconv_algo algo)
{
    return ((int)algo >= 0 && algo < CLCONV_ALGO_COUNT) ? conv_algo_table[algo]->weights_stage
                                                         : NULL;
}

clconv_status clconv_algo_from_name(const char *name, clconv_algo *out)
{
    if (!out)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "algo_from_name: out is NULL");
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++)
        if (name && strcmp(name, conv_algo_table[a]->name) == 0) {
            *out = (clconv_algo)a;
            return CLCONV_SUCCESS;
        }
    if (name && strcmp(name, clconv_algo_name(CLCONV_ALGO_AUTO)) == 0) {
        *out = CLCONV_ALGO_AUTO;
        return CLCONV_SUCCESS;
    }
    char names[256] = "";
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s, ",
                 conv_algo_table[a]->name);
    snprintf(names + strlen(names), sizeof names - strlen(names), "%s",
             clconv_algo_name(CLCONV_ALGO_AUTO));
    return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "unknown algorithm \"%s\" (one of: %s)",
                   name ? name : "", names);
}

/* Validates what every algorithm needs and resolves the options' defaults
 * into cfg (device may be NULL: no device-dependent defaults or limits). */
static clconv_status make_config(clconv_context *ctx, const clconv_problem *p, clconv_algo algo,
                                 const clconv_plan_options *opt, conv_config *cfg)
{
    if (algo == CLCONV_ALGO_AUTO)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                       "algo = auto: not an algorithm; only plan_create chooses one "
                       "(clconv_plan_choice says which)");
    if ((int)algo < 0 || algo >= CLCONV_ALGO_COUNT)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "algo = %d: must be 0..%d or %d (auto)",
                       (int)algo, CLCONV_ALGO_COUNT - 1, (int)CLCONV_ALGO_AUTO);
    clconv_status st = clconv_problem_validate(p);
    if (st)
        return ctx ? rt_fail(ctx, st, "%s", clconv_last_error(NULL)) : st;
    memset(cfg, 0, sizeof *cfg);
    cfg->problem = *p;
    cfg->device = ctx ? &ctx->info : NULL;
    /* The device's own limit on one buffer, lowered by the caller if asked. */
    cfg->workspace_limit_bytes = ctx ? (size_t)ctx->info.max_alloc_bytes : SIZE_MAX;
    if (opt && opt->workspace_limit_bytes && opt->workspace_limit_bytes < cfg->workspace_limit_bytes)
        cfg->workspace_limit_bytes = opt->workspace_limit_bytes;
    cfg->fft_backend = opt ? opt->fft_backend : CLCONV_FFT_BACKEND_DEFAULT;
    if ((int)cfg->fft_backend < 0 || cfg->fft_backend >= CLCONV_FFT_BACKEND_COUNT)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "fft_backend = %d: must be 0..%d",
                       (int)cfg->fft_backend, CLCONV_FFT_BACKEND_COUNT - 1);
    clconv_gemm_backend gemm = opt ? opt->gemm_backend : CLCONV_GEMM_BACKEND_DEFAULT;
    if (!rt_gemm_backend_get(gemm, cfg->device, &cfg->gemm_backend))
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "gemm_backend = %d: must be 0..%d", (int)gemm,
                       CLCONV_GEMM_BACKEND_COUNT - 1);
    return CLCONV_SUCCESS;
}

static clconv_status check_common(clconv_context *ctx, const clconv_problem *p, clconv_algo algo,
                                  const clconv_plan_options *opt, conv_config *cfg,
                                  clconv_params_source *source)
{
    if (!ctx)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "context is NULL");
    rt_clear_error(ctx);
    if (!p)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "problem is NULL");
    clconv_status st = make_config(ctx, p, algo, opt, cfg);
    if (st)
        return st;
    clconv_params_source unused;
    if ((st = conv_params_resolve(ctx, cfg, conv_algo_table[algo], opt ? opt->params : NULL,
                                  source ? source : &unused)))
        return st;
    return conv_algo_table[algo]->check(ctx, cfg);
}

clconv_status conv_config_resolve(clconv_context *ctx, const clconv_problem *p, clconv_algo algo,
                                  const clconv_plan_options *opt, conv_config *cfg)
{
    return check_common(ctx, p, algo, opt, cfg, NULL);
}

clconv_status clconv_algo_check(clconv_context *ctx, const clconv_problem *p, clconv_algo algo)
{
    return clconv_algo_check_with_options(ctx, p, algo, NULL);
}

clconv_status clconv_algo_check_with_options(clconv_context *ctx, const clconv_problem *p,
                                             clconv_algo algo, const clconv_plan_options *opt)
{
    conv_config cfg;
    return check_common(ctx, p, algo, opt, &cfg, NULL);
}

clconv_status clconv_algo_workspace_bytes(clconv_context *ctx, const clconv_problem *p,
                                          clconv_algo algo, const clconv_plan_options *opt,
                                          size_t *bytes)
{
    conv_config cfg;
    if (bytes)
        *bytes = 0;
    clconv_status st = check_common(ctx, p, algo, opt, &cfg, NULL);
    if (!st && !bytes)
        st = rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "bytes is NULL");
    if (!st)
        *bytes = conv_algo_table[algo]->workspace(&cfg);
    return st;
}

clconv_status clconv_algo_cost(const clconv_problem *p, clconv_algo algo, int with_bias,
                               clconv_cost *cost)
{
    conv_config cfg;
    if (!cost)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "cost is NULL");
    memset(cost, 0, sizeof *cost);
    if (!p)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "problem is NULL");
    clconv_status st = make_config(NULL, p, algo, NULL, &cfg);
    if (!st)
        conv_algo_table[algo]->cost(&cfg, with_bias != 0, cost);
    return st;
}

clconv_status conv_plan_build(clconv_context *ctx, const conv_config *cfg, clconv_algo algo,
                              clconv_plan **out)
{
    *out = NULL;
    clconv_plan *plan = calloc(1, sizeof *plan);
    if (!plan)
        return rt_fail(ctx, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory creating a plan");
    plan->ctx = ctx;
    plan->cfg = *cfg;
    plan->algo = algo;
    plan->ops = conv_algo_table[algo];
    clconv_status st = plan->ops->create(plan);
    if (st) {
        plan->ops->destroy(plan);
        free(plan);
        return st;
    }
    ctx->live_plans++;
    rt_live_add(RT_LIVE_PLANS, 1);
    *out = plan;
    return CLCONV_SUCCESS;
}

clconv_status conv_plan_create_named(clconv_context *ctx, const clconv_problem *p,
                                     clconv_algo algo, const clconv_plan_options *opt,
                                     clconv_plan **out)
{
    if (!out)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "out is NULL");
    *out = NULL;
    conv_config cfg;
    clconv_params_source source;
    clconv_status st = check_common(ctx, p, algo, opt, &cfg, &source);
    if (st)
        return st;
    if (opt && opt->tune && !opt->params && source != CLCONV_PARAMS_NONE) {
        if ((st = conv_tune(ctx, &cfg, algo, opt)))
            return st;
        source = CLCONV_PARAMS_TUNED;
    }
    st = conv_plan_build(ctx, &cfg, algo, out);
    if ((st == CLCONV_ERR_BUILD || st == CLCONV_ERR_UNSUPPORTED) &&
        source == CLCONV_PARAMS_DATABASE) {
        /* An entry for this very kernel source that no longer builds or
         * launches (a new compiler, say): the default rule, and a tune
         * replaces the entry. */
        fprintf(stderr,
                "clconv: warning: the performance database's parameters for %s do not build "
                "here (%s); using the default rule; tune again to replace them\n",
                conv_algo_table[algo]->name, clconv_last_error(ctx));
        rt_clear_error(ctx);
        conv_tunable_for(conv_algo_table[algo]->tunable, &cfg)->defaults(&cfg, cfg.params);
        source = CLCONV_PARAMS_DEFAULT;
        st = conv_plan_build(ctx, &cfg, algo, out);
    }
    if (st)
        return st;
    (*out)->params_source = source;
    return CLCONV_SUCCESS;
}

const char *clconv_params_source_name(clconv_params_source source)
{
    static const char *const names[CLCONV_PARAMS_SOURCE_COUNT] = {
        [CLCONV_PARAMS_NONE] = "none",
        [CLCONV_PARAMS_DEFAULT] = "default",
        [CLCONV_PARAMS_DATABASE] = "database",
        [CLCONV_PARAMS_TUNED] = "tuned",
        [CLCONV_PARAMS_GIVEN] = "given",
    };
    return (int)source >= 0 && source < CLCONV_PARAMS_SOURCE_COUNT ? names[source] : NULL;
}

clconv_algo clconv_plan_algo(const clconv_plan *plan)
{
    return plan ? plan->algo : (clconv_algo)-1;
}

clconv_status clconv_plan_choice(const clconv_plan *plan, clconv_choice *out)
{
    if (!plan || !out)
        return rt_fail(plan ? plan->ctx : NULL, CLCONV_ERR_INVALID_ARG, "plan_choice: %s is NULL",
                       plan ? "out" : "plan");
    if (!plan->chosen)
        return rt_fail(plan->ctx, CLCONV_ERR_STATE,
                       "plan_choice: the plan runs %s because it was asked for, not chosen "
                       "(create it with CLCONV_ALGO_AUTO)",
                       plan->ops->name);
    *out = plan->choice;
    return CLCONV_SUCCESS;
}

clconv_params_source clconv_plan_params(const clconv_plan *plan, char *text, size_t cap)
{
    if (text && cap)
        text[0] = '\0';
    if (!plan || !plan->ops->tunable)
        return CLCONV_PARAMS_NONE;
    if (text && cap)
        conv_params_text(conv_tunable_for(plan->ops->tunable, &plan->cfg), plan->cfg.params,
                         text, cap);
    return plan->params_source;
}

static void release_weights(clconv_plan *plan)
{
    if (plan->weights)
        clReleaseMemObject(plan->weights);
    if (plan->bias)
        clReleaseMemObject(plan->bias);
    plan->weights = plan->bias = NULL;
}

void clconv_plan_destroy(clconv_plan *plan)
{
    if (!plan)
        return;
    plan->ops->destroy(plan);
    release_weights(plan);
    plan->ctx->live_plans--;
    rt_live_add(RT_LIVE_PLANS, -1);
    free(plan);
}

size_t clconv_plan_workspace_bytes(const clconv_plan *plan)
{
    return plan ? plan->workspace_bytes : 0;
}

double clconv_plan_weights_ms(const clconv_plan *plan)
{
    return plan ? plan->weights_ms : 0.0;
}

void clconv_plan_build_time(const clconv_plan *plan, double *build_ms, int *compiled)
{
    if (build_ms)
        *build_ms = plan ? plan->build_ms : 0.0;
    if (compiled)
        *compiled = plan ? plan->compiled : 0;
}

/* A buffer must exist, belong to the plan's cl_context (PoCL and rusticl
 * run kernels on another context's buffer without an error: undefined
 * behaviour the caller would never hear of) and hold at least `elems`
 * floats. */
static clconv_status check_buffer(clconv_plan *plan, cl_mem buf, const char *what, size_t elems)
{
    if (!buf)
        return rt_fail(plan->ctx, CLCONV_ERR_INVALID_ARG, "%s buffer is NULL", what);
    size_t size = 0;
    cl_context owner = NULL;
    cl_int err = clGetMemObjectInfo(buf, CL_MEM_CONTEXT, sizeof owner, &owner, NULL);
    if (err != CL_SUCCESS)
        return rt_cl_fail(plan->ctx, err, "clGetMemObjectInfo", "%s buffer CL_MEM_CONTEXT", what);
    if (owner != plan->ctx->cl_ctx)
        return rt_fail(plan->ctx, CLCONV_ERR_INVALID_ARG,
                       "the %s buffer belongs to another cl_context than the plan's", what);
    err = clGetMemObjectInfo(buf, CL_MEM_SIZE, sizeof size, &size, NULL);
    if (err != CL_SUCCESS)
        return rt_cl_fail(plan->ctx, err, "clGetMemObjectInfo", "%s buffer CL_MEM_SIZE", what);
    if (size / sizeof(float) < elems)
        return rt_fail(plan->ctx, CLCONV_ERR_INVALID_ARG,
                       "%s buffer has %zu bytes; the problem needs %zu (%zu floats)", what, size,
                       elems * sizeof(float), elems);
    return CLCONV_SUCCESS;
}

clconv_status clconv_plan_set_weights(clconv_plan *plan, cl_mem weights, cl_mem bias)
{
    if (!plan)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "plan is NULL");
    rt_clear_error(plan->ctx);
    const clconv_problem *p = &plan->cfg.problem;
    clconv_status st = check_buffer(plan, weights, "weights", clconv_problem_weight_elems(p));
    if (!st && bias)
        st = check_buffer(plan, bias, "bias", (size_t)p->out_channels);
    if (st)
        return st;
    cl_int err = clRetainMemObject(weights);
    if (err == CL_SUCCESS && bias && (err = clRetainMemObject(bias)) != CL_SUCCESS)
        clReleaseMemObject(weights);
    if (err != CL_SUCCESS)
        return rt_cl_fail(plan->ctx, err, "clRetainMemObject", "weights/bias");
    release_weights(plan);
    plan->weights = weights;
    plan->bias = bias;
    plan->weights_failure[0] = '\0';
    st = plan->ops->set_weights(plan);
    drop_buffer_args(plan);
    if (st) {
        /* The algorithm's weight state (spectra, repacked copies) may be half
         * written: keep no weights at all rather than a mix of old and new. */
        release_weights(plan);
        snprintf(plan->weights_failure, sizeof plan->weights_failure, "%s",
                 clconv_last_error(plan->ctx));
    }
    return st;
}

/* Byte range of a buffer within its parent allocation (itself unless a sub-buffer). */
static void mem_range(cl_mem m, cl_mem *base, size_t *begin, size_t *end)
{
    cl_mem parent = NULL;
    size_t offset = 0, size = 0;
    if (clGetMemObjectInfo(m, CL_MEM_ASSOCIATED_MEMOBJECT, sizeof parent, &parent, NULL) !=
            CL_SUCCESS ||
        clGetMemObjectInfo(m, CL_MEM_OFFSET, sizeof offset, &offset, NULL) != CL_SUCCESS ||
        clGetMemObjectInfo(m, CL_MEM_SIZE, sizeof size, &size, NULL) != CL_SUCCESS)
        parent = NULL, offset = 0, size = 1; /* compare identity only */
    *base = parent ? parent : m;
    *begin = offset;
    *end = offset + size;
}

/* The kernels read every operand while writing the output (restrict): an
 * output sharing bytes with any operand would give silently wrong results. */
static clconv_status check_no_overlap(clconv_plan *plan, cl_mem output, cl_mem other,
                                      const char *what)
{
    if (!other)
        return CLCONV_SUCCESS;
    cl_mem b1, b2;
    size_t s1, e1, s2, e2;
    mem_range(output, &b1, &s1, &e1);
    mem_range(other, &b2, &s2, &e2);
    if (b1 == b2 && s1 < e2 && s2 < e1)
        return rt_fail(plan->ctx, CLCONV_ERR_INVALID_ARG,
                       "the output buffer overlaps the %s buffer (bytes %zu..%zu and %zu..%zu of "
                       "one allocation)", what, s1, e1, s2, e2);
    return CLCONV_SUCCESS;
}

clconv_status clconv_plan_execute(clconv_plan *plan, cl_mem input, cl_mem output,
                                  clconv_timing *timing)
{
    if (!plan)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "plan is NULL");
    rt_clear_error(plan->ctx);
    if (plan->weights_failure[0])
        return rt_fail(plan->ctx, CLCONV_ERR_STATE,
                       "execute after a failed set_weights (%s); call set_weights again",
                       plan->weights_failure);
    if (!plan->weights)
        return rt_fail(plan->ctx, CLCONV_ERR_STATE, "execute before set_weights");
    const clconv_problem *p = &plan->cfg.problem;
    clconv_status st = check_buffer(plan, input, "input", clconv_problem_input_elems(p));
    if (!st)
        st = check_buffer(plan, output, "output", clconv_problem_output_elems(p));
    if (!st)
        st = check_no_overlap(plan, output, input, "input");
    if (!st)
        st = check_no_overlap(plan, output, plan->weights, "weights");
    if (!st)
        st = check_no_overlap(plan, output, plan->bias, "bias");
    if (st)
        return st;
    conv_events ev = {0};
    st = plan->ops->execute(plan, input, output, timing ? &ev : NULL);
    drop_buffer_args(plan);
    if (!st && timing)
        st = events_to_timing(plan, &ev, timing);
    events_release(&ev);
    return st;
}

void clconv_plan_cost(const clconv_plan *plan, clconv_cost *cost)
{
    if (!cost)
        return;
    memset(cost, 0, sizeof *cost);
    if (plan)
        plan->ops->cost(&plan->cfg, plan->bias != NULL, cost);
}
