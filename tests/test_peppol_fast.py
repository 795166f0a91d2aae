"""The fast evaluation of the Peppol rules (``facturx_engine.validation.peppol.selection``) gives exactly the
findings of the reference path, which hands every context and test to lxml as written
(``evaluate(..., fast=False)``): same rules, flags, locations, lines and messages, in the same order.

Compared on every violating example of the Peppol test modules (as written and with lines and payment
means repeated), on the base documents grown in lines, notes, payment means, allowances and references for
each country with national rules, on every UBL and CII file of ``../shared/corpus``, and expression by
expression on a small document built to hit the corners (unions, duplicates, positional and numeric
predicates, attribute and parent predicates, absolute paths inside tests).
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest
from lxml import etree

import test_peppol
from facturx_engine.findings import Finding
from facturx_engine.pdf.extract import extract
from facturx_engine.validation.peppol import RULES
from facturx_engine.validation.peppol.engine import NS, evaluate
from facturx_engine.validation.peppol.selection import Selector, hoist, parse_context
from peppol_support import Case, base, case_ids, edit

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
COUNTRIES = (None, "DE", "DK", "SE", "NL", "GR", "IS", "IT", "NO")
GROWN = {
    "UBL": ("cac:InvoiceLine", "cbc:Note", "cac:PaymentMeans", "cac:TaxTotal/cac:TaxSubtotal",
            "//cac:PartyIdentification", "//cac:AllowanceCharge"),
    "CII": ("//ram:IncludedSupplyChainTradeLineItem", "//ram:SpecifiedTradeSettlementPaymentMeans",
            "//ram:IncludedNote", "//ram:SpecifiedTradeAllowanceCharge", "//ram:ApplicableTradeTax"),
}
"""What the differential tests repeat (a path the document lacks, as an allowance in the base documents, is
skipped: the violating examples add some)."""


def _syntax(root: etree._Element) -> str:
    return "CII" if root.tag.endswith("CrossIndustryInvoice") else "UBL"


def _row(finding: Finding) -> tuple[object, ...]:
    return (finding.rule, finding.severity, finding.location, finding.line, finding.message, finding.bt_ids,
            finding.source)


def _assert_same(root: etree._Element) -> list[Finding]:
    syntax = _syntax(root)
    reference = [_row(finding) for finding in evaluate(RULES, root, syntax, fast=False)]
    fast = [_row(finding) for finding in evaluate(RULES, root, syntax)]
    assert fast == reference
    return evaluate(RULES, root, syntax)


def _grow(root: etree._Element, path: str, copies: int) -> etree._Element:
    """``root`` with ``copies`` copies of the first element at ``path`` after it (unchanged if none)."""
    found = root.xpath(path, namespaces=NS)
    if found:
        element = found[0]
        parent = element.getparent()
        for _ in range(copies):
            parent.insert(parent.index(element) + 1, copy.deepcopy(element))
    return root


def _in_country(root: etree._Element, country: str | None) -> etree._Element:
    if country:
        for code in root.xpath("//cac:Country/cbc:IdentificationCode | //ram:CountryID", namespaces=NS):
            code.text = country
    return root


ALL_CASES = test_peppol.ALL_CASES


@pytest.mark.parametrize("case", ALL_CASES, ids=case_ids(ALL_CASES))
def test_violating_examples_give_the_reference_findings(case: Case) -> None:
    root = etree.fromstring(edit(base(case[1], case[2]), case[3]))
    assert _assert_same(root), "the example fires nothing"
    for path in GROWN[case[1]][:3]:
        _grow(root, path, 2)
    _assert_same(root)


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize(("syntax", "credit"), [("UBL", False), ("UBL", True), ("CII", False)])
def test_grown_documents_give_the_reference_findings(syntax: str, credit: bool, country: str | None) -> None:
    for path in GROWN[syntax]:
        root = _in_country(etree.fromstring(base(syntax, credit)), country)
        _assert_same(_grow(root, path, 40))
    root = _in_country(etree.fromstring(base(syntax, credit)), country)
    for path in GROWN[syntax]:
        _grow(root, path, 5)
    _assert_same(root)


def _corpus_files() -> list[str]:
    if not (CORPUS / "INDEX.tsv").is_file():
        return []
    rows = (CORPUS / "INDEX.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return sorted(row.split("\t")[0] for row in rows if row.strip())


@pytest.mark.skipif(not (CORPUS / "INDEX.tsv").is_file(),
                    reason=f"!!! SHARED CORPUS FOLDER MISSING: {CORPUS} (expected ../shared/corpus) !!!")
@pytest.mark.parametrize("name", _corpus_files() or ["(no corpus)"])
def test_corpus_files_give_the_reference_findings(name: str) -> None:
    path = CORPUS / name
    if path.suffix == ".pdf":
        root = etree.fromstring(extract(path.read_bytes())[0])
    else:
        root = etree.parse(str(path)).getroot()
    _assert_same(root)


def test_the_corpus_is_there_to_compare() -> None:
    if (CORPUS / "INDEX.tsv").is_file():
        assert len(_corpus_files()) == 73


_CORNERS = b"""<?xml version="1.0"?>
<r xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
   xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2" x="1">
  <cbc:Code>EUR</cbc:Code>
  <cac:A n="1"><cbc:ID schemeID="0088">1</cbc:ID><cac:B><cbc:ID>2</cbc:ID></cac:B></cac:A>
  <cac:A><cbc:ID schemeID="0192"> 3 </cbc:ID><cac:A><cbc:ID schemeID="0088">4</cbc:ID></cac:A></cac:A>
  <cac:C><cbc:Amount currencyID="EUR">5</cbc:Amount><cbc:Amount currencyID="USD">6</cbc:Amount></cac:C>
  <cac:C><cbc:Amount>7</cbc:Amount><!-- a comment --><?pi x?></cac:C>
