"""facturx_engine: an offline EN 16931 e-invoicing engine (Factur-X / CII / UBL 2.1).

The pipeline, one module per stage::

    model  ->  compute  ->  terms + _xml  ->  cii / ubl  ->  validate  ->  cli
    (records)  (totals)     (BT table)        (writers)      (XSD + Schematron)

Quick use::

    import facturx_engine as fx
    xml = fx.to_cii(invoice, profile=fx.Profile.EN16931)
    fx.validate(xml).raise_for_errors()
"""

from __future__ import annotations

from facturx_engine.syntax.read import ReadResult, from_pdf, from_xml, read_document
from facturx_engine.syntax.cii import ProfileWarning, from_cii, to_cii, write_cii
from facturx_engine.model.codes import DocumentType, Profile, VatCategory
from facturx_engine.model.compute import Totals, VatBreakdown, check_expected
from facturx_engine.apps.convert import Conversion, convert
from facturx_engine.errors import (
    CalculationError,
    CreditError,
    FacturXError,
    InputError,
    ModelError,
    ParseError,
    PayloadError,
    PdfError,
    ProfileError,
    ResourceError,
    ValidationFailed,
)
from facturx_engine.io.jsonio import dump_document, load_document
from facturx_engine.model.lifecycle import DepositPlan, Milestone, Quote, credit_note, creditable, schedule_invoices
from facturx_engine.model.records import (
    Address,
    AllowanceCharge,
    Attachment,
    CardPayment,
    Contact,
    CreditNote,
    CreditTransfer,
    Delivery,
    DirectDebit,
    Document,
    Identifier,
    Invoice,
    ItemAttribute,
    Line,
    Note,
    Party,
    Payee,
    PaymentInstructions,
    Period,
    PrecedingInvoice,
    TaxRepresentative,
    Vat,
)
from facturx_engine.io.payload import from_payload
from facturx_engine.pdf.hybrid import embed, extract, extract_all, to_facturx
from facturx_engine.pdf.check import check_pdf
from facturx_engine.pdf.render.layout import Template, render
from facturx_engine.syntax.ubl import from_ubl, to_ubl, write_ubl
from facturx_engine.validation.core import Finding, Report, validate

__version__ = "0.1.0"

__all__ = [
    "Address",
    "AllowanceCharge",
    "Attachment",
    "CalculationError",
    "CardPayment",
    "check_expected",
    "check_pdf",
    "Contact",
    "Conversion",
    "convert",
    "credit_note",
    "creditable",
    "CreditError",
    "CreditNote",
    "CreditTransfer",
    "Delivery",
    "DepositPlan",
    "DirectDebit",
    "Document",
    "DocumentType",
    "dump_document",
    "embed",
    "extract",
    "extract_all",
    "FacturXError",
    "Finding",
    "from_cii",
    "from_payload",
    "from_pdf",
    "from_ubl",
    "from_xml",
    "Identifier",
    "InputError",
    "Invoice",
    "ItemAttribute",
    "Line",
    "load_document",
    "Milestone",
    "ModelError",
    "Note",
    "ParseError",
    "Party",
    "Payee",
    "PayloadError",
    "PaymentInstructions",
    "PdfError",
    "Period",
    "PrecedingInvoice",
    "Profile",
    "ProfileError",
    "ProfileWarning",
    "Quote",
    "read_document",
    "ReadResult",
    "render",
    "Report",
    "ResourceError",
    "schedule_invoices",
    "TaxRepresentative",
    "Template",
    "to_cii",
    "to_facturx",
    "to_ubl",
    "Totals",
    "validate",
    "ValidationFailed",
    "Vat",
    "VatBreakdown",
    "VatCategory",
    "write_cii",
    "write_ubl",
]
