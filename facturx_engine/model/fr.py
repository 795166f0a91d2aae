"""French rules of the 2026 reform that the engine applies itself.

* SIRET (ICD 0009) and SIREN (ICD 0002) identifiers are checked with python-stdnum.
* Late-payment mentions of Code de commerce art. L441-10 (penalty rate and the 40 EUR fixed
  recovery indemnity, plus the early-payment discount mention) are **B2B only**: they are
  added as notes (subject codes PMD, PMT, AAB, as BR-FR-05 expects) to invoices of a French
  seller to a business buyer, never to a B2C invoice, and never twice when the caller
  already wrote a note with that subject code. A credit note asks nothing of the buyer, so a
  French B2B credit note carries instead the same three subject codes (the CTC rule BR-FR-05 requires
  them on every document) saying that they do not apply (:data:`CREDIT_NOTE_MENTIONS`); the rendered
  page leaves them out.
* The mentions of the reform the page prints (:func:`buyer_siren`, :func:`operation_nature`,
  :func:`vat_on_debits`) are read from the business terms that carry them, never from free text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from facturx_engine.model.records import Note

if TYPE_CHECKING:
    from facturx_engine.model.records import Document, Party

__all__ = ["BILLING_FRAMEWORKS", "CREDIT_NOTE_MENTIONS", "L441_CODES", "LATE_PAYMENT_MENTIONS", "buyer_siren",
           "legal_notes", "needs_late_payment_mentions", "operation_nature", "vat_on_debits"]

BILLING_FRAMEWORKS: frozenset[str] = frozenset(
    "B1 S1 M1 B2 S2 M2 S3 B4 S4 M4 S5 S6 B7 S7 B8 S8 M8 B9 S9 M9".split())
"""The French billing framework codes ("cadre de facturation") the CTC rules accept in BT-23
(BR-FR-08): B goods, S services, M mixed; 1 a plain invoice, 2 already paid, 4 the final invoice
after a deposit, 8 multi-vendor, 9 self-billing, the others for the special cases of the reform."""

LATE_PAYMENT_MENTIONS: tuple[Note, ...] = (
    Note(subject_code="PMD", text="En cas de retard de paiement, des pénalités de retard sont exigibles au taux "
                                  "de trois fois le taux d'intérêt légal (art. L441-10 du Code de commerce)."),
    Note(subject_code="PMT", text="Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : "
                                  "40 € (art. L441-10 et D441-5 du Code de commerce)."),
    Note(subject_code="AAB", text="Pas d'escompte pour paiement anticipé."),
)

L441_CODES = frozenset(n.subject_code for n in LATE_PAYMENT_MENTIONS if n.subject_code)
"""The note subject codes of the late-payment mentions: PMD, PMT, AAB."""

CREDIT_NOTE_MENTIONS: tuple[Note, ...] = (
    Note(subject_code="PMD", text="Pénalités de retard : sans objet (avoir, aucun paiement n'est dû)."),
    Note(subject_code="PMT", text="Indemnité forfaitaire pour frais de recouvrement : sans objet (avoir)."),
    Note(subject_code="AAB", text="Escompte pour paiement anticipé : sans objet (avoir)."),
)
"""What a French B2B credit note carries under the subject codes of the late-payment mentions."""


def needs_late_payment_mentions(doc: Document) -> bool:
    """French seller, business buyer, unless the caller decided explicitly (``late_payment_mentions``)."""
    if doc.is_b2c:
        return False
    if doc.late_payment_mentions is not None:
        return doc.late_payment_mentions
    return doc.seller.country == "FR"


def legal_notes(doc: Document) -> tuple[Note, ...]:
    """The document's notes plus the mentions the law requires and the caller did not write."""
    notes = tuple(n for n in doc.notes if not (doc.is_b2c and n in LATE_PAYMENT_MENTIONS))
    if not needs_late_payment_mentions(doc):
        return notes
    present = {n.subject_code for n in notes}
    mentions = CREDIT_NOTE_MENTIONS if doc.is_credit_note else LATE_PAYMENT_MENTIONS
    return notes + tuple(m for m in mentions if m.subject_code not in present)


def buyer_siren(party: Party) -> tuple[str, str] | None:
    """The SIREN of a French business party and the business term it was read from, or None.

    In this order: the legal registration identifier (BT-47, BT-30 for a seller) with scheme 0002; the first
    9 digits of a SIRET (BT-46 / BT-29, scheme 0009, or BT-47 with scheme 0009); the first 9 digits of the
    electronic address (BT-49 / BT-34) with scheme 0225, the SIREN-based address of the reform
    (``SIREN`` or ``SIREN_suffix``). Only 9 digits are a SIREN: anything else gives None, never a guess."""
    if party.private_person or party.country != "FR":
        return None
    found: list[tuple[str, str]] = []
    legal = party.legal_id
    if legal is not None and legal.scheme in ("0002", "0009"):
        found.append((legal.value, "BT-47"))
    found += [(i.value, "BT-46") for i in party.identifiers if i.scheme == "0009"]
    ea = party.electronic_address
    if ea is not None and ea.scheme == "0225":
        found.append((ea.value, "BT-49"))
    for value, term in found:
        digits = value.replace(" ", "")[:9]
        if len(digits) == 9 and digits.isdigit():
            return digits, term
    return None


def operation_nature(doc: Document) -> str | None:
    """``B`` (deliveries of goods), ``S`` (services) or ``M`` (both): the first letter of the French billing
    framework in BT-23 (:data:`BILLING_FRAMEWORKS`, BR-FR-08); None when BT-23 states none of them."""
    code = doc.process_id
    return code[0] if code in BILLING_FRAMEWORKS else None


def vat_on_debits(doc: Document) -> bool:
    """Whether a French seller opted to pay the VAT on debits (CGI art. 269-2-c), which the invoice must say.

    EN 16931 carries the option: with it the VAT of services becomes due when the invoice is issued, not
    when it is paid, which is the VAT point date code BT-8 = 3 (UNTDID 2005 "invoice document issue date",
    written 5 in CII, 3 in UBL). So the option is written and read there (the payload's ``vat_on_debits``
    sets it), and a French seller's invoice with BT-8 = 3 prints the mention."""
    return doc.tax_point_code == "3" and doc.seller.country == "FR"
