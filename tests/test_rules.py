"""The rules table: generated from the official Schematron and the engine's own checks, and complete."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from facturx_engine.model import rules
from facturx_engine.validation import ruletable

PACKAGE = Path(rules.__file__).resolve().parents[1]
RULE_ID = re.compile(r"(?:BR|FX|FXE|PDFA|UBL|PEPPOL|CII)-[A-Z0-9][A-Z0-9.-]*")


def test_table_is_current() -> None:
    """Regenerate with ``python -m facturx_engine.validation.ruletable`` when an artefact or an own rule changes."""
    assert rules.TABLE_PATH.read_text(encoding="utf-8") == ruletable.source_text()


def test_official_rules_carry_their_terms_and_sources() -> None:
    br_co_10 = rules.rule("BR-CO-10")
    assert br_co_10 is not None and br_co_10.flag == "fatal"
    assert br_co_10.terms == ("BT-106", "BT-131")
    assert "cen-ubl" in br_co_10.sources and "facturx-en16931" in br_co_10.sources
    assert rules.terms_of("BR-02") == ("BT-1",)
    assert rules.rule("BR-NO-SUCH-RULE") is None and rules.terms_of("BR-NO-SUCH-RULE") == ()


def _rule_literals() -> dict[str, list[str]]:
    """Every string constant of the package that is a whole rule id, with where it is written."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and RULE_ID.fullmatch(node.value):
                found.setdefault(node.value, []).append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return found


def test_every_rule_id_the_package_writes_is_in_the_table() -> None:
    table = rules.all_rules()
    literals = _rule_literals()
    assert len(literals) > 100, "the scan found too few rule ids: is the pattern right?"
    unknown = {rule_id: where for rule_id, where in literals.items()
               if rule_id not in table and not any(k.startswith((rule_id + "-", rule_id + "_")) for k in table)}
    assert not unknown, f"rule ids that no Schematron and no own check states: {unknown}"


def test_engine_rules_are_described_once() -> None:
    ids = [r[0] for r in ruletable.ENGINE_RULES]
    assert len(ids) == len(set(ids))
    assert all(flag in ("fatal", "warning") and text.endswith(".") for _, flag, _, text in ruletable.ENGINE_RULES)


def test_required_rules_come_from_the_table() -> None:
    """The rule a missing term is reported with: found in the table's texts ("shall have/contain/...", the term
    it asks for), equal to what the engine always reported; other terms keep reporting no rule."""
    from facturx_engine.model.introspect import required_rule

    expected = {
        "BT-1": "BR-02", "BT-2": "BR-03", "BG-4": "BR-06", "BT-27": "BR-06", "BG-7": "BR-07", "BT-44": "BR-07",
        "BG-5": "BR-08", "BT-40": "BR-09", "BG-8": "BR-10", "BT-55": "BR-11", "BG-25": "BR-16", "BT-59": "BR-17",
        "BT-62": "BR-18", "BG-12": "BR-19", "BT-69": "BR-20", "BT-126": "BR-21", "BT-153": "BR-25",
        "BT-81": "BR-49", "BT-84": "BR-50", "BT-122": "BR-52", "BT-160": "BR-54", "BT-161": "BR-54",
        "BT-25": "BR-55", "BT-63": "BR-56", "BT-80": "BR-57", "BG-30": "BR-CO-04",
    }
    assert {term: required_rule(term) for term in expected} == expected
    assert [required_rule(term) for term in ("BT-3", "BT-5", "BT-129", "BT-131", None)] == [None] * 5


def test_rule_families_the_package_composes_are_in_the_table() -> None:
    """``f"{category.rule_family}-NN"`` ids (compute, lines, payloads, stated totals) name real rules for every
    VAT category."""
    from facturx_engine.model.codes import VatCategory

    suffixes = set(re.findall(r'rule_family\}-(\d\d)"', "".join(p.read_text(encoding="utf-8")
                                                                for p in PACKAGE.rglob("*.py"))))
    assert suffixes >= {"01", "05", "08", "10"}, suffixes
    suffixes.add("02")  # compute.py composes it through a local name (fam = cat.rule_family)
    missing = [f"{c.rule_family}-{s}" for c in VatCategory for s in sorted(suffixes)
               if rules.rule(f"{c.rule_family}-{s}") is None]
    assert not missing, missing
