"""The domain model: EN 16931 invoices and credit notes as immutable records.

Pure: no I/O, no XML. Every amount, quantity and rate is a :class:`~decimal.Decimal`
(floats are refused). Each field names its business term in ``metadata["bt"]``; the
business-term table (:mod:`facturx_engine.syntax.terms`) and the tests rely on it.

Totals are never fields: :attr:`Document.totals` is computed from the lines by
:mod:`facturx_engine.model.compute` when the document is built, so an object that exists is an
object whose arithmetic is right. Changes go through :func:`dataclasses.replace`.

Each record class declares the type checks of its fields (Decimal, text, required text, tuple,
date) on its ``fast_init`` decorator (:mod:`facturx_engine.model.fields`); the ``__init__`` compiled from
them once at import runs them inline, and ``__post_init__`` holds only the semantic rules.

Reading mode. A *received* document must be readable even when it breaks a rule this model
enforces on the documents it builds (an invalid BIC, a price discount without gross price, BT-6
equal to BT-5 ...). Each such rule is checked through :func:`breach`: outside
:func:`collect_breaches` it raises the :class:`ModelError` (the normal, strict behaviour); inside,
the error is appended to the collected list, the value is kept as given, and construction goes
on; the code-list and identifier checks (:func:`~facturx_engine.model.codes.check_codes`) record every
bad code this way, not only the first. Only rules whose breach leaves a usable record go through
:func:`breach`; missing required data, wrong types and the calculation rules of
:mod:`facturx_engine.model.compute` always raise. A VAT
category outside :class:`~facturx_engine.model.codes.VatCategory` is kept, in reading mode only, as an
unlisted member that compares, hashes and prints as its code (the engine computes no VAT for it).
"""

from __future__ import annotations

import copy
import datetime as _dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

from facturx_engine.model.fields import (BREACHES, breach, check_chars, converted, dates, decimals, fast_init, texts,
                                         tuples)
from facturx_engine.model.numbers import PERCENT_DIGITS
from facturx_engine.model.vatid import problem as vat_id_problem
from facturx_engine.model.codes import CREDIT_NOTE_TYPES, DocumentType, VatCategory, check_codes
from facturx_engine.errors import ModelError

if TYPE_CHECKING:
    from facturx_engine.model.compute import Totals

__all__ = [
    "Address",
    "AllowanceCharge",
    "Attachment",
    "CardPayment",
    "Contact",
    "CreditNote",
    "CreditTransfer",
    "Delivery",
    "DirectDebit",
    "Document",
    "Identifier",
    "Invoice",
    "ItemAttribute",
    "Line",
    "Note",
    "Party",
    "Payee",
    "PaymentInstructions",
    "Period",
    "PrecedingInvoice",
    "TaxRepresentative",
    "Vat",
    "breach",
    "bt_of",
    "collect_breaches",
    "unlisted_category",
]

_FROZEN = {"frozen": True, "slots": True, "kw_only": True}


@contextmanager
def collect_breaches() -> Iterator[list[ModelError]]:
    """Reading mode: records built inside keep the values of rules they break; the breaches are collected.

    >>> with collect_breaches() as found:
    ...     line = Line(id="1", name="x", net_price="-1", vat=Vat.standard("20"))
    >>> [e.rule for e in found], line.net_price
    (['BR-27'], Decimal('-1'))
    """
    sink: list[ModelError] = []
    token = BREACHES.set(sink)
    try:
        yield sink
    finally:
        BREACHES.reset(token)


_VAT_CATEGORIES: dict[Any, VatCategory] = {c.value: c for c in VatCategory}
_STANDARD, _ZERO_RATED, _OUTSIDE_SCOPE = VatCategory.STANDARD, VatCategory.ZERO_RATED, VatCategory.OUTSIDE_SCOPE


def unlisted_category(code: str) -> VatCategory:
    """A VatCategory for a code the enum does not list (reading mode only; never registered in the enum)."""
    member = str.__new__(VatCategory, code)
    member._name_ = code
    member._value_ = member  # VatCategory(member.value) gives the member back: compute groups by it
    return member


def _vat_category(value: Any) -> VatCategory | None:
    """BT-151 as a VatCategory member; an unknown code breaks BR-CL-18 (kept unlisted in reading mode).
    None is kept as it is (``Vat.__post_init__`` then fails on it)."""
    try:  # a dict lookup answers the usual codes and members; VatCategory() decides the others
        member = _VAT_CATEGORIES[value]
    except (KeyError, TypeError):
        member = None
    kept = member is value  # a member, or None
    if kept:
        return member
    try:
        return member or VatCategory(value)
    except ValueError:
        breach(ModelError(f"unknown VAT category {value!r} (expected one of "
                          f"{', '.join(c.value for c in VatCategory)})", field="vat.category",
                          bt="BT-151", rule="BR-CL-18"))
        return unlisted_category(str(value))


