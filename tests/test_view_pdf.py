"""facturx_engine.apps.view.pdf: the view drawn as an A4 PDF.

Views built by hand (a long realistic one in English, a German one, a French one, one with ids) are
drawn, and ``pdftotext`` reads back every string the view says (:func:`view_texts.view_texts`): every
label, value, table cell and detail, every finding's rule and message. The lines table spans pages
with its header repeated on each, a value taller than a page continues on the next, the output is
the same bytes for the same view, opens with pikepdf, and importing the package does not import
reportlab. Random views (Hypothesis: any Latin text, line breaks, characters the fonts lack, odd
severities, tables without rows or columns) are drawn with every string shown. Text checks skip
with a message without ``pdftotext`` (poppler-utils).
"""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facturx_engine.apps.view.model import Attachment, Column, Field, Section, Table, View
from facturx_engine.apps.view.pdf import to_pdf
from facturx_engine.findings import Finding
from facturx_engine.pdf.render.flow import split_row
from facturx_engine.pdf.render.fonts import FONT, clean
from facturx_engine.pdf.render.text import Para, Row, Style

from view_texts import view_texts  # tests/ is on sys.path

ROOT = Path(__file__).resolve().parents[1]
NNBSP, NBSP = "\u202f", "\u00a0"

# ---------------------------------------------------------------------------- views built by hand

TERMS = ("Payment within 30 days of the invoice date.\nLate payment: interest at three times the legal rate.\n"
         "Fixed compensation for recovery costs: EUR 40.")
LONG_NOTE = " ".join(f"Clause {i}: the supplier keeps ownership of the goods until full payment." for i in range(40))


def _lines(n: int, money: str) -> Table:
    columns = (Column("BT-126", "Line"), Column("BT-153", "Item name"), Column("BT-129", "Quantity", True),
               Column("BT-130", "Unit"), Column("BT-146", "Net price", True), Column("BT-151", "VAT"),
               Column("BT-131", "Net amount", True))
    rows = tuple((str(i), f"Article {i:03d} {'with a rather long name that wraps ' if i % 7 == 0 else ''}service",
                  f"{i}.5", "hour", money.format(f"{100 + i}.00"), "S 20%", money.format(f"{(100 + i) * i},50"))
                 for i in range(1, n + 1))
    details = tuple((Field("BT-154", "Item description", f"Description of article {i}\nsecond line {i}"),
                     Field("BT-155", "Seller's item id", f"SKU-{i:05d}")) if i % 5 == 0 else ()
                    for i in range(1, n + 1))
    return Table("Invoice lines", "BG-25", columns, rows, details)


def _findings() -> tuple[Finding, ...]:
    return (
        Finding("BR-CO-15", "fatal", "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction",
                "[BR-CO-15]-Invoice total amount with VAT (BT-112) = Invoice total amount without VAT (BT-109) + "
                "Invoice total VAT amount (BT-110).", ("BT-112", "BT-109", "BT-110"), line=57),
        Finding("PEPPOL-EN16931-R008", "fatal", "/ubl:Invoice", "Document MUST not contain empty elements.",
                line=3),
        Finding("FXE-TOTALS", "warning", "", "Stated tax exclusive amount 1000.00 differs from the computed 999.99",
                ("BT-109",)),
        Finding("XSD", "fatal", "/rsm:CrossIndustryInvoice", "Element 'ram:Foo': This element is not expected. "
                "Expected is one of ( ram:Name, ram:Description, ram:SellerAssignedID ). " * 3, line=120),
    )


