"""facturx_engine.io.jsonio: the JSON format, its errors (with JSON paths) and the round trip."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from facturx_engine.errors import CalculationError, InputError, ModelError
from facturx_engine.io.jsonio import dump_document, load_document, main
from facturx_engine.model.records import (
    Address,
    AllowanceCharge,
    Attachment,
    CreditNote,
    Identifier,
    Invoice,
    Line,
    Party,
    Vat,
)

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "invoices" / "fr_b2b.json"


def _data(**changes: Any) -> dict[str, Any]:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    data.pop("expected_totals")
    data.update(changes)
    return data


def _error(data: Any) -> str:
    with pytest.raises((InputError, ModelError)) as info:
        load_document(data)
    return str(info.value)


def test_python_built_invoice_round_trips() -> None:
    seller = Party(name="ACME SAS", vat_id="FR44732829320", legal_id=Identifier.siren("732829320"),
                   address=Address(city="Paris", country="FR"))
    buyer = Party(name="Client", address=Address(country="DE"), vat_id="DE812345673")
    inv = Invoice(number="F-1", issue_date=dt.date(2025, 3, 1), seller=seller, buyer=buyer,
                  lines=[Line(id="1", name="Widget", quantity=Decimal("1E+1"), net_price=Decimal("2.50"),
                              vat=Vat.standard(20),
                              allowances_charges=[AllowanceCharge(base_amount=Decimal("25"), percent=10,
                                                                  reason="Remise")])],
                  attachments=[Attachment(id="A1", content=b"\x00\x01%PDF", mime_code="application/pdf",
                                          filename="a.pdf")])
    dumped = dump_document(inv)
    assert json.loads(json.dumps(dumped)) == dumped  # JSON types only
    assert dumped["lines"][0]["quantity"] == "10" and dumped["attachments"][0]["content"] == "AAElUERG"
    assert load_document(dumped) == inv


def test_document_kind() -> None:
    assert isinstance(load_document(_data(document="credit_note", type_code="381")), CreditNote)
    data = _data(type_code="381")
    del data["document"]
    assert isinstance(load_document(data), CreditNote)  # decided by type_code
    del data["type_code"]
    assert type(load_document(data)) is Invoice
    assert "did you mean 'credit_note'?" in _error(_data(document="creditnote"))
    assert "381 is a credit-note type code" in _error(_data(type_code="381"))  # "document": "invoice"


def test_null_means_absent_for_optional_fields_only() -> None:
    assert load_document(_data(due_date=None)).due_date is None
    assert _error(_data(number=None)) == "number (BT-1): is required (null given) [BR-02]"
    assert _error(_data(currency=None)).startswith("currency (BT-5): must not be null")


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["lines"][0]["vat"].update(rat="20"), "lines[0].vat.rat: unknown field (did you mean 'rate'?)"),
    (lambda d: d.update(lines=[1]), "lines[0]: expected an object, got the number 1"),
    (lambda d: d.update(lines=[]), "lines (BG-25): needs at least 1 item(s) [BR-16]"),
    (lambda d: d["lines"][0].update(quantity="1,5"), 'lines[0].quantity (BT-129): the string "1,5" is not a decimal'),
    (lambda d: d["lines"][0].update(quantity=True), "lines[0].quantity (BT-129): expected a decimal number"),
    (lambda d: d["buyer"].pop("address"), "buyer.address (BG-8): is required [BR-10]"),
    (lambda d: d["buyer"].update(tax_id="X"), "buyer.tax_id: has no business term in this context"),
    (lambda d: d["buyer"]["legal_id"].update(scheme="9999"), "buyer.legal_id.scheme (BT-47-1): unknown code '9999'"),
    (lambda d: d["lines"][0].update(period={"start": "2025-03-01", "end": "2025-02-01"}),
     "lines[0].period.end (BT-135): period end 2025-02-01 is before its start 2025-03-01"),
    (lambda d: d.update(allowances_charges=[{"amount": "1.00", "reason": "x", "vat": {"rate": "0"}}]),
     "allowances_charges[0].vat.rate (BT-96/BT-103): standard rate must be greater than 0"),
    (lambda d: d.update(attachments=[{"id": "A", "content": "***", "mime_code": "text/csv", "filename": "a.csv"}]),
     "attachments[0].content (BT-125): is not valid base64"),
    (lambda d: d.update(expected_totals={"grand_totl": "1"}),
     "expected_totals.grand_totl: unknown field (did you mean 'grand_total'?)"),
])
def test_errors_name_the_json_path(change: Any, message: str) -> None:
    data = _data()
    change(data)
    assert message in _error(data)


def test_json_text_errors() -> None:
    assert _error(b'{"number": "A", "number": "B"}') == "number: given twice in the same object"
    assert _error(b"\xff{").startswith("the JSON input is not UTF-8 text")
    assert _error('{"paid_amount": 1e3}') == "number (BT-1): is required [BR-02]"
    text = json.dumps(_data()).replace('"net_price": "650.00"', '"net_price": 1e3')
    assert "1e3 is a JSON number" in _error(text)
    assert _error("[1]") == "the JSON document must be an object, got an array"
    assert load_document(b"\xef\xbb\xbf" + json.dumps(_data()).encode()).number == "FA-2025-0142"  # BOM


def test_expected_totals() -> None:
    with pytest.raises(CalculationError) as info:
        load_document(_data(expected_totals={"due": "1.00"}))
    assert info.value.rule == "BR-CO-16" and info.value.field == "expected_totals.due"
    assert (info.value.stated, info.value.computed) == (Decimal("1.00"), Decimal("11123.64"))
    assert load_document(_data(expected_totals={"BT-112": "11123.64", "line_total": "9269.70"})).number


def test_schema_command_writes_the_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "schema.json"
    assert main(["--schema", str(target)]) == 0
    assert json.loads(target.read_text(encoding="utf-8"))["$schema"].endswith("2020-12/schema")
    assert main(["--schema", "-"]) == 0
    assert '"additionalProperties": false' in capsys.readouterr().out


def test_a_line_periods_errors_name_the_line_period_rules_read_or_loaded() -> None:
    """One record (Period), two contexts: an invoicing period breaks BR-29 / BR-CO-19 (BT-73/74, BG-14), a line's
    period BR-30 / BR-CO-20 (BT-134/135, BG-26), whether loaded from JSON or read from CII and UBL."""
    from facturx_engine.syntax.cii import to_cii
    from facturx_engine.syntax.read import read_document
    from facturx_engine.syntax.ubl import to_ubl

    data = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "invoices" / "fr_b2b.json").read_text())
    cases = [({"start": "2026-03-02", "end": "2026-03-01"}, "lines[0].period.end", "BT-135", "BR-30"),
             ({}, "lines[0].period", "BG-26", "BR-CO-20")]
    def first_line(period: dict[str, str]) -> dict[str, Any]:
        return {**data, "lines": [{**data["lines"][0], "period": period}, *data["lines"][1:]]}

    for period, field, term, rule in cases:
        with pytest.raises(ModelError) as refused:
            load_document(json.dumps(first_line(period)))
        assert (refused.value.field, refused.value.bt, refused.value.rule) == (field, term, rule)
    with pytest.raises(ModelError) as refused:
        load_document(json.dumps({**data, "invoicing_period": {"start": "2026-03-02", "end": "2026-03-01"}}))
    assert (refused.value.field, refused.value.bt, refused.value.rule) == ("invoicing_period.end", "BT-74", "BR-29")
    doc = load_document(json.dumps(first_line({"start": "2026-03-01", "end": "2026-03-02"})))
    for xml in (to_cii(doc), to_ubl(doc)):
        broken = xml.replace(b"20260302", b"20260228").replace(b"2026-03-02", b"2026-02-28")
        found = [(f.rule, f.bt, f.location) for f in read_document(broken).findings if f.rule.startswith("BR-")]
        assert found == [("BR-30", "BT-135", "lines[0].period.end")], found
