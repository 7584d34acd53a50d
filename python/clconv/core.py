"""Contexts, plans and conv2d on numpy arrays: the C library's life cycle
(context -> plan -> set_weights -> execute) with torch.nn.functional.conv2d's
argument conventions.

The library's messages (a program cache turned off, a database entry that
no longer builds, peaks that could not be measured; a third-party compiler's
output) go to Python's logging, logger "clconv": warnings as WARNING, the
rest as INFO. Each Context passes the library a log callback for this (so
CLCONV_VERBOSE no longer prints them to stderr). With logging not
configured, Python's last-resort handler prints the warnings on stderr;
configure logging, or the "clconv" logger, to see more or silence them."""

import ctypes
import logging
import math

import numpy as np

from . import _cl, _lib
from .errors import InvalidArgError, StateError

_PROBLEM_FIELDS = [name for name, _ in _lib.Problem._fields_ if name != "struct_size"]
_log = logging.getLogger("clconv")
_LOG_LEVELS = {_lib.LOG_WARNING: logging.WARNING, _lib.LOG_INFO: logging.INFO}


@_lib.LOG_FN
def _forward_log(user, level, message):
    """clconv_context_options.log: one line from the library to logger "clconv"."""
    _log.log(_LOG_LEVELS.get(level, logging.WARNING), "%s", message.decode(errors="replace"))


def _struct_dict(s, skip=()):
    out = {}
    for name, _ in s._fields_:
        if name in skip:
            continue
        v = getattr(s, name)
        out[name] = _lib.text(v) if isinstance(v, bytes) else v
    return out


def devices():
    """Every OpenCL device, as dicts (clconv_device_info's fields), grouped by
    platform in index order."""
    lst = ctypes.POINTER(_lib.DeviceList)()
    _lib.check(_lib.lib.clconv_device_list_create(ctypes.byref(lst)))
    try:
        return [_struct_dict(lst.contents.devices[i]) for i in range(lst.contents.device_count)]
    finally:
        _lib.lib.clconv_device_list_free(lst)


def live_objects():
    """(contexts, plans) alive in the process: for leak checks."""
    c, p = ctypes.c_int(), ctypes.c_int()
    _lib.lib.clconv_live_objects(ctypes.byref(c), ctypes.byref(p))
    return c.value, p.value


def _pair(value, what):
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
        return int(value[0]), int(value[1])
    raise InvalidArgError("CLCONV_ERR_INVALID_ARG",
                          f"{what}={value!r}: expected an int or a pair of ints")


def problem(input_shape, weight_shape, stride=1, padding=0, dilation=1, groups=1):
    """The clconv problem (a dict of clconv_problem's fields) of a conv2d of an
    input [N, C, H, W] (or [C, H, W]) with weights [C_out, C / groups, KH, KW],
    in torch.nn.functional.conv2d's conventions: padding is an int, a pair,
    "valid", "same" (stride 1; with an even kernel the extra row and column go
    at the bottom and right, as torch pads them), or per side
    ((top, bottom), (left, right))."""
    shape = tuple(int(v) for v in input_shape)
    wshape = tuple(int(v) for v in weight_shape)
    if len(shape) == 3:
        shape = (1,) + shape
    if len(shape) != 4:
        raise InvalidArgError("CLCONV_ERR_INVALID_ARG",
                              f"input shape {tuple(input_shape)}: expected [N, C, H, W] or "
                              "[C, H, W]")
    if len(wshape) != 4:
        raise InvalidArgError("CLCONV_ERR_INVALID_ARG",
                              f"weight shape {wshape}: expected [C_out, C_in, KH, KW]")
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
        raise InvalidArgError("CLCONV_ERR_INVALID_ARG",
                              f"groups={groups!r}: expected an int >= 1")
    if wshape[1] * groups != shape[1]:
        raise InvalidArgError("CLCONV_ERR_INVALID_ARG",
                              f"weight shape {wshape} with groups={groups} takes "
                              f"{wshape[1] * groups} input channels, the input has {shape[1]}")
    sh, sw = _pair(stride, "stride")
    dh, dw = _pair(dilation, "dilation")
    if padding == "valid":
        ph = pw = pb = pr = 0
    elif padding == "same":
        if (sh, sw) != (1, 1):
            raise InvalidArgError("CLCONV_ERR_INVALID_ARG",
                                  "padding='same' needs stride 1 (as in torch)")
        th, tw = dh * (wshape[2] - 1), dw * (wshape[3] - 1)
        ph, pb, pw, pr = th // 2, th - th // 2, tw // 2, tw - tw // 2
    elif (isinstance(padding, (tuple, list)) and len(padding) == 2
          and all(isinstance(v, (tuple, list)) for v in padding)):
        (ph, pb), (pw, pr) = _pair(padding[0], "padding"), _pair(padding[1], "padding")
    else:
        ph, pw = _pair(padding, "padding")
        pb, pr = ph, pw
    return dict(batch=shape[0], in_channels=shape[1], height=shape[2], width=shape[3],
                out_channels=wshape[0], kernel_h=wshape[2], kernel_w=wshape[3], stride_h=sh,
                stride_w=sw, pad_h=ph, pad_w=pw, pad_bottom=pb, pad_right=pr, dilation_h=dh,
                dilation_w=dw, groups=int(groups))


