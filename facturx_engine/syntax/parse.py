"""Untrusted XML in: the hardened parser, the syntax a root tells, readable element paths, the lookups
the reader makes without ElementPath, and the decoding of the texts it takes (dates, numbers, base64).

Parsing is hardened: no entity resolution, no network, no DTD loading, no huge text nodes or deep
trees (libxml2 limits), at most :data:`~facturx_engine.syntax.limits.MAX_XML_BYTES`, and any DOCTYPE is
refused (:class:`~facturx_engine.errors.ParseError`). Every refusal of a value names its business term,
its rule and, where the reader knows it, the element (:func:`located`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from lxml import etree

from facturx_engine.errors import ParseError
from facturx_engine.model import dates as _dates
from facturx_engine.model import numbers as _numbers
from facturx_engine.syntax.engine import NS
from facturx_engine.syntax.limits import MAX_XML_BYTES  # the one limit of XML input, shared with validate()

__all__ = ["DATE_FORMATS", "MAX_ATTRIBUTES", "NUMERIC", "attributes_of", "canonical", "child_text", "decode_binary",
           "decode_date", "decode_number", "detect_syntax", "find_first", "located", "parse_xml", "place",
           "text_at", "text_decoder", "xpath"]

MAX_ATTRIBUTES = 256
"""At most this many attributes on one element (CII and UBL elements have up to four): see :func:`attributes_of`."""

NUMERIC = frozenset({"AMOUNT", "AMOUNT_TAX", "NUMBER", "PRICE"})
"""The kinds of term whose text is a number (decoded under the numeric policy, :mod:`facturx_engine.model.numbers`)."""

DATE_FORMATS = (None, "102")
"""A date element's ``format`` attribute: none (UBL) or 102 (CII's YYYYMMDD, the only one EN 16931 uses)."""

_ROOTS = {
    f"{{{NS['rsm']}}}CrossIndustryInvoice": "cii",
    f"{{{NS['ubl-inv']}}}Invoice": "ubl",
    f"{{{NS['ubl-cn']}}}CreditNote": "ubl-cn",
}

_PREFIXES = {uri: prefix for prefix, uri in NS.items() if not prefix.startswith("ubl")}


def _parser() -> etree.XMLParser:
    """A parser that loads nothing from outside the document (entities, DTDs, network) and keeps libxml2's limits."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           dtd_validation=False, remove_comments=True, remove_pis=True)


def parse_xml(xml: bytes) -> Any:
    """The root element of untrusted XML bytes; ParseError for anything but a plain XML document."""
    if isinstance(xml, str):
        raise ParseError("expected XML bytes, got str (encode it first)")
    if not isinstance(xml, (bytes, bytearray, memoryview)):
        raise ParseError(f"expected XML bytes, got {type(xml).__name__}")
    if len(xml) > MAX_XML_BYTES:
        raise ParseError(f"the XML document is too large ({len(xml)} bytes; at most {MAX_XML_BYTES} are read)")
    try:
        tree = etree.fromstring(bytes(xml), _parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"not well-formed XML: {exc}") from None
    info: Any = tree.docinfo
    if info.doctype or info.internalDTD is not None:
        raise ParseError("a DOCTYPE is not allowed in an e-invoice (entity expansion and external DTDs "
                         "are refused)")
    return tree.getroot()


def detect_syntax(root: Any) -> str:
    """``"cii"``, ``"ubl"`` or ``"ubl-cn"`` from the root element; ParseError otherwise."""
    syntax = _ROOTS.get(root.tag)
    if syntax is None:
        raise ParseError(f"not an invoice: unknown root element {root.tag!r}; expected a CII CrossIndustryInvoice "
                         "or a UBL 2.1 Invoice or CreditNote")
    return syntax


def _name(elem: Any) -> str:
    q = etree.QName(elem)
    prefix = _PREFIXES.get(q.namespace or "")
    return f"{prefix}:{q.localname}" if prefix else q.localname


def xpath(elem: Any, repeats: dict[Any, frozenset[str]] | None = None) -> str:
    """A readable XPath of an element: prefixes of the usual namespaces, ``[n]`` where siblings repeat.

    The position is counted over the preceding siblings of the same name only (in libxml2, not in Python). Whether
    a name repeats among many siblings is asked once per parent when ``repeats`` (parent -> the names repeated among
    its children) is given, so that many paths under one parent cost time proportional to their number (a caller
    reporting many elements keeps one such dict)."""
    parts = []
    while elem is not None:
        name = _name(elem)
        parent = elem.getparent()
        if parent is not None:
            tag = elem.tag
            before = sum(1 for _ in elem.itersiblings(tag, preceding=True))
            if before or _repeated(parent, elem, repeats):
                name += f"[{before + 1}]"
        parts.append(name)
        elem = parent
    return "/" + "/".join(reversed(parts))


