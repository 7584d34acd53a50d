/* Conv layer: every algorithm against the double-precision reference, problem
 * validation, and the plan API's argument and state checks. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */

#include "fixture.h"

#include "conv/choice.h"
#include "conv/algo.h"
#include "conv/gemm_stage.h"
#include "conv/tune.h"
#include "runtime/clblast_params.h"
#include "runtime/fft.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RANDOM_SEED 20261125u
#define RANDOM_PROBLEMS 60
#define TOLERANCE 1e-5

static clconv_context *ctx;

static int setup(void **state)
{
    (void)state;
    ctx = fixture_context();
    return ctx ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return clconv_context_destroy(ctx) == CLCONV_SUCCESS ? 0 : -1;
}

static int rnd(uint32_t *s, int lo, int hi)
{
    fixture_uniform(s);
    return lo + (int)(*s % (uint32_t)(hi - lo + 1));
}

/* The kernel shapes random problems take, row i of a covering array: kernel
 * height and width 1..5, stride 1..3 and dilation 1..2 each way, every value
 * of each and every pair of values of any two among the rows. Rows (a, b)
 * of the orthogonal array OA(25, 6, 5, 2) are (a, b, a+b, a+2b, a+3b, a+4b)
 * mod 5, and folding levels (mod 3 for strides, mod 2 for dilations) keeps
 * every pair. The direct kernel is compiled per shape (seconds each on
 * PoCL): 25 programs cover what about 60 random shapes did. */
#define SHAPES 25
static void covering_shape(int i, clconv_problem *p)
{
    const int a = i / 5 % 5, b = i % 5;
    p->kernel_h = a + 1;
    p->kernel_w = b + 1;
    p->stride_h = (a + b) % 5 % 3 + 1;
    p->stride_w = (a + 2 * b) % 5 % 3 + 1;
    p->dilation_h = (a + 3 * b) % 5 % 2 + 1;
    p->dilation_w = (a + 4 * b) % 5 % 2 + 1;
}

/* Small sizes (rusticl on llvmpipe is slow) around covering shape `shape`,
 * or any kernel shape of those ranges when negative (algorithms limited to
 * some shapes, winograd's 3x3 and 5x5 at stride 1, take none of the covering
 * rows), drawn until valid. */
static clconv_problem random_problem_shaped(uint32_t *s, int shape)
{
    for (;;) {
        clconv_problem p;
        clconv_problem_init(&p);
        p.batch = rnd(s, 1, 3);
        p.in_channels = rnd(s, 1, 7);
        p.out_channels = rnd(s, 1, 11);
        p.height = rnd(s, 1, 19);
        p.width = rnd(s, 1, 23);
        if (shape >= 0) {
            covering_shape(shape, &p);
        } else {
            p.kernel_h = rnd(s, 1, 5);
            p.kernel_w = rnd(s, 1, 5);
            p.stride_h = rnd(s, 1, 3);
            p.stride_w = rnd(s, 1, 3);
            p.dilation_h = rnd(s, 1, 2);
            p.dilation_w = rnd(s, 1, 2);
        }
        p.pad_h = rnd(s, 0, 2);
        p.pad_w = rnd(s, 0, 2);
        if (clconv_problem_validate(&p) == CLCONV_SUCCESS)
            return p;
    }
}

static clconv_problem random_problem(uint32_t *s)
{
    return random_problem_shaped(s, -1);
}

/* The depthwise form of p: groups = in_channels, out_channels a multiple
 * of it (p's when it is one). */
static clconv_problem depthwise_form(const clconv_problem *p)
{
    clconv_problem q = *p;
    if (q.out_channels % q.in_channels)
        q.out_channels = q.in_channels;
    q.groups = q.in_channels;
    return q;
}

/* p when algo takes it, else its depthwise form, else the next problem from
 * s that it takes (or its depthwise form): an algorithm limited to some
 * shapes (winograd: 3x3 and 5x5, stride 1; depthwise: groups = in_channels)
 * meets as many random problems as the others, with no test naming its
 * limits. */
static clconv_problem accepted(clconv_algo algo, const clconv_problem *p, uint32_t *s)
{
    clconv_problem q = *p;
    for (long tries = 0; clconv_algo_check(ctx, &q, algo) != CLCONV_SUCCESS; tries++) {
        const clconv_problem d = depthwise_form(&q);
        if (clconv_algo_check(ctx, &d, algo) == CLCONV_SUCCESS)
            return d;
        if (tries == 1000000)
            fail_msg("%s takes none of a million random problems", clconv_algo_name(algo));
        q = random_problem(s);
    }
    return q;
}

static void check_with(const clconv_problem *p, clconv_algo algo, const clconv_plan_options *opt,
                       int bias, uint32_t seed)
{
    double err = fixture_run_problem_with_options(ctx, p, algo, opt, bias, seed);
    if (!(err < TOLERANCE)) {
        char desc[160];
        fixture_describe(p, desc, sizeof desc);
        fail_msg("%s on %s, GEMM backend %s, FFT backend %s, bias %d, data seed %u: relative "
                 "L2 error %g >= %g",
                 clconv_algo_name(algo), desc,
                 clconv_gemm_backend_name(opt ? opt->gemm_backend : CLCONV_GEMM_BACKEND_DEFAULT),
                 clconv_fft_backend_name(opt ? opt->fft_backend : CLCONV_FFT_BACKEND_DEFAULT),
                 bias, seed, err, TOLERANCE);
    }
}

static void check(const clconv_problem *p, clconv_algo algo, int bias, uint32_t seed)
{
    check_with(p, algo, NULL, bias, seed);
}

/* Spectral algorithms bake new FFT kernels for every shape (seconds each on
 * PoCL), so the first spectral algorithm of the table takes the first
 * RANDOM_FFT problems and the others every 4th of those; the rest take them
 * all. */
#define RANDOM_FFT 30

static int runs_random(clconv_algo a, int i)
{
    if (!conv_algo_table[a]->spectral)
        return 1;
    int first = 1;
    for (int b = 0; b < (int)a; b++)
        first &= !conv_algo_table[b]->spectral;
    return i < RANDOM_FFT && (first || i % 4 == 0);
}

/* Problem i runs with GEMM backend i % CLCONV_GEMM_BACKEND_COUNT (the
 * default, then each named one in turn): every backend meets a third of the
 * problems, at no more runs than one backend would. The same, in turn with
 * every GEMM backend, for the FFT backends that take any plane size: the
 * default (clconv's DFT for small planes, else VkFFT, else clFFT), clFFT
 * and VkFFT; the DFT, limited to 16 x 16, meets the problems through the
 * default. */
static const clconv_fft_backend random_fft_backends[] = {
    CLCONV_FFT_BACKEND_DEFAULT, CLCONV_FFT_BACKEND_CLFFT, CLCONV_FFT_BACKEND_VKFFT};
static void test_random_problems(void **state)
{
    (void)state;
    uint32_t s = RANDOM_SEED;
    print_message("random problems from seed %u\n", RANDOM_SEED);
    uint32_t limited[CLCONV_ALGO_COUNT]; /* draws for algorithms that refuse p */
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++)
        limited[a] = RANDOM_SEED + 1000u * (uint32_t)(a + 1);
    for (int i = 0; i < RANDOM_PROBLEMS; i++) {
        clconv_problem p = random_problem_shaped(&s, i % SHAPES);
        clconv_plan_options opt = FIXTURE_OPTIONS(.gemm_backend = (clconv_gemm_backend)(i % CLCONV_GEMM_BACKEND_COUNT),
            .fft_backend =
                random_fft_backends[i / CLCONV_GEMM_BACKEND_COUNT %
                                    (int)(sizeof random_fft_backends /
                                          sizeof random_fft_backends[0])]);
        for (int a = 0; a < CLCONV_ALGO_COUNT; a++)
            if (runs_random((clconv_algo)a, i)) {
                clconv_problem q = accepted((clconv_algo)a, &p, &limited[a]);
                check_with(&q, (clconv_algo)a, &opt, i % 3 != 0, RANDOM_SEED + (uint32_t)i);
            }
    }
}

/* Every parameter point a tune may pick is right, not just the default:
 * for a random problem, each candidate the tunable kernels offer on this
 * device (the tuner's own list), given as params, against the reference;
 * plus points the candidate list does not reach (narrow vectors, odd tiles).
 * Each point is a compile (seconds on PoCL): one problem. */
#define TILE_PROBLEMS 1

/* The points of tunable t (with the GEMM backend it applies under) for
 * problem q of algorithm a: its candidates here, then extra ones. */
static void check_tunable_points(clconv_algo a, const conv_tunable *t, clconv_gemm_backend gemm,
                                 const clconv_problem *q, const char *const *points)
{
    conv_config cfg = {.problem = *q, .device = clconv_context_device(ctx), .gemm_backend = gemm};
    assert_ptr_equal(conv_tunable_for(conv_algo_table[a]->tunable, &cfg), t);
    int cand[64][CONV_MAX_PARAMS];
    int n = t->candidates(&cfg, cand, 64);
    assert_true(n >= 1);
    int n_points = 0;
    while (n_points < 4 && points[n_points])
        n_points++;
    for (int c = 0; c < n + n_points; c++) {
        char text[256];
        if (c < n)
            conv_params_text(t, cand[c], text, sizeof text);
        else
            snprintf(text, sizeof text, "%s", points[c - n]);
        clconv_plan_options opt = FIXTURE_OPTIONS(.params = text, .gemm_backend = gemm);
        double err = fixture_run_problem_with_options(ctx, q, a, &opt, c % 2,
                                                      RANDOM_SEED + (uint32_t)c);
        if (!(err < TOLERANCE)) {
            char desc[160];
            fixture_describe(q, desc, sizeof desc);
            fail_msg("%s with %s on %s: relative L2 error %g", clconv_algo_name(a), text, desc,
                     err);
        }
    }
}

static void test_tunable_candidates(void **state)
{
    (void)state;
    uint32_t s = RANDOM_SEED + 7u;
    /* points beyond the candidate lists, per tunable kernel (a GEMM
     * backend's name for a library's kernel, which has no file of ours) */
    static const struct {
        const char *kernel_file, *points[4];
    } extra[] = {
        {"direct/direct.cl",
         {"vec=1 ocv=3 pix=5 lx=0 ly=0", "vec=4 ocv=4 pix=1 lx=0 ly=0",
          "vec=1 ocv=3 pix=3 lx=4 ly=2", "vec=4 ocv=2 pix=2 lx=2 ly=4"}},
        {"gemm/sgemm.cl", {"vec=1 mr=3 nv=1 kc=4", "vec=4 mr=5 nv=3 kc=0", NULL, NULL}},
        /* a GPU's column per work-item, staged planes several a group, the
         * unstaged kernel's checked edges at the widest vector */
        {"depthwise/depthwise.cl",
         {"vec=1 rows=7 planes=1 stage=0", "vec=2 rows=3 planes=5 stage=1",
          "vec=16 rows=1 planes=2 stage=0", NULL}},
        /* tiles smaller than the candidates (down to one output a tile for a
         * 9-wide dilated kernel) and not a power of two, with the default
         * order and a backend named */
        {RT_PERFDB_EVERY_KERNEL, {"tile=9", "tile=10 fft=3", "tile=12 fft=1", NULL}},
        /* one panel in local memory, strided loads, narrow vectors */
        {"clblast",
         {"GEMMK=0 KREG=1 KWG=16 KWI=2 MDIMA=8 MDIMC=8 MWG=32 NDIMB=8 NDIMC=8 NWG=32 SA=1 SB=0 "
          "STRM=1 STRN=0 VWM=2 VWN=4",
          NULL, NULL, NULL}},
    };
    /* A GEMM tile is the backend's: clconv's is checked under every
     * algorithm, another backend's under the first algorithm with a GEMM
     * tile (its kernel is the same whichever algorithm calls it, and each
     * of CLBlast's sets is a compile of about 20 s on PoCL). A tunable that
     * is not a GEMM tile is checked under clconv's backend. */
    int space_checked[CLCONV_GEMM_BACKEND_COUNT] = {0};
    for (int i = 0; i < TILE_PROBLEMS; i++) {
        clconv_problem p = random_problem(&s);
        p.out_channels += 16; /* more than one channel vector */
        for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
            const conv_tunable *t = conv_algo_table[a]->tunable;
            if (!t)
                continue;
            uint32_t limited = RANDOM_SEED + 11u * (uint32_t)(a + 1);
            const clconv_problem q = accepted((clconv_algo)a, &p, &limited);
            for (int b = CLCONV_GEMM_BACKEND_CLCONV; b < CLCONV_GEMM_BACKEND_COUNT; b++) {
                const conv_config cfg = {.problem = q, .device = clconv_context_device(ctx),
                                         .gemm_backend = (clconv_gemm_backend)b};
                const conv_tunable *under = conv_tunable_for(t, &cfg);
                if (b != CLCONV_GEMM_BACKEND_CLCONV && (under == t || space_checked[b]))
                    continue;
                const char *file = under->kernel_file
                                       ? under->kernel_file
                                       : clconv_gemm_backend_name((clconv_gemm_backend)b);
                const char *const *points = NULL;
                for (size_t e = 0; e < sizeof extra / sizeof extra[0]; e++)
                    if (!strcmp(extra[e].kernel_file, file))
                        points = extra[e].points;
                assert_non_null(points); /* a new tunable kernel names its extra points here */
                check_tunable_points((clconv_algo)a, under, (clconv_gemm_backend)b, &q, points);
                space_checked[b] |= under != t;
            }
        }
    }
    for (int b = CLCONV_GEMM_BACKEND_CLCONV; b < CLCONV_GEMM_BACKEND_COUNT; b++)
        assert_true(space_checked[b]);
}

