"""Payload keys of the parties beside seller and buyer (io/payload/roles.py): the payee (``payee_*``, BG-10: the factor
of a factoring) and the French EXTENDED-CTC-FR parties (``buyer_agent``, ``payer``, ``seller_agent``, ``invoicee``,
``invoicer``).

Every key is read to its model field; every refusal names its payload key, business term and rule, all at once; a
French party is refused for a target specification that cannot carry it. The oracle of the documents written is the
official rules (slow tier): the factoring fixture ``fixtures/payloads/factoring.json`` under Factur-X EN 16931 and
the French CTC rules in CII and UBL, an EXTENDED-CTC-FR payload with all five parties under the EXTENDED-CTC-FR and
French CTC rules; both read back with the parties equal.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import luhn

import facturx_engine as fx
from facturx_engine.io.payload.roles import CARRIERS, PAYEE_KEYS, RELATED
from facturx_engine.model.records import Identifier, Payee, RelatedParty
from facturx_engine.syntax.read import read_document

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
FRENCH_RULES = ("extended-ctc-fr", "fr-ctc")
FACTOR_SIRET, FACTOR_IBAN = "41234567000019", "FR7630003012340002012345670"
PARTIES: dict[str, dict[str, Any]] = {  # one of each key form: siret, global_id + scheme, addresses with and without
    "buyer_agent": {"name": "Centrale d'achats Azur", "global_id": "3012345000019", "global_id_scheme": "0088",
                    "electronic_address": "301234500_achats"},
    "payer": {"name": "Bellevue Trésorerie SAS", "siret": "412 345 670 00019", "electronic_address": "412345670"},
    "seller_agent": {"name": "Agence Commerciale Durand Sud", "global_id": "3098765000012", "global_id_scheme": "0088",
                     "electronic_address": "agent@durand.example", "electronic_address_scheme": "EM"},
    "invoicee": {"name": "Bellevue Services Comptables", "global_id": "3012345000026", "global_id_scheme": "0088"},
    "invoicer": {"name": "Durand Facturation SARL", "siret": "85214796600018"},
}
EXPECTED = {
    "buyer_agent": RelatedParty(name="Centrale d'achats Azur", global_id=Identifier.gln("3012345000019"),
                                electronic_address=Identifier(value="301234500_achats", scheme="0225")),
    "payer": RelatedParty(name="Bellevue Trésorerie SAS", global_id=Identifier.siret(FACTOR_SIRET),
                          electronic_address=Identifier(value="412345670", scheme="0225")),
    "seller_agent": RelatedParty(name="Agence Commerciale Durand Sud", global_id=Identifier.gln("3098765000012"),
                                 electronic_address=Identifier(value="agent@durand.example", scheme="EM")),
    "invoicee": RelatedParty(name="Bellevue Services Comptables", global_id=Identifier.gln("3012345000026")),
    "invoicer": RelatedParty(name="Durand Facturation SARL", global_id=Identifier.siret("85214796600018")),
}


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def extended_payload() -> dict[str, Any]:
    """The B2B payload written for EXTENDED-CTC-FR with all five French parties."""
    return {**load("b2b"), "specification": "extended-ctc-fr", **copy.deepcopy(PARTIES)}


def errors_of(payload: Any, **kw: Any) -> dict[str, list[str]]:
    with pytest.raises(fx.PayloadError) as info:
        fx.from_payload(payload, **kw)
    json.dumps(info.value.as_dict())  # the answer is JSON as it is
    return info.value.errors


# ---------------------------------------------------------------------------- every key to its model field


def test_the_factoring_fixture_has_the_factor_as_payee_paid_on_its_own_account() -> None:
    doc = fx.from_payload(load("factoring"))
    assert doc.payee == Payee(name="Azur Affacturage SA", identifier=Identifier.siret(FACTOR_SIRET),
                              legal_id=Identifier.siren(FACTOR_SIRET[:9]))  # the SIREN of its SIRET, as the seller's
    assert doc.payment is not None and doc.payment.means_code == "58"
    assert [t.account_id for t in doc.payment.credit_transfers] == [FACTOR_IBAN]
    assert all(getattr(doc, key) is None for key in RELATED)


@pytest.mark.parametrize(("keys", "expected"), [
    ({"payee_name": "Factor", "payee_identifier": "3012345000019", "payee_identifier_scheme": "0088"},
     Payee(name="Factor", identifier=Identifier.gln("3012345000019"))),
    ({"payee_name": "Factor", "payee_identifier": FACTOR_SIRET, "payee_identifier_scheme": "0009"},
     Payee(name="Factor", identifier=Identifier.siret(FACTOR_SIRET), legal_id=Identifier.siren(FACTOR_SIRET[:9]))),
    ({"payee_name": "Factor", "payee_siret": FACTOR_SIRET, "payee_legal_id": "412345670",
      "payee_legal_id_scheme": "0002"},
     Payee(name="Factor", identifier=Identifier.siret(FACTOR_SIRET), legal_id=Identifier.siren("412345670"))),
    ({"payee_name": "Factor GmbH", "payee_legal_id": "HRB 12345"},
     Payee(name="Factor GmbH", legal_id=Identifier(value="HRB 12345"))),
    ({"payee_name": "  Factor  "}, Payee(name="Factor")),
])
def test_payee_keys_read_to_the_model(keys: dict[str, Any], expected: Payee) -> None:
    assert fx.from_payload({**load("b2b"), **keys}).payee == expected


def test_no_payee_key_no_payee() -> None:
    assert fx.from_payload({**load("b2b"), "payee_name": "", "payee_siret": None}).payee is None


def test_the_five_french_parties_read_to_the_model() -> None:
    doc = fx.from_payload(extended_payload())
    assert {key: getattr(doc, key) for key in RELATED} == EXPECTED
    assert doc.app_refs["specification"] == "extended-ctc-fr"


@pytest.mark.parametrize("target", CARRIERS)
def test_each_specification_written_as_extended_carries_them(target: str) -> None:
    assert set(CARRIERS) == {"extended", "extended-ctc-fr"}
    assert fx.from_payload({**extended_payload(), "specification": target}).payer == EXPECTED["payer"]


# ---------------------------------------------------------------------------- refusals: key, term, rule


@pytest.mark.parametrize(("keys", "key", "words"), [
    ({"payee_siret": FACTOR_SIRET}, "payee_name", ("BT-59", "BR-17")),
    ({"payee_name": "F", "payee_siret": "41234567000018"}, "payee_siret", ("check digit", "BT-60", "[BR-FR-09_BT-60]")),
    ({"payee_name": "F", "payee_siret": "4123456700001"}, "payee_siret", ("14 digits", "BT-60", "[BR-FR-09_BT-60]")),
    ({"payee_name": "F", "payee_identifier": "3012345000019"}, "payee_identifier_scheme",
     ("ICD", "BT-60-1", "[BR-FR-CO-10_BT-60-1]")),
    ({"payee_name": "F", "payee_identifier": "X1", "payee_identifier_scheme": "9999"}, "payee_identifier_scheme",
     ("ISO 6523 ICD", "BT-60-1", "BR-CL-10")),
    ({"payee_name": "F", "payee_identifier": "41234567000018", "payee_identifier_scheme": "0009"}, "payee_identifier",
     ("SIRET", "BT-60", "[BR-FR-09_BT-60]")),
    ({"payee_name": "F", "payee_siret": FACTOR_SIRET, "payee_identifier": "X1", "payee_identifier_scheme": "0088"},
     "payee_identifier", ("not both", "BT-60")),
    ({"payee_name": "F", "payee_identifier_scheme": "0088"}, "payee_identifier_scheme", ("payee_identifier",)),
    ({"payee_name": "F", "payee_legal_id_scheme": "0002"}, "payee_legal_id_scheme", ("payee_legal_id",)),
    ({"payee_name": "F", "payee_legal_id": "X", "payee_legal_id_scheme": "00"}, "payee_legal_id_scheme",
     ("ISO 6523 ICD", "BT-61-1", "BR-CL-11")),
    ({"payee_name": "F", "payee_legal_id": "412345671", "payee_legal_id_scheme": "0002"}, "payee_legal_id",
     ("SIREN", "BT-61")),
    ({"payee_name": "F", "payee_siret": FACTOR_SIRET, "payee_legal_id": "852147966", "payee_legal_id_scheme": "0002"},
     "payee_legal_id", ("not the start", "BT-61", "[BR-FR-09_BT-60]")),
    ({"payee_name": "F\x01"}, "payee_name", ("U+0001", "BT-59", "FXE-TEXT")),
    ({"payee_name": "Solutions Logicielles Durand SAS"}, "payee_name", ("other than the seller", "BT-59", "UBL-SR-19")),
    ({"payee_name": "F", "payee_siret": "85214796600018"}, "payee_siret", ("seller's", "BT-60", "BR-17")),
    ({"payee_name": "F", "payee_legal_id": "852147966", "payee_legal_id_scheme": "0002"}, "payee_legal_id",
     ("seller's", "BT-61", "BR-17")),
])
def test_payee_refusals(keys: dict[str, Any], key: str, words: tuple[str, ...]) -> None:
    errors = errors_of({**load("b2b"), **keys})
    assert list(errors) == [key], errors
    assert all(w in " ".join(errors[key]) for w in words), errors


@pytest.mark.parametrize(("party", "change", "key", "words"), [
    ("payer", {"name": None}, "payer.name", ("required", "EXT-FR-FE-43")),
    ("buyer_agent", {"global_id_scheme": None}, "buyer_agent.global_id_scheme", ("EXT-FR-FE-07", "[BR-FR-CO-10_EXT-FR-FE-06-1]")),
    ("seller_agent", {"global_id_scheme": "12"}, "seller_agent.global_id_scheme", ("EXT-FR-FE-70", "BR-CL-10")),
    ("invoicee", {"siret": FACTOR_SIRET}, "invoicee.global_id", ("not both", "EXT-FR-FE-92")),
    ("invoicer", {"siret": "85214796600019"}, "invoicer.siret", ("check digit", "EXT-FR-FE-115", "[BR-FR-09_EXT-FR-FE-115]")),
    ("invoicee", {"global_id": "852147966", "global_id_scheme": "0009"}, "invoicee.global_id",
     ("SIRET", "EXT-FR-FE-92", "[BR-FR-09_EXT-FR-FE-92]")),
    ("invoicer", {"electronic_address": "x", "electronic_address_scheme": "0000"},
     "invoicer.electronic_address_scheme", ("EAS", "EXT-FR-FE-121-1", "BR-CL-25")),
    ("payer", {"electronic_address": None, "electronic_address_scheme": "0225"}, "payer.electronic_address_scheme",
     ("electronic_address",)),
    ("buyer_agent", {"global_id": None}, "buyer_agent.global_id_scheme", ("global_id",)),
    ("seller_agent", {"name": "Agence\x0b"}, "seller_agent.name", ("U+000B", "EXT-FR-FE-66", "FXE-TEXT")),
    ("payer", {"global_id": "\ud800", "global_id_scheme": "0088", "siret": None}, "payer.global_id",
     ("U+D800", "EXT-FR-FE-46", "FXE-TEXT")),
])
def test_french_party_refusals(party: str, change: dict[str, Any], key: str, words: tuple[str, ...]) -> None:
    payload = extended_payload()
    payload[party].update(change)
    errors = errors_of(payload)
    assert list(errors) == [key], errors
    assert all(w in " ".join(errors[key]) for w in words), errors


def test_a_french_party_that_is_not_an_object_is_refused() -> None:
    assert errors_of({**extended_payload(), "payer": "Bellevue"}) == {"payer": ["expected an object, got 'Bellevue'"]}


@pytest.mark.parametrize("target", [None, "cen", "en16931", "xrechnung", "basic"])
def test_a_french_party_for_a_target_that_cannot_carry_it_is_refused_never_dropped(target: str | None) -> None:
    payload = {**load("b2b"), "invoicee": PARTIES["invoicee"]}
    if target is not None:
        payload["specification"] = target
    errors = errors_of(payload)
    assert list(errors) == ["invoicee"], errors
    message = errors["invoicee"][0]
    assert "EXT-FR-FE-BG-04" in message and "set specification to extended-ctc-fr" in message
    assert (f"the specification {target}" if target else "the default target (Factur-X EN 16931)") in message


def test_the_callers_specification_overrides_the_payloads() -> None:
    """``from_payload(spec=)``: what ``generate --spec`` passes; the payload's own ``specification`` otherwise."""
    plain = {**load("b2b"), **copy.deepcopy(PARTIES)}
    assert fx.from_payload(plain, spec="extended-ctc-fr").invoicee == EXPECTED["invoicee"]
    assert list(errors_of(extended_payload(), spec="cen")) == list(RELATED)