def _english(n: int = 60, *, ids: bool = False, valid: bool | None = False) -> View:
    money = "€{}"
    seller = Section("seller", "Seller", "BG-4", (
        Field("BT-27", "Seller name", "ACME Industrial Supplies and Services Limited Liability Company"),
        Field("BT-31", "Seller VAT identifier", "FR32123456789"),
        Field("BT-30", "Seller legal registration identifier", "123 456 789 00012"),
    ), sections=(
        Section("seller-address", "Seller postal address", "BG-5", (
            Field("BT-35", "Seller address line 1", "12 rue de la République"),
            Field("BT-37", "Seller city", "Lyon"), Field("BT-40", "Seller country code", "FR"))),
        Section("seller-contact", "Seller contact", "BG-6", (
            Field("BT-41", "Seller contact point", "Accounts receivable"),
            Field("BT-43", "Seller contact email address", "billing@acme.example"))),
    ))
    buyer = Section("buyer", "Buyer", "BG-7", (Field("BT-44", "Buyer name", "Client Company Ltd"),
                                               Field("BT-48", "Buyer VAT identifier", "GB123456789")))
    delivery = Section("delivery", "Delivery information", "BG-13", (
        Field("BT-70", "Deliver to party name", "Warehouse 7"), Field("BT-72", "Actual delivery date", "3 March 2025")))
    refs = Section("references", "References", "", (
        Field("BT-13", "Purchase order reference", "PO-2025-0042"), Field("BT-12", "Contract reference", "CT-77"),
        Field("BT-11", "Project reference", "PRJ-ALPHA"), Field("BT-10", "Buyer reference", "LEITWEG-991-12345-67")))
    payment = Section("payment", "Payment instructions", "BG-16", (
        Field("BT-81", "Payment means type code", "Credit transfer (30)"),
        Field("BT-83", "Remittance information", "INV-2025-001")), sections=(
        Section("transfer-1", "Credit transfer", "BG-17", (Field("BT-84", "Payment account identifier",
                                                                 "FR76 3000 6000 0112 3456 7890 189"),
                                                           Field("BT-86", "Payment service provider identifier",
                                                                 "AGRIFRPPXXX"))),
        Section("transfer-2", "Credit transfer", "BG-17", (Field("BT-84", "Payment account identifier",
                                                                 "DE89 3704 0044 0532 0130 00"),)),
    ))
    allowances = Table("Document level allowances", "BG-20", (
        Column("BT-92", "Amount", True), Column("BT-97", "Reason"), Column("BT-95", "VAT category")),
        (("€50.00", "Loyalty discount granted to long-standing customers", "S"), ("€10.00", "Early payment", "S")))
    vat = Table("VAT breakdown", "BG-23", (
        Column("BT-118", "VAT category"), Column("BT-119", "Rate", True), Column("BT-116", "Taxable amount", True),
        Column("BT-117", "VAT amount", True), Column("BT-120", "Exemption reason")),
        (("S", "20%", "€183,540.00", "€36,708.00", ""),
         ("E", "0%", "€0.00", "€0.00", "Exempt under Article 261 CGI")))
    totals = Section("totals", "Document totals", "BG-22", (
        Field("BT-106", "Sum of invoice line net amount", "€183,600.00"),
        Field("BT-109", "Invoice total amount without VAT", "€183,540.00"),
        Field("BT-110", "Invoice total VAT amount", "€36,708.00"),
        Field("BT-112", "Invoice total amount with VAT", "€220,248.00"),
        Field("BT-115", "Amount due for payment", "€220,248.00")))
    notes = Section("notes", "Notes", "BG-1", sections=(
        Section("note-1", "Note", "BG-1", (Field("BT-21", "Invoice note subject code", "AAI"),
                                          Field("BT-22", "Invoice note", LONG_NOTE))),
        Section("note-2", "Note", "BG-1", (Field("BT-22", "Invoice note", "First line\nSecond line\nThird line"),)),
    ))
    document = Section("document", "Document", "", (
        Field("BT-1", "Invoice number", "INV-2025-001"), Field("BT-2", "Invoice issue date", "1 March 2025"),
        Field("BT-3", "Invoice type code", "Commercial invoice (380)"), Field("BT-5", "Invoice currency code", "EUR"),
        Field("BT-9", "Payment due date", "31 March 2025"), Field("BT-20", "Payment terms", TERMS),
        Field("", "Engine note", ""),
    ))
    lines = Section("lines", "Invoice lines", "BG-25", tables=(_lines(n, money),))
    amounts = Section("allowances", "Allowances and charges", "BG-20", tables=(allowances,))
    vat_section = Section("vat", "VAT", "BG-23", tables=(vat,))
    return View(
        lang="en", title="Invoice INV-2025-001", source="INV-2025-001.xml", syntax="CII",
        specification="urn:cen.eu:en16931:2017", valid=valid,
        rule_sets=("EN 16931 CII 1.3.14 (claimed specification)", "Factur-X 1.07 EN16931 (profile)"),
        findings=_findings() if valid is False else (),
        sections=(document, seller, buyer, delivery, refs, lines, amounts, vat_section, totals, payment, notes),
        attachments=(Attachment("timesheet.pdf", "application/pdf", 48213, "Timesheet March 2025"),
                     Attachment("details.csv", "text/csv", 512), Attachment("photo.png", "image/png", 3_500_000)),
        show_ids=ids)


