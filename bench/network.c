/* A network's totals (network.h). */
#include "network.h"
#include "json_out.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bench_layer_class(const clconv_problem *p, char *out, size_t cap)
{
    if (p->groups > 1 && p->groups == p->in_channels)
        snprintf(out, cap, "depthwise");
    else if (p->groups > 1)
        snprintf(out, cap, "grouped");
    else if (p->in_channels <= 3)
        snprintf(out, cap, "stem");
    else
        snprintf(out, cap, "%dx%d", p->kernel_h, p->kernel_w);
}

static int measured(const bench_result *r)
{
    return r->iterations > 0 && !r->failed && !r->skipped;
}

static void add_share(bench_net_share *shares, int *n, int max, const char *name, double ms,
                      int layers)
{
    int i = 0;
    while (i < *n && strcmp(shares[i].name, name))
        i++;
    if (i == max) { /* full: the last entry collects the rest */
        i = max - 1;
        snprintf(shares[i].name, sizeof shares[i].name, "other");
    } else if (i == *n) {
        (*n)++;
        shares[i] = (bench_net_share){.ms = 0};
        snprintf(shares[i].name, sizeof shares[i].name, "%s", name);
    }
    shares[i].ms += ms;
    shares[i].layers += layers;
}

static int by_ms(const void *a, const void *b)
{
    const double x = ((const bench_net_share *)a)->ms, y = ((const bench_net_share *)b)->ms;
    return (x < y) - (x > y);
}

static double weighted(const bench_result *r)
{
    return r->problem->count * r->median_ms;
}

/* The fastest verified algorithm row of r's problem, or NULL. */
static const bench_result *fastest_algorithm(const bench_device_run *run, const bench_result *r)
{
    const bench_result *best = NULL;
    for (int i = 0; i < run->count; i++) {
        const bench_result *q = &run->results[i];
        if (q->problem == r->problem && bench_result_is_algorithm_time(q) &&
            (!best || q->median_ms < best->median_ms))
            best = q;
    }
    return best;
}

/* auto against each layer's fastest algorithm row (network.h). */
static void add_regret(const bench_device_run *run, const bench_result *r, bench_net_total *t)
{
    const bench_result *best = fastest_algorithm(run, r);
    if (r->kind->algo != CLCONV_ALGO_AUTO || !best)
        return;
    const double regret = r->median_ms / best->median_ms;
    t->compared_layers += r->problem->count;
    t->compared_ms += weighted(r);
    t->fastest_ms += weighted(best);
    if (!t->worst || regret > t->worst_regret)
        t->worst = r, t->worst_regret = regret;
}

static void total_of(const bench_device_run *run, const bench_row_kind *kind, bench_net_total *t)
{
    memset(t, 0, sizeof *t);
    t->algo = kind->name;
    for (int i = 0; i < run->count; i++) {
        const bench_result *r = &run->results[i];
        if (r->kind != kind)
            continue;
        const int count = r->problem->count;
        t->layers += count;
        t->distinct++;
        if (!measured(r)) {
            if (!t->missing++)
                t->first_missing = r;
            continue;
        }
        const double ms = weighted(r);
        add_regret(run, r, t);
        t->measured_layers += count;
        t->ms += ms;
        t->flops += count * r->conv_flops;
        t->bound_ms += count * r->roof.bound_ms; /* NaN without peaks, and stays so */
        t->call_host_ms += count * r->call_host_ms;
        t->host_timed |= !strcmp(r->time_source, "host");
        const char *algo = r->has_choice ? clconv_algo_name(r->choice.algo) : r->algo;
        add_share(t->by_algo, &t->algo_count, CLCONV_ALGO_COUNT + 1, algo, ms, count);
        char cls[24];
        bench_layer_class(&r->problem->p, cls, sizeof cls);
        add_share(t->by_class, &t->class_count, BENCH_NET_CLASSES, cls, ms, count);
        /* kept sorted, slowest first */
        int at = t->slowest_count < BENCH_NET_SLOWEST ? t->slowest_count++ : BENCH_NET_SLOWEST;
        while (at > 0 && weighted(t->slowest[at - 1]) < ms) {
            if (at < BENCH_NET_SLOWEST)
                t->slowest[at] = t->slowest[at - 1];
            at--;
        }
        if (at < BENCH_NET_SLOWEST)
            t->slowest[at] = r;
    }
    qsort(t->by_algo, (size_t)t->algo_count, sizeof t->by_algo[0], by_ms);
    qsort(t->by_class, (size_t)t->class_count, sizeof t->by_class[0], by_ms);
}

int bench_net_totals(const bench_device_run *run, bench_net_total *out, int max)
{
    int n = 0;
    for (int k = 0; k < bench_row_count() && n < max; k++) {
        const bench_row_kind *kind = bench_row(k);
        if (!kind->convolution) /* the seed's pointwise op is no layer of a network */
            continue;
        for (int i = 0; i < run->count; i++)
            if (run->results[i].kind == kind) {
                total_of(run, kind, &out[n++]);
                break;
            }
    }
    return n;
}

static double share(double part, double whole)
{
    return whole > 0 ? 100.0 * part / whole : NAN;
}

