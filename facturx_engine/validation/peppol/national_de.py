"""The German national rules of Peppol BIS Billing 3.0 (DE-R-*): they apply in UBL when both the seller's
and the buyer's postal address are in Germany (``$supplierCountryIsDE and $customerCountryIsDE``, the
upper-cased BT-40 and BT-55); the rule list gives them no CII context."""

from __future__ import annotations

import re

from lxml import etree

from facturx_engine.validation.peppol.engine import Check, Doc, Rule, Test, variable
from facturx_engine.validation.peppol.national_common import (UBL_ROOTS, in_both_roots, postal_country, raw_texts,
                                                               texts)

__all__ = ["RULES", "email_ok", "skonto_problem"]

_DE = "[$supplierCountryIsDE and $customerCountryIsDE]"
_ROOT = f"({UBL_ROOTS}){_DE}"
_SUPPLIER = "cac:AccountingSupplierParty"
_CONTACT = in_both_roots("cac:AccountingSupplierParty/cac:Party/cac:Contact", _DE)
_SELLER_ADDRESS = in_both_roots("cac:AccountingSupplierParty/cac:Party/cac:PostalAddress", _DE)
_BUYER_ADDRESS = in_both_roots("cac:AccountingCustomerParty/cac:Party/cac:PostalAddress", _DE)
_DELIVERY_ADDRESS = in_both_roots("cac:Delivery/cac:DeliveryLocation/cac:Address", _DE)
_TRANSFER = in_both_roots("cac:PaymentMeans[cbc:PaymentMeansCode = 30 or cbc:PaymentMeansCode = 58]", _DE)
_CARD = in_both_roots("cac:PaymentMeans[cbc:PaymentMeansCode = 48 or cbc:PaymentMeansCode = 54"
                      " or cbc:PaymentMeansCode = 55]", _DE)
_DEBIT = in_both_roots("cac:PaymentMeans[cbc:PaymentMeansCode = 59]", _DE)
_TYPES_017 = ("326", "380", "384", "389", "381", "875", "876", "877")
_VAT_CODES_016 = ("S", "Z", "E", "AE", "K", "G", "L", "M")
_SKONTO = re.compile(r"#SKONTO#TAGE=[0-9]+#PROZENT=[0-9]+\.[0-9]{2}#(?:BASISBETRAG=-?[0-9]+(?:\.[0-9]{1,2})?#)?")
_AT_FRAMES = (" ", "\t", "\n", "\r", ".")


@variable("supplierCountryIsDE")
def _supplier_is_de(root: etree._Element, syntax: str) -> bool:
    return postal_country(root, syntax, "supplier") == "DE"


@variable("customerCountryIsDE")
def _customer_is_de(root: etree._Element, syntax: str) -> bool:
    return postal_country(root, syntax, "customer") == "DE"


def _present(path: str) -> str:
    return f"normalize-space({path}) != ''"


def _codes(path: str, codes: tuple[str, ...]) -> str:
    return f"contains(' {' '.join(codes)} ', concat(' ', normalize-space({path}), ' '))"


def skonto_problem(note: str) -> str | None:
    """What is wrong with the cash-discount (Skonto) statements of one payment-terms text (BT-20), None
    if nothing: every line that starts with ``#`` (after any blanks) is a statement and must read exactly
    ``#SKONTO#TAGE=N#PROZENT=N.NN#`` (optionally ``BASISBETRAG=N.NN#`` after it) and end with a line
    break."""
    lines = note.split("\n")
    for index, line in enumerate(lines):
        if not line.lstrip(" \t\r").startswith("#"):
            continue
        if not _SKONTO.fullmatch(line):
            return f"line {index + 1} {line!r} is not of the form #SKONTO#TAGE=N#PROZENT=N.NN#"
        if index == len(lines) - 1:
            return f"line {index + 1} {line!r} does not end with a line break"
    return None


