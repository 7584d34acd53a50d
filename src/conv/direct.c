/* Direct convolution: a register-blocked kernel specialised per kernel shape
 * (cl/direct/direct.cl), weights repacked once in set_weights, the input
 * copied with its padding when it has any. */
#include "conv/algo.h"
#include "conv/tune.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { STAGE_PAD, STAGE_CONV };
enum { P_VEC, P_OCV, P_PIX, P_LX, P_LY };

/* The local-memory variant's work-group sides (lx tiles along a row, ly
 * rows); lx = 0 is the register-only kernel. */
enum { MAX_GROUP_SIDE = 32 };

/* Everything the sizes of one (problem, tile) pair decide. */
typedef struct direct_layout {
    int vec, ocv, pix;
    int lx, ly, cb;            /* local variant: group sides, channels staged at once */
    int ocb, oc_blocks, tiles; /* channels per work-item, channel blocks, tiles per row */
    int group_in, group_out, group_blocks; /* channels of one group, its channel blocks */
    int hp, wp;                /* rows and columns of a plane, padding included */
    int padded;                /* 1: conv_direct reads pad_input's copy, not the caller's input */
    int images_per_chunk;      /* images padded at once (the whole batch unless limited) */
    size_t packed_bytes, padded_image_bytes;
} direct_layout;

typedef struct direct_plan {
    cl_kernel conv, pack, pad;
    cl_mem packed, padded;
    direct_layout l;
} direct_plan;

/* Accumulator registers a work-item may use: the register file the
 * preferred width suggests (AVX-512's 32 registers at 16 floats, AVX2 and SSE
 * 16 at 8 or 4), leaving room for the weight vectors and a broadcast. A GPU
 * (width 1) keeps the tile small so that many work-items stay resident. */
static int accumulator_budget(int vec)
{
    return vec >= 16 ? 24 : vec >= 4 ? 12 : 8;
}

/* Input channels the local variant stages at once: as many as half the
 * device's local memory holds (the input patch and the weights of each), at
 * most 16; 0 when not even one fits. */
static int staged_channels(const conv_config *cfg, int ocb, int pix, int lx, int ly)
{
    const clconv_problem *p = &cfg->problem;
    if (!cfg->device)
        return 0;
    size_t rows = (size_t)(ly - 1) * p->stride_h + (size_t)(p->kernel_h - 1) * p->dilation_h + 1;
    size_t cols = ((size_t)lx * pix - 1) * p->stride_w + (size_t)(p->kernel_w - 1) * p->dilation_w + 1;
    size_t per_channel = (rows * cols + (size_t)p->kernel_h * p->kernel_w * ocb) * sizeof(float);
    size_t fit = (size_t)cfg->device->local_mem_bytes / 2 / per_channel;
    fit = fit < 16 ? fit : 16;
    const size_t group_in = (size_t)(p->in_channels / rt_groups(p));
    return (int)(fit < group_in ? fit : group_in);
}

/* A work-group side no wider than the work needs (tiles or rows), as a
 * power of two up to `want`. */
static int group_side(int want, int work)
{
    int s = 1;
    while (s < want && s < work)
        s *= 2;
    return s;
}

/* The default rule, from device queries only. A device that prefers wide
 * vectors (a CPU) gets the register-only kernel: its vector width along
 * output channels (never wider than C_out needs), two channel vectors when
 * C_out fills them, and as many pixels as the budget leaves. One that
 * prefers scalars (a GPU) gets the local-memory variant with 8 x 8
 * work-groups (fewer where the device or the problem is smaller) and a
 * 2-pixel x 4-channel tile per work-item, when its local memory holds one
 * channel's patch. */
