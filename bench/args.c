/* clconv-bench argument parsing: one table of options, strict numbers, one
 * clear line per mistake. */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "auto_report.h"
#include "presets.h"
#include "shapes.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The parser's state beside the options: the problem flags, applied over
 * each preset at the end, and the presets asked for. */
struct bench_parse {
    bench_options *opt;
    clconv_problem custom;
    unsigned set_mask; /* bit `value` of each problem flag given */
    int any_algo;
    int preset_count;
    int preset_ids[BENCH_MAX_PROBLEMS];
    int net; /* --net's index, -1 */
};
typedef struct bench_parse bench_parse;

int bench_usage_error(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
    return 2;
}

static int parse_int(const char *s, int *out)
{
    if (!s || !*s)
        return 0;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < INT_MIN || v > INT_MAX)
        return 0;
    *out = (int)v;
    return 1;
}

/* "A" or "AxB"; one number sets both. */
static int parse_pair(const char *s, int *a, int *b)
{
    if (!s || !*s)
        return 0;
    const char *x = strchr(s, 'x');
    if (!x)
        return parse_int(s, a) && (*b = *a, 1);
    char first[32];
    size_t n = (size_t)(x - s);
    if (n == 0 || n >= sizeof first)
        return 0;
    memcpy(first, s, n);
    first[n] = '\0';
    return parse_int(first, a) && parse_int(x + 1, b);
}

static int parse_double(const char *s, double *out)
{
    if (!s || !*s)
        return 0;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

static int *opt_int(bench_parse *ps, const bench_option *o)
{
    return (int *)((char *)ps->opt + o->field);
}

static int *problem_int(bench_parse *ps, const bench_option *o)
{
    return (int *)((char *)&ps->custom + o->field);
}

/* ---- setters ---- */

static int set_switch(bench_parse *ps, const bench_option *o, const char *val, char *err,
                      size_t es)
{
    (void)val, (void)err, (void)es;
    *opt_int(ps, o) = o->value;
    return 0;
}

static int set_index(bench_parse *ps, const bench_option *o, const char *val, char *err,
                     size_t es)
{
    int v;
    if (!parse_int(val, &v) || v < 0)
        return bench_usage_error(err, es, "%s '%.60s': expected an index >= 0", o->name, val);
    *opt_int(ps, o) = v;
    return 0;
}

/* --iters, --warmup: value is the least allowed. */
static int set_count(bench_parse *ps, const bench_option *o, const char *val, char *err,
                     size_t es)
{
    int v;
    if (!parse_int(val, &v) || v < o->value || v > 1000000)
        return bench_usage_error(err, es, "%s '%.60s': expected an integer %d..1000000", o->name,
                                 val, o->value);
    *opt_int(ps, o) = v;
    return 0;
}

/* --out, --out-dir, --device-name: a non-empty text, kept as given. */
static int set_text(bench_parse *ps, const bench_option *o, const char *val, char *err,
                    size_t es)
{
    if (!*val)
        return bench_usage_error(err, es, "%s needs %s", o->name,
                                 o->value == 'd'   ? "a directory name"
                                 : o->value == 'n' ? "a non-empty name"
                                                   : "a file name");
    *(const char **)((char *)ps->opt + o->field) = val;
    return 0;
}

/* One of the library's named lists (the FFT and GEMM backends, the auto
 * modes): an option takes a name the library's own lookup accepts, and
 * --help lists them all. */
typedef struct enum_names {
    int count;
    const char *(*name)(int i);
    clconv_status (*from_name)(const char *name, int *out);
} enum_names;

static const char *fft_backend_at(int i)
{
    return clconv_fft_backend_name((clconv_fft_backend)i);
}

static clconv_status fft_backend_parse(const char *name, int *out)
{
    clconv_fft_backend b;
    clconv_status st = clconv_fft_backend_from_name(name, &b);
    *out = (int)b;
    return st;
}

static const char *gemm_backend_at(int i)
{
    return clconv_gemm_backend_name((clconv_gemm_backend)i);
}

static clconv_status gemm_backend_parse(const char *name, int *out)
{
    clconv_gemm_backend b;
    clconv_status st = clconv_gemm_backend_from_name(name, &b);
    *out = (int)b;
    return st;
}

static const char *auto_mode_at(int i)
{
    return clconv_auto_mode_name((clconv_auto_mode)i);
}

static clconv_status auto_mode_parse(const char *name, int *out)
{
    clconv_auto_mode m;
    clconv_status st = clconv_auto_mode_from_name(name, &m);
    *out = (int)m;
    return st;
}

static const enum_names fft_backends = {CLCONV_FFT_BACKEND_COUNT, fft_backend_at,
                                        fft_backend_parse};
static const enum_names gemm_backends = {CLCONV_GEMM_BACKEND_COUNT, gemm_backend_at,
                                         gemm_backend_parse};
static const enum_names auto_modes = {CLCONV_AUTO_MODE_COUNT, auto_mode_at, auto_mode_parse};

/* "a | b | c" into out[cap]. */
static void list_names(const enum_names *l, char *out, size_t cap)
{
    out[0] = '\0';
    for (int i = 0; i < l->count; i++)
        snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? " | " : "", l->name(i));
}

/* Sets the option's field (one of the library's enums) to val's value. */
static int set_from_list(bench_parse *ps, const bench_option *o, const char *val, char *err,
                         size_t es, const enum_names *l)
{
    int v;
    if (l->from_name(val, &v) == CLCONV_SUCCESS) {
        *(int *)((char *)ps->opt + o->field) = v;
        return 0;
    }
    char names[160];
    list_names(l, names, sizeof names);
    return bench_usage_error(err, es, "%s '%.60s': expected %s", o->name, val, names);
}

static void print_list(FILE *f, const char *indent, const enum_names *l)
{
    char names[160];
    list_names(l, names, sizeof names);
    fprintf(f, "%s%s\n", indent, names);
}

static int set_fft_backend(bench_parse *ps, const bench_option *o, const char *val, char *err,
                           size_t es)
{
    return set_from_list(ps, o, val, err, es, &fft_backends);
}

static void fft_backend_values(FILE *f, const char *indent)
{
    print_list(f, indent, &fft_backends);
}

static int set_gemm_backend(bench_parse *ps, const bench_option *o, const char *val, char *err,
                            size_t es)
{
    return set_from_list(ps, o, val, err, es, &gemm_backends);
}