def test_an_invalid_specification_is_reported_once_at_its_own_key() -> None:
    errors = errors_of({**extended_payload(), "specification": "extended-ctc"})
    assert list(errors) == ["specification"], errors


def test_every_error_at_once() -> None:
    payload = {**extended_payload(), "specification": "cen", "payee_siret": "1", "payee_identifier_scheme": "0088"}
    payload["payer"].update(siret="2", global_id="3")
    errors = errors_of(payload)
    assert set(errors) == {*RELATED, "payee_name", "payee_siret", "payee_identifier_scheme", "payer.siret",
                           "payer.global_id"}, errors


_JUNK: tuple[Any, ...] = (True, 12, D("1.5"), [], {"a": 1}, "x" * 600, "\x00", " ")
_PARTY_KEYS = ("name", "siret", "global_id", "global_id_scheme", "electronic_address", "electronic_address_scheme")


def test_junk_at_every_key_gives_a_keyed_error_or_a_document_never_a_traceback() -> None:
    cases = [({**load("factoring"), key: junk}, key) for key in PAYEE_KEYS for junk in _JUNK]
    for party in RELATED:
        cases += [(_with(party, key, junk), f"{party}.{key}") for key in _PARTY_KEYS for junk in _JUNK]
    for payload, key in cases:
        try:
            fx.from_payload(payload)
        except fx.PayloadError as exc:
            # at the key, or at another key of the same party (a blank value is absent: its scheme alone is refused)
            party = key.split(".")[0] if "." in key else "payee_"
            assert any(k.startswith(party) for k in exc.errors), (key, exc.errors)


