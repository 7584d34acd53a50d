#!/usr/bin/python3
"""clconv's kernels under oclgrind (--data-races --uninitialized).

Fails on any invalid read or write, data race or uninitialised value that
oclgrind reports, in any kernel: every run here runs clconv's own kernels only
(clconv's DFT, cl/fft/dft.cl, for every FFT problem below, all small enough
for it; clconv's SGEMM and complex GEMM, cl/gemm/, the default GEMM
backends), and every bench run verifies its result.

oclgrind 21.10 loses track of a buffer clEnqueueFillBuffer wrote: a kernel's
later stores to it are dropped from the shadow memory and every load past
its first element reads as "uninitialised" (fill_demo.c shows it on a
two-kernel program). clconv zeroes its FFT workspace and the bench poisons
outputs with fills, so every run preloads fill_shim.c, which turns a
whole-buffer fill into the equal whole-buffer write oclgrind tracks right;
the run first checks, on fill_demo.c, that oclgrind still needs it and that
it works. Programs are started the way the `oclgrind` launcher starts them
(its runtime preloaded, options in OCLGRIND_* variables), with the shim
ahead of the runtime.

Two kinds of run:
- test_kernels alone (our kernels on data this test writes): its
  test_sgemm runs clconv's SGEMM (cl/gemm/sgemm.cl) at the default tile of
  each width and at one odd tile, test_cgemm its complex GEMM
  (cl/gemm/cgemm.cl, fft-cgemm's) at each width, test_dft_backend clconv's
  DFT (cl/fft/dft.cl) in both spectra layouts. It prints the device it
  opened, which must be oclgrind's.
- clconv-bench on small odd problems, with --verify (SMALL), on a device
  whose name must be oclgrind's.

Kernels are built with -cl-opt-disable (CLCONV_BUILD_OPTIONS): oclgrind
cannot check the `freeze` instruction LLVM's optimiser emits.

oclgrind prefers a vector width of 1, PoCL 8 or 16: every run is repeated
at each width a kernel can be built with (CLCONV_VECTOR_WIDTH), so the wide
loads and stores and their tails are checked too. test_kernels'
test_kernels_build_clean builds every kernel under three option sets of
which only one depends on the width: the other two are built at the first
width only (CLCONV_BUILD_CLEAN_WIDTH_ONLY at the others). Every algorithm
that `clconv-bench --describe` lists gets at least one run (a default odd
problem when BENCH_RUNS has none for it), so a new algorithm is checked
unnamed. Tunable kernels also run once at a non-default point (TILE_RUNS).
The runs are independent: as many run at once as this process has cores,
and their results print in order.

usage: run.py SOURCE_DIR CLCONV_BENCH TEST_KERNELS
"""
import concurrent.futures
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time

