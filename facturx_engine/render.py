"""The human-readable side of an invoice: an A4 PDF drawn with reportlab from the model.

:func:`render` lays out the seller and buyer, the title (by type code and language), dates and
references, the lines (a table that flows over as many pages as needed, header row repeated),
document allowances and charges, the VAT breakdown, the totals BT-106..BT-115, the payment
instructions, the notes with the French legal mentions (:func:`facturx_engine.fr.legal_notes`),
and a footer with ``page X / Y`` on every page.

PDF/A-minded choices (``shared/design/PDFA.md`` D and 3.1): the only fonts are the Bitstream
Vera TrueType fonts that reportlab itself ships (loaded from the installed package, embedded as
subsets; they cover €, accents, « », – and ’), the canvas starts on one of them
(``initialFontName``) so no base-14 font is ever referenced, colours are RGB only, and the
canvas is ``invariant`` so the same input gives the same bytes. Characters the fonts lack are
replaced (by their base letter, else ``?``) so no glyph is ``.notdef``.

:class:`Template` carries the branding: logo, colours, header/footer text, extra mentions, language.
"""

from __future__ import annotations

import base64
import binascii
import functools
import io
import json
import os
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.enums import TA_RIGHT  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    BaseDocTemplate,
    Frame,
    Image,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from ._render_text import LABELS, NBSP, Fmt, groups4, siren_like
from .compute import round2
from .errors import InputError
from .fr import legal_notes

if TYPE_CHECKING:
    from .compute import LineAmounts
    from .model import AllowanceCharge, Document, Identifier, Line, Party

__all__ = ["FONT", "Template", "render"]

FONT, FONT_BOLD, FONT_ITALIC, FONT_BOLD_ITALIC = "FXVera", "FXVera-Bold", "FXVera-Italic", "FXVera-BoldItalic"
_FONT_FILES = {FONT: "Vera.ttf", FONT_BOLD: "VeraBd.ttf", FONT_ITALIC: "VeraIt.ttf", FONT_BOLD_ITALIC: "VeraBI.ttf"}
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


# ---------------------------------------------------------------------------- fonts and text


@cache
def _fonts() -> frozenset[int]:
    """Register the Vera fonts shipped inside the reportlab package; return the code points all four cover."""
    import reportlab  # type: ignore[import-untyped]

    folder = Path(reportlab.__file__).parent / "fonts"
    covered: frozenset[int] | None = None
    for name, filename in _FONT_FILES.items():
        font = TTFont(name, str(folder / filename))
        pdfmetrics.registerFont(font)
        cmap = frozenset(font.face.charToGlyph)
        covered = cmap if covered is None else covered & cmap
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD_ITALIC)
    assert covered is not None
    return covered


def _clean(text: str) -> str:
    """Text the fonts can draw: unknown characters become their base letter, else '?'."""
    covered = _fonts()
    out = []
    for ch in text:
        if ord(ch) in covered or ch in "\n":
            out.append(ch)
        elif ch in "\t\u2009\u202f\u2007":
            out.append(" " if ch == "\t" else NBSP)
        elif unicodedata.category(ch)[0] == "C":
            continue
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if ord(c) in covered
                           and not unicodedata.combining(c))
            out.append(base or "?")
    return "".join(out)


def _x(text: str | None, cap: int | None = None) -> str:
    """Escape text for a Paragraph; newlines become line breaks. ``cap`` shortens a text shown in
    a fixed box (a table cell cannot grow past a page); the XML keeps the whole text."""
    text = text or ""
    if cap is not None and len(text) > cap:
        text = text[:cap - 1].rstrip() + "…"
    return escape(_clean(text)).replace("\n", "<br/>")


# reportlab's Paragraph collapses and breaks at these (paragraph._wsc); the no-break space is text
_PARA_SPACE = "\t\n\x0b\x0c\r\x1c-\x1f \x85\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000"
_ONE_LINE = re.compile(f"[^{_PARA_SPACE}]+(?: [^{_PARA_SPACE}]+)*")


