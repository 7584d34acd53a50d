/* Runtime layer: CL error names, device listing and selection, contexts
 * (own and wrapped), the program manager and its disk cache. */
#define _POSIX_C_SOURCE 200809L
#include "fixture.h"

#include "runtime/rt.h"

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void test_error_names(void **state)
{
    (void)state;
    assert_string_equal(clconv_cl_error_name(-54), "CL_INVALID_WORK_GROUP_SIZE");
    assert_string_equal(clconv_cl_error_name(CL_OUT_OF_RESOURCES), "CL_OUT_OF_RESOURCES");
    assert_string_equal(clconv_cl_error_name(-1001), "CL_PLATFORM_NOT_FOUND_KHR");
    assert_string_equal(clconv_cl_error_name(-11), "CL_BUILD_PROGRAM_FAILURE");
    assert_string_equal(clconv_cl_error_name(-12345), "CL error -12345");
    assert_string_equal(clconv_status_string(CLCONV_ERR_INVALID_ARG), "CLCONV_ERR_INVALID_ARG");
    assert_string_equal(clconv_status_string(CLCONV_SUCCESS), "CLCONV_SUCCESS");
    assert_string_equal(clconv_status_string((clconv_status)999), "CLCONV_ERR_UNKNOWN_STATUS");
    /* an OpenCL failure names the call, the arguments and the CL_* code */
    clconv_status st = rt_cl_fail(NULL, CL_INVALID_WORK_GROUP_SIZE, "clEnqueueNDRangeKernel",
                                  "local %d", 7);
    assert_int_equal(st, CLCONV_ERR_OPENCL);
    assert_string_equal(clconv_last_error(NULL),
                        "clEnqueueNDRangeKernel(local 7) failed: CL_INVALID_WORK_GROUP_SIZE");
    assert_int_equal(rt_cl_fail(NULL, CL_MEM_OBJECT_ALLOCATION_FAILURE, "clCreateBuffer", "x"),
                     CLCONV_ERR_OUT_OF_MEMORY);
}

/* The list agrees with what OpenCL itself reports, platform by platform. */
static void test_device_list_matches_opencl(void **state)
{
    (void)state;
    clconv_device_list *list;
    assert_int_equal(clconv_device_list_create(&list), CLCONV_SUCCESS);
    cl_uint np = 0;
    assert_int_equal(clGetPlatformIDs(0, NULL, &np), CL_SUCCESS);
    assert_int_equal(list->platform_count, (int)np);
    cl_platform_id ids[16];
    assert_true(np <= 16);
    assert_int_equal(clGetPlatformIDs(np, ids, NULL), CL_SUCCESS);
    int total = 0;
    for (cl_uint p = 0; p < np; p++) {
        cl_uint nd = 0;
        cl_int err = clGetDeviceIDs(ids[p], CL_DEVICE_TYPE_ALL, 0, NULL, &nd);
        if (err == CL_DEVICE_NOT_FOUND)
            nd = 0; /* a platform without devices is listed, empty */
        else
            assert_int_equal(err, CL_SUCCESS);
        assert_int_equal(list->platforms[p].index, (int)p);
        assert_int_equal(list->platforms[p].device_count, (int)nd);
        assert_true(strlen(list->platforms[p].name) > 0);
        total += (int)nd;
    }
    assert_int_equal(list->device_count, total);
    assert_true(total >= 1);
    int next_index = 0, platform = -1;
    for (int i = 0; i < list->device_count; i++) {
        const clconv_device_info *d = &list->devices[i];
        if (d->platform_index != platform) {
            assert_true(d->platform_index > platform);
            platform = d->platform_index;
            next_index = 0;
        }
        assert_int_equal(d->device_index, next_index++); /* as clinfo -l numbers them */
        assert_true(strlen(d->name) > 0 && strlen(d->driver_version) > 0);
        assert_string_equal(d->platform_name, list->platforms[platform].name);
        assert_true(d->compute_units >= 1);
        assert_true(d->max_alloc_bytes > 0 && d->global_mem_bytes >= d->max_alloc_bytes);
        assert_true(d->preferred_vector_width_float >= 1 || strcmp(d->type, "GPU") == 0);
    }
    clconv_device_list_free(list);
    clconv_device_list_free(NULL);
}

