/* oclgrind 21.10 loses track of a buffer clEnqueueFillBuffer wrote (see
 * fill_shim.c): `b` is filled with zeros, then `set` writes every element
 * of it from clean values and `copy` reads them back. Every value is
 * initialised, yet oclgrind --uninitialized reports all but the first
 * element as uninitialised in `copy`, unless fill_shim.c is preloaded.
 * run.py runs it both ways. Exit 0 when every OpenCL call succeeded. */
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stdio.h>

static const char *source =
    "__kernel void set(__global float *b) { b[get_global_id(0)] = (float)get_global_id(0); }\n"
    "__kernel void copy(__global const float *b, __global float *out)\n"
    "{ out[get_global_id(0)] = b[get_global_id(0)]; }\n";

#define CHECK(call)                                                                                \
    do {                                                                                           \
        cl_int e_ = (call);                                                                        \
        if (e_ != CL_SUCCESS) {                                                                    \
            fprintf(stderr, "%s: %d\n", #call, e_);                                                \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

int main(void)
{
    enum { N = 16 };
    cl_platform_id platform;
    cl_device_id device;
    cl_int err;
    char name[256];
    CHECK(clGetPlatformIDs(1, &platform, NULL));
    CHECK(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 1, &device, NULL));
    CHECK(clGetDeviceInfo(device, CL_DEVICE_NAME, sizeof name, name, NULL));
    printf("device: %s\n", name);
    cl_context ctx = clCreateContext(NULL, 1, &device, NULL, NULL, &err);
    CHECK(err);
    cl_command_queue q = clCreateCommandQueue(ctx, device, 0, &err);
    CHECK(err);
    cl_program prog = clCreateProgramWithSource(ctx, 1, &source, NULL, &err);
    CHECK(err);
    CHECK(clBuildProgram(prog, 1, &device, "", NULL, NULL));
    cl_kernel set = clCreateKernel(prog, "set", &err);
    CHECK(err);
    cl_kernel copy = clCreateKernel(prog, "copy", &err);
    CHECK(err);
    cl_mem b = clCreateBuffer(ctx, CL_MEM_READ_WRITE, N * sizeof(float), NULL, &err);
    CHECK(err);
    cl_mem out = clCreateBuffer(ctx, CL_MEM_READ_WRITE, N * sizeof(float), NULL, &err);
    CHECK(err);
    const float zero = 0.0f;
    CHECK(clEnqueueFillBuffer(q, b, &zero, sizeof zero, 0, N * sizeof(float), 0, NULL, NULL));
    const size_t global = N;
    CHECK(clSetKernelArg(set, 0, sizeof b, &b));
    CHECK(clEnqueueNDRangeKernel(q, set, 1, NULL, &global, NULL, 0, NULL, NULL));
    CHECK(clSetKernelArg(copy, 0, sizeof b, &b));
    CHECK(clSetKernelArg(copy, 1, sizeof out, &out));
    CHECK(clEnqueueNDRangeKernel(q, copy, 1, NULL, &global, NULL, 0, NULL, NULL));
    float host[N];
    CHECK(clEnqueueReadBuffer(q, out, CL_TRUE, 0, sizeof host, host, 0, NULL, NULL));
    for (int i = 0; i < N; i++)
        if (host[i] != (float)i) {
            fprintf(stderr, "out[%d] = %g, not %d\n", i, host[i], i);
            return 1;
        }
    CHECK(clReleaseMemObject(out));
    CHECK(clReleaseMemObject(b));
    CHECK(clReleaseKernel(copy));
    CHECK(clReleaseKernel(set));
    CHECK(clReleaseProgram(prog));
    CHECK(clReleaseCommandQueue(q));
    CHECK(clReleaseContext(ctx));
    return 0;
}
