#!/usr/bin/python3
"""clconv.torch over every network the bench's presets list (bench/nets/
generate.py's NETS: torchvision architectures, weights=None, nothing
downloaded), in eval mode, with random weights and BatchNorm statistics and a
random input, against the same model in PyTorch. Runs on $CLCONV_DEVICE
(tests/CMakeLists.txt: the first listed device)."""

import gc
import importlib.util
import os

import pytest

torch = pytest.importorskip("torch", reason="Debian's python3-torch is the reference")
pytest.importorskip("torchvision", reason="Debian's python3-torchvision builds the networks")

import clconv  # noqa: E402
import clconv.torch as ct  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "generate", os.path.join(os.path.dirname(__file__), "..", "..", "bench", "nets",
                             "generate.py"))
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)

TOLERANCE = 1e-4  # relative L2 on the logits (the bound; CLCONV_VERIFY_TOLERANCE)
# Converted unfused too, and checked against the fused model: ResNet's stem,
# Bottleneck and downsample; the inverted residual with Hardswish and
# SqueezeExcitation's ReLU and Hardsigmoid; MBConv with SiLU and Sigmoid.
# Each activation's fusion is checked on its own in tests/python; the other
# presets would add compile time on CI's cold caches, not a rule.
UNFUSED_TOO = ("resnet50", "mobilenet_v3_small", "efficientnet_b0")
FUSION_TOLERANCE = 1e-5  # fused against unfused: float32 rounding of the folded weights
WORST = {}


def rel_l2(a, b):
    return float((a.double() - b.double()).norm() / b.double().norm())


def randomized(model, gen):
    """model with BatchNorm statistics and affine parameters drawn at random:
    at their initial values (mean 0, variance 1, scale 1, shift 0) folding
    changes nothing, and googlenet's and inception's logits would hardly
    depend on their convolutions (they were within 4e-6 of the classifier's
    bias)."""
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.rand(n, generator=gen) - 0.5)
            m.running_var.copy_(torch.rand(n, generator=gen) * 1.5 + 0.5)
            m.weight.data.copy_(torch.rand(n, generator=gen) + 0.5)
            m.bias.data.copy_(torch.rand(n, generator=gen) - 0.5)
    return model


@pytest.fixture(scope="module")
def ctx():
    # No program cache of clconv's: asking PoCL for a program's binary makes
    # it compile a second, generic variant of every kernel (PoCL keeps its
    # own cache), a large part of this module's time on CI's cold caches.
    # The program cache has its own tests (test_runtime, test_reliability).
    c = clconv.Context(disk_cache=False)
    yield c
    gc.collect()  # pytest may still hold a test's last frame
    c.close()


@pytest.mark.parametrize("net", list(generate.NETS))
def test_network(ctx, net):
    gen = torch.Generator().manual_seed(1)
    start = clconv.live_objects()[1]
    with torch.no_grad():
        model = randomized(generate.build(net), gen)
        size = generate.NETS[net][0]
        x = torch.rand(1, 3, size, size, generator=gen) * 2 - 1
        ref = model(x)
        convs = [name for name, m in model.named_modules() if isinstance(m, torch.nn.Conv2d)]
        outputs = {}
        for fuse in (True, False) if net in UNFUSED_TOO else (True,):
            converted = ct.convert(model, ctx, fuse=fuse)
            listed = converted.clconv_layers
            # every convolution listed once, each on clconv (no torchvision
            # layer has a reason to stay in PyTorch), nothing left behind
            assert sorted(e["name"] for e in listed) == sorted(convs)
            assert [e for e in listed if e["runs"] != "clconv"] == []
            assert not any(isinstance(m, torch.nn.Conv2d) for m in converted.modules())
            layers = [m for m in converted.modules() if isinstance(m, ct.Conv2d)]
            assert len(layers) == len(convs)
            if not fuse:
                assert all(e["fused"] == [] for e in listed)
            y = converted(x)
            assert all(l.last_run["runs"] == "clconv" for l in layers)
            err = rel_l2(y, ref)
            WORST[(net, fuse)] = err
            assert err <= TOLERANCE, f"{net} (fuse={fuse}): relative L2 {err:.3g} on the logits"
            # a second call of the same shape builds no plan
            plans = clconv.live_objects()[1]
            assert plans == start + len(layers)
            assert torch.equal(converted(x), y)
            assert clconv.live_objects()[1] == plans
            assert all(l.plans_built == 1 for l in layers)
            outputs[fuse] = y
            del converted, layers, listed
            gc.collect()
            assert clconv.live_objects()[1] == start
        if False in outputs:
            fused_vs_not = rel_l2(outputs[True], outputs[False])
            assert fused_vs_not <= FUSION_TOLERANCE, f"{net}: fused vs unfused {fused_vs_not:.3g}"


def test_worst_error():
    """The worst logit error over the networks above (pytest -s prints it)."""
    if not WORST:
        pytest.skip("no network ran")
    (net, fuse), err = max(WORST.items(), key=lambda kv: kv[1])
    print(f"\nworst relative L2 on the logits: {err:.3g} ({net}, fuse={fuse})")
    assert err <= TOLERANCE


def test_torch_models_command(tmp_path):
    """bench/torch_models.py on one network: both documents valid against the
    results schema, their totals the count-weighted sums of their rows, the
    layers those clconv-bench names, and bench/report.py takes them."""
    import json
    import subprocess
    import sys

    jsonschema = pytest.importorskip("jsonschema", reason="Debian's python3-jsonschema")
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    bench = os.environ.get("CLCONV_BENCH")
    net = "shufflenet_v2_x1_0"  # 16 distinct layers: the fewest programs to build
    cmd = [sys.executable, os.path.join(root, "bench", "torch_models.py"), str(tmp_path),
           "--nets", net, "--repeats", "2", "--warmup", "1", "--threads", "1"]
    done = subprocess.run(cmd + (["--bench", bench] if bench else []), capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert f"| {net} |" in done.stdout
    with open(os.path.join(root, "bench", "schema", "clconv-bench-1.schema.json")) as f:
        schema = json.load(f)
    described = json.loads(subprocess.run(
        [bench or os.path.join(root, "build", "bench", "clconv-bench"), "--describe", "--net",
         net], capture_output=True, text=True, check=True).stdout)
    names = [e["problem"]["name"] for e in described["problems"]]
    for doc_name, algo in ((f"clconv-torch-{net}.json", "auto"),
                           (f"torch-model-{net}.json", "torch-model")):
        with open(tmp_path / doc_name) as f:
            doc = json.load(f)
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
        assert not errors, f"{doc_name}: {errors[0].message} at {list(errors[0].path)}"
        assert [r["problem"]["name"] for r in doc["results"]] == names
        assert all(r["algo"] == algo and r["status"] == "ok" for r in doc["results"])
        total = doc["network"]["totals"][0]
        assert total["measured_layers"] == described["network"]["layers"]
        weighted = sum(r["problem"]["count"] * r["median_ms"] for r in doc["results"])
        assert total["total_ms"] == pytest.approx(weighted, rel=1e-9)
    assert (tmp_path / f"profile-{net}.txt").read_text().startswith(net)
    report = subprocess.run([sys.executable, os.path.join(root, "bench", "report.py"),
                             str(tmp_path / "report"), str(tmp_path / f"clconv-torch-{net}.json"),
                             str(tmp_path / f"torch-model-{net}.json")],
                            capture_output=True, text=True)
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "report" / f"network-{net.replace('_', '-')}.png").exists()
    assert net in (tmp_path / "report" / "report.md").read_text()
