"""The Icelandic (IS-R-*) and Norwegian (NO-R-*) national rules of Peppol BIS Billing 3.0.

The Icelandic rules (UBL only) apply by ``$SupplierCountry`` / ``$CustomerCountry``: the upper-cased
country of the seller's and the buyer's postal address. The Norwegian ones (UBL and CII) by
``$supplierCountry`` (VAT identifier prefix, else the tax representative's, else the postal address).
"""

from __future__ import annotations

import re

from lxml import etree

from facturx_engine.validation.peppol.engine import Check, Doc, Rule, Test, variable
from facturx_engine.validation.peppol.national_common import elements, postal_country, text, texts

__all__ = ["IS", "NO", "RULES", "norwegian_vat_ok"]

_IS = "[$SupplierCountry = 'IS']"
_IS2 = "[$SupplierCountry = 'IS' and $CustomerCountry = 'IS']"
_IS_ROOT = f"/ubl-creditnote:CreditNote{_IS} | /ubl-invoice:Invoice{_IS}"
_IS_CUSTOMER = f"/ubl-creditnote:CreditNote{_IS2}/cac:AccountingCustomerParty | " \
               f"/ubl-invoice:Invoice{_IS2}/cac:AccountingCustomerParty"
_EINDAGI = "cac:AdditionalDocumentReference[normalize-space(cbc:DocumentDescription) = 'EINDAGI']/cbc:ID"
_DUE = "cbc:DueDate | cac:PaymentMeans/cbc:PaymentDueDate"
_ISO_DATE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")


@variable("SupplierCountry")
def _is_supplier(root: etree._Element, syntax: str) -> str:
    return postal_country(root, syntax, "supplier") or "XX"


@variable("CustomerCountry")
def _is_customer(root: etree._Element, syntax: str) -> str:
    return postal_country(root, syntax, "customer") or "XX"


def _account_of_12_digits(code: str) -> Test:
    def test(node: etree._Element, doc: Doc) -> bool:
        return all(re.fullmatch(r"[0-9]{12}", text(means, "cac:PayeeFinancialAccount/cbc:ID"))
                   for means in elements(node, f"cac:PaymentMeans[normalize-space(cbc:PaymentMeansCode) = '{code}']"))
    return test


def _eindagi_format(node: etree._Element, doc: Doc) -> bool:
    return all(_ISO_DATE.fullmatch(value) for value in texts(node, _EINDAGI))


def _eindagi_due(node: etree._Element, doc: Doc) -> bool:
    return not texts(node, _EINDAGI) or text(node, _DUE) != ""


def _eindagi_after_due(node: etree._Element, doc: Doc) -> bool:
    due = text(node, _DUE)
    return not _ISO_DATE.fullmatch(due) or all(value >= due for value in texts(node, _EINDAGI)
                                               if _ISO_DATE.fullmatch(value))


_IS_LEGAL = "cac:Party/cac:PartyLegalEntity/cbc:CompanyID[normalize-space(@schemeID) = '0196'][normalize-space()]"

