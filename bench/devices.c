/* One or several devices, each with its own context, peaks and rows. */
#define _POSIX_C_SOURCE 200809L
#include "devices.h"
#include "output.h"
#include "progress.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int rows_per_problem(const bench_options *opt)
{
    int n = 0;
    for (int k = 0; k < bench_row_count(); k++)
        n += opt->row_enabled[k];
    return n;
}

/* --auto-report: predict mode's ranking of bp before any row runs on it,
 * so that it knows only the times earlier problems taught it. */
static int predict(clconv_context *ctx, const bench_options *opt, const bench_problem *bp,
                   bench_prediction *out, char *err, size_t es)
{
    out->problem = bp;
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++)
        clconv_algo_prediction_init(&out->ranking[a]);
    if (clconv_predict(ctx, &bp->p, &opt->plan_options, out->ranking, CLCONV_ALGO_COUNT, NULL,
                       &out->best) == CLCONV_SUCCESS)
        return 0;
    snprintf(err, es, "predicting %s: %s", bp->name, clconv_last_error(ctx));
    return 1;
}

/* Runs every problem with every chosen row, each predicted first when
 * predictions is not NULL, and then teaches predict mode its times; 0, or 1
 * with err set. */
static int run_all(const bench_options *opt, clconv_context *ctx, const clconv_peaks *peaks,
                   bench_references *refs, bench_result *results, int *count,
                   bench_prediction *predictions, char *err, size_t es)
{
    int rc = 0;
    *count = 0;
    for (int i = 0; i < opt->problem_count && !rc; i++) {
        const bench_problem *bp = &opt->problems[i];
        if (predictions && (rc = predict(ctx, opt, bp, &predictions[i], err, es)))
            break;
        bench_data data;
        rc = bench_data_create(ctx, opt, bp, &refs->out[i], &data, err, es);
        if (rc)
            break;
        const int first = *count;
        for (int k = 0; k < bench_row_count() && !rc; k++)
            if (opt->row_enabled[k]) {
                const bench_row_kind *kind = bench_row(k);
                bench_progress_row(bp->name, kind->name);
                bench_progress_phase("compiling");
                rc = kind->run(kind, ctx, opt, bp, &data, &results[(*count)++], err, es);
            }
        for (int j = first; j < *count && !rc; j++)
            bench_row_clconv_record(ctx, opt, &results[j]);
        bench_data_destroy(&data);
    }
    for (int i = 0; i < *count; i++)
        bench_apply_roofline(&results[i], peaks);
    return rc;
}

/* The library's messages (a cache turned off, a database entry that no
 * longer builds): a command-line tool's warnings go to stderr. */
static void bench_log(void *user, clconv_log_level level, const char *message)
{
    (void)user;
    char line[2200];
    snprintf(line, sizeof line, "clconv: %s: %s",
             level == CLCONV_LOG_WARNING ? "warning" : "info", message);
    bench_progress_note(line);
}

/* On the status line: a library compiling its kernels inside a call (up to
 * a minute for CLBlast's complex GEMM on PoCL) is not a hang. */
static void library_compile(void *user, const char *call)
{
    (void)user;
    char text[128];
    if (!strncmp(call, "clfft", 5))
        snprintf(text, sizeof text, "clFFT compiles this plan's kernels");
    else
        snprintf(text, sizeof text, "%s compiles its kernels for this device (once)", call);
    bench_progress_phase(text);
}

int bench_device_measure(const bench_options *opt, const clconv_device_selector *sel,
                         bench_references *refs, bench_device_job *job, char *err, size_t es)
{
    clconv_context_options copt;
    clconv_context_options_init(&copt);
    copt.disable_disk_cache = opt->no_cache;
    copt.library_compile = library_compile;
    copt.log = bench_log;
    clconv_status st = clconv_context_create(sel, &copt, &job->ctx);
    if (st) { /* platforms exist, so NOT_FOUND means the selection names no device */
        snprintf(err, es, "%s", clconv_last_error(NULL));
        return st == CLCONV_ERR_NOT_FOUND ? 2 : 1;
    }
    int total = opt->problem_count * rows_per_problem(opt);
    job->results = calloc((size_t)total, sizeof *job->results);
    if (opt->auto_report)
        job->predictions = calloc((size_t)opt->problem_count, sizeof *job->predictions);
    if (!job->results || (opt->auto_report && !job->predictions)) {
        snprintf(err, es, "out of host memory");
        return 1;
    }
    const clconv_device_info *dev = clconv_context_device(job->ctx);
    bench_progress_begin(total, dev->name);
    if (opt->peaks) {
        bench_progress_phase("peaks (once per device)");
        st = clconv_measure_peaks(job->ctx, opt->remeasure ? CLCONV_PEAKS_REMEASURE : 0,
                                  &job->peaks);
        if (st) {
            bench_progress_end();
            snprintf(err, es, "measuring the device peaks (--no-peaks skips them): %s",
                     clconv_last_error(job->ctx));
            return 1;
        }
        job->has_peaks = 1;
    }
    int rc = run_all(opt, job->ctx, job->has_peaks ? &job->peaks : NULL, refs, job->results,
                     &job->count, job->predictions, err, es);
    if (!rc && job->predictions)
        job->prediction_count = opt->problem_count; /* every problem predicted */
    bench_progress_end();
    return rc;
}

void bench_device_job_free(bench_device_job *job)
{
    free(job->results);
    free(job->predictions);
    if (job->ctx)
        clconv_context_destroy(job->ctx);
}

int bench_device_selectors(const bench_options *opt, clconv_device_selector *sels, int *n,
                           char *err, size_t es)
{
    *n = 0;
    if (!opt->devices_all && !opt->device_count) {
        sels[(*n)++] = opt->selector;
        return 0;
    }
    if (opt->device_count) {
        for (int i = 0; i < opt->device_count; i++) {
            clconv_device_selector *s = &sels[(*n)++];
            clconv_device_selector_init(s);
            s->platform_index = opt->device_ids[i][0];
            s->device_index = opt->device_ids[i][1];
        }
        return 0;
    }
    clconv_device_list *list;
    if (clconv_device_list_create(&list) != CLCONV_SUCCESS) {
        snprintf(err, es, "%s", clconv_last_error(NULL));
        return 1;
    }
    for (int i = 0; i < list->device_count && *n < BENCH_MAX_DEVICES; i++) {
        clconv_device_selector *s = &sels[(*n)++];
        clconv_device_selector_init(s);
        s->platform_index = list->devices[i].platform_index;
        s->device_index = list->devices[i].device_index;
    }
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

int bench_write_out_dir(const char *dir, const bench_device_run *runs, int n,
                        const char *command)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return bench_die(1, "cannot create --out-dir %s: %s", dir, strerror(errno));
    for (int i = 0; i < n; i++) {
        char slug[160];
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
        size_t size = strlen(dir) + strlen(slug) + sizeof "/.json";
        char *path = malloc(size);
        if (!path)
            return bench_die(1, "out of host memory");
        snprintf(path, size, "%s/%s.json", dir, slug);
        one_doc doc = {&runs[i], command};
        int rc = bench_emit(path, write_one_doc, &doc);
        if (!rc)
            fprintf(stderr, "clconv-bench: wrote %s\n", path);
        free(path);
        if (rc)
            return rc;
    }
    return 0;
}
