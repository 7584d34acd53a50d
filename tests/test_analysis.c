/* Analysis layer: the cost model against hand-computed seed figures, the
 * roofline arithmetic, and the device peaks and their cache. */
#define _POSIX_C_SOURCE 200809L
#include "fixture.h"

#include "conv/algo.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static clconv_problem seed(int k)
{
    clconv_problem p = FIXTURE_PROBLEM(1, 256, 32, 60, 64, k, k, 1, 1, 0, 0, 1, 1);
    return p;
}

/* seed-k3: output 30 x 58; FLOPs = 2 * 64 * 30*58 * 256*9 = 513,146,880.
 * Bytes = 4 * (input 256*32*60 = 491,520 + weights 64*256*9 = 147,456
 *              + bias 64 + output 64*30*58 = 111,360) = 3,001,600. */
static void test_direct_seed_k3(void **state)
{
    (void)state;
    clconv_problem p = seed(3);
    double flops, bytes;
    conv_compulsory_cost(&p, 1, &flops, &bytes);
    assert_true(flops == 513146880.0);
    assert_true(bytes == 3001600.0);
    conv_compulsory_cost(&p, 0, &flops, &bytes);
    assert_true(bytes == 3001600.0 - 256.0);
}

/* seed-k16: output 17 x 45; FLOPs = 2 * 64 * 765 * 256*256 = 6,417,285,120.
 * Bytes = 4 * (491,520 + 64*256*256 = 4,194,304 + 64*765 = 48,960) = 18,939,136. */
static void test_direct_seed_k16(void **state)
{
    (void)state;
    clconv_problem p = seed(16);
    double flops, bytes;
    conv_compulsory_cost(&p, 0, &flops, &bytes);
    assert_true(flops == 6417285120.0);
    assert_true(bytes == 18939136.0);
}

/* Stride and dilation change the output size the FLOPs are counted on:
 * 2x3x10x12 input, k3x3 stride 2 pad 1 dilation 2 -> out 4 x 5;
 * FLOPs = 2 * 2*4 * 4*5 * 3*9 = 8,640. */
static void test_direct_strided(void **state)
{
    (void)state;
    clconv_problem p = FIXTURE_PROBLEM(2, 3, 10, 12, 4, 3, 3, 2, 2, 1, 1, 2, 2);
    assert_int_equal(clconv_problem_out_height(&p), 4);
    assert_int_equal(clconv_problem_out_width(&p), 5);
    double flops, bytes;
    conv_compulsory_cost(&p, 0, &flops, &bytes);
    assert_true(flops == 8640.0);
    assert_true(bytes == 4.0 * (720 + 108 + 160));
}

/* The public problem cost equals the model, and is zero for an invalid problem. */
static void test_problem_cost(void **state)
{
    (void)state;
    clconv_problem p = seed(5);
    double f1, b1, f2, b2;
    conv_compulsory_cost(&p, 1, &f1, &b1);
    clconv_problem_cost(&p, 1, &f2, &b2);
    assert_true(f1 == f2 && b1 == b2);
    p.stride_w = 0;
    clconv_problem_cost(&p, 1, &f2, &b2);
    assert_true(f2 == 0.0 && b2 == 0.0);
}

static const clconv_stage_cost *stage(const clconv_cost *c, const char *name)
{
    for (int i = 0; i < c->stage_count; i++)
        if (!strcmp(c->stages[i].name, name))
            return &c->stages[i];
    fail_msg("no stage %s", name);
    return NULL;
}

static void assert_close(double got, double want)
{
    if (!(fabs(got - want) <= 1e-9 * fabs(want)))
        fail_msg("got %.10g, want %.10g", got, want);
}

/* im2col-gemm on seed-k3: columns = 256*9 x 30*58 = 4,008,960 floats.
 * im2col: 4 * (491,520 + 4,008,960) = 18,001,920 bytes.
 * gemm: 513,146,880 FLOPs; 4 * (4,008,960 + 147,456 + 111,360) = 17,071,104 bytes.
 * bias: 111,360 adds; 4 * (2 * 111,360 + 64) = 891,136 bytes. */