static void gemm_backend_values(FILE *f, const char *indent)
{
    print_list(f, indent, &gemm_backends);
}

static int set_auto_mode(bench_parse *ps, const bench_option *o, const char *val, char *err,
                         size_t es)
{
    return set_from_list(ps, o, val, err, es, &auto_modes);
}

static void auto_mode_values(FILE *f, const char *indent)
{
    print_list(f, indent, &auto_modes);
}

/* --batch and the other sizes: value is the flag's bit in set_mask. */
static int set_size(bench_parse *ps, const bench_option *o, const char *val, char *err,
                    size_t es)
{
    if (!parse_int(val, problem_int(ps, o)))
        return bench_usage_error(err, es, "%s '%.60s': expected an integer", o->name, val);
    ps->set_mask |= 1u << o->value;
    return 0;
}

/* --kernel and the other pairs: field is the _h member; _w follows it. */
static int set_pair(bench_parse *ps, const bench_option *o, const char *val, char *err,
                    size_t es)
{
    int *hw = problem_int(ps, o);
    if (!parse_pair(val, &hw[0], &hw[1]))
        return bench_usage_error(err, es, "%s '%.60s': expected N or HxW (integers)", o->name, val);
    ps->set_mask |= 1u << o->value;
    return 0;
}
/* --pad: P, HxW (each side alike) or T,B,L,R (top, bottom, left, right). */
static int set_pad(bench_parse *ps, const bench_option *o, const char *val, char *err,
                   size_t es)
{
    clconv_problem *p = &ps->custom;
    int v[4], n = 0;
    if (strchr(val, ',')) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s", val);
        for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            if (n == 4 || !parse_int(t, &v[n])) {
                n = -1; /* a fifth value, or not a number */
                break;
            }
            n++;
        }
        if (n != 4 || strlen(val) >= sizeof buf)
            return bench_usage_error(err, es, "%s '%.60s': expected P, HxW or T,B,L,R (integers)",
                                     o->name, val);
        p->pad_h = v[0], p->pad_bottom = v[1], p->pad_w = v[2], p->pad_right = v[3];
    } else {
        if (!parse_pair(val, &p->pad_h, &p->pad_w))
            return bench_usage_error(err, es, "%s '%.60s': expected P, HxW or T,B,L,R (integers)",
                                     o->name, val);
        p->pad_bottom = p->pad_right = CLCONV_PAD_SYMMETRIC;
    }
    ps->set_mask |= 1u << o->value;
    return 0;
}

/* The bit --depthwise takes in set_mask (after the size and pair flags'). */
enum { DEPTHWISE_BIT = 10 };

/* --depthwise: groups = in_channels, whatever the channels end up as. */
static int set_depthwise(bench_parse *ps, const bench_option *o, const char *val, char *err,
                         size_t es)
{
    (void)o, (void)val, (void)err, (void)es;
    ps->set_mask |= 1u << DEPTHWISE_BIT;
    return 0;
}

_Static_assert(offsetof(clconv_problem, kernel_w) == offsetof(clconv_problem, kernel_h) + sizeof(int) &&
               offsetof(clconv_problem, stride_w) == offsetof(clconv_problem, stride_h) + sizeof(int) &&
               offsetof(clconv_problem, pad_w) == offsetof(clconv_problem, pad_h) + sizeof(int) &&
               offsetof(clconv_problem, dilation_w) == offsetof(clconv_problem, dilation_h) + sizeof(int),
               "set_pair writes _h then _w");

/* "a, b or c" from a list of names. */
static void name_list(char *buf, size_t size, int n, const char *(*name)(int))
{
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", i == 0 ? "" : i + 1 < n ? ", " : " or ",
                 name(i));
    }
}

static const char *row_name(int i)
{
    return bench_row(i)->name;
}

static int set_problem(bench_parse *ps, const bench_option *o, const char *val, char *err,
                       size_t es)
{
    (void)o;
    int id = bench_preset_find(val);
    if (id < 0) {
        char names[256];
        name_list(names, sizeof names, bench_preset_count(), bench_preset_name);
        return bench_usage_error(err, es, "unknown --problem '%.60s': expected %s", val, names);
    }
    if (ps->preset_count == BENCH_MAX_PROBLEMS)
        return bench_usage_error(err, es, "too many --problem flags (at most %d)",
                                 BENCH_MAX_PROBLEMS);
    ps->preset_ids[ps->preset_count++] = id;
    return 0;
}

static void net_values(FILE *f, const char *indent)
{
    fputs(indent, f);
    for (int i = 0; i < bench_net_count(); i++)
        fprintf(f, "%s%s%s", i ? (i % 5 ? " | " : "\n") : "", i && i % 5 == 0 ? indent : "",
                bench_net_name(i));
    fputc('\n', f);
}

static int set_net(bench_parse *ps, const bench_option *o, const char *val, char *err,
                   size_t es)
{
    (void)o;
    ps->net = bench_net_find(val);
    if (ps->net < 0) {
        char names[512];
        name_list(names, sizeof names, bench_net_count(), bench_net_name);
        return bench_usage_error(err, es, "unknown --net '%.60s': expected %s (or --shapes FILE)",
                                 val, names);
    }
    return 0;
}

static int set_algo(bench_parse *ps, const bench_option *o, const char *val, char *err,
                    size_t es)
{
    (void)o;
    int k = bench_row_find(val);
    if (!strcmp(val, "all")) {
        for (int i = 0; i < bench_row_count(); i++)
            ps->opt->row_enabled[i] = 1;
    } else if (k >= 0) {
        ps->opt->row_enabled[k] = 1;
    } else {
        char names[512];
        name_list(names, sizeof names, bench_row_count(), row_name);
        return bench_usage_error(err, es, "unknown --algo '%.60s': expected %s, or all", val,
                                 names);
    }
    ps->any_algo = 1;
    return 0;
}

/* --min-time: seconds of measured time per row, 0.001..3600. */
static int set_min_time(bench_parse *ps, const bench_option *o, const char *val, char *err,
                        size_t es)
{
    double v;
    if (!parse_double(val, &v) || v < 0.001 || v > 3600)
        return bench_usage_error(err, es, "%s '%.60s': expected seconds in 0.001..3600", o->name,
                                 val);
    ps->opt->min_time_s = v;
    ps->opt->iters = 0; /* the last of --iters and --min-time wins */
    return 0;
}

