"""Rows of the amounts: allowances and charges (BG-20/21 on the document, BG-27/28 on a line, one
shape for both), the document totals (BG-22) and the VAT breakdown (BG-23)."""

from __future__ import annotations

from typing import Any

from facturx_engine.syntax.terms.rows import BASIC, BWL, EN, HTS, MIN, SUM, Getter, Term, a, const, date_row, doc, tot

__all__ = ["allowances", "totals"]


def _select(items: Getter, charge: bool) -> Getter:
    """The charges (or the allowances) among ``items``; fast when there are none (most lines)."""

    def get(i: Any, w: Any) -> Any:
        its = items(i, w)
        return tuple(x for x in its if x.ac.charge is charge) if its else ()

    return get


def allowances(ctx: str, cii: str, ubl: str, items: Getter, doc_level: bool) -> list[Term]:
    """Rows for allowance (BG-20/27) and charge (BG-21/28) groups at document or line level."""
    out: list[Term] = []
    ids = {True: ("BG-20", "BT-92", "BT-93", "BT-94", "BT-95", "BT-96", "BT-97", "BT-98"),
           False: ("BG-27", "BT-136", "BT-137", "BT-138", "", "", "BT-139", "BT-140")}
    cids = {True: ("BG-21", "BT-99", "BT-100", "BT-101", "BT-102", "BT-103", "BT-104", "BT-105"),
            False: ("BG-28", "BT-141", "BT-142", "BT-143", "", "", "BT-144", "BT-145")}
    for charge in (False, True):
        g, amt, base, pct, cat, rate, reason, code = (cids if charge else ids)[doc_level]
        prof = BWL if doc_level else BASIC
        prof_base = BWL if doc_level else EN
        sel = _select(items, charge)
        out += [
            Term(g, "Allowance" if not charge else "Charge", ctx, cii, ubl, prof, sel, repeat=True),
            Term("_", "Charge indicator", g, "ram:ChargeIndicator/udt:Indicator", "cbc:ChargeIndicator", prof,
                 const("true" if charge else "false"), kind="CONST", reportable=False),
            Term(amt, "Amount", g, "ram:ActualAmount", "cbc:Amount", prof, a("amount"), kind="AMOUNT"),
            Term(base, "Base amount", g, "ram:BasisAmount", "cbc:BaseAmount", prof_base, a("base"),
                 kind="AMOUNT"),
            Term(pct, "Percentage", g, "ram:CalculationPercent", "cbc:MultiplierFactorNumeric", prof_base,
                 a("ac.percent"), kind="NUMBER"),
            Term(reason, "Reason", g, "ram:Reason", "cbc:AllowanceChargeReason", prof, a("ac.reason")),
            Term(code, "Reason code", g, "ram:ReasonCode", "cbc:AllowanceChargeReasonCode", prof, a("ac.reason_code")),
        ]
        if doc_level:
            out += [
                Term(cat, "VAT category code", g, "ram:CategoryTradeTax/ram:CategoryCode", "cac:TaxCategory/cbc:ID",
                     prof, a("vat.category.value")),
                Term(rate, "VAT rate", g, "ram:CategoryTradeTax/ram:RateApplicablePercent", "cac:TaxCategory/cbc:Percent",
                     prof, a("vat.rate"), kind="NUMBER"),
                Term("_", "VAT type", g, "ram:CategoryTradeTax/ram:TypeCode", "cac:TaxCategory/cac:TaxScheme/cbc:ID",
                     prof, const("VAT"), kind="CONST", reportable=False),
            ]
    return out


def _tax_point_date(i: Any, w: Any) -> Any:
    """BT-7 in the first VAT breakdown only: CII places it in each ``ram:ApplicableTradeTax``, but
    CEN's CII-SR-461 allows one in the document (the reader takes it from any breakdown)."""
    return w.doc.tax_point_date if i is w.totals.vat_breakdown[0] else None


