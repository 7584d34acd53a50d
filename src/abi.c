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

clconv_status rt_struct_in(clconv_context *ctx, const char *type, const void *in, size_t full,
                           void *out)
{
    size_t size;
    memcpy(&size, in, sizeof size);
    clconv_status st = size_ok(ctx, type, size, full);
    if (st)
        return st;
    memcpy(out, in, size);
    memcpy(out, &full, sizeof full);
    return CLCONV_SUCCESS;
}

clconv_status rt_array_out_stride(clconv_context *ctx, const char *type, const void *out,
                                  size_t cap, size_t full, size_t *stride)
{
    *stride = 0;
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
    for (size_t i = 1; i < cap; i++) {
        size_t size;
        memcpy(&size, (const char *)out + i * first, sizeof size);
        if (size != first)
            return rt_fail(ctx, CLCONV_ERR_INVALID_ARG,
                           "%s[%zu].struct_size = %zu, entry 0's is %zu: init every entry", type,
                           i, size, first);
    }
    *stride = first;
    return CLCONV_SUCCESS;
}

void clconv_device_selector_init(clconv_device_selector *selector)
{
    if (selector)
        *selector = (clconv_device_selector){.struct_size = sizeof *selector,
                                             .platform_index = -1, .device_index = -1};
}

void clconv_context_options_init(clconv_context_options *options)
{
    if (options)
        *options = (clconv_context_options){.struct_size = sizeof *options};
}

void clconv_plan_options_init(clconv_plan_options *options)
{
    if (options)
        *options = (clconv_plan_options){.struct_size = sizeof *options};
}

void clconv_algo_prediction_init(clconv_algo_prediction *entry)
{
    if (entry)
        *entry = (clconv_algo_prediction){.struct_size = sizeof *entry,
                                          .algo = CLCONV_ALGO_AUTO};
}

clconv_status rt_plan_options_in(clconv_context *ctx, const clconv_plan_options *in,
                                 clconv_plan_options *out)
{
    clconv_plan_options_init(out);
    return in ? rt_struct_in(ctx, "clconv_plan_options", in, sizeof *out, out) : CLCONV_SUCCESS;
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
    STRUCT(clconv_roofline),
};

size_t clconv_struct_size(const char *name)
{
    for (size_t i = 0; name && i < sizeof structs / sizeof structs[0]; i++)
        if (!strcmp(name, structs[i].name))
            return structs[i].size;
    return 0;
}
