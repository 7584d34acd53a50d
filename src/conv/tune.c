/* The tuner and the parameter resolution of tunable kernels (conv/tune.h). */
#include "conv/tune.h"

#include "conv/gemm_stage.h"

#include <ctype.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_CANDIDATES = 48 };

/* The runs of one candidate: at least this many, and more while under the
 * time budget; the median of them ranks it. */
enum { TUNE_MIN_RUNS = 3, TUNE_MAX_RUNS = 15 };
#define TUNE_BUDGET_MS 250.0

static int pow2_ceil(int v)
{
    int p = 1;
    while (p < v && p < (1 << 29))
        p *= 2;
    return p;
}

/* Problems in one class share their best tile: the kernel shape exactly (it
 * is compiled in), the channel counts and output sizes by power of two, and
 * the FFT or GEMM backend for a tunable whose best point depends on it. The
 * tunable's method string comes first: a change in what its parameters
 * mean retires every entry. */
static void shape_class(const conv_tunable *t, const conv_config *cfg, char *text, size_t cap)
{
    const clconv_problem *p = &cfg->problem;
    int used = snprintf(text, cap, "%s: k%dx%d s%dx%d d%dx%d cin<=%d cout<=%d oh<=%d ow<=%d",
                        t->method, p->kernel_h, p->kernel_w, p->stride_h, p->stride_w,
                        p->dilation_h, p->dilation_w, pow2_ceil(p->in_channels),
                        pow2_ceil(p->out_channels), pow2_ceil(clconv_problem_out_height(p)),
                        pow2_ceil(clconv_problem_out_width(p)));
    if (t->per_fft_backend && used > 0 && (size_t)used < cap)
        used += snprintf(text + used, cap - (size_t)used, " fft=%s",
                         clconv_fft_backend_name(cfg->fft_backend));
    if (t->per_gemm_backend && used > 0 && (size_t)used < cap)
        snprintf(text + used, cap - (size_t)used, " gemm=%s",
                 clconv_gemm_backend_name(cfg->gemm_backend));
}

const conv_tunable *conv_tunable_for(const conv_tunable *t, const conv_config *cfg)
{
    return t && t->gemm_tile ? conv_gemm_tunable_for(t, cfg) : t;
}

void conv_params_get(const conv_config *cfg, const conv_tunable *t, int *params)
{
    t = conv_tunable_for(t, cfg);
    for (int i = 0; i < CONV_MAX_PARAMS; i++)
        params[i] = cfg->params_set ? cfg->params[i] : 0;
    if (!cfg->params_set)
        t->defaults(cfg, params);
}

void conv_params_text(const conv_tunable *t, const int *params, char *text, size_t cap)
{
    size_t used = 0;
    text[0] = '\0';
    for (int i = 0; i < t->param_count && used < cap; i++)
        used += (size_t)snprintf(text + used, cap - used, "%s%s=%d", i ? " " : "",
                                 t->param_names[i], params[i]);
}

/* Parses "name=value ..." in t's order, each value plain decimal digits.
 * strict: nothing but spaces may follow (the caller's text), which may stop
 * after t's required parameters (the rest 0); else further fields (a
 * database entry's stored time) are ignored. 1 when every parameter was read. */
static int params_parse(const conv_tunable *t, const char *text, int strict, int *params)
{
    const char *s = text;
    for (int i = 0; i < t->param_count; i++) {
        size_t n = strlen(t->param_names[i]);
        while (*s == ' ')
            s++;
        if (strict && *s == '\0' && t->param_required && i >= t->param_required) {
            params[i] = 0;
            continue;
        }
        if (strncmp(s, t->param_names[i], n) != 0 || s[n] != '=' ||
            !isdigit((unsigned char)s[n + 1]))
            return 0;
        char *end;
        long v = strtol(s + n + 1, &end, 10);
        if ((*end != ' ' && *end != '\n' && *end != '\0') || v > 1 << 20)
            return 0;
        params[i] = (int)v;
        s = end;
    }
    while (strict && *s == ' ')
        s++;
    return !strict || *s == '\0';
}

