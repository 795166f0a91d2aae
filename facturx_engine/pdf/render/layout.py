"""The human-readable side of an invoice: an A4 PDF drawn with reportlab from the model.

:func:`render` lays out the seller and buyer, the title (by type code and language), dates and
references, the lines (a table that flows over as many pages as needed, header row repeated),
document allowances and charges, the VAT breakdown, the totals BT-106..BT-115, the payment
instructions, the notes with the French legal mentions (:func:`facturx_engine.model.fr.legal_notes`),
and a footer with ``page X / Y`` on every page.

How it is drawn: the layout is computed here, block by block, with fixed column positions and
a small line breaker (:func:`facturx_engine.pdf.render.text.wrap`), and written as PDF operators
straight into a reportlab canvas (text, filled rectangles, rules); reportlab writes the file,
embeds the fonts and the logo. No platypus flowable is used: they cost most of the time and
none of their generality is needed for this fixed layout. The pages are laid out completely
before any is written, so ``page X / Y`` is known in a single pass.

PDF/A-minded choices (ISO 19005-3 6.2.4, 6.2.11): the only fonts are the Bitstream
Vera TrueType fonts that reportlab itself ships (loaded from the installed package, embedded as
subsets; they cover €, accents, « », – and ’), the canvas starts on one of them
(``initialFontName``) so no base-14 font is ever referenced, colours are RGB only, and the
canvas is ``invariant`` so the same input gives the same bytes. Characters the fonts lack are
replaced (by their base letter, else ``?``) so no glyph is ``.notdef``.

Fonts are prepared once per process, the same for every document written with the usual
characters (:mod:`facturx_engine.pdf.render.text`), and the page content is Flate-encoded here,
without reportlab's ASCII85 layer; every stream has an EOL before ``endstream``, so that
:func:`facturx_engine.pdf.embed.embed` can append its changes to the page as an incremental update.

:class:`Template` carries the branding: logo, colours, header/footer text, extra mentions, language.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
import os
import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.lib.utils import ImageReader  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from facturx_engine.pdf.render.text import (
    CHUNK,
    FONT,
    FONT_BOLD,
    FONT_ITALIC,
    LABELS,
    NBSP,
    Flate,
    Fmt,
    Ops,
    Para,
    Pen,
    Row,
    Run,
    Source,
    Style,
    capped,
    chunks,
    clean,
    fonts,
    groups4,
    siren_like,
    split_lines,
    wrap,
)
from facturx_engine.model.compute import round2
from facturx_engine.errors import InputError
from facturx_engine.model.fr import legal_notes

if TYPE_CHECKING:
    from facturx_engine.model.compute import LineAmounts, Totals
    from facturx_engine.model.records import AllowanceCharge, Document, Identifier, Party
    from facturx_engine.model.records import Line as InvoiceLine

__all__ = ["FONT", "Template", "render"]

_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")


# ---------------------------------------------------------------------------- template


@dataclass(frozen=True, slots=True, kw_only=True)
class Template:
    """Branding of the rendered PDF. Build it directly or with :meth:`from_json`."""

    logo: bytes | None = None                # PNG or JPEG bytes
    logo_position: str = "left"              # "left" | "right"
    logo_width_mm: float = 40
    primary_color: str = "#1F3A5F"           # titles, table headers
    accent_color: str = "#B5472F"            # the amount-due box, rules
    header_text: str | None = None           # printed at the top of every page
    footer_text: str | None = None           # legal mentions (capital, RCS ...); default built from the seller
    mentions: tuple[str, ...] = ()           # custom mentions printed after the notes
    lang: str = "fr"                         # "fr" | "en"

    def __post_init__(self) -> None:
        if self.lang not in LABELS:
            raise InputError(f"must be one of {sorted(LABELS)}, got {self.lang!r}", field="lang")
        if self.logo_position not in ("left", "right"):
            raise InputError(f"must be 'left' or 'right', got {self.logo_position!r}", field="logo_position")
        for name in ("primary_color", "accent_color"):
            value = getattr(self, name)
            if not isinstance(value, str) or not _COLOR.fullmatch(value):
                raise InputError(f"must be a colour written #RRGGBB, got {value!r}", field=name)
        width = self.logo_width_mm
        if isinstance(width, bool) or not isinstance(width, (int, float, Decimal)) or not 5 <= width <= 120:
            raise InputError(f"must be a number of millimetres between 5 and 120, got {width!r}",
                             field="logo_width_mm")
        for name in ("header_text", "footer_text"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), str):
                raise InputError("must be text", field=name)
        if isinstance(self.mentions, str) or not all(isinstance(m, str) for m in self.mentions):
            raise InputError("must be a list of texts", field="mentions")
        object.__setattr__(self, "mentions", tuple(self.mentions))
        if self.logo is not None:
            if not isinstance(self.logo, bytes):
                raise InputError("must be the bytes of a PNG or JPEG image", field="logo")
            _check_image(self.logo)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str | bytes, base_dir: str | os.PathLike[str] | None = None,
                  ) -> Template:
        """Read a template from JSON text or a parsed object.

        ``logo`` is a file path (relative to ``base_dir``, default the current directory), a
        ``data:image/png;base64,...`` URI, or plain base64. Unknown fields are refused.
        """
        if isinstance(data, (str, bytes, bytearray)):
            try:
                data = json.loads(data)
            except (ValueError, UnicodeDecodeError) as exc:
                raise InputError(f"the template is not valid JSON: {exc}") from None
        if not isinstance(data, Mapping):
            raise InputError(f"the template must be a JSON object, got {type(data).__name__}")
        allowed = [n for n in cls.__dataclass_fields__]
        kw: dict[str, Any] = {}
        for key, value in data.items():
            if key.startswith("$"):
                continue
            if key not in allowed:
                raise InputError(f"unknown template field (expected one of: {', '.join(allowed)})", field=key)
            if value is None:
                continue
            if key == "logo":
                value = _read_logo(value, base_dir)
            elif key == "mentions":
                if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
                    raise InputError("must be a list of texts", field="mentions")
                value = tuple(value)
            elif key == "logo_width_mm" and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise InputError(f"must be a number of millimetres, got {value!r}", field=key)
            elif key not in ("logo_width_mm", "mentions") and not isinstance(value, str):
                raise InputError(f"must be text, got {type(value).__name__}", field=key)
            kw[key] = value
        return cls(**kw)


def _read_logo(value: Any, base_dir: str | os.PathLike[str] | None) -> bytes:
    if not isinstance(value, str) or not value.strip():
        raise InputError("must be a file path or base64 image data", field="logo")
    value = value.strip()
    if value.startswith("data:"):
        _, _, payload = value.partition(",")
        try:
            return base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise InputError("the data: URI does not hold valid base64", field="logo") from None
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    path = Path(value) if Path(value).is_absolute() else base / value
    try:
        if len(value) < 4096 and path.is_file():
            return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {value!r}: {exc.strerror}", field="logo") from None
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise InputError(f"{value!r} is neither a file (looked in {base}) nor base64 image data",
                         field="logo") from None


def _check_image(data: bytes) -> None:
    if not data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        raise InputError("must be a PNG or JPEG image", field="logo")
    from PIL import Image as PILImage

    try:
        with PILImage.open(io.BytesIO(data)) as img:
            img.verify()
    except Exception as exc:  # noqa: BLE001 -- Pillow raises many kinds for a damaged file
        raise InputError(f"the image cannot be read: {exc}", field="logo") from None


def _rgb(color: str) -> str:
    """'#RRGGBB' -> the operands of the PDF ``rg`` operator."""
    return " ".join(format(int(color[i:i + 2], 16) / 255, ".4g") for i in (1, 3, 5))


def _tint(color: str, share: float) -> str:
    """The colour mixed with white: share 0 is white, 1 the colour."""
    return " ".join(format(1 - share * (1 - int(color[i:i + 2], 16) / 255), ".4g") for i in (1, 3, 5))


def _ink_on(color: str) -> str:
    """Black or white, whichever reads better on the colour."""
    r, g, b = (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return WHITE if 0.299 * r + 0.587 * g + 0.114 * b < 0.6 else BLACK


# ---------------------------------------------------------------------------- layout primitives

PAGE_W, PAGE_H = A4
MARGIN_X = 15 * mm
WIDTH = PAGE_W - 2 * MARGIN_X
BLACK, WHITE = "0 0 0", "1 1 1"
GREY = "0.38 0.38 0.4"
LABEL_GREY = _rgb("#5F5F66")
RULE = "0.78 0.78 0.8"


BASE = Style(FONT, 8.5, 11, BLACK)
SMALL = Style(FONT, 7.5, 9.5, GREY)
NAME = Style(FONT_BOLD, 11.5, 14.5, BLACK)


@dataclass(slots=True)
class _Gap:
    height: float


@dataclass(slots=True)
class _Logo:
    data: bytes
    width: float
    height: float
    align: str


@dataclass(slots=True)
class _Rows:
    """Rows drawn one under the other, as one block."""

    rows: list[Row]
    width: float

    @property
    def height(self) -> float:
        return sum(r.height for r in self.rows)


_Item = Para | _Gap | _Logo | _Rows


# ---------------------------------------------------------------------------- the document


class _Layout:
    """Lays out one document on pages (lists of PDF operators) with the painter."""

    def __init__(self, doc: Document, t: Template, painter: Pen, totals: Totals | None = None,
                 notice: str | None = None) -> None:
        self.doc, self.t, self.pen = doc, t, painter
        self.totals = doc.totals if totals is None else totals  # the amounts shown: computed, or as stated
        self.notice = notice
        self.f = Fmt(t.lang, doc.currency)
        self.L = self.f.L
        self.widths = fonts()[1]
        self.measures: dict[float, Callable[[str, str], float]] = {}
        self.primary = _rgb(t.primary_color)
        self.head_style = Style(FONT_BOLD, 9.5, 13, self.primary)
        self.pages: list[Ops] = []
        self.logos: list[tuple[int, _Logo, float, float]] = []  # page index, logo, x, bottom y
        self.footer = self.para(self.footer_text(), WIDTH - 28 * mm, SMALL)
        self.header_para = self.para(capped(t.header_text, 300), WIDTH - 70 * mm, SMALL) if t.header_text else None
        self.frame_top = PAGE_H - (8 * mm + (self.header_para.height if self.header_para else 8) + 5 * mm)
        self.frame_bottom = 8 * mm + self.footer.height + 6 * mm
        self.y = self.frame_top

    # -- text
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

    def kv(self, label: str, value: str, *, bold: bool = False) -> list[Run]:
        sep = f"{NBSP}: " if self.t.lang == "fr" else ": "
        return [(clean(label) + sep, FONT, LABEL_GREY), (value, FONT_BOLD if bold else FONT, BLACK)]

    def head(self, text: str, width: float = WIDTH) -> Para:
        return self.para(clean(text), width, self.head_style, after=2)

    def title(self) -> str:
        d = self.doc
        return self.L.get(d.type_code) or (self.L["credit"] if d.is_credit_note else self.L["invoice"])

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

    def flow_rows(self, rows: list[Row], x: float, width: float, header: Row | None) -> None:
        """Table rows; the table breaks between rows, the header row is drawn again on each page."""
        first = True
        for r in rows:
            need = r.height + (header.height if header is not None and first else 0)
            if self.y - need < self.frame_bottom - 1e-6 and not (self.at_top and first):
                self.new_page()
                first = True
            if first and header is not None:
                self.pen.row(header, x, self.y, width)
                self.y -= header.height
            first = False
            self.pen.row(r, x, self.y, width)
            self.y -= r.height

    def draw_items(self, items: Sequence[_Item], x: float, top: float, width: float) -> float:
        """Items one under the other from ``top`` on the current page; returns their height."""
        y = top
        for item in items:
            if isinstance(item, Para):
                self.pen.para(item, x, y, width)
                y -= item.height + item.after
            elif isinstance(item, _Rows):
                for r in item.rows:
                    self.pen.row(r, x, y, item.width)
                    y -= r.height
            elif isinstance(item, _Logo):
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

    def grid_header(self, labels: Sequence[str], widths: Sequence[float], right_from: int,
                    left: Sequence[int] = ()) -> Row:
        ink = _ink_on(self.t.primary_color)
        style = Style(FONT_BOLD, 8, 10, ink)
        cells = [self.cell(clean(text), w, style, "R" if i >= right_from and i not in left else "L", wraps=False)
                 for i, (text, w) in enumerate(zip(labels, widths))]
        return self.row(widths, cells, background=self.primary)

    # -- blocks
    def party_lines(self, party: Party, *, seller: bool) -> tuple[Source, str | None]:
        L, out = self.L, []
        a = party.address
        for line in (a.line1, a.line2, a.line3):
            if line:
                out.append([(capped(line, 200), FONT, BLACK)])
        city = " ".join(x for x in (a.postal_code, a.city) if x)
        if a.subdivision:
            city = f"{city}, {a.subdivision}" if city else a.subdivision
        out.append([(capped(f"{city} ({a.country})" if city else a.country, 200), FONT, BLACK)])
        c = party.contact
        if c is not None:
            if c.name:
                out.append(self.kv(L["contact"], capped(c.name, 120)))
            if c.phone:
                out.append(self.kv(L["phone"], capped(c.phone, 60)))
            if c.email:
                out.append(self.kv(L["email"], capped(c.email, 120)))
        if party.private_person:
            return out, None
        ids: list[tuple[str, str]] = []
        for ident in (*party.identifiers, party.legal_id):
            if ident is not None:
                ids.append(self.ident(ident))
        if party.vat_id:
            ids.append((L["vat_id"], party.vat_id))
        if party.tax_id:
            ids.append((L["tax_id"], party.tax_id))
        seen: set[tuple[str, str]] = set()
        for label, value in ids[:8]:
            if (label, value) not in seen:
                seen.add((label, value))
                out.append(self.kv(label, capped(value, 80)))
        legal = capped(party.legal_info, 400) if seller and party.legal_info else None
        return out, legal

    def ident(self, ident: Identifier) -> tuple[str, str]:
        if ident.scheme == "0009":
            return self.L["siret"], siren_like(ident.value)
        if ident.scheme == "0002":
            return self.L["siren"], siren_like(ident.value)
        return (f"{self.L['id']} ({ident.scheme})" if ident.scheme else self.L["id"]), ident.value

    def party(self, party: Party, width: float, *, seller: bool) -> list[_Item]:
        items: list[_Item] = [self.para(capped(party.name, 200), width, NAME)]
        if party.trading_name:
            items.append(self.para(capped(party.trading_name, 200), width, Style(FONT_ITALIC, 8.5, 11, BLACK)))
        lines, legal = self.party_lines(party, seller=seller)
        items.append(self.para(lines, width, BASE))
        if legal:
            items.append(self.para(legal, width, SMALL))
        return items

    def logo(self) -> _Logo | None:
        if self.t.logo is None:
            return None
        data, w_px, h_px = _logo_image(self.t.logo)
        width = float(self.t.logo_width_mm) * mm
        height = width * h_px / w_px
        if height > 28 * mm:  # a very tall logo is scaled down to keep the header compact
            width, height = width * 28 * mm / height, 28 * mm
        return _Logo(data, width, height, "L" if self.t.logo_position == "left" else "R")

    def header(self) -> None:
        d, L, f = self.doc, self.L, self.f
        left_w, right_w = WIDTH * 0.55, WIDTH * 0.45
        seller = self.party(d.seller, left_w, seller=True)
        if d.tax_representative is not None:
            tr = d.tax_representative
            addr = ", ".join(x for x in (tr.address.line1, tr.address.postal_code, tr.address.city,
                                         tr.address.country) if x)
            seller.append(self.para(f"{clean(L['tax_rep'])}{NBSP}: {capped(tr.name, 200)}, {capped(addr, 300)} – "
                                    f"{clean(L['vat_id'])} {capped(tr.vat_id, 80)}", left_w, SMALL))
        meta = [(L["number"], d.number), (L["issue_date"], f.date(d.issue_date))]
        if d.due_date:
            meta.append((L["due_date"], f.date(d.due_date)))
        if d.delivery is not None and d.delivery.date:
            meta.append((L["delivery_date"], f.date(d.delivery.date)))
        if d.invoicing_period is not None:
            pr = d.invoicing_period
            meta.append((L["period"], L["period_fmt"].format(f.date(pr.start) or "…", f.date(pr.end) or "…")))
        if d.tax_point_date:
            meta.append((L["tax_point"], f.date(d.tax_point_date)))
        elif d.tax_point_code:
            meta.append((L["tax_point"], L.get(f"tp_{d.tax_point_code}", d.tax_point_code)))
        widths = (32 * mm, 46 * mm)
        value_style = Style(FONT_BOLD, 8.5, 11, BLACK)
        rows = [self.row(widths, [self.cell(clean(k), widths[0], Style(FONT, 8.5, 11, LABEL_GREY), "R", 0),
                                  self.cell(capped(v, 80), widths[1], value_style, "R", 0)], pad=0, top=0.5, bottom=0.5)
                for k, v in meta]
        right: list[_Item] = [self.para(clean(self.title()), right_w, Style(FONT_BOLD, 20, 24, self.primary), "R"),
                              _Gap(3), _Rows(rows, sum(widths))]
        logo = self.logo()
        if logo is not None:
            (seller if logo.align == "L" else right)[0:0] = [logo, _Gap(4 * mm)]
        top = self.y
        height = max(self.draw_items(seller, MARGIN_X, top, left_w),
                     self.draw_items(right, MARGIN_X + left_w, top, right_w))
        self.y = top - height - 6 * mm
        # second band: references and delivery (left), buyer box (right)
        inner = right_w - 16
        buyer: list[_Item] = [self.para(clean(L["buyer"]).upper(), inner, SMALL), *self.party(d.buyer, inner, seller=False)]
        top = self.y
        refs_h = self.draw_items(self.references(left_w), MARGIN_X, top, left_w)
        box_h = self.draw_items(buyer, MARGIN_X + left_w + 8, top - 6, inner) + 14
        self.pen.box(MARGIN_X + left_w, top - box_h, right_w, box_h, 0.8, self.primary)
        self.y = top - max(refs_h, box_h) - 7 * mm

    def references(self, width: float) -> list[_Item]:
        d, L, f = self.doc, self.L, self.f
        refs = [(L[k], v) for k, v in (
            ("purchase_order", d.purchase_order), ("sales_order", d.sales_order), ("contract", d.contract_reference),
            ("project", d.project_reference), ("buyer_reference", d.buyer_reference), ("tender", d.tender_reference),
            ("despatch", d.despatch_advice), ("receiving", d.receiving_advice),
            ("accounting", d.buyer_accounting_ref)) if v]
        if d.invoiced_object is not None:
            refs.append((L["object"], d.invoiced_object.value))
        for pi in d.preceding_invoices:
            key = "preceding_386" if pi.type_code == "386" else "preceding_credit" if d.is_credit_note \
                else "preceding_384" if d.type_code == "384" else "preceding"
            refs.append((L[key], f"{pi.number} {L['of_date']} {f.date(pi.issue_date)}" if pi.issue_date else pi.number))
        out: list[_Item] = []
        if refs:
            out.append(self.para(clean(L["references"]).upper(), width, SMALL))
            shown = [self.kv(k, capped(v, 150), bold=True) for k, v in refs[:16]]
            if len(refs) > 16:
                shown.append([(f"… (+{len(refs) - 16})", FONT, BLACK)])
            out.append(self.para(shown, width, BASE))
        dl = d.delivery
        if dl is not None and (dl.name or dl.address or dl.location_id):
            lines: Source = [[(capped(x, 200), FONT, BLACK)] for x in (dl.name,) if x]
            if dl.address is not None:
                a = dl.address
                lines += [[(capped(x, 200), FONT, BLACK)] for x in (a.line1, a.line2, a.line3) if x]
                lines.append([(capped(" ".join(x for x in (a.postal_code, a.city, f"({a.country})") if x), 200), FONT, BLACK)])
            if dl.location_id is not None:
                lines.append(self.kv(L["location"], capped(dl.location_id.value, 80)))
            out += [_Gap(3 * mm), self.para(clean(L["ship_to"]).upper(), width, SMALL), self.para(lines, width, BASE)]
        return out

    def ac_text(self, ac: AllowanceCharge, amount: Decimal, base: Decimal | None) -> list[Run]:
        L, f = self.L, self.f
        what = capped(ac.reason or ac.reason_code or L["charge" if ac.charge else "allowance"], 200)
        detail = f" ({f.rate(ac.percent)} × {f.money(base)})" if ac.percent is not None and base is not None else ""
        sign = "+" if ac.charge else "-"
        return [(f"{what}{clean(detail)}{NBSP}: ", FONT, GREY), (f"{sign}{f.money(amount)}", FONT_BOLD, GREY)]

    def line_segments(self, line: InvoiceLine, la: LineAmounts) -> list[tuple[Style, list[Run], int]]:
        """(style, runs, raw length) pieces of a line's description cell; long texts cut in chunks."""
        L, f = self.L, self.f
        bold = Style(FONT_BOLD, 8.5, 11, BLACK)
        segs = [(bold, [(clean(c), FONT_BOLD, BLACK)], len(c)) for c in chunks(line.name)]
        segs += [(SMALL, [(clean(c), FONT, GREY)], len(c)) for c in chunks(line.description or "")]
        if line.seller_item_id:
            segs.append((SMALL, [(f"{clean(L['ref'])} {capped(line.seller_item_id, 200)}", FONT, GREY)], 60))
        if line.period is not None:
            period = L["period_fmt"].format(f.date(line.period.start) or "…", f.date(line.period.end) or "…")
            segs.append((SMALL, [(clean(period), FONT, GREY)], 30))
        segs += [(SMALL, [(clean(c), FONT_ITALIC, GREY)], len(c)) for c in chunks(line.note or "")]
        if line.gross_price is not None and line.gross_price != line.net_price:
            gp = f"{L['gross_price']} {f.price(line.gross_price)}, {L['discount']} " \
                 f"{f.price(line.gross_price - line.net_price)}"
            segs.append((SMALL, [(clean(gp), FONT, GREY)], 60))
        for k, ac in enumerate(line.allowances_charges):
            amount = ac.amount if self.doc.prices_include_vat or ac.amount is None else la.allowance_charge_amounts[k]
            assert amount is not None
            segs.append((SMALL, self.ac_text(ac, amount, ac.base_amount), 80))
        return [s for s in segs if s[2]]

    def lines(self) -> None:
        d, L, f = self.doc, self.L, self.f
        gross = d.prices_include_vat
        head = [L["col_id"], L["col_item"], L["col_qty"], L["col_unit"],
                L["col_price_gross" if gross else "col_price"], L["col_vat"],
                L["col_amount_gross" if gross else "col_amount"]]
        widths = [10 * mm, 71 * mm, 16 * mm, 17 * mm, 25 * mm, 15 * mm, 26 * mm]
        header = self.grid_header(head, widths, 2, left=(3,))
        zebra = _tint(self.t.primary_color, 0.06)
        rule = (0.4, RULE)
        rows: list[Row] = []
        for n, (line, la) in enumerate(zip(d.lines, self.totals.lines)):
            if gross:
                signed = sum(((a.amount or Decimal(0)) * (1 if a.charge else -1) for a in line.allowances_charges),
                             Decimal(0))
                price, amount = line.net_price, round2(line.quantity * line.price_per_unit + signed)
            else:
                price, amount = la.net_price, la.net_amount
            price_text = f.price(price)
            if line.base_quantity is not None and line.base_quantity != 1:
                price_text += f" / {f.num(line.base_quantity)}"
            vat = line.vat
            vat_text = f.rate(vat.rate) if vat.category.value == "S" else \
                f"{vat.category.value} {f.rate(vat.rate)}".strip()
            # the description is cut over several rows when long, so that rows split between pages
            groups: list[list[tuple[Style, list[Run], int]]] = [[]]
            size = 0
            for seg in self.line_segments(line, la):
                if groups[-1] and size + seg[2] > CHUNK:
                    groups.append([])
                    size = 0
                groups[-1].append(seg)
                size += seg[2]
            background = zebra if n % 2 else None
            last = len(groups) - 1
            for g, group in enumerate(groups):
                desc = [self.para([runs], widths[1] - 8, style) for style, runs, _ in group]
                cells: list[list[Para] | None] = [None, desc, None, None, None, None, None]
                if g == 0:
                    cells[0] = self.cell(capped(line.id, 30), widths[0], SMALL)
                    cells[2] = self.cell(f.num(line.quantity), widths[2], align="R", wraps=False)
                    cells[3] = self.cell(capped(f.unit(line.unit, line.quantity), 30), widths[3])
                    cells[4] = self.cell(clean(price_text), widths[4], align="R", wraps=False)
                    cells[5] = self.cell(vat_text, widths[5], align="R", wraps=False)
                    cells[6] = self.cell(f.money(amount), widths[6], align="R", wraps=False)
                rows.append(self.row(widths, cells, top=3 if g == 0 else 0, bottom=3 if g == last else 0,
                                     background=background, below=rule if g == last else None))
        self.flow_rows(rows, MARGIN_X, WIDTH, header)

    def doc_allowances(self) -> None:
        d, L, f = self.doc, self.L, self.f
        if not d.allowances_charges:
            return
        widths = [22 * mm, 74 * mm, 26 * mm, 16 * mm, 16 * mm, 26 * mm]
        header = self.grid_header([L[k] for k in ("type", "reason", "base", "rate", "col_vat", "amount")], widths, 2)
        rows = []
        for k, ac in enumerate(d.allowances_charges):
            gross = d.prices_include_vat
            amount = ac.amount if gross or ac.amount is None else self.totals.document_allowance_charge_amounts[k]
            assert amount is not None and ac.vat is not None
            sign = Decimal(1) if ac.charge else Decimal(-1)
            vat = f"{ac.vat.category.value} {f.rate(ac.vat.rate)}".strip() if ac.vat.category.value != "S" \
                else f.rate(ac.vat.rate)
            texts = [clean(L["charge" if ac.charge else "allowance"]), capped(ac.reason or ac.reason_code, 300),
                     f.money(ac.base_amount) if ac.base_amount is not None else "",
                     f.rate(ac.percent) if ac.percent is not None else "", vat, f.money(sign * amount)]
            rows.append(self.row(widths, [self.cell(x, w, align="R" if i >= 2 else "L", wraps=i == 1) if x else None
                                          for i, (x, w) in enumerate(zip(texts, widths))], below=(0.4, RULE)))
        self.space(5 * mm)
        self.flow_para(self.head(L["doc_ac"]), keep=header.height + rows[0].height)
        self.flow_rows(rows, MARGIN_X, WIDTH, header)

    def vat_rows(self, width: float) -> list[Row]:
        L, f = self.L, self.f
        widths = [width - 56 * mm, 28 * mm, 28 * mm]
        rows = [self.grid_header([L["vat_cat"], L["vat_base"], L["vat_amount"]], widths, 1)]
        for b in self.totals.vat_breakdown:
            cat = L.get(b.category.value, b.category.value)
            rows.append(self.row(widths, [self.cell(clean(f"{cat} {f.rate(b.rate)}".strip()), widths[0]),
                                          self.cell(f.money(b.taxable_amount), widths[1], align="R", wraps=False),
                                          self.cell(f.money(b.tax_amount), widths[2], align="R", wraps=False)],
                                 below=(0.4, RULE)))
            if b.exemption_reason or b.exemption_code:
                why = ", ".join(capped(x, 600) for x in (b.exemption_reason, b.exemption_code) if x)
                rows[-1].below = None
                rows.append(self.row([width], [self.cell(f"{clean(L['exemption'])}{NBSP}: {why}", width, SMALL)],
                                     top=0, below=(0.4, RULE)))
        return rows

    def totals_rows(self, width: float) -> list[Row]:
        d, L, f, t = self.doc, self.L, self.f, self.totals
        rows: list[tuple[str, str, bool]] = []
        if d.allowances_charges:
            rows.append((L["line_total"], f.money(t.line_total), False))
            if t.allowance_total:
                rows.append((L["allowance_total"], f.money(-t.allowance_total), False))
            if t.charge_total:
                rows.append((L["charge_total"], f.money(t.charge_total), False))
        rows.append((L["tax_exclusive"], f.money(t.tax_exclusive), False))
        rows.append((L["tax_total"], f.money(t.tax_total), False))
        if d.tax_currency and d.tax_currency_vat_total is not None:
            rows.append((L["tax_total_acc"].format(d.tax_currency),
                         f.money(d.tax_currency_vat_total, d.tax_currency), False))
        rows.append((L["grand_total"], f.money(t.grand_total), True))
        if t.paid:
            deposits = any(p.type_code == "386" for p in d.preceding_invoices)
            rows.append((L["paid_deposits" if deposits else "paid"], f.money(-t.paid), False))
        if t.rounding:
            rows.append((L["rounding"], f.money(t.rounding), False))
        widths = [width - 34 * mm, 34 * mm]
        out = []
        for label, amount, strong in rows:
            style = Style(FONT_BOLD, 8.5, 11, BLACK) if strong else BASE
            out.append(self.row(widths, [self.cell(clean(label), widths[0], style, wraps=False),
                                         self.cell(clean(amount), widths[1], style, "R", wraps=False)], top=2, bottom=2,
                                above=(0.6, GREY) if strong else None))
        accent = self.t.accent_color
        due = Style(FONT_BOLD, 10.5, 13, _ink_on(accent))
        label = L["due_credit"] if d.is_credit_note else L["due"]
        out.append(self.row(widths, [self.cell(clean(label), widths[0], due, wraps=False),
                                     self.cell(clean(f.money(t.due)), widths[1], due, "R", wraps=False)], top=5, bottom=5,
                            background=_rgb(accent)))
        return out

    def payment(self, width: float) -> list[Para]:
        d, L, f = self.doc, self.L, self.f
        pay = d.payment
        out: Source = []
        if pay is not None:
            means = L.get(f"pay_{pay.means_code}", pay.means_code)
            if pay.means_text and pay.means_text != means:
                means = f"{means} ({pay.means_text})"
            out.append(self.kv(L["means"], capped(means), bold=True))
            for ct in pay.credit_transfers:
                iban_like = re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}", "".join(ct.account_id.split()))
                acct = groups4(ct.account_id) if iban_like else ct.account_id
                out.append(self.kv(L["iban"] if iban_like else L["id"], capped(acct), bold=True))
                if ct.bic:
                    out.append(self.kv(L["bic"], capped(groups4(ct.bic))))
                if ct.account_name:
                    out.append(self.kv(L["holder"], capped(ct.account_name)))
            if pay.card is not None:
                holder = f" ({pay.card.holder})" if pay.card.holder else ""
                out.append(self.kv(L["card"], capped(f"**** {pay.card.pan_last_digits}{holder}")))
            dd = pay.direct_debit
            if dd is not None:
                if dd.mandate_id:
                    out.append(self.kv(L["mandate"], capped(dd.mandate_id), bold=True))
                if dd.creditor_id:
                    out.append(self.kv(L["creditor"], capped(dd.creditor_id)))
                if dd.debited_account:
                    out.append(self.kv(L["debited"], capped(groups4(dd.debited_account))))
            if pay.remittance_info:
                out.append(self.kv(L["remittance"], capped(pay.remittance_info), bold=True))
        if d.payee is not None:
            out.append(self.kv(L["payee"], capped(d.payee.name)))
        if d.due_date and not d.is_credit_note:
            out.append(self.kv(L["due_date"], f.date(d.due_date), bold=True))
        if d.payment_terms:
            out.append(self.kv(L["terms"], capped(d.payment_terms)))
        if not out:
            return []
        return [self.head(L["payment"], width), self.para(out, width, BASE)]

    def summary(self) -> None:
        right_w = 96 * mm
        left_w = WIDTH - right_w - 6 * mm
        right: list[_Item] = [self.head(self.L["vat_breakdown"], right_w), _Rows(self.vat_rows(right_w), right_w),
                              _Gap(4 * mm), _Rows(self.totals_rows(right_w), right_w)]
        left = self.payment(left_w)
        right_h = sum(i.height + (i.after if isinstance(i, Para) else 0) for i in right)
        left_h = sum(p.height + p.after for p in left)
        frame_h = self.frame_top - self.frame_bottom
        self.space(6 * mm)
        if max(left_h, right_h) < frame_h * 0.85:  # side by side
            self.room(max(left_h, right_h))
            top = self.y
            self.draw_items(left, MARGIN_X, top, left_w)
            self.draw_items(right, MARGIN_X + WIDTH - right_w, top, right_w)
            self.y = top - max(left_h, right_h)
            return
        # too tall: the totals block (kept together when it fits a page), then the payment text
        x = MARGIN_X + WIDTH - right_w
        self.room(min(right_h, frame_h))
        for item in right:
            if isinstance(item, Para):
                self.flow_para(item, x, right_w)
            elif isinstance(item, _Rows):
                self.flow_rows(item.rows, x, right_w, None)
            else:
                self.space(item.height)
        if left:
            self.space(5 * mm)
            paras = self.payment(WIDTH)
            self.flow_para(paras[0], keep=paras[1].style.leading)
            self.flow_para(paras[1])

    def notice_block(self) -> None:
        """The notice of :func:`render` (a discrepancy between stated and computed amounts), in bold
        right under the totals, before anything else can come between them."""
        if self.notice:
            self.space(4 * mm)
            self.flow_para(self.para([[(clean(capped(self.notice, 2000)), FONT_BOLD, BLACK)]], WIDTH,
                                     Style(FONT_BOLD, 8, 10.5, BLACK)))

    def notes(self) -> None:
        L = self.L
        texts = [n.text for n in legal_notes(self.doc)] + list(self.t.mentions)
        if texts:
            self.space(6 * mm)
            note = Style(FONT, 7.5, 9.5, GREY)
            paras = [self.para(clean(text), WIDTH, note, after=2) for text in texts]
            self.flow_para(self.head(L["notes"]), keep=note.leading)
            for p in paras:
                self.flow_para(p)
        if self.doc.attachments:
            items = [", ".join(capped(x) for x in (a.id, a.description, a.filename or a.uri) if x)
                     for a in self.doc.attachments]
            self.space(3 * mm)
            self.flow_para(self.para([[(clean(L["attachments"]), FONT_BOLD, GREY),
                                       (f"{NBSP}: " + " ; ".join(items), FONT, GREY)]], WIDTH, SMALL))

    def footer_text(self) -> str:
        if self.t.footer_text:
            return capped(self.t.footer_text, 700)
        s = self.doc.seller
        bits = [s.name]
        if s.legal_info:
            bits.append(s.legal_info)
        for ident in (*s.identifiers, s.legal_id):
            if ident is not None and ident.scheme in ("0009", "0002"):
                label, value = self.ident(ident)
                bits.append(f"{label} {value}")
                break
        if s.vat_id:
            bits.append(f"{self.L['vat_id']} {s.vat_id}")
        return capped(" – ".join(bits), 700)

    def decor(self, page: int, total: int) -> list[str]:
        """Header, running title, footer and page number of a page (drawn first, in their own state)."""
        ops = self.pen.start()
        if self.header_para is not None:
            self.pen.para(self.header_para, MARGIN_X, PAGE_H - 8 * mm, WIDTH - 70 * mm)
        if page > 1:
            text = clean(f"{self.title()} {self.doc.number} ({self.L['continued']})")
            self.right_text(text, PAGE_H - 8 * mm - 7.5, 7.5)
        y_rule = 8 * mm + self.footer.height + 2 * mm
        self.pen.line(MARGIN_X, y_rule, PAGE_W - MARGIN_X, y_rule, 0.5, RULE)
        self.pen.para(self.footer, MARGIN_X, 8 * mm + self.footer.height, WIDTH - 28 * mm)
        self.right_text(f"{clean(self.L['page'])} {page} / {total}", 8 * mm + self.footer.height - 7.5, 7.5)
        return ["q", *ops.lines(), "Q"]

    def right_text(self, text: str, y: float, size: float) -> None:
        self.pen.text(PAGE_W - MARGIN_X - self.measure(size)(text, FONT), y, text, FONT, size, GREY)

    def build(self) -> list[Ops]:
        self.new_page()
        self.header()
        self.lines()
        self.doc_allowances()
        self.summary()
        self.notice_block()
        self.notes()
        return self.pages


