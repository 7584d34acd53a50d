/* The FFT backend table: one line per backend, indexed by clconv_fft_backend. */
#include "runtime/fft.h"

#include <stdio.h>
#include <string.h>

extern const rt_fft_backend rt_fft_clfft;

static const rt_fft_backend *const backends[CLCONV_FFT_BACKEND_COUNT] = {
    [CLCONV_FFT_BACKEND_CLFFT] = &rt_fft_clfft,
};

/* The default per device class: the fastest backend measured there (see
 * ../shared/DEVICE-FACTS.md). With clFFT the only backend, it is clFFT. */
static clconv_fft_backend default_for(const clconv_device_info *d)
{
    (void)d;
    return CLCONV_FFT_BACKEND_CLFFT;
}

const rt_fft_backend *rt_fft_backend_get(clconv_fft_backend asked, const clconv_device_info *d,
                                         clconv_fft_backend *resolved)
{
    if ((int)asked < 0 || asked >= CLCONV_FFT_BACKEND_COUNT)
        return NULL;
    if (asked == CLCONV_FFT_BACKEND_DEFAULT)
        asked = default_for(d);
    if (resolved)
        *resolved = asked;
    return backends[asked];
}

const char *clconv_fft_backend_name(clconv_fft_backend backend)
{
    if ((int)backend < 0 || backend >= CLCONV_FFT_BACKEND_COUNT)
        return NULL;
    return backend == CLCONV_FFT_BACKEND_DEFAULT ? "default" : backends[backend]->name;
}

clconv_status clconv_fft_backend_from_name(const char *name, clconv_fft_backend *out)
{
    if (!out)
        return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "fft_backend_from_name: out is NULL");
    for (int b = 0; b < CLCONV_FFT_BACKEND_COUNT; b++)
        if (name && strcmp(name, clconv_fft_backend_name((clconv_fft_backend)b)) == 0) {
            *out = (clconv_fft_backend)b;
            return CLCONV_SUCCESS;
        }
    char names[128] = "";
    for (int b = 0; b < CLCONV_FFT_BACKEND_COUNT; b++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", b ? ", " : "",
                 clconv_fft_backend_name((clconv_fft_backend)b));
    return rt_fail(NULL, CLCONV_ERR_INVALID_ARG, "unknown FFT backend \"%s\" (one of: %s)",
                   name ? name : "", names);
}
