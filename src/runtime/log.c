/* Messages for the caller: to the context's log callback when it has one,
 * to stderr only when CLCONV_VERBOSE=1 asks, else nowhere. The library
 * writes to stderr nowhere else (tests/check_layers.cmake checks). */
#define _POSIX_C_SOURCE 200809L
#include "runtime/rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rt_verbose(void)
{
    const char *v = getenv("CLCONV_VERBOSE");
    return v && strcmp(v, "0") != 0 && v[0];
}

static const char *level_name(clconv_log_level level)
{
    return level == CLCONV_LOG_WARNING ? "warning" : "info";
}

void rt_log(clconv_context *ctx, clconv_log_level level, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    line[strcspn(line, "\n")] = '\0'; /* one line per message, as the header promises */
    if (ctx && ctx->log)
        ctx->log(ctx->log_user, level, line);
    else if (rt_verbose())
        fprintf(stderr, "clconv: %s: %s\n", level_name(level), line);
}
