/*
 * clconv: 2D convolution on any OpenCL device, timed honestly.
 *
 * Life of a computation (as in FFTW): context -> plan_create (expensive:
 * kernel builds, workspace) -> plan_set_weights (once per weights) ->
 * plan_execute (only enqueues; repeatable) -> plan_destroy -> context_destroy.
 *
 * Ownership: the caller owns every cl_mem it passes in; clconv owns its
 * workspace and everything a plan allocates. Every create function writes
 * its out-parameter (NULL on error) and returns a clconv_status; the detail
 * of the last error is in clconv_last_error(). Destroy functions accept NULL.
 *
 * Growing without breaking: every struct the caller fills (clconv_problem,
 * clconv_plan_options, clconv_context_options, clconv_device_selector,
 * clconv_epilogue, and
 * the entries of an array clconv fills, clconv_algo_prediction) begins with
 * `size_t struct_size`, which its init function sets to the size the caller
 * was compiled with (where its last field ends: CLCONV_STRUCT_END). A later
 * clconv appends fields; it reads (and writes) only the first struct_size
 * bytes, and the fields beyond them take the
 * values init gives them. A struct_size of 0, below sizeof(size_t) or
 * larger than this library's struct (a caller built against a newer
 * header) is refused with CLCONV_ERR_INVALID_ARG naming the size. Results
 * of variable length go into arrays the caller sizes, with a count.
 * Structs only clconv fills (clconv_timing, clconv_choice, clconv_cost,
 * clconv_device_info) change only with the library's SOVERSION.
 *
 * Threads: calls on different contexts (and their plans) may run at the
 * same time from different threads; one context and everything made on it
 * are used by one thread at a time (the caller serialises, as for a
 * cl_command_queue shared by threads). Calls without a context (device
 * listing, validation, names, costs) may run from any thread;
 * clconv_last_error(NULL) is per thread. The program cache and the
 * performance database on disk take concurrent writers, processes included.
 *
 * Nothing is printed: warnings go to clconv_context_options.log when set,
 * to stderr with CLCONV_VERBOSE=1, else nowhere.
 *
 * Tools for benchmarks and bindings (peaks, roofline, reference, the seed
 * benchmark's pointwise op) are in clconv_tools.h.
 */
#ifndef CLCONV_H
#define CLCONV_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>
#include <stddef.h>
#include <stdint.h>

/* Where a struct's fields end: offsetof its last field plus that field's
 * size, without the tail padding. A struct a caller fills records this as
 * its struct_size (CLCONV_<STRUCT>_STRUCT_SIZE, set by its init macro), so
 * that a field added into former padding still tells an older caller from
 * a newer one; an array's stride is that size rounded up to 8 bytes (every
 * such struct begins with a size_t). */
#define CLCONV_STRUCT_END(type, last_field)                                                     \
    (offsetof(type, last_field) + sizeof(((type *)0)->last_field))