IS: tuple[Rule, ...] = (
    Rule("IS-R-001", "warning", "If seller is icelandic then invoice type should be 380 or 381 — Ef seljandi er "
                                "íslenskur þá ætti gerð reiknings (BT-3) að vera sölureikningur (380) eða "
                                "kreditreikningur (381).",
         ubl=Check(_IS_ROOT, "contains(' 380 381 ', concat(' ', normalize-space(cbc:InvoiceTypeCode | "
                             "cbc:CreditNoteTypeCode), ' '))")),
    Rule("IS-R-002", "fatal", "If seller is icelandic then it shall contain sellers legal id — Ef seljandi er "
                              "íslenskur þá skal reikningur innihalda íslenska kennitölu seljanda (BT-30).",
         ubl=Check(_IS_ROOT, f"cac:AccountingSupplierParty/{_IS_LEGAL}"), bt_ids=("BT-30", "BT-30-1")),
    Rule("IS-R-003", "fatal", "If seller is icelandic then it shall contain his address with street name and zip "
                              "code — Ef seljandi er íslenskur þá skal heimilisfang seljanda innihalda götuheiti og "
                              "póstnúmer (BT-35 og BT-38).",
         ubl=Check(_IS_ROOT, "normalize-space(cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cbc:StreetName)"
                             " != '' and normalize-space(cac:AccountingSupplierParty/cac:Party/cac:PostalAddress"
                             "/cbc:PostalZone) != ''")),
    Rule("IS-R-004", "fatal", "If seller and buyer are icelandic then the invoice shall contain the buyers icelandic "
                              "legal identifier — Ef seljandi og kaupandi eru íslenskir þá skal reikningurinn "
                              "innihalda íslenska kennitölu kaupanda (BT-47).",
         ubl=Check(_IS_CUSTOMER, _IS_LEGAL), bt_ids=("BT-47", "BT-47-1")),
    Rule("IS-R-005", "fatal", "If seller and buyer are icelandic then the invoice shall contain the buyers address "
                              "with street name and zip code — Ef seljandi og kaupandi eru íslenskir þá skal "
                              "heimilisfang kaupanda innihalda götuheiti og póstnúmer (BT-50 og BT-53)",
         ubl=Check(_IS_CUSTOMER, "normalize-space(cac:Party/cac:PostalAddress/cbc:StreetName) != '' and "
                                 "normalize-space(cac:Party/cac:PostalAddress/cbc:PostalZone) != ''")),
    Rule("IS-R-006", "fatal", "If seller is icelandic and payment means code is 9 then a 12 digit account id must "
                              "exist — Ef seljandi er íslenskur og greiðslumáti (BT-81) er krafa (kóti 9) þá skal "
                              "koma fram 12 stafa númer (bankanúmer, höfuðbók 66 og reikningsnúmer) (BT-84)",
         ubl=Check(_IS_ROOT, _account_of_12_digits("9"))),
    Rule("IS-R-007", "fatal", "If seller is icelandic and payment means code is 42 then a 12 digit account id must "
                              "exist — Ef seljandi er íslenskur og greiðslumáti (BT-81) er millifærsla (kóti 42) þá "
                              "skal koma fram 12 stafa reikningnúmer (BT-84)",
         ubl=Check(_IS_ROOT, _account_of_12_digits("42"))),
    Rule("IS-R-008", "fatal", "If seller is icelandic and invoice contains supporting description EINDAGI then the "
                              "id form must be YYYY-MM-DD — Ef seljandi er íslenskur þá skal eindagi (BT-122, "
                              "DocumentDescription = EINDAGI) vera á forminu YYYY-MM-DD.",
         ubl=Check(_IS_ROOT, _eindagi_format), bt_ids=("BT-122", "BT-123")),
    Rule("IS-R-009", "fatal", "If seller is icelandic and invoice contains supporting description EINDAGI invoice "
                              "must have due date — Ef seljandi er íslenskur þá skal reikningur sem inniheldur "
                              "eindaga (BT-122, DocumentDescription = EINDAGI) einnig hafa gjalddaga (BT-9).",
         ubl=Check(_IS_ROOT, _eindagi_due), bt_ids=("BT-122", "BT-123", "BT-9")),
    Rule("IS-R-010", "fatal", "If seller is icelandic and invoice contains supporting description EINDAGI the id "
                              "date must be same or later than due date — Ef seljandi er íslenskur þá skal eindagi "
                              "(BT-122, DocumentDescription = EINDAGI) skal vera sami eða síðar en gjalddagi (BT-9) "
                              "ef eindagi er til staðar.",
         ubl=Check(_IS_ROOT, _eindagi_after_due), bt_ids=("BT-122", "BT-123", "BT-9")),
)
"""The IS-R-* rules (UBL only)."""


def norwegian_vat_ok(value: str) -> bool:
    """Whether ``value`` is ``NO``, a valid Norwegian organisation number (nine digits, check digit) and ``MVA``."""
    from stdnum.no import orgnr  # imported on first use, as elsewhere in the engine
    found = re.fullmatch(r"NO([0-9]{9})MVA", value)
    return bool(found) and orgnr.is_valid(found.group(1) if found else "")


def _norwegian_vat(node: etree._Element, doc: Doc) -> bool:
    path = "cac:PartyTaxScheme[normalize-space(cac:TaxScheme/cbc:ID) = 'VAT']/cbc:CompanyID" if doc.syntax == "UBL" \
        else "ram:SpecifiedTaxRegistration/ram:ID[@schemeID = 'VA' or @schemeID = 'VAT']"
    return all(norwegian_vat_ok(value) for value in texts(node, path))


_REGISTER = "contains(translate(., 'FORETAKSRGI', 'foretaksrgi'), 'foretaksregisteret')"

NO: tuple[Rule, ...] = (
    Rule("NO-R-001", "fatal", "For Norwegian suppliers, a VAT number MUST be the country code prefix NO followed by "
                              "a valid Norwegian organization number (nine numbers) followed by the letters MVA.",
         ubl=Check("//cac:AccountingSupplierParty/cac:Party[$supplierCountry = 'NO']", _norwegian_vat),
         cii=Check("//ram:SellerTradeParty[$supplierCountry = 'NO']", _norwegian_vat), bt_ids=("BT-31",)),
    Rule("NO-R-002", "warning", 'For Norwegian suppliers, most invoice issuers are required to append '
                                '"Foretaksregisteret" to their invoice. "Dersom selger er aksjeselskap, '
                                "allmennaksjeselskap eller filial av utenlandsk selskap skal også ordet "
                                "«Foretaksregisteret» fremgå av salgsdokumentet, jf. foretaksregisterloven § 10-2.\"",
         ubl=Check("//cac:AccountingSupplierParty/cac:Party[$supplierCountry = 'NO']",
                   f"cac:PartyTaxScheme[normalize-space(cac:TaxScheme/cbc:ID) != 'VAT']/cbc:CompanyID[{_REGISTER}] or "
                   f"cac:PartyLegalEntity/cbc:CompanyLegalForm[{_REGISTER}]"),
         cii=Check("//ram:SellerTradeParty[$supplierCountry = 'NO']",
                   f"ram:SpecifiedTaxRegistration/ram:ID[@schemeID = 'FC'][{_REGISTER}] or "
                   f"ram:Description[{_REGISTER}]"),
         bt_ids=("BT-32", "BT-33")),
)
"""The NO-R-* rules."""

RULES: tuple[Rule, ...] = (*IS, *NO)
"""The IS-R-* then the NO-R-* rules, in the order of the rule list."""