/* Cases the random draw might miss; each named for what it covers. */
static void test_edge_problems(void **state)
{
    (void)state;
    /* N, C, H, W, K, kh, kw, sh, sw, ph, pw, dh, dw */
    static const int cases[][13] = {
        {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1},     /* 1x1 everything */
        {2, 3, 7, 11, 5, 1, 1, 1, 1, 0, 0, 1, 1},    /* 1x1 kernel, batch 2 */
        {1, 1, 13, 17, 3, 3, 3, 1, 1, 0, 0, 1, 1},   /* C_in 1, prime sizes */
        {1, 4, 31, 37, 9, 3, 5, 2, 2, 1, 2, 1, 1},   /* non-square kernel, stride 2, padding */
        {1, 2, 29, 29, 4, 3, 3, 3, 3, 1, 1, 1, 1},   /* stride 3 */
        {3, 3, 16, 16, 8, 3, 3, 1, 1, 2, 2, 2, 2},   /* dilation 2, batch 3 */
        {1, 2, 5, 7, 3, 5, 7, 1, 1, 0, 0, 1, 1},     /* kernel equal to the input */
        {1, 2, 4, 4, 3, 3, 3, 1, 1, 3, 3, 1, 1},     /* padding wider than the kernel */
        {1, 3, 9, 67, 17, 2, 3, 1, 2, 0, 1, 3, 1},   /* wide rows, many vector blocks */
        {2, 5, 6, 40, 13, 3, 3, 1, 1, 1, 1, 1, 1},   /* C_out not a multiple of the tile */
        {1, 2, 1, 1, 3, 3, 3, 1, 1, 1, 1, 1, 1},     /* one output, all but one tap padding */
        {2, 3, 9, 10, 5, 5, 5, 1, 1, 2, 1, 1, 1},    /* 5x5, uneven padding, partial tiles */
        /* many work-items with a large register tile each: PoCL's own group
         * for direct overflowed its worker thread's stack (a crash) */
        {8, 1, 35, 31, 229, 15, 15, 1, 1, 7, 7, 1, 1},
    };
    int ran[CLCONV_ALGO_COUNT] = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const int *c = cases[i];
        clconv_problem p = FIXTURE_PROBLEM(c[0], c[1], c[2], c[3], c[4], c[5], c[6],
                            c[7], c[8], c[9], c[10], c[11], c[12]);
        assert_int_equal(clconv_problem_validate(&p), CLCONV_SUCCESS);
        for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
            /* an algorithm limited to some shapes refuses the others cleanly;
             * one that refuses dense problems gets the depthwise form */
            clconv_problem q = p;
            if (clconv_algo_check(ctx, &p, (clconv_algo)a) == CLCONV_ERR_UNSUPPORTED) {
                clconv_plan *plan = NULL;
                assert_int_equal(clconv_plan_create(ctx, &p, (clconv_algo)a, &plan),
                                 CLCONV_ERR_UNSUPPORTED);
                assert_null(plan);
                q = depthwise_form(&p);
                if (clconv_algo_check(ctx, &q, (clconv_algo)a) != CLCONV_SUCCESS)
                    continue;
            }
            check(&q, (clconv_algo)a, 1, 7u + (uint32_t)i);
            check(&q, (clconv_algo)a, 0, 11u + (uint32_t)i);
            ran[a]++;
        }
    }
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++)
        if (ran[a] < 4)
            fail_msg("%s took only %d of the edge problems", clconv_algo_name((clconv_algo)a),
                     ran[a]);
}

/* Padding per side: the reference against a hand-computed case, then every
 * algorithm against the reference on problems that pad one side more (or
 * less) than its opposite, each in its depthwise form where it takes only
 * that; the sizes and validation follow the four pads. */
static void test_asymmetric_padding(void **state)
{
    (void)state;
    /* input row 1 2 3, kernel 1x2 of (1, 10), padded 1 left and 2 right:
     * 0 1 2 3 0 0 -> 10, 21, 32, 3, 0 */
    clconv_problem row = FIXTURE_PROBLEM(1, 1, 1, 3, 1, 1, 2, 1, 1, 0, 1, 1, 1);
    row.pad_right = 2;
    assert_int_equal(clconv_problem_validate(&row), CLCONV_SUCCESS);
    assert_int_equal(clconv_problem_out_width(&row), 5);
    const float x[] = {1, 2, 3}, w[] = {1, 10}, want[] = {10, 21, 32, 3, 0};
    float y[5];
    assert_int_equal(clconv_reference_conv2d(&row, x, w, NULL, y), CLCONV_SUCCESS);
    for (int i = 0; i < 5; i++)
        assert_float_equal(y[i], want[i], 0.0f);
    int pads[4];
    clconv_problem_pads(&row, pads);
    assert_true(pads[0] == 0 && pads[1] == 0 && pads[2] == 1 && pads[3] == 2);

    clconv_problem bad = row;
    bad.pad_bottom = -2;
    assert_int_equal(clconv_problem_validate(&bad), CLCONV_ERR_INVALID_ARG);
    assert_non_null(strstr(clconv_last_error(NULL), "pad_bottom = -2"));

    /* N, C, H, W, K, kh, kw, sh, sw, top, bottom, left, right, dh */
    static const int cases[][14] = {
        {1, 3, 13, 12, 4, 3, 3, 1, 1, 0, 1, 0, 1, 1}, /* benchdnn's ih13oh12kh3ph0 */
        {2, 4, 9, 11, 5, 2, 2, 1, 1, 0, 1, 1, 0, 1},  /* "same" with an even kernel */
        {1, 2, 10, 9, 3, 3, 5, 2, 2, 2, 0, 1, 3, 1},  /* stride 2, wider on one side */
        {1, 3, 8, 8, 4, 3, 3, 1, 1, 1, 2, 2, 1, 2},   /* dilation 2 */
        {1, 4, 7, 10, 6, 5, 5, 1, 1, 1, 3, 2, 2, 1},  /* 5x5, 3 rows below */
    };
    int ran[CLCONV_ALGO_COUNT] = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const int *c = cases[i];
        clconv_problem p = FIXTURE_PROBLEM(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
                                           c[8], c[9], c[11], c[13], c[13]);
        p.pad_bottom = c[10];
        p.pad_right = c[12];
        assert_int_equal(clconv_problem_validate(&p), CLCONV_SUCCESS);
        const int span_h = (c[5] - 1) * c[13] + 1, span_w = (c[6] - 1) * c[13] + 1;
        assert_int_equal(clconv_problem_out_height(&p), (c[2] + c[9] + c[10] - span_h) / c[7] + 1);
        assert_int_equal(clconv_problem_out_width(&p), (c[3] + c[11] + c[12] - span_w) / c[8] + 1);
        for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
            /* spectral algorithms bake FFT kernels per shape (seconds each
             * on PoCL): the first two cases, a bottom and a right pad */
            if (conv_algo_table[a]->spectral && i >= 2)
                continue;
            clconv_problem q = p;
            if (clconv_algo_check(ctx, &q, (clconv_algo)a) != CLCONV_SUCCESS) {
                q = depthwise_form(&p);
                if (clconv_algo_check(ctx, &q, (clconv_algo)a) != CLCONV_SUCCESS)
                    continue;
            }
            check(&q, (clconv_algo)a, (int)(i % 2), 90u + (uint32_t)i);
            ran[a]++;
        }
    }
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++)
        if (ran[a] < 2)
            fail_msg("%s ran %d of the asymmetric problems", clconv_algo_name((clconv_algo)a),
                     ran[a]);
}

/* The reference itself against a hand-computed case, so an error shared by
 * reference and kernel cannot pass. 3x3 input 1..9, 2x2 kernel of ones,
 * stride 1: each output is the sum of a 2x2 window. */
static void test_reference_by_hand(void **state)
{
    (void)state;
    clconv_problem p;
    clconv_problem_init(&p);
    p.height = p.width = 3;
    p.kernel_h = p.kernel_w = 2;
    float in[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[4] = {1, 1, 1, 1}, bias = 0.5f, out[4];
    assert_int_equal(clconv_reference_conv2d(&p, in, w, &bias, out), CLCONV_SUCCESS);
    const float want[4] = {12.5f, 16.5f, 24.5f, 28.5f};
    for (int i = 0; i < 4; i++)
        assert_true(out[i] == want[i]);
    /* Cross-correlation, not convolution: an asymmetric kernel is not flipped. */
    float w2[4] = {1, 0, 0, 0};
    assert_int_equal(clconv_reference_conv2d(&p, in, w2, NULL, out), CLCONV_SUCCESS);
    const float want2[4] = {1, 2, 4, 5};
    for (int i = 0; i < 4; i++)
        assert_true(out[i] == want2[i]);
    /* Padding 1, stride 2, dilation 2, kernel {1,2,3,4}: out is 2x2 and each
     * output has one in-bounds tap, on the centre value 5:
     * (0,0) tap (kh1,kw1) 4*5; (0,1) (kh1,kw0) 3*5; (1,0) (kh0,kw1) 2*5; (1,1) 1*5. */
    p.pad_h = p.pad_w = 1;
    p.stride_h = p.stride_w = 2;
    p.dilation_h = p.dilation_w = 2;
    assert_int_equal(clconv_problem_out_height(&p), 2);
    assert_int_equal(clconv_problem_out_width(&p), 2);
    float w3[4] = {1, 2, 3, 4};
    assert_int_equal(clconv_reference_conv2d(&p, in, w3, NULL, out), CLCONV_SUCCESS);
    const float want3[4] = {20, 15, 10, 5};
    for (int i = 0; i < 4; i++)
        assert_true(out[i] == want3[i]);
}

/* The reference's fast loop (tap ranges computed, no test per pixel) against
 * the seven-loop textbook form written here, bit for bit: both add each
 * output's terms in the same order, so any difference is a wrong range. Pads
 * up to 4 put whole kernel columns outside the input. */
/* Groups by hand: two groups of one channel, 1x1 kernels, weights [4][1]:
 * outputs 0 and 1 read channel 0 only, outputs 2 and 3 channel 1 only (a
 * depth multiplier of 2), as PyTorch's conv2d with groups=2. */
static void test_grouped_reference_by_hand(void **state)
{
    (void)state;
    clconv_problem p = FIXTURE_PROBLEM(1, 2, 1, 2, 4, 1, 1, 1, 1, 0, 0, 1, 1, 2);
    assert_int_equal(clconv_problem_weight_elems(&p), 4);
    const float in[4] = {1, 2, 10, 20}, w[4] = {2, 3, 5, 7};
    float out[8];
    assert_int_equal(clconv_reference_conv2d(&p, in, w, NULL, out), CLCONV_SUCCESS);
    const float want[8] = {2, 4, 3, 6, 50, 100, 70, 140};
    for (int i = 0; i < 8; i++)
        if (out[i] != want[i])
            fail_msg("grouped reference: out[%d] = %g, want %g", i, out[i], want[i]);
    double flops, bytes;
    clconv_problem_cost(&p, 0, &flops, &bytes);
    assert_true(flops == 2.0 * 8);                /* a 1-long dot product per output */
    assert_true(bytes == 4.0 * (4 + 4 + 8));      /* input, 4 weights, output */
    /* groups 0 and 1 are the dense problem */
    for (int g = 0; g <= 1; g++) {
        clconv_problem q = FIXTURE_PROBLEM(1, 2, 1, 2, 4, 1, 1, 1, 1, 0, 0, 1, 1, g);
        assert_int_equal(clconv_problem_weight_elems(&q), 8);
    }
}

/* Grouped problems (random groups dividing random channel counts,
 * depthwise with multipliers 1 and 2, one channel per group) against the
 * reference on every algorithm that runs them; the others refuse them with
 * CLCONV_ERR_UNSUPPORTED naming the groups, never a wrong result. */
static void test_grouped_problems(void **state)
{
    (void)state;
    uint32_t s = 4242u;
    int ran = 0;
    for (int k = 0; k < 8; k++) {
        const int groups = 1 + rnd(&s, 1, 4), per_in = k % 4 == 0 ? 1 : rnd(&s, 1, 3);
        const int multiplier = k % 4 == 1 ? 2 : rnd(&s, 1, 3);
        clconv_problem p = FIXTURE_PROBLEM(rnd(&s, 1, 2), groups * per_in, rnd(&s, 5, 13),
                                           rnd(&s, 5, 17), groups * per_in * multiplier,
                                           rnd(&s, 1, 3), rnd(&s, 1, 3), rnd(&s, 1, 2),
                                           rnd(&s, 1, 2), rnd(&s, 0, 1), rnd(&s, 0, 1),
                                           rnd(&s, 1, 2), 1, groups);
        if (k % 4 == 2) /* depthwise */
            p.groups = p.in_channels, p.out_channels = p.in_channels * multiplier;
        if (clconv_problem_validate(&p) != CLCONV_SUCCESS)
            continue;
        char what[128];
        fixture_describe(&p, what, sizeof what);
        for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
            clconv_status st = clconv_algo_check(ctx, &p, (clconv_algo)a);
            if (!conv_algo_table[a]->groups) {
                if (st != CLCONV_ERR_UNSUPPORTED || !strstr(clconv_last_error(ctx), "groups"))
                    fail_msg("%s on %s g=%d: %s, wanted a refusal naming the groups",
                             conv_algo_table[a]->name, what, p.groups, clconv_last_error(ctx));
                continue;
            }
            if (st == CLCONV_ERR_UNSUPPORTED)
                continue;
            double err = fixture_run_problem(ctx, &p, (clconv_algo)a, k % 2, 70u + (uint32_t)k);
            if (!(err < TOLERANCE))
                fail_msg("%s on %s g=%d: relative error %g", conv_algo_table[a]->name, what,
                         p.groups, err);
            ran++;
        }
    }
    assert_true(ran >= 6); /* most draws are valid: a grouped algorithm ran them */
}

