/* CLCONV_ALGO_AUTO: which algorithm runs a problem on a device. A find
 * result in the performance database first (no trial runs), else predict
 * (roofline bound over the efficiency the algorithm reached here before, or
 * its stated prior) or find (time each candidate once, verified, through
 * the tuner's trial plans). Every algorithm of the table is a candidate: a
 * new one joins with no edit here. plan_create (plan.c) asks it which
 * algorithm to build; predicting needs the device's peaks and the roofline
 * (the analysis layer, below this one). */
#include "conv/choice.h"
#include "conv/tune.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Part of every key: change it when what an entry means changes. */
#define FIND_METHOD "auto find 1"
#define EFFICIENCY_METHOD "auto efficiency 2"
/* The efficiency history is a running mean over at most this many
 * measured times, so that a driver's improvement shows within a few. */
#define EFFICIENCY_WINDOW 8

/* One algorithm as a candidate for the problem. */
typedef struct candidate {
    int runs_here;      /* passes its check within the workspace limit */
    int without_limit;  /* passes it only without the caller's limit */
    size_t workspace;   /* with the limit that lets it run */
    double bound_ms;    /* roofline bound; NaN without peaks */
    double efficiency;  /* the share of the bound it is assumed to reach */
    int history;        /* measured times behind that share; 0: the prior */
    double predicted;   /* bound over efficiency; ranks by FLOPs without peaks */
    double found_ms;    /* find's time; INFINITY when not timed or wrong */
    conv_config cfg;    /* resolved, when runs_here */
} candidate;

void choice_find_key(const conv_config *cfg, char *text, size_t cap)
{
    const clconv_problem *p = &cfg->problem;
    char groups[64] = ""; /* dense, symmetric keys read as before */
    if (rt_groups(p) > 1)
        snprintf(groups, sizeof groups, " g%d", rt_groups(p));
    if (rt_pads_asymmetric(p))
        snprintf(groups + strlen(groups), sizeof groups - strlen(groups), " pe%dx%d",
                 rt_pad_bottom(p), rt_pad_right(p));
    snprintf(text, cap,
             "%s: n%d c%d h%d w%d o%d k%dx%d s%dx%d p%dx%d d%dx%d%s limit=%zu fft=%s gemm=%s",
             FIND_METHOD, p->batch, p->in_channels, p->height, p->width, p->out_channels,
             p->kernel_h, p->kernel_w, p->stride_h, p->stride_w, p->pad_h, p->pad_w,
             p->dilation_h, p->dilation_w, groups, cfg->workspace_limit_bytes,
             clconv_fft_backend_name(cfg->fft_backend),
             clconv_gemm_backend_name(cfg->gemm_backend));
}

/* Grouped problems are their own class at both levels: an algorithm's
 * dense history says little about its depthwise runs (direct fills one of
 * its 16 lanes there). Dense keys read as before groups existed. */
static const char *groups_class(const clconv_problem *p)
{
    const int g = rt_groups(p);
    return g == 1 ? "" : g == p->in_channels ? " depthwise" : " grouped";
}

/* The efficiency an algorithm reaches depends on the shape (direct's 1x1
 * against its 5x5, a launch-bound small problem against a large one):
 * history is kept per class of kernel size, stride, work and groups, and
 * for the algorithm as a whole (per groups class), which a class without
 * history falls back on. */
static void efficiency_key(clconv_algo a, const clconv_problem *p, int whole, char *text,
                           size_t cap)
{
    if (whole) {
        snprintf(text, cap, "%s: %s%s", EFFICIENCY_METHOD, conv_algo_table[a]->name,
                 groups_class(p));
        return;
    }
    static const int kernel_top[] = {1, 3, 5, 9, 15};
    int k = p->kernel_h > p->kernel_w ? p->kernel_h : p->kernel_w, kc = 0;
    while (kc < 5 && k > kernel_top[kc])
        kc++;
    double flops, bytes;
    clconv_problem_cost(p, 0, &flops, &bytes);
    int work = flops < 1e8 ? 0 : flops < 1e9 ? 1 : 2;
    snprintf(text, cap, "%s: %s k<=%d s%s work%d%s", EFFICIENCY_METHOD, conv_algo_table[a]->name,
             kc < 5 ? kernel_top[kc] : 99, p->stride_h > 1 || p->stride_w > 1 ? ">1" : "1", work,
             groups_class(p));
}

