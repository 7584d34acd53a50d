/* clconv-bench as a user runs it: exit codes, one-line errors, the JSON
 * report parsed back, and --out written only on success. */
#define _POSIX_C_SOURCE 200809L
#include "fixture.h"
#include "json_mini.h"

#include "conv/algo.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct run_result {
    int code; /* exit status; -signal when killed */
    char *out, *err;
} run_result;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = calloc(1, (size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    fclose(f);
    return s;
}

/* Runs clconv-bench with argv (NULL-terminated), capturing stdout (or
 * sending it to stdout_to) and stderr. */
static run_result run_to(const char *const *args, const char *stdout_to)
{
    char out_path[64], err_path[64];
    snprintf(out_path, sizeof out_path, "/tmp/clconv-cli-%ld.out", (long)getpid());
    snprintf(err_path, sizeof err_path, "/tmp/clconv-cli-%ld.err", (long)getpid());
    const char *argv[64] = {CLCONV_BENCH};
    int n = 1;
    for (; args[n - 1]; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int o = open(stdout_to ? stdout_to : out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(127);
        execv(CLCONV_BENCH, (char *const *)argv);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    run_result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    r.out = stdout_to ? calloc(1, 1) : slurp(out_path);
    r.err = slurp(err_path);
    assert_non_null(r.out);
    assert_non_null(r.err);
    remove(out_path);
    remove(err_path);
    return r;
}

static run_result run(const char *const *args)
{
    return run_to(args, NULL);
}

static void run_free(run_result *r)
{
    free(r->out);
    free(r->err);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* A usage error: exit 2 (no signal), exactly one line on stderr naming the
 * problem; run again with --out FILE in front, the file is never created. */
static void expect_usage_error(const char *const *args, const char *phrase)
{
    run_result r = run(args);
    if (r.code != 2 || count_lines(r.err) != 1 || !strstr(r.err, phrase) ||
        strncmp(r.err, "clconv-bench: error: ", 21) != 0)
        fail_msg("%s ...: exit %d, stderr \"%s\"; wanted exit 2 and one line with \"%s\"",
                 args[0], r.code, r.err, phrase);
    run_free(&r);
    char path[128];
    snprintf(path, sizeof path, "/tmp/clconv-cli-%ld-usage.json", (long)getpid());
    const char *with_out[64] = {"--out", path};
    int n = 0;
    while (args[n] && n < 60) {
        with_out[n + 2] = args[n];
        n++;
    }
    with_out[n + 2] = NULL;
    r = run(with_out);
    if (r.code != 2 || access(path, F_OK) == 0)
        fail_msg("--out %s %s ...: exit %d, file %s", path, args[0], r.code,
                 access(path, F_OK) == 0 ? "written" : "absent");
    run_free(&r);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static const json_value *member(const json_value *obj, const char *key, json_type type);

static void test_usage_errors(void **state)
{
    (void)state;
    expect_usage_error(ARGS("--bogus"), "unknown option '--bogus'");
    expect_usage_error(ARGS("--batch"), "option '--batch' needs a value");
    expect_usage_error(ARGS("--batch", "abc"), "--batch 'abc': expected an integer");
    expect_usage_error(ARGS("--batch", "3x"), "--batch '3x'");
    expect_usage_error(ARGS("--batch", "99999999999999999999"), "expected an integer");
    expect_usage_error(ARGS("--batch", "-1"), "batch = -1: must be >= 1");
    expect_usage_error(ARGS("--height", "0"), "height = 0: must be >= 1");
    expect_usage_error(ARGS("--stride", "0"), "stride_h = 0: must be >= 1");
    expect_usage_error(ARGS("--dilation", "1x0"), "dilation_w = 0: must be >= 1");
    expect_usage_error(ARGS("--pad", "-2"), "pad_h = -2: must be >= 0");
    expect_usage_error(ARGS("--kernel", "9", "--height", "4", "--width", "4"),
                       "kernel_h = 9 with dilation_h = 1 spans 9 rows");
    expect_usage_error(ARGS("--kernel", "x3"), "--kernel 'x3'");
    expect_usage_error(ARGS("--batch", "100000", "--in-channels", "100000"),
                       "batch x channels = 10000000000");
    expect_usage_error(ARGS("--height", "2000000000"), "exceeds 536870911");
    expect_usage_error(ARGS("--algo", "fastest"), "unknown --algo 'fastest'");
    expect_usage_error(ARGS("--format", "xml"), "unknown --format 'xml'");
    expect_usage_error(ARGS("--problem", "seed-k7"), "unknown --problem 'seed-k7'");
    expect_usage_error(ARGS("--iters", "0"), "--iters '0'");
    expect_usage_error(ARGS("--tolerance", "-1"), "--tolerance '-1'");
    expect_usage_error(ARGS("--list=yes"), "option '--list' takes no value");
    expect_usage_error(ARGS("--tolerance", "inf"), "expected a finite number > 0");
    expect_usage_error(ARGS("--platform", "-1"), "--platform '-1': expected an index >= 0");
    expect_usage_error(ARGS("--device", "one"), "--device 'one': expected an index >= 0");
    expect_usage_error(ARGS("--device-name", ""), "--device-name needs a non-empty name");
    expect_usage_error(ARGS("--devices", "0"), "expected all or P:D");
    expect_usage_error(ARGS("--devices", "0:0,"), "trailing comma");
    expect_usage_error(ARGS("--devices", "0:0,0:0"), "more than once");
    expect_usage_error(ARGS("--sweep", "kernel"), "--sweep 'kernel'");
    expect_usage_error(ARGS("--sweep", "kernel=5:1"), "1 <= A <= B");
    expect_usage_error(ARGS("--sweep", "stride=1:3"), "expected kernel=A:B");
    expect_usage_error(ARGS("--sweep", "kernel=1:500"), "at most 256");
    expect_usage_error(ARGS("--problem", "seed-k3", "--sweep", "kernel=30:40"),
                       "invalid problem kernel=33");
    expect_usage_error(ARGS("--out-dir", ""), "--out-dir needs a directory name");
    expect_usage_error(ARGS("--out", ""), "--out needs a file name");
    expect_usage_error(ARGS("--seed", "-3"), "--seed '-3'");
    expect_usage_error(ARGS("--warmup", "-1"), "--warmup '-1'");
    expect_usage_error(ARGS("--kernel", "3x3x3"), "--kernel '3x3x3'");
    expect_usage_error(ARGS("--width", ""), "--width '': expected an integer");
}

/* Run-time failures: exit 1, one line naming the problem, no --out file. */
static void test_runtime_errors(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "/tmp/clconv-cli-%ld-rt.json", (long)getpid());
    /* a valid problem whose output is one 2048 x 2048 plane (16 MiB) more
     * than the device under test allows in one buffer (its
     * CL_DEVICE_MAX_MEM_ALLOC_SIZE, read here, not assumed) */
    clconv_context *ctx = fixture_context();
    assert_non_null(ctx);
    const unsigned long long plane = 2048ull * 2048 * sizeof(float);
    const unsigned long long max_alloc = clconv_context_device(ctx)->max_alloc_bytes;
    assert_int_equal(clconv_context_destroy(ctx), CLCONV_SUCCESS);
    char channels[32], want[64];
    snprintf(channels, sizeof channels, "%llu", max_alloc / plane + 1);
    snprintf(want, sizeof want, "%llu-byte buffer", (max_alloc / plane + 1) * plane);
    run_result r = run(ARGS("--in-channels", "1", "--height", "2048", "--width", "2048",
                            "--out-channels", channels, "--kernel", "1", "--algo", "direct",
                            "--no-verify", "--no-peaks", "--out", path));
    if (r.code != 1 || count_lines(r.err) != 1 || !strstr(r.err, want) ||
        !strstr(r.err, "allows at most"))
        fail_msg("exit %d, stderr \"%s\", wanted \"%s\"", r.code, r.err, want);
    assert_int_equal(access(path, F_OK), -1);
    run_free(&r);
    /* kernels that do not compile: the build log, exit 1 */
    char dir[] = "/tmp/clconv-cli-kernels-XXXXXX", cmd[512];
    assert_non_null(mkdtemp(dir));
    snprintf(cmd, sizeof cmd,
             "cp -R %s/cl/. %s && echo 'this is not OpenCL' >> %s/direct/direct.cl",
             CLCONV_SOURCE_DIR, dir, dir);
    assert_int_equal(system(cmd), 0);
    fixture_env kernel_dir = fixture_env_set("CLCONV_KERNEL_DIR", dir);
    r = run(ARGS("--problem", "seed-k3", "--height", "8", "--width", "8", "--algo", "direct",
                 "--no-peaks", "--no-cache", "--out", path));
    fixture_env_restore(&kernel_dir);
    if (r.code != 1 || !strstr(r.err, "clBuildProgram(direct/direct.cl") || !strstr(r.err, "build log"))
        fail_msg("exit %d, stderr \"%s\"", r.code, r.err);
    assert_int_equal(access(path, F_OK), -1);
    run_free(&r);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* A cache directory that cannot be created or written only turns caching
 * off: the run succeeds with exactly one warning, whatever it tried to store
 * (programs, the peaks, clFFT's binaries). */
static void test_unwritable_cache(void **state)
{
    (void)state;
    fixture_env cache = fixture_env_set("CLCONV_CACHE_DIR", "/proc/clconv-cannot-exist/cache");
    run_result r = run(ARGS("--problem", "seed-k3", "--height", "8", "--width", "9",
                            "--in-channels", "4", "--out-channels", "3", "--algo", "direct",
                            "--algo", "fft", "--algo", "pointwise", "--iters", "1", "--warmup",
                            "0"));
    fixture_env_restore(&cache);
    assert_int_equal(r.code, 0);
    int warnings = 0;
    for (const char *s = r.err; (s = strstr(s, "warning: program cache disabled")); s++)
        warnings++;
    if (warnings != 1)
        fail_msg("%d cache warnings; stderr:\n%s", warnings, r.err);
    run_free(&r);
}

/* Two processes sharing one empty cache directory at the same time both
 * succeed; a third then finds every program in the cache. */
static void test_shared_cache(void **state)
{
    (void)state;
    char dir[] = "/tmp/clconv-cli-cache-XXXXXX";
    assert_non_null(mkdtemp(dir));
    fixture_env cache = fixture_env_set("CLCONV_CACHE_DIR", dir);
    const char *const *args = ARGS("--problem", "seed-k3", "--height", "10", "--width", "12",
                                   "--in-channels", "8", "--out-channels", "4", "--algo",
                                   "direct", "--algo", "fft", "--algo", "pointwise",
                                   "--iters", "2", "--warmup", "0", "--no-peaks",
                                   "--format", "json");
    const char *argv[64] = {CLCONV_BENCH};
    for (int n = 0; args[n]; n++)
        argv[n + 1] = args[n], argv[n + 2] = NULL;
    pid_t pids[2];
    for (int i = 0; i < 2; i++) {
        fflush(NULL);
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            int null = open("/dev/null", O_WRONLY);
            dup2(null, 1), dup2(null, 2);
            execv(CLCONV_BENCH, (char *const *)argv);
            _exit(127);
        }
    }
    for (int i = 0; i < 2; i++) {
        int status;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    /* the third run compiles none of clconv's kernels: direct's program comes
     * from the cache (fft always bakes clFFT's own kernels, so it says compiled) */
    run_result r = run(args);
    assert_int_equal(r.code, 0);
    json_value *doc = json_parse(r.out);
    assert_non_null(doc);
    const json_value *res = member(doc, "results", JSON_ARRAY);
    assert_int_equal(res->count, 3);
    assert_string_equal(member(&res->items[0], "algo", JSON_STRING)->string, "direct");
    if (member(&res->items[0], "build_compiled", JSON_BOOL)->number)
        fail_msg("direct compiled again: the shared cache was not valid");
    json_free(doc);
    /* no temporary file left behind by the two writers */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls %s | grep -c -v '\\.bin$'", dir);
    FILE *ls = popen(cmd, "r");
    int stray = -1;
    assert_int_equal(fscanf(ls, "%d", &stray), 1);
    pclose(ls);
    assert_int_equal(stray, 0);
    run_free(&r);
    fixture_env_restore(&cache);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_help_and_list(void **state)
{
    (void)state;
    run_result r = run(ARGS("--help"));
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "usage: clconv-bench"));
    run_free(&r);

    clconv_context *ctx = fixture_context();
    r = run(ARGS("--list"));
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, clconv_context_device(ctx)->name));
    run_free(&r);

    /* output that cannot be written is a failure, not a silent success */
    r = run_to(ARGS("--list"), "/dev/full");
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.err, "cannot write the report"));
    run_free(&r);

    r = run(ARGS("--list", "--format", "json"));
    assert_int_equal(r.code, 0);
    json_value *doc = json_parse(r.out);
    assert_non_null(doc);
    const json_value *platforms = json_get(doc, "platforms");
    assert_non_null(platforms);
    assert_true(platforms->count >= 1);
    json_free(doc);
    run_free(&r);
    clconv_context_destroy(ctx);
}

/* An index that does not exist: exit 2, and the devices that do are listed. */
static void test_device_out_of_range(void **state)
{
    (void)state;
    run_result r = run(ARGS("--platform", "97", "--device", "3", "--iters", "1"));
    assert_int_equal(r.code, 2);
    assert_non_null(strstr(r.err, "no device 97:3"));
    assert_non_null(strstr(r.err, "devices that exist"));
    assert_non_null(strstr(r.err, "0:0 "));
    run_free(&r);
    r = run(ARGS("--device-name", "no-such-device-anywhere"));
    assert_int_equal(r.code, 2);
    assert_non_null(strstr(r.err, "no device matches \"no-such-device-anywhere\""));
    run_free(&r);
}

static const json_value *member(const json_value *obj, const char *key, json_type type)
{
    const json_value *v = json_get(obj, key);
    if (!v || v->type != type)
        fail_msg("JSON member \"%s\" missing or of the wrong type", key);
    return v;
}

static double number(const json_value *obj, const char *key)
{
    return member(obj, key, JSON_NUMBER)->number;
}

#define SMALL "--batch", "2", "--in-channels", "3", "--height", "9", "--width", "11", \
              "--out-channels", "5", "--kernel", "3x2", "--stride", "2", "--pad", "1x0", \
              "--iters", "3", "--warmup", "1"

/* The roofline fields of a result or stage: rates from its own FLOPs and
 * bytes, a bound the peaks allow, and 0 < efficiency <= 1, or no efficiency
 * and above_peak when the time beats the bound (flagged as a measurement
 * error). The streaming peak is a ceiling only for data that does not fit
 * in the caches: a memory-bound stage of a few MB can beat it by any
 * factor, so beating the bound by more than noise is a failure only from
 * 64 MiB of compulsory bytes or for compute-bound work. */
static void check_roofline(const json_value *r)
{
    double flops = number(r, "flops"), bytes = number(r, "bytes"), ms = number(r, "median_ms");
    assert_true(flops >= 0 && bytes > 0);
    double intensity = number(r, "intensity");
    assert_true(fabs(intensity - flops / bytes) <= 1e-5 * (flops / bytes) + 1e-12);
    assert_true(fabs(number(r, "gbs") - bytes / (ms * 1e6)) <= 1e-4 * number(r, "gbs"));
    double bound = number(r, "bound_ms");
    const char *verdict = member(r, "verdict", JSON_STRING)->string;
    assert_true(!strcmp(verdict, "memory-bound") || !strcmp(verdict, "compute-bound"));
    int ceiling = !strcmp(verdict, "compute-bound") || bytes >= 64.0 * 1024 * 1024;
    if (member(r, "above_peak", JSON_BOOL)->number) {
        /* flagged, not an efficiency; where the peaks are a ceiling, beating
         * them by more than measurement noise (1.5x: this shared machine's
         * peaks move by 10-40% between measurements) is a wrong model */
        member(r, "efficiency", JSON_NULL);
        if (!(bound > ms) || (ceiling && bound > 1.5 * ms))
            fail_msg("above_peak: bound %g ms, median %g ms (%s, %g bytes)", bound, ms, verdict,
                     bytes);
        return;
    }
    double eff = number(r, "efficiency");
    if (!(eff > 0 && eff <= 1.0))
        fail_msg("efficiency %g outside (0, 1] (%s, %g bytes)", eff, verdict, bytes);
    assert_true(fabs(eff - bound / ms) <= 1e-4 * eff);
}

/* An algorithm's name as the JSON gives it (auto is not one), or null. */
static void check_algo_or_null(const json_value *obj, const char *key)
{
    const json_value *v = json_get(obj, key);
    clconv_algo a;
    if (!v || (v->type != JSON_NULL &&
               (v->type != JSON_STRING || clconv_algo_from_name(v->string, &a) ||
                a == CLCONV_ALGO_AUTO)))
        fail_msg("choice.%s is neither an algorithm's name nor null", key);
}

/* The auto row's "choice", well formed, asked for in `mode`: a time where its
 * source has one (a find's, now or from the database; else the prediction),
 * null or positive times elsewhere. Returns it. */
static const json_value *check_choice(const json_value *row, const char *mode)
{
    const json_value *c = member(row, "choice", JSON_OBJECT);
    check_algo_or_null(c, "algo");
    member(c, "algo", JSON_STRING);
    assert_string_equal(member(c, "mode", JSON_STRING)->string, mode);
    const char *source = member(c, "source", JSON_STRING)->string;
    if (strcmp(source, "predict") && strcmp(source, "find") && strcmp(source, "database"))
        fail_msg("choice.source \"%s\"", source);
    static const char *const times[] = {"predicted_ms", "found_ms", "runner_up_ms"};
    for (size_t i = 0; i < sizeof times / sizeof *times; i++) {
        const json_value *v = json_get(c, times[i]);
        if (!v || !(v->type == JSON_NULL || (v->type == JSON_NUMBER && v->number > 0)))
            fail_msg("choice.%s is neither a positive time nor null", times[i]);
    }
    number(c, strcmp(source, "predict") ? "found_ms" : "predicted_ms");
    check_algo_or_null(c, "runner_up");
    check_algo_or_null(c, "limited");
    assert_true(number(c, "trial_runs") >= 0 && number(c, "candidates") >= 1);
    assert_true(number(c, "limited_workspace_bytes") >= 0);
    if (json_get(c, "limited")->type == JSON_NULL)
        assert_true(number(c, "limited_workspace_bytes") == 0);
    return c;
}

static void check_report(const char *text)
{
    json_value *doc = json_parse(text);
    if (!doc)
        fail_msg("the JSON report does not parse:\n%s", text);
    assert_string_equal(member(doc, "schema", JSON_STRING)->string, "clconv-bench/1");
    const json_value *dev = member(doc, "device", JSON_OBJECT);
    static const char *dev_strings[] = {"platform", "name", "vendor", "driver", "type"};
    for (size_t i = 0; i < sizeof dev_strings / sizeof *dev_strings; i++)
        member(dev, dev_strings[i], JSON_STRING);
    assert_true(number(dev, "platform_index") >= 0 && number(dev, "device_index") >= 0);
    assert_true(number(dev, "compute_units") >= 1);
    assert_true(number(dev, "peak_bandwidth_gbs") > 0 && number(dev, "peak_gflops") > 0);
    member(doc, "answer", JSON_ARRAY);
    const json_value *results = member(doc, "results", JSON_ARRAY);
    /* every clconv algorithm (skipped with the library's reason where it
     * refuses this problem), auto (with the stages of what it chose), the
     * seed's pointwise op (skipped: it broadcasts one image and this problem
     * has two), then the CLBlast convgemm peer */
    struct { const char *algo; const char *const *stages; int stage_count; char why[256]; }
        rows[CLCONV_ALGO_COUNT + 3];
    const clconv_problem small = FIXTURE_PROBLEM(2, 3, 9, 11, 5, 3, 2, 2, 2, 1, 0, 1, 1); /* SMALL */
    clconv_context *ctx = fixture_context();
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
        rows[a].algo = conv_algo_table[a]->name;
        rows[a].stages = conv_algo_table[a]->stage_names;
        rows[a].stage_count = conv_algo_table[a]->stage_count; /* with a bias: every stage */
        rows[a].why[0] = '\0';
        if (clconv_algo_check(ctx, &small, (clconv_algo)a) != CLCONV_SUCCESS) {
            snprintf(rows[a].why, sizeof rows[a].why, "%s", clconv_last_error(ctx));
            rows[a].stage_count = 0;
        }
    }
    assert_int_equal(clconv_context_destroy(ctx), CLCONV_SUCCESS);
    static const char *const convgemm_stages[] = {"convgemm"};
    const size_t auto_row = CLCONV_ALGO_COUNT;
    rows[auto_row].algo = "auto";
    rows[auto_row].stage_count = -1; /* its choice's */
    rows[CLCONV_ALGO_COUNT + 1].algo = "pointwise";
    rows[CLCONV_ALGO_COUNT + 1].stage_count = 0;
    snprintf(rows[CLCONV_ALGO_COUNT + 1].why, sizeof rows[CLCONV_ALGO_COUNT + 1].why, "batch 1");
    rows[CLCONV_ALGO_COUNT + 2].algo = "clblast-convgemm";
    rows[CLCONV_ALGO_COUNT + 2].stages = convgemm_stages;
    rows[CLCONV_ALGO_COUNT + 2].stage_count = 1;
    assert_int_equal(results->count, sizeof rows / sizeof rows[0]);
    for (size_t i = 0; i < results->count; i++) {
        const json_value *r = &results->items[i];
        assert_string_equal(member(r, "algo", JSON_STRING)->string, rows[i].algo);
        if (i == auto_row) {
            /* predict (the default mode), unless an earlier find on this
             * device's test cache left this problem in the database */
            const json_value *c = check_choice(r, "predict");
            assert_int_equal(number(c, "trial_runs"), 0);
            clconv_algo a;
            assert_int_equal(clconv_algo_from_name(member(c, "algo", JSON_STRING)->string, &a),
                             CLCONV_SUCCESS);
            if (!rows[a].stage_count)
                fail_msg("auto chose %s, which refuses this problem", rows[a].algo);
            rows[i].stages = rows[a].stages;
            rows[i].stage_count = rows[a].stage_count;
            /* the chosen algorithm's cost, as its own row counts it */
            const json_value *own = &results->items[a];
            assert_true(number(r, "flops") == number(own, "flops") &&
                        number(r, "bytes") == number(own, "bytes"));
        } else {
            member(r, "choice", JSON_NULL);
        }
        if (!rows[i].stage_count) {
            assert_string_equal(member(r, "status", JSON_STRING)->string, "skipped");
            const char *note = member(r, "note", JSON_STRING)->string;
            if (!strstr(note, rows[i].why))
                fail_msg("%s skipped with \"%s\", not \"%s\"", rows[i].algo, note,
                         rows[i].why);
            continue;
        }
        assert_string_equal(member(r, "status", JSON_STRING)->string, "ok");
        const json_value *p = member(r, "problem", JSON_OBJECT);
        /* 9x11 input, kernel 3x2, stride 2, pad 1x0: out (9+2-3)/2+1 = 5, (11-2)/2+1 = 5 */
        static const struct { const char *key; double want; } fields[] = {
            {"batch", 2}, {"in_channels", 3}, {"height", 9}, {"width", 11},
            {"out_channels", 5}, {"kernel_h", 3}, {"kernel_w", 2}, {"stride_h", 2},
            {"stride_w", 2}, {"pad_h", 1}, {"pad_w", 0}, {"dilation_h", 1}, {"dilation_w", 1},
            {"out_height", 5}, {"out_width", 5}};
        for (size_t f = 0; f < sizeof fields / sizeof *fields; f++)
            if (number(p, fields[f].key) != fields[f].want)
                fail_msg("problem.%s = %g, wanted %g", fields[f].key,
                         number(p, fields[f].key), fields[f].want);
        double median = number(r, "median_ms"), p10 = number(r, "p10_ms");
        double p90 = number(r, "p90_ms"), min = number(r, "min_ms");
        assert_true(median > 0 && min <= p10 && p10 <= median && median <= p90);
        assert_int_equal((int)number(r, "iterations"), 3);
        /* the verifying run's time beyond a timed run is part of build_ms */
        double first = number(r, "first_run_build_ms"), build = number(r, "build_ms");
        assert_true(first >= 0 && build >= first);
        /* 2 * N*K*OH*OW * C*KH*KW = 2 * 2*5*5*5 * 3*3*2 */
        assert_true(number(r, "conv_flops") == 2.0 * 2 * 5 * 5 * 5 * 3 * 3 * 2);
        check_roofline(r);
        double rel_err = number(r, "rel_err");
        assert_true(rel_err >= 0 && rel_err < 1e-5);
        const json_value *stages = member(r, "stages", JSON_ARRAY);
        size_t want = (size_t)rows[i].stage_count;
        assert_int_equal(stages->count, want);
        for (size_t st = 0; st < want; st++) {
            assert_string_equal(member(&stages->items[st], "name", JSON_STRING)->string,
                                rows[i].stages[st]);
            /* stage times need real device timestamps (not rusticl 22.3's,
             * where they are null): with them, every stage has one */
            const json_value *ms = json_get(&stages->items[st], "median_ms");
            if (!strcmp(member(r, "time_source", JSON_STRING)->string, "device")) {
                if (!ms || ms->type != JSON_NUMBER || !(ms->number > 0))
                    fail_msg("%s stage %s: no positive time with device timestamps",
                             rows[i].algo, rows[i].stages[st]);
                check_roofline(&stages->items[st]);
            } else if (ms && ms->type == JSON_NUMBER && ms->number > 0) {
                fail_msg("%s stage %s: a time from host-timed runs", rows[i].algo,
                         rows[i].stages[st]);
            }
        }
    }
    /* bytes: input, weights, bias read once, output written once (the peer has
     * no bias); direct also copies the input with its padding (pad 1x0: 11 x 11
     * per plane) */
    assert_true(number(&results->items[0], "bytes") ==
                4.0 * (2 * 3 * 9 * 11 + 5 * 3 * 3 * 2 + 5 + 2 * 5 * 5 * 5) +
                    4.0 * (2 * 3 * 9 * 11 + 2 * 3 * 11 * 11));
    assert_true(number(&results->items[results->count - 1], "bytes") ==
                4.0 * (2 * 3 * 9 * 11 + 5 * 3 * 3 * 2 + 2 * 5 * 5 * 5));
    json_free(doc);
}