def _with(party: str, key: str, value: Any) -> dict[str, Any]:
    payload = extended_payload()
    payload[party][key] = value
    return payload


# ---------------------------------------------------------------------------- credit notes


def test_a_credit_note_keeps_the_invoices_payee_and_french_parties() -> None:
    invoice = {**extended_payload(), "payee_name": "Azur Affacturage SA", "payee_siret": FACTOR_SIRET}
    cn = fx.from_payload({"credit_note_number": "AV-1", "issue_date": "2026-03-10", "type": "total",
                          "payment_terms": "Remboursement par virement.", "invoice": invoice})  # BR-CO-25
    assert cn.payee is not None and cn.payee.name == "Azur Affacturage SA"
    assert {key: getattr(cn, key) for key in RELATED} == EXPECTED
    back = read_document(fx.to_cii(cn, spec="extended-ctc-fr", strict=True)).document
    assert back.payee == cn.payee and {key: getattr(back, key) for key in RELATED} == EXPECTED
    errors = errors_of({"credit_note_number": "AV-1", "issue_date": "2026-03-10", "invoice": invoice,
                        "payee_name": "Autre Factor", "payer": {"name": "Autre"}, "invoicee": invoice["invoicee"]})
    assert set(errors) == {"payee_name", "payer"}, errors  # the same value as the invoice's is no override
    assert list(errors_of({"credit_note_number": "AV-1", "issue_date": "2026-03-10",
                           "invoice": {**load("b2b"), "payer": PARTIES["payer"]}})) == ["invoice.payer"]


