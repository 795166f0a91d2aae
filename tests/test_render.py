"""facturx_engine.pdf.render.layout: the human-readable PDF.

Every fixture renders, the output is deterministic, long invoices flow over pages with the
header row repeated, every font is an embedded TrueType program (no base-14 font), colours are
RGB only, the font subsets are the same for documents in the preset characters, every fixture's
page becomes a PDF/A-3B file (check_pdf strict and page-validation), and so do random documents
(Hypothesis), the line breaker keeps every character within the column, the French late-payment
mentions appear for B2B only, amounts are formatted per language, and Template.from_json names
the field it refuses.

Text checks read the PDF with ``pdftotext`` (poppler-utils); they skip with a message without it.
"""

from __future__ import annotations

import base64
import copy
import io
import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from facturx_engine.pdf.render.fonts import FONT, FONT_BOLD, fonts
from facturx_engine.pdf.render.labels import PageFmt
from facturx_engine.pdf.render.text import wrap
from facturx_engine.errors import InputError
from facturx_engine.i18n import LANGS, labels
from facturx_engine.io.jsonio import load_document
from facturx_engine.model.records import CreditNote, Invoice
from facturx_engine.pdf.render.layout import render
from facturx_engine.pdf.render.template import Template

from strategies import documents, words  # tests/ is on sys.path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "invoices"
NAMES = sorted(p.stem for p in FIXTURES.glob("*.json"))
BASE14 = {"Courier", "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique", "Helvetica", "Helvetica-Bold",
          "Helvetica-Oblique", "Helvetica-BoldOblique", "Times-Roman", "Times-Bold", "Times-Italic",
          "Times-BoldItalic", "Symbol", "ZapfDingbats"}


