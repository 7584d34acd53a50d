/* Problem descriptor: validation with messages that name the field, and sizes. */
#include "runtime/rt.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

clconv_status rt_problem_in(clconv_context *ctx, const clconv_problem *in, clconv_problem *out)
{
    clconv_problem_init(out);
    if (!in)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "problem is NULL");
    return rt_struct_in(ctx, "clconv_problem", in, CLCONV_PROBLEM_STRUCT_SIZE, out);
}

/* Product of non-negative factors; 0 when it would not fit in size_t. */
static size_t mul_checked(const int64_t *factors, int n, int *overflow)
{
    size_t r = 1;
    for (int i = 0; i < n; i++) {
        size_t f = (size_t)factors[i];
        if (f != 0 && r > SIZE_MAX / f) {
            *overflow = 1;
            return 0;
        }
        r *= f;
    }
    return r;
}

static int64_t out_extent(int64_t padded, int64_t k, int64_t dil, int64_t stride)
{
    return (padded - dil * (k - 1) - 1) / stride + 1;
}

/* Formats the reason into msg (when msg is non-NULL) and says it is invalid. */
__attribute__((format(printf, 3, 4))) static clconv_status reject(char *msg, size_t size,
                                                                  const char *fmt, ...)
{
    if (msg) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, size, fmt, ap);
        va_end(ap);
    }
    return CLCONV_ERR_INVALID_ARG;
}