def bt(term: str, default: Any = None, **kw: Any) -> Any:
    """A dataclass field that records its EN 16931 business term id."""
    if isinstance(default, (list, dict, set)):
        raise TypeError("mutable default")
    return field(default=default, metadata={"bt": term}, **kw)


def bt_of(cls: type, name: str) -> str:
    """The business term id of a model field: ``bt_of(Invoice, "number") == "BT-1"``."""
    for f in fields(cls):
        if f.name == name:
            return str(f.metadata["bt"])
    raise KeyError(name)


# ---------------------------------------------------------------------------- value types


@fast_init()
@dataclass(**_FROZEN)
class Identifier:
    """An identifier with an optional scheme (ISO 6523 ICD, EAS, UNTDID 1153/7143 ...)."""

    value: str
    scheme: str | None = None
    scheme_version: str | None = None  # only BT-158-2

    def __post_init__(self) -> None:
        if not isinstance(self.value, str) or not self.value.strip():
            raise ModelError("identifier value must be non-empty text", field="value")
        if self.scheme is not None and (not isinstance(self.scheme, str) or not self.scheme.strip()):
            raise ModelError("identifier scheme must be non-empty text", field="scheme")
        for name in ("value", "scheme", "scheme_version"):
            text = getattr(self, name)
            if isinstance(text, str) and not text.isprintable():
                check_chars(text, name, None)

    @classmethod
    def siret(cls, value: str) -> Identifier:
        return cls(value=value.replace(" ", ""), scheme="0009")

    @classmethod
    def siren(cls, value: str) -> Identifier:
        return cls(value=value.replace(" ", ""), scheme="0002")

    @classmethod
    def gln(cls, value: str) -> Identifier:
        return cls(value=value, scheme="0088")


@fast_init(texts("line1", "line2", "line3", "city", "postal_code", "subdivision", required=("country",)))
@dataclass(**_FROZEN)
class Address:
    """A postal address (BG-5 seller, BG-8 buyer, BG-12 tax representative, BG-15 deliver-to)."""

    line1: str | None = bt("BT-35")
    line2: str | None = bt("BT-36")
    line3: str | None = bt("BT-162")
    city: str | None = bt("BT-37")
    postal_code: str | None = bt("BT-38")
    subdivision: str | None = bt("BT-39")
    country: str = bt("BT-40", "")


@fast_init(texts("name", "phone", "email"))
@dataclass(**_FROZEN)
class Contact:
    """Seller contact BG-6 / buyer contact BG-9."""

    name: str | None = bt("BT-41")
    phone: str | None = bt("BT-42")
    email: str | None = bt("BT-43")


@fast_init(texts("trading_name", "vat_id", "tax_id", "legal_info", required=("name",)), tuples("identifiers"))
@dataclass(**_FROZEN)
class Party:
    """Seller (BG-4) or buyer (BG-7). Term ids below are the seller's; the buyer's are in terms.py.

    ``private_person`` marks a B2C buyer: such a buyer carries no legal registration or VAT
    identifier (BT-46/BT-47/BT-48) and none is ever written.
    """

    name: str = bt("BT-27", "")
    trading_name: str | None = bt("BT-28")
    identifiers: tuple[Identifier, ...] = bt("BT-29", ())
    legal_id: Identifier | None = bt("BT-30")
    vat_id: str | None = bt("BT-31")
    tax_id: str | None = bt("BT-32")
    legal_info: str | None = bt("BT-33")
    electronic_address: Identifier | None = bt("BT-34")
    address: Address = bt("BG-5", None)
    contact: Contact | None = bt("BG-6")
    private_person: bool = bt("B2C", False)

    def __post_init__(self) -> None:
        if not isinstance(self.address, Address):
            missing = ModelError("postal address with a country code is required", field="address", bt="BG-5",
                                 rule="BR-08")
            if self.address is not None:
                raise missing
            breach(missing)  # reading mode: a Factur-X MINIMUM buyer has no address
        if self.private_person and self.trading_name:
            raise ModelError("a private-person (B2C) buyer has no trading name", field="trading_name", bt="BT-45")
        if self.private_person and (self.vat_id or self.legal_id or self.identifiers or self.tax_id):
            raise ModelError("a private-person (B2C) buyer carries no identifier, legal registration "
                             "or VAT identifier", field="private_person", bt="BT-46/BT-47/BT-48")

    @property
    def country(self) -> str:
        return self.address.country if self.address is not None else ""


