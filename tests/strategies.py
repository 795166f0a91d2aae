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

Public entry points: :func:`documents` (all kinds), :func:`b2c_documents`,
:func:`french_b2b_documents`, and the building blocks (:func:`parties`, :func:`lines` ...).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from hypothesis import strategies as st
from stdnum import ean, luhn
from stdnum import iban as stdnum_iban

from facturx_engine.compute import round2
from facturx_engine.model import (
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
    Note,
    Party,
    Payee,
    PaymentInstructions,
    Period,
    PrecedingInvoice,
    TaxRepresentative,
    Vat,
)

# ---------------------------------------------------------------------------- text and numbers

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_WORD_CHARS = _LETTERS + "0123456789àâçéèêëîïôùûüÿÉÀßöäñ"
# Realistic punctuation, including the characters XML must escape.
_PUNCT = ["", "", "", ",", ".", "-", "'", " &", " <", ">", '"', "/", ":", "€", "%", "(1)"]

words = st.text(alphabet=_WORD_CHARS, min_size=1, max_size=10)


@st.composite
def texts(draw: st.DrawFn, max_words: int = 5) -> str:
    """A short human text: 1..max_words words, single spaces, no control characters."""
    parts = draw(st.lists(st.tuples(words, st.sampled_from(_PUNCT)), min_size=1, max_size=max_words))
    return " ".join(w + p for w, p in parts).strip()


def optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """``strategy`` or None (hypothesis shrinks towards None)."""
    return st.one_of(st.none(), strategy)


references = st.from_regex(r"[A-Z]{1,4}-?[0-9]{1,8}(/[0-9]{2})?", fullmatch=True)


def decimals(lo: int, hi: int, max_places: int) -> st.SearchStrategy[Decimal]:
    """Decimals in [lo, hi] with 0..max_places decimals (exact, never from floats)."""
    return st.integers(0, max_places).flatmap(
        lambda p: st.integers(lo * 10**p, hi * 10**p).map(lambda n: Decimal(n).scaleb(-p)))


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
    st.integers(0, 10**9 - 1).map(lambda n: _iban("BE", f"539{n:09d}"[:12])),
)
bics = st.sampled_from(["AGRIFRPP", "BNPAFRPPXXX", "DEUTDEFF", "GEBABEBB", "SOGEFRPP"])

# Foreign VAT ids: prefix + digits (BR-CO-09 only checks the ISO 3166 prefix).
_VAT_FORMATS = {"DE": 9, "BE": 10, "IT": 11, "ES": 9, "NL": 9, "LU": 8}


def vat_id_for(country: str) -> st.SearchStrategy[str]:
    if country == "FR":
        return sirens.map(fr_vat)
    n = _VAT_FORMATS.get(country, 9)
    suffix = "B01" if country == "NL" else ""
    return st.integers(10 ** (n - 1), 10**n - 1).map(lambda v: f"{country}{v}{suffix}")


# ---------------------------------------------------------------------------- small records

_CITIES = {"FR": ["Paris", "Lyon", "Saint-Étienne", "Aix-en-Provence"], "DE": ["Berlin", "München", "Köln"],
           "BE": ["Bruxelles", "Liège"], "IT": ["Roma", "Milano"], "ES": ["Madrid", "Sevilla"],
           "NL": ["Amsterdam"], "LU": ["Luxembourg"], "US": ["New York"], "CH": ["Genève"], "GB": ["London"]}
EU = ["FR", "DE", "BE", "IT", "ES", "NL", "LU"]
NON_EU = ["US", "CH", "GB"]


@st.composite
def addresses(draw: st.DrawFn, country: str | None = None) -> Address:
    country = country or draw(st.sampled_from(EU + NON_EU))
    return Address(
        line1=draw(optional(texts(4))),
        line2=draw(optional(texts(3))),
        line3=draw(optional(texts(3))),
        city=draw(optional(st.sampled_from(_CITIES[country]))),
        postal_code=draw(optional(st.from_regex(r"[0-9]{4,5}", fullmatch=True))),
        subdivision=draw(optional(texts(2))),
        country=country,
    )


contacts = st.builds(
    Contact,
    name=optional(texts(3)),
    phone=optional(st.from_regex(r"\+33 [1-9]( [0-9]{2}){4}", fullmatch=True)),
    email=optional(st.from_regex(r"[a-z]{1,8}\.[a-z]{1,8}@example\.(com|fr)", fullmatch=True)),
).filter(lambda c: c.name or c.phone or c.email)