def _c_problem(p):
    unknown = set(p) - set(_PROBLEM_FIELDS)
    if unknown:
        raise InvalidArgError("CLCONV_ERR_INVALID_ARG",
                              f"problem: unknown field(s) {sorted(unknown)} (fields: "
                              f"{', '.join(_PROBLEM_FIELDS)})")
    c = _lib.init(_lib.Problem)  # unset fields: the library's defaults
    for k, v in p.items():
        setattr(c, k, int(v))
    return c


def _cost_dict(c):
    return {"flops": c.flops, "bytes": c.bytes,
            "stages": [{"name": _lib.text(c.stages[i].name), "flops": c.stages[i].flops,
                        "bytes": c.stages[i].bytes} for i in range(c.stage_count)]}


def cost(problem_, algo=None, bias=False):
    """FLOPs and compulsory bytes of one run of `algo` on a problem (a dict
    from clconv.problem), per stage, as clconv implements it; algo None: the
    convolution itself, whatever computes it."""
    p = _c_problem(problem_)
    if algo is None:
        flops, nbytes = ctypes.c_double(), ctypes.c_double()
        _lib.check(_lib.lib.clconv_problem_validate(ctypes.byref(p)))
        _lib.lib.clconv_problem_cost(ctypes.byref(p), int(bias), ctypes.byref(flops),
                                     ctypes.byref(nbytes))
        return {"flops": flops.value, "bytes": nbytes.value, "stages": []}
    value = _lib.algo_value(algo)
    if value == _lib.ALGO_AUTO:
        raise InvalidArgError("CLCONV_ERR_INVALID_ARG",
                              "cost of 'auto': a plan's choice has a cost (Plan.cost())")
    c = _lib.Cost()
    _lib.check(_lib.lib.clconv_algo_cost(ctypes.byref(p), value, int(bias), ctypes.byref(c)))
    return _cost_dict(c)


def _float32(array, what):
    """A C-contiguous float32 copy or view of array (numpy, torch or a list), as
    numpy would make it; complex and non-numeric data refused."""
    if hasattr(array, "detach"):  # a torch tensor: its data, not its graph
        array = array.detach().cpu().numpy()
    a = np.asarray(array)
    if a.dtype.kind not in "fiub":
        raise InvalidArgError("CLCONV_ERR_INVALID_ARG",
                              f"{what}: dtype {a.dtype} is not real numbers (float32 wanted)")
    return np.ascontiguousarray(a, dtype=np.float32)


# PyTorch's defaults for the parameters it gives defaults (F.leaky_relu's
# negative_slope); clamp's bounds have none (F.hardtanh's -1, 1 would be a guess).
_ACTIVATION_DEFAULTS = {"leaky_relu": (0.01,)}


