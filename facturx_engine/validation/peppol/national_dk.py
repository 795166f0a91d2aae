"""The Danish national rules of Peppol BIS Billing 3.0 (DK-R-*), in UBL and CII.

``$DKSupplierCountry`` / ``$DKCustomerCountry`` are the upper-cased countries of the seller's and the
buyer's postal address (BT-40, BT-55), as the rule list's Danish section uses them. The payment rules
read, per payment means, its code (BT-81), payment id (BT-83: UBL ``cbc:PaymentID``, CII the settlement's
``ram:PaymentReference``) and account (BT-84).
"""

from __future__ import annotations

import re

from lxml import etree

from facturx_engine.validation.peppol.engine import Check, Doc, Rule, variable
from facturx_engine.validation.peppol.national_common import elements, parent_text, postal_country, text

__all__ = ["RULES"]

_DK = "$DKSupplierCountry = 'DK'"
_DK2 = "$DKSupplierCountry = 'DK' and $DKCustomerCountry = 'DK'"
_UBL_ROOT = f"/ubl-creditnote:CreditNote[{_DK}] | /ubl-invoice:Invoice[{_DK}]"
_CII_ROOT = f"/rsm:CrossIndustryInvoice[{_DK}]"
_UBL_MEANS = f"/ubl-invoice:Invoice[{_DK2}]/cac:PaymentMeans"
_CII_MEANS = (f"/rsm:CrossIndustryInvoice[{_DK2}]/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
              "/ram:SpecifiedTradeSettlementPaymentMeans")
_CII_AGREEMENT = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
_ALLOWED_MEANS = ("1", "10", "31", "42", "48", "49", "50", "58", "59", "93", "97")
_UNSPSC_VERSIONS = ("19.05.01", "26.08.01")
_CREDIT_NOTE_CODES = ("81", "83", "381", "396", "532")
_TAX_CATEGORY = re.compile(r"[0-9]{4}")


@variable("DKSupplierCountry")
def _supplier(root: etree._Element, syntax: str) -> str:
    return postal_country(root, syntax, "supplier")


@variable("DKCustomerCountry")
def _customer(root: etree._Element, syntax: str) -> str:
    return postal_country(root, syntax, "customer")


def _means(node: etree._Element, doc: Doc) -> tuple[str, str, str]:
    """Code, payment id and payee account of the payment means ``node`` (read once per document: seven
    rules ask)."""
    key = ("DK payment means", node)
    if key not in doc.memo:
        doc.memo[key] = _read_means(node, doc)
    found: tuple[str, str, str] = doc.memo[key]
    return found


def _read_means(node: etree._Element, doc: Doc) -> tuple[str, str, str]:
    if doc.syntax == "UBL":
        return (text(node, "cbc:PaymentMeansCode"), text(node, "cbc:PaymentID"),
                text(node, "cac:PayeeFinancialAccount/cbc:ID"))
    return (text(node, "ram:TypeCode"), parent_text(node, doc, "ram:PaymentReference"),
            text(node, "ram:PayeePartyCreditorFinancialAccount/ram:IBANID"
                       " | ram:PayeePartyCreditorFinancialAccount/ram:ProprietaryID"))


def _code_in(node: etree._Element, doc: Doc) -> bool:
    return _means(node, doc)[0] in _ALLOWED_MEANS


def _bank_and_registration(node: etree._Element, doc: Doc) -> bool:
    code, _, account = _means(node, doc)
    branch = "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID" if doc.syntax == "UBL" else \
        "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID"
    return code not in ("31", "42") or bool(account and text(node, branch))


def _mandate(node: etree._Element, doc: Doc) -> bool:
    if _means(node, doc)[0] != "49":
        return True
    if doc.syntax == "UBL":
        return bool(text(node, "cac:PaymentMandate/cbc:ID")
                    and text(node, "cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID"))
    return bool(parent_text(node, doc, "ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID")
                and text(node, "ram:PayerPartyDebtorFinancialAccount/ram:IBANID"))


def _giro(node: etree._Element, doc: Doc) -> bool:
    code, payment_id, account = _means(node, doc)
    return code != "50" or (payment_id[:3] in ("01#", "04#", "15#") and bool(re.fullmatch(r"[0-9]{7,8}", account)))


def _giro_instruction(node: etree._Element, doc: Doc) -> bool:
    code, payment_id, _ = _means(node, doc)
    return code != "50" or payment_id[:3] not in ("04#", "15#") or bool(re.fullmatch(r"[0-9]{16}", payment_id[3:]))


