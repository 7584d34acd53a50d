/* Conv layer (internal): batched 2D real FFTs behind one small interface, so
 * that a second backend (e.g. VkFFT) is one more file. clFFT today. */
#ifndef CLCONV_CONV_FFT_BACKEND_H
#define CLCONV_CONV_FFT_BACKEND_H

#include "conv/algo.h"

typedef struct conv_fft conv_fft;

/* Where spectral element (plane b, frequency row y, column x) lives, with
 * F = Ph * (Pw/2 + 1) frequencies per plane:
 *   CONV_SPECTRA_PLANE_MAJOR: separate real and imaginary buffers, element at
 *     b * plane_pitch + y * (Pw/2+1) + x (the cmac kernel's layout)
 *   CONV_SPECTRA_FREQ_MAJOR: one interleaved complex buffer, element at
 *     (y * (Pw/2+1) + x) * planes + b (a CGEMM batch per frequency)
 * Real planes are always plane-major: b * Ph*Pw + y * Pw + x. */
typedef enum { CONV_SPECTRA_PLANE_MAJOR, CONV_SPECTRA_FREQ_MAJOR } conv_spectra_layout;

/* A baked plan for `planes` transforms of Ph x Pw: real-to-complex forward,
 * or complex-to-real inverse (unscaled: the caller scales by 1/(Ph*Pw)). */
clconv_status conv_fft_create(clconv_plan *plan, int inverse, size_t ph, size_t pw, size_t planes,
                              conv_spectra_layout layout, size_t plane_pitch, conv_fft **out);
/* spec_im is NULL for the interleaved layout. */
clconv_status conv_fft_enqueue(clconv_plan *plan, conv_fft *f, cl_mem real, cl_mem spec_re,
                               cl_mem spec_im, conv_events *ev, int stage);
void conv_fft_destroy(conv_fft *f);

/* Sizes the backend can transform: factors 2, 3, 5, 7, 11, 13 only. */
int conv_fft_size_ok(size_t n);
/* The size >= min that minimises the predicted time of an FFT convolution
 * along one dimension (not always the smallest: 64 beats 63 = 3*3*7). */
size_t conv_fft_choose_size(size_t min);

/* Name of a clFFT status, e.g. "CLFFT_INVALID_PLAN" or "CLFFT_INVALID_BUFFER_SIZE". */
const char *conv_clfft_status_name(int status);

#endif
