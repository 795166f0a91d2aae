"""The detail of a 10.1 invoice in flux 10 XML (:mod:`facturx_engine.model.ereportdetail`): notes, deliveries,
invoicing period, document allowances and charges, and lines, written and read in the official XSD's order.

:mod:`facturx_engine.syntax.flux10` calls :func:`write_notes` after the invoice's VAT due date type code,
:func:`write_middle` after its parties (before ``MonetaryTotal``), :func:`write_lines` after its VAT breakdown,
and :func:`read_detail` to read them back. Dates are ``YYYYMMDD``; amounts keep every decimal they have, at least
two; quantities, prices and rates are written as they are (``normalize``d, never rounded); a charge indicator is
``true`` or ``false``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from lxml import etree

from facturx_engine.errors import ParseError
from facturx_engine.model.ereportdetail import (Detail, InvoiceNote, InvoicePeriod, LineAllowanceCharge, LineNote,
                                                LineReference, ReportAddress, ReportAllowanceCharge, ReportDelivery,
                                                ReportLine, ReportPrice)
from facturx_engine.syntax.findings import shown

__all__ = ["Reader", "read_detail", "write_lines", "write_middle", "write_notes"]

_E = etree._Element
_INVOICE_ADDRESS = ("LineOne", "LineTwo", "LineThree", "CityName", "PostalZone", "CountrySubentity", "CountryId")
_LINE_ADDRESS = ("LineOne", "CityName", "PostalZone", "CountrySubentity", "CountryId")


class Reader(Protocol):
    """An element being read, whose errors name its path (the reader of :mod:`facturx_engine.syntax.flux10`)."""

    element: etree._Element
    path: str

    def all(self, tag: str) -> Sequence[Reader]: ...
    def get(self, tag: str) -> Reader | None: ...
    def opt(self, tag: str) -> str | None: ...
    def attr(self, name: str) -> str: ...
    def day(self, tag: str) -> _dt.date: ...
    def number(self, tag: str) -> Decimal: ...


def _add(parent: _E, tag: str, text: object = None) -> _E:
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = str(text)
    return child


def _opt(parent: _E, tag: str, text: object) -> None:
    if text is not None:
        _add(parent, tag, text)


def _day(value: _dt.date | None) -> str | None:
    return None if value is None else f"{value:%Y%m%d}"


def _decimal(value: Decimal | None) -> str | None:
    """A quantity, price or rate as it is (no exponent, no trailing zeros)."""
    return None if value is None else f"{value.normalize():f}" if value else "0"


def _amount(value: Decimal | None) -> str | None:
    """An amount with at least 2 decimals and every decimal it has."""
    if value is None:
        return None
    exponent = value.as_tuple().exponent
    return f"{value.quantize(Decimal('0.01')):f}" if isinstance(exponent, int) and exponent >= -2 else f"{value:f}"


def _flag(charge: bool) -> str:
    return "true" if charge else "false"


def write_notes(node: _E, notes: Sequence[InvoiceNote]) -> None:
    """TG-9 ``IncludedNote``s."""
    for note in notes:
        item = _add(node, "IncludedNote")
        _opt(item, "Subject", note.subject)
        _opt(item, "Content", note.content)


def _address(parent: _E, address: ReportAddress | None, tags: tuple[str, ...]) -> None:
    if address is None:
        return
    node = _add(parent, "Location")
    values = dict(zip(_INVOICE_ADDRESS, (address.line1, address.line2, address.line3, address.city,
                                         address.postal_code, address.subdivision, address.country)))
    for tag in tags:
        _opt(node, tag, values[tag])


def _period(parent: _E, period: InvoicePeriod | None) -> None:
    if period is not None:
        node = _add(parent, "InvoicePeriod")
        _opt(node, "StartDate", _day(period.start))
        _opt(node, "EndDate", _day(period.end))


def write_middle(node: _E, deliveries: Sequence[ReportDelivery], period: InvoicePeriod | None,
                 acs: Sequence[ReportAllowanceCharge]) -> None:
    """TG-17 ``Delivery``s, TG-18 ``InvoicePeriod``, TG-20/TG-21 ``AllowanceCharge``s."""
    for delivery in deliveries:
        item = _add(node, "Delivery")
        _opt(item, "Date", _day(delivery.date))
        _address(item, delivery.address, _INVOICE_ADDRESS)
    _period(node, period)
    for ac in acs:
        item = etree.SubElement(node, "AllowanceCharge", {"ChargeIndicator": _flag(ac.charge)})
        _opt(item, "Amount", _amount(ac.amount))
        _opt(item, "TaxCategoryCode", ac.category)
        _opt(item, "TaxPercent", _decimal(ac.rate))


def _write_line(node: _E, line: ReportLine) -> None:
    for note in line.notes:
        item = _add(node, "Note")
        _opt(item, "Code", note.code)
        _opt(item, "Comment", note.comment)
    if line.quantity is not None:
        quantity = _add(node, "BilledQuantity", _decimal(line.quantity))
        if line.unit is not None:
            quantity.set("UnitCode", line.unit)
    if line.reference is not None:
        ref = _add(node, "ReferencedDocument")
        _opt(ref, "ID", line.reference.id)
        _opt(ref, "IssueDate", _day(line.reference.issue_date))
    if line.delivery is not None:
        delivery = _add(node, "Delivery")
        _opt(delivery, "Name", line.delivery.name)
        _address(delivery, line.delivery.address, _LINE_ADDRESS)
    _period(node, line.period)
    for ac in line.allowances_charges:
        _add(etree.SubElement(node, "AllowanceCharge", {"ChargeIndicator": _flag(ac.charge)}), "Amount",
             _amount(ac.amount))
    if line.price is not None:
        price = _add(node, "Price")
        _opt(price, "PriceAmount", _decimal(line.price.amount))
        _opt(price, "AllowanceChargeAmount", _decimal(line.price.discount))
        _opt(price, "AllowanceChargeBaseAmount", _decimal(line.price.base))
    if line.name is not None:
        _add(_add(node, "Product"), "Name", line.name)


def write_lines(node: _E, lines: Sequence[ReportLine]) -> None:
    """TG-24 ``Line``s."""
    for line in lines:
        _write_line(_add(node, "Line"), line)


# --------------------------------------------------------------------------- reading


def _opt_day(node: Reader, tag: str) -> _dt.date | None:
    return None if node.get(tag) is None else node.day(tag)


def _opt_number(node: Reader, tag: str) -> Decimal | None:
    return None if node.get(tag) is None else node.number(tag)


def _charge(node: Reader) -> bool:
    text = node.attr("ChargeIndicator").strip()
    if text not in ("true", "false", "1", "0"):
        raise ParseError(f"flux 10: {node.path}/@ChargeIndicator {shown(text)} is not a boolean (true or false)")
    return text in ("true", "1")


def _read_address(node: Reader | None, tags: tuple[str, ...] = _INVOICE_ADDRESS) -> ReportAddress | None:
    """An address of the tags its place has (a line's has no second and third line: not read, so said)."""
    if node is None:
        return None
    return ReportAddress(*(node.opt(tag) if tag in tags else None for tag in _INVOICE_ADDRESS))


def _read_period(node: Reader | None) -> InvoicePeriod | None:
    return None if node is None else InvoicePeriod(_opt_day(node, "StartDate"), _opt_day(node, "EndDate"))


def _read_line(node: Reader) -> ReportLine:
    quantity, ref, delivery, price, product = (node.get(tag) for tag in (
        "BilledQuantity", "ReferencedDocument", "Delivery", "Price", "Product"))
    return ReportLine(
        notes=tuple(LineNote(n.opt("Code"), n.opt("Comment")) for n in node.all("Note")),
        quantity=_opt_number(node, "BilledQuantity"),
        unit=None if quantity is None else quantity.element.get("UnitCode"),
        reference=None if ref is None else LineReference(ref.opt("ID"), _opt_day(ref, "IssueDate")),
        delivery=None if delivery is None else ReportDelivery(
            None, _read_address(delivery.get("Location"), _LINE_ADDRESS), delivery.opt("Name")),
        period=_read_period(node.get("InvoicePeriod")),
        allowances_charges=tuple(LineAllowanceCharge(_charge(a), a.number("Amount"))
                                 for a in node.all("AllowanceCharge")),
        price=None if price is None else ReportPrice(_opt_number(price, "PriceAmount"),
                                                     _opt_number(price, "AllowanceChargeAmount"),
                                                     _opt_number(price, "AllowanceChargeBaseAmount")),
        name=None if product is None else product.opt("Name"))


def read_detail(node: Reader) -> Detail:
    """The detail of one ``Invoice`` (its fields of the same names in :class:`~facturx_engine.model.ereport.
    B2BInvoice`)."""
    return Detail(
        notes=tuple(InvoiceNote(n.opt("Subject"), n.opt("Content")) for n in node.all("IncludedNote")),
        deliveries=tuple(ReportDelivery(_opt_day(d, "Date"), _read_address(d.get("Location")))
                         for d in node.all("Delivery")),
        invoice_period=_read_period(node.get("InvoicePeriod")),
        allowances_charges=tuple(ReportAllowanceCharge(_charge(a), _opt_number(a, "Amount"),
                                                       a.opt("TaxCategoryCode"), _opt_number(a, "TaxPercent"))
                                 for a in node.all("AllowanceCharge")),
        lines=tuple(_read_line(n) for n in node.all("Line")), findings=())