/* --groups and --depthwise: the problem carries the groups (JSON, the
 * problem line), the algorithms that run grouped problems are verified, the
 * others and the CLBlast peer are skipped saying why, and a group count
 * that does not divide the channels is a usage error naming it. */
static void test_groups(void **state)
{
    (void)state;
    run_result r = run(ARGS("--batch", "2", "--in-channels", "4", "--out-channels", "6",
                            "--height", "9", "--width", "10", "--kernel", "3", "--pad", "1",
                            "--groups", "2", "--iters", "1", "--warmup", "0", "--no-peaks",
                            "--format", "json"));
    if (r.code != 0)
        fail_msg("exit %d, stderr \"%s\"", r.code, r.err);
    json_value *doc = json_parse(r.out);
    assert_non_null(doc);
    const json_value *res = member(doc, "results", JSON_ARRAY);
    int ran = 0;
    for (size_t i = 0; i < res->count; i++) {
        const json_value *row = &res->items[i];
        const char *algo = member(row, "algo", JSON_STRING)->string;
        assert_true(number(member(row, "problem", JSON_OBJECT), "groups") == 2);
        clconv_algo a;
        int is_algo = clconv_algo_from_name(algo, &a) == CLCONV_SUCCESS && a != CLCONV_ALGO_AUTO;
        const char *status = member(row, "status", JSON_STRING)->string;
        if ((is_algo && conv_algo_table[a]->groups) || !strcmp(algo, "auto")) {
            if (strcmp(status, "ok") || !(number(row, "rel_err") < 1e-5))
                fail_msg("%s on a grouped problem: %s", algo, status);
            /* 2 * N*K*OH*OW * (C/G)*KH*KW */
            assert_true(number(row, "conv_flops") == 2.0 * 2 * 6 * 9 * 10 * 2 * 3 * 3);
            ran++;
        } else if (is_algo || !strcmp(algo, "clblast-convgemm")) {
            assert_string_equal(status, "skipped");
            if (!strstr(member(row, "note", JSON_STRING)->string, "groups"))
                fail_msg("%s skipped without naming the groups", algo);
        }
    }
    assert_true(ran >= 2); /* an algorithm and auto */
    json_free(doc);
    run_free(&r);

    r = run(ARGS("--in-channels", "3", "--out-channels", "6", "--height", "7", "--width",
                 "7", "--kernel", "3", "--depthwise", "--algo", "auto", "--algo", "depthwise",
                 "--iters", "1", "--warmup", "0", "--no-peaks"));
    if (r.code != 0 || !strstr(r.out, " g3") || !strstr(r.out, "depthwise ") ||
        strstr(r.out, "skipped") || strstr(r.out, "FAILED"))
        fail_msg("--depthwise: exit %d, stdout \"%s\"", r.code, r.out);
    run_free(&r);
    expect_usage_error(ARGS("--in-channels", "4", "--out-channels", "6", "--groups", "4"),
                       "groups = 4: in_channels (4) and out_channels (6)");
}

