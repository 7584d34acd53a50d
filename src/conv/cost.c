/* Cost helpers every algorithm's cost function uses. A multiply-add counts
 * 2 FLOPs. Compulsory bytes: every operand a stage reads counted once, every
 * result it writes counted once (4 bytes a float, 8 a complex value); what a
 * cache would have to re-read is the implementation's inefficiency, not part
 * of the bound. Each algorithm writes its own stages' formulas next to its
 * code. */
#include "conv/algo.h"

#include <string.h>

void conv_cost_add(clconv_cost *c, const conv_algo_ops *ops, int stage, double flops,
                   double bytes)
{
    clconv_stage_cost *s = &c->stages[c->stage_count++];
    s->name = ops->stage_names[stage];
    s->flops = flops;
    s->bytes = bytes;
    c->flops += flops;
    c->bytes += bytes;
}

double conv_outputs(const clconv_problem *p)
{
    return (double)p->batch * p->out_channels * clconv_problem_out_height(p) *
           clconv_problem_out_width(p);
}

/* Every output element is a dot product of length C_in/groups*KH*KW. */
void conv_compulsory_cost(const clconv_problem *p, int has_bias, double *flops, double *bytes)
{
    *flops = 2.0 * conv_outputs(p) * (p->in_channels / rt_groups(p)) * p->kernel_h * p->kernel_w;
    *bytes = 4.0 * ((double)clconv_problem_input_elems(p) + (double)clconv_problem_weight_elems(p) +
                    (has_bias ? p->out_channels : 0) + conv_outputs(p));
}

void clconv_problem_cost(const clconv_problem *in, int with_bias, double *flops, double *bytes)
{
    double f = 0.0, b = 0.0;
    clconv_problem p;
    if (rt_problem_in(NULL, in, &p) == CLCONV_SUCCESS &&
        clconv_problem_validate(&p) == CLCONV_SUCCESS)
        conv_compulsory_cost(&p, with_bias, &f, &b);
    rt_clear_error(NULL);
    if (flops)
        *flops = f;
    if (bytes)
        *bytes = b;
}

void conv_cost_of(const conv_algo_ops *ops, const conv_config *cfg, int has_bias,
                  clconv_cost *cost)
{
    ops->cost(cfg, has_bias, cost);
    if (!cfg->epilogue.residual || cost->stage_count == 0)
        return;
    const double z = 4.0 * (double)clconv_problem_output_elems(&cfg->problem);
    cost->stages[cost->stage_count - 1].bytes += z;
    cost->bytes += z;
}
