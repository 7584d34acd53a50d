/* clconv-bench argument parsing: strict numbers, one clear line per mistake. */
#include "args.h"

#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The original benchmark's problems: input [1,256,32,60], 64 output channels. */
static const struct {
    const char *name;
    int kernel;
} presets[] = {{"seed-k3", 3}, {"seed-k5", 5}, {"seed-k16", 16}};
enum { PRESET_COUNT = sizeof presets / sizeof presets[0] };

static clconv_problem seed_problem(int k)
{
    clconv_problem p = clconv_problem_default();
    p.in_channels = 256;
    p.height = 32;
    p.width = 60;
    p.out_channels = 64;
    p.kernel_h = p.kernel_w = k;
    return p;
}

void bench_print_usage(void)
{
    puts("usage: clconv-bench [options]\n"
         "\n"
         "Runs 2D convolution (NCHW float32 cross-correlation, as PyTorch's conv2d) on an\n"
         "OpenCL device, verifies it against a double-precision CPU reference and times it.\n"
         "With no problem flags it runs the seed problems seed-k3, seed-k5, seed-k16.\n"
         "\n"
         "device:\n"
         "  --list                 list every platform and device, then exit\n"
         "  --platform P --device D  choose by index (as `clinfo -l` numbers them)\n"
         "  --devices all|P:D,...  run the same problems on each of these devices: one table\n"
         "                         with a column group per device and the ratio to the first\n"
         "  --device-name S        choose the first device whose platform, name or vendor\n"
         "                         contains S (case-insensitive), e.g. pocl, rusticl\n"
         "                         (default: $CLCONV_DEVICE as P:D or a name, else the first)\n"
         "problem (flags override the --problem preset; default 1 for sizes):\n"
         "  --problem NAME         seed-k3 | seed-k5 | seed-k16 (repeatable)\n"
         "  --batch N --in-channels C --height H --width W --out-channels K\n"
         "  --kernel KH[xKW] --stride S[xS] --pad P[xP] --dilation D[xD]\n"
         "  --sweep P=A:B[:STEP]   a series over P = kernel (KxK), channels (C_in = C_out)\n"
         "                         or batch, on the problem above (default seed-k3); the\n"
         "                         answer names where each algorithm starts to win\n"
         "run:\n"
         "  --algo NAME            direct | im2col-gemm | fft | fft-cgemm | clblast-convgemm\n"
         "                         (CLBlast's own convolution, a peer row) | pointwise (the\n"
         "                         seed's broadcast multiply, not a convolution) | all\n"
         "                         (default; repeatable)\n"
         "  --iters N              timed runs (default 20)\n"
         "  --warmup N             untimed runs first (default 3)\n"
         "  --verify / --no-verify compare with the reference before timing (default on)\n"
         "  --tolerance X          max relative L2 error ||out-ref||/||ref|| (default 1e-4)\n"
         "  --seed N               seed for the random input and weights (default 1)\n"
         "  --no-cache             compile kernels from source (cold build time); the\n"
         "                         peaks are measured again too\n"
         "  --no-peaks             skip the device peaks (streaming bandwidth, FMA rate,\n"
         "                         SGEMM rate; measured once per device and driver, then\n"
         "                         cached): rows then carry no roofline fields\n"
         "  --remeasure            measure the peaks again instead of reading the cache\n"
         "  --gemm-baseline        beside each im2col-gemm row, time a bare CLBlast SGEMM\n"
         "                         of its GEMM stage's shape\n"
         "output:\n"
         "  --format table|csv|json  (default table)\n"
         "  --out FILE             write the report to FILE (only when the run succeeds)\n"
         "  --out-dir DIR          also write one JSON document per device into DIR (for\n"
         "                         bench/report.py)\n"
         "  --help\n"
         "\n"
         "exit status: 0 success, 1 run-time failure (incl. verification), 2 usage error");
}

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t size, const char *fmt,
                                                      ...)
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

