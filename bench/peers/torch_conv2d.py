#!/usr/bin/python3
"""PyTorch peer of clconv-bench: the same convolution problems, run on the CPU
with torch, verified against a float64 conv2d and timed on the host, written in
clconv-bench's JSON schema (bench/schema/clconv-bench-1.schema.json) so
bench/report.py can merge them.

    bench/peers/torch_conv2d.py --problem seed-k3 --format json --out results/torch.json

What it shares with clconv-bench comes from clconv-bench itself: the problem
flags are passed to `clconv-bench --describe`, which parses and validates them
and returns each problem's sizes and costs (--bench PATH, else $CLCONV_BENCH,
else clconv-bench on PATH, else build/bench/clconv-bench in this checkout);
the row layout and the schema name come from the schema file.

Algorithms: torch-conv2d (torch.nn.functional.conv2d, the path PyTorch
itself takes), torch-onednn (oneDNN's convolution called directly,
torch.mkldnn_convolution: Debian's PyTorch 1.13 sends some layers, 1x1 on
small planes among them, to a native path 10-25x slower than this, so the
row shows what the library under PyTorch does), torch-pointwise (the seed's
broadcast multiply, not a convolution) and torch-fft (an FFT convolution
written with torch.fft). With an epilogue (--activation, --alpha,
--residual, --beta, as clconv-bench takes them) the convolutions run it as
PyTorch's separate ops after them, in place as torchvision's blocks do, and
torch-fused runs it through PyTorch's fused CPU convolution where this PyTorch
has one (torch.ops.mkldnn._convolution_pointwise, PyTorch 2.0 and later).
Exit status: 0 success, 1 run-time failure (incl. verification), 2 usage error.

It starts with /usr/bin/python3 because Debian's python3-torch is installed
for that interpreter only.
"""

import argparse
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from types import SimpleNamespace

import torch
import torch.nn.functional as F

TOOL = "torch_conv2d.py"
HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_FILE = os.path.join(HERE, "..", "schema", "clconv-bench-1.schema.json")
ALGOS = ("torch-conv2d", "torch-onednn", "torch-pointwise", "torch-fft", "torch-fused")
# The flags that make the problems and the epilogue: passed through to
# clconv-bench --describe, which parses and checks them.
PROBLEM_FLAGS = ("problem", "batch", "in-channels", "height", "width", "out-channels",
                 "kernel", "stride", "pad", "dilation", "groups", "sweep", "net", "shapes")
EPILOGUE_FLAGS = ("activation", "alpha", "beta")


class UsageError(Exception):
    """A mistake in the command line: one line on stderr, exit 2."""


class RunError(Exception):
    """Something failed while running: one line on stderr, exit 1."""


# ---- command line ----

class Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line (as clconv-bench reports it), not usage + error."""

    def error(self, message):
        raise UsageError(message)


def int_arg(text):
    """A whole integer, as clconv-bench's strtol check: no '3.0', no '3_0', no spaces."""
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise argparse.ArgumentTypeError(f"'{text}': expected an integer")
    return int(text)


def float_arg(text):
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"'{text}': expected a finite number")
    return v


def build_parser():
    p = Parser(prog=TOOL, allow_abbrev=False,
               description="Runs clconv-bench's convolution problems with PyTorch on the CPU, "
                           "verifies them against a float64 conv2d and times them.")
    prob = p.add_argument_group("problem (as clconv-bench's, which parses and checks them: "
                                "see clconv-bench --help)")
    for name in PROBLEM_FLAGS:
        prob.add_argument("--" + name, action="append", metavar="VALUE",
                          dest="flag_" + name.replace("-", "_"))
    prob.add_argument("--depthwise", action="store_true", help="groups = in channels")
    epi = p.add_argument_group("epilogue (as clconv-bench's: y = act(alpha * conv + bias + "
                               "beta * z))")
    for name in EPILOGUE_FLAGS:
        epi.add_argument("--" + name, action="append", metavar="VALUE", dest="flag_" + name)
    epi.add_argument("--residual", action="store_true", help="add a residual z")
    run = p.add_argument_group("run")
    run.add_argument("--algo", action="append", choices=list(ALGOS) + ["all"], metavar="NAME",
                     help="torch-conv2d | torch-onednn | torch-pointwise | torch-fft | torch-fused | all "
                          "(default: all; torch-fused only with an epilogue; repeatable)")
    run.add_argument("--iters", type=int_arg, default=20, metavar="N",
                     help="timed runs (default 20)")
    run.add_argument("--warmup", type=int_arg, default=3, metavar="N",
                     help="untimed runs first (default 3)")
    run.add_argument("--threads", type=int_arg, metavar="N",
                     help="torch.set_num_threads (default: torch's own)")
    run.add_argument("--seed", type=int_arg, default=1, metavar="N",
                     help="seed for the random input and weights (default 1)")
    run.add_argument("--no-verify", dest="verify", action="store_false",
                     help="skip the comparison with the float64 reference")
    run.add_argument("--tolerance", type=float_arg, default=1e-4, metavar="X",
                     help="max relative L2 error ||out-ref||/||ref|| (default 1e-4)")
    run.add_argument("--bench", metavar="PATH",
                     help="clconv-bench, for --describe (default: $CLCONV_BENCH, clconv-bench "
                          "on PATH, or build/bench/clconv-bench in this checkout)")
    out = p.add_argument_group("output")
    out.add_argument("--format", choices=("table", "json"), default="table")
    out.add_argument("--out", metavar="FILE",
                     help="write the report to FILE (only when the run succeeds)")
    return p


