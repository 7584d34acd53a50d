/* Cost model: FLOPs and compulsory bytes. A multiply-add counts 2 FLOPs. */
#include "analysis/cost.h"

#include "runtime/rt.h"

/* Direct convolution: every output element is a dot product of length
 * C_in*KH*KW, so FLOPs = 2 * N * C_out * OH * OW * C_in * KH * KW (the bias
 * add, one per output, is left out as every framework does). Compulsory bytes: input, weights and bias
 * read once, output written once (4 bytes each). */
void an_direct_cost(const clconv_problem *p, int has_bias, double *flops, double *bytes)
{
    double outputs = (double)p->batch * p->out_channels * clconv_problem_out_height(p) *
                     clconv_problem_out_width(p);
    *flops = 2.0 * outputs * p->in_channels * p->kernel_h * p->kernel_w;
    *bytes = 4.0 * ((double)clconv_problem_input_elems(p) + (double)clconv_problem_weight_elems(p) +
                    (has_bias ? p->out_channels : 0) + outputs);
}

void clconv_problem_cost(const clconv_problem *p, int with_bias, double *flops, double *bytes)
{
    *flops = *bytes = 0.0;
    if (p && clconv_problem_validate(p) == CLCONV_SUCCESS)
        an_direct_cost(p, with_bias, flops, bytes);
    rt_clear_error(NULL);
}
