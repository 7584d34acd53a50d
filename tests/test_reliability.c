/* Reliability: device allocations that fail, two threads with their own
 * contexts at once, and IEEE special values, each checked against the
 * double-precision reference or the arithmetic IEEE prescribes. */
#define _POSIX_C_SOURCE 200809L
#include "fixture.h"

#include "conv/algo.h"
#include "conv/tune.h"
#include "runtime/rt.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


/* A small odd problem every algorithm can do: a 3x3 kernel at stride 1
 * (winograd's) and one input channel, which makes it dense and depthwise at
 * once (groups = in_channels = 1, a depth multiplier of 4), so the
 * depthwise entry runs it too. These tests are about failures, threads,
 * special values and caches; test_conv holds the channel sums to the
 * reference. */
static clconv_problem small(void)
{
    clconv_problem p = FIXTURE_PROBLEM(2, 1, 9, 11, 4, 3, 3, 1, 1, 1, 0, 1, 1);
    return p;
}

typedef struct host_data {
    clconv_problem p;
    float *in, *w, *b, *ref, *out;
    size_t ni, nw, no;
    /* what the last plan run_once made ran with: its FFT backend (NULL for
     * an algorithm without transforms) and its resolved GEMM backend */
    const char *fft_backend;
    clconv_gemm_backend gemm_backend;
} host_data;

static host_data host_make(const clconv_problem *p, uint32_t seed)
{
    host_data h = {*p, NULL, NULL, NULL, NULL, NULL, clconv_problem_input_elems(p),
                   clconv_problem_weight_elems(p), clconv_problem_output_elems(p), NULL,
                   CLCONV_GEMM_BACKEND_DEFAULT};
    h.in = malloc(h.ni * sizeof(float));
    h.w = malloc(h.nw * sizeof(float));
    h.b = malloc((size_t)p->out_channels * sizeof(float));
    h.ref = malloc(h.no * sizeof(float));
    h.out = malloc(h.no * sizeof(float));
    assert_true(h.in && h.w && h.b && h.ref && h.out);
    fixture_fill(h.in, h.ni, &seed);
    fixture_fill(h.w, h.nw, &seed);
    fixture_fill(h.b, (size_t)p->out_channels, &seed);
    return h;
}

static void host_free(host_data *h)
{
    free(h->in), free(h->w), free(h->b), free(h->ref), free(h->out);
}

/* One way to run an algorithm: the backends its plan options name. */
typedef struct variant {
    clconv_algo algo;
    clconv_plan_options opt;
} variant;

/* Does the GEMM backend option change what algorithm a multiplies with?
 * Its tunable says so: a GEMM tile (the backend's parameters), or one tile
 * per GEMM backend. */
static int takes_gemm_backend(int a)
{
    const conv_tunable *t = conv_algo_table[a]->tunable;
    return t && (t->gemm_tile || t->per_gemm_backend);
}

/* At most every FFT backend times every GEMM backend for each algorithm. */
#define MAX_VARIANTS (CLCONV_ALGO_COUNT * CLCONV_FFT_BACKEND_COUNT * CLCONV_GEMM_BACKEND_COUNT)

/* Every algorithm with each FFT backend it transforms with and each GEMM
 * backend it multiplies with, from the libraries' own lists (DEFAULT left
 * out: it resolves to one of them). Run i of an algorithm takes FFT backend
 * i and GEMM backend i, each list wrapping round, so an algorithm that uses
 * both lists takes as many runs as the longer one, not their product, and
 * one that uses neither runs once. Returns the count. */
static int variants(variant *v)
{
    int n = 0;
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
        const int ffts = conv_algo_table[a]->spectral ? CLCONV_FFT_BACKEND_COUNT - 1 : 0;
        const int gemms = takes_gemm_backend(a) ? CLCONV_GEMM_BACKEND_COUNT - 1 : 0;
        const int runs = ffts > gemms ? ffts : gemms > 0 ? gemms : 1;
        for (int i = 0; i < runs; i++) {
            assert_true(n < MAX_VARIANTS);
            v[n] = (variant){(clconv_algo)a, FIXTURE_OPTIONS(.tune = 0)};
            if (ffts)
                v[n].opt.fft_backend = (clconv_fft_backend)(1 + i % ffts);
            if (gemms)
                v[n].opt.gemm_backend = (clconv_gemm_backend)(1 + i % gemms);
            n++;
        }
    }
    /* the lists reached: every backend of each, by some algorithm */
    for (int b = 1; b < CLCONV_FFT_BACKEND_COUNT; b++) {
        int found = 0;
        for (int i = 0; i < n; i++)
            found |= v[i].opt.fft_backend == (clconv_fft_backend)b;
        if (!found)
            fail_msg("no variant runs FFT backend %s",
                     clconv_fft_backend_name((clconv_fft_backend)b));
    }
    for (int b = 1; b < CLCONV_GEMM_BACKEND_COUNT; b++) {
        int found = 0;
        for (int i = 0; i < n; i++)
            found |= v[i].opt.gemm_backend == (clconv_gemm_backend)b;
        if (!found)
            fail_msg("no variant runs GEMM backend %s",
                     clconv_gemm_backend_name((clconv_gemm_backend)b));
    }
    return n;
}

/* "fft-cgemm (fft vkfft, gemm clblast)" for failure messages. */
static const char *describe(const variant *v, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s (fft %s, gemm %s)", clconv_algo_name(v->algo),
             clconv_fft_backend_name(v->opt.fft_backend),
             clconv_gemm_backend_name(v->opt.gemm_backend));
    return buf;
}

/* The algorithm with the default backends. */
static variant plain(int a)
{
    return (variant){(clconv_algo)a, FIXTURE_OPTIONS(.tune = 0)};
}

/* Did the plan run_once last made for v run the backends v names? Empty
 * when it did, else what it ran instead. */
static const char *ran_wrong_backend(const variant *v, const host_data *h, char *buf, size_t cap)
{
    const char *fft = clconv_fft_backend_name(v->opt.fft_backend);
    buf[0] = '\0';
    if (v->opt.fft_backend && (!h->fft_backend || strcmp(h->fft_backend, fft) != 0))
        snprintf(buf, cap, "asked FFT backend %s, the plan ran %s", fft,
                 h->fft_backend ? h->fft_backend : "none");
    else if (v->opt.gemm_backend && h->gemm_backend != v->opt.gemm_backend)
        snprintf(buf, cap, "asked GEMM backend %s, the plan ran %s",
                 clconv_gemm_backend_name(v->opt.gemm_backend),
                 clconv_gemm_backend_name(h->gemm_backend));
    return buf;
}

/* Plan, weights, one execute, download; returns the first failing status. */
static clconv_status run_once(clconv_context *ctx, const variant *v, host_data *h)
{
    cl_mem in = fixture_upload(ctx, h->in, h->ni), w = fixture_upload(ctx, h->w, h->nw);
    cl_mem b = fixture_upload(ctx, h->b, (size_t)h->p.out_channels);
    cl_mem out = fixture_output(ctx, h->no);
    clconv_plan *plan = NULL;
    clconv_status st = clconv_plan_create_with_options(ctx, &h->p, v->algo, &v->opt, &plan);
    h->fft_backend = NULL;
    h->gemm_backend = CLCONV_GEMM_BACKEND_DEFAULT;
    if (!st) {
        h->fft_backend = clconv_plan_fft_backend(plan);
        h->gemm_backend = plan->cfg.gemm_backend;
        st = clconv_plan_set_weights(plan, w, b);
    }
    if (!st)
        st = clconv_plan_execute(plan, in, out, NULL);
    if (!st)
        fixture_download(ctx, out, h->out, h->no);
    clconv_plan_destroy(plan);
    clReleaseMemObject(in), clReleaseMemObject(w), clReleaseMemObject(b);
    clReleaseMemObject(out);
    return st;
}

