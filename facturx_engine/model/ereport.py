"""French e-reporting, flux 10: the report a declarant transmits for a period, built from the engine's documents.

A flux 10 transmission (root ``Report``, TB-0) carries a header (TB-1: its id, time, transmission type
``IN`` initial or ``RE`` corrective, the sender and the declarant) and exactly one of two parts (rule G6.29
of the official Schematron):

* the **transactions** part (TB-2): 10.1, the international B2B invoices one by one (:class:`B2BInvoice`),
  and 10.3, the B2C transactions aggregated per day, currency and transaction category, with their VAT per
  rate (:class:`DailyTransactions`);
* the **payments** part (TB-3): 10.2, the payments of the 10.1 invoices, per invoice (:class:`InvoicePayment`),
  and 10.4, the B2C payments aggregated per day and rate (:class:`DailyPayments`).

How a document is classified (:func:`classify`), from the model alone:

* ``"b2c"``: the buyer is a private person (``buyer.private_person``, :attr:`Document.is_b2c`), or has no
  identifier at all (no BT-46, legal id BT-47 nor VAT id BT-48): a consumer carries none, and that is how a
  B2C document read from CII, UBL or a PDF shows it (those syntaxes have no "private person" flag);
* ``"international-b2b"``: a business buyer whose country (BT-55, in its address) is not France: not subject
  to French e-invoicing, so its invoices are e-reported in 10.1;
* ``"domestic-b2b"``: a French business buyer (or one whose country is not stated): e-invoiced through a
  platform, never e-reported; such a document is left out of the report and :attr:`Built.excluded` says so
  (nothing is dropped silently).

A 10.1 invoice carries, besides its invoice-level terms, its detail: notes, delivery, invoicing period,
document allowances and charges and lines (:mod:`facturx_engine.model.ereportdetail`, which says what flux 10
has no place for: never carried by design, or an ``FXE-NOT-REPRESENTABLE`` warning in :attr:`Built.findings`).

Every amount is recomputed from the documents (their computed :attr:`Document.totals`), never taken from a
stated total. A credit note counts negative in 10.3. The transaction category (TT-81) of each VAT breakdown
of a B2C document: ``TNT1`` (not taxable in France) for categories O, K and G; ``TMA1`` (margin scheme) for an
exemption code VATEX-EU-D, -F, -I or -J; otherwise ``TLB1`` (goods) or ``TPS1`` (services) from the billing
framework BT-23 (``B…`` goods, ``S…`` services), else from the ``nature`` the caller gives (``"goods"`` or
``"services"``); a mixed (``M…``) or missing framework without a nature is refused, naming the document and
BT-23 (a guess would be a false declaration).

Payments (:class:`Payment`) are amounts received (positive) or paid back (negative: a refund) for one
document on one day; each is split over the document's VAT rates in proportion to their VAT-inclusive
amounts (the last rate takes the rounding remainder), so the split sums exactly to the payment.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from facturx_engine import ruleids as R
from facturx_engine.errors import ModelError
from facturx_engine.findings import Finding
from facturx_engine.model.ereportdetail import (InvoiceNote, InvoicePeriod, ReportAllowanceCharge, ReportDelivery,
                                                ReportLine, check_deliveries, invoice_detail)
from facturx_engine.model.numbers import round2
from facturx_engine.model.records import CreditNote, Invoice
from facturx_engine.model.wellformed import forbidden_char

__all__ = [
    "B2BInvoice", "Built", "DailyPayments", "DailyTransactions", "EReport", "Excluded", "InvoicePayment", "Payment",
    "Period", "RateAmount", "ReportParty", "TaxSubtotal", "VatSubtotal", "classify", "declarant_party",
    "payments_report", "platform_sender", "seller_siren", "split_by_rate", "transactions_report",
]

Document = Invoice | CreditNote

EU_COUNTRIES = frozenset("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split())
"""The member states of the European Union (ISO 3166 alpha-2; Greece is GR), for the buyer scheme of 10.1."""

SCHEME_SIREN = "0002"
SCHEME_EU = "0223"  # a company of the EU outside France
SCHEME_NON_EU = "0227"  # a company outside the EU
SCHEME_PLATFORM = "0238"  # a registered platform (plateforme agréée), 4-character registration number
PROFILE_ID = "urn.cpro.gouv.fr:1p0:ereporting"
"""TT-29, the profile of every 10.1 invoice."""
TYPE_CODES = ("IN", "RE")
"""TT-4: IN initial transmission, RE corrective transmission."""
CATEGORIES = ("TLB1", "TPS1", "TNT1", "TMA1")
"""TT-81: goods subject to VAT, services subject to VAT, not taxable in France, margin scheme."""
_MARGIN_CODES = frozenset({"VATEX-EU-D", "VATEX-EU-F", "VATEX-EU-I", "VATEX-EU-J"})
_NOT_TAXABLE = frozenset({"O", "K", "G"})
_NATURES = {"goods": ("TLB1", "B1"), "services": ("TPS1", "S1")}


def _error(message: str, where: str, term: str | None = None) -> ModelError:
    return ModelError(message, field=where, bt=term, rule=R.FXE_EREPORT)


@dataclass(frozen=True, slots=True)
class Period:
    """The period reported (TG-7 / TG-33), first and last day included."""

    start: _dt.date
    end: _dt.date

    def __post_init__(self) -> None:
        if self.end <= self.start:  # G6.25: the end date is after the start date
            raise _error(f"the period ends ({self.end}) on or before it starts ({self.start})", "period")

    @classmethod
    def month(cls, text: str) -> Period:
        """``"2026-10"`` -> 1 to 31 October 2026 (exactly YYYY-MM: four digits, a hyphen, two digits)."""
        try:
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}", text) or text > "9998-12":
                raise ValueError(text)
            year, month = (int(part) for part in text.split("-"))
            start = _dt.date(year, month, 1)
            following = _dt.date(year + month // 12, month % 12 + 1, 1)
        except ValueError:
            raise _error(f"a period is a month written YYYY-MM (years 1 to 9998), got {text!r}", "period") from None
        return cls(start, following - _dt.timedelta(days=1))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, _dt.date) and self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class ReportParty:
    """A party of the header: identifier, its scheme (TT-7 / TT-12), name and role code (TT-10 / TT-15)."""

    id: str
    scheme: str
    name: str
    role: str

    def __post_init__(self) -> None:
        where = "declarant" if self.role in ("SE", "BY") else "sender"
        for name in ("id", "scheme", "name", "role"):
            value = getattr(self, name)
            char = forbidden_char(value) if isinstance(value, str) else None
            if not isinstance(value, str) or char is not None:
                shown = f"holds {char!r}, a character XML 1.0 cannot carry" if char else f"is a {type(value).__name__}"
                raise _error(f"the {name} of the {where} {shown}", f"{where}.{name}")
        if self.scheme == SCHEME_SIREN and not (len(self.id) == 9 and self.id.isascii() and self.id.isdigit()):
            raise _error(f"a SIREN is nine ASCII digits, got {self.id!r}", f"{where}.id")
        if self.scheme == SCHEME_PLATFORM and not (self.id.isascii() and self.id.isalnum()):
            raise _error(f"a platform's registration number is written in ASCII letters and digits, got {self.id!r}",
                         f"{where}.id")


def platform_sender(number: str, name: str) -> ReportParty:
    """A registered platform sending for the declarant (TG-3): scheme 0238, its 4-character registration
    ``number``, role WK. Only such a sender meets the Schematron's sender rules G6.22 and G7.51; for any other,
    validation reports them as not applicable (:mod:`facturx_engine.validation.ereport`)."""
    if not number:
        raise _error("a platform sender needs its registration number", "sender")
    return ReportParty(number, SCHEME_PLATFORM, name, "WK")


def declarant_party(siren: str, name: str, role: str = "SE") -> ReportParty:
    """The declarant (TG-5), or a declarant sending its own report (TG-3): its SIREN (scheme 0002), name and
    role (SE seller, BY buyer)."""
    return ReportParty(siren, SCHEME_SIREN, name, role)


@dataclass(frozen=True, slots=True)
class TaxSubtotal:
    """TG-32: one VAT rate of a day's B2C transactions: rate, taxable base, VAT."""

    rate: Decimal
    taxable: Decimal
    tax: Decimal


