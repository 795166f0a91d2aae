"""The catalogue of labels: the ``*.tsv`` files beside this module (one row per key, one column per
language; a key is in one file only). ``terms.tsv`` labels the business terms and groups,
``codes.tsv`` the codes of the code lists a reader meets, ``labels.tsv`` the words of the rendered
invoice, ``view.tsv`` those of the view.

Code keys are ``LIST:CODE``: ``1001`` document types, ``5305`` VAT categories, ``4461`` payment means,
``4451`` note subjects, ``5189`` allowance reasons, ``7161`` charge reasons, ``2005`` VAT point date
codes (UNTDID lists), ``vatex`` VAT exemption reasons (the usual ones) and ``rec20`` units (UN/ECE Recommendation 20 and 21), whose labels are
``singular|plural`` where the two differ.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from facturx_engine.errors import InputError

__all__ = ["CODE_LISTS", "LANGS", "code_label", "label", "labels", "term_label", "unit_forms"]

LANGS = ("fr", "en", "de")
"""The languages of the catalogue, in the order of its columns."""

CODE_LISTS = ("1001", "2005", "4451", "4461", "5189", "5305", "7161", "rec20", "vatex")
"""The code lists :func:`code_label` knows (see the module docstring)."""

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


@lru_cache(maxsize=len(LANGS))
def _language(lang: str) -> Mapping[str, str]:
    return MappingProxyType({key: row[lang] for key, row in _catalogue().items()})


def labels(lang: str) -> Mapping[str, str]:
    """The whole catalogue in ``lang``, read-only: ``labels("de")["grand_total"]`` is
    ``label("grand_total", "de")``, for code that writes many words of one language."""
    _check(lang)
    return _language(lang)


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


def unit_forms(code: str, lang: str) -> tuple[str, ...] | None:
    """The names of a UN/ECE Rec 20/21 unit in ``lang``: (singular, plural), or one form when both are
    written the same (``kg``, ``mois``); None for a unit the catalogue does not name."""
    _check(lang)
    row = _catalogue().get(f"rec20:{code}")
    return tuple(row[lang].split("|")) if row else None


def code_label(list_id: str, code: str, lang: str) -> str | None:
    """The name of ``code`` of the code list ``list_id`` (one of :data:`CODE_LISTS`) in ``lang``, as a
    reader of an invoice would call it: ``code_label("4461", "58", "de")`` is ``"SEPA-Überweisung"``.
    None when the catalogue does not name the code (the caller shows the code itself). A unit is
    named in the singular (:func:`unit_forms` has both forms)."""
    _check(lang)
    if list_id not in CODE_LISTS:
        raise KeyError(f"no code list {list_id!r} in the catalogue (one of {', '.join(CODE_LISTS)})")
    row = _catalogue().get(f"{list_id}:{code}")
    return row[lang].split("|")[0] if row else None