/* The depthwise entry against the reference on the shapes its kernel
 * specialises (3x3, 5x5, 7x7, stride 1 and 2, dilation, asymmetric
 * kernels), depth multipliers 1 to 3, one channel, rows narrower than a
 * vector and wider than several, batches, and grouped problems with a few
 * input channels a group (several groups a work-group, part of one): at
 * its default tile and at points that take the other code paths (the
 * unstaged kernel's checked edge tiles, several planes a work-group, each
 * vector width). It refuses dense problems and wider groups naming the
 * groups, with or without a device. */
static void test_depthwise_problems(void **state)
{
    (void)state;
    static const struct {
        int n, c, h, w, mult, kh, kw, sh, sw, ph, pw, dh, dw;
        const char *params; /* NULL: the default rule */
        int gi;             /* input channels a group; 0: 1, depthwise */
    } cases[] = {
        {2, 3, 9, 21, 2, 3, 3, 1, 1, 1, 1, 1, 1, NULL, 0},
        {1, 4, 7, 7, 1, 5, 5, 1, 1, 2, 2, 1, 1, NULL, 0},
        {1, 2, 12, 13, 1, 7, 7, 1, 1, 3, 3, 1, 1, NULL, 0},
        {1, 3, 11, 17, 1, 3, 3, 2, 2, 1, 1, 1, 1, NULL, 0},
        {2, 2, 10, 29, 3, 5, 5, 2, 2, 2, 2, 2, 2, NULL, 0},
        {1, 5, 5, 3, 1, 3, 3, 1, 1, 1, 1, 1, 1, NULL, 0},
        {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, NULL, 0},
        {1, 2, 6, 40, 1, 3, 1, 1, 2, 1, 0, 1, 1, NULL, 0},
        {2, 3, 9, 23, 2, 3, 3, 1, 1, 1, 1, 1, 1, "vec=4 rows=3 planes=2 stage=0", 0},
        {1, 2, 8, 37, 1, 5, 3, 2, 1, 2, 1, 1, 2, "vec=16 rows=2 planes=1 stage=0", 0},
        {3, 2, 11, 6, 1, 3, 3, 1, 1, 1, 1, 2, 1, "vec=2 rows=5 planes=3 stage=1", 0},
        {1, 3, 13, 35, 1, 7, 7, 2, 2, 3, 3, 1, 1, "vec=8 rows=1 planes=3 stage=1", 0},
        {1, 2, 9, 19, 2, 3, 3, 1, 1, 1, 1, 1, 1, "vec=1 rows=4 planes=1 stage=0", 0},
        /* grouped: c is the group count, gi the input channels a group */
        {2, 4, 8, 21, 2, 3, 3, 1, 1, 1, 1, 1, 1, NULL, 3},
        {1, 2, 9, 17, 4, 3, 3, 2, 1, 1, 1, 1, 1, "vec=4 rows=2 planes=8 stage=1 ocb=4", 8},
        {2, 3, 6, 11, 2, 3, 3, 1, 1, 1, 1, 1, 1, "vec=8 rows=3 planes=2 stage=1 ocb=2", 1},
        {1, 3, 7, 11, 4, 5, 5, 1, 1, 2, 2, 1, 1, "vec=8 rows=3 planes=2 stage=1", 2},
        {1, 2, 6, 9, 1, 3, 3, 1, 1, 1, 1, 1, 1, "vec=2 rows=4 planes=2 stage=0", 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const int gi = cases[i].gi ? cases[i].gi : 1;
        clconv_problem p = FIXTURE_PROBLEM(cases[i].n, cases[i].c * gi, cases[i].h, cases[i].w,
                                           cases[i].c * cases[i].mult, cases[i].kh, cases[i].kw,
                                           cases[i].sh, cases[i].sw, cases[i].ph, cases[i].pw,
                                           cases[i].dh, cases[i].dw, cases[i].c);
        const clconv_plan_options opt = FIXTURE_OPTIONS(.params = cases[i].params);
        double err = fixture_run_problem_with_options(ctx, &p, CLCONV_ALGO_DEPTHWISE, &opt,
                                                      (int)(i % 2), 90u + (uint32_t)i);
        char what[128];
        fixture_describe(&p, what, sizeof what);
        if (!(err < TOLERANCE))
            fail_msg("depthwise on %s (%s): relative error %g", what,
                     cases[i].params ? cases[i].params : "default", err);
    }
    /* dense, and 9 input channels a group */
    const clconv_problem refused[] = {FIXTURE_PROBLEM(1, 4, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1),
                                      FIXTURE_PROBLEM(1, 18, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 2)};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(clconv_algo_check(ctx, &refused[i], CLCONV_ALGO_DEPTHWISE),
                         CLCONV_ERR_UNSUPPORTED);
        assert_non_null(strstr(clconv_last_error(ctx), "groups"));
        clconv_cost cost; /* no device needed to know it */
        assert_int_equal(clconv_algo_cost(&refused[i], CLCONV_ALGO_DEPTHWISE, 1, &cost),
                         CLCONV_ERR_UNSUPPORTED);
        assert_non_null(strstr(clconv_last_error(NULL), "groups"));
    }
}

/* An epilogue with every field that matters to activation a set: alpha,
 * the parameters of clamp (lo < 0 < hi) and leaky_relu, and a residual
 * with beta when `residual`. */
static clconv_epilogue epilogue_for(clconv_activation a, int residual, float alpha)
{
    clconv_epilogue e;
    clconv_epilogue_init(&e);
    e.activation = a;
    e.alpha = alpha;
    e.residual = residual;
    e.beta = residual ? -0.75f : 1.0f;
    if (a == CLCONV_ACTIVATION_CLAMP)
        e.activation_params[0] = -0.5f, e.activation_params[1] = 1.25f;
    if (a == CLCONV_ACTIVATION_LEAKY_RELU)
        e.activation_params[0] = 0.125f;
    return e;
}

/* The epilogue in every algorithm's last stage, against the double
 * reference's own formulas (TOLERANCE: relative L2 <= 1e-5). Each
 * activation is compiled into a kernel, so the loops are spread: every
 * activation runs in im2col-gemm's small epilogue pass (alpha 3 spreads the
 * values past relu6's and hardswish's corners, the residual on every other
 * one), and each algorithm of the table runs three activations in turn,
 * with and without a residual and a bias, on a grouped problem where it
 * takes one (a depthwise one for depthwise). */
static void test_epilogue(void **state)
{
    (void)state;
    const clconv_problem base = FIXTURE_PROBLEM(2, 4, 9, 11, 6, 3, 3, 1, 1, 1, 1, 1, 1);
    for (int a = 0; a < CLCONV_ACTIVATION_COUNT; a++) {
        const clconv_epilogue e = epilogue_for((clconv_activation)a, a % 2, 3.0f);
        const clconv_plan_options opt = FIXTURE_OPTIONS(.epilogue = &e);
        check_with(&base, CLCONV_ALGO_IM2COL_GEMM, &opt, a % 3 != 0, 700u + (uint32_t)a);
    }
    const clconv_problem grouped = FIXTURE_PROBLEM(1, 4, 8, 10, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2);
    int turn = 0;
    for (int algo = 0; algo < CLCONV_ALGO_COUNT; algo++)
        for (int k = 0; k < 3; k++, turn++) {
            const clconv_activation a = (clconv_activation)((algo * 3 + k + 1) %
                                                            CLCONV_ACTIVATION_COUNT);
            const clconv_epilogue e = epilogue_for(a, k != 1, k == 2 ? 0.5f : 1.0f);
            const clconv_plan_options opt = FIXTURE_OPTIONS(.epilogue = &e);
            clconv_problem p = conv_algo_table[algo]->groups && k == 0 ? grouped : base;
            if (clconv_algo_check(ctx, &p, (clconv_algo)algo) != CLCONV_SUCCESS)
                p = depthwise_form(&p);
            check_with(&p, (clconv_algo)algo, &opt, turn % 2, 720u + (uint32_t)turn);
        }
}

/* relu and clamp keep a NaN (they select, not fmax): a 5 x 5 input with one
 * NaN through a 3 x 3 box filter of -1s, relu and clamp(-2, 0.5) after it:
 * the outputs whose window holds the NaN are NaN, the others relu's 0 and
 * clamp's lo (every input is 1, so every sum is negative). */
static void test_epilogue_keeps_nan(void **state)
{
    (void)state;
    const clconv_problem p = FIXTURE_PROBLEM(1, 1, 5, 5, 1, 3, 3, 1, 1, 1, 1, 1, 1);
    float in[25], w[9], out[25];
    for (int i = 0; i < 25; i++)
        in[i] = 1.0f;
    for (int i = 0; i < 9; i++)
        w[i] = -1.0f;
    in[2 * 5 + 3] = NAN; /* y 2, x 3 */
    cl_mem d_in = fixture_upload(ctx, in, 25), d_w = fixture_upload(ctx, w, 9);
    cl_mem d_out = fixture_upload(ctx, in, 25);
    const clconv_activation acts[] = {CLCONV_ACTIVATION_RELU, CLCONV_ACTIVATION_CLAMP};
    for (int a = 0; a < 2; a++) {
        clconv_epilogue e;
        clconv_epilogue_init(&e);
        e.activation = acts[a];
        e.activation_params[0] = -2.0f, e.activation_params[1] = 0.5f;
        const clconv_plan_options opt = FIXTURE_OPTIONS(.epilogue = &e);
        clconv_plan *plan = NULL;
        if (clconv_plan_create_with_options(ctx, &p, CLCONV_ALGO_DIRECT, &opt, &plan) ||
            clconv_plan_set_weights(plan, d_w, NULL) ||
            clconv_plan_execute(plan, d_in, d_out, NULL))
            fail_msg("%s: %s", clconv_activation_name(acts[a]), clconv_last_error(ctx));
        fixture_download(ctx, d_out, out, 25);
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 5; x++) {
                const float v = out[y * 5 + x], low = a ? -2.0f : 0.0f;
                const int reads_nan = y >= 1 && y <= 3 && x >= 2 && x <= 4;
                if (reads_nan ? !isnan(v) : v != low)
                    fail_msg("%s: output (%d, %d) = %g, expected %s",
                             clconv_activation_name(acts[a]), y, x, (double)v,
                             reads_nan ? "NaN" : a ? "-2" : "0");
            }
        clconv_plan_destroy(plan);
    }
    clReleaseMemObject(d_in), clReleaseMemObject(d_w), clReleaseMemObject(d_out);
}

/* Bad epilogues and residuals are refused naming the field, and nothing
 * runs. */
