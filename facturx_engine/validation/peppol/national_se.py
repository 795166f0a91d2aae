"""The Swedish national rules of Peppol BIS Billing 3.0 (SE-R-*), in UBL and CII.

They state their own condition: the seller's postal address is in Sweden (BT-40 ``SE``) and, for the VAT
rules, the seller's VAT identifier (BT-31) starts with ``SE`` (in CII the rule list names only the scheme
``VAT``; the engine also takes ``VA``, the scheme EN 16931 uses for BT-31). Bankgiro and Plusgiro accounts
are credit transfers (code 30) whose financial institution (BT-86) is ``SE:BANKGIRO`` / ``SE:PLUSGIRO``.
A Swedish organisation number has ten digits, the last a Luhn check digit.
"""

from __future__ import annotations

import re

from lxml import etree

from facturx_engine.validation.peppol.engine import Check, Doc, Rule, Test
from facturx_engine.validation.peppol.national_common import own_text, texts

__all__ = ["RULES"]

_UBL_PARTY = "/*/cac:AccountingSupplierParty/cac:Party"
_UBL_SE = "cac:PostalAddress/cac:Country/cbc:IdentificationCode = 'SE'"
_UBL_SE_VAT = "cac:PartyTaxScheme[cac:TaxScheme/cbc:ID = 'VAT'][substring(cbc:CompanyID, 1, 2) = 'SE']"
_AGREEMENT = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
_CII_SE = "ram:PostalTradeAddress/ram:CountryID = 'SE'"
_CII_SE_VAT = "ram:SpecifiedTaxRegistration/ram:ID[@schemeID = 'VAT' or @schemeID = 'VA'][substring(., 1, 2) = 'SE']"
_UBL_VAT_PARTY = f"{_UBL_PARTY}[{_UBL_SE} and {_UBL_SE_VAT}]"
_CII_VAT_PARTY = f"{_AGREEMENT}/ram:SellerTradeParty[{_CII_SE} and {_CII_SE_VAT}]"
_UBL_LEGAL = f"{_UBL_PARTY}/cac:PartyLegalEntity[../{_UBL_SE} and cbc:CompanyID]"
_CII_LEGAL = f"{_AGREEMENT}/ram:SellerTradeParty/ram:SpecifiedLegalOrganization[../{_CII_SE} and ram:ID]"
_UBL_MEANS = f"//cac:PaymentMeans[{_UBL_PARTY}[{_UBL_SE}] and "
_CII_MEANS = f"/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction[ram:ApplicableHeaderTradeAgreement" \
             f"/ram:SellerTradeParty[{_CII_SE}]]/ram:ApplicableHeaderTradeSettlement" \
             "/ram:SpecifiedTradeSettlementPaymentMeans["


def _giro(kind: str) -> tuple[str, str]:
    """The UBL and CII contexts of the account id of a Swedish seller's ``kind`` (BANKGIRO / PLUSGIRO)."""
    return (f"{_UBL_MEANS}normalize-space(cbc:PaymentMeansCode) = '30' and normalize-space(cac:PayeeFinancialAccount"
            f"/cac:FinancialInstitutionBranch/cbc:ID) = 'SE:{kind}']/cac:PayeeFinancialAccount/cbc:ID",
            f"{_CII_MEANS}normalize-space(ram:TypeCode) = '30' and normalize-space(ram:PayeeSpecifiedCreditor"
            f"FinancialInstitution/ram:BICID) = 'SE:{kind}']/ram:PayeePartyCreditorFinancialAccount/ram:ProprietaryID")


def _own(node: etree._Element) -> str:
    return own_text(node).strip()


def _swedish_vats(node: etree._Element, doc: Doc) -> list[str]:
    path = "cac:PartyTaxScheme[cac:TaxScheme/cbc:ID = 'VAT']/cbc:CompanyID" if doc.syntax == "UBL" else \
        "ram:SpecifiedTaxRegistration/ram:ID[@schemeID = 'VAT' or @schemeID = 'VA']"
    return [value for value in texts(node, path) if value.startswith("SE")]


