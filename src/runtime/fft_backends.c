/* The FFT backend table: one line per backend, indexed by clconv_fft_backend. */
#include "runtime/fft.h"

extern const rt_fft_backend rt_fft_clfft, rt_fft_dft, rt_fft_vkfft;

static const rt_fft_backend *const backends[CLCONV_FFT_BACKEND_COUNT] = {
    [CLCONV_FFT_BACKEND_CLFFT] = &rt_fft_clfft,
    [CLCONV_FFT_BACKEND_CLCONV] = &rt_fft_dft,
    [CLCONV_FFT_BACKEND_VKFFT] = &rt_fft_vkfft,
};

/* CLCONV_FFT_BACKEND_DEFAULT's order: the first that takes both sides of a
 * plan's planes. clconv's DFT for the small tiles (several times faster
 * than clFFT on PoCL), then VkFFT (faster than clFFT on PoCL, the reorder
 * into clconv's layouts included), then clFFT: docs/algorithms.md has the
 * measurements. A backend left out is never the default's. */
static const clconv_fft_backend default_order[] = {
    CLCONV_FFT_BACKEND_CLCONV,
    CLCONV_FFT_BACKEND_VKFFT,
    CLCONV_FFT_BACKEND_CLFFT,
};

int rt_fft_smooth(size_t n, size_t largest)
{
    if (n == 0)
        return 0;
    for (size_t f = 2; f <= largest && n > 1; f++)
        while (n % f == 0)
            n /= f;
    return n == 1;
}

const rt_fft_backend *rt_fft_backend_get(clconv_fft_backend asked)
{
    if ((int)asked <= (int)CLCONV_FFT_BACKEND_DEFAULT || asked >= CLCONV_FFT_BACKEND_COUNT)
        return NULL;
    return backends[asked];
}

const rt_fft_backend *rt_fft_backend_default_order(int i, clconv_fft_backend *id)
{
    if (i < 0 || (size_t)i >= sizeof default_order / sizeof default_order[0])
        return NULL;
    if (id)
        *id = default_order[i];
    return backends[default_order[i]];
}

const char *clconv_fft_backend_name(clconv_fft_backend backend)
{
    if ((int)backend < 0 || backend >= CLCONV_FFT_BACKEND_COUNT)
        return NULL;
    return backend == CLCONV_FFT_BACKEND_DEFAULT ? "default" : backends[backend]->name;
}

static const char *name_at(int i)
{
    return clconv_fft_backend_name((clconv_fft_backend)i);
}

clconv_status clconv_fft_backend_from_name(const char *name, clconv_fft_backend *out)
{
    int b;
    clconv_status st =
        rt_enum_from_name("FFT backend", name_at, CLCONV_FFT_BACKEND_COUNT, name, out, &b);
    if (!st)
        *out = (clconv_fft_backend)b;
    return st;
}
