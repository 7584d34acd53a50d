/* Progress on stderr, only for a person watching a terminal. */
#ifndef CLCONV_BENCH_PROGRESS_H
#define CLCONV_BENCH_PROGRESS_H

typedef struct bench_progress {
    int on, done, total;
    const char *device;
} bench_progress;

/* On when stderr is a terminal; total is the number of rows to run. */
void bench_progress_begin(bench_progress *pg, int total, const char *device);
/* "[done/total] problem algo on device", over the previous line. */
void bench_progress_show(bench_progress *pg, const char *problem, const char *algo);
/* A note on what takes a while before the rows start (e.g. the peaks). */
void bench_progress_note(const bench_progress *pg, const char *what);
/* Clears the line. */
void bench_progress_end(const bench_progress *pg);

#endif