emails = st.from_regex(r"[a-z]{1,8}@[a-z]{2,8}\.(fr|com|de)", fullmatch=True)


def electronic_addresses(siren: str | None) -> st.SearchStrategy[Identifier]:
    options = [emails.map(lambda e: Identifier(value=e, scheme="EM")), glns.map(lambda g: Identifier(value=g, scheme="0088"))]
    if siren:
        options.append(st.just(Identifier(value=siren, scheme="0225")))
    return st.one_of(options)


party_identifiers = st.one_of(
    glns.map(Identifier.gln),
    sirets.map(Identifier.siret),
    references.map(lambda r: Identifier(value=r)),  # no scheme: CII ram:ID
)

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


@st.composite
def exempt_vats(draw: st.DrawFn) -> Vat:
    reason, code = draw(st.sampled_from(["both", "reason", "code"])), draw(st.sampled_from(EXEMPT_CODES))
    text = draw(texts(5))
    return Vat.exempt(reason=text if reason != "code" else None, code=code if reason != "reason" else None)


@st.composite
def vat_plans(draw: st.DrawFn, b2c: bool) -> VatPlan:
    """1..4 VAT treatments (or category O alone) for one document."""
    if draw(st.integers(0, 9)) == 0:
        return VatPlan((Vat.outside_scope(reason=draw(optional(texts(4))) or "Not subject to VAT"),))
    rates = draw(st.lists(st.sampled_from(STANDARD_RATES), min_size=0, max_size=3, unique=True))
    vats = []
    for r in rates:
        # same rate written differently must still group into one breakdown
        vats.append(Vat.standard(r))
        if draw(st.integers(0, 7)) == 0:
            vats.append(Vat.standard(r + (".0" if "." not in r else "0")))
    extra = ["Z", "E", "G"] + ([] if b2c else ["AE", "K"])
    chosen = draw(st.lists(st.sampled_from(extra), unique=True, max_size=2, min_size=0 if rates else 1))
    for cat in chosen:
        if cat == "Z":
            vats.append(Vat.zero_rated())
        elif cat == "E":
            vats.append(draw(exempt_vats()))
        elif cat == "G":
            vats.append(Vat.export())
        elif cat == "AE":
            vats.append(Vat.reverse_charge())
        elif cat == "K":
            vats.append(Vat.intra_community())
    return VatPlan(tuple(vats))


# ---------------------------------------------------------------------------- parties


@st.composite
def sellers(draw: st.DrawFn, plan: VatPlan, country: str | None = None) -> Party:
    country = country or draw(st.sampled_from(["FR", "FR", "FR", "DE", "BE", "IT"]))
    siren = draw(sirens) if country == "FR" else None
    legal_id = Identifier.siren(siren) if siren else draw(optional(references.map(lambda r: Identifier(value=r))))
    identifiers = tuple(draw(st.lists(party_identifiers, max_size=2)))
    if plan.outside_scope:
        vat_id, tax_id = None, None
        if legal_id is None and not identifiers:
            legal_id = Identifier(value=draw(references))
    else:
        vat_id = draw(vat_id_for(country))
        tax_id = draw(optional(st.from_regex(r"[0-9]{2}/[0-9]{3}/[0-9]{5}", fullmatch=True)))
    return Party(
        name=draw(texts(4)),
        trading_name=draw(optional(texts(3))),
        identifiers=identifiers,
        legal_id=legal_id,
        vat_id=vat_id,
        tax_id=tax_id,
        legal_info=draw(optional(st.sampled_from(["SAS au capital de 10 000 €", "GmbH", "SARL"]))),
        electronic_address=draw(optional(electronic_addresses(siren))),
        address=draw(addresses(country)),
        contact=draw(optional(contacts)),
    )