# clconv's GEMM named (the default is the fastest measured on the device);
# the FFT's default backend, clconv's DFT for planes up to 16, is checked
# from the output (CLCONV_TRANSFORMS)
SMALL = ["--no-peaks", "--iters", "1", "--warmup", "0", "--verify", "--gemm-backend", "clconv"]
BENCH_RUNS = [
    ("direct odd", ["--algo", "direct", "--in-channels", "3", "--height", "7", "--width", "9",
                    "--out-channels", "5", "--kernel", "3x2"]),
    ("direct strided padded dilated batched",
     ["--algo", "direct", "--batch", "2", "--in-channels", "3", "--height", "9", "--width", "11",
      "--out-channels", "5", "--kernel", "3", "--stride", "2x3", "--pad", "1x2",
      "--dilation", "2x1"]),
    ("direct 1x1 wide", ["--algo", "direct", "--in-channels", "2", "--height", "3", "--width",
                         "37", "--out-channels", "3", "--kernel", "1"]),
    ("pointwise", ["--algo", "pointwise", "--in-channels", "3", "--height", "5", "--width", "7",
                   "--out-channels", "4"]),
    ("winograd F(4x4,3x3) odd padded batched, relu + residual in the output transform",
     ["--algo", "winograd", "--batch", "2", "--in-channels", "3", "--height", "7", "--width",
      "9", "--out-channels", "5", "--kernel", "3", "--pad", "1x2", "--activation", "relu",
      "--residual"]),
    ("winograd F(2x2,5x5) odd padded",
     ["--algo", "winograd", "--in-channels", "2", "--height", "6", "--width", "11",
      "--out-channels", "3", "--kernel", "5", "--pad", "2x1"]),
    ("im2col-gemm at an 8x8x8 GEMM",
     ["--algo", "im2col-gemm", "--in-channels", "2", "--height", "3", "--width", "5",
      "--out-channels", "8", "--kernel", "2"]),
    ("direct grouped (3 groups, channel blocks per group, padded), silu + residual",
     ["--algo", "direct", "--batch", "2", "--in-channels", "6", "--height", "5", "--width",
      "7", "--out-channels", "9", "--kernel", "3", "--pad", "1", "--groups", "3",
      "--activation", "silu", "--residual", "--beta", "0.5"]),
    ("depthwise (multiplier 2, padded: the staged planes' copy, the last tile's overlap), "
     "hardswish + residual",
     ["--algo", "depthwise", "--batch", "2", "--in-channels", "3", "--height", "7", "--width",
      "19", "--out-channels", "6", "--kernel", "3", "--pad", "1", "--depthwise",
      "--activation", "hardswish", "--residual"]),
    ("depthwise 5x5 stride 2 dilation 2 (the even lanes of twice-wide loads)",
     ["--algo", "depthwise", "--in-channels", "2", "--height", "9", "--width", "37",
      "--out-channels", "2", "--kernel", "5", "--pad", "2", "--stride", "2", "--dilation", "2",
      "--depthwise"]),
    ("depthwise on a grouped problem (3 input channels a group, staged by group, 2 output "
     "channels a work-item)",
     ["--algo", "depthwise", "--in-channels", "6", "--height", "5", "--width", "9",
      "--out-channels", "4", "--kernel", "3", "--pad", "1", "--groups", "2"]),
    ("im2col-gemm grouped (each group's GEMM at its offsets), leaky_relu, alpha, residual in "
     "the epilogue pass",
     ["--algo", "im2col-gemm", "--batch", "2", "--in-channels", "4", "--height", "5",
      "--width", "6", "--out-channels", "6", "--kernel", "3", "--pad", "1", "--groups", "2",
      "--activation", "leaky_relu:0.1", "--alpha", "2", "--residual"]),
    ("fft odd strided padded dilated batched, gelu + residual in the crop",
     ["--algo", "fft", "--batch", "2", "--in-channels", "3", "--height", "7", "--width", "9",
      "--out-channels", "5", "--kernel", "3x2", "--stride", "2", "--pad", "1",
      "--dilation", "1x2", "--activation", "gelu", "--residual"]),
]

# Tunable kernels at a point their default rule does not pick (every run
# above uses the default): an odd tile, several channel vectors, a row's
# last tile hanging past its end, padding. Run once: --params fixes the width.
TILE_RUNS = [
    ("depthwise unstaged (edge tiles gathered with their reads checked) at vec=4 rows=3, "
     "clamp + residual",
     ["--algo", "depthwise", "--params", "vec=4 rows=3 planes=2 stage=0", "--batch", "2",
      "--in-channels", "2", "--height", "8", "--width", "13", "--out-channels", "4", "--kernel",
      "5x3", "--pad", "2x1", "--stride", "1x2", "--depthwise", "--activation", "clamp:-1,1",
      "--residual"]),
    ("depthwise staged, 3 planes a group, at vec=2 rows=5",
     ["--algo", "depthwise", "--params", "vec=2 rows=5 planes=3 stage=1 ocb=1", "--batch", "3",
      "--in-channels", "2", "--height", "11", "--width", "6", "--out-channels", "2", "--kernel",
      "3", "--pad", "1", "--dilation", "2x1", "--depthwise"]),
    ("direct at vec=4 ocv=3 pix=5",
     ["--algo", "direct", "--params", "vec=4 ocv=3 pix=5 lx=0 ly=0", "--batch", "2",
      "--in-channels", "3", "--height", "7", "--width", "12", "--out-channels", "9", "--kernel",
      "3x2", "--pad", "1x0", "--stride", "1x2"]),
    ("direct's local-memory variant at vec=2 ocv=2 pix=3 lx=2 ly=4",
     ["--algo", "direct", "--params", "vec=2 ocv=2 pix=3 lx=2 ly=4", "--batch", "2",
      "--in-channels", "5", "--height", "9", "--width", "14", "--out-channels", "7", "--kernel",
      "3x2", "--pad", "1x0", "--dilation", "1x2"]),
    ("fft at tile=6 (several overlap-save tiles each way, partial last tiles)",
     ["--algo", "fft", "--params", "tile=6", "--batch", "2", "--in-channels", "3",
      "--height", "11", "--width", "13", "--out-channels", "5", "--kernel", "3x2", "--stride",
      "2", "--pad", "1", "--dilation", "1x2"]),
]

