/* One problem, one algorithm: poison, execute, verify, warm up, time. */
#define _POSIX_C_SOURCE 200809L
#include "run.h"
#include "progress.h"
#include "runtime/timing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cl_error(char *err, size_t es, const char *call, cl_int code, const char *what)
{
    snprintf(err, es, "%s(%s) failed: %s", call, what, clconv_cl_error_name(code));
    return 1;
}

static cl_mem upload(cl_context c, const float *host, size_t elems, cl_int *code)
{
    return clCreateBuffer(c, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, elems * sizeof(float),
                          (void *)host, code);
}

int bench_data_create(clconv_context *ctx, const bench_options *opt, const bench_problem *bp,
                      float **reference_slot, bench_data *d, char *err, size_t es)
{
    memset(d, 0, sizeof *d);
    d->p = &bp->p;
    d->reference = reference_slot;
    const clconv_problem *p = &bp->p;
    if (clconv_problem_validate(p) != CLCONV_SUCCESS) {
        snprintf(err, es, "problem %s: %s", bp->name, clconv_last_error(NULL));
        return 2;
    }
    size_t ni = clconv_problem_input_elems(p), nw = clconv_problem_weight_elems(p);
    size_t no = clconv_problem_output_elems(p), nb = (size_t)p->out_channels;
    const clconv_device_info *dev = clconv_context_device(ctx);
    size_t biggest = ni > nw ? ni : nw;
    biggest = biggest > no ? biggest : no;
    if (biggest * sizeof(float) > dev->max_alloc_bytes) {
        snprintf(err, es, "problem %s needs a %zu-byte buffer; the device allows at most %llu "
                 "bytes per allocation (CL_DEVICE_MAX_MEM_ALLOC_SIZE)", bp->name,
                 biggest * sizeof(float), (unsigned long long)dev->max_alloc_bytes);
        return 1;
    }
    d->input = malloc(ni * sizeof(float));
    d->weights = malloc(nw * sizeof(float));
    d->bias = malloc(nb * sizeof(float));
    if (!d->input || !d->weights || !d->bias) {
        snprintf(err, es, "out of host memory for problem %s (%zu + %zu + %zu floats)", bp->name,
                 ni, nw, no);
        bench_data_destroy(d);
        return 1;
    }
    uint32_t s = opt->seed * 2654435761u + 12345u;
    if (s == 0)
        s = 1;
    for (size_t i = 0; i < ni; i++)
        d->input[i] = rt_uniform(&s);
    for (size_t i = 0; i < nw; i++)
        d->weights[i] = rt_uniform(&s);
    for (size_t i = 0; i < nb; i++)
        d->bias[i] = rt_uniform(&s);
    d->epilogue = bench_epilogue(opt);
    if (d->epilogue && d->epilogue->residual) {
        if (!(d->residual = malloc(no * sizeof(float)))) {
            snprintf(err, es, "out of host memory for problem %s's residual (%zu floats)",
                     bp->name, no);
            bench_data_destroy(d);
            return 1;
        }
        for (size_t i = 0; i < no; i++)
            d->residual[i] = rt_uniform(&s);
    }

    cl_context c = clconv_context_cl_context(ctx);
    cl_int code;
    if (!(d->d_input = upload(c, d->input, ni, &code)) ||
        !(d->d_weights = upload(c, d->weights, nw, &code)) ||
        !(d->d_bias = upload(c, d->bias, nb, &code)) ||
        !(d->d_output = clCreateBuffer(c, CL_MEM_READ_WRITE, no * sizeof(float), NULL, &code)) ||
        (d->residual && !(d->d_residual = upload(c, d->residual, no, &code)))) {
        bench_data_destroy(d);
        return cl_error(err, es, "clCreateBuffer", code, bp->name);
    }
    return 0;
}

