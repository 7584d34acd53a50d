/* Analysis layer: the cost model against hand-computed seed figures. */
#include "fixture.h"

#include "analysis/cost.h"

#include <string.h>

static clconv_problem seed(int k)
{
    clconv_problem p = {1, 256, 32, 60, 64, k, k, 1, 1, 0, 0, 1, 1};
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
    an_direct_cost(&p, 1, &flops, &bytes);
    assert_true(flops == 513146880.0);
    assert_true(bytes == 3001600.0);
    an_direct_cost(&p, 0, &flops, &bytes);
    assert_true(bytes == 3001600.0 - 256.0);
}

/* seed-k16: output 17 x 45; FLOPs = 2 * 64 * 765 * 256*256 = 6,417,285,120.
 * Bytes = 4 * (491,520 + 64*256*256 = 4,194,304 + 64*765 = 48,960) = 18,939,136. */
static void test_direct_seed_k16(void **state)
{
    (void)state;
    clconv_problem p = seed(16);
    double flops, bytes;
    an_direct_cost(&p, 0, &flops, &bytes);
    assert_true(flops == 6417285120.0);
    assert_true(bytes == 18939136.0);
}

/* Stride and dilation change the output size the FLOPs are counted on:
 * 2x3x10x12 input, k3x3 stride 2 pad 1 dilation 2 -> out 4 x 5;
 * FLOPs = 2 * 2*4 * 4*5 * 3*9 = 8,640. */
static void test_direct_strided(void **state)
{
    (void)state;
    clconv_problem p = {2, 3, 10, 12, 4, 3, 3, 2, 2, 1, 1, 2, 2};
    assert_int_equal(clconv_problem_out_height(&p), 4);
    assert_int_equal(clconv_problem_out_width(&p), 5);
    double flops, bytes;
    an_direct_cost(&p, 0, &flops, &bytes);
    assert_true(flops == 8640.0);
    assert_true(bytes == 4.0 * (720 + 108 + 160));
}

/* The public problem cost equals the model, and is zero for an invalid problem. */
static void test_problem_cost(void **state)
{
    (void)state;
    clconv_problem p = seed(5);
    double f1, b1, f2, b2;
    an_direct_cost(&p, 1, &f1, &b1);
    clconv_problem_cost(&p, 1, &f2, &b2);
    assert_true(f1 == f2 && b1 == b2);
    p.stride_w = 0;
    clconv_problem_cost(&p, 1, &f2, &b2);
    assert_true(f2 == 0.0 && b2 == 0.0);
}

/* A measured bandwidth where timestamps are real, a named refusal where not. */
static void test_bandwidth(void **state)
{
    (void)state;
    clconv_context *ctx = fixture_context();
    double gbs = -1.0;
    clconv_status st = clconv_measure_bandwidth(ctx, &gbs);
    if (clconv_context_device_timing(ctx)) {
        if (st != CLCONV_SUCCESS)
            fail_msg("measure_bandwidth: %s", clconv_last_error(ctx));
        assert_true(gbs > 0.0);
    } else {
        assert_int_equal(st, CLCONV_ERR_UNSUPPORTED);
        assert_non_null(strstr(clconv_last_error(ctx), "profiling"));
        assert_true(gbs == 0.0);
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
        cmocka_unit_test(test_bandwidth),
    };
    return cmocka_run_group_tests_name("analysis", tests, NULL, NULL);
}
