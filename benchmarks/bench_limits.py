#!/usr/bin/env python
"""Limits benchmark (issue 11): time and peak memory against the input size, for read_document,
validate and convert, on inputs that grow by doubling -- so that a line per size and the ratio per
doubling show whether each grows linearly (x2 per doubling) or worse (x4: quadratic).

Run from the repository root::

    python benchmarks/bench_limits.py            # full run (several minutes)
    python benchmarks/bench_limits.py --quick    # smoke run (smaller sizes)
    python benchmarks/bench_limits.py --series attributes,bomb

Series (the inputs of ``tests/hostile_inputs.py``, made in memory): CII and UBL invoices of N lines;
N attributes on the CII root; a Factur-X PDF with another attachment inflating to N MiB; a CII
invoice with an attached document (BG-24) of N MB, up to the 64 MB size cap. Each call on each size runs in a fresh
child process (``tests/hostile_ops.py``), after the same call on a small input (imports, compiled
plans, Saxon); the child resets its peak RSS before the call and reads ``VmHWM`` after it. "peak" is
that peak RSS of the process; "+MB" is how much it grew during the call (the part that depends on
the input). The floor, where one exists, is lxml parsing the same bytes.
A call killed past 2 GB or its time limit shows as "killed".
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import hostile  # noqa: E402

SERIES: dict[str, dict[str, Any]] = {
    "cii-lines": {"gen": "many_lines", "args": lambda n: ["cii", n], "unit": "lines",
                  "sizes": (1000, 2000, 4000, 8000, 16000), "quick": (250, 500, 1000),
                  "ops": ("parse", "read_document", "validate", "convert_fast:ubl")},
    "ubl-lines": {"gen": "many_lines", "args": lambda n: ["ubl", n], "unit": "lines",
                  "sizes": (1000, 2000, 4000, 8000, 16000), "quick": (250, 500, 1000),
                  "ops": ("parse", "read_document", "validate", "convert_fast:cii")},
    "attributes": {"gen": "many_attributes", "args": lambda n: ["cii", n, "root"], "unit": "attributes",
                   "sizes": (6250, 12500, 25000, 50000), "quick": (2500, 5000, 10000),
                   "ops": ("parse", "read_document", "validate", "convert_fast:ubl")},
    "bomb": {"gen": "pdf_bomb", "args": lambda n: ["attachment", n], "unit": "MiB inflated",
             "sizes": (128, 256, 512, 1024), "quick": (16, 32, 64),
             "ops": ("check_pdf", "extract", "convert_fast:cii")},
    "near-cap": {"gen": "attachment", "args": lambda n: ["cii", n << 20], "unit": "MB attached",
                 "sizes": (4, 8, 16, 32, 46), "quick": (1, 2, 4),
                 "ops": ("parse", "read_document", "validate", "convert_fast:ubl")},
}
KILL_MB = 2048
TIMEOUT_S = 300.0


def run(name: str, sizes: tuple[int, ...]) -> dict[int, dict[str, dict[str, Any]]]:
    """{size: {op: result}}: each call on each size in a fresh child, after the same call on the
    smallest quick size (imports, compiled plans, Saxon: one-time costs left out)."""
    spec = SERIES[name]
    out: dict[int, dict[str, dict[str, Any]]] = {}
    for n in sizes:  # one after the other: no figure shares the machine with another of this run
        for op in spec["ops"]:
            jobs = [{"op": op, "input": {"gen": spec["gen"], "args": spec["args"](size)}, "label": name,
                     "timeout": TIMEOUT_S} for size in (spec["quick"][0], n)]
            out.setdefault(n, {})[op] = hostile.run_jobs(jobs, kill_mb=KILL_MB)[1]
    return out


def input_size(name: str, n: int) -> str:
    from hostile_inputs import generate

    spec = SERIES[name]
    size = len(generate(spec["gen"], *spec["args"](n)))
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} KB"


def cell(result: dict[str, Any]) -> str:
    if result.get("outcome") in ("killed", "died"):
        return "killed"
    grown = result.get("rss_mb", 0) - result.get("rss_before_mb", 0)
    mark = "" if result.get("outcome") == "ok" else f" ({result.get('type', result.get('outcome'))})"
    return f"{result['seconds']:.2f} s, {result['rss_mb']:.0f} MB (+{grown:.0f}){mark}"


def ratio(a: dict[str, Any] | None, b: dict[str, Any]) -> str:
    """Time and memory growth of ``b`` over ``a`` (the previous, half size)."""
    if a is None or "killed" in (cell(a), cell(b)):
        return ""
    t = b["seconds"] / max(a["seconds"], 1e-3)
    ga = max(a.get("rss_mb", 0) - a.get("rss_before_mb", 0), 1.0)
    gb = max(b.get("rss_mb", 0) - b.get("rss_before_mb", 0), 1.0)
    return f"x{t:.1f} / x{gb / ga:.1f}"


def table(name: str, results: dict[int, dict[str, dict[str, Any]]]) -> None:
    spec = SERIES[name]
    ops = spec["ops"]
    print(f"\n## {name} ({spec['unit']})\n")
    print("| size | input | " + " | ".join(f"{op} | ratio" for op in ops) + " |")
    print("|---:|---:|" + "---:|---:|" * len(ops))
    previous: dict[str, dict[str, Any]] = {}
    for n, row in results.items():
        cells = [f"{cell(row[op])} | {ratio(previous.get(op), row[op])}" for op in ops]
        print(f"| {n} | {input_size(name, n)} | " + " | ".join(cells) + " |")
        previous = row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (smoke run)")
    parser.add_argument("--series", default=",".join(SERIES), help=f"comma-separated, of {', '.join(SERIES)}")
    args = parser.parse_args()
    print("# facturx_engine limits benchmark\n")
    print(f"- command: `python {shlex.join(sys.argv)}`")
    print(f"- Python {platform.python_version()}, {platform.system()} {platform.machine()}, CPU count {os.cpu_count()}")
    print("- cells: time of one call, peak RSS of the process during it (+ its growth during the call); "
          "ratio: time / memory growth against the previous (half) size, x2 when linear, x4 when quadratic")
    for name in args.series.split(","):
        sizes = SERIES[name]["quick" if args.quick else "sizes"]
        table(name, run(name, sizes))


if __name__ == "__main__":
    main()
