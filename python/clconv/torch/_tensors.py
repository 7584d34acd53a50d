"""torch CPU tensors as a device's buffers: in place where the device shares
the host's memory (CL_MEM_USE_HOST_PTR over the tensor's own data, which
must have the alignment the device asks for), else one copy each way
through a staging buffer."""

import math
import threading
import time

import torch

from .. import _cl


class TensorIO:
    """The buffers one context's layers run on. Calls are serial (one queue
    per context, and a lock around each Batch), so a staging buffer per role
    serves every layer; the garbage collector frees them."""

    def __init__(self, ctx):
        self._ctx = ctx
        self.shares_host_memory, self.align = _cl.host_memory(ctx._live())
        self._staging = {}
        self.lock = threading.Lock()

    def batch(self):
        """A Batch of calls on this device (`with io.batch() as b:`)."""
        return Batch(self)

    @property
    def mode(self):
        """How tensors reach the device, as the profile states it."""
        return ("in place (CL_MEM_USE_HOST_PTR)" if self.shares_host_memory
                else "one copy each way")

    def empty(self, shape):
        """An uninitialised float32 tensor of shape whose data starts at the
        device's alignment (torch aligns to 64 bytes; PoCL asks for 128,
        rusticl for 512)."""
        n = math.prod(shape)
        extra = self.align // 4
        raw = torch.empty(n + extra, dtype=torch.float32)
        offset = (-raw.data_ptr() % self.align) // 4
        return raw[offset:offset + n].view(shape)

    def in_place(self, t):
        return self.shares_host_memory and t.data_ptr() % self.align == 0

    def buffer(self, t, role, copy_in):
        """(the buffer the device sees t through, whether it is a copy): a
        buffer over t's memory (the caller closes it after the call), else
        the role's staging buffer, written from t when copy_in."""
        nbytes = t.numel() * 4
        if self.in_place(t):
            return _cl.Buffer(self._ctx._live(), nbytes, role, host_ptr=t.data_ptr()), False
        b = self._staging.get(role)
        if b is None or b.nbytes < nbytes:
            if b is not None:
                b.close()
            b = self._staging[role] = _cl.Buffer(self._ctx._live(), nbytes, role + " (staging)")
        if copy_in:
            b.write_ptr(t.data_ptr(), nbytes)
        return b, True

    @staticmethod
    def done(buf, copied):
        """Releases a buffer over a tensor's memory (staging buffers stay)."""
        if not copied:
            buf.close()


class Batch:
    """Calls enqueued back to back on the context's in-order queue with one
    wait at the end (finish): a layer's output feeds the next without the
    host waiting for it. Holds the context's lock, the buffers over the
    tensors the calls touch (one per tensor: an output read by the next
    call is the same buffer) and the tensors themselves, until the calls
    have completed. Several calls share a batch only where the device works
    in the host's memory (outputs written in place, the last one read): on
    a device that copies, each call is a batch of its own."""

    def __init__(self, io):
        self.io = io
        self._held = []
        self._in_place = {}

    def __enter__(self):
        self.io.lock.acquire()
        return self

    def __exit__(self, exc_type, *exc):
        try:
            if exc_type is not None:  # calls may still be running on the tensors held
                _cl.finish_quietly(self.io._ctx._live())
            for buf, copied, _ in self._held:
                self.io.done(buf, copied)
        finally:
            self._held, self._in_place = [], {}
            self.io.lock.release()

    def buffer(self, t, role, copy_in):
        """The buffer the device sees t through in this batch (see
        TensorIO.buffer); whether it is a copy."""
        key = (t.data_ptr(), t.numel())
        hit = self._in_place.get(key)
        if hit is not None:
            return hit, False
        buf, copied = self.io.buffer(t, role, copy_in)
        self._held.append((buf, copied, t))
        if not copied:
            self._in_place[key] = buf
        return buf, copied

    def finish(self, out, out_buf, copied):
        """Waits for every call and makes out (the last call's output,
        seen through out_buf) hold its result; the wait in ms."""
        t0 = time.perf_counter()
        if copied:
            out_buf.read_ptr(out.data_ptr(), out.numel() * 4)
        else:
            out_buf.sync_to_host()
        return (time.perf_counter() - t0) * 1e3
