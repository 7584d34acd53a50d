/* Double-precision CPU convolution: the independent reference for tests and --verify.
 * The textbook definition, sharing no code with any kernel:
 *   conv[n][o][y][x] = sum over c, kh, kw (in that order) of
 *       in[n][c][y*sh - ph + kh*dh][x*sw - pw + kw*dw] * w[o][c][kh][kw]
 * (terms outside the input are zero), then
 *   out = act(alpha * conv + bias[o] + beta * z) (the epilogue; the identity
 * gives conv + bias). Each output plane (n, o) is summed in
 * a double accumulator plane with the pixel loop innermost, so the input is
 * read along rows; every output still adds its terms in the order above, so
 * the result is the same as the seven-loop form bit for bit. The planes are
 * shared among the machine's cores. */
#define _POSIX_C_SOURCE 200809L
#include "runtime/rt.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct ref_job {
    const clconv_problem *p;
    const float *input, *weights, *bias, *residual;
    const clconv_epilogue *e;
    float *output;
    int oh_n, ow_n;
    atomic_int next; /* the next output plane n * C_out + o to take */
} ref_job;

static double relu6(double x)
{
    return x < 0.0 ? 0.0 : x > 6.0 ? 6.0 : x; /* NaN falls through both */
}

/* Each activation's textbook formula in double (clconv.h states them). */
static double activate(const clconv_epilogue *e, double x)
{
    const double lo = e->activation_params[0], hi = e->activation_params[1];
    switch (e->activation) {
    case CLCONV_ACTIVATION_RELU:
        return x < 0.0 ? 0.0 : x;
    case CLCONV_ACTIVATION_RELU6:
        return relu6(x);
    case CLCONV_ACTIVATION_CLAMP:
        return x < lo ? lo : x > hi ? hi : x;
    case CLCONV_ACTIVATION_LEAKY_RELU:
        return x < 0.0 ? lo * x : x;
    case CLCONV_ACTIVATION_SIGMOID:
        return 1.0 / (1.0 + exp(-x));
    case CLCONV_ACTIVATION_TANH:
        return tanh(x);
    case CLCONV_ACTIVATION_SILU:
        return x / (1.0 + exp(-x));
    case CLCONV_ACTIVATION_HARDSWISH:
        return x * relu6(x + 3.0) / 6.0;
    case CLCONV_ACTIVATION_GELU:
    {
        const double pi = 3.14159265358979323846;
        return 0.5 * x * (1.0 + tanh(sqrt(2.0 / pi) * (x + 0.044715 * x * x * x)));
    }
    default:
        return x;
    }
}

static void plane(const ref_job *j, int n, int o, double *acc)
{
    const clconv_problem *p = j->p;
    const int oh_n = j->oh_n, ow_n = j->ow_n;
    const long H = p->height, W = p->width;
    for (int i = 0; i < oh_n * ow_n; i++)
        acc[i] = 0.0;
    /* the input channels of o's group */
    const int group_in = p->in_channels / rt_groups(p);
    const int c0 = o / (p->out_channels / rt_groups(p)) * group_in;
    for (int c = c0; c < c0 + group_in; c++) {
        const float *in = j->input + ((size_t)n * p->in_channels + c) * (size_t)H * (size_t)W;
        const float *k = j->weights + ((size_t)o * group_in + (c - c0)) * (size_t)p->kernel_h *
                                          p->kernel_w;
        for (int kh = 0; kh < p->kernel_h; kh++)
            for (int kw = 0; kw < p->kernel_w; kw++) {
                const double w = k[kh * p->kernel_w + kw];
                /* the columns whose tap lands inside the row, so the pixel
                 * loop runs without a test (and vectorises at stride 1) */
                const long shift = (long)kw * p->dilation_w - p->pad_w, sw = p->stride_w;
                long ow_lo = shift >= 0 ? 0 : (-shift + sw - 1) / sw;
                long ow_hi = W - 1 - shift < 0 ? 0 : (W - 1 - shift) / sw + 1;
                if (ow_hi > ow_n)
                    ow_hi = ow_n;
                for (int oh = 0; oh < oh_n && ow_lo < ow_hi; oh++) {
                    long ih = (long)oh * p->stride_h - p->pad_h + (long)kh * p->dilation_h;
                    if (ih < 0 || ih >= H)
                        continue;
                    const float *row = in + ih * W;
                    double *out = acc + (size_t)oh * ow_n;
                    if (sw == 1)
                        for (long ow = ow_lo; ow < ow_hi; ow++)
                            out[ow] += (double)row[ow + shift] * w;
                    else
                        for (long ow = ow_lo; ow < ow_hi; ow++)
                            out[ow] += (double)row[ow * sw + shift] * w;
                }
            }
    }
    const size_t at = ((size_t)n * p->out_channels + o) * (size_t)oh_n * ow_n;
    const clconv_epilogue *e = j->e;
    const double b = j->bias ? j->bias[o] : 0.0;
    for (int i = 0; i < oh_n * ow_n; i++) {
        double y = e->alpha * acc[i] + b;
        if (e->residual)
            y += e->beta * (double)j->residual[at + (size_t)i];
        j->output[at + (size_t)i] = (float)activate(e, y);
    }
}

