"""A Factur-X PDF's page shows exactly the amounts its XML states (issue 11).

The page text is extracted with ``pdftotext -layout`` and compared with the embedded XML, both
ways: every money amount printed on the page is an amount the XML states (an ``*Amount``
element: totals, VAT breakdown, line net amounts, prices, allowances), and every stated total
(BT-106..BT-115 as the totals block lists them), VAT breakdown amount (BT-116, BT-117) and line
net amount (BT-131) is on the page, each total on the row of its label. For a received document
whose stated totals differ from the ones computed from its lines (CEN UBL example 1: line 20 is
-109.98 for 6 x 18.33), ``convert --to facturx`` shows the stated amounts and a notice naming
the differences; the computed ones appear only in that notice.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from facturx_engine.syntax.read import read_document
from facturx_engine.i18n import LANGS, label, labels
from facturx_engine.syntax.cii import to_cii
from facturx_engine.model.codes import Profile
from facturx_engine.apps.convert import convert
from facturx_engine.io.jsonio import load_document
from facturx_engine.pdf.embed import to_facturx
from facturx_engine.pdf.extract import extract

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "invoices"
CORPUS = ROOT.parent / "shared" / "corpus"

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                reason="SKIPPED LOUDLY: pdftotext (poppler-utils) is not installed")

_MONEY = r"(-?)(\d{1,3}(?:[ \u00a0\u202f]\d{3})*,\d{2,})[ \u00a0\u202f]?(?:€|[A-Z]{3}|\$|£)"
_TOTALS = (("line_total", "BT-106"), ("tax_exclusive", "BT-109"), ("tax_total", "BT-110"),
           ("grand_total", "BT-112"), ("due", "BT-115"))


def _page_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "page.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _amounts(text: str) -> list[Decimal]:
    import re

    found = []
    for sign, digits in re.findall(_MONEY, text):
        value = Decimal(re.sub(r"[ \u00a0\u202f]", "", digits).replace(",", "."))
        found.append(-value if sign else value)
    return found


def _fr(value: Decimal) -> str:
    """``10000.00`` -> ``10 000,00``: as a French text would write it."""
    return format(value, ",.2f").replace(",", " ").replace(".", ",")


def _xml_amounts(xml: bytes) -> set[Decimal]:
    root = etree.fromstring(xml)
    out = set()
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.rpartition("}")[2].endswith("Amount") and (el.text or "").strip():
            out.add(Decimal(el.text.strip()))
    return out


def _check_page(pdf: bytes, tmp_path: Path, *, gross: bool = False) -> tuple[str, Any]:
    """The comparisons of the module docstring; returns the page text and the reading of the XML."""
    xml, _ = extract(pdf)
    text = _page_text(pdf, tmp_path)
    shown = _amounts(text)  # the notice's computed figures are written 449.56, not as money: not matched
    stated = _xml_amounts(xml)
    words = " ".join(" ".join(etree.fromstring(xml).itertext()).replace("\u00a0", " ").split())
    if not gross:  # VAT-inclusive prices: the line columns show gross figures the XML does not state
        strays = [a for a in shown if a not in stated and -a not in stated
                  and _fr(abs(a)) not in words]  # an amount written in a note or description is the XML's text
        assert not strays, f"amounts on the page that the XML does not state: {strays}"
    reading = read_document(xml)
    totals = reading.stated_totals
    lines = [ln.strip() for ln in text.splitlines()]
    for lang in ("fr", "en"):
        words = dict(labels(lang))
        if reading.document.is_credit_note:
            words["due"] = words["due_credit"]
        if not any(words["due"] in ln for ln in lines):
            continue
        for key, bt in _TOTALS:  # the totals block is the right column: the label, then its amount
            rows = [ln[ln.index(words[key]) + len(words[key]):] for ln in lines if f"{words[key]}  " in ln]
            rows = [r for r in rows if _amounts(r)]
            if bt in totals and (rows or key != "line_total"):
                assert rows, f"no row {words[key]!r} ({bt}) on the page"
                assert _amounts(rows[0])[0] == totals[bt], (bt, rows[0], totals[bt])
        break
    else:
        raise AssertionError("the totals block was not found on the page")
    for _cat, _rate, basis, tax, *_ in totals.get("BG-23", ()):
        for amount in (basis, tax):
            assert amount is None or amount in shown, f"VAT breakdown amount {amount} is not on the page"
    if not gross:
        for net in reading.stated_line_amounts:
            assert net is None or net in shown, f"line net amount {net} is not on the page"
    return text, reading


def _quiet(data: bytes, to: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return convert(data, to, deterministic=True)


def test_discrepancy_is_shown_as_stated_with_a_notice(tmp_path: Path) -> None:
    source = CORPUS / "ubl" / "cen__ubl-tc434-example1.xml"
    if not source.is_file():
        pytest.skip(f"SKIPPED LOUDLY: {source} is absent")
    result = _quiet(source.read_bytes(), "facturx")
    assert result.report.valid
    text, reading = _check_page(result.data, tmp_path)
    assert reading.stated_totals["BT-112"] == Decimal("250.33")
    assert "250,33" in text and "483,49" not in text  # the stated grand total, never the computed one
    flat = " ".join(text.split())
    assert label("stated_notice", "fr").split(";")[0] in flat  # the default template is French
    assert "BT-112" in flat and "483.49" in flat and "-109.98" in flat  # the notice names the differences
    assert any("as the XML does" in n for n in result.notes)


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("*.json")))
def test_rendered_invoice_pages_state_the_xml_amounts(name: str, tmp_path: Path) -> None:
    doc = load_document((FIXTURES / f"{name}.json").read_bytes())
    if doc.seller.address is None or doc.buyer.address is None:
        pytest.skip("no postal addresses: nothing to render")
    xml = to_cii(doc, Profile.EXTENDED if name in ("final_after_two_deposits", "extended_ctc_fr") else Profile.EN16931)
    pdf = to_facturx(doc, xml=xml, validate_xml=False, deterministic=True)
    text, _ = _check_page(pdf, tmp_path, gross=doc.prices_include_vat)
    assert not any(label("stated_notice", lang)[:30] in " ".join(text.split()) for lang in LANGS)


@pytest.mark.parametrize("name", ["cen__CII_example1", "cen__CII_example4", "cen__CII_example9"])
def test_converted_corpus_pages_state_the_xml_amounts(name: str, tmp_path: Path) -> None:
    source = CORPUS / "cii" / f"{name}.xml"
    if not source.is_file():
        pytest.skip(f"SKIPPED LOUDLY: {source} is absent")
    result = _quiet(source.read_bytes(), "facturx")
    _check_page(result.data, tmp_path, gross=result.source.document.prices_include_vat)
