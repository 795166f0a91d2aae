"""How each language writes numbers, amounts, rates, dates, units and countries: :class:`Fmt`, through
Babel's copy of the Unicode CLDR data (French as in France, English as in the United Kingdom, German
as in Germany). Babel is imported on the first call, never on import."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from facturx_engine.errors import InputError
from facturx_engine.i18n.catalogue import LANGS, unit_forms

if TYPE_CHECKING:
    from babel import Locale
    from babel.numbers import NumberPattern

__all__ = ["SYMBOLS", "Fmt"]

_LOCALES = {"fr": "fr_FR", "en": "en_GB", "de": "de_DE"}
# CLDR date lengths giving the dates invoices carry: 14/03/2025, 14 Mar 2025, 14.03.2025
_DATES = {"fr": "short", "en": "medium", "de": "medium"}

SYMBOLS = frozenset({"EUR", "GBP"})
"""Currencies written with their symbol (€, £); any other with its ISO 4217 code (``USD``, ``CHF``),
which no reader can mistake for another currency's (``$`` is the sign of many)."""


@lru_cache(maxsize=None)
def _locale(name: str) -> Locale:
    from babel import Locale

    return Locale.parse(name)


@lru_cache(maxsize=128)
def _parsed(pattern: str) -> NumberPattern:
    """A CLDR number pattern parsed once (Babel's format functions parse theirs on every call)."""
    from babel.numbers import parse_pattern

    return parse_pattern(pattern)


@lru_cache(maxsize=64)
def _money_pattern(locale: str, places: int, symbol: bool) -> NumberPattern:
    """The locale's currency pattern with ``places`` decimals; with the ISO code (``¤¤``) unless
    ``symbol``, then set apart from the digits by a no-break space, as CLDR's currency spacing asks
    for a currency sign ending in a letter (Babel does not apply that rule itself)."""
    pattern = str(_locale(locale).currency_formats["standard"].pattern).split(";")[0]
    pattern = pattern.replace("0.00", "0." + "0" * places if places else "0")
    if not symbol:
        pattern = pattern.replace("¤", "¤¤")
        if pattern.startswith("¤¤") and not pattern[2].isspace():
            pattern = "¤¤\u00a0" + pattern[2:]
    return _parsed(pattern)


def _decimals(value: Decimal) -> int:
    exp = value.normalize().as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0


class Fmt:
    """Formatting for one language (``fr``, ``en``, ``de``) and one document currency.

    ``Fmt("de").money(Decimal("1234.5"))`` is ``1.234,50 €``, ``Fmt("en")``'s ``€1,234.50`` and
    ``Fmt("fr")``'s ``1 234,50 €`` (the French group separator is CLDR's narrow no-break space,
    U+202F; a subclass drawing with a font that lacks it overrides :meth:`out`)."""

    def __init__(self, lang: str, currency: str = "EUR") -> None:
        if lang not in LANGS:
            raise InputError(f"must be one of {', '.join(LANGS)}, got {lang!r}", field="lang")
        self.lang = lang
        self.locale = _LOCALES[lang]
        self.currency = currency

    def out(self, text: str) -> str:
        """Every formatted text passes here (as it is; a subclass may change characters)."""
        return text

    def num(self, value: Decimal, places: int | None = None) -> str:
        """A number with the language's separators: exact (no trailing zeros) or rounded to ``places`` decimals."""
        places = _decimals(value) if places is None else places
        pattern = _parsed("#,##0." + "0" * places if places else "#,##0")
        return self.out(str(pattern.apply(value, _locale(self.locale))))

    def money(self, value: Decimal, currency: str | None = None, places: int = 2) -> str:
        """An amount with its currency (the document's unless given), rounded to ``places`` decimals."""
        cur = currency or self.currency
        pattern = _money_pattern(self.locale, places, cur in SYMBOLS)
        return self.out(str(pattern.apply(value, _locale(self.locale), currency=cur, currency_digits=False)))

    def price(self, value: Decimal) -> str:
        """A unit price: at least 2 decimals, more when the price has them."""
        return self.money(value, places=max(2, _decimals(value)))

    def rate(self, value: Decimal | None) -> str:
        """A percentage given in percent (``Decimal("5.5")`` is ``5,5 %`` in French); empty for None."""
        if value is None:
            return ""
        locale = _locale(self.locale)
        return self.out(str(locale.percent_formats[None].apply(value / 100, locale, decimal_quantization=False)))

    def date(self, value: _dt.date | None, length: str | None = None) -> str:
        """A date as invoices write it (``14/03/2025``, ``14 Mar 2025``, ``14.03.2025``), or in one of
        CLDR's lengths (``short``, ``medium``, ``long``, ``full``); empty for None."""
        if value is None:
            return ""
        from babel.dates import format_date

        return self.out(str(format_date(value, length or _DATES[self.lang], locale=_locale(self.locale))))

    def unit(self, code: str, quantity: Decimal) -> str:
        """The name of a UN/ECE unit in the form ``quantity`` takes (``heure``/``heures``, CLDR's plural
        rules); the code itself for a unit the catalogue does not name."""
        forms = unit_forms(code, self.lang)
        if forms is None:
            return code
        if len(forms) == 1:
            return forms[0]
        one = _locale(self.locale).plural_form(abs(quantity).normalize()) == "one"
        return forms[0] if one else forms[1]

    def country(self, code: str) -> str:
        """The name of an ISO 3166-1 country in the language (``DE`` is ``Allemagne`` in French); the
        code itself when CLDR has no such territory."""
        name = _locale(self.locale).territories.get(code.upper()) if code.isalpha() else None
        return self.out(name) if name else code
