"""The Greek national rules of Peppol BIS Billing 3.0 (GR-R-*, GR-S-*), in UBL (the rule list gives them no
CII context).

``$isGreekSender`` holds when the seller's country (``$supplierCountry``: prefix of the VAT identifier, else
of the tax representative's, else the postal address) is ``GR`` or ``EL``; ``$isGreekSenderandReceiver``
when the buyer's (``$customerCountry``) is too; ``$accountingSupplierCountry`` is the prefix of the seller's
own VAT identifier, else the country of its postal address.

The invoice number (BT-1) of a Greek seller has six segments separated by ``|``: the issuer's TIN, the issue
date as ``dd/mm/yyyy``, the installation (branch) number, the myDATA document type, the series and the
serial number. A TIN (AFM) has nine digits with a check digit (python-stdnum ``stdnum.gr.vat``). The MARK
(the id myDATA gives the invoice) and the invoice URL are additional supporting documents (BG-24) whose
description (BT-123) is ``##M.AR.K##`` and ``##INVOICE|URL##``.
"""

from __future__ import annotations

import re
from datetime import date

from lxml import etree

from facturx_engine.validation.peppol.engine import Check, Doc, Rule, Test, variable
from facturx_engine.validation.peppol.national_common import own_text, postal_country, text, texts
from facturx_engine.validation.peppol.variables import country

__all__ = ["DOCUMENT_TYPES", "RULES", "valid_tin"]

DOCUMENT_TYPES = frozenset(
    "1.1 1.2 1.3 1.4 1.5 1.6 2.1 2.2 2.3 2.4 3.1 3.2 5.1 5.2 6.1 6.2 7.1 8.1 8.2 11.1 11.2 11.3 11.4 11.5".split())
"""The myDATA document types an invoice or credit note number may carry (fourth segment of BT-1)."""

_GREEK = ("GR", "EL")
_ID = "/ubl-invoice:Invoice/cbc:ID[$isGreekSender] | /ubl-creditnote:CreditNote/cbc:ID[$isGreekSender]"
_POSTAL_GR = "/*/cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode = 'GR'"
_ROOT = f"/ubl-invoice:Invoice[$isGreekSender and ({_POSTAL_GR})] | " \
        f"/ubl-creditnote:CreditNote[$isGreekSender and ({_POSTAL_GR})]"
_MARK = "cac:AdditionalDocumentReference[normalize-space(cbc:DocumentDescription) = '##M.AR.K##']"
_URL = "cac:AdditionalDocumentReference[normalize-space(cbc:DocumentDescription) = '##INVOICE|URL##']"
_VAT = "cac:PartyTaxScheme[normalize-space(cac:TaxScheme/cbc:ID) = 'VAT']/cbc:CompanyID"


@variable("isGreekSender")
def _greek_sender(root: etree._Element, syntax: str) -> bool:
    return country(root, syntax, "supplier") in _GREEK


@variable("isGreekSenderandReceiver")
def _greek_both(root: etree._Element, syntax: str) -> bool:
    return country(root, syntax, "supplier") in _GREEK and country(root, syntax, "customer") in _GREEK


@variable("accountingSupplierCountry")
def _accounting_supplier(root: etree._Element, syntax: str) -> str:
    if syntax != "UBL":
        return country(root, syntax, "supplier")
    vat = text(root, f"/*/cac:AccountingSupplierParty/cac:Party/{_VAT}")
    return vat[:2].upper() if vat else postal_country(root, syntax, "supplier")


def valid_tin(value: str) -> bool:
    """Whether ``value`` is a Greek TIN (AFM): nine digits, the last a valid check digit."""
    from stdnum.gr import vat  # imported on first use, as elsewhere in the engine
    return bool(re.fullmatch(r"[0-9]{9}", value)) and vat.is_valid(value)


def _segments(node: etree._Element) -> list[str]:
    return own_text(node).strip().split("|")


def _segment(node: etree._Element, index: int) -> str:
    parts = _segments(node)
    return parts[index].strip() if index < len(parts) else ""


