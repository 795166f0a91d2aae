"""Which model field carries which business term, from the term table: writes ``facturx_engine/model/terms.tsv``.

The term table (:data:`facturx_engine.syntax.terms.TERMS`) is the one statement of what a business term is. Its
rows say where the writers take each value (their getters' ``inline`` paths) and :mod:`facturx_engine.syntax.places`
where the reader puts it back in the model, so each row leads to a model field: the buyer's name row BT-44 to
``buyer.name``, the allowance row BT-92 and the charge row BT-99 both to ``allowances_charges.amount``
(``BT-92/BT-99``). The fields no row reads into (groups no row states as a whole, choices of the model) are stated
in :mod:`facturx_engine.syntax.terms.fields`, and a field holding an identifier carries the term of its value.

The model cannot import the term table (it is the layer below), so this generator writes what it derives into
``model/terms.tsv``, which :mod:`facturx_engine.model.terms` reads: one ``field`` line per model path, and one
``record`` line per field of a record class, by class name (the terms a record has on its own, outside the
document: the seller's for a party). ``python -m facturx_engine.syntax.fieldterms`` rewrites it, ``--check`` says whether it is
current (``tests/test_terms.py`` runs the check).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

from facturx_engine.codegen import regenerate
from facturx_engine.model import records
from facturx_engine.model.introspect import field_specs, item_type
from facturx_engine.model.terms import RECORD_MODULES, TABLE_PATH, record_key
from facturx_engine.syntax import places
from facturx_engine.syntax.terms import TERMS, Term
from facturx_engine.syntax.terms.fields import CONTAINERS, HOMES, MODEL_ONLY, NO_TERMS_OF_THEIR_OWN, READER_PLACES

__all__ = ["TARGET", "field_terms", "main", "record_terms", "source_text"]

TARGET = TABLE_PATH
_APART = frozenset({places.STATED, places.STATED_NET, places.BASE_UNIT})  # read, compared, never model fields


def _target(row: Term) -> places.Target | None:
    """Where the reader puts the row's value (as the reader finds it: tests/test_read.py checks every row)."""
    inline = getattr(row.get, "inline", None)
    if row.repeat and row.context_name in places.GROUPS:
        return places.GROUPS[row.context_name][0]
    if inline is not None and inline[0] in ("item", "wctx"):
        return places.place(row.ctx, inline[0], tuple(inline[1]))
    if row.id in places.EXPLICIT:
        return places.EXPLICIT[row.id][0]
    return None


def _model_path(path: tuple[str, ...]) -> str | None:
    """The model field a place of the reader becomes (None for a value the model computes)."""
    if _APART & set(path):
        return None
    for n in range(len(path), 0, -1):
        found = READER_PLACES.get(path[:n])
        if found is not None:
            path = found + path[n:]
            break
    return ".".join(path)


def _row_terms() -> dict[str, list[str]]:
    """The term ids of the rows read into each model path, in the table's order."""
    prefix: dict[str, tuple[str, ...]] = {"DOC": ()}  # where each repeating group's items live
    out: dict[str, list[str]] = {}
    for row in TERMS:
        target = _target(row)
        base = None if target is None else () if target[0] == "doc" else prefix.get(row.ctx)
        if target is None or base is None:
            continue
        path = base + tuple(target[1])
        if row.repeat:
            prefix[row.context_name] = path
        where = _model_path(path)
        if row.kind in ("CONST", "ALWAYS") or row.id.startswith("_") or where is None:
            continue
        ids = out.setdefault(where, [])
        if row.id not in ids:
            ids.append(row.id)
    return out


def _places(cls: type = records.Invoice, path: str = "") -> Iterator[tuple[str, type]]:
    """Every record of the document with its path (field names), in field order."""
    yield path, cls
    for name, spec in field_specs(cls).items():
        inner = item_type(spec.hint)
        if dataclasses.is_dataclass(inner):
            yield from _places(inner, f"{path}.{name}" if path else name)  # type: ignore[arg-type]


def field_terms() -> dict[str, str]:
    """Model path (``buyer.address.city``) -> its business term id(s) (``BT-52``; ``BT-92/BT-99`` for a
    field read from two rows), for every field of the document that carries one."""
    rows = _row_terms()
    stated = {**CONTAINERS, **MODEL_ONLY}
    out: dict[str, str] = {}
    for where, cls in _places():
        for f in dataclasses.fields(cls):
            path = f"{where}.{f.name}" if where else f.name
            term = "/".join(rows.get(path, ())) or stated.get(path)
            if term is None and f.init and item_type(field_specs(cls)[f.name].hint) is records.Identifier:
                term = "/".join(rows.get(f"{path}.value", ())) or None  # an identifier: its value's term
            if path in rows and path in stated:
                raise ValueError(f"{path}: stated in syntax.terms.fields and read by the rows {rows[path]}")
            if term is not None:
                out[path] = term
    unused = set(stated) - set(out)
    if unused:
        raise ValueError(f"syntax.terms.fields names no model field: {sorted(unused)}")
    return out


def record_terms() -> dict[str, str]:
    """``Class.field`` -> the term a record's field has on its own: the first of its term ids at the
    record's home (:data:`~facturx_engine.syntax.terms.fields.HOMES`) or first place in the document."""
    terms = field_terms()
    homes: dict[type, list[str]] = {}
    for where, record in _places():
        homes.setdefault(record, []).append(where)
    classes: list[type] = [c for c in (getattr(records, n) for n in records.__all__)
                           if isinstance(c, type) and dataclasses.is_dataclass(c)]
    out: dict[str, str] = {}
    for cls in classes:
        if cls.__module__ not in RECORD_MODULES:
            raise ValueError(f"{cls.__qualname__}: model.terms.RECORD_MODULES lacks its module {cls.__module__}")
        if cls.__name__ in NO_TERMS_OF_THEIR_OWN:
            continue
        if issubclass(cls, records.Document):  # the document itself: Invoice, CreditNote and their base
            wheres = [""]
        else:
            wheres = [HOMES[cls.__name__]] if cls.__name__ in HOMES else homes.get(cls, [])
        for f in dataclasses.fields(cls):
            found = [terms[p] for w in wheres if (p := f"{w}.{f.name}" if w else f.name) in terms]
            if found:
                out[record_key(cls, f.name)] = found[0].split("/", 1)[0]  # an allowance's, not a charge's
    return out


def source_text() -> str:
    """The text of ``model/terms.tsv``."""
    lines = ["# The business term of each model field. Generated from the term table by "
             "python -m facturx_engine.syntax.fieldterms: do not edit.",
             "# kind\tname\tterm  (record: a record class's own field, Class.field; "
             "field: a field of the document, by its path)"]
    lines += [f"record\t{key}\t{term}" for key, term in sorted(record_terms().items())]
    lines += [f"field\t{path}\t{term}" for path, term in field_terms().items()]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    return regenerate(TARGET, source_text, "facturx_engine.syntax.fieldterms", argv)


if __name__ == "__main__":
    raise SystemExit(main())