def _raw(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def _load(name: str) -> Invoice | CreditNote:
    return load_document((FIXTURES / f"{name}.json").read_bytes())


def _many_lines(n: int) -> Invoice | CreditNote:
    data = _raw("fr_b2b")
    first = data["lines"][0]
    data["lines"] = [dict(first, id=str(i + 1), name=f"Article {i + 1:03d} prestation de service",
                          quantity=str(i % 4 + 1)) for i in range(n)]
    data.pop("expected_totals")
    return load_document(data)


def _png(size: tuple[int, int] = (60, 20), mode: str = "RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, (200, 60, 30) if mode == "RGB" else (200, 60, 30, 128)).save(buf, format="PNG")
    return buf.getvalue()


def _pages_text(pdf: bytes, tmp_path: Path) -> list[str]:
    """Text of each page (pdftotext), no-break spaces made plain."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not found (install poppler-utils): text checks skipped")
    src = tmp_path / "doc.pdf"
    src.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(src), "-"], check=True, capture_output=True).stdout
    return [page.replace("\u00a0", " ") for page in out.decode("utf-8").split("\f")[:-1]]


def _text(pdf: bytes, tmp_path: Path) -> str:
    return "\n".join(_pages_text(pdf, tmp_path))


def _fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """(BaseFont, has an embedded TrueType program) of every font in the pages' resources."""
    found = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for font in page.obj.get("/Resources", {}).get("/Font", {}).values():
                fonts = list(font.get("/DescendantFonts", [])) if font.get("/Subtype") == "/Type0" else [font]
                found += [(str(f.get("/BaseFont")), "/FontDescriptor" in f and "/FontFile2" in f.FontDescriptor)
                          for f in fonts]
    return found


# ---------------------------------------------------------------------------- every fixture


@pytest.mark.parametrize("name", NAMES)
def test_every_fixture_renders(name: str) -> None:
    pdf = render(_load(name))
    assert pdf.startswith(b"%PDF-")
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) >= 1
        box = [float(x) for x in doc.pages[0].mediabox]
        assert box[2:] == pytest.approx([595.2756, 841.8898], abs=0.01)  # A4


@pytest.mark.parametrize("name", ["fr_b2b", "b2c", "credit_note_381"])
def test_same_input_same_bytes(name: str) -> None:
    template = Template(logo=_png(), header_text="En-tête", mentions=("Mention",))
    assert render(_load(name)) == render(_load(name))
    assert render(_load(name), template) == render(_load(name), template)


@pytest.mark.parametrize("name", NAMES)
def test_only_embedded_truetype_fonts_and_rgb(name: str) -> None:
    pdf = render(_load(name), Template(logo=_png(mode="RGBA")))
    fonts = _fonts(pdf)
    assert fonts
    for base_font, embedded in fonts:
        assert base_font.lstrip("/") not in BASE14, base_font
        assert "BitstreamVera" in base_font, base_font
        assert embedded, f"{base_font} is not an embedded TrueType program"
    assert b"/DeviceCMYK" not in pdf
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            ops = {str(op) for _, op in pikepdf.parse_content_stream(page)}
            assert not ops & {"k", "K"}, "CMYK colour operator in a content stream"
        for page in doc.pages:
            for xobj in page.obj.get("/Resources", {}).get("/XObject", {}).values():
                if xobj.get("/Subtype") == "/Image":
                    assert xobj.get("/ColorSpace") == "/DeviceRGB"
                    assert "/SMask" not in xobj  # transparency flattened


def test_no_helvetica_anywhere() -> None:
    pdf = render(_load("fr_b2b"))
    assert b"Helvetica" not in pdf


def _font_programs(pdf: bytes) -> dict[str, bytes]:
    """BaseFont (without the subset tag) -> the embedded TrueType program, as stored."""
    found = {}
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for font in page.obj.Resources.Font.values():
                found[str(font.BaseFont).split("+", 1)[1]] = font.FontDescriptor.FontFile2.read_raw_bytes()
    return found


def test_font_subsets_are_the_same_for_every_document(tmp_path: Path) -> None:
    """The first subset of each font starts with the same characters in every document (ASCII and
    the Latin-1 / punctuation preset), so documents written with those characters embed the same
    font programs (made once per process); a character outside the preset is added for the
    document that uses it, and drawn."""
    first, second = render(_load("fr_b2b")), render(_load("b2c"), Template(lang="en"))
    assert _font_programs(first) == {k: v for k, v in _font_programs(second).items() if k in _font_programs(first)}
    german = render(_load("fr_b2b"), Template(lang="de"))  # ä, ö, ü, ß are in the preset
    assert _font_programs(german) == {k: v for k, v in _font_programs(first).items() if k in _font_programs(german)}
    data = _raw("b2c")
    data["lines"][0]["name"] = "Filtre ∆ et ∑ « spécial »"  # in the fonts, not in the preset
    data.pop("expected_totals")
    other = render(load_document(data))
    assert _font_programs(other)["BitstreamVeraSans-Bold"] != _font_programs(first)["BitstreamVeraSans-Bold"]
    assert "Filtre ∆ et ∑ « spécial »" in _text(other, tmp_path)


def _page_validation() -> Any:
    return pytest.importorskip("page", reason="page-validation (PyPI page-validation==0.11.0) is not installed")


@pytest.mark.parametrize("style", ["fr", "en", "de", "acme"])
@pytest.mark.parametrize("name", NAMES)
def test_rendered_invoice_becomes_pdfa(name: str, style: str, tmp_path: Path) -> None:
    """The page render() writes (fonts, content streams, logo) is one embed can make PDF/A-3B:
    to_facturx of every fixture passes check_pdf strict without a finding and page-validation's
    PDF/A-3B profile, and gives the XML back byte for byte."""
    from facturx_engine.syntax.cii import to_cii
    from facturx_engine.pdf.embed import to_facturx
    from facturx_engine.pdf.extract import extract
    from facturx_engine.pdf.check import check_pdf

    if style == "acme":
        folder = ROOT / "fixtures" / "templates"
        template = Template.from_json((folder / "acme.json").read_bytes(), base_dir=folder) \
            if (folder / "acme-logo.png").exists() else Template(logo=_png())
    else:
        template = Template(lang=style)
    doc = _load(name)
    profile = "EXTENDED" if name == "extended_ctc_fr" else None  # the French EXT-FR-FE terms: EXTENDED only
    data = to_facturx(doc, profile, template=template, deterministic=True)
    report = check_pdf(data, strict=True)
    assert report.valid and not report.findings, str(report)
    assert extract(data)[0] == to_cii(doc, profile)
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    pv = _page_validation().validate_pdf(str(path), profile="3b")
    assert pv.is_compliant, [f"{f.rule_id}: {f.message}" for f in pv.failures]


_runs = st.lists(st.tuples(st.lists(words, min_size=1, max_size=6).map(" ".join),
                           st.sampled_from([FONT, FONT_BOLD]), st.sampled_from(["0 0 0", "0.5 0.5 0.5"])),
                 min_size=1, max_size=4)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(lines=st.lists(_runs, min_size=1, max_size=3), width=st.floats(min_value=5, max_value=300))
def test_wrap_keeps_every_character_and_the_width(lines: list[list[tuple[str, str, str]]], width: float) -> None:
    """The line breaker draws every character of every run, in order, in its font and colour, at
    the offsets its widths give; no line is wider than the column unless it holds a single
    character (a word longer than the column is cut between characters)."""
    widths = fonts()[1]

    def measure(text: str, font: str) -> float:
        return sum(widths[font][ord(c)] for c in text) * 8.5 / 1000

    out = wrap(lines, width, measure)
    drawn = [(c, font, colour) for _, pieces in out for _, text, font, colour in pieces for c in text if c != " "]
    wanted = [(c, font, colour) for runs in lines for text, font, colour in runs for c in text if c != " "]
    assert drawn == wanted
    for line_width, pieces in out:
        x = 0.0
        for dx, text, font, _ in pieces:
            assert dx == pytest.approx(x, abs=1e-9)
            x += measure(text, font)
        assert line_width == pytest.approx(x, abs=1e-9)
        assert line_width <= width + 1e-6 or sum(len(t.strip()) for _, t, _, _ in pieces) == 1


@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(doc=documents())
def test_random_documents_become_valid_factur_x(doc: Invoice | CreditNote, tmp_path_factory: Any) -> None:
    """Random valid invoices and credit notes: their page becomes a PDF/A-3B Factur-X file that
    check_pdf strict passes without a finding, and the page shows the amount due."""
    from facturx_engine.pdf.embed import to_facturx
    from facturx_engine.pdf.check import check_pdf

    data = to_facturx(doc, deterministic=True)
    report = check_pdf(data, strict=True)
    assert report.valid and not report.findings, str(report)
    text = _text(render(doc), tmp_path_factory.mktemp("page"))
    assert PageFmt("fr", doc.currency).money(doc.totals.due).replace("\u00a0", " ") in text


# ---------------------------------------------------------------------------- long documents


def test_120_lines_flow_over_pages_with_the_header_repeated(tmp_path: Path) -> None:
    pdf = render(_many_lines(120))
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) >= 3
    pages = _pages_text(pdf, tmp_path)
    with_lines = [p for p in pages if "prestation de service" in p]
    assert len(with_lines) >= 3
    for page in with_lines:
        assert "Désignation" in page and "Montant HT" in page and "P.U. HT" in page
    text = "\n".join(pages)
    assert "Article 001" in text and "Article 120" in text
    for number, page in enumerate(pages, 1):
        assert f"Page {number} / {len(pages)}" in page


