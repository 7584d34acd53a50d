/* A caller built against an older clconv.h: each struct it fills lacks the
 * field this library's has last (tests/abi/run.cmake writes that header).
 * It must run unchanged: the library reads only what its struct_size
 * covers and gives the missing fields their defaults (groups 1: dense,
 * auto_mode predict, no log, no device name, no workspace figure), and
 * writes no byte past the prediction entries it was given. Its own
 * double-precision loop is the reference. Exit 0 when all holds. */
#include <clconv.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(cond)                                                                           \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            fprintf(stderr, "older_caller: %s failed at line %d: %s\n", #cond, __LINE__,        \
                    clconv_last_error(ctx));                                                    \
            exit(1);                                                                            \
        }                                                                                       \
    } while (0)

static clconv_context *ctx;

/* Dense cross-correlation: this caller has no groups field, and the
 * library's default for it is 1. */
static double reference(const clconv_problem *p, const float *in, const float *w, int n, int o,
                        int y, int x)
{
    double s = 0.0;
    for (int c = 0; c < p->in_channels; c++)
        for (int i = 0; i < p->kernel_h; i++)
            for (int j = 0; j < p->kernel_w; j++) {
                int iy = y * p->stride_h - p->pad_h + i * p->dilation_h;
                int ix = x * p->stride_w - p->pad_w + j * p->dilation_w;
                if (iy < 0 || iy >= p->height || ix < 0 || ix >= p->width)
                    continue;
                s += (double)in[((n * p->in_channels + c) * p->height + iy) * p->width + ix] *
                     w[((o * p->in_channels + c) * p->kernel_h + i) * p->kernel_w + j];
            }
    return s;
}

static cl_mem upload(const float *data, size_t n)
{
    cl_int err;
    cl_mem m = clCreateBuffer(clconv_context_cl_context(ctx), CL_MEM_READ_WRITE | (data ? CL_MEM_COPY_HOST_PTR : 0),
                              n * sizeof(float), (void *)data, &err);
    REQUIRE(err == CL_SUCCESS);
    return m;
}

static void run(const clconv_problem *p, clconv_algo algo, const clconv_plan_options *opt)
{
    size_t ni = clconv_problem_input_elems(p), nw = clconv_problem_weight_elems(p);
    size_t no = clconv_problem_output_elems(p);
    int oh = clconv_problem_out_height(p), ow = clconv_problem_out_width(p);
    REQUIRE(ni && nw && no);
    float *in = malloc(ni * sizeof *in), *w = malloc(nw * sizeof *w), *out = malloc(no * sizeof *out);
    REQUIRE(in && w && out);
    unsigned s = 12345u;
    for (size_t i = 0; i < ni; i++)
        in[i] = (float)((s = s * 1103515245u + 12345u) >> 8 & 1023) / 512.0f - 1.0f;
    for (size_t i = 0; i < nw; i++)
        w[i] = (float)((s = s * 1103515245u + 12345u) >> 8 & 1023) / 512.0f - 1.0f;
    cl_mem bi = upload(in, ni), bw = upload(w, nw), bo = upload(NULL, no);
    clconv_plan *plan = NULL;
    REQUIRE(clconv_plan_create_with_options(ctx, p, algo, opt, &plan) == CLCONV_SUCCESS);
    REQUIRE(clconv_plan_set_weights(plan, bw, NULL) == CLCONV_SUCCESS);
    REQUIRE(clconv_plan_execute(plan, bi, bo, NULL) == CLCONV_SUCCESS);
    REQUIRE(clEnqueueReadBuffer(clconv_context_queue(ctx), bo, CL_TRUE, 0, no * sizeof *out, out,
                                0, NULL, NULL) == CL_SUCCESS);
    double err = 0.0, norm = 0.0;
    size_t k = 0;
    for (int n = 0; n < p->batch; n++)
        for (int o = 0; o < p->out_channels; o++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++, k++) {
                    double r = reference(p, in, w, n, o, y, x);
                    err += (out[k] - r) * (out[k] - r);
                    norm += r * r;
                }
    printf("%s (ran %s): relative L2 error %.3g\n", clconv_algo_name(algo),
           clconv_algo_name(clconv_plan_algo(plan)), sqrt(err / norm));
    REQUIRE(sqrt(err / norm) < 1e-4);
    clconv_plan_destroy(plan);
    clReleaseMemObject(bi);
    clReleaseMemObject(bw);
    clReleaseMemObject(bo);
    free(in);
    free(w);
    free(out);
}

