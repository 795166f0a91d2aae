"""The Italian (IT-R-*) and Dutch (NL-R-*) national rules of Peppol BIS Billing 3.0, in UBL and CII.

The Italian rules apply by ``$supplierCountry`` (the seller's VAT identifier prefix, else its tax
representative's, else its postal address). The Dutch ones by ``$supplierCountryIsNL``,
``$customerCountryIsNL`` and ``$taxRepresentativeCountryIsNL``: whether the postal address of the seller,
the buyer or the seller's tax representative (BT-40, BT-55, BT-69) is in the Netherlands.
"""

from __future__ import annotations

from lxml import etree

from facturx_engine.validation.peppol.engine import Check, Rule, variable
from facturx_engine.validation.peppol.national_common import postal_country

__all__ = ["IT", "NL", "RULES"]

_AGREEMENT = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
_SETTLEMENT = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
_IT_UBL = "//cac:AccountingSupplierParty/cac:Party[$supplierCountry = 'IT']"
_IT_CII = "//ram:SellerTradeParty[$supplierCountry = 'IT']"
_NL = "[$supplierCountryIsNL]"
_NL2 = "[$supplierCountryIsNL and $customerCountryIsNL]"
_UBL_ADDRESS = "normalize-space(cbc:StreetName) != '' and normalize-space(cbc:CityName) != '' and " \
               "normalize-space(cbc:PostalZone) != ''"
_CII_ADDRESS = "normalize-space(ram:LineOne) != '' and normalize-space(ram:CityName) != '' and " \
               "normalize-space(ram:PostcodeCode) != ''"
_KVK_OIN = "normalize-space(@schemeID) = '0106' or normalize-space(@schemeID) = '0190'"
_NL_MEANS = ("30", "48", "49", "57", "58", "59")


@variable("supplierCountryIsNL")
def _supplier_nl(root: etree._Element, syntax: str) -> bool:
    return postal_country(root, syntax, "supplier") == "NL"


@variable("customerCountryIsNL")
def _customer_nl(root: etree._Element, syntax: str) -> bool:
    return postal_country(root, syntax, "customer") == "NL"


@variable("taxRepresentativeCountryIsNL")
def _representative_nl(root: etree._Element, syntax: str) -> bool:
    return postal_country(root, syntax, "representative") == "NL"


def _filled(path: str) -> str:
    return f"normalize-space({path}) != ''"


IT: tuple[Rule, ...] = (
    Rule("IT-R-001", "fatal", "BT-32 (Seller tax registration identifier) - For Italian suppliers BT-32 minimum "
                              "length 11 and maximum length shall be 16. Per i fornitori italiani il BT-32 deve "
                              "avere una lunghezza tra 11 e 16 caratteri",
         ubl=Check(f"{_IT_UBL}/cac:PartyTaxScheme[normalize-space(cac:TaxScheme/cbc:ID) != 'VAT']",
                   "string-length(normalize-space(cbc:CompanyID)) >= 11 and "
                   "string-length(normalize-space(cbc:CompanyID)) <= 16"),
         cii=Check(f"{_IT_CII}/ram:SpecifiedTaxRegistration",
                   "string-length(normalize-space(ram:ID)) >= 11 and string-length(normalize-space(ram:ID)) <= 16")),
    Rule("IT-R-002", "fatal", "BT-35 (Seller address line 1) - Italian suppliers MUST provide the postal address "
                              "line 1 - I fornitori italiani devono indicare l'indirizzo postale.",
         ubl=Check(_IT_UBL, _filled("cac:PostalAddress/cbc:StreetName")),
         cii=Check(_IT_CII, _filled("ram:PostalTradeAddress/ram:LineOne"))),
    Rule("IT-R-003", "fatal", "BT-37 (Seller city) - Italian suppliers MUST provide the postal address city - I "
                              "fornitori italiani devono indicare la città di residenza.",
         ubl=Check(_IT_UBL, _filled("cac:PostalAddress/cbc:CityName")),
         cii=Check(_IT_CII, _filled("ram:PostalTradeAddress/ram:CityName"))),
    Rule("IT-R-004", "fatal", "BT-38 (Seller post code) - Italian suppliers MUST provide the postal address post "
                              "code - I fornitori italiani devono indicare il CAP di residenza.",
         ubl=Check(_IT_UBL, _filled("cac:PostalAddress/cbc:PostalZone")),
         cii=Check(_IT_CII, _filled("ram:PostalTradeAddress/ram:PostcodeCode"))),
)
"""The IT-R-* rules."""

