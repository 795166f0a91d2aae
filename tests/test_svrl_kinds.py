"""The merged SVRL (``validate --format svrl``) writes each finding of a Schematron as the kind of test the rule set's
compiled stylesheet wrote it as: ``svrl:failed-assert`` or ``svrl:successful-report``.

The engine keeps a finding's rule id, not the kind of its test, and writes ``successful-report`` for the findings
named ``SCHEMATRON-REPORT`` (a report without rule id), ``failed-assert`` for every other one. That is exact as long
as no stylesheet gives a rule id to a report: the first test reads every installed stylesheet and proves it (when an
artefact gains such a report, it fails and the SVRL writer must learn the kind from the stylesheet); the second runs
a stock stylesheet that reports and compares its own SVRL with the merged one. The engine implements the Peppol
BIS rules as assertions (each rule holds where it applies).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from facturx_engine import validate
from facturx_engine.apps import batch, provision
from facturx_engine.apps.svrl import NS as SVRL
from facturx_engine.apps.svrl import render_svrl
from facturx_engine.validation import schematron

from installed import EXTRA_INSTALLED  # tests/installed.py

XSL = "http://www.w3.org/1999/XSL/Transform"
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(not (CORPUS / "INDEX.tsv").is_file(),
                                  reason=f"!!! SHARED CORPUS FOLDER MISSING: {CORPUS} -- TEST SKIPPED !!!")
_LEADING_ID = re.compile(r"^\s*\[([A-Za-z0-9][A-Za-z0-9_.\-]*)\]")


def _rule_id(item: etree._Element) -> str | None:
    """The rule id a compiled stylesheet writes on an SVRL item: its ``id`` attribute, literal or made by
    ``xsl:attribute``."""
    if item.get("id"):
        return item.get("id")
    for attribute in item.iter(f"{{{XSL}}}attribute"):
        if attribute.get("name") == "id":
            return " ".join("".join(attribute.itertext()).split()) or None
    return None


def _text(item: etree._Element) -> str:
    return " ".join("".join(t.itertext()) for t in item.iter(f"{{{SVRL}}}text")).strip()


def test_no_installed_stylesheet_gives_a_rule_id_to_a_report() -> None:
    sheets = {row.path for row in provision.status() if row.path is not None and row.state == "installed"}
    assert len(sheets) >= 8 + 3 * EXTRA_INSTALLED, sorted(map(str, sheets))
    reports = asserts = 0
    asserted: set[str] = set()
    for path in sorted(sheets):
        tree = etree.parse(str(path))
        for item in tree.iter(f"{{{SVRL}}}successful-report"):
            assert _rule_id(item) is None and not _LEADING_ID.match(_text(item)), (path.name, _text(item)[:80])
            reports += 1
        for item in tree.iter(f"{{{SVRL}}}failed-assert"):
            found = _rule_id(item) or (m.group(1) if (m := _LEADING_ID.match(_text(item))) else None)
            asserted.update([found] if found else [])
            asserts += 1
    # (measured: 872 reports, 6,152 asserts naming 3,063 rule ids with the CEN CII and XRechnung sheets installed)
    assert reports > 500 and asserts > 3000 and len(asserted) > 1000, (reports, asserts, len(asserted))


def _items(svrl: bytes, pattern: str | None = None) -> Counter[tuple[str, str, str]]:
    """(kind, location, text) of every finding of an SVRL document (of one ``pattern`` of a merged one)."""
    root = etree.fromstring(svrl)
    out: Counter[tuple[str, str, str]] = Counter()
    current = None
    for item in root:
        if item.tag == f"{{{SVRL}}}active-pattern":
            current = item.get("id")
        elif item.tag in (f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report") and \
                pattern in (None, current):
            out[(etree.QName(item).localname, item.get("location", ""), " ".join(_text(item).split()))] += 1
    return out


@needs_corpus
@pytest.mark.parametrize(("name", "kinds"), [
    ("cii/cen__CII_example5.xml", {"successful-report"}),
    ("cii/xrts__01.21a-INVOICE_uncefact.xml", {"failed-assert", "successful-report"}),  # BT-48 breaks 2 asserts
])
def test_merged_svrl_kinds_are_the_stylesheets(name: str, kinds: set[str]) -> None:
    """Documents the Factur-X EN 16931 stylesheet reports on (an attribute 'marked as not used') and asserts on:
    the merged SVRL has the very failed-asserts and successful-reports of that stylesheet's own SVRL."""
    text = (CORPUS / name).read_text(encoding="utf-8")
    report = validate(text.encode("utf-8"), profile="EN 16931")
    assert "SCHEMATRON-REPORT" in {f.rule for f in report.findings}
    result = batch.FileResult(name, report.syntax, report.profile, tuple(report.findings),
                              rule_sets=report.rule_sets)
    [use] = [u for u in report.rule_sets if u.key == "en16931"]
    merged = _items(render_svrl(result, "facturx-engine", name).encode("utf-8"), use.key)
    with schematron._saxon_lock:  # the stylesheet as shipped, its SVRL untouched
        own = _items(schematron._transform("facturx-en16931", text, stock=True).encode("utf-8"))
    assert {kind for kind, _, _ in own} == kinds
    assert merged == own
