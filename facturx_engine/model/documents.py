"""The documents: :class:`Invoice` and :class:`CreditNote` (and their base :class:`Document`), with the
notes, preceding-invoice references and attachments only a document carries, and the document-wide checks.

Totals are never fields: :attr:`Document.totals` is computed from the lines by
:mod:`facturx_engine.model.compute` when the document is built, so an object that exists is an
object whose arithmetic is right. :func:`check_codes` checks every code of a document against the
complete official lists (:func:`~facturx_engine.model.codes.code_set`), and the identifiers python-stdnum
can verify (SIRET, SIREN, IBAN, BIC), with errors naming field, term and rule.

Records of the domain model (:mod:`facturx_engine.model.records` gathers them all).
"""

from __future__ import annotations

import copy
import datetime as _dt
import importlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Self

from facturx_engine import ruleids as R
from facturx_engine.errors import ModelError
from facturx_engine.model.codes import CREDIT_NOTE_TYPES, DocumentType, code_set
from facturx_engine.model.compute import Totals, compute_totals
from facturx_engine.model.fields import FROZEN, REQUIRED, breach, converted, dates, decimals, fast_init, texts, tuples
from facturx_engine.model.lines import AllowanceCharge, Line, Period, Vat
from facturx_engine.model.parties import Delivery, Identifier, Party, Payee, RelatedParty, TaxRepresentative
from facturx_engine.model.payment import PaymentInstructions
from facturx_engine.model.vatid import problem as vat_id_problem

__all__ = ["Attachment", "CreditNote", "Document", "Invoice", "Note", "PrecedingInvoice", "check_codes"]


@fast_init(texts("subject_code", required=("text",)))
@dataclass(**FROZEN)
class Note:
    """BG-1 invoice note with an optional UNTDID 4451 subject code."""

    text: str = ""
    subject_code: str | None = None


@fast_init(texts("type_code", required=("number",)), dates("issue_date"))
@dataclass(**FROZEN)
class PrecedingInvoice:
    """BG-3: a preceding invoice (credited, corrected, or a deposit deducted here)."""

    number: str = ""
    issue_date: _dt.date | None = None
    type_code: str | None = None  # CII only: 386 for a deposit, per French practice


