/* clconv's kernels alone, on small odd inputs this test writes, against a
 * host computation: the kernels that in a full run read what CLBlast or
 * clFFT wrote (the epilogue pass, block_weights + cmac, crop), the peak kernels,
 * clconv's DFT backend, SGEMM and complex GEMM (which oclgrind cannot check
 * strictly through clconv-bench: there they read what clFFT wrote, run
 * beside CLBlast, or meet reports tests/oclgrind/run.py explains).
 * Run under oclgrind it checks them with nothing third-party in the process
 * (tests/oclgrind/run.py); the other kernels read only clconv's own data
 * and are checked there through whole clconv-bench runs.
 * Also: every embedded cl/ file builds without a warning in its log. */
#include "fixture.h"

#include "analysis/peaks.h"

#include "conv/algo.h"

#include "runtime/fft.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static clconv_context *ctx;

static int setup(void **state)
{
    (void)state;
    ctx = fixture_context();
    printf("device: %s\n", clconv_context_device(ctx)->name); /* run.py checks it */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return clconv_context_destroy(ctx) == CLCONV_SUCCESS ? 0 : -1;
}

static cl_kernel kernel(const char *file, const char *name, const char *options)
{
    cl_program prog;
    cl_kernel k;
    if (rt_program_get(ctx, file, options, &prog, NULL) || rt_kernel_create(ctx, prog, name, &k))
        fail_msg("%s: %s", name, clconv_last_error(ctx));
    return k;
}

/* Sets mems then ints as the kernel's arguments, in that order. */
static void args(cl_kernel k, const cl_mem *mems, int nmem, const cl_int *ints, int nint)
{
    for (int i = 0; i < nmem; i++)
        assert_int_equal(clSetKernelArg(k, (cl_uint)i, sizeof(cl_mem), &mems[i]), CL_SUCCESS);
    for (int i = 0; i < nint; i++)
        assert_int_equal(clSetKernelArg(k, (cl_uint)(nmem + i), sizeof(cl_int), &ints[i]),
                         CL_SUCCESS);
}

static void launch(cl_kernel k, cl_uint dims, const size_t *global)
{
    assert_int_equal(clEnqueueNDRangeKernel(clconv_context_queue(ctx), k, dims, NULL, global,
                                            NULL, 0, NULL, NULL),
                     CL_SUCCESS);
    assert_int_equal(clFinish(clconv_context_queue(ctx)), CL_SUCCESS);
}

static float *random_floats(size_t n, uint32_t seed)
{
    float *v = malloc(n * sizeof *v);
    assert_non_null(v);
    fixture_fill(v, n, &seed);
    return v;
}

static void expect_close(const float *got, const double *want, size_t n, double tol,
                         const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (!(fabs(got[i] - want[i]) <= tol * (1.0 + fabs(want[i]))))
            fail_msg("%s[%zu] = %.9g, host %.9g", what, i, got[i], want[i]);
}

static int vec_for(int row)
{
    return rt_vector_width(clconv_context_device(ctx), row);
}

/* im2col-gemm's epilogue pass over 2 x 3 planes of 37 outputs (a vector
 * body and a tail): with a bias and no epilogue (the plain add), then with
 * leaky_relu (slope 0.25), alpha 2 and a residual, against double
 * arithmetic. */
static void test_epilogue_pass(void **state)
{
    (void)state;
    const int planes = 6, C_out = 3, P = 37, vec = vec_for(P);
    const size_t n = (size_t)planes * P;
    float *out = random_floats(n, 1), *bias = random_floats(C_out, 2), *z = random_floats(n, 9);
    float *got = malloc(n * sizeof *got);
    double *want = malloc(n * sizeof *want);
    assert_non_null(got);
    assert_non_null(want);
    for (int with_epilogue = 0; with_epilogue < 2; with_epilogue++) {
        clconv_epilogue e;
        clconv_epilogue_init(&e);
        if (with_epilogue) {
            e.activation = CLCONV_ACTIVATION_LEAKY_RELU;
            e.activation_params[0] = 0.25f;
            e.alpha = 2.0f, e.residual = 1;
        }
        char epilogue[CONV_EPILOGUE_OPTIONS_MAX], opt[32 + CONV_EPILOGUE_OPTIONS_MAX];
        conv_epilogue_options(&e, epilogue, sizeof epilogue);
        snprintf(opt, sizeof opt, "-DVEC=%d%s", vec, epilogue);
        cl_kernel k = kernel("im2col/epilogue.cl", "epilogue", opt);
        for (size_t i = 0; i < n; i++) {
            double y = e.alpha * (double)out[i] + bias[(i / (size_t)P) % (size_t)C_out];
            y += with_epilogue ? (double)z[i] : 0.0;
            want[i] = with_epilogue && y < 0.0 ? 0.25 * y : y;
        }
        cl_mem mems[] = {fixture_upload(ctx, out, n), fixture_upload(ctx, bias, C_out),
                         fixture_upload(ctx, z, n)};
        const cl_int ints[] = {C_out, P, 1};
        args(k, mems, 3, ints, 3);
        size_t global[2] = {(size_t)(P + vec - 1) / (size_t)vec, (size_t)planes};
        launch(k, 2, global);
        fixture_download(ctx, mems[0], got, n);
        expect_close(got, want, n, 1e-6, with_epilogue ? "epilogue pass" : "bias pass");
        for (int i = 0; i < 3; i++)
            clReleaseMemObject(mems[i]);
        clReleaseKernel(k);
    }
    free(out), free(bias), free(z), free(got), free(want);
}

