#!/usr/bin/python3
"""Merge clconv-bench result documents into a markdown report and plots.

    bench/report.py OUTDIR RESULTS.json...

Each RESULTS.json is a "clconv-bench/1" document (or a JSON array of them,
as `clconv-bench --devices ... --format json` writes without --out-dir)
from any device, machine or the PyTorch peer. Writes into OUTDIR (created if
missing):

  report.md               one table of median times, problems x algorithms,
                          a column per document with the ratio to the
                          row's best; each document's peaks, command, answer
                          lines and roofline table
  roofline-<slug>.png     per document whose device has both measured peaks:
                          achieved GFLOP/s against FLOP/byte under the roofs
  crossover-<slug>.png    per sweep document ("kernel=5", "channels=64", ...):
                          median time against the swept value, per algorithm
  network-<name>.png      per network (--net, --shapes) in any document: time
                          per layer (count x median), a bar per document
                          coloured by the algorithm that ran it, and each
                          document's network total stacked by algorithm;
                          report.md gives the totals per document, with the
                          ratio to the first

The paths written are printed on stdout. A missing, unreadable or non-JSON
file, or one with another schema, is reported as
`report: error: FILE: ...` with exit status 2 and nothing is written.

Needs only the standard library and matplotlib (Debian's
python3-matplotlib), hence /usr/bin/python3 rather than the first python3
on PATH.
"""

import json
import math
import os
import re
import sys

