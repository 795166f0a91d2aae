"""The detail of a 10.1 invoice of the French e-reporting flux 10: its notes, deliveries, invoicing period,
document allowances and charges, and lines, as the official flux 10 XSD (``transaction.xsd``) orders and types them.

:func:`invoice_detail` takes them from one of the engine's documents:

* each note BG-1 -> ``IncludedNote`` (TG-9: subject code TT-26 <- BT-21, text TT-27 <- BT-22);
* the delivery BG-13 -> one ``Delivery`` (TG-17: date TT-41 <- BT-72, address TG-19 <- BG-15), when it has a date
  or an address;
* the invoicing period BG-14 -> ``InvoicePeriod`` (TG-18);
* each document allowance or charge BG-20/BG-21 -> ``AllowanceCharge``: its amount as the engine computes it (net of
  VAT when prices include VAT, :attr:`~facturx_engine.model.compute.Totals.document_allowance_charge_amounts`), its
  VAT category and rate;
* each line BG-25 -> ``Line`` (TG-24): its note BT-127, quantity BT-129 and unit BT-130, the earlier invoice it
  refers to (EXT-FR-FE-136: number and date), its period BG-26, its allowances and charges (the computed amounts),
  its price (TG-28: net price BT-146, price discount BT-147 and gross price BT-148, as computed) and item name BT-153.

Flux 10 has no place for the rest of these groups. Never carried, by design (the XSD has no element for them, and
every document has them, so this is said here once rather than per document): a line's identifier BT-126, net
amount BT-131 and VAT category and rate BG-30 (the invoice's VAT breakdown TG-23 carries the VAT), and the reason
BT-97/BT-98/BT-104/BT-105 of an allowance or charge. Every other value of these groups that the document sets and
10.1 cannot hold (the delivery's party name BT-70 and location BT-71, a line's description, item identifiers,
base quantity, delivery date, an allowance's base and percentage...) is said by an ``FXE-NOT-REPRESENTABLE``
warning (kind ``"lost"``) per document and business term, with the number of places it was set in.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, fields
from decimal import Decimal

from facturx_engine import ruleids as R
from facturx_engine.errors import ModelError
from facturx_engine.findings import Finding
from facturx_engine.model.compute import LineAmounts
from facturx_engine.model.records import Address, CreditNote, Invoice, Line
from facturx_engine.model.terms import path_term

__all__ = ["Detail", "InvoiceNote", "InvoicePeriod", "LineAllowanceCharge", "LineNote", "LineReference",
           "ReportAddress", "ReportAllowanceCharge", "ReportDelivery", "ReportLine", "ReportPrice", "check_deliveries",
           "invoice_detail"]


@dataclass(frozen=True, slots=True)
class InvoiceNote:
    """TG-9: a note of the invoice, its subject code (TT-26) and text (TT-27)."""

    subject: str | None = None
    content: str | None = None


@dataclass(frozen=True, slots=True)
class ReportAddress:
    """TG-19 / TG-42: a delivery address. A line's (TG-42) has no second and third line, and its country is
    required."""

    line1: str | None = None
    line2: str | None = None
    line3: str | None = None
    city: str | None = None
    postal_code: str | None = None
    subdivision: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class ReportDelivery:
    """TG-17 (invoice: date and address) or TG-41 (line: place name TT-302 and address)."""

    date: _dt.date | None = None
    address: ReportAddress | None = None
    name: str | None = None  # a line's only


@dataclass(frozen=True, slots=True)
class InvoicePeriod:
    """TG-18 / TG-25: an invoicing period of the invoice or of a line, either date optional."""

    start: _dt.date | None = None
    end: _dt.date | None = None


@dataclass(frozen=True, slots=True)
class ReportAllowanceCharge:
    """TG-20 / TG-21: a document allowance (``charge`` False) or charge, amount (TT-45 / TT-48), VAT category and
    rate."""

    charge: bool
    amount: Decimal | None = None
    category: str | None = None
    rate: Decimal | None = None


@dataclass(frozen=True, slots=True)
class LineNote:
    """TG-61: a note of a line, subject code (TT-61-0) and text (TT-61-1)."""

    code: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class LineReference:
    """TG-40: the earlier invoice a line refers to (TT-300 number, TT-301 date)."""

    id: str | None = None
    issue_date: _dt.date | None = None


@dataclass(frozen=True, slots=True)
class LineAllowanceCharge:
    """TG-26 / TG-27: a line allowance (``charge`` False) or charge and its amount (TT-67 / TT-68)."""

    charge: bool
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ReportPrice:
    """TG-28: net price (TT-69), price discount (TT-70) and gross price (TT-71) of the item."""

    amount: Decimal | None = None
    discount: Decimal | None = None
    base: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ReportLine:
    """TG-24: a line of a 10.1 invoice."""

    notes: tuple[LineNote, ...] = ()
    quantity: Decimal | None = None
    unit: str | None = None
    reference: LineReference | None = None
    delivery: ReportDelivery | None = None
    period: InvoicePeriod | None = None
    allowances_charges: tuple[LineAllowanceCharge, ...] = ()
    price: ReportPrice | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        delivery = self.delivery
        if delivery is not None and (delivery.date is not None or (delivery.address is not None and (
                delivery.address.line2 is not None or delivery.address.line3 is not None))):
            raise ModelError("a line's delivery (TG-41) has no date, nor second or third address line, in flux 10",
                             field="lines.delivery", rule=R.FXE_EREPORT)


def check_deliveries(deliveries: tuple[ReportDelivery, ...]) -> None:
    """An invoice's delivery (TG-17) has no place name in flux 10: refused rather than dropped."""
    if any(delivery.name is not None for delivery in deliveries):
        raise ModelError("an invoice's delivery (TG-17) has no place name in flux 10 (a line's has)",
                         field="deliveries", rule=R.FXE_EREPORT)


