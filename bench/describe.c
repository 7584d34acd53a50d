/* --describe (describe.h): clconv's algorithms (from the library's table),
 * every row the bench runs, the presets and the problems the command line
 * makes, each with the convolution's and every row's cost by stage, and the
 * option table. Stable keys: "algorithms" (tests/oclgrind/run.py reads the
 * names), "rows", "presets", "problems", "costs", "options". */
#include "describe.h"
#include "json_out.h"
#include "presets.h"
#include "report.h"


static void json_cost(FILE *f, const clconv_cost *c)
{
    fputs("\"flops\": ", f);
    json_number(f, c->flops);
    json_field(f, "bytes", c->bytes);
    fputs(", \"stages\": [", f);
    for (int s = 0; s < c->stage_count; s++) {
        fputs(s ? ", {\"name\": " : "{\"name\": ", f);
        json_string(f, c->stages[s].name);
        json_field(f, "flops", c->stages[s].flops);
        json_field(f, "bytes", c->stages[s].bytes);
        fputc('}', f);
    }
    fputc(']', f);
}

/* A problem with the convolution's compulsory cost (with and without the
 * bias, whatever computes it) and each row's cost as that row runs it. */
static void describe_problem(FILE *f, const bench_problem *bp)
{
    double flops, bytes, bytes_no_bias;
    clconv_problem_cost(&bp->p, 1, &flops, &bytes);
    clconv_problem_cost(&bp->p, 0, &flops, &bytes_no_bias);
    fputs("\n    {\"problem\": ", f);
    report_problem_json(f, bp, "\n     ");
    fputs(",\n     \"conv\": {\"flops\": ", f);
    json_number(f, flops);
    json_field(f, "bytes", bytes);
    json_field(f, "bytes_without_bias", bytes_no_bias);
    fputs("},\n     \"costs\": [", f);
    for (int k = 0; k < bench_row_count(); k++) {
        const bench_row_kind *kind = bench_row(k);
        clconv_cost cost;
        char why[512] = "";
        fputs(k ? ",\n       {\"algo\": " : "\n       {\"algo\": ", f);
        json_string(f, kind->name);
        clconv_status st = kind->cost(kind, &bp->p, &cost, why, sizeof why);
        if (st == CLCONV_SUCCESS) {
            fputs(", ", f);
            json_cost(f, &cost);
        } else {
            /* auto's cost is its choice's, known only on a device */
            json_field_string(f, st == CLCONV_ERR_STATE ? "on_device" : "unsupported", why);
        }
        fputc('}', f);
    }
    fputs("]}", f);
}

/* A row's stage names: those of its cost on the first preset it can do. */
static void row_stages(FILE *f, const bench_row_kind *kind)
{
    clconv_cost cost = {0};
    char why[512];
    for (int i = 0; i < bench_preset_count(); i++) {
        clconv_problem p = bench_preset_problem(i);
        if (kind->cost(kind, &p, &cost, why, sizeof why) == CLCONV_SUCCESS)
            break;
    }
    fputc('[', f);
    for (int s = 0; s < cost.stage_count; s++) {
        fputs(s ? ", " : "", f);
        json_string(f, cost.stages[s].name);
    }
    fputc(']', f);
}

void bench_describe(FILE *f, const bench_options *opt)
{
    fputs("{\n  \"schema\": \"" BENCH_DESCRIBE_SCHEMA "\",\n  \"tool\": \"clconv-bench\", "
          "\"version\": \"" CLCONV_VERSION_STRING "\", \"results_schema\": \"" BENCH_SCHEMA
          "\",\n  \"algorithms\": [", f);
    /* the library's algorithm table: clconv's own algorithms only (not auto) */
    int first = 1;
    for (int k = 0; k < bench_row_count(); k++) {
        const bench_row_kind *kind = bench_row(k);
        if (kind->algo < 0 || kind->algo >= CLCONV_ALGO_COUNT)
            continue;
        fputs(first ? "\n    {\"name\": " : ",\n    {\"name\": ", f);
        first = 0;
        json_string(f, kind->name);
        json_field_string(f, "summary", clconv_algo_summary((clconv_algo)kind->algo));
        fputs(", \"stages\": ", f);
        row_stages(f, kind);
        fputc('}', f);
    }
    /* every row the bench can run: the algorithms, the seed's op, the peers */
    fputs("\n  ],\n  \"rows\": [", f);
    for (int k = 0; k < bench_row_count(); k++) {
        const bench_row_kind *kind = bench_row(k);
        fputs(k ? ",\n    {\"name\": " : "\n    {\"name\": ", f);
        json_string(f, kind->name);
        json_field_string(f, "kind", kind->family);
        fprintf(f, ", \"convolution\": %s", kind->convolution ? "true" : "false");
        json_field_string(f, "about", kind->about);
        fputs(", \"stages\": ", f);
        row_stages(f, kind);
        fputc('}', f);
    }
    fputs("\n  ],\n  \"presets\": [", f);
    for (int i = 0; i < bench_preset_count(); i++) {
        bench_problem bp = {.p = bench_preset_problem(i), .count = 1};
        snprintf(bp.name, sizeof bp.name, "%s", bench_preset_name(i));
        fputs(i ? "," : "", f);
        describe_problem(f, &bp);
    }
    fputs("\n  ],\n  \"problems\": [", f);
    for (int i = 0; i < opt->problem_count; i++) {
        fputs(i ? "," : "", f);
        describe_problem(f, &opt->problems[i]);
    }
    /* --net / --shapes: the network the problems are the distinct layers of */
    fputs("\n  ],\n  \"network\": ", f);
    if (opt->network[0]) {
        fputs("{\"name\": ", f);
        json_string(f, opt->network);
        fprintf(f, ", \"layers\": %d, \"distinct\": %d}", opt->network_layers,
                opt->problem_count);
    } else {
        fputs("null", f);
    }
    /* the epilogue the flags make (null: none), as the rows apply it */
    fputs(",\n  \"epilogue\": ", f);
    const clconv_epilogue *e = bench_epilogue(opt);
    if (e) {
        char text[96];
        bench_epilogue_text(opt, text, sizeof text);
        fputs("{\"activation\": ", f);
        json_string(f, clconv_activation_name(e->activation));
        fputs(", \"params\": [", f);
        for (int i = 0; i < clconv_activation_param_count(e->activation); i++)
            fprintf(f, "%s%.9g", i ? ", " : "", (double)e->activation_params[i]);
        fprintf(f, "], \"alpha\": %.9g, \"residual\": %s, \"beta\": %.9g, \"text\": ",
                (double)e->alpha, e->residual ? "true" : "false", (double)e->beta);
        json_string(f, text);
        fputc('}', f);
    } else {
        fputs("null", f);
    }
    fputs(",\n  \"options\": [", f);
    first = 1;
    for (int i = 0; i < bench_option_count; i++) {
        const bench_option *o = &bench_option_table[i];
        if (!o->name)
            continue;
        fputs(first ? "\n    {\"name\": " : ",\n    {\"name\": ", f);
        first = 0;
        json_string(f, o->name);
        json_field_string(f, "argument", o->arg);
        json_field_string(f, "help", o->help);
        fputc('}', f);
    }
    fputs("\n  ]\n}\n", f);
}
