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

#ifndef VEC
#define VEC 8
#endif

#if VEC == 1
typedef float floatv;
#define VLOAD(p) (*(p))
#define VSTORE(v, p) (*(p) = (v))
#else
#define CLCONV_CAT_(a, b) a##b
#define CLCONV_CAT(a, b) CLCONV_CAT_(a, b)
typedef CLCONV_CAT(float, VEC) floatv;
#define VLOAD(p) CLCONV_CAT(vload, VEC)(0, p)
#define VSTORE(v, p) CLCONV_CAT(vstore, VEC)(v, 0, p)
#endif