# ---------------------------------------------------------------------------- random parties (Hypothesis)


def _siret(draw: Any) -> str:
    siren: str = draw(st.from_regex(r"[1-9][0-9]{7}", fullmatch=True))
    siren += luhn.calc_check_digit(siren)
    nic = draw(st.from_regex(r"[0-9]{4}", fullmatch=True))
    return f"{siren}{nic}{luhn.calc_check_digit(siren + nic)}"


@st.composite
def _party(draw: Any) -> tuple[dict[str, Any], RelatedParty]:
    name = draw(st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF, exclude_characters="\x7f"),
                        min_size=1, max_size=20).filter(str.strip))
    data: dict[str, Any] = {"name": name}
    global_id = address = None
    kind = draw(st.sampled_from(["none", "siret", "gln"]))
    if kind == "siret":
        data["siret"] = value = _siret(draw)
        global_id = Identifier.siret(value)
    elif kind == "gln":
        value = draw(st.from_regex(r"[0-9]{13}", fullmatch=True))
        data.update(global_id=value, global_id_scheme="0088")
        global_id = Identifier.gln(value)
    if draw(st.booleans()):
        data["electronic_address"] = value = draw(st.from_regex(r"[0-9]{9}(_[a-z]{1,8})?", fullmatch=True))
        scheme = draw(st.sampled_from([None, "0225", "0088"]))
        if scheme:
            data["electronic_address_scheme"] = scheme
        address = Identifier(value=value, scheme=scheme or "0225")
    return data, RelatedParty(name=name.strip(), global_id=global_id, electronic_address=address)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(sorted(RELATED)), _party(), min_size=1))
