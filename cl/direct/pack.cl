/* The two data movers of the direct convolution (cl/direct/direct.cl), in
 * their own program: pad_input depends on no tile parameter and
 * pack_weights only on OCB and the kernel size, so the tuner's candidates
 * share them instead of compiling them again with each tile.
 *
 * Tunables (-D): OCB (channels per packed block), KH, KW. */

#ifndef OCB
#define OCB 16
#endif
#ifndef KH
#define KH 1
#endif
#ifndef KW
#define KW 1
#endif

/* wp[ob][c][kh][kw][0..OCB) = w[ob*OCB + o][c][kh][kw], zero past C_out.
 * Index space: dim 0 = C_in*KH*KW, dim 1 = oc_blocks. Runs once per
 * set_weights. */
__kernel void pack_weights(__global const float *restrict w, __global float *restrict wp,
                           int C_in, int C_out)
{
    const int ck = (int)get_global_id(0);
    const int ob = (int)get_global_id(1);
    const int taps = C_in * KH * KW;
    __global float *dst = wp + ((size_t)ob * taps + ck) * OCB;
    for (int o = 0; o < OCB; o++) {
        const int oc = ob * OCB + o;
        dst[o] = oc < C_out ? w[(size_t)oc * taps + ck] : 0.0f;
    }
}

/* out[img][c][hp][wp] = in[in_image0 + img][c][hp - PH][wp - PW], zero
 * outside the input: the padded copy conv_direct reads when the caller's
 * rows do not cover every tap. Index space: dim 0 = HP rows, dim 1 =
 * images * C_in planes; a work-item copies one row. */
__kernel void pad_input(__global const float *restrict in, __global float *restrict out, int H,
                        int W, int HP, int WP, int PH, int PW, int in_image0, int C_in)
{
    const int hp = (int)get_global_id(0);
    const int plane = (int)get_global_id(1);
    const int ih = hp - PH;
    __global float *dst = out + ((size_t)plane * HP + hp) * WP;
    __global const float *row =
        in + ((size_t)in_image0 * C_in + plane) * H * W + (size_t)clamp(ih, 0, H - 1) * W;
    const int inside = ih >= 0 && ih < H;
    for (int x = 0; x < WP; x++) {
        const int iw = x - PW;
        dst[x] = inside && iw >= 0 && iw < W ? row[iw] : 0.0f;
    }
}
