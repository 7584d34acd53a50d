/* Shared test fixture: the device named by CLCONV_DEVICE, seeded random data,
 * and running one problem through a plan against the reference. */
#ifndef CLCONV_TEST_FIXTURE_H
#define CLCONV_TEST_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "clconv_tools.h"

/* The caller's structs with their struct_size set (clconv.h, "Growing
 * without breaking"), in initialiser form: a problem's fields in
 * declaration order (batch, in_channels, height, width, out_channels,
 * kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h,
 * dilation_w, then groups, 1 when left out), the others' fields by
 * designator. */
#define FIXTURE_PROBLEM(...)                                                                  \
    fixture_problem((const int[]){__VA_ARGS__}, sizeof((const int[]){__VA_ARGS__}) / sizeof(int))
clconv_problem fixture_problem(const int *fields, size_t count);
#define FIXTURE_OPTIONS(...)                                                                  \
    ((clconv_plan_options){.struct_size = CLCONV_PLAN_OPTIONS_STRUCT_SIZE, __VA_ARGS__})
#define FIXTURE_CONTEXT_OPTIONS(...)                                                          \
    ((clconv_context_options){.struct_size = CLCONV_CONTEXT_OPTIONS_STRUCT_SIZE, __VA_ARGS__})
#define FIXTURE_SELECTOR(platform, device, name)                                              \
    ((clconv_device_selector){CLCONV_DEVICE_SELECTOR_STRUCT_SIZE, (platform), (device), (name)})

/* Opens the device from $CLCONV_DEVICE (default: the first device). Fails
 * the test, with clconv's message, when it cannot. */
clconv_context *fixture_context(void);
/* Runs the suite's group of tests: those named by CLCONV_TEST_FILTER (when
 * set) and not by CLCONV_TEST_SKIP, each a comma-separated list of fnmatch
 * patterns ("test_random_*,test_edge_problems"). For a quick check of one
 * test while developing, and for ctest, which runs a long suite as several
 * entries side by side. A selection of no test fails (a typo would pass). */
#define fixture_run(name, tests, setup, teardown)                                         \
    fixture_run_selected(name, tests, sizeof(tests) / sizeof((tests)[0]), setup, teardown)
int fixture_run_selected(const char *name, const struct CMUnitTest *tests, size_t n,
                         CMFixtureFunction setup, CMFixtureFunction teardown);

/* rt_uniform (src/runtime/timing.h): xorshift32 in [-1, 1), never all zero. */
float fixture_uniform(uint32_t *state);
void fixture_fill(float *v, size_t n, uint32_t *state);

cl_mem fixture_upload(clconv_context *ctx, const float *host, size_t n);
cl_mem fixture_output(clconv_context *ctx, size_t n); /* filled with NaN */
void fixture_download(clconv_context *ctx, cl_mem buf, float *host, size_t n);

/* Runs p with algo on random data (seed) and returns the relative L2 error
 * against clconv_reference_conv2d. Any clconv error fails the test, and so
 * does any single output element off by more than FIXTURE_ELEM_TOLERANCE
 * times the reference's largest magnitude (one wrong element in a large
 * tensor moves the L2 error too little to see), or any write into the
 * guard bands around the output. The data and the reference for (p, seed,
 * with_bias) are made once and shared by the algorithms and options that run
 * the same problem one after another. */
double fixture_run_problem(clconv_context *ctx, const clconv_problem *p, clconv_algo algo,
                           int with_bias, uint32_t seed);

/* The same with plan options (opt may be NULL). */
double fixture_run_problem_with_options(clconv_context *ctx, const clconv_problem *p,
                                        clconv_algo algo, const clconv_plan_options *opt,
                                        int with_bias, uint32_t seed);

/* Per-element bound, relative to max |reference|: a few float roundings of
 * the largest output (winograd's transforms and the FFT's spread the error of
 * one output over its neighbours), far below one wrong element. */
#define FIXTURE_ELEM_TOLERANCE 1e-4

/* An output buffer with guard bands: `buf` is a sub-buffer of `parent` with
 * `guard` floats before and after it, all poisoned with FIXTURE_POISON's
 * bits (a NaN no kernel computes). fixture_guarded_download fails the test,
 * naming `what`, when a guard float changed, and copies buf to host. */
typedef struct fixture_guarded {
    cl_mem parent, buf;
    size_t n, guard;
} fixture_guarded;
#define FIXTURE_POISON 0x7fa5c3e1u
fixture_guarded fixture_guarded_output(clconv_context *ctx, size_t n);
void fixture_guarded_download(clconv_context *ctx, const fixture_guarded *g, float *host,
                              const char *what);
void fixture_guarded_release(fixture_guarded *g);

/* What reaches file descriptor 2 while f(arg) runs, into out[cap]: the
 * library prints nothing unless asked (its log, CLCONV_VERBOSE). */
void fixture_stderr_of(void (*f)(void *), void *arg, char *out, size_t cap);

/* Sets name to value (unsets it when value is NULL) and returns what it was,
 * for fixture_env_restore: a test that changes the environment leaves it as
 * it found it (CI's sanitizer run points OCL_ICD_VENDORS at the device's own
 * ICD, and the suites' CLCONV_CACHE_DIR is theirs; a later test must not
 * lose either). */
typedef struct fixture_env {
    const char *name;
    char *saved; /* NULL: it was unset */
} fixture_env;
fixture_env fixture_env_set(const char *name, const char *value);
void fixture_env_restore(fixture_env *e);

/* Writes every embedded kernel under dir (created if need be), laid out as
 * cl/ is, for a CLCONV_KERNEL_DIR that differs in one file: `file`'s text
 * is `replace` when that is non-NULL, else its own with `append` after it. */
void fixture_write_kernel_dir(const char *dir, const char *file, const char *replace,
                              const char *append);

/* A device's arithmetic can do no more than 256 FLOPs per cycle per compute
 * unit (a GPU's 128 FMA lanes; a CPU core's two 16-lane FMA units do 64): a
 * ceiling in GFLOP/s from the device's own units and clock, 6 GHz when it
 * reports no clock. */
double fixture_arithmetic_ceiling_gflops(double compute_units, double clock_mhz);

/* p when algo takes it on ctx's device, else the first of p made plainer
 * that it takes: stride and dilation 1, then a 3x3, 5x5 or 1x1 kernel, the
 * rest of p kept; then the same made depthwise (groups = in_channels, and
 * out_channels = in_channels unless a multiple of it). A test that loops
 * over the algorithm table meets algorithms limited to some shapes
 * (winograd's 3x3 and 5x5, depthwise's groups) with no test naming the
 * limits. Fails the test when none is taken. */
clconv_problem fixture_problem_for(clconv_context *ctx, clconv_algo algo, const clconv_problem *p);

/* "N=2 C=3 H=13 W=17 K=5 k=3x2 s=2x2 p=1x1 d=2x2 g=1" for failure messages. */
void fixture_describe(const clconv_problem *p, char *buf, size_t size);

#endif
