"""Invoicing-app payloads (payload.py): every accepted payload gives valid Factur-X, CII and UBL;
every refused one gives the structured 422-style error with the right keys.

Fixtures: ``fixtures/payloads/*.json`` are accepted payloads (invoices, credit notes, a quote),
``fixtures/payloads/refused/*.json`` refused ones. Their totals are what an app states; the tests
compare them with what the engine computes, never the other way round.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from stdnum import iban as stdnum_iban
from stdnum import luhn

import facturx_engine as fx
from facturx_engine.model.numbers import round2
from facturx_engine.model.fr import BILLING_FRAMEWORKS
from facturx_engine.io.payload import GENERAL, load_json, output_format

ROOT = Path(__file__).resolve().parents[1]
PAYLOADS = ROOT / "fixtures" / "payloads"
ACCEPTED = sorted(p.stem for p in PAYLOADS.glob("*.json") if not p.stem.startswith("quote"))
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
D0 = dt.date(2026, 3, 2)


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def refused(payload: Any) -> fx.PayloadError:
    with pytest.raises(fx.PayloadError) as info:
        fx.from_payload(payload)
    answer = info.value.as_dict()
    assert set(answer) == {"message", "errors", "code"} and answer["code"] == "validation_failed"
    assert answer["errors"] and all(isinstance(v, list) and v for v in answer["errors"].values())
    json.dumps(answer)  # the answer is JSON as it is
    return info.value


def xpath(xml: bytes, path: str) -> list[Any]:
    return list(etree.fromstring(xml).xpath(path, namespaces=NS))


def valid_xml(doc: fx.Document) -> tuple[bytes, bytes]:
    cii, ubl = fx.to_cii(doc), fx.to_ubl(doc)
    for xml in (cii, ubl):
        report = fx.validate(xml, factur_x=True)
        assert report.valid, str(report)
    return cii, ubl


def stated(value: Any) -> D:
    return D(str(value))


# ---------------------------------------------------------------------------- every accepted payload


@pytest.mark.parametrize("name", ACCEPTED)
def test_accepted_payload_gives_valid_facturx_cii_and_ubl(name: str) -> None:
    payload = load(name)
    doc = fx.from_payload(payload)
    cii, _ = valid_xml(doc)
    pdf = fx.to_facturx(doc, xml=cii, deterministic=True)
    report = fx.check_pdf(pdf, strict=True)
    assert report.valid and report.document == "PDF/A-3B", str(report)
    assert fx.extract(pdf) == (cii, "EN 16931")
    terms = doc.totals.as_terms()
    for key, term in (("total_ht", "BT-109"), ("total_tax", "BT-110"), ("total_tva", "BT-110"),
                      ("total_ttc", "BT-112")):
        if key in payload:
            assert abs(stated(payload[key]) - terms[term]) <= D("0.005")


def pdfa_compliant(pdf: bytes, path: Path) -> None:
    """The independent PDF/A-3B validator the suite pins (page-validation), besides our check_pdf."""
    page = pytest.importorskip("page", reason="page-validation (PyPI page-validation==0.11.0) is not installed")
    path.write_bytes(pdf)
    result = page.validate_pdf(str(path), profile="3b")
    assert result.is_compliant, [f"{f.rule_id}: {f.message}" for f in result.failures]


@pytest.mark.parametrize("name", ACCEPTED)
def test_accepted_payload_pdf_passes_the_independent_pdfa_validator(name: str, tmp_path: Path) -> None:
    pdfa_compliant(fx.to_facturx(fx.from_payload(load(name)), deterministic=True), tmp_path / f"{name}.pdf")


# ---------------------------------------------------------------------------- B2B, B2C, shipping


def test_b2b_payload_maps_every_field() -> None:
    payload = load("b2b")
    doc = fx.from_payload(payload)
    assert isinstance(doc, fx.Invoice) and doc.type_code == "380" and not doc.is_b2c
    assert doc.number == payload["invoice_number"] and doc.issue_date.isoformat() == payload["issue_date"]
    assert doc.due_date is not None and doc.due_date.isoformat() == payload["due_date"]
    assert doc.seller.identifiers == (fx.Identifier.siret(payload["seller_siret"]),)
    assert doc.seller.legal_id == fx.Identifier.siren(payload["seller_siret"][:9])
    assert doc.buyer.vat_id == payload["buyer_vat_number"] and doc.buyer.contact is not None
    assert doc.buyer.contact.email == payload["buyer_email"]
    assert (doc.purchase_order, doc.contract_reference) == (payload["purchase_order"], payload["contract_reference"])
    assert doc.payment_terms == payload["payment_terms"] and doc.notes[0].text == payload["notes"]
    iban = "".join(payload["bank_details"]["iban"].split())
    assert doc.payment is not None and doc.payment.means_code == "58"
    assert doc.payment.credit_transfers == (fx.CreditTransfer(account_id=iban, bic=payload["bank_details"]["bic"]),)
    licence = doc.lines[1]  # 10 % discount: gross price, price discount, net price
    assert licence.gross_price == stated(payload["lines"][1]["unit_price"])
    assert licence.net_price == licence.gross_price * (1 - stated(payload["lines"][1]["discount"]) / 100)
    assert licence.seller_item_id == payload["lines"][1]["product_code"]
    assert doc.lines[0].unit == "DAY" and doc.lines[1].unit == "C62"
    assert doc.app_refs["external_id"] == payload["external_id"]
    assert doc.app_refs["internal_reference"] == payload["internal_reference"]
    assert doc.app_refs["bank_name"] == payload["bank_details"]["bank_name"]
    cii, ubl = valid_xml(doc)
    for xml in (cii, ubl):
        text = xml.decode()
        for kept_out in (payload["external_id"], payload["internal_reference"], payload["bank_details"]["bank_name"]):
            assert kept_out not in text
    assert {"PMD", "PMT", "AAB"} <= set(xpath(cii, "//ram:IncludedNote/ram:SubjectCode/text()"))  # L441-10, B2B
    assert xpath(cii, "//ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID/text()")
    assert xpath(cii, "//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID/text()") == \
        [payload["buyer_vat_number"]]
    assert xpath(ubl, "//cac:AccountingCustomerParty//cac:PartyTaxScheme/cbc:CompanyID/text()") == \
        [payload["buyer_vat_number"]]


def _no_buyer_ids(cii: bytes, ubl: bytes) -> None:
    buyer = "//ram:BuyerTradeParty"
    assert not xpath(cii, f"{buyer}/ram:ID | {buyer}/ram:GlobalID | {buyer}/ram:SpecifiedLegalOrganization | "
                          f"{buyer}/ram:SpecifiedTaxRegistration")
    party = "//cac:AccountingCustomerParty/cac:Party"
    assert not xpath(ubl, f"{party}/cac:PartyIdentification | {party}/cac:PartyTaxScheme | "
                          f"{party}/cac:PartyLegalEntity/cbc:CompanyID")
    assert not {"PMD", "PMT", "AAB"} & set(xpath(cii, "//ram:IncludedNote/ram:SubjectCode/text()"))  # no L441-10


def test_b2c_payload_writes_no_buyer_identifier_and_no_b2b_mentions() -> None:
    doc = fx.from_payload(load("b2c"))
    assert doc.is_b2c and doc.payment is not None and doc.payment.means_code == "48"
    _no_buyer_ids(*valid_xml(doc))


@pytest.mark.parametrize("flag", [{"buyer_is_individual": True}, {"buyer": {"is_individual": True}}],
                         ids=["flat", "nested"])
def test_b2c_identifiers_sent_are_not_written(flag: dict[str, Any]) -> None:
    payload = load("b2b")
    payload.update(flag)
    doc = fx.from_payload(payload)
    assert doc.is_b2c and doc.buyer.vat_id is None and doc.buyer.legal_id is None and not doc.buyer.identifiers
    _no_buyer_ids(*valid_xml(doc))


def test_b2c_flag_conflict_is_refused() -> None:
    payload = load("b2c")
    payload["buyer"] = {"is_individual": False}
    assert set(refused(payload).errors) == {"buyer.is_individual"}


def test_shipping_address_equal_to_the_buyers_is_left_out() -> None:
    payload = load("shipping_same")
    doc = fx.from_payload(payload)
    assert doc.delivery is None
    assert doc.buyer.address.line1 == payload["buyer_address"]["street"]   # legacy keys
    assert doc.buyer.address.line2 == payload["buyer_address"]["street2"]
    cii, ubl = valid_xml(doc)
    assert not xpath(cii, "//ram:ShipToTradeParty") and not xpath(ubl, "//cac:Delivery")


def test_shipping_address_that_differs_is_written() -> None:
    payload = load("shipping_different")
    ship = payload["buyer_shipping_address"]
    doc = fx.from_payload(payload)
    assert doc.delivery is not None and doc.delivery.name == ship["name"]
    assert doc.delivery.address is not None and doc.delivery.address.city == ship["city"]
    cii, ubl = valid_xml(doc)
    assert xpath(cii, "//ram:ShipToTradeParty/ram:Name/text()") == [ship["name"]]
    assert xpath(cii, "//ram:ShipToTradeParty/ram:PostalTradeAddress/ram:CityName/text()") == [ship["city"]]
    assert xpath(ubl, "//cac:Delivery/cac:DeliveryLocation/cac:Address/cbc:CityName/text()") == [ship["city"]]
    assert xpath(ubl, "//cac:Delivery/cbc:ActualDeliveryDate/text()") == [payload["delivery_date"]]


# ---------------------------------------------------------------------------- deposits and balance


def test_deposit_invoice() -> None:
    payload = load("deposit")
    doc = fx.from_payload(payload)
    assert doc.type_code == "386"
    texts = [n.text for n in doc.notes]
    assert payload["deposit_reference_text"] in texts
    assert any(str(round2(stated(payload["deposit_total_ht"]))) in t for t in texts)
    cii, ubl = valid_xml(doc)
    assert xpath(cii, "//rsm:ExchangedDocument/ram:TypeCode/text()") == ["386"]
    assert xpath(ubl, "/*/cbc:InvoiceTypeCode/text()") == ["386"]


def test_deposit_total_below_the_deposit_is_refused() -> None:
    payload = load("deposit")
    payload["deposit_total_ht"] = 5000
    assert set(refused(payload).errors) == {"deposit_total_ht"}


def test_balance_after_two_deposits() -> None:
    payload = load("balance_two_deposits")
    doc = fx.from_payload(payload)
    deposits = payload["deposits"]
    paid = sum((stated(d["total_ttc"]) for d in deposits), D(0))
    assert doc.totals.paid == paid
    assert doc.totals.due == doc.totals.grand_total - paid
    assert [(p.number, p.type_code) for p in doc.preceding_invoices] == [(d["invoice_number"], "386") for d in deposits]
    cii, ubl = valid_xml(doc)
    assert xpath(cii, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()") == \
        [d["invoice_number"] for d in deposits]
    assert [D(v) for v in xpath(cii, "//ram:TotalPrepaidAmount/text()")] == [paid]
    assert [D(v) for v in xpath(ubl, "//cac:LegalMonetaryTotal/cbc:PrepaidAmount/text()")] == [paid]
    assert [D(v) for v in xpath(ubl, "//cac:LegalMonetaryTotal/cbc:PayableAmount/text()")] == [doc.totals.due]


@pytest.mark.parametrize("change, keys", [
    (lambda p: p.pop("deposits"), {"deposits"}),
    (lambda p: p.update(invoice_type="standard"), {"deposits"}),
    (lambda p: p["deposits"][1].update(total_ttc=9000), {"deposits.1.total_ttc"}),
    (lambda p: p["deposits"][0].pop("invoice_number"), {"deposits.0.invoice_number"}),
    (lambda p: p["deposits"][1].update(issue_date="2026-05-01"), {"deposits.1.issue_date"}),
    (lambda p: p["deposits"].append({"invoice_number": "AC-X", "total_ttc": 20000}), {"deposits"}),
], ids=["missing", "not-balance", "ttc-not-ht-plus-tax", "no-number", "after-balance", "exceeding"])
def test_balance_refusals(change: Any, keys: set[str]) -> None:
    payload = load("balance_two_deposits")
    change(payload)
    assert set(refused(payload).errors) == keys


# ---------------------------------------------------------------------------- credit notes


def test_partial_credit_note() -> None:
    payload = load("credit_partial")
    invoice = fx.from_payload(payload["invoice"])
    cn = fx.from_payload(payload)
    assert isinstance(cn, fx.CreditNote) and cn.type_code == "381"
    assert (cn.seller, cn.buyer) == (invoice.seller, invoice.buyer)
    assert [p.number for p in cn.preceding_invoices] == [invoice.number]
    assert cn.notes[-1].text == payload["reason"] and cn.app_refs == {"external_id": payload["external_id"]}
    days, hosting = payload["items"]
    expected_net = round2(stated(days["quantity"]) * stated(days["unit_price"])) + \
        round2(stated(hosting["quantity"]) * stated(hosting["unit_price"]))
    assert cn.totals.tax_exclusive == expected_net
    assert cn.lines[0].quantity == stated(days["quantity"])           # same price: a quantity credited
    assert cn.lines[1].net_price == round2(stated(hosting["quantity"]) * stated(hosting["unit_price"]))  # a reduction
    cii, ubl = valid_xml(cn)
    assert xpath(ubl, "/*/cbc:CreditNoteTypeCode/text()") == ["381"]
    assert xpath(cii, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()") == [invoice.number]


def test_total_credit_note_credits_what_remains() -> None:
    payload = load("credit_total")
    invoice = fx.from_payload(payload["invoice"])
    earlier = [fx.from_payload({**p, "invoice": payload["invoice"]}) for p in payload["previous_credit_notes"]]
    cn = fx.from_payload(payload)
    credited = sum((c.totals.tax_exclusive for c in (*earlier, cn)), D(0))
    assert credited == invoice.totals.tax_exclusive
    assert all(amount == 0 for _, amount in fx.creditable(invoice, [*earlier, cn]).values())  # nothing left
    valid_xml(cn)
    again = copy.deepcopy(payload)
    again["previous_credit_notes"].append({k: v for k, v in payload.items()
                                           if k not in ("invoice", "previous_credit_notes")})
    again["credit_note_number"] = "AV-2026-0099"
    assert set(refused(again).errors) == {"type"}  # nothing left to credit


def test_total_credit_note_listing_items_is_accepted_when_they_credit_exactly_what_remains() -> None:
    """The platforms require items on a total credit note too: they must credit what remains of each line,
    in quantity and in net amount (the invoice less the earlier credit notes); the credit note is then the
    total one, whatever the prices the items use to state it."""
    payload = load("credit_total_items")
    assert payload["type"] == "total" and payload["items"]
    without = {k: v for k, v in payload.items() if k != "items"}
    cn = fx.from_payload(payload)
    assert cn == fx.from_payload(without)
    invoice = fx.from_payload(payload["invoice"])
    earlier = [fx.from_payload({**p, "invoice": payload["invoice"]}) for p in payload["previous_credit_notes"]]
    assert all(amount == 0 for _, amount in fx.creditable(invoice, [*earlier, cn]).values())  # nothing left
    assert cn.totals.tax_exclusive == stated(payload["total_ht"])
    valid_xml(cn)
    reordered = {**payload, "items": list(reversed(payload["items"]))}
    assert fx.from_payload(reordered) == cn
    split = copy.deepcopy(payload)  # a line's remaining quantity listed as two items
    split["items"][0]["quantity"] = 1
    split["items"].insert(1, {**split["items"][0], "quantity": 2})
    assert fx.from_payload(split) == cn


@pytest.mark.parametrize("change, key, words", [
    (lambda items: items[0].update(quantity=2), "items.0.quantity", "but 3 remains"),
    (lambda items: items[0].update(quantity=4), "items.0.quantity", "but 3 remains"),
    (lambda items: items[2].update(unit_price=45.5), "items.2.unit_price", "unit price of 40.5"),
    (lambda items: items[2].update(quantity=1, unit_price=486), "items.2.quantity", "but 12 remains"),
    (lambda items: items.pop(1), "items", "'Licence annuelle BellevueBook' still has 1"),
    (lambda items: items.append(dict(items[1])), "items.3.quantity", "credit 2"),
    (lambda items: items[1].update(tax_rate=10), "items.1.tax_rate", "not the rate"),
], ids=["less-quantity", "more-quantity", "wrong-amount", "amount-as-one-unit", "line-missing", "line-twice",
        "other-rate"])
def test_total_credit_note_items_that_do_not_credit_what_remains_are_refused_at_the_item(
        change: Any, key: str, words: str) -> None:
    payload = load("credit_total_items")
    change(payload["items"])
    err = refused(payload)
    assert set(err.errors) == {key}, err.errors
    assert words in err.errors[key][0]


def test_total_credit_note_items_naming_a_line_with_nothing_left_are_refused() -> None:
    payload = load("credit_total_items")
    payload["previous_credit_notes"].append({
        "credit_note_number": "AV-2026-0005", "issue_date": "2026-03-25", "type": "partial",
        "items": [{"description": "Licence annuelle BellevueBook", "quantity": 1}]})
    err = refused(payload)
    assert set(err.errors) == {"items.1.description"}, err.errors
    payload["items"].pop(1)  # without it, the items credit exactly what remains
    for key in ("total_ht", "total_tax", "total_ttc"):
        payload.pop(key)
    cn = fx.from_payload(payload)
    assert cn.totals.tax_exclusive == D("2436.00")


def test_credit_note_exceeding_what_remains_is_refused() -> None:
    err = refused(load("refused/credit_exceeding"))
    assert set(err.errors) == {"items.0.quantity"}
    assert "only 3 remains" in err.errors["items.0.quantity"][0]


def test_credit_note_of_a_b2c_invoice_stays_b2c_and_parties_cannot_be_overridden() -> None:
    invoice = load("b2c")
    cn_payload = {"credit_note_number": "AV-WEB-1", "issue_date": "2026-05-10", "type": "partial",
                  "reason": "Théière arrivée cassée", "invoice": invoice,
                  "items": [{"description": "Théière en fonte 0,8 L", "quantity": 1}]}
    cn = fx.from_payload(cn_payload)
    assert cn.is_b2c and cn.buyer == fx.from_payload(invoice).buyer
    _no_buyer_ids(*valid_xml(cn))
    same = {**cn_payload, "buyer_name": invoice["buyer_name"]}        # repeating the invoice's value is fine
    assert fx.from_payload(same) == cn
    err = refused({**cn_payload, "buyer_is_individual": False, "seller_name": "Autre SARL",
                   "buyer_siret": "82469317000014"})
    assert set(err.errors) == {"buyer_is_individual", "seller_name", "buyer_siret"}


@pytest.mark.parametrize("item, key", [
    ({"description": "Inconnu", "quantity": 1}, "items.0.description"),
    ({"description": "Licence annuelle BellevueBook", "quantity": 1, "tax_rate": 10}, "items.0.tax_rate"),
    ({"description": "Licence annuelle BellevueBook", "quantity": 0}, "items.0.quantity"),
    ({"description": "Licence annuelle BellevueBook", "quantity": 2}, "items.0.quantity"),
    ({"description": "Licence annuelle BellevueBook", "quantity": 1, "unit_price": 5000}, "items.0.unit_price"),
    ({"quantity": 1}, "items.0.description"),
], ids=["unknown-line", "other-rate", "zero", "more-than-invoiced", "more-than-the-amount", "no-description"])
def test_credit_note_item_refusals(item: dict[str, Any], key: str) -> None:
    payload = load("credit_partial")
    payload["items"] = [item]
    assert set(refused(payload).errors) == {key}


def test_credit_note_structure_refusals() -> None:
    payload = load("credit_partial")
    err = refused({**payload, "type": "total"})  # total with items that do not credit what remains
    assert set(err.errors) == {"items", "items.0.quantity", "items.1.unit_price"}
    assert set(refused({**payload, "items": []}).errors) == {"items"}
    err = refused({**payload, "issue_date": "2026-01-01", "credit_note_number": payload["invoice"]["invoice_number"]})
    assert set(err.errors) == {"issue_date", "credit_note_number"}
    bad_invoice = copy.deepcopy(payload)
    bad_invoice["invoice"]["lines"][0]["tax_rate"] = 7
    bad_invoice.pop("credit_note_number")
    assert set(refused(bad_invoice).errors) == {"credit_note_number", "invoice.lines.0.tax_rate"}
    other = copy.deepcopy(load("credit_total"))
    other["previous_credit_notes"][0]["invoice"] = {"invoice_number": "FA-OTHER"}
    assert set(refused(other).errors) == {"previous_credit_notes.0.invoice.invoice_number"}


# ---------------------------------------------------------------------------- refused payloads


REFUSED = {
    "bad_siret": {"seller_siret", "buyer_siret"},
    "bad_iban": {"bank_details.iban", "bank_details.bic"},
    "rate_7_percent": {"lines.0.tva_rate"},
    "wrong_totals": {"total_ttc", "lines.2.total_ht", "lines.2.total_ttc"},
    "credit_exceeding": {"items.0.quantity"},
    "credit_total_items_mismatch": {"items", "items.0.quantity", "items.1.unit_price"},
    "many_errors": {"invoice_number", "invoice_date", "currency", "output_format", "buyer_siret",
                    "lines.1.quantity", "lines.1.unit_price", "lines.1.exemption_reason", "lines.2.unit",
                    "lines.2.tva_rate", "payment_method", "bank_details.iban", "bank_details.bic"},
}


def test_every_refused_fixture_is_listed() -> None:
    assert sorted(p.stem for p in (PAYLOADS / "refused").glob("*.json")) == sorted(REFUSED)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_payload_gives_every_error_by_payload_path(name: str) -> None:
    err = refused(load(f"refused/{name}"))
    assert set(err.errors) == REFUSED[name]
    assert err.field == next(iter(err.errors)) and all(k in str(err) for k in err.errors)


def test_wrong_totals_name_the_rule_and_both_values() -> None:
    payload = load("refused/wrong_totals")
    errors = refused(payload).errors
    good = fx.from_payload(load("b2b"))
    (doc_msg, line_ttc_msg) = errors["total_ttc"], errors["lines.2.total_ttc"]
    assert "BT-112" in doc_msg[0] and "BR-CO-15" in doc_msg[0]
    assert str(stated(payload["total_ttc"])) in doc_msg[0] and str(good.totals.grand_total) in doc_msg[0]
    line_msg = errors["lines.2.total_ht"][0]
    assert "BT-131" in line_msg and str(good.totals.lines[2].net_amount) in line_msg
    assert line_ttc_msg


@pytest.mark.parametrize("delta, accepted", [(D("0.005"), True), (D("-0.005"), True), (D("0.006"), False),
                                             (D("-0.01"), False)])
def test_totals_tolerate_half_a_cent(delta: D, accepted: bool) -> None:
    payload = load("b2b")
    payload["total_ttc"] = str(stated(payload["total_ttc"]) + delta)
    payload["lines"][0]["total_ht"] = str(stated(payload["lines"][0]["total_ht"]) + delta)
    if accepted:
        fx.from_payload(payload)
    else:
        assert set(refused(payload).errors) == {"total_ttc", "lines.0.total_ht"}


def test_vat_summed_line_by_line_is_explained() -> None:
    payload = load("b2b")
    payload["lines"] = [{"description": f"Article {i}", "quantity": 1, "unit_price": "0.03", "tax_rate": 20,
                         "total_tax": "0.01"} for i in range(3)]
    payload.update(total_ht="0.09", total_tax="0.03", total_ttc="0.12")    # the app summed rounded line VAT
    err = refused(payload)
    assert set(err.errors) == {"total_tax", "total_ttc"}
    assert "per rate" in err.errors["total_tax"][0] and "BR-CO-14" in err.errors["total_tax"][0]


def test_model_rules_come_back_keyed_by_payload_path() -> None:
    payload = load("b2b")
    payload.pop("seller_vat_number")                            # S lines need the seller VAT id: BR-S-02
    err = refused(payload)
    assert set(err.errors) == {"seller_vat_number"} and "BR-S-02" in err.errors["seller_vat_number"][0]
    foreign = load("reverse_charge_eu")
    foreign.update(buyer_legal_id="HRB 12345", delivery_date="2026-06-30")
    foreign.pop("buyer_vat_number")
    foreign["lines"][0].update(tax_category="K", exemption_reason=None)   # K needs the buyer VAT id: BR-IC-02
    err = refused(foreign)
    assert set(err.errors) == {"buyer_vat_number"} and "BR-IC-02" in err.errors["buyer_vat_number"][0]


# ---------------------------------------------------------------------------- French CTC (2026 reform)


_CTC_KEYS = ("billing_framework", "seller_electronic_address", "buyer_electronic_address")


def _french_ctc(payload: dict[str, Any]) -> dict[str, Any]:
    payload.update(billing_framework="s1", seller_electronic_address="852147966",
                   buyer_electronic_address="824693170")
    return payload


def test_french_ctc_fields_make_the_output_pass_the_french_rules() -> None:
    """billing_framework (BT-23) and the electronic addresses (BT-34/BT-49, scheme 0225 for a French
    party by default) are what the French CTC rules add to a B2B invoice (BR-FR-08/12/13): with them
    the CII and UBL pass the BR-FR rule set; the same payload without them does not."""
    doc = fx.from_payload(_french_ctc(load("b2b")))
    assert doc.process_id == "S1"
    assert doc.seller.electronic_address == fx.Identifier(value="852147966", scheme="0225")
    assert doc.buyer.electronic_address == fx.Identifier(value="824693170", scheme="0225")
    for xml in (fx.to_cii(doc), fx.to_ubl(doc)):
        report = fx.validate(xml, rules=("fr-ctc",), factur_x=True)
        assert report.valid, str(report)
    bare = {k: v for k, v in load("b2b").items() if k not in _CTC_KEYS}  # the README's example has them
    plain = fx.validate(fx.to_cii(fx.from_payload(bare)), rules=("fr-ctc",), factur_x=True)
    assert {f.rule.split("_")[0] for f in plain.errors} == {"BR-FR-08", "BR-FR-12", "BR-FR-13"}
    credit = load("credit_total")
    credit["invoice"] = _french_ctc(credit["invoice"])
    note = fx.from_payload(credit)  # a credit note inherits BT-23 and the parties' addresses
    assert note.process_id == "S1" and note.buyer.electronic_address == doc.buyer.electronic_address
    assert fx.validate(fx.to_cii(note), rules=("fr-ctc",), factur_x=True).valid


@pytest.mark.parametrize("change, key, words", [
    ({"billing_framework": "X1"}, "billing_framework", "[BR-FR-08_BT-23]"),
    ({"cadre_de_facturation": "B1"}, "cadre_de_facturation", "conflicts"),
    ({"seller_electronic_address": None, "seller_electronic_address_scheme": "0225"},
     "seller_electronic_address_scheme", "missing"),
    ({"seller_electronic_address_scheme": "ZZZZ"}, "seller_electronic_address_scheme", "EAS"),
    ({"buyer_country": "BE", "buyer_vat_number": "BE0403170701", "buyer_siret": None,
      "buyer_address": {"city": "Liège"}, "buyer_electronic_address": "0403170701"},
     "buyer_electronic_address_scheme", "BR-63"),
], ids=["unknown-framework", "alias-conflict", "scheme-alone", "unknown-scheme", "foreign-without-scheme"])
def test_french_ctc_field_refusals(change: dict[str, Any], key: str, words: str) -> None:
    payload = _french_ctc(load("b2b"))
    payload.update(change)
    err = refused(payload)
    assert set(err.errors) == {key} and words in err.errors[key][0], err.errors


# ---------------------------------------------------------------------------- identity, rates, payment


@pytest.mark.parametrize("change, keys", [
    (lambda p: [p.pop(k) for k in ("buyer_siret", "buyer_vat_number")], {"buyer_siret"}),
    (lambda p: [p.pop(k) for k in ("buyer_siret", "buyer_vat_number")] and p.update(buyer_legal_id="824693170",
                                                                                  buyer_legal_id_scheme="0002"), set()),
    (lambda p: p.update(buyer_country="BE", buyer_vat_number=None, buyer_address={"city": "Liège"}),
     {"buyer_vat_number"}),
    (lambda p: p.update(buyer_country="BE", buyer_vat_number="BE0403170701", buyer_siret=None,
                        buyer_address={"city": "Liège"}), set()),
    (lambda p: p.pop("seller_siret"), {"seller_siret"}),
    (lambda p: p.update(buyer_country="BE"), {"buyer_address.country"}),
    (lambda p: p.update(seller_legal_id="123456789", seller_legal_id_scheme="0002"), {"seller_legal_id"}),
    (lambda p: p.update(seller_legal_id_scheme="0002"), {"seller_legal_id_scheme"}),
    (lambda p: p.update(seller_vat_number="FR00852147966"), {"seller_vat_number"}),
    (lambda p: p.update(buyer_email="compta at bellevue"), {"buyer_email"}),
], ids=["fr-b2b-no-id", "fr-b2b-legal-id", "foreign-no-vat", "foreign-vat", "fr-seller-no-siret",
        "country-conflict", "bad-siren", "scheme-alone", "bad-vat", "bad-email"])
def test_identity_rules(change: Any, keys: set[str]) -> None:
    payload = load("b2b")
    payload.pop("buyer_electronic_address")  # a French 0225 address, which a buyer moved abroad cannot keep
    change(payload)
    if keys:
        assert set(refused(payload).errors) == keys
    else:
        valid_xml(fx.from_payload(payload))


def test_foreign_seller_may_use_its_own_rates() -> None:
    payload = load("reverse_charge_eu")
    payload.update(seller_name="Nordlicht Software GmbH", seller_vat_number="DE136695976", seller_country="DE",
                   seller_address={"line1": "Friedrichstraße 123", "postal_code": "10117", "city": "Berlin"},
                   buyer_name="Buchhandlung Weber KG", buyer_vat_number="DE129273398")
    payload.pop("seller_siret")
    payload["lines"] = [{"description": "Fachbuch", "quantity": 2, "unit_price": "30.00", "tax_rate": 7},
                        {"description": "Beratung", "quantity": 1, "unit_price": "100.00", "tax_rate": 19}]
    payload.update(total_ht="160.00", total_tax="23.20", total_ttc="183.20")
    doc = fx.from_payload(payload)
    assert {line.vat.rate for line in doc.lines} == {D(7), D(19)}
    valid_xml(doc)
    assert set(refused({**payload, "seller_country": "FR", "seller_address": {"city": "Paris"}}).errors) >= \
        {"seller_siret", "lines.0.tax_rate", "lines.1.tax_rate"}


@pytest.mark.parametrize("line, document, expected", [
    ({"exemption_reason": "Exonération, article 261 du CGI"}, {}, ("E", "Exonération, article 261 du CGI", None)),
    ({}, {"exemption_reason": "VATEX-EU-132-1I"}, ("E", None, "VATEX-EU-132-1I")),
    ({"tax_category": "Z"}, {}, ("Z", None, None)),
    ({}, {"tax_category": "G"}, ("G", "Exportation hors de l'Union européenne exonérée", "VATEX-EU-G")),
    ({"tax_category": "k", "exemption_reason": "Livraison intracommunautaire, art. 262 ter I du CGI"}, {},
     ("K", "Livraison intracommunautaire, art. 262 ter I du CGI", None)),
], ids=["line-reason", "document-vatex", "zero-rated", "document-export", "line-intra-community"])
def test_zero_rate_needs_a_reason_or_a_category(line: dict[str, Any], document: dict[str, Any],
                                                expected: tuple[str, str | None, str | None]) -> None:
    payload = load("reverse_charge_eu")
    kept = {k: v for k, v in payload["lines"][0].items() if k not in ("tax_category", "exemption_reason")}
    payload["lines"][0] = {**kept, **line}
    payload.update(document, delivery_date="2026-06-30")
    vat = fx.from_payload(payload).lines[0].vat
    assert (vat.category.value, vat.exemption_reason, vat.exemption_code) == expected
    valid_xml(fx.from_payload(payload))


@pytest.mark.parametrize("line, document, key", [
    ({}, {}, "lines.0.exemption_reason"),
    ({"tax_category": "S"}, {}, "lines.0.tax_category"),
    ({"tax_category": "E"}, {}, "lines.0.exemption_reason"),
    ({"tax_category": "Z", "exemption_reason": "x"}, {}, "lines.0.exemption_reason"),
    ({"exemption_reason": "VATEX-XX-999"}, {}, "lines.0.exemption_reason"),
    ({"tax_category": "XX"}, {}, "lines.0.tax_category"),
    ({"tax_rate": 20, "tax_category": "E"}, {}, "lines.0.tax_category"),
    ({"tax_rate": 20, "exemption_reason": "x"}, {}, "lines.0.exemption_reason"),
    ({"tax_rate": -5}, {}, "lines.0.tax_rate"),
], ids=["no-reason", "standard-zero", "exempt-no-reason", "zero-rated-with-reason", "unknown-vatex",
        "unknown-category", "category-with-rate", "reason-with-rate", "negative"])
def test_zero_rate_refusals(line: dict[str, Any], document: dict[str, Any], key: str) -> None:
    payload = load("b2b")
    payload["lines"] = [{"description": "Prestation", "quantity": 1, "unit_price": 100, "tax_rate": 0, **line}]
    for k in ("total_ht", "total_tax", "total_ttc"):
        payload.pop(k)
    payload.update(document)
    assert set(refused(payload).errors) == {key}


@pytest.mark.parametrize("method, bank, code", [
    ("virement", {"iban": "FR7630006000011234567890189"}, "58"),
    ("Virement", {"iban": "SA0380000000608010167519"}, "30"),
    (None, {"iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}, "58"),
    ("carte", None, "48"),
    ("CHÈQUE", None, "20"),
    ("espèces", None, "10"),
    ("prelevement", None, "59"),
    ("Prélèvement", {"iban": "FR7630006000011234567890189"}, "59"),
], ids=["virement-sepa", "virement-non-sepa", "bank-details-alone", "carte", "cheque", "especes", "prelevement",
        "prelevement-with-bank"])
def test_payment_method_mapping(method: str | None, bank: dict[str, str] | None, code: str) -> None:
    payload = load("b2c")
    payload.update(payment_method=method, bank_details=bank)
    doc = fx.from_payload(payload)
    assert doc.payment is not None and doc.payment.means_code == code
    cii, ubl = valid_xml(doc)
    assert xpath(cii, "//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode/text()") == [code]
    assert xpath(ubl, "//cac:PaymentMeans/cbc:PaymentMeansCode/text()") == [code]


def test_virement_needs_the_iban_and_no_payment_gives_no_bg16() -> None:
    payload = load("b2c")
    payload["payment_method"] = "virement"
    assert set(refused(payload).errors) == {"bank_details"}
    payload["bank_details"] = {"bic": "BNPAFRPPXXX"}
    assert set(refused(payload).errors) == {"bank_details.iban"}
    payload.pop("payment_method")
    payload.pop("bank_details")
    assert fx.from_payload(payload).payment is None


@pytest.mark.parametrize("where, value, key", [
    (("lines", 0, "description"), "x" * 501, "lines.0.description"),
    (("notes",), "n" * 2001, "notes"),
    (("notes",), ["ok", 12.5, "n" * 2001], "notes.2"),
    (("purchase_order",), "P" * 51, "purchase_order"),
    (("contract_reference",), "C" * 51, "contract_reference"),
    (("due_date",), "2026-03-01", "due_date"),
    (("issue_date",), "02/03/2026", "issue_date"),
    (("lines", 0, "quantity"), "3,5", "lines.0.quantity"),
    (("lines", 0, "discount"), 120, "lines.0.discount"),
    (("lines",), [], "lines"),
    (("lines",), "none", "lines"),
    (("lines",), [{"description": "x", "quantity": 1, "unit_price": 1, "tax_rate": 20}, 3], "lines.1"),
    (("seller_address",), "18 rue de la Paix", "seller_address"),
    (("direction",), "sideways", "direction"),
    (("invoice_type",), "proforma", "invoice_type"),
    (("buyer_is_individual",), "yes", "buyer_is_individual"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None)
def test_field_rules(where: tuple[Any, ...], value: Any, key: str) -> None:
    payload = load("b2b")
    target = payload
    for step in where[:-1]:
        target = target[step]
    target[where[-1]] = value
    for k in ("total_ht", "total_tax", "total_ttc"):
        payload.pop(k)
    assert key in refused(payload).errors


def test_a_non_object_payload_is_refused_not_a_traceback() -> None:
    for bad in (None, [], "invoice", 42):
        assert set(refused(bad).errors) == {GENERAL}
    with pytest.raises(fx.PayloadError) as info:
        load_json(b'{"invoice_number": ')
    assert set(info.value.errors) == {GENERAL} and "line 1" in info.value.errors[GENERAL][0]
    with pytest.raises(fx.PayloadError):
        load_json('{"total_ht": NaN}')


# ---------------------------------------------------------------------------- aliases, legacy keys, unknown keys


_CANONICAL = {"invoice_date": "issue_date", "total_tva": "total_tax", "unit_price_ht": "unit_price",
              "tva_rate": "tax_rate", "vat_rate": "tax_rate", "street": "line1", "street2": "line2"}


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {_CANONICAL.get(k, k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def test_aliases_and_legacy_keys_read_as_the_canonical_ones() -> None:
    payload = load("aliases_legacy")
    doc = fx.from_payload(payload)
    assert doc == fx.from_payload(_canonical(payload))
    assert doc.seller.address.line2 == payload["seller_address"]["street2"]
    assert doc.seller.address.subdivision == payload["seller_address"]["region"]
    assert doc.seller.identifiers[0].value == "".join(payload["seller_siret"].split())
    assert doc.buyer.legal_id == fx.Identifier(value=payload["buyer_legal_id"], scheme="0002")
    assert doc.payment is not None and doc.payment.means_code == "59"


def test_conflicting_aliases_are_refused() -> None:
    payload = load("b2b")
    payload["invoice_date"] = "2026-03-03"
    payload["lines"][0]["tva_rate"] = 10
    payload["seller_address"]["street"] = "1 autre rue"
    assert set(refused(payload).errors) == {"invoice_date", "lines.0.tva_rate", "seller_address.street"}
    payload = load("b2b")
    payload["invoice_date"] = payload["issue_date"]        # the same value twice is fine
    payload["lines"][0]["vat_rate"] = "20.0"
    assert fx.from_payload(payload) == fx.from_payload(load("b2b"))


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=12),
                         st.floats(allow_nan=False, allow_infinity=False))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                                 st.dictionaries(st.text(max_size=8), inner,
                                                                                 max_size=3)), max_leaves=8)
_KNOWN = {"invoice_number", "issue_date", "invoice_date", "due_date", "currency", "output_format", "direction",
          "total_ht", "total_tax", "total_tva", "total_ttc", "notes", "purchase_order", "contract_reference",
          "payment_terms", "payment_method", "bank_details", "external_id", "internal_reference", "invoice_type",
          "deposits", "deposit_total_ht", "deposit_reference_text", "lines", "exemption_reason", "tax_category",
          "delivery_date", "buyer", "credit_note_number", "invoice", "items", "quote_number", "billing_framework",
          "cadre_de_facturation"}
_LINE_KEYS = {"description", "quantity", "unit", "unit_price", "unit_price_ht", "tax_rate", "tva_rate", "vat_rate",
              "discount", "product_code", "total_ht", "total_tax", "total_tva", "total_ttc", "exemption_reason",
              "tax_category"}


unknown_keys = st.text(min_size=1, max_size=15).filter(
    lambda k: k not in _KNOWN and not k.startswith(("seller_", "buyer_")))


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.dictionaries(unknown_keys, json_values, max_size=4),
       st.dictionaries(unknown_keys.filter(lambda k: k not in _LINE_KEYS), json_values, max_size=3))
def test_unknown_keys_are_ignored(top: dict[str, Any], line: dict[str, Any]) -> None:
    payload = load("b2b")
    payload.update(top)
    payload["lines"][0].update(line)
    assert fx.from_payload(payload) == fx.from_payload(load("b2b"))


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(sorted(_KNOWN | {"seller_siret", "seller_name", "buyer_name",
                                                        "buyer_is_individual", "seller_address",
                                                        "seller_electronic_address", "buyer_electronic_address_scheme"})),
                       json_values, max_size=8))
def test_junk_gives_a_structured_error_never_a_traceback(junk: dict[str, Any]) -> None:
    payload = {**load("b2c"), **junk}
    try:
        doc = fx.from_payload(payload)
    except fx.PayloadError as exc:
        assert exc.errors and all(isinstance(k, str) and v for k, v in exc.errors.items())
        json.dumps(exc.as_dict())
    else:
        assert isinstance(doc, (fx.Invoice, fx.CreditNote))


def test_floats_from_json_loads_read_as_the_literal_the_app_wrote() -> None:
    text = (PAYLOADS / "b2b.json").read_text(encoding="utf-8")
    assert fx.from_payload(json.loads(text)) == fx.from_payload(load_json(text))
    payload = json.loads(text)
    payload["lines"][0].update(unit_price=0.1, quantity=3, total_ht=0.3, total_tax=0.06, total_ttc=0.36)
    payload.update(total_ht=1626.30, total_tax=325.26, total_ttc=1951.56)
    doc = fx.from_payload(payload)
    assert doc.lines[0].net_price == D("0.1") and doc.totals.lines[0].net_amount == D("0.30")


def test_output_format() -> None:
    assert output_format(load("b2b")) == "facturx"
    assert output_format(load("b2c")) is None
    assert output_format({"output_format": "UBL"}) == "ubl"
    with pytest.raises(fx.PayloadError):
        output_format({"output_format": "pdf"})


def test_app_refs_are_kept_on_the_model_and_not_inherited() -> None:
    doc = fx.from_payload(load("b2b"))
    assert doc.app_refs["direction"] == "outgoing" and doc.app_refs["output_format"] == "facturx"
    assert doc == fx.from_payload({k: v for k, v in load("b2b").items() if k not in ("external_id",)})
    assert dict(dataclass_replace(doc).app_refs) == {}
    with pytest.raises(TypeError):
        doc.app_refs["external_id"] = "changed"  # type: ignore[index]
    with pytest.raises(fx.ModelError):
        doc.with_app_refs({"n": 1})  # type: ignore[dict-item]


def test_app_refs_survive_pickle_and_deepcopy() -> None:
    import pickle

    doc = fx.from_payload(load("b2b"))
    for other in (pickle.loads(pickle.dumps(doc)), copy.deepcopy(doc)):
        assert other == doc and dict(other.app_refs) == dict(doc.app_refs)


def test_document_level_rules_without_a_single_field_are_keyed_by_their_nearest_key() -> None:
    payload = load("zero_rate_exemption")
    payload["lines"][0]["exemption_reason"] = "Exonération, article 261-4-4° du CGI"
    payload["lines"].append({"description": "Certification", "quantity": 1, "unit_price": 100, "tax_rate": 0,
                             "exemption_reason": "Exonération, article 261-4-9° du CGI"})
    for key in ("total_ht", "total_tax", "total_ttc"):
        payload.pop(key)
    err = refused(payload)                            # one exemption reason per category: BR-E-01 (compute.py)
    assert set(err.errors) == {"lines"} and "BR-E-01" in err.errors["lines"][0]


def dataclass_replace(doc: fx.Document) -> fx.Document:
    import dataclasses

    return dataclasses.replace(doc, number=doc.number + "-2")


# ---------------------------------------------------------------------------- quotes and payment schedules


def _quote() -> fx.Quote:
    return fx.quote_from_payload(load("quote_schedule"))


def test_quote_to_deposits_to_balance() -> None:
    quote = _quote()
    assert quote.deal.number == load("quote_schedule")["quote_number"]
    quote, d1 = quote.deposit(number="AC-1", issue_date=D0, percent=30)
    quote, d2 = quote.deposit(number="AC-2", issue_date=D0, amount="1000.00")
    assert d1.type_code == d2.type_code == "386"
    assert d1.totals.tax_exclusive == round2(quote.deal.totals.tax_exclusive * 30 / 100)
    assert d2.totals.tax_exclusive == D("1000.00")
    assert quote.remaining_ht == quote.deal.totals.tax_exclusive - d1.totals.tax_exclusive - d2.totals.tax_exclusive
    quote, final = quote.balance(number="FA-1", issue_date=D0)
    assert [p.number for p in final.preceding_invoices] == ["AC-1", "AC-2"]
    assert final.totals.paid == d1.totals.grand_total + d2.totals.grand_total
    assert final.totals.due == final.totals.grand_total - final.totals.paid
    for doc in (d1, d2, final):
        valid_xml(doc)
    with pytest.raises(fx.ModelError) as closed:
        quote.deposit(number="AC-3", issue_date=D0, percent=10)
    assert closed.value.field == "number" and "balance invoice was issued" in closed.value.message


@pytest.mark.parametrize("kwargs, key", [
    ({"percent": 30, "amount": 100}, "percent"),
    ({}, "percent"),
    ({"percent": 0}, "percent"),
    ({"percent": 101}, "percent"),
    ({"amount": "10.005"}, "amount"),
    ({"amount": "abc"}, "amount"),
    ({"amount": 999999}, "amount"),
], ids=["both", "neither", "zero", "above-100", "three-decimals", "not-a-number", "beyond-the-deal"])
def test_quote_deposit_refusals(kwargs: dict[str, Any], key: str) -> None:
    """A quote's refusals are the model's (the domain knows no payload), each naming the argument refused."""
    with pytest.raises(fx.ModelError) as info:
        _quote().deposit(number="AC-1", issue_date=D0, **kwargs)
    assert info.value.field == key and not isinstance(info.value, fx.PayloadError)


def test_payment_schedule_gives_every_invoice_one_by_one(tmp_path: Path) -> None:
    quote = _quote()
    schedule = load("quote_schedule")["payment_schedule"]
    invoices = fx.schedule_invoices(quote, ["AC-1", "AC-2", "AC-3", "FA-1"], balance_date=dt.date(2026, 6, 30))
    *deposits, final = invoices
    assert [d.type_code for d in deposits] == ["386"] * len(schedule) and final.type_code == "380"
    assert [d.issue_date.isoformat() for d in deposits] == [m["date"] for m in schedule]
    assert [d.due_date.isoformat() for d in deposits if d.due_date] == [m["date"] for m in schedule]
    deal = quote.deal.totals.tax_exclusive
    nominal = [round2(deal * stated(m["percent"]) / 100) if "percent" in m else stated(m["amount"]) for m in schedule]
    assert [d.totals.tax_exclusive for d in deposits] == nominal
    assert final.totals.paid == sum((d.totals.grand_total for d in deposits), D(0))
    assert final.totals.tax_exclusive == deal
    for doc in invoices:
        cii, _ = valid_xml(doc)
        pdf = fx.to_facturx(doc, xml=cii, deterministic=True)
        assert fx.check_pdf(pdf, strict=True).valid
        pdfa_compliant(pdf, tmp_path / f"{doc.number}.pdf")
    with pytest.raises(fx.ModelError) as info:
        fx.schedule_invoices(quote, ["AC-1", "AC-2"])
    assert info.value.field == "numbers"


def test_a_schedule_reaching_100_percent_ends_with_the_balance() -> None:
    payload = load("quote_schedule")
    payload["payment_schedule"] = [{"date": "2026-02-15", "percent": "33.33"},
                                   {"date": "2026-03-15", "percent": "33.33"},
                                   {"date": "2026-04-15", "percent": "33.34"}]
    quote = fx.quote_from_payload(payload)
    quote, first = quote.next_invoice(number="AC-1")
    quote, second = quote.next_invoice(number="AC-2")
    quote, last = quote.next_invoice(number="FA-1")
    assert (first.type_code, second.type_code, last.type_code) == ("386", "386", "380")
    assert last.totals.due == quote.deal.totals.grand_total - first.totals.grand_total - second.totals.grand_total
    assert last.issue_date == dt.date(2026, 4, 15)
    with pytest.raises(fx.ModelError) as info:
        quote.next_invoice(number="FA-2", issue_date=D0)
    assert info.value.field == "number"
    valid_xml(last)


@pytest.mark.parametrize("schedule, keys", [
    ([{"date": "2026-02-15", "percent": 60}, {"date": "2026-03-15", "percent": 50}],
     {"payment_schedule", "payment_schedule.1.percent"}),
    ([{"date": "2026-02-15", "percent": 30, "amount": 100}], {"payment_schedule.0.amount"}),
    ([{"date": "2026-02-15"}], {"payment_schedule.0.percent"}),
    ([{"percent": 30}], {"payment_schedule.0.date"}),
    ([{"date": "2026-03-15", "percent": 10}, {"date": "2026-02-15", "percent": 10}], {"payment_schedule.1.date"}),
    ([{"date": "2026-02-15", "amount": 99999}], {"payment_schedule.0.amount"}),
    ([{"date": "2026-02-15", "amount": -5}], {"payment_schedule.0.amount"}),
], ids=["above-100", "both", "neither", "no-date", "not-in-order", "beyond-the-deal", "negative"])
def test_payment_schedule_refusals(schedule: list[dict[str, Any]], keys: set[str]) -> None:
    payload = load("quote_schedule")
    payload["payment_schedule"] = schedule
    with pytest.raises(fx.PayloadError) as info:
        fx.quote_from_payload(payload)
    assert set(info.value.errors) == keys


def test_a_quote_is_not_an_invoice() -> None:
    assert set(refused(load("quote_schedule")).errors) == {"quote_number"}


# ---------------------------------------------------------------------------- random valid payloads


def _siret(n: int) -> str:
    siren = f"{n:08d}"
    siren += luhn.calc_check_digit(siren)
    body = siren + f"{n % 9999:04d}"
    return body + luhn.calc_check_digit(body)


def _fr_vat(siren: str) -> str:
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def _iban(bban: str) -> str:
    return f"FR{stdnum_iban.calc_check_digits('FR00' + bban)}{bban}"


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèàçôÉ &'-", min_size=1, max_size=20) \
    .map(str.strip).filter(bool)
money = st.integers(0, 500_000).map(lambda n: D(n).scaleb(-2))
quantities = st.one_of(st.integers(1, 50).map(D), st.integers(1, 5000).map(lambda n: D(n).scaleb(-2)))


@st.composite
def payloads(draw: st.DrawFn) -> dict[str, Any]:
    """A random valid invoice payload, its totals stated as an app computing EN 16931 would."""
    b2c = draw(st.booleans())
    seller = _siret(draw(st.integers(10_000_000, 99_999_999)))
    lines, per_rate = [], {}
    for i in range(draw(st.integers(1, 6))):
        rate = draw(st.sampled_from(["0", "2.1", "5.5", "10", "20"]))
        qty, price = draw(quantities), draw(money)
        discount = draw(st.sampled_from([None, D(0), D(5), D("12.5"), D(100)]))
        net = round2(qty * price * (1 - (discount or D(0)) / 100))        # the app's own line arithmetic
        line = {"description": draw(words), "quantity": str(qty), "unit_price": str(price),
                draw(st.sampled_from(["tax_rate", "tva_rate", "vat_rate"])): rate,
                "unit": draw(st.sampled_from(["C62", "HUR", "DAY", "KGM", None]))}
        if discount is not None:
            line["discount"] = str(discount)
        if rate == "0":
            line["exemption_reason"] = "Exonération de TVA, article 261 du CGI"
        if draw(st.booleans()):
            tax = round2(net * D(rate) / 100)
            line.update(total_ht=str(net), total_tax=str(tax), total_ttc=str(net + tax))
        per_rate[rate] = per_rate.get(rate, D(0)) + net
        lines.append(line)
    ht = sum(per_rate.values(), D(0))
    tax = sum((round2(base * D(rate) / 100) for rate, base in per_rate.items()), D(0))
    issue = draw(st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)))
    payload: dict[str, Any] = {
        "invoice_number": f"F-{draw(st.integers(1, 10**6))}", "issue_date": issue.isoformat(),
        "due_date": (issue + dt.timedelta(days=draw(st.integers(0, 60)))).isoformat(),
        "seller_name": draw(words), "seller_siret": seller, "seller_vat_number": _fr_vat(seller[:9]),
        "seller_address": {"line1": draw(words), "postal_code": "75001", "city": "Paris"},
        "buyer_name": draw(words), "buyer_address": {"line1": draw(words), "city": draw(words)},
        "lines": lines, "total_ht": str(ht), "total_tax": str(tax), "total_ttc": str(ht + tax),
    }
    buyer = _siret(draw(st.integers(10_000_000, 99_999_999)))
    payload.update({"buyer_is_individual": True} if b2c else {"buyer_siret": buyer})
    if not b2c or draw(st.booleans()):
        payload["buyer_vat_number"] = _fr_vat(buyer[:9])   # sent for a consumer too: never written
    if not b2c and draw(st.booleans()):                     # a Belgian business buyer
        payload.update(buyer_siret=None, buyer_vat_number="BE0403170701", buyer_country="BE")
    kind = draw(st.sampled_from(["standard", "standard", "deposit", "balance"]))
    kind = "standard" if kind == "balance" and ht + tax == 0 else kind
    if kind != "standard":
        payload["invoice_type"] = kind
    if kind == "deposit":
        payload["deposit_total_ht"] = str(ht * draw(st.integers(1, 5)))
    if kind == "balance" and ht + tax > 0:
        shares = draw(st.lists(st.integers(1, 40), min_size=1, max_size=3).filter(lambda xs: sum(xs) <= 100))
        payload["deposits"] = [{"invoice_number": f"AC-{i}", "issue_date": issue.isoformat(),
                                "total_ttc": str(round2((ht + tax) * share / 100))} for i, share in enumerate(shares)]
    if draw(st.booleans()):
        payload["buyer_shipping_address"] = draw(st.sampled_from([payload["buyer_address"],
                                                                  {"name": "Dépôt", "city": "Lyon"}]))
    method = draw(st.sampled_from([None, "virement", "carte", "cheque", "especes", "prelevement"]))
    if method:
        payload["payment_method"] = method
    if method in ("virement", "prelevement") or draw(st.booleans()):
        payload["bank_details"] = {"iban": _iban(f"{draw(st.integers(0, 10**23 - 1)):023d}")}
    if draw(st.booleans()):  # what the French CTC rules add (BT-23, BT-34, BT-49)
        payload.update(billing_framework=draw(st.sampled_from(sorted(BILLING_FRAMEWORKS))),
                       seller_electronic_address=seller[:9])
        if payload.get("buyer_country") == "BE":
            payload.update(buyer_electronic_address="0403170701", buyer_electronic_address_scheme="9925")
        elif not b2c:
            payload["buyer_electronic_address"] = buyer[:9]
    return payload


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(payloads())
def test_random_valid_payloads_give_valid_documents_and_their_totals_agree(payload: dict[str, Any]) -> None:
    doc = fx.from_payload(payload)
    terms = doc.totals.as_terms()
    assert (terms["BT-109"], terms["BT-110"], terms["BT-112"]) == \
        (D(payload["total_ht"]), D(payload["total_tax"]), D(payload["total_ttc"]))
    cii, ubl = valid_xml(doc)
    assert doc.is_b2c == bool(payload.get("buyer_is_individual"))
    if doc.is_b2c:
        _no_buyer_ids(cii, ubl)
    same_address = payload.get("buyer_shipping_address") in (None, payload["buyer_address"])
    assert bool(xpath(cii, "//ram:ShipToTradeParty")) is not same_address
    paid = sum((D(d["total_ttc"]) for d in payload.get("deposits", ())), D(0))
    assert (terms["BT-113"], terms["BT-115"]) == (paid, terms["BT-112"] - paid)
    assert doc.type_code == ("386" if payload.get("invoice_type") == "deposit" else "380")
    assert doc.process_id == payload.get("billing_framework")
    addresses = (doc.seller.electronic_address, doc.buyer.electronic_address)
    assert [a.value if a else None for a in addresses] == [payload.get("seller_electronic_address"),
                                                          payload.get("buyer_electronic_address")]


# ---------------------------------------------------------------------------- the README examples


def test_readme_payload_examples_are_the_fixtures_and_run() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Invoicing-app payloads", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```json\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 2, "the README shows one B2B and one B2C payload"
    for block, name in zip(blocks, ("b2b", "b2c")):
        assert json.loads(block) == load(name), f"README example differs from fixtures/payloads/{name}.json"
        doc = fx.from_payload(load_json(block))
        valid_xml(doc)
        assert doc.is_b2c is (name == "b2c")


def test_readme_error_answer_is_what_the_engine_answers() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Invoicing-app payloads", 1)[1].split("\n## ", 1)[0]
    shown = json.loads(re.findall(r"```text\n(.*?)```", section, flags=re.S)[0])
    payload = load("b2b")
    payload["buyer_siret"] = payload["buyer_siret"][:-1]
    payload["lines"][0]["tva_rate"] = 7
    payload["lines"][0].pop("tax_rate")
    assert refused(payload).as_dict() == shown


# ---------------------------------------------------------------------------- specification (target spec)


def test_payload_specification_names_what_generate_writes_for(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """``specification`` is read like ``output_format``: a known name is kept in app_refs and is what
    ``generate --from payload`` writes for (its BT-24, what it requires checked before writing); an unknown one is
    a keyed payload error; ``--spec`` overrides it."""
    from facturx_engine.cli.commands import main
    from facturx_engine.io.payload import specification

    payload = json.loads((PAYLOADS / "b2b.json").read_text(encoding="utf-8"))
    assert specification(payload) is None
    cen = {**payload, "specification": "CEN"}
    assert specification(cen) == "cen" and fx.from_payload(cen).app_refs["specification"] == "cen"
    with pytest.raises(fx.PayloadError) as refused:
        specification({**payload, "specification": "xrechnung-9"})
    assert "specification" in refused.value.errors and "xrechnung" in str(refused.value.errors)
    source, out = tmp_path / "p.json", tmp_path / "out.xml"
    source.write_text(json.dumps(cen), encoding="utf-8")
    assert main(["generate", str(source), "--from", "payload", "--to", "cii", "-o", str(out)]) == 0
    assert b"<ram:ID>urn:cen.eu:en16931:2017</ram:ID>" in out.read_bytes()
    source.write_text(json.dumps({**payload, "specification": "xrechnung"}), encoding="utf-8")
    out.unlink()
    assert main(["generate", str(source), "--from", "payload", "--to", "ubl", "-o", str(out)]) == 2
    assert "BR-DE-" in capsys.readouterr().err and not out.exists()
    assert main(["generate", str(source), "--from", "payload", "--to", "ubl", "--spec", "cen", "-o",
                 str(out)]) == 0  # --spec overrides the payload's
    assert b"<cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>" in out.read_bytes()


def test_a_credit_note_payload_states_its_refunds_terms_and_due_date() -> None:
    """``payment_terms`` and ``due_date`` of a credit-note payload (Factur-X EXTENDED asks for one of them, BR-CO-25);
    a due date before the issue date is refused at its key."""
    payload = load("credit_total")
    with pytest.raises(fx.ModelError, match=r"BT-9/BT-20.*\[BR-CO-25\]"):
        fx.to_cii(fx.from_payload(payload), spec="extended-ctc-fr")
    payload["payment_terms"], payload["due_date"] = "Remboursement par virement sous 15 jours.", "2026-04-20"
    cn = fx.from_payload(payload)
    assert (cn.payment_terms, cn.due_date) == ("Remboursement par virement sous 15 jours.", dt.date(2026, 4, 20))
    fx.to_cii(cn, spec="extended-ctc-fr")
    payload["due_date"] = "2000-01-01"
    assert "before the issue date" in refused(payload).errors["due_date"][0]
