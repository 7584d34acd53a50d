"""The C library through ctypes: finding libclconv.so.1 (the ABI these
mirrors are written for), the structs it shares with include/clconv.h
(checked against the library's own sizes at load), the function signatures,
and turning a clconv_status into an exception.

Every struct the caller fills starts with struct_size: make it with the
library's init function (init(), below), which sets the size and the
library's defaults, then set the fields you need.

Nothing here knows an algorithm, a backend or a status by name: those lists
come from the library (clconv_algo_name, clconv_status_string, ...)."""

import ctypes
import os

from . import errors

_HERE = os.path.dirname(os.path.abspath(__file__))
NAME_MAX = 256  # CLCONV_NAME_MAX
MAX_STAGES = 8  # CLCONV_MAX_STAGES
SOVERSION = 1  # CLCONV_SOVERSION: the ABI of the mirrors below
SONAME = f"libclconv.so.{SOVERSION}"


def _candidates():
    """Where libclconv.so.1 may be, in order: $CLCONV_LIBRARY, the install
    prefix (the package installed beside the library: <prefix>/lib*/), the
    system's library path, then the build tree of this checkout. By SONAME,
    not libclconv.so: that name is the development link, absent from a
    runtime install, and may point at another ABI."""
    env = os.environ.get("CLCONV_LIBRARY")
    if env:
        yield env
        return
    prefix = _HERE
    for _ in range(6):  # <prefix>/lib/python3/dist-packages/clconv, or a venv's
        prefix = os.path.dirname(prefix)
        for lib in ("lib", "lib64", os.path.join("lib", "x86_64-linux-gnu")):
            path = os.path.join(prefix, lib, SONAME)
            if os.path.exists(path):
                yield path
    yield SONAME  # dlopen searches LD_LIBRARY_PATH and the ld.so cache
    checkout = os.path.dirname(os.path.dirname(_HERE))
    for build in ("build", "build-rel"):
        path = os.path.join(checkout, build, SONAME)
        if os.path.exists(path):
            yield path


def _load():
    tried = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            tried.append(f"{path}: {e}")
    raise ImportError(
        f"clconv: needs {SONAME} (clconv 0.2's ABI) and found none; set CLCONV_LIBRARY to "
        "its path, install clconv (cmake --install build) or build it in this checkout "
        "(cmake -S . -B build && cmake --build build)" +
        ("; tried " + "; ".join(tried) if tried else ""))


lib, path = _load()


def _names(fn, start=0):
    """Every value a name function knows, in order, up to its first NULL."""
    fn.restype = ctypes.c_char_p
    fn.argtypes = [ctypes.c_int]
    out = []
    while True:
        name = fn(start + len(out))
        if name is None:
            return out
        out.append(name.decode())


ALGOS = _names(lib.clconv_algo_name)
ALGO_AUTO = 100  # CLCONV_ALGO_AUTO
AUTO_MODES = _names(lib.clconv_auto_mode_name)
FFT_BACKENDS = _names(lib.clconv_fft_backend_name)
GEMM_BACKENDS = _names(lib.clconv_gemm_backend_name)
PARAMS_SOURCES = _names(lib.clconv_params_source_name)
ACTIVATIONS = _names(lib.clconv_activation_name)
ALGO_COUNT = len(ALGOS)

lib.clconv_status_string.restype = ctypes.c_char_p
lib.clconv_status_string.argtypes = [ctypes.c_int]


def algo_name(value):
    return "auto" if value == ALGO_AUTO else ALGOS[value] if 0 <= value < ALGO_COUNT else None


def algo_value(name):
    if name == "auto":
        return ALGO_AUTO
    if name in ALGOS:
        return ALGOS.index(name)
    raise errors.InvalidArgError(
        "CLCONV_ERR_INVALID_ARG",
        f"unknown algorithm {name!r} (one of: {', '.join(ALGOS + ['auto'])})")


class Problem(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t)] + [(f, ctypes.c_int) for f in (
        "batch", "in_channels", "height", "width", "out_channels", "kernel_h", "kernel_w",
        "stride_h", "stride_w", "pad_h", "pad_w", "dilation_h", "dilation_w", "groups",
        "pad_bottom", "pad_right")]