static void test_select(void **state)
{
    (void)state;
    clconv_device_list *list;
    assert_int_equal(clconv_device_list_create(&list), CLCONV_SUCCESS);
    fixture_env saved = fixture_env_set("CLCONV_DEVICE", NULL);
    assert_true(list->device_count >= 1); /* the loop below selects something */
    for (int i = 0; i < list->device_count; i++) {
        const clconv_device_info *want = &list->devices[i], *got = NULL;
        clconv_device_selector by_index = FIXTURE_SELECTOR(want->platform_index, want->device_index, NULL);
        assert_int_equal(clconv_device_select(list, &by_index, &got), CLCONV_SUCCESS);
        assert_ptr_equal(got, want);

        char pd[32];
        snprintf(pd, sizeof pd, "%d:%d", want->platform_index, want->device_index);
        setenv("CLCONV_DEVICE", pd, 1);
        assert_int_equal(clconv_device_select(list, NULL, &got), CLCONV_SUCCESS);
        assert_ptr_equal(got, want);
        unsetenv("CLCONV_DEVICE");

        /* a name matches case-insensitively; the first match wins */
        char upper[CLCONV_NAME_MAX];
        snprintf(upper, sizeof upper, "%s", want->name);
        for (char *c = upper; *c; c++)
            *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
        clconv_device_selector by_name = FIXTURE_SELECTOR(-1, -1, upper);
        assert_int_equal(clconv_device_select(list, &by_name, &got), CLCONV_SUCCESS);
        assert_string_equal(got->name, want->name);
        setenv("CLCONV_DEVICE", upper, 1);
        assert_int_equal(clconv_device_select(list, NULL, &got), CLCONV_SUCCESS);
        assert_string_equal(got->name, want->name);
        unsetenv("CLCONV_DEVICE");
    }
    /* no selector and no environment: the first device */
    const clconv_device_info *got;
    assert_int_equal(clconv_device_select(list, NULL, &got), CLCONV_SUCCESS);
    assert_ptr_equal(got, &list->devices[0]);
    /* explicit indexes win over the environment */
    setenv("CLCONV_DEVICE", "no-such-device", 1);
    clconv_device_selector first = FIXTURE_SELECTOR(list->devices[0].platform_index,
                                    list->devices[0].device_index, NULL);
    assert_int_equal(clconv_device_select(list, &first, &got), CLCONV_SUCCESS);
    fixture_env_restore(&saved);
    clconv_device_list_free(list);
}

static void expect_not_found(const clconv_device_list *list, const clconv_device_selector *sel,
                             const char *env, const char *phrase)
{
    fixture_env saved = fixture_env_set("CLCONV_DEVICE", env);
    const clconv_device_info *got = (const clconv_device_info *)list;
    assert_int_equal(clconv_device_select(list, sel, &got), CLCONV_ERR_NOT_FOUND);
    fixture_env_restore(&saved);
    assert_null(got);
    const char *msg = clconv_last_error(NULL);
    if (!strstr(msg, phrase) || !strstr(msg, "devices that exist"))
        fail_msg("message \"%s\" lacks \"%s\" or the device list", msg, phrase);
    /* the list names every device by P:D */
    char pd[32];
    snprintf(pd, sizeof pd, "%d:%d ", list->devices[0].platform_index,
             list->devices[0].device_index);
    assert_non_null(strstr(msg, pd));
}

static void test_select_out_of_range(void **state)
{
    (void)state;
    clconv_device_list *list;
    assert_int_equal(clconv_device_list_create(&list), CLCONV_SUCCESS);
    clconv_device_selector bad_platform = FIXTURE_SELECTOR(99, 0, NULL), bad_device = FIXTURE_SELECTOR(0, 99, NULL);
    clconv_device_selector bad_name = FIXTURE_SELECTOR(-1, -1, "no-such-device-anywhere");
    expect_not_found(list, &bad_platform, NULL, "no device 99:0");
    expect_not_found(list, &bad_device, NULL, "no device 0:99");
    expect_not_found(list, &bad_name, NULL, "no-such-device-anywhere");
    expect_not_found(list, NULL, "7:42", "CLCONV_DEVICE: no device 7:42");
    expect_not_found(list, NULL, "not-a-device", "CLCONV_DEVICE: no device matches");
    clconv_device_list_free(list);
    /* context creation passes the same error on */
    clconv_context *ctx = (clconv_context *)&list;
    assert_int_equal(clconv_context_create(&bad_platform, NULL, &ctx), CLCONV_ERR_NOT_FOUND);
    assert_null(ctx);
}

