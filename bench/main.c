/* clconv-bench: run, verify and time 2D convolution on an OpenCL device.
 * The flow only: parse, describe or list, run each device, report.
 * Exit status: 0 success, 1 run-time failure, 2 usage error. */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "describe.h"
#include "devices.h"
#include "output.h"
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void join_args(int argc, char **argv, char *buf, size_t size)
{
    buf[0] = '\0';
    for (int i = 0; i < argc; i++) {
        if (i)
            strncat(buf, " ", size - strlen(buf) - 1);
        strncat(buf, argv[i], size - strlen(buf) - 1);
    }
}

typedef struct results_report {
    bench_format format;
    int comparing; /* --devices */
    const bench_device_run *runs;
    int count;
    const char *command;
} results_report;

static void write_results(FILE *f, const void *arg)
{
    const results_report *r = arg;
    if (!r->comparing)
        report_results(f, r->format, &r->runs[0], r->command);
    else if (r->format == FORMAT_JSON) {
        /* --devices without --out-dir: the documents as one array */
        fputs("[\n", f);
        for (int i = 0; i < r->count; i++) {
            report_results(f, FORMAT_JSON, &r->runs[i], r->command);
            if (i + 1 < r->count)
                fputs(",\n", f);
        }
        fputs("]\n", f);
    } else if (r->format == FORMAT_CSV) {
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

static void write_describe(FILE *f, const void *arg)
{
    bench_describe(f, arg);
}

/* Every failed verification, one line each; 1 when there was any. */
static int report_failures(const bench_device_job *jobs, const bench_device_run *runs, int n)
{
    int failed = 0;
    for (int d = 0; d < n; d++)
        for (int i = 0; i < jobs[d].count; i++)
            if (jobs[d].results[i].failed) {
                failed = 1;
                bench_die(1, "%s on %s (%s): %s", jobs[d].results[i].algo,
                          jobs[d].results[i].problem->name, runs[d].dev->name,
                          jobs[d].results[i].note);
            }
    return failed;
}

int main(int argc, char **argv)
{
    bench_options opt;
    char err[8192];
    if (bench_parse_args(argc, argv, &opt, err, sizeof err))
        return bench_die(2, "%s", err);
    if (opt.help) {
        bench_print_usage(stdout);
        return bench_finish_stdout(0);
    }
    /* before any context: the library reads it when it builds programs */
    if (opt.verbose && setenv("CLCONV_VERBOSE", "1", 1) != 0)
        return bench_die(1, "cannot set CLCONV_VERBOSE");
    /* PoCL's worker threads, unpinned, wake on whichever processor woke
     * them: on a 2-core machine (AMD EPYC, PoCL 3.1) a run then landed both
     * on one core for its whole life about one time in two, and the same
     * seed-k3 plan took 2.4 ms in one process and 5.1 ms in the next.
     * Pinned (one worker a core, PoCL's own option) every process ran at
     * the fast one. The user's setting wins; docs/bench.md says so. */
    if (setenv("POCL_AFFINITY", "1", 0) != 0)
        return bench_die(1, "cannot set POCL_AFFINITY");
    if (opt.describe) { /* no device needed */
        for (int i = 0; i < opt.problem_count; i++)
            if (clconv_problem_validate(&opt.problems[i].p) != CLCONV_SUCCESS)
                return bench_die(2, "invalid problem %s: %s", opt.problems[i].name,
                                 clconv_last_error(NULL));
        return bench_emit(opt.out_path, write_describe, &opt);
    }
    clconv_device_list *list;
    if (clconv_device_list_create(&list) != CLCONV_SUCCESS)
        return bench_die(1, "%s", clconv_last_error(NULL)); /* no OpenCL: the system, not the user */
    if (opt.list) {
        list_report lr = {list, opt.format};
        int rc = bench_emit(opt.out_path, write_list, &lr);
        clconv_device_list_free(list);
        return rc;
    }
    clconv_device_list_free(list);
    for (int i = 0; i < opt.problem_count; i++)
        if (clconv_problem_validate(&opt.problems[i].p) != CLCONV_SUCCESS)
            return bench_die(2, "invalid problem %s: %s", opt.problems[i].name,
                             clconv_last_error(NULL));
    if (opt.out_path && bench_out_check(opt.out_path))
        return 1;

    clconv_device_selector sels[BENCH_MAX_DEVICES];
    int ndev = 0;
    if (bench_device_selectors(&opt, sels, &ndev, err, sizeof err))
        return bench_die(1, "%s", err);
    bench_device_job jobs[BENCH_MAX_DEVICES] = {0};
    bench_device_run runs[BENCH_MAX_DEVICES];
    int rc = 0;
    static bench_references refs; /* static: BENCH_MAX_PROBLEMS pointers, zeroed */
    for (int d = 0; d < ndev && !rc; d++) {
        rc = bench_device_measure(&opt, &sels[d], &refs, &jobs[d], err, sizeof err);
        if (rc)
            bench_die(rc, "%s", err);
        runs[d] = (bench_device_run){jobs[d].ctx ? clconv_context_device(jobs[d].ctx) : NULL,
                                     jobs[d].has_peaks ? &jobs[d].peaks : NULL, jobs[d].results,
                                     jobs[d].count, jobs[d].predictions,
                                     jobs[d].prediction_count,
                                     opt.network[0] ? opt.network : NULL};
    }
    if (!rc) {
        char command[4096];
        join_args(argc, argv, command, sizeof command);
        results_report rr = {opt.format, opt.devices_all || opt.device_count, runs, ndev,
                             command};
        if (report_failures(jobs, runs, ndev)) {
            /* the table still shows what passed; --out and --out-dir get nothing */
            write_results(stdout, &rr);
            rc = bench_finish_stdout(1);
        } else {
            rc = bench_emit(opt.out_path, write_results, &rr);
            if (!rc && opt.out_dir)
                rc = bench_write_out_dir(opt.out_dir, runs, ndev, command);
        }
    }
    for (int d = 0; d < ndev; d++)
        bench_device_job_free(&jobs[d]);
    bench_references_free(&refs);
    return rc;
}
