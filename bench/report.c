/* Writers for the device list and results as table, CSV or JSON (schema
 * BENCH_SCHEMA, defined by bench/schema/clconv-bench-1.schema.json). */
#include "report.h"
#include "auto_report.h"
#include "json_out.h"
#include "network.h"

#include <math.h>
#include <string.h>

/* with_peaks: 0 in the device list; in a results document the roofline's
 * ceilings (pk NULL: null, not measured). */
static void json_device(FILE *f, const clconv_device_info *d, const clconv_peaks *pk,
                        int with_peaks, const char *indent)
{
    fprintf(f, "{\"platform_index\": %d, \"device_index\": %d, \"platform\": ", d->platform_index,
            d->device_index);
    json_string(f, d->platform_name);
    json_field_string(f, "name", d->name);
    json_field_string(f, "vendor", d->vendor);
    json_field_string(f, "version", d->version);
    json_field_string(f, "driver", d->driver_version);
    fprintf(f, ",\n%s \"type\": \"%s\", \"compute_units\": %u, \"clock_mhz\": %u, "
               "\"global_mem_bytes\": %llu, \"local_mem_bytes\": %llu, \"max_alloc_bytes\": %llu,"
               "\n%s \"fp64\": %s, \"fp16\": %s, \"preferred_vector_width_float\": %u",
            indent, d->type, d->compute_units, d->clock_mhz,
            (unsigned long long)d->global_mem_bytes, (unsigned long long)d->local_mem_bytes,
            (unsigned long long)d->max_alloc_bytes, indent, d->fp64 ? "true" : "false",
            d->fp16 ? "true" : "false", d->preferred_vector_width_float);
    if (with_peaks) {
        fprintf(f, ",\n%s \"peak_bandwidth_gbs\": ", indent);
        json_number(f, pk ? pk->bandwidth_gbs : NAN);
        json_field(f, "peak_gflops", pk ? pk->gflops : NAN);
        json_field(f, "gemm_gflops", pk ? pk->gemm_gflops : NAN);
    }
    fputc('}', f);
}

static void human_bytes(char *buf, size_t size, unsigned long long b)
{
    if (b >= (1ull << 30))
        snprintf(buf, size, "%.1f GiB", (double)b / (1ull << 30));
    else if (b >= (1ull << 20))
        snprintf(buf, size, "%.1f MiB", (double)b / (1ull << 20));
    else
        snprintf(buf, size, "%.0f KiB", (double)b / 1024.0);
}

void report_device_list(FILE *f, const clconv_device_list *list, bench_format format)
{
    if (format == FORMAT_JSON) {
        fputs("{\"schema\": \"clconv-devices/1\", \"platforms\": [", f);
        for (int p = 0; p < list->platform_count; p++) {
            const clconv_platform_info *pi = &list->platforms[p];
            fprintf(f, "%s\n  {\"platform_index\": %d, \"name\": ", p ? "," : "", pi->index);
            json_string(f, pi->name);
            json_field_string(f, "vendor", pi->vendor);
            json_field_string(f, "version", pi->version);
            fputs(", \"devices\": [", f);
            int first = 1;
            for (int i = 0; i < list->device_count; i++)
                if (list->devices[i].platform_index == p) {
                    fputs(first ? "\n    " : ",\n    ", f);
                    json_device(f, &list->devices[i], NULL, 0, "    ");
                    first = 0;
                }
            fputs("]}", f);
        }
        fputs("\n]}\n", f);
        return;
    }
    int rusticl_empty = 0;
    for (int p = 0; p < list->platform_count; p++) {
        const clconv_platform_info *pi = &list->platforms[p];
        fprintf(f, "Platform %d: %s (%s, %s)%s\n", p, pi->name, pi->vendor, pi->version,
                pi->device_count ? "" : " -- no devices");
        if (!pi->device_count && strstr(pi->name, "rusticl"))
            rusticl_empty = 1;
        for (int i = 0; i < list->device_count; i++) {
            const clconv_device_info *d = &list->devices[i];
            if (d->platform_index != p)
                continue;
            char gmem[32], lmem[32], amem[32];
            human_bytes(gmem, sizeof gmem, d->global_mem_bytes);
            human_bytes(lmem, sizeof lmem, d->local_mem_bytes);
            human_bytes(amem, sizeof amem, d->max_alloc_bytes);
            fprintf(f, "  Device %d:%d: %s\n", p, d->device_index, d->name);
            fprintf(f, "    vendor %s, %s, driver %s, type %s\n", d->vendor, d->version,
                    d->driver_version, d->type);
            fprintf(f, "    %u compute units at %u MHz, global %s, local %s, max alloc %s\n",
                    d->compute_units, d->clock_mhz, gmem, lmem, amem);
            fprintf(f, "    fp64 %s, fp16 %s, preferred float vector width %u\n",
                    d->fp64 ? "yes" : "no", d->fp16 ? "yes" : "no",
                    d->preferred_vector_width_float);
        }
    }
    if (rusticl_empty)
        fputs("note: rusticl exposes devices only when RUSTICL_ENABLE names a driver, "
              "e.g. RUSTICL_ENABLE=llvmpipe\n", f);
}

