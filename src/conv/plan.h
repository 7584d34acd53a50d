/* Conv layer (internal): what the plan's files share (plan.c, events.c,
 * plan_buffers.c, algo_support.c, config.c). An algorithm includes
 * conv/algo.h, not this. */
#ifndef CLCONV_CONV_PLAN_H
#define CLCONV_CONV_PLAN_H

#include "conv/algo.h"

/* stage[i] >= 0: a command of that stage; -1 - stage: a marker that opens a
 * span closed by the stage's next command (for libraries such as CLBlast
 * that run several kernels and return the event of the last one). */
struct conv_events {
    int count, cap;
    int *stage;
    cl_event *events;
};

/* Waits for the last event and fills t with each stage's device time
 * (events.c). */
clconv_status conv_events_timing(clconv_plan *plan, conv_events *ev, clconv_timing *t);
void conv_events_release(conv_events *ev);

/* Clears the buffer arguments conv_set_args set on the plan's kernels
 * (algo_support.c; why there). */
void conv_plan_drop_buffer_args(clconv_plan *plan);

/* set_weights' and execute's checks of the caller's buffers (plan_buffers.c):
 * each exists, belongs to the plan's cl_context and is large enough; the
 * output overlaps no operand; a residual exactly when the epilogue has one. */
clconv_status conv_plan_check_buffer(clconv_plan *plan, cl_mem buf, const char *what,
                                     size_t elems);
clconv_status conv_plan_check_io(clconv_plan *plan, cl_mem input, cl_mem residual,
                                 cl_mem output);

/* The checks of every entry that takes a problem, an algorithm and options
 * (config.c): the caller's structs read through their struct_size, the
 * defaults resolved into cfg, the parameters resolved (*source, may be
 * NULL) and the algorithm's own check. */
clconv_status conv_check_common(clconv_context *ctx, const clconv_problem *p, clconv_algo algo,
                                const clconv_plan_options *opt, conv_config *cfg,
                                clconv_params_source *source);

#endif