def check_run_options(args):
    """The ranges clconv-bench accepts, so the two tools refuse the same things."""
    if not 1 <= args.iters <= 1000000:
        raise UsageError(f"--iters {args.iters}: expected an integer 1..1000000")
    if not 0 <= args.warmup <= 1000000:
        raise UsageError(f"--warmup {args.warmup}: expected an integer 0..1000000")
    if args.threads is not None and args.threads < 1:
        raise UsageError(f"--threads {args.threads}: expected an integer >= 1")
    if args.seed < 0:
        raise UsageError(f"--seed {args.seed}: expected an integer >= 0")
    if args.tolerance <= 0:
        raise UsageError(f"--tolerance {args.tolerance:g}: expected a finite number > 0")
    if args.out is not None and not args.out:
        raise UsageError("--out needs a file name")


def selected_algos(args, epilogue, network):
    """"all" takes torch-fused only when there is an epilogue to fuse; a network
    runs conv2d alone unless --algo says (as clconv-bench runs auto alone)."""
    chosen = args.algo or (["torch-conv2d", "torch-onednn"] if network else ["all"])
    return [a for a in ALGOS
            if a in chosen or ("all" in chosen and (a != "torch-fused" or epilogue))]


# ---- problems: from clconv-bench --describe ----

def find_bench(args):
    """The clconv-bench to ask, or RunError naming where it looked."""
    candidates = [args.bench, os.environ.get("CLCONV_BENCH"), shutil.which("clconv-bench"),
                  os.path.join(HERE, "..", "..", "build", "bench", "clconv-bench")]
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    raise RunError("cannot find clconv-bench (it describes the problems): give --bench PATH "
                   "or set CLCONV_BENCH")


def problem_flags(args):
    """The problem flags as given, for clconv-bench."""
    flags = []
    for name in PROBLEM_FLAGS + EPILOGUE_FLAGS:
        for value in getattr(args, "flag_" + name.replace("-", "_")) or []:
            flags += ["--" + name, value]
    return flags + (["--depthwise"] if args.depthwise else []) + \
        (["--residual"] if args.residual else [])


def describe(bench, flags):
    """clconv-bench --describe for these flags: its usage errors are ours."""
    try:
        done = subprocess.run([bench, "--describe", *flags], capture_output=True, text=True)
    except OSError as e:
        raise RunError(f"cannot run {bench}: {e.strerror or e}") from e
    message = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    message = message.removeprefix("clconv-bench: error: ")
    if done.returncode == 2:
        raise UsageError(message)
    if done.returncode != 0:
        raise RunError(f"{bench} --describe failed ({done.returncode}): {message}")
    return json.loads(done.stdout)


class Problem(SimpleNamespace):
    """A described problem: its fields as attributes, the costs clconv-bench gives."""

    @property
    def span(self):
        """Rows and columns the dilated kernel covers (the FFT's valid region)."""
        return ((self.kernel_h - 1) * self.dilation_h + 1, (self.kernel_w - 1) * self.dilation_w + 1)

    @property
    def pads(self):
        """top, bottom, left, right (documents before per-side padding have only pad_h, pad_w)"""
        return (self.pad_h, self.json.get("pad_bottom", self.pad_h), self.pad_w,
                self.json.get("pad_right", self.pad_w))

    @property
    def symmetric(self):
        t, b, l, r = self.pads
        return t == b and l == r

    @property
    def padded(self):
        t, b, l, r = self.pads
        return (self.height + t + b, self.width + l + r)

    def pad(self, x):
        """x padded as the problem says, for a conv2d with padding 0: PyTorch's conv2d
        pads each side alike, so a per-side padding is F.pad first, as a PyTorch user
        writes it (a copy, timed with the call)."""
        t, b, l, r = self.pads
        return F.pad(x, (l, r, t, b))