def test_random_french_parties_are_read_and_come_back_from_the_cii(parties: dict[str, Any]) -> None:
    payload = {**load("b2b"), "specification": "extended-ctc-fr", **{k: v[0] for k, v in parties.items()}}
    doc = fx.from_payload(payload)
    expected = {key: parties[key][1] if key in parties else None for key in RELATED}
    assert {key: getattr(doc, key) for key in RELATED} == expected
    back = read_document(fx.to_cii(doc, spec="extended-ctc-fr", strict=True)).document
    assert {key: getattr(back, key) for key in RELATED} == expected


# ---------------------------------------------------------------------------- the official rules (slow tier)


def _assert_valid(report: Any, what: str) -> None:
    assert report.valid, f"{what}:\n{report}"


def test_factoring_payload_is_valid_cii_and_ubl_under_the_official_and_french_rules() -> None:
    doc = fx.from_payload(load("factoring"))
    cii = fx.to_cii(doc, strict=True)
    _assert_valid(fx.validate(cii, factur_x=True, rules=("fr-ctc",)), "Factur-X EN 16931 CII + fr-ctc")
    ubl = fx.to_ubl(doc, strict=True)
    _assert_valid(fx.validate(ubl, rules=("fr-ctc",)), "UBL + fr-ctc")
    for xml in (cii, ubl):
        back = fx.from_xml(xml)
        assert back.payee == doc.payee and back.payment == doc.payment


def test_extended_ctc_fr_payload_with_the_five_parties_is_valid_and_reads_back_equal() -> None:
    doc = fx.from_payload(extended_payload())
    xml = fx.to_cii(doc, spec="extended-ctc-fr", strict=True)
    report = fx.validate(xml, rules=FRENCH_RULES)
    _assert_valid(report, "CII EXTENDED-CTC-FR")
    result = read_document(xml)
    assert result.findings == (), [str(f) for f in result.findings]
    assert {key: getattr(result.document, key) for key in RELATED} == EXPECTED
    ubl = fx.to_ubl(doc, spec="extended-ctc-fr", strict=True)  # the payer in the payment means' mandate
    _assert_valid(fx.validate(ubl, rules=FRENCH_RULES), "UBL EXTENDED-CTC-FR")
    assert {key: getattr(fx.from_xml(ubl), key) for key in RELATED} == EXPECTED


def test_generate_from_payload_writes_the_factoring_pdf_and_the_french_parties(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from facturx_engine.cli.commands import main

    out = tmp_path / "out.pdf"
    assert main(["generate", str(PAYLOADS / "factoring.json"), "--from", "payload", "-o", str(out)]) == 0, \
        capsys.readouterr().err
    xml, _ = fx.extract(out.read_bytes())
    assert fx.from_xml(xml).payee == fx.from_payload(load("factoring")).payee
    source = tmp_path / "parties.json"
    source.write_text(json.dumps({**load("b2b"), **PARTIES}), encoding="utf-8")  # no specification in the payload
    capsys.readouterr()
    assert main(["generate", str(source), "--from", "payload", "--to", "cii", "-o", str(tmp_path / "x.xml")]) == 2
    answer = json.loads(capsys.readouterr().err)
    assert set(answer["errors"]) == set(RELATED) and not (tmp_path / "x.xml").exists()
    assert main(["generate", str(source), "--from", "payload", "--to", "cii", "--spec", "extended-ctc-fr",
                 "--rules", "fr-ctc", "-o", str(tmp_path / "x.xml")]) == 0, capsys.readouterr().err
    assert {key: getattr(fx.from_xml((tmp_path / "x.xml").read_bytes()), key) for key in RELATED} == EXPECTED
    assert main(["generate", str(source), "--from", "payload", "--to", "cii", "--profile", "extended",
                 "-o", str(tmp_path / "y.xml")]) == 0, capsys.readouterr().err
