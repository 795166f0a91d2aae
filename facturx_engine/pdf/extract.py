"""Reading a Factur-X / ZUGFeRD / XRechnung PDF back: :func:`extract` (the embedded invoice XML,
bytes as embedded, and its level), :func:`extract_all` (every embedded file),
:func:`other_files` (the embedded files besides the invoice, for what a conversion does not carry) and
:func:`embedded_files` (those files with their type, description and bytes, for the view of a document).

Damaged input: whatever the bytes, these raise :class:`~facturx_engine.errors.PdfError`, never
another exception. Every stream is read with the caps of :mod:`facturx_engine.pdf.limits` (64 MiB
for one stream, 16 MiB for the invoice XML, 256 MiB for all the streams of one call, qpdf's own
decoding limits while the file is open): a stream over a cap is refused by name
(``FX-LIMIT-STREAM``), never inflated whole; so is a file holding more objects than the engine
reads (``FX-LIMIT-OBJECTS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pikepdf
from lxml import etree

from facturx_engine import ruleids as R
from facturx_engine.errors import PdfError
from facturx_engine.pdf.attachments import attachments, find_invoice
from facturx_engine.pdf.limits import MAX_STREAM_BYTES, MAX_XML_BYTES, StreamLimit, bounded
from facturx_engine.pdf.primitives import (
    FX_NAMESPACE,
    INVOICE_FILENAMES,
    damage_is_error,
    guideline_of,
    level_of_guideline,
    open_pdf,
    parse_xml,
)
from facturx_engine.pdf.xmp import read_xmp

__all__ = ["EmbeddedFile", "embedded_files", "extract", "extract_all", "other_files"]


def _readable(pdf_bytes: bytes) -> pikepdf.Pdf:
    if not isinstance(pdf_bytes, (bytes, bytearray, memoryview)):
        raise PdfError(f"expected the PDF as bytes, got {type(pdf_bytes).__name__}")
    data = bytes(pdf_bytes)
    if b"%PDF-" not in data[:1024]:
        raise PdfError("not a PDF: no %PDF- header in the first 1024 bytes")
    if b"%%EOF" not in data[-1024:]:
        raise PdfError("the PDF is truncated or damaged: no %%EOF marker in its last 1024 bytes")
    return open_pdf(data)


def extract(pdf_bytes: bytes) -> tuple[bytes, str | None]:
    """The embedded invoice XML (bytes exactly as embedded) and its Factur-X level.

    Looks for ``fx:DocumentFileName``, ``factur-x.xml``, ``xrechnung.xml``,
    ``zugferd-invoice.xml`` and ``ZUGFeRD-invoice.xml`` among the files of the EmbeddedFiles name
    tree, the catalog and page /AF arrays and FileAttachment annotations. The level is the one
    BT-24 means (MINIMUM, BASIC WL, BASIC, EN 16931, EXTENDED, XRECHNUNG; ZUGFeRD 1 comfort ->
    EN 16931), else the XMP ``fx:ConformanceLevel``, else None.

    Raises :class:`~facturx_engine.errors.PdfError` for non-PDF, truncated, damaged or
    password-protected input, when no invoice XML is embedded, and when it decodes to more than
    16 MiB (``FX-LIMIT-STREAM``, :mod:`facturx_engine.pdf.limits`).
    """
    result: tuple[bytes, str | None] = _guard(_extract, pdf_bytes)
    return result


def _guard(run: Any, pdf_bytes: bytes) -> Any:
    """``run(pdf)`` on the opened PDF inside the limits of :func:`bounded`; a damaged object graph
    is a :class:`PdfError`."""
    with bounded():
        pdf = _readable(pdf_bytes)
        with pdf, damage_is_error("the PDF"):
            return run(pdf)


def _extract(pdf: pikepdf.Pdf) -> tuple[bytes, str | None]:
    _, xmp = read_xmp(pdf)
    found = find_invoice(pdf, attachments(pdf), xmp)
    if not found:
        names = [a.name for a in attachments(pdf)]
        raise PdfError("no invoice XML is embedded (looked for " + ", ".join(INVOICE_FILENAMES)
                       + f"; embedded files: {names or 'none'}) [Factur-X 1.07, name of the embedded invoice]",
                       rule=R.FX_INVOICE_MISSING)
    xml = found[0].data(MAX_XML_BYTES)
    level = None
    try:
        level = level_of_guideline(guideline_of(parse_xml(xml)))
    except etree.XMLSyntaxError:
        pass
    if level is None and xmp is not None:
        for ns in (FX_NAMESPACE, "urn:zugferd:pdfa:CrossIndustryDocument:invoice:2p0#",
                   "urn:ferd:pdfa:CrossIndustryDocument:invoice:1p0#"):
            level = level or xmp.text(ns, "ConformanceLevel")
    return xml, level


def other_files(pdf_bytes: bytes, xml: bytes) -> dict[str, str]:
    """The embedded files other than ``xml`` (the invoice), each with its decoded size (``"N
    bytes"``), or ``"more than 64 MiB decoded, not read"`` for one over the cap of
    :mod:`facturx_engine.pdf.limits`: what a conversion lists as not carried."""
    def sizes(pdf: pikepdf.Pdf) -> dict[str, str]:
        out = {}
        for att in attachments(pdf):
            try:
                data = att.data()
            except StreamLimit as exc:
                out[att.name] = (f"more than {MAX_STREAM_BYTES // (1024 * 1024)} MiB decoded, not read"
                                 if exc.rule == R.FX_LIMIT_STREAM else "not read: the streams of the file decoded "
                                 "so far reach the engine's limit for one file")
                continue
            if data != xml:
                name, count = att.name, 1
                while name in out:  # files of one name are each listed
                    count += 1
                    name = f"{att.name} (file {count} of this name)"
                out[name] = f"{len(data)} bytes"
        return out

    result: dict[str, str] = _guard(sizes, pdf_bytes)
    return result


def extract_all(pdf_bytes: bytes) -> dict[str, bytes]:
    """Every embedded file, ``{name: bytes}`` (name-tree key, else /UF, else /F).

    Each file decodes to at most 64 MiB, and all of them together to at most 256 MiB
    (:mod:`facturx_engine.pdf.limits`); beyond, :class:`~facturx_engine.errors.PdfError`
    (``FX-LIMIT-STREAM`` / ``FX-LIMIT-TOTAL``) names the file. Two files of one name are a :class:`PdfError`
    (one of them would be lost, or the wrong one shown)."""
    def files(pdf: pikepdf.Pdf) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for att in attachments(pdf):
            if att.name in out:
                raise PdfError(f"two embedded files are named {att.name!r}: a reader may take either, and one name "
                               "cannot return both")
            out[att.name] = att.data()
        return out

    result: dict[str, bytes] = _guard(files, pdf_bytes)
    return result


@dataclass(frozen=True, slots=True)
class EmbeddedFile:
    """A file embedded in a PDF: its name, MIME type (the ``/Subtype`` of its stream, ``""`` when the
    PDF states none), description (``/Desc``), and bytes; ``data`` is None for a file that was not read
    (over the caps of :mod:`facturx_engine.pdf.limits`, no stream), ``note`` says why."""

    name: str
    mime: str
    description: str
    data: bytes | None
    note: str = ""


def embedded_files(pdf_bytes: bytes) -> list[EmbeddedFile]:
    """The files embedded in a PDF other than its invoice XML (the one :func:`extract` returns), in the
    order :func:`~facturx_engine.pdf.attachments.attachments` finds them. A file over a cap is listed with
    ``data`` None and its note; a damaged PDF raises :class:`~facturx_engine.errors.PdfError`."""
    def files(pdf: pikepdf.Pdf) -> list[EmbeddedFile]:
        _, xmp = read_xmp(pdf)
        atts = attachments(pdf)
        invoice = find_invoice(pdf, atts, xmp)[:1]
        out = []
        for att in atts:
            if invoice and att is invoice[0]:
                continue
            stream = att.stream
            subtype = stream.get("/Subtype") if stream is not None else None
            mime = str(subtype)[1:] if isinstance(subtype, pikepdf.Name) else ""
            desc = att.filespec.get("/Desc")
            description = str(desc) if isinstance(desc, pikepdf.String) else ""
            try:
                out.append(EmbeddedFile(att.name, mime, description, att.data()))
            except PdfError as exc:
                out.append(EmbeddedFile(att.name, mime, description, None, f"not read: {exc}"))
        return out

    result: list[EmbeddedFile] = _guard(files, pdf_bytes)
    return result
