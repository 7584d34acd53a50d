/* Kernels that measure the device's own peaks (src/analysis/peaks.c).
 *
 * copy_stream — index space: one work-item per floatv (VEC floats); it reads
 * one vector of src and writes it to dst. Buffers: src, dst [n * VEC] float.
 * Wide explicit vectors: PoCL only streams at full speed with them. */

__kernel void copy_stream(__global const float *restrict src, __global float *restrict dst)
{
    const size_t i = get_global_id(0) * VEC;
    VSTORE(VLOAD(src + i), dst + i);
}
