"""The few OpenCL calls the package makes itself: device buffers for numpy
arrays on a clconv context, copies in and out (clconv's API takes cl_mem, as
a C caller's own buffers), and buffers over the caller's own host memory
(CL_MEM_USE_HOST_PTR) for a device that shares the host's memory."""

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
_cl.clEnqueueMapBuffer.restype = _P
_cl.clEnqueueMapBuffer.argtypes = [_P, _P, ctypes.c_uint32, ctypes.c_uint64, ctypes.c_size_t,
                                   ctypes.c_size_t, ctypes.c_uint32, _P, _P,
                                   ctypes.POINTER(ctypes.c_int32)]
_cl.clEnqueueUnmapMemObject.restype = ctypes.c_int32
_cl.clEnqueueUnmapMemObject.argtypes = [_P, _P, _P, ctypes.c_uint32, _P, _P]
_cl.clFinish.restype = ctypes.c_int32
_cl.clFinish.argtypes = [_P]
for _name in ("clGetContextInfo", "clGetDeviceInfo"):
    getattr(_cl, _name).restype = ctypes.c_int32
    getattr(_cl, _name).argtypes = [_P, ctypes.c_uint32, ctypes.c_size_t, _P,
                                    ctypes.POINTER(ctypes.c_size_t)]
_lib.lib.clconv_cl_error_name.restype = ctypes.c_char_p
_lib.lib.clconv_cl_error_name.argtypes = [ctypes.c_int32]

CL_MEM_READ_WRITE = 1
CL_MEM_USE_HOST_PTR = 1 << 3
CL_MAP_READ = 1
CL_CONTEXT_DEVICES = 0x1081
CL_DEVICE_MEM_BASE_ADDR_ALIGN = 0x1019
CL_DEVICE_HOST_UNIFIED_MEMORY = 0x1035


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


def finish_quietly(ctx_handle):
    """clFinish while an error is already on its way: its own error is
    dropped (the first one is the one to report)."""
    _cl.clFinish(_lib.lib.clconv_context_queue(ctx_handle))


def _device_uint(ctx_handle, param, ctype):
    cl_ctx = _lib.lib.clconv_context_cl_context(ctx_handle)
    dev = ctypes.c_void_p()
    err = _cl.clGetContextInfo(cl_ctx, CL_CONTEXT_DEVICES, ctypes.sizeof(dev), ctypes.byref(dev),
                               None)
    if err:
        _fail("clGetContextInfo(CL_CONTEXT_DEVICES)", err, "the context's device")
    value = ctype()
    err = _cl.clGetDeviceInfo(dev, param, ctypes.sizeof(value), ctypes.byref(value), None)
    if err:
        _fail("clGetDeviceInfo", err, f"parameter {param:#x}")
    return value.value


def host_memory(ctx_handle):
    """(shares the host's memory, the alignment in bytes a buffer over host
    memory must have): CL_DEVICE_HOST_UNIFIED_MEMORY and
    CL_DEVICE_MEM_BASE_ADDR_ALIGN (bits) of the context's device."""
    unified = _device_uint(ctx_handle, CL_DEVICE_HOST_UNIFIED_MEMORY, ctypes.c_uint32)
    align_bits = _device_uint(ctx_handle, CL_DEVICE_MEM_BASE_ADDR_ALIGN, ctypes.c_uint32)
    return bool(unified), max(1, align_bits // 8)


class Buffer:
    """A device buffer of `nbytes` on a clconv context, or with host_ptr one
    over that host memory (CL_MEM_USE_HOST_PTR: the caller keeps the memory
    alive and aligned, and calls sync_to_host() before reading what a kernel
    wrote); released by close() or when collected."""

    def __init__(self, ctx_handle, nbytes, what, host_ptr=None):
        self.mem = None
        self.nbytes = nbytes
        self._what = what
        self._queue = _lib.lib.clconv_context_queue(ctx_handle)
        err = ctypes.c_int32(0)
        cl_ctx = _lib.lib.clconv_context_cl_context(ctx_handle)
        flags = CL_MEM_READ_WRITE | (CL_MEM_USE_HOST_PTR if host_ptr else 0)
        mem = _cl.clCreateBuffer(cl_ctx, flags, max(nbytes, 4), host_ptr, ctypes.byref(err))
        if err.value != 0 or not mem:
            _fail("clCreateBuffer", err.value, f"{nbytes} bytes for the {what}")
        self.mem = mem

    def sync_to_host(self):
        """Makes what the device wrote visible in the host memory of a
        buffer over it: a blocking map for reading and its unmap (where the
        device uses the memory in place, neither copies)."""
        err = ctypes.c_int32(0)
        ptr = _cl.clEnqueueMapBuffer(self._queue, self.mem, 1, CL_MAP_READ, 0, self.nbytes, 0,
                                     None, None, ctypes.byref(err))
        if err.value != 0 or not ptr:
            _fail("clEnqueueMapBuffer", err.value, self._what)
        err = _cl.clEnqueueUnmapMemObject(self._queue, self.mem, ptr, 0, None, None)
        if err:
            _fail("clEnqueueUnmapMemObject", err, self._what)

    def write(self, array):
        """Copies a C-contiguous float32 array of exactly nbytes in (blocking)."""
        self.write_ptr(array.ctypes.data, array.nbytes)

    def read(self, array):
        self.read_ptr(array.ctypes.data, array.nbytes)

    def write_ptr(self, ptr, nbytes):
        """Copies nbytes from host address ptr in (blocking)."""
        err = _cl.clEnqueueWriteBuffer(self._queue, self.mem, 1, 0, nbytes, ptr, 0, None, None)
        if err:
            _fail("clEnqueueWriteBuffer", err, self._what)

    def read_ptr(self, ptr, nbytes):
        """Copies nbytes out to host address ptr (blocking)."""
        err = _cl.clEnqueueReadBuffer(self._queue, self.mem, 1, 0, nbytes, ptr, 0, None, None)
        if err:
            _fail("clEnqueueReadBuffer", err, self._what)

    def close(self):
        if self.mem:
            _cl.clReleaseMemObject(self.mem)
            self.mem = None

    def __del__(self):
        self.close()
