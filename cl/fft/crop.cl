/* The last FFT stage: gather each output from the valid region of its
 * tile's circular correlation, at the stride, scale by 1/(Ph*Pw) (the
 * inverse is unscaled) and apply the epilogue (EPI, common/prelude.cl: the
 * bias and what the plan adds), writing NCHW.
 *
 * Stride-1 output (sy, sx) lies in tile (sy / step_h, sx / step_w) at
 * (sy % step_h, sx % step_w): each tile holds step_h x step_w valid
 * outputs at its top-left (one tile covering the image: the plain crop).
 *
 * Index space: dim 0 = OW, dim 1 = OH, dim 2 = N*C_out planes; one
 * work-item writes one output.
 *   real [N][tiles][C_out][Ph][Pw]  float: each tile's stride-1 correlation
 *   bias [C_out]                    float, read when has_bias
 *   out  [N][C_out][OH][OW]         float
 *   resid [N][C_out][OH][OW]        float, the residual, read only when EPI_RES */

__kernel void crop(__global const float *restrict real, __global const float *restrict bias,
                   __global float *restrict out, __global const float *restrict resid, int C_out,
                   int OH, int OW, int SH, int SW, int Ph, int Pw, int has_bias, int tiles_w,
                   int tiles, int step_h, int step_w)
{
    const int ow = (int)get_global_id(0), oh = (int)get_global_id(1);
    const size_t plane = get_global_id(2);
    const size_t co = plane % (size_t)C_out, n = plane / (size_t)C_out;
    const int sy = oh * SH, sx = ow * SW;
    const int ty = sy / step_h, tx = sx / step_w;
    const size_t src = (n * tiles + (size_t)(ty * tiles_w + tx)) * C_out + co;
    const float scale = 1.0f / ((float)Ph * (float)Pw);
    const float v =
        real[(src * Ph + (size_t)(sy - ty * step_h)) * Pw + (size_t)(sx - tx * step_w)] * scale;
    const size_t at = (plane * OH + oh) * OW + ow;
    out[at] = EPI(v, has_bias ? bias[co] : 0.0f, resid[at]);
}
