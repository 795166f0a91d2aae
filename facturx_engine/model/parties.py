"""The parties of a document: identifiers, addresses, contacts, seller and buyer, payee, tax
representative and the delivery (BG-4 to BG-15).

Records of the domain model (:mod:`facturx_engine.model.records` gathers them all): immutable, their
field checks declared on :func:`~facturx_engine.model.fields.fast_init`, their semantic rules in
``__post_init__`` (through :func:`~facturx_engine.model.fields.breach` where the model's reading mode may
keep the value).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass

from facturx_engine import ruleids as R
from facturx_engine.errors import ModelError
from facturx_engine.model.fields import FROZEN, breach, bt, check_chars, dates, fast_init, texts, tuples

__all__ = ["Address", "Contact", "Delivery", "Identifier", "Party", "Payee", "RelatedParty", "TaxRepresentative"]


@fast_init()
@dataclass(**FROZEN)
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
@dataclass(**FROZEN)
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
@dataclass(**FROZEN)
class Contact:
    """Seller contact BG-6 / buyer contact BG-9."""

    name: str | None = bt("BT-41")
    phone: str | None = bt("BT-42")
    email: str | None = bt("BT-43")


@fast_init(texts("trading_name", "vat_id", "tax_id", "legal_info", required=("name",)), tuples("identifiers"))
@dataclass(**FROZEN)
class Party:
    """Seller (BG-4) or buyer (BG-7). Term ids below are the seller's; the buyer's are in terms.py.

    ``private_person`` marks a B2C buyer: such a buyer carries no legal registration or VAT
    identifier (BT-46/BT-47/BT-48) and none is ever written.
    """

    name: str = bt("BT-27", "")
    trading_name: str | None = bt("BT-28")
    identifiers: Sequence[Identifier] = bt("BT-29", ())
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
                                 rule=R.BR_08)
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
@dataclass(**FROZEN)
class Payee:
    """BG-10: the party receiving the payment, when it differs from the seller."""

    name: str = bt("BT-59", "")
    identifier: Identifier | None = bt("BT-60")
    legal_id: Identifier | None = bt("BT-61")


@fast_init(texts(required=("name", "vat_id")))
@dataclass(**FROZEN)
class TaxRepresentative:
    """BG-11: the seller's tax representative."""

    name: str = bt("BT-62", "")
    vat_id: str = bt("BT-63", "")
    address: Address = bt("BG-12", None)

    def __post_init__(self) -> None:
        if not isinstance(self.address, Address):
            raise ModelError("address is required", field="address", bt="BG-12", rule=R.BR_19)


@fast_init(texts("name"), dates("date"))
@dataclass(**FROZEN)
class Delivery:
    """BG-13 delivery information. Omitted by the writers when it only repeats the buyer's address."""

    name: str | None = bt("BT-70")
    location_id: Identifier | None = bt("BT-71")
    date: _dt.date | None = bt("BT-72")
    address: Address | None = bt("BG-15")


@fast_init(texts(required=("name",)))
@dataclass(**FROZEN)
class RelatedParty:
    """A party of the French EXTENDED-CTC-FR profile beside seller and buyer: the buyer's agent (EXT-FR-FE-BG-01),
    the payer (BG-02), the seller's agent (BG-03), the invoicee (BG-04) or the invoicer (BG-05).

    It carries its name (Factur-X EXTENDED requires it) and what the French CTC Schematron checks of it: a global
    identifier with its scheme (BR-FR-CO-10) and an electronic address. Term ids below are the buyer's agent's; the
    others' are in :mod:`facturx_engine.syntax.terms.french`. Factur-X EXTENDED only: the other profiles do not
    carry it.
    """

    name: str = bt("EXT-FR-FE-03", "")
    global_id: Identifier | None = bt("EXT-FR-FE-06")
    electronic_address: Identifier | None = bt("EXT-FR-FE-12")

    def __post_init__(self) -> None:
        for name in ("global_id", "electronic_address"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Identifier):
                raise ModelError("must be an identifier (value and scheme)", field=name)
        if self.global_id is not None and self.global_id.scheme is None:
            breach(ModelError("a global identifier needs its scheme (French rule BR-FR-CO-10)", field="global_id"))