/* --max-time: seconds of measured time after which a row stops, even below
 * the minimum run count; 0 (the default) means twice --min-time. */
static int set_max_time(bench_parse *ps, const bench_option *o, const char *val, char *err,
                        size_t es)
{
    double v;
    if (!parse_double(val, &v) || v < 0.001 || v > 36000)
        return bench_usage_error(err, es, "%s '%.60s': expected seconds in 0.001..36000", o->name,
                                 val);
    ps->opt->max_time_s = v;
    ps->opt->iters = 0;
    return 0;
}

/* --auto-report-max-flops: a FLOP count >= 1 (3e9 and 3000000000 alike). */
static int set_flops(bench_parse *ps, const bench_option *o, const char *val, char *err,
                     size_t es)
{
    double v;
    if (!parse_double(val, &v) || v < 1)
        return bench_usage_error(err, es, "%s '%.60s': expected a FLOP count >= 1 (e.g. 3e9)",
                                 o->name, val);
    *(double *)((char *)ps->opt + o->field) = v;
    return 0;
}

static int set_tolerance(bench_parse *ps, const bench_option *o, const char *val, char *err,
                         size_t es)
{
    (void)o;
    if (!parse_double(val, &ps->opt->tolerance) || ps->opt->tolerance <= 0)
        return bench_usage_error(err, es, "--tolerance '%.60s': expected a finite number > 0", val);
    return 0;
}

/* --activation NAME[:P[,P]]: the parameters the activation takes, no more
 * and no fewer (clamp:LO,HI, leaky_relu:SLOPE); the library names a bad one. */
static int set_activation(bench_parse *ps, const bench_option *o, const char *val, char *err,
                          size_t es)
{
    (void)o;
    clconv_epilogue *e = &ps->opt->epilogue;
    char name[32];
    const char *colon = strchr(val, ':');
    size_t n = colon ? (size_t)(colon - val) : strlen(val);
    if (n >= sizeof name)
        n = sizeof name - 1;
    memcpy(name, val, n);
    name[n] = '\0';
    clconv_activation a;
    if (clconv_activation_from_name(name, &a) != CLCONV_SUCCESS)
        return bench_usage_error(err, es, "--activation '%.60s': %s", val, clconv_last_error(NULL));
    const int want = clconv_activation_param_count(a);
    int got = 0;
    for (const char *s = colon; s && got < 3; got++) {
        char *end;
        double v = strtod(s + 1, &end);
        if (end == s + 1 || (*end && *end != ','))
            return bench_usage_error(err, es, "--activation '%.60s': parameter %d is not a number",
                                     val, got + 1);
        if (got < 2)
            e->activation_params[got] = (float)v;
        s = *end ? end : NULL;
    }
    if (got != want)
        return bench_usage_error(err, es,
                                 "--activation '%.60s': %s takes %d parameter%s (%s), got %d", val,
                                 name, want, want == 1 ? "" : "s",
                                 a == CLCONV_ACTIVATION_CLAMP        ? "clamp:LO,HI"
                                 : a == CLCONV_ACTIVATION_LEAKY_RELU ? "leaky_relu:SLOPE"
                                                                     : "none",
                                 got);
    e->activation = a;
    if (clconv_epilogue_validate(e) != CLCONV_SUCCESS)
        return bench_usage_error(err, es, "--activation '%.60s': %s", val, clconv_last_error(NULL));
    return 0;
}

static void activation_values(FILE *f, const char *indent)
{
    fprintf(f, "%s", indent);
    for (int i = 0; i < CLCONV_ACTIVATION_COUNT; i++)
        fprintf(f, "%s%s", i ? " | " : "", clconv_activation_name((clconv_activation)i));
    fprintf(f, "\n");
}

/* --alpha X, --beta X: a float of the epilogue (field: its offset). */
static int set_scale(bench_parse *ps, const bench_option *o, const char *val, char *err,
                     size_t es)
{
    double v;
    if (!parse_double(val, &v))
        return bench_usage_error(err, es, "%s '%.60s': expected a finite number", o->name, val);
    *(float *)((char *)ps->opt + o->field) = (float)v;
    return 0;
}

static int set_seed(bench_parse *ps, const bench_option *o, const char *val, char *err,
                    size_t es)
{
    (void)o;
    int v;
    if (!parse_int(val, &v) || v < 0)
        return bench_usage_error(err, es, "--seed '%.60s': expected an integer >= 0", val);
    ps->opt->seed = (unsigned)v;
    return 0;
}

static int set_format(bench_parse *ps, const bench_option *o, const char *val, char *err,
                      size_t es)
{
    (void)o;
    static const char *const names[] = {[FORMAT_TABLE] = "table", [FORMAT_CSV] = "csv",
                                        [FORMAT_JSON] = "json"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(val, names[i])) {
            ps->opt->format = (bench_format)i;
            return 0;
        }
    return bench_usage_error(err, es, "unknown --format '%.60s': expected table, csv or json", val);
}

/* --devices all | P:D[,P:D...] */
static int set_devices(bench_parse *ps, const bench_option *o, const char *val, char *err,
                       size_t es)
{
    (void)o;
    bench_options *opt = ps->opt;
    if (!strcmp(val, "all")) {
        opt->devices_all = 1;
        return 0;
    }
    const char *s = val;
    while (*s) {
        char item[32];
        size_t n = strcspn(s, ",");
        const char *colon = memchr(s, ':', n);
        if (n == 0 || n >= sizeof item || !colon)
            return bench_usage_error(err, es, "--devices '%.60s': expected all or P:D[,P:D...]",
                                     val);
        memcpy(item, s, n);
        item[n] = '\0';
        item[colon - s] = '\0';
        int p, d;
        if (!parse_int(item, &p) || !parse_int(item + (colon - s) + 1, &d) || p < 0 || d < 0)
            return bench_usage_error(err, es,
                                     "--devices '%.60s': expected all or P:D[,P:D...] with "
                                     "indexes >= 0",
                                     val);
        if (opt->device_count == BENCH_MAX_DEVICES)
            return bench_usage_error(err, es, "--devices: at most %d devices", BENCH_MAX_DEVICES);
        for (int i = 0; i < opt->device_count; i++)
            if (opt->device_ids[i][0] == p && opt->device_ids[i][1] == d)
                return bench_usage_error(err, es, "--devices names %d:%d more than once", p, d);
        opt->device_ids[opt->device_count][0] = p;
        opt->device_ids[opt->device_count][1] = d;
        opt->device_count++;
        s += n;
        if (*s == ',' && !*++s)
            return bench_usage_error(err, es, "--devices '%.60s': trailing comma", val);
    }
    return 0;
}