def _epilogue(activation, residual, alpha, beta):
    """The library's clconv_epilogue for these keywords, checked by the library
    (its message names the field). activation: a name
    as PyTorch's function ("relu", "relu6", "leaky_relu", "silu", ...) or a
    tuple of the name and its parameters (("leaky_relu", 0.1), ("clamp", lo, hi))."""
    name, args = (activation, ()) if isinstance(activation, str) or activation is None \
        else (activation[0], tuple(activation[1:]))
    name = name or "none"
    if name not in _lib.ACTIVATIONS:
        raise InvalidArgError("CLCONV_ERR_INVALID_ARG",
                              f"activation={name!r}: one of {', '.join(_lib.ACTIVATIONS)}")
    value = _lib.ACTIVATIONS.index(name)
    want = _lib.lib.clconv_activation_param_count(value)
    args = args or _ACTIVATION_DEFAULTS.get(name, ())
    if len(args) != want:
        raise InvalidArgError("CLCONV_ERR_INVALID_ARG",
                              f"activation={activation!r}: {name} takes {want} parameter"
                              f"{'' if want == 1 else 's'}, got {len(args)}")
    e = _lib.init(_lib.Epilogue)  # the identity compiles to the plain convolution
    e.activation = value
    for i, v in enumerate(args):
        e.activation_params[i] = float(v)
    e.alpha, e.beta, e.residual = float(alpha), float(beta), 1 if residual else 0
    _lib.check(_lib.lib.clconv_epilogue_validate(ctypes.byref(e)))
    return e


def _options(algo, auto_mode, fft_backend, gemm_backend, tune, params, workspace_limit,
             epilogue=None):
    o = _lib.init(_lib.PlanOptions)
    if epilogue is not None:
        o.epilogue = ctypes.pointer(epilogue)  # ctypes keeps its target alive with o
    o.workspace_limit_bytes = int(workspace_limit or 0)
    for field, value, names in (("fft_backend", fft_backend, _lib.FFT_BACKENDS),
                                ("gemm_backend", gemm_backend, _lib.GEMM_BACKENDS),
                                ("auto_mode", auto_mode, _lib.AUTO_MODES)):
        if value is None:
            continue
        if value not in names:
            raise InvalidArgError("CLCONV_ERR_INVALID_ARG",
                                  f"{field}={value!r}: one of {', '.join(names)}")
        setattr(o, field, names.index(value))
    o.tune = 1 if tune else 0
    o.params = params.encode() if params else None
    return o