@dataclass(frozen=True, slots=True)
class DailyTransactions:
    """TG-31 (10.3): the B2C transactions of one day, currency and category, their totals and VAT per rate."""

    date: _dt.date
    currency: str
    category: str
    tax_exclusive: Decimal
    tax_total: Decimal
    count: int | None  # TT-85, optional in the XSD; always set by the aggregation
    subtotals: tuple[TaxSubtotal, ...]
    tax_due_code: str | None = None


@dataclass(frozen=True, slots=True)
class VatSubtotal:
    """TG-23 of a 10.1 invoice: one VAT breakdown (category, rate, base, VAT, exemption)."""

    category: str
    rate: Decimal
    taxable: Decimal
    tax: Decimal
    exemption_reason: str | None = None
    exemption_code: str | None = None


@dataclass(frozen=True, slots=True)
class B2BInvoice:
    """TG-8 (10.1): an international B2B invoice, with the terms flux 10 asks for, and its detail (notes,
    deliveries, invoicing period, document allowances and charges, lines: :mod:`facturx_engine.model.ereportdetail`)."""

    number: str
    issue_date: _dt.date
    type_code: str
    currency: str
    process_id: str
    seller_id: str
    seller_scheme: str
    buyer_id: str
    buyer_scheme: str
    tax_exclusive: Decimal
    tax_total: Decimal
    tax_currency: str
    subtotals: tuple[VatSubtotal, ...]
    due_date: _dt.date | None = None
    tax_due_code: str | None = None
    preceding: tuple[tuple[str, _dt.date | None], ...] = ()
    seller_vat: str | None = None
    seller_country: str | None = None
    buyer_vat: str | None = None
    buyer_country: str | None = None
    notes: tuple[InvoiceNote, ...] = ()
    deliveries: tuple[ReportDelivery, ...] = ()
    invoice_period: InvoicePeriod | None = None
    allowances_charges: tuple[ReportAllowanceCharge, ...] = ()
    lines: tuple[ReportLine, ...] = ()

    def __post_init__(self) -> None:
        check_deliveries(self.deliveries)


