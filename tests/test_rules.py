"""The rules table: generated from the official Schematron and the engine's own checks, and complete."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import NamedTuple

import pytest

from facturx_engine import rules
from facturx_engine import ruleids as R
from facturx_engine.codegen import regenerate
from facturx_engine.errors import ModelError, ParseError
from facturx_engine.validation import peppol, ruleliterals, ruletable

PACKAGE = Path(rules.__file__).resolve().parent


def test_table_and_ids_are_current() -> None:
    """Regenerate with ``python -m facturx_engine.validation.ruletable`` when an artefact or an own rule changes."""
    table = ruletable.source_text()
    assert rules.TABLE_PATH.read_text(encoding="utf-8") == table
    assert ruletable.IDS_TARGET.read_text(encoding="utf-8") == ruletable.ids_text(table)


def test_check_covers_the_derived_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--check`` fails when either file is stale, and writing writes both (``codegen.regenerate``)."""
    table, ids = tmp_path / "rules.tsv", tmp_path / "ruleids.py"
    args = (table, lambda: "table\n", "generator")
    derived = {ids: lambda text: text.upper()}
    assert regenerate(*args, ["--check"], derived=derived) == 1
    assert regenerate(*args, [], derived=derived) == 0
    assert (table.read_text(), ids.read_text()) == ("table\n", "TABLE\n")
    assert regenerate(*args, ["--check"], derived=derived) == 0
    ids.write_text("stale")
    assert regenerate(*args, ["--check"], derived=derived) == 1
    assert "ruleids.py is stale" in capsys.readouterr().err


def test_official_rules_carry_their_terms_and_sources() -> None:
    br_co_10 = rules.rule("BR-CO-10")
    assert br_co_10 is not None and br_co_10.flag == "fatal"
    assert br_co_10.terms == ("BT-106", "BT-131")
    assert "cen-ubl" in br_co_10.sources and "facturx-en16931" in br_co_10.sources
    assert rules.terms_of("BR-02") == ("BT-1",)
    assert rules.rule("BR-NO-SUCH-RULE") is None and rules.terms_of("BR-NO-SUCH-RULE") == ()
    assert rules.terms_text("BR-CO-10") == "BT-106/BT-131" and rules.terms_text("FXE-PARSE") is None


def test_every_id_has_its_constant_and_every_constant_is_an_id() -> None:
    table = rules.all_rules()
    constants = {name: value for name, value in vars(R).items() if not name.startswith("_") and isinstance(value, str)}
    assert set(constants.values()) == set(table)
    assert all(name == ruletable.constant_name(value) for name, value in constants.items())
    assert (R.BR_CO_10, R.BR_FR_CDV_07_MDT_38_yes, R.PDFA_6_2_11_4_EMBED, R.G1_16) == (
        "BR-CO-10", "BR-FR-CDV-07_MDT-38_yes", "PDFA-6.2.11.4-EMBED", "G1.16")


def test_a_name_clash_fails_the_generator() -> None:
    head = "# comment\nid\tflag\tterms\tsources\ttext\n"
    assert 'BR_1: Final = "BR-1"' in ruletable.ids_text(head + "BR-1\tfatal\t\tx\tt\n")
    with pytest.raises(ValueError, match="BR_1"):
        ruletable.ids_text(head + "BR-1\tfatal\t\tx\tt\nBR.1\tfatal\t\tx\tt\n")


class Literal(NamedTuple):
    value: str
    where: str
    declared: bool  # a declaration the table is made from (ruleliterals.declarations)
    prefix: bool = False  # the argument of a ``.startswith(...)`` call (alone or in a tuple): used as a prefix


def _startswith_arguments(tree: ast.Module) -> set[int]:
    """The ``id()`` of the string constants a module passes to ``.startswith``: prefixes, not ids reported."""
    keep: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "startswith":
            for arg in node.args:
                keep.update(id(n) for n in ([arg] if isinstance(arg, ast.Constant) else
                                            arg.elts if isinstance(arg, ast.Tuple) else []))
    return keep


@cache
def _string_literals() -> tuple[Literal, ...]:
    """Every string constant of the package (the generated ``ruleids.py`` aside), the package parsed once."""
    out: list[Literal] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative == "ruleids.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        keep, prefixes = ruleliterals.declarations(relative, tree), _startswith_arguments(tree)
        out.extend(Literal(node.value, f"{relative}:{node.lineno}", id(node) in keep, id(node) in prefixes)
                   for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str))
    return tuple(out)


def test_no_rule_id_is_written_as_a_string_outside_the_declarations() -> None:
    """Rules are named by their constant, ``R.BR_03`` (``from facturx_engine import ruleids as R``)."""
    table = rules.all_rules()
    written = [f"{lit.where}: {lit.value}" for lit in _string_literals() if lit.value in table and not lit.declared]
    assert not written, ("write these as ruleids constants (python -m facturx_engine.validation.ruleliterals "
                         f"does it): {written}")