static void direct_default(const conv_config *cfg, int *params)
{
    const clconv_problem *p = &cfg->problem;
    clconv_device_info none = {0};
    const clconv_device_info *d = cfg->device ? cfg->device : &none;
    const int group_out = p->out_channels / rt_groups(p); /* what a block's channels span */
    int vec = rt_vector_width(d, group_out);
    int ocv = group_out >= 2 * vec ? 2 : 1;
    params[P_VEC] = vec;
    params[P_OCV] = ocv;
    params[P_PIX] = accumulator_budget(vec) / ocv;
    params[P_LX] = params[P_LY] = 0;
    if (vec == 1 && d->max_work_group_size >= 4) {
        const int ow = clconv_problem_out_width(p), pix = 2;
        int lx = group_side(8, (ow + pix - 1) / pix), ly = group_side(8, clconv_problem_out_height(p));
        while ((size_t)lx * ly > d->max_work_group_size)
            ly > 1 ? (ly /= 2) : (lx /= 2);
        int ocv4 = group_out < 4 ? group_out : 4;
        if (staged_channels(cfg, ocv4, pix, lx, ly) > 0) {
            params[P_OCV] = ocv4;
            params[P_PIX] = pix;
            params[P_LX] = lx;
            params[P_LY] = ly;
        }
    }
}

/* Candidates: the device's width, 1..4 channel vectors, pixel counts that
 * fill three quarters to all of a generous register budget; each as the
 * row balances it (layout), so no two build the same kernel. */
static int direct_candidates(const conv_config *cfg, int (*out)[CONV_MAX_PARAMS], int max)
{
    int def[CONV_MAX_PARAMS] = {0};
    direct_default(cfg, def);
    const int vec = def[P_VEC], budget = accumulator_budget(vec) + accumulator_budget(vec) / 6;
    const int ow = clconv_problem_out_width(&cfg->problem);
    if (def[P_LX]) {
        /* the local variant: the default tile in three group shapes */
        static const int shapes[][2] = {{8, 8}, {16, 4}, {4, 16}};
        int n = 0;
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0] && n < max; i++) {
            memcpy(out[n], def, sizeof def);
            out[n][P_LX] = group_side(shapes[i][0], (ow + def[P_PIX] - 1) / def[P_PIX]);
            out[n][P_LY] = group_side(shapes[i][1], clconv_problem_out_height(&cfg->problem));
            int dup = (size_t)out[n][P_LX] * out[n][P_LY] > cfg->device->max_work_group_size ||
                      !staged_channels(cfg, def[P_OCV] * vec, def[P_PIX], out[n][P_LX],
                                       out[n][P_LY]);
            for (int j = 0; j < n; j++)
                dup |= !memcmp(out[j], out[n], sizeof out[n]);
            n += !dup;
        }
        return n;
    }
    static const int pixels[] = {2, 3, 4, 6, 8, 12, 14, 16, 20, 24, 28};
    int n = 0;
    for (int ocv = 1; ocv <= 4; ocv++) {
        if (ocv > 1 && (ocv - 1) * vec >= cfg->problem.out_channels / rt_groups(&cfg->problem))
            break; /* a whole vector of padding channels */
        for (size_t i = 0; i < sizeof pixels / sizeof pixels[0] && n < max; i++) {
            int acc = ocv * pixels[i];
            if (acc > budget || acc * 4 < budget * 3)
                continue;
            int pix = pixels[i] < ow ? pixels[i] : ow, tiles = (ow + pix - 1) / pix;
            pix = (ow + tiles - 1) / tiles;
            int dup = 0;
            for (int j = 0; j < n; j++)
                dup |= out[j][P_OCV] == ocv && out[j][P_PIX] == pix;
            if (dup)
                continue;
            memset(out[n], 0, sizeof out[n]);
            out[n][P_VEC] = vec;
            out[n][P_OCV] = ocv;
            out[n][P_PIX] = pix;
            n++;
        }
    }
    return n;
}

static int direct_params_valid(const int *params)
{
    int v = params[P_VEC];
    int lx = params[P_LX], ly = params[P_LY];
    return (v == 1 || v == 2 || v == 4 || v == 8 || v == 16) && params[P_OCV] >= 1 &&
           params[P_OCV] <= 4 && params[P_PIX] >= 1 && params[P_PIX] <= 28 && lx >= 0 &&
           lx <= MAX_GROUP_SIDE && ly >= 0 && ly <= MAX_GROUP_SIDE && (lx == 0) == (ly == 0);
}

static const conv_tunable direct_tunable; /* below, with the rules it names */

