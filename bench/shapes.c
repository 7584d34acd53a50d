/* Problem files (shapes.h): benchdnn's convolution descriptor, completed
 * by benchdnn's own rules (its conv_aux.cpp str2desc and sanitize_desc),
 * then refused rather than changed where clconv would run something else. */
#define _POSIX_C_SOURCE 200809L
#include "shapes.h"
#include "nets_embedded.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* benchdnn's fields; the d (depth) ones are read only to refuse a 3-D
 * descriptor by name. */
enum { F_G, F_MB, F_IC, F_OC, F_ID, F_IH, F_IW, F_OD, F_OH, F_OW, F_KD, F_KH, F_KW,
       F_SD, F_SH, F_SW, F_PD, F_PH, F_PW, F_DD, F_DH, F_DW, F_COUNT };
static const char *const keys[F_COUNT] = {"g",  "mb", "ic", "oc", "id", "ih", "iw", "od",
                                          "oh", "ow", "kd", "kh", "kw", "sd", "sh", "sw",
                                          "pd", "ph", "pw", "dd", "dh", "dw"};

/* One spatial axis: input, output, kernel, stride, padding (-1: derive it
 * from the output), skipped elements between taps (benchdnn's dilation). */
typedef struct axis {
    int64_t i, o, k, s, p, d;
} axis;

static int64_t span(const axis *a)
{
    return (a->k - 1) * (a->d + 1) + 1;
}

/* benchdnn's: an axis none of whose fields is set is absent. */
static int axis_used(const axis *a)
{
    return a->i || a->k || a->o || a->d || a->s != 1 || a->p >= 1;
}

/* The output, or the padding, from the others as benchdnn derives them
 * (C division, truncating). */
static int complete(axis *a, char h, char *err, size_t es)
{
    if (!a->i || !a->k)
        return bench_usage_error(err, es, "i%c and k%c must both be given (and > 0) once the "
                                 "%c axis is used", h, h, h);
    if (!a->o) {
        if (a->p < 0)
            a->p = 0;
        a->o = (a->i - span(a) + 2 * a->p) / a->s + 1;
        if (a->o <= 0)
            return bench_usage_error(err, es, "i%c %lld with k%c %lld, s%c %lld and p%c %lld "
                                     "leaves no output", h, (long long)a->i, h, (long long)a->k,
                                     h, (long long)a->s, h, (long long)a->p);
    } else if (a->p < 0) {
        a->p = ((a->o - 1) * a->s - a->i + span(a)) / 2;
        if (a->p < 0)
            return bench_usage_error(err, es,
                                     "o%c %lld needs negative padding (a crop) on i%c %lld with "
                                     "k%c %lld: give p%c",
                                     h, (long long)a->o, h, (long long)a->i, h, (long long)a->k, h);
    }
    return 0;
}

/* The far side's pad that makes the stated output, as benchdnn's
 * init_pad_r; CLCONV_PAD_SYMMETRIC when the near side's gives the same
 * output (the rows between are never read), 0 for a slightly negative one
 * that drops less than a stride (likewise). */
static int far_pad(const axis *a, char h, int *out, char *err, size_t es)
{
    const int64_t far = (a->o - 1) * a->s - a->i + span(a) - a->p;
    if (far <= -a->s)
        return bench_usage_error(err, es,
                                 "o%c %lld is fewer than i%c %lld, k%c %lld, s%c %lld and p%c %lld "
                                 "give: it would need a crop of %lld at the far side",
                                 h, (long long)a->o, h, (long long)a->i, h, (long long)a->k, h,
                                 (long long)a->s, h, (long long)a->p, (long long)-far);
    const int64_t symmetric = a->i + 2 * a->p - span(a);
    if (symmetric >= 0 && symmetric / a->s + 1 == a->o)
        *out = CLCONV_PAD_SYMMETRIC;
    else if (far > INT_MAX)
        return bench_usage_error(err, es, "o%c %lld needs a far-side pad of %lld", h,
                                 (long long)a->o, (long long)far);
    else
        *out = far < 0 ? 0 : (int)far;
    return 0;
}

