"""The checks of a PDF's embedded files and of the invoice among them (items 6-7 and 24-29 of
:mod:`facturx_engine.pdf.check`): every file specification (``/AF`` association, ``/F`` and
``/UF``, ``/AFRelationship``, the embedded file stream, its MIME type and ``/Params``), then the
invoice: one, under one name, in the name tree and the catalog ``/AF``, well-formed CII whose
BT-24 agrees with the ``fx`` properties of the XMP.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pikepdf
from lxml import etree

from facturx_engine import ruleids as R
from facturx_engine.errors import PdfError
from facturx_engine.model.codes import XRECHNUNG_LEVEL
from facturx_engine.pdf.attachments import Attachment, attachments, find_invoice
from facturx_engine.pdf.checks.record import Checker
from facturx_engine.pdf.checks.xmp import fx_properties
from facturx_engine.pdf.limits import MAX_XML_BYTES, MiB, StreamLimit
from facturx_engine.pdf.primitives import (
    AF_RELATIONSHIPS,
    CURRENT_FILENAMES,
    FX_NAMESPACE,
    INVOICE_FILENAMES,
    INVOICE_NAMES,
    LEGACY_NAMESPACES,
    guideline_of,
    integer,
    level_of_guideline,
    name_of,
    parse_xml,
    ref_note,
    show,
    text_of,
)
from facturx_engine.pdf.xmp import Xmp

__all__ = ["embedded_files"]

_MIME_RE = re.compile(r"^[-\w+.]+/[-\w+.]+$")


def embedded_files(checker: Checker, xmp: Xmp | None) -> tuple[str | None, str | None]:
    """Check every attachment and the invoice; return (fx level, BT-24)."""
    pdf = checker.pdf
    atts = attachments(pdf)
    af_members = checker.af_members()
    for att in atts:
        _filespec(checker, att, af_members)
    fx_ns = _fx_namespace(checker, xmp)
    invoices = find_invoice(pdf, atts, xmp)
    if not invoices:
        checker.fatal(R.FX_INVOICE_MISSING, "embedded files",
                      f"no invoice XML is embedded (looked for {', '.join(INVOICE_FILENAMES)} and fx:DocumentFileName)", 7)
        fx_properties(checker, xmp, fx_ns, None, None, None)
        return None, None
    if len(invoices) > 1:
        checker.fatal(R.FX_INVOICE_DUPLICATE, "embedded files",
                      f"{len(invoices)} invoice XMLs are embedded ({', '.join(a.name for a in invoices)}); "
                      "exactly one is allowed", 28)
    inv = invoices[0]
    loc = f"embedded file {inv.name!r}"
    _invoice_filespec(checker, inv, loc)
    guideline, level = _invoice_xml(checker, inv, loc)
    _invoice_profile(checker, inv, loc, level)
    fx_level = fx_properties(checker, xmp, fx_ns, inv.name, level, guideline)
    return fx_level or level, guideline


def _filespec(checker: Checker, att: Attachment, af_members: set[Any]) -> None:
    """One embedded file: its file specification, its stream, its /Params (items 24-27)."""
    loc = f"embedded file {att.name!r}{ref_note(att.filespec)}"
    fs = att.filespec
    key = fs.objgen if fs.objgen != (0, 0) else id(fs)
    if key not in af_members:
        checker.fatal(R.PDFA_6_8_AF, loc,
                      "the file specification is not associated with the document or a part of it "
                      "through an /AF array (ISO 19005-3 6.8)", 26)
    for k in ("/F", "/UF"):
        if not isinstance(fs.get(k), pikepdf.String):
            checker.fatal(R.PDFA_6_8_FILESPEC, loc, f"the file specification has no {k} string (ISO 19005-3 6.8)", 24)
    if fs.get("/Type", "/Filespec") != "/Filespec":
        checker.fatal(R.PDFA_6_8_FILESPEC, loc, f"/Type is {show(fs.get('/Type'))}, not /Filespec", 24)
    if "/Desc" not in fs:
        checker.warn(R.FX_FILESPEC_DESC, loc, "the file specification has no /Desc", 24)
    rel = fs.get("/AFRelationship")
    if rel is None:
        checker.fatal(R.PDFA_6_8_AFREL, loc, "no /AFRelationship (ISO 19005-3 6.8)", 25)
    elif not isinstance(rel, pikepdf.Name):
        checker.fatal(R.PDFA_6_8_AFREL, loc,
                      f"/AFRelationship is a {type(rel).__name__} ({text_of(rel)!r}), not a name; veraPDF >= 1.24 "
                      "rejects (Data) (ISO 19005-3 6.8)", 25)
    elif name_of(rel) not in AF_RELATIONSHIPS:
        checker.fatal(R.PDFA_6_8_AFREL, loc,
                      f"/AFRelationship /{name_of(rel)} is not one of {', '.join(AF_RELATIONSHIPS)}", 25)
    stream = att.stream
    if stream is None:
        checker.fatal(R.PDFA_6_8_FILESPEC, loc, "the file specification has no /EF /F embedded file stream", 24)
        return
    ef = fs.EF
    if "/F" not in ef:
        checker.fatal(R.PDFA_6_8_FILESPEC, loc, "/EF has no /F entry", 24)
    if "/UF" not in ef:
        checker.warn(R.FX_EF_UF, loc, "/EF has no /UF entry (every Factur-X writer sets both)", 24)
    if stream.get("/Type", "/EmbeddedFile") != "/EmbeddedFile":
        checker.warn(R.FX_EF_TYPE, loc, f"the embedded file stream has /Type {show(stream.get('/Type'))}", 27)
    subtype = name_of(stream.get("/Subtype"))
    if subtype is None or not _MIME_RE.match(subtype):
        checker.fatal(R.PDFA_6_8_SUBTYPE, loc,
                      f"the embedded file stream has no valid MIME /Subtype ({show(stream.get('/Subtype'))!r}; "
                      "ISO 19005-3 6.8)", 27)
    _params(checker, att, loc)


def _fx_namespace(checker: Checker, xmp: Xmp | None) -> str:
    """The namespace of the ``fx`` properties: Factur-X's, else a legacy ZUGFeRD one the XMP uses (a warning)."""
    fx_ns = FX_NAMESPACE
    if xmp is not None and not any(ns == FX_NAMESPACE for ns, _ in xmp.props):
        for legacy, label in LEGACY_NAMESPACES.items():
            if any(ns == legacy for ns, _ in xmp.props):
                fx_ns = legacy
                checker.warn(R.FX_XMP_NAMESPACE, "XMP", f"uses the {label} namespace {legacy}; write {FX_NAMESPACE}", 6)
                break
    return fx_ns


