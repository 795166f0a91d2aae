"""From the document read to the model records.

The reader (:mod:`facturx_engine.syntax.read`) builds model-shaped dicts (the field names of the model
records). :func:`finish` keeps what the model holds once (the first payee identifier, one payment means,
one unit per line, BT-24 unless it is the default), reports what it cannot hold, and sets the stated
values apart (totals, the VAT breakdown, the line net amounts: :mod:`facturx_engine.syntax.stated`
compares them); :func:`build` makes the model records directly (the values are the reader's own,
already checked: no JSON parsing), leaving out the optional records that lack a value the model requires
and reporting what they held. Each problem is a :class:`~facturx_engine.findings.Finding`.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from facturx_engine.model.codes import Profile
from facturx_engine.errors import ModelError, ParseError
from facturx_engine.model.introspect import field_specs, item_type, relocate, resolve
from facturx_engine.model.fields import BREACHES
from facturx_engine.model.records import Invoice, Vat
from facturx_engine.findings import Finding
from facturx_engine.syntax.findings import NOT_REPRESENTABLE_RULE, read_finding, shown
from facturx_engine.syntax.places import ACCOUNT, BASE_UNIT, PAYEE_IDS, PAYMENT_MEANS, STATED, STATED_NET, Raw

__all__ = ["build", "finish"]


# ---------------------------------------------------------------------------- what the model holds once


def _merge(into: Raw, other: Raw) -> Raw:
    for k, v in other.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into.setdefault(k, v)
    return into


def _guideline_default(syntax: str, guideline: str | None) -> bool:
    from facturx_engine.syntax.ubl import UBL_GUIDELINE

    if guideline is None:
        return True
    if syntax == "cii":
        return guideline in _PROFILE_GUIDELINES
    return guideline == UBL_GUIDELINE


_PROFILE_GUIDELINES = frozenset(p.guideline for p in Profile)


def _not_representable(term: str, message: str, location: str | None = None) -> Finding:
    return read_finding(NOT_REPRESENTABLE_RULE, term, message, location, kind="not-representable")


_PAY_PARTS = frozenset({ACCOUNT, "card", "direct_debit"})  # the records of a payment means (the rest: the means)


def _payment(entries: list[Raw], data: Raw, out: list[Finding]) -> None:
    """Payment instructions: the first entry's means, every entry's account; what differs in the other
    entries (the model has one means code, one remittance text ...) is reported."""
    first = {name: value for name, value in entries[0].items() if name not in _PAY_PARTS}
    pay = _merge(dict(first), data.get("payment", {}))
    for n, e in enumerate(entries[1:], start=2):
        for name, value in e.items():
            if name not in _PAY_PARTS and value != first.get(name):
                term = {"means_code": "BT-81", "means_text": "BT-82", "remittance_info": "BT-83"}.get(name, name)
                out.append(_not_representable(term, f"payment means {n}: {term} {shown(str(value))} is not kept: the "
                                              f"model has one payment means and takes the first one's "
                                              f"({shown(str(first.get(name)))})", f"payment.means[{n}]"))
    accounts = [e[ACCOUNT] for e in entries if e.get(ACCOUNT)]
    if accounts:
        pay["credit_transfers"] = accounts
    for e in entries:
        if e.get("card"):
            pay.setdefault("card", e["card"])
        if e.get("direct_debit"):
            pay["direct_debit"] = _merge(pay.get("direct_debit", {}), e["direct_debit"])
    data["payment"] = pay


def _last(data: Raw, names: tuple[str, ...]) -> None:
    """Move these fields to the end of ``data``, in this order. :func:`build` makes the records of a document
    in the order of its dict: the records read (invoicing period, preceding invoices, attachments, payment
    instructions stated at document level ...), then the parties, delivery, payee and notes, the payment
    means, the allowances and charges, the lines. That is the order of the findings about them (and, with
    ``strict=True``, the breach raised first)."""
    for name in names:
        if name in data:
            data[name] = data.pop(name)


def finish(data: Raw, syntax: str, out: list[Finding]) -> dict[str, Any]:
    """Make the document read (model-shaped: see :mod:`facturx_engine.syntax.read`) what :func:`build` takes: the
    model holds one payee identifier, one payment means, one unit per line, the default BT-24 as None;
    what the document states beyond that is reported in ``out``. Returns the stated values set apart:
    ``totals`` (by :class:`~facturx_engine.model.compute.Totals` attribute), ``lines`` (BT-131 of each line, None
    where absent), ``paid`` and ``rounding`` (BT-113, BT-114, also input data) and ``guideline`` (BT-24)."""
    totals: Raw = data.pop(STATED, None) or {}
    guideline = data.get("specification_id")
    if _guideline_default(syntax, guideline):
        data.pop("specification_id", None)
    payee: Raw | None = data.get("payee")
    ids = payee.pop(PAYEE_IDS, None) if payee is not None else None
    if payee is not None and ids:
        payee["identifier"] = ids[0]
        for extra in ids[1:]:
            out.append(_not_representable("BT-60", f"payee identifier {shown(str(extra.get('value')))} is not kept: "
                                          "the model holds one payee identifier", "payee.identifier"))
    if syntax != "cii" and data.get("purchase_order") == "NA" and data.get("sales_order"):
        del data["purchase_order"]  # the placeholder UBL needs for a sales order alone
    _last(data, ("seller", "buyer", "tax_representative", "delivery", "payee", "notes"))
    entries = data.pop(PAYMENT_MEANS, None)
    if entries:
        _payment(entries, data, out)  # where the instructions stated at document level were read, else last
    # VAT exemption reasons are stated per category in BG-23 only
    reasons: dict[Any, Raw] = {}
    for b in totals.get("vat_breakdown", ()):
        r = {k: b[k] for k in ("exemption_reason", "exemption_code") if k in b}
        reasons.setdefault(b.get("category"), r)

    def vat(v: Raw) -> Raw:
        given = reasons.get(v.get("category"))
        if not given:  # the usual case: nothing to add
            return v
        return {**v, **{k: x for k, x in given.items() if k not in v}}

    for ac in data.get("allowances_charges", ()):
        if "vat" in ac:
            ac["vat"] = vat(ac["vat"])
    stated_lines = [_line(n, line, vat, out) for n, line in enumerate(data.get("lines", ()))]
    _last(data, ("allowances_charges", "lines"))
    return {"totals": totals, "lines": stated_lines, "paid": data.get("paid_amount"),
            "rounding": data.get("rounding_amount"), "guideline": guideline}


def _line(n: int, line: Raw, vat: Any, out: list[Finding]) -> Any:
    """One line made what :func:`build` takes (its allowances and charges built after its other records);
    returns its stated net amount BT-131."""
    net = line.pop(STATED_NET, None)
    unit = line.pop(BASE_UNIT, None)
    given = line.get("vat")
    if given is not None:
        line["vat"] = vat(given)
    acs = line.pop("allowances_charges", None)
    if acs:  # last, each with its amounts last: the order a line left out lists what it held in (see _dropped)
        for ac in acs:
            for name in ("amount", "base_amount"):
                if name in ac:
                    ac[name] = ac.pop(name)
        line["allowances_charges"] = acs
    if unit is not None and line.get("unit") is not None and unit != line["unit"]:
        out.append(_not_representable(
            "BT-150", f"line {line.get('id')!r}: price base quantity unit {unit!r} is not kept: the model has one "
            f"unit per line, the invoiced quantity's {line['unit']!r}", f"lines[{n}].base_quantity"))
    return net


# ---------------------------------------------------------------------------- the model records


_SHAPES: dict[type, dict[str, tuple[str, Any, bool, bool]]] = {}
_REQUIRED: dict[type, tuple[tuple[str, Any], ...]] = {}


def _shape(cls: type) -> dict[str, tuple[str, Any, bool, bool]]:
    """name -> (conversion, record type, optional, required) of each init field of a model record, in
    the terms of the JSON format (:mod:`facturx_engine.io.jsonio`), which mirrors the model; once per class."""
    found = _SHAPES.get(cls)
    if found is not None:
        return found
    out = {}
    for name, spec in field_specs(cls).items():
        inner = item_type(spec.hint)
        if isinstance(inner, type) and dataclasses.is_dataclass(inner):
            conv = "records" if typing.get_origin(spec.hint) is tuple else "record"
        else:
            conv = {Decimal: "decimal", _dt.date: "date", bytes: "bytes"}.get(spec.hint, "plain")
        out[name] = (conv, inner, spec.optional, spec.required and name != "lines")
    _SHAPES[cls] = out
    return out


def _required(cls: type) -> tuple[tuple[str, Any], ...]:
    """(name, record type or None) of the fields a model record requires; the record type only when it
    requires fields itself (else nothing it holds can lack, and :func:`_lacks` need not look into it)."""
    found = _REQUIRED.get(cls)
    if found is None:
        found = _REQUIRED[cls] = tuple((name, inner if conv == "record" and _required(inner) else None)
                                       for name, (conv, inner, _optional, required) in _shape(cls).items()
                                       if required)
    return found


def _lacks(cls: type, data: Raw) -> str | None:
    """The first value the model requires that ``data`` (or a record it requires) lacks."""
    for name, inner in _required(cls):
        value = data.get(name)
        if value is None or value == "":
            return name
        if inner is not None and isinstance(value, dict) and _lacks(inner, value) is not None:
            return name
    return None


def _vat_key(data: Raw) -> tuple[Any, ...] | None:
    """What tells one VAT dict from another, the spelling of its numbers included (20 is not 20.0);
    None when it holds anything but text and Decimals."""
    if len(data) == 2:  # the usual {category, rate}: a pair, which no key of the general form equals
        category, rate = data.get("category"), data.get("rate")
        if category.__class__ is str and rate.__class__ is Decimal:
            return (category, str(rate))  # str() is exact and canonical for a Decimal
    key: list[tuple[str, Any, Any]] = []
    for name, value in data.items():
        cls = value.__class__
        if cls is str:
            key.append((name, value, None))
        elif cls is Decimal:
            key.append((name, None, str(value)))  # str() is exact and canonical for a Decimal
        else:
            return None
    return tuple(key)


def build(cls: type, data: Raw, out: list[Finding], path: str = "", vats: dict[Any, Any] | None = None) -> Any:
    """The model record of a model-shaped dict (the reader's values, by model field name). The optional
    records (and list items) that lack a value the model requires are left out, each reported with what
    it held; every model rule applies, and a :class:`ModelError` (raised, or collected in reading mode)
    names the field path.

    The lines of a document mostly repeat a few VAT treatments: a :class:`Vat` built without any breach
    is built once per document and shared (``vats``; records are immutable). The fields of a record are
    converted by a function made once per record type and set of keys (:func:`_builder`)."""
    if cls is Vat:
        key = _vat_key(data)
        if vats is not None and key is not None:
            found = vats.get(key)
            if found is not None:
                return found
            sink = BREACHES.get()
            before = len(sink) if sink is not None else 0
            record = build(cls, data, out, path)
            if sink is None or len(sink) == before:  # a breach is recorded (and relocated) every time
                vats[key] = record
            return record
    elif vats is None:
        vats = {}
    keys = tuple(data)
    return _builder_for(cls, keys)(data, out, path, vats, False)


_BUILDERS: dict[tuple[type, tuple[str, ...]], Any] = {}
_MAX_BUILDERS = 512
"""Builders kept (documents mostly repeat a few key sets; documents from strangers may bring any number:
past this, the cache starts again, so that a long-running process does not grow without end)."""


def _builder_for(cls: type, keys: tuple[str, ...]) -> Any:
    make = _BUILDERS.get((cls, keys))
    if make is None:
        if len(_BUILDERS) >= _MAX_BUILDERS:
            _BUILDERS.clear()
        make = _BUILDERS[(cls, keys)] = _builder(cls, keys)
    return make


_DROP = object()  # an optional record left out (and reported): the field keeps its default


@dataclass(frozen=True, slots=True)
class _Lack:
    """What a builder called with ``check`` returns for a dict that lacks a value the model requires."""

    name: str


def _builder(cls: type, keys: tuple[str, ...]) -> Any:
    """The conversion of the raw dicts of one record type with these keys, in this order (made once per
    record type and keys): with ``check``, first what :func:`_lacks` tells (a :class:`_Lack`); then plain
    values and Decimals are passed on, every other field goes through :func:`_convert` (a VAT treatment
    seen before is the shared record); then the record, made by one keyword call, its model errors (raised,
    or collected in reading mode) relocated to ``path``. (A version generated as straight-line code per
    record type and keys saved under 10 % of reading end to end: ``benchmarks/bench_codegen.py``.)"""
    shape = _SHAPES.get(cls) or _shape(cls)
    specs = tuple((name, "vat" if shape[name][1] is Vat and shape[name][0] == "record" else shape[name][0],
                   shape[name]) for name in keys)  # KeyError: a field the model lacks

    def make(data: Raw, out: list[Finding], path: str, vats: dict[Any, Any], check: bool) -> Any:
        if check:
            lack = _lacks(cls, data)
            if lack is not None:
                return _Lack(lack)
        given = {}  # the fields left out (None, or an optional record dropped) keep the model's default
        for name, conv, spec in specs:
            v = data[name]
            if v is None:
                continue
            if conv == "plain":
                given[name] = v
            elif conv == "decimal":
                given[name] = v if v.__class__ is Decimal else Decimal(v)
            else:
                if conv == "vat":  # a VAT treatment seen before is the shared record (_convert's lookup, inline)
                    c = v.get("category") if len(v) == 2 else None
                    r = v.get("rate")
                    key = (c, str(r)) if c.__class__ is str and r.__class__ is Decimal else _vat_key(v)
                    found = vats.get(key) if key is not None else None
                    if found is not None:
                        given[name] = found
                        continue
                v = _convert(name, v, spec, out, path, vats)
                if v is not None and v is not _DROP:
                    given[name] = v
        sink = BREACHES.get()
        before = len(sink) if sink is not None else 0
        try:
            record = cls(**given)
        except ModelError as exc:
            raise _relocated(exc, path, cls) from None
        except TypeError:
            raise _missing(cls, data, path) from None
        if sink is not None and len(sink) > before:
            sink[before:] = [_relocated(exc, path, cls) for exc in sink[before:]]
        return record

    return make


def _relocated(exc: ModelError, path: str, cls: type) -> ModelError:
    return typing.cast(ModelError, relocate(exc, path, cls))


def _missing(cls: type, data: Raw, path: str) -> ParseError:
    """A field without default is missing (never for the records the reader builds)."""
    return ParseError(f"{path or cls.__name__} lacks {_lacks(cls, data)!r}, which the model requires")


def _convert(name: str, value: Any, spec: tuple[str, Any, bool, bool], out: list[Finding], path: str,
             vats: dict[Any, Any]) -> Any:
    """The model value of one field read (a record, records, a date, bytes), or :data:`_DROP` (reported)."""
    conv, inner, optional, _required_ = spec
    if conv == "record":
        if inner is Vat:  # a VAT treatment seen before: build(Vat) would give the shared record back
            key = _vat_key(value)
            found = vats.get(key) if key is not None else None
            if found is not None:  # Vat requires no field: _lacks(Vat, value) is None, never dropped
                return found
        where = f"{path}.{name}" if path else name
        lack = _lacks(inner, value)
        if lack is not None and optional:
            out.append(_dropped(value, where, lack))
            return _DROP
        return build(inner, value, out, where, vats)
    if conv == "records":
        where = f"{path}.{name}" if path else name
        items = []
        builders = _BUILDERS
        last: tuple[tuple[str, ...] | None, Any] = (None, None)  # the keys of the item before, and their builder
        for i, item in enumerate(value):
            if inner is Vat:
                lack = _lacks(inner, item)
                if lack is None:
                    items.append(build(inner, item, out, f"{where}[{i}]", vats))
                    continue
            else:  # build(), without its dispatch (the invoice lines ...), and _lacks
                keys = tuple(item)
                if keys == last[0]:
                    make = last[1]
                else:
                    make = builders.get((inner, keys)) or _builder_for(inner, keys)
                    last = (keys, make)
                record = make(item, out, f"{where}[{i}]", vats, True)
                if record.__class__ is not _Lack:
                    items.append(record)
                    continue
                lack = record.name
            out.append(_dropped(item, f"{where}[{i}]", lack))
        return tuple(items)
    if conv == "date" and not isinstance(value, _dt.date):
        return _dt.date.fromisoformat(value)
    if conv == "bytes":
        return base64.b64decode(value)
    return value


def _dropped(value: Raw, where: str, lack: str) -> Finding:
    resolved = resolve(f"{where}.{lack}", Invoice)
    term = resolved[1] if resolved else lack
    held = ", ".join(f"{k} ({_term_of(f'{where}.{k}')}) {shown(str(v))}" for k, v in _flat(value)) or "nothing else"
    return _not_representable(term, f"{where} has no {lack} ({term}), which the model requires: its values are "
                                    f"not kept ({held})", where)


def _term_of(path: str) -> str:
    resolved = resolve(path, Invoice)
    return resolved[1] if resolved else "?"


def _flat(value: Any, prefix: str = "") -> Iterable[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flat(v, f"{prefix}.{k}" if prefix else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _flat(v, f"{prefix}[{i}]")
    else:
        yield prefix, value
