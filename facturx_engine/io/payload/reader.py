"""Reading payload values: the keys, the value converters, the errors of a payload and the reader of
one payload object.

A converter (``as_text``, ``as_date``, ``as_siret`` ...) turns one JSON value into what the model takes,
or raises :class:`Bad` saying why it cannot; :class:`Reader` applies converters to the keys of one
payload object (with their aliases) and files every problem in the payload's :class:`Sink`, keyed by
payload path, so that every error of a payload is reported at once
(:class:`~facturx_engine.errors.PayloadError`).
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from facturx_engine import ruleids as R
from facturx_engine.errors import FacturXError, PayloadError
from facturx_engine.model import numbers as _numbers
from facturx_engine.model.codes import code_set
from facturx_engine.model.fields import TEXT_RULE
from facturx_engine.model.wellformed import forbidden_char

GENERAL = "payload"
"""The error key of a problem no payload field can be blamed for."""

HALF_CENT = Decimal("0.005")
OUTPUT_FORMATS = ("facturx", "ubl", "cii")
RATE_KEYS = ("tax_rate", "tva_rate", "vat_rate")
PRICE_KEYS = ("unit_price", "unit_price_ht")
TAX_KEYS = ("total_tax", "total_tva")

_EU_VAT = frozenset("AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK XI".split())
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# ---------------------------------------------------------------------------- collecting errors


class Sink:
    """Every error of one payload, by payload path, in the order found."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, key: str, message: str) -> None:
        found = self.errors.setdefault(key or GENERAL, [])
        if message not in found:
            found.append(message)

    def count(self) -> int:
        """How many messages so far (a reader compares counts to know whether its part added any)."""
        return sum(len(v) for v in self.errors.values())

    def check(self) -> None:
        if self.errors:
            n = self.count()
            raise PayloadError(f"the payload is invalid: {n} error{'s' * (n != 1)} ({', '.join(self.errors)})",
                               errors=self.errors)


class Bad(Exception):
    """A value that cannot be read; the message says why."""


class _BadChar(Bad):
    """A text holding a character XML cannot carry (the message gets the business term of its key)."""


def msg(text: str, bt: str | None = None, rule: str | None = None) -> str:
    return text + (f" ({bt})" if bt else "") + (f" [{rule}]" if rule else "")


def model_msg(exc: FacturXError) -> str:
    return msg(exc.message, exc.bt, exc.rule)


def empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else "a long string"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return repr(value) if isinstance(value, (int, float, Decimal)) else type(value).__name__


# ---------------------------------------------------------------------------- value converters


_ADDRESS_TERMS = {"line1": 0, "street": 0, "line2": 1, "street2": 1, "city": 2, "postal_code": 3, "region": 4,
                  "country": 5}
_ADDRESSES = {"seller_address": ("BT-35", "BT-36", "BT-37", "BT-38", "BT-39", "BT-40"),
              "buyer_address": ("BT-50", "BT-51", "BT-52", "BT-53", "BT-54", "BT-55"),
              "buyer_shipping_address": ("BT-75", "BT-76", "BT-77", "BT-78", "BT-79", "BT-80")}
_KEY_TERMS = {
    "invoice_number": "BT-1", "credit_note_number": "BT-1", "quote_number": "BT-1", "currency": "BT-5",
    "payment_terms": "BT-20", "notes": "BT-22", "reason": "BT-22", "deposit_reference_text": "BT-22",
    "billing_framework": "BT-23", "cadre_de_facturation": "BT-23", "contract_reference": "BT-12",
    "purchase_order": "BT-13", "seller_name": "BT-27", "seller_siret": "BT-29", "seller_legal_id": "BT-30",
    "seller_vat_number": "BT-31", "seller_electronic_address": "BT-34", "buyer_name": "BT-44",
    "buyer_siret": "BT-46", "buyer_legal_id": "BT-47", "buyer_vat_number": "BT-48",
    "buyer_electronic_address": "BT-49", "buyer_phone": "BT-57", "buyer_email": "BT-58",
    "buyer_shipping_address.name": "BT-70", "payment_method": "BT-81", "bank_details.iban": "BT-84",
    "bank_details.bic": "BT-86", "exemption_reason": "BT-120", "tax_category": "BT-151",
    "deposits.invoice_number": "BT-25", "lines.description": "BT-153", "items.description": "BT-153",
    "lines.unit": "BT-130", "lines.product_code": "BT-155", "lines.exemption_reason": "BT-120",
    "lines.tax_category": "BT-151", "payment_schedule.label": "BT-153",
}


def _term_of(key: str) -> str | None:
    """The business term a payload key feeds (None for the app's own references, never written)."""
    parts = [p for p in key.split(".") if not p.isdigit()]
    while parts and parts[0] in ("invoice", "previous_credit_notes"):
        parts.pop(0)
    if len(parts) == 2 and parts[0] in _ADDRESSES and parts[1] in _ADDRESS_TERMS:
        return _ADDRESSES[parts[0]][_ADDRESS_TERMS[parts[1]]]
    return _KEY_TERMS.get(".".join(parts))