/* Sets CLCONV_FAULT_ALLOC to value, or back to what it was before the first
 * fault_alloc (NULL), once queue (NULL: none) has finished: PoCL's worker
 * threads call getenv as they start each command, and glibc's setenv may
 * move the environment under them (a crash in getenv seen under
 * AddressSanitizer). */
static void fault_alloc(cl_command_queue queue, const char *value)
{
    static fixture_env before;
    static int set;
    if (queue)
        assert_int_equal(clFinish(queue), CL_SUCCESS);
    if (value && !set) {
        before = fixture_env_set("CLCONV_FAULT_ALLOC", value);
        set = 1;
    } else if (value) {
        assert_int_equal(setenv("CLCONV_FAULT_ALLOC", value, 1), 0);
    } else if (set) {
        fixture_env_restore(&before);
        set = 0;
    }
}

/* The buffer's reference count once the queue is idle and the
 * implementation has let go of finished commands (PoCL and rusticl may drop
 * a finished command's references a moment later, from another thread):
 * waits up to 2 s for `want`, then returns what it sees. */
static cl_uint refcount(clconv_context *ctx, cl_mem m, cl_uint want)
{
    assert_int_equal(clFinish(ctx->queue), CL_SUCCESS);
    cl_uint n = 0;
    for (int wait = 0; wait < 200; wait++) {
        assert_int_equal(clGetMemObjectInfo(m, CL_MEM_REFERENCE_COUNT, sizeof n, &n, NULL),
                         CL_SUCCESS);
        if (n == want)
            break;
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    return n;
}

/* A set_weights that fails part-way (each of its device allocations in
 * turn) must not leave a runnable plan: execute is refused with
 * CLCONV_ERR_STATE naming the failure, the plan holds neither the new nor
 * the previous weights (no mix of the two), and the next set_weights that
 * succeeds gives the right result for the new weights. */
static void test_set_weights_failure(void **state)
{
    (void)state;
    clconv_context *ctx = fixture_context();
    clconv_problem p = small();
    host_data h1 = host_make(&p, 21), h2 = host_make(&p, 22);
    assert_int_equal(clconv_reference_conv2d(&p, h1.in, h2.w, h2.b, h2.ref), CLCONV_SUCCESS);
    cl_mem in = fixture_upload(ctx, h1.in, h1.ni), out = fixture_output(ctx, h1.no);
    cl_mem w1 = fixture_upload(ctx, h1.w, h1.nw), b1 = fixture_upload(ctx, h1.b, (size_t)p.out_channels);
    cl_mem w2 = fixture_upload(ctx, h2.w, h2.nw), b2 = fixture_upload(ctx, h2.b, (size_t)p.out_channels);
    int failures = 0;
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
        const char *algo = clconv_algo_name((clconv_algo)a);
        clconv_plan *plan = NULL;
        assert_int_equal(clconv_plan_create(ctx, &p, (clconv_algo)a, &plan), CLCONV_SUCCESS);
        assert_int_equal(clconv_plan_set_weights(plan, w1, b1), CLCONV_SUCCESS);
        assert_int_equal(clconv_plan_execute(plan, in, out, NULL), CLCONV_SUCCESS);
        clconv_status st;
        for (int j = 1;; j++) {
            char value[16];
            snprintf(value, sizeof value, "%d", ctx->alloc_count + j);
            fault_alloc(ctx->queue, value);
            st = clconv_plan_set_weights(plan, w2, b2);
            if (st == CLCONV_SUCCESS)
                break;
            failures++;
            if (st != CLCONV_ERR_OUT_OF_MEMORY || !strstr(clconv_last_error(ctx), "injected"))
                fail_msg("%s, set_weights allocation %d: %s: %s", algo, j,
                         clconv_status_string(st), clconv_last_error(ctx));
            st = clconv_plan_execute(plan, in, out, NULL);
            const char *msg = clconv_last_error(ctx);
            if (st != CLCONV_ERR_STATE || !strstr(msg, "set_weights") ||
                !strstr(msg, "clCreateBuffer") || !strstr(msg, "injected"))
                fail_msg("%s: execute after set_weights failed at allocation %d gave %s: %s",
                         algo, j, clconv_status_string(st), msg);
            /* only the caller's own references are left, old and new */
            assert_int_equal(refcount(ctx, w1, 1), 1);
            assert_int_equal(refcount(ctx, b1, 1), 1);
            assert_int_equal(refcount(ctx, w2, 1), 1);
            assert_int_equal(refcount(ctx, b2, 1), 1);
            assert_true(j < 64);
        }
        fault_alloc(ctx->queue, NULL);
        assert_int_equal(refcount(ctx, w2, 2), 2);
        assert_int_equal(refcount(ctx, w1, 1), 1);
        assert_int_equal(clconv_plan_execute(plan, in, out, NULL), CLCONV_SUCCESS);
        fixture_download(ctx, out, h2.out, h2.no);
        double err = clconv_rel_l2_error(h2.out, h2.ref, h2.no);
        if (!(err < 1e-4))
            fail_msg("%s: relative L2 error %g after set_weights recovered", algo, err);
        clconv_plan_destroy(plan);
        assert_int_equal(refcount(ctx, w2, 1), 1);
    }
    /* some algorithm allocates in set_weights (the FFT weight spectra), so
     * the failure path above really ran */
    assert_true(failures > 0);
    cl_mem all[] = {in, out, w1, b1, w2, b2};
    for (int i = 0; i < 6; i++)
        clReleaseMemObject(all[i]);
    host_free(&h1), host_free(&h2);
    assert_int_equal(clconv_context_destroy(ctx), CLCONV_SUCCESS);
}

static cl_uint context_refcount(cl_context c)
{
    cl_uint n = 0;
    assert_int_equal(clGetContextInfo(c, CL_CONTEXT_REFERENCE_COUNT, sizeof n, &n, NULL),
                     CL_SUCCESS);
    return n;
}

/* The n-th device allocation fails, for every n the run makes, for every
 * algorithm with every FFT and GEMM backend it takes. Each failure gives
 * CLCONV_ERR_OUT_OF_MEMORY naming the size asked and the device's limit,
 * and nothing OpenCL survives it: the buffers clconv created are all
 * destroyed (counted by their destructor callbacks), and the caller's
 * cl_context, which every buffer, program, kernel and event of clconv and
 * of the libraries it calls retains, is back to the references the caller
 * holds (LeakSanitizer cannot see these: they live inside the OpenCL
 * implementation; it checks host memory in the sanitizer build). Past the
 * last allocation the run succeeds, with the backends asked, is right, and
 * leaves nothing either. One wrapped cl_context serves every run; a
 * context clconv creates itself is checked once, failing at its first
 * allocation. */
