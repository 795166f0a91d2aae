"""The model seen from outside: its init fields, their types and business terms in each context.

The JSON format (:mod:`facturx_engine.io.jsonio`) and the reader (:mod:`facturx_engine.syntax.assemble`)
both walk the records through this module, so what a field is called is stated once, which business term it
carries where (the buyer's name is BT-44, the seller's BT-27) is the term table's (read from ``terms.tsv``:
:mod:`facturx_engine.model.terms`), and which rule makes it mandatory is found in the rules table
(:mod:`facturx_engine.rules`).
"""

from __future__ import annotations

import collections.abc
import copy
import dataclasses
import re
import types
import typing
from functools import cache
from typing import Any

from facturx_engine import ruleids as R
from facturx_engine.errors import FacturXError
from facturx_engine.model.records import Document, Identifier, Invoice
from facturx_engine.model.terms import path_term, record_term
from facturx_engine.rules import all_rules

__all__ = ["EXCLUDED", "REQUIRED_TUPLES", "SEGMENT_RE", "FieldSpec", "Where", "field_specs",
           "item_type", "relocate", "required_rule", "resolve", "term_in", "visible_fields"]

SEGMENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""One field name in a path such as ``lines[2].vat.rate``."""

# ---------------------------------------------------------------------------- fields by context

EXCLUDED: dict[str, frozenset[str]] = {
    # Fields of a shared record that have no business term (and no place in the XML) in this context.
    "seller": frozenset({"private_person"}),
    "buyer": frozenset({"tax_id", "legal_info"}),
    "lines.allowances_charges": frozenset({"vat"}),
}
_REQUIRED_TERMS = frozenset({
    "BT-1", "BT-2", "BT-27", "BT-44", "BT-40", "BG-8", "BT-55", "BG-25", "BT-59", "BT-62", "BG-12", "BT-69", "BT-126",
    "BT-153", "BT-81", "BT-84", "BT-122", "BT-160", "BT-161", "BT-25", "BT-63", "BT-80",
})
"""The terms whose absence is reported with the EN 16931 rule that makes them mandatory, found in the rules
table by :func:`required_rule` (other missing terms are reported without a rule)."""
_GROUP_RULES = {"BG-4": R.BR_06, "BG-7": R.BR_07, "BG-5": R.BR_08, "BG-30": R.BR_CO_04}
"""Groups reported with the rule of the term they must hold, which the rules table cannot give: BR-06 and BR-07
name the seller's and buyer's name only, BR-08 names no term id, BR-CO-04 names the category code BT-151."""
_SHALL = re.compile(r"shall (have|contain|specify|be provided|be present)")
_NAMED = re.compile(r"\((B[TG]-\d+)\)")
_CONDITION = re.compile(r",? (?:if|when|unless|where)\b")


@cache
def _required_rules() -> dict[str, str]:
    rules = dict(_GROUP_RULES)
    for found in all_rules().values():  # in id order: the first EN 16931 rule that asks for a term names it
        shall = _SHALL.search(found.text)
        if shall is None or not re.fullmatch(r"BR-(?:CO-)?\d+", found.id):
            continue
        if shall.group(1).startswith("be "):  # "The X (BT-n) shall be provided if ...": its subject
            named = _NAMED.findall(found.text[:shall.start()])[-1:]
        else:  # "Each X (BG-n) shall contain a Y (BT-m) [and a Z (BT-k)][, if ...]": its object
            named = _NAMED.findall(_CONDITION.split(found.text[shall.end():])[0])
        for term in named:
            if term in _REQUIRED_TERMS:
                rules.setdefault(term, found.id)
    return rules


def required_rule(term: str | None) -> str | None:
    """The EN 16931 rule that makes a term mandatory, for the terms the model reports so (else None)."""
    return _required_rules().get(term or "")


REQUIRED_TUPLES = {"lines": 1}  # tuple fields that need at least this many items (BR-16)

@dataclasses.dataclass(frozen=True, slots=True)
class FieldSpec:
    """One init field of a model record, as the JSON format sees it."""

    name: str
    hint: Any           # the type as stored, Optional unwrapped (a repeated field is a tuple[X, ...])
    optional: bool      # ``X | None``: null is allowed
    required: bool      # must be present in the JSON
    bt: str             # the record's own term (seller / document allowance ids: model.terms.record_term)
    default: Any


@cache
def field_specs(cls: Any) -> dict[str, FieldSpec]:
    hints = typing.get_type_hints(cls)
    out = {}
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        hint, optional = _unwrap_optional(hints[f.name])
        if typing.get_origin(hint) is collections.abc.Sequence:  # declared Sequence[X], stored as a tuple
            hint = tuple[typing.get_args(hint)[0], ...]  # type: ignore[misc]  # a type built at run time
        default = f.default
        if typing.get_origin(hint) is tuple:
            required = f.name in REQUIRED_TUPLES and issubclass(cls, Document)
        else:
            required = not optional and (default is dataclasses.MISSING or default is None or default == "")
        out[f.name] = FieldSpec(f.name, hint, optional, required, record_term(cls, f.name) or "", default)
    return out


def _unwrap_optional(hint: Any) -> tuple[Any, bool]:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0], len(args) < len(typing.get_args(hint))
    return hint, False


def item_type(hint: Any) -> Any:
    """The record type a field holds (the item type for a tuple), else the hint itself."""
    return typing.get_args(hint)[0] if typing.get_origin(hint) is tuple else hint


@dataclasses.dataclass(frozen=True, slots=True)
class Where:
    """Where a record sits: its context key (field names without indices, ``buyer.address``)."""

    key: str = ""

    def child(self, spec: FieldSpec) -> Where:
        return Where(f"{self.key}.{spec.name}" if self.key else spec.name)


def term_in(cls: type, ctx: Where, spec: FieldSpec) -> str:
    """The business term id of a field in its context (the buyer's name is BT-44, the seller's BT-27): the term
    table's (:func:`facturx_engine.model.terms.path_term`), else the record's own term."""
    return path_term(f"{ctx.key}.{spec.name}" if ctx.key else spec.name) or spec.bt


def visible_fields(cls: type, ctx: Where) -> dict[str, FieldSpec]:
    """The fields a record has in this context (a buyer has no BT-32, only BT-158 has a scheme version)."""
    excluded = set(EXCLUDED.get(ctx.key, ()))
    if cls is Identifier and ctx.key.rsplit(".", 1)[-1] != "classifications":
        excluded.add("scheme_version")
    return {n: s for n, s in field_specs(cls).items() if n not in excluded}



_LINE_PERIOD_RULES = {R.BR_29: R.BR_30, R.BR_CO_19: R.BR_CO_20}
"""The invoicing period's rules (BG-14, raised by :class:`~facturx_engine.model.lines.Period`) and the same rules of
a line's period (BG-26), which the record cannot tell apart: its context can."""
_LINE_PERIOD = re.compile(r"(?:^|\.)lines(?:\[\d+\])?\.period(?:\.|$)")


