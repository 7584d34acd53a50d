/* Progress on stderr (progress.h): one line, rewritten in place. */
#define _POSIX_C_SOURCE 200809L
#include "progress.h"

#include <stdio.h>
#include <unistd.h>

void bench_progress_begin(bench_progress *pg, int total, const char *device)
{
    *pg = (bench_progress){isatty(STDERR_FILENO), 0, total, device};
}

void bench_progress_show(bench_progress *pg, const char *problem, const char *algo)
{
    if (pg->on)
        fprintf(stderr, "\r\033[K[%d/%d] %s %s on %s", ++pg->done, pg->total, problem, algo,
                pg->device);
}

void bench_progress_note(const bench_progress *pg, const char *what)
{
    if (pg->on)
        fprintf(stderr, "\r\033[K%s", what);
}

void bench_progress_end(const bench_progress *pg)
{
    if (pg->on)
        fputs("\r\033[K", stderr);
}
