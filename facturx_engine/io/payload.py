"""Invoicing-app payloads: the flat JSON French e-invoicing APIs receive, read into the model.

:func:`from_payload` turns an invoice payload or a credit-note payload into an
:class:`~facturx_engine.model.records.Invoice` / :class:`~facturx_engine.model.records.CreditNote`;
:class:`Quote` turns a quote into deposit invoices and the final balance invoice, one by one or
along a payment schedule (:func:`schedule_invoices`). The arithmetic of deposits and credit notes
is :mod:`facturx_engine.model.lifecycle`'s; totals are computed by the model, never taken from the app:
the app's own totals are *checked*.

Invoice payload (snake_case; unknown keys are ignored; ``null`` and ``""`` mean absent)::

    invoice_number  issue_date (alias invoice_date)  due_date (>= issue date)  currency (EUR)
    output_format (facturx | ubl | cii)  direction (outgoing | incoming, kept in app_refs)
    invoice_type (standard | deposit | balance)  deposit_total_ht  deposit_reference_text
    deposits: [{invoice_number, issue_date, total_ht, total_tax, total_ttc}]      (balance only)
    total_ht  total_tax (alias total_tva)  total_ttc        checked against BT-109, BT-110, BT-112
    seller_name  seller_siret  seller_vat_number  seller_legal_id  seller_legal_id_scheme
    seller_country  seller_address {line1, line2, postal_code, city, region, country}
    seller_electronic_address  seller_electronic_address_scheme (EAS; 0225 for a French party)
    buyer_... (the same)  buyer_shipping_address {... + name}  buyer_email  buyer_phone
    buyer_is_individual (also buyer.is_individual)  delivery_date (BT-72)
    lines: [{description, quantity, unit, unit_price (alias unit_price_ht), tax_rate (aliases
             tva_rate, vat_rate), discount, product_code, exemption_reason, tax_category,
             total_ht, total_tax, total_ttc}]
    payment_terms  payment_method  bank_details {iban, bic, bank_name}  notes  purchase_order
    contract_reference  exemption_reason  tax_category  external_id  internal_reference
    billing_framework (alias cadre_de_facturation: BT-23, French code B1 S1 M1 ... M9, BR-FR-08)

Rules, as the module applies them:

* Numbers are JSON numbers or numeric strings written as XML Schema writes a decimal (sign, ASCII
  digits, one dot: no exponent, separator or other digits), under the engine's numeric policy
  (:mod:`facturx_engine.model.numbers`): at most 15 digits before the point (3 for rates, discounts and
  percentages), nothing below 1E-20 but zero. A line whose quantity x price, or a document whose
  totals, would go beyond 15 digits is refused at the line's ``quantity``. A Python ``float`` (what
  ``json.loads`` gives by default) is read through its shortest ``repr``, i.e. as the literal the
  app wrote; the CLI parses JSON numbers straight to ``Decimal``. Money is never a float inside the
  engine.
* Texts may not hold a character XML 1.0 cannot carry: a control character other than tab, line
  feed and carriage return, a lone surrogate (``"\ud800"`` in JSON), U+FFFE or U+FFFF; each one is
  refused at its payload key, naming the business term the key feeds.
* Countries default to ``FR`` (seller and buyer; the shipping address to the buyer's). A French
  seller needs ``seller_siret`` (14 digits, check digit); its SIREN becomes the legal id BT-30
  unless ``seller_legal_id`` is given. A French business buyer needs one of SIRET / VAT number /
  legal id, a foreign one a VAT number or legal id. A consumer (``buyer_is_individual: true``)
  needs none and none is written (BT-46/47/48 absent) even if the app sent some; the L441-10
  late-payment mentions (:mod:`facturx_engine.model.fr`) are written for B2B only.
* A French seller's rates are 0, 2.1, 5.5, 10 and 20. A rate above 0 is category S. A 0 % rate
  takes the ``tax_category`` stated (line, else document: Z, E, AE, K, G, O), else it is an
  exemption (E) and needs ``exemption_reason`` (line, else document; a ``VATEX-...`` value is
  written as the code BT-121). AE, K, G and O have a default reason.
* ``discount`` is a percent of the unit price: gross price BT-148, discount BT-147, net price
  BT-146, so the line's BT-131 is round(quantity x price x (1 - discount / 100)).
* ``payment_method``: virement -> 58 (SEPA IBAN) or 30, carte -> 48, cheque -> 20, especes -> 10,
  prelevement -> 59 (case and accents ignored); ``bank_details`` alone means virement, and
  virement needs the IBAN (BR-61). IBAN and BIC are checked; ``bank_name``, which EN 16931 has no
  place for, is kept in ``app_refs``.
* The app's totals (document and line) may differ from the computed ones by half a cent at most.
  A line's VAT is round(BT-131 x rate); the document's VAT is computed per rate (BR-CO-17).
* ``invoice_type: deposit`` is a 386; ``deposit_total_ht`` (the deal total, not below this
  deposit) and ``deposit_reference_text`` become notes. ``balance`` lists ``deposits``: each one a
  BG-3 reference (type 386), their ``total_ttc`` the paid amount BT-113; BT-115 is what remains.
* ``external_id``, ``internal_reference`` (and ``direction``, ``bank_name``) are kept in
  :attr:`~facturx_engine.model.records.Document.app_refs`, never written.

Credit-note payload: ``credit_note_number``, ``issue_date``, ``reason``, ``type`` (``total`` |
``partial``; default: partial when ``items`` are given), ``invoice`` (the invoice payload it
credits), ``items`` ``[{description, quantity, unit_price, tax_rate}]`` (an item names an invoice
line by its description, then unit price and rate when several lines share it; at the line's
unit price it credits a quantity, at another price the amount quantity x price; a ``total`` credit
note may list items too, as the platforms require: they must then credit exactly what remains of
every invoice line, its quantity and its net amount after the earlier credit notes, or each
difference is refused at the item's ``quantity`` / ``unit_price``, a line left out at ``items``),
``previous_credit_notes`` (earlier credit-note payloads on the same invoice, oldest first; their
``invoice`` may be left out), ``total_ht/total_tax/total_ttc`` (checked), ``external_id``,
``internal_reference``, ``output_format``. Parties and the B2C flag come from the invoice: a
``seller_*``/``buyer_*`` key that differs from the invoice's is refused.

Errors: every problem of a payload is collected and raised at once as
:class:`~facturx_engine.errors.PayloadError`, keyed by payload path (``lines.0.tva_rate``,
``invoice.buyer_siret``, ``items.1.quantity``; :data:`GENERAL` when no field can be named).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from facturx_engine.model import numbers as _numbers
from facturx_engine.model.fields import TEXT_RULE
from facturx_engine.model.wellformed import forbidden_char
from facturx_engine.model.codes import VatCategory, code_set
from facturx_engine.model.numbers import round2
from facturx_engine.errors import FacturXError, ModelError, PayloadError
from facturx_engine.model.lifecycle import DepositPlan, Milestone, Quote, credit_note, creditable
from facturx_engine.model.records import (
    Address,
    Contact,
    CreditNote,
    CreditTransfer,
    Delivery,
    Document,
    Identifier,
    Invoice,
    Line,
    Note,
    Party,
    PaymentInstructions,
    PrecedingInvoice,
    Vat,
)

__all__ = ["GENERAL", "from_payload", "load_json", "output_format", "quote_from_payload"]

GENERAL = "payload"
"""The error key of a problem no payload field can be blamed for."""

HALF_CENT = Decimal("0.005")
FRENCH_RATES = (Decimal(0), Decimal("2.1"), Decimal("5.5"), Decimal(10), Decimal(20))
OUTPUT_FORMATS = ("facturx", "ubl", "cii")
RATE_KEYS = ("tax_rate", "tva_rate", "vat_rate")
PRICE_KEYS = ("unit_price", "unit_price_ht")
TAX_KEYS = ("total_tax", "total_tva")
_PAYMENT = {"virement": "30", "carte": "48", "cheque": "20", "especes": "10", "prelevement": "59"}  # UNTDID 4461
_SEPA = frozenset("AD AT BE BG CH CY CZ DE DK EE ES FI FR GB GI GR HR HU IE IS IT LI LT LU LV MC MT NL NO PL "
                  "PT RO SE SI SK SM VA".split())
_EU_VAT = frozenset("AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK XI".split())
_ZERO_DEFAULTS = {  # 0 % categories with a default exemption (reason, VATEX code)
    VatCategory.REVERSE_CHARGE: ("Autoliquidation", "VATEX-EU-AE"),
    VatCategory.INTRA_COMMUNITY: ("Livraison intracommunautaire exonérée", "VATEX-EU-IC"),
    VatCategory.EXPORT: ("Exportation hors de l'Union européenne exonérée", "VATEX-EU-G"),
    VatCategory.OUTSIDE_SCOPE: ("Non soumis à la TVA", "VATEX-EU-O"),
}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TYPES = {"standard": "380", "deposit": "386", "balance": "380"}
_MAX_NESTING = 32  # previous_credit_notes inside previous_credit_notes ...


# ---------------------------------------------------------------------------- collecting errors


class _Sink:
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


class _Bad(Exception):
    """A value that cannot be read; the message says why."""


class _BadChar(_Bad):
    """A text holding a character XML cannot carry (the message gets the business term of its key)."""


def _msg(text: str, bt: str | None = None, rule: str | None = None) -> str:
    return text + (f" ({bt})" if bt else "") + (f" [{rule}]" if rule else "")


def _model_msg(exc: FacturXError) -> str:
    return _msg(exc.message, exc.bt, exc.rule)


def _empty(value: Any) -> bool:
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




def _text(max_len: int | None = None) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise _Bad(f"expected text, got {_describe(value)}")
        if (bad := forbidden_char(value)) is not None:  # before strip(): it would remove U+000B, U+001C ...
            raise _BadChar(_char_message(bad))
        text: str = value.strip()
        if max_len is not None and len(text) > max_len:
            raise _Bad(f"is {len(text)} characters long; at most {max_len} are allowed")
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
                raise _Bad(f"expected a number, got {_describe(value)}")
            if isinstance(value, Decimal):
                out = _numbers.check(value, digits)
            elif isinstance(value, int):
                out = _numbers.check(Decimal(value), digits, str(value) if value.bit_length() < 200 else None)
            elif isinstance(value, float):
                if value != value or value in (float("inf"), float("-inf")):
                    raise _Bad(f"expected a finite number, got {_describe(value)}")
                out = _numbers.check(Decimal(repr(value)), digits)  # the shortest literal: what the app wrote
            elif isinstance(value, str):
                if (bad := forbidden_char(value)) is not None:
                    raise _BadChar(_char_message(bad))
                out = _numbers.parse(value, digits)
            else:
                raise _Bad(f"expected a number, got {_describe(value)}")
        except _numbers.NumberRefused as exc:
            raise _Bad(_msg(str(exc), rule=_numbers.RULE)) from None
        return out.quantize(Decimal(1)) if out.as_tuple().exponent > 0 else out  # type: ignore[operator]
    return convert


_decimal = _number(_numbers.AMOUNT_DIGITS)
_percent = _number(_numbers.PERCENT_DIGITS)


def _date(value: Any) -> _dt.date:
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value
    if not isinstance(value, str) or not _DATE.fullmatch(value.strip()):
        raise _Bad(f"expected a date as YYYY-MM-DD, got {_describe(value)}")
    try:
        return _dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise _Bad(f"{value!r} is not a valid date ({exc})") from None


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"expected true or false, got {_describe(value)}")
    return value


def _choice(options: Sequence[str]) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        text = _fold(_text()(value))
        if text not in options:
            raise _Bad(f"{_describe(value)} is not one of: {', '.join(options)}")
        return text
    return convert


def _fold(text: str) -> str:
    """Lower case without accents: 'Prélèvement' -> 'prelevement'."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _code(list_name: str, what: str, upper: bool = True) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        text = _text()(value)
        text = text.upper() if upper else text
        if text not in code_set(list_name):
            raise _Bad(f"{_describe(value)} is not {what}")
        return text
    return convert


