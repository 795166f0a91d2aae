"""The PEPPOL-EN16931-R* rules of Peppol BIS Billing 3.0 (document-level restrictions on EN 16931).

Each rule is written from its statement in the public BIS 3.0.19 rule list and the context element the
list gives per syntax (a Schematron context matches anywhere in the document: ``cbc:X`` becomes
``//cbc:X`` here). The arithmetic rules (R040, R120) compare in Decimal with the rounding tolerance
of 0.02 the BIS rules allow; R046 compares exactly. A value that is not a number or a date makes the
rule fail with a note saying which business term could not be read (see :mod:`.values`).

The code-list, date-format and type-code rules (CL*, F001, P01*) are in :mod:`.rules_codes`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, localcontext

from lxml import etree

from facturx_engine.validation.peppol.engine import Check, Doc, Rule
from facturx_engine.validation.peppol.values import (
    date_of, decimal_of, elements, first, normalized, optional_decimal, text_of)

__all__ = ["RULES"]

_UBL_ROOT = "/ubl-invoice:Invoice | /ubl-creditnote:CreditNote"
_CII_CONTEXT = "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext"
_CII_AGREEMENT = "//ram:ApplicableHeaderTradeAgreement"
_CII_SETTLEMENT = "//ram:ApplicableHeaderTradeSettlement"
_UBL_LINES = "//cac:InvoiceLine | //cac:CreditNoteLine"
_CII_LINES = "//ram:IncludedSupplyChainTradeLineItem"
_SPEC = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
_PROCESS_RE = re.compile(r"urn:fdc:peppol\.eu:2017:poacc:billing:[0-9]{2}:1\.0")
_BOTH_DE = "($supplierCountry = 'DE' and $customerCountry = 'DE')"
_TOLERANCE = Decimal("0.02")
_BOOLEAN = {"true": True, "1": True, "false": False, "0": False}  # xs:boolean (R043 asks 'true' / 'false')
_CII_TOTALS = "ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:TaxTotalAmount"


def _ubl_allowances(condition: str = "") -> str:
    """The UBL document- and line-level allowances/charges (not those of a price), optionally filtered."""
    return " | ".join(f"{root}{line}/cac:AllowanceCharge{condition}"
                      for root in ("/ubl-invoice:Invoice", "/ubl-creditnote:CreditNote")
                      for line in ("", "/cac:InvoiceLine" if "invoice" in root else "/cac:CreditNoteLine"))


def _ubl_line_period(side: str) -> str:
    """The line period's start (``side="Start"``) or end date of a UBL document stating that invoice period date."""
    return " | ".join(f"/{root}[cac:InvoicePeriod/cbc:{side}Date]/cac:{line}/cac:InvoicePeriod/cbc:{side}Date"
                      for root, line in (("ubl-invoice:Invoice", "InvoiceLine"), ("ubl-creditnote:CreditNote",
                                                                                    "CreditNoteLine")))


def _cii_line_period(side: str) -> str:
    """As :func:`_ubl_line_period`, in CII."""
    return (f"/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction[ram:ApplicableHeaderTradeSettlement"
            f"/ram:BillingSpecifiedPeriod/ram:{side}DateTime]/ram:IncludedSupplyChainTradeLineItem"
            f"/ram:SpecifiedLineTradeSettlement/ram:BillingSpecifiedPeriod/ram:{side}DateTime")


# ----------------------------------------------------------------------------------------- tests


def _process_format(node: etree._Element, doc: Doc) -> bool:
    path = "cbc:ProfileID" if doc.syntax == "UBL" else "ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"
    process = first(node, path)
    return process is None or _PROCESS_RE.fullmatch(normalized(process.text)) is not None


def _percentage_amount(node: etree._Element, doc: Doc) -> bool:
    """R040: amount = base amount * percentage / 100 (within 0.02) when both are given."""
    if doc.syntax == "UBL":
        paths = ("cbc:Amount", "cbc:BaseAmount", "cbc:MultiplierFactorNumeric")
    else:
        paths = ("ram:ActualAmount", "ram:BasisAmount", "ram:CalculationPercent")
    if first(node, paths[1]) is None or first(node, paths[2]) is None:
        return True
    amount = decimal_of(node, paths[0], "BT-92/BT-99/BT-136/BT-141 (allowance/charge amount)")
    base = decimal_of(node, paths[1], "BT-93/BT-100/BT-137/BT-142 (base amount)")
    percent = decimal_of(node, paths[2], "BT-94/BT-101/BT-138/BT-143 (percentage)")
    with localcontext() as context:
        context.prec = 60
        return abs(amount - base * percent / 100) <= _TOLERANCE


