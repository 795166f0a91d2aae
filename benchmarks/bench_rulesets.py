#!/usr/bin/env python
"""Time per rule set: each stylesheet in its lean form next to the stylesheet as shipped, in one run.

For every rule set the engine runs -- the five Factur-X profiles, CEN EN 16931 CII and UBL, XRechnung
CII and UBL, FR-CTC and EXTENDED-CTC-FR CII and UBL (the stylesheets) and Peppol BIS (the engine's own rules,
:mod:`facturx_engine.validation.peppol`) -- on one document of its syntax (the XRechnung test suite's
invoice 01.17a, which exists in both syntaxes; for the French e-reporting flux 10 rules, the report of
``fixtures/ereport``):

* **cold**: the first run in a fresh process -- the Saxon processor started and the stylesheet
  compiled, then run once (imports and reading the document excluded); median of ``--cold`` fresh
  processes;
* **warm**: one more run in a process that has compiled it, median of ``--runs`` runs, lean and stock
  interleaved; the findings of the two are asserted equal first.

"lean" is what :func:`facturx_engine.validate` runs; "stock" is ``validate(..., stock=True)``, the
stylesheet as shipped (the XRechnung ones and Peppol have one form only: both columns are the same
code, or "-"). Only the rule set is timed: parsing, the XSD and the report come on top of it
(``bench_validate_cli.py`` measures whole validations).

Run from the repository root, after ``facturx-engine artefacts install``::

    python benchmarks/bench_rulesets.py               # about 2 minutes on 2 cores
    python benchmarks/bench_rulesets.py --quick       # 3 cold processes -> 1, 50 warm runs -> 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = ROOT.parent / "shared" / "corpus"
DOCUMENTS = {"CII": "cii/xrts__01.17a-INVOICE_uncefact.xml", "UBL": "ubl/xrts__01.17a-INVOICE_ubl.xml",
             # no flux 10 report or CDAR status in the corpus: the repository's samples (absolute paths: CORPUS / it
             # is itself)
             "flux 10": str(ROOT / "fixtures" / "ereport" / "transactions-2026-10.xml"),
             "CDAR": str(ROOT / "fixtures" / "status" / "disputed-207.xml")}

RULE_SETS = (  # (rule set, stylesheet key or "peppol-*", syntax)
    ("Factur-X MINIMUM", "facturx-minimum", "CII"),
    ("Factur-X BASIC WL", "facturx-basicwl", "CII"),
    ("Factur-X BASIC", "facturx-basic", "CII"),
    ("Factur-X EN 16931", "facturx-en16931", "CII"),
    ("Factur-X EXTENDED", "facturx-extended", "CII"),
    ("CEN EN 16931 CII", "cen-cii", "CII"),
    ("CEN EN 16931 UBL", "cen-ubl", "UBL"),
    ("XRechnung CII", "xrechnung-cii", "CII"),
    ("XRechnung UBL", "xrechnung-ubl", "UBL"),
    ("FR-CTC CII", "fr-ctc-cii", "CII"),
    ("FR-CTC UBL", "fr-ctc-ubl", "UBL"),
    ("EXTENDED-CTC-FR CII", "extended-ctc-fr-cii", "CII"),
    ("EXTENDED-CTC-FR UBL", "extended-ctc-fr-ubl", "UBL"),
    ("Peppol BIS (engine) CII", "peppol-cii", "CII"),
    ("Peppol BIS (engine) UBL", "peppol-ubl", "UBL"),
    ("French e-reporting flux 10", "flux10", "flux 10"),
    ("French lifecycle status (CDAR)", "cdar", "CDAR"),
)

_COLD = """
import sys, time
from lxml import etree
from facturx_engine.validation import peppol, schematron
key, path, stock = sys.argv[1], sys.argv[2], sys.argv[3] == "stock"
text = open(path, encoding="utf-8").read()
start = time.perf_counter()
if key.startswith("peppol-"):
    peppol.run_peppol(etree.fromstring(text.encode("utf-8")), key[-3:].upper())