/* The tile, balanced over the row: as few tiles as PIX allows, each as
 * narrow as that count allows, so the last one wastes the least. */
static void layout(const conv_config *cfg, direct_layout *l)
{
    const clconv_problem *p = &cfg->problem;
    int params[CONV_MAX_PARAMS];
    conv_params_get(cfg, &direct_tunable, params);
    const int ow = clconv_problem_out_width(p);
    l->vec = params[P_VEC];
    l->ocv = params[P_OCV];
    int pix = params[P_PIX] < ow ? params[P_PIX] : ow;
    l->tiles = (ow + pix - 1) / pix;
    l->pix = (ow + l->tiles - 1) / l->tiles;
    l->ocb = l->ocv * l->vec;
    l->group_in = p->in_channels / rt_groups(p);
    l->group_out = p->out_channels / rt_groups(p);
    l->group_blocks = (l->group_out + l->ocb - 1) / l->ocb;
    l->oc_blocks = rt_groups(p) * l->group_blocks;
    l->lx = params[P_LX];
    l->ly = params[P_LY];
    l->cb = l->lx ? staged_channels(cfg, l->ocb, l->pix, l->lx, l->ly) : 0;
    /* Padding is applied by a copy (pad_input); a tile never reads past its
     * row (conv_tile), so the rows read are exactly the padded input's. */
    l->hp = (int)rt_padded_height(p);
    l->wp = (int)rt_padded_width(p);
    l->padded = l->hp != p->height || l->wp != p->width;
    l->packed_bytes = (size_t)l->oc_blocks * l->ocb * l->group_in * p->kernel_h *
                      p->kernel_w * sizeof(float);
    l->padded_image_bytes = (size_t)p->in_channels * l->hp * l->wp * sizeof(float);
    l->images_per_chunk = 0;
    if (!l->padded)
        l->images_per_chunk = p->batch;
    else if (l->padded_image_bytes <= cfg->workspace_limit_bytes) {
        size_t fit = cfg->workspace_limit_bytes / l->padded_image_bytes;
        l->images_per_chunk = fit >= (size_t)p->batch ? p->batch : (int)fit;
    }
}

static clconv_status direct_check(clconv_context *ctx, const conv_config *cfg)
{
    direct_layout l;
    layout(cfg, &l);
    if (l.packed_bytes > cfg->workspace_limit_bytes)
        return rt_fail(ctx, CLCONV_ERR_UNSUPPORTED,
                       "direct: the packed weights (%zu bytes) exceed the workspace limit of %zu "
                       "bytes", l.packed_bytes, cfg->workspace_limit_bytes);
    if (l.lx && (!l.cb || (size_t)l.lx * l.ly > cfg->device->max_work_group_size))
        return rt_fail(ctx, CLCONV_ERR_UNSUPPORTED,
                       "direct: work-groups of %d x %d with a %d-pixel tile do not fit this "
                       "device (%zu work-items, %llu bytes of local memory)", l.lx, l.ly, l.pix,
                       cfg->device ? cfg->device->max_work_group_size : 0,
                       cfg->device ? (unsigned long long)cfg->device->local_mem_bytes : 0ULL);
    if (!l.images_per_chunk)
        return rt_fail(ctx, CLCONV_ERR_UNSUPPORTED,
                       "direct: one padded input image (%zu bytes) exceeds the workspace limit "
                       "of %zu bytes", l.padded_image_bytes, cfg->workspace_limit_bytes);
    return CLCONV_SUCCESS;
}

static size_t direct_workspace(const conv_config *cfg)
{
    direct_layout l;
    layout(cfg, &l);
    return l.packed_bytes + (l.padded ? l.padded_image_bytes * (size_t)l.images_per_chunk : 0);
}

