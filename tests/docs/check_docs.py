#!/usr/bin/python3
"""The docs still describe the tool that exists (the `docs` ctest entry).

    check_docs.py SOURCE_DIR BENCH BUILD_DIR           the cheap checks
    check_docs.py --c-example SOURCE_DIR WORK_DIR CC [ARG...]
                                                       compile README's C example

The cheap checks read README.md and docs/*.md and fail, naming file:line, when
- a `clconv-bench ...` command in a code block no longer parses: each one is
  run as printed plus --describe, which parses every flag, value and
  combination and validates the problems, then prints JSON instead of running
  (no device; --out is pointed into a scratch directory);
- an inline `clconv-bench --flag` span, or in docs/bench.md a lone `--flag`
  span, names a flag clconv-bench does not have (its --describe "options");
- a command's program given as a path (bench/report.py, ./build/...) is gone;
- a `ctest -R PATTERN` matches no ctest entry of BUILD_DIR, a `cmake -DCLCONV_X`
  names no CLCONV_ variable of the CMake files, a `--target T` no target;
- a relative link or image points at no file (or outside the repository), or
  its #anchor at no heading; a `path/like/this` code span names a file or
  folder that does not exist;
- README.md is longer than MAX_README_LINES, or its second sh block (the test
  command) is not what .ci/run runs.
"""
import glob
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

MAX_README_LINES = 200
# Top-level folders a `path` code span may start with (others are not checked).
TREE = ("bench/", "cl/", "cmake/", "docs/", "include/", "python/", "src/", "tests/", ".ci/")

errors = []


def fail(path, line, what):
    errors.append(f"{path}:{line}: {what}")


def doc_files(src):
    return [os.path.join(src, "README.md")] + sorted(glob.glob(os.path.join(src, "docs", "*.md")))


def blocks(text):
    """(lang, first line number of the body, body lines) of each fenced block;
    and the text with the blocks blanked out (line numbers kept)."""
    out, prose = [], []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^(`{3,})(\S*)\s*$", lines[i])
        if not m:
            prose.append(lines[i])
            i += 1
            continue
        fence, lang = m.group(1), m.group(2)
        body, start = [], i + 2
        prose.append("")
        i += 1
        while i < len(lines) and not lines[i].startswith(fence):
            body.append(lines[i])
            prose.append("")
            i += 1
        prose.append("")
        i += 1
        out.append((lang, start, body))
    return out, "\n".join(prose)


def shell_commands(start, body):
    """(line, argv) of each simple command of a sh block: continuation lines
    joined, comments dropped, split at && || ; |."""
    logical, i = [], 0
    while i < len(body):
        line, first = body[i], start + i
        while line.endswith("\\") and i + 1 < len(body):
            i += 1
            line = line[:-1] + " " + body[i]
        logical.append((first, line))
        i += 1
    for first, line in logical:
        try:
            lex = shlex.shlex(line, posix=True, punctuation_chars=";&|")
            lex.whitespace_split = True
            lex.commenters = "#"
            tokens = list(lex)
        except ValueError as e:
            yield first, None
            continue
        cmd = []
        for t in tokens + [";"]:
            if t and set(t) <= set(";&|"):
                if cmd:
                    yield first, cmd
                cmd = []
            else:
                cmd.append(t)


def strip_env(argv):
    k = 0
    while k < len(argv) and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", argv[k]):
        k += 1
    return argv[k:]


def spans(prose):
    """(line, text) of each `inline code` span, across line breaks."""
    for m in re.finditer(r"(?<!`)`([^`]+)`(?!`)", prose):
        yield prose.count("\n", 0, m.start()) + 1, " ".join(m.group(1).split())


def slug(heading):
    s = heading.strip().lower()
    s = re.sub(r"[`*_]", "", s)
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(path):
    text = open(path, encoding="utf-8").read()
    _, prose = blocks(text)
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.*)$", prose, re.M)}


def run_bench(bench, args, scratch, src=None):
    """clconv-bench args --describe, with --out pointed into scratch and a
    --shapes file read from the source tree (the docs name files from its root)."""
    a = list(args)
    for k, t in enumerate(a):
        if t == "--out" and k + 1 < len(a):
            a[k + 1] = os.path.join(scratch, "out")
        elif t.startswith("--out="):
            a[k] = "--out=" + os.path.join(scratch, "out")
        elif t == "--shapes" and k + 1 < len(a) and src:
            a[k + 1] = os.path.join(src, a[k + 1])
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLCONV_")}
    return subprocess.run([bench] + a + ["--describe"], cwd=scratch, env=env,
                          capture_output=True, text=True, timeout=60)