def _german() -> View:
    return View(
        lang="de", title="Rechnung RE-4711", source="xrechnung-ümlaut.xml", syntax="UBL Invoice",
        specification="urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0", valid=True,
        rule_sets=("XRechnung 3.0.2 (angegebene Spezifikation)",), findings=(),
        sections=(
            Section("document", "Dokument", "", (Field("BT-1", "Rechnungsnummer", "RE-4711"),
                                                  Field("BT-20", "Zahlungsbedingungen",
                                                        "Zahlbar innerhalb von 14 Tagen ohne Abzug.\n"
                                                        "Bei Zahlung bis 10.03.2025: 2 % Skonto."))),
            Section("seller", "Verkäufer", "BG-4", (Field("BT-27", "Name des Verkäufers", "Müller & Söhne GmbH"),
                                                    Field("BT-37", "Stadt", "Düsseldorf-Größenhöhe"))),
            Section("lines", "Rechnungspositionen", "BG-25", tables=(Table(
                "Positionen", "BG-25", (Column("BT-153", "Artikelname"), Column("BT-131", "Nettobetrag", True)),
                (("Schraubenschlüssel übergroß", "1.234,56\u00a0€"),
                 ("Gewährleistungsverlängerung", "99,00\u00a0€"))),)),
            Section("totals", "Gesamtbeträge", "BG-22", (Field("BT-112", "Gesamtbetrag mit Umsatzsteuer",
                                                              "1.333,56\u00a0€"),)),
        ))


def _french() -> View:
    amount = f"1{NNBSP}234,56{NBSP}€"
    return View(
        lang="fr", title="Facture F-2025-001", source="", syntax="Factur-X PDF (CII)",
        specification="urn:cen.eu:en16931:2017", valid=None, rule_sets=(), findings=(),
        sections=(
            Section("totals", "Totaux du document", "BG-22", (
                Field("BT-109", "Montant total hors TVA", amount),
                Field("BT-112", "Montant total TTC", f"1{NNBSP}481,47{NBSP}€"),
                Field("BT-20", "Conditions de paiement", "Paiement à 30 jours.\nPénalités de retard : 3 fois le "
                                                         "taux légal ; indemnité forfaitaire de 40 €.")),),
            Section("vat", "TVA", "BG-23", tables=(Table("Récapitulatif de TVA", "BG-23", (
                Column("BT-118", "Catégorie"), Column("BT-119", "Taux", True), Column("BT-117", "Montant", True)),
                (("S", f"20{NNBSP}%", f"246,91{NBSP}€"),)),)),
        ),
        attachments=(Attachment("bon de commande.pdf", "application/pdf", 1_048_576),))


# ---------------------------------------------------------------------------- reading the PDF back


def _pdftotext(pdf: bytes, tmp_path: Path, *args: str) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not found (install poppler-utils): text checks skipped")
    src = tmp_path / "view.pdf"
    src.write_bytes(pdf)
    out = subprocess.run(["pdftotext", *args, str(src), "-"], check=True, capture_output=True).stdout
    return out.decode("utf-8").split("\f")[:-1]