/* --shapes: benchdnn's descriptors as its own files write them (defaults,
 * a square problem from h alone, 1-D, a count in the name or after it, a
 * repeated layer merged, per-side padding derived from the output), each
 * run verified; the network's total is the count-weighted sum of the rows'
 * own medians, its classes add up to it; --batch replaces mb; mistakes
 * name the file, the line and the field. */
static void test_network(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "/tmp/clconv-cli-%ld-shapes.txt", (long)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("# a scratch network\n"
          "\n"
          "mb1ic4ih9oc6oh9kh3ph1n\"t:square\"\n"
          "ic4oc5_ih13oh12kh3ph0_n\"tails_conv:1\"   # mb 2, bottom and right pad 1\n"
          "g2mb1ic4ih8iw10oc4oh8ow10kh3kw3ph1pw1n\"t:grouped*3\"\n"
          "mb1ic3iw20oc5kw3pw1n\"t:1d\" *2\n"
          "mb1_ic4oc6_ih9oh9kh3sh1ph1_iw9ow9kw3sw1pw1_n\"t:again\" *2\n", f);
    fclose(f);
    run_result r = run(ARGS("--shapes", path, "--algo", "auto", "--algo", "im2col-gemm",
                            "--iters", "1", "--warmup", "0", "--no-peaks", "--format", "json"));
    if (r.code != 0)
        fail_msg("--shapes: exit %d, stderr \"%s\"", r.code, r.err);
    json_value *doc = json_parse(r.out);
    assert_non_null(doc);
    const json_value *res = member(doc, "results", JSON_ARRAY);
    double auto_total = 0, gemm_total = 0, worst = 0, auto_calls = 0;
    int layers = 0, tails = 0;
    for (size_t i = 0; i < res->count; i++) {
        const json_value *row = &res->items[i];
        const json_value *p = member(row, "problem", JSON_OBJECT);
        const char *name = member(p, "name", JSON_STRING)->string;
        if (strcmp(member(row, "status", JSON_STRING)->string, "ok"))
            fail_msg("%s on %s: %s", member(row, "algo", JSON_STRING)->string, name,
                     member(row, "status", JSON_STRING)->string);
        const double count = number(p, "count");
        if (!strcmp(member(row, "algo", JSON_STRING)->string, "auto")) {
            auto_total += count * number(row, "median_ms"), layers += (int)count;
            /* --iters 1: one plain call after the timed run */
            const double call = number(row, "call_host_ms");
            auto_calls += count * call;
            assert_true(call > 0.0);
            /* the rows come problem by problem, auto after im2col-gemm */
            assert_true(i > 0);
            assert_string_equal(member(row - 1, "algo", JSON_STRING)->string, "im2col-gemm");
            const double regret = number(row, "median_ms") / number(row - 1, "median_ms");
            worst = regret > worst ? regret : worst;
        } else {
            gemm_total += count * number(row, "median_ms");
        }
        if (!strcmp(name, "t:square"))
            assert_true(count == 3); /* t:again is the same problem */
        else if (!strcmp(name, "t:grouped"))
            assert_true(count == 3 && number(p, "groups") == 2 && number(p, "width") == 10);
        else if (!strcmp(name, "t:1d"))
            assert_true(count == 2 && number(p, "height") == 1 && number(p, "kernel_h") == 1 &&
                        number(p, "kernel_w") == 3 && number(p, "out_width") == 20);
        else if (!strcmp(name, "tails_conv:1")) {
            /* benchdnn: mb 2; 13 -> 12 with kh 3, ph 0 pads 1 at the bottom; w as h */
            assert_true(number(p, "batch") == 2 && number(p, "pad_h") == 0 &&
                        number(p, "pad_bottom") == 1 && number(p, "pad_w") == 0 &&
                        number(p, "pad_right") == 1 && number(p, "out_height") == 12 &&
                        number(p, "out_width") == 12);
            tails++;
        } else
            fail_msg("a problem named %s", name);
    }
    assert_int_equal(tails, 2); /* auto and im2col-gemm */
    const json_value *net = member(doc, "network", JSON_OBJECT);
    assert_true(number(net, "layers") == 9 && number(net, "distinct") == 4 && layers == 9);
    const json_value *totals = member(net, "totals", JSON_ARRAY);
    assert_true(totals->count == 2);
    const json_value *t = &totals->items[0];
    if (strcmp(member(t, "algo", JSON_STRING)->string, "auto"))
        t = &totals->items[1];
    assert_string_equal(member(t, "algo", JSON_STRING)->string, "auto");
    /* the medians are printed to 6 digits */
    assert_true(fabs(number(t, "total_ms") - auto_total) <= 1e-5 * auto_total);
    assert_true(fabs(number(t, "call_host_ms") - auto_calls) <= 1e-5 * auto_calls);
    double classes = 0;
    const json_value *by_class = member(t, "by_class", JSON_ARRAY);
    for (size_t i = 0; i < by_class->count; i++)
        classes += number(&by_class->items[i], "ms");
    assert_true(fabs(classes - auto_total) <= 1e-5 * auto_total);
    /* auto against the one algorithm row beside it, layer by layer */
    const json_value *regret = member(t, "regret", JSON_OBJECT);
    assert_true(number(regret, "layers") == 9);
    assert_true(fabs(number(regret, "auto_ms") - auto_total) <= 1e-5 * auto_total);
    assert_true(fabs(number(regret, "fastest_ms") - gemm_total) <= 1e-5 * gemm_total);
    assert_true(fabs(number(regret, "regret") - auto_total / gemm_total) <= 1e-4);
    assert_true(fabs(number(regret, "worst_regret") - worst) <= 1e-4 * worst);
    json_free(doc);
    run_free(&r);

    /* every device this machine shows: the network's total per device, and
     * with a second device its ratio to the first */
    r = run(ARGS("--shapes", path, "--devices", "all", "--iters", "1", "--warmup", "0",
                 "--no-peaks"));
    if (r.code != 0)
        fail_msg("--shapes --devices all: exit %d, stderr \"%s\"", r.code, r.err);
    const char *net_line = strstr(r.out, "count-weighted total:");
    const char *auto_row = net_line ? strstr(net_line, "\nauto ") : NULL;
    if (!auto_row)
        fail_msg("--devices all printed no network total: \"%s\"", r.out);
    if (strstr(r.out, "[B]")) {
        double a_ms, a_layers, b_ms, b_layers, ratio;
        if (sscanf(auto_row, " auto | %lf %lf | %lf %lf %lf", &a_ms, &a_layers, &b_ms,
                   &b_layers, &ratio) != 5 ||
            fabs(ratio - b_ms / a_ms) > 0.01 * ratio + 0.005)
            fail_msg("network total per device: \"%.200s\"", auto_row);
    }
    run_free(&r);

    r = run(ARGS("--shapes", path, "--batch", "3", "--describe"));
    assert_int_equal(r.code, 0);
    doc = json_parse(r.out);
    const json_value *probs = member(doc, "problems", JSON_ARRAY);
    assert_true(probs->count == 4);
    for (size_t i = 0; i < probs->count; i++)
        assert_true(number(member(&probs->items[i], "problem", JSON_OBJECT), "batch") == 3);
    json_free(doc);
    run_free(&r);

    static const struct {
        const char *line, *phrase;
    } bad[] = {
        {"ic4oc4_id5ih5kd3kh3_n\"x\"", ":2: id: a 3-D descriptor"},
        {"ic4oc4ih5kh3zz1", ":2: unknown field at 'zz1'"},
        {"ic4oc4ih13oh5kh3", ":2: oh 5 needs negative padding"},
        {"ic4oc4ih13oh5kh3ph1", ":2: oh 5 is fewer than ih 13"},
        {"ic4oc4kh3", ":2: ih and kh must both be given"},
        {"ic4oc4ih5kh", ":2: kh has no value"},
        {"ic4oc6g4ih5kh3", ":2: groups = 4"},
        {"ic4oc4ih5kh3 ic4oc4ih6kh3", ":2: a second descriptor"},
        {"ic4oc4ih5kh3 --alg=wino", ":2: benchdnn option '--alg=wino'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f, "# line 1\n%s\n", bad[i].line);
        fclose(f);
        expect_usage_error(ARGS("--shapes", path, "--no-peaks"), bad[i].phrase);
    }
    unlink(path);
    expect_usage_error(ARGS("--shapes", path), "cannot open");
    expect_usage_error(ARGS("--net", "resnet50", "--kernel", "3"), "drop --kernel");
    expect_usage_error(ARGS("--net", "resnet50", "--problem", "seed-k3"), "drop --problem");
    expect_usage_error(ARGS("--net", "resnet"), "unknown --net 'resnet'");
    expect_usage_error(ARGS("--pad", "1,2,3"), "expected P, HxW or T,B,L,R");
}

/* --activation, --alpha, --residual, --beta: every clconv row applies the
 * epilogue in its last stage and verifies against the reference with it,
 * says so in its row and counts the residual's read; a peer without one is
 * skipped naming why; bad values are usage errors naming the value. */
static void test_epilogue_flags(void **state)
{
    (void)state;
    run_result r = run(ARGS("--batch", "2", "--in-channels", "3", "--out-channels", "4",
                            "--height", "8", "--width", "9", "--kernel", "3", "--algo", "direct",
                            "--algo", "winograd", "--algo", "clblast-convgemm", "--activation",
                            "relu6", "--residual", "--beta", "0.5", "--iters", "1", "--warmup",
                            "0", "--no-peaks", "--format", "json"));
    if (r.code != 0)
        fail_msg("exit %d, stderr \"%s\"", r.code, r.err);
    json_value *doc = json_parse(r.out);
    assert_non_null(doc);
    const json_value *res = member(doc, "results", JSON_ARRAY);
    assert_int_equal(res->count, 3);
    const double out = 2.0 * 4 * 6 * 7;
    for (size_t i = 0; i < 2; i++) {
        const json_value *row = &res->items[i];
        if (strcmp(member(row, "status", JSON_STRING)->string, "ok") ||
            !(number(row, "rel_err") < 1e-5))
            fail_msg("%s with an epilogue: %s", member(row, "algo", JSON_STRING)->string,
                     member(row, "status", JSON_STRING)->string);
        assert_string_equal(member(row, "epilogue", JSON_STRING)->string,
                            "relu6, residual (beta 0.5)");
    }
    /* direct without padding is one stage: the compulsory bytes and the residual's */
    assert_true(number(&res->items[0], "bytes") ==
                4.0 * (2 * 3 * 8 * 9 + 4 * 3 * 3 * 3 + 4 + out) + 4.0 * out);
    const json_value *peer = &res->items[2];
    assert_string_equal(member(peer, "status", JSON_STRING)->string, "skipped");
    assert_non_null(strstr(member(peer, "note", JSON_STRING)->string, "no epilogue"));
    assert_int_equal(member(peer, "epilogue", JSON_NULL)->type, JSON_NULL);
    json_free(doc);
    run_free(&r);
    expect_usage_error(ARGS("--activation", "swish"), "unknown activation \"swish\"");
    expect_usage_error(ARGS("--activation", "clamp:1"), "clamp takes 2 parameters");
    expect_usage_error(ARGS("--activation", "relu:1"), "relu takes 0 parameters");
    expect_usage_error(ARGS("--activation", "leaky_relu:nan"), "slope must be finite");
    expect_usage_error(ARGS("--activation", "clamp:2,1"), "lo must not exceed hi");
    expect_usage_error(ARGS("--alpha", "inf"), "--alpha 'inf'");
    expect_usage_error(ARGS("--beta", "x"), "--beta 'x'");
}

/* The JSON reader the checks below rely on is strict: what RFC 8259 calls a
 * number, nothing strtod would also take. */
static void test_json_reader_is_strict(void **state)
{
    (void)state;
    static const char *const refused[] = {"nan", "-inf", "0x10", "01", "1.", ".5", "+1",
                                          "1e", "-", "1e+", "[1,]", "{\"a\":1,}", "1 2"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        json_value *v = json_parse(refused[i]);
        if (v)
            fail_msg("json_parse accepted \"%s\"", refused[i]);
    }
    static const struct { const char *text; double want; } numbers[] = {
        {"0", 0}, {"-0.5e+3", -500}, {"12.25", 12.25}, {"1E2", 100}, {" 7 ", 7}};
    for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++) {
        json_value *v = json_parse(numbers[i].text);
        if (!v || v->type != JSON_NUMBER || v->number != numbers[i].want)
            fail_msg("json_parse(\"%s\") is not %g", numbers[i].text, numbers[i].want);
        json_free(v);
    }
}