/* block_weights then cmac, against complex arithmetic on the plane-major
 * spectra: Y[n][o][f] = sum_i conj(W[o][i][f]) * X[n][i][f], for 3 images
 * (an odd image tile), 5 output channels (an odd output tile) and 7 input
 * channels. */
static void test_block_weights_and_cmac(void **state)
{
    (void)state;
    const int N = 3, C_in = 7, C_out = 5, F = 21, vec = vec_for(16);
    const int F_pad = (F + vec - 1) / vec * vec, OT = 4, BT = 2;
    const int o_tiles = (C_out + OT - 1) / OT;
    char opt[64];
    snprintf(opt, sizeof opt, "-DVEC=%d -DOT=%d -DBT=%d", vec, OT, BT);
    cl_kernel block = kernel("fft/cmac.cl", "block_weights", opt);
    cl_kernel cmac = kernel("fft/cmac.cl", "cmac", opt);
    size_t nw = (size_t)C_out * C_in * F_pad, nx = (size_t)N * C_in * F_pad;
    size_t ny = (size_t)N * C_out * F_pad, nb = (size_t)o_tiles * OT * C_in * F_pad * 2;
    float *wr = random_floats(nw, 3), *wi = random_floats(nw, 4);
    float *xr = random_floats(nx, 5), *xi = random_floats(nx, 6);
    float *zeros = calloc(nb, sizeof(float)), *yr = malloc(ny * sizeof(float)),
          *yi = malloc(ny * sizeof(float));
    double *want_r = calloc(ny, sizeof(double)), *want_i = calloc(ny, sizeof(double));
    for (int n = 0; n < N; n++)
        for (int o = 0; o < C_out; o++)
            for (int f = 0; f < F_pad; f++)
                for (int i = 0; i < C_in; i++) {
                    size_t w = ((size_t)o * C_in + i) * F_pad + f;
                    size_t x = ((size_t)n * C_in + i) * F_pad + f;
                    size_t y = ((size_t)n * C_out + o) * F_pad + f;
                    want_r[y] += (double)wr[w] * xr[x] + (double)wi[w] * xi[x];
                    want_i[y] += (double)wr[w] * xi[x] - (double)wi[w] * xr[x];
                }
    cl_mem dwr = fixture_upload(ctx, wr, nw), dwi = fixture_upload(ctx, wi, nw);
    cl_mem dw = fixture_upload(ctx, zeros, nb); /* channels past C_out must read zero */
    cl_mem dxr = fixture_upload(ctx, xr, nx), dxi = fixture_upload(ctx, xi, nx);
    cl_mem dyr = fixture_output(ctx, ny), dyi = fixture_output(ctx, ny);
    const cl_mem bmems[] = {dwr, dwi, dw};
    const cl_int bints[] = {C_in, F_pad};
    args(block, bmems, 3, bints, 2);
    size_t bglobal[2] = {(size_t)F_pad, (size_t)C_out * C_in};
    launch(block, 2, bglobal);
    const cl_mem cmems[] = {dxr, dxi, dw, dyr, dyi};
    const cl_int cints[] = {N, C_in, C_out, F_pad};
    args(cmac, cmems, 5, cints, 4);
    size_t cglobal = (size_t)(F_pad / vec) * o_tiles * ((N + BT - 1) / BT);
    launch(cmac, 1, &cglobal);
    fixture_download(ctx, dyr, yr, ny);
    fixture_download(ctx, dyi, yi, ny);
    expect_close(yr, want_r, ny, 1e-5, "cmac real");
    expect_close(yi, want_i, ny, 1e-5, "cmac imaginary");
    cl_mem all[] = {dwr, dwi, dw, dxr, dxi, dyr, dyi};
    for (int i = 0; i < 7; i++)
        clReleaseMemObject(all[i]);
    clReleaseKernel(block), clReleaseKernel(cmac);
    free(wr), free(wi), free(xr), free(xi), free(zeros), free(yr), free(yi);
    free(want_r), free(want_i);
}

/* crop: gather 2 images x 3 channels of outputs from 2 x 3 tiles of 9 x 10
 * planes, each holding 4 x 5 valid stride-1 outputs, at stride 2x3 (so a
 * tile's row offset alternates); scale by 1/90, add the bias. */
