"""The business terms of the model fields that no row of the term table reads into: what the table's rows cannot say.

Every other field's term is the id of the rows whose value is read into it (:mod:`facturx_engine.syntax.fieldterms`
follows each row to its model field, through :mod:`facturx_engine.syntax.places`). The fields below hold a group
whose rows each write one of its terms (the seller BG-4 is made by the rows BT-27 to BT-34 writing under it), or a
choice of the model that no syntax writes as an element of its own (whether an allowance is a charge). Keyed by
the field's path from the document (field names, without indices).
"""

from __future__ import annotations

__all__ = ["CONTAINERS", "HOMES", "MODEL_ONLY", "NO_TERMS_OF_THEIR_OWN", "READER_PLACES"]

CONTAINERS: dict[str, str] = {
    # a group with no row of its own: created by the paths of its terms' rows (tests/test_terms.py
    # CONTAINERS_WITHOUT_ROW says which rows)
    "seller": "BG-4", "seller.contact": "BG-6", "buyer": "BG-7", "buyer.contact": "BG-9", "payee": "BG-10",
    "tax_representative": "BG-11", "tax_representative.address": "BG-12", "delivery": "BG-13",
    "invoicing_period": "BG-14", "delivery.address": "BG-15", "payment.credit_transfers": "BG-17",
    "payment.card": "BG-18", "payment.direct_debit": "BG-19", "lines.period": "BG-26", "lines.vat": "BG-30",
    "allowances_charges.vat": "BT-95/BT-102",  # a document allowance's or charge's VAT: its category's term
    "allowances_charges.vat.exemption_reason": "BT-120",  # ... whose exemption the VAT breakdown BG-23 states
    "allowances_charges.vat.exemption_code": "BT-121",
    "lines.vat.exemption_reason": "BT-120",  # a line's exemption, stated in the VAT breakdown BG-23
    "lines.vat.exemption_code": "BT-121",
    "lines.seller": "EXT-FR-FE-BG-12", "lines.invoice_ref": "EXT-FR-FE-136",
}
"""Groups that no row states as a whole, and the exemption of a VAT category, which the rows write in the VAT
breakdown (computed from the lines and the allowances, so not read into them)."""

MODEL_ONLY: dict[str, str] = {
    "buyer.private_person": "B2C",  # a private-person buyer: no identifier is ever written
    "allowances_charges.charge": "ChargeIndicator",  # an allowance or a charge: the row's group says which
    "lines.allowances_charges.charge": "ChargeIndicator",
    "prices_include_vat": "B2C-GROSS",  # prices given with VAT, converted to net prices by the model
    "late_payment_mentions": "FR-L441-10",  # the French late-payment mentions stated as present
    "app_refs": "APP-REFS",  # an application's own references: never written
}
"""Choices of the model that carry no EN 16931 term, under the model's own label."""

READER_PLACES: dict[tuple[str, ...], tuple[str, ...]] = {
    # where the reader keeps a value apart before the model holds it (facturx_engine.syntax.assemble.finish):
    # the model field that value becomes
    ("payee", "identifiers"): ("payee", "identifier"),  # the model holds the payee's first identifier
    ("payment_means",): ("payment",),  # ... and one payment means
    ("payment_means", "credit_transfer"): ("payment", "credit_transfers"),
}

HOMES: dict[str, str] = {
    # the record's own terms (its fields' metadata, facturx_engine.model.fields.bt_of): those of the place
    # named, instead of its first place in the document
    "Vat": "lines.vat",  # a line's VAT BG-30 (the document allowances' VAT comes first)
}
"""Where a record class's own terms are taken from, when not from its first place in the document (the seller's
for a party, the invoicing period's for a period, the allowance's of an allowance or charge)."""

NO_TERMS_OF_THEIR_OWN = frozenset({"Identifier"})
"""Records whose fields carry the term of the field holding them (an identifier of the seller BT-29, its scheme
BT-29-1), and no term of their own."""
