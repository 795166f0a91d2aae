"""How each language writes numbers, amounts, rates and dates: :class:`Fmt`, through Babel's CLDR data.
Skeleton: the lead fills it; the method names are stable."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

__all__ = ["Fmt"]

_LOCALES = {"fr": "fr_FR", "en": "en_GB", "de": "de_DE"}


class Fmt:
    """Formatting for one language (``fr``, ``en``, ``de``) and one document currency."""

    def __init__(self, lang: str, currency: str = "EUR") -> None:
        self.lang = lang
        self.locale = _LOCALES[lang]
        self.currency = currency

    def num(self, value: Decimal, places: int | None = None) -> str:
        """A number: exact (no trailing zeros) or with ``places`` decimals."""
        from babel.numbers import format_decimal

        if places is None:
            exp = value.normalize().as_tuple().exponent
            places = max(0, -exp) if isinstance(exp, int) else 0
        pattern_places = "0" * places
        return str(format_decimal(value, format=f"#,##0.{pattern_places}" if places else "#,##0",
                                  locale=self.locale, decimal_quantization=False))

    def money(self, value: Decimal, currency: str | None = None, places: int = 2) -> str:
        from babel.numbers import format_currency

        return str(format_currency(value, currency or self.currency, locale=self.locale,
                                   format=None, currency_digits=False, decimal_quantization=False)
                   if places == 2 else format_currency(value, currency or self.currency, locale=self.locale))

    def rate(self, value: Decimal | None) -> str:
        if value is None:
            return ""
        from babel.numbers import format_percent

        return str(format_percent(value / 100, locale=self.locale, decimal_quantization=False))

    def date(self, value: _dt.date | None) -> str:
        if value is None:
            return ""
        from babel.dates import format_date

        return str(format_date(value, "long", locale=self.locale))
