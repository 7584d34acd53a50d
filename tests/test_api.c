/* The public API's rules (include/clconv.h's opening comment): the
 * caller's structs read through their struct_size, messages only through
 * the log, clconv_plan_enqueue's wait list and event, and the thread rule. */
#define _POSIX_C_SOURCE 200809L
#include "fixture.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The message of the last context-less error holds every one of `parts`. */
static void expect_message(const char *message, const char *a, const char *b)
{
    if (!strstr(message, a) || (b && !strstr(message, b)))
        fail_msg("message \"%s\" lacks \"%s\"%s%s", message, a, b ? " or " : "", b ? b : "");
}

/* 0, a size below its own field and a size larger than the library's are
 * refused with the size named; a shorter (older) struct is read as far as
 * it goes, the rest defaults; init writes nothing past the size it is given. */
static void test_struct_sizes(void **state)
{
    (void)state;
    char want[64];
    clconv_problem p;
    clconv_problem_init(&p);
    assert_int_equal(p.struct_size, CLCONV_PROBLEM_STRUCT_SIZE);
    assert_true(CLCONV_PROBLEM_STRUCT_SIZE <= sizeof p &&
                sizeof p - CLCONV_PROBLEM_STRUCT_SIZE < sizeof(size_t)); /* padding only */
    p.struct_size = 0;
    assert_int_equal(clconv_problem_validate(&p), CLCONV_ERR_INVALID_ARG);
    expect_message(clconv_last_error(NULL), "clconv_problem.struct_size = 0", "clconv_problem_init");
    p.struct_size = 4;
    assert_int_equal(clconv_problem_validate(&p), CLCONV_ERR_INVALID_ARG);
    expect_message(clconv_last_error(NULL), "clconv_problem.struct_size = 4", NULL);
    assert_int_equal(clconv_problem_output_elems(&p), 0);

    struct {
        clconv_problem p;
        int newer[4];
    } big;
    clconv_problem_init(&big.p);
    memset(big.newer, 0, sizeof big.newer);
    big.p.struct_size = sizeof big;
    assert_int_equal(clconv_problem_validate(&big.p), CLCONV_ERR_INVALID_ARG);
    snprintf(want, sizeof want, "clconv_problem.struct_size = %zu", sizeof big);
    expect_message(clconv_last_error(NULL), want, "larger than this library's");

    /* an older caller's problem ends before dilation_w: whatever lies there
     * is not read, and dilation_w is 1 */
    clconv_problem_init(&p);
    p.width = 10;
    p.kernel_w = 3;
    p.dilation_w = 4; /* would make the output 10 - 8 = 2 wide */
    p.struct_size = offsetof(clconv_problem, dilation_w);
    assert_int_equal(clconv_problem_validate(&p), CLCONV_SUCCESS);
    assert_int_equal(clconv_problem_out_width(&p), 8);

    /* init for a shorter struct writes only its bytes */
    unsigned char raw[sizeof(clconv_problem) + 16];
    memset(raw, 0xab, sizeof raw);
    const size_t older = offsetof(clconv_problem, dilation_h);
    clconv_problem_init_size((clconv_problem *)(void *)raw, older);
    size_t size;
    memcpy(&size, raw, sizeof size);
    assert_int_equal(size, older);
    for (size_t i = older; i < sizeof raw; i++)
        if (raw[i] != 0xab)
            fail_msg("clconv_problem_init_size(%zu) wrote byte %zu", older, i);

    /* the same rules for the options, the context options and the selector */
    clconv_context *ctx = fixture_context();
    clconv_problem_init(&p);
    struct {
        clconv_plan_options o;
        char newer[8];
    } big_opt;
    clconv_plan_options_init(&big_opt.o);
    big_opt.o.struct_size = sizeof big_opt;
    clconv_plan *plan = NULL;
    assert_int_equal(
        clconv_plan_create_with_options(ctx, &p, CLCONV_ALGO_DIRECT, &big_opt.o, &plan),
        CLCONV_ERR_INVALID_ARG);
    assert_null(plan);
    snprintf(want, sizeof want, "clconv_plan_options.struct_size = %zu", sizeof big_opt);
    expect_message(clconv_last_error(ctx), want, NULL);
    clconv_plan_options opt;
    clconv_plan_options_init(&opt);
    opt.auto_mode = (clconv_auto_mode)77; /* beyond an older caller's struct: not read */
    opt.struct_size = offsetof(clconv_plan_options, auto_mode);
    assert_int_equal(clconv_plan_create_with_options(ctx, &p, CLCONV_ALGO_AUTO, &opt, &plan),
                     CLCONV_SUCCESS);
    clconv_choice ch;
    assert_int_equal(clconv_plan_choice(plan, &ch), CLCONV_SUCCESS);
    assert_int_equal(ch.mode, CLCONV_AUTO_PREDICT);
    clconv_plan_destroy(plan);

    clconv_algo_prediction e[3];
    for (int i = 0; i < 3; i++)
        clconv_algo_prediction_init(&e[i]);
    e[2].struct_size = 8;
    assert_int_equal(clconv_predict(ctx, &p, NULL, e, 3, NULL, NULL), CLCONV_ERR_INVALID_ARG);
    expect_message(clconv_last_error(ctx), "clconv_algo_prediction[2].struct_size = 8", NULL);
    assert_int_equal(clconv_context_destroy(ctx), CLCONV_SUCCESS);

    clconv_context_options copt;
    clconv_context_options_init(&copt);
    copt.struct_size = 0;
    assert_int_equal(clconv_context_create(NULL, &copt, &ctx), CLCONV_ERR_INVALID_ARG);
    assert_null(ctx);
    expect_message(clconv_last_error(NULL), "clconv_context_options.struct_size = 0", NULL);
    clconv_device_selector sel;
    clconv_device_selector_init(&sel);
    sel.struct_size = 1u << 20;
    assert_int_equal(clconv_context_create(&sel, NULL, &ctx), CLCONV_ERR_INVALID_ARG);
    expect_message(clconv_last_error(NULL), "clconv_device_selector.struct_size = 1048576", NULL);
}