def totals() -> list[Term]:
    s = SUM
    return [
        Term("BT-106", "Sum of line net amounts", "DOC", f"{s}/ram:LineTotalAmount", "cac:LegalMonetaryTotal/cbc:LineExtensionAmount",
             BWL, tot("line_total"), kind="AMOUNT"),
        Term("BT-107", "Sum of allowances", "DOC", f"{s}/ram:AllowanceTotalAmount", "cac:LegalMonetaryTotal/cbc:AllowanceTotalAmount",
             BWL, lambda _i, w: w.totals.allowance_total if w.doc.allowances_charges and any(
                 not x.charge for x in w.doc.allowances_charges) else None, kind="AMOUNT"),
        Term("BT-108", "Sum of charges", "DOC", f"{s}/ram:ChargeTotalAmount", "cac:LegalMonetaryTotal/cbc:ChargeTotalAmount",
             BWL, lambda _i, w: w.totals.charge_total if any(x.charge for x in w.doc.allowances_charges) else None,
             kind="AMOUNT"),
        Term("BT-109", "Total without VAT", "DOC", f"{s}/ram:TaxBasisTotalAmount", "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount",
             MIN, tot("tax_exclusive"), kind="AMOUNT"),
        Term("BT-110", "Total VAT amount", "DOC", f"{s}/ram:TaxTotalAmount#doc", "cac:TaxTotal#doc/cbc:TaxAmount",
             MIN, tot("tax_total"), kind="AMOUNT"),
        Term("_", "Currency", "DOC", f"{s}/ram:TaxTotalAmount#doc/@currencyID", None, MIN, doc("currency"),
             kind="CONST", reportable=False),
        Term("BT-111", "Total VAT in accounting currency", "DOC", f"{s}/ram:TaxTotalAmount#acc",
             "cac:TaxTotal#acc/cbc:TaxAmount", BWL, doc("tax_currency_vat_total"), kind="AMOUNT_TAX"),
        Term("_", "Currency", "DOC", f"{s}/ram:TaxTotalAmount#acc/@currencyID", None, BWL, doc("tax_currency"),
             kind="CONST", reportable=False),
        Term("BT-112", "Total with VAT", "DOC", f"{s}/ram:GrandTotalAmount", "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount",
             MIN, tot("grand_total"), kind="AMOUNT"),
        Term("BT-113", "Paid amount", "DOC", f"{s}/ram:TotalPrepaidAmount", "cac:LegalMonetaryTotal/cbc:PrepaidAmount",
             BWL, lambda _i, w: w.totals.paid or None, kind="AMOUNT"),
        Term("BT-114", "Rounding amount", "DOC", f"{s}/ram:RoundingAmount", "cac:LegalMonetaryTotal/cbc:PayableRoundingAmount",
             EN, lambda _i, w: w.totals.rounding or None, kind="AMOUNT"),
        Term("BT-115", "Amount due for payment", "DOC", f"{s}/ram:DuePayableAmount", "cac:LegalMonetaryTotal/cbc:PayableAmount",
             MIN, tot("due"), kind="AMOUNT"),
        Term("BG-23", "VAT breakdown", "DOC", f"{HTS}/ram:ApplicableTradeTax", "cac:TaxTotal#doc/cac:TaxSubtotal", BWL,
             lambda _i, w: w.totals.vat_breakdown, repeat=True),
        Term("BT-116", "VAT category taxable amount", "BG-23", "ram:BasisAmount", "cbc:TaxableAmount", BWL,
             a("taxable_amount"), kind="AMOUNT"),
        Term("BT-117", "VAT category tax amount", "BG-23", "ram:CalculatedAmount", "cbc:TaxAmount", BWL,
             a("tax_amount"), kind="AMOUNT"),
        Term("BT-118", "VAT category code", "BG-23", "ram:CategoryCode", "cac:TaxCategory/cbc:ID", BWL,
             a("category.value")),
        Term("BT-119", "VAT category rate", "BG-23", "ram:RateApplicablePercent", "cac:TaxCategory/cbc:Percent", BWL,
             a("rate"), kind="NUMBER"),
        Term("BT-120", "VAT exemption reason text", "BG-23", "ram:ExemptionReason", "cac:TaxCategory/cbc:TaxExemptionReason",
             BWL, a("exemption_reason")),
        Term("BT-121", "VAT exemption reason code", "BG-23", "ram:ExemptionReasonCode",
             "cac:TaxCategory/cbc:TaxExemptionReasonCode", BWL, a("exemption_code")),
        Term("_", "VAT type", "BG-23", "ram:TypeCode", "cac:TaxCategory/cac:TaxScheme/cbc:ID", BWL, const("VAT"),
             kind="CONST", reportable=False),
        date_row("BT-7", "VAT point date", "BG-23", "ram:TaxPointDate", None, EN, _tax_point_date,
                 elem="udt:DateString"),
        Term("BT-8", "VAT point date code", "BG-23", "ram:DueDateTypeCode", None, BWL,
             lambda _i, w: {"3": "5", "35": "29", "432": "72"}.get(w.doc.tax_point_code or "")),
    ]

