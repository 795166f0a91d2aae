"""Red-team reproducers (after issue 11): inputs crafted against the readers of the newer surfaces, each with the
documented outcome it must get -- a clear error or finding, in bounded time and memory, never a silent drop."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pikepdf
import pytest

import hostile_inputs as gen
from facturx_engine import check_pdf, load_document, read_document, to_cii
from facturx_engine.apps.view import view
from facturx_engine.cli.commands import main
from facturx_engine.errors import InputError, ModelError, ParseError, PayloadError, PdfError
from facturx_engine.io.payload import from_payload, load_json
from facturx_engine.model.status import StatusAmount
from facturx_engine.pdf.extract import extract, extract_all, other_files
from facturx_engine.syntax.cdar import read_cdar
from facturx_engine.syntax.flux10 import from_flux10, read_flux10
from facturx_engine.syntax.limits import MAX_FINDINGS_LISTED, MAX_FINDINGS_PER_PLACE

_END = b"</rsm:CrossIndustryInvoice>"
_PAYLOADS = Path(__file__).parent.parent / "fixtures" / "payloads" / "aliases_legacy.json"


def _cii_with(extra: bytes) -> bytes:
    return gen.base("cii").replace(_END, extra + _END)


# ---------------------------------------------------------------------------- the invoice reader


def test_thousands_of_repeated_unread_elements_are_reported_in_bounded_time_and_counted() -> None:
    """20,000 copies of an unread element took 140 s (each finding's path scanned every sibling): now the first
    copies are listed with their position and the rest are counted in one finding naming the place."""
    start = time.perf_counter()
    found = read_document(_cii_with(b"<rsm:z>a</rsm:z>" * 20_000)).findings
    assert time.perf_counter() - start < 10
    unread = [f for f in found if f.rule == "FXE-NOT-READ"]
    assert len(unread) == MAX_FINDINGS_PER_PLACE + 1
    assert unread[0].location == "/rsm:CrossIndustryInvoice/rsm:z[1]"
    assert unread[MAX_FINDINGS_PER_PLACE - 1].location == f"/rsm:CrossIndustryInvoice/rsm:z[{MAX_FINDINGS_PER_PLACE}]"
    summary = unread[-1]
    assert summary.kind == "not-read" and summary.location == "/rsm:CrossIndustryInvoice/rsm:z"
    assert f"{20_000 - MAX_FINDINGS_PER_PLACE} more findings of FXE-NOT-READ" in summary.message


def test_thousands_of_distinct_unread_elements_are_listed_up_to_the_limit_and_the_rest_counted() -> None:
    count = MAX_FINDINGS_LISTED + 5_000
    start = time.perf_counter()
    found = read_document(_cii_with(b"".join(b"<rsm:z%d>a</rsm:z%d>" % (i, i) for i in range(count)))).findings
    assert time.perf_counter() - start < 10
    unread = [f for f in found if f.rule == "FXE-NOT-READ"]
    assert len(unread) == MAX_FINDINGS_LISTED + 1
    assert unread[0].location == "/rsm:CrossIndustryInvoice/rsm:z0"
    assert unread[-1].message.startswith(f"{count - MAX_FINDINGS_LISTED} more findings of FXE-NOT-READ")
    assert f"/rsm:CrossIndustryInvoice/rsm:z{MAX_FINDINGS_LISTED}" in unread[-1].message


def test_positions_of_repeated_siblings_are_those_of_their_name_only() -> None:
    found = read_document(_cii_with(b"<rsm:y>b</rsm:y><rsm:z>a</rsm:z><rsm:y>c</rsm:y><rsm:q>d</rsm:q>")).findings
    assert [f.location for f in found if f.rule == "FXE-NOT-READ"] == [
        "/rsm:CrossIndustryInvoice/rsm:y[1]", "/rsm:CrossIndustryInvoice/rsm:z", "/rsm:CrossIndustryInvoice/rsm:y[2]",
        "/rsm:CrossIndustryInvoice/rsm:q"]


# ---------------------------------------------------------------------------- flux 10 e-reporting

_FLUX10 = Path(__file__).parent.parent / "fixtures" / "ereport" / "transactions-2026-10.xml"


@pytest.mark.parametrize("read", [from_flux10, read_flux10])
@pytest.mark.parametrize("dtd", [b'<!DOCTYPE Report [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
                                 b'<!DOCTYPE Report [<!ENTITY x "aaaaaaaaaa">]>'])
def test_a_flux10_report_with_a_doctype_is_refused_not_read_without_its_entities(read: Any, dtd: bytes) -> None:
    """The report was read with the entity reference left out of the text: ``<Name>A&x;B</Name>`` gave 'A'."""
    body = _FLUX10.read_bytes().split(b"?>", 1)[1].replace(b"<Name>", b"<Name>A&x;B", 1)
    with pytest.raises(ParseError, match="DOCTYPE"):
        read(b'<?xml version="1.0"?>' + dtd + body)


def test_a_flux10_report_with_100000_unknown_siblings_is_read_in_linear_time() -> None:
    """100,000 unknown siblings took 28 s (libxml2's getpath for each); one finding names their place."""
    data = _FLUX10.read_bytes().replace(b"</Report>", b"<z>1</z>" * 100_000 + b"</Report>")
    start = time.perf_counter()
    _report, findings = read_flux10(data)
    assert time.perf_counter() - start < 10
    assert [f.location for f in findings] == ["/Report/z[1]"]


def test_flux10_paths_count_positions_among_siblings_of_the_same_name() -> None:
    data = _FLUX10.read_bytes().replace(b"</Report>", b"<y>1</y><z>1</z><y>2</y></Report>")
    assert [f.location for f in read_flux10(data)[1]] == ["/Report/y[1]", "/Report/z"]


# ---------------------------------------------------------------------------- CDAR lifecycle statuses

_CDAR = Path(__file__).parent.parent / "fixtures" / "status" / "disputed-207.xml"
_CDAR_END = b"</rsm:CrossDomainAcknowledgementAndResponse>"
_INVOICE = Path(__file__).parent.parent / "fixtures" / "invoices" / "fr_b2b.json"


def test_a_status_with_20000_unknown_siblings_is_read_in_bounded_time_and_the_rest_counted() -> None:
    """20,000 unknown siblings took 25 s (the path of each finding scanned every sibling)."""
    data = _CDAR.read_bytes().replace(_CDAR_END, b"<rsm:z>1</rsm:z>" * 20_000 + _CDAR_END)
    start = time.perf_counter()
    _message, findings = read_cdar(data)
    assert time.perf_counter() - start < 10
    assert len(findings) == MAX_FINDINGS_PER_PLACE + 1
    assert findings[0].location == "/CrossDomainAcknowledgementAndResponse/z[1]"
    assert findings[-1].location == "/CrossDomainAcknowledgementAndResponse/z"
    assert findings[-1].message.startswith(f"{20_000 - MAX_FINDINGS_PER_PLACE} more items not carried")


@pytest.mark.parametrize("value", ["1E+999999", "1E+19", "-1E+19", "10000000000000000000"])
def test_a_status_amount_beyond_19_digits_is_refused_by_the_model_naming_it(value: str) -> None:
    """1E+999999 passed the 19-digit check (one digit once normalised) and was written as a million digits."""
    with pytest.raises(ModelError, match="19 digits") as caught:
        StatusAmount(amount=Decimal(value), vat_rate=Decimal(20))
    assert caught.value.field == "amounts.amount" and caught.value.rule == "FXE-NUMBER"
    with pytest.raises(ModelError, match="19 digits"):
        StatusAmount(amount=Decimal(1), vat_rate=Decimal(value).copy_abs())
    assert StatusAmount(amount=Decimal("9999999999999999999.99")).amount  # 19 digits and two decimals are held


@pytest.mark.parametrize("text", ["1E+999999", "١٢٣", "1_000", "1e3", "12:1E+5", "NaN", "12:٢٠"])
def test_the_status_command_reads_amounts_under_the_numeric_policy(text: str, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """``--amount`` was read by Decimal(): ``1_000`` became 1000 and ``١٢٣`` 123 without a word, and 1E+999999 was
    written out as a million digits in a status the official rules found valid."""
    out, invoice = tmp_path / "status.xml", tmp_path / "invoice.xml"
    invoice.write_bytes(to_cii(load_document(json.loads(_INVOICE.read_text(encoding="utf-8")))))
    try:
        code = main(["status", str(invoice), "--code", "212", "--amount", text, "--date", "2026-01-01", "-o", str(out)])
    except SystemExit as exc:
        code = exc.code
    assert code == 2 and not out.exists()
    err = capsys.readouterr().err
    assert "argument --amount" in err and "Traceback" not in err


# ---------------------------------------------------------------------------- PDF: an attachment named twice


def _named_twice() -> bytes:
    """A Factur-X PDF whose EmbeddedFiles name tree states ``factur-x.xml`` twice, the second another invoice."""
    pdf = pikepdf.open(io.BytesIO(gen.facturx()))
    second = gen.base("cii").replace(b"<rsm:ExchangedDocument>", b"<rsm:ExchangedDocument><!-- the other -->", 1)
    spec = pikepdf.AttachedFileSpec(pdf, second, filename="factur-x.xml", mime_type="text/xml")
    tree = pdf.Root.Names.EmbeddedFiles.Names
    tree.append(pikepdf.String("factur-x.xml"))
    tree.append(spec.obj)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_an_invoice_named_twice_in_the_name_tree_is_a_fatal_duplicate_not_hidden() -> None:
    """qpdf's NameTree shows one value per key: the second invoice was invisible to the engine (valid, no word),
    while a reader walking the /Names array may show it."""
    report = check_pdf(_named_twice())
    assert not report.valid
    assert [f.rule for f in report.errors if f.rule == "FX-INVOICE-DUPLICATE"] == ["FX-INVOICE-DUPLICATE"]


def test_extract_all_refuses_two_files_of_one_name_and_other_files_lists_both() -> None:
    data = _named_twice()
    with pytest.raises(PdfError, match="two embedded files are named 'factur-x.xml'"):
        extract_all(data)
    xml, _level = extract(data)
    assert list(other_files(data, xml)) == ["factur-x.xml"]  # the second one: not carried, said


# ---------------------------------------------------------------------------- payload JSON


def test_a_payload_key_given_twice_is_refused_at_its_path_never_read_as_the_last() -> None:
    """``{"invoice_number": "A", ..., "invoice_number": "OTHER"}`` wrote invoice OTHER without a word (the engine's
    own JSON refuses such a key)."""
    with pytest.raises(PayloadError) as caught:
        load_json(b'{"invoice_number": "A", "lines": [{"quantity": 1}, {"quantity": 1, "quantity": 2}], '
                  b'"invoice_number": "OTHER"}')
    assert set(caught.value.errors) == {"invoice_number", "lines.1.quantity"}
    assert "given twice" in caught.value.errors["invoice_number"][0]
    assert load_json(b'{"a": {"b": 1}, "c": {"b": 2}}') == {"a": {"b": 1}, "c": {"b": 2}}  # one key per object


def test_the_generate_command_refuses_a_payload_with_a_key_given_twice(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    payload = _PAYLOADS.read_text(encoding="utf-8").rstrip().removesuffix("}") + ', "invoice_number": "OTHER"}'
    (tmp_path / "p.json").write_text(payload, encoding="utf-8")
    out = tmp_path / "out.xml"
    assert main(["generate", str(tmp_path / "p.json"), "--from", "payload", "--to", "cii", "-o", str(out)]) == 2
    assert not out.exists() and '"invoice_number"' in capsys.readouterr().err


# ---------------------------------------------------------------------------- the view as PDF


def test_the_pdf_view_shows_a_bidirectional_override_as_the_html_view_does(tmp_path: Path) -> None:
    """The PDF view dropped U+202E (a right-to-left override) from names and file names: 'n<RLO>ame.xml' was drawn
    'name.xml', two different texts alike; the HTML view shows ``\\u202e``."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not found (install poppler-utils): text check skipped")
    xml = gen.base("cii").replace(b"<rsm:ExchangedDocument>", "<rsm:ExchangedDocument><ram:ID>AB\u202eCD</ram:ID>"
                                  .encode(), 1)
    xml = re.sub(rb"(<rsm:ExchangedDocument><ram:ID>[^<]*</ram:ID>)<ram:ID>[^<]*</ram:ID>", rb"\1", xml)
    for fmt in ("pdf", "html"):
        out = view(xml, name="n\u202eame.xml", fmt=fmt)
        if fmt == "html":
            text = out.decode()
        else:
            (tmp_path / "v.pdf").write_bytes(out)
            text = subprocess.run(["pdftotext", str(tmp_path / "v.pdf"), "-"], check=True, capture_output=True).stdout \
                .decode()
        assert "n\\u202eame.xml" in text and "AB\\u202eCD" in text, fmt
        assert "\u202e" not in text


# ---------------------------------------------------------------------------- distributed batches: --out resumed


@pytest.mark.parametrize(("part", "content", "said"), [
    ("part-a-000000.jsonl", b'{"sha256": "x", "path": "a.xml"}\n{"sha256": "y", "path": \n',
     "line 2 is not a JSON row"),
    ("part-a-000000.jsonl", b"\xff\xfe{}\n", "line 1 is not a JSON row"),
    ("part-a-000000.jsonl", b"[1, 2]\n", "line 1 is a JSON list, not a row object"),
    ("part-a-000000.parquet", b"PAR1 cut short", "not a Parquet table"),
])
def test_a_damaged_results_part_is_an_input_error_naming_it(part: str, content: bytes, said: str,
                                                            tmp_path: Path) -> None:
    """Resuming over a part cut short (or written by hand) was 'internal error: JSONDecodeError'."""
    pytest.importorskip("fsspec", reason="the dist extra is not installed")
    if part.endswith(".parquet"):
        pytest.importorskip("pyarrow", reason="pyarrow is not installed")
    from facturx_engine.apps.dist.results import DOCUMENTS, done_keys

    (tmp_path / DOCUMENTS).mkdir()
    (tmp_path / DOCUMENTS / part).write_bytes(content)
    with pytest.raises(InputError, match=re.escape(said)) as caught:
        done_keys(str(tmp_path))
    assert part in str(caught.value) and "damaged" in str(caught.value)


# ---------------------------------------------------------------------------- dates in the other syntax's form


@pytest.mark.parametrize(("syntax", "written", "said"), [
    ("cii", b"2024-02-29", "not a date in format 102"),
    ("ubl", b"20240229", "not a date written YYYY-MM-DD"),
])
def test_a_date_written_in_the_other_syntaxs_form_is_refused_naming_it(syntax: str, written: bytes,
                                                                       said: str) -> None:
    """A UBL IssueDate ``20240229`` was read as 29 February 2024 without a word and converted to a valid CII (the
    XSD refuses it: a UBL date is YYYY-MM-DD); a CII format-102 date ``2024-02-29`` alike."""
    data = gen.base(syntax)
    if syntax == "cii":
        data = re.sub(rb'(<ram:IssueDateTime>\s*<udt:DateTimeString format="102">)[^<]*', rb"\g<1>" + written, data,
                      count=1)
    else:
        data = re.sub(rb"(<cbc:IssueDate>)[^<]*", rb"\g<1>" + written, data, count=1)
    with pytest.raises(ParseError, match=said) as caught:
        read_document(data)
    assert caught.value.bt == "BT-2" and caught.value.rule == "FXE-DATE" and "IssueDate" in str(caught.value.location)


# ---------------------------------------------------------------------------- huge values quoted in messages


@pytest.mark.parametrize("case", ["cdar text", "cdar date", "flux10 text", "flux10 date"])
def test_a_9_mb_value_is_quoted_short_in_findings_and_errors(case: str) -> None:
    """A 9 MB text was quoted whole in a finding or an error message (9 MB on a terminal or in a report)."""
    big = b"x" * 9_000_000
    if case.startswith("cdar"):
        data = _CDAR.read_bytes()
        data = (data.replace(_CDAR_END, b"<rsm:z>" + big + b"</rsm:z>" + _CDAR_END) if case == "cdar text"
                else data.replace(b'format="204">', b'format="204">' + big, 1))
        read: Any = read_cdar
    else:
        data = _FLUX10.read_bytes()
        data = (data.replace(b"</Report>", b"<z>1</z><z>" + big + b"</z></Report>") if case == "flux10 text"
                else data.replace(b"<DateTimeString>", b"<DateTimeString>" + big, 1))
        read = read_flux10
    try:
        messages = [f.message for f in read(data)[1]]
    except ParseError as exc:
        messages = [str(exc)]
    assert messages and all(len(m) < 1000 for m in messages), [len(m) for m in messages]


# ---------------------------------------------------------------------------- the local page


@pytest.mark.parametrize("path", ["/view", "/validate", "/convert"])
def test_a_form_whose_file_name_is_not_utf8_is_said_unreadable_not_missing(path: str) -> None:
    """Werkzeug gives an empty form when a part's header is not UTF-8: the page said 'no file was sent' (or 'to:
    got nothing') although a file was sent."""
    pytest.importorskip("flask", reason="the serve extra is not installed")
    from facturx_engine.apps.serve import create_app

    client = create_app(isolate=False).test_client()
    body = (b'--B\r\nContent-Disposition: form-data; name="to"\r\n\r\nubl\r\n--B\r\nContent-Disposition: form-data; '
            b'name="file"; filename="\xff<b>.xml"\r\nContent-Type: text/xml\r\n\r\n' + gen.base("cii")
            + b"\r\n--B--\r\n")
    answer = client.post(path, data=body, content_type="multipart/form-data; boundary=B")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "could not be read" in text and "not UTF-8" in text
    assert "no file was sent" not in text and "<b>" not in text


# ---------------------------------------------------------------------------- identifiers in full-width digits

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize("key", ["seller_vat_number", "seller_siret", "bank_details.iban", "payee_legal_id"])
def test_an_identifier_in_full_width_digits_is_refused_at_its_key(key: str) -> None:
    """python-stdnum folds full-width digits: 'FR８３８５２１４７９６６' passed the VAT check and was written as given,
    in a document the official rules found valid (another identifier than the one checked)."""
    payload = json.loads((_PAYLOADS.parent / "b2b.json").read_text(encoding="utf-8"))
    if key == "bank_details.iban":
        payload["bank_details"]["iban"] = payload["bank_details"]["iban"].translate(_FULL_WIDTH)
    elif key == "payee_legal_id":
        payload.update(payee_name="Factor", payee_legal_id="732829320".translate(_FULL_WIDTH),
                       payee_legal_id_scheme="0002")
    else:
        payload[key] = payload[key].translate(_FULL_WIDTH)
    with pytest.raises(PayloadError) as caught:
        from_payload(payload)
    assert list(caught.value.errors) == [key]


def test_a_document_read_with_full_width_identifiers_gets_findings_naming_them() -> None:
    payload = json.loads((_PAYLOADS.parent / "b2b.json").read_text(encoding="utf-8"))
    xml = to_cii(from_payload(payload)).decode()
    vat, siren = payload["seller_vat_number"], payload["seller_siret"][:9]
    xml = xml.replace(vat, vat.translate(_FULL_WIDTH)).replace(f">{siren}<", f">{siren.translate(_FULL_WIDTH)}<")
    found = {f.rule: f.message for f in read_document(xml.encode()).findings}
    assert "ASCII" in found["FXE-VAT-ID"] and "ASCII digits" in found["FXE-MODEL"]


# ---------------------------------------------------------------------------- ereport parties


@pytest.mark.parametrize(("options", "said"), [
    (["--declarant-name", "Other"], "--declarant-name names the declarant of --declarant"),
    (["--sender-name", "Other"], "--sender-name names the platform of --sender platform:NNNN"),
    (["--declarant", "880127345", "--declarant-name", "a\x01b"], "declarant.name: the name of the declarant holds"),
    (["--declarant", "８８０１２７３４５"], "declarant.id: a SIREN is nine ASCII digits"),
    (["--sender", "platform:١٢٣٤"], "sender.id: a platform's registration number is written in ASCII"),
])
def test_the_ereport_command_refuses_parties_it_would_drop_or_write_wrong(options: list[str], said: str,
                                                                         tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """--declarant-name without --declarant and --sender-name without a platform were ignored without a word; a
    control character in a name was 'internal error: ValueError'; a SIREN in full-width digits and a platform
    number in Arabic-Indic digits were written in a report the official rules found valid."""
    invoice, out = tmp_path / "b2c.xml", tmp_path / "report.xml"
    invoice.write_bytes(to_cii(load_document(json.loads((_INVOICE.parent / "b2c.json").read_text(encoding="utf-8")))))
    code = main(["ereport", str(invoice), "--period", "2025-05", "--nature", "goods", *options, "-o", str(out)])
    assert code == 2 and not out.exists()
    assert said in capsys.readouterr().err


def test_the_status_command_refuses_a_platform_number_in_another_scripts_digits(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--platform ١٢٣٤`` was written as the sender's 0238 number of a status the official rules found valid."""
    invoice, out = tmp_path / "invoice.xml", tmp_path / "status.xml"
    invoice.write_bytes(to_cii(load_document(json.loads(_INVOICE.read_text(encoding="utf-8")))))
    code = main(["status", str(invoice), "--code", "202", "--platform", "١٢٣٤", "--issuer-role", "WK", "-o", str(out)])
    assert code == 2 and not out.exists()
    assert "scheme 0238 is written in ASCII" in capsys.readouterr().err
