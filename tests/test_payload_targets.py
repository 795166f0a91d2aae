"""What a payload's payee and French parties are judged against, and the official ids of their refusals.

* a credit-note payload without its own ``specification`` / ``output_format`` takes the credited invoice's: the
  command line and the distributed ``generate`` write it for the target its parties were checked against;
* the payee or a French party a payload states that the written document cannot carry (the payer in a UBL without
  payment means, the payee in Factur-X MINIMUM) is refused at its payload key, exit 2, never written with a notice;
* ``from_payload(spec=)`` takes any spelling the engine accepts; an unknown name is an unknown specification;
* every refusal names its business term and, where one exists, the official rule id (BR-FR-09_..., BR-FR-CO-10_...,
  BR-FR-23_..., BR-FR-08_BT-23);
* e-reporting reads a payload with French parties (it writes no parties: no target's carry check);
* a 0225 electronic address is checked as the official BR-FR-23 checks it; the oracle (slow tier) is the installed
  French CTC Schematron, on values it accepts and refuses.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import facturx_engine as fx
from facturx_engine import ruleids as R
from facturx_engine.cli.commands import main
from facturx_engine.io.payload import output_format, specification
from facturx_engine.io.payload.roles import RELATED
from facturx_engine.model.records import Identifier
from test_payload_parties import EXPECTED, FACTOR_SIRET, PARTIES, errors_of, extended_payload, load


def _credit_note(invoice: dict[str, Any], **own: Any) -> dict[str, Any]:
    return {"credit_note_number": "AV-1", "issue_date": "2026-03-10", "type": "total",
            "payment_terms": "Remboursement par virement.", "invoice": invoice, **own}


def _generate(tmp_path: Path, capsys: pytest.CaptureFixture[str], payload: Any, *extra: str) -> tuple[int, str, Path]:
    src, out = tmp_path / "in.json", tmp_path / "out.xml"
    src.write_text(json.dumps(payload, ensure_ascii=False, default=str), encoding="utf-8")
    capsys.readouterr()
    code = main(["generate", str(src), "--from", "payload", "-o", str(out), *extra])
    return code, capsys.readouterr().err, out


def _refused(code: int, err: str, out: Path) -> dict[str, list[str]]:
    assert code == 2 and "Traceback" not in err and not out.exists(), err
    answer = json.loads(err)
    assert answer["code"] == "validation_failed"
    errors: dict[str, list[str]] = answer["errors"]
    return errors


def _rule(message: str) -> str | None:
    found = re.search(r"\[([^\]]+)\]$", message)
    return found.group(1) if found else None


def _payer_only() -> dict[str, Any]:
    """An EXTENDED-CTC-FR invoice whose only French party is the payer, without payment means."""
    payload = {**load("b2b"), "specification": "extended-ctc-fr", "payer": copy.deepcopy(PARTIES["payer"])}
    for key in ("payment_method", "bank_details", "paid_by_card"):
        payload.pop(key, None)
    return payload


# ---------------------------------------------------------------------------- B1: a credit note's target


def test_a_credit_note_without_its_own_specification_and_format_takes_the_credited_invoices() -> None:
    invoice = {**extended_payload(), "output_format": "ubl"}
    assert specification(_credit_note(invoice)) == "extended-ctc-fr"
    assert output_format(_credit_note(invoice)) == "ubl"
    own = _credit_note(invoice, specification="extended", output_format="cii")
    assert (specification(own), output_format(own)) == ("extended", "cii")
    assert specification(_credit_note(load("b2b"))) is None  # neither states one: the default target
    assert specification(extended_payload()) == "extended-ctc-fr"  # an invoice: its own, as before
    # the credit note's own target is the one its parties are checked against
    refused = errors_of(_credit_note(extended_payload(), specification="en16931"))
    assert set(refused) == {f"invoice.{k}" for k in RELATED}, refused
    with pytest.raises(fx.PayloadError) as info:
        specification(_credit_note({**load("b2b"), "specification": "nope"}))
    assert list(info.value.errors) == ["invoice.specification"]


def test_generate_writes_a_credit_note_for_the_credited_invoices_specification(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The review's repro: the parties were accepted for the invoice's EXTENDED-CTC-FR, then left out of an
    EN 16931 credit note with a mere notice (exit 0)."""
    code, err, out = _generate(tmp_path, capsys, _credit_note(extended_payload()), "--to", "cii")
    assert code == 0 and "notice" not in err, err
    back = fx.from_xml(out.read_bytes())
    assert back.is_credit_note and {key: getattr(back, key) for key in RELATED} == EXPECTED
    assert b"urn.cpro.gouv.fr:1p0:extended-ctc-fr" in out.read_bytes()