@fast_init(texts("description", "uri", "mime_code", "filename", required=("id",)))
@dataclass(**FROZEN)
class Attachment:
    """BG-24 additional supporting document: an embedded binary (BT-125) and/or an external URL (BT-124)."""

    id: str = ""
    description: str | None = None
    uri: str | None = None
    content: bytes | None = None
    mime_code: str | None = None
    filename: str | None = None

    def __post_init__(self) -> None:
        if self.content is not None:
            if not isinstance(self.content, bytes):
                raise ModelError("attachment content must be bytes", field="attachments.content", bt="BT-125")
            if not self.mime_code or not self.filename:
                breach(ModelError("an embedded attachment needs its MIME code and filename",
                                  field="attachments", bt="BT-125-1/BT-125-2", rule=R.BR_CL_24))


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
@dataclass(**FROZEN)
class Document:
    """What invoices and credit notes share. Build :class:`Invoice` or :class:`CreditNote`."""

    number: str = ""
    issue_date: _dt.date = REQUIRED
    type_code: str = "380"
    currency: str = "EUR"
    tax_currency: str | None = None
    tax_currency_vat_total: Decimal | None = None
    tax_point_date: _dt.date | None = None
    tax_point_code: str | None = None  # UNTDID 2005 meaning: 3, 35, 432
    due_date: _dt.date | None = None
    buyer_reference: str | None = None
    project_reference: str | None = None
    contract_reference: str | None = None
    purchase_order: str | None = None
    sales_order: str | None = None
    receiving_advice: str | None = None
    despatch_advice: str | None = None
    tender_reference: str | None = None
    invoiced_object: Identifier | None = None
    buyer_accounting_ref: str | None = None
    payment_terms: str | None = None
    notes: Sequence[Note] = ()
    process_id: str | None = None
    specification_id: str | None = None  # None: the writer's profile decides
    preceding_invoices: Sequence[PrecedingInvoice] = ()
    seller: Party = REQUIRED
    buyer: Party = REQUIRED
    payee: Payee | None = None
    tax_representative: TaxRepresentative | None = None
    delivery: Delivery | None = None
    invoicing_period: Period | None = None
    payment: PaymentInstructions | None = None
    allowances_charges: Sequence[AllowanceCharge] = ()
    lines: Sequence[Line] = ()
    attachments: Sequence[Attachment] = ()
    paid_amount: Decimal | None = None
    rounding_amount: Decimal | None = None
    prices_include_vat: bool = False
    late_payment_mentions: bool | None = None
    buyer_agent: RelatedParty | None = None  # these five: Factur-X EXTENDED only
    payer: RelatedParty | None = None
    seller_agent: RelatedParty | None = None
    invoicee: RelatedParty | None = None
    invoicer: RelatedParty | None = None
    _totals: Totals | None = field(default=None, init=False, repr=False, compare=False)
    # Non-XML references of the app that built the document (payload ``external_id``,
    # ``internal_reference`` ...): never written, not compared, not inherited by replace().
    app_refs: Mapping[str, str] = field(default_factory=lambda: _Refs(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._check_structure()
        object.__setattr__(self, "_totals", compute_totals(self))

    def _check_vat_ids(self) -> None:
        """BR-CO-09 and the check digits of BT-31, BT-48 and BT-63 (:mod:`.vatid`), whatever built the document."""
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
            raise ModelError("issue date is required", field="issue_date", rule=R.BR_03)
        if self.type_code not in self._allowed_types():
            breach(ModelError(self._type_error(), field="type_code", bt="BT-3", rule=R.BR_CL_01))
        for name, cls_ in (("seller", Party), ("buyer", Party)):
            if not isinstance(getattr(self, name), cls_):
                raise ModelError(f"{name} is required", field=name, bt="BG-4" if name == "seller" else "BG-7",
                                 rule=R.BR_06 if name == "seller" else R.BR_07)
        if self.seller.private_person:
            raise ModelError("the seller cannot be a private person", field="seller.private_person")
        if not self.lines:
            breach(ModelError("at least one invoice line is required", field="lines", rule=R.BR_16))
        if self.tax_point_date and self.tax_point_code:
            breach(ModelError("give either the VAT point date or its code, not both", field="tax_point_code",
                              bt="BT-7/BT-8", rule=R.BR_CO_03))
        if self.tax_currency is not None:
            if self.tax_currency == self.currency:
                breach(ModelError("VAT accounting currency must differ from the invoice currency",
                                  field="tax_currency", bt="BT-6"))
            if self.tax_currency_vat_total is None:
                breach(ModelError("the VAT total in accounting currency is required when BT-6 is given",
                                  field="tax_currency_vat_total", bt="BT-111", rule=R.BR_53))
        elif self.tax_currency_vat_total is not None:
            breach(ModelError("BT-111 needs the VAT accounting currency BT-6", field="tax_currency", bt="BT-6"))
        if self.tax_currency is None and any(ln.vat_amount_accounting is not None for ln in self.lines):
            breach(ModelError("a line VAT amount in accounting currency needs the VAT accounting currency BT-6",
                              field="tax_currency", bt="EXT-FR-FE-182"))
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
                              field="due_date", rule=R.FXE_DUE_DATE))
        if len(self.buyer.identifiers) > 1:
            breach(ModelError(f"the buyer has at most one identifier (EN 16931 cardinality 0..1), got "
                              f"{len(self.buyer.identifiers)}", field="buyer.identifiers", bt="BT-46",
                              rule=R.UBL_SR_16))
        self._check_sign()
        check_codes(self)  # each bad code is a breach: the first raises, or all are recorded in reading mode

    def _check_payee(self) -> None:
        """BG-10 is a party other than the seller (BR-17, UBL-SR-19): not the seller's name or ids."""
        payee, seller = self.payee, self.seller
        assert payee is not None
        if payee.name == seller.name:
            breach(ModelError("the payee (BG-10) is a party other than the seller; leave it out when the seller "
                              "is paid", field="payee.name", bt="BT-59", rule=R.UBL_SR_19))
        if payee.identifier is not None and payee.identifier in seller.identifiers:
            breach(ModelError("the payee identifier is the seller's: the payee must be another party",
                              field="payee.identifier", bt="BT-60", rule=R.BR_17))
        if payee.legal_id is not None and payee.legal_id == seller.legal_id:
            breach(ModelError("the payee legal registration identifier is the seller's: the payee must be another "
                              "party", field="payee.legal_id", bt="BT-61", rule=R.BR_17))

    def _check_sign(self) -> None:
        """Invoices may carry negative lines (e.g. a deposit taken back); credit notes may not."""

    @classmethod
    def _allowed_types(cls) -> frozenset[str]:
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
@dataclass(**FROZEN)
class Invoice(Document):
    """An invoice: 380 commercial, 384 corrected, 386 deposit (prepayment), 389 self-billed, or any
    other invoice code of UNTDID 1001 that EN 16931 allows."""

    type_code: str = DocumentType.COMMERCIAL_INVOICE.value

    @classmethod
    def _allowed_types(cls) -> frozenset[str]:
        global _INVOICE_TYPES
        if _INVOICE_TYPES is None:  # once per process (a set difference for every invoice built otherwise)
            _INVOICE_TYPES = code_set("document_type") - CREDIT_NOTE_TYPES
        return _INVOICE_TYPES

    def _type_error(self) -> str:
        if self.type_code in CREDIT_NOTE_TYPES:
            return f"{self.type_code} is a credit-note type code: build a CreditNote instead"
        return f"{self.type_code!r} is not an allowed UNTDID 1001 invoice type code"


