/* LD_PRELOAD'ed before oclgrind's runtime by run.py: a clEnqueueFillBuffer
 * of a whole buffer becomes a blocking clEnqueueWriteBuffer of the same
 * bytes, which oclgrind 21.10's uninitialised-value checker records right.
 *
 * Its hostMemoryStore reallocates a buffer's whole shadow to the size of
 * each host store and marks only a store at offset 0 clean; a fill is one
 * store per pattern, so after it the shadow is the last pattern's size of
 * garbage, every later kernel store past it is dropped and every load past
 * it reads as uninitialised (fill_demo.c shows it). A whole-buffer write is
 * one store at offset 0. Other fills pass through unchanged. */
#define CL_TARGET_OPENCL_VERSION 120
#define _GNU_SOURCE
#include <CL/cl.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

typedef cl_int (*fill_fn)(cl_command_queue, cl_mem, const void *, size_t, size_t, size_t, cl_uint,
                          const cl_event *, cl_event *);

CL_API_ENTRY cl_int CL_API_CALL clEnqueueFillBuffer(cl_command_queue queue, cl_mem buffer,
                                                    const void *pattern, size_t pattern_size,
                                                    size_t offset, size_t size, cl_uint waits,
                                                    const cl_event *wait_list, cl_event *event)
{
    fill_fn next = (fill_fn)dlsym(RTLD_NEXT, "clEnqueueFillBuffer");
    size_t whole = 0;
    cl_int err = clGetMemObjectInfo(buffer, CL_MEM_SIZE, sizeof whole, &whole, NULL);
    if (err != CL_SUCCESS || offset != 0 || size != whole || !pattern || !pattern_size ||
        size % pattern_size)
        return next ? next(queue, buffer, pattern, pattern_size, offset, size, waits, wait_list,
                           event)
                    : CL_INVALID_OPERATION;
    unsigned char *bytes = malloc(size);
    if (!bytes)
        return CL_OUT_OF_HOST_MEMORY;
    for (size_t i = 0; i < size; i += pattern_size)
        memcpy(bytes + i, pattern, pattern_size);
    err = clEnqueueWriteBuffer(queue, buffer, CL_TRUE, 0, size, bytes, waits, wait_list, event);
    free(bytes);
    return err;
}
