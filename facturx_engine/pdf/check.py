"""Structural checks of PDF/A-3 Factur-X / ZUGFeRD hybrid invoices, offline, with pikepdf + lxml.

:func:`check_pdf` returns the same :class:`~facturx_engine.validation.core.Report` as
:func:`~facturx_engine.validation.core.validate` (``syntax="PDF"``). Each finding's ``rule`` is an id of
this module: ``PDFA-<ISO 19005 clause>-<topic>`` for a PDF/A-3 rule (clause numbers as in the
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
(:data:`MAX_FINDINGS_PER_RULE`), then one finding says the others are not listed.

Severities: ``fatal`` for a broken PDF/A-3 or Factur-X rule; ``warning`` for the rest. Some
warnings are *tolerated* deviations: readers accept them and real files have them, but
:func:`facturx_engine.pdf.hybrid.embed` never writes them, and ``strict=True`` (which embed uses on its
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
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
import hashlib
import io
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import pikepdf
from lxml import etree

from facturx_engine.pdf.limits import (
    MAX_CONTENT_BYTES,
    MAX_STREAM_BYTES,
    MAX_XML_BYTES,
    MAX_XMP_BYTES,
    MiB,
    ObjectLimit,
    StreamLimit,
    bounded,
    count_objects,
    objref,
    read_stream,
    refuse_lzw_structure,
)
from facturx_engine.errors import PdfError
from facturx_engine.validation.core import Finding, Report

__all__ = [
    "AF_RELATIONSHIPS",
    "FX_NAMESPACE",
    "INVOICE_FILENAMES",
    "LEVELS",
    "check_pdf",
    "level_of_guideline",
]

# --------------------------------------------------------------------------- constants

FX_NAMESPACE = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
"""Namespace of the Factur-X XMP properties, trailing ``#`` included (Factur-X 1.07)."""
_LEGACY_NAMESPACES = {
    "urn:zugferd:pdfa:CrossIndustryDocument:invoice:2p0#": "ZUGFeRD 2.0",
    "urn:ferd:pdfa:CrossIndustryDocument:invoice:1p0#": "ZUGFeRD 1.0",
}
FX_PROPERTIES = ("DocumentFileName", "DocumentType", "Version", "ConformanceLevel")
LEVELS = ("MINIMUM", "BASIC WL", "BASIC", "EN 16931", "EXTENDED", "XRECHNUNG")
"""Allowed ``fx:ConformanceLevel`` values (Factur-X 1.07)."""
_LEGACY_LEVELS = ("COMFORT",)  # ZUGFeRD 1.0

INVOICE_FILENAMES = ("factur-x.xml", "xrechnung.xml", "zugferd-invoice.xml", "ZUGFeRD-invoice.xml")
"""Names of the invoice XML, most recent first (Factur-X 1.07, ZUGFeRD 2.0 and 1.0)."""
_CURRENT_FILENAMES = ("factur-x.xml", "xrechnung.xml")
_INVOICE_NAMES = frozenset(n.lower() for n in INVOICE_FILENAMES)

AF_RELATIONSHIPS = ("Data", "Source", "Alternative", "Supplement", "Unspecified")
"""``/AFRelationship`` values of ISO 19005-3 6.8."""

_EN = "urn:cen.eu:en16931:2017"
_GUIDELINE_LEVELS = {
    "urn:factur-x.eu:1p0:minimum": "MINIMUM",
    "urn:zugferd.de:2p0:minimum": "MINIMUM",
    "urn:factur-x.eu:1p0:basicwl": "BASIC WL",
    "urn:zugferd.de:2p0:basicwl": "BASIC WL",
    f"{_EN}#compliant#urn:factur-x.eu:1p0:basic": "BASIC",
    f"{_EN}#compliant#urn:zugferd.de:2p0:basic": "BASIC",
    _EN: "EN 16931",
    f"{_EN}#conformant#urn:factur-x.eu:1p0:extended": "EXTENDED",
    f"{_EN}#conformant#urn:zugferd.de:2p0:extended": "EXTENDED",
    f"{_EN}#conformant#urn.cpro.gouv.fr:1p0:extended-ctc-fr": "EXTENDED",
    "urn:ferd:CrossIndustryDocument:invoice:1p0:basic": "BASIC",
    "urn:ferd:CrossIndustryDocument:invoice:1p0:comfort": "EN 16931",
    "urn:ferd:CrossIndustryDocument:invoice:1p0:extended": "EXTENDED",
}
"""BT-24 -> ``fx:ConformanceLevel`` (the identifiers of Factur-X 1.07, ZUGFeRD 2.x and 1.0)."""
_ZF1_COMFORT = "urn:ferd:CrossIndustryDocument:invoice:1p0:comfort"


def level_of_guideline(guideline: str | None) -> str | None:
    """The ``fx:ConformanceLevel`` for a BT-24 value, or None when it is not a known one.

    XRechnung ids (``…#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0``, the older
    ``…urn:xoev-de:kosit:standard:xrechnung_2.x`` and the XRechnung extension) give ``XRECHNUNG``.
    """
    if not guideline:
        return None
    guideline = guideline.strip()
    level = _GUIDELINE_LEVELS.get(guideline)
    if level is None and guideline.startswith(_EN) and "xrechnung" in guideline.lower():
        level = "XRECHNUNG"
    return level


_NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
    "pdfaType": "http://www.aiim.org/pdfa/ns/type#",
    "pdfaField": "http://www.aiim.org/pdfa/ns/field#",
}
_RDF = _NS["rdf"]
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

_PREDEFINED_XMP = frozenset({
    _NS["dc"], _NS["xmp"], _NS["pdf"], _NS["pdfaid"],
    _NS["pdfaExtension"], _NS["pdfaSchema"], _NS["pdfaProperty"], _NS["pdfaType"], _NS["pdfaField"],
    "http://ns.adobe.com/xap/1.0/rights/",
    "http://ns.adobe.com/xap/1.0/mm/",
    "http://ns.adobe.com/xap/1.0/bj/",
    "http://ns.adobe.com/xap/1.0/t/pg/",
    "http://ns.adobe.com/xmp/1.0/DynamicMedia/",
    "http://ns.adobe.com/photoshop/1.0/",
    "http://ns.adobe.com/camera-raw-settings/1.0/",
    "http://ns.adobe.com/tiff/1.0/",
    "http://ns.adobe.com/exif/1.0/",
    "http://ns.adobe.com/exif/1.0/aux/",
    "http://ns.adobe.com/xmp/Identifier/qual/1.0/",
    "http://www.aiim.org/pdfua/ns/id/",
})
"""XMP schemas PDF/A-2/3 predefine (XMP 2005 plus the PDF/A ones); anything else needs an
extension schema (ISO 19005-3 6.6.2.3.1). ``pdfuaid`` is accepted as veraPDF does."""

_ACTIONS_ALLOWED = frozenset({"GoTo", "GoToR", "GoToE", "Thread", "URI", "SubmitForm", "Named"})
_ACTIONS_KNOWN = _ACTIONS_ALLOWED | {
    "Launch", "Sound", "Movie", "Hide", "ResetForm", "ImportData", "JavaScript", "SetOCGState",
    "Rendition", "Trans", "GoTo3DView", "SetState", "NOP",
}
_NAMED_ALLOWED = frozenset({"NextPage", "PrevPage", "FirstPage", "LastPage"})
_ANNOTS_ALLOWED = frozenset({
    "Text", "Link", "FreeText", "Line", "Square", "Circle", "Polygon", "PolyLine", "Highlight",
    "Underline", "Squiggly", "StrikeOut", "Stamp", "Caret", "Ink", "Popup", "FileAttachment",
    "Widget", "PrinterMark", "TrapNet", "Watermark", "Redact",
})
_BLEND_MODES = frozenset({
    "Normal", "Compatible", "Multiply", "Screen", "Overlay", "Darken", "Lighten", "ColorDodge",
    "ColorBurn", "HardLight", "SoftLight", "Difference", "Exclusion", "Hue", "Saturation",
    "Color", "Luminosity",
})
_INTENTS = frozenset({"RelativeColorimetric", "AbsoluteColorimetric", "Perceptual", "Saturation"})
_OBJECT_KEYS = frozenset({"/JS", "/AA", "/S", "/Rect", "/TR", "/TR2", "/HTP", "/HTO", "/RI", "/BM"})
"""The entries :meth:`_Checker.objects` acts on in a dictionary (streams are always looked at)."""
_MIME_RE = re.compile(r"^[-\w+.]+/[-\w+.]+$")
_HEADER_RE = re.compile(rb"^%PDF-1\.([0-7])(\r\n|\r|\n)")
_HEADER_ANY_RE = re.compile(rb"^%PDF-(\d)\.(\d)")
_XPACKET_RE = re.compile(rb"<\?xpacket\s+begin=([\"'])(.*?)\1(.*?)\?>", re.DOTALL)
_PDF_DATE_RE = re.compile(
    r"^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:(Z)|([+-])(\d{2})'?(\d{2})?'?)?"
)
_XMP_DATE_RE = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"(?:(Z)|([+-])(\d{2}):(\d{2}))?)?)?)?$"
)
_SOURCE = "facturx_engine.pdf.check"
_FATAL, _WARNING = "fatal", "warning"


# --------------------------------------------------------------------------- small helpers


_CLAUSES: dict[int | str, str] = {
    1: "ISO 19005-3 6.6.4", 2: "ISO 19005-3 6.6.4", 3: "ISO 19005-3 6.6.2.1",
    4: "ISO 19005-1 6.7.2 (PDF/A-1)", 5: "ISO 19005-3 6.6.2.3",
    6: "Factur-X 1.07, XMP extension schema fx", 7: "Factur-X 1.07, name of the embedded invoice",
    8: "ISO 19005-1 6.7.3 (PDF/A-1); ISO 32000-1 14.3.3", 10: "ISO 19005-3 6.1.2", 11: "ISO 19005-3 6.1.2",
    12: "ISO 19005-3 6.1.3", 13: "ISO 19005-3 6.1.3", 14: "ISO 19005-3 6.1.3", 15: "ISO 19005-3 6.1.7",
    16: "ISO 19005-3 6.1.4", 17: "ISO 19005-3 6.2.3, 6.2.4", 18: "ISO 19005-3 6.2.5 to 6.2.10",
    19: "ISO 19005-3 6.2.11.4.1", 22: "ISO 19005-3 6.5", 23: "ISO 19005-3 6.3, 6.4, 6.9 to 6.11",
    24: "ISO 19005-3 6.8; ISO 32000-1 7.11.3", 25: "ISO 19005-3 6.8", 26: "ISO 19005-3 6.8",
    27: "ISO 19005-3 6.8; ISO 32000-1 7.11.4", 28: "ISO 32000-1 7.7.4, 7.9.6",
    29: "Factur-X 1.07, profile identifiers (BT-24)",
    "damaged": "ISO 32000-1 7.3 (objects)",
}
"""What each requirement of the checks rests on, quoted at the end of a message that does not
already name it: the clause of ISO 19005-3 (PDF/A-3), ISO 19005-1 (PDF/A-1, for the rules that
validators still apply), ISO 32000-1 (PDF 1.7) or the part of the Factur-X 1.07 specification."""


def _cite(item: int | str, message: str = "") -> str:
    """`` [clause]`` for a message, unless the message already names that clause."""
    clause = _CLAUSES.get(item)
    if clause is None or clause in message:
        return ""
    if re.split(r"[;,]", clause)[0].strip() in message:
        return ""
    return f" [{clause}]"


MAX_FINDINGS_PER_RULE = 100
"""Findings of one rule that one check lists; past them, one more finding says that the others are
not listed (a hostile file can break a rule in hundreds of thousands of objects, and each finding
costs memory)."""


def _record(findings: list[Finding], counts: dict[str, int], finding: Finding) -> None:
    """Append ``finding`` unless its rule already has :data:`MAX_FINDINGS_PER_RULE` (the first
    one over them is replaced by a note that the others are not listed)."""
    n = counts[finding.rule] = counts.get(finding.rule, 0) + 1
    if n <= MAX_FINDINGS_PER_RULE:
        findings.append(finding)
    elif n == MAX_FINDINGS_PER_RULE + 1:
        findings.append(Finding(finding.rule, finding.severity, "(more)",
                                f"{finding.rule} is broken in more than {MAX_FINDINGS_PER_RULE} places of this file; "
                                "the other findings of this rule are not listed", finding.bt_ids, finding.source))


