"""The fonts of the rendered invoice: the Bitstream Vera TrueType fonts that reportlab ships,
embedded as subsets (:func:`fonts`), and text made drawable with them (:func:`clean`,
:func:`capped`).

Every document's first subset of a font starts with the same characters (ASCII, then
:data:`PRESET`, the Latin-1 letters and the usual punctuation and symbols), so for any document
whose characters are all among them, which is any French, English or German invoice, the embedded
subset is the same, and its TrueType program, its Flate encoding, its widths and its ToUnicode
map are computed once per process (:func:`subset_parts`) and reused. A document with other
characters gets them appended to its subset and pays for its own (the cache keeps the last
few subsets).
"""

from __future__ import annotations

import base64
import unicodedata
import zlib
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfdoc, pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import (  # type: ignore[import-untyped]
    SUBSETN,
    TTFont,
    makeToUnicodeCMap,
)

from facturx_engine.pdf.render.labels import NBSP

__all__ = ["FONT", "FONT_BOLD", "FONT_BOLD_ITALIC", "FONT_FILES", "FONT_ITALIC", "PRESET", "Flate", "PdfSource",
           "VeraFont", "Widths", "capped", "clean", "fonts", "subset_codes", "subset_parts"]

FONT, FONT_BOLD, FONT_ITALIC, FONT_BOLD_ITALIC = "FXVera", "FXVera-Bold", "FXVera-Italic", "FXVera-BoldItalic"
FONT_FILES = {FONT: "Vera.ttf", FONT_BOLD: "VeraBd.ttf", FONT_ITALIC: "VeraIt.ttf", FONT_BOLD_ITALIC: "VeraBI.ttf"}

# The characters placed in every document's first font subset right after ASCII (codes 1-31 and
# 128-255 of that subset; 159 places, of which these take 145): the Latin-1 letters and signs,
# then the letters of French, English and the neighbouring Latin alphabets, typographic
# punctuation and a few symbols. Only those the font has are used.
PRESET = ("".join(chr(c) for c in range(0xA1, 0x100))
          + "ŒœŠšŽžŸƒ–—‘’‚“”„†‡•…‰‹›€™ŁłĆćČčĎďĐđĞğİıŞşΩπ−√∞≈≠≤≥")
_FLATE = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
_A85_FLATE = pdfdoc.PDFArray([pdfdoc.PDFName("ASCII85Decode"), pdfdoc.PDFName("FlateDecode")])


class Flate(pdfdoc.PDFObject):  # type: ignore[misc]  # reportlab has no type information
    """A stream whose data are already Flate-encoded, written with an EOL before ``endstream``
    (reportlab's own streams have none there, which PDF/A forbids, ISO 19005-3 6.1.7.1, and which
    makes the page unfit for :func:`facturx_engine.pdf.embed.embed`'s incremental update).

    Zlib data whose last byte is CR (the low byte of its Adler-32, so about one stream in 256,
    depending on the text drawn) is wrapped in ASCII85 (``~>`` ends it): followed by the EOL before
    ``endstream`` such a CR reads as CR LF, page-validation then counts /Length one byte short,
    and embed would have to encode the stream again and write the whole file instead of an update.
    ISO 32000-1 7.3.8.1 lets data end with CR (/Length counts it, the EOL after it does not);
    only PDF/A's wording of the EOL before ``endstream`` (ISO 19005-3 6.1.7.1) leaves it ambiguous."""

    __RefOnly__ = 1  # an indirect object, like every stream

    def __init__(self, data: bytes, **entries: Any) -> None:
        self.data, self.entries = data, entries

    def format(self, document: Any) -> bytes:
        data, filters = self.data, _FLATE
        if data.endswith(b"\r"):
            data, filters = base64.a85encode(data) + b"~>", _A85_FLATE
        head = pdfdoc.PDFDictionary({**self.entries, "Filter": filters, "Length": len(data)})
        return bytes(pdfdoc.format(head, document)) + b"\nstream\n" + data + b"\nendstream\n"


