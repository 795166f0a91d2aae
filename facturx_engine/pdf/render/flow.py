"""Laying out blocks of text and tables on A4 pages: the page geometry, colours and styles of the
rendered invoice, the blocks drawn one under the other (:data:`Item`), and :class:`Flow`, which
measures and wraps text, builds table rows and flows paragraphs and rows over as many pages as
needed (lists of PDF operators written by a :class:`~facturx_engine.pdf.render.text.Pen`).
:mod:`facturx_engine.pdf.render.layout` says what goes where.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]

from facturx_engine.pdf.render.fonts import FONT, FONT_BOLD, fonts
from facturx_engine.pdf.render.text import Ops, Para, Pen, Row, Source, Style, split_lines, wrap

__all__ = ["BASE", "BLACK", "GREY", "LABEL_GREY", "MARGIN_X", "NAME", "PAGE_H", "PAGE_W", "RULE", "SMALL", "WHITE",
           "WIDTH", "Flow", "Gap", "Item", "Logo", "Rows", "ink_on", "rgb", "split_row", "tint"]

# ---------------------------------------------------------------------------- colours


def rgb(color: str) -> str:
    """'#RRGGBB' -> the operands of the PDF ``rg`` operator."""
    return " ".join(format(int(color[i:i + 2], 16) / 255, ".4g") for i in (1, 3, 5))


def tint(color: str, share: float) -> str:
    """The colour mixed with white: share 0 is white, 1 the colour."""
    return " ".join(format(1 - share * (1 - int(color[i:i + 2], 16) / 255), ".4g") for i in (1, 3, 5))


def ink_on(color: str) -> str:
    """Black or white, whichever reads better on the colour."""
    r, g, b = (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return WHITE if 0.299 * r + 0.587 * g + 0.114 * b < 0.6 else BLACK


# ---------------------------------------------------------------------------- page, styles, blocks

PAGE_W, PAGE_H = A4
MARGIN_X = 15 * mm
WIDTH = PAGE_W - 2 * MARGIN_X
BLACK, WHITE = "0 0 0", "1 1 1"
GREY = "0.38 0.38 0.4"
LABEL_GREY = rgb("#5F5F66")
RULE = "0.78 0.78 0.8"


BASE = Style(FONT, 8.5, 11, BLACK)
SMALL = Style(FONT, 7.5, 9.5, GREY)
NAME = Style(FONT_BOLD, 11.5, 14.5, BLACK)


@dataclass(slots=True)
class Gap:
    """Vertical space between blocks."""

    height: float


@dataclass(slots=True)
class Logo:
    """The logo as drawn (:func:`~facturx_engine.pdf.render.template.logo_image`), its size in
    points and its alignment ('L' or 'R')."""

    data: bytes
    width: float
    height: float
    align: str


@dataclass(slots=True)
class Rows:
    """Rows drawn one under the other, as one block."""

    rows: list[Row]
    width: float

    @property
    def height(self) -> float:
        return sum(r.height for r in self.rows)


Item = Para | Gap | Logo | Rows


# ---------------------------------------------------------------------------- flow


class Flow:
    """Blocks laid out from the top of a frame down, on as many pages as needed, with the painter.

    ``y`` is the cursor on the current page, between ``frame_top`` and ``frame_bottom`` (the
    whole page until a subclass sets its frame); ``pages`` holds the operators of each page,
    ``logos`` the logos drawn (page index, logo, x, bottom y)."""

    def __init__(self, painter: Pen) -> None:
        self.pen = painter
        self.widths = fonts()[1]
        self.measures: dict[float, Callable[[str, str], float]] = {}
        self.pages: list[Ops] = []
        self.logos: list[tuple[int, Logo, float, float]] = []  # page index, logo, x, bottom y
        self.frame_top, self.frame_bottom = float(PAGE_H), 0.0
        self.y = self.frame_top

    def measure(self, size: float) -> Callable[[str, str], float]:
        found = self.measures.get(size)
        if found is None:
            widths, scale = self.widths, size / 1000

            def found(text: str, font: str) -> float:
                return sum(map(widths[font].__getitem__, map(ord, text))) * scale

            self.measures[size] = found
        return found

    def para(self, source: str | Source, width: float, style: Style, align: str = "L", after: float = 0.0,
             ) -> Para:
        """Wrap text (in the style's font and colour) or lines of runs to ``width``."""
        measure = self.measure(style.size)
        if isinstance(source, str):
            # one run that needs no breaking: what wrap() would return, without its work
            if source and "\n" not in source and "  " not in source and source[0] != " " != source[-1]:
                w = measure(source, style.font)
                if w <= width + 1e-6:
                    return Para([(w, ((0.0, source, style.font, style.colour),))], style, align, after)
            source = [[(source, style.font, style.colour)]]
        return Para(wrap(split_lines(source), width, measure), style, align, after)

    # -- flow over pages
    def new_page(self) -> None:
        self.pages.append(self.pen.start())
        self.y = self.frame_top

    @property
    def at_top(self) -> bool:
        return bool(self.y >= self.frame_top - 1e-6)

    def space(self, height: float) -> None:
        if not self.at_top:
            self.y -= height

    def room(self, height: float) -> None:
        """A new page unless ``height`` fits under the cursor (or the page is still empty)."""
        if self.y - height < self.frame_bottom - 1e-6 and not self.at_top:
            self.new_page()

    def flow_para(self, p: Para, x: float = MARGIN_X, width: float = WIDTH, keep: float = 0.0) -> None:
        """A paragraph that may break between its lines; ``keep`` is the height that must follow a
        one-line paragraph on its page (a heading keeps the start of what it heads)."""
        leading, lines = p.style.leading, p.lines
        if lines:
            self.room(leading + (keep if len(lines) == 1 else 0))
        while lines:
            fit = max(1, int((self.y - self.frame_bottom + 1e-6) // leading))
            part, lines = lines[:fit], lines[fit:]
            self.pen.para(Para(part, p.style, p.align), x, self.y, width)
            self.y -= len(part) * leading
            if lines:
                self.new_page()
        self.y -= p.after

    def flow_rows(self, rows: list[Row], x: float, width: float, header: Row | None,
                  keep: frozenset[int] = frozenset()) -> None:
        """Table rows; the table breaks between rows, the header row is drawn again on each page. A row
        taller than a whole page is cut between the lines of its cells (:func:`split_row`). A row
        whose index is in ``keep`` starts a page with the row after it when both do not fit below the
        cursor but fit a page (an item and the details under it)."""
        first = True
        queue = [(i, r) for i, r in reversed(list(enumerate(rows)))]
        frame = self.frame_top - self.frame_bottom - (header.height if header is not None else 0.0)
        while queue:
            i, r = queue.pop()
            room = self.y - self.frame_bottom - (header.height if header is not None and first else 0.0)
            need = r.height
            if i in keep and i + 1 < len(rows) and r.height + rows[i + 1].height <= frame + 1e-6:
                need += rows[i + 1].height
            if need > room + 1e-6:
                parts = split_row(r, room) if r.height > frame + 1e-6 else None
                if parts is not None:  # taller than a page: what fits here, the rest after
                    r, rest = parts
                    queue.append((-1, rest))
                elif not (self.at_top and first):
                    self.new_page()
                    first = True
                    queue.append((i, r))
                    continue
            if first and header is not None:
                self.pen.row(header, x, self.y, width)
                self.y -= header.height
            first = False
            self.pen.row(r, x, self.y, width)
            self.y -= r.height

    def draw_items(self, items: Sequence[Item], x: float, top: float, width: float) -> float:
        """Items one under the other from ``top`` on the current page; returns their height."""
        y = top
        for item in items:
            if isinstance(item, Para):
                self.pen.para(item, x, y, width)
                y -= item.height + item.after
            elif isinstance(item, Rows):
                for r in item.rows:
                    self.pen.row(r, x, y, item.width)
                    y -= r.height
            elif isinstance(item, Logo):
                left = x if item.align == "L" else x + width - item.width
                self.logos.append((len(self.pages) - 1, item, left, y - item.height))
                y -= item.height
            else:
                y -= item.height
        return top - y

    # -- tables
    def row(self, widths: Sequence[float], cells: Sequence[list[Para] | None], *, pad: float = 4,
            top: float = 3, bottom: float = 3, background: str | None = None,
            below: tuple[float, str] | None = None, above: tuple[float, str] | None = None) -> Row:
        placed, x, tallest = [], 0.0, 0.0
        for w, paras in zip(widths, cells):
            if paras:
                placed.append((x, w, paras))
                tallest = max(tallest, sum(p.height + p.after for p in paras) - paras[-1].after)
            x += w
        return Row(placed, top, bottom, background, below, above, top + tallest + bottom, pad)

    def cell(self, text: str | Source, width: float, style: Style = BASE, align: str = "L", pad: float = 4,
             *, wraps: bool = True) -> list[Para]:
        """A cell's paragraph; ``wraps=False`` for short texts (amounts, headings) that stay on one
        line even when wider than the column, as a table's plain strings do."""
        return [self.para(text, width - 2 * pad if wraps else math.inf, style, align)]


def split_row(r: Row, height: float) -> tuple[Row, Row] | None:
    """The row cut in two between lines, its first part at most ``height`` tall: in each cell the lines
    that fit, the others in the second part (which keeps the rule below); None when no line fits."""
    room = height - r.top - r.bottom
    heads: list[tuple[float, float, list[Para]]] = []
    rests: list[tuple[float, float, list[Para]]] = []
    drawn = False
    for dx, w, paras in r.cells:
        head: list[Para] = []
        rest: list[Para] = []
        used = 0.0
        for p in paras:
            if rest:
                rest.append(p)
                continue
            fit = max(0, int((room - used + 1e-6) // p.style.leading))
            if fit >= len(p.lines):
                head.append(p)
                used += p.height + p.after
                continue
            if fit > 0:
                head.append(Para(p.lines[:fit], p.style, p.align))
            rest.append(Para(p.lines[fit:], p.style, p.align, p.after) if fit else p)
        drawn = drawn or any(p.lines for p in head)
        if head:
            heads.append((dx, w, head))
        if rest:
            rests.append((dx, w, rest))
    if not drawn or not rests:
        return None
    first = Row(heads, r.top, r.bottom, r.background, None, r.above, r.top + _tallest(heads) + r.bottom, r.pad)
    second = Row(rests, r.top, r.bottom, r.background, r.below, None, r.top + _tallest(rests) + r.bottom, r.pad)
    return first, second


def _tallest(cells: Sequence[tuple[float, float, list[Para]]]) -> float:
    return max((sum(p.height + p.after for p in paras) - paras[-1].after for _, _, paras in cells if paras),
               default=0.0)