def _safe(text: str) -> str:
    """Text from the PDF made printable: lone surrogates (pikepdf's reading of name bytes that are
    not UTF-8) become ``\\udcxx`` escapes."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _item(n: int | str) -> str:
    return _cite(n)


def name_text(value: Any) -> str:
    """The text of a pikepdf Name, ``"/Foo"``; a name that is not UTF-8 keeps its ``#xx`` escapes
    (``"/x#FF"``) instead of failing as ``str()`` does."""
    try:
        return str(value)
    except UnicodeDecodeError:
        return bytes(value.unparse()).decode("latin-1")


def _name(value: Any) -> str | None:
    """``"/Foo"`` -> ``"Foo"`` for a pikepdf Name, else None."""
    if isinstance(value, pikepdf.Name):
        return name_text(value)[1:]
    return None


def _show(value: Any) -> str:
    """A PDF value in a message: names and strings as text, anything else as its PDF syntax (at
    most 80 characters)."""
    text = _text(value)
    if text is None:
        try:
            text = bytes(value.unparse()).decode("latin-1") if isinstance(value, pikepdf.Object) else repr(value)
        except (pikepdf.PdfError, RuntimeError, ValueError, TypeError):
            text = type(value).__name__
    return text if len(text) <= 80 else text[:77] + "..."


def _num(value: Any) -> float | None:
    """A PDF number as a float, else None (a name, string, array... where a number belongs)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    try:
        return float(value)
    except (OverflowError, ValueError):
        return None


def _int(value: Any, default: int = 0) -> int:
    """A PDF integer (a real is truncated), else ``default``."""
    number = _num(value)
    if number is None or number != number or abs(number) > 2**53:
        return default
    return int(number)


def _true(value: Any) -> bool:
    """A PDF boolean true (pikepdf gives Python bools)."""
    return isinstance(value, bool) and value


def _where(obj: Any) -> str:
    """`` (obj N G)`` of an indirect object, else empty."""
    ref = objref(obj)
    return f" ({ref})" if ref else ""


def _text(value: Any) -> str | None:
    if isinstance(value, pikepdf.String):
        try:
            return str(value)
        except UnicodeDecodeError:
            return bytes(value).decode("latin-1")
    if isinstance(value, pikepdf.Name):
        return name_text(value)[1:]
    return None


def open_pdf(pdf_bytes: bytes, *, what: str = "input", count: bool = True) -> pikepdf.Pdf:
    """Open PDF bytes with pikepdf; :class:`PdfError` for non-PDF, unreadable or locked input,
    :class:`~facturx_engine.pdf.limits.ObjectLimit` (``FX-LIMIT-OBJECTS``, a PdfError) for one
    that holds more objects than the engine reads (:data:`~facturx_engine.pdf.limits.MAX_OBJECT_ITEMS`),
    counted before qpdf parses any (``count=False``: not counted, for bytes the engine has just
    written from objects it counted)."""
    if not isinstance(pdf_bytes, (bytes, bytearray, memoryview)):
        raise PdfError(f"expected the PDF as bytes, got {type(pdf_bytes).__name__}")
    data = bytes(pdf_bytes)
    if b"%PDF-" not in data[:1024]:
        raise PdfError(f"{what} is not a PDF: no %PDF- header in the first 1024 bytes")
    refuse_lzw_structure(data)
    if count:
        count_objects(data)
    try:
        with bounded():
            return pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise PdfError(
            f"{what} is encrypted and needs a password; PDF/A forbids encryption (ISO 19005-3 6.1.3)"
            + _item(13), rule="PDFA-6.1.3-ENCRYPT") from None
    except PdfError:
        raise
    except (pikepdf.PdfError, RuntimeError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        detail = _STREAM_NAME.sub("", str(exc))  # qpdf names the in-memory stream by its address
        raise PdfError(f"{what} is not a readable PDF: {detail}") from None


_STREAM_NAME = re.compile(r"^stream <[^>]*>:\s*|\s*<_io\.BytesIO object at 0x[0-9a-fA-F]+>")


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted XML: no DTD, no entities, no network. Raises ``etree.XMLSyntaxError``."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return etree.fromstring(data, parser)


def local_children(el: etree._Element, *names: str) -> Iterator[etree._Element]:
    """The child elements of ``el`` whose local name (namespace or not) is one of ``names``, in
    document order: XPath ``./*[local-name()='a' or local-name()='b']`` without XPath."""
    for child in el:
        tag = child.tag
        if isinstance(tag, str) and tag.rpartition("}")[2] in names:
            yield child


def guideline_of(root: etree._Element) -> str | None:
    """BT-24 of a CII (Factur-X / ZUGFeRD 2) or ZUGFeRD 1 invoice root, else None: the first, in
    document order, ``ExchangedDocumentContext`` (``SpecifiedExchangedDocumentContext`` in
    ZUGFeRD 1) / ``GuidelineSpecifiedDocumentContextParameter`` / ``ID`` of the root."""
    for context in local_children(root, "ExchangedDocumentContext", "SpecifiedExchangedDocumentContext"):
        for param in local_children(context, "GuidelineSpecifiedDocumentContextParameter"):
            for ident in local_children(param, "ID"):
                text = ident.text
                return text.strip() if isinstance(text, str) else None
    return None


def _date_fields(text: str | None, pattern: re.Pattern[str]) -> tuple[tuple[int, ...], int | None] | None:
    """A PDF (``D:YYYYMMDDHHmmSSOHH'mm'``) or XMP (ISO 8601) date matched by ``pattern`` ->
    (fields, UTC offset in minutes, or None when the date carries no offset)."""
    if not text:
        return None
    m = pattern.match(text.strip())
    if not m:
        return None
    fields = tuple(int(g) if g else d for g, d in zip(m.groups()[:6], (0, 1, 1, 0, 0, 0)))
    if m.group(7):
        return fields, 0
    if m.group(8):
        sign = -1 if m.group(8) == "-" else 1
        return fields, sign * (int(m.group(9)) * 60 + int(m.group(10) or 0))
    return fields, None


def _pdf_date(text: str | None) -> tuple[tuple[int, ...], int | None] | None:
    return _date_fields(text, _PDF_DATE_RE)


def _xmp_date(text: str | None) -> tuple[tuple[int, ...], int | None] | None:
    return _date_fields(text, _XMP_DATE_RE)


def _same_instant(a: tuple[tuple[int, ...], int | None], b: tuple[tuple[int, ...], int | None]) -> bool:
    if a[1] is None or b[1] is None:
        return a[0] == b[0]
    try:
        da = _dt.datetime(a[0][0], a[0][1], a[0][2], a[0][3], a[0][4], a[0][5],
                          tzinfo=_dt.timezone(_dt.timedelta(minutes=a[1])))
        db = _dt.datetime(b[0][0], b[0][1], b[0][2], b[0][3], b[0][4], b[0][5],
                          tzinfo=_dt.timezone(_dt.timedelta(minutes=b[1])))
    except ValueError:
        return False
    return da == db


# --------------------------------------------------------------------------- XMP model


@dataclass
class Xmp:
    """The top-level XMP properties: ``{(namespace, name): value}``; value is a str or a list."""

    root: etree._Element
    props: dict[tuple[str, str], Any] = field(default_factory=dict)
    prefixes: dict[str, str] = field(default_factory=dict)  # namespace -> prefix seen

    def get(self, ns: str, name: str) -> Any:
        return self.props.get((ns, name))

    def text(self, ns: str, name: str) -> str | None:
        value = self.props.get((ns, name))
        if isinstance(value, list):
            return value[0] if value else None
        return value


_CONTAINERS = {f"{{{_RDF}}}Alt": 0, f"{{{_RDF}}}Seq": 1, f"{{{_RDF}}}Bag": 2}
_LI = f"{{{_RDF}}}li"


def _value(el: etree._Element) -> Any:
    """Text of a simple property; list of texts for rdf:Alt/Seq/Bag (x-default first; an Alt
    child wins over a Seq, a Seq over a Bag, the first of each kind counts)."""
    if len(el):
        container, rank = None, 3
        for child in el:
            r = _CONTAINERS.get(child.tag, 3) if isinstance(child.tag, str) else 3
            if r < rank:
                container, rank = child, r
        if container is None:
            return el  # a structure: kept as an element
        items = container.findall(_LI)
        if rank == 0:
            items.sort(key=lambda li: li.get(_XML_LANG) != "x-default")
        return [li.text or "" for li in items]
    if el.get(f"{{{_RDF}}}parseType") == "Resource":
        return el  # a structure: kept as an element
    resource = el.get(f"{{{_RDF}}}resource")
    if resource is not None:
        return resource
    return el.text or ""  # XMP text is significant, whitespace included


def _split_tag(tag: str) -> tuple[str, str]:
    """'{namespace}local' -> (namespace, local); no namespace -> ('', tag)."""
    if tag[:1] == "{":
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def parse_xmp(data: bytes) -> Xmp:
    """Parse an XMP packet (raises ``etree.XMLSyntaxError``)."""
    root = parse_xml(data)
    xmp = Xmp(root)
    rdf = f"{{{_RDF}}}RDF"
    for desc in root.iter(f"{{{_RDF}}}Description"):
        parent = desc.getparent()
        if parent is None or parent.tag != rdf:
            continue  # a nested structure, not a top-level property holder
        for attr, value in desc.attrib.items():
            ns, local = _split_tag(str(attr))
            if ns and ns not in (_RDF, "http://www.w3.org/XML/1998/namespace"):
                xmp.props[(ns, local)] = value
        for child in desc:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            ns, local = _split_tag(tag)
            xmp.props[(ns, local)] = _value(child)
            if child.prefix:
                xmp.prefixes.setdefault(ns, child.prefix)
    return xmp


@dataclass
class _Schema:
    namespace: str
    prefix: str | None
    properties: dict[str, dict[str, str | None]]


def _field(el: etree._Element, ns: str, name: str) -> str | None:
    """A field of an rdf:parseType="Resource" li (child element, or attribute)."""
    return _fields(el, ns, (name,))[name]


def _fields(el: etree._Element, ns: str, names: tuple[str, ...]) -> dict[str, str | None]:
    """:func:`_field` for several names, reading the children of ``el`` once: for each name the
    stripped text of the first child element of that name, else the attribute, else the field
    of the first nested rdf:Description, else None."""
    first: dict[Any, etree._Element] = {}
    for child in el:
        first.setdefault(child.tag, child)
    out: dict[str, str | None] = {}
    desc = first.get(_DESCRIPTION)
    for name in names:
        tag = f"{{{ns}}}{name}"
        found = first.get(tag)
        if found is not None:
            out[name] = (found.text or "").strip()
            continue
        value = el.get(tag)
        if value is not None:
            out[name] = value.strip()
        else:
            out[name] = _field(desc, ns, name) if desc is not None else None
    return out


_DESCRIPTION = f"{{{_RDF}}}Description"
_PROPERTY_FIELDS = ("name", "valueType", "category", "description")


def extension_schemas(xmp: Xmp) -> list[_Schema]:
    """The PDF/A extension schemas declared in ``pdfaExtension:schemas``."""
    schemas: list[_Schema] = []
    for holder in xmp.root.iter(f"{{{_NS['pdfaExtension']}}}schemas"):
        for li in holder.iter(f"{{{_RDF}}}li"):
            if li.getparent() is None or li.getparent().getparent() is not holder:  # type: ignore[union-attr]
                continue
            head = _fields(li, _NS["pdfaSchema"], ("namespaceURI", "prefix"))
            namespace = head["namespaceURI"] or ""
            prefix = head["prefix"]
            props: dict[str, dict[str, str | None]] = {}
            for prop_holder in li.iter(f"{{{_NS['pdfaSchema']}}}property"):
                for pli in prop_holder.iter(f"{{{_RDF}}}li"):
                    spec = _fields(pli, _NS["pdfaProperty"], _PROPERTY_FIELDS)
                    pname = spec.pop("name")
                    if pname is None:
                        props.setdefault("", {})
                        continue
                    props[pname] = spec
            schemas.append(_Schema(namespace, prefix, props))
    return schemas


# --------------------------------------------------------------------------- attachments


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
            raise PdfError(f"embedded file {self.name!r} has no /EF /F stream" + _item(24))
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


def find_invoice(pdf: pikepdf.Pdf, atts: list[Attachment], xmp: Xmp | None) -> list[Attachment]:
    """The attachments that are the invoice XML: named by ``fx:DocumentFileName`` or a known name."""
    wanted = {n.lower() for n in INVOICE_FILENAMES}
    docname = None
    if xmp is not None:
        for ns in (FX_NAMESPACE, *_LEGACY_NAMESPACES):
            docname = docname or xmp.text(ns, "DocumentFileName")
    if docname:
        wanted.add(docname.lower())
    hits = [a for a in atts if a.name.lower() in wanted]
    rank = {n.lower(): i for i, n in enumerate(INVOICE_FILENAMES)}
    hits.sort(key=lambda a: (a.name != docname, rank.get(a.name.lower(), 99)))
    return hits


def read_xmp(pdf: pikepdf.Pdf, *, strict: bool = False) -> tuple[bytes | None, Xmp | None]:
    """The catalog's XMP packet and its properties; (None, None) when there is none or it cannot
    be decoded (``strict=True``: :class:`StreamLimit` past :data:`MAX_XMP_BYTES` is raised)."""
    md = pdf.Root.get("/Metadata")
    if not isinstance(md, pikepdf.Stream):
        return None, None
    try:
        raw = read_stream(md, cap=MAX_XMP_BYTES, what="XMP metadata stream")
    except StreamLimit:
        if strict:
            raise
        return None, None
    except PdfError:
        return None, None
    try:
        return raw, parse_xmp(raw)
    except etree.XMLSyntaxError:
        return raw, None


# --------------------------------------------------------------------------- object walk


def iter_objects(pdf: pikepdf.Pdf) -> Iterator[tuple[pikepdf.Object, str, dict[str, Any]]]:
    """Every dictionary and stream reachable from the trailer, each once (iterative), with the
    first path that reached it (``trailer/Root/OpenAction``) and its entries (``dict(obj.items())``,
    read once here for the walk and for the checks: each pikepdf access costs a call into qpdf).

    Only containers are pushed, and an array whose serialisation (its own, when it is indirect)
    has neither ``<<`` nor `` R`` (a font's /Widths, a /MediaBox) holds no dictionary or stream
    and is not walked: that skips the many numbers of font metrics without changing what is
    yielded or in which order. An array that is walked is read one item at a time (the stack holds
    its iterator), so that the walk keeps no more than the path to the current object.
    """
    containers = (pikepdf.Dictionary, pikepdf.Stream, pikepdf.Array)
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[Any, str]] = [(pdf.trailer, "trailer")]
    while stack:
        obj, path = stack.pop()
        if isinstance(obj, enumerate):  # the items of an array still to walk
            for i, item in obj:
                if isinstance(item, containers):
                    stack.append((obj, path))
                    stack.append((item, f"{path}[{i}]"))
                    break
            continue
        og = obj.objgen
        if og != (0, 0):
            if og in seen:
                continue
            seen.add(og)
        if isinstance(obj, pikepdf.Array):
            text = obj.unparse(resolved=True)
            if b"<<" in text or b" R" in text:
                stack.append((enumerate(obj), path))
            continue
        entries = dict(obj.items())
        yield obj, path, entries
        long = len(path) >= 160
        for key, value in entries.items():
            if isinstance(value, containers):
                stack.append((value, path if long else path + key))


