"""The field checks of the model records, and the ``__init__`` compiled for each record class.

Every record of :mod:`facturx_engine.model.records` declares on its :func:`fast_init` decorator which of its
fields are amounts (:func:`decimals`), texts and required texts (:func:`texts`), repeated groups
(:func:`tuples`), dates (:func:`dates`) or otherwise normalised (:func:`converted`). The generic
helpers below (:func:`_coerce_decimals`, :func:`_text`, :func:`_tuple`, :func:`_date`) apply one such
check and say what is wrong, naming the field and its business term. Records are built by the
thousand when a document is read, so :func:`fast_init` compiles for each class an ``__init__`` with
the dataclass semantics that runs the declared checks inline (see the comment above it);
:func:`_stock_init` gives the reference path the tests compare it with, which the classes take for
good when ``FACTURX_ENGINE_REFERENCE`` asks for it (:func:`facturx_engine.codegen.reference`, ``init``).

Also what every record module declares its fields with: :data:`FROZEN` (the dataclass options),
:data:`REQUIRED` (the default of a field the model checks is given), and the model's reading mode (:func:`breach`,
:func:`collect_breaches`). A field's business term is not declared here: it is the term table's, read from
``terms.tsv`` (:mod:`facturx_engine.model.terms`, :func:`bt_of`).
"""

from __future__ import annotations

import datetime as _dt
import re
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import MISSING, fields
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar

from facturx_engine import ruleids as R
from facturx_engine.codegen import compile_source, reference
from facturx_engine.model import numbers as _numbers
from facturx_engine.model.terms import record_term
from facturx_engine.errors import ModelError

__all__ = ["BREACHES", "FROZEN", "REQUIRED", "TEXT_RULE", "breach", "bt_of", "check_chars", "collect_breaches",
           "converted", "dates", "decimals", "fast_init", "texts", "tuples"]

_MIN = _numbers.MIN_ADJUSTED

FROZEN: dict[str, Any] = {"frozen": True, "slots": True, "kw_only": True}
"""The options of every record's ``@dataclass``."""


REQUIRED: Any = None
"""The default of a field that must be given and whose absence the model reports itself (with its business term
and rule, or kept in the reading mode) rather than Python's ``TypeError``: None, typed ``Any`` so that the field
keeps its declared type (``seller: Party = REQUIRED``)."""


def bt_of(cls: type, name: str) -> str:
    """The business term id of a record's field on its own, from the term table (:mod:`.terms`):
    ``bt_of(Invoice, "number") == "BT-1"``, ``bt_of(Party, "name") == "BT-27"`` (the seller's); KeyError for a
    field that has none."""
    found = record_term(cls, name)
    if found is None or name not in {f.name for f in _fields(cls)}:
        raise KeyError(name)
    return found


def _decimal(value: Any, where: str, term: str, digits: int = _numbers.AMOUNT_DIGITS) -> Decimal:
    """A number of the model under the numeric policy (:mod:`._numbers`): a Decimal, an int or a decimal string."""
    try:
        if isinstance(value, Decimal):
            return _numbers.check(value, digits)
        if isinstance(value, bool) or isinstance(value, float):
            raise ModelError(f"must be a Decimal, int or numeric string, not {type(value).__name__} "
                             f"({value!r}); floats are refused to keep amounts exact", field=where, bt=term)
        if isinstance(value, int):
            return _numbers.check(Decimal(value), digits, str(value) if value.bit_length() < 200 else None)
        if isinstance(value, str):
            return _numbers.parse(value, digits)
    except _numbers.NumberRefused as exc:
        raise ModelError(str(exc), field=where, bt=term, rule=_numbers.RULE) from None
    raise ModelError(f"must be a number, not {type(value).__name__}", field=where, bt=term)


_FIELDS: dict[type, tuple[Any, ...]] = {}


def _fields(cls: type) -> tuple[Any, ...]:
    """dataclasses.fields(cls), computed once per class (it is called for every record built)."""
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = fields(cls)
    return found


_SPECS: dict[tuple[type, tuple[str, ...], tuple[str, ...]], tuple[tuple[str, Any, bool], ...]] = {}


def _spec(cls: type, names: tuple[str, ...], required: tuple[str, ...] = ()) -> tuple[tuple[str, Any, bool], ...]:
    """(name, business term, required) of the fields named, in the class's field order; once per call site
    and class (the checks below run for every record built)."""
    key = (cls, names, required)
    found = _SPECS.get(key)
    if found is None:
        found = _SPECS[key] = tuple((f.name, record_term(cls, f.name), f.name in required) for f in _fields(cls)
                                    if f.name in names or f.name in required)
    return found