#ifdef __cplusplus
extern "C" {
#endif

/* ---- version ----------------------------------------------------------- */

#define CLCONV_VERSION_MAJOR 0
#define CLCONV_VERSION_MINOR 2
#define CLCONV_VERSION_PATCH 0
#define CLCONV_VERSION_STRING "0.2.0"
/* libclconv.so.1: the ABI these structs and functions make. */
#define CLCONV_SOVERSION 1

/* ---- status codes: values never change meaning ------------------------- */

typedef enum clconv_status {
    CLCONV_SUCCESS = 0,
    CLCONV_ERR_INVALID_ARG = 1,   /* a field or argument is out of range */
    CLCONV_ERR_NOT_FOUND = 2,     /* no such platform, device or kernel file */
    CLCONV_ERR_OPENCL = 3,        /* an OpenCL call failed (message names it) */
    CLCONV_ERR_BUILD = 4,         /* a kernel failed to compile (message holds the log) */
    CLCONV_ERR_OUT_OF_MEMORY = 5, /* host or device allocation failed */
    CLCONV_ERR_UNSUPPORTED = 6,   /* the algorithm cannot do this problem here */
    CLCONV_ERR_IO = 7,            /* a file could not be read or written */
    CLCONV_ERR_BUSY = 8,          /* a context still has live plans */
    CLCONV_ERR_STATE = 9          /* call out of order (e.g. execute before set_weights) */
} clconv_status;

/* Stable name of a status code, e.g. "CLCONV_ERR_INVALID_ARG". */
const char *clconv_status_string(clconv_status status);

/* CL_* name of an OpenCL error code, e.g. "CL_INVALID_WORK_GROUP_SIZE" for -54. */
const char *clconv_cl_error_name(cl_int code);

typedef struct clconv_context clconv_context;
typedef struct clconv_plan clconv_plan;

/* Detail of the last error on this context: which argument and value, which
 * CL call and its CL_* name, the build log. With ctx == NULL: the detail of the
 * last error of a call made without a context (listing, context creation,
 * validation) on this thread. Never NULL; "" when there was no error. */
const char *clconv_last_error(const clconv_context *ctx);

/* ---- device discovery --------------------------------------------------- */

#define CLCONV_NAME_MAX 256 /* longer strings are truncated */

typedef struct clconv_platform_info {
    int index; /* as `clinfo -l` numbers it */
    char name[CLCONV_NAME_MAX];
    char vendor[CLCONV_NAME_MAX];
    char version[CLCONV_NAME_MAX];
    int device_count; /* 0 is a valid answer (e.g. Mesa Clover without a GPU) */
} clconv_platform_info;

typedef struct clconv_device_info {
    int platform_index;
    int device_index; /* within its platform, as `clinfo -l` numbers it */
    char platform_name[CLCONV_NAME_MAX];
    char platform_vendor[CLCONV_NAME_MAX];
    char platform_version[CLCONV_NAME_MAX]; /* PoCL names its LLVM here */
    char name[CLCONV_NAME_MAX];
    char vendor[CLCONV_NAME_MAX];
    char version[CLCONV_NAME_MAX];        /* CL_DEVICE_VERSION */
    char driver_version[CLCONV_NAME_MAX]; /* CL_DRIVER_VERSION */
    char type[16];                        /* "CPU", "GPU", "ACCELERATOR", ... */
    unsigned compute_units;
    unsigned clock_mhz;
    uint64_t global_mem_bytes;
    uint64_t local_mem_bytes;
    uint64_t max_alloc_bytes;
    size_t max_work_group_size;
    int fp64;
    int fp16;
    unsigned preferred_vector_width_float;
    int profiling; /* queue profiling advertised (CL_DEVICE_QUEUE_PROPERTIES) */
} clconv_device_info;

typedef struct clconv_device_list {
    int platform_count;
    clconv_platform_info *platforms;
    int device_count;
    clconv_device_info *devices; /* grouped by platform, in index order */
} clconv_device_list;

/* Lists every platform and device. A machine with no OpenCL platform at all
 * gives CLCONV_ERR_NOT_FOUND. Free with clconv_device_list_free. */
clconv_status clconv_device_list_create(clconv_device_list **out);
void clconv_device_list_free(clconv_device_list *list);

/* How to choose a device. Fields set to -1 / NULL are unset. Precedence:
 * platform+device indexes, then name_substring (case-insensitive, matched
 * against the platform name and vendor and the device name and vendor), then the CLCONV_DEVICE
 * environment variable ("P:D" or a name substring), then the first device. */
typedef struct clconv_device_selector {
    size_t struct_size; /* clconv_device_selector_init sets it */
    int platform_index;
    int device_index;
    const char *name_substring;
} clconv_device_selector;

/* Every field unset: platform and device -1, name NULL. The init
 * functions are macros over *_init_size with the caller's struct size
 * (CLCONV_STRUCT_END), so that a library with a longer struct writes only
 * the caller's bytes. */
void clconv_device_selector_init_size(clconv_device_selector *selector, size_t struct_size);
#define CLCONV_DEVICE_SELECTOR_STRUCT_SIZE \
    CLCONV_STRUCT_END(clconv_device_selector, name_substring)
#define clconv_device_selector_init(selector) \
    clconv_device_selector_init_size((selector), CLCONV_DEVICE_SELECTOR_STRUCT_SIZE)

/* Resolves a selector against a list; on error the message lists the devices
 * that exist (CLCONV_ERR_NOT_FOUND). */
clconv_status clconv_device_select(const clconv_device_list *list,
                                   const clconv_device_selector *selector,
                                   const clconv_device_info **out);

/* ---- context ------------------------------------------------------------ */

/* How much a message matters (clconv_context_options.log). */
typedef enum clconv_log_level {
    CLCONV_LOG_WARNING = 0, /* something fell back (a cache turned off, a database entry
                               that no longer builds, peaks that could not be measured) */
    CLCONV_LOG_INFO = 1     /* a third-party compiler's output around its build */
} clconv_log_level;

typedef struct clconv_context_options {
    size_t struct_size;     /* clconv_context_options_init sets it */
    const char *kernel_dir; /* read the cl/ kernel files from here; NULL: $CLCONV_KERNEL_DIR, else embedded */
    const char *cache_dir;  /* NULL: $CLCONV_CACHE_DIR, $XDG_CACHE_HOME/clconv, ~/.cache/clconv */
    int disable_disk_cache; /* 1: never read or write program binaries on disk */
    /* Called (may be NULL) when a third-party library call is about to
     * compile its own kernels on this context: CLBlast's first call of a
     * routine (call = "CLBlastCgemmStridedBatched", ...; seconds to a
     * minute on PoCL, once per context) or a clFFT plan bake ("clfftBakePlan").
     * For a progress display: a first run then does not look hung. */
    void (*library_compile)(void *user, const char *call);
    void *library_compile_user;
    /* Receives every message clconv has for the caller (may be NULL: then
     * they go to stderr with CLCONV_VERBOSE=1 and nowhere otherwise).
     * message is one line without a newline, valid during the call; the
     * call comes from the thread that made the clconv call. */
    void (*log)(void *user, clconv_log_level level, const char *message);
    void *log_user;
} clconv_context_options;

/* Zeroes every option (each zero is the default) and sets struct_size. */
void clconv_context_options_init_size(clconv_context_options *options, size_t struct_size);
#define CLCONV_CONTEXT_OPTIONS_STRUCT_SIZE CLCONV_STRUCT_END(clconv_context_options, log_user)
#define clconv_context_options_init(options) \
    clconv_context_options_init_size((options), CLCONV_CONTEXT_OPTIONS_STRUCT_SIZE)

/* Creates one cl_context and one in-order profiling queue on the selected
 * device. selector and options may be NULL. */
clconv_status clconv_context_create(const clconv_device_selector *selector,
                                    const clconv_context_options *options,
                                    clconv_context **out);

/* Wraps a caller's context and queue (retained, released on destroy; never
 * destroyed by clconv). The queue must be in-order. Without
 * CL_QUEUE_PROFILING_ENABLE, stage times are reported as negative. */
clconv_status clconv_context_wrap(cl_context context, cl_command_queue queue,
                                  const clconv_context_options *options,
                                  clconv_context **out);

/* CLCONV_ERR_BUSY (and nothing freed) while plans made on ctx are alive;
 * NULL is CLCONV_SUCCESS, as free(NULL). */
clconv_status clconv_context_destroy(clconv_context *ctx);

/* The context's device, or NULL for a NULL ctx (so the three getters below
 * answer 0 / NULL). */
const clconv_device_info *clconv_context_device(const clconv_context *ctx);

/* 1 when stage times come from profiling events that were checked to be real
 * (a 4 MB fill must take time); 0 when the queue has no profiling or the
 * driver returns placeholder timestamps (Mesa rusticl 22.x answers 0,1,2,3).
 * With 0, clconv_timing holds negative times: time on the host instead. */
int clconv_context_device_timing(const clconv_context *ctx);
cl_context clconv_context_cl_context(const clconv_context *ctx);
cl_command_queue clconv_context_queue(const clconv_context *ctx);

/* ---- problem descriptor -------------------------------------------------- */

/* NCHW float32 input [batch, in_channels, height, width]; weights
 * [out_channels, in_channels / groups, kernel_h, kernel_w]; bias
 * [out_channels]; output [batch, out_channels, out_height, out_width].
 * Cross-correlation, as PyTorch's conv2d (its groups too: output channel o
 * reads the input channels of its group, o / (out_channels / groups)).
 * out_height = (height + pad_h + pad_bottom - dilation_h*(kernel_h-1) - 1)
 * / stride_h + 1, and out_width likewise with pad_w and pad_right: pad_h
 * pads the top (and the bottom unless pad_bottom says otherwise), pad_w
 * the left (and the right unless pad_right does). */
typedef struct clconv_problem {
    size_t struct_size; /* clconv_problem_init sets it */
    int batch, in_channels, height, width;
    int out_channels, kernel_h, kernel_w;
    int stride_h, stride_w;
    int pad_h, pad_w;
    int dilation_h, dilation_w;
    /* 0 or 1: dense. Else in_channels and out_channels are multiples of it;
     * depthwise is groups == in_channels (out_channels a multiple: the
     * depth multiplier). An algorithm that cannot run a grouped problem
     * says so (CLCONV_ERR_UNSUPPORTED from clconv_algo_check). */
    int groups;
    /* Padding per side, for what pads one side more than the other
     * (benchdnn's descriptors, ONNX's four pads, PyTorch's padding="same"
     * with an even kernel): the bottom and right pads, >= 0.
     * CLCONV_PAD_SYMMETRIC (-1, what init sets): as pad_h / pad_w, so a
     * caller that never sets them keeps the symmetric meaning. */
    int pad_bottom, pad_right;
} clconv_problem;
#define CLCONV_PAD_SYMMETRIC (-1)

/* A 1x1 single-channel problem with stride 1, no padding (pad_bottom and
 * pad_right CLCONV_PAD_SYMMETRIC), dilation 1, and struct_size: set the
 * fields you need after it. */
void clconv_problem_init_size(clconv_problem *p, size_t struct_size);
#define CLCONV_PROBLEM_STRUCT_SIZE CLCONV_STRUCT_END(clconv_problem, pad_right)
#define clconv_problem_init(p) clconv_problem_init_size((p), CLCONV_PROBLEM_STRUCT_SIZE)

/* The largest extent clconv takes: the kernels index with 32-bit int and
 * compute such indexes as `iw + VEC` and `ow * stride`, so every padded
 * input side, dilated kernel side, input plane (H * W), output plane, input
 * channels x kernel taps and batch x channels stays at most INT_MAX / 4 =
 * 536870911, whatever the device's buffer limit (CL_DEVICE_MAX_MEM_ALLOC_SIZE,
 * clconv_device_info.max_alloc_bytes, checked when a plan allocates). */
#define CLCONV_EXTENT_MAX 536870911

/* CLCONV_ERR_INVALID_ARG with a message (clconv_last_error(NULL)) naming
 * the field, its value and what is allowed (CLCONV_EXTENT_MAX among them). */
clconv_status clconv_problem_validate(const clconv_problem *p);

/* Sizes of a valid problem (validate first; these return 0 otherwise). */
int clconv_problem_out_height(const clconv_problem *p);
int clconv_problem_out_width(const clconv_problem *p);
size_t clconv_problem_input_elems(const clconv_problem *p);
size_t clconv_problem_weight_elems(const clconv_problem *p);
size_t clconv_problem_output_elems(const clconv_problem *p);
/* The four pads, CLCONV_PAD_SYMMETRIC resolved: top, bottom, left, right
 * (as given: validate first). */
void clconv_problem_pads(const clconv_problem *p, int pads[4]);

/* ---- algorithms, backends and plan options --------------------------------- */

typedef enum clconv_algo {
    CLCONV_ALGO_DIRECT = 0,      /* a register-blocked kernel, tunable tile */
    CLCONV_ALGO_IM2COL_GEMM = 1, /* im2col into a workspace, then an SGEMM (gemm_backend) */
    CLCONV_ALGO_FFT = 2,         /* overlap-save tiles, clFFT R2C, cmac over channels, C2R, crop */
    CLCONV_ALGO_FFT_CGEMM = 3,   /* the same with a complex GEMM per frequency as the cmac */
    CLCONV_ALGO_WINOGRAD = 4,    /* F(4x4,3x3) / F(2x2,5x5): 3x3 or 5x5, stride 1, dilation 1 */
    CLCONV_ALGO_DEPTHWISE = 5,   /* groups = in_channels only: one pass, weights in registers */
    CLCONV_ALGO_COUNT,
    /* Not an algorithm: clconv_plan_create_with_options chooses one for the
     * problem on the context's device (clconv_plan_options.auto_mode) and
     * the plan runs it; clconv_plan_choice says which and why. */
    CLCONV_ALGO_AUTO = 100
} clconv_algo;

/* The algorithm's name ("direct", "im2col-gemm", "fft", "fft-cgemm", "winograd", as
 * --algo takes it; "auto" for CLCONV_ALGO_AUTO); NULL for an unknown value. */
const char *clconv_algo_name(clconv_algo algo);
/* One line saying what runs; NULL for an unknown value. */
const char *clconv_algo_summary(clconv_algo algo);
/* The name of the work its set_weights does once (clconv_plan_weights_ms),
 * e.g. "weights_fft"; NULL when it does none or for an unknown value. */
const char *clconv_algo_weights_stage(clconv_algo algo);
/* CLCONV_ERR_INVALID_ARG for an unknown name ("auto" gives CLCONV_ALGO_AUTO). */
clconv_status clconv_algo_from_name(const char *name, clconv_algo *out);

/* The library that computes the FFT algorithms' transforms. */
typedef enum clconv_fft_backend {
    CLCONV_FFT_BACKEND_DEFAULT = 0, /* per plan: the first of the default order that takes
                                       the planes (src/runtime/fft_backends.c) */
    CLCONV_FFT_BACKEND_CLFFT = 1,   /* clFFT 2.12: sizes with factors 2, 3, 5, 7, 11, 13 */
    CLCONV_FFT_BACKEND_CLCONV = 2,  /* clconv's own direct DFT (cl/fft/dft.cl): planes up to 16 x 16 */
    CLCONV_FFT_BACKEND_VKFFT = 3,   /* VkFFT 1.2 (OpenCL): lengths up to 4096 with factors 2..13 */
    CLCONV_FFT_BACKEND_COUNT
} clconv_fft_backend;

/* The backend's name as --fft-backend takes it ("default" for DEFAULT);
 * NULL for an unknown value. */
const char *clconv_fft_backend_name(clconv_fft_backend backend);
/* CLCONV_ERR_INVALID_ARG for an unknown name. */
clconv_status clconv_fft_backend_from_name(const char *name, clconv_fft_backend *out);

/* The GEMM that computes im2col-gemm's matrix product (and fft-cgemm's
 * complex one, where the backend has one). */
typedef enum clconv_gemm_backend {
    CLCONV_GEMM_BACKEND_DEFAULT = 0, /* the fastest measured on this kind of device */
    CLCONV_GEMM_BACKEND_CLCONV = 1,  /* clconv's register-tiled kernels (cl/gemm/sgemm.cl,
                                        complex: cl/gemm/cgemm.cl) */
    CLCONV_GEMM_BACKEND_CLBLAST = 2, /* CLBlast 1.5: compiles for seconds at first use */
    CLCONV_GEMM_BACKEND_COUNT
} clconv_gemm_backend;

/* The backend's name as --gemm-backend takes it ("default" for DEFAULT);
 * NULL for an unknown value. */
const char *clconv_gemm_backend_name(clconv_gemm_backend backend);
/* CLCONV_ERR_INVALID_ARG for an unknown name. */
clconv_status clconv_gemm_backend_from_name(const char *name, clconv_gemm_backend *out);

/* How CLCONV_ALGO_AUTO chooses (as MIOpen's Immediate mode and Find). Both
 * first take a find result the performance database holds for this device,
 * driver, problem and options (no trial runs). */
typedef enum clconv_auto_mode {
    /* Else rank every algorithm that can run the problem within the
     * workspace limit by predicted time: its roofline bound (cost model and
     * the device's measured peaks, clconv_measure_peaks) over the efficiency
     * its stages reached on this device in earlier finds, or a stated prior
     * without history. No trial runs. */
    CLCONV_AUTO_PREDICT = 0,
    /* Else build and time each such algorithm once here (its result checked
     * against the reference on the first image: a wrong one never wins),
     * run the fastest, and store it and the runner-up in the performance
     * database (and each one's efficiency for predict). */
    CLCONV_AUTO_FIND = 1,
    CLCONV_AUTO_MODE_COUNT
} clconv_auto_mode;

/* "predict", "find"; NULL for an unknown value. */
const char *clconv_auto_mode_name(clconv_auto_mode mode);
/* CLCONV_ERR_INVALID_ARG for an unknown name. */
clconv_status clconv_auto_mode_from_name(const char *name, clconv_auto_mode *out);

/* ---- the epilogue: what the last stage does to each output ---------------------- */

/* y = act(alpha * conv(x, w) + bias + beta * z), computed in float by the
 * store of every algorithm's last stage (cuDNN's ConvolutionBiasActivation,
 * oneDNN's post-ops): no extra pass over the output. NaN in gives NaN out
 * for every activation (relu and clamp too, unlike fmax); +-Inf: relu,
 * clamp, leaky_relu and hardswish as their formulas, sigmoid 1 / 0,
 * tanh +-1, silu and gelu +Inf at +Inf and NaN at -Inf (Inf * 0), as
 * PyTorch's formulas give. */
typedef enum clconv_activation {
    CLCONV_ACTIVATION_NONE = 0,
    CLCONV_ACTIVATION_RELU = 1,       /* max(x, 0) */
    CLCONV_ACTIVATION_RELU6 = 2,      /* min(max(x, 0), 6) */
    CLCONV_ACTIVATION_CLAMP = 3,      /* min(max(x, lo), hi): params {lo, hi}, lo <= hi
                                         (PyTorch's hardtanh) */
    CLCONV_ACTIVATION_LEAKY_RELU = 4, /* x < 0 ? slope * x : x: params {slope} */
    CLCONV_ACTIVATION_SIGMOID = 5,    /* 1 / (1 + exp(-x)) */
    CLCONV_ACTIVATION_TANH = 6,
    CLCONV_ACTIVATION_SILU = 7,       /* x * sigmoid(x) */
    CLCONV_ACTIVATION_HARDSWISH = 8,  /* x * relu6(x + 3) / 6 */
    CLCONV_ACTIVATION_GELU = 9,       /* the tanh form: x / 2 * (1 + tanh(sqrt(2 / pi) *
                                         (x + 0.044715 x^3))), PyTorch's approximate="tanh" */
    CLCONV_ACTIVATION_COUNT
} clconv_activation;

/* PyTorch's function names: "none", "relu", "relu6", "clamp", "leaky_relu",
 * "sigmoid", "tanh", "silu", "hardswish", "gelu"; NULL for an unknown value. */
const char *clconv_activation_name(clconv_activation activation);
/* The number of activation_params it takes (clamp 2, leaky_relu 1, else 0);
 * -1 for an unknown value. */
int clconv_activation_param_count(clconv_activation activation);
/* CLCONV_ERR_INVALID_ARG for an unknown name. */
clconv_status clconv_activation_from_name(const char *name, clconv_activation *out);

typedef struct clconv_epilogue {
    size_t struct_size; /* clconv_epilogue_init sets it */
    float alpha; /* scales the convolution (1: none) */
    float beta;  /* scales the residual z (1: none) */
    /* 1: every execute takes a residual z of the output's shape
     * (clconv_plan_execute_residual); 0: none, beta unused. */
    int residual;
    clconv_activation activation;
    float activation_params[2]; /* clamp: lo, hi; leaky_relu: the negative slope */
} clconv_epilogue;

/* The identity: alpha 1, beta 1, no residual, no activation (the bias is
 * set_weights' business, as before), and struct_size. */
void clconv_epilogue_init_size(clconv_epilogue *epilogue, size_t struct_size);
#define CLCONV_EPILOGUE_STRUCT_SIZE CLCONV_STRUCT_END(clconv_epilogue, activation_params)
#define clconv_epilogue_init(epilogue) \
    clconv_epilogue_init_size((epilogue), CLCONV_EPILOGUE_STRUCT_SIZE)

/* 1 when the epilogue changes nothing: alpha 1, no residual, no activation
 * (a plan with it runs the plain store); 0 otherwise, and for NULL 1. */
int clconv_epilogue_is_identity(const clconv_epilogue *epilogue);

/* CLCONV_ERR_INVALID_ARG (message in clconv_last_error(NULL)) naming the
 * field: alpha or beta not finite, residual not 0 or 1, an unknown
 * activation, a parameter not finite, clamp's lo > hi. */
clconv_status clconv_epilogue_validate(const clconv_epilogue *epilogue);

/* clconv_plan_options_init, then set what you need: zero is every default. */
typedef struct clconv_plan_options {
    size_t struct_size; /* clconv_plan_options_init sets it */
    /* Largest workspace buffer the plan may allocate; 0 means the device's
     * CL_DEVICE_MAX_MEM_ALLOC_SIZE. direct, im2col-gemm and winograd work
     * in chunks under it (winograd refuses only when its transformed
     * weights, 36 x C_out x C_in floats, exceed it); the FFT algorithms
     * refuse a problem whose spectra exceed it (CLCONV_ERR_UNSUPPORTED from
     * clconv_algo_check, with the sizes). */
    size_t workspace_limit_bytes;
    clconv_fft_backend fft_backend; /* fft and fft-cgemm only */
    clconv_gemm_backend gemm_backend; /* im2col-gemm, fft-cgemm and winograd only */
    /* Nonzero: for an algorithm with a tunable kernel (clconv_plan_params),
     * plan_create times each candidate tile on this device (seconds), checks
     * each result against the double-precision reference
     * (CLCONV_VERIFY_TOLERANCE) before it may win, uses the fastest and
     * stores it in the performance database under the context's cache
     * directory, where later plans for the same device, driver, kernel source
     * and shape class find it; when no candidate runs here, plan_create
     * fails with CLCONV_ERR_UNSUPPORTED naming the first one's failure.
     * Zero: the database's entry, else the default rule from device queries. */
    int tune;
    /* The tunable kernel's parameters, as clconv_plan_params writes them
     * ("vec=8 ocv=1 pix=5 lx=0 ly=0"): used as given, without the database
     * or a tune (CLCONV_ERR_INVALID_ARG when they do not parse,
     * CLCONV_ERR_UNSUPPORTED when this device cannot run them; a local
     * work-group the compiled kernel cannot take is halved until it can, and
     * clconv_plan_params says what runs).
     * NULL: the database's entry or the default rule. Ignored by algorithms
     * without a tunable kernel. */
    const char *params;
    /* Called before each candidate the tune times (may be NULL). */
    void (*tune_progress)(void *user, int done, int total);
    void *tune_progress_user;
    /* CLCONV_ALGO_AUTO only. The other options apply to every candidate
     * but params, which names one algorithm's kernel and is ignored (tune
     * tunes the chosen algorithm's). */
    clconv_auto_mode auto_mode;
    /* What the last stage applies to each output, read at plan_create
     * (NULL: none, the plain store): compiled into the plan's kernels, so
     * a plan without one pays nothing. The tune and the automatic choice's
     * find time the convolution without it. */
    const clconv_epilogue *epilogue;
} clconv_plan_options;

/* Zeroes every option and sets struct_size. */
void clconv_plan_options_init_size(clconv_plan_options *options, size_t struct_size);
#define CLCONV_PLAN_OPTIONS_STRUCT_SIZE CLCONV_STRUCT_END(clconv_plan_options, epilogue)
#define clconv_plan_options_init(options) \
    clconv_plan_options_init_size((options), CLCONV_PLAN_OPTIONS_STRUCT_SIZE)

/* Where a plan's kernel parameters came from. */
typedef enum clconv_params_source {
    CLCONV_PARAMS_NONE = 0, /* the algorithm has no tunable kernel */
    CLCONV_PARAMS_DEFAULT,  /* the default rule, from device queries */
    CLCONV_PARAMS_DATABASE, /* the performance database (an earlier tune) */
    CLCONV_PARAMS_TUNED,    /* timed by this plan_create (options.tune) */
    CLCONV_PARAMS_GIVEN,    /* the caller's (options.params) */
    CLCONV_PARAMS_SOURCE_COUNT
} clconv_params_source;

/* "none", "default", "database", "tuned", "given"; NULL for an unknown value. */
const char *clconv_params_source_name(clconv_params_source source);

/* The largest relative L2 error a result may have against
 * clconv_reference_conv2d and still count as right: the tuner's check and
 * clconv-bench's default --tolerance. */
#define CLCONV_VERIFY_TOLERANCE 1e-4

/* ---- plan: create, set weights, execute, destroy ------------------------------ */

/* Builds kernels (through the program cache) and allocates the workspace. */
clconv_status clconv_plan_create(clconv_context *ctx, const clconv_problem *p,
                                 clconv_algo algo, clconv_plan **out);

/* plan_create with options; opt may be NULL. */
clconv_status clconv_plan_create_with_options(clconv_context *ctx, const clconv_problem *p,
                                              clconv_algo algo, const clconv_plan_options *opt,
                                              clconv_plan **out);
void clconv_plan_destroy(clconv_plan *plan);

/* Weights [C_out, C_in, KH, KW] and optional bias [C_out] (NULL: none). The
 * plan keeps a reference to both buffers; the caller must not change them
 * while the plan uses them, or must call set_weights again. An invalid
 * argument changes nothing. Any other failure (out of memory, a failed
 * weight transform) leaves the plan without weights: it releases both the
 * new and the previous buffers, and execute returns CLCONV_ERR_STATE,
 * naming the failure, until a set_weights succeeds. */
clconv_status clconv_plan_set_weights(clconv_plan *plan, cl_mem weights, cl_mem bias);

#define CLCONV_MAX_STAGES 8

typedef struct clconv_stage_time {
    const char *name; /* static string, e.g. "conv" */
    double ms;        /* from profiling events; negative when unavailable */
} clconv_stage_time;

typedef struct clconv_timing {
    int stage_count; /* the stages that ran, in order (e.g. no "bias" without a bias) */
    clconv_stage_time stages[CLCONV_MAX_STAGES];
    double device_ms; /* first stage start to last stage end */
} clconv_timing;

/* Runs the convolution. With timing == NULL it only enqueues (as
 * clconv_plan_enqueue without events); otherwise it waits for completion
 * and fills per-stage device times. Every buffer,
 * here and in set_weights, must belong to the plan's cl_context
 * (CLCONV_ERR_INVALID_ARG otherwise). */
clconv_status clconv_plan_execute(clconv_plan *plan, cl_mem input, cl_mem output,
                                  clconv_timing *timing);

/* Enqueues the convolution on the context's queue after the events of
 * the wait list (any queue of the plan's cl_context) and returns at once:
 * *event (may be NULL; the caller releases it) completes when the output is
 * written, so clconv composes with the caller's own OpenCL work as a
 * cuDNN call does on a stream. Buffers as for execute. */
clconv_status clconv_plan_enqueue(clconv_plan *plan, cl_mem input, cl_mem output,
                                  cl_uint num_events_in_wait_list,
                                  const cl_event *event_wait_list, cl_event *event);

/* execute and enqueue for a plan whose epilogue has residual = 1: z
 * [N, C_out, OH, OW] (the output's shape, in the plan's cl_context) is
 * read, never written, and must not overlap the output (CLCONV_ERR_INVALID_ARG
 * naming it, as for a residual to a plan without one; execute and enqueue
 * refuse a plan with one). */
clconv_status clconv_plan_execute_residual(clconv_plan *plan, cl_mem input, cl_mem residual,
                                           cl_mem output, clconv_timing *timing);
clconv_status clconv_plan_enqueue_residual(clconv_plan *plan, cl_mem input, cl_mem residual,
                                           cl_mem output, cl_uint num_events_in_wait_list,
                                           const cl_event *event_wait_list, cl_event *event);

/* The epilogue a plan applies (the identity for NULL). */
clconv_epilogue clconv_plan_epilogue(const clconv_plan *plan);

/* ---- plan: what it runs and what it costs ------------------------------------- */

/* The algorithm a plan runs (the chosen one for CLCONV_ALGO_AUTO); -1 for NULL. */
clconv_algo clconv_plan_algo(const clconv_plan *plan);

/* The plan's tunable-kernel parameters, as they run, as text (direct:
 * "vec=16 ocv=2 pix=12 lx=0 ly=0"; im2col-gemm: "vec=16 mr=8 nv=3 kc=64";
 * "" for none) into text[cap] (may be NULL), and where they came from.
 * options.params takes the same text. */
clconv_params_source clconv_plan_params(const clconv_plan *plan, char *text, size_t cap);

/* The FFT backend a plan of fft or fft-cgemm runs its transforms with
 * ("clconv", "clfft": the default resolved for its planes); NULL for the
 * other algorithms. */
const char *clconv_plan_fft_backend(const clconv_plan *plan);

/* Device memory the plan allocates beyond the caller's buffers (0 for NULL;
 * so do the two reports below). */
size_t clconv_plan_workspace_bytes(const clconv_plan *plan);

/* Time plan_create spent getting its kernels: compiling from source (cold)
 * or loading cached binaries; *compiled is 1 when anything was compiled. */
void clconv_plan_build_time(const clconv_plan *plan, double *build_ms, int *compiled);

/* Device time of the work set_weights did (the FFT algorithms transform the
 * weights there: the "weights_fft" stage, paid once, not per execute); 0 when
 * the algorithm does none, negative when the device has no real timestamps. */
double clconv_plan_weights_ms(const clconv_plan *plan);

/* FLOPs (a multiply-add counts 2) and compulsory bytes (each operand a stage
 * reads counted once, each result it writes counted once) of one stage, as
 * clconv implements it: im2col writes its column matrix, the FFT stages move
 * spectra, the pointwise op writes C_out*C_in*H*W floats. */
typedef struct clconv_stage_cost {
    const char *name; /* the stage's name in clconv_timing */
    double flops, bytes;
} clconv_stage_cost;

typedef struct clconv_cost {
    double flops, bytes; /* sums over the stages */
    int stage_count;
    clconv_stage_cost stages[CLCONV_MAX_STAGES];
} clconv_cost;

/* The cost of one execute of this plan, per stage (the stages that run:
 * im2col-gemm has no bias stage without a bias). FFT FLOPs count a real
 * transform of n points as 2.5 n log2 n. */
void clconv_plan_cost(const clconv_plan *plan, clconv_cost *cost);

/* ---- before a plan: can it run, its workspace and cost ------------------------ */

/* Can `algo` do problem p on this context's device, without allocating?
 * CLCONV_ERR_UNSUPPORTED with the reason in clconv_last_error(ctx). */
clconv_status clconv_algo_check(clconv_context *ctx, const clconv_problem *p,
                                clconv_algo algo);

/* clconv_algo_check with options (opt may be NULL). */
clconv_status clconv_algo_check_with_options(clconv_context *ctx, const clconv_problem *p,
                                             clconv_algo algo, const clconv_plan_options *opt);

/* The device memory a plan for (p, algo, opt) on ctx's device would
 * allocate, known before allocating anything (a library's own scratch, such
 * as clFFT's, is not included: clconv_plan_workspace_bytes has it), with the
 * kernel parameters plan_create would use without a tune (opt->tune may
 * pick others, with other sizes). Errors as clconv_algo_check. */
clconv_status clconv_algo_workspace_bytes(clconv_context *ctx, const clconv_problem *p,
                                          clconv_algo algo, const clconv_plan_options *opt,
                                          size_t *bytes);

/* The cost of one execute of `algo` on p with default options, per stage,
 * without a device or a plan (the same numbers clconv_plan_cost gives).
 * CLCONV_ERR_INVALID_ARG for an invalid problem or algorithm (cost zeroed). */
clconv_status clconv_algo_cost(const clconv_problem *p, clconv_algo algo, int with_bias,
                               clconv_cost *cost);

/* The same for the convolution itself, whatever computes it:
 * FLOPs = 2*N*C_out*OH*OW*(C_in/groups)*KH*KW; bytes = 4 * (input + weights + bias
 * when with_bias + output). Zeros for an invalid problem. */
void clconv_problem_cost(const clconv_problem *p, int with_bias, double *flops, double *bytes);

/* ---- the automatic choice -------------------------------------------------------- */

/* What CLCONV_ALGO_AUTO chose for a plan, and why. Times are per execute:
 * predicted_ms from the roofline, found_ms median host wall time of the
 * find's trial runs (NaN where there is none). */
typedef struct clconv_choice {
    clconv_algo algo;      /* what the plan runs (never CLCONV_ALGO_AUTO) */
    clconv_auto_mode mode; /* the mode asked for */
    const char *source;    /* "database" (an earlier find), "find" (trial runs now) or "predict" */
    double predicted_ms;   /* the chosen algorithm's predicted time */
    double found_ms;       /* its find time (now or from the database) */
    clconv_algo runner_up; /* the next best, or CLCONV_ALGO_AUTO when none could run */
    double runner_up_ms;   /* its find time, or its predicted time in predict mode */
    int trial_runs;        /* executes plan_create timed for the choice (0 from the database) */
    int candidates;        /* algorithms that can run the problem within the limit */
    /* A candidate predicted faster that the workspace limit ruled out, and
     * the workspace it would have needed; CLCONV_ALGO_AUTO and 0 when none. */
    clconv_algo limited;
    size_t limited_workspace_bytes;
} clconv_choice;

/* CLCONV_SUCCESS and *out for a plan created with CLCONV_ALGO_AUTO;
 * CLCONV_ERR_STATE for one created with a named algorithm;
 * CLCONV_ERR_INVALID_ARG for NULL. */
clconv_status clconv_plan_choice(const clconv_plan *plan, clconv_choice *out);

/* What predict mode sees for one algorithm. */
typedef struct clconv_algo_prediction {
    size_t struct_size;      /* clconv_algo_prediction_init sets it */
    clconv_algo algo;
    int runs;                /* 1: can run the problem within the limit */
    double predicted_ms;     /* bound_ms / efficiency; NaN where it cannot run, or
                                without the device's peaks */
    double bound_ms;         /* its roofline bound (clconv_roofline, clconv_tools.h) */
    double efficiency;       /* the share of the bound it is assumed to reach */
    int history;             /* measured times behind that share (0: the prior) */
    size_t workspace_bytes;  /* what its plan would allocate */
} clconv_algo_prediction;

/* Zeroes the entry and sets struct_size (do it for each entry of an array). */
void clconv_algo_prediction_init_size(clconv_algo_prediction *entry, size_t struct_size);
#define CLCONV_ALGO_PREDICTION_STRUCT_SIZE \
    CLCONV_STRUCT_END(clconv_algo_prediction, workspace_bytes)
#define clconv_algo_prediction_init(entry) \
    clconv_algo_prediction_init_size((entry), CLCONV_ALGO_PREDICTION_STRUCT_SIZE)

/* predict mode's ranking for p on ctx's device, without a database find
 * result and without trial runs (measures the device's peaks once if they
 * are not cached). opt may be NULL; its params are ignored. Writes one
 * entry per algorithm, in clconv_algo order, into out[0 .. cap-1] (each
 * entry's struct_size set by clconv_algo_prediction_init; out may be NULL
 * when cap is 0); *count (may be NULL) gets the number of algorithms,
 * which may exceed cap, and *best (may be NULL) the one with the lowest
 * predicted_ms (CLCONV_ALGO_AUTO: none can run). */
clconv_status clconv_predict(clconv_context *ctx, const clconv_problem *p,
                             const clconv_plan_options *opt, clconv_algo_prediction *out,
                             size_t cap, size_t *count, clconv_algo *best);

/* Teaches predict mode: a measured time (ms per execute, device or host
 * time) of `algo` on p with opt records the efficiency it reached into the
 * performance database's history for this device (a find does this for
 * every candidate; clconv-bench for every verified row). A time faster
 * than the roofline bound is ignored (CLCONV_SUCCESS). */
clconv_status clconv_record_time(clconv_context *ctx, const clconv_problem *p, clconv_algo algo,
                                 const clconv_plan_options *opt, double ms);

#ifdef __cplusplus
}
#endif
#endif /* CLCONV_H */
