/* Output that either arrives whole or fails loudly (output.h). */
#define _POSIX_C_SOURCE 200809L
#include "output.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int bench_die(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("clconv-bench: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

int bench_finish_stdout(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout))
        return rc ? rc : bench_die(1, "cannot write the report to standard output: %s",
                                   strerror(errno));
    return rc;
}

/* A temp file beside the target, so the final rename cannot cross file
 * systems; tmp gets its name. NULL with errno set when it cannot be made. */
static FILE *out_begin(const char *path, char **tmp)
{
    size_t size = strlen(path) + sizeof ".XXXXXX";
    *tmp = malloc(size);
    if (!*tmp) {
        errno = ENOMEM;
        return NULL;
    }
    snprintf(*tmp, size, "%s.XXXXXX", path);
    int fd = mkstemp(*tmp);
    /* mkstemp makes 0600; a report is as readable as any file the user makes */
    mode_t mask = umask(0);
    umask(mask);
    if (fd >= 0)
        fchmod(fd, 0666 & ~mask);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        int err = errno;
        if (fd >= 0) {
            close(fd);
            remove(*tmp);
        }
        free(*tmp);
        *tmp = NULL;
        errno = err;
    }
    return f;
}

static int out_commit(FILE *f, char *tmp, const char *path)
{
    int bad = ferror(f);
    if (fclose(f) != 0)
        bad = 1;
    int rc = 0;
    if (bad || rename(tmp, path) != 0) {
        int err = errno;
        remove(tmp);
        rc = bench_die(1, "cannot write --out %s: %s", path, strerror(err));
    }
    free(tmp);
    return rc;
}

int bench_out_check(const char *path)
{
    char *tmp;
    FILE *f = out_begin(path, &tmp);
    if (!f)
        return bench_die(1, "cannot write --out %s: %s", path, strerror(errno));
    fclose(f);
    remove(tmp);
    free(tmp);
    return 0;
}

int bench_emit(const char *path, bench_writer fn, const void *arg)
{
    if (!path) {
        fn(stdout, arg);
        return bench_finish_stdout(0);
    }
    char *tmp;
    FILE *f = out_begin(path, &tmp);
    if (!f)
        return bench_die(1, "cannot write --out %s: %s", path, strerror(errno));
    fn(f, arg);
    return out_commit(f, tmp, path);
}
