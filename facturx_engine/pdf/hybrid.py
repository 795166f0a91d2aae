"""Factur-X / ZUGFeRD hybrid PDFs: embed a CII invoice into a PDF/A-3B file, and read it back.

* :func:`to_facturx` - invoice -> CII XML (:func:`~facturx_engine.syntax.cii.to_cii`) -> page
  (``facturx_engine.pdf.render.layout.render``, or the ``pdf`` given) -> :func:`embed`.
* :func:`embed` - brings an existing PDF to PDF/A-3B with the invoice attached, or refuses with a
  :class:`~facturx_engine.errors.PdfError` naming each violation it cannot repair. Every output
  goes through the checks of :func:`~facturx_engine.pdf.check.check_pdf` (``strict=True``) before it
  is returned, the object-model ones on the objects about to be saved and the file-structure
  ones on the saved bytes (see :func:`embed`): a file that fails a check is never returned.
* :func:`extract` / :func:`extract_all` - the embedded invoice XML (bytes as embedded) and its
  profile; every embedded file.

How the file is written: a page that needs no repair and changes only in its catalog (the pages
of ``facturx_engine.pdf.render.layout.render`` are such pages) keeps its bytes; embed appends its objects
(OutputIntent, XMP, embedded file, Info, the new catalog) as one incremental update (ISO
32000-1 7.5.6, allowed by PDF/A) and sets the header to ``%PDF-1.7`` in place. Any other page is
written whole by qpdf. Both kinds go through the same checks; an update that fails the
file-structure checks is replaced by the whole file.

Messages name the requirement they rest on: a clause of ISO 19005-3 (PDF/A-3) or ISO 32000-1
(PDF 1.7), or the Factur-X 1.07 specification.

Damaged input: whatever the bytes, :func:`embed`, :func:`extract`, :func:`extract_all` and
:func:`to_facturx` raise :class:`~facturx_engine.errors.PdfError` (or the errors of the XML side:
:class:`~facturx_engine.errors.ValidationFailed`...), never another exception. Every stream is
read with the caps of :mod:`facturx_engine.pdf.limits` (64 MiB for one stream, 16 MiB for the
invoice XML, 256 MiB for all the streams of one call, qpdf's own decoding limits while the file
is open): a stream over a cap is refused by name (``FX-LIMIT-STREAM``), never inflated whole. A
file holding more objects than the engine reads (1,000,000 items of arrays and dictionaries,
counted on its bytes before qpdf parses any) is refused the same way (``FX-LIMIT-OBJECTS``).

What :func:`embed` repairs: an old header (written as ``%PDF-1.7``), a missing trailer /ID, no
OutputIntent (an sRGB one is added, see :func:`srgb_icc`), the XMP (always replaced by an
uncompressed packet: PDF/A-3B identification, Dublin Core / XMP / PDF properties equal to the
rewritten Info dictionary, the Factur-X extension schema and ``fx`` properties), the Info
dictionary (rewritten), data after ``%%EOF`` and reportlab's missing EOL before ``endstream``
(the file is re-serialised by qpdf), LZW streams and streams whose encoded data ends with a CR
byte (validators read that CR as part of the EOL before ``endstream`` and find /Length one byte
off): both are decoded and written again with Flate, annotations without flags (they get Print,
as reportlab's links need), a previous
invoice attachment (replaced), and other attachments (associated through the catalog /AF, given
/UF, a Name /AFRelationship, a MIME /Subtype and correct /Params when missing).

What it refuses (PDF/A-3B cannot be reached without changing what the page shows): encryption
(ISO 19005-3 6.1.3), JavaScript and forbidden actions or additional actions (6.5), fonts without an
embedded program used for rendering, standard 14 fonts included, or selected by a text operator
(ISO 19005-3 6.2.11.4.1; a font that no content stream uses and that is not embedded is dropped
from the resources instead), device colour that the output intent cannot characterise
(DeviceCMYK with the sRGB intent, DeviceRGB with a CMYK intent; 6.2.4.3), non-standard blend
modes, transfer functions, halftones, rendering intents, image Alternates/OPI/Interpolate,
PostScript and reference XObjects (6.2.5 to 6.2.10), forbidden annotations and forms (6.3, 6.4),
and a PDF 2.0 input (6.1.2). Transparency is accepted: PDF/A-3 allows it, and with the
OutputIntent that embed guarantees, no page group colour space is needed (6.2.10).

Deterministic mode (``deterministic=True``): every date written (Info, XMP, ``/Params
/ModDate``) is the invoice issue date BT-2 at 00:00:00 UTC (2000-01-01T00:00:00Z when the XML has
no readable BT-2), the trailer /ID is derived from the content (qpdf ``deterministic_id``), and
the ICC profile is the same bytes each run: same input, same bytes.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as _dt
import functools
import hashlib
import io
import re
import zlib
from importlib import resources
from collections.abc import Iterator
from typing import Any
from xml.sax.saxutils import escape

import pikepdf
from lxml import etree

from facturx_engine.pdf.limits import MAX_STREAM_BYTES, MAX_XML_BYTES, StreamLimit, bounded, read_stream
from facturx_engine.model.codes import Profile
from facturx_engine.errors import PdfError
from facturx_engine.pdf import check as pdfcheck
from facturx_engine.pdf.check import (
    AF_RELATIONSHIPS,
    DAMAGE,
    ContentScan,
    FX_NAMESPACE,
    INVOICE_FILENAMES,
    LEVELS,
    attachments,
    check_file_structure,
    check_model,
    find_invoice,
    guideline_of,
    icc_problem,
    iter_objects,
    known_xml,
    level_of_guideline,
    local_children,
    open_pdf,
    parse_xml,
    read_xmp,
)

__all__ = ["embed", "extract", "extract_all", "srgb_icc", "to_facturx"]

_FALLBACK_DATE = _dt.datetime(2000, 1, 1, tzinfo=_dt.UTC)
_SRGB_ID = "sRGB IEC61966-2.1"
_PACKAGED_ICC = ("pdfa", "data", "sRGB.icc")  # inside the installed pikepdf package
_DOC_KINDS = {
    "381": "Credit note", "384": "Corrected invoice", "386": "Prepayment invoice",
    "389": "Self-billed invoice", "261": "Self-billed credit note",
}


# --------------------------------------------------------------------------- ICC


def srgb_icc() -> tuple[bytes, str]:
    """An sRGB output profile for the PDF/A OutputIntent, and its description.

    Preferred: the ICC v2.3 ``mntr`` RGB profile that pikepdf >= 10.x installs
    (``pikepdf/pdfa/data/sRGB.icc``, icc-profiles-free, zlib licence), read from the installed
    package. Otherwise one generated by LittleCMS through Pillow (``ImageCms.createProfile``), an
    ICC v4.4 ``mntr`` RGB profile, which PDF/A-2 and -3 accept (version < 5, ISO 19005-3 6.2.3);
    its creation date field is set to 2000-01-01 so the bytes do not change between runs.
    No profile file is part of this project. Both pass page-validation's PDF/A-3B profile.
    """
    return _srgb_icc(_PACKAGED_ICC)


@functools.lru_cache(maxsize=4)
def _srgb_icc(packaged: tuple[str, ...]) -> tuple[bytes, str]:
    """:func:`srgb_icc`, read (or built) once per process for each packaged-file location."""
    try:
        data = resources.files("pikepdf").joinpath(*packaged).read_bytes()
    except (OSError, ModuleNotFoundError, AttributeError):
        data = b""
    if data and icc_problem(data, 3) is None and data[8] == 2:
        return data, _SRGB_ID
    return _pillow_srgb(), "sRGB built-in (LittleCMS)"


@functools.lru_cache(maxsize=4)
def _encoded_icc(packaged: tuple[str, ...]) -> tuple[bytes, tuple[str, ...], str]:
    """The OutputIntent profile Flate-encoded once per process: (data, filter names, description)."""
    icc, description = _srgb_icc(packaged)
    encoded, filters = _encode(icc)
    names = tuple(str(f) for f in filters) if isinstance(filters, pikepdf.Array) else (str(filters),)
    return encoded, names, description


def _pillow_srgb() -> bytes:
    from PIL import ImageCms

    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    # dateTimeNumber at offset 24: year, month, day, hours, minutes, seconds (uInt16 each)
    data[24:36] = b"".join(v.to_bytes(2, "big") for v in (2000, 1, 1, 0, 0, 0))
    if icc_problem(bytes(data), 3) is not None:  # pragma: no cover - LittleCMS always gives mntr RGB
        raise PdfError("Pillow produced an unusable sRGB profile: " + str(icc_problem(bytes(data), 3)))
    return bytes(data)


# --------------------------------------------------------------------------- XML facts


class _Invoice:
    """The facts of the CII XML that go into the PDF metadata (and its tree, for the final check)."""

    def __init__(self, xml: bytes) -> None:
        try:
            self.root = root = parse_xml(xml)
        except etree.XMLSyntaxError as exc:
            raise PdfError(f"the invoice XML is not well-formed: {exc}") from None
        _check_cii(root)
        self.guideline = guideline_of(root)
        self.level = level_of_guideline(self.guideline)

        def first(*path: tuple[str, ...]) -> str | None:
            """The text of the first element at the path of local names (``/*[local-name()=...]``
            steps from the root, the first step one of several names), in document order."""
            found = _first(root, path)
            return ((found.text or "").strip() or None) if found is not None else None

        doc = ("ExchangedDocument", "HeaderExchangedDocument")
        self.number = first(doc, ("ID",))
        self.type_code = first(doc, ("TypeCode",))
        self.issue = first(doc, ("IssueDateTime",), ("DateTimeString",))
        self.seller = None  # .//*[local-name()='SellerTradeParty']/*[local-name()='Name'], first in document order
        for name in root.iterdescendants("{*}Name"):
            parent = name.getparent()
            if parent is not None and parent.tag.rpartition("}")[2] == "SellerTradeParty":
                self.seller = (name.text or "").strip() or None
                break

    def issue_date(self) -> _dt.datetime:
        if self.issue and re.fullmatch(r"\d{8}", self.issue):
            try:
                return _dt.datetime(int(self.issue[:4]), int(self.issue[4:6]), int(self.issue[6:]), tzinfo=_dt.UTC)
            except ValueError:
                pass
        return _FALLBACK_DATE


_UBL = ("urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
        "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2")


def _check_cii(root: etree._Element) -> None:
    """A Factur-X PDF carries a CII invoice (ZUGFeRD 1: its CrossIndustryDocument); a UBL one is
    refused with the way to get a Factur-X from it."""
    tag = root.tag if isinstance(root.tag, str) else ""
    namespace, local = (tag[1:].split("}", 1) if tag.startswith("{") else ("", tag))
    if namespace in _UBL:
        raise PdfError(f"the invoice XML is a UBL 2.1 {local}; a Factur-X PDF embeds the CII syntax. Convert it: "
                       "'facturx-engine convert INVOICE.xml --to facturx -o OUT.pdf' (or convert(data, to='facturx'), "
                       "which also renders the page; give --pdf PAGE.pdf to use your own page)")
    if local not in ("CrossIndustryInvoice", "CrossIndustryDocument"):
        raise PdfError(f"the invoice XML is a {local or 'document'} element, not a CII CrossIndustryInvoice; a "
                       "Factur-X PDF embeds a CII invoice [Factur-X 1.07]")


def _first(el: etree._Element, path: tuple[tuple[str, ...], ...]) -> etree._Element | None:
    if not path:
        return el
    for child in local_children(el, *path[0]):
        found = _first(child, path[1:])
        if found is not None:
            return found
    return None


def _level_of(profile: Profile | str | None) -> str | None:
    if profile is None:
        return None
    if isinstance(profile, Profile):
        return profile.value
    text = str(profile).strip()
    if text.upper().replace(" ", "") == "XRECHNUNG":
        return "XRECHNUNG"
    try:
        return Profile.parse(text).value
    except ValueError:
        raise PdfError(f"unknown profile {profile!r}; expected one of {', '.join(LEVELS)}") from None


# --------------------------------------------------------------------------- XMP


def _xmp_date(when: _dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _pdf_date(when: _dt.datetime) -> str:
    return when.strftime("D:%Y%m%d%H%M%S+00'00'")


_FX_DESCRIPTIONS = {
    "DocumentFileName": "File name of the invoice XML embedded in this PDF",
    "DocumentType": "Kind of the embedded business document, INVOICE for an invoice",
    "Version": "Version of the Factur-X specification the embedded XML follows",
    "ConformanceLevel": "Factur-X profile of the embedded XML, as named in BT-24",
}


def _xmp_packet(*, title: str, author: str, subject: str, keywords: str, creator: str, producer: str,
                when: _dt.datetime, filename: str, level: str) -> bytes:
    """The XMP packet, written from the requirements of ISO 19005-3 6.6 and Factur-X 1.07 (no template copied)."""
    e = escape
    date = _xmp_date(when)
    props = "".join(
        "\n            <rdf:li rdf:parseType=\"Resource\">"
        f"\n              <pdfaProperty:name>{name}</pdfaProperty:name>"
        "\n              <pdfaProperty:valueType>Text</pdfaProperty:valueType>"
        "\n              <pdfaProperty:category>external</pdfaProperty:category>"
        f"\n              <pdfaProperty:description>{e(text)}</pdfaProperty:description>"
        "\n            </rdf:li>"
        for name, text in _FX_DESCRIPTIONS.items()
    )
    text = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>3</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{e(title)}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{e(author)}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{e(subject)}</rdf:li></rdf:Alt></dc:description>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <xmp:CreatorTool>{e(creator)}</xmp:CreatorTool>
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
   <xmp:MetadataDate>{date}</xmp:MetadataDate>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Producer>{e(producer)}</pdf:Producer>
   <pdf:Keywords>{e(keywords)}</pdf:Keywords>
  </rdf:Description>
  <rdf:Description rdf:about=""
      xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
      xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
      xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
   <pdfaExtension:schemas>
    <rdf:Bag>
     <rdf:li rdf:parseType="Resource">
      <pdfaSchema:schema>Factur-X hybrid invoice properties</pdfaSchema:schema>
      <pdfaSchema:namespaceURI>{FX_NAMESPACE}</pdfaSchema:namespaceURI>
      <pdfaSchema:prefix>fx</pdfaSchema:prefix>
      <pdfaSchema:property>
       <rdf:Seq>{props}
       </rdf:Seq>
      </pdfaSchema:property>
     </rdf:li>
    </rdf:Bag>
   </pdfaExtension:schemas>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:fx="{FX_NAMESPACE}">
   <fx:DocumentType>INVOICE</fx:DocumentType>
   <fx:DocumentFileName>{e(filename)}</fx:DocumentFileName>
   <fx:Version>1.0</fx:Version>
   <fx:ConformanceLevel>{e(level)}</fx:ConformanceLevel>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return text.encode("utf-8")


# --------------------------------------------------------------------------- embed


def _refuse(findings: list[Any], what: str) -> PdfError:
    lines = "\n".join(f"  {f.rule} at {f.location}: {f.message}" for f in findings)
    rules = sorted({f.rule for f in findings})
    return PdfError(f"{what}; {len(findings)} violation(s):\n{lines}", rule=", ".join(rules),
                    findings=tuple(findings))


def _clean_text(value: str | None) -> str:
    """Info/XMP text, identical in both: no control characters (CR included: XML parsing turns it into
    LF, so Info and XMP would disagree) and no non-characters such as U+FFFE (not allowed in XML 1.0)."""
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", value or "")
    return re.sub("[\ufffe\uffff\ud800-\udfff]", "", text)


def _remove_invoices(pdf: pikepdf.Pdf) -> None:
    """Drop every previous invoice XML attachment (name tree, catalog /AF)."""
    names = {n.lower() for n in INVOICE_FILENAMES}
    root = pdf.Root
    names_dict = root.get("/Names")
    tree_dict = names_dict.get("/EmbeddedFiles") if isinstance(names_dict, pikepdf.Dictionary) else None
    removed: set[Any] = set()
    if isinstance(tree_dict, pikepdf.Dictionary):
        tree = pikepdf.NameTree(tree_dict)
        for key in [k for k in tree.keys() if k.lower() in names]:
            fs = tree[key]
            if isinstance(fs, pikepdf.Object):
                removed.add(fs.objgen)
            del tree[key]
    af = root.get("/AF")
    if isinstance(af, pikepdf.Array):
        keep = pikepdf.Array()
        for fs in af:
            name = None
            if isinstance(fs, pikepdf.Dictionary):
                for k in ("/UF", "/F"):
                    if isinstance(fs.get(k), pikepdf.String):
                        name = str(fs.get(k))
                        break
            if (isinstance(fs, pikepdf.Dictionary) and fs.objgen in removed and fs.objgen != (0, 0)) or (
                    name is not None and name.lower() in names):
                continue
            keep.append(fs)
        root.AF = keep


def _params(stream: pikepdf.Object, data: bytes, moddate: str) -> None:
    params = stream.get("/Params")
    if not isinstance(params, pikepdf.Dictionary):
        params = pikepdf.Dictionary()
    if "/ModDate" not in params:
        params.ModDate = pikepdf.String(moddate)
    params.Size = len(data)
    params.CheckSum = pikepdf.String(hashlib.md5(data).digest())
    stream.Params = params


def _fix_other_attachments(pdf: pikepdf.Pdf, moddate: str) -> bool:
    """Make the remaining attachments PDF/A-3 conforming where it needs no guess (ISO 19005-3 6.8).
    Returns whether there are any."""
    af = pdf.Root.get("/AF")
    if not isinstance(af, pikepdf.Array):
        af = pdf.Root.AF = pikepdf.Array()
    in_af = {fs.objgen for fs in af if isinstance(fs, pikepdf.Dictionary)}
    found = attachments(pdf)
    for att in found:
        fs = att.filespec
        name = att.name
        if "/F" not in fs and name:
            fs.F = pikepdf.String(name)
        if "/UF" not in fs and name:
            fs.UF = pikepdf.String(name)
        rel = fs.get("/AFRelationship")
        if isinstance(rel, pikepdf.String) and str(rel) in AF_RELATIONSHIPS:
            fs.AFRelationship = pikepdf.Name("/" + str(rel))
        elif rel is None:
            fs.AFRelationship = pikepdf.Name.Unspecified
        stream = att.stream
        if stream is not None:
            ef = fs.EF
            if "/F" not in ef:
                ef.F = stream
            if "/UF" not in ef:
                ef.UF = stream
            if "/Subtype" not in stream:
                stream.Subtype = pikepdf.Name("/application/octet-stream")
            try:
                data = read_stream(stream, what=f"existing attachment {name!r}")
            except StreamLimit as exc:
                raise StreamLimit(exc.message + "; its /Params /Size and /CheckSum cannot be written, so it cannot "
                                  "be kept", rule=exc.rule) from None
            except PdfError as exc:
                raise PdfError(f"the existing attachment {name!r} cannot be decoded: {exc.message}") from None
            _params(stream, data, moddate)
        if fs.objgen == (0, 0):
            continue  # a direct filespec (inside an annotation) cannot be shared; check_pdf reports it
        if fs.objgen not in in_af and not att.in_catalog_af:
            af.append(fs)
            in_af.add(fs.objgen)
    return bool(found)


def embed(
    pdf_bytes: bytes,
    xml_bytes: bytes,
    *,
    profile: Profile | str | None = None,
    filename: str | None = None,
    af_relationship: str | None = None,
    validate_xml: bool = True,
    deterministic: bool = False,
    title: str | None = None,
    author: str | None = None,
    subject: str | None = None,
    keywords: str | None = None,
    creator: str | None = None,
) -> bytes:
    """Attach a CII invoice to a PDF and make the result a PDF/A-3B Factur-X file.

    ``profile`` defaults to the level BT-24 of the XML names (MINIMUM, BASIC WL, BASIC, EN 16931,
    EXTENDED, XRECHNUNG); when given, it must agree with BT-24. ``filename`` defaults to
    ``factur-x.xml`` (``xrechnung.xml`` for an XRechnung BT-24). ``af_relationship`` defaults to
    ``Data`` for MINIMUM and BASIC WL and ``Alternative`` otherwise; ``Data``, ``Source``,
    ``Alternative``, ``Supplement`` and ``Unspecified`` are accepted. ``validate_xml`` runs
    :func:`~facturx_engine.validation.core.validate` first and raises
    :class:`~facturx_engine.errors.ValidationFailed` on fatal findings.

    The Info dictionary is rewritten and mirrored in the XMP: ``title`` (default "<kind>
    <BT-1>"), ``author`` (default the seller name BT-27), ``subject`` (default "<kind> <BT-1>
    dated <BT-2> from <BT-27>"), ``keywords`` (default "Factur-X, <level>, invoice"),
    ``creator`` (default "facturx_engine"); Producer is "facturx_engine <version> (pikepdf
    <version>)".

    Raises :class:`~facturx_engine.errors.PdfError` for unreadable input, for violations it cannot
    repair (module docstring; each finding is listed and kept in ``error.findings``) and if the
    result fails a check of :func:`~facturx_engine.pdf.check.check_pdf` in strict mode.
    """
    if not isinstance(xml_bytes, (bytes, bytearray, memoryview)):
        raise PdfError(f"expected the invoice XML as bytes, got {type(xml_bytes).__name__}")
    xml = bytes(xml_bytes)
    _check_order(pdf_bytes, xml)
    facts = _Invoice(xml)
    level = facts.level
    wanted = _level_of(profile)
    if wanted is not None and level is not None and wanted != level:
        raise PdfError(f"profile {wanted!r} was asked for but the XML's BT-24 {facts.guideline!r} means {level!r}"
                       " [Factur-X 1.07, profile identifiers (BT-24)]", bt="BT-24")
    level = level or wanted
    if level is None:
        raise PdfError(f"unknown BT-24 specification identifier {facts.guideline!r}: pass profile= to say which "
                       "Factur-X level it is [Factur-X 1.07, profile identifiers (BT-24)]", bt="BT-24")
    if filename is None:
        filename = "xrechnung.xml" if level == "XRECHNUNG" else "factur-x.xml"
    elif filename not in INVOICE_FILENAMES:
        raise PdfError(f"filename {filename!r} is not an invoice file name ({', '.join(INVOICE_FILENAMES)}) "
                       "[Factur-X 1.07, name of the embedded invoice]")
    if af_relationship is None:
        af_relationship = "Data" if level in ("MINIMUM", "BASIC WL") else "Alternative"
    if af_relationship not in AF_RELATIONSHIPS:
        raise PdfError(f"af_relationship {af_relationship!r} is not one of {', '.join(AF_RELATIONSHIPS)} "
                       "[ISO 19005-3 6.8]")

    if validate_xml:
        from facturx_engine.validation.core import validate

        validate(xml).raise_for_errors()

    data = bytes(pdf_bytes) if isinstance(pdf_bytes, (bytes, bytearray, memoryview)) else pdf_bytes
    with bounded(), _damage_is_error("the page PDF"):
        return _embed_into(data, xml, facts, level, filename, af_relationship, deterministic,
                           dict(title=title, author=author, subject=subject, keywords=keywords, creator=creator))


@contextlib.contextmanager
def _damage_is_error(what: str) -> Iterator[None]:
    """A damaged object graph met inside the block becomes ``PdfError`` FX-PDF-DAMAGED naming ``what``."""
    try:
        yield
    except PdfError:
        raise
    except DAMAGE as exc:
        if pdfcheck._RERAISE:
            raise
        raise PdfError(f"{what} is damaged: {type(exc).__name__}: {str(exc)[:300]}",
                       rule="FX-PDF-DAMAGED") from None


def _looks_like_xml(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and b"%PDF-" not in data[:1024]


def _check_order(pdf_bytes: Any, xml: bytes) -> None:
    """Plain refusals for the two arguments given the wrong way round, or an XML that is no PDF."""
    pdf_like = isinstance(pdf_bytes, (bytes, bytearray, memoryview)) and b"%PDF-" in bytes(pdf_bytes[:1024])
    if b"%PDF-" in xml[:1024] and not pdf_like:
        raise PdfError("the arguments are the wrong way round: the first one is the page (a PDF), the second the "
                       "invoice XML: embed(pdf, xml), on the command line 'embed PAGE.pdf INVOICE.xml'")
    if pdf_like and b"%PDF-" in xml[:1024]:
        raise PdfError("the second argument is a PDF; it must be the invoice XML (CII): embed(pdf, xml)")


def _embed_into(data: bytes, xml: bytes, facts: _Invoice, level: str, filename: str, af_relationship: str,
                deterministic: bool, texts: dict[str, str | None], update: bool = True) -> bytes:
    """The body of :func:`embed`, once the arguments are checked (inside :func:`bounded`);
    ``update=False`` writes the file whole even where an incremental update would do."""
    title, author, subject = texts["title"], texts["author"], texts["subject"]
    keywords, creator = texts["keywords"], texts["creator"]
    pdf = open_pdf(data, what="the page PDF")
    with pdf:
        if pdf.is_encrypted or "/Encrypt" in pdf.trailer:
            raise PdfError("the page PDF is encrypted; PDF/A forbids encryption (ISO 19005-3 6.1.3)",
                           rule="PDFA-6.1.3-ENCRYPT")
        if pdf.pdf_version.startswith("2"):
            raise PdfError(f"the page PDF is PDF {pdf.pdf_version}; PDF/A-3 is based on PDF 1.7 and cannot carry "
                           "PDF 2.0 content (ISO 19005-3 6.1.2)", rule="PDFA-6.1.2-HEADER")
        when = facts.issue_date() if deterministic else _dt.datetime.now(_dt.UTC).replace(microsecond=0)
        root = pdf.Root
        # whether embed's changes can be written as an update after the bytes of the page (see
        # _save_update): it must change no object of the page but the catalog
        plain = "/Names" not in root and "/AF" not in root and root.objgen != (0, 0)
        last = _last_number(pdf)  # objects added from here on are embed's
        _output_intent(pdf)
        plain &= not _normalise_streams(pdf)  # LZW is repairable: re-encode it before judging the content
        plain &= not _print_flags(pdf)
        moddate = _pdf_date(when)
        _remove_invoices(pdf)
        plain &= not _fix_other_attachments(pdf, moddate)
        _attach(pdf, xml, filename, af_relationship, level, moddate)
        _metadata(pdf, facts, level, filename, when, title=title, author=author, subject=subject,
                  keywords=keywords, creator=creator)
        # The checks, once each: check_model (objects, content streams, stream data, XMP, Info,
        # attachments) runs here on the objects about to be saved, check_file_structure (header,
        # /ID, xref, %%EOF, stream EOLs) after the save on the bytes; together they are exactly
        # check_pdf(strict=True), which pdfcheck builds from the same parts. Checking the object
        # model instead of parsing the saved file again is sound because the save copies every
        # object and stream as it is (nothing decoded or compressed: qpdf renumbers objects,
        # recomputes /Length, writes header, /ID and xref, and drops unreachable objects, which
        # were checked too and can only have refused more; the update of _save_update writes the
        # catalog and embed's objects as they are and leaves every other byte of the page PDF,
        # which qpdf read to build this model, as it was). The object and content findings are
        # the page's own (refused as such); any other is embed's fault (internal error). The tests
        # keep the full check_pdf(strict=True) on every output and test these claims
        # (test_self_check_halves_are_check_pdf, test_self_check_before_save_sees_the_saved_file,
        # test_embed_writes_an_update_after_our_own_page).
        with known_xml({xml: facts.root}):
            problems, written = check_model(pdf)
            if any(f.rule == "FX-FONT-UNUSED" for f in problems) and _drop_unused_fonts(pdf):
                plain = False
                problems, written = check_model(pdf)
        if problems:
            raise _refuse(problems, "the page PDF cannot be made PDF/A-3B")
        _internal_check(written)
        xref = _update_base(pdf, data) if plain and update else None
        out = io.BytesIO()
        if xref is not None:
            _save_update(pdf, out, data, xref, last)
        else:
            # qpdf must neither decode nor (re)compress: the streams written here are already encoded,
            # the XMP must stay uncompressed, and compressing again would undo _normalise_streams.
            _save(pdf, out, deterministic)
    # the object model is let go before the saved file is opened to be checked: the two would
    # otherwise hold the objects qpdf parses on opening (the catalog at least) twice
    del pdf, root
    result = out.getvalue()
    structure = check_file_structure(result, written=True)
    if xref is not None and [f for f in structure if f.severity == "fatal"]:
        # not a sound file after all (an input quirk the preconditions missed): write it whole
        return _embed_into(data, xml, facts, level, filename, af_relationship, deterministic, texts, update=False)
    _internal_check(structure)
    return result


_TAIL = re.compile(rb"startxref[\r\n ]+(\d+)[\r\n ]+%%EOF(\r\n|\r|\n)?\Z")


def _update_base(pdf: pikepdf.Pdf, data: bytes) -> int | None:
    """The offset of the page PDF's cross-reference table when embed's changes can be appended to
    its bytes as an incremental update, else None: a ``%PDF-1.n`` header (n <= 7) with its
    binary comment line, a classic cross-reference table that qpdf read without repair, nothing
    but an EOL after ``%%EOF``, and an EOL before the first ``endstream`` (reportlab's own
    streams lack it, the pages of :func:`~facturx_engine.pdf.render.layout.render` have it). The page's
    bytes must pass the file-structure checks that the whole file must pass: embed checks the
    file it writes, and writes the whole file instead when the update fails them."""
    if not re.match(rb"%PDF-1\.[0-7](\r\n|\r|\n)%", data):
        return None
    tail = _TAIL.search(data, max(0, len(data) - 64))
    if tail is None:
        return None
    xref = int(tail.group(1))
    end = data.find(b"endstream")
    if data[xref:xref + 4] != b"xref" or pdf.get_warnings() or end > 0 and data[end - 1] not in b"\r\n":
        return None
    return xref


def _save_update(pdf: pikepdf.Pdf, out: io.BytesIO, data: bytes, xref: int, last: int) -> None:
    """The page PDF's bytes, its header made ``%PDF-1.7``, then one incremental update (ISO
    32000-1 7.5.6): the catalog and every object numbered after ``last`` (the ones embed made),
    each as it is in the model, a cross-reference section for them and a trailer with /Prev,
    /Info and /ID (the page's first identifier, else the MD5 of its bytes, and the MD5 of that
    and of the update, so the same input gives the same bytes). Objects the changes left
    unreachable (the old Info and XMP) stay in the file, unreferenced."""
    eol = b"" if data.endswith((b"\n", b"\r")) else b"\n"
    base = len(data) + len(eol)
    update = bytearray()
    numbers = [pdf.Root.objgen[0], *range(last + 1, _last_number(pdf) + 1)]
    offsets = {}
    for num in sorted(numbers):
        obj = pdf.get_object(num, 0)
        offsets[num] = base + len(update)
        if isinstance(obj, pikepdf.Stream):
            raw = obj.read_raw_bytes()
            head = pikepdf.Dictionary({k: v for k, v in obj.stream_dict.items() if k != "/Length"})
            head.Length = len(raw)
            update += b"%d 0 obj\n%s\nstream\n%s\nendstream\nendobj\n" % (num, head.unparse(resolved=True), raw)
        else:
            update += b"%d 0 obj\n%s\nendobj\n" % (num, obj.unparse(resolved=True))
    start = base + len(update)
    update += b"xref\n"
    ordered = sorted(offsets)
    i = 0
    while i < len(ordered):  # one subsection per run of consecutive numbers
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        update += b"%d %d\n" % (ordered[i], j - i + 1)
        update += b"".join(b"%010d 00000 n \n" % offsets[n] for n in ordered[i:j + 1])
        i = j + 1
    trailer = pdf.trailer
    ids = trailer.get("/ID")
    first_id = bytes(ids[0]) if isinstance(ids, pikepdf.Array) and len(ids) == 2 and \
        isinstance(ids[0], pikepdf.String) else hashlib.md5(data).digest()
    new_id = hashlib.md5(first_id + update).digest()  # the page's identity and what changed
    entries = pikepdf.Dictionary({k: v for k, v in trailer.items() if k not in ("/Prev", "/XRefStm", "/ID", "/Size")})
    entries.Size = max(int(trailer.get("/Size", 0)), ordered[-1] + 1)
    entries.ID = pikepdf.Array([pikepdf.String(first_id), pikepdf.String(new_id)])
    entries.Prev = xref
    update += b"trailer\n%s\nstartxref\n%d\n%%%%EOF\n" % (entries.unparse(), start)
    out.write(b"%PDF-1.7")
    out.write(memoryview(data)[8:])
    out.write(eol)
    out.write(update)


def _last_number(pdf: pikepdf.Pdf) -> int:
    """The highest object number in use (qpdf lists a null object as None)."""
    return max((obj.objgen[0] for obj in pdf.objects if isinstance(obj, pikepdf.Object)), default=0)


def _save(pdf: pikepdf.Pdf, out: io.BytesIO, deterministic: bool) -> None:
    pdf.save(out, min_version="1.7", deterministic_id=deterministic, fix_metadata_version=False,
             compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)


def _internal_check(findings: list[Any]) -> None:
    fatal = [f for f in findings if f.severity == "fatal"]
    if fatal:
        raise _refuse(fatal, "internal error: the Factur-X PDF written fails its own check, so it is not returned")


def _encode(data: bytes, level: int = 6) -> tuple[bytes, Any]:
    """Flate-encode ``data``; wrapped in ASCII85 if the zlib output ends with CR (its Adler-32)."""
    encoded = zlib.compress(data, level)
    if not encoded.endswith(b"\r"):
        return encoded, pikepdf.Name.FlateDecode
    return base64.a85encode(encoded) + b"~>", pikepdf.Array([pikepdf.Name.ASCII85Decode, pikepdf.Name.FlateDecode])


def _stream(pdf: pikepdf.Pdf, data: bytes) -> pikepdf.Stream:
    """A new stream holding ``data``, Flate-encoded here (the file is saved without compression)
    at zlib level 1: for invoice XML, a third of the time of the default level for about 15 %
    more bytes."""
    encoded, filters = _encode(data, 1)
    stream = pdf.make_stream(b"")
    stream.write(encoded, filter=filters, type_check=False)  # a Name or an Array of Names
    return stream


def _normalise_streams(pdf: pikepdf.Pdf) -> bool:
    """Re-encode LZW streams (forbidden, ISO 19005-3 6.1.7.2) and streams whose encoded data ends with CR.

    A CR at the end of the data, followed by the EOL before ``endstream``, reads as CR LF, and
    validators then find /Length one byte off (page-validation does). Both kinds are decoded and
    written again with Flate (plus ASCII85 when the zlib data itself ends with CR, which depends on
    the Adler-32 of the data only). Streams that cannot be decoded are left to the final check.
    The file is then saved without decoding or compressing any stream, so qpdf keeps these
    encodings (it would otherwise strip the ASCII85 layer and Flate-encode again). Returns
    whether a stream was written again.
    """
    todo = set()
    for obj in pdf.objects:  # one pass: what cr_ended_streams finds, and the LZW streams
        if isinstance(obj, pikepdf.Stream) and obj.objgen != (0, 0):
            try:
                raw = obj.read_raw_bytes()
            except (pikepdf.PdfError, RuntimeError, ValueError):
                raw = b""
            filters = obj.get("/Filter")
            names = list(filters) if isinstance(filters, pikepdf.Array) else [filters]
            if raw.endswith(b"\r") or pikepdf.Name.LZWDecode in names:
                todo.add("obj {} {}".format(*obj.objgen))
    for ref in sorted(todo):
        num, gen = (int(x) for x in ref.split()[1:])
        stream = pdf.get_object(num, gen)
        try:
            data = read_stream(stream, what="stream to re-encode")
        except StreamLimit:
            raise
        except PdfError:
            continue
        encoded, filters = _encode(data)
        stream.write(encoded, filter=filters)
        if "/DecodeParms" in stream:
            del stream["/DecodeParms"]
    return bool(todo)


def _drop_unused_fonts(pdf: pikepdf.Pdf) -> bool:
    """Take out of the resource dictionaries the fonts that are not embedded and with which no
    text is shown (reportlab leaves ``/F1 Helvetica`` and selects it once with ``Tf`` before the
    text in another font): a font that no operator names is removed; one that a ``Tf`` selects
    but that never shows a glyph is replaced by an embedded font of the same resources, so that
    the ``Tf`` stays valid (it draws nothing either way). PDF/A validators and ``pdffonts`` list
    such fonts as not embedded. Returns whether a resource was changed."""
    scan = ContentScan(pdf)
    scan.run()
    idle = {key: rec for key, rec in scan.fonts.items() if not (rec.embedded or rec.used or rec.shown)}
    if not idle:
        return False
    changed = False
    for _obj, _path, entries in iter_objects(pdf):
        fonts = entries.get("/Font")
        if not isinstance(fonts, pikepdf.Dictionary):
            continue
        keys = list(fonts.keys())
        recs = {k: scan.fonts.get(_font_key(fonts.get(k))) for k in keys}
        spare = next((fonts.get(k) for k, r in recs.items() if r is not None and r.embedded and r.subtype != "Type3"),
                     None)
        for key in keys:
            rec = recs[key]
            if rec is None or _font_key(fonts.get(key)) not in idle:
                continue
            if not rec.selected:
                del fonts[key]
                changed = True
            elif spare is not None:
                fonts[key] = spare
                changed = True
    return changed


def _font_key(font: Any) -> Any:
    if not isinstance(font, pikepdf.Dictionary):
        return None
    return font.objgen if font.objgen != (0, 0) else id(font)


def _print_flags(pdf: pikepdf.Pdf) -> bool:
    """Give annotations without any /F the Print flag (reportlab's links have none; ISO 19005-3 6.3.2).

    An /F that is present but lacks Print or sets Hidden/NoView is a choice of the author and is
    left to the check, which refuses it. Returns whether an annotation was changed.
    """
    changed = False
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            continue
        for annot in annots:
            if isinstance(annot, pikepdf.Dictionary) and "/F" not in annot and annot.get("/Subtype") != "/Popup":
                annot.F = 4
                changed = True
    return changed


def _output_intent(pdf: pikepdf.Pdf) -> None:
    """Add an sRGB GTS_PDFA1 OutputIntent unless the PDF has one (ISO 19005-3 6.2.3)."""
    intents = pdf.Root.get("/OutputIntents")
    if isinstance(intents, pikepdf.Array) and len(intents):
        if any(isinstance(i, pikepdf.Dictionary) and i.get("/S") == "/GTS_PDFA1" for i in intents):
            return  # kept as it is; the final check validates its profile
        raise PdfError("the page PDF has OutputIntents but none for PDF/A (GTS_PDFA1); adding an sRGB one "
                       "would break ISO 19005-3 6.2.3 (all intents share one profile)",
                       rule="PDFA-6.2.3-OUTPUTINTENT")
    encoded, names, description = _encoded_icc(_PACKAGED_ICC)
    profile = pdf.make_stream(b"")
    filters = [pikepdf.Name(n) for n in names]
    profile.write(encoded, filter=filters[0] if len(filters) == 1 else pikepdf.Array(filters), type_check=False)
    profile.N = 3
    intent = pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent,
        S=pikepdf.Name.GTS_PDFA1,
        OutputConditionIdentifier=pikepdf.String(_SRGB_ID),
        RegistryName=pikepdf.String("http://www.color.org"),
        Info=pikepdf.String(description),
        DestOutputProfile=profile,
    )
    pdf.Root.OutputIntents = pikepdf.Array([pdf.make_indirect(intent)])


def _attach(pdf: pikepdf.Pdf, xml: bytes, filename: str, relationship: str, level: str, moddate: str) -> None:
    ef = _stream(pdf, xml)
    ef.Type = pikepdf.Name.EmbeddedFile
    ef.Subtype = pikepdf.Name("/text/xml")
    _params(ef, xml, moddate)
    kind = "XRechnung invoice" if level == "XRECHNUNG" else f"Factur-X invoice, profile {level}"
    filespec = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Filespec,
        F=pikepdf.String(filename),
        UF=pikepdf.String(filename),
        Desc=pikepdf.String(kind),
        AFRelationship=pikepdf.Name("/" + relationship),
        EF=pikepdf.Dictionary(F=ef, UF=ef),
    ))
    root = pdf.Root
    af = root.get("/AF")
    if not isinstance(af, pikepdf.Array):
        af = root.AF = pikepdf.Array()
    af.append(filespec)
    if not isinstance(root.get("/Names"), pikepdf.Dictionary):
        root.Names = pikepdf.Dictionary()
    names = root.Names
    if isinstance(names.get("/EmbeddedFiles"), pikepdf.Dictionary):
        tree = pikepdf.NameTree(names.EmbeddedFiles)
    else:
        tree = pikepdf.NameTree.new(pdf)
        names.EmbeddedFiles = tree.obj
    try:
        tree[filename] = filespec
    except (pikepdf.PdfError, RuntimeError, ValueError, TypeError):
        raise PdfError("the page PDF's /Names /EmbeddedFiles name tree is damaged: the invoice cannot be added to it "
                       "(ISO 32000-1 7.9.6)", rule="FX-PDF-DAMAGED") from None


def _metadata(pdf: pikepdf.Pdf, facts: _Invoice, level: str, filename: str, when: _dt.datetime, *,
              title: str | None, author: str | None, subject: str | None, keywords: str | None,
              creator: str | None) -> None:
    from facturx_engine import __version__

    kind = _DOC_KINDS.get(facts.type_code or "", "Invoice")
    number = facts.number or "?"
    seller = facts.seller or "unknown seller"
    issued = facts.issue_date().strftime("%Y-%m-%d") if facts.issue else "?"
    values = {
        "title": _clean_text(title if title is not None else f"{kind} {number}"),
        "author": _clean_text(author if author is not None else seller),
        "subject": _clean_text(subject if subject is not None else f"{kind} {number} dated {issued} from {seller}"),
        "keywords": _clean_text(keywords if keywords is not None else f"Factur-X, {level}, invoice"),
        "creator": _clean_text(creator if creator is not None else "facturx_engine"),
        "producer": f"facturx_engine {__version__} (pikepdf {pikepdf.__version__})",
    }
    xmp = _xmp_packet(when=when, filename=filename, level=level, **values)
    pdf.Root.Metadata = pdf.make_stream(xmp, Type=pikepdf.Name.Metadata, Subtype=pikepdf.Name.XML)
    date = pikepdf.String(_pdf_date(when))
    info = pdf.make_indirect(pikepdf.Dictionary(
        Title=pikepdf.String(values["title"]),
        Author=pikepdf.String(values["author"]),
        Subject=pikepdf.String(values["subject"]),
        Keywords=pikepdf.String(values["keywords"]),
        Creator=pikepdf.String(values["creator"]),
        Producer=pikepdf.String(values["producer"]),
        CreationDate=date,
        ModDate=date,
    ))
    pdf.trailer.Info = info


# --------------------------------------------------------------------------- to_facturx


def to_facturx(
    doc: Any,
    profile: Profile | str = Profile.EN16931,
    *,
    template: Any = None,
    pdf: bytes | None = None,
    af_relationship: str | None = None,
    deterministic: bool = False,
    xml: bytes | None = None,
    validate_xml: bool = True,
) -> bytes:
    """A PDF/A-3B Factur-X file for an invoice or credit note.

    The XML is ``xml`` if given, else :func:`~facturx_engine.syntax.cii.to_cii` ``(doc, profile)``; the page
    is ``pdf`` if given, else ``facturx_engine.pdf.render.layout.render(doc, template)``. The Factur-X level
    written to the XMP always follows the XML's BT-24 (an XRechnung specification id gives
    XRECHNUNG and ``xrechnung.xml``). Then :func:`embed`, which validates the XML (XSD and
    Schematron, most of the time taken here) unless ``validate_xml=False``: for a caller that
    has just validated these very bytes itself, so that they are not validated twice. The PDF/A
    and Factur-X checks of the result are never skipped.
    """
    if xml is None:
        from facturx_engine.syntax.cii import to_cii

        xml = to_cii(doc, profile)
    if pdf is None:
        from facturx_engine.pdf.render.layout import (
            render,  # written separately; imported only when needed
        )

        pdf = render(doc, template)
    return embed(pdf, xml, af_relationship=af_relationship, deterministic=deterministic, validate_xml=validate_xml)


# --------------------------------------------------------------------------- extract


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
        with pdf, _damage_is_error("the PDF"):
            return run(pdf)


def _extract(pdf: pikepdf.Pdf) -> tuple[bytes, str | None]:
    _, xmp = read_xmp(pdf)
    found = find_invoice(pdf, attachments(pdf), xmp)
    if not found:
        names = [a.name for a in attachments(pdf)]
        raise PdfError("no invoice XML is embedded (looked for " + ", ".join(INVOICE_FILENAMES)
                       + f"; embedded files: {names or 'none'}) [Factur-X 1.07, name of the embedded invoice]",
                       rule="FX-INVOICE-MISSING")
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
                                 if exc.rule == "FX-LIMIT-STREAM" else "not read: the streams of the file decoded "
                                 "so far reach the engine's limit for one file")
                continue
            if data != xml:
                out[att.name] = f"{len(data)} bytes"
        return out

    result: dict[str, str] = _guard(sizes, pdf_bytes)
    return result


def extract_all(pdf_bytes: bytes) -> dict[str, bytes]:
    """Every embedded file, ``{name: bytes}`` (name-tree key, else /UF, else /F).

    Each file decodes to at most 64 MiB, and all of them together to at most 256 MiB
    (:mod:`facturx_engine.pdf.limits`); beyond, :class:`~facturx_engine.errors.PdfError`
    (``FX-LIMIT-STREAM`` / ``FX-LIMIT-TOTAL``) names the file."""
    result: dict[str, bytes] = _guard(lambda pdf: {att.name: att.data() for att in attachments(pdf)}, pdf_bytes)
    return result
