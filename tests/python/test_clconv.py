#!/usr/bin/python3
"""The Python package (python/clconv) against PyTorch's conv2d, on the device
$CLCONV_DEVICE names (ctest runs it per device with CLCONV_LIBRARY and
PYTHONPATH set: tests/CMakeLists.txt)."""

import ctypes
import logging
import math
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import clconv

torch = pytest.importorskip("torch", reason="Debian's python3-torch is the reference")
F = torch.nn.functional
TOLERANCE = 1e-4  # CLCONV_VERIFY_TOLERANCE


@pytest.fixture(scope="module")
def ctx():
    c = clconv.Context()  # $CLCONV_DEVICE, as the C suites
    yield c
    c.close()


def reference(x, w, b, stride, padding, dilation, groups=1):
    """PyTorch's conv2d in float64."""
    t = lambda a: None if a is None else torch.from_numpy(np.asarray(a, dtype=np.float64))  # noqa
    return F.conv2d(t(x), t(w), t(b), stride=stride, padding=padding,
                    dilation=dilation, groups=groups).numpy()


def rel_l2(out, ref):
    return float(np.linalg.norm(out.astype(np.float64) - ref) / np.linalg.norm(ref))


def draw(rng, algo):
    """A random problem the algorithm can take: winograd only 3x3 / 5x5 at
    stride 1 and dilation 1, depthwise only groups = in_channels (a depth
    multiplier of 1 to 3), the others anything small and dense."""
    if algo == "winograd":
        k = int(rng.choice([3, 5]))
        kernel, stride, dilation = (k, k), (1, 1), (1, 1)
    else:
        kernel = tuple(int(v) for v in rng.integers(1, 6, 2))
        stride = tuple(int(v) for v in rng.integers(1, 4, 2))
        dilation = tuple(int(v) for v in rng.integers(1, 3, 2))
    padding = tuple(int(rng.integers(0, k // 2 + 2)) for k in kernel)
    extent = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    n, c, o = int(rng.integers(1, 4)), int(rng.integers(1, 7)), int(rng.integers(1, 9))
    groups = 1
    if algo == "depthwise":
        groups, o = c, c * int(rng.integers(1, 4))
    h = int(rng.integers(max(1, extent[0] - 2 * padding[0]), 20))
    wd = int(rng.integers(max(1, extent[1] - 2 * padding[1]), 20))
    x = rng.standard_normal((n, c, h, wd)).astype(np.float32)
    w = rng.standard_normal((o, c // groups) + kernel).astype(np.float32)
    b = rng.standard_normal(o).astype(np.float32) if rng.integers(0, 2) else None
    return x, w, b, stride, padding, dilation, groups


@pytest.mark.parametrize("algo", clconv.ALGOS + ["auto"])
def test_conv2d_matches_torch(ctx, algo):
    rng = np.random.default_rng(sum(map(ord, algo)))
    for _ in range(4):
        x, w, b, stride, padding, dilation, groups = draw(rng, algo)
        y = ctx.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation,
                       groups=groups, algo=algo)
        ref = reference(x, w, b, stride, padding, dilation, groups)
        assert y.shape == ref.shape and y.dtype == np.float32
        err = rel_l2(y, ref)
        assert err < TOLERANCE, (algo, x.shape, w.shape, stride, padding, dilation, groups, err)


def test_grouped_matches_torch(ctx):
    """groups= as torch.nn.functional.conv2d takes it (weights [C_out,
    C_in / groups, KH, KW]): 2 groups, depthwise, depthwise with a depth
    multiplier of 2; "auto" runs them, and an algorithm that cannot says so."""
    rng = np.random.default_rng(30)
    for c, o, groups in ((4, 6, 2), (6, 6, 6), (3, 6, 3)):
        x = rng.standard_normal((2, c, 11, 13)).astype(np.float32)
        w = rng.standard_normal((o, c // groups, 3, 3)).astype(np.float32)
        b = rng.standard_normal(o).astype(np.float32)
        y = ctx.conv2d(x, w, b, padding=1, stride=(1, 2), groups=groups)
        ref = reference(x, w, b, (1, 2), 1, 1, groups)
        assert y.shape == ref.shape and rel_l2(y, ref) < TOLERANCE, (c, o, groups)
    with pytest.raises(clconv.UnsupportedError, match="groups"):
        ctx.conv2d(x, w, b, padding=1, groups=groups, algo="winograd")


# Each activation as PyTorch computes it, by its own function (float64).
TORCH_ACTIVATIONS = {
    "none": lambda y: y, "relu": F.relu, "relu6": F.relu6,
    ("clamp", -0.5, 1.5): lambda y: F.hardtanh(y, -0.5, 1.5),
    ("leaky_relu", 0.2): lambda y: F.leaky_relu(y, 0.2), "leaky_relu": F.leaky_relu,
    "sigmoid": torch.sigmoid, "tanh": torch.tanh, "silu": F.silu, "hardswish": F.hardswish,
    "gelu": lambda y: F.gelu(y, approximate="tanh"),
}


def test_epilogue_matches_torch(ctx):
    """activation=, residual=, alpha=, beta= against PyTorch's own sequence
    (alpha * conv2d + bias + beta * z, then the activation's function) in
    float64: every activation the library names, a plan reused with a new
    residual, and the keywords' mistakes named."""
    names = {a if isinstance(a, str) else a[0] for a in TORCH_ACTIVATIONS}
    assert names == set(clconv.ACTIVATIONS)
    rng = np.random.default_rng(31)
    x = rng.standard_normal((2, 4, 9, 10)).astype(np.float32)
    w = rng.standard_normal((6, 2, 3, 3)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    t = lambda a: torch.from_numpy(np.asarray(a, dtype=np.float64))  # noqa: E731
    conv = F.conv2d(t(x), t(w), None, padding=1, groups=2)
    for i, (act, fn) in enumerate(TORCH_ACTIVATIONS.items()):
        z = rng.standard_normal((2, 6, 9, 10)).astype(np.float32)
        alpha, beta = (1.0, 1.0) if i % 2 else (2.0, -0.5)
        y = ctx.conv2d(x, w, b, padding=1, groups=2, activation=act, residual=z, alpha=alpha,
                       beta=beta)
        ref = fn(alpha * conv + t(b).view(1, -1, 1, 1) + beta * t(z)).numpy()
        assert rel_l2(y, ref) < 1e-5, (act, rel_l2(y, ref))
    with ctx.plan(x.shape, w.shape, padding=1, groups=2, activation="relu6",
                  residual=True) as plan:
        plan.set_weights(w, b)
        for _ in range(2):
            z = rng.standard_normal((2, 6, 9, 10)).astype(np.float32)
            ref = F.relu6(conv + t(b).view(1, -1, 1, 1) + t(z)).numpy()
            assert rel_l2(plan(x, residual=z), ref) < 1e-5
        with pytest.raises(clconv.InvalidArgError, match="takes one"):
            plan(x)
        with pytest.raises(clconv.InvalidArgError, match="residual shape"):
            plan(x, residual=z[:, :3])
    with pytest.raises(clconv.InvalidArgError, match="one of none, relu"):
        ctx.conv2d(x, w, b, padding=1, groups=2, activation="swish")
    with pytest.raises(clconv.InvalidArgError, match="takes 2 parameters"):
        ctx.conv2d(x, w, b, padding=1, groups=2, activation="clamp")
    with pytest.raises(clconv.InvalidArgError, match="lo must not exceed hi"):
        ctx.conv2d(x, w, b, padding=1, groups=2, activation=("clamp", 2, 1))
    with pytest.raises(clconv.InvalidArgError, match="alpha"):
        ctx.conv2d(x, w, b, padding=1, groups=2, alpha=float("nan"))


def test_plan_reused_with_new_weights(ctx):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 5, 17, 15)).astype(np.float32)
    with ctx.plan(x.shape, (6, 5, 3, 3), padding=1, algo="winograd") as plan:
        assert plan.algo == "winograd"
        with pytest.raises(clconv.StateError):
            plan(x)  # no weights yet
        stages = [s["name"] for s in plan.cost()["stages"]]
        for round_ in range(3):
            w = rng.standard_normal((6, 5, 3, 3)).astype(np.float32)
            b = rng.standard_normal(6).astype(np.float32)
            plan.set_weights(w, b)
            for _ in range(2):
                x = rng.standard_normal(x.shape).astype(np.float32)
                assert rel_l2(plan(x), reference(x, w, b, 1, 1, 1)) < TOLERANCE, round_
            t = plan.timing()
            assert list(t["stages"]) == stages
            for ms in list(t["stages"].values()) + [t["device_ms"]]:
                assert ms is None or ms >= 0.0


def test_auto_plan_explains_its_choice(ctx):
    with ctx.plan((1, 4, 12, 12), (4, 4, 3, 3), algo="auto") as plan:
        choice = plan.choice
        assert choice["algo"] == plan.algo and plan.algo in clconv.ALGOS
        assert choice["mode"] == "predict" and choice["trial_runs"] == 0
    with ctx.plan((1, 4, 12, 12), (4, 4, 3, 3), algo="direct") as plan:
        assert plan.choice is None
    pred = ctx.predict(clconv.problem((1, 4, 12, 12), (4, 4, 3, 3)))
    assert pred["best"] in clconv.ALGOS
    best = pred["algorithms"][pred["best"]]["predicted_ms"]
    assert all(a["predicted_ms"] is None or a["predicted_ms"] >= best
               for a in pred["algorithms"].values())


def test_torch_conventions(ctx):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 9, 11)).astype(np.float64)  # unbatched, float64
    w = rng.standard_normal((4, 3, 3, 3))
    for padding in ("same", "valid", 1, (0, 2)):
        y = ctx.conv2d(x, w, padding=padding, algo="direct")
        ref = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=padding).numpy()
        assert y.shape == ref.shape and y.dtype == np.float32
        assert rel_l2(y, ref) < TOLERANCE
    xt = np.asfortranarray(rng.standard_normal((1, 3, 8, 10)).astype(np.float32)).transpose(
        0, 1, 3, 2)  # not C-contiguous: copied
    assert not xt.flags.c_contiguous
    assert rel_l2(ctx.conv2d(xt, w), reference(xt, w, None, 1, 0, 1)) < TOLERANCE
    # "same" with an even kernel pads one more at the bottom and right, as
    # torch does; per side, ((top, bottom), (left, right)) is F.pad's
    for kernel, dilation in (((2, 4), 1), ((4, 3), (1, 2)), ((2, 2), 3)):
        we = rng.standard_normal((4, 3) + kernel)
        ref = F.conv2d(torch.from_numpy(x), torch.from_numpy(we), padding="same",
                       dilation=dilation).numpy()
        for algo in list(clconv.ALGOS) + ["auto"]:
            try:
                y = ctx.conv2d(x, we, padding="same", dilation=dilation, algo=algo)
            except clconv.UnsupportedError:
                continue
            assert y.shape == ref.shape and rel_l2(y, ref) < TOLERANCE, (algo, kernel)
    y = ctx.conv2d(x, w, padding=((0, 2), (3, 1)), algo="direct")
    ref = F.conv2d(F.pad(torch.from_numpy(x), (3, 1, 0, 2)), torch.from_numpy(w)).numpy()
    assert y.shape == ref.shape and rel_l2(y, ref) < TOLERANCE
    tx = torch.from_numpy(x.astype(np.float32)).requires_grad_()
    assert rel_l2(ctx.conv2d(tx, w), reference(x, w, None, 1, 0, 1)) < TOLERANCE


def test_errors_name_the_problem(ctx):
    x = np.zeros((1, 2, 5, 5), np.float32)
    w = np.zeros((3, 2, 7, 7), np.float32)
    with pytest.raises(clconv.InvalidArgError) as e:  # kernel larger than the input
        ctx.conv2d(x, w)
    assert isinstance(e.value, ValueError) and e.value.status == "CLCONV_ERR_INVALID_ARG"
    assert "kernel" in e.value.message
    with pytest.raises(clconv.UnsupportedError) as e:
        ctx.conv2d(np.zeros((1, 2, 9, 9), np.float32), np.zeros((3, 2, 4, 4), np.float32),
                   algo="winograd")
    assert "winograd" in e.value.message and e.value.status == "CLCONV_ERR_UNSUPPORTED"
    with pytest.raises(clconv.InvalidArgError, match="unknown algorithm 'fastest'"):
        ctx.conv2d(x, np.zeros((3, 2, 3, 3), np.float32), algo="fastest")
    with pytest.raises(clconv.InvalidArgError, match="groups=1 takes 1 input channels"):
        ctx.conv2d(x, np.zeros((3, 1, 3, 3), np.float32))
    with pytest.raises(clconv.InvalidArgError, match="groups = 2: in_channels"):
        ctx.conv2d(x, np.zeros((3, 1, 3, 3), np.float32), groups=2)  # 3 outputs, 2 groups
    with pytest.raises(clconv.InvalidArgError, match="groups=0"):
        ctx.conv2d(x, np.zeros((3, 2, 3, 3), np.float32), groups=0)
    with pytest.raises(clconv.InvalidArgError, match="complex"):
        ctx.conv2d(x.astype(np.complex64), np.zeros((3, 2, 3, 3), np.float32))
    with pytest.raises(clconv.InvalidArgError, match="stride"):
        ctx.conv2d(x, np.zeros((3, 2, 3, 3), np.float32), stride=(1, 2, 3))
    with pytest.raises(clconv.InvalidArgError, match="same"):
        ctx.conv2d(x, np.zeros((3, 2, 3, 3), np.float32), padding="same", stride=2)
    with ctx.plan(x.shape, (3, 2, 3, 3), algo="direct") as plan:
        with pytest.raises(clconv.InvalidArgError, match=r"weight shape \(3, 2, 5, 5\)"):
            plan.set_weights(np.zeros((3, 2, 5, 5), np.float32))
    # an input larger than the device's largest buffer, in a problem clconv's
    # own limits take (each extent, plane and channel count at most
    # 536870911: 32-bit indexing in the kernels): 4096 x 4096 planes, as many
    # channels as it takes, whatever the device's limit
    limit = ctx.device["max_alloc_bytes"]
    channels = limit // (4 * 4096 * 4096) + 1
    shapes = (1, channels, 4096, 4096), (1, channels, 1, 1)
    clconv.cost(clconv.problem(*shapes))  # valid: the plan below fails on memory alone
    with pytest.raises(clconv.OutOfMemoryError) as e:
        ctx.plan(*shapes, algo="direct")
    assert isinstance(e.value, MemoryError)
    with pytest.raises(clconv.NotFoundError, match="no-such-device"):
        clconv.Context("no-such-device")


def test_every_status_has_its_class():
    lib = clconv._lib.lib
    code = 1
    while True:
        name = lib.clconv_status_string(code).decode()
        if name == "CLCONV_ERR_UNKNOWN_STATUS":
            break
        cls = clconv.errors.for_status(name)
        assert cls is not clconv.Error and cls.__name__ == clconv.errors.class_name(name), name
        code += 1
    assert code > 5


def test_devices_and_selection(ctx):
    devs = clconv.devices()
    here = ctx.device
    assert any(d["name"] == here["name"] and d["platform_index"] == here["platform_index"]
               for d in devs)
    with clconv.Context((here["platform_index"], here["device_index"])) as again:
        assert again.device["name"] == here["name"]


def test_cost_and_peaks(ctx):
    p = clconv.problem((2, 3, 10, 12), (5, 3, 3, 3), stride=1, padding=1)
    direct = clconv.cost(p, "direct")
    conv = clconv.cost(p)
    # the convolution's FLOPs, by hand: 2 N C_out OH OW C_in KH KW
    assert conv["flops"] == 2 * 2 * 5 * 10 * 12 * 3 * 3 * 3
    assert math.isclose(sum(s["flops"] for s in direct["stages"]), direct["flops"])
    assert clconv.cost(p, "fft")["stages"][0]["name"] == "pad"
    with pytest.raises(clconv.InvalidArgError):
        clconv.cost(p, "auto")
    with pytest.raises(clconv.InvalidArgError, match="kernel_size"):
        clconv.cost({"kernel_size": 3}, "direct")
    pk = clconv.peaks(ctx)
    assert pk["bandwidth_gbs"] > 0 and pk["gflops"] > 0


def test_no_leak_over_1000_calls(ctx):
    before = clconv.live_objects()
    rng = np.random.default_rng(11)
    x = rng.standard_normal((1, 2, 6, 6)).astype(np.float32)
    w = rng.standard_normal((2, 2, 3, 3)).astype(np.float32)
    ref = reference(x, w, None, 1, 0, 1)
    for i in range(1000):
        if i % 2:
            y = ctx.conv2d(x, w, algo="direct")
        else:  # dropped without close(): the collector frees it
            plan = ctx.plan(x.shape, w.shape, algo="direct")
            plan.set_weights(w)
            y = plan(x)
            del plan
        if i % 250 == 0:
            assert rel_l2(y, ref) < TOLERANCE
    for i in range(20):
        c = clconv.Context((ctx.device["platform_index"], ctx.device["device_index"]))
        if i % 2:
            c.close()
        del c
    assert clconv.live_objects() == before


def test_library_warnings_reach_logging(ctx, caplog):
    """The library's log callback lands in logger "clconv": a cache
    directory that cannot be made turns the program cache off with a
    warning when the first program is stored."""
    here = ctx.device
    x = np.ones((1, 2, 6, 6), np.float32)
    w = np.ones((3, 2, 3, 3), np.float32)
    with caplog.at_level(logging.INFO, logger="clconv"):
        with clconv.Context((here["platform_index"], here["device_index"]),
                            cache_dir="/proc/clconv-cannot-exist/cache") as c:
            y = c.conv2d(x, w, algo="direct")
    assert rel_l2(y, reference(x, w, None, 1, 0, 1)) < TOLERANCE
    warnings = [r.getMessage() for r in caplog.records
                if r.name == "clconv" and r.levelno == logging.WARNING]
    assert any("program cache disabled" in m and "/proc/clconv-cannot-exist" in m
               for m in warnings), caplog.records


def test_enqueue_waits_for_a_user_event(ctx):
    """Plan.enqueue on the caller's buffers runs only once the events it is
    given complete, and its event says when the output is there."""
    cl = ctypes.CDLL(clconv._cl._cl._name)  # its own function objects, argtypes and all
    P, I32 = ctypes.c_void_p, ctypes.c_int32
    cl.clCreateUserEvent.restype, cl.clCreateUserEvent.argtypes = P, [P, ctypes.POINTER(I32)]
    cl.clSetUserEventStatus.restype, cl.clSetUserEventStatus.argtypes = I32, [P, I32]
    cl.clGetEventInfo.restype = I32
    cl.clGetEventInfo.argtypes = [P, ctypes.c_uint32, ctypes.c_size_t, P, P]
    cl.clWaitForEvents.restype, cl.clWaitForEvents.argtypes = I32, [ctypes.c_uint32,
                                                                    ctypes.POINTER(P)]
    cl.clReleaseEvent.restype, cl.clReleaseEvent.argtypes = I32, [P]
    CL_COMPLETE, CL_EVENT_COMMAND_EXECUTION_STATUS = 0, 0x11D3

    def status(event):
        s = I32()
        assert cl.clGetEventInfo(event, CL_EVENT_COMMAND_EXECUTION_STATUS, 4,
                                 ctypes.byref(s), None) == 0
        return s.value

    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 9, 8)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    with ctx.plan(x.shape, w.shape, padding=1, algo="direct") as plan:
        plan.set_weights(w, b)
        bufs = [clconv._cl.Buffer(ctx._handle, a.nbytes, what)
                for a, what in ((x, "input"), (np.empty(plan.output_shape, np.float32),
                                                "output"))]
        bufs[0].write(x)
        err = I32()
        gate = cl.clCreateUserEvent(ctx.cl_context, ctypes.byref(err))
        assert err.value == 0 and gate
        done = None
        try:
            done = plan.enqueue(bufs[0].mem, bufs[1].mem, wait_for=[gate])
            assert done and status(done) != CL_COMPLETE  # held by the gate
        finally:  # never leave the queue blocked, whatever failed
            cl.clSetUserEventStatus(gate, CL_COMPLETE)
        assert cl.clWaitForEvents(1, ctypes.byref(P(done))) == 0
        assert status(done) == CL_COMPLETE
        y = np.empty(plan.output_shape, np.float32)
        bufs[1].read(y)
        assert rel_l2(y, reference(x, w, b, 1, 1, 1)) < TOLERANCE
        again = plan.enqueue(bufs[0].mem, bufs[1].mem)  # no wait list
        assert cl.clWaitForEvents(1, ctypes.byref(P(again))) == 0
        for e in (gate, done, again):
            cl.clReleaseEvent(e)
        for buf in bufs:
            buf.close()


def test_missing_library_says_what_it_needs(tmp_path):
    env = dict(os.environ, CLCONV_LIBRARY=str(tmp_path / "libclconv.so.1"))
    out = subprocess.run([sys.executable, "-c", "import clconv"], env=env, capture_output=True,
                         text=True)
    assert out.returncode != 0 and "ImportError" in out.stderr
    assert "needs libclconv.so.1" in out.stderr, out.stderr


def test_readme_example_runs_as_printed(ctx, capsys):
    """The README's Python example, exactly as printed, on this device (its
    "pocl" is replaced by the device under test) and at a quarter of its
    batch (the sizes stay as printed otherwise)."""
    readme = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")
    text = open(readme, encoding="utf-8").read()
    block = re.search(r"<!-- python-example:[^>]*-->\n```python\n(.*?)```", text, re.S)
    assert block, "README.md has no marked Python example"
    code = block.group(1)
    here = ctx.device
    code = code.replace('clconv.Context("pocl")',
                        f"clconv.Context(({here['platform_index']}, {here['device_index']}))")
    code = code.replace("np.random.rand(8, 64", "np.random.rand(2, 64")
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    diff = float(re.search(r"max \|clconv - torch\|: (\S+)", out).group(1))
    assert diff < 0.05, out  # outputs near 150: sums of 576 products of [0, 1) values
    assert "winograd {'stages'" in out


def test_wheel_installs_the_package(tmp_path):
    """python/wheel_backend.py (what `pip install ./python` runs, with nothing
    from an index) packs every module, with metadata and a RECORD whose
    hashes hold, and the package imports from the wheel alone."""
    import base64
    import hashlib
    import zipfile

    src = os.path.join(os.path.dirname(__file__), "..", "..", "python")
    sys.path.insert(0, src)
    try:
        import wheel_backend
    finally:
        sys.path.remove(src)
    name = wheel_backend.build_wheel(str(tmp_path))
    wheel = tmp_path / name
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        modules = {f"clconv/{f}" for f in os.listdir(os.path.join(src, "clconv"))
                   if f.endswith(".py")}
        assert modules <= names
        info = name.split("-py3")[0] + ".dist-info"
        assert "Requires-Dist: numpy" in z.read(f"{info}/METADATA").decode()
        for line in z.read(f"{info}/RECORD").decode().splitlines():
            path, digest, size = line.split(",")
            if digest:
                data = z.read(path)
                want = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
                assert digest == "sha256=" + want.decode() and int(size) == len(data), path
    # the library this run loaded: a wheel in tmp_path has no build tree beside it
    env = dict(os.environ, PYTHONPATH=str(wheel), CLCONV_LIBRARY=clconv.library_path)
    out = subprocess.run([sys.executable, "-c", "import clconv; print(clconv.__file__)"],
                         env=env, capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.strip().startswith(str(wheel)), out.stdout