@dataclass(frozen=True, slots=True)
class RateAmount:
    """TG-36 / TG-39: the amount received at one VAT rate (negative: refunded)."""

    rate: Decimal
    amount: Decimal
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class InvoicePayment:
    """TG-34 (10.2): a payment of a 10.1 invoice."""

    number: str
    issue_date: _dt.date
    date: _dt.date
    amounts: tuple[RateAmount, ...]


@dataclass(frozen=True, slots=True)
class DailyPayments:
    """TG-37 (10.4): the B2C payments of one day, per rate."""

    date: _dt.date
    amounts: tuple[RateAmount, ...]


@dataclass(frozen=True, slots=True)
class EReport:
    """TB-0: one flux 10 transmission. Either its transactions (``invoices`` 10.1, ``transactions`` 10.3) or
    its payments (``invoice_payments`` 10.2, ``daily_payments`` 10.4): never both (G6.29); :attr:`kind`
    says which (``part`` when empty)."""

    id: str
    issued: _dt.datetime
    type_code: str
    sender: ReportParty
    declarant: ReportParty
    period: Period
    part: str = "transactions"
    invoices: tuple[B2BInvoice, ...] = ()
    transactions: tuple[DailyTransactions, ...] = ()
    invoice_payments: tuple[InvoicePayment, ...] = ()
    daily_payments: tuple[DailyPayments, ...] = ()
    name: str | None = None

    def __post_init__(self) -> None:
        if self.type_code not in TYPE_CODES:
            raise _error(f"the transmission type is IN (initial) or RE (corrective), got {self.type_code!r}",
                         "type_code")
        if self.part not in ("transactions", "payments"):
            raise _error(f"a report part is 'transactions' or 'payments', got {self.part!r}", "part")
        if (self.invoices or self.transactions) and (self.invoice_payments or self.daily_payments):
            raise _error("a flux 10 transmission carries transactions (10.1/10.3) or payments (10.2/10.4), never "
                         "both (G6.29): make two reports", "part")
        wrong = (self.invoice_payments or self.daily_payments) if self.part == "transactions" else \
            (self.invoices or self.transactions)
        if wrong:
            raise _error(f"this report's part is {self.part}, but it holds the other part's blocks", "part")

    @property
    def is_platform_sender(self) -> bool:
        """Whether a registered platform sends it (scheme 0238, role WK): the sender rules G6.22 and G7.51
        apply only then."""
        return self.sender.scheme == SCHEME_PLATFORM and self.sender.role == "WK"


