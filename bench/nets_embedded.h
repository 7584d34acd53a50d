/* The network presets, bench/nets/NAME.txt, embedded at build time by
 * cmake/EmbedKernels.cmake (nets_embedded.c in the build tree); shapes.c
 * reads them. */
#ifndef CLCONV_BENCH_NETS_EMBEDDED_H
#define CLCONV_BENCH_NETS_EMBEDDED_H

#include <stddef.h>

typedef struct bench_embedded_net {
    const char *name; /* "resnet50" */
    const char *text;
    size_t length;
} bench_embedded_net;

extern const bench_embedded_net bench_embedded_nets[];
extern const size_t bench_embedded_net_count;

#endif
