/* Peers measured beside clconv's algorithms in the same run.
 *
 * CLBlast's own fused im2col + GEMM convolution (CLBlastSconvgemm),
 * on the same device, data and verification as clconv's algorithms. It has
 * no bias: verification adds the bias on the host, outside the timing. */
#include "run.h"
#include "runtime/timing.h"

#include <clblast_c.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct convgemm_peer {
    clconv_context *ctx;
    const clconv_problem *p;
    CLBlastStatusCode last;
} convgemm_peer;

static int enqueue(convgemm_peer *peer, bench_data *d, cl_event *event)
{
    const clconv_problem *p = peer->p;
    cl_command_queue q = clconv_context_queue(peer->ctx);
    peer->last = CLBlastSconvgemm(CLBlastKernelModeCrossCorrelation, (size_t)p->in_channels,
                                  (size_t)p->height, (size_t)p->width, (size_t)p->kernel_h,
                                  (size_t)p->kernel_w, (size_t)p->pad_h, (size_t)p->pad_w,
                                  (size_t)p->stride_h, (size_t)p->stride_w,
                                  (size_t)p->dilation_h, (size_t)p->dilation_w,
                                  (size_t)p->out_channels, (size_t)p->batch, d->d_input, 0,
                                  d->d_weights, 0, d->d_output, 0, &q, event);
    return peer->last != CLBlastSuccess;
}

/* CLBlast returns the event of its last kernel; a marker before it opens the
 * span, so the time covers every kernel it enqueued. */
static int convgemm_exec(void *self, bench_data *d, clconv_timing *t, char *err, size_t es)
{
    convgemm_peer *peer = self;
    cl_command_queue q = clconv_context_queue(peer->ctx);
    cl_event marker = NULL, done = NULL;
    int rc = 0;
    cl_int code = CL_SUCCESS;
    if (t && (code = clEnqueueMarkerWithWaitList(q, 0, NULL, &marker)) != CL_SUCCESS) {
        snprintf(err, es, "clEnqueueMarkerWithWaitList failed: %s", clconv_cl_error_name(code));
        return 1;
    }
    if (enqueue(peer, d, t ? &done : NULL)) {
        snprintf(err, es, "CLBlastSconvgemm failed: %s", clconv_clblast_status_name(peer->last));
        rc = 1;
    } else if (t) {
        if (done && (code = clWaitForEvents(1, &done)) != CL_SUCCESS) {
            snprintf(err, es, "clWaitForEvents failed: %s", clconv_cl_error_name(code));
            rc = 1;
        }
        memset(t, 0, sizeof *t);
        t->stage_count = 1;
        t->stages[0].name = "convgemm";
        t->device_ms = clconv_context_device_timing(peer->ctx) && done ? rt_span_ms(marker, done)
                                                                       : -1.0;
        t->stages[0].ms = t->device_ms;
    }
    if (marker)
        clReleaseEvent(marker);
    if (done)
        clReleaseEvent(done);
    return rc;
}

int bench_run_clblast_convgemm(clconv_context *ctx, const bench_options *opt,
                               const bench_problem *bp, bench_data *d, bench_result *res,
                               char *err, size_t es)
{
    bench_result_init(res, bp, "clblast-convgemm");
    convgemm_peer peer = {ctx, &bp->p, CLBlastSuccess};
    /* The first call compiles CLBlast's kernels: that is this row's build time. */
    double t0 = rt_now_ms();
    cl_int code = CL_SUCCESS;
    if (enqueue(&peer, d, NULL) == 0)
        code = clFinish(clconv_context_queue(ctx));
    res->build_ms = rt_now_ms() - t0;
    res->compiled = 1;
    if (peer.last != CLBlastSuccess) {
        /* e.g. CLBlastNotImplemented, CLBlastInvalidLocalMemUsage: the row says so */
        res->skipped = 1;
        snprintf(res->note, sizeof res->note, "CLBlastSconvgemm cannot run this problem: %s",
                 clconv_clblast_status_name(peer.last));
        return 0;
    }
    if (code != CL_SUCCESS) {
        snprintf(err, es, "clFinish after CLBlastSconvgemm failed: %s", clconv_cl_error_name(code));
        return 1;
    }
    /* CLBlast's own convolution: counted as the convolution's compulsory cost */
    double flops, bytes;
    clconv_problem_cost(&bp->p, 0, &flops, &bytes);
    res->conv_flops = flops;
    res->cost = (clconv_cost){.flops = flops, .bytes = bytes, .stage_count = 1,
                              .stages = {{"convgemm", flops, bytes}}};
    bench_runner r = {ctx, convgemm_exec, &peer, 1};
    return bench_measure(&r, opt, bp, d, res, err, es);
}

/* ---- the seed's pointwise op ---- */

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

int bench_run_pointwise(clconv_context *ctx, const bench_options *opt, const bench_problem *bp,
                        bench_data *d, bench_result *res, char *err, size_t es)
{
    bench_result_init(res, bp, "pointwise");
    const clconv_problem *p = &bp->p;
    if (p->batch != 1) {
        res->skipped = 1;
        snprintf(res->note, sizeof res->note, "the seed's pointwise op broadcasts one image "
                 "(batch 1)");
        return 0;
    }
    size_t s = (size_t)p->in_channels * p->height * p->width, n = (size_t)p->out_channels * s;
    clconv_pointwise_cost(&bp->p, &res->cost);
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