def _invoice_filespec(checker: Checker, inv: Attachment, loc: str) -> None:
    """The invoice's names, its place in the name tree and the catalog /AF, its MIME type."""
    names = {"name-tree key" if inv.in_name_tree else "name": inv.name,
             "/F": text_of(inv.filespec.get("/F")), "/UF": text_of(inv.filespec.get("/UF"))}
    if len({v for v in names.values() if v is not None}) > 1:
        checker.fatal(R.FX_FILENAME, loc, "the invoice is named differently in different places: "
                      + ", ".join(f"{k} {v!r}" for k, v in names.items()), 7)
    if not inv.in_name_tree:
        checker.fatal(R.FX_NAMES_TREE, loc, "the invoice is not in the catalog /Names /EmbeddedFiles name tree", 28)
    else:
        keys = _name_tree_keys(checker)
        if keys != sorted(keys):
            checker.warn(R.FX_NAMES_TREE, "catalog /Names /EmbeddedFiles", f"name-tree keys are not sorted: {keys}", 28)
    if not inv.in_catalog_af:
        checker.fatal(R.PDFA_6_8_AF, loc, "the invoice file specification is not in the catalog /AF array "
                      "(Factur-X associates it with the document)", 26)
    if inv.name not in CURRENT_FILENAMES:
        checker.warn(R.FX_FILENAME, loc, f"{inv.name!r} is a legacy name; write factur-x.xml (xrechnung.xml for XRECHNUNG)", 7)
    stream = inv.stream
    if stream is not None and name_of(stream.get("/Subtype")) not in (None, "text/xml"):
        checker.warn(R.FX_EF_SUBTYPE, loc, f"the invoice /Subtype is {name_of(stream.get('/Subtype'))}, not text/xml", 27)


def _invoice_xml(checker: Checker, inv: Attachment, loc: str) -> tuple[str | None, str | None]:
    """The invoice XML: read within the limit, well-formed CII; return (BT-24, the level it means)."""
    xml = checker.decoded.get(id(inv), b"")  # decoded by _params already (None: could not be)
    if xml == b"" and id(inv) not in checker.decoded:
        try:
            xml = inv.data(MAX_XML_BYTES)
        except PdfError as exc:
            checker.fatal(exc.rule or R.FX_XML_WELLFORMED, loc, exc.message, 29)
            xml = None
    if xml is not None and len(xml) > MAX_XML_BYTES:
        checker.fatal(R.FX_LIMIT_STREAM, loc, f"the invoice XML has {len(xml)} bytes, more than the "
                      f"{MAX_XML_BYTES // MiB} MiB the engine reads; it is not parsed", "limit")
        xml = None
    guideline = level = None
    if xml is not None:
        try:
            known = checker.parsed.get(xml)
            root = known if known is not None else parse_xml(xml)
        except etree.XMLSyntaxError as exc:
            checker.fatal(R.FX_XML_WELLFORMED, loc, f"the embedded invoice is not well-formed XML: {exc}", 29)
        else:
            tag = etree.QName(root)
            if tag.localname not in ("CrossIndustryInvoice", "CrossIndustryDocument"):
                checker.fatal(R.FX_XML_ROOT, loc, f"the embedded XML is a {tag.localname}, not a CII CrossIndustryInvoice", 29)
            if not re.match(rb"^(\xef\xbb\xbf)?\s*(<\?xml[^>]*encoding=[\"'](utf-8|UTF-8)[\"']|<\?xml(?![^>]*encoding)|<[^?])", xml):
                checker.warn(R.FX_XML_ENCODING, loc, "the XML declaration names an encoding other than UTF-8", 29)
            guideline = guideline_of(root)
            level = level_of_guideline(guideline)
            if level is None:
                checker.warn(R.FX_XML_GUIDELINE, loc, f"unknown BT-24 specification identifier {guideline!r}", 29, ("BT-24",))
    return guideline, level


