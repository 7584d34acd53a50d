/* The public names of the conv layer's enums: the algorithms (from the
 * algorithm table), the auto modes and where a plan's parameters came
 * from; lookups go through rt_enum_from_name. */
#include "conv/algo.h"

static const char *const auto_mode_names[CLCONV_AUTO_MODE_COUNT] = {
    [CLCONV_AUTO_PREDICT] = "predict",
    [CLCONV_AUTO_FIND] = "find",
};

static const char *const params_source_names[CLCONV_PARAMS_SOURCE_COUNT] = {
    [CLCONV_PARAMS_NONE] = "none",
    [CLCONV_PARAMS_DEFAULT] = "default",
    [CLCONV_PARAMS_DATABASE] = "database",
    [CLCONV_PARAMS_TUNED] = "tuned",
    [CLCONV_PARAMS_GIVEN] = "given",
};

static int algo_known(clconv_algo algo)
{
    return (int)algo >= 0 && algo < CLCONV_ALGO_COUNT;
}

const char *clconv_algo_name(clconv_algo algo)
{
    if (algo == CLCONV_ALGO_AUTO)
        return "auto";
    return algo_known(algo) ? conv_algo_table[algo]->name : NULL;
}

const char *clconv_algo_summary(clconv_algo algo)
{
    return algo_known(algo) ? conv_algo_table[algo]->summary : NULL;
}

const char *clconv_algo_weights_stage(clconv_algo algo)
{
    return algo_known(algo) ? conv_algo_table[algo]->weights_stage : NULL;
}

/* The algorithms, then "auto" as the value after them. */
static const char *algo_or_auto_at(int i)
{
    return clconv_algo_name(i == CLCONV_ALGO_COUNT ? CLCONV_ALGO_AUTO : (clconv_algo)i);
}

clconv_status clconv_algo_from_name(const char *name, clconv_algo *out)
{
    int a;
    clconv_status st =
        rt_enum_from_name("algorithm", algo_or_auto_at, CLCONV_ALGO_COUNT + 1, name, out, &a);
    if (!st)
        *out = a == CLCONV_ALGO_COUNT ? CLCONV_ALGO_AUTO : (clconv_algo)a;
    return st;
}

const char *clconv_auto_mode_name(clconv_auto_mode mode)
{
    return (int)mode >= 0 && mode < CLCONV_AUTO_MODE_COUNT ? auto_mode_names[mode] : NULL;
}

static const char *auto_mode_at(int i)
{
    return auto_mode_names[i];
}

clconv_status clconv_auto_mode_from_name(const char *name, clconv_auto_mode *out)
{
    int m;
    clconv_status st =
        rt_enum_from_name("auto mode", auto_mode_at, CLCONV_AUTO_MODE_COUNT, name, out, &m);
    if (!st)
        *out = (clconv_auto_mode)m;
    return st;
}

const char *clconv_params_source_name(clconv_params_source source)
{
    return (int)source >= 0 && source < CLCONV_PARAMS_SOURCE_COUNT ? params_source_names[source]
                                                                    : NULL;
}
