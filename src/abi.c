/* The ABI's growth rules (clconv.h, "Growing without breaking"): the
 * caller's structs read through their struct_size, their init functions,
 * and the public structs' sizes by name (clconv_struct_size: the one list a
 * binding's layout check reads).
 *
 * Why a size field and not Vulkan's sType/pNext chain or zstd's
 * parameter-by-parameter setters: clconv's structs are flat records that
 * grow by appending a field now and then, from one maintainer. A size says
 * exactly which fields the caller knows; a chain is for extensions from
 * many vendors, and setters would cost the records a binding mirrors (the
 * Python package's ctypes structs). */
#include "runtime/rt.h"

#include <string.h>

/* A struct_size this library can take for a struct of `full` bytes. */
static clconv_status size_ok(clconv_context *ctx, const char *type, size_t size, size_t full)
{
    if (size < sizeof size)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                       "%s.struct_size = %zu: not set; make the struct with %s_init (this "
                       "library's %s has %zu bytes)",
                       type, size, type, type, full);
    if (size > full)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                       "%s.struct_size = %zu: larger than this library's %s (%zu bytes, clconv "
                       "%s): the caller was built against a newer clconv.h",
                       type, size, type, full, CLCONV_VERSION_STRING);
    return CLCONV_SUCCESS;
}

int rt_struct_copy(const void *in, size_t full, void *out)
{
    size_t size;
    memcpy(&size, in, sizeof size);
    if (size < sizeof size || size > full)
        return 0;
    memcpy(out, in, size);
    memcpy(out, &full, sizeof full);
    return 1;
}

clconv_status rt_struct_in(clconv_context *ctx, const char *type, const void *in, size_t full,
                           void *out)
{
    if (rt_struct_copy(in, full, out))
        return CLCONV_SUCCESS;
    size_t size;
    memcpy(&size, in, sizeof size);
    return size_ok(ctx, type, size, full);
}

clconv_status rt_array_out_stride(clconv_context *ctx, const char *type, const void *out,
                                  size_t cap, size_t full, size_t *size, size_t *stride)
{
    *size = *stride = 0;
    if (cap == 0)
        return CLCONV_SUCCESS;
    if (!out)
        return rt_fail(ctx, CLCONV_ERR_INVALID_ARG, "%s array is NULL with room for %zu", type,
                       cap);
    size_t first;
    memcpy(&first, out, sizeof first);
    clconv_status st = size_ok(ctx, type, first, full);
    if (st)
        return st;
    /* every such struct begins with a size_t: its alignment, and the padding
     * an array puts after each entry */
    const size_t pitch = (first + sizeof(size_t) - 1) / sizeof(size_t) * sizeof(size_t);
    for (size_t i = 1; i < cap; i++) {
        size_t each;
        memcpy(&each, (const char *)out + i * pitch, sizeof each);
        if (each != first)
            return rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                           "%s[%zu].struct_size = %zu, entry 0's is %zu: init every entry", type,
                           i, each, first);
    }
    *size = first;
    *stride = pitch;
    return CLCONV_SUCCESS;
}

/* The defaults in the caller's struct of `size` bytes (this library's is
 * `full`): the bytes both have, and struct_size the caller's. */
static void init_sized(void *dst, size_t size, const void *defaults, size_t full)
{
    if (!dst || size < sizeof size)
        return;
    memset(dst, 0, size);
    memcpy(dst, defaults, size < full ? size : full);
    memcpy(dst, &size, sizeof size);
}

void clconv_device_selector_init_size(clconv_device_selector *selector, size_t struct_size)
{
    const clconv_device_selector d = {.platform_index = -1, .device_index = -1};
    init_sized(selector, struct_size, &d, CLCONV_DEVICE_SELECTOR_STRUCT_SIZE);
}

void clconv_context_options_init_size(clconv_context_options *options, size_t struct_size)
{
    const clconv_context_options d = {0};
    init_sized(options, struct_size, &d, CLCONV_CONTEXT_OPTIONS_STRUCT_SIZE);
}

void clconv_plan_options_init_size(clconv_plan_options *options, size_t struct_size)
{
    const clconv_plan_options d = {0};
    init_sized(options, struct_size, &d, CLCONV_PLAN_OPTIONS_STRUCT_SIZE);
}

void clconv_epilogue_init_size(clconv_epilogue *epilogue, size_t struct_size)
{
    const clconv_epilogue d = {.alpha = 1.0f, .beta = 1.0f};
    init_sized(epilogue, struct_size, &d, CLCONV_EPILOGUE_STRUCT_SIZE);
}

clconv_status rt_epilogue_in(clconv_context *ctx, const clconv_epilogue *in,
                             clconv_epilogue *out)
{
    clconv_epilogue_init(out);
    return in ? rt_struct_in(ctx, "clconv_epilogue", in, CLCONV_EPILOGUE_STRUCT_SIZE, out)
              : CLCONV_SUCCESS;
}

void clconv_algo_prediction_init_size(clconv_algo_prediction *entry, size_t struct_size)
{
    const clconv_algo_prediction d = {.algo = CLCONV_ALGO_AUTO};
    init_sized(entry, struct_size, &d, CLCONV_ALGO_PREDICTION_STRUCT_SIZE);
}

void clconv_problem_init_size(clconv_problem *p, size_t struct_size)
{
    const clconv_problem d = {.batch = 1, .in_channels = 1, .height = 1, .width = 1,
                              .out_channels = 1, .kernel_h = 1, .kernel_w = 1, .stride_h = 1,
                              .stride_w = 1, .pad_h = 0, .pad_w = 0, .dilation_h = 1,
                              .dilation_w = 1, .groups = 1,
                              .pad_bottom = CLCONV_PAD_SYMMETRIC,
                              .pad_right = CLCONV_PAD_SYMMETRIC};
    init_sized(p, struct_size, &d, CLCONV_PROBLEM_STRUCT_SIZE);
}

clconv_status rt_plan_options_in(clconv_context *ctx, const clconv_plan_options *in,
                                 clconv_plan_options *out)
{
    clconv_plan_options_init(out);
    return in ? rt_struct_in(ctx, "clconv_plan_options", in, CLCONV_PLAN_OPTIONS_STRUCT_SIZE, out)
              : CLCONV_SUCCESS;
}

#define STRUCT(name) {#name, sizeof(name)}

static const struct {
    const char *name;
    size_t size;
} structs[] = {
    STRUCT(clconv_platform_info),   STRUCT(clconv_device_info),
    STRUCT(clconv_device_list),     STRUCT(clconv_device_selector),
    STRUCT(clconv_context_options), STRUCT(clconv_problem),
    STRUCT(clconv_plan_options),    STRUCT(clconv_choice),
    STRUCT(clconv_algo_prediction), STRUCT(clconv_stage_time),
    STRUCT(clconv_timing),          STRUCT(clconv_stage_cost),
    STRUCT(clconv_cost),            STRUCT(clconv_peaks),
    STRUCT(clconv_roofline),        STRUCT(clconv_epilogue),
};

size_t clconv_struct_size(const char *name)
{
    for (size_t i = 0; name && i < sizeof structs / sizeof structs[0]; i++)
        if (!strcmp(name, structs[i].name))
            return structs[i].size;
    return 0;
}