/* Builds the programs for d->l and creates its kernels (replacing any). */
static clconv_status build_kernels(clconv_plan *plan, direct_plan *d)
{
    const clconv_problem *p = &plan->cfg.problem;
    cl_kernel *kernels[] = {&d->conv, &d->pack, &d->pad};
    for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++)
        if (*kernels[i]) {
            clReleaseKernel(*kernels[i]);
            *kernels[i] = NULL;
        }
    char epilogue[CONV_EPILOGUE_OPTIONS_MAX], options[256 + CONV_EPILOGUE_OPTIONS_MAX];
    conv_epilogue_options(&plan->cfg.epilogue, epilogue, sizeof epilogue);
    snprintf(options, sizeof options,
             "-cl-mad-enable -DVEC=%d -DOCV=%d -DPIX=%d -DKH=%d -DKW=%d -DSH=%d -DSW=%d -DDH=%d "
             "-DDW=%d -DLX=%d -DLY=%d -DCB=%d%s",
             d->l.vec, d->l.ocv, d->l.pix, p->kernel_h, p->kernel_w, p->stride_h, p->stride_w,
             p->dilation_h, p->dilation_w, d->l.lx, d->l.lx ? d->l.ly : 1, d->l.lx ? d->l.cb : 1,
             epilogue);
    cl_program prog, pack_prog;
    clconv_status st;
    if ((st = conv_plan_program(plan, "direct/direct.cl", options, &prog)) ||
        (st = conv_plan_program(plan, "direct/pack.cl", "", &pack_prog)) ||
        (st = rt_kernel_create(plan->ctx, prog, d->l.lx ? "conv_direct_local" : "conv_direct",
                               &d->conv)) ||
        (st = rt_kernel_create(plan->ctx, pack_prog, "pack_weights", &d->pack)))
        return st;
    return d->l.padded ? rt_kernel_create(plan->ctx, pack_prog, "pad_input", &d->pad)
                       : CLCONV_SUCCESS;
}

/* The local variant's group must fit the compiled kernel too, not only the
 * device: a GPU compiler may allow fewer work-items for a kernel that needs
 * many registers (Mesa llvmpipe: 32 for a 2 x 4 tile). Halves the group
 * (rows first) and builds again until it fits; plan->cfg.params then say
 * what runs. */
static clconv_status fit_group(clconv_plan *plan, direct_plan *d)
{
    for (;;) {
        size_t fits = 0;
        cl_int err = clGetKernelWorkGroupInfo(d->conv, plan->ctx->device,
                                              CL_KERNEL_WORK_GROUP_SIZE, sizeof fits, &fits, NULL);
        if (err != CL_SUCCESS)
            return rt_cl_fail(plan->ctx, err, "clGetKernelWorkGroupInfo",
                              "conv_direct_local, CL_KERNEL_WORK_GROUP_SIZE");
        if ((size_t)d->l.lx * d->l.ly <= fits)
            return CLCONV_SUCCESS;
        if (d->l.lx * d->l.ly == 1)
            return rt_fail(plan->ctx, CLCONV_ERR_UNSUPPORTED,
                           "direct: this device runs conv_direct_local with no work-group at "
                           "pix=%d, ocv=%d", d->l.pix, d->l.ocv);
        if (d->l.ly > 1)
            plan->cfg.params[P_LY] = d->l.ly / 2;
        else
            plan->cfg.params[P_LX] = d->l.lx / 2;
        layout(&plan->cfg, &d->l);
        clconv_status st = build_kernels(plan, d);
        if (st)
            return st;
    }
}