@fast_init(texts(required=("name",)))
@dataclass(**_FROZEN)
class Payee:
    """BG-10: the party receiving the payment, when it differs from the seller."""

    name: str = bt("BT-59", "")
    identifier: Identifier | None = bt("BT-60")
    legal_id: Identifier | None = bt("BT-61")


@fast_init(texts(required=("name", "vat_id")))
@dataclass(**_FROZEN)
class TaxRepresentative:
    """BG-11: the seller's tax representative."""

    name: str = bt("BT-62", "")
    vat_id: str = bt("BT-63", "")
    address: Address = bt("BG-12", None)

    def __post_init__(self) -> None:
        if not isinstance(self.address, Address):
            raise ModelError("address is required", field="address", bt="BG-12", rule="BR-19")


@fast_init(dates("start", "end"))
@dataclass(**_FROZEN)
class Period:
    """An invoicing period BG-14 (or line period BG-26): at least one date, end not before start."""

    start: _dt.date | None = bt("BT-73")
    end: _dt.date | None = bt("BT-74")

    def __post_init__(self) -> None:
        if self.start is None and self.end is None:
            raise ModelError("a period needs a start or an end date", field="period", rule="BR-CO-19")
        if self.start and self.end and self.end < self.start:
            breach(ModelError(f"period end {self.end} is before its start {self.start}", field="period.end",
                              rule="BR-29"))


@fast_init(texts("name"), dates("date"))
@dataclass(**_FROZEN)
class Delivery:
    """BG-13 delivery information. Omitted by the writers when it only repeats the buyer's address."""

    name: str | None = bt("BT-70")
    location_id: Identifier | None = bt("BT-71")
    date: _dt.date | None = bt("BT-72")
    address: Address | None = bt("BG-15")


@fast_init(converted("category", _vat_category, keep=VatCategory), decimals("rate", digits=PERCENT_DIGITS),
            texts("exemption_reason", "exemption_code"))
@dataclass(**_FROZEN)
class Vat:
    """The VAT treatment of a line, allowance or charge: category BT-151, rate BT-152 and,
    for E/AE/K/G/O, the exemption reason (BT-120 text and/or BT-121 VATEX code)."""

    category: VatCategory = bt("BT-151", VatCategory.STANDARD)
    rate: Decimal | None = bt("BT-152")
    exemption_reason: str | None = bt("BT-120")
    exemption_code: str | None = bt("BT-121")

    def __post_init__(self) -> None:
        cat, rate = self.category, self.rate
        needs_reason = cat.needs_exemption_reason
        if cat == _OUTSIDE_SCOPE:
            if rate is not None:
                breach(ModelError("category O (not subject to VAT) carries no rate", field="vat.rate",
                                  bt="BT-152", rule="BR-O-05"))
        elif rate is None:
            breach(ModelError(f"category {cat} needs a VAT rate", field="vat.rate", bt="BT-152", rule="BR-48"))
        elif cat == _STANDARD and rate <= 0:
            breach(ModelError(f"standard rate must be greater than 0, got {rate}", field="vat.rate",
                              bt="BT-152", rule="BR-S-05"))
        elif needs_reason or cat == _ZERO_RATED:
            if rate != 0:
                breach(ModelError(f"category {cat} must have rate 0, got {rate}", field="vat.rate",
                                  bt="BT-152", rule=f"{cat.rule_family}-05"))
        elif rate < 0:
            breach(ModelError(f"VAT rate must not be negative, got {rate}", field="vat.rate", bt="BT-152"))
        has_reason = bool(self.exemption_reason or self.exemption_code)
        if needs_reason and not has_reason:
            breach(ModelError(f"category {cat} needs an exemption reason text or VATEX code", field="vat",
                              bt="BT-120/BT-121", rule=f"{cat.rule_family}-10"))
        if not needs_reason and has_reason:
            breach(ModelError(f"category {cat} must not carry an exemption reason", field="vat.exemption_reason",
                              bt="BT-120/BT-121", rule=f"{cat.rule_family}-10"))

    @property
    def key(self) -> tuple[str, Decimal | None]:
        """The (category, rate) pair a VAT breakdown BG-23 groups by."""
        return (self.category._value_, None if self.rate is None else self.rate.normalize() + 0)

    @classmethod
    def standard(cls, rate: Decimal | str | int) -> Vat:
        return cls(category=VatCategory.STANDARD, rate=rate)  # type: ignore[arg-type]

    @classmethod
    def zero_rated(cls) -> Vat:
        return cls(category=VatCategory.ZERO_RATED, rate=Decimal(0))

    @classmethod
    def exempt(cls, reason: str | None = None, code: str | None = None) -> Vat:
        return cls(category=VatCategory.EXEMPT, rate=Decimal(0), exemption_reason=reason, exemption_code=code)

    @classmethod
    def reverse_charge(cls, reason: str = "Reverse charge", code: str = "VATEX-EU-AE") -> Vat:
        return cls(category=VatCategory.REVERSE_CHARGE, rate=Decimal(0), exemption_reason=reason,
                   exemption_code=code)

    @classmethod
    def intra_community(cls, reason: str = "Intra-community supply", code: str = "VATEX-EU-IC") -> Vat:
        return cls(category=VatCategory.INTRA_COMMUNITY, rate=Decimal(0), exemption_reason=reason,
                   exemption_code=code)

    @classmethod
    def export(cls, reason: str = "Export outside the EU", code: str = "VATEX-EU-G") -> Vat:
        return cls(category=VatCategory.EXPORT, rate=Decimal(0), exemption_reason=reason, exemption_code=code)

    @classmethod
    def outside_scope(cls, reason: str = "Not subject to VAT", code: str = "VATEX-EU-O") -> Vat:
        return cls(category=VatCategory.OUTSIDE_SCOPE, rate=None, exemption_reason=reason, exemption_code=code)


