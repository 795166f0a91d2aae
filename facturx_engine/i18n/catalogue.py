"""The catalogue of labels (``labels.tsv`` beside this module: one row per key, one column per
language). Skeleton: the lead fills the rows; the API is stable."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from facturx_engine.errors import InputError

__all__ = ["LANGS", "label", "term_label"]

LANGS = ("fr", "en", "de")
"""The languages of the catalogue, in the order of its columns."""

_FILE = Path(__file__).with_name("labels.tsv")


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, dict[str, str]]:
    with _FILE.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return {row["key"]: {lang: row[lang] for lang in LANGS} for row in rows}


def _check(lang: str) -> None:
    if lang not in LANGS:
        raise InputError(f"must be one of {', '.join(LANGS)}, got {lang!r}", field="lang")


def label(key: str, lang: str) -> str:
    """The word for ``key`` in ``lang`` (KeyError for a key the catalogue lacks: a bug, not input)."""
    _check(lang)
    return _catalogue()[key][lang]


def term_label(term: str, lang: str) -> str:
    """The label of a business term or group (``BT-1``, ``BT-29-1``, ``BG-4``) in ``lang``; where the
    catalogue has no row, the term's EN 16931 name from the term table."""
    _check(lang)
    row = _catalogue().get(term)
    if row and row[lang]:
        return row[lang]
    from facturx_engine.syntax.terms import by_id

    rows = by_id(term)
    return rows[0].name if rows else term