def cr_ended_streams(pdf: pikepdf.Pdf) -> list[str]:
    """``"obj N G"`` of every stream whose raw (encoded) data ends with a CR byte."""
    found = []
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream):
            try:
                raw = obj.read_raw_bytes()
            except (pikepdf.PdfError, RuntimeError, ValueError):
                continue
            if raw.endswith(b"\r"):
                found.append("obj {} {}".format(*obj.objgen))
    return found


_STREAM_WORD = re.compile(rb"stream")  # its occurrences cannot overlap


def _bad_stream_eols(data: bytes) -> int:
    """How many ``endstream`` keywords lack an EOL before them, plus how many ``stream`` keywords
    are followed by a lone CR: the counts of ``re.findall(rb"[^\\r\\n]endstream")`` and
    ``re.findall(rb"(?<!end)stream\\r(?!\\n)")``, found in one pass over the occurrences of
    ``stream`` (a character class at the start of a pattern would make ``re`` try every offset
    of the file, fonts included)."""
    count = 0
    end = 0  # end of the previous counted "endstream" match: findall's matches do not overlap
    for found in _STREAM_WORD.finditer(data):
        i = found.start()
        if i >= 3 and data[i - 3:i] == b"end":
            k = i - 3  # an "endstream" keyword at k
            if k > 0 and k - 1 >= end and data[k - 1] not in b"\r\n":
                count += 1
                end = k + 9
        elif data[i + 6:i + 7] == b"\r" and data[i + 7:i + 8] != b"\n":
            count += 1
    return count


# --------------------------------------------------------------------------- the checker