def _skonto(node: etree._Element, doc: Doc) -> bool:
    return all(skonto_problem(note) is None for note in raw_texts(node, "cac:PaymentTerms/cbc:Note"))


def _ibans(path: str) -> Test:
    def test(node: etree._Element, doc: Doc) -> bool:
        from stdnum import iban  # imported on first use, as elsewhere in the engine
        return all(iban.is_valid(value) and " " not in value for value in texts(node, path))
    return test


def _unique_filenames(node: etree._Element, doc: Doc) -> bool:
    names = [name.lower() for name in texts(
        node, "cac:AdditionalDocumentReference/cac:Attachment/cbc:EmbeddedDocumentBinaryObject/@filename")]
    return len(names) == len(set(names))


def _telephone(node: etree._Element, doc: Doc) -> bool:
    return all(sum(c.isdigit() for c in phone) >= 3 for phone in texts(node, "cbc:Telephone"))


def email_ok(address: str) -> bool:
    """Whether ``address`` has exactly one ``@``, with at least two characters on each side, neither next to
    it a blank or a dot, and no dot as its first or last character (DE-R-028)."""
    if address.count("@") != 1 or address[:1] == "." or address[-1:] == ".":
        return False
    local, domain = address.split("@")
    return len(local) >= 2 and len(domain) >= 2 and local[-1] not in _AT_FRAMES and domain[0] not in _AT_FRAMES


def _email(node: etree._Element, doc: Doc) -> bool:
    return all(email_ok(address) for address in raw_texts(node, "cbc:ElectronicMail"))


_TAX_CODES_016 = " or ".join(f"normalize-space(.) = '{code}'" for code in _VAT_CODES_016)
_SELLER_TAX_016 = ("cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID[normalize-space()]"
                   " or cac:TaxRepresentativeParty")
_MANDATE = "cac:PaymentMeans/cac:PaymentMandate"

