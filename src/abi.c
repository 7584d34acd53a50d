/* The public structs' sizes by name (clconv_struct_size): the one list a
 * binding's layout check reads. */
#include "clconv.h"

#include <string.h>

#define STRUCT(name) {#name, sizeof(name)}

static const struct {
    const char *name;
    size_t size;
} structs[] = {
    STRUCT(clconv_platform_info), STRUCT(clconv_device_info),    STRUCT(clconv_device_list),
    STRUCT(clconv_device_selector), STRUCT(clconv_context_options), STRUCT(clconv_problem),
    STRUCT(clconv_plan_options),  STRUCT(clconv_choice),         STRUCT(clconv_prediction),
    STRUCT(clconv_stage_time),    STRUCT(clconv_timing),         STRUCT(clconv_stage_cost),
    STRUCT(clconv_cost),          STRUCT(clconv_peaks),          STRUCT(clconv_roofline),
};

size_t clconv_struct_size(const char *name)
{
    for (size_t i = 0; name && i < sizeof structs / sizeof structs[0]; i++)
        if (!strcmp(name, structs[i].name))
            return structs[i].size;
    return 0;
}