/* --sweep kernel|channels|batch=A:B[:STEP] */
static int set_sweep(bench_parse *ps, const bench_option *o, const char *val, char *err,
                     size_t es)
{
    (void)o;
    bench_options *opt = ps->opt;
    static const char *const params[] = {"kernel", "channels", "batch"};
    const char *eq = strchr(val, '=');
    opt->sweep_param = NULL; /* a later --sweep replaces an earlier one */
    for (int i = 0; eq && i < 3; i++)
        if ((size_t)(eq - val) == strlen(params[i]) && !strncmp(val, params[i], strlen(params[i])))
            opt->sweep_param = params[i];
    if (!opt->sweep_param)
        return bench_usage_error(err, es,
                                 "--sweep '%.60s': expected kernel=A:B, channels=A:B or batch=A:B "
                                 "(optionally :STEP)",
                                 val);
    char range[64];
    snprintf(range, sizeof range, "%.63s", eq + 1);
    char *c1 = strchr(range, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    opt->sweep_step = 1;
    if (c1)
        *c1 = '\0';
    if (c2)
        *c2 = '\0';
    if (!c1 || !parse_int(range, &opt->sweep_from) || !parse_int(c1 + 1, &opt->sweep_to) ||
        (c2 && !parse_int(c2 + 1, &opt->sweep_step)))
        return bench_usage_error(err, es, "--sweep '%.60s': expected %s=A:B[:STEP] with integers",
                                 val, opt->sweep_param);
    if (opt->sweep_from < 1 || opt->sweep_to < opt->sweep_from || opt->sweep_step < 1)
        return bench_usage_error(err, es, "--sweep '%.60s': expected 1 <= A <= B and STEP >= 1",
                                 val);
    long points = ((long)opt->sweep_to - opt->sweep_from) / opt->sweep_step + 1;
    if (points > BENCH_MAX_PROBLEMS)
        return bench_usage_error(err, es, "--sweep '%.60s': %ld points; at most %d", val, points,
                                 BENCH_MAX_PROBLEMS);
    return 0;
}

/* ---- the allowed values printed under an option's help ---- */

static void preset_values(FILE *f, const char *indent)
{
    fputs(indent, f);
    for (int i = 0; i < bench_preset_count(); i++)
        fprintf(f, "%s%s", i ? " | " : "", bench_preset_name(i));
    fputc('\n', f);
}

static void row_values(FILE *f, const char *indent)
{
    for (int i = 0; i < bench_row_count(); i++)
        fprintf(f, "%s  %-18s %s\n", indent, bench_row(i)->name, bench_row(i)->about);
    fprintf(f, "%s  %-18s %s\n", indent, "all", "every row above (the default)");
}

/* ---- the table ---- */

#define OPT(member) offsetof(bench_options, member)
#define PROB(member) offsetof(clconv_problem, member)
#define HEADING(text) {NULL, NULL, text, NULL, 0, 0, NULL}

const bench_option bench_option_table[] = {
    HEADING("device:"),
    {"--list", NULL, "list every platform and device, then exit", set_switch, OPT(list), 1, NULL},
    {"--platform", "P", "choose the platform by index (as `clinfo -l` numbers them)",
     set_index, OPT(selector.platform_index), 0, NULL},
    {"--device", "D", "choose the device of that platform by index", set_index,
     OPT(selector.device_index), 0, NULL},
    {"--devices", "all|P:D,...", "run the same problems on each of these devices: one table\n"
     "with a column group per device and the ratio to the first", set_devices, 0, 0, NULL},
    {"--device-name", "S", "choose the first device whose platform, name or vendor\n"
     "contains S (case-insensitive), e.g. pocl, rusticl\n"
     "(default: $CLCONV_DEVICE as P:D or a name, else the first)", set_text,
     OPT(selector.name_substring), 'n', NULL},
    HEADING("problem (flags override the --problem preset; default 1 for sizes):"),
    {"--problem", "NAME", "a preset problem (repeatable):", set_problem, 0, 0, preset_values},
    {"--batch", "N", "images per run", set_size, PROB(batch), 0, NULL},
    {"--in-channels", "C", "input channels", set_size, PROB(in_channels), 1, NULL},
    {"--height", "H", "input height", set_size, PROB(height), 2, NULL},
    {"--width", "W", "input width", set_size, PROB(width), 3, NULL},
    {"--out-channels", "K", "output channels", set_size, PROB(out_channels), 4, NULL},
    {"--kernel", "KH[xKW]", "kernel size", set_pair, PROB(kernel_h), 5, NULL},
    {"--stride", "S[xS]", "stride", set_pair, PROB(stride_h), 6, NULL},
    {"--pad", "P|HxW|T,B,L,R", "zero padding: each side alike, or top, bottom, left,\n"
     "right", set_pad, PROB(pad_h), 7, NULL},
    {"--dilation", "D[xD]", "kernel dilation", set_pair, PROB(dilation_h), 8, NULL},
    {"--groups", "G", "channel groups (PyTorch's groups): C_in and C_out both\n"
     "multiples of G, each output channel reading its group's", set_size, PROB(groups), 9,
     NULL},
    {"--depthwise", NULL, "groups = in channels (a depthwise convolution; out\n"
     "channels a multiple: the depth multiplier)", set_depthwise, 0, DEPTHWISE_BIT, NULL},
    {"--net", "NAME", "every distinct conv layer of a network (torchvision's\n"
     "architecture, bench/nets/NAME.txt), each run once, then\n"
     "the network's total weighted by layer counts (rows:\n"
     "auto unless --algo; --batch sets the images):", set_net, 0, 0, net_values},
    {"--shapes", "FILE", "the same for a problem file: benchdnn's conv descriptors,\n"
     "one a line (docs/bench.md)", set_text, OPT(shapes_path), 'f', NULL},
    {"--sweep", "P=A:B[:STEP]", "a series over P = kernel (KxK), channels (C_in = C_out)\n"
     "or batch, on the problem above (default seed-k3); the\n"
     "answer names where each algorithm starts to win", set_sweep, 0, 0, NULL},
    HEADING("run:"),
    {"--algo", "NAME", "a row to run (repeatable; default all):", set_algo, 0, 0, row_values},
    {"--auto-mode", "MODE", "how the auto row chooses (default predict): rank the\n"
     "algorithms by the roofline and the efficiencies earlier\n"
     "finds recorded (no trial runs), or find: time each one\n"
     "once here and store the winner in the performance\n"
     "database, where later runs find it; either takes a\n"
     "stored find first:", set_auto_mode, OPT(plan_options.auto_mode), 0, auto_mode_values},
    {"--iters", "N", "exactly N timed runs (default: by --min-time)", set_count, OPT(iters), 1,
     NULL},
    {"--min-time", "S", "timed runs until S seconds of measured time and at least\n"
     "5 runs, at most 1000 (default 0.5)", set_min_time, 0, 0, NULL},
    {"--max-time", "S", "stop a row's timed runs at S seconds of measured time,\n"
     "even below 5 runs (default twice --min-time)", set_max_time, 0, 0, NULL},
    {"--warmup", "N", "untimed runs before timing, the verifying run counted as\n"
     "the first (default 1)", set_count, OPT(warmup), 0, NULL},
    {"--verify", NULL, "compare with the reference before timing (default)", set_switch,
     OPT(verify), 1, NULL},
    {"--no-verify", NULL, "time without comparing", set_switch, OPT(verify), 0, NULL},
    {"--tolerance", "X", "max relative L2 error ||out-ref||/||ref|| (default 1e-4)",
     set_tolerance, 0, 0, NULL},
    {"--seed", "N", "seed for the random input and weights, and for\n"
     "--auto-report's random problems (default 1)", set_seed, 0, 0, NULL},
    {"--no-cache", NULL, "compile kernels from source (cold build time); the\n"
     "peaks are measured again too", set_switch, OPT(no_cache), 1, NULL},
    {"--peaks", NULL, "measure (or read the cached) device peaks first (default)", set_switch,
     OPT(peaks), 1, NULL},
    {"--no-peaks", NULL, "skip the device peaks (streaming bandwidth, FMA rate,\n"
     "SGEMM rate; measured once per device and driver, then\n"
     "cached): rows then carry no roofline fields", set_switch, OPT(peaks), 0, NULL},
    {"--remeasure", NULL, "measure the peaks again instead of reading the cache", set_switch,
     OPT(remeasure), 1, NULL},
    {"--fft-backend", "NAME", "the library computing the FFT rows' transforms (default:\n"
     "per plan, the first of clconv's default order that\n"
     "takes the planes; the row names the one it ran):", set_fft_backend,
     OPT(plan_options.fft_backend), 0, fft_backend_values},
    {"--gemm-backend", "NAME", "the GEMM of the im2col-gemm and fft-cgemm rows (default:\n"
     "the fastest measured on this kind of device, clconv's own\n"
     "kernels):", set_gemm_backend,
     OPT(plan_options.gemm_backend), 0, gemm_backend_values},
    {"--tune", NULL, "tune each row's kernel on this device first: time its\n"
     "candidate tiles (a GEMM row: its GEMM backend's own\n"
     "parameters), keep the fastest that matches the\n"
     "reference and store it in the performance database,\n"
     "where later runs find it (the params line says which)", set_switch,
     OPT(plan_options.tune), 1, NULL},
    {"--params", "TEXT", "run each tunable kernel with these parameters, as the\n"
     "params line prints them (e.g. \"vec=8 ocv=1 pix=5 lx=0 ly=0\")", set_text,
     OPT(plan_options.params), 'n', NULL},
    HEADING("epilogue (every clconv row; y = act(alpha * conv + bias + beta * z)):"),
    {"--activation", "NAME[:P,..]", "the activation the last stage applies (default none);\n"
     "clamp:LO,HI and leaky_relu:SLOPE take parameters:", set_activation, 0, 0,
     activation_values},
    {"--alpha", "X", "scale of the convolution (default 1)", set_scale, OPT(epilogue.alpha), 0,
     NULL},
    {"--residual", NULL, "add a residual z of the output's shape (random data),\n"
     "read in the last stage", set_switch, OPT(epilogue.residual), 1, NULL},
    {"--beta", "X", "scale of the residual (default 1)", set_scale, OPT(epilogue.beta), 0,
     NULL},
    {"--gemm-baseline", NULL, "beside each im2col-gemm row, time a bare SGEMM of its\n"
     "GEMM stage's shape with the same backend (clconv_measure_gemm)", set_switch,
     OPT(gemm_baseline), 1, NULL},
    {"--verbose", NULL, "show the OpenCL compiler's own messages (sets\n"
     "CLCONV_VERBOSE=1)", set_switch, OPT(verbose), 1, NULL},
    HEADING("auto report (how well --auto-mode predict chooses here):"),
    {"--auto-report", NULL, "check predict mode: on each of its problems (the\n"
     "presets, then random ones) predict the fastest algorithm\n"
     "before anything runs there, then run every algorithm row\n"
     "(each verified time teaches later predictions); a line\n"
     "per problem and the answer compare the predicted winner\n"
     "with the fastest row: regret = its time / the fastest's.\n"
     "With --net or --shapes: the network's layers instead, and\n"
     "the regret weighted by the layers' counts.\n"
     "Refuses --problem, --sweep, problem flags, --algo,\n"
     "--no-verify, --no-peaks and --auto-mode find", set_switch, OPT(auto_report), 1, NULL},
    {"--auto-report-random", "N", "random problems after the presets (default 20), from\n"
     "--seed: square kernel 1..15, stride 1..3, pad 0..kernel/2,\n"
     "C_in and C_out 1..512, batch 1..8, H and W kernel+2..48",
     set_count, OPT(auto_report_random), 0, NULL},
    {"--auto-report-max-flops", "F", "halve a random problem's C_in (then C_out) while one\n"
     "image's FLOPs, 2*C_in*C_out*KH*KW*OH*OW, exceed F (default\n"
     "3e9), so the reference check stays cheap", set_flops, OPT(auto_report_max_flops), 0,
     NULL},
    {"--auto-report-no-presets", NULL, "the random problems only (the presets take minutes on\n"
     "a slow device)", set_switch, OPT(auto_report_presets), 0, NULL},
    HEADING("output:"),
    {"--format", "table|csv|json", "how to write the report (default table)", set_format, 0, 0, NULL},
    {"--out", "FILE", "write the report to FILE (only when the run succeeds)", set_text,
     OPT(out_path), 'f', NULL},
    {"--out-dir", "DIR", "also write one JSON document per device into DIR (for\n"
     "bench/report.py)", set_text, OPT(out_dir), 'd', NULL},
    {"--describe", NULL, "print as JSON, with no device: clconv's algorithms (key\n"
     "\"algorithms\": name, summary, stages; scripts such as\n"
     "tests/oclgrind/run.py read it), every row (\"rows\"), the\n"
     "presets and the problems the flags above make, each with\n"
     "its sizes and per-row cost by stage, and these options;\n"
     "then exit",
     set_switch, OPT(describe), 1, NULL},
    {"--help", NULL, "this text", set_switch, OPT(help), 1, NULL},
    {"-h", NULL, "the same", set_switch, OPT(help), 1, NULL},
};
const int bench_option_count = sizeof bench_option_table / sizeof bench_option_table[0];

static const bench_option *find_option(const char *name)
{
    for (int i = 0; i < bench_option_count; i++)
        if (bench_option_table[i].name && !strcmp(bench_option_table[i].name, name))
            return &bench_option_table[i];
    return NULL;
}

/* ---- usage ---- */

#define HELP_COLUMN 25

void bench_print_usage(FILE *f)
{
    fputs("usage: clconv-bench [options]\n"
          "\n"
          "Runs 2D convolution (NCHW float32 cross-correlation, as PyTorch's conv2d) on an\n"
          "OpenCL device, verifies it against a double-precision CPU reference and times it.\n"
          "With no problem flags it runs the preset problems.\n", f);
    char indent[HELP_COLUMN + 1];
    memset(indent, ' ', HELP_COLUMN);
    indent[HELP_COLUMN] = '\0';
    for (int i = 0; i < bench_option_count; i++) {
        const bench_option *o = &bench_option_table[i];
        if (!o->name) {
            fprintf(f, "\n%s\n", o->help);
            continue;
        }
        char left[64];
        snprintf(left, sizeof left, "%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        const char *line = o->help;
        size_t n = strcspn(line, "\n");
        if (strlen(left) + 3 <= HELP_COLUMN)
            fprintf(f, "  %-*s%.*s\n", HELP_COLUMN - 2, left, (int)n, line);
        else
            fprintf(f, "  %s\n%s%.*s\n", left, indent, (int)n, line);
        while (line[n] == '\n') {
            line += n + 1;
            n = strcspn(line, "\n");
            fprintf(f, "%s%.*s\n", indent, (int)n, line);
        }
        if (o->values)
            o->values(f, indent);
    }
    fputs("\nexit status: 0 success, 1 run-time failure (incl. verification), 2 usage error\n", f);
}

/* ---- problems ---- */

/* The sweep's problems: the base problem with the parameter set to each value. */
static void expand_sweep(bench_options *opt)
{
    bench_problem base = opt->problems[0];
    int n = 0;
    for (int v = opt->sweep_from; v <= opt->sweep_to && n < BENCH_MAX_PROBLEMS;
         v += opt->sweep_step) {
        bench_problem *bp = &opt->problems[n++];
        *bp = base;
        if (!strcmp(opt->sweep_param, "kernel"))
            bp->p.kernel_h = bp->p.kernel_w = v;
        else if (!strcmp(opt->sweep_param, "channels")) {
            if (bp->p.groups > 1 && bp->p.groups == bp->p.in_channels)
                bp->p.groups = v; /* depthwise stays depthwise */
            bp->p.in_channels = bp->p.out_channels = v;
        }
        else
            bp->p.batch = v;
        snprintf(bp->name, sizeof bp->name, "%s=%d", opt->sweep_param, v);
        if (v > INT_MAX - opt->sweep_step)
            break;
    }
    opt->problem_count = n;
}

/* Each problem flag given, copied from the custom problem over p. */
static void apply_flags(const bench_parse *ps, clconv_problem *p)
{
    for (int i = 0; i < bench_option_count; i++) {
        const bench_option *o = &bench_option_table[i];
        int pair = o->set == set_pair || o->set == set_pad;
        if ((o->set == set_size || pair) && (ps->set_mask >> o->value & 1u))
            memcpy((char *)p + o->field, (const char *)&ps->custom + o->field,
                   (pair ? 2 : 1) * sizeof(int));
        if (o->set == set_pad && (ps->set_mask >> o->value & 1u))
            p->pad_bottom = ps->custom.pad_bottom, p->pad_right = ps->custom.pad_right;
    }
    if (ps->set_mask >> DEPTHWISE_BIT & 1u)
        p->groups = p->in_channels;
}

/* The problems: the presets asked for (all of them when nothing is), each
 * with the flags over it, or one "custom" problem of flags alone; then the
 * sweep over the first. --auto-report makes its own. */
static void make_problems(bench_parse *ps)
{
    bench_options *opt = ps->opt;
    if (opt->network[0])
        return; /* check_network made them (for --auto-report too) */
    if (opt->auto_report) {
        bench_auto_report_problems(opt);
        return;
    }
    if (ps->preset_count == 0 && !ps->set_mask) {
        int n = opt->sweep_param ? 1 : bench_preset_count(); /* a sweep runs over seed-k3 */
        for (int k = 0; k < n; k++)
            ps->preset_ids[ps->preset_count++] = k;
    }
    if (ps->preset_count == 0) {
        snprintf(opt->problems[0].name, sizeof opt->problems[0].name, "custom");
        opt->problems[0].p = ps->custom;
        apply_flags(ps, &opt->problems[0].p);
        opt->problem_count = 1;
    }
    for (int k = 0; k < ps->preset_count; k++) {
        bench_problem *bp = &opt->problems[k];
        bp->p = bench_preset_problem(ps->preset_ids[k]);
        snprintf(bp->name, sizeof bp->name, "%s%s", bench_preset_name(ps->preset_ids[k]),
                 ps->set_mask ? "+" : "");
        apply_flags(ps, &bp->p);
        opt->problem_count = k + 1;
    }
    if (opt->sweep_param)
        expand_sweep(opt);
}

/* ---- parse ---- */

/* --auto-report's details need it; it makes its own problems and runs every
 * algorithm row on them, so a flag that would change either is refused
 * rather than ignored. */
static int check_auto_report(bench_parse *ps, char *err, size_t es)
{
    bench_options *opt = ps->opt;
    if (!opt->auto_report) {
        const char *detail = opt->auto_report_random >= 0     ? "--auto-report-random"
                             : opt->auto_report_max_flops > 0 ? "--auto-report-max-flops"
                             : opt->auto_report_presets == 0  ? "--auto-report-no-presets"
                                                              : NULL;
        return detail ? bench_usage_error(err, es, "%s needs --auto-report", detail) : 0;
    }
    const int network = ps->net >= 0 || opt->shapes_path;
    if (ps->preset_count || (ps->set_mask && !network) || opt->sweep_param)
        return bench_usage_error(err, es,
                                 "--auto-report runs its own problems (the presets and "
                                 "--auto-report-random N random ones, or a network's layers "
                                 "with --net or --shapes): drop --problem, --sweep and the "
                                 "problem flags");
    if (network && (opt->auto_report_random >= 0 || opt->auto_report_presets == 0 ||
                    opt->auto_report_max_flops > 0))
        return bench_usage_error(err, es,
                                 "--auto-report with %s runs the network's layers alone: drop "
                                 "--auto-report-random, --auto-report-no-presets and "
                                 "--auto-report-max-flops",
                                 ps->net >= 0 ? "--net" : "--shapes");
    if (ps->any_algo)
        return bench_usage_error(err, es,
                                 "--auto-report runs every clconv algorithm row: drop --algo");
    if (!opt->verify)
        return bench_usage_error(err, es,
                                 "--auto-report compares verified times: drop --no-verify");
    if (!opt->peaks)
        return bench_usage_error(err, es,
                                 "--auto-report predicts from the device peaks: drop --no-peaks");
    if (opt->plan_options.auto_mode != CLCONV_AUTO_PREDICT)
        return bench_usage_error(err, es,
                                 "--auto-report checks --auto-mode predict (a find measures "
                                 "before it chooses): drop --auto-mode %s",
                                 clconv_auto_mode_name(opt->plan_options.auto_mode));
    if (opt->auto_report_presets < 0)
        opt->auto_report_presets = 1;
    if (opt->auto_report_random < 0)
        opt->auto_report_random = BENCH_AUTO_REPORT_RANDOM;
    if (opt->auto_report_max_flops <= 0)
        opt->auto_report_max_flops = BENCH_AUTO_REPORT_MAX_FLOPS;
    if (network)
        opt->auto_report_presets = opt->auto_report_random = 0;
    const int presets = opt->auto_report_presets ? bench_preset_count() : 0;
    if (opt->auto_report_random > BENCH_MAX_PROBLEMS - presets)
        return bench_usage_error(err, es,
                                 "--auto-report-random %d: at most %d (%d problems in all, the "
                                 "presets included)",
                                 opt->auto_report_random, BENCH_MAX_PROBLEMS - presets,
                                 BENCH_MAX_PROBLEMS);
    if (presets + opt->auto_report_random == 0 && !network)
        return bench_usage_error(err, es,
                                 "--auto-report-no-presets with --auto-report-random 0 leaves no "
                                 "problem");
    for (int k = 0; k < bench_row_count(); k++)
        opt->row_enabled[k] = bench_row(k)->algo >= 0 && bench_row(k)->algo < CLCONV_ALGO_COUNT;
    return 0;
}

/* The base name of a path, without its extension. */
static void base_name(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    const char *b = slash ? slash + 1 : path;
    const char *dot = strrchr(b, '.');
    snprintf(out, cap, "%.*s", (int)(dot && dot > b ? dot - b : (ptrdiff_t)strlen(b)), b);
}

/* A file's whole text, NUL-terminated (malloc'd), or NULL with err set. */
static char *read_text(const char *path, char *err, size_t es)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return bench_usage_error(err, es, "--shapes %s: cannot open: %s", path, strerror(errno)),
               NULL;
    char *text = NULL;
    size_t len = 0, cap = 0, got;
    do {
        if (len + 4096 + 1 > cap) {
            char *grown = cap < (1u << 24) ? realloc(text, cap = cap * 2 + 8192) : NULL;
            if (!grown) {
                free(text), fclose(f);
                return bench_usage_error(err, es, "--shapes %s: larger than 16 MB or out of memory",
                                         path),
                       NULL;
            }
            text = grown;
        }
        got = fread(text + len, 1, 4096, f);
        len += got;
    } while (got == 4096);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(text);
        return bench_usage_error(err, es, "--shapes %s: read error", path), NULL;
    }
    if (memchr(text, '\0', len)) {
        free(text);
        return bench_usage_error(err, es, "--shapes %s: not a text file (a NUL byte)", path), NULL;
    }
    text[len] = '\0';
    return text;
}