RULES: tuple[Rule, ...] = (
    Rule("DE-R-001", "fatal", 'An invoice shall contain information on "PAYMENT INSTRUCTIONS" (BG-16).',
         ubl=Check(_ROOT, "cac:PaymentMeans")),
    Rule("DE-R-002", "fatal", 'The group "SELLER CONTACT" (BG-6) shall be provided.',
         ubl=Check(in_both_roots(_SUPPLIER, _DE), "cac:Party/cac:Contact")),
    Rule("DE-R-003", "fatal", 'The element "Seller city" (BT-37) shall be provided.',
         ubl=Check(_SELLER_ADDRESS, _present("cbc:CityName"))),
    Rule("DE-R-004", "fatal", 'The element "Seller post code" (BT-38) shall be provided.',
         ubl=Check(_SELLER_ADDRESS, _present("cbc:PostalZone"))),
    Rule("DE-R-005", "fatal", 'The element "Seller contact point" (BT-41) shall be provided.',
         ubl=Check(_CONTACT, _present("cbc:Name"))),
    Rule("DE-R-006", "fatal", 'The element "Seller contact telephone number" (BT-42) shall be provided.',
         ubl=Check(_CONTACT, _present("cbc:Telephone"))),
    Rule("DE-R-007", "fatal", 'The element "Seller contact email address" (BT-43) shall be provided.',
         ubl=Check(_CONTACT, _present("cbc:ElectronicMail"))),
    Rule("DE-R-008", "fatal", 'The element "Buyer city" (BT-52) shall be provided.',
         ubl=Check(_BUYER_ADDRESS, _present("cbc:CityName"))),
    Rule("DE-R-009", "fatal", 'The element "Buyer post code" (BT-53) shall be provided.',
         ubl=Check(_BUYER_ADDRESS, _present("cbc:PostalZone"))),
    Rule("DE-R-010", "fatal", 'The element "Deliver to city" (BT-77) shall be provided if the group "DELIVER TO '
                              'ADDRESS" (BG-15) is delivered.',
         ubl=Check(_DELIVERY_ADDRESS, _present("cbc:CityName"))),
    Rule("DE-R-011", "fatal", 'The element "Deliver to post code" (BT-78) shall be provided if the group '
                              '"DELIVER TO ADDRESS" (BG-15) is delivered.',
         ubl=Check(_DELIVERY_ADDRESS, _present("cbc:PostalZone"))),
    Rule("DE-R-014", "fatal", 'The element "VAT category rate" (BT-119) shall be provided.',
         ubl=Check(in_both_roots("cac:TaxTotal/cac:TaxSubtotal", _DE), _present("cac:TaxCategory/cbc:Percent"))),
    Rule("DE-R-015", "fatal", 'The element "Buyer reference" (BT-10) shall be provided.',
         ubl=Check(_ROOT, _present("cbc:BuyerReference"))),
    Rule("DE-R-016", "fatal", "If one of the VAT codes S, Z, E, AE, K, G, L, or M is used, an invoice shall contain "
                              'at least one of the following elements: "Seller VAT identifier" (BT-31) or "Seller '
                              'tax registration identifier" (BT-32) or "SELLER TAX REPRESENTATIVE PARTY" (BG-11).',
         ubl=Check(_ROOT, f"not(.//cac:TaxCategory/cbc:ID[{_TAX_CODES_016}] | "
                          f".//cac:ClassifiedTaxCategory/cbc:ID[{_TAX_CODES_016}]) or {_SELLER_TAX_016}"),
         bt_ids=("BT-31", "BT-32", "BG-11", "BT-95", "BT-102", "BT-118", "BT-151")),
    Rule("DE-R-017", "warning", 'The element "Invoice type code" (BT-3) should only contain the following values '
                                "from code list UNTDID 1001: 326 (Partial invoice), 380 (Commercial invoice), 384 "
                                "(Corrected invoice), 389 (Self-billed invoice), 381 (Credit note), 875 (Partial "
                                "construction invoice), 876 (Partial final construction invoice), 877 (Final "
                                "construction invoice).",
         ubl=Check(_ROOT, _codes("cbc:InvoiceTypeCode | cbc:CreditNoteTypeCode", _TYPES_017))),
    Rule("DE-R-018", "fatal", 'Information on cash discounts for prompt payment (Skonto) shall be provided within '
                              'the element "Payment terms" BT-20 in the following way: First segment "SKONTO", second '
                              'segment amount of days ("TAGE=N"), third segment percentage ("PROZENT=N"). Percentage '
                              "must be separated by dot with two decimal places. In case the base value of the "
                              "invoiced amount is not provided in BT-115 but as a partial amount, the base value "
                              'shall be provided as fourth segment "BASISBETRAG=N" as semantic data type amount. '
                              "Each entry shall start with a #, the segments must be separated by # and a row shall "
                              "end with a #. A complete statement on cash discount for prompt payment shall end with "
                              "a XML-conformant line break. All statements on cash discount for prompt payment shall "
                              "be given in capital letters. Additional whitespaces (blanks, tabulators or line "
                              "breaks) are not allowed. Other characters or texts than defined above are not "
                              "allowed.",
         ubl=Check(_ROOT, _skonto), bt_ids=("BT-20",)),
    Rule("DE-R-019", "warning", 'The element "Payment account identifier" (BT-84) should contain a valid IBAN if '
                                'code 58 SEPA is provided in "Payment means type code" (BT-81).',
         ubl=Check(_TRANSFER, _ibans("cac:PayeeFinancialAccount/cbc:ID"))),
    Rule("DE-R-020", "warning", 'The element "Debited account identifier" (BT-91) should contain a valid IBAN if '
                                'code 59 SEPA is provided in "Payment means type code" (BT-81).',
         ubl=Check(_DEBIT, _ibans("cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID"))),
    Rule("DE-R-022", "fatal", 'Attached documents provided with an invoice in "ADDITIONAL SUPPORTING DOCUMENTS" '
                              '(BG-24) shall have a unique filename (non case-sensitive) within the element '
                              '″Attached document″ (BT-125).',
         ubl=Check(_ROOT, _unique_filenames), bt_ids=("BG-24", "BT-125", "BT-125-2")),
    Rule("DE-R-023-1", "fatal", 'If "Payment means type code" (BT-81) contains a code for credit transfer (30, 58), '
                                '"CREDIT TRANSFER" (BG-17) shall be provided.',
         ubl=Check(_TRANSFER, "cac:PayeeFinancialAccount")),
    Rule("DE-R-023-2", "fatal", 'If "Payment means type code" (BT-81) contains a code for credit transfer (30, 58), '
                                "BG-18 and BG-19 shall not be provided.",
         ubl=Check(_TRANSFER, "not(cac:CardAccount or cac:PaymentMandate)")),
    Rule("DE-R-024-1", "fatal", 'If "Payment means type code" (BT-81) contains a code for payment card (48, 54, 55), '
                                '"PAYMENT CARD INFORMATION" (BG-18) shall be provided.',
         ubl=Check(_CARD, "cac:CardAccount")),
    Rule("DE-R-024-2", "fatal", 'If "Payment means type code" (BT-81) contains a code for payment card (48, 54, 55), '
                                "BG-17 and BG-19 shall not be provided.",
         ubl=Check(_CARD, "not(cac:PayeeFinancialAccount or cac:PaymentMandate)")),
    Rule("DE-R-025-1", "fatal", 'If "Payment means type code" (BT-81) contains a code for direct debit (59), '
                                '"DIRECT DEBIT" (BG-19) shall be provided.',
         ubl=Check(_DEBIT, "cac:PaymentMandate")),
    Rule("DE-R-025-2", "fatal", 'If "Payment means type code" (BT-81) contains a code for direct debit (59), BG-17 '
                                "and BG-18 shall not be provided.",
         ubl=Check(_DEBIT, "not(cac:PayeeFinancialAccount or cac:CardAccount)")),
    Rule("DE-R-026", "warning", 'If "Invoice type code" (BT-3) contains the code 384 (Corrected invoice), '
                                '"PRECEDING INVOICE REFERENCE" (BG-3) should be provided at least once.',
         ubl=Check(_ROOT, "not(normalize-space(cbc:InvoiceTypeCode | cbc:CreditNoteTypeCode) = '384') or "
                          "cac:BillingReference/cac:InvoiceDocumentReference")),
    Rule("DE-R-027", "warning", '"Seller contact telephone number" (BT-42) should contain a valid telephone number. '
                                "A valid telephone should consist of 3 digits minimum.",
         ubl=Check(_CONTACT, _telephone)),
    Rule("DE-R-028", "warning", '"Seller contact email address" (BT-43) should contain exactly one @-sign, which '
                                "should not be framed by a whitespace or a dot but by at least two characters on "
                                "each side. A dot should not be the first or last character.",
         ubl=Check(_CONTACT, _email)),
    Rule("DE-R-030", "fatal", 'If the group "DIRECT DEBIT" (BG-19) is delivered, the element "Bank assigned '
                              'creditor identifier" (BT-90) shall be provided.',
         ubl=Check(_ROOT, f"not({_MANDATE}) or cac:AccountingSupplierParty/cac:Party/cac:PartyIdentification"
                          "/cbc:ID[@schemeID = 'SEPA'][normalize-space()] or cac:PayeeParty/cac:PartyIdentification"
                          "/cbc:ID[@schemeID = 'SEPA'][normalize-space()]")),
    Rule("DE-R-031", "fatal", 'If the group "DIRECT DEBIT" (BG-19) is delivered, the element "Debited account '
                              'identifier" (BT-91) shall be provided.',
         ubl=Check(_ROOT, f"not({_MANDATE}) or {_MANDATE}/cac:PayerFinancialAccount/cbc:ID[normalize-space()]")),
)
"""The DE-R-* rules, in the order of the rule list."""
