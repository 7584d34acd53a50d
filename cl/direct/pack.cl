/* The two data movers of the direct convolution (cl/direct/direct.cl), in
 * their own program with no build option: they take every size as an
 * argument, so one program serves every problem and every tile of the tuner
 * instead of one compile per channel block and kernel size (they run once
 * per set_weights and once per execute, each a fraction of the conv). */

/* wp[ob][t][0..ocb) = w[oc][t] for the block's output channels oc (block ob
 * holds channels gb*ocb .. of group ob / group_blocks, gb = ob %
 * group_blocks), zero past the group's group_out channels, for the taps
 * t = (c, kh, kw) of one output channel (C_in / groups * KH * KW of them).
 * Index space: items = taps * oc_blocks work-items in one dimension, taps
 * fastest, rounded up to a fixed group (conv_enqueue_items): a group size
 * the runtime picked per problem would compile a variant per problem on
 * PoCL. Runs once per set_weights. */
__kernel void pack_weights(__global const float *restrict w, __global float *restrict wp,
                           int taps, int group_out, int ocb, int group_blocks, int items)
{
    const int id = (int)get_global_id(0);
    if (id >= items)
        return;
    const int t = id % taps;
    const int ob = id / taps;
    const int first = ob / group_blocks * group_out, gb = ob % group_blocks;
    __global float *dst = wp + ((size_t)ob * taps + t) * ocb;
    for (int o = 0; o < ocb; o++) {
        const int q = gb * ocb + o;
        dst[o] = q < group_out ? w[(size_t)(first + q) * taps + t] : 0.0f;
    }
}

/* out[img][c][hp][wp] = in[in_image0 + img][c][hp - PH][wp - PW], zero
 * outside the input: the padded copy conv_direct reads when the caller's
 * rows do not cover every tap. Index space: items = HP rows * images *
 * C_in planes in one dimension, rows fastest, rounded up to a fixed group
 * (as pack_weights); a work-item copies one row. The row is its zero
 * edges and a straight copy between them (WP = PW + W + the right pad):
 * loops with no condition per element, which the compiler turns into
 * vector moves (a select per element ran this stage at a fifth of the copy
 * bandwidth). */
__kernel void pad_input(__global const float *restrict in, __global float *restrict out, int H,
                        int W, int HP, int WP, int PH, int PW, int in_image0, int C_in,
                        int items)
{
    const int id = (int)get_global_id(0);
    if (id >= items)
        return;
    const int hp = id % HP;
    const int plane = id / HP;
    const int ih = hp - PH;
    __global float *dst = out + ((size_t)plane * HP + hp) * WP;
    if (ih < 0 || ih >= H) {
        for (int x = 0; x < WP; x++)
            dst[x] = 0.0f;
        return;
    }
    __global const float *row = in + ((size_t)in_image0 * C_in + plane) * H * W + (size_t)ih * W;
    const int copied = min(W, WP - PW); /* never past the padded row, whatever the sizes */
    for (int x = 0; x < PW; x++)
        dst[x] = 0.0f;
    for (int x = 0; x < copied; x++)
        dst[PW + x] = row[x];
    for (int x = PW + copied; x < WP; x++)
        dst[x] = 0.0f;
}
