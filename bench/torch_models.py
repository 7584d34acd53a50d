#!/usr/bin/python3
"""Whole torchvision models through clconv.torch beside PyTorch's own, and
the results as clconv-bench documents.

    bench/torch_models.py OUTDIR [--nets a,b] [--device NAME] [--algo ALGO]
                          [--no-fuse] [--repeats N] [--warmup N] [--threads N]
                          [--bench PATH]

For each network (default: every preset, bench/nets/generate.py's NETS;
weights=None, nothing downloaded) it builds the model in eval mode, runs
clconv.torch.profile (the converted model and the model itself, interleaved,
batch 1) and writes into OUTDIR:

  clconv-torch-NET.json  the converted model's convolutions on the device:
                         a "clconv-bench/1" document, one row per distinct
                         layer as `clconv-bench --net NET` names and counts
                         them (the median over its layers' calls), and the
                         network totals, with the forward pass's median as
                         network.forward_ms
  torch-model-NET.json   the same layers as PyTorch ran them inside the model
                         (its nn.Conv2d alone), row "torch-model", device
                         PyTorch
  profile-NET.txt        the profile table

and prints a markdown table of the totals. bench/report.py OUTDIR/report
OUTDIR/*.json puts them beside the bench's network runs. clconv-bench
(--bench, $CLCONV_BENCH, PATH or this checkout's build) names the layers and
their costs. POCL_AFFINITY=1 unless set, as clconv-bench does, and
GOMP_SPINCOUNT=10000 unless set (see docs/python.md: PyTorch's OpenMP threads).
"""

import argparse
import importlib.util
import json
import os
import sys
import time

os.environ.setdefault("POCL_AFFINITY", "1")  # before PoCL starts its threads
# PyTorch's OpenMP worker spins after each of its ops (libgomp: 300000 turns)
# on the cores PoCL's threads need for the next layer: read when torch loads
# libgomp, so before the import. It leaves PyTorch's own forward as it was
# (docs/python.md gives the measurement).
os.environ.setdefault("GOMP_SPINCOUNT", "10000")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import torch  # noqa: E402

import clconv  # noqa: E402
import clconv.torch as ct  # noqa: E402

TOOL = "torch_models.py"
SHAPE = ("in_channels", "height", "width", "out_channels", "kernel_h", "kernel_w", "stride_h",
         "stride_w", "pad_h", "pad_w", "pad_bottom", "pad_right", "dilation_h", "dilation_w",
         "groups")


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


peer = load("torch_conv2d", os.path.join("peers", "torch_conv2d.py"))  # rows, totals, schema
generate = load("generate", os.path.join("nets", "generate.py"))  # the networks


def shape_key(problem):
    return tuple(problem.get(k, problem["pad_h"] if k == "pad_bottom" else
                             problem["pad_w"] if k == "pad_right" else None) for k in SHAPE)


def layer_problems(layers):
    """Each profiled layer's shape key, from the plan it ran."""
    out = {}
    for layer in layers:
        plan = next(iter(layer.plans.values()), None)
        if plan is not None:
            out[layer.name] = shape_key(plan.problem)
    return out


def device_json(ctx, peaks):
    d = ctx.device
    values = dict(d, platform=d["platform_name"], driver=d["driver_version"],
                  fp64=bool(d["fp64"]), fp16=bool(d["fp16"]),
                  peak_bandwidth_gbs=peaks["bandwidth_gbs"], peak_gflops=peaks["gflops"],
                  gemm_gflops=peaks["gemm_gflops"])
    return peer.laid_out(peer.keys_of(peer.load_schema(), "device"), values)


def clconv_row(schema, entry, members, algo):
    """The distinct layer `entry` (clconv-bench's description) from the
    profile rows of its layers: device times where the device has them."""
    device = [t for r in members for t in r["device_times"]]
    host = [t for r in members for t in r["host_times"]]
    times, source = (device, "device") if device else (host, "host")
    stats = peer.summarize(times)
    ran = members[0]["algo"]
    cost = next((c for c in entry["costs"] if c["algo"] == ran), None) or entry["conv"]
    ms = stats["median_ms"]
    conv_flops = entry["conv"]["flops"]
    epilogues = sorted({r["epilogue"] or "none" for r in members})
    values = dict(
        stats, problem=entry["problem"], algo=algo, status="ok", time_source=source,
        host_median_ms=peer.summarize(host)["median_ms"],
        call_host_ms=peer.summarize(host)["median_ms"],
        build_ms=members[0]["build_ms"], build_compiled=False, conv_flops=conv_flops,
        effective_gflops=conv_flops / (ms * 1e6), **peer.rates(cost["flops"], cost["bytes"], ms),
        bound_ms=None, efficiency=None, verdict=None, weights_ms=None, weights_stage=None,
        epilogue=" | ".join(epilogues), gemm_baseline_gflops=None,
        workspace_bytes=members[0]["workspace_bytes"], rel_err=None,
        choice=members[0]["choice"],
        stages=[peer.laid_out(peer.keys_of(schema, "stage"), {"name": ran, "median_ms": ms})])
    return peer.laid_out(peer.keys_of(schema, "result"), values)