static void test_epilogue_argument_checks(void **state)
{
    (void)state;
    const clconv_problem p = FIXTURE_PROBLEM(1, 2, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1);
    static const struct {
        clconv_activation a;
        float alpha, beta, p0, p1;
        int residual;
        const char *names;
    } bad[] = {
        {CLCONV_ACTIVATION_LEAKY_RELU, 1, 1, NAN, 0, 0, "activation_params[0]"},
        {CLCONV_ACTIVATION_CLAMP, 1, 1, 2, 1, 0, "lo must not exceed hi"},
        {CLCONV_ACTIVATION_CLAMP, 1, 1, 0, INFINITY, 0, "activation_params[1]"},
        {CLCONV_ACTIVATION_RELU, NAN, 1, 0, 0, 0, "epilogue.alpha"},
        {CLCONV_ACTIVATION_RELU, 1, INFINITY, 0, 0, 1, "epilogue.beta"},
        {CLCONV_ACTIVATION_RELU, 1, 1, 0, 0, 2, "epilogue.residual"},
        {CLCONV_ACTIVATION_COUNT, 1, 1, 0, 0, 0, "epilogue.activation"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        clconv_epilogue e;
        clconv_epilogue_init(&e);
        e.activation = bad[i].a, e.alpha = bad[i].alpha, e.beta = bad[i].beta;
        e.activation_params[0] = bad[i].p0, e.activation_params[1] = bad[i].p1;
        e.residual = bad[i].residual;
        assert_int_equal(clconv_epilogue_validate(&e), CLCONV_ERR_INVALID_ARG);
        if (!strstr(clconv_last_error(NULL), bad[i].names))
            fail_msg("case %zu: \"%s\" does not name %s", i, clconv_last_error(NULL),
                     bad[i].names);
        const clconv_plan_options opt = FIXTURE_OPTIONS(.epilogue = &e);
        clconv_plan *plan = (clconv_plan *)&e;
        assert_int_equal(clconv_plan_create_with_options(ctx, &p, CLCONV_ALGO_DIRECT, &opt, &plan),
                         CLCONV_ERR_INVALID_ARG);
        assert_null(plan);
        assert_non_null(strstr(clconv_last_error(ctx), bad[i].names));
    }
    /* what changes nothing: beta without a residual, NULL */
    clconv_epilogue same;
    clconv_epilogue_init(&same);
    same.beta = 3.0f;
    assert_int_equal(clconv_epilogue_is_identity(&same), 1);
    assert_int_equal(clconv_epilogue_is_identity(NULL), 1);
    same.alpha = 2.0f;
    assert_int_equal(clconv_epilogue_is_identity(&same), 0);
    clconv_activation a;
    assert_int_equal(clconv_activation_from_name("swish", &a), CLCONV_ERR_INVALID_ARG);
    assert_non_null(strstr(clconv_last_error(NULL), "hardswish")); /* lists the names */
    for (int i = 0; i < CLCONV_ACTIVATION_COUNT; i++) {
        assert_int_equal(clconv_activation_from_name(clconv_activation_name(i), &a), 0);
        assert_int_equal(a, i);
    }

    /* a residual: required by a plan with one, refused by one without, of
     * the output's size, not the output */
    clconv_epilogue e;
    clconv_epilogue_init(&e);
    e.residual = 1;
    const clconv_plan_options opt = FIXTURE_OPTIONS(.epilogue = &e);
    const size_t ni = clconv_problem_input_elems(&p), no = clconv_problem_output_elems(&p);
    float *host = calloc(ni + no + 64, sizeof *host);
    assert_non_null(host);
    cl_mem in = fixture_upload(ctx, host, ni), out = fixture_upload(ctx, host, no);
    cl_mem w = fixture_upload(ctx, host, clconv_problem_weight_elems(&p));
    cl_mem z = fixture_upload(ctx, host, no), small = fixture_upload(ctx, host, no - 1);
    clconv_plan *with = NULL, *without = NULL;
    assert_int_equal(clconv_plan_create_with_options(ctx, &p, CLCONV_ALGO_DIRECT, &opt, &with), 0);
    assert_int_equal(clconv_plan_create(ctx, &p, CLCONV_ALGO_DIRECT, &without), 0);
    assert_int_equal(clconv_plan_set_weights(with, w, NULL), 0);
    assert_int_equal(clconv_plan_set_weights(without, w, NULL), 0);
    assert_int_equal(clconv_plan_epilogue(with).residual, 1);
    assert_int_equal(clconv_plan_epilogue(without).residual, 0);
    const struct {
        clconv_plan *plan;
        cl_mem z, out;
        const char *names;
    } calls[] = {
        {with, NULL, out, "residual is NULL"},
        {without, z, out, "residual given"},
        {with, small, out, "residual"},
        {with, out, out, "overlaps the residual"},
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        assert_int_equal(clconv_plan_execute_residual(calls[i].plan, in, calls[i].z, calls[i].out,
                                                      NULL),
                         CLCONV_ERR_INVALID_ARG);
        if (!strstr(clconv_last_error(ctx), calls[i].names))
            fail_msg("call %zu: \"%s\" does not name %s", i, clconv_last_error(ctx),
                     calls[i].names);
    }
    assert_int_equal(clconv_plan_execute(with, in, out, NULL), CLCONV_ERR_INVALID_ARG);
    cl_event done = NULL;
    assert_int_equal(clconv_plan_enqueue_residual(with, in, z, out, 0, NULL, &done), 0);
    assert_int_equal(clWaitForEvents(1, &done), CL_SUCCESS);
    clReleaseEvent(done);
    clconv_plan_destroy(with);
    clconv_plan_destroy(without);
    cl_mem bufs[] = {in, out, w, z, small};
    for (size_t i = 0; i < 5; i++)
        clReleaseMemObject(bufs[i]);
    free(host);
}

static void test_reference_is_textbook(void **state)
{
    (void)state;
    uint32_t s = RANDOM_SEED + 7u;
    for (int t = 0; t < 40; t++) {
        clconv_problem p = random_problem(&s);
        p.pad_h = rnd(&s, 0, 4);
        p.pad_w = rnd(&s, 0, 4);
        if (clconv_problem_validate(&p) != CLCONV_SUCCESS)
            continue;
        size_t ni = clconv_problem_input_elems(&p), nw = clconv_problem_weight_elems(&p);
        size_t no = clconv_problem_output_elems(&p);
        float *in = malloc(ni * sizeof *in), *w = malloc(nw * sizeof *w);
        float *bias = malloc((size_t)p.out_channels * sizeof *bias);
        float *out = malloc(no * sizeof *out);
        assert_non_null(in), assert_non_null(w), assert_non_null(bias), assert_non_null(out);
        for (size_t i = 0; i < ni; i++)
            in[i] = fixture_uniform(&s);
        for (size_t i = 0; i < nw; i++)
            w[i] = fixture_uniform(&s);
        for (int i = 0; i < p.out_channels; i++)
            bias[i] = fixture_uniform(&s);
        assert_int_equal(clconv_reference_conv2d(&p, in, w, bias, out), CLCONV_SUCCESS);
        const int oh_n = clconv_problem_out_height(&p), ow_n = clconv_problem_out_width(&p);
        size_t idx = 0;
        for (int n = 0; n < p.batch; n++)
            for (int o = 0; o < p.out_channels; o++)
                for (int y = 0; y < oh_n; y++)
                    for (int x = 0; x < ow_n; x++, idx++) {
                        double acc = bias[o];
                        for (int c = 0; c < p.in_channels; c++)
                            for (int kh = 0; kh < p.kernel_h; kh++)
                                for (int kw = 0; kw < p.kernel_w; kw++) {
                                    int iy = y * p.stride_h - p.pad_h + kh * p.dilation_h;
                                    int ix = x * p.stride_w - p.pad_w + kw * p.dilation_w;
                                    if (iy < 0 || iy >= p.height || ix < 0 || ix >= p.width)
                                        continue;
                                    acc += (double)in[((size_t)(n * p.in_channels + c) *
                                                       p.height + iy) * p.width + ix] *
                                           (double)w[((size_t)(o * p.in_channels + c) *
                                                      p.kernel_h + kh) * p.kernel_w + kw];
                                }
                        if (out[idx] != (float)acc)
                            fail_msg("problem %d, output %zu: %.9g, textbook %.9g", t, idx,
                                     (double)out[idx], acc);
                    }
        free(in), free(w), free(bias), free(out);
    }
}

static void expect_invalid(clconv_problem p, const char *field)
{
    assert_int_equal(clconv_problem_validate(&p), CLCONV_ERR_INVALID_ARG);
    const char *msg = clconv_last_error(NULL);
    if (!strstr(msg, field))
        fail_msg("message \"%s\" does not name \"%s\"", msg, field);
    /* plan_create refuses it too, with the same message on the context */
    clconv_plan *plan = (clconv_plan *)0x1;
    assert_int_equal(clconv_plan_create(ctx, &p, CLCONV_ALGO_DIRECT, &plan),
                     CLCONV_ERR_INVALID_ARG);
    assert_null(plan);
    assert_non_null(strstr(clconv_last_error(ctx), field));
}

static void test_validation(void **state)
{
    (void)state;
    const clconv_problem ok = FIXTURE_PROBLEM(1, 3, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1);
    assert_int_equal(clconv_problem_validate(&ok), CLCONV_SUCCESS);
    clconv_problem p;
#define BAD(field, value, name) p = ok; p.field = value; expect_invalid(p, name)
    BAD(batch, 0, "batch = 0");
    BAD(batch, -3, "batch = -3");
    BAD(in_channels, 0, "in_channels = 0");
    BAD(height, -1, "height = -1");
    BAD(width, 0, "width = 0");
    BAD(out_channels, 0, "out_channels = 0");
    BAD(kernel_h, 0, "kernel_h = 0");
    BAD(kernel_w, -2, "kernel_w = -2");
    BAD(stride_h, 0, "stride_h = 0");
    BAD(stride_w, 0, "stride_w = 0");
    BAD(dilation_h, 0, "dilation_h = 0");
    BAD(dilation_w, 0, "dilation_w = 0");
    BAD(pad_h, -1, "pad_h = -1");
    BAD(pad_w, -1, "pad_w = -1");
    BAD(groups, -1, "groups = -1");
    BAD(groups, 2, "groups = 2: in_channels (3) and out_channels (4) must both be multiples");
    BAD(groups, 4, "groups = 4: in_channels (3)");
    /* a dilated kernel larger than the padded input */
    BAD(kernel_h, 11, "kernel_h = 11");
    BAD(dilation_w, 5, "kernel_w = 3 with dilation_w = 5");
    BAD(pad_h, 2000000000, "exceeds");
    BAD(in_channels, 100000000, "in_channels 100000000 x kernel 3 x 3");
    /* the size functions answer 0 for an invalid problem instead of dividing by 0 */
    p = ok;
    p.stride_h = 0;
    assert_int_equal(clconv_problem_out_height(&p), 0);
    assert_int_equal(clconv_problem_output_elems(&p), 0);
    p = ok;
    p.batch = -2;
    assert_int_equal(clconv_problem_input_elems(&p), 0);
    /* sizes whose products leave int range for kernel indexes, or whose
     * FLOP count overflows size_t (on 64-bit the int limits come first; the
     * byte-count checks guard 32-bit size_t) */
    p = ok;
    p.batch = p.in_channels = 100000;
    expect_invalid(p, "batch x channels = 10000000000");
    p = ok;
    p.batch = p.in_channels = p.out_channels = 20000;
    p.height = p.width = 20000;
    p.kernel_h = p.kernel_w = 1;
    p.pad_h = p.pad_w = 0;
    expect_invalid(p, "FLOP count overflows");
#undef BAD
}

static void test_plan_argument_checks(void **state)
{
    (void)state;
    clconv_problem p = FIXTURE_PROBLEM(1, 2, 6, 6, 3, 3, 3, 1, 1, 0, 0, 1, 1);
    size_t ni = clconv_problem_input_elems(&p), nw = clconv_problem_weight_elems(&p);
    size_t no = clconv_problem_output_elems(&p);
    float host[128];
    uint32_t s = 5;
    fixture_fill(host, 128, &s);
    cl_mem in = fixture_upload(ctx, host, ni), w = fixture_upload(ctx, host, nw);
    cl_mem small = fixture_upload(ctx, host, 2), out = fixture_output(ctx, no);
    clconv_plan *plan;
    assert_int_equal(clconv_plan_create(ctx, &p, CLCONV_ALGO_DIRECT, &plan), CLCONV_SUCCESS);
    assert_int_equal(clconv_plan_execute(plan, in, out, NULL), CLCONV_ERR_STATE);
    assert_non_null(strstr(clconv_last_error(ctx), "set_weights"));
    assert_int_equal(clconv_plan_set_weights(plan, small, NULL), CLCONV_ERR_INVALID_ARG);
    assert_non_null(strstr(clconv_last_error(ctx), "weights buffer has 8 bytes"));
    assert_int_equal(clconv_plan_set_weights(plan, w, small), CLCONV_ERR_INVALID_ARG);
    assert_non_null(strstr(clconv_last_error(ctx), "bias buffer"));
    assert_int_equal(clconv_plan_set_weights(plan, NULL, NULL), CLCONV_ERR_INVALID_ARG);
    assert_int_equal(clconv_plan_set_weights(plan, w, NULL), CLCONV_SUCCESS);
    assert_int_equal(clconv_plan_execute(plan, small, out, NULL), CLCONV_ERR_INVALID_ARG);
    assert_non_null(strstr(clconv_last_error(ctx), "input buffer"));
    assert_int_equal(clconv_plan_execute(plan, in, small, NULL), CLCONV_ERR_INVALID_ARG);
    assert_non_null(strstr(clconv_last_error(ctx), "output buffer"));
    assert_int_equal(clconv_plan_execute(plan, in, in, NULL), CLCONV_ERR_INVALID_ARG);
    assert_non_null(strstr(clconv_last_error(ctx), "overlaps the input"));
    assert_int_equal(clconv_plan_execute(plan, in, w, NULL), CLCONV_ERR_INVALID_ARG);
    assert_non_null(strstr(clconv_last_error(ctx), "overlaps the weights"));
    /* two sub-buffers of one allocation that share bytes */
    cl_int err;
    size_t total = (ni + no) * sizeof(float);
    cl_mem parent = clCreateBuffer(clconv_context_cl_context(ctx), CL_MEM_READ_WRITE, total, NULL,
                                   &err);
    assert_int_equal(err, CL_SUCCESS);
    cl_buffer_region r_in = {0, ni * sizeof(float)}, r_out = {0, no * sizeof(float)};
    cl_mem sub_in = clCreateSubBuffer(parent, 0, CL_BUFFER_CREATE_TYPE_REGION, &r_in, &err);
    assert_int_equal(err, CL_SUCCESS);
    cl_mem sub_out = clCreateSubBuffer(parent, 0, CL_BUFFER_CREATE_TYPE_REGION, &r_out, &err);
    assert_int_equal(err, CL_SUCCESS);
    assert_int_equal(clconv_plan_execute(plan, sub_in, sub_out, NULL), CLCONV_ERR_INVALID_ARG);
    clReleaseMemObject(sub_in);
    clReleaseMemObject(sub_out);
    clReleaseMemObject(parent);
    clconv_timing t;
    assert_int_equal(clconv_plan_execute(plan, in, out, &t), CLCONV_SUCCESS);
    assert_int_equal(t.stage_count, 1);
    assert_string_equal(t.stages[0].name, "conv");
    if (clconv_context_device_timing(ctx))
        assert_true(t.device_ms > 0 && t.stages[0].ms > 0);
    else
        assert_true(t.device_ms < 0 && t.stages[0].ms < 0);
    /* a context with a live plan refuses to go */
    assert_int_equal(clconv_context_destroy(ctx), CLCONV_ERR_BUSY);
    clconv_plan_destroy(plan);
    clconv_plan_destroy(NULL);
    cl_mem all[] = {in, w, small, out};
    for (int i = 0; i < 4; i++)
        clReleaseMemObject(all[i]);
    assert_int_equal(clconv_algo_check(ctx, &p, (clconv_algo)99), CLCONV_ERR_INVALID_ARG);
    clconv_algo a;
    assert_int_equal(clconv_algo_from_name("direct", &a), CLCONV_SUCCESS);
    assert_int_equal(a, CLCONV_ALGO_DIRECT);
    assert_int_equal(clconv_algo_from_name("winograd-ish", &a), CLCONV_ERR_INVALID_ARG);
}

/* The error measure every accuracy test relies on, by hand: ||(0,0,-1)|| /
 * ||(1,2,3)|| = 1/sqrt(14); an all-zero reference gives ||out||; NaN in
 * either gives NaN (so a NaN output can never pass a tolerance). */
static void test_rel_l2_error(void **state)
{
    (void)state;
    const float out[] = {1, 2, 2}, ref[] = {1, 2, 3}, zero[] = {0, 0}, four[] = {3, 4};
    assert_true(fabs(clconv_rel_l2_error(out, ref, 3) - 1.0 / sqrt(14.0)) < 1e-15);
    assert_true(clconv_rel_l2_error(ref, ref, 3) == 0.0);
    assert_true(clconv_rel_l2_error(four, zero, 2) == 5.0);
    const float nan_out[] = {1, NAN, 3};
    assert_true(isnan(clconv_rel_l2_error(nan_out, ref, 3)));
    assert_true(isnan(clconv_rel_l2_error(ref, nan_out, 3)));
}

/* The algorithm table is complete and consistent: every enum value has an
 * entry with a unique name that round-trips through the public API, a
 * summary, named stages and every function; the FFT backends likewise. */
static void test_algorithm_table(void **state)
{
    (void)state;
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
        const conv_algo_ops *ops = conv_algo_table[a];
        assert_non_null(ops);
        assert_non_null(ops->name);
        assert_non_null(ops->summary);
        assert_string_equal(clconv_algo_name((clconv_algo)a), ops->name);
        clconv_algo back;
        assert_int_equal(clconv_algo_from_name(ops->name, &back), CLCONV_SUCCESS);
        assert_int_equal(back, a);
        assert_true(ops->stage_count >= 1 && ops->stage_count <= CLCONV_MAX_STAGES);
        for (int st = 0; st < ops->stage_count; st++)
            assert_non_null(ops->stage_names[st]);
        assert_true(ops->check && ops->workspace && ops->cost && ops->create &&
                    ops->set_weights && ops->execute && ops->destroy);
        for (int b = 0; b < a; b++)
            assert_true(strcmp(conv_algo_table[b]->name, ops->name) != 0);
    }
    assert_null(clconv_algo_name(CLCONV_ALGO_COUNT));
    for (int b = 0; b < CLCONV_FFT_BACKEND_COUNT; b++) {
        const char *name = clconv_fft_backend_name((clconv_fft_backend)b);
        clconv_fft_backend back;
        assert_non_null(name);
        assert_int_equal(clconv_fft_backend_from_name(name, &back), CLCONV_SUCCESS);
        assert_int_equal(back, b);
        /* every value but DEFAULT (resolved per plan) names a backend */
        assert_true((rt_fft_backend_get((clconv_fft_backend)b) != NULL) ==
                    (b != CLCONV_FFT_BACKEND_DEFAULT));
    }
    clconv_fft_backend back;
    assert_int_equal(clconv_fft_backend_from_name("fftw", &back), CLCONV_ERR_INVALID_ARG);
    /* an out-of-range backend is refused by name, not used */
    clconv_problem p = FIXTURE_PROBLEM(1, 2, 8, 8, 2, 3, 3, 1, 1, 0, 0, 1, 1);
    clconv_plan_options opt = FIXTURE_OPTIONS(.fft_backend = CLCONV_FFT_BACKEND_COUNT);
    clconv_plan *plan = NULL;
    assert_int_equal(clconv_plan_create_with_options(ctx, &p, CLCONV_ALGO_FFT, &opt, &plan),
                     CLCONV_ERR_INVALID_ARG);
    assert_null(plan);
    assert_non_null(strstr(clconv_last_error(ctx), "fft_backend"));

    for (int b = 0; b < CLCONV_GEMM_BACKEND_COUNT; b++) {
        const char *name = clconv_gemm_backend_name((clconv_gemm_backend)b);
        clconv_gemm_backend gb;
        assert_non_null(name);
        assert_int_equal(clconv_gemm_backend_from_name(name, &gb), CLCONV_SUCCESS);
        assert_int_equal(gb, b);
        clconv_gemm_backend resolved;
        const rt_gemm_backend *be = rt_gemm_backend_get((clconv_gemm_backend)b,
                                                        clconv_context_device(ctx), &resolved);
        assert_non_null(be);
        assert_non_null(be->sgemm);
        assert_true(resolved != CLCONV_GEMM_BACKEND_DEFAULT);
        assert_string_equal(be->name, clconv_gemm_backend_name(resolved));
        /* fft-cgemm always finds a complex GEMM */
        assert_non_null(rt_cgemm_backend_get((clconv_gemm_backend)b, clconv_context_device(ctx),
                                             NULL)->cgemm);
    }
    assert_string_equal(clconv_gemm_backend_name(CLCONV_GEMM_BACKEND_CLCONV), "clconv");
    assert_string_equal(clconv_gemm_backend_name(CLCONV_GEMM_BACKEND_CLBLAST), "clblast");
    assert_null(clconv_gemm_backend_name(CLCONV_GEMM_BACKEND_COUNT));
    clconv_gemm_backend gb;
    assert_int_equal(clconv_gemm_backend_from_name("cublas", &gb), CLCONV_ERR_INVALID_ARG);
    assert_non_null(strstr(clconv_last_error(NULL), "unknown GEMM backend \"cublas\""));
    assert_non_null(strstr(clconv_last_error(NULL), "clconv, clblast"));
    opt.fft_backend = CLCONV_FFT_BACKEND_DEFAULT;
    opt.gemm_backend = (clconv_gemm_backend)-1;
    assert_int_equal(clconv_plan_create_with_options(ctx, &p, CLCONV_ALGO_IM2COL_GEMM, &opt, &plan),
                     CLCONV_ERR_INVALID_ARG);
    assert_null(plan);
    assert_non_null(strstr(clconv_last_error(ctx), "gemm_backend = -1"));
}

