/* The performance database: the tuner's best kernel parameters, one entry per
 * (platform, device, driver, kernel source, shape class), stored as entries
 * of the disk cache (disk_cache.c) beside the programs, so that it has the
 * same rules: written to a temp file and renamed, checksummed, and any entry
 * that does not match exactly is ignored (the caller falls back to its
 * default rule and a later tune rewrites it). Without a cache directory there
 * is no database: loads find nothing and stores do nothing. */
#include "runtime/rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Folds file's source (embedded or from the kernel directory) into *h. */
static int hash_source(clconv_context *ctx, const char *file, uint64_t *h)
{
    const char *text;
    size_t length;
    char *owned = NULL;
    if (rt_kernel_source(ctx, file, &text, &length, &owned) != CLCONV_SUCCESS)
        return 0;
    *h = rt_fnv1a(text, length, *h);
    free(owned);
    return 1;
}

/* The entry's key names everything that makes a tuned result stale: a new
 * driver, another device, or an edited kernel (its text with the prelude;
 * every kernel's for RT_PERFDB_EVERY_KERNEL). kernel_file NULL: a library's
 * kernel, whose version the shape class's method string names. */
static int perfdb_key(clconv_context *ctx, const char *kernel_file, const char *shape_class,
                      char *key, size_t cap, char *path, size_t path_cap)
{
    uint64_t h = RT_FNV_SEED;
    if (!hash_source(ctx, RT_PRELUDE_FILE, &h))
        return 0;
    if (kernel_file && strcmp(kernel_file, RT_PERFDB_EVERY_KERNEL) == 0) {
        for (size_t i = 0; i < rt_embedded_kernel_count; i++)
            if (!hash_source(ctx, rt_embedded_kernels[i].file, &h))
                return 0;
    } else if (kernel_file && !hash_source(ctx, kernel_file, &h)) {
        return 0;
    }
    const clconv_device_info *d = &ctx->info;
    snprintf(key, cap,
             "clconv-perfdb 1\nkernel=%s\nsource-fnv1a=%016llx\nplatform=%s\n"
             "platform-version=%s\ndevice=%s\ndriver=%s\ndevice-version=%s\nshape=%s\n",
             kernel_file ? kernel_file : "(a library's)", (unsigned long long)h,
             d->platform_name, d->platform_version, d->name, d->driver_version, d->version,
             shape_class);
    snprintf(path, path_cap, "%s/perfdb-%016llx.txt", ctx->cache_dir,
             (unsigned long long)rt_fnv1a(key, strlen(key), RT_FNV_SEED));
    return 1;
}

int rt_perfdb_load(clconv_context *ctx, const char *kernel_file, const char *shape_class,
                   char *value, size_t cap)
{
    char key[4096], path[4200];
    if (!ctx->cache_dir ||
        !perfdb_key(ctx, kernel_file, shape_class, key, sizeof key, path, sizeof path))
        return 0;
    size_t size;
    unsigned char *text = rt_cache_load(path, key, &size);
    if (!text)
        return 0;
    snprintf(value, cap, "%.*s", (int)(size < cap ? size : cap - 1), (const char *)text);
    free(text);
    return 1;
}

void rt_perfdb_store(clconv_context *ctx, const char *kernel_file, const char *shape_class,
                     const char *value)
{
    char key[4096], path[4200];
    if (ctx->cache_dir &&
        perfdb_key(ctx, kernel_file, shape_class, key, sizeof key, path, sizeof path))
        rt_cache_store(ctx, path, key, (const unsigned char *)value, strlen(value));
}
