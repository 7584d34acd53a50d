/* Runtime layer (internal): CLBlast's current parameters for one of its
 * kernels on a device, single precision (clblast_params.cpp: only CLBlast's
 * C++ API can read them). */
#ifndef CLCONV_RT_CLBLAST_PARAMS_H
#define CLCONV_RT_CLBLAST_PARAMS_H

#include <stddef.h>

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Reads values[i] of names[i] for kernel ("Xgemm"): CLBlast's database entry
 * for the device, or the override in force. Returns a CLBlastStatusCode
 * (0 on success; CLBlastMissingOverrideParameter for a name it lacks). */
int rt_clblast_params_read(cl_device_id device, const char *kernel, int count,
                           const char *const *names, size_t *values);

#ifdef __cplusplus
}
#endif

#endif
