/* --describe: what clconv-bench knows without a device, as JSON, for the
 * PyTorch peer and test scripts (one source instead of their own copies). */
#ifndef CLCONV_BENCH_DESCRIBE_H
#define CLCONV_BENCH_DESCRIBE_H

#include "args.h"

#include <stdio.h>

/* The document's own schema name (not the results' BENCH_SCHEMA). */
#define BENCH_DESCRIBE_SCHEMA "clconv-bench-describe/1"

/* Writes the description; opt's problems must be valid. */
void bench_describe(FILE *f, const bench_options *opt);

#endif