class _Owned:
    """A library handle: close() ends it, `with` closes it, and so does the
    garbage collector (through _drop, which must not raise)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self._drop()


class Context(_Owned):
    """One OpenCL device and queue. device: None ($CLCONV_DEVICE, else the
    first device), a name substring ("pocl", "rusticl", matched against
    platform and device names and vendors) or (platform, device) indexes.
    disk_cache=False: nothing read from or written to clconv's cache
    directory (programs, peaks, tuning; clconv_context_options.
    disable_disk_cache): the context measures the peaks once for itself."""

    def __init__(self, device=None, cache_dir=None, kernel_dir=None, disk_cache=True):
        self._handle = None
        sel = _lib.init(_lib.DeviceSelector)
        if isinstance(device, str):
            sel.name_substring = device.encode()
        elif isinstance(device, (tuple, list)) and len(device) == 2:
            sel.platform_index, sel.device_index = int(device[0]), int(device[1])
        elif device is not None:
            raise InvalidArgError("CLCONV_ERR_INVALID_ARG",
                                  f"device={device!r}: a name substring, (platform, device) "
                                  "or None")
        opt = _lib.init(_lib.ContextOptions)
        opt.cache_dir = cache_dir.encode() if cache_dir else None
        opt.kernel_dir = kernel_dir.encode() if kernel_dir else None
        opt.disable_disk_cache = 0 if disk_cache else 1
        # The library calls it for as long as the context lives (its plans
        # included): the context holds the ctypes thunk so it is never freed
        # before the context, module teardown at exit included.
        self._log_fn = _forward_log
        opt.log = self._log_fn
        handle = ctypes.c_void_p()
        _lib.check(_lib.lib.clconv_context_create(ctypes.byref(sel), ctypes.byref(opt),
                                                  ctypes.byref(handle)))
        self._handle = handle.value

    @property
    def device(self):
        """clconv_device_info of the context's device, as a dict."""
        return _struct_dict(_lib.lib.clconv_context_device(self._live()).contents)

    @property
    def cl_context(self):
        """The context's cl_context handle (an int): Plan.enqueue's buffers
        belong to it (pyopencl.Context.from_int_ptr takes it)."""
        return _lib.lib.clconv_context_cl_context(self._live())

    @property
    def cl_queue(self):
        """The in-order cl_command_queue (an int) the plans run on."""
        return _lib.lib.clconv_context_queue(self._live())

    def _live(self):
        if not self._handle:
            raise StateError("CLCONV_ERR_STATE", "the context is closed")
        return self._handle

    def plan(self, input_shape, weight_shape, stride=1, padding=0, dilation=1, algo="auto",
             auto_mode=None, fft_backend=None, gemm_backend=None, tune=False, params=None,
             workspace_limit=0, groups=1, activation=None, residual=False, alpha=1.0,
             beta=1.0, io_buffers=True):
        """A Plan for repeated conv2d of this shape: kernels built and the
        workspace allocated once, weights transformed once per set_weights.
        The epilogue act(alpha * conv + bias + beta * residual) runs in the
        last stage: activation as PyTorch names its function ("relu",
        ("leaky_relu", 0.1), ("clamp", lo, hi), ...); residual=True makes
        every call take one (plan(x, residual=z)). io_buffers=False: the plan
        holds no input and output buffers, and runs only on the caller's
        (Plan.execute, Plan.enqueue)."""
        return Plan(self, problem(input_shape, weight_shape, stride, padding, dilation, groups),
                    algo,
                    _options(algo, auto_mode, fft_backend, gemm_backend, tune, params,
                             workspace_limit, _epilogue(activation, residual, alpha, beta)),
                    squeeze=len(tuple(input_shape)) == 3, io_buffers=io_buffers)

    def conv2d(self, input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1,
               algo="auto", activation=None, residual=None, alpha=1.0, beta=1.0,
               **plan_options):
        """torch.nn.functional.conv2d(input, weight, bias, stride, padding,
        dilation, groups) on this device, as a numpy float32 array, followed in
        its last stage by act(alpha * conv + bias + beta * residual) when
        activation, residual (an array of the output's shape) or alpha are
        given. Makes a plan, runs it once and frees it: use plan() for
        repeated calls."""
        x = _float32(input, "input")
        w = _float32(weight, "weight")
        with self.plan(x.shape, w.shape, stride, padding, dilation, algo, groups=groups,
                       activation=activation, residual=residual is not None, alpha=alpha,
                       beta=beta, **plan_options) as p:
            p.set_weights(w, bias)
            return p(x, residual=residual)

    def peaks(self, remeasure=False):
        """The device's measured peaks (clconv_measure_peaks) as a dict."""
        pk = _lib.Peaks()
        _lib.check(_lib.lib.clconv_measure_peaks(self._live(), 1 if remeasure else 0,
                                                 ctypes.byref(pk)), self._handle)
        return _struct_dict(pk)

    def predict(self, problem_, **plan_options):
        """The automatic choice's prediction for a problem (a dict from
        clconv.problem): per algorithm its predicted and bound time, and the
        best; no trial runs."""
        o = _options("auto", None, plan_options.get("fft_backend"),
                     plan_options.get("gemm_backend"), False, None,
                     plan_options.get("workspace_limit", 0))
        p = _c_problem(problem_)
        # One entry per algorithm the library names (ALGOS comes from it, so
        # count == ALGO_COUNT); entries beyond the array would be algorithms
        # this package could not name anyway.
        entries = (_lib.AlgoPrediction * _lib.ALGO_COUNT)(
            *[_lib.init(_lib.AlgoPrediction) for _ in range(_lib.ALGO_COUNT)])
        count, best = ctypes.c_size_t(), ctypes.c_int()
        _lib.check(_lib.lib.clconv_predict(self._live(), ctypes.byref(p), ctypes.byref(o),
                                           entries, len(entries), ctypes.byref(count),
                                           ctypes.byref(best)), self._handle)
        per = {_lib.algo_name(e.algo): {
                   "runs": bool(e.runs), "predicted_ms": _nan_none(e.predicted_ms),
                   "bound_ms": _nan_none(e.bound_ms), "efficiency": _nan_none(e.efficiency),
                   "history": e.history, "workspace_bytes": e.workspace_bytes}
               for e in entries[:min(count.value, len(entries))]}
        return {"best": _lib.algo_name(best.value) if best.value != _lib.ALGO_AUTO else None,
                "algorithms": per}

    def close(self):
        """Destroys the context (BusyError while its plans are open)."""
        if self._handle:
            _lib.check(_lib.lib.clconv_context_destroy(self._handle), self._handle)
            self._handle = None

    def _drop(self):
        if self._handle:  # plans hold their context: none is alive here
            _lib.lib.clconv_context_destroy(self._handle)
            self._handle = None

    def __repr__(self):
        if not self._handle:
            return "<clconv.Context closed>"
        d = self.device
        return f"<clconv.Context {d['platform_name']}: {d['name']}>"


