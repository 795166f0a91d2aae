"""Factur-X / ZUGFeRD hybrid PDFs: embed a CII invoice into a PDF/A-3B file.

* :func:`to_facturx` - invoice -> CII XML (:func:`~facturx_engine.syntax.cii.to_cii`) -> page
  (``facturx_engine.pdf.render.layout.render``, or the ``pdf`` given) -> :func:`embed`.
* :func:`embed` - brings an existing PDF to PDF/A-3B with the invoice attached, or refuses with a
  :class:`~facturx_engine.errors.PdfError` naming each violation it cannot repair. Every output
  goes through the checks of :func:`~facturx_engine.pdf.check.check_pdf` (``strict=True``) before it
  is returned, the object-model ones on the objects about to be saved and the file-structure
  ones on the saved bytes (see :func:`embed`): a file that fails a check is never returned.

Reading it back is :mod:`facturx_engine.pdf.extract`.

How the file is written (:mod:`facturx_engine.pdf.save`): a page that needs no repair and changes
only in its catalog (the pages of ``facturx_engine.pdf.render.layout.render`` are such pages) keeps
its bytes; embed appends its objects (OutputIntent, XMP, embedded file, Info, the new catalog) as
one incremental update (ISO 32000-1 7.5.6, allowed by PDF/A) and sets the header to ``%PDF-1.7``
in place. A stream whose encoded data ends with CR is no reason to write the whole file: it is
encoded again and goes into the update (its old data stays in the page's bytes, unreferenced).
Any other page is written whole by qpdf. Both kinds go through the same checks; an update that
fails the file-structure checks is replaced by the whole file.

Messages name the requirement they rest on: a clause of ISO 19005-3 (PDF/A-3) or ISO 32000-1
(PDF 1.7), or the Factur-X 1.07 specification.

Damaged input: whatever the bytes, :func:`embed` and :func:`to_facturx` raise
:class:`~facturx_engine.errors.PdfError` (or the errors of the XML side:
:class:`~facturx_engine.errors.ValidationFailed`...), never another exception. Every stream is
read with the caps of :mod:`facturx_engine.pdf.limits` (64 MiB for one stream, 16 MiB for the
invoice XML, 256 MiB for all the streams of one call, qpdf's own decoding limits while the file
is open): a stream over a cap is refused by name (``FX-LIMIT-STREAM``), never inflated whole. A
file holding more objects than the engine reads (1,000,000 items of arrays and dictionaries,
counted on its bytes before qpdf parses any) is refused the same way (``FX-LIMIT-OBJECTS``).

What :func:`embed` repairs (:mod:`facturx_engine.pdf.repair`): an old header (written as
``%PDF-1.7``), a missing trailer /ID, no OutputIntent (an sRGB one is added, see
:func:`~facturx_engine.pdf.repair.srgb_icc`), the XMP (always replaced by an uncompressed packet:
PDF/A-3B identification, Dublin Core / XMP / PDF properties equal to the rewritten Info
dictionary, the Factur-X extension schema and ``fx`` properties), the Info dictionary
(rewritten), data after ``%%EOF`` and reportlab's missing EOL before ``endstream`` (the file is
re-serialised by qpdf), LZW streams and streams whose encoded data ends with a CR byte
(validators read that CR as part of the EOL before ``endstream`` and find /Length one byte off):
both are decoded and written again with Flate, annotations without flags (they get Print, as
reportlab's links need), a previous invoice attachment (replaced), and other attachments
(associated through the catalog /AF, given /UF, a Name /AFRelationship, a MIME /Subtype and
correct /Params when missing).

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

import datetime as _dt
import io
import re
from typing import Any

import pikepdf
from lxml import etree

from facturx_engine import ruleids as R
from facturx_engine.errors import PdfError
from facturx_engine.model.codes import XRECHNUNG_LEVEL, Profile
from facturx_engine.model.records import Document
from facturx_engine.pdf.check import check_file_structure, check_model, known_xml
from facturx_engine.pdf.limits import bounded
from facturx_engine.pdf.primitives import (
    AF_RELATIONSHIPS,
    INVOICE_FILENAMES,
    LEVELS,
    damage_is_error,
    guideline_of,
    level_of_guideline,
    local_children,
    open_pdf,
    parse_xml,
)
from facturx_engine.pdf.repair import (
    drop_unused_fonts,
    fix_other_attachments,
    normalise_streams,
    output_intent,
    print_flags,
    remove_invoices,
    write_params,
)
from facturx_engine.pdf.save import last_number, new_stream, save, save_update, update_base
from facturx_engine.pdf.xmp import xmp_packet
from facturx_engine.pdf.render.template import Template  # light: no reportlab until a page is drawn
from facturx_engine.version import __version__

__all__ = ["embed", "to_facturx"]

_FALLBACK_DATE = _dt.datetime(2000, 1, 1, tzinfo=_dt.UTC)
_DOC_KINDS = {
    "381": "Credit note", "384": "Corrected invoice", "386": "Prepayment invoice",
    "389": "Self-billed invoice", "261": "Self-billed credit note",
}


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
    if text.upper().replace(" ", "") == XRECHNUNG_LEVEL:
        return XRECHNUNG_LEVEL
    try:
        return Profile.parse(text).value
    except ValueError:
        raise PdfError(f"unknown profile {profile!r}; expected one of {', '.join(LEVELS)}") from None


def _pdf_date(when: _dt.datetime) -> str:
    return when.strftime("D:%Y%m%d%H%M%S+00'00'")


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

        validate(xml, factur_x=True).raise_for_errors()

    data = bytes(pdf_bytes) if isinstance(pdf_bytes, (bytes, bytearray, memoryview)) else pdf_bytes
    with bounded(), damage_is_error("the page PDF"):
        return _embed_into(data, xml, facts, level, filename, af_relationship, deterministic,
                           dict(title=title, author=author, subject=subject, keywords=keywords, creator=creator))


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
                           rule=R.PDFA_6_1_3_ENCRYPT)
        if pdf.pdf_version.startswith("2"):
            raise PdfError(f"the page PDF is PDF {pdf.pdf_version}; PDF/A-3 is based on PDF 1.7 and cannot carry "
                           "PDF 2.0 content (ISO 19005-3 6.1.2)", rule=R.PDFA_6_1_2_HEADER)
        when = facts.issue_date() if deterministic else _dt.datetime.now(_dt.UTC).replace(microsecond=0)
        root = pdf.Root
        # whether embed's changes can be written as an update after the bytes of the page (see
        # save_update): it must change no object of the page but the catalog and the streams
        # encoded again because their data ended with CR (they go into the update too)
        plain = "/Names" not in root and "/AF" not in root and root.objgen != (0, 0)
        last = last_number(pdf)  # objects added from here on are embed's
        output_intent(pdf)
        changed, lzw = normalise_streams(pdf)  # LZW is repairable: re-encode it before judging the content
        plain &= not lzw
        plain &= not print_flags(pdf)
        moddate = _pdf_date(when)
        remove_invoices(pdf)
        plain &= not fix_other_attachments(pdf, moddate)
        _attach(pdf, xml, filename, af_relationship, level, moddate)
        _metadata(pdf, facts, level, filename, when, title=title, author=author, subject=subject,
                  keywords=keywords, creator=creator)
        # The checks, once each: check_model (objects, content streams, stream data, XMP, Info,
        # attachments) runs here on the objects about to be saved, check_file_structure (header,
        # /ID, xref, %%EOF, stream EOLs) after the save on the bytes; together they are exactly
        # check_pdf(strict=True), which pdf.check builds from the same parts. Checking the object
        # model instead of parsing the saved file again is sound because the save copies every
        # object and stream as it is (nothing decoded or compressed: qpdf renumbers objects,
        # recomputes /Length, writes header, /ID and xref, and drops unreachable objects, which
        # were checked too and can only have refused more; the update of save_update writes the
        # catalog, the streams encoded again and embed's objects as they are and leaves every
        # other byte of the page PDF, which qpdf read to build this model, as it was; the old data
        # of a stream encoded again stays there, unreferenced). The object and content findings are
        # the page's own (refused as such); any other is embed's fault (internal error). The tests
        # keep the full check_pdf(strict=True) on every output and test these claims
        # (test_self_check_halves_are_check_pdf, test_self_check_before_save_sees_the_saved_file,
        # test_embed_writes_an_update_after_our_own_page).
        with known_xml({xml: facts.root}):
            problems, written = check_model(pdf)
            if any(f.rule == R.FX_FONT_UNUSED for f in problems) and drop_unused_fonts(pdf):
                plain = False
                problems, written = check_model(pdf)
        if problems:
            raise _refuse(problems, "the page PDF cannot be made PDF/A-3B")
        _internal_check(written)
        xref = update_base(pdf, data) if plain and update else None
        out = io.BytesIO()
        if xref is not None:
            save_update(pdf, out, data, xref, last, tuple(changed))
        else:
            # qpdf must neither decode nor (re)compress: the streams written here are already encoded,
            # the XMP must stay uncompressed, and compressing again would undo normalise_streams.
            save(pdf, out, deterministic)
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


def _internal_check(findings: list[Any]) -> None:
    fatal = [f for f in findings if f.severity == "fatal"]
    if fatal:
        raise _refuse(fatal, "internal error: the Factur-X PDF written fails its own check, so it is not returned")


def _attach(pdf: pikepdf.Pdf, xml: bytes, filename: str, relationship: str, level: str, moddate: str) -> None:
    ef = new_stream(pdf, xml)
    ef.Type = pikepdf.Name.EmbeddedFile
    ef.Subtype = pikepdf.Name("/text/xml")
    write_params(ef, xml, moddate)
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
                       "(ISO 32000-1 7.9.6)", rule=R.FX_PDF_DAMAGED) from None


def _metadata(pdf: pikepdf.Pdf, facts: _Invoice, level: str, filename: str, when: _dt.datetime, *,
              title: str | None, author: str | None, subject: str | None, keywords: str | None,
              creator: str | None) -> None:
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
    xmp = xmp_packet(when=when, filename=filename, level=level, **values)
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
    doc: Document,
    profile: Profile | str | None = None,
    *,
    template: Template | None = None,
    pdf: bytes | None = None,
    af_relationship: str | None = None,
    deterministic: bool = False,
    xml: bytes | None = None,
    validate_xml: bool = True,
    spec: str | None = None,
) -> bytes:
    """A PDF/A-3B Factur-X file for an invoice or credit note.

    The XML is ``xml`` if given, else :func:`~facturx_engine.syntax.cii.to_cii` ``(doc, profile, spec=spec)``
    (``spec``: a target specification, :mod:`facturx_engine.model.specs`; then ``profile`` may be None); the page
    is ``pdf`` if given, else ``facturx_engine.pdf.render.layout.render(doc, template)``. The Factur-X level
    written to the XMP always follows the XML's BT-24 (an XRechnung specification id gives
    XRECHNUNG and ``xrechnung.xml``). Then :func:`embed`, which validates the XML (XSD and
    Schematron, most of the time taken here) unless ``validate_xml=False``: for a caller that
    has just validated these very bytes itself, so that they are not validated twice. The PDF/A
    and Factur-X checks of the result are never skipped.
    """
    if xml is None:
        from facturx_engine.syntax.cii import to_cii

        xml = to_cii(doc, profile, spec=spec)
    if pdf is None:
        from facturx_engine.pdf.render.layout import (
            render,  # written separately; imported only when needed
        )

        pdf = render(doc, template)
    return embed(pdf, xml, af_relationship=af_relationship, deterministic=deterministic, validate_xml=validate_xml)
