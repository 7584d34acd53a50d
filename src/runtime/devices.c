/* Platform and device discovery, and choosing one device. */
#define _POSIX_C_SOURCE 200809L
#include "runtime/rt.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The ICD loader answers CL_PLATFORM_NOT_FOUND_KHR when no ICD is installed. */
#define RT_PLATFORM_NOT_FOUND_KHR (-1001)

static clconv_status platform_ids(cl_platform_id **out, cl_uint *count)
{
    *out = NULL;
    *count = 0;
    cl_uint n = 0;
    cl_int err = clGetPlatformIDs(0, NULL, &n);
    if (err == RT_PLATFORM_NOT_FOUND_KHR || (err == CL_SUCCESS && n == 0))
        return rt_fail(NULL, CLCONV_ERR_NOT_FOUND,
                       "no OpenCL platform found: install an ICD (e.g. pocl-opencl-icd) "
                       "and check /etc/OpenCL/vendors");
    if (err != CL_SUCCESS)
        return rt_cl_fail(NULL, err, "clGetPlatformIDs", "count query");
    cl_platform_id *ids = calloc(n, sizeof *ids);
    if (!ids)
        return rt_fail(NULL, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory listing %u platforms", n);
    err = clGetPlatformIDs(n, ids, NULL);
    if (err != CL_SUCCESS) {
        free(ids);
        return rt_cl_fail(NULL, err, "clGetPlatformIDs", "num_entries=%u", n);
    }
    *out = ids;
    *count = n;
    return CLCONV_SUCCESS;
}

/* A platform without devices answers CL_DEVICE_NOT_FOUND: that is 0 devices. */
static clconv_status device_ids(cl_platform_id platform, int platform_index,
                                cl_device_id **out, cl_uint *count)
{
    *out = NULL;
    *count = 0;
    cl_uint n = 0;
    cl_int err = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, NULL, &n);
    if (err == CL_DEVICE_NOT_FOUND || (err == CL_SUCCESS && n == 0))
        return CLCONV_SUCCESS;
    if (err != CL_SUCCESS)
        return rt_cl_fail(NULL, err, "clGetDeviceIDs", "platform %d, count query", platform_index);
    cl_device_id *ids = calloc(n, sizeof *ids);
    if (!ids)
        return rt_fail(NULL, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory listing devices");
    err = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, n, ids, NULL);
    if (err != CL_SUCCESS) {
        free(ids);
        return rt_cl_fail(NULL, err, "clGetDeviceIDs", "platform %d, num_entries=%u",
                          platform_index, n);
    }
    *out = ids;
    *count = n;
    return CLCONV_SUCCESS;
}

static cl_int info_string(int is_device, void *obj, cl_uint param, char *buf, size_t size);

static clconv_status platform_string(cl_platform_id p, cl_platform_info what, const char *what_name,
                                     char *buf, size_t size)
{
    cl_int err = info_string(0, p, what, buf, size);
    if (err != CL_SUCCESS)
        return rt_cl_fail(NULL, err, "clGetPlatformInfo", "%s", what_name);
    return CLCONV_SUCCESS;
}

/* A string property of any length, truncated to fit buf (OpenCL itself
 * refuses a buffer shorter than the string). */
static cl_int info_string(int is_device, void *obj, cl_uint param, char *buf, size_t size)
{
    size_t need = 0;
    cl_int err = is_device ? clGetDeviceInfo(obj, param, 0, NULL, &need)
                           : clGetPlatformInfo(obj, param, 0, NULL, &need);
    if (err != CL_SUCCESS)
        return err;
    char *full = malloc(need + 1);
    if (!full)
        return CL_OUT_OF_HOST_MEMORY;
    err = is_device ? clGetDeviceInfo(obj, param, need, full, NULL)
                    : clGetPlatformInfo(obj, param, need, full, NULL);
    if (err == CL_SUCCESS) {
        full[need] = '\0';
        snprintf(buf, size, "%s", full);
    }
    free(full);
    return err;
}