_country = _code("country", "an ISO 3166-1 alpha-2 country code")
_currency = _code("currency", "an ISO 4217 currency code")
_unit = _code("unit", "a UN/ECE Rec 20 unit code (e.g. C62 unit, HUR hour, DAY day, KGM kilogram)", upper=False)
_icd = _code("icd", "an ISO 6523 ICD scheme (e.g. 0002 SIREN, 0009 SIRET)")
_eas = _code("eas", "an electronic address scheme of the EAS list (e.g. 0225 French SIREN-based address, "
                    "0088 GLN, 9957 French VAT number)")


def _framework(value: Any) -> str:
    from facturx_engine.model.fr import BILLING_FRAMEWORKS

    text = _text()(value).upper()
    if text not in BILLING_FRAMEWORKS:
        codes = " ".join(sorted(BILLING_FRAMEWORKS))
        raise _Bad(_msg(f"{_describe(value)} is not a French billing framework code ({codes}; B goods, S services, "
                        "M mixed)", "BT-23", "BR-FR-08"))
    return text


def _digits(value: Any) -> str:
    return "".join(_text()(value).split())


def _siret(value: Any) -> str:
    from stdnum.fr import siret

    text = _digits(value)
    if not (len(text) == 14 and text.isdigit()):
        raise _Bad(f"{_describe(text)} is not a SIRET: 14 digits expected")
    if not siret.is_valid(text):
        raise _Bad(f"{_describe(text)} is not a valid SIRET (check digit)")
    return text


def _vat_number(value: Any) -> str:
    from stdnum.eu import vat

    text = _digits(value).upper()
    if len(text) < 3 or text[:2] not in code_set("country") | {"EL"}:
        raise _Bad(f"{_describe(text)} does not start with the country code of its issuer (BR-CO-09)")
    if text[:2] in _EU_VAT and not vat.is_valid(text):
        raise _Bad(f"{_describe(text)} is not a valid EU VAT number (format or check digits)")
    return text


def _iban(value: Any) -> str:
    from stdnum import iban

    text = _digits(value).upper()
    if not iban.is_valid(text):
        raise _Bad(f"{_describe(text)} is not a valid IBAN (country, length or check digits)")
    return text


