/* What a result row measures, behind one small interface: each clconv
 * algorithm (the public enum, named by clconv_algo_name), clconv's automatic
 * choice (CLCONV_ALGO_AUTO), the seed's pointwise op, and CLBlast's own
 * convolution as a peer. The list in rows.c
 * is the only one: --algo, --help, --describe, the run loop, the report and
 * the answer all read it. */
#ifndef CLCONV_BENCH_ROWS_H
#define CLCONV_BENCH_ROWS_H

#include "clconv_tools.h"

#include <stddef.h>

/* The kinds that are not clconv algorithms: auto, pointwise, clblast-convgemm. */
#define BENCH_EXTRA_ROWS 3
#define BENCH_MAX_ROWS (CLCONV_ALGO_COUNT + BENCH_EXTRA_ROWS)

struct bench_options;
struct bench_problem;
struct bench_data;
struct bench_result;

typedef struct bench_row_kind {
    const char *name;   /* --algo name and the row's "algo" */
    const char *family; /* "clconv", "seed-op" or "peer" (--describe's "kind") */
    const char *about;  /* one phrase for --help and --describe */
    int convolution;   /* 0: not a convolution (the pointwise op), never "the fastest" */
    int algo;          /* the clconv_algo of a clconv row (CLCONV_ALGO_AUTO for auto),
                          -1 for the others */
    /* Verifies and times the row on one problem's data. 0 with res filled
     * (possibly skipped or failed verification), or 1 on a run-time error
     * (message in err). */
    int (*run)(const struct bench_row_kind *kind, clconv_context *ctx,
               const struct bench_options *opt, const struct bench_problem *bp,
               struct bench_data *d, struct bench_result *res, char *err, size_t err_size);
    /* Per-stage FLOPs and bytes on p as the row runs it (with a bias where
     * it adds one), no device needed. CLCONV_ERR_UNSUPPORTED when the row
     * cannot do p, CLCONV_ERR_STATE when only a device can say (auto: the
     * chosen algorithm's cost), with the reason in why. */
    clconv_status (*cost)(const struct bench_row_kind *kind, const clconv_problem *p,
                          clconv_cost *cost, char *why, size_t why_size);
} bench_row_kind;

int bench_row_count(void);
const bench_row_kind *bench_row(int i);
/* The index of the row named `name`, or -1. */
int bench_row_find(const char *name);

/* The kinds, each defined beside its code: a clconv algorithm's row, or
 * with CLCONV_ALGO_AUTO the automatic choice's (row_clconv.c), the
 * pointwise op (row_pointwise.c), CLBlast's convolution (row_clblast.c). */
bench_row_kind bench_row_clconv(clconv_algo algo);
/* Teaches predict mode a clconv algorithm row's verified median time
 * (clconv_record_time, with the options its plan was made with); nothing
 * for any other row, or with --no-peaks (the library would measure the
 * peaks for the bound, which that flag is there to avoid). The run loop
 * calls it once a problem's rows have all run, so that the auto row beside
 * them predicts from earlier problems only, as --auto-report does. */
void bench_row_clconv_record(clconv_context *ctx, const struct bench_options *opt,
                             const struct bench_result *res);
extern const bench_row_kind bench_row_pointwise;
extern const bench_row_kind bench_row_convgemm;

#endif