def make_problem(entry):
    costs = {c["algo"]: c for c in entry["costs"]}
    return Problem(**entry["problem"], json=entry["problem"], conv=entry["conv"],
                   pointwise=costs["pointwise"])


# ---- data and reference ----

def uniform(gen, *shape):
    """Random uniform in [-1, 1), float32."""
    return torch.rand(*shape, generator=gen, dtype=torch.float32) * 2.0 - 1.0


def make_data(p, seed):
    gen = torch.Generator().manual_seed(seed)
    x = uniform(gen, p.batch, p.in_channels, p.height, p.width)
    w = uniform(gen, p.out_channels, p.in_channels // p.groups, p.kernel_h, p.kernel_w)
    b = uniform(gen, p.out_channels)
    return x, w, b, gen


def conv_args(p):
    """conv2d's arguments; with a per-side padding, 0 (the input goes through p.pad)."""
    return dict(stride=(p.stride_h, p.stride_w),
                padding=(p.pad_h, p.pad_w) if p.symmetric else (0, 0),
                dilation=(p.dilation_h, p.dilation_w), groups=p.groups)


def padded_as_needed(p, x):
    return x if p.symmetric else p.pad(x)


def reference(p, x, w, b, epi, z):
    """The same conv2d in float64, then the epilogue's formula (clconv.h's) in float64:
    the answer every conv algorithm is held to."""
    y = F.conv2d(p.pad(x.double()), w.double(), None, **conv_args(p) | {"padding": 0})
    if not epi:
        return y + b.double().view(1, -1, 1, 1)
    y = epi["alpha"] * y + b.double().view(1, -1, 1, 1)
    if epi["residual"]:
        y = y + epi["beta"] * z.double()
    a, q = epi["activation"], epi["params"]
    relu6 = lambda v: torch.clamp(v, 0.0, 6.0)
    formulas = {
        "none": lambda v: v, "relu": lambda v: torch.clamp(v, min=0.0), "relu6": relu6,
        "clamp": lambda v: torch.clamp(v, q[0], q[1]) if q else v,
        "leaky_relu": lambda v: torch.where(v < 0, q[0] * v, v) if q else v,
        "sigmoid": lambda v: 1.0 / (1.0 + torch.exp(-v)), "tanh": torch.tanh,
        "silu": lambda v: v / (1.0 + torch.exp(-v)),
        "hardswish": lambda v: v * relu6(v + 3.0) / 6.0,
        "gelu": lambda v: 0.5 * v * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) *
                                                      (v + 0.044715 * v ** 3))),
    }
    return formulas[a](y)


def rel_l2(out, ref):
    """||out - ref|| / ||ref|| in float64 (||out - ref|| when ref is all zero), as clconv."""
    diff = torch.linalg.vector_norm(out.double() - ref).item()
    norm = torch.linalg.vector_norm(ref).item()
    return diff / norm if norm > 0 else diff


def pointwise_rel_l2(x, k, out):
    """Each out element against its float64 product, one output channel at a time: a
    float64 copy of the whole [C_out,C_in,H,W] product would be twice the operands."""
    x64 = x[0].double()
    diff = norm = 0.0
    for o in range(k.shape[0]):
        ref = x64 * k[o].double()
        diff += torch.sum((out[o].double() - ref) ** 2).item()
        norm += torch.sum(ref * ref).item()
    return math.sqrt(diff / norm) if norm > 0 else math.sqrt(diff)


# ---- algorithms: each returns a zero-argument call to time ----

def activation_in_place(epi):
    """PyTorch's own op for the activation, in place where it has that form (as
    torchvision's blocks call them, inplace=True)."""
    a, q = epi["activation"], epi["params"]
    return {
        "none": lambda y: y, "relu": lambda y: F.relu(y, inplace=True),
        "relu6": lambda y: F.relu6(y, inplace=True),
        "clamp": lambda y: F.hardtanh(y, q[0], q[1], inplace=True) if q else y,
        "leaky_relu": lambda y: F.leaky_relu(y, q[0], inplace=True) if q else y,
        "sigmoid": lambda y: y.sigmoid_(), "tanh": lambda y: y.tanh_(),
        "silu": lambda y: F.silu(y, inplace=True),
        "hardswish": lambda y: F.hardswish(y, inplace=True),
        "gelu": lambda y: F.gelu(y, approximate="tanh"),
    }[a]