def _bic(value: Any) -> str:
    from stdnum import bic

    text = _digits(value).upper()
    if not bic.is_valid(text):
        raise _Bad(f"{_describe(text)} is not a valid BIC")
    return text


def _email(value: Any) -> str:
    text = _text(254)(value)
    if "@" not in text.strip("@") or " " in text:
        raise _Bad(f"{_describe(text)} is not an e-mail address")
    return text


# ---------------------------------------------------------------------------- reading one object


class _Reader:
    """One payload object at ``path`` (``""`` or ``"invoice."``); errors go to ``sink``."""

    def __init__(self, data: Mapping[str, Any], path: str, sink: _Sink) -> None:
        self.data, self.path, self.sink = data, path, sink

    def at(self, name: str) -> str:
        return f"{self.path}{name}"

    def error(self, name: str, message: str) -> None:
        self.sink.add(self.at(name), message)

    def present(self, *names: str) -> bool:
        return any(n in self.data and not _empty(self.data[n]) for n in names)

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
                self.error(name, _msg(str(exc), _term_of(self.at(name)), TEXT_RULE))
                return None
            except _Bad as exc:
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
        value = self.get(names, _text(max_len), required=required)
        return value if isinstance(value, str) else None

    def number(self, *names: str, required: str | None = None, percent: bool = False) -> Decimal | None:
        value = self.get(names, _percent if percent else _decimal, required=required)
        return value if isinstance(value, Decimal) else None

    def obj(self, name: str) -> _Reader | None:
        value = self.data.get(name)
        if _empty(value):
            return None
        if not isinstance(value, Mapping):
            self.error(name, f"expected an object, got {_describe(value)}")
            return None
        return _Reader(value, f"{self.at(name)}.", self.sink)

    def items(self, name: str) -> list[_Reader] | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, (list, tuple)):
            self.error(name, f"expected an array, got {_describe(value)}")
            return None
        out = []
        for i, item in enumerate(value):
            if isinstance(item, Mapping):
                out.append(_Reader(item, f"{self.at(name)}.{i}.", self.sink))
            else:
                self.sink.add(f"{self.at(name)}.{i}", f"expected an object, got {_describe(item)}")
        return out


# ---------------------------------------------------------------------------- parties


_PARTY_TERMS = {  # name (and the rule requiring it), SIRET, legal id
    "seller": {"name": "BT-27", "rule": "BR-06", "siret": "BT-29", "legal": "BT-30", "address": "BT-34"},
    "buyer": {"name": "BT-44", "rule": "BR-07", "siret": "BT-46", "legal": "BT-47", "address": "BT-49"},
}


def _address(r: _Reader, key: str, country_key: str | None, default: str | None,
             with_name: bool = False) -> tuple[Address | None, str | None]:
    sub = r.obj(key)
    if sub is None and country_key is None:
        return None, None
    top = r.get((country_key,), _country) if country_key else None
    inner = sub.get(("country",), _country) if sub else None
    if inner and top and inner != top:
        r.error(f"{key}.country", f"{inner} differs from {country_key} {top}")
    country = inner or top or (None if (sub and sub.present("country")) or (country_key and r.present(country_key))
                                else default)
    fields: dict[str, str | None] = {}
    if sub is not None:
        fields = {"line1": sub.text("line1", "street"), "line2": sub.text("line2", "street2"),
                  "postal_code": sub.text("postal_code"), "city": sub.text("city"), "subdivision": sub.text("region")}
    name = sub.text("name") if sub is not None and with_name else None
    if not country:
        return None, name
    try:
        return Address(country=country, **fields), name
    except ModelError as exc:
        r.error(key, _model_msg(exc))
        return None, name


def _identifiers(r: _Reader, role: str, country: str | None) -> dict[str, Any]:
    """SIRET / VAT number / legal id of a business party and the identity rules."""
    terms = _PARTY_TERMS[role]
    siret = r.get((f"{role}_siret",), _siret)
    vat = r.get((f"{role}_vat_number",), _vat_number)
    legal = r.text(f"{role}_legal_id")
    scheme = r.get((f"{role}_legal_id_scheme",), _icd)
    if scheme and not r.present(f"{role}_legal_id"):
        r.error(f"{role}_legal_id_scheme", f"is the scheme of {role}_legal_id, which is missing")
    legal_id = None
    if legal:
        legal_id = Identifier(value=legal, scheme=scheme)
        from stdnum.fr import siren, siret as siret_number

        check = {"0002": siren.is_valid, "0009": siret_number.is_valid}.get(scheme or "")
        if check and not check(legal):
            r.error(f"{role}_legal_id", _msg(f"{legal!r} is not a valid {'SIREN' if scheme == '0002' else 'SIRET'} "
                                             "(length or check digit)", terms["legal"]))
    elif siret:
        legal_id = Identifier.siren(siret[:9])
    has = {k: r.present(f"{role}_{k}") for k in ("siret", "vat_number", "legal_id")}
    if role == "seller" and country == "FR" and not has["siret"]:
        r.error("seller_siret", _msg("is required for a French seller", terms["siret"]))
    elif role == "seller" and country and country != "FR" and not any(has.values()):
        r.error("seller_vat_number", _msg("a seller outside France needs a VAT number or a legal id "
                                          "(seller_legal_id)", "BT-31/BT-30", "BR-CO-26"))
    elif role == "buyer" and country == "FR" and not any(has.values()):
        r.error("buyer_siret", _msg("a French business buyer needs one of buyer_siret, buyer_vat_number or "
                                    "buyer_legal_id (set buyer_is_individual for a consumer)", "BT-46/BT-47/BT-48"))
    elif role == "buyer" and country and country != "FR" and not (has["vat_number"] or has["legal_id"]):
        r.error("buyer_vat_number", _msg("a business buyer outside France needs buyer_vat_number or "
                                         "buyer_legal_id (set buyer_is_individual for a consumer)", "BT-48/BT-47"))
    return {"identifiers": (Identifier.siret(siret),) if siret else (), "legal_id": legal_id, "vat_id": vat}


def _country_of(r: _Reader, role: str) -> str:
    """The party's country as the payload states it (read leniently: errors are reported by _address)."""
    address = r.data.get(f"{role}_address")
    raw = r.data.get(f"{role}_country") or (address.get("country") if isinstance(address, Mapping) else None)
    return str(raw).strip().upper() if raw else "FR"


def _is_individual(r: _Reader) -> bool:
    flat = r.get(("buyer_is_individual",), _flag)
    nested = r.obj("buyer")
    inner = nested.get(("is_individual",), _flag) if nested else None
    if flat is not None and inner is not None and flat != inner:
        r.error("buyer.is_individual", f"{str(inner).lower()} conflicts with buyer_is_individual "
                                       f"{str(flat).lower()}")
    return bool(flat if flat is not None else inner)


