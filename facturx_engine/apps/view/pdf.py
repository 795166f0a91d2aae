"""The view drawn as an A4 PDF (:func:`to_pdf`), with the renderer of the invoice's own page
(:mod:`facturx_engine.pdf.render`): the same content as the HTML, in the same order.

First the title block (the view's title, the file, the syntax, the specification), then, for a
validated document, its verdict, the rule sets applied and the findings (severity, rule, business
terms, line, message); then every section (its fields as label/value rows, its tables with the
column headers repeated on each page and each row's details under it, its nested sections), then
the attachments (name, type, size, description). The findings are shown whenever there are any
(a view not validated may still have the findings of reading). Nothing is shortened: long values wrap, multi-line
values keep their line breaks, a row taller than a page continues on the next. Every page has the
view's title and source in its footer and ``page X / Y``.

This module imports reportlab: it is imported only when a PDF is drawn.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from decimal import Decimal

from reportlab.lib.units import mm  # type: ignore[import-untyped]

from facturx_engine.apps.display import printable
from facturx_engine.apps.view.model import Attachment, Column, Field, Section, Table, View
from facturx_engine.findings import Finding
from facturx_engine.i18n import Fmt, label
from facturx_engine.pdf.render.flow import (
    BASE,
    BLACK,
    GREY,
    LABEL_GREY,
    MARGIN_X,
    PAGE_H,
    PAGE_W,
    RULE,
    SMALL,
    WIDTH,
    WHITE,
    Flow,
    rgb,
    tint,
)
from facturx_engine.pdf.render.fonts import FONT, FONT_BOLD, clean, fonts
from facturx_engine.pdf.render.text import Ops, Pen, Row, Run, Source, Style
from facturx_engine.pdf.render.writer import Writer

__all__ = ["not_drawn", "to_pdf"]

PRIMARY = "#1F3A5F"
VALID, INVALID = "#1E6B34", "#A4161A"
PAD = 4.0
INDENT = 4 * mm  # of a nested section
TITLE = Style(FONT_BOLD, 16, 20, rgb(PRIMARY))
HEADS = (Style(FONT_BOLD, 11, 14, rgb(PRIMARY)), Style(FONT_BOLD, 9.5, 12.5, rgb(PRIMARY)),
         Style(FONT_BOLD, 8.5, 11, BLACK))
CAPTION = Style(FONT_BOLD, 8.5, 11, rgb(PRIMARY))
LABEL = Style(FONT, 8.5, 11, LABEL_GREY)
HEADER = Style(FONT_BOLD, 8, 10, WHITE)
DETAIL = Style(FONT, 7.5, 9.5, BLACK)
ZEBRA = tint(PRIMARY, 0.06)
NUMERIC_CAP = 45 * mm  # widest a column of amounts gets before it wraps
WORD_CAP = 45 * mm  # widest the longest word makes a column of text


def to_pdf(view: View) -> bytes:
    """The A4 PDF of ``view`` (bytes; the same view gives the same bytes)."""
    writer = Writer(view.lang)
    page = _ViewPage(view, writer.pen)
    pages = page.build()
    return writer.write(pages, page.decor, title=page.title_text(), subject=view.source or view.title)


_SPACES = "\n\t\u2009\u202f\u2007"  # drawn as a space or a no-break space: nothing lost


def _drawn(text: str) -> str:
    """A text as the page draws it: what could reorder or hide what is shown (a bidirectional override, a control
    or format character) written as a visible escape, as in the HTML view, then what the fonts lack replaced
    (:func:`~facturx_engine.pdf.render.fonts.clean` alone drops such characters without a trace)."""
    return clean(printable(text, keep_newlines=True))


def _strings(view: View) -> Iterator[str]:
    """Every string the view says (what the page draws)."""
    yield from (view.title, view.source, view.syntax, view.specification, *view.rule_sets)
    for finding in view.findings:
        yield from (finding.rule, finding.location, finding.message, *finding.bt_ids)
    sections = list(view.sections)
    while sections:
        s = sections.pop()
        sections += s.sections
        yield s.title
        for f in s.fields:
            yield from (f.label, f.value)
        for t in s.tables:
            yield t.caption
            yield from (c.label for c in t.columns)
            for row in t.rows:
                yield from row
            for details in t.details:
                for f in details:
                    yield from (f.label, f.value)
    for a in view.attachments:
        yield from (a.name, a.mime, a.description)


def not_drawn(view: View) -> list[str]:
    """The characters of ``view`` the PDF's fonts cannot draw (shown as their base letter or '?'), in order."""
    covered = fonts()[0]
    lacking: dict[str, None] = {}
    for text in _strings(view):
        if not covered.issuperset(map(ord, text)):
            lacking.update((ch, None) for ch in text if ord(ch) not in covered and ch not in _SPACES
                           and not unicodedata.category(ch).startswith("C"))
    return list(lacking)