def schema_name():
    """The results schema's name, from its definition (the one place it lives in Python)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schema",
                        "clconv-bench-1.schema.json")
    with open(path, encoding="utf-8") as f:
        return json.load(f)["properties"]["schema"]["const"]


SCHEMA = schema_name()
USAGE = "usage: bench/report.py OUTDIR RESULTS.json..."

SHAPE_FIELDS = ("batch", "in_channels", "height", "width", "out_channels",
                "kernel_h", "kernel_w", "stride_h", "stride_w", "pad_h", "pad_w",
                "dilation_h", "dilation_w", "out_height", "out_width")

# The PyTorch peer or an older run may leave a device key out; the
# document's "peaks" object carries the same numbers under shorter names.
PEAK_FALLBACK = {"peak_bandwidth_gbs": "bandwidth_gbs", "peak_gflops": "gflops",
                 "gemm_gflops": "gemm_gflops"}

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*", "h", "p")

SWEEP_NAME = re.compile(r"^([A-Za-z_][\w-]*)=(-?\d+(?:\.\d+)?)$")


class InputError(Exception):
    """A result file that cannot be used; the message names what is wrong."""


# ---------------------------------------------------------------- reading

def num(value):
    """A finite float, or None for null, NaN or anything not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def load_json(path):
    """The parsed contents of path, or InputError saying why not."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise InputError("not JSON: not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"not JSON: {e}") from None


def check_result(r, i):
    """Raise InputError unless result i has the keys the report indexes by."""
    if not isinstance(r, dict):
        raise InputError(f"results[{i}] is not an object")
    p = r.get("problem")
    if not isinstance(p, dict) or not isinstance(p.get("name"), str):
        raise InputError(f"results[{i}] has no problem name")
    if not isinstance(r.get("algo"), str):
        raise InputError(f"results[{i}] has no algo")


def check_document(doc):
    """Raise InputError unless doc is a clconv-bench/1 document."""
    if not isinstance(doc, dict):
        raise InputError(f"not a result document (a JSON {type(doc).__name__})")
    if "schema" not in doc:
        raise InputError(f'no "schema", expected "{SCHEMA}"')
    if doc["schema"] != SCHEMA:
        raise InputError(f'schema is {json.dumps(doc["schema"])}, expected "{SCHEMA}"')
    if not isinstance(doc.get("device"), dict):
        raise InputError('no "device" object')
    if not isinstance(doc.get("results"), list):
        raise InputError('no "results" array')
    for i, r in enumerate(doc["results"]):
        check_result(r, i)
    answer = doc.get("answer", [])
    if not isinstance(answer, list) or not all(isinstance(a, str) for a in answer):
        raise InputError('"answer" is not an array of strings')


def documents_in(path):
    """The documents in one file: one, or each element of a top-level array."""
    data = load_json(path)
    docs = data if isinstance(data, list) else [data]
    if not docs:
        raise InputError("an empty array, no result documents")
    for i, doc in enumerate(docs):
        try:
            check_document(doc)
        except InputError as e:
            if isinstance(data, list):
                raise InputError(f"document {i + 1}: {e}") from None
            raise
    return docs


def load_all(paths):
    """(path, index in file, document) for every document, in order given."""
    out = []
    for path in paths:
        try:
            docs = documents_in(path)
        except InputError as e:
            raise InputError(f"{path}: {e}") from None
        out.extend((path, i, doc) for i, doc in enumerate(docs))
    return out


# ---------------------------------------------------------------- sources

def device_peak(doc, key):
    """A device peak from the device object, else from "peaks"; None if unmeasured."""
    value = num(doc["device"].get(key))
    if value is None and isinstance(doc.get("peaks"), dict):
        value = num(doc["peaks"].get(PEAK_FALLBACK[key]))
    return value


def device_label(doc):
    dev = doc["device"]
    name = dev.get("name") or "unknown device"
    platform = dev.get("platform")
    return f"{name} ({platform})" if platform else name


def slugify(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "device"


def unique(items, sep):
    """items with sep + '2', '3'... appended to repeats, so each names one thing."""
    seen, out = {}, []
    for item in items:
        seen[item] = seen.get(item, 0) + 1
        out.append(item if seen[item] == 1 else f"{item}{sep}{seen[item]}")
    return out


def file_tag(path, index, several):
    stem = os.path.splitext(os.path.basename(path))[0]
    return f"{stem}#{index + 1}" if several else stem


def make_sources(loaded):
    """One dict per document: label, slug, file, peaks, results, answer.

    Two documents from one device (a run and a sweep, say) would share a
    label and overwrite each other's plots, so repeated labels take the
    file's name as well."""
    per_file = {}  # documents in each file; a file may be given twice
    for path, i, _ in loaded:
        per_file[path] = max(per_file.get(path, 0), i + 1)
    labels = [device_label(doc) for _, _, doc in loaded]
    counts = {label: labels.count(label) for label in labels}
    labels = [label if counts[label] == 1
              else f"{label} [{file_tag(path, i, per_file[path] > 1)}]"
              for label, (path, i, _) in zip(labels, loaded)]
    labels = unique(labels, " #")
    # Distinct labels can still fold to one slug ("A (x)" and "a-x").
    slugs = unique([slugify(label) for label in labels], "-")
    sources = []
    for (path, _, doc), label, slug in zip(loaded, labels, slugs):
        sources.append({
            "label": label, "slug": slug, "file": path,
            "command": doc.get("command"),
            "bandwidth": device_peak(doc, "peak_bandwidth_gbs"),
            "gflops": device_peak(doc, "peak_gflops"),
            "gemm": device_peak(doc, "gemm_gflops"),
            "gemm_label": gemm_label(doc),
            "results": doc["results"], "answer": doc.get("answer", []),
            "network": doc.get("network"),
        })
    return sources


def gemm_label(doc):
    """The SGEMM peak's name: its backend, which documents written before
    there was a choice do not record (theirs was CLBlast's)."""
    backend = (doc.get("peaks") or {}).get("gemm_backend")
    return f"SGEMM ({backend})" if backend else "CLBlast SGEMM"


# ---------------------------------------------------------------- rows

def problem_key(problem):
    """Results match across documents by name and full shape, not name alone."""
    # groups: 1 where an older run has no such field
    return ((problem["name"],) + tuple(problem.get(f) for f in SHAPE_FIELDS) +
            (problem.get("groups", 1),))


def pair(p, h, w, default):
    """'2' or '2x1' for a (h, w) field pair, None when both are the default."""
    a, b = p.get(h), p.get(w)
    if a == default and b == default:
        return None
    return f"{a}" if a == b else f"{a}x{b}"


def shape_text(p):
    """Input NxCxHxW, then output channels and kernel; stride, pad, dilation if set."""
    dims = lambda *fs: "x".join(str(p.get(f, "?")) for f in fs)
    text = (f"{dims('batch', 'in_channels', 'height', 'width')} * "
            f"{p.get('out_channels', '?')}@{dims('kernel_h', 'kernel_w')}")
    for word, h, w, default in (("stride", "stride_h", "stride_w", 1),
                                ("pad", "pad_h", "pad_w", 0),
                                ("dil", "dilation_h", "dilation_w", 1)):
        value = pair(p, h, w, default)
        if value is not None:
            text += f" {word} {value}"
    if p.get("groups", 1) > 1:
        text += f" groups {p['groups']}"
    return text


