"""Structural checks of PDF/A-3 Factur-X / ZUGFeRD hybrid invoices, offline, with pikepdf + lxml.

:func:`check_pdf` returns the same :class:`~facturx_engine.validation.findings.Report` as
:func:`~facturx_engine.validation.core.validate` (``syntax="PDF"``). Each finding's ``rule`` is an id of
these checks: ``PDFA-<ISO 19005 clause>-<topic>`` for a PDF/A-3 rule (clause numbers as in the
veraPDF PDFA-3B profile), ``FX-<topic>`` for a Factur-X container rule. Every message ends with
the clause it rests on when the message does not name it already (``[ISO 19005-3 6.8]``,
``[ISO 32000-1 7.11.4]``, ``[Factur-X 1.07, ...]``).

What is checked: header and binary comment (items 10-11), trailer /ID (12), encryption (13),
data after ``%%EOF`` (14), stream filters and the EOL before ``endstream`` (15), a repaired
cross-reference table (16), OutputIntent and its ICC profile, device colour against the intent
(17), transfer functions, halftones, rendering intents, image keys, PostScript and reference
XObjects, blend modes, page groups (18), font embedding of every font of every content stream,
annotation appearance, Type 3 glyph procedure, and pattern (19), JavaScript and forbidden actions
(22), annotations, forms and other interactive features (23), the XMP packet and PDF/A
identification (2-4), the PDF/A extension schemas (5), the ``fx`` properties against the embedded
XML (6-7, 29), Info against XMP (8), and the embedded files, their file specifications,
``/AF``, ``/AFRelationship``, ``/Params`` and the name tree (24-28).

What is *not* checked (use page-validation for these): exact stream ``/Length`` values, font
program internals (widths, glyph coverage, cmaps, CIDSet), implementation limits (6.1.13), and
the XSD / Schematron of the XML (that is :func:`~facturx_engine.validation.core.validate`).

Damaged and hostile input: :func:`check_pdf` returns a report for any bytes that qpdf can open
(else :class:`~facturx_engine.errors.PdfError`). Values of an unexpected type (an array where a
name belongs, a name that is not UTF-8, a null where a dictionary belongs) are read defensively;
what still fails in one part of the checks (objects, page content, XMP, Info, embedded files) is
one fatal ``FX-PDF-DAMAGED`` finding for that part, and the other parts are checked. Streams are
decoded with the caps of :mod:`facturx_engine.pdf.limits` (64 MiB for one stream, 16 MiB for the
invoice XML, 8 MiB for the XMP, 1 MiB of decoded content for qpdf's content parser, 256 MiB for
one call; qpdf's own decoding limits while the file is open): a stream over a cap is a fatal
``FX-LIMIT-STREAM`` / ``FX-LIMIT-CONTENT`` / ``FX-LIMIT-TOTAL`` finding naming the object, never
inflated whole. Form XObjects are followed 32 deep at most. A file holding more objects than the
engine reads (1,000,000 items of arrays and dictionaries, counted on its bytes before qpdf parses
any: :data:`~facturx_engine.pdf.limits.MAX_OBJECT_ITEMS`) is not opened: its bytes are checked and
the limit is a fatal ``FX-LIMIT-OBJECTS`` finding. One rule lists at most 100 findings
(:data:`~facturx_engine.pdf.checks.record.MAX_FINDINGS_PER_RULE`), then one finding says the
others are not listed.

Severities: ``fatal`` for a broken PDF/A-3 or Factur-X rule; ``warning`` for the rest. Some
warnings are *tolerated* deviations: readers accept them and real files have them, but
:func:`facturx_engine.pdf.embed.embed` never writes them, and ``strict=True`` (which embed uses on its
own output) makes them fatal. Those seen in the 27 official FeRD samples (``shared/corpus/pdf``,
none of which has a fatal finding):

* ``FX-EF-CHECKSUM``: ``/CheckSum`` stored as 32 hexadecimal characters instead of the 16 MD5
  bytes of ISO 32000-1 Table 46 (all 27);
* ``FX-INFO-XMP``: Info ``/Producer`` (WeasyPrint) differs from ``pdf:Producer`` (pypdf), Info
  ``/Keywords`` has no ``pdf:Keywords`` (all 27); a PDF/A-1 rule (6.7.3) PDFBox Preflight
  applies, not a veraPDF PDF/A-3B one;
* ``FX-XMP-XPACKET``: no ``<?xpacket?>`` wrapper (all 27);
* ``PDFA-6.1.2-VERSION``: ``%PDF-1.6``, older than the PDF 1.7 features used (all 27);
* ``PDFA-6.1.7-LENGTH``: a stream whose encoded data ends with CR, so that ``/Length`` depends on
  whether the CR is read as data or as part of the EOL (1: the PNG attachment of
  ``EN16931_Elektron_Anlage_XML``, which page-validation rejects for it).

Other tolerated ones: missing ``/Params``, ``/Size``, ``/CheckSum`` or ``/ModDate`` (item 27) and
a font that is listed in a resource dictionary but never used, and not embedded (item 19). Plain
warnings (never fatal): ``/EF`` without ``/UF`` (the two extra attachments of
``EN16931_Elektron_Anlage_XML``), no ``/Desc``, unsorted name-tree keys, legacy file names and
namespaces, an AFRelationship unusual for the profile, ``fx:Version`` other than 1.0 (XRECHNUNG
files may give the XRechnung version, ``3.0`` in the sample), conformance A or U declared.

The checks are built from parts, one module per concern in :mod:`facturx_engine.pdf.checks`
(file structure, objects, content, XMP, embedded files); :func:`check_pdf` runs them all,
:func:`check_model` and :func:`check_file_structure` the two halves that
:func:`~facturx_engine.pdf.embed.embed` runs on its own output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import pikepdf
from lxml import etree

from facturx_engine import ruleids as R
from facturx_engine.errors import PdfError
from facturx_engine.pdf import primitives
from facturx_engine.pdf.checks.content import content
from facturx_engine.pdf.checks.files import embedded_files
from facturx_engine.pdf.checks.objects import objects
from facturx_engine.pdf.checks.record import Checker
from facturx_engine.pdf.checks.structure import end_of_file, file_structure, header, stream_data, stream_eols
from facturx_engine.pdf.checks.xmp import info_vs_xmp, metadata
from facturx_engine.pdf.limits import ObjectLimit, StreamLimit, bounded
from facturx_engine.pdf.primitives import DAMAGE, open_pdf, qpdf_message
from facturx_engine.findings import Finding
from facturx_engine.validation.findings import Report

__all__ = ["check_file_structure", "check_model", "check_pdf", "content_findings", "known_xml"]


def content_findings(pdf: pikepdf.Pdf, data: bytes) -> list[Finding]:
    """The findings about the *content* of a PDF that :func:`~facturx_engine.pdf.embed.embed` cannot
    repair: fonts, colour (given the intents it has), transparency, actions, annotations, forms,
    filters other than LZW. File structure, XMP and attachments are left out: embed rewrites them.
    """
    checker = Checker(data, pdf, strict=True)
    objects(checker)
    content(checker)
    return checker.findings


def _written_part(checker: Checker) -> tuple[str | None, str | None, str | None]:
    """The XMP, Info and embedded-file checks; (PDF/A identification, fx level, BT-24)."""
    xmp, ident = metadata(checker)
    if xmp is not None:
        info_vs_xmp(checker, xmp)
    level, guideline = embedded_files(checker, xmp)
    return ident, level, guideline


_KNOWN_XML: ContextVar[Mapping[bytes, etree._Element] | None] = ContextVar("_KNOWN_XML", default=None)


@contextmanager
def known_xml(parsed: Mapping[bytes, etree._Element]) -> Iterator[None]:
    """Within the block, :func:`check_model` takes ``parsed`` (XML bytes -> their tree from
    :func:`~facturx_engine.pdf.primitives.parse_xml`) as the trees of those bytes instead of parsing
    them again (the caller has just parsed them; the same bytes give the same tree, which is only
    read)."""
    token = _KNOWN_XML.set(parsed)
    try:
        yield
    finally:
        _KNOWN_XML.reset(token)


def check_model(pdf: pikepdf.Pdf, parsed: Mapping[bytes, etree._Element] | None = None,
                ) -> tuple[list[Finding], list[Finding]]:
    """:func:`check_pdf` ``(strict=True)`` less the checks of the file's bytes, on a Pdf in memory.

    Returns (the object and content findings, the stream-data / XMP / Info / embedded-file
    findings). :func:`~facturx_engine.pdf.embed.embed` runs it on the object model it is about to save
    (which the save copies as it is), and :func:`check_file_structure` on the saved bytes: the two
    together run each check of :func:`check_pdf` once, and check_pdf is built from the same parts.
    ``parsed`` (default: that of :func:`known_xml`) maps XML bytes to their tree from
    :func:`~facturx_engine.pdf.primitives.parse_xml`, which the caller has already built: an
    embedded file whose decoded data are exactly these bytes is not parsed again.
    """
    checker = Checker(b"", pdf, strict=True, parsed=_KNOWN_XML.get() if parsed is None else parsed)
    objects(checker)
    content(checker)
    page_findings = list(checker.findings)
    stream_data(checker)
    _written_part(checker)
    return page_findings, checker.findings[len(page_findings):]


def check_file_structure(pdf_bytes: bytes, *, written: bool = False) -> list[Finding]:
    """What :func:`check_pdf` ``(strict=True)`` checks on the bytes of a file: header, binary
    comment, trailer /ID, encryption, ``%%EOF``, repaired cross-reference table, the EOL around
    stream data (items 10-16; the CR-ended stream data is left to :func:`check_model`). Opening
    is lazy: this reads the header, the cross-reference table and the trailer, and qpdf the
    catalog and page tree. ``written=True``: bytes that :func:`~facturx_engine.pdf.embed.embed` has just
    written from objects it read within the limits; their objects are not counted again (an
    incremental update repeats the catalog, which the count would see twice)."""
    data = bytes(pdf_bytes)
    with bounded():
        pdf = open_pdf(data, count=not written)
        with pdf:
            checker = Checker(data, pdf, strict=True)
            _guarded(checker, "file structure", file_structure, streams=False)
    return checker.findings


def _guarded(checker: Checker, part: str, run: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``run(checker, *args, **kwargs)``; a damaged object graph or a resource limit met on the way is one
    fatal finding for ``part`` (the findings made before stay), and None is returned."""
    try:
        return run(checker, *args, **kwargs)
    except PdfError as exc:
        if primitives.RERAISE_DAMAGE and not isinstance(exc, StreamLimit):
            raise
        checker.fatal(exc.rule or R.FX_PDF_DAMAGED, part, f"the {part} could not be checked to the end: "
                      f"{exc.message}", "limit" if isinstance(exc, StreamLimit) else "damaged")
    except DAMAGE as exc:
        if primitives.RERAISE_DAMAGE:
            raise
        detail = qpdf_message(exc)[:300]
        checker.fatal(R.FX_PDF_DAMAGED, part, f"the {part} could not be checked to the end: the PDF is damaged "
                      f"({type(exc).__name__}: {detail})", "damaged")
    return None


