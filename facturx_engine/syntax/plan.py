"""The term table compiled for reading: each context's rules as a tree of element positions.

Each row of the table that the reader takes becomes a :class:`Rule` (where its value goes, from
:mod:`facturx_engine.syntax.places`, and how its text is decoded); the rules of each context are
compiled once per syntax into a tree of :class:`Node` positions (:func:`compile_plan`), which one walk of a
document in document order matches element by element (:mod:`facturx_engine.syntax.walk`). Keyed sibling
instances (``a:B#k``) are told apart by a test on their content (:class:`Variant`). The items of a
repeating group mostly share a few shapes: :func:`item_program` gives the position of each element of
an item from its shape, which :mod:`facturx_engine.syntax.flatpass` compiles into one flat pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from types import SimpleNamespace
from typing import Any

from facturx_engine.syntax.engine import NS
from facturx_engine.syntax.parse import NUMERIC, text_decoder
from facturx_engine.syntax.places import ALTERNATIVES, CHARGE_GROUPS, EXPLICIT, GROUPS, VERBATIM, Raw, Target, place

__all__ = ["BOOL", "STRUCTURAL_ATTRS", "STRUCTURAL_ELEMENTS", "Entry", "Node", "Program", "Rule", "Variant",
           "compile_plan", "item_program"]

BOOL = {"1": "true", "0": "false"}
"""An indicator written ``1``/``0`` stands for ``true``/``false`` (the table's constants are written in words)."""

_XSI = "{http://www.w3.org/2001/XMLSchema-instance}"

STRUCTURAL_ATTRS = frozenset({"currencyID", "format", f"{_XSI}schemaLocation"})
"""Attributes that carry no business term: an amount's currency is BT-5 or BT-6 (which the reader
uses to tell BT-110 from BT-111), ``format="102"`` is the CII date format."""

STRUCTURAL_ELEMENTS = {f"{{{NS['cbc']}}}UBLVersionID": "2.1"}
"""Elements that carry no business term, with the value the writers state (the UBL version: another one is
reported as not kept)."""


def _clark(part: str, syntax: str) -> str:
    tag = part.split("#", 1)[0]
    prefix, local = tag.split(":", 1) if ":" in tag else ("", tag)
    if not prefix:
        ns = NS["ubl-cn" if syntax == "ubl-cn" else "ubl-inv"]
    else:
        ns = NS[prefix]
    return f"{{{ns}}}{local}"


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the table as the reader applies it: the element path it reads (relative to its context), the
    place its value goes, how its text is decoded; a constant of the syntax is checked and marked read."""

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
    special: bool = field(init=False, default=False)       # a UBL note, BT-5, a date, an attachment, BT-20
    verbatim: bool = field(init=False, default=False)      # the element's text is taken as written (VERBATIM)
    numeric: bool = field(init=False, default=False)       # decoded as a finite Decimal (inline: the usual value)
    plain: bool = field(init=False, default=False)         # neither a constant nor special (the usual rule)

    def __post_init__(self) -> None:
        path = self.target[1]
        object.__setattr__(self, "head", path[:-1])
        object.__setattr__(self, "last", path[-1] if path else "")
        object.__setattr__(self, "to_doc", self.target[0] == "doc")
        object.__setattr__(self, "decoder", text_decoder(self.row.kind, self.row.id, self.decode, self.path))
        object.__setattr__(self, "verbatim", self.row.id in VERBATIM and "@" not in self.path)
        object.__setattr__(self, "special", self.row.kind in ("NOTE", "DATE", "BINARY") or self.row.id == "BT-5"
                           or self.verbatim)
        object.__setattr__(self, "numeric", self.decode is None and self.row.kind in NUMERIC)
        object.__setattr__(self, "plain", not self.const and not self.special)


@dataclass(frozen=True, slots=True)
class Variant:
    """One instance of a child element: keyed siblings (``a:B#k``) are told apart by a test."""

    key: str | None                               # None: the un-keyed instance
    test: tuple[tuple[str, ...], str | None, str] | None  # (Clark tags of the sub-path, attribute, value); None: any
    node: Node


@dataclass(frozen=True, slots=True)
class Entry:
    """What the walk needs to start an item of a group directly (compiled from the group's rule)."""

    node: Node                # the group's root position
    seed: Raw                 # what a new item holds
    to_doc: bool              # the item list hangs from the document (else from the current item)
    head: tuple[str, ...]     # the dicts on the way to ...
    last: str                 # ... the key of the item list
    line: bool                # an invoice line (BG-25): the reader counts them


@dataclass(slots=True)
class Node:
    """An element position of a context's rules: what is read at it, and its children by Clark tag."""

    texts: list[Rule] = field(default_factory=list)             # rules reading the element's text
    attrs: dict[str, list[Rule]] = field(default_factory=dict)  # rules reading one of its attributes
    groups: list[Rule] = field(default_factory=list)            # repeating groups whose items it is
    children: dict[str, list[Variant]] = field(default_factory=dict)
    plain: dict[str, Node] = field(default_factory=dict)  # the children with one, un-keyed, instance
    busy: bool = False  # something is read at or below it (a group root may only start items)
    shapes: dict[Any, Any] = field(default_factory=dict)  # group items: element shape -> program (item_program)
    entry: Entry | None = None  # the group item it always starts, read alone (see _entries)
    last: Any = None  # group items: the flat pass of the shape read last (flatpass) ...
    fresh: Any = None  # ... and the same for an item that starts empty
    read: Any = None  # what the walk reads at this position, compiled (flatpass)

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


def _rules(syntax: str) -> tuple[dict[str, list[Rule]], dict[tuple[str, str, str], dict[str, Any]]]:
    """The rules of the table by context, and the tests that tell keyed sibling instances apart."""
    from facturx_engine.syntax.terms import TERMS  # the table, loaded when a document is first read

    by_ctx: dict[str, list[Rule]] = {}
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
            by_ctx.setdefault(row.ctx, []).append(Rule(row, path, ("item", ()), None, {}, True, expected))
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
        by_ctx.setdefault(row.ctx, []).append(Rule(row, path, target, decode, seed))
        other = ALTERNATIVES.get((row.id, "cii" if syntax == "cii" else "ubl"))
        if other is not None:  # read there too (never written there)
            by_ctx[row.ctx].append(Rule(row, f"{path.rsplit('/', 1)[0]}/{other}", target, decode, seed))
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
def compile_plan(syntax: str) -> dict[str, Node]:
    """The rules of each context compiled into a tree of element positions (one walk reads them all)."""
    by_ctx, keyed = _rules(syntax)
    roots: dict[str, Node] = {}
    for ctx, rules in by_ctx.items():
        root = roots.setdefault(ctx, Node())
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


def _entries(node: Node, roots: dict[str, Node]) -> None:
    """Mark the positions whose element always starts one item of one group and is read by that group's
    rules alone (an invoice line ...): the walk enters such an item directly, as
    :meth:`~facturx_engine.syntax.walk.Reader.visit_all` would (no membership test, no other rule at the
    position, no nested group)."""
    if len(node.groups) == 1 and not node.busy:
        rule = node.groups[0]
        ctx = rule.row.context_name
        target = roots.get(ctx)
        if ctx not in CHARGE_GROUPS and ctx != "BG-24" and target is not None and target.busy \
                and not target.groups:
            node.entry = Entry(target, rule.seed, rule.to_doc, rule.head, rule.last, ctx == "BG-25")
    for variants in node.children.values():
        for v in variants:
            _entries(v.node, roots)


def _child(node: Node, tag: str, key: str | None, test: Any) -> Node:
    variants = node.children.setdefault(tag, [])
    for v in variants:
        if v.key == key:
            return v.node
    variants.append(Variant(key, test, Node()))
    return variants[-1].node

Program = tuple[tuple[tuple[Rule, ...], Node], ...]


def item_program(root: Node, shape: tuple[tuple[Any, int], ...]) -> Program | None:
    """The rule position of each element of a group item, in document order, from its shape (the
    (tag, number of children) of its elements in document order, which tells the tree); None when an
    element is not at a plain position (a keyed instance, a nested group, nothing read there, not an
    element): such an item is walked element by element, every child matched."""
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
