/* Program manager: kernel sources (embedded or from CLCONV_KERNEL_DIR), an
 * in-memory table per context, and an on-disk cache of program binaries.
 *
 * Every program is cl/common/prelude.cl followed by its own file. Files are
 * named by their path under cl/ ("fft/cmac.cl"), embedded or under the
 * kernel directory alike.
 * The cache key is the source hash and size, build options, platform,
 * device, driver and device version (the entry format is disk_cache.c's);
 * a binary the driver refuses is rebuilt, never trusted. */
#define _POSIX_C_SOURCE 200809L
#include "runtime/rt.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct rt_program {
    rt_program *next;
    char *file;
    char *options;
    cl_program program;
};


/* ---- sources ---- */

static clconv_status read_file(clconv_context *ctx, const char *path, char **text, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return rt_fail(ctx, CLCONV_ERR_NOT_FOUND, "cannot open kernel file %s: %s", path,
                       strerror(errno));
    char *buf = NULL;
    size_t used = 0, cap = 0;
    for (;;) {
        if (used + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 16384;
            char *grown = realloc(buf, cap);
            if (!grown) {
                free(buf);
                fclose(f);
                return rt_fail(ctx, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory reading %s",
                               path);
            }
            buf = grown;
        }
        size_t got = fread(buf + used, 1, cap - used - 1, f);
        used += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return rt_fail(ctx, CLCONV_ERR_IO, "cannot read kernel file %s", path);
    }
    buf[used] = '\0';
    *text = buf;
    *len = used;
    return CLCONV_SUCCESS;
}

clconv_status rt_kernel_source(clconv_context *ctx, const char *file, const char **text,
                               size_t *length, char **owned)
{
    *owned = NULL;
    if (ctx->kernel_dir) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", ctx->kernel_dir, file);
        clconv_status st = read_file(ctx, path, owned, length);
        *text = *owned;
        return st;
    }
    for (size_t i = 0; i < rt_embedded_kernel_count; i++)
        if (strcmp(rt_embedded_kernels[i].file, file) == 0) {
            *text = rt_embedded_kernels[i].source;
            *length = rt_embedded_kernels[i].length;
            return CLCONV_SUCCESS;
        }
    return rt_fail(ctx, CLCONV_ERR_NOT_FOUND, "no embedded kernel file %s", file);
}

/* ---- building ---- */

static clconv_status build(clconv_context *ctx, cl_program prog, const char *file,
                           const char *options, int from_binary)
{
    cl_int err = clBuildProgram(prog, 1, &ctx->device, options, NULL, NULL);
    if (err == CL_SUCCESS)
        return CLCONV_SUCCESS;
    if (from_binary)
        return CLCONV_ERR_BUILD; /* caller falls back to source; no message needed */
    size_t log_size = 0;
    char *log = NULL;
    if (clGetProgramBuildInfo(prog, ctx->device, CL_PROGRAM_BUILD_LOG, 0, NULL, &log_size) ==
            CL_SUCCESS &&
        (log = calloc(1, log_size + 1)) != NULL &&
        clGetProgramBuildInfo(prog, ctx->device, CL_PROGRAM_BUILD_LOG, log_size, log, NULL) !=
            CL_SUCCESS)
        log[0] = '\0';
    clconv_status st = rt_fail(ctx, CLCONV_ERR_BUILD,
                               "clBuildProgram(%s, options \"%s\") failed: %s\nbuild log:\n%s",
                               file, options, rt_cl_error_name(err), log ? log : "(none)");
    free(log);
    return st;
}

static cl_program from_binary(clconv_context *ctx, const unsigned char *bin, size_t size,
                              const char *file, const char *options)
{
    cl_int err, bin_status;
    cl_program prog =
        clCreateProgramWithBinary(ctx->cl_ctx, 1, &ctx->device, &size, &bin, &bin_status, &err);
    if (err != CL_SUCCESS || bin_status != CL_SUCCESS) {
        if (prog)
            clReleaseProgram(prog);
        return NULL;
    }
    if (build(ctx, prog, file, options, 1) != CLCONV_SUCCESS) {
        clReleaseProgram(prog);
        return NULL;
    }
    return prog;
}

static clconv_status from_source(clconv_context *ctx, const char **srcs, const size_t *lens,
                                 const char *file, const char *options, cl_program *out)
{
    cl_int err;
    cl_program prog = clCreateProgramWithSource(ctx->cl_ctx, 2, srcs, lens, &err);
    if (err != CL_SUCCESS)
        return rt_cl_fail(ctx, err, "clCreateProgramWithSource", "%s, %zu bytes", file, lens[1]);
    clconv_status st = build(ctx, prog, file, options, 0);
    if (st) {
        clReleaseProgram(prog);
        return st;
    }
    *out = prog;
    return CLCONV_SUCCESS;
}

static void store_binary(clconv_context *ctx, cl_program prog, const char *path, const char *key)
{
    size_t size = 0;
    if (clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof size, &size, NULL) != CL_SUCCESS ||
        size == 0)
        return; /* no binary to keep (allowed by the spec): compile next time */
    unsigned char *bin = malloc(size);
    if (!bin)
        return;
    if (clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof bin, &bin, NULL) == CL_SUCCESS)
        rt_cache_store(ctx, path, key, bin, size);
    free(bin);
}