/* Each FFT backend, chosen by the plan option, gives the reference's result,
 * and leaves the caller's locale as it was (VkFFT switches it to "C" while it
 * writes its kernels' source), under a locale other than "C" where the
 * system has one. */
static void test_fft_backends(void **state)
{
    (void)state;
    const char *wanted = setlocale(LC_ALL, "C.UTF-8");
    char before[64];
    snprintf(before, sizeof before, "%s", setlocale(LC_ALL, NULL));
    if (!wanted)
        print_message("no C.UTF-8 locale: checking under \"%s\"\n", before);
    clconv_problem p = FIXTURE_PROBLEM(2, 3, 11, 13, 4, 3, 2, 1, 2, 1, 0, 1, 1);
    for (int b = 0; b < CLCONV_FFT_BACKEND_COUNT; b++)
        for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
            if (!conv_algo_table[a]->spectral)
                continue;
            clconv_plan_options opt = FIXTURE_OPTIONS(.fft_backend = (clconv_fft_backend)b);
            double err = fixture_run_problem_with_options(ctx, &p, (clconv_algo)a, &opt, 1, 5);
            if (!(err < TOLERANCE))
                fail_msg("%s with FFT backend %s: relative L2 error %g", clconv_algo_name(a),
                         clconv_fft_backend_name((clconv_fft_backend)b), err);
            if (strcmp(setlocale(LC_ALL, NULL), before) != 0)
                fail_msg("%s with FFT backend %s: the locale is \"%s\", was \"%s\"",
                         clconv_algo_name(a), clconv_fft_backend_name((clconv_fft_backend)b),
                         setlocale(LC_ALL, NULL), before);
        }
    setlocale(LC_ALL, "C");
}

/* The FFT tile's second parameter (what --tune picks) makes a plan that
 * asked for the default backend run the backend it numbers, with a right
 * result; a plan that asked for a backend keeps its own. The parameter's
 * help numbers the backends as clconv_fft_backend does. */
static void test_fft_backend_parameter(void **state)
{
    (void)state;
    clconv_problem p = FIXTURE_PROBLEM(1, 3, 20, 22, 5, 3, 3, 1, 1, 1, 1, 1, 1); /* 2 x 3 tiles of 12 */
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
        const conv_tunable *t = conv_algo_table[a]->tunable;
        if (!conv_algo_table[a]->spectral)
            continue;
        for (int b = 1; b < CLCONV_FFT_BACKEND_COUNT; b++) {
            const char *name = clconv_fft_backend_name((clconv_fft_backend)b);
            char want[64], params[64], values[512];
            conv_config cfg = {.problem = p, .device = clconv_context_device(ctx)};
            t->valid_values(&cfg, values, sizeof values);
            snprintf(want, sizeof want, "%d %s", b, name);
            if (!strstr(values, want))
                fail_msg("%s: the params help does not say \"%s\": %s", clconv_algo_name(a),
                         want, values);
            snprintf(params, sizeof params, "tile=12 fft=%d", b);
            for (int pinned = 0; pinned < 2; pinned++) {
                /* pinned: the plan asks for the backend after b (the parameter is ignored) */
                clconv_fft_backend own =
                    pinned ? (clconv_fft_backend)(b % (CLCONV_FFT_BACKEND_COUNT - 1) + 1)
                           : CLCONV_FFT_BACKEND_DEFAULT;
                clconv_plan_options opt = FIXTURE_OPTIONS(.params = params, .fft_backend = own);
                clconv_plan *plan;
                if (clconv_plan_create_with_options(ctx, &p, (clconv_algo)a, &opt, &plan))
                    fail_msg("%s with %s: %s", clconv_algo_name(a), params, clconv_last_error(ctx));
                const char *runs = clconv_plan_fft_backend(plan);
                const char *expected = pinned ? clconv_fft_backend_name(own) : name;
                clconv_plan_destroy(plan);
                if (strcmp(runs, expected) != 0)
                    fail_msg("%s with %s and FFT backend %s runs %s", clconv_algo_name(a), params,
                             clconv_fft_backend_name(own), runs);
                double err = fixture_run_problem_with_options(ctx, &p, (clconv_algo)a, &opt, 1, 9);
                if (!(err < TOLERANCE))
                    fail_msg("%s with %s: relative L2 error %g", clconv_algo_name(a), params, err);
            }
        }
    }
}

