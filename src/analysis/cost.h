/* Analysis layer (internal): cost model. */
#ifndef CLCONV_AN_COST_H
#define CLCONV_AN_COST_H

#include "clconv.h"

void an_direct_cost(const clconv_problem *p, int has_bias, double *flops, double *bytes);

#endif
