/* The caller's buffers, checked before a plan uses them. */
#include "conv/plan.h"

/* A buffer must exist, belong to the plan's cl_context (PoCL and rusticl
 * run kernels on another context's buffer without an error: undefined
 * behaviour the caller would never hear of) and hold at least `elems`
 * floats. */
clconv_status conv_plan_check_buffer(clconv_plan *plan, cl_mem buf, const char *what,
                                     size_t elems)
{
    if (!buf)
        return rt_fail(plan->ctx, CLCONV_ERR_INVALID_ARG, "%s buffer is NULL", what);
    size_t size = 0;
    cl_context owner = NULL;
    cl_int err = clGetMemObjectInfo(buf, CL_MEM_CONTEXT, sizeof owner, &owner, NULL);
    if (err != CL_SUCCESS)
        return rt_cl_fail(plan->ctx, err, "clGetMemObjectInfo", "%s buffer CL_MEM_CONTEXT", what);
    if (owner != plan->ctx->cl_ctx)
        return rt_fail(plan->ctx, CLCONV_ERR_INVALID_ARG,
                       "the %s buffer belongs to another cl_context than the plan's", what);
    err = clGetMemObjectInfo(buf, CL_MEM_SIZE, sizeof size, &size, NULL);
    if (err != CL_SUCCESS)
        return rt_cl_fail(plan->ctx, err, "clGetMemObjectInfo", "%s buffer CL_MEM_SIZE", what);
    if (size / sizeof(float) < elems)
        return rt_fail(plan->ctx, CLCONV_ERR_INVALID_ARG,
                       "%s buffer has %zu bytes; the problem needs %zu (%zu floats)", what, size,
                       elems * sizeof(float), elems);
    return CLCONV_SUCCESS;
}

/* Byte range of a buffer within its parent allocation (itself unless a sub-buffer). */
static void mem_range(cl_mem m, cl_mem *base, size_t *begin, size_t *end)
{
    cl_mem parent = NULL;
    size_t offset = 0, size = 0;
    if (clGetMemObjectInfo(m, CL_MEM_ASSOCIATED_MEMOBJECT, sizeof parent, &parent, NULL) !=
            CL_SUCCESS ||
        clGetMemObjectInfo(m, CL_MEM_OFFSET, sizeof offset, &offset, NULL) != CL_SUCCESS ||
        clGetMemObjectInfo(m, CL_MEM_SIZE, sizeof size, &size, NULL) != CL_SUCCESS)
        parent = NULL, offset = 0, size = 1; /* compare identity only */
    *base = parent ? parent : m;
    *begin = offset;
    *end = offset + size;
}

/* The kernels read every operand while writing the output (restrict): an
 * output sharing bytes with any operand would give silently wrong results. */
static clconv_status check_no_overlap(clconv_plan *plan, cl_mem output, cl_mem other,
                                      const char *what)
{
    if (!other)
        return CLCONV_SUCCESS;
    cl_mem b1, b2;
    size_t s1, e1, s2, e2;
    mem_range(output, &b1, &s1, &e1);
    mem_range(other, &b2, &s2, &e2);
    if (b1 == b2 && s1 < e2 && s2 < e1)
        return rt_fail(plan->ctx, CLCONV_ERR_INVALID_ARG,
                       "the output buffer overlaps the %s buffer (bytes %zu..%zu and %zu..%zu of "
                       "one allocation)", what, s1, e1, s2, e2);
    return CLCONV_SUCCESS;
}

clconv_status conv_plan_check_io(clconv_plan *plan, cl_mem input, cl_mem residual,
                                 cl_mem output)
{
    const clconv_problem *p = &plan->cfg.problem;
    if (plan->cfg.epilogue.residual && !residual)
        return rt_fail(plan->ctx, CLCONV_ERR_INVALID_ARG,
                       "residual is NULL: the plan's epilogue adds one (epilogue.residual = 1); "
                       "pass it to clconv_plan_execute_residual or clconv_plan_enqueue_residual");
    if (!plan->cfg.epilogue.residual && residual)
        return rt_fail(plan->ctx, CLCONV_ERR_INVALID_ARG,
                       "residual given to a plan whose epilogue has none (epilogue.residual = "
                       "0 when it was created)");
    clconv_status st = conv_plan_check_buffer(plan, input, "input", clconv_problem_input_elems(p));
    if (!st && residual)
        st = conv_plan_check_buffer(plan, residual, "residual", clconv_problem_output_elems(p));
    if (!st)
        st = check_no_overlap(plan, output, residual, "residual");
    if (!st)
        st = conv_plan_check_buffer(plan, output, "output", clconv_problem_output_elems(p));
    if (!st)
        st = check_no_overlap(plan, output, input, "input");
    if (!st)
        st = check_no_overlap(plan, output, plan->weights, "weights");
    if (!st)
        st = check_no_overlap(plan, output, plan->bias, "bias");
    return st;
}
