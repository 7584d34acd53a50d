/* Progress on stderr (progress.h). The line goes to a duplicate of the
 * terminal's descriptor taken at the start: the library points fd 2 at a
 * temporary file while third-party compilers print (runtime/quiet.c), and the
 * ticker's redraws must not land in that capture. */
#define _POSIX_C_SOURCE 200809L
#include "progress.h"
#include "runtime/timing.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t ticker;
    int on, stop, fd;
    int done, total; /* rows finished, rows in all */
    char row[160], phase[96], device[96];
    double start_ms, rows_start_ms, row_start_ms, phase_start_ms;
} pg = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, -1, 0, 0, "", "", "",
        0, 0, 0, 0};

static int columns(void)
{
    struct winsize ws;
    if (ioctl(pg.fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
        return ws.ws_col;
    return 80;
}

/* Holds the lock. The estimate is the mean time of the finished rows times
 * the rows left (the peaks, measured before the first row, not counted):
 * rough, and said to be ("~"). */
static void draw(void)
{
    double now = rt_now_ms();
    char left[48] = "";
    if (pg.done > 0 && pg.done < pg.total) {
        double per_row = (pg.row_start_ms - pg.rows_start_ms) / pg.done;
        snprintf(left, sizeof left, ", ~%.0f s left",
                 per_row * (pg.total - pg.done) / 1e3);
    }
    char line[512];
    /* the device last: a narrow terminal cuts it, not the phase */
    int n = snprintf(line, sizeof line, "\r\033[K[%d/%d, %.0f s%s] %s%s%s %.0f s, on %s",
                     pg.done + (pg.row[0] != 0), pg.total, (now - pg.start_ms) / 1e3, left,
                     pg.row, pg.row[0] ? ": " : "", pg.phase, (now - pg.phase_start_ms) / 1e3,
                     pg.device);
    if (n < 0)
        return;
    /* "\r\033[K" is 4 bytes the terminal does not show; a wrapped line could
     * not be rewritten in place */
    size_t shown = (size_t)columns() - 1 + 4;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    if (len > shown)
        len = shown;
    if (write(pg.fd, line, len) < 0)
        pg.on = 0;
}

static void *tick(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&pg.lock);
    while (!pg.stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&pg.wake, &pg.lock, &until);
        if (!pg.stop && pg.on)
            draw();
    }
    pthread_mutex_unlock(&pg.lock);
    return NULL;
}

void bench_progress_begin(int total, const char *device)
{
    if (!isatty(STDERR_FILENO) || (pg.fd = dup(STDERR_FILENO)) < 0)
        return;
    pthread_mutex_lock(&pg.lock);
    pg.on = 1;
    pg.stop = 0;
    pg.total = total;
    pg.row[0] = pg.phase[0] = '\0';
    snprintf(pg.device, sizeof pg.device, "%s", device);
    pg.start_ms = pg.row_start_ms = pg.phase_start_ms = rt_now_ms();
    pg.done = 0;
    pthread_mutex_unlock(&pg.lock);
    if (pthread_create(&pg.ticker, NULL, tick, NULL) != 0)
        pg.stop = 1; /* no ticker: the line still changes with each phase */
}

void bench_progress_row(const char *problem, const char *algo)
{
    if (!pg.on)
        return;
    pthread_mutex_lock(&pg.lock);
    pg.row_start_ms = pg.phase_start_ms = rt_now_ms();
    if (pg.row[0])
        pg.done++;
    else
        pg.rows_start_ms = pg.row_start_ms;
    snprintf(pg.row, sizeof pg.row, "%s %s", problem, algo);
    pg.phase[0] = '\0';
    pthread_mutex_unlock(&pg.lock);
}

void bench_progress_phase(const char *phase)
{
    if (!pg.on)
        return;
    pthread_mutex_lock(&pg.lock);
    snprintf(pg.phase, sizeof pg.phase, "%s", phase);
    pg.phase_start_ms = rt_now_ms();
    draw();
    pthread_mutex_unlock(&pg.lock);
}

void bench_progress_note(const char *line)
{
    pthread_mutex_lock(&pg.lock);
    /* clear the status line, print, and let the next tick redraw it */
    if (pg.on && write(pg.fd, "\r\033[K", 4) < 0)
        pg.on = 0;
    fprintf(stderr, "%s\n", line);
    fflush(stderr);
    pthread_mutex_unlock(&pg.lock);
}

void bench_progress_end(void)
{
    if (pg.fd < 0)
        return;
    pthread_mutex_lock(&pg.lock);
    int had_ticker = !pg.stop;
    pg.stop = 1;
    pthread_cond_signal(&pg.wake);
    pthread_mutex_unlock(&pg.lock);
    if (had_ticker)
        pthread_join(pg.ticker, NULL);
    if (pg.on && write(pg.fd, "\r\033[K", 4) < 0)
        pg.on = 0;
    pg.on = 0;
    close(pg.fd);
    pg.fd = -1;
}