def _electronic_address(r: _Reader, role: str, country: str | None) -> Identifier | None:
    """BT-34 / BT-49 and its scheme (BT-34-1 / BT-49-1, EAS); a French party's defaults to 0225 (the
    SIREN-based address of the 2026 reform; the French CTC rules BR-FR-12/13 require both addresses)."""
    term = _PARTY_TERMS[role]["address"]
    value = r.text(f"{role}_electronic_address", max_len=256)
    scheme = r.get((f"{role}_electronic_address_scheme",), _eas)
    if value is None:
        if scheme is not None:
            r.error(f"{role}_electronic_address_scheme",
                    f"is the scheme of {role}_electronic_address, which is missing")
        return None
    if scheme is None and country == "FR":
        scheme = "0225"
    if scheme is None:
        r.error(f"{role}_electronic_address_scheme", _msg("is required outside France (an EAS code)", f"{term}-1",
                                                          "BR-62" if role == "seller" else "BR-63"))
        return None
    return Identifier(value=value, scheme=scheme)


def _party(r: _Reader, role: str, b2c: bool) -> Party | None:
    terms = _PARTY_TERMS[role]
    name = r.text(f"{role}_name", required=_msg("is required", terms["name"], terms["rule"]))
    address, _ = _address(r, f"{role}_address", f"{role}_country", "FR")
    ids = {} if b2c else _identifiers(r, role, address.country if address else None)
    ids["electronic_address"] = _electronic_address(r, role, address.country if address else _country_of(r, role))
    contact = None
    if role == "buyer":
        email, phone = r.get(("buyer_email",), _email), r.text("buyer_phone", max_len=50)
        contact = Contact(email=email, phone=phone) if email or phone else None
    if name is None or address is None:
        return None
    try:
        return Party(name=name, address=address, contact=contact, private_person=b2c, **ids)
    except ModelError as exc:
        r.error(f"{role}_{_PARTY_FIELDS.get((exc.field or '').split('.')[0], 'name')}", _model_msg(exc))
        return None


_PARTY_FIELDS = {"vat_id": "vat_number", "legal_id": "legal_id", "identifiers": "siret", "address": "address",
                 "private_person": "is_individual", "trading_name": "name", "name": "name",
                 "electronic_address": "electronic_address"}


# ---------------------------------------------------------------------------- lines and VAT


@dataclass(frozen=True, slots=True)
class _Context:
    """What a line needs from the document: French seller, document-level VAT defaults."""

    seller_fr: bool
    reason: tuple[str, str] | None        # (payload key, value) of the document exemption_reason
    category: tuple[str, str] | None      # (payload key, value) of the document tax_category


@dataclass(frozen=True, slots=True)
class _Stated:
    """One total the app stated: where, which term, which rule, the value."""

    key: str
    term: str
    rule: str | None
    value: Decimal


def _category(r: _Reader) -> str | None:
    value = r.get(("tax_category",), _code("vat_category", "a VAT category code (S, Z, E, AE, K, G, O)"))
    return value if isinstance(value, str) else None


def _line_vat(lr: _Reader, rate: Decimal, ctx: _Context) -> Vat | None:
    rate_key = lr.key(RATE_KEYS)
    own_category, own_reason = _category(lr), lr.text("exemption_reason")
    if own_category is None and lr.present("tax_category"):
        return None  # unreadable: reported by _category
    cat_key, category = (lr.at("tax_category"), own_category) if own_category else ctx.category or (None, None)
    reason_key, reason = (lr.at("exemption_reason"), own_reason) if own_reason else ctx.reason or (None, None)
    if rate < 0 or rate >= 100:
        lr.error(rate_key, _msg(f"{rate} is not a VAT rate (0 to 100)", "BT-152"))
        return None
    if rate > 0:
        if ctx.seller_fr and rate not in FRENCH_RATES:
            lr.error(rate_key, _msg(f"{rate} is not a French VAT rate (0, 2.1, 5.5, 10 or 20)", "BT-152"))
            return None
        if category not in (None, "S", "L", "M"):
            lr.sink.add(cat_key or "", _msg(f"category {category} has a 0 % rate, not {rate}", "BT-151"))
            return None
        if own_reason:
            lr.error("exemption_reason", _msg("an exemption reason goes with a 0 % rate only", "BT-120"))
            return None
        return Vat(category=VatCategory(category or "S"), rate=rate)
    if category is None:
        if reason is None:
            lr.error("exemption_reason", _msg("a 0 % rate needs an exemption reason (exemption_reason on the line "
                                              "or the document) or the tax_category it falls under", "BT-120"))
            return None
        category = "E"
    cat = VatCategory(category)
    if cat in (VatCategory.STANDARD, VatCategory.CANARY_IGIC, VatCategory.CEUTA_MELILLA_IPSI):
        lr.sink.add(cat_key or "", _msg(f"category {cat} needs a rate above 0", "BT-152", f"{cat.rule_family}-05"))
        return None
    if cat == VatCategory.ZERO_RATED:
        if own_reason:
            lr.error("exemption_reason", _msg("category Z (zero rated) carries no exemption reason", "BT-120",
                                              "BR-Z-10"))
            return None
        return Vat.zero_rated()
    text, code = _ZERO_DEFAULTS.get(cat, (None, None))
    if reason is not None:
        text, code = (None, reason.upper()) if reason.upper().startswith("VATEX-") else (reason, None)
        if code is not None and code not in code_set("vatex"):
            lr.sink.add(reason_key or "", _msg(f"{reason!r} is not a VATEX code", "BT-121", "BR-CL-22"))
            return None
    if text is None and code is None:
        lr.error("exemption_reason", _msg(f"category {cat} needs an exemption reason", "BT-120",
                                          f"{cat.rule_family}-10"))
        return None
    return Vat(category=cat, rate=None if cat == VatCategory.OUTSIDE_SCOPE else Decimal(0),
               exemption_reason=text, exemption_code=code)


_LINE_TOTALS = ((("total_ht",), "BT-131"), (TAX_KEYS, "line VAT"), (("total_ttc",), "line TTC"))
_LINE_FIELDS = {"net_price": PRICE_KEYS, "gross_price": ("discount",), "price_discount": ("discount",),
                "quantity": ("quantity",), "unit": ("unit",), "name": ("description",),
                "seller_item_id": ("product_code",), "vat": RATE_KEYS,
                "": ("quantity",)}  # the line itself (its net amount BT-131): see _locate


