"""The furniture of every page of the rendered invoice, around the body that
:mod:`facturx_engine.pdf.render.layout` lays out: :class:`InvoicePage` sets the frame between
the header text and the footer, draws the running title, the footer (the template's, else the
seller's legal identity) and ``page X / Y``, and gives the body its common pieces: label/value
runs, headings, table header rows, the document title, identifiers, the logo.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from reportlab.lib.units import mm  # type: ignore[import-untyped]

from facturx_engine.i18n import code_label, labels
from facturx_engine.pdf.render.flow import (
    BLACK,
    GREY,
    LABEL_GREY,
    MARGIN_X,
    PAGE_H,
    PAGE_W,
    RULE,
    SMALL,
    WIDTH,
    Flow,
    Logo,
    ink_on,
    rgb,
)
from facturx_engine.pdf.render.fonts import FONT, FONT_BOLD, capped, clean
from facturx_engine.pdf.render.labels import NBSP, PageFmt, siren_like
from facturx_engine.pdf.render.template import Template, logo_image
from facturx_engine.pdf.render.text import Para, Pen, Row, Run, Style

if TYPE_CHECKING:
    from facturx_engine.model.compute import Totals
    from facturx_engine.model.records import Document, Identifier

__all__ = ["InvoicePage"]


class InvoicePage(Flow):
    """One document laid out on pages with the painter: the frame, the page furniture, the pieces
    the body is made of (:mod:`facturx_engine.pdf.render.layout` lays out the body)."""

    def __init__(self, doc: Document, t: Template, painter: Pen, totals: Totals | None = None,
                 notice: str | None = None) -> None:
        super().__init__(painter)
        self.doc, self.t = doc, t
        self.totals = doc.totals if totals is None else totals  # the amounts shown: computed, or as stated
        self.notice = notice
        self.f = PageFmt(t.lang, doc.currency)
        self.L = labels(t.lang)  # the words of the catalogue (labels.tsv) in the template's language
        self.colon = f"{NBSP}: " if t.lang == "fr" else ": "  # French sets a (no-break) space before a colon
        self.primary = rgb(t.primary_color)
        self.head_style = Style(FONT_BOLD, 9.5, 13, self.primary)
        self.footer = self.para(self.footer_text(), WIDTH - 28 * mm, SMALL)
        self.header_para = self.para(capped(t.header_text, 300), WIDTH - 70 * mm, SMALL) if t.header_text else None
        self.frame_top = PAGE_H - (8 * mm + (self.header_para.height if self.header_para else 8) + 5 * mm)
        self.frame_bottom = 8 * mm + self.footer.height + 6 * mm
        self.y = self.frame_top

    def kv(self, label: str, value: str, *, bold: bool = False) -> list[Run]:
        return [(clean(label) + self.colon, FONT, LABEL_GREY), (value, FONT_BOLD if bold else FONT, BLACK)]

    def head(self, text: str, width: float = WIDTH) -> Para:
        return self.para(clean(text), width, self.head_style, after=2)

    def title(self) -> str:
        d = self.doc
        return code_label("1001", d.type_code, self.t.lang) or self.L["credit" if d.is_credit_note else "invoice"]

    def grid_header(self, labels: Sequence[str], widths: Sequence[float], right_from: int,
                    left: Sequence[int] = ()) -> Row:
        ink = ink_on(self.t.primary_color)
        style = Style(FONT_BOLD, 8, 10, ink)
        cells = [self.cell(clean(text), w, style, "R" if i >= right_from and i not in left else "L", wraps=False)
                 for i, (text, w) in enumerate(zip(labels, widths))]
        return self.row(widths, cells, background=self.primary)

    def ident(self, ident: Identifier) -> tuple[str, str]:
        if ident.scheme == "0009":
            return self.L["siret"], siren_like(ident.value)
        if ident.scheme == "0002":
            return self.L["siren"], siren_like(ident.value)
        return (f"{self.L['id']} ({ident.scheme})" if ident.scheme else self.L["id"]), ident.value

    def logo(self) -> Logo | None:
        if self.t.logo is None:
            return None
        data, w_px, h_px = logo_image(self.t.logo)
        width = float(self.t.logo_width_mm) * mm
        height = width * h_px / w_px
        if height > 28 * mm:  # a very tall logo is scaled down to keep the header compact
            width, height = width * 28 * mm / height, 28 * mm
        return Logo(data, width, height, "L" if self.t.logo_position == "left" else "R")

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
