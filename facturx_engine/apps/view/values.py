"""How the view writes one business-term value: :class:`Shown` turns a value as read
(:class:`~facturx_engine.syntax.read.PlacedValue`: ISO dates, numbers without trailing zeros) into the text a
person reads in the view's language -- dates, amounts with their currency, quantities and rates through
:class:`~facturx_engine.i18n.Fmt` (Babel), codes with their name where the catalogue knows it
(``380 – Commercial invoice``); a value that cannot be formatted is shown as read, never dropped.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from facturx_engine.apps.view.model import Field
from facturx_engine.i18n import Fmt, code_label, term_label
from facturx_engine.syntax.read import PlacedValue

__all__ = ["CODE_LISTS", "Shown", "code_name", "kind_of"]

CODE_LISTS = {
    "BT-3": "1001", "BT-8": "2005", "BT-21": "4451", "BT-81": "4461", "BT-121": "vatex",
    "BT-95": "5305", "BT-102": "5305", "BT-118": "5305", "BT-151": "5305",
    "BT-98": "5189", "BT-140": "5189", "BT-105": "7161", "BT-145": "7161",
    "BT-130": "rec20", "BT-150": "rec20",
}
"""The code list of each coded business term the catalogue names (key prefix of ``codes.tsv``)."""

_RATES = frozenset({"BT-94", "BT-96", "BT-101", "BT-103", "BT-119", "BT-138", "BT-143", "BT-152"})
"""The numbers that are percentages (the term table's kind says NUMBER for them and for quantities)."""

_COUNTRIES = frozenset({"BT-40", "BT-55", "BT-69", "BT-80", "BT-159"})
"""ISO 3166-1 country codes, named from Babel's CLDR territories (``SE – Suède``)."""

_TAX_CURRENCY_TERMS = frozenset({"BT-111"})
"""Amounts stated in the VAT accounting currency BT-6, not in BT-5."""


def code_name(list_id: str, code: str, lang: str) -> str | None:
    """The name of ``code`` in the code list ``list_id`` in ``lang``, None where the catalogue has none."""
    name = code_label(list_id, code, lang)
    return str(name) if name else None


@lru_cache(maxsize=None)
def kind_of(term: str) -> str:
    """The kind of a business term in the term table (``DATE``, ``AMOUNT``, ``PRICE`` ...; ``TEXT`` if unknown)."""
    from facturx_engine.syntax.terms import by_id

    rows = by_id(term)
    return rows[0].kind if rows else "TEXT"


class Shown:
    """The view's way of writing values: one language, the document's currency BT-5 and VAT accounting
    currency BT-6."""

    def __init__(self, lang: str, currency: str | None, tax_currency: str | None) -> None:
        self.lang = lang
        self.currency = currency or ""
        self.tax_currency = tax_currency or self.currency
        self.fmt = Fmt(lang, self.currency or "EUR")
        self._labels: dict[str, str] = {}
        self._done: dict[tuple[str, str], str] = {}  # (term, value) -> text: invoice lines repeat their values

    def label(self, term: str) -> str:
        done = self._labels.get(term)
        if done is None:
            done = self._labels[term] = term_label(term, self.lang)
        return done

    def field(self, value: PlacedValue, prefix: str = "") -> Field:
        """The :class:`Field` of one value: its label (after ``prefix``, e.g. ``"Allowance 1 · "``), the
        value formatted, the value as read."""
        return Field(value.term, prefix + self.label(value.term), self.text(value.term, value.value), value.value)

    def text(self, term: str, value: str) -> str:
        """``value`` (as read) of ``term`` written for a person; the value itself where it cannot be formatted."""
        done = self._done.get((term, value))
        if done is None:
            try:
                done = self._text(term, value)
            except (ValueError, ArithmeticError, TypeError, LookupError):
                done = value
            self._done[(term, value)] = done
        return done

    def _text(self, term: str, value: str) -> str:
        kind = kind_of(term)
        if kind == "DATE":
            return self.fmt.date(_dt.date.fromisoformat(value))
        if kind in ("AMOUNT", "AMOUNT_TAX", "PRICE"):
            currency = self.tax_currency if term in _TAX_CURRENCY_TERMS or kind == "AMOUNT_TAX" else self.currency
            number = _decimal(value)
            return self._money(number, currency) if currency else self.fmt.num(number)
        if kind == "NUMBER":
            number = _decimal(value)
            return self.fmt.rate(number) if term in _RATES else self.fmt.num(number)
        list_id = CODE_LISTS.get(term)
        name = None
        if list_id is not None:
            name = code_name(list_id, value, self.lang)
        elif term in _COUNTRIES:
            name = _country(value, self.fmt.locale)
        if name and name != value:
            return f"{value} – {name}"
        return value

    def _money(self, number: Decimal, currency: str) -> str:
        """An amount with its currency, every decimal it states kept (a price of 0.0088 is never 0.01)."""
        return self.fmt.money(number, currency, places=max(2, _places(number)))


@lru_cache(maxsize=None)
def _country(code: str, locale: str) -> str | None:
    """The name of an ISO 3166-1 alpha-2 country in ``locale`` (CLDR, through Babel); None if unknown."""
    if not (len(code) == 2 and code.isascii() and code.isalpha() and code.isupper()):
        return None
    from babel import Locale

    name = Locale.parse(locale).territories.get(code)
    return str(name) if name else None


def _places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _decimal(value: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(value) from None
    if not number.is_finite():
        raise ValueError(value)
    return number