/* --net and --shapes: the network's distinct layers become the problems.
 * Only --batch may change them (benchdnn's mb); any other problem flag, a
 * preset, a sweep or --auto-report would run something the network does
 * not, so each is refused. */
static int check_network(bench_parse *ps, char *err, size_t es)
{
    bench_options *opt = ps->opt;
    if (ps->net < 0 && !opt->shapes_path)
        return 0;
    const char *flag = ps->net >= 0 ? "--net" : "--shapes";
    if (ps->net >= 0 && opt->shapes_path)
        return bench_usage_error(err, es, "--net and --shapes both name the layers: give one");
    if (ps->preset_count || opt->sweep_param)
        return bench_usage_error(err, es, "%s runs the network's own layers: drop %s", flag,
                                 ps->preset_count ? "--problem" : "--sweep");
    for (int i = 0; i < bench_option_count; i++) {
        const bench_option *o = &bench_option_table[i];
        if ((o->set == set_size || o->set == set_pair || o->set == set_pad ||
             o->set == set_depthwise) &&
            o->field != PROB(batch) && (ps->set_mask >> o->value & 1u))
            return bench_usage_error(err, es,
                                     "%s runs the network's own layers: drop %s (only --batch "
                                     "applies)",
                                     flag, o->name);
    }
    const int batch = ps->set_mask & 1u ? ps->custom.batch : 0;
    if (ps->set_mask & 1u && batch < 1)
        return bench_usage_error(err, es, "--batch %d: at least 1", batch);
    char *owned = NULL;
    const char *text;
    if (ps->net >= 0) {
        text = bench_net_text(ps->net);
        snprintf(opt->network, sizeof opt->network, "%s", bench_net_name(ps->net));
    } else {
        if (!(owned = read_text(opt->shapes_path, err, es)))
            return 2;
        text = owned;
        base_name(opt->shapes_path, opt->network, sizeof opt->network);
        if (!opt->network[0])
            snprintf(opt->network, sizeof opt->network, "shapes");
    }
    char source[96];
    snprintf(source, sizeof source, "%s", ps->net >= 0 ? opt->network : opt->shapes_path);
    int rc = bench_shapes_parse(text, source, batch, opt->problems, BENCH_MAX_PROBLEMS,
                                &opt->problem_count, err, es);
    free(owned);
    if (rc)
        return rc;
    opt->network_layers = 0;
    for (int i = 0; i < opt->problem_count; i++)
        opt->network_layers += opt->problems[i].count;
    /* a network's total is what auto runs it in, unless --algo says (or
     * --auto-report, which runs every algorithm row) */
    if (!ps->any_algo && !opt->auto_report)
        for (int k = 0; k < bench_row_count(); k++)
            opt->row_enabled[k] = bench_row(k)->algo == CLCONV_ALGO_AUTO;
    return 0;
}

