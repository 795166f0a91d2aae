#!/usr/bin/env python
"""Validation timings (offline XSD + official Schematron, in-process): cold (first call in the
process: schema load and XSLT compile) and warm (median of 30), for one CEN CII and one CEN UBL
example of ../shared/corpus.

Run from the repository root: ``python benchmarks/bench_validate.py``
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def main() -> int:
    if not CORPUS.is_dir():
        print(f"corpus folder {CORPUS} is missing: nothing to measure", file=sys.stderr)
        return 2
    from facturx_engine import validate

    docs = {"CII (cen__CII_example1)": (CORPUS / "cii/cen__CII_example1.xml").read_bytes(),
            "UBL (cen__ubl-tc434-example1)": (CORPUS / "ubl/cen__ubl-tc434-example1.xml").read_bytes()}
    print(f"Python {sys.version.split()[0]}\n\n| document | cold | warm (median of 30) |\n|---|---:|---:|")
    for name, xml in docs.items():
        start = time.perf_counter()
        validate(xml)
        cold = time.perf_counter() - start
        runs = []
        for _ in range(30):
            start = time.perf_counter()
            validate(xml)
            runs.append(time.perf_counter() - start)
        print(f"| {name} | {cold * 1000:.0f} ms | {statistics.median(runs) * 1000:.1f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