void report_shape(char *buf, size_t size, const clconv_problem *p)
{
    int pads[4];
    clconv_problem_pads(p, pads);
    char pad[48];
    if (pads[0] == pads[1] && pads[2] == pads[3])
        snprintf(pad, sizeof pad, "p%dx%d", pads[0], pads[2]);
    else /* top, bottom, left, right: as --pad T,B,L,R takes them */
        snprintf(pad, sizeof pad, "p%d,%d,%d,%d", pads[0], pads[1], pads[2], pads[3]);
    int n = snprintf(buf, size, "%dx%dx%dx%d k%dx%d o%d s%dx%d %s d%dx%d", p->batch,
                     p->in_channels, p->height, p->width, p->kernel_h, p->kernel_w,
                     p->out_channels, p->stride_h, p->stride_w, pad, p->dilation_h,
                     p->dilation_w);
    if (p->groups > 1 && n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, " g%d", p->groups);
}

static const char *status_of(const bench_result *r)
{
    return r->skipped ? "skipped" : r->failed ? "failed" : "ok";
}

static int host_timed(const bench_device_run *run)
{
    for (int i = 0; i < run->count; i++)
        if (run->results[i].time_source && !strcmp(run->results[i].time_source, "host"))
            return 1;
    return 0;
}

void report_peaks_line(FILE *f, const clconv_peaks *pk)
{
    if (!pk) {
        fputs("peaks: not measured (--no-peaks): no roofline\n", f);
        return;
    }
    fprintf(f, "peaks: streaming copy %.1f GB/s, FMA %.1f GFLOP/s (ridge %.1f FLOP/B), "
               "SGEMM (%s) ",
            pk->bandwidth_gbs, pk->gflops, pk->gflops / pk->bandwidth_gbs,
            pk->gemm_backend ? pk->gemm_backend : "?");
    if (isfinite(pk->gemm_gflops))
        fprintf(f, "%.1f GFLOP/s", pk->gemm_gflops);
    else
        fputs("n/a", f);
    if (pk->from_cache)
        fputs(" [cached; --remeasure measures again]\n", f);
    else
        fprintf(f, " [measured in %.1f s, %s time]\n", pk->measure_ms / 1e3, pk->time_source);
}

/* One row's numeric columns: time, rates, roofline. */
static void table_numbers(FILE *f, double ms, double p10, double p90, const clconv_roofline *rf)
{
    char range[32] = "";
    if (isfinite(p10))
        snprintf(range, sizeof range, "%.3f-%.3f", p10, p90);
    if (ms >= 0)
        fprintf(f, "%10.3f ", ms);
    else
        fprintf(f, "%10s ", "-");
    fprintf(f, "%17s %9.2f %8.2f %8.2f ", range, rf->gflops, rf->gbs, rf->intensity);
    if (isfinite(rf->bound_ms) && rf->above_peak)
        fprintf(f, "%9.3f %5s %-13s", rf->bound_ms, ">1!", rf->verdict ? rf->verdict : "-");
    else if (isfinite(rf->bound_ms))
        fprintf(f, "%9.3f %5.2f %-13s", rf->bound_ms, rf->efficiency,
                rf->verdict ? rf->verdict : "-");
    else
        fprintf(f, "%9s %5s %-13s", "-", "-", "-");
}

