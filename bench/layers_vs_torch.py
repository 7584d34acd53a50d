#!/usr/bin/python3
"""Real networks' convolution layers, clconv against PyTorch on the same CPU,
side by side.

    bench/layers_vs_torch.py --net mobilenet_v2 --net resnext50_32x4d \\
        --layer "alexnet_2012 96 27 256 5 1 2 2 1" --out results.jsonl
    bench/layers_vs_torch.py --net resnet50 --kinds dense --batch 8 \\
        --epilogue "--activation relu --residual" --out fused.jsonl

Layers come from torchvision's architectures (Debian's python3-torchvision;
weights=None, nothing is downloaded), found by running a zero input of the
network's size through the model with a hook on every Conv2d (--kinds:
grouped, groups > 1, by default; dense; or all), so no shape is typed by
hand; --layer adds one by hand ("NAME C_in H C_out K STRIDE PAD GROUPS
COUNT", a square input and kernel).
Each distinct layer runs ROUNDS times, alternating one clconv-bench process
(every --algo, default auto, depthwise and direct, on --device-name) and
one bench/peers/torch_conv2d.py process (--threads), so that the two share
the machine's drift; the medians of the rounds' medians are reported. One
JSON object a layer goes to --out (or nowhere), and a markdown table with
each network's total (each layer weighted by how often it occurs) to
stdout.

--epilogue "FLAGS" (clconv-bench's epilogue flags, e.g. "--activation relu
--residual") adds, in the same rounds, a clconv-bench process with the
epilogue fused and a peer process running it as PyTorch's separate ops
after conv2d (the peer's torch-conv2d row with the same flags): the table
then gives what the epilogue adds to each side. Only the first round's
clconv processes verify (the reference of a large layer takes seconds on
the host); the peer verifies in every round (see torch_ms).

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


KINDS = {"grouped": lambda groups: groups > 1, "dense": lambda groups: groups == 1,
         "all": lambda groups: True}


def network_layers(net, kinds="grouped", size=224):
    """Counter of (C_in, H, C_out, K, stride, pad, groups) over net's Conv2d of these kinds."""
    import torch
    import torchvision.models as models

    model = getattr(models, net)(weights=None).eval()
    found = Counter()
    wanted = KINDS[kinds]

    def hook(mod, inputs, _):
        if wanted(mod.groups):
            x = inputs[0]
            found[(x.shape[1], x.shape[2], mod.out_channels, mod.kernel_size[0], mod.stride[0],
                   mod.padding[0], mod.groups)] += 1

    for mod in model.modules():
        if isinstance(mod, torch.nn.Conv2d):
            mod.register_forward_hook(hook)
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    return found


def problem_flags(c, h, o, k, s, p, g, batch=1):
    return ["--batch", str(batch), "--in-channels", str(c), "--height", str(h), "--width", str(h),
            "--out-channels", str(o), "--kernel", str(k), "--stride", str(s), "--pad", str(p),
            "--groups", str(g)]


def run_json(cmd):
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)}: exit {done.returncode}: {done.stderr.strip()}")
    return json.loads(done.stdout)


def clconv_rows(args, flags, extra, verify):
    cmd = [args.bench, "--device-name", args.device_name, *flags, *extra, "--format", "json"]
    cmd += [] if verify else ["--no-verify"]
    for a in args.algo:
        cmd += ["--algo", a]
    return run_json(cmd)["results"]


def torch_ms(args, flags, extra, verify):
    peer = [sys.executable, os.path.join(HERE, "peers", "torch_conv2d.py"), "--bench",
            args.bench, *flags, *extra, "--algo", "torch-conv2d", "--threads",
            str(args.threads), "--format", "json"] + ([] if verify else ["--no-verify"])
    return [r["median_ms"] for r in run_json(peer)["results"] if r["status"] == "ok"]


def measure(args, flags):
    """Medians over the rounds of each side's median, plain and (--epilogue) fused."""
    sides = [("", [])] + ([("fused_", args.epilogue)] if args.epilogue else [])
    ours = {prefix + a: [] for prefix, _ in sides for a in args.algo}
    theirs = {prefix: [] for prefix, _ in sides}
    choice, eff = {}, {}
    for r in range(args.rounds):
        for prefix, extra in sides:
            for row in clconv_rows(args, flags, extra, verify=r == 0):
                if row["status"] == "failed":
                    raise SystemExit(f"clconv {row['algo']} on {flags}: {row['note']}")
                if row["status"] == "ok":
                    ours[prefix + row["algo"]].append(row["median_ms"])
                    eff[prefix + row["algo"]] = row.get("efficiency")
                    if row["algo"] == "auto":
                        choice[prefix] = row["choice"]["algo"]
            # always verified: PyTorch 1.13's float conv2d ran 3-6x slower in a process
            # where no float64 conv2d (the peer's reference) had run first
            theirs[prefix] += torch_ms(args, flags, extra, verify=True)
    row = {"torch_ms": statistics.median(theirs[""]), "auto_choice": choice.get("", "")}
    if args.epilogue:
        row.update(epilogue=" ".join(args.epilogue), torch_fused_ms=statistics.median(
            theirs["fused_"]), fused_auto_choice=choice.get("fused_", ""))
    for name, times in ours.items():
        row[name + "_ms"] = statistics.median(times) if times else None
        row[name + "_efficiency"] = eff.get(name)
    return row


