"""Conversion (``facturx_engine.apps.convert``, ``facturx-engine convert``): lossless over ../shared/corpus,
what the target cannot carry reported, hostile input refused with a clear error.

"Lossless" is measured through the business-term table, not bytes: every value the source states
(``term_values``: dates ISO, numbers without trailing zeros) must be found in the output under the
same term (and line). The few values a target cannot carry are pinned below with their reason,
and the reason must be in ``Conversion.lost``.
"""

from __future__ import annotations

import io
import json
import re
import socket
import warnings
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree
from strategies import documents

from facturx_engine import CreditNote, Delivery, Identifier, ParseError, PdfError, ProfileError, ProfileWarning, convert, extract, extract_all, from_cii, from_pdf, from_xml, load_document, render, to_cii, to_facturx, to_ubl, validate

from facturx_engine.cli import commands as cli
from facturx_engine.pdf.read import pdf_invoice
from facturx_engine.syntax.limits import MAX_XML_BYTES
from facturx_engine.syntax.read import read_document, replace_read, term_values
from facturx_engine.model.codes import CREDIT_NOTE_TYPES
from facturx_engine.apps.convert import compare_terms
from facturx_engine.errors import InputError, ValidationFailed
from facturx_engine.pdf.check import check_pdf

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"  # ../shared/corpus next to the repository
FIXTURES = ROOT / "fixtures" / "invoices"
NS_CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
NS_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"


def _files(sub: str) -> list[Path]:
    folder = CORPUS / sub
    return sorted(p for p in folder.glob("*") if p.is_file() and p.stat().st_size >= 16) if folder.is_dir() else []


def _need_corpus() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"SHARED CORPUS ABSENT: {CORPUS} not found, corpus conversion NOT tested")


def _quiet_convert(data: bytes, to: str, **kw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProfileWarning)
        return convert(data, to, **kw)


@cache
def _source_valid(path: Path) -> bool:
    data = path.read_bytes()
    # the source's own verdict: the rule sets validate() chooses from its BT-24 (the XML of a PDF as such)
    return validate(pdf_invoice(data), factur_x=True).valid if path.suffix == ".pdf" else validate(data).valid


