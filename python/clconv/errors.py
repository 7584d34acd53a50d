"""clconv's errors as exceptions: one class per clconv_status, named after it
(CLCONV_ERR_OUT_OF_MEMORY -> OutOfMemoryError), each also the built-in
exception a numpy user would catch for it (ValueError for a bad argument,
MemoryError, LookupError, ...). The test suite checks that every status the
library knows has its class here."""


class Error(Exception):
    """A clconv call failed. `status` is the status name
    ("CLCONV_ERR_UNSUPPORTED"), `message` clconv_last_error's text."""

    def __init__(self, status, message):
        super().__init__(f"{status}: {message}" if message else status)
        self.status = status
        self.message = message


class InvalidArgError(Error, ValueError):
    """A field or argument is out of range (CLCONV_ERR_INVALID_ARG)."""


class NotFoundError(Error, LookupError):
    """No such platform, device or kernel file (CLCONV_ERR_NOT_FOUND)."""


class OpenclError(Error, RuntimeError):
    """An OpenCL call failed; the message names it (CLCONV_ERR_OPENCL)."""


class BuildError(Error, RuntimeError):
    """A kernel failed to compile; the message holds the log (CLCONV_ERR_BUILD)."""


class OutOfMemoryError(Error, MemoryError):
    """A host or device allocation failed (CLCONV_ERR_OUT_OF_MEMORY)."""


class UnsupportedError(Error, NotImplementedError):
    """The algorithm cannot do this problem here (CLCONV_ERR_UNSUPPORTED)."""


class IoError(Error, OSError):
    """A file could not be read or written (CLCONV_ERR_IO)."""


class BusyError(Error, RuntimeError):
    """A context still has live plans (CLCONV_ERR_BUSY)."""


class StateError(Error, RuntimeError):
    """A call out of order, e.g. run before set_weights (CLCONV_ERR_STATE)."""


def class_name(status):
    """CLCONV_ERR_OUT_OF_MEMORY -> OutOfMemoryError."""
    words = status.replace("CLCONV_ERR_", "").split("_")
    return "".join(w.capitalize() for w in words) + "Error"


def for_status(status):
    found = globals().get(class_name(status))
    return found if isinstance(found, type) and issubclass(found, Error) else Error