class _Checker:
    def __init__(self, data: bytes, pdf: pikepdf.Pdf, *, strict: bool,
                 parsed: Mapping[bytes, etree._Element] | None = None) -> None:
        self.data = data
        self.pdf = pdf
        self.strict = strict
        self.parsed = parsed or {}  # XML already parsed by the caller, by its exact bytes
        self._decoded: dict[int, bytes | None] = {}  # id(Attachment) -> its data, as _params read it
        self.findings: list[Finding] = []
        self._counts: dict[str, int] = {}  # findings per rule (_record)
        self._af: set[Any] | None = None  # af_members(), once known
        self._af_found: set[Any] = set()
        self._af_seen: list[pikepdf.Object] = []

    def af_members(self) -> set[Any]:
        """The file specifications listed in an /AF array of any object: those :meth:`objects`
        collected on its walk of the file when it ran to the end, else a walk of their own (the
        walk is not kept: a file with many objects would keep them all)."""
        if self._af is None:
            self._af_found = set()
            for _obj, _path, d in iter_objects(self.pdf):
                self._collect_af(d)
            self._af = self._af_found
        return self._af

    def _collect_af(self, d: dict[str, Any]) -> None:
        af = d.get("/AF")
        if isinstance(af, pikepdf.Array):
            for fs in af:
                if isinstance(fs, pikepdf.Dictionary):
                    self._af_seen.append(fs)  # an id() stays that object's while it lives
                    self._af_found.add(fs.objgen if fs.objgen != (0, 0) else id(fs))

    # -- recording
    def fatal(self, rule: str, location: str, message: str, item: int | str, bt: tuple[str, ...] = ()) -> None:
        _record(self.findings, self._counts, Finding(rule, _FATAL, _safe(location),
                                                     _safe(message + _cite(item, message)), bt, _SOURCE))

    def warn(self, rule: str, location: str, message: str, item: int | str, bt: tuple[str, ...] = ()) -> None:
        _record(self.findings, self._counts, Finding(rule, _WARNING, _safe(location),
                                                     _safe(message + _cite(item, message)), bt, _SOURCE))

    def tolerated(self, rule: str, location: str, message: str, item: int | str, bt: tuple[str, ...] = ()) -> None:
        """Readers accept it and real files do it, but embed() must never write it."""
        severity = _FATAL if self.strict else _WARNING
        _record(self.findings, self._counts, Finding(rule, severity, _safe(location),
                                                     _safe(message + _cite(item, message)), bt, _SOURCE))

    # -- file structure (items 10-16)
    def file_structure(self, *, streams: bool = True) -> None:
        """Items 10-16 on the bytes; ``streams=False`` leaves out :meth:`stream_data`."""
        self.header()
        trailer_id = self.pdf.trailer.get("/ID")
        if not (isinstance(trailer_id, pikepdf.Array) and len(trailer_id) == 2
                and all(isinstance(x, pikepdf.String) for x in trailer_id)):
            self.fatal("PDFA-6.1.3-ID", "trailer",
                       "the trailer has no /ID array of two strings (ISO 19005-3 6.1.3)", 12)
        if self.pdf.is_encrypted or "/Encrypt" in self.pdf.trailer:
            self.fatal("PDFA-6.1.3-ENCRYPT", "trailer",
                       "the file is encrypted (trailer /Encrypt); PDF/A forbids encryption (ISO 19005-3 6.1.3)", 13)
        self.end_of_file()
        problems = [w for w in self.pdf.get_warnings() if w]
        if problems:
            self.fatal("PDFA-6.1.4-XREF", "cross-reference",
                       "qpdf had to repair the file: " + "; ".join(str(p) for p in problems[:3])
                       + " (ISO 19005-3 6.1.4 / 6.1.9)", 16)
        if streams:
            self.stream_data()
        self.stream_eols()

    def header(self) -> None:
        """Items 10-11: the header and the binary comment, on the bytes."""
        data = self.data
        m = _HEADER_RE.match(data)
        if not m:
            any_ = _HEADER_ANY_RE.match(data)
            if any_:
                self.fatal("PDFA-6.1.2-HEADER", "header",
                           f"header %PDF-{any_.group(1).decode()}.{any_.group(2).decode()} is not %PDF-1.0..1.7 "
                           "followed by an EOL (PDF/A-3 is based on PDF 1.7; ISO 19005-3 6.1.2)", 10)
            else:
                self.fatal("PDFA-6.1.2-HEADER", "header",
                           "the file does not start with %PDF-1.n at byte 0 (ISO 19005-3 6.1.2)", 10)
        else:
            if int(m.group(1)) < 7:
                self.tolerated("PDFA-6.1.2-VERSION", "header",
                               f"header declares PDF 1.{m.group(1).decode()}, older than the PDF 1.7 features "
                               "(/AF, /AFRelationship) a PDF/A-3 file uses; write %PDF-1.7", 10)
            rest = data[m.end():m.end() + 64]
            if not (len(rest) >= 5 and rest[:1] == b"%" and sum(1 for b in rest[1:5] if b > 127) == 4):
                self.fatal("PDFA-6.1.2-BINARY", "header",
                           "the header is not followed by a comment of at least 4 bytes > 127 "
                           "(ISO 19005-3 6.1.2)", 11)

    def end_of_file(self) -> None:
        """Item 14: the ``%%EOF`` marker, on the bytes."""
        data = self.data
        eof = data.rfind(b"%%EOF")
        if eof < 0:
            self.fatal("PDFA-6.1.3-EOF", "end of file",
                       "no %%EOF marker: the file is truncated (ISO 19005-3 6.1.3)", 14)
        elif data[eof + 5:] not in (b"", b"\n", b"\r", b"\r\n"):
            self.fatal("PDFA-6.1.3-EOF", "end of file",
                       f"{len(data) - eof - 5} byte(s) after the last %%EOF; at most one EOL is allowed "
                       "(ISO 19005-3 6.1.3)", 14)

    def stream_eols(self) -> None:
        """Item 15: the EOL around stream data, on the bytes."""
        bad_eol = _bad_stream_eols(self.data)
        if bad_eol:
            self.fatal("PDFA-6.1.7-EOL", "streams",
                       f"{bad_eol} stream(s) without an EOL before 'endstream' or with a lone CR after "
                       "'stream' (ISO 19005-3 6.1.7.1); "
                       "reportlab's raw output does this: rewrite the file with pikepdf", 15)

    def stream_data(self) -> None:
        """Stream data ending with CR (item 15): the raw data of each stream, as in the file."""
        ambiguous = cr_ended_streams(self.pdf)
        if ambiguous:
            self.tolerated("PDFA-6.1.7-LENGTH", "streams",
                           f"{len(ambiguous)} stream(s) whose data ends with a CR byte ({', '.join(ambiguous[:5])}): "
                           "followed by the EOL before 'endstream' it reads as CR LF, and validators that take "
                           "CR LF as the EOL (page-validation) count /Length one byte short (ISO 19005-3 "
                           "6.1.7.1)", 15)

    # -- every object (items 15, 18, 22, 23)
    def objects(self) -> None:
        root = self.pdf.Root
        names = root.get("/Names")
        if isinstance(names, pikepdf.Dictionary):
            if "/JavaScript" in names:
                self.fatal("PDFA-6.5-JAVASCRIPT", "catalog /Names /JavaScript",
                           "the document has a JavaScript name tree (ISO 19005-3 6.5.1)", 22)
            if "/AlternatePresentations" in names:
                self.fatal("PDFA-6.10-ALTPRES", "catalog /Names",
                           "AlternatePresentations are not allowed (ISO 19005-3 6.10)", 23)
        if "/Requirements" in root:
            self.fatal("PDFA-6.11-REQ", "catalog", "a /Requirements entry is not allowed (ISO 19005-3 6.11)", 23)
        if _true(root.get("/NeedsRendering")):
            self.fatal("PDFA-6.4-FORM", "catalog", "NeedsRendering true is not allowed (ISO 19005-3 6.4.2)", 23)
        acro = root.get("/AcroForm")
        if isinstance(acro, pikepdf.Dictionary):
            if "/XFA" in acro:
                self.fatal("PDFA-6.4-FORM", "catalog /AcroForm", "XFA forms are not allowed (ISO 19005-3 6.4.2)", 23)
            if _true(acro.get("/NeedAppearances")):
                self.fatal("PDFA-6.4-FORM", "catalog /AcroForm",
                           "NeedAppearances true is not allowed (ISO 19005-3 6.4.1)", 23)
        ocp = root.get("/OCProperties")
        if isinstance(ocp, pikepdf.Dictionary):
            configs = [ocp.get("/D")] + list(ocp.get("/Configs", pikepdf.Array()))
            seen_names: set[str] = set()
            for cfg in configs:
                if not isinstance(cfg, pikepdf.Dictionary):
                    continue
                cname = _text(cfg.get("/Name"))
                if not cname or cname in seen_names:
                    self.fatal("PDFA-6.9-OC", "catalog /OCProperties",
                               "every optional content configuration needs a unique /Name (ISO 19005-3 6.9)", 23)
                seen_names.add(cname or "")
                if "/AS" in cfg:
                    self.fatal("PDFA-6.9-OC", "catalog /OCProperties",
                               "an optional content configuration has an /AS entry (ISO 19005-3 6.9)", 23)
        for index, page in enumerate(self.pdf.pages, 1):
            if "/PresSteps" in page.obj:
                self.fatal("PDFA-6.10-ALTPRES", f"page {index}", "/PresSteps is not allowed (ISO 19005-3 6.10)", 23)

        self._af_found = set()
        for obj, path, d in iter_objects(self.pdf):
            if "/AF" in d:
                self._collect_af(d)
            # the entries these checks look at; most objects have none and are passed by
            if _OBJECT_KEYS.isdisjoint(d) and not isinstance(obj, pikepdf.Stream):
                continue
            where = f" {path}{_where(obj)}"
            if "/JS" in d:
                self.fatal("PDFA-6.5-JAVASCRIPT", f"object{where}", "JavaScript (/JS) is not allowed (ISO 19005-3 6.5.1)", 22)
            if "/AA" in d:
                self.fatal("PDFA-6.5.2-AA", f"object{where}",
                           "additional actions (/AA) are not allowed (ISO 19005-3 6.5.2, 6.4.1)", 22)
            kind = _name(d.get("/S"))
            is_struct = d.get("/Type") == "/StructElem" or ("/K" in d and "/P" in d)
            if kind in _ACTIONS_KNOWN and not is_struct:
                if kind not in _ACTIONS_ALLOWED:
                    rule = "PDFA-6.5-JAVASCRIPT" if kind == "JavaScript" else "PDFA-6.5-ACTION"
                    self.fatal(rule, f"action{where}", f"{kind} actions are not allowed (ISO 19005-3 6.5.1)", 22)
                elif kind == "Named" and _name(d.get("/N")) not in _NAMED_ALLOWED:
                    self.fatal("PDFA-6.5-ACTION", f"action{where}",
                               f"named action {_name(d.get('/N'))!r} is not NextPage/PrevPage/FirstPage/"
                               "LastPage (ISO 19005-3 6.5.1)", 22)
            if isinstance(obj, pikepdf.Stream):
                self._stream(d, where)
            if "/Rect" in d and "/Subtype" in d and d.get("/Type", "/Annot") == "/Annot":
                self._annotation(obj, where)
            self._graphics_keys(d, where)
        self._af = self._af_found  # the walk ran to the end: embedded_files() needs no other

    def _stream(self, d: dict[str, Any], where: str) -> None:
        """A stream's dictionary entries ``d``."""
        for key in ("/F", "/FFilter", "/FDecodeParms"):
            if key in d:
                self.fatal("PDFA-6.1.7-FILTER", f"stream{where}",
                           f"stream dictionary has {key} (external stream data; ISO 19005-3 6.1.7.1)", 15)
        filters = d.get("/Filter")
        flist = list(filters) if isinstance(filters, pikepdf.Array) else [filters] if filters is not None else []
        for f in flist:
            if f == "/LZWDecode":
                self.fatal("PDFA-6.1.7-FILTER", f"stream{where}", "LZWDecode is not allowed (ISO 19005-3 6.1.7.2)", 15)
            elif f == "/Crypt":
                self.fatal("PDFA-6.1.7-FILTER", f"stream{where}",
                           "a Crypt filter is not allowed (ISO 19005-3 6.1.10)", 15)
        subtype = d.get("/Subtype")
        if subtype == "/PS" or "/PS" in d or d.get("/Subtype2") == "/PS":
            self.fatal("PDFA-6.2.9-XOBJECT", f"XObject{where}", "PostScript XObjects are not allowed (ISO 19005-3 6.2.9)", 18)
        if subtype == "/Form" and "/Ref" in d:
            self.fatal("PDFA-6.2.9-XOBJECT", f"XObject{where}", "reference XObjects (/Ref) are not allowed (ISO 19005-3 6.2.9)", 18)
        if subtype in ("/Form", "/Image") and "/OPI" in d:
            self.fatal("PDFA-6.2.9-XOBJECT", f"XObject{where}", "/OPI is not allowed (ISO 19005-3 6.2.8, 6.2.9)", 18)
        if subtype == "/Image":
            if "/Alternates" in d:
                self.fatal("PDFA-6.2.8-IMAGE", f"image{where}", "image /Alternates are not allowed (ISO 19005-3 6.2.8)", 18)
            if _true(d.get("/Interpolate")):
                self.fatal("PDFA-6.2.8-IMAGE", f"image{where}", "image /Interpolate true is not allowed (ISO 19005-3 6.2.8)", 18)
            bpc = d.get("/BitsPerComponent")
            if bpc is not None and not (isinstance(bpc, int) and int(bpc) in (1, 2, 4, 8, 16)):
                self.fatal("PDFA-6.2.8-IMAGE", f"image{where}", f"BitsPerComponent {_show(bpc)} (ISO 19005-3 6.2.8)", 18)

    def _graphics_keys(self, d: dict[str, Any], where: str) -> None:
        if "/TR" in d and d.get("/Type", "/ExtGState") == "/ExtGState":
            self.fatal("PDFA-6.2.5-EXTGSTATE", f"ExtGState{where}", "transfer function /TR is not allowed (ISO 19005-3 6.2.5)", 18)
        if "/TR2" in d and d.get("/TR2") != "/Default":
            self.fatal("PDFA-6.2.5-EXTGSTATE", f"ExtGState{where}", "/TR2 other than /Default (ISO 19005-3 6.2.5)", 18)
        if "/HTP" in d:
            self.fatal("PDFA-6.2.5-EXTGSTATE", f"ExtGState{where}", "/HTP is not allowed (ISO 19005-3 6.2.5)", 18)
        if "/HTO" in d:
            self.fatal("PDFA-6.2.5-EXTGSTATE", f"halftone{where}", "/HTO is not allowed (ISO 19005-3 6.2.5)", 18)
        if "/RI" in d:
            ri = _name(d.get("/RI"))
            if ri not in _INTENTS:
                self.fatal("PDFA-6.2.6-INTENT", f"object{where}", f"rendering intent {ri!r} is not a standard one (ISO 19005-3 6.2.6)", 18)
        if "/BM" in d:
            bm = d.get("/BM")
            modes = [_name(x) for x in bm] if isinstance(bm, pikepdf.Array) else [_name(bm)]
            for mode in modes:
                if mode not in _BLEND_MODES:
                    self.fatal("PDFA-6.2.10-BLEND", f"ExtGState{where}", f"blend mode {mode!r} is not a standard one (ISO 19005-3 6.2.10)", 18)

    def _annotation(self, annot: pikepdf.Object, where: str) -> None:
        sub = _name(annot.get("/Subtype")) or ""
        loc = f"{sub} annotation{where}"
        if sub not in _ANNOTS_ALLOWED:
            self.fatal("PDFA-6.3-ANNOT", loc, f"{sub} annotations are not allowed (ISO 19005-3 6.3.1)", 23)
        if sub != "Popup":
            flags = _int(annot.get("/F"))
            if "/F" not in annot or not flags & 4 or flags & (1 | 2 | 32 | 256):
                self.fatal("PDFA-6.3-ANNOT", loc, f"annotation flags {flags}: Print must be set and Invisible, "
                           "Hidden, NoView, ToggleNoView clear (ISO 19005-3 6.3.2)", 23)
        ap = annot.get("/AP")
        rect = annot.get("/Rect")
        corners = [_num(x) for x in rect] if isinstance(rect, pikepdf.Array) and len(rect) == 4 else []
        empty = len(corners) == 4 and None not in corners and corners[0] == corners[2] and corners[1] == corners[3]
        if ap is None and sub not in ("Popup", "Link") and not empty:
            self.fatal("PDFA-6.3-ANNOT", loc, "annotation without an appearance stream /AP (ISO 19005-3 6.3.3)", 23)
        if isinstance(ap, pikepdf.Dictionary) and set(ap.keys()) - {"/N"}:
            self.fatal("PDFA-6.3-ANNOT", loc, "the appearance dictionary has entries other than /N (ISO 19005-3 6.3.3)", 23)
        if sub == "Widget" and "/A" in annot:
            self.fatal("PDFA-6.4-FORM", loc, "a widget annotation has an action /A (ISO 19005-3 6.4.1)", 23)

    # -- content streams: colour, fonts, transparency (items 17-19)
    def content(self) -> None:
        scan = ContentScan(self.pdf)
        scan.run()
        self.findings.extend(scan.findings)
        intent = self._output_intents()
        for space, where in scan.device.items():
            need = {"DeviceRGB": "RGB ", "DeviceCMYK": "CMYK", "DeviceGray": None}[space]
            if intent is None:
                self.fatal("PDFA-6.2.3-OUTPUTINTENT", where,
                           f"{space} is used but the document has no PDF/A OutputIntent (GTS_PDFA1) "
                           "(ISO 19005-3 6.2.4.3)", 17)
            elif need is not None and intent != need:
                self.fatal("PDFA-6.2.4.3-DEVICE", where,
                           f"{space} is used with a {intent.strip()} OutputIntent; it needs a "
                           f"{need.strip()} intent or a Default{space[6:]} colour space (ISO 19005-3 6.2.4.3)", 17)
        if intent is None and not scan.device and "/OutputIntents" not in self.pdf.Root:
            self.warn("PDFA-6.2.3-OUTPUTINTENT", "catalog",
                      "no OutputIntent; not required as no device colour space is used", 17)
        if intent is None:
            for page_no in sorted(scan.transparent_pages):
                page = self.pdf.pages[page_no - 1].obj
                group = page.get("/Group")
                if not (isinstance(group, pikepdf.Dictionary) and "/CS" in group):
                    self.fatal("PDFA-6.2.10-GROUP", f"page {page_no}",
                               "the page uses transparency but has neither an OutputIntent nor a page "
                               "group /CS (ISO 19005-3 6.2.10)", 18)
        for rec in scan.fonts.values():
            if rec.embedded:
                continue
            pages = ", ".join(str(p) for p in sorted(rec.pages)) or "-"
            if rec.used:
                self.fatal("PDFA-6.2.11.4-EMBED", f"font {rec.name}{rec.where} on page(s) {pages}",
                           f"font {rec.name} ({rec.subtype}) is used for rendering but not embedded "
                           "(no FontFile/FontFile2/FontFile3; the standard 14 fonts are no exception; "
                           "ISO 19005-3 6.2.11.4.1)", 19)
            else:
                self.tolerated("FX-FONT-UNUSED", f"font {rec.name}{rec.where} on page(s) {pages}",
                               f"font {rec.name} ({rec.subtype}) is in the resources but not embedded; "
                               "it draws nothing, but pdffonts lists it as not embedded (reportlab "
                               "leaves /F1 Helvetica unless Canvas(initialFontName=...) is given)", 19)

    def _output_intents(self) -> str | None:
        """Check /OutputIntents; return the colour space of the GTS_PDFA1 profile, if valid."""
        intents = self.pdf.Root.get("/OutputIntents")
        if intents is None:
            return None
        if not isinstance(intents, pikepdf.Array):
            self.fatal("PDFA-6.2.3-OUTPUTINTENT", "catalog /OutputIntents", "/OutputIntents is not an array", 17)
            return None
        profiles = set()
        space = None
        for i, intent in enumerate(intents):
            loc = f"catalog /OutputIntents[{i}]"
            if not isinstance(intent, pikepdf.Dictionary):
                continue
            if "/DestOutputProfileRef" in intent:
                self.fatal("PDFA-6.2.3-OUTPUTINTENT", loc, "/DestOutputProfileRef is not allowed (ISO 19005-3 6.2.3)", 17)
            prof = intent.get("/DestOutputProfile")
            if isinstance(prof, pikepdf.Object):
                profiles.add(prof.objgen if prof.objgen != (0, 0) else id(prof))
            if intent.get("/S") != "/GTS_PDFA1":
                continue
            if not isinstance(prof, pikepdf.Stream):
                self.fatal("PDFA-6.2.3-OUTPUTINTENT", loc, "the GTS_PDFA1 OutputIntent has no /DestOutputProfile ICC stream", 17)
                continue
            try:
                icc = read_stream(prof, what="OutputIntent ICC profile")
            except StreamLimit as exc:
                self.fatal(exc.rule or "FX-LIMIT-STREAM", loc, exc.message, "limit")
                continue
            except PdfError as exc:
                self.fatal("PDFA-6.2.3-OUTPUTINTENT", loc, f"the ICC profile cannot be decoded: {exc.message}", 17)
                continue
            problem = icc_problem(icc, prof.get("/N"))
            if problem:
                self.fatal("PDFA-6.2.3-OUTPUTINTENT", loc, problem + " (ISO 19005-3 6.2.3)", 17)
                continue
            space = icc[16:20].decode("latin-1").upper()
            space = "GRAY" if space == "GRAY" else space
        if len(profiles) > 1:
            self.fatal("PDFA-6.2.3-OUTPUTINTENT", "catalog /OutputIntents",
                       "several OutputIntents with different DestOutputProfile objects (ISO 19005-3 6.2.3)", 17)
        if space is None and len(intents):
            if not any(isinstance(i, pikepdf.Dictionary) and i.get("/S") == "/GTS_PDFA1" for i in intents):
                self.fatal("PDFA-6.2.3-OUTPUTINTENT", "catalog /OutputIntents", "no OutputIntent has /S /GTS_PDFA1", 17)
        return space

    # -- XMP (items 2-6, 8)
    def metadata(self) -> tuple[Xmp | None, str | None]:
        """Check the XMP; return it and the declared PDF/A identification (e.g. '3B')."""
        md = self.pdf.Root.get("/Metadata")
        if not isinstance(md, pikepdf.Stream):
            self.fatal("PDFA-6.6.2.1-METADATA", "catalog", "the catalog has no /Metadata XMP stream (ISO 19005-3 6.6.2.1)", 3)
            return None, None
        loc = f"catalog /Metadata{_where(md)}"
        if md.get("/Type") != "/Metadata" or md.get("/Subtype") != "/XML":
            self.fatal("PDFA-6.6.2.1-METADATA", loc, "the metadata stream lacks /Type /Metadata /Subtype /XML (ISO 19005-3 6.6.2.1)", 3)
        if md.get("/Filter") is not None:
            self.fatal("FX-XMP-FILTER", loc,
                       f"the XMP stream is compressed (/Filter {_show(md.get('/Filter'))}); veraPDF's PDF/A-3B profile "
                       "allows it, but page-validation and PDFBox Preflight (the offline gates) reject it: "
                       "write it uncompressed", 4)
        try:
            raw, xmp = read_xmp(self.pdf, strict=True)
        except StreamLimit as exc:
            self.fatal(exc.rule or "FX-LIMIT-STREAM", loc, exc.message, "limit")
            return None, None
        if raw is None:
            self.fatal("PDFA-6.6.2.1-METADATA", loc, "the XMP stream cannot be decoded", 3)
            return None, None
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            self.fatal("PDFA-6.6.2.1-METADATA", loc, "the XMP packet is not UTF-8 (ISO 19005-3 6.6.2.1)", 3)
        header = _XPACKET_RE.search(raw)
        if header is None:
            self.tolerated("FX-XMP-XPACKET", loc, "the XMP has no <?xpacket begin=... ?> wrapper", 3)
        elif re.search(rb"\b(bytes|encoding)\s*=", header.group(3)):
            self.fatal("PDFA-6.6.2.1-METADATA", loc, "the xpacket header has a bytes or encoding attribute (ISO 19005-3 6.6.2.1)", 3)
        if xmp is None:
            self.fatal("PDFA-6.6.2.1-METADATA", loc, "the XMP is not well-formed XML (ISO 19005-3 6.6.2.1)", 3)
            return None, None
        part = xmp.text(_NS["pdfaid"], "part")
        conformance = xmp.text(_NS["pdfaid"], "conformance")
        if part != "3":
            self.fatal("PDFA-6.6.4-PART", loc, f"pdfaid:part is {part!r}, not '3' (PDF/A-3; ISO 19005-3 6.6.4)", 2)
        if conformance not in ("A", "B", "U"):
            self.fatal("PDFA-6.6.4-CONFORMANCE", loc, f"pdfaid:conformance is {conformance!r}, not A, B or U (ISO 19005-3 6.6.4)", 2)
        elif conformance != "B":
            self.warn("PDFA-6.6.4-CONFORMANCE", loc,
                      f"declares PDF/A-3{conformance}; only the level-B rules are checked here", 1)
        self._extension_schemas(xmp, loc)
        return xmp, (f"{part}{conformance}" if part and conformance else None)

    def _extension_schemas(self, xmp: Xmp, loc: str) -> None:
        schemas = extension_schemas(xmp)
        declared: dict[str, _Schema] = {}
        for schema in schemas:
            if not schema.namespace or not schema.prefix:
                self.fatal("PDFA-6.6.2.3-EXTENSION", loc, f"an extension schema lacks namespaceURI or prefix ({schema.namespace!r})", 5)
            for pname, spec in schema.properties.items():
                missing = [k for k, v in spec.items() if not v]
                if not pname or missing:
                    self.fatal("PDFA-6.6.2.3-EXTENSION", loc,
                               f"property {pname!r} of extension schema {schema.namespace!r} lacks "
                               f"{', '.join(missing) or 'a name'} (ISO 19005-3 6.6.2.3.3)", 5)
            declared[schema.namespace] = schema
        for (ns, name) in xmp.props:
            if ns in _PREDEFINED_XMP:
                continue
            found = declared.get(ns)
            if found is None:
                self.fatal("PDFA-6.6.2.3-EXTENSION", loc,
                           f"XMP property {xmp.prefixes.get(ns, '?')}:{name} ({ns}) is neither predefined nor "
                           "declared in a PDF/A extension schema (ISO 19005-3 6.6.2.3.1)", 5)
            elif name not in found.properties:
                self.fatal("PDFA-6.6.2.3-EXTENSION", loc,
                           f"XMP property {found.prefix}:{name} is not declared in the extension schema "
                           f"of {ns} (ISO 19005-3 6.6.2.3.1)", 5)
            elif ns == FX_NAMESPACE:
                spec = found.properties[name]
                if spec.get("valueType") != "Text" or spec.get("category") != "external":
                    self.fatal("PDFA-6.6.2.3-EXTENSION", loc,
                               f"fx:{name} is declared with valueType {spec.get('valueType')!r} and category "
                               f"{spec.get('category')!r}; expected Text / external", 5)
                if found.prefix != "fx":
                    self.fatal("PDFA-6.6.2.3-EXTENSION", loc,
                               f"the Factur-X extension schema declares prefix {found.prefix!r}, not 'fx'", 5)

    def info_vs_xmp(self, xmp: Xmp) -> None:
        info = self.pdf.trailer.get("/Info")
        if not isinstance(info, pikepdf.Dictionary):
            return
        pairs = (
            ("/Title", _NS["dc"], "title", "dc:title"),
            ("/Author", _NS["dc"], "creator", "dc:creator"),
            ("/Subject", _NS["dc"], "description", "dc:description"),
            ("/Keywords", _NS["pdf"], "Keywords", "pdf:Keywords"),
            ("/Creator", _NS["xmp"], "CreatorTool", "xmp:CreatorTool"),
            ("/Producer", _NS["pdf"], "Producer", "pdf:Producer"),
        )
        for key, ns, prop, label in pairs:
            if key not in info:
                continue
            value = _text(info.get(key))
            xv = xmp.get(ns, prop)
            if prop == "creator":
                ok = isinstance(xv, list) and len(xv) == 1 and xv[0] == value
            else:
                ok = (xv[0] if isinstance(xv, list) and xv else xv) == value
            if not ok:
                self.tolerated("FX-INFO-XMP", f"Info {key}",
                               f"Info {key} {value!r} differs from XMP {label} {xv!r} (a PDF/A-1 rule, 6.7.3, "
                               "that PDFBox Preflight still applies; not a veraPDF PDF/A-3B rule)", 8)
        for key, prop, label in (("/CreationDate", "CreateDate", "xmp:CreateDate"),
                                 ("/ModDate", "ModifyDate", "xmp:ModifyDate")):
            if key not in info:
                continue
            a = _pdf_date(_text(info.get(key)))
            b = _xmp_date(xmp.text(_NS["xmp"], prop))
            if a is None or b is None or not _same_instant(a, b):
                self.tolerated("FX-INFO-XMP", f"Info {key}",
                               f"Info {key} {_text(info.get(key))!r} differs from XMP {label} "
                               f"{xmp.text(_NS['xmp'], prop)!r} (PDF/A-1 6.7.3, PDFBox Preflight 7.2)", 8)

    # -- embedded files and the invoice (items 6-7, 24-29)
    def embedded_files(self, xmp: Xmp | None) -> tuple[str | None, str | None]:
        """Check every attachment and the invoice; return (fx level, BT-24)."""
        pdf = self.pdf
        atts = attachments(pdf)
        af_members = self.af_members()
        for att in atts:
            loc = f"embedded file {att.name!r}{_where(att.filespec)}"
            fs = att.filespec
            key = fs.objgen if fs.objgen != (0, 0) else id(fs)
            if key not in af_members:
                self.fatal("PDFA-6.8-AF", loc,
                           "the file specification is not associated with the document or a part of it "
                           "through an /AF array (ISO 19005-3 6.8)", 26)
            for k in ("/F", "/UF"):
                if not isinstance(fs.get(k), pikepdf.String):
                    self.fatal("PDFA-6.8-FILESPEC", loc, f"the file specification has no {k} string (ISO 19005-3 6.8)", 24)
            if fs.get("/Type", "/Filespec") != "/Filespec":
                self.fatal("PDFA-6.8-FILESPEC", loc, f"/Type is {_show(fs.get('/Type'))}, not /Filespec", 24)
            if "/Desc" not in fs:
                self.warn("FX-FILESPEC-DESC", loc, "the file specification has no /Desc", 24)
            rel = fs.get("/AFRelationship")
            if rel is None:
                self.fatal("PDFA-6.8-AFREL", loc, "no /AFRelationship (ISO 19005-3 6.8)", 25)
            elif not isinstance(rel, pikepdf.Name):
                self.fatal("PDFA-6.8-AFREL", loc,
                           f"/AFRelationship is a {type(rel).__name__} ({_text(rel)!r}), not a name; veraPDF >= 1.24 "
                           "rejects (Data) (ISO 19005-3 6.8)", 25)
            elif _name(rel) not in AF_RELATIONSHIPS:
                self.fatal("PDFA-6.8-AFREL", loc,
                           f"/AFRelationship /{_name(rel)} is not one of {', '.join(AF_RELATIONSHIPS)}", 25)
            stream = att.stream
            if stream is None:
                self.fatal("PDFA-6.8-FILESPEC", loc, "the file specification has no /EF /F embedded file stream", 24)
                continue
            ef = fs.EF
            if "/F" not in ef:
                self.fatal("PDFA-6.8-FILESPEC", loc, "/EF has no /F entry", 24)
            if "/UF" not in ef:
                self.warn("FX-EF-UF", loc, "/EF has no /UF entry (every Factur-X writer sets both)", 24)
            if stream.get("/Type", "/EmbeddedFile") != "/EmbeddedFile":
                self.warn("FX-EF-TYPE", loc, f"the embedded file stream has /Type {_show(stream.get('/Type'))}", 27)
            subtype = _name(stream.get("/Subtype"))
            if subtype is None or not _MIME_RE.match(subtype):
                self.fatal("PDFA-6.8-SUBTYPE", loc,
                           f"the embedded file stream has no valid MIME /Subtype ({_show(stream.get('/Subtype'))!r}; "
                           "ISO 19005-3 6.8)", 27)
            self._params(att, loc)

        fx_ns = FX_NAMESPACE
        if xmp is not None and not any(ns == FX_NAMESPACE for ns, _ in xmp.props):
            for legacy, label in _LEGACY_NAMESPACES.items():
                if any(ns == legacy for ns, _ in xmp.props):
                    fx_ns = legacy
                    self.warn("FX-XMP-NAMESPACE", "XMP", f"uses the {label} namespace {legacy}; write {FX_NAMESPACE}", 6)
                    break
        invoices = find_invoice(pdf, atts, xmp)
        if not invoices:
            self.fatal("FX-INVOICE-MISSING", "embedded files",
                       f"no invoice XML is embedded (looked for {', '.join(INVOICE_FILENAMES)} and fx:DocumentFileName)", 7)
            self._fx_properties(xmp, fx_ns, None, None, None)
            return None, None
        if len(invoices) > 1:
            self.fatal("FX-INVOICE-DUPLICATE", "embedded files",
                       f"{len(invoices)} invoice XMLs are embedded ({', '.join(a.name for a in invoices)}); "
                       "exactly one is allowed", 28)
        inv = invoices[0]
        loc = f"embedded file {inv.name!r}"
        names = {"name-tree key" if inv.in_name_tree else "name": inv.name,
                 "/F": _text(inv.filespec.get("/F")), "/UF": _text(inv.filespec.get("/UF"))}
        if len({v for v in names.values() if v is not None}) > 1:
            self.fatal("FX-FILENAME", loc, "the invoice is named differently in different places: "
                       + ", ".join(f"{k} {v!r}" for k, v in names.items()), 7)
        if not inv.in_name_tree:
            self.fatal("FX-NAMES-TREE", loc, "the invoice is not in the catalog /Names /EmbeddedFiles name tree", 28)
        else:
            keys = self._name_tree_keys()
            if keys != sorted(keys):
                self.warn("FX-NAMES-TREE", "catalog /Names /EmbeddedFiles", f"name-tree keys are not sorted: {keys}", 28)
        if not inv.in_catalog_af:
            self.fatal("PDFA-6.8-AF", loc, "the invoice file specification is not in the catalog /AF array "
                       "(Factur-X associates it with the document)", 26)
        if inv.name not in _CURRENT_FILENAMES:
            self.warn("FX-FILENAME", loc, f"{inv.name!r} is a legacy name; write factur-x.xml (xrechnung.xml for XRECHNUNG)", 7)
        stream = inv.stream
        if stream is not None and _name(stream.get("/Subtype")) not in (None, "text/xml"):
            self.warn("FX-EF-SUBTYPE", loc, f"the invoice /Subtype is {_name(stream.get('/Subtype'))}, not text/xml", 27)

        xml = self._decoded.get(id(inv), b"")  # decoded by _params already (None: could not be)
        if xml == b"" and id(inv) not in self._decoded:
            try:
                xml = inv.data(MAX_XML_BYTES)
            except PdfError as exc:
                self.fatal(exc.rule or "FX-XML-WELLFORMED", loc, exc.message, 29)
                xml = None
        if xml is not None and len(xml) > MAX_XML_BYTES:
            self.fatal("FX-LIMIT-STREAM", loc, f"the invoice XML has {len(xml)} bytes, more than the "
                       f"{MAX_XML_BYTES // MiB} MiB the engine reads; it is not parsed", "limit")
            xml = None
        guideline = level = None
        if xml is not None:
            try:
                known = self.parsed.get(xml)
                root = known if known is not None else parse_xml(xml)
            except etree.XMLSyntaxError as exc:
                self.fatal("FX-XML-WELLFORMED", loc, f"the embedded invoice is not well-formed XML: {exc}", 29)
            else:
                tag = etree.QName(root)
                if tag.localname not in ("CrossIndustryInvoice", "CrossIndustryDocument"):
                    self.fatal("FX-XML-ROOT", loc, f"the embedded XML is a {tag.localname}, not a CII CrossIndustryInvoice", 29)
                if not re.match(rb"^(\xef\xbb\xbf)?\s*(<\?xml[^>]*encoding=[\"'](utf-8|UTF-8)[\"']|<\?xml(?![^>]*encoding)|<[^?])", xml):
                    self.warn("FX-XML-ENCODING", loc, "the XML declaration names an encoding other than UTF-8", 29)
                guideline = guideline_of(root)
                level = level_of_guideline(guideline)
                if level is None:
                    self.warn("FX-XML-GUIDELINE", loc, f"unknown BT-24 specification identifier {guideline!r}", 29, ("BT-24",))
        relation = _name(inv.filespec.get("/AFRelationship"))
        if level in ("MINIMUM", "BASIC WL") and relation not in (None, "Data"):
            self.warn("FX-AFREL-PROFILE", loc, f"AFRelationship /{relation} for a {level} invoice; Factur-X asks "
                      "for /Data (MINIMUM and BASIC WL are not full invoices)", 25)
        elif level is not None and relation is not None and relation not in ("Alternative", "Data", "Source"):
            self.warn("FX-AFREL-PROFILE", loc, f"AFRelationship /{relation} for a {level} invoice; expected /Alternative "
                      "(or /Data, /Source)", 25)
        if level == "XRECHNUNG" and inv.name != "xrechnung.xml" or level not in (None, "XRECHNUNG") and inv.name == "xrechnung.xml":
            self.warn("FX-FILENAME", loc, f"a {level} invoice is named {inv.name!r}; XRECHNUNG uses xrechnung.xml, "
                      "every other level factur-x.xml", 7)
        fx_level = self._fx_properties(xmp, fx_ns, inv.name, level, guideline)
        return fx_level or level, guideline

    def _name_tree_keys(self) -> list[str]:
        try:
            return [str(k) for k in pikepdf.NameTree(self.pdf.Root.Names.EmbeddedFiles).keys()]
        except (AttributeError, pikepdf.PdfError, TypeError, ValueError):
            return []

    def _params(self, att: Attachment, loc: str) -> None:
        stream = att.stream
        assert stream is not None
        try:
            data = att.data()
        except StreamLimit as exc:
            self.fatal(exc.rule or "FX-LIMIT-STREAM", loc, exc.message + "; its /Params /Size and /CheckSum are not "
                       "checked", "limit")
            self._decoded[id(att)] = None
            return
        except PdfError as exc:
            self.fatal("PDFA-6.8-FILESPEC", loc, f"the embedded file cannot be decoded: {exc.message}", 27)
            self._decoded[id(att)] = None
            return
        if att.name.lower() in _INVOICE_NAMES:  # kept for the invoice check; other files are not held
            self._decoded[id(att)] = data
        params = stream.get("/Params")
        if not isinstance(params, pikepdf.Dictionary):
            self.tolerated("FX-EF-PARAMS", loc, "the embedded file has no /Params (ModDate, Size, CheckSum)", 27)
            return
        size = params.get("/Size")
        if size is None:
            self.tolerated("FX-EF-SIZE", loc, "/Params has no /Size", 27)
        elif not isinstance(size, int) or isinstance(size, bool):
            self.fatal("FX-EF-SIZE", loc, f"/Params /Size is a {type(size).__name__} ({_show(size)!r}), not an integer", 27)
        elif _int(size, -1) != len(data):
            self.fatal("FX-EF-SIZE", loc, f"/Params /Size is {_show(size)} but the file has {len(data)} bytes", 27)
        checksum = params.get("/CheckSum")
        md5 = hashlib.md5(data).digest()
        if checksum is None:
            self.tolerated("FX-EF-CHECKSUM", loc, "/Params has no /CheckSum (MD5)", 27)
        elif not isinstance(checksum, pikepdf.String):
            self.fatal("FX-EF-CHECKSUM", loc, f"/Params /CheckSum is a {type(checksum).__name__}, not a string", 27)
        else:
            raw = bytes(checksum)
            if raw == md5:
                pass
            elif raw.lower() == md5.hex().encode():
                self.tolerated("FX-EF-CHECKSUM", loc,
                               "/Params /CheckSum is the MD5 as 32 hexadecimal characters, not the 16 raw bytes "
                               "ISO 32000-1 Table 46 asks for (readers tolerate it; the FeRD samples do it)", 27)
            else:
                self.fatal("FX-EF-CHECKSUM", loc, f"/Params /CheckSum {raw.hex()} is not the MD5 {md5.hex()} of the file", 27)
        if "/ModDate" not in params:
            self.tolerated("FX-EF-MODDATE", loc, "/Params has no /ModDate", 27)

    def _fx_properties(self, xmp: Xmp | None, ns: str, filename: str | None, level: str | None,
                       guideline: str | None) -> str | None:
        if xmp is None:
            return None
        loc = "XMP fx"
        values = {p: xmp.text(ns, p) for p in FX_PROPERTIES}
        missing = [p for p, v in values.items() if not v]
        if missing:
            self.fatal("FX-XMP-MISSING", loc, f"the XMP lacks fx:{', fx:'.join(missing)} ({ns})", 6)
        doc_type = values["DocumentType"]
        if doc_type and doc_type != "INVOICE":
            self.fatal("FX-XMP-TYPE", loc, f"fx:DocumentType is {doc_type!r}, not INVOICE", 6)
        docname = values["DocumentFileName"]
        if docname and filename and docname != filename:
            self.fatal("FX-XMP-FILENAME", loc, f"fx:DocumentFileName is {docname!r} but the invoice is embedded as {filename!r}", 7)
        version = values["Version"]
        xlevel = values["ConformanceLevel"]
        if version and version != "1.0" and ns == FX_NAMESPACE and xlevel != "XRECHNUNG":
            self.warn("FX-XMP-VERSION", loc, f"fx:Version is {version!r}; Factur-X 1.0x writes 1.0", 6)
        if xlevel:
            legacy = ns != FX_NAMESPACE and xlevel in _LEGACY_LEVELS
            if xlevel not in LEVELS and not legacy:
                self.fatal("FX-XMP-LEVEL", loc, f"fx:ConformanceLevel {xlevel!r} is not one of {', '.join(LEVELS)}", 6, ("BT-24",))
            elif level is not None and xlevel != level and not (legacy and guideline == _ZF1_COMFORT):
                self.fatal("FX-XMP-LEVEL", loc, f"fx:ConformanceLevel is {xlevel!r} but the XML's BT-24 {guideline!r} "
                           f"means {level!r}", 29, ("BT-24",))
        return xlevel


