"""The catalogue of labels: the ``*.tsv`` files beside this module (one row per key, one column per
language; a key is in one file only). ``terms.tsv`` labels the business terms and groups,
``labels.tsv`` the words of the rendered invoice, ``view.tsv`` those of the view."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from facturx_engine.errors import InputError

__all__ = ["LANGS", "label", "term_label"]

LANGS = ("fr", "en", "de")
"""The languages of the catalogue, in the order of its columns."""

_FOLDER = Path(__file__).parent


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, dict[str, str]]:
    words: dict[str, dict[str, str]] = {}
    for path in sorted(_FOLDER.glob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                if row["key"] in words:
                    raise RuntimeError(f"{path.name}: key {row['key']!r} is already in the catalogue")
                words[row["key"]] = {lang: row[lang] for lang in LANGS}
    return words


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