const float *bench_reference(bench_data *d, char *err, size_t es)
{
    if (*d->reference)
        return *d->reference;
    bench_progress_phase("reference");
    float *out = malloc(clconv_problem_output_elems(d->p) * sizeof(float));
    if (!out) {
        snprintf(err, es, "out of host memory for the reference output");
        return NULL;
    }
    if (clconv_reference_conv2d_epilogue(d->p, d->input, d->weights, d->bias, d->residual,
                                         d->epilogue, out) != CLCONV_SUCCESS) {
        snprintf(err, es, "reference: %s", clconv_last_error(NULL));
        free(out);
        return NULL;
    }
    return *d->reference = out;
}

void bench_references_free(bench_references *refs)
{
    for (int i = 0; i < BENCH_MAX_PROBLEMS; i++) {
        free(refs->out[i]);
        refs->out[i] = NULL;
    }
}

void bench_data_destroy(bench_data *d)
{
    cl_mem mems[] = {d->d_input, d->d_weights, d->d_bias, d->d_output, d->d_residual};
    for (int i = 0; i < 5; i++)
        if (mems[i])
            clReleaseMemObject(mems[i]);
    free(d->residual);
    free(d->input);
    free(d->weights);
    free(d->bias);
    memset(d, 0, sizeof *d);
}

/* NaN everywhere, so an output the algorithm never writes cannot pass. */
static int poison_output(cl_command_queue q, cl_mem out, size_t elems, char *err, size_t es)
{
    const float nan_pattern = NAN;
    cl_int code = clEnqueueFillBuffer(q, out, &nan_pattern, sizeof nan_pattern, 0,
                                      elems * sizeof(float), 0, NULL, NULL);
    if (code == CL_SUCCESS)
        code = clFinish(q);
    return code == CL_SUCCESS ? 0 : cl_error(err, es, "clEnqueueFillBuffer", code, "output");
}

static int exec_or_explain(const bench_runner *r, bench_data *d, clconv_timing *t,
                           const bench_problem *bp, bench_result *res, char *err, size_t es)
{
    err[0] = '\0';
    if (!r->execute(r->self, d, t, err, es))
        return 0;
    if (!err[0])
        snprintf(err, es, "%s on %s: %s", res->algo, bp->name, clconv_last_error(r->ctx));
    return 1;
}

/* The row's first run, which also compiles what drivers and libraries build
 * on first use (PoCL's code for a work-group size, CLBlast's programs): its
 * wall time is kept, and what it took beyond a steady run's (the timed runs'
 * host median) is counted as build time once they are known. Host time on
 * both sides: a device span cannot see a compile that happens between two
 * enqueues. */
static int first_run(const bench_runner *r, bench_data *d, const bench_problem *bp,
                     bench_result *res, char *err, size_t es)
{
    clconv_timing t = {0};
    double t0 = rt_now_ms();
    if (exec_or_explain(r, d, &t, bp, res, err, es))
        return 1;
    res->first_run_host_ms = rt_now_ms() - t0;
    return 0;
}

static int verify(const bench_runner *r, const bench_problem *bp, bench_data *d,
                  bench_result *res, double tolerance, char *err, size_t es)
{
    cl_command_queue q = clconv_context_queue(r->ctx);
    size_t no = clconv_problem_output_elems(&bp->p);
    const float *reference = bench_reference(d, err, es);
    if (!reference)
        return 1;
    if (poison_output(q, d->d_output, no, err, es))
        return 1;
    bench_progress_phase("verifying (first run)");
    if (first_run(r, d, bp, res, err, es))
        return 1;
    float *out = malloc(no * sizeof(float));
    if (!out) {
        snprintf(err, es, "out of host memory reading back %zu floats", no);
        return 1;
    }
    cl_int code = clEnqueueReadBuffer(q, d->d_output, CL_TRUE, 0, no * sizeof(float), out, 0,
                                      NULL, NULL);
    if (code != CL_SUCCESS) {
        free(out);
        return cl_error(err, es, "clEnqueueReadBuffer", code, "output");
    }
    if (r->adds_no_bias) {
        /* a peer without a bias epilogue: add it here, outside its timing */
        size_t plane = no / ((size_t)bp->p.batch * (size_t)bp->p.out_channels);
        for (size_t i = 0; i < no; i++)
            out[i] += d->bias[(i / plane) % (size_t)bp->p.out_channels];
    }
    res->rel_err = clconv_rel_l2_error(out, reference, no);
    res->verified = 1;
    free(out);
    if (!(res->rel_err <= tolerance)) {
        res->failed = 1;
        snprintf(res->note, sizeof res->note,
                 "verification failed: relative L2 error %.3g exceeds tolerance %.3g", res->rel_err,
                 tolerance);
    }
    return 0;
}