static void test_crop(void **state)
{
    (void)state;
    const int N = 2, C_out = 3, Ph = 9, Pw = 10, SH = 2, SW = 3;
    const int tiles_h = 2, tiles_w = 3, step_h = 4, step_w = 5, tiles = tiles_h * tiles_w;
    const int OH = (tiles_h * step_h + SH - 1) / SH, OW = (tiles_w * step_w + SW - 1) / SW;
    const int planes = N * tiles * C_out;
    cl_kernel k = kernel("fft/crop.cl", "crop", "-DVEC=1");
    float *real = random_floats((size_t)planes * Ph * Pw, 7), *bias = random_floats(C_out, 8);
    size_t no = (size_t)N * C_out * OH * OW;
    float *out = malloc(no * sizeof *out);
    double *want = malloc(no * sizeof *want);
    for (int n = 0; n < N; n++)
        for (int co = 0; co < C_out; co++)
            for (int y = 0; y < OH; y++)
                for (int x = 0; x < OW; x++) {
                    int sy = y * SH, sx = x * SW;
                    int tile = (sy / step_h) * tiles_w + sx / step_w;
                    size_t src = ((size_t)(n * tiles + tile) * C_out + co) * Ph * Pw;
                    want[(((size_t)n * C_out + co) * OH + y) * OW + x] =
                        real[src + (size_t)(sy % step_h) * Pw + sx % step_w] /
                            (double)(Ph * Pw) +
                        bias[co];
                }
    cl_mem mems[] = {fixture_upload(ctx, real, (size_t)planes * Ph * Pw),
                     fixture_upload(ctx, bias, C_out), fixture_output(ctx, no),
                     NULL /* no residual: the plain epilogue */};
    const cl_int ints[] = {C_out, OH, OW, SH, SW, Ph, Pw, 1, tiles_w, tiles, step_h, step_w};
    args(k, mems, 4, ints, 12);
    size_t global[3] = {(size_t)OW, (size_t)OH, (size_t)N * C_out};
    launch(k, 3, global);
    fixture_download(ctx, mems[2], out, no);
    expect_close(out, want, no, 1e-6, "crop");
    for (int i = 0; i < 3; i++)
        clReleaseMemObject(mems[i]);
    clReleaseKernel(k);
    free(real), free(bias), free(out), free(want);
}

/* clconv's DFT backend (runtime/fft_dft.c, cl/fft/dft.cl) against a host
 * DFT in double: planes of odd and even sizes up to its limit (heights
 * taking each group of rows the kernel does at once: 1, 2, 3 and 4),
 * several planes (and a partial work-group), both spectra layouts; the inverse of
 * the spectra gives the planes back times PH*PW. Here its inputs are the
 * host's, so under oclgrind every report is the DFT's own. */
static void test_dft_backend(void **state)
{
    (void)state;
    static const int sizes[][2] = {{1, 1}, {3, 5}, {6, 6}, {8, 7}, {5, 16}, {10, 9}, {16, 16}};
    const rt_fft_backend *be = rt_fft_backend_get(CLCONV_FFT_BACKEND_CLCONV);
    const double two_pi = 8.0 * atan(1.0);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int layout = 0; layout < 2; layout++) {
            const size_t ph = (size_t)sizes[s][0], pw = (size_t)sizes[s][1], planes = 37;
            const size_t fw = pw / 2 + 1, f = ph * fw, pitch = f + 3, n = planes * ph * pw;
            const int planar = layout == 0;
            float *x = random_floats(n, 40 + (uint32_t)s);
            size_t spec_floats = planar ? planes * pitch : 2 * planes * f;
            float *re = calloc(spec_floats, sizeof *re), *im = calloc(spec_floats, sizeof *im);
            float *back = malloc(n * sizeof *back);
            double *want = malloc(2 * planes * f * sizeof *want);
            assert_true(re && im && back && want);
            for (size_t p = 0; p < planes; p++)
                for (size_t ky = 0; ky < ph; ky++)
                    for (size_t kx = 0; kx < fw; kx++) {
                        double sr = 0.0, si = 0.0;
                        for (size_t y = 0; y < ph; y++)
                            for (size_t c = 0; c < pw; c++) {
                                double a = -two_pi * ((double)(y * ky) / (double)ph +
                                                      (double)(c * kx) / (double)pw);
                                double v = x[(p * ph + y) * pw + c];
                                sr += v * cos(a), si += v * sin(a);
                            }
                        want[2 * (p * f + ky * fw + kx)] = sr;
                        want[2 * (p * f + ky * fw + kx) + 1] = si;
                    }
            rt_fft_desc fwd = {0, ph, pw, planes,
                               planar ? RT_SPECTRA_PLANE_MAJOR : RT_SPECTRA_FREQ_MAJOR, pitch};
            rt_fft_desc inv = fwd;
            inv.inverse = 1;
            rt_fft *ff = NULL, *fi = NULL;
            size_t scratch = 0;
            double ms = 0.0;
            if (be->create(ctx, &fwd, &ff, &scratch, &ms) ||
                be->create(ctx, &inv, &fi, &scratch, &ms))
                fail_msg("dft %zu x %zu: %s", ph, pw, clconv_last_error(ctx));
            cl_mem dx = fixture_upload(ctx, x, n), dback = fixture_output(ctx, n);
            cl_mem dre = fixture_upload(ctx, re, spec_floats);
            cl_mem dim = planar ? fixture_upload(ctx, im, spec_floats) : NULL;
            assert_int_equal(be->enqueue(ctx, ff, dx, dre, dim, NULL, NULL), CLCONV_SUCCESS);
            assert_int_equal(be->enqueue(ctx, fi, dback, dre, dim, NULL, NULL), CLCONV_SUCCESS);
            fixture_download(ctx, dre, re, spec_floats);
            if (planar)
                fixture_download(ctx, dim, im, spec_floats);
            fixture_download(ctx, dback, back, n);
            double scale = 0.0; /* the spectra's size, for an absolute tolerance */
            for (size_t i = 0; i < 2 * planes * f; i++)
                scale = fmax(scale, fabs(want[i]));
            for (size_t p = 0; p < planes; p++)
                for (size_t k = 0; k < f; k++) {
                    float gr = planar ? re[p * pitch + k] : re[2 * (k * planes + p)];
                    float gi = planar ? im[p * pitch + k] : re[2 * (k * planes + p) + 1];
                    if (!(fabs(gr - want[2 * (p * f + k)]) <= 1e-5 * scale) ||
                        !(fabs(gi - want[2 * (p * f + k) + 1]) <= 1e-5 * scale))
                        fail_msg("dft %zu x %zu %s, plane %zu, frequency %zu: %g%+gi, host %g%+gi",
                                 ph, pw, planar ? "planar" : "interleaved", p, k, gr, gi,
                                 want[2 * (p * f + k)], want[2 * (p * f + k) + 1]);
                }
            for (size_t i = 0; i < n; i++)
                if (!(fabs(back[i] - (double)x[i] * (double)(ph * pw)) <= 1e-5 * scale))
                    fail_msg("dft %zu x %zu %s: inverse[%zu] = %g, want %g", ph, pw,
                             planar ? "planar" : "interleaved", i, back[i],
                             (double)x[i] * (double)(ph * pw));
            be->destroy(ff);
            be->destroy(fi);
            clReleaseMemObject(dx), clReleaseMemObject(dback), clReleaseMemObject(dre);
            if (dim)
                clReleaseMemObject(dim);
            free(x), free(re), free(im), free(back), free(want);
        }
}

