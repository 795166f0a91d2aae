"""Dates as the syntaxes write them, read strictly: a calendar date or a refusal, never a guess.

* CII writes a date as ``udt:DateTimeString`` / ``qdt:DateTimeString`` with ``format="102"``: exactly
  eight ASCII digits ``YYYYMMDD``.
* UBL and the engine's JSON write ``YYYY-MM-DD`` (``xsd:date``); UBL may add a time zone (``Z``,
  ``+01:00``), which an EN 16931 date does not have: :func:`parse_iso` returns it apart so that the
  reader can report it as not kept.

Either must name a day of the Gregorian calendar between 0001-01-01 and 9999-12-31 (``20260230``,
``00000000`` and ``2026-13-01`` are refused), with nothing before or after it (``2015-01-09garbage``
is refused, not read as 2015-01-09). The writers print every year with four digits.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Final

from facturx_engine import ruleids as R
from facturx_engine.model.numbers import quoted as _quoted

__all__ = ["RULE", "DateRefused", "format_102", "format_iso", "parse_102", "parse_iso"]

RULE: Final = R.FXE_DATE
"""The rule id of the engine's date refusals (the CII schema types a format-102 date as a plain string)."""

_ISO: Final = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?", re.ASCII)


class DateRefused(ValueError):
    """Not a calendar date as the syntax writes it; each entry point re-raises it as its own error class."""


def parse_102(text: str) -> _dt.date:
    """``YYYYMMDD`` (CII format 102; XML white space around it allowed) as a date."""
    digits = text.strip(" \t\n\r")
    if len(digits) != 8 or not digits.isascii() or not digits.isdigit():
        raise DateRefused(f"{_quoted(text)} is not a date in format 102 (eight digits, YYYYMMDD)")
    return _calendar(text, int(digits[:4]), int(digits[4:6]), int(digits[6:]))


def parse_iso(text: str) -> tuple[_dt.date, str | None]:
    """``YYYY-MM-DD`` with an optional time zone (XML white space around it allowed): (date, zone or None)."""
    m = _ISO.fullmatch(text.strip(" \t\n\r"))
    if m is None:
        raise DateRefused(f"{_quoted(text)} is not a date written YYYY-MM-DD")
    return _calendar(text, int(m[1]), int(m[2]), int(m[3])), m[4]


def format_102(value: _dt.date) -> str:
    """A date as CII format 102 writes it: ``YYYYMMDD``, the year on four digits (``00120304``)."""
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def format_iso(value: _dt.date) -> str:
    """``YYYY-MM-DD``, the year on four digits."""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _calendar(text: str, year: int, month: int, day: int) -> _dt.date:
    try:
        return _dt.date(year, month, day)
    except ValueError:
        raise DateRefused(f"{_quoted(text)} is not a calendar date (year 0001-9999, month 01-12, a day the month "
                          "has)") from None