static void test_allocation_failures(void **state)
{
    (void)state;
    int contexts0 = -1, contexts = -1;
    clconv_live_objects(&contexts0, NULL);
    fault_alloc(NULL, "1"); /* no context alive */
    clconv_context *own = NULL;
    clconv_status st = clconv_context_create(NULL, NULL, &own);
    fault_alloc(NULL, NULL);
    clconv_live_objects(&contexts, NULL);
    if (st != CLCONV_ERR_OUT_OF_MEMORY || own || contexts != contexts0 ||
        !strstr(clconv_last_error(NULL), "injected"))
        fail_msg("context_create, first allocation failing: %s (%s), %d contexts alive, not %d",
                 clconv_status_string(st), clconv_last_error(NULL), contexts, contexts0);

    clconv_context *probe = fixture_context();
    cl_int err;
    cl_context cl_ctx = clCreateContext(NULL, 1, &probe->device, NULL, NULL, &err);
    assert_int_equal(err, CL_SUCCESS);
    cl_command_queue q = clCreateCommandQueue(cl_ctx, probe->device, CL_QUEUE_PROFILING_ENABLE,
                                              &err);
    assert_int_equal(err, CL_SUCCESS);
    clconv_problem p = small();
    host_data h = host_make(&p, 13);
    assert_int_equal(clconv_reference_conv2d(&p, h.in, h.w, h.b, h.ref), CLCONV_SUCCESS);
    const cl_uint ctx_refs = context_refcount(cl_ctx);
    /* an earlier test's buffers may still be on their way out (rusticl
     * releases from its worker thread): let them go before the baseline */
    for (int wait = 0; wait < 200 && rt_live_buffers() != 0; wait++)
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    const long buffers = rt_live_buffers();
    variant v[MAX_VARIANTS];
    const int count = variants(v);
    for (int i = 0; i < count; i++) {
        char name[96], wrong[128];
        describe(&v[i], name, sizeof name);
        int n = 1;
        for (;; n++) {
            char value[16];
            snprintf(value, sizeof value, "%d", n);
            fault_alloc(q, value);
            clconv_context *ctx = NULL;
            /* the wrap's own profiling probe allocates too */
            st = clconv_context_wrap(cl_ctx, q, NULL, &ctx);
            const char *msg = clconv_last_error(NULL);
            if (!st) {
                st = run_once(ctx, &v[i], &h);
                msg = clconv_last_error(ctx);
            }
            if (st != CLCONV_SUCCESS &&
                (st != CLCONV_ERR_OUT_OF_MEMORY || !strstr(msg, "injected") ||
                 !strstr(msg, " bytes") || !strstr(msg, "allows"))) {
                fault_alloc(q, NULL); /* the later tests run without faults */
                fail_msg("%s, allocation %d: %s: %s", name, n, clconv_status_string(st), msg);
            }
            assert_int_equal(clconv_context_destroy(ctx), CLCONV_SUCCESS);
            /* rusticl keeps the queue's last command, and what it used,
             * until another command follows it */
            cl_event marker;
            assert_int_equal(clEnqueueMarkerWithWaitList(q, 0, NULL, &marker), CL_SUCCESS);
            assert_int_equal(clWaitForEvents(1, &marker), CL_SUCCESS);
            clReleaseEvent(marker);
            assert_int_equal(clFinish(q), CL_SUCCESS);
            /* and may drop references from its worker thread: a leak stays,
             * a late release does not */
            for (int wait = 0; wait < 200 && (rt_live_buffers() != buffers ||
                                              context_refcount(cl_ctx) != ctx_refs); wait++)
                nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
            if (rt_live_buffers() != buffers || context_refcount(cl_ctx) != ctx_refs) {
                fault_alloc(q, NULL);
                fail_msg("%s, allocation %d failing (%s): %ld clconv buffers and %u context "
                         "references left over (want %ld and %u)", name, n,
                         clconv_status_string(st), rt_live_buffers(), context_refcount(cl_ctx),
                         buffers, ctx_refs);
            }
            if (st == CLCONV_SUCCESS)
                break;
            assert_true(n < 64);
        }
        fault_alloc(q, NULL);
        if (*ran_wrong_backend(&v[i], &h, wrong, sizeof wrong))
            fail_msg("%s: %s", name, wrong);
        /* the probe, plus the algorithm's own buffers, if any, each failed once */
        size_t workspace = 0;
        assert_int_equal(clconv_algo_workspace_bytes(probe, &p, v[i].algo, &v[i].opt, &workspace),
                         CLCONV_SUCCESS);
        if (!(n > (workspace ? 2 : 1)))
            fail_msg("%s: %d allocations, %zu bytes of workspace", name, n - 1, workspace);
        double e = clconv_rel_l2_error(h.out, h.ref, h.no);
        if (!(e < 1e-4))
            fail_msg("%s: relative L2 error %g", name, e);
    }
    host_free(&h);
    clReleaseCommandQueue(q);
    clReleaseContext(cl_ctx);
    assert_int_equal(clconv_context_destroy(probe), CLCONV_SUCCESS);
}

/* A request beyond the device's allocation limit is refused up front with
 * both numbers, whatever the driver would do with it. */
static void test_allocation_too_large(void **state)
{
    (void)state;
    clconv_context *ctx = fixture_context();
    cl_mem m = NULL;
    size_t huge = (size_t)ctx->info.max_alloc_bytes + 4096;
    assert_int_equal(rt_buffer_create(ctx, huge, "a test buffer", &m), CLCONV_ERR_OUT_OF_MEMORY);
    assert_null(m);
    char want[64];
    snprintf(want, sizeof want, "%zu bytes", huge);
    assert_non_null(strstr(clconv_last_error(ctx), want));
    assert_non_null(strstr(clconv_last_error(ctx), "CL_INVALID_BUFFER_SIZE"));
    assert_int_equal(clconv_context_destroy(ctx), CLCONV_SUCCESS);
}

typedef struct worker {
    variant v;
    uint32_t seed;
    double err;
    clconv_status st;
    char wrong[128]; /* ran_wrong_backend's answer for the last run */
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    clconv_problem p = small();
    p.out_channels = 5;
    clconv_context *ctx = NULL;
    w->st = clconv_context_create(NULL, NULL, &ctx);
    w->err = INFINITY;
    if (w->st)
        return NULL;
    host_data h = host_make(&p, w->seed);
    if (clconv_reference_conv2d(&p, h.in, h.w, h.b, h.ref) == CLCONV_SUCCESS) {
        for (int round = 0; round < 3 && !w->st; round++)
            w->st = run_once(ctx, &w->v, &h);
        if (!w->st) {
            w->err = clconv_rel_l2_error(h.out, h.ref, h.no);
            ran_wrong_backend(&w->v, &h, w->wrong, sizeof w->wrong);
        }
    }
    host_free(&h);
    clconv_context_destroy(ctx);
    return NULL;
}

/* Separate contexts in two threads at once, every algorithm with every
 * backend it takes, two at a time: each right, with the backends asked.
 * The runs with clFFT go first, together (clFFT's setup is process-wide
 * and reference-counted). */
