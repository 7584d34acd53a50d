/* Quiet third-party builds: clFFT (clfftBakePlan) and CLBlast (a routine's
 * first call on a device) build their own OpenCL programs inside the call,
 * and PoCL's compiler prints "N warnings generated." about those kernels on
 * the process's stderr. That is noise to a user: it is captured, and when
 * the call failed it goes to the context's log (rt_log) line by line. With
 * CLCONV_VERBOSE=1 nothing is captured: the compiler prints as it would.
 *
 * The compiler writes to file descriptor 2 directly, so capturing means
 * pointing fd 2 at a temporary file: process-wide. Hence one capture for the
 * whole process, a mutex around its state and a depth count: nested or
 * overlapping captures (two threads baking FFT plans) share the outermost
 * one, and fd 2 is restored, and what was captured logged if any of them
 * failed, when the last ends. Anything another thread writes to stderr
 * meanwhile is captured too; keeping captures to calls that compile (once
 * per context and routine for CLBlast) keeps that window rare. When fd 2
 * cannot be redirected (no temporary file) nothing is captured: the noise
 * shows, as it did before. */
#define _POSIX_C_SOURCE 200809L
#include "runtime/rt.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
    pthread_mutex_t lock;
    int depth;  /* captures begun and not yet ended */
    int saved;  /* the real fd 2, while depth > 0 */
    FILE *file; /* what fd 2 points at, while depth > 0 */
    int failed; /* some capture in this window ended with failed */
    clconv_context *log_to; /* the first failed call's context: its log hears the capture */
} quiet = {PTHREAD_MUTEX_INITIALIZER, 0, -1, NULL, 0, NULL};

static uint64_t call_hash(const char *call)
{
    return rt_fnv1a(call, strlen(call), RT_FNV_SEED);
}

static int succeeded_before(const clconv_context *ctx, const char *call)
{
    uint64_t h = call_hash(call);
    for (int i = 0; i < ctx->quiet_done_count; i++)
        if (ctx->quiet_done[i] == h)
            return 1;
    return 0;
}

/* Starts capturing; 0 (nothing to undo) when it cannot. Holds the lock. */
static int redirect(void)
{
    fflush(stderr);
    FILE *f = tmpfile();
    if (!f)
        return 0;
    int saved = dup(STDERR_FILENO);
    if (saved < 0 || dup2(fileno(f), STDERR_FILENO) < 0) {
        if (saved >= 0)
            close(saved);
        fclose(f);
        return 0;
    }
    quiet.saved = saved;
    quiet.file = f;
    quiet.failed = 0;
    quiet.log_to = NULL;
    return 1;
}

/* Restores fd 2 and logs the capture on ctx when asked. Holds the lock. */
static void restore(clconv_context *ctx, int replay)
{
    fflush(stderr);
    dup2(quiet.saved, STDERR_FILENO);
    close(quiet.saved);
    quiet.saved = -1;
    if (replay) {
        char line[1024];
        rewind(quiet.file);
        while (fgets(line, sizeof line, quiet.file))
            rt_log(ctx, CLCONV_LOG_INFO, "compiler output: %s", line);
    }
    fclose(quiet.file);
    quiet.file = NULL;
}

int rt_quiet_begin(clconv_context *ctx, const char *call)
{
    if (ctx && call && succeeded_before(ctx, call))
        return 0;
    if (ctx && ctx->library_compile) /* the call may compile now */
        ctx->library_compile(ctx->library_compile_user, call ? call : "clfftBakePlan");
    if (rt_verbose())
        return 0;
    pthread_mutex_lock(&quiet.lock);
    int token = quiet.depth > 0 || redirect();
    quiet.depth += token;
    pthread_mutex_unlock(&quiet.lock);
    return token;
}

void rt_quiet_end(clconv_context *ctx, const char *call, int token, int failed)
{
    if (!failed && ctx && call && !succeeded_before(ctx, call) &&
        ctx->quiet_done_count < RT_QUIET_CALLS)
        ctx->quiet_done[ctx->quiet_done_count++] = call_hash(call);
    if (!token)
        return;
    pthread_mutex_lock(&quiet.lock);
    if (failed && !quiet.failed)
        quiet.log_to = ctx;
    quiet.failed |= failed != 0;
    if (--quiet.depth == 0)
        restore(quiet.log_to, quiet.failed);
    pthread_mutex_unlock(&quiet.lock);
}

int clconv_quiet_begin(clconv_context *ctx, const char *call)
{
    return rt_quiet_begin(ctx, call);
}

void clconv_quiet_end(clconv_context *ctx, const char *call, int token, int failed)
{
    rt_quiet_end(ctx, call, token, failed);
}