int main(void)
{
    /* this caller really is older: every struct it fills ends sooner than
     * the library's (run.cmake checked it removed each one's last field) */
    printf("this caller's struct sizes: problem %zu, plan options %zu, context options %zu, "
           "selector %zu, prediction %zu\n",
           (size_t)CLCONV_PROBLEM_STRUCT_SIZE, (size_t)CLCONV_PLAN_OPTIONS_STRUCT_SIZE,
           (size_t)CLCONV_CONTEXT_OPTIONS_STRUCT_SIZE, (size_t)CLCONV_DEVICE_SELECTOR_STRUCT_SIZE,
           (size_t)CLCONV_ALGO_PREDICTION_STRUCT_SIZE);

    clconv_device_selector sel; /* no name field: $CLCONV_DEVICE chooses */
    clconv_device_selector_init(&sel);
    REQUIRE(sel.struct_size == CLCONV_DEVICE_SELECTOR_STRUCT_SIZE && sel.platform_index == -1);
    clconv_context_options copt;
    clconv_context_options_init(&copt);
    REQUIRE(clconv_context_create(&sel, &copt, &ctx) == CLCONV_SUCCESS);
    printf("device: %s\n", clconv_context_device(ctx)->name);

    clconv_problem p;
    clconv_problem_init(&p);
    REQUIRE(p.struct_size == CLCONV_PROBLEM_STRUCT_SIZE && p.dilation_h == 1);
    p.batch = 2;
    p.in_channels = 3;
    p.height = 9;
    p.width = 10;
    p.out_channels = 4;
    p.kernel_h = p.kernel_w = 3;
    p.pad_h = p.pad_w = 1;
    p.dilation_h = 2;
    REQUIRE(clconv_problem_validate(&p) == CLCONV_SUCCESS);
    REQUIRE(clconv_problem_out_width(&p) == 10);
    clconv_plan_options opt;
    clconv_plan_options_init(&opt);
    run(&p, CLCONV_ALGO_DIRECT, &opt);
    run(&p, CLCONV_ALGO_IM2COL_GEMM, &opt);
    run(&p, CLCONV_ALGO_AUTO, &opt); /* auto_mode missing: predict */

    /* predictions into this caller's shorter entries, and nothing past them */
    size_t count = 0;
    REQUIRE(clconv_predict(ctx, &p, &opt, NULL, 0, &count, NULL) == CLCONV_SUCCESS);
    REQUIRE(count >= 2 && count < 64);
    clconv_algo_prediction *e = calloc(count + 1, sizeof *e);
    REQUIRE(e);
    for (size_t i = 0; i < count; i++)
        clconv_algo_prediction_init(&e[i]);
    memset(&e[count], 0x5a, sizeof e[count]);
    clconv_algo best;
    REQUIRE(clconv_predict(ctx, &p, &opt, e, count, NULL, &best) == CLCONV_SUCCESS);
    for (size_t i = 0; i < count; i++)
        REQUIRE(e[i].struct_size == CLCONV_ALGO_PREDICTION_STRUCT_SIZE &&
                e[i].algo == (clconv_algo)i);
    REQUIRE(e[best].runs);
    for (size_t b = 0; b < sizeof e[count]; b++)
        REQUIRE(((const unsigned char *)&e[count])[b] == 0x5a);
    free(e);
    REQUIRE(clconv_context_destroy(ctx) == CLCONV_SUCCESS);
    puts("older caller OK");
    return 0;
}
