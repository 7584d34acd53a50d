/* Peers measured beside clconv's algorithms in the same run.
 *
 * CLBlast's own fused im2col + GEMM convolution (CLBlastSconvgemm),
 * on the same device, data and verification as clconv's algorithms. It has
 * no bias: verification adds the bias on the host, outside the timing. */
#include "run.h"

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
    int quiet = clconv_quiet_begin(peer->ctx, "CLBlastSconvgemm"); /* first call compiles */
    peer->last = CLBlastSconvgemm(CLBlastKernelModeCrossCorrelation, (size_t)p->in_channels,
                                  (size_t)p->height, (size_t)p->width, (size_t)p->kernel_h,
                                  (size_t)p->kernel_w, (size_t)p->pad_h, (size_t)p->pad_w,
                                  (size_t)p->stride_h, (size_t)p->stride_w,
                                  (size_t)p->dilation_h, (size_t)p->dilation_w,
                                  (size_t)p->out_channels, (size_t)p->batch, d->d_input, 0,
                                  d->d_weights, 0, d->d_output, 0, &q, event);
    clconv_quiet_end(peer->ctx, "CLBlastSconvgemm", quiet, peer->last != CLBlastSuccess);
    return peer->last != CLBlastSuccess;
}

static double span_ms(cl_event first, cl_event last)
{
    cl_ulong start = 0, end = 0;
    if (clGetEventProfilingInfo(first, CL_PROFILING_COMMAND_START, sizeof start, &start, NULL) ||
        clGetEventProfilingInfo(last, CL_PROFILING_COMMAND_END, sizeof end, &end, NULL))
        return -1.0;
    return end > start ? (double)(end - start) * 1e-6 : 0.0;
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
        t->device_ms = clconv_context_device_timing(peer->ctx) && done ? span_ms(marker, done)
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
    double t0 = bench_wall_ms();
    cl_int code = CL_SUCCESS;
    if (enqueue(&peer, d, NULL) == 0)
        code = clFinish(clconv_context_queue(ctx));
    res->build_ms = bench_wall_ms() - t0;
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

/* A bare CLBlast SGEMM with the GEMM stage's shape (M = C_out, N = OH*OW,
 * K = C_in*KH*KW, one per image), on scratch buffers, timed like any stage:
 * the ceiling the im2col-gemm GEMM stage can reach with CLBlast here. */
int bench_gemm_baseline(clconv_context *ctx, const bench_options *opt, const clconv_problem *p,
                        double *gflops, char *err, size_t es)
{
    *gflops = NAN;
    size_t m = (size_t)p->out_channels, k = (size_t)p->in_channels * p->kernel_h * p->kernel_w;
    size_t n = (size_t)clconv_problem_out_height(p) * clconv_problem_out_width(p);
    size_t batch = (size_t)p->batch;
    cl_context c = clconv_context_cl_context(ctx);
    cl_command_queue q = clconv_context_queue(ctx);
    cl_int code;
    cl_mem a = clCreateBuffer(c, CL_MEM_READ_WRITE, m * k * sizeof(float), NULL, &code);
    cl_mem b = code ? NULL : clCreateBuffer(c, CL_MEM_READ_WRITE, k * n * batch * sizeof(float),
                                            NULL, &code);
    cl_mem out = code ? NULL : clCreateBuffer(c, CL_MEM_READ_WRITE,
                                              m * n * batch * sizeof(float), NULL, &code);
    int rc = 0;
    if (code != CL_SUCCESS) {
        snprintf(err, es, "clCreateBuffer for the GEMM baseline failed: %s",
                 clconv_cl_error_name(code));
        rc = 1;
    }
    const float one = 1.0f;
    if (!rc && ((code = clEnqueueFillBuffer(q, a, &one, sizeof one, 0, m * k * sizeof(float), 0,
                                            NULL, NULL)) != CL_SUCCESS ||
                (code = clEnqueueFillBuffer(q, b, &one, sizeof one, 0,
                                            k * n * batch * sizeof(float), 0, NULL, NULL)) !=
                    CL_SUCCESS)) {
        snprintf(err, es, "clEnqueueFillBuffer failed: %s", clconv_cl_error_name(code));
        rc = 1;
    }
    double *ms = rc ? NULL : malloc((size_t)opt->iters * sizeof *ms);
    int runs = 0;
    for (int i = -1; !rc && ms && i < opt->iters; i++) { /* run -1: CLBlast compiles */
        cl_event marker = NULL, done = NULL;
        CLBlastStatusCode st;
        code = clEnqueueMarkerWithWaitList(q, 0, NULL, &marker);
        if (batch == 1)
            st = CLBlastSgemm(CLBlastLayoutRowMajor, CLBlastTransposeNo, CLBlastTransposeNo, m, n,
                              k, 1.0f, a, 0, k, b, 0, n, 0.0f, out, 0, n, &q, &done);
        else
            st = CLBlastSgemmStridedBatched(CLBlastLayoutRowMajor, CLBlastTransposeNo,
                                            CLBlastTransposeNo, m, n, k, 1.0f, a, 0, k, 0, b, 0,
                                            n, k * n, 0.0f, out, 0, n, m * n, batch, &q, &done);
        if (st != CLBlastSuccess || code != CL_SUCCESS) {
            snprintf(err, es, "GEMM baseline M=%zu N=%zu K=%zu failed: %s", m, n, k,
                     st != CLBlastSuccess ? clconv_clblast_status_name(st)
                                          : clconv_cl_error_name(code));
            rc = 1;
        } else if ((code = clWaitForEvents(1, &done)) != CL_SUCCESS) {
            snprintf(err, es, "clWaitForEvents failed: %s", clconv_cl_error_name(code));
            rc = 1;
        } else if (i >= 0) {
            ms[runs] = span_ms(marker, done);
            runs += ms[runs] > 0;
        }
        if (marker)
            clReleaseEvent(marker);
        if (done)
            clReleaseEvent(done);
    }
    if (!rc && runs > 0) {
        /* median of the timed runs */
        for (int i = 1; i < runs; i++)
            for (int j = i; j > 0 && ms[j] < ms[j - 1]; j--) {
                double t = ms[j];
                ms[j] = ms[j - 1];
                ms[j - 1] = t;
            }
        double med = runs % 2 ? ms[runs / 2] : 0.5 * (ms[runs / 2 - 1] + ms[runs / 2]);
        *gflops = 2.0 * (double)m * (double)n * (double)k * (double)batch / (med * 1e6);
    }
    free(ms);
    cl_mem all[] = {a, b, out};
    for (int i = 0; i < 3; i++)
        if (all[i])
            clReleaseMemObject(all[i]);
    return rc;
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
        unsigned state = 0x2545f491u;
        for (size_t i = 0; i < n; i++) {
            state ^= state << 13, state ^= state >> 17, state ^= state << 5;
            k[i] = (float)((double)state / 4294967296.0 * 2.0 - 1.0);
        }
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