def relocate(exc: FacturXError, path: str, cls: type) -> FacturXError:
    """The model's error with its field turned into a JSON path and the business term of that context.

    The model names fields relative to the record raising the error ("rate", "address"), or with the
    record's generic name in front ("vat.rate", "period.end", "payment.credit_transfers").
    """
    field = exc.field or ""
    m = SEGMENT_RE.match(field)
    if not path:
        where = field
    elif not m:
        where = path
    elif m.group() in field_specs(cls):
        where = f"{path}.{field}"
    else:
        where = path + field[m.end():]
    out = copy.copy(exc)
    out.field = where or None
    resolved = resolve(where, Invoice) if where else None
    if resolved is not None and (exc.bt is None or exc.bt_from_rule or exc.bt == resolved[0] or not resolved[0]):
        out.bt = resolved[1]  # no term (or the rule's), the model's generic one (seller's), or an identifier part
        out.bt_from_rule = False
    if out.rule in _LINE_PERIOD_RULES and _LINE_PERIOD.search(where):
        out.rule = _LINE_PERIOD_RULES[out.rule]  # one record, two contexts: a line's period has rules of its own
    if out.rule is None and exc.message.startswith("is required"):
        out.rule = required_rule(out.bt)
    out.args = (out._render(),)
    return out


def resolve(path: str, cls: type) -> tuple[str, str] | None:
    """(model term, context term) of the field at a JSON path, or None if the path names no field."""
    ctx = Where()
    names = SEGMENT_RE.findall(re.sub(r"\[\d+\]", "", path))
    for i, name in enumerate(names):
        spec = field_specs(cls).get(name)
        if spec is None:
            return None
        term = term_in(cls, ctx, spec)
        if i == len(names) - 1:
            return spec.bt, term
        inner = item_type(spec.hint)
        if not dataclasses.is_dataclass(inner):
            return None
        ctx, cls = ctx.child(spec), typing.cast(type, inner)
    return None
