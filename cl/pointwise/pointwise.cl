/* The original benchmark's broadcast multiply (not a convolution):
 *   out[o][s] = x[s] * k[o][s],  s over C_in*H*W
 * It exists to show a memory-bound op: 1 FLOP per 12 bytes.
 *
 * Index space: one dimension of C_out * ceil(S / VEC) work-items (row-major
 * over [C_out][blocks]: a 1D range streams fastest on PoCL); one work-item
 * multiplies VEC consecutive elements.
 *   x [S], k [C_out][S], out [C_out][S]   float */

__kernel void pointwise(__global const float *restrict x, __global const float *restrict k,
                        __global float *restrict out, int S)
{
    const size_t blocks = ((size_t)S + VEC - 1) / VEC;
    const int s = (int)(get_global_id(0) % blocks) * VEC;
    const size_t row = get_global_id(0) / blocks * (size_t)S;
    if (s + VEC <= S) {
        VSTORE(VLOAD(x + s) * VLOAD(k + row + s), out + row + s);
    } else {
        for (int t = s; t < S; t++)
            out[row + t] = x[t] * k[row + t];
    }
}