class _ViewPage(Flow):
    """The view laid out on pages: the blocks in order, the page furniture."""

    def __init__(self, view: View, pen: Pen) -> None:
        super().__init__(pen)
        self.view = view
        self.footer = self.para(self.title_text(), WIDTH - 30 * mm, SMALL)
        self.frame_top = PAGE_H - 16 * mm
        self.frame_bottom = 8 * mm + self.footer.height + 6 * mm
        self.y = self.frame_top

    def word(self, key: str) -> str:
        return _drawn(label(f"viewpdf.{key}", self.view.lang))

    def title_text(self) -> str:
        v = self.view
        return _drawn(f"{v.title} – {v.source}" if v.source else v.title)

    def with_id(self, text: str, term: str, font: str, colour: str) -> list[Run]:
        """A label and, when the view shows ids, the id of its business term or group after it."""
        runs: list[Run] = [(_drawn(text), font, colour)]
        if self.view.show_ids and term:
            runs.append((f" ({_drawn(term)})", FONT, GREY if colour != WHITE else WHITE))
        return runs

    # -- the blocks
    def build(self) -> list[Ops]:
        self.new_page()
        self.title_block()
        if self.view.valid is not None or not self.view.checked or self.view.findings or self.view.rule_sets:
            self.validation()
        for s in self.view.sections:
            self.section(s, 0, MARGIN_X, WIDTH)
        if self.view.attachments:
            self.attachments(self.view.attachments)
        return list(self.pages)

    def title_block(self) -> None:
        v = self.view
        self.flow_para(self.para(_drawn(v.title), WIDTH, TITLE, after=4))
        lacking = not_drawn(v)
        if lacking:  # never a silent replacement: the page says which characters it could not draw
            shown = " ".join(f"U+{ord(ch):04X}" for ch in lacking[:8]) + (" …" if len(lacking) > 8 else "")
            notice = _drawn(label("viewpdf.not_drawn", v.lang).replace("{0}", shown))
            self.flow_para(self.para([[(notice, FONT_BOLD, rgb(INVALID))]], WIDTH, BASE, after=4))
        facts = [Field("", self.word("source"), v.source), Field("", self.word("syntax"), v.syntax),
                 Field("BT-24", self.word("specification"), v.specification)]
        self.fields([f for f in facts if f.value], MARGIN_X, WIDTH)

    def validation(self) -> None:
        v = self.view
        self.space(5 * mm)
        self.heading(self.word("validation"), "", 0, MARGIN_X, WIDTH)
        if v.valid is not None or not v.checked:
            colour = VALID if v.valid else INVALID
            verdict = self.word("not_checked" if not v.checked else "valid" if v.valid else "invalid")
            bar = self.row([WIDTH], [[self.para([[(verdict, FONT_BOLD, WHITE)]], WIDTH - 2 * PAD,
                                                  Style(FONT_BOLD, 10, 13, WHITE))]], background=rgb(colour))
            self.flow_rows([bar], MARGIN_X, WIDTH, None)
        if v.rule_sets:
            self.fields([Field("", self.word("rule_sets"), "\n".join(v.rule_sets))], MARGIN_X, WIDTH)
        self.space(2 * mm)
        if v.findings:
            self.table(self.findings_table(v.findings), MARGIN_X, WIDTH)
        else:
            self.flow_para(self.para(self.word("no_findings"), WIDTH, BASE))

    def findings_table(self, findings: Sequence[Finding]) -> Table:
        columns = (Column("", self.word("severity")), Column("", self.word("rule")), Column("", self.word("terms")),
                   Column("", self.word("line"), numeric=True), Column("", self.word("message")))
        rows = tuple((self.severity(f.severity), f.rule, ", ".join(f.bt_ids), "" if f.line is None else str(f.line),
                      f.message) for f in findings)
        return Table(f"{self.word('findings')} ({len(findings)})", "", columns, rows)

    def severity(self, severity: str) -> str:
        known = ("fatal", "error", "warning", "information")
        return self.word(severity) if severity in known else severity

    def section(self, s: Section, level: int, x: float, width: float) -> None:
        self.space(5 * mm if level == 0 else 3 * mm)
        self.heading(s.title, s.group, level, x, width)
        if s.fields:
            self.fields(s.fields, x, width)
        for t in s.tables:
            self.space(2 * mm)
            self.table(t, x, width)
        inner = INDENT if level < 3 else 0.0
        for sub in s.sections:
            self.section(sub, level + 1, x + inner, width - inner)

    def heading(self, title: str, group: str, level: int, x: float, width: float) -> None:
        style = HEADS[min(level, len(HEADS) - 1)]
        head = self.para([self.with_id(title, group, style.font, style.colour)], width, style, after=2)
        self.flow_para(head, x, width, keep=3 * BASE.leading)

    def fields(self, fields: Sequence[Field], x: float, width: float) -> None:
        """Label/value rows, the label column about a third of the width."""
        left = min(62 * mm, width * 0.36)
        rows = []
        for f in fields:
            name = self.para([self.with_id(f.label, f.term, FONT, LABEL_GREY)], left - 2 * PAD, LABEL)
            value = self.para(_drawn(f.value), width - left - 2 * PAD, BASE)
            rows.append(self.row((left, width - left), [[name], [value]], top=2, bottom=2, below=(0.3, RULE)))
        self.flow_rows(rows, x, width, None)

    # -- tables
    def table(self, t: Table, x: float, width: float) -> None:
        if t.caption or (t.group and self.view.show_ids):  # an uncaptioned table still names its group
            self.flow_para(self.para([self.with_id(t.caption, t.group, FONT_BOLD, CAPTION.colour)], width, CAPTION,
                                     after=2), x, width, keep=30)
        columns = t.columns or ((Column("", ""),) if any(t.rows) else ())  # cells without columns: one column
        n = len(columns)
        widths = self.column_widths(columns, [_cells(r, n) for r in t.rows], width) if n else []
        header = self.header_row(columns, widths) if n else None
        rows: list[Row] = []
        keep: set[int] = set()
        for i, cells in enumerate(t.rows):
            shade = ZEBRA if i % 2 else None
            details = t.details[i] if i < len(t.details) else ()
            if n:
                paras = [[self.para(_drawn(text), w - 2 * PAD, BASE, "R" if c.numeric else "L")]
                         for text, w, c in zip(_cells(cells, n), widths, columns)]
                rows.append(self.row(widths, paras, background=shade,
                                     below=None if details else (0.3, RULE)))
            if details:
                if n:
                    keep.add(len(rows) - 1)  # the item's row starts a page with its details
                rows.append(self.details_row(details, width, shade))
        if rows:
            self.flow_rows(rows, x, width, header, frozenset(keep))
        elif header is not None:  # no rows: the headers still say what the table would hold
            self.flow_rows([header], x, width, None)

    def header_row(self, columns: Sequence[Column], widths: Sequence[float]) -> Row:
        cells = []
        for c, w in zip(columns, widths):
            source: Source = [[(_drawn(c.label), FONT_BOLD, WHITE)]]
            if self.view.show_ids and c.term:
                source.append([(_drawn(c.term), FONT, WHITE)])
            cells.append([self.para(source, w - 2 * PAD, HEADER, "R" if c.numeric else "L")])
        return self.row(widths, cells, background=rgb(PRIMARY))

    def details_row(self, details: Sequence[Field], width: float, shade: str | None) -> Row:
        """The fields of an item that no column shows, one per line under its row."""
        source: Source = []
        for f in details:
            runs = self.with_id(f.label, f.term, FONT, LABEL_GREY)
            runs[-1] = (runs[-1][0] + ": ", runs[-1][1], runs[-1][2])
            source.append([*runs, (_drawn(f.value), FONT, BLACK)])
        indent = 6 * mm
        return self.row((indent, width - indent), [None, [self.para(source, width - indent - 2 * PAD, DETAIL)]],
                        top=0, bottom=3, background=shade, below=(0.3, RULE))

    def column_widths(self, columns: Sequence[Column], rows: Sequence[Sequence[str]], width: float) -> list[float]:
        """Each column as wide as its widest line when they all fit; else the widest are narrowed
        (text wraps) but no narrower than their longest word; the spare width goes to the text columns."""
        cell, head = self.measure(BASE.size), self.measure(HEADER.size)
        natural, least = [], []
        for j, c in enumerate(columns):
            texts = [_drawn(r[j]) for r in rows]
            lines = [line for text in texts for line in text.split("\n")]
            words = [word for line in lines for word in line.split()]
            name = _drawn(c.label)
            term = _drawn(c.term) if self.view.show_ids else ""
            longest = max([cell(w, FONT) for w in words] + [head(w, FONT_BOLD) for w in name.split()]
                          + [head(term, FONT)])
            wide = max([cell(line, FONT) for line in lines] + [head(name, FONT_BOLD), longest])
            if c.numeric:
                wide = min(wide, NUMERIC_CAP)
            natural.append(wide + 2 * PAD)
            least.append(min(wide if c.numeric else longest, WORD_CAP) + 2 * PAD)
        return _fit(natural, least, [not c.numeric for c in columns], width)

    def attachments(self, items: Sequence[Attachment]) -> None:
        columns = [Column("", self.word("name")), Column("", self.word("type")),
                   Column("", self.word("size"), numeric=True)]
        described = any(a.description for a in items)
        if described:
            columns.append(Column("", self.word("description")))
        rows = tuple((a.name, a.mime, _size(a.size, self.view.lang), *((a.description,) if described else ()))
                     for a in items)
        self.space(5 * mm)
        self.heading(self.word("attachments"), "", 0, MARGIN_X, WIDTH)
        self.table(Table("", "", tuple(columns), rows), MARGIN_X, WIDTH)

    # -- page furniture
    def decor(self, page: int, total: int) -> list[str]:
        """The running title (from the second page), the footer and ``page X / Y`` of a page."""
        ops = self.pen.start()
        if page > 1:
            self.right_text(f"{self.view.title} ({self.word('continued')})", PAGE_H - 8 * mm - 7.5)
        y_rule = 8 * mm + self.footer.height + 2 * mm
        self.pen.line(MARGIN_X, y_rule, PAGE_W - MARGIN_X, y_rule, 0.5, RULE)
        self.pen.para(self.footer, MARGIN_X, 8 * mm + self.footer.height, WIDTH - 30 * mm)
        self.right_text(f"{self.word('page')} {page} / {total}", 8 * mm + self.footer.height - 7.5)
        return ["q", *ops.lines(), "Q"]

    def right_text(self, text: str, y: float) -> None:
        text = _drawn(text)
        self.pen.text(PAGE_W - MARGIN_X - self.measure(7.5)(text, FONT), y, text, FONT, 7.5, GREY)


