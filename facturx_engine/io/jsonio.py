"""JSON input and output of the model: :func:`load_document`, :func:`dump_document`, :func:`json_schema`.

The JSON format mirrors :mod:`facturx_engine.model.records` one to one, and this module reads it by walking
the dataclass fields and their type hints (there is no hand-written reader per class):

* the same field names, a nested object for a nested record, an array for a tuple;
* amounts, quantities, prices and rates are JSON **strings** (``"19.99"``) or integers. A JSON number
  with a fraction (``19.99``) is refused, with a message that tells how to quote it: binary floats
  cannot hold amounts exactly;
* dates are ``"YYYY-MM-DD"`` strings; the content of an attachment (BT-125) is base64 text;
* ``null`` stands for an absent optional field;
* top level only: ``"document": "invoice" | "credit_note"`` (default: a credit-note type code in
  ``type_code`` gives a credit note, anything else an invoice), ``"expected_totals"`` (totals the
  caller expects, keyed by BT id ``"BT-112"`` or by name ``"grand_total"``; checked with
  :func:`facturx_engine.model.compute.check_expected`, never used as input) and ``"$schema"`` (ignored).

Totals are never read: they are computed from the lines. Example::

    {
      "document": "invoice",
      "number": "F-2025-0042",
      "issue_date": "2025-03-01",
      "seller": {"name": "ACME SAS", "vat_id": "FR44732829320",
                 "legal_id": {"value": "732829320", "scheme": "0002"},
                 "address": {"city": "Paris", "postal_code": "75001", "country": "FR"}},
      "buyer": {"name": "Client SARL", "address": {"city": "Lyon", "country": "FR"}},
      "lines": [{"id": "1", "name": "Consulting", "quantity": "3", "unit": "HUR",
                 "net_price": "19.99", "vat": {"category": "S", "rate": "20"}}],
      "expected_totals": {"BT-112": "71.96"}
    }

Every error names the JSON path of the field, e.g. ``lines[2].vat.rat: unknown field (did you mean
'rate'?)``: :class:`~facturx_engine.errors.InputError` for JSON that does not fit the format, the
model's own :class:`~facturx_engine.errors.ModelError` (with the path prefixed and the business term
of that context: the buyer's name is BT-44, not BT-27) for an invoice that cannot exist, and
:class:`~facturx_engine.errors.CalculationError` for an expected total that differs.

:func:`json_schema` is a JSON Schema (draft 2020-12) built by the same walk; each property's
description starts with its business term id. It is shipped as ``invoice.schema.json`` next to
this module; ``python -m facturx_engine.io.jsonio --schema`` regenerates that file.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import copy
import dataclasses
import datetime as _dt
import difflib
import json
import re
import sys
import typing
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from facturx_engine.model.codes import CREDIT_NOTE_TYPES
from facturx_engine.model.compute import CHECKED_TOTALS, check_expected
from facturx_engine.errors import InputError, ModelError
from facturx_engine.model.introspect import (REQUIRED_TUPLES, FieldSpec, Where, field_specs, item_type,
                                             relocate, required_rule, term_in, visible_fields)
from facturx_engine.model.records import CreditNote, Document, Invoice

__all__ = ["SCHEMA_PATH", "dump_document", "json_schema", "load_document", "main", "schema_text"]

SCHEMA_PATH = Path(__file__).with_name("invoice.schema.json")
"""The shipped JSON Schema (regenerate with ``python -m facturx_engine.io.jsonio --schema``)."""

_DOCUMENT_KINDS = {"invoice": Invoice, "credit_note": CreditNote}
_TOP_LEVEL_EXTRA = ("document", "expected_totals", "$schema")
_NUMBER_RE = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

_EXPECTED_TOTALS = {t.bt: t.attribute for t in CHECKED_TOTALS}  # what check_expected compares: BT id -> attribute

# ---------------------------------------------------------------------------- business terms by context

_NAMES = {  # group and non-EN names the term table does not carry
    "BG-4": "Seller", "BG-6": "Seller contact", "BG-7": "Buyer", "BG-9": "Buyer contact", "BG-10": "Payee",
    "BG-11": "Seller tax representative party", "BG-12": "Seller tax representative postal address",
    "BG-13": "Delivery information", "BG-14": "Invoicing period", "BG-15": "Deliver to address",
    "BG-17": "Credit transfer accounts", "BG-18": "Payment card information", "BG-19": "Direct debit",
    "BG-20/BG-21": "Document level allowances (charge false) and charges (charge true)",
    "BG-26": "Invoice line period", "BG-27/BG-28": "Invoice line allowances (charge false) and charges "
    "(charge true)", "BG-30": "Line VAT information", "BT-151": "VAT category code",
    "BT-152": "VAT rate in percent", "BT-29": "Party identifiers", "BT-46": "Party identifiers",
    "ChargeIndicator": "flag: true for a charge, false for an allowance",
    "B2C": "flag: true for a private-person buyer (B2C), who carries no identifier of any kind",
    "B2C-GROSS": "flag: true when line prices and allowance/charge amounts include VAT (B2C shelf prices); "
                 "the net figures are derived",
    "FR-L441-10": "flag: French late-payment mentions (art. L441-10 Code de commerce); true or false forces "
                  "them, absent adds them for a French seller and a business buyer",
    "EXT-FR-FE-02": "Preceding invoice type code (UNTDID 1001, e.g. 386 for a deposit; EXTENDED profile only)",
}
_HINTS = {  # code lists and formats, by field name
    "currency": "ISO 4217 code (e.g. EUR)", "tax_currency": "ISO 4217 code",
    "country": "ISO 3166-1 alpha-2 code (e.g. FR)", "origin_country": "ISO 3166-1 alpha-2 code",
    "unit": "UN/ECE Rec 20/21 code (e.g. C62 one, HUR hour, KGM kilogram)",
    "type_code": "UNTDID 1001 (380 invoice, 381 credit note, 384 corrected, 386 deposit, 389 self-billed)",
    "means_code": "UNTDID 4461 (30 or 58 credit transfer, 48 card, 59 SEPA direct debit, 10 cash)",
    "tax_point_code": "UNTDID 2005: 3, 35 or 432", "subject_code": "UNTDID 4451 (e.g. AAI, PMT, REG)",
    "exemption_code": "VATEX code (e.g. VATEX-EU-AE)", "mime_code": "MIME type (application/pdf, text/csv, "
    "image/png, image/jpeg, ODS or XLSX)", "reason_code": "UNTDID 5189 (allowance) or 7161 (charge) code",
}


_SCHEME_HINTS = {
    "BT-34-1": "EAS code (e.g. 0225 French PA directory, 0009 SIRET, EM e-mail)", "BT-49-1": "EAS code",
    "BT-71-1": "ISO 6523 ICD (e.g. 0088 GLN)", "BT-157-1": "ISO 6523 ICD (e.g. 0160 GTIN)",
    "BT-18-1": "UNTDID 1153 code", "BT-128-1": "UNTDID 1153 code", "BT-158-1": "UNTDID 7143 code (e.g. STI, CV)",
}


def _term_name(term: str) -> str:
    if term in _NAMES:
        return _NAMES[term]
    return _term_names().get(term.split("/", 1)[0], "")


@cache
def _term_names() -> dict[str, str]:
    from facturx_engine.syntax.terms import TERMS

    names: dict[str, str] = {}
    for t in TERMS:
        names.setdefault(t.id, t.name)
    return names


# ---------------------------------------------------------------------------- the dataclass walk


# ---------------------------------------------------------------------------- reading JSON


class _Float:
    """A JSON number with a fraction or exponent, kept as its literal text so it can be reported."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class _Object(dict[str, Any]):
    """A JSON object that remembers the keys it saw twice."""

    duplicates: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    obj, dups = _Object(), []
    for k, v in pairs:
        if k in obj:
            dups.append(k)
        obj[k] = v
    obj.duplicates = tuple(dups)
    return obj