def _squash(text: str) -> str:
    """The text as drawn (characters the fonts lack replaced) without any white space (pdftotext
    breaks lines where the PDF wraps them and spaces runs as it sees fit)."""
    return re.sub(r"\s+", "", clean(text))


def _body(pdf: bytes, view: View, tmp_path: Path) -> str:
    """The text of every page in drawing order without the page furniture (drawn first on each page):
    a value cut by a page break reads on."""
    pages = _pdftotext(pdf, tmp_path, "-raw")
    words = {"en": ("Page", "continued"), "de": ("Seite", "Fortsetzung"), "fr": ("Page", "suite")}[view.lang]
    footer = f"{view.title} – {view.source}" if view.source else view.title
    out = []
    for number, page in enumerate(pages, 1):
        text = _squash(page)
        furniture = [f"{view.title} ({words[1]})"] if number > 1 else []
        for piece in [*furniture, footer, f"{words[0]} {number} / {len(pages)}"]:
            assert _squash(piece) in text, (number, piece)
            text = text.replace(_squash(piece), "", 1)
        out.append(text)
    return "".join(out)


def _missing(pdf: bytes, view: View, tmp_path: Path) -> list[str]:
    body = _body(pdf, view, tmp_path)
    return [text for text in view_texts(view) if _squash(text) not in body]


# ---------------------------------------------------------------------------- tests


@pytest.mark.parametrize("make", [_english, _german, _french, lambda: _english(ids=True, valid=True)],
                         ids=["en", "de", "fr", "en-ids"])
def test_every_string_of_the_view_is_in_the_pdf(make: object, tmp_path: Path) -> None:
    view = make()  # type: ignore[operator]
    pdf = to_pdf(view)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) >= 1
        assert str(doc.docinfo["/Title"]).startswith(view.title)
    assert _missing(pdf, view, tmp_path) == []


def test_lines_table_spans_pages_with_its_header_repeated(tmp_path: Path) -> None:
    pdf = to_pdf(_english())
    pages = [page.replace(NBSP, " ") for page in _pdftotext(pdf, tmp_path, "-layout")]
    with_lines = [page for page in pages if re.search(r"Article \d{3}", page)]
    assert len(with_lines) >= 3
    for page in with_lines:
        assert all(word in page for word in ("Item name", "Quantity", "Net price", "Net amount")), page
    text = "\n".join(pages)
    assert "Article 001" in text and "Article 060" in text
    for number, page in enumerate(pages, 1):
        assert f"Page {number} / {len(pages)}" in page
        assert (number > 1) == ("Invoice INV-2025-001 (continued)" in page)


def test_content_comes_in_the_order_of_the_view(tmp_path: Path) -> None:
    view = _english()
    body = _body(to_pdf(view), view, tmp_path)
    order = [view.title, "Not valid", "BR-CO-15", "Document", "Invoice number", "Seller", "Seller postal address",
             "Buyer", "Article 001", "Article 060", "VAT breakdown", "Document totals", "Payment instructions",
             "Clause 39", "Attachments", "timesheet.pdf"]
    place = 0
    for text in order:
        place = body.find(_squash(text), place)
        assert place >= 0, f"{text!r} not found after the texts before it"


def test_validation_block_words_and_verdicts(tmp_path: Path) -> None:
    invalid = "\n".join(_pdftotext(to_pdf(_english(5)), tmp_path, "-layout"))
    assert "Not valid" in invalid and "Findings (4)" in invalid
    assert "Severity" in invalid and "Rule" in invalid and "Message" in invalid
    assert re.search(r"Error\s+PEPPOL-EN16931-R008", invalid) and re.search(r"Warning\s+FXE-TOTALS", invalid)
    assert "BT-112, BT-109, BT-110" in invalid and "Rule sets applied" in invalid
    valid = "\n".join(_pdftotext(to_pdf(_german()), tmp_path, "-layout"))
    assert "Gültig" in valid and "Keine Befunde" in valid and "Angewandte Regelwerke" in valid
    not_validated = "\n".join(_pdftotext(to_pdf(_french()), tmp_path, "-layout"))
    assert "Validation" not in not_validated and "Valide" not in not_validated