static void test_two_threads(void **state)
{
    (void)state;
    variant v[MAX_VARIANTS];
    const int count = variants(v);
    worker w[MAX_VARIANTS];
    int n = 0, clffts = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < count; i++)
            if ((v[i].opt.fft_backend == CLCONV_FFT_BACKEND_CLFFT) == (pass == 0)) {
                w[n] = (worker){v[i], (uint32_t)n + 1, 0, 0, ""};
                n++;
                clffts += pass == 0;
            }
    assert_int_equal(n, count);
    assert_true(clffts >= 2);
    for (int first = 0; first < n; first += 2) {
        const int threads = n - first < 2 ? n - first : 2;
        pthread_t t[2];
        for (int i = 0; i < threads; i++)
            assert_int_equal(pthread_create(&t[i], NULL, work, &w[first + i]), 0);
        for (int i = 0; i < threads; i++)
            assert_int_equal(pthread_join(t[i], NULL), 0);
    }
    for (int i = 0; i < n; i++) {
        char name[96];
        describe(&w[i].v, name, sizeof name);
        if (w[i].st)
            fail_msg("thread %d, %s: %s", i, name, clconv_status_string(w[i].st));
        if (w[i].wrong[0])
            fail_msg("thread %d, %s: %s", i, name, w[i].wrong);
        if (!(w[i].err < 1e-4))
            fail_msg("thread %d, %s: relative L2 error %g", i, name, w[i].err);
    }
}

/* Does output (n, o, y, x) read input element (n, c, iy, ix)? */
static int reads(const clconv_problem *p, int n, int y, int x, int nn, int iy, int ix)
{
    if (n != nn)
        return 0;
    for (int kh = 0; kh < p->kernel_h; kh++)
        for (int kw = 0; kw < p->kernel_w; kw++)
            if (y * p->stride_h - p->pad_h + kh * p->dilation_h == iy &&
                x * p->stride_w - p->pad_w + kw * p->dilation_w == ix)
                return 1;
    return 0;
}

/* Does the input window shared by output (y, x)'s tile of side m (stride 1,
 * dilation 1: winograd's) hold input element (iy, ix) of the same image? */
static int tile_reads(const clconv_problem *p, int m, int n, int y, int x, int nn, int iy,
                      int ix)
{
    const int y0 = y / m * m - p->pad_h, x0 = x / m * m - p->pad_w;
    return n == nn && iy >= y0 && iy < y0 + m + p->kernel_h - 1 && ix >= x0 &&
           ix < x0 + m + p->kernel_w - 1;
}

/* One NaN and one Inf in the input. Direct and im2col-gemm keep IEEE
 * arithmetic output by output: exactly the outputs whose window covers the
 * NaN are NaN; those covering only the Inf are +-Inf or NaN (Inf times
 * weights of both signs sums to NaN); every other output is finite and
 * matches the reference. FFT mixes every input of an image into every
 * frequency: all outputs of that image become NaN, the other image stays
 * finite and right. An algorithm with tiles that share an input window
 * (winograd) keeps that rule, except that an output whose tile's window
 * holds a special value may be non-finite as well (or right). As
 * documented in the README. Nothing crashes or hangs, with any FFT or GEMM
 * backend. */
static void test_nan_and_inf(void **state)
{
    (void)state;
    clconv_context *ctx = fixture_context();
    clconv_problem p = small();
    host_data h = host_make(&p, 5);
    const int H = p.height, W = p.width, OH = clconv_problem_out_height(&p);
    const int OW = clconv_problem_out_width(&p);
    const size_t nan_at = ((size_t)1 * p.in_channels + 0) * H * W + 4 * W + 5; /* n1 c0 y4 x5 */
    const size_t inf_at = ((size_t)1 * p.in_channels + 0) * H * W + 7 * W + 1; /* n1 c0 y7 x1 */
    h.in[nan_at] = NAN;
    h.in[inf_at] = INFINITY;
    /* outputs that read neither special value have a finite reference */
    assert_int_equal(clconv_reference_conv2d(&p, h.in, h.w, h.b, h.ref), CLCONV_SUCCESS);
    variant runs[MAX_VARIANTS];
    const int count = variants(runs);
    for (int vi = 0; vi < count; vi++) {
        const int a = runs[vi].algo;
        char algo[96], wrong[128];
        describe(&runs[vi], algo, sizeof algo);
        clconv_status st = run_once(ctx, &runs[vi], &h);
        if (st)
            fail_msg("%s: %s: %s", algo, clconv_status_string(st), clconv_last_error(ctx));
        if (*ran_wrong_backend(&runs[vi], &h, wrong, sizeof wrong))
            fail_msg("%s: %s", algo, wrong);
        int fft = conv_algo_table[a]->spectral;
        int tile = conv_algo_table[a]->shared_window_tile
                       ? conv_algo_table[a]->shared_window_tile(&p)
                       : 0;
        for (int n = 0; n < p.batch; n++)
            for (int o = 0; o < p.out_channels; o++)
                for (int y = 0; y < OH; y++)
                    for (int x = 0; x < OW; x++) {
                        size_t i = (((size_t)n * p.out_channels + o) * OH + y) * OW + x;
                        float v = h.out[i];
                        int hit_nan = reads(&p, n, y, x, 1, 4, 5);
                        int hit_inf = reads(&p, n, y, x, 1, 7, 1);
                        if (n == 1 && fft) {
                            if (!isnan(v))
                                fail_msg("%s: output %zu = %g, expected NaN", algo, i, v);
                        } else if (hit_nan) {
                            if (!isnan(v))
                                fail_msg("%s: output %zu = %g, expected NaN", algo, i, v);
                        } else if (hit_inf) {
                            if (isfinite(v))
                                fail_msg("%s: output %zu = %g, expected Inf or NaN", algo, i, v);
                        } else if (tile && !isfinite(v) &&
                                   (tile_reads(&p, tile, n, y, x, 1, 4, 5) ||
                                    tile_reads(&p, tile, n, y, x, 1, 7, 1))) {
                            /* its tile's shared window holds one */
                        } else if (!isfinite(v) || fabsf(v - h.ref[i]) > 1e-4f * (1 + fabsf(h.ref[i]))) {
                            fail_msg("%s: output %zu = %g, reference %g", algo, i, v, h.ref[i]);
                        }
                    }
    }
    host_free(&h);
    assert_int_equal(clconv_context_destroy(ctx), CLCONV_SUCCESS);
}

/* All-zero weights give exactly the bias. Then a real range test: three
 * images whose inputs are scaled by 1e-30, 1 and 1e30 (no bias, so nothing
 * else sets the scale), each image's output checked against the reference
 * on its own, so a lost small image cannot hide behind a large one. */
static void test_zero_weights_and_dynamic_range(void **state)
{
    (void)state;
    clconv_context *ctx = fixture_context();
    clconv_problem p = small();
    p.batch = 3;
    host_data h = host_make(&p, 9);
    memset(h.w, 0, h.nw * sizeof(float));
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
        const variant va = plain(a);
        assert_int_equal(run_once(ctx, &va, &h), CLCONV_SUCCESS);
        size_t plane = h.no / ((size_t)p.batch * p.out_channels);
        for (size_t i = 0; i < h.no; i++)
            if (h.out[i] != h.b[(i / plane) % (size_t)p.out_channels])
                fail_msg("%s: zero weights gave %g at %zu, not the bias",
                         clconv_algo_name((clconv_algo)a), h.out[i], i);
    }
    uint32_t seed = 3;
    fixture_fill(h.w, h.nw, &seed);
    memset(h.b, 0, (size_t)p.out_channels * sizeof(float));
    static const float scale[3] = {1e-30f, 1.0f, 1e30f};
    const size_t in_image = h.ni / 3, out_image = h.no / 3;
    for (size_t i = 0; i < h.ni; i++)
        h.in[i] *= scale[i / in_image];
    assert_int_equal(clconv_reference_conv2d(&p, h.in, h.w, h.b, h.ref), CLCONV_SUCCESS);
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
        const variant va = plain(a);
        assert_int_equal(run_once(ctx, &va, &h), CLCONV_SUCCESS);
        for (int n = 0; n < 3; n++) {
            double err = clconv_rel_l2_error(h.out + n * out_image, h.ref + n * out_image,
                                             out_image);
            if (!(err < 1e-4))
                fail_msg("%s: relative L2 error %g on the image scaled by %g",
                         clconv_algo_name((clconv_algo)a), err, (double)scale[n]);
        }
    }
    host_free(&h);
    assert_int_equal(clconv_context_destroy(ctx), CLCONV_SUCCESS);
}

