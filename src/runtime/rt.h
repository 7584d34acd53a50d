/* Runtime layer (internal): the context, error reporting, devices, programs. */
#ifndef CLCONV_RT_H
#define CLCONV_RT_H

#include "clconv_tools.h" /* the library implements both headers */
#include "runtime/timing.h"

#include <stdarg.h>

#define RT_ERROR_MAX 65536 /* room for a build log */
#define RT_QUIET_CALLS 8    /* library calls a context remembers as compiled */

typedef struct rt_program rt_program; /* in-memory program table entry */

struct clconv_context {
    cl_platform_id platform;
    cl_device_id device;
    cl_context cl_ctx;
    cl_command_queue queue;
    clconv_device_info info;
    int profiling;            /* queue has CL_QUEUE_PROFILING_ENABLE */
    int device_timing;        /* ... and its timestamps passed probe_profiling */
    int live_plans;
    int alloc_count;          /* device buffers asked for (rt_buffer_create) */
    int used_gemm;            /* the GEMM backend compiled programs in cl_ctx */
    char *kernel_dir;         /* NULL: embedded sources */
    char *cache_dir;          /* NULL: no disk cache */
    /* Without a disk cache, the peaks measured once (clconv_measure_peaks):
     * every automatic plan asks for them. */
    clconv_peaks held_peaks;
    int held_peaks_valid;
    rt_program *programs;
    uint64_t quiet_done[RT_QUIET_CALLS]; /* library calls that succeeded here (quiet.c) */
    int quiet_done_count;
    void (*library_compile)(void *user, const char *call); /* clconv_context_options */
    void *library_compile_user;
    void (*log)(void *user, clconv_log_level level, const char *message);
    void *log_user;
    char last_error[RT_ERROR_MAX];
};

/* Process-wide counts of live contexts and plans (clconv_live_objects;
 * context.c): the context's alloc and free, a plan's build and destroy. */
enum { RT_LIVE_CONTEXTS, RT_LIVE_PLANS };
void rt_live_add(int kind, int delta);

/* ---- the caller's structs (abi.c, problem.c) ---- */

/* Copies the caller's struct `in` (whose first field is its struct_size)
 * over `out`, which holds this library's defaults for every field and is
 * `full` bytes: only the bytes the caller's struct_size covers, so fields
 * added after the caller was built keep their defaults. A struct_size of
 * 0, below its own field or above `full` is CLCONV_ERR_INVALID_ARG naming
 * `type` and the size. out's struct_size becomes `full`. */
clconv_status rt_struct_in(clconv_context *ctx, const char *type, const void *in, size_t full,
                           void *out);
/* rt_struct_in without a message: 1 when the size is one it takes (and the
 * struct is copied), else 0 and out as it was. */
int rt_struct_copy(const void *in, size_t full, void *out);
/* The same for an array the library fills: *size is the caller's
 * struct_size of entry 0 (checked against every entry's), *stride the
 * array's pitch (that size rounded up to a size_t's alignment). */
clconv_status rt_array_out_stride(clconv_context *ctx, const char *type, const void *out,
                                  size_t cap, size_t full, size_t *size, size_t *stride);

/* The caller's problem (NULL refused) or options (NULL: the defaults) as
 * this library's full structs. */
clconv_status rt_problem_in(clconv_context *ctx, const clconv_problem *in, clconv_problem *out);

/* A problem's group count: groups, with 0 (dense) read as 1. */
static inline int rt_groups(const clconv_problem *p)
{
    return p->groups > 1 ? p->groups : 1;
}
/* The bottom and right pads, CLCONV_PAD_SYMMETRIC resolved; the top and
 * left are pad_h and pad_w. */
static inline int rt_pad_bottom(const clconv_problem *p)
{
    return p->pad_bottom == CLCONV_PAD_SYMMETRIC ? p->pad_h : p->pad_bottom;
}
static inline int rt_pad_right(const clconv_problem *p)
{
    return p->pad_right == CLCONV_PAD_SYMMETRIC ? p->pad_w : p->pad_right;
}
/* 1 when a side's pad differs from its opposite's. */
static inline int rt_pads_asymmetric(const clconv_problem *p)
{
    return rt_pad_bottom(p) != p->pad_h || rt_pad_right(p) != p->pad_w;
}
/* The padded input's rows and columns (int64: validation uses them on
 * unchecked fields). */
