"""``docs/terms.md``: the term table as documentation, generated from :data:`~facturx_engine.syntax.terms.TERMS`.

``python -m facturx_engine.syntax.termdoc`` rewrites it (``--check`` only compares);
``tests/test_termdoc.py`` fails when it is stale. Each row is a row of the table: the business term,
its context, where the model holds it, its CII and UBL paths, the lowest Factur-X profile that carries
it and the EN 16931 rules (from :mod:`facturx_engine.rules`) whose text names it.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from facturx_engine.codegen import regenerate
from facturx_engine.rules import all_rules
from facturx_engine.syntax.terms import TERMS, Term

__all__ = ["TARGET", "main", "markdown"]

TARGET = Path(__file__).resolve().parents[2] / "docs" / "terms.md"


def _model_field(term: Term) -> str:
    inline = getattr(term.get, "inline", None)
    if not inline or inline[0] == "const":
        return "(constant)" if inline else "(derived by the writer)"
    root, parts = inline
    if root == "wctx" and parts and parts[0] == "doc":
        return ".".join(parts[1:]) or "document"
    return ".".join(("item", *parts)) if root == "item" else ".".join(parts)


def _rules_by_term() -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for rule in all_rules().values():
        if rule.id.startswith("BR-") and "cen-ubl" in rule.sources:  # the EN 16931 rules, as CEN states them
            for term in rule.terms:
                out[term].append(rule.id)
    return out


def _cell(text: str | None) -> str:
    return "" if text is None else f"`{text}`".replace("|", "\\|")


def markdown() -> str:
    """The text of ``docs/terms.md``."""
    rules = _rules_by_term()
    out = ["# Business terms", "",
           "Generated from `facturx_engine/syntax/terms` by `python -m facturx_engine.syntax.termdoc`; do not edit.",
           "One row per row of the term table that drives the CII and UBL writers and the reader. *Card.* is",
           "EN 16931's cardinality of the term. *Context*",
           "is the document (`DOC`) or the repeating group a row is written in; *model* is where the model",
           "holds the value (relative to that group's item); *rules* are the EN 16931 rules whose text names",
           "the term (`facturx_engine/rules.tsv` has their text).", "",
           f"{len(TERMS)} rows.", "",
           "| Term | Name | Card. | Context | Model | CII | UBL | Lowest profile | Rules |",
           "|---|---|---|---|---|---|---|---|---|"]
    for term in TERMS:
        ubl = term.ubl if term.ubl_cn == "=" else f"{term.ubl} (CreditNote: {term.ubl_cn})"
        cited = ", ".join(rules.get(term.id, []))
        out.append(f"| {term.id} | {term.name} | {term.cardinality} | {term.ctx} | {_cell(_model_field(term))} | {_cell(term.cii)} | "
                   f"{_cell(ubl)} | {term.profile.value} | {cited} |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m facturx_engine.syntax.termdoc [--check]``: rewrite or check ``docs/terms.md``."""
    return regenerate(TARGET, markdown, "facturx_engine.syntax.termdoc", argv)


if __name__ == "__main__":
    raise SystemExit(main())