def _fik(node: etree._Element, doc: Doc) -> bool:
    code, payment_id, account = _means(node, doc)
    return code != "93" or (payment_id[:3] in ("71#", "73#", "75#") and len(account) == 8)


def _fik_instruction(node: etree._Element, doc: Doc) -> bool:
    code, payment_id, _ = _means(node, doc)
    return code != "93" or payment_id[:3] not in ("71#", "75#") or \
        bool(re.fullmatch(r"[0-9]{15,16}", payment_id[3:]))


def _tax_reason_ok(reason: str) -> bool:
    return bool(_TAX_CATEGORY.fullmatch(reason)) or ("#" in reason and reason[0] != "#" and reason[-1] != "#")


def _non_vat_tax(node: etree._Element, doc: Doc) -> bool:
    if doc.syntax == "UBL":
        charges, code, reason = [node], "cbc:AllowanceChargeReasonCode", "cbc:AllowanceChargeReason"
    else:
        charges, code, reason = elements(node, "//ram:SpecifiedTradeAllowanceCharge"), "ram:ReasonCode", "ram:Reason"
    return all(text(charge, code) != "ZZZ" or _tax_reason_ok(text(charge, reason)) for charge in charges)


def _unspsc(node: etree._Element, doc: Doc) -> bool:
    path = "cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode[@listID = 'TST']" \
        if doc.syntax == "UBL" else "ram:SpecifiedTradeProduct/ram:DesignatedProductClassification/ram:ClassCode" \
                                    "[@listID = 'TST']"
    return all(code.get("listVersionID", "").strip() in _UNSPSC_VERSIONS for code in elements(node, path))


def _schemes(node: etree._Element, doc: Doc) -> bool:
    if doc.syntax == "UBL":
        ids = elements(node, "cbc:ID")
    else:
        ids = elements(node, " | ".join(f"{_CII_AGREEMENT}/ram:{party}TradeParty/ram:{kind}"
                                        for party in ("Seller", "Buyer") for kind in ("ID", "GlobalID")))
    return all(i.get("schemeID", "").strip() for i in ids)


def _payable_not_negative(node: etree._Element, doc: Doc) -> bool:
    if doc.syntax == "UBL":
        credit = node.tag.endswith("}CreditNote")
        amount = text(node, "cac:LegalMonetaryTotal/cbc:PayableAmount")
    else:
        credit = text(node, "rsm:ExchangedDocument/ram:TypeCode") in _CREDIT_NOTE_CODES
        amount = text(node, "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
                            "/ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:DuePayableAmount")
    return not credit or float(amount or 0) >= 0


_UBL_PARTY_IDS = " | ".join(f"/{root}[{_DK2}]/cac:Accounting{party}Party/cac:Party/cac:PartyIdentification"
                            for root in ("ubl-creditnote:CreditNote", "ubl-invoice:Invoice")
                            for party in ("Supplier", "Customer"))
_UBL_LEGAL = "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID"
_CII_LEGAL = f"{_CII_AGREEMENT}/ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID"

