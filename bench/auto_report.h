/* --auto-report: an honest check of predict mode. Its problems (the presets
 * and random ones from --seed), and per problem what was predicted before
 * any row ran against what the rows then measured; the run loop
 * (devices.c) predicts, the report and the answer print. */
#ifndef CLCONV_BENCH_AUTO_REPORT_H
#define CLCONV_BENCH_AUTO_REPORT_H

#include "report.h"

/* The defaults of --auto-report-random and --auto-report-max-flops. */
#define BENCH_AUTO_REPORT_RANDOM 20
#define BENCH_AUTO_REPORT_MAX_FLOPS 3e9

/* opt->problems: the presets (unless --auto-report-no-presets), then
 * opt->auto_report_random problems drawn from opt->seed, named "random-1"...
 * Each random problem: square kernel 1..15, stride 1..3, padding
 * 0..kernel/2, C_in and C_out 1..512, batch 1..8, H and W kernel+2..48;
 * then C_in halved (then C_out) while one image's FLOPs exceed
 * opt->auto_report_max_flops, so the reference stays cheap. */
void bench_auto_report_problems(bench_options *opt);

/* One problem's prediction against its measured rows. */
typedef struct bench_auto_verdict {
    const bench_result *measured;  /* the fastest timed algorithm row; NULL: none */
    const bench_result *predicted; /* the predicted winner's row when it was timed, else NULL */
    int match;                     /* the predicted winner is the measured one */
    /* predicted->median_ms / measured->median_ms (>= 1 by construction);
     * INFINITY when the predicted winner has no time, and `why` says why */
    double regret;
    char why[96];
} bench_auto_verdict;

void bench_auto_judge(const bench_device_run *run, const bench_prediction *pred,
                      bench_auto_verdict *out);

/* Over every problem of the run (problems 0 when it made no prediction). */
typedef struct bench_auto_summary {
    int problems, matches;
    double worst_regret, median_regret; /* INFINITY: the predicted winner had no time */
    const bench_problem *worst;         /* the first problem with the worst regret */
    char worst_why[96];                 /* why its regret is infinite, else "" */
    /* Each problem's count (a network's layers: how often each occurs) times
     * its predicted winner's time over the same for its fastest row, over
     * the problems whose regret is finite (weighted_problems of them);
     * NaN when none is. */
    double weighted_regret;
    int weighted_problems;
} bench_auto_summary;

void bench_auto_summarize(const bench_device_run *run, bench_auto_summary *out);

/* The summary as the answer's line ("auto report: predicted winner =
 * measured winner on K of N problems ..."); 0 when the run made no
 * prediction. */
int bench_auto_report_line(const bench_device_run *run, char *buf, size_t size);

/* "1.25x", or "infinite". */
const char *bench_auto_regret_text(char *buf, size_t size, double regret);

#endif
