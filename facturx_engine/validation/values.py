"""What :func:`~facturx_engine.validation.core.validate` adds to the official artefacts: the engine's own limits.

The XSDs and Schematrons judge a document; the reader then takes its values into the model. Where the
reader refuses a value that the artefacts let through, validation must not call the document valid
while every other command refuses it. Two such cases exist:

* a CII date (``DateTimeString`` with ``format="102"``) that is no calendar date (``20260230``,
  ``00000000``): the CII schema types it as a plain string, and no Schematron rule checks the day
  (a UBL date is an ``xsd:date``, which the schema checks itself);
* a UBL date with a year beyond 9999 (``xsd:date`` admits ``10000-01-01``; the model's dates stop at 9999);
* a number beyond the numeric policy (:mod:`._numbers`: more than 15 digits before the point, 3 for
  a percentage, or smaller than 1E-20), which ``xsd:decimal`` admits.

Each is a fatal finding (rule ``FXE-DATE`` / ``FXE-NUMBER``, source ``facturx_engine``) naming the value,
its business term and where it stands. The numbers looked at are those the reader reads (the elements
of the term table's numeric rows), found in one pass by tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from facturx_engine.model import dates as _dates

from facturx_engine.model import numbers as _numbers
from facturx_engine.syntax.engine import NS
from facturx_engine.syntax.terms import TERMS

__all__ = ["check_limits"]

_NUMERIC = frozenset({"AMOUNT", "AMOUNT_TAX", "NUMBER", "PRICE"})
_DATE_TAGS = tuple(f"{{{NS[p]}}}{name}" for p in ("udt", "qdt") for name in ("DateTimeString", "DateString"))


def _clark(path: str) -> str:
    prefix, _, local = path.split("/")[-1].split("#")[0].partition(":")
    return f"{{{NS[prefix]}}}{local}"


def _syntax(syntax: str, document: str) -> str:
    """The table's name of a syntax: ``cii``, ``ubl`` or ``ubl-cn`` (a UBL CreditNote has paths of its own)."""
    return "cii" if syntax == "CII" else "ubl-cn" if document == "CreditNote" else "ubl"


@cache
def _numeric_tags(syntax: str) -> dict[str, tuple[int, tuple[str, ...]]]:
    """Clark tag -> (digits accepted, business terms), for the elements the reader reads as numbers."""
    found: dict[str, tuple[int, tuple[str, ...]]] = {}
    for row in TERMS:
        path = row.path_for(syntax)
        if row.kind not in _NUMERIC or not path or path in ("=", "."):
            continue
        tag = _clark(path)
        digits, terms = found.get(tag, (0, ()))
        found[tag] = (max(digits, _numbers.digits_for(row.id)), (*terms, row.id) if row.id not in terms else terms)
    return found


def check_limits(root: Any, syntax: str, document: str, finding: Any) -> list[Any]:
    """The fatal findings of the engine's limits in a parsed document (``syntax`` ``CII`` or ``UBL``, ``document``
    ``CreditNote`` or another); ``finding(rule, location, message, bt_ids)`` makes one."""
    key = _syntax(syntax, document)
    out = list(_numbers_beyond(root, key, finding))
    out += _bad_dates(root, finding) if key == "cii" else _far_dates(root, key, finding)
    return out


def _numbers_beyond(root: Any, syntax: str, finding: Any) -> Iterator[Any]:
    tags = _numeric_tags(syntax)
    for elem in root.iter(*tags):
        text = elem.text
        if not text:
            continue
        digits, terms = tags[elem.tag]
        if text.strip(_numbers.LEXICAL):  # the lexical form is the XSD's to judge: only the bounds here
            continue
        try:
            value = Decimal(text)
        except InvalidOperation:
            continue
        try:
            _numbers.check(value, digits, text)
        except _numbers.NumberRefused as exc:
            yield finding(_numbers.RULE, _where(elem), str(exc), terms)


def _bad_dates(root: Any, finding: Any) -> Iterator[Any]:
    for elem in root.iter(*_DATE_TAGS):
        if elem.get("format") == "102" and elem.text is not None:
            try:
                _dates.parse_102(elem.text)
            except _dates.DateRefused as exc:
                yield finding(_dates.RULE, _where(elem), str(exc), ())


@cache
def _ubl_date_tags(syntax: str) -> dict[str, str]:
    """Clark tag -> business term, for the UBL elements the reader reads as dates."""
    return {_clark(path): row.id for row in TERMS
            if row.kind == "DATE" and (path := row.path_for(syntax)) and path not in ("=", ".")}


def _far_dates(root: Any, syntax: str, finding: Any) -> Iterator[Any]:
    """UBL dates the XSD admits (``xsd:date`` allows years beyond 9999) but no date of the model can hold."""
    tags = _ubl_date_tags(syntax)
    for elem in root.iter(*tags):
        text = (elem.text or "").strip(" \t\n\r")
        if _XSD_DATE.fullmatch(text) and not _ISO_DAY.fullmatch(text):
            yield finding(_dates.RULE, _where(elem), f"{_numbers.quoted(text)}: the engine reads the years 0001 to "
                          "9999 only", (tags[elem.tag],))


_XSD_DATE = re.compile(r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})?", re.ASCII)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})?", re.ASCII)


def _where(elem: Any) -> str:
    return str(elem.getroottree().getpath(elem))
