#define _POSIX_C_SOURCE 200809L /* setenv, strdup, dup, fileno */
#include "fixture.h"
#include "runtime/rt.h"
#include "runtime/timing.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

clconv_context *fixture_context(void)
{
    clconv_context *ctx = NULL;
    clconv_status st = clconv_context_create(NULL, NULL, &ctx);
    if (st != CLCONV_SUCCESS)
        fail_msg("cannot open the test device (CLCONV_DEVICE=%s): %s: %s",
                 getenv("CLCONV_DEVICE") ? getenv("CLCONV_DEVICE") : "(unset)",
                 clconv_status_string(st), clconv_last_error(NULL));
    return ctx;
}

clconv_problem fixture_problem(const int *fields, size_t count)
{
    if (count != 13 && count != 14)
        fail_msg("FIXTURE_PROBLEM takes 13 fields (and groups), not %zu", count);
    clconv_problem p;
    clconv_problem_init(&p);
    int *dst[] = {&p.batch,    &p.in_channels, &p.height,     &p.width,      &p.out_channels,
                  &p.kernel_h, &p.kernel_w,    &p.stride_h,   &p.stride_w,   &p.pad_h,
                  &p.pad_w,    &p.dilation_h,  &p.dilation_w, &p.groups};
    for (size_t i = 0; i < count; i++)
        *dst[i] = fields[i];
    return p;
}

void fixture_stderr_of(void (*f)(void *), void *arg, char *out, size_t cap)
{
    FILE *seen = tmpfile();
    assert_non_null(seen);
    fflush(stderr);
    int real = dup(STDERR_FILENO);
    assert_true(real >= 0);
    assert_true(dup2(fileno(seen), STDERR_FILENO) >= 0);
    f(arg);
    fflush(stderr);
    assert_true(dup2(real, STDERR_FILENO) >= 0);
    close(real);
    rewind(seen);
    size_t n = fread(out, 1, cap - 1, seen);
    out[n] = '\0';
    fclose(seen);
}

float fixture_uniform(uint32_t *s)
{
    return rt_uniform(s);
}

void fixture_fill(float *v, size_t n, uint32_t *s)
{
    for (size_t i = 0; i < n; i++)
        v[i] = fixture_uniform(s);
}

cl_mem fixture_upload(clconv_context *ctx, const float *host, size_t n)
{
    cl_int err;
    cl_mem m = clCreateBuffer(clconv_context_cl_context(ctx), CL_MEM_READ_WRITE |
                              CL_MEM_COPY_HOST_PTR, n * sizeof(float), (void *)host, &err);
    if (err != CL_SUCCESS)
        fail_msg("clCreateBuffer(%zu floats): %s", n, clconv_cl_error_name(err));
    return m;
}

cl_mem fixture_output(clconv_context *ctx, size_t n)
{
    cl_int err;
    cl_mem m = clCreateBuffer(clconv_context_cl_context(ctx), CL_MEM_READ_WRITE,
                              n * sizeof(float), NULL, &err);
    if (err != CL_SUCCESS)
        fail_msg("clCreateBuffer(%zu floats): %s", n, clconv_cl_error_name(err));
    const float poison = NAN;
    err = clEnqueueFillBuffer(clconv_context_queue(ctx), m, &poison, sizeof poison, 0,
                              n * sizeof(float), 0, NULL, NULL);
    if (err == CL_SUCCESS)
        err = clFinish(clconv_context_queue(ctx));
    if (err != CL_SUCCESS)
        fail_msg("poisoning the output: %s", clconv_cl_error_name(err));
    return m;
}

void fixture_download(clconv_context *ctx, cl_mem buf, float *host, size_t n)
{
    cl_int err = clEnqueueReadBuffer(clconv_context_queue(ctx), buf, CL_TRUE, 0,
                                     n * sizeof(float), host, 0, NULL, NULL);
    if (err != CL_SUCCESS)
        fail_msg("clEnqueueReadBuffer: %s", clconv_cl_error_name(err));
}

void fixture_describe(const clconv_problem *p, char *buf, size_t size)
{
    int pads[4];
    clconv_problem_pads(p, pads);
    snprintf(buf, size,
             "N=%d C=%d H=%d W=%d K=%d k=%dx%d s=%dx%d pads(t,b,l,r)=%d,%d,%d,%d d=%dx%d g=%d",
             p->batch, p->in_channels, p->height, p->width, p->out_channels, p->kernel_h,
             p->kernel_w, p->stride_h, p->stride_w, pads[0], pads[1], pads[2], pads[3],
             p->dilation_h, p->dilation_w, p->groups > 1 ? p->groups : 1);
}

