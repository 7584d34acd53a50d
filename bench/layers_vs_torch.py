#!/usr/bin/python3
"""Real networks' grouped and depthwise convolution layers, clconv against
PyTorch on the same CPU, side by side.

    bench/layers_vs_torch.py --net mobilenet_v2 --net resnext50_32x4d \\
        --layer "alexnet_2012 96 27 256 5 1 2 2 1" --out results.jsonl

Layers come from torchvision's architectures (Debian's python3-torchvision;
weights=None, nothing is downloaded), found by running a zero input of the
network's size through the model with a hook on every Conv2d that has
groups > 1, so no shape is typed by hand; --layer adds one by hand
("NAME C_in H C_out K STRIDE PAD GROUPS COUNT", a square input and kernel).
Each distinct layer runs ROUNDS times, alternating one clconv-bench process
(every --algo, default auto, depthwise and direct, on --device-name) and
one bench/peers/torch_conv2d.py process (--threads), so that the two share
the machine's drift; the medians of the rounds' medians are reported. One
JSON object a layer goes to --out (or nowhere), and a markdown table with
each network's total (each layer weighted by how often it occurs) to
stdout.

Needs python3-torch and python3-torchvision, hence /usr/bin/python3.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))


def grouped_layers(net, size=224):
    """Counter of (C_in, H, C_out, K, stride, pad, groups) over net's grouped Conv2d."""
    import torch
    import torchvision.models as models

    model = getattr(models, net)(weights=None).eval()
    found = Counter()

    def hook(mod, inputs, _):
        if mod.groups > 1:
            x = inputs[0]
            found[(x.shape[1], x.shape[2], mod.out_channels, mod.kernel_size[0], mod.stride[0],
                   mod.padding[0], mod.groups)] += 1

    for mod in model.modules():
        if isinstance(mod, torch.nn.Conv2d):
            mod.register_forward_hook(hook)
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    return found


def problem_flags(c, h, o, k, s, p, g):
    return ["--batch", "1", "--in-channels", str(c), "--height", str(h), "--width", str(h),
            "--out-channels", str(o), "--kernel", str(k), "--stride", str(s), "--pad", str(p),
            "--groups", str(g)]


def measure(args, flags):
    ours = {a: [] for a in args.algo}
    choice, eff, torch_ms = "", {}, []
    for _ in range(args.rounds):
        cmd = [args.bench, "--device-name", args.device_name, *flags, "--format", "json"]
        for a in args.algo:
            cmd += ["--algo", a]
        doc = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
        for row in doc["results"]:
            if row["status"] == "ok":
                ours[row["algo"]].append(row["median_ms"])
                eff[row["algo"]] = row.get("efficiency")
                if row["algo"] == "auto":
                    choice = row["choice"]["algo"]
        peer = [sys.executable, os.path.join(HERE, "peers", "torch_conv2d.py"), "--bench",
                args.bench, *flags, "--algo", "torch-conv2d", "--threads", str(args.threads),
                "--format", "json"]
        doc = json.loads(subprocess.run(peer, capture_output=True, text=True,
                                        check=True).stdout)
        torch_ms += [r["median_ms"] for r in doc["results"] if r["status"] == "ok"]
    row = {"torch_ms": statistics.median(torch_ms), "auto_choice": choice}
    for a in args.algo:
        row[a + "_ms"] = statistics.median(ours[a]) if ours[a] else None
        row[a + "_efficiency"] = eff.get(a)
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--net", action="append", default=[], help="a torchvision architecture")
    ap.add_argument("--layer", action="append", default=[],
                    help='"NAME C_in H C_out K STRIDE PAD GROUPS COUNT"')
    ap.add_argument("--algo", action="append", help="clconv rows (default auto, depthwise, direct)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2, help="PyTorch's threads")
    ap.add_argument("--device-name", default="pocl")
    ap.add_argument("--bench", default=os.path.join(HERE, "..", "build", "bench", "clconv-bench"))
    ap.add_argument("--out", help="one JSON object a layer")
    args = ap.parse_args()
    args.algo = args.algo or ["auto", "depthwise", "direct"]
    layers = []
    for net in args.net:
        layers += [(net, *shape, n) for shape, n in grouped_layers(net).items()]
    for text in args.layer:
        name, *nums = text.split()
        if len(nums) != 8:
            ap.error(f"--layer {text!r}: NAME and 8 numbers")
        layers.append((name, *map(int, nums)))
    if not layers:
        ap.error("no layers: give --net or --layer")
    out = open(args.out, "w", encoding="utf-8") if args.out else None
    totals = {}
    print("| network | layer | count | PyTorch ms | clconv auto ms (chose) | auto / PyTorch | "
          "auto efficiency |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for net, c, h, o, k, s, p, g, n in layers:
        row = {"net": net, "in_channels": c, "size": h, "out_channels": o, "kernel": k,
               "stride": s, "pad": p, "groups": g, "count": n,
               **measure(args, problem_flags(c, h, o, k, s, p, g))}
        if out:
            out.write(json.dumps(row) + "\n")
            out.flush()
        t = totals.setdefault(net, [0.0, 0.0])
        t[0] += n * row["torch_ms"]
        t[1] += n * (row.get("auto_ms") or float("nan"))
        eff = row.get("auto_efficiency")
        print(f"| {net} | {c}->{o} @{h} k{k} s{s} g{g} | {n} | {row['torch_ms']:.3f} | "
              f"{row.get('auto_ms') or float('nan'):.3f} ({row['auto_choice']}) | "
              f"{(row.get('auto_ms') or float('nan')) / row['torch_ms']:.2f}x | "
              f"{'above the roof' if eff is None else f'{eff:.2f}'} |", flush=True)
    for net, (t, a) in totals.items():
        print(f"| **{net}** | all | | **{t:.3f}** | **{a:.3f}** | **{a / t:.2f}x** | |")


if __name__ == "__main__":
    main()
