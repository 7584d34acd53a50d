#!/usr/bin/python3
"""clconv.torch's conversion rules on small models, against the same model
in PyTorch, on $CLCONV_DEVICE: every padding form, the activations it fuses
and the ones it must not, the layers it leaves in PyTorch and why, the
calls that fall back at run time, and the copy path a device without the
host's memory takes. The networks are tests/torch's."""

import copy
import gc

import pytest

torch = pytest.importorskip("torch", reason="Debian's python3-torch is the reference")
import clconv  # noqa: E402
import clconv.torch as ct  # noqa: E402
from torch import nn  # noqa: E402

TOLERANCE = 1e-4  # CLCONV_VERIFY_TOLERANCE


@pytest.fixture(scope="module")
def ctx():
    c = clconv.Context()
    yield c
    gc.collect()  # pytest may still hold a test's last frame
    c.close()


def rel_l2(a, b):
    return float((a.double() - b.double()).norm() / b.double().norm())


def bn(n, gen):
    """A BatchNorm2d in eval mode with statistics and parameters far from the
    identity, so folding it is tested."""
    m = nn.BatchNorm2d(n).eval()
    m.running_mean.copy_(torch.rand(n, generator=gen) - 0.5)
    m.running_var.copy_(torch.rand(n, generator=gen) + 0.5)
    m.weight.data.copy_(torch.rand(n, generator=gen) + 0.5)
    m.bias.data.copy_(torch.rand(n, generator=gen) - 0.5)
    return m


def check(model, x, ctx, **options):
    """Converts model (eval), checks it against PyTorch, returns the result."""
    model.eval()
    with torch.no_grad():
        ref = model(x)
        converted = ct.convert(model, ctx, **options)
        y = converted(x)
    assert y.shape == ref.shape
    assert rel_l2(y, ref) <= TOLERANCE
    return converted


def test_padding_stride_dilation_groups_bias(ctx):
    gen = torch.Generator().manual_seed(2)
    model = nn.Sequential(
        nn.Conv2d(4, 8, 3, padding="same"),
        nn.Conv2d(8, 8, 4, padding="same", dilation=2, bias=False),   # even: extra row below
        nn.Conv2d(8, 6, (3, 5), stride=(2, 1), padding=(1, 2)),
        nn.Conv2d(6, 6, 3, groups=3, padding="valid"),
        nn.Conv2d(6, 12, 3, groups=6, padding=1, dilation=(1, 2)),     # depthwise, multiplier 2
        nn.Conv2d(12, 5, 1, stride=2))
    converted = check(model, torch.rand(2, 4, 17, 19, generator=gen), ctx)
    assert [e["runs"] for e in converted.clconv_layers] == ["clconv"] * 6


@pytest.mark.parametrize("act", [nn.ReLU(), nn.ReLU6(), nn.SiLU(), nn.Hardswish(),
                                 nn.Hardsigmoid(), nn.Sigmoid(), nn.Tanh(),
                                 nn.LeakyReLU(0.2), nn.Hardtanh(-0.5, 0.7),
                                 nn.GELU(approximate="tanh")],
                         ids=lambda m: type(m).__name__)
def test_fused_activation(ctx, act):
    gen = torch.Generator().manual_seed(3)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), bn(8, gen), act)
    converted = check(model, torch.rand(1, 3, 9, 9, generator=gen) * 4 - 2, ctx)
    assert converted.clconv_layers[0]["fused"] == ["1 (BatchNorm2d)", f"2 ({type(act).__name__})"]


def test_unfusable_activation_stays(ctx):
    """GELU's erf form is not clconv's tanh form: it runs in PyTorch."""
    gen = torch.Generator().manual_seed(4)
    model = nn.Sequential(nn.Conv2d(3, 8, 3), bn(8, gen), nn.GELU())
    converted = check(model, torch.rand(1, 3, 9, 9, generator=gen), ctx)
    assert converted.clconv_layers[0]["fused"] == ["1 (BatchNorm2d)"]
    assert any(isinstance(m, nn.GELU) for m in converted.modules())


class _OwnForward(nn.Conv2d):
    def forward(self, x):
        return super().forward(x) * 2


class _Mixed(nn.Module):
    """Convolutions clconv must leave in PyTorch beside ones it runs."""

    def __init__(self):
        super().__init__()
        self.reflect = nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect")
        self.plain = nn.Conv2d(4, 4, 3, padding=1)
        self.f64 = nn.Conv2d(4, 4, 1).double()
        self.own = _OwnForward(4, 4, 1)

    def forward(self, x):
        y = self.plain(self.reflect(x))
        return self.own(self.f64(y.double()).float())