@dataclass(frozen=True, slots=True)
class Excluded:
    """A document (or payment) left out of a report, and why."""

    number: str
    reason: str


@dataclass(frozen=True, slots=True)
class Built:
    """A report, what was left out of it (each with its reason), and the values of the documents reported that
    flux 10 has no place for (``FXE-NOT-REPRESENTABLE`` warnings, :func:`~facturx_engine.model.ereportdetail.
    invoice_detail`)."""

    report: EReport
    excluded: tuple[Excluded, ...] = ()
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class Payment:
    """An amount received for ``document`` on ``date`` (negative: paid back, a refund). ``amount`` None: the
    whole VAT-inclusive total BT-112 (negative for a credit note: the money goes back)."""

    document: Document
    date: _dt.date
    amount: Decimal | None = None
    currency: str | None = field(default=None)


# --------------------------------------------------------------------------- classification


def _buyer_country(doc: Document) -> str:
    return (doc.buyer.country or "").upper()


def classify(doc: Document) -> str:
    """``"b2c"``, ``"international-b2b"`` or ``"domestic-b2b"`` (see the module docstring)."""
    buyer = doc.buyer
    if doc.is_b2c or not (buyer.identifiers or buyer.legal_id is not None or buyer.vat_id):
        return "b2c"
    return "domestic-b2b" if _buyer_country(doc) in ("FR", "") else "international-b2b"


def seller_siren(doc: Document) -> str | None:
    """The seller's SIREN: its legal id BT-30 of scheme 0002, a SIRET (0009) of BT-29, or a French VAT id."""
    seller = doc.seller
    if seller.legal_id is not None and seller.legal_id.scheme == SCHEME_SIREN:
        return seller.legal_id.value
    for ident in seller.identifiers:
        if ident.scheme == "0009" and len(ident.value) == 14:
            return ident.value[:9]
    vat = (seller.vat_id or "").replace(" ", "")
    if vat.upper().startswith("FR") and len(vat) == 13 and vat[4:].isdigit():
        return vat[4:]
    return None


def _sign(doc: Document) -> int:
    return -1 if doc.is_credit_note else 1


def _rate(rate: Decimal | None) -> Decimal:
    return Decimal(0) if rate is None else rate


def _category(doc: Document, vat_category: str, exemption_code: str | None, nature: str | None) -> str:
    """TT-81 of one VAT breakdown of a B2C document (module docstring)."""
    if vat_category in _NOT_TAXABLE:
        return "TNT1"
    if (exemption_code or "").upper() in _MARGIN_CODES:
        return "TMA1"
    return _NATURES[_nature(doc, nature)][0]


def _nature(doc: Document, nature: str | None) -> str:
    """``"goods"`` or ``"services"``: from BT-23, else the caller's; refused when neither says."""
    framework = (doc.process_id or "").strip().upper()
    if framework[:1] == "B":
        return "goods"
    if framework[:1] == "S":
        return "services"
    if nature in _NATURES:
        return nature
    said = f"its billing framework BT-23 is {framework!r} (mixed)" if framework else "it has no billing framework BT-23"
    raise _error(f"document {doc.number}: cannot tell goods from services ({said}); give the nature "
                 "(goods or services) of such documents", "process_id", "BT-23")


