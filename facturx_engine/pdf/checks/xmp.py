"""The checks of a PDF's XMP metadata (items 2-6 and 8 of :mod:`facturx_engine.pdf.check`): the
metadata stream and its packet, the PDF/A identification, the PDF/A extension schemas, the
Info dictionary against the XMP, and the ``fx`` properties against the embedded invoice
(:func:`fx_properties`, items 6-7 and 29).
"""

from __future__ import annotations

import datetime as _dt
import re

import pikepdf

from facturx_engine import ruleids as R
from facturx_engine.model.codes import XRECHNUNG_LEVEL
from facturx_engine.pdf.checks.record import Checker
from facturx_engine.pdf.limits import StreamLimit
from facturx_engine.pdf.primitives import (
    FX_NAMESPACE,
    FX_PROPERTIES,
    LEGACY_LEVELS,
    LEVELS,
    legacy_level_of,
    ref_note,
    show,
    text_of,
)
from facturx_engine.pdf.xmp import NS, ExtensionSchema, Xmp, extension_schemas, read_xmp

__all__ = ["fx_properties", "info_vs_xmp", "metadata"]

_PREDEFINED_XMP = frozenset({
    NS["dc"], NS["xmp"], NS["pdf"], NS["pdfaid"],
    NS["pdfaExtension"], NS["pdfaSchema"], NS["pdfaProperty"], NS["pdfaType"], NS["pdfaField"],
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

_XPACKET_RE = re.compile(rb"<\?xpacket\s+begin=([\"'])(.*?)\1(.*?)\?>", re.DOTALL)
_PDF_DATE_RE = re.compile(
    r"^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:(Z)|([+-])(\d{2})'?(\d{2})?'?)?"
)
_XMP_DATE_RE = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?"
    r"(?:(Z)|([+-])(\d{2}):(\d{2}))?)?)?)?$"
)


def metadata(checker: Checker) -> tuple[Xmp | None, str | None]:
    """Check the XMP; return it and the declared PDF/A identification (e.g. '3B')."""
    md = checker.pdf.Root.get("/Metadata")
    if not isinstance(md, pikepdf.Stream):
        checker.fatal(R.PDFA_6_6_2_1_METADATA, "catalog", "the catalog has no /Metadata XMP stream (ISO 19005-3 6.6.2.1)", 3)
        return None, None
    loc = f"catalog /Metadata{ref_note(md)}"
    if md.get("/Type") != "/Metadata" or md.get("/Subtype") != "/XML":
        checker.fatal(R.PDFA_6_6_2_1_METADATA, loc, "the metadata stream lacks /Type /Metadata /Subtype /XML (ISO 19005-3 6.6.2.1)", 3)
    if md.get("/Filter") is not None:
        checker.fatal(R.FX_XMP_FILTER, loc,
                      f"the XMP stream is compressed (/Filter {show(md.get('/Filter'))}); veraPDF's PDF/A-3B profile "
                      "allows it, but page-validation and PDFBox Preflight (the offline gates) reject it: "
                      "write it uncompressed", 4)
    try:
        raw, xmp = read_xmp(checker.pdf, strict=True)
    except StreamLimit as exc:
        checker.fatal(exc.rule or R.FX_LIMIT_STREAM, loc, exc.message, "limit")
        return None, None
    if raw is None:
        checker.fatal(R.PDFA_6_6_2_1_METADATA, loc, "the XMP stream cannot be decoded", 3)
        return None, None
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        checker.fatal(R.PDFA_6_6_2_1_METADATA, loc, "the XMP packet is not UTF-8 (ISO 19005-3 6.6.2.1)", 3)
    header = _XPACKET_RE.search(raw)
    if header is None:
        checker.tolerated(R.FX_XMP_XPACKET, loc, "the XMP has no <?xpacket begin=... ?> wrapper", 3)
    elif re.search(rb"\b(bytes|encoding)\s*=", header.group(3)):
        checker.fatal(R.PDFA_6_6_2_1_METADATA, loc, "the xpacket header has a bytes or encoding attribute (ISO 19005-3 6.6.2.1)", 3)
    if xmp is None:
        checker.fatal(R.PDFA_6_6_2_1_METADATA, loc, "the XMP is not well-formed XML (ISO 19005-3 6.6.2.1)", 3)
        return None, None
    part = xmp.text(NS["pdfaid"], "part")
    conformance = xmp.text(NS["pdfaid"], "conformance")
    if part != "3":
        checker.fatal(R.PDFA_6_6_4_PART, loc, f"pdfaid:part is {part!r}, not '3' (PDF/A-3; ISO 19005-3 6.6.4)", 2)
    if conformance not in ("A", "B", "U"):
        checker.fatal(R.PDFA_6_6_4_CONFORMANCE, loc, f"pdfaid:conformance is {conformance!r}, not A, B or U (ISO 19005-3 6.6.4)", 2)
    elif conformance != "B":
        checker.warn(R.PDFA_6_6_4_CONFORMANCE, loc,
                     f"declares PDF/A-3{conformance}; only the level-B rules are checked here", 1)
    _extension_schemas(checker, xmp, loc)
    return xmp, (f"{part}{conformance}" if part and conformance else None)


def _extension_schemas(checker: Checker, xmp: Xmp, loc: str) -> None:
    schemas = extension_schemas(xmp)
    declared: dict[str, ExtensionSchema] = {}
    for schema in schemas:
        if not schema.namespace or not schema.prefix:
            checker.fatal(R.PDFA_6_6_2_3_EXTENSION, loc, f"an extension schema lacks namespaceURI or prefix ({schema.namespace!r})", 5)
        for pname, spec in schema.properties.items():
            missing = [k for k, v in spec.items() if not v]
            if not pname or missing:
                checker.fatal(R.PDFA_6_6_2_3_EXTENSION, loc,
                              f"property {pname!r} of extension schema {schema.namespace!r} lacks "
                              f"{', '.join(missing) or 'a name'} (ISO 19005-3 6.6.2.3.3)", 5)
        declared[schema.namespace] = schema
    for (ns, name) in xmp.props:
        if ns in _PREDEFINED_XMP:
            continue
        found = declared.get(ns)
        if found is None:
            checker.fatal(R.PDFA_6_6_2_3_EXTENSION, loc,
                          f"XMP property {xmp.prefixes.get(ns, '?')}:{name} ({ns}) is neither predefined nor "
                          "declared in a PDF/A extension schema (ISO 19005-3 6.6.2.3.1)", 5)
        elif name not in found.properties:
            checker.fatal(R.PDFA_6_6_2_3_EXTENSION, loc,
                          f"XMP property {found.prefix}:{name} is not declared in the extension schema "
                          f"of {ns} (ISO 19005-3 6.6.2.3.1)", 5)
        elif ns == FX_NAMESPACE:
            spec = found.properties[name]
            if spec.get("valueType") != "Text" or spec.get("category") != "external":
                checker.fatal(R.PDFA_6_6_2_3_EXTENSION, loc,
                              f"fx:{name} is declared with valueType {spec.get('valueType')!r} and category "
                              f"{spec.get('category')!r}; expected Text / external", 5)
            if found.prefix != "fx":
                checker.fatal(R.PDFA_6_6_2_3_EXTENSION, loc,
                              f"the Factur-X extension schema declares prefix {found.prefix!r}, not 'fx'", 5)


def info_vs_xmp(checker: Checker, xmp: Xmp) -> None:
    """Item 8: the Info dictionary against the XMP (the PDF/A-1 rule that PDFBox Preflight applies)."""
    info = checker.pdf.trailer.get("/Info")
    if not isinstance(info, pikepdf.Dictionary):
        return
    pairs = (
        ("/Title", NS["dc"], "title", "dc:title"),
        ("/Author", NS["dc"], "creator", "dc:creator"),
        ("/Subject", NS["dc"], "description", "dc:description"),
        ("/Keywords", NS["pdf"], "Keywords", "pdf:Keywords"),
        ("/Creator", NS["xmp"], "CreatorTool", "xmp:CreatorTool"),
        ("/Producer", NS["pdf"], "Producer", "pdf:Producer"),
    )
    for key, ns, prop, label in pairs:
        if key not in info:
            continue
        value = text_of(info.get(key))
        xv = xmp.get(ns, prop)
        if prop == "creator":
            ok = isinstance(xv, list) and len(xv) == 1 and xv[0] == value
        else:
            ok = (xv[0] if isinstance(xv, list) and xv else xv) == value
        if not ok:
            checker.tolerated(R.FX_INFO_XMP, f"Info {key}",
                              f"Info {key} {value!r} differs from XMP {label} {xv!r} (a PDF/A-1 rule, 6.7.3, "
                              "that PDFBox Preflight still applies; not a veraPDF PDF/A-3B rule)", 8)
    for key, prop, label in (("/CreationDate", "CreateDate", "xmp:CreateDate"),
                             ("/ModDate", "ModifyDate", "xmp:ModifyDate")):
        if key not in info:
            continue
        a = _pdf_date(text_of(info.get(key)))
        b = _xmp_date(xmp.text(NS["xmp"], prop))
        if a is None or b is None or not _same_instant(a, b):
            checker.tolerated(R.FX_INFO_XMP, f"Info {key}",
                              f"Info {key} {text_of(info.get(key))!r} differs from XMP {label} "
                              f"{xmp.text(NS['xmp'], prop)!r} (PDF/A-1 6.7.3, PDFBox Preflight 7.2)", 8)


def fx_properties(checker: Checker, xmp: Xmp | None, ns: str, filename: str | None, level: str | None,
                  guideline: str | None) -> str | None:
    """The ``fx`` properties of the XMP (namespace ``ns``) against the invoice embedded as
    ``filename``, whose BT-24 ``guideline`` means ``level``; return ``fx:ConformanceLevel``."""
    if xmp is None:
        return None
    loc = "XMP fx"
    values = {p: xmp.text(ns, p) for p in FX_PROPERTIES}
    missing = [p for p, v in values.items() if not v]
    if missing:
        checker.fatal(R.FX_XMP_MISSING, loc, f"the XMP lacks fx:{', fx:'.join(missing)} ({ns})", 6)
    doc_type = values["DocumentType"]
    if doc_type and doc_type != "INVOICE":
        checker.fatal(R.FX_XMP_TYPE, loc, f"fx:DocumentType is {doc_type!r}, not INVOICE", 6)
    docname = values["DocumentFileName"]
    if docname and filename and docname != filename:
        checker.fatal(R.FX_XMP_FILENAME, loc, f"fx:DocumentFileName is {docname!r} but the invoice is embedded as {filename!r}", 7)
    version = values["Version"]
    xlevel = values["ConformanceLevel"]
    if version and version != "1.0" and ns == FX_NAMESPACE and xlevel != XRECHNUNG_LEVEL:
        checker.warn(R.FX_XMP_VERSION, loc, f"fx:Version is {version!r}; Factur-X 1.0x writes 1.0", 6)
    if xlevel:
        legacy = ns != FX_NAMESPACE and xlevel in LEGACY_LEVELS
        if xlevel not in LEVELS and not legacy:
            checker.fatal(R.FX_XMP_LEVEL, loc, f"fx:ConformanceLevel {xlevel!r} is not one of {', '.join(LEVELS)}", 6, ("BT-24",))
        elif level is not None and xlevel != level and not (legacy and legacy_level_of(guideline) == xlevel):
            checker.fatal(R.FX_XMP_LEVEL, loc, f"fx:ConformanceLevel is {xlevel!r} but the XML's BT-24 {guideline!r} "
                          f"means {level!r}", 29, ("BT-24",))
    return xlevel


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