static void shares_line(FILE *f, const char *what, const bench_net_share *s, int n, double total)
{
    fprintf(f, "    %s:", what);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s %s %.0f%% (%d layer%s)", i ? "," : "", s[i].name, share(s[i].ms, total),
                s[i].layers, s[i].layers == 1 ? "" : "s");
    fputc('\n', f);
}

void report_network_table(FILE *f, const bench_device_run *run)
{
    if (!run->network)
        return;
    bench_net_total totals[BENCH_MAX_ROWS];
    const int n = bench_net_totals(run, totals, BENCH_MAX_ROWS);
    if (!n)
        return;
    const int batch = run->count ? run->results[0].problem->p.batch : 0;
    fprintf(f, "\nnetwork %s: %d conv layers, %d distinct, batch %d; each layer's median time "
            "times how often it occurs\n", run->network, totals[0].layers, totals[0].distinct,
            batch);
    for (int i = 0; i < n; i++) {
        const bench_net_total *t = &totals[i];
        fprintf(f, "  %-18s %10.3f ms  %.3g GFLOP at %.1f GFLOP/s", t->algo, t->ms,
                t->flops / 1e9, t->ms > 0 ? t->flops / t->ms / 1e6 : NAN);
        if (run->peaks && isfinite(run->peaks->gflops) && t->ms > 0)
            fprintf(f, " = %.0f%% of the FMA peak; roofline bound %.3f ms (eff %.2f)",
                    share(t->flops / t->ms / 1e6, run->peaks->gflops), t->bound_ms,
                    t->bound_ms / t->ms);
        fputc('\n', f);
        if (isfinite(t->call_host_ms) && !t->host_timed)
            fprintf(f, "    host per call, summed: %.3f ms (%+.3f ms beyond the device time: "
                       "what calling each layer and waiting adds)\n",
                    t->call_host_ms, t->call_host_ms - t->ms);
        if (t->missing)
            fprintf(f, "    NOT COUNTED: %d of the %d distinct layers (%d layers), e.g. %s: %s\n",
                    t->missing, t->distinct, t->layers - t->measured_layers,
                    t->first_missing->problem->name, t->first_missing->note);
        if (t->algo_count > 1 || strcmp(t->by_algo[0].name, t->algo))
            shares_line(f, "by algorithm", t->by_algo, t->algo_count, t->ms);
        if (t->compared_layers)
            fprintf(f, "    regret: %.2fx, %.3f ms against %.3f ms for each layer's fastest "
                    "algorithm row (%d layers); the worst layer %s (x%d) at %.2fx\n",
                    t->compared_ms / t->fastest_ms, t->compared_ms, t->fastest_ms,
                    t->compared_layers, t->worst->problem->name, t->worst->problem->count,
                    t->worst_regret);
        shares_line(f, "by layer class", t->by_class, t->class_count, t->ms);
        fputs("    slowest:", f);
        for (int s = 0; s < t->slowest_count; s++) {
            const bench_result *r = t->slowest[s];
            fprintf(f, "%s %s x%d %.0f%%", s ? "," : "", r->problem->name, r->problem->count,
                    share(weighted(r), t->ms));
        }
        fputc('\n', f);
    }
}

static void json_shares(FILE *f, const char *key, const bench_net_share *s, int n)
{
    fprintf(f, ", \"%s\": [", key);
    for (int i = 0; i < n; i++) {
        fputs(i ? ", {\"name\": " : "{\"name\": ", f);
        json_string(f, s[i].name);
        json_field(f, "ms", s[i].ms);
        fprintf(f, ", \"layers\": %d}", s[i].layers);
    }
    fputc(']', f);
}

void report_network_json(FILE *f, const bench_device_run *run)
{
    fputs(",\n  \"network\": ", f);
    bench_net_total totals[BENCH_MAX_ROWS];
    const int n = run->network ? bench_net_totals(run, totals, BENCH_MAX_ROWS) : 0;
    if (!run->network) {
        fputs("null", f);
        return;
    }
    fputs("{\"name\": ", f);
    json_string(f, run->network);
    fprintf(f, ", \"layers\": %d, \"distinct\": %d, \"totals\": [", n ? totals[0].layers : 0,
            n ? totals[0].distinct : 0);
    for (int i = 0; i < n; i++) {
        const bench_net_total *t = &totals[i];
        fputs(i ? ",\n    {\"algo\": " : "\n    {\"algo\": ", f);
        json_string(f, t->algo);
        json_field(f, "total_ms", t->ms);
        fprintf(f, ", \"measured_layers\": %d, \"missing_distinct\": %d", t->measured_layers,
                t->missing);
        json_field(f, "flops", t->flops);
        json_field(f, "gflops", t->ms > 0 ? t->flops / t->ms / 1e6 : NAN);
        json_field(f, "bound_ms", t->bound_ms);
        json_field(f, "call_host_ms", t->call_host_ms);
        json_field(f, "peak_fraction", run->peaks && t->ms > 0
                                           ? t->flops / t->ms / 1e6 / run->peaks->gflops
                                           : NAN);
        json_shares(f, "by_algorithm", t->by_algo, t->algo_count);
        json_shares(f, "by_class", t->by_class, t->class_count);
        if (t->compared_layers) {
            fprintf(f, ", \"regret\": {\"layers\": %d", t->compared_layers);
            json_field(f, "auto_ms", t->compared_ms);
            json_field(f, "fastest_ms", t->fastest_ms);
            json_field(f, "regret", t->compared_ms / t->fastest_ms);
            fputs(", \"worst_problem\": ", f);
            json_string(f, t->worst->problem->name);
            json_field(f, "worst_regret", t->worst_regret);
            fputc('}', f);
        } else {
            fputs(", \"regret\": null", f);
        }
        fputs(", \"slowest\": [", f);
        for (int s = 0; s < t->slowest_count; s++) {
            fputs(s ? ", {\"problem\": " : "{\"problem\": ", f);
            json_string(f, t->slowest[s]->problem->name);
            fprintf(f, ", \"count\": %d", t->slowest[s]->problem->count);
            json_field(f, "ms", weighted(t->slowest[s]));
            fputc('}', f);
        }
        fputs("]}", f);
    }
    fputs("\n  ]}", f);
}