def test_the_rewriting_tool_writes_constants_and_leaves_the_rest() -> None:
    """``python -m facturx_engine.validation.ruleliterals``: whole ids become constants (the import added first
    among the package's), declarations, f-string parts, prefixes and longer texts stay."""
    before = ('from __future__ import annotations\n\nimport re\n\nfrom facturx_engine.errors import ModelError\n\n'
              'E = ModelError("x", rule="BR-03")\nF = f"{E}BR-03"\nP = "BR-FR"\nT = "see BR-03"\n'
              'D = Rule("PEPPOL-EN16931-R001", "fatal")\nK = {"PEPPOL-EN16931-R001": 1}\n')
    after = ('from __future__ import annotations\n\nimport re\n\nfrom facturx_engine import ruleids as R\n'
             'from facturx_engine.errors import ModelError\n\n'
             'E = ModelError("x", rule=R.BR_03)\nF = f"{E}BR-03"\nP = "BR-FR"\nT = "see BR-03"\n'
             'D = Rule("PEPPOL-EN16931-R001", "fatal")\nK = {R.PEPPOL_EN16931_R001: 1}\n')
    assert ruleliterals.rewrite(PACKAGE / "validation" / "peppol" / "new.py", before) == after
    assert ruleliterals.rewrite(PACKAGE / "validation" / "peppol" / "new.py", after) == after  # nothing left
    bare = 'import re\n\nX = "FXE-PARSE"\n'
    assert ruleliterals.rewrite(PACKAGE / "model" / "new.py", bare) == (
        'import re\n\nfrom facturx_engine import ruleids as R\n\nX = R.FXE_PARSE\n')


def test_the_declarations_are_what_the_generator_reads() -> None:
    """The strings left alone are exactly the ids the table is made of besides the Schematron: the exceptions are
    not what makes the test above pass."""
    declared = {lit.value for lit in _string_literals() if lit.declared and lit.value in rules.all_rules()}
    assert declared == ({r[0] for r in ruletable.ENGINE_RULES} | {r[0] for r in ruletable.CITED_RULES}
                        | {r.id for r in peppol.RULES})


RULE_ID = re.compile(r"(?:BR|FX|FXE|PDFA|UBL|PEPPOL|CII)-[A-Z0-9][A-Z0-9.-]*")


# Strings that look like a rule id but are no rule of the table, allowed where they are not reported as one:
# (module, string) -> why. A ``.startswith(...)`` argument needs no entry.
PREFIXES = {
    ("model/codes.py", "BR-IC"): "a VAT category's rule family, composed into f\"{rule_family}-NN\"",
    ("model/codes.py", "BR-AF"): "a VAT category's rule family, composed into f\"{rule_family}-NN\"",
    ("model/codes.py", "BR-AG"): "a VAT category's rule family, composed into f\"{rule_family}-NN\"",
}


def _family(value: str, table: Iterable[str]) -> bool:
    return any(k.startswith((value + "-", value + "_")) for k in table)


def test_every_rule_id_the_package_writes_is_in_the_table() -> None:
    """A string that looks like a rule id is exactly a rule of the table: an engine's pre-check reports the id
    of the assertion the official rule set reports (``BR-FR-CDV-CL-09_MDT-113_210``), never the name of its
    pattern (``BR-FR-CDV-CL-09``). Only a prefix used as one (a ``.startswith`` argument, or listed in
    :data:`PREFIXES` with its reason) may be a part of ids, and then it is a real family of the table."""
    table = rules.all_rules()
    literals = [lit for lit in _string_literals() if RULE_ID.fullmatch(lit.value)]
    assert len({lit.value for lit in literals}) > 100, "the scan found too few rule ids: is the pattern right?"
    listed = {(lit.where.rsplit(":", 1)[0], lit.value) for lit in literals}
    reported = [f"{lit.where}: {lit.value}" for lit in literals if lit.value not in table and not lit.prefix
                and (lit.where.rsplit(":", 1)[0], lit.value) not in PREFIXES]
    assert not reported, f"rule ids that are no rule of the table (name the assertion's id): {reported}"
    families = [f"{lit.where}: {lit.value}" for lit in literals
                if lit.value not in table and not _family(lit.value, table)]
    assert not families, f"prefixes that begin no rule id of the table: {families}"
    stale = sorted(set(PREFIXES) - listed)
    assert not stale, f"PREFIXES entries no longer found in the package (remove them): {stale}"


def test_a_pattern_name_written_as_a_rule_is_caught() -> None:
    """The scan above sees a pattern name where a rule is reported, and a prefix where it is tested as one."""
    tree = ast.parse('E = ModelError("x", rule="BR-FR-CDV-CL-09")\nP = v.startswith(("BR-FR-CDV-CL-09", "BR-IC"))\n')
    prefixes = _startswith_arguments(tree)
    flags = {(n.value, n.lineno): id(n) in prefixes for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    assert flags == {("x", 1): False, ("BR-FR-CDV-CL-09", 1): False, ("BR-FR-CDV-CL-09", 2): True, ("BR-IC", 2): True}


def test_an_error_takes_the_terms_of_its_rule_unless_it_names_one() -> None:
    assert ModelError("issue date is required", field="issue_date", rule=R.BR_03).bt == "BT-2"
    err = ModelError("a total", rule=R.BR_CO_10)
    assert (err.bt, err.bt_from_rule, str(err)) == ("BT-106/BT-131", True, "(BT-106/BT-131): a total [BR-CO-10]")
    named = ModelError("net price", field="net_price", bt="BT-146", rule=R.BR_CO_10)
    assert (named.bt, named.bt_from_rule) == ("BT-146", False)
    assert ParseError("no terms", rule=R.FXE_PARSE).bt is None
    assert ModelError("no rule").bt is None and ModelError("unknown rule", rule="BR-FR-CDV-07").bt is None


def test_relocation_prefers_the_context_term_to_the_rules() -> None:
    """A term taken from the rule yields to the term of the field the error is relocated to (a line's period is
    BG-26, though BR-29 names BT-73/BT-74)."""
    from facturx_engine.model.introspect import relocate
    from facturx_engine.model.records import Period

    err = ModelError("period end is before its start", field="period.end", rule=R.BR_29)
    assert err.bt == "BT-73/BT-74"
    moved = relocate(err, "lines[0].period", Period)
    assert (moved.field, moved.bt, moved.bt_from_rule) == ("lines[0].period.end", "BT-135", False)


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