static char heard[1024];
static void hear(void *user, clconv_log_level level, const char *message)
{
    (void)user;
    snprintf(heard + strlen(heard), sizeof heard - strlen(heard), "%s:%s\n",
             level == CLCONV_LOG_WARNING ? "warning" : "info", message);
}

/* A plan on a context whose cache directory cannot be created: the
 * library warns that the disk cache is off (and the plan works). */
static void plan_with_unwritable_cache(void *with_log)
{
    clconv_context_options copt;
    clconv_context_options_init(&copt);
    copt.cache_dir = "/proc/clconv-cannot-exist/cache";
    if (with_log)
        copt.log = hear;
    clconv_context *ctx = NULL;
    clconv_plan *plan = NULL;
    clconv_problem p;
    clconv_problem_init(&p);
    p.kernel_h = p.kernel_w = 1;
    if (clconv_context_create(NULL, &copt, &ctx) == CLCONV_SUCCESS &&
        clconv_plan_create(ctx, &p, CLCONV_ALGO_DIRECT, &plan) == CLCONV_SUCCESS)
        snprintf(heard + strlen(heard), sizeof heard - strlen(heard), "plan made\n");
    clconv_plan_destroy(plan);
    clconv_context_destroy(ctx);
}

/* The library's messages go to the log callback, else nowhere, else (with
 * CLCONV_VERBOSE=1) to stderr; never to stderr on their own. */
