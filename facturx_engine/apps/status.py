"""Answering a received invoice with a lifecycle status (French reform, CDAR): :func:`answer` builds the
:class:`~facturx_engine.model.status.StatusMessage` about an invoice read from CII, UBL or a Factur-X PDF.

Who is who, unless told: the status is issued by the buyer (role BY) to the seller (SE) -- except a payment
received (212), which only the seller can state, issued by the seller to the buyer. The invoice gives the
references (BT-1 number, BT-2 date, BT-3 type), the seller's legal identifier (BT-30, MDT-129), the issuer's
identifier (BT-30 or BT-47) and the recipient's electronic address (BT-34 or BT-49, MDT-73); what it lacks
is a :class:`~facturx_engine.errors.ModelError` naming the business term, never a guess.

The sender (MDG-9) is the issuer's platform when ``platform`` gives its registration number (role WK, scheme
0238), else the issuer itself, named without an identifier: the published BR-FR-CDV Schematron (pyfrctc 0.24)
refuses every refusal (210) whose sender has an identifier in a scheme other than 0238 (its B2G reason check,
BR-FR-CDV-CL-09_MDT-113_210B2G, compares an empty sequence; a known upstream defect pinned in
``tests/test_cdar.py``). The sender's identifier is optional in the rules, so leaving it out states nothing false.
Statuses of the transmission phase (200-203, 213, 221, 501) are a platform's: they need ``platform``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from decimal import Decimal

from facturx_engine import ruleids as R
from facturx_engine.errors import ModelError
from facturx_engine.model.records import CreditNote, Invoice, Party
from facturx_engine.model.status import (PROCESSING, InvoiceLifecycleStatus, StatusAmount, StatusMessage,
                                         StatusParty, StatusReason)
from facturx_engine.pdf.read import pdf_invoice
from facturx_engine.syntax.read import read_document

__all__ = ["SELLER_SIDE", "answer", "read_invoice"]

SELLER_SIDE = frozenset({"SE", "SR", "II", "PE", "DL"})
"""Issuer roles on the seller's side: the invoice's seller issues, its buyer receives."""


def read_invoice(data: bytes) -> Invoice | CreditNote:
    """The invoice of CII or UBL bytes, or the one embedded in a Factur-X PDF."""
    xml = pdf_invoice(data) if b"%PDF-" in data[:1024] else data
    return read_document(xml).document


def _party(party: Party, role: str, *, address: bool, identified: bool, term: str) -> StatusParty:
    legal = party.legal_id
    if identified and legal is None:
        raise ModelError(f"the invoice's {'seller' if term == 'BT-30' else 'buyer'} has no legal identifier "
                         f"({term}); the issuer of a status is identified by it", bt=term,
                         rule=R.BR_FR_CDV_07_MDT_38_yes)
    uri = party.electronic_address
    if address and uri is None:
        where = "BT-34" if term == "BT-30" else "BT-49"
        raise ModelError(f"the invoice's {'seller' if term == 'BT-30' else 'buyer'} has no electronic address "
                         f"({where}) to send the status to", bt=where, rule=R.BR_FR_CDV_08_MDT_73)
    return StatusParty(role=role, identifier=legal.value if identified and legal else None,
                       scheme=legal.scheme if identified and legal else None, name=party.name or None,
                       uri=uri.value if address and uri else None, uri_scheme=uri.scheme if address and uri else None)


def _amounts(status: InvoiceLifecycleStatus, doc: Invoice | CreditNote,
             amounts: Sequence[tuple[Decimal, Decimal | None]]) -> tuple[StatusAmount, ...]:
    kind = "MEN" if status is InvoiceLifecycleStatus.PAYMENT_RECEIVED else "MPA"
    rates = sorted({b.rate for b in doc.totals.vat_breakdown if b.rate is not None})
    out = []
    for amount, rate in amounts:
        if rate is None and kind == "MEN":
            if len(rates) != 1:
                raise ModelError(f"the invoice has {len(rates)} VAT rates ({', '.join(map(str, rates))}): state the "
                                 "rate of each amount received (AMOUNT:RATE)", field="amounts.vat_rate",
                                 rule=R.BR_FR_CDV_14_MDT_207)
            rate = rates[0]
        out.append(StatusAmount(amount=amount, vat_rate=rate, kind=kind))
    return tuple(out)


def answer(data: bytes, code: object, *, reasons: Sequence[tuple[str, str | None]] = (),
           amounts: Sequence[tuple[Decimal, Decimal | None]] = (), payment_date: _dt.date | None = None,
           issuer_role: str | None = None, platform: str | None = None, note: str | None = None,
           message_id: str | None = None, issued_at: _dt.datetime | None = None) -> StatusMessage:
    """The status ``code`` about the invoice ``data`` (CII, UBL or Factur-X PDF bytes).

    ``reasons``: ``(code, text)`` pairs; ``amounts``: ``(amount, VAT rate or None)`` (211: amounts paid, MPA;
    212: amounts received, MEN, the rate taken from the invoice when it has one); ``issuer_role`` overrides who
    issues (see the module docstring); ``platform``: the registration number of the issuer's platform (scheme
    0238), the sender. ``message_id`` defaults to ``<invoice number>-<code>-<time>``, ``issued_at`` to now (UTC).
    """
    status = InvoiceLifecycleStatus.of(code)
    doc = read_invoice(data)
    role = issuer_role or ("SE" if status is InvoiceLifecycleStatus.PAYMENT_RECEIVED else "BY")
    seller_side = role in SELLER_SIDE
    processing = status.phase == PROCESSING
    own, other = (doc.seller, doc.buyer) if seller_side else (doc.buyer, doc.seller)
    own_term, other_term = ("BT-30", "BT-47") if seller_side else ("BT-47", "BT-30")
    if processing:
        issuer = _party(own, role, address=False, identified=True, term=own_term)
    elif platform is None:
        raise ModelError(f"status {status.value} ({status.english}) is a platform's (transmission phase 305): "
                         "name the platform with its registration number", field="platform",
                         rule=R.BR_FR_CDV_CL_03_MDT_40_305)
    else:
        issuer = StatusParty(role="WK", name=None)
    sender = StatusParty(role="WK", identifier=platform, scheme="0238") if platform is not None else \
        StatusParty(role=role, name=issuer.name)
    recipient = _party(other, "BY" if seller_side else "SE", address=True, identified=True, term=other_term)
    seller = _party(doc.seller, "SE", address=False, identified=True, term="BT-30")
    now = issued_at or _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    return StatusMessage(
        message_id=message_id or f"{doc.number}-{status.value}-{now:%Y%m%d%H%M%S}", issued_at=now, status=status,
        invoice_number=doc.number, invoice_date=doc.issue_date, invoice_type=doc.type_code, seller=seller,
        sender=sender, issuer=issuer, recipients=(recipient,),
        reasons=tuple(StatusReason(code=c, text=t) for c, t in reasons),
        amounts=_amounts(status, doc, amounts), payment_date=payment_date, note=note,
        currency=doc.currency if amounts else None,
    )
