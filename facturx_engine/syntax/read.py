"""The table-driven XML reader: CII and UBL back into the domain model.

The reader walks the same business-term table as the writers (:mod:`facturx_engine.syntax.terms`), in
reverse, and puts each value it reads where the model holds it: a row's getter says which attribute of
the writers' objects the value was written from (``a("line.name")``, ``_doc("seller.address.city")``),
and :mod:`facturx_engine.syntax.places` says where that attribute lives in the model (rows whose getters
are lambdas, and repeating groups, have explicit places there). What the walk builds is therefore
model-shaped: dicts keyed by the field names of the model records. The rows of each context are
compiled once into a tree of element positions (:func:`_plan`), and one walk of the document in
document order reads them all: each element is looked up by tag among the positions it can stand
at (keyed sibling instances ``a:B#k`` told apart by their test), so nothing is searched twice. The
items of a repeating group (invoice lines above all) mostly share a few shapes: the position of each
element of an item is compiled once per shape (:func:`_program`) into generated Python
(:func:`_compile`) that checks an item has that shape and then reads it in one flat pass, element by
element exactly as the walk reads it; the other elements are read by the same code, compiled per
position. ``tests/test_read.py`` proves that the compiled reads give what the general walk gives.

A small step (:func:`~facturx_engine.syntax.assemble.finish`) then keeps what the model holds once (one
payee identifier, one payment means, one unit per line), reporting the rest, and sets the stated values
apart; :func:`~facturx_engine.syntax.assemble.build` makes the model records. Totals are never read into the
model (they are computed): the stated totals BT-106..BT-112, BT-115, the line net amounts BT-131
and the BG-23 breakdown are kept in :class:`ReadResult` and compared with the computed ones, one
:class:`Finding` per difference (BR-CO-10..17). Stated BT-113 (paid) and BT-114 (rounding) are
input data and go into the model.

**A received document is read as it is, never "fixed".** Every finding names its rule, business
term and location, in four kinds:

* ``totals`` -- a stated total differs from the one computed from the lines (both values kept);
* ``model`` -- the document breaks a rule the model enforces on the documents it *builds* (an
  invalid BIC, a price discount without gross price, BT-6 equal to BT-5, repeated line ids ...):
  the document is built in the model's reading mode (:func:`~facturx_engine.model.records.collect_breaches`),
  the value is kept as stated and the breach becomes the finding (``strict=True`` raises instead);
* ``not-read`` (rule ``FXE-NOT-READ``) -- an element or attribute of the XML that no row of the
  table reads (an EXTENDED-only element, a constant of the syntax with another value ...): the
  walk reports every element no rule position matches, and every text or attribute of a matched
  element that no rule takes (currency and date-format attributes aside);
* ``not-representable`` (rule ``FXE-NOT-REPRESENTABLE``) -- a value that was read but that the
  model has no place for (a scheme without its identifier, a second, different value for a term
  the model holds once, a price base quantity in another unit ...): reported with the value,
  never dropped without a word.

Parsing is hardened: no entity resolution, no network, no DTD loading, no huge text nodes or deep
trees (libxml2 limits), at most :data:`MAX_XML_BYTES`, and any DOCTYPE is refused
(:class:`~facturx_engine.errors.ParseError`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import re
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import cache, partial
from operator import attrgetter
from types import SimpleNamespace
from typing import Any

from lxml import etree

from facturx_engine.syntax.assemble import (
    NOT_READ_RULE,
    NOT_REPRESENTABLE_RULE,
    Finding,
    build,
    check_totals,
    finish,
    shown,
)
from facturx_engine.syntax.places import CHARGE_GROUPS, EXPLICIT, GROUPS, Raw, Target, place
from facturx_engine.model import dates as _dates
from facturx_engine.model import numbers as _numbers
from facturx_engine.syntax.limits import MAX_XML_BYTES  # the one limit of XML input, shared with validate()
from facturx_engine.syntax.engine import NS
from facturx_engine.model.codes import CREDIT_NOTE_TYPES
from facturx_engine.errors import ModelError, ParseError
from facturx_engine.model.records import CreditNote, Invoice, collect_breaches

__all__ = ["CURRENCY_RULE", "MAX_ATTRIBUTES", "MAX_XML_BYTES", "NOT_READ_RULE", "NOT_REPRESENTABLE_RULE", "Finding", "ReadResult", "TermValue", "detect_syntax", "from_cii", "from_ubl",
           "from_xml", "parse_xml", "read_document", "replace_read", "term_values"]

MAX_ATTRIBUTES = 256
"""At most this many attributes on one element (CII and UBL elements have up to four): see :func:`_attributes`."""

_SUBJECT_PREFIX = re.compile(r"#([A-Za-z0-9]{1,10})#(.*)", re.DOTALL)  # UBL: BT-21 as a "#CODE#" note prefix
_TRUE = {"true", "1"}
_BOOL = {"1": "true", "0": "false"}
_NUMERIC = frozenset({"AMOUNT", "AMOUNT_TAX", "NUMBER", "PRICE"})
_XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
_STRUCTURAL_ATTRS = frozenset({"currencyID", "format", f"{_XSI}schemaLocation"})
"""Attributes that carry no business term: an amount's currency is BT-5 or BT-6 (which the reader
uses to tell BT-110 from BT-111), ``format="102"`` is the CII date format."""
_STRUCTURAL_ELEMENTS = {f"{{{NS['cbc']}}}UBLVersionID": "2.1"}
"""Elements that carry no business term, with the value the writers state (the UBL version: another one is
reported as not kept)."""


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class ReadResult:
    """What :func:`read_document` found: the document, the findings, the stated totals (BT id ->
    Decimal; the BG-23 breakdown under ``"BG-23"`` as ``(category, rate, BT-116, BT-117, BT-120,
    BT-121)`` tuples), the stated line net amounts BT-131 (None where absent), the syntax
    (``cii``, ``ubl``, ``ubl-cn``) and the specification identifier BT-24."""

    document: Invoice | CreditNote
    findings: tuple[Finding, ...]
    stated_totals: dict[str, Any]
    syntax: str
    guideline: str | None
    stated_line_amounts: tuple[Decimal | None, ...] = ()

    @property
    def lost(self) -> tuple[Finding, ...]:
        """The findings about source content the model does not hold (not read, not representable)."""
        return tuple(f for f in self.findings if f.kind in ("not-read", "not-representable"))

    @property
    def breaches(self) -> tuple[Finding, ...]:
        """The model rules the document breaks (its values are kept as stated)."""
        return tuple(f for f in self.findings if f.kind == "model")


@dataclass(frozen=True, slots=True)
class TermValue:
    """One business-term value of an XML document, normalized so that CII and UBL compare equal:
    dates ISO, numbers without trailing zeros, text stripped. ``line`` is the 0-based index of
    the invoice line (BG-25) it belongs to, None at document level."""

    term: str
    line: int | None
    value: str


# ---------------------------------------------------------------------------- parsing


_ROOTS = {
    f"{{{NS['rsm']}}}CrossIndustryInvoice": "cii",
    f"{{{NS['ubl-inv']}}}Invoice": "ubl",
    f"{{{NS['ubl-cn']}}}CreditNote": "ubl-cn",
}
_PREFIXES = {uri: prefix for prefix, uri in NS.items() if not prefix.startswith("ubl")}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           dtd_validation=False, remove_comments=True, remove_pis=True)


def parse_xml(xml: bytes) -> Any:
    """The root element of untrusted XML bytes; ParseError for anything but a plain XML document."""
    if isinstance(xml, str):
        raise ParseError("expected XML bytes, got str (encode it first)")
    if not isinstance(xml, (bytes, bytearray, memoryview)):
        raise ParseError(f"expected XML bytes, got {type(xml).__name__}")
    if len(xml) > MAX_XML_BYTES:
        raise ParseError(f"the XML document is too large ({len(xml)} bytes; at most {MAX_XML_BYTES} are read)")
    try:
        tree = etree.fromstring(bytes(xml), _parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"not well-formed XML: {exc}") from None
    info: Any = tree.docinfo
    if info.doctype or info.internalDTD is not None:
        raise ParseError("a DOCTYPE is not allowed in an e-invoice (entity expansion and external DTDs "
                         "are refused)")
    return tree.getroot()


def detect_syntax(root: Any) -> str:
    """``"cii"``, ``"ubl"`` or ``"ubl-cn"`` from the root element; ParseError otherwise."""
    syntax = _ROOTS.get(root.tag)
    if syntax is None:
        raise ParseError(f"not an invoice: unknown root element {root.tag!r}; expected a CII CrossIndustryInvoice "
                         "or a UBL 2.1 Invoice or CreditNote")
    return syntax


def _path(elem: Any) -> str:
    """A readable XPath of an element: prefixes of the usual namespaces, ``[n]`` where siblings repeat."""
    parts = []
    while elem is not None:
        q = etree.QName(elem)
        prefix = _PREFIXES.get(q.namespace or "")
        name = f"{prefix}:{q.localname}" if prefix else q.localname
        parent = elem.getparent()
        if parent is not None:
            same = [c for c in parent if c.tag == elem.tag]
            if len(same) > 1:
                name += f"[{same.index(elem) + 1}]"
        parts.append(name)
        elem = parent
    return "/" + "/".join(reversed(parts))


# ---------------------------------------------------------------------------- the compiled plan


def _clark(part: str, syntax: str) -> str:
    tag = part.split("#", 1)[0]
    prefix, local = tag.split(":", 1) if ":" in tag else ("", tag)
    if not prefix:
        ns = NS["ubl-cn" if syntax == "ubl-cn" else "ubl-inv"]
    else:
        ns = NS[prefix]
    return f"{{{ns}}}{local}"


def _decoder(kind: str, term: str, explicit: Callable[[str], Any] | None) -> Callable[[str], Any] | None:
    """How a rule turns the stripped text into the raw value (None: the text itself)."""
    if explicit is not None:
        return explicit
    if kind == "DATE":
        return partial(_date, term=term)
    if kind in _NUMERIC:
        return partial(_number, term=term)
    if kind == "BINARY":
        return partial(_binary, term=term)
    return None


@dataclass(frozen=True, slots=True)
class _Rule:
    row: Any
    path: str
    target: Target
    decode: Callable[[str], Any] | None
    seed: Raw
    const: bool = False               # a constant of the syntax (TypeCode VAT ...): checked and marked read
    expected: str | None = None       # the constant's value (None: any value, e.g. a currency attribute)
    # compiled once from the above (the walk applies a rule to ~10 values of every invoice line):
    head: tuple[str, ...] = field(init=False, default=())  # the dicts on the way to ...
    last: str = field(init=False, default="")              # ... the key the value is put at
    to_doc: bool = field(init=False, default=False)        # the value goes to the document, not the item
    decoder: Callable[[str], Any] | None = field(init=False, default=None)  # text -> value (None: the text)
    special: bool = field(init=False, default=False)       # a UBL note, BT-5, a date, an attachment
    numeric: bool = field(init=False, default=False)       # decoded as a finite Decimal (inline: the usual value)
    plain: bool = field(init=False, default=False)         # neither a constant nor special (the usual rule)

    def __post_init__(self) -> None:
        path = self.target[1]
        object.__setattr__(self, "head", path[:-1])
        object.__setattr__(self, "last", path[-1] if path else "")
        object.__setattr__(self, "to_doc", self.target[0] == "doc")
        object.__setattr__(self, "decoder", _decoder(self.row.kind, self.row.id, self.decode))
        object.__setattr__(self, "special", self.row.kind in ("NOTE", "DATE", "BINARY") or self.row.id == "BT-5")
        object.__setattr__(self, "numeric", self.decode is None and self.row.kind in _NUMERIC)
        object.__setattr__(self, "plain", not self.const and not self.special)


@dataclass(frozen=True, slots=True)
class _Variant:
    """One instance of a child element: keyed siblings (``a:B#k``) are told apart by a test."""

    key: str | None                               # None: the un-keyed instance
    test: tuple[tuple[str, ...], str | None, str] | None  # (Clark tags of the sub-path, attribute, value); None: any
    node: _Node


@dataclass(frozen=True, slots=True)
class _Entry:
    """What :meth:`_Reader._visit` needs to start an item of a group directly (compiled from the group's rule)."""

    node: _Node               # the group's root position
    seed: Raw                 # what a new item holds
    to_doc: bool              # the item list hangs from the document (else from the current item)
    head: tuple[str, ...]     # the dicts on the way to ...
    last: str                 # ... the key of the item list
    line: bool                # an invoice line (BG-25): the reader counts them


@dataclass(slots=True)
class _Node:
    """An element position of a context's rules: what is read at it, and its children by Clark tag."""

    texts: list[_Rule] = field(default_factory=list)             # rules reading the element's text
    attrs: dict[str, list[_Rule]] = field(default_factory=dict)  # rules reading one of its attributes
    groups: list[_Rule] = field(default_factory=list)            # repeating groups whose items it is
    children: dict[str, list[_Variant]] = field(default_factory=dict)
    plain: dict[str, _Node] = field(default_factory=dict)  # the children with one, un-keyed, instance
    busy: bool = False  # something is read at or below it (a group root may only start items)
    shapes: dict[Any, Any] = field(default_factory=dict)  # group items: element shape -> program (_program)
    entry: _Entry | None = None  # the group item it always starts, read alone (see _entries)
    last: Any = None  # group items: the flat pass of the shape read last (see _compile) ...
    fresh: Any = None  # ... and the same for an item that starts empty
    read: Any = None  # what _Reader._visit reads at this position, compiled (see _compile)

    def finish(self) -> None:
        self.plain = {tag: vs[0].node for tag, vs in self.children.items() if len(vs) == 1 and vs[0].key is None}
        self.busy = bool(self.texts or self.attrs or self.children)
        for variants in self.children.values():
            for v in variants:
                v.node.finish()


def _syntax_const(row: Any, syntax: str) -> str | None:
    """The value a constant that depends on the syntax alone takes (``VA`` in CII, ``VAT`` in UBL); None for a
    constant that depends on the document (any value is then taken)."""
    try:
        value = row.get(None, SimpleNamespace(syntax="cii" if syntax == "cii" else "ubl"))
    except (AttributeError, TypeError):
        return None
    return value if isinstance(value, str) else None


def _rules(syntax: str) -> tuple[dict[str, list[_Rule]], dict[tuple[str, str, str], dict[str, Any]]]:
    """The rules of the table by context, and the tests that tell keyed sibling instances apart."""
    from facturx_engine.syntax.terms import TERMS

    by_ctx: dict[str, list[_Rule]] = {}
    keyed: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in TERMS:
        path = row.path_for(syntax)
        if path is None or row.kind == "GROUP" or row.kind == "ALWAYS":
            continue
        inline = getattr(row.get, "inline", None)
        if row.kind == "CONST":
            expected = inline[1] if inline and inline[0] == "const" else _syntax_const(row, syntax)
            if expected is not None and "#" in path:
                _key_test(keyed, row.ctx, path, expected)
            by_ctx.setdefault(row.ctx, []).append(_Rule(row, path, ("item", ()), None, {}, True, expected))
            continue
        seed: Raw = {}
        decode = None
        if row.repeat and row.context_name in GROUPS:
            target, seed = GROUPS[row.context_name]
        elif inline is not None and inline[0] in ("item", "wctx"):
            target = place(row.ctx, inline[0], tuple(inline[1]))
        elif row.id in EXPLICIT:
            target, decode = EXPLICIT[row.id]
        else:
            continue  # NOT_READ (the test checks that nothing else falls here)
        by_ctx.setdefault(row.ctx, []).append(_Rule(row, path, target, decode, seed))
    return by_ctx, keyed


def _key_test(keyed: dict[tuple[str, str, str], dict[str, Any]], ctx: str, path: str, value: str) -> None:
    parts = path.split("/")
    i = next(i for i, p in enumerate(parts) if "#" in p)
    tag, key = parts[i].split("#", 1)
    where = (ctx, "/".join(parts[:i]), tag)
    keyed.setdefault(where, {})[key] = ("/".join(parts[i + 1:]), value)


def _compiled_test(sub: str, value: str, syntax: str) -> tuple[tuple[str, ...], str | None, str]:
    parts = sub.split("/") if sub else []
    attr = parts.pop()[1:] if parts and parts[-1].startswith("@") else None
    return tuple(_clark(p, syntax) for p in parts), attr, value


@cache
def _plan(syntax: str) -> dict[str, _Node]:
    """The rules of each context compiled into a tree of element positions (one walk reads them all)."""
    by_ctx, keyed = _rules(syntax)
    roots: dict[str, _Node] = {}
    for ctx, rules in by_ctx.items():
        root = roots.setdefault(ctx, _Node())
        for rule in rules:
            parts = rule.path.split("/")
            attr = parts.pop()[1:] if parts[-1].startswith("@") else None
            node = root
            for i, part in enumerate(parts):
                if part == ".":
                    continue
                tag, _, key = part.partition("#")
                test = keyed.get((ctx, "/".join(parts[:i]), tag), {}).get(key)
                node = _child(node, _clark(part, syntax), key or None,
                              None if test is None else _compiled_test(test[0], test[1], syntax))
            if attr is not None:
                node.attrs.setdefault(attr, []).append(rule)
            elif rule.row.repeat:
                node.groups.append(rule)
            else:
                node.texts.append(rule)
    for root in roots.values():
        root.finish()
    for root in roots.values():
        _entries(root, roots)
    return roots


def _entries(node: _Node, roots: dict[str, _Node]) -> None:
    """Mark the positions whose element always starts one item of one group and is read by that group's
    rules alone (an invoice line ...): :meth:`_Reader._visit` enters such an item directly, as
    :meth:`_Reader.visit_all` would (no membership test, no other rule at the position, no nested group)."""
    if len(node.groups) == 1 and not node.busy:
        rule = node.groups[0]
        ctx = rule.row.context_name
        target = roots.get(ctx)
        if ctx not in CHARGE_GROUPS and ctx != "BG-24" and target is not None and target.busy \
                and not target.groups:
            node.entry = _Entry(target, rule.seed, rule.to_doc, rule.head, rule.last, ctx == "BG-25")
    for variants in node.children.values():
        for v in variants:
            _entries(v.node, roots)


_FAST = True
"""Group items entered directly and read by their compiled flat pass (the tests turn it off to prove
that the general walk reads exactly the same)."""

_TAG = attrgetter("tag")
_MAX_SHAPES = 256
"""Programs kept per group root (a document's lines mostly share a handful of shapes)."""

Program = tuple[tuple[tuple[_Rule, ...], _Node], ...]


def _program(root: _Node, shape: tuple[tuple[Any, int], ...]) -> Program | None:
    """The rule position of each element of a group item, in document order, from its shape (the
    (tag, number of children) of its elements in document order, which tells the tree); None when an
    element is not at a plain position (a keyed instance, a nested group, nothing read there, not an
    element): such an item is walked by :meth:`_Reader._visit`, which matches every child."""
    program = [(tuple(root.texts), root)]
    stack = [(root, shape[0][1])]  # (position, children still to come) of the open elements
    for tag, count in shape[1:]:
        while not stack[-1][1]:
            stack.pop()
        parent, left = stack[-1]
        stack[-1] = (parent, left - 1)
        sub = parent.plain.get(tag)
        if sub is None or sub.groups:
            return None
        program.append((tuple(sub.texts), sub))
        stack.append((sub, count))
    return tuple(program)


def _compile(program: Program, shape: tuple[tuple[Any, int], ...] | None,
             fresh: bool = False) -> Callable[[Any, Raw, Raw, _Reader], bool]:
    """The flat pass of one item shape as straight-line Python (generated once per shape). It first checks
    that the item has this shape (the tag and number of children of each element; False, nothing read,
    when not; with no shape, the program is one element's, read without a check); then, for each
    element, what :meth:`_Reader._visit` does at its position -- the rules applied to its text as
    :meth:`_Reader._apply` applies them, its attributes taken as
    :meth:`_Reader._take_attrs` takes them -- written out, and every other step (the special rules, the
    findings) calling the reader's own methods, so that values, findings and their order are those of
    the walk. ``fresh``: for an item that starts empty (no seed): a value that only one rule of the
    program puts in the item is stored, as nothing can be there before it, and the dicts on its way
    are made, as none can exist before the program makes them (unless a special rule, which goes
    through :meth:`_Reader._apply`, is in the program)."""
    rules = [rule for texts, sub in program for rule in (*texts, *(r for rs in sub.attrs.values() for r in rs))]
    fresh = fresh and not any(rule.special for rule in rules)
    writes: dict[tuple[str, ...], int] = {}
    for rule in rules:
        if rule.plain and not rule.to_doc:
            writes[(*rule.head, rule.last)] = writes.get((*rule.head, rule.last), 0) + 1
    consts: dict[str, Any] = {"_D": Decimal, "_IO": InvalidOperation, "_number": _number, "_BOOL": _BOOL,
                              "_SA": _STRUCTURAL_ATTRS, "_attributes": _attributes, "_PE": ParseError, "_located": _located, "_LX": _numbers.LEXICAL, "_MIN": _numbers.MIN_ADJUSTED}
    code = ["def flat(elem, item, doc, rd):", "    nums = rd.numbers", "    pnums = rd.percents"]
    if shape is None:  # one element, whatever its children: what _visit reads at its position
        code.append("    e0 = elem")
    else:
        els = ", ".join(f"e{k}" for k in range(len(shape)))
        consts["_TAGS"], consts["_SIZES"] = tuple(t for t, _ in shape[1:]), tuple(n for _, n in shape)
        code += ["    els = list(elem.iter())", f"    if len(els) != {len(shape)}: return False",
                 f"    {els}{',' if len(shape) == 1 else ''} = els",
                 f"    if ({', '.join(f'len(e{k})' for k in range(len(shape)))},) != _SIZES: return False"]
        if len(shape) > 1:
            code.append(f"    if ({', '.join(f'e{k}.tag' for k in range(1, len(shape)))},) != _TAGS: return False")

    def const(value: Any) -> str:
        name = f"_k{len(consts)}"
        consts[name] = value
        return name

    def apply(rule: _Rule, pad: str, e: str) -> list[str]:
        """Apply ``rule`` to the stripped text ``s`` of the element named ``e``; sets ``ok`` unless it always
        takes it."""
        if rule.const:
            if rule.expected is None:
                return []
            if rule.expected == "TAX":  # any tax scheme but VAT; one the writer does not write again is reported
                return [f"{pad}ok = s != 'VAT'", f"{pad}if ok and s != 'TAX': rd._scheme_not_kept(s, {e})"]
            return [f"{pad}ok = _BOOL.get(s, s) == {rule.expected!r}"]
        if rule.special:
            return [f"{pad}ok = rd._apply({const(rule)}, s, {e}, item)"]
        out = []
        if rule.numeric:  # a number read before in this document: the same (immutable) Decimal
            digits = _numbers.digits_for(rule.row.id)  # the numeric policy, inline (_number says what is wrong)
            cache = "nums" if digits == _numbers.AMOUNT_DIGITS else "pnums"
            out += [f"{pad}v = {cache}.get(t)", f"{pad}if v is None:",
                    f"{pad}    if t.strip(_LX): _number(t, {rule.row.id!r}, {e})", f"{pad}    try:",
                    f"{pad}        v = _D(t)", f"{pad}    except _IO:", f"{pad}        _number(t, {rule.row.id!r}, {e})",
                    f"{pad}    if not _MIN <= v.adjusted() < {digits}: _number(t, {rule.row.id!r}, {e})",
                    f"{pad}    {cache}[t] = v"]
        elif rule.decoder is not None:  # a refusal names the element (a try costs nothing until it raises)
            out += [f"{pad}try:", f"{pad}    v = {const(rule.decoder)}(s)", f"{pad}except _PE as x:",
                    f"{pad}    raise _located(x, {e}) from None"]
        else:
            out.append(f"{pad}v = s")
        out += head(("doc",) if rule.to_doc else ("item",), rule.head, pad)
        if fresh and not rule.to_doc and writes[(*rule.head, rule.last)] == 1:
            return out + [f"{pad}{heads[('item', *rule.head)]}[{rule.last!r}] = v"]
        return out + [f"{pad}o = {heads[(('doc',) if rule.to_doc else ('item',)) + rule.head]}.setdefault("
                      f"{rule.last!r}, v)",
                      f"{pad}if o is not v and o != v: rd._not_kept({rule.row.id!r}, v, o, {e})"]

    heads: dict[tuple[str, ...], str] = {("item",): "item", ("doc",): "doc"}

    def head(base: tuple[str, ...], path: tuple[str, ...], pad: str) -> list[str]:
        """The dict at ``path`` below ``base``, created when missing, kept in a local once fetched (the raw
        dicts are only ever added to, never replaced: a local stays the dict the path leads to)."""
        if not path:
            return []
        where = base + path
        out = head(base, path[:-1], pad + "    ")
        name = heads.get(where)
        if name is None:
            name = heads[where] = f"h{len(heads)}"
            code.insert(1, f"    {name} = None")
        parent = heads[where[:-1]]
        if fresh and base == ("item",):
            return [f"{pad}if {name} is None:", *out, f"{pad}    {name} = {parent}[{path[-1]!r}] = {{}}"]
        return [f"{pad}if {name} is None:", *out, f"{pad}    {name} = {parent}.get({path[-1]!r})",
                f"{pad}    if {name} is None: {name} = {parent}[{path[-1]!r}] = {{}}"]

    def always(rule: _Rule) -> bool:
        return not rule.special and not (rule.const and rule.expected is not None)

    for k, (texts, sub) in enumerate(program):
        e = f"e{k}"
        code.append(f"    t = {e}.text")
        taken = any(always(rule) for rule in texts)  # a non-blank text is always read here
        if not texts and not sub.attrs:  # nothing read here: a text is reported at once
            code.append(f"    if t is not None and t.strip(): rd._not_read({e}, None, t)")
        elif not texts:
            code.append("    u = t is not None and t.strip() != ''")
        else:
            if not taken:
                code.append("    u = False")
            code += ["    if t is not None:", "        s = t.strip()", "        if s:"]
            if not taken:
                code.append("            used = False")
            for rule in texts:
                code += apply(rule, " " * 12, e)
                if not always(rule) and not taken:
                    code.append("            used = used or ok")
            if not taken:
                code.append("            u = not used")
            if code[-1] == "        if s:":  # any value is taken (a constant of the syntax, not checked)
                code.append("            pass")
        if sub.attrs:  # _take_attrs, written out
            code.append("    au = set()")
            for name, rules in sub.attrs.items():
                code += [f"    s = {e}.get({name!r})", "    if s:", "        s = s.strip()", "        if s:"]
                for rule in rules:
                    code += apply(rule, " " * 12, e)
                    code.append(f"            if ok: au.add({name!r})" if not always(rule)
                                else f"            au.add({name!r})")
            unused = "n not in au and n not in _SA"
        else:
            unused = "n not in _SA"
        if not taken and (texts or sub.attrs):
            code.append(f"    if u: rd._not_read({e}, None, t)")
        code += [f"    a = {e}.keys()", "    if a:",  # _check_attrs (keys first: see _attributes)
                 f"        if len(a) > {MAX_ATTRIBUTES}: _attributes({e})",
                 f"        for n, x in {e}.items():", f"            if {unused}: rd._not_read({e}, n, x)",
                 f"            elif n == 'currencyID' and x not in rd.currencies: rd._foreign({e}, x)"]
    code.append("    return True")
    exec("\n".join(code), consts)  # noqa: S102 -- our own code, generated from the term table
    return typing.cast(Callable[[Any, Raw, Raw, _Reader], bool], consts["flat"])


def _child(node: _Node, tag: str, key: str | None, test: Any) -> _Node:
    variants = node.children.setdefault(tag, [])
    for v in variants:
        if v.key == key:
            return v.node
    variants.append(_Variant(key, test, _Node()))
    return variants[-1].node


def _currency_of(elem: Any) -> str | None:
    cur = elem.get("currencyID")
    if cur is None:
        amount = _first(elem, _TAX_AMOUNT)
        cur = amount.get("currencyID") if amount is not None else None
    return None if cur is None else str(cur)


def _text_at(elem: Any, sub: tuple[str, ...], attr: str | None) -> str | None:
    node = _first(elem, sub)  # find(), without ElementPath
    if node is None:
        return None
    text = node.get(attr) if attr is not None else node.text
    return text.strip() if text is not None else None


_SETTLEMENT = (f"{{{NS['rsm']}}}SupplyChainTradeTransaction", f"{{{NS['ram']}}}ApplicableHeaderTradeSettlement")
_CURRENCY = {"cii": (*_SETTLEMENT, f"{{{NS['ram']}}}InvoiceCurrencyCode"),  # BT-5
             "ubl": (f"{{{NS['cbc']}}}DocumentCurrencyCode",), "ubl-cn": (f"{{{NS['cbc']}}}DocumentCurrencyCode",)}
_TAX_CURRENCY = {"cii": (*_SETTLEMENT, f"{{{NS['ram']}}}TaxCurrencyCode"),  # BT-6
                 "ubl": (f"{{{NS['cbc']}}}TaxCurrencyCode",), "ubl-cn": (f"{{{NS['cbc']}}}TaxCurrencyCode",)}
CURRENCY_RULE = "FXE-CURRENCY"
"""An amount whose currencyID is neither the invoice currency BT-5 nor the VAT accounting currency BT-6."""


_TAX_AMOUNT = (f"{{{NS['cbc']}}}TaxAmount",)
_TYPE_CODE = (f"{{{NS['ram']}}}TypeCode",)
_CHARGE_INDICATOR = {True: (f"{{{NS['ram']}}}ChargeIndicator", f"{{{NS['udt']}}}Indicator"),
                     False: (f"{{{NS['cbc']}}}ChargeIndicator",)}


def _child_text(elem: Any, tags: tuple[str, ...]) -> str | None:
    """The stripped text of the first element at this path of child tags, as ``_text_at`` (``find``) gives
    it, without ElementPath: the children that do not match are not even made Python objects."""
    found = _first(elem, tags)
    text = None if found is None else found.text
    return text.strip() if text is not None else None


def _first(elem: Any, tags: tuple[str, ...]) -> Any:
    if not tags:
        return elem
    for child in elem.iterchildren(tags[0]):
        found = _first(child, tags[1:])
        if found is not None:
            return found
    return None


# ---------------------------------------------------------------------------- the walk


class _Reader:
    """One walk over a document, in document order: the raw dict, the findings, the values read.

    Every element is matched against the compiled rules of the contexts it belongs to; an element
    no rule position matches, a text or an attribute no rule takes, is reported (``not-read``).
    """

    def __init__(self, syntax: str, record: bool = False) -> None:
        self.syntax = syntax
        self.roots = _plan(syntax)
        self.data: Raw = {}
        self.currency: str | None = None
        self.tax_currency: str | None = None
        self.currencies: set[str | None] = set()  # BT-5 and BT-6: the currencies an amount may be stated in
        self.values: list[TermValue] | None = [] if record else None
        self.line: int | None = None
        self.lines = 0
        self.findings: list[Finding] = []
        self.numbers: dict[str, Decimal] = {}  # the numbers the flat passes decoded, by their text ...
        self.percents: dict[str, Decimal] = {}  # ... with the bound of an amount, and of a percentage

    def read(self, root: Any) -> None:
        self.currency = _child_text(root, _CURRENCY[self.syntax])  # BT-5 and BT-6 tell BT-110 from BT-111
        self.tax_currency = _child_text(root, _TAX_CURRENCY[self.syntax])
        self.currencies = {self.currency, self.tax_currency}
        self.visit(root, self.roots["DOC"], self.data)

    def visit(self, elem: Any, node: _Node, item: Raw) -> None:
        """Read one element standing at one rule position (the usual case), then its children."""
        if node.groups:
            self.visit_all(elem, [(node, item)])
        else:
            self._visit(elem, node, item)

    def _visit(self, elem: Any, node: _Node, item: Raw) -> None:
        """:meth:`visit` of a position that starts no group item."""
        if _FAST and self.values is None:  # the element itself: the code of its position, compiled once
            read = node.read
            if read is None:
                read = node.read = _compile(((tuple(node.texts), node),), None)
            read(elem, item, self.data, self)
        else:
            self._read_element(elem, node.texts, node, item)
        if not len(elem):  # a leaf (iterating no children costs more than asking)
            return
        plain, children = node.plain, node.children
        taken: set[tuple[str, str]] | None = None
        run: tuple[str, _Entry, list[Raw]] | None = None  # the group items just read: their tag, entry, list
        for child in elem:
            tag = child.tag
            if run is not None and tag == run[0]:  # the next item of the same group (the next line ...)
                self._item(child, run[1], run[2])
                continue
            run = None
            sub = plain.get(tag)
            if sub is not None:
                if sub.groups:
                    entry = sub.entry
                    if entry is not None and _FAST:  # visit_all of a group item read alone, shorter
                        run = (tag, entry, self._items_of(entry, item))
                        self._item(child, entry, run[2])
                    else:
                        self.visit_all(child, [(sub, item)])
                else:
                    self._visit(child, sub, item)
                continue
            variants = children.get(tag)
            if variants is None:
                self._not_read_tree(child)
                continue
            taken = set() if taken is None else taken
            chosen = self._select(variants, child, taken)
            if len(chosen) == 1:
                self.visit(child, chosen[0].node, item)
            elif chosen:
                self.visit_all(child, [(v.node, item) for v in chosen])
            else:
                self._not_read_tree(child)

    def _items_of(self, entry: _Entry, item: Raw) -> list[Raw]:
        """The list the items of ``entry``'s group go to (made when missing)."""
        base = self.data if entry.to_doc else item
        for p in entry.head:
            got = base.get(p)
            if got is None:
                got = base[p] = {}
            base = got
        listed: list[Raw] | None = base.get(entry.last)
        if listed is None:
            listed = base[entry.last] = []
        return listed

    def _item(self, elem: Any, entry: _Entry, listed: list[Raw]) -> None:
        """Read one item of ``entry``'s group, appended to ``listed``: what :meth:`visit_all` does for an
        element that starts one group item read by the group alone."""
        new = _deep_copy(entry.seed) if entry.seed else {}
        listed.append(new)
        saved_line = self.line
        if entry.line:
            self.line, self.lines = self.lines, self.lines + 1
        flat = entry.node.last if entry.seed else entry.node.fresh  # _visit_item's first step, here
        if flat is None or self.values is not None or not flat(elem, new, self.data, self):
            self._visit_item(elem, entry.node, new, tried=flat is not None and self.values is None)
        self.line = saved_line

    def visit_all(self, elem: Any, pairs: list[tuple[_Node, Raw]]) -> None:
        """Read one element for every (rule position, item) it stands at, then its children."""
        saved_line = self.line
        self._enter_groups(elem, pairs)
        active = [pair for pair in pairs if pair[0].busy]
        if len(active) == 1:  # the usual group item: only the group's own rules read it
            self._visit_item(elem, *active[0])
            self.line = saved_line
            return
        text_used = False
        attrs_used: set[str] = set()
        for node, item in pairs:
            for rule in node.texts:
                text_used |= self._take(rule, elem, None, item)
            if node.attrs:
                attrs_used.update(self._take_attrs(elem, node, item))
        text = elem.text
        if text is not None and not text_used and text.strip():
            self._not_read(elem, None, text)
        attributes = _attributes(elem)
        if attributes:
            self._check_attrs(elem, attributes, attrs_used)
        taken: set[tuple[str, str]] = set()
        for child in elem:
            matched = []
            for node, item in pairs:
                variants = node.children.get(child.tag)
                if variants is not None:
                    matched += [(v.node, item) for v in self._select(variants, child, taken)]
            if len(matched) == 1:
                self.visit(child, *matched[0])
            elif matched:
                self.visit_all(child, matched)
            else:
                self._not_read_tree(child)
        self.line = saved_line

    def _visit_item(self, elem: Any, node: _Node, item: Raw, tried: bool = False) -> None:
        """:meth:`_visit` of a group item (an invoice line ...), in one flat pass: the rule position of
        each element comes from the item's shape, compiled once into a function (:func:`_compile`); each
        element is then read exactly as :meth:`_visit` reads it, in the same (document) order. ``tried``:
        the flat pass of the item before was tried already (another shape)."""
        if not _FAST:
            self._visit(elem, node, item)
            return
        flat = node.last
        if not tried and flat is not None and self.values is None and flat(elem, item, self.data, self):
            return  # the shape of the item before (checked by the flat pass itself, before it reads)
        elements = list(elem.iter())
        shape = tuple(zip(map(_TAG, elements), map(len, elements)))
        shapes = node.shapes
        compiled = shapes.get(shape, False)
        if compiled is False:
            program = _program(node, shape)
            compiled = None if program is None else (program, _compile(program, shape), _compile(program, shape, True))
            if len(shapes) >= _MAX_SHAPES:
                shapes.clear()
            shapes[shape] = compiled
        if compiled is None:
            self._visit(elem, node, item)
        elif self.values is None:
            node.last, node.fresh = compiled[1], compiled[2]
            compiled[1](elem, item, self.data, self)
        else:  # recording the term values: every rule through _apply, which records them
            for e, (texts, sub) in zip(elements, compiled[0]):
                self._read_element(e, texts, sub, item)

    def _read_element(self, elem: Any, texts: Iterable[_Rule], node: _Node, item: Raw) -> None:
        """One element itself (not its children), as the walk reads it at ``node``: its text by ``texts``,
        its attributes by the node's rules, what no rule takes reported (the code :func:`_compile` writes
        out does exactly this)."""
        text = elem.text
        unread = False
        if text is not None:
            stripped = text.strip()
            if stripped:
                text_used = False
                for rule in texts:
                    text_used |= self._apply(rule, stripped, elem, item)
                unread = not text_used
        attrs_used = self._take_attrs(elem, node, item) if node.attrs else ()
        if unread:
            self._not_read(elem, None, text)
        attributes = _attributes(elem)
        if attributes:
            self._check_attrs(elem, attributes, attrs_used)

    def _take_attrs(self, elem: Any, node: _Node, item: Raw) -> set[str]:
        used = set()
        for name, rules in node.attrs.items():
            for rule in rules:
                if self._take(rule, elem, name, item):
                    used.add(name)
        return used

    def _check_attrs(self, elem: Any, attributes: list[tuple[str, str]], used: Any) -> None:
        for name, value in attributes:
            if name not in used and name not in _STRUCTURAL_ATTRS:
                self._not_read(elem, name, value)
            elif name == "currencyID" and value not in self.currencies:
                self._foreign(elem, value)

    def _foreign(self, elem: Any, currency: str) -> None:
        """Every amount is in BT-5 (BT-111 in BT-6): another currencyID is reported where it stands, never read
        as if it were BT-5 without a word (the model holds every amount in BT-5)."""
        self.findings.append(Finding(
            CURRENCY_RULE, "BT-5", f"{etree.QName(elem).localname} {shown(elem.text or '')} is stated in currency "
            f"{shown(currency)}, which is neither the invoice currency BT-5 {shown(self.currency or '')} nor a VAT "
            "accounting currency BT-6; it is read as an amount in BT-5 (ISO 4217 codes are upper case and exact)",
            _path(elem), kind="not-representable"))

    def _enter_groups(self, elem: Any, pairs: list[tuple[_Node, Raw]]) -> None:
        """An element that is a group item also stands at the group's root: a new item, appended."""
        i = 0
        while i < len(pairs):
            node, item = pairs[i]
            i += 1
            for rule in node.groups:
                if self._in_group(rule.row.context_name, elem):
                    sub = _deep_copy(rule.seed)
                    _append(self._base(rule.target[0], item), rule.target[1], sub)
                    pairs.append((self.roots[rule.row.context_name], sub))
                    if rule.row.context_name == "BG-25":
                        self.line, self.lines = self.lines, self.lines + 1

    def _not_read_tree(self, elem: Any) -> None:
        if not isinstance(elem.tag, str):
            return
        written = _STRUCTURAL_ELEMENTS.get(elem.tag)
        if written is not None:
            if (elem.text or "").strip() != written:
                self.findings.append(Finding(
                    NOT_REPRESENTABLE_RULE, None, f"{etree.QName(elem).localname} {shown(elem.text or '')} is not "
                    f"kept: the engine writes {written!r}", _path(elem), kind="not-representable"))
            return
        for el in elem.iter():
            if el.text is not None and el.text.strip():
                self._not_read(el, None, el.text)
            for name, value in _attributes(el):
                if name not in _STRUCTURAL_ATTRS:
                    self._not_read(el, name, value)
                elif name == "currencyID" and value not in self.currencies:
                    self._foreign(el, value)

    def _select(self, variants: list[_Variant], child: Any, taken: set[tuple[str, str]]) -> list[_Variant]:
        """The instances a child element is: the keyed ones whose test it passes, else the un-keyed one."""
        out = []
        plain = None
        keyed = False
        for v in variants:
            key = v.key
            if key is None:
                plain = v
            elif key == "doc" or key == "acc":  # BT-110 / BT-111: the first amount in (another) currency
                cur = _currency_of(child)
                acc = cur is not None and cur == self.tax_currency and cur != self.currency
                ok = acc if key == "acc" else not acc
                if ok and (child.tag, key) not in taken:
                    taken.add((child.tag, key))
                    out.append(v)
                    keyed = True
            elif v.test is None:
                out.append(v)
            elif _passes(child, v.test):
                out.append(v)
                keyed = True
        if plain is not None and not keyed:
            out.append(plain)
        return out

    def _take(self, rule: _Rule, elem: Any, attr: str | None, item: Raw) -> bool:
        """Apply one rule to an element; True when its text (or attribute) was taken."""
        text = elem.text if attr is None else elem.get(attr)
        if not text:
            return False
        text = text.strip()
        if not text:
            return False
        return self._apply(rule, text, elem, item)

    def _apply(self, rule: _Rule, text: str, elem: Any, item: Raw) -> bool:
        """Apply one rule to the (stripped, non-empty) text of an element or attribute."""
        if rule.const:
            ok = _const_ok(rule.expected, text)
            if ok and rule.expected == "TAX" and text != "TAX":
                self._scheme_not_kept(text, elem)
            return ok
        value: Any
        if rule.numeric:  # the text as written, XML white space and all: what the policy judges
            raw = elem.text
            value = _number(raw if raw is not None and raw.strip() == text else text, rule.row.id, elem)
        else:
            if rule.row.kind == "DATE" and elem.get("format") not in _DATE_FORMATS:
                self._date_format(rule.row.id, elem)  # not read, and said: the schemas allow other formats
                return True
            decoder = rule.decoder
            try:
                value = text if decoder is None else decoder(text)
            except ParseError as exc:
                if rule.row.kind == "BINARY":  # an attachment that is no base64: not read, and said
                    self.findings.append(Finding(NOT_READ_RULE, rule.row.id, f"{rule.row.id} {shown(text)} is not "
                                                 f"read: {exc.message}", _path(elem), kind="not-read"))
                    return True
                raise _located(exc, elem) from None
            if rule.row.kind == "DATE" and len(text) > 10:
                self._zone_dropped(rule.row.id, text, elem)
        if rule.special:
            if rule.row.kind == "NOTE" and self.syntax != "cii":
                m = _SUBJECT_PREFIX.fullmatch(value)
                if m:
                    _put(item, ("subject_code",), m.group(1))
                    self._record("BT-21", "TEXT", m.group(1))
                    value = m.group(2)
            elif rule.row.id == "BT-5":
                self.currency = text
        if self.values is not None:
            self._record(rule.row.id, rule.row.kind, value)
        base = self.data if rule.to_doc else item
        for p in rule.head:  # the raw dict: a different second value for one model field is reported
            sub = base.get(p)
            if sub is None:
                sub = base[p] = {}
            base = sub
        old = base.setdefault(rule.last, value)
        if old is not value and old != value:
            self._not_kept(rule.row.id, value, old, elem)
        return True

    def _not_read(self, elem: Any, attr: str | None, text: str) -> None:
        what = f"attribute {attr}={shown(text)}" if attr else f"{etree.QName(elem).localname} {shown(text)}"
        self.findings.append(Finding(NOT_READ_RULE, None, f"{what} is not read: no business term of the model "
                                     "takes it", _path(elem), kind="not-read"))

    def _scheme_not_kept(self, text: str, elem: Any) -> None:
        """The tax scheme of a tax registration (BT-32, BT-63 ...) other than VAT: the model keeps the identifier,
        not its scheme, which is written as ``TAX``."""
        self.findings.append(Finding(
            NOT_REPRESENTABLE_RULE, None, f"tax scheme {shown(text)} is not kept: the model holds the tax "
            "registration identifier, whose scheme is written as 'TAX'", _path(elem), kind="not-representable"))

    def _date_format(self, term: str, elem: Any) -> None:
        """A CII date in another format than 102: not read (an EN 16931 date is a day), and reported."""
        self.findings.append(Finding(
            NOT_READ_RULE, term, f"{term} {shown(elem.text or '')} in date format {shown(elem.get('format') or '')} is "
            "not read: an EN 16931 date is written in format 102 (YYYYMMDD)", _path(elem), kind="not-read"))

    def _zone_dropped(self, term: str, text: str, elem: Any) -> None:
        """A UBL date with a time zone: the date is read, the zone is reported (an EN 16931 date has none)."""
        self.findings.append(Finding(
            NOT_REPRESENTABLE_RULE, term, f"{term} {shown(text)}: the time zone {shown(text[10:])} is not kept (an "
            "EN 16931 date has none)", _path(elem), kind="not-representable"))

    def _record(self, term: str, kind: str, value: Any) -> None:
        if self.values is not None:
            text = _canonical(value) if kind in _NUMERIC else str(value)
            self.values.append(TermValue(term, self.line, text))

    def _not_kept(self, term: str, value: Any, old: Any, node: Any) -> None:
        """A different second value for the same model field is reported, not lost."""
        self.findings.append(Finding(
            NOT_REPRESENTABLE_RULE, term, f"{term} {shown(str(value))} is not kept: the model holds one value "
            f"here and {shown(str(old))} was read first", _path(node), kind="not-representable"))

    def _base(self, source: str, item: Raw) -> Raw:
        return self.data if source == "doc" else item

    def _in_group(self, ctx: str, elem: Any) -> bool:
        """Allowances and charges share one element; BG-24 is the AdditionalReferencedDocument of type 916."""
        if ctx in CHARGE_GROUPS:
            ind = _first(elem, _CHARGE_INDICATOR[self.syntax == "cii"])
            text = (ind.text or "").strip().lower() if ind is not None else ""
            return bool((text in _TRUE) is CHARGE_GROUPS[ctx])
        if ctx == "BG-24" and self.syntax == "cii":
            return _text_at(elem, _TYPE_CODE, None) == "916"
        return True


def _passes(elem: Any, test: tuple[tuple[str, ...], str | None, str]) -> bool:
    sub, attr, value = test
    text = _text_at(elem, sub, attr)
    if value == "TAX":
        return text is not None and text != "VAT"
    return text == value


def _const_ok(expected: str | None, text: str) -> bool:
    """A syntax constant as the table writes it (``TAX`` keys any tax scheme but VAT, as the key test does)."""
    if expected is None:
        return True
    if expected == "TAX":
        return text != "VAT"
    return _BOOL.get(text, text) == expected


def _deep_copy(d: Raw) -> Raw:
    return {k: _deep_copy(v) if isinstance(v, dict) else v for k, v in d.items()}


def _put(base: Raw, path: tuple[str, ...], value: Any) -> None:
    for p in path[:-1]:
        base = base.setdefault(p, {})
    base.setdefault(path[-1], value)  # the first occurrence wins


def _append(base: Raw, path: tuple[str, ...], value: Raw) -> None:
    for p in path[:-1]:
        base = base.setdefault(p, {})
    base.setdefault(path[-1], []).append(value)


def _date(text: str, term: str) -> _dt.date:
    """A CII (YYYYMMDD) or UBL (YYYY-MM-DD, a time zone reported by the reader) date; ParseError otherwise."""
    try:
        return _dates.parse_102(text) if len(text) == 8 else _dates.parse_iso(text)[0]
    except _dates.DateRefused as exc:
        raise ParseError(str(exc), bt=term, rule=_dates.RULE) from None


def _attributes(elem: Any) -> list[tuple[str, str]]:
    """``elem.items()``, refused beyond :data:`MAX_ATTRIBUTES`: lxml finds each value by a linear search of the
    element's attributes, so reading them all costs the square of their number (``keys()`` is linear)."""
    names = elem.keys()
    if len(names) > MAX_ATTRIBUTES:
        raise ParseError(f"an element has {len(names)} attributes; an e-invoice element has a few, and at most "
                         f"{MAX_ATTRIBUTES} are read", location=_path(elem))
    return elem.items() if names else []


_DATE_FORMATS = (None, "102")
"""A date element's ``format`` attribute: none (UBL) or 102 (CII's YYYYMMDD, the only one EN 16931 uses)."""


def _located(exc: ParseError, elem: Any) -> ParseError:
    """``exc`` with the path of ``elem`` as its location (unless it names one already)."""
    if exc.location is not None:
        return exc
    return ParseError(exc.message, field=exc.field, bt=exc.bt, rule=exc.rule, location=_path(elem))


def _binary(text: str, term: str) -> str:
    try:
        base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ParseError("attached document is not valid base64", bt=term) from None
    return "".join(text.split())


def _number(text: str, term: str, elem: Any = None) -> Decimal:
    """The number ``text`` of ``term`` under the numeric policy (:mod:`._numbers`); ParseError naming it."""
    try:
        return _numbers.parse(text, _numbers.digits_for(term))
    except _numbers.NumberRefused as exc:
        raise ParseError(str(exc), bt=term, rule=_numbers.RULE,
                         location=None if elem is None else _path(elem)) from None


def _canonical(number: Any) -> str:
    """A number without trailing zeros and never in exponent notation: ``"1273.00"`` -> ``"1273"``."""
    value = Decimal(number).normalize()
    return format(value if value else Decimal(0), "f")


# ---------------------------------------------------------------------------- entry points


def _walk(xml: bytes, record: bool = False) -> _Reader:
    root = parse_xml(xml)
    reader = _Reader(detect_syntax(root), record)
    reader.read(root)
    return reader


def _breach(exc: ModelError) -> Finding:
    return Finding(exc.rule or "FXE-MODEL", exc.bt, exc.message, exc.field, kind="model")


def read_document(xml: bytes, *, strict: bool = False) -> ReadResult:
    """Read a CII or UBL invoice or credit note into the model; report what it states differently.

    Every business term the table knows is read; totals are compared (``totals`` findings), model
    rules the document breaks are collected with its values kept (``model`` findings; with
    ``strict=True`` the first one raises :class:`ModelError` instead), and XML content the model
    does not hold is reported (``not-read`` / ``not-representable``). Raises :class:`ParseError`
    for input that is not a well-formed CII/UBL invoice or that lacks what any document needs
    (number, date, seller, buyer, line VAT ...).
    """
    from facturx_engine.model.fr import legal_notes

    reader = _walk(xml)
    found: list[Finding] = list(reader.findings)
    data = reader.data
    stated = finish(data, reader.syntax, found)
    credit = reader.syntax == "ubl-cn" or (reader.syntax == "cii" and data.get("type_code") in CREDIT_NOTE_TYPES)
    cls = CreditNote if credit else Invoice  # the UBL root tells: a CreditNote stays a credit note whatever its code
    try:
        if strict:
            doc, breaches = build(cls, data, found), []
        else:
            with collect_breaches() as breaches:
                doc = build(cls, data, found)
    except ModelError as exc:
        if strict:
            raise
        raise ParseError(f"the document cannot be read into the model: {exc.message}", field=exc.field, bt=exc.bt,
                         rule=exc.rule) from None
    if legal_notes(doc) != doc.notes:
        # the XML says which notes there are: never let a re-write add the French mentions
        doc = replace_read(doc, late_payment_mentions=False)
    totals, flat = check_totals(doc, stated)
    findings = totals + [_breach(b) for b in breaches] + found
    lines = tuple(n if n is None or n.__class__ is Decimal else Decimal(n) for n in stated["lines"])
    return ReadResult(doc, tuple(findings), flat, reader.syntax, stated["guideline"], lines)


def replace_read(doc: Any, **changes: Any) -> Any:
    """``dataclasses.replace`` for a document read: the model rules it breaks were reported when it
    was read (they are collected again here, and dropped, instead of raising)."""
    with collect_breaches():
        return replace(doc, **changes)


def term_values(xml: bytes) -> list[TermValue]:
    """Every business-term value of a CII or UBL document, read through the term table (the same walk
    as :func:`read_document`), normalized so that the two syntaxes compare equal."""
    reader = _walk(xml, record=True)
    values = reader.values or []
    if reader.syntax != "cii" and any(v.term == "BT-14" for v in values):  # UBL's placeholder for BT-13
        values = [v for v in values if not (v.term == "BT-13" and v.value == "NA")]
    return values


def from_xml(xml: bytes) -> Invoice | CreditNote:
    """An invoice or credit note from CII or UBL XML bytes (the syntax is told by the root).

    The document as it is stated: use :func:`read_document` for the findings (totals that differ,
    rules it breaks, content the model does not hold)."""
    return read_document(xml).document


def from_cii(xml: bytes) -> Any:
    """The Invoice or CreditNote of CII XML bytes (read by the term table, as :func:`read_document`;
    ParseError for UBL). Stated totals are not read but checked: see :func:`read_document`."""
    return _read_syntax(xml, ("cii",))


def from_ubl(xml: bytes) -> Any:
    """The Invoice or CreditNote of UBL 2.1 XML bytes (read by the term table, as :func:`read_document`;
    ParseError for CII). Stated totals are not read but checked: see :func:`read_document`."""
    return _read_syntax(xml, ("ubl", "ubl-cn"))


def _read_syntax(xml: bytes, expected: tuple[str, ...]) -> Invoice | CreditNote:
    root_syntax = detect_syntax(parse_xml(xml))
    if root_syntax not in expected:
        raise ParseError(f"expected {' or '.join(expected)} XML, got {root_syntax}")
    return read_document(xml).document
