"""Friendlier refusals of the PDF commands (issue 11): swapped arguments, a UBL invoice given to
``embed``, and messages that cite the standards' clauses, never a file the user does not have."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from facturx_engine.syntax.cii import to_cii
from facturx_engine.cli.commands import main
from facturx_engine.model.codes import Profile
from facturx_engine.errors import PdfError
from facturx_engine.io.jsonio import load_document
from facturx_engine.pdf.embed import embed
from facturx_engine.pdf.check import check_pdf
from facturx_engine.pdf.render.layout import render
from facturx_engine.syntax.ubl import to_ubl

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "facturx_engine"
CORPUS_PDF = ROOT.parent / "shared" / "corpus" / "pdf"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    doc = load_document((ROOT / "fixtures" / "invoices" / "b2c.json").read_bytes())
    where = tmp_path_factory.mktemp("refusals")
    out = {"pdf": where / "page.pdf", "xml": where / "invoice.xml", "ubl": where / "invoice-ubl.xml"}
    out["pdf"].write_bytes(render(doc))
    out["xml"].write_bytes(to_cii(doc, Profile.EN16931))
    out["ubl"].write_bytes(to_ubl(doc))
    return out


def test_swapped_arguments_are_said_plainly(files: dict[str, Path], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.pdf"
    code = main(["embed", str(files["xml"]), str(files["pdf"]), "-o", str(target)])
    err = capsys.readouterr().err
    assert code == 2 and not target.exists()
    assert "wrong way round" in err and f"embed {files['pdf']} {files['xml']}" in err, err
    with pytest.raises(PdfError, match="wrong way round"):
        embed(files["xml"].read_bytes(), files["pdf"].read_bytes())
    with pytest.raises(PdfError, match="second argument is a PDF"):
        embed(files["pdf"].read_bytes(), files["pdf"].read_bytes())


def test_ubl_invoice_points_to_convert(files: dict[str, Path], tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(PdfError, match=r"UBL 2\.1 Invoice.*convert INVOICE\.xml --to facturx"):
        embed(files["pdf"].read_bytes(), files["ubl"].read_bytes())
    code = main(["embed", str(files["pdf"]), str(files["ubl"]), "-o", str(tmp_path / "out.pdf")])
    err = capsys.readouterr().err
    assert code == 2 and "--to facturx" in err and "Traceback" not in err, err


def test_no_message_cites_a_design_note() -> None:
    """No string of the package cites ``PDFA.md`` (a design note users do not have), and the checks
    of the official samples cite clauses: ISO 19005-3, ISO 32000-1, Factur-X."""
    for path in PACKAGE.glob("*.py"):
        assert "PDFA.md" not in path.read_text(encoding="utf-8"), path
    if not CORPUS_PDF.is_dir():
        pytest.skip(f"SKIPPED LOUDLY: {CORPUS_PDF} is absent")
    cited = 0
    for path in sorted(CORPUS_PDF.glob("*.pdf"))[:6]:
        for finding in check_pdf(path.read_bytes()).findings:
            assert "PDFA.md" not in finding.message, finding.message
            cited += bool(re.search(r"ISO (19005-[13]|32000-1) \d|Factur-X 1\.07", finding.message))
    assert cited > 6