</r>"""

CONTEXTS = [
    "//cbc:ID", "//cac:A/cbc:ID", "/r/cac:A", "/*/cac:A", "/*/cac:A/cac:A/cbc:ID", "//cac:A//cbc:ID",
    "/r//cbc:ID", "//cbc:ID[@schemeID]", "//cbc:ID[@schemeID = '0088']", "//cbc:ID[@schemeID = \"0192\"]",
    "//cbc:ID[@schemeID = '0088'] | //cac:B/cbc:ID | //cbc:ID[@schemeID = '0088']", "//cbc:Amount | //cac:A",
    "(//cac:A | //cac:C)[cbc:Amount]", "(//cbc:ID | //cbc:Amount)[$yes and $no]", "(//cbc:ID | //cbc:Amount)[$yes]",
    "//cbc:ID[1]", "(//cbc:ID | //cbc:Amount)[2]", "//cbc:ID[position() = 1]", "//cbc:ID[last()]",
    "//cbc:ID[$one]", "//cbc:ID[normalize-space(.) = '3']", "//cbc:ID[../@n = '1']", "//cac:A[cac:A]/cbc:ID",
    "/r[@x = '1']/cac:C/cbc:Amount[@currencyID = /*/cbc:Code]", "//cac:A[$yes and cbc:ID = '1' and /*/cbc:Code]",
    "//cbc:Amount[/*/cac:Missing and @currencyID]", "//*[not(*)]", "//cbc:Missing", "/cac:A", "//cbc:Amount/..",
    "//cbc:ID[../cac:B]", "//cbc:Amount[../../cbc:Code = 'EUR']",
]

TESTS = [
    "@currencyID = normalize-space(/*/cbc:Code)", "count(//cbc:ID) > 2", "$yes and /*/cac:A", "/r/@x = '1'",
    "not(/*/cac:Missing) and number(.) > 4", "normalize-space(.) != ''", "(/r | /*/cac:C)[2]/cbc:Amount = 7",
    "string(/*/cac:A[2]/cbc:ID) = ' 3 '", "/  r/cbc:Code", "$one = 1", "//cbc:Amount[@currencyID='USD'] = 6",
    "../cbc:ID[normalize-space()]", "../../cac:A/cbc:ID", "../cbc:Amount[@currencyID = /*/cbc:Code]", "..",
]


@pytest.mark.parametrize("context", CONTEXTS)
def test_contexts_select_what_lxml_selects(context: str) -> None:
    root = etree.fromstring(_CORNERS)
    variables = {"yes": True, "no": False, "one": 1.0}
    expected = [node for node in root.xpath(context, namespaces=NS, **variables) if isinstance(node, etree._Element)]
    assert Selector(root, variables, NS).nodes(context) == expected


@pytest.mark.parametrize("test", TESTS)
def test_tests_have_the_value_lxml_gives(test: str) -> None:
    root = etree.fromstring(_CORNERS)
    variables = {"yes": True, "no": False, "one": 1.0}
    selector = Selector(root, variables, NS)
    for node in root.iter(etree.Element):
        assert selector.value(test, node) == etree.XPath(test, namespaces=NS)(node, **variables), test


def test_shapes_the_translator_refuses_go_to_lxml() -> None:
    for context in ("//*[not(*)]", "//cbc:ID[last()]", "//cbc:ID[position() = 1]", "//cbc:ID/@schemeID",
                    "//cbc:ID/text()", "cbc:ID", "//x:ID", "//cbc:ID[", "(//cbc:ID"):
        assert parse_context(context, NS) is None, context
    assert parse_context("(//cbc:ID | /*/cac:A[@n = '1'])[$yes]", NS) is not None


def test_hoisting_takes_whole_absolute_paths_only() -> None:
    assert hoist("@currencyID = normalize-space(/*/cbc:Code)") == (
        "@currencyID = normalize-space($__path0)", ("/*/cbc:Code",))
    assert hoist("/a[b = '/c'] and ../d/e or //f") == ("$__path0 and ../d/e or $__path1", ("/a[b = '/c']", "//f"))
    assert hoist("'/a' = x") == ("'/a' = x", ())
    assert hoist("count(/a) div 2") == ("count($__path0) div 2", ("/a",))
    for kept in ("/*/@x = '1'", "/a/text() = 'x'", "/a /b", "a/b", "3 * /a", "/"):
        assert hoist(kept) == (kept, ()), kept


def test_the_benchmark_grows_the_documents_it_times() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import bench_peppol

    for syntax, path in bench_peppol.LINES.items():
        root = bench_peppol.grow(syntax, path, 5, "SE")
        assert len(root.xpath(path, namespaces=NS)) == 8
        assert "PEPPOL-EN16931-R120" not in {finding.rule for finding in _assert_same(root)}


@pytest.mark.parametrize("syntax", ["UBL", "CII"])
def test_many_findings_are_located_as_the_reference_locates_them(syntax: str) -> None:
    root = etree.fromstring(base(syntax))
    amount = "cac:InvoiceLine/cbc:LineExtensionAmount" if syntax == "UBL" else \
        "//ram:IncludedSupplyChainTradeLineItem//ram:LineTotalAmount"
    root.xpath(amount, namespaces=NS)[0].text = "999.99"
    _grow(root, GROWN[syntax][0], 50)
    findings = [finding for finding in _assert_same(root) if finding.rule == "PEPPOL-EN16931-R120"]
    assert len(findings) == 51 and findings[-1].location.endswith(("InvoiceLine[51]", "LineItem[51]"))