/* The VkFFT backend's reorder (cl/fft/reorder.cl): VkFFT's interleaved,
 * plane-major spectra into each of clconv's layouts (runtime/fft.h) and
 * back, element by element; the data are the host's, so under oclgrind
 * every report is the reorder's own. */
static void test_spectra_reorder(void **state)
{
    (void)state;
    const int planes = 5, freqs = 13, pitch = 17; /* pitch > freqs: a gap after each plane */
    const size_t nvk = 2 * (size_t)planes * freqs;
    float *vk = random_floats(nvk, 60), *back = malloc(nvk * sizeof *back);
    assert_non_null(back);
    for (int layout = 0; layout < 2; layout++) {
        const int planar = layout == 0;
        const char *opt = planar ? "" : "-DFREQ_MAJOR";
        const size_t nspec = planar ? (size_t)planes * pitch : nvk;
        cl_kernel from = kernel("fft/reorder.cl", "from_vkfft", opt);
        cl_kernel to = kernel("fft/reorder.cl", "to_vkfft", opt);
        /* outputs start as the host's zeros, as in test_block_weights_and_cmac: a
         * buffer poisoned with clEnqueueFillBuffer, written by from_vkfft, reads
         * as "uninitialised" in to_vkfft under oclgrind 21.10 (all but its first
         * element); a missed element still fails the comparisons below */
        float *zeros = calloc(nvk > nspec ? nvk : nspec, sizeof *zeros);
        assert_non_null(zeros);
        cl_mem dvk = fixture_upload(ctx, vk, nvk), dre = fixture_upload(ctx, zeros, nspec);
        cl_mem dim = planar ? fixture_upload(ctx, zeros, nspec) : NULL;
        cl_mem dback = fixture_upload(ctx, zeros, nvk);
        free(zeros);
        const cl_int ints[] = {planes, freqs, pitch};
        size_t global[2] = {(size_t)(planar ? freqs : planes), (size_t)(planar ? planes : freqs)};
        const cl_mem from_mems[] = {dvk, dre, dim}, to_mems[] = {dre, dim, dback};
        args(from, from_mems, 3, ints, 3);
        launch(from, 2, global);
        args(to, to_mems, 3, ints, 3);
        launch(to, 2, global);
        float *re = malloc(nspec * sizeof *re), *im = malloc(nspec * sizeof *im);
        assert_true(re && im);
        fixture_download(ctx, dre, re, nspec);
        if (planar)
            fixture_download(ctx, dim, im, nspec);
        fixture_download(ctx, dback, back, nvk);
        for (int b = 0; b < planes; b++)
            for (int f = 0; f < freqs; f++) {
                size_t v = 2 * ((size_t)b * freqs + f);
                float gr = planar ? re[b * pitch + f] : re[2 * ((size_t)f * planes + b)];
                float gi = planar ? im[b * pitch + f] : re[2 * ((size_t)f * planes + b) + 1];
                if (gr != vk[v] || gi != vk[v + 1])
                    fail_msg("from_vkfft %s, plane %d, frequency %d: %g%+gi, want %g%+gi",
                             planar ? "planar" : "interleaved", b, f, gr, gi, vk[v], vk[v + 1]);
            }
        for (size_t i = 0; i < nvk; i++)
            if (back[i] != vk[i])
                fail_msg("to_vkfft %s: [%zu] = %g, want %g", planar ? "planar" : "interleaved",
                         i, back[i], vk[i]);
        clReleaseMemObject(dvk), clReleaseMemObject(dre), clReleaseMemObject(dback);
        if (dim)
            clReleaseMemObject(dim);
        clReleaseKernel(from), clReleaseKernel(to);
        free(re), free(im);
    }
    free(vk), free(back);
}

