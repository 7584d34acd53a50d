/* A clconv algorithm's row: check, plan, set the weights, verify and time;
 * with --gemm-baseline, im2col-gemm's GEMM stage beside a bare SGEMM; once
 * the problem's rows have run, the time teaches predict mode. The auto row
 * is the same with CLCONV_ALGO_AUTO: the library chooses while it plans
 * (--auto-mode), and the row keeps what it chose and why. */
#include "rows.h"
#include "progress.h"
#include "run.h"
#include "runtime/timing.h"

#include <stdio.h>
#include <string.h>

static int plan_exec(void *self, bench_data *d, clconv_timing *t, char *err, size_t es)
{
    clconv_plan *plan = self;
    (void)err, (void)es;
    return clconv_plan_execute_residual(plan, d->d_input, d->d_residual, d->d_output, t) !=
           CLCONV_SUCCESS;
}

/* --gemm-baseline: the rate of a bare SGEMM with the GEMM stage's shape
 * (M = C_out, N = OH*OW, K = C_in*KH*KW, one per image): the ceiling the
 * im2col-gemm GEMM stage can reach here. */
static int gemm_baseline(clconv_context *ctx, const bench_options *opt, const clconv_problem *p,
                         double *gflops, char *err, size_t es)
{
    size_t m = (size_t)p->out_channels, k = (size_t)p->in_channels * p->kernel_h * p->kernel_w;
    size_t n = (size_t)clconv_problem_out_height(p) * clconv_problem_out_width(p);
    if (clconv_measure_gemm_with_backend(ctx, opt->plan_options.gemm_backend, m, n, k,
                                         (size_t)p->batch,
                                         opt->iters ? opt->iters : opt->min_runs,
                                         gflops) == CLCONV_SUCCESS)
        return 0;
    snprintf(err, es, "GEMM baseline: %s", clconv_last_error(ctx));
    return 1;
}

/* --tune: which candidate the tuner is timing, on the status line. */
static void tune_progress(void *user, int done, int total)
{
    (void)user;
    char text[64];
    snprintf(text, sizeof text, "tuning: candidate %d of %d", done + 1, total);
    bench_progress_phase(text);
}

/* The row cannot do this problem here: the library's reason, not a failure. */
static int skip(clconv_context *ctx, bench_result *res)
{
    res->skipped = 1;
    snprintf(res->note, sizeof res->note, "%s", clconv_last_error(ctx));
    return 0;
}

/* The auto row's choice, kept for the report after the plan is gone. */
static int keep_choice(clconv_context *ctx, const clconv_plan *plan, const bench_problem *bp,
                       bench_result *res, char *err, size_t es)
{
    if (clconv_plan_choice(plan, &res->choice) != CLCONV_SUCCESS) {
        snprintf(err, es, "%s on %s: %s", res->algo, bp->name, clconv_last_error(ctx));
        return 1;
    }
    snprintf(res->choice_source, sizeof res->choice_source, "%s",
             res->choice.source ? res->choice.source : "?");
    res->choice.source = NULL; /* the header does not say it outlives the plan */
    res->has_choice = 1;
    return 0;
}

/* What the row's plan is made with. */
static clconv_plan_options row_plan_options(const bench_options *opt)
{
    clconv_plan_options po = opt->plan_options;
    po.tune_progress = tune_progress;
    po.epilogue = bench_epilogue(opt);
    return po;
}

