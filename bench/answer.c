/* The short answer under the table, computed from the measured numbers only:
 * which algorithm wins each problem, what auto chose and how far it is from
 * the fastest, why the pointwise op is slow (bytes, not FLOPs), what the
 * winner costs in memory, where a sweep crosses over, and how often
 * --auto-report's predictions named the winner. */
#include "report.h"
#include "auto_report.h"
#include "network.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

void bench_answer_say(bench_answer *a, const char *fmt, ...)
{
    if (a->count == BENCH_ANSWER_LINES)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->lines[a->count++], sizeof a->lines[0], fmt, ap);
    va_end(ap);
}

static int timed(const bench_result *r)
{
    return r->iterations > 0 && !r->failed && !r->skipped;
}

/* SI-scaled count with a unit, e.g. "31.5 MFLOP". */
static const char *si(char *buf, size_t size, double v, const char *unit)
{
    const char *prefix[] = {"", "k", "M", "G", "T", "P"};
    int i = 0;
    while (fabs(v) >= 1000.0 && i < 5) {
        v /= 1000.0;
        i++;
    }
    snprintf(buf, size, "%.3g %s%s", v, prefix[i], unit);
    return buf;
}

static void mib(char *buf, size_t size, size_t bytes)
{
    snprintf(buf, size, "%.1f MiB", (double)bytes / (1024.0 * 1024.0));
}

/* best and second among every convolution row (peers too); fastest_algo
 * among clconv's algorithm rows only. The auto row is none of them: it runs
 * one of those algorithms, and would tie with it. */
typedef struct problem_rows {
    const bench_problem *problem;
    const bench_result *best, *second, *pointwise, *direct, *lowest_ws;
    const bench_result *chooser, *fastest_algo;
} problem_rows;

