/* Progress on stderr, only for a person watching a terminal: one status line,
 * rewritten in place, naming the row, its phase and how long that phase has
 * run, with an estimate of what remains. A ticker thread redraws it every
 * second, so a long compile (PoCL, CLBlast, clFFT on a fresh machine) shows
 * its seconds counting instead of a frozen line. One line per process: the
 * bench runs one row at a time. */
#ifndef CLCONV_BENCH_PROGRESS_H
#define CLCONV_BENCH_PROGRESS_H

/* On when stderr is a terminal; total is the number of rows to run. */
void bench_progress_begin(int total, const char *device);
/* A row starts: "[n/total, elapsed, estimate] problem algo: phase, its
 * seconds, on device". */
void bench_progress_row(const char *problem, const char *algo);
/* What the current row (or the device, before the rows) is doing now:
 * "compiling ...", "verifying ...", "timing", ... */
void bench_progress_phase(const char *phase);
/* A line of its own on stderr (a warning), the status line redrawn under it. */
void bench_progress_note(const char *line);
/* Clears the line and stops the ticker. */
void bench_progress_end(void);

#endif
