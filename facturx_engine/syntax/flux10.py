"""The XML of a French e-reporting flux 10 transmission: :func:`to_flux10` writes an
:class:`~facturx_engine.model.ereport.EReport`, :func:`from_flux10` reads one back.

The layout is the official flux 10 XSD's (``ereporting.xsd`` and the schemas it imports: no namespace, root
``Report``): dates ``YYYYMMDD``, the transmission time ``YYYYMMDDHHMMSS`` (UTC; a naive time is taken as UTC),
amounts with two decimals, rates as written (``20``, ``5.5``). Validate the result with
:func:`facturx_engine.validate`, which recognises the root and applies the official XSD and Schematron.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from decimal import Decimal

from lxml import etree

from facturx_engine import ruleids as R
from facturx_engine.errors import ParseError
from facturx_engine.findings import Finding
from facturx_engine.model.numbers import RULE as NUMBER_RULE
from facturx_engine.model.numbers import NumberRefused
from facturx_engine.model.numbers import parse as parse_number
from facturx_engine.model.ereport import (PROFILE_ID, B2BInvoice, DailyPayments, DailyTransactions, EReport,
                                          InvoicePayment, Period, RateAmount, ReportParty, TaxSubtotal, VatSubtotal)
from facturx_engine.syntax.findings import shown
from facturx_engine.syntax.flux10detail import read_detail, write_lines, write_middle, write_notes
from facturx_engine.syntax.parse import parse_xml

__all__ = ["ROOT", "from_flux10", "read_flux10", "to_flux10"]

ROOT = "Report"
"""The root element of a flux 10 transmission (TB-0), in no namespace."""

_E = etree._Element


def _add(parent: _E, tag: str, text: object = None, **attrs: str) -> _E:
    child = etree.SubElement(parent, tag, attrs)
    if text is not None:
        child.text = str(text)
    return child


def _day(value: _dt.date) -> str:
    return f"{value:%Y%m%d}"


def _amount(value: Decimal) -> str:
    """An amount with at least 2 decimals, every decimal it has kept (never rounded on the way out)."""
    exponent = value.as_tuple().exponent
    return f"{value.quantize(Decimal('0.01')):f}" if isinstance(exponent, int) and exponent >= -2 else f"{value:f}"


def _rate(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text


def _party(parent: _E, tag: str, party: ReportParty) -> None:
    node = _add(parent, tag)
    _add(node, "Id", party.id, schemeId=party.scheme)
    _add(node, "Name", party.name)
    _add(node, "RoleCode", party.role)


def _invoice(parent: _E, inv: B2BInvoice) -> None:
    node = _add(parent, "Invoice")
    _add(node, "ID", inv.number)
    _add(node, "IssueDate", _day(inv.issue_date))
    _add(node, "TypeCode", inv.type_code)
    _add(node, "CurrencyCode", inv.currency)
    if inv.due_date is not None:
        _add(node, "DueDate", _day(inv.due_date))
    if inv.tax_due_code:
        _add(node, "TaxDueDateTypeCode", inv.tax_due_code)
    write_notes(node, inv.notes)
    process = _add(node, "BusinessProcess")
    _add(process, "ID", inv.process_id)
    _add(process, "TypeID", PROFILE_ID)
    for number, issued in inv.preceding:
        ref = _add(node, "ReferencedDocument")
        _add(ref, "ID", number)
        if issued is not None:
            _add(ref, "IssueDate", _day(issued))
    for tag, ident, scheme, vat, country in (
            ("Seller", inv.seller_id, inv.seller_scheme, inv.seller_vat, inv.seller_country),
            ("Buyer", inv.buyer_id, inv.buyer_scheme, inv.buyer_vat, inv.buyer_country)):
        party = _add(node, tag)
        _add(party, "CompanyId", ident, schemeId=scheme)
        if vat:
            _add(party, "TaxRegistrationId", vat, qualifyingId="VAT")
        if country:
            _add(_add(party, "PostalAddress"), "CountryId", country)
    write_middle(node, inv.deliveries, inv.invoice_period, inv.allowances_charges)
    total = _add(node, "MonetaryTotal")
    _add(total, "TaxExclusiveAmount", _amount(inv.tax_exclusive))
    _add(total, "TaxAmount", _amount(inv.tax_total), CurrencyCode=inv.tax_currency)
    for sub in inv.subtotals:
        item = _add(node, "TaxSubTotal")
        _add(item, "TaxableAmount", _amount(sub.taxable))
        _add(item, "TaxAmount", _amount(sub.tax))
        category = _add(item, "TaxCategory")
        _add(category, "Code", sub.category)
        _add(category, "Percent", _rate(sub.rate))
        if sub.exemption_reason:
            _add(category, "TaxExemptionReason", sub.exemption_reason)
        if sub.exemption_code:
            _add(category, "TaxExemptionReasonCode", sub.exemption_code)
    write_lines(node, inv.lines)


def _transactions(parent: _E, day: DailyTransactions) -> None:
    node = _add(parent, "Transactions")
    _add(node, "Date", _day(day.date))
    _add(node, "TransactionsCurrency", day.currency)
    if day.tax_due_code:
        _add(node, "TaxDueDateTypeCode", day.tax_due_code)
    _add(node, "CategoryCode", day.category)
    _add(node, "TaxExclusiveAmount", _amount(day.tax_exclusive))
    _add(node, "TaxTotal", _amount(day.tax_total))
    if day.count is not None:
        _add(node, "TransactionsCount", day.count)
    for sub in day.subtotals:
        item = _add(node, "TaxSubtotal")
        _add(item, "TaxPercent", _rate(sub.rate))
        _add(item, "TaxableAmount", _amount(sub.taxable))
        _add(item, "TaxTotal", _amount(sub.tax))


def _payment(parent: _E, day: _dt.date, amounts: Iterable[RateAmount]) -> None:
    node = _add(parent, "Payment")
    _add(node, "Date", _day(day))
    for item in amounts:
        sub = _add(node, "SubTotals")
        _add(sub, "TaxPercent", _rate(item.rate))
        if item.currency:
            _add(sub, "CurrencyCode", item.currency)
        _add(sub, "Amount", _amount(item.amount))


def _period(parent: _E, period: Period) -> None:
    node = _add(parent, "ReportPeriod")
    _add(node, "StartDate", _day(period.start))
    _add(node, "EndDate", _day(period.end))


def to_flux10(report: EReport) -> bytes:
    """The flux 10 XML of ``report`` (UTF-8, with an XML declaration)."""
    root = etree.Element(ROOT)
    head = _add(root, "ReportDocument")
    _add(head, "Id", report.id)
    if report.name:
        _add(head, "Name", report.name)
    issued = report.issued if report.issued.tzinfo is None else report.issued.astimezone(_dt.timezone.utc)
    _add(_add(head, "IssueDateTime"), "DateTimeString", f"{issued:%Y%m%d%H%M%S}")
    _add(head, "TypeCode", report.type_code)
    _party(head, "Sender", report.sender)
    _party(head, "Issuer", report.declarant)
    if report.part == "transactions":
        part = _add(root, "TransactionsReport")
        _period(part, report.period)
        for inv in report.invoices:
            _invoice(part, inv)
        for day in report.transactions:
            _transactions(part, day)
    else:
        part = _add(root, "PaymentsReport")
        _period(part, report.period)
        for paid in report.invoice_payments:
            node = _add(part, "Invoice")
            _add(node, "InvoiceID", paid.number)
            _add(node, "IssueDate", _day(paid.issue_date))
            _payment(node, paid.date, paid.amounts)
        for daily in report.daily_payments:
            _payment(_add(part, "Transactions"), daily.date, daily.amounts)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --------------------------------------------------------------------------- reading


class _Node:
    """An element read with errors that name the path of what is missing or malformed."""

    def __init__(self, element: _E, path: str) -> None:
        self.element, self.path = element, path

    def all(self, tag: str) -> list[_Node]:
        return [_Node(el, f"{self.path}/{tag}[{i}]") for i, el in enumerate(self.element.findall(tag), 1)]

    def get(self, tag: str) -> _Node | None:
        found = self.element.find(tag)
        return None if found is None else _Node(found, f"{self.path}/{tag}")

    def one(self, tag: str) -> _Node:
        found = self.get(tag)
        if found is None:
            raise ParseError(f"flux 10: {self.path}/{tag} is missing")
        return found

    def text(self, tag: str) -> str:
        return (self.one(tag).element.text or "").strip()

    def opt(self, tag: str) -> str | None:
        found = self.get(tag)
        return None if found is None else (found.element.text or "").strip()

    def attr(self, name: str) -> str:
        value = self.element.get(name)
        if value is None:
            raise ParseError(f"flux 10: {self.path}/@{name} is missing")
        return value

    def day(self, tag: str) -> _dt.date:
        text = self.text(tag)
        try:
            return _dt.datetime.strptime(text, "%Y%m%d").date()
        except ValueError:
            raise ParseError(f"flux 10: {self.path}/{tag} {shown(text)} is not a date YYYYMMDD") from None

    def number(self, tag: str) -> Decimal:
        """An xsd:decimal as the engine's numeric policy reads every number (no NaN, exponent, digit separator
        or non-ASCII digit; bounded magnitude)."""
        text = self.text(tag)
        try:
            return parse_number(text)
        except NumberRefused as exc:
            raise ParseError(f"flux 10: {self.path}/{tag}: {exc}", rule=NUMBER_RULE) from None


def _read_party(node: _Node) -> ReportParty:
    ident = node.one("Id")
    return ReportParty((ident.element.text or "").strip(), ident.attr("schemeId"), node.text("Name"),
                       node.text("RoleCode"))


def _read_invoice(node: _Node) -> B2BInvoice:
    seller, buyer, total = node.one("Seller"), node.one("Buyer"), node.one("MonetaryTotal")

    def vat(party: _Node) -> str | None:
        return party.opt("TaxRegistrationId")

    def country(party: _Node) -> str | None:
        address = party.get("PostalAddress")
        return None if address is None else address.text("CountryId")

    due, detail = node.get("DueDate"), read_detail(node)
    return B2BInvoice(
        number=node.text("ID"), issue_date=node.day("IssueDate"), type_code=node.text("TypeCode"),
        currency=node.text("CurrencyCode"), process_id=node.one("BusinessProcess").text("ID"),
        seller_id=seller.text("CompanyId"), seller_scheme=seller.one("CompanyId").attr("schemeId"),
        buyer_id=buyer.text("CompanyId"), buyer_scheme=buyer.one("CompanyId").attr("schemeId"),
        tax_exclusive=total.number("TaxExclusiveAmount"), tax_total=total.number("TaxAmount"),
        tax_currency=total.one("TaxAmount").attr("CurrencyCode"),
        subtotals=tuple(VatSubtotal(s.one("TaxCategory").text("Code"), s.one("TaxCategory").number("Percent"),
                                    s.number("TaxableAmount"), s.number("TaxAmount"),
                                    s.one("TaxCategory").opt("TaxExemptionReason"),
                                    s.one("TaxCategory").opt("TaxExemptionReasonCode"))
                        for s in node.all("TaxSubTotal")),
        due_date=None if due is None else node.day("DueDate"), tax_due_code=node.opt("TaxDueDateTypeCode"),
        preceding=tuple((r.text("ID"), r.day("IssueDate") if r.get("IssueDate") is not None else None)
                        for r in node.all("ReferencedDocument")),
        seller_vat=vat(seller), seller_country=country(seller), buyer_vat=vat(buyer), buyer_country=country(buyer),
        notes=detail.notes, deliveries=detail.deliveries, invoice_period=detail.invoice_period,
        allowances_charges=detail.allowances_charges, lines=detail.lines)


def _read_amounts(payment: _Node) -> tuple[RateAmount, ...]:
    return tuple(RateAmount(s.number("TaxPercent"), s.number("Amount"), s.opt("CurrencyCode"))
                 for s in payment.all("SubTotals"))


def _read_daily(node: _Node) -> DailyTransactions:
    count = node.opt("TransactionsCount")
    if count is not None and not (count.isascii() and count.isdigit() and len(count) <= 18):
        raise ParseError(f"flux 10: {node.path}/TransactionsCount {shown(count)} is not a number of transactions")
    return DailyTransactions(
        date=node.day("Date"), currency=node.text("TransactionsCurrency"), category=node.text("CategoryCode"),
        tax_exclusive=node.number("TaxExclusiveAmount"), tax_total=node.number("TaxTotal"),
        count=None if count is None else int(count), tax_due_code=node.opt("TaxDueDateTypeCode"),
        subtotals=tuple(TaxSubtotal(s.number("TaxPercent"), s.number("TaxableAmount"), s.number("TaxTotal"))
                        for s in node.all("TaxSubtotal")))


def _located(element: _E, path: str) -> Iterator[tuple[_E, str]]:
    """``element`` at ``path`` and every element under it with its path (``[n]`` where a name repeats among the
    siblings), in document order and in time linear in their number (libxml2's ``getpath`` scans the siblings of
    each element: 100,000 siblings took 28 s)."""
    yield element, path
    children = [child for child in element if isinstance(child.tag, str)]
    counts, seen = Counter(child.tag for child in children), Counter[str]()
    for child in children:
        seen[child.tag] += 1
        name = f"{child.prefix}:{etree.QName(child).localname}" if child.prefix else etree.QName(child).localname
        yield from _located(child, f"{path}/{name}[{seen[child.tag]}]" if counts[child.tag] > 1 else f"{path}/{name}")


def _paths(element: _E) -> dict[str, str]:
    """Every element and attribute under the root ``element``, as a path without positions, with its first full
    path."""
    out: dict[str, str] = {}
    for el, full in _located(element, f"/{etree.QName(element).localname}"):
        bare = re.sub(r"\[\d+\]", "", full)
        out.setdefault(bare, full)
        for key in el.attrib:
            name = key.decode() if isinstance(key, bytes) else key
            out.setdefault(f"{bare}/@{name}", f"{full}/@{name}")
    return out


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def _values(element: _E) -> list[tuple[str, str, str, str]]:
    """Every text of an element without children and every attribute under ``element``: (path without positions,
    the value compared -- a number by its value --, the value as written, full path)."""
    out = []
    for el, full in _located(element, f"/{etree.QName(element).localname}"):
        bare = re.sub(r"\[\d+\]", "", full)
        items = [("", (el.text or "").strip())] if len(el) == 0 else []
        items += [(f"/@{k.decode() if isinstance(k, bytes) else k}", str(v)) for k, v in el.attrib.items()]
        for suffix, text in items:
            value = str(Decimal(text).normalize() + 0) if _NUMBER.fullmatch(text) else text
            out.append((bare + suffix, value, text, full + suffix))
    return out


def read_flux10(xml: bytes) -> tuple[EReport, tuple[Finding, ...]]:
    """The report of :func:`from_flux10` and what it does not hold, each an ``FXE-NOT-READ`` warning (kind
    ``"not-read"``): each kind of element or attribute of the document that the model has no place for (such as a
    10.1 invoice's seller tax representative), at its first occurrence; then each value of a kind it holds that
    writing the report back does not give as written (a repeated element the model holds once, a code the writer
    states otherwise)."""
    report = from_flux10(xml)
    source_root = parse_xml(xml)
    kept_root = etree.fromstring(to_flux10(report))
    source, kept = _paths(source_root), _paths(kept_root)
    findings = [Finding(rule=R.FXE_NOT_READ, severity="warning", location=full, kind="not-read",
                        source="facturx_engine", message=f"{bare} is not held by the flux 10 report model: it is not "
                                                         "carried")
                for bare, full in source.items() if bare not in kept]
    carried = Counter((bare, value) for bare, value, _text, _full in _values(kept_root))
    for bare, value, text, full in _values(source_root):
        if bare not in kept:
            continue  # its kind is said above
        if carried[(bare, value)]:
            carried[(bare, value)] -= 1
            continue
        findings.append(Finding(rule=R.FXE_NOT_READ, severity="warning", location=full, kind="not-read",
                                source="facturx_engine",
                                message=f"{bare} {shown(text)} is not carried as written by the flux 10 report model "
                                        "(held once, or stated otherwise when written)"))
    return report, tuple(findings)


def from_flux10(xml: bytes) -> EReport:
    """Read a flux 10 transmission written by :func:`to_flux10` (or any document of the official layout: what
    the model has no place for is left out, and :func:`read_flux10` says what).

    Raises :class:`ParseError` naming the path of what is missing or malformed; the model's refusals (both
    parts present, an unknown transmission type) are :class:`~facturx_engine.errors.ModelError`.
    """
    element = parse_xml(xml)  # no DOCTYPE (entities would be dropped from the texts read), bounded size
    if element.tag != ROOT:
        raise ParseError(f"not a flux 10 transmission: the root element is {element.tag}, not {ROOT}")
    root = _Node(element, f"/{ROOT}")
    head = root.one("ReportDocument")
    stamp = head.one("IssueDateTime").text("DateTimeString")
    try:
        issued = _dt.datetime.strptime(stamp, "%Y%m%d%H%M%S")
    except ValueError:
        raise ParseError(f"flux 10: /Report/ReportDocument/IssueDateTime {shown(stamp)} is not YYYYMMDDHHMMSS") \
            from None
    transactions, payments = root.get("TransactionsReport"), root.get("PaymentsReport")
    part = transactions or payments
    if part is None:
        raise ParseError("flux 10: the report has neither TransactionsReport nor PaymentsReport")
    window = part.one("ReportPeriod")
    common = dict(id=head.text("Id"), issued=issued, type_code=head.text("TypeCode"), name=head.opt("Name"),
                  sender=_read_party(head.one("Sender")), declarant=_read_party(head.one("Issuer")),
                  period=Period(window.day("StartDate"), window.day("EndDate")))
    if transactions is not None and payments is None:
        return EReport(**common, part="transactions",  # type: ignore[arg-type]
                       invoices=tuple(_read_invoice(n) for n in transactions.all("Invoice")),
                       transactions=tuple(_read_daily(n) for n in transactions.all("Transactions")))
    if transactions is not None:
        raise ParseError("flux 10: the report has both TransactionsReport and PaymentsReport (G6.29)")
    assert payments is not None
    return EReport(**common, part="payments",  # type: ignore[arg-type]
                   invoice_payments=tuple(InvoicePayment(n.text("InvoiceID"), n.day("IssueDate"),
                                                         n.one("Payment").day("Date"),
                                                         _read_amounts(n.one("Payment")))
                                          for n in payments.all("Invoice")),
                   daily_payments=tuple(DailyPayments(n.one("Payment").day("Date"), _read_amounts(n.one("Payment")))
                                        for n in payments.all("Transactions")))