/* Under the auto row: what it chose, by which measure, what came next, and
 * what the workspace limit ruled out. Without a find time, the prediction
 * is the measure. */
static void table_choice(FILE *f, const bench_result *r)
{
    const clconv_choice *c = &r->choice;
    fprintf(f, "    . choice: auto -> %s (%s", clconv_algo_name(c->algo), r->choice_source);
    int found = isfinite(c->found_ms);
    if (found)
        fprintf(f, ": %.3f ms", c->found_ms);
    else if (isfinite(c->predicted_ms))
        fprintf(f, ": %.3f ms", c->predicted_ms);
    if (c->runner_up != CLCONV_ALGO_AUTO) {
        fprintf(f, "; next %s", clconv_algo_name(c->runner_up));
        if (isfinite(c->runner_up_ms))
            fprintf(f, " %.3f ms", c->runner_up_ms);
    }
    if (found && isfinite(c->predicted_ms))
        fprintf(f, "; predicted %.3f ms", c->predicted_ms);
    if (c->trial_runs > 0)
        fprintf(f, "; %d trial run%s", c->trial_runs, c->trial_runs == 1 ? "" : "s");
    if (c->limited != CLCONV_ALGO_AUTO) {
        char ws[32];
        human_bytes(ws, sizeof ws, c->limited_workspace_bytes);
        fprintf(f, "; %s would be faster but needs %s (over the limit)",
                clconv_algo_name(c->limited), ws);
    }
    fputs(")\n", f);
}

static const bench_prediction *prediction_of(const bench_device_run *run, const bench_problem *bp)
{
    for (int i = 0; i < run->prediction_count; i++)
        if (run->predictions[i].problem == bp)
            return &run->predictions[i];
    return NULL;
}

/* --auto-report's line under a problem's rows (indented as a row, not as a
 * row's detail): what predict mode said before they ran, the fastest of
 * them, and the regret. */
static void table_prediction(FILE *f, const bench_device_run *run, const bench_problem *bp)
{
    const bench_prediction *pred = prediction_of(run, bp);
    if (!pred)
        return;
    bench_auto_verdict v;
    bench_auto_judge(run, pred, &v);
    fputs("  . predicted: ", f);
    if (pred->best == CLCONV_ALGO_AUTO)
        fputs("none", f);
    else if (isfinite(pred->ranking[pred->best].predicted_ms))
        fprintf(f, "%s %.3f ms", clconv_algo_name(pred->best),
                pred->ranking[pred->best].predicted_ms);
    else /* ranked by FLOPs: the library had no peaks */
        fprintf(f, "%s (no time)", clconv_algo_name(pred->best));
    if (v.measured)
        fprintf(f, "; measured: %s %.3f ms", v.measured->algo, v.measured->median_ms);
    else
        fputs("; measured: none", f);
    char regret[32];
    fprintf(f, "; regret %s", bench_auto_regret_text(regret, sizeof regret, v.regret));
    if (v.why[0])
        fprintf(f, " (%s)", v.why);
    fputc('\n', f);
}

