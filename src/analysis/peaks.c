/* Device peaks measured by clconv itself, with kernels written the way the
 * device runs fastest (explicit vectors at its preferred width), so that
 * efficiencies computed against them are not off by the 10x that naive
 * kernels lose on CPUs such as PoCL. */
#include "conv/algo.h"

#include <stdio.h>

/* Bytes per buffer: far beyond any cache, within the device's allocation
 * limit, and small enough for a quick run. */
static size_t stream_bytes(const clconv_device_info *d)
{
    size_t bytes = (size_t)256 << 20;
    if (bytes > d->max_alloc_bytes / 2)
        bytes = (size_t)(d->max_alloc_bytes / 2);
    if (bytes > d->global_mem_bytes / 4)
        bytes = (size_t)(d->global_mem_bytes / 4);
    return bytes - bytes % (64 * sizeof(float));
}

clconv_status clconv_measure_bandwidth(clconv_context *ctx, double *gbs)
{
    *gbs = 0.0;
    if (!ctx)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "context is NULL");
    rt_clear_error(ctx);
    if (!ctx->device_timing)
        return rt_fail(ctx, CLCONV_ERR_UNSUPPORTED,
                       "measure_bandwidth: %s has no usable profiling timestamps",
                       ctx->info.name);
    int vec = conv_vector_width(&ctx->info, 16);
    char options[32];
    snprintf(options, sizeof options, "-DVEC=%d", vec);
    size_t bytes = stream_bytes(&ctx->info);
    cl_program prog;
    cl_kernel k = NULL;
    cl_mem src = NULL, dst = NULL;
    cl_int err;
    clconv_status st = rt_program_get(ctx, "peaks.cl", options, &prog, NULL);
    if (!st)
        st = rt_kernel_create(ctx, prog, "copy_stream", &k);
    if (st)
        return st;
    src = clCreateBuffer(ctx->cl_ctx, CL_MEM_READ_WRITE, bytes, NULL, &err);
    if (err == CL_SUCCESS)
        dst = clCreateBuffer(ctx->cl_ctx, CL_MEM_READ_WRITE, bytes, NULL, &err);
    if (err != CL_SUCCESS) {
        st = rt_cl_fail(ctx, err, "clCreateBuffer", "2 x %zu bytes for the bandwidth test", bytes);
        goto done;
    }
    const float one = 1.0f;
    err = clEnqueueFillBuffer(ctx->queue, src, &one, sizeof one, 0, bytes, 0, NULL, NULL);
    if (err == CL_SUCCESS)
        err = clEnqueueFillBuffer(ctx->queue, dst, &one, sizeof one, 0, bytes, 0, NULL, NULL);
    if (err == CL_SUCCESS && (err = clSetKernelArg(k, 0, sizeof src, &src)) == CL_SUCCESS)
        err = clSetKernelArg(k, 1, sizeof dst, &dst);
    if (err != CL_SUCCESS) {
        st = rt_cl_fail(ctx, err, "clEnqueueFillBuffer/clSetKernelArg", "bandwidth test");
        goto done;
    }
    /* Best of several runs: the peak the device can reach, not its average. */
    size_t global = bytes / (sizeof(float) * (size_t)vec);
    double best_ms = 0.0;
    for (int run = 0; run < 6; run++) {
        cl_event ev = NULL;
        err = clEnqueueNDRangeKernel(ctx->queue, k, 1, NULL, &global, NULL, 0, NULL, &ev);
        if (err == CL_SUCCESS)
            err = clWaitForEvents(1, &ev);
        cl_ulong t0 = 0, t1 = 0;
        if (err == CL_SUCCESS)
            err = clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_START, sizeof t0, &t0, NULL);
        if (err == CL_SUCCESS)
            err = clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END, sizeof t1, &t1, NULL);
        if (ev)
            clReleaseEvent(ev);
        if (err != CL_SUCCESS) {
            st = rt_cl_fail(ctx, err, "clEnqueueNDRangeKernel", "copy_stream, %zu work-items",
                            global);
            goto done;
        }
        double ms = (double)(t1 - t0) * 1e-6;
        if (ms > 0 && (best_ms == 0.0 || ms < best_ms))
            best_ms = ms;
    }
    /* bytes read plus bytes written, as the roofline counts them */
    *gbs = best_ms > 0 ? 2.0 * (double)bytes / (best_ms * 1e6) : 0.0;
done:
    if (src)
        clReleaseMemObject(src);
    if (dst)
        clReleaseMemObject(dst);
    clReleaseKernel(k);
    return st;
}
