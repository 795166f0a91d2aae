"""Embedded files of a PDF: where a PDF keeps them (:func:`attachments`: the EmbeddedFiles name
tree, the catalog and page ``/AF`` arrays, FileAttachment annotations) and which of them is the
invoice XML (:func:`find_invoice`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pikepdf

from facturx_engine.errors import PdfError
from facturx_engine.pdf.limits import MAX_STREAM_BYTES, read_stream
from facturx_engine.pdf.primitives import FX_NAMESPACE, INVOICE_FILENAMES, LEGACY_NAMESPACES, cite
from facturx_engine.pdf.xmp import Xmp

__all__ = ["Attachment", "attachments", "find_invoice"]


@dataclass
class Attachment:
    """An embedded file: where it was found and its file specification."""

    name: str  # name-tree key, else /UF, else /F
    filespec: pikepdf.Object
    in_name_tree: bool = False
    in_catalog_af: bool = False

    @property
    def stream(self) -> pikepdf.Object | None:
        ef = self.filespec.get("/EF")
        if not isinstance(ef, pikepdf.Dictionary):
            return None
        stream = ef.get("/F", ef.get("/UF"))
        return stream if isinstance(stream, pikepdf.Stream) else None

    def data(self, cap: int = MAX_STREAM_BYTES) -> bytes:
        """The decoded file, at most ``cap`` bytes (:class:`StreamLimit` beyond, see
        :mod:`facturx_engine.pdf.limits`)."""
        stream = self.stream
        if stream is None:
            raise PdfError(f"embedded file {self.name!r} has no /EF /F stream" + cite(24))
        return read_stream(stream, cap=cap, what=f"embedded file {self.name!r}")


def _filespec_name(fs: pikepdf.Object) -> str | None:
    for key in ("/UF", "/F"):
        value = fs.get(key)
        if isinstance(value, pikepdf.String):
            return str(value)
    return None


def attachments(pdf: pikepdf.Pdf) -> list[Attachment]:
    """Every embedded file of the name tree, the catalog /AF, page /AF and FileAttachment annots."""
    found: dict[Any, Attachment] = {}
    order: list[Attachment] = []

    def add(fs: Any, name: str | None, *, tree: bool = False, af: bool = False) -> None:
        if not isinstance(fs, pikepdf.Dictionary) or "/EF" not in fs:
            return
        key = fs.objgen if fs.objgen != (0, 0) else id(fs)
        att = found.get(key)
        if att is None:
            att = Attachment(name or _filespec_name(fs) or "", fs)
            found[key] = att
            order.append(att)
        elif tree and name:
            att.name = name
        att.in_name_tree |= tree
        att.in_catalog_af |= af

    names = pdf.Root.get("/Names")
    if isinstance(names, pikepdf.Dictionary) and "/EmbeddedFiles" in names:
        try:
            for key, fs in pikepdf.NameTree(names.EmbeddedFiles).items():
                add(fs, key if isinstance(key, str) else key.decode("latin-1"), tree=True)
        except (pikepdf.PdfError, TypeError, ValueError, RuntimeError):
            pass
        for key, fs in _leaves(names.EmbeddedFiles):  # a key given twice: qpdf's NameTree shows one file of them
            add(fs, key, tree=True)
    af = pdf.Root.get("/AF")
    if isinstance(af, pikepdf.Array):
        for fs in af:
            add(fs, None, af=True)
    for page in pdf.pages:
        page_af = page.obj.get("/AF")
        if isinstance(page_af, pikepdf.Array):
            for fs in page_af:
                add(fs, None)
        annots = page.obj.get("/Annots")
        if isinstance(annots, pikepdf.Array):
            for annot in annots:
                if isinstance(annot, pikepdf.Dictionary) and annot.get("/Subtype") == "/FileAttachment":
                    add(annot.get("/FS"), None)
    return order


def _leaves(root: Any) -> list[tuple[str, Any]]:
    """Every (key, value) pair of the /Names arrays of a name tree, as written: a key stated twice gives both of
    its files (one would otherwise be hidden from the engine and shown by another reader). Each node is visited
    once, so a /Kids cycle ends."""
    out: list[tuple[str, Any]] = []
    seen: set[Any] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if not isinstance(node, pikepdf.Dictionary) or (node.objgen != (0, 0) and node.objgen in seen):
            continue
        seen.add(node.objgen)
        pairs = node.get("/Names")
        if isinstance(pairs, pikepdf.Array):
            items = list(pairs)
            out += [(str(k), v) for k, v in zip(items[::2], items[1::2]) if isinstance(k, pikepdf.String)]
        kids = node.get("/Kids")
        if isinstance(kids, pikepdf.Array):
            stack += reversed(list(kids))
    return out


def find_invoice(pdf: pikepdf.Pdf, atts: list[Attachment], xmp: Xmp | None) -> list[Attachment]:
    """The attachments that are the invoice XML: named by ``fx:DocumentFileName`` or a known name."""
    wanted = {n.lower() for n in INVOICE_FILENAMES}
    docname = None
    if xmp is not None:
        for ns in (FX_NAMESPACE, *LEGACY_NAMESPACES):
            docname = docname or xmp.text(ns, "DocumentFileName")
    if docname:
        wanted.add(docname.lower())
    hits = [a for a in atts if a.name.lower() in wanted]
    rank = {n.lower(): i for i, n in enumerate(INVOICE_FILENAMES)}
    hits.sort(key=lambda a: (a.name != docname, rank.get(a.name.lower(), 99)))
    return hits
