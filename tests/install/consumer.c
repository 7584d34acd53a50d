/* Uses the installed header and library without any device. */
#include <clconv.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    clconv_problem p;
    clconv_problem_init(&p);
    p.stride_h = 0;
    if (clconv_problem_validate(&p) != CLCONV_ERR_INVALID_ARG ||
        !strstr(clconv_last_error(NULL), "stride_h = 0")) {
        fprintf(stderr, "installed clconv does not validate\n");
        return 1;
    }
    printf("consumer OK: %s %s\n", CLCONV_VERSION_STRING, clconv_status_string(CLCONV_SUCCESS));
    return 0;
}