def test_200_lines_and_very_long_texts_do_not_crash(tmp_path: Path) -> None:
    data = _raw("fr_b2b")
    first = data["lines"][0]
    data["lines"] = [dict(first, id=str(i + 1), name=f"Article {i + 1}") for i in range(200)]
    data["lines"][5]["description"] = "Description très longue " * 900 + "x" * 3000
    data["lines"][6]["name"] = "Nom " * 400
    data["lines"][7]["note"] = "Remarque " * 500
    data["notes"].append({"text": "Note interminable " * 800})
    data["payment_terms"] = "Conditions " * 600
    data["seller"]["address"]["line1"] = "Adresse " * 300
    data["buyer"]["name"] = "Acheteur " * 200
    data.pop("expected_totals")
    template = Template(header_text="Haut " * 200, footer_text="Pied " * 400, mentions=("Mention " * 900,))
    pdf = render(load_document(data), template)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) >= 6
    text = _text(pdf, tmp_path)
    assert "Article 200" in text and "Net à payer" in text


def test_characters_the_font_lacks_are_replaced_not_dropped(tmp_path: Path) -> None:
    data = _raw("fr_b2b")
    data["lines"][0]["name"] = "Łódź Őrség 漢字 – « spécial » ’"
    data.pop("expected_totals")
    pdf = render(load_document(data))
    text = _text(pdf, tmp_path)
    assert "« spécial »" in text and "–" in text and "’" in text
    assert "Orség" in text  # Ő is drawn as its base letter
    assert "??" in text  # the CJK characters, which no bundled font draws


# ---------------------------------------------------------------------------- contents


