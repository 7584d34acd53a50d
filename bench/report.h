/* clconv-bench output: device list, and results as table, CSV or JSON. */
#ifndef CLCONV_BENCH_REPORT_H
#define CLCONV_BENCH_REPORT_H

#include "run.h"

#include <stdio.h>

void report_device_list(FILE *f, const clconv_device_list *list, bench_format format);
/* peak_bandwidth_gbs: NaN when not measured. */
void report_results(FILE *f, bench_format format, const clconv_device_info *dev,
                    double peak_bandwidth_gbs, const bench_result *results, int count,
                    const char *command);

#endif
