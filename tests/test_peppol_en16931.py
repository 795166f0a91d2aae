"""The PEPPOL-EN16931-* and PEPPOL-COMMON-* rules of Peppol BIS Billing 3.0, as the engine implements them.

``CASES`` holds one or more violating examples per rule and syntax, each written from the rule's
statement as an edit of the valid base document (``tests/peppol_support.py``); ``tests/test_peppol.py``
checks that each fires exactly its rule (and the rules it states it also fires). The tests below check
what the examples cannot: what must *not* fire (tolerances, the German exceptions, valid identifiers),
values that are not numbers or dates, and the Peppol documents of the shared corpus.
"""

from __future__ import annotations

import copy
import csv
from pathlib import Path

import pytest
from lxml import etree

import facturx_engine as fx
from facturx_engine.findings import Finding
from facturx_engine.validation.peppol import run_peppol
from facturx_engine.validation.peppol.engine import NS
from facturx_engine.validation.peppol.rules_common import valid_identifier
from peppol_support import Case, Change, base, edit, fired, find, sub

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

# ----------------------------------------------------------------------------------------- edits


def el(parent: etree._Element, tag: str, text: str | None = None, index: int | None = None,
       **attributes: str) -> etree._Element:
    element = sub(parent, tag, text, index)
    for name, value in attributes.items():
        element.set(name, value)
    return element


def set_text(path: str, value: str) -> Change:
    return lambda root: setattr(find(root, path), "text", value)


def set_attr(path: str, name: str, value: str) -> Change:
    return lambda root: find(root, path).set(name, value)


def remove(*paths: str) -> Change:
    def change(root: etree._Element) -> None:
        for path in paths:
            for node in root.xpath(path, namespaces=NS):
                node.getparent().remove(node)
    return change


def both(*changes: Change) -> Change:
    def change(root: etree._Element) -> None:
        for one in changes:
            one(root)
    return change

# UBL

_LINE = "(cac:InvoiceLine | cac:CreditNoteLine)[1]"
_EUR = {"currencyID": "EUR"}


def ubl_allowance(indicator: str = "false", amount: str | None = "5.00", base_amount: str | None = None,
                  factor: str | None = None, reason: str | None = None, parent: str = ".") -> Change:
    """Add a ``cac:AllowanceCharge`` under ``parent`` (the document, a line or a price)."""
    def change(root: etree._Element) -> None:
        charge = el(find(root, parent), "cac:AllowanceCharge")
        el(charge, "cbc:ChargeIndicator", indicator)
        if reason is not None:
            el(charge, "cbc:AllowanceChargeReasonCode", reason)
        if factor is not None:
            el(charge, "cbc:MultiplierFactorNumeric", factor)
        if amount is not None:
            el(charge, "cbc:Amount", amount, **_EUR)
        if base_amount is not None:
            el(charge, "cbc:BaseAmount", base_amount, **_EUR)
    return change


def ubl_tax_currency(code: str, amount: str | None, currency: str | None = None) -> Change:
    """State a VAT accounting currency (BT-6) and, with ``amount``, the total VAT in it (BT-111)."""
    def change(root: etree._Element) -> None:
        el(root, "cbc:TaxCurrencyCode", code, index=list(root).index(find(root, "cbc:DocumentCurrencyCode")) + 1)
        if amount is not None:
            total = el(root, "cac:TaxTotal", index=list(root).index(find(root, "cac:TaxTotal")))
            el(total, "cbc:TaxAmount", amount, currencyID=currency or code)
    return change


def ubl_line_reference(*codes: str) -> Change:
    def change(root: etree._Element) -> None:
        line = find(root, _LINE)
        for code in codes:
            reference = el(line, "cac:DocumentReference")
            el(reference, "cbc:ID", "OBJ-1")
            el(reference, "cbc:DocumentTypeCode", code)
    return change


def ubl_line_period(start: str | None, end: str | None) -> Change:
    def change(root: etree._Element) -> None:
        period = el(find(root, _LINE), "cac:InvoicePeriod", index=3)
        if start:
            el(period, "cbc:StartDate", start)
        if end:
            el(period, "cbc:EndDate", end)
    return change


def ubl_header_period(start: str | None, end: str | None) -> Change:
    """Add the invoice period (BG-14) to a document that has none (the credit note)."""
    def change(root: etree._Element) -> None:
        period = el(root, "cac:InvoicePeriod", index=list(root).index(find(root, "cac:AccountingSupplierParty")))
        if start:
            el(period, "cbc:StartDate", start)
        if end:
            el(period, "cbc:EndDate", end)
    return change


def ubl_base_quantity(value: str, unit: str) -> Change:
    return lambda root: el(find(root, f"{_LINE}/cac:Price"), "cbc:BaseQuantity", value, unitCode=unit)


