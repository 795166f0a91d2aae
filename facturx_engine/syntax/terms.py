"""The table of EN 16931 business terms: one row per term (per syntax context where they differ).

Each :class:`Term` names its BT/BG id, the context it lives in (``DOC`` or the id of a
repeating group such as ``BG-25``), its path in CII and in UBL (``ubl_cn`` where the UBL
CreditNote differs; ``None`` where a syntax has no place for it), the lowest Factur-X profile
that carries it, how to read its value from the model, and its kind (which decides the
formatting: dates, amounts, quantities ...). The CII and UBL writers are this table compiled
(:mod:`facturx_engine.syntax.engine`); the tests check it against the model and the spec digest.
A new field is one row here plus one model attribute.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from facturx_engine.model.codes import Profile

__all__ = ["TERMS", "Term", "by_id"]

MIN, BWL, BASIC, EN, EXT = (Profile.MINIMUM, Profile.BASIC_WL, Profile.BASIC, Profile.EN16931,
                            Profile.EXTENDED)
Getter = Callable[[Any, Any], Any]


@dataclass(frozen=True, slots=True)
class Term:
    id: str
    name: str
    ctx: str
    cii: str | None
    ubl: str | None
    profile: Profile
    get: Getter
    kind: str = "TEXT"
    repeat: bool = False
    ubl_cn: str | None = "="          # "=" same as ``ubl``
    key: str = ""                     # context name of a repeating row (defaults to id)
    reportable: bool = True
    elsewhere: tuple[str, ...] = ()   # syntaxes without a path of its own that carry it in another row's text

    def path_for(self, syntax: str) -> str | None:
        if syntax == "cii":
            return self.cii
        if syntax == "ubl-cn" and self.ubl_cn != "=":
            return self.ubl_cn
        return self.ubl

    @property
    def context_name(self) -> str:
        return self.key or self.id

    def has_data(self, item: Any, wctx: Any) -> bool:
        v = self.get(item, wctx)
        return v not in (None, "", ())


def a(path: str) -> Getter:
    """Getter of a dotted attribute path on the context item, None-safe."""
    parts = path.split(".")

    def get(item: Any, _: Any) -> Any:
        for p in parts:
            if item is None:
                return None
            item = getattr(item, p)
        return item

    get.inline = ("item", tuple(parts))  # type: ignore[attr-defined]  # _xml inlines the lookup
    return get


def const(value: str) -> Getter:
    def get(_i: Any, _w: Any) -> Any:
        return value

    get.inline = ("const", value)  # type: ignore[attr-defined]
    return get


def _doc(path: str) -> Getter:
    inner = a(path)

    def get(_i: Any, w: Any) -> Any:
        return inner(w.doc, w)

    get.inline = ("wctx", ("doc", *path.split(".")))  # type: ignore[attr-defined]  # same None-safe chain
    return get


def _tot(name: str) -> Getter:
    def get(_i: Any, w: Any) -> Any:
        return getattr(w.totals, name)

    get.inline = ("wctx", ("totals", name))  # type: ignore[attr-defined]
    return get


class LineItem(NamedTuple):
    line: Any
    amounts: Any


class ACItem(NamedTuple):
    ac: Any
    amount: Any       # BT-92/99/136/141 as written (net of VAT)
    vat: Any
    base: Any = None  # BT-93/100/137/142 as written (net of VAT)


def _ids(path: str, with_scheme: bool) -> Getter:
    get = a(path)
    return lambda i, w: tuple(x for x in (get(i, w) or ()) if (x.scheme is not None) == with_scheme)


def _first_pay(get: Getter) -> Getter:
    """Only on the first payment-means entry: UBL allows BT-82 and the CreditNote due date once
    (UBL-SR-45, UBL-SR-46) although each credit-transfer account is its own cac:PaymentMeans."""
    return lambda i, w: get(i, w) if w.payment_entries and i is w.payment_entries[0] else None


def _one(path: str) -> Getter:
    get = a(path)
    return lambda i, w: (get(i, w),) if get(i, w) is not None else ()


# ---------------------------------------------------------------------------- shared shapes


def _address(ids: tuple[str, ...], ctx: str, cii: str, ubl: str, src: str, prof: Profile,
             country_prof: Profile) -> list[Term]:
    """BT rows of a postal address: line1, line2, line3, city, postcode, subdivision, country."""
    l1, l2, l3, city, pc, sub, country = ids
    rows = [
        (l1, "Address line 1", "ram:LineOne", "cbc:StreetName", "line1"),
        (l2, "Address line 2", "ram:LineTwo", "cbc:AdditionalStreetName", "line2"),
        (l3, "Address line 3", "ram:LineThree", "cac:AddressLine/cbc:Line", "line3"),
        (city, "City", "ram:CityName", "cbc:CityName", "city"),
        (pc, "Post code", "ram:PostcodeCode", "cbc:PostalZone", "postal_code"),
        (sub, "Country subdivision", "ram:CountrySubDivisionName", "cbc:CountrySubentity", "subdivision"),
    ]
    out = [Term(t, n, ctx, f"{cii}/{c}", f"{ubl}/{u}", prof, a(f"{src}.{f}")) for t, n, c, u, f in rows]
    out.append(Term(country, "Country code", ctx, f"{cii}/ram:CountryID", f"{ubl}/cac:Country/cbc:IdentificationCode",
                    country_prof, a(f"{src}.country")))
    return out


def _contact(ids: tuple[str, ...], ctx: str, cii: str, ubl: str, src: str) -> list[Term]:
    name, phone, email = ids
    return [
        Term(name, "Contact point", ctx, f"{cii}/ram:DefinedTradeContact/ram:PersonName", f"{ubl}/cac:Contact/cbc:Name",
             EN, a(f"{src}.contact.name")),
        Term(phone, "Contact telephone", ctx,
             f"{cii}/ram:DefinedTradeContact/ram:TelephoneUniversalCommunication/ram:CompleteNumber",
             f"{ubl}/cac:Contact/cbc:Telephone", EN, a(f"{src}.contact.phone")),
        Term(email, "Contact email", ctx,
             f"{cii}/ram:DefinedTradeContact/ram:EmailURIUniversalCommunication/ram:URIID",
             f"{ubl}/cac:Contact/cbc:ElectronicMail", EN, a(f"{src}.contact.email")),
    ]


def _party_ids(term: str, ctx_prefix: str, cii: str, ubl: str, src: str, prof: Profile,
               ubl_max: int | None = None) -> list[Term]:
    """BT-29/46/60-style identifiers: CII ID (no scheme) or GlobalID (scheme); UBL PartyIdentification
    (at most ``ubl_max`` of them: the others are reported as lost by ubl.write_ubl)."""
    k_plain, k_glob, k_ubl = f"{ctx_prefix}:id", f"{ctx_prefix}:gid", f"{ctx_prefix}:uid"
    return [
        Term(term, "Party identifier", "DOC", f"{cii}/ram:ID", None, prof, _ids(f"{src}", False), repeat=True,
             key=k_plain),
        Term(term, "Party identifier", k_plain, ".", None, prof, a("value")),
        Term(term, "Party identifier", "DOC", f"{cii}/ram:GlobalID", None, prof, _ids(f"{src}", True), repeat=True,
             key=k_glob),
        Term(term, "Party identifier", k_glob, ".", None, prof, a("value")),
        Term(f"{term}-1", "Party identifier scheme", k_glob, "@schemeID", None, prof, a("scheme")),
        Term(term, "Party identifier", "DOC", None, f"{ubl}/cac:PartyIdentification", prof,
             a_doc_tuple(src, ubl_max), repeat=True, key=k_ubl),
        Term(term, "Party identifier", k_ubl, None, "cbc:ID", prof, a("value")),
        Term(f"{term}-1", "Party identifier scheme", k_ubl, None, "cbc:ID/@schemeID", prof, a("scheme")),
    ]


def a_doc_tuple(src: str, limit: int | None = None) -> Getter:
    get = a(src)
    return lambda i, w: tuple(get(i, w) or ())[:limit]


def _trade_party(p: dict[str, Any], cii: str, ubl: str, src: str) -> list[Term]:
    """Seller (BG-4) or buyer (BG-7) rows; ``p`` maps roles to this party's BT ids."""
    party = f"{ubl}/cac:Party"
    rows = [
        Term(p["name"], "Name", "DOC", f"{cii}/ram:Name", f"{party}/cac:PartyLegalEntity/cbc:RegistrationName", MIN,
             a(f"{src}.name")),
        Term(p["trading"], "Trading name", "DOC", f"{cii}/ram:SpecifiedLegalOrganization/ram:TradingBusinessName",
             f"{party}/cac:PartyName/cbc:Name", p["trading_prof"], a(f"{src}.trading_name")),
        Term(p["legal"], "Legal registration identifier", "DOC", f"{cii}/ram:SpecifiedLegalOrganization/ram:ID",
             f"{party}/cac:PartyLegalEntity/cbc:CompanyID", MIN, a(f"{src}.legal_id.value")),
        Term(p["legal"] + "-1", "Legal registration identifier scheme", "DOC",
             f"{cii}/ram:SpecifiedLegalOrganization/ram:ID/@schemeID",
             f"{party}/cac:PartyLegalEntity/cbc:CompanyID/@schemeID", MIN, a(f"{src}.legal_id.scheme")),
        Term(p["vat"], "VAT identifier", "DOC", f"{cii}/ram:SpecifiedTaxRegistration#VA/ram:ID",
             f"{party}/cac:PartyTaxScheme#VAT/cbc:CompanyID", p["vat_prof"], a(f"{src}.vat_id")),
        Term(p["address"], "Postal address", "DOC", f"{cii}/ram:PostalTradeAddress", f"{party}/cac:PostalAddress",
             p["address_prof"], a(f"{src}.address"), kind="GROUP"),
        Term(p["ea"], "Electronic address", "DOC", f"{cii}/ram:URIUniversalCommunication/ram:URIID",
             f"{party}/cbc:EndpointID", BWL, a(f"{src}.electronic_address.value")),
        Term(p["ea"] + "-1", "Electronic address scheme", "DOC",
             f"{cii}/ram:URIUniversalCommunication/ram:URIID/@schemeID", f"{party}/cbc:EndpointID/@schemeID", BWL,
             a(f"{src}.electronic_address.scheme")),
    ]
    rows.append(Term("_", "VAT scheme", "DOC", f"{cii}/ram:SpecifiedTaxRegistration#VA/ram:ID/@schemeID", None, MIN,
                     const("VA"), kind="CONST", reportable=False))
    rows.append(Term("_", "VAT scheme", "DOC", None, f"{party}/cac:PartyTaxScheme#VAT/cac:TaxScheme/cbc:ID", MIN,
                     const("VAT"), kind="CONST", reportable=False))
    # UBL-SR-16: a UBL buyer has at most one PartyIdentification (EN 16931: BT-46 is 0..1)
    rows += _party_ids(p["id"], src, cii, party, f"{src}.identifiers", BWL, None if src.endswith("seller") else 1)
    rows += _address(p["addr_ids"], "DOC", f"{cii}/ram:PostalTradeAddress", f"{party}/cac:PostalAddress",
                     f"{src}.address", BWL, MIN if src.endswith("seller") else BWL)
    rows += _contact(p["contact_ids"], "DOC", cii, party, src)
    return rows


