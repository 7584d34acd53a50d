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
#include <sys/stat.h>
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
    /* mkstemp makes 0600; a report is as readable as any file the user makes */
    mode_t mask = umask(0);
    umask(mask);
    if (fd >= 0)
        fchmod(fd, 0666 & ~mask);
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
    const bench_device_run *runs;
    int count;
    const char *command;
} results_report;

static int comparing(const bench_options *opt)
{
    return opt->devices_all || opt->device_count;
}

static void write_results(FILE *f, const void *arg)
{
    const results_report *r = arg;
    if (!comparing(r->opt))
        report_results(f, r->opt->format, &r->runs[0], r->command);
    else if (r->opt->format == FORMAT_JSON) {
        /* --devices without --out-dir: the documents as one array */
        fputs("[\n", f);
        for (int i = 0; i < r->count; i++) {
            report_results(f, FORMAT_JSON, &r->runs[i], r->command);
            if (i + 1 < r->count)
                fputs(",\n", f);
        }
        fputs("]\n", f);
    } else if (r->opt->format == FORMAT_CSV) {
        for (int i = 0; i < r->count; i++)
            report_results(f, FORMAT_CSV, &r->runs[i], r->command);
    } else {
        report_compare(f, r->runs, r->count);
    }
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

/* Progress on stderr, only for a person watching a terminal. */
typedef struct progress {
    int on, done, total;
    const char *device;
} progress;

static void progress_show(progress *pg, const char *problem, const char *algo)
{
    if (pg->on)
        fprintf(stderr, "\r\033[K[%d/%d] %s %s on %s", ++pg->done, pg->total, problem, algo,
                pg->device);
}

static void progress_end(progress *pg)
{
    if (pg->on)
        fputs("\r\033[K", stderr);
}

static int per_problem(const bench_options *opt)
{
    int n = opt->peer_convgemm + opt->pointwise;
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++)
        n += opt->algo_enabled[a];
    return n;
}

/* Runs every problem with every chosen algorithm; 0, or 1 with err set. */
static int run_all(const bench_options *opt, clconv_context *ctx, const clconv_peaks *peaks,
                   bench_result *results, int *count, progress *pg, char *err, size_t es)
{
    int rc = 0;
    *count = 0;
    for (int i = 0; i < opt->problem_count && !rc; i++) {
        const bench_problem *bp = &opt->problems[i];
        bench_data data;
        rc = bench_data_create(ctx, opt, bp, &data, err, es);
        if (rc)
            break;
        for (int a = 0; a < CLCONV_ALGO_COUNT && !rc; a++)
            if (opt->algo_enabled[a]) {
                progress_show(pg, bp->name, clconv_algo_name((clconv_algo)a));
                rc = bench_run(ctx, opt, bp, (clconv_algo)a, &data, &results[(*count)++], err,
                               es);
            }
        if (!rc && opt->pointwise) {
            progress_show(pg, bp->name, "pointwise");
            rc = bench_run_pointwise(ctx, opt, bp, &data, &results[(*count)++], err, es);
        }
        if (!rc && opt->peer_convgemm) {
            progress_show(pg, bp->name, "clblast-convgemm");
            rc = bench_run_clblast_convgemm(ctx, opt, bp, &data, &results[(*count)++], err, es);
        }
        bench_data_destroy(&data);
    }
    for (int i = 0; i < *count; i++)
        bench_apply_roofline(&results[i], peaks);
    return rc;
}

/* One device: context, peaks, every run. The context stays open (its
 * device info is reported) until device_job_free. */
typedef struct device_job {
    clconv_context *ctx;
    clconv_peaks peaks;
    int has_peaks;
    bench_result *results;
    int count;
} device_job;

static int device_run(const bench_options *opt, const clconv_device_selector *sel,
                      device_job *job, char *err, size_t es)
{
    clconv_context_options copt = {.disable_disk_cache = opt->no_cache};
    clconv_status st = clconv_context_create(sel, &copt, &job->ctx);
    if (st) { /* platforms exist, so NOT_FOUND means the selection names no device */
        snprintf(err, es, "%s", clconv_last_error(NULL));
        return st == CLCONV_ERR_NOT_FOUND ? 2 : 1;
    }
    job->results = calloc((size_t)(opt->problem_count * per_problem(opt)), sizeof *job->results);
    if (!job->results) {
        snprintf(err, es, "out of host memory");
        return 1;
    }
    const clconv_device_info *dev = clconv_context_device(job->ctx);
    if (opt->peaks) {
        if (isatty(STDERR_FILENO))
            fprintf(stderr, "measuring the peaks of %s (cached afterwards)...", dev->name);
        st = clconv_measure_peaks(job->ctx, opt->remeasure ? CLCONV_PEAKS_REMEASURE : 0,
                                  &job->peaks);
        if (isatty(STDERR_FILENO))
            fputs("\r\033[K", stderr);
        if (st) {
            snprintf(err, es, "measuring the device peaks (--no-peaks skips them): %s",
                     clconv_last_error(job->ctx));
            return 1;
        }
        job->has_peaks = 1;
    }
    progress pg = {isatty(STDERR_FILENO), 0, opt->problem_count * per_problem(opt), dev->name};
    int rc = run_all(opt, job->ctx, job->has_peaks ? &job->peaks : NULL, job->results,
                     &job->count, &pg, err, es);
    progress_end(&pg);
    return rc;
}

static void device_job_free(device_job *job)
{
    free(job->results);
    if (job->ctx)
        clconv_context_destroy(job->ctx);
}

