/* libFuzzer target: the clconv-bench argument parser, its problem-file
 * parser and the problem validator, the places untrusted text and numbers
 * enter clconv.
 *
 * Input: arguments separated by '\n' (as the corpus files read), or a 'P'
 * followed by a clconv_problem, raw, whose struct_size is then set (the
 * fields are what is fuzzed; the size rules have their own test), or an
 * 'S' followed by a problem file's text (--shapes). Whatever comes in,
 * nothing may crash, read out of bounds or hit undefined behaviour, a
 * problem the validator accepts must have sizes that add up, and a problem
 * file's problems are valid, distinct and counted. */
#include "../../bench/args.h"
#include "../../bench/shapes.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_problem(const clconv_problem *p)
{
    if (clconv_problem_validate(p) != CLCONV_SUCCESS) {
        /* invalid: every size function says 0, the message is a string */
        if (clconv_problem_input_elems(p) || clconv_problem_output_elems(p) ||
            !clconv_last_error(NULL)[0])
            abort();
        return;
    }
    int oh = clconv_problem_out_height(p), ow = clconv_problem_out_width(p);
    if (oh < 1 || ow < 1)
        abort();
    size_t out = clconv_problem_output_elems(p);
    if (out != (size_t)p->batch * (size_t)p->out_channels * (size_t)oh * (size_t)ow)
        abort();
    double flops, bytes;
    clconv_problem_cost(p, 1, &flops, &bytes);
    if (!(flops > 0 && bytes > 0))
        abort();
    clconv_cost pw;
    clconv_pointwise_cost(p, &pw);
}

static void check_shapes(const char *text)
{
    static bench_problem problems[BENCH_MAX_PROBLEMS];
    char err[512];
    int n = -1;
    if (bench_shapes_parse(text, "fuzz", 0, problems, BENCH_MAX_PROBLEMS, &n, err, sizeof err)) {
        if (!err[0] || strncmp(err, "fuzz", 4))
            abort(); /* a mistake always names the file (and the line) */
        return;
    }
    if (n < 1 || n > BENCH_MAX_PROBLEMS)
        abort();
    for (int i = 0; i < n; i++) {
        if (problems[i].count < 1 || clconv_problem_validate(&problems[i].p) != CLCONV_SUCCESS)
            abort();
        check_problem(&problems[i].p);
        for (int j = 0; j < i; j++)
            if (!memcmp(&problems[i].p, &problems[j].p, sizeof problems[i].p))
                abort(); /* equal problems are merged */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 1 + sizeof(clconv_problem) && data[0] == 'P') {
        clconv_problem p;
        memcpy(&p, data + 1, sizeof p);
        p.struct_size = sizeof p;
        check_problem(&p);
        return 0;
    }
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (size >= 1 && data[0] == 'S') {
        check_shapes(text + 1);
        free(text);
        return 0;
    }
    char *argv[66] = {"clconv-bench"};
    int argc = 1;
    for (char *s = text; argc < 65;) {
        argv[argc++] = s;
        char *nl = memchr(s, '\n', (size_t)(text + size - s));
        if (!nl)
            break;
        *nl = '\0';
        s = nl + 1;
    }
    argv[argc] = NULL;
    bench_options opt;
    char err[512];
    if (bench_parse_args(argc, argv, &opt, err, sizeof err) == 0) {
        if (opt.problem_count < 1 || opt.problem_count > BENCH_MAX_PROBLEMS)
            abort();
        for (int i = 0; i < opt.problem_count; i++)
            check_problem(&opt.problems[i].p);
    } else if (!err[0] || strlen(err) >= sizeof err) {
        abort(); /* a usage error always says what is wrong */
    }
    free(text);
    return 0;
}
