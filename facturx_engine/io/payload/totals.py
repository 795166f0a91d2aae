"""The totals an app states (document and lines), checked against the ones the model computes: more
than half a cent apart is an error naming the business term and rule."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from facturx_engine.io.payload.reader import HALF_CENT, TAX_KEYS, Reader, msg
from facturx_engine.model.codes import VatCategory
from facturx_engine.model.compute import TOTAL_OF_TERM
from facturx_engine.model.numbers import round2
from facturx_engine.model.records import Document


@dataclass(frozen=True, slots=True)
class Stated:
    """One total the app stated: where, which term, which rule, the value."""

    key: str
    term: str
    rule: str | None
    value: Decimal


DOCUMENT_TOTALS = tuple((keys, bt, TOTAL_OF_TERM[bt].rule)
                        for keys, bt in ((("total_ht",), "BT-109"), (TAX_KEYS, "BT-110"), (("total_ttc",), "BT-112")))
"""The app's document totals: its keys, the business term and the rule that defines it."""


def check_totals(r: Reader, doc: Document, stated: list[Stated], lines: list[list[Stated]]) -> None:
    """The app's totals against the computed ones: more than half a cent apart is an error."""
    totals = doc.totals.as_terms()
    taxed = (VatCategory.STANDARD, VatCategory.CANARY_IGIC, VatCategory.CEUTA_MELILLA_IPSI)
    line_taxes = [round2(a.net_amount * ((ln.vat.rate or Decimal(0)) if ln.vat.category in taxed else Decimal(0)) / 100)
                  for ln, a in zip(doc.lines, doc.totals.lines)]
    for s in stated:
        computed = totals[s.term]
        if abs(s.value - computed) > HALF_CENT:
            hint = " (EN 16931 computes VAT per rate on the sum of the line amounts, not line by line)" \
                if s.term == "BT-110" and abs(s.value - sum(line_taxes, Decimal(0))) <= HALF_CENT else ""
            r.sink.add(s.key, msg(f"stated {s.value} but the lines give {computed}{hint}", s.term, s.rule))
    for figures, amounts, tax in zip(lines, doc.totals.lines, line_taxes):
        figure = {"BT-131": amounts.net_amount, "line VAT": tax, "line TTC": amounts.net_amount + tax}
        for s in figures:
            if abs(s.value - figure[s.term]) > HALF_CENT:
                what = "quantity × unit price − discount" if s.term == "BT-131" else "BT-131 × rate"
                r.sink.add(s.key, msg(f"stated {s.value} but {what} gives {figure[s.term]}",
                                      s.term if s.term == "BT-131" else None))
