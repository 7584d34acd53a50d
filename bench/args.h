/* clconv-bench command line: parsing only (no OpenCL), so it can be fuzzed.
 * One table of options (args.c) parses, generates --help and is listed by
 * --describe. */
#ifndef CLCONV_BENCH_ARGS_H
#define CLCONV_BENCH_ARGS_H

#include "clconv_tools.h"
#include "rows.h"

#include <stddef.h>
#include <stdio.h>

#define BENCH_MAX_PROBLEMS 256
#define BENCH_MAX_DEVICES 16

typedef enum bench_format { FORMAT_TABLE, FORMAT_CSV, FORMAT_JSON } bench_format;

typedef struct bench_problem {
    /* preset name, "preset+" with flags over it, "custom", "param=value",
     * or a problem file's layer name ("resnet50:layer1.0.conv2") */
    char name[64];
    clconv_problem p;
    int count; /* how many layers of the network have this problem (--net, --shapes); 1 */
} bench_problem;

typedef struct bench_options {
    int help, list, describe, verbose;
    clconv_device_selector selector; /* -1 / NULL when unset */
    int problem_count;
    bench_problem problems[BENCH_MAX_PROBLEMS];
    /* --net NAME or --shapes FILE: the network's name (the file's base name
     * for --shapes), "" otherwise; its layers, counted (the problems are
     * the distinct ones). */
    char network[64];
    int network_layers;
    const char *shapes_path; /* --shapes FILE */
    int row_enabled[BENCH_MAX_ROWS]; /* by bench_row index; --algo */
    int iters;          /* exact timed runs (--iters); 0: by the time budget below */
    double min_time_s;  /* time budget: runs until this much measured time... */
    int min_runs;       /* ...and at least this many runs, */
    int max_runs;       /* but never more than this many, */
    double max_time_s;  /* and stopping at this much measured time */
    int warmup;         /* untimed runs, the verifying run counted as one */
    int verify;
    double tolerance;
    bench_format format;
    const char *out_path;
    unsigned seed;
    int no_cache;
    int peaks;         /* measure (or read the cached) device peaks first; default on */
    int remeasure;     /* measure the peaks even when cached */
    int devices_all;   /* --devices all */
    int device_count;  /* --devices P:D,P:D */
    int device_ids[BENCH_MAX_DEVICES][2];
    const char *out_dir; /* one JSON document per device */
    const char *sweep_param; /* "kernel", "channels" or "batch"; NULL: no sweep */
    int sweep_from, sweep_to, sweep_step;
    int gemm_baseline; /* time a bare SGEMM beside each im2col-gemm row */
    /* --auto-report (auto_report.h): the problems are its own, the rows every
     * algorithm's. The details are -1 / 0 when not given, and stay so
     * without --auto-report. */
    int auto_report;
    int auto_report_random;       /* random problems beside the presets */
    int auto_report_presets;      /* 0: --auto-report-no-presets */
    double auto_report_max_flops; /* per image, for the random problems */
    clconv_plan_options plan_options; /* --fft-backend */
    clconv_epilogue epilogue; /* --activation, --alpha, --residual, --beta */
} bench_options;

/* The epilogue every clconv row's plan applies: NULL when the flags left
 * the identity. */
const clconv_epilogue *bench_epilogue(const bench_options *opt);
/* "relu, residual" / "clamp(-1, 1), alpha 2" / "none" into out[cap]. */
void bench_epilogue_text(const bench_options *opt, char *out, size_t cap);

struct bench_parse; /* the parser's state (args.c) */

/* One option. Shared setters read `field` (an offset into bench_options or
 * clconv_problem) and `value`; `values`, when set, prints the allowed
 * values under the help (from their own lists: presets, rows). */
typedef struct bench_option {
    const char *name; /* "--iters"; NULL for a heading, whose text is help */
    const char *arg;  /* "N"; NULL for a switch */
    const char *help; /* '\n' breaks lines */
    int (*set)(struct bench_parse *ps, const struct bench_option *o, const char *val, char *err,
               size_t err_size);
    size_t field;
    int value;
    void (*values)(FILE *f, const char *indent);
} bench_option;

extern const bench_option bench_option_table[];
extern const int bench_option_count;

/* Formats a usage error into err; returns 2 (the exit status). */
__attribute__((format(printf, 3, 4))) int bench_usage_error(char *err, size_t size,
                                                            const char *fmt, ...);

/* Parses argv. Returns 0, or 2 with one line in err naming the bad flag or
 * value. Problems are validated later by the library. */
int bench_parse_args(int argc, char **argv, bench_options *opt, char *err, size_t err_size);

/* --help, generated from the option table. */
void bench_print_usage(FILE *f);

#endif