/* Repetitions by time budget: at least 5 runs when they are quick, one when a
 * run alone passes --max-time, and --max-time below --min-time refused. */
static void test_time_budget(void **state)
{
    (void)state;
    run_result r = run(ARGS("--batch", "1", "--in-channels", "2", "--height", "6", "--width",
                            "7", "--out-channels", "3", "--kernel", "3", "--algo", "direct",
                            "--min-time", "0.001", "--max-time", "10", "--no-peaks",
                            "--format", "json"));
    if (r.code != 0)
        fail_msg("exit %d: %s", r.code, r.err);
    json_value *doc = json_parse(r.out);
    assert_non_null(doc);
    const json_value *res = &member(doc, "results", JSON_ARRAY)->items[0];
    if (number(res, "iterations") < 5)
        fail_msg("a tiny problem got %g runs, wanted at least 5", number(res, "iterations"));
    json_free(doc);
    run_free(&r);

    r = run(ARGS("--problem", "seed-k3", "--algo", "direct", "--min-time", "0.001",
                 "--max-time", "0.001", "--no-peaks", "--format", "json"));
    if (r.code != 0)
        fail_msg("exit %d: %s", r.code, r.err);
    doc = json_parse(r.out);
    assert_non_null(doc);
    res = &member(doc, "results", JSON_ARRAY)->items[0];
    /* a run of 0.5 GFLOP takes more than 1 ms on any device this suite runs on */
    if (number(res, "min_ms") > 1.0 && number(res, "iterations") != 1)
        fail_msg("runs of %g ms with --max-time 0.001: %g runs, wanted 1",
                 number(res, "min_ms"), number(res, "iterations"));
    json_free(doc);
    run_free(&r);

    expect_usage_error(ARGS("--min-time", "0.5", "--max-time", "0.1"),
                       "--max-time 0.1 is below --min-time 0.5");
}