/* The efficiency history of a under key: *n measured times, 0 for none. */
static double efficiency_read(clconv_context *ctx, const char *key, int *n)
{
    char value[128];
    double eff;
    *n = 0;
    if (!rt_perfdb_load(ctx, RT_PERFDB_EVERY_KERNEL, key, value, sizeof value) ||
        sscanf(value, "efficiency=%lf times=%d", &eff, n) != 2 || !(eff > 0.0 && eff <= 1.0) ||
        *n < 1) {
        *n = 0;
        return NAN;
    }
    return eff;
}

/* The share of a's arithmetic that cfg's problem uses (idle vector lanes
 * are not): 1 for an algorithm that states none. */
static double useful_share(clconv_algo a, const conv_config *cfg)
{
    const conv_algo_ops *ops = conv_algo_table[a];
    double share = ops->useful_share ? ops->useful_share(cfg) : 1.0;
    return share > 0.0 && share <= 1.0 ? share : 1.0;
}

/* The share of its bound a is assumed to reach on cfg's problem: the
 * efficiency its lanes reach (its class's history, else its own, else the
 * stated prior; *n 0 then) times the share of them the problem uses. The
 * history is kept per lane, so that a class carries across layers of the
 * same kind whose planes fill the lanes differently (Winograd on a 56x56
 * plane and on a 14x14 one). */
static double efficiency_load(clconv_context *ctx, clconv_algo a, const conv_config *cfg, int *n)
{
    char key[160];
    for (int whole = 0; whole < 2; whole++) {
        efficiency_key(a, &cfg->problem, whole, key, sizeof key);
        double eff = efficiency_read(ctx, key, n);
        if (*n)
            return eff * useful_share(a, cfg);
    }
    return conv_algo_table[a]->efficiency_prior * useful_share(a, cfg);
}

/* Learns eff (bound / measured time) of a on cfg's problem, per lane: at
 * most 1, where the lanes' share overstates what idle lanes cost (Winograd
 * on a 7x7 plane, where fixed costs outweigh its GEMM). */
static void efficiency_record(clconv_context *ctx, clconv_algo a, const conv_config *cfg,
                              double eff)
{
    const clconv_problem *p = &cfg->problem;
    if (!(eff > 0.0 && eff <= 1.0))
        return; /* a time under the bound, or no bound: nothing to learn */
    eff = fmin(eff / useful_share(a, cfg), 1.0);
    char key[160], value[128];
    for (int whole = 0; whole < 2; whole++) {
        int n;
        efficiency_key(a, p, whole, key, sizeof key);
        double old = efficiency_read(ctx, key, &n);
        n = n < EFFICIENCY_WINDOW ? n + 1 : EFFICIENCY_WINDOW;
        snprintf(value, sizeof value, "efficiency=%.4g times=%d\n",
                 n == 1 ? eff : old + (eff - old) / n, n);
        rt_perfdb_store(ctx, RT_PERFDB_EVERY_KERNEL, key, value);
    }
}

/* The device's peaks, or NaN ones (the prediction then ranks by FLOPs). */
static void peaks_or_nan(clconv_context *ctx, clconv_peaks *peaks)
{
    if (clconv_measure_peaks(ctx, 0, peaks) == CLCONV_SUCCESS)
        return;
    rt_log(ctx, CLCONV_LOG_WARNING, "auto: no device peaks (%s); predicting from FLOPs",
           clconv_last_error(ctx));
    memset(peaks, 0, sizeof *peaks);
    peaks->bandwidth_gbs = peaks->gflops = NAN;
    rt_clear_error(ctx);
}

/* Each algorithm's fate on p: runs within the limit, would run without it,
 * or cannot; its predicted time from the roofline. */
