"""A PEP 517 build backend that packs clconv/ into a wheel with the standard
library only: pip needs nothing from an index to install this package
(Debian's machines often have none). Metadata comes from pyproject.toml."""

import base64
import hashlib
import os
import re
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = "clconv"


def _project():
    """name, version, requires-python and dependencies from pyproject.toml."""
    text = open(os.path.join(HERE, "pyproject.toml"), encoding="utf-8").read()
    section = text.split("[project]", 1)[1]

    def field(key):
        m = re.search(rf'^{key}\s*=\s*"([^"]*)"', section, re.M)
        return m.group(1) if m else None

    deps = re.search(r"^dependencies\s*=\s*\[([^\]]*)\]", section, re.M)
    return (field("name"), field("version"), field("requires-python"),
            re.findall(r'"([^"]+)"', deps.group(1)) if deps else [])


def _metadata():
    name, version, python, deps = _project()
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}",
             "Summary: 2D convolution on any OpenCL device (ctypes over libclconv)"]
    if python:
        lines.append(f"Requires-Python: {python}")
    lines += [f"Requires-Dist: {d}" for d in deps]
    return name, version, "\n".join(lines) + "\n"


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name, version, metadata = _metadata()
    info = f"{name}-{version}.dist-info"
    wheel_name = f"{name}-{version}-py3-none-any.whl"
    files = []
    for root, _, names in os.walk(os.path.join(HERE, PACKAGE)):
        for n in sorted(names):
            if n.endswith(".py"):
                full = os.path.join(root, n)
                files.append((os.path.relpath(full, HERE), open(full, "rb").read()))
    files.append((f"{info}/METADATA", metadata.encode()))
    files.append((f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: clconv wheel_backend\n"
                                   b"Root-Is-Purelib: true\nTag: py3-none-any\n"))
    record = [_record_line(p, d) for p, d in files] + [f"{info}/RECORD,,"]
    files.append((f"{info}/RECORD", ("\n".join(record) + "\n").encode()))
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel_name), "w",
                         zipfile.ZIP_DEFLATED) as z:
        for p, d in files:
            z.writestr(p, d)
    return wheel_name


def build_sdist(sdist_directory, config_settings=None):
    raise NotImplementedError("clconv's Python package installs from the source tree only")
