"""The Peppol BIS Billing 3.0 rules the engine implements (facturx_engine.validation.peppol).

Each rule has its own violating example per syntax it applies to (``CASES`` of the test modules
listed in ``_CASE_MODULES``: an edit of the valid base document of ``tests/peppol_support.py``), which
must fire that rule and no other Peppol rule (but those the example states it inevitably fires too);
the base documents (invoice and credit note, UBL and CII) are valid under the CEN rules and fire no
Peppol rule. ``test_every_rule_has_examples`` fails for a rule without one.
"""

from __future__ import annotations

import importlib

import pytest
from lxml import etree

import facturx_engine as fx
from facturx_engine.validation.peppol import RULES
from peppol_support import Case, base, case_fires, case_ids, case_rules, fired, find, sub

_CASE_MODULES = ("test_peppol", "test_peppol_en16931", "test_peppol_national")

CASES: list[Case] = []
"""The examples of the rules are in the rule family's test module (``_CASE_MODULES``)."""


def _all_cases() -> list[Case]:
    cases: list[Case] = []
    for name in _CASE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        cases += getattr(module, "CASES", [])
    return cases


@pytest.mark.parametrize("syntax", ["UBL", "CII"])
@pytest.mark.parametrize("credit", [False, True])
def test_base_documents_are_valid_peppol(syntax: str, credit: bool) -> None:
    xml = base(syntax, credit)
    assert fired(xml) == {}
    report = fx.validate(xml)
    assert [use.key for use in report.rule_sets] == ["cen", "peppol"]
    assert report.valid, [str(f) for f in report.findings]


def test_every_rule_has_examples() -> None:
    covered = {(case[0], case[1]) for case in _all_cases()}
    missing = [f"{rule.id} {syntax}" for rule in RULES for syntax, check in (("UBL", rule.ubl), ("CII", rule.cii))
               if check is not None and (rule.id, syntax) not in covered]
    assert not missing, f"rules without a violating example: {missing}"


ALL_CASES = _all_cases()


@pytest.mark.parametrize("case", ALL_CASES, ids=case_ids(ALL_CASES))
def test_violation_fires_its_rule(case: Case) -> None:
    """The example fires its rule (and the rules it states it also fires: ``Case``), and no other."""
    assert set(case_fires(case)) == case_rules(case)


def test_finding_names_rule_terms_location_and_line() -> None:
    from peppol_support import edit
    xml = edit(base("UBL"), lambda root: root.remove(find(root, "cbc:ProfileID")))
    report = fx.validate(xml)
    (finding,) = [f for f in report.findings if f.rule == "PEPPOL-EN16931-R001"]
    assert (finding.severity, finding.bt_ids, finding.location) == ("fatal", ("BT-23",), "/ubl-invoice:Invoice")
    assert finding.line == 2 and finding.source == "Peppol BIS Billing 3.0"
    assert not report.valid


def test_peppol_rules_added_and_only() -> None:
    plain = base("UBL").replace(b"#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0", b"")
    assert [u.key for u in fx.validate(plain).rule_sets] == ["en16931"]
    assert [u.key for u in fx.validate(plain, rules=("peppol",)).rule_sets] == ["en16931", "peppol"]
    only = fx.validate(plain, only=("peppol",))
    assert [u.key for u in only.rule_sets] == ["peppol"] and {f.rule for f in only.findings} == {"PEPPOL-EN16931-R004"}
    assert etree.fromstring(plain) is not None and sub  # helpers imported for the case modules
