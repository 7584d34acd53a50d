/* Conv layer (internal): the automatic choice (choice.c), which
 * plan_create asks for CLCONV_ALGO_AUTO, and its performance-database key,
 * for the tests that plant entries under it. */
#ifndef CLCONV_CONV_CHOICE_H
#define CLCONV_CONV_CHOICE_H

#include "conv/algo.h"

/* The key of a find result: the exact problem and the options that change
 * the answer (the limit as resolved, the backends as asked), from a config
 * conv_config_resolve made. The value: "algo=NAME ms=T next=NAME|- next_ms=T". */
void choice_find_key(const conv_config *cfg, char *text, size_t cap);

/* Chooses the algorithm for the caller's problem and options: *ch says
 * which and why; *o gets the options as this library's, without params
 * (one algorithm's), for the plan of the chosen one. */
clconv_status conv_choose(clconv_context *ctx, const clconv_problem *p,
                          const clconv_plan_options *opt, clconv_plan_options *o,
                          clconv_choice *ch);

#endif
