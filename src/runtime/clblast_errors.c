/* CLBlast status names, so messages say CLBlastInvalidLeadDimA, not -1016. */
#include "runtime/rt.h"

#include <clblast_c.h>
#include <stdio.h>

const char *rt_clblast_status_name(int code)
{
    switch (code) {
    case CLBlastSuccess: return "CLBlastSuccess";
    case CLBlastTempBufferAllocFailure: return "CLBlastTempBufferAllocFailure";
    case CLBlastOpenCLOutOfResources: return "CLBlastOpenCLOutOfResources";
    case CLBlastOpenCLOutOfHostMemory: return "CLBlastOpenCLOutOfHostMemory";
    case CLBlastOpenCLBuildProgramFailure: return "CLBlastOpenCLBuildProgramFailure";
    case CLBlastInvalidValue: return "CLBlastInvalidValue";
    case CLBlastInvalidCommandQueue: return "CLBlastInvalidCommandQueue";
    case CLBlastInvalidMemObject: return "CLBlastInvalidMemObject";
    case CLBlastInvalidBinary: return "CLBlastInvalidBinary";
    case CLBlastInvalidBuildOptions: return "CLBlastInvalidBuildOptions";
    case CLBlastInvalidProgram: return "CLBlastInvalidProgram";
    case CLBlastInvalidProgramExecutable: return "CLBlastInvalidProgramExecutable";
    case CLBlastInvalidKernelName: return "CLBlastInvalidKernelName";
    case CLBlastInvalidKernelDefinition: return "CLBlastInvalidKernelDefinition";
    case CLBlastInvalidKernel: return "CLBlastInvalidKernel";
    case CLBlastInvalidArgIndex: return "CLBlastInvalidArgIndex";
    case CLBlastInvalidArgValue: return "CLBlastInvalidArgValue";
    case CLBlastInvalidArgSize: return "CLBlastInvalidArgSize";
    case CLBlastInvalidKernelArgs: return "CLBlastInvalidKernelArgs";
    case CLBlastInvalidLocalNumDimensions: return "CLBlastInvalidLocalNumDimensions";
    case CLBlastInvalidLocalThreadsTotal: return "CLBlastInvalidLocalThreadsTotal";
    case CLBlastInvalidLocalThreadsDim: return "CLBlastInvalidLocalThreadsDim";
    case CLBlastInvalidGlobalOffset: return "CLBlastInvalidGlobalOffset";
    case CLBlastInvalidEventWaitList: return "CLBlastInvalidEventWaitList";
    case CLBlastInvalidEvent: return "CLBlastInvalidEvent";
    case CLBlastInvalidOperation: return "CLBlastInvalidOperation";
    case CLBlastInvalidBufferSize: return "CLBlastInvalidBufferSize";
    case CLBlastInvalidGlobalWorkSize: return "CLBlastInvalidGlobalWorkSize";
    case CLBlastNotImplemented: return "CLBlastNotImplemented";
    case CLBlastInvalidMatrixA: return "CLBlastInvalidMatrixA";
    case CLBlastInvalidMatrixB: return "CLBlastInvalidMatrixB";
    case CLBlastInvalidMatrixC: return "CLBlastInvalidMatrixC";
    case CLBlastInvalidVectorX: return "CLBlastInvalidVectorX";
    case CLBlastInvalidVectorY: return "CLBlastInvalidVectorY";
    case CLBlastInvalidDimension: return "CLBlastInvalidDimension";
    case CLBlastInvalidLeadDimA: return "CLBlastInvalidLeadDimA";
    case CLBlastInvalidLeadDimB: return "CLBlastInvalidLeadDimB";
    case CLBlastInvalidLeadDimC: return "CLBlastInvalidLeadDimC";
    case CLBlastInvalidIncrementX: return "CLBlastInvalidIncrementX";
    case CLBlastInvalidIncrementY: return "CLBlastInvalidIncrementY";
    case CLBlastInsufficientMemoryA: return "CLBlastInsufficientMemoryA";
    case CLBlastInsufficientMemoryB: return "CLBlastInsufficientMemoryB";
    case CLBlastInsufficientMemoryC: return "CLBlastInsufficientMemoryC";
    case CLBlastInsufficientMemoryX: return "CLBlastInsufficientMemoryX";
    case CLBlastInsufficientMemoryY: return "CLBlastInsufficientMemoryY";
    case CLBlastInsufficientMemoryTemp: return "CLBlastInsufficientMemoryTemp";
    case CLBlastInvalidBatchCount: return "CLBlastInvalidBatchCount";
    case CLBlastInvalidOverrideKernel: return "CLBlastInvalidOverrideKernel";
    case CLBlastMissingOverrideParameter: return "CLBlastMissingOverrideParameter";
    case CLBlastInvalidLocalMemUsage: return "CLBlastInvalidLocalMemUsage";
    case CLBlastNoHalfPrecision: return "CLBlastNoHalfPrecision";
    case CLBlastNoDoublePrecision: return "CLBlastNoDoublePrecision";
    case CLBlastInvalidVectorScalar: return "CLBlastInvalidVectorScalar";
    case CLBlastInsufficientMemoryScalar: return "CLBlastInsufficientMemoryScalar";
    case CLBlastDatabaseError: return "CLBlastDatabaseError";
    case CLBlastUnknownError: return "CLBlastUnknownError";
    case CLBlastUnexpectedError: return "CLBlastUnexpectedError";
    default: break;
    }
    static _Thread_local char unknown[40];
    snprintf(unknown, sizeof unknown, "CLBlast status %d", code);
    return unknown;
}

const char *clconv_clblast_status_name(int code)
{
    return rt_clblast_status_name(code);
}

clconv_status rt_clblast_fail(clconv_context *ctx, int code, const char *call, const char *detail)
{
    clconv_status status = CLCONV_ERR_OPENCL;
    if (code == CLBlastTempBufferAllocFailure || code == CLBlastOpenCLOutOfResources ||
        code == CLBlastOpenCLOutOfHostMemory)
        status = CLCONV_ERR_OUT_OF_MEMORY;
    else if (code == CLBlastOpenCLBuildProgramFailure)
        status = CLCONV_ERR_BUILD;
    else if (code == CLBlastNotImplemented || code == CLBlastInvalidLocalMemUsage)
        status = CLCONV_ERR_UNSUPPORTED;
    else if (code <= -1007 && code >= -1024)
        status = CLCONV_ERR_INVALID_ARG; /* dimensions, leading dimensions, buffer sizes */
    return rt_fail(ctx, status, "%s(%s) failed: %s", call, detail, rt_clblast_status_name(code));
}
