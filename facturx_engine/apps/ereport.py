"""E-reporting from files: read the engine's documents, build a flux 10 report, write and validate it.

:func:`read_document_file` reads one input: the engine's JSON document (:mod:`facturx_engine.io.jsonio`), an
invoicing-app payload (:mod:`facturx_engine.io.payload`: a JSON object with ``invoice_number`` or
``credit_note_number``), CII or UBL XML, or a Factur-X PDF (its embedded XML). Totals are always the ones
the model computes from the lines. :func:`make_report` builds the report of :mod:`facturx_engine.model.ereport`
(for the payments part, each document's paid amount BT-113 counts as received on its issue date, negative for a
credit note: a refund), writes it (:func:`facturx_engine.syntax.flux10.to_flux10`) and validates it with the
official flux 10 XSD and Schematron (:func:`facturx_engine.validate`).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from facturx_engine.errors import InputError
from facturx_engine.io.jsonio import load_document
from facturx_engine.model import ereport as _er
from facturx_engine.model.ereport import Built, Excluded, Payment, Period, ReportParty
from facturx_engine.model.records import CreditNote, Invoice
from facturx_engine.syntax.flux10 import to_flux10
from facturx_engine.syntax.read import from_xml
from facturx_engine.validation.core import validate
from facturx_engine.validation.findings import Report

__all__ = ["BLOCKS", "Made", "make_report", "parse_period", "read_document_file"]

BLOCKS = ("10.1", "10.2", "10.3", "10.4")
_PARTS = {"10.1": "transactions", "10.3": "transactions", "10.2": "payments", "10.4": "payments"}


def read_document_file(data: bytes) -> Invoice | CreditNote:
    """The document of one input file: a PDF's embedded XML, CII/UBL XML, a payload or the engine's JSON."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"%PDF"):
        from facturx_engine.pdf.extract import extract  # pikepdf, loaded only for a PDF

        return from_xml(extract(data)[0])
    if head.startswith(b"<"):
        return from_xml(data)
    from facturx_engine.io.payload import from_payload, load_json

    parsed = load_json(data)
    if isinstance(parsed, Mapping) and ("invoice_number" in parsed or "credit_note_number" in parsed):
        return from_payload(parsed, writing=False)  # read, not written: no target's carry check
    return load_document(data)


def parse_period(text: str) -> Period:
    """``YYYY-MM`` (a month) or ``YYYY-MM-DD..YYYY-MM-DD`` (both days included)."""
    if ".." not in text:
        return Period.month(text)
    start, _, end = text.partition("..")
    try:
        return Period(_dt.date.fromisoformat(start), _dt.date.fromisoformat(end))
    except ValueError:
        raise InputError(f"a period is YYYY-MM or YYYY-MM-DD..YYYY-MM-DD, got {text!r}", field="period") from None


def part_of(blocks: Sequence[str]) -> str:
    """``"transactions"`` (10.1, 10.3) or ``"payments"`` (10.2, 10.4); both at once is refused (G6.29)."""
    unknown = [b for b in blocks if b not in _PARTS]
    if unknown or not blocks:
        raise InputError(f"blocks are some of {', '.join(BLOCKS)}, got {list(blocks)}", field="blocks")
    parts = {_PARTS[b] for b in blocks}
    if len(parts) > 1:
        raise InputError("a flux 10 transmission carries transactions (10.1, 10.3) or payments (10.2, 10.4), not "
                         "both (rule G6.29): make one report of each", field="blocks")
    return parts.pop()


@dataclass(frozen=True, slots=True)
class Made:
    """A report built from documents: the model, its XML, the official verdict, what was left out."""

    built: Built
    xml: bytes
    report: Report

    @property
    def excluded(self) -> tuple[Excluded, ...]:
        return self.built.excluded


def _payments(docs: Sequence[Invoice | CreditNote], excluded: list[Excluded]) -> list[Payment]:
    """Each document's paid amount BT-113 as received on its issue date (a credit note's: paid back)."""
    out = []
    for doc in docs:
        paid = doc.totals.paid
        if not paid:
            excluded.append(Excluded(doc.number, "no paid amount (BT-113): no payment to report"))
            continue
        out.append(Payment(doc, doc.issue_date, -paid if doc.is_credit_note else paid))
    return out


def make_report(docs: Sequence[Invoice | CreditNote], *, period: Period, blocks: Sequence[str] = ("10.1", "10.3"),
                declarant: ReportParty | None = None, sender: ReportParty | None = None, type_code: str = "IN",
                nature: str | None = None, report_id: str | None = None,
                issued: _dt.datetime | None = None) -> Made:
    """Build, write and validate the report of ``docs`` (see the module docstring)."""
    part = part_of(blocks)
    if part == "transactions":
        built = _er.transactions_report(docs, period=period, declarant=declarant, sender=sender, type_code=type_code,
                                        blocks=tuple(blocks), nature=nature, report_id=report_id, issued=issued)
    else:
        unpaid: list[Excluded] = []
        built = _er.payments_report(_payments(docs, unpaid), period=period, declarant=declarant, sender=sender,
                                    type_code=type_code, blocks=tuple(blocks), report_id=report_id, issued=issued)
        built = Built(built.report, (*unpaid, *built.excluded))
    xml = to_flux10(built.report)
    return Made(built, xml, validate(xml))
