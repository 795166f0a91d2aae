"""The PDF commands of the CLI: generate --to facturx, embed, extract, render.

Same contract as ``generate``: 0 done, 1 invalid result (findings printed), 2 bad input; never a
traceback, never a partial output file.
"""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest
from reportlab.pdfgen import canvas

from facturx_engine import check_pdf, extract, load_document, to_cii, validate

from facturx_engine.cli import commands as cli

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "invoices" / "fr_b2b.json"
TEMPLATE = ROOT / "fixtures" / "templates" / "acme.json"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _no_output(path: Path) -> None:
    assert not path.exists()
    assert not [p for p in path.parent.iterdir() if p.name.startswith(f".{path.name}")], "temporary file left"


def test_generate_facturx_writes_a_checked_pdf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "inv.pdf"
    code, stdout, err = _run(capsys, "generate", str(FIXTURE), "--to", "facturx", "--template", str(TEMPLATE),
                             "-o", str(out))
    assert code == 0, err
    assert "PDF/A-3B" in stdout
    pdf = out.read_bytes()
    assert check_pdf(pdf).valid
    xml, profile = extract(pdf)
    assert profile == "EN 16931"
    assert xml == to_cii(load_document(FIXTURE.read_bytes()))
    assert validate(xml, factur_x=True).valid  # the XML of a Factur-X PDF


def test_generate_facturx_minimum_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "min.pdf"
    code, _, err = _run(capsys, "generate", str(FIXTURE), "--to", "facturx", "--profile", "minimum", "-o", str(out))
    assert code == 0, err
    assert "notice:" in err  # what MINIMUM cannot carry is reported
    assert extract(out.read_bytes())[1] == "MINIMUM"


def test_template_and_pdf_only_for_facturx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.xml"
    code, _, err = _run(capsys, "generate", str(FIXTURE), "--to", "cii", "--template", str(TEMPLATE), "-o", str(out))
    assert code == 2 and "--to facturx only" in err
    _no_output(out)


def test_render_then_embed_then_extract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page, xml_file, out, back = (tmp_path / n for n in ("page.pdf", "inv.xml", "fx.pdf", "back.xml"))
    assert _run(capsys, "render", str(FIXTURE), "-o", str(page))[0] == 0
    xml = to_cii(load_document(FIXTURE.read_bytes()))
    xml_file.write_bytes(xml)
    code, _, err = _run(capsys, "embed", str(page), str(xml_file), "-o", str(out))
    assert code == 0, err
    assert check_pdf(out.read_bytes()).valid
    code, _, err = _run(capsys, "extract", str(out), "-o", str(back))
    assert code == 0, err
    assert back.read_bytes() == xml


def test_embed_refuses_invalid_xml_with_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page, xml_file, out = tmp_path / "page.pdf", tmp_path / "bad.xml", tmp_path / "fx.pdf"
    assert _run(capsys, "render", str(FIXTURE), "-o", str(page))[0] == 0
    xml = to_cii(load_document(FIXTURE.read_bytes()))
    xml_file.write_bytes(xml.replace(b"<ram:GrandTotalAmount>", b"<ram:GrandTotalAmount>9", 1))
    code, _, err = _run(capsys, "embed", str(page), str(xml_file), "-o", str(out))
    assert code == 1 and "BR-CO-15" in err and "Traceback" not in err
    _no_output(out)


def test_embed_refuses_a_pdf_that_cannot_be_pdfa(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)  # base-14 Helvetica: not embedded, cannot be PDF/A
    c.drawString(72, 720, "Invoice")
    c.save()
    page, xml_file, out = tmp_path / "helv.pdf", tmp_path / "inv.xml", tmp_path / "fx.pdf"
    page.write_bytes(buf.getvalue())
    xml_file.write_bytes(to_cii(load_document(FIXTURE.read_bytes())))
    code, _, err = _run(capsys, "embed", str(page), str(xml_file), "-o", str(out))
    assert code == 2 and "Helvetica" in err and "Traceback" not in err
    _no_output(out)


@pytest.mark.parametrize("content", [b"not a pdf", b"%PDF-1.7\n1 0 obj"])
def test_extract_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes) -> None:
    src, out = tmp_path / "in.pdf", tmp_path / "out.xml"
    src.write_bytes(content)
    code, _, err = _run(capsys, "extract", str(src), "-o", str(out))
    assert code == 2 and err.startswith("error:") and "Traceback" not in err
    _no_output(out)


def test_extract_pdf_without_invoice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "plain.pdf", tmp_path / "out.xml"
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(src)
    code, _, err = _run(capsys, "extract", str(src), "-o", str(out))
    assert code == 2 and "Traceback" not in err
    _no_output(out)


def test_render_bad_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tpl, out = tmp_path / "t.json", tmp_path / "r.pdf"
    tpl.write_text('{"primary_color": "red"}', encoding="utf-8")
    code, _, err = _run(capsys, "render", str(FIXTURE), "--template", str(tpl), "-o", str(out))
    assert code == 2 and "primary_color" in err
    _no_output(out)