static void test_im2col_gemm_seed_k3(void **state)
{
    (void)state;
    clconv_problem p = seed(3);
    clconv_cost c;
    assert_int_equal(clconv_algo_cost(&p, CLCONV_ALGO_IM2COL_GEMM, 1, &c), CLCONV_SUCCESS);
    assert_int_equal(c.stage_count, 3);
    assert_true(stage(&c, "im2col")->flops == 0.0);
    assert_true(stage(&c, "im2col")->bytes == 18001920.0);
    assert_true(stage(&c, "gemm")->flops == 513146880.0);
    assert_true(stage(&c, "gemm")->bytes == 17071104.0);
    assert_true(stage(&c, "epilogue")->flops == 111360.0);
    assert_true(stage(&c, "epilogue")->bytes == 891136.0);
    assert_true(c.bytes == 18001920.0 + 17071104.0 + 891136.0);
    assert_int_equal(clconv_algo_cost(&p, CLCONV_ALGO_IM2COL_GEMM, 0, &c), CLCONV_SUCCESS);
    assert_int_equal(c.stage_count, 2); /* no bias, no bias stage */
}

/* The FFT algorithms' cost at a given tile (conv_config's params, as a
 * plan resolves them; the public clconv_algo_cost takes the default rule's). */
static void fft_cost_at(const clconv_problem *p, clconv_algo algo, int tile, clconv_cost *c)
{
    conv_config cfg = {.problem = *p, .workspace_limit_bytes = SIZE_MAX,
                       .fft_backend = CLCONV_FFT_BACKEND_CLFFT,
                       .gemm_backend = CLCONV_GEMM_BACKEND_CLCONV, .params = {tile},
                       .params_set = 1};
    memset(c, 0, sizeof *c);
    conv_algo_table[algo]->cost(&cfg, 1, c);
}

/* FFT on seed-k3, whole planes: 32 x 60 transforms, 1920 points, 32 * 31 =
 * 992 frequencies a plane. pad: 4 * (491,520 + 256 * 1920) = 3,932,160
 * bytes. forward: 256 * 2.5 * 1920 * log2(1920) FLOPs; 256 * (4*1920 +
 * 8*992) = 3,997,696 bytes. cmac: 8 * 64*256*992 = 130,023,424 FLOPs; 8 *
 * 992 * (256 + 64*256 + 64) = 132,562,944 bytes. inverse: 64 * (8*992 +
 * 4*1920) = 999,424 bytes. crop (bias): 2 * 111,360 FLOPs, 4 * (2 * 111,360
 * + 64) bytes.
 * With 8 x 8 tiles: 6 x 6 outputs each, 5 x 10 tiles for 30 x 58 outputs,
 * 64 points and 8 * 5 = 40 frequencies a plane. pad: 4 * (491,520 + 50 *
 * 256 * 64) = 5,242,880 bytes. forward: 50 * 256 * 2.5 * 64 * 6 =
 * 12,288,000 FLOPs; 12,800 * (4*64 + 8*40) = 7,372,800 bytes. cmac: 8 * 50
 * * 64 * 256 * 40 = 262,144,000 FLOPs (twice the whole planes': the
 * overlap); 8 * 40 * (12,800 + 16,384 + 3,200) = 10,362,880 bytes (1/13 of
 * them). inverse: 3,072,000 FLOPs; 3,200 * 576 = 1,843,200 bytes. */