def _line(lr: _Reader, index: int, ctx: _Context) -> tuple[Line, Decimal, list[_Stated]] | None:
    """The model line, the payload's unit price (before discount) and the line totals the app stated."""
    name = lr.text("description", required=_msg("is required", "BT-153", "BR-25"), max_len=500)
    quantity = lr.number("quantity", required=_msg("is required", "BT-129", "BR-22"))
    unit = lr.get(("unit",), _unit) or "C62"
    price = lr.number(*PRICE_KEYS, required=_msg("is required", "BT-146", "BR-26"))
    rate = lr.number(*RATE_KEYS, required=_msg("is required", "BT-152"), percent=True)
    discount = lr.number("discount", percent=True)
    product_code = lr.text("product_code")
    if quantity is not None and quantity <= 0:
        lr.error("quantity", _msg(f"must be greater than 0, got {quantity}", "BT-129"))
    if price is not None and price < 0:
        lr.error(lr.key(PRICE_KEYS), _msg(f"must not be negative, got {price}", "BT-146", "BR-27"))
    if discount is not None and not 0 <= discount <= 100:
        lr.error("discount", _msg(f"is a percentage from 0 to 100, got {discount}", "BT-147"))
    vat = _line_vat(lr, rate, ctx) if rate is not None else None
    stated = [_Stated(lr.at(lr.key(keys)), term, None, v) for keys, term in _LINE_TOTALS
              if (v := lr.number(*keys)) is not None]
    if None in (name, quantity, price, vat) or (quantity is not None and quantity <= 0) or \
            (price is not None and price < 0) or (discount is not None and not 0 <= discount <= 100):
        return None
    assert name is not None and quantity is not None and price is not None and vat is not None
    priced: dict[str, Decimal] = {"net_price": price}
    if discount:
        cut = price * discount / 100
        priced = {"net_price": price - cut, "gross_price": price, "price_discount": cut}
    try:
        line = Line(id=str(index + 1), name=name, quantity=quantity, unit=unit, vat=vat, seller_item_id=product_code,
                    **priced)  # type: ignore[arg-type]
    except ModelError as exc:
        field = (exc.field or "").split(".")[0]
        lr.error(lr.key(_LINE_FIELDS.get(field, ("description",))), _model_msg(exc))
        return None
    return line, price, stated


# ---------------------------------------------------------------------------- payment, deposits, notes


def _payment(r: _Reader, refs: dict[str, str]) -> PaymentInstructions | None:
    method = r.get(("payment_method",), _choice(tuple(_PAYMENT)))
    bank = r.obj("bank_details")
    iban = bic = None
    if bank is not None:
        iban = bank.get(("iban",), _iban, required=_msg("is required in bank_details", "BT-84"))
        bic = bank.get(("bic",), _bic)
        if (name := bank.text("bank_name")) is not None:
            refs["bank_name"] = name
    if method is None and (bank is None or r.present("payment_method")):
        return None
    code = _PAYMENT[method or "virement"]
    if (method or "virement") == "virement":
        if iban is None:
            if bank is None:
                r.error("bank_details", _msg("payment by virement needs bank_details with the IBAN to pay to",
                                             "BT-84", "BR-61"))
            return None
        code = "58" if iban[:2] in _SEPA else "30"
    transfers = (CreditTransfer(account_id=iban, bic=bic),) if iban else ()
    return PaymentInstructions(means_code=code, credit_transfers=transfers)


def _deposits(r: _Reader, kind: str, issue_date: _dt.date | None) -> tuple[tuple[PrecedingInvoice, ...], Decimal]:
    """BG-3 references and BT-113 of a balance invoice."""
    items = r.items("deposits")
    if kind != "balance":
        if items:
            r.error("deposits", "only a balance invoice (invoice_type: balance) lists deposits")
        return (), Decimal(0)
    if not items:
        r.error("deposits", _msg("a balance invoice lists the deposits already invoiced", "BG-3"))
        return (), Decimal(0)
    refs, paid = [], Decimal(0)
    for dr in items:
        number = dr.text("invoice_number", required=_msg("is required", "BT-25", "BR-55"))
        date = dr.get(("issue_date",), _date)
        ht, tax, ttc = dr.number("total_ht"), dr.number(*TAX_KEYS), dr.number("total_ttc")
        if ttc is None and ht is not None and tax is not None:
            ttc = ht + tax
        if ttc is None:
            dr.error("total_ttc", _msg("is required (the deposit's total with VAT, deducted as paid)", "BT-113"))
            continue
        if ht is not None and tax is not None and abs(ht + tax - ttc) > HALF_CENT:
            dr.error("total_ttc", f"{ttc} is not total_ht + total_tax ({ht + tax})")
        if ttc <= 0 or ttc != ttc.quantize(Decimal("0.01")):
            dr.error("total_ttc", f"must be a positive amount with at most 2 decimals, got {ttc}")
        if date is not None and issue_date is not None and date > issue_date:
            dr.error("issue_date", f"deposit dated {date}, after the balance invoice ({issue_date})")
        if number is not None:
            refs.append(PrecedingInvoice(number=number, issue_date=date, type_code="386"))
        paid += ttc
    return tuple(refs), paid


def _notes(r: _Reader, kind: str, currency: str) -> tuple[Note, ...]:
    value = r.data.get("notes")
    texts: list[str] = []
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            try:
                texts += [note] if (note := _text(2000)(item)) else []
            except _Bad as exc:
                r.sink.add(r.at(f"notes.{i}"), _msg(str(exc), "BT-22"))
    elif not _empty(value):
        texts += [single] if (single := r.text("notes", max_len=2000)) else []
    if kind == "deposit":
        if (ref := r.text("deposit_reference_text", max_len=2000)) is not None:
            texts.append(ref)
        if (deal := r.number("deposit_total_ht")) is not None:
            texts.append(f"Acompte sur un montant total de {round2(deal)} {currency} HT.")
    else:
        for key in ("deposit_total_ht", "deposit_reference_text"):
            if r.present(key):
                r.error(key, "applies to a deposit invoice (invoice_type: deposit) only")
    return tuple(Note(text=t) for t in texts)


# ---------------------------------------------------------------------------- documents


@dataclass(frozen=True, slots=True)
class _Built:
    """A document read from a payload, with what credit notes need of it."""

    doc: Invoice
    prices: tuple[Decimal, ...]          # each line's payload unit price (before discount)
    reader: _Reader