static void test_log(void **state)
{
    (void)state;
    char err[2048];
    fixture_env quiet = fixture_env_set("CLCONV_VERBOSE", NULL);
    heard[0] = '\0';
    fixture_stderr_of(plan_with_unwritable_cache, heard, err, sizeof err);
    if (!strstr(heard, "warning:program cache disabled: cannot") || !strstr(heard, "plan made"))
        fail_msg("the log heard \"%s\"", heard);
    assert_string_equal(err, "");

    heard[0] = '\0';
    fixture_stderr_of(plan_with_unwritable_cache, NULL, err, sizeof err);
    assert_string_equal(heard, "plan made\n");
    assert_string_equal(err, "");

    fixture_env verbose = fixture_env_set("CLCONV_VERBOSE", "1");
    heard[0] = '\0';
    fixture_stderr_of(plan_with_unwritable_cache, NULL, err, sizeof err);
    fixture_env_restore(&verbose);
    fixture_env_restore(&quiet);
    if (!strstr(err, "clconv: warning: program cache disabled: cannot"))
        fail_msg("CLCONV_VERBOSE=1: stderr \"%s\"", err);
}

/* Completes a user event after `seconds` unless told to stop first: when
 * an enqueue blocks on its own wait list, this ends the wait and says so. */
typedef struct watchdog {
    cl_event user;
    int stop, fired;
    pthread_mutex_t lock;
} watchdog;

static void *watch(void *arg)
{
    watchdog *w = arg;
    for (int tenths = 0; tenths < 300; tenths++) {
        pthread_mutex_lock(&w->lock);
        int stop = w->stop;
        pthread_mutex_unlock(&w->lock);
        if (stop)
            return NULL;
        nanosleep(&(struct timespec){0, 100000000L}, NULL);
    }
    pthread_mutex_lock(&w->lock);
    w->fired = 1;
    pthread_mutex_unlock(&w->lock);
    clSetUserEventStatus(w->user, CL_COMPLETE);
    return NULL;
}

/* Every algorithm's enqueue returns before the caller's event completes,
 * runs after it, and its event completes with the output written. */
