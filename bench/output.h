/* Where clconv-bench's output goes: one-line errors on stderr, standard
 * output checked for write errors, and --out files written whole or not at
 * all. */
#ifndef CLCONV_BENCH_OUTPUT_H
#define CLCONV_BENCH_OUTPUT_H

#include <stdio.h>

/* "clconv-bench: error: ..." on stderr; returns code. */
int bench_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Flushes stdout: a full disk or a closed pipe turns rc 0 into 1 with a
 * line on stderr. */
int bench_finish_stdout(int rc);

/* 0 when `path` can be created (checked before any work), else 1 with a line. */
int bench_out_check(const char *path);

typedef void (*bench_writer)(FILE *f, const void *arg);

/* Runs fn into stdout (path NULL) or into a temp file beside path, renamed
 * over it only when complete. 0, or 1 with a line on stderr. */
int bench_emit(const char *path, bench_writer fn, const void *arg);

#endif