static void test_fft_seed_k3(void **state)
{
    (void)state;
    clconv_problem p = seed(3);
    clconv_cost c;
    for (int a = CLCONV_ALGO_FFT; a <= CLCONV_ALGO_FFT_CGEMM; a++) {
        fft_cost_at(&p, (clconv_algo)a, 0, &c);
        assert_int_equal(c.stage_count, 5);
        assert_true(stage(&c, "pad")->bytes == 3932160.0);
        assert_close(stage(&c, "fft_forward")->flops, 256 * 2.5 * 1920 * 10.906890595608519);
        assert_true(stage(&c, "fft_forward")->bytes == 3997696.0);
        assert_true(stage(&c, "cmac")->flops == 130023424.0);
        assert_true(stage(&c, "cmac")->bytes == 132562944.0);
        assert_close(stage(&c, "fft_inverse")->flops, 64 * 2.5 * 1920 * 10.906890595608519);
        assert_true(stage(&c, "fft_inverse")->bytes == 999424.0);
        assert_true(stage(&c, "crop")->flops == 222720.0);
        assert_true(stage(&c, "crop")->bytes == 891136.0);
        fft_cost_at(&p, (clconv_algo)a, 8, &c);
        assert_true(stage(&c, "pad")->bytes == 5242880.0);
        assert_true(stage(&c, "fft_forward")->flops == 12288000.0);
        assert_true(stage(&c, "fft_forward")->bytes == 7372800.0);
        assert_true(stage(&c, "cmac")->flops == 262144000.0);
        assert_true(stage(&c, "cmac")->bytes == 10362880.0);
        assert_true(stage(&c, "fft_inverse")->flops == 3072000.0);
        assert_true(stage(&c, "fft_inverse")->bytes == 1843200.0);
        assert_true(stage(&c, "crop")->bytes == 891136.0);
    }
    /* the public cost is the default rule's tile's */
    assert_int_equal(clconv_algo_cost(&p, CLCONV_ALGO_FFT, 1, &c), CLCONV_SUCCESS);
    assert_int_equal(c.stage_count, 5);
}

/* The seed's pointwise op: 64 * 256*32*60 = 31,457,280 multiplies;
 * 4 * (491,520 + 2 * 31,457,280) = 253,624,320 bytes: 1/8 FLOP per byte. */
static void test_pointwise_seed(void **state)
{
    (void)state;
    clconv_problem p = seed(16);
    clconv_cost c;
    clconv_pointwise_cost(&p, &c);
    assert_int_equal(c.stage_count, 1);
    assert_string_equal(c.stages[0].name, "pointwise");
    assert_true(c.flops == 31457280.0);
    assert_true(c.bytes == 253624320.0);
    p.width = 0;
    clconv_pointwise_cost(&p, &c);
    assert_true(c.flops == 0.0 && c.stage_count == 0);
}

/* Peaks 1000 GFLOP/s and 100 GB/s (ridge 10 FLOP/B). One stage of 1e9 FLOPs
 * and 1e6 bytes: compute 1 ms, memory 0.01 ms, so bound 1 ms; at 2 ms the
 * efficiency is 0.5, compute-bound. Add a stage of 1e8 bytes and no FLOPs
 * (1 ms): bound 2 ms (stage by stage), intensity 1e9 / 1.01e8 < 10 so
 * memory-bound overall. */
static void test_roofline(void **state)
{
    (void)state;
    clconv_peaks pk = {.bandwidth_gbs = 100.0, .gflops = 1000.0};
    clconv_cost c = {.flops = 1e9, .bytes = 1e6, .stage_count = 1,
                     .stages = {{"a", 1e9, 1e6}}};
    clconv_roofline r;
    clconv_roofline_eval(&pk, &c, 2.0, &r);
    assert_close(r.bound_ms, 1.0);
    assert_close(r.efficiency, 0.5);
    assert_close(r.intensity, 1000.0);
    assert_close(r.gflops, 500.0);
    assert_close(r.gbs, 0.5);
    assert_string_equal(r.verdict, "compute-bound");
    c.stages[1] = (clconv_stage_cost){"b", 0.0, 1e8};
    c.stage_count = 2;
    c.bytes += 1e8;
    clconv_roofline_eval(&pk, &c, 4.0, &r);
    assert_close(r.bound_ms, 2.0);
    assert_close(r.efficiency, 0.5);
    assert_string_equal(r.verdict, "memory-bound");
    assert_false(r.above_peak);
    /* faster than the bound: flagged, no efficiency above 1 */
    clconv_roofline_eval(&pk, &c, 1.5, &r);
    assert_true(r.above_peak && isnan(r.efficiency));
    assert_close(r.gflops, 1e9 / 1.5e6);
    clconv_roofline_eval(&pk, &c, 0.0, &r); /* no time: a prediction, no rates */
    assert_close(r.bound_ms, 2.0);
    assert_string_equal(r.verdict, "memory-bound");
    assert_true(isnan(r.efficiency) && isnan(r.gflops) && isnan(r.gbs));
    clconv_roofline_eval(NULL, &c, 4.0, &r); /* no peaks: rates only */
    assert_true(isnan(r.bound_ms) && isnan(r.efficiency) && r.verdict == NULL);
    assert_close(r.gbs, 1.01e8 / 4e6);
}

