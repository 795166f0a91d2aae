"""Rows of delivery and payment: the payee (BG-10), the seller's tax representative (BG-11), the
delivery (BG-13..BG-15), the invoicing period (BG-14) and the payment instructions (BG-16..BG-19)."""

from __future__ import annotations

from facturx_engine.syntax.terms.parties import address, party_ids
from facturx_engine.syntax.terms.rows import BWL, EN, HTA, HTD, HTS, MIN, PT, Getter, Term, a, const, date_row, doc

__all__ = ["payee_taxrep_delivery", "payment"]


def _first_pay(get: Getter) -> Getter:
    """Only on the first payment-means entry: UBL allows BT-82 and the CreditNote due date once
    (UBL-SR-45, UBL-SR-46) although each credit-transfer account is its own cac:PaymentMeans."""
    return lambda i, w: get(i, w) if w.payment_entries and i is w.payment_entries[0] else None


def payee_taxrep_delivery() -> list[Term]:
    pay_cii, tr_cii, ship = f"{HTS}/ram:PayeeTradeParty", f"{HTA}/ram:SellerTaxRepresentativeTradeParty", \
        f"{HTD}/ram:ShipToTradeParty"
    rows = [
        Term("BT-59", "Payee name", "DOC", f"{pay_cii}/ram:Name", "cac:PayeeParty/cac:PartyName/cbc:Name", BWL,
             doc("payee.name")),
        Term("BT-61", "Payee legal registration identifier", "DOC", f"{pay_cii}/ram:SpecifiedLegalOrganization/ram:ID",
             "cac:PayeeParty/cac:PartyLegalEntity/cbc:CompanyID", BWL, doc("payee.legal_id.value")),
        Term("BT-61-1", "Payee legal registration identifier scheme", "DOC",
             f"{pay_cii}/ram:SpecifiedLegalOrganization/ram:ID/@schemeID",
             "cac:PayeeParty/cac:PartyLegalEntity/cbc:CompanyID/@schemeID", BWL, doc("payee.legal_id.scheme")),
        Term("BT-62", "Seller tax representative name", "DOC", f"{tr_cii}/ram:Name",
             "cac:TaxRepresentativeParty/cac:PartyName/cbc:Name", BWL, doc("tax_representative.name")),
        Term("BT-63", "Seller tax representative VAT identifier", "DOC",
             f"{tr_cii}/ram:SpecifiedTaxRegistration/ram:ID",
             "cac:TaxRepresentativeParty/cac:PartyTaxScheme/cbc:CompanyID", BWL, doc("tax_representative.vat_id")),
        Term("_", "VAT scheme", "DOC", f"{tr_cii}/ram:SpecifiedTaxRegistration/ram:ID/@schemeID",
             "cac:TaxRepresentativeParty/cac:PartyTaxScheme/cac:TaxScheme/cbc:ID", BWL,
             lambda _i, w: "VA" if w.syntax == "cii" else "VAT", kind="CONST", reportable=False),
        Term("BT-70", "Deliver to party name", "DOC", f"{ship}/ram:Name",
             "cac:Delivery/cac:DeliveryParty/cac:PartyName/cbc:Name", BWL, lambda _i, w: w.delivery and w.delivery.name),
        # CII: ram:ID without a scheme, ram:GlobalID with one (a GlobalID needs its schemeID, FX-SCH-A-000453)
        Term("BT-71", "Deliver to location identifier", "DOC", f"{ship}/ram:ID", None, BWL,
             lambda _i, w: w.delivery and w.delivery.location_id and w.delivery.location_id.scheme is None
             and w.delivery.location_id.value or None),
        Term("BT-71", "Deliver to location identifier", "DOC", f"{ship}/ram:GlobalID",
             "cac:Delivery/cac:DeliveryLocation/cbc:ID", BWL,
             lambda _i, w: w.delivery and w.delivery.location_id and (
                 w.delivery.location_id.scheme is not None or w.syntax != "cii") and w.delivery.location_id.value
             or None),
        Term("BT-71-1", "Deliver to location identifier scheme", "DOC", f"{ship}/ram:GlobalID/@schemeID",
             "cac:Delivery/cac:DeliveryLocation/cbc:ID/@schemeID", BWL,
             lambda _i, w: w.delivery and w.delivery.location_id and w.delivery.location_id.scheme),
        date_row("BT-72", "Actual delivery date", "DOC", f"{HTD}/ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime",
                 "cac:Delivery/cbc:ActualDeliveryDate", BWL, doc("delivery.date")),
        Term("_", "Header trade delivery", "DOC", HTD, None, MIN, const(""), kind="ALWAYS", reportable=False),
    ]
    rows += party_ids("BT-60", "payee", pay_cii, "cac:PayeeParty", "doc_payee_ids", BWL)
    rows += address(("BT-64", "BT-65", "BT-164", "BT-66", "BT-67", "BT-68", "BT-69"), "DOC",
                    f"{tr_cii}/ram:PostalTradeAddress", "cac:TaxRepresentativeParty/cac:PostalAddress",
                    "doc_taxrep.address", BWL, BWL)
    rows += address(("BT-75", "BT-76", "BT-165", "BT-77", "BT-78", "BT-79", "BT-80"), "DOC",
                    f"{ship}/ram:PostalTradeAddress", "cac:Delivery/cac:DeliveryLocation/cac:Address",
                    "delivery_address", BWL, BWL)
    rows += [
        date_row("BT-73", "Invoicing period start date", "DOC", f"{HTS}/ram:BillingSpecifiedPeriod/ram:StartDateTime",
                 "cac:InvoicePeriod/cbc:StartDate", BWL, doc("invoicing_period.start")),
        date_row("BT-74", "Invoicing period end date", "DOC", f"{HTS}/ram:BillingSpecifiedPeriod/ram:EndDateTime",
                 "cac:InvoicePeriod/cbc:EndDate", BWL, doc("invoicing_period.end")),
    ]
    return rows