def _plain(text: str | None, cap: int | None, font: str, size: float, width: float) -> str | None:
    """``text`` as a plain table-cell string, when a table draws it exactly where and as a
    one-line Paragraph of ``_x(text, cap)`` would be drawn: words separated by single spaces (no
    markup, no line break, nothing a Paragraph collapses) that fit in ``width`` points. None
    otherwise, and the caller keeps the Paragraph, which wraps. (A cell string sits at the top
    padding minus the font size, as the first line of a Paragraph whose leading is at least its
    size does; a Paragraph costs a markup parse, a line-breaking pass per wrap and a text object.)
    """
    text = text or ""
    if cap is not None and len(text) > cap:
        text = text[:cap - 1].rstrip() + "…"
    text = _clean(text)
    if not _ONE_LINE.fullmatch(text) or pdfmetrics.stringWidth(text, font, size) > width:
        return None
    return text


_CHUNK = 500  # characters of a line's description per table row


def _chunks(text: str) -> list[str]:
    """Cut a long text at spaces into pieces of at most about _CHUNK characters."""
    out = []
    while len(text) > _CHUNK:
        cut = text.rfind(" ", _CHUNK // 2, _CHUNK)
        cut = cut if cut > 0 else _CHUNK
        out.append(text[:cut])
        text = text[cut:].lstrip()
    if text:
        out.append(text)
    return out


def _hex(color: str) -> Any:
    return colors.HexColor(color)


def _tint(color: str, share: float) -> Any:
    """The colour mixed with white: share 0 is white, 1 the colour."""
    r, g, b = (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return colors.Color(1 - share * (1 - r), 1 - share * (1 - g), 1 - share * (1 - b))


def _ink_on(color: str) -> Any:
    """Black or white, whichever reads better on the colour."""
    r, g, b = (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return colors.white if 0.299 * r + 0.587 * g + 0.114 * b < 0.6 else colors.black


# ---------------------------------------------------------------------------- layout

PAGE_W, PAGE_H = A4
MARGIN_X = 15 * mm
WIDTH = PAGE_W - 2 * MARGIN_X
GREY = colors.Color(0.38, 0.38, 0.40)
LABEL_GREY = colors.HexColor("#5F5F66")  # the <font color='#5f5f66'> of the labels
RULE = colors.Color(0.78, 0.78, 0.80)


class _Layout:
    """Builds the story (list of flowables) of one document."""

    def __init__(self, doc: Document, t: Template) -> None:
        self.doc, self.t = doc, t
        self.f = Fmt(t.lang, doc.currency)
        self.L = self.f.L
        self.primary = _hex(t.primary_color)
        base = ParagraphStyle("fx", fontName=FONT, fontSize=8.5, leading=11, textColor=colors.black)
        self.s = {
            "base": base,
            "small": ParagraphStyle("fx-small", parent=base, fontSize=7.5, leading=9.5, textColor=GREY),
            "right": ParagraphStyle("fx-right", parent=base, alignment=TA_RIGHT),
            "note": ParagraphStyle("fx-note", parent=base, fontSize=7.5, leading=9.5, textColor=GREY, spaceAfter=2),
            "head": ParagraphStyle("fx-head", parent=base, fontName=FONT_BOLD, fontSize=9.5, leading=13,
                                   textColor=self.primary, spaceAfter=2),
            "name": ParagraphStyle("fx-name", parent=base, fontName=FONT_BOLD, fontSize=11.5, leading=14.5),
            "title": ParagraphStyle("fx-title", parent=base, fontName=FONT_BOLD, fontSize=20, leading=24,
                                    textColor=self.primary, alignment=TA_RIGHT),
            "meta": ParagraphStyle("fx-meta", parent=base, alignment=TA_RIGHT, leading=12),
        }

    # -- small helpers
    def p(self, text: str, style: str = "base") -> Any:
        return Paragraph(text, self.s[style])

    def kv(self, label: str, value: str) -> str:
        return f"<font color='#5f5f66'>{_x(label)}{NBSP}:</font> {value}" if self.t.lang == "fr" \
            else f"<font color='#5f5f66'>{_x(label)}:</font> {value}"

    def title(self) -> str:
        d = self.doc
        return self.L.get(d.type_code) or (self.L["credit"] if d.is_credit_note else self.L["invoice"])

    # -- blocks
    def party_lines(self, party: Party, *, seller: bool) -> list[str]:
        L, out = self.L, []
        a = party.address
        for line in (a.line1, a.line2, a.line3):
            if line:
                out.append(_x(line, 200))
        city = " ".join(x for x in (a.postal_code, a.city) if x)
        if a.subdivision:
            city = f"{city}, {a.subdivision}" if city else a.subdivision
        out.append(_x(f"{city} ({a.country})" if city else a.country, 200))
        c = party.contact
        if c is not None:
            if c.name:
                out.append(self.kv(L["contact"], _x(c.name, 120)))
            if c.phone:
                out.append(self.kv(L["phone"], _x(c.phone, 60)))
            if c.email:
                out.append(self.kv(L["email"], _x(c.email, 120)))
        if party.private_person:
            return out
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
                out.append(self.kv(label, _x(value, 80)))
        if seller and party.legal_info:
            out.append(f"<font size='7.5' color='#5f5f66'>{_x(party.legal_info, 400)}</font>")
        return out

    def ident(self, ident: Identifier) -> tuple[str, str]:
        if ident.scheme == "0009":
            return self.L["siret"], siren_like(ident.value)
        if ident.scheme == "0002":
            return self.L["siren"], siren_like(ident.value)
        return (f"{self.L['id']} ({ident.scheme})" if ident.scheme else self.L["id"]), ident.value

    def logo(self) -> Any:
        if self.t.logo is None:
            return None
        from PIL import Image as PILImage

        with PILImage.open(io.BytesIO(self.t.logo)) as img:
            img.load()
            if img.mode != "RGB" or self.t.logo.startswith(b"\x89PNG"):
                # RGB only (no CMYK or grey JPEG), transparency flattened on white (no soft mask)
                rgba = img.convert("RGBA")
                flat = PILImage.new("RGB", rgba.size, (255, 255, 255))
                flat.paste(rgba, mask=rgba.getchannel("A"))
                buf = io.BytesIO()
                flat.save(buf, format="PNG")
                data = buf.getvalue()
            else:
                data = self.t.logo
            w_px, h_px = img.size
        width = float(self.t.logo_width_mm) * mm
        height = width * h_px / w_px
        if height > 28 * mm:  # a very tall logo is scaled down to keep the header compact
            width, height = width * 28 * mm / height, 28 * mm
        image = Image(io.BytesIO(data), width=width, height=height)
        image.hAlign = self.t.logo_position.upper()
        return image

    def header(self) -> list[Any]:
        d, L, f = self.doc, self.L, self.f
        seller = [self.p(_x(d.seller.name, 200), "name")]
        if d.seller.trading_name:
            seller.append(self.p(f"<i>{_x(d.seller.trading_name, 200)}</i>"))
        seller.append(self.p("<br/>".join(self.party_lines(d.seller, seller=True))))
        if d.tax_representative is not None:
            tr = d.tax_representative
            addr = ", ".join(x for x in (tr.address.line1, tr.address.postal_code, tr.address.city,
                                         tr.address.country) if x)
            seller.append(self.p(f"{_x(L['tax_rep'])}{NBSP}: {_x(tr.name, 200)}, {_x(addr, 300)} – "
                                 f"{_x(L['vat_id'])} {_x(tr.vat_id, 80)}", "small"))
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
        right: list[Any] = [self.p(_x(self.title()), "title"), Spacer(1, 3)]
        rows = []
        for k, v in meta:
            key, value = _plain(k, None, FONT, 8.5, 32 * mm), _plain(v, 80, FONT_BOLD, 8.5, 46 * mm)
            rows.append([key if key is not None else self.p(f"<font color='#5f5f66'>{_x(k)}</font>", "right"),
                         value if value is not None else self.p(f"<b>{_x(v, 80)}</b>", "right")])
        mt = Table(rows, colWidths=[32 * mm, 46 * mm], hAlign="RIGHT")
        mt.setStyle(self._plain(("TOPPADDING", (0, 0), (-1, -1), 0.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
                                ("ALIGN", (0, 0), (-1, -1), "RIGHT"), ("TEXTCOLOR", (0, 0), (0, -1), LABEL_GREY),
                                ("FONT", (1, 0), (1, -1), FONT_BOLD, 8.5, 11)))
        right.append(mt)
        logo = self.logo()
        if logo is not None:
            (seller if self.t.logo_position == "left" else right).insert(0, logo)
            (seller if self.t.logo_position == "left" else right).insert(1, Spacer(1, 4 * mm))
        top = Table([[seller, right]], colWidths=[WIDTH * 0.55, WIDTH * 0.45])
        top.setStyle(self._plain())
        # second band: references and delivery (left), buyer box (right)
        buyer = [self.p(_x(L["buyer"]).upper(), "small"), self.p(_x(d.buyer.name, 200), "name")]
        if d.buyer.trading_name:
            buyer.append(self.p(f"<i>{_x(d.buyer.trading_name, 200)}</i>"))
        buyer.append(self.p("<br/>".join(self.party_lines(d.buyer, seller=False))))
        box = Table([[buyer]], colWidths=[WIDTH * 0.45])
        box.setStyle(self._plain(("BOX", (0, 0), (-1, -1), 0.8, self.primary), ("LEFTPADDING", (0, 0), (-1, -1), 8),
                                 ("RIGHTPADDING", (0, 0), (-1, -1), 8), ("TOPPADDING", (0, 0), (-1, -1), 6),
                                 ("BOTTOMPADDING", (0, 0), (-1, -1), 8)))
        band = Table([[self.references(), box]], colWidths=[WIDTH * 0.55, WIDTH * 0.45])
        band.setStyle(self._plain())
        return [top, Spacer(1, 6 * mm), band, Spacer(1, 7 * mm)]

    def references(self) -> list[Any]:
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
        out: list[Any] = []
        if refs:
            out.append(self.p(_x(L["references"]).upper(), "small"))
            shown = [self.kv(k, f"<b>{_x(v, 150)}</b>") for k, v in refs[:16]]
            if len(refs) > 16:
                shown.append(f"… (+{len(refs) - 16})")
            out.append(self.p("<br/>".join(shown)))
        dl = d.delivery
        if dl is not None and (dl.name or dl.address or dl.location_id):
            lines = [_x(x, 200) for x in (dl.name,) if x]
            if dl.address is not None:
                a = dl.address
                lines += [_x(x, 200) for x in (a.line1, a.line2, a.line3) if x]
                lines.append(_x(" ".join(x for x in (a.postal_code, a.city, f"({a.country})") if x), 200))
            if dl.location_id is not None:
                lines.append(self.kv(L["location"], _x(dl.location_id.value, 80)))
            out += [Spacer(1, 3 * mm), self.p(_x(L["ship_to"]).upper(), "small"), self.p("<br/>".join(lines))]
        return out or [Spacer(1, 1)]

    def _plain(self, *extra: tuple[Any, ...]) -> Any:
        """A layout table: no padding, top-aligned; ``extra`` commands come after (and win)."""
        return TableStyle([("FONT", (0, 0), (-1, -1), FONT, 8.5, 11), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                           ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0), *extra])

    def _grid(self, header_rows: int = 1, numeric_from: int = 1) -> list[tuple[Any, ...]]:
        ink = _ink_on(self.t.primary_color)
        return [("FONT", (0, 0), (-1, -1), FONT, 8.5, 11), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONT", (0, 0), (-1, header_rows - 1), FONT_BOLD, 8, 10),
                ("BACKGROUND", (0, 0), (-1, header_rows - 1), self.primary),
                ("TEXTCOLOR", (0, 0), (-1, header_rows - 1), ink),
                ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LINEBELOW", (0, header_rows), (-1, -1), 0.4, RULE)]

    def ac_text(self, ac: AllowanceCharge, amount: Decimal, base: Decimal | None) -> str:
        L, f = self.L, self.f
        what = _x(ac.reason or ac.reason_code or L["charge" if ac.charge else "allowance"], 200)
        detail = f" ({f.rate(ac.percent)} × {f.money(base)})" if ac.percent is not None and base is not None else ""
        sign = "+" if ac.charge else "-"
        return f"{what}{detail}{NBSP}: <b>{sign}{f.money(amount)}</b>"

    def line_segments(self, line: Line, la: LineAmounts) -> list[tuple[str, str, int]]:
        """(style, markup, raw length) pieces of a line's description cell; long texts cut in chunks."""
        L, f = self.L, self.f
        segs = [("base", f"<b>{_x(c)}</b>", len(c)) for c in _chunks(line.name)]
        segs += [("small", _x(c), len(c)) for c in _chunks(line.description or "")]
        if line.seller_item_id:
            segs.append(("small", f"{_x(L['ref'])} {_x(line.seller_item_id, 200)}", 60))
        if line.period is not None:
            period = L["period_fmt"].format(f.date(line.period.start) or "…", f.date(line.period.end) or "…")
            segs.append(("small", _x(period), 30))
        segs += [("small", f"<i>{_x(c)}</i>", len(c)) for c in _chunks(line.note or "")]
        if line.gross_price is not None and line.gross_price != line.net_price:
            gp = f"{_x(L['gross_price'])} {f.price(line.gross_price)}"
            segs.append(("small", f"{gp}, {_x(L['discount'])} {f.price(line.gross_price - line.net_price)}", 60))
        for k, ac in enumerate(line.allowances_charges):
            amount = ac.amount if self.doc.prices_include_vat or ac.amount is None else la.allowance_charge_amounts[k]
            assert amount is not None
            segs.append(("small", self.ac_text(ac, amount, ac.base_amount), 80))
        return [s for s in segs if s[2]]

    def lines(self) -> list[Any]:
        d, L, f = self.doc, self.L, self.f
        gross = d.prices_include_vat
        head = [L["col_id"], L["col_item"], L["col_qty"], L["col_unit"],
                L["col_price_gross" if gross else "col_price"], L["col_vat"],
                L["col_amount_gross" if gross else "col_amount"]]
        rows: list[list[Any]] = [[_clean(h) for h in head]]
        style = self._grid(numeric_from=2)
        style += [("ALIGN", (3, 0), (3, -1), "LEFT"), ("ALIGN", (0, 0), (0, -1), "LEFT"),
                  ("LINEBELOW", (0, 1), (-1, -1), 0, colors.white)]
        zebra = _tint(self.t.primary_color, 0.06)
        widths = [10 * mm, 71 * mm, 16 * mm, 17 * mm, 25 * mm, 15 * mm, 26 * mm]
        # plain strings (see _plain) in the first column are small grey, in the second the bold name
        style += [("FONT", (0, 1), (0, -1), FONT, 7.5, 9.5), ("TEXTCOLOR", (0, 1), (0, -1), GREY),
                  ("FONT", (1, 1), (1, -1), FONT_BOLD, 8.5, 11)]
        for n, (line, la) in enumerate(zip(d.lines, d.totals.lines)):
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
            groups: list[list[tuple[str, str, int]]] = [[]]
            size = 0
            segments = self.line_segments(line, la)
            name = _plain(line.name, None, FONT_BOLD, 8.5, widths[1] - 8) \
                if len(segments) == 1 and segments[0][0] == "base" else None  # the name alone, one chunk
            for seg in segments:
                if groups[-1] and size + seg[2] > _CHUNK:
                    groups.append([])
                    size = 0
                groups[-1].append(seg)
                size += seg[2]
            first = len(rows)
            for g, group in enumerate(groups):
                cell: Any = name if name is not None else [self.p(markup, style_name) for style_name, markup, _ in group]
                if g == 0:
                    ident = _plain(line.id, 30, FONT, 7.5, widths[0] - 8)
                    unit = f.unit(line.unit, line.quantity)
                    unit_text = _plain(unit, 30, FONT, 8.5, widths[3] - 8)
                    rows.append([ident if ident is not None else self.p(_x(line.id, 30), "small"), cell,
                                 f.num(line.quantity), unit_text if unit_text is not None else self.p(_x(unit, 30)),
                                 price_text, vat_text, f.money(amount)])
                else:
                    rows.append(["", cell, "", "", "", "", ""])
            last = len(rows) - 1
            if last > first:
                style += [("BOTTOMPADDING", (0, first), (-1, last - 1), 0),
                          ("TOPPADDING", (0, first + 1), (-1, last), 0)]
            if n % 2:
                style.append(("BACKGROUND", (0, first), (-1, last), zebra))
            style.append(("LINEBELOW", (0, last), (-1, last), 0.4, RULE))
        table = Table(rows, colWidths=widths, repeatRows=1)
        table.setStyle(TableStyle(style))
        return [table]

    def doc_allowances(self) -> list[Any]:
        d, L, f = self.doc, self.L, self.f
        if not d.allowances_charges:
            return []
        rows: list[list[Any]] = [[_clean(L[k]) for k in ("type", "reason", "base", "rate", "col_vat", "amount")]]
        for k, ac in enumerate(d.allowances_charges):
            gross = d.prices_include_vat
            amount = ac.amount if gross or ac.amount is None else d.totals.document_allowance_charge_amounts[k]
            assert amount is not None and ac.vat is not None
            sign = Decimal(1) if ac.charge else Decimal(-1)
            rows.append([_clean(L["charge" if ac.charge else "allowance"]), self.p(_x(ac.reason or ac.reason_code, 300)),
                         f.money(ac.base_amount) if ac.base_amount is not None else "",
                         f.rate(ac.percent) if ac.percent is not None else "",
                         f"{ac.vat.category.value} {f.rate(ac.vat.rate)}".strip() if ac.vat.category.value != "S"
                         else f.rate(ac.vat.rate), f.money(sign * amount)])
        table = Table(rows, colWidths=[22 * mm, 74 * mm, 26 * mm, 16 * mm, 16 * mm, 26 * mm], repeatRows=1)
        table.setStyle(TableStyle(self._grid(numeric_from=2)))
        return [Spacer(1, 5 * mm), self.p(_x(L["doc_ac"]), "head"), table]

    def vat_table(self, width: float) -> Any:
        L, f = self.L, self.f
        rows: list[list[Any]] = [[_clean(L["vat_cat"]), _clean(L["vat_base"]), _clean(L["vat_amount"])]]
        spans = []
        for b in self.doc.totals.vat_breakdown:
            cat = L.get(b.category.value, b.category.value)
            label = _plain(f"{cat} {f.rate(b.rate)}".strip(), None, FONT, 8.5, width - 56 * mm - 8)
            rows.append([label if label is not None else self.p(f"{_x(cat)} {f.rate(b.rate)}".strip()),
                         f.money(b.taxable_amount), f.money(b.tax_amount)])
            if b.exemption_reason or b.exemption_code:
                why = ", ".join(_x(x, 600) for x in (b.exemption_reason, b.exemption_code) if x)
                rows.append([self.p(f"<font size='7.5' color='#5f5f66'>{_x(L['exemption'])}{NBSP}: "
                                    f"{why}</font>"), "", ""])
                spans.append(len(rows) - 1)
        table = Table(rows, colWidths=[width - 56 * mm, 28 * mm, 28 * mm], repeatRows=1)
        style = self._grid()
        for r in spans:
            style += [("SPAN", (0, r), (-1, r)), ("LINEBELOW", (0, r - 1), (-1, r - 1), 0, colors.white),
                      ("TOPPADDING", (0, r), (-1, r), 0)]
        table.setStyle(TableStyle(style))
        return table

    def totals_table(self, width: float) -> Any:
        d, L, f, t = self.doc, self.L, self.f, self.doc.totals
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
        due_label = L["due_credit"] if d.is_credit_note else L["due"]
        data = [[_clean(a), _clean(b)] for a, b, _ in rows] + [[_clean(due_label), _clean(f.money(t.due))]]
        table = Table(data, colWidths=[width - 34 * mm, 34 * mm])
        last = len(data) - 1
        accent = self.t.accent_color
        style = [("FONT", (0, 0), (-1, -1), FONT, 8.5, 11), ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                 ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                 ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                 ("FONT", (0, last), (-1, last), FONT_BOLD, 10.5, 13),
                 ("BACKGROUND", (0, last), (-1, last), _hex(accent)),
                 ("TEXTCOLOR", (0, last), (-1, last), _ink_on(accent)),
                 ("TOPPADDING", (0, last), (-1, last), 5), ("BOTTOMPADDING", (0, last), (-1, last), 5)]
        for i, (_, _, strong) in enumerate(rows):
            if strong:
                style += [("FONT", (0, i), (-1, i), FONT_BOLD, 8.5, 11), ("LINEABOVE", (0, i), (-1, i), 0.6, GREY)]
        table.setStyle(TableStyle(style))
        return table

    def payment(self) -> list[Any]:
        d, L, f = self.doc, self.L, self.f
        pay = d.payment
        out: list[str] = []
        if pay is not None:
            means = L.get(f"pay_{pay.means_code}", pay.means_code)
            if pay.means_text and pay.means_text != means:
                means = f"{means} ({pay.means_text})"
            out.append(self.kv(L["means"], f"<b>{_x(means)}</b>"))
            for ct in pay.credit_transfers:
                iban_like = re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}", "".join(ct.account_id.split()))
                acct = groups4(ct.account_id) if iban_like else ct.account_id
                out.append(self.kv(L["iban"] if iban_like else L["id"], f"<b>{_x(acct)}</b>"))
                if ct.bic:
                    out.append(self.kv(L["bic"], _x(groups4(ct.bic))))
                if ct.account_name:
                    out.append(self.kv(L["holder"], _x(ct.account_name)))
            if pay.card is not None:
                holder = f" ({_x(pay.card.holder)})" if pay.card.holder else ""
                out.append(self.kv(L["card"], f"**** {_x(pay.card.pan_last_digits)}{holder}"))
            dd = pay.direct_debit
            if dd is not None:
                if dd.mandate_id:
                    out.append(self.kv(L["mandate"], f"<b>{_x(dd.mandate_id)}</b>"))
                if dd.creditor_id:
                    out.append(self.kv(L["creditor"], _x(dd.creditor_id)))
                if dd.debited_account:
                    out.append(self.kv(L["debited"], _x(groups4(dd.debited_account))))
            if pay.remittance_info:
                out.append(self.kv(L["remittance"], f"<b>{_x(pay.remittance_info)}</b>"))
        if d.payee is not None:
            out.append(self.kv(L["payee"], _x(d.payee.name)))
        if d.due_date and not d.is_credit_note:
            out.append(self.kv(L["due_date"], f"<b>{f.date(d.due_date)}</b>"))
        if d.payment_terms:
            out.append(self.kv(L["terms"], _x(d.payment_terms)))
        if not out:
            return []
        return [self.p(_x(L["payment"]), "head"), self.p("<br/>".join(out))]

    def summary(self, frame_height: float) -> list[Any]:
        right_w = 96 * mm
        left_w = WIDTH - right_w - 6 * mm
        right = [self.p(_x(self.L["vat_breakdown"]), "head"), self.vat_table(right_w), Spacer(1, 4 * mm),
                 self.totals_table(right_w)]
        left = self.payment()
        outer = Table([[left or [Spacer(1, 1)], "", right]], colWidths=[left_w, 6 * mm, right_w])
        outer.setStyle(self._plain())
        _, height = outer.wrap(WIDTH, frame_height)
        if height < frame_height * 0.85:
            return [Spacer(1, 6 * mm), outer]
        block = Table([[item] for item in right], colWidths=[right_w], hAlign="RIGHT")  # too tall: stacked
        block.setStyle(self._plain())
        return [Spacer(1, 6 * mm), KeepTogether([block]), Spacer(1, 5 * mm), *left]

    def notes(self) -> list[Any]:
        L = self.L
        texts = [n.text for n in legal_notes(self.doc)] + list(self.t.mentions)
        out: list[Any] = []
        if texts:
            out += [Spacer(1, 6 * mm), self.p(_x(L["notes"]), "head")]
            out += [self.p(_x(text), "note") for text in texts]
        if self.doc.attachments:
            items = [", ".join(_x(x) for x in (a.id, a.description, a.filename or a.uri) if x)
                     for a in self.doc.attachments]
            out += [Spacer(1, 3 * mm), self.p(f"<b>{_x(L['attachments'])}</b>{NBSP}: " + " ; ".join(items), "small")]
        return out

    def footer_text(self) -> str:
        if self.t.footer_text:
            return _x(self.t.footer_text, 700)
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
        return _x(" – ".join(bits), 700)


# ---------------------------------------------------------------------------- rendering


def _page_decor(lay: _Layout, footer: Any, header: Any) -> Callable[[Any, Any], None]:
    L = lay.L

    def draw(canvas: Any, doc: Any) -> None:
        page = canvas.getPageNumber()
        canvas.saveState()
        if header is not None:
            header.drawOn(canvas, MARGIN_X, PAGE_H - 8 * mm - header.height)
        if page > 1:
            canvas.setFont(FONT, 7.5)
            canvas.setFillColor(GREY)
            text = _clean(f"{lay.title()} {lay.doc.number} ({L['continued']})")
            canvas.drawRightString(PAGE_W - MARGIN_X, PAGE_H - 8 * mm - 7.5, text)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        y_rule = 8 * mm + footer.height + 2 * mm
        canvas.line(MARGIN_X, y_rule, PAGE_W - MARGIN_X, y_rule)
        footer.drawOn(canvas, MARGIN_X, 8 * mm)
        canvas.restoreState()

    return draw


def _page_number(lay: _Layout, footer: Any) -> Callable[[Any, int, int], None]:
    """Draws "Page X / Y" (at the right end of the footer's first line) on a page of the canvas."""
    label = lay.L["page"]

    def stamp(canvas: Any, page: int, total: int) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(GREY)
        canvas.drawRightString(PAGE_W - MARGIN_X, 8 * mm + footer.height - 7.5, f"{label} {page} / {total}")
        canvas.restoreState()

    return stamp


class _PagedCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type information
    """A canvas that keeps its pages until the document is complete, so that "page X / Y" is
    known in a single layout pass: the page number is then drawn first on each page (the layout
    never draws there), and the page written as reportlab's Canvas.showPage would have done.
    """

    def __init__(self, *args: Any, stamp: Callable[[Any, int, int], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fx_stamp = stamp
        self._fx_pages: list[dict[str, Any]] = []
        self._code: list[str]  # reportlab's content of the current page

    def showPage(self) -> None:
        self._fx_pages.append(dict(self.__dict__))  # the page's code and state; _startPage renews them
        self._startPage()

    def save(self) -> None:
        total = len(self._fx_pages)
        for state in self._fx_pages:
            self.__dict__.update(state)
            body: list[str] = self._code
            self._code = []
            self._fx_stamp(self, self._pageNumber, total)
            self._code.extend(body)
            super().showPage()
        self._fx_pages = []
        super().save()


def _build(doc: Document, t: Template) -> bytes:
    lay = _Layout(doc, t)
    small = lay.s["small"]
    footer = Paragraph(lay.footer_text(), small)
    footer.wrap(WIDTH - 28 * mm, 40 * mm)
    header = None
    if t.header_text:
        header = Paragraph(_x(t.header_text, 300), small)
        header.wrap(WIDTH - 70 * mm, 20 * mm)
    top = 8 * mm + (header.height if header is not None else 8) + 5 * mm
    bottom = 8 * mm + footer.height + 6 * mm
    buf = io.BytesIO()
    title = f"{lay.title()} {doc.number}"
    tpl = BaseDocTemplate(buf, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=top,
                          bottomMargin=bottom, title=_clean(title), author=_clean(doc.seller.name),
                          subject=_clean(title), creator="facturx_engine", invariant=1,
                          initialFontName=FONT, initialFontSize=8.5, enforceColorSpace="rgb", lang=t.lang)
    frame = Frame(MARGIN_X, bottom, WIDTH, PAGE_H - top - bottom, id="body", leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0)
    tpl.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=_page_decor(lay, footer, header))])
    story = lay.header() + lay.lines() + lay.doc_allowances() + lay.summary(frame._aH) + lay.notes()
    tpl.build(story, canvasmaker=functools.partial(_PagedCanvas, stamp=_page_number(lay, footer)))
    return buf.getvalue()


def render(doc: Document, template: Template | None = None) -> bytes:
    """The A4 PDF of ``doc`` (bytes). Deterministic: the same document and template give the same bytes.

    This is the visual part only; embedding the XML and PDF/A-3 conformance are done afterwards.
    """
    t = template or Template()
    _fonts()
    return _build(doc, t)
