"""A writer never returns XML that is not well-formed.

Random valid documents (tests/strategies.py) get one text field replaced, *behind the model's
back* (``object.__setattr__`` on copies of the records, as a caller bypassing the checks could),
by a hostile text: XML markup (``& < > " ' ]]>``), every C0 control character, lone surrogates,
U+FFFE/U+FFFF, C1 controls, astral characters. Every writer (CII in each profile, UBL Invoice /
CreditNote) must then either return bytes that lxml parses as XML 1.0 and that carry the text
exactly where it is written, or raise :class:`ModelError` naming the field and its business term
when the text holds a character XML 1.0 cannot carry.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import warnings
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from facturx_engine import Invoice, ModelError, to_cii, to_ubl
from facturx_engine.model.wellformed import forbidden_char
from facturx_engine.model.codes import Profile
from facturx_engine.model.records import Address, Line, Party, Vat

import strategies

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_HOSTILE_CHARS = ([chr(c) for c in range(32)] + ["\x7f", "\x85", "\x9f", "\ud800", "\udbff", "\udc00", "\udfff",
                  "\ufffe", "\uffff", "\ufffd", "\U0001F600", "\U0010FFFF", "&", "<", ">", '"', "'", "]]>",
                  "&amp;", "<!--", "<![CDATA[", "\u2028", "\u00a0"])
hostile_texts = st.lists(st.one_of(st.sampled_from(_HOSTILE_CHARS), st.characters(), st.text(max_size=3)),
                         min_size=1, max_size=6).map("".join).filter(lambda t: t.strip())


def _text_slots(obj: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The paths (field names and tuple indexes) of every text field of a model record."""
    out: list[tuple[Any, ...]] = []
    if isinstance(obj, str):
        return [path]
    if isinstance(obj, tuple):
        for i, item in enumerate(obj):
            out += _text_slots(item, (*path, i))
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            if not f.name.startswith("_") and f.name not in ("app_refs", "category"):
                out += _text_slots(getattr(obj, f.name), (*path, f.name))
    return out


def _with(obj: Any, path: tuple[Any, ...], value: str) -> Any:
    """A copy of ``obj`` with the text at ``path`` replaced, the model's checks bypassed."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(obj, tuple):
        return obj[:head] + (_with(obj[head], rest, value),) + obj[head + 1:]
    out = copy.copy(obj)
    object.__setattr__(out, head, _with(getattr(obj, head), rest, value))
    return out


def _field(path: tuple[Any, ...]) -> str:
    text = ""
    for p in path:
        text += f"[{p}]" if isinstance(p, int) else (f".{p}" if text else p)
    return text


def _write_all(doc: Any) -> list[tuple[str, Any]]:
    """(writer, bytes or the ModelError raised) for every writer."""
    out: list[tuple[str, Any]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, write in [(f"CII {p}", lambda d, p=p: to_cii(d, p)) for p in Profile] + [("UBL", to_ubl)]:
            try:
                out.append((name, write(doc)))
            except ModelError as exc:
                out.append((name, exc))
    return out


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(strategies.documents(), st.data())
def test_writers_return_well_formed_xml_or_a_model_error(doc: Any, data: st.DataObject) -> None:
    slots = _text_slots(doc)
    path = data.draw(st.sampled_from(slots))
    text = data.draw(hostile_texts)
    hostile = _with(doc, path, text)
    bad = forbidden_char(text)
    for name, result in _write_all(hostile):
        if isinstance(result, ModelError):
            assert bad is not None, f"{name}: {result} for a text XML can carry ({text!r} at {_field(path)})"
            assert result.field == _field(path) and result.bt, f"{name}: {result} (injected at {_field(path)})"
            continue
        root = etree.fromstring(result, _PARSER)  # raises XMLSyntaxError if not well-formed
        assert root is not None
        if bad is not None:  # the text is not written by this writer (profile, syntax): nothing of it may show
            assert forbidden_char(result.decode("utf-8")) is None, name


def _invoice(**line: Any) -> Invoice:
    seller = Party(name="Vendeur SAS", vat_id="FR83852147966", address=Address(country="FR"))
    buyer = Party(name="Client SA", vat_id="FR44824693170", address=Address(country="FR"))
    return Invoice(number="F-1", issue_date=dt.date(2026, 3, 2), seller=seller, buyer=buyer,
                   lines=(Line(id="1", name="Article", net_price=Decimal(10), vat=Vat.standard(20), **line),))


@pytest.mark.parametrize("text", ["a\x0bb", "a\x00", "\ud800", "x\udfffy", "\ufffe", "\uffff", "\x1f"])
def test_a_forbidden_character_in_a_written_text_is_a_model_error_naming_field_and_term(text: str) -> None:
    doc = _with(_invoice(), ("seller", "name"), text)
    for name, result in _write_all(doc):
        assert isinstance(result, ModelError), name
        assert (result.field, result.bt) == ("seller.name", "BT-27"), (name, str(result))
    doc = _with(_invoice(), ("lines", 0, "name"), text)
    for name, result in _write_all(doc):
        if name in ("CII MINIMUM", "CII BASIC WL"):  # no lines in these profiles: nothing of the text is written
            assert forbidden_char(result.decode("utf-8")) is None, name
        else:
            assert (result.field, result.bt) == ("lines[0].name", "BT-153"), (name, str(result))


def test_markup_characters_are_escaped_and_read_back_exactly() -> None:
    text = 'a & b < c > d "e" \'f\' ]]> <!-- &amp; \t\n tab'
    doc = _with(_invoice(), ("lines", 0, "name"), text)
    doc = _with(doc, ("seller", "name"), text)
    for name, result in _write_all(doc):
        root = etree.fromstring(result, _PARSER)
        assert text.replace("\r", "\n") in [t for t in root.itertext()], name


def test_a_value_no_record_can_hold_is_a_model_error_not_a_crash() -> None:
    doc = _with(_invoice(), ("currency",), "EUR")
    object.__setattr__(doc, "issue_date", "2026-03-02")  # a str where the model holds a date
    for name, result in _write_all(doc):
        assert isinstance(result, ModelError), name


def test_cii_dates_always_have_four_year_digits() -> None:
    doc = dataclasses.replace(_invoice(), issue_date=dt.date(5, 1, 2))
    assert b"<udt:DateTimeString format=\"102\">00050102</udt:DateTimeString>" in to_cii(doc)