/* One run (every row, CLBlast's convgemm included, is minutes on a cold
 * cache): the CSV on stdout and the JSON document --out-dir writes of it. */
static void test_json_report(void **state)
{
    (void)state;
    char dir[] = "/tmp/clconv-cli-report-XXXXXX", cmd[128];
    assert_non_null(mkdtemp(dir));
    run_result r = run(ARGS(SMALL, "--format", "csv", "--out-dir", dir));
    if (r.code != 0)
        fail_msg("exit %d: %s", r.code, r.err);
    snprintf(cmd, sizeof cmd, "cat '%s'/*.json", dir);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    size_t cap = 1 << 16, len = 0;
    char *json = malloc(cap);
    assert_non_null(json);
    for (size_t got; (got = fread(json + len, 1, cap - 1 - len, f)) > 0;)
        if ((len += got) == cap - 1) {
            json = realloc(json, cap *= 2);
            assert_non_null(json);
        }
    json[len] = '\0';
    assert_int_equal(pclose(f), 0);
    check_report(json);
    free(json);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(count_lines(r.out), 1 + CLCONV_ALGO_COUNT + 3);
    assert_non_null(strstr(r.out, ",auto,ok,"));
    assert_non_null(strstr(r.out, ",pointwise,skipped,"));
    assert_non_null(strstr(r.out, ",im2col-gemm,ok,"));
    assert_non_null(strstr(r.out, "im2col:"));
    /* ... pad_h, pad_w, pad_bottom, pad_right, dilation, groups, count */
    assert_non_null(strstr(r.out, "custom,2,3,9,11,5,3,2,2,2,1,0,1,0,1,1,1,1,direct,ok,"));
    run_free(&r);

    /* --no-verify: rel_err is null, not a number */
    r = run(ARGS(SMALL, "--format", "json", "--no-verify", "--algo", "direct"));
    assert_int_equal(r.code, 0);
    json_value *doc = json_parse(r.out);
    assert_non_null(doc);
    const json_value *res = json_get(doc, "results");
    assert_int_equal(member(&res->items[0], "rel_err", JSON_NULL)->type, JSON_NULL);
    json_free(doc);
    run_free(&r);
}

static void test_out_file(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "/tmp/clconv-cli-%ld-report.json", (long)getpid());
    remove(path);
    /* one row: test_json_report checks every row of the same document */
    run_result r = run(ARGS(SMALL, "--format", "json", "--out", path, "--algo", "direct"));
    assert_int_equal(r.code, 0);
    assert_string_equal(r.out, ""); /* the report went to the file */
    char *text = slurp(path);
    assert_non_null(text);
    json_value *doc = json_parse(text);
    if (!doc)
        fail_msg("--out wrote what does not parse:\n%s", text);
    assert_string_equal(member(doc, "schema", JSON_STRING)->string, "clconv-bench/1");
    const json_value *results = member(doc, "results", JSON_ARRAY);
    assert_int_equal(results->count, 1);
    assert_string_equal(member(&results->items[0], "status", JSON_STRING)->string, "ok");
    json_free(doc);
    free(text);
    run_free(&r);
    remove(path);

    /* a failed verification: exit 1, a clear line, and no file at all */
    r = run(ARGS(SMALL, "--format", "json", "--out", path, "--tolerance", "1e-300", "--algo",
                 "direct"));
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.err, "verification failed"));
    assert_int_equal(access(path, F_OK), -1);
    run_free(&r);

    /* an --out that cannot be written fails before any work */
    r = run(ARGS(SMALL, "--out", "/nonexistent-dir/report.json"));
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.err, "cannot write --out /nonexistent-dir/report.json"));
    assert_int_equal(count_lines(r.err), 1);
    run_free(&r);
}

/* The seed question at a CI size: the pointwise op is memory-bound, a
 * 16x16 direct convolution compute-bound, and the answer says so. */
static void test_roofline_verdicts(void **state)
{
    (void)state;
    /* pointwise streams 64 MiB: far beyond any cache, so the streaming peak
     * is its ceiling (a problem that fits in cache can beat it) */
    run_result r = run(ARGS("--problem", "seed-k16", "--in-channels", "128", "--out-channels",
                            "64", "--height", "32", "--width", "32", "--algo", "direct",
                            "--algo", "pointwise", "--iters", "3", "--warmup", "1", "--format",
                            "json"));
    if (r.code != 0)
        fail_msg("exit %d: %s", r.code, r.err);
    json_value *doc = json_parse(r.out);
    assert_non_null(doc);
    const json_value *res = member(doc, "results", JSON_ARRAY);
    assert_int_equal(res->count, 2);
    assert_string_equal(member(&res->items[0], "algo", JSON_STRING)->string, "direct");
    assert_string_equal(member(&res->items[0], "verdict", JSON_STRING)->string, "compute-bound");
    assert_string_equal(member(&res->items[1], "algo", JSON_STRING)->string, "pointwise");
    assert_string_equal(member(&res->items[1], "verdict", JSON_STRING)->string, "memory-bound");
    for (int i = 0; i < 2; i++)
        check_roofline(&res->items[i]);
    /* out[o][s] = x[s] * k[o][s], S = 128*32*32: 64 S multiplies over
     * 4 * (S + 2 * 64 S) bytes, 64/516 FLOP per byte */
    assert_true(number(&res->items[1], "flops") == 64.0 * 128 * 32 * 32);
    assert_true(number(&res->items[1], "bytes") == 4.0 * 129 * 128 * 32 * 32);
    assert_true(fabs(number(&res->items[1], "intensity") - 64.0 / 516.0) < 1e-6);
    const json_value *answer = member(doc, "answer", JSON_ARRAY);
    int says_bytes = 0;
    for (size_t i = 0; i < answer->count; i++)
        says_bytes |= strstr(answer->items[i].string, "memory-bound") &&
                      strstr(answer->items[i].string, "Bytes, not FLOPs") != NULL;
    assert_true(says_bytes);
    json_free(doc);
    run_free(&r);
}

/* --no-peaks: no ceilings, so rates but no bound, efficiency or verdict. */
static void test_no_peaks(void **state)
{
    (void)state;
    run_result r = run(ARGS(SMALL, "--algo", "direct", "--no-peaks", "--format", "json"));
    assert_int_equal(r.code, 0);
    json_value *doc = json_parse(r.out);
    assert_non_null(doc);
    member(member(doc, "device", JSON_OBJECT), "peak_gflops", JSON_NULL);
    const json_value *row = &member(doc, "results", JSON_ARRAY)->items[0];
    member(row, "efficiency", JSON_NULL);
    member(row, "verdict", JSON_NULL);
    assert_true(number(row, "gflops") > 0);
    json_free(doc);
    run_free(&r);
    r = run(ARGS(SMALL, "--algo", "direct", "--no-peaks"));
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "peaks: not measured"));
    run_free(&r);
}

/* The sweep's answer names the fastest algorithm at each point, and that is
 * the one with the least median time in its own rows. */
static void test_sweep(void **state)
{
    (void)state;
    run_result r = run(ARGS("--in-channels", "4", "--out-channels", "4", "--height", "12",
                            "--width", "12", "--sweep", "kernel=1:5:2", "--algo", "direct",
                            "--algo", "fft", "--iters", "3", "--warmup", "1", "--no-peaks",
                            "--format", "json"));
    if (r.code != 0)
        fail_msg("exit %d: %s", r.code, r.err);
    json_value *doc = json_parse(r.out);
    assert_non_null(doc);
    const json_value *res = member(doc, "results", JSON_ARRAY);
    assert_int_equal(res->count, 6);
    char want[256] = "";
    for (int k = 0; k < 3; k++) {
        const json_value *d = &res->items[2 * k], *f = &res->items[2 * k + 1];
        char name[32];
        snprintf(name, sizeof name, "kernel=%d", 1 + 2 * k);
        assert_string_equal(member(member(d, "problem", JSON_OBJECT), "name", JSON_STRING)->string,
                            name);
        assert_true(number(member(d, "problem", JSON_OBJECT), "kernel_w") == 1 + 2 * k);
        const char *fastest = number(d, "median_ms") <= number(f, "median_ms") ? "direct" : "fft";
        char point[64];
        snprintf(point, sizeof point, " %d %s", 1 + 2 * k, fastest);
        strcat(want, point);
    }
    const json_value *answer = member(doc, "answer", JSON_ARRAY);
    const char *line = NULL;
    for (size_t i = 0; i < answer->count; i++)
        if (strstr(answer->items[i].string, "sweep:"))
            line = answer->items[i].string;
    assert_non_null(line);
    /* the line merges runs ("1..3 direct;"): check each point's winner in it */
    char *w = want;
    for (int k = 0; k < 3; k++) {
        char value[8], algo[16];
        int used;
        assert_int_equal(sscanf(w, " %7s %15s%n", value, algo, &used), 2);
        w += used;
        /* the algorithm is named in the segment containing this value */
        const char *seg = line;
        int found = 0;
        while ((seg = strchr(seg, ' ')) != NULL) {
            int lo, hi = -1, n = 0;
            char a[16];
            if (sscanf(seg, " %d..%d %15[a-z-]%n", &lo, &hi, a, &n) == 3 ||
                (hi = -1, sscanf(seg, " %d %15[a-z-]%n", &lo, a, &n) == 2)) {
                if (hi < 0)
                    hi = lo;
                if (atoi(value) >= lo && atoi(value) <= hi) {
                    assert_string_equal(a, algo);
                    found = 1;
                }
            }
            seg++;
        }
        if (!found)
            fail_msg("sweep point %s not in: %s", value, line);
    }
    json_free(doc);
    run_free(&r);
}

/* --devices with the test's device: one compare table, one JSON per device
 * in --out-dir, and a repeated device is a usage error. */