def status_of(r):
    return r.get("status") or "ok"


def timed_ms(r):
    """The median time of an ok result, None for anything not timed."""
    ms = num(r.get("median_ms")) if status_of(r) == "ok" else None
    # A zero time is a timer that did not run, and would divide the ratios.
    return ms if ms and ms > 0 else None


def merge_rows(sources):
    """{(problem key, algo): {source index: result}} in first-seen order."""
    rows = {}
    for s, src in enumerate(sources):
        for r in src["results"]:
            rows.setdefault((problem_key(r["problem"]), r["algo"]), {})[s] = r
    return rows


def problems_of(rows):
    """{problem key: problem dict}, to print each shape once."""
    out = {}
    for (key, _), cells in rows.items():
        any_result = next(iter(cells.values()))
        out.setdefault(key, any_result["problem"])
    return out


# ---------------------------------------------------------------- formatting

def md_escape(text):
    """Table-safe text: a bare '|' would end the cell."""
    return str(text).replace("|", "\\|")


def md_code(text):
    # A command quoting a backtick needs the double fence to stay one span.
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def fmt_ms(v):
    # Milliseconds to the microsecond, as the bench prints them; below 1 ms
    # three significant digits, so a 4 us PyTorch op does not read as 0.004.
    return f"{v:.3f}" if v >= 1 else f"{v:.3g}"


def fmt_num(v, digits=3):
    """About `digits` significant digits without switching to exponents early."""
    if v is None:
        return "-"
    if v == 0:
        return "0"
    if abs(v) >= 10 ** digits or abs(v) < 10 ** -(digits - 1):
        return f"{v:.{digits}g}"
    decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(v)))))
    return f"{v:.{decimals}f}"


def fmt_peak(v, unit):
    return "not measured" if v is None else f"{fmt_num(v)} {unit}"


def time_cell(r, best):
    if r is None:
        return "-"
    ms = timed_ms(r)
    if ms is None:
        return status_of(r) if status_of(r) != "ok" else "no time"
    text = f"{fmt_ms(ms)} (x{ms / best:.2f})"
    return f"**{text}**" if ms == best else text


# ---------------------------------------------------------------- markdown

def md_sources(sources):
    lines = ["## Sources", ""]
    for src in sources:
        lines.append(
            f"- **{md_escape(src['label'])}** ({md_code(src['file'])}): "
            f"copy {fmt_peak(src['bandwidth'], 'GB/s')}, "
            f"FMA {fmt_peak(src['gflops'], 'GFLOP/s')}, "
            f"{src['gemm_label']} {fmt_peak(src['gemm'], 'GFLOP/s')}; "
            f"command: {md_code(src['command'] or 'not recorded')}")
        over = above_peaks(src)
        if over:
            lines.append(f"  - {over} result(s) beat the time these peaks allow "
                         "(flagged above_peak): the peaks understate this device, "
                         "so read its roofline and bound_ms with care.")
    return lines + [""]


def above_peaks(src):
    """How many ok results beat the time the measured peaks allow: the bench
    flags them (above_peak, efficiency null); older files carry an
    efficiency above 1 instead."""
    return sum(1 for r in src["results"]
               if status_of(r) == "ok" and (r.get("above_peak")
                                            or (num(r.get("efficiency")) or 0) > 1.05))


def md_time_table(sources, rows):
    problems = problems_of(rows)
    head = ["problem", "algo"] + [md_escape(s["label"]) for s in sources]
    if not rows:
        return ["## Median time (ms)", "", "(no results in any document)", ""]
    lines = ["## Median time (ms)", "",
             "Each cell: median ms and, in brackets, the ratio to the row's best "
             "time across the columns (bold). `-`: not run there.", "",
             "| " + " | ".join(head) + " |",
             "|" + "|".join(["---", "---"] + ["---:"] * len(sources)) + "|"]
    for (key, algo), cells in rows.items():
        times = [timed_ms(r) for r in cells.values()]
        best = min((t for t in times if t is not None), default=None)
        p = problems[key]
        row = [md_escape(f"{p['name']} {shape_text(p)}"), md_escape(algo)]
        row += [time_cell(cells.get(s), best) for s in range(len(sources))]
        lines.append("| " + " | ".join(row) + " |")
    return lines + [""] + md_untimed_notes(sources, rows)