static void report_table(FILE *f, const bench_device_run *run)
{
    const clconv_device_info *d = run->dev;
    fprintf(f, "device %d:%d %s (%s, driver %s)\n", d->platform_index, d->device_index, d->name,
            d->platform_name, d->driver_version);
    report_peaks_line(f, run->peaks);
    const bench_problem *current = NULL;
    for (int i = 0; i < run->count; i++) {
        const bench_result *r = &run->results[i];
        if (r->problem != current) {
            if (current)
                table_prediction(f, run, current);
            current = r->problem;
            const clconv_problem *p = &current->p;
            char s[96];
            report_shape(s, sizeof s, p);
            double flops, bytes;
            clconv_problem_cost(p, 1, &flops, &bytes);
            fprintf(f, "\n%s  %s -> %dx%dx%dx%d; conv %.3g GFLOP, %.3g MB compulsory\n",
                    current->name, s, p->batch, p->out_channels, clconv_problem_out_height(p),
                    clconv_problem_out_width(p), flops / 1e9, bytes / 1e6);
            fprintf(f, "  %-18s %10s %17s %9s %8s %8s %9s %5s %-13s %10s %9s %8s %5s\n", "algo",
                    "median_ms", "p10-p90_ms", "GFLOP/s", "GB/s", "FLOP/B", "bound_ms", "eff",
                    "verdict", "workspace", "rel_err", "build_ms", "runs");
        }
        fprintf(f, "  %-18s ", r->algo);
        if (r->skipped || r->failed) {
            fprintf(f, "%s: %s\n", r->skipped ? "skipped" : "FAILED", r->note);
            if (r->has_choice)
                table_choice(f, r);
            continue;
        }
        table_numbers(f, r->median_ms, r->p10_ms, r->p90_ms, &r->roof);
        char ws[32] = "0", err[16] = "-";
        if (r->workspace_bytes)
            human_bytes(ws, sizeof ws, r->workspace_bytes);
        if (r->verified)
            snprintf(err, sizeof err, "%.2e", r->rel_err);
        fprintf(f, " %10s %9s %6.0f%s %5d\n", ws, err, r->build_ms, r->compiled ? " c" : " *",
                r->iterations);
        if (r->has_choice)
            table_choice(f, r);
        if (r->stage_count > 1)
            for (int s = 0; s < r->stage_count; s++) {
                /* as wide as the algo column (21 with its indent): a name
                 * longer than 14 ("output_transform") takes from the indent */
                const char *name = r->stages[s].name;
                const int len = (int)strlen(name);
                const int indent = len <= 14 ? 4 : len < 18 ? 18 - len : 0;
                fprintf(f, "%*s. %-*s ", indent, "", 18 - indent, name);
                table_numbers(f, r->stages[s].median_ms, NAN, NAN, &r->stages[s].roof);
                fputc('\n', f);
            }
        if (r->weights_ms > 0)
            fprintf(f, "    . %s: %.1f ms once, in set_weights (not in the time above)\n",
                    r->weights_stage ? r->weights_stage : "weights", r->weights_ms);
        if (r->params[0] && isfinite(r->tune_ms))
            fprintf(f, "    . params: %s (tuned now in %.1f s, stored in the database)\n",
                    r->params, r->tune_ms / 1e3);
        else if (r->params[0])
            fprintf(f, "    . params: %s (%s)\n", r->params,
                    !strcmp(r->params_source, "database") ? "from the performance database"
                    : !strcmp(r->params_source, "tuned")  ? "tuned now, stored in the database"
                    : !strcmp(r->params_source, "given")  ? "given with --params"
                                                          : "default rule, not tuned");
        if (r->fft_backend)
            fprintf(f, "    . transforms: %s\n", r->fft_backend);
        if (isfinite(r->call_host_ms) && !strcmp(r->time_source, "device"))
            fprintf(f, "    . host per call: %.3f ms, %+.3f ms beyond the device time (execute "
                       "+ clFinish, no events)\n",
                    r->call_host_ms, r->call_host_ms - r->median_ms);
        if (r->epilogue[0])
            fprintf(f, "    . epilogue: %s, in the last stage\n", r->epilogue);
        if (isfinite(r->gemm_baseline_gflops))
            fprintf(f, "    . a bare SGEMM of the gemm stage's shape: %.2f GFLOP/s\n",
                    r->gemm_baseline_gflops);
    }
    if (current)
        table_prediction(f, run, current);
    report_network_table(f, run);
    fputc('\n', f);
    if (host_timed(run))
        fputs("times: HOST wall time (execute + wait), median of the timed runs: this driver's "
              "profiling timestamps are not real\n", f);
    else
        fputs("times: device time from OpenCL profiling events, median of the timed runs; p10-p90 "
              "interpolated between the nearest runs (with 5 runs, p10 lies between the fastest "
              "two)\n", f);
    int above = 0;
    for (int i = 0; i < run->count; i++) {
        above |= run->results[i].roof.above_peak;
        for (int s = 0; s < run->results[i].stage_count; s++)
            above |= run->results[i].stages[s].roof.above_peak;
    }
    fprintf(f, "GFLOP/s, GB/s, FLOP/B: FLOPs and compulsory bytes as each algorithm does them; "
            "bound_ms: the least time the peaks allow; eff = bound_ms / median_ms%s\n",
            above ? "; eff >1! = faster than the peaks allow: a measurement error (a peak "
                    "measured low, or data served from a cache), not an efficiency"
                  : "");
    fputs("build_ms: compiling the row's kernels plus what its first run took beyond a timed run "
          "(what drivers and libraries compile on first use); c = compiled from source now, "
          "* = loaded from the program cache\n", f);
    bench_answer ans;
    bench_answer_build(run, &ans);
    if (ans.count)
        fputs("\nThe answer, from the numbers above:\n", f);
    for (int i = 0; i < ans.count; i++)
        fprintf(f, "- %s\n", ans.lines[i]);
}