@fast_init()
@dataclass(**FROZEN)
class CreditNote(Document):
    """A credit note (381 and the other credit-note codes). Amounts are stated positive;
    BG-3 should reference the credited invoice."""

    type_code: str = DocumentType.CREDIT_NOTE.value

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


# ---------------------------------------------------------------------------- checks of a document
#
# Every problem goes through breach: outside the model's reading mode the first one raises (the checks
# stop there); inside (collect_breaches) each one is recorded and the checks go on, so that a received
# document gets one finding per bad code.


def _check_code(value: str | None, list_name: str, where: str, term: str, rule: str) -> None:
    if value is None:
        return
    known = code_set(list_name)
    if value in known or (list_name == "vatex" and value.upper() in known):  # BR-CL-22 compares upper-case(.)
        return
    breach(ModelError(f"unknown code {value!r} ({list_name.replace('_', ' ')} list)", field=where, bt=term, rule=rule))


def _check_party_codes(party: Party | Payee | TaxRepresentative | None, prefix: str) -> None:
    if party is None:
        return
    address = getattr(party, "address", None)
    if address is not None:
        _check_code(address.country, "country", f"{prefix}.address.country", "BT-40", R.BR_CL_14)
    ids = [(f"identifiers[{i}]", x) for i, x in enumerate(getattr(party, "identifiers", ()))]
    ids += [("legal_id", getattr(party, "legal_id", None)), ("identifier", getattr(party, "identifier", None))]
    for name, ident in ids:
        if ident is not None and ident.scheme is not None:
            _check_code(ident.scheme, "icd", f"{prefix}.{name}.scheme", "BT-29-1", R.BR_CL_10)
            _check_check_digits(ident, f"{prefix}.{name}")
    ea = getattr(party, "electronic_address", None)
    if ea is not None:
        if ea.scheme is None:
            breach(ModelError("an electronic address needs its scheme (EAS)", field=f"{prefix}.electronic_address",
                              bt="BT-34-1", rule=R.BR_62))
        _check_code(ea.scheme, "eas", f"{prefix}.electronic_address.scheme", "BT-34-1", R.BR_CL_25)


# ISO 6523 schemes whose check digits python-stdnum verifies: SIRET (0009), SIREN (0002)
_ICD_CHECKS = {"0009": ("stdnum.fr.siret", "SIRET"), "0002": ("stdnum.fr.siren", "SIREN")}


@lru_cache(maxsize=4096)  # a seller's identifiers and accounts come back on every invoice
def _valid(module: str, value: str, **options: bool) -> bool:
    """python-stdnum's ``is_valid`` of one of its modules (a pure function of the text), on ASCII text only:
    stdnum folds full-width and other look-alike characters, so a SIREN written in full-width digits would pass and
    be written as it is, another identifier than the one checked."""
    return value.isascii() and bool(importlib.import_module(module).is_valid(value, **options))


def _check_check_digits(ident: Identifier, where: str) -> None:
    check = _ICD_CHECKS.get(ident.scheme or "")
    if check is None:
        return
    if not _valid(check[0], ident.value):
        breach(ModelError(f"{ident.value!r} is not a valid {check[1]} (ASCII digits, length or check digit)",
                          field=where, bt="BT-29/BT-30"))


