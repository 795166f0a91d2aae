"""Reports for CI: every finding with a place in the XML has the line and column of its element's start tag
(XSD, Schematron, Peppol, the engine's own), SARIF regions use them (code points, declared), JSON findings carry
their BT ids, line and column, ``--format svrl`` writes one merged SVRL document per file, and ``generate
--rules`` validates with the rule sets named before writing.

The oracle for a position is the source text itself: at (line, column) of the decoded document, split at CR LF,
LF and CR, stands ``<`` and the name of the element the finding's location ends with.
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path

import pytest
from lxml import etree

from facturx_engine import validate
from facturx_engine.apps import batch
from facturx_engine.apps.svrl import NS as SVRL_NS
from facturx_engine.apps.svrl import render_svrl, svrl_names
from facturx_engine.cli.commands import main
from facturx_engine.findings import Finding
from facturx_engine.validation.position import SourceMap
from installed import EXTRA_INSTALLED, needs_extra  # tests/installed.py

ROOT = Path(__file__).resolve().parents[1]
BROKEN = ROOT / "fixtures" / "broken"
INVOICES = ROOT / "fixtures" / "invoices"
CORPUS = ROOT.parent / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(not (CORPUS / "INDEX.tsv").is_file(),
                                  reason=f"!!! SHARED CORPUS FOLDER MISSING: {CORPUS} -- TEST SKIPPED !!!")
UBL_BROKEN = BROKEN / "arithmetic__BR-CO-15.ubl.xml"  # one line; BR-CO-15 on the root, BR-CO-16 deeper
CII_BROKEN = BROKEN / "vat-category__BR-S-05.cii.xml"
_BREAK = re.compile(r"\r\n|\r|\n")
_LAST_ELEMENT = re.compile(r"(?:^|/)(?:\*:|Q\{[^}]*\}|[\w.\-]+:)?([\w.\-]+)(?:\[[^\]]*\])*(?:/(?:@[^/]*|text\(\)))?$")


def _at(text: str, line: int, column: int) -> str:
    return _BREAK.split(text)[line - 1][column - 1:]


def _check_positions(text: str, findings: tuple[Finding, ...] | list[Finding]) -> int:
    """Assert that each placed finding points at the start tag of the element its location ends with."""
    placed = 0
    for finding in findings:
        if finding.column is None:
            continue
        assert finding.line is not None
        here = _at(text, finding.line, finding.column)
        tag = re.match(r"<([^\s/>]+)", here)
        assert tag, (finding.rule, finding.location, here[:40])
        if finding.location.startswith("/"):
            last = _LAST_ELEMENT.search(finding.location)
            assert last and tag.group(1).split(":")[-1] == last.group(1), (finding.location, here[:60])
        placed += 1
    return placed


def _pretty(data: bytes) -> bytes:
    root = etree.fromstring(data)
    etree.indent(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# --------------------------------------------------------------------------- the position of a start tag


def test_start_tags_of_a_hostile_document() -> None:
    """Tags over several lines, CR LF and lone CR, comments / CDATA / PIs with ``<x`` in them, non-ASCII text."""
    text = ('<?xml version="1.0" encoding="UTF-8"?>\r\n<!-- <b> <c> -->\r\n<a xmlns="urn:x" xmlns:p="urn:p">'
            '<?pi <b?>\r  <p:b\r\n   k="v"\n  >é€😀<![CDATA[<b>]]></p:b><b/><!-- <b/> --><b>ü<b x="1"/></b>\n</a>')
    data = text.encode("utf-8")
    root = etree.fromstring(data)
    elements = list(root.iter(tag=etree.Element))
    starts = SourceMap(data, root).starts(elements)
    assert [starts[el] for el in elements] == [(3, 1), (4, 3), (6, 28), (6, 45), (6, 49)]
    for (line, column) in (starts[el] for el in elements):
        assert _at(text, line, column)[0] == "<"
    assert elements[1].sourceline != 4  # lxml counts the line where the tag ends: not where it begins


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "iso-8859-1", "utf-32", "utf-7"])
def test_columns_count_code_points_in_the_document_encoding(encoding: str) -> None:
    """A byte order mark is not a column; é (2 bytes in UTF-8, 1 in Latin-1), 😀 (2 UTF-16 units) are one."""
    declared = {"utf-8-sig": "UTF-8", "utf-16-le": "UTF-16LE"}.get(encoding, encoding.upper())
    emoji = "" if encoding == "iso-8859-1" else "😀"
    text = f'<?xml version="1.0" encoding="{declared}"?>\n<r>é{emoji}<s/>éé<t/></r>'
    data = text.encode(encoding)
    root = etree.fromstring(data)
    s, t = root[0], root[1]
    starts = SourceMap(data, root).starts([s, t])
    assert starts[s] == (2, 5 + len(emoji)) and starts[t] == (2, 11 + len(emoji))
    assert codecs.lookup(encoding)  # the case is one Python knows


def test_one_huge_line() -> None:
    items = "".join(f"<i n='{n}'>é</i>" for n in range(50_000))
    text = f"<r>{items}</r>"
    root = etree.fromstring(text.encode("utf-8"), etree.XMLParser(huge_tree=False))
    last = root[-1]
    [(line, column)] = SourceMap(text.encode("utf-8"), root).starts([last]).values()
    assert line == 1 and text[column - 1:].startswith("<i n='49999'>")


# --------------------------------------------------------------------------- paths -> elements


def test_paths_of_every_form_resolve_to_their_element() -> None:
    data = (b'<r xmlns="urn:r" xmlns:q="urn:q"><q:a/><q:a><q:b c="1">t</q:b></q:a></r>')
    root = etree.fromstring(data)
    b = root[1][0]
    source = SourceMap(data, root, {"x": "urn:q"})
    iso = "/*:r[namespace-uri()='urn:r'][1]/*:a[namespace-uri()='urn:q'][2]/*:b[namespace-uri()='urn:q'][1]"
    for path in (iso, iso + "/@c", iso + "/text()", "/Q{urn:r}r[1]/Q{urn:q}a[2]/Q{urn:q}b[1]", "/Q{urn:r}r/q:a[2]/x:b",
                 "/*:r/*:a[2]/*:b"):
        assert source.element(path) is b, path
    for path in ("", "/", "line 3", "/*:r/*:a[3]", "/Q{urn:r}r/nope:a", "/Q{urn:r}r/*:a[2]/@c/*:b",
                 "/*:r/*:a[position()=2]", "//*:b", "/*:r[namespace-uri()='urn:other']"):
        assert source.element(path) is None, path


def _svrl_paths(element: etree._Element) -> tuple[str, str]:
    """The ISO skeleton's and SchXslt's location of ``element`` (written here from the tree, independently)."""
    iso, schxslt = [], []
    while element is not None:
        parent = element.getparent()
        qname = etree.QName(element)
        n = 1 if parent is None else list(parent.iterchildren(tag=element.tag)).index(element) + 1
        iso.append(f"*:{qname.localname}[namespace-uri()='{qname.namespace or ''}'][{n}]")
        schxslt.append(f"Q{{{qname.namespace or ''}}}{qname.localname}[{n}]")
        element = parent
    return "/" + "/".join(reversed(iso)), "/" + "/".join(reversed(schxslt))


@needs_corpus
@pytest.mark.parametrize("name", ["cii/cen__CII_example1.xml", "ubl/cen__ubl-tc434-example1.xml",
                                  "cii/xrts__01.17a-INVOICE_uncefact.xml"])
def test_every_element_of_corpus_documents_is_placed(name: str) -> None:
    data = (CORPUS / name).read_bytes()
    root = etree.fromstring(data)
    text = data.decode("utf-8")
    source = SourceMap(data, root)
    elements = list(root.iter(tag=etree.Element))
    findings = []
    for element in elements:
        for path in _svrl_paths(element):
            assert source.element(path) is element, path
            findings.append(Finding("R", "fatal", path, "m"))
    placed = source.place(findings)
    assert _check_positions(text, placed) == len(findings) == 2 * len(elements)
    for element, finding in zip(elements, placed[::2]):
        assert finding.line is not None and finding.line <= (element.sourceline or 0)


# --------------------------------------------------------------------------- validate(): every stage


@pytest.mark.parametrize("name", ["arithmetic__BR-CO-15.ubl.xml", "vat-category__BR-S-05.cii.xml",
                                  "mandatory__BR-06.ubl.xml", "code-list__FX-SCH-A-000580.cii.xml"])
@pytest.mark.parametrize("variant", ["as-is", "pretty", "crlf-bom", "utf-16", "latin-1"])
def test_schematron_findings_point_at_their_element(name: str, variant: str) -> None:
    if name.endswith(".cii.xml") and "FX-SCH" not in name and not EXTRA_INSTALLED:
        pytest.skip("the CEN CII rules are not installed")
    data = (BROKEN / name).read_bytes()
    if variant != "as-is":
        data = _pretty(data)
    text = data.decode("utf-8")
    if variant == "crlf-bom":
        text = text.replace("\n", "\r\n")
        data = codecs.BOM_UTF8 + text.encode("utf-8")
    elif variant in ("utf-16", "latin-1"):
        codec = "utf-16" if variant == "utf-16" else "iso-8859-1"
        text = re.sub("encoding=.UTF-8.", f'encoding="{codec.upper()}"', text, count=1).replace("\n", "\n<!--é-->", 1)
        data = text.encode(codec, "xmlcharrefreplace")  # what Latin-1 lacks: a character reference, columns too
        text = data.decode(codec)
    findings = validate(data, factur_x="FX-SCH" in name).findings
    fatal = [f for f in findings if f.severity == "fatal"]
    assert fatal and all(f.column is not None for f in fatal if f.location.startswith("/*:"))
    assert _check_positions(text, findings) >= len(fatal)


def test_xsd_finding_at_the_start_of_a_tag_written_over_lines() -> None:
    data = _pretty((BROKEN / UBL_BROKEN.name).read_bytes()).decode("utf-8")
    data = data.replace("<cbc:IssueDate>", '<cbc:Bogus\n    a="1"\n  />é<cbc:IssueDate>', 1)
    report = validate(data.encode("utf-8"))
    [xsd] = [f for f in report.findings if f.rule == "XSD"]
    assert xsd.line is not None and xsd.column is not None and xsd.location == f"line {xsd.line}"
    assert _at(data, xsd.line, xsd.column) == "<cbc:Bogus"


def test_many_xsd_errors_on_one_line_each_at_its_element() -> None:
    """Hundreds of invoice lines on one line, every amount refused by the XSD: each error at its own element."""
    root = etree.fromstring(CII_BROKEN.read_bytes())
    trade = root.find("{*}SupplyChainTradeTransaction")
    assert trade is not None
    item = trade.find("{*}IncludedSupplyChainTradeLineItem")
    for _ in range(150):
        trade.insert(0, etree.fromstring(etree.tostring(item)))
    text = re.sub(r"(Amount[^>]*>)([0-9.]+)<", r"\1x\2<", etree.tostring(root, encoding="unicode"))
    assert "\n" not in text
    xsd = [f for f in validate(text.encode("utf-8")).findings if f.rule == "XSD"]
    assert len(xsd) > 150 and all(f.line == 1 for f in xsd)
    assert len({f.column for f in xsd}) == len(xsd)  # each at its own element
    for finding in xsd:
        named = re.search(r"Element '\{[^}]*\}(\w+)'", finding.message)  # libxml2 names the element refused
        assert named and finding.column is not None
        assert re.match(f"<ram:{named.group(1)}[ >]", text[finding.column - 1:]), finding.message


def test_peppol_findings_point_at_their_element() -> None:
    """The engine's own paths (``/ubl-invoice:Invoice``): the root after a comment naming it, its tag over lines."""
    text = _pretty(UBL_BROKEN.read_bytes()).decode("utf-8").replace("\n<Invoice ", "\n<!-- <Invoice> -->\r\n<Invoice\n ", 1)
    report = validate(text.encode("utf-8"), rules=("peppol",))
    peppol = [f for f in report.findings if f.rule.startswith("PEPPOL-")]
    assert peppol and all(f.column is not None for f in peppol)
    assert _check_positions(text, peppol) == len(peppol)
    assert any(f.location == "/ubl-invoice:Invoice" and (f.line, f.column) == (3, 1) for f in peppol)


