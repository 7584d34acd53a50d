/* The epilogue (clconv_epilogue): the activations' one list, validation,
 * and what an algorithm needs to apply it in its last stage: the -D
 * constants of cl/common/prelude.cl's EPI() (the residual's read in the
 * cost is conv_cost_of's). */
#include "conv/algo.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The name is PyTorch's function's and, as act_<name>, the kernel
 * function of cl/common/prelude.cl that computes it. */
static const struct {
    const char *name;
    int params;
} activations[CLCONV_ACTIVATION_COUNT] = {
    [CLCONV_ACTIVATION_NONE] = {"none", 0},
    [CLCONV_ACTIVATION_RELU] = {"relu", 0},
    [CLCONV_ACTIVATION_RELU6] = {"relu6", 0},
    [CLCONV_ACTIVATION_CLAMP] = {"clamp", 2},
    [CLCONV_ACTIVATION_LEAKY_RELU] = {"leaky_relu", 1},
    [CLCONV_ACTIVATION_SIGMOID] = {"sigmoid", 0},
    [CLCONV_ACTIVATION_TANH] = {"tanh", 0},
    [CLCONV_ACTIVATION_SILU] = {"silu", 0},
    [CLCONV_ACTIVATION_HARDSWISH] = {"hardswish", 0},
    [CLCONV_ACTIVATION_GELU] = {"gelu", 0},
};

static int known(clconv_activation a)
{
    return (int)a >= 0 && a < CLCONV_ACTIVATION_COUNT;
}

const char *clconv_activation_name(clconv_activation activation)
{
    return known(activation) ? activations[activation].name : NULL;
}

int clconv_activation_param_count(clconv_activation activation)
{
    return known(activation) ? activations[activation].params : -1;
}

static const char *activation_at(int i)
{
    return activations[i].name;
}

clconv_status clconv_activation_from_name(const char *name, clconv_activation *out)
{
    int a;
    clconv_status st =
        rt_enum_from_name("activation", activation_at, CLCONV_ACTIVATION_COUNT, name, out, &a);
    if (!st)
        *out = (clconv_activation)a;
    return st;
}

clconv_status conv_epilogue_check(clconv_context *ctx, const clconv_epilogue *e)
{
    if (!isfinite(e->alpha))
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "epilogue.alpha = %g: must be finite",
                       (double)e->alpha);
    if (e->residual != 0 && e->residual != 1)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "epilogue.residual = %d: must be 0 or 1",
                       e->residual);
    if (!isfinite(e->beta))
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "epilogue.beta = %g: must be finite",
                       (double)e->beta);
    if (!known(e->activation))
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "epilogue.activation = %d: must be 0..%d",
                       (int)e->activation, CLCONV_ACTIVATION_COUNT - 1);
    const char *name = activations[e->activation].name;
    for (int i = 0; i < activations[e->activation].params; i++)
        if (!isfinite(e->activation_params[i]))
            return rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                           "epilogue.activation_params[%d] = %g: %s's %s must be finite", i,
                           (double)e->activation_params[i], name,
                           e->activation == CLCONV_ACTIVATION_CLAMP ? (i ? "hi" : "lo")
                                                                    : "slope");
    if (e->activation == CLCONV_ACTIVATION_CLAMP &&
        e->activation_params[0] > e->activation_params[1])
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                       "epilogue.activation_params = {%g, %g}: clamp's lo must not exceed hi",
                       (double)e->activation_params[0], (double)e->activation_params[1]);
    return CLCONV_SUCCESS;
}

clconv_status clconv_epilogue_validate(const clconv_epilogue *caller)
{
    if (!caller)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "epilogue is NULL");
    clconv_epilogue e;
    clconv_status st = rt_epilogue_in(NULL, caller, &e);
    return st ? st : conv_epilogue_check(NULL, &e);
}

int conv_epilogue_is_identity(const clconv_epilogue *e)
{
    return e->alpha == 1.0f && !e->residual && e->activation == CLCONV_ACTIVATION_NONE;
}

int clconv_epilogue_is_identity(const clconv_epilogue *caller)
{
    clconv_epilogue e;
    return !caller || rt_epilogue_in(NULL, caller, &e) != CLCONV_SUCCESS ||
           conv_epilogue_is_identity(&e);
}

/* A float as an exact OpenCL C literal. */
static void literal(char *out, size_t cap, float v)
{
    snprintf(out, cap, "%af", (double)v);
}

void conv_epilogue_options(const clconv_epilogue *e, char *out, size_t cap)
{
    if (cap)
        out[0] = '\0';
    if (conv_epilogue_is_identity(e))
        return; /* the plain store: nothing defined, nothing paid */
    char v[48];
    size_t n = strlen(out);
    snprintf(out + n, cap - n, " -DEPI_ACT=act_%s", activations[e->activation].name);
    if (e->alpha != 1.0f) {
        literal(v, sizeof v, e->alpha);
        n = strlen(out);
        snprintf(out + n, cap - n, " -DEPI_ALPHA=%s", v);
    }
    if (e->residual) {
        n = strlen(out);
        snprintf(out + n, cap - n, " -DEPI_RES=1");
        if (e->beta != 1.0f) {
            literal(v, sizeof v, e->beta);
            n = strlen(out);
            snprintf(out + n, cap - n, " -DEPI_BETA=%s", v);
        }
    }
    for (int i = 0; i < activations[e->activation].params; i++) {
        literal(v, sizeof v, e->activation_params[i]);
        n = strlen(out);
        snprintf(out + n, cap - n, " -DEPI_P%d=%s", i, v);
    }
}
