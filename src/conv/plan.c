/* A plan's life: create (a named algorithm, or the one the automatic
 * choice names), set_weights, execute or enqueue, destroy. */
#define _POSIX_C_SOURCE 200809L
#include "conv/plan.h"

#include "conv/choice.h"
#include "conv/tune.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    clconv_plan_options o;
    clconv_status st = rt_plan_options_in(ctx, opt, &o);
    if (!st)
        st = conv_check_common(ctx, p, algo, &o, &cfg, &source);
    if (st)
        return st;
    if (o.tune && !o.params && source != CLCONV_PARAMS_NONE) {
        if ((st = conv_tune(ctx, &cfg, algo, &o)))
            return st;
        source = CLCONV_PARAMS_TUNED;
    }
    st = conv_plan_build(ctx, &cfg, algo, out);
    if ((st == CLCONV_ERR_BUILD || st == CLCONV_ERR_UNSUPPORTED) &&
        source == CLCONV_PARAMS_DATABASE) {
        /* An entry for this very kernel source that no longer builds or
         * launches (a new compiler, say): the default rule, and a tune
         * replaces the entry. */
        rt_log(ctx, CLCONV_LOG_WARNING,
               "the performance database's parameters for %s do not build here (%s); using "
               "the default rule; tune again to replace them",
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

clconv_status clconv_plan_create(clconv_context *ctx, const clconv_problem *p, clconv_algo algo,
                                 clconv_plan **out)
{
    return clconv_plan_create_with_options(ctx, p, algo, NULL, out);
}

clconv_status clconv_plan_create_with_options(clconv_context *ctx, const clconv_problem *p,
                                              clconv_algo algo, const clconv_plan_options *opt,
                                              clconv_plan **out)
{
    if (algo != CLCONV_ALGO_AUTO)
        return conv_plan_create_named(ctx, p, algo, opt, out);
    if (!out)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "out is NULL");
    *out = NULL;
    clconv_plan_options o;
    clconv_choice ch;
    clconv_status st = conv_choose(ctx, p, opt, &o, &ch);
    if (!st)
        st = conv_plan_create_named(ctx, p, ch.algo, &o, out);
    if (st)
        return st;
    (*out)->chosen = 1;
    (*out)->choice = ch;
    return CLCONV_SUCCESS;
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

clconv_status clconv_plan_set_weights(clconv_plan *plan, cl_mem weights, cl_mem bias)
{
    if (!plan)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "plan is NULL");
    rt_clear_error(plan->ctx);
    const clconv_problem *p = &plan->cfg.problem;
    clconv_status st =
        conv_plan_check_buffer(plan, weights, "weights", clconv_problem_weight_elems(p));
    if (!st && bias)
        st = conv_plan_check_buffer(plan, bias, "bias", (size_t)p->out_channels);
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
    conv_plan_drop_buffer_args(plan);
    if (st) {
        /* The algorithm's weight state (spectra, repacked copies) may be half
         * written: keep no weights at all rather than a mix of old and new. */
        release_weights(plan);
        snprintf(plan->weights_failure, sizeof plan->weights_failure, "%s",
                 clconv_last_error(plan->ctx));
    }
    return st;
}

/* execute's and enqueue's common part: the checks, then the algorithm's
 * commands after the wait list, their events in ev when it is non-NULL. */
static clconv_status run(clconv_plan *plan, cl_mem input, cl_mem residual, cl_mem output,
                         cl_uint wait_count, const cl_event *wait, conv_events *ev)
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
    if ((wait_count == 0) != (wait == NULL))
        return rt_fail(plan->ctx, CLCONV_ERR_INVALID_ARG,
                       "enqueue: %u events in the wait list at %p: a count needs a list, a "
                       "list a count", (unsigned)wait_count, (const void *)wait);
    clconv_status st = conv_plan_check_io(plan, input, residual, output);
    if (st)
        return st;
    if (wait_count) {
        /* The context's queue is in order: a barrier holds every command
         * the algorithm enqueues after it until the caller's events end. */
        cl_int err = clEnqueueBarrierWithWaitList(plan->ctx->queue, wait_count, wait, NULL);
        if (err != CL_SUCCESS)
            return rt_cl_fail(plan->ctx, err, "clEnqueueBarrierWithWaitList",
                              "%s, %u events in the wait list", plan->ops->name,
                              (unsigned)wait_count);
    }
    plan->residual = residual; /* the last stage's kernel reads it from the plan */
    st = plan->ops->execute(plan, input, output, ev);
    plan->residual = NULL;
    conv_plan_drop_buffer_args(plan);
    return st;
}

static clconv_status execute(clconv_plan *plan, cl_mem input, cl_mem residual, cl_mem output,
                             clconv_timing *timing)
{
    conv_events ev = {0};
    clconv_status st = run(plan, input, residual, output, 0, NULL, timing ? &ev : NULL);
    if (!st && timing)
        st = conv_events_timing(plan, &ev, timing);
    conv_events_release(&ev);
    return st;
}

static clconv_status enqueue(clconv_plan *plan, cl_mem input, cl_mem residual, cl_mem output,
                             cl_uint num_events_in_wait_list, const cl_event *event_wait_list,
                             cl_event *event)
{
    if (event)
        *event = NULL;
    clconv_status st =
        run(plan, input, residual, output, num_events_in_wait_list, event_wait_list, NULL);
    if (st || !event)
        return st;
    /* In order: the marker completes when the algorithm's last command has. */
    cl_int err = clEnqueueMarkerWithWaitList(plan->ctx->queue, 0, NULL, event);
    if (err != CL_SUCCESS)
        return rt_cl_fail(plan->ctx, err, "clEnqueueMarkerWithWaitList", "%s, the event out",
                          plan->ops->name);
    return CLCONV_SUCCESS;
}

clconv_status clconv_plan_execute(clconv_plan *plan, cl_mem input, cl_mem output,
                                  clconv_timing *timing)
{
    return execute(plan, input, NULL, output, timing);
}

clconv_status clconv_plan_execute_residual(clconv_plan *plan, cl_mem input, cl_mem residual,
                                           cl_mem output, clconv_timing *timing)
{
    return execute(plan, input, residual, output, timing);
}

clconv_status clconv_plan_enqueue(clconv_plan *plan, cl_mem input, cl_mem output,
                                  cl_uint num_events_in_wait_list,
                                  const cl_event *event_wait_list, cl_event *event)
{
    return enqueue(plan, input, NULL, output, num_events_in_wait_list, event_wait_list, event);
}

clconv_status clconv_plan_enqueue_residual(clconv_plan *plan, cl_mem input, cl_mem residual,
                                           cl_mem output, cl_uint num_events_in_wait_list,
                                           const cl_event *event_wait_list, cl_event *event)
{
    return enqueue(plan, input, residual, output, num_events_in_wait_list, event_wait_list,
                   event);
}
