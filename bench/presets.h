/* The named problems: the original benchmark's input [1,256,32,60] with 64
 * output channels and kernels 3, 5 and 16. --problem, --help and
 * --describe (which the PyTorch peer reads) take them from here. */
#ifndef CLCONV_BENCH_PRESETS_H
#define CLCONV_BENCH_PRESETS_H

#include "clconv_tools.h"

int bench_preset_count(void);
const char *bench_preset_name(int i);
clconv_problem bench_preset_problem(int i);
/* The index of the preset named `name`, or -1. */
int bench_preset_find(const char *name);

#endif