/* A few plain calls after the timed runs (a fifth of them, 1..10, so
 * that a slow row is not run much longer): execute without a timing
 * struct, then clFinish, as an application runs a layer. host has room
 * for n values. */
static int call_runs(const bench_runner *r, bench_data *d, const bench_problem *bp,
                     bench_result *res, int n, double *host, char *err, size_t es)
{
    const int runs = n / 5 < 1 ? (n > 0) : n / 5 > 10 ? 10 : n / 5;
    cl_command_queue q = clconv_context_queue(r->ctx);
    for (int i = 0; i < runs; i++) {
        double t0 = rt_now_ms();
        if (exec_or_explain(r, d, NULL, bp, res, err, es))
            return 1;
        cl_int code = clFinish(q);
        if (code != CL_SUCCESS)
            return cl_error(err, es, "clFinish", code, "after a call");
        host[i] = rt_now_ms() - t0;
    }
    res->call_host_ms = runs ? rt_median(host, runs) : NAN;
    return 0;
}

static int time_runs(const bench_runner *r, const bench_options *opt, const bench_problem *bp,
                     bench_data *d, bench_result *res, char *err, size_t es)
{
    clconv_context *ctx = r->ctx;
    cl_command_queue q = clconv_context_queue(ctx);
    /* The verifying run is the first warm-up; without it the first warm-up
     * takes its place in measuring what compiles on first use. */
    int warmups = opt->warmup - (res->verified ? 1 : 0);
    if (warmups > 0 || !res->verified)
        bench_progress_phase(res->verified ? "warming up" : "warming up (first run)");
    for (int i = 0; i < warmups; i++)
        if ((i == 0 && !res->verified ? first_run(r, d, bp, res, err, es)
                                      : exec_or_explain(r, d, NULL, bp, res, err, es)))
            return 1;
    cl_int code = clFinish(q);
    if (code != CL_SUCCESS)
        return cl_error(err, es, "clFinish", code, "after warm-up");

    /* --iters: exactly that many; else until both min_runs and min_time_s
     * of measured time (device time, or host time where the device has no
     * real timestamps), at most max_runs (as Google Benchmark's minimum
     * time and hyperfine's minimum runs), and stopping at max_time_s even
     * below min_runs (as benchdnn's --max-ms-per-prb): a row that takes
     * seconds a run gets fewer runs, and the runs column says so. */
    bench_progress_phase("timing");
    const int cap = opt->iters ? opt->iters : opt->max_runs;
    const int device_timed = clconv_context_device_timing(ctx);
    double *dev = malloc((size_t)cap * sizeof *dev), *host = malloc((size_t)cap * sizeof *host);
    double *stage = malloc((size_t)cap * CLCONV_MAX_STAGES * sizeof *stage);
    if (!dev || !host || !stage) {
        free(dev), free(host), free(stage);
        snprintf(err, es, "out of host memory for %d timings", cap);
        return 1;
    }
    clconv_timing t = {0};
    double measured_ms = 0.0;
    int n = 0;
    while (n < cap &&
           (opt->iters || ((n < opt->min_runs || measured_ms < opt->min_time_s * 1e3) &&
                           (n == 0 || measured_ms < opt->max_time_s * 1e3)))) {
        double t0 = rt_now_ms();
        if (exec_or_explain(r, d, &t, bp, res, err, es)) {
            free(dev), free(host), free(stage);
            return 1;
        }
        host[n] = rt_now_ms() - t0;
        dev[n] = t.device_ms;
        for (int s = 0; s < t.stage_count; s++)
            stage[s * cap + n] = t.stages[s].ms;
        measured_ms += device_timed ? dev[n] : host[n];
        n++;
    }
    res->iterations = n;
    res->time_source = "device";
    if (!clconv_context_device_timing(ctx)) {
        /* Host wall time includes launch and wait overhead; say so rather than guess. */
        memcpy(dev, host, (size_t)n * sizeof *dev);
        res->time_source = "host";
    }
    res->host_median_ms = rt_median(host, n);
    if (res->first_run_host_ms >= 0 && n > 0) {
        res->first_run_build_ms = res->first_run_host_ms > res->host_median_ms
                                      ? res->first_run_host_ms - res->host_median_ms
                                      : 0.0;
        res->build_ms += res->first_run_build_ms;
    }
    rt_sort_ms(dev, n);
    res->median_ms = rt_percentile(dev, n, 0.5);
    if (call_runs(r, d, bp, res, n, host, err, es)) {
        free(dev), free(host), free(stage);
        return 1;
    }
    res->p10_ms = rt_percentile(dev, n, 0.1);
    res->p90_ms = rt_percentile(dev, n, 0.9);
    res->min_ms = dev[0];
    res->stage_count = t.stage_count;
    for (int s = 0; s < t.stage_count; s++) {
        res->stages[s].name = t.stages[s].name;
        res->stages[s].median_ms = rt_median(stage + s * cap, n);
    }
    free(dev), free(host), free(stage);
    return 0;
}