static void *worker(void *arg)
{
    ref_job *j = arg;
    double *acc = malloc((size_t)j->oh_n * j->ow_n * sizeof *acc);
    if (!acc)
        return NULL; /* the other workers take every plane */
    const int planes = j->p->batch * j->p->out_channels;
    for (int i; (i = atomic_fetch_add(&j->next, 1)) < planes;)
        plane(j, i / j->p->out_channels, i % j->p->out_channels, acc);
    free(acc);
    return NULL;
}

clconv_status clconv_reference_conv2d(const clconv_problem *caller, const float *input,
                                      const float *weights, const float *bias, float *output)
{
    return clconv_reference_conv2d_epilogue(caller, input, weights, bias, NULL, NULL, output);
}

clconv_status clconv_reference_conv2d_epilogue(const clconv_problem *caller, const float *input,
                                               const float *weights, const float *bias,
                                               const float *residual,
                                               const clconv_epilogue *epilogue, float *output)
{
    clconv_epilogue copy;
    const clconv_epilogue *e = &copy;
    clconv_problem q;
    const clconv_problem *p = &q;
    clconv_status st = rt_problem_in(NULL, caller, &q);
    if (!st)
        st = clconv_problem_validate(p);
    if (st)
        return st;
    if (!input || !weights || !output)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "reference: input, weights and output must "
                       "be non-NULL");
    if (epilogue && (st = clconv_epilogue_validate(epilogue)))
        return st;
    if ((st = rt_epilogue_in(NULL, epilogue, &copy)))
        return st;
    if (e->residual && !residual)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG,
                       "reference: residual is NULL with epilogue.residual = 1");
    ref_job j = {p, input, weights, bias, residual, e, output, clconv_problem_out_height(p),
                 clconv_problem_out_width(p), 0};
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int planes = p->batch * p->out_channels;
    int threads = cores < 1 ? 1 : cores > 16 ? 16 : (int)cores;
    if (threads > planes)
        threads = planes;
    pthread_t tid[16];
    int started = 0;
    for (; started < threads - 1; started++) /* the calling thread is the last worker */
        if (pthread_create(&tid[started], NULL, worker, &j) != 0)
            break; /* fewer threads, same result */
    worker(&j);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    if (atomic_load(&j.next) < planes) /* no worker had memory for its plane */
        return rt_fail(NULL, CLCONV_ERR_OUT_OF_MEMORY,
                       "reference: out of host memory for a %d x %d accumulator plane", j.oh_n,
                       j.ow_n);
    return CLCONV_SUCCESS;
}

double clconv_rel_l2_error(const float *out, const float *ref, size_t n)
{
    double diff = 0.0, norm = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)out[i] - (double)ref[i];
        diff += d * d;
        norm += (double)ref[i] * (double)ref[i];
    }
    return norm > 0.0 ? sqrt(diff / norm) : sqrt(diff);
}
