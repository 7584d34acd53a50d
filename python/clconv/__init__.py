"""clconv from Python: 2D convolution on any OpenCL device, over the C
library (libclconv) through ctypes, on numpy arrays.

    import clconv
    ctx = clconv.Context("pocl")
    y = ctx.conv2d(x, w, b, stride=1, padding=1)      # as torch.nn.functional.conv2d

See the README's Python section. Errors raise clconv.Error subclasses; the
library's warnings go to logging's "clconv" logger (core.py says how)."""

from ._lib import ACTIVATIONS, ALGOS, AUTO_MODES, FFT_BACKENDS, GEMM_BACKENDS
from ._lib import path as library_path
from .core import Context, Plan, cost, devices, live_objects, problem
from .errors import (BuildError, BusyError, Error, InvalidArgError, IoError, NotFoundError,
                     OpenclError, OutOfMemoryError, StateError, UnsupportedError)

__version__ = "0.2.0"


def peaks(ctx, remeasure=False):
    """The device's measured peaks: ctx.peaks()."""
    return ctx.peaks(remeasure)


__all__ = ["ACTIVATIONS", "ALGOS", "AUTO_MODES", "FFT_BACKENDS", "GEMM_BACKENDS", "BuildError",
           "BusyError", "Context", "Error", "InvalidArgError", "IoError", "NotFoundError",
           "OpenclError", "OutOfMemoryError", "Plan", "StateError", "UnsupportedError", "cost",
           "devices", "library_path", "live_objects", "peaks", "problem"]