def payment() -> list[Term]:
    pm = f"{HTS}/ram:SpecifiedTradeSettlementPaymentMeans"
    return [
        Term("BG-16", "Payment instructions", "DOC", pm, "cac:PaymentMeans", BWL, lambda _i, w: w.payment_entries,
             repeat=True, key="PAY"),
        Term("BT-81", "Payment means type code", "PAY", "ram:TypeCode", "cbc:PaymentMeansCode", BWL, a("means.means_code")),
        # after the BG-16 row that defines the PAY context (a row before it would be skipped)
        date_row("BT-9", "Payment due date", "PAY", None, None, BWL, _first_pay(doc("due_date")),
                 ubl_cn="cbc:PaymentDueDate", reportable=False),
        Term("BT-82", "Payment means text", "PAY", "ram:Information", None, EN, a("means.means_text")),
        Term("BT-82", "Payment means text", "PAY", None, "cbc:PaymentMeansCode/@name", EN,
             _first_pay(a("means.means_text"))),
        Term("BT-83", "Remittance information", "DOC", f"{HTS}/ram:PaymentReference", None, BWL,
             doc("payment.remittance_info")),
        Term("BT-83", "Remittance information", "PAY", None, "cbc:PaymentID", BWL, a("means.remittance_info")),
        Term("BT-84", "Payment account identifier", "PAY", "ram:PayeePartyCreditorFinancialAccount/ram:IBANID",
             None, BWL, lambda i, _w: i.account.account_id if i.account and i.is_iban else None),
        Term("BT-84", "Payment account identifier", "PAY", "ram:PayeePartyCreditorFinancialAccount/ram:ProprietaryID",
             None, BWL, lambda i, _w: i.account.account_id if i.account and not i.is_iban else None),
        Term("BT-84", "Payment account identifier", "PAY", None, "cac:PayeeFinancialAccount/cbc:ID", BWL,
             a("account.account_id")),
        Term("BT-85", "Payment account name", "PAY", "ram:PayeePartyCreditorFinancialAccount/ram:AccountName",
             "cac:PayeeFinancialAccount/cbc:Name", EN, a("account.account_name")),
        Term("BT-86", "Payment service provider identifier", "PAY",
             "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID",
             "cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID", EN, a("account.bic")),
        Term("BT-87", "Payment card primary account number", "PAY", "ram:ApplicableTradeSettlementFinancialCard/ram:ID",
             "cac:CardAccount/cbc:PrimaryAccountNumberID", EN, a("card.pan_last_digits")),
        Term("_", "Card network", "PAY", None, "cac:CardAccount/cbc:NetworkID", EN, const("NA"),
             kind="CONST", reportable=False),
        Term("BT-88", "Payment card holder name", "PAY", "ram:ApplicableTradeSettlementFinancialCard/ram:CardholderName",
             "cac:CardAccount/cbc:HolderName", EN, a("card.holder")),
        Term("BT-89", "Mandate reference identifier", "DOC", f"{PT}/ram:DirectDebitMandateID", None, BWL,
             doc("payment.direct_debit.mandate_id")),
        Term("BT-89", "Mandate reference identifier", "PAY", None, "cac:PaymentMandate/cbc:ID", BWL,
             a("debit.mandate_id")),
        Term("BT-91", "Debited account identifier", "PAY", "ram:PayerPartyDebtorFinancialAccount/ram:IBANID",
             "cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID", BWL, a("debit.debited_account")),
    ]