/* The peak kernels at a small size: copy_stream copies; fma_chains computes
 * what the same multiply-adds compute on the host. */
static void test_peak_kernels(void **state)
{
    (void)state;
    const int vec = vec_for(16);
    char opt[32];
    snprintf(opt, sizeof opt, "-DVEC=%d", vec);
    const size_t items = 13, n = items * (size_t)vec;
    cl_kernel copy = kernel("peaks/peaks.cl", "copy_stream", opt);
    float *src = random_floats(n, 9), *dst = malloc(n * sizeof *dst);
    cl_mem ds = fixture_upload(ctx, src, n), dd = fixture_output(ctx, n);
    const cl_mem cmems[] = {ds, dd};
    args(copy, cmems, 2, NULL, 0);
    launch(copy, 1, &items);
    fixture_download(ctx, dd, dst, n);
    assert_memory_equal(src, dst, n * sizeof *dst);

    cl_kernel fma = kernel("peaks/peaks.cl", "fma_chains", opt);
    const float a = 0.999f, b = 0.001f;
    const cl_int iters = 5;
    assert_int_equal(clSetKernelArg(fma, 0, sizeof dd, &dd), CL_SUCCESS);
    assert_int_equal(clSetKernelArg(fma, 1, sizeof a, &a), CL_SUCCESS);
    assert_int_equal(clSetKernelArg(fma, 2, sizeof b, &b), CL_SUCCESS);
    assert_int_equal(clSetKernelArg(fma, 3, sizeof iters, &iters), CL_SUCCESS);
    launch(fma, 1, &items);
    fixture_download(ctx, dd, dst, n);
    for (size_t id = 0; id < items; id++) {
        const double sum = peaks_fma_expected(id, a, b, iters);
        for (int lane = 0; lane < vec; lane++)
            if (fabs(dst[id * (size_t)vec + lane] - sum) > 1e-4 * fabs(sum))
                fail_msg("fma_chains work-item %zu lane %d: %.9g, host %.9g", id, lane,
                         dst[id * (size_t)vec + lane], sum);
    }
    clReleaseMemObject(ds), clReleaseMemObject(dd);
    clReleaseKernel(copy), clReleaseKernel(fma);
    free(src), free(dst);
}

/* One SGEMM shape; shared_a: every batch entry reads the same A (stride 0),
 * as im2col-gemm's weights. */
typedef struct gemm_case {
    int m, n, k, batch, shared_a;
} gemm_case;

/* Runs c at tile t with offsets, batch strides and leading dimensions wider
 * than the rows, and compares each element of C with a double-precision sum
 * (within 1e-5 of the sum of |a*b|); every other float of C's buffer must
 * keep the NaN it was poisoned with. */
/* clconv's tile in its space's order (the test of test_sgemm checks the names). */
enum { TILE_VEC, TILE_MR, TILE_NV, TILE_KC };

static void check_sgemm(const rt_sgemm_tile *tile, const gemm_case *c)
{
    const int *t = tile->params;
    const size_t m = (size_t)c->m, n = (size_t)c->n, k = (size_t)c->k, batch = (size_t)c->batch;
    rt_gemm g = {.m = m, .n = n, .k = k, .batch = batch,
                 .a_offset = 2, .lda = k + 3, .b_offset = 5, .ldb = n + 5,
                 .c_offset = 3, .ldc = n + 2};
    g.a_stride = c->shared_a ? 0 : m * g.lda + 7;
    g.b_stride = k * g.ldb + 1;
    g.c_stride = m * g.ldc + 4;
    const size_t na = g.a_offset + (batch - 1) * g.a_stride + m * g.lda;
    const size_t nb = g.b_offset + (batch - 1) * g.b_stride + k * g.ldb;
    const size_t nc = g.c_offset + (batch - 1) * g.c_stride + m * g.ldc + 1;
    float *a = random_floats(na, 21), *b = random_floats(nb, 22), *out = malloc(nc * sizeof *out);
    char *is_c = calloc(nc, 1);
    assert_non_null(out);
    assert_non_null(is_c);
    g.a = fixture_upload(ctx, a, na);
    g.b = fixture_upload(ctx, b, nb);
    g.c = fixture_output(ctx, nc);
    const rt_gemm_backend *be = rt_gemm_backend_get(CLCONV_GEMM_BACKEND_CLCONV, NULL, NULL);
    if (be->sgemm(ctx, &g, tile, NULL) != CLCONV_SUCCESS)
        fail_msg("sgemm %dx%dx%d batch %d: %s", c->m, c->n, c->k, c->batch,
                 clconv_last_error(ctx));
    assert_int_equal(clFinish(clconv_context_queue(ctx)), CL_SUCCESS);
    fixture_download(ctx, g.c, out, nc);
    for (size_t e = 0; e < batch; e++)
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++) {
                const float *ar = a + g.a_offset + e * g.a_stride + i * g.lda;
                const float *bc = b + g.b_offset + e * g.b_stride + j;
                double want = 0.0, mag = 0.0;
                for (size_t q = 0; q < k; q++) {
                    want += (double)ar[q] * bc[q * g.ldb];
                    mag += fabs((double)ar[q] * bc[q * g.ldb]);
                }
                const size_t at = g.c_offset + e * g.c_stride + i * g.ldc + j;
                is_c[at] = 1;
                if (!(fabs(out[at] - want) <= 1e-5 * (1.0 + mag)))
                    fail_msg("sgemm %dx%dx%d batch %d, tile vec %d mr %d nv %d kc %d: "
                             "C[%zu][%zu][%zu] = %.9g, host %.9g", c->m, c->n, c->k, c->batch,
                             t[TILE_VEC], t[TILE_MR], t[TILE_NV], t[TILE_KC], e, i, j, out[at],
                             want);
            }
    for (size_t at = 0; at < nc; at++)
        if (!is_c[at] && !isnan(out[at]))
            fail_msg("sgemm %dx%dx%d batch %d, tile vec %d mr %d nv %d kc %d: wrote float %zu "
                     "of C's buffer, outside C", c->m, c->n, c->k, c->batch, t[TILE_VEC],
                     t[TILE_MR], t[TILE_NV], t[TILE_KC], at);
    clReleaseMemObject(g.a), clReleaseMemObject(g.b), clReleaseMemObject(g.c);
    free(a), free(b), free(out), free(is_c);
}