def _nan_none(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


class Plan(_Owned):
    """A conv2d of one shape on one context. Call set_weights(w, bias) once
    per weights, then plan(x) as often as needed."""

    def __init__(self, ctx, problem_, algo, options, squeeze=False, io_buffers=True):
        self._handle = None
        self._bufs = {}
        self.context = ctx  # keeps the context alive while the plan is
        self.problem = dict(problem_)
        self._squeeze = squeeze
        self._options = options  # its params string must outlive the call
        self._c = _c_problem(problem_)
        handle = ctypes.c_void_p()
        _lib.check(_lib.lib.clconv_plan_create_with_options(
            ctx._live(), ctypes.byref(self._c), _lib.algo_value(algo), ctypes.byref(options),
            ctypes.byref(handle)), ctx._handle)
        self._handle = handle.value
        self._timing = None
        self._has_weights = False
        try:
            lib = _lib.lib
            oh = lib.clconv_problem_out_height(ctypes.byref(self._c))
            ow = lib.clconv_problem_out_width(ctypes.byref(self._c))
            p = self.problem
            self.input_shape = (p["batch"], p["in_channels"], p["height"], p["width"])
            self.weight_shape = (p["out_channels"],
                                 p["in_channels"] // max(1, p.get("groups", 1)), p["kernel_h"],
                                 p["kernel_w"])
            self.output_shape = (p["batch"], p["out_channels"], oh, ow)
            self.residual = bool(options.epilogue and options.epilogue.contents.residual)
            io = io_buffers or None  # None: no buffer of that role
            for name, shape in (("input", io and self.input_shape),
                                ("output", io and self.output_shape),
                                ("weights", self.weight_shape), ("bias", (p["out_channels"],)),
                                ("residual", io and self.residual and self.output_shape)):
                if shape:
                    self._bufs[name] = _cl.Buffer(ctx._handle, 4 * math.prod(shape), name)
        except BaseException:
            self.close()
            raise

    def _live(self):
        if not self._handle:
            raise StateError("CLCONV_ERR_STATE", "the plan is closed")
        return self._handle

    def set_weights(self, weight, bias=None):
        """Weights [C_out, C_in, KH, KW] and optional bias [C_out]: copied to
        the device, transformed once (the FFT and Winograd algorithms)."""
        h = self._live()
        w = _float32(weight, "weight")
        if w.shape != self.weight_shape:
            raise InvalidArgError("CLCONV_ERR_INVALID_ARG",
                                  f"weight shape {w.shape}: the plan takes {self.weight_shape}")
        self._bufs["weights"].write(w)
        b_mem = None
        if bias is not None:
            b = _float32(bias, "bias")
            if b.shape != (self.weight_shape[0],):
                raise InvalidArgError("CLCONV_ERR_INVALID_ARG",
                                      f"bias shape {b.shape}: the plan takes "
                                      f"({self.weight_shape[0]},)")
            self._bufs["bias"].write(b)
            b_mem = self._bufs["bias"].mem
        self._has_weights = False
        _lib.check(_lib.lib.clconv_plan_set_weights(h, self._bufs["weights"].mem, b_mem),
                   self.context._handle)
        self._has_weights = True

    def __call__(self, input, residual=None):
        """The convolution of input (the plan's shape) as a new float32 array;
        residual (the output's shape) when the plan was made with residual=True."""
        h = self._live()
        if "input" not in self._bufs:
            raise StateError("CLCONV_ERR_STATE", "a plan made with io_buffers=False runs on "
                             "the caller's buffers: Plan.execute or Plan.enqueue")
        x = _float32(input, "input")
        want = self.input_shape[1:] if self._squeeze else self.input_shape
        if x.shape != want:
            raise InvalidArgError("CLCONV_ERR_INVALID_ARG",
                                  f"input shape {x.shape}: the plan takes {want}")
        if (residual is not None) != self.residual:
            raise InvalidArgError("CLCONV_ERR_INVALID_ARG",
                                  "residual: the plan takes one (made with residual=True)"
                                  if self.residual else
                                  "residual given to a plan made without residual=True")
        z_mem = None
        if residual is not None:
            z = _float32(residual, "residual")
            want_z = self.output_shape[1:] if self._squeeze else self.output_shape
            if z.shape != want_z:
                raise InvalidArgError("CLCONV_ERR_INVALID_ARG",
                                      f"residual shape {z.shape}: the plan's output is {want_z}")
            self._bufs["residual"].write(z)
            z_mem = self._bufs["residual"].mem
        self._bufs["input"].write(x)
        t = _lib.Timing()
        _lib.check(_lib.lib.clconv_plan_execute_residual(h, self._bufs["input"].mem, z_mem,
                                                         self._bufs["output"].mem,
                                                         ctypes.byref(t)),
                   self.context._handle)
        self._timing = t
        out = np.empty(self.output_shape, dtype=np.float32)
        self._bufs["output"].read(out)
        return out[0] if self._squeeze else out

    run = __call__

    def execute(self, input_mem, output_mem, residual_mem=None, timed=False):
        """Runs the convolution of the caller's device buffers (cl_mem
        handles as ints, of context.cl_context). timed: waits for it and
        records per-stage device times (timing()); else only enqueues on
        context.cl_queue (the caller waits, e.g. reading the output)."""
        t = _lib.Timing() if timed else None
        _lib.check(_lib.lib.clconv_plan_execute_residual(
            self._live(), input_mem, residual_mem, output_mem, ctypes.byref(t) if timed else None),
            self.context._handle)
        if timed:
            self._timing = t

    def enqueue(self, input_mem, output_mem, wait_for=(), residual_mem=None):
        """Enqueues the convolution of the caller's device buffers (cl_mem
        handles as ints, e.g. pyopencl's Buffer.int_ptr, of
        context.cl_context) on context.cl_queue after the cl_event handles
        in wait_for, and returns at once: the cl_event (an int) that
        completes when output_mem is written. The caller releases it
        (pyopencl.Event.from_int_ptr(event, retain=False) takes it over).
        The weights are set_weights'; residual_mem is the residual's buffer
        for a plan made with residual=True; timing() does not see these runs."""
        h = self._live()
        waits = list(wait_for)
        array = (ctypes.c_void_p * len(waits))(*waits) if waits else None  # OpenCL: NULL for 0
        event = ctypes.c_void_p()
        _lib.check(_lib.lib.clconv_plan_enqueue_residual(h, input_mem, residual_mem, output_mem,
                                                         len(waits), array, ctypes.byref(event)),
                   self.context._handle)
        return event.value

    def timing(self):
        """The last run's device time per stage, in ms: {"stages": {name: ms},
        "device_ms": ms}; times are None where the device has no real
        timestamps. None before the first run."""
        t = self._timing
        if t is None:
            return None
        ms = lambda v: v if v >= 0 else None  # noqa: E731 (negative: no timestamps)
        return {"stages": {_lib.text(t.stages[i].name): ms(t.stages[i].ms)
                           for i in range(t.stage_count)},
                "device_ms": ms(t.device_ms)}

    @property
    def algo(self):
        """The algorithm that runs (for algo="auto": the chosen one)."""
        return _lib.algo_name(_lib.lib.clconv_plan_algo(self._live()))

    @property
    def choice(self):
        """What algo="auto" chose and why (clconv_choice as a dict), or None
        for a plan of a named algorithm."""
        c = _lib.Choice()
        if _lib.lib.clconv_plan_choice(self._live(), ctypes.byref(c)) != 0:
            return None
        d = _struct_dict(c)
        for k in ("algo", "runner_up", "limited"):
            d[k] = _lib.algo_name(d[k]) if d[k] != _lib.ALGO_AUTO else None
        d["mode"] = _lib.AUTO_MODES[d["mode"]]
        return {k: _nan_none(v) for k, v in d.items()}

    @property
    def params(self):
        """The tunable kernel's parameters as they run ("" for none) and their source."""
        buf = ctypes.create_string_buffer(512)
        src = _lib.lib.clconv_plan_params(self._live(), buf, len(buf))
        return buf.value.decode(), _lib.PARAMS_SOURCES[src]

    @property
    def workspace_bytes(self):
        return _lib.lib.clconv_plan_workspace_bytes(self._live())

    def cost(self):
        """FLOPs and bytes of one run of this plan, per stage."""
        c = _lib.Cost()
        _lib.lib.clconv_plan_cost(self._live(), ctypes.byref(c))
        return _cost_dict(c)

    def close(self):
        for b in self._bufs.values():
            b.close()
        self._bufs = {}
        if self._handle:
            _lib.lib.clconv_plan_destroy(self._handle)
            self._handle = None

    _drop = close

    def __repr__(self):
        return f"<clconv.Plan {self.algo if self._handle else 'closed'} {self.problem}>"