int bench_parse_args(int argc, char **argv, bench_options *opt, char *err, size_t es)
{
    memset(opt, 0, sizeof *opt);
    clconv_device_selector_init(&opt->selector);
    clconv_plan_options_init(&opt->plan_options);
    clconv_epilogue_init(&opt->epilogue);
    opt->iters = 0;
    opt->min_time_s = 0.5;
    opt->min_runs = 5;
    opt->max_runs = 1000;
    opt->warmup = 1;
    opt->verify = 1;
    opt->tolerance = CLCONV_VERIFY_TOLERANCE;
    opt->seed = 1;
    opt->peaks = 1;
    opt->auto_report_random = opt->auto_report_presets = -1;
    err[0] = '\0';
    bench_parse ps = {.opt = opt, .net = -1};
    clconv_problem_init(&ps.custom);

    for (int i = 1; i < argc; i++) {
        char flag[64];
        const char *arg = argv[i];
        const char *val = NULL;
        const char *eq = strchr(arg, '=');
        const bench_option *o;
        /* "--flag=value" and "--flag value" both work for a flag that takes one */
        if (strncmp(arg, "--", 2) == 0 && eq) {
            size_t n = (size_t)(eq - arg);
            if (n >= sizeof flag)
                return bench_usage_error(err, es, "unknown option '%.60s'", arg);
            memcpy(flag, arg, n);
            flag[n] = '\0';
            val = eq + 1;
            o = find_option(flag);
            if (!o)
                return bench_usage_error(err, es, "unknown option '%.60s' (try --help)", arg);
            if (!o->arg)
                return bench_usage_error(err, es, "option '%s' takes no value (got '%.60s')", flag,
                                         val);
        } else {
            if (strlen(arg) >= sizeof flag)
                return bench_usage_error(err, es, "unknown option '%.60s...'", arg);
            o = find_option(arg);
            if (!o)
                return bench_usage_error(err, es, "unknown option '%.60s' (try --help)", arg);
            if (o->arg) {
                if (i + 1 >= argc)
                    return bench_usage_error(err, es, "option '%s' needs a value", arg);
                val = argv[++i];
            }
        }
        if (o->set(&ps, o, val, err, es))
            return 2;
    }

    if (!ps.any_algo)
        for (int k = 0; k < bench_row_count(); k++)
            opt->row_enabled[k] = 1;
    if (opt->devices_all || opt->device_count) {
        if (opt->selector.platform_index >= 0 || opt->selector.device_index >= 0 ||
            opt->selector.name_substring)
            return bench_usage_error(err, es,
                                     "--devices cannot be combined with --platform, --device or "
                                     "--device-name");
        if (opt->out_path && opt->format != FORMAT_TABLE)
            return bench_usage_error(err, es,
                                     "--devices with --format %s writes one document per device: "
                                     "use --out-dir DIR instead of --out",
                                     opt->format == FORMAT_JSON ? "json" : "csv");
    }
    if (!opt->max_time_s)
        opt->max_time_s = 2 * opt->min_time_s;
    else if (opt->max_time_s < opt->min_time_s)
        return bench_usage_error(err, es, "--max-time %g is below --min-time %g", opt->max_time_s,
                                 opt->min_time_s);
    if (opt->sweep_param && ps.preset_count > 1)
        return bench_usage_error(
            err, es, "--sweep runs a series over one problem: give at most one --problem");
    if (check_auto_report(&ps, err, es) || check_network(&ps, err, es))
        return 2;
    if (clconv_epilogue_validate(&opt->epilogue) != CLCONV_SUCCESS)
        return bench_usage_error(err, es, "%s", clconv_last_error(NULL));
    make_problems(&ps);
    for (int i = 0; i < opt->problem_count; i++)
        if (!opt->problems[i].count)
            opt->problems[i].count = 1;
    return 0;
}

const clconv_epilogue *bench_epilogue(const bench_options *opt)
{
    return clconv_epilogue_is_identity(&opt->epilogue) ? NULL : &opt->epilogue;
}

void bench_epilogue_text(const bench_options *opt, char *out, size_t cap)
{
    const clconv_epilogue *e = &opt->epilogue;
    const int params = clconv_activation_param_count(e->activation);
    size_t n;
    snprintf(out, cap, "%s", clconv_activation_name(e->activation));
    for (int i = 0; i < params; i++)
        n = strlen(out), snprintf(out + n, cap - n, "%s%g%s", i ? ", " : "(",
                                  (double)e->activation_params[i], i == params - 1 ? ")" : "");
    if (e->alpha != 1.0f)
        n = strlen(out), snprintf(out + n, cap - n, ", alpha %g", (double)e->alpha);
    if (e->residual)
        n = strlen(out), snprintf(out + n, cap - n, ", residual");
    if (e->residual && e->beta != 1.0f)
        n = strlen(out), snprintf(out + n, cap - n, " (beta %g)", (double)e->beta);
}