def _repeated(parent: Any, elem: Any, repeats: dict[Any, frozenset[str]] | None) -> bool:
    """Whether a sibling after ``elem`` has its name."""
    if repeats is None:
        return next(elem.itersiblings(elem.tag), None) is not None
    names = repeats.get(parent)
    if names is None:
        seen: set[str] = set()
        twice: set[str] = set()
        for child in parent.iterchildren():
            (twice if child.tag in seen else seen).add(child.tag)
        names = repeats[parent] = frozenset(twice)
    return elem.tag in names


def place(elem: Any) -> str:
    """The path of an element as :func:`xpath` writes it, without positions: where it stands, shared by its
    repeated siblings and cousins (found in time proportional to its depth)."""
    return "/" + "/".join(reversed([_name(e) for e in (elem, *elem.iterancestors())]))


def attributes_of(elem: Any) -> list[tuple[str, str]]:
    """``elem.items()``, refused beyond :data:`MAX_ATTRIBUTES`: lxml finds each value by a linear search of the
    element's attributes, so reading them all costs the square of their number (``keys()`` is linear)."""
    names = elem.keys()
    if len(names) > MAX_ATTRIBUTES:
        raise ParseError(f"an element has {len(names)} attributes; an e-invoice element has a few, and at most "
                         f"{MAX_ATTRIBUTES} are read", location=xpath(elem))
    return elem.items() if names else []


def located(exc: ParseError, elem: Any) -> ParseError:
    """``exc`` with the path of ``elem`` as its location (unless it names one already)."""
    if exc.location is not None:
        return exc
    return ParseError(exc.message, field=exc.field, bt=exc.bt, rule=exc.rule, location=xpath(elem))


def find_first(elem: Any, tags: tuple[str, ...]) -> Any:
    """The first element at this path of child tags (Clark notation), or None: ``find()`` without ElementPath."""
    if not tags:
        return elem
    for child in elem.iterchildren(tags[0]):
        found = find_first(child, tags[1:])
        if found is not None:
            return found
    return None


def child_text(elem: Any, tags: tuple[str, ...]) -> str | None:
    """The stripped text of the first element at this path of child tags, as ``text_at`` (``find``) gives
    it, without ElementPath: the children that do not match are not even made Python objects."""
    found = find_first(elem, tags)
    text = None if found is None else found.text
    return text.strip() if text is not None else None


def text_at(elem: Any, sub: tuple[str, ...], attr: str | None) -> str | None:
    """The stripped text (or attribute ``attr``) of the first element at this path of child tags."""
    node = find_first(elem, sub)  # find(), without ElementPath
    if node is None:
        return None
    text = node.get(attr) if attr is not None else node.text
    return text.strip() if text is not None else None


def text_decoder(kind: str, term: str, explicit: Callable[[str], Any] | None,
                 path: str = "") -> Callable[[str], Any] | None:
    """How a rule turns the stripped text into the value it puts in the document read (None: the text itself).

    A date is read in the one form its element takes (``path``, the rule's element path): a CII
    ``udt:``/``qdt:`` date string in format 102 (YYYYMMDD), a UBL ``cbc:`` date as YYYY-MM-DD; the other form is
    refused, never read as the same day (the XSD refuses it too)."""
    if explicit is not None:
        return explicit
    if kind == "DATE":
        element = path.rsplit("/", 1)[-1]
        form = "102" if element.startswith(("udt:", "qdt:")) else "iso" if element.startswith("cbc:") else None
        return partial(decode_date, term=term, form=form)
    if kind in NUMERIC:
        return partial(decode_number, term=term)
    if kind == "BINARY":
        return partial(decode_binary, term=term)
    return None


def decode_date(text: str, term: str, form: str | None = None) -> _dt.date:
    """A CII (``form="102"``: YYYYMMDD) or UBL (``"iso"``: YYYY-MM-DD, a time zone reported by the reader) date, or
    either by its length (``None``); ParseError otherwise."""
    try:
        if form == "102" or form is None and len(text) == 8:
            return _dates.parse_102(text)
        return _dates.parse_iso(text)[0]
    except _dates.DateRefused as exc:
        raise ParseError(str(exc), bt=term, rule=_dates.RULE) from None


def decode_binary(text: str, term: str) -> str:
    """A base64 attachment as read (its white space removed); ParseError when it is no base64."""
    try:
        base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ParseError("attached document is not valid base64", bt=term) from None
    return "".join(text.split())


def decode_number(text: str, term: str, elem: Any = None) -> Decimal:
    """The number ``text`` of ``term`` under the numeric policy (:mod:`facturx_engine.model.numbers`);
    ParseError naming it (and ``elem``, when given)."""
    try:
        return _numbers.parse(text, _numbers.digits_for(term))
    except _numbers.NumberRefused as exc:
        raise ParseError(str(exc), bt=term, rule=_numbers.RULE,
                         location=None if elem is None else xpath(elem)) from None


def canonical(number: Any) -> str:
    """A number without trailing zeros and never in exponent notation: ``"1273.00"`` -> ``"1273"``."""
    value = Decimal(number).normalize()
    return format(value if value else Decimal(0), "f")