void report_network_compare(FILE *f, const bench_device_run *runs, int n)
{
    if (!runs[0].network)
        return;
    /* each device's totals, once */
    bench_net_total *all = calloc((size_t)n * BENCH_MAX_ROWS, sizeof *all);
    int counts[BENCH_MAX_DEVICES];
    if (!all) {
        fputs("\n(no memory for the network's totals per device)\n", f);
        return;
    }
    for (int d = 0; d < n; d++)
        counts[d] = bench_net_totals(&runs[d], all + (size_t)d * BENCH_MAX_ROWS, BENCH_MAX_ROWS);
    fprintf(f, "\nnetwork %s, count-weighted total:\n%-18s", runs[0].network, "algo");
    for (int d = 0; d < n; d++)
        fprintf(f, " | [%c] %10s %8s%s", 'A' + d, "total_ms", "layers", d ? "   x[A]" : "");
    fputc('\n', f);
    for (int i = 0; i < counts[0]; i++) {
        const bench_net_total *first = &all[i];
        fprintf(f, "%-18s", first->algo);
        for (int d = 0; d < n; d++) {
            const bench_net_total *mine = NULL;
            for (int j = 0; j < counts[d]; j++)
                if (!strcmp(all[(size_t)d * BENCH_MAX_ROWS + j].algo, first->algo))
                    mine = &all[(size_t)d * BENCH_MAX_ROWS + j];
            if (!mine) {
                fprintf(f, " | %14s %8s%s", "-", "", d ? "       " : "");
                continue;
            }
            fprintf(f, " | %14.3f %8d", mine->ms, mine->measured_layers);
            /* a ratio only over the same layers */
            if (d)
                fprintf(f, " %6.2f", mine->measured_layers == first->measured_layers &&
                                             first->ms > 0
                                         ? mine->ms / first->ms
                                         : NAN);
        }
        fputc('\n', f);
    }
    free(all);
}

void bench_network_answer(const bench_device_run *run, bench_answer *out)
{
    if (!run->network)
        return;
    bench_net_total totals[BENCH_MAX_ROWS];
    const int n = bench_net_totals(run, totals, BENCH_MAX_ROWS);
    for (int i = 0; i < n; i++) {
        const bench_net_total *t = &totals[i];
        if (!t->measured_layers)
            continue;
        char where[256] = "", slow[160] = "";
        if (t->class_count)
            snprintf(where, sizeof where, "; most of the time is in its %s layers (%.0f%%, %d "
                     "of %d layers)%s%s", t->by_class[0].name, share(t->by_class[0].ms, t->ms),
                     t->by_class[0].layers, t->measured_layers,
                     t->algo_count ? ", run mostly by " : "",
                     t->algo_count ? t->by_algo[0].name : "");
        if (t->slowest_count)
            snprintf(slow, sizeof slow, "; the slowest layer, %s (x%d), takes %.0f%%",
                     t->slowest[0]->problem->name, t->slowest[0]->problem->count,
                     share(weighted(t->slowest[0]), t->ms));
        char regret[160] = "";
        if (t->compared_layers)
            snprintf(regret, sizeof regret, "; %.2fx the fastest algorithm row per layer (worst: "
                     "%s at %.2fx)", t->compared_ms / t->fastest_ms, t->worst->problem->name,
                     t->worst_regret);
        char peak[64] = "";
        if (run->peaks && isfinite(run->peaks->gflops))
            snprintf(peak, sizeof peak, ", %.0f%% of the FMA peak",
                     share(t->flops / t->ms / 1e6, run->peaks->gflops));
        bench_answer_say(out, "%s with %s: %.2f ms for %d conv layers (%.1f GFLOP/s%s)%s%s%s%s",
                         run->network, t->algo, t->ms, t->measured_layers,
                         t->flops / t->ms / 1e6, peak, where, slow, regret,
                         t->missing ? "; some layers did not run (see NOT COUNTED)" : "");
    }
}