@fast_init(decimals("amount", "base_amount"), decimals("percent", digits=PERCENT_DIGITS),
            texts("reason", "reason_code"))
@dataclass(**_FROZEN)
class AllowanceCharge:
    """A document (BG-20/BG-21) or line (BG-27/BG-28) allowance or charge.

    Term ids are those of a document allowance; charges and line-level ones map to their own
    ids in terms.py. ``amount`` may be omitted when ``base_amount`` and ``percent`` are given:
    it is then computed (base × percent / 100, rounded half-up to 2 decimals).
    """

    charge: bool = bt("ChargeIndicator", False)
    amount: Decimal | None = bt("BT-92")
    base_amount: Decimal | None = bt("BT-93")
    percent: Decimal | None = bt("BT-94")
    vat: Vat | None = bt("BT-95")  # document level only
    reason: str | None = bt("BT-97")
    reason_code: str | None = bt("BT-98")

    def __post_init__(self) -> None:
        if not isinstance(self.charge, bool):
            raise ModelError("must be true (charge) or false (allowance)", field="charge")
        kind = "charge" if self.charge else "allowance"
        if self.amount is None:
            if self.base_amount is None or self.percent is None:
                raise ModelError(f"{kind} needs an amount, or a base amount and a percentage",
                                 field="amount", bt="BT-99" if self.charge else "BT-92",
                                 rule="BR-36" if self.charge else "BR-31")
            from facturx_engine.model.compute import round2

            object.__setattr__(self, "amount", round2(self.base_amount * self.percent / 100))
        if not self.reason and not self.reason_code:
            breach(ModelError(f"{kind} needs a reason text or a reason code", field="reason",
                              bt="BT-104/BT-105" if self.charge else "BT-97/BT-98",
                              rule="BR-38" if self.charge else "BR-33"))
        if self.percent is not None and self.base_amount is None:
            breach(ModelError("a percentage needs its base amount", field="base_amount",
                              bt="BT-100" if self.charge else "BT-93"))


@fast_init(texts(required=("name", "value")))
@dataclass(**_FROZEN)
class ItemAttribute:
    """BG-32 item attribute."""

    name: str = bt("BT-160", "")
    value: str = bt("BT-161", "")


@fast_init(decimals("quantity", "net_price", "base_quantity", "gross_price", "price_discount"),
            tuples("allowances_charges", "classifications", "attributes"),
            texts("note", "description", "seller_item_id", "buyer_item_id", "origin_country", "order_line_ref",
                   "accounting_ref", required=("id", "name", "unit")))
