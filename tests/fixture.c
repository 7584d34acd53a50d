#include "fixture.h"
#include "runtime/timing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

clconv_context *fixture_context(void)
{
    clconv_context *ctx = NULL;
    clconv_status st = clconv_context_create(NULL, NULL, &ctx);
    if (st != CLCONV_SUCCESS)
        fail_msg("cannot open the test device (CLCONV_DEVICE=%s): %s: %s",
                 getenv("CLCONV_DEVICE") ? getenv("CLCONV_DEVICE") : "(unset)",
                 clconv_status_string(st), clconv_last_error(NULL));
    return ctx;
}

float fixture_uniform(uint32_t *s)
{
    return rt_uniform(s);
}

void fixture_fill(float *v, size_t n, uint32_t *s)
{
    for (size_t i = 0; i < n; i++)
        v[i] = fixture_uniform(s);
}

cl_mem fixture_upload(clconv_context *ctx, const float *host, size_t n)
{
    cl_int err;
    cl_mem m = clCreateBuffer(clconv_context_cl_context(ctx), CL_MEM_READ_WRITE |
                              CL_MEM_COPY_HOST_PTR, n * sizeof(float), (void *)host, &err);
    if (err != CL_SUCCESS)
        fail_msg("clCreateBuffer(%zu floats): %s", n, clconv_cl_error_name(err));
    return m;
}

cl_mem fixture_output(clconv_context *ctx, size_t n)
{
    cl_int err;
    cl_mem m = clCreateBuffer(clconv_context_cl_context(ctx), CL_MEM_READ_WRITE,
                              n * sizeof(float), NULL, &err);
    if (err != CL_SUCCESS)
        fail_msg("clCreateBuffer(%zu floats): %s", n, clconv_cl_error_name(err));
    const float poison = NAN;
    err = clEnqueueFillBuffer(clconv_context_queue(ctx), m, &poison, sizeof poison, 0,
                              n * sizeof(float), 0, NULL, NULL);
    if (err == CL_SUCCESS)
        err = clFinish(clconv_context_queue(ctx));
    if (err != CL_SUCCESS)
        fail_msg("poisoning the output: %s", clconv_cl_error_name(err));
    return m;
}

void fixture_download(clconv_context *ctx, cl_mem buf, float *host, size_t n)
{
    cl_int err = clEnqueueReadBuffer(clconv_context_queue(ctx), buf, CL_TRUE, 0,
                                     n * sizeof(float), host, 0, NULL, NULL);
    if (err != CL_SUCCESS)
        fail_msg("clEnqueueReadBuffer: %s", clconv_cl_error_name(err));
}

void fixture_describe(const clconv_problem *p, char *buf, size_t size)
{
    snprintf(buf, size, "N=%d C=%d H=%d W=%d K=%d k=%dx%d s=%dx%d p=%dx%d d=%dx%d", p->batch,
             p->in_channels, p->height, p->width, p->out_channels, p->kernel_h, p->kernel_w,
             p->stride_h, p->stride_w, p->pad_h, p->pad_w, p->dilation_h, p->dilation_w);
}

double fixture_run_problem(clconv_context *ctx, const clconv_problem *p, clconv_algo algo,
                           int with_bias, uint32_t seed)
{
    return fixture_run_problem_with_options(ctx, p, algo, NULL, with_bias, seed);
}

double fixture_run_problem_with_options(clconv_context *ctx, const clconv_problem *p,
                                        clconv_algo algo, const clconv_plan_options *opt,
                                        int with_bias, uint32_t seed)
{
    char desc[160];
    fixture_describe(p, desc, sizeof desc);
    size_t ni = clconv_problem_input_elems(p), nw = clconv_problem_weight_elems(p);
    size_t no = clconv_problem_output_elems(p), nb = (size_t)p->out_channels;
    float *in = malloc(ni * sizeof *in), *w = malloc(nw * sizeof *w);
    float *b = malloc(nb * sizeof *b), *ref = malloc(no * sizeof *ref);
    float *out = malloc(no * sizeof *out);
    assert_non_null(in);
    assert_non_null(w);
    assert_non_null(b);
    assert_non_null(ref);
    assert_non_null(out);
    uint32_t s = seed;
    fixture_fill(in, ni, &s);
    fixture_fill(w, nw, &s);
    fixture_fill(b, nb, &s);
    clconv_status st = clconv_reference_conv2d(p, in, w, with_bias ? b : NULL, ref);
    if (st)
        fail_msg("reference on %s: %s", desc, clconv_last_error(NULL));

    cl_mem d_in = fixture_upload(ctx, in, ni), d_w = fixture_upload(ctx, w, nw);
    cl_mem d_b = fixture_upload(ctx, b, nb), d_out = fixture_output(ctx, no);
    clconv_plan *plan = NULL;
    clconv_timing t;
    if ((st = clconv_plan_create_with_options(ctx, p, algo, opt, &plan)) ||
        (st = clconv_plan_set_weights(plan, d_w, with_bias ? d_b : NULL)) ||
        (st = clconv_plan_execute(plan, d_in, d_out, &t)))
        fail_msg("%s on %s (seed %u): %s: %s", clconv_algo_name(algo), desc, seed,
                 clconv_status_string(st), clconv_last_error(ctx));
    fixture_download(ctx, d_out, out, no);
    double err = clconv_rel_l2_error(out, ref, no);
    clconv_plan_destroy(plan);
    clReleaseMemObject(d_in);
    clReleaseMemObject(d_w);
    clReleaseMemObject(d_b);
    clReleaseMemObject(d_out);
    free(in), free(w), free(b), free(ref), free(out);
    return err;
}

void fixture_filter(void)
{
    const char *pattern = getenv("CLCONV_TEST_FILTER");
    if (pattern && *pattern)
        cmocka_set_test_filter(pattern);
}

clconv_problem fixture_problem_for(clconv_context *ctx, clconv_algo algo, const clconv_problem *p)
{
    static const int kernels[] = {0, 0, 3, 5, 1}; /* 0: p's own */
    for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++) {
        clconv_problem q = *p;
        if (i > 0)
            q.stride_h = q.stride_w = q.dilation_h = q.dilation_w = 1;
        if (kernels[i])
            q.kernel_h = q.kernel_w = kernels[i];
        if (clconv_problem_validate(&q) == CLCONV_SUCCESS &&
            clconv_algo_check(ctx, &q, algo) == CLCONV_SUCCESS)
            return q;
    }
    char desc[160];
    fixture_describe(p, desc, sizeof desc);
    fail_msg("%s takes neither %s nor any plainer form of it", clconv_algo_name(algo), desc);
    return *p;
}
