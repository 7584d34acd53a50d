/* clconv-bench: run, verify and time 2D convolution on an OpenCL device.
 * Exit status: 0 success, 1 run-time failure, 2 usage error. */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "report.h"
#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>

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

/* The report goes to a temp file beside --out and is renamed over it only
 * when the whole run succeeded: a failed run leaves no partial file. */
typedef struct out_file {
    FILE *f;
    char tmp[4096];
} out_file;

static int out_open(out_file *o, const char *path)
{
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp.%ld", path, (long)getpid());
    o->f = fopen(o->tmp, "w");
    return o->f != NULL;
}

static void out_discard(out_file *o)
{
    if (o->f) {
        fclose(o->f);
        remove(o->tmp);
        o->f = NULL;
    }
}

static int run_all(const bench_options *opt, clconv_context *ctx, FILE *report,
                   const char *command)
{
    int per_problem = 0;
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++)
        per_problem += opt->algo_enabled[a];
    bench_result *results = calloc((size_t)(opt->problem_count * per_problem), sizeof *results);
    if (!results)
        return die(1, "out of host memory");
    int count = 0, rc = 0;
    char err[8192] = "";
    for (int i = 0; i < opt->problem_count && !rc; i++) {
        bench_data data;
        rc = bench_data_create(ctx, opt, &opt->problems[i], &data, err, sizeof err);
        if (rc)
            break;
        for (int a = 0; a < CLCONV_ALGO_COUNT && !rc; a++)
            if (opt->algo_enabled[a])
                rc = bench_run(ctx, opt, &opt->problems[i], (clconv_algo)a, &data,
                               &results[count++], err, sizeof err);
        bench_data_destroy(&data);
    }
    if (rc) {
        free(results);
        return die(rc, "%s", err);
    }
    report_results(report, opt->format, clconv_context_device(ctx), results, count, command);
    int failed = 0;
    for (int i = 0; i < count; i++)
        if (results[i].failed) {
            fprintf(stderr, "clconv-bench: error: %s on %s: %s\n", results[i].algo,
                    results[i].problem->name, results[i].note);
            failed = 1;
        }
    free(results);
    return failed;
}

int main(int argc, char **argv)
{
    bench_options opt;
    char err[512];
    if (bench_parse_args(argc, argv, &opt, err, sizeof err))
        return die(2, "%s", err);
    if (opt.help) {
        bench_print_usage();
        return 0;
    }
    if (opt.list) {
        clconv_device_list *list;
        if (clconv_device_list_create(&list) != CLCONV_SUCCESS)
            return die(1, "%s", clconv_last_error(NULL));
        report_device_list(stdout, list, opt.format);
        clconv_device_list_free(list);
        return 0;
    }
    for (int i = 0; i < opt.problem_count; i++)
        if (clconv_problem_validate(&opt.problems[i].p) != CLCONV_SUCCESS)
            return die(2, "invalid problem: %s", clconv_last_error(NULL));

    out_file out = {0};
    if (opt.out_path && !out_open(&out, opt.out_path))
        return die(1, "cannot write --out %s: %s", opt.out_path, strerror(errno));

    clconv_context_options copt = {.disable_disk_cache = opt.no_cache};
    clconv_context *ctx = NULL;
    clconv_status st = clconv_context_create(&opt.selector, &copt, &ctx);
    if (st) {
        out_discard(&out);
        /* A device that does not exist is the user's argument; anything else is the system. */
        return die(st == CLCONV_ERR_NOT_FOUND ? 2 : 1, "%s", clconv_last_error(NULL));
    }
    char command[4096];
    join_args(argc, argv, command, sizeof command);
    int rc = run_all(&opt, ctx, out.f ? out.f : stdout, command);
    clconv_context_destroy(ctx);
    if (out.f) {
        if (rc) {
            out_discard(&out);
        } else {
            int bad = ferror(out.f);
            if (fclose(out.f) != 0)
                bad = 1;
            out.f = NULL;
            if (bad || rename(out.tmp, opt.out_path) != 0) {
                remove(out.tmp);
                return die(1, "cannot write --out %s: %s", opt.out_path, strerror(errno));
            }
        }
    }
    return rc;
}
