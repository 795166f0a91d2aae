"""French rules of the 2026 reform that the engine applies itself.

* SIRET (ICD 0009) and SIREN (ICD 0002) identifiers are checked with python-stdnum.
* Late-payment mentions of Code de commerce art. L441-10 (penalty rate and the 40 EUR fixed
  recovery indemnity, plus the early-payment discount mention) are **B2B only**: they are
  added as notes (subject codes PMD, PMT, AAB, as BR-FR-05 expects) to invoices of a French
  seller to a business buyer, never to a B2C invoice, and never twice when the caller
  already wrote a note with that subject code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from facturx_engine.model.records import Note

if TYPE_CHECKING:
    from facturx_engine.model.records import Document

__all__ = ["BILLING_FRAMEWORKS", "LATE_PAYMENT_MENTIONS", "legal_notes", "needs_late_payment_mentions"]

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
    return notes + tuple(m for m in LATE_PAYMENT_MENTIONS if m.subject_code not in present)
