"""French e-reporting, flux 10: reports built from the engine's documents, written, read back, and judged by the
OFFICIAL flux 10 XSD and Schematron (pyfrctc, installed per user; skipped loudly when they are not).

The 10.3 property draws a month of random B2C invoices and credit notes and recomputes, in the test, every
per-day, per-category and per-rate total from the lines (quantity x price rounded per line, VAT rounded per
document and rate), then reads them from the XML with lxml (not through the engine's reader).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import warnings
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lxml import etree

from facturx_engine.apps.ereport import parse_period, part_of, read_document_file
from facturx_engine.cli.commands import main
from facturx_engine.errors import InputError, ModelError
from facturx_engine.io.jsonio import dump_document, load_document
from facturx_engine.model import ereport as er
from facturx_engine.model.codes import Profile, VatCategory
from facturx_engine.model.records import (Address, CreditNote, Identifier, Invoice, Line, Party, PrecedingInvoice,
                                          Vat)
from facturx_engine.syntax.cii import to_cii
from facturx_engine.errors import ParseError
from facturx_engine.syntax.flux10 import from_flux10, read_flux10, to_flux10
from facturx_engine.validation.core import validate
from facturx_engine.validation.messages import installed
from strategies import b2c_documents

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "invoices"
INSTALLED = installed("flux10") and installed("flux10-xsd")
NOT_INSTALLED = ("!!! FLUX 10 XSD / SCHEMATRON (pyfrctc) NOT INSTALLED: run `facturx-engine artefacts install` -- "
                 "TEST SKIPPED !!!")
needs_flux10 = pytest.mark.skipif(not INSTALLED, reason=NOT_INSTALLED)

OCTOBER = er.Period.month("2026-10")
ISSUED = dt.datetime(2026, 11, 2, 9, 30, 0)
SIREN = "880127345"
SELLER = Party(name="Boutique du Port SARL", legal_id=Identifier(value=SIREN, scheme="0002"), vat_id="FR46880127345",
               address=Address(line1="2 quai des Chartrons", city="Bordeaux", postal_code="33000", country="FR"))
CONSUMER = Party(name="Camille Lefèvre", address=Address(country="FR"), private_person=True)
PLATFORM = er.platform_sender("AB12", "Plateforme Exemple")
CENT = Decimal("0.01")


def _r2(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _findings(report: object) -> list[tuple[str, str, str]]:
    return [(f.rule, f.severity, f.kind) for f in report.findings]  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- random B2C documents

VATS = {
    "S20": Vat(rate=Decimal("20")), "S10": Vat(rate=Decimal("10")), "S5.5": Vat(rate=Decimal("5.5")),
    "S2.1": Vat(rate=Decimal("2.1")), "Z": Vat(category=VatCategory.ZERO_RATED, rate=Decimal(0)),
    "E": Vat(category=VatCategory.EXEMPT, rate=Decimal(0), exemption_code="VATEX-EU-132",
             exemption_reason="Exonération art. 261 du CGI"),
    "MARGIN": Vat(category=VatCategory.EXEMPT, rate=Decimal(0), exemption_code="VATEX-EU-F",
                  exemption_reason="Régime de la marge - biens d'occasion"),
}

lines = st.lists(st.tuples(st.integers(1, 30), st.integers(1, 99_999), st.sampled_from(sorted(VATS))),
                 min_size=1, max_size=4)
b2c_drafts = st.lists(st.tuples(st.integers(1, 31), st.booleans(), st.sampled_from(["B1", "S1"]), lines,
                                st.integers(0, 4)),  # day, credit note, nature, lines, 0: issued in December (out)
                      min_size=1, max_size=25)


def _document(index: int, day: int, credit: bool, framework: str, items: list[tuple[int, int, str]],
              month: int = 10) -> Invoice | CreditNote:
    margin = any(v == "MARGIN" for _, _, v in items)  # one exemption reason per category E on a document (BR-E-01)
    built = [Line(id=str(n), name=f"Article {n}", quantity=Decimal(q), net_price=Decimal(c) / 100,
                  vat=VATS["Z" if margin and v == "E" else v]) for n, (q, c, v) in enumerate(items, 1)]
    common = dict(number=f"{'AV' if credit else 'T'}-2026-{index:05d}", issue_date=dt.date(2026, month, day),
                  seller=SELLER, buyer=CONSUMER, lines=built, process_id=framework)
    if credit:
        return CreditNote(**common, preceding_invoices=[PrecedingInvoice(number="T-2026-00000",
                                                                          issue_date=dt.date(2026, 9, 30))])
    return Invoice(**common)


def _expected(docs: list[Invoice | CreditNote]) -> dict[tuple[str, str], dict[str, object]]:
    """Per (day, TT-81): taxable base and VAT per rate, and the documents counted, from the lines alone."""
    out: dict[tuple[str, str], dict[str, object]] = {}
    for doc in docs:
        groups: dict[tuple[str, str, Decimal], Decimal] = defaultdict(Decimal)  # (TT-81, VAT category, rate)
        for line in doc.lines:
            margin = line.vat.exemption_code == "VATEX-EU-F"  # the margin scheme
            category = "TMA1" if margin else ("TLB1" if doc.process_id == "B1" else "TPS1")
            groups[(category, line.vat.category.value + ("-margin" if margin else ""), line.vat.rate or Decimal(0))] \
                += _r2(line.quantity * line.net_price)
        sign = -1 if doc.is_credit_note else 1
        for (category, _, rate), base in groups.items():
            slot = out.setdefault((f"{doc.issue_date:%Y%m%d}", category), {"rates": defaultdict(lambda: [0, 0]),
                                                                          "docs": set()})
            sums = slot["rates"][f"{rate.normalize():f}"]  # type: ignore[index]
            sums[0] += sign * base
            sums[1] += sign * _r2(base * rate / 100)
            slot["docs"].add(doc.number)  # type: ignore[attr-defined]
    return out


def _read_10_3(xml: bytes) -> dict[tuple[str, str], dict[str, object]]:
    root = etree.fromstring(xml)
    out = {}
    for day in root.iterfind("TransactionsReport/Transactions"):
        rates = {s.findtext("TaxPercent"): [Decimal(s.findtext("TaxableAmount")), Decimal(s.findtext("TaxTotal"))]
                 for s in day.iterfind("TaxSubtotal")}
        assert Decimal(day.findtext("TaxExclusiveAmount")) == sum(v[0] for v in rates.values())
        assert Decimal(day.findtext("TaxTotal")) == sum(v[1] for v in rates.values())
        assert day.findtext("TransactionsCurrency") == "EUR"
        out[(day.findtext("Date"), day.findtext("CategoryCode"))] = {"rates": rates,
                                                                      "count": int(day.findtext("TransactionsCount"))}
    return out


@needs_flux10
@settings(max_examples=12, deadline=None, derandomize=True, database=None)
@given(b2c_drafts)
def test_a_month_of_random_b2c_documents_gives_the_totals_the_test_recomputes(drafts: list) -> None:
    docs = [_document(i, day if october else min(day, 28), credit, nature, items, month=10 if october else 12)
            for i, (day, credit, nature, items, october) in enumerate(drafts)]
    built = er.transactions_report(docs, period=OCTOBER, sender=PLATFORM, issued=ISSUED)
    in_october = [d for d in docs if d.issue_date.month == 10]
    assert sorted(x.number for x in built.excluded) == sorted(d.number for d in docs if d.issue_date.month != 10)
    xml = to_flux10(built.report)
    got, want = _read_10_3(xml), _expected(in_october)
    assert set(got) == set(want)
    for key, slot in want.items():
        rates = {rate: [_r2(Decimal(b)), _r2(Decimal(v))] for rate, (b, v) in slot["rates"].items()}  # type: ignore
        assert got[key]["rates"] == rates, key
        assert got[key]["count"] == len(slot["docs"])  # type: ignore[arg-type]
    assert from_flux10(xml) == built.report
    report = validate(xml)
    assert report.syntax == "flux 10" and report.valid, report
    assert report.findings == ()  # a platform sends: every official rule applies, none fails


ALLOWED_RATES = {Decimal(r) for r in ("0", "0.9", "1.05", "1.75", "2.1", "5.5", "7", "8.5", "9.2", "9.6", "10", "13",
                                      "19.6", "20", "20.6")}
"""The rates the flux 10 Schematron accepts (its rule G1.24)."""
_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"


def _cii_breakdown(doc: Invoice | CreditNote) -> list[tuple[str, Decimal, Decimal, Decimal, str | None]]:
    """The VAT breakdown BG-23 as the document's own CII states it: (category, rate, base, VAT, exemption code)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # what the EN 16931 profile does not carry is not what is summed here
        root = etree.fromstring(to_cii(doc, Profile.EN16931))
    out = []
    for tax in root.iterfind(f".//{{{_RAM}}}ApplicableHeaderTradeSettlement/{{{_RAM}}}ApplicableTradeTax"):
        def text(name: str) -> str | None:
            return tax.findtext(f"{{{_RAM}}}{name}")
        out.append((text("CategoryCode") or "", Decimal(text("RateApplicablePercent") or "0"),
                    Decimal(text("BasisAmount") or ""), Decimal(text("CalculatedAmount") or ""),
                    text("ExemptionReasonCode")))
    return out