static void survey(clconv_context *ctx, const clconv_problem *p, const clconv_plan_options *opt,
                   const clconv_peaks *peaks, candidate cand[CLCONV_ALGO_COUNT])
{
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
        candidate *c = &cand[a];
        memset(c, 0, sizeof *c);
        c->found_ms = INFINITY;
        clconv_plan_options o = *opt;
        c->runs_here = conv_config_resolve(ctx, p, (clconv_algo)a, &o, &c->cfg) == CLCONV_SUCCESS;
        if (!c->runs_here && opt->workspace_limit_bytes) {
            o.workspace_limit_bytes = 0;
            c->without_limit =
                conv_config_resolve(ctx, p, (clconv_algo)a, &o, &c->cfg) == CLCONV_SUCCESS;
        }
        rt_clear_error(ctx);
        c->predicted = c->bound_ms = NAN;
        if (!c->runs_here && !c->without_limit)
            continue;
        const conv_algo_ops *ops = conv_algo_table[a];
        clconv_cost cost;
        memset(&cost, 0, sizeof cost);
        conv_cost_of(ops, &c->cfg, 0, &cost);
        c->workspace = ops->workspace(&c->cfg);
        clconv_roofline r;
        clconv_roofline_eval(peaks, &cost, NAN, &r);
        c->efficiency = efficiency_load(ctx, (clconv_algo)a, &c->cfg, &c->history);
        c->bound_ms = r.bound_ms;
        c->predicted = isfinite(r.bound_ms) ? r.bound_ms / c->efficiency
                                            : cost.flops / c->efficiency;
    }
}

/* Index of the best candidate by `by` (0 predicted, 1 found) that runs here,
 * skipping `not`; -1 for none. */
static int best_of(const candidate cand[CLCONV_ALGO_COUNT], int by, int not)
{
    int best = -1;
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
        double v = by ? cand[a].found_ms : cand[a].predicted;
        double b = best < 0 ? INFINITY : by ? cand[best].found_ms : cand[best].predicted;
        if (a != not && cand[a].runs_here && isfinite(v) && (best < 0 || v < b))
            best = a;
    }
    return best;
}

/* A find result from the database, if it names an algorithm that runs here
 * now: *ch filled, 1. A damaged or stale entry is ignored (0); a find then
 * rewrites it. */
static int from_database(clconv_context *ctx, const candidate cand[CLCONV_ALGO_COUNT],
                         const char *key, clconv_choice *ch)
{
    char value[256], name[64], next[64];
    double ms, next_ms;
    clconv_algo a, b = CLCONV_ALGO_AUTO;
    if (!rt_perfdb_load(ctx, RT_PERFDB_EVERY_KERNEL, key, value, sizeof value) ||
        sscanf(value, "algo=%63s ms=%lf next=%63s next_ms=%lf", name, &ms, next, &next_ms) != 4 ||
        clconv_algo_from_name(name, &a) || a == CLCONV_ALGO_AUTO || !cand[a].runs_here ||
        !(ms > 0.0)) {
        rt_clear_error(NULL);
        return 0;
    }
    if (strcmp(next, "-") != 0 &&
        (clconv_algo_from_name(next, &b) || b == CLCONV_ALGO_AUTO || b == a)) {
        rt_clear_error(NULL);
        return 0;
    }
    ch->algo = a;
    ch->source = "database";
    ch->found_ms = ms;
    ch->runner_up = b;
    ch->runner_up_ms = b == CLCONV_ALGO_AUTO ? NAN : next_ms;
    return 1;
}