def _coerce_decimals(obj: Any, *names: str, digits: int = _numbers.AMOUNT_DIGITS) -> None:
    for name, term, _ in _spec(type(obj), names):
        v = getattr(obj, name)
        if v is not None and not (v.__class__ is Decimal and v.is_finite() and _MIN <= v.adjusted() < digits):
            object.__setattr__(obj, name, _decimal(v, name, term or "", digits))


def _tuple(obj: Any, *names: str) -> None:
    for name in names:
        v = getattr(obj, name)
        if v.__class__ is tuple:
            continue
        if v is None:
            object.__setattr__(obj, name, ())
        elif not isinstance(v, tuple):
            if isinstance(v, (str, bytes)) or not hasattr(v, "__iter__"):
                raise ModelError(f"must be a sequence, not {type(v).__name__}", field=name)
            object.__setattr__(obj, name, tuple(v))


BREACHES: ContextVar[list[ModelError] | None] = ContextVar("facturx_engine_model_breaches", default=None)
"""The breaches of the model's reading mode, or None outside it (set by :func:`collect_breaches`)."""


def breach(error: ModelError) -> None:
    """A model rule is broken: raise ``error``, or record it while the model's reading mode
    (:func:`collect_breaches`) is active."""
    sink = BREACHES.get()
    if sink is None:
        raise error
    sink.append(error)


@contextmanager
def collect_breaches() -> Iterator[list[ModelError]]:
    """Reading mode: records built inside keep the values of rules they break; the breaches are collected.

    >>> from facturx_engine.model.records import Line, Vat
    >>> with collect_breaches() as found:
    ...     line = Line(id="1", name="x", net_price="-1", vat=Vat.standard("20"))
    >>> [e.rule for e in found], line.net_price
    (['BR-27'], Decimal('-1'))
    """
    sink: list[ModelError] = []
    token = BREACHES.set(sink)
    try:
        yield sink
    finally:
        BREACHES.reset(token)


