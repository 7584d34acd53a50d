/* Clocks, statistics of timed runs, random data (see timing.h: one source for the
 * library and clconv-bench). */
#define _POSIX_C_SOURCE 200809L
#include "runtime/timing.h"

#include <stdlib.h>
#include <time.h>

double rt_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

double rt_span_ms(cl_event first, cl_event last)
{
    cl_ulong start = 0, end = 0;
    if (!first || !last ||
        clGetEventProfilingInfo(first, CL_PROFILING_COMMAND_START, sizeof start, &start, NULL) !=
            CL_SUCCESS ||
        clGetEventProfilingInfo(last, CL_PROFILING_COMMAND_END, sizeof end, &end, NULL) !=
            CL_SUCCESS)
        return -1.0;
    return end > start ? (double)(end - start) * 1e-6 : 0.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void rt_sort_ms(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
}

double rt_percentile(const double *sorted, int n, double q)
{
    double pos = q * (n - 1);
    int lo = (int)pos;
    int hi = lo + 1 < n ? lo + 1 : lo;
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

double rt_median(double *v, int n)
{
    rt_sort_ms(v, n);
    return rt_percentile(v, n, 0.5);
}

float rt_uniform(uint32_t *state)
{
    uint32_t x = *state ? *state : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return (float)((double)x / 4294967296.0 * 2.0 - 1.0);
}