@dataclass(**_FROZEN)
class Line:
    """An invoice line BG-25.

    ``net_price`` (BT-146) is the price per ``base_quantity`` (BT-149, default 1), net of VAT
    and of the price discount. If the document sets ``prices_include_vat``, it is the
    VAT-inclusive unit price instead (B2C shops) and the net figures are derived.
    """

    id: str = bt("BT-126", "")
    note: str | None = bt("BT-127")
    object_id: Identifier | None = bt("BT-128")
    quantity: Decimal = bt("BT-129", Decimal(1))
    unit: str = bt("BT-130", "C62")
    net_price: Decimal = bt("BT-146", Decimal(0))
    base_quantity: Decimal | None = bt("BT-149")
    gross_price: Decimal | None = bt("BT-148")
    price_discount: Decimal | None = bt("BT-147")
    allowances_charges: tuple[AllowanceCharge, ...] = bt("BG-27", ())
    vat: Vat = bt("BG-30", None)
    name: str = bt("BT-153", "")
    description: str | None = bt("BT-154")
    seller_item_id: str | None = bt("BT-155")
    buyer_item_id: str | None = bt("BT-156")
    standard_item_id: Identifier | None = bt("BT-157")
    classifications: tuple[Identifier, ...] = bt("BT-158", ())
    origin_country: str | None = bt("BT-159")
    attributes: tuple[ItemAttribute, ...] = bt("BG-32", ())
    period: Period | None = bt("BG-26")
    order_line_ref: str | None = bt("BT-132")
    accounting_ref: str | None = bt("BT-133")

    def __post_init__(self) -> None:
        if not isinstance(self.vat, Vat):
            raise ModelError("VAT category (and rate) is required", field="vat", bt="BT-151", rule="BR-CO-04")
        if self.net_price < 0:
            breach(ModelError(f"net price must not be negative, got {self.net_price}; use a negative "
                              "quantity for a negative line", field="net_price", bt="BT-146", rule="BR-27"))
        if self.gross_price is not None and self.gross_price < 0:
            breach(ModelError("gross price must not be negative", field="gross_price", bt="BT-148", rule="BR-28"))
        if self.base_quantity is not None and self.base_quantity <= 0:
            breach(ModelError("price base quantity must be greater than 0", field="base_quantity", bt="BT-149"))
        if self.price_discount is not None and self.gross_price is None:
            breach(ModelError("a price discount needs the gross price", field="gross_price", bt="BT-148"))
        if self.gross_price is not None:
            discount = self.price_discount if self.price_discount is not None else Decimal(0)
            if self.gross_price - discount != self.net_price and self.price_discount is not None:
                breach(ModelError(f"net price {self.net_price} must equal gross price {self.gross_price} minus "
                                  f"price discount {discount}", field="net_price", bt="BT-146",
                                  rule="PEPPOL-EN16931-R046"))
            if self.gross_price < self.net_price:
                breach(ModelError(f"gross price {self.gross_price} is below the net price {self.net_price}",
                                  field="gross_price", bt="BT-148"))
        for ac in self.allowances_charges:
            if ac.vat is not None:
                breach(ModelError("a line allowance/charge takes the line's VAT; do not give it its own",
                                  field="allowances_charges.vat", bt="BT-151"))

    @property
    def price_per_unit(self) -> Decimal:
        return self.net_price / (self.base_quantity or 1)


@fast_init(texts("subject_code", required=("text",)))
@dataclass(**_FROZEN)
class Note:
    """BG-1 invoice note with an optional UNTDID 4451 subject code."""

    text: str = bt("BT-22", "")
    subject_code: str | None = bt("BT-21")


@fast_init(texts("account_name", "bic", required=("account_id",)))
@dataclass(**_FROZEN)
class CreditTransfer:
    """BG-17: an account to pay to (IBAN or proprietary id)."""

    account_id: str = bt("BT-84", "")
    account_name: str | None = bt("BT-85")
    bic: str | None = bt("BT-86")


@fast_init(texts("holder", required=("pan_last_digits",)))
@dataclass(**_FROZEN)
class CardPayment:
    """BG-18 payment card: only the last digits of the primary account number (PCI)."""

    pan_last_digits: str = bt("BT-87", "")
    holder: str | None = bt("BT-88")


@fast_init(texts("mandate_id", "creditor_id", "debited_account"))
@dataclass(**_FROZEN)
class DirectDebit:
    """BG-19 direct debit: mandate reference, creditor (SEPA) id, debited account."""

    mandate_id: str | None = bt("BT-89")
    creditor_id: str | None = bt("BT-90")
    debited_account: str | None = bt("BT-91")


