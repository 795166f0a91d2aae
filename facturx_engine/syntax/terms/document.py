"""Rows of the document level: process and specification, the invoice header (BT-1..BT-24, the
notes BG-1), the references to other documents, the preceding invoices (BG-3) and the additional
supporting documents (BG-24)."""

from __future__ import annotations

from facturx_engine.syntax.terms.rows import BWL, CTX, EN, EXT, HDR, HTA, HTD, HTS, MIN, PT, Term, a, const, date_row, doc

__all__ = ["attachments", "header", "preceding"]


def header() -> list[Term]:
    return [
        Term("BT-23", "Business process type", "DOC", f"{CTX}/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID",
             "cbc:ProfileID", MIN, doc("process_id")),
        Term("BT-24", "Specification identifier", "DOC", f"{CTX}/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
             "cbc:CustomizationID", MIN, lambda _i, w: w.guideline),
        Term("BT-1", "Invoice number", "DOC", f"{HDR}/ram:ID", "cbc:ID", MIN, doc("number")),
        Term("BT-3", "Invoice type code", "DOC", f"{HDR}/ram:TypeCode", "cbc:InvoiceTypeCode", MIN, doc("type_code"),
             ubl_cn="cbc:CreditNoteTypeCode"),
        date_row("BT-2", "Invoice issue date", "DOC", f"{HDR}/ram:IssueDateTime", "cbc:IssueDate", MIN,
                 doc("issue_date")),
        Term("BG-1", "Invoice note", "DOC", f"{HDR}/ram:IncludedNote", "cbc:Note", BWL, lambda _i, w: w.notes,
             repeat=True),
        Term("BT-22", "Invoice note", "BG-1", "ram:Content", ".", BWL, lambda i, _w: i, kind="NOTE"),
        Term("BT-21", "Invoice note subject code", "BG-1", "ram:SubjectCode", None, BWL, a("subject_code"),
             elsewhere=("ubl", "ubl-cn")),  # UBL: the "#CODE#" prefix of the note text (ubl._note_text)
        Term("BT-5", "Invoice currency code", "DOC", f"{HTS}/ram:InvoiceCurrencyCode", "cbc:DocumentCurrencyCode", MIN,
             doc("currency")),
        Term("BT-6", "VAT accounting currency code", "DOC", f"{HTS}/ram:TaxCurrencyCode", "cbc:TaxCurrencyCode", BWL,
             doc("tax_currency")),
        date_row("BT-9", "Payment due date", "DOC", f"{PT}/ram:DueDateDateTime", "cbc:DueDate", BWL,
                 doc("due_date"), ubl_cn=None),
        Term("BT-10", "Buyer reference", "DOC", f"{HTA}/ram:BuyerReference", "cbc:BuyerReference", MIN,
             doc("buyer_reference")),
        Term("BT-11", "Project reference", "DOC", f"{HTA}/ram:SpecifiedProcuringProject/ram:ID",
             "cac:ProjectReference/cbc:ID", EN, doc("project_reference"),
             ubl_cn="cac:AdditionalDocumentReference#50/cbc:ID"),
        Term("_", "Project name", "DOC", f"{HTA}/ram:SpecifiedProcuringProject/ram:Name", None, EN,
             const("Project reference"), kind="CONST", reportable=False),
        Term("_", "Project document type", "DOC", None, None, EN, const("50"), kind="CONST",
             ubl_cn="cac:AdditionalDocumentReference#50/cbc:DocumentTypeCode", reportable=False),
        Term("BT-12", "Contract reference", "DOC", f"{HTA}/ram:ContractReferencedDocument/ram:IssuerAssignedID",
             "cac:ContractDocumentReference/cbc:ID", BWL, doc("contract_reference")),
        Term("BT-13", "Purchase order reference", "DOC", f"{HTA}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID",
             None, MIN, doc("purchase_order")),
        Term("BT-13", "Purchase order reference", "DOC", None, "cac:OrderReference/cbc:ID", MIN,
             lambda _i, w: w.doc.purchase_order or ("NA" if w.doc.sales_order else None)),
        Term("BT-14", "Sales order reference", "DOC", f"{HTA}/ram:SellerOrderReferencedDocument/ram:IssuerAssignedID",
             "cac:OrderReference/cbc:SalesOrderID", EN, doc("sales_order")),
        Term("BT-15", "Receiving advice reference", "DOC",
             f"{HTD}/ram:ReceivingAdviceReferencedDocument/ram:IssuerAssignedID", "cac:ReceiptDocumentReference/cbc:ID",
             EN, doc("receiving_advice")),
        Term("BT-16", "Despatch advice reference", "DOC",
             f"{HTD}/ram:DespatchAdviceReferencedDocument/ram:IssuerAssignedID", "cac:DespatchDocumentReference/cbc:ID",
             BWL, doc("despatch_advice")),
        Term("BT-17", "Tender or lot reference", "DOC", f"{HTA}/ram:AdditionalReferencedDocument#50/ram:IssuerAssignedID",
             "cac:OriginatorDocumentReference/cbc:ID", EN, doc("tender_reference")),
        Term("_", "Tender type code", "DOC", f"{HTA}/ram:AdditionalReferencedDocument#50/ram:TypeCode", None, EN,
             const("50"), kind="CONST", reportable=False),
        Term("BT-18", "Invoiced object identifier", "DOC",
             f"{HTA}/ram:AdditionalReferencedDocument#130/ram:IssuerAssignedID",
             "cac:AdditionalDocumentReference#130/cbc:ID", EN, doc("invoiced_object.value")),
        Term("_", "Invoiced object type code", "DOC", f"{HTA}/ram:AdditionalReferencedDocument#130/ram:TypeCode",
             "cac:AdditionalDocumentReference#130/cbc:DocumentTypeCode", EN, const("130"), kind="CONST",
             reportable=False),
        Term("BT-18-1", "Invoiced object identifier scheme", "DOC",
             f"{HTA}/ram:AdditionalReferencedDocument#130/ram:ReferenceTypeCode",
             "cac:AdditionalDocumentReference#130/cbc:ID/@schemeID", EN, doc("invoiced_object.scheme")),
        Term("BT-19", "Buyer accounting reference", "DOC", f"{HTS}/ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID",
             "cbc:AccountingCost", BWL, doc("buyer_accounting_ref")),
        Term("BT-20", "Payment terms", "DOC", f"{PT}/ram:Description", "cac:PaymentTerms/cbc:Note", BWL,
             doc("payment_terms")),
        Term("BT-7", "VAT point date", "DOC", None, "cbc:TaxPointDate", EN, doc("tax_point_date"), kind="DATE"),
        Term("BT-8", "VAT point date code", "DOC", None, "cac:InvoicePeriod/cbc:DescriptionCode", BWL,
             doc("tax_point_code")),
    ]