# --------------------------------------------------------------------------- the transactions part


def _period_checks(docs: Iterable[Document], period: Period, siren: str,
                   excluded: list[Excluded]) -> list[tuple[Document, str]]:
    """The documents of the period sold by the declarant, with their class; the others in ``excluded``."""
    kept, seen = [], set()
    for doc in docs:
        kind = classify(doc)
        if (doc.number, doc.type_code) in seen:
            excluded.append(Excluded(doc.number, "given twice (same number and type code): counted once"))
        elif doc.issue_date not in period:
            excluded.append(Excluded(doc.number, f"issued on {doc.issue_date}, outside the period "
                                                 f"{period.start}..{period.end}"))
        elif seller_siren(doc) != siren:
            excluded.append(Excluded(doc.number, f"the seller's SIREN is {seller_siren(doc)}, not the "
                                                 f"declarant's {siren}"))
        elif kind == "domestic-b2b":
            excluded.append(Excluded(doc.number, "a French business buyer: e-invoiced, not e-reported"))
        else:
            kept.append((doc, kind))
        seen.add((doc.number, doc.type_code))
    return kept


def _daily(b2c: Sequence[Document], nature: str | None) -> tuple[DailyTransactions, ...]:
    """10.3: per (day, currency, category), the documents counted and the VAT per rate (credit notes negative)."""
    groups: dict[tuple[_dt.date, str, str], dict[Decimal, list[Decimal]]] = {}
    counted: dict[tuple[_dt.date, str, str], set[int]] = {}
    for index, doc in enumerate(b2c):
        sign = _sign(doc)
        for row in doc.totals.vat_breakdown:
            key = (doc.issue_date, doc.currency, _category(doc, row.category.value, row.exemption_code, nature))
            sums = groups.setdefault(key, {}).setdefault(_rate(row.rate), [Decimal(0), Decimal(0)])
            sums[0] += sign * row.taxable_amount
            sums[1] += sign * row.tax_amount
            counted.setdefault(key, set()).add(index)
    out = []
    for key in sorted(groups):
        subtotals = tuple(TaxSubtotal(rate, round2(t), round2(v)) for rate, (t, v) in sorted(groups[key].items()))
        out.append(DailyTransactions(
            date=key[0], currency=key[1], category=key[2], count=len(counted[key]), subtotals=subtotals,
            tax_exclusive=round2(sum((s.taxable for s in subtotals), Decimal(0))),
            tax_total=round2(sum((s.tax for s in subtotals), Decimal(0)))))
    return tuple(out)


def _company(doc: Document, index: int) -> tuple[str, str]:
    """The 10.1 buyer identifier and its scheme (0223 in the EU, 0227 outside): BT-47, else BT-48, else BT-46."""
    buyer = doc.buyer
    value = (buyer.legal_id.value if buyer.legal_id is not None else None) or buyer.vat_id or \
        (buyer.identifiers[0].value if buyer.identifiers else None)
    if not value:
        raise _error(f"document {doc.number}: an international B2B buyer needs an identifier (legal id BT-47, VAT "
                     "id BT-48 or identifier BT-46) for 10.1 (G6.28)", f"documents[{index}].buyer", "BT-47")
    return value, SCHEME_EU if _buyer_country(doc) in EU_COUNTRIES else SCHEME_NON_EU