class PdfSource(pdfdoc.PDFObject):  # type: ignore[misc]  # reportlab has no type information
    """PDF source already written (a font's /Widths array), given to reportlab as it is."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def format(self, document: Any) -> bytes:
        return self.data


@lru_cache(maxsize=32)
def subset_parts(face: Any, base_name: str, subset: tuple[int, ...]) -> tuple[bytes, int, bytes, bytes]:
    """What a font subset writes that depends on nothing but the face and the subset: the Flate-encoded
    TrueType program and its length, the Flate-encoded ToUnicode CMap, the /Widths array."""
    program = face.makeSubset(list(subset))
    widths = " ".join(format(face.getCharWidth(code), "g") for code in subset)
    cmap = makeToUnicodeCMap(base_name, list(subset)).encode("latin-1")
    return zlib.compress(program), len(program), zlib.compress(cmap), f"[ {widths} ]".encode("ascii")


class VeraFont(TTFont):  # type: ignore[misc]  # reportlab has no type information
    """A reportlab TrueType font whose first subset in every document starts with ASCII and
    :data:`PRESET`, and whose subset objects come from :func:`subset_parts` (module docstring)."""

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename)
        has = self.face.charToGlyph
        self.preset = "".join(ch for ch in PRESET if ord(ch) in has)

    def splitString(self, text: str, doc: Any, encoding: str = "utf-8") -> list[tuple[int, bytes]]:
        if doc not in self.state:
            super().splitString(self.preset, doc)
        result: list[tuple[int, bytes]] = super().splitString(text, doc, encoding)
        return result

    def addObjects(self, doc: Any) -> None:
        """The font dictionaries of the subsets used in ``doc`` (reportlab calls this when saving)."""
        state = self.state[doc]
        state.frozen = 1
        face = self.face
        table = doc.idToObject["BasicFonts"].dict
        for n, subset in enumerate(state.subsets):
            internal = self.getSubsetInternalName(n, doc)[1:]
            base = (SUBSETN(n) + b"+" + face.name + face.subfontNameX).decode("latin-1")
            program, length, cmap, widths = subset_parts(face, base, tuple(subset))
            program_ref = doc.Reference(Flate(program, Length1=length), f"fontFile:{face.filename}({base})")
            descriptor = pdfdoc.PDFDictionary({
                "Type": "/FontDescriptor", "Ascent": face.ascent, "CapHeight": face.capHeight,
                "Descent": face.descent, "Flags": (face.flags & ~32) | 4,  # symbolic, as subsets are
                "FontBBox": pdfdoc.PDFArray(face.bbox), "FontName": pdfdoc.PDFName(base),
                "ItalicAngle": face.italicAngle, "StemV": face.stemV, "FontFile2": program_ref,
                "MissingWidth": face.defaultWidth})
            font = pdfdoc.PDFTrueTypeFont()
            font.Name, font.BaseFont = internal, base
            font.FirstChar, font.LastChar = 0, len(subset) - 1
            font.Widths = PdfSource(widths)
            font.ToUnicode = doc.Reference(Flate(cmap), "toUnicodeCMap:" + base)
            font.FontDescriptor = doc.Reference(descriptor, "fontDescriptor:" + base)
            doc.Reference(font, internal)
            table[internal] = font
        del self.state[doc]


@lru_cache(maxsize=32)
def subset_codes(subset: tuple[int, ...], assigned: tuple[tuple[int, int], ...]) -> tuple[frozenset[str], dict[int, str]]:
    """For a document's first subset (``subset``, and reportlab's code of each character
    ``assigned``): the characters drawn with it and the ``str.translate`` table to their codes."""
    table = {code: chr(n) for code, n in assigned if n < 256 and code}
    if 32 in table:
        table[0xA0] = table[32]
    return frozenset(map(chr, table)), table


class Widths(dict[int, float]):
    """Advance widths (1/1000 em) by code point; the no-break space is drawn as a space."""

    def __init__(self, face: Any) -> None:
        super().__init__(face.charWidths)
        self[0xA0] = self.get(32, face.defaultWidth)
        self.default = float(face.defaultWidth)

    def __missing__(self, code: int) -> float:
        return self.default


@cache
def fonts() -> tuple[frozenset[int], dict[str, Widths]]:
    """The Vera fonts shipped inside the reportlab package, registered once: the code points all
    four cover, and their widths.

    They are put in reportlab's font table under our names directly: ``registerFont`` would hand
    out an earlier font of the same face registered by someone else, and would hand ours to a
    later caller registering Vera under another name.
    """
    import reportlab  # type: ignore[import-untyped]

    folder = Path(reportlab.__file__).parent / "fonts"
    covered: frozenset[int] | None = None
    widths = {}
    for name, filename in FONT_FILES.items():
        font = VeraFont(name, str(folder / filename))
        pdfmetrics._fonts[name] = font  # private to reportlab: see the docstring
        cmap = frozenset(font.face.charToGlyph)
        covered = cmap if covered is None else covered & cmap
        widths[name] = Widths(font.face)
    assert covered is not None
    return covered, widths


def clean(text: str) -> str:
    """Text the fonts can draw: unknown characters become their base letter, else '?'."""
    covered = fonts()[0]
    if covered.issuperset(map(ord, text)):
        return text
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


def capped(text: str | None, cap: int | None = None) -> str:
    """Text to draw: ``cap`` shortens a text shown in a fixed box (the XML keeps the whole text)."""
    text = text or ""
    if cap is not None and len(text) > cap:
        text = text[:cap - 1].rstrip() + "…"
    return clean(text)