#define DEVICE_INFO(param, ptr, size)                                                 \
    do {                                                                              \
        cl_int err_ = clGetDeviceInfo(device, param, size, ptr, NULL);                \
        if (err_ != CL_SUCCESS)                                                       \
            return rt_cl_fail(ctx, err_, "clGetDeviceInfo", "%s", #param);            \
    } while (0)

clconv_status rt_device_query(clconv_context *ctx, cl_platform_id platform, cl_device_id device,
                              int platform_index, int device_index, clconv_device_info *info)
{
    memset(info, 0, sizeof *info);
    info->platform_index = platform_index;
    info->device_index = device_index;
    static const struct {
        int is_device;
        cl_uint param;
        const char *name;
        size_t field;
    } strings[] = {
        {0, CL_PLATFORM_NAME, "CL_PLATFORM_NAME", offsetof(clconv_device_info, platform_name)},
        {0, CL_PLATFORM_VENDOR, "CL_PLATFORM_VENDOR",
         offsetof(clconv_device_info, platform_vendor)},
        {0, CL_PLATFORM_VERSION, "CL_PLATFORM_VERSION",
         offsetof(clconv_device_info, platform_version)},
        {1, CL_DEVICE_NAME, "CL_DEVICE_NAME", offsetof(clconv_device_info, name)},
        {1, CL_DEVICE_VENDOR, "CL_DEVICE_VENDOR", offsetof(clconv_device_info, vendor)},
        {1, CL_DEVICE_VERSION, "CL_DEVICE_VERSION", offsetof(clconv_device_info, version)},
        {1, CL_DRIVER_VERSION, "CL_DRIVER_VERSION", offsetof(clconv_device_info, driver_version)},
    };
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        cl_int err = info_string(strings[i].is_device,
                                 strings[i].is_device ? (void *)device : (void *)platform,
                                 strings[i].param, (char *)info + strings[i].field,
                                 CLCONV_NAME_MAX);
        if (err != CL_SUCCESS)
            return rt_cl_fail(ctx, err, strings[i].is_device ? "clGetDeviceInfo"
                                                             : "clGetPlatformInfo",
                              "%s", strings[i].name);
    }

    cl_device_type type;
    DEVICE_INFO(CL_DEVICE_TYPE, &type, sizeof type);
    const char *type_name = (type & CL_DEVICE_TYPE_GPU)           ? "GPU"
                            : (type & CL_DEVICE_TYPE_CPU)         ? "CPU"
                            : (type & CL_DEVICE_TYPE_ACCELERATOR) ? "ACCELERATOR"
                                                                  : "OTHER";
    snprintf(info->type, sizeof info->type, "%s", type_name);

    cl_uint u;
    cl_ulong ul;
    DEVICE_INFO(CL_DEVICE_MAX_COMPUTE_UNITS, &u, sizeof u);
    info->compute_units = u;
    DEVICE_INFO(CL_DEVICE_MAX_CLOCK_FREQUENCY, &u, sizeof u);
    info->clock_mhz = u;
    DEVICE_INFO(CL_DEVICE_GLOBAL_MEM_SIZE, &ul, sizeof ul);
    info->global_mem_bytes = ul;
    DEVICE_INFO(CL_DEVICE_LOCAL_MEM_SIZE, &ul, sizeof ul);
    info->local_mem_bytes = ul;
    DEVICE_INFO(CL_DEVICE_MAX_MEM_ALLOC_SIZE, &ul, sizeof ul);
    info->max_alloc_bytes = ul;
    DEVICE_INFO(CL_DEVICE_MAX_WORK_GROUP_SIZE, &info->max_work_group_size,
                sizeof info->max_work_group_size);
    DEVICE_INFO(CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT, &u, sizeof u);
    info->preferred_vector_width_float = u;

    cl_int err;
    cl_device_fp_config fp;
    DEVICE_INFO(CL_DEVICE_DOUBLE_FP_CONFIG, &fp, sizeof fp);
    info->fp64 = fp != 0;
    /* CL_DEVICE_HALF_FP_CONFIG is only defined with cl_khr_fp16; the
     * extension string is the portable test. */
    size_t ext_size = 0;
    err = clGetDeviceInfo(device, CL_DEVICE_EXTENSIONS, 0, NULL, &ext_size);
    if (err != CL_SUCCESS)
        return rt_cl_fail(ctx, err, "clGetDeviceInfo", "CL_DEVICE_EXTENSIONS size");
    char *ext = malloc(ext_size + 1);
    if (!ext)
        return rt_fail(ctx, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory (%zu bytes)", ext_size);
    err = clGetDeviceInfo(device, CL_DEVICE_EXTENSIONS, ext_size, ext, NULL);
    if (err != CL_SUCCESS) {
        free(ext);
        return rt_cl_fail(ctx, err, "clGetDeviceInfo", "CL_DEVICE_EXTENSIONS");
    }
    ext[ext_size] = '\0';
    info->fp16 = strstr(ext, "cl_khr_fp16") != NULL;
    free(ext);

    cl_command_queue_properties qp;
    DEVICE_INFO(CL_DEVICE_QUEUE_PROPERTIES, &qp, sizeof qp);
    info->profiling = (qp & CL_QUEUE_PROFILING_ENABLE) != 0;
    return CLCONV_SUCCESS;
}

void clconv_device_list_free(clconv_device_list *list)
{
    if (!list)
        return;
    free(list->platforms);
    free(list->devices);
    free(list);
}

clconv_status clconv_device_list_create(clconv_device_list **out)
{
    rt_clear_error(NULL);
    if (!out)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "device_list_create: out is NULL");
    *out = NULL;
    cl_platform_id *platforms = NULL;
    cl_device_id *devices = NULL;
    cl_uint np = 0;
    clconv_status st = platform_ids(&platforms, &np);
    if (st)
        return st;
    clconv_device_list *list = calloc(1, sizeof *list);
    if (!list || !(list->platforms = calloc(np, sizeof *list->platforms))) {
        st = rt_fail(NULL, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory listing devices");
        goto fail;
    }
    list->platform_count = (int)np;
    for (cl_uint p = 0; p < np; p++) {
        clconv_platform_info *pi = &list->platforms[p];
        pi->index = (int)p;
        if ((st = platform_string(platforms[p], CL_PLATFORM_NAME, "CL_PLATFORM_NAME", pi->name,
                                  sizeof pi->name)) ||
            (st = platform_string(platforms[p], CL_PLATFORM_VENDOR, "CL_PLATFORM_VENDOR",
                                  pi->vendor, sizeof pi->vendor)) ||
            (st = platform_string(platforms[p], CL_PLATFORM_VERSION, "CL_PLATFORM_VERSION",
                                  pi->version, sizeof pi->version)))
            goto fail;
        cl_uint nd = 0;
        if ((st = device_ids(platforms[p], (int)p, &devices, &nd)))
            goto fail;
        pi->device_count = (int)nd;
        if (nd) {
            clconv_device_info *grown =
                realloc(list->devices, (list->device_count + nd) * sizeof *grown);
            if (!grown) {
                st = rt_fail(NULL, CLCONV_ERR_OUT_OF_MEMORY, "out of host memory listing devices");
                goto fail;
            }
            list->devices = grown;
        }
        for (cl_uint d = 0; d < nd; d++) {
            st = rt_device_query(NULL, platforms[p], devices[d], (int)p, (int)d,
                                 &list->devices[list->device_count]);
            if (st)
                goto fail;
            list->device_count++;
        }
        free(devices);
        devices = NULL;
    }
    free(platforms);
    *out = list;
    return CLCONV_SUCCESS;
fail:
    free(devices);
    free(platforms);
    clconv_device_list_free(list);
    return st;
}

clconv_status rt_device_ids(int platform_index, int device_index, cl_platform_id *platform,
                            cl_device_id *device)
{
    cl_platform_id *platforms = NULL;
    cl_device_id *devices = NULL;
    cl_uint np = 0, nd = 0;
    clconv_status st = platform_ids(&platforms, &np);
    if (st)
        return st;
    if (platform_index < 0 || (cl_uint)platform_index >= np) {
        free(platforms);
        return rt_fail(NULL, CLCONV_ERR_NOT_FOUND, "platform %d does not exist", platform_index);
    }
    st = device_ids(platforms[platform_index], platform_index, &devices, &nd);
    if (!st && (device_index < 0 || (cl_uint)device_index >= nd))
        st = rt_fail(NULL, CLCONV_ERR_NOT_FOUND, "device %d:%d does not exist", platform_index,
                     device_index);
    if (!st) {
        *platform = platforms[platform_index];
        *device = devices[device_index];
    }
    free(devices);
    free(platforms);
    return st;
}

/* ---- selection ---- */

static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return 0;
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] &&
               tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