class PlatformInfo(ctypes.Structure):
    _fields_ = [("index", ctypes.c_int), ("name", ctypes.c_char * NAME_MAX),
                ("vendor", ctypes.c_char * NAME_MAX), ("version", ctypes.c_char * NAME_MAX),
                ("device_count", ctypes.c_int)]


class DeviceInfo(ctypes.Structure):
    _fields_ = [("platform_index", ctypes.c_int), ("device_index", ctypes.c_int)] + [
        (f, ctypes.c_char * NAME_MAX) for f in (
            "platform_name", "platform_vendor", "platform_version", "name", "vendor", "version",
            "driver_version")] + [
        ("type", ctypes.c_char * 16), ("compute_units", ctypes.c_uint),
        ("clock_mhz", ctypes.c_uint), ("global_mem_bytes", ctypes.c_uint64),
        ("local_mem_bytes", ctypes.c_uint64), ("max_alloc_bytes", ctypes.c_uint64),
        ("max_work_group_size", ctypes.c_size_t), ("fp64", ctypes.c_int), ("fp16", ctypes.c_int),
        ("preferred_vector_width_float", ctypes.c_uint), ("profiling", ctypes.c_int)]


class DeviceList(ctypes.Structure):
    _fields_ = [("platform_count", ctypes.c_int), ("platforms", ctypes.POINTER(PlatformInfo)),
                ("device_count", ctypes.c_int), ("devices", ctypes.POINTER(DeviceInfo))]


class DeviceSelector(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("platform_index", ctypes.c_int),
                ("device_index", ctypes.c_int), ("name_substring", ctypes.c_char_p)]


_COMPILE_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)
_PROGRESS_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_int)
LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p)
LOG_WARNING, LOG_INFO = 0, 1  # clconv_log_level


class ContextOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("kernel_dir", ctypes.c_char_p),
                ("cache_dir", ctypes.c_char_p), ("disable_disk_cache", ctypes.c_int),
                ("library_compile", _COMPILE_FN), ("library_compile_user", ctypes.c_void_p),
                ("log", LOG_FN), ("log_user", ctypes.c_void_p)]


class Epilogue(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("alpha", ctypes.c_float),
                ("beta", ctypes.c_float), ("residual", ctypes.c_int),
                ("activation", ctypes.c_int), ("activation_params", ctypes.c_float * 2)]


class PlanOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t),
                ("workspace_limit_bytes", ctypes.c_size_t), ("fft_backend", ctypes.c_int),
                ("gemm_backend", ctypes.c_int), ("tune", ctypes.c_int),
                ("params", ctypes.c_char_p), ("tune_progress", _PROGRESS_FN),
                ("tune_progress_user", ctypes.c_void_p), ("auto_mode", ctypes.c_int),
                ("epilogue", ctypes.POINTER(Epilogue))]


class Choice(ctypes.Structure):
    _fields_ = [("algo", ctypes.c_int), ("mode", ctypes.c_int), ("source", ctypes.c_char_p),
                ("predicted_ms", ctypes.c_double), ("found_ms", ctypes.c_double),
                ("runner_up", ctypes.c_int), ("runner_up_ms", ctypes.c_double),
                ("trial_runs", ctypes.c_int), ("candidates", ctypes.c_int),
                ("limited", ctypes.c_int), ("limited_workspace_bytes", ctypes.c_size_t)]


class AlgoPrediction(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("algo", ctypes.c_int), ("runs", ctypes.c_int),
                ("predicted_ms", ctypes.c_double), ("bound_ms", ctypes.c_double),
                ("efficiency", ctypes.c_double), ("history", ctypes.c_int),
                ("workspace_bytes", ctypes.c_size_t)]


class StageTime(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("ms", ctypes.c_double)]


class Timing(ctypes.Structure):
    _fields_ = [("stage_count", ctypes.c_int), ("stages", StageTime * MAX_STAGES),
                ("device_ms", ctypes.c_double)]


class StageCost(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("flops", ctypes.c_double),
                ("bytes", ctypes.c_double)]


class Cost(ctypes.Structure):
    _fields_ = [("flops", ctypes.c_double), ("bytes", ctypes.c_double),
                ("stage_count", ctypes.c_int), ("stages", StageCost * MAX_STAGES)]