double fixture_run_problem(clconv_context *ctx, const clconv_problem *p, clconv_algo algo,
                           int with_bias, uint32_t seed)
{
    return fixture_run_problem_with_options(ctx, p, algo, NULL, with_bias, seed);
}

fixture_guarded fixture_guarded_output(clconv_context *ctx, size_t n)
{
    /* A sub-buffer's origin must be a multiple of the device's base address
     * alignment (in bits); the guards are at least that wide. */
    cl_command_queue q = clconv_context_queue(ctx);
    cl_device_id dev;
    cl_uint align_bits = 0;
    cl_int err = clGetCommandQueueInfo(q, CL_QUEUE_DEVICE, sizeof dev, &dev, NULL);
    if (err == CL_SUCCESS)
        err = clGetDeviceInfo(dev, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof align_bits, &align_bits,
                              NULL);
    if (err != CL_SUCCESS)
        fail_msg("CL_DEVICE_MEM_BASE_ADDR_ALIGN: %s", clconv_cl_error_name(err));
    fixture_guarded g = {.n = n, .guard = align_bits / 8 / sizeof(float)};
    if (g.guard < 64)
        g.guard = 64;
    const size_t total = n + 2 * g.guard;
    g.parent = clCreateBuffer(clconv_context_cl_context(ctx), CL_MEM_READ_WRITE,
                              total * sizeof(float), NULL, &err);
    if (err != CL_SUCCESS)
        fail_msg("clCreateBuffer(%zu floats): %s", total, clconv_cl_error_name(err));
    const cl_uint poison = FIXTURE_POISON;
    err = clEnqueueFillBuffer(q, g.parent, &poison, sizeof poison, 0, total * sizeof(float), 0,
                              NULL, NULL);
    if (err == CL_SUCCESS)
        err = clFinish(q);
    if (err != CL_SUCCESS)
        fail_msg("poisoning the output: %s", clconv_cl_error_name(err));
    cl_buffer_region region = {g.guard * sizeof(float), n * sizeof(float)};
    g.buf = clCreateSubBuffer(g.parent, CL_MEM_READ_WRITE, CL_BUFFER_CREATE_TYPE_REGION, &region,
                              &err);
    if (err != CL_SUCCESS)
        fail_msg("clCreateSubBuffer(%zu floats at %zu): %s", n, g.guard,
                 clconv_cl_error_name(err));
    return g;
}

void fixture_guarded_download(clconv_context *ctx, const fixture_guarded *g, float *host,
                              const char *what)
{
    const size_t total = g->n + 2 * g->guard;
    uint32_t *all = malloc(total * sizeof *all);
    assert_non_null(all);
    fixture_download(ctx, g->parent, (float *)all, total);
    for (size_t i = 0; i < total; i++) {
        if (i == g->guard) {
            i += g->n - 1;
            continue;
        }
        if (all[i] != FIXTURE_POISON)
            fail_msg("%s: wrote float %td of the output's %zu (guard band of %zu floats on each "
                     "side)", what, (ptrdiff_t)i - (ptrdiff_t)g->guard, g->n, g->guard);
    }
    memcpy(host, all + g->guard, g->n * sizeof *host);
    free(all);
}

void fixture_guarded_release(fixture_guarded *g)
{
    if (g->buf)
        clReleaseMemObject(g->buf);
    if (g->parent)
        clReleaseMemObject(g->parent);
    g->buf = g->parent = NULL;
}

/* One problem's random data and double-precision reference. */
typedef struct fixture_data {
    clconv_problem p;
    uint32_t seed;
    int with_bias;
    size_t ni, nw, no, nb;
    float *in, *w, *b, *ref;
    double ref_max; /* max |ref| */
    unsigned long last_used;
} fixture_data;

/* The references of the last few problems: the algorithms and options that
 * run one problem in turn (the random and edge problems alternate two seeds)
 * compute it once. Kept for the process's life (reachable, not a leak). */
#define DATA_CACHE 4
static fixture_data data_cache[DATA_CACHE];
static unsigned long data_clock;