def test_multi_line_values_keep_their_line_breaks(tmp_path: Path) -> None:
    lines = [line.strip() for page in _pdftotext(to_pdf(_english(3)), tmp_path, "-raw") for line in page.split("\n")]
    for part in TERMS.split("\n"):
        assert part in lines or any(line.endswith(part) for line in lines), part
    assert "Second line" in lines and "Third line" in lines


def test_sizes_and_amounts_are_written_per_language(tmp_path: Path) -> None:
    en = _squash("\n".join(_pdftotext(to_pdf(_english(3)), tmp_path, "-raw")))
    assert "47.1kB" in en and "512bytes" in en and "3.3MB" in en
    fr = "\n".join(_pdftotext(to_pdf(_french()), tmp_path, "-layout"))
    assert "1\u00a0234,56\u00a0€" in fr or "1 234,56 €" in fr.replace(NBSP, " ")
    assert "1 Mo" in fr.replace(NBSP, " ")


def test_ids_beside_labels_only_when_asked(tmp_path: Path) -> None:
    plain = "\n".join(_pdftotext(to_pdf(_english(5)), tmp_path, "-layout"))
    shown = "\n".join(_pdftotext(to_pdf(_english(5, ids=True)), tmp_path, "-layout"))
    assert "(BT-27)" in shown and "(BG-4)" in shown and "(BT-154)" in shown
    assert re.search(r"BT-126\s+BT-153", shown)  # the column headers' ids, whole
    assert "(BT-27)" not in plain and "(BG-4)" not in plain and "BT-153" not in plain


def test_same_view_same_bytes() -> None:
    assert to_pdf(_english()) == to_pdf(_english())
    assert to_pdf(_german()) == to_pdf(_german())


def test_a_value_taller_than_a_page_continues_on_the_next(tmp_path: Path) -> None:
    huge = "\n".join(f"Paragraph {i} of a very long note." for i in range(200))
    view = View(lang="en", title="Invoice X", source="x.xml", syntax="CII", specification="", valid=None,
                rule_sets=(), findings=(), sections=(Section("notes", "Notes", "", (
                    Field("BT-22", "Invoice note", huge), Field("BT-22", "Invoice note", "after the long one"))),))
    pdf = to_pdf(view)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) >= 3
    assert _missing(pdf, view, tmp_path) == []
    lines = [line.strip() for page in _pdftotext(pdf, tmp_path, "-raw") for line in page.split("\n")]
    found = [line[line.index("Paragraph "):] for line in lines if "Paragraph " in line]
    assert found == [f"Paragraph {i} of a very long note." for i in range(200)]


def test_split_row_keeps_every_line_within_the_height() -> None:
    style = Style(FONT, 8.5, 11, "0 0 0")
    tall = Para([(10.0, ((0.0, f"line {i}", FONT, "0 0 0"),)) for i in range(30)], style, after=2)
    short = Para([(10.0, ((0.0, "label", FONT, "0 0 0"),))], style)
    row = Row([(0.0, 50.0, [short]), (50.0, 100.0, [tall, short])], 2, 2, None, (0.3, "0 0 0"), None,
              2 + tall.height + 2 + short.height + 2)
    parts = split_row(row, 100)
    assert parts is not None
    first, rest = parts
    assert first.height <= 100 and first.below is None and rest.below == (0.3, "0 0 0")
    texts = [piece[1] for r in parts for _, _, paras in r.cells for p in paras for _, pieces in p.lines
             for piece in pieces]
    assert sorted(texts) == sorted(["label", "label", *(f"line {i}" for i in range(30))])
    assert split_row(row, 5) is None


