#!/usr/bin/python3
"""The float32 rounding error of Winograd tile sizes, simulated in numpy.

Builds F(m x m, r x r) by Toom-Cook from interpolation points (plus the point
at infinity), runs it in float32 on standard-normal data summed over C input
channels, as clconv's winograd does (transforms, then one sum over channels
per tile element, then the output transform), and prints the relative L2
error against a float64 direct convolution. The README's Winograd section
quotes it for the tile sizes clconv does not build.

usage: bench/winograd_error.py [--channels C] [--tiles T]
"""
import argparse
from fractions import Fraction

import numpy as np


def times_x_minus(poly, q):
    """poly(x) * (x - q), coefficients in ascending powers."""
    out = [Fraction(0)] + poly
    for t in range(len(out) - 1):
        out[t] -= q * out[t + 1]
    return out


def matrices(m, r, points):
    """A^T (m x a), G (a x r), B^T (a x a) with a = m + r - 1."""
    a = m + r - 1
    assert len(points) == a - 1
    at, g, bt = np.zeros((m, a)), np.zeros((a, r)), np.zeros((a, a))
    for j, p in enumerate(points):
        norm = Fraction(1)
        poly = [Fraction(1)]
        for l, q in enumerate(points):
            if l != j:
                norm *= p - q
                poly = times_x_minus(poly, q)
        at[:, j] = [float(Fraction(p) ** i) for i in range(m)]
        g[j, :] = [float(Fraction(p) ** k / norm) for k in range(r)]
        bt[j, :len(poly)] = [float(c) for c in poly]
    poly = [Fraction(1)]
    for q in points:
        poly = times_x_minus(poly, q)
    at[m - 1, a - 1] = g[a - 1, r - 1] = 1.0
    bt[a - 1, :] = [float(c) for c in poly]
    return at, g, bt


def error(m, r, points, channels, tiles, seed=0):
    at, g_t, bt = (x.astype(np.float32) for x in matrices(m, r, points))
    a = m + r - 1
    rng = np.random.default_rng(seed)
    d = rng.standard_normal((channels, tiles, a, a))
    w = rng.standard_normal((channels, r, r))
    ref = np.zeros((tiles, m, m))
    for i in range(m):
        for j in range(m):
            ref[:, i, j] = np.einsum("ctxy,cxy->t", d[:, :, i:i + r, j:j + r], w)
    f = np.float32
    u = np.einsum("ak,ckl,bl->cab", g_t, w.astype(f), g_t).astype(f)
    v = np.einsum("ak,ctkl,bl->ctab", bt, d.astype(f), bt).astype(f)
    mm = np.einsum("cab,ctab->tab", u, v).astype(f)
    y = np.einsum("ia,tab,jb->tij", at, mm, at).astype(f)
    return float(np.linalg.norm(y - ref) / np.linalg.norm(ref))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--channels", type=int, default=256)
    ap.add_argument("--tiles", type=int, default=64)
    args = ap.parse_args()
    half = Fraction(1, 2)
    small = [0, 1, -1, 2, -2]
    for name, m, r, points in [("F(4x4,3x3)", 4, 3, small), ("F(2x2,5x5)", 2, 5, small),
                               ("F(6x6,3x3)", 6, 3, small + [half, -half]),
                               ("F(4x4,5x5)", 4, 5, small + [half, -half])]:
        print(f"{name}: relative L2 error {error(m, r, points, args.channels, args.tiles):.2e}")


if __name__ == "__main__":
    main()
