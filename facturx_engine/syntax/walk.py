"""The walk: one pass over a document in document order, every element matched against the compiled plan.

:class:`Reader` reads each element at the rule positions of the contexts it stands in
(:mod:`facturx_engine.syntax.plan`) and puts each value where the model holds it
(:mod:`facturx_engine.syntax.places`), so the dicts it builds are model-shaped. An element no rule
position matches, a text or an attribute no rule takes, is reported (``not-read``); a different second
value for a field the model holds once, a tax scheme, a time zone or a currency the model cannot hold,
is reported (``not-representable``). The items of a repeating group are read by their flat pass
(:mod:`facturx_engine.syntax.flatpass`), compiled once per item shape; the other elements by code
compiled per position. With ``record=True`` the walk also records every business-term value it reads,
normalized (:func:`facturx_engine.syntax.read.term_values`), with the item of the repeating group it belongs to
(:func:`facturx_engine.syntax.read.placed_values`), and reads every element through the general path
(:meth:`Reader.apply`), which records them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from operator import attrgetter
from typing import Any

from lxml import etree

from facturx_engine.codegen import reference
from facturx_engine.errors import ParseError
from facturx_engine.syntax.engine import NS
from facturx_engine.findings import Finding
from facturx_engine.syntax.limits import MAX_FINDINGS_LISTED, MAX_FINDINGS_PER_PLACE
from facturx_engine.syntax.findings import CURRENCY_RULE, NOT_READ_RULE, NOT_REPRESENTABLE_RULE, read_finding, shown
from facturx_engine.syntax.flatpass import compile_flat
from facturx_engine.syntax.parse import (
    DATE_FORMATS,
    NUMERIC,
    attributes_of,
    canonical,
    child_text,
    decode_number,
    find_first,
    located,
    place,
    text_at,
    xpath,
)
from facturx_engine.syntax.places import CHARGE_GROUPS, Raw
from facturx_engine.syntax.plan import (
    BOOL,
    STRUCTURAL_ATTRS,
    STRUCTURAL_ELEMENTS,
    Entry,
    Node,
    Rule,
    Variant,
    compile_plan,
    item_program,
)

__all__ = ["Reader"]

_SUBJECT_PREFIX = re.compile(r"#([A-Za-z0-9]{1,10})#(.*)", re.DOTALL)  # UBL: BT-21 as a "#CODE#" note prefix

_TRUE = {"true", "1"}

_FAST = not reference("reader")
"""Group items entered directly and read by their compiled flat pass (the tests turn it off to prove
that the general walk reads exactly the same; ``FACTURX_ENGINE_REFERENCE=reader`` turns it off too)."""

_TAG = attrgetter("tag")

_MAX_SHAPES = 256
"""Programs kept per group root (a document's lines mostly share a handful of shapes)."""

_SETTLEMENT = (f"{{{NS['rsm']}}}SupplyChainTradeTransaction", f"{{{NS['ram']}}}ApplicableHeaderTradeSettlement")

_CURRENCY = {"cii": (*_SETTLEMENT, f"{{{NS['ram']}}}InvoiceCurrencyCode"),  # BT-5
             "ubl": (f"{{{NS['cbc']}}}DocumentCurrencyCode",), "ubl-cn": (f"{{{NS['cbc']}}}DocumentCurrencyCode",)}

_TAX_CURRENCY = {"cii": (*_SETTLEMENT, f"{{{NS['ram']}}}TaxCurrencyCode"),  # BT-6
                 "ubl": (f"{{{NS['cbc']}}}TaxCurrencyCode",), "ubl-cn": (f"{{{NS['cbc']}}}TaxCurrencyCode",)}

_TAX_AMOUNT = (f"{{{NS['cbc']}}}TaxAmount",)

_TYPE_CODE = (f"{{{NS['ram']}}}TypeCode",)

_CHARGE_INDICATOR = {True: (f"{{{NS['ram']}}}ChargeIndicator", f"{{{NS['udt']}}}Indicator"),
                     False: (f"{{{NS['cbc']}}}ChargeIndicator",)}


class Reader:
    """One walk over a document, in document order: the document read (``data``), the findings, the values.

    Every element is matched against the compiled rules of the contexts it belongs to; an element
    no rule position matches, a text or an attribute no rule takes, is reported (``not-read``). The
    compiled passes call :meth:`apply`, :meth:`not_read`, :meth:`not_kept`, :meth:`scheme_not_kept` and
    :meth:`foreign`, and share ``numbers``, ``percents`` and ``currencies``.
    """

    def __init__(self, syntax: str, record: bool = False) -> None:
        self.syntax = syntax
        self.roots = compile_plan(syntax)
        self.data: Raw = {}
        self.currency: str | None = None
        self.tax_currency: str | None = None
        self.currencies: set[str | None] = set()  # BT-5 and BT-6: the currencies an amount may be stated in
        self.values: list[tuple[str, int | None, str, str, int]] | None = [] if record else None
        # term, line, value, context of the row (DOC, BG-20, PAY ...), number of the group item (0: the document)
        self.items: dict[int, int] = {}  # id() of each group item recorded -> its number, in reading order
        self.line: int | None = None
        self.lines = 0
        self.findings: list[Finding] = []
        self.places: dict[tuple[str, str], int] = {}  # (rule, place) -> findings there, listed or not
        self.unlisted: dict[tuple[str, str], dict[str, int]] = {}  # (rule, kind) -> place -> findings not listed
        self.repeats: dict[Any, frozenset[str]] = {}  # see xpath()
        self.numbers: dict[str, Decimal] = {}  # the numbers the flat passes decoded, by their text ...
        self.percents: dict[str, Decimal] = {}  # ... with the bound of an amount, and of a percentage

    def read(self, root: Any) -> None:
        self.currency = child_text(root, _CURRENCY[self.syntax])  # BT-5 and BT-6 tell BT-110 from BT-111
        self.tax_currency = child_text(root, _TAX_CURRENCY[self.syntax])
        self.currencies = {self.currency, self.tax_currency}
        self.visit(root, self.roots["DOC"], self.data)
        for (rule, kind), places in self.unlisted.items():
            count, shown_places = sum(places.values()), ", ".join(list(places)[:3])
            others = f" and {len(places) - 3} other places" if len(places) > 3 else ""
            self.findings.append(read_finding(rule, None, f"{count} more findings of {rule} are not listed (at "
                                              f"{shown_places}{others}): at most {MAX_FINDINGS_PER_PLACE} at one place "
                                              f"and {MAX_FINDINGS_LISTED} in all are", next(iter(places)), kind=kind))

    def found(self, rule: str, bt: str | None, message: str, elem: Any, kind: str) -> None:
        """A finding at ``elem``; beyond :data:`~facturx_engine.syntax.limits.MAX_FINDINGS_PER_PLACE` of one rule at
        one place (or :data:`~facturx_engine.syntax.limits.MAX_FINDINGS_LISTED` in all) only counted, and said by
        :meth:`read` (never silently)."""
        where = place(elem)
        key = (rule, where)
        count = self.places[key] = self.places.get(key, 0) + 1
        if count <= MAX_FINDINGS_PER_PLACE and len(self.findings) < MAX_FINDINGS_LISTED:
            self.findings.append(read_finding(rule, bt, message, xpath(elem, self.repeats), kind=kind))
        else:
            places = self.unlisted.setdefault((rule, kind), {})
            places[where] = places.get(where, 0) + 1

    def visit(self, elem: Any, node: Node, item: Raw) -> None:
        """Read one element standing at one rule position (the usual case), then its children."""
        if node.groups:
            self.visit_all(elem, [(node, item)])
        else:
            self._visit(elem, node, item)

    def _visit(self, elem: Any, node: Node, item: Raw) -> None:
        """:meth:`visit` of a position that starts no group item."""
        if _FAST and self.values is None:  # the element itself: the code of its position, compiled once
            read = node.read
            if read is None:
                read = node.read = compile_flat(((tuple(node.texts), node),), None)
            read(elem, item, self.data, self)
        else:
            self._read_element(elem, node.texts, node, item)
        if not len(elem):  # a leaf (iterating no children costs more than asking)
            return
        plain, children = node.plain, node.children
        taken: set[tuple[str, str]] | None = None
        run: tuple[str, Entry, list[Raw]] | None = None  # the group items just read: their tag, entry, list
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

    def _items_of(self, entry: Entry, item: Raw) -> list[Raw]:
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

    def _item(self, elem: Any, entry: Entry, listed: list[Raw]) -> None:
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

    def visit_all(self, elem: Any, pairs: list[tuple[Node, Raw]]) -> None:
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
            self.not_read(elem, None, text)
        attributes = attributes_of(elem)
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

    def _visit_item(self, elem: Any, node: Node, item: Raw, tried: bool = False) -> None:
        """:meth:`_visit` of a group item (an invoice line ...), in one flat pass: the rule position of
        each element comes from the item's shape, compiled once into a function
        (:func:`~facturx_engine.syntax.flatpass.compile_flat`); each element is then read exactly as
        :meth:`_visit` reads it, in the same (document) order. ``tried``: the flat pass of the item before
        was tried already (another shape)."""
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
            program = item_program(node, shape)
            compiled = None if program is None else (program, compile_flat(program, shape),
                                                     compile_flat(program, shape, True))
            if len(shapes) >= _MAX_SHAPES:
                shapes.clear()
            shapes[shape] = compiled
        if compiled is None:
            self._visit(elem, node, item)
        elif self.values is None:
            node.last, node.fresh = compiled[1], compiled[2]
            compiled[1](elem, item, self.data, self)
        else:  # recording the term values: every rule through apply, which records them
            for e, (texts, sub) in zip(elements, compiled[0]):
                self._read_element(e, texts, sub, item)

    def _read_element(self, elem: Any, texts: Iterable[Rule], node: Node, item: Raw) -> None:
        """One element itself (not its children), as the walk reads it at ``node``: its text by ``texts``,
        its attributes by the node's rules, what no rule takes reported (the code
        :func:`~facturx_engine.syntax.flatpass.compile_flat` writes out does exactly this)."""
        text = elem.text
        unread = False
        if text is not None:
            stripped = text.strip()
            if stripped:
                text_used = False
                for rule in texts:
                    text_used |= self.apply(rule, stripped, elem, item)
                unread = not text_used
        attrs_used = self._take_attrs(elem, node, item) if node.attrs else ()
        if unread:
            self.not_read(elem, None, text)
        attributes = attributes_of(elem)
        if attributes:
            self._check_attrs(elem, attributes, attrs_used)

    def _take_attrs(self, elem: Any, node: Node, item: Raw) -> set[str]:
        used = set()
        for name, rules in node.attrs.items():
            for rule in rules:
                if self._take(rule, elem, name, item):
                    used.add(name)
        return used

    def _check_attrs(self, elem: Any, attributes: list[tuple[str, str]], used: Any) -> None:
        for name, value in attributes:
            if name not in used and name not in STRUCTURAL_ATTRS:
                self.not_read(elem, name, value)
            elif name == "currencyID" and value not in self.currencies:
                self.foreign(elem, value)

    def foreign(self, elem: Any, currency: str) -> None:
        """Every amount is in BT-5 (BT-111 in BT-6): another currencyID is reported where it stands, never read
        as if it were BT-5 without a word (the model holds every amount in BT-5)."""
        self.found(
            CURRENCY_RULE, "BT-5", f"{etree.QName(elem).localname} {shown(elem.text or '')} is stated in currency "
            f"{shown(currency)}, which is neither the invoice currency BT-5 {shown(self.currency or '')} nor a VAT "
            "accounting currency BT-6; it is read as an amount in BT-5 (ISO 4217 codes are upper case and exact)",
            elem, kind="not-representable")

    def _enter_groups(self, elem: Any, pairs: list[tuple[Node, Raw]]) -> None:
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
        written = STRUCTURAL_ELEMENTS.get(elem.tag)
        if written is not None:
            if (elem.text or "").strip() != written:
                self.found(
                    NOT_REPRESENTABLE_RULE, None, f"{etree.QName(elem).localname} {shown(elem.text or '')} is not "
                    f"kept: the engine writes {written!r}", elem, kind="not-representable")
            return
        for el in elem.iter():
            if el.text is not None and el.text.strip():
                self.not_read(el, None, el.text)
            for name, value in attributes_of(el):
                if name not in STRUCTURAL_ATTRS:
                    self.not_read(el, name, value)
                elif name == "currencyID" and value not in self.currencies:
                    self.foreign(el, value)

    def _select(self, variants: list[Variant], child: Any, taken: set[tuple[str, str]]) -> list[Variant]:
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

    def _take(self, rule: Rule, elem: Any, attr: str | None, item: Raw) -> bool:
        """Apply one rule to an element; True when its text (or attribute) was taken."""
        text = elem.text if attr is None else elem.get(attr)
        if not text:
            return False
        text = text.strip()
        if not text:
            return False
        return self.apply(rule, text, elem, item)

    def apply(self, rule: Rule, text: str, elem: Any, item: Raw) -> bool:
        """Apply one rule to the (stripped, non-empty) text of an element or attribute."""
        if rule.const:
            ok = _const_ok(rule.expected, text)
            if ok and rule.expected == "TAX" and text != "TAX":
                self.scheme_not_kept(text, elem)
            return ok
        value: Any
        if rule.numeric:  # the text as written, XML white space and all: what the policy judges
            raw = elem.text
            value = decode_number(raw if raw is not None and raw.strip() == text else text, rule.row.id, elem)
        else:
            if rule.row.kind == "DATE" and elem.get("format") not in DATE_FORMATS:
                self._date_format(rule.row.id, elem)  # not read, and said: the schemas allow other formats
                return True
            decoder = rule.decoder
            try:
                value = text if decoder is None else decoder(text)
            except ParseError as exc:
                if rule.row.kind == "BINARY":  # an attachment that is no base64: not read, and said
                    self.found(NOT_READ_RULE, rule.row.id, f"{rule.row.id} {shown(text)} is not "
                                                 f"read: {exc.message}", elem, kind="not-read")
                    return True
                raise located(exc, elem) from None
            if rule.row.kind == "DATE" and len(text) > 10:
                self._zone_dropped(rule.row.id, text, elem)
        if rule.special:
            if rule.row.kind == "NOTE" and self.syntax != "cii":
                m = _SUBJECT_PREFIX.fullmatch(value)
                if m:
                    _put(item, ("subject_code",), m.group(1))
                    self._record("BT-21", "TEXT", m.group(1), rule.row.ctx, item)
                    value = m.group(2)
            elif rule.row.id == "BT-5":
                self.currency = text
            elif rule.verbatim:  # the text as written, line breaks and all (BT-20)
                value = elem.text
        if self.values is not None:
            self._record(rule.row.id, rule.row.kind, value, rule.row.ctx, item)
        base = self.data if rule.to_doc else item
        for p in rule.head:  # the dicts on its way; a different second value for one model field is reported
            sub = base.get(p)
            if sub is None:
                sub = base[p] = {}
            base = sub
        old = base.setdefault(rule.last, value)
        if old is not value and old != value:
            self.not_kept(rule.row.id, value, old, elem)
        return True

    def not_read(self, elem: Any, attr: str | None, text: str) -> None:
        what = f"attribute {attr}={shown(text)}" if attr else f"{etree.QName(elem).localname} {shown(text)}"
        self.found(NOT_READ_RULE, None, f"{what} is not read: no business term of the model "
                                     "takes it", elem, kind="not-read")

    def scheme_not_kept(self, text: str, elem: Any) -> None:
        """The tax scheme of a tax registration (BT-32, BT-63 ...) other than VAT: the model keeps the identifier,
        not its scheme, which is written as ``TAX``."""
        self.found(
            NOT_REPRESENTABLE_RULE, None, f"tax scheme {shown(text)} is not kept: the model holds the tax "
            "registration identifier, whose scheme is written as 'TAX'", elem, kind="not-representable")

    def _date_format(self, term: str, elem: Any) -> None:
        """A CII date in another format than 102: not read (an EN 16931 date is a day), and reported."""
        self.found(
            NOT_READ_RULE, term, f"{term} {shown(elem.text or '')} in date format {shown(elem.get('format') or '')} is "
            "not read: an EN 16931 date is written in format 102 (YYYYMMDD)", elem, kind="not-read")

    def _zone_dropped(self, term: str, text: str, elem: Any) -> None:
        """A UBL date with a time zone: the date is read, the zone is reported (an EN 16931 date has none)."""
        self.found(
            NOT_REPRESENTABLE_RULE, term, f"{term} {shown(text)}: the time zone {shown(text[10:])} is not kept (an "
            "EN 16931 date has none)", elem, kind="not-representable")

    def _record(self, term: str, kind: str, value: Any, ctx: str, item: Raw) -> None:
        if self.values is not None:
            text = canonical(value) if kind in NUMERIC else str(value)
            number = 0 if ctx == "DOC" else self.items.setdefault(id(item), len(self.items) + 1)
            self.values.append((term, self.line, text, ctx, number))

    def not_kept(self, term: str, value: Any, old: Any, node: Any) -> None:
        """A different second value for the same model field is reported, not lost."""
        self.found(
            NOT_REPRESENTABLE_RULE, term, f"{term} {shown(str(value))} is not kept: the model holds one value "
            f"here and {shown(str(old))} was read first", node, kind="not-representable")

    def _base(self, source: str, item: Raw) -> Raw:
        return self.data if source == "doc" else item

    def _in_group(self, ctx: str, elem: Any) -> bool:
        """Allowances and charges share one element; BG-24 is the AdditionalReferencedDocument of type 916."""
        if ctx in CHARGE_GROUPS:
            ind = find_first(elem, _CHARGE_INDICATOR[self.syntax == "cii"])
            text = (ind.text or "").strip().lower() if ind is not None else ""
            return bool((text in _TRUE) is CHARGE_GROUPS[ctx])
        if ctx == "BG-24" and self.syntax == "cii":
            return text_at(elem, _TYPE_CODE, None) == "916"
        return True


def _currency_of(elem: Any) -> str | None:
    cur = elem.get("currencyID")
    if cur is None:
        amount = find_first(elem, _TAX_AMOUNT)
        cur = amount.get("currencyID") if amount is not None else None
    return None if cur is None else str(cur)


def _passes(elem: Any, test: tuple[tuple[str, ...], str | None, str]) -> bool:
    sub, attr, value = test
    text = text_at(elem, sub, attr)
    if value == "TAX":
        return text is not None and text != "VAT"
    return text == value


def _const_ok(expected: str | None, text: str) -> bool:
    """A syntax constant as the table writes it (``TAX`` keys any tax scheme but VAT, as the key test does)."""
    if expected is None:
        return True
    if expected == "TAX":
        return text != "VAT"
    return BOOL.get(text, text) == expected


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
