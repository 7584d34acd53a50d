/* Spectra between VkFFT's layout and clconv's (src/runtime/fft_vkfft.c).
 * VkFFT writes and reads half spectra interleaved and plane-major:
 * complex element (plane b, frequency f = ky FW + kx) at b * FREQS + f.
 * clconv's layouts (src/runtime/fft.h):
 * -D FREQ_MAJOR: interleaved and frequency-major, at f * planes + b (re
 *    holds them, im is unused); work-items run along planes first, so
 *    neighbours write neighbours;
 * else: planar and plane-major, at b * pitch + f in re and im.
 *
 * from_vkfft: after VkFFT's forward transform; to_vkfft: before its inverse. */

#ifdef FREQ_MAJOR
#define PLANE() get_global_id(0)
#define FREQ() get_global_id(1)
#else
#define PLANE() get_global_id(1)
#define FREQ() get_global_id(0)
#endif

__kernel void from_vkfft(__global const float *restrict vk, __global float *restrict re,
                         __global float *restrict im, int planes, int freqs, int pitch)
{
    const size_t b = PLANE(), f = FREQ();
    if (b >= (size_t)planes || f >= (size_t)freqs)
        return;
    const size_t src = 2 * (b * (size_t)freqs + f);
#ifdef FREQ_MAJOR
    (void)im;
    (void)pitch;
    const size_t dst = 2 * (f * (size_t)planes + b);
    re[dst] = vk[src];
    re[dst + 1] = vk[src + 1];
#else
    re[b * (size_t)pitch + f] = vk[src];
    im[b * (size_t)pitch + f] = vk[src + 1];
#endif
}

__kernel void to_vkfft(__global const float *restrict re, __global const float *restrict im,
                       __global float *restrict vk, int planes, int freqs, int pitch)
{
    const size_t b = PLANE(), f = FREQ();
    if (b >= (size_t)planes || f >= (size_t)freqs)
        return;
    const size_t dst = 2 * (b * (size_t)freqs + f);
#ifdef FREQ_MAJOR
    (void)im;
    (void)pitch;
    const size_t src = 2 * (f * (size_t)planes + b);
    vk[dst] = re[src];
    vk[dst + 1] = re[src + 1];
#else
    vk[dst] = re[b * (size_t)pitch + f];
    vk[dst + 1] = im[b * (size_t)pitch + f];
#endif
}