# --------------------------------------------------------------------------- reports


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_sarif_regions_and_json_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    text = "\ufeff" + _pretty(UBL_BROKEN.read_bytes()).decode("utf-8").replace("\n", "\r\n").replace(
        "<cbc:ID>", "<!-- Crème brûlée 😀 --><cbc:ID>", 1)
    doc = tmp_path / "crlf é.xml"
    doc.write_bytes(text.encode("utf-8"))
    monkeypatch.chdir(tmp_path)
    code, out, _ = _cli(["validate", doc.name, "--format", "sarif", "-j", "1"], capsys)
    assert code == 1
    [run] = json.loads(out)["runs"]
    assert run["columnKind"] == "unicodeCodePoints" and run["newLineSequences"] == ["\r\n", "\n", "\r"]
    source = text[1:]  # an editor does not show the byte order mark
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in run["results"]]
    assert regions and all(r["startLine"] >= 1 and r["startColumn"] >= 1 for r in regions)
    hit = next(r for r in run["results"] if r["ruleId"] == "BR-CO-16")
    region = hit["locations"][0]["physicalLocation"]["region"]
    assert _at(source, region["startLine"], region["startColumn"]).startswith("<cac:LegalMonetaryTotal>")
    code, out, _ = _cli(["validate", doc.name, "--format", "json", "-j", "1"], capsys)
    [entry] = json.loads(out)["files"]
    code, text_report, _ = _cli(["validate", doc.name, "-j", "1"], capsys)
    for finding in entry["findings"]:
        assert {"rule", "severity", "location", "message", "bt_ids", "source", "line", "column"} == set(finding)
        shown = f" [{', '.join(finding['bt_ids'])}]" if finding["bt_ids"] else ""
        place = f"{doc.name}:{finding['line']}:{finding['column']}: " if finding["line"] else ""
        assert f"  {place}{finding['severity']} {finding['rule']}{shown} at " in text_report  # its place, BT ids
    json_hit = next(f for f in entry["findings"] if f["rule"] == "BR-CO-16")
    assert (json_hit["line"], json_hit["column"]) == (region["startLine"], region["startColumn"])
    assert json_hit["bt_ids"] and json_hit["bt_ids"][0] == "BT-115"