def documents(net, prof, layers, described, ctx, algo, command):
    """(clconv's document, PyTorch's document) as JSON text."""
    schema = peer.load_schema()
    keys = layer_problems(layers)
    by_shape = {}
    for r in prof.layers:
        if r["runs"] == "clconv" and r["name"] in keys:
            by_shape.setdefault(keys[r["name"]], []).append(r)
    ours, theirs = [], []
    for entry in described["problems"]:
        members = by_shape.get(shape_key(entry["problem"]), [])
        if not members:
            continue
        ours.append(clconv_row(schema, entry, members, algo))
        times = [t for r in members for t in r["pytorch_times"]]
        theirs.append(peer.make_row(schema, peer.make_problem(entry), "torch-model", "ok",
                                    stats=peer.summarize(times)))
    network = described["network"]
    t = prof.totals
    net_ours = peer.network_totals(ours, network)
    net_ours["forward_ms"] = t["forward_ms"]
    for total in net_ours["totals"]:
        total["call_host_ms"] = t["host_ms"]
    answer = [f"{net}: forward {t['forward_ms']:.3f} ms through clconv.torch against "
              f"{t['pytorch_forward_ms']:.3f} ms in PyTorch "
              f"({t['forward_ms'] / t['pytorch_forward_ms']:.2f}x); its {t['layers']} "
              f"convolution calls took {t['host_ms']:.3f} ms on the host"
              + (f", {t['device_ms']:.3f} ms on the device" if t["device_ms"] else ""),
              "left in PyTorch: " + ("; ".join(f"{e['name']}: {e['reason']}"
                                               for e in prof.left_in_pytorch) or "none")]
    peaks = ctx.peaks()
    peaks["from_cache"] = bool(peaks["from_cache"])  # a C int in clconv_peaks
    top = {"schema": schema["properties"]["schema"]["const"], "tool": TOOL, "command": command,
           "device": device_json(ctx, peaks),
           "peaks": peer.laid_out(peer.keys_of(schema, "peaks"), peaks),
           "peak_bandwidth_gbs": peaks["bandwidth_gbs"], "results": ours,
           "network": net_ours, "answer": answer}
    doc = peer.laid_out(list(schema["properties"]), top)
    mine = json.dumps(peer.finite_or_null(doc), indent=1, allow_nan=False) + "\n"
    return mine, peer.report_json(schema, theirs, command, network)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("outdir")
    p.add_argument("--nets", help="comma-separated (default: every preset)")
    p.add_argument("--device", help="clconv's device: a name (pocl, rusticl) as clconv-bench's "
                   "--device-name (default: $CLCONV_DEVICE, else the first)")
    p.add_argument("--algo", default="auto", choices=clconv.ALGOS + ["auto"])
    p.add_argument("--no-fuse", action="store_true", help="fold and fuse nothing")
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=os.cpu_count(),
                   help="PyTorch's threads (default: every CPU, as PoCL uses them)")
    p.add_argument("--bench", help="clconv-bench (names the layers and their costs)")
    args = p.parse_args(argv[1:])
    nets = args.nets.split(",") if args.nets else list(generate.NETS)
    unknown = [n for n in nets if n not in generate.NETS]
    if unknown:
        p.error(f"unknown network(s) {', '.join(unknown)}: one of {', '.join(generate.NETS)}")
    if args.repeats < 1 or args.warmup < 0 or args.threads < 1:
        p.error("--repeats and --threads take an integer >= 1, --warmup one >= 0")
    try:
        bench = peer.find_bench(args)
    except peer.RunError as e:
        p.exit(1, f"{TOOL}: error: {e}\n")
    torch.set_num_threads(args.threads)
    os.makedirs(args.outdir, exist_ok=True)
    command = " ".join([f"{k}={os.environ[k]}" for k in ("GOMP_SPINCOUNT", "POCL_AFFINITY")] + argv)
    ctx = clconv.Context(args.device)
    print(f"device: {ctx.device['name']} ({ctx.device['platform_name']}); PyTorch "
          f"{torch.__version__} with {args.threads} threads, GOMP_SPINCOUNT="
          f"{os.environ['GOMP_SPINCOUNT']}; batch 1\n")
    print("| network | convs on clconv | clconv forward (ms) | PyTorch forward (ms) | ratio | "
          "conv host (ms) | conv device (ms) | host / device | wall (s) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for net in nets:
        t0 = time.perf_counter()
        described = peer.describe(bench, ["--net", net])
        model = generate.build(net)
        size = generate.NETS[net][0]
        x = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(0))
        prof = ct.profile(model, x, ctx, algo=args.algo, fuse=not args.no_fuse,
                          repeats=args.repeats, warmup=args.warmup, title=net)
        layers = [m for m in prof.model.modules() if isinstance(m, ct.Conv2d)]
        mine, theirs = documents(net, prof, layers, described, ctx, args.algo, command)
        for name, text in ((f"clconv-torch-{net}.json", mine), (f"torch-model-{net}.json", theirs),
                           (f"profile-{net}.txt", prof.table() + "\n")):
            peer.write_out(os.path.join(args.outdir, name), text)
        t = prof.totals
        dev = f"{t['device_ms']:.1f}" if t["device_ms"] else "-"
        ratio = f"{t['host_ms'] / t['device_ms']:.2f}" if t["device_ms"] else "-"
        print(f"| {net} | {t['layers']} / {len(prof.model.clconv_layers)} | "
              f"{t['forward_ms']:.1f} | {t['pytorch_forward_ms']:.1f} | "
              f"{t['forward_ms'] / t['pytorch_forward_ms']:.2f} | {t['host_ms']:.1f} | {dev} | "
              f"{ratio} | {time.perf_counter() - t0:.0f} |", flush=True)
        del prof, layers, model
    return 0


def run(argv):
    """main, with clconv's and the bench's failures as one error line and exit 1."""
    try:
        return main(argv)
    except (clconv.Error, peer.RunError, peer.UsageError) as e:
        print(f"{TOOL}: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(run(sys.argv))