def with_epilogue(conv, b, epi, z):
    """conv(bias) followed by the epilogue as separate PyTorch ops: what a model does
    without a fused kernel (ResNet's `out += identity; out = self.relu(out)`)."""
    if not epi:
        return lambda: conv(b)
    act = activation_in_place(epi)
    alpha, beta, bias = epi["alpha"], epi["beta"], b.view(1, -1, 1, 1)
    def call():
        y = conv(b) if alpha == 1 else conv(None).mul_(alpha).add_(bias)
        if epi["residual"]:
            y.add_(z, alpha=beta)
        return act(y)
    return call


def onednn_call(p, x, w, b, epi=None, z=None):
    """oneDNN's convolution as PyTorch wraps it, whatever path conv2d would take;
    the reason (a str) where this PyTorch has none."""
    if not (hasattr(torch, "mkldnn_convolution") and torch.backends.mkldnn.is_available()):
        return f"PyTorch {torch.__version__} has no oneDNN (mkldnn) convolution here"
    c = conv_args(p)
    args = (list(c["padding"]), list(c["stride"]), list(c["dilation"]), c["groups"])
    return with_epilogue(lambda bias: torch.mkldnn_convolution(padded_as_needed(p, x), w, bias,
                                                               *args), b, epi, z)


def conv2d_call(p, x, w, b, epi=None, z=None):
    kw = conv_args(p)
    return with_epilogue(lambda bias: F.conv2d(padded_as_needed(p, x), w, bias, **kw), b, epi, z)


# PyTorch's attribute names for the fused op's activations (its unary post-ops).
FUSED_ACTIVATIONS = {"none": ("none", []), "relu": ("relu", []), "relu6": ("hardtanh", [0.0, 6.0]),
                     "clamp": ("hardtanh", None), "leaky_relu": ("leaky_relu", None),
                     "sigmoid": ("sigmoid", []), "tanh": ("tanh", []), "silu": ("swish", []),
                     "hardswish": ("hardswish", []), "gelu": ("gelu", [])}


def fused_call(p, x, w, b, epi, z):
    """PyTorch's fused CPU convolution with the epilogue as post-ops, or the reason
    there is none here (a str)."""
    try:
        op = torch.ops.mkldnn._convolution_pointwise
    except (AttributeError, RuntimeError):
        return (f"PyTorch {torch.__version__} has no fused CPU convolution epilogue "
                "(torch.ops.mkldnn._convolution_pointwise came with PyTorch 2.0; "
                "torch.jit.optimize_for_inference leaves the add and activation as separate "
                "ops)")
    if epi["alpha"] != 1 or (epi["residual"] and epi["beta"] != 1 and epi["activation"] != "none"):
        return "PyTorch's fused op takes no alpha, nor beta with an activation"
    if not p.symmetric:
        return "PyTorch's fused op pads each side alike"
    attr, scalars = FUSED_ACTIVATIONS[epi["activation"]]
    scalars = list(epi["params"]) if scalars is None else scalars
    algorithm = "tanh" if epi["activation"] == "gelu" else ""
    c = conv_args(p)
    args = (list(c["padding"]), list(c["stride"]), list(c["dilation"]), c["groups"])
    if epi["residual"]:
        call = lambda: op.binary(x, z, w, b, *args, "add", epi["beta"], attr, scalars,  # noqa
                                 algorithm)
    else:
        call = lambda: op(x, w, b, *args, attr, scalars, algorithm)  # noqa: E731
    try:  # a PyTorch whose op takes other arguments: the row says so, the run goes on
        call()
    except (RuntimeError, TypeError) as e:
        return f"torch.ops.mkldnn._convolution_pointwise refused the call: {str(e).splitlines()[0]}"
    return call


def weight_spectrum(p, w):
    """conj(rfft2) of the dilated weights at the padded input's size, laid out
    [frequency, C_in, C_out] for one batched matmul. Done once, outside the timing,
    as clconv's fft plan transforms its weights once in set_weights."""
    ph, pw = p.padded
    span_h, span_w = p.span
    spread = torch.zeros(p.out_channels, p.in_channels, span_h, span_w)
    # dilation: the taps D apart, zeros between them
    spread[:, :, ::p.dilation_h, ::p.dilation_w] = w
    spec = torch.conj_physical(torch.fft.rfft2(spread, s=(ph, pw)))
    freqs = spec.shape[2] * spec.shape[3]
    # einsum would re-layout this [C_out,C_in,...] tensor on every call; do it once here
    return spec.permute(2, 3, 1, 0).reshape(freqs, p.in_channels, p.out_channels).contiguous()