_TEXT_PLACE = re.compile(r"^  (?P<file>.+?):(?P<line>\d+):(?P<column>\d+): (?P<severity>fatal|warning) (?P<rule>\S+) ")


def test_text_and_junit_reports_give_file_line_and_column(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The text report starts each finding placed in the file with ``FILE:LINE:COLUMN:`` (as compilers write it),
    at the start tag of its element; JUnit's failure text is those lines, its message names the first one and
    where it is, and the failing test case has that file and line as attributes."""
    text = _pretty(UBL_BROKEN.read_bytes()).decode("utf-8").replace("<cbc:ID>", "<!-- é 😀 --><cbc:ID>", 1)
    doc = tmp_path / "report é.xml"
    doc.write_bytes(text.encode("utf-8"))
    monkeypatch.chdir(tmp_path)
    code, out, _ = _cli(["validate", doc.name, "--format", "json", "-j", "1"], capsys)
    [entry] = json.loads(out)["files"]
    placed = [f for f in entry["findings"] if f["line"]]
    assert code == 1 and placed and all(f["severity"] == "fatal" for f in placed)
    code, report, _ = _cli(["validate", doc.name, "-j", "1"], capsys)
    shown = [m for m in map(_TEXT_PLACE.match, report.splitlines()) if m]
    assert [(m["file"], int(m["line"]), int(m["column"]), m["rule"]) for m in shown] == \
        [(doc.name, f["line"], f["column"], f["rule"]) for f in placed]
    for m in shown:  # the oracle: the source text at that place is the start tag of the finding's element
        tag = re.match(r"<([^\s/>]+)", _at(text, int(m["line"]), int(m["column"])))
        last = _LAST_ELEMENT.search(next(f["location"] for f in placed if f["rule"] == m["rule"]))
        assert tag and last and tag.group(1).split(":")[-1] == last.group(1), m.group(0)
    code, out, _ = _cli(["validate", doc.name, "--format", "junit", "-j", "1"], capsys)
    [case] = etree.fromstring(out.encode("utf-8")).iter("testcase")
    failure = case.find("failure")
    assert failure is not None and (failure.text or "").splitlines() == [m.string for m in shown]
    first = placed[0]
    assert failure.get("message", "").endswith(f"; first: {first['rule']} at {doc.name}:{first['line']}:"
                                               f"{first['column']}")
    assert (case.get("file"), case.get("line")) == (doc.name, str(first["line"]))


def test_text_and_junit_places_of_a_pdf_and_of_the_standard_input() -> None:
    """The place of a finding of the XML in a PDF is not a place in the PDF file: it follows the location,
    ``(embedded XML LINE:COLUMN)``; the standard input is ``<stdin>``; a finding without a place has none."""
    from facturx_engine.apps.report import render

    placed = Finding("BR-CO-15", "fatal", "/*:Invoice[namespace-uri()='urn:x'][1]", "m", line=3, column=7)
    bare = Finding("FXE-X", "fatal", "/", "no place")
    results = [batch.FileResult("a.pdf", "PDF (CII)", "EN 16931", (placed, bare)),
               batch.FileResult(batch.STDIN, "CII", "EN 16931", (placed, bare))]
    lines = render(results, "text").splitlines()
    assert "  fatal BR-CO-15 at /Invoice (embedded XML 3:7): m" in lines
    assert "  <stdin>:3:7: fatal BR-CO-15 at /Invoice: m" in lines
    assert lines.count("  fatal FXE-X at /: no place") == 2 and not any("a.pdf:3" in line for line in lines)
    pdf, stdin = etree.fromstring(render(results, "junit").encode("utf-8")).iter("testcase")
    assert pdf.find("failure").get("message").endswith("; first: BR-CO-15 at embedded XML 3:7")
    assert pdf.get("line") is None and stdin.get("line") == "3"
    assert stdin.find("failure").get("message").endswith("; first: BR-CO-15 at <stdin>:3:7")
    without = batch.FileResult("b.xml", "CII", "EN 16931", (bare,))
    [case] = etree.fromstring(render([without], "junit").encode("utf-8")).iter("testcase")
    assert case.find("failure").get("message") == "CII, profile EN 16931: 1 fatal finding(s)"
    assert case.get("file") is None and case.get("line") is None


def test_pdf_findings_keep_the_xml_place_out_of_the_pdf_region() -> None:
    """The line and column of a finding of the XML in a PDF are not a place in the PDF file."""
    from facturx_engine.apps.report import render

    finding = Finding("BR-CO-15", "fatal", "/*:Invoice[namespace-uri()='urn:x'][1]", "m", line=3, column=7)
    results = [batch.FileResult("a.pdf", "PDF (CII)", "EN 16931", (finding,)),
               batch.FileResult("a.xml", "CII", "EN 16931", (finding,))]
    pdf, xml = json.loads(render(results, "sarif"))["runs"][0]["results"]
    assert "region" not in pdf["locations"][0]["physicalLocation"]
    assert (pdf["properties"]["embeddedXmlLine"], pdf["properties"]["embeddedXmlColumn"]) == (3, 7)
    assert xml["locations"][0]["physicalLocation"]["region"] == {"startLine": 3, "startColumn": 7}
    assert "embeddedXmlLine" not in xml["properties"]


SVRL_GRAMMAR = b"""<grammar xmlns="http://relaxng.org/ns/structure/1.0" ns="http://purl.oclc.org/dsdl/svrl"
    datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
  <start><element name="schematron-output">
    <optional><attribute name="title"/></optional><optional><attribute name="schemaVersion"/></optional>
    <zeroOrMore><element name="text"><text/></element></zeroOrMore>
    <zeroOrMore><element name="ns-prefix-in-attribute-values"><attribute name="prefix"/><attribute name="uri"/>
    </element></zeroOrMore>
    <oneOrMore>
      <element name="active-pattern"><optional><attribute name="id"/></optional>
        <optional><attribute name="name"/></optional><optional><attribute name="role"/></optional>
        <optional><attribute name="documents"/></optional></element>
      <zeroOrMore>
        <element name="fired-rule"><attribute name="context"/></element>
        <zeroOrMore><choice><ref name="finding-failed"/><ref name="finding-report"/></choice></zeroOrMore>
      </zeroOrMore>
    </oneOrMore>
  </element></start>
  <define name="body"><optional><attribute name="id"/></optional><optional><attribute name="flag"/></optional>
    <attribute name="location"/><attribute name="test"/><element name="text"><text/></element></define>
  <define name="finding-failed"><element name="failed-assert"><ref name="body"/></element></define>
  <define name="finding-report"><element name="successful-report"><ref name="body"/></element></define>
</grammar>"""


def test_svrl_merges_every_rule_set_of_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One document in the SVRL namespace, valid against the SVRL grammar (ISO/IEC 19757-3, written out above for
    what the engine emits), one pattern per part with the rule set's name, version and hash, each finding once."""
    out = tmp_path / "r.svrl"
    code, printed, _ = _cli(["validate", str(UBL_BROKEN), "--rules", "fr-ctc", "--format", "svrl", "-o", str(out),
                             "-j", "1"], capsys)
    assert code == 1 and printed == ""
    root = etree.fromstring(out.read_bytes())
    assert etree.RelaxNG(etree.fromstring(SVRL_GRAMMAR)).validate(root)
    assert root.tag == f"{{{SVRL_NS}}}schematron-output"
    patterns = root.findall(f"{{{SVRL_NS}}}active-pattern")
    assert [p.get("id") for p in patterns] == ["xsd", "en16931", "fr-ctc"]
    [result] = batch.check_files([str(UBL_BROKEN)], rules=("fr-ctc",), jobs=1)
    for use in result.rule_sets:
        pattern = next(p for p in patterns if p.get("id") == use.key)
        assert use.sha256 in (pattern.get("name") or "") and use.version in (pattern.get("name") or "")
        assert f"{use.key}={use.version}" in (root.get("schemaVersion") or "")
    items = root.findall(f"{{{SVRL_NS}}}failed-assert") + root.findall(f"{{{SVRL_NS}}}successful-report")
    assert sorted((i.get("id"), i.get("flag"), i.get("location")) for i in items) == \
        sorted((f.rule, f.severity, f.location) for f in result.findings)
    br = next(i for i in items if i.get("id") == "BR-CO-15")
    assert "BR-CO-15" in "".join(br.itertext()) and br.get("flag") == "fatal"
    code, printed, _ = _cli(["validate", str(UBL_BROKEN), "--rules", "fr-ctc", "--format", "svrl", "-j", "1"], capsys)
    assert printed == out.read_text(encoding="utf-8")


def test_svrl_of_several_files_needs_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(UBL_BROKEN), str(BROKEN / "mandatory__BR-06.ubl.xml")]
    code, out, err = _cli(["validate", *files, "--format", "svrl", "-j", "1"], capsys)
    assert code == 2 and out == "" and "-o must name a directory" in err
    code, out, err = _cli(["validate", *files, "--format", "svrl", "-o", str(tmp_path), "-j", "1"], capsys)
    assert code == 1 and out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{Path(f).name}.svrl" for f in files)
    made = tmp_path / "made"
    assert _cli(["validate", *files, "--format", "svrl", "-o", f"{made}/", "-j", "1"], capsys)[0] == 1
    assert sorted(p.name for p in made.iterdir()) == sorted(f"{Path(f).name}.svrl" for f in files)
    for path in made.iterdir():
        assert etree.RelaxNG(etree.fromstring(SVRL_GRAMMAR)).validate(etree.parse(str(path)))