def _date_rows(term: str, name: str, ctx: str, cii: str | None, ubl: str | None, prof: Profile, get: Getter,
               elem: str = "udt:DateTimeString", **kw: Any) -> Term:
    return Term(term, name, ctx, f"{cii}/{elem}" if cii else None, ubl, prof, get, kind="DATE", **kw)


# ---------------------------------------------------------------------------- the table

_CTX = "rsm:ExchangedDocumentContext"
_HDR = "rsm:ExchangedDocument"
_TX = "rsm:SupplyChainTradeTransaction"
_HTA = f"{_TX}/ram:ApplicableHeaderTradeAgreement"
_HTD = f"{_TX}/ram:ApplicableHeaderTradeDelivery"
_HTS = f"{_TX}/ram:ApplicableHeaderTradeSettlement"
_SUM = f"{_HTS}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
_PT = f"{_HTS}/ram:SpecifiedTradePaymentTerms"


def _header() -> list[Term]:
    return [
        Term("BT-23", "Business process type", "DOC", f"{_CTX}/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID",
             "cbc:ProfileID", MIN, _doc("process_id")),
        Term("BT-24", "Specification identifier", "DOC", f"{_CTX}/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
             "cbc:CustomizationID", MIN, lambda _i, w: w.guideline),
        Term("BT-1", "Invoice number", "DOC", f"{_HDR}/ram:ID", "cbc:ID", MIN, _doc("number")),
        Term("BT-3", "Invoice type code", "DOC", f"{_HDR}/ram:TypeCode", "cbc:InvoiceTypeCode", MIN, _doc("type_code"),
             ubl_cn="cbc:CreditNoteTypeCode"),
        _date_rows("BT-2", "Invoice issue date", "DOC", f"{_HDR}/ram:IssueDateTime", "cbc:IssueDate", MIN,
                   _doc("issue_date")),
        Term("BG-1", "Invoice note", "DOC", f"{_HDR}/ram:IncludedNote", "cbc:Note", BWL, lambda _i, w: w.notes,
             repeat=True),
        Term("BT-22", "Invoice note", "BG-1", "ram:Content", ".", BWL, lambda i, _w: i, kind="NOTE"),
        Term("BT-21", "Invoice note subject code", "BG-1", "ram:SubjectCode", None, BWL, a("subject_code"),
             elsewhere=("ubl", "ubl-cn")),  # UBL: the "#CODE#" prefix of the note text (ubl._note_text)
        Term("BT-5", "Invoice currency code", "DOC", f"{_HTS}/ram:InvoiceCurrencyCode", "cbc:DocumentCurrencyCode", MIN,
             _doc("currency")),
        Term("BT-6", "VAT accounting currency code", "DOC", f"{_HTS}/ram:TaxCurrencyCode", "cbc:TaxCurrencyCode", BWL,
             _doc("tax_currency")),
        _date_rows("BT-9", "Payment due date", "DOC", f"{_PT}/ram:DueDateDateTime", "cbc:DueDate", BWL,
                   _doc("due_date"), ubl_cn=None),
        Term("BT-10", "Buyer reference", "DOC", f"{_HTA}/ram:BuyerReference", "cbc:BuyerReference", MIN,
             _doc("buyer_reference")),
        Term("BT-11", "Project reference", "DOC", f"{_HTA}/ram:SpecifiedProcuringProject/ram:ID",
             "cac:ProjectReference/cbc:ID", EN, _doc("project_reference"),
             ubl_cn="cac:AdditionalDocumentReference#50/cbc:ID"),
        Term("_", "Project name", "DOC", f"{_HTA}/ram:SpecifiedProcuringProject/ram:Name", None, EN,
             const("Project reference"), kind="CONST", reportable=False),
        Term("_", "Project document type", "DOC", None, None, EN, const("50"), kind="CONST",
             ubl_cn="cac:AdditionalDocumentReference#50/cbc:DocumentTypeCode", reportable=False),
        Term("BT-12", "Contract reference", "DOC", f"{_HTA}/ram:ContractReferencedDocument/ram:IssuerAssignedID",
             "cac:ContractDocumentReference/cbc:ID", BWL, _doc("contract_reference")),
        Term("BT-13", "Purchase order reference", "DOC", f"{_HTA}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID",
             None, MIN, _doc("purchase_order")),
        Term("BT-13", "Purchase order reference", "DOC", None, "cac:OrderReference/cbc:ID", MIN,
             lambda _i, w: w.doc.purchase_order or ("NA" if w.doc.sales_order else None)),
        Term("BT-14", "Sales order reference", "DOC", f"{_HTA}/ram:SellerOrderReferencedDocument/ram:IssuerAssignedID",
             "cac:OrderReference/cbc:SalesOrderID", EN, _doc("sales_order")),
        Term("BT-15", "Receiving advice reference", "DOC",
             f"{_HTD}/ram:ReceivingAdviceReferencedDocument/ram:IssuerAssignedID", "cac:ReceiptDocumentReference/cbc:ID",
             EN, _doc("receiving_advice")),
        Term("BT-16", "Despatch advice reference", "DOC",
             f"{_HTD}/ram:DespatchAdviceReferencedDocument/ram:IssuerAssignedID", "cac:DespatchDocumentReference/cbc:ID",
             BWL, _doc("despatch_advice")),
        Term("BT-17", "Tender or lot reference", "DOC", f"{_HTA}/ram:AdditionalReferencedDocument#50/ram:IssuerAssignedID",
             "cac:OriginatorDocumentReference/cbc:ID", EN, _doc("tender_reference")),
        Term("_", "Tender type code", "DOC", f"{_HTA}/ram:AdditionalReferencedDocument#50/ram:TypeCode", None, EN,
             const("50"), kind="CONST", reportable=False),
        Term("BT-18", "Invoiced object identifier", "DOC",
             f"{_HTA}/ram:AdditionalReferencedDocument#130/ram:IssuerAssignedID",
             "cac:AdditionalDocumentReference#130/cbc:ID", EN, _doc("invoiced_object.value")),
        Term("_", "Invoiced object type code", "DOC", f"{_HTA}/ram:AdditionalReferencedDocument#130/ram:TypeCode",
             "cac:AdditionalDocumentReference#130/cbc:DocumentTypeCode", EN, const("130"), kind="CONST",
             reportable=False),
        Term("BT-18-1", "Invoiced object identifier scheme", "DOC",
             f"{_HTA}/ram:AdditionalReferencedDocument#130/ram:ReferenceTypeCode",
             "cac:AdditionalDocumentReference#130/cbc:ID/@schemeID", EN, _doc("invoiced_object.scheme")),
        Term("BT-19", "Buyer accounting reference", "DOC", f"{_HTS}/ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID",
             "cbc:AccountingCost", BWL, _doc("buyer_accounting_ref")),
        Term("BT-20", "Payment terms", "DOC", f"{_PT}/ram:Description", "cac:PaymentTerms/cbc:Note", BWL,
             _doc("payment_terms")),
        Term("BT-7", "VAT point date", "DOC", None, "cbc:TaxPointDate", EN, _doc("tax_point_date"), kind="DATE"),
        Term("BT-8", "VAT point date code", "DOC", None, "cac:InvoicePeriod/cbc:DescriptionCode", BWL,
             _doc("tax_point_code")),
    ]


