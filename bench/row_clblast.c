/* The clblast-convgemm row: CLBlast's own fused im2col + GEMM convolution
 * (CLBlastSconvgemm), a peer measured on the same device, data and
 * verification as clconv's algorithms. It has no bias: verification adds
 * the bias on the host, outside the timing. */
#include "rows.h"
#include "run.h"
#include "runtime/timing.h"

#include <clblast_c.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static clconv_status row_cost(const bench_row_kind *kind, const clconv_problem *p,
                              clconv_cost *cost, char *why, size_t why_size);

typedef struct convgemm_peer {
    clconv_context *ctx;
    const clconv_problem *p;
    CLBlastStatusCode last;
    int calls;
} convgemm_peer;

static int enqueue(convgemm_peer *peer, bench_data *d, cl_event *event)
{
    const clconv_problem *p = peer->p;
    cl_command_queue q = clconv_context_queue(peer->ctx);
    int quiet = clconv_quiet_begin(peer->ctx, "CLBlastSconvgemm"); /* first call compiles */
    peer->calls++;
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

static int row_run(const bench_row_kind *kind, clconv_context *ctx,
                   const bench_options *opt, const bench_problem *bp, bench_data *d,
                   bench_result *res, char *err, size_t es)
{
    bench_result_init(res, bp, kind);
    if (row_cost(kind, &bp->p, &res->cost, res->note, sizeof res->note)) {
        res->skipped = 1;
        return 0;
    }
    if (bench_epilogue(opt)) {
        res->skipped = 1;
        snprintf(res->note, sizeof res->note, "CLBlastSconvgemm has no epilogue (activation, "
                 "alpha, residual): run it without those flags to compare");
        return 0;
    }
    convgemm_peer peer = {ctx, &bp->p, CLBlastSuccess, 0};
    /* CLBlast compiles its kernels inside the first call: the first run's
     * extra host time (run.c) is this row's build time. */
    res->build_ms = 0.0;
    res->compiled = 1;
    res->conv_flops = res->cost.flops;
    bench_runner r = {ctx, convgemm_exec, &peer, 1};
    int rc = bench_measure(&r, opt, bp, d, res, err, es);
    if (rc && peer.calls == 1 && peer.last != CLBlastSuccess) {
        /* e.g. CLBlastNotImplemented, CLBlastInvalidLocalMemUsage on the
         * first call: the row says so instead of failing the run */
        bench_result_init(res, bp, kind);
        res->skipped = 1;
        snprintf(res->note, sizeof res->note, "CLBlastSconvgemm cannot run this problem: %s",
                 clconv_clblast_status_name(peer.last));
        return 0;
    }
    return rc;
}

/* CLBlast's own convolution: counted as the convolution's compulsory cost,
 * without a bias (it has none). */
static clconv_status row_cost(const bench_row_kind *kind, const clconv_problem *p,
                              clconv_cost *cost, char *why, size_t why_size)
{
    (void)kind;
    if (p->groups > 1) {
        snprintf(why, why_size, "CLBlastSconvgemm has no groups (groups = %d)", p->groups);
        return CLCONV_ERR_UNSUPPORTED;
    }
    int pads[4];
    clconv_problem_pads(p, pads);
    if (pads[0] != pads[1] || pads[2] != pads[3]) {
        snprintf(why, why_size, "CLBlastSconvgemm pads each side alike (here top %d, bottom "
                 "%d, left %d, right %d)", pads[0], pads[1], pads[2], pads[3]);
        return CLCONV_ERR_UNSUPPORTED;
    }
    double flops, bytes;
    clconv_problem_cost(p, 0, &flops, &bytes);
    *cost = (clconv_cost){.flops = flops, .bytes = bytes, .stage_count = 1,
                          .stages = {{"convgemm", flops, bytes}}};
    return CLCONV_SUCCESS;
}

const bench_row_kind bench_row_convgemm = {
    "clblast-convgemm", "peer", "CLBlast's own convolution, a peer", 1, -1,
    row_run, row_cost};