@st.composite
def buyers(draw: st.DrawFn, plan: VatPlan, b2c: bool) -> Party:
    if plan.categories & {"K"}:
        country = draw(st.sampled_from([c for c in EU if c != "FR"]))
    elif "G" in plan.categories:
        country = draw(st.sampled_from(NON_EU))
    else:
        country = draw(st.sampled_from(EU + NON_EU))
    if b2c:
        return Party(name=draw(texts(3)), private_person=True, address=draw(addresses(country)),
                     contact=draw(optional(contacts)),
                     electronic_address=draw(optional(emails.map(lambda e: Identifier(value=e, scheme="EM")))))
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
        identifiers=tuple(draw(st.lists(party_identifiers, max_size=1))),  # BT-46 is 0..1
        legal_id=Identifier.siren(siren) if siren and draw(st.booleans()) else None,
        vat_id=vat_id,
        electronic_address=draw(optional(electronic_addresses(siren))),
        address=draw(addresses(country)),
        contact=draw(optional(contacts)),
    )


payees = st.builds(
    Payee,
    name=texts(3),
    identifier=optional(glns.map(Identifier.gln)),
    legal_id=optional(sirens.map(Identifier.siren)),
)


@st.composite
def tax_representatives(draw: st.DrawFn) -> TaxRepresentative:
    country = draw(st.sampled_from(EU))
    return TaxRepresentative(name=draw(texts(3)), vat_id=draw(vat_id_for(country)),
                             address=draw(addresses(country)))


# ---------------------------------------------------------------------------- payment


@st.composite
def payments(draw: st.DrawFn) -> PaymentInstructions:
    kind = draw(st.sampled_from(["58", "58", "30", "59", "48", "10", "42"]))
    text = draw(optional(texts(3)))
    remittance = draw(optional(references))
    if kind in ("58", "30", "42"):
        # 58 (SEPA) always with an IBAN; 30/42 may pay to a proprietary account id.
        account = ibans if kind == "58" else st.one_of(ibans, references)
        transfers = draw(st.lists(st.builds(CreditTransfer, account_id=account, account_name=optional(texts(3)),
                                            bic=optional(bics)), min_size=1, max_size=2))
        return PaymentInstructions(means_code=kind, means_text=text, remittance_info=remittance,
                                   credit_transfers=transfers)
    if kind == "59":
        debit = DirectDebit(mandate_id=draw(references), creditor_id=draw(st.sampled_from(
            ["FR12ZZZ123456", "DE98ZZZ09999999999"])), debited_account=draw(ibans))
        return PaymentInstructions(means_code=kind, means_text=text, remittance_info=remittance, direct_debit=debit)
    if kind == "48":
        card = CardPayment(pan_last_digits=draw(st.from_regex(r"[0-9]{4}", fullmatch=True)),
                           holder=draw(optional(texts(3))))
        return PaymentInstructions(means_code=kind, means_text=text, remittance_info=remittance, card=card)
    return PaymentInstructions(means_code=kind, means_text=text, remittance_info=remittance)


# ---------------------------------------------------------------------------- allowances and lines

ALLOWANCE_CODES = ["95", "100", "102", "41", "64"]
CHARGE_CODES = ["FC", "ABL", "SAA", "AAA"]


@st.composite
def allowance_charges(draw: st.DrawFn, vat: Vat | None, max_cents: int = 5_000) -> AllowanceCharge:
    charge = draw(st.booleans())
    codes = CHARGE_CODES if charge else ALLOWANCE_CODES
    reason, code = draw(optional(texts(3))), draw(optional(st.sampled_from(codes)))
    if reason is None and code is None:
        reason = "Remise" if not charge else "Frais"
    if draw(st.booleans()):
        return AllowanceCharge(charge=charge, amount=draw(amounts(1, max_cents)), vat=vat, reason=reason,
                               reason_code=code)
    base = draw(amounts(1, max_cents * 5))
    percent = draw(decimals(1, 30, 2))
    amount = round2(base * percent / 100)
    # an amount given together with base and percentage must be their product (Peppol R040)
    return AllowanceCharge(charge=charge, amount=amount if draw(st.booleans()) else None, base_amount=base,
                           percent=percent, vat=vat, reason=reason, reason_code=code)


UNITS = ["C62", "HUR", "DAY", "KGM", "MTR", "LTR", "H87", "XPP", "SET", "MON"]


