#!/usr/bin/env python
"""Factur-X PDF benchmark: our ``to_facturx`` and ``embed`` against a minimal baseline and factur-x.

Measured side by side in one run, median per document, for a 10-line invoice:

* ``to_facturx`` end to end (model -> CII -> visual page -> PDF/A-3B with the XML embedded,
  including our own XML validation and our PDF/A self-check);
* the floor: a minimal reportlab canvas page (one embedded TrueType font, a few strings) plus a
  minimal pikepdf attach of the same XML (not PDF/A, no checks) — the goal is ``to_facturx`` within
  2x of render+embed done the naive way, so the comparison uses our own rendered page for both;
* the embedding step alone, on the same PDF page and XML: our ``embed`` (with and without the XML
  validation) against factur-x 7.8 ``generate_from_binary`` (XSD check on and off, no Schematron).

Run from the repository root: ``python benchmarks/bench_pdf.py [--quick]``
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import timeit
import warnings
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]


def _time(fn: Callable[[], Any], repeat: int) -> float:
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    number = max(1, number // 4)
    return statistics.median(t / number for t in timer.repeat(repeat=repeat, number=number))


def _fmt(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.0f} µs"


def _invoice(lines: int) -> Any:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_generate import build_ours  # the same invoice as the generation benchmark

    return build_ours(lines)


def _minimal_page() -> bytes:
    """A minimal reportlab canvas page with one embedded TrueType font (the floor of a PDF page)."""
    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font = os.path.join(os.path.dirname(reportlab.__file__), "fonts", "Vera.ttf")
    if "BenchVera" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("BenchVera", font))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, initialFontName="BenchVera", invariant=1)
    c.setFont("BenchVera", 12)
    for i in range(12):
        c.drawString(72, 760 - 18 * i, f"Invoice line {i}: 1 x 100.00 EUR")
    c.showPage()
    c.save()
    return buf.getvalue()


def _minimal_attach(page: bytes, xml: bytes) -> bytes:
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(page))
    pdf.attachments["factur-x.xml"] = pikepdf.AttachedFileSpec(pdf, xml, mime_type="text/xml")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeat = 3 if args.quick else 7
    warnings.simplefilter("ignore")

    import facturx
    import pikepdf

    from facturx_engine import to_cii
    from facturx_engine.pdf import embed, to_facturx
    from facturx_engine.render import render

    doc = _invoice(10)
    xml = to_cii(doc)
    our_page = render(doc)
    to_facturx(doc)  # warm-up: compiles the writer and the Schematron, loads fonts and ICC
    embed(our_page, xml)
    facturx.generate_from_binary(our_page, xml, check_xsd=True)

    rows: list[tuple[str, float]] = []
    rows.append(("ours: to_facturx (model→CII→render→PDF/A-3B, validated, self-checked)",
                 _time(lambda: to_facturx(doc), repeat)))
    rows.append(("ours: to_facturx with the XML already validated (validate_xml=False path via embed)",
                 _time(lambda: embed(render(doc), to_cii(doc), validate_xml=False), repeat)))
    rows.append(("floor: minimal canvas page + minimal pikepdf attach",
                 _time(lambda: _minimal_attach(_minimal_page(), to_cii(doc)), repeat)))
    rows.append(("floor: our rendered page + minimal pikepdf attach",
                 _time(lambda: _minimal_attach(render(doc), to_cii(doc)), repeat)))
    rows.append(("embed only, ours (XML validated: XSD + Schematron)", _time(lambda: embed(our_page, xml), repeat)))
    rows.append(("embed only, ours (validate_xml=False)",
                 _time(lambda: embed(our_page, xml, validate_xml=False), repeat)))
    rows.append(("embed only, factur-x generate_from_binary (check_xsd=True)",
                 _time(lambda: facturx.generate_from_binary(our_page, xml, check_xsd=True), repeat)))
    rows.append(("embed only, factur-x generate_from_binary (check_xsd=False)",
                 _time(lambda: facturx.generate_from_binary(our_page, xml, check_xsd=False), repeat)))
    times = dict(rows)

    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, pikepdf {pikepdf.__version__}, "
          f"factur-x {facturx.__version__ if hasattr(facturx, '__version__') else '7.8'}; "
          f"command: python benchmarks/bench_pdf.py{' --quick' if args.quick else ''}\n")
    print("| step (10-line invoice) | median |\n|---|---:|")
    for name, seconds in rows:
        print(f"| {name} | {_fmt(seconds)} |")
    ours = times[rows[0][0]]
    floor = times[rows[3][0]]
    ours_embed = times[rows[5][0]]
    fx_embed = times[rows[7][0]]
    print(f"\nto_facturx / (our page + minimal attach): {ours / floor:.2f}× (goal ≤ 2×)")
    print(f"to_facturx / (minimal canvas + minimal attach): {ours / times[rows[2][0]]:.2f}×")
    print(f"factur-x generate_from_binary(check_xsd=False) / our embed(validate_xml=False): "
          f"{fx_embed / ours_embed:.2f}× (goal ≥ 3×)")
    print(f"factur-x generate_from_binary(check_xsd=True) / our embed (XSD + Schematron): "
          f"{times[rows[6][0]] / times[rows[4][0]]:.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