def _preceding() -> list[Term]:
    return [
        Term("BG-3", "Preceding invoice reference", "DOC", f"{_HTS}/ram:InvoiceReferencedDocument",
             "cac:BillingReference", BWL, _doc("preceding_invoices"), repeat=True),
        Term("BT-25", "Preceding invoice reference", "BG-3", "ram:IssuerAssignedID",
             "cac:InvoiceDocumentReference/cbc:ID", BWL, a("number")),
        Term("EXT-FR-FE-02", "Preceding invoice type code", "BG-3", "ram:TypeCode", None, EXT, a("type_code")),
        _date_rows("BT-26", "Preceding invoice issue date", "BG-3", "ram:FormattedIssueDateTime",
                   "cac:InvoiceDocumentReference/cbc:IssueDate", BWL, a("issue_date"), elem="qdt:DateTimeString"),
    ]


_SELLER: dict[str, Any] = {"name": "BT-27", "trading": "BT-28", "trading_prof": BWL, "legal": "BT-30", "vat": "BT-31",
           "vat_prof": MIN, "address": "BG-5", "address_prof": MIN, "ea": "BT-34", "id": "BT-29",
           "addr_ids": ("BT-35", "BT-36", "BT-162", "BT-37", "BT-38", "BT-39", "BT-40"),
           "contact_ids": ("BT-41", "BT-42", "BT-43")}
