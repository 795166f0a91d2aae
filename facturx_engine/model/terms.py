"""Which model field carries which business term: the table ``terms.tsv`` next to this module, read on first use.

The table is generated from the term table (:data:`facturx_engine.syntax.terms.TERMS`, the one statement of what
a business term is) by ``python -m facturx_engine.syntax.fieldterms``; ``tests/test_fieldterms.py`` checks that it is
current. It says two things: the term of each field of the document, by its path of field names (the buyer's name
``buyer.name`` is BT-44, an allowance's or a charge's amount ``allowances_charges.amount`` is BT-92/BT-99:
:func:`path_term`), and the term a record's field has on its own, outside a document (a party's name is the
seller's BT-27: :func:`record_term`, which the model's messages and
:func:`~facturx_engine.model.fields.bt_of` name).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

__all__ = ["RECORD_MODULES", "TABLE_PATH", "path_term", "record_key", "record_term"]

TABLE_PATH = Path(__file__).with_name("terms.tsv")
RECORD_MODULES = frozenset({"facturx_engine", *(f"facturx_engine.model.{name}" for name in (
    "documents", "parties", "lines", "payment"))})
"""The modules of the record classes the table names by class name: where they are defined, or the package itself,
which names itself their home once they are taken from it (its namespace has one class of each name; the
e-reporting ``Period`` is another class, and has no terms here)."""


@cache
def _table() -> tuple[dict[str, str], dict[str, str]]:
    """(record terms by ``Class.field``, field terms by path)."""
    records: dict[str, str] = {}
    paths: dict[str, str] = {}
    for line in TABLE_PATH.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        kind, name, term = line.split("\t")
        (records if kind == "record" else paths)[name] = term
    return records, paths


def record_key(cls: type, name: str) -> str:
    """The table's key of a record class's field: ``Party.name``."""
    return f"{cls.__qualname__}.{name}"


def record_term(cls: type, name: str) -> str | None:
    """The business term of field ``name`` of a record class on its own (a subclass's, its base's), or None."""
    records = _table()[0]
    for klass in cls.__mro__:
        if klass.__module__ in RECORD_MODULES:
            found = records.get(record_key(klass, name))
            if found is not None:
                return found
    return None


def path_term(path: str) -> str | None:
    """The business term(s) of the document's field at ``path`` (``lines[0].period.start``: BT-134), or None."""
    return _table()[1].get(re.sub(r"\[\d+\]", "", path) if "[" in path else path)