NL: tuple[Rule, ...] = (
    Rule("NL-R-001", "fatal", "For suppliers in the Netherlands, if the document is a creditnote, the document MUST "
                              "contain an invoice reference (cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID)",
         ubl=Check(f"//cbc:CreditNoteTypeCode{_NL}",
                   _filled("/*/cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID")),
         cii=Check(f"/rsm:CrossIndustryInvoice/rsm:ExchangedDocument[contains(' 81 83 381 396 532 ', "
                   f"concat(' ', normalize-space(ram:TypeCode), ' '))]{_NL}",
                   _filled(f"{_SETTLEMENT}/ram:InvoiceReferencedDocument/ram:IssuerAssignedID")),
         bt_ids=("BT-3", "BT-25")),
    Rule("NL-R-002", "fatal", "For suppliers in the Netherlands the supplier's address "
                              "(cac:AccountingSupplierParty/cac:Party/cac:PostalAddress) MUST contain street name "
                              "(cbc:StreetName), city (cbc:CityName) and post code (cbc:PostalZone)",
         ubl=Check(f"//cac:AccountingSupplierParty/cac:Party/cac:PostalAddress{_NL}", _UBL_ADDRESS),
         cii=Check(f"{_AGREEMENT}/ram:SellerTradeParty/ram:PostalTradeAddress{_NL}", _CII_ADDRESS),
         bt_ids=("BT-35", "BT-37", "BT-38")),
    Rule("NL-R-003", "fatal", "For suppliers in the Netherlands, the legal entity identifier MUST be either a KVK or "
                              "OIN number (schemeID 0106 or 0190)",
         ubl=Check(f"//cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID{_NL}", _KVK_OIN),
         cii=Check(f"{_AGREEMENT}/ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID{_NL}", _KVK_OIN),
         bt_ids=("BT-30", "BT-30-1")),
    Rule("NL-R-004", "fatal", "For suppliers in the Netherlands, if the customer is in the Netherlands, the customer "
                              "address (cac:AccountingCustomerParty/cac:Party/cac:PostalAddress) MUST contain the "
                              "street name (cbc:StreetName), the city (cbc:CityName) and post code (cbc:PostalZone)",
         ubl=Check(f"//cac:AccountingCustomerParty/cac:Party/cac:PostalAddress{_NL2}", _UBL_ADDRESS),
         cii=Check(f"{_AGREEMENT}/ram:BuyerTradeParty/ram:PostalTradeAddress{_NL2}", _CII_ADDRESS),
         bt_ids=("BT-50", "BT-52", "BT-53")),
    Rule("NL-R-005", "fatal", "For suppliers in the Netherlands, if the customer is in the Netherlands, the "
                              "customer's legal entity identifier MUST be either a KVK or OIN number (schemeID 0106 "
                              "or 0190)",
         ubl=Check(f"//cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID{_NL2}", _KVK_OIN),
         cii=Check(f"{_AGREEMENT}/ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID{_NL2}", _KVK_OIN),
         bt_ids=("BT-47", "BT-47-1")),
    Rule("NL-R-006", "fatal", "For suppliers in the Netherlands, if the fiscal representative is in the Netherlands, "
                              "the representative's address (cac:TaxRepresentativeParty/cac:PostalAddress) MUST "
                              "contain street name (cbc:StreetName), city (cbc:CityName) and post code "
                              "(cbc:PostalZone)",
         ubl=Check("//cac:TaxRepresentativeParty/cac:PostalAddress[$supplierCountryIsNL and "
                   "$taxRepresentativeCountryIsNL]", _UBL_ADDRESS),
         cii=Check(f"{_AGREEMENT}/ram:SellerTaxRepresentativeTradeParty/ram:PostalTradeAddress[$supplierCountryIsNL "
                   "and $taxRepresentativeCountryIsNL]", _CII_ADDRESS),
         bt_ids=("BT-64", "BT-66", "BT-67")),
    Rule("NL-R-007", "fatal", "For suppliers in the Netherlands, the supplier MUST provide a means of payment "
                              "(cac:PaymentMeans) if the payment is from customer to supplier",
         ubl=Check(f"//cac:LegalMonetaryTotal{_NL}", "not(number(cbc:PayableAmount) > 0) or /*/cac:PaymentMeans"),
         cii=Check(f"{_SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation{_NL}",
                   "not(number(ram:DuePayableAmount) > 0) or ../ram:SpecifiedTradeSettlementPaymentMeans"),
         bt_ids=("BG-16", "BT-115")),
    Rule("NL-R-008", "fatal", "For suppliers in the Netherlands, if the customer is in the Netherlands, the payment "
                              "means code (cac:PaymentMeans/cbc:PaymentMeansCode) MUST be one of 30, 48, 49, 57, 58 "
                              "or 59",
         ubl=Check(f"//cac:PaymentMeans{_NL2}",
                   f"contains(' {' '.join(_NL_MEANS)} ', concat(' ', normalize-space(cbc:PaymentMeansCode), ' '))"),
         cii=Check(f"{_SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans{_NL2}",
                   f"contains(' {' '.join(_NL_MEANS)} ', concat(' ', normalize-space(ram:TypeCode), ' '))"),
         bt_ids=("BT-81",)),
    Rule("NL-R-009", "fatal", "For suppliers in the Netherlands, if an order line reference "
                              "(cac:OrderLineReference/cbc:LineID) is used, there must be an order reference on the "
                              "document level (cac:OrderReference/cbc:ID)",
         ubl=Check(f"//cac:OrderLineReference/cbc:LineID{_NL}", _filled("/*/cac:OrderReference/cbc:ID")),
         cii=Check("/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem"
                   f"/ram:SpecifiedLineTradeAgreement/ram:BuyerOrderReferencedDocument/ram:LineID{_NL}",
                   _filled(f"{_AGREEMENT}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID")),
         bt_ids=("BT-132", "BT-13")),
)
"""The NL-R-* rules."""

RULES: tuple[Rule, ...] = (*IT, *NL)
"""The IT-R-* then the NL-R-* rules, in the order of the rule list."""
