"""Text of the rendered invoice laid out and written: lines of runs broken to a width
(:func:`wrap`), held in paragraphs and table rows (:class:`Para`, :class:`Row`) and written as
PDF operators in the Vera subsets of one reportlab canvas (:class:`Pen`). The fonts are
:mod:`facturx_engine.pdf.render.fonts`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from facturx_engine.pdf.render.fonts import FONT_FILES, subset_codes

__all__ = ["CHUNK", "Line", "Ops", "Para", "Pen", "Row", "Run", "Source", "Style", "chunks", "split_lines", "wrap"]

# ---------------------------------------------------------------------------- line breaking

Run = tuple[str, str, str]
"""A piece of text in one font and colour: (text, font name, colour)."""
Line = tuple[float, tuple[tuple[float, str, str, str], ...]]
"""A laid-out line: its width, and its pieces as (x offset, text, font name, colour)."""


def wrap(source: Sequence[Sequence[Run]], width: float, measure: Callable[[str, str], float]) -> list[Line]:
    """Break lines of runs into lines at most ``width`` wide.

    Words are separated by ordinary spaces (a run of them counts as one; spaces at the start
    and end of a line are dropped; the no-break space joins), a run may end inside a word (a
    label in one font and its value in another), and a word wider than the column is cut
    between characters. ``measure(text, font)`` is the width of ``text``. An empty line gives
    no line. Consecutive pieces in the same font and colour are merged, with the spaces
    between them, so that each is drawn as one string.
    """
    out: list[Line] = []
    for runs in source:
        words: list[list[Run]] = []
        glue = False  # whether the next piece continues the current word
        for text, font, colour in runs:
            for i, part in enumerate(text.split(" ")):
                if i:
                    glue = False
                if part:
                    if glue:
                        words[-1].append((part, font, colour))
                    else:
                        words.append([(part, font, colour)])
                    glue = True
        pieces: list[list[float | str]] = []  # [x, text, font, colour] of the current line
        x = 0.0
        for word in words:
            size = sum(measure(text, font) for text, font, _ in word)
            space = measure(" ", str(pieces[-1][2])) if pieces else 0.0
            if pieces and x + space + size > width + 1e-6:
                out.append(_line(pieces, x))
                pieces, x, space = [], 0.0, 0.0
            if size > width + 1e-6:  # a word longer than the line: cut between characters
                for text, font, colour in word:
                    for ch in text:
                        w = measure(ch, font)
                        if pieces and x + w > width + 1e-6:
                            out.append(_line(pieces, x))
                            pieces, x = [], 0.0
                        x = _add(pieces, x, ch, font, colour, w)
                continue
            if pieces:
                last = pieces[-1]
                last[1] = str(last[1]) + " "
                x += space
            for text, font, colour in word:
                x = _add(pieces, x, text, font, colour, measure(text, font))
        if pieces:
            out.append(_line(pieces, x))
    return out


def _add(pieces: list[list[float | str]], x: float, text: str, font: str, colour: str, w: float) -> float:
    if pieces and pieces[-1][2] == font and pieces[-1][3] == colour:
        pieces[-1][1] = str(pieces[-1][1]) + text
    else:
        pieces.append([x, text, font, colour])
    return x + w


def _line(pieces: list[list[float | str]], width: float) -> Line:
    return width, tuple((float(x), str(t), str(f), str(c)) for x, t, f, c in pieces)


# ---------------------------------------------------------------------------- long texts

CHUNK = 500  # characters of a line's description per table row


def chunks(text: str) -> list[str]:
    """Cut a long text at spaces into pieces of at most about CHUNK characters."""
    out = []
    while len(text) > CHUNK:
        cut = text.rfind(" ", CHUNK // 2, CHUNK)
        cut = cut if cut > 0 else CHUNK
        out.append(text[:cut])
        text = text[cut:].lstrip()
    if text:
        out.append(text)
    return out


# ---------------------------------------------------------------------------- paragraphs and rows

Source = list[list[Run]]
"""Lines of runs (text, font, colour), before wrapping."""


@dataclass(frozen=True, slots=True)
class Style:
    """A paragraph style: font name, size and leading in points, colour (the operands of ``rg``)."""

    font: str
    size: float
    leading: float
    colour: str


@dataclass(slots=True)
class Para:
    """A paragraph wrapped to its width: lines, style, alignment ('L' or 'R'), space after it."""

    lines: list[Line]
    style: Style
    align: str = "L"
    after: float = 0.0

    @property
    def height(self) -> float:
        return len(self.lines) * self.style.leading


@dataclass(slots=True)
class Row:
    """A table row: cells as (x offset, width, paragraphs), paddings, background, rules."""

    cells: list[tuple[float, float, list[Para]]]
    top: float = 3.0
    bottom: float = 3.0
    background: str | None = None
    below: tuple[float, str] | None = None
    above: tuple[float, str] | None = None
    height: float = 0.0
    pad: float = 4.0  # left and right padding of every cell


def split_lines(source: Source) -> Source:
    """Explicit line breaks ('\\n' inside a run) made into separate lines."""
    out: Source = []
    for runs in source:
        line: list[Run] = []
        for text, font, colour in runs:
            parts = text.split("\n")
            for i, part in enumerate(parts):
                if i:
                    out.append(line)
                    line = []
                if part:
                    line.append((part, font, colour))
        out.append(line)
    return out


# ---------------------------------------------------------------------------- PDF operators


class Ops:
    """The operators of one page: the filled rectangles, the rules and frames over them, then all
    the text in one text object, which is drawn over both. Text positions are moves from the previous line start, and
    the font and colour are set only when they change."""

    def __init__(self) -> None:
        self.fills: list[str] = []
        self.strokes: list[str] = []
        self.text: list[str] = []
        self.font: tuple[str, int, float] | None = None
        self.fill: str | None = None
        self.x = self.y = 0.0

    def lines(self) -> list[str]:
        return self.fills + self.strokes + (["BT", *self.text, "ET"] if self.text else [])


class Pen:
    """PDF operators for the pages of one document, its text in the Vera subsets of one reportlab canvas."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.doc = canvas._doc  # fonts register their subsets with the document
        self.fonts = {name: pdfmetrics.getFont(name) for name in FONT_FILES}
        self.names: dict[tuple[str, int], str] = {}
        self.codes: dict[str, tuple[frozenset[str], dict[int, str]]] = {}
        self.ops = Ops()

    def start(self) -> Ops:
        self.ops = Ops()
        return self.ops

    def _codes(self, font: str) -> tuple[frozenset[str], dict[int, str]]:
        """The characters of the font's first subset in this document and their codes there, as a
        ``str.translate`` table (the no-break space is drawn as a space, as reportlab does)."""
        ttf = self.fonts[font]
        ttf.splitString("", self.doc)  # starts the document's subsets with the preset
        state = ttf.state[self.doc]
        found = subset_codes(tuple(state.subsets[0]), tuple(sorted(state.assignments.items())))
        self.codes[font] = found
        self.names[font, 0] = ttf.getSubsetInternalName(0, self.doc)
        return found

    def text(self, x: float, y: float, text: str, font: str, size: float, colour: str) -> None:
        ops = self.ops
        out = ops.text
        if colour != ops.fill:
            out.append(colour + " rg")
            ops.fill = colour
        x, y = round(x, 2), round(y, 2)
        out.append(f"{x - ops.x:.2f} {y - ops.y:.2f} Td")
        ops.x, ops.y = x, y
        known, table = self.codes.get(font) or self._codes(font)
        if known.issuperset(text):  # all in the first subset: encoded without reportlab's per-character loop
            pieces = [(0, text.translate(table).encode("latin-1"))]
        else:
            pieces = self.fonts[font].splitString(text, self.doc)
        for subset, data in pieces:
            if ops.font != (font, subset, size):
                name = self.names.get((font, subset))
                if name is None:
                    name = self.names[font, subset] = self.fonts[font].getSubsetInternalName(subset, self.doc)
                out.append(f"{name} {size:g} Tf")
                ops.font = (font, subset, size)
            out.append(f"<{data.hex()}> Tj")  # hexadecimal: no escaping, and the quickest to scan

    def rect(self, x: float, y: float, w: float, h: float, colour: str) -> None:
        self.ops.fills.append(f"{colour} rg {x:.2f} {y:.2f} {w:.2f} {h:.2f} re f")

    def box(self, x: float, y: float, w: float, h: float, width: float, colour: str) -> None:
        self.ops.strokes.append(f"{width:g} w {colour} RG {x:.2f} {y:.2f} {w:.2f} {h:.2f} re S")

    def line(self, x1: float, y1: float, x2: float, y2: float, width: float, colour: str) -> None:
        self.ops.strokes.append(f"{width:g} w {colour} RG {x1:.2f} {y1:.2f} m {x2:.2f} {y2:.2f} l S")

    def para(self, p: Para, x: float, top: float, width: float) -> None:
        """A paragraph whose first line's top is ``top`` (its baseline one font size lower, as
        reportlab places the first line of a paragraph); 'R' lines end at ``x + width``."""
        st = p.style
        y = top - st.size
        for line_width, pieces in p.lines:
            x0 = x if p.align == "L" else x + width - line_width
            for dx, text, font, colour in pieces:
                self.text(x0 + dx, y, text, font, st.size, colour)
            y -= st.leading

    def row(self, r: Row, x: float, top: float, width: float) -> None:
        """A table row ``width`` wide from ``top`` down: background, cell paragraphs, rules."""
        bottom = top - r.height
        pad = r.pad
        if r.background is not None:
            self.rect(x, bottom, width, r.height, r.background)
        for dx, w, paras in r.cells:
            y = top - r.top
            for p in paras:
                self.para(p, x + dx + pad, y, w - 2 * pad)
                y -= p.height + p.after
        if r.below is not None:
            self.line(x, bottom, x + width, bottom, *r.below)
        if r.above is not None:
            self.line(x, top, x + width, top, *r.above)
