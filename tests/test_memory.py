"""Bounded resources (issue 11, item 2): any input of at most 10 MB is processed within 512 MB of
peak memory and in bounded, linear time.

Each input runs in a fresh child process (:func:`hostile.run_parallel` with ``fresh=True``): the
child resets its peak RSS before each call and reports ``VmHWM`` after it, and the parent kills it
past :data:`hostile.KILL_MB` (so a bomb fails the test without taking the machine down). Inputs:
PDFs whose streams inflate to 1 GiB (another attachment, the invoice XML itself, the page
content, the output intent's ICC profile) and the 3 GiB reproducer of ../shared/hostile; 10 MB
invoices (CII: 10,000 lines, UBL: 20,000 lines); 100,000 attributes on one element; a 9 MB text node; a 7 MB
attachment (9.4 MB of XML); numbers whose exponent would blow up when written out; deep nesting.
``benchmarks/bench_limits.py`` prints how time and memory grow with the size.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

import hostile

BIG_S = 60.0  # a 10 MB invoice, validation included, on a shared 2-core machine
SMALL_S = 10.0  # inputs of 1-2 MB

CASES: list[tuple[str, dict[str, Any], tuple[str, ...], float]] = [
    # (case, input, library entry points, time bound per call)
    *[(f"pdf-bomb-{where}-1GiB", {"gen": "pdf_bomb", "args": [where, 1024]},
       ("check_pdf", "extract", "convert:cii", "embed:pdf"), BIG_S)
      for where in ("attachment", "invoice", "content", "icc")],
    ("cii-10k-lines-10MB", {"gen": "many_lines", "args": ["cii", 10_000]},
     ("read_document", "convert_fast:ubl", "validate"), BIG_S),
    ("ubl-20k-lines-10MB", {"gen": "many_lines", "args": ["ubl", 20_000]},
     ("read_document", "convert_fast:cii", "validate"), BIG_S),
    ("cii-100k-attributes-root", {"gen": "many_attributes", "args": ["cii", 100_000, "root"]},
     ("read_document", "convert_fast:ubl", "validate"), SMALL_S),
    ("ubl-100k-attributes-id", {"gen": "many_attributes", "args": ["ubl", 100_000, "id"]},
     ("read_document", "convert_fast:cii", "validate"), SMALL_S),
    ("cii-9MB-text-node", {"gen": "big_text", "args": ["cii", 9_000_000]},
     ("read_document", "convert_fast:ubl", "validate"), BIG_S),
    ("cii-7MB-attachment", {"gen": "attachment", "args": ["cii", 7_000_000]},
     ("read_document", "convert_fast:ubl", "validate"), BIG_S),
    ("cii-price-2E-999999999", {"gen": "substitute", "args": ["cii", "price", "2E-999999999"]},
     ("read_document", "convert_fast:ubl", "validate"), SMALL_S),
    ("ubl-line_net-2E-999999999", {"gen": "substitute", "args": ["ubl", "line_net", "2E-999999999"]},
     ("read_document", "convert_fast:cii", "validate"), SMALL_S),
    ("cii-quantity-2E+999999", {"gen": "substitute", "args": ["cii", "quantity", "2E+999999"]},
     ("read_document", "convert_fast:ubl", "validate"), SMALL_S),
    ("ubl-grand_total-1E400", {"gen": "substitute", "args": ["ubl", "grand_total", "1E400"]},
     ("read_document", "convert_fast:cii", "validate"), SMALL_S),
    ("cii-deep-10000", {"gen": "deep", "args": ["cii", 10_000]}, ("read_document", "validate"), SMALL_S),
]
CLI = {"pdf-bomb-attachment-1GiB": ["validate", "{in}"], "cii-10k-lines-10MB": ["validate", "{in}"]}
REPRODUCER = "p3_bomb_other_attachment.pdf"


@cache
def _results() -> dict[str, list[dict[str, Any]]]:
    jobs = []
    for case, source, ops, bound in CASES:
        jobs += [{"op": op, "input": source, "label": case, "timeout": bound} for op in ops]
        if case in CLI:
            jobs.append({"op": "cli", "argv": CLI[case], "input": source, "label": case, "timeout": bound})
    if (hostile.HOSTILE / REPRODUCER).is_file():
        jobs += [{"op": op, "input": {"file": str(hostile.HOSTILE / REPRODUCER)}, "label": REPRODUCER,
                  "timeout": BIG_S} for op in ("check_pdf", "convert:cii")]
    grouped: dict[str, list[dict[str, Any]]] = {}
    for result in hostile.run_parallel(jobs, 2, fresh=True):
        grouped.setdefault(result["job"]["label"], []).append(result)
    return grouped


@pytest.mark.parametrize("case", [c for c, *_ in CASES])
def test_bounded_memory_and_time(case: str) -> None:
    """Every call: a documented outcome, peak RSS < 512 MB, within its time bound."""
    results = _results()[case]
    problems = hostile.all_violations(results)
    assert not problems, "\n".join(problems) + "\n\nevery outcome:\n" + "\n".join(hostile.describe(r) for r in results)


def test_bounded_memory_of_the_reproducer_bomb() -> None:
    """The 3 MB PDF whose attachment inflates to 3 GiB (../shared/hostile)."""
    hostile.need(hostile.HOSTILE, "hostile reproducers")
    results = _results()[REPRODUCER]
    problems = hostile.all_violations(results)
    assert not problems, "\n".join(problems) + "\n\n" + "\n".join(hostile.describe(r) for r in results)


def test_time_and_memory_grow_linearly() -> None:
    """read_document and validate on 4x the lines or the attributes take at most 8x the time and grow the
    memory at most 8x (4x when linear, 16x when quadratic); a coarse guard, the figures are in bench_limits."""
    sizes = {"many_lines": (("cii", 1000), ("cii", 4000)), "many_attributes": (("cii", 5000), ("cii", 20000))}
    jobs = [{"op": op, "input": {"gen": name, "args": list(args)}, "label": f"{name}-{args[1]}-{op}", "timeout": 60}
            for name, pair in sizes.items() for args in pair for op in ("read_document", "validate")]
    jobs = [dict(job) for job in jobs[:2]] + jobs  # warm-up of both calls: imports, compiled plans, Saxon
    results = {r["job"]["label"]: r for r in hostile.run_jobs(jobs)[2:]}
    problems = []
    for name, (small, large) in sizes.items():
        for op in ("read_document", "validate"):
            a, b = results[f"{name}-{small[1]}-{op}"], results[f"{name}-{large[1]}-{op}"]
            problems += hostile.violations(a) + hostile.violations(b)
            ratio = b.get("seconds", 0) / max(a.get("seconds", 0), 0.05)
            if ratio > 8:
                problems.append(f"{op} on {name}: {a['seconds']:.2f} s for {small[1]}, {b['seconds']:.2f} s for "
                                f"{large[1]} ({ratio:.1f}x the time for 4x the input: not linear)")
            grown = [max(r.get("rss_mb", 0) - r.get("rss_before_mb", 0), 10.0) for r in (a, b)]
            if grown[1] / grown[0] > 8:
                problems.append(f"{op} on {name}: memory grows by {grown[0]:.0f} MB for {small[1]}, {grown[1]:.0f} MB "
                                f"for {large[1]} ({grown[1] / grown[0]:.1f}x for 4x the input: not linear)")
    assert not problems, "\n".join(problems)


def test_limits_benchmark_stays_runnable() -> None:
    """benchmarks/bench_limits.py: every series makes its inputs and names calls the child knows."""
    import sys

    sys.path.insert(0, str(hostile.ROOT / "benchmarks"))
    import bench_limits
    import hostile_ops

    for name, spec in bench_limits.SERIES.items():
        assert set(spec["ops"]) <= set(hostile_ops.OPS), name
        assert bench_limits.input_size(name, spec["quick"][0]).endswith("B")
        assert list(spec["sizes"]) == sorted(spec["sizes"]) and len(spec["sizes"]) >= 3
