"""Rule ids written as strings in the package, found and rewritten as :mod:`facturx_engine.ruleids` constants.

The package names a rule as ``R.BR_03`` (``from facturx_engine import ruleids as R``), never as ``"BR-03"``;
``tests/test_rules.py`` fails on a string that is a whole rule id of the table outside the declarations the
table is made from (:data:`~facturx_engine.validation.ruletable.ENGINE_RULES` and ``CITED_RULES``, the first
argument of the Peppol rule declarations). ``python -m facturx_engine.validation.ruleliterals`` rewrites such
strings in place, adding the import where it is missing (``--check`` only lists them): for code written, or
merged, before a rule had its constant. Only string constants that are exactly a table key are touched;
f-string parts, prefixes (``startswith("BR-FR")``) and ids inside longer texts are left alone. A constant is as
long as the quoted id, so no line grows.
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Iterator, Sequence
from pathlib import Path

from facturx_engine.rules import all_rules
from facturx_engine.validation.ruletable import constant_name

__all__ = ["IMPORT", "PACKAGE", "declarations", "literals", "main", "rewrite"]

PACKAGE = Path(__file__).resolve().parents[1]
IMPORT = "from facturx_engine import ruleids as R"
_DECLARING_CALLS = frozenset({"Rule", "_rule", "_exemption_rule"})  # validation/peppol: a rule's id comes first
_DECLARING_NAMES = frozenset({"ENGINE_RULES", "CITED_RULES"})  # validation/ruletable.py


def declarations(relative: str, tree: ast.Module) -> set[int]:
    """The ``id()`` of the string constants of a module (``relative`` to the package) that declare rules: the
    assignments of ENGINE_RULES and CITED_RULES in ``validation/ruletable.py``, the first argument of the Peppol
    rule declarations in ``validation/peppol/``. Every other string that is a rule id should be a constant."""
    keep: set[int] = set()
    if relative == "validation/ruletable.py":
        for statement in tree.body:
            if (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
                    and statement.target.id in _DECLARING_NAMES):
                keep.update(id(n) for n in ast.walk(statement))
    elif relative.startswith("validation/peppol/"):
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args
                    and node.func.id in _DECLARING_CALLS):
                keep.add(id(node.args[0]))
    return keep


def literals(path: Path, text: str) -> list[ast.Constant]:
    """The string constants of a module of the package that are whole rule ids, declarations and f-string parts
    aside."""
    table = all_rules()
    tree = ast.parse(text)
    keep = declarations(path.resolve().relative_to(PACKAGE).as_posix(), tree)
    keep.update(id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in ast.walk(node))
    return [node for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and node.value in table and id(node) not in keep]


def _column(line: str, byte_offset: int) -> int:
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8"))


def _with_import(text: str) -> str:
    """``text`` with :data:`IMPORT` first among the package's imports (after the standard and third-party ones
    when it has none)."""
    lines = text.splitlines(keepends=True)
    if IMPORT + "\n" in lines:
        return text
    top = [n for n in ast.parse(text).body if isinstance(n, (ast.Import, ast.ImportFrom))]
    ours = [n for n in top if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("facturx_engine")]
    if ours:
        before = [n for n in ours if n.module == "facturx_engine" and all(a.name < "ruleids" for a in n.names)]
        at = max(n.end_lineno or n.lineno for n in before) if before else min(n.lineno for n in ours) - 1
        lines.insert(at, IMPORT + "\n")
    else:
        others = [n for n in top if not (isinstance(n, ast.ImportFrom) and n.module == "__future__")] or top
        lines.insert(max(n.end_lineno or n.lineno for n in others), "\n" + IMPORT + "\n")
    return "".join(lines)


def rewrite(path: Path, text: str) -> str:
    """The text of the module at ``path`` with each rule id string (:func:`literals`) as its constant."""
    found = literals(path, text)
    if not found:
        return text
    lines = text.splitlines(keepends=True)
    for node in sorted(found, key=lambda n: (n.lineno, n.col_offset), reverse=True):
        first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
        start = _column(lines[first], node.col_offset)
        end = _column(lines[last], node.end_col_offset or 0)
        lines[first] = lines[first][:start] + "R." + constant_name(str(node.value)) + lines[last][end:]
        del lines[first + 1:last + 1]
    return _with_import("".join(lines))


def _modules() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name != "ruleids.py":
            yield path


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m facturx_engine.validation.ruleliterals [--check]``: rewrite (or list, exit 1) rule id
    strings."""
    parser = argparse.ArgumentParser(prog="python -m facturx_engine.validation.ruleliterals",
                                     description="write the rule ids the package spells as strings as ruleids "
                                                 "constants")
    parser.add_argument("--check", action="store_true", help="list them and exit 1 if any, write nothing")
    args = parser.parse_args(argv)
    count = 0
    for path in _modules():
        text = path.read_text(encoding="utf-8")
        found = literals(path, text)
        for node in found:
            print(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {node.value!r} -> R.{constant_name(str(node.value))}")
        count += len(found)
        if found and not args.check:
            path.write_text(rewrite(path, text), encoding="utf-8")
    return 1 if args.check and count else 0


if __name__ == "__main__":
    raise SystemExit(main())
