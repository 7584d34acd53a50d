/* Double-precision CPU convolution: the independent reference for tests and --verify.
 * Deliberately the textbook seven-loop form, sharing no code with any kernel. */
#include "runtime/rt.h"

#include <math.h>

clconv_status clconv_reference_conv2d(const clconv_problem *p, const float *input,
                                      const float *weights, const float *bias, float *output)
{
    clconv_status st = clconv_problem_validate(p);
    if (st)
        return st;
    if (!input || !weights || !output)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "reference: input, weights and output must "
                       "be non-NULL");
    const int oh_n = clconv_problem_out_height(p), ow_n = clconv_problem_out_width(p);
    const size_t H = (size_t)p->height, W = (size_t)p->width;
    for (int n = 0; n < p->batch; n++)
        for (int o = 0; o < p->out_channels; o++)
            for (int oh = 0; oh < oh_n; oh++)
                for (int ow = 0; ow < ow_n; ow++) {
                    double acc = bias ? bias[o] : 0.0;
                    for (int c = 0; c < p->in_channels; c++) {
                        const float *plane = input + ((size_t)n * p->in_channels + c) * H * W;
                        const float *k = weights + ((size_t)o * p->in_channels + c) *
                                                       (size_t)p->kernel_h * p->kernel_w;
                        for (int kh = 0; kh < p->kernel_h; kh++) {
                            long ih = (long)oh * p->stride_h - p->pad_h + (long)kh * p->dilation_h;
                            if (ih < 0 || ih >= (long)H)
                                continue;
                            for (int kw = 0; kw < p->kernel_w; kw++) {
                                long iw = (long)ow * p->stride_w - p->pad_w +
                                          (long)kw * p->dilation_w;
                                if (iw < 0 || iw >= (long)W)
                                    continue;
                                acc += (double)plane[(size_t)ih * W + (size_t)iw] *
                                       (double)k[kh * p->kernel_w + kw];
                            }
                        }
                    }
                    output[(((size_t)n * p->out_channels + o) * oh_n + oh) * ow_n + ow] =
                        (float)acc;
                }
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