def test_importing_the_package_does_not_import_reportlab() -> None:
    code = ("import sys, facturx_engine, facturx_engine.apps.view; "
            "assert 'reportlab' not in sys.modules, 'reportlab imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_the_check_notices_a_missing_string(tmp_path: Path) -> None:
    view = _german()
    shown = View(**{**{f: getattr(view, f) for f in view.__dataclass_fields__}, "sections": view.sections[:-1]})
    assert _missing(to_pdf(shown), view, tmp_path) == ["Gesamtbeträge", "Gesamtbetrag mit Umsatzsteuer",
                                                       "1.333,56\u00a0€"]


def test_odd_tables_and_characters_the_fonts_lack(tmp_path: Path) -> None:
    view = View(lang="en", title="Invoice Y", source="", syntax="UBL Invoice", specification="", valid=None,
                rule_sets=(), findings=(Finding("FXE-NOT-READ", "warning", "/ubl:Invoice/cbc:Foo", "Not read: Foo"),),
                sections=(Section("odd", "Odd tables", "", tables=(
                    Table("No rows", "", (Column("BT-1", "Only a header"),), ()),
                    Table("No columns", "", (), (("cell without column", "second"),)),
                    Table("More cells", "", (Column("", "A"), Column("", "B")), (("a", "b", "extra"),)),
                    Table("Long word", "", (Column("", "URL"),), (("https://example.com/" + "x" * 400,),)),
                )), Section("chars", "Łódź 漢字", "", (Field("", "Name", "Őrség – « spécial » ’"),))))
    pdf = to_pdf(view)
    assert _missing(pdf, view, tmp_path) == []
    text = _body(pdf, view, tmp_path)
    assert "Orség–«spécial»’" in text and "??" in text  # drawn with their base letter, else '?'


def test_an_item_starts_a_page_with_its_details(tmp_path: Path) -> None:
    """However the page breaks fall (the table pushed down by 0 to 39 lines of text above it), a page
    never starts with details cut off from the item they belong to."""
    view = _english(20)
    for k in range(40):
        first = view.sections[0]
        pad = Field("", "Padding", "\n".join(["pad"] * (k + 1)))
        padded = dataclasses.replace(first, fields=(*first.fields, pad))
        pdf = to_pdf(dataclasses.replace(view, sections=(padded, *view.sections[1:])))
        for page in _pdftotext(pdf, tmp_path, "-layout")[1:]:
            lines = [line.strip() for line in page.split("\n") if line.strip()]
            header = next((i for i, line in enumerate(lines) if re.match(r"Line\s+Item name", line)), None)
            if header is not None and header < 3:  # the table continues on this page
                assert re.match(r"\d+\s+Article", lines[header + 1]), (k, lines[header + 1:header + 3])


# ---------------------------------------------------------------------------- random views

_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=0x17F, blacklist_categories=("Cs", "Cc", "Cf"))
                | st.sampled_from(["\n", "€", NNBSP, NBSP, "–", "’", "漢"]), max_size=80)
_TERM = st.sampled_from(["", "BT-1", "BT-20", "BG-25", "BT-153"])
_FIELDS = st.lists(st.builds(Field, _TERM, _TEXT, _TEXT), max_size=4).map(tuple)


@st.composite
def _tables(draw: st.DrawFn) -> Table:
    columns = tuple(draw(st.lists(st.builds(Column, _TERM, _TEXT, st.booleans()), max_size=4)))
    rows = tuple(tuple(draw(st.lists(_TEXT, min_size=len(columns), max_size=len(columns))))
                 for _ in range(draw(st.integers(0, 5))))
    details = tuple(draw(_FIELDS) for _ in rows) if draw(st.booleans()) else ()
    return Table(draw(_TEXT), draw(_TERM), columns, rows, details)


