/* Problem files: oneDNN benchdnn's convolution descriptors
 * (`mb1ic64ih56oc64oh56kh3ph1n"resnet_50:res2a_branch2b"`), one a line,
 * as --shapes FILE and the --net presets (bench/nets/, embedded at build
 * time) write them. Parsing only, no OpenCL, so it can be fuzzed. The
 * syntax and benchdnn's defaults are in docs/bench.md. */
#ifndef CLCONV_BENCH_SHAPES_H
#define CLCONV_BENCH_SHAPES_H

#include "args.h"

#include <stddef.h>

/* One descriptor (a token, without the count or comments) into bp: its
 * problem, name and count (a name ending in "*N", as benchdnn's topology
 * files mark repeated layers, else 1). 0, or 2 with err naming the field. */
int bench_shape_parse(const char *descriptor, bench_problem *bp, char *err, size_t err_size);

/* Every line of text (from `source`, named in errors as "source:LINE"):
 * `#` comments, blank lines, one descriptor a line with an optional
 * count token "*N" after it. A layer whose problem equals an earlier
 * one's is merged into it (the counts add up; the first name stays), so
 * each distinct problem runs once. Each problem is validated by the
 * library. With batch > 0 every descriptor's mb is replaced by it. Fills
 * out[0..*n), at most max. 0, or 2 with err naming the line and field. */
int bench_shapes_parse(const char *text, const char *source, int batch, bench_problem *out,
                       int max, int *n, char *err, size_t err_size);

/* The network presets (bench/nets/NAME.txt, embedded at build time). */
int bench_net_count(void);
const char *bench_net_name(int i);
const char *bench_net_text(int i);
/* The index of the network named `name`, or -1. */
int bench_net_find(const char *name);

#endif
