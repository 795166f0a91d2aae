"""Invoice lines and what they carry: the VAT treatment (BG-30, also that of a document allowance or
charge), allowances and charges (BG-20/21, BG-27/28), item attributes (BG-32) and periods (BG-14, BG-26).

Records of the domain model (:mod:`facturx_engine.model.records` gathers them all): immutable, their
field checks declared on :func:`~facturx_engine.model.fields.fast_init`, their semantic rules in
``__post_init__``. A VAT category outside :class:`~facturx_engine.model.codes.VatCategory` is kept, in
the model's reading mode only, as an unlisted member (:func:`unlisted_category`).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from facturx_engine import ruleids as R
from facturx_engine.errors import ModelError
from facturx_engine.model.codes import VatCategory
from facturx_engine.model.fields import FROZEN, REQUIRED, breach, converted, dates, decimals, fast_init, texts, tuples
from facturx_engine.model.numbers import PERCENT_DIGITS, round2
from facturx_engine.model.parties import Identifier

__all__ = ["AllowanceCharge", "ItemAttribute", "Line", "LineInvoiceReference", "LineSeller", "Period", "Vat",
           "unlisted_category"]

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
                          bt="BT-151", rule=R.BR_CL_18))
        return unlisted_category(str(value))


@fast_init(dates("start", "end"))
@dataclass(**FROZEN)
class Period:
    """An invoicing period BG-14 (or line period BG-26): at least one date, end not before start."""

    start: _dt.date | None = None
    end: _dt.date | None = None

    def __post_init__(self) -> None:
        if self.start is None and self.end is None:
            raise ModelError("a period needs a start or an end date", field="period", rule=R.BR_CO_19)
        if self.start and self.end and self.end < self.start:
            breach(ModelError(f"period end {self.end} is before its start {self.start}", field="period.end",
                              rule=R.BR_29))


@fast_init(converted("category", _vat_category, keep=VatCategory), decimals("rate", digits=PERCENT_DIGITS),
            texts("exemption_reason", "exemption_code"))
@dataclass(**FROZEN)
class Vat:
    """The VAT treatment of a line, allowance or charge: category BT-151, rate BT-152 and,
    for E/AE/K/G/O, the exemption reason (BT-120 text and/or BT-121 VATEX code)."""

    category: VatCategory = VatCategory.STANDARD
    rate: Decimal | None = None
    exemption_reason: str | None = None
    exemption_code: str | None = None

    def __post_init__(self) -> None:
        cat, rate = self.category, self.rate
        needs_reason = cat.needs_exemption_reason
        if cat == _OUTSIDE_SCOPE:
            if rate is not None:
                breach(ModelError("category O (not subject to VAT) carries no rate", field="vat.rate",
                                  bt="BT-152", rule=R.BR_O_05))
        elif rate is None:
            breach(ModelError(f"category {cat} needs a VAT rate", field="vat.rate", bt="BT-152", rule=R.BR_48))
        elif cat == _STANDARD and rate <= 0:
            breach(ModelError(f"standard rate must be greater than 0, got {rate}", field="vat.rate",
                              bt="BT-152", rule=R.BR_S_05))
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
@dataclass(**FROZEN)
class AllowanceCharge:
    """A document (BG-20/BG-21) or line (BG-27/BG-28) allowance or charge.

    Its business terms are those of where it stands (``model/terms.tsv``); on its own, a document allowance's.
    ``amount`` may be omitted when ``base_amount`` and ``percent`` are given:
    it is then computed (base × percent / 100, rounded half-up to 2 decimals).
    """

    charge: bool = False
    amount: Decimal | None = None
    base_amount: Decimal | None = None
    percent: Decimal | None = None
    vat: Vat | None = None  # document level only
    reason: str | None = None
    reason_code: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.charge, bool):
            raise ModelError("must be true (charge) or false (allowance)", field="charge")
        kind = "charge" if self.charge else "allowance"
        if self.amount is None:
            if self.base_amount is None or self.percent is None:
                raise ModelError(f"{kind} needs an amount, or a base amount and a percentage",
                                 field="amount", bt="BT-99" if self.charge else "BT-92",
                                 rule=R.BR_36 if self.charge else R.BR_31)
            object.__setattr__(self, "amount", round2(self.base_amount * self.percent / 100))
        if not self.reason and not self.reason_code:
            breach(ModelError(f"{kind} needs a reason text or a reason code", field="reason",
                              bt="BT-104/BT-105" if self.charge else "BT-97/BT-98",
                              rule=R.BR_38 if self.charge else R.BR_33))
        if self.percent is not None and self.base_amount is None:
            breach(ModelError("a percentage needs its base amount", field="base_amount",
                              bt="BT-100" if self.charge else "BT-93"))


@fast_init(texts("code", required=("name", "value")))
@dataclass(**FROZEN)
class ItemAttribute:
    """BG-32 item attribute; ``code`` (EXT-FR-FE-159, Factur-X EXTENDED only) codes its name."""

    name: str = ""
    value: str = ""
    code: str | None = None


@fast_init(texts("country", required=("name",)))
@dataclass(**FROZEN)
class LineSeller:
    """The seller of one line of a multi-vendor invoice (EXTENDED-CTC-FR, EXT-FR-FE-BG-12). Factur-X EXTENDED
    only."""

    name: str = ""
    legal_id: Identifier | None = None
    country: str | None = None


LINE_SUBTYPES = ("DETAIL", "GROUP", "INFORMATION")


@fast_init(texts("type_code", required=("number",)), dates("issue_date"))
@dataclass(**FROZEN)
class LineInvoiceReference:
    """An earlier invoice a line refers to (EXTENDED-CTC-FR: a corrective line, a line of a multi-vendor
    invoice). Factur-X EXTENDED only."""

    number: str = ""
    issue_date: _dt.date | None = None
    type_code: str | None = None


@fast_init(decimals("quantity", "net_price", "base_quantity", "gross_price", "price_discount", "vat_amount",
                    "vat_amount_accounting", "gross_amount"),
            tuples("allowances_charges", "classifications", "attributes"),
            texts("note", "description", "seller_item_id", "buyer_item_id", "origin_country", "order_line_ref",
                   "accounting_ref", "parent_id", "subtype", required=("id", "name", "unit")),
            dates("delivery_date"))
@dataclass(**FROZEN)
class Line:
    """An invoice line BG-25.

    ``net_price`` (BT-146) is the price per ``base_quantity`` (BT-149, default 1), net of VAT
    and of the price discount. If the document sets ``prices_include_vat``, it is the
    VAT-inclusive unit price instead (B2C shops) and the net figures are derived.
    """

    id: str = ""
    note: str | None = None
    object_id: Identifier | None = None
    quantity: Decimal = Decimal(1)
    unit: str = "C62"
    net_price: Decimal = Decimal(0)
    base_quantity: Decimal | None = None
    gross_price: Decimal | None = None
    price_discount: Decimal | None = None
    allowances_charges: Sequence[AllowanceCharge] = ()
    vat: Vat = REQUIRED
    name: str = ""
    description: str | None = None
    seller_item_id: str | None = None
    buyer_item_id: str | None = None
    standard_item_id: Identifier | None = None
    classifications: Sequence[Identifier] = ()
    origin_country: str | None = None
    attributes: Sequence[ItemAttribute] = ()
    period: Period | None = None
    order_line_ref: str | None = None
    accounting_ref: str | None = None
    parent_id: str | None = None  # the Factur-X EXTENDED terms of a line from here on
    subtype: str | None = None
    invoice_ref: LineInvoiceReference | None = None
    delivery_date: _dt.date | None = None
    seller: LineSeller | None = None
    vat_amount: Decimal | None = None  # as stated (a GROUP line's), in the invoice currency
    vat_amount_accounting: Decimal | None = None  # the same in the VAT accounting currency BT-6
    gross_amount: Decimal | None = None  # as stated: the line total with VAT

    def __post_init__(self) -> None:
        if not isinstance(self.vat, Vat):
            raise ModelError("VAT category (and rate) is required", field="vat", bt="BT-151", rule=R.BR_CO_04)
        if self.net_price < 0:
            breach(ModelError(f"net price must not be negative, got {self.net_price}; use a negative "
                              "quantity for a negative line", field="net_price", rule=R.BR_27))
        if self.gross_price is not None and self.gross_price < 0:
            breach(ModelError("gross price must not be negative", field="gross_price", rule=R.BR_28))
        if self.base_quantity is not None and self.base_quantity <= 0:
            breach(ModelError("price base quantity must be greater than 0", field="base_quantity", bt="BT-149"))
        if self.price_discount is not None and self.gross_price is None:
            breach(ModelError("a price discount needs the gross price", field="gross_price", bt="BT-148"))
        if self.gross_price is not None:
            discount = self.price_discount if self.price_discount is not None else Decimal(0)
            if self.gross_price - discount != self.net_price and self.price_discount is not None:
                breach(ModelError(f"net price {self.net_price} must equal gross price {self.gross_price} minus "
                                  f"price discount {discount}", field="net_price", bt="BT-146",
                                  rule=R.PEPPOL_EN16931_R046))
            if self.gross_price < self.net_price:
                breach(ModelError(f"gross price {self.gross_price} is below the net price {self.net_price}",
                                  field="gross_price", bt="BT-148"))
        if self.subtype is not None and self.subtype not in LINE_SUBTYPES:
            breach(ModelError(f"line subtype {self.subtype!r} is not one of {', '.join(LINE_SUBTYPES)}",
                              field="subtype", bt="EXT-FR-FE-163", rule=R.BR_FREXT_05))
        if self.parent_id is not None and self.subtype is None:
            breach(ModelError("a line with a parent line needs its subtype", field="subtype", bt="EXT-FR-FE-163",
                              rule=R.BR_FREXT_06))
        for ac in self.allowances_charges:
            if ac.vat is not None:
                breach(ModelError("a line allowance/charge takes the line's VAT; do not give it its own",
                                  field="allowances_charges.vat", bt="BT-151"))

    @property
    def price_per_unit(self) -> Decimal:
        return self.net_price / (self.base_quantity or 1)