def _check_accounts(payment: PaymentInstructions) -> None:
    """SEPA credit transfer (58) and direct debit accounts must be valid IBANs; BICs must be valid."""
    for i, acc in enumerate(payment.credit_transfers):
        if payment.means_code == "58" and not _valid("stdnum.iban", acc.account_id, check_country=False):
            breach(ModelError(f"{acc.account_id!r} is not a valid IBAN (SEPA credit transfer 58)",
                              field=f"payment.credit_transfers[{i}].account_id", bt="BT-84"))
        if acc.bic is not None and not _valid("stdnum.bic", acc.bic):
            breach(ModelError(f"{acc.bic!r} is not a valid BIC", field=f"payment.credit_transfers[{i}].bic",
                              bt="BT-86"))
    dd = payment.direct_debit
    if dd is not None and dd.debited_account and payment.means_code == "59" and \
            not _valid("stdnum.iban", dd.debited_account, check_country=False):
        breach(ModelError(f"{dd.debited_account!r} is not a valid IBAN", field="payment.direct_debit.debited_account",
                          bt="BT-91"))


def check_codes(doc: Document) -> None:
    """Every code against the complete official list (loaded from the pinned Factur-X code DB).

    Outside the model's reading mode the first bad code raises its :class:`ModelError`; in reading
    mode (:func:`~facturx_engine.model.fields.collect_breaches`) every one is recorded, each naming its field,
    business term and rule."""
    _check_code(doc.currency, "currency", "currency", "BT-5", R.BR_CL_04)
    _check_code(doc.tax_currency, "currency", "tax_currency", "BT-6", R.BR_CL_05)
    for name in ("seller", "buyer", "payee", "tax_representative"):
        _check_party_codes(getattr(doc, name), name)
    if doc.delivery and doc.delivery.address:
        _check_code(doc.delivery.address.country, "country", "delivery.address.country", "BT-80", R.BR_CL_14)
    if doc.tax_point_code is not None and doc.tax_point_code not in {"3", "35", "432"}:
        breach(ModelError(f"unknown VAT point date code {doc.tax_point_code!r} (3, 35 or 432)",
                          field="tax_point_code", bt="BT-8", rule=R.BR_CL_06))
    for i, note in enumerate(doc.notes):
        _check_code(note.subject_code, "note_subject", f"notes[{i}].subject_code", "BT-21", R.BR_CL_08)
    if doc.payment is not None:
        _check_code(doc.payment.means_code, "payment_means", "payment.means_code", "BT-81", R.BR_CL_16)
        _check_accounts(doc.payment)
    for i, att in enumerate(doc.attachments):
        _check_code(att.mime_code, "mime", f"attachments[{i}].mime_code", "BT-125-1", R.BR_CL_24)
    acs: list[tuple[str, AllowanceCharge, Vat | None]] = [(f"allowances_charges[{i}]", ac, ac.vat)
                                                         for i, ac in enumerate(doc.allowances_charges)]
    units, countries, vatex = code_set("unit"), code_set("country"), code_set("vatex")
    for i, line in enumerate(doc.lines):  # the where-strings are only made for a bad code (lines are many)
        if line.unit not in units:
            _check_code(line.unit, "unit", f"lines[{i}].unit", "BT-130", R.BR_CL_23)
        if line.origin_country is not None and line.origin_country not in countries:
            _check_code(line.origin_country, "country", f"lines[{i}].origin_country", "BT-159", R.BR_CL_14)
        if line.allowances_charges:  # they take the line's VAT, whose code is checked just below (once)
            acs += [(f"lines[{i}].allowances_charges[{j}]", ac, None)
                    for j, ac in enumerate(line.allowances_charges)]
        code = line.vat.exemption_code
        if code is not None and code.upper() not in vatex:
            _check_code(code, "vatex", f"lines[{i}].vat.exemption_code", "BT-121", R.BR_CL_22)
        if line.standard_item_id is not None and line.standard_item_id.scheme is None:
            breach(ModelError("item standard identifier needs a scheme", field=f"lines[{i}].standard_item_id",
                              bt="BT-157-1", rule=R.BR_64))
        for c in line.classifications:
            if c.scheme is None:
                breach(ModelError("item classification needs a scheme (UNTDID 7143)",
                                  field=f"lines[{i}].classifications", bt="BT-158-1", rule=R.BR_65))
    for where, ac, vat in acs:
        lst, rule = ("charge_reason", R.BR_CL_20) if ac.charge else ("allowance_reason", R.BR_CL_19)
        _check_code(ac.reason_code, lst, f"{where}.reason_code", "BT-105" if ac.charge else "BT-98", rule)
        if vat is not None:
            _check_code(vat.exemption_code, "vatex", f"{where}.vat.exemption_code", "BT-121", R.BR_CL_22)
