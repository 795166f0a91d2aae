"""The table-driven XML reader: CII and UBL back into the domain model.

The reader walks the same business-term table as the writers (:mod:`facturx_engine.terms`), in
reverse. A row whose getter carries an ``inline`` attribute path (``a("line.name")``,
``_doc("seller.address.city")``, ``_tot("due")``) says where its value lives on the objects the
writers read (:class:`~facturx_engine._context.WriteContext`, ``LineItem``, ``ACItem``,
``PayEntry`` ...): the reader puts the decoded XML value at that same path in a "raw" dict shaped
like those objects. Rows whose getters are lambdas have an explicit entry in :data:`EXPLICIT`
(keyed by term id, next to the engine), and repeating groups whose getters are lambdas say where
their items go in :data:`GROUPS`. :data:`NOT_READ` lists the reportable rows the reader leaves
out on purpose, with the reason. ``tests/test_read.py`` checks that every reportable row is
covered by one of the three, so that no term disappears silently.

A small, explicit assembly step (:func:`_assemble`) then turns the raw dict into the JSON format
of :mod:`facturx_engine.jsonio` (which mirrors the model field names), and
:func:`~facturx_engine.jsonio.load_document` builds the document, so every model rule applies to
what is read. Totals are never read into the model (they are computed): the stated totals
BT-106..BT-112, BT-115 and the BG-23 breakdown are compared with the computed ones, one
:class:`Finding` per difference (BR-CO-10..17). Stated BT-113 (paid) and BT-114 (rounding) are
input data and go into the model.

Parsing is hardened: no entity resolution, no network, no DTD loading, no huge trees, and any
DOCTYPE is refused (:class:`~facturx_engine.errors.ParseError`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from lxml import etree

from ._xml import NS
from .codes import Profile
from .errors import ParseError
from .model import CreditNote, Invoice

__all__ = ["EXPLICIT", "GROUPS", "NOT_READ", "Finding", "ReadResult", "detect_syntax", "parse_xml",
           "read_document"]

# ---------------------------------------------------------------------------- explicit mappings

Raw = dict[str, Any]
Path = tuple[str, tuple[str, ...]]  # (source "item" | "wctx", attribute path), like a getter's ``inline``

_TAX_POINT_CODES = {"5": "3", "29": "35", "72": "432"}  # UNTDID 2475 (CII) -> 2005 (model)

EXPLICIT: dict[str, tuple[Path, Callable[[str], Any] | None]] = {
    # term id: (where the value goes, optional decoder); for the rows whose getter is a lambda
    "BT-24": (("wctx", ("guideline",)), None),
    "BT-22": (("item", ("text",)), None),                          # the note text (UBL: #CODE# prefix, below)
    "BT-13": (("wctx", ("doc", "purchase_order")), None),          # UBL "NA" placeholder dropped in _assemble
    "BT-70": (("wctx", ("delivery", "name")), None),
    "BT-71": (("wctx", ("delivery", "location_id", "value")), None),
    "BT-71-1": (("wctx", ("delivery", "location_id", "scheme")), None),
    "BT-82": (("item", ("means", "means_text")), None),
    "BT-84": (("item", ("account", "account_id")), None),         # CII IBANID or ProprietaryID
    "BT-9": (("wctx", ("doc", "due_date")), None),                 # UBL CreditNote: PaymentMeans/PaymentDueDate
    "BT-107": (("wctx", ("totals", "allowance_total")), None),
    "BT-108": (("wctx", ("totals", "charge_total")), None),
    "BT-113": (("wctx", ("totals", "paid")), None),
    "BT-114": (("wctx", ("totals", "rounding")), None),
    "BT-8": (("wctx", ("doc", "tax_point_code")), lambda v: _TAX_POINT_CODES.get(v, v)),  # CII, in BG-23
    "BT-150": (("item", ("base_quantity_unit",)), None),           # read; must equal BT-130 (model has one unit)
}

GROUPS: dict[str, tuple[Path, Raw]] = {
    # context name of a repeating row whose getter is a lambda: (list its items go to, item seed)
    "BG-1": (("wctx", ("notes",)), {}),
    "doc_seller:id": (("wctx", ("doc_seller", "identifiers")), {}),
    "doc_seller:gid": (("wctx", ("doc_seller", "identifiers")), {}),
    "doc_seller:uid": (("wctx", ("doc_seller", "identifiers")), {}),
    "doc_buyer:id": (("wctx", ("doc_buyer", "identifiers")), {}),
    "doc_buyer:gid": (("wctx", ("doc_buyer", "identifiers")), {}),
    "doc_buyer:uid": (("wctx", ("doc_buyer", "identifiers")), {}),
    "payee:id": (("wctx", ("doc_payee_ids",)), {}),
    "payee:gid": (("wctx", ("doc_payee_ids",)), {}),
    "payee:uid": (("wctx", ("doc_payee_ids",)), {}),
    "PAY": (("wctx", ("payment_entries",)), {}),
    "BG-20": (("wctx", ("doc_acs",)), {"ac": {"charge": False}}),
    "BG-21": (("wctx", ("doc_acs",)), {"ac": {"charge": True}}),
    "BG-23": (("wctx", ("totals", "vat_breakdown")), {}),
    "BG-25": (("wctx", ("line_items",)), {}),
    "BG-27": (("item", ("line_acs",)), {"ac": {"charge": False}}),
    "BG-28": (("item", ("line_acs",)), {"ac": {"charge": True}}),
}

NOT_READ: dict[str, str] = {
    # reportable term id: why the reader leaves it out (none yet: every reportable row is read)
}

_CHARGE_GROUPS = {"BG-20": False, "BG-21": True, "BG-27": False, "BG-28": True}
_TRUE = {"true", "1"}


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Finding:
    """A stated total that differs from the one computed from the lines."""

    rule: str
    bt: str
    stated: Decimal
    computed: Decimal | None
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


@dataclass(frozen=True, slots=True)
class ReadResult:
    """What :func:`read_document` found: the document, the stated totals (BT id -> Decimal; the
    BG-23 breakdown under ``"BG-23"`` as ``(category, rate, BT-116, BT-117)`` tuples), the
    differences with the computed totals, the syntax and the specification identifier BT-24."""

    document: Invoice | CreditNote
    findings: tuple[Finding, ...]
    stated_totals: dict[str, Any]
    syntax: str
    guideline: str | None


# ---------------------------------------------------------------------------- parsing


_ROOTS = {
    f"{{{NS['rsm']}}}CrossIndustryInvoice": "cii",
    f"{{{NS['ubl-inv']}}}Invoice": "ubl",
    f"{{{NS['ubl-cn']}}}CreditNote": "ubl-cn",
}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           dtd_validation=False, remove_comments=True, remove_pis=True)


def parse_xml(xml: bytes) -> Any:
    """The root element of untrusted XML bytes; ParseError for anything but a plain XML document."""
    if isinstance(xml, str):
        raise ParseError("expected XML bytes, got str (encode it first)")
    if not isinstance(xml, (bytes, bytearray, memoryview)):
        raise ParseError(f"expected XML bytes, got {type(xml).__name__}")
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
        raise ParseError(f"unknown root element {root.tag!r}: expected a CII CrossIndustryInvoice or a UBL 2.1 "
                         "Invoice or CreditNote")
    return syntax


# ---------------------------------------------------------------------------- the compiled plan


def _clark(part: str, syntax: str) -> str:
    tag = part.split("#", 1)[0]
    prefix, local = tag.split(":", 1) if ":" in tag else ("", tag)
    if not prefix:
        ns = NS["ubl-cn" if syntax == "ubl-cn" else "ubl-inv"]
    else:
        ns = NS[prefix]
    return f"{{{ns}}}{local}"


@dataclass(frozen=True, slots=True)
class _Rule:
    row: Any
    path: str
    target: Path
    decode: Callable[[str], Any] | None
    seed: Raw


@cache
def _plan(syntax: str) -> tuple[dict[str, list[_Rule]], dict[tuple[str, str, str], dict[str, Any]]]:
    """Rules by context, and the tests that tell keyed sibling instances (``a:B#k``) apart."""
    from .terms import TERMS

    by_ctx: dict[str, list[_Rule]] = {}
    keyed: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in TERMS:
        path = row.path_for(syntax)
        if path is None or row.kind == "GROUP" or row.kind == "ALWAYS":
            continue
        inline = getattr(row.get, "inline", None)
        if row.kind == "CONST":
            if inline and inline[0] == "const" and "#" in path:
                _key_test(keyed, row.ctx, path, inline[1])
            continue
        seed: Raw = {}
        decode = None
        if row.repeat and row.context_name in GROUPS:
            target, seed = GROUPS[row.context_name]
        elif inline is not None and inline[0] in ("item", "wctx"):
            target = (inline[0], tuple(inline[1]))
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


def _currency_of(elem: Any) -> str | None:
    cur = elem.get("currencyID")
    if cur is None:
        amount = elem.find(f"{{{NS['cbc']}}}TaxAmount")
        cur = amount.get("currencyID") if amount is not None else None
    return None if cur is None else str(cur)


# ---------------------------------------------------------------------------- the walk


class _Reader:
    def __init__(self, syntax: str) -> None:
        self.syntax = syntax
        self.by_ctx, self.keyed = _plan(syntax)
        self.wctx: Raw = {}
        self.currency: str | None = None

    # -- selection
    def _matches(self, elem: Any, test: Any) -> bool:
        sub, value = test
        found = self._value(elem, sub) if sub else (elem.text or "").strip()
        if value == "TAX":
            return found is not None and found != "VAT"
        return bool(found == value)

    def _children(self, elem: Any, ctx: str, prefix: str, part: str) -> list[Any]:
        tag = part.split("#", 1)[0]
        out = [c for c in elem if c.tag == _clark(part, self.syntax)]
        key = part.split("#", 1)[1] if "#" in part else None
        if key in ("doc", "acc"):
            if key == "doc":
                return [c for c in out if _currency_of(c) in (None, self.currency)][:1]
            return [c for c in out if _currency_of(c) not in (None, self.currency)][:1]
        tests = self.keyed.get((ctx, prefix, tag), {})
        if key is not None:
            return [c for c in out if self._matches(c, tests[key])] if key in tests else out
        if tests:  # an un-keyed instance: none of its keyed siblings
            out = [c for c in out if not any(self._matches(c, t) for t in tests.values())]
        return out

    def _elements(self, elem: Any, path: str, ctx: str = "") -> list[Any]:
        nodes = [elem]
        parts = path.split("/")
        for i, part in enumerate(parts):
            if part == ".":
                continue
            prefix = "/".join(parts[:i])
            nodes = [c for n in nodes for c in self._children(n, ctx, prefix, part)]
            if not nodes:
                break
        return nodes

    def _value(self, elem: Any, path: str, ctx: str = "") -> str | None:
        parts = path.split("/")
        attr = parts.pop()[1:] if parts[-1].startswith("@") else None
        nodes = self._elements(elem, "/".join(parts), ctx) if parts else [elem]
        if not nodes:
            return None
        node = nodes[0]
        text = node.get(attr) if attr is not None else node.text
        if text is None:
            return None
        text = text.strip()
        return text or None

    # -- decoding
    def _decode(self, rule: _Rule, text: str) -> Any:
        kind = rule.row.kind
        if rule.decode is not None:
            return rule.decode(text)
        if kind == "DATE":
            return _date(text, rule.row.id)
        if kind in ("AMOUNT", "AMOUNT_TAX", "NUMBER", "PRICE"):
            return _number(text, rule.row.id)
        if kind == "BINARY":
            try:
                base64.b64decode("".join(text.split()), validate=True)
            except (binascii.Error, ValueError):
                raise ParseError("attached document is not valid base64", bt=rule.row.id) from None
            return "".join(text.split())
        return text

    # -- reading a context
    def read(self, ctx: str, elem: Any, item: Raw) -> None:
        for rule in self.by_ctx.get(ctx, ()):
            row = rule.row
            if row.repeat:
                for child in self._elements(elem, rule.path, ctx):
                    if not self._in_group(row.context_name, child):
                        continue
                    sub = _deep_copy(rule.seed)
                    self.read(row.context_name, child, sub)
                    _append(self._base(rule.target[0], item), rule.target[1], sub)
                continue
            text = self._value(elem, rule.path, ctx)
            if text is None:
                continue
            if row.id == "BT-5":
                self.currency = text
            value = self._decode(rule, text)
            if row.kind == "NOTE" and self.syntax != "cii":
                m = re.fullmatch(r"#([A-Za-z0-9]{1,10})#(.*)", value, re.DOTALL)
                if m:
                    _put(item, ("subject_code",), m.group(1))
                    value = m.group(2)
            _put(self._base(rule.target[0], item), rule.target[1], value)

    def _base(self, source: str, item: Raw) -> Raw:
        return self.wctx if source == "wctx" else item

    def _in_group(self, ctx: str, elem: Any) -> bool:
        """Allowances and charges share one element; BG-24 is the AdditionalReferencedDocument of type 916."""
        if ctx in _CHARGE_GROUPS:
            ind = elem.find(f"{{{NS['ram']}}}ChargeIndicator/{{{NS['udt']}}}Indicator") if self.syntax == "cii" \
                else elem.find(f"{{{NS['cbc']}}}ChargeIndicator")
            text = (ind.text or "").strip().lower() if ind is not None else ""
            return bool((text in _TRUE) is _CHARGE_GROUPS[ctx])
        if ctx == "BG-24" and self.syntax == "cii":
            return self._value(elem, "ram:TypeCode") == "916"
        return True


def _deep_copy(d: Raw) -> Raw:
    return {k: _deep_copy(v) if isinstance(v, dict) else v for k, v in d.items()}


def _put(base: Raw, path: tuple[str, ...], value: Any) -> None:
    if path[-2:] == ("category", "value"):  # a VatCategory enum: the model takes its code
        path = path[:-1]
    for p in path[:-1]:
        base = base.setdefault(p, {})
    base.setdefault(path[-1], value)  # the first occurrence wins


def _append(base: Raw, path: tuple[str, ...], value: Raw) -> None:
    for p in path[:-1]:
        base = base.setdefault(p, {})
    base.setdefault(path[-1], []).append(value)


def _date(text: str, term: str) -> str:
    try:
        if re.fullmatch(r"[0-9]{8}", text):
            return _dt.date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
        return _dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise ParseError(f"not a date: {text!r}", bt=term) from None


def _number(text: str, term: str) -> str:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ParseError(f"not a number: {text!r}", bt=term) from None
    if not value.is_finite():
        raise ParseError(f"not a finite number: {text!r}", bt=term)
    return format(value, "f")


# ---------------------------------------------------------------------------- raw -> JSON format


def _merge(into: Raw, other: Raw) -> Raw:
    for k, v in other.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        else:
            into.setdefault(k, v)
    return into


def _ac(item: Raw, doc_level: bool) -> Raw:
    out = dict(item.get("ac", {}))
    if "amount" in item:
        out["amount"] = item["amount"]
    if "base" in item:
        out["base_amount"] = item["base"]
    if doc_level and "vat" in item:
        out["vat"] = item["vat"]
    return out


def _guideline_default(syntax: str, guideline: str | None) -> bool:
    from .ubl import UBL_GUIDELINE

    if guideline is None:
        return True
    if syntax == "cii":
        return any(guideline == p.guideline for p in Profile)
    return guideline == UBL_GUIDELINE


def _assemble(w: Raw, syntax: str) -> tuple[Raw, dict[str, Any]]:
    """The JSON-format dict of the document, and the stated totals."""
    data: Raw = dict(w.get("doc", {}))
    for src, dst in (("doc_seller", "seller"), ("doc_buyer", "buyer"), ("doc_taxrep", "tax_representative"),
                     ("delivery", "delivery")):
        if src in w:
            data[dst] = _merge(data.get(dst, {}), w[src])
    if "delivery_address" in w:
        data.setdefault("delivery", {})["address"] = w["delivery_address"]
    if w.get("doc_payee_ids"):
        data.setdefault("payee", {})["identifier"] = w["doc_payee_ids"][0]
    guideline = w.get("guideline")
    if not _guideline_default(syntax, guideline):
        data["specification_id"] = guideline
    if syntax != "cii" and data.get("purchase_order") == "NA" and data.get("sales_order"):
        del data["purchase_order"]  # the placeholder UBL needs for a sales order alone
    if w.get("notes"):
        data["notes"] = w["notes"]
    # payment instructions: the first entry's means, every entry's account
    entries = w.get("payment_entries", [])
    if entries:
        pay = _merge(dict(entries[0].get("means", {})), data.get("payment", {}))
        accounts = [e["account"] for e in entries if e.get("account")]
        if accounts:
            pay["credit_transfers"] = accounts
        for e in entries:
            if e.get("card"):
                pay.setdefault("card", e["card"])
            if e.get("debit"):
                pay["direct_debit"] = _merge(pay.get("direct_debit", {}), e["debit"])
        data["payment"] = pay
    # VAT exemption reasons are stated per category in BG-23 only
    totals = w.get("totals", {})
    reasons: dict[Any, Raw] = {}
    for b in totals.get("vat_breakdown", []):
        r = {k: b[k] for k in ("exemption_reason", "exemption_code") if k in b}
        reasons.setdefault(b.get("category"), r)

    def vat(v: Raw | None) -> Raw | None:
        if v is None:
            return None
        return {**v, **{k: x for k, x in reasons.get(v.get("category"), {}).items() if k not in v}}

    acs = [_ac(i, True) for i in w.get("doc_acs", [])]
    for a in acs:
        if "vat" in a:
            a["vat"] = vat(a["vat"])
    if acs:
        data["allowances_charges"] = acs
    lines = []
    stated_lines = []
    for item in w.get("line_items", []):
        line = dict(item.get("line", {}))
        amounts = item.get("amounts", {})
        for k in ("net_price", "gross_price", "price_discount"):
            if k in amounts:
                line[k] = amounts[k]
        if "vat" in line:
            line["vat"] = vat(line["vat"])
        if item.get("line_acs"):
            line["allowances_charges"] = [_ac(i, False) for i in item["line_acs"]]
        unit = item.get("base_quantity_unit")
        if unit is not None and line.get("unit") is not None and unit != line["unit"]:
            raise ParseError(f"line {line.get('id')!r}: price base quantity unit {unit!r} differs from the "
                             f"invoiced quantity unit {line['unit']!r}; the model has one unit per line",
                             bt="BT-150")
        lines.append(line)
        stated_lines.append(amounts.get("net_amount"))
    if lines:
        data["lines"] = lines
    if "paid" in totals:
        data["paid_amount"] = totals["paid"]
    if "rounding" in totals:
        data["rounding_amount"] = totals["rounding"]
    return data, {"totals": totals, "lines": stated_lines}


# ---------------------------------------------------------------------------- totals checks

_TOTAL_RULES = (  # stated total, Totals attribute, BT, rule
    ("line_total", "BT-106", "BR-CO-10"), ("allowance_total", "BT-107", "BR-CO-11"),
    ("charge_total", "BT-108", "BR-CO-12"), ("tax_exclusive", "BT-109", "BR-CO-13"),
    ("tax_total", "BT-110", "BR-CO-14"), ("grand_total", "BT-112", "BR-CO-15"), ("due", "BT-115", "BR-CO-16"),
)


def _check(doc: Any, stated: dict[str, Any]) -> tuple[tuple[Finding, ...], dict[str, Any]]:
    totals, computed = stated["totals"], doc.totals
    out: list[Finding] = []
    flat: dict[str, Any] = {}
    for name, bt, rule in _TOTAL_RULES:
        if name in totals:
            value = Decimal(totals[name])
            flat[bt] = value
            mine = getattr(computed, name)
            if value != mine:
                out.append(Finding(rule, bt, value, mine, f"stated {bt} {value} differs from the {mine} computed "
                                                          "from the lines"))
    for name, bt in (("paid", "BT-113"), ("rounding", "BT-114")):
        if name in totals:
            flat[bt] = Decimal(totals[name])
    by_key = {(b.category.value, None if b.rate is None else b.rate.normalize() + 0): b
              for b in computed.vat_breakdown}
    breakdown = []
    for b in totals.get("vat_breakdown", []):
        rate = Decimal(b["rate"]) if "rate" in b else None
        key = (b.get("category"), None if rate is None else rate.normalize() + 0)
        basis = Decimal(b["taxable_amount"]) if "taxable_amount" in b else None
        tax = Decimal(b["tax_amount"]) if "tax_amount" in b else None
        breakdown.append((key[0], rate, basis, tax))
        mine = by_key.pop(key, None)
        if basis is not None and (mine is None or mine.taxable_amount != basis):
            out.append(Finding("BR-CO-17", "BT-116", basis,
                               None if mine is None else mine.taxable_amount,
                               f"stated VAT breakdown {key[0]} {rate}: taxable amount {basis} differs from the "
                               f"computed {None if mine is None else mine.taxable_amount}"))
        if tax is not None and mine is not None and mine.tax_amount != tax:
            out.append(Finding("BR-CO-17", "BT-117", tax, mine.tax_amount,
                               f"stated VAT breakdown {key[0]} {rate}: tax amount {tax} differs from the computed "
                               f"{mine.tax_amount}"))
    for key, mine in by_key.items():
        out.append(Finding("BR-CO-18", "BG-23", Decimal(0), mine.taxable_amount,
                           f"no stated VAT breakdown for category {key[0]} rate {key[1]}, computed taxable amount "
                           f"{mine.taxable_amount}"))
    if breakdown:
        flat["BG-23"] = tuple(breakdown)
    for i, (net, mine_line) in enumerate(zip(stated["lines"], computed.lines)):
        if net is not None and Decimal(net) != mine_line.net_amount:
            out.append(Finding("BR-CO-10", "BT-131", Decimal(net), mine_line.net_amount,
                               f"line {doc.lines[i].id!r}: stated net amount {net} differs from the computed "
                               f"{mine_line.net_amount}"))
    return tuple(out), flat


# ---------------------------------------------------------------------------- entry points


def read_document(xml: bytes) -> ReadResult:
    """Read a CII or UBL invoice or credit note into the model; compare the stated totals."""
    from .fr import legal_notes
    from .jsonio import load_document

    root = parse_xml(xml)
    syntax = detect_syntax(root)
    reader = _Reader(syntax)
    reader.read("DOC", root, reader.wctx)
    data, stated = _assemble(reader.wctx, syntax)
    doc = load_document(data)
    if legal_notes(doc) != doc.notes:
        # the XML says which notes there are: never let a re-write add the French mentions
        doc = replace(doc, late_payment_mentions=False)
    findings, flat = _check(doc, stated)
    return ReadResult(doc, findings, flat, syntax, reader.wctx.get("guideline"))


def from_xml(xml: bytes) -> Invoice | CreditNote:
    """An invoice or credit note from CII or UBL XML bytes (the syntax is told by the root)."""
    return read_document(xml).document


def read_syntax(xml: bytes, expected: tuple[str, ...]) -> Invoice | CreditNote:
    root_syntax = detect_syntax(parse_xml(xml))
    if root_syntax not in expected:
        raise ParseError(f"expected {' or '.join(expected)} XML, got {root_syntax}")
    return read_document(xml).document
