/* Prepended to every clconv kernel file by the program manager (never built
 * alone): the vector type for the -D VEC width, and loads and stores of it.
 * VEC in {1, 2, 4, 8, 16}; CPUs such as PoCL vectorise only explicit vector
 * code, GPUs usually prefer 1.
 *
 * Multiply-adds are written mad(), not fma(): fma() must round once, and
 * where the target lacks the instruction (Mesa llvmpipe) it is emulated in
 * software, 20x slower; mad() is the device's fastest multiply-add, fused
 * where the hardware fuses. Except on PoCL 3.1: there mad() is a separate
 * multiply and add (vmulps + vaddps on AVX-512, half the FMA rate), while
 * the plain expression a * b + c is contracted (FP_CONTRACT is on by
 * default) into llvm.fmuladd, one FMA where the target has a fast one and a
 * multiply and an add elsewhere; cl/gemm/sgemm.cl and cl/peaks/peaks.cl
 * write it that way. */

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
