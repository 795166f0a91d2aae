"""Where each value of a document goes in its view: :func:`sections` places every value the reader found
(:func:`~facturx_engine.syntax.read.placed_values`) in the section a person expects -- the document
itself, notes, references, seller, buyer, the French EXTENDED-CTC-FR parties (agents, invoicer, invoicee), payee,
payer, tax representative, delivery, payment, allowances and charges, VAT breakdown, totals as stated, supporting
documents, invoice lines -- and whatever no section takes in a last "other terms" section, so that nothing read is
ever left out.

A repeating group's items are told apart by the reader (``PlacedValue.group`` / ``item``): which BT-26
goes with which BT-25, which account BT-84 with which payment instruction BT-81.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from decimal import Decimal

from facturx_engine.apps.view.model import Column, Field, Section, Table
from facturx_engine.apps.view.values import Shown
from facturx_engine.i18n import label
from facturx_engine.syntax.read import PlacedValue

__all__ = ["Pool", "sections"]


def _bt(*numbers: object) -> tuple[str, ...]:
    return tuple(n if isinstance(n, str) else f"BT-{n}" for n in numbers)


_HEADER = _bt(3, 1, 2, 9, 7, 8, 5, 6, 23, 24)
_REFERENCES = _bt(10, 11, 12, 13, 14, 15, 16, 17, 18, "BT-18-1", 19)
_PRECEDING = _bt(25, 26, "EXT-FR-FE-02")
_NOTES = _bt(21, 22)
_PARTIES: tuple[tuple[str, str, tuple[str, ...], tuple[tuple[str, str, tuple[str, ...]], ...]], ...] = (
    ("seller", "BG-4", _bt(27, 28, 29, "BT-29-1", 30, "BT-30-1", 31, 32, 33, 34, "BT-34-1"),
     (("seller_address", "BG-5", _bt(35, 36, 162, 37, 38, 39, 40)), ("seller_contact", "BG-6", _bt(41, 42, 43)))),
    ("buyer", "BG-7", _bt(44, 45, 46, "BT-46-1", 47, "BT-47-1", 48, 49, "BT-49-1"),
     (("buyer_address", "BG-8", _bt(50, 51, 163, 52, 53, 54, 55)), ("buyer_contact", "BG-9", _bt(56, 57, 58)))),
    *((key, f"EXT-FR-FE-BG-{group:02}", tuple(f"EXT-FR-FE-{n}" for n in terms), ())  # French EXTENDED-CTC-FR
      for key, group, terms in (("seller_agent", 3, ("66", "69", "70", "75", "75-1")),
                                ("invoicer", 5, ("112", "115", "116", "121", "121-1")),
                                ("buyer_agent", 1, ("03", "06", "07", "12", "12-1")),
                                ("invoicee", 4, ("89", "92", "92-1", "98", "98-1")))),
    ("payee", "BG-10", _bt(59, 60, "BT-60-1", 61, "BT-61-1"), ()),
    ("payer", "EXT-FR-FE-BG-02", tuple(f"EXT-FR-FE-{n}" for n in ("43", "46", "47", "52", "52-1")), ()),
    ("taxrep", "BG-11", _bt(62, 63), (("taxrep_address", "BG-12", _bt(64, 65, 164, 66, 67, 68, 69)),)),
    ("delivery", "BG-13", _bt(70, 71, "BT-71-1", 72),
     (("period", "BG-14", _bt(73, 74)), ("delivery_address", "BG-15", _bt(75, 76, 165, 77, 78, 79, 80)))),
)
_PAYMENT_DOC = _bt(20, 83, 89, 90)
_INSTRUCTION = _bt(81, 82, 9, 83, 84, 85, 86, 87, 88, 89, 91)
_ALLOWANCES = _bt(92, 93, 94, 95, 96, 97, 98)
_CHARGES = _bt(99, 100, 101, 102, 103, 104, 105)
_VAT = _bt(118, 119, 116, 117, 121, 120)
_TOTALS = _bt(106, 107, 108, 109, 110, 111, 112, 113, 114, 115)
_SUPPORTING = _bt(122, 123, 124, "BT-125-2", "BT-125-1")
_LINE_COLUMNS = _bt(126, 153, 129, 130, 146, 151, 152, 131)
_LINE_DETAILS = _bt(127, 128, "BT-128-1", 132, 133, 134, 135, 154, 155, 156, 157, "BT-157-1", 148, 147, 149, 150,
                    159, 158, "BT-158-1", "BT-158-2", 160, 161, "EXT-FR-FE-159", 136, 137, 138, 139, 140, 141, 142,
                    143, 144, 145, *(f"EXT-FR-FE-{n}" for n in (
                        "163", "162", "136", "137", "138", "158", "164", "167", "167-1", "177", "181", "182", "184")))
_NUMERIC = frozenset(_bt(92, 93, 94, 96, 99, 100, 101, 103, 119, 116, 117, 129, 146, 152, 131))
_LINE_GROUPS = ("BG-27", "BG-28", "BT-158", "BG-32")  # nested in a line: each item numbered in the line's details


def _title(key: str, lang: str) -> str:
    return label(f"view.section.{key}", lang)


class Pool:
    """The values not placed yet, in reading order, kept per invoice line (None: the document's own);
    :meth:`take` places them."""

    def __init__(self, values: Iterable[PlacedValue]) -> None:
        self.by_line: dict[int | None, list[PlacedValue]] = {}
        for v in values:
            self.by_line.setdefault(v.line, []).append(v)

    @property
    def values(self) -> list[PlacedValue]:
        """Every value not placed yet."""
        return [v for bucket in self.by_line.values() for v in bucket]

    def take(self, terms: Iterable[str], *, groups: Sequence[str] | None = None, line: int | None = None,
             item: int | None = None) -> list[PlacedValue]:
        """The values of ``terms`` (of a group in ``groups``, of invoice line ``line``, of group item
        ``item``), removed from the pool and sorted in ``terms`` order, a group item's values together."""
        rank = {t: i for i, t in enumerate(terms)}
        taken, kept = [], []
        for v in self.by_line.get(line, ()):
            if v.term in rank and (groups is None or v.group in groups) and (item is None or v.item == item):
                taken.append(v)
            else:
                kept.append(v)
        self.by_line[line] = kept
        return _ordered(taken, rank)

    def items(self, group: str, line: int | None = None) -> list[int]:
        """The items of ``group`` (of invoice line ``line``) still in the pool, in reading order."""
        return list(dict.fromkeys(v.item for v in self.by_line.get(line, ()) if v.group == group))


def _ordered(values: list[PlacedValue], rank: dict[str, int]) -> list[PlacedValue]:
    """Sorted by term rank; the values of one group item stay together, at the rank of its first term."""
    anchor: dict[tuple[str, int], int] = {}
    for v in values:
        if v.group != "DOC":
            place = (v.group, v.item)
            anchor[place] = min(anchor.get(place, rank[v.term]), rank[v.term])

    def order(v: PlacedValue) -> tuple[int, int, int]:
        if v.group == "DOC":
            return rank[v.term], 0, 0
        return anchor[(v.group, v.item)], v.item, rank[v.term]

    return sorted(values, key=order)


def sections(values: list[PlacedValue], shown: Shown) -> tuple[Section, ...]:
    """The sections of the view of a document whose values are ``values`` (empty sections left out)."""
    pool = Pool(list(values))
    lang = shown.lang
    header = pool.take(_HEADER, groups=("DOC", "BG-23"))  # CII states BT-7 and BT-8 in the VAT breakdown
    parts: list[Section | None] = [_fields_section("document", "", header, shown), _notes(pool, shown),
                                   _references(pool, shown)]
    for key, group, terms, subs in _PARTIES:
        fields = tuple(shown.field(v) for v in pool.take(terms))
        nested = tuple(_fields_section(k, g, pool.take(t), shown) for k, g, t in subs)
        parts.append(Section(key, _title(key, lang), group, fields, (), tuple(s for s in nested if _shows(s))))
    parts += [_payment(pool, shown), _allowances(pool, shown),
              _tables_section("vat", "BG-23", (_table(pool, "BG-23", _VAT, shown, "vat"),), shown),
              _fields_section("totals", "BG-22", pool.take(_TOTALS), shown),
              _tables_section("attachments", "BG-24", (_supporting(pool, shown),), shown),
              _lines(pool, shown),
              _fields_section("other", "", _ordered(pool.values, _first_seen(pool.values)), shown)]
    return tuple(p for p in parts if p is not None and _shows(p))


def _shows(section: Section) -> bool:
    return bool(section.fields or section.tables or section.sections)


def _first_seen(values: list[PlacedValue]) -> dict[str, int]:
    return {t: i for i, t in enumerate(dict.fromkeys(v.term for v in values))}


def _fields_section(key: str, group: str, values: list[PlacedValue], shown: Shown) -> Section:
    return Section(key, _title(key, shown.lang), group, tuple(shown.field(v) for v in values))


def _tables_section(key: str, group: str, tables: Iterable[Table | None], shown: Shown) -> Section:
    return Section(key, _title(key, shown.lang), group, (), tuple(t for t in tables if t is not None))


def _notes(pool: Pool, shown: Shown) -> Section:
    return _tables_section("notes", "BG-1", (_table(pool, "BG-1", _NOTES, shown, "notes"),), shown)


def _references(pool: Pool, shown: Shown) -> Section:
    fields = tuple(shown.field(v) for v in pool.take(_REFERENCES))
    table = _table(pool, "BG-3", _PRECEDING, shown, "preceding")
    return Section("references", _title("references", shown.lang), "", fields, (table,) if table else ())


def _table(pool: Pool, group: str, terms: tuple[str, ...], shown: Shown, key: str,
           extra: tuple[tuple[Column, dict[int, str]], ...] = ()) -> Table | None:
    """One row per item of ``group``, one column per term of ``terms`` that some item states (several
    values of one term in one item: joined by ``; ``); ``extra`` columns give a text per item."""
    items = pool.items(group)
    if not items:
        return None
    by_item: dict[int, dict[str, list[str]]] = {item: {} for item in items}
    for v in pool.take(terms, groups=(group,)):
        by_item[v.item].setdefault(v.term, []).append(shown.text(v.term, v.value))
    rows = list(by_item.values())
    used = [t for t in terms if any(t in row for row in rows)]
    columns = tuple(Column(t, shown.label(t), t in _NUMERIC) for t in used) + tuple(c for c, _ in extra)
    cells = tuple(tuple("; ".join(row.get(t, ())) for t in used) + tuple(texts.get(i, "") for _, texts in extra)
                  for i, row in zip(items, rows))
    return Table(_title(key, shown.lang), group, columns, cells)


def _payment(pool: Pool, shown: Shown) -> Section:
    fields = tuple(shown.field(v) for v in pool.take(_PAYMENT_DOC, groups=("DOC",)))
    instructions = []
    for n, item in enumerate(pool.items("PAY"), 1):
        values = pool.take(_INSTRUCTION, groups=("PAY",), item=item)
        title = f"{_title('instruction', shown.lang)} {n}"
        instructions.append(Section(f"instruction-{n}", title, "BG-16", tuple(shown.field(v) for v in values)))
    return Section("payment", _title("payment", shown.lang), "BG-16", fields, (), tuple(instructions))


def _allowances(pool: Pool, shown: Shown) -> Section:
    tables = (_table(pool, "BG-20", _ALLOWANCES, shown, "allowance_table"),
              _table(pool, "BG-21", _CHARGES, shown, "charge_table"))
    return _tables_section("allowances", "", tables, shown)


def _supporting(pool: Pool, shown: Shown) -> Table | None:
    """The supporting documents BG-24, with the size of each attached document (BT-125 itself, its
    content, is offered as a download: :func:`facturx_engine.apps.view.build.attachments_of`)."""
    sizes: dict[int, str] = {}
    for v in pool.take(("BT-125",), groups=("BG-24",)):
        sizes[v.item] = label("view.bytes", shown.lang).format(n=shown.fmt.num(Decimal(_decoded_size(v.value))))
    return _table(pool, "BG-24", _SUPPORTING, shown, "supporting",
                  ((Column("", label("view.col.size", shown.lang), True), sizes),))


def _decoded_size(text: str) -> int:
    """The size of the bytes of a base64 text (the reader checked it is base64, white space removed)."""
    return len(base64.b64decode(text))


def _lines(pool: Pool, shown: Shown) -> Section | None:
    """The invoice lines BG-25: a table of the main columns, every other value of a line in its details."""
    lines = sorted(line for line in pool.by_line if line is not None)
    if not lines:
        return None
    rows, details = [], []
    for line in lines:
        main: dict[str, list[str]] = {}
        for v in pool.take(_LINE_COLUMNS, groups=("BG-25",), line=line):
            main.setdefault(v.term, []).append(shown.text(v.term, v.value))
        rows.append(main)
        details.append(_line_details(pool, line, shown))
    used = [t for t in _LINE_COLUMNS if any(t in row for row in rows)]
    table = Table(_title("lines", shown.lang), "BG-25", tuple(Column(t, shown.label(t), t in _NUMERIC) for t in used),
                  tuple(tuple("; ".join(row.get(t, ())) for t in used) for row in rows), tuple(details))
    return Section("lines", _title("lines", shown.lang), "BG-25", (), (table,))


def _line_details(pool: Pool, line: int, shown: Shown) -> tuple[Field, ...]:
    """Every value of invoice line ``line`` not in a column: its own first, then each nested item
    (allowance, charge, classification, attribute) with its group's label and number."""
    fields = [shown.field(v) for v in pool.take(_LINE_DETAILS, groups=("BG-25",), line=line)]
    for group in _LINE_GROUPS:
        items = pool.items(group, line)
        for n, item in enumerate(items, 1):
            prefix = shown.label(group) + (f" {n}" if len(items) > 1 else "") + " · "
            fields += [shown.field(v, prefix) for v in pool.take(_LINE_DETAILS, groups=(group,), line=line, item=item)]
    rest = pool.by_line.get(line, [])  # a line value no list above names: still shown
    fields += [shown.field(v) for v in pool.take(_first_seen(rest), line=line)]
    return tuple(fields)