static void test_enqueue(void **state)
{
    (void)state;
    clconv_context *ctx = fixture_context();
    const clconv_problem base = FIXTURE_PROBLEM(2, 3, 9, 11, 4, 3, 3, 1, 1, 1, 1, 1, 1);
    for (int a = 0; a < CLCONV_ALGO_COUNT; a++) {
        clconv_problem p = fixture_problem_for(ctx, (clconv_algo)a, &base);
        size_t ni = clconv_problem_input_elems(&p), nw = clconv_problem_weight_elems(&p);
        size_t no = clconv_problem_output_elems(&p);
        float *host = malloc((ni + nw + 2 * no) * sizeof *host);
        assert_non_null(host);
        uint32_t seed = 99u + (uint32_t)a;
        fixture_fill(host, ni + nw, &seed);
        float *ref = host + ni + nw, *out = ref + no;
        assert_int_equal(clconv_reference_conv2d(&p, host, host + ni, NULL, ref), CLCONV_SUCCESS);
        cl_mem in = fixture_upload(ctx, host, ni), w = fixture_upload(ctx, host + ni, nw);
        cl_mem o = fixture_output(ctx, no);
        clconv_plan *plan = NULL;
        assert_int_equal(clconv_plan_create(ctx, &p, (clconv_algo)a, &plan), CLCONV_SUCCESS);
        assert_int_equal(clconv_plan_set_weights(plan, w, NULL), CLCONV_SUCCESS);
        assert_int_equal(clFinish(clconv_context_queue(ctx)), CL_SUCCESS);

        cl_int err;
        watchdog dog = {.lock = PTHREAD_MUTEX_INITIALIZER};
        dog.user = clCreateUserEvent(clconv_context_cl_context(ctx), &err);
        assert_int_equal(err, CL_SUCCESS);
        pthread_t thread;
        assert_int_equal(pthread_create(&thread, NULL, watch, &dog), 0);
        cl_event done = NULL;
        assert_int_equal(clconv_plan_enqueue(plan, in, o, 1, NULL, &done), CLCONV_ERR_INVALID_ARG);
        clconv_status st = clconv_plan_enqueue(plan, in, o, 1, &dog.user, &done);
        pthread_mutex_lock(&dog.lock);
        int blocked = dog.fired;
        dog.stop = 1;
        pthread_mutex_unlock(&dog.lock);
        assert_int_equal(pthread_join(thread, NULL), 0);
        if (st != CLCONV_SUCCESS)
            fail_msg("%s: enqueue: %s", clconv_algo_name((clconv_algo)a), clconv_last_error(ctx));
        if (blocked)
            fail_msg("%s: enqueue waited for its wait list", clconv_algo_name((clconv_algo)a));
        cl_int status;
        assert_int_equal(clGetEventInfo(done, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status,
                                        &status, NULL),
                         CL_SUCCESS);
        if (status == CL_COMPLETE)
            fail_msg("%s: done before the wait list", clconv_algo_name((clconv_algo)a));
        /* nothing written yet: read through a queue of our own, which the
         * plan's waiting does not hold up */
        nanosleep(&(struct timespec){0, 100000000L}, NULL);
        cl_device_id device;
        assert_int_equal(clGetCommandQueueInfo(clconv_context_queue(ctx), CL_QUEUE_DEVICE,
                                               sizeof device, &device, NULL),
                         CL_SUCCESS);
        cl_command_queue peek =
            clCreateCommandQueue(clconv_context_cl_context(ctx), device, 0, &err);
        assert_int_equal(err, CL_SUCCESS);
        assert_int_equal(clEnqueueReadBuffer(peek, o, CL_TRUE, 0, no * sizeof *out, out, 0, NULL,
                                             NULL),
                         CL_SUCCESS);
        clReleaseCommandQueue(peek);
        for (size_t i = 0; i < no; i++)
            if (!isnan(out[i]))
                fail_msg("%s: output %zu written before the wait list completed",
                         clconv_algo_name((clconv_algo)a), i);
        assert_int_equal(clSetUserEventStatus(dog.user, CL_COMPLETE), CL_SUCCESS);
        assert_int_equal(clWaitForEvents(1, &done), CL_SUCCESS);
        fixture_download(ctx, o, out, no);
        double e = clconv_rel_l2_error(out, ref, no);
        if (!(e < CLCONV_VERIFY_TOLERANCE))
            fail_msg("%s after enqueue: relative error %g", clconv_algo_name((clconv_algo)a), e);
        clReleaseEvent(done);
        clReleaseEvent(dog.user);
        clconv_plan_destroy(plan);
        clReleaseMemObject(in);
        clReleaseMemObject(w);
        clReleaseMemObject(o);
        free(host);
    }
    assert_int_equal(clconv_context_destroy(ctx), CLCONV_SUCCESS);
}

/* One thread's work: its own context and plans, its own errors. */
typedef struct worker {
    const clconv_problem *p;
    const float *input, *weights, *ref;
    int id;
    char failure[512];
} worker;