@fast_init(tuples("credit_transfers"), texts("means_text", "remittance_info", required=("means_code",)))
@dataclass(**_FROZEN)
class PaymentInstructions:
    """BG-16 payment instructions: UNTDID 4461 means code (30/58 transfer, 48 card, 59 SEPA
    direct debit, 10 cash, 20 cheque, ...)."""

    means_code: str = bt("BT-81", "")
    means_text: str | None = bt("BT-82")
    remittance_info: str | None = bt("BT-83")
    credit_transfers: tuple[CreditTransfer, ...] = bt("BG-17", ())
    card: CardPayment | None = bt("BG-18")
    direct_debit: DirectDebit | None = bt("BG-19")

    def __post_init__(self) -> None:
        if self.means_code in {"30", "58"} and not self.credit_transfers:
            breach(ModelError(f"payment means {self.means_code} (credit transfer) needs the account to pay to",
                              field="payment.credit_transfers", bt="BT-84", rule="BR-61"))


@fast_init(texts("type_code", required=("number",)), dates("issue_date"))
@dataclass(**_FROZEN)
class PrecedingInvoice:
    """BG-3: a preceding invoice (credited, corrected, or a deposit deducted here)."""

    number: str = bt("BT-25", "")
    issue_date: _dt.date | None = bt("BT-26")
    type_code: str | None = bt("EXT-FR-FE-02")  # CII only: 386 for a deposit, per French practice


@fast_init(texts("description", "uri", "mime_code", "filename", required=("id",)))
@dataclass(**_FROZEN)
class Attachment:
    """BG-24 additional supporting document: an embedded binary (BT-125) and/or an external URL (BT-124)."""

    id: str = bt("BT-122", "")
    description: str | None = bt("BT-123")
    uri: str | None = bt("BT-124")
    content: bytes | None = bt("BT-125")
    mime_code: str | None = bt("BT-125-1")
    filename: str | None = bt("BT-125-2")

    def __post_init__(self) -> None:
        if self.content is not None:
            if not isinstance(self.content, bytes):
                raise ModelError("attachment content must be bytes", field="attachments.content", bt="BT-125")
            if not self.mime_code or not self.filename:
                breach(ModelError("an embedded attachment needs its MIME code and filename",
                                  field="attachments", bt="BT-125-1/BT-125-2", rule="BR-CL-24"))


# ---------------------------------------------------------------------------- documents


