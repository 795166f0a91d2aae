"""Lifecycle status messages as CDAR XML: :func:`to_cdar` writes a
:class:`~facturx_engine.model.status.StatusMessage` as a UN/CEFACT Cross Domain Acknowledgement and Response
D22B document the French BR-FR-CDV rules accept, :func:`from_cdar` reads one back (``from_cdar(to_cdar(s)) ==
s``); :func:`read_cdar` also reports, as ``FXE-NOT-READ`` warnings, what a document holds that the model does not
carry (``from_cdar(..., strict=True)`` refuses it).

The layout written (element order of the official XSD)::

    rsm:ExchangedDocumentContext   business process (MDT-2), specification identifier (MDT-3)
    rsm:ExchangedDocument          message id (MDT-4), issue date-time (format 204), sender, issuer, recipients
    rsm:AcknowledgementDocument    phase (MDT-77: 305 / 23), issue date-time, and its
      ram:ReferenceReferencedDocument  the invoice: number (BT-1), document status (MDT-88), type (BT-3),
                                       date (BT-2, format 102), status code (MDT-105) and name, seller (SE)
        ram:SpecifiedDocumentStatus    one per reason (MDT-113, text, sequence number); the first also
                                       holds the payment date, the note and the amounts (MDT-207/215/224)

Input is untrusted: the hardened parser of :mod:`facturx_engine.syntax.parse` (no DTD, no entities, size
limit); anything the model refuses or the reader cannot place is a :class:`ParseError` naming the element.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from lxml import etree

from facturx_engine import ruleids as R
from facturx_engine.errors import ModelError, ParseError
from facturx_engine.findings import Finding
from facturx_engine.model import dates as _dates
from facturx_engine.model import numbers as _numbers
from facturx_engine.model.status import (PROCESSING, TRANSMISSION, InvoiceLifecycleStatus, StatusAmount, StatusMessage,
                                         StatusParty, StatusReason)
from facturx_engine.syntax.findings import NOT_READ_RULE, shown
from facturx_engine.syntax.limits import MAX_FINDINGS_LISTED, MAX_FINDINGS_PER_PLACE
from facturx_engine.syntax.parse import parse_xml, place, xpath

__all__ = ["CDAR_NS", "CDAR_ROOT", "from_cdar", "read_cdar", "to_cdar"]

CDAR_NS = "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"
CDAR_ROOT = f"{{{CDAR_NS}}}CrossDomainAcknowledgementAndResponse"
_NS = {
    "rsm": CDAR_NS,
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
_DATETIME = "%Y%m%d%H%M%S"  # format 204


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{_NS[prefix]}}}{local}"


def _add(parent: Any, name: str, text: str | None = None, **attrs: str | None) -> Any:
    element = etree.SubElement(parent, _q(name))
    if text is not None:
        element.text = text
    for key, value in attrs.items():
        if value is not None:
            element.set(key, value)
    return element


def _amount(value: Decimal) -> str:
    return format(value, "f")


# --------------------------------------------------------------------------- writing


def _party(parent: Any, name: str, party: StatusParty) -> None:
    element = _add(parent, name)
    if party.identifier is not None:
        _add(element, "ram:GlobalID", party.identifier, schemeID=party.scheme)
    if party.name is not None:
        _add(element, "ram:Name", party.name)
    _add(element, "ram:RoleCode", party.role)
    if party.uri is not None:
        _add(_add(element, "ram:URIUniversalCommunication"), "ram:URIID", party.uri, schemeID=party.uri_scheme)


def _statuses(reference: Any, status: StatusMessage) -> None:
    """One ``ram:SpecifiedDocumentStatus`` per reason (at least one when there is a date, a note or amounts)."""
    count = max(len(status.reasons), int(bool(status.amounts or status.note or status.payment_date)))
    for index in range(count):
        element = _add(reference, "ram:SpecifiedDocumentStatus")
        if index == 0 and status.payment_date is not None:
            _add(_add(element, "ram:ReferenceDateTime"), "udt:DateTimeString", _dates.format_102(status.payment_date),
                 format="102")
        if index < len(status.reasons):
            reason = status.reasons[index]
            _add(element, "ram:ReasonCode", reason.code)
            if reason.text is not None:
                _add(element, "ram:Reason", reason.text)
        _add(element, "ram:SequenceNumeric", str(index + 1))
        if index == 0 and status.note is not None:
            _add(_add(element, "ram:IncludedNote"), "ram:Content", status.note)
        for amount in status.amounts if index == 0 else ():
            characteristic = _add(element, "ram:SpecifiedDocumentCharacteristic")
            _add(characteristic, "ram:TypeCode", amount.kind)
            _add(characteristic, "ram:ValueAmount", _amount(amount.amount), currencyID=status.currency)
            if amount.vat_rate is not None:
                _add(characteristic, "ram:ValuePercent", _amount(amount.vat_rate))


def to_cdar(status: StatusMessage) -> bytes:
    """The CDAR D22B XML of a lifecycle status (UTF-8, with an XML declaration)."""
    if not isinstance(status, StatusMessage):
        raise ModelError(f"to_cdar() expects a StatusMessage, got {type(status).__name__}")
    root = etree.Element(CDAR_ROOT, nsmap=dict(_NS))
    context = _add(root, "rsm:ExchangedDocumentContext")
    _add(_add(context, "ram:BusinessProcessSpecifiedDocumentContextParameter"), "ram:ID", status.business_process)
    _add(_add(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", status.guideline)
    document = _add(root, "rsm:ExchangedDocument")
    _add(document, "ram:ID", status.message_id)
    issued = status.issued_at.strftime(_DATETIME)
    _add(_add(document, "ram:IssueDateTime"), "udt:DateTimeString", issued, format="204")
    _party(document, "ram:SenderTradeParty", status.sender)
    _party(document, "ram:IssuerTradeParty", status.issuer)
    for recipient in status.recipients:
        _party(document, "ram:RecipientTradeParty", recipient)
    acknowledgement = _add(root, "rsm:AcknowledgementDocument")
    _add(_add(acknowledgement, "ram:MultipleReferencesIndicator"), "udt:Indicator", "false")
    _add(acknowledgement, "ram:TypeCode", status.phase)
    _add(_add(acknowledgement, "ram:IssueDateTime"), "udt:DateTimeString", issued, format="204")
    reference = _add(acknowledgement, "ram:ReferenceReferencedDocument")
    _add(reference, "ram:IssuerAssignedID", status.invoice_number)
    if status.status.document_status is not None:
        _add(reference, "ram:StatusCode", status.status.document_status)
    if status.invoice_type is not None:
        _add(reference, "ram:TypeCode", status.invoice_type)
    if status.invoice_date is not None:
        _add(_add(reference, "ram:FormattedIssueDateTime"), "qdt:DateTimeString",
             _dates.format_102(status.invoice_date), format="102")
    _add(reference, "ram:ProcessConditionCode", status.status.value)
    _add(reference, "ram:ProcessCondition", status.status.french)
    _party(reference, "ram:IssuerTradeParty", status.seller)
    _statuses(reference, status)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


# --------------------------------------------------------------------------- reading


_T = TypeVar("_T")


def _one(parent: Any, path: str, *, required: bool = False) -> Any:
    found = parent.findall(path, _NS)
    if len(found) > 1:
        raise ParseError(f"{path} appears {len(found)} times; a lifecycle status holds one", location=xpath(parent))
    if not found and required:
        raise ParseError(f"{path} is missing", location=xpath(parent))
    return found[0] if found else None


def _text_of(parent: Any, path: str, *, required: bool = False, raw: bool = False) -> str | None:
    """The text of the one element ``path`` (an identifier or code: stripped of XML white space; ``raw``: a free
    text, as written)."""
    element = _one(parent, path, required=required)
    if element is None:
        return None
    if len(element):
        raise ParseError(f"{path} holds elements where a text is expected", location=xpath(element))
    if raw:
        return None if element.text is None else str(element.text)
    text = (element.text or "").strip(" \t\n\r")
    if not text and required:
        raise ParseError(f"{path} is empty", location=xpath(element))
    return text or None


def _attr(parent: Any, path: str, name: str) -> str | None:
    element = _one(parent, path)
    return None if element is None else element.get(name)


def _date_time(parent: Any, path: str, fmt: str, convert: Callable[[str], _T]) -> _T | None:
    element = _one(parent, path)
    if element is None:
        return None
    text = _text_of(element, "*", required=True)
    assert text is not None
    if _one(element, "*").get("format") != fmt:
        raise ParseError(f"{path} is not in format {fmt}", location=xpath(element))
    try:
        return convert(text)
    except (ValueError, _dates.DateRefused) as exc:
        raise ParseError(f"{path}: {exc}", location=xpath(element), rule=_dates.RULE) from None


def _timestamp(text: str) -> _dt.datetime:
    if len(text) != 14 or not text.isdigit():
        raise ValueError(f"{shown(text)} is not a date-time in format 204 (CCYYMMDDHHMMSS)")
    return _dt.datetime.strptime(text, _DATETIME)


def _read_party(element: Any) -> StatusParty:
    return StatusParty(role=_text_of(element, "ram:RoleCode", required=True) or "",
                       identifier=_text_of(element, "ram:GlobalID"), scheme=_attr(element, "ram:GlobalID", "schemeID"),
                       name=_text_of(element, "ram:Name", raw=True),
                       uri=_text_of(element, "ram:URIUniversalCommunication/ram:URIID"),
                       uri_scheme=_attr(element, "ram:URIUniversalCommunication/ram:URIID", "schemeID"))


def _number(element: Any, path: str) -> Decimal | None:
    text = _text_of(element, path)
    if text is None:
        return None
    try:
        return _numbers.parse(text, 19)
    except _numbers.NumberRefused as exc:
        raise ParseError(f"{path}: {exc}", location=xpath(element), rule=_numbers.RULE) from None


def _read_statuses(reference: Any) -> dict[str, Any]:
    reasons, amounts, currencies = [], [], set[str | None]()
    statuses = reference.findall("ram:SpecifiedDocumentStatus", _NS)
    for element in statuses:
        code = _text_of(element, "ram:ReasonCode")
        if code is not None:
            reasons.append(StatusReason(code=code, text=_text_of(element, "ram:Reason", raw=True)))
        for characteristic in element.findall("ram:SpecifiedDocumentCharacteristic", _NS):
            value = _number(characteristic, "ram:ValueAmount")
            if value is None:
                raise ParseError("an amount characteristic has no ValueAmount", location=xpath(characteristic))
            currencies.add(_attr(characteristic, "ram:ValueAmount", "currencyID"))
            amounts.append(StatusAmount(amount=value, vat_rate=_number(characteristic, "ram:ValuePercent"),
                                        kind=_text_of(characteristic, "ram:TypeCode", required=True) or ""))
    if len(currencies) > 1:
        raise ParseError(f"amounts in several currencies {sorted(map(str, currencies))}; a status states one",
                         location=xpath(reference))
    first = statuses[0] if statuses else None
    return {
        "reasons": tuple(reasons), "amounts": tuple(amounts), "currency": currencies.pop() if currencies else None,
        "payment_date": None if first is None else
        _date_time(first, "ram:ReferenceDateTime", "102", _dates.parse_102),
        "note": None if first is None else _text_of(first, "ram:IncludedNote/ram:Content", raw=True),
    }


def from_cdar(xml: bytes, *, strict: bool = False) -> StatusMessage:
    """Read a CDAR lifecycle status. :class:`ParseError` for input that is not well-formed XML, not a CDAR
    document, or a status the model refuses (the message names the field and the BR-FR-CDV rule); with
    ``strict=True`` also for content the model does not carry (see :func:`read_cdar`)."""
    message, not_read = read_cdar(xml)
    if strict and not_read:
        raise ParseError(f"{len(not_read)} item(s) of the status are not carried by the model: "
                         + "; ".join(f.message for f in not_read), rule=NOT_READ_RULE)
    return message


def read_cdar(xml: bytes) -> tuple[StatusMessage, tuple[Finding, ...]]:
    """The status of a CDAR document and a ``FXE-NOT-READ`` warning for each element or attribute value of it
    that the model does not carry (what writing the status back would not reproduce: a contact, an address, a
    name of the status other than the French one ...), never a silent drop."""
    root = parse_xml(xml)
    if root.tag != CDAR_ROOT:
        raise ParseError(f"not a lifecycle status: root element {root.tag!r}; expected the CDAR "
                         "rsm:CrossDomainAcknowledgementAndResponse")
    try:
        message = _read(root)
    except ModelError as exc:
        raise ParseError(f"the status cannot be read into the model: {exc.message}", field=exc.field, bt=exc.bt,
                         rule=exc.rule) from None
    return message, _not_read(root, etree.fromstring(to_cdar(message)))


def _items(root: Any) -> list[tuple[str, str, Any]]:
    """``(path, value, element)`` of every leaf text and attribute of a tree (paths in local names)."""
    out = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        path = "/".join(etree.QName(e).localname for e in (*reversed(list(element.iterancestors())), element))
        if not len(element):
            out.append((path, (element.text or "").strip(" \t\n\r"), element))
        out.extend((f"{path}/@{etree.QName(name).localname}", value, element) for name, value in element.attrib.items())
    return out


def _not_read(source: Any, written: Any) -> tuple[Finding, ...]:
    """What ``source`` states that ``written`` does not: at most :data:`MAX_FINDINGS_PER_PLACE` findings of one place
    (and :data:`MAX_FINDINGS_LISTED` in all) listed, the others counted in one finding."""
    kept: dict[tuple[str, str], int] = {}
    for path, value, _ in _items(written):
        kept[(path, value)] = kept.get((path, value), 0) + 1
    findings: list[Finding] = []
    places, unlisted, repeats = Counter[str](), Counter[str](), dict[Any, frozenset[str]]()
    first: Any = None
    for path, value, element in _items(source):
        if kept.get((path, value), 0):
            kept[(path, value)] -= 1
            continue
        places[path] += 1
        if places[path] <= MAX_FINDINGS_PER_PLACE and len(findings) < MAX_FINDINGS_LISTED:
            findings.append(Finding(rule=NOT_READ_RULE, severity="warning", location=xpath(element, repeats),
                                    message=f"{path} = {shown(value)} is not carried by the status model",
                                    kind="not-read"))
        else:
            unlisted[path] += 1
            first = element if first is None else first
    if unlisted:
        others = f" and {len(unlisted) - 3} other places" if len(unlisted) > 3 else ""
        findings.append(Finding(
            rule=NOT_READ_RULE, severity="warning", location=place(first), kind="not-read",
            message=f"{sum(unlisted.values())} more items not carried by the status model are not listed (at "
                    f"{', '.join(list(unlisted)[:3])}{others}): at most {MAX_FINDINGS_PER_PLACE} at one place and "
                    f"{MAX_FINDINGS_LISTED} in all are"))
    return tuple(findings)


def _read(root: Any) -> StatusMessage:
    context = _one(root, "rsm:ExchangedDocumentContext", required=True)
    document = _one(root, "rsm:ExchangedDocument", required=True)
    acknowledgement = _one(root, "rsm:AcknowledgementDocument", required=True)
    reference = _one(acknowledgement, "ram:ReferenceReferencedDocument", required=True)
    code = _text_of(reference, "ram:ProcessConditionCode", required=True)
    if code not in {member.value for member in InvoiceLifecycleStatus}:  # the XML states codes, never enum names
        raise ParseError(f"unknown lifecycle status code {shown(code or '')}", location=xpath(reference),
                         rule=R.BR_FR_CDV_CL_06_MDT_105)
    status = InvoiceLifecycleStatus.of(code)
    phase = _text_of(acknowledgement, "ram:TypeCode")
    if phase not in (None, PROCESSING, TRANSMISSION):
        raise ParseError("the phase (MDT-77) is 23 (processing) or 305 (transmission), the document states "
                         f"{shown(phase or '')}",
                         location=xpath(acknowledgement), rule=R.BR_FR_CDV_09_MDT_77)
    if phase not in (None, status.phase):  # no official rule compares the two: the rules of the phase stated fire
        raise ParseError(f"status {status.value} belongs to phase {status.phase}, the document states "
                         f"{shown(phase or '')}",
                         location=xpath(acknowledgement))
    issued = _date_time(document, "ram:IssueDateTime", "204", _timestamp)
    seller = _one(reference, "ram:IssuerTradeParty", required=True)
    parties = {name: _one(document, f"ram:{name}TradeParty", required=True) for name in ("Sender", "Issuer")}
    return StatusMessage(
        message_id=_text_of(document, "ram:ID", required=True) or "",
        issued_at=issued if issued is not None else _missing(document, "ram:IssueDateTime"),
        status=status,
        invoice_number=_text_of(reference, "ram:IssuerAssignedID", required=True) or "",
        invoice_date=_date_time(reference, "ram:FormattedIssueDateTime", "102", _dates.parse_102),
        invoice_type=_text_of(reference, "ram:TypeCode"),
        seller=_read_party(seller),
        sender=_read_party(parties["Sender"]),
        issuer=_read_party(parties["Issuer"]),
        recipients=tuple(_read_party(e) for e in document.findall("ram:RecipientTradeParty", _NS)),
        business_process=_text_of(context, "ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID",
                                  required=True) or "",
        guideline=_text_of(context, "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", required=True) or "",
        **_read_statuses(reference),
    )


def _missing(parent: Any, path: str) -> Any:
    raise ParseError(f"{path} is missing", location=xpath(parent))