def as_text(max_len: int | None = None) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise Bad(f"expected text, got {_describe(value)}")
        if (bad := forbidden_char(value)) is not None:  # before strip(): it would remove U+000B, U+001C ...
            raise _BadChar(_char_message(bad))
        text: str = value.strip()
        if max_len is not None and len(text) > max_len:
            raise Bad(f"is {len(text)} characters long; at most {max_len} are allowed")
        return text
    return convert


def _char_message(ch: str) -> str:
    code = ord(ch)
    kind = "a control character" if code < 32 else "a lone surrogate" if 0xD800 <= code <= 0xDFFF else \
        "a non-character"
    return f"contains U+{code:04X}, {kind} that XML 1.0 cannot carry; remove it"


def _number(digits: int) -> Callable[[Any], Decimal]:
    """A number under the engine's numeric policy (:mod:`facturx_engine.model.numbers`), at most ``digits``
    before the decimal point: a JSON number, or a string written as XML Schema writes a decimal."""
    def convert(value: Any) -> Decimal:
        try:
            if isinstance(value, bool):
                raise Bad(f"expected a number, got {_describe(value)}")
            if isinstance(value, Decimal):
                out = _numbers.check(value, digits)
            elif isinstance(value, int):
                out = _numbers.check(Decimal(value), digits, str(value) if value.bit_length() < 200 else None)
            elif isinstance(value, float):
                if value != value or value in (float("inf"), float("-inf")):
                    raise Bad(f"expected a finite number, got {_describe(value)}")
                out = _numbers.check(Decimal(repr(value)), digits)  # the shortest literal: what the app wrote
            elif isinstance(value, str):
                if (bad := forbidden_char(value)) is not None:
                    raise _BadChar(_char_message(bad))
                out = _numbers.parse(value, digits)
            else:
                raise Bad(f"expected a number, got {_describe(value)}")
        except _numbers.NumberRefused as exc:
            raise Bad(msg(str(exc), rule=_numbers.RULE)) from None
        return out.quantize(Decimal(1)) if out.as_tuple().exponent > 0 else out  # type: ignore[operator]
    return convert


_decimal = _number(_numbers.AMOUNT_DIGITS)
_percent = _number(_numbers.PERCENT_DIGITS)


def as_date(value: Any) -> _dt.date:
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value
    if not isinstance(value, str) or not _DATE.fullmatch(value.strip()):
        raise Bad(f"expected a date as YYYY-MM-DD, got {_describe(value)}")
    try:
        return _dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise Bad(f"{value!r} is not a valid date ({exc})") from None


def as_flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Bad(f"expected true or false, got {_describe(value)}")
    return value


def as_choice(options: Sequence[str]) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        text = _fold(as_text()(value))
        if text not in options:
            raise Bad(f"{_describe(value)} is not one of: {', '.join(options)}")
        return text
    return convert