def best_cells(sources, rows, wanted):
    """{problem key: {source: (ms, algo)}}: each source's fastest result among
    the algorithms `wanted` accepts, so that sources whose algorithms differ
    (clconv's and a framework's) still meet in one row."""
    best = {}
    for (key, algo), cells in rows.items():
        if not wanted(algo):
            continue
        for s, r in cells.items():
            ms = timed_ms(r)
            have = best.setdefault(key, {}).get(s)
            if ms is not None and (have is None or ms < have[0]):
                best[key][s] = (ms, algo)
    return best


def md_best_table(sources, rows):
    """Per problem and source: the fastest convolution and the pointwise op,
    with ratios to the best source, the comparison across devices and peers."""
    if len(sources) < 2 or not rows:
        return []
    problems = problems_of(rows)
    lines = ["## Fastest per problem", "",
             "Each cell: the source's fastest convolution (or pointwise op), its "
             "median ms and the ratio to the best source (bold).", "",
             "| problem | what | " + " | ".join(md_escape(s["label"]) for s in sources) + " |",
             "|" + "|".join(["---", "---"] + ["---:"] * len(sources)) + "|"]
    for title, wanted in (("convolution", is_contender),
                          ("pointwise op", lambda a: not is_convolution(a))):
        for key, cells in best_cells(sources, rows, wanted).items():
            if not cells:
                continue
            top = min(ms for ms, _ in cells.values())
            row = [md_escape(f"{problems[key]['name']} {shape_text(problems[key])}"), title]
            for s in range(len(sources)):
                if s not in cells:
                    row.append("-")
                    continue
                ms, algo = cells[s]
                text = f"{fmt_ms(ms)} {md_escape(algo)} (x{ms / top:.2f})"
                row.append(f"**{text}**" if ms == top else text)
            lines.append("| " + " | ".join(row) + " |")
    return lines + [""]


def md_untimed_notes(sources, rows):
    """Why rows were skipped or failed: too long for a table cell."""
    notes = []
    for (key, algo), cells in rows.items():
        for s, r in cells.items():
            if status_of(r) != "ok":
                notes.append(f"- {md_escape(sources[s]['label'])}, {key[0]} {algo}: "
                             f"{status_of(r)}: {r.get('note') or 'no note'}")
    return (["Skipped and failed:", ""] + notes + [""]) if notes else []


def md_answers(sources):
    lines = ["## Answers", ""]
    for src in sources:
        lines += [f"### {src['label']}", ""]
        lines += [f"- {a}" for a in src["answer"]] or ["(no answer lines)"]
        lines.append("")
    return lines


def roofline_row(r, label_of):
    mib = num(r.get("workspace_bytes"))
    eff = num(r.get("efficiency"))
    ms = timed_ms(r)
    cells = [label_of(r["problem"]), r["algo"],
             fmt_ms(ms) if ms is not None else status_of(r) if status_of(r) != "ok" else "-",
             fmt_num(num(r.get("gflops"))), fmt_num(num(r.get("gbs"))),
             fmt_num(num(r.get("intensity"))), fmt_num(num(r.get("bound_ms"))),
             ">100% (above a peak)" if r.get("above_peak") else
             "-" if eff is None else f"{eff * 100:.0f}%",
             r.get("verdict") or "-",
             "-" if mib is None else fmt_num(mib / 2 ** 20)]
    return "| " + " | ".join(md_escape(c) for c in cells) + " |"


def problem_labeller(results):
    """Name alone, unless one name covers several shapes in this document."""
    shapes = {}
    for r in results:
        shapes.setdefault(r["problem"]["name"], set()).add(problem_key(r["problem"]))
    return lambda p: (p["name"] if len(shapes[p["name"]]) == 1
                      else f"{p['name']} {shape_text(p)}")


