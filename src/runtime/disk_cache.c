/* The on-disk cache shared by programs and device peaks.
 *
 * Entry (one file per key, written to a temp file and renamed, so two
 * processes can share a directory and a reader never sees half a file):
 *   "clconv-program-cache 1\n"
 *   u64 key length, key text
 *   u64 payload length, u64 FNV-1a of the payload, payload
 * Anything that does not match exactly (magic, key, sizes, checksum) is
 * ignored, so the caller rebuilds it. */
#define _POSIX_C_SOURCE 200809L
#include "runtime/rt.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char CACHE_MAGIC[] = "clconv-program-cache 1\n";

uint64_t rt_fnv1a(const void *data, size_t n, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static void cache_disable(clconv_context *ctx, const char *what, const char *path, int err)
{
    /* One warning per context (the cache stays off on it after): a
     * read-only cache is a slowdown, not an error. */
    rt_log(ctx, CLCONV_LOG_WARNING, "program cache disabled: cannot %s %s: %s", what, path,
           strerror(err));
    free(ctx->cache_dir);
    ctx->cache_dir = NULL;
}

int rt_mkdir_p(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static int read_u64(FILE *f, uint64_t *v)
{
    return fread(v, sizeof *v, 1, f) == 1;
}

/* Returns a malloc'd binary when the entry at path is complete and matches key. */
unsigned char *rt_cache_load(const char *path, const char *key, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *payload = NULL;
    char *stored_key = NULL;
    char magic[sizeof CACHE_MAGIC];
    uint64_t key_len, payload_len, checksum;
    size_t want_key = strlen(key);
    if (fread(magic, 1, sizeof CACHE_MAGIC - 1, f) != sizeof CACHE_MAGIC - 1 ||
        memcmp(magic, CACHE_MAGIC, sizeof CACHE_MAGIC - 1) != 0 || !read_u64(f, &key_len) ||
        key_len != want_key || !(stored_key = malloc(want_key + 1)) ||
        fread(stored_key, 1, want_key, f) != want_key || memcmp(stored_key, key, want_key) != 0 ||
        !read_u64(f, &payload_len) || !read_u64(f, &checksum) || payload_len == 0 ||
        payload_len > ((uint64_t)1 << 31) || !(payload = malloc(payload_len)) ||
        fread(payload, 1, payload_len, f) != payload_len || fgetc(f) != EOF ||
        rt_fnv1a(payload, payload_len, RT_FNV_SEED) != checksum) {
        free(payload);
        payload = NULL;
    }
    free(stored_key);
    fclose(f);
    if (payload)
        *size = (size_t)payload_len;
    return payload;
}

void rt_cache_store(clconv_context *ctx, const char *path, const char *key,
                        const unsigned char *bin, size_t size)
{
    if (rt_mkdir_p(ctx->cache_dir) != 0) {
        cache_disable(ctx, "create", ctx->cache_dir, errno);
        return;
    }
    /* mkstemp: unique even across PID namespaces sharing one directory. */
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        int err = errno;
        if (fd >= 0) {
            close(fd);
            remove(tmp);
        }
        cache_disable(ctx, "write to", ctx->cache_dir, err);
        return;
    }
    uint64_t key_len = strlen(key), payload_len = size, sum = rt_fnv1a(bin, size, RT_FNV_SEED);
    int ok = fwrite(CACHE_MAGIC, 1, sizeof CACHE_MAGIC - 1, f) == sizeof CACHE_MAGIC - 1 &&
             fwrite(&key_len, sizeof key_len, 1, f) == 1 &&
             fwrite(key, 1, key_len, f) == key_len &&
             fwrite(&payload_len, sizeof payload_len, 1, f) == 1 &&
             fwrite(&sum, sizeof sum, 1, f) == 1 && fwrite(bin, 1, size, f) == size;
    int err = errno;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        err = errno ? errno : err;
        remove(tmp);
        cache_disable(ctx, "write", path, err);
    }
}