def _vat_length(node: etree._Element, doc: Doc) -> bool:
    return all(len(value) == 14 for value in _swedish_vats(node, doc))


def _vat_digits(node: etree._Element, doc: Doc) -> bool:
    return all(re.fullmatch(r"[0-9]{12}", value[-12:]) for value in _swedish_vats(node, doc))


def _legal_id(node: etree._Element, doc: Doc) -> str:
    return texts(node, "cbc:CompanyID" if doc.syntax == "UBL" else "ram:ID")[0]


def _numeric(node: etree._Element, doc: Doc) -> bool:
    return bool(re.fullmatch(r"[0-9]+", _legal_id(node, doc)))


def _ten(node: etree._Element, doc: Doc) -> bool:
    return len(_legal_id(node, doc)) == 10


def _luhn(node: etree._Element, doc: Doc) -> bool:
    from stdnum import luhn  # imported on first use, as elsewhere in the engine
    value = _legal_id(node, doc)
    return not re.fullmatch(r"[0-9]+", value) or luhn.is_valid(value)


def _account(pattern: str) -> Test:
    def test(node: etree._Element, doc: Doc) -> bool:
        return bool(re.fullmatch(pattern, _own(node)))
    return test


_RATES = "number({0}) = 6 or number({0}) = 12 or number({0}) = 25"
_BANKGIRO = _giro("BANKGIRO")
_PLUSGIRO = _giro("PLUSGIRO")
_UBL_RATE_CONTEXT = f"[{_UBL_VAT_PARTY} and cbc:ID = 'S']"
_CII_RATE_CONTEXT = f"[{_CII_VAT_PARTY}]"

