"""Rows of the parties: seller (BG-4) and buyer (BG-7) with their addresses, contacts and
identifiers, and the shapes shared with the other parties (a postal address, party identifiers)."""

from __future__ import annotations

from typing import Any

from facturx_engine.model.codes import Profile
from facturx_engine.syntax.terms.rows import BWL, EN, HTA, HTS, MIN, Getter, Term, a, const, doc

__all__ = ["address", "parties", "party_ids"]


def _ids(path: str, with_scheme: bool) -> Getter:
    get = a(path)
    return lambda i, w: tuple(x for x in (get(i, w) or ()) if (x.scheme is not None) == with_scheme)


def address(ids: tuple[str, ...], ctx: str, cii: str, ubl: str, src: str, prof: Profile,
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


def party_ids(term: str, ctx_prefix: str, cii: str, ubl: str, src: str, prof: Profile,
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
    rows += party_ids(p["id"], src, cii, party, f"{src}.identifiers", BWL, None if src.endswith("seller") else 1)
    rows += address(p["addr_ids"], "DOC", f"{cii}/ram:PostalTradeAddress", f"{party}/cac:PostalAddress",
                    f"{src}.address", BWL, MIN if src.endswith("seller") else BWL)
    rows += _contact(p["contact_ids"], "DOC", cii, party, src)
    return rows


_SELLER: dict[str, Any] = {"name": "BT-27", "trading": "BT-28", "trading_prof": BWL, "legal": "BT-30", "vat": "BT-31",
           "vat_prof": MIN, "address": "BG-5", "address_prof": MIN, "ea": "BT-34", "id": "BT-29",
           "addr_ids": ("BT-35", "BT-36", "BT-162", "BT-37", "BT-38", "BT-39", "BT-40"),
           "contact_ids": ("BT-41", "BT-42", "BT-43")}
_BUYER: dict[str, Any] = {"name": "BT-44", "trading": "BT-45", "trading_prof": EN, "legal": "BT-47", "vat": "BT-48",
          "vat_prof": BWL, "address": "BG-8", "address_prof": BWL, "ea": "BT-49", "id": "BT-46",
          "addr_ids": ("BT-50", "BT-51", "BT-163", "BT-52", "BT-53", "BT-54", "BT-55"),
          "contact_ids": ("BT-56", "BT-57", "BT-58")}


def parties() -> list[Term]:
    seller_cii, buyer_cii = f"{HTA}/ram:SellerTradeParty", f"{HTA}/ram:BuyerTradeParty"
    rows = _trade_party(_SELLER, seller_cii, "cac:AccountingSupplierParty", "doc_seller")
    rows += _trade_party(_BUYER, buyer_cii, "cac:AccountingCustomerParty", "doc_buyer")
    sp = "cac:AccountingSupplierParty/cac:Party"
    rows += [
        Term("BT-32", "Seller tax registration identifier", "DOC", f"{seller_cii}/ram:SpecifiedTaxRegistration#FC/ram:ID",
             f"{sp}/cac:PartyTaxScheme#TAX/cbc:CompanyID", MIN, doc("seller.tax_id")),
        Term("_", "Tax scheme", "DOC", f"{seller_cii}/ram:SpecifiedTaxRegistration#FC/ram:ID/@schemeID", None, MIN,
             const("FC"), kind="CONST", reportable=False),
        Term("_", "Tax scheme", "DOC", None, f"{sp}/cac:PartyTaxScheme#TAX/cac:TaxScheme/cbc:ID", MIN,
             const("TAX"), kind="CONST", reportable=False),
        Term("BT-33", "Seller additional legal information", "DOC", f"{seller_cii}/ram:Description",
             f"{sp}/cac:PartyLegalEntity/cbc:CompanyLegalForm", EN, doc("seller.legal_info")),
        Term("BT-90", "Bank assigned creditor identifier", "DOC", f"{HTS}/ram:CreditorReferenceID", None, BWL,
             doc("payment.direct_debit.creditor_id")),
        Term("BT-90", "Bank assigned creditor identifier", "DOC", None, f"{sp}/cac:PartyIdentification#SEPA/cbc:ID",
             BWL, doc("payment.direct_debit.creditor_id")),
        Term("_", "SEPA scheme", "DOC", None, f"{sp}/cac:PartyIdentification#SEPA/cbc:ID/@schemeID", BWL,
             const("SEPA"), kind="CONST", reportable=False),
    ]
    return rows