def _b2b_invoice(doc: Document, index: int, siren: str, nature: str | None, said: list[Finding]) -> B2BInvoice:
    """10.1: an international B2B document, its detail, and (in ``said``) what 10.1 has no place for."""
    totals = doc.totals
    detail = invoice_detail(doc, index)
    said.extend(detail.findings)
    buyer_id, buyer_scheme = _company(doc, index)
    process = (doc.process_id or "").strip() or _NATURES[_nature(doc, nature)][1]
    tax_total, tax_currency = totals.tax_total, doc.currency
    if doc.tax_currency is not None and doc.tax_currency_vat_total is not None:
        tax_total, tax_currency = doc.tax_currency_vat_total, doc.tax_currency  # BT-111: the VAT in euros
    seller_vat = doc.seller.vat_id or (doc.tax_representative.vat_id if doc.tax_representative else None)
    return B2BInvoice(
        number=doc.number, issue_date=doc.issue_date, type_code=doc.type_code, currency=doc.currency,
        process_id=process, seller_id=siren, seller_scheme=SCHEME_SIREN, buyer_id=buyer_id, buyer_scheme=buyer_scheme,
        tax_exclusive=totals.tax_exclusive, tax_total=tax_total, tax_currency=tax_currency,
        subtotals=tuple(VatSubtotal(row.category.value, _rate(row.rate), row.taxable_amount, row.tax_amount,
                                    row.exemption_reason, row.exemption_code) for row in totals.vat_breakdown),
        due_date=doc.due_date, tax_due_code=doc.tax_point_code,
        preceding=tuple((p.number, p.issue_date) for p in doc.preceding_invoices),
        seller_vat=seller_vat, seller_country=doc.seller.country or None,
        buyer_vat=doc.buyer.vat_id, buyer_country=_buyer_country(doc) or None, notes=detail.notes,
        deliveries=detail.deliveries, invoice_period=detail.invoice_period,
        allowances_charges=detail.allowances_charges, lines=detail.lines)


def _header(docs: Sequence[Document], declarant: ReportParty | None,
            sender: ReportParty | None) -> tuple[ReportParty, ReportParty]:
    """The declarant (default: the seller of the first document) and the sender (default: the declarant)."""
    if declarant is None:
        if not docs:
            raise _error("no document: name the declarant (its SIREN)", "declarant")
        siren = seller_siren(docs[0])
        if siren is None:
            raise _error(f"document {docs[0].number}: the seller has no SIREN (legal id BT-30 of scheme 0002, a "
                         "SIRET or a French VAT id); name the declarant", "seller.legal_id", "BT-30")
        declarant = declarant_party(siren, docs[0].seller.name)
    return declarant, sender or ReportParty(declarant.id, SCHEME_SIREN, declarant.name, declarant.role)


def _report_id(declarant: ReportParty, period: Period, type_code: str, part: str) -> str:
    return f"{declarant.id}-{period.start:%Y%m%d}-{period.end:%Y%m%d}-{type_code}-{part[0].upper()}"


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0, tzinfo=None)


def transactions_report(docs: Sequence[Document], *, period: Period, declarant: ReportParty | None = None,
                        sender: ReportParty | None = None, type_code: str = "IN",
                        blocks: tuple[str, ...] = ("10.1", "10.3"), nature: str | None = None,
                        report_id: str | None = None, issued: _dt.datetime | None = None) -> Built:
    """The transactions part (10.1 and/or 10.3, ``blocks``) of the documents issued in ``period`` by the
    declarant; documents outside the period, of another seller or to a French business buyer are in
    :attr:`Built.excluded`, with the reason, and so are those of a block not asked for."""
    declarant, sender = _header(docs, declarant, sender)
    excluded: list[Excluded] = []
    said: list[Finding] = []
    kept = _period_checks(docs, period, declarant.id, excluded)
    b2c, b2b = [], []
    for index, (doc, kind) in enumerate(kept):
        block = "10.3" if kind == "b2c" else "10.1"
        if block not in blocks:
            excluded.append(Excluded(doc.number, f"{kind}: block {block} was not asked for"))
        elif kind == "b2c":
            b2c.append(doc)
        else:
            b2b.append(_b2b_invoice(doc, index, declarant.id, nature, said))
    report = EReport(id=report_id or _report_id(declarant, period, type_code, "transactions"),
                     issued=issued or _now(), type_code=type_code, sender=sender, declarant=declarant,
                     period=period, part="transactions", invoices=tuple(b2b), transactions=_daily(b2c, nature))
    return Built(report, tuple(excluded), tuple(said))