static int same_problem(const clconv_problem *a, const clconv_problem *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

static const fixture_data *data_for(const clconv_problem *p, int with_bias, uint32_t seed,
                                    const char *desc)
{
    fixture_data *d = &data_cache[0];
    for (int i = 0; i < DATA_CACHE; i++) {
        fixture_data *c = &data_cache[i];
        if (c->in && c->seed == seed && c->with_bias == with_bias && same_problem(&c->p, p)) {
            c->last_used = ++data_clock;
            return c;
        }
        if (c->last_used < d->last_used)
            d = c;
    }
    free(d->in), free(d->w), free(d->b), free(d->ref);
    *d = (fixture_data){.p = *p, .seed = seed, .with_bias = with_bias,
                        .ni = clconv_problem_input_elems(p), .nw = clconv_problem_weight_elems(p),
                        .no = clconv_problem_output_elems(p), .nb = (size_t)p->out_channels,
                        .last_used = ++data_clock};
    d->in = malloc(d->ni * sizeof *d->in);
    d->w = malloc(d->nw * sizeof *d->w);
    d->b = malloc(d->nb * sizeof *d->b);
    d->ref = malloc(d->no * sizeof *d->ref);
    assert_non_null(d->in);
    assert_non_null(d->w);
    assert_non_null(d->b);
    assert_non_null(d->ref);
    uint32_t s = seed;
    fixture_fill(d->in, d->ni, &s);
    fixture_fill(d->w, d->nw, &s);
    fixture_fill(d->b, d->nb, &s);
    if (clconv_reference_conv2d(p, d->in, d->w, with_bias ? d->b : NULL, d->ref))
        fail_msg("reference on %s: %s", desc, clconv_last_error(NULL));
    for (size_t i = 0; i < d->no; i++)
        d->ref_max = fmax(d->ref_max, fabs((double)d->ref[i]));
    return d;
}

double fixture_run_problem_with_options(clconv_context *ctx, const clconv_problem *p,
                                        clconv_algo algo, const clconv_plan_options *opt,
                                        int with_bias, uint32_t seed)
{
    char desc[160], what[512];
    fixture_describe(p, desc, sizeof desc);
    snprintf(what, sizeof what, "%s on %s (seed %u, bias %d, GEMM backend %s, FFT backend %s)",
             clconv_algo_name(algo), desc, seed, with_bias,
             clconv_gemm_backend_name(opt ? opt->gemm_backend : CLCONV_GEMM_BACKEND_DEFAULT),
             clconv_fft_backend_name(opt ? opt->fft_backend : CLCONV_FFT_BACKEND_DEFAULT));
    const fixture_data *d = data_for(p, with_bias, seed, desc);
    float *out = malloc(d->no * sizeof *out);
    assert_non_null(out);
    /* An epilogue: its own reference, with a residual drawn after the data. */
    const clconv_epilogue *e = opt ? opt->epilogue : NULL;
    float *z = NULL, *ref = d->ref;
    double ref_max = d->ref_max;
    cl_mem d_z = NULL;
    if (e) {
        ref = malloc(d->no * sizeof *ref);
        assert_non_null(ref);
        if (e->residual) {
            uint32_t s = seed ^ 0x5eedu;
            z = malloc(d->no * sizeof *z);
            assert_non_null(z);
            fixture_fill(z, d->no, &s);
            d_z = fixture_upload(ctx, z, d->no);
        }
        if (clconv_reference_conv2d_epilogue(p, d->in, d->w, with_bias ? d->b : NULL, z, e, ref))
            fail_msg("reference with the epilogue on %s: %s", desc, clconv_last_error(NULL));
        ref_max = 0.0;
        for (size_t i = 0; i < d->no; i++)
            ref_max = fmax(ref_max, fabs((double)ref[i]));
        size_t used = strlen(what);
        snprintf(what + used, sizeof what - used, ", epilogue %s alpha %g residual %d beta %g",
                 clconv_activation_name(e->activation), (double)e->alpha, e->residual,
                 (double)e->beta);
    }

    cl_mem d_in = fixture_upload(ctx, d->in, d->ni), d_w = fixture_upload(ctx, d->w, d->nw);
    cl_mem d_b = fixture_upload(ctx, d->b, d->nb);
    fixture_guarded d_out = fixture_guarded_output(ctx, d->no);
    clconv_plan *plan = NULL;
    clconv_timing t;
    clconv_status st;
    if ((st = clconv_plan_create_with_options(ctx, p, algo, opt, &plan)) ||
        (st = clconv_plan_set_weights(plan, d_w, with_bias ? d_b : NULL)) ||
        (st = clconv_plan_execute_residual(plan, d_in, d_z, d_out.buf, &t)))
        fail_msg("%s: %s: %s", what, clconv_status_string(st), clconv_last_error(ctx));
    fixture_guarded_download(ctx, &d_out, out, what);
    const double bound = FIXTURE_ELEM_TOLERANCE * ref_max;
    for (size_t i = 0; i < d->no; i++)
        if (!(fabs((double)out[i] - ref[i]) <= bound))
            fail_msg("%s: output %zu is %.9g, the reference %.9g: off by more than %g (%g x the "
                     "largest |reference| %g)", what, i, out[i], ref[i], bound,
                     FIXTURE_ELEM_TOLERANCE, ref_max);
    double err = clconv_rel_l2_error(out, ref, d->no);
    if (ref != d->ref)
        free(ref);
    free(z);
    if (d_z)
        clReleaseMemObject(d_z);
    clconv_plan_destroy(plan);
    clReleaseMemObject(d_in);
    clReleaseMemObject(d_w);
    clReleaseMemObject(d_b);
    fixture_guarded_release(&d_out);
    free(out);
    return err;
}

fixture_env fixture_env_set(const char *name, const char *value)
{
    const char *was = getenv(name);
    fixture_env e = {name, was ? strdup(was) : NULL};
    if (was)
        assert_non_null(e.saved);
    assert_int_equal(value ? setenv(name, value, 1) : unsetenv(name), 0);
    return e;
}

void fixture_write_kernel_dir(const char *dir, const char *file, const char *replace,
                              const char *append)
{
    char path[512];
    mkdir(dir, 0755);
    for (size_t i = 0; i < rt_embedded_kernel_count; i++) {
        const rt_embedded_kernel *k = &rt_embedded_kernels[i];
        snprintf(path, sizeof path, "%s/%s", dir, k->file);
        *strrchr(path, '/') = '\0';
        mkdir(path, 0755);
        snprintf(path, sizeof path, "%s/%s", dir, k->file);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        const int edited = strcmp(k->file, file) == 0;
        if (edited && replace)
            assert_true(fputs(replace, f) >= 0);
        else
            assert_int_equal(fwrite(k->source, 1, k->length, f), k->length);
        if (edited && !replace && append)
            assert_true(fputs(append, f) >= 0);
        assert_int_equal(fclose(f), 0);
    }
}

double fixture_arithmetic_ceiling_gflops(double compute_units, double clock_mhz)
{
    return compute_units * (clock_mhz > 0 ? clock_mhz : 6000) * 1e-3 * 256;
}

void fixture_env_restore(fixture_env *e)
{
    assert_int_equal(e->saved ? setenv(e->name, e->saved, 1) : unsetenv(e->name), 0);
    free(e->saved);
    e->saved = NULL;
}

/* 1 when name matches one of the comma-separated patterns in list. */
static int listed(const char *list, const char *name)
{
    char pattern[256];
    for (const char *s = list; *s;) {
        size_t len = strcspn(s, ",");
        snprintf(pattern, sizeof pattern, "%.*s", (int)len, s);
        if (len && fnmatch(pattern, name, 0) == 0)
            return 1;
        s += len + (s[len] == ',');
    }
    return 0;
}

int fixture_run_selected(const char *name, const struct CMUnitTest *tests, size_t n,
                         CMFixtureFunction setup, CMFixtureFunction teardown)
{
    const char *only = getenv("CLCONV_TEST_FILTER"), *skip = getenv("CLCONV_TEST_SKIP");
    struct CMUnitTest *chosen = malloc(n * sizeof *chosen);
    if (!chosen)
        return 1;
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if ((!only || !*only || listed(only, tests[i].name)) && !(skip && listed(skip, tests[i].name)))
            chosen[count++] = tests[i];
    int failed;
    if (count == 0) {
        fprintf(stderr, "%s: no test is selected by CLCONV_TEST_FILTER=%s CLCONV_TEST_SKIP=%s\n",
                name, only ? only : "", skip ? skip : "");
        failed = 1;
    } else {
        failed = _cmocka_run_group_tests(name, chosen, count, setup, teardown);
    }
    free(chosen);
    return failed;
}

clconv_problem fixture_problem_for(clconv_context *ctx, clconv_algo algo, const clconv_problem *p)
{
    static const int kernels[] = {0, 0, 3, 5, 1}; /* 0: p's own */
    for (int depthwise = 0; depthwise < 2; depthwise++)
        for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++) {
            clconv_problem q = *p;
            if (i > 0)
                q.stride_h = q.stride_w = q.dilation_h = q.dilation_w = 1;
            if (kernels[i])
                q.kernel_h = q.kernel_w = kernels[i];
            if (depthwise) { /* the depthwise entry's only problems */
                if (q.out_channels % q.in_channels)
                    q.out_channels = q.in_channels;
                q.groups = q.in_channels;
            }
            if (clconv_problem_validate(&q) == CLCONV_SUCCESS &&
                clconv_algo_check(ctx, &q, algo) == CLCONV_SUCCESS)
                return q;
        }
    char desc[160];
    fixture_describe(p, desc, sizeof desc);
    fail_msg("%s takes neither %s nor any plainer form of it", clconv_algo_name(algo), desc);
    return *p;
}
