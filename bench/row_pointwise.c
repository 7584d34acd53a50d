/* The pointwise row: the seed benchmark's broadcast multiply
 * (clconv_pointwise) on the problem's shape, verified elementwise against
 * the host. Not a convolution: the answer explains its time, never ranks it. */
#include "rows.h"
#include "run.h"
#include "runtime/timing.h"

#include <stdio.h>
#include <stdlib.h>

static clconv_status row_cost(const bench_row_kind *kind, const clconv_problem *p,
                              clconv_cost *cost, char *why, size_t why_size);

typedef struct pointwise_op {
    clconv_context *ctx;
    const clconv_problem *p;
    cl_mem x, k, out;
} pointwise_op;

static int pointwise_exec(void *self, bench_data *d, clconv_timing *t, char *err, size_t es)
{
    pointwise_op *op = self;
    (void)d, (void)err, (void)es;
    return clconv_pointwise(op->ctx, op->p, op->x, op->k, op->out, t) != CLCONV_SUCCESS;
}

static int row_run(const bench_row_kind *kind, clconv_context *ctx,
                   const bench_options *opt, const bench_problem *bp, bench_data *d,
                   bench_result *res, char *err, size_t es)
{
    bench_result_init(res, bp, kind);
    const clconv_problem *p = &bp->p;
    if (row_cost(kind, p, &res->cost, res->note, sizeof res->note)) {
        res->skipped = 1;
        return 0;
    }
    size_t s = (size_t)p->in_channels * p->height * p->width, n = (size_t)p->out_channels * s;
    res->conv_flops = res->cost.flops;
    float *k = malloc(n * sizeof *k), *out = malloc(n * sizeof *out);
    cl_context c = clconv_context_cl_context(ctx);
    cl_int code = CL_SUCCESS;
    pointwise_op op = {ctx, p, d->d_input, NULL, NULL};
    int rc = 0;
    if (!k || !out) {
        snprintf(err, es, "out of host memory for the pointwise operand (%zu floats)", n);
        rc = 1;
    } else {
        uint32_t state = 0x2545f491u;
        for (size_t i = 0; i < n; i++)
            k[i] = rt_uniform(&state);
        op.k = clCreateBuffer(c, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, n * sizeof *k, k,
                              &code);
        if (code == CL_SUCCESS)
            op.out = clCreateBuffer(c, CL_MEM_READ_WRITE, n * sizeof *k, NULL, &code);
        if (code != CL_SUCCESS) {
            snprintf(err, es, "clCreateBuffer for the pointwise op (2 x %zu bytes) failed: %s",
                     n * sizeof *k, clconv_cl_error_name(code));
            rc = 1;
        }
    }
    if (!rc && opt->verify) {
        /* elementwise against the host: one IEEE multiply each, so equal */
        if (clconv_pointwise(ctx, p, op.x, op.k, op.out, NULL) != CLCONV_SUCCESS) {
            snprintf(err, es, "pointwise: %s", clconv_last_error(ctx));
            rc = 1;
        } else if ((code = clEnqueueReadBuffer(clconv_context_queue(ctx), op.out, CL_TRUE, 0,
                                               n * sizeof *out, out, 0, NULL, NULL)) !=
                   CL_SUCCESS) {
            snprintf(err, es, "clEnqueueReadBuffer failed: %s", clconv_cl_error_name(code));
            rc = 1;
        } else {
            for (size_t i = 0; i < n; i++)
                k[i] *= d->input[i % s];
            res->rel_err = clconv_rel_l2_error(out, k, n);
            res->verified = 1;
            if (!(res->rel_err <= opt->tolerance)) {
                res->failed = 1;
                snprintf(res->note, sizeof res->note, "verification failed: relative L2 error "
                         "%.3g exceeds tolerance %.3g", res->rel_err, opt->tolerance);
            }
        }
    }
    if (!rc && !res->failed) {
        bench_options timed = *opt;
        timed.verify = 0; /* verified above, elementwise */
        bench_runner r = {ctx, pointwise_exec, &op, 0};
        rc = bench_measure(&r, &timed, bp, d, res, err, es);
    }
    if (op.k)
        clReleaseMemObject(op.k);
    if (op.out)
        clReleaseMemObject(op.out);
    free(k);
    free(out);
    return rc;
}

static clconv_status row_cost(const bench_row_kind *kind, const clconv_problem *p,
                              clconv_cost *cost, char *why, size_t why_size)
{
    (void)kind;
    *cost = (clconv_cost){0};
    if (p->batch != 1) {
        snprintf(why, why_size, "the seed's pointwise op broadcasts one image (batch 1)");
        return CLCONV_ERR_UNSUPPORTED;
    }
    clconv_pointwise_cost(p, cost);
    return CLCONV_SUCCESS;
}

const bench_row_kind bench_row_pointwise = {
    "pointwise", "seed-op", "the seed's broadcast multiply, not a convolution", 0, -1,
    row_run, row_cost};