def preceding() -> list[Term]:
    return [
        Term("BG-3", "Preceding invoice reference", "DOC", f"{HTS}/ram:InvoiceReferencedDocument",
             "cac:BillingReference", BWL, doc("preceding_invoices"), repeat=True),
        Term("BT-25", "Preceding invoice reference", "BG-3", "ram:IssuerAssignedID",
             "cac:InvoiceDocumentReference/cbc:ID", BWL, a("number")),
        Term("EXT-FR-FE-02", "Preceding invoice type code", "BG-3", "ram:TypeCode", None, EXT, a("type_code")),
        date_row("BT-26", "Preceding invoice issue date", "BG-3", "ram:FormattedIssueDateTime",
                 "cac:InvoiceDocumentReference/cbc:IssueDate", BWL, a("issue_date"), elem="qdt:DateTimeString"),
    ]


def attachments() -> list[Term]:
    ard = f"{HTA}/ram:AdditionalReferencedDocument"
    return [
        Term("BG-24", "Additional supporting documents", "DOC", ard, "cac:AdditionalDocumentReference", EN,
             doc("attachments"), repeat=True),
        Term("BT-122", "Supporting document reference", "BG-24", "ram:IssuerAssignedID", "cbc:ID", EN, a("id")),
        Term("_", "Type code", "BG-24", "ram:TypeCode", None, EN, const("916"), kind="CONST", reportable=False),
        Term("BT-123", "Supporting document description", "BG-24", "ram:Name", "cbc:DocumentDescription", EN,
             a("description")),
        Term("BT-124", "External document location", "BG-24", "ram:URIID", "cac:Attachment/cac:ExternalReference/cbc:URI",
             EN, a("uri")),
        Term("BT-125", "Attached document", "BG-24", "ram:AttachmentBinaryObject",
             "cac:Attachment/cbc:EmbeddedDocumentBinaryObject", EN, a("content"), kind="BINARY"),
        Term("BT-125-1", "Attached document MIME code", "BG-24", "ram:AttachmentBinaryObject/@mimeCode",
             "cac:Attachment/cbc:EmbeddedDocumentBinaryObject/@mimeCode", EN, a("mime_code")),
        Term("BT-125-2", "Attached document filename", "BG-24", "ram:AttachmentBinaryObject/@filename",
             "cac:Attachment/cbc:EmbeddedDocumentBinaryObject/@filename", EN, a("filename")),
    ]

