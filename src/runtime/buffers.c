/* Every device buffer clconv allocates, so that an allocation failure names
 * what was asked and what the device allows, and so that tests can make the
 * n-th allocation fail (CLCONV_FAULT_ALLOC=n) to prove every error path
 * releases what it holds. */
#include "runtime/rt.h"

#include <stdatomic.h>
#include <stdlib.h>

/* Device buffers clconv created that OpenCL has not yet destroyed, counted by
 * a destructor callback (so it sees the real end of a buffer, whoever drops
 * the last reference): the leak check of the tests. */
static atomic_long live_buffers;

static void CL_CALLBACK buffer_destroyed(cl_mem m, void *unused)
{
    (void)m, (void)unused;
    atomic_fetch_sub(&live_buffers, 1);
}

long rt_live_buffers(void)
{
    return atomic_load(&live_buffers);
}

clconv_status rt_buffer_create(clconv_context *ctx, size_t bytes, const char *what,
                               cl_mem *out)
{
    *out = NULL;
    const char *fault = getenv("CLCONV_FAULT_ALLOC");
    int n = ++ctx->alloc_count;
    cl_int err = CL_SUCCESS;
    if (fault && atoi(fault) == n)
        err = CL_MEM_OBJECT_ALLOCATION_FAILURE;
    else if (bytes > ctx->info.max_alloc_bytes)
        err = CL_INVALID_BUFFER_SIZE; /* some drivers would accept it and fail later */
    else
        *out = clCreateBuffer(ctx->cl_ctx, CL_MEM_READ_WRITE, bytes ? bytes : 1, NULL, &err);
    if (err == CL_SUCCESS) {
        atomic_fetch_add(&live_buffers, 1);
        cl_int cb = clSetMemObjectDestructorCallback(*out, buffer_destroyed, NULL);
        if (cb != CL_SUCCESS) {
            clReleaseMemObject(*out); /* the callback is not set: nothing to count down */
            atomic_fetch_sub(&live_buffers, 1);
            *out = NULL;
            return rt_cl_fail(ctx, cb, "clSetMemObjectDestructorCallback", "%s", what);
        }
        return CLCONV_SUCCESS;
    }
    *out = NULL;
    return rt_fail(ctx, CLCONV_ERR_OUT_OF_MEMORY,
                   "clCreateBuffer(%s, %zu bytes) failed: %s%s; the device allows %llu bytes per "
                   "allocation and has %llu in all",
                   what, bytes, rt_cl_error_name(err),
                   fault && atoi(fault) == n ? " (injected: CLCONV_FAULT_ALLOC)" : "",
                   (unsigned long long)ctx->info.max_alloc_bytes,
                   (unsigned long long)ctx->info.global_mem_bytes);
}

clconv_status rt_buffer_fill(clconv_context *ctx, cl_mem buf, size_t bytes, float value,
                             const char *what)
{
    cl_int err = clEnqueueFillBuffer(ctx->queue, buf, &value, sizeof value, 0, bytes, 0, NULL,
                                     NULL);
    return err ? rt_cl_fail(ctx, err, "clEnqueueFillBuffer", "%s, %zu bytes", what, bytes)
               : CLCONV_SUCCESS;
}