def test_late_payment_mentions_for_french_b2b_only(tmp_path: Path) -> None:
    b2b = _text(render(_load("fr_b2b")), tmp_path)
    assert "L441-10" in b2b and "40 €" in b2b
    b2c = _text(render(_load("b2c")), tmp_path)
    assert "L441-10" not in b2c and "40 €" not in b2c
    assert "Camille Lefèvre" in b2c and "SIRET : 880 127 345 00010" in b2c  # seller ids, none for the buyer
    assert b2c.count("SIRET :") == 1  # the footer repeats the seller's "SIRET 880 ..." without a colon


def test_totals_are_formatted_in_french(tmp_path: Path) -> None:
    doc = _load("fr_b2b")
    text = _text(render(doc), tmp_path)
    for label, amount in (("Total HT", "9 269,70 €"), ("Total TVA", "1 853,94 €"), ("Total TTC", "11 123,64 €"),
                          ("Net à payer", "11 123,64 €")):
        assert label in text and amount in text
    assert "7 800,00 €" in text and "650,00 €" in text and "20 %" in text
    assert "FR76 3000 4028 1700 0104 5783 378" in text and "BNPA FRPP" in text
    assert "Facture" in text and "FA-2025-0142" in text and "14/03/2025" in text and "13/04/2025" in text
    assert "01/02/2025 – 28/02/2025" in text
    assert "PO-2025-0318" in text and "CT-2024-017" in text and "SERV-ACHATS-42" in text
    assert "Page 1 / 1" in text


def test_deposits_deducted_and_amount_due(tmp_path: Path) -> None:
    text = _text(render(_load("final_after_two_deposits")), tmp_path)
    assert "Acomptes déduits" in text and "-6 000,00 €" in text
    assert "12 000,00 €" in text and "Net à payer" in text
    assert "FA-2025-0200 du 02/04/2025" in text and "FA-2025-0231 du 05/05/2025" in text


def test_b2c_paid_by_card_is_due_zero(tmp_path: Path) -> None:
    text = _text(render(_load("b2c")), tmp_path)
    assert "Déjà payé" in text and "-69,70 €" in text and "0,00 €" in text
    assert "**** 4242" in text and "P.U. TTC" in text


def test_english_labels_and_amounts(tmp_path: Path) -> None:
    text = _text(render(_load("fr_b2b"), Template(lang="en")), tmp_path)
    for word in ("Invoice", "Amount due", "Unit price", "Net amount", "VAT breakdown", "Total incl. VAT",
                 "€11,123.64", "€9,269.70", "14 Mar 2025", "Page 1 / 1"):
        assert word in text, word
    assert "Net à payer" not in text and "Désignation" not in text


@pytest.mark.parametrize(("name", "lang", "title"), [
    ("credit_note_381", "fr", "Avoir"), ("credit_note_381", "en", "Credit note"),
    ("deposit_386", "fr", "Facture d'acompte"), ("deposit_386", "en", "Prepayment invoice"),
    ("corrected_384", "fr", "Facture rectificative"), ("corrected_384", "en", "Corrected invoice"),
])
def test_title_by_type_code(name: str, lang: str, title: str, tmp_path: Path) -> None:
    assert title in _text(render(_load(name), Template(lang=lang)), tmp_path)


def test_payment_details_vat_exemptions_and_allowances(tmp_path: Path) -> None:
    dd = _text(render(_load("direct_debit_59")), tmp_path)
    assert "Prélèvement SEPA" in dd and "RUM-CNX-2023-000318" in dd and "FR72ZZZ123456" in dd
    ex = _text(render(_load("multi_vat_S_Z_E")), tmp_path)
    assert "Exonéré" in ex and "VATEX-FR-CGI261-4" in ex
    ac = _text(render(_load("allowances_charges")), tmp_path)
    assert "Remise quantité" in ac and "-95,00 €" in ac and "+12,00 €" in ac
    assert "Remise fidélité" in ac and "-35,61 €" in ac and "Frais de transport" in ac
    usd = _text(render(_load("foreign_currency_bt6")), tmp_path)
    assert "9 564,00 USD" in usd and "Total TVA en EUR" in usd


def test_template_mentions_header_footer_and_logo(tmp_path: Path) -> None:
    template = Template(logo=_png(), logo_position="right", header_text="Mon en-tête", footer_text="SAS au capital",
                        mentions=("Réserve de propriété", "Escompte 2 %"))
    pdf = render(_many_lines(120), template)
    pages = _pages_text(pdf, tmp_path)
    assert all("Mon en-tête" in p and "SAS au capital" in p for p in pages)
    assert "Réserve de propriété" in pages[-1] and "Escompte 2 %" in pages[-1]
    assert b"/Subtype /Image" in pdf