class Peaks(ctypes.Structure):
    _fields_ = [("bandwidth_gbs", ctypes.c_double), ("gflops", ctypes.c_double),
                ("gemm_gflops", ctypes.c_double), ("gemm_backend", ctypes.c_char_p),
                ("from_cache", ctypes.c_int), ("measure_ms", ctypes.c_double),
                ("time_source", ctypes.c_char_p)]


class Roofline(ctypes.Structure):
    _fields_ = [("intensity", ctypes.c_double), ("gflops", ctypes.c_double),
                ("gbs", ctypes.c_double), ("bound_ms", ctypes.c_double),
                ("efficiency", ctypes.c_double), ("verdict", ctypes.c_char_p),
                ("above_peak", ctypes.c_int)]


lib.clconv_struct_size.restype = ctypes.c_size_t
lib.clconv_struct_size.argtypes = [ctypes.c_char_p]
for _c_name, _mirror in (("clconv_problem", Problem), ("clconv_platform_info", PlatformInfo),
                         ("clconv_device_info", DeviceInfo), ("clconv_device_list", DeviceList),
                         ("clconv_device_selector", DeviceSelector),
                         ("clconv_context_options", ContextOptions),
                         ("clconv_plan_options", PlanOptions), ("clconv_choice", Choice),
                         ("clconv_epilogue", Epilogue),
                         ("clconv_algo_prediction", AlgoPrediction),
                         ("clconv_stage_time", StageTime),
                         ("clconv_timing", Timing), ("clconv_stage_cost", StageCost),
                         ("clconv_cost", Cost), ("clconv_peaks", Peaks),
                         ("clconv_roofline", Roofline)):
    _size = lib.clconv_struct_size(_c_name.encode())
    if _size != ctypes.sizeof(_mirror):
        raise ImportError(
            f"clconv: {path} has a {_c_name} of {_size} bytes, this package expects "
            f"{ctypes.sizeof(_mirror)}: the package needs {SONAME} of clconv 0.2 (the "
            "package and the library are different versions)")