def _six(node: etree._Element, doc: Doc) -> bool:
    return len(_segments(node)) == 6


def _tin_segment(node: etree._Element, doc: Doc) -> bool:
    tin = _segment(node, 0)
    own = texts(node, "../cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID"
                      " | ../cac:TaxRepresentativeParty/cac:PartyTaxScheme/cbc:CompanyID")
    return valid_tin(tin) and any(re.sub(r"[^0-9]", "", value) == tin for value in own)


def _date_segment(node: etree._Element, doc: Doc) -> bool:
    found = re.fullmatch(r"([0-9]{2})/([0-9]{2})/([0-9]{4})", _segment(node, 1))
    if not found:
        return False
    day, month, year = (int(g) for g in found.groups())
    try:
        return date(year, month, day).isoformat() == text(node, "../cbc:IssueDate")
    except ValueError:
        return False


def _branch_segment(node: etree._Element, doc: Doc) -> bool:
    # the rule says "positive integer"; installation 0 (the head office) is the most common one, so 0 passes
    return bool(re.fullmatch(r"[0-9]+", _segment(node, 2)))


def _type_segment(node: etree._Element, doc: Doc) -> bool:
    return _segment(node, 3) in DOCUMENT_TYPES


def _not_empty(index: int) -> Test:
    def test(node: etree._Element, doc: Doc) -> bool:
        return _segment(node, index) != ""
    return test


def _greek_vat(node: etree._Element, doc: Doc) -> bool:
    value = own_text(node).strip()
    return value.startswith("EL") and valid_tin(value[2:])


def _tin_endpoint(node: etree._Element, doc: Doc) -> bool:
    return node.get("schemeID", "").strip() == "9933" and valid_tin(own_text(node).strip())


def _mark(node: etree._Element, doc: Doc) -> bool:
    value = own_text(node).strip()
    return value.isascii() and value.isdigit() and int(value) > 0


_BT1 = ("BT-1",)