static void csv_roof(FILE *f, const clconv_roofline *rf)
{
    fprintf(f, "%.6g,%.6g,%.6g,%.6g,%.6g,%s,", rf->intensity, rf->gflops, rf->gbs, rf->bound_ms,
            rf->efficiency, rf->verdict ? rf->verdict : "");
}

/* A CSV field in quotes, its own quotes doubled (RFC 4180). */
static void csv_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void report_csv(FILE *f, const bench_device_run *run)
{
    fputs("device,problem,batch,in_channels,height,width,out_channels,kernel_h,kernel_w,stride_h,"
          "stride_w,pad_h,pad_w,pad_bottom,pad_right,dilation_h,dilation_w,groups,count,algo,"
          "status,median_ms,p10_ms,p90_ms,min_ms,host_median_ms,call_host_ms,iterations,"
          "time_source,build_ms,compiled,flops,bytes,conv_flops,intensity,gflops,gbs,bound_ms,"
          "efficiency,verdict,workspace_bytes,rel_err,stages\n", f);
    for (int i = 0; i < run->count; i++) {
        const bench_result *r = &run->results[i];
        const clconv_problem *p = &r->problem->p;
        int pads[4];
        clconv_problem_pads(p, pads);
        csv_quoted(f, run->dev->name);
        fputc(',', f);
        if (strpbrk(r->problem->name, ",\"\n")) /* a problem file's name may */
            csv_quoted(f, r->problem->name);
        else
            fputs(r->problem->name, f);
        fprintf(f, ",%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%s,%s,", p->batch,
                p->in_channels, p->height, p->width, p->out_channels, p->kernel_h, p->kernel_w,
                p->stride_h, p->stride_w, pads[0], pads[2], pads[1], pads[3], p->dilation_h,
                p->dilation_w, p->groups > 1 ? p->groups : 1, r->problem->count, r->algo,
                status_of(r));
        if (r->skipped || r->failed) {
            fputs(",,,,,,,,,,,,,,,,,,,,", f);
        } else {
            fprintf(f, "%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%d,%s,%.6g,%d,%.6g,%.6g,%.6g,",
                    r->median_ms, r->p10_ms, r->p90_ms, r->min_ms, r->host_median_ms,
                    r->call_host_ms, r->iterations, r->time_source, r->build_ms, r->compiled,
                    r->cost.flops, r->cost.bytes, r->conv_flops);
            csv_roof(f, &r->roof);
            fprintf(f, "%zu,", r->workspace_bytes);
        }
        if (r->verified)
            fprintf(f, "%.6g", r->rel_err);
        fputc(',', f);
        /* stages as name:median_ms pairs, ';'-separated, in one field */
        for (int st = 0; st < r->stage_count; st++)
            fprintf(f, "%s%s:%.6g", st ? ";" : "", r->stages[st].name, r->stages[st].median_ms);
        fputc('\n', f);
    }
}

static void json_roof(FILE *f, double flops, double bytes, const clconv_roofline *rf)
{
    fputs("\"flops\": ", f);
    json_number(f, flops);
    json_field(f, "bytes", bytes);
    json_field(f, "intensity", rf->intensity);
    json_field(f, "gflops", rf->gflops);
    json_field(f, "gbs", rf->gbs);
    json_field(f, "bound_ms", rf->bound_ms);
    json_field(f, "efficiency", rf->efficiency);
    fputs(", \"verdict\": ", f);
    json_string_or_null(f, rf->verdict);
    fprintf(f, ", \"above_peak\": %s", rf->above_peak ? "true" : "false");
}

