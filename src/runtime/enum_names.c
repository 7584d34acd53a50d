/* Names of the library's enums, for every table that has them (the
 * algorithms, the FFT and GEMM backends, the auto modes, the parameter
 * sources): the lookup of a name and the error that lists the names, in
 * one place. */
#include "runtime/rt.h"

#include <stdio.h>
#include <string.h>

/* "a, b, c" into out[cap]. */
static void enum_list(rt_enum_name_fn name_of, int count, char *out, size_t cap)
{
    if (cap)
        out[0] = '\0';
    for (int i = 0; i < count; i++) {
        size_t used = strlen(out);
        snprintf(out + used, cap - used, "%s%s", used ? ", " : "", name_of(i));
    }
}

clconv_status rt_enum_from_name(const char *what, rt_enum_name_fn name_of, int count,
                                const char *name, const void *caller_out, int *out)
{
    if (!caller_out)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "%s from name: out is NULL", what);
    for (int i = 0; name && i < count; i++)
        if (!strcmp(name, name_of(i))) {
            *out = i;
            return CLCONV_SUCCESS;
        }
    char names[512];
    enum_list(name_of, count, names, sizeof names);
    return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "unknown %s \"%s\" (one of: %s)", what,
                   name ? name : "", names);
}
