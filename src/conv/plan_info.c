/* What a plan reports about itself: the algorithm it runs and why, its
 * parameters, workspace, build time and cost. */
#include "conv/plan.h"

#include "conv/tune.h"

#include <string.h>

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

void clconv_plan_cost(const clconv_plan *plan, clconv_cost *cost)
{
    if (!cost)
        return;
    memset(cost, 0, sizeof *cost);
    if (plan)
        conv_cost_of(plan->ops, &plan->cfg, plan->bias != NULL, cost);
}

clconv_epilogue clconv_plan_epilogue(const clconv_plan *plan)
{
    clconv_epilogue e;
    clconv_epilogue_init(&e);
    return plan ? plan->cfg.epilogue : e;
}