/* Runs p with algo and a workspace limit; returns the output (caller frees). */
static float *run_output(const clconv_problem *p, clconv_algo algo, size_t limit,
                         size_t *workspace, const cl_mem *bufs)
{
    size_t no = clconv_problem_output_elems(p);
    cl_mem out = fixture_output(ctx, no);
    clconv_plan_options opt = FIXTURE_OPTIONS(.workspace_limit_bytes = limit);
    clconv_plan *plan;
    clconv_status st;
    if ((st = clconv_plan_create_with_options(ctx, p, algo, &opt, &plan)) ||
        (st = clconv_plan_set_weights(plan, bufs[1], bufs[2])) ||
        (st = clconv_plan_execute(plan, bufs[0], out, NULL)))
        fail_msg("limit %zu: %s", limit, clconv_last_error(ctx));
    *workspace = clconv_plan_workspace_bytes(plan);
    float *host = malloc(no * sizeof *host);
    assert_non_null(host);
    fixture_download(ctx, out, host, no);
    clconv_plan_destroy(plan);
    clReleaseMemObject(out);
    return host;
}

/* Every algorithm under a small workspace limit either keeps it (and the
 * result is right) or refuses in clconv_algo_check, naming the limit, as the
 * header promises: the FFT algorithms refuse, those that chunk (the table's
 * `chunks`) never do. */
static void test_small_workspace_limit(void **state)
{
    (void)state;
    const clconv_problem dense = FIXTURE_PROBLEM(2, 3, 10, 12, 4, 3, 3, 1, 1, 1, 1, 1, 1);
    const size_t limit = 4096;
    clconv_plan_options opt = FIXTURE_OPTIONS(.workspace_limit_bytes = limit);
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
        const char *name = clconv_algo_name((clconv_algo)a);
        const clconv_problem q = fixture_problem_for(ctx, (clconv_algo)a, &dense);
        const clconv_problem *p = &q;
        clconv_status st = clconv_algo_check_with_options(ctx, p, (clconv_algo)a, &opt);
        if (st) {
            if (st != CLCONV_ERR_UNSUPPORTED || !strstr(clconv_last_error(ctx), "workspace limit"))
                fail_msg("%s: %s: %s", name, clconv_status_string(st), clconv_last_error(ctx));
            if (conv_algo_table[a]->chunks)
                fail_msg("%s chunks, yet refuses a %zu-byte workspace limit: %s", name, limit,
                         clconv_last_error(ctx));
            clconv_plan *plan = NULL;
            assert_int_equal(clconv_plan_create_with_options(ctx, p, (clconv_algo)a, &opt, &plan),
                             CLCONV_ERR_UNSUPPORTED);
            assert_null(plan);
            continue;
        }
        size_t predicted = 0;
        assert_int_equal(clconv_algo_workspace_bytes(ctx, p, (clconv_algo)a, &opt, &predicted),
                         CLCONV_SUCCESS);
        double err = fixture_run_problem_with_options(ctx, p, (clconv_algo)a, &opt, 1, 17);
        if (!(err < TOLERANCE))
            fail_msg("%s under a %zu-byte workspace limit: relative L2 error %g", name, limit,
                     err);
        clconv_plan *plan = NULL;
        assert_int_equal(clconv_plan_create_with_options(ctx, p, (clconv_algo)a, &opt, &plan),
                         CLCONV_SUCCESS);
        /* as predicted, but for an FFT backend's own scratch */
        size_t used = clconv_plan_workspace_bytes(plan);
        assert_true(used == predicted || (conv_algo_table[a]->spectral && used > predicted));
        clconv_plan_destroy(plan);
    }
}

/* A tiny workspace limit forces chunks of images, then pixel ranges of one
 * image; every chunking gives the unchunked result, bit for bit close. */
static void test_im2col_chunks(void **state)
{
    (void)state;
    clconv_problem p = FIXTURE_PROBLEM(3, 4, 11, 13, 5, 3, 2, 2, 1, 1, 0, 1, 2);
    size_t ni = clconv_problem_input_elems(&p), nw = clconv_problem_weight_elems(&p);
    size_t no = clconv_problem_output_elems(&p);
    size_t k = 4 * 3 * 2, px = (size_t)clconv_problem_out_height(&p) * clconv_problem_out_width(&p);
    float *host = malloc((ni + nw + 5) * sizeof *host);
    assert_non_null(host);
    uint32_t s = 99;
    fixture_fill(host, ni + nw + 5, &s);
    cl_mem bufs[3] = {fixture_upload(ctx, host, ni), fixture_upload(ctx, host + ni, nw),
                      fixture_upload(ctx, host + ni + nw, 5)};
    size_t whole_ws;
    float *whole = run_output(&p, CLCONV_ALGO_IM2COL_GEMM, 0, &whole_ws, bufs);
    assert_int_equal(whole_ws, k * px * 3 * sizeof(float)); /* the whole batch at once */
    float *ref = malloc(no * sizeof *ref);
    assert_non_null(ref);
    assert_int_equal(clconv_reference_conv2d(&p, host, host + ni, host + ni + nw, ref),
                     CLCONV_SUCCESS);
    assert_true(clconv_rel_l2_error(whole, ref, no) < 1e-5);
    /* two images per chunk; one image; whole output rows; single columns */
    const size_t limits[] = {k * px * 2 * 4, k * px * 4, k * 20 * 4, k * 4 + 3};
    const size_t want_ws[] = {k * px * 2 * 4, k * px * 4, k * 11 * 4, k * 4}; /* OW = 11 */
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        size_t ws;
        float *chunked = run_output(&p, CLCONV_ALGO_IM2COL_GEMM, limits[i], &ws, bufs);
        assert_int_equal(ws, want_ws[i]);
        double err = clconv_rel_l2_error(chunked, whole, no);
        if (!(err < 1e-6))
            fail_msg("limit %zu: chunked differs from unchunked by %g", limits[i], err);
        free(chunked);
    }
    /* not even one column fits: refused with the sizes, not a crash */
    clconv_plan_options opt = FIXTURE_OPTIONS(.workspace_limit_bytes = k * 4 - 1);
    clconv_plan *plan = NULL;
    assert_int_equal(clconv_plan_create_with_options(ctx, &p, CLCONV_ALGO_IM2COL_GEMM, &opt, &plan),
                     CLCONV_ERR_UNSUPPORTED);
    assert_null(plan);
    assert_non_null(strstr(clconv_last_error(ctx), "exceeds the workspace limit"));
    free(whole), free(ref), free(host);
    for (int i = 0; i < 3; i++)
        clReleaseMemObject(bufs[i]);
}

/* The two multiply-accumulate paths of the FFT algorithm agree closely with
 * each other, not only with the reference. */
static void test_fft_cmac_vs_cgemm(void **state)
{
    (void)state;
    const clconv_problem problems[] = {
        FIXTURE_PROBLEM(1, 16, 12, 20, 8, 3, 3, 1, 1, 1, 1, 1, 1),
        FIXTURE_PROBLEM(3, 5, 9, 14, 6, 4, 2, 2, 1, 0, 1, 1, 2),
    };
    for (size_t k = 0; k < sizeof problems / sizeof problems[0]; k++) {
        const clconv_problem *p = &problems[k];
        size_t ni = clconv_problem_input_elems(p), nw = clconv_problem_weight_elems(p);
        size_t no = clconv_problem_output_elems(p), nb = (size_t)p->out_channels;
        float *host = malloc((ni + nw + nb) * sizeof *host);
        assert_non_null(host);
        uint32_t s = 1234u + (uint32_t)k;
        fixture_fill(host, ni + nw + nb, &s);
        cl_mem bufs[3] = {fixture_upload(ctx, host, ni), fixture_upload(ctx, host + ni, nw),
                          fixture_upload(ctx, host + ni + nw, nb)};
        size_t ws;
        float *cmac = run_output(p, CLCONV_ALGO_FFT, 0, &ws, bufs);
        float *cgemm = run_output(p, CLCONV_ALGO_FFT_CGEMM, 0, &ws, bufs);
        double diff = clconv_rel_l2_error(cmac, cgemm, no);
        if (!(diff < 1e-5))
            fail_msg("problem %zu: cmac and CGEMM paths differ by %g", k, diff);
        free(cmac), free(cgemm), free(host);
        for (int i = 0; i < 3; i++)
            clReleaseMemObject(bufs[i]);
    }
}

/* Every size clFFT's chooser returns is at least the minimum and
 * transformable; every backend computes the sizes it takes (its plans
 * build, its results match the reference). */
static void test_fft_sizes(void **state)
{
    (void)state;
    const rt_fft_backend *clfft = rt_fft_backend_get(CLCONV_FFT_BACKEND_CLFFT);
    for (size_t n = 1; n <= 600; n++) {
        size_t c = clfft->choose_size(n);
        if (c < n || !clfft->size_ok(c))
            fail_msg("choose_size(%zu) = %zu", n, c);
    }
    assert_int_equal(clfft->choose_size(63), 64); /* 3*3*7 costs more than 2^6 */
    assert_int_equal(clfft->choose_size(60), 60);
    assert_false(clfft->size_ok(17));
    assert_true(clfft->size_ok(2 * 3 * 5 * 7 * 11 * 13));
    /* with every backend, every size its chooser returns for the tests'
     * inputs that it takes builds and gives the reference's result (a 2x2
     * kernel, so the transform is not the identity); whole planes, so the
     * planes are the inputs' own size */
    for (int b = 0; b < CLCONV_FFT_BACKEND_COUNT; b++) {
        const rt_fft_backend *be = rt_fft_backend_get((clconv_fft_backend)b);
        int ran = 0;
        for (int hw = 1; be && hw <= 40; hw += 3) {
            if (!be->size_ok(be->choose_size((size_t)hw + 1)) ||
                !be->size_ok(be->choose_size((size_t)hw + 3)))
                continue;
            clconv_problem p = FIXTURE_PROBLEM(1, 1, hw + 1, hw + 3, 2, 2, 2, 1, 1, 0, 0, 1, 1);
            clconv_plan_options opt = FIXTURE_OPTIONS(.fft_backend = (clconv_fft_backend)b, .params = "tile=0");
            check_with(&p, CLCONV_ALGO_FFT, &opt, 1, 500u + (uint32_t)hw);
            ran++;
        }
        assert_true(!be || ran >= 4);
    }
}

/* Overlap-save tiles shrink the weight spectra: under a workspace limit
 * the whole-image spectra exceed, each FFT algorithm's default rule picks a
 * tile (not whole planes), the workspace it states fits, and the result is
 * right; the whole image, asked for, is refused naming the limit. */
static void test_fft_tiles_under_workspace_limit(void **state)
{
    (void)state;
    const clconv_problem p = FIXTURE_PROBLEM(1, 8, 40, 40, 8, 3, 3, 1, 1, 1, 1, 1, 1);
    const size_t limit = 200000; /* whole 42 x 42 planes: 8 x 8 x 42 x 22 x 8 B of weight spectra */
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
        const conv_algo_ops *ops = conv_algo_table[a];
        if (!ops->spectral || !ops->tunable)
            continue;
        clconv_plan_options opt = FIXTURE_OPTIONS(.workspace_limit_bytes = limit, .params = "tile=0");
        assert_int_equal(clconv_algo_check_with_options(ctx, &p, (clconv_algo)a, &opt),
                         CLCONV_ERR_UNSUPPORTED);
        assert_non_null(strstr(clconv_last_error(ctx), "workspace limit"));
        opt.params = NULL;
        clconv_plan *plan = NULL;
        if (clconv_plan_create_with_options(ctx, &p, (clconv_algo)a, &opt, &plan))
            fail_msg("%s under a %zu-byte limit: %s", ops->name, limit, clconv_last_error(ctx));
        char params[64];
        clconv_plan_params(plan, params, sizeof params);
        assert_string_not_equal(params, "tile=0");
        clconv_plan_options whole = FIXTURE_OPTIONS(.params = "tile=0");
        size_t whole_bytes = 0;
        assert_int_equal(
            clconv_algo_workspace_bytes(ctx, &p, (clconv_algo)a, &whole, &whole_bytes),
            CLCONV_SUCCESS);
        assert_true(clconv_plan_workspace_bytes(plan) < whole_bytes);
        clconv_plan_destroy(plan);
        check_with(&p, (clconv_algo)a, &opt, 1, 900u + (uint32_t)a);
    }
}

/* The seed's broadcast multiply, elementwise against the host: one IEEE
 * multiply per element, so bit-equal. Odd sizes exercise the vector tail. */
