#!/usr/bin/python3
"""Every network preset through clconv-bench and the PyTorch peer, one after
the other in one run, and the totals side by side.

    bench/nets_vs_torch.py OUTDIR [--nets a,b] [--batch N] [--threads N]
                                  [--bench PATH] [-- clconv-bench flags...]

For each network (default: every bench/nets/*.txt) it runs
`clconv-bench --net NAME --format json` (auto, verified) and then
`bench/peers/torch_conv2d.py --net NAME --format json` (conv2d as PyTorch
runs it, and oneDNN's convolution called directly; verified), writes both
documents into OUTDIR (clconv-NAME.json, torch-NAME.json) and prints a
markdown table: each count-weighted total, clconv's ratio to each, and the
wall time each command took (the bench's own budget: a network in a
minute). bench/report.py OUTDIR/report OUTDIR/*.json draws the per-layer
plots. A failed command stops the run with its message.
"""

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd):
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"nets_vs_torch: {' '.join(cmd)} failed ({done.returncode}):\n"
                 f"{done.stderr.strip()}")
    return time.perf_counter() - t0


def totals(path):
    """The document's network, its rows' totals by row, its device."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    net = doc["network"]
    return net, {t["algo"]: t for t in net["totals"]}, doc["device"]["name"]


def ratio(a, b, layers):
    """a / b over the same layers, else why not."""
    if a["measured_layers"] != layers or b["measured_layers"] != layers:
        return "- (layers missing)"
    return f"{a['total_ms'] / b['total_ms']:.2f}"


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("outdir")
    p.add_argument("--nets", help="comma-separated (default: every preset)")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--threads", type=int, default=os.cpu_count(),
                   help="PyTorch's threads (default: every CPU, as PoCL uses them)")
    p.add_argument("--bench", default=os.path.join(HERE, "..", "build", "bench",
                                                   "clconv-bench"))
    p.add_argument("extra", nargs="*", help="after --: more clconv-bench flags")
    args = p.parse_args(argv[1:])
    nets = args.nets.split(",") if args.nets else sorted(
        f[:-4] for f in os.listdir(os.path.join(HERE, "nets")) if f.endswith(".txt"))
    os.makedirs(args.outdir, exist_ok=True)
    print("| network | layers (distinct) | clconv auto (ms) | PyTorch conv2d (ms) | oneDNN direct "
          "(ms) | clconv / conv2d | clconv / oneDNN | clconv-bench wall (s) | peer wall (s) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    devices = set()
    for net in nets:
        ours = os.path.join(args.outdir, f"clconv-{net}.json")
        theirs = os.path.join(args.outdir, f"torch-{net}.json")
        wall_c = run([args.bench, "--net", net, "--batch", str(args.batch), *args.extra,
                      "--format", "json", "--out", ours])
        wall_t = run([os.path.join(HERE, "peers", "torch_conv2d.py"), "--net", net,
                      "--batch", str(args.batch), "--threads", str(args.threads),
                      "--bench", args.bench, "--format", "json", "--out", theirs])
        info, mine, dev_c = totals(ours)
        _, peer, dev_t = totals(theirs)
        devices |= {dev_c, dev_t}
        a, c, o = mine["auto"], peer["torch-conv2d"], peer["torch-onednn"]
        n = info["layers"]
        print(f"| {net} | {n} ({info['distinct']}) | {a['total_ms']:.2f} | {c['total_ms']:.2f} | "
              f"{o['total_ms']:.2f} | {ratio(a, c, n)} | {ratio(a, o, n)} | {wall_c:.0f} | "
              f"{wall_t:.0f} |", flush=True)
    print("\n" + "; ".join(sorted(devices)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