static problem_rows rows_of(const bench_device_run *run, int first, int *next)
{
    problem_rows pr = {run->results[first].problem, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    int i = first;
    for (; i < run->count && run->results[i].problem == pr.problem; i++) {
        const bench_result *r = &run->results[i];
        if (!timed(r))
            continue;
        if (r->kind->algo == CLCONV_ALGO_AUTO) {
            pr.chooser = r;
            continue;
        }
        if (!r->kind->convolution) {
            pr.pointwise = r;
            continue;
        }
        if (r->kind->algo == CLCONV_ALGO_DIRECT)
            pr.direct = r;
        if (r->kind->algo >= 0 && r->kind->algo < CLCONV_ALGO_COUNT &&
            (!pr.fastest_algo || r->median_ms < pr.fastest_algo->median_ms))
            pr.fastest_algo = r;
        if (!pr.best || r->median_ms < pr.best->median_ms) {
            pr.second = pr.best;
            pr.best = r;
        } else if (!pr.second || r->median_ms < pr.second->median_ms) {
            pr.second = r;
        }
        if (!pr.lowest_ws || r->workspace_bytes < pr.lowest_ws->workspace_bytes)
            pr.lowest_ws = r;
    }
    *next = i;
    return pr;
}

static void winner(bench_answer *a, const problem_rows *pr)
{
    if (!pr->best)
        return;
    if (pr->second)
        bench_answer_say(a, "%s: %s is the fastest convolution, %.3f ms; next %s, %.3f ms (%.2fx).",
                         pr->problem->name, pr->best->algo, pr->best->median_ms, pr->second->algo,
                         pr->second->median_ms, pr->second->median_ms / pr->best->median_ms);
    else
        bench_answer_say(a, "%s: %s, %.3f ms (the only convolution timed).", pr->problem->name,
                         pr->best->algo, pr->best->median_ms);
}

/* What auto chose and its regret: its time over the fastest algorithm row
 * measured beside it (1.00x: it chose as well as measuring everything). */
static void auto_choice(bench_answer *a, const problem_rows *pr)
{
    const bench_result *c = pr->chooser, *f = pr->fastest_algo;
    if (!c || !c->has_choice)
        return;
    const char *chose = clconv_algo_name(c->choice.algo);
    if (f)
        bench_answer_say(
            a, "%s: auto chose %s (%s): %.3f ms, %.2fx the fastest measured (%s %.3f ms).",
            pr->problem->name, chose, c->choice_source, c->median_ms, c->median_ms / f->median_ms,
            f->algo, f->median_ms);
    else
        bench_answer_say(a,
                         "%s: auto chose %s (%s): %.3f ms (no algorithm row measured beside it).",
                         pr->problem->name, chose, c->choice_source, c->median_ms);
}

/* The seed question: the pointwise op has far fewer FLOPs than the
 * convolution; its time is set by the bytes it moves. */
static void pointwise_why(bench_answer *a, const problem_rows *pr, const clconv_peaks *pk)
{
    const bench_result *pw = pr->pointwise;
    if (!pw)
        return;
    double conv_flops, conv_bytes;
    clconv_problem_cost(&pr->problem->p, 1, &conv_flops, &conv_bytes);
    char f1[32], f2[32], b1[32], b2[32];
    char versus[160] = "";
    if (pr->best)
        snprintf(versus, sizeof versus, " %s the fastest convolution's %.3f ms (%s)",
                 pw->median_ms > pr->best->median_ms ? "yet takes longer than"
                                                     : "and takes less than",
                 pr->best->median_ms, pr->best->algo);
    bench_answer_say(a,
                     "%s: the pointwise op does %s, 1/%.0f of the convolution's %s, in %.3f ms,%s: "
                     "%.1f GFLOP/s.",
                     pr->problem->name, si(f1, sizeof f1, pw->cost.flops, "FLOP"),
                     conv_flops / pw->cost.flops, si(f2, sizeof f2, conv_flops, "FLOP"),
                     pw->median_ms, versus, pw->roof.gflops);
    if (pk && pw->roof.verdict)
        bench_answer_say(
            a,
            "%s: it must move %s, %.1fx the convolution's compulsory %s: at %.3f FLOP/B, "
            "below this device's ridge of %.1f FLOP/B, it is %s and streams %.1f GB/s, %.0f%% "
            "of the %.1f GB/s copy peak. Bytes, not FLOPs, set its time.",
            pr->problem->name, si(b1, sizeof b1, pw->cost.bytes, "B"), pw->cost.bytes / conv_bytes,
            si(b2, sizeof b2, conv_bytes, "B"), pw->roof.intensity, pk->gflops / pk->bandwidth_gbs,
            pw->roof.verdict, pw->roof.gbs, 100.0 * pw->roof.gbs / pk->bandwidth_gbs,
            pk->bandwidth_gbs);
    else
        bench_answer_say(
            a,
            "%s: it must move %s, %.1fx the convolution's compulsory %s, at %.1f GB/s (run "
            "without --no-peaks for the roofline).",
            pr->problem->name, si(b1, sizeof b1, pw->cost.bytes, "B"), pw->cost.bytes / conv_bytes,
            si(b2, sizeof b2, conv_bytes, "B"), pw->roof.gbs);
    const bench_result *d = pr->direct;
    if (pk && d && d->roof.verdict)
        bench_answer_say(
            a,
            "%s: direct convolution, by contrast, is %s at %.0f FLOP/B: %.1f GFLOP/s, %.1fx "
            "the pointwise op's rate per FLOP, %.0f%% of the %.0f GFLOP/s FMA peak.",
            pr->problem->name, d->roof.verdict, d->roof.intensity, d->roof.gflops,
            d->roof.gflops / pw->roof.gflops, 100.0 * d->roof.gflops / pk->gflops, pk->gflops);
}

/* An algorithm that wins with much more memory is not always the choice. */
static void memory_cost(bench_answer *a, const problem_rows *pr)
{
    const bench_result *b = pr->best, *low = pr->lowest_ws;
    if (!b || !low || b == low || b->workspace_bytes < 2 * low->workspace_bytes + (1u << 20))
        return;
    char w1[32], w2[32];
    mib(w1, sizeof w1, b->workspace_bytes);
    mib(w2, sizeof w2, low->workspace_bytes);
    bench_answer_say(
        a,
        "%s: memory: %s needs %s of device memory beyond input, weights and output; %s "
        "needs %s and takes %.3f ms (%.2fx).",
        pr->problem->name, b->algo, w1, low->algo, low->workspace_bytes ? w2 : "none",
        low->median_ms, low->median_ms / b->median_ms);
}

/* Sweep problems are named "param=value": list the winner's runs. */
static void crossovers(bench_answer *a, const problem_rows *prs, int n)
{
    if (n < 2 || !strchr(prs[0].problem->name, '='))
        return;
    char line[600];
    size_t used = (size_t)snprintf(line, sizeof line, "sweep: fastest convolution by %.*s:",
                                   (int)(strchr(prs[0].problem->name, '=') -
                                         prs[0].problem->name),
                                   prs[0].problem->name);
    int start = 0;
    for (int i = 1; i <= n; i++) {
        const char *w = prs[start].best ? prs[start].best->algo : "none";
        const char *wi = i < n && prs[i].best ? prs[i].best->algo : i < n ? "none" : NULL;
        if (wi && !strcmp(w, wi))
            continue;
        const char *v0 = strchr(prs[start].problem->name, '=') + 1;
        const char *v1 = strchr(prs[i - 1].problem->name, '=') + 1;
        if (used < sizeof line)
            used += (size_t)snprintf(line + used, sizeof line - used, " %s%s%s %s%s", v0,
                                     i - 1 > start ? ".." : "", i - 1 > start ? v1 : "", w,
                                     i < n ? ";" : ".");
        start = i;
    }
    bench_answer_say(a, "%s", line);
}

void bench_answer_build(const bench_device_run *run, bench_answer *out)
{
    out->count = 0;
    problem_rows prs[BENCH_MAX_PROBLEMS];
    int n = 0;
    for (int i = 0; i < run->count && n < BENCH_MAX_PROBLEMS;)
        prs[n++] = rows_of(run, i, &i);
    /* first: a long sweep or a long auto report must not crowd them out */
    char line[sizeof out->lines[0]];
    if (bench_auto_report_line(run, line, sizeof line))
        bench_answer_say(out, "%s", line);
    bench_network_answer(run, out);
    crossovers(out, prs, n);
    for (int i = 0; i < n; i++)
        winner(out, &prs[i]);
    for (int i = 0; i < n; i++)
        if (!run->network || prs[i].fastest_algo) /* a network's own line says what auto did */
            auto_choice(out, &prs[i]);
    for (int i = 0; i < n; i++)
        pointwise_why(out, &prs[i], run->peaks);
    for (int i = 0; i < n; i++)
        memory_cost(out, &prs[i]);
}