static void test_pointwise(void **state)
{
    (void)state;
    clconv_problem p = FIXTURE_PROBLEM(1, 3, 7, 13, 5, 1, 1, 1, 1, 0, 0, 1, 1);
    size_t s = 3 * 7 * 13, n = 5 * s;
    float *x = malloc(s * sizeof *x), *k = malloc(n * sizeof *k), *out = malloc(n * sizeof *out);
    assert_non_null(x);
    assert_non_null(k);
    assert_non_null(out);
    uint32_t seed = 77;
    fixture_fill(x, s, &seed);
    fixture_fill(k, n, &seed);
    cl_mem dx = fixture_upload(ctx, x, s), dk = fixture_upload(ctx, k, n);
    cl_mem dout = fixture_output(ctx, n);
    clconv_timing t;
    if (clconv_pointwise(ctx, &p, dx, dk, dout, &t) != CLCONV_SUCCESS)
        fail_msg("pointwise: %s", clconv_last_error(ctx));
    assert_int_equal(t.stage_count, 1);
    assert_string_equal(t.stages[0].name, "pointwise");
    fixture_download(ctx, dout, out, n);
    for (size_t o = 0; o < 5; o++)
        for (size_t i = 0; i < s; i++)
            if (!(out[o * s + i] == x[i] * k[o * s + i]))
                fail_msg("pointwise out[%zu][%zu] = %g, host %g", o, i, out[o * s + i],
                         x[i] * k[o * s + i]);
    /* batch > 1 and short buffers are refused by name */
    p.batch = 2;
    assert_int_equal(clconv_pointwise(ctx, &p, dx, dk, dout, NULL), CLCONV_ERR_INVALID_ARG);
    assert_non_null(strstr(clconv_last_error(ctx), "batch = 2"));
    p.batch = 1;
    assert_int_equal(clconv_pointwise(ctx, &p, dx, dx, dout, NULL), CLCONV_ERR_INVALID_ARG);
    assert_non_null(strstr(clconv_last_error(ctx), "k buffer"));
    clReleaseMemObject(dx), clReleaseMemObject(dk), clReleaseMemObject(dout);
    free(x), free(k), free(out);
}

/* CLBlast's status comes back by name, with the arguments. */
static void test_clblast_errors(void **state)
{
    (void)state;
    float host[64] = {1};
    cl_mem a = fixture_upload(ctx, host, 64), b = fixture_upload(ctx, host, 64);
    cl_mem c = fixture_output(ctx, 64);
    rt_gemm g = {.m = 4, .n = 4, .k = 4, .batch = 1, .a = a, .b = b, .c = c,
                   .lda = 3 /* < k: invalid for row-major A */, .ldb = 4, .ldc = 4};
    const rt_gemm_backend *clblast = rt_gemm_backend_get(CLCONV_GEMM_BACKEND_CLBLAST, NULL, NULL);
    assert_int_equal(clblast->sgemm(ctx, &g, NULL, NULL), CLCONV_ERR_INVALID_ARG);
    const char *msg = clconv_last_error(ctx);
    if (!strstr(msg, "CLBlastSgemm(") || !strstr(msg, "lda=3") ||
        !strstr(msg, "CLBlastInvalidLeadDimA"))
        fail_msg("CLBlast error not named: %s", msg);
    g.lda = 4;
    g.batch = 2;
    g.a_stride = g.b_stride = g.c_stride = 64; /* past the end of 64-float buffers */
    assert_int_equal(clblast->sgemm(ctx, &g, NULL, NULL), CLCONV_ERR_INVALID_ARG);
    assert_non_null(strstr(clconv_last_error(ctx), "CLBlastSgemmStridedBatched("));
    assert_non_null(strstr(clconv_last_error(ctx), "CLBlastInsufficientMemory"));
    assert_string_equal(rt_clblast_status_name(-2046), "CLBlastInvalidLocalMemUsage");
    assert_string_equal(rt_clblast_status_name(-7777), "CLBlast status -7777");
    clReleaseMemObject(a), clReleaseMemObject(b), clReleaseMemObject(c);
}

/* clconv's SGEMM refuses what it cannot run, by name, before enqueuing. */
static void test_clconv_gemm_errors(void **state)
{
    (void)state;
    float host[64] = {1};
    cl_mem a = fixture_upload(ctx, host, 64), b = fixture_upload(ctx, host, 64);
    cl_mem c = fixture_output(ctx, 64);
    const rt_gemm_backend *own = rt_gemm_backend_get(CLCONV_GEMM_BACKEND_CLCONV, NULL, NULL);
    rt_gemm g = {.m = 4, .n = 4, .k = 4, .batch = 1, .a = a, .b = b, .c = c,
                 .lda = 3 /* < k */, .ldb = 4, .ldc = 4};
    assert_int_equal(own->sgemm(ctx, &g, NULL, NULL), CLCONV_ERR_INVALID_ARG);
    assert_non_null(strstr(clconv_last_error(ctx), "lda >= K"));
    g.lda = 4;
    g.batch = 2;
    g.c_stride = 61; /* the second C ends past the 64-float buffer */
    assert_int_equal(own->sgemm(ctx, &g, NULL, NULL), CLCONV_ERR_INVALID_ARG);
    if (!strstr(clconv_last_error(ctx), "C needs 77 floats") ||
        !strstr(clconv_last_error(ctx), "batch=2"))
        fail_msg("short C not named: %s", clconv_last_error(ctx));
    g.batch = 1;
    const rt_sgemm_tile bad = {{16, 13, 1, 0}}; /* its space's order: vec mr nv kc */
    assert_string_equal(own->space->names[1], "mr");
    assert_int_equal(own->sgemm(ctx, &g, &bad, NULL), CLCONV_ERR_INVALID_ARG);
    assert_non_null(strstr(clconv_last_error(ctx), "mr=13"));
    clReleaseMemObject(a), clReleaseMemObject(b), clReleaseMemObject(c);
}

/* A CLBlast GEMM runs with the Xgemm set its tile names, at every size (the
 * threshold below which CLBlast would run XgemmDirect instead is 0), and a
 * tile of all 0 puts CLBlast's own set and threshold back: read back from
 * CLBlast. */
static void test_xgemm_set_in_force(void **state)
{
    (void)state;
    float host[64] = {1};
    cl_mem a = fixture_upload(ctx, host, 64), b = fixture_upload(ctx, host, 64);
    cl_mem c = fixture_output(ctx, 64);
    const rt_gemm_backend *clblast = rt_gemm_backend_get(CLCONV_GEMM_BACKEND_CLBLAST, NULL, NULL);
    const rt_gemm_space *space = clblast->space;
    const rt_gemm g = {.m = 4, .n = 4, .k = 4, .batch = 1, .a = a, .b = b, .c = c,
                       .lda = 4, .ldb = 4, .ldc = 4};
    const rt_gemm_shape shape = {.m = 4, .n = 4, .k = 4, .batch = 1};
    int own[RT_GEMM_MAX_PARAMS] = {0}, cand[8][RT_GEMM_MAX_PARAMS];
    assert_int_equal(space->in_force(ctx, own), CLCONV_SUCCESS); /* all 0: CLBlast's own */
    assert_true(space->candidates(clconv_context_device(ctx), &shape, cand, 8) >= 1);
    rt_sgemm_tile tile = {{0}};
    for (int round = 0; round < 2; round++) {
        /* round 0: a candidate set; round 1: all 0, CLBlast's own */
        for (int i = 0; i < space->count; i++)
            tile.params[i] = round ? 0 : cand[0][i];
        assert_int_equal(clblast->sgemm(ctx, &g, &tile, NULL), CLCONV_SUCCESS);
        size_t in_force[RT_GEMM_MAX_PARAMS];
        assert_int_equal(rt_clblast_params_read(ctx->device, "Xgemm", space->count, space->names,
                                                in_force),
                         0);
        for (int i = 0; i < space->count; i++)
            if ((int)in_force[i] != (round ? own[i] : cand[0][i]))
                fail_msg("round %d: CLBlast has %s=%zu, clconv asked for %d", round,
                         space->names[i], in_force[i], round ? own[i] : cand[0][i]);
        static const char *threshold_name[1] = {"XGEMM_MIN_INDIRECT_SIZE"};
        size_t threshold = 0;
        assert_int_equal(rt_clblast_params_read(ctx->device, "GemmRoutine", 1, threshold_name,
                                                &threshold),
                         0);
        if (round ? threshold == 0 : threshold != 0) /* CLBlast's own is positive */
            fail_msg("round %d: XGEMM_MIN_INDIRECT_SIZE = %zu", round, threshold);
    }
    assert_int_equal(clFinish(ctx->queue), CL_SUCCESS);
    clReleaseMemObject(a), clReleaseMemObject(b), clReleaseMemObject(c);
}

/* A tune under each GEMM backend keeps its own performance database entry:
 * CLBlast's Xgemm parameters never replace clconv's tile for the same
 * algorithm and shape class (or the reverse), and each backend's next plan
 * loads its own. */
static void test_tune_per_gemm_backend(void **state)
{
    (void)state;
    char dir[] = "/tmp/clconv-gemmdb-XXXXXX", cmd[128];
    assert_non_null(mkdtemp(dir));
    /* the suite's cl_context, wrapped with a cache of its own: CLBlast keeps
     * its compiled routines per cl_context, and a new one compiles them all
     * again (a minute on PoCL) */
    clconv_context_options copt = FIXTURE_CONTEXT_OPTIONS(.cache_dir = dir);
    clconv_context *own_ctx = NULL;
    assert_int_equal(clconv_context_wrap(clconv_context_cl_context(ctx), clconv_context_queue(ctx),
                                         &copt, &own_ctx),
                     CLCONV_SUCCESS);
    const clconv_problem p = FIXTURE_PROBLEM(1, 8, 20, 19, 24, 3, 3, 1, 1, 0, 0, 1, 1);
    static const clconv_gemm_backend backends[2] = {CLCONV_GEMM_BACKEND_CLCONV,
                                                    CLCONV_GEMM_BACKEND_CLBLAST};
    static const char *const first_param[2] = {"vec=", "GEMMK="};
    char tuned[2][256], got[256];
    for (int round = 0; round < 2; round++)
        for (int b = 0; b < 2; b++) {
            clconv_plan_options opt = FIXTURE_OPTIONS(.tune = !round, .gemm_backend = backends[b]);
            clconv_plan *plan = NULL;
            if (clconv_plan_create_with_options(own_ctx, &p, CLCONV_ALGO_IM2COL_GEMM, &opt,
                                                &plan) != CLCONV_SUCCESS)
                fail_msg("backend %d, round %d: %s", b, round, clconv_last_error(own_ctx));
            char *text = round ? got : tuned[b];
            clconv_params_source src = clconv_plan_params(plan, text, sizeof tuned[b]);
            clconv_plan_destroy(plan);
            assert_int_equal(src, round ? CLCONV_PARAMS_DATABASE : CLCONV_PARAMS_TUNED);
            if (strncmp(text, first_param[b], strlen(first_param[b])))
                fail_msg("backend %d: params \"%s\" are not the backend's", b, text);
            if (round)
                assert_string_equal(got, tuned[b]);
        }
    assert_int_equal(clconv_context_destroy(own_ctx), CLCONV_SUCCESS);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* Overwrites every performance-database entry in dir with bytes that are
 * not an entry (a crash mid-write on a file system without atomic rename). */
static void corrupt_perfdb(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "for f in '%s'/perfdb-*.txt; do printf 'garbage' > \"$f\"; done",
             dir);
    assert_int_equal(system(cmd), 0);
}

/* predict mode's entries for every algorithm, each initialised first. */
static void predict_all(clconv_context *c, const clconv_problem *p,
                        const clconv_plan_options *opt, clconv_algo_prediction *out,
                        clconv_algo *best, size_t *count)
{
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++)
        clconv_algo_prediction_init(&out[a]);
    assert_int_equal(clconv_predict(c, p, opt, out, CLCONV_ALGO_COUNT, count, best),
                     CLCONV_SUCCESS);
}

static clconv_choice auto_plan(clconv_context *c, const clconv_problem *p,
                               const clconv_plan_options *opt)
{
    clconv_plan *plan = NULL;
    clconv_choice ch;
    if (clconv_plan_create_with_options(c, p, CLCONV_ALGO_AUTO, opt, &plan))
        fail_msg("auto (%s): %s", clconv_auto_mode_name(opt->auto_mode), clconv_last_error(c));
    assert_int_equal(clconv_plan_choice(plan, &ch), CLCONV_SUCCESS);
    assert_int_equal(clconv_plan_algo(plan), ch.algo);
    assert_int_equal(ch.mode, opt->auto_mode);
    clconv_plan_destroy(plan);
    /* the limit is on each buffer (the check's rule), not on their sum */
    clconv_plan_options named = *opt;
    assert_int_equal(clconv_algo_check_with_options(c, p, ch.algo, &named), CLCONV_SUCCESS);
    print_message("auto (%s): %s -> %s, found %.3g ms, predicted %.3g ms, next %s %.3g ms, "
                  "%d trial runs, %d candidates\n",
                  clconv_auto_mode_name(opt->auto_mode), ch.source, clconv_algo_name(ch.algo),
                  ch.found_ms, ch.predicted_ms, clconv_algo_name(ch.runner_up), ch.runner_up_ms,
                  ch.trial_runs, ch.candidates);
    assert_true(ch.algo >= 0 && ch.algo < CLCONV_ALGO_COUNT);
    assert_true(ch.runner_up != ch.algo);
    /* what the choice counts as candidates is what the checks accept */
    int runs = 0;
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++)
        runs += clconv_algo_check_with_options(c, p, (clconv_algo)a, &named) == CLCONV_SUCCESS;
    assert_int_equal(ch.candidates, runs);
    return ch;
}

