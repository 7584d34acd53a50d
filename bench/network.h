/* --net and --shapes: a network's total from its distinct layers' rows,
 * weighted by how often each layer occurs, and where the time goes (by
 * algorithm, by layer class, the slowest layers), in the table, the JSON
 * document and the answer. */
#ifndef CLCONV_BENCH_NETWORK_H
#define CLCONV_BENCH_NETWORK_H

#include "report.h"

#define BENCH_NET_CLASSES 16
#define BENCH_NET_SLOWEST 5

typedef struct bench_net_share {
    char name[24]; /* an algorithm ("winograd") or a layer class ("3x3", "depthwise") */
    double ms;     /* count-weighted time */
    int layers;    /* counted */
} bench_net_share;

/* One row (auto, or an --algo row) over the whole network. */
typedef struct bench_net_total {
    const char *algo;
    int layers, measured_layers; /* counted; measured: verified and timed */
    int distinct, missing;       /* distinct layers; of them skipped or failed */
    const bench_result *first_missing;
    double ms;       /* sum of count x median over the measured layers */
    double flops;    /* the convolutions' FLOPs, count-weighted (measured layers) */
    double bound_ms; /* the roofline's least time for them; NaN without peaks */
    /* count x call_host_ms over the measured layers: a forward pass calling
     * each layer's plan and waiting for it; NaN when a layer has none */
    double call_host_ms;
    int host_timed; /* the medians are host times (the driver's profiling is not real) */
    int algo_count, class_count;
    bench_net_share by_algo[CLCONV_ALGO_COUNT + 1], by_class[BENCH_NET_CLASSES];
    int slowest_count;
    const bench_result *slowest[BENCH_NET_SLOWEST]; /* by count x median */
    /* The auto row only, with algorithm rows beside it (--algo all): over
     * the layers where both ran, auto's count-weighted time against each
     * layer's fastest algorithm row's (their ratio is auto's regret), and
     * the layer with the largest regret. compared_layers 0 otherwise. */
    int compared_layers;
    double compared_ms, fastest_ms;
    const bench_result *worst;
    double worst_regret;
} bench_net_total;

/* The layer class a problem counts in: "depthwise", "grouped", "stem" (3
 * or fewer input channels), "1x1", "3x3", else its kernel ("7x7", "1x7"). */
void bench_layer_class(const clconv_problem *p, char *out, size_t cap);

/* The totals of each convolution row the run has, at most max; the count. */
int bench_net_totals(const bench_device_run *run, bench_net_total *out, int max);

/* The table's summary, the JSON document's "network" member (null when
 * the run is not a network's: run->network NULL), --devices' comparison
 * of the totals, and the answer's lines about the network. */
void report_network_table(FILE *f, const bench_device_run *run);
void report_network_json(FILE *f, const bench_device_run *run);
void report_network_compare(FILE *f, const bench_device_run *runs, int n);
void bench_network_answer(const bench_device_run *run, bench_answer *out);

#endif
