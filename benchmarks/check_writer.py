#!/usr/bin/env python
"""Differential check: the compiled writer (``_xml._writer``) against the reference tree walk
(``_xml._write``), for every syntax (CII in each Factur-X profile, UBL Invoice, UBL CreditNote).

Run from the repository root::

    python benchmarks/check_writer.py              # fixtures + benchmark invoices + 300 random documents
    python benchmarks/check_writer.py --examples 0 # no Hypothesis (fixtures and benchmark invoices only)

Documents: ``fixtures/invoices/*.json``, the benchmark invoices (1, 10, 100 lines) and, when
Hypothesis is installed, random documents from ``tests/strategies.py``. Exits 1 on the first
difference, printing both outputs around it.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _writers() -> list[tuple[str, Any, Any]]:
    from facturx_engine.cii import CII
    from facturx_engine.codes import Profile
    from facturx_engine.ubl import UBL_CREDIT_NOTE, UBL_INVOICE

    return [(f"CII {p}", CII, p) for p in Profile] + [("UBL Invoice", UBL_INVOICE, None),
                                                       ("UBL CreditNote", UBL_CREDIT_NOTE, None)]


def check(doc: Any, label: str) -> None:
    from facturx_engine import _xml

    for name, syntax, profile in _writers():
        wctx = _xml.WriteContext(doc, syntax.name, "urn:check")
        root, _ = _xml.compiled(syntax, profile)
        ref: list[str] = []
        _xml._write(root, wctx, wctx, syntax.formatters, ref)
        new: list[str] = []
        _xml._writer(syntax, profile)(wctx, new)
        a, b = "".join(ref), "".join(new)
        if a != b:
            i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            print(f"DIFFERENCE {label} / {name} at char {i}:\n  reference: {a[max(0, i - 120):i + 120]}\n"
                  f"  compiled : {b[max(0, i - 120):i + 120]}")
            sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=300, help="random documents (Hypothesis); 0: none")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_generate import build_ours

    from facturx_engine.jsonio import load_document

    count = 0
    for path in sorted((ROOT / "fixtures" / "invoices").glob("*.json")):
        check(load_document(path.read_bytes()), path.name)
        count += 1
    for n in (1, 10, 100):
        check(build_ours(n), f"benchmark invoice, {n} lines")
        count += 1
    if args.examples:
        try:
            from hypothesis import HealthCheck, given, settings
        except ImportError:
            print("hypothesis is not installed: random documents skipped")
        else:
            sys.path.insert(0, str(ROOT / "tests"))
            import strategies

            seen = [0]

            @settings(max_examples=args.examples, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(strategies.documents())
            def random_documents(doc: Any) -> None:
                seen[0] += 1
                check(doc, f"random document #{seen[0]}")

            random_documents()
            count += seen[0]
    print(f"compiled writer == reference _write: {count} documents x {len(_writers())} writers")


if __name__ == "__main__":
    main()