/* CLCONV_ALGO_AUTO: find times the candidates once and stores the result,
 * which the next plan (either mode) takes with no trial runs; a damaged
 * entry is ignored and a find rewrites it; predict makes no trial runs; the
 * chosen plan computes the right result; named plans have no choice. */
static void test_auto_choice(void **state)
{
    (void)state;
    char dir[] = "/tmp/clconv-autodb-XXXXXX", cmd[128];
    assert_non_null(mkdtemp(dir));
    /* the suite's cl_context with a database of its own (as in
     * test_tune_per_gemm_backend: CLBlast compiles once per cl_context) */
    clconv_context_options copt = FIXTURE_CONTEXT_OPTIONS(.cache_dir = dir);
    clconv_context *own = NULL;
    assert_int_equal(clconv_context_wrap(clconv_context_cl_context(ctx), clconv_context_queue(ctx),
                                         &copt, &own),
                     CLCONV_SUCCESS);
    const clconv_problem p = FIXTURE_PROBLEM(2, 6, 13, 15, 10, 3, 3, 1, 1, 1, 1, 1, 1);
    clconv_plan_options find = FIXTURE_OPTIONS(.auto_mode = CLCONV_AUTO_FIND);
    clconv_plan_options predict = FIXTURE_OPTIONS(.auto_mode = CLCONV_AUTO_PREDICT);

    clconv_choice first = auto_plan(own, &p, &find);
    assert_string_equal(first.source, "find");
    assert_true(first.trial_runs >= 2 * first.candidates); /* a checked run and a timed one each */
    assert_true(first.found_ms > 0.0 && isfinite(first.found_ms));
    if (first.runner_up != CLCONV_ALGO_AUTO)
        assert_true(first.runner_up_ms >= first.found_ms);
    assert_true(fixture_run_problem_with_options(own, &p, CLCONV_ALGO_AUTO, &find, 1, 3) <
                TOLERANCE);
    for (int m = 0; m < CLCONV_AUTO_MODE_COUNT; m++) {
        clconv_plan_options again = FIXTURE_OPTIONS(.auto_mode = (clconv_auto_mode)m);
        clconv_choice ch = auto_plan(own, &p, &again);
        assert_string_equal(ch.source, "database");
        assert_int_equal(ch.trial_runs, 0);
        assert_int_equal(ch.algo, first.algo);
        assert_true(fabs(ch.found_ms - first.found_ms) <= 1e-4 * first.found_ms);
    }

    corrupt_perfdb(dir);
    clconv_choice ch = auto_plan(own, &p, &predict);
    assert_string_equal(ch.source, "predict"); /* the damaged entry is not read */
    assert_int_equal(ch.trial_runs, 0);
    ch = auto_plan(own, &p, &find);
    assert_string_equal(ch.source, "find");
    ch = auto_plan(own, &p, &predict);
    assert_string_equal(ch.source, "database"); /* rewritten */

    /* a stale entry: well formed, but naming an algorithm that cannot run the
     * problem (winograd for a 4x4 kernel, as after a change in its checks) */
    const clconv_problem k4 = FIXTURE_PROBLEM(1, 3, 9, 9, 4, 4, 4, 1, 1, 0, 0, 1, 1);
    conv_config k4cfg;
    assert_int_equal(conv_config_resolve(own, &k4, CLCONV_ALGO_DIRECT, &find, &k4cfg),
                     CLCONV_SUCCESS);
    char key[512];
    choice_find_key(&k4cfg, key, sizeof key);
    rt_perfdb_store(own, RT_PERFDB_EVERY_KERNEL, key, "algo=winograd ms=0.001 next=- next_ms=0\n");
    ch = auto_plan(own, &k4, &predict);
    assert_string_equal(ch.source, "predict");
    ch = auto_plan(own, &k4, &find);
    assert_string_equal(ch.source, "find");
    assert_int_not_equal(ch.algo, CLCONV_ALGO_WINOGRAD);
    clconv_choice again = auto_plan(own, &k4, &predict);
    assert_string_equal(again.source, "database"); /* rewritten */
    assert_int_equal(again.algo, ch.algo);

    /* predict on a problem never found: the roofline's choice, and the runner-up
     * predicted no faster */
    const clconv_problem q = FIXTURE_PROBLEM(1, 5, 11, 9, 7, 5, 5, 1, 1, 2, 2, 1, 1);
    ch = auto_plan(own, &q, &predict);
    assert_string_equal(ch.source, "predict");
    assert_int_equal(ch.trial_runs, 0);
    assert_true(ch.predicted_ms > 0.0 && !isfinite(ch.found_ms));
    if (ch.runner_up != CLCONV_ALGO_AUTO)
        assert_true(ch.runner_up_ms >= ch.predicted_ms);
    assert_true(fixture_run_problem_with_options(own, &q, CLCONV_ALGO_AUTO, &predict, 1, 4) <
                TOLERANCE);
    clconv_algo_prediction pred[CLCONV_ALGO_COUNT], taught[CLCONV_ALGO_COUNT];
    clconv_algo best;
    size_t count;
    predict_all(own, &q, &predict, pred, &best, &count);
    assert_int_equal(count, CLCONV_ALGO_COUNT);
    assert_int_equal(best, ch.algo);
    assert_true(fabs(pred[ch.algo].predicted_ms - ch.predicted_ms) <= 1e-9 * ch.predicted_ms);
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
        assert_int_equal(pred[a].algo, a);
        if (pred[a].runs)
            assert_true(pred[a].predicted_ms >= pred[best].predicted_ms);
    }
    /* a shorter array gets the first entries, the count says how many exist */
    clconv_algo_prediction head;
    clconv_algo_prediction_init(&head);
    assert_int_equal(clconv_predict(own, &q, &predict, &head, 1, &count, NULL), CLCONV_SUCCESS);
    assert_int_equal(count, CLCONV_ALGO_COUNT);
    assert_int_equal(head.algo, 0);
    assert_true(head.bound_ms == pred[0].bound_ms || (isnan(head.bound_ms) && isnan(pred[0].bound_ms)));
    assert_int_equal(clconv_predict(own, &q, &predict, NULL, 0, &count, &best), CLCONV_SUCCESS);
    assert_int_equal(best, ch.algo);

    /* a recorded time teaches the prediction its efficiency (bound / time); a
     * time under the bound teaches nothing (a 7x7 kernel: a class no time
     * above taught) */
    const clconv_algo d = CLCONV_ALGO_DIRECT;
    const clconv_problem r = FIXTURE_PROBLEM(1, 4, 12, 12, 6, 7, 7, 1, 1, 1, 1, 1, 1);
    predict_all(own, &r, &predict, pred, &best, &count);
    assert_int_equal(clconv_record_time(own, &r, d, &predict, 10.0 * pred[d].bound_ms),
                     CLCONV_SUCCESS);
    predict_all(own, &r, &predict, taught, &best, &count);
    assert_true(fabs(taught[d].efficiency - 0.1) < 1e-3);
    assert_true(taught[d].history >= 1);
    assert_true(fabs(taught[d].predicted_ms - 10.0 * pred[d].bound_ms) <
                1e-3 * taught[d].predicted_ms);
    assert_int_equal(clconv_record_time(own, &r, d, &predict, 0.5 * pred[d].bound_ms),
                     CLCONV_SUCCESS);
    predict_all(own, &r, &predict, taught, &best, &count);
    assert_true(fabs(taught[d].efficiency - 0.1) < 1e-3);
    assert_int_equal(clconv_record_time(own, &r, d, &predict, -1.0), CLCONV_ERR_INVALID_ARG);
    assert_int_equal(clconv_record_time(own, &q, CLCONV_ALGO_AUTO, &predict, 1.0),
                     CLCONV_ERR_INVALID_ARG);

    /* the history carries across a class per lane: winograd taught on a
     * wide plane predicts a narrow one of the same class (5x5, stride 1,
     * little work: no time above taught it) at the taught efficiency scaled
     * by the share of lanes each uses, which their predictions before give
     * (both the same efficiency, the algorithm's, times their shares) */
    const clconv_algo w = CLCONV_ALGO_WINOGRAD;
    const clconv_problem wide = FIXTURE_PROBLEM(1, 4, 60, 60, 6, 5, 5, 1, 1, 0, 0, 1, 1);
    const clconv_problem narrow = FIXTURE_PROBLEM(1, 4, 12, 12, 6, 5, 5, 1, 1, 0, 0, 1, 1);
    clconv_algo_prediction narrow_before[CLCONV_ALGO_COUNT];
    predict_all(own, &wide, &predict, pred, &best, &count);
    predict_all(own, &narrow, &predict, narrow_before, &best, &count);
    assert_true(pred[w].runs && narrow_before[w].runs);
    const double share_ratio = narrow_before[w].efficiency / pred[w].efficiency;
    assert_true(share_ratio > 0.0 && share_ratio <= 1.0 + 1e-9);
    assert_int_equal(clconv_record_time(own, &wide, w, &predict, 4.0 * pred[w].bound_ms),
                     CLCONV_SUCCESS);
    predict_all(own, &narrow, &predict, taught, &best, &count);
    assert_true(taught[w].history >= 1);
    assert_true(fabs(taught[w].efficiency - 0.25 * share_ratio) < 1e-3 * share_ratio);

    /* under a small limit the plan keeps it; a candidate the limit keeps out
     * is named with the workspace it needs */
    clconv_plan_options small = FIXTURE_OPTIONS(.auto_mode = CLCONV_AUTO_PREDICT, .workspace_limit_bytes = 8192);
    ch = auto_plan(own, &q, &small);
    if (ch.limited != CLCONV_ALGO_AUTO)
        assert_true(ch.limited_workspace_bytes > small.workspace_limit_bytes);

    /* named plans, and AUTO where only a plan can take it */
    clconv_plan *plan = NULL;
    clconv_choice unused;
    assert_int_equal(clconv_plan_create(own, &q, CLCONV_ALGO_DIRECT, &plan), CLCONV_SUCCESS);
    assert_int_equal(clconv_plan_choice(plan, &unused), CLCONV_ERR_STATE);
    clconv_plan_destroy(plan);
    assert_int_equal(clconv_algo_check(own, &q, CLCONV_ALGO_AUTO), CLCONV_ERR_INVALID_ARG);
    clconv_plan_options bad = FIXTURE_OPTIONS(.auto_mode = (clconv_auto_mode)7);
    assert_int_equal(clconv_plan_create_with_options(own, &q, CLCONV_ALGO_AUTO, &bad, &plan),
                     CLCONV_ERR_INVALID_ARG);
    assert_null(plan);
    assert_non_null(strstr(clconv_last_error(own), "auto_mode"));
    clconv_algo a;
    assert_int_equal(clconv_algo_from_name("auto", &a), CLCONV_SUCCESS);
    assert_int_equal(a, CLCONV_ALGO_AUTO);
    for (int m = 0; m < CLCONV_AUTO_MODE_COUNT; m++) {
        clconv_auto_mode back;
        assert_int_equal(clconv_auto_mode_from_name(clconv_auto_mode_name((clconv_auto_mode)m),
                                                    &back),
                         CLCONV_SUCCESS);
        assert_int_equal(back, m);
    }
    assert_int_equal(clconv_auto_mode_from_name("guess", &(clconv_auto_mode){0}),
                     CLCONV_ERR_INVALID_ARG);

    assert_int_equal(clconv_context_destroy(own), CLCONV_SUCCESS);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_by_hand),
        cmocka_unit_test(test_reference_is_textbook),
        cmocka_unit_test(test_grouped_reference_by_hand),
        cmocka_unit_test(test_grouped_problems),
        cmocka_unit_test(test_depthwise_problems),
        cmocka_unit_test(test_epilogue),
        cmocka_unit_test(test_epilogue_keeps_nan),
        cmocka_unit_test(test_epilogue_argument_checks),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_plan_argument_checks),
        cmocka_unit_test(test_algorithm_table),
        cmocka_unit_test(test_rel_l2_error),
        cmocka_unit_test(test_fft_backends),
        cmocka_unit_test(test_fft_backend_parameter),
        cmocka_unit_test(test_edge_problems),
        cmocka_unit_test(test_asymmetric_padding),
        cmocka_unit_test(test_im2col_chunks),
        cmocka_unit_test(test_small_workspace_limit),
        cmocka_unit_test(test_clblast_errors),
        cmocka_unit_test(test_clconv_gemm_errors),
        cmocka_unit_test(test_fft_sizes),
        cmocka_unit_test(test_fft_cmac_vs_cgemm),
        cmocka_unit_test(test_fft_tiles_under_workspace_limit),
        cmocka_unit_test(test_pointwise),
        cmocka_unit_test(test_random_problems),
        cmocka_unit_test(test_tunable_candidates),
        cmocka_unit_test(test_xgemm_set_in_force),
        cmocka_unit_test(test_tune_per_gemm_backend),
        cmocka_unit_test(test_auto_choice),
    };
    return fixture_run("conv", tests, setup, teardown);
}