_SECTIONS = st.recursive(
    st.builds(Section, st.just("s"), _TEXT, _TERM, _FIELDS, st.lists(_tables(), max_size=2).map(tuple)),
    lambda inner: st.builds(Section, st.just("s"), _TEXT, _TERM, _FIELDS, st.just(()),
                            st.lists(inner, max_size=3).map(tuple)), max_leaves=6)
_FINDINGS = st.lists(st.builds(Finding, st.sampled_from(["BR-CO-15", "PEPPOL-EN16931-R001", "XSD"]),
                               st.sampled_from(["fatal", "warning", "information", "odd"]), st.just(""), _TEXT,
                               st.lists(_TERM.filter(bool), max_size=3).map(tuple),
                               line=st.none() | st.integers(1, 99999)), max_size=3).map(tuple)
_VIEWS = st.builds(
    View, lang=st.sampled_from(["fr", "en", "de"]), title=_TEXT.filter(lambda t: t.strip() != ""), source=_TEXT,
    syntax=_TEXT, specification=_TEXT, valid=st.none() | st.booleans(),
    rule_sets=st.lists(_TEXT, max_size=2).map(tuple),
    findings=_FINDINGS, sections=st.lists(_SECTIONS, max_size=4).map(tuple),
    attachments=st.lists(st.builds(Attachment, _TEXT, _TEXT, st.integers(0, 10**9), _TEXT), max_size=2).map(tuple),
    show_ids=st.booleans())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(view=_VIEWS)
def test_random_views_show_every_string(view: View, tmp_path: Path) -> None:
    pdf = to_pdf(view)
    assert pdf == to_pdf(view)
    assert _missing(pdf, view, tmp_path) == []


# ----------------------------------------------------------------------------- real documents: PDF == HTML

_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _real_documents() -> list[str]:
    if not _CORPUS.is_dir():
        return []
    return sorted(str(p.relative_to(_CORPUS)) for sub in ("cii", "ubl", "pdf") for p in (_CORPUS / sub).glob("*"))


@pytest.mark.parametrize("name", _real_documents() or [None])
@pytest.mark.parametrize("lang", ["de"])
def test_corpus_pdf_view_says_what_the_html_view_says(name: str | None, lang: str, tmp_path: Path) -> None:
    """The two drawings of one view of a real document: every string the view says is in the PDF's text and
    in the HTML's text (so the PDF and the HTML say the same thing)."""
    if name is None:
        pytest.skip(f"SHARED CORPUS ABSENT: {_CORPUS} not found, the PDF view of real documents NOT tested")
    from lxml import html as lxml_html

    from facturx_engine.apps.view.build import build_view
    from facturx_engine.apps.view.html import to_html

    data = (_CORPUS / name).read_bytes()
    view = build_view(data, name=Path(name).name, lang=lang, ids=True)
    assert _missing(to_pdf(view), view, tmp_path) == []
    text = _squash(lxml_html.fromstring(to_html(view)).text_content())
    assert [s for s in view_texts(view) if _squash(s) not in text] == []


def test_characters_the_fonts_cannot_draw_are_said_on_the_page(tmp_path: Path) -> None:
    """Greek, Cyrillic or CJK text cannot be drawn with the embedded fonts: the page says so, naming the code
    points (the HTML view shows them as written); a view the fonts cover says nothing of the kind."""
    from facturx_engine.apps.view.pdf import not_drawn

    seller = Section("seller", "Seller", "BG-4", (Field("BT-27", "Seller name", "Ελληνική ΑΕ — Łódź 1\u202f234,00\u00a0€"),))
    view = dataclasses.replace(_english(3), sections=(seller,))
    lacking = not_drawn(view)
    assert "Ε" in lacking and "ź" in lacking and "\u202f" not in lacking and "€" not in lacking
    text = " ".join(_pdftotext(to_pdf(view), tmp_path))
    assert "cannot be drawn" in text and f"U+{ord(lacking[0]):04X}" in text
    assert not_drawn(_english(3)) == []
    assert "cannot be drawn" not in " ".join(_pdftotext(to_pdf(_english(3)), tmp_path))