static inline int64_t rt_padded_height(const clconv_problem *p)
{
    return (int64_t)p->height + p->pad_h + rt_pad_bottom(p);
}
static inline int64_t rt_padded_width(const clconv_problem *p)
{
    return (int64_t)p->width + p->pad_w + rt_pad_right(p);
}
clconv_status rt_plan_options_in(clconv_context *ctx, const clconv_plan_options *in,
                                 clconv_plan_options *out);
/* The caller's epilogue (NULL: the identity) into out, as rt_plan_options_in. */
clconv_status rt_epilogue_in(clconv_context *ctx, const clconv_epilogue *in,
                             clconv_epilogue *out);

/* ---- enum names (enum_names.c) ---- */

/* The name of value i of an enum, 0 <= i < its count (never NULL there). */
typedef const char *(*rt_enum_name_fn)(int i);
/* *out = the value whose name is `name`; CLCONV_ERR_INVALID_ARG naming
 * `what` ("FFT backend") and listing the names otherwise, or when the
 * public function's own out-parameter, caller_out, is NULL. */
clconv_status rt_enum_from_name(const char *what, rt_enum_name_fn name_of, int count,
                                const char *name, const void *caller_out, int *out);

/* ---- messages for the caller (log.c) ---- */

/* A message to ctx's log callback, else to stderr with CLCONV_VERBOSE=1. */
void rt_log(clconv_context *ctx, clconv_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* 1 when CLCONV_VERBOSE asks for messages on stderr. */
int rt_verbose(void);

/* ---- errors (errors.c) ---- */

const char *rt_cl_error_name(cl_int code);

/* Records a formatted message on ctx (or the thread's context-less slot when
 * ctx is NULL) and returns status. */
clconv_status rt_fail(clconv_context *ctx, clconv_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* For a failed OpenCL call: "<call>(<detail>) failed: CL_NAME". Allocation
 * failures map to CLCONV_ERR_OUT_OF_MEMORY, all else to CLCONV_ERR_OPENCL. */
clconv_status rt_cl_fail(clconv_context *ctx, cl_int err, const char *call,
                         const char *detail_fmt, ...) __attribute__((format(printf, 4, 5)));

void rt_clear_error(clconv_context *ctx);

/* CLBlast status codes by name (clblast_errors.c), and the same for a failed
 * CLBlast call: "<call>(<detail>) failed: CLBlastInvalidLeadDimA". */
const char *rt_clblast_status_name(int code);
clconv_status rt_clblast_fail(clconv_context *ctx, int code, const char *call, const char *detail);

/* Drops what the GEMM backend keeps for ctx's cl_context (gemm_clblast.c);
 * called when the context is destroyed. */
void rt_gemm_release(clconv_context *ctx);

/* ---- devices (devices.c) ---- */

/* The vector width for a device and a row length: the device's preferred
 * float width (16 on AVX-512 PoCL, 1 on most GPUs; $CLCONV_VECTOR_WIDTH
 * overrides it, for checking wide code on a narrow device), never wider
 * than the row. */
int rt_vector_width(const clconv_device_info *d, int row_length);

/* Looks up the OpenCL ids of the device at (platform_index, device_index). */
clconv_status rt_device_ids(int platform_index, int device_index,
                            cl_platform_id *platform, cl_device_id *device);
/* Fills info for a device; indexes are -1 when unknown (wrapped contexts). */
clconv_status rt_device_query(clconv_context *ctx, cl_platform_id platform, cl_device_id device,
                              int platform_index, int device_index, clconv_device_info *info);

/* ---- programs (program.c) ---- */

typedef struct rt_build_stats {
    double ms;      /* wall time spent getting the program */
    int compiled;   /* 1: compiled from source now */
    int from_disk;  /* 1: loaded from the disk cache */
} rt_build_stats;

/* Kernel files are named by their path under cl/, e.g. "fft/cmac.cl";
 * every program is the prelude followed by its own file. */
#define RT_PRELUDE_FILE "common/prelude.cl"

/* A built program for kernel file `file` (e.g. "direct/direct.cl") and build
 * options, from the context's table, the disk cache, or a compile. The
 * context owns the program. */
clconv_status rt_program_get(clconv_context *ctx, const char *file, const char *options,
                             cl_program *out, rt_build_stats *stats);
void rt_programs_release(clconv_context *ctx);

/* Source of a kernel file: embedded, or read from kernel_dir. *owned is set
 * when the caller must free() the returned text. */
clconv_status rt_kernel_source(clconv_context *ctx, const char *file, const char **text,
                               size_t *length, char **owned);

typedef struct rt_embedded_kernel {
    const char *file;
    const char *source;
    size_t length;
} rt_embedded_kernel;
extern const rt_embedded_kernel rt_embedded_kernels[];
extern const size_t rt_embedded_kernel_count;

/* clCreateKernel with a named error. */
clconv_status rt_kernel_create(clconv_context *ctx, cl_program program, const char *name,
                               cl_kernel *out);
/* Sets k's arguments: the buffers first, then the ints (a NULL buffer is a
 * NULL pointer argument); an error names kernel `name` and the argument. */
clconv_status rt_kernel_set_args(clconv_context *ctx, cl_kernel k, const char *name,
                                 const cl_mem *mems, int mem_count, const cl_int *ints,
                                 int int_count);

/* A read-write device buffer of `bytes` for `what` (named in the error).
 * Any failure is CLCONV_ERR_OUT_OF_MEMORY with the size asked and the
 * device's limits. CLCONV_FAULT_ALLOC=n makes the context's n-th call fail. */
clconv_status rt_buffer_create(clconv_context *ctx, size_t bytes, const char *what,
                               cl_mem *out);
/* Buffers made by rt_buffer_create that OpenCL has not destroyed yet, in
 * the whole process (tests compare it before and after). */
long rt_live_buffers(void);
/* Enqueues filling the first `bytes` of buf with value (named in the error). */
clconv_status rt_buffer_fill(clconv_context *ctx, cl_mem buf, size_t bytes, float value,
                             const char *what);

/* rt_span_ms (timing.h) when the device's timestamps are real
 * (ctx->device_timing), else negative (context.c). */
double rt_event_span_ms(clconv_context *ctx, cl_event first, cl_event last);

/* ---- quiet third-party builds (quiet.c) ---- */

/* Around a clFFT or CLBlast call that may build that library's OpenCL
 * programs: captures the process's stderr (fd 2, process-wide; see quiet.c)
 * so the compiler's warnings about their kernels are shown only when the call
 * failed or with CLCONV_VERBOSE=1. `call` names the call: once it succeeded
 * on ctx it compiles nothing more, and later begins capture nothing; NULL
 * (a clFFT bake compiles every new plan) captures every time. Returns the
 * token rt_quiet_end takes. Pairs nest and may overlap across threads. */
int rt_quiet_begin(clconv_context *ctx, const char *call);
void rt_quiet_end(clconv_context *ctx, const char *call, int token, int failed);

/* ---- disk cache (disk_cache.c) ---- */

#define RT_FNV_SEED 0xcbf29ce484222325ULL
uint64_t rt_fnv1a(const void *data, size_t n, uint64_t h);
/* Returns a malloc'd payload when the entry at path is complete and matches key. */
/* mkdir -p: 0, or -1 with errno set. */
int rt_mkdir_p(const char *dir);
unsigned char *rt_cache_load(const char *path, const char *key, size_t *size);
/* Writes atomically; on failure warns once and turns ctx's disk cache off. */
void rt_cache_store(clconv_context *ctx, const char *path, const char *key,
                    const unsigned char *data, size_t size);

/* ---- performance database (perfdb.c) ---- */

/* The stored value for (ctx's device and driver, kernel_file's source,
 * shape_class) into value[cap]: 1 when an intact entry exists, else 0.
 * kernel_file RT_PERFDB_EVERY_KERNEL: a measurement of the whole library
 * (the automatic choice's), stale when any kernel changes; NULL: a
 * library's kernel (CLBlast's), whose version shape_class names. */
#define RT_PERFDB_EVERY_KERNEL "*"
int rt_perfdb_load(clconv_context *ctx, const char *kernel_file, const char *shape_class,
                   char *value, size_t cap);
/* Stores value for that key (atomically; a failure turns the disk cache off
 * with one warning, as for programs). */
void rt_perfdb_store(clconv_context *ctx, const char *kernel_file, const char *shape_class,
                     const char *value);

#endif