def _fold(text: str) -> str:
    """Lower case without accents: 'Prélèvement' -> 'prelevement'."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def as_code(list_name: str, what: str, upper: bool = True) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        text = as_text()(value)
        text = text.upper() if upper else text
        if text not in code_set(list_name):
            raise Bad(f"{_describe(value)} is not {what}")
        return text
    return convert


as_country = as_code("country", "an ISO 3166-1 alpha-2 country code")
as_currency = as_code("currency", "an ISO 4217 currency code")
as_unit = as_code("unit", "a UN/ECE Rec 20 unit code (e.g. C62 unit, HUR hour, DAY day, KGM kilogram)", upper=False)
as_icd = as_code("icd", "an ISO 6523 ICD scheme (e.g. 0002 SIREN, 0009 SIRET)")
as_eas = as_code("eas", "an electronic address scheme of the EAS list (e.g. 0225 French SIREN-based address, "
                    "0088 GLN, 9957 French VAT number)")


_FR_ADDRESS = re.compile(r"[A-Za-z0-9+\-_.]+")  # BR-FR-23's pattern: ASCII letters, digits, + - _ .


def address_fault(value: str, scheme: str | None) -> str | None:
    """Why ``value`` cannot be an electronic address of scheme ``scheme``: the French rule BR-FR-23 allows a 0225
    (SIREN-based) address only ASCII letters, digits and ``+ - _ .``; None when it can."""
    if scheme != "0225" or _FR_ADDRESS.fullmatch(value):
        return None
    return f"{value!r} is not a French 0225 electronic address: only ASCII letters, digits and + - _ . are allowed"


def as_framework(value: Any) -> str:
    from facturx_engine.model.fr import BILLING_FRAMEWORKS

    text = as_text()(value).upper()
    if text not in BILLING_FRAMEWORKS:
        codes = " ".join(sorted(BILLING_FRAMEWORKS))
        raise Bad(msg(f"{_describe(value)} is not a French billing framework code ({codes}; B goods, S services, "
                      "M mixed)", "BT-23", R.BR_FR_08_BT_23))
    return text


def _digits(value: Any) -> str:
    """An identifier without its white space, in ASCII only (python-stdnum folds full-width and other look-alike
    digits: its check would pass and the value be written as given, another identifier than the one checked)."""
    text = "".join(as_text()(value).split())
    if not text.isascii():
        raise Bad(f"{_describe(text)} holds characters other than ASCII letters and digits (a full-width or "
                  "another script's digit is not the same identifier)")
    return text


def as_siret(value: Any) -> str:
    from stdnum.fr import siret

    text = _digits(value)
    if not (len(text) == 14 and text.isdigit()):
        raise Bad(f"{_describe(text)} is not a SIRET: 14 digits expected")
    if not siret.is_valid(text):
        raise Bad(f"{_describe(text)} is not a valid SIRET (check digit)")
    return text


def as_vat_number(value: Any) -> str:
    from stdnum.eu import vat

    text = _digits(value).upper()
    if len(text) < 3 or text[:2] not in code_set("country") | {"EL"}:
        raise Bad(f"{_describe(text)} does not start with the country code of its issuer (BR-CO-09)")
    if text[:2] in _EU_VAT and not vat.is_valid(text):
        raise Bad(f"{_describe(text)} is not a valid EU VAT number (format or check digits)")
    return text


def as_iban(value: Any) -> str:
    from stdnum import iban

    text = _digits(value).upper()
    if not iban.is_valid(text):
        raise Bad(f"{_describe(text)} is not a valid IBAN (country, length or check digits)")
    return text


def as_bic(value: Any) -> str:
    from stdnum import bic

    text = _digits(value).upper()
    if not bic.is_valid(text):
        raise Bad(f"{_describe(text)} is not a valid BIC")
    return text


def as_email(value: Any) -> str:
    text = as_text(254)(value)
    if "@" not in text.strip("@") or " " in text:
        raise Bad(f"{_describe(text)} is not an e-mail address")
    return text


# ---------------------------------------------------------------------------- reading one object


class Reader:
    """One payload object at ``path`` (``""`` or ``"invoice."``); errors go to ``sink``."""

    def __init__(self, data: Mapping[str, Any], path: str, sink: Sink) -> None:
        self.data, self.path, self.sink = data, path, sink

    def at(self, name: str) -> str:
        return f"{self.path}{name}"

    def error(self, name: str, message: str) -> None:
        self.sink.add(self.at(name), message)

    def present(self, *names: str) -> bool:
        return any(n in self.data and not empty(self.data[n]) for n in names)

    def key(self, names: Sequence[str]) -> str:
        """The alias of ``names`` the payload used (the first one if none)."""
        return next((n for n in names if self.present(n)), names[0])

    def get(self, names: Sequence[str], convert: Callable[[Any], Any], *, required: str | None = None) -> Any:
        """The value under the first alias present, converted; None (and an error) when it cannot be read."""
        hits: list[tuple[str, Any]] = []
        for name in names:
            if not self.present(name):
                continue
            try:
                hits.append((name, convert(self.data[name])))
            except _BadChar as exc:  # the model's text rule, keyed here by the payload path
                self.error(name, msg(str(exc), _term_of(self.at(name)), TEXT_RULE))
                return None
            except Bad as exc:
                self.error(name, str(exc))
                return None
        if not hits:
            if required:
                self.error(names[0], required)
            return None
        first, value = hits[0]
        for name, other in hits[1:]:
            if other != value:
                self.error(name, f"{_describe(self.data[name])} conflicts with {first} {_describe(self.data[first])}")
        return value

    def text(self, *names: str, required: str | None = None, max_len: int | None = None) -> str | None:
        value = self.get(names, as_text(max_len), required=required)
        return value if isinstance(value, str) else None

    def number(self, *names: str, required: str | None = None, percent: bool = False) -> Decimal | None:
        value = self.get(names, _percent if percent else _decimal, required=required)
        return value if isinstance(value, Decimal) else None

    def obj(self, name: str) -> Reader | None:
        value = self.data.get(name)
        if empty(value):
            return None
        if not isinstance(value, Mapping):
            self.error(name, f"expected an object, got {_describe(value)}")
            return None
        return Reader(value, f"{self.at(name)}.", self.sink)

    def items(self, name: str) -> list[Reader] | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, (list, tuple)):
            self.error(name, f"expected an array, got {_describe(value)}")
            return None
        out = []
        for i, item in enumerate(value):
            if isinstance(item, Mapping):
                out.append(Reader(item, f"{self.at(name)}.{i}.", self.sink))
            else:
                self.sink.add(f"{self.at(name)}.{i}", f"expected an object, got {_describe(item)}")
        return out


def root(payload: Any) -> Reader:
    """The reader of a whole payload (a JSON object), with a new sink; PayloadError for anything else."""
    if not isinstance(payload, Mapping):
        raise PayloadError("the payload is invalid: 1 error (payload)",
                           errors={GENERAL: [f"expected a JSON object, got {_describe(payload)}"]})
    return Reader(payload, "", Sink())
