"""Reading the values the Peppol rules compute with: decimals and dates, strictly, in both syntaxes.

A value that is not what its business term holds (``"abc"`` as an amount, ``"2025-02-30"`` as a date)
raises :class:`ValueError` naming the term and the value; the rule engine turns that into a failed
rule whose finding says the rule could not be evaluated and why, never into a traceback.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from lxml import etree

from facturx_engine.validation.peppol.engine import NS

__all__ = ["date_of", "decimal_of", "elements", "first", "normalized", "optional_decimal", "text_of"]

_DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_ISO_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CII_DATE_RE = re.compile(r"[0-9]{8}")


def normalized(text: str | None) -> str:
    """``text`` with its whitespace collapsed as XPath ``normalize-space`` does (``""`` for None)."""
    return " ".join((text or "").split())


_COMPILED: dict[str, etree.XPath] = {}


def elements(node: etree._Element, path: str) -> list[etree._Element]:
    """The elements at the XPath ``path`` from ``node``, in document order."""
    compiled = _COMPILED.get(path)
    if compiled is None:
        compiled = _COMPILED[path] = etree.XPath(path, namespaces=NS)
    found = compiled(node)
    return [item for item in found if isinstance(item, etree._Element)] if isinstance(found, list) else []


def first(node: etree._Element, path: str) -> etree._Element | None:
    """The first element at the XPath ``path`` from ``node``, or None."""
    found = elements(node, path)
    return found[0] if found else None


def text_of(node: etree._Element, path: str) -> str:
    """The whitespace-normalised text of the first element at ``path`` (``""`` when there is none)."""
    found = first(node, path)
    return normalized(found.text) if found is not None else ""


def decimal_of(node: etree._Element, path: str, term: str) -> Decimal:
    """The decimal at ``path`` from ``node``; ValueError naming ``term`` when it is absent or not an
    xs:decimal (exponents, NaN and infinities are not)."""
    element = first(node, path)
    if element is None:
        raise ValueError(f"{term} is missing")
    text = (element.text or "").strip()
    if not _DECIMAL_RE.fullmatch(text):
        raise ValueError(f"{term} {text[:40]!r} is not a decimal number")
    return Decimal(text)


def optional_decimal(node: etree._Element, path: str, term: str) -> Decimal | None:
    """As :func:`decimal_of`, but None when there is no element at ``path``."""
    return None if first(node, path) is None else decimal_of(node, path, term)


def date_of(element: etree._Element, term: str) -> dt.date:
    """The date an element states: UBL ``YYYY-MM-DD`` text, or a CII element holding a
    ``udt:DateTimeString`` of format 102 (``YYYYMMDD``); ValueError naming ``term`` otherwise."""
    string = first(element, "udt:DateTimeString")
    if string is None:
        string = element
    text = (string.text or "").strip()
    try:
        if _ISO_DATE_RE.fullmatch(text):
            return dt.date.fromisoformat(text)
        if _CII_DATE_RE.fullmatch(text) and string.get("format") == "102":
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        pass
    raise ValueError(f"{term} {text[:40]!r} is not a date")