RULES: tuple[Rule, ...] = (
    Rule("SE-R-001", "fatal", "For Swedish suppliers, Swedish VAT-numbers must consist of 14 characters.",
         ubl=Check(_UBL_VAT_PARTY, _vat_length), cii=Check(_CII_VAT_PARTY, _vat_length), bt_ids=("BT-31",)),
    Rule("SE-R-002", "fatal", "For Swedish suppliers, the Swedish VAT-numbers must have the trailing 12 characters "
                              "in numeric form",
         ubl=Check(_UBL_VAT_PARTY, _vat_digits), cii=Check(_CII_VAT_PARTY, _vat_digits), bt_ids=("BT-31",)),
    Rule("SE-R-003", "fatal", "Swedish organisation numbers should be numeric.",
         ubl=Check(_UBL_LEGAL, _numeric), cii=Check(_CII_LEGAL, _numeric), bt_ids=("BT-30",)),
    Rule("SE-R-004", "fatal", "Swedish organisation numbers consist of 10 characters.",
         ubl=Check(_UBL_LEGAL, _ten), cii=Check(_CII_LEGAL, _ten), bt_ids=("BT-30",)),
    Rule("SE-R-005", "fatal", "For Swedish suppliers, when using Seller tax registration identifier, 'Godkänd för "
                              "F-skatt' must be stated",
         ubl=Check(f"{_UBL_PARTY}[{_UBL_SE} and cac:PartyLegalEntity/cbc:CompanyID]"
                   "/cac:PartyTaxScheme[normalize-space(cac:TaxScheme/cbc:ID) != 'VAT']/cbc:CompanyID",
                   "contains(normalize-space(.), 'Godkänd för F-skatt')"),
         cii=Check(f"{_AGREEMENT}/ram:SellerTradeParty[{_CII_SE} and ram:SpecifiedLegalOrganization/ram:ID]"
                   "/ram:SpecifiedTaxRegistration/ram:ID[@schemeID = 'FC']",
                   "contains(normalize-space(.), 'Godkänd för F-skatt')"), bt_ids=("BT-32",)),
    Rule("SE-R-006", "fatal", "For Swedish suppliers, only standard VAT rate of 6, 12 or 25 are used",
         ubl=Check(f"//cac:TaxCategory{_UBL_RATE_CONTEXT} | //cac:ClassifiedTaxCategory{_UBL_RATE_CONTEXT}",
                   _RATES.format("cbc:Percent")),
         cii=Check(f"//ram:ApplicableTradeTax{_CII_RATE_CONTEXT} | //ram:CategoryTradeTax{_CII_RATE_CONTEXT}",
                   f"normalize-space(ram:CategoryCode) != 'S' or {_RATES.format('ram:RateApplicablePercent')}"),
         bt_ids=("BT-96", "BT-103", "BT-119", "BT-152")),
    Rule("SE-R-007", "warning", "For Swedish suppliers using Plusgiro, the Account ID must be numeric",
         ubl=Check(_PLUSGIRO[0], _account("[0-9]+")), cii=Check(_PLUSGIRO[1], _account("[0-9]+")),
         bt_ids=("BT-84",)),
    Rule("SE-R-008", "warning", "For Swedish suppliers using Bankgiro, the Account ID must be numeric",
         ubl=Check(_BANKGIRO[0], _account("[0-9]+")), cii=Check(_BANKGIRO[1], _account("[0-9]+")),
         bt_ids=("BT-84",)),
    Rule("SE-R-009", "warning", "For Swedish suppliers using Bankgiro, the Account ID must have 7-8 characters",
         ubl=Check(_BANKGIRO[0], _account(".{7,8}")), cii=Check(_BANKGIRO[1], _account(".{7,8}")),
         bt_ids=("BT-84",)),
    Rule("SE-R-010", "warning", "For Swedish suppliers using Plusgiro, the Account ID must have 2-8 characters",
         ubl=Check(_PLUSGIRO[0], _account(".{2,8}")), cii=Check(_PLUSGIRO[1], _account(".{2,8}")),
         bt_ids=("BT-84",)),
    Rule("SE-R-011", "warning", "For Swedish suppliers using Swedish Bankgiro or Plusgiro, the proper way to indicate "
                                "this is to use Code 30 for PaymentMeans and FinancialInstitutionBranch ID with code "
                                "SE:BANKGIRO or SE:PLUSGIRO",
         ubl=Check(f"{_UBL_MEANS}(normalize-space(cbc:PaymentMeansCode) = '50' or "
                   "normalize-space(cbc:PaymentMeansCode) = '56')]", "false()"),
         cii=Check(f"{_CII_MEANS}normalize-space(ram:TypeCode) = '50' or normalize-space(ram:TypeCode) = '56']",
                   "false()"), bt_ids=("BT-81", "BT-86")),
    Rule("SE-R-012", "warning", "For domestic transactions between Swedish trading partners, credit transfer should "
                                'be indicated by PaymentMeansCode="30"',
         ubl=Check(f"{_UBL_MEANS}/*/cac:AccountingCustomerParty/cac:Party[{_UBL_SE}] and "
                   "normalize-space(cbc:PaymentMeansCode) = '31']", "false()"),
         cii=Check("/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction[ram:ApplicableHeaderTradeAgreement"
                   f"/ram:SellerTradeParty[{_CII_SE}] and ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty"
                   f"[{_CII_SE}]]/ram:ApplicableHeaderTradeSettlement/ram:SpecifiedTradeSettlementPaymentMeans"
                   "[normalize-space(ram:TypeCode) = '31']", "false()"), bt_ids=("BT-81",)),
    Rule("SE-R-013", "fatal", "The last digit of a Swedish organization number must be valid according to the Luhn "
                              "algorithm.",
         ubl=Check(_UBL_LEGAL, _luhn), cii=Check(_CII_LEGAL, _luhn), bt_ids=("BT-30",)),
)
"""The SE-R-* rules, in the order of the rule list."""
