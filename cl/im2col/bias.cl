/* Adds each output channel's bias to its whole plane.
 *
 * Index space: dim 0 = ceil(P / VEC) blocks of one output plane (P = OH*OW),
 * dim 1 = N * C_out planes. One work-item updates VEC consecutive outputs.
 *
 * Buffers, float32: out [N][C_out][P] (read and written), bias [C_out]. */

__kernel void add_bias(__global float *restrict out, __global const float *restrict bias,
                       int C_out, int P)
{
    const int j0 = (int)get_global_id(0) * VEC;
    const int plane = (int)get_global_id(1);
    if (j0 >= P)
        return;
    const float b = bias[plane % C_out];
    __global float *o = out + (size_t)plane * P + j0;
    if (j0 + VEC <= P) {
        VSTORE(VLOAD(o) + (floatv)(b), o);
    } else {
        for (int t = 0; t < P - j0; t++)
            o[t] += b;
    }
}
