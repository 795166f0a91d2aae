"""facturx_engine.i18n: one catalogue of labels in French, English and German, and the formats of
each language through Babel.

Every key of every ``*.tsv`` of the catalogue has a word in all three languages and is in one
file only, every business term and group of the term table is labelled, the codes a reader meets
(document types, VAT categories, payment means, note subjects, allowance and charge reasons,
units) are named, :class:`Fmt` writes amounts, numbers, rates, dates and units each language's
way, and the rendered invoice in German (``Template(lang="de")``, also from a JSON template
through the CLI) shows German words and German amounts.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from facturx_engine.cli import commands as cli
from facturx_engine.errors import InputError
from facturx_engine.i18n import CODE_LISTS, LANGS, Fmt, code_label, label, labels, term_label, unit_forms
from facturx_engine.io.jsonio import load_document
from facturx_engine.model.codes import DocumentType, VatCategory
from facturx_engine.syntax import terms

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "facturx_engine" / "i18n"
FIXTURES = ROOT / "fixtures" / "invoices"
NNBSP, NBSP = "\u202f", "\u00a0"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        assert reader.fieldnames == ["key", *LANGS], path.name
        return list(reader)


# ---------------------------------------------------------------------------- the catalogue


def test_every_key_has_a_word_in_every_language_and_is_in_one_file() -> None:
    seen: dict[str, str] = {}
    files = sorted(CATALOGUE.glob("*.tsv"))
    assert {"terms.tsv", "codes.tsv", "labels.tsv"} <= {p.name for p in files}
    for path in files:
        for row in _rows(path):
            key = row["key"]
            assert key not in seen, f"{key} is in {seen.get(key)} and {path.name}"
            seen[key] = path.name
            assert None not in row, f"{path.name}: {key} has more columns than key, fr, en, de"
            for lang in LANGS:
                word = row[lang]
                assert word and word == word.strip(), f"{path.name}: {key} has no clean {lang} word: {word!r}"
                assert label(key, lang) == word == labels(lang)[key]


def test_every_term_and_group_of_the_term_table_is_labelled() -> None:
    rows = {row["key"]: row for row in _rows(CATALOGUE / "terms.tsv")}
    for term in terms.ids():
        assert term in rows, f"{term} has no row in terms.tsv"
    for group in (f"BG-{n}" for n in range(1, 33)):  # every EN 16931 group, also those the table has no row for
        assert group in rows, group
    assert term_label("BT-27", "fr") == "Nom du vendeur"
    assert term_label("BT-27", "en") == "Seller name"
    assert term_label("BT-27", "de") == "Name des Verkäufers"
    assert term_label("BT-29-1", "en") == "Seller identifier scheme"
    assert term_label("BG-4", "de") == "Verkäufer"
    assert term_label("BT-999", "en") == "BT-999"  # unknown: the id itself


def test_labels_of_one_term_differ_between_the_parties() -> None:
    """The table names BT-27 and BT-44 both "Name": the labels say whose."""
    for lang in LANGS:
        for seller, buyer in (("BT-27", "BT-44"), ("BT-35", "BT-50"), ("BT-31", "BT-48"), ("BT-43", "BT-58")):
            assert term_label(seller, lang) != term_label(buyer, lang), (seller, buyer, lang)


_CODES = {
    "1001": [t.value for t in DocumentType] + ["261", "383", "393", "396", "326", "751", "875", "876", "877",
                                               "81", "83", "262", "471", "472", "473", "500", "501", "502", "503"],
    "5305": [c.value for c in VatCategory] + ["B"],
    "4461": "1 10 20 30 31 42 48 49 54 55 57 58 59 68 97 ZZZ".split(),
    "4451": "AAI AAB AAC AAD ABL ACC ADU PMD PMT REG SUR TXD AAK CUS".split(),
    "5189": "41 42 60 62 63 64 65 66 67 68 70 71 88 95 100 102 103 104 105".split(),  # the EN 16931 list
    "7161": "AA AAA AAC AAT ABK ABL ADK ADR AEO AJ CG DL FC FI HD IS LA PC SAA SH TAC TV ZZZ".split(),
    "2005": ["3", "35", "432"],
    "rec20": "C62 H87 EA XPP HUR DAY MON ANN KGM GRM TNE LTR MTR KMT MTK MTQ KWH SET PR WEE MIN SEC P1 LS E48 "
             "XBX XPK".split(),
    "vatex": "VATEX-EU-AE VATEX-EU-IC VATEX-EU-G VATEX-EU-O VATEX-FR-FRANCHISE VATEX-FR-CNWVAT".split(),
}


@pytest.mark.parametrize("list_id", sorted(_CODES))
def test_the_codes_a_reader_meets_are_named(list_id: str) -> None:
    assert list_id in CODE_LISTS
    for code in _CODES[list_id]:
        for lang in LANGS:
            name = code_label(list_id, code, lang)
            assert name and "|" not in name, (list_id, code, lang)


def test_code_labels() -> None:
    assert code_label("1001", "380", "de") == "Rechnung"
    assert code_label("1001", "381", "fr") == "Avoir"
    assert code_label("4461", "58", "de") == "SEPA-Überweisung"
    assert code_label("5305", "AE", "en") == "Reverse charge"
    assert code_label("rec20", "HUR", "fr") == "heure"  # a unit in the singular
    assert code_label("1001", "999", "en") is None  # not named: the caller shows the code
    with pytest.raises(KeyError, match="no code list"):
        code_label("9999", "1", "en")


def test_unit_forms() -> None:
    assert unit_forms("HUR", "de") == ("Stunde", "Stunden")
    assert unit_forms("KGM", "fr") == ("kg",)
    assert unit_forms("NOPE", "en") is None


@pytest.mark.parametrize("call", [lambda: label("grand_total", "it"), lambda: labels("es"),
                                  lambda: term_label("BT-1", "EN"), lambda: code_label("1001", "380", ""),
                                  lambda: Fmt("nl")])
def test_an_unknown_language_is_an_input_error_naming_the_field(call: object) -> None:
    with pytest.raises(InputError) as err:
        call()  # type: ignore[operator]
    assert err.value.field == "lang" and "fr, en, de" in str(err.value)


# ---------------------------------------------------------------------------- formats


@pytest.mark.parametrize(("lang", "money", "usd", "price", "num", "places", "rate", "date", "long"), [
    ("fr", f"1{NNBSP}234,50{NBSP}€", f"-9{NNBSP}564,00{NBSP}USD", f"12,3456{NBSP}€", f"1{NNBSP}234,5", "2,00",
     f"5,5{NBSP}%", "14/03/2025", "14 mars 2025"),
    ("en", "€1,234.50", f"-USD{NBSP}9,564.00", "€12.3456", "1,234.5", "2.00", "5.5%", "14 Mar 2025",
     "14 March 2025"),
    ("de", f"1.234,50{NBSP}€", f"-9.564,00{NBSP}USD", f"12,3456{NBSP}€", "1.234,5", "2,00", f"5,5{NBSP}%",
     "14.03.2025", "14. März 2025"),
])
def test_formats_per_language(lang: str, money: str, usd: str, price: str, num: str, places: str, rate: str,
                              date: str, long: str) -> None:
    f = Fmt(lang)
    assert f.money(Decimal("1234.5")) == money
    assert f.money(Decimal("-9564"), "USD") == usd  # any currency but EUR and GBP is written with its code
    assert f.price(Decimal("12.3456")) == price
    assert f.num(Decimal("1234.500")) == num
    assert f.num(Decimal("1.999"), 2) == places
    assert f.rate(Decimal("5.5")) == rate and f.rate(None) == ""
    assert f.date(dt.date(2025, 3, 14)) == date and f.date(None) == ""
    assert f.date(dt.date(2025, 3, 14), "long") == long


def test_units_take_the_form_of_the_quantity() -> None:
    fr, en, de = Fmt("fr"), Fmt("en"), Fmt("de")
    assert [fr.unit("HUR", Decimal(q)) for q in ("1", "1.5", "2")] == ["heure", "heure", "heures"]
    assert [en.unit("HUR", Decimal(q)) for q in ("1", "1.0", "1.5", "100")] == ["hour", "hour", "hours", "hours"]
    assert [de.unit("DAY", Decimal(q)) for q in ("1", "3")] == ["Tag", "Tage"]
    assert fr.unit("MON", Decimal(5)) == "mois" and en.unit("EA", Decimal(5)) == "each"
    assert de.unit("XYZ", Decimal(2)) == "XYZ"


def test_countries() -> None:
    assert (Fmt("fr").country("DE"), Fmt("en").country("de"), Fmt("de").country("FR")) == \
        ("Allemagne", "Germany", "Frankreich")
    assert Fmt("en").country("ZZZ9") == "ZZZ9"


def test_the_page_draws_the_narrow_no_break_space_as_a_no_break_space() -> None:
    """The Bitstream Vera fonts lack U+202F (CLDR's French group separator)."""
    from facturx_engine.pdf.render.fonts import fonts
    from facturx_engine.pdf.render.labels import PageFmt

    assert ord(NNBSP) not in fonts()[0] and ord(NBSP) in fonts()[0]
    assert PageFmt("fr").money(Decimal("11123.64")) == f"11{NBSP}123,64{NBSP}€"


# ---------------------------------------------------------------------------- the page in German


def _text(pdf: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not found (install poppler-utils): text checks skipped")
    src = tmp_path / "page.pdf"
    src.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(src), "-"], check=True, capture_output=True).stdout
    return out.decode("utf-8").replace(NBSP, " ")