def test_dist_generate_writes_a_credit_note_for_the_credited_invoices_specification() -> None:
    from facturx_engine.apps.dist.job import Job
    from facturx_engine.apps.dist.produce import generate_one

    data = json.dumps(_credit_note(extended_payload()), ensure_ascii=False).encode()
    result, written = generate_one(Job(task="generate", out="unused", run="r", payload=True, to="cii"), "cn.json", data)
    assert written is not None and result.valid, result.findings
    assert {key: getattr(fx.from_xml(written), key) for key in RELATED} == EXPECTED


# ---------------------------------------------------------------------------- B2: stated, not carried: refused


def test_a_payer_ubl_cannot_carry_is_refused_at_its_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    errors = _refused(*_generate(tmp_path, capsys, _payer_only(), "--to", "ubl"))
    assert list(errors) == ["payer"], errors
    (message,) = errors["payer"]
    assert "EXT-FR-FE-43" in message and "payment means" in message and "(EXT-FR-FE-BG-02)" in message
    # a credit note: the payer is the credited invoice's, refused where the payload states it
    errors = _refused(*_generate(tmp_path, capsys, _credit_note(_payer_only()), "--to", "ubl"))
    assert list(errors) == ["invoice.payer"], errors
    # --strict changes nothing for what the payload states
    assert list(_refused(*_generate(tmp_path, capsys, _payer_only(), "--to", "ubl", "--strict"))) == ["payer"]