RULES: tuple[Rule, ...] = (
    Rule("GR-R-001-1", "fatal", "When the Supplier is Greek, the Invoice Id should consist of 6 segments",
         ubl=Check(_ID, _six), bt_ids=_BT1),
    Rule("GR-R-001-2", "fatal", "When the Supplier is Greek, the Invoice Id first segment must be a valid TIN Number "
                                "and match either the Supplier's or the Tax Representative's Tin Number",
         ubl=Check(_ID, _tin_segment), bt_ids=("BT-1", "BT-31", "BT-63")),
    Rule("GR-R-001-3", "fatal", "When the Supplier is Greek, the Invoice Id second segment must be a valid Date that "
                                "matches the invoice Issue Date",
         ubl=Check(_ID, _date_segment), bt_ids=("BT-1", "BT-2")),
    Rule("GR-R-001-4", "fatal", "When Supplier is Greek, the Invoice Id third segment must be a positive integer",
         ubl=Check(_ID, _branch_segment), bt_ids=_BT1),
    Rule("GR-R-001-5", "fatal", "When Supplier is Greek, the Invoice Id in the fourth segment must be a valid greek "
                                "document type",
         ubl=Check(_ID, _type_segment), bt_ids=_BT1),
    Rule("GR-R-001-6", "fatal", "When Supplier is Greek, the Invoice Id fifth segment must not be empty",
         ubl=Check(_ID, _not_empty(4)), bt_ids=_BT1),
    Rule("GR-R-001-7", "fatal", "When Supplier is Greek, the Invoice Id sixth segment must not be empty",
         ubl=Check(_ID, _not_empty(5)), bt_ids=_BT1),
    Rule("GR-R-002", "fatal", "Greek Suppliers must provide their full name as they are registered in the Greek "
                              "Business Registry (G.E.MH.) as a legal entity or in the Tax Registry as a natural "
                              "person",
         ubl=Check("//cac:AccountingSupplierParty[$isGreekSender]/cac:Party",
                   "normalize-space(cac:PartyLegalEntity/cbc:RegistrationName) != ''"), bt_ids=("BT-27",)),
    Rule("GR-R-003", "fatal", "For the Greek Suppliers, the VAT must start with 'EL' and must be a valid TIN number",
         ubl=Check(f"//cac:AccountingSupplierParty[$isGreekSender]/cac:Party/{_VAT}", _greek_vat),
         bt_ids=("BT-31",)),
    Rule("GR-R-004-1", "fatal", "When Supplier is Greek, there must be one MARK Number",
         ubl=Check(_ROOT, f"count({_MARK}) = 1"), bt_ids=("BG-24", "BT-122", "BT-123")),
    Rule("GR-R-004-2", "fatal", "When Supplier is Greek, the MARK Number must be a positive integer",
         ubl=Check(f"//cac:AdditionalDocumentReference[$isGreekSender and ({_POSTAL_GR}) and "
                   "normalize-space(cbc:DocumentDescription) = '##M.AR.K##']/cbc:ID", _mark), bt_ids=("BT-122",)),
    Rule("GR-R-005", "fatal", "Greek Suppliers must provide the full name of the buyer",
         ubl=Check("//cac:AccountingCustomerParty[$isGreekSender]/cac:Party",
                   "normalize-space(cac:PartyLegalEntity/cbc:RegistrationName) != ''"), bt_ids=("BT-44",)),
    Rule("GR-R-006", "fatal", "Greek Suppliers must provide the VAT number of the buyer, if the buyer is Greek",
         ubl=Check("//cac:AccountingCustomerParty[$isGreekSenderandReceiver]/cac:Party",
                   f"normalize-space({_VAT}) != ''"), bt_ids=("BT-48",)),
    Rule("GR-R-008-2", "fatal", "When Supplier is Greek, there should be no more than one invoice url",
         ubl=Check(_ROOT, f"count({_URL}) <= 1"), bt_ids=("BG-24", "BT-123", "BT-124")),
    Rule("GR-R-008-3", "fatal", "When Supplier is Greek and the INVOICE URL Document reference exists, the External "
                                "Reference URI should be present",
         ubl=Check(f"//{_URL.replace('[', '[$isGreekSender and ', 1)}",
                   "normalize-space(cac:Attachment/cac:ExternalReference/cbc:URI) != ''"), bt_ids=("BT-124",)),
    Rule("GR-R-009", "fatal", "Greek suppliers that send an invoice through the PEPPOL network must use a correct TIN "
                              "number as an electronic address according to PEPPOL Electronic Address Identifier "
                              "scheme (schemeID 9933).",
         ubl=Check("//cac:AccountingSupplierParty/cac:Party[$accountingSupplierCountry = 'GR' or "
                   "$accountingSupplierCountry = 'EL']/cbc:EndpointID", _tin_endpoint), bt_ids=("BT-34", "BT-34-1")),
    Rule("GR-R-010", "fatal", "Greek Suppliers that send an invoice through the PEPPOL network to a greek buyer must "
                              "use a correct TIN number as an electronic address according to PEPPOL Electronic "
                              "Address Identifier scheme (SchemeID 9933)",
         ubl=Check("//cac:AccountingCustomerParty[$isGreekSenderandReceiver]/cac:Party/cbc:EndpointID",
                   _tin_endpoint), bt_ids=("BT-49", "BT-49-1")),
    Rule("GR-S-008-1", "warning", "When Supplier is Greek, there should be one invoice url",
         ubl=Check(_ROOT, f"count({_URL}) >= 1"), bt_ids=("BG-24", "BT-123", "BT-124")),
    Rule("GR-S-011", "warning", "Greek suppliers must provide their Seller Tax Registration Number, prefixed by the "
                                "country code",
         ubl=Check("//cac:AccountingSupplierParty[$isGreekSender]/cac:Party", f"starts-with(normalize-space({_VAT}), "
                                                                          "'EL')"), bt_ids=("BT-31",)),
)
"""The GR-R-* and GR-S-* rules, in the order of the rule list."""