def md_roofline_tables(sources, images):
    lines = ["## Roofline per document", "",
             "`bound_ms`: the least time the measured peaks allow; "
             "`efficiency` = bound_ms / median_ms.", ""]
    head = ["problem", "algo", "median_ms", "gflops", "gbs", "intensity (FLOP/B)",
            "bound_ms", "efficiency", "verdict", "workspace (MiB)"]
    for s, src in enumerate(sources):
        lines += [f"### {src['label']}", ""]
        if s in images:
            lines += [f"![roofline: {src['label']}]({images[s]})", ""]
        if not src["results"]:
            lines += ["(no results)", ""]
            continue
        label_of = problem_labeller(src["results"])
        lines += ["| " + " | ".join(head) + " |",
                  "|" + "|".join(["---", "---"] + ["---:"] * 6 + ["---", "---:"]) + "|"]
        lines += [roofline_row(r, label_of) for r in src["results"]]
        lines.append("")
    return lines


def md_sweeps(sources, sweeps, images):
    if not sweeps:
        return []
    lines = ["## Sweeps", ""]
    for s, (param, _) in sweeps.items():
        label = sources[s]["label"]
        lines += [f"### {param} on {label}", "", crossover_text(sweeps[s]), ""]
        if s in images:
            lines += [f"![crossover: {param} on {label}]({images[s]})", ""]
    return lines


# ---------------------------------------------------------------- networks

def networks_of(sources):
    """{network name: [(source index, total)]}: every row's total of every document
    that ran the network, in document order."""
    nets = {}
    for s, src in enumerate(sources):
        net = src.get("network")
        for t in (net or {}).get("totals", []):
            nets.setdefault(net["name"], []).append((s, t))
    return nets


def ran_by(r):
    """The algorithm that ran a row: auto's choice, else the row's own."""
    choice = r.get("choice") or {}
    return choice.get("algo") or r["algo"]


def md_networks(sources, nets, images):
    if not nets:
        return []
    lines = ["## Networks", "",
             "Each network's conv layers: the count-weighted sum of each distinct layer's "
             "median time (layers a row skipped or failed are not in its total, and its "
             "ratio is left out).", ""]
    for name, entries in nets.items():
        first = entries[0][1]
        lines += [f"### {md_escape(name)}", "",
                  "| source | row | total (ms) | x first | layers | GFLOP/s | by layer class |",
                  "|---|---|---:|---:|---:|---:|---|"]
        for s, t in entries:
            total = num(t.get("total_ms"))
            same = t.get("measured_layers") == first.get("measured_layers")
            ratio = (f"{total / num(first['total_ms']):.2f}"
                     if same and total and num(first.get("total_ms")) else "-")
            classes = ", ".join(f"{c['name']} {100 * c['ms'] / total:.0f}%"
                                for c in t.get("by_class", []) if total)
            lines.append(f"| {md_escape(sources[s]['label'])} | {md_code(t['algo'])} | "
                         f"{fmt_ms(total)} | {ratio} | {t.get('measured_layers')} | "
                         f"{fmt_num(num(t.get('gflops')))} | {classes} |")
        lines.append("")
        if name in images:
            lines += [f"![{md_escape(name)}: time per layer]({images[name]})", ""]
    return lines


def network_figure(name, entries, sources):
    """Time per layer (count x median), a bar per (document, row) coloured by the
    algorithm that ran the layer; beside it, each one's total stacked by algorithm."""
    fig = new_figure()
    fig.set_size_inches(11, 7)
    ax, tot = fig.subplots(1, 2, width_ratios=[3, 1])
    layers = {}
    for s, t in entries:
        for r in sources[s]["results"]:
            if r["algo"] == t["algo"] and r["problem"].get("count"):
                layers.setdefault(r["problem"]["name"], None)
    names = list(layers)
    algos = sorted({ran_by(r) for s, t in entries for r in sources[s]["results"]
                    if r["algo"] == t["algo"]})
    colours = {a: f"C{i % 10}" for i, a in enumerate(algos)}
    height = 0.8 / len(entries)
    for k, (s, t) in enumerate(entries):
        by_name = {r["problem"]["name"]: r for r in sources[s]["results"] if r["algo"] == t["algo"]}
        for i, layer in enumerate(names):
            r = by_name.get(layer)
            ms = timed_ms(r) if r else None
            if ms:
                ax.barh(i + k * height, r["problem"]["count"] * ms, height,
                        color=colours[ran_by(r)], hatch="//" if k % 2 else None,
                        edgecolor="white")
        bottom = 0.0
        for share in t.get("by_algorithm", []):
            tot.bar(k, share["ms"], bottom=bottom, color=colours.get(share["name"], "grey"))
            bottom += share["ms"]
    ax.set_yticks([i + 0.4 - height / 2 for i in range(len(names))])
    ax.set_yticklabels([n.split(":", 1)[-1] for n in names], fontsize=6)
    ax.invert_yaxis()
    ax.set_xlabel("count x median time (ms)")
    ax.set_title(f"{name}: time per layer (hatched: the 2nd, 4th... source)", fontsize=10)
    tot.set_xticks(range(len(entries)))
    tot.set_xticklabels([f"{sources[s]['label'][:24]}\n{t['algo']}" for s, t in entries],
                        rotation=30, ha="right", fontsize=7)
    tot.set_ylabel("network total (ms)")
    from matplotlib.patches import Patch
    tot.legend(handles=[Patch(color=colours[a], label=a) for a in algos], fontsize=7)
    return fig