def _document(r: _Reader, *, mode: str) -> _Built | None:
    """Read an invoice (``mode="invoice"``) or a quote's deal (``mode="quote"``); None if errors were found."""
    start = r.sink.count()
    number_key = "quote_number" if mode == "quote" else "invoice_number"
    number = r.text(number_key, required=_msg("is required", "BT-1", "BR-02"))
    issue_date = r.get(("issue_date", "invoice_date"), _date, required=_msg("is required", "BT-2", "BR-03"))
    due_date = r.get(("due_date",), _date)
    if due_date and issue_date and due_date < issue_date:
        r.error("due_date", _msg(f"{due_date} is before the issue date {issue_date}", "BT-9"))
    currency = r.get(("currency",), _currency) or "EUR"
    kind = r.get(("invoice_type",), _choice(tuple(_TYPES))) or "standard"
    if mode == "quote" and kind != "standard":
        r.error("invoice_type", "a quote is not a deposit or balance invoice")
    refs = _refs(r)
    b2c = _is_individual(r)
    seller, buyer = _party(r, "seller", False), _party(r, "buyer", b2c)
    delivery = _delivery(r, buyer)
    ctx = _Context(seller_fr=_country_of(r, "seller") == "FR",
                   reason=(r.at("exemption_reason"), e) if (e := r.text("exemption_reason")) else None,
                   category=(r.at("tax_category"), c) if (c := _category(r)) else None)
    lines = r.items("lines")
    if r.data.get("lines") is None or lines == [] and not r.data["lines"]:
        r.error("lines", _msg("at least one line is required", "BG-25", "BR-16"))
    read = [_line(lr, i, ctx) for i, lr in enumerate(lines or ())]
    payment = _payment(r, refs)
    preceding, paid = _deposits(r, kind, issue_date)
    notes = _notes(r, kind, currency)
    terms, order = r.text("payment_terms", max_len=1000), r.text("purchase_order", max_len=50)
    contract = r.text("contract_reference", max_len=50)
    framework = r.get(("billing_framework", "cadre_de_facturation"), _framework)
    stated = [_Stated(r.at(r.key(keys)), term, rule, v) for keys, term, rule in _DOCUMENT_TOTALS
              if (v := r.number(*keys)) is not None]
    if r.sink.count() > start or number is None or seller is None or buyer is None or None in read:
        return None
    built = [x for x in read if x is not None]
    try:
        doc = Invoice(number=number, issue_date=issue_date, due_date=due_date, currency=currency,
                      type_code=_TYPES[kind], seller=seller, buyer=buyer, delivery=delivery,
                      lines=tuple(x[0] for x in built), payment=payment, preceding_invoices=preceding,
                      paid_amount=round2(paid) if paid else None, notes=notes, payment_terms=terms,
                      purchase_order=order, contract_reference=contract, process_id=framework)
    except ModelError as exc:
        for key in _locate(r, exc.field):
            r.sink.add(key, _model_msg(exc))
        return None
    _check_totals(r, doc, stated, [x[2] for x in built])
    if kind == "balance" and paid > doc.totals.grand_total:
        r.error("deposits", _msg(f"the deposits ({paid}) exceed this invoice's total ({doc.totals.grand_total})",
                                 "BT-113"))
    if kind == "deposit" and (deal := r.number("deposit_total_ht")) is not None and deal < doc.totals.tax_exclusive:
        r.error("deposit_total_ht", f"the deal total {deal} is below this deposit ({doc.totals.tax_exclusive})")
    if r.sink.count() > start:
        return None
    return _Built(doc.with_app_refs(refs), tuple(x[1] for x in built), r)


_DOCUMENT_TOTALS = ((("total_ht",), "BT-109", "BR-CO-13"), (TAX_KEYS, "BT-110", "BR-CO-14"),
                    (("total_ttc",), "BT-112", "BR-CO-15"))


def _refs(r: _Reader) -> dict[str, str]:
    refs = {k: v for k in ("external_id", "internal_reference") if (v := r.text(k)) is not None}
    if (v := r.get(("output_format",), _choice(OUTPUT_FORMATS))) is not None:
        refs["output_format"] = v
    if (v := r.get(("direction",), _choice(("outgoing", "incoming")))) is not None:
        refs["direction"] = v
    return refs


def _delivery(r: _Reader, buyer: Party | None) -> Delivery | None:
    country = buyer.country if buyer else "FR"
    address, name = _address(r, "buyer_shipping_address", None, country, with_name=True)
    date = r.get(("delivery_date",), _date)
    if buyer is not None and address == buyer.address and name in (None, buyer.name):
        address, name = None, None  # BG-13 only repeats the buyer: left out
    if address is None and name is None and date is None:
        return None
    return Delivery(name=name, address=address, date=date)


def _check_totals(r: _Reader, doc: Document, stated: list[_Stated], lines: list[list[_Stated]]) -> None:
    """The app's totals against the computed ones: more than half a cent apart is an error."""
    totals = doc.totals.as_terms()
    taxed = (VatCategory.STANDARD, VatCategory.CANARY_IGIC, VatCategory.CEUTA_MELILLA_IPSI)
    line_taxes = [round2(a.net_amount * ((ln.vat.rate or Decimal(0)) if ln.vat.category in taxed else Decimal(0)) / 100)
                  for ln, a in zip(doc.lines, doc.totals.lines)]
    for s in stated:
        computed = totals[s.term]
        if abs(s.value - computed) > HALF_CENT:
            hint = " (EN 16931 computes VAT per rate on the sum of the line amounts, not line by line)" \
                if s.term == "BT-110" and abs(s.value - sum(line_taxes, Decimal(0))) <= HALF_CENT else ""
            r.sink.add(s.key, _msg(f"stated {s.value} but the lines give {computed}{hint}", s.term, s.rule))
    for figures, amounts, tax in zip(lines, doc.totals.lines, line_taxes):
        figure = {"BT-131": amounts.net_amount, "line VAT": tax, "line TTC": amounts.net_amount + tax}
        for s in figures:
            if abs(s.value - figure[s.term]) > HALF_CENT:
                what = "quantity × unit price − discount" if s.term == "BT-131" else "BT-131 × rate"
                r.sink.add(s.key, _msg(f"stated {s.value} but {what} gives {figure[s.term]}",
                                       s.term if s.term == "BT-131" else None))


def _locate(r: _Reader, field: str | None) -> tuple[str, ...]:
    """The payload keys a model error at ``field`` (a model path) comes from."""
    text = field or ""
    m = re.match(r"lines\[(\d+)\]\.?([a-z_]*)", text)
    if m:
        lr = _Reader(r.data["lines"][int(m.group(1))], f"{r.at('lines')}.{m.group(1)}.", r.sink)
        if not m.group(2):  # the line's net amount BT-131: quantity x unit price, both named
            return lr.at("quantity"), lr.at(lr.key(PRICE_KEYS))
        return (lr.at(lr.key(_LINE_FIELDS.get(m.group(2), ("description",)))),)
    table = (("seller.vat_id", "seller_vat_number"), ("buyer.vat_id", "buyer_vat_number"),
             ("seller.legal_id", "seller_legal_id"), ("buyer.legal_id", "buyer_legal_id"),
             ("seller.identifiers", "seller_siret"), ("buyer.identifiers", "buyer_siret"),
             ("seller.address", "seller_address"), ("buyer.address", "buyer_address"),
             ("payment.credit_transfers", "bank_details.iban"), ("payment", "payment_method"),
             ("delivery.date", "delivery_date"), ("delivery", "buyer_shipping_address"),
             ("preceding_invoices", "deposits"), ("paid_amount", "deposits"), ("vat", "lines"), ("totals", "lines"),
             ("notes", "notes"), ("due_date", "due_date"), ("currency", "currency"),
             ("issue_date", r.key(("issue_date", "invoice_date"))),
             ("number", "quote_number" if r.present("quote_number") else "invoice_number"))
    for prefix, key in table:
        if text == prefix or text.startswith(prefix + ".") or text.startswith(prefix + "["):
            return (r.at(key),)
    return (r.at(GENERAL) if r.path else GENERAL,)


# ---------------------------------------------------------------------------- credit notes


_CREDIT_NOTE_OWN = frozenset({"credit_note_number", "issue_date", "reason", "type", "invoice", "items",
                              "previous_credit_notes", "total_ht", "total_tax", "total_tva", "total_ttc",
                              "external_id", "internal_reference", "output_format", "direction"})


