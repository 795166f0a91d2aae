"""The PEPPOL-EN16931-* rules of Peppol BIS Billing 3.0 (document-level restrictions on EN 16931)."""

from __future__ import annotations

from facturx_engine.validation.peppol.engine import Check, Rule

__all__ = ["RULES"]

_UBL_ROOT = "/ubl-invoice:Invoice | /ubl-creditnote:CreditNote"
_CII_ROOT = "/rsm:CrossIndustryInvoice"
_SPEC = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"

RULES: tuple[Rule, ...] = (
    Rule("PEPPOL-EN16931-R001", "fatal", "Business process MUST be provided.",
         ubl=Check(_UBL_ROOT, "cbc:ProfileID"),
         cii=Check(_CII_ROOT, "rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter"
                              "/ram:ID"),
         bt_ids=("BT-23",)),
    Rule("PEPPOL-EN16931-R004", "fatal",
         f"Specification identifier MUST have the value '{_SPEC}'.",
         ubl=Check(_UBL_ROOT, f"starts-with(normalize-space(cbc:CustomizationID/text()), '{_SPEC}')"),
         cii=Check(_CII_ROOT, "starts-with(normalize-space(rsm:ExchangedDocumentContext"
                              f"/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID/text()), '{_SPEC}')"),
         bt_ids=("BT-24",)),
)
