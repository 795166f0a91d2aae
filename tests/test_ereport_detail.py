"""French e-reporting, flux 10.1: the detail of each international B2B invoice (notes, deliveries, invoicing period,
document allowances and charges, lines), written in the OFFICIAL XSD's order, judged by the official XSD and
Schematron (pyfrctc), read back equal; what 10.1 has no place for is said.

The property draws random international B2B documents (the shared strategies of ``strategies.py``) and checks the
figures written against the engine's computed totals, read from the XML with lxml (not through the engine's
reader).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lxml import etree

from facturx_engine.model import ereport as er
from facturx_engine.model.ereportdetail import invoice_detail
from facturx_engine.model.records import AllowanceCharge, Delivery, Identifier, Line, Note, Period, Vat
from facturx_engine.syntax.flux10 import from_flux10, read_flux10, to_flux10
from facturx_engine.validation.core import validate
from strategies import documents
from test_ereport import ISSUED, OCTOBER, PLATFORM, _international, needs_flux10

CORRECTIVE, CREDIT = ("384", "471", "472", "473"), ("261", "381", "396", "502", "503")  # G1.32
FRENCH_RATES = {Decimal(r) for r in "0 0.9 1.05 1.75 2.1 5.5 7 8.5 9.2 9.6 10 13 19.6 20 20.6".split()}  # G1.24


def _in_october(doc, day: int):  # type: ignore[no-untyped-def]
    issue = dt.date(2026, 10, day)
    due = None if doc.due_date is None else issue + (doc.due_date - doc.issue_date)
    return dataclasses.replace(doc, issue_date=issue, due_date=due)


def _expected_errors(docs: list, report: er.EReport) -> set[str]:  # type: ignore[type-arg]
    """The official rules the drawn documents break on purpose, each for a reason of the document itself."""
    out = set()
    if any(not inv.seller_vat or (inv.buyer_scheme == "0223" and not inv.buyer_vat) for inv in report.invoices):
        out.add("G2.33")  # a party of scheme 0002 or 0223 without its VAT id (invoice level, not the detail)
    for inv in report.invoices:
        dated = [day for _, day in inv.preceding if day is not None]
        lines_dated = bool(inv.lines) and all(line.reference is not None and line.reference.id and
                                              line.reference.issue_date for line in inv.lines)
        if (inv.type_code in CORRECTIVE and (len(inv.preceding) != 1 or not dated)) or \
                (inv.type_code in CREDIT and not dated and not lines_dated):
            out.add("G1.32")  # EN 16931 makes the preceding invoice's date optional; flux 10 wants it
        if any(sub.category == "E" and not (sub.exemption_code and sub.exemption_reason) for sub in inv.subtotals):
            out.add("G1.40")  # an exemption needs both its code and its text in flux 10
    for doc in docs:
        periods = [doc.invoicing_period, *(line.period for line in doc.lines)]
        if any(p is not None and p.start is not None and p.start == p.end for p in periods):
            out.add("G6.25")  # flux 10 wants the end strictly after the start; EN 16931 allows a one-day period
        rates = [row.rate for row in doc.totals.vat_breakdown] + [ac.vat.rate for ac in doc.allowances_charges
                                                                  if ac.vat is not None]
        if any(r is not None and r not in FRENCH_RATES for r in rates):
            out.add("G1.24")  # a rate France does not have
    return out


@needs_flux10
@settings(max_examples=10, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.lists(st.tuples(documents(b2c=False, seller_country="FR", extended=True), st.integers(1, 31)),
                min_size=1, max_size=3))
def test_random_international_b2b_documents_carry_their_detail_valid_and_read_back_equal(drafts: list) -> None:
    docs = [_in_october(doc, day) for doc, day in drafts]
    assume(all(er.classify(d) == "international-b2b" and er.seller_siren(d) == er.seller_siren(docs[0])
               for d in docs))
    assume(len({(d.number, d.type_code) for d in docs}) == len(docs))
    built = er.transactions_report(docs, period=OCTOBER, sender=PLATFORM, nature="goods", issued=ISSUED)
    xml = to_flux10(built.report)
    assert from_flux10(xml) == built.report
    assert read_flux10(xml) == (built.report, ())
    for doc, node in zip(docs, etree.fromstring(xml).iterfind("TransactionsReport/Invoice")):
        totals = doc.totals
        assert len(node.findall("IncludedNote")) == len(doc.notes)
        assert len(node.findall("Line")) == len(doc.lines)
        signed = {"true": Decimal(0), "false": Decimal(0)}
        for ac in node.iterfind("AllowanceCharge"):
            signed[ac.get("ChargeIndicator")] += Decimal(ac.findtext("Amount"))
        assert (signed["true"], signed["false"]) == (totals.charge_total, totals.allowance_total)
        for line, amounts, written in zip(doc.lines, totals.lines, node.iterfind("Line")):
            assert Decimal(written.findtext("BilledQuantity")) == line.quantity
            assert Decimal(written.findtext("Price/PriceAmount")) == amounts.net_price
            assert [Decimal(a.findtext("Amount")) for a in written.iterfind("AllowanceCharge")] == \
                list(amounts.allowance_charge_amounts)
            assert written.findtext("Product/Name") == line.name
    report = validate(xml)
    assert {f.rule for f in report.errors} <= _expected_errors(docs, built.report), report


EVERY_OPTIONAL = (
    b"<IncludedNote><Subject>AAI</Subject><Content>Livraison partielle</Content></IncludedNote>",
    b"<Delivery><Date>20261003</Date><Location><LineOne>Quai 4</LineOne><LineTwo>Hall B</LineTwo>"
    b"<LineThree>Porte 2</LineThree><CityName>Hamburg</CityName><PostalZone>20457</PostalZone>"
    b"<CountrySubentity>HH</CountrySubentity><CountryId>DE</CountryId></Location></Delivery>"
    b"<InvoicePeriod><StartDate>20261001</StartDate><EndDate>20261031</EndDate></InvoicePeriod>"
    b"<AllowanceCharge ChargeIndicator=\"false\"><Amount>10.00</Amount><TaxCategoryCode>K</TaxCategoryCode>"
    b"<TaxPercent>0</TaxPercent></AllowanceCharge>",
    b"<Line><Note><Code>AAI</Code><Comment>Piece d'usure</Comment></Note>"
    b"<BilledQuantity UnitCode=\"C62\">2.5</BilledQuantity>"
    b"<ReferencedDocument><ID>FA-2026-0001</ID><IssueDate>20260915</IssueDate></ReferencedDocument>"
    b"<Delivery><Name>Werk 2</Name><Location><LineOne>Robert-Bosch-Str. 5</LineOne><CityName>Esslingen</CityName>"
    b"<PostalZone>73730</PostalZone><CountrySubentity>BW</CountrySubentity><CountryId>DE</CountryId></Location>"
    b"</Delivery><InvoicePeriod><StartDate>20261001</StartDate><EndDate>20261015</EndDate></InvoicePeriod>"
    b"<AllowanceCharge ChargeIndicator=\"true\"><Amount>5.00</Amount></AllowanceCharge>"
    b"<Price><PriceAmount>90</PriceAmount><AllowanceChargeAmount>10</AllowanceChargeAmount>"
    b"<AllowanceChargeBaseAmount>100</AllowanceChargeBaseAmount></Price><Product><Name>Roulement</Name></Product>"
    b"</Line>",
)


def _with_every_optional_element() -> tuple[bytes, er.EReport]:
    built = er.transactions_report(_international()[:1], period=OCTOBER, sender=PLATFORM, nature="goods",
                                   issued=ISSUED)
    bare = dataclasses.replace(built.report, invoices=(dataclasses.replace(
        built.report.invoices[0], notes=(), deliveries=(), invoice_period=None, allowances_charges=(), lines=()),))
    xml = to_flux10(bare)
    note, middle, line = EVERY_OPTIONAL
    xml = xml.replace(b"<BusinessProcess>", note + b"<BusinessProcess>").replace(
        b"<MonetaryTotal>", middle + b"<MonetaryTotal>").replace(b"</Invoice>", line + b"</Invoice>")
    return xml, bare


def test_a_report_with_every_optional_element_of_10_1_is_read_whole() -> None:
    xml, bare = _with_every_optional_element()
    report, findings = read_flux10(xml)
    assert findings == ()
    inv = report.invoices[0]
    assert inv.notes[0].subject == "AAI" and inv.deliveries[0].address.line3 == "Porte 2"  # type: ignore[union-attr]
    assert inv.invoice_period.end == dt.date(2026, 10, 31)  # type: ignore[union-attr]
    assert inv.allowances_charges[0].charge is False and inv.allowances_charges[0].amount == Decimal("10.00")
    line = inv.lines[0]
    assert (line.quantity, line.unit, line.reference.id) == (Decimal("2.5"), "C62", "FA-2026-0001")  # type: ignore
    assert line.delivery.name == "Werk 2" and line.delivery.address.subdivision == "BW"  # type: ignore[union-attr]
    assert line.price.base == Decimal("100") and line.allowances_charges[0].charge is True  # type: ignore[union-attr]
    assert from_flux10(to_flux10(report)) == report
    assert dataclasses.replace(inv, notes=(), deliveries=(), invoice_period=None, allowances_charges=(),
                               lines=()) == bare.invoices[0]


@needs_flux10
def test_the_report_with_every_optional_element_is_valid_officially() -> None:
    xml, _ = _with_every_optional_element()
    report = validate(xml)
    assert report.valid and report.findings == (), report
    assert validate(xml.replace(b"<EndDate>20261015", b"<EndDate>20260915")).errors[0].rule == "G6.25"


def test_what_10_1_has_no_place_for_is_said_per_document_and_term() -> None:
    eu = _international()[0]
    line = dataclasses.replace(eu.lines[0], description="Acier trempé", base_quantity=Decimal(10),
                               allowances_charges=(AllowanceCharge(amount=Decimal("5.00"), reason="Remise"),))
    doc = dataclasses.replace(eu, lines=(line, eu.lines[1]), notes=(Note(text="Merci", subject_code="AAI"),),
                              delivery=Delivery(name="Werk 2", location_id=Identifier.gln("4000001123452")),
                              invoicing_period=Period(start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31)))
    detail = invoice_detail(doc)
    assert detail.deliveries == ()  # neither date nor address: nothing 10.1 holds
    said = {f.location: (f.rule, f.kind, f.bt_ids) for f in detail.findings}
    assert said == {
        "documents[0].delivery.name": ("FXE-NOT-REPRESENTABLE", "lost", ("BT-70",)),
        "documents[0].delivery.location_id": ("FXE-NOT-REPRESENTABLE", "lost", ("BT-71",)),
        "documents[0].lines[0].description": ("FXE-NOT-REPRESENTABLE", "lost", ("BT-154",)),
        "documents[0].lines[0].base_quantity": ("FXE-NOT-REPRESENTABLE", "lost", ("BT-149",)),
        "documents[0].lines[0].standard_item_id": ("FXE-NOT-REPRESENTABLE", "lost", ("BT-157",)),
        "documents[0].lines[0].origin_country": ("FXE-NOT-REPRESENTABLE", "lost", ("BT-159",))}
    assert "set in 2 places" in next(f.message for f in detail.findings if f.location.endswith("origin_country"))
    assert "BT-159 (lines.origin_country," in detail.findings[-1].message
    built = er.transactions_report([doc], period=OCTOBER, sender=PLATFORM, nature="goods", issued=ISSUED)
    assert built.findings == detail.findings
    assert built.report.invoices[0].notes[0].content == "Merci"
    assert built.report.invoices[0].lines[0].allowances_charges[0].amount == Decimal("5.00")


def test_amounts_are_the_engines_computed_ones_net_of_vat_when_prices_include_it() -> None:
    eu = _international()[0]
    vat = Vat(rate=Decimal("20"))
    line = Line(id="1", name="Outil", quantity=Decimal(3), net_price=Decimal("12.00"), gross_price=Decimal("15.00"),
                allowances_charges=(AllowanceCharge(amount=Decimal("6.00"), reason="Remise"),), vat=vat)
    doc = dataclasses.replace(eu, lines=(line,), prices_include_vat=True, allowances_charges=(
        AllowanceCharge(charge=True, amount=Decimal("2.40"), vat=vat, reason="Port"),))
    detail = invoice_detail(doc)
    amounts = doc.totals.lines[0]
    written = detail.lines[0]
    assert written.price.amount == amounts.net_price == Decimal("10.000000")  # type: ignore[union-attr]
    assert written.price.base == amounts.gross_price and written.price.discount == amounts.price_discount  # type: ignore
    assert written.allowances_charges[0].amount == amounts.allowance_charge_amounts[0] == Decimal("5.00")
    assert detail.allowances_charges[0].amount == doc.totals.document_allowance_charge_amounts[0] == Decimal("2.00")
    assert (detail.allowances_charges[0].category, detail.allowances_charges[0].rate) == ("S", Decimal("20"))


@pytest.mark.parametrize("flag", ["yes", "", "TRUE"])
def test_a_charge_indicator_that_is_not_a_boolean_is_refused_with_its_place(flag: str) -> None:
    from facturx_engine.errors import ParseError

    xml, _ = _with_every_optional_element()
    with pytest.raises(ParseError, match=r"Invoice\[?1?\]?/AllowanceCharge\[?1?\]?/@ChargeIndicator"):
        from_flux10(xml.replace(b'ChargeIndicator="false"', f'ChargeIndicator="{flag}"'.encode()))


def test_what_a_place_of_10_1_cannot_hold_is_refused_or_said_never_dropped() -> None:
    from facturx_engine.errors import ModelError
    from facturx_engine.model.ereportdetail import ReportAddress, ReportDelivery, ReportLine

    with pytest.raises(ModelError, match="TG-41"):
        ReportLine(delivery=ReportDelivery(date=dt.date(2026, 10, 2)))
    with pytest.raises(ModelError, match="TG-41"):
        ReportLine(delivery=ReportDelivery(address=ReportAddress(line2="Hall B", country="DE")))
    inv = _with_every_optional_element()[1].invoices[0]
    with pytest.raises(ModelError, match="TG-17"):
        dataclasses.replace(inv, deliveries=(ReportDelivery(name="Werk 2"),))
    xml, _ = _with_every_optional_element()
    odd = xml.replace(b"<CityName>Esslingen</CityName>", b"<LineTwo>Hall B</LineTwo><CityName>Esslingen</CityName>")
    report, findings = read_flux10(odd)  # not in the XSD's line address: not read, and said
    assert report.invoices[0].lines[0].delivery.address.line2 is None  # type: ignore[union-attr]
    assert [f.location for f in findings] == [
        "/Report/TransactionsReport/Invoice/Line/Delivery/Location/LineTwo"]


@needs_flux10
def test_the_command_says_what_10_1_has_no_place_for(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from facturx_engine.cli.commands import main
    from test_ereport import _write

    path = _write(tmp_path, "eu.json", _international()[0])
    out = tmp_path / "report.xml"
    assert main(["ereport", path, "--period", "2026-10", "--nature", "goods", "--sender", "platform:AB12",
                 "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "lost: FXE-NOT-REPRESENTABLE at documents[0].delivery.name: document FA-2025-0305: BT-70" in err
    assert from_flux10(out.read_bytes()).invoices[0].lines[0].name == "Broche de fraisage BF-20"