/* Times every candidate that runs here; fails only when none ran right. */
static clconv_status find(clconv_context *ctx, const clconv_problem *p, const char *key,
                          candidate cand[CLCONV_ALGO_COUNT], clconv_choice *ch)
{
    conv_trial_data *data;
    clconv_status st = conv_trial_data_create(ctx, p, &data);
    if (st)
        return st;
    char first_why[512] = "";
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
        if (!cand[a].runs_here)
            continue;
        char why[400] = "";
        int runs;
        conv_trial(ctx, &cand[a].cfg, (clconv_algo)a, data, &cand[a].found_ms, &runs, why,
                   sizeof why);
        ch->trial_runs += runs + 1; /* the checked run, then the timed ones */
        if (isfinite(cand[a].found_ms))
            efficiency_record(ctx, (clconv_algo)a, &cand[a].cfg,
                              cand[a].bound_ms / cand[a].found_ms);
        else if (!first_why[0])
            snprintf(first_why, sizeof first_why, "%s: %s", conv_algo_table[a]->name, why);
    }
    conv_trial_data_free(data);
    int best = best_of(cand, 1, -1);
    if (best < 0)
        return rt_fail(ctx, CLCONV_ERR_UNSUPPORTED,
                       "auto (find): no algorithm built, ran and matched the reference here "
                       "(the first: %s)",
                       first_why);
    int next = best_of(cand, 1, best);
    ch->algo = (clconv_algo)best;
    ch->source = "find";
    ch->found_ms = cand[best].found_ms;
    ch->runner_up = next < 0 ? CLCONV_ALGO_AUTO : (clconv_algo)next;
    ch->runner_up_ms = next < 0 ? NAN : cand[next].found_ms;
    char value[256];
    snprintf(value, sizeof value, "algo=%s ms=%.6g next=%s next_ms=%.6g\n",
             conv_algo_table[best]->name, ch->found_ms,
             next < 0 ? "-" : conv_algo_table[next]->name, next < 0 ? 0.0 : ch->runner_up_ms);
    rt_perfdb_store(ctx, RT_PERFDB_EVERY_KERNEL, key, value);
    return CLCONV_SUCCESS;
}

/* Chooses for p: fills ch (algo, source, times, runner-up, limit). */
static clconv_status choose(clconv_context *ctx, const clconv_problem *p,
                            const clconv_plan_options *opt, clconv_choice *ch)
{
    clconv_peaks peaks;
    peaks_or_nan(ctx, &peaks);
    candidate cand[CLCONV_ALGO_COUNT];
    survey(ctx, p, opt, &peaks, cand);
    memset(ch, 0, sizeof *ch);
    ch->mode = opt->auto_mode;
    ch->limited = ch->runner_up = CLCONV_ALGO_AUTO;
    ch->found_ms = ch->runner_up_ms = ch->predicted_ms = NAN;
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++)
        ch->candidates += cand[a].runs_here;
    if (!ch->candidates) {
        clconv_status st = conv_config_resolve(ctx, p, CLCONV_ALGO_DIRECT, opt, &cand[0].cfg);
        char why[512];
        snprintf(why, sizeof why, "%s", clconv_last_error(ctx));
        return rt_fail(ctx, st ? st : CLCONV_ERR_UNSUPPORTED,
                       "auto: no algorithm can run this problem here (direct: %s)", why);
    }
    char key[512];
    int any = best_of(cand, 0, -1);
    choice_find_key(&cand[any].cfg, key, sizeof key);
    clconv_status st = CLCONV_SUCCESS;
    if (!from_database(ctx, cand, key, ch)) {
        if (opt->auto_mode == CLCONV_AUTO_FIND) {
            st = find(ctx, p, key, cand, ch);
        } else {
            int next = best_of(cand, 0, any);
            ch->algo = (clconv_algo)any;
            ch->source = "predict";
            ch->runner_up = next < 0 ? CLCONV_ALGO_AUTO : (clconv_algo)next;
            ch->runner_up_ms = next < 0 || !isfinite(cand[next].bound_ms) ? NAN
                                                                          : cand[next].predicted;
        }
    }
    if (st)
        return st;
    const candidate *c = &cand[ch->algo];
    ch->predicted_ms = isfinite(c->bound_ms) ? c->predicted : NAN;
    /* a faster one by prediction that the caller's limit keeps out */
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++)
        if (cand[a].without_limit && cand[a].predicted < c->predicted &&
            (ch->limited == CLCONV_ALGO_AUTO || cand[a].predicted < cand[ch->limited].predicted)) {
            ch->limited = (clconv_algo)a;
            ch->limited_workspace_bytes = cand[a].workspace;
        }
    return CLCONV_SUCCESS;
}

/* The checks every entry makes: q and o get the caller's problem and
 * options (or the defaults) as this library's, o without params. */