/* Every stage a plan times has a cost under the same name, and the plan's
 * cost is the model's for its algorithm. */
static void test_plan_cost_matches_timing(void **state)
{
    (void)state;
    clconv_context *ctx = fixture_context();
    const clconv_problem base = FIXTURE_PROBLEM(1, 5, 9, 11, 3, 3, 2, 1, 1, 1, 0, 1, 1);
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
        const clconv_problem p = fixture_problem_for(ctx, (clconv_algo)a, &base);
        size_t ni = clconv_problem_input_elems(&p), nw = clconv_problem_weight_elems(&p);
        float *host = calloc(ni + nw, sizeof *host);
        cl_mem in = fixture_upload(ctx, host, ni), w = fixture_upload(ctx, host + ni, nw);
        cl_mem b = fixture_upload(ctx, host, (size_t)p.out_channels);
        cl_mem out = fixture_output(ctx, clconv_problem_output_elems(&p));
        clconv_plan *plan;
        assert_int_equal(clconv_plan_create(ctx, &p, (clconv_algo)a, &plan), CLCONV_SUCCESS);
        assert_int_equal(clconv_plan_set_weights(plan, w, b), CLCONV_SUCCESS);
        clconv_timing t;
        assert_int_equal(clconv_plan_execute(plan, in, out, &t), CLCONV_SUCCESS);
        clconv_cost c;
        clconv_plan_cost(plan, &c);
        assert_int_equal(c.stage_count, t.stage_count);
        assert_true(c.stage_count >= 1); /* the loops below check something */
        double sum = 0.0;
        for (int s = 0; s < t.stage_count; s++) {
            assert_string_equal(c.stages[s].name, t.stages[s].name);
            sum += c.stages[s].bytes;
        }
        assert_close(c.bytes, sum);
        if (a == CLCONV_ALGO_DIRECT) {
            /* the conv stage is the compulsory cost; the padding (p has
             * some) is a copy: the input read, the padded planes written */
            double flops, bytes;
            conv_compulsory_cost(&p, 1, &flops, &bytes);
            assert_int_equal(c.stage_count, 2);
            assert_string_equal(c.stages[1].name, "conv");
            assert_true(c.stages[1].flops == flops && c.stages[1].bytes == bytes);
            double padded = (double)p.batch * p.in_channels * (p.height + 2 * p.pad_h) *
                            (p.width + 2 * p.pad_w);
            assert_string_equal(c.stages[0].name, "pad");
            assert_true(c.stages[0].flops == 0.0 &&
                        c.stages[0].bytes == 4.0 * ((double)ni + padded));
        }
        /* the device-free cost is the plan's, stage by stage */
        clconv_cost free_cost;
        assert_int_equal(clconv_algo_cost(&p, (clconv_algo)a, 1, &free_cost), CLCONV_SUCCESS);
        assert_int_equal(free_cost.stage_count, c.stage_count);
        for (int s = 0; s < c.stage_count; s++) {
            assert_string_equal(free_cost.stages[s].name, c.stages[s].name);
            assert_true(free_cost.stages[s].flops == c.stages[s].flops);
            assert_true(free_cost.stages[s].bytes == c.stages[s].bytes);
        }
        /* the workspace is known before the plan allocates it; only a
         * backend's own scratch (clFFT's) comes on top */
        size_t predicted = 0;
        assert_int_equal(clconv_algo_workspace_bytes(ctx, &p, (clconv_algo)a, NULL, &predicted),
                         CLCONV_SUCCESS);
        if (conv_algo_table[a]->spectral)
            assert_true(clconv_plan_workspace_bytes(plan) >= predicted);
        else
            assert_int_equal(clconv_plan_workspace_bytes(plan), predicted);
        clconv_plan_destroy(plan);
        clReleaseMemObject(in), clReleaseMemObject(w), clReleaseMemObject(b);
        clReleaseMemObject(out);
        free(host);
    }
    assert_int_equal(clconv_context_destroy(ctx), CLCONV_SUCCESS);
}