def _fixture(name: str = "fr_b2b") -> Any:
    return load_document(json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8")))


# ---------------------------------------------------------------------------- (a) CII and UBL files

MISSING: dict[tuple[str, str], set[str]] = {
    # (file, target): the business terms whose source values the target does not carry
    ("cen__XRechnung-O.xml", "cii"): {"BT-49-1"},  # a scheme without its address: not held by the model
    ("cen__XRechnung-O.xml", "ubl"): {"BT-49-1"},
    # a price discount without the gross price: a CII gross price needs its amount
    ("cen-tf__ubl-tc434-test-1.xml", "cii"): {"BT-147"},
    ("cen__guide-example2.xml", "cii"): {"BT-147"},
    ("cen__ubl-tc434-example2.xml", "cii"): {"BT-147"},
    ("cen__sample-discount-price.xml", "cii"): {"BT-6"},  # BT-6 equal to BT-5 breaks the CII BR-53
}


def _root_kind(xml: bytes) -> tuple[str, bool]:
    """(syntax, is a credit note) of an XML document, from its root and type code."""
    root = etree.fromstring(xml)
    if root.tag == f"{{{NS_CII}}}CrossIndustryInvoice":
        code = root.findtext(f"{{{NS_CII}}}ExchangedDocument/{{{NS_RAM}}}TypeCode")
        return "cii", code in CREDIT_NOTE_TYPES
    return "ubl", root.tag.endswith("}CreditNote")


@pytest.mark.parametrize("to", ["cii", "ubl"])
@pytest.mark.parametrize("path", _files("cii") + _files("ubl") or [None], ids=lambda p: p.name if p else "absent")
def test_corpus_conversion(path: Path | None, to: str) -> None:
    """Every CII and UBL file converts to both syntaxes (same syntax: a re-serialization): every
    business-term value is carried but the pinned ones, each with its reason in ``lost``; the
    output passes the official validation wherever the source does; credit notes stay credit notes."""
    if path is None:
        _need_corpus()
        return
    data = path.read_bytes()
    result = _quiet_convert(data, to)
    syntax, credit = _root_kind(result.data)
    assert syntax == to
    assert credit == isinstance(result.source.document, CreditNote) == _root_kind(data)[1]
    total, missing = compare_terms(term_values(data), term_values(result.data))
    assert (result.total, result.preserved) == (total, total - len(missing))
    assert {v.term for v in missing} == MISSING.get((path.name, to), set()), [str(v) for v in missing]
    for term in {v.term for v in missing}:  # each one explained, not only listed
        assert any(term in line and "is not in the output" not in line for line in map(str, result.lost))
    if _source_valid(path):  # judged by the rule sets validate() chooses for it, as the source is
        assert result.report.valid, [str(f) for f in result.report.errors]
    again = _quiet_convert(result.data, to)  # the output is a fixpoint: nothing more changes or is lost
    assert again.data == result.data and again.lost == () and again.preserved == again.total


def test_corpus_pairs_convert_to_each_other() -> None:
    """The same invoice in CII and UBL (CEN examples 4 and 9): converted, each carries the other's totals."""
    _need_corpus()
    for n in (4, 9):
        cii = (CORPUS / "cii" / f"cen__CII_example{n}.xml").read_bytes()
        ubl = (CORPUS / "ubl" / f"cen__ubl-tc434-example{n}.xml").read_bytes()
        from_ubl_side = read_document(_quiet_convert(ubl, "cii").data).stated_totals
        from_cii_side = read_document(_quiet_convert(cii, "ubl").data).stated_totals
        for bt in ("BT-106", "BT-109", "BT-110", "BT-112", "BT-115"):
            assert from_ubl_side[bt] == from_cii_side[bt] == read_document(ubl).stated_totals[bt]


def test_stated_figures_are_converted_not_recomputed() -> None:
    """CEN UBL example 1 states line 20 as -109.98 for 6 x 18.33: the reading reports it (BR-CO-10)
    and the CII carries the stated line and totals, not the computed ones."""
    _need_corpus()
    data = (CORPUS / "ubl" / "cen__ubl-tc434-example1.xml").read_bytes()
    result = _quiet_convert(data, "cii")
    line = next(f for f in result.source.findings if f.bt == "BT-131")
    assert (line.stated, line.computed) == (Decimal("-109.98"), Decimal("109.98"))
    out = read_document(result.data)
    assert out.stated_line_amounts[19] == Decimal("-109.98")
    assert out.stated_totals["BT-106"] == Decimal("229.60") != out.document.totals.line_total
    assert result.report.valid


def test_unknown_vat_category_is_carried_to_ubl() -> None:
    """Category B (Italian split payment) is an EN 16931 code the model reads but computes no VAT for:
    UBL -> UBL keeps it and the stated 274.12, and the output validates like the source."""
    _need_corpus()
    data = (CORPUS / "ubl" / "cen__FT_G2G_TD01_con_Allegato_Bonifico_e_Split_Payment.xml").read_bytes()
    result = _quiet_convert(data, "ubl")
    assert result.report.valid and result.preserved == result.total
    back = read_document(result.data)
    assert back.document.lines[0].vat.category == "B" and back.stated_totals["BT-110"] == Decimal("274.12")
    assert not _quiet_convert(data, "cii").notes  # a Peppol CII: the CEN and Peppol rules accept B
    assert any("VAT category 'B'" in n for n in _quiet_convert(data, "cii", profile="basic").notes)
    plain = _quiet_convert(data, "cii", profile="en16931")  # the bare EN 16931 id: a plain CEN CII, CEN accepts B
    assert plain.notes == () and plain.report.valid and [use.key for use in plain.report.rule_sets] == ["cen"]


# ---------------------------------------------------------------------------- (b) Factur-X PDFs

PDF_MISSING: dict[str, set[str]] = {
    # EXTENDED content the model holds once (a second payment term, price discount, object id) or
    # not at all (a logistics charge counted in BT-108): reported as not-representable / not-read
    "ferd24__EXTENDED_Fremdwaehrung_fx.pdf": {"BT-9", "BT-20"},
    # a contact with a PersonName and a DepartmentName, both BT-41 in CII: the model holds one contact point
    "ferd24__XRECHNUNG_Einfach_fx.pdf": {"BT-41"},
    "ferd24__EXTENDED_Rechnungskorrektur_fx.pdf": {"BT-18", "BT-147"},
    "ferd24__EXTENDED_Warenrechnung_fx.pdf": {"BT-108", "BT-147"},
    "ferd24__Extended_SubInvoiceLines_Hardware_Bsp2_fx.pdf": {"BT-9", "BT-20"},
    "ferd24__ZUGFeRD_Extended_Abschlagsrechnung_SubInvoiceLine_u_LV_Nr_fx.pdf": {"BT-9", "BT-20"},
}


@pytest.mark.parametrize("path", _files("pdf") or [None], ids=lambda p: p.name if p else "absent")
def test_corpus_pdf(path: Path | None) -> None:
    """Every Factur-X PDF is read (PDF -> model -> CII of the profile its BT-24 names); the EXTENDED
    samples' extra content is reported, each item with its XML location, never lost silently."""
    if path is None:
        _need_corpus()
        return
    data = path.read_bytes()
    xml = pdf_invoice(data)
    assert xml == extract(data)[0]
    assert from_pdf(data) == from_xml(xml)
    result = _quiet_convert(data, "cii")
    total, missing = compare_terms(term_values(xml), term_values(result.data))
    assert {v.term for v in missing} == PDF_MISSING.get(path.name, set()), [str(v) for v in missing]
    not_held = [f for f in result.source.findings if f.kind in ("not-read", "not-representable")]
    assert all(f.location for f in not_held)
    assert [str(f) for f in not_held] == [line for line in map(str, result.lost) if line.startswith("[FXE-")]
    if "EXTENDED" in path.name.upper():
        assert not_held, "EXTENDED content beyond EN 16931 must be reported"
    if "SubInvoiceLine" in path.name:  # the line hierarchy is held (EXT-FR-FE-162/163) and written back
        stated = re.findall(rb"<ram:ParentLineID>([^<]*)</ram:ParentLineID>", xml)
        assert stated and [line.parent_id.encode() for line in from_xml(xml).lines if line.parent_id] == stated
        assert re.findall(rb"<ram:ParentLineID>([^<]*)</ram:ParentLineID>", result.data) == stated
    others = [name for name, content in extract_all(data).items() if content != xml]
    assert [line for line in map(str, result.lost) if line.startswith("embedded file")] == [
        f"embedded file {name!r} ({len(extract_all(data)[name])} bytes) is not carried" for name in others]


def test_pdf_to_facturx_keeps_pages_and_attachments() -> None:
    """PDF -> Factur-X: the source's pages and other embedded files stay, the XML is ours, valid."""
    _need_corpus()
    data = (CORPUS / "pdf" / "ferd24__EN16931_Elektron_Anlage_XML_fx.pdf").read_bytes()
    result = _quiet_convert(data, "facturx")
    assert check_pdf(result.data).valid
    assert set(extract_all(data)) == set(extract_all(result.data))
    assert extract(result.data)[0] == _quiet_convert(data, "cii").data
    assert not any(line.startswith("embedded file") for line in map(str, result.lost))
    with pikepdf.open(io.BytesIO(data)) as src, pikepdf.open(io.BytesIO(result.data)) as out:
        assert len(src.pages) == len(out.pages)


# ---------------------------------------------------------------------------- (c) API behaviour


def test_bt24_is_kept_unless_a_profile_is_asked() -> None:
    doc = _fixture()
    with pytest.warns(ProfileWarning):  # BASIC cannot carry the contacts ...: reported by to_cii
        basic = to_cii(doc, "basic")
    kept = _quiet_convert(basic, "ubl")
    assert read_document(kept.data).guideline == read_document(basic).guideline
    assert _quiet_convert(basic, "cii").data == basic and _quiet_convert(basic, "cii").profile.value == "BASIC"
    asked = _quiet_convert(to_cii(doc), "cii", profile="basic")
    assert read_document(asked.data).guideline == read_document(basic).guideline
    assert not any(line.startswith("BT-24") for line in map(str, asked.lost))  # asked for: not a loss
    with pytest.raises(ProfileError, match="UBL 2.1 is always EN 16931"):
        convert(basic, "ubl", profile="basic")


def test_a_lower_profile_reports_what_it_cannot_carry_and_strict_refuses() -> None:
    xml = to_cii(_fixture())
    with pytest.warns(ProfileWarning, match="not carried"):
        lower = convert(xml, "cii", profile="minimum")
    missing = [line for line in map(str, lower.lost) if "is not in the output" in line]
    assert missing and lower.preserved + len(missing) == lower.total
    with pytest.raises(ProfileError) as err:
        convert(xml, "cii", profile="minimum", strict=True)
    assert err.value.dropped == tuple(map(str, lower.lost))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing lost: no warning, strict accepts it
        full = convert(xml, "ubl", strict=True)
    assert full.preserved == full.total == lower.total + 1  # + BT-24, which the caller changed below


def test_credit_notes_stay_credit_notes() -> None:
    note = _fixture("credit_note_381")
    assert isinstance(note, CreditNote)
    ubl = _quiet_convert(to_cii(note), "ubl")
    assert _root_kind(ubl.data) == ("ubl", True)
    cii = _quiet_convert(ubl.data, "cii")
    assert _root_kind(cii.data) == ("cii", True) and cii.data == to_cii(from_cii(cii.data))
    assert isinstance(from_xml(cii.data), CreditNote)


def test_unknown_target_and_non_bytes_are_refused() -> None:
    xml = to_cii(_fixture())
    with pytest.raises(InputError, match="unknown target 'pdf'"):
        convert(xml, "pdf")
    with pytest.raises(InputError, match="as bytes"):
        convert(xml.decode(), "ubl")  # type: ignore[arg-type]


def test_scheme_less_deliver_to_location_is_valid_cii() -> None:
    """Writer fix found by the conversion tests (CEN UBL example 5): BT-71 without a scheme is CII
    ram:ID (a ram:GlobalID needs its schemeID, FX-SCH-A-000453); with a scheme it stays GlobalID."""
    doc = _fixture()
    for scheme in (None, "0088"):
        d = replace_read(doc, delivery=Delivery(location_id=Identifier(value="5790000436068", scheme=scheme)))
        xml = to_cii(d)
        assert (b"<ram:GlobalID" in xml.split(b"ShipToTradeParty")[1]) == (scheme is not None)
        report = validate(xml, factur_x=True)  # the CII the engine writes, as Factur-X (FX-SCH rules)
        assert report.valid, [str(f) for f in report.errors]
        assert from_cii(xml).delivery == d.delivery


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(documents())
def test_random_documents_convert_losslessly(doc: Any) -> None:
    """Random valid documents: CII -> UBL writes what to_ubl writes for the document read, and
    CII -> CII and UBL -> UBL give the same bytes back, with nothing lost."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProfileWarning)
        cii, ubl = to_cii(doc), to_ubl(doc)
        for xml, to in ((cii, "cii"), (ubl, "ubl"), (cii, "ubl"), (ubl, "cii")):
            result = convert(xml, to, validate=False)
            assert result.lost == () and result.preserved == result.total, (to, result.lost)
            if to == _root_kind(xml)[0]:
                assert result.data == xml
        if not doc.prices_include_vat:  # VAT-inclusive prices: the totals stated, not recomputed ones
            assert convert(cii, "ubl", validate=False).data == to_ubl(from_cii(cii))


# ---------------------------------------------------------------------------- (d) hostile input


def _invoice_pdf() -> bytes:
    return to_facturx(_fixture(), deterministic=True)


def _encrypted(user: str) -> bytes:
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(_invoice_pdf())) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(owner="owner", user=user))
    return out.getvalue()


def _deep(levels: int) -> bytes:
    return (f'<rsm:CrossIndustryInvoice xmlns:rsm="{NS_CII}">' + "<a>" * levels + "</a>" * levels
            + "</rsm:CrossIndustryInvoice>").encode()


HOSTILE: dict[str, tuple[Any, type[Exception], str]] = {
    # name: (input bytes or a function giving them, error class, message fragment)
    "xxe-file": (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                 b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&x;</ID></Invoice>',
                 ParseError, "DOCTYPE"),
    "xxe-http": (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]><r>&x;</r>',
                 ParseError, "DOCTYPE"),
    "billion-laughs": (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
                       b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
                       b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&c;</Invoice>',
                       ParseError, "DOCTYPE"),
    "external-dtd": (b'<?xml version="1.0"?><!DOCTYPE Invoice SYSTEM "http://127.0.0.1:9/x.dtd">'
                     b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>',
                     ParseError, "DOCTYPE"),
    "too-large": (lambda: b" " * (MAX_XML_BYTES + 1), ParseError, "too large"),
    "deep-nesting": (lambda: _deep(100_000), ParseError, "not well-formed XML"),
    "huge-text-node": (lambda: (b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><x>'
                                + b"a" * 11_000_000 + b"</x></Invoice>"), ParseError, "not well-formed XML"),
    "wrong-namespace": (b'<CrossIndustryInvoice xmlns="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:99"/>',
                        ParseError, "not an invoice"),
    "ubl-order": (b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"><ID>1</ID></Order>',
                  ParseError, "not an invoice"),
    "html": (b"<html><body>invoice</body></html>", ParseError, "not an invoice"),
    "truncated-xml": (lambda: to_cii(_fixture())[:2000], ParseError, "not well-formed XML"),
    "empty": (b"", ParseError, "not well-formed XML"),
    "binary": (bytes(range(256)), ParseError, "not well-formed XML"),
    "cii-without-seller": (lambda: _without(b"ram:SellerTradeParty"), ParseError, "seller"),
    "truncated-pdf": (lambda: _invoice_pdf()[: len(_invoice_pdf()) // 2], PdfError, "truncated"),
    "encrypted-pdf": (lambda: _encrypted("secret"), PdfError, "encrypted"),
    "encrypted-pdf-no-password": (lambda: _encrypted(""), PdfError, "encrypted"),
    "pdf-without-invoice": (lambda: render(_fixture()), PdfError, "no invoice XML is embedded"),
    "damaged-pdf": (b"%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\n%%EOF\n", PdfError, "not a readable PDF"),
}


def _without(tag: bytes) -> bytes:
    xml = to_cii(_fixture())
    start, end = xml.index(b"<" + tag), xml.index(b"</" + tag + b">") + len(tag) + 3
    return xml[:start] + xml[end:]


def _hostile(name: str) -> tuple[bytes, type[Exception], str]:
    data, cls, fragment = HOSTILE[name]
    return (data() if callable(data) else data), cls, fragment


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails the test (parsing never resolves external resources)."""
    def refuse(*_args: Any, **_kw: Any) -> Any:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_is_a_clear_error(name: str, no_network: None) -> None:
    data, cls, fragment = _hostile(name)
    for to in ("ubl", "cii"):
        with pytest.raises(cls) as err:
            convert(data, to)
        assert fragment in str(err.value)
    reader = from_pdf if cls is PdfError else from_xml
    with pytest.raises(cls, match=fragment):
        reader(data)


def test_parsing_opens_no_connection() -> None:
    """External entities, DTDs and XInclude pointing at a local listener: refused, and the listener
    sees no connection (whatever the layer would open it: Python or libxml2)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(5)
        server.setblocking(False)
        url = f"http://127.0.0.1:{server.getsockname()[1]}"
        ubl = 'xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"'
        docs = [f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{url}/e">]><Invoice {ubl}>&x;</Invoice>',
                f'<?xml version="1.0"?><!DOCTYPE Invoice SYSTEM "{url}/d.dtd"><Invoice {ubl}/>',
                f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "{url}/p">%p;]><Invoice {ubl}/>',
                f'<Invoice {ubl} xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="{url}/i"/></Invoice>']
        for doc in docs:
            with pytest.raises(ParseError):
                convert(doc.encode(), "cii")
        with pytest.raises(BlockingIOError):
            server.accept()  # nothing connected


@pytest.mark.parametrize("name", ["xxe-file", "billion-laughs", "wrong-namespace", "truncated-xml", "truncated-pdf",
                                  "encrypted-pdf", "pdf-without-invoice", "cii-without-seller"])
def test_cli_refuses_hostile_input(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   no_network: None) -> None:
    data, _cls, fragment = _hostile(name)
    src, out = tmp_path / "in.bin", tmp_path / "out.xml"
    src.write_bytes(data)
    assert cli.main(["convert", str(src), "--to", "ubl", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and fragment in err and "Traceback" not in err
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["in.bin"]


# ---------------------------------------------------------------------------- (e) the command line


def _cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, *args: str) -> tuple[int, str, str, Path]:
    src, out = tmp_path / "in.xml", tmp_path / "out.bin"
    src.write_bytes(data)
    code = cli.main(["convert", str(src), *args, "-o", str(out)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err, out


def test_cli_converts_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    xml = to_cii(_fixture())
    code, out, err, path = _cli(tmp_path, capsys, xml, "--to", "ubl")
    assert code == 0 and err == "", err
    assert path.read_bytes() == _quiet_convert(xml, "ubl").data
    result = _quiet_convert(xml, "ubl")
    assert f"{result.total}/{result.total} business-term values of the input carried" in out and "valid" in out


def test_cli_lists_losses_and_strict_refuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    xml = to_cii(_fixture())
    code, out, err, path = _cli(tmp_path, capsys, xml, "--to", "cii", "--profile", "minimum")
    lost = _quiet_convert(xml, "cii", profile="minimum").lost
    assert code == 0 and path.exists()
    assert [line for line in err.splitlines() if line.startswith("lost: ")] == [f"lost: {x}" for x in lost]
    path.unlink()
    code, out, err, path = _cli(tmp_path, capsys, xml, "--to", "cii", "--profile", "minimum", "--strict")
    assert code == 2 and not path.exists() and out == ""
    assert err.startswith("error: ") and "(--strict)" in err and "not written" in err and "Traceback" not in err
    assert f"{len(lost)} item(s)" in err.splitlines()[0]  # each loss listed once, below the error line
    assert [line.strip() for line in err.splitlines()[1:]] == [f"lost: {x}" for x in lost]


def test_cli_invalid_result_is_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Category B cannot validate as Factur-X (here BASIC, asked for): exit 1, the findings and the reason
    printed, nothing written. (A Peppol CII keeps its BT-24 and is judged by CEN + Peppol: valid.)"""
    _need_corpus()
    data = (CORPUS / "ubl" / "cen__FT_G2G_TD01_con_Allegato_Bonifico_e_Split_Payment.xml").read_bytes()
    code, out, err, path = _cli(tmp_path, capsys, data, "--to", "cii", "--profile", "basic")
    assert code == 1 and not path.exists()
    assert "notice: VAT category 'B'" in err and "FX-SCH-A-000179" in err and "not written" in err
    code, out, err, path = _cli(tmp_path, capsys, data, "--to", "cii")
    assert code == 0 and "CII (CEN EN 16931 + Peppol BIS Billing 3.0 rules)" in out and "valid" in out
    path.unlink()
    code, out, err, path = _cli(tmp_path, capsys, data, "--to", "facturx")  # a Factur-X BT-24: Factur-X rules
    assert code == 1 and not path.exists() and "FX-SCH-A-000587" in err
    notices = [line for line in err.splitlines() if line.startswith("notice: ")]
    assert notices[0].startswith("notice: BT-24 'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:")
    assert "was replaced by" in notices[0] and any("VAT category 'B'" in line for line in notices[1:])
    with pytest.raises(ValidationFailed) as failed:
        _quiet_convert(data, "facturx")
    assert [f"notice: {n}" for n in failed.value.notes] == notices


def test_cli_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    xml = to_cii(_fixture())
    code, _out, err, path = _cli(tmp_path, capsys, xml, "--to", "ubl", "--profile", "basic")
    assert code == 2 and "UBL 2.1 is always EN 16931" in err and not path.exists()
    code, _out, err, path = _cli(tmp_path, capsys, xml, "--to", "ubl", "--template", "t.json")
    assert code == 2 and "--to facturx only" in err
    code, _out, err, path = _cli(tmp_path, capsys, xml, "--to", "cii", "--pdf", "page.pdf")
    assert code == 2 and "--to facturx only" in err
    code, _out, err, path = _cli(tmp_path, capsys, xml, "--to", "json")
    assert code == 2 and "invalid choice" in err


def test_minimum_xml_to_facturx_needs_a_page() -> None:
    """A MINIMUM invoice has no buyer address: no visual invoice is rendered (a clear PdfError, not a
    crash); with a page given, or from its own PDF, it converts."""
    _need_corpus()
    source = (CORPUS / "pdf" / "ferd24__MINIMUM_Rechnung_fx.pdf").read_bytes()
    xml = pdf_invoice(source)
    with pytest.raises(PdfError, match="no visual invoice can be rendered"):
        convert(xml, "facturx")
    page = render(_fixture())
    for result in (_quiet_convert(xml, "facturx", pdf=page), _quiet_convert(source, "facturx")):
        assert check_pdf(result.data).valid and extract(result.data)[1] == "MINIMUM"


def test_cli_pdf_to_facturx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pdf = _invoice_pdf()
    code, out, err, path = _cli(tmp_path, capsys, pdf, "--to", "facturx")
    assert code == 0, err
    assert check_pdf(path.read_bytes()).valid and extract(path.read_bytes())[0] == extract(pdf)[0]