def test_invoice_rendered_in_german(tmp_path: Path) -> None:
    from facturx_engine.pdf.render.layout import render
    from facturx_engine.pdf.render.template import Template

    doc = load_document((FIXTURES / "fr_b2b.json").read_bytes())
    text = _text(render(doc, Template(lang="de")), tmp_path)
    for word in ("Rechnung", "Bezeichnung", "Einzelpreis", "Aufschlüsselung der Umsatzsteuer", "Normalsatz 20 %",
                 "Gesamtbetrag netto", "Gesamtbetrag brutto", "Zahlbetrag", "Zahlungsart: SEPA-Überweisung",
                 "Fällig am", "Tage", "Monate", "Seite 1 / 1", "USt-IdNr.: FR83852147966"):
        assert word in text, word
    for amount in ("11.123,64 €", "9.269,70 €", "1.853,94 €", "7.800,00 €", "650,00 €"):
        assert amount in text, amount
    assert "14.03.2025" in text and "01.02.2025 – 28.02.2025" in text
    assert "Net à payer" not in text and "Amount due" not in text


def test_credit_note_and_foreign_currency_in_german(tmp_path: Path) -> None:
    from facturx_engine.pdf.render.layout import render
    from facturx_engine.pdf.render.template import Template

    credit = _text(render(load_document((FIXTURES / "credit_note_381.json").read_bytes()), Template(lang="de")),
                   tmp_path)
    assert "Gutschrift" in credit and "Gutschriftsbetrag" in credit
    usd = _text(render(load_document((FIXTURES / "foreign_currency_bt6.json").read_bytes()), Template(lang="de")),
                tmp_path)
    assert "9.564,00 USD" in usd and "Umsatzsteuer in EUR" in usd


def test_cli_render_with_a_german_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tpl, out = tmp_path / "t.json", tmp_path / "r.pdf"
    tpl.write_text(json.dumps({"lang": "de", "primary_color": "#224466"}), encoding="utf-8")
    code = cli.main(["render", str(FIXTURES / "fr_b2b.json"), "--template", str(tpl), "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    assert "Gesamtbetrag brutto" in _text(out.read_bytes(), tmp_path)
    tpl.write_text(json.dumps({"lang": "it"}), encoding="utf-8")
    code = cli.main(["render", str(FIXTURES / "fr_b2b.json"), "--template", str(tpl), "-o", str(tmp_path / "x.pdf")])
    err = capsys.readouterr().err
    assert code == 2 and "lang" in err and "fr, en, de" in err and "Traceback" not in err
