/* The GEMM backend table: one line per backend, indexed by clconv_gemm_backend. */
#include "runtime/gemm.h"


extern const rt_gemm_backend rt_gemm_clconv, rt_gemm_clblast;

static const rt_gemm_backend *const backends[CLCONV_GEMM_BACKEND_COUNT] = {
    [CLCONV_GEMM_BACKEND_CLCONV] = &rt_gemm_clconv,
    [CLCONV_GEMM_BACKEND_CLBLAST] = &rt_gemm_clblast,
};

/* The default on every device is clconv's own kernel: CLBlast 1.5 has no
 * parameters tuned for PoCL and reaches a small share of its FMA peak there
 * (docs/algorithms.md), and it compiles for tens of seconds at first use. */
static clconv_gemm_backend default_for(const clconv_device_info *d)
{
    (void)d;
    return CLCONV_GEMM_BACKEND_CLCONV;
}

const rt_gemm_backend *rt_gemm_backend_get(clconv_gemm_backend asked,
                                           const clconv_device_info *d,
                                           clconv_gemm_backend *resolved)
{
    if ((int)asked < 0 || asked >= CLCONV_GEMM_BACKEND_COUNT)
        return NULL;
    if (asked == CLCONV_GEMM_BACKEND_DEFAULT)
        asked = default_for(d);
    if (resolved)
        *resolved = asked;
    return backends[asked];
}

const rt_gemm_backend *rt_cgemm_backend_get(clconv_gemm_backend asked,
                                            const clconv_device_info *d,
                                            clconv_gemm_backend *resolved)
{
    const rt_gemm_backend *b = rt_gemm_backend_get(asked, d, resolved);
    if (b && !b->cgemm)
        b = rt_gemm_backend_get(CLCONV_GEMM_BACKEND_CLBLAST, d, resolved);
    return b;
}

const char *clconv_gemm_backend_name(clconv_gemm_backend backend)
{
    if ((int)backend < 0 || backend >= CLCONV_GEMM_BACKEND_COUNT)
        return NULL;
    return backend == CLCONV_GEMM_BACKEND_DEFAULT ? "default" : backends[backend]->name;
}

static const char *name_at(int i)
{
    return clconv_gemm_backend_name((clconv_gemm_backend)i);
}

clconv_status clconv_gemm_backend_from_name(const char *name, clconv_gemm_backend *out)
{
    int b;
    clconv_status st =
        rt_enum_from_name("GEMM backend", name_at, CLCONV_GEMM_BACKEND_COUNT, name, out, &b);
    if (!st)
        *out = (clconv_gemm_backend)b;
    return st;
}
