"""Conv2d: one nn.Conv2d (with what convert folded and fused into it) run
through clconv, a plan per input shape, on torch CPU tensors."""

import copy
import time

import torch
import torch.nn.functional as F

from ._activations import torch_function

# nn.Module.__setattr__ checks for parameters, buffers and modules (about 4
# us a call): state set on every call, never one of those, bypasses it.
_set = object.__setattr__


class Conv2d(torch.nn.Module):
    """act(conv(x, weight) + bias + residual) through clconv, weight and bias
    those of an nn.Conv2d with a following BatchNorm2d folded in (in float64,
    then rounded once to float32). Calls it cannot run on the device (autograd
    needing a gradient through the input, training mode, an input that is not
    a float32 CPU tensor) run the same function in PyTorch, and say so in
    last_run."""

    def __init__(self, ctx, io, conv, weight, bias, activation=None, alpha=1.0,
                 algo="auto", plan_options=None, name="", fused=()):
        super().__init__()
        self._ctx, self._io = ctx, io
        self._out_buf = None
        self.register_buffer("weight", weight.detach().to(torch.float32).contiguous())
        self.register_buffer("bias", None if bias is None else
                             bias.detach().to(torch.float32).contiguous())
        self.stride, self.padding = conv.stride, conv.padding
        self.dilation, self.groups = conv.dilation, conv.groups
        self.activation = activation  # clconv's name, or (name, params...), or None
        self.alpha = float(alpha)
        self.algo = algo
        self.plan_options = dict(plan_options or {})
        self.name = name
        self.fused = list(fused)
        self.takes_residual = False
        self.timed = False  # profile(): device times per stage (events) on each call
        self.plans = {}  # input shape -> clconv.Plan
        self.plans_built = 0
        self.build_ms = None  # the last plan's build and set_weights, wall time
        self.last_run = None

    def __deepcopy__(self, memo):
        """A copy (copy.deepcopy of a converted model) shares the device's
        context and tensor I/O and builds its own plans on its first call."""
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        shared = {"_ctx": self._ctx, "_io": self._io, "_out_buf": None, "plans": {},
                  "plans_built": 0, "last_run": None}
        for k, v in self.__dict__.items():
            new.__dict__[k] = shared[k] if k in shared else copy.deepcopy(v, memo)
        return new

    def extra_repr(self):
        w = self.weight.shape
        return (f"{w[1] * self.groups}, {w[0]}, kernel_size={tuple(w[2:])}, stride={self.stride}, "
                f"padding={self.padding}, groups={self.groups}, fused={self.fused}")

    def epilogue_text(self):
        """What the layer computes after the convolution, as clconv-bench
        states an epilogue, or None for a plain convolution."""
        parts = []
        if self.alpha != 1.0:
            parts.append(f"alpha {self.alpha:g}")
        if self.activation:
            a = self.activation
            parts.append(a if isinstance(a, str) else f"{a[0]}({', '.join(f'{v:g}' for v in a[1:])})")
        if self.takes_residual:
            parts.append("residual")
        return " + ".join(parts) or None

    def _plan(self, shape):
        plan = self.plans.get(shape)
        if plan is None:
            t0 = time.perf_counter()
            plan = self._ctx.plan(shape, tuple(self.weight.shape), self.stride, self.padding,
                                  self.dilation, self.algo, groups=self.groups,
                                  activation=self.activation, residual=self.takes_residual,
                                  alpha=self.alpha, io_buffers=False, **self.plan_options)
            try:
                plan.set_weights(self.weight.numpy(),
                                 None if self.bias is None else self.bias.numpy())
            except BaseException:
                plan.close()
                raise
            self.plans[shape] = plan
            self.plans_built += 1
            self.build_ms = (time.perf_counter() - t0) * 1e3
        return plan

    def pytorch_reason(self, x, z=None):
        if self.training:
            return "training mode"
        if torch.is_grad_enabled() and (x.requires_grad or (z is not None and z.requires_grad)):
            return "autograd needs a gradient through the input"
        for t, what in ((x, "input"), (z, "residual")):
            if t is None:
                continue
            if t.dtype != torch.float32:
                return f"{what} dtype {t.dtype} (float32 runs on the device)"
            if t.device.type != "cpu":
                return f"{what} on {t.device} (clconv takes CPU tensors)"
            if t.dim() != 4:
                return f"{what} of {t.dim()} dimensions ([N, C, H, W] runs on the device)"
        return None

    def _pytorch(self, x, z):
        y = F.conv2d(x, self.weight.to(x.dtype), None, self.stride, self.padding, self.dilation,
                     self.groups)
        if self.alpha != 1.0:
            y = y * self.alpha
        if self.bias is not None:
            y = y + self.bias.to(x.dtype).view(1, -1, 1, 1)
        if z is not None:
            y = y + z
        act = torch_function(self.activation)
        return act(y) if act is not None else y

    def launch(self, batch, x, z=None):
        """Enqueues this layer on x (and z) in batch (a Batch of its TensorIO),
        returns its output tensor, written once the batch finishes. x and z:
        float32 CPU tensors this layer can run (pytorch_reason None)."""
        t0 = time.perf_counter()
        x = x.contiguous()
        z = z.contiguous() if z is not None else None
        plan = self._plan(tuple(x.shape))
        out = self._io.empty(plan.output_shape)
        xb, x_copy = batch.buffer(x, "input", True)
        zb, z_copy = batch.buffer(z, "residual", True) if z is not None else (None, False)
        ob, o_copy = batch.buffer(out, "output", False)
        plan.execute(xb.mem, ob.mem, zb.mem if zb else None, timed=self.timed)
        timing = plan.timing() if self.timed else None
        _set(self, "last_run", {
            "runs": "clconv", "algo": plan.algo, "shape": tuple(x.shape),
            "device_ms": timing["device_ms"] if timing else None,
            "copies": x_copy + z_copy + o_copy, "host_ms": (time.perf_counter() - t0) * 1e3})
        _set(self, "_out_buf", (ob, o_copy))
        return out

    def finish(self, batch, out):
        """Ends batch with this layer's output out (the last launch): the
        wait counts in this layer's host time."""
        ob, copied = self._out_buf
        _set(self, "_out_buf", None)
        self.last_run["host_ms"] += batch.finish(out, ob, copied)

    def forward(self, x, residual=None):
        z = residual
        if self.takes_residual != (z is not None):
            raise ValueError(f"{self.name}: " + (
                "a fused residual layer called without its residual" if self.takes_residual
                else "a residual given to a layer that fused none"))
        reason = self.pytorch_reason(x, z)
        if reason:
            _set(self, "last_run", {"runs": "pytorch", "reason": reason})
            return self._pytorch(x, z)
        t0 = time.perf_counter()
        with self._io.batch() as batch:
            out = self.launch(batch, x, z)
            self.finish(batch, out)
        self.last_run["host_ms"] = (time.perf_counter() - t0) * 1e3
        return out

    def close(self):
        """Frees the plans (the garbage collector does too)."""
        for p in self.plans.values():
            p.close()
        self.plans = {}