static void test_devices(void **state)
{
    (void)state;
    clconv_context *ctx = fixture_context();
    const clconv_device_info *d = clconv_context_device(ctx);
    char ids[32], dir[] = "/tmp/clconv-cli-outdir-XXXXXX", twice[64];
    snprintf(ids, sizeof ids, "%d:%d", d->platform_index, d->device_index);
    snprintf(twice, sizeof twice, "%s,%s", ids, ids);
    assert_non_null(mkdtemp(dir));
    run_result r = run(ARGS(SMALL, "--algo", "direct", "--no-peaks", "--devices", ids,
                            "--out-dir", dir));
    if (r.code != 0)
        fail_msg("exit %d: %s", r.code, r.err);
    assert_non_null(strstr(r.out, "[A]"));
    assert_non_null(strstr(r.out, d->name));
    run_free(&r);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls %s/*.json | wc -l", dir);
    FILE *p = popen(cmd, "r");
    int files = 0;
    assert_int_equal(fscanf(p, "%d", &files), 1);
    pclose(p);
    assert_int_equal(files, 1);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    r = run(ARGS(SMALL, "--devices", twice));
    assert_int_equal(r.code, 2);
    assert_non_null(strstr(r.err, "more than once"));
    run_free(&r);
    r = run(ARGS(SMALL, "--devices", ids, "--platform", "0"));
    assert_int_equal(r.code, 2);
    assert_non_null(strstr(r.err, "--devices cannot be combined with --platform"));
    run_free(&r);
    clconv_context_destroy(ctx);
}

/* The problem of a --describe entry, rebuilt from its JSON fields. */
static clconv_problem described_problem(const json_value *entry)
{
    const json_value *p = member(entry, "problem", JSON_OBJECT);
    clconv_problem q = FIXTURE_PROBLEM((int)number(p, "batch"), (int)number(p, "in_channels"), (int)number(p, "height"),
        (int)number(p, "width"), (int)number(p, "out_channels"), (int)number(p, "kernel_h"),
        (int)number(p, "kernel_w"), (int)number(p, "stride_h"), (int)number(p, "stride_w"),
        (int)number(p, "pad_h"), (int)number(p, "pad_w"), (int)number(p, "dilation_h"),
        (int)number(p, "dilation_w"));
    assert_int_equal(number(p, "out_height"), clconv_problem_out_height(&q));
    assert_int_equal(number(p, "out_width"), clconv_problem_out_width(&q));
    return q;
}

static const json_value *described_cost(const json_value *entry, const char *algo)
{
    const json_value *costs = member(entry, "costs", JSON_ARRAY);
    for (size_t i = 0; i < costs->count; i++)
        if (!strcmp(member(&costs->items[i], "algo", JSON_STRING)->string, algo))
            return &costs->items[i];
    fail_msg("no cost for %s", algo);
    return NULL;
}

/* Equal to the 10 significant digits JSON numbers are written with (FFT
 * FLOPs, 2.5 n log2 n, are not whole numbers). */
static int same_to_print(double got, double want)
{
    return fabs(got - want) <= 1e-9 * fabs(want);
}

/* The convolution's cost, each algorithm's by stage, and the pointwise op's,
 * as the library counts them. */
static void check_described_costs(const json_value *entry)
{
    clconv_problem p = described_problem(entry);
    double flops, bytes, no_bias;
    clconv_problem_cost(&p, 1, &flops, &bytes);
    clconv_problem_cost(&p, 0, &flops, &no_bias);
    const json_value *conv = member(entry, "conv", JSON_OBJECT);
    assert_true(number(conv, "flops") == flops);
    assert_true(number(conv, "bytes") == bytes);
    assert_true(number(conv, "bytes_without_bias") == no_bias);
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
        clconv_cost c;
        const json_value *got = described_cost(entry, clconv_algo_name((clconv_algo)a));
        if (clconv_algo_cost(&p, (clconv_algo)a, 1, &c) == CLCONV_ERR_UNSUPPORTED) {
            /* refused without a device (depthwise on a dense problem): said, not costed */
            assert_string_equal(member(got, "unsupported", JSON_STRING)->string,
                                clconv_last_error(NULL));
            continue;
        }
        assert_true(same_to_print(number(got, "flops"), c.flops) &&
                    same_to_print(number(got, "bytes"), c.bytes));
        const json_value *stages = member(got, "stages", JSON_ARRAY);
        assert_int_equal(stages->count, c.stage_count);
        for (int s = 0; s < c.stage_count; s++) {
            assert_string_equal(member(&stages->items[s], "name", JSON_STRING)->string,
                                c.stages[s].name);
            assert_true(same_to_print(number(&stages->items[s], "flops"), c.stages[s].flops) &&
                        same_to_print(number(&stages->items[s], "bytes"), c.stages[s].bytes));
        }
    }
    /* auto's cost is its choice's: the description says so rather than guess */
    member(described_cost(entry, "auto"), "on_device", JSON_STRING);
    const json_value *peer = described_cost(entry, "clblast-convgemm");
    assert_true(number(peer, "flops") == flops && number(peer, "bytes") == no_bias);
    const json_value *pw = described_cost(entry, "pointwise");
    if (p.batch != 1) {
        assert_non_null(strstr(member(pw, "unsupported", JSON_STRING)->string, "batch 1"));
        return;
    }
    clconv_cost want;
    clconv_pointwise_cost(&p, &want);
    assert_true(number(pw, "flops") == want.flops && number(pw, "bytes") == want.bytes);
}

/* --describe needs no device (the ICD loader here finds no platform at
 * all), names every algorithm of the library's table, and gives the costs
 * the library computes for the presets and for the problem the flags make. */
static void test_describe(void **state)
{
    (void)state;
    fixture_env vendors = fixture_env_set("OCL_ICD_VENDORS", "/nonexistent-clconv-vendors");
    fixture_env filenames = fixture_env_set("OCL_ICD_FILENAMES", "");
    run_result r = run(ARGS("--describe"));
    run_result custom = run(ARGS("--describe", SMALL));
    fixture_env_restore(&vendors);
    fixture_env_restore(&filenames);
    if (r.code != 0 || custom.code != 0)
        fail_msg("exit %d / %d: %s%s", r.code, custom.code, r.err, custom.err);
    json_value *doc = json_parse(r.out);
    if (!doc)
        fail_msg("--describe is not JSON:\n%s", r.out);
    const json_value *algos = member(doc, "algorithms", JSON_ARRAY);
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
        const char *name = clconv_algo_name((clconv_algo)a);
        size_t i = 0;
        while (i < algos->count &&
               strcmp(member(&algos->items[i], "name", JSON_STRING)->string, name))
            i++;
        if (i == algos->count)
            fail_msg("--describe does not name the algorithm %s", name);
        assert_string_equal(member(&algos->items[i], "summary", JSON_STRING)->string,
                            clconv_algo_summary((clconv_algo)a));
        member(&algos->items[i], "stages", JSON_ARRAY);
    }
    assert_int_equal(algos->count, CLCONV_ALGO_COUNT); /* the library's table, nothing else */
    /* every row: the algorithms, auto, then the seed's op and the CLBlast peer */
    const json_value *rows = member(doc, "rows", JSON_ARRAY);
    assert_int_equal(rows->count, CLCONV_ALGO_COUNT + 3);
    assert_string_equal(member(&rows->items[CLCONV_ALGO_COUNT], "name", JSON_STRING)->string,
                        "auto");
    const json_value *presets = member(doc, "presets", JSON_ARRAY);
    assert_true(presets->count >= 3);
    for (size_t i = 0; i < presets->count; i++)
        check_described_costs(&presets->items[i]);
    /* no problem flags: the problems are the presets */
    assert_int_equal(member(doc, "problems", JSON_ARRAY)->count, presets->count);
    json_free(doc);

    doc = json_parse(custom.out);
    assert_non_null(doc);
    const json_value *problems = member(doc, "problems", JSON_ARRAY);
    assert_int_equal(problems->count, 1);
    const json_value *p = member(&problems->items[0], "problem", JSON_OBJECT);
    assert_string_equal(member(p, "name", JSON_STRING)->string, "custom");
    assert_true(number(p, "batch") == 2 && number(p, "kernel_w") == 2 &&
                number(p, "pad_h") == 1 && number(p, "out_height") == 5);
    check_described_costs(&problems->items[0]);
    json_free(doc);
    run_free(&r);
    run_free(&custom);
    expect_usage_error(ARGS("--describe", "--batch", "0"), "batch = 0: must be >= 1");
}

/* --help is generated from the option table (--describe lists it): every
 * option is in the help with its argument and the first line of its text,
 * every option the help names is in the table, and the parser knows each
 * one as the table says (a value or none). */
static void test_help_from_table(void **state)
{
    (void)state;
    run_result d = run(ARGS("--describe"));
    run_result h = run(ARGS("--help"));
    assert_int_equal(d.code, 0);
    assert_int_equal(h.code, 0);
    json_value *doc = json_parse(d.out);
    assert_non_null(doc);
    const json_value *options = member(doc, "options", JSON_ARRAY);
    assert_true(options->count >= 30);
    for (size_t i = 0; i < options->count; i++) {
        const json_value *o = &options->items[i];
        const char *name = member(o, "name", JSON_STRING)->string;
        const json_value *arg = json_get(o, "argument");
        const char *help = member(o, "help", JSON_STRING)->string;
        char left[128], first[256];
        snprintf(left, sizeof left, "\n  %s%s%s\n", name, arg->type == JSON_STRING ? " " : "",
                 arg->type == JSON_STRING ? arg->string : "");
        snprintf(first, sizeof first, "%.*s\n", (int)strcspn(help, "\n"), help);
        const char *at = strstr(h.out, left);
        if (!at) { /* short: the help's first line follows on the same line */
            left[strlen(left) - 1] = ' ';
            at = strstr(h.out, left);
        }
        if (!at || !strstr(at, first))
            fail_msg("--help lacks %s or its text \"%s\"", name, first);
        if (strncmp(name, "--", 2) != 0)
            continue;
        char with_value[160];
        snprintf(with_value, sizeof with_value, "%s=1", name);
        run_result r = arg->type == JSON_STRING ? run(ARGS(name)) : run(ARGS(with_value));
        if (r.code != 2 || !strstr(r.err, arg->type == JSON_STRING ? "needs a value"
                                                                   : "takes no value"))
            fail_msg("%s: exit %d, stderr \"%s\"", name, r.code, r.err);
        run_free(&r);
    }
    /* and nothing in the help that the table does not have */
    for (const char *line = h.out; (line = strstr(line, "\n  -")) != NULL; line++) {
        char name[64];
        assert_int_equal(sscanf(line + 3, "%63s", name), 1);
        size_t i = 0;
        while (i < options->count &&
               strcmp(member(&options->items[i], "name", JSON_STRING)->string, name))
            i++;
        if (i == options->count)
            fail_msg("--help names %s, which the option table does not have", name);
    }
    json_free(doc);
    run_free(&d);
    run_free(&h);
}

/* --tune stores the row's parameters; the next run loads them from the
 * performance database and says so; --params overrides both; parameters
 * that do not parse are an error naming them. */
static void test_tune_and_database(void **state)
{
    (void)state;
    char dir[] = "/tmp/clconv-cli-perfdb-XXXXXX";
    assert_non_null(mkdtemp(dir));
    fixture_env cache = fixture_env_set("CLCONV_CACHE_DIR", dir);
#define TUNE_PROBLEM "--problem", "seed-k3", "--height", "8", "--width", "10", "--in-channels", \
                     "3", "--out-channels", "5", "--algo", "direct", "--iters", "1", "--no-peaks"
    static const char *const sources[] = {"tuned", "database", "given"};
    char tuned[96] = "";
    for (int i = 0; i < 3; i++) {
        run_result r = i == 0   ? run(ARGS(TUNE_PROBLEM, "--tune", "--format", "json"))
                       : i == 1 ? run(ARGS(TUNE_PROBLEM, "--format", "json"))
                                : run(ARGS(TUNE_PROBLEM, "--params", "vec=1 ocv=2 pix=3 lx=2 ly=2",
                                           "--format", "json"));
        if (r.code != 0)
            fail_msg("run %d: exit %d: %s", i, r.code, r.err);
        json_value *doc = json_parse(r.out);
        assert_non_null(doc);
        const json_value *row = &member(doc, "results", JSON_ARRAY)->items[0];
        assert_string_equal(member(row, "status", JSON_STRING)->string, "ok");
        assert_string_equal(member(row, "params_source", JSON_STRING)->string, sources[i]);
        const char *params = member(row, "params", JSON_STRING)->string;
        if (i == 0)
            snprintf(tuned, sizeof tuned, "%s", params);
        else
            assert_string_equal(params, i == 1 ? tuned : "vec=1 ocv=2 pix=3 lx=2 ly=2");
        json_free(doc);
        run_free(&r);
    }
    run_result r = run(ARGS(TUNE_PROBLEM));
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "from the performance database"));
    run_free(&r);
    r = run(ARGS(TUNE_PROBLEM, "--params", "tile=4"));
    if (r.code != 1 || !strstr(r.err, "params \"tile=4\"") || !strstr(r.err, "ocv="))
        fail_msg("--params tile=4: exit %d, stderr: %s", r.code, r.err);
    run_free(&r);