static int matches_name(const clconv_device_info *d, const char *needle)
{
    return contains_nocase(d->platform_name, needle) ||
           contains_nocase(d->platform_vendor, needle) || contains_nocase(d->name, needle) ||
           contains_nocase(d->vendor, needle);
}

/* Appends "P:D name (platform)" for every device, so a wrong index shows what exists. */
static void describe_devices(const clconv_device_list *list, char *buf, size_t size)
{
    size_t used = strlen(buf);
    for (int p = 0; p < list->platform_count && used < size; p++) {
        const clconv_platform_info *pi = &list->platforms[p];
        if (pi->device_count == 0)
            used += (size_t)snprintf(buf + used, size - used, "\n  platform %d (%s): no devices",
                                     p, pi->name);
        for (int i = 0; i < list->device_count && used < size; i++) {
            const clconv_device_info *d = &list->devices[i];
            if (d->platform_index == p)
                used += (size_t)snprintf(buf + used, size - used, "\n  %d:%d %s (%s)", p,
                                         d->device_index, d->name, pi->name);
        }
    }
}

/* prefix is the first line; the devices that exist follow it. */
static clconv_status not_found(const clconv_device_list *list, const char *prefix)
{
    char msg[4096];
    snprintf(msg, sizeof msg, "%s; devices that exist:", prefix);
    describe_devices(list, msg, sizeof msg);
    return rt_fail(NULL, CLCONV_ERR_NOT_FOUND, "%s", msg);
}