def _net_price(node: etree._Element, doc: Doc) -> bool:
    """R046: item net price = gross price - price discount, when the gross price is given."""
    if first(node, "cbc:BaseAmount") is None:
        return True
    gross = decimal_of(node, "cbc:BaseAmount", "BT-148 (item gross price)")
    discount = decimal_of(node, "cbc:Amount", "BT-147 (item price discount)")
    net = decimal_of(node, "../cbc:PriceAmount", "BT-146 (item net price)")
    with localcontext() as context:
        context.prec = 60
        return net == gross - discount


def _tax_totals(node: etree._Element, doc: Doc) -> tuple[Decimal | None, Decimal | None]:
    """(invoice total VAT amount BT-110, the same in accounting currency BT-111) when a tax currency is given."""
    if doc.syntax == "UBL":
        if first(node, "cbc:TaxCurrencyCode") is None:
            return None, None
        return (optional_decimal(node, "cac:TaxTotal[cac:TaxSubtotal]/cbc:TaxAmount", "BT-110"),
                optional_decimal(node, "cac:TaxTotal[not(cac:TaxSubtotal)]/cbc:TaxAmount", "BT-111"))
    if first(node, "ram:TaxCurrencyCode") is None:
        return None, None
    return (optional_decimal(node, f"{_CII_TOTALS}[@currencyID = normalize-space(../../ram:InvoiceCurrencyCode)]",
                             "BT-110"),
            optional_decimal(node, f"{_CII_TOTALS}[@currencyID = normalize-space(../../ram:TaxCurrencyCode)]",
                             "BT-111"))


def _same_sign(node: etree._Element, doc: Doc) -> bool:
    """R055: BT-110 and BT-111 are both negative or both not, when both are given."""
    invoice, accounting = _tax_totals(node, doc)
    return invoice is None or accounting is None or (invoice < 0) == (accounting < 0)


def _line_date(side: str) -> Callable[[etree._Element, Doc], bool]:
    """R110 (``side="start"``) / R111 (``"end"``): the line period date is within the invoice period."""
    def test(node: etree._Element, doc: Doc) -> bool:
        if doc.syntax == "UBL":
            header = first(node, f"/*/cac:InvoicePeriod/cbc:{side.title()}Date")
        else:
            header = first(node, "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeader"
                                 f"TradeSettlement/ram:BillingSpecifiedPeriod/ram:{side.title()}DateTime")
        if header is None:
            return True
        terms = ("BT-134", "BT-73") if side == "start" else ("BT-135", "BT-74")
        line, invoice = date_of(node, terms[0]), date_of(header, terms[1])
        return line >= invoice if side == "start" else line <= invoice
    return test


def _line_amounts(syntax: str) -> tuple[str, ...]:
    """Where a line states (net amount, quantity, net price, base quantity, its allowances/charges) and
    where an allowance/charge states (its indicator, its amount)."""
    if syntax == "UBL":
        return ("cbc:LineExtensionAmount", "cbc:InvoicedQuantity | cbc:CreditedQuantity", "cac:Price/cbc:PriceAmount",
                "cac:Price/cbc:BaseQuantity", "cac:AllowanceCharge", "cbc:ChargeIndicator", "cbc:Amount")
    return ("ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
            "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity",
            "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount",
            "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:BasisQuantity",
            "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge", "ram:ChargeIndicator/udt:Indicator",
            "ram:ActualAmount")


def _line_net_amount(node: etree._Element, doc: Doc) -> bool:
    """R120: line net amount = quantity * (net price / base quantity) + line charges - line allowances
    (within 0.02). A base quantity that is not above zero is R121's finding: R120 is not computed then."""
    net, quantity, price, base, allowances, indicator, amount = _line_amounts(doc.syntax)
    base_quantity = optional_decimal(node, base, "BT-149 (item price base quantity)")
    if base_quantity is not None and base_quantity <= 0:
        return True
    with localcontext() as context:
        context.prec = 60
        expected = decimal_of(node, quantity, "BT-129 (invoiced quantity)") * decimal_of(
            node, price, "BT-146 (item net price)") / (base_quantity or Decimal(1))
        for allowance in elements(node, allowances):
            flag = _BOOLEAN.get(text_of(allowance, indicator))
            if flag is None:
                raise ValueError(f"line allowance/charge indicator {text_of(allowance, indicator)[:20]!r} is not a "
                                 "boolean")
            value = decimal_of(allowance, amount, "BT-136/BT-141 (line allowance/charge amount)")
            expected += value if flag else -value
        return abs(decimal_of(node, net, "BT-131 (invoice line net amount)") - expected) <= _TOLERANCE