shaped = st.lists(st.tuples(b2c_documents(seller_country="FR"), st.integers(1, 31), st.sampled_from(["B1", "S1"])),
                  min_size=1, max_size=6)


@needs_flux10
@settings(max_examples=10, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(shaped)
def test_random_b2c_documents_of_every_shape_sum_to_what_their_own_cii_states(drafts: list) -> None:
    """Documents of every shape the strategies draw (allowances, charges, VAT-inclusive prices, Z/E/G, foreign
    currencies): 10.3 is the sum of each one's VAT breakdown as its CII states it, per day, currency, TT-81 and
    rate; the official rules refuse nothing but the rates outside the French list (G1.24)."""
    docs = []
    for i, (doc, day, nature) in enumerate(drafts):
        try:
            docs.append(dataclasses.replace(doc, number=f"R-{i}", issue_date=dt.date(2026, 10, day), due_date=None,
                                            seller=SELLER, process_id=nature, payee=None))
        except ModelError:
            assume(False)  # a drawn shape the fixed seller does not fit (e.g. category O: no VAT id anywhere)
    want: dict[tuple[str, str, str], dict[Decimal, list[Decimal]]] = defaultdict(lambda: defaultdict(lambda: [
        Decimal(0), Decimal(0)]))
    for doc in docs:
        sign = -1 if doc.is_credit_note else 1
        for category, rate, base, vat, code in _cii_breakdown(doc):
            tt81 = "TNT1" if category in ("O", "K", "G") else "TMA1" if code in ("VATEX-EU-D", "VATEX-EU-F",
                                                                                  "VATEX-EU-I", "VATEX-EU-J") \
                else ("TLB1" if doc.process_id == "B1" else "TPS1")
            sums = want[(f"{doc.issue_date:%Y%m%d}", doc.currency, tt81)][rate]
            sums[0] += sign * base
            sums[1] += sign * vat
    xml = to_flux10(er.transactions_report(docs, period=OCTOBER, sender=PLATFORM, issued=ISSUED).report)
    got = {}
    for day in etree.fromstring(xml).iterfind("TransactionsReport/Transactions"):
        got[(day.findtext("Date"), day.findtext("TransactionsCurrency"), day.findtext("CategoryCode"))] = {
            Decimal(s.findtext("TaxPercent")): [Decimal(s.findtext("TaxableAmount")), Decimal(s.findtext("TaxTotal"))]
            for s in day.iterfind("TaxSubtotal")}
    assert got == {key: dict(rates) for key, rates in want.items()}
    errors = {f.rule for f in validate(xml).errors}
    assert errors == ({"G1.24"} if any(r not in ALLOWED_RATES for rates in want.values() for r in rates) else set())


# --------------------------------------------------------------------------- 10.1 international B2B


def _fixture(name: str, **changes: object) -> Invoice | CreditNote:
    doc = load_document((FIXTURES / name).read_bytes())
    return dataclasses.replace(doc, **changes) if changes else doc  # type: ignore[type-var]


def _international() -> list[Invoice | CreditNote]:
    eu = _fixture("intra_community_K.json", issue_date=dt.date(2026, 10, 5), due_date=dt.date(2026, 11, 4))
    export = _fixture("export_G.json", issue_date=dt.date(2026, 10, 9), due_date=None)
    seller = dataclasses.replace(export.seller, legal_id=eu.seller.legal_id, vat_id=eu.seller.vat_id,
                                 identifiers=eu.seller.identifiers)
    buyer = dataclasses.replace(export.buyer, legal_id=Identifier(value="CHE123456788"))  # a Swiss UID
    export = dataclasses.replace(export, seller=seller, buyer=buyer)
    credit = CreditNote(number="AV-2026-0007", issue_date=dt.date(2026, 10, 20), seller=eu.seller, buyer=eu.buyer,
                        lines=[dataclasses.replace(eu.lines[0], quantity=Decimal(1))], delivery=eu.delivery,
                        preceding_invoices=[PrecedingInvoice(number=eu.number, issue_date=eu.issue_date)])
    return [eu, export, credit]


@needs_flux10
def test_international_b2b_invoices_go_to_10_1_one_by_one() -> None:
    docs = _international()
    assert [er.classify(d) for d in docs] == ["international-b2b"] * 3
    built = er.transactions_report(docs, period=OCTOBER, sender=PLATFORM, nature="goods", issued=ISSUED)
    invoices = built.report.invoices
    assert [i.number for i in invoices] == [d.number for d in docs] and built.report.transactions == ()
    assert invoices[0].buyer_scheme == "0223" and invoices[0].buyer_id == "DE812345673"  # EU, outside France
    assert invoices[1].buyer_scheme == "0227"  # outside the EU
    assert invoices[2].type_code == "381" and invoices[2].preceding == ((docs[0].number, docs[0].issue_date),)
    for inv, doc in zip(invoices, docs):
        assert inv.tax_exclusive == doc.totals.tax_exclusive and inv.tax_total == doc.totals.tax_total
    xml = to_flux10(built.report)
    assert from_flux10(xml) == built.report
    report = validate(xml)
    assert report.valid and report.findings == (), report


def test_a_buyer_abroad_without_any_identifier_is_a_consumer() -> None:
    doc = _international()[0]
    bare = dataclasses.replace(doc, buyer=dataclasses.replace(doc.buyer, vat_id=None, legal_id=None, identifiers=()),
                               lines=[dataclasses.replace(doc.lines[0], vat=Vat(rate=Decimal("20")))])
    assert er.classify(bare) == "b2c" and er.classify(doc) == "international-b2b"
    built = er.transactions_report([bare], period=OCTOBER, nature="goods", issued=ISSUED)
    assert built.report.invoices == () and built.report.transactions[0].count == 1


@needs_flux10
def test_reading_an_official_layout_says_what_the_model_does_not_hold() -> None:
    built = er.transactions_report(_international()[:1], period=OCTOBER, sender=PLATFORM, nature="goods",
                                   issued=ISSUED)
    xml = to_flux10(built.report)
    assert read_flux10(xml) == (built.report, ())
    note = b"<IncludedNote><Content>Note</Content></IncludedNote>"
    line = b"<Line><Product><Name>Tour</Name></Product></Line>"
    richer = xml.replace(b"<BusinessProcess>", note + b"<BusinessProcess>").replace(b"</TaxSubTotal>",
                                                                                     b"</TaxSubTotal>" + line)
    assert validate(richer).findings == ()  # official layout, valid
    report, findings = read_flux10(richer)  # notes and lines are carried now (tests/test_ereport_detail.py)
    assert findings == () and report.invoices[0].notes[-1].content == "Note"
    tax = b"<SellerTaxRepresentative><TaxRegistrationId schemeId=\"VA\">FR32123456789</TaxRegistrationId>" \
          b"</SellerTaxRepresentative>"
    report, findings = read_flux10(xml.replace(b"<Delivery>", tax + b"<Delivery>", 1))
    assert report == built.report
    assert [(f.rule, f.kind, f.location) for f in findings] == [
        ("FXE-NOT-READ", "not-read", "/Report/TransactionsReport/Invoice/SellerTaxRepresentative"),
        ("FXE-NOT-READ", "not-read", "/Report/TransactionsReport/Invoice/SellerTaxRepresentative/TaxRegistrationId"),
        ("FXE-NOT-READ", "not-read",
         "/Report/TransactionsReport/Invoice/SellerTaxRepresentative/TaxRegistrationId/@schemeId")]
    with pytest.raises(ParseError, match="TransactionsCount"):
        from_flux10(to_flux10(er.transactions_report([_b2c("T-15", 2, ("S20",))], period=OCTOBER).report)
                    .replace(b"<TransactionsCount>1<", b"<TransactionsCount>x<"))


# --------------------------------------------------------------------------- 10.2 / 10.4 payments and refunds


def _b2c(number: str, day: int, rates: tuple[str, ...]) -> Invoice:
    return Invoice(number=number, issue_date=dt.date(2026, 10, day), seller=SELLER, buyer=CONSUMER, process_id="S1",
                   lines=[Line(id=str(n), name="Service", quantity=Decimal(1), net_price=Decimal("100"), vat=VATS[r])
                          for n, r in enumerate(rates, 1)])


@needs_flux10
def test_payments_go_to_10_2_per_invoice_and_10_4_per_day_and_rate() -> None:
    shop1, shop2 = _b2c("T-1", 3, ("S20", "S5.5")), _b2c("T-2", 3, ("S20",))
    export = dataclasses.replace(_international()[1], seller=SELLER)
    payments = [er.Payment(shop1, dt.date(2026, 10, 3)), er.Payment(shop2, dt.date(2026, 10, 3), Decimal("60")),
                er.Payment(export, dt.date(2026, 10, 15), Decimal("1000"))]
    built = er.payments_report(payments, period=OCTOBER, sender=PLATFORM, issued=ISSUED)
    (daily,) = built.report.daily_payments
    assert daily.date == dt.date(2026, 10, 3)
    assert {a.rate: a.amount for a in daily.amounts} == {Decimal("5.5"): Decimal("105.50"),
                                                           Decimal("20"): Decimal("120.00") + Decimal("60.00")}
    (paid,) = built.report.invoice_payments
    assert (paid.number, paid.date, sum(a.amount for a in paid.amounts)) == (export.number, dt.date(2026, 10, 15),
                                                                             Decimal("1000.00"))
    xml = to_flux10(built.report)
    assert from_flux10(xml) == built.report
    report = validate(xml)
    assert report.valid and report.findings == (), report


def test_a_partial_payment_is_split_over_the_rates_and_sums_exactly() -> None:
    doc = _b2c("T-3", 4, ("S20", "S5.5", "S2.1"))
    parts = er.split_by_rate(er.Payment(doc, dt.date(2026, 10, 4), Decimal("100.01")))
    assert sum(p.amount for p in parts) == Decimal("100.01") and len(parts) == 3


@needs_flux10
def test_a_refund_is_written_negative_and_its_official_refusal_is_a_known_upstream_defect() -> None:
    shop = _b2c("T-4", 6, ("S20",))
    payments = [er.Payment(shop, dt.date(2026, 10, 6)), er.Payment(shop, dt.date(2026, 10, 8), Decimal("-30"))]
    built = er.payments_report(payments, period=OCTOBER, sender=PLATFORM, issued=ISSUED)
    xml = to_flux10(built.report)
    assert b"<Amount>-30.00</Amount>" in xml  # the data is not bent
    report = validate(xml)
    assert not report.valid
    assert _findings(report) == [("G1.16", "fatal", "upstream-defect")]
    assert "known upstream defect" in report.findings[0].message and report.findings[0].line is not None
    credit = CreditNote(number="AV-1", issue_date=dt.date(2026, 10, 9), seller=SELLER, buyer=CONSUMER,
                        process_id="S1", lines=shop.lines)
    (refund,) = er.split_by_rate(er.Payment(credit, dt.date(2026, 10, 9)))  # a credit note paid: money back
    assert refund.amount == -credit.totals.grand_total


# --------------------------------------------------------------------------- sender, type, parts


@needs_flux10
def test_sender_rules_are_not_applicable_when_the_declarant_sends_and_apply_otherwise() -> None:
    docs = [_b2c("T-5", 7, ("S20",))]
    own = validate(to_flux10(er.transactions_report(docs, period=OCTOBER, issued=ISSUED).report))
    assert own.valid
    assert sorted(_findings(own)) == [("G6.22", "warning", "not-applicable")] * 2 + \
        [("G7.51", "warning", "not-applicable")]
    assert all("not applicable" in f.message and "declarant sends its own report" in f.message
               for f in own.findings)
    stranger = er.ReportParty("123456782", "0002", "Cabinet comptable", "SE")  # neither a platform nor the declarant
    other = er.transactions_report(docs, period=OCTOBER, sender=stranger, issued=ISSUED).report
    assert sorted(_findings(validate(to_flux10(other)))) == [("G6.22", "fatal", "")] * 2 + [("G7.51", "fatal", "")]
    assert validate(to_flux10(dataclasses.replace(other, sender=PLATFORM))).findings == ()


@needs_flux10
def test_initial_and_corrective_transmissions() -> None:
    docs = [_b2c("T-6", 8, ("S10",))]
    for code in ("IN", "RE"):
        report = er.transactions_report(docs, period=OCTOBER, sender=PLATFORM, type_code=code, issued=ISSUED).report
        xml = to_flux10(report)
        assert etree.fromstring(xml).findtext("ReportDocument/TypeCode") == code
        assert from_flux10(xml).type_code == code and validate(xml).findings == ()
    with pytest.raises(ModelError, match="IN .initial. or RE"):
        er.transactions_report(docs, period=OCTOBER, type_code="XX")
    bad = to_flux10(report).replace(b"<TypeCode>RE</TypeCode>", b"<TypeCode>XX</TypeCode>", 1)
    assert [f.rule for f in validate(bad).errors] == ["G8.01"]  # the official rule, on a hand-edited file


@pytest.mark.parametrize("text", ["2026-13", "9999-12", "2026", "2026-10-05", "octobre", "2026-10..2026-09-01"])
def test_a_bad_period_is_refused_naming_it(text: str) -> None:
    with pytest.raises((ModelError, InputError)) as caught:
        parse_period(text)
    assert caught.value.field == "period"


def test_a_report_carries_one_part_only() -> None:
    with pytest.raises(InputError, match="G6.29"):
        part_of(["10.1", "10.2"])
    inv = er.transactions_report([_b2c("T-7", 9, ("S20",))], period=OCTOBER, issued=ISSUED).report
    with pytest.raises(ModelError, match="G6.29"):
        dataclasses.replace(inv, daily_payments=(er.DailyPayments(dt.date(2026, 10, 9), ()),))


def test_documents_out_of_scope_are_left_out_with_their_reason() -> None:
    domestic = _fixture("fr_b2b.json")
    other_seller = dataclasses.replace(_b2c("T-8", 2, ("S20",)), seller=domestic.seller)
    domestic = dataclasses.replace(domestic, issue_date=dt.date(2026, 10, 1), due_date=None, seller=SELLER)
    kept = _b2c("T-9", 2, ("S20",))
    built = er.transactions_report([kept, domestic, other_seller], period=OCTOBER, issued=ISSUED)
    reasons = {x.number: x.reason for x in built.excluded}
    assert "e-invoiced, not e-reported" in reasons[domestic.number]
    assert "not the declarant's" in reasons["T-8"] and "T-9" not in reasons
    assert built.report.transactions[0].count == 1


def test_a_b2c_document_read_from_xml_is_b2c_and_one_given_twice_counts_once() -> None:
    shop = _b2c("T-14", 5, ("S20", "S10"))
    again = read_document_file(to_cii(shop, Profile.EN16931))  # CII has no "private person" flag
    assert not again.buyer.private_person and er.classify(again) == "b2c"
    built = er.transactions_report([shop, again], period=OCTOBER, issued=ISSUED)
    assert [(x.number, x.reason) for x in built.excluded] == [("T-14", "given twice (same number and type code): "
                                                                        "counted once")]
    (day,) = built.report.transactions
    assert day.count == 1 and day.tax_exclusive == shop.totals.tax_exclusive


@needs_flux10
def test_an_invoicing_app_payload_is_an_input_too(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    payload = FIXTURES.parent / "payloads" / "b2c.json"
    doc = read_document_file(payload.read_bytes())
    assert doc.number == "WEB-2026-018734" and er.classify(doc) == "b2c"
    out = tmp_path / "may.xml"
    assert main(["ereport", str(payload), "--period", "2026-05", "--nature", "goods", "-o", str(out)]) == 0
    (day,) = from_flux10(out.read_bytes()).transactions
    assert (day.tax_exclusive, day.tax_total, day.count) == (doc.totals.tax_exclusive, doc.totals.tax_total, 1)
    assert "wrote" in capsys.readouterr().out


def test_goods_or_services_unknown_is_refused_naming_bt_23() -> None:
    doc = dataclasses.replace(_b2c("T-10", 2, ("S20",)), process_id=None)
    with pytest.raises(ModelError, match="goods") as caught:
        er.transactions_report([doc], period=OCTOBER)
    assert caught.value.bt == "BT-23"
    built = er.transactions_report([doc], period=OCTOBER, nature="services", issued=ISSUED)
    assert built.report.transactions[0].category == "TPS1"


def test_validate_lists_the_flux10_rule_set_with_version_and_hash() -> None:
    xml = to_flux10(er.transactions_report([_b2c("T-11", 2, ("S20",))], period=OCTOBER, issued=ISSUED).report)
    report = validate(xml)
    xsd, sch = report.rule_sets  # the XSD and the Schematron, each with its version and hash (as for a CDAR status)
    assert (xsd.key, sch.key) == ("fr-flux10-xsd", "fr-flux10")
    for use in (xsd, sch):
        assert use.version == "0.24" and "pyfrctc" in use.artefact and len(use.sha256) == 64
        assert use.installed is INSTALLED
    if not INSTALLED:
        assert [f.rule for f in report.errors] == ["FXE-NOT-INSTALLED"] * 2
    with pytest.raises(InputError, match="flux 10"):
        validate(xml, rules=("fr-ctc",))


# --------------------------------------------------------------------------- the sample of the repository

SAMPLE = FIXTURES.parent / "ereport" / "transactions-2026-10.xml"


def _sample() -> bytes:
    """10.1 (the international invoices) and 10.3 (a few shop sales), sent by a platform."""
    shop = [_b2c("T-20", 1, ("S20", "S5.5")), _b2c("T-21", 1, ("S10",)), _b2c("T-22", 2, ("S20",))]
    eu, export, _ = _international()
    docs = [*shop, dataclasses.replace(eu, seller=SELLER), dataclasses.replace(export, seller=SELLER)]
    return to_flux10(er.transactions_report(docs, period=OCTOBER, sender=PLATFORM, nature="goods",
                                            issued=ISSUED).report)


@needs_flux10
def test_the_sample_of_the_repository_is_current_and_valid() -> None:
    """``fixtures/ereport`` holds a report the benchmarks time (``benchmarks/bench_rulesets.py``); rewrite it with
    ``python -c "import tests.test_ereport as t; t.SAMPLE.write_bytes(t._sample())"`` when the writer changes."""
    assert SAMPLE.read_bytes() == _sample()
    assert validate(SAMPLE.read_bytes()).findings == ()


# --------------------------------------------------------------------------- command line


def _write(tmp_path: Path, name: str, doc: Invoice | CreditNote) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(dump_document(doc)), encoding="utf-8")
    return str(path)


@needs_flux10
def test_cli_writes_a_valid_report_and_refuses_an_invalid_one(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    a = _write(tmp_path, "a.json", dataclasses.replace(_b2c("T-12", 2, ("S20",)), paid_amount=Decimal("120")))
    b = _write(tmp_path, "b.json", dataclasses.replace(_b2c("T-13", 3, ("S5.5",)), process_id="M1"))
    out = tmp_path / "report.xml"
    assert main(["ereport", a, b, "--period", "2026-10", "--nature", "goods", "-o", str(out)]) == 0
    written = from_flux10(out.read_bytes())
    assert [t.category for t in written.transactions] == ["TPS1", "TLB1"] and written.declarant.id == SIREN
    assert "not-applicable: G6.22" in capsys.readouterr().err
    assert read_document_file(Path(a).read_bytes()).number == "T-12"
    # a refund (the paid amount of a credit note) in 10.4: refused by the official rule, written only with --force
    credit = CreditNote(number="AV-2", issue_date=dt.date(2026, 10, 4), seller=SELLER, buyer=CONSUMER,
                        process_id="S1", lines=[Line(id="1", name="Service", quantity=Decimal(1),
                                                     net_price=Decimal("10"), vat=VATS["S20"])],
                        paid_amount=Decimal("12"))
    c = _write(tmp_path, "c.json", credit)
    refunds = tmp_path / "refunds.xml"
    args = ["ereport", a, c, "--period", "2026-10", "--blocks", "10.2,10.4", "--sender", "platform:AB12"]
    assert main([*args, "-o", str(refunds)]) == 1 and not refunds.exists()
    assert "upstream-defect: G1.16" in capsys.readouterr().err
    assert main([*args, "--force", "-o", str(refunds)]) == 1
    assert "written because of --force" in capsys.readouterr().err
    assert b"<Amount>-12.00</Amount>" in refunds.read_bytes()
    assert main(["ereport", a, "--period", "2026-10", "--blocks", "10.1,10.4", "-o", str(out)]) == 2
    assert "G6.29" in capsys.readouterr().err
    assert main(["ereport", a, "--period", "2026-09", "-o", str(tmp_path / "empty.xml")]) == 0
    assert "the report is empty" in capsys.readouterr().err
    assert main(["ereport", b, "--period", "2026-10", "-o", str(tmp_path / "x.xml")]) == 2  # BT-23 M1, no --nature
    assert "BT-23" in capsys.readouterr().err and not (tmp_path / "x.xml").exists()


@pytest.mark.parametrize("text", ["NaN", "Infinity", "1_000", "1E3", "\u0661\u0662", "12,50"])
def test_a_number_outside_xsd_decimal_is_refused_with_its_place(text: str) -> None:
    """The reader reads numbers as the engine reads every number: NaN, exponents, digit separators and
    non-ASCII digits are a ParseError naming the element (never a value, never a raw decimal error)."""
    xml = _sample().replace(b"5864.00", text.encode(), 1)
    with pytest.raises(ParseError, match="TaxExclusiveAmount"):
        from_flux10(xml)


def test_amounts_are_written_with_every_decimal_they_have() -> None:
    """An amount with more than 2 decimals is written as it is, never rounded on the way out."""
    report = from_flux10(_sample().replace(b"5864.00", b"5864.005", 1))
    assert b">5864.005<" in to_flux10(report)


def test_each_payment_of_a_document_loaded_twice_counts() -> None:
    """Two payments of the same invoice, each holding its own (equal) copy of the document: both are reported
    (a document is its number and type code, not the Python object)."""
    first = _b2c("T-9", 3, ("S20",))
    second = dataclasses.replace(first)  # an equal document, another object (loaded again)
    assert second == first and second is not first
    payments = [er.Payment(first, dt.date(2026, 10, 3), Decimal("10")),
                er.Payment(second, dt.date(2026, 10, 4), Decimal("20"))]
    built = er.payments_report(payments, period=OCTOBER, sender=PLATFORM, issued=ISSUED)
    assert {d.date: sum(a.amount for a in d.amounts) for d in built.report.daily_payments} == {
        dt.date(2026, 10, 3): Decimal("10.00"), dt.date(2026, 10, 4): Decimal("20.00")}


def test_values_the_model_holds_but_does_not_carry_as_written_are_said() -> None:
    """A repeated element the model holds once, a code the writer always states its own way: each value read but
    not written back as written is an FXE-NOT-READ warning at its place (never dropped silently)."""
    xml = _sample()
    assert read_flux10(xml)[1] == ()
    doubled = re.sub(rb"(<Id[^>]*>[^<]*</Id>)", rb"\1<Id>OTHER</Id>", xml, count=1)
    (finding,) = read_flux10(doubled)[1]
    assert (finding.rule, finding.location) == ("FXE-NOT-READ", "/Report/ReportDocument/Id[2]")
    assert "'OTHER'" in finding.message


@pytest.mark.parametrize("text", ["9999-05", " 2026-10", "+2026-1", "2026-13", "2026-1", "26-10"])
def test_a_period_is_exactly_a_month_written_yyyy_mm(text: str) -> None:
    with pytest.raises(ModelError, match="YYYY-MM"):
        er.Period.month(text)
