/* Shared test fixture: the device named by CLCONV_DEVICE, seeded random data,
 * and running one problem through a plan against the reference. */
#ifndef CLCONV_TEST_FIXTURE_H
#define CLCONV_TEST_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "clconv.h"

/* Opens the device from $CLCONV_DEVICE (default: the first device). Fails
 * the test, with clconv's message, when it cannot. */
clconv_context *fixture_context(void);
/* CLCONV_TEST_FILTER=pattern runs only the matching tests (cmocka's * and ?
 * wildcards), for a quick check of one test while developing. */
void fixture_filter(void);

/* rt_uniform (src/runtime/timing.h): xorshift32 in [-1, 1), never all zero. */
float fixture_uniform(uint32_t *state);
void fixture_fill(float *v, size_t n, uint32_t *state);

cl_mem fixture_upload(clconv_context *ctx, const float *host, size_t n);
cl_mem fixture_output(clconv_context *ctx, size_t n); /* filled with NaN */
void fixture_download(clconv_context *ctx, cl_mem buf, float *host, size_t n);

/* Runs p with algo on random data (seed) and returns the relative L2 error
 * against clconv_reference_conv2d. Any clconv error fails the test. */
double fixture_run_problem(clconv_context *ctx, const clconv_problem *p, clconv_algo algo,
                           int with_bias, uint32_t seed);

/* The same with plan options (opt may be NULL). */
double fixture_run_problem_with_options(clconv_context *ctx, const clconv_problem *p,
                                        clconv_algo algo, const clconv_plan_options *opt,
                                        int with_bias, uint32_t seed);

/* p when algo takes it on ctx's device, else the first of p made plainer
 * that it takes: stride and dilation 1, then a 3x3, 5x5 or 1x1 kernel, the
 * rest of p kept (a test that loops over the algorithm table meets an
 * algorithm limited to some shapes, winograd's 3x3 and 5x5, with no test
 * naming the limits). Fails the test when none is taken. */
clconv_problem fixture_problem_for(clconv_context *ctx, clconv_algo algo, const clconv_problem *p);

/* "N=2 C=3 H=13 W=17 K=5 k=3x2 s=2x2 p=1x1 d=2x2" for failure messages. */
void fixture_describe(const clconv_problem *p, char *buf, size_t size);

#endif