/* A wrapped context uses the caller's queue and leaves it alive. */
/* What context_wrap refuses (NULLs, an out-of-order queue: the stages rely
 * on order) and what it accepts without profiling: results stay right,
 * stage times are reported negative, as the header says. */
static void test_context_wrap_queues(void **state)
{
    (void)state;
    clconv_context *own = fixture_context();
    cl_device_id dev = NULL;
    assert_int_equal(clGetCommandQueueInfo(clconv_context_queue(own), CL_QUEUE_DEVICE,
                                           sizeof dev, &dev, NULL), CL_SUCCESS);
    cl_int err;
    cl_context c = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
    assert_int_equal(err, CL_SUCCESS);
    clconv_context *wrapped = (clconv_context *)1;
    assert_int_equal(clconv_context_wrap(NULL, NULL, NULL, &wrapped), CLCONV_ERR_INVALID_ARG);
    assert_null(wrapped);
    cl_command_queue_properties can = 0;
    assert_int_equal(clGetDeviceInfo(dev, CL_DEVICE_QUEUE_PROPERTIES, sizeof can, &can, NULL),
                     CL_SUCCESS);
    if (can & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE) {
        cl_command_queue ooo = clCreateCommandQueue(c, dev, CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE,
                                                    &err);
        assert_int_equal(err, CL_SUCCESS);
        assert_int_equal(clconv_context_wrap(c, ooo, NULL, &wrapped), CLCONV_ERR_INVALID_ARG);
        assert_null(wrapped);
        assert_non_null(strstr(clconv_last_error(NULL), "out-of-order"));
        clReleaseCommandQueue(ooo);
    } else {
        print_message("out-of-order queues not supported here: that refusal is not exercised\n");
    }
    cl_command_queue plain = clCreateCommandQueue(c, dev, 0, &err);
    assert_int_equal(err, CL_SUCCESS);
    /* no disk cache: the peaks below are measured here, not read */
    clconv_context_options no_cache = FIXTURE_CONTEXT_OPTIONS(.disable_disk_cache = 1);
    assert_int_equal(clconv_context_wrap(c, plain, &no_cache, &wrapped), CLCONV_SUCCESS);
    assert_int_equal(clconv_context_device_timing(wrapped), 0);
    /* without profiling the peaks are timed on the host, and say so */
    clconv_peaks peaks;
    if (clconv_measure_peaks(wrapped, 0, &peaks) != CLCONV_SUCCESS)
        fail_msg("peaks on a queue without profiling: %s", clconv_last_error(wrapped));
    assert_string_equal(peaks.time_source, "host");
    assert_int_equal(peaks.from_cache, 0);
    assert_true(peaks.bandwidth_gbs > 0 && isfinite(peaks.bandwidth_gbs));
    assert_true(peaks.gflops > 0 && isfinite(peaks.gflops));
    clconv_problem p = FIXTURE_PROBLEM(1, 2, 7, 9, 3, 3, 3, 1, 1, 1, 1, 1, 1);
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
        const clconv_problem q = fixture_problem_for(wrapped, (clconv_algo)a, &p);
        assert_true(fixture_run_problem(wrapped, &q, (clconv_algo)a, 1, 21) < 1e-4);
    }
    size_t ni = clconv_problem_input_elems(&p), nw = clconv_problem_weight_elems(&p);
    float *host = calloc(ni + nw, sizeof *host);
    assert_non_null(host);
    uint32_t seed = 5;
    fixture_fill(host, ni + nw, &seed);
    cl_mem in = fixture_upload(wrapped, host, ni), w = fixture_upload(wrapped, host + ni, nw);
    cl_mem out = fixture_output(wrapped, clconv_problem_output_elems(&p));
    clconv_plan *plan = NULL;
    clconv_timing t;
    assert_int_equal(clconv_plan_create(wrapped, &p, CLCONV_ALGO_DIRECT, &plan), CLCONV_SUCCESS);
    assert_int_equal(clconv_plan_set_weights(plan, w, NULL), CLCONV_SUCCESS);
    assert_int_equal(clconv_plan_execute(plan, in, out, &t), CLCONV_SUCCESS);
    /* direct with padding: its pad and conv stages, neither device-timed */
    assert_true(t.device_ms < 0 && t.stage_count == 2);
    for (int s = 0; s < t.stage_count; s++)
        assert_true(t.stages[s].ms < 0);
    clconv_plan_destroy(plan);
    clReleaseMemObject(in), clReleaseMemObject(w), clReleaseMemObject(out);
    free(host);
    assert_int_equal(clconv_context_destroy(wrapped), CLCONV_SUCCESS);
    clReleaseCommandQueue(plain);
    clReleaseContext(c);
    assert_int_equal(clconv_context_destroy(own), CLCONV_SUCCESS);
}