WIDTHS = (1, 2, 4, 8, 16)
# An algorithm BENCH_RUNS does not name runs this odd problem.
DEFAULT_RUN = ["--batch", "2", "--in-channels", "3", "--height", "7", "--width", "9",
               "--out-channels", "5", "--kernel", "3x2", "--pad", "1"]
# The line naming the device a program opened: clconv-bench's "Device 0:0
# <name> (...)", test_kernels' "device: <name>".
OCLGRIND_DEVICE = re.compile(r"^device\b[^\n]*oclgrind", re.IGNORECASE | re.MULTILINE)
# An FFT row's ". transforms: <backend>" line
CLCONV_TRANSFORMS = re.compile(r"^\s*\. transforms: (\S+)", re.MULTILINE)
OCLGRIND_LIB = "/usr/lib/oclgrind"  # Debian's oclgrind: its runtime and libraries


def our_kernels(source):
    names = set()
    for path in glob.glob(os.path.join(source, "cl", "**", "*.cl"), recursive=True):
        names |= set(re.findall(r"__kernel\s+void\s+(\w+)", open(path).read()))
    return names


def reports(log_text):
    """[(first line, kernel name or None)] for each diagnostic in the log.

    oclgrind writes every report as a block: an unindented message line
    (invalid or unaligned access, index beyond a static array, data race,
    uninitialised value, divergence, fatal error, ...) followed by indented
    detail lines, one of them "Kernel: <name>". Every block that names a
    kernel counts, whatever its message, so no kind is missed; a fatal
    error counts even when it names none."""
    blocks = []
    for line in log_text.splitlines():
        if not line.strip():
            continue
        if not line[0].isspace():
            if blocks and "FATAL" in blocks[-1][0].upper() and blocks[-1][1] is None:
                blocks[-1][0] += ": " + line.strip()  # a fatal error's reason line
            else:
                blocks.append([line.strip(), None])
        elif line.strip().startswith("Kernel:") and blocks:
            blocks[-1][1] = line.split("Kernel:", 1)[1].strip()
    return [(msg, k) for msg, k in blocks if k is not None or "FATAL" in msg.upper()]


def build_helpers(source, work):
    """fill_shim.so and fill_demo, compiled into `work`."""
    here = os.path.join(source, "tests", "oclgrind")
    shim, demo = os.path.join(work, "fill_shim.so"), os.path.join(work, "fill_demo")
    flags = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-O1"]
    subprocess.run(["cc", *flags, "-fPIC", "-shared", "-o", shim,
                    os.path.join(here, "fill_shim.c"), "-ldl"], check=True)
    subprocess.run(["cc", *flags, "-o", demo, os.path.join(here, "fill_demo.c"), "-lOpenCL"],
                   check=True)
    return shim, demo


def oclgrind(cmd, log, shim, extra_env=None):
    """Runs cmd as `oclgrind --data-races --uninitialized --log LOG` does,
    with `shim` (if any) preloaded ahead of oclgrind's runtime."""
    env = dict(os.environ, **(extra_env or {}), OCLGRIND_DATA_RACES="1",
               OCLGRIND_UNINITIALIZED="1", OCLGRIND_LOG=log)
    preload = [p for p in (shim, os.path.join(OCLGRIND_LIB, "liboclgrind-rt.so"),
                           os.environ.get("LD_PRELOAD")) if p]
    env["LD_PRELOAD"] = ":".join(preload)
    env["LD_LIBRARY_PATH"] = ":".join(p for p in (OCLGRIND_LIB, os.environ.get("LD_LIBRARY_PATH"))
                                      if p)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=1800, env=env)