/* --devices all | P:D[,P:D...] */
static int parse_devices(const char *val, bench_options *opt, char *err, size_t es)
{
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
            return fail(err, es, "--devices '%.60s': expected all or P:D[,P:D...]", val);
        memcpy(item, s, n);
        item[n] = '\0';
        item[colon - s] = '\0';
        int p, d;
        if (!parse_int(item, &p) || !parse_int(item + (colon - s) + 1, &d) || p < 0 || d < 0)
            return fail(err, es, "--devices '%.60s': expected all or P:D[,P:D...] with "
                                 "indexes >= 0", val);
        if (opt->device_count == BENCH_MAX_DEVICES)
            return fail(err, es, "--devices: at most %d devices", BENCH_MAX_DEVICES);
        for (int i = 0; i < opt->device_count; i++)
            if (opt->device_ids[i][0] == p && opt->device_ids[i][1] == d)
                return fail(err, es, "--devices names %d:%d more than once", p, d);
        opt->device_ids[opt->device_count][0] = p;
        opt->device_ids[opt->device_count][1] = d;
        opt->device_count++;
        s += n;
        if (*s == ',' && !*++s)
            return fail(err, es, "--devices '%.60s': trailing comma", val);
    }
    return 0;
}

/* --sweep kernel|channels|batch=A:B[:STEP] */
static int parse_sweep(const char *val, bench_options *opt, char *err, size_t es)
{
    static const char *const params[] = {"kernel", "channels", "batch"};
    const char *eq = strchr(val, '=');
    opt->sweep_param = NULL; /* a later --sweep replaces an earlier one */
    for (int i = 0; eq && i < 3; i++)
        if ((size_t)(eq - val) == strlen(params[i]) && !strncmp(val, params[i], strlen(params[i])))
            opt->sweep_param = params[i];
    if (!opt->sweep_param)
        return fail(err, es, "--sweep '%.60s': expected kernel=A:B, channels=A:B or batch=A:B "
                             "(optionally :STEP)", val);
    char range[64];
    snprintf(range, sizeof range, "%s", eq + 1);
    char *c1 = strchr(range, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    opt->sweep_step = 1;
    if (c1)
        *c1 = '\0';
    if (c2)
        *c2 = '\0';
    if (!c1 || !parse_int(range, &opt->sweep_from) || !parse_int(c1 + 1, &opt->sweep_to) ||
        (c2 && !parse_int(c2 + 1, &opt->sweep_step)))
        return fail(err, es, "--sweep '%.60s': expected %s=A:B[:STEP] with integers", val,
                    opt->sweep_param);
    if (opt->sweep_from < 1 || opt->sweep_to < opt->sweep_from || opt->sweep_step < 1)
        return fail(err, es, "--sweep '%.60s': expected 1 <= A <= B and STEP >= 1", val);
    long points = ((long)opt->sweep_to - opt->sweep_from) / opt->sweep_step + 1;
    if (points > BENCH_MAX_PROBLEMS)
        return fail(err, es, "--sweep '%.60s': %ld points; at most %d", val, points,
                    BENCH_MAX_PROBLEMS);
    return 0;
}

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
        else if (!strcmp(opt->sweep_param, "channels"))
            bp->p.in_channels = bp->p.out_channels = v;
        else
            bp->p.batch = v;
        snprintf(bp->name, sizeof bp->name, "%s=%d", opt->sweep_param, v);
        if (v > INT_MAX - opt->sweep_step)
            break;
    }
    opt->problem_count = n;
}

static int find_preset(const char *name)
{
    for (int i = 0; i < PRESET_COUNT; i++)
        if (strcmp(name, presets[i].name) == 0)
            return i;
    return -1;
}