_BUYER: dict[str, Any] = {"name": "BT-44", "trading": "BT-45", "trading_prof": EN, "legal": "BT-47", "vat": "BT-48",
          "vat_prof": BWL, "address": "BG-8", "address_prof": BWL, "ea": "BT-49", "id": "BT-46",
          "addr_ids": ("BT-50", "BT-51", "BT-163", "BT-52", "BT-53", "BT-54", "BT-55"),
          "contact_ids": ("BT-56", "BT-57", "BT-58")}


def _parties() -> list[Term]:
    seller_cii, buyer_cii = f"{_HTA}/ram:SellerTradeParty", f"{_HTA}/ram:BuyerTradeParty"
    rows = _trade_party(_SELLER, seller_cii, "cac:AccountingSupplierParty", "doc_seller")
    rows += _trade_party(_BUYER, buyer_cii, "cac:AccountingCustomerParty", "doc_buyer")
    sp = "cac:AccountingSupplierParty/cac:Party"
    rows += [
        Term("BT-32", "Seller tax registration identifier", "DOC", f"{seller_cii}/ram:SpecifiedTaxRegistration#FC/ram:ID",
             f"{sp}/cac:PartyTaxScheme#TAX/cbc:CompanyID", MIN, _doc("seller.tax_id")),
        Term("_", "Tax scheme", "DOC", f"{seller_cii}/ram:SpecifiedTaxRegistration#FC/ram:ID/@schemeID", None, MIN,
             const("FC"), kind="CONST", reportable=False),
        Term("_", "Tax scheme", "DOC", None, f"{sp}/cac:PartyTaxScheme#TAX/cac:TaxScheme/cbc:ID", MIN,
             const("TAX"), kind="CONST", reportable=False),
        Term("BT-33", "Seller additional legal information", "DOC", f"{seller_cii}/ram:Description",
             f"{sp}/cac:PartyLegalEntity/cbc:CompanyLegalForm", EN, _doc("seller.legal_info")),
        Term("BT-90", "Bank assigned creditor identifier", "DOC", f"{_HTS}/ram:CreditorReferenceID", None, BWL,
             _doc("payment.direct_debit.creditor_id")),
        Term("BT-90", "Bank assigned creditor identifier", "DOC", None, f"{sp}/cac:PartyIdentification#SEPA/cbc:ID",
             BWL, _doc("payment.direct_debit.creditor_id")),
        Term("_", "SEPA scheme", "DOC", None, f"{sp}/cac:PartyIdentification#SEPA/cbc:ID/@schemeID", BWL,
             const("SEPA"), kind="CONST", reportable=False),
    ]
    return rows