TEXT_RULE = R.FXE_TEXT
"""The rule id of a text refused for a character no XML document can carry."""
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""What XML 1.0 cannot carry: control characters but tab, line feed and carriage return, lone surrogates
(UTF-16 halves, which no encoding writes), U+FFFE and U+FFFF."""


def check_chars(value: str, where: str | None, term: str | None) -> None:
    """ModelError when ``value`` holds a character no XML document can carry (refused at input, never
    written: a writer could not put it into well-formed XML)."""
    bad = _NOT_XML.search(value)
    if bad is not None:
        raise ModelError(f"holds the character U+{ord(bad.group()):04X} at position {bad.start()}, which no XML "
                         "document can carry (a control character other than tab, line feed or carriage return, a "
                         "lone surrogate, U+FFFE or U+FFFF)", field=where, bt=term, rule=TEXT_RULE)


def _text(obj: Any, *names: str, required: tuple[str, ...] = ()) -> None:
    for name, term, needed in _spec(type(obj), names, required):
        v = getattr(obj, name)
        if v.__class__ is str:
            if not v.isprintable():  # the usual text is printable: only the others are searched
                check_chars(v, name, term)
            if needed and not v.strip():  # a document read keeps the blank it states (the schemas allow it)
                breach(ModelError("is required and must not be blank", field=name, bt=term))
            continue
        if v is None:
            if needed:
                raise ModelError("is required", field=name, bt=term)
            continue
        if not isinstance(v, str):
            raise ModelError(f"must be text, not {type(v).__name__}", field=name, bt=term)
        check_chars(v, name, term)
        if needed and not v.strip():
            breach(ModelError("is required and must not be blank", field=name, bt=term))


def _date(obj: Any, *names: str) -> None:
    for name, term, _ in _spec(type(obj), names):
        v = getattr(obj, name)
        if v is None or v.__class__ is _dt.date:
            continue
        if isinstance(v, _dt.datetime):
            object.__setattr__(obj, name, v.date())
        elif isinstance(v, str):
            try:
                object.__setattr__(obj, name, _dt.date.fromisoformat(v))
            except ValueError:
                raise ModelError(f"is not a valid date (YYYY-MM-DD): {v!r}", field=name, bt=term) from None
        elif not isinstance(v, _dt.date):
            raise ModelError(f"must be a date, not {type(v).__name__}", field=name, bt=term)


def _convert(obj: Any, name: str, convert: Callable[[Any], Any]) -> None:
    object.__setattr__(obj, name, convert(getattr(obj, name)))


# ---------------------------------------------------------------------------- fast construction
#
# Records are built by the thousand when a document is read, so their ``__init__`` is not the one
# dataclasses writes (which sets each field with ``object.__setattr__``, the frozen class refusing plain
# assignment, and leaves every type check to ``__post_init__``). :func:`fast_init` compiles, once per
# class at import, an ``__init__`` with the same signature and defaults that sets the slots through their
# member descriptors (about 40 % cheaper), then runs the field-type checks declared for the class
# (:func:`decimals`, :func:`texts`, :func:`tuples`, :func:`dates`, :func:`converted`) inline, as
# straight-line code: a value of the expected type costs an identity test; any other goes to the generic
# helper above (``_coerce_decimals``, ``_text``, ``_tuple``, ``_date``), one field at a time in the
# declared order, so every message, field, business term and rule, and which error comes first, stay
# the helpers'. ``__post_init__`` keeps only the semantic rules. :func:`_stock_init` puts back the stock
# dataclass ``__init__`` (kept on each class as ``_dataclass_init``) with the declared checks run by the
# generic helpers alone: the reference tests/test_model_speed_equivalence.py compares the compiled path with.


class _Check(NamedTuple):
    """A field-type check of :func:`fast_init`: ``kind`` applied to ``names`` (and ``required`` texts)."""

    kind: str  # "decimal" | "text" | "tuple" | "date" | "convert"
    names: tuple[str, ...]
    required: tuple[str, ...] = ()
    digits: int = _numbers.AMOUNT_DIGITS  # "decimal": digits accepted before the point (the numeric policy)
    convert: Callable[[Any], Any] | None = None  # "convert": the value becomes convert(value) ...
    keep: type | None = None  # ... unless its class is exactly ``keep``


def decimals(*names: str, digits: int = _numbers.AMOUNT_DIGITS) -> _Check:
    """Amounts, quantities, rates: a Decimal within the numeric policy (at most ``digits`` before the point), or
    None; ints and decimal strings become Decimals."""
    return _Check("decimal", names, digits=digits)


def texts(*names: str, required: tuple[str, ...] = ()) -> _Check:
    """Text fields (None allowed) and ``required`` ones (non-blank text), checked in field order."""
    return _Check("text", names, required)


def tuples(*names: str) -> _Check:
    """Repeated groups: any iterable but text becomes a tuple, None becomes ()."""
    return _Check("tuple", names)


def dates(*names: str) -> _Check:
    """Dates: a date, a datetime (its date) or a YYYY-MM-DD string, or None."""
    return _Check("date", names)


def converted(name: str, convert: Callable[[Any], Any], keep: type) -> _Check:
    """A field normalised by ``convert`` (which raises or records its own errors); a ``keep`` stays as is."""
    return _Check("convert", (name,), convert=convert, keep=keep)


_T = TypeVar("_T")
_CHECKS: dict[type, tuple[_Check, ...]] = {}  # every class built by fast_init, with its checks
_RULES: dict[type, Callable[[Any], None] | None] = {}  # ... and its own ``__post_init__`` (the semantic rules)
_HAS_FACTORY = object()  # default of an init field that has a default_factory (as dataclasses does)
_FAST_TEST = {  # when the value needs the generic helper: the helper's own first test, inline
    "decimal": "{v} is not None and not ({v}.__class__ is _fx_Decimal and {v}.is_finite() and "
               "_fx_MIN <= {v}.adjusted() < {d})",
    "text": "{v} is not None and ({v}.__class__ is not _fx_str or not {v}.isprintable())",
    "required": "{v}.__class__ is not _fx_str or not {v}.strip() or not {v}.isprintable()",
    "tuple": "{v}.__class__ is not _fx_tuple",
    "date": "{v} is not None and {v}.__class__ is not _fx_date",
}
_SLOW_CALL = {
    "decimal": "_fx_coerce_decimals(self, {n!r}, digits={d})",
    "text": "_fx_text(self, {n!r})",
    "required": "_fx_text(self, required=({n!r},))",
    "tuple": "_fx_to_tuple(self, {n!r})",
    "date": "_fx_to_date(self, {n!r})",
}


def fast_init(*checks: _Check) -> Callable[[type[_T]], type[_T]]:
    """Class decorator (above ``@dataclass``): install the compiled ``__init__`` running ``checks`` in order.

    Without checks, a subclass takes those of its nearest decorated base (Invoice, CreditNote).
    """

    def install(cls: type[_T]) -> type[_T]:
        found = checks or next((_CHECKS[base] for base in cls.__mro__[1:] if base in _CHECKS), ())
        stock = cls.__dict__["__init__"]
        setattr(cls, "_dataclass_init", stock)  # setattr: mypy forbids assigning a method
        _RULES[cls] = cls.__dict__.get("__post_init__") or next(
            (_RULES[base] for base in cls.__mro__[1:] if base in _RULES), getattr(cls, "__post_init__", None))
        _CHECKS[cls] = found
        if reference("init"):  # the stock path for good (codegen's switch)
            _install(cls, _stock_methods(cls, found, _RULES[cls]))
            return cls
        init = _compile_init(cls, found)
        init.__qualname__ = stock.__qualname__
        init.__annotations__ = dict(stock.__annotations__)
        setattr(cls, "__init__", init)
        return cls

    return install


def _member(cls: type, name: str) -> Any:
    """The member descriptor of slot ``name``: on the class, or on the base that declares it."""
    for klass in cls.__mro__:
        slot = klass.__dict__.get(name)
        if isinstance(slot, types.MemberDescriptorType):
            return slot
    raise TypeError(f"{cls.__name__}.{name} is not a slot")


def _twin(cls: type) -> type | None:
    """A plain class with the slots of ``cls`` (same layout, no frozen ``__setattr__``), or None.

    Setting a field through its member descriptor costs a call; a plain attribute store is several times
    cheaper. The compiled ``__init__`` of a record that is exactly ``cls`` (not a subclass) switches it to
    the twin (``__class__`` assignment, which Python allows between classes of the same layout), stores
    the fields, and switches it back before any check runs: nothing else ever sees the twin."""
    slots = cls.__dict__.get("__slots__")
    if cls.__bases__ != (object,) or not isinstance(slots, tuple) or "__dict__" in slots or "__weakref__" in slots:
        return None
    return type(f"_{cls.__name__}Fields", (object,), {"__slots__": slots, "__module__": cls.__module__})


def _compile_init(cls: type, checks: tuple[_Check, ...]) -> Callable[..., None]:
    """``cls.__init__`` with dataclass semantics (positional then keyword-only parameters, defaults, default
    factories, init=False fields, then ``__post_init__``) and ``checks`` inline; generated and exec'd once."""
    ns: dict[str, Any] = {"__name__": cls.__module__, "_fx_Decimal": Decimal, "_fx_str": str, "_fx_tuple": tuple,
                          "_fx_date": _dt.date, "_fx_coerce_decimals": _coerce_decimals, "_fx_text": _text,
                          "_fx_to_tuple": _tuple, "_fx_to_date": _date, "_fx_convert": _convert,
                          "_fx_HAS_FACTORY": _HAS_FACTORY, "_fx_MIN": _MIN}
    params: dict[bool, list[str]] = {False: [], True: []}  # by kw_only
    body = []
    sets: list[tuple[int, str, str]] = []  # (field index, name, value expression) of the fields set
    all_fields = fields(cls)
    for i, f in enumerate(all_fields):
        if f.name.startswith("_fx_") or f.name == "self":
            raise TypeError(f"{cls.__name__}: field name {f.name!r} is reserved by fast_init")
        ns[f"_fx_set{i}"] = _member(cls, f.name).__set__
        if f.default is not MISSING:
            ns[f"_fx_d{i}"] = f.default
            param, value = f"{f.name}=_fx_d{i}", f"_fx_d{i}"
        elif f.default_factory is not MISSING:
            ns[f"_fx_f{i}"] = f.default_factory
            param, value = f"{f.name}=_fx_HAS_FACTORY", f"_fx_f{i}()"
            if f.init:
                body.append(f"    if {f.name} is _fx_HAS_FACTORY:\n        {f.name} = _fx_f{i}()")
        elif f.init:
            param = value = f.name
        else:
            continue  # init=False without a default: dataclasses leaves the slot empty too
        if f.init:
            params[bool(f.kw_only)].append(param)
            value = f.name
        elif value.endswith("()"):  # an init=False field's factory: called before the fields are set
            body.append(f"    _fx_v{i} = {value}")
            value = f"_fx_v{i}"
        sets.append((i, f.name, value))
    twin = _twin(cls)
    if twin is None:
        body += [f"    _fx_set{i}(self, {value})" for i, _, value in sets]
    else:  # the fields set on the twin (plain slot stores), then the class back: see _twin
        ns["_fx_cls"], ns["_fx_twin"], ns["_fx_osa"] = cls, twin, object.__setattr__
        body += ["    if self.__class__ is _fx_cls:", "        _fx_osa(self, '__class__', _fx_twin)",
                 *[f"        self.{name} = {value}" for _, name, value in sets], "        self.__class__ = _fx_cls",
                 "    else:", *[f"        _fx_set{i}(self, {value})" for i, _, value in sets]]
    order = {f.name: i for i, f in enumerate(all_fields)}
    converted: set[str] = set()
    for j, check in enumerate(checks):
        names = sorted(set(check.names) | set(check.required), key=order.__getitem__)
        for name in names:
            if name in converted or not all_fields[order[name]].init:
                raise TypeError(f"{cls.__name__}.{name}: checked after its conversion, or not an init field")
            if check.kind == "convert":
                ns[f"_fx_keep{j}"], ns[f"_fx_conv{j}"] = check.keep, check.convert
                test, call = f"{name}.__class__ is not _fx_keep{j}", f"_fx_convert(self, {name!r}, _fx_conv{j})"
            else:
                kind = "required" if name in check.required else check.kind
                test, call = _FAST_TEST[kind].format(v=name, d=check.digits), _SLOW_CALL[kind].format(n=name, d=check.digits)
            body.append(f"    if {test}:\n        {call}")
        if check.kind != "text":  # the others may replace the value: the local is stale afterwards
            converted.update(names)
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    signature = ", ".join(["self", *params[False], *(["*", *params[True]] if params[True] else [])])
    source = f"def __init__({signature}) -> None:\n" + "\n".join(body or ["    pass"]) + "\n"
    init: Callable[..., None] = compile_source(source, f"{cls.__qualname__}.__init__", ns)["__init__"]
    return init


