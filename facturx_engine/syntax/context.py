"""What the business-term table reads: the document as seen by the writers.

:class:`WriteContext` is the item of the table's ``DOC`` context: the document, its computed
totals, the notes including legal mentions, the lines paired with their computed amounts, the
payment-means entries, and the deliver-to address (omitted when it repeats the buyer's).
``fmt_number``/``fmt_amount`` are the number formats every writer uses. Where each attribute of these
objects lives in the model (what the reader needs to put a value back) is stated in
:data:`facturx_engine.syntax.places.PLACES`.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

class PayEntry:
    """One payment-means element: the means, one credit-transfer account, the card and mandate."""

    __slots__ = ("means", "account", "card", "debit", "is_iban")

    def __init__(self, means: Any, account: Any, first: bool) -> None:
        self.means = means
        self.account = account
        self.card = means.card if first else None
        self.debit = means.direct_debit if first else None
        self.is_iban = bool(account) and _looks_like_iban(account.account_id)


@lru_cache(maxsize=4096)  # a seller's few accounts come back on every invoice; the check is ~20 µs
def _looks_like_iban(value: str) -> bool:
    from stdnum import iban

    return bool(iban.is_valid(value))


class WriteContext:
    """The document as the term table reads it (the item of the ``DOC`` context)."""

    __slots__ = ("doc", "totals", "syntax", "guideline", "notes", "line_items", "doc_acs", "payment_entries",
                 "delivery", "delivery_address", "doc_seller", "doc_buyer", "doc_taxrep", "doc_payee_ids",
                 "payment")

    def __init__(self, doc: Any, syntax: str, guideline: str) -> None:
        from facturx_engine.model.fr import legal_notes
        from facturx_engine.syntax.terms import ACItem, LineItem

        totals = doc.totals
        self.doc, self.totals, self.syntax, self.guideline = doc, totals, syntax, guideline
        self.notes = legal_notes(doc)
        self.line_items = tuple(LineItem(ln, am) for ln, am in zip(doc.lines, totals.lines))
        self.doc_acs = tuple(ACItem(ac, amt, ac.vat, base) for ac, amt, base in
                             zip(doc.allowances_charges, totals.document_allowance_charge_amounts,
                                 totals.document_allowance_charge_bases))
        self.payment = pay = doc.payment
        if pay is None:
            self.payment_entries: tuple[PayEntry, ...] = ()
        else:
            accounts = pay.credit_transfers or (None,)
            self.payment_entries = tuple(PayEntry(pay, acc, i == 0) for i, acc in enumerate(accounts))
        self.doc_seller, self.doc_buyer, self.doc_taxrep = doc.seller, doc.buyer, doc.tax_representative
        self.doc_payee_ids = (doc.payee.identifier,) if doc.payee and doc.payee.identifier else ()
        self.delivery = doc.delivery
        self.delivery_address = _deliver_to_address(doc)


def _deliver_to_address(doc: Any) -> Any:
    """BG-15, omitted when it only repeats the buyer's address. Category K needs the deliver-to
    country (BR-IC-12): the buyer's address stands in when no delivery address is given, as the
    model's check (compute._check_intra_community) accepts."""
    d = doc.delivery
    intra_community = any(b.category.value == "K" for b in doc.totals.vat_breakdown)
    if d is None or d.address is None:
        return doc.buyer.address if intra_community else None
    if d.address == doc.buyer.address and not intra_community:
        return None
    return d.address


def fmt_number(value: Any) -> str:
    """A Decimal as plain text, never in exponent notation."""
    if value.__class__ is Decimal:
        text = str(value)  # 3x faster than format(); the same text whenever it has no exponent
        if "E" not in text and "e" not in text:
            return text
    return format(value, "f")


_CENT = Decimal("0.01")


def fmt_amount(value: Any) -> str:
    """An amount with 2 decimals (str() of a value quantized to the cent never has an exponent)."""
    q = value.quantize(_CENT)
    return str(q.copy_abs() if q.is_zero() else q)  # "-0.00" breaks the validators' sums