RULES: tuple[Rule, ...] = (
    Rule("DK-R-002", "fatal", "Danish suppliers MUST provide legal entity (CVR-number)",
         ubl=Check(_UBL_ROOT, f"normalize-space({_UBL_LEGAL}) != ''"),
         cii=Check(_CII_ROOT, f"normalize-space({_CII_LEGAL}) != ''"), bt_ids=("BT-30",)),
    Rule("DK-R-003", "warning", "If ItemClassification is provided from Danish suppliers, UNSPSC version 19.05.01 or "
                                "26.08.01 should be used.",
         ubl=Check(f"/ubl-creditnote:CreditNote[{_DK2}]/cac:CreditNoteLine | /ubl-invoice:Invoice[{_DK2}]"
                   "/cac:InvoiceLine", _unspsc),
         cii=Check(f"/rsm:CrossIndustryInvoice[{_DK2}]/rsm:SupplyChainTradeTransaction"
                   "/ram:IncludedSupplyChainTradeLineItem", _unspsc), bt_ids=("BT-158", "BT-158-1", "BT-158-2")),
    Rule("DK-R-004", "fatal", "When specifying non-VAT Taxes for Danish customers, Danish suppliers MUST use the "
                              'AllowanceChargeReasonCode="ZZZ" and MUST be specified in AllowanceChargeReason; Either '
                              "as the 4-digit Tax category or must include a #, but the # is not allowed as first "
                              "and last character",
         ubl=Check(f"//cac:AllowanceCharge[{_DK2}]", _non_vat_tax), cii=Check(_CII_ROOT, _non_vat_tax),
         bt_ids=("BT-97", "BT-98", "BT-104", "BT-105", "BT-139", "BT-140", "BT-144", "BT-145")),
    Rule("DK-R-005", "fatal", "For Danish suppliers the following Payment means codes are allowed: 1, 10, 31, 42, "
                              "48, 49, 50, 58, 59, 93 and 97",
         ubl=Check(_UBL_MEANS, _code_in), cii=Check(_CII_MEANS, _code_in),
         bt_ids=("BT-81",)),
    Rule("DK-R-006", "fatal", "For Danish suppliers bank account and registration account is mandatory if payment "
                              "means is 31 or 42",
         ubl=Check(_UBL_MEANS, _bank_and_registration), cii=Check(_CII_MEANS, _bank_and_registration),
         bt_ids=("BT-81", "BT-84", "BT-86")),
    Rule("DK-R-007", "fatal", "For Danish suppliers PaymentMandate/ID and PayerFinancialAccount/ID are mandatory "
                              "when payment means is 49",
         ubl=Check(_UBL_MEANS, _mandate), cii=Check(_CII_MEANS, _mandate),
         bt_ids=("BT-81", "BT-89", "BT-91")),
    Rule("DK-R-008", "fatal", "For Danish Suppliers PaymentID is mandatory and MUST start with 01#, 04# or 15# "
                              "(kortartkode), and PayeeFinancialAccount/ID (Giro kontonummer) is mandatory and must "
                              "be 7 or 8 numerical characters long, when payment means equals 50 (Giro)",
         ubl=Check(_UBL_MEANS, _giro), cii=Check(_CII_MEANS, _giro),
         bt_ids=("BT-81", "BT-83", "BT-84")),
    Rule("DK-R-009", "fatal", "For Danish Suppliers if the PaymentID is prefixed with 04# or 15# the 16 digits "
                              'instruction Id must be added to the PaymentID eg. "04#1234567890123456" when Payment '
                              "means equals 50 (Giro)",
         ubl=Check(_UBL_MEANS, _giro_instruction), cii=Check(_CII_MEANS, _giro_instruction),
         bt_ids=("BT-81", "BT-83")),
    Rule("DK-R-010", "fatal", "For Danish Suppliers the PaymentID is mandatory and MUST start with 71#, 73# or 75# "
                              "(kortartkode) and CreditAccount/AccountID (Kreditornummer) is mandatory and MUST be "
                              "exactly 8 characters long, when Payment means equals 93 (FIK)",
         ubl=Check(_UBL_MEANS, _fik), cii=Check(_CII_MEANS, _fik),
         bt_ids=("BT-81", "BT-83", "BT-84")),
    Rule("DK-R-011", "fatal", "For Danish Suppliers if the PaymentID is prefixed with 71# or 75# the 15-16 digits "
                              'instruction Id must be added to the PaymentID eg. "71#1234567890123456" when payment '
                              "Method equals 93 (FIK)",
         ubl=Check(_UBL_MEANS, _fik_instruction), cii=Check(_CII_MEANS, _fik_instruction),
         bt_ids=("BT-81", "BT-83")),
    Rule("DK-R-013", "fatal", "For Danish Suppliers it is mandatory to use schemeID when PartyIdentification/ID is "
                              "used for AccountingCustomerParty or AccountingSupplierParty",
         ubl=Check(_UBL_PARTY_IDS, _schemes), cii=Check(_CII_ROOT, _schemes),
         bt_ids=("BT-29", "BT-29-1", "BT-46", "BT-46-1")),
    Rule("DK-R-014", "fatal", 'For Danish Suppliers it is mandatory to specify schemeID as "0184" (DK CVR-number) '
                              "when PartyLegalEntity/CompanyID is used for AccountingSupplierParty",
         ubl=Check(_UBL_ROOT, f"not({_UBL_LEGAL}) or normalize-space({_UBL_LEGAL}/@schemeID) = '0184'"),
         cii=Check(_CII_ROOT, f"not({_CII_LEGAL}) or normalize-space({_CII_LEGAL}/@schemeID) = '0184'"),
         bt_ids=("BT-30", "BT-30-1")),
    Rule("DK-R-016", "fatal", "For Danish Suppliers, a Credit note cannot have a negative total (PayableAmount)",
         ubl=Check(_UBL_ROOT, _payable_not_negative), cii=Check(_CII_ROOT, _payable_not_negative),
         bt_ids=("BT-115",)),
)
"""The DK-R-* rules, in the order of the rule list."""
