#!/usr/bin/python3
"""The PyTorch peer and bench/report.py at CI size, end to end.

Runs clconv-bench and bench/peers/torch_conv2d.py on the same small problems,
validates both documents against bench/schema/clconv-bench-1.schema.json
(Debian's python3-jsonschema), checks that they carry the same schema (every
key a clconv-bench result row has, the peer's rows have too) and that the
peer's conv2d agrees with its own reference, then merges them with
bench/report.py and checks the markdown names both sources and the plots are
real PNG files.

usage: check_peer_and_report.py CLCONV_BENCH SOURCE_DIR WORK_DIR
"""
import json
import os
import shutil
import subprocess
import sys

import jsonschema

PROBLEM = ["--problem", "seed-k5", "--in-channels", "8", "--out-channels", "8",
           "--height", "12", "--width", "14", "--iters", "3", "--warmup", "1"]


def run(cmd):
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"FAILED ({done.returncode}): {' '.join(cmd)}\n{done.stderr}")
    return done.stdout


def row_keys(row):
    return set(row) | {f"problem.{k}" for k in row["problem"]}


def validate(schema, path):
    """Every violation of the schema in the document at path, or exit naming them."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
    if errors:
        sys.exit(f"FAILED: {path} does not follow the schema:\n" + "\n".join(
            f"  {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:20]))


def main():
    bench, source, work = sys.argv[1:4]
    with open(os.path.join(source, "bench/schema/clconv-bench-1.schema.json")) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    shutil.rmtree(work, ignore_errors=True)
    results = os.path.join(work, "results")
    os.makedirs(results)
    run([bench, *PROBLEM, "--algo", "direct", "--algo", "fft", "--algo", "pointwise",
         "--out-dir", results])
    ours = [os.path.join(results, f) for f in os.listdir(results)]
    assert len(ours) == 1, ours
    peer = os.path.join(results, "torch.json")
    run([os.path.join(source, "bench/peers/torch_conv2d.py"), *PROBLEM, "--threads", "1",
         "--bench", bench, "--format", "json", "--out", peer])
    # and a document with a skipped row and no peaks (nulls where numbers were)
    bare = os.path.join(work, "bare.json")
    run([bench, *PROBLEM, "--batch", "2", "--algo", "direct", "--algo", "pointwise",
         "--no-peaks", "--format", "json", "--out", bare])
    for path in (ours[0], peer, bare):
        validate(schema, path)

    mine, theirs = (json.load(open(p)) for p in (ours[0], peer))
    assert theirs["schema"] == mine["schema"] == "clconv-bench/1"
    assert schema["properties"]["schema"]["const"] == mine["schema"]
    assert set(theirs) >= set(mine) - {"peaks"}, set(mine) - set(theirs)
    algos = [r["algo"] for r in theirs["results"]]
    assert algos == ["torch-conv2d", "torch-pointwise", "torch-fft"], algos
    want = row_keys(mine["results"][0])
    for r in theirs["results"]:
        assert r["status"] == "ok", r
        assert row_keys(r) >= want, want - row_keys(r)
        assert r["median_ms"] > 0 and r["rel_err"] < 1e-4, r
    # the same problem, counted the same way
    assert theirs["results"][0]["conv_flops"] == mine["results"][0]["conv_flops"]
    assert theirs["results"][1]["flops"] == mine["results"][2]["flops"]

    report = os.path.join(work, "report")
    run([os.path.join(source, "bench/report.py"), report, ours[0], peer])
    text = open(os.path.join(report, "report.md")).read()
    assert mine["device"]["name"] in text and "PyTorch" in text, text[:2000]
    pngs = [f for f in os.listdir(report) if f.endswith(".png")]
    assert any(f.startswith("roofline-") for f in pngs), pngs
    for f in pngs:
        with open(os.path.join(report, f), "rb") as png:
            assert png.read(8) == b"\x89PNG\r\n\x1a\n", f
    print("ok:", ", ".join(sorted(os.listdir(report))))


if __name__ == "__main__":
    main()