def test_left_in_pytorch_are_listed(ctx):
    gen = torch.Generator().manual_seed(5)
    converted = check(_Mixed(), torch.rand(1, 3, 8, 8, generator=gen), ctx)
    left = {e["name"]: e["reason"] for e in converted.clconv_layers if e["runs"] == "pytorch"}
    assert set(left) == {"reflect", "f64", "own"}
    assert "padding_mode='reflect'" in left["reflect"]
    assert "torch.float64" in left["f64"]
    assert "_OwnForward" in left["own"]
    for name in left:  # exactly those are still PyTorch's modules
        assert type(getattr(converted, name)) is not ct.Conv2d
    assert isinstance(converted.plain, ct.Conv2d)


def test_training_mode_is_listed(ctx):
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)).train()
    converted = ct.convert(model, ctx)
    assert [e["runs"] for e in converted.clconv_layers] == ["pytorch"]
    assert "training mode" in converted.clconv_layers[0]["reason"]


def test_fallbacks_at_run_time(ctx):
    """A gradient through the input, or a float64 input, runs PyTorch's
    convolution with the same (folded) weights, and says so."""
    gen = torch.Generator().manual_seed(6)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), bn(4, gen), nn.ReLU()).eval()
    converted = ct.convert(model, ctx)
    layer = next(m for m in converted.modules() if isinstance(m, ct.Conv2d))
    x = torch.rand(1, 3, 8, 8, generator=gen, requires_grad=True)
    y = converted(x)
    assert layer.last_run["runs"] == "pytorch"
    assert "autograd" in layer.last_run["reason"]
    y.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    with torch.no_grad():
        assert rel_l2(y, model(x)) <= TOLERANCE
        z = converted(x.double())
        assert layer.last_run["runs"] == "pytorch" and "float64" in layer.last_run["reason"]
        assert z.dtype == torch.float64 and rel_l2(z, model(x)) <= TOLERANCE
        converted(x)
        assert layer.last_run["runs"] == "clconv"


def test_copy_path_and_plans(ctx):
    """A device that does not share the host's memory gets one copy each way
    (forced here); plans are built once per input shape and freed with the
    model."""
    gen = torch.Generator().manual_seed(7)
    start = clconv.live_objects()
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), bn(8, gen), nn.ReLU(),
                          nn.Conv2d(8, 8, 3, padding=1), bn(8, gen)).eval()
    converted = ct.convert(model, ctx)
    layers = [m for m in converted.modules() if isinstance(m, ct.Conv2d)]
    with torch.no_grad():
        for size in (10, 10, 12):
            x = torch.rand(1, 3, size, size, generator=gen)
            assert rel_l2(converted(x), model(x)) <= TOLERANCE
            io = layers[0]._io
            assert io.shares_host_memory  # the CPU devices here; a GPU's is False
            # in place but for an input torch did not align as the device asks
            assert [l.last_run["copies"] for l in layers] == [int(x.data_ptr() % io.align != 0), 0]
        assert [l.plans_built for l in layers] == [2, 2]
        io.shares_host_memory = False
        x = torch.rand(1, 3, 10, 10, generator=gen)
        assert rel_l2(converted(x), model(x)) <= TOLERANCE
        assert [l.last_run["copies"] for l in layers] == [2, 2]
        assert [l.plans_built for l in layers] == [2, 2]
    assert clconv.live_objects()[1] == start[1] + 4
    twin = copy.deepcopy(converted)  # shares the context, builds its own plans
    with torch.no_grad():
        assert torch.equal(twin(x), converted(x))
    assert clconv.live_objects()[1] == start[1] + 6  # one plan per layer of the twin
    del converted, layers, twin
    gc.collect()
    assert clconv.live_objects() == start


def test_profile(ctx):
    gen = torch.Generator().manual_seed(8)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), bn(8, gen), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Conv2d(8, 4, 1)).eval()
    p = ct.profile(model, torch.rand(1, 3, 16, 16, generator=gen), ctx, repeats=3, warmup=1)
    assert [r["name"] for r in p.layers] == ["0", "4"]
    assert all(r["runs"] == "clconv" and r["host_ms"] > 0 and r["pytorch_ms"] > 0
               for r in p.layers)
    # device times where the device has real timestamps (rusticl's are not)
    timed = [r["device_ms"] is not None for r in p.layers]
    assert timed in ([True, True], [False, False])
    assert (p.totals["device_ms"] is not None) == timed[0]
    assert all(r["device_ms"] > 0 for r in p.layers if r["device_ms"] is not None)
    assert p.totals["layers"] == 2 and p.totals["forward_ms"] > 0
    text = str(p)
    assert "left in PyTorch: none" in text and "forward: clconv" in text