static void *work(void *arg)
{
    worker *t = arg;
    const clconv_problem *p = t->p;
    size_t ni = clconv_problem_input_elems(p), nw = clconv_problem_weight_elems(p);
    size_t no = clconv_problem_output_elems(p);
    float *out = malloc(no * sizeof *out);
    clconv_context *ctx = NULL;
    if (!out || clconv_context_create(NULL, NULL, &ctx) != CLCONV_SUCCESS) {
        snprintf(t->failure, sizeof t->failure, "context: %s", clconv_last_error(NULL));
        free(out);
        return NULL;
    }
    cl_int e1, e2, e3;
    cl_context c = clconv_context_cl_context(ctx);
    cl_mem in = clCreateBuffer(c, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, ni * sizeof(float),
                               (void *)t->input, &e1);
    cl_mem w = clCreateBuffer(c, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, nw * sizeof(float),
                              (void *)t->weights, &e2);
    cl_mem o = clCreateBuffer(c, CL_MEM_READ_WRITE, no * sizeof(float), NULL, &e3);
    const clconv_algo algos[] = {CLCONV_ALGO_DIRECT, CLCONV_ALGO_IM2COL_GEMM, CLCONV_ALGO_FFT};
    for (int round = 0; round < 2 && !t->failure[0] && !e1 && !e2 && !e3; round++)
        for (size_t a = 0; a < sizeof algos / sizeof algos[0] && !t->failure[0]; a++) {
            clconv_plan *plan = NULL;
            clconv_timing timing;
            if (clconv_plan_create(ctx, p, algos[a], &plan) ||
                clconv_plan_set_weights(plan, w, NULL) ||
                clconv_plan_execute(plan, in, o, &timing) ||
                clEnqueueReadBuffer(clconv_context_queue(ctx), o, CL_TRUE, 0,
                                    no * sizeof(float), out, 0, NULL, NULL) != CL_SUCCESS)
                snprintf(t->failure, sizeof t->failure, "%s: %s", clconv_algo_name(algos[a]),
                         clconv_last_error(ctx));
            else if (!(clconv_rel_l2_error(out, t->ref, no) < CLCONV_VERIFY_TOLERANCE))
                snprintf(t->failure, sizeof t->failure, "%s: wrong result",
                         clconv_algo_name(algos[a]));
            clconv_plan_destroy(plan);
            /* the context-less error slot is this thread's own */
            clconv_problem bad = *p;
            bad.stride_h = -t->id;
            char want[32];
            snprintf(want, sizeof want, "stride_h = %d", -t->id);
            if (!t->failure[0] && (clconv_problem_validate(&bad) != CLCONV_ERR_INVALID_ARG ||
                                   !strstr(clconv_last_error(NULL), want)))
                snprintf(t->failure, sizeof t->failure, "thread %d read \"%s\"", t->id,
                         clconv_last_error(NULL));
        }
    if ((e1 || e2 || e3) && !t->failure[0])
        snprintf(t->failure, sizeof t->failure, "clCreateBuffer: %d %d %d", e1, e2, e3);
    clReleaseMemObject(in);
    clReleaseMemObject(w);
    clReleaseMemObject(o);
    if (clconv_context_destroy(ctx) != CLCONV_SUCCESS && !t->failure[0])
        snprintf(t->failure, sizeof t->failure, "context_destroy: %s", clconv_last_error(NULL));
    free(out);
    return NULL;
}

/* The header's thread rule: contexts on different threads at once, each
 * with its own plans, results and errors; nothing left alive after. */
static void test_threads(void **state)
{
    (void)state;
    const clconv_problem p = FIXTURE_PROBLEM(2, 5, 12, 13, 6, 3, 3, 1, 1, 1, 1, 1, 1);
    size_t ni = clconv_problem_input_elems(&p), nw = clconv_problem_weight_elems(&p);
    size_t no = clconv_problem_output_elems(&p);
    float *host = malloc((ni + nw + no) * sizeof *host);
    assert_non_null(host);
    uint32_t seed = 7u;
    fixture_fill(host, ni + nw, &seed);
    assert_int_equal(clconv_reference_conv2d(&p, host, host + ni, NULL, host + ni + nw),
                     CLCONV_SUCCESS);
    int contexts0, plans0;
    clconv_live_objects(&contexts0, &plans0);
    worker t[3];
    pthread_t threads[3];
    for (int i = 0; i < 3; i++) {
        t[i] = (worker){.p = &p, .input = host, .weights = host + ni, .ref = host + ni + nw,
                        .id = i + 1};
        assert_int_equal(pthread_create(&threads[i], NULL, work, &t[i]), 0);
    }
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    for (int i = 0; i < 3; i++)
        if (t[i].failure[0])
            fail_msg("thread %d: %s", t[i].id, t[i].failure);
    int contexts, plans;
    clconv_live_objects(&contexts, &plans);
    assert_int_equal(contexts, contexts0);
    assert_int_equal(plans, plans0);
    free(host);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_struct_sizes),
        cmocka_unit_test(test_log),
        cmocka_unit_test(test_enqueue),
        cmocka_unit_test(test_threads),
    };
    return fixture_run("api", tests, NULL, NULL);
}