static clconv_status direct_create(clconv_plan *plan)
{
    direct_plan *d = calloc(1, sizeof *d);
    if (!d)
        return rt_fail(plan->ctx, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory");
    plan->impl = d;
    clconv_status st = direct_check(plan->ctx, &plan->cfg);
    if (st)
        return st;
    layout(&plan->cfg, &d->l);
    if ((st = build_kernels(plan, d)) || (d->l.lx && (st = fit_group(plan, d))) ||
        (st = conv_alloc_workspace(plan, d->l.packed_bytes, "packed weights", &d->packed)))
        return st;
    /* What runs, reported by clconv_plan_params: pix as the row balanced it. */
    plan->cfg.params[P_PIX] = d->l.pix;
    if (d->l.padded)
        st = conv_alloc_workspace(plan, d->l.padded_image_bytes * (size_t)d->l.images_per_chunk,
                                  "padded input", &d->padded);
    return st;
}

/* Repacks the weights into the tile's layout; its device time is the
 * plan's weights_ms. */
static clconv_status direct_set_weights(clconv_plan *plan)
{
    const clconv_problem *p = &plan->cfg.problem;
    direct_plan *d = plan->impl;
    const cl_int taps = d->l.group_in * p->kernel_h * p->kernel_w;
    const cl_int ints[] = {taps, d->l.group_out, d->l.ocb, d->l.group_blocks,
                           taps * d->l.oc_blocks};
    const cl_mem mems[] = {plan->weights, d->packed};
    cl_event done = NULL;
    clconv_status st = conv_set_args(plan, d->pack, "pack_weights", mems, 2, ints, 5);
    if (!st)
        st = conv_enqueue_items(plan, d->pack, "pack_weights", (size_t)ints[4], &done);
    cl_int err;
    if (!st && (err = clWaitForEvents(1, &done)) != CL_SUCCESS)
        st = rt_cl_fail(plan->ctx, err, "clWaitForEvents", "pack_weights");
    plan->weights_ms = st ? -1.0 : rt_event_span_ms(plan->ctx, done, done);
    if (done)
        clReleaseEvent(done);
    return st;
}

static clconv_status run_pad(clconv_plan *plan, direct_plan *d, cl_mem input, int n0, int images,
                             conv_events *ev)
{
    const clconv_problem *p = &plan->cfg.problem;
    const cl_int ints[] = {p->height, p->width, d->l.hp, d->l.wp, p->pad_h, p->pad_w, n0,
                           p->in_channels, d->l.hp * images * p->in_channels};
    const cl_mem mems[] = {input, d->padded};
    clconv_status st = conv_set_args(plan, d->pad, "pad_input", mems, 2, ints, 9);
    return st ? st
              : conv_enqueue_items(plan, d->pad, "pad_input", (size_t)ints[8],
                                   conv_event_slot(ev, STAGE_PAD));
}

static clconv_status run_conv(clconv_plan *plan, direct_plan *d, cl_mem input, cl_mem output,
                              int in_image0, int n0, int images, conv_events *ev)
{
    const clconv_problem *p = &plan->cfg.problem;
    const cl_int oh = clconv_problem_out_height(p), ow = clconv_problem_out_width(p);
    const cl_int ints[] = {p->in_channels, d->l.hp, d->l.wp, p->out_channels, oh, ow, in_image0,
                           n0, d->l.oc_blocks, plan->bias != NULL, d->l.group_in,
                           d->l.group_out, d->l.group_blocks};
    const cl_mem mems[] = {input, d->packed, plan->bias, output, plan->residual};
    clconv_status st = conv_set_args(plan, d->conv, "conv_direct", mems, 5, ints,
                                     (int)(sizeof ints / sizeof ints[0]));
    size_t global[3] = {(size_t)d->l.tiles, (size_t)oh, (size_t)images * (size_t)d->l.oc_blocks};
    /* On a CPU device, groups of one work-item. PoCL keeps every
     * work-item's register tile of a group on its worker thread's stack:
     * the 3 x 35 x 32 group it chose for a 15 x 15 kernel at batch 8 needed
     * more than the thread's 8 MB and crashed the process. One work-item a
     * group costs nothing there (the seed problems ran as fast or faster,
     * side by side). A GPU keeps the tile in registers: its driver chooses. */
    if (!st && !d->l.lx && !strcmp(plan->ctx->info.type, "CPU")) {
        const size_t one[3] = {1, 1, 1};
        return conv_enqueue_local(plan, d->conv, "conv_direct", 3, global, one,
                                  conv_event_slot(ev, STAGE_CONV));
    }
    if (st || !d->l.lx)
        return st ? st
                  : conv_enqueue(plan, d->conv, "conv_direct", 3, global,
                                 conv_event_slot(ev, STAGE_CONV));
    size_t local[3] = {(size_t)d->l.lx, (size_t)d->l.ly, 1};
    for (int i = 0; i < 2; i++)
        global[i] = (global[i] + local[i] - 1) / local[i] * local[i];
    return conv_enqueue_local(plan, d->conv, "conv_direct_local", 3, global, local,
                              conv_event_slot(ev, STAGE_CONV));
}

static clconv_status direct_execute(clconv_plan *plan, cl_mem input, cl_mem output,
                                    conv_events *ev)
{
    direct_plan *d = plan->impl;
    const int batch = plan->cfg.problem.batch;
    if (!d->l.padded)
        return run_conv(plan, d, input, output, 0, 0, batch, ev);
    clconv_status st = CLCONV_SUCCESS;
    for (int n0 = 0; n0 < batch && !st; n0 += d->l.images_per_chunk) {
        int images = batch - n0 < d->l.images_per_chunk ? batch - n0 : d->l.images_per_chunk;
        if (!(st = run_pad(plan, d, input, n0, images, ev)))
            st = run_conv(plan, d, d->padded, output, 0, n0, images, ev);
    }
    return st;
}

static void direct_destroy(clconv_plan *plan)
{
    direct_plan *d = plan->impl;
    if (!d)
        return;
    cl_kernel kernels[] = {d->conv, d->pack, d->pad};
    for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++)
        if (kernels[i])
            clReleaseKernel(kernels[i]);
    if (d->packed)
        clReleaseMemObject(d->packed);
    if (d->padded)
        clReleaseMemObject(d->padded);
    free(d);
    plan->impl = NULL;
}