def _parse_json(data: str | bytes) -> Any:
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(f"the JSON input is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        return json.loads(data, parse_float=_Float, parse_constant=_Float, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise InputError("invalid JSON: nested too deeply") from None


def _kind(value: Any) -> str:
    """How a value reads in JSON terms, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, _Float):
        return f"the number {value.text}"
    if isinstance(value, (int, float, Decimal)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {json.dumps(value, ensure_ascii=False)}" if len(value) <= 40 else "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _unknown(key: str, allowed: list[str], path: str) -> InputError:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else f"expected one of: {', '.join(allowed)}"
    return InputError(f"unknown field ({hint})", field=_join(path, key))


def _read_decimal(value: Any, path: str, term: str | None) -> Decimal:
    if isinstance(value, (_Float, float)):
        text = value.text if isinstance(value, _Float) else repr(value)
        raise InputError(f"{text} is a JSON number with a fraction, which cannot hold an amount exactly: "
                         f'write it as a string, "{text}"', field=path, bt=term)
    if isinstance(value, Decimal) and value.is_finite():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str) and _NUMBER_RE.fullmatch(value):
        return Decimal(value)
    if isinstance(value, str):
        raise InputError(f"{_kind(value)} is not a decimal number (expected digits with an optional "
                         'sign and decimal point, e.g. "19.99")', field=path, bt=term)
    raise InputError(f"expected a decimal number as a string (e.g. \"19.99\") or an integer, got {_kind(value)}",
                     field=path, bt=term)


def _read_date(value: Any, path: str, term: str | None) -> _dt.date:
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        raise InputError(f"expected a date as \"YYYY-MM-DD\", got {_kind(value)}", field=path, bt=term)
    try:
        return _dt.date.fromisoformat(value)
    except ValueError as exc:
        raise InputError(f"{value!r} is not a valid date: {exc}", field=path, bt=term) from None


def _read_bytes(value: Any, path: str, term: str | None) -> bytes:
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        raise InputError(f"expected base64 text, got {_kind(value)}", field=path, bt=term)
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InputError(f"is not valid base64: {exc}", field=path, bt=term) from None


def _read_value(hint: Any, value: Any, path: str, ctx: Where, term: str) -> Any:
    """Convert one JSON value to what the model field expects (records are built recursively)."""
    if typing.get_origin(hint) is tuple:
        if not isinstance(value, (list, tuple)):
            raise InputError(f"expected an array, got {_kind(value)}", field=path, bt=term)
        item = item_type(hint)
        return tuple(_read_value(item, v, f"{path}[{i}]", ctx, term) for i, v in enumerate(value))
    if dataclasses.is_dataclass(hint):
        return _build(typing.cast(type, hint), value, path, ctx)
    if hint is Decimal:
        return _read_decimal(value, path, term)
    if hint is _dt.date:
        return _read_date(value, path, term)
    if hint is bytes:
        return _read_bytes(value, path, term)
    if hint is bool:
        if not isinstance(value, bool):
            raise InputError(f"expected true or false, got {_kind(value)}", field=path, bt=term)
        return value
    if hint is str or (isinstance(hint, type) and issubclass(hint, Enum)):
        if isinstance(value, Enum):
            value = value.value
        if not isinstance(value, str):
            quoted = f" (write \"{value}\")" if isinstance(value, int) and not isinstance(value, bool) else ""
            raise InputError(f"expected a string, got {_kind(value)}{quoted}", field=path, bt=term)
        return value  # enums are checked (and coerced) by the model, with its rule id
    raise TypeError(f"jsonio: unsupported model type {hint!r} at {path}")  # a model change this walk misses


def _build(cls: type, data: Any, path: str, ctx: Where) -> Any:
    """Build one model record from a JSON object; errors carry the JSON path."""
    if not isinstance(data, Mapping):
        raise InputError(f"expected an object, got {_kind(data)}", field=path or None)
    specs = visible_fields(cls, ctx)
    extra = _TOP_LEVEL_EXTRA if not ctx.key and issubclass(cls, Document) else ()
    for key in data:
        if key in specs or key in extra:
            continue
        if not isinstance(key, str):
            raise InputError(f"field names must be strings, got {key!r}", field=path or None)
        if key in field_specs(cls):
            raise InputError(f"has no business term in this context ({ctx.key}); leave it out",
                             field=_join(path, key))
        raise _unknown(key, list(specs), path)
    for key in getattr(data, "duplicates", ()):
        raise InputError("given twice in the same object", field=_join(path, key))
    kwargs: dict[str, Any] = {}
    for name, spec in specs.items():
        sub, term = _join(path, name), term_in(cls, ctx, spec)
        value = data.get(name)
        if value is None:
            if spec.required:
                raise InputError("is required" + (" (null given)" if name in data else ""), field=sub, bt=term,
                                 rule=required_rule(term))
            if name in data and not spec.optional:
                raise InputError(f"must not be null (leave it out for the default {_dump_value(spec.default)!r})",
                                 field=sub, bt=term)
            continue
        kwargs[name] = _read_value(spec.hint, value, sub, ctx.child(spec), term)
        if spec.required and isinstance(kwargs[name], tuple) and len(kwargs[name]) < REQUIRED_TUPLES[name]:
            raise InputError(f"needs at least {REQUIRED_TUPLES[name]} item(s)", field=sub, bt=term,
                             rule=required_rule(term))
    try:
        return cls(**kwargs)
    except ModelError as exc:
        raise relocate(exc, path, cls) from None


def _document_class(data: Mapping[str, Any]) -> type[Document]:
    kind = data.get("document")
    if kind is None:
        code = data.get("type_code")
        return CreditNote if isinstance(code, str) and code in CREDIT_NOTE_TYPES else Invoice
    if not isinstance(kind, str) or kind not in _DOCUMENT_KINDS:
        close = difflib.get_close_matches(str(kind), list(_DOCUMENT_KINDS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError(f"expected \"invoice\" or \"credit_note\", got {_kind(kind)}{hint}", field="document",
                         bt="BT-3")
    return _DOCUMENT_KINDS[kind]


def _check_totals(doc: Document, expected: Any) -> None:
    if not isinstance(expected, Mapping):
        raise InputError(f"expected an object such as {{\"BT-112\": \"120.00\"}}, got {_kind(expected)}",
                         field="expected_totals", bt="BG-22")
    allowed = [*_EXPECTED_TOTALS, *_EXPECTED_TOTALS.values()]
    for key, raw in expected.items():
        where = f"expected_totals.{key}"
        if key not in allowed:
            raise _unknown(str(key), allowed, "expected_totals")
        term = key if key in _EXPECTED_TOTALS else next(t for t, n in _EXPECTED_TOTALS.items() if n == key)
        value = _read_decimal(raw, where, term)
        try:
            check_expected(doc, {key: value})
        except ModelError as exc:
            out = copy.copy(exc)
            out.field = where
            out.args = (out._render(),)
            raise out from None


def load_document(data: Mapping[str, Any] | str | bytes) -> Invoice | CreditNote:
    """Build an :class:`Invoice` or :class:`CreditNote` from JSON text (str/bytes) or a parsed dict.

    Raises :class:`InputError` (format), :class:`ModelError` (the model's rules) or
    :class:`CalculationError` (``expected_totals``), each naming the JSON path of the field.
    """
    if isinstance(data, (str, bytes, bytearray)):
        data = _parse_json(data)
    if not isinstance(data, Mapping):
        raise InputError(f"the JSON document must be an object, got {_kind(data)}")
    doc = _build(_document_class(data), data, "", Where())
    if data.get("expected_totals") is not None:
        _check_totals(doc, data["expected_totals"])
    return typing.cast("Invoice | CreditNote", doc)


# ---------------------------------------------------------------------------- writing JSON


def _dump_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, tuple):
        return [_dump_value(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _dump_record(value)
    return value


def _is_default(value: Any, default: Any) -> bool:
    if default is dataclasses.MISSING or type(value) is not type(default) or value != default:
        return False
    return not isinstance(value, Decimal) or value.as_tuple() == default.as_tuple()


def _dump_record(obj: Any, keep: tuple[str, ...] = ()) -> dict[str, Any]:
    out = {}
    for name, spec in field_specs(obj.__class__).items():
        value = getattr(obj, name)
        if name in keep or not (value is None or value == () or _is_default(value, spec.default)):
            out[name] = _dump_value(value)
    return out


def dump_document(doc: Document, *, expected_totals: bool = False) -> dict[str, Any]:
    """The JSON form of a document (a dict of JSON types); ``load_document(dump_document(d)) == d``.

    Fields equal to their default are left out. With ``expected_totals=True`` the computed totals
    are added as ``expected_totals`` (so a later load checks them).
    """
    if not isinstance(doc, Document):
        raise InputError(f"dump_document() expects an Invoice or CreditNote, got {type(doc).__name__}")
    out: dict[str, Any] = {"document": "credit_note" if isinstance(doc, CreditNote) else "invoice"}
    out.update(_dump_record(doc, keep=("type_code",)))
    if expected_totals:
        out["expected_totals"] = {term: _dump_value(getattr(doc.totals, name))
                                  for term, name in _EXPECTED_TOTALS.items()}
    return out


# ---------------------------------------------------------------------------- JSON Schema


def _describe(term: str, spec: FieldSpec, hint: Any) -> str:
    """``"<term id> <name>: <format or code list>; default <value>"``."""
    text = f"{term} {_term_name(term) or spec.name.replace('_', ' ')}"
    extra = [_SCHEME_HINTS.get(term, "ISO 6523 ICD (e.g. 0009 SIRET, 0002 SIREN, 0088 GLN)")
             if spec.name == "scheme" else _HINTS.get(spec.name, "")]
    extra.append({Decimal: "decimal as a string (or an integer), e.g. \"19.99\"; never a JSON float",
                  _dt.date: "date YYYY-MM-DD", bytes: "base64"}.get(hint, ""))
    if spec.default not in (None, "", (), dataclasses.MISSING) and not spec.required:
        extra.append(f"default {json.dumps(_dump_value(spec.default))}")
    extra = [e for e in extra if e]
    if not extra:
        return text
    return text + ("; " if ":" in text else ": ") + "; ".join(extra)


def _type_schema(hint: Any, ctx: Where) -> dict[str, Any]:
    if typing.get_origin(hint) is tuple:
        return {"type": "array", "items": _type_schema(item_type(hint), ctx)}
    if dataclasses.is_dataclass(hint):
        return _record_schema(typing.cast(type, hint), ctx)
    if hint is Decimal:
        return {"type": ["string", "integer"], "pattern": f"^{_NUMBER_RE.pattern}$"}
    if hint is _dt.date:
        return {"type": "string", "format": "date", "pattern": f"^{_DATE_RE.pattern}$"}
    if hint is bytes:
        return {"type": "string", "contentEncoding": "base64"}
    if hint is bool:
        return {"type": "boolean"}
    if isinstance(hint, type) and issubclass(hint, Enum):
        return {"type": "string", "enum": [m.value for m in hint]}
    if hint is str:
        return {"type": "string"}
    raise TypeError(f"jsonio: unsupported model type {hint!r}")


def _with_null(schema: dict[str, Any]) -> dict[str, Any]:
    kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    return {**schema, "type": [*kinds, "null"]}


def _record_schema(cls: type, ctx: Where) -> dict[str, Any]:
    props: dict[str, Any] = {}
    required = []
    for name, spec in visible_fields(cls, ctx).items():
        term = term_in(cls, ctx, spec)
        sub = _type_schema(spec.hint, ctx.child(spec))
        if spec.optional:
            sub = _with_null(sub)
        if name in REQUIRED_TUPLES and spec.required:
            sub["minItems"] = REQUIRED_TUPLES[name]
        props[name] = {"description": _describe(term, spec, spec.hint), **sub}
        if spec.required:
            required.append(name)
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    out["additionalProperties"] = False
    return out


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the input format, from the same walk as :func:`load_document`."""
    body = _record_schema(Invoice, Where())
    number = _type_schema(Decimal, Where())
    top = {
        "$schema": {"description": "URI or path of this JSON Schema, for editors (ignored)", "type": "string"},
        "document": {"description": "BT-3 document kind: \"invoice\" or \"credit_note\"; default: a credit-note "
                                    "type code in type_code gives a credit note", "enum": list(_DOCUMENT_KINDS)},
        "expected_totals": {
            "description": "BG-22 totals the caller expects, by BT id or name (e.g. {\"BT-112\": \"120.00\"}); "
                           "checked against the totals computed from the lines (BR-CO-10..16), never used as input",
            "type": "object", "propertyNames": {"enum": [*_EXPECTED_TOTALS, *_EXPECTED_TOTALS.values()]},
            "additionalProperties": number,
        },
    }
    body["properties"]["type_code"]["description"] += " (381 for a credit note)"
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "facturx_engine EN 16931 invoice or credit note",
        "description": "Input of facturx_engine.io.jsonio.load_document and `facturx-engine generate`. Generated "
                       "from facturx_engine.model.records by `python -m facturx_engine.io.jsonio --schema`; do not edit.",
        **{k: v for k, v in body.items() if k != "properties"},
        "properties": {**top, **body["properties"]},
    }


def schema_text() -> str:
    """The shipped schema file's text."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m facturx_engine.io.jsonio --schema [PATH|-]``: regenerate the shipped JSON Schema."""
    parser = argparse.ArgumentParser(prog="python -m facturx_engine.io.jsonio",
                                     description="Tools of the JSON input format.")
    parser.add_argument("--schema", nargs="?", const=str(SCHEMA_PATH), metavar="PATH",
                        help="write the JSON Schema (default: the packaged invoice.schema.json; - for stdout)")
    args = parser.parse_args(argv)
    if args.schema is None:
        parser.print_usage(sys.stderr)
        return 2
    if args.schema == "-":
        sys.stdout.write(schema_text())
    else:
        Path(args.schema).write_text(schema_text(), encoding="utf-8")
        print(f"wrote {args.schema}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
