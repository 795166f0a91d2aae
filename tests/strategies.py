"""Hypothesis strategies building random, *valid* EN 16931 documents from the model.

Every document drawn here is one the model accepts and, by construction, one that the
official CII (Factur-X EN 16931) and UBL (CEN) validators should accept too: the property
tests check exactly that. The strategies respect the model's own checks (``model.py``) and the
VAT party-identification rules of ``compute.check_vat_rules``:

* categories E, AE, K, G, O carry an exemption reason; one (reason, code) per category;
* AE and K need the buyer VAT id (so only business buyers); K also needs the delivery date
  or an invoicing period; G and K need the seller VAT id (always present except for O);
* O is alone on its document, and then no VAT id appears anywhere (no seller, buyer or tax
  representative VAT id): the seller is identified by its SIREN (``legal_id``);
* credit notes (381) have positive quantities; invoices may carry negative lines;
* a private (B2C) buyer has no identifier at all, and no trading name (a consumer has none;
  the CII would otherwise get a ``SpecifiedLegalOrganization``).

Public entry points: :func:`documents` (all kinds, with optional ``b2c``, ``credit_note``,
``seller_country``, ``type_code``), :func:`b2c_documents`, :func:`french_b2b_documents`. Inside,
the ``_draw``-style helpers take hypothesis' ``draw`` directly and every strategy is built once
(module constants or ``functools.cache``): building strategies per draw made generation 4x slower.

Known limitations kept out on purpose (each is commented where it is avoided):

* a credit note's due date (BT-9) without payment instructions: UBL 2.1 CreditNote has no place
  for it outside ``cac:PaymentMeans`` (``to_ubl`` reports BT-9 as dropped);
* VAT-inclusive mode (``prices_include_vat``) is drawn for B2C documents only;
* the French terms only Factur-X EXTENDED carries (EXT-FR-FE-*: the preceding invoices' type code, the agents,
  invoicee, invoicer, payer, a line's parent, subtype, earlier invoice, delivery date, seller and stated amounts, an
  item attribute's code)
  only with ``documents(extended=True)``: the EN 16931 writers report them as a loss. The line subtype is DETAIL
  (a GROUP or INFORMATION line does not count in the totals, which the model computes from every line).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from functools import cache

from hypothesis import strategies as st
from stdnum import ean, luhn
from stdnum import iban as stdnum_iban

from facturx_engine.model.numbers import round2
from facturx_engine.model.records import (
    Address,
    AllowanceCharge,
    Attachment,
    CardPayment,
    Contact,
    CreditNote,
    CreditTransfer,
    Delivery,
    DirectDebit,
    Identifier,
    Invoice,
    ItemAttribute,
    Line,
    LineInvoiceReference,
    LineSeller,
    Note,
    Party,
    Payee,
    PaymentInstructions,
    Period,
    PrecedingInvoice,
    RelatedParty,
    TaxRepresentative,
    Vat,
)

# ---------------------------------------------------------------------------- text and numbers

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_WORD_CHARS = _LETTERS + "0123456789àâçéèêëîïôùûüÿÉÀßöäñ"
# Realistic punctuation, including the characters XML must escape.
_PUNCT = ["", "", "", ",", ".", "-", "'", " &", " <", ">", '"', "/", ":", "€", "%", "(1)"]

words = st.text(alphabet=_WORD_CHARS, min_size=1, max_size=10)


# Strategies are built once and reused (cache): building them per draw costs more than drawing.


@cache
def texts(max_words: int = 5) -> st.SearchStrategy[str]:
    """A short human text: 1..max_words words, single spaces, no control characters."""
    parts = st.lists(st.tuples(words, st.sampled_from(_PUNCT)), min_size=1, max_size=max_words)
    return parts.map(lambda ps: " ".join(w + p for w, p in ps).strip())


_OPTIONAL: dict[st.SearchStrategy, st.SearchStrategy] = {}


def optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """``strategy`` or None (hypothesis shrinks towards None)."""
    if strategy not in _OPTIONAL:
        _OPTIONAL[strategy] = st.one_of(st.none(), strategy)
    return _OPTIONAL[strategy]


def digits(n: int) -> st.SearchStrategy[str]:
    """n decimal digits (cheaper than from_regex)."""
    return st.integers(0, 10**n - 1).map(lambda v: f"{v:0{n}d}")


references = st.tuples(st.sampled_from(["F", "INV", "PO", "CT", "A", "2025/"]), st.integers(1, 10**7),
                       st.sampled_from(["", "", "-B", "/01"])).map(lambda t: f"{t[0]}{t[1]}{t[2]}")


@cache
def decimals(lo: int, hi: int, max_places: int) -> st.SearchStrategy[Decimal]:
    """Decimals in [lo, hi] with 0..max_places decimals (exact, never from floats)."""
    return st.one_of([st.integers(lo * 10**p, hi * 10**p).map(lambda n, p=p: Decimal(n).scaleb(-p))
                      for p in range(max_places + 1)])


@cache
def amounts(lo_cents: int = 1, hi_cents: int = 50_000) -> st.SearchStrategy[Decimal]:
    """A 2-decimal amount."""
    return st.integers(lo_cents, hi_cents).map(lambda n: Decimal(n).scaleb(-2))


dates = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2026, 12, 31))

# ---------------------------------------------------------------------------- identifiers


def _siren(n: int) -> str:
    base = f"{n:08d}"
    return base + luhn.calc_check_digit(base)


sirens = st.integers(10_000_000, 99_999_999).map(_siren)
sirets = st.tuples(sirens, st.integers(1, 999)).map(
    lambda t: (lambda s: s + luhn.calc_check_digit(s))(f"{t[0]}{t[1]:04d}"))


def fr_vat(siren: str) -> str:
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def _gtin13(n: int) -> str:
    base = f"{n:012d}"
    return base + ean.calc_check_digit(base)


glns = st.integers(300_000_000_000, 799_999_999_999).map(_gtin13)


def _iban(country: str, bban: str) -> str:
    return country + stdnum_iban.calc_check_digits(country + "00" + bban) + bban


ibans = st.one_of(
    st.integers(0, 10**11 - 1).map(lambda n: _iban("FR", f"3000600001{n:011d}00")),
    st.integers(0, 10**10 - 1).map(lambda n: _iban("DE", f"37040044{n:010d}")),
    # a Belgian BBAN ends with the check digits of its first ten (mod 97): without them the IBAN is no valid IBAN
    # (the CII writer then states it as a proprietary account id, and XRechnung's BR-DE-19 warns)
    st.integers(0, 10**7 - 1).map(lambda n: _iban("BE", f"320{n:07d}{int(f'320{n:07d}') % 97 or 97:02d}")),
)
bics = st.sampled_from(["AGRIFRPP", "BNPAFRPPXXX", "DEUTDEFF", "GEBABEBB", "SOGEFRPP"])

# Foreign VAT ids: prefix + digits; an EU member state's with its check digits (the model checks them with
# python-stdnum), another country's as any digits (BR-CO-09 only checks the ISO 3166 prefix).
_VAT_FORMATS = {"DE": 9, "BE": 10, "IT": 11, "ES": 9, "NL": 9, "LU": 8}
_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def _eu_vat(country: str, number: int) -> str:
    """A valid VAT id of ``country`` made from ``number``: its body, then the check digits that make it valid."""
    from stdnum.eu import vat

    if country == "IT":  # 7 digits, an office code, a Luhn digit
        candidates = [f"{number % 10**7:07d}001{d}" for d in range(10)]
    elif country == "NL":  # 9 digits (a mod-11 one), "B", 2 digits
        candidates = [f"{number % 10**8:08d}{d}B01" for d in range(10)]
    elif country == "ES":  # a DNI: 8 digits and their letter
        candidates = [f"{number % 10**8:08d}{letter}" for letter in _DNI_LETTERS]
    elif country == "BE":  # 0 or 1, 7 digits, 2 check digits
        candidates = [f"0{number % 10**7:07d}{d:02d}" for d in range(100)]
    else:  # DE, LU: the last digits are the check
        body = str(number)[:-2]
        candidates = [f"{body}{d:02d}" for d in range(100)]
    found = next((f"{country}{c}" for c in candidates if vat.is_valid(f"{country}{c}")), None)
    return found or _eu_vat(country, number + 7919)  # a body no check digit saves (all zeros ...): the next one


@cache
def vat_id_for(country: str) -> st.SearchStrategy[str]:
    if country == "FR":
        return sirens.map(fr_vat)
    n = _VAT_FORMATS.get(country, 9)
    numbers = st.integers(10 ** (n - 1), 10**n - 1)
    if country in _VAT_FORMATS:
        return numbers.map(lambda v: _eu_vat(country, v))
    return numbers.map(lambda v: f"{country}{v}")


# ---------------------------------------------------------------------------- small records

_CITIES = {"FR": ["Paris", "Lyon", "Saint-Étienne", "Aix-en-Provence"], "DE": ["Berlin", "München", "Köln"],
           "BE": ["Bruxelles", "Liège"], "IT": ["Roma", "Milano"], "ES": ["Madrid", "Sevilla"],
           "NL": ["Amsterdam"], "LU": ["Luxembourg"], "US": ["New York"], "CH": ["Genève"], "GB": ["London"]}
EU = ["FR", "DE", "BE", "IT", "ES", "NL", "LU"]
NON_EU = ["US", "CH", "GB"]


@cache
def addresses(country: str) -> st.SearchStrategy[Address]:
    return st.builds(
        Address,
        line1=optional(texts(4)),
        line2=optional(texts(3)),
        line3=optional(texts(3)),
        city=optional(st.sampled_from(_CITIES[country])),
        postal_code=optional(digits(5)),
        subdivision=optional(texts(2)),
        country=st.just(country),
    )


contacts = st.builds(
    Contact,
    name=optional(texts(3)),
    phone=optional(digits(8).map(lambda d: "+33 1 " + " ".join(d[i:i + 2] for i in range(0, 8, 2)))),
    email=optional(st.tuples(st.sampled_from(["marie", "j.dupont", "compta", "o'brien"]),
                             st.sampled_from(["example.com", "example.fr"])).map("@".join)),
).filter(lambda c: c.name or c.phone or c.email)

emails = st.tuples(st.sampled_from(["factures", "ap", "einvoice", "x"]), st.integers(1, 999),
                   st.sampled_from(["acme.fr", "example.com", "beispiel.de"])).map(lambda t: f"{t[0]}{t[1]}@{t[2]}")
email_addresses = emails.map(lambda e: Identifier(value=e, scheme="EM"))
gln_addresses = glns.map(lambda g: Identifier(value=g, scheme="0088"))


def _electronic_address(draw: st.DrawFn, siren: str | None) -> Identifier | None:
    kind = draw(st.sampled_from([None, "EM", "0088", "0225"] if siren else [None, "EM", "0088"]))
    if kind == "0225":
        return Identifier(value=siren, scheme="0225")
    return None if kind is None else draw(email_addresses if kind == "EM" else gln_addresses)


party_identifiers = st.one_of(
    glns.map(Identifier.gln),
    sirets.map(Identifier.siret),
    references.map(lambda r: Identifier(value=r)),  # no scheme: CII ram:ID
)
seller_identifier_lists = st.lists(party_identifiers, max_size=2).map(tuple)
buyer_identifier_lists = st.lists(party_identifiers, max_size=1).map(tuple)  # BT-46 is 0..1

# ---------------------------------------------------------------------------- VAT


@dataclasses.dataclass(frozen=True)
class VatPlan:
    """The VAT treatments a document uses and what they require of the parties."""

    vats: tuple[Vat, ...]

    @property
    def categories(self) -> set[str]:
        return {v.category.value for v in self.vats}

    @property
    def outside_scope(self) -> bool:
        return "O" in self.categories

    @property
    def needs_buyer_vat(self) -> bool:
        return bool(self.categories & {"AE", "K"})


STANDARD_RATES = ["20", "10", "5.5", "2.1", "19", "7", "21", "6", "12", "8.5", "0.9", "17", "25"]
EXEMPT_CODES = ["VATEX-EU-132", "VATEX-EU-132-1A", "VATEX-EU-132-1I", "VATEX-EU-143", "VATEX-EU-148-A",
                "VATEX-EU-151-1A", "VATEX-FR-FRANCHISE", "VATEX-FR-CGI261-4"]

exempt_vats = st.builds(
    lambda mode, text, code: Vat.exempt(reason=None if mode == "code" else text,
                                        code=None if mode == "reason" else code),
    st.sampled_from(["both", "reason", "code"]), texts(5), st.sampled_from(EXEMPT_CODES))
_rate_lists = st.lists(st.sampled_from(STANDARD_RATES), max_size=3, unique=True)
_extra_b2b = st.lists(st.sampled_from(["Z", "E", "G", "AE", "K"]), unique=True, max_size=2)
_extra_b2c = st.lists(st.sampled_from(["Z", "E", "G"]), unique=True, max_size=2)
_FIXED = {"Z": Vat.zero_rated(), "G": Vat.export(), "AE": Vat.reverse_charge(), "K": Vat.intra_community()}


def _vat_plan(draw: st.DrawFn, b2c: bool) -> VatPlan:
    """1..4 VAT treatments (or category O alone) for one document."""
    if draw(st.integers(0, 9)) == 0:
        return VatPlan((Vat.outside_scope(reason=draw(optional(texts(4))) or "Not subject to VAT"),))
    vats = []
    for r in draw(_rate_lists):
        vats.append(Vat.standard(r))
        if draw(st.integers(0, 7)) == 0:  # the same rate written differently: still one breakdown
            vats.append(Vat.standard(r + (".0" if "." not in r else "0")))
    chosen = draw(_extra_b2c if b2c else _extra_b2b) or ([] if vats else ["Z"])
    vats += [draw(exempt_vats) if cat == "E" else _FIXED[cat] for cat in chosen]
    return VatPlan(tuple(vats))



# ---------------------------------------------------------------------------- parties

seller_countries = st.sampled_from(["FR", "FR", "FR", "DE", "BE", "IT"])
tax_ids = digits(10).map(lambda d: f"{d[:2]}/{d[2:5]}/{d[5:]}")
legal_infos = st.sampled_from(["SAS au capital de 10 000 €", "GmbH", "SARL"])


def _seller(draw: st.DrawFn, plan: VatPlan, country: str | None = None) -> Party:
    country = country or draw(seller_countries)
    siren = draw(sirens) if country == "FR" else None
    legal_id = Identifier.siren(siren) if siren else draw(optional(references.map(lambda r: Identifier(value=r))))
    identifiers = draw(seller_identifier_lists)
    if plan.outside_scope:
        vat_id, tax_id = None, None
        if legal_id is None and not identifiers:
            legal_id = Identifier(value=draw(references))
    else:
        vat_id = draw(vat_id_for(country))
        tax_id = draw(optional(tax_ids))
    return Party(
        name=draw(texts(4)),
        trading_name=draw(optional(texts(3))),
        identifiers=identifiers,
        legal_id=legal_id,
        vat_id=vat_id,
        tax_id=tax_id,
        legal_info=draw(optional(legal_infos)),
        electronic_address=_electronic_address(draw, siren),
        address=draw(addresses(country)),
        contact=draw(optional(contacts)),
    )


_EU_NOT_FR = st.sampled_from([c for c in EU if c != "FR"])
_NON_EU = st.sampled_from(NON_EU)
_ANY_COUNTRY = st.sampled_from(EU + NON_EU)


def _buyer(draw: st.DrawFn, plan: VatPlan, b2c: bool) -> Party:
    if "K" in plan.categories:
        country = draw(_EU_NOT_FR)
    elif "G" in plan.categories:
        country = draw(_NON_EU)
    else:
        country = draw(_ANY_COUNTRY)
    if b2c:
        # a consumer: no identifier, no VAT id, no trading name
        return Party(name=draw(texts(3)), private_person=True, address=draw(addresses(country)),
                     contact=draw(optional(contacts)), electronic_address=draw(optional(email_addresses)))
    siren = draw(sirens) if country == "FR" else None
    if plan.outside_scope:
        vat_id = None
    elif plan.needs_buyer_vat:
        vat_id = draw(vat_id_for(country))
    else:
        vat_id = draw(optional(vat_id_for(country))) if country in EU else None
    return Party(
        name=draw(texts(4)),
        trading_name=draw(optional(texts(3))),
        identifiers=draw(buyer_identifier_lists),
        legal_id=Identifier.siren(siren) if siren and draw(st.booleans()) else None,
        vat_id=vat_id,
        electronic_address=_electronic_address(draw, siren),
        address=draw(addresses(country)),
        contact=draw(optional(contacts)),
    )


payees = st.builds(
    Payee,
    name=texts(3),
    identifier=optional(glns.map(Identifier.gln)),
    legal_id=optional(sirens.map(Identifier.siren)),
)
_EU = st.sampled_from(EU)


def _tax_representative(draw: st.DrawFn) -> TaxRepresentative:
    country = draw(_EU)
    return TaxRepresentative(name=draw(texts(3)), vat_id=draw(vat_id_for(country)),
                             address=draw(addresses(country)))


# ---------------------------------------------------------------------------- payment

credit_transfer_lists = {
    iban_only: st.lists(st.builds(CreditTransfer, account_id=ibans if iban_only else st.one_of(ibans, references),
                                  account_name=optional(texts(3)), bic=optional(bics)), min_size=1, max_size=2)
    for iban_only in (True, False)
}
creditor_ids = st.sampled_from(["FR12ZZZ123456", "DE98ZZZ09999999999"])
means_codes = st.sampled_from(["58", "58", "30", "59", "48", "10", "42"])


def _payment(draw: st.DrawFn) -> PaymentInstructions:
    kind = draw(means_codes)
    common = dict(means_code=kind, means_text=draw(optional(texts(3))), remittance_info=draw(optional(references)))
    if kind in ("58", "30", "42"):
        # 58 (SEPA credit transfer) always pays to an IBAN; 30/42 may use a proprietary account id
        return PaymentInstructions(credit_transfers=draw(credit_transfer_lists[kind == "58"]), **common)
    if kind == "59":
        debit = DirectDebit(mandate_id=draw(references), creditor_id=draw(creditor_ids),
                            debited_account=draw(ibans))
        return PaymentInstructions(direct_debit=debit, **common)
    if kind == "48":
        return PaymentInstructions(card=CardPayment(pan_last_digits=draw(digits(4)), holder=draw(optional(texts(3)))),
                                   **common)
    return PaymentInstructions(**common)


# ---------------------------------------------------------------------------- allowances and lines

ALLOWANCE_CODES = st.sampled_from(["95", "100", "102", "41", "64"])
CHARGE_CODES = st.sampled_from(["FC", "ABL", "SAA", "AAA"])
percents = decimals(1, 30, 2)


def _allowance_charge(draw: st.DrawFn, vat: Vat | None, max_cents: int = 5_000) -> AllowanceCharge:
    charge = draw(st.booleans())
    reason, code = draw(optional(texts(3))), draw(optional(CHARGE_CODES if charge else ALLOWANCE_CODES))
    if reason is None and code is None:
        reason = "Frais" if charge else "Remise"
    if draw(st.booleans()):
        return AllowanceCharge(charge=charge, amount=draw(amounts(1, max_cents)), vat=vat, reason=reason,
                               reason_code=code)
    base, percent = draw(amounts(1, max_cents * 5)), draw(percents)
    # given together with base and percentage, the amount is their product (Peppol R040)
    amount = round2(base * percent / 100) if draw(st.booleans()) else None
    return AllowanceCharge(charge=charge, amount=amount, base_amount=base, percent=percent, vat=vat,
                           reason=reason, reason_code=code)


UNITS = st.sampled_from(["C62", "HUR", "DAY", "KGM", "MTR", "LTR", "H87", "XPP", "SET", "MON"])
positive_quantities = decimals(0, 500, 4).filter(lambda q: q != 0)
invoice_quantities = st.one_of(decimals(0, 500, 4), decimals(1, 20, 4).map(lambda q: -q))
base_quantities = optional(st.sampled_from([Decimal(1), Decimal(10), Decimal(100), Decimal("0.5"), Decimal(12)]))
classification_lists = st.lists(st.builds(Identifier, value=references,
                                          scheme=st.sampled_from(["STI", "CV", "HS", "TST"]),
                                          scheme_version=optional(st.sampled_from(["1", "2.0"]))),
                                max_size=2).map(tuple)
attribute_lists = st.lists(st.builds(ItemAttribute, name=texts(2), value=texts(2)), max_size=2).map(tuple)
object_ids = references.map(lambda r: Identifier(value=r, scheme="AAA"))
_ORDER_LINE = st.integers(1, 999).map(str)
_GTINS = glns.map(lambda g: Identifier(value=g, scheme="0160"))
_ORIGINS = st.sampled_from(EU + NON_EU)


def _period(draw: st.DrawFn) -> Period:
    start = draw(optional(dates))
    if start is None:
        return Period(end=draw(dates))
    return Period(start=start, end=draw(optional(st.integers(0, 90).map(lambda d: start + dt.timedelta(d)))))


def _line(draw: st.DrawFn, index: int, plan: VatPlan, allow_negative: bool) -> Line:
    vat = draw(st.sampled_from(plan.vats))
    qty = draw(invoice_quantities if allow_negative else positive_quantities)
    gross = discount = None
    if draw(st.integers(0, 2)) == 0:  # gross price and price discount: BT-146 = BT-148 - BT-147
        gross = draw(decimals(0, 2000, 4))
        discount = draw(optional(decimals(0, 100, 4)))  # no discount: net price = gross price
        discount = None if discount is None else min(discount, gross)
        net = gross - (discount or 0)
    else:
        net = draw(decimals(0, 5000, 4))
    return Line(
        id=str(index + 1) if draw(st.booleans()) else f"L{index + 1:03d}",
        note=draw(optional(texts(5))),
        object_id=draw(optional(object_ids)),
        quantity=qty,
        unit=draw(UNITS),
        net_price=net,
        base_quantity=draw(base_quantities),
        gross_price=gross,
        price_discount=discount,
        allowances_charges=tuple(_allowance_charge(draw, None, 2_000) for _ in range(draw(st.integers(0, 2)))),
        vat=vat,
        name=draw(texts(4)),
        description=draw(optional(texts(8))),
        seller_item_id=draw(optional(references)),
        buyer_item_id=draw(optional(references)),
        standard_item_id=draw(optional(_GTINS)),
        classifications=draw(classification_lists),
        origin_country=draw(optional(_ORIGINS)),
        attributes=draw(attribute_lists),
        period=_period(draw) if draw(st.booleans()) else None,
        order_line_ref=draw(optional(_ORDER_LINE)),
        accounting_ref=draw(optional(references)),
    )


# ---------------------------------------------------------------------------- document

NOTE_SUBJECTS = ["AAI", "REG", "ABL", "TXD", "SUR", "ACY", "CUS"]  # never the L441-10 codes PMD/PMT/AAB
notes = st.lists(st.builds(Note, text=texts(8), subject_code=optional(st.sampled_from(NOTE_SUBJECTS))),
                 max_size=2).map(tuple)
MIME = st.sampled_from([("application/pdf", "pdf", b"%PDF-1.4\n%\xe2\xe3\n"),
                        ("image/png", "png", b"\x89PNG\r\n\x1a\n"),
                        ("text/csv", "csv", b"a;b\n1;2\n"), ("image/jpeg", "jpg", b"\xff\xd8\xff\xe0")])
_URIS = st.integers(1, 9999).map(lambda n: f"https://example.com/docs/{n}.pdf")
_BLOBS = st.binary(max_size=40)


def _attachment(draw: st.DrawFn, index: int) -> Attachment:
    if draw(st.booleans()):  # external reference
        return Attachment(id=f"ATT-{index + 1}", description=draw(optional(texts(3))), uri=draw(_URIS))
    mime, ext, head = draw(MIME)
    return Attachment(id=f"ATT-{index + 1}", description=draw(optional(texts(3))), content=head + draw(_BLOBS),
                      mime_code=mime, filename=f"doc{index + 1}.{ext}")


def _preceding(draw: st.DrawFn, type_code: str | None = None) -> PrecedingInvoice:
    return PrecedingInvoice(number=draw(references), issue_date=draw(optional(dates)),
                            type_code=type_code or draw(optional(st.sampled_from(["380", "386"]))))


INVOICE_TYPES = st.sampled_from(["380", "380", "384", "386", "389"])
ANY_TYPES = st.sampled_from(["380", "380", "380", "384", "386", "389", "381", "381"])
TAX_POINT = st.sampled_from(["none", "none", "date", "code"])
FOREIGN = st.sampled_from(["USD", "GBP", "CHF"])
FX_RATES = st.sampled_from([Decimal("0.92"), Decimal("1.17"), Decimal("0.8567")])
PAID_SHARES = st.sampled_from([Decimal("0.3"), Decimal("0.5"), Decimal("1"), Decimal("0.1234")])
_DUE_OFFSETS = st.integers(0, 60)
_ROUNDING = amounts(-5, 5).filter(bool)


def _document(draw: st.DrawFn, b2c: bool | None, credit_note: bool | None, seller_country: str | None,
              type_code: str | None, gross: bool | None = None, extended: bool = False) -> Invoice | CreditNote:
    if type_code is None:
        type_code = draw(ANY_TYPES) if credit_note is None else "381" if credit_note else draw(INVOICE_TYPES)
    is_cn = type_code == "381"
    b2c = draw(st.booleans()) if b2c is None else b2c
    plan = _vat_plan(draw, b2c)
    seller = _seller(draw, plan, seller_country)
    buyer = _buyer(draw, plan, b2c)
    issue = draw(dates)
    gross_mode = (b2c and draw(st.booleans())) if gross is None else (gross and b2c)

    doc_lines = [_line(draw, i, plan, allow_negative=not is_cn and draw(st.integers(0, 6)) == 0)
                 for i in range(draw(st.integers(1, 6)))]
    doc_acs = [_allowance_charge(draw, draw(st.sampled_from(plan.vats))) for _ in range(draw(st.integers(0, 3)))]

    preceding: list[PrecedingInvoice] = []
    if type_code == "384":
        preceding = [_preceding(draw)]  # a corrected invoice references exactly one invoice
    elif type_code == "381" or (type_code in ("380", "389") and draw(st.integers(0, 3)) == 0):
        preceding = [_preceding(draw) for _ in range(draw(st.integers(1, 2)))]

    delivery = None
    if draw(st.booleans()) or "K" in plan.categories:
        addr = draw(st.sampled_from(["buyer", "other", "none"]))
        delivery = Delivery(name=draw(optional(texts(3))), location_id=draw(optional(glns.map(Identifier.gln))),
                            date=draw(optional(dates)),
                            address=buyer.address if addr == "buyer" else
                            draw(addresses(buyer.country)) if addr == "other" else None)
    period = None
    if draw(st.booleans()):
        start = draw(dates)
        period = Period(start=start, end=draw(optional(_DUE_OFFSETS.map(lambda d: start + dt.timedelta(d)))))
    if "K" in plan.categories and not (delivery and delivery.date) and period is None:
        delivery = dataclasses.replace(delivery, date=issue)  # BR-IC-11

    tax_point = draw(TAX_POINT)
    currency, tax_currency = "EUR", None
    if draw(st.integers(0, 5)) == 0:
        currency, tax_currency = draw(FOREIGN), "EUR"
    payment = _payment(draw) if draw(st.booleans()) else None
    due_date = draw(optional(_DUE_OFFSETS.map(lambda d: issue + dt.timedelta(d))))
    if is_cn and payment is None:
        # Limitation: a UBL 2.1 CreditNote carries BT-9 only inside cac:PaymentMeans; without
        # payment instructions the due date cannot be written (to_ubl warns that BT-9 is dropped).
        due_date = None

    fields = dict(
        number=draw(references),
        issue_date=issue,
        type_code=type_code,
        currency=currency,
        tax_currency=tax_currency,
        tax_currency_vat_total=Decimal("0.00") if tax_currency else None,  # set below from the totals
        tax_point_date=draw(dates) if tax_point == "date" else None,
        tax_point_code=draw(st.sampled_from(["3", "35", "432"])) if tax_point == "code" else None,
        due_date=due_date,
        buyer_reference=draw(optional(references)),
        project_reference=draw(optional(references)),
        contract_reference=draw(optional(references)),
        purchase_order=draw(optional(references)),
        sales_order=draw(optional(references)),
        receiving_advice=draw(optional(references)),
        despatch_advice=draw(optional(references)),
        tender_reference=draw(optional(references)),
        invoiced_object=draw(optional(object_ids)),
        buyer_accounting_ref=draw(optional(references)),
        payment_terms=draw(optional(texts(6))),
        notes=draw(notes),
        preceding_invoices=tuple(preceding),
        seller=seller,
        buyer=buyer,
        payee=draw(optional(payees.filter(lambda p: p.name != seller.name  # UBL-SR-19, BR-17
                                          # UBL writes the trading name (BT-28) as the seller's PartyName, which
                                          # CEN's UBL BR-17 compares the payee name with
                                          and p.name != seller.trading_name
                                          and p.identifier not in seller.identifiers
                                          and (p.legal_id is None or p.legal_id != seller.legal_id)))),
        tax_representative=None if plan.outside_scope or not draw(st.booleans()) else _tax_representative(draw),
        delivery=delivery,
        invoicing_period=period,
        payment=payment,
        allowances_charges=tuple(doc_acs),
        lines=tuple(doc_lines),
        attachments=tuple(_attachment(draw, i) for i in range(draw(st.integers(0, 2)))),
        rounding_amount=None if gross_mode else draw(optional(_ROUNDING)),
        prices_include_vat=gross_mode,
    )
    doc = (CreditNote if is_cn else Invoice)(**fields)
    totals = doc.totals
    changes: dict[str, object] = {}
    if tax_currency:
        changes["tax_currency_vat_total"] = round2(totals.tax_total * draw(FX_RATES))
    if not is_cn and totals.grand_total > 0 and draw(st.integers(0, 3)) == 0:
        # a deposit or partial payment already received (BT-113)
        changes["paid_amount"] = round2(totals.grand_total * draw(PAID_SHARES))
        if not preceding and type_code != "384":
            changes["preceding_invoices"] = (_preceding(draw, "386"),)
    if not extended:  # EN 16931 has no place for the preceding invoice type code (EXTENDED only): drawn, then left out
        refs = changes.get("preceding_invoices", doc.preceding_invoices)
        if any(p.type_code for p in refs):
            changes["preceding_invoices"] = tuple(dataclasses.replace(p, type_code=None)
                                                  for p in refs)
    else:
        changes.update(_french_terms(draw, doc.lines, doc.tax_currency))
    return dataclasses.replace(doc, **changes) if changes else doc


_RELATED_PARTIES = st.builds(RelatedParty, name=texts(3), global_id=optional(gln_addresses),
                             electronic_address=optional(email_addresses))
_LINE_SELLERS = st.builds(LineSeller, name=texts(3), legal_id=optional(glns.map(Identifier.gln)),
                          country=optional(st.sampled_from(["FR", "DE", "BE"])))
_LINE_AMOUNTS = st.integers(0, 10**7).map(lambda n: Decimal(n) / 100)
_LINE_REFS = st.builds(LineInvoiceReference, number=references, issue_date=optional(dates),
                       type_code=optional(st.sampled_from(["380", "389", "384", "386"])))


def _french_terms(draw: st.DrawFn, lines: tuple[Line, ...], tax_currency: str | None) -> dict[str, object]:
    """The French EXTENDED terms (Factur-X EXTENDED only): related parties, a line's parent, subtype, earlier
    invoice and delivery date, an item attribute's code."""
    out: dict[str, object] = {role: draw(optional(_RELATED_PARTIES))
                              for role in ("buyer_agent", "payer", "seller_agent", "invoicee", "invoicer")}
    french = []
    for i, ln in enumerate(lines):
        parent = draw(optional(st.sampled_from([x.id for x in lines[:i]]))) if i else None
        french.append(dataclasses.replace(
            ln, parent_id=parent, subtype="DETAIL" if parent or draw(st.booleans()) else None,
            invoice_ref=draw(optional(_LINE_REFS)), delivery_date=draw(optional(dates)),
            seller=draw(optional(_LINE_SELLERS)), vat_amount=draw(optional(_LINE_AMOUNTS)),
            vat_amount_accounting=draw(optional(_LINE_AMOUNTS)) if tax_currency else None,
            gross_amount=draw(optional(_LINE_AMOUNTS)),
            attributes=tuple(dataclasses.replace(a, code=draw(optional(st.sampled_from(["ABX", "AAA", "ADR"]))))
                             for a in ln.attributes)))
    out["lines"] = tuple(french)
    return out


@st.composite
def documents(draw: st.DrawFn, *, b2c: bool | None = None, credit_note: bool | None = None,
              seller_country: str | None = None, type_code: str | None = None,
              prices_include_vat: bool | None = None, extended: bool = False) -> Invoice | CreditNote:
    """A random valid invoice (380/384/386/389) or credit note (381); ``prices_include_vat`` (B2C
    documents only) forces the VAT-inclusive mode on or off; ``extended`` adds values only the
    Factur-X EXTENDED profile carries (the French EXT-FR-FE terms)."""
    return _document(draw, b2c, credit_note, seller_country, type_code, prices_include_vat, extended)


def b2c_documents(**kw: object) -> st.SearchStrategy[Invoice | CreditNote]:
    return documents(b2c=True, **kw)  # type: ignore[arg-type]


def french_b2b_documents(**kw: object) -> st.SearchStrategy[Invoice | CreditNote]:
    return documents(b2c=False, seller_country="FR", **kw)  # type: ignore[arg-type]