class _Refs(Mapping[str, str]):
    """The read-only :attr:`Document.app_refs` (unlike MappingProxyType, it pickles and deep-copies)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, str] | None = None) -> None:
        self._data = dict(data or {})

    def __getitem__(self, key: str) -> str:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return repr(self._data)


@fast_init(texts("tax_currency", "tax_point_code", "buyer_reference", "project_reference", "contract_reference",
                   "purchase_order", "sales_order", "receiving_advice", "despatch_advice", "tender_reference",
                   "buyer_accounting_ref", "payment_terms", "process_id", "specification_id",
                   required=("number", "type_code", "currency")),
            dates("issue_date", "tax_point_date", "due_date"),
            tuples("notes", "preceding_invoices", "allowances_charges", "lines", "attachments"),
            decimals("tax_currency_vat_total", "paid_amount", "rounding_amount"),
            converted("type_code", str, keep=str))  # a DocumentType member becomes its code
@dataclass(**_FROZEN)
class Document:
    """What invoices and credit notes share. Build :class:`Invoice` or :class:`CreditNote`."""

    number: str = bt("BT-1", "")
    issue_date: _dt.date = bt("BT-2", None)
    type_code: str = bt("BT-3", "380")
    currency: str = bt("BT-5", "EUR")
    tax_currency: str | None = bt("BT-6")
    tax_currency_vat_total: Decimal | None = bt("BT-111")
    tax_point_date: _dt.date | None = bt("BT-7")
    tax_point_code: str | None = bt("BT-8")  # UNTDID 2005 meaning: 3, 35, 432
    due_date: _dt.date | None = bt("BT-9")
    buyer_reference: str | None = bt("BT-10")
    project_reference: str | None = bt("BT-11")
    contract_reference: str | None = bt("BT-12")
    purchase_order: str | None = bt("BT-13")
    sales_order: str | None = bt("BT-14")
    receiving_advice: str | None = bt("BT-15")
    despatch_advice: str | None = bt("BT-16")
    tender_reference: str | None = bt("BT-17")
    invoiced_object: Identifier | None = bt("BT-18")
    buyer_accounting_ref: str | None = bt("BT-19")
    payment_terms: str | None = bt("BT-20")
    notes: tuple[Note, ...] = bt("BG-1", ())
    process_id: str | None = bt("BT-23")
    specification_id: str | None = bt("BT-24")  # None: the writer's profile decides
    preceding_invoices: tuple[PrecedingInvoice, ...] = bt("BG-3", ())
    seller: Party = bt("BG-4", None)
    buyer: Party = bt("BG-7", None)
    payee: Payee | None = bt("BG-10")
    tax_representative: TaxRepresentative | None = bt("BG-11")
    delivery: Delivery | None = bt("BG-13")
    invoicing_period: Period | None = bt("BG-14")
    payment: PaymentInstructions | None = bt("BG-16")
    allowances_charges: tuple[AllowanceCharge, ...] = bt("BG-20", ())
    lines: tuple[Line, ...] = bt("BG-25", ())
    attachments: tuple[Attachment, ...] = bt("BG-24", ())
    paid_amount: Decimal | None = bt("BT-113")
    rounding_amount: Decimal | None = bt("BT-114")
    prices_include_vat: bool = bt("B2C-GROSS", False)
    late_payment_mentions: bool | None = bt("FR-L441-10")
    _totals: Totals | None = field(default=None, init=False, repr=False, compare=False)
    # Non-XML references of the app that built the document (payload ``external_id``,
    # ``internal_reference`` ...): never written, not compared, not inherited by replace().
    app_refs: Mapping[str, str] = field(default_factory=lambda: _Refs(), init=False, repr=False,
                                        compare=False, metadata={"bt": "APP-REFS"})

    def __post_init__(self) -> None:
        self._check_structure()
        from facturx_engine.model.compute import compute_totals

        object.__setattr__(self, "_totals", compute_totals(self))

    def _check_vat_ids(self) -> None:
        """BR-CO-09 and the check digits of BT-31, BT-48 and BT-63 (:mod:`._vatid`), whatever built the document."""
        rep = self.tax_representative
        for where, term, value in (("seller.vat_id", "BT-31", self.seller.vat_id),
                                   ("buyer.vat_id", "BT-48", self.buyer.vat_id),
                                   ("tax_representative.vat_id", "BT-63", rep.vat_id if rep is not None else None)):
            if value:
                found = vat_id_problem(value)
                if found is not None:
                    breach(ModelError(found[1], field=where, bt=term, rule=found[0]))

    def _check_structure(self) -> None:
        if self.issue_date is None:
            raise ModelError("issue date is required", field="issue_date", bt="BT-2", rule="BR-03")
        if self.type_code not in self._allowed_types():
            breach(ModelError(self._type_error(), field="type_code", bt="BT-3", rule="BR-CL-01"))
        for name, cls_ in (("seller", Party), ("buyer", Party)):
            if not isinstance(getattr(self, name), cls_):
                raise ModelError(f"{name} is required", field=name, bt="BG-4" if name == "seller" else "BG-7",
                                 rule="BR-06" if name == "seller" else "BR-07")
        if self.seller.private_person:
            raise ModelError("the seller cannot be a private person", field="seller.private_person")
        if not self.lines:
            breach(ModelError("at least one invoice line is required", field="lines", bt="BG-25", rule="BR-16"))
        if self.tax_point_date and self.tax_point_code:
            breach(ModelError("give either the VAT point date or its code, not both", field="tax_point_code",
                              bt="BT-7/BT-8", rule="BR-CO-03"))
        if self.tax_currency is not None:
            if self.tax_currency == self.currency:
                breach(ModelError("VAT accounting currency must differ from the invoice currency",
                                  field="tax_currency", bt="BT-6"))
            if self.tax_currency_vat_total is None:
                breach(ModelError("the VAT total in accounting currency is required when BT-6 is given",
                                  field="tax_currency_vat_total", bt="BT-111", rule="BR-53"))
        elif self.tax_currency_vat_total is not None:
            breach(ModelError("BT-111 needs the VAT accounting currency BT-6", field="tax_currency", bt="BT-6"))
        ids = [ln.id for ln in self.lines]
        if len(set(ids)) != len(ids):  # the repeated ones are looked for only when there are some
            seen: set[str] = set()
            dup = {i for i in ids if i in seen or seen.add(i)}  # type: ignore[func-returns-value]
            breach(ModelError(f"line identifiers must be unique, repeated: {sorted(dup)}", field="lines.id",
                              bt="BT-126"))
        if self.payee is not None:
            self._check_payee()
        self._check_vat_ids()
        if self.due_date is not None and self.due_date < self.issue_date:
            breach(ModelError(f"the payment due date {self.due_date} is before the issue date {self.issue_date}",
                              field="due_date", bt="BT-9", rule="FXE-DUE-DATE"))
        if len(self.buyer.identifiers) > 1:
            breach(ModelError(f"the buyer has at most one identifier (EN 16931 cardinality 0..1), got "
                              f"{len(self.buyer.identifiers)}", field="buyer.identifiers", bt="BT-46",
                              rule="UBL-SR-16"))
        self._check_sign()
        check_codes(self)  # each bad code is a breach: the first raises, or all are recorded in reading mode

    def _check_payee(self) -> None:
        """BG-10 is a party other than the seller (BR-17, UBL-SR-19): not the seller's name or ids."""
        payee, seller = self.payee, self.seller
        assert payee is not None
        if payee.name == seller.name:
            breach(ModelError("the payee (BG-10) is a party other than the seller; leave it out when the seller "
                              "is paid", field="payee.name", bt="BT-59", rule="UBL-SR-19"))
        if payee.identifier is not None and payee.identifier in seller.identifiers:
            breach(ModelError("the payee identifier is the seller's: the payee must be another party",
                              field="payee.identifier", bt="BT-60", rule="BR-17"))
        if payee.legal_id is not None and payee.legal_id == seller.legal_id:
            breach(ModelError("the payee legal registration identifier is the seller's: the payee must be another "
                              "party", field="payee.legal_id", bt="BT-61", rule="BR-17"))

    def _check_sign(self) -> None:
        """Invoices may carry negative lines (e.g. a deposit taken back); credit notes may not."""

    @classmethod
    def _allowed_types(cls) -> frozenset[str]:
        from facturx_engine.model.codes import code_set

        return code_set("document_type")

    def _type_error(self) -> str:
        return f"{self.type_code!r} is not an allowed UNTDID 1001 document type code"

    @property
    def totals(self) -> Totals:
        """Totals BT-106..BT-115 and the VAT breakdown BG-23, computed from the lines."""
        assert self._totals is not None
        return self._totals

    @property
    def is_credit_note(self) -> bool:
        return self.type_code in CREDIT_NOTE_TYPES

    @property
    def is_b2c(self) -> bool:
        return self.buyer.private_person

    def with_app_refs(self, refs: Mapping[str, str]) -> Self:
        """A copy of this document carrying ``refs`` (text only) in :attr:`app_refs`."""
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in refs.items()):
            raise ModelError("app references are text keys and text values", field="app_refs")
        out = copy.copy(self)
        object.__setattr__(out, "app_refs", _Refs(refs))
        return out