extern const conv_algo_ops conv_direct_ops;

/* The convolution stage reads each operand once and writes the output: the
 * compulsory cost. The padded copy, when the problem has padding, reads the
 * input and writes the copy. Neither depends on the tile. */
static void direct_cost(const conv_config *cfg, int has_bias, clconv_cost *cost)
{
    const clconv_problem *p = &cfg->problem;
    direct_layout l;
    layout(cfg, &l);
    double flops, bytes;
    conv_compulsory_cost(p, has_bias, &flops, &bytes);
    if (l.padded)
        conv_cost_add(cost, &conv_direct_ops, STAGE_PAD, 0.0,
                      4.0 * (double)clconv_problem_input_elems(p) +
                          (double)l.padded_image_bytes * p->batch);
    conv_cost_add(cost, &conv_direct_ops, STAGE_CONV, flops, bytes);
}

/* Its channel blocks hold one group's output channels each: the lanes
 * past a group's last channel compute nothing the problem needs. */
static double direct_useful_share(const conv_config *cfg)
{
    direct_layout l;
    layout(cfg, &l);
    return (double)l.group_out / ((double)l.group_blocks * l.ocb);
}

static void direct_valid_values(const conv_config *cfg, char *text, size_t cap)
{
    (void)cfg;
    snprintf(text, cap, "vec in 1, 2, 4, 8, 16, ocv in 1..4, pix in 1..28, lx and ly in 1..32 "
                        "(the local-memory variant's work-group) or both 0");
}

static const conv_tunable direct_tunable = {
    .kernel_file = "direct/direct.cl",
    .method = "direct 1 (pix balanced over the row, pack.cl, staged_channels)",
    .param_count = 5,
    .param_names = {[P_VEC] = "vec", [P_OCV] = "ocv", [P_PIX] = "pix", [P_LX] = "lx",
                    [P_LY] = "ly"},
    .defaults = direct_default,
    .candidates = direct_candidates,
    .valid = direct_params_valid,
    .valid_values = direct_valid_values,
};

const conv_algo_ops conv_direct_ops = {
    .name = "direct",
    .chunks = 1,
    .groups = 1,
    .efficiency_prior = 0.5,
    .useful_share = direct_useful_share,
    .summary = "register-blocked kernel (cl/direct/direct.cl) specialised per kernel size, "
               "weights repacked once, tile from the tuner or device queries",
    .stage_count = 2,
    .stage_names = {[STAGE_PAD] = "pad", [STAGE_CONV] = "conv"},
    .weights_stage = "weights_pack",
    .tunable = &direct_tunable,
    .check = direct_check,
    .workspace = direct_workspace,
    .create = direct_create,
    .set_weights = direct_set_weights,
    .execute = direct_execute,
    .cost = direct_cost,
    .destroy = direct_destroy,
};
