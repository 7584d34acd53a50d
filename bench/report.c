/* Writers for the device list and results. JSON schema "clconv-bench/1":
 * later versions add fields, never rename these. */
#include "report.h"

#include <math.h>
#include <string.h>

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* JSON has no NaN or Inf: those become null. */
static void json_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.6g", v);
    else
        fputs("null", f);
}

static void json_device(FILE *f, const clconv_device_info *d, const char *indent)
{
    fprintf(f, "{\"platform_index\": %d, \"device_index\": %d, \"platform\": ", d->platform_index,
            d->device_index);
    json_string(f, d->platform_name);
    fputs(", \"name\": ", f);
    json_string(f, d->name);
    fputs(", \"vendor\": ", f);
    json_string(f, d->vendor);
    fputs(", \"version\": ", f);
    json_string(f, d->version);
    fputs(", \"driver\": ", f);
    json_string(f, d->driver_version);
    fprintf(f, ",\n%s \"type\": \"%s\", \"compute_units\": %u, \"clock_mhz\": %u, "
               "\"global_mem_bytes\": %llu, \"local_mem_bytes\": %llu, \"max_alloc_bytes\": %llu,"
               "\n%s \"fp64\": %s, \"fp16\": %s, \"preferred_vector_width_float\": %u}",
            indent, d->type, d->compute_units, d->clock_mhz,
            (unsigned long long)d->global_mem_bytes, (unsigned long long)d->local_mem_bytes,
            (unsigned long long)d->max_alloc_bytes, indent, d->fp64 ? "true" : "false",
            d->fp16 ? "true" : "false", d->preferred_vector_width_float);
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
            fputs(", \"vendor\": ", f);
            json_string(f, pi->vendor);
            fputs(", \"version\": ", f);
            json_string(f, pi->version);
            fputs(", \"devices\": [", f);
            int first = 1;
            for (int i = 0; i < list->device_count; i++)
                if (list->devices[i].platform_index == p) {
                    fputs(first ? "\n    " : ",\n    ", f);
                    json_device(f, &list->devices[i], "    ");
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

static double gflops(const bench_result *r)
{
    return r->median_ms > 0 ? r->flops / (r->median_ms * 1e6) : NAN;
}

static double gbs(const bench_result *r)
{
    return r->median_ms > 0 ? r->bytes / (r->median_ms * 1e6) : NAN;
}

static void shape(char *buf, size_t size, const clconv_problem *p)
{
    snprintf(buf, size, "%dx%dx%dx%d k%dx%d o%d s%dx%d p%dx%d d%dx%d", p->batch, p->in_channels,
             p->height, p->width, p->kernel_h, p->kernel_w, p->out_channels, p->stride_h,
             p->stride_w, p->pad_h, p->pad_w, p->dilation_h, p->dilation_w);
}

static void report_table(FILE *f, const clconv_device_info *d, double bw, const bench_result *rs,
                         int n)
{
    fprintf(f, "device %d:%d %s (%s, driver %s)\n", d->platform_index, d->device_index, d->name,
            d->platform_name, d->driver_version);
    if (isfinite(bw))
        fprintf(f, "streaming bandwidth (copy, read + write): %.1f GB/s\n", bw);
    fprintf(f, "%-10s %-40s %-16s %10s %10s %10s %9s %9s %10s %10s\n", "problem", "shape",
            "algo", "median_ms", "p10_ms", "p90_ms", "GFLOP/s", "GB/s", "rel_err", "build_ms");
    for (int i = 0; i < n; i++) {
        const bench_result *r = &rs[i];
        char s[96];
        shape(s, sizeof s, &r->problem->p);
        fprintf(f, "%-10s %-40s %-16s ", r->problem->name, s, r->algo);
        if (r->skipped || r->failed) {
            fprintf(f, "%s: %s\n", r->skipped ? "skipped" : "FAILED", r->note);
            continue;
        }
        char err[16] = "-";
        if (r->verified)
            snprintf(err, sizeof err, "%.2e", r->rel_err);
        fprintf(f, "%10.3f %10.3f %10.3f %9.2f %9.2f %10s %8.0f%s\n", r->median_ms, r->p10_ms,
                r->p90_ms, gflops(r), gbs(r), err, r->build_ms, r->compiled ? " c" : " *");
        if (r->stage_count > 1) {
            fprintf(f, "%-10s %-40s %-16s", "", "", "  stages:");
            for (int st = 0; st < r->stage_count; st++)
                fprintf(f, " %s %.3f ms%s", r->stages[st].name, r->stages[st].median_ms,
                        st + 1 < r->stage_count ? "," : "");
            if (r->workspace_bytes) {
                char ws[32];
                human_bytes(ws, sizeof ws, r->workspace_bytes);
                fprintf(f, "; workspace %s", ws);
            }
            if (r->weights_ms > 0)
                fprintf(f, "; weights_fft %.3f ms (once, in set_weights)", r->weights_ms);
            if (isfinite(r->gemm_baseline_gflops))
                fprintf(f, "; bare CLBlast SGEMM of this shape %.2f GFLOP/s",
                        r->gemm_baseline_gflops);
            fputc('\n', f);
        }
    }
    int host_timed = 0;
    for (int i = 0; i < n; i++)
        host_timed |= rs[i].time_source && strcmp(rs[i].time_source, "host") == 0;
    if (host_timed)
        fputs("times: HOST wall time (execute + wait), median of the timed runs: this driver's "
              "profiling timestamps are not real\n", f);
    else
        fputs("times: device time from OpenCL profiling events, median of the timed runs\n", f);
    fputs("build_ms: c = compiled from source now, * = loaded from the program cache\n", f);
}

static void report_csv(FILE *f, const bench_result *rs, int n)
{
    fputs("problem,batch,in_channels,height,width,out_channels,kernel_h,kernel_w,stride_h,"
          "stride_w,pad_h,pad_w,dilation_h,dilation_w,algo,status,median_ms,p10_ms,p90_ms,min_ms,"
          "host_median_ms,iterations,time_source,build_ms,compiled,flops,bytes,gflops,gbs,workspace_bytes,"
          "rel_err,stages\n", f);
    for (int i = 0; i < n; i++) {
        const bench_result *r = &rs[i];
        const clconv_problem *p = &r->problem->p;
        fprintf(f, "%s,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%s,%s,", r->problem->name, p->batch,
                p->in_channels, p->height, p->width, p->out_channels, p->kernel_h, p->kernel_w,
                p->stride_h, p->stride_w, p->pad_h, p->pad_w, p->dilation_h, p->dilation_w,
                r->algo, r->skipped ? "skipped" : r->failed ? "failed" : "ok");
        if (r->skipped || r->failed) {
            fputs(",,,,,,,,,,,,,,", f);
        } else {
            fprintf(f, "%.6g,%.6g,%.6g,%.6g,%.6g,%d,%s,%.6g,%d,%.6g,%.6g,%.6g,%.6g,%zu,",
                    r->median_ms, r->p10_ms, r->p90_ms, r->min_ms, r->host_median_ms,
                    r->iterations, r->time_source, r->build_ms, r->compiled, r->flops, r->bytes, gflops(r), gbs(r),
                    r->workspace_bytes);
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

static void report_json(FILE *f, const clconv_device_info *d, double bw, const bench_result *rs,
                        int n, const char *command)
{
    fputs("{\n  \"schema\": \"clconv-bench/1\",\n  \"command\": ", f);
    json_string(f, command);
    fputs(",\n  \"device\": ", f);
    json_device(f, d, "  ");
    fputs(",\n  \"peak_bandwidth_gbs\": ", f);
    json_number(f, bw);
    fputs(",\n  \"results\": [", f);
    for (int i = 0; i < n; i++) {
        const bench_result *r = &rs[i];
        const clconv_problem *p = &r->problem->p;
        fprintf(f, "%s\n    {\"problem\": {\"name\": ", i ? "," : "");
        json_string(f, r->problem->name);
        fprintf(f, ", \"batch\": %d, \"in_channels\": %d, \"height\": %d, \"width\": %d, "
                   "\"out_channels\": %d, \"kernel_h\": %d, \"kernel_w\": %d,\n"
                   "      \"stride_h\": %d, \"stride_w\": %d, \"pad_h\": %d, \"pad_w\": %d, "
                   "\"dilation_h\": %d, \"dilation_w\": %d, \"out_height\": %d, "
                   "\"out_width\": %d},\n      \"algo\": ",
                p->batch, p->in_channels, p->height, p->width, p->out_channels, p->kernel_h,
                p->kernel_w, p->stride_h, p->stride_w, p->pad_h, p->pad_w, p->dilation_h,
                p->dilation_w, clconv_problem_out_height(p), clconv_problem_out_width(p));
        json_string(f, r->algo);
        fprintf(f, ", \"status\": \"%s\"",
                r->skipped ? "skipped" : r->failed ? "failed" : "ok");
        if (r->skipped || r->failed) {
            fputs(", \"note\": ", f);
            json_string(f, r->note);
        }
        fputs(",\n      \"median_ms\": ", f);
        json_number(f, r->iterations ? r->median_ms : NAN);
        fputs(", \"p10_ms\": ", f);
        json_number(f, r->iterations ? r->p10_ms : NAN);
        fputs(", \"p90_ms\": ", f);
        json_number(f, r->iterations ? r->p90_ms : NAN);
        fputs(", \"min_ms\": ", f);
        json_number(f, r->iterations ? r->min_ms : NAN);
        fputs(", \"host_median_ms\": ", f);
        json_number(f, r->iterations ? r->host_median_ms : NAN);
        fprintf(f, ", \"iterations\": %d, \"time_source\": ", r->iterations);
        if (r->time_source)
            json_string(f, r->time_source);
        else
            fputs("null", f);
        fputs(",\n      \"build_ms\": ", f);
        json_number(f, r->build_ms);
        fprintf(f, ", \"build_compiled\": %s, \"flops\": ", r->compiled ? "true" : "false");
        json_number(f, r->flops);
        fputs(", \"bytes\": ", f);
        json_number(f, r->bytes);
        fputs(", \"weights_fft_ms\": ", f);
        json_number(f, r->weights_ms > 0 ? r->weights_ms : NAN);
        fputs(", \"gemm_baseline_gflops\": ", f);
        json_number(f, r->gemm_baseline_gflops);
        fprintf(f, ", \"workspace_bytes\": %zu, \"rel_err\": ", r->workspace_bytes);
        json_number(f, r->verified ? r->rel_err : NAN);
        fputs(",\n      \"stages\": [", f);
        for (int s = 0; s < r->stage_count; s++) {
            fprintf(f, "%s{\"name\": ", s ? ", " : "");
            json_string(f, r->stages[s].name);
            fputs(", \"median_ms\": ", f);
            json_number(f, r->stages[s].median_ms);
            fputc('}', f);
        }
        fputs("]}", f);
    }
    fputs("\n  ]\n}\n", f);
}

void report_results(FILE *f, bench_format format, const clconv_device_info *dev,
                    double peak_bandwidth_gbs, const bench_result *results, int count,
                    const char *command)
{
    if (format == FORMAT_JSON)
        report_json(f, dev, peak_bandwidth_gbs, results, count, command);
    else if (format == FORMAT_CSV)
        report_csv(f, results, count);
    else
        report_table(f, dev, peak_bandwidth_gbs, results, count);
}
