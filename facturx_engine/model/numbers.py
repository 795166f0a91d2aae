"""The numeric policy: which numbers the engine accepts, stated once and applied where numbers enter.

EN 16931 and the XML schemas put almost no bound on a number (``xsd:decimal`` has as many digits as
one cares to write), while the engine computes with :mod:`decimal` at 28 significant digits and
writes every figure back out. A number the arithmetic cannot hold exactly, or one whose printed form
is far larger than its text (``2E-999999999`` is nine characters and a billion digits), must be
refused where it enters, with the field and business term named, instead of crashing a computation
or filling the memory later. The policy, per kind of value:

==========================  ===========================================  ===============  ==============
kind                        business terms                               before the point  smallest value
==========================  ===========================================  ===============  ==============
amount                      BT-92, BT-99, BT-106..BT-117, BT-131, ...    at most 15 digits 1E-20
unit price                  BT-146, BT-147, BT-148                       at most 15 digits 1E-20
quantity                    BT-129, BT-149                               at most 15 digits 1E-20
percentage or VAT rate      BT-94, BT-96, BT-101, BT-103, BT-119,        at most 3 digits  1E-20
                            BT-138, BT-143, BT-152
==========================  ===========================================  ===============  ==============

* **Text** (XML elements and attributes, JSON strings, payload values) must be written as XML Schema
  writes a decimal: an optional sign, ASCII digits and at most one decimal point (``12``, ``-0.5``,
  ``.5``, ``12.``); leading and trailing XML white space (space, tab, CR, LF) is allowed, as the
  schema allows it. Exponents (``1E2``), digit separators (``1_000``, ``1 000``, ``1,5``), other
  digits (``١٢٣``, ``１２３``), ``NaN`` and ``Infinity`` are refused, never read as some other number.
* **Magnitude**: at most 15 digits before the decimal point (3 for a percentage or rate), i.e.
  ``abs(x) < 10**15``; a value other than zero may not be smaller than ``1E-20``, and zero may not be
  written with more than 20 decimals. Digits after the point are otherwise limited only by the size
  of the input (at most :data:`~facturx_engine.syntax.read.MAX_XML_BYTES`), so a number never prints longer
  than the text it came from plus 21 characters.
* A :class:`~decimal.Decimal` given in Python to a model record is held to the same magnitude bounds
  (it has no text to check).
* **Computed amounts** (line net amounts BT-131, allowances and charges from a percentage, the
  totals BT-106..BT-115 and the VAT breakdown) are held to the amount bound as well, so that the
  engine never writes a figure it would refuse to read back: an invoice whose quantity times price
  reaches 10**15 is refused naming the line and BT-131.

The bounds are generous: 10**15 is a thousand million million, beyond any invoice in any currency in
use, and they keep every computation of :mod:`facturx_engine.model.compute` well inside the 28 significant
digits of the decimal context. Rule id of the refusals: :data:`RULE`.

:func:`round2` is the one rounding of amounts (half away from zero, to the cent) that the calculation
(:mod:`facturx_engine.model.compute`) and every record that derives an amount apply.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from facturx_engine import ruleids as R

__all__ = ["AMOUNT_DIGITS", "KINDS", "LEXICAL", "MIN_ADJUSTED", "PERCENT_DIGITS", "PERCENT_TERMS", "RULE", "NumberRefused",
           "check", "digits_for", "kind_of", "parse", "quoted", "round2"]

RULE: Final = R.FXE_NUMBER
"""The rule id the engine's own number refusals carry (it is no EN 16931 rule: the standard sets no bound)."""

AMOUNT_DIGITS: Final = 15
"""At most this many digits before the decimal point for amounts, unit prices and quantities."""

PERCENT_DIGITS: Final = 3
"""At most this many digits before the decimal point for percentages and VAT rates."""

MIN_ADJUSTED: Final = -20
"""A value may not be smaller than 1E-20 (``Decimal.adjusted() >= MIN_ADJUSTED``; zero counts its decimals)."""