def run(name, cmd, ours, shim, extra_env):
    """(passed, what to print) for one program under oclgrind."""
    start = time.monotonic()
    with tempfile.NamedTemporaryFile("r", suffix=".log") as log:
        done = oclgrind(cmd, log.name, shim, extra_env)
        found = reports(log.read())
    seconds = time.monotonic() - start
    if not OCLGRIND_DEVICE.search(done.stdout):
        return False, (f"FAILED: {name}: the output names no oclgrind device: not simulated?\n"
                       f"    {done.stdout.strip()[:500]}")
    third_party = [b for b in CLCONV_TRANSFORMS.findall(done.stdout) if b != "clconv"]
    if third_party:
        return False, f"FAILED: {name}: transforms by {', '.join(third_party)}, not clconv's DFT"
    ok = done.returncode == 0 and not found
    lines = [f"{'ok' if ok else 'FAILED'}: {name}: {len(found)} reports ({seconds:.1f} s)"]
    for msg, k in found[:20]:
        lines.append(f"    {k}{'' if k is None or k in ours else ' (not clconv)'}: {msg}")
    if done.returncode != 0:
        lines.append(f"    exit {done.returncode}: {(done.stdout + done.stderr).strip()[-2000:]}")
    return ok, "\n".join(lines)


def check_shim(shim, demo):
    """fill_demo's reads of a filled-then-written buffer are clean with the
    shim (else fail: the runs below would report what is not there); without
    it, say whether oclgrind still needs it."""
    with tempfile.NamedTemporaryFile("r", suffix=".log") as log:
        done = oclgrind([demo], log.name, shim)
        with_shim = reports(log.read())
    with tempfile.NamedTemporaryFile("r", suffix=".log") as log:
        oclgrind([demo], log.name, None)
        without = reports(log.read())
    ok = done.returncode == 0 and not with_shim and bool(OCLGRIND_DEVICE.search(done.stdout))
    print(f"{'ok' if ok else 'FAILED'}: fill_demo: {len(with_shim)} reports with fill_shim, "
          f"{len(without)} without"
          + ("" if without else " (this oclgrind tracks fills: fill_shim can go)"))
    if not ok:
        print(f"    exit {done.returncode}: {(done.stdout + done.stderr).strip()[-2000:]}")
    return ok


def algorithms(bench):
    out = subprocess.run([bench, "--describe"], capture_output=True, text=True, check=True)
    return [a["name"] for a in json.loads(out.stdout)["algorithms"]]


def main():
    source, bench, test_kernels = sys.argv[1:4]
    ours = our_kernels(source)
    env_note = os.environ.get("CLCONV_BUILD_OPTIONS", "")
    if "-cl-opt-disable" not in env_note:
        os.environ["CLCONV_BUILD_OPTIONS"] = (env_note + " -cl-opt-disable").strip()
    os.environ.pop("CLCONV_DEVICE", None)  # oclgrind is the only device
    os.environ.pop("CLCONV_BUILD_CLEAN_WIDTH_ONLY", None)
    runs = list(BENCH_RUNS)
    named = {args[args.index("--algo") + 1] for _, args in BENCH_RUNS}
    for algo in algorithms(bench):
        if algo not in named:
            runs.append((f"{algo} (default odd problem)", ["--algo", algo, *DEFAULT_RUN]))
    jobs = [(name, [bench, *args, *SMALL], {}) for name, args in TILE_RUNS]
    for i, width in enumerate(WIDTHS):
        env = {"CLCONV_VECTOR_WIDTH": str(width)}
        # the width-independent build options: built once, at the first width
        jobs.append((f"test_kernels, width {width}", [test_kernels],
                     dict(env, CLCONV_BUILD_CLEAN_WIDTH_ONLY="1") if i else env))
        jobs += [(f"{name}, width {width}", [bench, *args, *SMALL], env) for name, args in runs]
    with tempfile.TemporaryDirectory() as work:
        shim, demo = build_helpers(source, work)
        ok = check_shim(shim, demo)
        # oclgrind keeps about one core busy: one run per core at a time
        # (the program cache takes concurrent writers); test_kernels, the
        # longest runs, start first
        with concurrent.futures.ThreadPoolExecutor(len(os.sched_getaffinity(0))) as pool:
            first = sorted(jobs, key=lambda j: j[1][0] != test_kernels)
            started = {id(j): pool.submit(run, j[0], j[1], ours, shim, j[2]) for j in first}
            for job in jobs:
                passed, text = started[id(job)].result()
                print(text, flush=True)
                ok &= passed
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