def _unopened(data: bytes, limit: ObjectLimit, strict: bool) -> Report:
    """The report of :func:`check_pdf` on a file over the object limit: the checks of its bytes, and
    the limit as a fatal finding; the checks that read objects are not run (qpdf never parses them)."""
    with pikepdf.new() as blank:  # the checks of the bytes look at no object
        checker = Checker(data, blank, strict=strict)
        header(checker)
        end_of_file(checker)
        stream_eols(checker)
    checker.fatal(limit.rule or R.FX_LIMIT_OBJECTS, "objects",
                  f"{limit.message}; not checked: the trailer, the objects, the page content, the XMP metadata, "
                  "the Info dictionary, the embedded files", "limit")
    return Report(syntax="PDF", document="PDF", profile=None, guideline=None, findings=tuple(checker.findings),
                  artefacts=(f"pikepdf {pikepdf.__version__} (qpdf {pikepdf.__libqpdf_version__})",))


def check_pdf(pdf_bytes: bytes, *, strict: bool = False) -> Report:
    """Check a Factur-X / ZUGFeRD PDF against PDF/A-3B and the Factur-X container rules.

    Returns a :class:`~facturx_engine.validation.findings.Report` with ``syntax="PDF"``, ``document`` the
    PDF/A identification declared in the XMP (e.g. ``"PDF/A-3B"``), ``profile`` the Factur-X level
    (``fx:ConformanceLevel``, else the one BT-24 means) and ``guideline`` the BT-24 of the
    embedded XML. ``strict=True`` makes the tolerated deviations (module docstring) fatal.

    A part of the file that cannot be checked (a damaged object, a stream over a limit of
    :mod:`facturx_engine.pdf.limits`) is a fatal finding (``FX-PDF-DAMAGED``, ``FX-LIMIT-*``); the
    other parts are still checked. A file that holds more objects than the engine reads
    (``FX-LIMIT-OBJECTS``, :data:`~facturx_engine.pdf.limits.MAX_OBJECT_ITEMS`) is not opened: its
    bytes are checked (header, binary comment, ``%%EOF``, stream EOLs) and the limit is a fatal
    finding.

    Raises :class:`~facturx_engine.errors.PdfError` for input that is not a readable PDF (an
    encrypted file that opens with an empty password is reported, not raised).
    """
    data = bytes(pdf_bytes) if isinstance(pdf_bytes, (bytes, bytearray, memoryview)) else pdf_bytes
    with bounded():
        try:
            pdf = open_pdf(data)
        except ObjectLimit as exc:
            return _unopened(data, exc, strict)
        with pdf:
            checker = Checker(data, pdf, strict=strict)
            _guarded(checker, "file structure", file_structure)
            _guarded(checker, "objects", objects)
            _guarded(checker, "page content", content)
            xmp, ident = _guarded(checker, "XMP metadata", metadata) or (None, None)
            if xmp is not None:
                _guarded(checker, "Info dictionary", info_vs_xmp, xmp)
            level, guideline = _guarded(checker, "embedded files", embedded_files, xmp) or (None, None)
    return Report(
        syntax="PDF",
        document=f"PDF/A-{ident}" if ident else "PDF",
        profile=level,
        guideline=guideline,
        findings=tuple(checker.findings),
        artefacts=(f"pikepdf {pikepdf.__version__} (qpdf {pikepdf.__libqpdf_version__})",),
    )
