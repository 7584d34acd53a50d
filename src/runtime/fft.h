/* Runtime layer (internal): batched 2D real FFTs behind one table of
 * backends, chosen per plan (clconv_plan_options.fft_backend). A backend is
 * one file and one line in fft_backends.c. */
#ifndef CLCONV_RT_FFT_H
#define CLCONV_RT_FFT_H

#include "runtime/rt.h"

/* Where spectral element (plane b, frequency row y, column x) lives, with
 * F = Ph * (Pw/2 + 1) frequencies per plane:
 *   RT_SPECTRA_PLANE_MAJOR: separate real and imaginary buffers, element at
 *     b * plane_pitch + y * (Pw/2+1) + x (the cmac kernel's layout)
 *   RT_SPECTRA_FREQ_MAJOR: one interleaved complex buffer, element at
 *     (y * (Pw/2+1) + x) * planes + b (a CGEMM batch per frequency)
 * Real planes are always plane-major: b * Ph*Pw + y * Pw + x. */
typedef enum { RT_SPECTRA_PLANE_MAJOR, RT_SPECTRA_FREQ_MAJOR } rt_spectra_layout;

typedef struct rt_fft_desc {
    int inverse; /* 0: real-to-complex; 1: complex-to-real, unscaled (1/(Ph*Pw) is the caller's) */
    size_t ph, pw, planes;
    rt_spectra_layout layout;
    size_t plane_pitch; /* plane-major: floats from one plane's spectrum to the next */
} rt_fft_desc;

typedef struct rt_fft rt_fft; /* a backend's baked transform */

typedef struct rt_fft_backend {
    const char *name; /* clconv_fft_backend_name */
    /* The FFT convolution's default rule ranks tile sizes with this prior:
     * the rate of its transforms in nominal FFT FLOPs (2.5 n log2 n a real
     * plane of n points) per byte the device copies in the same time. */
    double flops_per_byte;
    /* Lengths it can transform along one dimension. */
    int (*size_ok)(size_t n);
    /* The length >= min that minimises the predicted time of an FFT
     * convolution along one dimension with this backend's kernels. */
    size_t (*choose_size)(size_t min);
    /* The scratch create will report for desc, known before it, so that the
     * workspace rule counts it: 0 for none, or when only create can tell
     * (clFFT's, counted on top of the stated workspace). */
    size_t (*scratch_bytes)(const rt_fft_desc *desc);
    /* Bakes a transform (compiling its kernels: *build_ms gets the time).
     * *scratch_bytes is the scratch buffer enqueue needs (0: none). */
    clconv_status (*create)(clconv_context *ctx, const rt_fft_desc *desc, rt_fft **out,
                            size_t *scratch_bytes, double *build_ms);
    /* spec_im is NULL for the interleaved layout; event may be NULL. A
     * backend may enqueue several kernels: event is the last one's. */
    clconv_status (*enqueue)(clconv_context *ctx, rt_fft *f, cl_mem real, cl_mem spec_re,
                             cl_mem spec_im, cl_mem scratch, cl_event *event);
    void (*destroy)(rt_fft *f); /* accepts NULL */
} rt_fft_backend;

/* 1 when n >= 1 and its prime factors are all at most `largest` (the radices
 * a backend has kernels for). */
int rt_fft_smooth(size_t n, size_t largest);

/* The backend `asked` names; NULL for DEFAULT (which the FFT algorithm
 * resolves per transform size: conv/fft.c) or a value out of range. */
const rt_fft_backend *rt_fft_backend_get(clconv_fft_backend asked);

/* The backend DEFAULT tries i-th (from 0) for a plan's planes, taking the
 * first that can transform them, and its value in *id (id may be NULL);
 * NULL past the last. */
const rt_fft_backend *rt_fft_backend_default_order(int i, clconv_fft_backend *id);

#endif