/* Both GEMMs of clconv's backend refuse what they cannot run, naming it:
 * a zero size, a leading dimension below the row (B is K x N: ldb >= N),
 * a buffer too small for the matrices (in its elements:
 * complex ones are two floats) and a NULL buffer. Nothing is enqueued. */
static void test_gemm_argument_checks(void **state)
{
    (void)state;
    const rt_gemm_backend *be = rt_gemm_backend_get(CLCONV_GEMM_BACKEND_CLCONV, NULL, NULL);
    rt_sgemm_tile tile = {{0}};
    be->space->defaults(clconv_context_device(ctx), tile.params);
    const size_t m = 3, n = 4, k = 5;
    float zeros[2 * 5 * 5] = {0};
    cl_mem a = fixture_upload(ctx, zeros, 2 * m * k), b = fixture_upload(ctx, zeros, 2 * n * k);
    cl_mem c = fixture_upload(ctx, zeros, 2 * m * n), small = fixture_upload(ctx, zeros, m * k);
    const rt_gemm good = {.m = m, .n = n, .k = k, .batch = 1, .a = a, .lda = k, .b = b,
                          .ldb = n, .c = c, .ldc = n};
    static const struct {
        const char *what, *message;
    } cases[] = {{"zero size", "every size"},
                 {"ldb below K", "ldb >="},
                 {"A's buffer too small", "its buffer holds"},
                 {"NULL C", "NULL buffer"}};
    for (int complex_gemm = 0; complex_gemm < 2; complex_gemm++)
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            rt_gemm g = good;
            if (i == 0)
                g.k = 0;
            else if (i == 1)
                g.ldb = n - 1;
            else if (i == 2) {
                /* m*k floats: half a complex A; too few for a real A with lda 2K */
                g.a = small;
                g.lda = complex_gemm ? k : 2 * k;
            } else {
                g.c = NULL;
            }
            clconv_status st = complex_gemm ? be->cgemm(ctx, &g, NULL)
                                            : be->sgemm(ctx, &g, &tile, NULL);
            if (st != CLCONV_ERR_INVALID_ARG || !strstr(clconv_last_error(ctx), cases[i].message))
                fail_msg("%s %s: %s: %s", complex_gemm ? "complex GEMM" : "SGEMM", cases[i].what,
                         clconv_status_string(st), clconv_last_error(ctx));
        }
    cl_mem all[] = {a, b, c, small};
    for (int i = 0; i < 4; i++)
        clReleaseMemObject(all[i]);
}

/* clconv's SGEMM at odd sizes (1 up to 65: partial row and column tiles, a
 * matrix narrower than one vector), batched with and without a shared A, at
 * the device's default tile and at an odd one: 3 rows and 1 vector per
 * work-item, a barrier every 4 steps of k (17, 65: a short last block). */
static void test_sgemm(void **state)
{
    (void)state;
    static const gemm_case cases[] = {
        {1, 1, 1, 1, 0}, {5, 7, 17, 3, 0}, {17, 33, 65, 1, 0},
        {65, 17, 7, 2, 1}, {33, 65, 5, 3, 0}, {7, 5, 33, 1, 0},
    };
    const rt_gemm_space *space =
        rt_gemm_backend_get(CLCONV_GEMM_BACKEND_CLCONV, NULL, NULL)->space;
    static const char *const names[] = {[TILE_VEC] = "vec", [TILE_MR] = "mr", [TILE_NV] = "nv",
                                        [TILE_KC] = "kc"};
    assert_int_equal(space->count, 4);
    for (int i = 0; i < 4; i++)
        assert_string_equal(space->names[i], names[i]);
    rt_sgemm_tile def = {{0}};
    space->defaults(clconv_context_device(ctx), def.params);
    rt_sgemm_tile odd = def;
    odd.params[TILE_MR] = 3;
    odd.params[TILE_NV] = 1;
    odd.params[TILE_KC] = 4;
    assert_false(!memcmp(&def, &odd, sizeof def));
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        check_sgemm(&def, &cases[i]);
        check_sgemm(&odd, &cases[i]);
    }
}

