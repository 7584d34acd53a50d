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

# not square, padded, strided and dilated differently along each axis, so
# that the two programs must agree on every convention, not only the easy one
PROBLEM = ["--problem", "seed-k5", "--in-channels", "8", "--out-channels", "6",
           "--height", "13", "--width", "17", "--kernel", "5x3", "--pad", "2x1",
           "--stride", "2x1", "--dilation", "1x2", "--iters", "3", "--warmup", "1"]


def check(ok, what):
    """Exit with FAILED and what, unless ok (assert vanishes under python3 -O)."""
    if not ok:
        sys.exit(f"FAILED: {what}")


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
    check(len(ours) == 1, f"--out-dir wrote {ours}, wanted one document")
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
    check(theirs["schema"] == mine["schema"] == "clconv-bench/1",
          f"schemas {theirs['schema']} and {mine['schema']}")
    check(schema["properties"]["schema"]["const"] == mine["schema"],
          "the schema file names another schema than the bench writes")
    check(set(theirs) >= set(mine) - {"peaks"},
          f"the peer's document lacks {set(mine) - set(theirs)}")
    algos = [r["algo"] for r in theirs["results"]]
    check(algos == ["torch-conv2d", "torch-onednn", "torch-pointwise", "torch-fft"],
          f"peer rows {algos}")
    want = row_keys(mine["results"][0])
    for r in theirs["results"]:
        check(r["status"] == "ok", f"peer row not ok: {r}")
        check(row_keys(r) >= want, f"peer row lacks {want - row_keys(r)}")
        check(r["median_ms"] > 0 and r["rel_err"] < 1e-4,
              f"peer row {r['algo']}: {r['median_ms']} ms, rel_err {r['rel_err']}")
    # the same problem, counted the same way
    check(theirs["results"][0]["conv_flops"] == mine["results"][0]["conv_flops"],
          f"conv_flops {theirs['results'][0]['conv_flops']} (peer) vs "
          f"{mine['results'][0]['conv_flops']}")
    check(theirs["results"][2]["flops"] == mine["results"][2]["flops"],
          "the pointwise op's FLOPs differ between the peer and the bench")
    # the same output shape, from each program's own arithmetic
    for key in ("out_height", "out_width"):
        check(theirs["results"][0]["problem"][key] == mine["results"][0]["problem"][key],
              f"{key}: peer {theirs['results'][0]['problem'][key]}, bench "
              f"{mine['results'][0]['problem'][key]}")

    # a network: the same layers and counts on both sides, totals from the rows
    shapes = os.path.join(work, "net.txt")
    with open(shapes, "w") as f:
        f.write('# two layers, one of them twice; the second pads one more at the bottom\n'
                'mb1ic8ih12oc8oh12kh3ph1n"tiny:a" *2\n'
                'mb1ic8ih12oc4oh12kh2ph0n"tiny:b"\n')
    nets = []
    for cmd in ([bench, "--shapes", shapes, "--iters", "3", "--warmup", "1"],
                [os.path.join(source, "bench/peers/torch_conv2d.py"), "--shapes", shapes,
                 "--threads", "1", "--iters", "3", "--warmup", "1", "--bench", bench]):
        path = os.path.join(results, f"net{len(nets)}.json")
        run(cmd + ["--format", "json", "--out", path])
        validate(schema, path)
        doc = json.load(open(path))
        net, rows = doc["network"], doc["results"]
        check(net["name"] == "net" and net["layers"] == 3 and net["distinct"] == 2,
              f"{cmd[0]}: network {net}")
        # clconv: auto; the peer: conv2d and oneDNN's convolution
        check(len(net["totals"]) * 2 == len(rows) and len(rows) in (2, 4), f"{cmd[0]}: {rows}")
        total = sum(r["problem"]["count"] * r["median_ms"] for r in rows
                    if r["algo"] == net["totals"][0]["algo"])
        check(abs(net["totals"][0]["total_ms"] - total) <= 1e-6 * total,
              f"{cmd[0]}: total {net['totals'][0]['total_ms']}, rows {total}")
        b = rows[-1]["problem"]
        check((b["pad_h"], b["pad_bottom"], b["out_height"]) == (0, 1, 12), f"tiny:b {b}")
        nets.append(path)

    report = os.path.join(work, "report")
    run([os.path.join(source, "bench/report.py"), report, ours[0], peer, *nets])
    text = open(os.path.join(report, "report.md")).read()
    check(mine["device"]["name"] in text and "PyTorch" in text,
          f"report.md names neither the device nor PyTorch:\n{text[:2000]}")
    pngs = [f for f in os.listdir(report) if f.endswith(".png")]
    check(any(f.startswith("roofline-") for f in pngs), f"no roofline plot among {pngs}")
    check("network-net.png" in pngs and "### net" in text,
          f"no network section or plot: {pngs}")
    for f in pngs:
        with open(os.path.join(report, f), "rb") as png:
            check(png.read(8) == b"\x89PNG\r\n\x1a\n", f"{f} is not a PNG file")
    print("ok:", ", ".join(sorted(os.listdir(report))))


if __name__ == "__main__":
    main()