/* Flags that take a value, so "--flag=value" and "--flag value" both work. */
static const char *const valued[] = {
    "--platform", "--device", "--device-name", "--problem", "--batch", "--in-channels",
    "--height", "--width", "--out-channels", "--kernel", "--stride", "--pad", "--dilation",
    "--algo", "--iters", "--warmup", "--tolerance", "--format", "--out", "--seed", "--devices",
    "--out-dir", "--sweep"};

static int takes_value(const char *flag)
{
    for (size_t i = 0; i < sizeof valued / sizeof valued[0]; i++)
        if (strcmp(flag, valued[i]) == 0)
            return 1;
    return 0;
}

int bench_parse_args(int argc, char **argv, bench_options *opt, char *err, size_t es)
{
    memset(opt, 0, sizeof *opt);
    opt->selector.platform_index = opt->selector.device_index = -1;
    opt->iters = 20;
    opt->warmup = 3;
    opt->verify = 1;
    opt->tolerance = 1e-4;
    opt->seed = 1;
    opt->peaks = 1;
    err[0] = '\0';

    clconv_problem custom = clconv_problem_default();
    /* Which problem fields a flag set, to apply over each preset. */
    int set_batch = 0, set_cin = 0, set_h = 0, set_w = 0, set_cout = 0, set_k = 0, set_s = 0,
        set_p = 0, set_d = 0;
    int any_algo = 0;
    int preset_count = 0;
    int preset_ids[BENCH_MAX_PROBLEMS];

    for (int i = 1; i < argc; i++) {
        char flag[64];
        const char *arg = argv[i];
        const char *val = NULL;
        const char *eq = strchr(arg, '=');
        if (strncmp(arg, "--", 2) == 0 && eq) {
            size_t n = (size_t)(eq - arg);
            if (n >= sizeof flag)
                return fail(err, es, "unknown option '%.60s'", arg);
            memcpy(flag, arg, n);
            flag[n] = '\0';
            val = eq + 1;
            if (!takes_value(flag))
                return fail(err, es, "option '%s' takes no value (got '%.60s')", flag, val);
        } else {
            snprintf(flag, sizeof flag, "%s", arg);
            if (strlen(arg) >= sizeof flag)
                return fail(err, es, "unknown option '%.60s...'", arg);
            if (takes_value(flag)) {
                if (i + 1 >= argc)
                    return fail(err, es, "option '%s' needs a value", flag);
                val = argv[++i];
            }
        }

        if (!strcmp(flag, "--help") || !strcmp(flag, "-h")) {
            opt->help = 1;
        } else if (!strcmp(flag, "--list")) {
            opt->list = 1;
        } else if (!strcmp(flag, "--verify")) {
            opt->verify = 1;
        } else if (!strcmp(flag, "--no-verify")) {
            opt->verify = 0;
        } else if (!strcmp(flag, "--no-cache")) {
            opt->no_cache = 1;
        } else if (!strcmp(flag, "--peaks")) {
            opt->peaks = 1;
        } else if (!strcmp(flag, "--no-peaks")) {
            opt->peaks = 0;
        } else if (!strcmp(flag, "--remeasure")) {
            opt->remeasure = 1;
        } else if (!strcmp(flag, "--devices")) {
            if (parse_devices(val, opt, err, es))
                return 2;
        } else if (!strcmp(flag, "--out-dir")) {
            if (!*val)
                return fail(err, es, "--out-dir needs a directory name");
            opt->out_dir = val;
        } else if (!strcmp(flag, "--sweep")) {
            if (parse_sweep(val, opt, err, es))
                return 2;
        } else if (!strcmp(flag, "--gemm-baseline")) {
            opt->gemm_baseline = 1;
        } else if (!strcmp(flag, "--platform") || !strcmp(flag, "--device")) {
            int v;
            if (!parse_int(val, &v) || v < 0)
                return fail(err, es, "%s '%.60s': expected an index >= 0", flag, val);
            if (!strcmp(flag, "--platform"))
                opt->selector.platform_index = v;
            else
                opt->selector.device_index = v;
        } else if (!strcmp(flag, "--device-name")) {
            if (!*val)
                return fail(err, es, "--device-name needs a non-empty name");
            opt->selector.name_substring = val;
        } else if (!strcmp(flag, "--problem")) {
            int id = find_preset(val);
            if (id < 0)
                return fail(err, es, "unknown --problem '%.60s': expected seed-k3, seed-k5 or "
                                     "seed-k16", val);
            if (preset_count == BENCH_MAX_PROBLEMS)
                return fail(err, es, "too many --problem flags (at most %d)", BENCH_MAX_PROBLEMS);
            preset_ids[preset_count++] = id;
        } else if (!strcmp(flag, "--batch") || !strcmp(flag, "--in-channels") ||
                   !strcmp(flag, "--height") || !strcmp(flag, "--width") ||
                   !strcmp(flag, "--out-channels")) {
            int v;
            if (!parse_int(val, &v))
                return fail(err, es, "%s '%.60s': expected an integer", flag, val);
            if (!strcmp(flag, "--batch"))
                custom.batch = v, set_batch = 1;
            else if (!strcmp(flag, "--in-channels"))
                custom.in_channels = v, set_cin = 1;
            else if (!strcmp(flag, "--height"))
                custom.height = v, set_h = 1;
            else if (!strcmp(flag, "--width"))
                custom.width = v, set_w = 1;
            else
                custom.out_channels = v, set_cout = 1;
        } else if (!strcmp(flag, "--kernel") || !strcmp(flag, "--stride") ||
                   !strcmp(flag, "--pad") || !strcmp(flag, "--dilation")) {
            int a, b;
            if (!parse_pair(val, &a, &b))
                return fail(err, es, "%s '%.60s': expected N or HxW (integers)", flag, val);
            if (!strcmp(flag, "--kernel"))
                custom.kernel_h = a, custom.kernel_w = b, set_k = 1;
            else if (!strcmp(flag, "--stride"))
                custom.stride_h = a, custom.stride_w = b, set_s = 1;
            else if (!strcmp(flag, "--pad"))
                custom.pad_h = a, custom.pad_w = b, set_p = 1;
            else
                custom.dilation_h = a, custom.dilation_w = b, set_d = 1;
        } else if (!strcmp(flag, "--algo")) {
            clconv_algo a;
            if (!strcmp(val, "all")) {
                for (int k = 0; k < CLCONV_ALGO_COUNT; k++)
                    opt->algo_enabled[k] = 1;
                opt->peer_convgemm = 1;
                opt->pointwise = 1;
            } else if (!strcmp(val, "clblast-convgemm")) {
                opt->peer_convgemm = 1;
            } else if (!strcmp(val, "pointwise")) {
                opt->pointwise = 1;
            } else if (clconv_algo_from_name(val, &a) == CLCONV_SUCCESS) {
                opt->algo_enabled[a] = 1;
            } else {
                char names[256] = "";
                for (int k = 0; k < CLCONV_ALGO_COUNT; k++) {
                    strncat(names, clconv_algo_name((clconv_algo)k), sizeof names - strlen(names) - 1);
                    strncat(names, ", ", sizeof names - strlen(names) - 1);
                }
                return fail(err, es, "unknown --algo '%.60s': expected %sclblast-convgemm, pointwise or all",
                            val, names);
            }
            any_algo = 1;
        } else if (!strcmp(flag, "--iters") || !strcmp(flag, "--warmup")) {
            int v;
            int is_iters = !strcmp(flag, "--iters");
            if (!parse_int(val, &v) || v < (is_iters ? 1 : 0) || v > 1000000)
                return fail(err, es, "%s '%.60s': expected an integer %d..1000000", flag, val,
                            is_iters ? 1 : 0);
            if (is_iters)
                opt->iters = v;
            else
                opt->warmup = v;
        } else if (!strcmp(flag, "--tolerance")) {
            if (!parse_double(val, &opt->tolerance) || opt->tolerance <= 0)
                return fail(err, es, "--tolerance '%.60s': expected a finite number > 0", val);
        } else if (!strcmp(flag, "--seed")) {
            int v;
            if (!parse_int(val, &v) || v < 0)
                return fail(err, es, "--seed '%.60s': expected an integer >= 0", val);
            opt->seed = (unsigned)v;
        } else if (!strcmp(flag, "--format")) {
            if (!strcmp(val, "table"))
                opt->format = FORMAT_TABLE;
            else if (!strcmp(val, "csv"))
                opt->format = FORMAT_CSV;
            else if (!strcmp(val, "json"))
                opt->format = FORMAT_JSON;
            else
                return fail(err, es, "unknown --format '%.60s': expected table, csv or json",
                            val);
        } else if (!strcmp(flag, "--out")) {
            if (!*val)
                return fail(err, es, "--out needs a file name");
            opt->out_path = val;
        } else {
            return fail(err, es, "unknown option '%.60s' (try --help)", arg);
        }
    }

    if (!any_algo) {
        for (int k = 0; k < CLCONV_ALGO_COUNT; k++)
            opt->algo_enabled[k] = 1;
        opt->peer_convgemm = 1;
        opt->pointwise = 1;
    }

    if (opt->devices_all || opt->device_count) {
        if (opt->selector.platform_index >= 0 || opt->selector.device_index >= 0 ||
            opt->selector.name_substring)
            return fail(err, es, "--devices cannot be combined with --platform, --device or "
                                 "--device-name");
        if (opt->out_path && opt->format != FORMAT_TABLE)
            return fail(err, es, "--devices with --format %s writes one document per device: "
                                 "use --out-dir DIR instead of --out",
                        opt->format == FORMAT_JSON ? "json" : "csv");
    }
    int any_flag = set_batch | set_cin | set_h | set_w | set_cout | set_k | set_s | set_p | set_d;
    if (opt->sweep_param && preset_count > 1)
        return fail(err, es, "--sweep runs a series over one problem: give at most one --problem");
    if (preset_count == 0 && !any_flag) {
        if (opt->sweep_param)
            preset_ids[preset_count++] = 0; /* seed-k3 */
        else
            for (int k = 0; k < PRESET_COUNT; k++)
                preset_ids[preset_count++] = k;
    }
    if (preset_count == 0) {
        snprintf(opt->problems[0].name, sizeof opt->problems[0].name, "custom");
        opt->problems[0].p = custom;
        opt->problem_count = 1;
        if (opt->sweep_param)
            expand_sweep(opt);
        return 0;
    }
    for (int k = 0; k < preset_count; k++) {
        bench_problem *bp = &opt->problems[k];
        bp->p = seed_problem(presets[preset_ids[k]].kernel);
        snprintf(bp->name, sizeof bp->name, "%s%s", presets[preset_ids[k]].name,
                 any_flag ? "+" : "");
        if (set_batch) bp->p.batch = custom.batch;
        if (set_cin) bp->p.in_channels = custom.in_channels;
        if (set_h) bp->p.height = custom.height;
        if (set_w) bp->p.width = custom.width;
        if (set_cout) bp->p.out_channels = custom.out_channels;
        if (set_k) bp->p.kernel_h = custom.kernel_h, bp->p.kernel_w = custom.kernel_w;
        if (set_s) bp->p.stride_h = custom.stride_h, bp->p.stride_w = custom.stride_w;
        if (set_p) bp->p.pad_h = custom.pad_h, bp->p.pad_w = custom.pad_w;
        if (set_d) bp->p.dilation_h = custom.dilation_h, bp->p.dilation_w = custom.dilation_w;
    }
    opt->problem_count = preset_count;
    if (opt->sweep_param)
        expand_sweep(opt);
    return 0;
}