def _cells(row: Sequence[str], n: int) -> list[str]:
    """A row's cells, one per column: missing ones empty, any beyond the last column kept in it."""
    cells = list(row) + [""] * (n - len(row))
    if len(cells) > n:
        cells[n - 1:] = ["\n".join(c for c in cells[n - 1:] if c)]
    return cells


def _fit(natural: list[float], least: list[float], grows: list[bool], width: float) -> list[float]:
    """Column widths that add up to ``width`` (see :meth:`_ViewPage.column_widths`)."""
    total = sum(natural)
    if total <= width:
        takers = [i for i, g in enumerate(grows) if g] or list(range(len(natural)))
        share = sum(natural[i] for i in takers)
        return [w + (width - total) * w / share if i in takers else w for i, w in enumerate(natural)]
    if sum(least) >= width:  # too many columns for the page: all narrowed alike, long words cut
        return [w * width / sum(least) for w in least]
    low, high = 0.0, max(natural)
    for _ in range(40):  # the widest width any column keeps, found by bisection
        cap = (low + high) / 2
        if sum(max(lo, min(n, cap)) for n, lo in zip(natural, least)) > width:
            high = cap
        else:
            low = cap
    widths = [max(lo, min(n, low)) for n, lo in zip(natural, least)]
    spare = width - sum(widths)
    takers = [i for i, w in enumerate(widths) if w < natural[i]] or [len(widths) - 1]
    return [w + spare / len(takers) if i in takers else w for i, w in enumerate(widths)]


def _size(size: int, lang: str) -> str:
    """A file size in the language's words (Babel's units: bytes, kB, MB)."""
    from babel.units import format_unit

    locale = Fmt(lang).locale
    if size < 1024:
        return str(format_unit(size, "digital-byte", locale=locale))  # "512 bytes": the short form says "byte"
    if size < 1024 * 1024:
        return str(format_unit(round(Decimal(size) / 1024, 1), "digital-kilobyte", length="short", locale=locale))
    return str(format_unit(round(Decimal(size) / (1024 * 1024), 1), "digital-megabyte", length="short",
                           locale=locale))
