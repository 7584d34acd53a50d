/* Prepended to every clconv kernel file by the program manager (never built
 * alone): the vector type for the -D VEC width, and loads and stores of it.
 * VEC in {1, 2, 4, 8, 16}; CPUs such as PoCL vectorise only explicit vector
 * code, GPUs usually prefer 1.
 *
 * Multiply-adds are written MAD() (below), never fma() or mad() directly. */

/* MAD(a, b, c) = a * b + c as an expression, which OpenCL C contracts
 * (FP_CONTRACT is on by default) into llvm.fmuladd: one FMA instruction
 * where the target has a fast one, a multiply and an add where not. Neither
 * mad(), which PoCL 3.1 compiles to a separate vmulps and vaddps even on
 * AVX-512 (half the FMA rate, seen in its x86 objects), nor fma(), which
 * must round once and is a software routine where the hardware lacks it
 * (Mesa llvmpipe reports no FMA). */
#define MAD(a, b, c) ((a) * (b) + (c))

#define CLCONV_CAT_(a, b) a##b
#define CLCONV_CAT(a, b) CLCONV_CAT_(a, b)

#ifndef VEC
#define VEC 8
#endif

#if VEC == 1
typedef float floatv;
#define VLOAD(p) (*(p))
#define VSTORE(v, p) (*(p) = (v))
#else
typedef CLCONV_CAT(float, VEC) floatv;
#define VLOAD(p) CLCONV_CAT(vload, VEC)(0, p)
#define VSTORE(v, p) CLCONV_CAT(vstore, VEC)(v, 0, p)
#endif

/* The GEMM kernels' register tiles (cl/gemm): REP_ROWS(X) expands X(0) ..
 * X(MR-1) and REP_COLS(X, i) X(i, 0) .. X(i, NV-1), for the file's MR and NV,
 * so that every accumulator is a named variable. Two families, so that one
 * can expand inside the other. */
#define ROWS_1(X) X(0)
#define ROWS_2(X) ROWS_1(X) X(1)
#define ROWS_3(X) ROWS_2(X) X(2)
#define ROWS_4(X) ROWS_3(X) X(3)
#define ROWS_5(X) ROWS_4(X) X(4)
#define ROWS_6(X) ROWS_5(X) X(5)
#define ROWS_7(X) ROWS_6(X) X(6)
#define ROWS_8(X) ROWS_7(X) X(7)
#define ROWS_9(X) ROWS_8(X) X(8)
#define ROWS_10(X) ROWS_9(X) X(9)
#define ROWS_11(X) ROWS_10(X) X(10)
#define ROWS_12(X) ROWS_11(X) X(11)
#define REP_ROWS(X) CLCONV_CAT(ROWS_, MR)(X)

#define COLS_1(X, i) X(i, 0)
#define COLS_2(X, i) COLS_1(X, i) X(i, 1)
#define COLS_3(X, i) COLS_2(X, i) X(i, 2)
#define COLS_4(X, i) COLS_3(X, i) X(i, 3)
#define COLS_5(X, i) COLS_4(X, i) X(i, 4)
#define COLS_6(X, i) COLS_5(X, i) X(i, 5)
#define COLS_7(X, i) COLS_6(X, i) X(i, 6)
#define COLS_8(X, i) COLS_7(X, i) X(i, 7)
#define REP_COLS(X, i) CLCONV_CAT(COLS_, NV)(X, i)

/* The epilogue (clconv_epilogue): every algorithm's last stage stores
 * EPI(v, b, z) = act(alpha * v + b + beta * z) for its value v, the
 * output channel's bias b (0.0f without one) and the residual at the same
 * index z (an expression, evaluated only when EPI_RES). src/conv/epilogue.c
 * writes the constants: none for the identity (the plain v + b), else
 * EPI_ACT (act_<clconv_activation_name>), EPI_ALPHA and EPI_BETA when not 1,
 * EPI_RES, and EPI_P0 / EPI_P1 for the activation's parameters. v may be a
 * float or a floatv: the activations are overloaded for both. select(),
 * not fmax(), so that NaN stays NaN (as in PyTorch). */
#ifdef EPI_ACT
#define EPI_FN __attribute__((overloadable, always_inline)) static inline
#define EPI_ACTIVATIONS(T)                                                                        \
    EPI_FN T act_none(T x) { return x; }                                                          \
    EPI_FN T act_relu(T x) { return select(x, (T)(0.0f), x < (T)(0.0f)); }                        \
    EPI_FN T act_relu6(T x)                                                                       \
    {                                                                                             \
        const T y = act_relu(x);                                                                  \
        return select(y, (T)(6.0f), y > (T)(6.0f));                                               \
    }                                                                                             \
    EPI_FN T act_hardswish(T x) { return x * act_relu6(x + (T)(3.0f)) / (T)(6.0f); }              \
    EPI_FN T act_sigmoid(T x) { return (T)(1.0f) / ((T)(1.0f) + exp(-x)); }                       \
    EPI_FN T act_tanh(T x) { return tanh(x); }                                                    \
    EPI_FN T act_silu(T x) { return x / ((T)(1.0f) + exp(-x)); }                                  \
    EPI_FN T act_gelu(T x)                                                                        \
    {                                                                                             \
        const T inner = (T)(0.7978845608028654f) * (x + (T)(0.044715f) * x * x * x);              \
        return (T)(0.5f) * x * ((T)(1.0f) + tanh(inner));                                         \
    }                                                                                             \
    EPI_ACTIVATIONS_WITH_PARAMS(T)
#ifdef EPI_P1 /* clamp's lo and hi */
#define EPI_ACTIVATIONS_WITH_PARAMS(T)                                                            \
    EPI_ACTIVATIONS_WITH_P0(T)                                                                    \
    EPI_FN T act_clamp(T x)                                                                       \
    {                                                                                             \
        const T y = select(x, (T)(EPI_P0), x < (T)(EPI_P0));                                      \
        return select(y, (T)(EPI_P1), y > (T)(EPI_P1));                                           \
    }
#else
#define EPI_ACTIVATIONS_WITH_PARAMS(T) EPI_ACTIVATIONS_WITH_P0(T)
#endif
#ifdef EPI_P0 /* leaky_relu's slope (defined, unused, with clamp's) */
#define EPI_ACTIVATIONS_WITH_P0(T)                                                                \
    EPI_FN T act_leaky_relu(T x) { return select(x, x * (T)(EPI_P0), x < (T)(0.0f)); }
#else
#define EPI_ACTIVATIONS_WITH_P0(T)
#endif
EPI_ACTIVATIONS(float)
#if VEC > 1
EPI_ACTIVATIONS(floatv)
#endif
#ifdef EPI_ALPHA
#define EPI_SCALED(v) (EPI_ALPHA * (v))
#else
#define EPI_SCALED(v) (v)
#endif
#if defined(EPI_RES) && defined(EPI_BETA)
#define EPI_PLUS_Z(z) +EPI_BETA * (z)
#elif defined(EPI_RES)
#define EPI_PLUS_Z(z) +(z)
#else
#define EPI_PLUS_Z(z)
#endif
#define EPI(v, b, z) EPI_ACT(EPI_SCALED(v) + (b)EPI_PLUS_Z(z))
#else
#define EPI(v, b, z) ((v) + (b))
#endif