/* An OpenCL error reaches the caller through the public API with its
 * name: a kernel directory whose direct/direct.cl builds but holds none
 * of direct's kernels makes the implementation's clCreateKernel fail
 * (CL_INVALID_KERNEL_NAME, as the OpenCL specification prescribes), and
 * clconv_plan_create gives CLCONV_ERR_OPENCL, no plan, and a last error
 * naming the call, the kernel and the CL_* code. A buffer of another
 * cl_context, which PoCL and rusticl would take without a word, is
 * refused by execute before any OpenCL call. */
static void test_opencl_error_reaches_caller(void **state)
{
    (void)state;
    char dir[] = "/tmp/clconv-rel-kernels-XXXXXX", cmd[128];
    assert_non_null(mkdtemp(dir));
    fixture_write_kernel_dir(dir, "direct/direct.cl",
                             "__kernel void not_direct(__global float *x) { x[0] = 1.0f; }\n",
                             NULL);
    clconv_context_options opt = FIXTURE_CONTEXT_OPTIONS(.kernel_dir = dir, .disable_disk_cache = 1);
    clconv_context *ctx = NULL;
    assert_int_equal(clconv_context_create(NULL, &opt, &ctx), CLCONV_SUCCESS);
    clconv_problem p = small();
    clconv_plan *plan = (clconv_plan *)&p; /* overwritten with NULL on failure */
    clconv_status st = clconv_plan_create(ctx, &p, CLCONV_ALGO_DIRECT, &plan);
    const char *msg = clconv_last_error(ctx);
    if (st != CLCONV_ERR_OPENCL || !strstr(msg, "clCreateKernel(\"conv_direct") ||
        !strstr(msg, "failed: CL_INVALID_KERNEL_NAME"))
        fail_msg("direct without its kernels: %s: \"%s\"; wanted CLCONV_ERR_OPENCL naming "
                 "clCreateKernel and CL_INVALID_KERNEL_NAME", clconv_status_string(st), msg);
    assert_null(plan);
    assert_int_equal(clconv_context_destroy(ctx), CLCONV_SUCCESS);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);

    ctx = fixture_context();
    host_data h = host_make(&p, 31);
    assert_int_equal(clconv_reference_conv2d(&p, h.in, h.w, h.b, h.ref), CLCONV_SUCCESS);
    cl_int err;
    cl_device_id device = ctx->device;
    cl_context other = clCreateContext(NULL, 1, &device, NULL, NULL, &err);
    assert_int_equal(err, CL_SUCCESS);
    cl_mem foreign = clCreateBuffer(other, CL_MEM_READ_WRITE, h.ni * sizeof(float), NULL, &err);
    assert_int_equal(err, CL_SUCCESS);
    cl_mem in = fixture_upload(ctx, h.in, h.ni), w = fixture_upload(ctx, h.w, h.nw);
    cl_mem out = fixture_output(ctx, h.no);
    assert_int_equal(clconv_plan_create(ctx, &p, CLCONV_ALGO_DIRECT, &plan), CLCONV_SUCCESS);
    assert_int_equal(clconv_plan_set_weights(plan, foreign, NULL), CLCONV_ERR_INVALID_ARG);
    assert_non_null(strstr(clconv_last_error(ctx), "weights buffer belongs to another cl_context"));
    assert_int_equal(clconv_plan_set_weights(plan, w, NULL), CLCONV_SUCCESS);
    assert_int_equal(clconv_plan_execute(plan, foreign, out, NULL), CLCONV_ERR_INVALID_ARG);
    assert_non_null(strstr(clconv_last_error(ctx), "input buffer belongs to another cl_context"));
    assert_int_equal(clconv_plan_execute(plan, in, foreign, NULL), CLCONV_ERR_INVALID_ARG);
    assert_non_null(strstr(clconv_last_error(ctx), "output buffer belongs to another cl_context"));
    /* and the plan runs right with its own buffers afterwards */
    assert_int_equal(clconv_plan_execute(plan, in, out, NULL), CLCONV_SUCCESS);
    assert_int_equal(clconv_reference_conv2d(&p, h.in, h.w, NULL, h.ref), CLCONV_SUCCESS);
    fixture_download(ctx, out, h.out, h.no);
    double e = clconv_rel_l2_error(h.out, h.ref, h.no);
    if (!(e < 1e-4))
        fail_msg("direct after refused buffers: relative L2 error %g", e);
    clconv_plan_destroy(plan);
    cl_mem all[] = {in, w, out, foreign};
    for (int i = 0; i < 4; i++)
        clReleaseMemObject(all[i]);
    clReleaseContext(other);
    host_free(&h);
    assert_int_equal(clconv_context_destroy(ctx), CLCONV_SUCCESS);
}

/* clconv_live_objects counts what is created and not yet destroyed: a
 * context, a plan, neither changed by a refused destroy (plans alive) or a
 * failed plan_create. */
static void test_live_objects(void **state)
{
    (void)state;
    int contexts0 = -1, plans0 = -1, contexts = -1, plans = -1;
    clconv_live_objects(&contexts0, &plans0);
    assert_true(contexts0 >= 0 && plans0 >= 0);
    clconv_context *ctx = fixture_context();
    clconv_live_objects(&contexts, &plans);
    assert_int_equal(contexts, contexts0 + 1);
    assert_int_equal(plans, plans0);
    clconv_problem p = small();
    clconv_plan *plan = NULL, *bad = NULL;
    assert_int_equal(clconv_plan_create(ctx, &p, CLCONV_ALGO_DIRECT, &plan), CLCONV_SUCCESS);
    clconv_live_objects(&contexts, &plans);
    assert_int_equal(contexts, contexts0 + 1);
    assert_int_equal(plans, plans0 + 1);
    assert_int_equal(clconv_context_destroy(ctx), CLCONV_ERR_BUSY);
    p.stride_h = 0;
    assert_int_equal(clconv_plan_create(ctx, &p, CLCONV_ALGO_DIRECT, &bad), CLCONV_ERR_INVALID_ARG);
    assert_null(bad);
    clconv_live_objects(&contexts, NULL);
    clconv_live_objects(NULL, &plans);
    assert_int_equal(contexts, contexts0 + 1);
    assert_int_equal(plans, plans0 + 1);
    clconv_plan_destroy(plan);
    clconv_live_objects(&contexts, &plans);
    assert_int_equal(plans, plans0);
    assert_int_equal(clconv_context_destroy(ctx), CLCONV_SUCCESS);
    clconv_live_objects(&contexts, &plans);
    assert_int_equal(contexts, contexts0);
    assert_int_equal(plans, plans0);
    clconv_live_objects(NULL, NULL);
}

/* For bindings: clconv_struct_size gives this compiler's sizeof of every
 * public struct the header defines, 0 for an opaque or unknown name; and
 * clconv_params_source_name the header's names, one per source, NULL out
 * of range, "given" for the source a plan with options.params reports. */
