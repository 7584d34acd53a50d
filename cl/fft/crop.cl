/* The last FFT stage: crop the valid region of the circular correlation,
 * sample it at the stride, scale by 1/(Ph*Pw) (the inverse is unscaled) and
 * add the bias, writing NCHW.
 *
 * Index space: dim 0 = OW, dim 1 = OH, dim 2 = N*C_out planes; one
 * work-item writes one output.
 *   real [planes][Ph][Pw]    float: the stride-1 correlation at (0, 0)
 *   bias [C_out]             float, read when has_bias
 *   out  [planes][OH][OW]    float */

__kernel void crop(__global const float *restrict real, __global const float *restrict bias,
                   __global float *restrict out, int C_out, int OH, int OW, int SH, int SW, int Ph,
                   int Pw, int has_bias)
{
    const int ow = (int)get_global_id(0), oh = (int)get_global_id(1);
    const size_t plane = get_global_id(2);
    const float scale = 1.0f / ((float)Ph * (float)Pw);
    const float v = real[(plane * Ph + (size_t)oh * SH) * Pw + (size_t)ow * SW] * scale;
    out[(plane * OH + oh) * OW + ow] = has_bias ? v + bias[plane % C_out] : v;
}