clconv_status conv_params_resolve(clconv_context *ctx, conv_config *cfg,
                                  const conv_algo_ops *ops, const char *given,
                                  clconv_params_source *source)
{
    const conv_tunable *t = conv_tunable_for(ops->tunable, cfg);
    *source = CLCONV_PARAMS_NONE;
    if (!t)
        return CLCONV_SUCCESS;
    char cls[256], stored[256];
    int params[CONV_MAX_PARAMS] = {0};
    if (given) {
        if (!params_parse(t, given, 1, params) || !t->valid(params)) {
            char values[512];
            t->defaults(cfg, params);
            conv_params_text(t, params, stored, sizeof stored);
            t->valid_values(cfg, values, sizeof values);
            return rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                           "params \"%.80s\": %s takes \"%s\" (its default here) with %s",
                           given, ops->name, stored, values);
        }
        memcpy(cfg->params, params, sizeof params);
        cfg->params_set = 1;
        *source = CLCONV_PARAMS_GIVEN;
        return CLCONV_SUCCESS;
    }
    shape_class(t, cfg, cls, sizeof cls);
    if (ctx && rt_perfdb_load(ctx, t->kernel_file, cls, stored, sizeof stored)) {
        conv_config db = *cfg;
        if (params_parse(t, stored, 0, params) && t->valid(params)) {
            memcpy(db.params, params, sizeof params);
            db.params_set = 1;
        }
        /* An entry this device cannot run any more (less local memory under
         * another driver setting, say) is as good as damaged. */
        if (db.params_set && ops->check(ctx, &db) == CLCONV_SUCCESS) {
            *cfg = db;
            *source = CLCONV_PARAMS_DATABASE;
            return CLCONV_SUCCESS;
        }
        rt_clear_error(ctx);
        /* Once per process: every plan of this class would repeat it. */
        static atomic_flag warned = ATOMIC_FLAG_INIT;
        stored[strcspn(stored, "\n")] = '\0';
        if (!atomic_flag_test_and_set(&warned))
            rt_log(ctx, CLCONV_LOG_WARNING,
                   "ignoring the performance database's entry for %s (%s): \"%.60s\" is not a "
                   "parameter set this device can run; the default rule runs until a tune "
                   "replaces it",
                   ops->name, cls, stored);
    }
    t->defaults(cfg, cfg->params);
    cfg->params_set = 1;
    *source = CLCONV_PARAMS_DEFAULT;
    return CLCONV_SUCCESS;
}

static void fill(float *x, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++)
        x[i] = rt_uniform(&seed);
}

struct conv_trial_data {
    clconv_problem p; /* the problem the trials run */
    size_t checked;   /* output values checked: the first image's */
    float *in, *w, *b, *out, *ref;
    cl_mem d_in, d_w, d_b, d_out;
};

static void data_free(conv_trial_data *t)
{
    free(t->in);
    free(t->w);
    free(t->b);
    free(t->out);
    free(t->ref);
    cl_mem m[] = {t->d_in, t->d_w, t->d_b, t->d_out};
    for (int i = 0; i < 4; i++)
        if (m[i])
            clReleaseMemObject(m[i]);
}

static clconv_status upload(clconv_context *ctx, const float *host, size_t n, const char *what,
                            cl_mem *out)
{
    clconv_status st = rt_buffer_create(ctx, n * sizeof(float), what, out);
    if (st || !host)
        return st;
    cl_int err = clEnqueueWriteBuffer(ctx->queue, *out, CL_TRUE, 0, n * sizeof(float), host, 0,
                                      NULL, NULL);
    return err == CL_SUCCESS ? CLCONV_SUCCESS
                             : rt_cl_fail(ctx, err, "clEnqueueWriteBuffer", "trial %s", what);
}

/* The reference is computed for the first image only (NCHW: the first
 * values of the input and output): a find at batch 8 costs one image's. */