void report_problem_json(FILE *f, const bench_problem *bp, const char *newline)
{
    const clconv_problem *p = &bp->p;
    int pads[4];
    clconv_problem_pads(p, pads);
    char cls[24];
    bench_layer_class(p, cls, sizeof cls);
    fputs("{\"name\": ", f);
    json_string(f, bp->name);
    fprintf(f, ", \"batch\": %d, \"in_channels\": %d, \"height\": %d, \"width\": %d, "
               "\"out_channels\": %d, \"kernel_h\": %d, \"kernel_w\": %d,%s"
               "\"stride_h\": %d, \"stride_w\": %d, \"pad_h\": %d, \"pad_w\": %d, "
               "\"pad_bottom\": %d, \"pad_right\": %d,%s"
               "\"dilation_h\": %d, \"dilation_w\": %d, \"groups\": %d, \"out_height\": %d, "
               "\"out_width\": %d, \"count\": %d, \"layer_class\": \"%s\"}",
            p->batch, p->in_channels, p->height, p->width, p->out_channels, p->kernel_h,
            p->kernel_w, newline, p->stride_h, p->stride_w, pads[0], pads[2], pads[1], pads[3],
            newline, p->dilation_h, p->dilation_w, p->groups > 1 ? p->groups : 1,
            clconv_problem_out_height(p), clconv_problem_out_width(p), bp->count, cls);
}

/* The auto row's choice; null on every other row. */
static void json_choice(FILE *f, const bench_result *r)
{
    fputs(",\n      \"choice\": ", f);
    if (!r->has_choice) {
        fputs("null", f);
        return;
    }
    const clconv_choice *c = &r->choice;
    fputs("{\"algo\": ", f);
    json_string_or_null(f, clconv_algo_name(c->algo));
    json_field_string(f, "mode", clconv_auto_mode_name(c->mode));
    json_field_string(f, "source", r->choice_source);
    json_field(f, "predicted_ms", c->predicted_ms);
    json_field(f, "found_ms", c->found_ms);
    json_field_string(f, "runner_up",
                      c->runner_up != CLCONV_ALGO_AUTO ? clconv_algo_name(c->runner_up) : NULL);
    json_field(f, "runner_up_ms", c->runner_up_ms);
    fprintf(f, ", \"trial_runs\": %d, \"candidates\": %d", c->trial_runs, c->candidates);
    json_field_string(f, "limited",
                      c->limited != CLCONV_ALGO_AUTO ? clconv_algo_name(c->limited) : NULL);
    fprintf(f, ", \"limited_workspace_bytes\": %zu}", c->limited_workspace_bytes);
}

