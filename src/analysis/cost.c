/* Cost model: FLOPs and compulsory bytes, per algorithm and stage as clconv
 * implements it. A multiply-add counts 2 FLOPs. Compulsory bytes: every
 * operand a stage reads counted once, every result it writes counted once
 * (4 bytes a float, 8 a complex value); what a cache would have to re-read
 * is the implementation's inefficiency, not part of the bound. */
#include "analysis/cost.h"

#include "runtime/rt.h"

#include <math.h>
#include <string.h>

static double outputs(const clconv_problem *p)
{
    return (double)p->batch * p->out_channels * clconv_problem_out_height(p) *
           clconv_problem_out_width(p);
}

static void add_stage(clconv_cost *c, const char *name, double flops, double bytes)
{
    clconv_stage_cost *s = &c->stages[c->stage_count++];
    s->name = name;
    s->flops = flops;
    s->bytes = bytes;
    c->flops += flops;
    c->bytes += bytes;
}

/* Direct convolution: every output element is a dot product of length
 * C_in*KH*KW, so FLOPs = 2 * N * C_out * OH * OW * C_in * KH * KW (the bias
 * add, one per output, is left out as every framework does). Compulsory bytes: input, weights and bias
 * read once, output written once (4 bytes each). */
void an_direct_cost(const clconv_problem *p, int has_bias, double *flops, double *bytes)
{
    *flops = 2.0 * outputs(p) * p->in_channels * p->kernel_h * p->kernel_w;
    *bytes = 4.0 * ((double)clconv_problem_input_elems(p) + (double)clconv_problem_weight_elems(p) +
                    (has_bias ? p->out_channels : 0) + outputs(p));
}

void an_direct_stages(const clconv_problem *p, int has_bias, clconv_cost *c)
{
    double flops, bytes;
    memset(c, 0, sizeof *c);
    an_direct_cost(p, has_bias, &flops, &bytes);
    add_stage(c, "conv", flops, bytes);
}

/* im2col reads the input once and writes the column matrix
 * [N][C_in*KH*KW][OH*OW]; the GEMM reads the columns and the weights and
 * writes the output; the bias pass reads and writes the output once more
 * (one add per output). */
void an_im2col_gemm_stages(const clconv_problem *p, int has_bias, clconv_cost *c)
{
    memset(c, 0, sizeof *c);
    double out = outputs(p);
    double cols = (double)p->batch * p->in_channels * p->kernel_h * p->kernel_w *
                  clconv_problem_out_height(p) * clconv_problem_out_width(p);
    double flops, unused;
    an_direct_cost(p, 0, &flops, &unused);
    add_stage(c, "im2col", 0.0, 4.0 * ((double)clconv_problem_input_elems(p) + cols));
    add_stage(c, "gemm", flops,
              4.0 * (cols + (double)clconv_problem_weight_elems(p) + out));
    if (has_bias)
        add_stage(c, "bias", out, 4.0 * (2.0 * out + p->out_channels));
}

/* A real transform of n points: the customary 2.5 n log2 n FLOPs (half the
 * 5 n log2 n of a complex one), whatever the radix. */
static double real_fft_flops(double n)
{
    return 2.5 * n * log2(n);
}

/* FFT convolution over ph x pw transforms with f = ph * (pw/2 + 1)
 * frequencies per plane: pad writes the padded planes; the forward
 * transforms read them and write spectra; cmac reads the input and weight
 * spectra and writes the output spectra (a complex multiply-add is 8 FLOPs);
 * the inverse reads those and writes real planes; crop reads the outputs it
 * keeps (a stride samples them) and writes them, scaled, plus the bias. */
void an_fft_stages(const clconv_problem *p, int has_bias, size_t ph, size_t pw, clconv_cost *c)
{
    memset(c, 0, sizeof *c);
    double n = p->batch, ci = p->in_channels, co = p->out_channels;
    double plane = (double)ph * (double)pw, f = (double)ph * (double)(pw / 2 + 1);
    double out = outputs(p);
    add_stage(c, "pad", 0.0, 4.0 * ((double)clconv_problem_input_elems(p) + n * ci * plane));
    add_stage(c, "fft_forward", n * ci * real_fft_flops(plane), n * ci * (4.0 * plane + 8.0 * f));
    add_stage(c, "cmac", 8.0 * n * co * ci * f, 8.0 * f * (n * ci + co * ci + n * co));
    add_stage(c, "fft_inverse", n * co * real_fft_flops(plane), n * co * (8.0 * f + 4.0 * plane));
    add_stage(c, "crop", out * (has_bias ? 2.0 : 1.0),
              4.0 * (2.0 * out + (has_bias ? co : 0.0)));
}

/* out[o][s] = x[s] * k[o][s]: one multiply per output, x and k read once,
 * out written once. */
void an_pointwise_cost(const clconv_problem *p, clconv_cost *c)
{
    memset(c, 0, sizeof *c);
    double s = (double)p->in_channels * p->height * p->width, n = (double)p->out_channels * s;
    add_stage(c, "pointwise", n, 4.0 * (s + 2.0 * n));
}

void clconv_problem_cost(const clconv_problem *p, int with_bias, double *flops, double *bytes)
{
    *flops = *bytes = 0.0;
    if (p && clconv_problem_validate(p) == CLCONV_SUCCESS)
        an_direct_cost(p, with_bias, flops, bytes);
    rt_clear_error(NULL);
}

void clconv_pointwise_cost(const clconv_problem *p, clconv_cost *cost)
{
    memset(cost, 0, sizeof *cost);
    if (p && p->in_channels > 0 && p->height > 0 && p->width > 0 && p->out_channels > 0)
        an_pointwise_cost(p, cost);
}
