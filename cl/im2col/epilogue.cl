/* The epilogue pass after the GEMM: each output through EPI (common/prelude.cl:
 * its channel's bias and what the plan's epilogue adds), in place.
 *
 * Index space: dim 0 = ceil(P / VEC) blocks of one output plane (P = OH*OW),
 * dim 1 = N * C_out planes. One work-item updates VEC consecutive outputs.
 *
 * Buffers, float32: out [N][C_out][P] (read and written), bias [C_out]
 * (read when has_bias), resid [N][C_out][P] (read only when EPI_RES). */

__kernel void epilogue(__global float *restrict out, __global const float *restrict bias,
                       __global const float *restrict resid, int C_out, int P, int has_bias)
{
    const int j0 = (int)get_global_id(0) * VEC;
    const int plane = (int)get_global_id(1);
    if (j0 >= P)
        return;
    const float b = has_bias ? bias[plane % C_out] : 0.0f;
    const size_t at = (size_t)plane * P + j0;
    if (j0 + VEC <= P) {
        VSTORE(EPI(VLOAD(out + at), b, VLOAD(resid + at)), out + at);
    } else {
        for (int t = 0; t < P - j0; t++)
            out[at + t] = EPI(out[at + t], b, resid[at + t]);
    }
}