def bench_options(bench, scratch):
    r = run_bench(bench, [], scratch)
    if r.returncode:
        sys.exit(f"check_docs: {bench} --describe failed: {r.stderr.strip()}")
    return {o["name"] for o in json.loads(r.stdout)["options"]}


def ctest_names(build):
    r = subprocess.run(["ctest", "--test-dir", build, "-N"], capture_output=True, text=True)
    return re.findall(r"^\s*Test\s+#\d+: (.+)$", r.stdout, re.M)


def cmake_vars(src):
    names = set()
    files = [os.path.join(src, "CMakeLists.txt")] + glob.glob(os.path.join(src, "*", "CMakeLists.txt")) \
        + glob.glob(os.path.join(src, "cmake", "*.cmake"))
    for f in files:
        names |= set(re.findall(r"\b(CLCONV_[A-Z0-9_]+)\b", open(f, encoding="utf-8").read()))
    return names


def cmake_targets(build):
    r = subprocess.run(["cmake", "--build", build, "--target", "help"], capture_output=True, text=True)
    return set(re.findall(r"^\.\.\. (\S+)", r.stdout, re.M))


def check_command(rel, line, argv, src, bench, build, opts, scratch, cache):
    argv = strip_env(argv)
    if not argv:
        return
    prog = argv[0]
    base = os.path.basename(prog)
    if "/" in prog and not prog.startswith("/") and not prog.startswith("$"):
        # a path: the source tree's file, or the build tree's program
        p = os.path.normpath(prog)
        built = p.startswith("build/") or p.startswith("build" + os.sep)
        if not built and not os.path.exists(os.path.join(src, p)):
            fail(rel, line, f"command '{prog}' does not exist in the repository")
    if base == "clconv-bench":
        r = run_bench(bench, argv[1:], scratch, src)
        if r.returncode:
            msg = (r.stderr.strip().splitlines() or ["exit %d" % r.returncode])[-1]
            fail(rel, line, f"'{' '.join(argv)}' no longer parses: {msg}")
    elif base == "ctest":
        for k, t in enumerate(argv):
            if t in ("-R", "--tests-regex") and k + 1 < len(argv):
                pat = argv[k + 1]
                if "names" not in cache:
                    cache["names"] = ctest_names(build)
                if not any(re.search(pat, n) for n in cache["names"]):
                    fail(rel, line, f"ctest -R '{pat}' matches no ctest entry")
    elif base == "cmake":
        for k, t in enumerate(argv):
            m = re.match(r"^-D(CLCONV_[A-Z0-9_]+)", t)
            if m:
                if "vars" not in cache:
                    cache["vars"] = cmake_vars(src)
                if m.group(1) not in cache["vars"]:
                    fail(rel, line, f"cmake option {m.group(1)} is not in the CMake files")
            if t == "--target" and k + 1 < len(argv):
                if "targets" not in cache:
                    cache["targets"] = cmake_targets(build)
                for target in argv[k + 1].split(","):
                    if target not in cache["targets"]:
                        fail(rel, line, f"cmake --target {target}: no such target")


def check_flags(rel, line, text, opts):
    for flag in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", text):
        if flag not in opts:
            fail(rel, line, f"clconv-bench has no flag {flag} (in `{text}`)")