static void json_result(FILE *f, const bench_result *r)
{
    fputs("\n    {\"problem\": ", f);
    report_problem_json(f, r->problem, "\n      ");
    fputs(",\n      \"algo\": ", f);
    json_string(f, r->algo);
    fprintf(f, ", \"status\": \"%s\"", status_of(r));
    if (r->skipped || r->failed) {
        fputs(", \"note\": ", f);
        json_string(f, r->note);
    }
    int timed = r->iterations > 0;
    fputs(",\n      \"median_ms\": ", f);
    json_number(f, timed ? r->median_ms : NAN);
    json_field(f, "p10_ms", timed ? r->p10_ms : NAN);
    json_field(f, "p90_ms", timed ? r->p90_ms : NAN);
    json_field(f, "min_ms", timed ? r->min_ms : NAN);
    json_field(f, "host_median_ms", timed ? r->host_median_ms : NAN);
    json_field(f, "call_host_ms", timed ? r->call_host_ms : NAN);
    fprintf(f, ", \"iterations\": %d, \"time_source\": ", r->iterations);
    json_string_or_null(f, r->time_source);
    fputs(",\n      \"build_ms\": ", f);
    json_number(f, r->build_ms);
    fputs(", \"first_run_build_ms\": ", f);
    json_number(f, r->first_run_build_ms);
    fprintf(f, ", \"build_compiled\": %s, \"conv_flops\": ", r->compiled ? "true" : "false");
    json_number(f, r->conv_flops);
    json_field(f, "effective_gflops", timed ? r->conv_flops / (r->median_ms * 1e6) : NAN);
    fputs(",\n      ", f);
    json_roof(f, r->cost.flops, r->cost.bytes, timed ? &r->roof : &(clconv_roofline){
        NAN, NAN, NAN, NAN, NAN, NULL, 0});
    fputs(",\n      \"weights_ms\": ", f);
    json_number(f, r->weights_ms > 0 ? r->weights_ms : NAN);
    fputs(", \"weights_stage\": ", f);
    json_string_or_null(f, r->weights_ms > 0 ? r->weights_stage : NULL);
    fputs(", \"params\": ", f);
    json_string_or_null(f, r->params[0] ? r->params : NULL);
    fputs(", \"params_source\": ", f);
    json_string_or_null(f, r->params_source);
    fputs(", \"fft_backend\": ", f);
    json_string_or_null(f, r->fft_backend);
    fputs(", \"epilogue\": ", f);
    json_string_or_null(f, r->epilogue[0] ? r->epilogue : NULL);
    json_field(f, "tune_ms", r->tune_ms);
    json_field(f, "gemm_baseline_gflops", r->gemm_baseline_gflops);
    fprintf(f, ", \"workspace_bytes\": %zu, \"rel_err\": ", r->workspace_bytes);
    json_number(f, r->verified ? r->rel_err : NAN);
    json_choice(f, r);
    fputs(",\n      \"stages\": [", f);
    for (int s = 0; s < r->stage_count; s++) {
        fprintf(f, "%s\n        {\"name\": ", s ? "," : "");
        json_string(f, r->stages[s].name);
        fputs(", \"median_ms\": ", f);
        /* negative: the device has no real timestamps to split the time by stage */
        json_number(f, r->stages[s].median_ms >= 0 ? r->stages[s].median_ms : NAN);
        fputs(", ", f);
        json_roof(f, r->stages[s].flops, r->stages[s].bytes, &r->stages[s].roof);
        fputc('}', f);
    }
    fputs("]}", f);
}

/* --auto-report: each prediction beside what its problem's rows measured,
 * and the summary; nothing without it. */
static void json_auto_report(FILE *f, const bench_device_run *run)
{
    if (!run->prediction_count)
        return;
    bench_auto_summary sum;
    bench_auto_summarize(run, &sum);
    fprintf(f, ",\n  \"auto_report\": {\"problems\": %d, \"matches\": %d", sum.problems,
            sum.matches);
    json_field(f, "worst_regret", sum.worst_regret);
    json_field_string(f, "worst_problem", sum.worst ? sum.worst->name : NULL);
    json_field(f, "median_regret", sum.median_regret);
    json_field(f, "weighted_regret", sum.weighted_regret);
    fputs(",\n    \"predictions\": [", f);
    for (int i = 0; i < run->prediction_count; i++) {
        const bench_prediction *pred = &run->predictions[i];
        bench_auto_verdict v;
        bench_auto_judge(run, pred, &v);
        fputs(i ? ",\n      {\"problem\": " : "\n      {\"problem\": ", f);
        report_problem_json(f, pred->problem, "\n       ");
        fputs(",\n       \"best\": ", f);
        json_string_or_null(f, pred->best == CLCONV_ALGO_AUTO ? NULL : clconv_algo_name(pred->best));
        fputs(", \"predicted_ms\": {", f);
        for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
            fputs(a ? ", " : "", f);
            json_string(f, clconv_algo_name((clconv_algo)a));
            fputs(": ", f);
            json_number(f, pred->ranking[a].predicted_ms);
        }
        fputc('}', f);
        json_field_string(f, "measured_best", v.measured ? v.measured->algo : NULL);
        json_field(f, "regret", v.regret);
        json_field_string(f, "note", v.why[0] ? v.why : NULL);
        fputc('}', f);
    }
    fputs("\n    ]}", f);
}