_INVOICE_TYPES: frozenset[str] | None = None


@fast_init()
@dataclass(**_FROZEN)
class Invoice(Document):
    """An invoice: 380 commercial, 384 corrected, 386 deposit (prepayment), 389 self-billed, or any
    other invoice code of UNTDID 1001 that EN 16931 allows."""

    type_code: str = bt("BT-3", DocumentType.COMMERCIAL_INVOICE.value)

    @classmethod
    def _allowed_types(cls) -> frozenset[str]:
        global _INVOICE_TYPES
        if _INVOICE_TYPES is None:  # once per process (a set difference for every invoice built otherwise)
            from facturx_engine.model.codes import code_set

            _INVOICE_TYPES = code_set("document_type") - CREDIT_NOTE_TYPES
        return _INVOICE_TYPES

    def _type_error(self) -> str:
        if self.type_code in CREDIT_NOTE_TYPES:
            return f"{self.type_code} is a credit-note type code: build a CreditNote instead"
        return f"{self.type_code!r} is not an allowed UNTDID 1001 invoice type code"


@fast_init()
@dataclass(**_FROZEN)
class CreditNote(Document):
    """A credit note (381 and the other credit-note codes). Amounts are stated positive;
    BG-3 should reference the credited invoice."""

    type_code: str = bt("BT-3", DocumentType.CREDIT_NOTE.value)

    @classmethod
    def _allowed_types(cls) -> frozenset[str]:
        return CREDIT_NOTE_TYPES

    def _type_error(self) -> str:
        return f"{self.type_code!r} is not a credit-note type code (expected one of {sorted(CREDIT_NOTE_TYPES)})"

    def _check_sign(self) -> None:
        for i, ln in enumerate(self.lines):
            if ln.quantity < 0:
                breach(ModelError(f"credit note line {ln.id!r} has a negative quantity ({ln.quantity}); a credit "
                                  "note states credited amounts as positive", field=f"lines[{i}].quantity",
                                  bt="BT-129"))