/* clconv's complex GEMM, C = A * B, at odd sizes with offsets, batch
 * strides and leading dimensions wider than the rows (in complex elements):
 * N below one vector of complex values (the scalar path), at it and past
 * it (clamped vectors), partial row and column tiles, K past one k block
 * (65), one row (fft-cgemm at batch 1). Each value
 * within 1e-5 of the sum of |a||b| from a double-precision sum; every float
 * of C's buffer outside C keeps its NaN. */
static void test_cgemm(void **state)
{
    (void)state;
    static const gemm_case cases[] = {
        {1, 1, 1, 1, 0}, {1, 9, 17, 3, 0}, {3, 5, 8, 2, 0},   {5, 3, 33, 1, 0},
        {2, 17, 7, 4, 0}, {13, 8, 65, 2, 0}, {7, 35, 3, 1, 0}, {1, 64, 256, 1, 0},
    };
    const rt_gemm_backend *be = rt_gemm_backend_get(CLCONV_GEMM_BACKEND_CLCONV, NULL, NULL);
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        const gemm_case *c = &cases[t];
        const size_t m = (size_t)c->m, n = (size_t)c->n, k = (size_t)c->k;
        const size_t batch = (size_t)c->batch;
        rt_gemm g = {.m = m, .n = n, .k = k, .batch = batch, .a_offset = 1, .lda = k + 2,
                     .b_offset = 3, .ldb = n + 1, .c_offset = 2, .ldc = n + 3};
        g.a_stride = m * g.lda + 1;
        g.b_stride = k * g.ldb + 2;
        g.c_stride = m * g.ldc + 5;
        const size_t na = g.a_offset + (batch - 1) * g.a_stride + m * g.lda;
        const size_t nb = g.b_offset + (batch - 1) * g.b_stride + k * g.ldb;
        const size_t nc = g.c_offset + (batch - 1) * g.c_stride + m * g.ldc + 1;
        float *a = random_floats(2 * na, 31), *b = random_floats(2 * nb, 32);
        float *out = malloc(2 * nc * sizeof *out);
        char *is_c = calloc(2 * nc, 1);
        assert_non_null(out);
        assert_non_null(is_c);
        g.a = fixture_upload(ctx, a, 2 * na);
        g.b = fixture_upload(ctx, b, 2 * nb);
        g.c = fixture_output(ctx, 2 * nc);
        if (be->cgemm(ctx, &g, NULL) != CLCONV_SUCCESS)
            fail_msg("cgemm %dx%dx%d batch %d: %s", c->m, c->n, c->k, c->batch,
                     clconv_last_error(ctx));
        assert_int_equal(clFinish(clconv_context_queue(ctx)), CL_SUCCESS);
        fixture_download(ctx, g.c, out, 2 * nc);
        for (size_t e = 0; e < batch; e++)
            for (size_t i = 0; i < m; i++)
                for (size_t j = 0; j < n; j++) {
                    const float *ar = a + 2 * (g.a_offset + e * g.a_stride + i * g.lda);
                    const float *bc = b + 2 * (g.b_offset + e * g.b_stride + j);
                    double re = 0.0, im = 0.0, mag = 0.0;
                    for (size_t q = 0; q < k; q++) {
                        const double xr = ar[2 * q], xi = ar[2 * q + 1];
                        const double yr = bc[2 * q * g.ldb], yi = bc[2 * q * g.ldb + 1];
                        re += xr * yr - xi * yi;
                        im += xr * yi + xi * yr;
                        mag += hypot(xr, xi) * hypot(yr, yi);
                    }
                    const size_t at = 2 * (g.c_offset + e * g.c_stride + i * g.ldc + j);
                    is_c[at] = is_c[at + 1] = 1;
                    if (!(fabs(out[at] - re) <= 1e-5 * (1.0 + mag)) ||
                        !(fabs(out[at + 1] - im) <= 1e-5 * (1.0 + mag)))
                        fail_msg("cgemm %dx%dx%d batch %d: C[%zu][%zu][%zu] = %.9g%+.9gi, "
                                 "host %.9g%+.9gi", c->m, c->n, c->k, c->batch, e, i, j, out[at],
                                 out[at + 1], re, im);
                }
        for (size_t at = 0; at < 2 * nc; at++)
            if (!is_c[at] && !isnan(out[at]))
                fail_msg("cgemm %dx%dx%d batch %d: wrote float %zu of C's buffer, outside C",
                         c->m, c->n, c->k, c->batch, at);
        clReleaseMemObject(g.a), clReleaseMemObject(g.b), clReleaseMemObject(g.c);
        free(a), free(b), free(out), free(is_c);
    }
}

/* Case-insensitive: compilers write "warning:", some logs "Warning". */
static int has_warning(const char *log)
{
    static const char word[] = "warning";
    for (const char *p = log; *p; p++) {
        size_t i = 0;
        while (word[i] && tolower((unsigned char)p[i]) == word[i])
            i++;
        if (!word[i])
            return 1;
    }
    return 0;
}