# ----------------------------------------------------------------------------------------- rules

RULES: tuple[Rule, ...] = (
    Rule("PEPPOL-EN16931-R001", "fatal", "Business process MUST be provided.",
         ubl=Check(_UBL_ROOT, "cbc:ProfileID"),
         cii=Check(_CII_CONTEXT, "ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"),
         bt_ids=("BT-23",)),
    Rule("PEPPOL-EN16931-R002", "fatal",
         "No more than one note is allowed on document level, unless both the buyer and seller are German "
         "organizations.",
         ubl=Check(_UBL_ROOT, f"count(cbc:Note) <= 1 or {_BOTH_DE}"),
         cii=Check("/rsm:CrossIndustryInvoice/rsm:ExchangedDocument", f"count(ram:IncludedNote) <= 1 or {_BOTH_DE}"),
         bt_ids=("BG-1", "BT-22")),
    Rule("PEPPOL-EN16931-R003", "fatal", "A buyer reference or purchase order reference MUST be provided.",
         ubl=Check(_UBL_ROOT, "cbc:BuyerReference or cac:OrderReference/cbc:ID"),
         cii=Check(_CII_AGREEMENT, "ram:BuyerReference or ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
         bt_ids=("BT-10", "BT-13")),
    Rule("PEPPOL-EN16931-R004", "fatal",
         f"Specification identifier MUST have the value '{_SPEC}'.",
         ubl=Check(_UBL_ROOT, f"starts-with(normalize-space(cbc:CustomizationID/text()), '{_SPEC}')"),
         cii=Check(_CII_CONTEXT, "starts-with(normalize-space(ram:GuidelineSpecifiedDocumentContextParameter"
                                 f"/ram:ID/text()), '{_SPEC}')"),
         bt_ids=("BT-24",)),
    Rule("PEPPOL-EN16931-R005", "fatal",
         "VAT accounting currency code MUST be different from invoice currency code when provided.",
         ubl=Check("/*/cbc:TaxCurrencyCode", "normalize-space(.) != normalize-space(../cbc:DocumentCurrencyCode)"),
         cii=Check(_CII_SETTLEMENT, "not(ram:TaxCurrencyCode) or "
                                    "normalize-space(ram:TaxCurrencyCode) != normalize-space(ram:InvoiceCurrencyCode)"),
         bt_ids=("BT-5", "BT-6")),
    Rule("PEPPOL-EN16931-R006", "fatal", "Only one invoiced object is allowed on document level",
         cii=Check(_CII_AGREEMENT,
                   "count(ram:AdditionalReferencedDocument[normalize-space(ram:TypeCode) = '130']) <= 1"),
         bt_ids=("BT-18",)),
    Rule("PEPPOL-EN16931-R007", "fatal",
         "Business process MUST be in the format 'urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0' where NN indicates "
         "the process number.",
         ubl=Check(_UBL_ROOT, _process_format), cii=Check(_CII_CONTEXT, _process_format), bt_ids=("BT-23",)),
    Rule("PEPPOL-EN16931-R008", "fatal", "Document MUST not contain empty elements.",
         ubl=Check("//*[not(*) and not(normalize-space())]", "false()")),
    Rule("PEPPOL-EN16931-R010", "fatal", "Buyer electronic address MUST be provided",
         ubl=Check("/*/cac:AccountingCustomerParty/cac:Party", "cbc:EndpointID"),
         cii=Check("//ram:BuyerTradeParty", "ram:URIUniversalCommunication/ram:URIID"), bt_ids=("BT-49",)),
    Rule("PEPPOL-EN16931-R020", "fatal", "Seller electronic address MUST be provided",
         ubl=Check("/*/cac:AccountingSupplierParty/cac:Party", "cbc:EndpointID"),
         cii=Check("//ram:SellerTradeParty", "ram:URIUniversalCommunication/ram:URIID"), bt_ids=("BT-34",)),
    Rule("PEPPOL-EN16931-R040", "fatal",
         "Allowance/charge amount must equal base amount * percentage/100 if base amount and percentage exists",
         ubl=Check(_ubl_allowances(), _percentage_amount),
         cii=Check("//ram:SpecifiedTradeAllowanceCharge", _percentage_amount),
         bt_ids=("BT-92", "BT-93", "BT-94", "BT-99", "BT-100", "BT-101")),
    Rule("PEPPOL-EN16931-R041", "fatal",
         "Allowance/charge base amount MUST be provided when allowance/charge percentage is provided.",
         ubl=Check(_ubl_allowances("[cbc:MultiplierFactorNumeric and not(cbc:BaseAmount)]"), "false()"),
         cii=Check("//ram:SpecifiedTradeAllowanceCharge[ram:CalculationPercent and not(ram:BasisAmount)]", "false()"),
         bt_ids=("BT-93", "BT-94", "BT-100", "BT-101")),
    Rule("PEPPOL-EN16931-R042", "fatal",
         "Allowance/charge percentage MUST be provided when allowance/charge base amount is provided.",
         ubl=Check(_ubl_allowances("[not(cbc:MultiplierFactorNumeric) and cbc:BaseAmount]"), "false()"),
         cii=Check("//ram:SpecifiedTradeAllowanceCharge[not(ram:CalculationPercent) and ram:BasisAmount]", "false()"),
         bt_ids=("BT-93", "BT-94", "BT-100", "BT-101")),
    Rule("PEPPOL-EN16931-R043", "fatal", "Allowance/charge ChargeIndicator value MUST equal 'true' or 'false'",
         ubl=Check(_ubl_allowances(), "normalize-space(cbc:ChargeIndicator) = 'true' or "
                                      "normalize-space(cbc:ChargeIndicator) = 'false'"),
         cii=Check("//ram:AppliedTradeAllowanceCharge",
                   "normalize-space(ram:ChargeIndicator/udt:Indicator) = 'true' or "
                   "normalize-space(ram:ChargeIndicator/udt:Indicator) = 'false'"),
         bt_ids=("BG-20", "BG-21", "BG-27", "BG-28")),
    Rule("PEPPOL-EN16931-R044", "fatal", "Charge on price level is NOT allowed. Only value 'false' allowed.",
         ubl=Check("//cac:Price/cac:AllowanceCharge", "normalize-space(cbc:ChargeIndicator) = 'false'"),
         bt_ids=("BT-147",)),
    Rule("PEPPOL-EN16931-R046", "fatal",
         "Item net price MUST equal (Gross price - Allowance amount) when gross price is provided.",
         ubl=Check("//cac:Price/cac:AllowanceCharge", _net_price), bt_ids=("BT-146", "BT-147", "BT-148")),
    Rule("PEPPOL-EN16931-R051", "fatal",
         "All currencyID attributes must have the same value as the invoice currency code (BT-5), except for the "
         "invoice total VAT amount in accounting currency (BT-111).",
         ubl=Check(" | ".join(f"//{amount}" for amount in (
             "cbc:Amount", "cbc:BaseAmount", "cbc:PriceAmount", "cac:TaxTotal[cac:TaxSubtotal]/cbc:TaxAmount",
             "cac:TaxSubtotal/cbc:TaxAmount", "cbc:TaxableAmount", "cbc:LineExtensionAmount", "cbc:TaxExclusiveAmount",
             "cbc:TaxInclusiveAmount", "cbc:AllowanceTotalAmount", "cbc:ChargeTotalAmount", "cbc:PrepaidAmount",
             "cbc:PayableRoundingAmount", "cbc:PayableAmount")),
             "@currencyID = normalize-space(/*/cbc:DocumentCurrencyCode)"),
         bt_ids=("BT-5", "BT-111")),
    Rule("PEPPOL-EN16931-R053", "fatal", "Only one tax total with tax subtotals MUST be provided.",
         ubl=Check(_UBL_ROOT, "count(cac:TaxTotal[cac:TaxSubtotal]) = 1"),
         cii=Check(_CII_SETTLEMENT,
                   f"count({_CII_TOTALS}[@currencyID = normalize-space(../../ram:InvoiceCurrencyCode)]) = 1"),
         bt_ids=("BT-110",)),
    Rule("PEPPOL-EN16931-R054", "fatal",
         "Only one tax total without tax subtotals MUST be provided when tax currency code is provided.",
         ubl=Check(_UBL_ROOT, "count(cac:TaxTotal[not(cac:TaxSubtotal)]) = number(boolean(cbc:TaxCurrencyCode))"),
         cii=Check(_CII_SETTLEMENT, f"not(ram:TaxCurrencyCode) or count({_CII_TOTALS}"
                                    "[@currencyID = normalize-space(../../ram:TaxCurrencyCode)]) = 1"),
         bt_ids=("BT-6", "BT-111")),
    Rule("PEPPOL-EN16931-R055", "fatal",
         "Invoice total VAT amount and Invoice total VAT amount in accounting currency MUST have the same "
         "operational sign",
         ubl=Check(_UBL_ROOT, _same_sign), cii=Check(_CII_SETTLEMENT, _same_sign), bt_ids=("BT-110", "BT-111")),
    Rule("PEPPOL-EN16931-R061", "fatal", "Mandate reference MUST be provided for direct debit.",
         ubl=Check("//cac:PaymentMeans[normalize-space(cbc:PaymentMeansCode) = '49' or "
                   "normalize-space(cbc:PaymentMeansCode) = '59']", "cac:PaymentMandate/cbc:ID[normalize-space()]"),
         cii=Check("//ram:SpecifiedTradeSettlementPaymentMeans[normalize-space(ram:TypeCode) = '49' or "
                   "normalize-space(ram:TypeCode) = '59']",
                   "../ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID[normalize-space()]"),
         bt_ids=("BT-89", "BT-81")),
    Rule("PEPPOL-EN16931-R080", "fatal", "Only one project reference is allowed on document level",
         ubl=Check("/ubl-creditnote:CreditNote",
                   "count(cac:AdditionalDocumentReference[normalize-space(cbc:DocumentTypeCode) = '50']) <= 1"),
         cii=Check(_CII_AGREEMENT, "count(ram:SpecifiedProcuringProject) <= 1"), bt_ids=("BT-11",)),
    Rule("PEPPOL-EN16931-R100", "fatal", "Only one invoiced object is allowed pr line",
         ubl=Check(_UBL_LINES, "count(cac:DocumentReference) <= 1"),
         cii=Check(_CII_LINES, "count(ram:SpecifiedLineTradeSettlement/ram:AdditionalReferencedDocument) <= 1"),
         bt_ids=("BT-128",)),
    Rule("PEPPOL-EN16931-R101", "fatal", "Element Document reference can only be used for Invoice line object",
         ubl=Check(_UBL_LINES, "not(cac:DocumentReference[normalize-space(cbc:DocumentTypeCode) != '130' or "
                               "not(cbc:DocumentTypeCode)])"),
         cii=Check(_CII_LINES, "not(ram:SpecifiedLineTradeSettlement/ram:AdditionalReferencedDocument"
                               "[normalize-space(ram:TypeCode) != '130' or not(ram:TypeCode)])"),
         bt_ids=("BT-128",)),
    Rule("PEPPOL-EN16931-R110", "fatal", "Start date of line period MUST be within invoice period.",
         ubl=Check(_ubl_line_period("Start"), _line_date("start")),
         cii=Check(_cii_line_period("Start"), _line_date("start")), bt_ids=("BT-134", "BT-73")),
    Rule("PEPPOL-EN16931-R111", "fatal", "End date of line period MUST be within invoice period.",
         ubl=Check(_ubl_line_period("End"), _line_date("end")),
         cii=Check(_cii_line_period("End"), _line_date("end")), bt_ids=("BT-135", "BT-74")),
    Rule("PEPPOL-EN16931-R120", "fatal",
         "Invoice line net amount MUST equal (Invoiced quantity * (Item net price/item price base quantity) + Sum of "
         "invoice line charge amount - sum of invoice line allowance amount",
         ubl=Check(_UBL_LINES, _line_net_amount), cii=Check(_CII_LINES, _line_net_amount),
         bt_ids=("BT-131", "BT-129", "BT-146", "BT-149", "BT-136", "BT-141")),
    Rule("PEPPOL-EN16931-R121", "fatal", "Base quantity MUST be a positive number above zero.",
         ubl=Check(_UBL_LINES, "not(cac:Price/cbc:BaseQuantity) or number(cac:Price/cbc:BaseQuantity) > 0"),
         cii=Check("//ram:NetPriceProductTradePrice | //ram:GrossPriceProductTradePrice",
                   "not(ram:BasisQuantity) or number(ram:BasisQuantity) > 0"),
         bt_ids=("BT-149",)),
    Rule("PEPPOL-EN16931-R130", "fatal", "Unit code of price base quantity MUST be same as invoiced quantity.",
         ubl=Check("//cac:Price/cbc:BaseQuantity[@unitCode]",
                   "@unitCode = ../../cbc:InvoicedQuantity/@unitCode or "
                   "@unitCode = ../../cbc:CreditedQuantity/@unitCode"),
         cii=Check("//ram:NetPriceProductTradePrice/ram:BasisQuantity[@unitCode] | "
                   "//ram:GrossPriceProductTradePrice/ram:BasisQuantity[@unitCode]",
                   "@unitCode = ../../../ram:SpecifiedLineTradeDelivery/ram:BilledQuantity/@unitCode"),
         bt_ids=("BT-150", "BT-130")),
)