# --------------------------------------------------------------------------- the payments part


def split_by_rate(payment: Payment) -> tuple[RateAmount, ...]:
    """The payment over the document's VAT rates, in proportion to each rate's VAT-inclusive amount; the last
    rate takes what rounding leaves, so the parts sum to the payment exactly."""
    doc = payment.document
    shares: dict[Decimal, Decimal] = {}
    for row in doc.totals.vat_breakdown:
        rate = _rate(row.rate)
        shares[rate] = shares.get(rate, Decimal(0)) + row.taxable_amount + row.tax_amount
    total = sum(shares.values(), Decimal(0))
    amount = round2(payment.amount if payment.amount is not None else _sign(doc) * doc.totals.grand_total)
    rates = sorted(shares)
    out, left = [], amount
    for rate in rates[:-1]:
        part = round2(amount * shares[rate] / total) if total else Decimal("0.00")
        out.append(RateAmount(rate, part, payment.currency))
        left -= part
    out.append(RateAmount(rates[-1] if rates else Decimal(0), round2(left), payment.currency))
    return tuple(out)


def _merge(amounts: Iterable[RateAmount]) -> tuple[RateAmount, ...]:
    sums: dict[tuple[Decimal, str | None], Decimal] = {}
    for item in amounts:
        sums[(item.rate, item.currency)] = sums.get((item.rate, item.currency), Decimal(0)) + item.amount
    return tuple(RateAmount(rate, round2(value), currency) for (rate, currency), value in sorted(
        sums.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")))


def payments_report(payments: Sequence[Payment], *, period: Period, declarant: ReportParty | None = None,
                    sender: ReportParty | None = None, type_code: str = "IN",
                    blocks: tuple[str, ...] = ("10.2", "10.4"), report_id: str | None = None,
                    issued: _dt.datetime | None = None) -> Built:
    """The payments part: 10.2 per international B2B invoice and payment day, 10.4 the B2C payments per day and
    rate. A payment outside ``period``, of another seller, of a domestic B2B document or of a block not asked
    for is in :attr:`Built.excluded`, with the reason."""
    declarant, sender = _header([p.document for p in payments], declarant, sender)
    excluded: list[Excluded] = []
    per_invoice: dict[tuple[str, _dt.date, _dt.date], list[RateAmount]] = {}
    per_day: dict[_dt.date, list[RateAmount]] = {}
    documents = list({id(p.document): p.document for p in payments}.values())
    # a document is its number and type code (the same invoice loaded twice is one): each payment of it counts
    kept = {(d.number, d.type_code)
            for d, _ in _period_checks(documents, Period(_dt.date.min, _dt.date.max), declarant.id, excluded)}
    for pay in payments:
        doc, kind = pay.document, classify(pay.document)
        block = "10.4" if kind == "b2c" else "10.2"
        if (doc.number, doc.type_code) not in kept:
            continue
        if pay.date not in period:
            excluded.append(Excluded(doc.number, f"paid on {pay.date}, outside the period"))
        elif block not in blocks:
            excluded.append(Excluded(doc.number, f"{kind}: block {block} was not asked for"))
        elif kind == "b2c":
            per_day.setdefault(pay.date, []).extend(split_by_rate(pay))
        else:
            per_invoice.setdefault((doc.number, doc.issue_date, pay.date), []).extend(split_by_rate(pay))
    report = EReport(
        id=report_id or _report_id(declarant, period, type_code, "payments"), issued=issued or _now(),
        type_code=type_code, sender=sender, declarant=declarant, period=period, part="payments",
        invoice_payments=tuple(InvoicePayment(number, issue, day, _merge(amounts))
                               for (number, issue, day), amounts in sorted(per_invoice.items())),
        daily_payments=tuple(DailyPayments(day, _merge(amounts)) for day, amounts in sorted(per_day.items())))
    return Built(report, tuple(excluded))