def _credit_note(r: _Reader, invoice: _Built | None, previous: Sequence[CreditNote]) -> CreditNote | None:
    start = r.sink.count()
    number = r.text("credit_note_number", required=_msg("is required", "BT-1", "BR-02"))
    issue_date = r.get(("issue_date",), _date, required=_msg("is required", "BT-2", "BR-03"))
    reason = r.text("reason", max_len=2000)
    kind = r.get(("type",), _choice(("total", "partial")))
    refs = _refs(r)
    inv_reader = r.obj("invoice")
    if invoice is None:
        if inv_reader is None:
            r.error("invoice", "is required: the invoice payload this credit note credits")
            return None
        invoice = _document(inv_reader, mode="invoice")
    elif inv_reader is not None:
        other = inv_reader.text("invoice_number")
        if other is not None and other != invoice.doc.number:
            inv_reader.error("invoice_number", f"{other!r} is not the credited invoice {invoice.doc.number!r}")
    source = invoice.reader.data if invoice else (inv_reader.data if inv_reader else {})
    for key in r.data:
        if isinstance(key, str) and (key.startswith(("seller_", "buyer_")) or key == "buyer") and \
                key not in _CREDIT_NOTE_OWN and r.data[key] != source.get(key):
            r.error(key, "parties and the B2C flag come from the credited invoice and cannot be overridden")
    items = r.items("items") or []
    kind = kind or ("partial" if items else "total")
    if kind == "partial" and not r.data.get("items"):
        r.error("items", "a partial credit note lists the items it credits")
    prior = _previous(r, invoice)
    if invoice is None or prior is None or r.sink.count() > start:
        return None
    assert number is not None and issue_date is not None
    if issue_date < invoice.doc.issue_date:
        r.error("issue_date", f"{issue_date} is before the credited invoice's date {invoice.doc.issue_date}")
    if number == invoice.doc.number or number in {p.number for p in (*previous, *prior)}:
        r.error("credit_note_number", f"{number!r} is already used by the invoice or an earlier credit note")
    picks = _match_items(items, invoice)
    if picks is None or r.sink.count() > start:
        return None
    quantities, amounts, where = _partial(picks, invoice)
    try:
        if kind == "total" and items:
            _total_items(r, picks, invoice, creditable(invoice.doc, (*previous, *prior)))
            if r.sink.count() > start:
                return None
        cn = credit_note(invoice.doc, number=number, issue_date=issue_date, reason=reason,
                         quantities=quantities if kind == "partial" else None,
                         amounts=amounts if kind == "partial" else None, previous=(*previous, *prior))
    except ModelError as exc:
        m = re.match(r"(?:items|quantities|amounts)\[([^\]]+)\]", exc.field or "")
        field = exc.field or ""
        key = where.get(m.group(1), r.at("items")) if m else r.at(
            "type" if field == "invoice" else "previous_credit_notes" if field.startswith("previous") else GENERAL)
        r.sink.add(key, _model_msg(exc))
        return None
    stated = [_Stated(r.at(r.key(keys)), term, rule, v) for keys, term, rule in _DOCUMENT_TOTALS
              if (v := r.number(*keys)) is not None]
    _check_totals(r, cn, stated, [])
    return None if r.sink.count() > start else cn.with_app_refs(refs)


def _previous(r: _Reader, invoice: _Built | None) -> list[CreditNote] | None:
    """The earlier credit notes, oldest first, each read against the ones before it."""
    out: list[CreditNote] = []
    if r.path.count("previous_credit_notes.") >= _MAX_NESTING and r.data.get("previous_credit_notes"):
        r.error("previous_credit_notes", f"earlier credit notes nested more than {_MAX_NESTING} levels deep; list "
                                         "them at the top level, oldest first")
        return None
    for pr in r.items("previous_credit_notes") or []:
        if invoice is None:
            return None
        cn = _credit_note(pr, invoice, out)
        if cn is None:
            return None
        out.append(cn)
    return out


@dataclass(slots=True)
class _Credited:
    """What the items of a credit-note payload credit on one invoice line."""

    quantity: Decimal = Decimal(0)          # every item's quantity
    at_price: Decimal = Decimal(0)          # the quantity of the items at the invoice's unit price
    amounts: Decimal = Decimal(0)           # round(quantity x price) of the items at another price
    last: _Reader | None = None             # the line's last item


def _match_items(items: list[_Reader], invoice: _Built) -> dict[int, _Credited] | None:
    """Per invoice line index, what the items credit (None, with the errors, when an item cannot be read)."""
    out: dict[int, _Credited] = {}
    ok = True
    for ir in items:
        desc = ir.text("description", required=_msg("is required: it names the invoice line credited", "BT-153"))
        qty = ir.number("quantity", required=_msg("is required", "BT-129"))
        price = ir.number(*PRICE_KEYS)
        rate = ir.number(*RATE_KEYS, percent=True)
        if qty is not None and qty <= 0:
            ir.error("quantity", _msg(f"must be greater than 0, got {qty}", "BT-129"))
            qty = None
        if price is not None and price < 0:
            ir.error(ir.key(PRICE_KEYS), _msg(f"must not be negative, got {price}", "BT-146"))
            price = None
        index = _line_for(ir, desc, price, rate, invoice) if desc is not None else None
        if index is None or qty is None or (price is None and ir.present(*PRICE_KEYS)):
            ok = False
            continue
        c = out.setdefault(index, _Credited())
        c.quantity, c.last = c.quantity + qty, ir
        if price is None or price == invoice.prices[index]:
            c.at_price += qty
        elif (amount := _product(ir, qty, price)) is None:
            ok = False
        else:
            c.amounts += amount
    return out if ok else None


def _partial(picks: dict[int, _Credited], invoice: _Built) -> tuple[dict[str, Decimal], dict[str, Decimal],
                                                                      dict[str, str]]:
    """The quantities and amounts :func:`~facturx_engine.model.lifecycle.credit_note` credits per line id, and the
    payload key of each line's last item."""
    quantities, amounts, where = {}, {}, {}
    for index, c in picks.items():
        line_id, ir = invoice.doc.lines[index].id, c.last
        assert ir is not None
        if c.at_price:
            quantities[line_id], where[line_id] = c.at_price, ir.at("quantity")
        if c.amounts:
            amounts[line_id], where[line_id] = c.amounts, ir.at(ir.key(PRICE_KEYS))
    return quantities, amounts, where


def _total_items(r: _Reader, picks: dict[int, _Credited], invoice: _Built,
                 left: Mapping[str, tuple[Decimal, Decimal]]) -> None:
    """A total credit note that lists items: they must credit exactly what remains of every invoice line,
    in quantity (BT-129) and in net amount (BT-131); each difference is an error at the item (or ``items``)."""
    doc = invoice.doc
    for index, ln in enumerate(doc.lines):
        qty_left, amount_left = left[ln.id]
        c = picks.get(index)
        if c is None:
            if qty_left > 0 or amount_left > 0:
                r.error("items", _msg(f"invoice line {ln.name!r} still has {qty_left} {ln.unit} ({amount_left} "
                                      f"{doc.currency} HT) to credit: a total credit note lists every line with what "
                                      "remains of it", "BG-25"))
            continue
        assert c.last is not None
        if qty_left <= 0 and amount_left <= 0:
            c.last.error("description", f"nothing remains to credit on invoice line {ln.name!r}")
            continue
        amount = round2(c.at_price * ln.price_per_unit) + c.amounts
        if c.quantity != qty_left:
            c.last.error("quantity", _msg(f"the items credit {c.quantity} of invoice line {ln.name!r} but {qty_left} "
                                          "remains: a total credit note credits exactly what remains", "BT-129"))
        elif amount != amount_left:
            hint = f"; at {qty_left} that is a unit price of {(amount_left / qty_left).normalize():f}" \
                if qty_left > 0 and amount_left / qty_left == round2(amount_left / qty_left) else ""
            c.last.error(c.last.key(PRICE_KEYS), _msg(
                f"the items credit {amount} {doc.currency} HT of invoice line {ln.name!r} but {amount_left} remains "
                f"(the invoice's amount less the earlier credit notes){hint}", "BT-131"))


