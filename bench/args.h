/* clconv-bench command line: parsing only (no OpenCL), so it can be fuzzed. */
#ifndef CLCONV_BENCH_ARGS_H
#define CLCONV_BENCH_ARGS_H

#include "clconv.h"

#include <stddef.h>

#define BENCH_MAX_PROBLEMS 64
#define BENCH_MAX_DEVICES 16

typedef enum bench_format { FORMAT_TABLE, FORMAT_CSV, FORMAT_JSON } bench_format;

typedef struct bench_problem {
    char name[32]; /* preset name, or "custom" */
    clconv_problem p;
} bench_problem;

typedef struct bench_options {
    int help, list;
    clconv_device_selector selector; /* -1 / NULL when unset */
    int problem_count;
    bench_problem problems[BENCH_MAX_PROBLEMS];
    int algo_enabled[CLCONV_ALGO_COUNT];
    int peer_convgemm; /* --algo clblast-convgemm: CLBlast's own convolution */
    int pointwise;     /* --algo pointwise: the seed's broadcast multiply */
    int iters, warmup;
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
    int gemm_baseline; /* time a bare CLBlast SGEMM beside each im2col-gemm row */
} bench_options;

/* Parses argv. Returns 0, or 2 with one line in err naming the bad flag or
 * value. Problems are validated later by the library. */
int bench_parse_args(int argc, char **argv, bench_options *opt, char *err, size_t err_size);

void bench_print_usage(void);

#endif