static void test_binding_helpers(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        size_t size;
    } public_structs[] = {
        {"clconv_platform_info", sizeof(clconv_platform_info)},
        {"clconv_device_info", sizeof(clconv_device_info)},
        {"clconv_device_list", sizeof(clconv_device_list)},
        {"clconv_device_selector", sizeof(clconv_device_selector)},
        {"clconv_context_options", sizeof(clconv_context_options)},
        {"clconv_problem", sizeof(clconv_problem)},
        {"clconv_plan_options", sizeof(clconv_plan_options)},
        {"clconv_choice", sizeof(clconv_choice)},
        {"clconv_algo_prediction", sizeof(clconv_algo_prediction)},
        {"clconv_stage_time", sizeof(clconv_stage_time)},
        {"clconv_timing", sizeof(clconv_timing)},
        {"clconv_stage_cost", sizeof(clconv_stage_cost)},
        {"clconv_cost", sizeof(clconv_cost)},
        {"clconv_peaks", sizeof(clconv_peaks)},
        {"clconv_roofline", sizeof(clconv_roofline)},
    };
    for (size_t i = 0; i < sizeof public_structs / sizeof public_structs[0]; i++)
        if (clconv_struct_size(public_structs[i].name) != public_structs[i].size)
            fail_msg("clconv_struct_size(\"%s\") = %zu, sizeof here %zu", public_structs[i].name,
                     clconv_struct_size(public_structs[i].name), public_structs[i].size);
    assert_int_equal(clconv_struct_size("clconv_plan"), 0);
    assert_int_equal(clconv_struct_size("clconv_problem "), 0);
    assert_int_equal(clconv_struct_size(""), 0);
    assert_int_equal(clconv_struct_size(NULL), 0);

    static const char *const source_names[] = {"none", "default", "database", "tuned", "given"};
    assert_int_equal(sizeof source_names / sizeof source_names[0], CLCONV_PARAMS_SOURCE_COUNT);
    for (int s = 0; s < CLCONV_PARAMS_SOURCE_COUNT; s++) {
        const char *name = clconv_params_source_name((clconv_params_source)s);
        if (!name || strcmp(name, source_names[s]) != 0)
            fail_msg("clconv_params_source_name(%d) = %s, wanted %s", s, name ? name : "NULL",
                     source_names[s]);
    }
    assert_null(clconv_params_source_name(CLCONV_PARAMS_SOURCE_COUNT));
    assert_null(clconv_params_source_name((clconv_params_source)-1));
    clconv_context *ctx = fixture_context();
    clconv_problem p = small();
    char text[96];
    clconv_plan *plan = NULL;
    assert_int_equal(clconv_plan_create(ctx, &p, CLCONV_ALGO_DIRECT, &plan), CLCONV_SUCCESS);
    clconv_params_source first = clconv_plan_params(plan, text, sizeof text);
    assert_true(first == CLCONV_PARAMS_DEFAULT || first == CLCONV_PARAMS_DATABASE);
    clconv_plan_destroy(plan);
    clconv_plan_options opt = FIXTURE_OPTIONS(.params = text);
    assert_int_equal(clconv_plan_create_with_options(ctx, &p, CLCONV_ALGO_DIRECT, &opt, &plan),
                     CLCONV_SUCCESS);
    assert_string_equal(clconv_params_source_name(clconv_plan_params(plan, NULL, 0)), "given");
    clconv_plan_destroy(plan);
    assert_int_equal(clconv_context_destroy(ctx), CLCONV_SUCCESS);
}

/* A NULL where a public function takes a pointer: CLCONV_ERR_INVALID_ARG
 * with a message, or for the functions that return a value or nothing, a
 * neutral answer (0, NULL, NaN, zeroed) and no crash. */
#define EXPECT_INVALID(call)                                                                   \
    do {                                                                                       \
        clconv_status st_ = (call);                                                            \
        if (st_ != CLCONV_ERR_INVALID_ARG)                                                     \
            fail_msg("%s gave %s, wanted CLCONV_ERR_INVALID_ARG", #call,                      \
                     clconv_status_string(st_));                                               \
    } while (0)