/* Peaks are measured once per device and driver, then read from the cache
 * exactly; CLCONV_PEAKS_REMEASURE measures again. */
static void test_peaks_cached(void **state)
{
    (void)state;
    char dir[] = "/tmp/clconv-peaks-XXXXXX";
    assert_non_null(mkdtemp(dir));
    clconv_context_options opt = FIXTURE_CONTEXT_OPTIONS(.cache_dir = dir);
    clconv_context *ctx = NULL;
    assert_int_equal(clconv_context_create(NULL, &opt, &ctx), CLCONV_SUCCESS);
    clconv_peaks a, b, c;
    if (clconv_measure_peaks(ctx, 0, &a) != CLCONV_SUCCESS)
        fail_msg("measure_peaks: %s", clconv_last_error(ctx));
    assert_int_equal(a.from_cache, 0);
    assert_true(a.bandwidth_gbs > 0.0 && isfinite(a.bandwidth_gbs));
    assert_true(a.gflops > 0.0 && isfinite(a.gflops));
    /* the default GEMM backend runs on every device this suite runs on */
    if (!(a.gemm_gflops > 0.0) || !isfinite(a.gemm_gflops))
        fail_msg("SGEMM peak %g GFLOP/s", a.gemm_gflops);
    assert_non_null(a.gemm_backend); /* the default backend, named */
    assert_string_equal(a.gemm_backend, "clconv");
    /* gflops is raised to the SGEMM rate when that is higher: a ceiling is
     * never below a rate something reached */
    if (!(a.gflops >= a.gemm_gflops))
        fail_msg("peak %g GFLOP/s below the SGEMM's %g", a.gflops, a.gemm_gflops);
    /* the SGEMM peak is the best of three timed n^3 runs (src/analysis/
     * peaks.c; n = 1024 unless a quarter of the allocation limit holds no
     * n x n matrix): all three, each no faster than the best, fit in the
     * wall time of the measurement */
    size_t n = 1024;
    while (n > 64 && n * n * sizeof(float) > clconv_context_device(ctx)->max_alloc_bytes / 4)
        n /= 2;
    const double gemm_ms = 2.0 * (double)n * n * n / (a.gemm_gflops * 1e6);
    if (!(3.0 * gemm_ms <= a.measure_ms))
        fail_msg("SGEMM peak %g GFLOP/s: three %zu^3 runs of %g ms each in %g ms of measuring",
                 a.gemm_gflops, n, gemm_ms, a.measure_ms);
    assert_string_equal(a.time_source, clconv_context_device_timing(ctx) ? "device" : "host");
    assert_int_equal(clconv_measure_peaks(ctx, 0, &b), CLCONV_SUCCESS);
    assert_int_equal(b.from_cache, 1);
    assert_true(b.measure_ms == 0.0);
    assert_true(b.bandwidth_gbs == a.bandwidth_gbs && b.gflops == a.gflops);
    assert_true(b.gemm_gflops == a.gemm_gflops || (isnan(a.gemm_gflops) && isnan(b.gemm_gflops)));
    assert_string_equal(b.gemm_backend, a.gemm_backend);
    assert_int_equal(clconv_measure_peaks(ctx, CLCONV_PEAKS_REMEASURE, &c), CLCONV_SUCCESS);
    assert_int_equal(c.from_cache, 0);
    assert_true(c.measure_ms > 0.0);
    /* REMEASURE rewrote the entry: the next read gives the new numbers
     * (two measurements of a noisy machine never agree to every bit) */
    clconv_peaks d;
    assert_int_equal(clconv_measure_peaks(ctx, 0, &d), CLCONV_SUCCESS);
    assert_int_equal(d.from_cache, 1);
    assert_true(d.bandwidth_gbs == c.bandwidth_gbs && d.gflops == c.gflops);
    if (c.bandwidth_gbs == a.bandwidth_gbs && c.gflops == a.gflops)
        fail_msg("the remeasured peaks equal the first to the bit: was anything measured?");
    assert_int_equal(clconv_context_destroy(ctx), CLCONV_SUCCESS);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static double wall_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

/* clconv_measure_gemm (the default backend) and
 * clconv_measure_gemm_with_backend for each backend of the list, at a small
 * batched shape: success, and a rate the call's own wall time allows. The
 * rate is 2 M N K batch over the median run; half the runs take at least
 * the median and all of them fit in the call, so the rate is no lower than
 * ceil(runs / 2) runs' FLOPs over the call's wall time (a unit slip, or
 * a wrong FLOP count, lands far outside); nor higher than the device's
 * arithmetic allows. */
static void test_measure_gemm(void **state)
{
    (void)state;
    clconv_context *ctx = fixture_context();
    const clconv_device_info *dev = clconv_context_device(ctx);
    const double ceiling = fixture_arithmetic_ceiling_gflops(dev->compute_units, dev->clock_mhz);
    const size_t m = 24, n = 40, k = 36, batch = 2;
    const int runs = 5;
    const double flops = 2.0 * (double)(m * n * k * batch);
    for (int b = 0; b < CLCONV_GEMM_BACKEND_COUNT; b++) {
        const char *name = clconv_gemm_backend_name((clconv_gemm_backend)b);
        double gflops = NAN;
        const double t0 = wall_ms();
        clconv_status st =
            b == CLCONV_GEMM_BACKEND_DEFAULT
                ? clconv_measure_gemm(ctx, m, n, k, batch, runs, &gflops)
                : clconv_measure_gemm_with_backend(ctx, (clconv_gemm_backend)b, m, n, k, batch,
                                                   runs, &gflops);
        const double ms = wall_ms() - t0;
        if (st != CLCONV_SUCCESS)
            fail_msg("%s: %s: %s", name, clconv_status_string(st), clconv_last_error(ctx));
        const double floor = (runs + 1) / 2 * flops / (ms * 1e6);
        if (!(gflops >= floor && gflops <= ceiling))
            fail_msg("%s: %g GFLOP/s; the call's %g ms allow %g to %g", name, gflops, ms, floor,
                     ceiling);
    }
    assert_int_equal(clconv_context_destroy(ctx), CLCONV_SUCCESS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_direct_seed_k3),
        cmocka_unit_test(test_direct_seed_k16),
        cmocka_unit_test(test_direct_strided),
        cmocka_unit_test(test_problem_cost),
        cmocka_unit_test(test_im2col_gemm_seed_k3),
        cmocka_unit_test(test_fft_seed_k3),
        cmocka_unit_test(test_pointwise_seed),
        cmocka_unit_test(test_roofline),
        cmocka_unit_test(test_plan_cost_matches_timing),
        cmocka_unit_test(test_peaks_cached),
        cmocka_unit_test(test_measure_gemm),
    };
    return fixture_run("analysis", tests, NULL, NULL);
}
