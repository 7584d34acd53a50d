/* Clocks: the host's monotonic one and the device's profiling events. */
#define _POSIX_C_SOURCE 200809L
#include "runtime/rt.h"

#include <time.h>

double rt_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

double rt_event_span_ms(clconv_context *ctx, cl_event first, cl_event last)
{
    cl_ulong start = 0, end = 0;
    if (!ctx->device_timing || !first || !last ||
        clGetEventProfilingInfo(first, CL_PROFILING_COMMAND_START, sizeof start, &start, NULL) !=
            CL_SUCCESS ||
        clGetEventProfilingInfo(last, CL_PROFILING_COMMAND_END, sizeof end, &end, NULL) !=
            CL_SUCCESS)
        return -1.0;
    return end > start ? (double)(end - start) * 1e-6 : 0.0;
}