#undef TUNE_PROBLEM
    fixture_env_restore(&cache);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* CLCONV_CACHE_DIR becomes a new directory (dir: a mkdtemp template)
 * holding the compiled programs and peaks of the cache the bench would use
 * (clconv_context_options.cache_dir's order), not its performance database:
 * compiling every candidate again takes a minute on rusticl. Returns the
 * previous value for private_cache_end. */
static fixture_env private_cache(char *dir)
{
    char cmd[2048];
    assert_non_null(mkdtemp(dir));
    const char *suite = getenv("CLCONV_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME");
    char from[512];
    if (suite && *suite)
        snprintf(from, sizeof from, "%s", suite);
    else if (xdg && *xdg)
        snprintf(from, sizeof from, "%s/clconv", xdg);
    else
        snprintf(from, sizeof from, "%s/.cache/clconv", getenv("HOME") ? getenv("HOME") : "");
    snprintf(cmd, sizeof cmd,
             "[ ! -d '%s' ] || find '%s' -maxdepth 1 -type f \\( -name '*.bin' -o -name "
             "'peaks-*.txt' \\) -exec cp {} '%s'/ \\;",
             from, from, dir);
    assert_int_equal(system(cmd), 0);
    return fixture_env_set("CLCONV_CACHE_DIR", dir);
}

/* The suite's CLCONV_CACHE_DIR again, and dir removed. */
static void private_cache_end(const char *dir, fixture_env *restore)
{
    fixture_env_restore(restore);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* --algo auto --auto-mode find with an empty performance database: the
 * first run times the candidates and stores the winner, the second takes it
 * from the database without a trial run; both verify. An unknown mode is a
 * usage error naming it and the modes there are, as --help lists them. */
static void test_auto_find_then_database(void **state)
{
    (void)state;
    char dir[] = "/tmp/clconv-cli-auto-XXXXXX";
    fixture_env restore = private_cache(dir);
#define AUTO_PROBLEM "--batch", "1", "--in-channels", "4", "--height", "12", "--width", "12", \
                     "--out-channels", "4", "--kernel", "3", "--algo", "auto", "--auto-mode", \
                     "find", "--iters", "2", "--warmup", "1", "--no-peaks"
    static const char *const sources[] = {"find", "database"};
    char chosen[32] = "";
    for (int i = 0; i < 2; i++) {
        run_result r = run(ARGS(AUTO_PROBLEM, "--format", "json"));
        if (r.code != 0)
            fail_msg("run %d: exit %d: %s", i, r.code, r.err);
        json_value *doc = json_parse(r.out);
        assert_non_null(doc);
        const json_value *results = member(doc, "results", JSON_ARRAY);
        assert_int_equal(results->count, 1);
        const json_value *row = &results->items[0];
        assert_string_equal(member(row, "algo", JSON_STRING)->string, "auto");
        assert_string_equal(member(row, "status", JSON_STRING)->string, "ok");
        double rel_err = number(row, "rel_err");
        assert_true(rel_err >= 0 && rel_err < CLCONV_VERIFY_TOLERANCE);
        assert_true(number(row, "median_ms") > 0);
        const json_value *c = check_choice(row, "find");
        const char *algo = member(c, "algo", JSON_STRING)->string;
        if (strcmp(member(c, "source", JSON_STRING)->string, sources[i]))
            fail_msg("run %d: choice from %s, wanted %s", i,
                     member(c, "source", JSON_STRING)->string, sources[i]);
        if (i == 0) {
            assert_true(number(c, "trial_runs") > 0);
            snprintf(chosen, sizeof chosen, "%s", algo);
        } else {
            assert_int_equal(number(c, "trial_runs"), 0);
            assert_string_equal(algo, chosen);
        }
        /* the answer names the choice (no algorithm row ran beside it) */
        char want[96];
        snprintf(want, sizeof want, "auto chose %s (%s)", algo, sources[i]);
        const json_value *answer = member(doc, "answer", JSON_ARRAY);
        size_t k = 0;
        while (k < answer->count && !strstr(answer->items[k].string, want))
            k++;
        if (k == answer->count)
            fail_msg("run %d: no answer line with \"%s\"", i, want);
        json_free(doc);
        run_free(&r);
    }
    /* the table's line under the row */
    run_result r = run(ARGS(AUTO_PROBLEM));
    assert_int_equal(r.code, 0);
    char line[96];
    snprintf(line, sizeof line, "\n    . choice: auto -> %s (database", chosen);
    if (!strstr(r.out, line))
        fail_msg("no \"%s\" in:\n%s", line + 1, r.out);
    run_free(&r);
#undef AUTO_PROBLEM
    private_cache_end(dir, &restore);

    char modes[128] = "";
    for (int m = 0; m < CLCONV_AUTO_MODE_COUNT; m++)
        snprintf(modes + strlen(modes), sizeof modes - strlen(modes), "%s%s", m ? " | " : "",
                 clconv_auto_mode_name((clconv_auto_mode)m));
    char phrase[192];
    snprintf(phrase, sizeof phrase, "--auto-mode 'nonsense': expected %s", modes);
    expect_usage_error(ARGS("--auto-mode", "nonsense"), phrase);
    r = run(ARGS("--help"));
    assert_int_equal(r.code, 0);
    const char *at = strstr(r.out, "\n  --auto-mode MODE");
    assert_non_null(at);
    const char *next = strstr(at + 1, "\n  -");
    const char *list = strstr(at, modes);
    if (!list || (next && list > next))
        fail_msg("--help does not list \"%s\" under --auto-mode", modes);
    run_free(&r);
}

/* A regret as the table and the answer print it, "1.25x" or "infinite":
 * never below 1, as the measured winner is the fastest of the rows the
 * predicted one is among. */
static double regret_text(const char *at)
{
    double regret;
    if (!strncmp(at, "infinite", 8))
        return INFINITY;
    if (sscanf(at, "%lfx", &regret) != 1 || !(regret >= 1.0))
        fail_msg("a regret below 1.00x or unreadable: \"%.40s\"", at);
    return regret;
}

/* The JSON's regret: null (infinite) or >= 1, and the predicted winner's
 * time over the measured winner's, the fastest of the problem's rows. */
static void check_prediction(const json_value *pred, const json_value *rows)
{
    const char *name = member(member(pred, "problem", JSON_OBJECT), "name", JSON_STRING)->string;
    const json_value *ms = member(pred, "predicted_ms", JSON_OBJECT);
    assert_int_equal(ms->count, CLCONV_ALGO_COUNT);
    const json_value *fastest = NULL, *predicted = NULL, *best = json_get(pred, "best");
    for (size_t i = 0; i < rows->count; i++) {
        const json_value *r = &rows->items[i];
        if (strcmp(member(member(r, "problem", JSON_OBJECT), "name", JSON_STRING)->string, name))
            continue;
        if (best->type == JSON_STRING &&
            !strcmp(member(r, "algo", JSON_STRING)->string, best->string))
            predicted = r;
        if (!strcmp(member(r, "status", JSON_STRING)->string, "ok") &&
            (!fastest || number(r, "median_ms") < number(fastest, "median_ms")))
            fastest = r;
    }
    assert_non_null(fastest);
    assert_string_equal(member(pred, "measured_best", JSON_STRING)->string,
                        member(fastest, "algo", JSON_STRING)->string);
    const json_value *regret = json_get(pred, "regret");
    if (regret->type == JSON_NULL) {
        member(pred, "note", JSON_STRING);
        assert_true(!predicted || strcmp(member(predicted, "status", JSON_STRING)->string, "ok"));
        return;
    }
    assert_non_null(predicted);
    double want = number(predicted, "median_ms") / number(fastest, "median_ms");
    if (!(regret->number >= 1.0) || fabs(regret->number - want) > 1e-6 * want)
        fail_msg("%s: regret %g, wanted %g >= 1", name, regret->number, want);
}

/* --auto-report on two small random problems (the presets take minutes on
 * rusticl): every algorithm row and nothing else runs each one, a line after
 * its rows gives predicted and measured winner and the regret, the answer
 * sums them up, and --out-dir's document says the same, valid by the
 * schema's rules. Every verified row taught predict mode
 * (clconv_record_time): predicting one of them now has history behind the
 * rows that did not beat their bound. Flags it refuses are usage errors. */
static void test_auto_report(void **state)
{
    (void)state;
    char dir[] = "/tmp/clconv-cli-report-XXXXXX", docs[] = "/tmp/clconv-cli-reportdoc-XXXXXX";
    fixture_env restore = private_cache(dir);
    assert_non_null(mkdtemp(docs));
    run_result r = run(ARGS("--auto-report", "--auto-report-random", "2",
                            "--auto-report-no-presets", "--auto-report-max-flops", "1e7",
                            "--iters", "1", "--warmup", "1", "--out-dir", docs));
    if (r.code != 0)
        fail_msg("exit %d: %s", r.code, r.err);
    /* the lines, each after its problem's rows and before the next problem */
    const char *at = r.out;
    for (int i = 1; i <= 2; i++) {
        char header[32];
        snprintf(header, sizeof header, "\nrandom-%d  ", i);
        const char *problem = strstr(at, header), *line = strstr(at, "\n  . predicted: ");
        if (!problem || !line || line < problem)
            fail_msg("no \". predicted:\" line after random-%d's rows in:\n%s", i, r.out);
        const char *end = strchr(line + 1, '\n'), *regret = strstr(line, "; measured: ");
        if (!regret || regret > end || !(regret = strstr(regret, "; regret ")) || regret > end)
            fail_msg("random-%d: \"%.*s\"", i, (int)(end - line - 1), line + 1);
        regret_text(regret + strlen("; regret "));
        at = end;
    }
    assert_null(strstr(at, "\n  . predicted: "));
    const char *sum = strstr(r.out, "\n- auto report: predicted winner = measured winner on ");
    int k = -1, n = -1, percent = -1;
    if (!sum || sscanf(sum, "\n- auto report: predicted winner = measured winner on %d of %d "
                            "problems (%d%%)", &k, &n, &percent) != 3)
        fail_msg("no summary line in:\n%s", r.out);
    assert_int_equal(n, 2);
    assert_true(k >= 0 && k <= n && percent == 100 * k / n);
    const char *worst = strstr(sum, "; worst regret "), *median = strstr(sum, "; median regret ");
    assert_true(worst && median && worst < median);
    assert_true(regret_text(worst + strlen("; worst regret ")) >=
                regret_text(median + strlen("; median regret ")));
    run_free(&r);

    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls %s/*.json", docs);
    FILE *ls = popen(cmd, "r");
    char path[512] = "";
    assert_non_null(fgets(path, sizeof path, ls));
    pclose(ls);
    path[strcspn(path, "\n")] = '\0';
    char *text = slurp(path);
    assert_non_null(text);
    json_value *doc = json_parse(text);
    assert_non_null(doc);
    const json_value *rows = member(doc, "results", JSON_ARRAY);
    assert_int_equal(rows->count, 2 * CLCONV_ALGO_COUNT); /* no auto, pointwise or peer row */
    for (size_t i = 0; i < rows->count; i++)
        assert_string_equal(member(&rows->items[i], "algo", JSON_STRING)->string,
                            clconv_algo_name((clconv_algo)(i % CLCONV_ALGO_COUNT)));
    const json_value *report = member(doc, "auto_report", JSON_OBJECT);
    assert_int_equal(number(report, "problems"), 2);
    assert_int_equal(number(report, "matches"), k);
    const json_value *preds = member(report, "predictions", JSON_ARRAY);
    assert_int_equal(preds->count, 2);
    clconv_context *ctx = fixture_context(); /* its cache is the run's */
    for (size_t i = 0; i < preds->count; i++) {
        check_prediction(&preds->items[i], rows);
        clconv_problem p = described_problem(&preds->items[i]);
        clconv_algo_prediction now[CLCONV_ALGO_COUNT];
        for (int a = 0; a < CLCONV_ALGO_COUNT; a++)
            clconv_algo_prediction_init(&now[a]);
        assert_int_equal(clconv_predict(ctx, &p, NULL, now, CLCONV_ALGO_COUNT, NULL, NULL),
                         CLCONV_SUCCESS);
        for (size_t j = i * CLCONV_ALGO_COUNT; j < (i + 1) * CLCONV_ALGO_COUNT; j++) {
            const json_value *row = &rows->items[j], *eff = json_get(row, "efficiency");
            /* a time that beats its bound (efficiency null) teaches nothing;
             * the library's bound, without the bias, is lower still */
            if (eff->type == JSON_NUMBER && !now[j % CLCONV_ALGO_COUNT].history)
                fail_msg("%s on random-%zu: verified, yet predict mode has no history",
                         clconv_algo_name((clconv_algo)(j % CLCONV_ALGO_COUNT)), i + 1);
        }
    }
    assert_int_equal(clconv_context_destroy(ctx), CLCONV_SUCCESS);
    json_free(doc);
    free(text);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", docs);
    assert_int_equal(system(cmd), 0);
    private_cache_end(dir, &restore);

    /* over a network's layers: its problems alone, and the regret weighted
     * by each layer's count, from the rows and predictions it wrote */
    char shapes[128];
    snprintf(shapes, sizeof shapes, "/tmp/clconv-cli-%ld-report.txt", (long)getpid());
    FILE *f = fopen(shapes, "w");
    assert_non_null(f);
    fputs("mb1ic4ih9oc6oh9kh3ph1n\"r:a\" *3\nmb1ic8ih6oc4oh6kh1ph0n\"r:b\"\n", f);
    fclose(f);
    char dir2[] = "/tmp/clconv-cli-report2-XXXXXX";
    fixture_env again = private_cache(dir2);
    r = run(ARGS("--auto-report", "--shapes", shapes, "--iters", "1", "--format", "json"));
    if (r.code != 0)
        fail_msg("--auto-report --shapes: exit %d: %s", r.code, r.err);
    doc = json_parse(r.out);
    assert_non_null(doc);
    rows = member(doc, "results", JSON_ARRAY);
    report = member(doc, "auto_report", JSON_OBJECT);
    preds = member(report, "predictions", JSON_ARRAY);
    assert_int_equal(number(report, "problems"), 2);
    double predicted_ms = 0, fastest_ms = 0;
    for (size_t i = 0; i < preds->count; i++) {
        const json_value *pred = &preds->items[i], *p = member(pred, "problem", JSON_OBJECT);
        check_prediction(pred, rows);
        const double count = number(p, "count"), regret = number(pred, "regret");
        assert_true(count == (!strcmp(member(p, "name", JSON_STRING)->string, "r:a") ? 3 : 1));
        double best = INFINITY;
        for (size_t j = 0; j < rows->count; j++) {
            const json_value *row = &rows->items[j];
            if (!strcmp(member(member(row, "problem", JSON_OBJECT), "name", JSON_STRING)->string,
                        member(p, "name", JSON_STRING)->string) &&
                !strcmp(member(row, "status", JSON_STRING)->string, "ok"))
                best = fmin(best, number(row, "median_ms"));
        }
        predicted_ms += count * regret * best, fastest_ms += count * best;
    }
    const double weighted = number(report, "weighted_regret");
    if (fabs(weighted - predicted_ms / fastest_ms) > 1e-4 * weighted)
        fail_msg("weighted regret %g, wanted %g", weighted, predicted_ms / fastest_ms);
    json_free(doc);
    run_free(&r);
    private_cache_end(dir2, &again);
    remove(shapes);

    expect_usage_error(ARGS("--auto-report", "--net", "resnet50", "--auto-report-random", "2"),
                       "runs the network's layers alone");
    expect_usage_error(ARGS("--auto-report", "--problem", "seed-k3"),
                       "--auto-report runs its own problems");
    expect_usage_error(ARGS("--auto-report", "--kernel", "3"), "drop --problem, --sweep and the");
    expect_usage_error(ARGS("--auto-report", "--algo", "direct"), "drop --algo");
    expect_usage_error(ARGS("--auto-report", "--no-peaks"), "drop --no-peaks");
    expect_usage_error(ARGS("--auto-report", "--no-verify"), "drop --no-verify");
    expect_usage_error(ARGS("--auto-report", "--auto-mode", "find"), "drop --auto-mode find");
    expect_usage_error(ARGS("--auto-report-random", "3"),
                       "--auto-report-random needs --auto-report");
    expect_usage_error(ARGS("--auto-report", "--auto-report-random", "254"), "at most 253");
    expect_usage_error(
        ARGS("--auto-report", "--auto-report-no-presets", "--auto-report-random", "0"),
        "leaves no problem");
    expect_usage_error(ARGS("--auto-report", "--auto-report-max-flops", "0"),
                       "--auto-report-max-flops '0'");
}

/* --gemm-baseline: the im2col-gemm row carries the rate of a bare SGEMM of
 * its GEMM stage's shape (M = C_out 32, N = OH*OW 18*18, K = C_in*KH*KW
 * 16*3*3, per image of 2): the stage counts those FLOPs, the rate is
 * positive and within what the device's arithmetic allows (256 FLOPs per
 * cycle per compute unit), and, where stages are device-timed, within a
 * factor of 10 of the stage's own rate (the same GEMM of the same shape on
 * the same device). The direct row, and every row of a run without the
 * option, has null. */
static void test_gemm_baseline(void **state)
{
    (void)state;
    for (int with = 1; with >= 0; with--) {
        run_result r = run(ARGS("--batch", "2", "--in-channels", "16", "--height", "20",
                                "--width", "20", "--out-channels", "32", "--kernel", "3",
                                "--algo", "im2col-gemm", "--algo", "direct", "--iters", "3",
                                "--warmup", "1", "--no-peaks", "--format", "json",
                                with ? "--gemm-baseline" : "--no-verify"));
        if (r.code != 0)
            fail_msg("exit %d: %s", r.code, r.err);
        json_value *doc = json_parse(r.out);
        assert_non_null(doc);
        const json_value *dev = member(doc, "device", JSON_OBJECT);
        const double ceiling = fixture_arithmetic_ceiling_gflops(number(dev, "compute_units"),
                                                                 number(dev, "clock_mhz"));
        const json_value *rows = member(doc, "results", JSON_ARRAY);
        assert_int_equal(rows->count, 2);
        const json_value *gemm_row = NULL, *direct_row = NULL;
        for (size_t i = 0; i < rows->count; i++) {
            const char *algo = member(&rows->items[i], "algo", JSON_STRING)->string;
            if (!strcmp(algo, "im2col-gemm"))
                gemm_row = &rows->items[i];
            else if (!strcmp(algo, "direct"))
                direct_row = &rows->items[i];
        }
        assert_non_null(gemm_row);
        assert_non_null(direct_row);
        member(direct_row, "gemm_baseline_gflops", JSON_NULL);
        if (!with) {
            member(gemm_row, "gemm_baseline_gflops", JSON_NULL);
        } else {
            const double baseline = number(gemm_row, "gemm_baseline_gflops");
            if (!(baseline > 0 && baseline <= ceiling))
                fail_msg("GEMM baseline %g GFLOP/s; the device allows up to %g", baseline,
                         ceiling);
            const json_value *stages = member(gemm_row, "stages", JSON_ARRAY), *stage = NULL;
            for (size_t i = 0; i < stages->count; i++)
                if (!strcmp(member(&stages->items[i], "name", JSON_STRING)->string, "gemm"))
                    stage = &stages->items[i];
            assert_non_null(stage);
            assert_true(number(stage, "flops") == 2.0 * 32 * (18 * 18) * (16 * 3 * 3) * 2);
            if (!strcmp(member(gemm_row, "time_source", JSON_STRING)->string, "device")) {
                const double own = number(stage, "gflops");
                if (!(baseline > own / 10 && baseline < own * 10))
                    fail_msg("GEMM baseline %g GFLOP/s; the gemm stage ran at %g", baseline, own);
            }
        }
        json_free(doc);
        run_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_runtime_errors),
        cmocka_unit_test(test_shared_cache),
        cmocka_unit_test(test_tune_and_database),
        cmocka_unit_test(test_unwritable_cache),
        cmocka_unit_test(test_help_and_list),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_epilogue_flags),
        cmocka_unit_test(test_network),
        cmocka_unit_test(test_device_out_of_range),
        cmocka_unit_test(test_json_reader_is_strict),
        cmocka_unit_test(test_time_budget),
        cmocka_unit_test(test_json_report),
        cmocka_unit_test(test_out_file),
        cmocka_unit_test(test_roofline_verdicts),
        cmocka_unit_test(test_no_peaks),
        cmocka_unit_test(test_sweep),
        cmocka_unit_test(test_devices),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_help_from_table),
        cmocka_unit_test(test_auto_find_then_database),
        cmocka_unit_test(test_auto_report),
        cmocka_unit_test(test_gemm_baseline),
    };
    return fixture_run("cli", tests, NULL, NULL);
}