def _payee_taxrep_delivery() -> list[Term]:
    pay_cii, tr_cii, ship = f"{_HTS}/ram:PayeeTradeParty", f"{_HTA}/ram:SellerTaxRepresentativeTradeParty", \
        f"{_HTD}/ram:ShipToTradeParty"
    rows = [
        Term("BT-59", "Payee name", "DOC", f"{pay_cii}/ram:Name", "cac:PayeeParty/cac:PartyName/cbc:Name", BWL,
             _doc("payee.name")),
        Term("BT-61", "Payee legal registration identifier", "DOC", f"{pay_cii}/ram:SpecifiedLegalOrganization/ram:ID",
             "cac:PayeeParty/cac:PartyLegalEntity/cbc:CompanyID", BWL, _doc("payee.legal_id.value")),
        Term("BT-61-1", "Payee legal registration identifier scheme", "DOC",
             f"{pay_cii}/ram:SpecifiedLegalOrganization/ram:ID/@schemeID",
             "cac:PayeeParty/cac:PartyLegalEntity/cbc:CompanyID/@schemeID", BWL, _doc("payee.legal_id.scheme")),
        Term("BT-62", "Seller tax representative name", "DOC", f"{tr_cii}/ram:Name",
             "cac:TaxRepresentativeParty/cac:PartyName/cbc:Name", BWL, _doc("tax_representative.name")),
        Term("BT-63", "Seller tax representative VAT identifier", "DOC",
             f"{tr_cii}/ram:SpecifiedTaxRegistration/ram:ID",
             "cac:TaxRepresentativeParty/cac:PartyTaxScheme/cbc:CompanyID", BWL, _doc("tax_representative.vat_id")),
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
        _date_rows("BT-72", "Actual delivery date", "DOC", f"{_HTD}/ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime",
                   "cac:Delivery/cbc:ActualDeliveryDate", BWL, _doc("delivery.date")),
        Term("_", "Header trade delivery", "DOC", _HTD, None, MIN, const(""), kind="ALWAYS", reportable=False),
    ]
    rows += _party_ids("BT-60", "payee", pay_cii, "cac:PayeeParty", "doc_payee_ids", BWL)
    rows += _address(("BT-64", "BT-65", "BT-164", "BT-66", "BT-67", "BT-68", "BT-69"), "DOC",
                     f"{tr_cii}/ram:PostalTradeAddress", "cac:TaxRepresentativeParty/cac:PostalAddress",
                     "doc_taxrep.address", BWL, BWL)
    rows += _address(("BT-75", "BT-76", "BT-165", "BT-77", "BT-78", "BT-79", "BT-80"), "DOC",
                     f"{ship}/ram:PostalTradeAddress", "cac:Delivery/cac:DeliveryLocation/cac:Address",
                     "delivery_address", BWL, BWL)
    rows += [
        _date_rows("BT-73", "Invoicing period start date", "DOC", f"{_HTS}/ram:BillingSpecifiedPeriod/ram:StartDateTime",
                   "cac:InvoicePeriod/cbc:StartDate", BWL, _doc("invoicing_period.start")),
        _date_rows("BT-74", "Invoicing period end date", "DOC", f"{_HTS}/ram:BillingSpecifiedPeriod/ram:EndDateTime",
                   "cac:InvoicePeriod/cbc:EndDate", BWL, _doc("invoicing_period.end")),
    ]
    return rows