@dataclass(frozen=True, slots=True)
class Detail:
    """What :func:`invoice_detail` takes from a document (the fields of the same names of a 10.1 invoice), and the
    warnings for what 10.1 has no place for."""

    notes: tuple[InvoiceNote, ...]
    deliveries: tuple[ReportDelivery, ...]
    invoice_period: InvoicePeriod | None
    allowances_charges: tuple[ReportAllowanceCharge, ...]
    lines: tuple[ReportLine, ...]
    findings: tuple[Finding, ...]


# the line fields 10.1 carries, and those it never carries by design (the module docstring)
_LINE_CARRIED = frozenset({"note", "quantity", "unit", "net_price", "gross_price", "price_discount",
                           "allowances_charges", "period", "name", "invoice_ref"})
_NEVER = frozenset({"id", "vat", "reason", "reason_code", "charge", "amount"})
_AC_CARRIED = frozenset({"charge", "amount", "vat"})
_DELIVERY_CARRIED = frozenset({"date", "address"})


def _set(value: object) -> bool:
    return value is not None and value != "" and value != ()


Lost = dict[str, list[str]]
"""The places (``lines[2].description``) of each field path (``lines.description``) set but not carried."""


def _lose(out: Lost, place: str) -> None:
    out.setdefault(re.sub(r"\[\d+\]", "", place), []).append(place)


def _unset(record: object, carried: frozenset[str], prefix: str, out: Lost) -> None:
    """Each field of ``record`` (at ``prefix``) that is set and neither carried nor never carried, in ``out``."""
    for item in fields(record):  # type: ignore[arg-type]
        name = item.name
        if name.startswith("_") or name in carried or name in _NEVER:
            continue
        if _set(getattr(record, name)):
            _lose(out, f"{prefix}{name}")


def _address(address: Address | None) -> ReportAddress | None:
    if address is None:
        return None
    return ReportAddress(address.line1, address.line2, address.line3, address.city, address.postal_code,
                         address.subdivision, address.country or None)


def _line(line: Line, index: int, amounts: LineAmounts, lost: Lost) -> ReportLine:
    """One TG-24 from a line and its computed figures."""
    _unset(line, _LINE_CARRIED, f"lines[{index}].", lost)
    for j, ac in enumerate(line.allowances_charges):
        _unset(ac, frozenset({"charge", "amount"}), f"lines[{index}].allowances_charges[{j}].", lost)
    ref = line.invoice_ref
    if ref is not None and ref.type_code:
        _lose(lost, f"lines[{index}].invoice_ref.type_code")
    price = ReportPrice(amounts.net_price, amounts.price_discount, amounts.gross_price)
    return ReportLine(
        notes=(LineNote(None, line.note),) if line.note else (), quantity=line.quantity, unit=line.unit or None,
        reference=None if ref is None else LineReference(ref.number or None, ref.issue_date),
        period=None if line.period is None else InvoicePeriod(line.period.start, line.period.end),
        allowances_charges=tuple(LineAllowanceCharge(ac.charge, amount) for ac, amount in
                                 zip(line.allowances_charges, amounts.allowance_charge_amounts)),
        price=price, name=line.name or None)


def _said(doc: Invoice | CreditNote, index: int, lost: Lost) -> tuple[Finding, ...]:
    out = []
    for path, where in lost.items():
        term = path_term(path) or path
        places = "once" if len(where) == 1 else f"in {len(where)} places, the first one at this location"
        out.append(Finding(
            rule=R.FXE_NOT_REPRESENTABLE, severity="warning", location=f"documents[{index}].{where[0]}",
            message=f"document {doc.number}: {term} ({path}, set {places}) has no place in flux 10.1: not carried",
            bt_ids=(term,) if term != path else (), source="facturx_engine", kind="lost"))
    return tuple(out)


def invoice_detail(doc: Invoice | CreditNote, index: int = 0) -> Detail:
    """The notes, delivery, invoicing period, document allowances/charges and lines of ``doc`` for 10.1, with an
    ``FXE-NOT-REPRESENTABLE`` warning per business term of these groups 10.1 has no place for (``index``: the
    document's place among those reported, for the warnings' location)."""
    totals = doc.totals
    lost: Lost = {}
    deliveries: tuple[ReportDelivery, ...] = ()
    if doc.delivery is not None:
        _unset(doc.delivery, _DELIVERY_CARRIED, "delivery.", lost)
        if doc.delivery.date is not None or doc.delivery.address is not None:
            deliveries = (ReportDelivery(doc.delivery.date, _address(doc.delivery.address)),)
    acs = []
    for j, (ac, amount) in enumerate(zip(doc.allowances_charges, totals.document_allowance_charge_amounts)):
        _unset(ac, _AC_CARRIED, f"allowances_charges[{j}].", lost)
        if ac.vat is not None and (ac.vat.exemption_reason or ac.vat.exemption_code):
            _lose(lost, f"allowances_charges[{j}].vat.exemption_reason")
        acs.append(ReportAllowanceCharge(ac.charge, amount, None if ac.vat is None else ac.vat.category.value,
                                         None if ac.vat is None else ac.vat.rate))
    period = doc.invoicing_period
    lines = tuple(_line(line, i, amounts, lost) for i, (line, amounts) in enumerate(zip(doc.lines, totals.lines)))
    return Detail(
        notes=tuple(InvoiceNote(n.subject_code, n.text or None) for n in doc.notes), deliveries=deliveries,
        invoice_period=None if period is None else InvoicePeriod(period.start, period.end),
        allowances_charges=tuple(acs), lines=lines, findings=_said(doc, index, lost))
