#!/usr/bin/env python
"""Reading and conversion figures over the shared corpus (../shared/corpus, or the folder given).

For every direction it prints: the files, how many were read, the business-term values of the
sources (distinct values read through the term table, :func:`facturx_engine.syntax.read.term_values`)
and how many of them the outputs carry (:func:`facturx_engine.apps.convert.compare_terms`), the pieces
of source content the model does not hold (``not-read`` / ``not-representable`` findings, each
reported, none dropped silently), and how many outputs pass the official validation where the
source does (each judged by the rule sets ``validate()`` chooses from its BT-24). PDF -> model
reads the invoice embedded in each Factur-X PDF and writes it back as CII in the profile its BT-24
names: what survives the model.

Run from the repository root: ``python benchmarks/corpus_figures.py [CORPUS_DIR]``
(``--details`` lists every value not carried, with the reason given in ``Conversion.lost``).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
DIRECTIONS = (("CII -> CII", "cii", "cii"), ("UBL -> UBL", "ubl", "ubl"), ("CII -> UBL", "cii", "ubl"),
              ("UBL -> CII", "ubl", "cii"), ("PDF -> model (CII)", "pdf", "cii"), ("PDF -> UBL", "pdf", "ubl"))


@dataclass
class Row:
    files: int = 0
    read: int = 0
    total: int = 0
    preserved: int = 0
    reported: int = 0
    source_valid: int = 0
    output_valid: int = 0
    details: list[str] = field(default_factory=list)


def measure(corpus: Path, source: str, target: str) -> Row:
    from facturx_engine import FacturXError, convert, validate
    from facturx_engine.pdf.read import pdf_invoice

    row = Row()
    for path in sorted((corpus / source).glob("*")):
        if not path.is_file():
            continue
        row.files += 1
        data = path.read_bytes()
        try:
            xml = pdf_invoice(data) if source == "pdf" else data
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the losses are counted from Conversion.lost
                result = convert(data, target)
        except FacturXError as exc:
            row.details.append(f"{path.name}: not read: {exc}")
            continue
        row.read += 1
        row.total += result.total
        row.preserved += result.preserved
        row.reported += len(result.source.lost)
        row.details += [f"{path.name}: {item}" for item in map(str, result.lost) if "is not in the output" in item
                        or "is written instead" in item or "left out" in item]
        # each judged by the rule sets validate() chooses for it (the XML of a PDF as such), the output by convert
        if (validate(xml, factur_x=True) if source == "pdf" else validate(xml)).valid:
            row.source_valid += 1
            row.output_valid += bool(result.report and result.report.valid)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(CORPUS), help="folder with cii/, ubl/ and pdf/")
    parser.add_argument("--details", action="store_true", help="list every value not carried, with the reason")
    args = parser.parse_args(argv)
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        print(f"corpus folder {corpus} is missing: nothing to measure", file=sys.stderr)
        return 2
    print(f"Command: python benchmarks/corpus_figures.py  (corpus: {corpus.name}/)\n")
    print("| direction | files read | business-term values carried | source content not held (reported) "
          "| outputs valid where the source is |")
    print("|---|---:|---:|---:|---:|")
    details = []
    for name, source, target in DIRECTIONS:
        row = measure(corpus, source, target)
        share = f"{100 * row.preserved / row.total:.2f} %" if row.total else "-"
        print(f"| {name} | {row.read}/{row.files} | {row.preserved}/{row.total} ({share}) | {row.reported} "
              f"| {row.output_valid}/{row.source_valid} |")
        details += [f"{name}: {d}" for d in row.details]
    if args.details:
        print("\nValues not carried, and why:\n")
        for line in details:
            print(f"* {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