static void test_context_wrap(void **state)
{
    (void)state;
    clconv_context *own = fixture_context();
    cl_device_id dev;
    assert_int_equal(clGetCommandQueueInfo(clconv_context_queue(own), CL_QUEUE_DEVICE, sizeof dev,
                                           &dev, NULL), CL_SUCCESS);
    cl_int err;
    cl_context c = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
    assert_int_equal(err, CL_SUCCESS);
    cl_command_queue q = clCreateCommandQueue(c, dev, CL_QUEUE_PROFILING_ENABLE, &err);
    assert_int_equal(err, CL_SUCCESS);
    cl_uint refs_before = 0, refs_after = 0;
    assert_int_equal(clGetContextInfo(c, CL_CONTEXT_REFERENCE_COUNT, sizeof refs_before,
                                      &refs_before, NULL), CL_SUCCESS);
    clconv_context *wrapped;
    assert_int_equal(clconv_context_wrap(c, q, NULL, &wrapped), CLCONV_SUCCESS);
    assert_ptr_equal(clconv_context_cl_context(wrapped), c);
    assert_ptr_equal(clconv_context_queue(wrapped), q);
    assert_string_equal(clconv_context_device(wrapped)->name, clconv_context_device(own)->name);
    clconv_problem p = FIXTURE_PROBLEM(2, 3, 9, 10, 4, 3, 2, 1, 2, 1, 0, 1, 1);
    assert_true(fixture_run_problem(wrapped, &p, CLCONV_ALGO_DIRECT, 1, 3) < 1e-5);
    assert_int_equal(clconv_context_destroy(wrapped), CLCONV_SUCCESS);
    /* Every reference clconv took is given back. rusticl drops the references
     * of finished commands from a worker thread, so the count may take a
     * moment to settle; a leaked reference never does. */
    assert_int_equal(clFinish(q), CL_SUCCESS);
    for (int tries = 0; tries < 200; tries++) {
        assert_int_equal(clGetContextInfo(c, CL_CONTEXT_REFERENCE_COUNT, sizeof refs_after,
                                          &refs_after, NULL), CL_SUCCESS);
        if (refs_after == refs_before)
            break;
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    assert_int_equal(refs_after, refs_before);
    cl_mem m = clCreateBuffer(c, CL_MEM_READ_WRITE, 4096, NULL, &err);
    assert_int_equal(err, CL_SUCCESS);
    const float one = 1.0f;
    assert_int_equal(clEnqueueFillBuffer(q, m, &one, sizeof one, 0, 4096, 0, NULL, NULL),
                     CL_SUCCESS);
    assert_int_equal(clFinish(q), CL_SUCCESS);
    clReleaseMemObject(m);
    /* a queue from another context is refused */
    assert_int_equal(clconv_context_wrap(clconv_context_cl_context(own), q, NULL, &wrapped),
                     CLCONV_ERR_INVALID_ARG);
    assert_null(wrapped);
    assert_int_equal(clconv_context_wrap(NULL, q, NULL, &wrapped), CLCONV_ERR_INVALID_ARG);
    clReleaseCommandQueue(q);
    clReleaseContext(c);
    assert_int_equal(clconv_context_destroy(own), CLCONV_SUCCESS);
    assert_int_equal(clconv_context_destroy(NULL), CLCONV_SUCCESS);
}

/* ---- program manager ---- */

static char cache_dir[256];
static const char *OPTIONS = "-DVEC=4 -DOC_TILE=2";

static clconv_context *cache_context(const char *dir, const char *kernel_dir)
{
    clconv_context_options opt = FIXTURE_CONTEXT_OPTIONS(.kernel_dir = kernel_dir, .cache_dir = dir);
    clconv_context *ctx = NULL;
    clconv_status st = clconv_context_create(NULL, &opt, &ctx);
    if (st)
        fail_msg("context: %s", clconv_last_error(NULL));
    return ctx;
}

static rt_build_stats get_direct(clconv_context *ctx, clconv_status want)
{
    cl_program prog = NULL;
    rt_build_stats stats = {-1, -1, -1};
    clconv_status st = rt_program_get(ctx, "direct/direct.cl", OPTIONS, &prog, &stats);
    if (st != want)
        fail_msg("rt_program_get: %s (%s), wanted %s", clconv_status_string(st),
                 clconv_last_error(ctx), clconv_status_string(want));
    if (!st) {
        cl_kernel k;
        assert_int_equal(rt_kernel_create(ctx, prog, "conv_direct", &k), CLCONV_SUCCESS);
        clReleaseKernel(k);
    }
    return stats;
}

/* The one cache entry in the directory; fails unless there is exactly one. */
static void entry_path(char *path, size_t size)
{
    DIR *d = opendir(cache_dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(path, size, "%s/%s", cache_dir, e->d_name);
            n++;
        }
    closedir(d);
    assert_int_equal(n, 1);
    assert_non_null(strstr(path, "/direct-"));
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* A new context gets the program either compiled or from the disk cache. */
static void expect_build(int compiled)
{
    clconv_context *ctx = cache_context(cache_dir, NULL);
    rt_build_stats s = get_direct(ctx, CLCONV_SUCCESS);
    assert_int_equal(s.compiled, compiled);
    assert_int_equal(s.from_disk, !compiled);
    clconv_context_destroy(ctx);
}
#define expect_compiled() expect_build(1)
#define expect_from_disk() expect_build(0)

static void test_program_cache(void **state)
{
    (void)state;
    snprintf(cache_dir, sizeof cache_dir, "/tmp/clconv-test-cache-%ld/nested/dir", (long)getpid());
    /* miss: compiled, then kept in memory, and written to disk */
    clconv_context *ctx = cache_context(cache_dir, NULL);
    rt_build_stats s = get_direct(ctx, CLCONV_SUCCESS);
    assert_int_equal(s.compiled, 1);
    assert_true(s.ms > 0);
    s = get_direct(ctx, CLCONV_SUCCESS);
    assert_int_equal(s.compiled, 0);
    assert_int_equal(s.from_disk, 0);
    clconv_context_destroy(ctx);
    char path[512];
    entry_path(path, sizeof path);
    long size = file_size(path);
    assert_true(size > 64);

    /* hit: a new context loads the binary */
    expect_from_disk();

    /* a flipped payload byte fails the checksum: rebuilt and rewritten */
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, size - 10, SEEK_SET);
    int c = fgetc(f);
    fseek(f, size - 10, SEEK_SET);
    fputc(c ^ 0x5a, f);
    fclose(f);
    expect_compiled();
    expect_from_disk();

    /* truncated */
    assert_int_equal(truncate(path, size / 2), 0);
    expect_compiled();
    expect_from_disk();

    /* foreign: another program's bytes under this name */
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs("\x7f" "ELF not a clconv cache entry at all", f);
    fclose(f);
    expect_compiled();
    expect_from_disk();

    /* empty */
    f = fopen(path, "wb");
    fclose(f);
    expect_compiled();
    expect_from_disk();
    entry_path(path, sizeof path); /* still one entry: no temp files left behind */
    remove(path);
}

static void test_program_cache_unwritable(void **state)
{
    (void)state;
    /* caching is lost, the build is not */
    clconv_context *ctx = cache_context("/proc/clconv-cannot-exist", NULL);
    rt_build_stats s = get_direct(ctx, CLCONV_SUCCESS);
    assert_int_equal(s.compiled, 1);
    clconv_context_destroy(ctx);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_kernel_dir(void **state)
{
    (void)state;
    char dir[256], path[512];
    snprintf(dir, sizeof dir, "/tmp/clconv-test-kernels-%ld", (long)getpid());
    mkdir(dir, 0755);
    /* the directory is read with the same relative paths as the embedded
     * names: the prelude every program starts with, and the owner folder */
    snprintf(path, sizeof path, "%s/common", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/direct", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/" RT_PRELUDE_FILE, dir);
    write_file(path, "/* empty prelude */\n");
    /* a kernel that does not compile: the error holds the build log */
    snprintf(path, sizeof path, "%s/direct/direct.cl", dir);
    write_file(path, "__kernel void conv_direct(__global float *x) { x[0] = undeclared_name; }\n");
    clconv_context *ctx = cache_context(NULL, dir);
    get_direct(ctx, CLCONV_ERR_BUILD);
    const char *msg = clconv_last_error(ctx);
    if (!strstr(msg, "clBuildProgram(direct/direct.cl") || !strstr(msg, "build log") ||
        !strstr(msg, "undeclared_name"))
        fail_msg("build error lacks the call or the log: %s", msg);
    clconv_context_destroy(ctx);
    /* a file missing from the directory is named */
    remove(path);
    ctx = cache_context(NULL, dir);
    get_direct(ctx, CLCONV_ERR_NOT_FOUND);
    assert_non_null(strstr(clconv_last_error(ctx), path));
    clconv_context_destroy(ctx);
    snprintf(path, sizeof path, "%s/direct", dir);
    rmdir(path);
    snprintf(path, sizeof path, "%s/" RT_PRELUDE_FILE, dir);
    remove(path);
    snprintf(path, sizeof path, "%s/common", dir);
    rmdir(path);
    rmdir(dir);
    /* the source tree's cl/ works as a kernel directory, and gives right answers */
    ctx = cache_context(NULL, CLCONV_SOURCE_DIR "/cl");
    clconv_problem p = FIXTURE_PROBLEM(1, 2, 7, 9, 3, 3, 3, 1, 1, 1, 1, 1, 1);
    assert_true(fixture_run_problem(ctx, &p, CLCONV_ALGO_DIRECT, 1, 9) < 1e-5);
    clconv_context_destroy(ctx);
}

/* A performance database entry goes stale with what it measured: a tuned
 * kernel's entry when that kernel's source changes, the automatic choice's
 * (RT_PERFDB_EVERY_KERNEL) when any kernel's does; a library's entry (NULL)
 * with neither. Identical sources from a kernel directory read the same
 * entries as the embedded ones. */
static void test_perfdb_staleness(void **state)
{
    (void)state;
    char db[] = "/tmp/clconv-perfdb-XXXXXX", same[300], other[300], own[300], cmd[1300];
    assert_non_null(mkdtemp(db));
    snprintf(same, sizeof same, "%s-same", db);
    snprintf(other, sizeof other, "%s-other", db);
    snprintf(own, sizeof own, "%s-own", db);
    fixture_write_kernel_dir(same, "", NULL, NULL);
    fixture_write_kernel_dir(other, "winograd/winograd.cl", NULL, "\n/* edited */\n");
    fixture_write_kernel_dir(own, "direct/direct.cl", NULL, "\n/* edited */\n");
    const char *files[] = {"direct/direct.cl", NULL, RT_PERFDB_EVERY_KERNEL};
    clconv_context *ctx = cache_context(db, NULL);
    for (int i = 0; i < 3; i++)
        rt_perfdb_store(ctx, files[i], "shape", files[i] ? files[i] : "library");
    clconv_context_destroy(ctx);
    static const struct {
        const char *dir;
        int found[3]; /* direct's, the library's, every kernel's */
    } cases[] = {{NULL, {1, 1, 1}}, {"same", {1, 1, 1}}, {"other", {1, 1, 0}}, {"own", {0, 1, 0}}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *dir = !cases[c].dir                     ? NULL
                          : strcmp(cases[c].dir, "same") == 0  ? same
                          : strcmp(cases[c].dir, "other") == 0 ? other
                                                               : own;
        ctx = cache_context(db, dir);
        for (int i = 0; i < 3; i++) {
            char value[64] = "";
            const int found = rt_perfdb_load(ctx, files[i], "shape", value, sizeof value);
            if (found != cases[c].found[i])
                fail_msg("kernels %s: the entry of %s %s", cases[c].dir ? cases[c].dir : "embedded",
                         files[i] ? files[i] : "a library", found ? "was read" : "was not read");
            if (found)
                assert_string_equal(value, files[i] ? files[i] : "library");
        }
        clconv_context_destroy(ctx);
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s' '%s' '%s'", db, same, other, own);
    assert_int_equal(system(cmd), 0);
}

/* ---- quiet third-party builds (rt_quiet) ---- */

static void say(const char *text)
{
    ssize_t n = write(STDERR_FILENO, text, strlen(text)); /* as a compiler does: fd 2 */
    (void)n;
}

static void *quiet_worker(void *arg)
{
    for (int i = 0; i < 200; i++) {
        int token = rt_quiet_begin(NULL, NULL);
        say(arg);
        rt_quiet_end(NULL, NULL, token, 0);
    }
    return NULL;
}

/* What reaches fd 2 through rt_quiet: nothing from a call that succeeded,
 * nothing from a window where a nested call failed either (that capture
 * goes to the failed call's context log, line by line), everything live
 * with CLCONV_VERBOSE=1, nothing captured for a call that already
 * succeeded on the context; threads overlapping leave fd 2 restored. */
static char logged[512];
static void log_to_buffer(void *user, clconv_log_level level, const char *message)
{
    (void)user;
    snprintf(logged + strlen(logged), sizeof logged - strlen(logged), "%d:%s|", (int)level,
             message);
}

static char heard_calls[256];
static void heard(void *user, const char *call)
{
    (void)user;
    strncat(heard_calls, call, sizeof heard_calls - strlen(heard_calls) - 2);
    strcat(heard_calls, " ");
}

/* The captures test_quiet makes (their tokens), all while fd 2 is watched. */
typedef struct quiet_tokens {
    int t, outer, inner, first, again, retry, live;
} quiet_tokens;

static clconv_context quiet_ctx; /* only its record of succeeded calls and its log are used */

static void quiet_window(void *arg)
{
    quiet_tokens *k = arg;
    k->t = rt_quiet_begin(NULL, NULL);
    say("<hidden>");
    rt_quiet_end(NULL, NULL, k->t, 0);

    k->outer = rt_quiet_begin(NULL, NULL);
    say("<outer>");
    k->inner = rt_quiet_begin(&quiet_ctx, "inner");
    say("<inner>");
    rt_quiet_end(&quiet_ctx, "inner", k->inner, 1);
    say("<after-inner>");
    rt_quiet_end(NULL, NULL, k->outer, 0);

    k->first = rt_quiet_begin(&quiet_ctx, "call");
    rt_quiet_end(&quiet_ctx, "call", k->first, 0);
    k->again = rt_quiet_begin(&quiet_ctx, "call");
    rt_quiet_end(&quiet_ctx, "call", k->again, 0);
    k->retry = rt_quiet_begin(&quiet_ctx, "inner"); /* failed before: still captured */
    rt_quiet_end(&quiet_ctx, "inner", k->retry, 0);

    /* library_compile hears of a call that may compile, once it succeeded
     * never again; a clFFT bake (no call name) every time */
    static clconv_context heard_ctx;
    heard_ctx.library_compile = heard;
    for (int i = 0; i < 2; i++) {
        int h = rt_quiet_begin(&heard_ctx, "CLBlastSgemm");
        rt_quiet_end(&heard_ctx, "CLBlastSgemm", h, 0);
        h = rt_quiet_begin(&heard_ctx, NULL);
        rt_quiet_end(&heard_ctx, NULL, h, 0);
    }

    fixture_env verbose = fixture_env_set("CLCONV_VERBOSE", "1");
    k->live = rt_quiet_begin(NULL, NULL);
    say("<verbose>");
    rt_quiet_end(NULL, NULL, k->live, 0);
    fixture_env_restore(&verbose);

    pthread_t threads[2];
    char *noise[2] = {"<thread-a>", "<thread-b>"};
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, quiet_worker, noise[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    say("<restored>");
}

static void test_quiet(void **state)
{
    (void)state;
    quiet_ctx.log = log_to_buffer;
    quiet_tokens k;
    char got[4096];
    fixture_stderr_of(quiet_window, &k, got, sizeof got);
    assert_string_equal(heard_calls, "CLBlastSgemm clfftBakePlan clfftBakePlan ");
    if (strcmp(got, "<verbose><restored>") != 0)
        fail_msg("stderr through rt_quiet: \"%s\"", got);
    char want[128];
    snprintf(want, sizeof want, "%d:compiler output: <outer><inner><after-inner>|",
             (int)CLCONV_LOG_INFO);
    assert_string_equal(logged, want);
    assert_int_equal(k.t && k.outer && k.inner && k.first && k.retry, 1);
    assert_int_equal(k.again, 0);
    assert_int_equal(k.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_names),
        cmocka_unit_test(test_device_list_matches_opencl),
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_select_out_of_range),
        cmocka_unit_test(test_context_wrap),
        cmocka_unit_test(test_context_wrap_queues),
        cmocka_unit_test(test_program_cache),
        cmocka_unit_test(test_program_cache_unwritable),
        cmocka_unit_test(test_kernel_dir),
        cmocka_unit_test(test_perfdb_staleness),
        cmocka_unit_test(test_quiet),
    };
    return fixture_run("runtime", tests, NULL, NULL);
}