def _product(ir: _Reader, qty: Decimal, price: Decimal) -> Decimal | None:
    """round(quantity x price) of a credit-note item, or None (and an error) beyond the numeric policy."""
    if qty.adjusted() + price.adjusted() + 1 < _numbers.AMOUNT_DIGITS or not qty or not price:
        amount = round2(qty * price)
        if amount.adjusted() < _numbers.AMOUNT_DIGITS:
            return amount
    ir.error(ir.key(PRICE_KEYS), _msg(f"quantity x unit price ({qty} x {price}) would have more than "
                                      f"{_numbers.AMOUNT_DIGITS} digits before the decimal point (numeric policy)",
                                      "BT-131", _numbers.RULE))
    return None


def _line_for(ir: _Reader, desc: str, price: Decimal | None, rate: Decimal | None, invoice: _Built) -> int | None:
    lines = invoice.doc.lines
    found = [i for i, ln in enumerate(lines) if ln.name.casefold() == desc.casefold()]
    if not found:
        ir.error("description", f"{desc!r} is no line of invoice {invoice.doc.number} (lines: "
                                f"{', '.join(repr(ln.name) for ln in lines)})")
        return None
    if rate is not None:
        same = [i for i in found if (lines[i].vat.rate or Decimal(0)) == rate]
        if not same:
            ir.error(ir.key(RATE_KEYS), f"{rate} is not the rate of the invoice line {desc!r} "
                                        f"({lines[found[0]].vat.rate or 0}); a credit note takes the invoiced VAT back")
            return None
        found = same
    if len(found) > 1 and price is not None:
        found = [i for i in found if invoice.prices[i] == price] or found
    if len(found) > 1:
        ir.error("description", f"{desc!r} names {len(found)} invoice lines; give unit_price and tax_rate too")
        return None
    return found[0]


# ---------------------------------------------------------------------------- entry points


def _root(payload: Any) -> _Reader:
    if not isinstance(payload, Mapping):
        raise PayloadError("the payload is invalid: 1 error (payload)",
                           errors={GENERAL: [f"expected a JSON object, got {_describe(payload)}"]})
    return _Reader(payload, "", _Sink())


def from_payload(payload: Mapping[str, Any]) -> Invoice | CreditNote:
    """The invoice or credit note (payload with ``credit_note_number`` / ``invoice``) of an app payload.

    Raises :class:`~facturx_engine.errors.PayloadError` with every error found, keyed by payload path.
    """
    r = _root(payload)
    if r.present("quote_number") and not r.present("invoice_number"):
        r.error("quote_number", "a quote is not an invoice: use facturx_engine.quote_from_payload")
        r.sink.check()
    if r.present("credit_note_number") or isinstance(payload.get("invoice"), Mapping):
        cn = _credit_note(r, None, ())
        r.sink.check()
        assert cn is not None
        return cn
    built = _document(r, mode="invoice")
    r.sink.check()
    assert built is not None
    return built.doc


def load_json(data: bytes | str) -> Any:
    """Parse payload JSON text, numbers straight to Decimal; PayloadError (key ``payload``) if it is not JSON."""
    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not a number JSON allows")

    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        return json.loads(text, parse_float=Decimal, parse_constant=refuse)
    except UnicodeDecodeError as exc:
        message = f"the payload is not UTF-8 text ({exc.reason} at byte {exc.start})"
    except json.JSONDecodeError as exc:
        message = f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    except (ValueError, RecursionError) as exc:
        message = f"invalid JSON: {exc}"
    raise PayloadError("the payload is invalid: 1 error (payload)", errors={GENERAL: [message]})


def output_format(payload: Mapping[str, Any]) -> str | None:
    """The payload's ``output_format`` (facturx, ubl, cii), None when absent; PayloadError when invalid."""
    r = _root(payload)
    value = r.get(("output_format",), _choice(OUTPUT_FORMATS))
    r.sink.check()
    return value if isinstance(value, str) else None


# ---------------------------------------------------------------------------- quotes and payment schedules


def quote_from_payload(payload: Mapping[str, Any]) -> Quote:
    """A :class:`~facturx_engine.model.lifecycle.Quote` from an invoice-shaped payload with ``quote_number``
    and an optional ``payment_schedule`` ``[{date (alias due_date), percent | amount, label}]``:
    exactly one of percent and amount per milestone (amounts net, HT, 2 decimals), dates in order,
    percents summing to at most 100 and all milestones together to at most the deal."""
    r = _root(payload)
    built = _document(r, mode="quote")
    schedule = _schedule(r, built.doc if built else None)
    r.sink.check()
    assert built is not None and schedule is not None
    return Quote(DepositPlan(built.doc), schedule)


def _schedule(r: _Reader, deal: Invoice | None) -> tuple[Milestone, ...] | None:
    out: list[Milestone] = []
    start = r.sink.count()
    for mr in r.items("payment_schedule") or []:
        date = mr.get(("date", "due_date"), _date, required="is required: the milestone's date")
        percent, amount = mr.number("percent", percent=True), mr.number("amount")
        has_percent, has_amount = mr.present("percent"), mr.present("amount")
        if has_percent == has_amount:
            mr.error("amount" if has_amount else "percent",
                     "give exactly one of percent and amount" + (", not both" if has_amount else ""))
        for key, value in (("percent", percent), ("amount", amount)):
            if value is not None and value <= 0:
                mr.error(key, f"must be above 0, got {value}")
        if amount is not None and amount != round2(amount):
            mr.error("amount", f"{amount} has more than 2 decimals")
        if out and date is not None and date < out[-1].date:
            mr.error("date", f"{date} is before the previous milestone ({out[-1].date})")
        if date is not None and (percent is None) != (amount is None):
            out.append(Milestone(date=date, percent=percent, amount=None if amount is None else round2(amount),
                                 label=mr.text("label", max_len=200) or "Acompte"))
    if r.sink.count() > start or deal is None:
        return None
    total = sum((m.percent for m in out if m.percent is not None), Decimal(0))
    if total > 100:
        r.error("payment_schedule", f"the percentages sum to {total}, above 100")
    running = Decimal(0)
    for i, m in enumerate(out):
        running += m.net_of(deal)
        if running > deal.totals.tax_exclusive:
            r.error(f"payment_schedule.{i}.{'percent' if m.percent is not None else 'amount'}",
                    f"the milestones reach {running}, beyond the deal's total {deal.totals.tax_exclusive} HT")
            break
    return tuple(out) if r.sink.count() == start else None
