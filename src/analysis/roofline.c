/* Roofline: a measured time against the device's measured peaks. */
#include "clconv_tools.h"

#include <math.h>
#include <stddef.h>

static double stage_bound_ms(const clconv_peaks *pk, double flops, double bytes)
{
    double compute = flops / (pk->gflops * 1e6), memory = bytes / (pk->bandwidth_gbs * 1e6);
    return compute > memory ? compute : memory;
}

void clconv_roofline_eval(const clconv_peaks *peaks, const clconv_cost *cost, double ms,
                          clconv_roofline *out)
{
    if (!out)
        return;
    out->intensity = out->gflops = out->gbs = out->bound_ms = out->efficiency = NAN;
    out->verdict = NULL;
    out->above_peak = 0;
    if (!cost || cost->bytes <= 0.0)
        return;
    out->intensity = cost->flops / cost->bytes;
    if (ms > 0.0 && isfinite(ms)) {
        out->gflops = cost->flops / (ms * 1e6);
        out->gbs = cost->bytes / (ms * 1e6);
    }
    if (!peaks || !(peaks->gflops > 0.0) || !(peaks->bandwidth_gbs > 0.0))
        return;
    out->verdict = out->intensity < peaks->gflops / peaks->bandwidth_gbs ? "memory-bound"
                                                                          : "compute-bound";
    double bound = 0.0;
    for (int s = 0; s < cost->stage_count; s++)
        bound += stage_bound_ms(peaks, cost->stages[s].flops, cost->stages[s].bytes);
    if (cost->stage_count == 0)
        bound = stage_bound_ms(peaks, cost->flops, cost->bytes);
    out->bound_ms = bound;
    if (ms > 0.0 && isfinite(ms)) {
        out->above_peak = bound > ms;
        out->efficiency = out->above_peak ? NAN : bound / ms;
    }
}