static clconv_status data_make(clconv_context *ctx, const clconv_problem *p, int one_image,
                               conv_trial_data *t)
{
    memset(t, 0, sizeof *t);
    t->p = *p;
    if (one_image)
        t->p.batch = 1;
    clconv_problem first = t->p;
    first.batch = 1;
    size_t ni = clconv_problem_input_elems(&t->p), nw = clconv_problem_weight_elems(&t->p);
    size_t no = clconv_problem_output_elems(&t->p), nb = (size_t)p->out_channels;
    t->checked = clconv_problem_output_elems(&first);
    t->in = malloc(ni * sizeof(float));
    t->w = malloc(nw * sizeof(float));
    t->b = malloc(nb * sizeof(float));
    t->out = malloc(no * sizeof(float));
    t->ref = malloc(t->checked * sizeof(float));
    if (!t->in || !t->w || !t->b || !t->out || !t->ref)
        return rt_fail(ctx, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory for trial runs' data");
    fill(t->in, ni, 1);
    fill(t->w, nw, 2);
    fill(t->b, nb, 3);
    clconv_status st = clconv_reference_conv2d(&first, t->in, t->w, t->b, t->ref);
    if (st)
        return rt_fail(ctx, st, "trial reference: %s", clconv_last_error(NULL));
    if ((st = upload(ctx, t->in, ni, "trial input", &t->d_in)) ||
        (st = upload(ctx, t->w, nw, "trial weights", &t->d_w)) ||
        (st = upload(ctx, t->b, nb, "trial bias", &t->d_b)) ||
        (st = upload(ctx, NULL, no, "trial output", &t->d_out)))
        return st;
    return CLCONV_SUCCESS;
}

clconv_status conv_trial_data_create(clconv_context *ctx, const clconv_problem *p,
                                     conv_trial_data **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return rt_fail(ctx, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory for trial runs' data");
    clconv_status st = data_make(ctx, p, 0, *out);
    if (st) {
        conv_trial_data_free(*out);
        *out = NULL;
    }
    return st;
}

void conv_trial_data_free(conv_trial_data *t)
{
    if (t)
        data_free(t);
    free(t);
}

/* A candidate the device cannot take, or a wrong one, is not an error of
 * the tune (it fails only if none can run): *ms INFINITY and why[] say so.
 * The output is filled with NaN first, so a candidate that writes nothing
 * cannot pass on an earlier candidate's results. */
void conv_trial(clconv_context *ctx, const conv_config *cfg, clconv_algo algo,
                conv_trial_data *t, double *ms, int *timed, char *why, size_t why_cap)
{
    *ms = INFINITY;
    *timed = 0;
    conv_config c = *cfg;
    c.problem = t->p;
    /* The convolution alone, checked against the plain reference: an
     * epilogue is the same few instructions per output for every
     * candidate, and would need a residual here. */
    clconv_epilogue_init(&c.epilogue);
    clconv_plan *plan = NULL;
    size_t no = clconv_problem_output_elems(&t->p);
    cl_int e = CL_SUCCESS;
    clconv_status st = rt_buffer_fill(ctx, t->d_out, no * sizeof(float), NAN, "trial output");
    if (!st && !(st = conv_algo_table[algo]->check(ctx, &c)) &&
        !(st = conv_plan_build(ctx, &c, algo, &plan)) &&
        !(st = clconv_plan_set_weights(plan, t->d_w, t->d_b)) &&
        !(st = clconv_plan_execute(plan, t->d_in, t->d_out, NULL)) &&
        (e = clEnqueueReadBuffer(ctx->queue, t->d_out, CL_TRUE, 0, no * sizeof(float), t->out, 0,
                                 NULL, NULL)) != CL_SUCCESS)
        st = rt_cl_fail(ctx, e, "clEnqueueReadBuffer", "trial output");
    double err = st ? NAN : clconv_rel_l2_error(t->out, t->ref, t->checked);
    if (!st && !(err <= CLCONV_VERIFY_TOLERANCE))
        snprintf(why, why_cap, "relative L2 error %.3g against the reference", err);
    double times[TUNE_MAX_RUNS], spent = 0.0;
    int runs = 0;
    while (!st && err <= CLCONV_VERIFY_TOLERANCE && runs < TUNE_MAX_RUNS &&
           (runs < TUNE_MIN_RUNS || spent < TUNE_BUDGET_MS)) {
        double t0 = rt_now_ms();
        if ((st = clconv_plan_execute(plan, t->d_in, t->d_out, NULL)))
            break;
        if ((e = clFinish(ctx->queue)) != CL_SUCCESS) {
            st = rt_cl_fail(ctx, e, "clFinish", "trial run");
            break;
        }
        times[runs] = rt_now_ms() - t0;
        spent += times[runs++];
    }
    if (st)
        snprintf(why, why_cap, "%s", clconv_last_error(ctx));
    else if (runs)
        *ms = rt_median(times, runs);
    *timed = runs;
    clconv_plan_destroy(plan);
    rt_clear_error(ctx);
}

clconv_status conv_tune(clconv_context *ctx, conv_config *cfg, clconv_algo algo,
                        const clconv_plan_options *opt)
{
    const conv_algo_ops *ops = conv_algo_table[algo];
    const conv_tunable *tn = conv_tunable_for(ops->tunable, cfg);
    if (!tn)
        return CLCONV_SUCCESS;
    int cand[MAX_CANDIDATES][CONV_MAX_PARAMS];
    memset(cand, 0, sizeof cand);
    /* The default rule's point is always a candidate, so a tune never ends
     * slower than no tune; the rest without repeats. */
    tn->defaults(cfg, cand[0]);
    int listed = tn->candidates(cfg, cand + 1, MAX_CANDIDATES - 1), n = 1;
    for (int i = 1; i <= listed; i++) {
        int dup = 0;
        for (int j = 0; j < n; j++)
            dup |= !memcmp(cand[i], cand[j], sizeof cand[0]);
        if (!dup)
            memmove(cand[n++], cand[i], sizeof cand[0]);
    }
    conv_trial_data t;
    clconv_status st = data_make(ctx, &cfg->problem, 1, &t); /* tiles are per image */
    int best = -1;
    double best_ms = INFINITY;
    char first_why[512] = "";
    for (int i = 0; i < n && !st; i++) {
        if (opt && opt->tune_progress)
            opt->tune_progress(opt->tune_progress_user, i, n);
        conv_config c = *cfg;
        memcpy(c.params, cand[i], sizeof c.params);
        c.params_set = 1;
        double ms;
        int runs;
        char why[512] = "";
        conv_trial(ctx, &c, algo, &t, &ms, &runs, why, sizeof why);
        if (ms < best_ms) {
            best_ms = ms;
            best = i;
        } else if (why[0] && !first_why[0]) {
            char params[256];
            conv_params_text(tn, cand[i], params, sizeof params);
            /* clipped to first_why: the message names the first refusal */
            if (snprintf(first_why, sizeof first_why, "%s: %s", params, why) < 0)
                first_why[0] = '\0';
        }
    }
    data_free(&t);
    if (st)
        return st;
    if (best < 0)
        return rt_fail(ctx, CLCONV_ERR_UNSUPPORTED,
                       "tuning %s: none of its %d candidates built, ran and matched the "
                       "reference on this device (the first: %s)", ops->name, n, first_why);
    memcpy(cfg->params, cand[best], sizeof cfg->params);
    cfg->params_set = 1;
    char cls[256], text[256];
    shape_class(tn, cfg, cls, sizeof cls);
    conv_params_text(tn, cand[best], text, sizeof text);
    size_t used = strlen(text);
    snprintf(text + used, sizeof text - used, " ms=%.4g\n", best_ms);
    rt_perfdb_store(ctx, tn->kernel_file, cls, text);
    return CLCONV_SUCCESS;
}
