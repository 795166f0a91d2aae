"""Documents for the tests of the Peppol BIS rules: a valid Peppol BIS 3.0 invoice (or credit note) in
UBL or CII, an editor for the mutations that break one rule, and the rules a document fires.

The base documents are the engine's own output for ``fixtures/invoices/fr_b2b.json`` (every business
term the BIS rules ask for) with the Peppol BT-24 and BT-23 set and its first note only (the BIS allow
one); ``tests/test_peppol.py`` proves they
pass the CEN rules and every Peppol rule, so a mutation that fires a rule fires only what it broke.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

from lxml import etree

import facturx_engine as fx
from facturx_engine.model.codes import PEPPOL_BIS3, PEPPOL_PROCESS
from facturx_engine.validation.peppol import run_peppol
from facturx_engine.validation.peppol.engine import NS

ROOT = Path(__file__).resolve().parents[1]
BASE_FIXTURE = ROOT / "fixtures" / "invoices" / "fr_b2b.json"


def _sub(parent: etree._Element, tag: str, text: str | None = None, index: int | None = None) -> etree._Element:
    prefix, local = tag.split(":")
    element = etree.Element(f"{{{NS[prefix]}}}{local}")
    element.text = text
    if index is None:
        parent.append(element)
    else:
        parent.insert(index, element)
    return element


@cache
def base(syntax: str = "UBL", credit: bool = False) -> bytes:
    """A Peppol BIS 3.0 invoice (``credit``: credit note) in ``syntax``, valid under CEN and Peppol rules."""
    doc = fx.load_document(BASE_FIXTURE.read_bytes())
    if credit:
        doc = fx.credit_note(doc, number="CN-1", issue_date=doc.issue_date)
    xml = fx.to_ubl(doc) if syntax == "UBL" else fx.to_cii(doc)
    root = etree.fromstring(xml)
    for note in root.xpath("cbc:Note | rsm:ExchangedDocument/ram:IncludedNote", namespaces=NS)[1:]:
        note.getparent().remove(note)  # one document note (PEPPOL-EN16931-R002)
    if syntax == "UBL":
        root.find("cbc:CustomizationID", NS).text = PEPPOL_BIS3
        profile = root.find("cbc:ProfileID", NS)
        if profile is None:
            profile = _sub(root, "cbc:ProfileID", index=list(root).index(root.find("cbc:CustomizationID", NS)) + 1)
        profile.text = PEPPOL_PROCESS
    else:
        context = root.find("rsm:ExchangedDocumentContext", NS)
        context.find("ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", NS).text = PEPPOL_BIS3
        process = context.find("ram:BusinessProcessSpecifiedDocumentContextParameter", NS)
        if process is None:
            process = _sub(context, "ram:BusinessProcessSpecifiedDocumentContextParameter", index=0)
            _sub(process, "ram:ID")
        process.find("ram:ID", NS).text = PEPPOL_PROCESS
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def edit(xml: bytes, change: Callable[[etree._Element], object]) -> bytes:
    """``xml`` after ``change(root)`` (which edits the tree in place)."""
    root = etree.fromstring(xml)
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def find(root: etree._Element, path: str) -> etree._Element:
    """The first element at the XPath ``path`` (prefixes of :data:`NS`); fails the test if none."""
    found = root.xpath(path, namespaces=NS)
    assert found, f"no {path} in the document"
    return found[0]


def sub(parent: etree._Element, tag: str, text: str | None = None, index: int | None = None) -> etree._Element:
    """Add the element ``tag`` (prefixed, e.g. ``cbc:Note``) under ``parent`` (at ``index``, else last)."""
    return _sub(parent, tag, text, index)


def fired(xml: bytes) -> dict[str, int]:
    """The Peppol rules the document breaks, with how many times each fires."""
    root = etree.fromstring(xml)
    syntax = "CII" if root.tag.endswith("CrossIndustryInvoice") else "UBL"
    counts: dict[str, int] = {}
    for finding in run_peppol(root, syntax):
        counts[finding.rule] = counts.get(finding.rule, 0) + 1
    return counts


Change = Callable[[etree._Element], object]

Case = tuple[str, str, bool, Change] | tuple[str, str, bool, Change, tuple[str, ...]]
"""A violating example: (rule id, syntax, credit note?, the edit of the base document that breaks the
rule[, the other rules the same edit inevitably breaks too]). The optional fifth item is for a value no
document can state without breaking two rules (e.g. a scheme checked by a PEPPOL-COMMON rule that is
no longer in the electronic address scheme list of CL008); the example must then fire exactly those
rules, each once or more."""


def case_ids(cases: Iterable[Case]) -> list[str]:
    return [f"{case[0]}-{case[1]}{'-credit' if case[2] else ''}-{i}" for i, case in enumerate(cases)]


def case_rules(case: Case) -> set[str]:
    """The rules the example of ``case`` must fire: its own and those it states it also fires."""
    return {case[0], *(case[4] if len(case) == 5 else ())}


def case_fires(case: Case) -> dict[str, int]:
    """The Peppol rules the example of ``case`` fires (its edit applied to the base document)."""
    return fired(edit(base(case[1], case[2]), case[3]))
