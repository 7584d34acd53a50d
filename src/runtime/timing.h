/* Clocks, the statistics of timed runs, and the reproducible random data
 * they run on. This header and timing.c use no context and no other clconv
 * file: the same source is compiled into the library and into clconv-bench
 * (bench/CMakeLists.txt), so both measure and summarise one way, from one
 * copy. */
#ifndef CLCONV_RT_TIMING_H
#define CLCONV_RT_TIMING_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>

#include <stdint.h>

/* Milliseconds from a monotonic clock. */
double rt_now_ms(void);

/* Milliseconds from first's start to last's end (the same event for one
 * command), read from profiling events; negative when an event is NULL or
 * its times cannot be read. Whether the device's timestamps are real is the
 * caller's question (rt_event_span_ms asks the context). */
double rt_span_ms(cl_event first, cl_event last);

/* Sorts v[0..n) ascending. */
void rt_sort_ms(double *v, int n);

/* The q-quantile (0 <= q <= 1) of n > 0 sorted values: linear interpolation
 * between the closest ranks, at position q * (n - 1) (numpy's and torch's
 * default rule, so the PyTorch peer's percentiles are the same numbers). */
double rt_percentile(const double *sorted, int n, double q);

/* The median of n > 0 values; sorts v. */
double rt_median(double *v, int n);

/* xorshift32 (Marsaglia 2003) in [-1, 1): the same numbers from the same
 * seed on every platform, never all zero (a zero state is replaced). */
float rt_uniform(uint32_t *state);

#endif