@st.composite
def lines(draw: st.DrawFn, index: int, plan: VatPlan, allow_negative: bool) -> Line:
    vat = draw(st.sampled_from(plan.vats))
    qty = draw(decimals(0, 500, 4).filter(lambda q: q != 0) if not allow_negative else
               st.one_of(decimals(0, 500, 4), decimals(1, 20, 4).map(lambda q: -q)))
    price_mode = draw(st.sampled_from(["net", "net", "gross"]))
    gross = discount = None
    if price_mode == "gross":
        gross = draw(decimals(0, 2000, 4))
        discount = draw(decimals(0, 100, 4).filter(lambda d: d <= gross))
        net = gross - discount
    else:
        net = draw(decimals(0, 5000, 4))
    base_qty = draw(optional(st.sampled_from([Decimal(1), Decimal(10), Decimal(100), Decimal("0.5"),
                                              Decimal(12)])))
    acs = tuple(draw(st.lists(allowance_charges(None, 2_000), max_size=2)))
    period = None
    if draw(st.booleans()):
        start = draw(optional(dates))
        end = draw(optional(dates.filter(lambda d: start is None or d >= start))) if start else draw(dates)
        period = Period(start=start, end=end)
    return Line(
        id=str(index + 1) if draw(st.booleans()) else f"L{index + 1:03d}",
        note=draw(optional(texts(5))),
        object_id=draw(optional(references.map(lambda r: Identifier(value=r, scheme="AAA")))),
        quantity=qty,
        unit=draw(st.sampled_from(UNITS)),
        net_price=net,
        base_quantity=base_qty,
        gross_price=gross,
        price_discount=discount,
        allowances_charges=acs,
        vat=vat,
        name=draw(texts(4)),
        description=draw(optional(texts(8))),
        seller_item_id=draw(optional(references)),
        buyer_item_id=draw(optional(references)),
        standard_item_id=draw(optional(glns.map(lambda g: Identifier(value=g, scheme="0160")))),
        classifications=tuple(draw(st.lists(st.builds(Identifier, value=references,
                                                      scheme=st.sampled_from(["STI", "CV", "HS", "TST"]),
                                                      scheme_version=optional(st.sampled_from(["1", "2.0"]))),
                                            max_size=2))),
        origin_country=draw(optional(st.sampled_from(EU + NON_EU))),
        attributes=tuple(draw(st.lists(st.builds(ItemAttribute, name=texts(2), value=texts(2)), max_size=2))),
        period=period,
        order_line_ref=draw(optional(st.from_regex(r"[0-9]{1,3}", fullmatch=True))),
        accounting_ref=draw(optional(references)),
    )


# ---------------------------------------------------------------------------- document

NOTE_SUBJECTS = ["AAI", "REG", "ABL", "TXD", "SUR", "ACY", "CUS"]  # never the L441-10 codes PMD/PMT/AAB
MIME = [("application/pdf", "pdf", b"%PDF-1.4\n%\xe2\xe3\n"), ("image/png", "png", b"\x89PNG\r\n\x1a\n"),
        ("text/csv", "csv", b"a;b\n1;2\n"), ("image/jpeg", "jpg", b"\xff\xd8\xff\xe0")]


@st.composite
def attachments(draw: st.DrawFn, index: int) -> Attachment:
    mime, ext, head = draw(st.sampled_from(MIME))
    embedded = draw(st.booleans())
    return Attachment(
        id=f"ATT-{index + 1}",
        description=draw(optional(texts(3))),
        uri=None if embedded else draw(st.from_regex(r"https://example\.com/[a-z]{1,8}\.pdf", fullmatch=True)),
        content=head + draw(st.binary(max_size=40)) if embedded else None,
        mime_code=mime if embedded else None,
        filename=f"doc{index + 1}.{ext}" if embedded else None,
    )