def ratio(a, b):
    return a / b if a and b else float("nan")


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
    ap.add_argument("--kinds", choices=sorted(KINDS), default="grouped",
                    help="which of a --net's layers (default grouped)")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--epilogue", help='clconv-bench epilogue flags, e.g. "--activation relu '
                    '--residual": also time them fused in clconv and unfused in PyTorch')
    args = ap.parse_args()
    args.algo = args.algo or ["auto", "depthwise", "direct"]
    args.epilogue = args.epilogue.split() if args.epilogue else []
    layers = []
    for net in args.net:
        layers += [(net, *shape, n) for shape, n in network_layers(net, args.kinds).items()]
    for text in args.layer:
        name, *nums = text.split()
        if len(nums) != 8:
            ap.error(f"--layer {text!r}: NAME and 8 numbers")
        layers.append((name, *map(int, nums)))
    if not layers:
        ap.error("no layers: give --net or --layer")
    out = open(args.out, "w", encoding="utf-8") if args.out else None
    totals = {}
    if args.epilogue:
        print(f"epilogue: {' '.join(args.epilogue)}; batch {args.batch}\n")
        print("| network | layer | count | clconv auto ms (chose) | fused ms | fused / plain | "
              "PyTorch conv2d ms | + ops ms | + ops / conv2d | clconv fused / PyTorch + ops |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    else:
        print("| network | layer | count | PyTorch ms | clconv auto ms (chose) | auto / PyTorch | "
              "auto efficiency |")
        print("|---|---|---:|---:|---:|---:|---:|")
    for net, c, h, o, k, s, p, g, n in layers:
        row = {"net": net, "batch": args.batch, "in_channels": c, "size": h, "out_channels": o,
               "kernel": k, "stride": s, "pad": p, "groups": g, "count": n,
               **measure(args, problem_flags(c, h, o, k, s, p, g, args.batch))}
        if out:
            out.write(json.dumps(row) + "\n")
            out.flush()
        t = totals.setdefault(net, [0.0, 0.0, 0.0, 0.0])
        auto, fused = row.get("auto_ms") or float("nan"), row.get("fused_auto_ms") or float("nan")
        t[0] += n * row["torch_ms"]
        t[1] += n * auto
        shape = f"{c}->{o} @{h} k{k} s{s}" + (f" g{g}" if g > 1 else "")
        if args.epilogue:
            t[2] += n * fused
            t[3] += n * row["torch_fused_ms"]
            chose = row["auto_choice"] + ("" if row["fused_auto_choice"] == row["auto_choice"]
                                          else f" / fused {row['fused_auto_choice']}")
            print(f"| {net} | {shape} | {n} | {auto:.3f} ({chose}) | {fused:.3f} | "
                  f"{ratio(fused, auto):.3f} | {row['torch_ms']:.3f} | "
                  f"{row['torch_fused_ms']:.3f} | "
                  f"{ratio(row['torch_fused_ms'], row['torch_ms']):.3f} | "
                  f"{ratio(fused, row['torch_fused_ms']):.2f}x |", flush=True)
            continue
        eff = row.get("auto_efficiency")
        print(f"| {net} | {shape} | {n} | {row['torch_ms']:.3f} | "
              f"{auto:.3f} ({row['auto_choice']}) | {ratio(auto, row['torch_ms']):.2f}x | "
              f"{'above the roof' if eff is None else f'{eff:.2f}'} |", flush=True)
    for net, (t, a, f, tf) in totals.items():
        if args.epilogue:
            print(f"| **{net}** | all | | **{a:.3f}** | **{f:.3f}** | **{ratio(f, a):.3f}** | "
                  f"**{t:.3f}** | **{tf:.3f}** | **{ratio(tf, t):.3f}** | "
                  f"**{ratio(f, tf):.2f}x** |")
        else:
            print(f"| **{net}** | all | | **{t:.3f}** | **{a:.3f}** | **{ratio(a, t):.2f}x** | |")


if __name__ == "__main__":
    main()