def _payment() -> list[Term]:
    pm = f"{_HTS}/ram:SpecifiedTradeSettlementPaymentMeans"
    return [
        Term("BG-16", "Payment instructions", "DOC", pm, "cac:PaymentMeans", BWL, lambda _i, w: w.payment_entries,
             repeat=True, key="PAY"),
        Term("BT-81", "Payment means type code", "PAY", "ram:TypeCode", "cbc:PaymentMeansCode", BWL, a("means.means_code")),
        # after the BG-16 row that defines the PAY context (a row before it would be skipped)
        _date_rows("BT-9", "Payment due date", "PAY", None, None, BWL, _first_pay(_doc("due_date")),
                   ubl_cn="cbc:PaymentDueDate", reportable=False),
        Term("BT-82", "Payment means text", "PAY", "ram:Information", None, EN, a("means.means_text")),
        Term("BT-82", "Payment means text", "PAY", None, "cbc:PaymentMeansCode/@name", EN,
             _first_pay(a("means.means_text"))),
        Term("BT-83", "Remittance information", "DOC", f"{_HTS}/ram:PaymentReference", None, BWL,
             _doc("payment.remittance_info")),
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
        Term("BT-89", "Mandate reference identifier", "DOC", f"{_PT}/ram:DirectDebitMandateID", None, BWL,
             _doc("payment.direct_debit.mandate_id")),
        Term("BT-89", "Mandate reference identifier", "PAY", None, "cac:PaymentMandate/cbc:ID", BWL,
             a("debit.mandate_id")),
        Term("BT-91", "Debited account identifier", "PAY", "ram:PayerPartyDebtorFinancialAccount/ram:IBANID",
             "cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID", BWL, a("debit.debited_account")),
    ]


def _select(items: Getter, charge: bool) -> Getter:
    """The charges (or the allowances) among ``items``; fast when there are none (most lines)."""

    def get(i: Any, w: Any) -> Any:
        its = items(i, w)
        return tuple(x for x in its if x.ac.charge is charge) if its else ()

    return get


def _allowances(ctx: str, cii: str, ubl: str, items: Getter, doc_level: bool) -> list[Term]:
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


