/* Analysis layer (internal): cost model. */
#ifndef CLCONV_AN_COST_H
#define CLCONV_AN_COST_H

#include "clconv.h"

void an_direct_cost(const clconv_problem *p, int has_bias, double *flops, double *bytes);

/* Per-stage costs, one function per algorithm (stage names as its timing). */
void an_direct_stages(const clconv_problem *p, int has_bias, clconv_cost *cost);
void an_im2col_gemm_stages(const clconv_problem *p, int has_bias, clconv_cost *cost);
void an_fft_stages(const clconv_problem *p, int has_bias, size_t ph, size_t pw, clconv_cost *cost);
void an_pointwise_cost(const clconv_problem *p, clconv_cost *cost);

#endif
