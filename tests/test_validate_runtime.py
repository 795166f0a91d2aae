"""validate() at run time: the input size cap it shares with reading, Saxon's own stderr output
captured and summarised as a finding (never printed raw), the XSD findings kept whenever the
Schematron cannot run, and the XSD-only mode."""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path

import pytest

from facturx_engine import ParseError, load_document, to_cii, validate

from facturx_engine.syntax import limits as _limits

from facturx_engine.syntax import parse as _parse

from facturx_engine.apps import batch

ROOT = Path(__file__).resolve().parents[1]
V = importlib.import_module("facturx_engine.validation.schematron")
CORE = importlib.import_module("facturx_engine.validation.core")  # the package exports a function of that name


@pytest.fixture(scope="module")
def cii() -> bytes:
    return to_cii(load_document((ROOT / "fixtures" / "invoices" / "fr_b2b.json").read_bytes()))


# ---------------------------------------------------------------------------- size cap


def test_one_size_cap_for_reading_and_validating() -> None:
    assert _parse.MAX_XML_BYTES is _limits.MAX_XML_BYTES == 64 * 1024 * 1024
    too_big = b" " * (_limits.MAX_XML_BYTES + 1)
    with pytest.raises(ParseError, match=r"too large \(67108865 bytes; at most 67108864"):
        validate(too_big)
    with pytest.raises(ParseError, match="too large"):
        _parse.parse_xml(too_big)


def test_the_cap_is_a_keyword(cii: bytes) -> None:
    with pytest.raises(ParseError, match=f"too large \\({len(cii)} bytes; at most 1000 are accepted"):
        validate(cii, max_bytes=1000)
    assert validate(cii, max_bytes=len(cii), factur_x=True).valid


def test_a_batch_file_beyond_the_cap_is_its_finding(tmp_path: Path, cii: bytes) -> None:
    (tmp_path / "big.xml").write_bytes(cii)
    (tmp_path / "small.xml").write_bytes(b"<x/>")
    big, small = batch.check_files([str(tmp_path / "big.xml"), str(tmp_path / "small.xml")], jobs=1,
                                   max_bytes=100, isolate=False)
    assert big.io_error and [(f.rule, f.severity) for f in big.findings] == [("FXE-SIZE", "fatal")]
    assert [f.rule for f in small.findings] == ["FXE-PARSE"] and not small.io_error


@pytest.mark.parametrize(("text", "value"), [("1", 1), ("500k", 512000), ("64M", 64 * 1024**2), ("2GiB", 2 * 1024**3),
                                              ("1 MB", 1024**2), ("1T", 1024**4)])
def test_size_option_values(text: str, value: int) -> None:
    assert _limits.parse_size(text) == value


@pytest.mark.parametrize("text", ["0", "", "-1", "1.5M", "12X", "2T", "9" * 5000])
def test_size_option_refusals(text: str) -> None:
    with pytest.raises(ValueError):
        _limits.parse_size(text)


# ---------------------------------------------------------------------------- Saxon's stderr


def _unevaluable(cii: bytes) -> str:
    """Text the Schematron raises on (validate() itself never runs it on such values)."""
    return re.sub(r"<ram:LineTotalAmount>[^<]*<", "<ram:LineTotalAmount>12,50<", cii.decode(), count=1)


def test_saxon_trace_is_captured_not_printed(cii: bytes, capfd: pytest.CaptureFixture[str]) -> None:
    capfd.readouterr()
    [finding] = V.run_schematron(_unevaluable(cii), "facturx-en16931", "facturx-en16931")
    out, err = capfd.readouterr()
    assert finding.rule == "SCHEMATRON-ERROR" and "Cannot convert string" in finding.message
    assert err == "" and out == ""  # Saxon printed a Java-style trace on fd 2: captured


def test_other_saxon_output_becomes_a_warning_and_other_lines_pass(cii: bytes, capfd: pytest.CaptureFixture[str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    real = V._transform

    def chatty(key: str, text: str, stock: bool) -> str:
        os.write(2, b"Warning at line 3 of x.xslt:\n  SXWN9000  something Saxon says\n")
        os.write(2, b"a line of another thread\n")
        os.write(2, b"  In template rule ...\n")
        return str(real(key, text, stock))

    monkeypatch.setattr(V, "_transform", chatty)
    capfd.readouterr()
    report = validate(cii, factur_x=True)
    _, err = capfd.readouterr()
    [said] = [f for f in report.findings if f.rule == "FXE-SAXON"]
    assert said.severity == "warning" and report.valid
    assert "Warning at line 3 of x.xslt: SXWN9000 something Saxon says" in said.message
    assert err == "a line of another thread\n"


def test_xsd_findings_are_kept_when_the_schematron_cannot_run(cii: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    bogus = cii.replace(b"</rsm:CrossIndustryInvoice>", b"<rsm:Bogus/></rsm:CrossIndustryInvoice>")

    def boom(key: str, text: str, stock: bool) -> str:
        raise V.PySaxonApiError("FORG0001 boom")

    monkeypatch.setattr(V, "_transform", boom)
    report = validate(bogus, factur_x=True)
    assert [f.rule for f in report.findings] == ["XSD", "SCHEMATRON-ERROR"]
    monkeypatch.setattr(V, "_transform", lambda key, text, stock: "<unclosed")
    report = validate(bogus, factur_x=True)  # SVRL that cannot be read
    assert [f.rule for f in report.findings] == ["XSD", "SCHEMATRON-ERROR"]


def test_xsd_only(cii: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*_args: object) -> list[object]:
        raise AssertionError("the Schematron ran")

    monkeypatch.setattr(CORE, "run_schematron", never)
    report = validate(cii, schematron=False, factur_x=True)
    [note] = report.findings
    assert note.rule == "SCHEMATRON-NOT-RUN" and note.severity == "warning" and "XSD was asked for" in note.message


def test_capture_without_descriptor_2_runs_as_is(monkeypatch: pytest.MonkeyPatch) -> None:
    from facturx_engine.validation import stderr as _stderr

    def no_fd(_fd: int) -> int:
        raise OSError(9, "Bad file descriptor")

    monkeypatch.setattr(os, "dup", no_fd)
    with _stderr.capture_fd2() as said:
        pass
    assert not said and said.text == ""