static int fits_int(int64_t v)
{
    return v >= 0 && v <= INT_MAX;
}

/* The name after `n`, its quotes removed; a trailing "*N" is the count. */
static int parse_name(const char *s, bench_problem *bp, char *err, size_t es)
{
    const char *end = s + strlen(s);
    if (*s == '"') {
        const char *close = strchr(s + 1, '"');
        if (!close)
            return bench_usage_error(err, es, "name %.40s: no closing quote", s);
        if (close[1])
            return bench_usage_error(err, es, "'%.40s' after the name's closing quote", close + 1);
        s++, end = close;
    }
    const char *digits = end;
    while (digits > s && isdigit((unsigned char)digits[-1]))
        digits--;
    if (digits < end && end - digits <= 6 && digits - 1 > s && digits[-1] == '*')
        bp->count = atoi(digits), end = digits - 1;
    if (bp->count < 1)
        return bench_usage_error(err, es, "name '%.40s' counts %d layers: at least 1", s,
                                 bp->count);
    snprintf(bp->name, sizeof bp->name, "%.*s", (int)(end - s), s);
    return 0;
}

int bench_shape_parse(const char *text, bench_problem *bp, char *err, size_t es)
{
    int64_t v[F_COUNT] = {0};
    int given[F_COUNT] = {0};
    memset(bp, 0, sizeof *bp);
    bp->count = 1;
    const char *s = text;
    while (*s) {
        if (*s == 'n') {
            if (parse_name(s + 1, bp, err, es))
                return 2;
            break;
        }
        if (*s == '_') {
            s++;
            continue;
        }
        int f = 0;
        while (f < F_COUNT && strncmp(s, keys[f], strlen(keys[f])))
            f++;
        if (f == F_COUNT)
            return bench_usage_error(err, es, "unknown field at '%.20s' (fields: g mb ic oc ih "
                                     "iw oh ow kh kw sh sw ph pw dh dw, then n\"name\")", s);
        s += strlen(keys[f]);
        if (!isdigit((unsigned char)*s))
            return bench_usage_error(err, es, "%s has no value (a number >= 0 follows it)",
                                     keys[f]);
        int64_t x = 0;
        for (; isdigit((unsigned char)*s); s++)
            if ((x = x * 10 + (*s - '0')) > INT_MAX)
                return bench_usage_error(err, es, "%s: value too large", keys[f]);
        v[f] = x, given[f] = 1;
    }
    for (int f = F_ID; f <= F_DD; f += 3)
        if (given[f])
            return bench_usage_error(err, es, "%s: a 3-D descriptor (id od kd sd pd dd); "
                                     "clconv runs 2-D convolution", keys[f]);
    if (!v[F_IC] || !v[F_OC])
        return bench_usage_error(err, es, "%s not given (or 0)", !v[F_IC] ? "ic" : "oc");
    if (given[F_G] && !v[F_G])
        return bench_usage_error(err, es, "g is 0: at least 1");
    if ((given[F_SH] && !v[F_SH]) || (given[F_SW] && !v[F_SW]))
        return bench_usage_error(err, es, "%s is 0: at least 1",
                                 given[F_SH] && !v[F_SH] ? "sh" : "sw");
    axis h = {v[F_IH], v[F_OH], v[F_KH], given[F_SH] ? v[F_SH] : 1, given[F_PH] ? v[F_PH] : -1,
              v[F_DH]};
    axis w = {v[F_IW], v[F_OW], v[F_KW], given[F_SW] ? v[F_SW] : 1, given[F_PW] ? v[F_PW] : -1,
              v[F_DW]};
    const int has_h = axis_used(&h), has_w = axis_used(&w);
    if (!has_h && !has_w)
        return bench_usage_error(err, es,
                                 "no spatial size: give ih (2-D, square unless iw) or iw (1-D)");
    if ((has_h && complete(&h, 'h', err, es)) || (has_w && complete(&w, 'w', err, es)))
        return 2;
    if (!has_w)
        w = h; /* benchdnn: a square problem */
    else if (!has_h)
        h = (axis){1, 1, 1, 1, 0, 0}; /* 1-D: height 1 */
    const int64_t sizes[] = {h.i, h.o, h.k, h.s, h.p, h.d, w.i, w.o, w.k, w.s, w.p, w.d,
                             given[F_MB] ? v[F_MB] : 2, v[F_IC], v[F_OC]};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if (!fits_int(sizes[i] + 1))
            return bench_usage_error(err, es, "a size too large for clconv (%lld)",
                                     (long long)sizes[i]);
    clconv_problem *p = &bp->p;
    clconv_problem_init(p);
    p->batch = (int)(given[F_MB] ? v[F_MB] : 2); /* benchdnn's default minibatch */
    p->groups = given[F_G] ? (int)v[F_G] : 1;
    p->in_channels = (int)v[F_IC];
    p->out_channels = (int)v[F_OC];
    p->height = (int)h.i, p->width = (int)w.i;
    p->kernel_h = (int)h.k, p->kernel_w = (int)w.k;
    p->stride_h = (int)h.s, p->stride_w = (int)w.s;
    p->pad_h = (int)h.p, p->pad_w = (int)w.p;
    p->dilation_h = (int)h.d + 1, p->dilation_w = (int)w.d + 1;
    if (far_pad(&h, 'h', &p->pad_bottom, err, es) || far_pad(&w, 'w', &p->pad_right, err, es))
        return 2;
    if (!p->batch)
        return bench_usage_error(err, es, "mb is 0: at least 1");
    if (clconv_problem_validate(p) != CLCONV_SUCCESS)
        return bench_usage_error(err, es, "%s", clconv_last_error(NULL));
    /* What the descriptor states is what runs. */
    if (clconv_problem_out_height(p) != h.o || clconv_problem_out_width(p) != w.o)
        return bench_usage_error(err, es, "the output %lld x %lld it states is not the %d x %d "
                                 "its other fields give", (long long)h.o, (long long)w.o,
                                 clconv_problem_out_height(p), clconv_problem_out_width(p));
    return 0;
}