def _totals() -> list[Term]:
    s = _SUM
    return [
        Term("BT-106", "Sum of line net amounts", "DOC", f"{s}/ram:LineTotalAmount", "cac:LegalMonetaryTotal/cbc:LineExtensionAmount",
             BWL, _tot("line_total"), kind="AMOUNT"),
        Term("BT-107", "Sum of allowances", "DOC", f"{s}/ram:AllowanceTotalAmount", "cac:LegalMonetaryTotal/cbc:AllowanceTotalAmount",
             BWL, lambda _i, w: w.totals.allowance_total if w.doc.allowances_charges and any(
                 not x.charge for x in w.doc.allowances_charges) else None, kind="AMOUNT"),
        Term("BT-108", "Sum of charges", "DOC", f"{s}/ram:ChargeTotalAmount", "cac:LegalMonetaryTotal/cbc:ChargeTotalAmount",
             BWL, lambda _i, w: w.totals.charge_total if any(x.charge for x in w.doc.allowances_charges) else None,
             kind="AMOUNT"),
        Term("BT-109", "Total without VAT", "DOC", f"{s}/ram:TaxBasisTotalAmount", "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount",
             MIN, _tot("tax_exclusive"), kind="AMOUNT"),
        Term("BT-110", "Total VAT amount", "DOC", f"{s}/ram:TaxTotalAmount#doc", "cac:TaxTotal#doc/cbc:TaxAmount",
             MIN, _tot("tax_total"), kind="AMOUNT"),
        Term("_", "Currency", "DOC", f"{s}/ram:TaxTotalAmount#doc/@currencyID", None, MIN, _doc("currency"),
             kind="CONST", reportable=False),
        Term("BT-111", "Total VAT in accounting currency", "DOC", f"{s}/ram:TaxTotalAmount#acc",
             "cac:TaxTotal#acc/cbc:TaxAmount", BWL, _doc("tax_currency_vat_total"), kind="AMOUNT_TAX"),
        Term("_", "Currency", "DOC", f"{s}/ram:TaxTotalAmount#acc/@currencyID", None, BWL, _doc("tax_currency"),
             kind="CONST", reportable=False),
        Term("BT-112", "Total with VAT", "DOC", f"{s}/ram:GrandTotalAmount", "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount",
             MIN, _tot("grand_total"), kind="AMOUNT"),
        Term("BT-113", "Paid amount", "DOC", f"{s}/ram:TotalPrepaidAmount", "cac:LegalMonetaryTotal/cbc:PrepaidAmount",
             BWL, lambda _i, w: w.totals.paid or None, kind="AMOUNT"),
        Term("BT-114", "Rounding amount", "DOC", f"{s}/ram:RoundingAmount", "cac:LegalMonetaryTotal/cbc:PayableRoundingAmount",
             EN, lambda _i, w: w.totals.rounding or None, kind="AMOUNT"),
        Term("BT-115", "Amount due for payment", "DOC", f"{s}/ram:DuePayableAmount", "cac:LegalMonetaryTotal/cbc:PayableAmount",
             MIN, _tot("due"), kind="AMOUNT"),
        Term("BG-23", "VAT breakdown", "DOC", f"{_HTS}/ram:ApplicableTradeTax", "cac:TaxTotal#doc/cac:TaxSubtotal", BWL,
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
        _date_rows("BT-7", "VAT point date", "BG-23", "ram:TaxPointDate", None, EN, _doc("tax_point_date"),
                   elem="udt:DateString"),
        Term("BT-8", "VAT point date code", "BG-23", "ram:DueDateTypeCode", None, BWL,
             lambda _i, w: {"3": "5", "35": "29", "432": "72"}.get(w.doc.tax_point_code or "")),
    ]


def _attachments() -> list[Term]:
    ard = f"{_HTA}/ram:AdditionalReferencedDocument"
    return [
        Term("BG-24", "Additional supporting documents", "DOC", ard, "cac:AdditionalDocumentReference", EN,
             _doc("attachments"), repeat=True),
        Term("BT-122", "Supporting document reference", "BG-24", "ram:IssuerAssignedID", "cbc:ID", EN, a("id")),
        Term("_", "Type code", "BG-24", "ram:TypeCode", None, EN, const("916"), kind="CONST", reportable=False),
        Term("BT-123", "Supporting document description", "BG-24", "ram:Name", "cbc:DocumentDescription", EN,
             a("description")),
        Term("BT-124", "External document location", "BG-24", "ram:URIID", "cac:Attachment/cac:ExternalReference/cbc:URI",
             EN, a("uri")),
        Term("BT-125", "Attached document", "BG-24", "ram:AttachmentBinaryObject",
             "cac:Attachment/cbc:EmbeddedDocumentBinaryObject", EN, a("content"), kind="BINARY"),
        Term("BT-125-1", "Attached document MIME code", "BG-24", "ram:AttachmentBinaryObject/@mimeCode",
             "cac:Attachment/cbc:EmbeddedDocumentBinaryObject/@mimeCode", EN, a("mime_code")),
        Term("BT-125-2", "Attached document filename", "BG-24", "ram:AttachmentBinaryObject/@filename",
             "cac:Attachment/cbc:EmbeddedDocumentBinaryObject/@filename", EN, a("filename")),
    ]


_LI = f"{_TX}/ram:IncludedSupplyChainTradeLineItem"


def _lines() -> list[Term]:
    L = "BG-25"
    ag, st, pr = "ram:SpecifiedLineTradeAgreement", "ram:SpecifiedLineTradeSettlement", "ram:SpecifiedTradeProduct"
    rows = [
        Term(L, "Invoice line", "DOC", _LI, "cac:InvoiceLine", BASIC, lambda _i, w: w.line_items, repeat=True,
             ubl_cn="cac:CreditNoteLine"),
        Term("BT-126", "Invoice line identifier", L, "ram:AssociatedDocumentLineDocument/ram:LineID", "cbc:ID", BASIC,
             a("line.id")),
        Term("BT-127", "Invoice line note", L, "ram:AssociatedDocumentLineDocument/ram:IncludedNote/ram:Content",
             "cbc:Note", BASIC, a("line.note")),
        Term("BT-128", "Invoice line object identifier", L, f"{st}/ram:AdditionalReferencedDocument/ram:IssuerAssignedID",
             "cac:DocumentReference/cbc:ID", EN, a("line.object_id.value")),
        Term("_", "Object type code", L, f"{st}/ram:AdditionalReferencedDocument/ram:TypeCode",
             "cac:DocumentReference/cbc:DocumentTypeCode", EN, const("130"), kind="CONST", reportable=False),
        Term("BT-128-1", "Invoice line object identifier scheme", L,
             f"{st}/ram:AdditionalReferencedDocument/ram:ReferenceTypeCode", "cac:DocumentReference/cbc:ID/@schemeID",
             EN, a("line.object_id.scheme")),
        Term("BT-129", "Invoiced quantity", L, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", "cbc:InvoicedQuantity",
             BASIC, a("line.quantity"), kind="NUMBER", ubl_cn="cbc:CreditedQuantity"),
        Term("BT-130", "Invoiced quantity unit", L, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity/@unitCode",
             "cbc:InvoicedQuantity/@unitCode", BASIC, a("line.unit"), ubl_cn="cbc:CreditedQuantity/@unitCode"),
        Term("BT-131", "Invoice line net amount", L,
             f"{st}/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount", "cbc:LineExtensionAmount",
             BASIC, a("amounts.net_amount"), kind="AMOUNT"),
        Term("BT-132", "Referenced purchase order line", L, f"{ag}/ram:BuyerOrderReferencedDocument/ram:LineID",
             "cac:OrderLineReference/cbc:LineID", EN, a("line.order_line_ref")),
        Term("BT-133", "Invoice line buyer accounting reference", L,
             f"{st}/ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID", "cbc:AccountingCost", EN,
             a("line.accounting_ref")),
        _date_rows("BT-134", "Line period start", L, f"{st}/ram:BillingSpecifiedPeriod/ram:StartDateTime",
                   "cac:InvoicePeriod/cbc:StartDate", BASIC, a("line.period.start")),
        _date_rows("BT-135", "Line period end", L, f"{st}/ram:BillingSpecifiedPeriod/ram:EndDateTime",
                   "cac:InvoicePeriod/cbc:EndDate", BASIC, a("line.period.end")),
        Term("BT-146", "Item net price", L, f"{ag}/ram:NetPriceProductTradePrice/ram:ChargeAmount", "cac:Price/cbc:PriceAmount",
             BASIC, a("amounts.net_price"), kind="PRICE"),
        Term("BT-149", "Item price base quantity", L, f"{ag}/ram:NetPriceProductTradePrice/ram:BasisQuantity",
             "cac:Price/cbc:BaseQuantity", BASIC, a("line.base_quantity"), kind="NUMBER"),
        Term("BT-150", "Item price base quantity unit", L, f"{ag}/ram:NetPriceProductTradePrice/ram:BasisQuantity/@unitCode",
             "cac:Price/cbc:BaseQuantity/@unitCode", BASIC, lambda i, _w: i.line.unit if i.line.base_quantity else None),
        Term("BT-148", "Item gross price", L, f"{ag}/ram:GrossPriceProductTradePrice/ram:ChargeAmount",
             "cac:Price/cac:AllowanceCharge/cbc:BaseAmount", BASIC, a("amounts.gross_price"), kind="PRICE"),
        Term("BT-147", "Item price discount", L,
             f"{ag}/ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:ActualAmount",
             "cac:Price/cac:AllowanceCharge/cbc:Amount", BASIC, a("amounts.price_discount"), kind="PRICE"),
        Term("_", "Price discount indicator", L,
             f"{ag}/ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/ram:ChargeIndicator/udt:Indicator",
             "cac:Price/cac:AllowanceCharge/cbc:ChargeIndicator", BASIC, const("false"), kind="CONST", reportable=False),
        Term("BT-151", "Invoiced item VAT category code", L, f"{st}/ram:ApplicableTradeTax/ram:CategoryCode",
             "cac:Item/cac:ClassifiedTaxCategory/cbc:ID", BASIC, a("line.vat.category.value")),
        Term("BT-152", "Invoiced item VAT rate", L, f"{st}/ram:ApplicableTradeTax/ram:RateApplicablePercent",
             "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", BASIC, a("line.vat.rate"), kind="NUMBER"),
        Term("_", "VAT type", L, f"{st}/ram:ApplicableTradeTax/ram:TypeCode",
             "cac:Item/cac:ClassifiedTaxCategory/cac:TaxScheme/cbc:ID", BASIC, const("VAT"), kind="CONST",
             reportable=False),
        Term("BT-153", "Item name", L, f"{pr}/ram:Name", "cac:Item/cbc:Name", BASIC, a("line.name")),
        Term("BT-154", "Item description", L, f"{pr}/ram:Description", "cac:Item/cbc:Description", EN,
             a("line.description")),
        Term("BT-155", "Item seller's identifier", L, f"{pr}/ram:SellerAssignedID",
             "cac:Item/cac:SellersItemIdentification/cbc:ID", EN, a("line.seller_item_id")),
        Term("BT-156", "Item buyer's identifier", L, f"{pr}/ram:BuyerAssignedID",
             "cac:Item/cac:BuyersItemIdentification/cbc:ID", EN, a("line.buyer_item_id")),
        Term("BT-157", "Item standard identifier", L, f"{pr}/ram:GlobalID",
             "cac:Item/cac:StandardItemIdentification/cbc:ID", BASIC, a("line.standard_item_id.value")),
        Term("BT-157-1", "Item standard identifier scheme", L, f"{pr}/ram:GlobalID/@schemeID",
             "cac:Item/cac:StandardItemIdentification/cbc:ID/@schemeID", BASIC, a("line.standard_item_id.scheme")),
        Term("BT-158", "Item classification", L, f"{pr}/ram:DesignatedProductClassification",
             "cac:Item/cac:CommodityClassification", EN, a("line.classifications"), repeat=True),
        Term("BT-158", "Item classification identifier", "BT-158", "ram:ClassCode", "cbc:ItemClassificationCode", EN,
             a("value")),
        Term("BT-158-1", "Item classification scheme", "BT-158", "ram:ClassCode/@listID",
             "cbc:ItemClassificationCode/@listID", EN, a("scheme")),
        Term("BT-158-2", "Item classification scheme version", "BT-158", "ram:ClassCode/@listVersionID",
             "cbc:ItemClassificationCode/@listVersionID", EN, a("scheme_version")),
        Term("BT-159", "Item country of origin", L, f"{pr}/ram:OriginTradeCountry/ram:ID",
             "cac:Item/cac:OriginCountry/cbc:IdentificationCode", EN, a("line.origin_country")),
        Term("BG-32", "Item attributes", L, f"{pr}/ram:ApplicableProductCharacteristic", "cac:Item/cac:AdditionalItemProperty",
             EN, a("line.attributes"), repeat=True),
        Term("BT-160", "Item attribute name", "BG-32", "ram:Description", "cbc:Name", EN, a("name")),
        Term("BT-161", "Item attribute value", "BG-32", "ram:Value", "cbc:Value", EN, a("value")),
    ]
    rows += _allowances(L, f"{st}/ram:SpecifiedTradeAllowanceCharge", "cac:AllowanceCharge",
                        lambda i, _w: tuple(ACItem(ac, amt, None, base) for ac, amt, base in
                                            zip(i.line.allowances_charges, i.amounts.allowance_charge_amounts,
                                                i.amounts.allowance_charge_bases))
                        if i.line.allowances_charges else (),
                        doc_level=False)
    return rows


def _build() -> tuple[Term, ...]:
    rows = _header() + _preceding() + _parties() + _payee_taxrep_delivery() + _payment()
    rows += _allowances("DOC", f"{_HTS}/ram:SpecifiedTradeAllowanceCharge", "cac:AllowanceCharge",
                        lambda _i, w: w.doc_acs, doc_level=True)
    rows += _totals() + _attachments() + _lines()
    return tuple(r for r in rows if r.id and not (r.cii is None and r.ubl is None and r.ubl_cn in ("=", None)))


TERMS: tuple[Term, ...] = _build()


def by_id(term_id: str) -> tuple[Term, ...]:
    """Every row of a business term (a term has several rows where the syntaxes differ)."""
    return tuple(t for t in TERMS if t.id == term_id)


def ids() -> Iterable[str]:
    return sorted({t.id for t in TERMS if t.id != "_"}, key=lambda s: (s[:2], int(s[3:].split("-")[0])
                                                                     if s[3:].split("-")[0].isdigit() else 0, s))