def icc_problem(icc: bytes, n: Any = None) -> str | None:
    """Why an ICC profile cannot be a PDF/A-3 DestOutputProfile, or None (ISO 19005-3 6.2.3)."""
    if len(icc) < 128 or icc[36:40] != b"acsp":
        return "the DestOutputProfile is not an ICC profile (no 'acsp' signature)"
    if icc[8] >= 5:
        return f"ICC version {icc[8]}.{icc[9] >> 4} is not below 5"
    device_class = icc[12:16].decode("latin-1")
    space = icc[16:20].decode("latin-1")
    if device_class not in ("mntr", "prtr"):
        return f"ICC device class {device_class!r} is not 'mntr' or 'prtr'"
    comps = {"RGB ": 3, "CMYK": 4, "GRAY": 1}.get(space)
    if comps is None:
        return f"ICC colour space {space!r} is not RGB, CMYK or GRAY"
    if n is not None and _int(n, -1) != comps:
        return f"the ICC stream says /N {_show(n)} but the profile is {space.strip()} ({comps} components)"
    return None


# --------------------------------------------------------------------------- content scan


@dataclass
class _Font:
    name: str
    subtype: str
    embedded: bool
    where: str
    pages: set[int] = field(default_factory=set)
    used: bool = False
    selected: bool = False  # named by a Tf operator
    shown: bool = False  # a text-showing operator ran with it, in any rendering mode (3, invisible, included)
    obj: Any = None