static void report_json(FILE *f, const bench_device_run *run, const char *command)
{
    const clconv_peaks *pk = run->peaks;
    fputs("{\n  \"schema\": \"" BENCH_SCHEMA "\",\n  \"tool\": \"clconv-bench\",\n  \"command\": ", f);
    json_string(f, command);
    fputs(",\n  \"device\": ", f);
    json_device(f, run->dev, pk, 1, "  ");
    fputs(",\n  \"peaks\": {\"bandwidth_gbs\": ", f);
    json_number(f, pk ? pk->bandwidth_gbs : NAN);
    json_field(f, "gflops", pk ? pk->gflops : NAN);
    json_field(f, "gemm_gflops", pk ? pk->gemm_gflops : NAN);
    json_field_string(f, "gemm_backend", pk ? pk->gemm_backend : NULL);
    fprintf(f, ", \"from_cache\": %s, \"measure_ms\": ", pk && pk->from_cache ? "true" : "false");
    json_number(f, pk ? pk->measure_ms : NAN);
    json_field_string(f, "time_source", pk ? pk->time_source : NULL);
    fputs("},\n  \"peak_bandwidth_gbs\": ", f);
    json_number(f, pk ? pk->bandwidth_gbs : NAN);
    fputs(",\n  \"results\": [", f);
    for (int i = 0; i < run->count; i++) {
        if (i)
            fputc(',', f);
        json_result(f, &run->results[i]);
    }
    fputs("\n  ]", f);
    json_auto_report(f, run);
    report_network_json(f, run);
    fputs(",\n  \"answer\": [", f);
    bench_answer ans;
    bench_answer_build(run, &ans);
    for (int i = 0; i < ans.count; i++) {
        fputs(i ? ",\n    " : "\n    ", f);
        json_string(f, ans.lines[i]);
    }
    fputs("\n  ]\n}\n", f);
}

void report_results(FILE *f, bench_format format, const bench_device_run *run,
                    const char *command)
{
    if (format == FORMAT_JSON)
        report_json(f, run, command);
    else if (format == FORMAT_CSV)
        report_csv(f, run);
    else
        report_table(f, run);
}

/* --devices: one row per problem and algorithm, a column group per device,
 * and each device's time as a ratio to the first device's. */
void report_compare(FILE *f, const bench_device_run *runs, int n)
{
    for (int d = 0; d < n; d++) {
        fprintf(f, "[%c] %d:%d %s (%s)\n    ", 'A' + d, runs[d].dev->platform_index,
                runs[d].dev->device_index, runs[d].dev->name, runs[d].dev->platform_name);
        report_peaks_line(f, runs[d].peaks);
    }
    fprintf(f, "\n%-12s %-18s", "problem", "algo");
    for (int d = 0; d < n; d++)
        fprintf(f, " | [%c] %10s %5s %-13s%s", 'A' + d, "median_ms", "eff", "verdict",
                d ? "   x[A]" : "");
    fputc('\n', f);
    for (int i = 0; i < runs[0].count; i++) {
        const bench_result *a = &runs[0].results[i];
        fprintf(f, "%-12s %-18s", a->problem->name, a->algo);
        for (int d = 0; d < n; d++) {
            const bench_result *r = i < runs[d].count ? &runs[d].results[i] : NULL;
            if (!r || !r->iterations) {
                fprintf(f, " | %14s %5s %-13s%s", r ? status_of(r) : "-", "", "",
                        d ? "       " : "");
                continue;
            }
            fprintf(f, " | %14.3f %5.2f %-13s", r->median_ms, r->roof.efficiency,
                    r->roof.verdict ? r->roof.verdict : "-");
            if (d)
                fprintf(f, " %6.2f", a->iterations ? r->median_ms / a->median_ms : NAN);
        }
        fputc('\n', f);
    }
    report_network_compare(f, runs, n);
    fputs("\nx[A]: the device's median time over device A's (above 1: slower than A)\n", f);
    for (int d = 0; d < n; d++) {
        char line[640];
        if (bench_auto_report_line(&runs[d], line, sizeof line))
            fprintf(f, "[%c] %s\n", 'A' + d, line);
    }
}
