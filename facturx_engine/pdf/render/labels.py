"""What the rendered invoice (:mod:`facturx_engine.pdf.render.layout`) adds to the catalogue of
:mod:`facturx_engine.i18n`, where its words are (``labels.tsv``, ``codes.tsv``): the formats as the
embedded fonts can draw them (:class:`PageFmt`), IBANs in groups of four, SIREN/SIRET numbers in
groups of three.
"""

from __future__ import annotations

from facturx_engine.i18n import Fmt

__all__ = ["NBSP", "PageFmt", "groups4", "siren_like"]

NBSP = "\u00a0"
NNBSP = "\u202f"


class PageFmt(Fmt):
    """:class:`facturx_engine.i18n.Fmt` for the page: CLDR writes French digit groups (and some
    currency and percent spacing) with the narrow no-break space U+202F, which the Bitstream Vera
    fonts lack; it is drawn as the no-break space U+00A0 (same role: the number never splits,
    and ``pdftotext`` reads it back as a space, as before)."""

    def out(self, text: str) -> str:
        return text.replace(NNBSP, NBSP)


def groups4(text: str) -> str:
    """IBAN/BIC in groups of 4, joined by no-break spaces so a line never splits the number."""
    compact = "".join(text.split()).upper()
    return NBSP.join(compact[i:i + 4] for i in range(0, len(compact), 4))


def siren_like(value: str) -> str:
    v = value.replace(" ", "")
    if v.isdigit() and len(v) in (9, 14):
        return " ".join([v[0:3], v[3:6], v[6:9]] + ([v[9:]] if len(v) == 14 else []))
    return value