def _font_embedded(font: pikepdf.Object) -> bool:
    subtype = font.get("/Subtype")
    if subtype == "/Type3":
        return True
    desc = font
    if subtype == "/Type0":
        descendants = font.get("/DescendantFonts")
        if not isinstance(descendants, pikepdf.Array) or not len(descendants):
            return False
        desc = descendants[0]
    fd = desc.get("/FontDescriptor") if isinstance(desc, pikepdf.Dictionary) else None
    return isinstance(fd, pikepdf.Dictionary) and any(k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3"))


_DEVICE_ABBREV = {"/RGB": "/DeviceRGB", "/G": "/DeviceGray", "/CMYK": "/DeviceCMYK", "/I": "/Indexed"}
_DEVICE_OPERATORS = {"rg": "/DeviceRGB", "RG": "/DeviceRGB", "g": "/DeviceGray", "G": "/DeviceGray",
                     "k": "/DeviceCMYK", "K": "/DeviceCMYK"}
_OPERATORS = "rg RG g G k K cs CS ri gs sh scn SCN Do BI ID EI"
"""The operators :meth:`ContentScan._content` acts on but the text ones (``BI ID EI``: inline images)."""
_PDF_SPACE = rb"\x00\t\n\x0c\r "
_STRING = rb"\((?:[^()\\]|\\.)*\)|<[0-9A-Fa-f" + _PDF_SPACE + rb"]*>"
"""A literal string without unescaped parentheses inside, or a hexadecimal string."""
_BLANKED = re.compile(
    _STRING + rb"|\[(?:[" + _PDF_SPACE + rb"]+|" + _STRING + rb"|[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?=["
    + _PDF_SPACE + rb"/\](<])|/[^" + _PDF_SPACE + rb"()<>\[\]{}/%]*)*\]", re.DOTALL)
"""What _plain_content blanks: a string, or an array of numbers, names and strings only."""
_HEX_STRING = re.compile(rb"<[0-9A-Fa-f" + _PDF_SPACE + rb"]*>")
"""The part of _BLANKED that can match where there is neither "(" nor "[" (all our own pages)."""
_UNSAFE = re.compile(rb"[(){}<>\[\]%#\\\x0b]")
_OPERATOR_SET = frozenset(_OPERATORS.encode().split())
_DEVICE_WORDS = frozenset(op.encode() for op in _DEVICE_OPERATORS)


_MAX_FORM_DEPTH = 32
"""How deep form XObjects (patterns, Type 3 glyphs, soft masks) are followed into each other."""


class ContentScan:
    """Walk every content stream (pages, forms, patterns, Type 3 glyphs, annotation appearances).

    Collects the device colour spaces used (``device``: space -> first location), the fonts of
    every resource dictionary and whether text is shown with them (``fonts``), the pages that use
    transparency, and findings for content that cannot be parsed or uses a bad rendering intent.
    """

    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self.pdf = pdf
        self.device: dict[str, str] = {}
        self.fonts: dict[Any, _Font] = {}
        self.transparent_pages: set[int] = set()
        self.findings: list[Finding] = []
        self._counts: dict[str, int] = {}
        self._done: set[Any] = set()
        self._page = 0
        self._depth = 0

    def run(self) -> None:
        for index, page in enumerate(self.pdf.pages, 1):
            self._page = index
            obj = page.obj
            res = self._inherited(obj, "/Resources")
            group = obj.get("/Group")
            if isinstance(group, pikepdf.Dictionary):
                self._group(group, res, f"page {index} /Group")
            self._content(page, res, f"page {index}")
            annots = obj.get("/Annots")
            if isinstance(annots, pikepdf.Array):
                for annot in annots:
                    if not isinstance(annot, pikepdf.Dictionary):
                        continue
                    ap = annot.get("/AP")
                    if not isinstance(ap, pikepdf.Dictionary):
                        continue
                    for key in ap.keys():
                        app = ap.get(key)
                        streams = [app] if isinstance(app, pikepdf.Stream) else (
                            [app.get(k) for k in app.keys()] if isinstance(app, pikepdf.Dictionary) else [])
                        for s in streams:
                            if isinstance(s, pikepdf.Stream):
                                self._form(s, None, f"page {index} annotation appearance")

    @staticmethod
    def _inherited(obj: pikepdf.Object, key: str) -> pikepdf.Object | None:
        node: Any = obj
        for _ in range(64):
            if not isinstance(node, pikepdf.Dictionary):
                return None
            if key in node:
                value = node.get(key)
                return value if isinstance(value, pikepdf.Dictionary) else None
            node = node.get("/Parent")
        return None

    def _finding(self, rule: str, where: str, message: str, item: int | str) -> None:
        _record(self.findings, self._counts, Finding(rule, _FATAL, _safe(where),
                                                     _safe(message + _cite(item, message)), (), _SOURCE))

    def _use(self, space: str, res: pikepdf.Object | None, where: str) -> None:
        default = "/Default" + space[7:]
        if isinstance(res, pikepdf.Dictionary):
            cs = res.get("/ColorSpace")
            if isinstance(cs, pikepdf.Dictionary) and default in cs:
                return
        self.device.setdefault(space[1:], where)

    def _colourspace(self, cs: Any, res: pikepdf.Object | None, where: str, depth: int = 0) -> None:
        if depth > 8 or cs is None:
            return
        if isinstance(cs, pikepdf.Name):
            name = _DEVICE_ABBREV.get(str(cs), str(cs))
            if name in ("/DeviceRGB", "/DeviceGray", "/DeviceCMYK"):
                self._use(name, res, where)
                return
            if name == "/Pattern":
                return
            table = res.get("/ColorSpace") if isinstance(res, pikepdf.Dictionary) else None
            if isinstance(table, pikepdf.Dictionary) and name in table:
                self._colourspace(table.get(name), res, where, depth + 1)
            return
        if isinstance(cs, pikepdf.Array) and len(cs):
            family = cs[0]
            if family == "/ICCBased" and len(cs) > 1 and isinstance(cs[1], pikepdf.Stream):
                problem = None
                try:
                    icc = read_stream(cs[1], what="ICC profile")
                    if len(icc) < 128 or icc[36:40] != b"acsp" or icc[8] >= 5:
                        problem = "not a valid ICC profile of version < 5"
                except StreamLimit as exc:
                    problem = exc.message
                except PdfError:
                    problem = "cannot be decoded"
                if problem:
                    self._finding("PDFA-6.2.4.2-ICC", where, f"an ICCBased colour space profile {problem} (ISO 19005-3 6.2.4.2)", 17)
            elif family in ("/Indexed", "/I") and len(cs) > 1 or family == "/Pattern" and len(cs) > 1:
                self._colourspace(cs[1], res, where, depth + 1)
            elif family in ("/Separation", "/DeviceN") and len(cs) > 2:
                self._colourspace(cs[2], res, where, depth + 1)

    def _group(self, group: pikepdf.Object, res: pikepdf.Object | None, where: str) -> None:
        if group.get("/S") == "/Transparency":
            self.transparent_pages.add(self._page)
            if "/CS" in group:
                self._colourspace(group.get("/CS"), res, where)

    def _font(self, font: Any, where: str) -> _Font | None:
        if not isinstance(font, pikepdf.Dictionary):
            return None
        key = font.objgen if font.objgen != (0, 0) else id(font)
        rec = self.fonts.get(key)
        if rec is None:
            name = _name(font.get("/BaseFont")) or _name(font.get("/Name")) or "?"
            rec = self.fonts[key] = _Font(name, _name(font.get("/Subtype")) or "?", _font_embedded(font), _where(font),
                                          obj=font)
        rec.pages.add(self._page)
        return rec

    def _content(self, target: Any, res: pikepdf.Object | None, where: str) -> None:
        fonts = res.get("/Font") if isinstance(res, pikepdf.Dictionary) else None
        # Text operators only matter for a font that is not embedded (used or merely listed
        # decides the message) or is a Type 3 font (its glyph procedures are scanned once used):
        # when every font of these resources is an embedded non-Type 3 one, _plain_content may
        # do without them.
        text = False
        if isinstance(fonts, pikepdf.Dictionary):
            for key in fonts.keys():
                rec = self._font(fonts.get(key), where)
                if rec is not None and (not rec.embedded or rec.subtype == "Type3"):
                    text = True
        datas = self._content_data(target, where)
        if datas is None:
            return
        if not text and self._plain_content(target, res, where, datas):
            return
        size = sum(len(d) for d in datas if d is not None)
        if size > MAX_CONTENT_BYTES:
            self._finding("FX-LIMIT-CONTENT", where,
                          f"the content stream has {size} bytes decoded, more than the {MAX_CONTENT_BYTES // MiB} MiB "
                          "the checker parses; its fonts, colours and resources are not checked", "limit")
            return
        try:
            # every operator, not a whitelist: an operand qpdf cannot give to Python (an operator
            # inside an array) fails the parse whatever the operator it belongs to
            instructions = pikepdf.parse_content_stream(target)
        except (pikepdf.PdfError, RuntimeError, ValueError, TypeError) as exc:
            self._finding("PDFA-6.2.2-CONTENT", where, f"a content stream cannot be parsed: {exc}", 18)
            return
        font: Any = None
        mode = 0
        stack: list[tuple[Any, int]] = []
        device_done: set[str] = set()  # _use() gives the same result for the same space here

        def table(key: str) -> Any:
            value = res.get(key) if isinstance(res, pikepdf.Dictionary) else None
            return value if isinstance(value, pikepdf.Dictionary) else None

        for instruction in instructions:
            operands, op = instruction.operands, bytes(instruction.operator.unparse()).decode("latin-1")
            if op == "q":
                stack.append((font, mode))
            elif op == "Q":
                if stack:
                    font, mode = stack.pop()
            elif op == "Tf" and operands:
                ft = table("/Font")
                font = ft.get(operands[0]) if ft is not None and isinstance(operands[0], pikepdf.Name) else None
                rec = self._font(font, where)
                if rec is not None:
                    rec.selected = True
            elif op == "Tr" and operands:
                mode = _int(operands[0])
            elif op in ("Tj", "TJ", "'", '"'):
                shown = self._font(font, where)
                if shown is not None:
                    shown.shown = True
                if mode != 3:
                    rec = shown
                    if rec is not None and not rec.used:
                        rec.used = True
                        if rec.subtype == "Type3":
                            self._type3(font, res, where)
            elif op in _DEVICE_OPERATORS:
                space = _DEVICE_OPERATORS[op]
                if space not in device_done:
                    device_done.add(space)
                    self._use(space, res, where)
            elif op in ("cs", "CS") and operands:
                self._colourspace(operands[0], res, where)
            elif op == "ri" and operands:
                if _name(operands[0]) not in _INTENTS:
                    self._finding("PDFA-6.2.6-INTENT", where, f"rendering intent {_show(operands[0])} is not a standard one (ISO 19005-3 6.2.6)", 18)
            elif op == "gs" and operands and isinstance(operands[0], pikepdf.Name):
                gt = table("/ExtGState")
                if gt is not None:
                    self._extgstate(gt.get(operands[0]), res, where)
            elif op == "sh" and operands and isinstance(operands[0], pikepdf.Name):
                st = table("/Shading")
                if st is not None:
                    sh = st.get(operands[0])
                    if isinstance(sh, (pikepdf.Dictionary, pikepdf.Stream)):
                        self._colourspace(sh.get("/ColorSpace"), res, where)
            elif op in ("scn", "SCN") and operands and isinstance(operands[-1], pikepdf.Name):
                pt = table("/Pattern")
                if pt is not None:
                    self._pattern(pt.get(operands[-1]), res, where)
            elif op == "Do" and operands and isinstance(operands[0], pikepdf.Name):
                xt = table("/XObject")
                if xt is not None:
                    self._xobject(xt.get(operands[0]), res, where)
            elif op == "INLINE IMAGE":
                try:
                    image = operands[0]
                    cs = image.obj.get("/CS", image.obj.get("/ColorSpace"))
                    mask = image.obj.get("/IM", image.obj.get("/ImageMask"))
                    if _true(image.obj.get("/I", image.obj.get("/Interpolate"))):
                        self._finding("PDFA-6.2.8-IMAGE", where, "inline image with /Interpolate true (ISO 19005-3 6.2.8)", 18)
                except (AttributeError, IndexError, ValueError):
                    continue
                if not _true(mask):
                    self._colourspace(cs, res, where)

    def _content_data(self, target: Any, where: str) -> list[bytes | None] | None:
        """The decoded data of each content stream of ``target`` (a page: its /Contents, a form:
        itself; None in place of an entry that is not a stream); None, with a finding, when one
        cannot be decoded or is over a cap (qpdf's parser is then not run on it)."""
        obj = target.obj if isinstance(target, pikepdf.Page) else target
        contents = obj.get("/Contents") if isinstance(target, pikepdf.Page) else obj
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [] if contents is None else [contents]
        datas: list[bytes | None] = []
        for stream in streams:
            if not isinstance(stream, pikepdf.Stream):
                datas.append(None)
                continue
            try:
                datas.append(read_stream(stream, what="content stream"))
            except StreamLimit as exc:
                self._finding(exc.rule or "FX-LIMIT-STREAM", where, exc.message, "limit")
                return None
            except PdfError as exc:
                self._finding("PDFA-6.2.2-CONTENT", where, f"a content stream cannot be decoded: {exc.message}", 18)
                return None
        return datas

    def _plain_content(self, target: Any, res: pikepdf.Object | None, where: str,
                       datas: list[bytes | None] | None = None) -> bool:
        """The scan of :meth:`_content` without qpdf's parser, for content in which the only
        operators :meth:`_content` acts on are ``rg RG g G k K`` (the text operators are not
        needed here: the caller checked the fonts); False when that cannot be shown, and the
        stream is then parsed by qpdf.

        Shown on each stream's decoded bytes: once the literal strings without nested parentheses,
        the hexadecimal strings and then the arrays of numbers and names only are blanked,
        nothing may be left that could make a token start or end elsewhere than at whitespace and
        ``/``, or put a word inside an array or dictionary (no parenthesis, bracket, ``<``, ``>``,
        brace, comment, ``#`` or backslash): qpdf then tokenises the stream into exactly the
        words between those delimiters, with no error to recover from, and each word that is not
        a number or a name is an operator. Finding no handled operator word other than the six
        (``cs``, ``Do``, ``BI``...) is then proof there is none. qpdf reads the streams of a
        page's /Contents array as separate token sequences; so does this (and a dictionary or
        array left open in one stream, which qpdf would carry over, is refused above).
        """
        if datas is None:
            datas = self._content_data(target, where)
        words: list[bytes] = []
        if not datas:
            return False  # no content, or it cannot be decoded: qpdf's parser says what it makes of that
        for data in datas:
            if data is None:
                return False
            # without "(" or "[" only the hexadecimal strings of _BLANKED can match
            blanked = (_BLANKED if b"(" in data or b"[" in data else _HEX_STRING).sub(b" ", data)
            if _UNSAFE.search(blanked):
                return False
            # the words: split at PDF whitespace (bytes.split() also splits at VT, refused above,
            # and not at NUL) and before each name
            words += blanked.replace(b"\x00", b" ").replace(b"/", b" /").split()
        found = _OPERATOR_SET.intersection(words)
        if not found <= _DEVICE_WORDS:
            return False
        for op in sorted(found, key=words.index):
            space = _DEVICE_OPERATORS[op.decode()]
            self._use(space, res, where)  # a second op of the same space changes nothing
        return True

    def _extgstate(self, gs: Any, res: pikepdf.Object | None, where: str) -> None:
        if not isinstance(gs, pikepdf.Dictionary):
            return
        smask = gs.get("/SMask")
        transparent = (smask is not None and smask != "/None")
        for key in ("/CA", "/ca"):
            value = gs.get(key)
            if (_num(value) if value is not None else None) is not None and (_num(value) or 0.0) < 1.0:
                transparent = True
        bm = gs.get("/BM")
        if bm is not None and bm not in ("/Normal", "/Compatible"):
            transparent = True
        if transparent:
            self.transparent_pages.add(self._page)
        if isinstance(smask, pikepdf.Dictionary):
            group = smask.get("/G")
            if isinstance(group, pikepdf.Stream):
                self._form(group, res, where + " soft mask")
        font = gs.get("/Font")
        if isinstance(font, pikepdf.Array) and len(font):
            rec = self._font(font[0], where)
            if rec is not None:
                rec.used = True

    def _pattern(self, pattern: Any, res: pikepdf.Object | None, where: str) -> None:
        if not isinstance(pattern, (pikepdf.Dictionary, pikepdf.Stream)):
            return
        if pattern.get("/PatternType") == 1 and isinstance(pattern, pikepdf.Stream):
            self._form(pattern, res, where + " pattern")
        else:
            sh = pattern.get("/Shading")
            if isinstance(sh, (pikepdf.Dictionary, pikepdf.Stream)):
                self._colourspace(sh.get("/ColorSpace"), res, where)
            gs = pattern.get("/ExtGState")
            if gs is not None:
                self._extgstate(gs, res, where)

    def _xobject(self, xobj: Any, res: pikepdf.Object | None, where: str) -> None:
        if not isinstance(xobj, pikepdf.Stream):
            return
        subtype = xobj.get("/Subtype")
        if subtype == "/Image":
            if not _true(xobj.get("/ImageMask")):
                self._colourspace(xobj.get("/ColorSpace"), res, where)
            smask = xobj.get("/SMask")
            if isinstance(smask, pikepdf.Stream) or "/SMaskInData" in xobj and _int(xobj.get("/SMaskInData")):
                self.transparent_pages.add(self._page)
        elif subtype == "/Form":
            self._form(xobj, res, where)

    def _form(self, form: pikepdf.Object, parent_res: pikepdf.Object | None, where: str) -> None:
        key = form.objgen if form.objgen != (0, 0) else id(form)
        if key in self._done:
            # fonts are still counted on this page, but the stream is not scanned twice
            res = form.get("/Resources")
            fonts = res.get("/Font") if isinstance(res, pikepdf.Dictionary) else None
            if isinstance(fonts, pikepdf.Dictionary):
                for k in fonts.keys():
                    self._font(fonts.get(k), where)
            return
        self._done.add(key)
        if self._depth >= _MAX_FORM_DEPTH:
            self._finding("PDFA-6.2.2-CONTENT", where, f"form XObjects, patterns or glyph procedures nested more than "
                          f"{_MAX_FORM_DEPTH} deep; the deeper ones are not checked", "limit")
            return
        res = form.get("/Resources")
        if not isinstance(res, pikepdf.Dictionary):
            res = parent_res
        group = form.get("/Group")
        if isinstance(group, pikepdf.Dictionary):
            self._group(group, res, where)
        self._depth += 1
        try:
            self._content(form, res, where)
        finally:
            self._depth -= 1

    def _type3(self, font: pikepdf.Object, parent_res: pikepdf.Object | None, where: str) -> None:
        res = font.get("/Resources")
        if not isinstance(res, pikepdf.Dictionary):
            res = parent_res
        procs = font.get("/CharProcs")
        if isinstance(procs, pikepdf.Dictionary):
            for k in procs.keys():
                proc = procs.get(k)
                if isinstance(proc, pikepdf.Stream):
                    self._form(proc, res, where + f" Type3 glyph {k}")


# --------------------------------------------------------------------------- entry points


def content_findings(pdf: pikepdf.Pdf, data: bytes) -> list[Finding]:
    """The findings about the *content* of a PDF that :func:`~facturx_engine.pdf.hybrid.embed` cannot
    repair: fonts, colour (given the intents it has), transparency, actions, annotations, forms,
    filters other than LZW. File structure, XMP and attachments are left out: embed rewrites them.
    """
    checker = _Checker(data, pdf, strict=True)
    checker.objects()
    checker.content()
    return checker.findings


def _written_part(checker: _Checker) -> tuple[str | None, str | None, str | None]:
    """The XMP, Info and embedded-file checks; (PDF/A identification, fx level, BT-24)."""
    xmp, ident = checker.metadata()
    if xmp is not None:
        checker.info_vs_xmp(xmp)
    level, guideline = checker.embedded_files(xmp)
    return ident, level, guideline


_KNOWN_XML: ContextVar[Mapping[bytes, etree._Element] | None] = ContextVar("_KNOWN_XML", default=None)


@contextmanager
def known_xml(parsed: Mapping[bytes, etree._Element]) -> Iterator[None]:
    """Within the block, :func:`check_model` takes ``parsed`` (XML bytes -> their tree from
    :func:`parse_xml`) as the trees of those bytes instead of parsing them again (the caller has
    just parsed them; the same bytes give the same tree, which is only read)."""
    token = _KNOWN_XML.set(parsed)
    try:
        yield
    finally:
        _KNOWN_XML.reset(token)


def check_model(pdf: pikepdf.Pdf, parsed: Mapping[bytes, etree._Element] | None = None,
                ) -> tuple[list[Finding], list[Finding]]:
    """:func:`check_pdf` ``(strict=True)`` less the checks of the file's bytes, on a Pdf in memory.

    Returns (the object and content findings, the stream-data / XMP / Info / embedded-file
    findings). :func:`~facturx_engine.pdf.hybrid.embed` runs it on the object model it is about to save
    (which the save copies as it is), and :func:`check_file_structure` on the saved bytes: the two
    together run each check of :func:`check_pdf` once, and check_pdf is built from the same parts.
    ``parsed`` (default: that of :func:`known_xml`) maps XML bytes to their tree from
    :func:`parse_xml`, which the caller has already built: an embedded file whose decoded data
    are exactly these bytes is not parsed again.
    """
    checker = _Checker(b"", pdf, strict=True, parsed=_KNOWN_XML.get() if parsed is None else parsed)
    checker.objects()
    checker.content()
    content = list(checker.findings)
    checker.stream_data()
    _written_part(checker)
    return content, checker.findings[len(content):]


def check_file_structure(pdf_bytes: bytes, *, written: bool = False) -> list[Finding]:
    """What :func:`check_pdf` ``(strict=True)`` checks on the bytes of a file: header, binary
    comment, trailer /ID, encryption, ``%%EOF``, repaired cross-reference table, the EOL around
    stream data (items 10-16; the CR-ended stream data is left to :func:`check_model`). Opening
    is lazy: this reads the header, the cross-reference table and the trailer, and qpdf the
    catalog and page tree. ``written=True``: bytes that :func:`~facturx_engine.pdf.hybrid.embed` has just
    written from objects it read within the limits; their objects are not counted again (an
    incremental update repeats the catalog, which the count would see twice)."""
    data = bytes(pdf_bytes)
    with bounded():
        pdf = open_pdf(data, count=not written)
        with pdf:
            checker = _Checker(data, pdf, strict=True)
            _guarded(checker, "file structure", checker.file_structure, streams=False)
    return checker.findings


DAMAGE = (pikepdf.PdfError, RuntimeError, ValueError, TypeError, AttributeError, KeyError, IndexError,
          UnicodeError, RecursionError, OverflowError, NotImplementedError)
"""What reading a damaged object graph raises through pikepdf: qpdf's errors, and Python's when an
object has another type than the one the PDF specification gives it (a /Type that is an array, a
name that is not UTF-8...). The checks catch them per part (:func:`check_pdf`) and report the
part as not checked, ``FX-PDF-DAMAGED``; :mod:`facturx_engine.pdf.hybrid` turns them into
:class:`PdfError`."""
_RERAISE = False  # tests set it to see the exceptions the guard would report


def _guarded(checker: _Checker, part: str, run: Any, *args: Any, **kwargs: Any) -> Any:
    """``run(*args, **kwargs)``; a damaged object graph or a resource limit met on the way is one
    fatal finding for ``part`` (the findings made before stay), and None is returned."""
    try:
        return run(*args, **kwargs)
    except PdfError as exc:
        if _RERAISE and not isinstance(exc, StreamLimit):
            raise
        checker.fatal(exc.rule or "FX-PDF-DAMAGED", part, f"the {part} could not be checked to the end: "
                      f"{exc.message}", "limit" if isinstance(exc, StreamLimit) else "damaged")
    except DAMAGE as exc:
        if _RERAISE:
            raise
        detail = _STREAM_NAME.sub("", str(exc))[:300]
        checker.fatal("FX-PDF-DAMAGED", part, f"the {part} could not be checked to the end: the PDF is damaged "
                      f"({type(exc).__name__}: {detail})", "damaged")
    return None


def _unopened(data: bytes, limit: ObjectLimit, strict: bool) -> Report:
    """The report of :func:`check_pdf` on a file over the object limit: the checks of its bytes, and
    the limit as a fatal finding; the checks that read objects are not run (qpdf never parses them)."""
    with pikepdf.new() as blank:  # the checks of the bytes look at no object
        checker = _Checker(data, blank, strict=strict)
        checker.header()
        checker.end_of_file()
        checker.stream_eols()
    checker.fatal(limit.rule or "FX-LIMIT-OBJECTS", "objects",
                  f"{limit.message}; not checked: the trailer, the objects, the page content, the XMP metadata, "
                  "the Info dictionary, the embedded files", "limit")
    return Report(syntax="PDF", document="PDF", profile=None, guideline=None, findings=tuple(checker.findings),
                  artefacts=(f"pikepdf {pikepdf.__version__} (qpdf {pikepdf.__libqpdf_version__})",))


def check_pdf(pdf_bytes: bytes, *, strict: bool = False) -> Report:
    """Check a Factur-X / ZUGFeRD PDF against PDF/A-3B and the Factur-X container rules.

    Returns a :class:`~facturx_engine.validation.core.Report` with ``syntax="PDF"``, ``document`` the
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
            checker = _Checker(data, pdf, strict=strict)
            _guarded(checker, "file structure", checker.file_structure)
            _guarded(checker, "objects", checker.objects)
            _guarded(checker, "page content", checker.content)
            xmp, ident = _guarded(checker, "XMP metadata", checker.metadata) or (None, None)
            if xmp is not None:
                _guarded(checker, "Info dictionary", checker.info_vs_xmp, xmp)
            level, guideline = _guarded(checker, "embedded files", checker.embedded_files, xmp) or (None, None)
    return Report(
        syntax="PDF",
        document=f"PDF/A-{ident}" if ident else "PDF",
        profile=level,
        guideline=guideline,
        findings=tuple(checker.findings),
        artefacts=(f"pikepdf {pikepdf.__version__} (qpdf {pikepdf.__libqpdf_version__})",),
    )