#define REQUIRE_POSITIVE(field)                                                              \
    if (p->field < 1)                                                                        \
        return reject(msg, size, #field " = %d: must be >= 1", p->field);
#define REQUIRE_NON_NEGATIVE(field)                                                          \
    if (p->field < 0)                                                                        \
        return reject(msg, size, #field " = %d: must be >= 0", p->field);

static clconv_status check(const clconv_problem *p, char *msg, size_t size)
{
    REQUIRE_POSITIVE(batch)
    REQUIRE_POSITIVE(in_channels)
    REQUIRE_POSITIVE(height)
    REQUIRE_POSITIVE(width)
    REQUIRE_POSITIVE(out_channels)
    REQUIRE_POSITIVE(kernel_h)
    REQUIRE_POSITIVE(kernel_w)
    REQUIRE_POSITIVE(stride_h)
    REQUIRE_POSITIVE(stride_w)
    REQUIRE_POSITIVE(dilation_h)
    REQUIRE_POSITIVE(dilation_w)
    REQUIRE_NON_NEGATIVE(pad_h)
    REQUIRE_NON_NEGATIVE(pad_w)
    REQUIRE_NON_NEGATIVE(groups)
    if (p->pad_bottom < CLCONV_PAD_SYMMETRIC)
        return reject(msg, size, "pad_bottom = %d: must be >= 0, or -1 for pad_h's",
                      p->pad_bottom);
    if (p->pad_right < CLCONV_PAD_SYMMETRIC)
        return reject(msg, size, "pad_right = %d: must be >= 0, or -1 for pad_w's",
                      p->pad_right);
    if (p->in_channels % rt_groups(p) || p->out_channels % rt_groups(p))
        return reject(msg, size,
                      "groups = %d: in_channels (%d) and out_channels (%d) must both be "
                      "multiples of it", p->groups, p->in_channels, p->out_channels);

    /* Kernels index with int: every padded or dilated extent must fit. */
    int64_t padded_h = rt_padded_height(p);
    int64_t padded_w = rt_padded_width(p);
    int64_t span_h = (int64_t)p->dilation_h * (p->kernel_h - 1) + 1;
    int64_t span_w = (int64_t)p->dilation_w * (p->kernel_w - 1) + 1;
    const int64_t extent_max = CLCONV_EXTENT_MAX;
    _Static_assert(CLCONV_EXTENT_MAX == INT_MAX / 4, "clconv.h states INT_MAX / 4");
    if (padded_h > extent_max || padded_w > extent_max)
        return reject(msg, size,
                       "padded input %lld x %lld (height %d + pads %d, %d, width %d + pads %d, "
                       "%d) exceeds %lld", (long long)padded_h, (long long)padded_w, p->height,
                       p->pad_h, rt_pad_bottom(p), p->width, p->pad_w, rt_pad_right(p),
                       (long long)extent_max);
    if (span_h > extent_max || span_w > extent_max)
        return reject(msg, size,
                       "dilated kernel %lld x %lld exceeds %lld", (long long)span_h,
                       (long long)span_w, (long long)extent_max);
    if (span_h > padded_h)
        return reject(msg, size,
                       "kernel_h = %d with dilation_h = %d spans %lld rows, more than the padded "
                       "input height %d + %d + %d = %lld", p->kernel_h, p->dilation_h,
                       (long long)span_h, p->height, p->pad_h, rt_pad_bottom(p),
                       (long long)padded_h);
    if (span_w > padded_w)
        return reject(msg, size,
                       "kernel_w = %d with dilation_w = %d spans %lld columns, more than the "
                       "padded input width %d + %d + %d = %lld", p->kernel_w, p->dilation_w,
                       (long long)span_w, p->width, p->pad_w, rt_pad_right(p),
                       (long long)padded_w);

    int64_t oh = out_extent(padded_h, p->kernel_h, p->dilation_h, p->stride_h);
    int64_t ow = out_extent(padded_w, p->kernel_w, p->dilation_w, p->stride_w);
    int overflow = 0;
    int64_t in[] = {p->batch, p->in_channels, p->height, p->width, sizeof(float)};
    int64_t wt[] = {p->out_channels, p->in_channels / rt_groups(p), p->kernel_h, p->kernel_w,
                    sizeof(float)};
    int64_t out[] = {p->batch, p->out_channels, oh, ow, sizeof(float)};
    /* FLOP counts and kernel index arithmetic use the output times the
     * reduction length; keep that in range too. */
    int64_t work[] = {p->batch, p->out_channels, oh, ow, p->in_channels, p->kernel_h,
                      p->kernel_w, 2};
    /* Reduction length, planes and pixels per plane are int in the kernels.
     * Products in double: of int fields they can overflow int64, and a
     * double is exact far beyond extent_max. */
    double reduction = (double)p->in_channels * p->kernel_h * p->kernel_w;
    double planes = (double)p->batch * (p->out_channels > p->in_channels ? p->out_channels
                                                                         : p->in_channels);
    if (reduction > (double)extent_max || planes > (double)extent_max ||
        (double)oh * (double)ow > (double)extent_max ||
        (double)p->height * p->width > (double)extent_max)
        return reject(msg, size,
                       "in_channels %d x kernel %d x %d = %.0f, batch x channels = %.0f, output "
                       "%lld x %lld and input %d x %d must each stay <= %lld", p->in_channels,
                       p->kernel_h, p->kernel_w, reduction, planes, (long long)oh,
                       (long long)ow, p->height, p->width, (long long)extent_max);
    mul_checked(in, 5, &overflow);
    if (overflow)
        return reject(msg, size,
                       "input bytes overflow size_t: batch %d x in_channels %d x height %d x "
                       "width %d x 4", p->batch, p->in_channels, p->height, p->width);
    mul_checked(wt, 5, &overflow);
    if (overflow)
        return reject(msg, size,
                       "weight bytes overflow size_t: out_channels %d x in_channels %d x "
                       "kernel %d x %d x 4", p->out_channels, p->in_channels, p->kernel_h,
                       p->kernel_w);
    mul_checked(out, 5, &overflow);
    if (overflow)
        return reject(msg, size,
                       "output bytes overflow size_t: batch %d x out_channels %d x %lld x %lld "
                       "x 4", p->batch, p->out_channels, (long long)oh, (long long)ow);
    mul_checked(work, 8, &overflow);
    if (overflow)
        return reject(msg, size,
                       "FLOP count overflows size_t: output %d x %d x %lld x %lld times "
                       "reduction %d x %d x %d", p->batch, p->out_channels, (long long)oh,
                       (long long)ow, p->in_channels, p->kernel_h, p->kernel_w);
    return CLCONV_SUCCESS;
}

clconv_status clconv_problem_validate(const clconv_problem *in)
{
    char msg[512];
    clconv_problem p;
    rt_clear_error(NULL);
    clconv_status st = rt_problem_in(NULL, in, &p);
    if (st)
        return st;
    st = check(&p, msg, sizeof msg);
    return st ? rt_fail(NULL, st, "%s", msg) : CLCONV_SUCCESS;
}

/* The caller's problem as the library's, when it is valid: the size
 * functions answer 0 otherwise, as the header says, without touching the
 * thread's error message. */
static int valid(const clconv_problem *in, clconv_problem *p)
{
    clconv_problem_init(p);
    return in && rt_struct_copy(in, CLCONV_PROBLEM_STRUCT_SIZE, p) &&
           check(p, NULL, 0) == CLCONV_SUCCESS;
}

int clconv_problem_out_height(const clconv_problem *in)
{
    clconv_problem p;
    return valid(in, &p) ? (int)out_extent(rt_padded_height(&p), p.kernel_h, p.dilation_h,
                                           p.stride_h)
                         : 0;
}

int clconv_problem_out_width(const clconv_problem *in)
{
    clconv_problem p;
    return valid(in, &p) ? (int)out_extent(rt_padded_width(&p), p.kernel_w, p.dilation_w,
                                           p.stride_w)
                         : 0;
}

void clconv_problem_pads(const clconv_problem *in, int pads[4])
{
    clconv_problem p;
    clconv_problem_init(&p);
    if (in)
        rt_struct_copy(in, CLCONV_PROBLEM_STRUCT_SIZE, &p);
    pads[0] = p.pad_h;
    pads[1] = rt_pad_bottom(&p);
    pads[2] = p.pad_w;
    pads[3] = rt_pad_right(&p);
}

size_t clconv_problem_input_elems(const clconv_problem *in)
{
    clconv_problem p;
    return valid(in, &p) ? (size_t)p.batch * (size_t)p.in_channels * (size_t)p.height *
                               (size_t)p.width
                         : 0;
}

size_t clconv_problem_weight_elems(const clconv_problem *in)
{
    clconv_problem p;
    return valid(in, &p) ? (size_t)p.out_channels * (size_t)(p.in_channels / rt_groups(&p)) *
                               (size_t)p.kernel_h * (size_t)p.kernel_w
                         : 0;
}

size_t clconv_problem_output_elems(const clconv_problem *in)
{
    clconv_problem p;
    return valid(in, &p) ? (size_t)p.batch * (size_t)p.out_channels *
                               (size_t)clconv_problem_out_height(&p) *
                               (size_t)clconv_problem_out_width(&p)
                         : 0;
}