KINDS: Final = {"amount": AMOUNT_DIGITS, "price": AMOUNT_DIGITS, "quantity": AMOUNT_DIGITS, "percent": PERCENT_DIGITS}
"""Digits accepted before the decimal point, per kind of value."""

PERCENT_TERMS: Final = frozenset({"BT-94", "BT-96", "BT-101", "BT-103", "BT-119", "BT-138", "BT-143",
                                  "BT-152"})
"""The business terms that are percentages or VAT rates (every other number is bound like an amount)."""

LEXICAL: Final = " \t\n\r0123456789.+-"
"""The characters an xsd:decimal may hold, its white space included (what ``str.strip`` removes)."""


_CENT: Final = Decimal("0.01")


def round2(value: Decimal) -> Decimal:
    """Round half away from zero to 2 decimals (XPath round() on absolute values, as the validators do)."""
    rounded = value.quantize(_CENT, ROUND_HALF_UP)  # positional: a keyword argument costs more than the rounding
    return rounded.copy_abs() if rounded.is_zero() else rounded  # never "-0.00": validators reject it


class NumberRefused(ValueError):
    """A number outside the policy; each entry point re-raises it as its own error class (message kept)."""


def kind_of(term: str | None) -> str:
    """The kind of value of a business term: ``"percent"`` or ``"amount"`` (the bound of any other number)."""
    return "percent" if term in PERCENT_TERMS else "amount"


def digits_for(term: str | None) -> int:
    """Digits accepted before the decimal point for the values of ``term``."""
    return PERCENT_DIGITS if term in PERCENT_TERMS else AMOUNT_DIGITS


def parse(text: str, digits: int = AMOUNT_DIGITS) -> Decimal:
    """The Decimal of ``text`` written as an xsd:decimal within the policy; :class:`NumberRefused` otherwise.

    ``digits`` is the bound before the decimal point (:func:`digits_for`). Surrounding XML white space
    is allowed; anything else but a sign, ASCII digits and one point is refused.
    """
    if text.strip(LEXICAL):  # a character no xsd:decimal has (exponent, separator, other digit ...)
        raise NumberRefused(_not_lexical(text))
    try:
        value = Decimal(text.strip(" \t\n\r"))
    except InvalidOperation:  # "1.2.3", "+-1", "", a space inside ...
        raise NumberRefused(_not_lexical(text)) from None
    return check(value, digits, text)


def check(value: Decimal, digits: int = AMOUNT_DIGITS, text: str | None = None) -> Decimal:
    """``value`` itself when it is finite and within the magnitude bounds; :class:`NumberRefused` otherwise."""
    if value.is_finite():
        adjusted = value.adjusted()
        if MIN_ADJUSTED <= adjusted < digits:
            return value
        if adjusted >= digits:
            raise NumberRefused(f"{_shown(value, text)} has {adjusted + 1} digits before the decimal point; the "
                                f"engine accepts at most {digits} here (numeric policy)")
        raise NumberRefused(f"{_shown(value, text)} is smaller than 1E{MIN_ADJUSTED} or written with more than "
                            f"{-MIN_ADJUSTED} decimals; the engine does not accept it (numeric policy)")
    raise NumberRefused(f"{_shown(value, text)} is not a finite number")


def _not_lexical(text: str) -> str:
    return (f"{quoted(text)} is not a decimal number as XML Schema writes it (an optional sign, ASCII digits "
            "and one decimal point; no exponent, digit separator or other digits)")


def _shown(value: Decimal, text: str | None) -> str:
    if text is not None:
        return quoted(text)
    try:
        return quoted(str(value))  # str() of a Decimal is its scientific form: never long for a big exponent
    except (ValueError, MemoryError):  # pragma: no cover - str() of a Decimal does not fail
        return "the number"


def quoted(text: str) -> str:
    """A value for a message: at most 40 characters, control characters escaped."""
    short = text if len(text) <= 40 else f"{text[:20]}...{text[-12:]} ({len(text)} characters)"
    return repr(short)
