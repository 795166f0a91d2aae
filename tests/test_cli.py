"""``facturx-engine generate``: exit codes, one-line messages naming the field, no output on failure.

Exit codes: 0 written, 1 the generated XML is invalid, 2 bad input or usage, 3 internal error.
"""

from __future__ import annotations

import importlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from facturx_engine.cli import commands as cli
from facturx_engine.findings import Finding
from facturx_engine.validation.findings import Report

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "invoices"


def _fixture(name: str = "fr_b2b") -> dict[str, Any]:
    data = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    data.pop("$schema", None)
    data.pop("expected_totals", None)
    return data


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], data: Any, *extra: str,
         to: str = "cii") -> tuple[int, str, str, Path]:
    src = tmp_path / "in.json"
    src.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.xml"
    code = cli.main(["generate", str(src), "--to", to, "-o", str(out), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err, out


def _assert_refused(result: tuple[int, str, str, Path], *fragments: str, code: int = 2) -> str:
    exit_code, out, err, path = result
    assert exit_code == code, err
    assert not path.exists(), "no output file on failure"
    assert [p.name for p in path.parent.iterdir()] == ["in.json"], "no temporary file left behind"
    assert "Traceback" not in err and out == ""
    for fragment in fragments:
        assert fragment in err, err
    return err


def _mutate(change: Callable[[dict[str, Any]], Any], name: str = "fr_b2b") -> dict[str, Any]:
    data = _fixture(name)
    change(data)
    return data


# ---------------------------------------------------------------------------- exit 2: bad input


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.xml"
    code = cli.main(["generate", str(tmp_path / "nope.json"), "--to", "cii", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert err.startswith("error: cannot read ") and "nope.json" in err and "No such file" in err
    assert err.count("\n") == 1


def test_invalid_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _assert_refused(_run(tmp_path, capsys, '{"number": "F-1",\n  "issue_date": }'), "error: invalid JSON")
    assert "line 2" in err


def test_float_amount_must_be_quoted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = json.dumps(_fixture(), ensure_ascii=False).replace('"net_price": "650.00"', '"net_price": 650.50')
    _assert_refused(_run(tmp_path, capsys, text), "error: lines[0].net_price (BT-146): 650.50 is a JSON number",
                    'write it as a string, "650.50"')


def test_unknown_field_suggests_the_right_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _mutate(lambda d: d["lines"][2]["vat"].update(rat=d["lines"][2]["vat"].pop("rate")))
    err = _assert_refused(_run(tmp_path, capsys, data),
                          "error: lines[2].vat.rat: unknown field (did you mean 'rate'?)")
    assert err.count("\n") == 1


def test_unknown_currency(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _assert_refused(_run(tmp_path, capsys, _mutate(lambda d: d.update(currency="EUX"))),
                    "error: currency (BT-5): unknown code 'EUX'", "[BR-CL-04]")


def test_unknown_country(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _mutate(lambda d: d["buyer"]["address"].update(country="FX"))
    _assert_refused(_run(tmp_path, capsys, data), "error: buyer.address.country (BT-55): unknown code 'FX'",
                    "[BR-CL-14]")


def test_unknown_unit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _mutate(lambda d: d["lines"][1].update(unit="PIECE"))
    _assert_refused(_run(tmp_path, capsys, data), "error: lines[1].unit (BT-130): unknown code 'PIECE'",
                    "[BR-CL-23]")


def test_unknown_vat_category(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _mutate(lambda d: d["lines"][0]["vat"].update(category="X"))
    _assert_refused(_run(tmp_path, capsys, data), "error: lines[0].vat.category (BT-151): unknown VAT category 'X'",
                    "[BR-CL-18]")


def test_standard_rate_zero_names_field_term_and_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _mutate(lambda d: d["lines"][0]["vat"].update(rate="0"))
    err = _assert_refused(_run(tmp_path, capsys, data))
    assert err == "error: lines[0].vat.rate (BT-152): standard rate must be greater than 0, got 0 [BR-S-05]\n"


def test_impossible_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _assert_refused(_run(tmp_path, capsys, _mutate(lambda d: d.update(issue_date="2025-02-30"))),
                    "error: issue_date (BT-2): '2025-02-30' is not a valid date", "day is out of range")


def test_date_in_another_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _assert_refused(_run(tmp_path, capsys, _mutate(lambda d: d.update(due_date="13/04/2025"))),
                    "error: due_date (BT-9): expected a date as \"YYYY-MM-DD\"")


def test_negative_quantity_on_credit_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _mutate(lambda d: d["lines"][0].update(quantity="-2"), name="credit_note_381")
    _assert_refused(_run(tmp_path, capsys, data), "error: lines[0].quantity (BT-129):", "negative quantity")


def test_exemption_reason_on_standard_rate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _mutate(lambda d: d["lines"][1]["vat"].update(exemption_reason="Exonéré"))
    _assert_refused(_run(tmp_path, capsys, data), "error: lines[1].vat.exemption_reason",
                    "category S must not carry an exemption reason", "[BR-S-10]")


def test_missing_seller(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _assert_refused(_run(tmp_path, capsys, _mutate(lambda d: d.pop("seller"))))
    assert err == "error: seller (BG-4): is required [BR-06]\n"


def test_missing_buyer_name_uses_the_buyer_term(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _assert_refused(_run(tmp_path, capsys, _mutate(lambda d: d["buyer"].pop("name"))),
                    "error: buyer.name (BT-44): is required [BR-07]")


def test_wrong_json_type(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _assert_refused(_run(tmp_path, capsys, _mutate(lambda d: d.update(type_code=380))),
                    "error: type_code (BT-3): expected a string, got the number 380 (write \"380\")")


def test_model_error_inside_a_record_gets_its_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _mutate(lambda d: d["payment"].update(credit_transfers=[]))
    _assert_refused(_run(tmp_path, capsys, data), "error: payment.credit_transfers (BT-84):", "[BR-61]")


def test_expected_total_mismatch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _mutate(lambda d: d.update(expected_totals={"BT-112": "11123.46"}))
    _assert_refused(_run(tmp_path, capsys, data), "expected_totals.BT-112", "[BR-CO-15]", "11123.46", "11123.64")


def test_expected_total_by_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _mutate(lambda d: d.update(expected_totals={"tax_total": "1853.95"}))
    _assert_refused(_run(tmp_path, capsys, data), "expected_totals.tax_total (BT-110)", "[BR-CO-14]", "1853.95",
                    "1853.94")


def test_strict_refuses_what_the_profile_cannot_carry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _assert_refused(_run(tmp_path, capsys, _fixture(), "--profile", "basic", "--strict"),
                    "error: Factur-X profile BASIC cannot carry:", "BT-154", "--strict")


def test_profile_is_for_cii_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _assert_refused(_run(tmp_path, capsys, _fixture(), "--profile", "basic", to="ubl"),
                    "error: --profile basic is a Factur-X (CII) profile")


def test_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _assert_refused(_run(tmp_path, capsys, _fixture(), to="xml"), "error: argument --to: invalid choice: 'xml'")
    assert err.count("\n") == 1
    assert cli.main([]) == 2
    assert "a command is required" in capsys.readouterr().err


def test_output_directory_is_created_on_success(tmp_path: Path) -> None:
    src = tmp_path / "in.json"
    src.write_text(json.dumps(_fixture()), encoding="utf-8")
    out = tmp_path / "new" / "dir" / "out.xml"
    assert cli.main(["generate", str(src), "--to", "cii", "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"<?xml")


def test_unwritable_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.json"
    src.write_text(json.dumps(_fixture()), encoding="utf-8")
    (tmp_path / "afile").write_text("x")
    code = cli.main(["generate", str(src), "--to", "cii", "-o", str(tmp_path / "afile" / "out.xml")])
    assert code == 2
    assert "error: cannot write " in capsys.readouterr().err


# ---------------------------------------------------------------------------- exit 1: invalid XML


def test_invalid_output_real_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The model accepts an invoice without due date nor payment terms; the EXTENDED Schematron
    still applies BR-CO-25 (CEN 1.3.16 dropped it, Factur-X EXTENDED did not)."""
    data = _mutate(lambda d: [d.pop("due_date"), d.pop("payment_terms")])
    err = _assert_refused(_run(tmp_path, capsys, data, "--profile", "extended"), code=1)
    assert "is invalid (1 fatal finding)" in err and "out.xml not written" in err
    assert "fatal BR-CO-25 at /CrossIndustryInvoice:" in err and "namespace-uri" not in err


def test_invalid_output_keeps_the_previous_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    failing = Report(syntax="CII", document="CrossIndustryInvoice", profile="EN 16931", guideline=None,
                     findings=(Finding(rule="BR-CO-15", severity="fatal",
                                       location="/*:CrossIndustryInvoice[namespace-uri()='urn:x'][1]"
                                                "/*:SupplyChainTradeTransaction[namespace-uri()='urn:x'][1]",
                                       message="[BR-CO-15]-Invoice total amount with VAT\n   is wrong."),
                               Finding(rule="BR-X", severity="warning", location="/", message="only a warning")),
                     artefacts=())
    monkeypatch.setattr(cli, "validate", lambda xml, **_: failing)
    out = tmp_path / "out.xml"
    out.write_bytes(b"previous")
    src = tmp_path / "in.json"
    src.write_text(json.dumps(_fixture()), encoding="utf-8")
    code = cli.main(["generate", str(src), "--to", "ubl", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json", "out.xml"]
    assert "error: the generated UBL 2.1 Invoice (EN 16931) is invalid (1 fatal finding)" in err
    assert ("  fatal BR-CO-15 at /CrossIndustryInvoice/SupplyChainTradeTransaction: "
            "[BR-CO-15]-Invoice total amount with VAT is wrong.") in err
    assert "only a warning" not in err


# ---------------------------------------------------------------------------- exit 0 and 3


def test_success_summary_and_profile_notice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err, path = _run(tmp_path, capsys, _fixture(), "--profile", "basic")
    assert code == 0 and path.read_bytes().startswith(b"<?xml")
    assert out.count("\n") == 1
    assert out.startswith(f"wrote {path}: CII Factur-X BASIC, invoice FA-2025-0142 (type 380), ")
    assert "BT-112 11123.64 EUR, BT-115 11123.64 EUR, valid" in out
    assert "notice: Factur-X profile BASIC cannot carry:" in err and "BT-154" in err


def test_stdin_and_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    raw = json.dumps(_fixture("credit_note_381")).encode()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(raw)))
    stdout = io.TextIOWrapper(io.BytesIO())
    monkeypatch.setattr("sys.stdout", stdout)
    assert cli.main(["generate", "-", "--to", "ubl", "-o", "-"]) == 0
    stdout.flush()
    assert b"<CreditNote " in stdout.buffer.getvalue()  # type: ignore[attr-defined]
    assert "wrote (stdout): UBL 2.1 CreditNote" in capsys.readouterr().err


def test_internal_error_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(_data: Any) -> Any:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(cli, "load_document", boom)
    err = _assert_refused(_run(tmp_path, capsys, _fixture()), code=3)
    assert err == "internal error: RuntimeError: unexpected (please report this)\n"


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["generate", "--help"]) == 0
    assert "--strict" in capsys.readouterr().out


def test_facturx_validates_the_xml_once(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """generate --to facturx validates the CII itself; embed must not run the XSD and Schematron again."""
    validation = importlib.import_module("facturx_engine.validation.core")  # the package exports a function of that name
    calls: list[bytes] = []
    real = validation.validate

    def counting(xml: bytes, **kwargs: Any) -> Report:
        calls.append(xml)
        return real(xml, **kwargs)

    monkeypatch.setattr(cli, "validate", counting)
    monkeypatch.setattr(validation, "validate", counting)
    code, _, err, out = _run(tmp_path, capsys, _fixture(), to="facturx")
    assert code == 0, err
    assert out.read_bytes().startswith(b"%PDF-1.7") and len(calls) == 1