# ---------------------------------------------------------------------------- rendering


@lru_cache(maxsize=8)
def _logo_image(logo: bytes) -> tuple[bytes, int, int]:
    """The logo as drawn (RGB only: no CMYK or grey JPEG, transparency flattened on white, no soft
    mask) and its size in pixels; prepared once per process for each logo."""
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(logo)) as img:
        img.load()
        if img.mode != "RGB" or logo.startswith(b"\x89PNG"):
            rgba = img.convert("RGBA")
            flat = PILImage.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            buf = io.BytesIO()
            flat.save(buf, format="PNG")
            data = buf.getvalue()
        else:
            data = logo
        w_px, h_px = img.size
    return data, w_px, h_px


def _build(doc: Document, t: Template, totals: Totals | None = None, notice: str | None = None) -> bytes:
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=A4, invariant=1, initialFontName=FONT, initialFontSize=8.5,
                    enforceColorSpace="rgb", lang=t.lang)
    lay = _Layout(doc, t, Pen(canvas), totals, notice)
    title = clean(f"{lay.title()} {doc.number}")
    canvas.setTitle(title)
    canvas.setSubject(title)
    canvas.setAuthor(clean(doc.seller.name))
    canvas.setCreator("facturx_engine")
    pages = lay.build()
    for index, ops in enumerate(pages):
        for page, logo, x, y in lay.logos:
            if page == index:
                canvas.drawImage(ImageReader(io.BytesIO(logo.data)), x, y, logo.width, logo.height)
        canvas.addLiteral("\n".join(lay.decor(index + 1, len(pages)) + ops.lines()))
        canvas.showPage()
        # the page's content stream, Flate-encoded here: reportlab would add an ASCII85 layer,
        # which costs more than the rest of writing the page and makes the file bigger
        page = canvas._doc.Pages.pages[-1]  # the page showPage has just added
        page.Contents = Flate(zlib.compress(page.stream.encode("latin-1")))
    canvas.save()
    return buf.getvalue()


def render(doc: Document, template: Template | None = None, *, totals: Totals | None = None,
           notice: str | None = None) -> bytes:
    """The A4 PDF of ``doc`` (bytes). Deterministic: the same document and template give the same bytes.

    The amounts shown (line net amounts, document allowances and charges, VAT breakdown, totals
    BT-106..BT-115) are ``doc.totals``, computed from the lines, unless ``totals`` is given: the
    amounts a received document *states* (:func:`facturx_engine.apps.convert.convert` passes them so
    that the page shows what the embedded XML says). ``notice`` is printed in bold under the
    totals (convert explains there how the stated amounts differ from the computed ones).

    This is the visual part only; embedding the XML and PDF/A-3 conformance are done afterwards.
    """
    t = template or Template()
    fonts()
    if totals is not None and len(totals.lines) != len(doc.lines):
        raise InputError(f"the totals to show have {len(totals.lines)} line(s), the document {len(doc.lines)}")
    return _build(doc, t, totals, notice)
