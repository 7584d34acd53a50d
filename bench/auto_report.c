/* --auto-report (auto_report.h): its problems, and each prediction judged
 * by the times its problem's rows measured afterwards. */
#include "auto_report.h"
#include "presets.h"
#include "runtime/timing.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* An integer in lo..hi from the bench's one random source. */
static int draw(uint32_t *state, int lo, int hi)
{
    int v = lo + (int)(((double)rt_uniform(state) + 1.0) * 0.5 * (hi - lo + 1));
    return v > hi ? hi : v; /* rt_uniform's float can round up to 1 */
}

/* 2*C_in*C_out*KH*KW*OH*OW: what the reference computes per image. */
static double image_flops(const clconv_problem *p)
{
    clconv_problem one = *p;
    one.batch = 1;
    double flops, bytes;
    clconv_problem_cost(&one, 0, &flops, &bytes);
    return flops;
}

static clconv_problem random_problem(uint32_t *state, double max_flops)
{
    clconv_problem p;
    clconv_problem_init(&p);
    p.kernel_h = p.kernel_w = draw(state, 1, 15);
    p.stride_h = p.stride_w = draw(state, 1, 3);
    p.pad_h = p.pad_w = draw(state, 0, p.kernel_h / 2);
    p.in_channels = draw(state, 1, 512);
    p.out_channels = draw(state, 1, 512);
    p.batch = draw(state, 1, 8);
    p.height = draw(state, p.kernel_h + 2, 48);
    p.width = draw(state, p.kernel_w + 2, 48);
    while (image_flops(&p) > max_flops && (p.in_channels > 1 || p.out_channels > 1)) {
        if (p.in_channels > 1)
            p.in_channels /= 2;
        else
            p.out_channels /= 2;
    }
    return p;
}

void bench_auto_report_problems(bench_options *opt)
{
    int n = 0;
    for (int k = 0; opt->auto_report_presets && k < bench_preset_count(); k++) {
        bench_problem *bp = &opt->problems[n++];
        snprintf(bp->name, sizeof bp->name, "%s", bench_preset_name(k));
        bp->p = bench_preset_problem(k);
    }
    /* not the input data's stream (run.c), so the problems and the data
     * of a --seed do not share numbers */
    uint32_t state = opt->seed * 2654435761u + 0x85ebca6bu;
    for (int i = 0; i < opt->auto_report_random && n < BENCH_MAX_PROBLEMS; i++) {
        bench_problem *bp = &opt->problems[n++];
        snprintf(bp->name, sizeof bp->name, "random-%d", i + 1);
        bp->p = random_problem(&state, opt->auto_report_max_flops);
    }
    opt->problem_count = n;
}

void bench_auto_judge(const bench_device_run *run, const bench_prediction *pred,
                      bench_auto_verdict *out)
{
    memset(out, 0, sizeof *out);
    out->regret = INFINITY;
    const clconv_algo best = pred->best;
    const bench_result *named = NULL; /* the predicted winner's row, timed or not */
    for (int i = 0; i < run->count; i++) {
        const bench_result *r = &run->results[i];
        if (r->problem != pred->problem)
            continue;
        if (r->kind->algo == (int)best && best != CLCONV_ALGO_AUTO)
            named = r;
        if (bench_result_is_algorithm_time(r) &&
            (!out->measured || r->median_ms < out->measured->median_ms))
            out->measured = r;
    }
    const char *name = clconv_algo_name(best);
    if (best == CLCONV_ALGO_AUTO)
        snprintf(out->why, sizeof out->why, "no algorithm predicted");
    else if (!named)
        snprintf(out->why, sizeof out->why, "%s did not run", name);
    else if (named->skipped)
        snprintf(out->why, sizeof out->why, "%s was skipped", name);
    else if (named->failed)
        snprintf(out->why, sizeof out->why, "%s failed verification", name);
    else if (!bench_result_is_algorithm_time(named))
        snprintf(out->why, sizeof out->why, "%s has no verified time", name);
    else {
        out->predicted = named;
        out->regret = named->median_ms / out->measured->median_ms;
        out->match = named == out->measured;
    }
}

void bench_auto_summarize(const bench_device_run *run, bench_auto_summary *out)
{
    memset(out, 0, sizeof *out);
    out->worst_regret = out->median_regret = out->weighted_regret = NAN;
    double regrets[BENCH_MAX_PROBLEMS], predicted_ms = 0, fastest_ms = 0;
    for (int i = 0; i < run->prediction_count && i < BENCH_MAX_PROBLEMS; i++) {
        bench_auto_verdict v;
        bench_auto_judge(run, &run->predictions[i], &v);
        regrets[out->problems++] = v.regret;
        out->matches += v.match;
        if (v.predicted) {
            const int count = run->predictions[i].problem->count;
            predicted_ms += count * v.predicted->median_ms;
            fastest_ms += count * v.measured->median_ms;
            out->weighted_problems++;
        }
        if (!out->worst || v.regret > out->worst_regret) {
            out->worst_regret = v.regret;
            out->worst = run->predictions[i].problem;
            snprintf(out->worst_why, sizeof out->worst_why, "%s", v.why);
        }
    }
    const int n = out->problems;
    if (!n)
        return;
    if (fastest_ms > 0)
        out->weighted_regret = predicted_ms / fastest_ms;
    rt_sort_ms(regrets, n);
    /* not rt_percentile: it interpolates, and inf - inf is NaN */
    out->median_regret = n % 2 ? regrets[n / 2] : regrets[n / 2 - 1] / 2 + regrets[n / 2] / 2;
}

const char *bench_auto_regret_text(char *buf, size_t size, double regret)
{
    if (isfinite(regret))
        snprintf(buf, size, "%.2fx", regret);
    else
        snprintf(buf, size, "infinite");
    return buf;
}

int bench_auto_report_line(const bench_device_run *run, char *buf, size_t size)
{
    bench_auto_summary s;
    bench_auto_summarize(run, &s);
    if (!s.problems)
        return 0;
    char worst[32], median[32], shape[96];
    report_shape(shape, sizeof shape, &s.worst->p);
    snprintf(buf, size,
             "auto report: predicted winner = measured winner on %d of %d problems (%.0f%%); "
             "worst regret %s (%s: %s%s%s); median regret %s.",
             s.matches, s.problems, 100.0 * s.matches / s.problems,
             bench_auto_regret_text(worst, sizeof worst, s.worst_regret), s.worst->name, shape,
             s.worst_why[0] ? "; " : "", s.worst_why,
             bench_auto_regret_text(median, sizeof median, s.median_regret));
    if (run->network && isfinite(s.weighted_regret)) {
        const size_t used = strlen(buf);
        snprintf(buf + used, size > used ? size - used : 0,
                 " Over %s, weighted by the layers' counts: %.2fx (%d of %d layers timed).",
                 run->network, s.weighted_regret, s.weighted_problems, s.problems);
    }
    return 1;
}