@st.composite
def documents(draw: st.DrawFn, *, b2c: bool | None = None, credit_note: bool | None = None,
              seller_country: str | None = None, type_code: str | None = None) -> Invoice | CreditNote:
    """A random valid invoice (380/384/386/389) or credit note (381)."""
    if type_code is None:
        if credit_note is None:
            type_code = draw(st.sampled_from(["380", "380", "380", "384", "386", "389", "381", "381"]))
        else:
            type_code = "381" if credit_note else draw(st.sampled_from(["380", "384", "386", "389"]))
    is_cn = type_code == "381"
    b2c = draw(st.booleans()) if b2c is None else b2c
    plan = draw(vat_plans(b2c))
    seller = draw(sellers(plan, seller_country))
    buyer = draw(buyers(plan, b2c))
    issue = draw(dates)
    gross_mode = b2c and draw(st.booleans())

    n_lines = draw(st.integers(1, 6))
    doc_lines = [draw(lines(i, plan, allow_negative=not is_cn and draw(st.integers(0, 6)) == 0))
                 for i in range(n_lines)]
    doc_acs = draw(st.lists(st.sampled_from(plan.vats).flatmap(lambda v: allowance_charges(v)), max_size=3))

    preceding: list[PrecedingInvoice] = []
    if type_code in ("384", "381") or (type_code in ("380", "389") and draw(st.integers(0, 3)) == 0):
        n = 1 if type_code == "384" else draw(st.integers(1, 2))
        preceding = [PrecedingInvoice(number=draw(references), issue_date=draw(optional(dates)),
                                      type_code=draw(optional(st.sampled_from(["380", "386"]))))
                     for _ in range(n)]

    delivery = None
    if draw(st.booleans()) or "K" in plan.categories:
        addr = draw(st.one_of(st.just(buyer.address), addresses(buyer.country), st.none()))
        delivery = Delivery(name=draw(optional(texts(3))), location_id=draw(optional(glns.map(Identifier.gln))),
                            date=draw(optional(dates)), address=addr)
    period = None
    if draw(st.booleans()):
        start = draw(dates)
        period = Period(start=start, end=draw(optional(st.integers(0, 90).map(lambda d: start + dt.timedelta(d)))))
    if "K" in plan.categories and not (delivery and delivery.date) and period is None:
        delivery = dataclasses.replace(delivery, date=issue)

    tax_point = draw(st.sampled_from(["none", "none", "date", "code"]))
    currency = "EUR"
    tax_currency = None
    if draw(st.integers(0, 5)) == 0:
        currency = draw(st.sampled_from(["USD", "GBP", "CHF"]))
        tax_currency = "EUR"

    due_date = draw(optional(st.integers(0, 60).map(lambda d: issue + dt.timedelta(d))))
    payment_terms = draw(optional(texts(6)))

    fields = dict(
        number=draw(references),
        issue_date=issue,
        type_code=type_code,
        currency=currency,
        tax_currency=tax_currency,
        tax_currency_vat_total=Decimal("0.00") if tax_currency else None,
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
        invoiced_object=draw(optional(references.map(lambda r: Identifier(value=r, scheme="AAA")))),
        buyer_accounting_ref=draw(optional(references)),
        payment_terms=payment_terms,
        notes=tuple(draw(st.lists(st.builds(Note, text=texts(8), subject_code=optional(st.sampled_from(NOTE_SUBJECTS))),
                                  max_size=2))),
        preceding_invoices=tuple(preceding),
        seller=seller,
        buyer=buyer,
        payee=draw(optional(payees)),
        tax_representative=None if plan.outside_scope else draw(optional(tax_representatives())),
        delivery=delivery,
        invoicing_period=period,
        payment=draw(optional(payments())),
        allowances_charges=tuple(doc_acs),
        lines=tuple(doc_lines),
        attachments=tuple(draw(attachments(i)) for i in range(draw(st.integers(0, 2)))),
        rounding_amount=draw(optional(amounts(-5, 5).filter(bool))) if not gross_mode else None,
        prices_include_vat=gross_mode,
    )
    cls = CreditNote if is_cn else Invoice
    doc = cls(**fields)
    totals = doc.totals
    changes: dict[str, object] = {}
    if tax_currency:
        rate = draw(st.sampled_from([Decimal("0.92"), Decimal("1.17"), Decimal("0.8567")]))
        changes["tax_currency_vat_total"] = round2(totals.tax_total * rate)
    if not is_cn and totals.grand_total > 0 and draw(st.integers(0, 3)) == 0:
        share = draw(st.sampled_from([Decimal("0.3"), Decimal("0.5"), Decimal("1"), Decimal("0.1234")]))
        changes["paid_amount"] = round2(totals.grand_total * share)
        if not preceding and type_code != "384":
            changes["preceding_invoices"] = (PrecedingInvoice(number=draw(references), issue_date=issue,
                                                              type_code="386"),)
    return dataclasses.replace(doc, **changes) if changes else doc


def b2c_documents(**kw: object) -> st.SearchStrategy[Invoice | CreditNote]:
    return documents(b2c=True, **kw)  # type: ignore[arg-type]


def french_b2b_documents(**kw: object) -> st.SearchStrategy[Invoice | CreditNote]:
    return documents(b2c=False, seller_country="FR", **kw)  # type: ignore[arg-type]
