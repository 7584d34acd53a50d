/* clconv-bench: run, verify and time 2D convolution on an OpenCL device.
 * Exit status: 0 success, 1 run-time failure, 2 usage error. */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "report.h"
#include "run.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((format(printf, 2, 3))) static int die(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("clconv-bench: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

static void join_args(int argc, char **argv, char *buf, size_t size)
{
    buf[0] = '\0';
    for (int i = 0; i < argc; i++) {
        if (i)
            strncat(buf, " ", size - strlen(buf) - 1);
        strncat(buf, argv[i], size - strlen(buf) - 1);
    }
}

/* Everything printed must reach its destination: a full disk or a closed
 * pipe is a failure, not a silent success. */
static int finish_stdout(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout))
        return rc ? rc : die(1, "cannot write the report to standard output: %s",
                             strerror(errno));
    return rc;
}

/* --out: a temp file beside the target, renamed over it only when complete,
 * so a failed or interrupted run never leaves a partial report. */
static FILE *out_begin(const char *path, char *tmp, size_t size)
{
    snprintf(tmp, size, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f && fd >= 0) {
        close(fd);
        remove(tmp);
    }
    return f;
}

static int out_commit(FILE *f, const char *tmp, const char *path)
{
    int bad = ferror(f);
    if (fclose(f) != 0)
        bad = 1;
    if (bad || rename(tmp, path) != 0) {
        int err = errno;
        remove(tmp);
        return die(1, "cannot write --out %s: %s", path, strerror(err));
    }
    return 0;
}

/* Fails before any work when --out cannot be created. */
static int out_check(const char *path)
{
    char tmp[4096];
    FILE *f = out_begin(path, tmp, sizeof tmp);
    if (!f)
        return die(1, "cannot write --out %s: %s", path, strerror(errno));
    fclose(f);
    remove(tmp);
    return 0;
}

typedef void (*report_fn)(FILE *f, const void *arg);

static int emit(const bench_options *opt, report_fn fn, const void *arg)
{
    if (!opt->out_path) {
        fn(stdout, arg);
        return finish_stdout(0);
    }
    char tmp[4096];
    FILE *f = out_begin(opt->out_path, tmp, sizeof tmp);
    if (!f)
        return die(1, "cannot write --out %s: %s", opt->out_path, strerror(errno));
    fn(f, arg);
    return out_commit(f, tmp, opt->out_path);
}

typedef struct results_report {
    const bench_options *opt;
    const clconv_device_info *dev;
    double bandwidth_gbs;
    const bench_result *results;
    int count;
    const char *command;
} results_report;

static void write_results(FILE *f, const void *arg)
{
    const results_report *r = arg;
    report_results(f, r->opt->format, r->dev, r->bandwidth_gbs, r->results, r->count,
                   r->command);
}

typedef struct list_report {
    const clconv_device_list *list;
    bench_format format;
} list_report;

static void write_list(FILE *f, const void *arg)
{
    const list_report *r = arg;
    report_device_list(f, r->list, r->format);
}

/* Runs every problem with every chosen algorithm; 0, or the exit status. */
static int run_all(const bench_options *opt, clconv_context *ctx, bench_result *results,
                   int *count)
{
    char err[8192] = "";
    int rc = 0;
    *count = 0;
    for (int i = 0; i < opt->problem_count && !rc; i++) {
        bench_data data;
        rc = bench_data_create(ctx, opt, &opt->problems[i], &data, err, sizeof err);
        if (rc)
            break;
        for (int a = 0; a < CLCONV_ALGO_COUNT && !rc; a++)
            if (opt->algo_enabled[a])
                rc = bench_run(ctx, opt, &opt->problems[i], (clconv_algo)a, &data,
                               &results[(*count)++], err, sizeof err);
        if (!rc && opt->pointwise)
            rc = bench_run_pointwise(ctx, opt, &opt->problems[i], &data, &results[(*count)++],
                                     err, sizeof err);
        if (!rc && opt->peer_convgemm)
            rc = bench_run_clblast_convgemm(ctx, opt, &opt->problems[i], &data,
                                            &results[(*count)++], err, sizeof err);
        bench_data_destroy(&data);
    }
    return rc ? die(rc, "%s", err) : 0;
}

int main(int argc, char **argv)
{
    bench_options opt;
    char err[512];
    if (bench_parse_args(argc, argv, &opt, err, sizeof err))
        return die(2, "%s", err);
    if (opt.help) {
        bench_print_usage();
        return finish_stdout(0);
    }
    clconv_device_list *list;
    if (clconv_device_list_create(&list) != CLCONV_SUCCESS)
        return die(1, "%s", clconv_last_error(NULL)); /* no OpenCL: the system, not the user */
    if (opt.list) {
        list_report lr = {list, opt.format};
        int rc = emit(&opt, write_list, &lr);
        clconv_device_list_free(list);
        return rc;
    }
    clconv_device_list_free(list);
    for (int i = 0; i < opt.problem_count; i++)
        if (clconv_problem_validate(&opt.problems[i].p) != CLCONV_SUCCESS)
            return die(2, "invalid problem: %s", clconv_last_error(NULL));
    if (opt.out_path && out_check(opt.out_path))
        return 1;

    clconv_context_options copt = {.disable_disk_cache = opt.no_cache};
    clconv_context *ctx = NULL;
    clconv_status st = clconv_context_create(&opt.selector, &copt, &ctx);
    if (st) /* platforms exist, so NOT_FOUND means the selection names no device */
        return die(st == CLCONV_ERR_NOT_FOUND ? 2 : 1, "%s", clconv_last_error(NULL));

    int per_problem = opt.peer_convgemm + opt.pointwise;
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++)
        per_problem += opt.algo_enabled[a];
    bench_result *results = calloc((size_t)(opt.problem_count * per_problem), sizeof *results);
    if (!results) {
        clconv_context_destroy(ctx);
        return die(1, "out of host memory");
    }
    double bandwidth = NAN;
    int rc = 0;
    if (opt.peaks && clconv_measure_bandwidth(ctx, &bandwidth) != CLCONV_SUCCESS) {
        if (clconv_context_device_timing(ctx))
            rc = die(1, "%s", clconv_last_error(ctx));
        bandwidth = NAN; /* no real timestamps here: the report says nothing */
    }
    int count = 0;
    if (!rc)
        rc = run_all(&opt, ctx, results, &count);
    if (!rc) {
        char command[4096];
        join_args(argc, argv, command, sizeof command);
        int failed = 0;
        for (int i = 0; i < count; i++)
            failed |= results[i].failed;
        if (failed) {
            /* the table still shows what passed; --out gets nothing */
            report_results(stdout, opt.format, clconv_context_device(ctx), bandwidth, results,
                           count, command);
            for (int i = 0; i < count; i++)
                if (results[i].failed)
                    die(1, "%s on %s: %s", results[i].algo, results[i].problem->name,
                        results[i].note);
            rc = finish_stdout(1);
        } else {
            results_report rr = {&opt, clconv_context_device(ctx), bandwidth, results, count,
                                 command};
            rc = emit(&opt, write_results, &rr);
        }
    }
    free(results);
    clconv_context_destroy(ctx);
    return rc;
}
