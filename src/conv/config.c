/* A problem, an algorithm and the plan options resolved into a conv_config
 * (the defaults from the device, the parameters from the caller, the
 * database or the default rule), and what can be known from it before a
 * plan: whether the algorithm runs it here, its workspace and its cost. */
#include "conv/plan.h"

#include "conv/tune.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Validates what every algorithm needs and resolves the options' defaults
 * into cfg (device may be NULL: no device-dependent defaults or limits). */
static clconv_status make_config(clconv_context *ctx, const clconv_problem *p, clconv_algo algo,
                                 const clconv_plan_options *opt, conv_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    if (algo == CLCONV_ALGO_AUTO)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                       "algo = auto: not an algorithm; only plan_create chooses one "
                       "(clconv_plan_choice says which)");
    if ((int)algo < 0 || algo >= CLCONV_ALGO_COUNT)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "algo = %d: must be 0..%d or %d (auto)",
                       (int)algo, CLCONV_ALGO_COUNT - 1, (int)CLCONV_ALGO_AUTO);
    clconv_status st = rt_problem_in(ctx, p, &cfg->problem);
    if (st)
        return st;
    if ((st = clconv_problem_validate(&cfg->problem)))
        return ctx ? rt_fail(ctx, st, "%s", clconv_last_error(NULL)) : st;
    if (rt_groups(&cfg->problem) > 1 && !conv_algo_table[algo]->groups) {
        char those[128] = "";
        for (int a = 0; a < CLCONV_ALGO_COUNT; a++)
            if (conv_algo_table[a]->groups)
                snprintf(those + strlen(those), sizeof those - strlen(those), "%s%s",
                         those[0] ? ", " : "", conv_algo_table[a]->name);
        return rt_fail(ctx, CLCONV_ERR_UNSUPPORTED,
                       "%s does not run grouped convolutions (groups = %d); these do: %s",
                       conv_algo_table[algo]->name, cfg->problem.groups, those);
    }
    char why[256];
    if (conv_algo_table[algo]->refuses && conv_algo_table[algo]->refuses(&cfg->problem, why,
                                                                         sizeof why))
        return rt_fail(ctx, CLCONV_ERR_UNSUPPORTED, "%s", why);
    cfg->device = ctx ? &ctx->info : NULL;
    /* The device's own limit on one buffer, lowered by the caller if asked. */
    cfg->workspace_limit_bytes = ctx ? (size_t)ctx->info.max_alloc_bytes : SIZE_MAX;
    if (opt && opt->workspace_limit_bytes && opt->workspace_limit_bytes < cfg->workspace_limit_bytes)
        cfg->workspace_limit_bytes = opt->workspace_limit_bytes;
    cfg->fft_backend = opt ? opt->fft_backend : CLCONV_FFT_BACKEND_DEFAULT;
    if ((int)cfg->fft_backend < 0 || cfg->fft_backend >= CLCONV_FFT_BACKEND_COUNT)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "fft_backend = %d: must be 0..%d",
                       (int)cfg->fft_backend, CLCONV_FFT_BACKEND_COUNT - 1);
    clconv_gemm_backend gemm = opt ? opt->gemm_backend : CLCONV_GEMM_BACKEND_DEFAULT;
    if (!rt_gemm_backend_get(gemm, cfg->device, &cfg->gemm_backend))
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "gemm_backend = %d: must be 0..%d", (int)gemm,
                       CLCONV_GEMM_BACKEND_COUNT - 1);
    clconv_status est = rt_epilogue_in(ctx, opt ? opt->epilogue : NULL, &cfg->epilogue);
    return est ? est : conv_epilogue_check(ctx, &cfg->epilogue);
}

clconv_status conv_check_common(clconv_context *ctx, const clconv_problem *p, clconv_algo algo,
                                const clconv_plan_options *opt, conv_config *cfg,
                                clconv_params_source *source)
{
    if (!ctx)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "context is NULL");
    rt_clear_error(ctx);
    clconv_plan_options o;
    clconv_status st = rt_plan_options_in(ctx, opt, &o);
    if (st)
        return st;
    if ((st = make_config(ctx, p, algo, &o, cfg)))
        return st;
    clconv_params_source unused;
    if ((st = conv_params_resolve(ctx, cfg, conv_algo_table[algo], o.params,
                                  source ? source : &unused)))
        return st;
    return conv_algo_table[algo]->check(ctx, cfg);
}

clconv_status conv_config_resolve(clconv_context *ctx, const clconv_problem *p, clconv_algo algo,
                                  const clconv_plan_options *opt, conv_config *cfg)
{
    return conv_check_common(ctx, p, algo, opt, cfg, NULL);
}

clconv_status clconv_algo_check(clconv_context *ctx, const clconv_problem *p, clconv_algo algo)
{
    return clconv_algo_check_with_options(ctx, p, algo, NULL);
}

clconv_status clconv_algo_check_with_options(clconv_context *ctx, const clconv_problem *p,
                                             clconv_algo algo, const clconv_plan_options *opt)
{
    conv_config cfg;
    return conv_check_common(ctx, p, algo, opt, &cfg, NULL);
}

clconv_status clconv_algo_workspace_bytes(clconv_context *ctx, const clconv_problem *p,
                                          clconv_algo algo, const clconv_plan_options *opt,
                                          size_t *bytes)
{
    conv_config cfg;
    if (bytes)
        *bytes = 0;
    clconv_status st = conv_check_common(ctx, p, algo, opt, &cfg, NULL);
    if (!st && !bytes)
        st = rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "bytes is NULL");
    if (!st)
        *bytes = conv_algo_table[algo]->workspace(&cfg);
    return st;
}

clconv_status clconv_algo_cost(const clconv_problem *p, clconv_algo algo, int with_bias,
                               clconv_cost *cost)
{
    conv_config cfg;
    if (!cost)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "cost is NULL");
    memset(cost, 0, sizeof *cost);
    if (!p)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "problem is NULL");
    clconv_status st = make_config(NULL, p, algo, NULL, &cfg);
    if (!st)
        conv_cost_of(conv_algo_table[algo], &cfg, with_bias != 0, cost);
    return st;
}
