"""Rows of the invoice lines (BG-25): the line itself, its period, price and VAT, the item (BG-31,
BG-32) and the line's allowances and charges (BG-27/28, shaped in :mod:`.amounts`)."""

from __future__ import annotations

from facturx_engine.syntax.terms.amounts import allowances
from facturx_engine.syntax.terms.rows import BASIC, EN, TX, ACItem, Term, a, const, date_row

__all__ = ["lines"]

_LI = f"{TX}/ram:IncludedSupplyChainTradeLineItem"
_L = "BG-25"
_AG, _ST, _PR = "ram:SpecifiedLineTradeAgreement", "ram:SpecifiedLineTradeSettlement", "ram:SpecifiedTradeProduct"


def lines() -> list[Term]:
    return _line() + _price_and_vat() + _item() + allowances(
        _L, f"{_ST}/ram:SpecifiedTradeAllowanceCharge", "cac:AllowanceCharge",
        lambda i, _w: tuple(ACItem(ac, amt, None, base) for ac, amt, base in
                            zip(i.line.allowances_charges, i.amounts.allowance_charge_amounts,
                                i.amounts.allowance_charge_bases))
        if i.line.allowances_charges else (),
        doc_level=False)


def _line() -> list[Term]:
    """The line (BG-25) and what it says of itself: id, note, object, quantity, net amount, references, period."""
    return [
        Term(_L, "Invoice line", "DOC", _LI, "cac:InvoiceLine", BASIC, lambda _i, w: w.line_items, repeat=True,
             ubl_cn="cac:CreditNoteLine"),
        Term("BT-126", "Invoice line identifier", _L, "ram:AssociatedDocumentLineDocument/ram:LineID", "cbc:ID", BASIC,
             a("line.id")),
        Term("BT-127", "Invoice line note", _L, "ram:AssociatedDocumentLineDocument/ram:IncludedNote/ram:Content",
             "cbc:Note", BASIC, a("line.note")),
        Term("BT-128", "Invoice line object identifier", _L, f"{_ST}/ram:AdditionalReferencedDocument/ram:IssuerAssignedID",
             "cac:DocumentReference/cbc:ID", EN, a("line.object_id.value")),
        Term("_", "Object type code", _L, f"{_ST}/ram:AdditionalReferencedDocument/ram:TypeCode",
             "cac:DocumentReference/cbc:DocumentTypeCode", EN, const("130"), kind="CONST", reportable=False),
        Term("BT-128-1", "Invoice line object identifier scheme", _L,
             f"{_ST}/ram:AdditionalReferencedDocument/ram:ReferenceTypeCode", "cac:DocumentReference/cbc:ID/@schemeID",
             EN, a("line.object_id.scheme")),
        Term("BT-129", "Invoiced quantity", _L, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", "cbc:InvoicedQuantity",
             BASIC, a("line.quantity"), kind="NUMBER", ubl_cn="cbc:CreditedQuantity"),
        Term("BT-130", "Invoiced quantity unit", _L, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity/@unitCode",
             "cbc:InvoicedQuantity/@unitCode", BASIC, a("line.unit"), ubl_cn="cbc:CreditedQuantity/@unitCode"),
        Term("BT-131", "Invoice line net amount", _L,
             f"{_ST}/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount", "cbc:LineExtensionAmount",
             BASIC, a("amounts.net_amount"), kind="AMOUNT"),
        Term("BT-132", "Referenced purchase order line", _L, f"{_AG}/ram:BuyerOrderReferencedDocument/ram:LineID",
             "cac:OrderLineReference/cbc:LineID", EN, a("line.order_line_ref")),
        Term("BT-133", "Invoice line buyer accounting reference", _L,
             f"{_ST}/ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID", "cbc:AccountingCost", EN,
             a("line.accounting_ref")),
        date_row("BT-134", "Line period start", _L, f"{_ST}/ram:BillingSpecifiedPeriod/ram:StartDateTime",
                 "cac:InvoicePeriod/cbc:StartDate", BASIC, a("line.period.start")),
        date_row("BT-135", "Line period end", _L, f"{_ST}/ram:BillingSpecifiedPeriod/ram:EndDateTime",
                 "cac:InvoicePeriod/cbc:EndDate", BASIC, a("line.period.end")),
    ]