static void test_null_arguments(void **state)
{
    (void)state;
    clconv_context *ctx = fixture_context();
    clconv_problem p = small();
    clconv_plan *plan = NULL;
    clconv_algo algo;
    clconv_fft_backend backend;
    clconv_gemm_backend gemm_backend;
    clconv_device_list *list = NULL;
    const clconv_device_info *info;
    clconv_context *other;
    clconv_cost cost;
    clconv_peaks peaks;
    double ms, gflops, flops, bytes;
    size_t ws;

    assert_non_null(clconv_status_string((clconv_status)999));
    assert_non_null(clconv_cl_error_name(12345));
    assert_non_null(clconv_clblast_status_name(12345));
    assert_non_null(clconv_last_error(NULL));

    EXPECT_INVALID(clconv_device_list_create(NULL));
    clconv_device_list_free(NULL);
    assert_int_equal(clconv_device_list_create(&list), CLCONV_SUCCESS);
    EXPECT_INVALID(clconv_device_select(NULL, NULL, &info));
    EXPECT_INVALID(clconv_device_select(list, NULL, NULL));
    clconv_device_list_free(list);
    EXPECT_INVALID(clconv_context_create(NULL, NULL, NULL));
    EXPECT_INVALID(clconv_context_wrap(NULL, NULL, NULL, &other));
    EXPECT_INVALID(clconv_context_wrap(clconv_context_cl_context(ctx), NULL, NULL, &other));
    EXPECT_INVALID(clconv_context_wrap(clconv_context_cl_context(ctx),
                                       clconv_context_queue(ctx), NULL, NULL));
    assert_int_equal(clconv_context_destroy(NULL), CLCONV_SUCCESS); /* as free(NULL) */
    assert_null(clconv_context_device(NULL));
    assert_int_equal(clconv_context_device_timing(NULL), 0);
    assert_null(clconv_context_cl_context(NULL));
    assert_null(clconv_context_queue(NULL));

    EXPECT_INVALID(clconv_problem_validate(NULL));
    assert_int_equal(clconv_problem_out_height(NULL), 0);
    assert_int_equal(clconv_problem_out_width(NULL), 0);
    assert_int_equal(clconv_problem_input_elems(NULL), 0);
    assert_int_equal(clconv_problem_weight_elems(NULL), 0);
    assert_int_equal(clconv_problem_output_elems(NULL), 0);

    EXPECT_INVALID(clconv_algo_from_name(NULL, &algo));
    EXPECT_INVALID(clconv_algo_from_name("direct", NULL));
    EXPECT_INVALID(clconv_fft_backend_from_name(NULL, &backend));
    EXPECT_INVALID(clconv_fft_backend_from_name("clfft", NULL));
    EXPECT_INVALID(clconv_gemm_backend_from_name(NULL, &gemm_backend));
    EXPECT_INVALID(clconv_gemm_backend_from_name("clconv", NULL));
    EXPECT_INVALID(clconv_algo_check(NULL, &p, CLCONV_ALGO_DIRECT));
    EXPECT_INVALID(clconv_algo_check(ctx, NULL, CLCONV_ALGO_DIRECT));
    EXPECT_INVALID(clconv_algo_workspace_bytes(ctx, &p, CLCONV_ALGO_DIRECT, NULL, NULL));
    EXPECT_INVALID(clconv_algo_workspace_bytes(NULL, &p, CLCONV_ALGO_DIRECT, NULL, &ws));
    EXPECT_INVALID(clconv_plan_create(NULL, &p, CLCONV_ALGO_DIRECT, &plan));
    EXPECT_INVALID(clconv_plan_create(ctx, NULL, CLCONV_ALGO_DIRECT, &plan));
    EXPECT_INVALID(clconv_plan_create(ctx, &p, CLCONV_ALGO_DIRECT, NULL));

    clconv_plan_destroy(NULL);
    assert_int_equal(clconv_plan_workspace_bytes(NULL), 0);
    clconv_plan_build_time(NULL, &ms, NULL);
    assert_true(ms == 0.0);
    EXPECT_INVALID(clconv_plan_set_weights(NULL, NULL, NULL));
    assert_true(clconv_plan_weights_ms(NULL) == 0.0);
    EXPECT_INVALID(clconv_plan_execute(NULL, NULL, NULL, NULL));
    clconv_plan_cost(NULL, &cost);
    assert_int_equal(cost.stage_count, 0);
    clconv_plan_cost(NULL, NULL);

    EXPECT_INVALID(clconv_pointwise(NULL, &p, NULL, NULL, NULL, NULL));
    EXPECT_INVALID(clconv_pointwise(ctx, NULL, NULL, NULL, NULL, NULL));
    EXPECT_INVALID(clconv_algo_cost(NULL, CLCONV_ALGO_DIRECT, 1, &cost));
    EXPECT_INVALID(clconv_algo_cost(&p, CLCONV_ALGO_DIRECT, 1, NULL));
    clconv_pointwise_cost(NULL, &cost);
    assert_true(cost.flops == 0 && cost.bytes == 0 && cost.stage_count == 0);
    clconv_pointwise_cost(&p, NULL);
    clconv_problem_cost(NULL, 1, &flops, &bytes);
    assert_true(flops == 0 && bytes == 0);
    clconv_problem_cost(&p, 1, NULL, NULL);
    EXPECT_INVALID(clconv_measure_peaks(NULL, 0, &peaks));
    EXPECT_INVALID(clconv_measure_peaks(ctx, 0, NULL));
    EXPECT_INVALID(clconv_measure_gemm(NULL, 4, 4, 4, 1, 1, &gflops));
    EXPECT_INVALID(clconv_measure_gemm(ctx, 4, 4, 4, 1, 1, NULL));
    EXPECT_INVALID(clconv_measure_gemm_with_backend(NULL, CLCONV_GEMM_BACKEND_CLCONV, 4, 4, 4, 1,
                                                    1, &gflops));
    EXPECT_INVALID(clconv_measure_gemm_with_backend(ctx, CLCONV_GEMM_BACKEND_COUNT, 4, 4, 4, 1,
                                                    1, &gflops));
    clconv_roofline roof;
    clconv_roofline_eval(NULL, NULL, 1.0, &roof);
    assert_true(isnan(roof.intensity) && isnan(roof.bound_ms) && roof.verdict == NULL);
    clconv_roofline_eval(NULL, NULL, 1.0, NULL);
    float x = 1.0f;
    EXPECT_INVALID(clconv_reference_conv2d(NULL, &x, &x, NULL, &x));
    EXPECT_INVALID(clconv_reference_conv2d(&p, NULL, &x, NULL, &x));
    assert_true(clconv_rel_l2_error(NULL, NULL, 0) == 0.0);
    clconv_quiet_end(NULL, NULL, clconv_quiet_begin(NULL, NULL), 0);
    assert_int_equal(clconv_context_destroy(ctx), CLCONV_SUCCESS);
}

/* The plan's reports: build time (compiled, then from the program cache),
 * the weights' device time (FFT transforms them in set_weights; direct does
 * nothing there), and a context with disable_disk_cache compiling every time
 * on a working device while writing nothing to its cache directory. */
static void test_plan_reports_and_disabled_cache(void **state)
{
    (void)state;
    char dir[] = "/tmp/clconv-rel-cache-XXXXXX";
    assert_non_null(mkdtemp(dir));
    clconv_problem p = small();
    host_data h = host_make(&p, 21);
    char cmd[256];
    for (int pass = 0; pass < 2; pass++) {
        const int disabled = pass == 0;
        for (int round = 0; round < 2; round++) {
            clconv_context_options opt = FIXTURE_CONTEXT_OPTIONS(.cache_dir = dir, .disable_disk_cache = disabled);
            clconv_device_selector sel = FIXTURE_SELECTOR(-1, -1, NULL);
            clconv_context *ctx;
            assert_int_equal(clconv_context_create(&sel, &opt, &ctx), CLCONV_SUCCESS);
            cl_mem w = fixture_upload(ctx, h.w, h.nw);
            for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
                clconv_plan *plan;
                assert_int_equal(clconv_plan_create(ctx, &p, (clconv_algo)a, &plan),
                                 CLCONV_SUCCESS);
                double build_ms = -1;
                int compiled = -1;
                clconv_plan_build_time(plan, &build_ms, &compiled);
                assert_true(build_ms >= 0);
                /* our own kernels: compiled the first time and whenever the
                 * disk cache is off, loaded from it the second time */
                if (a == CLCONV_ALGO_DIRECT && compiled != (disabled || round == 0))
                    fail_msg("direct, cache %s, round %d: compiled = %d",
                             disabled ? "disabled" : "on", round, compiled);
                assert_true(clconv_plan_weights_ms(plan) == 0.0);
                assert_int_equal(clconv_plan_set_weights(plan, w, NULL), CLCONV_SUCCESS);
                double wms = clconv_plan_weights_ms(plan);
                if (clconv_algo_weights_stage((clconv_algo)a)) {
                    if (clconv_context_device_timing(ctx) ? !(wms > 0) : !(wms < 0))
                        fail_msg("%s: weights_ms %g", clconv_algo_name((clconv_algo)a), wms);
                } else if (wms != 0.0) {
                    fail_msg("%s: weights_ms %g, it transforms nothing",
                             clconv_algo_name((clconv_algo)a), wms);
                }
                clconv_plan_destroy(plan);
            }
            clReleaseMemObject(w);
            assert_int_equal(clconv_context_destroy(ctx), CLCONV_SUCCESS);
        }
        /* disabled: nothing written; enabled: the programs are there */
        snprintf(cmd, sizeof cmd, "test %s \"$(ls -A '%s')\"", disabled ? "-z" : "-n", dir);
        if (system(cmd) != 0)
            fail_msg("cache directory %s is %s after the %s pass", dir,
                     disabled ? "not empty" : "empty", disabled ? "disabled" : "enabled");
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    host_free(&h);
}

/* ---- the performance database ---- */

/* A problem whose direct tune has one or two candidates on any device, so
 * that tuning it costs a compile or two. */
static clconv_problem tiny(void)
{
    clconv_problem p = FIXTURE_PROBLEM(1, 3, 7, 9, 3, 3, 3, 1, 1, 1, 1, 1, 1);
    return p;
}

static clconv_context *open_with_cache(const char *dir)
{
    clconv_context_options opt = FIXTURE_CONTEXT_OPTIONS(.cache_dir = dir);
    clconv_device_selector sel = FIXTURE_SELECTOR(-1, -1, NULL);
    clconv_context *ctx = NULL;
    if (clconv_context_create(&sel, &opt, &ctx) != CLCONV_SUCCESS)
        fail_msg("context with cache %s: %s", dir, clconv_last_error(NULL));
    return ctx;
}

