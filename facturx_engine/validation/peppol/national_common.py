"""Small helpers shared by the national Peppol rule modules (:mod:`.national_de`, ...): reading a value
from the document, the same path under both UBL roots, and the postal-address country of a party."""

from __future__ import annotations

from lxml import etree

from facturx_engine.validation.peppol.engine import NS, Doc

__all__ = ["UBL_ROOTS", "elements", "in_both_roots", "own_text", "parent_text", "postal_country", "raw_texts", "text",
           "texts"]

UBL_ROOTS = "/ubl-invoice:Invoice | /ubl-creditnote:CreditNote"
"""The UBL document element, invoice or credit note."""

_UBL_COUNTRY = "cac:PostalAddress/cac:Country/cbc:IdentificationCode"
_POSTAL = {
    ("UBL", "supplier"): f"/*/cac:AccountingSupplierParty/cac:Party/{_UBL_COUNTRY}",
    ("UBL", "customer"): f"/*/cac:AccountingCustomerParty/cac:Party/{_UBL_COUNTRY}",
    ("UBL", "representative"): "/*/cac:TaxRepresentativeParty/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
    ("CII", "supplier"): "/*/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty"
                         "/ram:PostalTradeAddress/ram:CountryID",
    ("CII", "customer"): "/*/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty"
                         "/ram:PostalTradeAddress/ram:CountryID",
    ("CII", "representative"): "/*/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
                               "/ram:SellerTaxRepresentativeTradeParty/ram:PostalTradeAddress/ram:CountryID",
}


_FIRST_STRING: dict[str, etree.XPath] = {}


def text(node: etree._Element, path: str) -> str:
    """The whitespace-normalised text of the first node at the XPath ``path`` from ``node`` ("" if none)."""
    compiled = _FIRST_STRING.get(path)
    if compiled is None:
        compiled = _FIRST_STRING[path] = etree.XPath(f"string(({path})[1])", namespaces=NS)
    return " ".join(str(compiled(node)).split())


def parent_text(node: etree._Element, doc: Doc, path: str) -> str:
    """:func:`text` at ``../path`` from ``node``, read once per parent and document (many payment means
    share one settlement: reading it from each would cost the number of its children each time)."""
    parent = node.getparent()
    if parent is None:
        return ""
    key = ("parent_text", parent, path)
    if key not in doc.memo:
        doc.memo[key] = text(parent, path)
    return str(doc.memo[key])


def raw_texts(node: etree._Element, path: str) -> list[str]:
    """The string values, as written, of every node (element or attribute) at the XPath ``path`` from ``node``."""
    found = node.xpath(path, namespaces=NS)
    values = found if isinstance(found, list) else [found]
    return [own_text(v) if isinstance(v, etree._Element) else str(v) for v in values]


def texts(node: etree._Element, path: str) -> list[str]:
    """The whitespace-normalised texts of every node at the XPath ``path`` from ``node``."""
    return [" ".join(value.split()) for value in raw_texts(node, path)]


def own_text(node: etree._Element) -> str:
    """The string value of the element ``node`` (all its text, as written)."""
    return str(node.xpath("string()"))


def elements(node: etree._Element, path: str) -> list[etree._Element]:
    """The elements at the XPath ``path`` from ``node``."""
    found = node.xpath(path, namespaces=NS)
    return [e for e in found if isinstance(e, etree._Element)] if isinstance(found, list) else []


def in_both_roots(path: str, predicate: str = "") -> str:
    """``path`` under the UBL invoice and credit note roots, the union filtered by ``predicate``
    (e.g. ``[$supplierCountryIsDE]``)."""
    return f"(/ubl-invoice:Invoice/{path} | /ubl-creditnote:CreditNote/{path}){predicate}"


def postal_country(root: etree._Element, syntax: str, party: str) -> str:
    """The upper-cased country code of the postal address of ``party`` (``supplier``, ``customer`` or
    ``representative``, the seller's tax representative), "" if none."""
    return text(root, _POSTAL[(syntax, party)]).upper()
