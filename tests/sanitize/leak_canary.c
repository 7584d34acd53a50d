/* The sanitizer check's own canary: it opens a clconv context on the test
 * device (so the OpenCL implementation is loaded and the suppressions in
 * lsan.supp are in force, as in the suites), then loses a block allocated
 * by a clconv-side function. run.cmake requires LeakSanitizer to report
 * that block: if a suppression or an unwinder setting ever hides a leak in
 * our own code, the sanitizer check fails instead of passing quietly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clconv.h"

__attribute__((noinline)) static void *clconv_leak_canary_block(size_t bytes)
{
    void *p = malloc(bytes);
    if (p)
        memset(p, 0x5a, bytes);
    return p;
}

int main(void)
{
    clconv_context *ctx = NULL;
    clconv_status st = clconv_context_create(NULL, NULL, &ctx);
    if (st != CLCONV_SUCCESS) {
        fprintf(stderr, "leak_canary: no context: %s\n", clconv_status_string(st));
        return 3;
    }
    volatile void *lost = clconv_leak_canary_block(4321);
    printf("leak_canary: lost %p\n", (void *)lost);
    lost = NULL;
    clconv_context_destroy(ctx);
    return 0;
}