def test_svrl_of_a_file_not_checked_is_still_svrl() -> None:
    grammar = etree.RelaxNG(etree.fromstring(SVRL_GRAMMAR))
    for result in (batch.FileResult("gone.xml", None, None, (Finding("FXE-IO", "fatal", "", "cannot read"),),
                                    io_error=True),
                   batch.FileResult("empty.xml", None, None, ())):
        root = etree.fromstring(render_svrl(result, "facturx-engine-oss test", "gone.xml").encode("utf-8"))
        assert grammar.validate(root), grammar.error_log
        [pattern] = root.findall(f"{{{SVRL_NS}}}active-pattern")
        assert pattern.get("id") == "facturx-engine"
        assert [i.get("id") for i in root.iter(f"{{{SVRL_NS}}}failed-assert")] == [f.rule for f in result.findings]


def test_svrl_names_are_distinct() -> None:
    results = [batch.FileResult(name, None, None, ()) for name in ("a/x.xml", "b/x.xml", "-", "c/X.XML", "x.xml")]
    assert svrl_names(results) == ["x.xml.svrl", "x.xml.2.svrl", "stdin.svrl", "X.XML.3.svrl", "x.xml.4.svrl"]


# --------------------------------------------------------------------------- generate --rules


def test_generate_with_the_french_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.xml"
    code, _, err = _cli(["generate", str(INVOICES / "b2c.json"), "--to", "cii", "--rules", "fr-ctc", "-o", str(out)],
                        capsys)
    assert code == 1 and not out.exists() and "BR-FR-" in err and "not written" in err
    assert _cli(["generate", str(INVOICES / "b2c.json"), "--to", "cii", "-o", str(out)], capsys)[0] == 0
    out.unlink()
    for to in ("cii", "ubl"):
        code, _, err = _cli(["generate", str(INVOICES / "fr_b2b.json"), "--to", to, "--rules", "fr-ctc", "-o",
                             str(out)], capsys)
        assert code == 0 and out.exists(), err
    code, _, err = _cli(["generate", str(INVOICES / "fr_b2b.json"), "--to", "cii", "--rules", "nope", "-o",
                         str(out)], capsys)
    assert code == 2 and "--rules" in err


def test_generate_with_a_rule_set_not_installed_exits_4(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FACTURX_ENGINE_DATA", str(tmp_path / "empty"))
    out = tmp_path / "out.xml"
    code, _, err = _cli(["generate", str(INVOICES / "fr_b2b.json"), "--to", "cii", "--rules", "cen", "-o", str(out)],
                        capsys)
    assert code == 4 and not out.exists() and "FXE-NOT-INSTALLED" in err