/* The devices --devices names: every device of every platform for "all". */
static int device_selectors(const bench_options *opt, clconv_device_selector *sels, int *n,
                            char *err, size_t es)
{
    *n = 0;
    if (!opt->devices_all && !opt->device_count) {
        sels[(*n)++] = opt->selector;
        return 0;
    }
    if (opt->device_count) {
        for (int i = 0; i < opt->device_count; i++)
            sels[(*n)++] = (clconv_device_selector){opt->device_ids[i][0], opt->device_ids[i][1],
                                                    NULL};
        return 0;
    }
    clconv_device_list *list;
    if (clconv_device_list_create(&list) != CLCONV_SUCCESS) {
        snprintf(err, es, "%s", clconv_last_error(NULL));
        return 1;
    }
    for (int i = 0; i < list->device_count && *n < BENCH_MAX_DEVICES; i++)
        sels[(*n)++] = (clconv_device_selector){list->devices[i].platform_index,
                                                list->devices[i].device_index, NULL};
    clconv_device_list_free(list);
    if (*n == 0) {
        snprintf(err, es, "--devices all: no OpenCL device found (rusticl needs "
                          "RUSTICL_ENABLE=llvmpipe)");
        return 1;
    }
    return 0;
}

/* A file name from the device's platform and name: lower-case letters,
 * digits and single dashes. */
static void device_slug(const clconv_device_info *d, char *out, size_t size)
{
    char raw[512];
    snprintf(raw, sizeof raw, "%s %s", d->platform_name, d->name);
    size_t n = 0;
    for (const char *c = raw; *c && n + 1 < size && n < 96; c++) {
        char ch = *c;
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        int keep = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
        if (keep)
            out[n++] = ch;
        else if (n && out[n - 1] != '-')
            out[n++] = '-';
    }
    while (n && out[n - 1] == '-')
        n--;
    out[n] = '\0';
}

typedef struct one_doc {
    const bench_device_run *run;
    const char *command;
} one_doc;

static void write_one_doc(FILE *f, const void *arg)
{
    const one_doc *d = arg;
    report_results(f, FORMAT_JSON, d->run, d->command);
}

/* --out-dir: DIR/<platform>-<device>.json, each written whole or not at all. */
static int write_out_dir(const bench_options *opt, const bench_device_run *runs, int n,
                         const char *command)
{
    if (mkdir(opt->out_dir, 0755) != 0 && errno != EEXIST)
        return die(1, "cannot create --out-dir %s: %s", opt->out_dir, strerror(errno));
    for (int i = 0; i < n; i++) {
        char slug[160], path[4096];
        device_slug(runs[i].dev, slug, sizeof slug);
        /* two identical devices (or a name with no letters): add the indexes */
        int clash = !slug[0];
        for (int j = 0; j < n; j++) {
            char other[160];
            device_slug(runs[j].dev, other, sizeof other);
            clash |= j != i && !strcmp(other, slug);
        }
        if (clash)
            snprintf(slug + strlen(slug), sizeof slug - strlen(slug), "%s%d-%d",
                     slug[0] ? "-" : "device-", runs[i].dev->platform_index,
                     runs[i].dev->device_index);
        snprintf(path, sizeof path, "%s/%s.json", opt->out_dir, slug);
        bench_options one = *opt;
        one.out_path = path;
        one_doc doc = {&runs[i], command};
        int rc = emit(&one, write_one_doc, &doc);
        if (rc)
            return rc;
        fprintf(stderr, "clconv-bench: wrote %s\n", path);
    }
    return 0;
}

int main(int argc, char **argv)
{
    bench_options opt;
    char err[8192];
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
            return die(2, "invalid problem %s: %s", opt.problems[i].name,
                       clconv_last_error(NULL));
    if (opt.out_path && out_check(opt.out_path))
        return 1;

    clconv_device_selector sels[BENCH_MAX_DEVICES];
    int ndev = 0;
    if (device_selectors(&opt, sels, &ndev, err, sizeof err))
        return die(1, "%s", err);
    device_job jobs[BENCH_MAX_DEVICES] = {0};
    bench_device_run runs[BENCH_MAX_DEVICES];
    int rc = 0;
    for (int d = 0; d < ndev && !rc; d++) {
        rc = device_run(&opt, &sels[d], &jobs[d], err, sizeof err);
        if (rc)
            die(rc, "%s", err);
        runs[d] = (bench_device_run){jobs[d].ctx ? clconv_context_device(jobs[d].ctx) : NULL,
                                     jobs[d].has_peaks ? &jobs[d].peaks : NULL, jobs[d].results,
                                     jobs[d].count};
    }
    if (!rc) {
        char command[4096];
        join_args(argc, argv, command, sizeof command);
        int failed = 0;
        for (int d = 0; d < ndev; d++)
            for (int i = 0; i < jobs[d].count; i++)
                if (jobs[d].results[i].failed) {
                    failed = 1;
                    die(1, "%s on %s (%s): %s", jobs[d].results[i].algo,
                        jobs[d].results[i].problem->name, runs[d].dev->name,
                        jobs[d].results[i].note);
                }
        results_report rr = {&opt, runs, ndev, command};
        if (failed) {
            /* the table still shows what passed; --out and --out-dir get nothing */
            bench_options to_stdout = opt;
            to_stdout.out_path = NULL;
            rr.opt = &to_stdout;
            write_results(stdout, &rr);
            rc = finish_stdout(1);
        } else {
            rc = emit(&opt, write_results, &rr);
            if (!rc && opt.out_dir)
                rc = write_out_dir(&opt, runs, ndev, command);
        }
    }
    for (int d = 0; d < ndev; d++)
        device_job_free(&jobs[d]);
    return rc;
}
