"""The PEPPOL-EN16931 code-list, date-format and document-type rules of Peppol BIS Billing 3.0 (CL001-CL008,
F001, P0100-P0112).

Code lists: where the BIS list is the list the engine already holds for EN 16931 (MIME codes, UNCL 5189
allowance and UNCL 7161 charge reasons, ISO 4217 currencies, electronic address schemes -- the EN 16931
code lists the BIS refers to) the engine's set is used (:func:`~facturx_engine.model.codes.code_set`);
the BIS-specific subsets (invoice and credit note type codes, invoice period description codes) are
stated once below.

Two readings of the rule list, for CII: F001 checks a ``udt:DateTimeString`` is a calendar date in
format 102 (``YYYYMMDD``, the CII form of ``YYYY-MM-DD``); P0100 applies to the document's
``rsm:ExchangedDocument/ram:TypeCode`` (the list names the context ``ram:ExchangedDocument``, an element
CII does not have) and accepts the BIS invoice and credit note codes, as one CII document type carries both.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from lxml import etree

from facturx_engine.model.codes import code_set
from facturx_engine.validation.peppol.engine import Check, Doc, Rule
from facturx_engine.validation.peppol.values import normalized

__all__ = ["CREDIT_NOTE_TYPES", "INVOICE_TYPES", "PERIOD_CODES", "RULES"]

INVOICE_TYPES = frozenset(
    "71 80 82 84 102 218 219 326 331 380 382 383 384 386 388 393 395 553 575 623 780 817 870 875 876 877".split())
"""The invoice type codes (BT-3) of the BIS profile; 326 and 384 only between German parties (P0112)."""

CREDIT_NOTE_TYPES = frozenset("81 83 261 262 296 308 381 396 420 458 532".split())
"""The credit note type codes (BT-3) of the BIS profile."""

PERIOD_CODES = frozenset({"3", "35", "432"})
"""UNCL 2005 subset for the invoice period description code (BT-8)."""

_ISO_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CII_DATE_RE = re.compile(r"[0-9]{8}")
_UPPER = "translate(cbc:TaxExemptionReasonCode, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')"


def _in(name: str, value: str = "text") -> Callable[[etree._Element, Doc], bool]:
    """A test: the node's text (or the attribute ``value``) is in the engine's code list ``name``."""
    def test(node: etree._Element, doc: Doc) -> bool:
        code = normalized(node.text) if value == "text" else node.get(value)
        return code is not None and code in code_set(name)
    return test


def _in_set(codes: frozenset[str]) -> Callable[[etree._Element, Doc], bool]:
    def test(node: etree._Element, doc: Doc) -> bool:
        return normalized(node.text) in codes
    return test


def _date_format(node: etree._Element, doc: Doc) -> bool:
    """F001: ``YYYY-MM-DD`` (CII: format 102, ``YYYYMMDD``) and a calendar date."""
    text = (node.text or "").strip()
    try:
        if doc.syntax == "UBL":
            return _ISO_DATE_RE.fullmatch(text) is not None and bool(dt.date.fromisoformat(text))
        return (node.get("format") == "102" and _CII_DATE_RE.fullmatch(text) is not None
                and bool(dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))))
    except ValueError:
        return False


def _exemption(code: str, category: str) -> Check:
    return Check(f"//cac:TaxCategory[{_UPPER} = '{code}']", f"normalize-space(cbc:ID) = '{category}'")


def _exemption_rule(rule_id: str, category: str, code: str) -> Rule:
    return Rule(rule_id, "fatal",
                f"Tax Category {category} MUST be used when exemption reason code is {code}",
                ubl=_exemption(code, category), bt_ids=("BT-118", "BT-121"))


_UBL_AMOUNTS = " | ".join(f"//cbc:{name}" for name in (
    "Amount", "BaseAmount", "PriceAmount", "TaxAmount", "TaxableAmount", "LineExtensionAmount", "TaxExclusiveAmount",
    "TaxInclusiveAmount", "AllowanceTotalAmount", "ChargeTotalAmount", "PrepaidAmount", "PayableRoundingAmount",
    "PayableAmount"))

RULES: tuple[Rule, ...] = (
    Rule("PEPPOL-EN16931-CL001", "fatal", "Mime code must be according to subset of IANA code list.",
         ubl=Check("//cbc:EmbeddedDocumentBinaryObject[@mimeCode]", _in("mime", "mimeCode")),
         cii=Check("//ram:AttachmentBinaryObject[@mimeCode]", _in("mime", "mimeCode")), bt_ids=("BT-125",)),
    Rule("PEPPOL-EN16931-CL002", "fatal", "Reason code MUST be according to subset of UNCL 5189 D.16B.",
         ubl=Check("//cac:AllowanceCharge[cbc:ChargeIndicator = 'false']/cbc:AllowanceChargeReasonCode",
                   _in("allowance_reason")),
         cii=Check("//ram:SpecifiedTradeAllowanceCharge[normalize-space(ram:ChargeIndicator/udt:Indicator) = 'false']"
                   "/ram:ReasonCode", _in("allowance_reason")),
         bt_ids=("BT-98", "BT-140")),
    Rule("PEPPOL-EN16931-CL003", "fatal", "Reason code MUST be according to UNCL 7161 D.16B.",
         ubl=Check("//cac:AllowanceCharge[cbc:ChargeIndicator = 'true']/cbc:AllowanceChargeReasonCode",
                   _in("charge_reason")),
         cii=Check("//ram:SpecifiedTradeAllowanceCharge[normalize-space(ram:ChargeIndicator/udt:Indicator) = 'true']"
                   "/ram:ReasonCode", _in("charge_reason")),
         bt_ids=("BT-105", "BT-145")),
    Rule("PEPPOL-EN16931-CL006", "fatal", "Invoice period description code must be according to UNCL 2005 D.16B.",
         ubl=Check("//cac:InvoicePeriod/cbc:DescriptionCode", _in_set(PERIOD_CODES)), bt_ids=("BT-8",)),
    Rule("PEPPOL-EN16931-CL007", "fatal", "Currency code must be according to ISO 4217:2005",
         ubl=Check(_UBL_AMOUNTS, _in("currency", "currencyID")),
         cii=Check("//ram:TaxTotalAmount[@currencyID]", _in("currency", "currencyID")), bt_ids=("BT-5", "BT-6")),
    Rule("PEPPOL-EN16931-CL008", "fatal",
         'Electronic address identifier scheme must be from the codelist "Electronic Address Identifier Scheme"',
         ubl=Check("//cbc:EndpointID[@schemeID]", _in("eas", "schemeID")),
         cii=Check("//ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID | "
                   "//ram:SellerTradeParty/ram:URIUniversalCommunication/ram:URIID", _in("eas", "schemeID")),
         bt_ids=("BT-34-1", "BT-49-1")),
    Rule("PEPPOL-EN16931-F001", "fatal", "A date MUST be formatted YYYY-MM-DD.",
         ubl=Check(" | ".join(f"//cbc:{name}" for name in (
             "IssueDate", "DueDate", "TaxPointDate", "StartDate", "EndDate", "ActualDeliveryDate")), _date_format),
         cii=Check("//udt:DateTimeString", _date_format)),
    Rule("PEPPOL-EN16931-P0100", "fatal", "Invoice type code MUST be set according to the profile.",
         ubl=Check("//cbc:InvoiceTypeCode", _in_set(INVOICE_TYPES)),
         cii=Check("/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:TypeCode",
                   _in_set(INVOICE_TYPES | CREDIT_NOTE_TYPES)),
         bt_ids=("BT-3",)),
    Rule("PEPPOL-EN16931-P0101", "fatal", "Credit note type code MUST be set according to the profile.",
         ubl=Check("//cbc:CreditNoteTypeCode", _in_set(CREDIT_NOTE_TYPES)), bt_ids=("BT-3",)),
    _exemption_rule("PEPPOL-EN16931-P0104", "G", "VATEX-EU-G"),
    _exemption_rule("PEPPOL-EN16931-P0105", "O", "VATEX-EU-O"),
    _exemption_rule("PEPPOL-EN16931-P0106", "K", "VATEX-EU-IC"),
    _exemption_rule("PEPPOL-EN16931-P0107", "AE", "VATEX-EU-AE"),
    _exemption_rule("PEPPOL-EN16931-P0108", "E", "VATEX-EU-D"),
    _exemption_rule("PEPPOL-EN16931-P0109", "E", "VATEX-EU-F"),
    _exemption_rule("PEPPOL-EN16931-P0110", "E", "VATEX-EU-I"),
    _exemption_rule("PEPPOL-EN16931-P0111", "E", "VATEX-EU-J"),
    Rule("PEPPOL-EN16931-P0112", "fatal",
         "Invoice type code 326 or 384 are only allowed when both buyer and seller are German organizations",
         ubl=Check("//cbc:InvoiceTypeCode", "not(normalize-space(.) = '326' or normalize-space(.) = '384') or "
                                            "($supplierCountry = 'DE' and $customerCountry = 'DE')"),
         bt_ids=("BT-3",)),
)