def markdown(sources, rows, sweeps, roof_images, cross_images, nets=None, net_images=None):
    lines = ["# clconv-bench report", ""]
    lines += md_sources(sources)
    lines += md_networks(sources, nets or {}, net_images or {})
    lines += md_best_table(sources, rows)
    lines += md_time_table(sources, rows)
    lines += md_sweeps(sources, sweeps, cross_images)
    lines += md_answers(sources)
    lines += md_roofline_tables(sources, roof_images)
    return "\n".join(lines).rstrip("\n") + "\n"


# ---------------------------------------------------------------- sweeps

def sweep_of(src):
    """(param, {value: {algo: ms}}) when every problem is "param=value", else None."""
    params, series = set(), {}
    for r in src["results"]:
        m = SWEEP_NAME.match(r["problem"]["name"])
        if not m:
            return None
        params.add(m.group(1))
        value = float(m.group(2))
        ms = timed_ms(r)
        series.setdefault(value, {})
        if ms is not None:
            series[value][r["algo"]] = ms
    if len(params) != 1:
        return None
    return params.pop(), dict(sorted(series.items()))


def fmt_value(v):
    return str(int(v)) if v == int(v) else f"{v:g}"


def is_convolution(algo):
    # The pointwise rows time the seed's broadcast multiply, which is not a
    # convolution; "fastest" means the fastest way to convolve.
    return "pointwise" not in algo


def is_contender(algo):
    # clconv's auto row runs one of the algorithm rows beside it: as a
    # contender for "fastest" it would only tie with its own choice.
    return is_convolution(algo) and algo != "auto"


def fastest_runs(series):
    """[(algo, [values])] for consecutive values won by the same algorithm."""
    runs = []
    for value, times in series.items():
        conv = {a: t for a, t in times.items() if is_contender(a)}
        if not conv:
            continue
        algo = min(conv, key=conv.get)
        if runs and runs[-1][0] == algo:
            runs[-1][1].append(value)
        else:
            runs.append((algo, [value]))
    return runs


def span_text(values):
    a, b = fmt_value(values[0]), fmt_value(values[-1])
    return a if a == b else f"{a}..{b}"


def crossover_text(sweep):
    """E.g. 'kernel: direct fastest for 1..3, fft from 5'."""
    param, series = sweep
    runs = fastest_runs(series)
    if not runs:
        return f"{param}: no convolution was timed"
    if len(runs) == 1:
        return f"{param}: {runs[0][0]} fastest throughout ({span_text(runs[0][1])})"
    parts = [f"{a} fastest for {span_text(v)}" if i == 0 else
             f"{a} from {fmt_value(v[0])}" if i == len(runs) - 1 else
             f"{a} for {span_text(v)}"
             for i, (a, v) in enumerate(runs)]
    return f"{param}: " + ", ".join(parts)


# ---------------------------------------------------------------- plots

def new_figure():
    from matplotlib.figure import Figure
    return Figure(figsize=(9, 6), dpi=110, layout="constrained")


def algo_styles(sources):
    """One marker per algorithm, the same in every plot of the report."""
    algos = sorted({r["algo"] for src in sources for r in src["results"]})
    return {a: MARKERS[i % len(MARKERS)] for i, a in enumerate(algos)}


def roofline_points(src):
    """(intensity, gflops, label, algo) of each ok result a log plot can show."""
    points = []
    for r in src["results"]:
        x, y = num(r.get("intensity")), num(r.get("gflops"))
        if status_of(r) == "ok" and x and y and x > 0 and y > 0:
            points.append((x, y, f"{r['problem']['name']} {r['algo']}", r["algo"]))
    return points