/* The problem fields, from batch to the last pad: all int, contiguous. */
static int same_problem(const clconv_problem *a, const clconv_problem *b)
{
    const size_t from = offsetof(clconv_problem, batch);
    const size_t to = CLCONV_STRUCT_END(clconv_problem, pad_right);
    return !memcmp((const char *)a + from, (const char *)b + from, to - from);
}

/* benchdnn options that leave a forward f32 convolution as it is, and the
 * minibatch option it applies to the descriptors after it. Any other
 * option would change what benchdnn runs: refused. */
static int parse_option(const char *tok, int *mb, char *err, size_t es)
{
    static const char *const same[] = {"--dir=FWD_B", "--dir=FWD_D", "--dir=FWD_I",
                                       "--cfg=f32",   "--dt=f32",    "--reset"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        if (!strcmp(tok, same[i]))
            return 0;
    if (!strncmp(tok, "--mb=", 5)) {
        char *end;
        long v = strtol(tok + 5, &end, 10);
        if (*end || end == tok + 5 || v < 0 || v > INT_MAX)
            return bench_usage_error(err, es, "%s: a minibatch >= 0 (0: as each descriptor says)",
                                     tok);
        *mb = (int)v;
        return 0;
    }
    return bench_usage_error(err, es, "benchdnn option '%.40s' would change the problem; "
                             "clconv-bench runs forward f32 convolution (it takes --mb=N, "
                             "--dir=FWD_B/FWD_D/FWD_I, --cfg=f32)", tok);
}

/* Adds bp to out (or its count to an equal problem's). */
static int add_problem(const bench_problem *bp, bench_problem *out, int max, int *n, char *err,
                       size_t es)
{
    for (int i = 0; i < *n; i++)
        if (same_problem(&out[i].p, &bp->p)) {
            if (out[i].count > INT_MAX - bp->count)
                return bench_usage_error(err, es, "layer counts too large");
            out[i].count += bp->count;
            return 0;
        }
    if (*n == max)
        return bench_usage_error(err, es, "more than %d distinct problems", max);
    out[(*n)++] = *bp;
    return 0;
}

static int parse_line(char *line, int batch, int *mb, bench_problem *bp, int *has, char *err,
                      size_t es)
{
    int quoted = 0;
    for (char *c = line; *c; c++) /* a # outside a name's quotes begins a comment */
        if (*c == '"')
            quoted = !quoted;
        else if (*c == '#' && !quoted) {
            *c = '\0';
            break;
        }
    *has = 0;
    for (char *save, *tok = strtok_r(line, " \t\r\\", &save); tok;
         tok = strtok_r(NULL, " \t\r\\", &save)) {
        if (!strncmp(tok, "--", 2)) {
            if (parse_option(tok, mb, err, es))
                return 2;
        } else if (tok[0] == '*') {
            char *end;
            long c = strtol(tok + 1, &end, 10);
            if (!*has || *end || end == tok + 1 || c < 1 || c > 1000000)
                return bench_usage_error(
                    err, es, "'%.20s': a count *N (1..1000000) follows its descriptor", tok);
            bp->count = (int)c;
        } else if (*has) {
            return bench_usage_error(err, es, "a second descriptor '%.30s': one a line", tok);
        } else {
            if (bench_shape_parse(tok, bp, err, es))
                return 2;
            if (batch > 0 || *mb > 0) {
                bp->p.batch = batch > 0 ? batch : *mb;
                if (clconv_problem_validate(&bp->p) != CLCONV_SUCCESS)
                    return bench_usage_error(err, es, "%s", clconv_last_error(NULL));
            }
            *has = 1;
        }
    }
    return 0;
}

int bench_shapes_parse(const char *text, const char *source, int batch, bench_problem *out,
                       int max, int *n, char *err, size_t es)
{
    *n = 0;
    int mb = 0, line_no = 0;
    for (const char *s = text; *s;) {
        const size_t len = strcspn(s, "\n");
        line_no++;
        char line[1024], why[512];
        if (len >= sizeof line)
            return bench_usage_error(err, es, "%s:%d: line longer than %zu characters", source,
                                     line_no, sizeof line - 1);
        memcpy(line, s, len);
        line[len] = '\0';
        s += len + (s[len] == '\n');
        bench_problem bp;
        int has;
        if (parse_line(line, batch, &mb, &bp, &has, why, sizeof why))
            return bench_usage_error(err, es, "%s:%d: %s", source, line_no, why);
        if (has && add_problem(&bp, out, max, n, why, sizeof why))
            return bench_usage_error(err, es, "%s:%d: %s", source, line_no, why);
    }
    if (*n == 0)
        return bench_usage_error(err, es,
                                 "%s: no descriptor (one a line, e.g. "
                                 "mb1ic64ih56oc64oh56kh3ph1n\"res2a_branch2b\")",
                                 source);
    return 0;
}

int bench_net_count(void)
{
    return (int)bench_embedded_net_count;
}

const char *bench_net_name(int i)
{
    return bench_embedded_nets[i].name;
}

const char *bench_net_text(int i)
{
    return bench_embedded_nets[i].text;
}

int bench_net_find(const char *name)
{
    for (int i = 0; i < bench_net_count(); i++)
        if (!strcmp(name, bench_net_name(i)))
            return i;
    return -1;
}