def fft_conv(p, x, wspec, b):
    """Cross-correlation as irfft2(sum_i conj(W) * X): circular over the padded
    plane, so only outputs whose window does not wrap, [0, Hp - span], are kept."""
    ph, pw = p.padded
    xp = p.pad(x)
    xs = torch.fft.rfft2(xp, s=(ph, pw))                     # [N, C_in, ph, fw]
    fh, fw = xs.shape[2], xs.shape[3]
    xs = xs.permute(2, 3, 0, 1).reshape(fh * fw, p.batch, p.in_channels)
    ys = torch.bmm(xs, wspec)                                # sum over C_in per frequency
    ys = ys.reshape(fh, fw, p.batch, p.out_channels).permute(2, 3, 0, 1)
    y = torch.fft.irfft2(ys, s=(ph, pw))
    full_h, full_w = ph - p.span[0] + 1, pw - p.span[1] + 1
    y = y[:, :, 0:full_h:p.stride_h, 0:full_w:p.stride_w].contiguous()
    return y if b is None else y.add_(b.view(1, -1, 1, 1))


def pointwise_call(k, x, out):
    # x [1,C_in,H,W] broadcasts over k's C_out: out[o,i,h,w] = x[0,i,h,w] * k[o,i,h,w]
    return lambda: torch.mul(x, k, out=out)


# ---- timing ----