def log_range(values, margin):
    lo, hi = min(values), max(values)
    return lo / margin, hi * margin


def draw_roofs(ax, src, xs):
    """The roofline (min of the two ceilings), its ridge, and the SGEMM line."""
    bw, peak = src["bandwidth"], src["gflops"]
    ridge = peak / bw
    lo, hi = xs
    line_x = [lo, ridge, hi] if lo < ridge < hi else [lo, hi]
    ax.plot(line_x, [min(bw * x, peak) for x in line_x], color="black", lw=2,
            label="roofline")
    ax.axvline(ridge, color="grey", ls=":", lw=1)
    ax.annotate(f"ridge {fmt_num(ridge)} FLOP/B", (ridge, peak), xytext=(4, -12),
                textcoords="offset points", fontsize=7, color="grey")
    # The memory roof's label ends just left of the ridge, above the slope;
    # with little room left of the ridge it goes right of it, under the slope.
    x_mem = ridge / 3
    room = ridge / lo >= 20
    ax.annotate(f"copy {fmt_num(bw)} GB/s", (x_mem, bw * x_mem),
                xytext=(-2, 4) if room else (4, -4), textcoords="offset points",
                fontsize=8, ha="right" if room else "left", va="bottom" if room else "top")
    ax.annotate(f"FMA peak {fmt_num(peak)} GFLOP/s", (hi, peak), xytext=(-4, 5),
                textcoords="offset points", fontsize=8, ha="right")
    if src["gemm"] is not None:
        ax.axhline(src["gemm"], color="tab:blue", ls="--", lw=1, label=src["gemm_label"])
        ax.annotate(f"{src['gemm_label']} {fmt_num(src['gemm'])} GFLOP/s", (lo, src["gemm"]),
                    xytext=(4, 4), textcoords="offset points", fontsize=8,
                    color="tab:blue")


def draw_points(ax, points, markers):
    for algo in sorted({p[3] for p in points}):
        mine = [p for p in points if p[3] == algo]
        ax.scatter([p[0] for p in mine], [p[1] for p in mine], marker=markers[algo],
                   s=36, label=algo, zorder=3)


def label_shifts(boxes):
    """Upward shift (pixels) per label box so that none overlaps another.

    Greedy, lowest label first: a sweep puts many points at nearly the same
    intensity and GFLOP/s, and their labels would print over each other."""
    placed, shifts = [], [0.0] * len(boxes)
    for i in sorted(range(len(boxes)), key=lambda i: boxes[i].y0):
        box = boxes[i]
        while any(box.overlaps(other) for other in placed):
            box = box.translated(0, 2)
            shifts[i] += 2
        placed.append(box)
    return shifts


def label_points(fig, ax, points):
    """'<problem> <algo>' beside each point, moved apart where they collide."""
    notes = [ax.annotate(label, (x, y), xytext=(4, 3), textcoords="offset points",
                         fontsize=6) for x, y, label, _ in points]
    fig.draw_without_rendering()  # settles the layout the label extents depend on
    shifts = label_shifts([n.get_window_extent() for n in notes])
    px_to_pt = 72 / fig.dpi
    for note, (x, y, label, _), shift in zip(notes, points, shifts):
        if shift:
            note.remove()
            ax.annotate(label, (x, y), xytext=(4, 3 + shift * px_to_pt),
                        textcoords="offset points", fontsize=6,
                        arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "grey",
                                    "shrinkA": 0, "shrinkB": 3})


def roofline_figure(src, markers):
    bw, peak = src["bandwidth"], src["gflops"]
    points = roofline_points(src)
    xs = log_range([p[0] for p in points] + [peak / bw], 4)
    # The memory roof may run off the bottom at low intensity; clipping it
    # there keeps the points, not the empty corner, filling the plot.
    ys = log_range([p[1] for p in points] + [peak]
                   + ([src["gemm"]] if src["gemm"] is not None else []), 4)
    fig = new_figure()
    ax = fig.add_subplot()
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(*xs)
    ax.set_ylim(*ys)
    draw_roofs(ax, src, xs)
    draw_points(ax, points, markers)
    ax.set_xlabel("arithmetic intensity (FLOP/byte)")
    ax.set_ylabel("achieved GFLOP/s")
    ax.set_title(f"Roofline: {src['label']}", fontsize=10)
    ax.grid(True, which="both", alpha=0.25)
    # Outside the axes: inside, it hides whichever points fall in its corner.
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    label_points(fig, ax, points)
    return fig


