/* clconv-bench output: device list, and results as table, CSV or JSON. */
#ifndef CLCONV_BENCH_REPORT_H
#define CLCONV_BENCH_REPORT_H

#include "run.h"

#include <stdio.h>

/* --auto-report: predict mode's ranking of one problem, made before any of
 * its rows ran (clconv_predict). */
typedef struct bench_prediction {
    const bench_problem *problem;
    clconv_algo_prediction ranking[CLCONV_ALGO_COUNT]; /* indexed by clconv_algo */
    clconv_algo best; /* CLCONV_ALGO_AUTO: none can run */
} bench_prediction;

/* What one device ran. */
typedef struct bench_device_run {
    const clconv_device_info *dev;
    const clconv_peaks *peaks; /* NULL: not measured (--no-peaks) */
    const bench_result *results;
    int count;
    const bench_prediction *predictions; /* one per problem with --auto-report, else none */
    int prediction_count;
    const char *network; /* --net / --shapes: the network's name; NULL otherwise */
} bench_device_run;

/* The short answer computed from the measured numbers (answer.c). */
#define BENCH_ANSWER_LINES 96
typedef struct bench_answer {
    int count;
    char lines[BENCH_ANSWER_LINES][640];
} bench_answer;
void bench_answer_build(const bench_device_run *run, bench_answer *out);
/* Appends a line (dropped when the answer is full). */
__attribute__((format(printf, 2, 3))) void bench_answer_say(bench_answer *a, const char *fmt,
                                                            ...);

/* A problem's sizes as the table's problem line gives them:
 * "NxCxHxW kKHxKW oC_out sSHxSW pPHxPW dDHxDW". */
void report_shape(char *buf, size_t size, const clconv_problem *p);

/* A problem as the JSON documents give it: name, every field, the output
 * size (newline: where the line breaks, e.g. "\n      "). */
void report_problem_json(FILE *f, const bench_problem *bp, const char *newline);

void report_device_list(FILE *f, const clconv_device_list *list, bench_format format);
void report_peaks_line(FILE *f, const clconv_peaks *peaks);
void report_results(FILE *f, bench_format format, const bench_device_run *run,
                    const char *command);
/* --devices: one table, a column group per device, ratios to the first. */
void report_compare(FILE *f, const bench_device_run *runs, int n);

#endif
