"""What a French invoice must show from 2026, on the rendered page (read back with ``pdftotext``) in French,
English and German, and in the XML where a business term carries it (the official rules as the oracle):

* the buyer's SIREN under a French buyer, whichever term carries it (BT-47 with 0002, a SIRET, a 0225
  electronic address);
* the delivery address only when it differs from the buyer's;
* the nature of the operation (goods, services, both) from the billing framework BT-23;
* the option for VAT on debits (BT-8 = 3, payload ``vat_on_debits``), written and read back in CII and UBL;
* no late-payment mentions on a credit note, whose XML still satisfies BR-FR-05 of the French CTC rules;
* an invoice paid by card (payload ``paid_by_card``): paid amount BT-113, nothing due;
* codes in words: VAT categories, exemption codes BT-121, allowance reasons, payment means, units.

Text checks skip with a message when ``pdftotext`` (poppler-utils) is missing.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import facturx_engine as fx
from facturx_engine.io.jsonio import load_document
from facturx_engine.io.payload import load_json
from facturx_engine.model.fr import CREDIT_NOTE_MENTIONS, L441_CODES, buyer_siren, legal_notes, operation_nature
from facturx_engine.model.fr import vat_on_debits
from facturx_engine.pdf.render.layout import render
from facturx_engine.pdf.render.template import Template
from facturx_engine.syntax.read import read_document

ROOT = Path(__file__).resolve().parents[1]
INVOICES = ROOT / "fixtures" / "invoices"
PAYLOADS = ROOT / "fixtures" / "payloads"
LANGS = ("fr", "en", "de")


def _text(doc: fx.Document, lang: str, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not found (install poppler-utils): the page's text was NOT checked")
    src = tmp_path / f"page-{lang}.pdf"
    src.write_bytes(render(doc, Template(lang=lang)))
    out = subprocess.run(["pdftotext", "-layout", str(src), "-"], check=True, capture_output=True).stdout
    return " ".join(out.decode("utf-8").replace("\u00a0", " ").split())  # one line: labels and values may wrap


def _fixture(name: str) -> fx.Document:
    return load_document((INVOICES / f"{name}.json").read_bytes())


def _payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = load_json((PAYLOADS / f"{name}.json").read_bytes())
    return data


def _fr_ctc_errors(doc: fx.Document) -> list[str]:
    xml = fx.to_cii(doc, profile=fx.Profile.EN16931)
    report = fx.validate(xml, factur_x=True, rules=("fr-ctc",))
    return [f"{f.rule}: {f.message}" for f in report.errors]


# ---------------------------------------------------------------------------- the buyer's SIREN


def test_buyer_siren_comes_from_bt47_a_siret_or_a_0225_address() -> None:
    buyer = _fixture("fr_b2b").buyer
    assert buyer_siren(buyer) == ("824693170", "BT-47")
    only_siret = dataclasses.replace(buyer, legal_id=None, electronic_address=None)
    assert buyer_siren(only_siret) == ("824693170", "BT-46")
    only_address = dataclasses.replace(buyer, legal_id=None, identifiers=(),
                                       electronic_address=fx.Identifier(value="824693170_ACHATS", scheme="0225"))
    assert buyer_siren(only_address) == ("824693170", "BT-49")
    email = dataclasses.replace(only_address, electronic_address=fx.Identifier(value="a@b.fr", scheme="EM"))
    assert buyer_siren(email) is None  # nothing carries a SIREN: no guess
    foreign = dataclasses.replace(buyer, address=dataclasses.replace(buyer.address, country="BE"))
    assert buyer_siren(foreign) is None
    consumer = dataclasses.replace(only_address, electronic_address=None, vat_id=None, private_person=True)
    assert buyer_siren(consumer) is None


@pytest.mark.parametrize("lang", LANGS)
def test_a_french_buyer_known_by_its_address_only_shows_its_siren(lang: str, tmp_path: Path) -> None:
    doc = _fixture("fr_b2b")
    buyer = dataclasses.replace(doc.buyer, legal_id=None, identifiers=(),
                                electronic_address=fx.Identifier(value="824693170", scheme="0225"))
    text = _text(dataclasses.replace(doc, buyer=buyer), lang, tmp_path)
    assert "SIREN: 824 693 170" in text.replace(" :", ":")
    assert text.count("824 693 170") == 1  # the seller's SIREN is another number


@pytest.mark.parametrize("lang", LANGS)
def test_the_buyer_siren_is_printed_once_with_its_siret(lang: str, tmp_path: Path) -> None:
    doc = _fixture("fr_b2b")
    text = _text(dataclasses.replace(doc, buyer=dataclasses.replace(doc.buyer, legal_id=None)), lang,
                 tmp_path).replace(" :", ":")
    assert "SIREN: 824 693 170" in text and "SIRET: 824 693 170 00014" in text
    assert text.count("SIREN: 824 693 170") == 1


# ---------------------------------------------------------------------------- delivery address


@pytest.mark.parametrize(("lang", "heading"), [("fr", "LIVRAISON"), ("en", "DELIVERY"), ("de", "LIEFERUNG")])
def test_delivery_address_printed_only_when_it_differs(lang: str, heading: str, tmp_path: Path) -> None:
    doc = _fixture("fr_b2b")
    elsewhere = fx.Delivery(name="Hôtel Bellevue Cannes", address=fx.Address(
        line1="12 boulevard de la Croisette", postal_code="06400", city="Cannes", country="FR"))
    text = _text(dataclasses.replace(doc, delivery=elsewhere), lang, tmp_path)
    assert heading in text and "12 boulevard de la Croisette" in text and "Hôtel Bellevue Cannes" in text
    same = fx.Delivery(name=doc.buyer.name, address=doc.buyer.address)
    text = _text(dataclasses.replace(doc, delivery=same), lang, tmp_path)
    assert heading not in text
    assert text.count(doc.buyer.address.line1 or "") == 1


def test_the_payload_shipping_address_is_printed(tmp_path: Path) -> None:
    payload = _payload("shipping_different")
    text = _text(fx.from_payload(payload), "fr", tmp_path)
    assert "LIVRAISON" in text and payload["buyer_shipping_address"]["line1"] in text


# ---------------------------------------------------------------------------- nature of the operation


@pytest.mark.parametrize(("code", "words"), [
    ("S1", {"fr": "prestations de services", "en": "supply of services", "de": "Dienstleistung"}),
    ("B2", {"fr": "livraison de biens", "en": "supply of goods", "de": "Warenlieferung"}),
    ("M4", {"fr": "biens et services", "en": "goods and services", "de": "Waren und Leistungen"}),
])
def test_nature_of_the_operation_from_the_billing_framework(code: str, words: dict[str, str],
                                                            tmp_path: Path) -> None:
    doc = dataclasses.replace(_fixture("fr_b2b"), process_id=code)
    assert operation_nature(doc) == code[0]
    for lang, label in zip(LANGS, ("Opération", "Operation", "Art des Umsatzes")):
        text = _text(doc, lang, tmp_path)
        assert f"{label} {words[lang]}" in text, (lang, text[:600])


def test_no_operation_line_without_a_french_billing_framework(tmp_path: Path) -> None:
    doc = dataclasses.replace(_fixture("fr_b2b"), process_id="urn:fdc:peppol.eu:2017:poacc:billing:01:1.0")
    assert operation_nature(doc) is None
    assert "Opération" not in _text(doc, "fr", tmp_path)


# ---------------------------------------------------------------------------- VAT on debits


@pytest.mark.parametrize(("lang", "mention"), [
    ("fr", "Option pour le paiement de la TVA d'après les débits."),
    ("en", "The seller has opted to pay VAT on debits"),
    ("de", "Versteuerung nach vereinbarten Entgelten"),
])
def test_vat_on_debits_is_printed_when_chosen(lang: str, mention: str, tmp_path: Path) -> None:
    payload = _payload("b2b")
    assert mention not in _text(fx.from_payload(payload), lang, tmp_path)
    doc = fx.from_payload({**payload, "vat_on_debits": True})
    assert vat_on_debits(doc) and doc.tax_point_code == "3"
    assert mention in _text(doc, lang, tmp_path)


def test_vat_on_debits_is_bt8_in_cii_and_ubl_and_comes_back() -> None:
    doc = fx.from_payload({**_payload("b2b"), "vat_on_debits": True})
    cii, ubl = fx.to_cii(doc, profile=fx.Profile.EN16931), fx.to_ubl(doc)
    assert b"<ram:DueDateTypeCode>5</ram:DueDateTypeCode>" in cii
    assert b"<cbc:DescriptionCode>3</cbc:DescriptionCode>" in ubl
    for xml in (cii, ubl):
        back = read_document(xml).document
        assert back.tax_point_code == "3" and vat_on_debits(back)
    assert fx.validate(cii, factur_x=True, rules=("fr-ctc",)).valid
    assert fx.validate(ubl).valid
    assert not vat_on_debits(fx.from_payload(_payload("b2b")))


def test_vat_on_debits_must_be_a_flag() -> None:
    with pytest.raises(fx.PayloadError) as caught:
        fx.from_payload({**_payload("b2b"), "vat_on_debits": "oui"})
    assert "expected true or false" in caught.value.as_dict()["errors"]["vat_on_debits"][0]
    with pytest.raises(fx.PayloadError) as caught:
        fx.from_payload({**_payload("b2c"), "paid_by_card": 1})
    assert "expected true or false" in caught.value.as_dict()["errors"]["paid_by_card"][0]


# ---------------------------------------------------------------------------- credit notes


@pytest.mark.parametrize("lang", LANGS)
def test_no_late_payment_mentions_on_a_credit_note(lang: str, tmp_path: Path) -> None:
    invoice, credit = _fixture("fr_b2b"), _fixture("credit_note_381")
    assert "L441-10" in _text(invoice, lang, tmp_path)  # the mentions are French words in every language
    text = _text(credit, lang, tmp_path)
    for words in ("L441-10", "40 €", "escompte", "sans objet"):
        assert words not in text, words


def test_a_credit_note_xml_still_meets_br_fr_05_with_not_applicable_notes() -> None:
    credit = _fixture("credit_note_381")
    notes = legal_notes(credit)
    assert {n.subject_code for n in notes} >= L441_CODES
    assert all(n in CREDIT_NOTE_MENTIONS for n in notes if n.subject_code in L441_CODES)
    cii = fx.to_cii(credit, profile=fx.Profile.EN16931)
    assert b"sans objet" in cii and b"L441-10" not in cii
    report = fx.validate(cii, factur_x=True, rules=("fr-ctc",))
    assert not [f for f in report.findings if f.rule.startswith(("BR-FR-05", "BR-FR-06"))], report.findings


def test_a_credit_note_built_from_a_read_invoice_drops_its_late_payment_mentions() -> None:
    invoice = read_document(fx.to_cii(_fixture("fr_b2b"))).document
    assert L441_CODES <= {n.subject_code for n in invoice.notes}
    credit = fx.credit_note(invoice, number="AV-1", issue_date=invoice.issue_date)
    assert all(n in CREDIT_NOTE_MENTIONS for n in legal_notes(credit) if n.subject_code in L441_CODES)


def test_a_credit_note_payload_passes_the_french_ctc_rules() -> None:
    payload = _payload("credit_total")
    payload["invoice"] = {**payload["invoice"], "seller_electronic_address": "852147966",
                          "buyer_electronic_address": "824693170", "billing_framework": "S1"}
    assert _fr_ctc_errors(fx.from_payload(payload)) == []


# ---------------------------------------------------------------------------- paid by card


@pytest.mark.parametrize(("lang", "words"), [
    ("fr", ("Facture acquittée : Carte bancaire", "Déjà payé -79,54 €", "Net à payer 0,00 €")),
    ("en", ("Invoice paid: Bank card", "Paid amount -€79.54", "Amount due €0.00")),
    ("de", ("Rechnung bezahlt: Bankkarte", "Bereits gezahlt -79,54 €", "Zahlbetrag 0,00 €")),
])
def test_a_b2c_invoice_paid_by_card_shows_it(lang: str, words: tuple[str, ...], tmp_path: Path) -> None:
    payload = {**_payload("b2c"), "paid_by_card": True}
    payload.pop("payment_method")
    doc = fx.from_payload(payload)
    assert doc.payment is not None and doc.payment.means_code == "48"
    assert doc.paid_amount == doc.totals.grand_total and doc.totals.due == 0
    text = _text(doc, lang, tmp_path)
    for expected in words:
        assert expected in text, (expected, text)


def test_paid_by_card_is_bt113_and_meets_br_fr_co_09() -> None:
    payload = {**_payload("b2b"), "paid_by_card": True, "payment_method": "carte", "billing_framework": "S2"}
    payload["due_date"] = payload["issue_date"]  # the payment date (BR-FR-CO-09)
    payload.pop("bank_details")
    doc = fx.from_payload(payload)
    cii = fx.to_cii(doc, profile=fx.Profile.EN16931)
    assert b"<ram:TotalPrepaidAmount>5851.20</ram:TotalPrepaidAmount>" in cii
    assert b"<ram:DuePayableAmount>0.00</ram:DuePayableAmount>" in cii
    assert _fr_ctc_errors(doc) == []
    unpaid = {**payload, "paid_by_card": False}
    assert any(e.startswith("BR-FR-CO-09") for e in _fr_ctc_errors(fx.from_payload(unpaid)))


def test_paid_by_card_refuses_another_payment_method() -> None:
    with pytest.raises(fx.PayloadError) as caught:
        fx.from_payload({**_payload("b2b"), "paid_by_card": True})
    assert "payment_method carte" in caught.value.as_dict()["errors"]["paid_by_card"][0]


# ---------------------------------------------------------------------------- codes in words


@pytest.mark.parametrize(("lang", "words"), [
    ("fr", ("TVA : Autoliquidation", "Autoliquidation 0 %", "Virement SEPA", "jours")),
    ("en", ("VAT: Reverse charge", "Reverse charge 0%", "SEPA credit transfer", "days")),
    ("de", ("USt.: Umkehr der Steuerschuld", "SEPA-Überweisung", "Tage")),  # the breakdown's cell wraps
])
def test_reverse_charge_codes_become_words(lang: str, words: tuple[str, ...], tmp_path: Path) -> None:
    doc = _fixture("reverse_charge_AE")
    lines = [dataclasses.replace(ln, vat=dataclasses.replace(ln.vat, exemption_reason=None)) for ln in doc.lines]
    doc = dataclasses.replace(doc, lines=lines)  # the exemption code alone: its words are printed
    text = _text(doc, lang, tmp_path)
    for expected in words:
        assert expected.replace("\u00a0", " ") in text, (expected, text)
    assert "VATEX-EU-AE" not in text and " AE " not in text and "DAY" not in text and "58" not in text.split()
    exemption = {"fr": "Exonération : Autoliquidation", "en": "Exemption: Reverse charge",
                 "de": "Befreiungsgrund: Umkehr der Steuerschuld"}[lang]
    assert exemption in text


def test_an_exemption_code_the_catalogue_does_not_name_is_shown_as_is(tmp_path: Path) -> None:
    text = _text(_fixture("multi_vat_S_Z_E"), "fr", tmp_path)
    assert "VATEX-FR-CGI261-4" in text and "TVA : Exonéré" in text and "TVA : Taux zéro" in text


def test_allowance_reason_codes_become_words(tmp_path: Path) -> None:
    doc = _fixture("allowances_charges")
    acs = [dataclasses.replace(ac, reason=None, reason_code="95" if not ac.charge else "FC")
           for ac in doc.allowances_charges]
    doc = dataclasses.replace(doc, allowances_charges=acs)
    for lang in LANGS:
        text = _text(doc, lang, tmp_path)
        for code, list_id in (("95", "5189"), ("FC", "7161")):
            if any(ac.reason_code == code for ac in acs):
                assert fx_code_label(list_id, code, lang) in text, (lang, code)


def fx_code_label(list_id: str, code: str, lang: str) -> str:
    from facturx_engine.i18n import code_label

    found = code_label(list_id, code, lang)
    assert found is not None
    return found