def time_call(call, warmup, iters):
    """Host wall times in ms; torch's CPU ops return when the result is there."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def summarize(times):
    """Median, p10 and p90 by linear interpolation between the closest ranks, torch's
    (and numpy's) default rule, the one clconv-bench uses (src/runtime/timing.c)."""
    q = torch.quantile(torch.tensor(times, dtype=torch.float64),
                       torch.tensor([0.5, 0.1, 0.9], dtype=torch.float64)).tolist()
    return {"median_ms": q[0], "p10_ms": q[1], "p90_ms": q[2], "min_ms": min(times),
            "iterations": len(times)}


# ---- result rows, laid out by the schema ----

def load_schema():
    try:
        with open(SCHEMA_FILE, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise RunError(f"cannot read the schema {SCHEMA_FILE}: {e}") from e


def keys_of(schema, name):
    """The property names of $defs[name] in the schema's order (its allOf parts after)."""
    d = schema["$defs"][name]
    keys = list(d.get("properties", {}))
    for part in d.get("allOf", []):
        keys += [k for k in keys_of(schema, part["$ref"].rsplit("/", 1)[1]) if k not in keys]
    return keys


def laid_out(keys, values):
    """values in the schema's order, null for what this peer does not measure."""
    return {k: values.get(k) for k in keys if k in values or k != "note"}


def cost_of(algo, p):
    """FLOPs and bytes as clconv-bench counts them: the convolution's compulsory cost
    with the bias for the convolutions, the seed op's own for the pointwise row (None
    where clconv-bench says the op cannot run the problem)."""
    c = p.pointwise if algo == "torch-pointwise" else p.conv
    return c.get("flops"), c.get("bytes")


def rates(flops, nbytes, ms):
    return {"flops": flops, "bytes": nbytes, "intensity": flops / nbytes,
            "gflops": flops / (ms * 1e6), "gbs": nbytes / (ms * 1e6)}


def make_row(schema, p, algo, status, note=None, stats=None, rel_err=None, weights_ms=None,
             epilogue=None):
    """One result; untimed rows carry nulls. Rows have no roofline: no peaks here."""
    flops, nbytes = cost_of(algo, p)
    values = {"problem": p.json, "algo": algo, "status": status, "iterations": 0,
              "epilogue": epilogue,
              "build_ms": 0, "build_compiled": False, "conv_flops": flops, "flops": flops,
              "bytes": nbytes, "weights_ms": weights_ms,
              "weights_stage": "weights_fft" if weights_ms is not None else None, "workspace_bytes": 0,
              "rel_err": rel_err, "stages": []}
    if note is not None:
        values["note"] = note
    if stats:
        ms = stats["median_ms"]
        values.update(stats, host_median_ms=ms, call_host_ms=ms, time_source="host",
                      effective_gflops=flops / (ms * 1e6), **rates(flops, nbytes, ms))
        stage = {"name": algo, "median_ms": ms, **rates(flops, nbytes, ms)}
        values["stages"] = [laid_out(keys_of(schema, "stage"), stage)]
    return laid_out(keys_of(schema, "result"), values)


def failed_note(rel_err, tolerance):
    return f"verification failed: relative L2 error {rel_err:.3g} exceeds tolerance {tolerance:.3g}"


def measure(p, algo, call, check, opts, weights_ms=None, epilogue=None):
    """Verify (a wrong answer gets no timing: a fast wrong result is not a result), then time."""
    schema = opts.schema
    rel_err = None
    if opts.verify:
        rel_err = check(call())
        if not rel_err <= opts.tolerance:  # NaN fails too
            return make_row(schema, p, algo, "failed", note=failed_note(rel_err, opts.tolerance),
                            rel_err=rel_err, weights_ms=weights_ms, epilogue=epilogue)
    stats = summarize(time_call(call, opts.warmup, opts.iters))
    return make_row(schema, p, algo, "ok", stats=stats, rel_err=rel_err, weights_ms=weights_ms,
                    epilogue=epilogue)


def run_pointwise(p, x, gen, opts):
    if "unsupported" in p.pointwise:  # as clconv-bench's pointwise row: batch 1 only
        return make_row(opts.schema, p, "torch-pointwise", "skipped",
                        note=p.pointwise["unsupported"])
    k = uniform(gen, p.out_channels, p.in_channels, p.height, p.width)
    out = torch.empty_like(k)
    return measure(p, "torch-pointwise", pointwise_call(k, x, out),
                   lambda result: pointwise_rel_l2(x, k, result), opts)


def run_problem(p, algos, opts):
    x, w, b, gen = make_data(p, opts.seed)
    epi = opts.epilogue
    # the residual is drawn after the data, so the data do not change with it
    z = uniform(gen, p.batch, p.out_channels, p.out_height, p.out_width) \
        if epi and epi["residual"] else None
    ref = reference(p, x, w, b, epi, z) \
        if opts.verify and set(algos) - {"torch-pointwise"} else None
    check = lambda out: rel_l2(out, ref)
    text = epi["text"] if epi else None
    rows = []
    for algo in algos:
        if algo == "torch-conv2d":
            rows.append(measure(p, algo, conv2d_call(p, x, w, b, epi, z), check, opts,
                                epilogue=text))
        elif algo == "torch-onednn":
            call = onednn_call(p, x, w, b, epi, z)
            rows.append(make_row(opts.schema, p, algo, "skipped", note=call)
                        if isinstance(call, str) else
                        measure(p, algo, call, check, opts, epilogue=text))
        elif algo == "torch-fft" and p.groups > 1:
            rows.append(make_row(opts.schema, p, algo, "skipped",
                                 note=f"torch-fft multiplies dense spectra (groups = {p.groups})"))
        elif algo == "torch-fft":
            t0 = time.perf_counter()
            wspec = weight_spectrum(p, w)
            weights_ms = (time.perf_counter() - t0) * 1e3
            call = with_epilogue(lambda bias: fft_conv(p, x, wspec, bias), b, epi, z)
            rows.append(measure(p, algo, call, check, opts, weights_ms=weights_ms,
                                epilogue=text))
        elif algo == "torch-fused":
            call = fused_call(p, x, w, b, epi, z) if epi else "no epilogue to fuse"
            if isinstance(call, str):
                rows.append(make_row(opts.schema, p, algo, "skipped", note=call))
            else:
                rows.append(measure(p, algo, call, check, opts, epilogue=text))
        else:
            rows.append(run_pointwise(p, x, gen, opts))
    return rows


# ---- report ----

def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and value.strip():
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def device_json():
    threads = torch.get_num_threads()
    v = torch.__version__
    return {"platform_index": -1, "device_index": -1, "platform": f"PyTorch {v}",
            "name": f"{cpu_model()} ({threads} threads)", "vendor": "PyTorch", "version": v,
            "driver": v, "type": "CPU", "compute_units": threads, "clock_mhz": 0,
            "global_mem_bytes": 0, "local_mem_bytes": 0, "max_alloc_bytes": 0, "fp64": True,
            "fp16": False, "preferred_vector_width_float": 0, "peak_bandwidth_gbs": None,
            "peak_gflops": None, "gemm_gflops": None}


def finite_or_null(v):
    """JSON has no NaN or Inf: those become null."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: finite_or_null(x) for k, x in v.items()}
    if isinstance(v, list):
        return [finite_or_null(x) for x in v]
    return v


# ---- a network's totals (--net, --shapes), as clconv-bench's network summary ----

SLOWEST = 5  # as bench/network.h's BENCH_NET_SLOWEST


def shares(items):
    """[(name, ms, layers)] summed by name, largest first, in the schema's share layout."""
    acc = {}
    for name, ms, layers in items:
        a = acc.setdefault(name, [0.0, 0])
        a[0] += ms
        a[1] += layers
    return [{"name": k, "ms": v[0], "layers": v[1]}
            for k, v in sorted(acc.items(), key=lambda kv: -kv[1][0])]


def network_totals(rows, network):
    """Per algorithm: the count-weighted sum of the verified medians (None: not a network)."""
    if not network:
        return None
    totals = []
    for algo in dict.fromkeys(r["algo"] for r in rows):
        mine = [r for r in rows if r["algo"] == algo]
        ok = [r for r in mine if r["status"] == "ok"]
        weighted = lambda r: r["problem"]["count"] * r["median_ms"]  # noqa: E731
        ms = sum(weighted(r) for r in ok)
        flops = sum(r["problem"]["count"] * r["conv_flops"] for r in ok)
        totals.append({
            "algo": algo, "total_ms": ms,
            "measured_layers": sum(r["problem"]["count"] for r in ok),
            "missing_distinct": len(mine) - len(ok), "flops": flops,
            "gflops": flops / ms / 1e6 if ms > 0 else None, "bound_ms": None,
            "call_host_ms": ms,  # its times are host times: one call and its wait
            "peak_fraction": None,
            "by_algorithm": shares((algo, weighted(r), r["problem"]["count"]) for r in ok),
            "by_class": shares((r["problem"]["layer_class"], weighted(r), r["problem"]["count"])
                               for r in ok),
            "slowest": [{"problem": r["problem"]["name"], "count": r["problem"]["count"],
                         "ms": weighted(r)}
                        for r in sorted(ok, key=weighted, reverse=True)[:SLOWEST]]})
    return {"name": network["name"], "layers": network["layers"],
            "distinct": network["distinct"], "totals": totals}


def network_lines(net):
    """The table's summary of network_totals."""
    if not net:
        return []
    lines = ["", f"network {net['name']}: {net['layers']} conv layers, {net['distinct']} distinct;"
                 " each layer's median time times how often it occurs"]
    for t in net["totals"]:
        pct = lambda ms: 100.0 * ms / t["total_ms"] if t["total_ms"] else float("nan")  # noqa
        rate = f"{t['gflops']:.1f}" if t["gflops"] else "-"
        lines.append(f"  {t['algo']:<16} {t['total_ms']:10.3f} ms  {t['flops'] / 1e9:.3g} GFLOP "
                     f"at {rate} GFLOP/s")
        if t["missing_distinct"]:
            lines.append(f"    NOT COUNTED: {t['missing_distinct']} distinct layers "
                         f"({net['layers'] - t['measured_layers']} layers)")
        lines.append("    by layer class: " + ", ".join(
            f"{s['name']} {pct(s['ms']):.0f}% ({s['layers']} layer{'s' * (s['layers'] != 1)})"
            for s in t["by_class"]))
        lines.append("    slowest: " + ", ".join(
            f"{s['problem']} x{s['count']} {pct(s['ms']):.0f}%" for s in t["slowest"]))
    return lines


def report_json(schema, rows, command, network=None):
    """The document in the schema's layout: no peaks measured here, so they are null."""
    top = {"schema": schema["properties"]["schema"]["const"], "tool": TOOL, "command": command,
           "device": laid_out(keys_of(schema, "device"), device_json()),
           "peaks": laid_out(keys_of(schema, "peaks"), {"from_cache": False}),
           "results": rows, "network": network_totals(rows, network), "answer": []}
    doc = laid_out(list(schema["properties"]), top)
    return json.dumps(finite_or_null(doc), indent=1, allow_nan=False) + "\n"


def shape_text(p):
    return (f"{p['batch']}x{p['in_channels']}x{p['height']}x{p['width']} "
            f"k{p['kernel_h']}x{p['kernel_w']} o{p['out_channels']} "
            f"s{p['stride_h']}x{p['stride_w']} p{p['pad_h']}x{p['pad_w']} "
            f"d{p['dilation_h']}x{p['dilation_w']}" + (f" g{p['groups']}" if p["groups"] > 1 else ""))


def table_row(r):
    line = f"  {r['algo']:<16} "
    if r["status"] != "ok":
        return line + f"{'skipped' if r['status'] == 'skipped' else 'FAILED'}: {r['note']}"
    spread = f"{r['p10_ms']:.3f}-{r['p90_ms']:.3f}"
    err = f"{r['rel_err']:.2e}" if r["rel_err"] is not None else "-"
    line += f"{r['median_ms']:10.3f} {spread:>17} {r['gflops']:9.2f} {r['gbs']:8.2f} {err:>9}"
    if r["weights_ms"] is not None:
        line += f"\n    . {r['weights_stage']}: {r['weights_ms']:.1f} ms once (not in the time above)"
    if r.get("epilogue"):
        how = "fused" if r["algo"] == "torch-fused" else "as separate ops after the convolution"
        line += f"\n    . epilogue: {r['epilogue']}, {how}"
    return line


def report_table(rows, problems, network=None):
    conv = {p.name: p.conv for p in problems}
    dev = device_json()
    lines = [f"device {dev['name']} ({dev['platform']})"]
    current = None
    for r in rows:
        p = r["problem"]
        if p != current:
            current = p
            flops, nbytes = conv[p["name"]]["flops"], conv[p["name"]]["bytes"]
            lines += ["", f"{p['name']}  {shape_text(p)} -> {p['batch']}x{p['out_channels']}x"
                          f"{p['out_height']}x{p['out_width']}; conv {flops / 1e9:.3g} GFLOP, "
                          f"{nbytes / 1e6:.3g} MB compulsory",
                      f"  {'algo':<16} {'median_ms':>10} {'p10-p90_ms':>17} {'GFLOP/s':>9} "
                      f"{'GB/s':>8} {'rel_err':>9}"]
        lines.append(table_row(r))
    lines += network_lines(network_totals(rows, network))
    lines += ["", "times: host wall time around each call (torch's CPU ops are synchronous), "
                  "median of the timed runs",
              "GFLOP/s, GB/s: FLOPs and compulsory bytes as each algorithm does them"]
    return "\n".join(lines) + "\n"


def render(rows, fmt, command, problems, schema, network=None):
    return (report_json(schema, rows, command, network) if fmt == "json"
            else report_table(rows, problems, network))


# ---- output ----

def check_out_writable(path):
    """Fail before any work when --out cannot be created, as clconv-bench does."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".",
                                   dir=os.path.dirname(path) or ".")
        os.close(fd)
        os.remove(tmp)
    except OSError as e:
        raise RunError(f"cannot write --out {path}: {e.strerror}") from e


def write_out(path, text):
    """A temp file beside the target, renamed over it only when complete, so a failed
    or interrupted run never leaves a partial report."""
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".",
                                   dir=os.path.dirname(path) or ".")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as e:
        if tmp and os.path.exists(tmp):
            os.remove(tmp)
        raise RunError(f"cannot write --out {path}: {e.strerror}") from e


def error_line(message):
    print(f"{TOOL}: error: {message}", file=sys.stderr)


def run(argv):
    opts = build_parser().parse_args(argv[1:])
    check_run_options(opts)
    opts.schema = load_schema()
    described = describe(find_bench(opts), problem_flags(opts))
    problems = [make_problem(entry) for entry in described["problems"]]
    opts.epilogue = described.get("epilogue")
    if opts.out:
        check_out_writable(opts.out)
    if opts.threads:
        torch.set_num_threads(opts.threads)
    network = described.get("network")
    algos = selected_algos(opts, opts.epilogue, network)
    rows = []
    progress = sys.stderr.isatty() and len(problems) > 3
    with torch.no_grad():
        # PyTorch 1.13's float32 conv2d ran 3-6x slower in a process where no
        # float64 conv2d had run yet (AMD EPYC, 2 threads; docs/algorithms.md):
        # one tiny float64 convolution first, whether or not we verify.
        F.conv2d(torch.ones(1, 1, 3, 3, dtype=torch.float64),
                 torch.ones(1, 1, 1, 1, dtype=torch.float64))
        for i, p in enumerate(problems):
            if progress:
                print(f"\r[{i + 1}/{len(problems)}] {p.name[:60]:<60}", end="", file=sys.stderr,
                      flush=True)
            try:
                rows += run_problem(p, algos, opts)
            except RuntimeError as e:  # e.g. torch out of memory: the machine, not the user
                raise RunError(f"{p.name}: {str(e).splitlines()[0] if str(e) else e!r}") from e
    if progress:
        print("\r" + " " * 80 + "\r", end="", file=sys.stderr, flush=True)
    text = render(rows, opts.format, " ".join(argv), problems, opts.schema, network)
    failed = [r for r in rows if r["status"] == "failed"]
    for r in failed:
        error_line(f"{r['algo']} on {r['problem']['name']}: {r['note']}")
    if failed:
        # the report still shows what passed; --out gets nothing
        sys.stdout.write(text)
        return 1
    if opts.out:
        write_out(opts.out, text)
    else:
        sys.stdout.write(text)
    return 0


def main(argv):
    try:
        rc = run(argv)
        sys.stdout.flush()
        return rc
    except UsageError as e:
        error_line(str(e))
        return 2
    except RunError as e:
        error_line(str(e))
        return 1
    except MemoryError:
        error_line("out of host memory")
        return 1
    except BrokenPipeError:
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
