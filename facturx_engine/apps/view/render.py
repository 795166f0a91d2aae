"""The public entry point of the view: :func:`view` (document bytes in, HTML or PDF bytes out).

Skeleton: a minimal page until :mod:`.build` and :mod:`.html` land; the signature is stable."""

from __future__ import annotations

import html as _html

from facturx_engine.i18n import LANGS
from facturx_engine.errors import InputError

__all__ = ["FORMATS", "view"]

FORMATS = ("html", "pdf")


def view(data: bytes, *, name: str = "", fmt: str = "html", lang: str = "en", ids: bool = False,
         validate: bool = True) -> bytes:
    """A view a person can read of the invoice or credit note ``data`` (CII, UBL, or a Factur-X /
    ZUGFeRD PDF): every business term it states with its label, its stated totals as stated, its
    attachments, and (``validate=True``) the findings of the rule sets it claims on top.

    ``fmt``: ``"html"`` (one self-contained UTF-8 file) or ``"pdf"``; ``lang``: ``fr``, ``en`` or ``de``;
    ``ids``: show each business term's id beside its label; ``name``: the file name shown. Raises
    :class:`~facturx_engine.errors.ParseError` for input that is no invoice the engine reads,
    :class:`~facturx_engine.errors.InputError` for a bad option.
    """
    if fmt not in FORMATS:
        raise InputError(f"must be one of {', '.join(FORMATS)}, got {fmt!r}", field="format")
    if lang not in LANGS:
        raise InputError(f"must be one of {', '.join(LANGS)}, got {lang!r}", field="lang")
    from facturx_engine.syntax.read import read_document

    doc = read_document(data).document
    page = f"<!doctype html><html lang='{lang}'><meta charset='utf-8'><title>{_html.escape(doc.number)}</title>" \
           f"<h1>{_html.escape(doc.number)}</h1></html>"
    return page.encode()