def _price_and_vat() -> list[Term]:
    """Price details (BG-29) and the line's VAT information (BG-30)."""
    return [
        Term("BT-146", "Item net price", _L, f"{_AG}/ram:NetPriceProductTradePrice/ram:ChargeAmount", "cac:Price/cbc:PriceAmount",
             BASIC, a("amounts.net_price"), kind="PRICE"),
        Term("BT-149", "Item price base quantity", _L, f"{_AG}/ram:NetPriceProductTradePrice/ram:BasisQuantity",
             "cac:Price/cbc:BaseQuantity", BASIC, a("line.base_quantity"), kind="NUMBER"),
        Term("BT-150", "Item price base quantity unit", _L, f"{_AG}/ram:NetPriceProductTradePrice/ram:BasisQuantity/@unitCode",
             "cac:Price/cbc:BaseQuantity/@unitCode", BASIC, lambda i, _w: i.line.unit if i.line.base_quantity else None),
        Term("BT-148", "Item gross price", _L, f"{_AG}/ram:GrossPriceProductTradePrice/ram:ChargeAmount",
             "cac:Price/cac:AllowanceCharge/cbc:BaseAmount", BASIC, a("amounts.gross_price"), kind="PRICE"),
        Term("BT-147", "Item price discount", _L,
             f"{_AG}/ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:ActualAmount",
             "cac:Price/cac:AllowanceCharge/cbc:Amount", BASIC, a("amounts.price_discount"), kind="PRICE"),
        Term("_", "Price discount indicator", _L,
             f"{_AG}/ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:ChargeIndicator/udt:Indicator",
             "cac:Price/cac:AllowanceCharge/cbc:ChargeIndicator", BASIC, const("false"), kind="CONST", reportable=False),
        Term("BT-151", "Invoiced item VAT category code", _L, f"{_ST}/ram:ApplicableTradeTax/ram:CategoryCode",
             "cac:Item/cac:ClassifiedTaxCategory/cbc:ID", BASIC, a("line.vat.category.value")),
        Term("BT-152", "Invoiced item VAT rate", _L, f"{_ST}/ram:ApplicableTradeTax/ram:RateApplicablePercent",
             "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", BASIC, a("line.vat.rate"), kind="NUMBER"),
        Term("_", "VAT type", _L, f"{_ST}/ram:ApplicableTradeTax/ram:TypeCode",
             "cac:Item/cac:ClassifiedTaxCategory/cac:TaxScheme/cbc:ID", BASIC, const("VAT"), kind="CONST",
             reportable=False),
    ]


def _item() -> list[Term]:
    """Item information (BG-31) and item attributes (BG-32)."""
    return [
        Term("BT-153", "Item name", _L, f"{_PR}/ram:Name", "cac:Item/cbc:Name", BASIC, a("line.name")),
        Term("BT-154", "Item description", _L, f"{_PR}/ram:Description", "cac:Item/cbc:Description", EN,
             a("line.description")),
        Term("BT-155", "Item seller's identifier", _L, f"{_PR}/ram:SellerAssignedID",
             "cac:Item/cac:SellersItemIdentification/cbc:ID", EN, a("line.seller_item_id")),
        Term("BT-156", "Item buyer's identifier", _L, f"{_PR}/ram:BuyerAssignedID",
             "cac:Item/cac:BuyersItemIdentification/cbc:ID", EN, a("line.buyer_item_id")),
        Term("BT-157", "Item standard identifier", _L, f"{_PR}/ram:GlobalID",
             "cac:Item/cac:StandardItemIdentification/cbc:ID", BASIC, a("line.standard_item_id.value")),
        Term("BT-157-1", "Item standard identifier scheme", _L, f"{_PR}/ram:GlobalID/@schemeID",
             "cac:Item/cac:StandardItemIdentification/cbc:ID/@schemeID", BASIC, a("line.standard_item_id.scheme")),
        Term("BT-158", "Item classification", _L, f"{_PR}/ram:DesignatedProductClassification",
             "cac:Item/cac:CommodityClassification", EN, a("line.classifications"), repeat=True),
        Term("BT-158", "Item classification identifier", "BT-158", "ram:ClassCode", "cbc:ItemClassificationCode", EN,
             a("value")),
        Term("BT-158-1", "Item classification scheme", "BT-158", "ram:ClassCode/@listID",
             "cbc:ItemClassificationCode/@listID", EN, a("scheme")),
        Term("BT-158-2", "Item classification scheme version", "BT-158", "ram:ClassCode/@listVersionID",
             "cbc:ItemClassificationCode/@listVersionID", EN, a("scheme_version")),
        Term("BT-159", "Item country of origin", _L, f"{_PR}/ram:OriginTradeCountry/ram:ID",
             "cac:Item/cac:OriginCountry/cbc:IdentificationCode", EN, a("line.origin_country")),
        Term("BG-32", "Item attributes", _L, f"{_PR}/ram:ApplicableProductCharacteristic", "cac:Item/cac:AdditionalItemProperty",
             EN, a("line.attributes"), repeat=True),
        Term("BT-160", "Item attribute name", "BG-32", "ram:Description", "cbc:Name", EN, a("name")),
        Term("BT-161", "Item attribute value", "BG-32", "ram:Value", "cbc:Value", EN, a("value")),
    ]