def test_a_payee_the_profile_cannot_carry_is_refused_at_its_keys(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    errors = _refused(*_generate(tmp_path, capsys, load("factoring"), "--to", "cii", "--profile", "minimum"))
    assert set(errors) == {"payee_name", "payee_siret"}, errors
    assert "BT-59" in errors["payee_name"][0] and "MINIMUM" in errors["payee_name"][0]
    assert all(t in errors["payee_siret"][0] for t in ("BT-60", "BT-61")), errors


def test_dist_generate_refuses_a_payer_ubl_cannot_carry() -> None:
    from facturx_engine.apps.dist.job import Job
    from facturx_engine.apps.dist.produce import generate_one

    data = json.dumps(_payer_only(), ensure_ascii=False).encode()
    result, written = generate_one(Job(task="generate", out="unused", run="r", payload=True, to="ubl"), "p.json", data)
    assert written is None and not result.valid
    assert any(f.rule == "FXE-ERROR" and "(payer)" in f.message for f in result.findings), result.findings


def test_the_refusal_names_only_what_the_payload_states() -> None:
    from facturx_engine.io.payload import refuse_lost

    refuse_lost(load("b2b"), ("EXT-FR-FE-43", "BT-59", "BG-25"), "UBL 2.1")  # states neither: nothing to refuse
    with pytest.raises(fx.PayloadError) as info:
        refuse_lost({**load("factoring"), "payee_legal_id": "412345670", "payee_legal_id_scheme": "0002"},
                    ("BT-59", "BT-61", "BT-61-1", "BT-60", "BT-60-1"), "CII Factur-X MINIMUM")
    errors = info.value.errors
    assert set(errors) == {"payee_name", "payee_siret", "payee_legal_id", "payee_legal_id_scheme"}, errors


# ---------------------------------------------------------------------------- B4: the caller's spec, any spelling


@pytest.mark.parametrize("name", ["EXTENDED", "Extended-CTC-FR", " extended-ctc-fr "])
def test_the_callers_specification_in_any_spelling(name: str) -> None:
    plain = {**load("b2b"), **copy.deepcopy(PARTIES)}
    assert fx.from_payload(plain, spec=name).payer == EXPECTED["payer"]


def test_an_unknown_callers_specification_is_unknown_not_a_carry_refusal() -> None:
    with pytest.raises(fx.ProfileError, match="unknown target specification 'extended-ctc'"):
        fx.from_payload(extended_payload(), spec="extended-ctc")


# ---------------------------------------------------------------------------- B5, N2: official ids, terms named


@pytest.mark.parametrize(("keys", "key", "term", "rule"), [
    ({"payee_siret": "41234567000018"}, "payee_siret", "BT-60", R.BR_FR_09_BT_60),
    ({"payee_identifier": "41234567000018", "payee_identifier_scheme": "0009"}, "payee_identifier", "BT-60",
     R.BR_FR_09_BT_60),
    ({"payee_identifier": "3012345000019"}, "payee_identifier_scheme", "BT-60-1", R.BR_FR_CO_10_BT_60_1),
    ({"payee_siret": FACTOR_SIRET, "payee_legal_id": "852147966", "payee_legal_id_scheme": "0002"}, "payee_legal_id",
     "BT-61", R.BR_FR_09_BT_60),
    ({"payee_legal_id": "41234567000018", "payee_legal_id_scheme": "0009"}, "payee_legal_id", "BT-61", None),
    ({"payee_identifier_scheme": "0088"}, "payee_identifier_scheme", "BT-60-1", None),
    ({"payee_legal_id_scheme": "0002"}, "payee_legal_id_scheme", "BT-61-1", None),
])
def test_payee_refusals_name_the_term_and_the_official_rule(keys: dict[str, Any], key: str, term: str,
                                                             rule: str | None) -> None:
    errors = errors_of({**load("b2b"), "payee_name": "F", **keys})
    assert list(errors) == [key], errors
    (message,) = errors[key]
    assert f"({term})" in message and _rule(message) == rule, message


_PARTY_RULES = {  # party: its SIRET rule, its global id scheme's rule, its electronic address's rule
    "buyer_agent": (R.BR_FR_09_EXT_FR_FE_06, R.BR_FR_CO_10_EXT_FR_FE_06_1, R.BR_FR_23_EXT_FR_FE_12),
    "payer": (R.BR_FR_09_EXT_FR_FE_46, R.BR_FR_CO_10_EXT_FR_FE_46_1, R.BR_FR_23_EXT_FR_FE_52),
    "seller_agent": (R.BR_FR_09_EXT_FR_FE_69, R.BR_FR_CO_10_EXT_FR_FE_69_1, R.BR_FR_23_EXT_FR_FE_75),
    "invoicee": (R.BR_FR_09_EXT_FR_FE_92, R.BR_FR_CO_10_EXT_FR_FE_92_1, R.BR_FR_23_EXT_FR_FE_98),
    "invoicer": (R.BR_FR_09_EXT_FR_FE_115, R.BR_FR_CO_10_EXT_FR_FE_115_1, R.BR_FR_23_EXT_FR_FE_121),
}


@pytest.mark.parametrize("party", sorted(RELATED))
def test_french_party_refusals_name_the_term_and_the_official_rule(party: str) -> None:
    group, _, gid_t, scheme_t, address_t, _ = RELATED[party]
    siret_rule, scheme_rule, address_rule = _PARTY_RULES[party]
    cases = [  # the party's keys, the key refused, its term, its rule
        ({"siret": "85214796600019"}, "siret", gid_t, siret_rule),
        ({"global_id": "852147966", "global_id_scheme": "0009"}, "global_id", gid_t, siret_rule),
        ({"global_id": "3012345000019"}, "global_id_scheme", scheme_t, scheme_rule),
        ({"global_id_scheme": "0088"}, "global_id_scheme", scheme_t, None),
        ({"siret": FACTOR_SIRET, "global_id": "3012345000019", "global_id_scheme": "0088"}, "global_id", gid_t, None),
        ({"electronic_address_scheme": "0225"}, "electronic_address_scheme", f"{address_t}-1", None),
        ({"electronic_address": "not a siren!"}, "electronic_address", address_t, address_rule),
    ]
    for keys, key, term, rule in cases:
        errors = errors_of({**load("b2b"), "specification": "extended-ctc-fr", party: {"name": "P", **keys}})
        assert list(errors) == [f"{party}.{key}"], (keys, errors)
        (message,) = errors[f"{party}.{key}"]
        assert f"({term})" in message and _rule(message) == rule, message
    errors = errors_of(_credit_note(extended_payload(), **{party: {"name": "Autre"}}))
    assert list(errors) == [party] and f"({group})" in errors[party][0], errors


def test_an_overridden_payee_key_names_its_term() -> None:
    invoice = {**extended_payload(), "payee_name": "Azur Affacturage SA", "payee_siret": FACTOR_SIRET}
    errors = errors_of(_credit_note(invoice, payee_name="Autre", payee_siret="85214796600018"))
    assert "(BT-59)" in errors["payee_name"][0] and "(BT-60)" in errors["payee_siret"][0], errors


def test_a_billing_framework_refusal_names_the_official_rule() -> None:
    (message,) = errors_of({**load("b2b"), "billing_framework": "X1"})["billing_framework"]
    assert _rule(message) == R.BR_FR_08_BT_23, message


# ---------------------------------------------------------------------------- R1: e-reporting reads, never writes


def test_e_reporting_reads_a_payload_with_french_parties_and_no_specification() -> None:
    from facturx_engine.apps.ereport import read_document_file

    plain = {**load("b2b"), **copy.deepcopy(PARTIES)}
    assert set(errors_of(plain)) == set(RELATED)  # to be written for the default target: refused
    doc = read_document_file(json.dumps(plain, ensure_ascii=False).encode())
    assert {key: getattr(doc, key) for key in RELATED} == EXPECTED
    cn = read_document_file(json.dumps(_credit_note(plain), ensure_ascii=False).encode())
    assert cn.is_credit_note and {key: getattr(cn, key) for key in RELATED} == EXPECTED
    with pytest.raises(fx.PayloadError):  # what cannot be read is still refused
        read_document_file(json.dumps({**plain, "payer": {"name": "P", "siret": "1"}}).encode())


# ---------------------------------------------------------------------------- R2: BR-FR-23 (0225 addresses)

_ACCEPTED = ("412345670", "301234500_achats", "a.b-c_d+e", "X", "852147966-FACT.2026")
_REFUSED = ("not a siren!", "a b", "é123", "a@b.fr", "a/b", "a,b", "١٢٣", "a:b")


@pytest.mark.parametrize("value", _ACCEPTED + _REFUSED)
def test_every_0225_address_the_payload_builds_is_checked_as_br_fr_23(value: str) -> None:
    refused = value in _REFUSED
    for where, payload in (("seller_electronic_address", {**load("b2b"), "seller_electronic_address": value}),
                           ("buyer_electronic_address", {**load("b2b"), "buyer_electronic_address": value}),
                           ("payer.electronic_address", {**_payer_only(), "payer": {"name": "P",
                                                                                   "electronic_address": value}})):
        if not refused:
            fx.from_payload(payload)
            continue
        errors = errors_of(payload)
        assert list(errors) == [where], errors
        assert _rule(errors[where][0]) == {"seller_electronic_address": R.BR_FR_23_BT_34,
                                           "buyer_electronic_address": R.BR_FR_23_BT_49}.get(where,
                                                                                            R.BR_FR_23_EXT_FR_FE_52)
    # another scheme is not BR-FR-23's: an e-mail address under EM is read
    fx.from_payload({**_payer_only(), "payer": {"name": "P", "electronic_address": "a@b.fr",
                                                 "electronic_address_scheme": "EM"}})


def test_br_fr_23_check_equals_the_official_rule() -> None:
    """Each value written as the 0225 address of the seller, the buyer and the five French parties of one
    EXTENDED-CTC-FR document: the French CTC Schematron reports BR-FR-23 for exactly the values the payload
    refuses, at each of the seven terms."""
    base = fx.from_payload(extended_payload())
    ids = {"seller": R.BR_FR_23_BT_34, "buyer": R.BR_FR_23_BT_49,
           **{key: rules[2] for key, rules in _PARTY_RULES.items()}}
    for value in _ACCEPTED + _REFUSED:
        address = Identifier(value=value, scheme="0225")
        doc = replace(base, seller=replace(base.seller, electronic_address=address),
                      buyer=replace(base.buyer, electronic_address=address),
                      **{key: replace(getattr(base, key), electronic_address=address) for key in RELATED})
        report = fx.validate(fx.to_cii(doc, spec="extended-ctc-fr"), rules=("fr-ctc",))
        official = {f.rule for f in report.findings if f.rule.startswith("BR-FR-23")}
        try:
            fx.from_payload({**load("b2b"), "seller_electronic_address": value})
            engine_refuses = False
        except fx.PayloadError:
            engine_refuses = True
        assert official == (set(ids.values()) if engine_refuses else set()), (value, official)
        assert engine_refuses == (value in _REFUSED), value
