"""The few OpenCL calls the package makes itself: device buffers for numpy
arrays on a clconv context, and copies in and out (clconv's API takes
cl_mem, as a C caller's own buffers)."""

import ctypes
import ctypes.util

from . import _lib

_cl = ctypes.CDLL(ctypes.util.find_library("OpenCL") or "libOpenCL.so.1")
_P = ctypes.c_void_p
_cl.clCreateBuffer.restype = _P
_cl.clCreateBuffer.argtypes = [_P, ctypes.c_uint64, ctypes.c_size_t, _P,
                               ctypes.POINTER(ctypes.c_int32)]
for _name in ("clEnqueueWriteBuffer", "clEnqueueReadBuffer"):
    getattr(_cl, _name).restype = ctypes.c_int32
    getattr(_cl, _name).argtypes = [_P, _P, ctypes.c_uint32, ctypes.c_size_t, ctypes.c_size_t,
                                    _P, ctypes.c_uint32, _P, _P]
_cl.clReleaseMemObject.restype = ctypes.c_int32
_cl.clReleaseMemObject.argtypes = [_P]
_lib.lib.clconv_cl_error_name.restype = ctypes.c_char_p
_lib.lib.clconv_cl_error_name.argtypes = [ctypes.c_int32]

CL_MEM_READ_WRITE = 1


# The OpenCL errors that mean "does not fit" (a buffer over the device's
# largest allocation included): a numpy user catches MemoryError for them.
_NO_ROOM = ("CL_OUT_OF_RESOURCES", "CL_OUT_OF_HOST_MEMORY", "CL_MEM_OBJECT_ALLOCATION_FAILURE",
            "CL_INVALID_BUFFER_SIZE")


def _fail(call, code, what):
    name = _lib.lib.clconv_cl_error_name(code).decode()
    if name in _NO_ROOM:
        raise _lib.errors.OutOfMemoryError("CLCONV_ERR_OUT_OF_MEMORY",
                                           f"{call} ({what}): {name} ({code})")
    raise _lib.errors.OpenclError("CLCONV_ERR_OPENCL", f"{call} ({what}): {name} ({code})")


class Buffer:
    """A device buffer of `nbytes` on a clconv context; released by close()
    or when collected."""

    def __init__(self, ctx_handle, nbytes, what):
        self.mem = None
        self.nbytes = nbytes
        self._what = what
        self._queue = _lib.lib.clconv_context_queue(ctx_handle)
        err = ctypes.c_int32(0)
        cl_ctx = _lib.lib.clconv_context_cl_context(ctx_handle)
        mem = _cl.clCreateBuffer(cl_ctx, CL_MEM_READ_WRITE, max(nbytes, 4), None,
                                 ctypes.byref(err))
        if err.value != 0 or not mem:
            _fail("clCreateBuffer", err.value, f"{nbytes} bytes for the {what}")
        self.mem = mem

    def write(self, array):
        """Copies a C-contiguous float32 array of exactly nbytes in (blocking)."""
        err = _cl.clEnqueueWriteBuffer(self._queue, self.mem, 1, 0, array.nbytes,
                                       array.ctypes.data, 0, None, None)
        if err:
            _fail("clEnqueueWriteBuffer", err, self._what)

    def read(self, array):
        err = _cl.clEnqueueReadBuffer(self._queue, self.mem, 1, 0, array.nbytes,
                                      array.ctypes.data, 0, None, None)
        if err:
            _fail("clEnqueueReadBuffer", err, self._what)

    def close(self):
        if self.mem:
            _cl.clReleaseMemObject(self.mem)
            self.mem = None

    def __del__(self):
        self.close()
