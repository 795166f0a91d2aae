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
from facturx_engine.model.fields import FROZEN, REQUIRED, breach, check_chars, dates, fast_init, texts, tuples

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

    line1: str | None = None
    line2: str | None = None
    line3: str | None = None
    city: str | None = None
    postal_code: str | None = None
    subdivision: str | None = None
    country: str = ""


@fast_init(texts("name", "phone", "email"))
@dataclass(**FROZEN)
class Contact:
    """Seller contact BG-6 / buyer contact BG-9."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None


@fast_init(texts("trading_name", "vat_id", "tax_id", "legal_info", required=("name",)), tuples("identifiers"))
@dataclass(**FROZEN)
class Party:
    """Seller (BG-4) or buyer (BG-7): its business terms are the seller's or the buyer's (``model/terms.tsv``).

    ``private_person`` marks a B2C buyer: such a buyer carries no legal registration or VAT
    identifier (BT-46/BT-47/BT-48) and none is ever written.
    """

    name: str = ""
    trading_name: str | None = None
    identifiers: Sequence[Identifier] = ()
    legal_id: Identifier | None = None
    vat_id: str | None = None
    tax_id: str | None = None
    legal_info: str | None = None
    electronic_address: Identifier | None = None
    address: Address = REQUIRED
    contact: Contact | None = None
    private_person: bool = False

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

    name: str = ""
    identifier: Identifier | None = None
    legal_id: Identifier | None = None


@fast_init(texts(required=("name", "vat_id")))
@dataclass(**FROZEN)
class TaxRepresentative:
    """BG-11: the seller's tax representative."""

    name: str = ""
    vat_id: str = ""
    address: Address = REQUIRED

    def __post_init__(self) -> None:
        if not isinstance(self.address, Address):
            raise ModelError("address is required", field="address", bt="BG-12", rule=R.BR_19)


@fast_init(texts("name"), dates("date"))
@dataclass(**FROZEN)
class Delivery:
    """BG-13 delivery information. Omitted by the writers when it only repeats the buyer's address."""

    name: str | None = None
    location_id: Identifier | None = None
    date: _dt.date | None = None
    address: Address | None = None


@fast_init(texts(required=("name",)))
@dataclass(**FROZEN)
class RelatedParty:
    """A party of the French EXTENDED-CTC-FR profile beside seller and buyer: the buyer's agent (EXT-FR-FE-BG-01),
    the payer (BG-02), the seller's agent (BG-03), the invoicee (BG-04) or the invoicer (BG-05).

    It carries its name (Factur-X EXTENDED requires it) and what the French CTC Schematron checks of it: a global
    identifier with its scheme (BR-FR-CO-10) and an electronic address. Its business terms are those of the role
    it stands in (:mod:`facturx_engine.syntax.terms.french`, ``model/terms.tsv``). Factur-X EXTENDED only: the other
    profiles do not carry it.
    """

    name: str = ""
    global_id: Identifier | None = None
    electronic_address: Identifier | None = None

    def __post_init__(self) -> None:
        for name in ("global_id", "electronic_address"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Identifier):
                raise ModelError("must be an identifier (value and scheme)", field=name)
        if self.global_id is not None and self.global_id.scheme is None:
            breach(ModelError("a global identifier needs its scheme (French rule BR-FR-CO-10)", field="global_id"))