static void cache_key(clconv_context *ctx, const char **srcs, const size_t *lens,
                      const char *options, char *key, size_t size)
{
    uint64_t h = rt_fnv1a(srcs[1], lens[1], rt_fnv1a(srcs[0], lens[0], RT_FNV_SEED));
    snprintf(key, size,
             "source-fnv1a=%016llx source-bytes=%zu+%zu\noptions=%s\nplatform=%s\n"
             "platform-version=%s\ndevice=%s\ndriver=%s\ndevice-version=%s\n",
             (unsigned long long)h, lens[0], lens[1], options, ctx->info.platform_name,
             ctx->info.platform_version, ctx->info.name, ctx->info.driver_version,
             ctx->info.version);
}

static clconv_status remember(clconv_context *ctx, const char *file, const char *options,
                              cl_program prog)
{
    rt_program *e = calloc(1, sizeof *e);
    if (!e || !(e->file = strdup(file)) || !(e->options = strdup(options))) {
        if (e) {
            free(e->file);
            free(e);
        }
        clReleaseProgram(prog);
        return rt_fail(ctx, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory");
    }
    e->program = prog;
    e->next = ctx->programs;
    ctx->programs = e;
    return CLCONV_SUCCESS;
}

clconv_status rt_program_get(clconv_context *ctx, const char *file, const char *kernel_options,
                             cl_program *out, rt_build_stats *stats)
{
    /* CLCONV_BUILD_OPTIONS adds to every build, e.g. -cl-opt-disable for a
     * simulator (oclgrind cannot check the `freeze` LLVM's optimiser emits). */
    char options[1024];
    const char *extra = getenv("CLCONV_BUILD_OPTIONS");
    snprintf(options, sizeof options, "%s%s%s", kernel_options, extra && *extra ? " " : "",
             extra && *extra ? extra : "");
    double t0 = rt_now_ms();
    rt_build_stats local = {0};
    *out = NULL;
    for (rt_program *e = ctx->programs; e; e = e->next)
        if (strcmp(e->file, file) == 0 && strcmp(e->options, options) == 0) {
            *out = e->program;
            if (stats)
                *stats = local;
            return CLCONV_SUCCESS;
        }

    const char *srcs[2];
    size_t lens[2];
    char *owned[2] = {NULL, NULL};
    clconv_status st = rt_kernel_source(ctx, RT_PRELUDE_FILE, &srcs[0], &lens[0], &owned[0]);
    if (!st)
        st = rt_kernel_source(ctx, file, &srcs[1], &lens[1], &owned[1]);
    if (st) {
        free(owned[0]);
        return st;
    }
    char key[4096], path[4096];
    cache_key(ctx, srcs, lens, options, key, sizeof key);
    cl_program prog = NULL;
    if (ctx->cache_dir) {
        /* one flat directory: "fft/cmac.cl" is stored as fft-cmac-<hash>.bin */
        char stem[256];
        snprintf(stem, sizeof stem, "%s", file);
        char *dot = strrchr(stem, '.');
        if (dot)
            *dot = '\0';
        for (char *c = stem; *c; c++)
            if (*c == '/')
                *c = '-';
        snprintf(path, sizeof path, "%s/%s-%016llx.bin", ctx->cache_dir, stem,
                 (unsigned long long)rt_fnv1a(key, strlen(key), RT_FNV_SEED));
        size_t size;
        unsigned char *bin = rt_cache_load(path, key, &size);
        if (bin) {
            prog = from_binary(ctx, bin, size, file, options);
            free(bin);
            local.from_disk = prog != NULL;
        }
    }
    if (!prog) {
        st = from_source(ctx, srcs, lens, file, options, &prog);
        if (st) {
            free(owned[0]);
            free(owned[1]);
            return st;
        }
        local.compiled = 1;
        if (ctx->cache_dir)
            store_binary(ctx, prog, path, key);
    }
    free(owned[0]);
    free(owned[1]);
    if ((st = remember(ctx, file, options, prog)))
        return st;
    local.ms = rt_now_ms() - t0;
    if (stats)
        *stats = local;
    *out = prog;
    return CLCONV_SUCCESS;
}

void rt_programs_release(clconv_context *ctx)
{
    rt_program *e = ctx->programs;
    while (e) {
        rt_program *next = e->next;
        clReleaseProgram(e->program);
        free(e->file);
        free(e->options);
        free(e);
        e = next;
    }
    ctx->programs = NULL;
}

clconv_status rt_kernel_create(clconv_context *ctx, cl_program program, const char *name,
                               cl_kernel *out)
{
    cl_int err;
    *out = clCreateKernel(program, name, &err);
    if (err != CL_SUCCESS) {
        *out = NULL;
        return rt_cl_fail(ctx, err, "clCreateKernel", "\"%s\"", name);
    }
    return CLCONV_SUCCESS;
}

clconv_status rt_kernel_set_args(clconv_context *ctx, cl_kernel k, const char *name,
                                 const cl_mem *mems, int mem_count, const cl_int *ints,
                                 int int_count)
{
    for (int i = 0; i < mem_count + int_count; i++) {
        cl_int err = i < mem_count
                         ? clSetKernelArg(k, (cl_uint)i, sizeof(cl_mem), &mems[i])
                         : clSetKernelArg(k, (cl_uint)i, sizeof(cl_int), &ints[i - mem_count]);
        if (err != CL_SUCCESS)
            return rt_cl_fail(ctx, err, "clSetKernelArg", "%s arg %d", name, i);
    }
    return CLCONV_SUCCESS;
}
