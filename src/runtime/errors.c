/* Status names and the last-error message of a context or thread. */
#define _POSIX_C_SOURCE 200809L
#include "runtime/rt.h"

#include <stdio.h>

/* Calls without a context (listing, context creation, validation) report
 * here; one slot per thread so two threads never see each other's errors. */
static _Thread_local char thread_error[8192];

const char *clconv_status_string(clconv_status status)
{
    switch (status) {
    case CLCONV_SUCCESS: return "CLCONV_SUCCESS";
    case CLCONV_ERR_INVALID_ARG: return "CLCONV_ERR_INVALID_ARG";
    case CLCONV_ERR_NOT_FOUND: return "CLCONV_ERR_NOT_FOUND";
    case CLCONV_ERR_OPENCL: return "CLCONV_ERR_OPENCL";
    case CLCONV_ERR_BUILD: return "CLCONV_ERR_BUILD";
    case CLCONV_ERR_OUT_OF_MEMORY: return "CLCONV_ERR_OUT_OF_MEMORY";
    case CLCONV_ERR_UNSUPPORTED: return "CLCONV_ERR_UNSUPPORTED";
    case CLCONV_ERR_IO: return "CLCONV_ERR_IO";
    case CLCONV_ERR_BUSY: return "CLCONV_ERR_BUSY";
    case CLCONV_ERR_STATE: return "CLCONV_ERR_STATE";
    }
    return "CLCONV_ERR_UNKNOWN_STATUS";
}

const char *clconv_cl_error_name(cl_int code)
{
    return rt_cl_error_name(code);
}

const char *clconv_last_error(const clconv_context *ctx)
{
    return ctx ? ctx->last_error : thread_error;
}

static void record(clconv_context *ctx, const char *fmt, va_list ap)
{
    char *buf = ctx ? ctx->last_error : thread_error;
    size_t size = ctx ? sizeof ctx->last_error : sizeof thread_error;
    vsnprintf(buf, size, fmt, ap);
}

clconv_status rt_fail(clconv_context *ctx, clconv_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(ctx, fmt, ap);
    va_end(ap);
    return status;
}

clconv_status rt_cl_fail(clconv_context *ctx, cl_int err, const char *call,
                         const char *detail_fmt, ...)
{
    char detail[1024];
    va_list ap;
    va_start(ap, detail_fmt);
    vsnprintf(detail, sizeof detail, detail_fmt, ap);
    va_end(ap);
    clconv_status status = CLCONV_ERR_OPENCL;
    if (err == CL_MEM_OBJECT_ALLOCATION_FAILURE || err == CL_OUT_OF_RESOURCES ||
        err == CL_OUT_OF_HOST_MEMORY)
        status = CLCONV_ERR_OUT_OF_MEMORY;
    return rt_fail(ctx, status, "%s(%s) failed: %s", call, detail, rt_cl_error_name(err));
}

void rt_clear_error(clconv_context *ctx)
{
    if (ctx)
        ctx->last_error[0] = '\0';
    else
        thread_error[0] = '\0';
}
