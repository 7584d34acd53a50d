/* Analysis layer (internal): what the FMA peak kernel must compute, shared by
 * the peak measurement, which checks it, and the kernel tests. */
#ifndef CLCONV_ANALYSIS_PEAKS_H
#define CLCONV_ANALYSIS_PEAKS_H

#include <stddef.h>

/* The independent chains of fma_chains (cl/peaks/peaks.cl: x0..x11). */
#define PEAKS_FMA_CHAINS 12

/* What work-item `id` of fma_chains stores in each lane, computed on the host
 * in the kernel's order: each chain starts at (id % 64) / 64 + its index and
 * takes iters * 4 steps x = x * a + b; the chains are summed pairwise. */
float peaks_fma_expected(size_t id, float a, float b, int iters);

#endif