def test_labels_have_a_word_in_every_language() -> None:
    keys = [line.split("\t")[0] for line in (ROOT / "facturx_engine" / "i18n" / "labels.tsv").read_text(
        encoding="utf-8").splitlines()[1:]]
    assert "grand_total" in keys
    for lang in LANGS:
        assert all(labels(lang)[key] for key in keys), lang


# ---------------------------------------------------------------------------- Template.from_json


def test_from_json_reads_path_data_uri_and_base64(tmp_path: Path) -> None:
    png = _png()
    (tmp_path / "logo.png").write_bytes(png)
    spec = {"logo": "logo.png", "primary_color": "#112233", "accent_color": "#AABBCC", "lang": "en",
            "mentions": ["a", "b"], "logo_width_mm": 30, "footer_text": "RCS", "header_text": "H"}
    t = Template.from_json(json.dumps(spec), base_dir=tmp_path)
    assert t.logo == png and t.lang == "en" and t.mentions == ("a", "b") and t.logo_width_mm == 30
    b64 = base64.b64encode(png).decode()
    assert Template.from_json({"logo": b64}).logo == png
    assert Template.from_json({"logo": f"data:image/png;base64,{b64}"}).logo == png
    assert Template.from_json(b"{}") == Template()


def test_shipped_acme_template_loads() -> None:
    folder = ROOT / "fixtures" / "templates"
    if not (folder / "acme-logo.png").exists():
        pytest.skip("acme-logo.png is made by fixtures/previews/make_previews.py")
    t = Template.from_json((folder / "acme.json").read_bytes(), base_dir=folder)
    assert t.logo and render(_load("allowances_charges"), t).startswith(b"%PDF")


@pytest.mark.parametrize(("spec", "field", "words"), [
    ({"primary_color": "blue"}, "primary_color", "#RRGGBB"),
    ({"accent_color": "#12345"}, "accent_color", "#RRGGBB"),
    ({"lang": "it"}, "lang", "'it'"),
    ({"logo_position": "center"}, "logo_position", "'left' or 'right'"),
    ({"logo_width_mm": "wide"}, "logo_width_mm", "millimetres"),
    ({"logo_width_mm": 500}, "logo_width_mm", "between 5 and 120"),
    ({"logo_width_mm": True}, "logo_width_mm", "millimetres"),
    ({"mentions": "one"}, "mentions", "list of texts"),
    ({"mentions": ["ok", 3]}, "mentions", "list of texts"),
    ({"footer_text": 12}, "footer_text", "text"),
    ({"colour": "#000000"}, "colour", "unknown template field"),
    ({"logo": "missing.png"}, "logo", "neither a file"),
    ({"logo": base64.b64encode(b"not an image at all").decode()}, "logo", "PNG or JPEG"),
    ({"logo": base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"broken").decode()}, "logo", "cannot be read"),
    ({"logo": "data:image/png;base64,@@@"}, "logo", "base64"),
    ({"logo": 42}, "logo", "file path or base64"),
])
def test_from_json_errors_name_the_field(spec: dict[str, Any], field: str, words: str, tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        Template.from_json(spec, base_dir=tmp_path)
    assert err.value.field == field
    assert words in str(err.value)
    assert str(err.value).startswith(f"{field}: ")


@pytest.mark.parametrize("data", ["{not json", "[1, 2]", b"\xff\xfe"])
def test_from_json_refuses_what_is_not_a_json_object(data: str | bytes) -> None:
    with pytest.raises(InputError, match="template"):
        Template.from_json(data)


def test_template_constructor_checks_too() -> None:
    with pytest.raises(InputError) as err:
        Template(primary_color="#GGGGGG")
    assert err.value.field == "primary_color"
    with pytest.raises(InputError):
        Template(logo=b"GIF89a....")
    cmyk = io.BytesIO()
    Image.new("CMYK", (40, 20), (0, 80, 90, 0)).save(cmyk, format="JPEG")
    pdf = render(_load("fr_b2b"), Template(logo=cmyk.getvalue()))  # converted to RGB when drawn
    assert b"/DeviceCMYK" not in pdf


def test_rendering_does_not_change_the_document() -> None:
    doc = _load("allowances_charges")
    before = copy.deepcopy(doc)
    render(doc)
    assert doc == before and doc.totals.grand_total == Decimal("1435.67")
