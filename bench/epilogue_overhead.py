#!/usr/bin/python3
"""What the fused epilogue adds to a convolution's device time, measured in one
process with the two plans' runs interleaved, so that the machine's drift
(which moves a PoCL kernel by 10-40% from one process to the next) falls on
both alike.

    bench/epilogue_overhead.py --net resnet50 --kinds dense --batch 1 \\
        --activation relu --residual --out overhead.jsonl

For each distinct layer of the networks (bench/layers_vs_torch.py finds
them in torchvision's architectures, weights=None) it makes the plan
algo="auto" makes without an epilogue, then a plan of the same algorithm
with the epilogue, sets random weights and a bias on both, and runs them
alternately, BLOCK runs of one then BLOCK of the other, ROUNDS times; the
device time of each run comes from the plan's profiling events
(plan.timing()). It prints a markdown table, the medians and their ratio
per layer and the count-weighted totals, and writes one JSON object a layer
to --out. Every run's output is checked against PyTorch's float64 sequence
once first.

Needs the clconv package (PYTHONPATH=python), python3-torch and
python3-torchvision, hence /usr/bin/python3.
"""

import argparse
import json
import os
import statistics
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
os.environ.setdefault("POCL_AFFINITY", "1")  # as clconv-bench: PoCL's workers pinned

import clconv  # noqa: E402
import layers_vs_torch  # noqa: E402


def reference(x, w, b, z, stride, pad, groups, act):
    import torch
    import torch.nn.functional as F
    t = lambda a: torch.from_numpy(a.astype(np.float64))  # noqa: E731
    y = F.conv2d(t(x), t(w), t(b), stride=stride, padding=pad, groups=groups)
    if z is not None:
        y = y + t(z)
    return {"none": lambda v: v, "relu": F.relu, "relu6": F.relu6, "silu": F.silu,
            "sigmoid": torch.sigmoid, "tanh": torch.tanh, "hardswish": F.hardswish,
            "gelu": lambda v: F.gelu(v, approximate="tanh")}[act](y).numpy()


def device_ms(plan):
    return plan.timing()["device_ms"]


def measure(ctx, args, c, h, o, k, s, p, g):
    rng = np.random.default_rng(c * 7 + h * 13 + o + k)
    x = rng.standard_normal((args.batch, c, h, h)).astype(np.float32)
    w = (rng.standard_normal((o, c // g, k, k)) / np.sqrt(c // g * k * k)).astype(np.float32)
    b = rng.standard_normal(o).astype(np.float32)
    kw = dict(stride=s, padding=p, groups=g)
    with ctx.plan(x.shape, w.shape, algo="auto", **kw) as plain:
        algo = plain.algo
        with ctx.plan(x.shape, w.shape, algo=algo, activation=args.activation,
                      residual=args.residual, **kw) as fused:
            plain.set_weights(w, b)
            fused.set_weights(w, b)
            z = rng.standard_normal(plain.output_shape).astype(np.float32) \
                if args.residual else None
            run_fused = lambda: fused(x, residual=z)  # noqa: E731
            ref = reference(x, w, b, z, s, p, g, args.activation)
            err = float(np.linalg.norm(run_fused() - ref) / np.linalg.norm(ref))
            if not err <= 1e-4:
                raise SystemExit(f"{algo} with the epilogue on {c}->{o} @{h} k{k}: relative "
                                 f"error {err:.3g}")
            times = {"plain": [], "fused": []}
            for _ in range(args.rounds):
                for side, run, plan in (("plain", lambda: plain(x), plain),
                                        ("fused", run_fused, fused)):
                    for _ in range(args.block):
                        run()
                        times[side].append(device_ms(plan))
    plain_ms, fused_ms = (statistics.median(times[s]) for s in ("plain", "fused"))
    return {"algo": algo, "plain_ms": plain_ms, "fused_ms": fused_ms, "rel_err": err,
            "runs": len(times["plain"])}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--net", action="append", default=[], help="a torchvision architecture")
    ap.add_argument("--kinds", choices=sorted(layers_vs_torch.KINDS), default="all")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--activation", default="relu",
                    help="relu, relu6, silu, sigmoid, tanh, hardswish, gelu or none")
    ap.add_argument("--residual", action="store_true")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--block", type=int, default=5)
    ap.add_argument("--device", default="pocl")
    ap.add_argument("--out", help="one JSON object a layer")
    args = ap.parse_args()
    if not args.net:
        ap.error("give --net")
    out = open(args.out, "w", encoding="utf-8") if args.out else None
    epilogue = args.activation + (", residual" if args.residual else "")
    print(f"epilogue: {epilogue}; batch {args.batch}; device ms, median of "
          f"{args.rounds} x {args.block} interleaved runs a side\n")
    print("| network | layer | count | algorithm | plain ms | fused ms | fused / plain |")
    print("|---|---|---:|---|---:|---:|---:|")
    with clconv.Context(args.device) as ctx:
        for net in args.net:
            total = [0.0, 0.0]
            for (c, h, o, k, s, p, g), n in layers_vs_torch.network_layers(net, args.kinds).items():
                row = measure(ctx, args, c, h, o, k, s, p, g)
                row.update(net=net, batch=args.batch, in_channels=c, size=h, out_channels=o,
                           kernel=k, stride=s, pad=p, groups=g, count=n, epilogue=epilogue)
                if out:
                    out.write(json.dumps(row) + "\n")
                    out.flush()
                total[0] += n * row["plain_ms"]
                total[1] += n * row["fused_ms"]
                shape = f"{c}->{o} @{h} k{k} s{s}" + (f" g{g}" if g > 1 else "")
                print(f"| {net} | {shape} | {n} | {row['algo']} | {row['plain_ms']:.3f} | "
                      f"{row['fused_ms']:.3f} | {row['fused_ms'] / row['plain_ms']:.3f} |",
                      flush=True)
            print(f"| **{net}** | all | | | **{total[0]:.3f}** | **{total[1]:.3f}** | "
                  f"**{total[1] / total[0]:.3f}** |")


if __name__ == "__main__":
    main()