static clconv_status entry_checks(clconv_context *ctx, const clconv_problem *p,
                                  const clconv_plan_options *opt, clconv_problem *q,
                                  clconv_plan_options *o)
{
    if (!ctx)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "context is NULL");
    rt_clear_error(ctx);
    clconv_status st = rt_problem_in(ctx, p, q);
    if (!st)
        st = rt_plan_options_in(ctx, opt, o);
    if (st)
        return st;
    if ((int)o->auto_mode < 0 || o->auto_mode >= CLCONV_AUTO_MODE_COUNT)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "auto_mode = %d: must be 0..%d",
                       (int)o->auto_mode, CLCONV_AUTO_MODE_COUNT - 1);
    /* kernel parameters are one algorithm's: a candidate takes its own */
    o->params = NULL;
    st = clconv_problem_validate(q);
    return st ? rt_fail(ctx, st, "%s", clconv_last_error(NULL)) : CLCONV_SUCCESS;
}

clconv_status clconv_predict(clconv_context *ctx, const clconv_problem *p,
                             const clconv_plan_options *opt, clconv_algo_prediction *out,
                             size_t cap, size_t *count, clconv_algo *best)
{
    if (count)
        *count = CLCONV_ALGO_COUNT;
    if (best)
        *best = CLCONV_ALGO_AUTO;
    size_t size, stride;
    clconv_problem q;
    clconv_plan_options o;
    clconv_status st = entry_checks(ctx, p, opt, &q, &o);
    if (!st)
        st = rt_array_out_stride(ctx, "clconv_algo_prediction", out, cap,
                                 CLCONV_ALGO_PREDICTION_STRUCT_SIZE, &size, &stride);
    if (st)
        return st;
    clconv_peaks peaks;
    peaks_or_nan(ctx, &peaks);
    candidate cand[CLCONV_ALGO_COUNT];
    survey(ctx, &q, &o, &peaks, cand);
    for (size_t a = 0; a < cap && a < CLCONV_ALGO_COUNT; a++) {
        const candidate *c = &cand[a];
        clconv_algo_prediction e = {
            .struct_size = size,
            .algo = (clconv_algo)a,
            .runs = c->runs_here,
            .predicted_ms = c->runs_here && isfinite(c->bound_ms) ? c->predicted : NAN,
            .bound_ms = c->bound_ms,
            .efficiency = c->runs_here || c->without_limit ? c->efficiency : NAN,
            .history = c->history,
            .workspace_bytes = c->runs_here ? c->workspace : 0,
        };
        /* the caller's entries may be older (shorter) than this library's */
        memcpy((char *)out + a * stride, &e, size);
    }
    int b = best_of(cand, 0, -1);
    if (best)
        *best = b < 0 ? CLCONV_ALGO_AUTO : (clconv_algo)b;
    return CLCONV_SUCCESS;
}

clconv_status clconv_record_time(clconv_context *ctx, const clconv_problem *p, clconv_algo algo,
                                 const clconv_plan_options *opt, double ms)
{
    clconv_problem q;
    clconv_plan_options o;
    clconv_status st = entry_checks(ctx, p, opt, &q, &o);
    if (st)
        return st;
    p = &q;
    if ((int)algo < 0 || algo >= CLCONV_ALGO_COUNT)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "record_time: algo = %d: must be 0..%d",
                       (int)algo, CLCONV_ALGO_COUNT - 1);
    if (!(ms > 0.0) || !isfinite(ms))
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "record_time: ms = %g: must be > 0", ms);
    conv_config cfg;
    if ((st = conv_config_resolve(ctx, p, algo, &o, &cfg)))
        return st;
    clconv_peaks peaks;
    peaks_or_nan(ctx, &peaks);
    clconv_cost cost;
    memset(&cost, 0, sizeof cost);
    conv_cost_of(conv_algo_table[algo], &cfg, 0, &cost);
    clconv_roofline r;
    clconv_roofline_eval(&peaks, &cost, NAN, &r);
    efficiency_record(ctx, algo, &cfg, r.bound_ms / ms);
    return CLCONV_SUCCESS;
}

clconv_status conv_choose(clconv_context *ctx, const clconv_problem *p,
                          const clconv_plan_options *opt, clconv_plan_options *o,
                          clconv_choice *ch)
{
    clconv_problem q;
    clconv_status st = entry_checks(ctx, p, opt, &q, o);
    return st ? st : choose(ctx, &q, o, ch);
}
