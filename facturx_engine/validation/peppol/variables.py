"""The XPath variables every Peppol rule module may use: the seller's and the buyer's country.

As the BIS rules define them: the first two letters of the party's VAT identifier (the seller's tax
representative's when the seller states none), else the country of the party's postal address, else
``XX``; upper-cased.
"""

from __future__ import annotations

from lxml import etree

from facturx_engine.validation.peppol.engine import NS, variable

__all__ = ["country"]

_UBL_PARTY = {"supplier": "cac:AccountingSupplierParty/cac:Party", "customer": "cac:AccountingCustomerParty/cac:Party"}
_CII_PARTY = {
    "supplier": "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty",
    "customer": "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty",
}
_CII_REPRESENTATIVE = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/" \
                      "ram:SellerTaxRepresentativeTradeParty"


def _first(root: etree._Element, path: str) -> str:
    found = root.xpath(f"string(({path})[1])", namespaces=NS)
    return str(found).strip().upper()


def country(root: etree._Element, syntax: str, party: str) -> str:
    """The country of ``party`` (``"supplier"`` / ``"customer"``) as the BIS rules compute it."""
    if syntax == "UBL":
        vat = "/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID = 'VAT']/cbc:CompanyID"
        paths = [f"{_UBL_PARTY[party]}{vat}"]
        if party == "supplier":
            paths.append(f"cac:TaxRepresentativeParty{vat}")
        paths.append(f"{_UBL_PARTY[party]}/cac:PostalAddress/cac:Country/cbc:IdentificationCode")
    else:
        vat = "/ram:SpecifiedTaxRegistration/ram:ID[@schemeID = 'VA' or @schemeID = 'VAT']"
        paths = [f"{_CII_PARTY[party]}{vat}"]
        if party == "supplier":
            paths.append(f"{_CII_REPRESENTATIVE}{vat}")
        paths.append(f"{_CII_PARTY[party]}/ram:PostalTradeAddress/ram:CountryID")
    for index, path in enumerate(paths):
        value = _first(root, path)
        if value:
            return value if index == len(paths) - 1 else value[:2]
    return "XX"


@variable("supplierCountry")
def _supplier(root: etree._Element, syntax: str) -> str:
    return country(root, syntax, "supplier")


@variable("customerCountry")
def _customer(root: etree._Element, syntax: str) -> str:
    return country(root, syntax, "customer")
