"""profile(): a converted model beside PyTorch's own, per convolution and
end to end, from one process and interleaved runs."""

import statistics
import time

import torch

from ._convert import convert
from ._layer import Conv2d


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _short(fused):
    """A fused module as the table names it: "bn1", "relu", "residual"."""
    if "residual add" in fused:
        return "residual"
    if "F.relu" in fused:
        return "relu"
    return fused.split(" (")[0].rsplit(".", 1)[-1]


def _forward_ms(model, x):
    t0 = time.perf_counter()
    model(x)
    return (time.perf_counter() - t0) * 1e3


class Profile:
    """What profile() measured. layers: per convolution, in the model's
    order: name, input shape, where it ran ("clconv" or "pytorch" and why),
    the algorithm and auto's choice, what was fused into it, clconv's median
    device and host time of one call, PyTorch's median time for the same
    nn.Conv2d (its BatchNorm and activation not included), and each run's
    times (*_times). totals: the sums and both models' end-to-end forward
    (forward_times, pytorch_forward_times: each run's). Printing it gives
    the table."""

    def __init__(self, title, device, io_mode, layers, totals, left):
        self.title, self.device, self.io_mode = title, device, io_mode
        self.layers, self.totals, self.left_in_pytorch = layers, totals, left

    def table(self):
        f = lambda v, w=8: f"{v:{w}.3f}" if v is not None else f"{'-':>{w}}"  # noqa: E731
        lines = [f"{self.title} on {self.device}; tensors {self.io_mode}; PyTorch "
                 f"{torch.__version__} with {torch.get_num_threads()} threads; medians, ms",
                 "host: one call's wall time; where layers run back to back (one wait), "
                 "each one's enqueue and the last one's wait",
                 f"{'layer':<34} {'input':<16} {'algo':<12} {'device':>8} {'host':>8} "
                 f"{'PyTorch':>8} {'dev/PT':>6}  fused"]
        for r in self.layers:
            shape = "x".join(str(v) for v in r["input"])
            mine = r["device_ms"] or r["host_ms"]
            ratio = (f"{mine / r['pytorch_ms']:6.2f}" if mine and r["pytorch_ms"]
                     else f"{'-':>6}")
            algo = r["algo"] if r["runs"] == "clconv" else "PyTorch"
            fused = ", ".join(_short(s) for s in r["fused"])
            lines.append(f"{r['name'][:34]:<34} {shape:<16} {algo:<12} {f(r['device_ms'])} "
                         f"{f(r['host_ms'])} {f(r['pytorch_ms'])} {ratio}  {fused}")
        t = self.totals
        device = (f"device {t['device_ms']:.3f}, host {t['host_ms']:.3f} "
                  f"({t['host_ms'] / t['device_ms']:.2f}x device)" if t["device_ms"] else
                  f"device - (no device timestamps), host {t['host_ms']:.3f}")
        lines.append(f"convolutions: {t['layers']} calls; clconv {device}; "
                     f"PyTorch {t['pytorch_conv_ms']:.3f} (conv2d alone)")
        lines.append(f"forward: clconv {t['forward_ms']:.3f}, PyTorch {t['pytorch_forward_ms']:.3f}"
                     f" ({t['forward_ms'] / t['pytorch_forward_ms']:.2f}x)")
        lines.append("left in PyTorch: " + ("; ".join(
            f"{e['name']}: {e['reason']}" for e in self.left_in_pytorch) or "none"))
        return "\n".join(lines)

    __str__ = table


def profile(model, example_input, device=None, algo="auto", fuse=True, repeats=10, warmup=2,
            title=None, **plan_options):
    """Converts model (as convert(), kept as .model) and runs it and model
    itself on example_input, interleaved, `repeats` times each after
    `warmup`: end-to-end forwards and each convolution's host time
    (untimed calls), then each convolution's device time (calls with
    events) and PyTorch's per nn.Conv2d (forward hooks). model must be in
    eval mode; runs under torch.no_grad()."""
    converted = convert(model, device, algo, fuse, **plan_options)
    layers = [m for m in converted.modules() if isinstance(m, Conv2d)]
    by_name = {name: m for name, m in model.named_modules()
               if isinstance(m, torch.nn.Conv2d)}
    host, device_ms = {l.name: [] for l in layers}, {l.name: [] for l in layers}
    theirs = {name: [] for name in by_name}
    fwd, fwd_theirs = [], []

    def hooks():
        started = {}
        pre = lambda name: lambda m, a: started.__setitem__(name, time.perf_counter())  # noqa
        post = lambda name: lambda m, a, out: theirs[name].append(  # noqa: E731
            (time.perf_counter() - started[name]) * 1e3)
        return [h for name, m in by_name.items() for h in (
            m.register_forward_pre_hook(pre(name)), m.register_forward_hook(post(name)))]

    with torch.no_grad():
        for _ in range(warmup):
            converted(example_input)
            model(example_input)
        for _ in range(repeats):
            fwd.append(_forward_ms(converted, example_input))
            fwd_theirs.append(_forward_ms(model, example_input))
            for layer in layers:
                if layer.last_run:
                    host[layer.name].append(layer.last_run.get("host_ms"))
        for layer in layers:
            layer.timed = True
        handles = hooks()
        try:
            for _ in range(repeats):
                converted(example_input)
                model(example_input)
                for layer in layers:
                    device_ms[layer.name].append((layer.last_run or {}).get("device_ms"))
        finally:
            for h in handles:
                h.remove()
            for layer in layers:
                layer.timed = False
    rows = []
    for layer in layers:
        run = layer.last_run or {}
        plan = layer.plans.get(run.get("shape"))
        rows.append({"name": layer.name, "input": run.get("shape") or (),
                     "runs": run.get("runs"), "reason": run.get("reason"),
                     "algo": run.get("algo"), "fused": list(layer.fused),
                     "device_ms": _median(device_ms[layer.name]),
                     "host_ms": _median(host[layer.name]),
                     "pytorch_ms": _median(theirs.get(layer.name, [])),
                     "device_times": [v for v in device_ms[layer.name] if v is not None],
                     "host_times": [v for v in host[layer.name] if v is not None],
                     "pytorch_times": theirs.get(layer.name, []),
                     "build_ms": layer.build_ms, "epilogue": layer.epilogue_text(),
                     "choice": plan.choice if plan else None,
                     "workspace_bytes": plan.workspace_bytes if plan else 0,
                     "copies": run.get("copies"), "plans": layer.plans_built})
    ran = [r for r in rows if r["runs"] == "clconv"]
    totals = {"layers": len(ran),
              "device_ms": (sum(r["device_ms"] for r in ran)
                            if all(r["device_ms"] is not None for r in ran) else None),
              "host_ms": sum(r["host_ms"] or 0 for r in ran),
              "pytorch_conv_ms": sum(_median(v) or 0 for v in theirs.values()),
              "forward_ms": _median(fwd), "pytorch_forward_ms": _median(fwd_theirs),
              "forward_times": fwd, "pytorch_forward_times": fwd_theirs}
    left = [e for e in converted.clconv_layers if e["runs"] == "pytorch"]
    ctx = layers[0]._ctx if layers else None
    dev = ctx.device if ctx else {}
    result = Profile(title or type(model).__name__,
                     f"{dev.get('name', '?')} ({dev.get('platform_name', '?')})",
                     layers[0]._io.mode if layers else "-", rows, totals, left)
    result.model = converted
    return result