/* Where a direct plan for p takes its parameters from, and which. */
static clconv_params_source direct_params(clconv_context *ctx, const clconv_problem *p, int tune,
                                          char *text, size_t cap)
{
    clconv_plan_options opt = FIXTURE_OPTIONS(.tune = tune);
    clconv_plan *plan = NULL;
    if (clconv_plan_create_with_options(ctx, p, CLCONV_ALGO_DIRECT, &opt, &plan))
        fail_msg("direct plan (tune %d): %s", tune, clconv_last_error(ctx));
    clconv_params_source s = clconv_plan_params(plan, text, cap);
    clconv_plan_destroy(plan);
    return s;
}

/* The database's one entry file in dir (perfdb-*.txt); fails unless exactly one. */
static void perfdb_entry(const char *dir, char *path, size_t cap)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls '%s'/perfdb-*.txt 2>/dev/null", dir);
    FILE *ls = popen(cmd, "r");
    assert_non_null(ls);
    int n = 0;
    char line[1024];
    while (fgets(line, sizeof line, ls)) {
        line[strcspn(line, "\n")] = '\0';
        snprintf(path, cap, "%s", line);
        n++;
    }
    pclose(ls);
    if (n != 1)
        fail_msg("%d performance database entries in %s, expected 1", n, dir);
}

static unsigned char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *buf = malloc(1 << 16);
    assert_non_null(buf);
    *size = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

static void write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, size, f), size);
    assert_int_equal(fclose(f), 0);
}

/* Rewrites the entry's payload as `payload` with a correct length and
 * checksum (the layout of src/runtime/disk_cache.c): a well-formed entry
 * whose parameters are wrong. */
static void rewrite_payload(const char *path, const char *payload)
{
    size_t size;
    unsigned char *buf = read_file(path, &size);
    const char magic[] = "clconv-program-cache 1\n";
    size_t at = sizeof magic - 1;
    uint64_t key_len;
    assert_true(size > at + 8);
    memcpy(&key_len, buf + at, 8);
    at += 8 + key_len;
    uint64_t len = strlen(payload), sum = rt_fnv1a(payload, len, RT_FNV_SEED);
    assert_true(at + 16 + len < (1 << 16));
    memcpy(buf + at, &len, 8);
    memcpy(buf + at + 8, &sum, 8);
    memcpy(buf + at + 16, payload, len);
    write_file(path, buf, at + 16 + len);
    free(buf);
}

/* A second process's part of test_perf_database: tune into dir. */
static int perfdb_child(const char *dir)
{
    clconv_context_options opt = FIXTURE_CONTEXT_OPTIONS(.cache_dir = dir);
    clconv_device_selector sel = FIXTURE_SELECTOR(-1, -1, NULL);
    clconv_context *ctx = NULL;
    clconv_plan_options po = FIXTURE_OPTIONS(.tune = 1);
    clconv_plan *plan = NULL;
    clconv_problem p = tiny();
    int bad = clconv_context_create(&sel, &opt, &ctx) ||
              clconv_plan_create_with_options(ctx, &p, CLCONV_ALGO_DIRECT, &po, &plan) ||
              clconv_plan_params(plan, NULL, 0) != CLCONV_PARAMS_TUNED;
    if (bad)
        fprintf(stderr, "perfdb child: %s\n", clconv_last_error(ctx));
    clconv_plan_destroy(plan);
    clconv_context_destroy(ctx);
    return bad;
}

/* The performance database follows the program cache's rules. A tune
 * stores an entry the next plan of that shape class finds, with the same
 * parameters, and they compute the right result. A truncated entry, a
 * flipped byte and a well-formed entry with impossible parameters are each
 * ignored (the default rule runs) and the next tune rewrites the entry. Two
 * processes tuning into one directory at once both succeed and leave one
 * valid entry. */
static void test_perf_database(void **state)
{
    (void)state;
    char dir[] = "/tmp/clconv-perfdb-XXXXXX", path[1100], cmd[2600];
    assert_non_null(mkdtemp(dir));
    clconv_problem p = tiny();
    clconv_context *ctx = open_with_cache(dir);
    char tuned[96], got[96];
    assert_int_equal(direct_params(ctx, &p, 0, got, sizeof got), CLCONV_PARAMS_DEFAULT);
    assert_int_equal(direct_params(ctx, &p, 1, tuned, sizeof tuned), CLCONV_PARAMS_TUNED);
    assert_int_equal(direct_params(ctx, &p, 0, got, sizeof got), CLCONV_PARAMS_DATABASE);
    assert_string_equal(got, tuned);
    double err = fixture_run_problem(ctx, &p, CLCONV_ALGO_DIRECT, 1, 3);
    if (!(err < 1e-5))
        fail_msg("direct with the database's %s: relative L2 error %g", got, err);
    perfdb_entry(dir, path, sizeof path);

    for (int damage = 0; damage < 3; damage++) {
        size_t size;
        unsigned char *buf = read_file(path, &size);
        if (damage == 0) {
            write_file(path, buf, size / 2);
        } else if (damage == 1) {
            buf[size - 1] ^= 0x20;
            write_file(path, buf, size);
        } else {
            rewrite_payload(path, "vec=3 ocv=9 pix=0\n");
        }
        free(buf);
        if (direct_params(ctx, &p, 0, got, sizeof got) != CLCONV_PARAMS_DEFAULT)
            fail_msg("damage %d: the plan used the damaged entry (%s)", damage, got);
        assert_int_equal(direct_params(ctx, &p, 1, got, sizeof got), CLCONV_PARAMS_TUNED);
        assert_int_equal(direct_params(ctx, &p, 0, got, sizeof got), CLCONV_PARAMS_DATABASE);
        perfdb_entry(dir, path, sizeof path);
    }
    assert_int_equal(clconv_context_destroy(ctx), CLCONV_SUCCESS);

    /* A fresh process each (OpenCL does not survive fork), started together. */
    char self[1024];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    assert_true(n > 0);
    self[n] = '\0';
    snprintf(cmd, sizeof cmd, "rm -f '%s'/perfdb-*.txt && (CLCONV_PERFDB_CHILD='%s' '%s' & "
             "CLCONV_PERFDB_CHILD='%s' '%s' & wait %%1 && wait %%2)", dir, dir, self, dir, self);
    if (system(cmd) != 0)
        fail_msg("two processes tuning into %s at once: one failed", dir);
    ctx = open_with_cache(dir);
    assert_int_equal(direct_params(ctx, &p, 0, got, sizeof got), CLCONV_PARAMS_DATABASE);
    perfdb_entry(dir, path, sizeof path);
    assert_int_equal(clconv_context_destroy(ctx), CLCONV_SUCCESS);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const char *child = getenv("CLCONV_PERFDB_CHILD");
    if (child)
        return perfdb_child(child);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_allocation_too_large),
        cmocka_unit_test(test_set_weights_failure),
        cmocka_unit_test(test_two_threads),
        cmocka_unit_test(test_nan_and_inf),
        cmocka_unit_test(test_zero_weights_and_dynamic_range),
        cmocka_unit_test(test_opencl_error_reaches_caller),
        cmocka_unit_test(test_live_objects),
        cmocka_unit_test(test_binding_helpers),
        cmocka_unit_test(test_null_arguments),
        cmocka_unit_test(test_plan_reports_and_disabled_cache),
        cmocka_unit_test(test_perf_database),
    };
    return fixture_run("reliability", tests, NULL, NULL);
}