def _run_checks(obj: Any, checks: tuple[_Check, ...]) -> None:
    """The declared checks through the generic helpers alone (the stock path of :func:`_stock_init`)."""
    for check in checks:
        if check.kind == "decimal":
            _coerce_decimals(obj, *check.names, digits=check.digits)
        elif check.kind == "text":
            _text(obj, *check.names, required=check.required)
        elif check.kind == "tuple":
            _tuple(obj, *check.names)
        elif check.kind == "date":
            _date(obj, *check.names)
        else:
            assert check.convert is not None
            _convert(obj, check.names[0], check.convert)


@contextmanager
def _stock_init() -> Iterator[None]:
    """Tests only, not thread-safe: records built inside take the stock dataclass ``__init__``, then the
    declared checks through the generic helpers, then their ``__post_init__`` rules, if any."""
    saved = {cls: (cls.__dict__["__init__"], cls.__dict__.get("__post_init__")) for cls in _CHECKS}
    stock = {cls: _stock_methods(cls, checks, _RULES[cls]) for cls, checks in _CHECKS.items()}
    try:
        for cls, methods in stock.items():
            _install(cls, methods)
        yield
    finally:
        for cls, methods in saved.items():
            _install(cls, methods)


def _install(cls: type, methods: tuple[Callable[..., None], Callable[[Any], None] | None]) -> None:
    """Set ``cls.__init__`` and ``cls.__post_init__`` (removed when None)."""
    init, post_init = methods
    setattr(cls, "__init__", init)
    if post_init is not None:
        setattr(cls, "__post_init__", post_init)
    elif "__post_init__" in cls.__dict__:
        delattr(cls, "__post_init__")


def _stock_methods(cls: type, checks: tuple[_Check, ...],
                   rules: Callable[[Any], None] | None) -> tuple[Callable[..., None], Callable[[Any], None] | None]:
    """(``__init__``, ``__post_init__``) of the stock path of ``cls``."""
    dataclass_init: Callable[..., None] = cls.__dict__["_dataclass_init"]
    if rules is None and not checks:
        return dataclass_init, None
    if rules is None:  # the stock __init__ calls no __post_init__: the checks run after it

        def __init__(self: Any, *args: Any, **kw: Any) -> None:
            dataclass_init(self, *args, **kw)
            _run_checks(self, checks)

        return __init__, None

    def __post_init__(self: Any) -> None:
        _run_checks(self, checks)
        rules(self)

    return dataclass_init, __post_init__