/* The build log of prelude + file with options; fails the test if the build
 * does. Built here from source, so neither the context's program table nor
 * the disk cache can hand back a program without a log. */
static char *build_log(const char *file, const char *options)
{
    const char *srcs[2];
    size_t lens[2];
    char *owned[2] = {NULL, NULL};
    if (rt_kernel_source(ctx, RT_PRELUDE_FILE, &srcs[0], &lens[0], &owned[0]) ||
        rt_kernel_source(ctx, file, &srcs[1], &lens[1], &owned[1]))
        fail_msg("%s: %s", file, clconv_last_error(ctx));
    cl_int err;
    cl_program prog = clCreateProgramWithSource(ctx->cl_ctx, 2, srcs, lens, &err);
    assert_int_equal(err, CL_SUCCESS);
    cl_int built = clBuildProgram(prog, 1, &ctx->device, options, NULL, NULL);
    size_t size = 0;
    assert_int_equal(clGetProgramBuildInfo(prog, ctx->device, CL_PROGRAM_BUILD_LOG, 0, NULL, &size),
                     CL_SUCCESS);
    char *log = calloc(1, size + 1);
    assert_non_null(log);
    assert_int_equal(clGetProgramBuildInfo(prog, ctx->device, CL_PROGRAM_BUILD_LOG, size, log, NULL),
                     CL_SUCCESS);
    if (built != CL_SUCCESS)
        fail_msg("clBuildProgram(%s, \"%s\") on %s: %s (a warning under -Werror?)\n%s", file,
                 options, clconv_context_device(ctx)->name, rt_cl_error_name(built), log);
    clReleaseProgram(prog);
    free(owned[0]), free(owned[1]);
    return log;
}

/* Every embedded kernel file (the list the library ships, not a hand list)
 * builds with no warning in its log: with its defaults, with VEC=1 (the
 * scalar path GPU-like devices get) and as the owners build it on this
 * device (-cl-mad-enable, the device's vector width). Unknown -D macros are
 * harmless to a file, so one option set serves every owner. The prelude is
 * never built alone: it is part of every other build.
 * -Werror (an OpenCL build option) as well, because a log can drop warnings:
 * Mesa's rusticl logs nothing for a build that succeeds, so there a warning
 * shows only as a failed build whose log names it. */
static void test_kernels_build_clean(void **state)
{
    (void)state;
    char device_options[96];
    snprintf(device_options, sizeof device_options, "-cl-mad-enable -DVEC=%d", vec_for(16));
    /* The other two sets with an epilogue that defines every activation
     * (clamp's parameters define leaky_relu's too), alpha, beta and the
     * residual: the last stages' EPI() at the default width and at 1. */
    clconv_epilogue e;
    clconv_epilogue_init(&e);
    e.activation = CLCONV_ACTIVATION_CLAMP;
    e.activation_params[0] = -1.0f, e.activation_params[1] = 2.0f;
    e.alpha = 2.0f, e.residual = 1, e.beta = 0.5f;
    char epilogue[CONV_EPILOGUE_OPTIONS_MAX], scalar[32 + CONV_EPILOGUE_OPTIONS_MAX];
    conv_epilogue_options(&e, epilogue, sizeof epilogue);
    snprintf(scalar, sizeof scalar, "-DVEC=1%s", epilogue);
    const char *option_sets[] = {device_options, epilogue, scalar};
    const char *extra = getenv("CLCONV_BUILD_OPTIONS"); /* as rt_program_get adds it */
    /* CLCONV_BUILD_CLEAN_WIDTH_ONLY: only the set that depends on the vector
     * width (run.py builds the other two once, not at every width) */
    const size_t sets = getenv("CLCONV_BUILD_CLEAN_WIDTH_ONLY") ? 1 : 3;
    int built = 0;
    for (size_t i = 0; i < rt_embedded_kernel_count; i++) {
        const char *file = rt_embedded_kernels[i].file;
        if (strcmp(file, RT_PRELUDE_FILE) == 0)
            continue;
        for (size_t o = 0; o < sets; o++) {
            char options[512];
            snprintf(options, sizeof options, "%s -Werror %s", option_sets[o], extra ? extra : "");
            char *log = build_log(file, options);
            if (has_warning(log))
                fail_msg("%s (options \"%s\") builds with a warning on %s:\n%s", file, options,
                         clconv_context_device(ctx)->name, log);
            free(log);
            built++;
        }
    }
    assert_true(built >= (int)sets * 6); /* the embedded list is really there */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epilogue_pass),
        cmocka_unit_test(test_block_weights_and_cmac),
        cmocka_unit_test(test_crop),
        cmocka_unit_test(test_peak_kernels),
        cmocka_unit_test(test_sgemm),
        cmocka_unit_test(test_cgemm),
        cmocka_unit_test(test_gemm_argument_checks),
        cmocka_unit_test(test_dft_backend),
        cmocka_unit_test(test_spectra_reorder),
        cmocka_unit_test(test_kernels_build_clean),
    };
    return fixture_run("kernels", tests, setup, teardown);
}