def check_links(rel, path, src, prose):
    here = os.path.dirname(path)
    for m in re.finditer(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", prose):
        line = prose.count("\n", 0, m.start()) + 1
        target = m.group(1)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue  # http:, https:, mailto:
        file_part, _, anchor = target.partition("#")
        dest = os.path.normpath(os.path.join(here, file_part)) if file_part else path
        if os.path.commonpath([os.path.abspath(dest), os.path.abspath(src)]) != os.path.abspath(src):
            fail(rel, line, f"link '{target}' points outside the repository")
            continue
        if not os.path.exists(dest):
            fail(rel, line, f"link '{target}': no file {os.path.relpath(dest, src)}")
            continue
        if anchor and dest.endswith(".md") and anchor not in anchors(dest):
            fail(rel, line, f"link '{target}': no heading #{anchor} in {os.path.relpath(dest, src)}")


def check_path_span(rel, line, text, src):
    if " " in text or not text.startswith(TREE) or "<" in text or "$" in text:
        return
    p = text.rstrip("/")
    if not glob.glob(os.path.join(src, p)):
        fail(rel, line, f"`{text}` does not exist in the repository")


def check_readme(src):
    readme = os.path.join(src, "README.md")
    text = open(readme, encoding="utf-8").read()
    n = text.count("\n")
    if n > MAX_README_LINES:
        fail("README.md", n, f"{n} lines; the front door stays at most {MAX_README_LINES} "
                             "(move detail to docs/)")
    sh = [(start, body) for lang, start, body in blocks(text)[0] if lang == "sh"]
    if len(sh) < 2:
        fail("README.md", 1, "the first two ```sh blocks (build and run, test) are missing")
        return
    test_cmd = "\n".join(sh[1][1]).strip()
    ci = open(os.path.join(src, ".ci", "run"), encoding="utf-8").read().splitlines()
    if test_cmd not in ci:
        fail("README.md", sh[1][0], "the test command (second sh block) is not a line of .ci/run")
    for marker in ("<!-- c-example:", "<!-- python-example:"):
        if marker not in text:
            fail("README.md", 1, f"no '{marker} ...-->' marked example")


def main_checks(src, bench, build):
    if not os.access(bench, os.X_OK):
        sys.exit(f"check_docs: {bench} is not built (cmake --build {build} --target clconv-bench)")
    with tempfile.TemporaryDirectory() as scratch:
        opts = bench_options(bench, scratch)
        cache = {}
        ncmd = nlink = 0
        for path in doc_files(src):
            rel = os.path.relpath(path, src)
            text = open(path, encoding="utf-8").read()
            bl, prose = blocks(text)
            for lang, start, body in bl:
                if lang not in ("sh", "bash", "console"):
                    continue
                for line, argv in shell_commands(start, body):
                    if argv is None:
                        fail(rel, line, "a command that does not split as shell words")
                        continue
                    ncmd += 1
                    check_command(rel, line, argv, src, bench, build, opts, scratch, cache)
            for line, span in spans(prose):
                words = span.split()
                if "clconv-bench" in [os.path.basename(w) for w in words]:
                    check_flags(rel, line, span, opts)
                elif rel == os.path.join("docs", "bench.md") and re.match(r"^--[a-z]", span):
                    check_flags(rel, line, words[0], opts)
                check_path_span(rel, line, span, src)
            check_links(rel, path, src, prose)
            nlink += prose.count("](")
        check_readme(src)
    if errors:
        print("\n".join(errors))
        print(f"check_docs: {len(errors)} problem(s) in README.md and docs/")
        return 1
    print(f"check_docs: {ncmd} commands, {nlink} links, the README's "
          f"{open(os.path.join(src, 'README.md')).read().count(chr(10))} lines: all good")
    return 0


def c_example(src, work, cc, args):
    """Compiles and links README.md's marked C example as printed, then runs
    it on the device the environment names (CLCONV_DEVICE)."""
    text = open(os.path.join(src, "README.md"), encoding="utf-8").read()
    m = re.search(r"<!-- c-example:[^>]*-->\n```c\n(.*?)```", text, re.S)
    if not m:
        print("README.md: no '<!-- c-example: ... -->' followed by a ```c block")
        return 1
    os.makedirs(work, exist_ok=True)
    c_path = os.path.join(work, "readme_example.c")
    open(c_path, "w", encoding="utf-8").write(m.group(1))
    cmd = [cc, "-std=c11", "-Wall", "-Wextra", "-Werror", c_path, "-o",
           os.path.join(work, "readme_example")] + args
    print(" ".join(cmd))
    r = subprocess.run(cmd, capture_output=True, text=True)
    line0 = text.count("\n", 0, m.start(1))
    # compiler messages name README.md's lines
    out = re.sub(re.escape(c_path) + r":(\d+)",
                 lambda mm: "README.md:%d" % (int(mm.group(1)) + line0), r.stdout + r.stderr)
    print(out, end="")
    if r.returncode:
        print("README.md: the C example does not compile against this build")
        return r.returncode
    r = subprocess.run([os.path.join(work, "readme_example")], capture_output=True, text=True,
                       timeout=600)
    print(r.stdout + r.stderr, end="")
    if r.returncode or "out[0] = " not in r.stdout:
        print(f"README.md: the C example exits {r.returncode} on this device")
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "--c-example":
        sys.exit(c_example(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]))
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main_checks(*[os.path.abspath(a) for a in sys.argv[1:]]))
