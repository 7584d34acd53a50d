/* Driving one or several devices: which devices --devices names, one
 * context, peaks and run of every problem and row per device, and
 * --out-dir's document per device. */
#ifndef CLCONV_BENCH_DEVICES_H
#define CLCONV_BENCH_DEVICES_H

#include "report.h"

/* One device: context, peaks, every row, and with --auto-report a
 * prediction per problem. The context stays open (its device info is
 * reported) until bench_device_job_free. */
typedef struct bench_device_job {
    clconv_context *ctx;
    clconv_peaks peaks;
    int has_peaks;
    bench_result *results;
    int count;
    bench_prediction *predictions;
    int prediction_count;
} bench_device_job;

/* The devices to run on: the one selector, or those --devices names
 * (every device of every platform for "all"). 0, or 1 with err set. */
int bench_device_selectors(const bench_options *opt, clconv_device_selector *sels, int *n,
                           char *err, size_t err_size);

/* Opens the device, measures (or reads) its peaks, runs every problem with
 * every chosen row (--auto-report: after predicting it), computing the
 * references refs lacks (and keeping them for the next device). 0, 1 on a
 * run-time failure, 2 when the selection names no device; err says why. */
int bench_device_measure(const bench_options *opt, const clconv_device_selector *sel,
                         bench_references *refs, bench_device_job *job, char *err,
                         size_t err_size);
void bench_device_job_free(bench_device_job *job);

/* --out-dir: DIR/<platform>-<device>.json, each written whole or not at all
 * (0, or 1 with a line on stderr). */
int bench_write_out_dir(const char *dir, const bench_device_run *runs, int n,
                        const char *command);

#endif
