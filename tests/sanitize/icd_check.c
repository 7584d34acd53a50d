/* Linked into every executable of the sanitizer build (the suites,
 * clconv-bench, the canary): a process that has loaded one of the libraries
 * CLCONV_ICD_DENY lists (colon-separated file names: the OpenCL
 * implementations other than the device's, from /etc/OpenCL/vendors) fails
 * at exit, naming it, before LeakSanitizer's own check runs.
 *
 * The sanitizer run shows the ICD loader only the device's .icd
 * (OCL_ICD_VENDORS). A test that lost that setting would load Mesa's
 * Clover, whose start-up leak LeakSanitizer reports with a stack that ends
 * at "<unknown module>": this makes the cause plain instead. (An LD_AUDIT
 * module would see the load as it happens, but LeakSanitizer's tracer
 * crashes in a process audited that way.) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 1 when the file name of path is one of the colon-separated names, or one
 * of them with more version numbers: the .icd names the soname
 * (libMesaOpenCL.so.1), /proc/self/maps the file it links to
 * (libMesaOpenCL.so.1.0.0). */
static int denied(const char *names, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (const char *s = names; *s;) {
        size_t len = strcspn(s, ":");
        if (len && strncmp(base, s, len) == 0 && (base[len] == '\0' || base[len] == '.'))
            return 1;
        s += len + (s[len] == ':');
    }
    return 0;
}

static void check_loaded_icds(void)
{
    const char *deny = getenv("CLCONV_ICD_DENY");
    FILE *maps = deny && *deny ? fopen("/proc/self/maps", "r") : NULL;
    if (!maps)
        return;
    char line[4096];
    while (fgets(line, sizeof line, maps)) {
        line[strcspn(line, "\n")] = '\0';
        const char *path = strchr(line, '/');
        if (path && denied(deny, path)) {
            const char *vendors = getenv("OCL_ICD_VENDORS");
            fprintf(stderr,
                    "icd_check: this process loaded %s, an OpenCL implementation other than the "
                    "device under test's (OCL_ICD_VENDORS=%s): something changed the environment "
                    "the sanitizer run set\n",
                    path, vendors ? vendors : "(unset)");
            fflush(stderr);
            _exit(97);
        }
    }
    fclose(maps);
}

/* atexit handlers run last-registered first: registered here, after the
 * sanitizer runtime's initialisation, this runs before its leak check. */
__attribute__((constructor)) static void install_icd_check(void)
{
    atexit(check_loaded_icds);
}