int bench_measure(const bench_runner *r, const bench_options *opt, const bench_problem *bp,
                  bench_data *d, bench_result *res, char *err, size_t es)
{
    int rc = 0;
    if (opt->verify)
        rc = verify(r, bp, d, res, opt->tolerance, err, es);
    /* A wrong answer gets no timing: a fast wrong kernel is not a result. */
    if (!rc && !res->failed)
        rc = time_runs(r, opt, bp, d, res, err, es);
    return rc;
}

void bench_apply_roofline(bench_result *res, const clconv_peaks *peaks)
{
    double ms = res->iterations ? res->median_ms : NAN;
    clconv_roofline_eval(peaks, &res->cost, ms, &res->roof);
    for (int s = 0; s < res->stage_count; s++) {
        bench_stage *st = &res->stages[s];
        st->flops = st->bytes = NAN;
        clconv_cost one = {0};
        for (int c = 0; c < res->cost.stage_count; c++)
            if (!strcmp(res->cost.stages[c].name, st->name)) {
                one.stage_count = 1;
                one.stages[0] = res->cost.stages[c];
                one.flops = st->flops = one.stages[0].flops;
                one.bytes = st->bytes = one.stages[0].bytes;
            }
        clconv_roofline_eval(peaks, one.stage_count ? &one : NULL, st->median_ms, &st->roof);
    }
}

void bench_result_init(bench_result *res, const bench_problem *bp, const bench_row_kind *kind)
{
    memset(res, 0, sizeof *res);
    res->problem = bp;
    res->kind = kind;
    res->algo = kind->name;
    res->rel_err = NAN;
    res->gemm_baseline_gflops = NAN;
    res->first_run_build_ms = NAN;
    res->call_host_ms = NAN;
    res->tune_ms = NAN;
    res->first_run_host_ms = -1.0;
}

int bench_result_is_algorithm_time(const bench_result *res)
{
    const int algo = res->kind->algo;
    return algo >= 0 && algo < CLCONV_ALGO_COUNT && res->verified && !res->failed &&
           !res->skipped && res->iterations > 0 && res->median_ms > 0 && isfinite(res->median_ms);
}
