#!/usr/bin/python3
"""bench/nets/*.txt against torchvision as installed: each file is what
bench/nets/generate.py writes now, and, checked without the generator's
merging, accounts for every nn.Conv2d of the model exactly; and the C
bench (CLCONV_BENCH) reads from each embedded file exactly the problems
the model's convolutions run, layer for layer."""

import difflib
import functools
import importlib.util
import os
import json
import re
import subprocess
from collections import Counter

import pytest

pytest.importorskip("torchvision", reason="Debian's python3-torchvision builds the networks")
import torch  # noqa: E402 (after the skip: torchvision brings it)

NETS_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "bench", "nets")
_spec = importlib.util.spec_from_file_location(
    "generate", os.path.join(NETS_DIR, "generate.py"))
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)

LINE = re.compile(r'mb1_g(\d+)ic(\d+)oc(\d+)_ih\d+oh\d+kh(\d+)sh(\d+)ph(\d+)'
                  r'_iw\d+ow\d+kw(\d+)sw(\d+)pw(\d+)(?:_dh(\d+)dw(\d+))?'
                  r'_n"(\w+):[\w.]+"(?: \*(\d+))?')


@functools.lru_cache(maxsize=None)
def built(net):
    """Each model is built and run once a session; only what the tests need
    is kept (vgg16's weights alone are half a gigabyte)."""
    model = generate.build(net)
    attrs = [(m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding,
              m.dilation, m.groups) for _, m in generate.convs(model)]
    # what each convolution ran on, from PyTorch's own tensors
    ran = Counter()
    hooks = [m.register_forward_hook(lambda m, i, o: ran.update([(
        i[0].shape[0], m.in_channels, i[0].shape[2], i[0].shape[3], m.out_channels,
        m.kernel_size, m.stride, m.padding, m.dilation, m.groups, tuple(o.shape[2:]))]))
        for _, m in generate.convs(model)]
    with torch.no_grad():
        model(torch.randn(1, 3, generate.NETS[net][0], generate.NETS[net][0]))
    for h in hooks:
        h.remove()
    return generate.trace(net, model), attrs, ran


def read(net):
    with open(os.path.join(NETS_DIR, net + ".txt")) as f:
        return f.read()


@pytest.mark.parametrize("net", list(generate.NETS))
def test_file_is_what_generate_writes(net):
    want = generate.render(net, built(net)[0])
    have = read(net)
    diff = "".join(difflib.unified_diff(
        have.splitlines(True), want.splitlines(True),
        f"bench/nets/{net}.txt", "generate.py now"))
    assert have == want, f"rerun bench/nets/generate.py {net}:\n{diff}"


@pytest.mark.parametrize("net", list(generate.NETS))
def test_file_covers_every_conv(net):
    _, attrs, _ = built(net)
    lines = [line for line in read(net).splitlines() if not line.startswith("#")]
    total, shapes = 0, set()
    for line in lines:
        m = LINE.fullmatch(line)
        assert m, f"{net}: not a descriptor: {line}"
        g, ic, oc, kh, sh, ph, kw, sw, pw, dh, dw, name, count = m.groups()
        assert name == net, line
        d = (int(dh or 0) + 1, int(dw or 0) + 1)
        shapes.add((int(ic), int(oc), (int(kh), int(kw)), (int(sh), int(sw)),
                    (int(ph), int(pw)), d, int(g)))
        total += int(count or 1)
    assert total == len(attrs), f"{net}: counts add to {total}, model has {len(attrs)} convs"
    header = re.search(r"(\d+) conv layers, (\d+) distinct", read(net))
    assert header and header.groups() == (str(total), str(len(lines))), header
    missing = [a for a in attrs if a not in shapes]
    assert not missing, f"{net}: convs with no line: {missing}"


@pytest.mark.parametrize("net", list(generate.NETS))
def test_bench_runs_what_the_model_runs(net):
    bench = os.environ.get("CLCONV_BENCH")
    if not bench:
        pytest.skip("CLCONV_BENCH (the clconv-bench binary) is not set")
    out = subprocess.run([bench, "--net", net, "--describe"], check=True,
                         capture_output=True, text=True).stdout
    doc = json.loads(out)
    got = Counter()
    for entry in doc["problems"]:
        p = entry["problem"]
        assert (p["pad_bottom"], p["pad_right"]) == (p["pad_h"], p["pad_w"]), p
        got[(p["batch"], p["in_channels"], p["height"], p["width"], p["out_channels"],
             (p["kernel_h"], p["kernel_w"]), (p["stride_h"], p["stride_w"]),
             (p["pad_h"], p["pad_w"]), (p["dilation_h"], p["dilation_w"]), p["groups"],
             (p["out_height"], p["out_width"]))] += p["count"]
    want = built(net)[2]
    assert got == want, (f"{net}: the bench reads {sorted((got - want).items())} more and "
                         f"{sorted((want - got).items())} fewer than the model runs")
    assert doc["network"] == {"name": net, "layers": sum(want.values()),
                              "distinct": len(doc["problems"])}
