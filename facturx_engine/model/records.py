"""The domain model: EN 16931 invoices and credit notes as immutable records.

Pure: no I/O, no XML. Every amount, quantity and rate is a :class:`~decimal.Decimal`
(floats are refused). Which business term each field carries is the business-term table's
(:mod:`facturx_engine.syntax.terms`), written for the model into ``terms.tsv`` (:mod:`facturx_engine.model.terms`).

Totals are never fields: :attr:`Document.totals` is computed from the lines by
:mod:`facturx_engine.model.compute` when the document is built, so an object that exists is an
object whose arithmetic is right. Changes go through :func:`dataclasses.replace`.

Each record class declares the type checks of its fields (Decimal, text, required text, tuple,
date) on its ``fast_init`` decorator (:mod:`facturx_engine.model.fields`); the ``__init__`` compiled from
them once at import runs them inline, and ``__post_init__`` holds only the semantic rules. Repeated
groups are declared ``Sequence[X]`` (a caller may pass a list) and stored as tuples.

The records live in modules by concern, and this module gathers them (import them from here):
:mod:`~facturx_engine.model.parties` (identifiers, addresses, seller, buyer, payee, tax
representative, delivery), :mod:`~facturx_engine.model.lines` (lines, VAT, allowances and charges,
periods), :mod:`~facturx_engine.model.payment` (payment instructions) and
:mod:`~facturx_engine.model.documents` (invoices and credit notes, notes, references, attachments).

Reading mode. A *received* document must be readable even when it breaks a rule this model
enforces on the documents it builds (an invalid BIC, a price discount without gross price, BT-6
equal to BT-5 ...). Each such rule is checked through :func:`breach`: outside
:func:`collect_breaches` it raises the :class:`ModelError` (the normal, strict behaviour); inside,
the error is appended to the collected list, the value is kept as given, and construction goes
on; the code-list and identifier checks (:func:`~facturx_engine.model.documents.check_codes`) record
every bad code this way, not only the first. Only rules whose breach leaves a usable record go
through :func:`breach`; missing required data, wrong types and the calculation rules of
:mod:`facturx_engine.model.compute` always raise. A VAT category outside
:class:`~facturx_engine.model.codes.VatCategory` is kept, in reading mode only, as an unlisted member
that compares, hashes and prints as its code (the engine computes no VAT for it).
"""

from __future__ import annotations

from facturx_engine.model.documents import Attachment, CreditNote, Document, Invoice, Note, PrecedingInvoice
from facturx_engine.model.fields import breach, bt_of, collect_breaches
from facturx_engine.model.lines import (AllowanceCharge, ItemAttribute, Line, LineInvoiceReference, LineSeller, Period,
                                       Vat, unlisted_category)
from facturx_engine.model.parties import (Address, Contact, Delivery, Identifier, Party, Payee, RelatedParty,
                                         TaxRepresentative)
from facturx_engine.model.payment import CardPayment, CreditTransfer, DirectDebit, PaymentInstructions

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
    "LineInvoiceReference",
    "LineSeller",
    "Note",
    "Party",
    "Payee",
    "PaymentInstructions",
    "Period",
    "PrecedingInvoice",
    "RelatedParty",
    "TaxRepresentative",
    "Vat",
    "breach",
    "bt_of",
    "collect_breaches",
    "unlisted_category",
]
