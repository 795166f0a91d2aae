#!/usr/bin/env python
"""Timings of the engine's Peppol BIS rules on growing documents: the fast path (the default: contexts
selected from a tag index once per distinct context, absolute paths inside tests computed once per
document, see ``facturx_engine/validation/peppol/selection.py``) against the reference path (every
expression handed to lxml as written: ``evaluate(..., fast=False)``), in the same run, next to the whole
official CEN EN 16931 UBL validation of the same document (``validate(xml, only=("cen",))``: parsing, XSD and
the CEN UBL Schematron in Saxon).

The documents are the valid Peppol base invoice of ``tests/peppol_support.py`` (three lines) with its first
line copied N times (UBL; ``--cii`` adds the same table in CII, against the CEN CII Schematron). ``--countries`` adds a
table of the fast path alone on 8,000 copies of a line, note, payment means or VAT breakdown with both
parties in each country that has national rules. Every run checks that both paths give the same
findings.

Run from the repository root: ``python benchmarks/bench_peppol.py [--quick] [--cii] [--countries]``
"""

from __future__ import annotations

import copy
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import peppol_support  # noqa: E402  (tests/peppol_support.py: the valid Peppol base documents)

from facturx_engine import validate  # noqa: E402
from facturx_engine.validation.peppol import RULES  # noqa: E402
from facturx_engine.validation.peppol.engine import NS, evaluate  # noqa: E402

LINES = {"UBL": "cac:InvoiceLine", "CII": "//ram:IncludedSupplyChainTradeLineItem"}
GROWN = {
    "UBL": ("cac:InvoiceLine", "cbc:Note", "cac:PaymentMeans", "cac:TaxTotal/cac:TaxSubtotal"),
    "CII": ("//ram:IncludedSupplyChainTradeLineItem", "//ram:SpecifiedTradeSettlementPaymentMeans",
            "//ram:IncludedNote", "//ram:ApplicableTradeTax"),
}
COUNTRIES = (None, "DE", "DK", "SE", "NL", "GR", "IS", "IT", "NO")


def grow(syntax: str, path: str, copies: int, country: str | None = None) -> etree._Element:
    """The base document of ``syntax`` with ``copies`` copies of the first element at ``path``."""
    root = etree.fromstring(peppol_support.base(syntax))
    if country:
        for code in root.xpath("//cac:Country/cbc:IdentificationCode | //ram:CountryID", namespaces=NS):
            code.text = country
    element = root.xpath(path, namespaces=NS)[0]
    parent = element.getparent()
    for _ in range(copies):
        parent.insert(parent.index(element) + 1, copy.deepcopy(element))
    return root


def timed(call: Callable[[], object], runs: int) -> tuple[float, object]:
    """Median seconds of ``runs`` calls, and the last result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 0.1 else f"{seconds:,.2f} s"


def size_table(syntax: str, sizes: tuple[int, ...]) -> None:
    print(f"\n### {syntax}: Peppol rules by document size (copies of the first line)\n")
    print("| lines | size | Peppol reference | Peppol fast | reference / fast | CEN validate (XSD + Schematron) "
          "| fast / CEN |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for copies in sizes:
        root = grow(syntax, LINES[syntax], copies)
        xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        root = etree.fromstring(xml)  # source lines as a parsed document has them
        runs = 21 if copies < 100 else 3 if copies <= 1000 else 1
        reference, expected = timed(lambda: evaluate(RULES, root, syntax, fast=False), runs)
        fast, found = timed(lambda: evaluate(RULES, root, syntax), runs)
        if found != expected:
            raise SystemExit(f"the fast path's findings differ from the reference on {copies} lines")
        cen, report = timed(lambda: validate(xml, only=("cen",)), 1 if copies >= 1000 else 3)
        lines = len(root.xpath(LINES[syntax], namespaces=NS))
        print(f"| {lines:,} | {len(xml) / 1e6:.2f} MB | {_ms(reference)} | {_ms(fast)} | "
              f"{reference / fast:.1f}× | {_ms(cen)} | {fast / cen:.2f} |", flush=True)


def country_table(copies: int) -> None:
    print(f"\n### Peppol fast path, {copies:,} copies, both parties in the country\n")
    print("| syntax | copied | " + " | ".join(country or "none" for country in COUNTRIES) + " |")
    print("|---|---|" + "---:|" * len(COUNTRIES))
    for syntax, paths in GROWN.items():
        for path in paths:
            cells = []
            for country in COUNTRIES:
                root = grow(syntax, path, copies, country)
                seconds, _ = timed(lambda: evaluate(RULES, root, syntax), 1)
                cells.append(_ms(seconds))
            print(f"| {syntax} | `{path.lstrip('/')}` | " + " | ".join(cells) + " |", flush=True)


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    sizes = (0, 100, 1000) if quick else (0, 100, 1000, 2000, 4000, 8000)
    print(f"`python benchmarks/bench_peppol.py {' '.join(argv)}`".replace(" `", "`"))
    print(f"\nPython {platform.python_version()}, lxml {'.'.join(map(str, etree.LXML_VERSION))}, "
          f"{platform.machine()}; medians of 21 runs below 100 lines, 3 up to 1,000, then one run.")
    size_table("UBL", sizes)
    if "--cii" in argv:
        size_table("CII", sizes)
    if "--countries" in argv:
        country_table(1000 if quick else 8000)


if __name__ == "__main__":
    main(sys.argv[1:])
