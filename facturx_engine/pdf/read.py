"""Reading the invoice of a Factur-X / ZUGFeRD / XRechnung PDF: the embedded XML is found, extracted
and checked (:func:`pdf_invoice`), then read as XML by :mod:`facturx_engine.syntax.read`
(:func:`from_pdf`). The syntax stage reads XML only; everything that opens a PDF is here."""

from __future__ import annotations

from facturx_engine import ruleids as R
from facturx_engine.errors import PdfError
from facturx_engine.model.records import CreditNote, Invoice
from facturx_engine.syntax.read import read_document

__all__ = ["from_pdf", "pdf_invoice"]


def pdf_invoice(pdf: bytes) -> bytes:
    """The invoice XML embedded in a Factur-X / ZUGFeRD / XRechnung PDF, as embedded.

    :class:`~facturx_engine.errors.PdfError` for a file that is not a readable PDF (truncated,
    damaged), that is encrypted (even without a user password: a Factur-X is PDF/A-3, which forbids
    encryption) or that embeds no invoice."""
    from facturx_engine.pdf.primitives import open_pdf  # pikepdf: loaded when a PDF is read, not before
    from facturx_engine.pdf.extract import extract

    xml = extract(pdf)[0]  # not a PDF, truncated, locked by a password, no invoice
    with open_pdf(pdf) as opened:
        if opened.is_encrypted:
            raise PdfError("the PDF is encrypted: a Factur-X file is PDF/A-3, which forbids encryption (ISO 19005-3 "
                           "6.1.3); its invoice is not read", rule=R.PDFA_6_1_3_ENCRYPT)
    return xml


def from_pdf(pdf: bytes) -> Invoice | CreditNote:
    """The invoice or credit note embedded in a Factur-X PDF (see :func:`pdf_invoice`), read as
    :func:`~facturx_engine.syntax.read.from_xml`."""
    return read_document(pdf_invoice(pdf)).document