def crossover_figure(src, sweep, markers):
    param, series = sweep
    values = list(series)
    fig = new_figure()
    ax = fig.add_subplot()
    algos = sorted({a for times in series.values() for a in times})
    for algo in algos:
        pts = [(v, t[algo]) for v, t in series.items() if algo in t]
        conv = is_convolution(algo)
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker=markers[algo],
                ls="-" if conv else "--", label=algo if conv else f"{algo} (not a convolution)")
    ax.set_yscale("log")
    # Channel and batch sweeps usually double each step: log2 spaces them evenly.
    if values and min(values) > 0 and max(values) / min(values) >= 8:
        ax.set_xscale("log", base=2)
    ax.set_xticks(values)
    ax.set_xticklabels([fmt_value(v) for v in values])
    ax.minorticks_off()
    ax.set_xlabel(param)
    ax.set_ylabel("median time (ms)")
    ax.set_title(f"{param} sweep on {src['label']}", fontsize=10)
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(fontsize=8)
    return fig


# ---------------------------------------------------------------- writing

class Output:
    """Files written under temporary names and renamed only by commit(), so a
    failure part-way leaves OUTDIR as it was."""

    def __init__(self, outdir):
        self.outdir = outdir
        self.pending = []

    def temp_for(self, name):
        final = os.path.join(self.outdir, name)
        temp = os.path.join(self.outdir, f".{name}.tmp{os.getpid()}")
        self.pending.append((temp, final))
        return temp

    def text(self, name, content):
        with open(self.temp_for(name), "w", encoding="utf-8") as f:
            f.write(content)

    def figure(self, name, fig):
        fig.savefig(self.temp_for(name), format="png")

    def commit(self):
        for temp, final in self.pending:
            os.replace(temp, final)
        return [final for _, final in self.pending]

    def discard(self):
        for temp, _ in self.pending:
            try:
                os.unlink(temp)
            except OSError:
                pass


def check_outdir(outdir):
    if os.path.exists(outdir) and not os.path.isdir(outdir):
        hint = " (the first argument is OUTDIR)" if outdir.endswith(".json") else ""
        raise InputError(f"{outdir}: not a directory{hint}")


def write_report(outdir, sources):
    import matplotlib
    matplotlib.use("Agg")
    os.makedirs(outdir, exist_ok=True)
    out = Output(outdir)
    try:
        markers = algo_styles(sources)
        roof_images, cross_images = {}, {}
        for s, src in enumerate(sources):
            if src["bandwidth"] and src["gflops"]:
                roof_images[s] = f"roofline-{src['slug']}.png"
                out.figure(roof_images[s], roofline_figure(src, markers))
        sweeps = {s: sw for s, src in enumerate(sources) if (sw := sweep_of(src))}
        for s, sweep in sweeps.items():
            cross_images[s] = f"crossover-{sources[s]['slug']}.png"
            out.figure(cross_images[s], crossover_figure(sources[s], sweep, markers))
        nets = networks_of(sources)
        net_images = {}
        for name, entries in nets.items():
            net_images[name] = f"network-{slugify(name)}.png"
            out.figure(net_images[name], network_figure(name, entries, sources))
        rows = merge_rows(sources)
        out.text("report.md", markdown(sources, rows, sweeps, roof_images, cross_images, nets,
                                       net_images))
        return out.commit()
    except BaseException:
        out.discard()
        raise


def main(argv):
    if len(argv) == 2 and argv[1] in ("-h", "--help"):
        print(USAGE)
        print(__doc__.split("\n\n", 1)[0])
        return 0
    if len(argv) < 3:
        print(USAGE, file=sys.stderr)
        return 2
    outdir, paths = argv[1], argv[2:]
    try:
        check_outdir(outdir)
        sources = make_sources(load_all(paths))
    except InputError as e:
        print(f"report: error: {e}", file=sys.stderr)
        return 2
    try:
        written = write_report(outdir, sources)
    except OSError as e:
        print(f"report: error: {e.filename or outdir}: {e.strerror or e}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