_P = ctypes.c_void_p  # opaque handles: clconv_context *, clconv_plan *, cl_mem, ...
_S = ctypes.c_int     # clconv_status
_SIGNATURES = {
    "clconv_last_error": (ctypes.c_char_p, [_P]),
    "clconv_problem_init_size": (None, [ctypes.POINTER(Problem), ctypes.c_size_t]),
    "clconv_device_selector_init_size": (None, [ctypes.POINTER(DeviceSelector), ctypes.c_size_t]),
    "clconv_context_options_init_size": (None, [ctypes.POINTER(ContextOptions), ctypes.c_size_t]),
    "clconv_plan_options_init_size": (None, [ctypes.POINTER(PlanOptions), ctypes.c_size_t]),
    "clconv_algo_prediction_init_size": (None, [ctypes.POINTER(AlgoPrediction), ctypes.c_size_t]),
    "clconv_device_list_create": (_S, [ctypes.POINTER(ctypes.POINTER(DeviceList))]),
    "clconv_device_list_free": (None, [ctypes.POINTER(DeviceList)]),
    "clconv_context_create": (_S, [ctypes.POINTER(DeviceSelector),
                                   ctypes.POINTER(ContextOptions), ctypes.POINTER(_P)]),
    "clconv_context_destroy": (_S, [_P]),
    "clconv_context_device": (ctypes.POINTER(DeviceInfo), [_P]),
    "clconv_context_device_timing": (ctypes.c_int, [_P]),
    "clconv_context_cl_context": (_P, [_P]),
    "clconv_context_queue": (_P, [_P]),
    "clconv_problem_validate": (_S, [ctypes.POINTER(Problem)]),
    "clconv_problem_out_height": (ctypes.c_int, [ctypes.POINTER(Problem)]),
    "clconv_problem_out_width": (ctypes.c_int, [ctypes.POINTER(Problem)]),
    "clconv_algo_check_with_options": (_S, [_P, ctypes.POINTER(Problem), ctypes.c_int,
                                            ctypes.POINTER(PlanOptions)]),
    "clconv_plan_create_with_options": (_S, [_P, ctypes.POINTER(Problem), ctypes.c_int,
                                             ctypes.POINTER(PlanOptions), ctypes.POINTER(_P)]),
    "clconv_plan_destroy": (None, [_P]),
    "clconv_plan_set_weights": (_S, [_P, _P, _P]),
    "clconv_plan_execute": (_S, [_P, _P, _P, ctypes.POINTER(Timing)]),
    "clconv_plan_enqueue": (_S, [_P, _P, _P, ctypes.c_uint, ctypes.POINTER(_P),
                                 ctypes.POINTER(_P)]),
    "clconv_plan_execute_residual": (_S, [_P, _P, _P, _P, ctypes.POINTER(Timing)]),
    "clconv_plan_enqueue_residual": (_S, [_P, _P, _P, _P, ctypes.c_uint, ctypes.POINTER(_P),
                                          ctypes.POINTER(_P)]),
    "clconv_epilogue_init_size": (None, [ctypes.POINTER(Epilogue), ctypes.c_size_t]),
    "clconv_epilogue_validate": (_S, [ctypes.POINTER(Epilogue)]),
    "clconv_activation_param_count": (ctypes.c_int, [ctypes.c_int]),
    "clconv_plan_workspace_bytes": (ctypes.c_size_t, [_P]),
    "clconv_plan_algo": (ctypes.c_int, [_P]),
    "clconv_plan_choice": (_S, [_P, ctypes.POINTER(Choice)]),
    "clconv_plan_params": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.c_size_t]),
    "clconv_plan_fft_backend": (ctypes.c_char_p, [_P]),
    "clconv_plan_weights_ms": (ctypes.c_double, [_P]),
    "clconv_plan_cost": (None, [_P, ctypes.POINTER(Cost)]),
    "clconv_algo_cost": (_S, [ctypes.POINTER(Problem), ctypes.c_int, ctypes.c_int,
                              ctypes.POINTER(Cost)]),
    "clconv_problem_cost": (None, [ctypes.POINTER(Problem), ctypes.c_int,
                                   ctypes.POINTER(ctypes.c_double),
                                   ctypes.POINTER(ctypes.c_double)]),
    "clconv_measure_peaks": (_S, [_P, ctypes.c_uint, ctypes.POINTER(Peaks)]),
    "clconv_roofline_eval": (None, [ctypes.POINTER(Peaks), ctypes.POINTER(Cost),
                                    ctypes.c_double, ctypes.POINTER(Roofline)]),
    "clconv_predict": (_S, [_P, ctypes.POINTER(Problem), ctypes.POINTER(PlanOptions),
                            ctypes.POINTER(AlgoPrediction), ctypes.c_size_t,
                            ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_int)]),
    "clconv_live_objects": (None, [ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int)]),
}
for _name, (_res, _args) in _SIGNATURES.items():
    try:
        _fn = getattr(lib, _name)
    except AttributeError:
        raise ImportError(f"clconv: {path} has no {_name}: the package needs {SONAME} of "
                          "clconv 0.2") from None
    _fn.restype, _fn.argtypes = _res, _args

_INITS = {Problem: lib.clconv_problem_init_size,
          DeviceSelector: lib.clconv_device_selector_init_size,
          ContextOptions: lib.clconv_context_options_init_size,
          PlanOptions: lib.clconv_plan_options_init_size,
          Epilogue: lib.clconv_epilogue_init_size,
          AlgoPrediction: lib.clconv_algo_prediction_init_size}


def init(struct_type):
    """A caller-filled struct as the library's init function makes it (the
    _init_size function the C header's init macro calls, with this mirror's
    struct_end): its struct_size and the library's defaults, in one place."""
    s = struct_type()
    _INITS[struct_type](ctypes.byref(s), struct_end(struct_type))
    return s


def struct_end(struct_type):
    """Where the struct's last field ends: its struct_size (CLCONV_STRUCT_END
    in clconv.h), which leaves out the tail padding ctypes.sizeof counts."""
    name = struct_type._fields_[-1][0]
    field = getattr(struct_type, name)
    return field.offset + field.size


def check(status, ctx=None):
    """Raises the clconv.Error subclass for a failed status, with the
    library's message (clconv_last_error of ctx, or of the thread)."""
    if status == 0:
        return
    name = lib.clconv_status_string(status).decode()
    message = (lib.clconv_last_error(ctx) or b"").decode(errors="replace")
    raise errors.for_status(name)(name, message)


def text(raw):
    """A fixed char array or char * from the library as str."""
    return raw.decode(errors="replace") if raw is not None else None