static clconv_status select_index(const clconv_device_list *list, int p, int d, const char *origin,
                                  const clconv_device_info **out)
{
    for (int i = 0; i < list->device_count; i++)
        if (list->devices[i].platform_index == p && list->devices[i].device_index == d) {
            *out = &list->devices[i];
            return CLCONV_SUCCESS;
        }
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s: no device %d:%d (platform %d, device %d)", origin, p, d,
             p, d);
    return not_found(list, prefix);
}

static clconv_status select_name(const clconv_device_list *list, const char *needle,
                                 const char *origin, const clconv_device_info **out)
{
    for (int i = 0; i < list->device_count; i++)
        if (matches_name(&list->devices[i], needle)) {
            *out = &list->devices[i];
            return CLCONV_SUCCESS;
        }
    char prefix[512];
    snprintf(prefix, sizeof prefix, "%s: no device matches \"%.200s\"", origin, needle);
    return not_found(list, prefix);
}

/* "P:D" with both parts plain non-negative integers. */
static int parse_index_pair(const char *s, int *p, int *d)
{
    char *end;
    long a = strtol(s, &end, 10);
    if (end == s || *end != ':' || a < 0 || a > 1000000)
        return 0;
    const char *t = end + 1;
    long b = strtol(t, &end, 10);
    if (end == t || *end != '\0' || b < 0 || b > 1000000 || !isdigit((unsigned char)*s) ||
        !isdigit((unsigned char)*t))
        return 0;
    *p = (int)a;
    *d = (int)b;
    return 1;
}

clconv_status clconv_device_select(const clconv_device_list *list,
                                   const clconv_device_selector *caller,
                                   const clconv_device_info **out)
{
    rt_clear_error(NULL);
    if (out)
        *out = NULL;
    if (!list || !out)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "device_select: %s is NULL",
                       list ? "out" : "the device list");
    clconv_device_selector own, *sel = NULL;
    if (caller) {
        clconv_device_selector_init(&own);
        clconv_status st = rt_struct_in(NULL, "clconv_device_selector", caller,
                                        CLCONV_DEVICE_SELECTOR_STRUCT_SIZE, &own);
        if (st)
            return st;
        sel = &own;
    }
    if (sel && (sel->platform_index >= 0 || sel->device_index >= 0)) {
        int p = sel->platform_index < 0 ? 0 : sel->platform_index;
        int d = sel->device_index < 0 ? 0 : sel->device_index;
        return select_index(list, p, d, "--platform/--device", out);
    }
    if (sel && sel->name_substring)
        return select_name(list, sel->name_substring, "--device-name", out);
    const char *env = getenv("CLCONV_DEVICE");
    if (env && *env) {
        int p, d;
        if (parse_index_pair(env, &p, &d))
            return select_index(list, p, d, "CLCONV_DEVICE", out);
        return select_name(list, env, "CLCONV_DEVICE", out);
    }
    if (list->device_count == 0)
        return not_found(list, "no OpenCL device found");
    *out = &list->devices[0];
    return CLCONV_SUCCESS;
}

static int pow2_at_least(int x)
{
    int p = 1;
    while (p < x && p < 16)
        p *= 2;
    return p;
}

int rt_vector_width(const clconv_device_info *d, int row_length)
{
    /* CLCONV_VECTOR_WIDTH stands in for the device's preference: the memory
     * checker (oclgrind prefers 1) then runs the wide paths PoCL runs. */
    const char *forced = getenv("CLCONV_VECTOR_WIDTH");
    int pref = forced && atoi(forced) > 0 ? atoi(forced) : (int)d->preferred_vector_width_float;
    int vec = pow2_at_least(pref > 1 ? pref : 1);
    int need = pow2_at_least(row_length);
    return vec < need ? vec : need;
}