def ubl_exemption(code: str) -> Change:
    return lambda root: el(find(root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory"), "cbc:TaxExemptionReasonCode",
                           code, index=2)


def ubl_party_id(party: str, scheme: str, value: str, where: str = "endpoint") -> Change:
    """Set the seller's (``party="Supplier"``) or buyer's identifier of ``where`` (endpoint, party id or
    legal registration) to ``value`` under ``scheme``."""
    path = {"endpoint": "cbc:EndpointID", "party": "cac:PartyIdentification/cbc:ID",
            "legal": "cac:PartyLegalEntity/cbc:CompanyID"}[where]
    full = f"cac:Accounting{party}Party/cac:Party/{path}"
    return both(set_text(full, value), set_attr(full, "schemeID", scheme))


def ubl_credit_project(count: int) -> Change:
    def change(root: etree._Element) -> None:
        for number in range(count):
            reference = el(root, "cac:AdditionalDocumentReference",
                           index=list(root).index(find(root, "cac:AccountingSupplierParty")))
            el(reference, "cbc:ID", f"PRJ-{number}")
            el(reference, "cbc:DocumentTypeCode", "50")
    return change


def ubl_attachment(mime: str) -> Change:
    def change(root: etree._Element) -> None:
        reference = el(root, "cac:AdditionalDocumentReference",
                       index=list(root).index(find(root, "cac:AccountingSupplierParty")))
        el(reference, "cbc:ID", "ATT-1")
        attachment = el(reference, "cac:Attachment")
        el(attachment, "cbc:EmbeddedDocumentBinaryObject", "UEsDBA==", mimeCode=mime, filename="a.zip")
    return change


# CII

_HEADER_AGREEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
_HEADER_SETTLEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
_CII_LINE = "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem[1]"
_CII_TOTALS = f"{_HEADER_SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"


def cii_allowance(indicator: str = "false", amount: str | None = "5.00", base_amount: str | None = None,
                  percent: str | None = None, reason: str | None = None) -> Change:
    """Add a document-level ``ram:SpecifiedTradeAllowanceCharge``."""
    def change(root: etree._Element) -> None:
        settlement = find(root, _HEADER_SETTLEMENT)
        charge = el(settlement, "ram:SpecifiedTradeAllowanceCharge",
                    index=list(settlement).index(find(root, f"{_HEADER_SETTLEMENT}/ram:SpecifiedTradePaymentTerms")))
        el(el(charge, "ram:ChargeIndicator"), "udt:Indicator", indicator)
        if percent is not None:
            el(charge, "ram:CalculationPercent", percent)
        if base_amount is not None:
            el(charge, "ram:BasisAmount", base_amount)
        if amount is not None:
            el(charge, "ram:ActualAmount", amount)
        if reason is not None:
            el(charge, "ram:ReasonCode", reason)
        tax = el(charge, "ram:CategoryTradeTax")
        el(tax, "ram:TypeCode", "VAT")
        el(tax, "ram:CategoryCode", "S")
        el(tax, "ram:RateApplicablePercent", "20")
    return change


def cii_tax_currency(code: str, amount: str | None, currency: str | None = None) -> Change:
    def change(root: etree._Element) -> None:
        settlement = find(root, _HEADER_SETTLEMENT)
        el(settlement, "ram:TaxCurrencyCode", code,
           index=list(settlement).index(find(root, f"{_HEADER_SETTLEMENT}/ram:InvoiceCurrencyCode")))
        if amount is not None:
            totals = find(root, _CII_TOTALS)
            index = list(totals).index(find(root, f"{_CII_TOTALS}/ram:TaxTotalAmount")) + 1
            el(totals, "ram:TaxTotalAmount", amount, index=index, currencyID=currency or code)
    return change


def cii_line_reference(*codes: str) -> Change:
    def change(root: etree._Element) -> None:
        settlement = find(root, f"{_CII_LINE}/ram:SpecifiedLineTradeSettlement")
        for code in codes:
            reference = el(settlement, "ram:AdditionalReferencedDocument", index=len(settlement) - 1)
            el(reference, "ram:IssuerAssignedID", "OBJ-1")
            el(reference, "ram:TypeCode", code)
    return change


def cii_date(parent: etree._Element, tag: str, value: str, form: str = "102") -> None:
    el(el(parent, tag), "udt:DateTimeString", value, format=form)


def cii_line_period(start: str | None, end: str | None) -> Change:
    def change(root: etree._Element) -> None:
        settlement = find(root, f"{_CII_LINE}/ram:SpecifiedLineTradeSettlement")
        period = el(settlement, "ram:BillingSpecifiedPeriod", index=1)
        if start:
            cii_date(period, "ram:StartDateTime", start)
        if end:
            cii_date(period, "ram:EndDateTime", end)
    return change


def cii_base_quantity(value: str, unit: str) -> Change:
    return lambda root: el(find(root, f"{_CII_LINE}/ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice"),
                           "ram:BasisQuantity", value, unitCode=unit)


def cii_gross_price_discount(indicator: str) -> Change:
    def change(root: etree._Element) -> None:
        agreement = find(root, f"{_CII_LINE}/ram:SpecifiedLineTradeAgreement")
        gross = el(agreement, "ram:GrossPriceProductTradePrice", index=0)
        el(gross, "ram:ChargeAmount", "700.00")
        discount = el(gross, "ram:AppliedTradeAllowanceCharge")
        el(el(discount, "ram:ChargeIndicator"), "udt:Indicator", indicator)
        el(discount, "ram:ActualAmount", "50.00")
    return change


def cii_party_id(party: str, scheme: str, value: str, where: str = "endpoint") -> Change:
    path = {"endpoint": "ram:URIUniversalCommunication/ram:URIID", "party": "ram:GlobalID",
            "legal": "ram:SpecifiedLegalOrganization/ram:ID"}[where]
    full = f"{_HEADER_AGREEMENT}/ram:{party}TradeParty/{path}"
    return both(set_text(full, value), set_attr(full, "schemeID", scheme))


def cii_ship_to_endpoint(scheme: str, value: str) -> Change:
    """A ship-to party's electronic address (outside CL008's context: the seller's and buyer's)."""
    def change(root: etree._Element) -> None:
        delivery = find(root, "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeDelivery")
        party = el(delivery, "ram:ShipToTradeParty")
        el(party, "ram:Name", "Entrepôt")
        el(el(party, "ram:URIUniversalCommunication"), "ram:URIID", value, schemeID=scheme)
    return change


def cii_attachment(mime: str) -> Change:
    def change(root: etree._Element) -> None:
        agreement = find(root, _HEADER_AGREEMENT)
        reference = el(agreement, "ram:AdditionalReferencedDocument")
        el(reference, "ram:IssuerAssignedID", "ATT-1")
        el(reference, "ram:TypeCode", "916")
        el(reference, "ram:AttachmentBinaryObject", "UEsDBA==", mimeCode=mime, filename="a.zip")
    return change


def cii_referenced(tag: str, count: int, type_code: str | None = None) -> Change:
    def change(root: etree._Element) -> None:
        agreement = find(root, _HEADER_AGREEMENT)
        for number in range(count):
            reference = el(agreement, tag)
            el(reference, "ram:ID" if tag == "ram:SpecifiedProcuringProject" else "ram:IssuerAssignedID", f"R-{number}")
            if tag == "ram:SpecifiedProcuringProject":
                el(reference, "ram:Name", "Projet")
            if type_code:
                el(reference, "ram:TypeCode", type_code)
    return change


def cii_second_note(root: etree._Element) -> None:
    note = el(find(root, "rsm:ExchangedDocument"), "ram:IncludedNote")
    el(note, "ram:Content", "Deuxième note")


# ----------------------------------------------------------------------------------------- examples

_PROFILE_CII = "rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"
_SPEC_CII = "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"

CASES: list[Case] = [
    # R001-R008: the document
    ("PEPPOL-EN16931-R001", "UBL", False, remove("cbc:ProfileID")),
    ("PEPPOL-EN16931-R001", "UBL", True, remove("cbc:ProfileID")),
    ("PEPPOL-EN16931-R001", "CII", False, remove("rsm:ExchangedDocumentContext"
                                                 "/ram:BusinessProcessSpecifiedDocumentContextParameter")),
    ("PEPPOL-EN16931-R002", "UBL", False, lambda root: el(root, "cbc:Note", "Deuxième note",
                                                          index=list(root).index(find(root, "cbc:Note")) + 1)),
    ("PEPPOL-EN16931-R002", "UBL", True, lambda root: el(root, "cbc:Note", "Deuxième note",
                                                         index=list(root).index(find(root, "cbc:Note")) + 1)),
    ("PEPPOL-EN16931-R002", "CII", False, cii_second_note),
    ("PEPPOL-EN16931-R003", "UBL", False, remove("cbc:BuyerReference", "cac:OrderReference")),
    ("PEPPOL-EN16931-R003", "CII", False, remove(f"{_HEADER_AGREEMENT}/ram:BuyerReference",
                                                 f"{_HEADER_AGREEMENT}/ram:BuyerOrderReferencedDocument")),
    ("PEPPOL-EN16931-R004", "UBL", False, set_text("cbc:CustomizationID", "urn:cen.eu:en16931:2017")),
    ("PEPPOL-EN16931-R004", "CII", False, set_text(_SPEC_CII, "urn:cen.eu:en16931:2017")),
    ("PEPPOL-EN16931-R005", "UBL", False, ubl_tax_currency("EUR", "1853.94")),
    ("PEPPOL-EN16931-R005", "CII", False, cii_tax_currency("EUR", None)),
    ("PEPPOL-EN16931-R006", "CII", False, cii_referenced("ram:AdditionalReferencedDocument", 2, "130")),
    ("PEPPOL-EN16931-R007", "UBL", False, set_text("cbc:ProfileID", "urn:fdc:peppol.eu:2017:poacc:billing:1:1.0")),
    ("PEPPOL-EN16931-R007", "UBL", False, set_text("cbc:ProfileID", "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0 x")),
    ("PEPPOL-EN16931-R007", "CII", False, set_text(_PROFILE_CII, "urn:fdc:peppol.eu:2017:poacc:selfbilling:01:1.0")),
    ("PEPPOL-EN16931-R008", "UBL", False, lambda root: el(root, "cbc:AccountingCost", " ",
                                                          index=list(root).index(find(root, "cbc:BuyerReference")))),
    ("PEPPOL-EN16931-R008", "UBL", True, lambda root: el(find(root, f"{_LINE}/cac:Item"), "cbc:Description", index=0)),
    # R010, R020: electronic addresses
    ("PEPPOL-EN16931-R010", "UBL", False, remove("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID")),
    ("PEPPOL-EN16931-R010", "CII", False, remove(f"{_HEADER_AGREEMENT}/ram:BuyerTradeParty"
                                                 "/ram:URIUniversalCommunication")),
    ("PEPPOL-EN16931-R020", "UBL", False, remove("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID")),
    ("PEPPOL-EN16931-R020", "CII", False, remove(f"{_HEADER_AGREEMENT}/ram:SellerTradeParty"
                                                 "/ram:URIUniversalCommunication")),
    # R040-R046: allowances and charges
    ("PEPPOL-EN16931-R040", "UBL", False, ubl_allowance(amount="5.00", base_amount="100.00", factor="10", reason="95")),
    ("PEPPOL-EN16931-R040", "UBL", True, both(ubl_allowance("true", "9.00", "100.00", "10", parent=_LINE),
                                              set_text(f"{_LINE}/cbc:LineExtensionAmount", "7809.00"))),
    ("PEPPOL-EN16931-R040", "UBL", False, ubl_allowance(amount="abc", base_amount="100.00", factor="10", reason="95")),
    ("PEPPOL-EN16931-R040", "CII", False, cii_allowance(amount="5.00", base_amount="100.00", percent="10",
                                                        reason="95")),
    ("PEPPOL-EN16931-R041", "UBL", False, ubl_allowance(factor="10", reason="95")),
    ("PEPPOL-EN16931-R041", "CII", False, cii_allowance(percent="10", reason="95")),
    ("PEPPOL-EN16931-R042", "UBL", False, ubl_allowance(base_amount="100.00", reason="95")),
    ("PEPPOL-EN16931-R042", "UBL", True, ubl_allowance(base_amount="100.00", reason="95")),
    ("PEPPOL-EN16931-R042", "CII", False, cii_allowance(base_amount="100.00", reason="95")),
    ("PEPPOL-EN16931-R043", "UBL", False, ubl_allowance("yes")),
    ("PEPPOL-EN16931-R043", "UBL", True, ubl_allowance("1")),
    ("PEPPOL-EN16931-R043", "CII", False, cii_gross_price_discount("1")),
    ("PEPPOL-EN16931-R044", "UBL", False, ubl_allowance("true", "10.00", parent=f"{_LINE}/cac:Price")),
    ("PEPPOL-EN16931-R046", "UBL", False, ubl_allowance("false", "10.00", "700.00", parent=f"{_LINE}/cac:Price")),
    ("PEPPOL-EN16931-R046", "UBL", True, ubl_allowance("false", "50.01", "700.00", parent=f"{_LINE}/cac:Price")),
    # R051-R055: currencies and VAT totals
    ("PEPPOL-EN16931-R051", "UBL", False, set_attr(f"{_LINE}/cbc:LineExtensionAmount", "currencyID", "USD")),
    ("PEPPOL-EN16931-R051", "UBL", True, set_attr("cac:TaxTotal/cbc:TaxAmount", "currencyID", "USD")),
    ("PEPPOL-EN16931-R053", "UBL", False, remove("cac:TaxTotal")),
    ("PEPPOL-EN16931-R053", "UBL", True, lambda root: root.insert(list(root).index(find(root, "cac:TaxTotal")),
                                                                  copy.deepcopy(find(root, "cac:TaxTotal")))),
    ("PEPPOL-EN16931-R053", "CII", False, remove(f"{_CII_TOTALS}/ram:TaxTotalAmount")),
    ("PEPPOL-EN16931-R054", "UBL", False, ubl_tax_currency("USD", None)),
    ("PEPPOL-EN16931-R054", "UBL", False, lambda root: el(
        el(root, "cac:TaxTotal", index=list(root).index(find(root, "cac:TaxTotal"))), "cbc:TaxAmount", "100", **_EUR)),
    ("PEPPOL-EN16931-R054", "CII", False, cii_tax_currency("USD", None)),
    ("PEPPOL-EN16931-R055", "UBL", False, ubl_tax_currency("USD", "-100.00")),
    ("PEPPOL-EN16931-R055", "UBL", True, ubl_tax_currency("USD", "-100.00")),
    ("PEPPOL-EN16931-R055", "CII", False, cii_tax_currency("USD", "-100.00")),
    # R061, R080: payment and references
    ("PEPPOL-EN16931-R061", "UBL", False, set_text("cac:PaymentMeans/cbc:PaymentMeansCode", "59")),
    ("PEPPOL-EN16931-R061", "UBL", False, set_text("cac:PaymentMeans/cbc:PaymentMeansCode", " 49 ")),
    ("PEPPOL-EN16931-R061", "CII", False, set_text(f"{_HEADER_SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"
                                                   "/ram:TypeCode", "59")),
    ("PEPPOL-EN16931-R080", "UBL", True, ubl_credit_project(2)),
    ("PEPPOL-EN16931-R080", "CII", False, cii_referenced("ram:SpecifiedProcuringProject", 2)),
    # R100-R130: lines
    ("PEPPOL-EN16931-R100", "UBL", False, ubl_line_reference("130", "130")),
    ("PEPPOL-EN16931-R100", "CII", False, cii_line_reference("130", "130")),
    ("PEPPOL-EN16931-R101", "UBL", False, ubl_line_reference("916")),
    ("PEPPOL-EN16931-R101", "UBL", True, ubl_line_reference("50")),
    ("PEPPOL-EN16931-R101", "CII", False, cii_line_reference("916")),
    ("PEPPOL-EN16931-R110", "UBL", False, ubl_line_period("2025-01-31", "2025-02-28")),
    ("PEPPOL-EN16931-R110", "UBL", True, both(ubl_header_period("2025-02-01", None),
                                              ubl_line_period("2025-01-31", None))),
    ("PEPPOL-EN16931-R110", "CII", False, cii_line_period("20250131", "20250228")),
    ("PEPPOL-EN16931-R111", "UBL", False, ubl_line_period("2025-02-01", "2025-03-01")),
    ("PEPPOL-EN16931-R111", "CII", False, cii_line_period(None, "20250301")),
    ("PEPPOL-EN16931-R120", "UBL", False, set_text(f"{_LINE}/cbc:LineExtensionAmount", "7800.03")),
    ("PEPPOL-EN16931-R120", "UBL", True, set_text(f"{_LINE}/cbc:LineExtensionAmount", "7799.97")),
    ("PEPPOL-EN16931-R120", "UBL", False, ubl_allowance("false", "100.00", parent=_LINE)),
    ("PEPPOL-EN16931-R120", "UBL", False, ubl_base_quantity("2", "DAY")),
    ("PEPPOL-EN16931-R120", "UBL", False, set_text(f"{_LINE}/cac:Price/cbc:PriceAmount", "6.5E2")),
    ("PEPPOL-EN16931-R120", "CII", False, set_text(f"{_CII_LINE}/ram:SpecifiedLineTradeSettlement"
                                                   "/ram:SpecifiedTradeSettlementLineMonetarySummation"
                                                   "/ram:LineTotalAmount", "7800.05")),
    ("PEPPOL-EN16931-R120", "CII", False, cii_base_quantity("10", "DAY")),
    ("PEPPOL-EN16931-R121", "UBL", False, ubl_base_quantity("0", "DAY")),
    ("PEPPOL-EN16931-R121", "UBL", True, ubl_base_quantity("-1", "DAY")),
    ("PEPPOL-EN16931-R121", "CII", False, cii_base_quantity("0", "DAY")),
    ("PEPPOL-EN16931-R130", "UBL", False, ubl_base_quantity("1", "C62")),
    ("PEPPOL-EN16931-R130", "UBL", True, ubl_base_quantity("1", "HUR")),
    ("PEPPOL-EN16931-R130", "CII", False, cii_base_quantity("1", "C62")),
    # CL001-CL008: code lists
    ("PEPPOL-EN16931-CL001", "UBL", False, ubl_attachment("application/zip")),
    ("PEPPOL-EN16931-CL001", "CII", False, cii_attachment("application/zip")),
    ("PEPPOL-EN16931-CL002", "UBL", False, ubl_allowance(reason="999")),
    ("PEPPOL-EN16931-CL002", "CII", False, cii_allowance(reason="999")),
    ("PEPPOL-EN16931-CL003", "UBL", False, ubl_allowance("true", reason="XYZ")),
    ("PEPPOL-EN16931-CL003", "CII", False, cii_allowance("true", reason="95")),
    ("PEPPOL-EN16931-CL006", "UBL", False, lambda root: el(find(root, "cac:InvoicePeriod"), "cbc:DescriptionCode",
                                                           "999")),
    ("PEPPOL-EN16931-CL007", "UBL", False, ubl_tax_currency("USD", "100.00", "XYZ")),
    ("PEPPOL-EN16931-CL007", "CII", False, cii_tax_currency("XYZ", "100.00")),
    ("PEPPOL-EN16931-CL008", "UBL", False, set_attr("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", "schemeID",
                                                    "0000")),
    ("PEPPOL-EN16931-CL008", "CII", False, set_attr(f"{_HEADER_AGREEMENT}/ram:BuyerTradeParty"
                                                    "/ram:URIUniversalCommunication/ram:URIID", "schemeID", "SMTP")),
    ("PEPPOL-EN16931-CL008", "CII", False, lambda root: find(root, f"{_HEADER_AGREEMENT}/ram:BuyerTradeParty"
                                                         "/ram:URIUniversalCommunication/ram:URIID").attrib.clear()),
    # F001: dates
    ("PEPPOL-EN16931-F001", "UBL", False, set_text("cbc:IssueDate", "2025-3-14")),
    ("PEPPOL-EN16931-F001", "UBL", False, set_text("cbc:DueDate", "2025-02-30")),
    ("PEPPOL-EN16931-F001", "UBL", True, set_text("cbc:IssueDate", "14.03.2025")),
    ("PEPPOL-EN16931-F001", "CII", False, set_text("rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString",
                                                   "2025-03-14")),
    ("PEPPOL-EN16931-F001", "CII", False, set_attr("rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString",
                                                   "format", "610")),
    # P0100-P0112: type codes and exemption reasons
    ("PEPPOL-EN16931-P0100", "UBL", False, set_text("cbc:InvoiceTypeCode", "389")),
    ("PEPPOL-EN16931-P0100", "CII", False, set_text("rsm:ExchangedDocument/ram:TypeCode", "389")),
    ("PEPPOL-EN16931-P0101", "UBL", True, set_text("cbc:CreditNoteTypeCode", "502")),
    ("PEPPOL-EN16931-P0104", "UBL", False, ubl_exemption("VATEX-EU-G")),
    ("PEPPOL-EN16931-P0104", "UBL", True, ubl_exemption("vatex-eu-g")),
    ("PEPPOL-EN16931-P0105", "UBL", False, ubl_exemption("VATEX-EU-O")),
    ("PEPPOL-EN16931-P0106", "UBL", False, ubl_exemption("VATEX-EU-IC")),
    ("PEPPOL-EN16931-P0107", "UBL", False, ubl_exemption("VATEX-EU-AE")),
    ("PEPPOL-EN16931-P0108", "UBL", False, ubl_exemption("VATEX-EU-D")),
    ("PEPPOL-EN16931-P0109", "UBL", False, ubl_exemption("VATEX-EU-F")),
    ("PEPPOL-EN16931-P0110", "UBL", False, ubl_exemption("VATEX-EU-I")),
    ("PEPPOL-EN16931-P0111", "UBL", False, ubl_exemption("Vatex-EU-J")),
    ("PEPPOL-EN16931-P0112", "UBL", False, set_text("cbc:InvoiceTypeCode", "384")),
    ("PEPPOL-EN16931-P0112", "UBL", False, set_text("cbc:InvoiceTypeCode", "326")),
    # PEPPOL-COMMON: identifiers by scheme
    ("PEPPOL-COMMON-R040", "UBL", False, ubl_party_id("Supplier", "0088", "7350000001205")),
    ("PEPPOL-COMMON-R040", "UBL", False, ubl_party_id("Customer", "0088", "735000000120", "party")),
    ("PEPPOL-COMMON-R040", "CII", False, cii_party_id("Seller", "0088", "7350000001205", "party")),
    ("PEPPOL-COMMON-R041", "UBL", False, ubl_party_id("Supplier", "0192", "988077918")),
    ("PEPPOL-COMMON-R041", "UBL", True, ubl_party_id("Customer", "0192", "988 077 917", "legal")),
    ("PEPPOL-COMMON-R041", "CII", False, cii_party_id("Buyer", "0192", "NO988077917")),
    ("PEPPOL-COMMON-R042", "UBL", False, ubl_party_id("Supplier", "0184", "12345678")),
    ("PEPPOL-COMMON-R042", "CII", False, cii_party_id("Seller", "0184", "DK1234567", "legal")),
    ("PEPPOL-COMMON-R043", "UBL", False, ubl_party_id("Supplier", "0208", "0403019262")),
    ("PEPPOL-COMMON-R043", "UBL", False, ubl_party_id("Supplier", "0208", "403019261")),
    ("PEPPOL-COMMON-R043", "UBL", False, ubl_party_id("Customer", "0208", "BE0403019261", "party")),
    ("PEPPOL-COMMON-R043", "CII", False, cii_party_id("Buyer", "0208", "2403019261")),
    ("PEPPOL-COMMON-R044", "UBL", False, ubl_party_id("Customer", "0201", "UF6WX")),
    ("PEPPOL-COMMON-R044", "CII", False, cii_party_id("Buyer", "0201", "UF6-X8")),
    ("PEPPOL-COMMON-R045", "UBL", False, ubl_party_id("Customer", "0210", "RCCMNL83S18D969X", "party")),
    ("PEPPOL-COMMON-R045", "CII", False, cii_party_id("Buyer", "0210", "RCCMNL83S18D969", "legal")),
    ("PEPPOL-COMMON-R046", "UBL", False, ubl_party_id("Customer", "9907", "RCCMNL83S18D969X"),
     ("PEPPOL-EN16931-CL008",)),
    ("PEPPOL-COMMON-R046", "CII", False, cii_ship_to_endpoint("9907", "RCCMNL83S18D969X")),
    ("PEPPOL-COMMON-R047", "UBL", False, ubl_party_id("Customer", "0211", "00743110158")),
    ("PEPPOL-COMMON-R047", "CII", False, cii_party_id("Seller", "0211", "IT 00743110157", "legal")),
    ("PEPPOL-COMMON-R048", "CII", False, cii_ship_to_endpoint("9906", "0074311015")),
    ("PEPPOL-COMMON-R049", "UBL", False, ubl_party_id("Supplier", "0007", "1234567890")),
    ("PEPPOL-COMMON-R049", "UBL", False, ubl_party_id("Supplier", "0007", "123456-7897", "legal")),
    ("PEPPOL-COMMON-R049", "CII", False, cii_party_id("Seller", "0007", "5566778898")),
    ("PEPPOL-COMMON-R050", "UBL", False, ubl_party_id("Customer", "0151", "83914571672")),
    ("PEPPOL-COMMON-R050", "UBL", False, ubl_party_id("Customer", "0151", "83 914 571 673")),
    ("PEPPOL-COMMON-R050", "CII", False, cii_party_id("Buyer", "0151", "83914571672", "party")),
]


# ----------------------------------------------------------------------------------------- what must not fire


def _de_parties(root: etree._Element) -> None:
    """Seller and buyer German (their VAT identifiers, which give $supplierCountry / $customerCountry)."""
    for party, vat in (("Supplier", "DE123456789"), ("Customer", "DE987654321")):
        find(root, f"cac:Accounting{party}Party/cac:Party/cac:PartyTaxScheme/cbc:CompanyID").text = vat


KEPT: list[tuple[str, str, bool, Change, str]] = [
    # (what, syntax, credit note?, edit, the rule it must not fire)
    ("two notes between German parties", "UBL", False, both(_de_parties, CASES[3][3]), "PEPPOL-EN16931-R002"),
    ("corrected invoice 384 between German parties", "UBL", False,
     both(_de_parties, set_text("cbc:InvoiceTypeCode", "384")), "PEPPOL-EN16931-P0112"),
    ("order reference without buyer reference", "UBL", False, remove("cbc:BuyerReference"), "PEPPOL-EN16931-R003"),
    ("order reference without buyer reference", "CII", False, remove(f"{_HEADER_AGREEMENT}/ram:BuyerReference"),
     "PEPPOL-EN16931-R003"),
    ("process 03", "UBL", False, set_text("cbc:ProfileID", "urn:fdc:peppol.eu:2017:poacc:billing:03:1.0"),
     "PEPPOL-EN16931-R007"),
    ("allowance amount off by 0.02", "UBL", False, ubl_allowance(amount="10.02", base_amount="100.00", factor="10"),
     "PEPPOL-EN16931-R040"),
    ("allowance amount exact", "CII", False, cii_allowance(amount="12.50", base_amount="125.00", percent="10"),
     "PEPPOL-EN16931-R040"),
    ("line net amount off by 0.02", "UBL", False, set_text(f"{_LINE}/cbc:LineExtensionAmount", "7800.02"),
     "PEPPOL-EN16931-R120"),
    ("line net amount with base quantity and allowance", "UBL", False,
     both(ubl_base_quantity("2", "DAY"), ubl_allowance("false", "100.00", parent=_LINE),
          set_text(f"{_LINE}/cbc:LineExtensionAmount", "3800.00")), "PEPPOL-EN16931-R120"),
    ("line net amount with a charge", "CII", False, both(
        lambda root: el(el(find(root, f"{_CII_LINE}/ram:SpecifiedLineTradeSettlement"),
                           "ram:SpecifiedTradeAllowanceCharge", index=1), "ram:ActualAmount", "20.00").getparent()
        .insert(0, _indicator("true")),
        set_text(f"{_CII_LINE}/ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation"
                 "/ram:LineTotalAmount", "7820.00")), "PEPPOL-EN16931-R120"),
    ("line net amount with a charge, indicator 1 (xs:boolean)", "CII", False, both(
        lambda root: el(el(find(root, f"{_CII_LINE}/ram:SpecifiedLineTradeSettlement"),
                           "ram:SpecifiedTradeAllowanceCharge", index=1), "ram:ActualAmount", "20.00").getparent()
        .insert(0, _indicator("1")),
        set_text(f"{_CII_LINE}/ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation"
                 "/ram:LineTotalAmount", "7820.00")), "PEPPOL-EN16931-R120"),
    ("net price = gross price - discount", "UBL", False,
     ubl_allowance("false", "50.00", "700.00", parent=f"{_LINE}/cac:Price"), "PEPPOL-EN16931-R046"),
    ("line period within the invoice period", "UBL", False, ubl_line_period("2025-02-01", "2025-02-28"),
     "PEPPOL-EN16931-R110"),
    ("line period without an invoice period", "UBL", True, ubl_line_period("2024-01-01", "2024-12-31"),
     "PEPPOL-EN16931-R111"),
    ("accounting currency, both totals positive", "UBL", False, ubl_tax_currency("USD", "2010.00"),
     "PEPPOL-EN16931-R055"),
    ("direct debit with a mandate", "UBL", False, both(set_text("cac:PaymentMeans/cbc:PaymentMeansCode", "59"),
                                                       lambda root: el(el(find(root, "cac:PaymentMeans"),
                                                                          "cac:PaymentMandate"), "cbc:ID", "M-1")),
     "PEPPOL-EN16931-R061"),
    ("one project reference", "UBL", True, ubl_credit_project(1), "PEPPOL-EN16931-R080"),
    ("base quantity in the invoiced unit", "CII", False, cii_base_quantity("1", "DAY"), "PEPPOL-EN16931-R130"),
]


def _indicator(value: str) -> etree._Element:
    indicator = etree.Element(f"{{{NS['ram']}}}ChargeIndicator")
    etree.SubElement(indicator, f"{{{NS['udt']}}}Indicator").text = value
    return indicator


@pytest.mark.parametrize(("what", "syntax", "credit", "change", "rule"), KEPT, ids=[k[0] + " " + k[1] for k in KEPT])
def test_rule_holds_where_its_statement_allows(what: str, syntax: str, credit: bool, change: Change, rule: str) -> None:
    assert rule not in fired(edit(base(syntax, credit), change))


def _findings(xml: bytes, rule: str) -> list[Finding]:
    root = etree.fromstring(xml)
    syntax = "CII" if root.tag.endswith("CrossIndustryInvoice") else "UBL"
    return [f for f in run_peppol(root, syntax) if f.rule == rule]


def test_a_value_that_is_not_a_number_is_a_finding_naming_the_term() -> None:
    """The rules run on what the XSD let through (an XSD error stops them), but never raise on a value
    they cannot compute with: the finding says which term could not be read."""
    xml = edit(base("UBL"), ubl_allowance(amount="1e3", base_amount="100.00", factor="10", reason="95"))
    (finding,) = _findings(xml, "PEPPOL-EN16931-R040")
    assert "not evaluable" in finding.message and "'1e3' is not a decimal number" in finding.message
    assert finding.location.endswith("cac:AllowanceCharge") and finding.line
    for value in ("NaN", "Infinity", "", "١٢", "12 12"):
        xml = edit(base("CII"), set_text(f"{_CII_LINE}/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", value))
        (finding,) = _findings(xml, "PEPPOL-EN16931-R120")
        assert "BT-129 (invoiced quantity)" in finding.message
    for value in ("9" * 30 + ".5", "1" * 5000):  # numbers, however long: computed, and found wrong
        xml = edit(base("UBL"), set_text(f"{_LINE}/cac:Price/cbc:PriceAmount", value))
        (finding,) = _findings(xml, "PEPPOL-EN16931-R120")
        assert "not evaluable" not in finding.message


def test_a_line_date_that_is_not_a_date_says_so() -> None:
    xml = edit(base("UBL"), ubl_line_period("2025-02-31", None))
    assert set(fired(xml)) == {"PEPPOL-EN16931-F001", "PEPPOL-EN16931-R110"}
    (finding,) = _findings(xml, "PEPPOL-EN16931-R110")
    assert "BT-134 '2025-02-31' is not a date" in finding.message


def test_common_rule_warnings_stay_warnings() -> None:
    xml = edit(base("UBL"), ubl_party_id("Customer", "0201", "UF6WX"))
    report = fx.validate(xml)
    assert [(f.rule, f.severity) for f in report.findings] == [("PEPPOL-COMMON-R044", "warning")]
    assert report.valid


@pytest.mark.parametrize(("scheme", "value", "valid"), [
    ("0088", "7350000001204", True), ("0088", "17350053850016", False), ("0088", "7350000001205", False),
    ("0192", "988077917", True), ("0192", "988 077 917", False), ("0192", "988077918", False),
    ("0184", "DK12345678", True), ("0184", "12345678", False), ("0184", "dk12345678", False),
    ("0208", "0403019261", True), ("0208", "403019261", False), ("0208", "BE0403019261", False),
    ("0208", "0403.019.261", False),
    ("0201", "UF6WX8", True), ("0201", "uf6wx8", True), ("0201", "UF6WX80", False),
    ("0210", "RCCMNL83S18D969H", True), ("0210", "00743110157", True), ("0210", "RCCMNL83S18D969A", False),
    ("9907", "RCCMNL83S18D969H", True),
    ("0211", "00743110157", True), ("0211", "IT00743110157", True), ("0211", "IT 00743110157", False),
    ("9906", "00743110157", True), ("9906", "00743110158", False),
    ("0007", "5566778899", True), ("0007", "556677-8899", False), ("0007", "1234567890", False),
    ("0151", "83914571673", True), ("0151", "83 914 571 673", False), ("0151", "83914571672", False),
    ("0151", " 83914571673 ", True), ("9999", "anything", True),
])
def test_identifier_formats(scheme: str, value: str, valid: bool) -> None:
    assert valid_identifier(scheme, value) is valid


# ----------------------------------------------------------------------------------------- the shared corpus


def _peppol_corpus() -> list[str]:
    index = CORPUS / "INDEX.tsv"
    if not index.is_file():
        return []
    with index.open(encoding="utf-8", newline="") as handle:
        return [row["file"] for row in csv.DictReader(handle, delimiter="\t") if "peppol" in row["profile"]]


_DUMMY_SWEDISH_ORGNR = (
    "CEN test file with Swedish organisation numbers (scheme 0007) 1234567890, 1234512345 or 9876543210, whose "
    "last digit is not their Luhn check digit (7, 9 and 7 would be): PEPPOL-COMMON-R049 (fatal). The corpus "
    "labels them valid from the CEN rules they were written for; Peppol's rules ask the check digit.")

_SE_R_013 = ("ubl/cen-tf__Invoice-Max_content.xml", "ubl/cen-tf__Invoice-Min_content_without_VAT.xml",
             "ubl/cen-tf__CreditNote-Max_content.xml", "ubl/cen-tf__CreditNote-Min_content_without_VAT.xml")
"""Of those, the files whose Swedish seller's legal id 1234567890 also breaks the national SE-R-013 (same Luhn check)."""

PEPPOL_INVALID: dict[str, tuple[frozenset[str], str]] = {
    name: (frozenset({"PEPPOL-COMMON-R049", *(("SE-R-013",) if name in _SE_R_013 else ())}), _DUMMY_SWEDISH_ORGNR)
    for name in (
        "ubl/cen-tf__CreditNote-Max_content.xml", "ubl/cen-tf__CreditNote-Min_content_with_VAT.xml",
        "ubl/cen-tf__CreditNote-Min_content_without_VAT.xml", "ubl/cen-tf__Invoice-Max_content.xml",
        "ubl/cen-tf__Invoice-Min_content_with_VAT.xml", "ubl/cen-tf__Invoice-Min_content_without_VAT.xml",
        "ubl/cen__issue116.xml")
}
"""Peppol documents of the corpus that break a Peppol rule in the file itself: the exact fatal rules, and why."""


@pytest.mark.skipif(not (CORPUS / "INDEX.tsv").is_file(), reason=(
    f"!!! SHARED CORPUS FOLDER MISSING: {CORPUS} (expected ../shared/corpus next to the repository) -- "
    "PEPPOL CORPUS TEST SKIPPED !!!"))
@pytest.mark.parametrize("name", _peppol_corpus() or ["(no corpus)"])
def test_peppol_corpus_documents(name: str) -> None:
    """Every Peppol document of the corpus passes the CEN and Peppol rules, but for the rules a file breaks
    itself (:data:`PEPPOL_INVALID`, each with its reason)."""
    assert len(_peppol_corpus()) == 10
    report = fx.validate((CORPUS / name).read_bytes())
    assert [use.key for use in report.rule_sets][-1] == "peppol"
    expected, _reason = PEPPOL_INVALID.get(name, (frozenset(), ""))
    assert {f.rule for f in report.errors} == expected, str(report)
    assert report.valid is not expected


# ----------------------------------------------------------------------------------------- the rule list

SPEC = CORPUS.parent / "spec" / "peppol-rules.tsv"


@pytest.mark.skipif(not SPEC.is_file(), reason=f"!!! {SPEC} missing (../shared/spec next to the repository) !!!")
def test_rules_are_those_of_the_rule_list() -> None:
    """Every PEPPOL-EN16931 and PEPPOL-COMMON rule of the BIS 3.0.19 list, with its flag and statement, is
    checked in each syntax the list gives it a context in (and no other)."""
    from facturx_engine.validation.peppol import RULES
    with SPEC.open(encoding="utf-8", newline="") as handle:
        listed = {row["id"]: row for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
                  if row["id"].startswith(("PEPPOL-EN16931-", "PEPPOL-COMMON-"))}
    ours = {rule.id: rule for rule in RULES if rule.id.startswith(("PEPPOL-EN16931-", "PEPPOL-COMMON-"))}
    assert sorted(ours) == sorted(listed)
    for rule_id, row in listed.items():
        rule = ours[rule_id]
        assert (rule.flag, " ".join(rule.message.split())) == (row["flag"], " ".join(row["statement"].split())), rule_id
        assert (rule.ubl is not None, rule.cii is not None) == (bool(row["ubl_context"]), bool(row["cii_context"])), rule_id