else:
    schematron.run_schematron(text, key, key, stock)
print(time.perf_counter() - start)
"""


def _run(key: str, text: str, stock: bool) -> list[tuple[str, str, str]]:
    """The findings (rule, location, message) of one run of the rule set ``key`` on ``text``."""
    from lxml import etree

    from facturx_engine.validation import peppol, schematron

    if key.startswith("peppol-"):
        found = peppol.run_peppol(etree.fromstring(text.encode("utf-8")), key[-3:].upper())
    else:
        found = schematron.run_schematron(text, key, key, stock)
    return [(f.rule, f.location, f.message) for f in found]


def _one_form(key: str) -> bool:
    """Rule sets that run the same code lean and stock."""
    from facturx_engine import artefacts
    from facturx_engine.validation import schematron

    return key.startswith("peppol-") or (key in artefacts.EXTRA_SCHEMATRON and key not in schematron.LEAN_EXTRA)


def cold(key: str, path: Path, stock: bool, repeats: int) -> float:
    """Median seconds of the first run of ``key`` in ``repeats`` fresh processes."""
    times = []
    for _ in range(repeats):
        done = subprocess.run([sys.executable, "-c", _COLD, key, str(path), "stock" if stock else "lean"],
                              capture_output=True, text=True, check=True, cwd=ROOT)
        times.append(float(done.stdout.split()[-1]))
    return statistics.median(times)


def warm(key: str, text: str, runs: int) -> tuple[float, float, int]:
    """Median seconds of a lean and of a stock run (interleaved), and the number of findings (equal)."""
    lean, stock = _run(key, text, False), _run(key, text, True)
    assert lean == stock, f"{key}: the lean and stock findings differ"
    times: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(runs):
        for mode in (False, True):
            start = time.perf_counter()
            _run(key, text, mode)
            times[mode].append(time.perf_counter() - start)
    return statistics.median(times[False]), statistics.median(times[True]), len(lean)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 0.1 else f"{seconds * 1000:.0f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 cold process and 5 warm runs per rule set")
    parser.add_argument("--runs", type=int, default=50, help="warm runs per form (default 50)")
    parser.add_argument("--cold", type=int, default=3, help="fresh processes per cold figure (default 3)")
    args = parser.parse_args(argv)
    runs, repeats = (5, 1) if args.quick else (args.runs, args.cold)
    missing = [rel for rel in DOCUMENTS.values() if not (CORPUS / rel).is_file()]
    if missing:
        print(f"corpus files {missing} are missing under {CORPUS}: nothing to measure", file=sys.stderr)
        return 2
    from facturx_engine import artefacts

    print(f"`python benchmarks/bench_rulesets.py{' --quick' if args.quick else ''}` -- Python "
          f"{sys.version.split()[0]}; cold: median of {repeats} fresh processes, warm: median of {runs} runs\n")
    print("| rule set | document | findings | cold lean | cold stock | warm lean | warm stock | stock / lean |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name, key, syntax in RULE_SETS:
        if key in artefacts.EXTRA_SCHEMATRON:
            try:
                artefacts.extra_path(key)
            except Exception as exc:  # noqa: BLE001 - not installed: say so, measure the others
                print(f"| {name} | not installed: {str(exc).splitlines()[0]} | | | | | | |")
                continue
        path = CORPUS / DOCUMENTS[syntax]
        text = path.read_text(encoding="utf-8")
        lean_w, stock_w, count = warm(key, text, runs)
        lean_c = cold(key, path, False, repeats)
        if _one_form(key):
            print(f"| {name} | {path.name} | {count} | {_ms(lean_c)} | = | {_ms(lean_w)} | = | - |")
            continue
        stock_c = cold(key, path, True, repeats)
        print(f"| {name} | {path.name} | {count} | {_ms(lean_c)} | {_ms(stock_c)} | {_ms(lean_w)} | "
              f"{_ms(stock_w)} | {stock_w / lean_w:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