def _invoice_profile(checker: Checker, inv: Attachment, loc: str, level: str | None) -> None:
    """The /AFRelationship and the file name the level of the invoice asks for."""
    relation = name_of(inv.filespec.get("/AFRelationship"))
    if level in ("MINIMUM", "BASIC WL") and relation not in (None, "Data"):
        checker.warn(R.FX_AFREL_PROFILE, loc, f"AFRelationship /{relation} for a {level} invoice; Factur-X asks "
                     "for /Data (MINIMUM and BASIC WL are not full invoices)", 25)
    elif level is not None and relation is not None and relation not in ("Alternative", "Data", "Source"):
        checker.warn(R.FX_AFREL_PROFILE, loc, f"AFRelationship /{relation} for a {level} invoice; expected /Alternative "
                     "(or /Data, /Source)", 25)
    xrechnung = level == XRECHNUNG_LEVEL
    if xrechnung and inv.name != "xrechnung.xml" or level is not None and not xrechnung and inv.name == "xrechnung.xml":
        checker.warn(R.FX_FILENAME, loc, f"a {level} invoice is named {inv.name!r}; XRECHNUNG uses xrechnung.xml, "
                     "every other level factur-x.xml", 7)

def _name_tree_keys(checker: Checker) -> list[str]:
    try:
        return [str(k) for k in pikepdf.NameTree(checker.pdf.Root.Names.EmbeddedFiles).keys()]
    except (AttributeError, pikepdf.PdfError, TypeError, ValueError):
        return []


def _params(checker: Checker, att: Attachment, loc: str) -> None:
    stream = att.stream
    assert stream is not None
    try:
        data = att.data()
    except StreamLimit as exc:
        checker.fatal(exc.rule or R.FX_LIMIT_STREAM, loc, exc.message + "; its /Params /Size and /CheckSum are not "
                      "checked", "limit")
        checker.decoded[id(att)] = None
        return
    except PdfError as exc:
        checker.fatal(R.PDFA_6_8_FILESPEC, loc, f"the embedded file cannot be decoded: {exc.message}", 27)
        checker.decoded[id(att)] = None
        return
    if att.name.lower() in INVOICE_NAMES:  # kept for the invoice check; other files are not held
        checker.decoded[id(att)] = data
    params = stream.get("/Params")
    if not isinstance(params, pikepdf.Dictionary):
        checker.tolerated(R.FX_EF_PARAMS, loc, "the embedded file has no /Params (ModDate, Size, CheckSum)", 27)
        return
    size = params.get("/Size")
    if size is None:
        checker.tolerated(R.FX_EF_SIZE, loc, "/Params has no /Size", 27)
    elif not isinstance(size, int) or isinstance(size, bool):
        checker.fatal(R.FX_EF_SIZE, loc, f"/Params /Size is a {type(size).__name__} ({show(size)!r}), not an integer", 27)
    elif integer(size, -1) != len(data):
        checker.fatal(R.FX_EF_SIZE, loc, f"/Params /Size is {show(size)} but the file has {len(data)} bytes", 27)
    checksum = params.get("/CheckSum")
    md5 = hashlib.md5(data).digest()
    if checksum is None:
        checker.tolerated(R.FX_EF_CHECKSUM, loc, "/Params has no /CheckSum (MD5)", 27)
    elif not isinstance(checksum, pikepdf.String):
        checker.fatal(R.FX_EF_CHECKSUM, loc, f"/Params /CheckSum is a {type(checksum).__name__}, not a string", 27)
    else:
        raw = bytes(checksum)
        if raw == md5:
            pass
        elif raw.lower() == md5.hex().encode():
            checker.tolerated(R.FX_EF_CHECKSUM, loc,
                              "/Params /CheckSum is the MD5 as 32 hexadecimal characters, not the 16 raw bytes "
                              "ISO 32000-1 Table 46 asks for (readers tolerate it; the FeRD samples do it)", 27)
        else:
            checker.fatal(R.FX_EF_CHECKSUM, loc, f"/Params /CheckSum {raw.hex()} is not the MD5 {md5.hex()} of the file", 27)
    if "/ModDate" not in params:
        checker.tolerated(R.FX_EF_MODDATE, loc, "/Params has no /ModDate", 27)
