/* The CLBlast GEMM backend (runtime/gemm.h): the one place clconv calls
 * CLBlast's GEMMs. It has no tiles of clconv's: a tile asked for is ignored. A routine's first call on a device compiles its kernels:
 * rt_quiet keeps the compiler's warnings about them off stderr. */
#include "runtime/gemm.h"

#include <clblast_c.h>
#include <stdio.h>

/* CLBlast keeps every program it builds in a process-wide cache, and each
 * program holds a reference to its cl_context: without this, a caller's
 * context that clconv used would never be freed. CLBlast can only clear the
 * whole cache, so other live contexts recompile their GEMM kernels at their
 * next call (correct, seconds slower on PoCL). */
void rt_gemm_release(clconv_context *ctx)
{
    if (ctx->used_gemm)
        CLBlastClearCache();
    ctx->used_gemm = 0;
}

static clconv_status clblast_sgemm(clconv_context *ctx, const rt_gemm *g,
                                   const rt_sgemm_tile *tile, cl_event *event)
{
    (void)tile;
    ctx->used_gemm = 1;
    cl_command_queue q = ctx->queue;
    CLBlastStatusCode st;
    char detail[256];
    snprintf(detail, sizeof detail,
             "row-major M=%zu N=%zu K=%zu lda=%zu ldb=%zu ldc=%zu batch=%zu", g->m, g->n, g->k,
             g->lda, g->ldb, g->ldc, g->batch);
    const char *call = g->batch == 1 ? "CLBlastSgemm" : "CLBlastSgemmStridedBatched";
    int quiet = rt_quiet_begin(ctx, call);
    if (g->batch == 1)
        st = CLBlastSgemm(CLBlastLayoutRowMajor, CLBlastTransposeNo, CLBlastTransposeNo, g->m, g->n,
                          g->k, 1.0f, g->a, g->a_offset, g->lda, g->b, g->b_offset, g->ldb, 0.0f,
                          g->c, g->c_offset, g->ldc, &q, event);
    else
        st = CLBlastSgemmStridedBatched(CLBlastLayoutRowMajor, CLBlastTransposeNo,
                                        CLBlastTransposeNo, g->m, g->n, g->k, 1.0f, g->a,
                                        g->a_offset, g->lda, g->a_stride, g->b, g->b_offset,
                                        g->ldb, g->b_stride, 0.0f, g->c, g->c_offset, g->ldc,
                                        g->c_stride, g->batch, &q, event);
    rt_quiet_end(ctx, call, quiet, st != CLBlastSuccess);
    if (st != CLBlastSuccess)
        return rt_clblast_fail(ctx, st, call, detail);
    return CLCONV_SUCCESS;
}

static clconv_status clblast_cgemm_conj_b(clconv_context *ctx, const rt_gemm *g, cl_event *event)
{
    ctx->used_gemm = 1;
    cl_command_queue q = ctx->queue;
    const cl_float2 one = {{1.0f, 0.0f}}, zero = {{0.0f, 0.0f}};
    int quiet = rt_quiet_begin(ctx, "CLBlastCgemmStridedBatched");
    CLBlastStatusCode st = CLBlastCgemmStridedBatched(
        CLBlastLayoutRowMajor, CLBlastTransposeNo, CLBlastTransposeConjugate, g->m, g->n, g->k,
        one, g->a, g->a_offset, g->lda, g->a_stride, g->b, g->b_offset, g->ldb, g->b_stride, zero,
        g->c, g->c_offset, g->ldc, g->c_stride, g->batch, &q, event);
    rt_quiet_end(ctx, "CLBlastCgemmStridedBatched", quiet, st != CLBlastSuccess);
    if (st != CLBlastSuccess) {
        char detail[256];
        snprintf(detail, sizeof detail,
                 "row-major B conjugate-transposed, M=%zu N=%zu K=%zu lda=%zu ldb=%zu ldc=%zu "
                 "batch=%zu", g->m, g->n, g->k, g->lda, g->ldb, g->ldc, g->batch);
        return rt_clblast_fail(ctx, st, "CLBlastCgemmStridedBatched", detail);
    }
    return CLCONV_SUCCESS;
}

/* CLBlast compiles inside its first call: no sgemm_prepare, no cgemm_prepare. */
const rt_gemm_backend rt_gemm_clblast = {
    .name = "clblast",
    .sgemm = clblast_sgemm,
    .sgemm_prepare = NULL,
    .cgemm_conj_b = clblast_cgemm_conj_b,
    .cgemm_prepare = NULL,
};
