"""The public entry point of the view: :func:`view` (document bytes in, HTML or PDF bytes out): the
:class:`~facturx_engine.apps.view.model.View` built once (:mod:`.build`), drawn as HTML (:mod:`.html`) or
PDF (:mod:`.pdf`)."""

from __future__ import annotations

from collections.abc import Callable

from facturx_engine.apps.view.model import View
from facturx_engine.errors import InputError
from facturx_engine.i18n import LANGS

__all__ = ["FORMATS", "drawer", "view"]

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
    if lang not in LANGS:
        raise InputError(f"must be one of {', '.join(LANGS)}, got {lang!r}", field="lang")
    draw = drawer(fmt)  # a format not available is refused before any work
    from facturx_engine.apps.view.build import build_view

    return draw(build_view(data, name=name, lang=lang, ids=ids, validate=validate))


def drawer(fmt: str) -> Callable[[View], bytes]:
    """The function that draws a :class:`View` in ``fmt`` (``html`` or ``pdf``); InputError for another."""
    if fmt not in FORMATS:
        raise InputError(f"must be one of {', '.join(FORMATS)}, got {fmt!r}", field="format")
    if fmt == "pdf":
        try:
            from facturx_engine.apps.view.pdf import to_pdf  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            raise InputError("pdf view not available yet", field="format") from None
        return lambda v: bytes(to_pdf(v))
    from facturx_engine.apps.view.html import to_html

    return to_html