static int row_run(const bench_row_kind *kind, clconv_context *ctx,
                   const bench_options *opt, const bench_problem *bp, bench_data *d,
                   bench_result *res, char *err, size_t es)
{
    clconv_algo algo = (clconv_algo)kind->algo;
    const int chooses = algo == CLCONV_ALGO_AUTO;
    bench_result_init(res, bp, kind);
    /* auto has no check of its own: plan_create refuses when no candidate can run */
    clconv_status st =
        chooses ? CLCONV_SUCCESS
                : clconv_algo_check_with_options(ctx, &bp->p, algo, &opt->plan_options);
    if (st == CLCONV_ERR_UNSUPPORTED)
        return skip(ctx, res);
    clconv_plan *plan = NULL;
    clconv_plan_options po = row_plan_options(opt);
    if (po.tune)
        bench_progress_phase("tuning");
    else if (chooses)
        bench_progress_phase(po.auto_mode == CLCONV_AUTO_FIND ? "choosing: timing candidates"
                                                              : "choosing");
    double t0 = rt_now_ms();
    if (!st)
        st = clconv_plan_create_with_options(ctx, &bp->p, algo, &po, &plan);
    if (st == CLCONV_ERR_UNSUPPORTED && chooses)
        return skip(ctx, res);
    if (!st && clconv_plan_params(plan, NULL, 0) == CLCONV_PARAMS_TUNED)
        res->tune_ms = rt_now_ms() - t0;
    if (st ||
        (st = clconv_plan_set_weights(plan, d->d_weights, d->d_bias))) {
        snprintf(err, es, "%s on %s: %s", res->algo, bp->name, clconv_last_error(ctx));
        clconv_plan_destroy(plan);
        return 1;
    }
    if (chooses && keep_choice(ctx, plan, bp, res, err, es)) {
        clconv_plan_destroy(plan);
        return 1;
    }
    const clconv_algo runs = clconv_plan_algo(plan); /* auto's choice */
    clconv_plan_build_time(plan, &res->build_ms, &res->compiled);
    clconv_plan_cost(plan, &res->cost);
    double unused;
    clconv_problem_cost(&bp->p, 1, &res->conv_flops, &unused);
    res->workspace_bytes = clconv_plan_workspace_bytes(plan);
    res->weights_ms = clconv_plan_weights_ms(plan);
    res->weights_stage = clconv_algo_weights_stage(runs);
    res->params_source =
        clconv_params_source_name(clconv_plan_params(plan, res->params, sizeof res->params));
    res->fft_backend = clconv_plan_fft_backend(plan);
    if (bench_epilogue(opt))
        bench_epilogue_text(opt, res->epilogue, sizeof res->epilogue);
    bench_runner r = {ctx, plan_exec, plan, 0};
    int rc = bench_measure(&r, opt, bp, d, res, err, es);
    clconv_plan_destroy(plan);
    if (!rc && opt->gemm_baseline && runs == CLCONV_ALGO_IM2COL_GEMM && res->iterations)
        rc = gemm_baseline(ctx, opt, &bp->p, &res->gemm_baseline_gflops, err, es);
    return rc;
}

void bench_row_clconv_record(clconv_context *ctx, const bench_options *opt,
                             const bench_result *res)
{
    if (!opt->peaks || !bench_result_is_algorithm_time(res))
        return;
    const clconv_plan_options po = row_plan_options(opt);
    /* a failure costs the next prediction, not this row */
    (void)clconv_record_time(ctx, &res->problem->p, (clconv_algo)res->kind->algo, &po,
                             res->median_ms);
}

/* The library's own per-stage cost of the algorithm with default options and
 * a bias (as the row runs it), without a device. */
static clconv_status row_cost(const bench_row_kind *kind, const clconv_problem *p,
                              clconv_cost *cost, char *why, size_t why_size)
{
    if (kind->algo == CLCONV_ALGO_AUTO) {
        memset(cost, 0, sizeof *cost);
        snprintf(why, why_size, "auto runs the algorithm it chooses on the device: its cost "
                                "is that algorithm's");
        return CLCONV_ERR_STATE;
    }
    clconv_status st = clconv_algo_cost(p, (clconv_algo)kind->algo, 1, cost);
    if (st) {
        snprintf(why, why_size, "%s", clconv_last_error(NULL));
        return CLCONV_ERR_UNSUPPORTED;
    }
    return CLCONV_SUCCESS;
}

bench_row_kind bench_row_clconv(clconv_algo algo)
{
    const char *about = algo == CLCONV_ALGO_AUTO ? "clconv's choice of algorithm (--auto-mode)"
                                                 : "a clconv algorithm";
    return (bench_row_kind){clconv_algo_name(algo), "clconv", about, 1, (int)algo, row_run,
                            row_cost};
}
