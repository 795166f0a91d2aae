"""Pages laid out with a :class:`~facturx_engine.pdf.render.flow.Flow` written as one PDF file: the
reportlab canvas set up as the rendered invoice's (the embedded Vera fonts only, RGB only,
``invariant`` so the same pages give the same bytes), each page's furniture and body written as
operators, the content streams Flate-encoded with an EOL before ``endstream``
(:class:`~facturx_engine.pdf.render.fonts.Flate`).
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Sequence

from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from facturx_engine.pdf.render.fonts import FONT, Flate, clean, fonts
from facturx_engine.pdf.render.text import Ops, Pen

__all__ = ["Writer"]


class Writer:
    """One A4 PDF: :attr:`pen` writes the operators of the pages (give it to the flow that lays them
    out), :meth:`write` makes the file of them."""

    def __init__(self, lang: str) -> None:
        fonts()
        self.buf = io.BytesIO()
        self.canvas = Canvas(self.buf, pagesize=A4, invariant=1, initialFontName=FONT, initialFontSize=8.5,
                             enforceColorSpace="rgb", lang=lang)
        self.pen = Pen(self.canvas)

    def write(self, pages: Sequence[Ops], decor: Callable[[int, int], list[str]], *, title: str,
              subject: str = "", author: str = "",
              each_page: Callable[[Canvas, int], None] | None = None) -> bytes:
        """The file of ``pages``: ``decor(page, total)`` gives the operators of a page's furniture
        (1-based page number; drawn first), ``each_page(canvas, index)`` draws with the canvas itself
        (images) before them."""
        canvas = self.canvas
        canvas.setTitle(clean(title))
        canvas.setSubject(clean(subject or title))
        if author:
            canvas.setAuthor(clean(author))
        canvas.setCreator("facturx_engine")
        for index, ops in enumerate(pages):
            if each_page is not None:
                each_page(canvas, index)
            canvas.addLiteral("\n".join(decor(index + 1, len(pages)) + ops.lines()))
            canvas.showPage()
            # the page's content stream, Flate-encoded here (reportlab would add an ASCII85 layer)
            page = canvas._doc.Pages.pages[-1]  # the page showPage has just added
            page.Contents = Flate(zlib.compress(page.stream.encode("latin-1")))
        canvas.save()
        return self.buf.getvalue()
