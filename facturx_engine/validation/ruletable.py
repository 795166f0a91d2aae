"""The generator of ``model/rules.tsv``, the one table of rule ids the engine reports (read by
:mod:`facturx_engine.model.rules`).

Run ``python -m facturx_engine.validation.ruletable`` to rewrite that table (``--check`` says whether
it is current; ``tests/test_rules.py`` runs the check). Two sources, nothing typed twice:

* the **official rules**: every assertion of the Schematron stylesheets the engine runs (the pinned,
  SHA-256-verified artefacts of :mod:`facturx_engine.artefacts`), with its flag, its text as the
  stylesheet states it and the business terms (BT/BG ids) that text names;
* the **Peppol BIS rules** the engine implements (:data:`facturx_engine.validation.peppol.RULES`,
  source ``peppol``);
* the **engine's own rules** (:data:`ENGINE_RULES`): what the engine checks itself and reports under
  its own ids -- ``FXE-*`` (reading, limits, batches), ``FX-*`` (the Factur-X requirements on the PDF
  container) and ``PDFA-<clause>-*`` (ISO 19005-3 clauses checked by :mod:`facturx_engine.pdf`).

Every rule id written as a literal anywhere in the package must be a key of the table
(``tests/test_rules.py``): a typo or an invented rule id fails the tests.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from lxml import etree

from facturx_engine import artefacts
from facturx_engine.codegen import regenerate
from facturx_engine.validation import peppol

__all__ = ["CITED_RULES", "ENGINE_RULES", "TARGET", "main", "official_rules", "source_text"]

TARGET = Path(__file__).resolve().parents[1] / "model" / "rules.tsv"

_SVRL = "http://purl.oclc.org/dsdl/svrl"
_XSL = "http://www.w3.org/1999/XSL/Transform"
_TERM_RE = re.compile(r"(?<![A-Za-z0-9])(B[TG]-\d+(?:-\d+)?)(?![0-9])")
_ID_PREFIX_RE = re.compile(r"^\s*\[[^\]]*\]\s*[-:]?\s*")


class _Rule(NamedTuple):
    id: str
    flag: str
    terms: tuple[str, ...]
    text: str
    sources: tuple[str, ...]


# The engine's own rules: (id, flag, business terms, what it says). The flag is the usual severity;
# some checks report a warning where a reader tolerates what a writer must never produce.
ENGINE_RULES: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    # reading, writing and the model
    ("FXE-NUMBER", "fatal", (), "A number outside the numeric policy (digits or exponent beyond what the engine accepts)."),
    ("FXE-DATE", "fatal", (), "A date that is not a calendar date, or a year outside 0001..9999."),
    ("FXE-TEXT", "fatal", (), "A text value that is not a string, or holds characters XML cannot carry."),
    ("FXE-VAT-ID", "warning", ("BT-31", "BT-48", "BT-63"), "A VAT identifier whose check digits are wrong for its country prefix."),
    ("FXE-DUE-DATE", "fatal", ("BT-9",), "The payment due date is before the invoice issue date."),
    ("FXE-MODEL", "fatal", (), "The data read cannot form an EN 16931 invoice (a model rule refused it)."),
    ("FXE-NOT-READ", "warning", (), "An element or attribute of the document that no business term reads: it is not carried."),
    ("FXE-NOT-REPRESENTABLE", "warning", (), "A value read that the target syntax or profile has no place for: it is not carried."),
    ("FXE-NOT-CARRIED", "warning", (), "A value or piece of content of the source that the converted document does not carry."),
    ("FXE-CURRENCY", "fatal", ("BT-5", "BT-6"), "An amount's currencyID is neither the invoice currency nor the VAT accounting currency."),
    ("FXE-TOTALS", "warning", ("BG-22",), "The totals the document states differ from the totals computed from its lines."),
    ("FXE-LINE-NET", "warning", ("BT-131",), "A stated line net amount differs from quantity x price - allowances + charges."),
    ("FXE-PROFILE", "fatal", ("BT-24",), "Data that the document's profile cannot carry."),
    ("FXE-SCOPE", "warning", ("BT-24",), "The document claims a rule set the engine does not check; the report says what was checked."),
    ("FXE-SAXON", "warning", (), "The Schematron processor reported a message while checking."),
    ("FXE-STDERR", "warning", (), "A check printed on the error output; the text is kept in the report."),
    ("FXE-PARSE", "fatal", (), "The file is not well-formed XML, or not XML the engine can read."),
    ("FXE-PDF", "fatal", (), "The PDF cannot be read."),
    ("FXE-PDF-XML", "fatal", (), "The invoice XML embedded in the PDF cannot be extracted."),
    ("FXE-SIZE", "fatal", (), "The file is larger than the configured input size limit."),
    ("FXE-IO", "fatal", (), "The file cannot be read (permissions, a broken link, a device)."),
    ("FXE-ARTEFACT", "fatal", (), "An official artefact is missing or altered: no verdict can be given."),
    ("FXE-NOT-INSTALLED", "fatal", (), "A rule set the document claims is not installed (facturx-engine artefacts "
                                       "install): no verdict under it."),
    ("FXE-CRASH", "fatal", (), "The check of this file failed inside the engine (memory, nesting); other files are unaffected."),
    ("FXE-ERROR", "fatal", (), "The file was refused with an error of the engine; the message says why."),
    ("FXE-EREPORT", "fatal", (), "A document or setting cannot enter a flux 10 e-reporting report (the message says "
                                 "why: no SIREN, no buyer identifier, goods or services unknown, ...)."),
    # the PDF container (Factur-X 1.0x specification, chapter on the PDF; item numbers in the messages)
    ("FX-LIMIT-STREAM", "fatal", (), "A PDF stream decodes beyond the per-stream limit; it was not inflated whole."),
    ("FX-LIMIT-TOTAL", "fatal", (), "The PDF's decoded streams together exceed the total limit."),
    ("FX-LIMIT-OBJECTS", "fatal", (), "The PDF has more objects, or deeper nesting, than the limit."),
    ("FX-LIMIT-CONTENT", "fatal", (), "A page's content holds more operators than the limit."),
    ("FX-PDF-DAMAGED", "fatal", (), "The PDF's object graph is damaged (a reference to nothing, a loop)."),
    ("FX-INVOICE-MISSING", "fatal", (), "No invoice XML is embedded (factur-x.xml, xrechnung.xml or a legacy name)."),
    ("FX-INVOICE-DUPLICATE", "fatal", (), "More than one embedded file claims to be the invoice."),
    ("FX-FILENAME", "fatal", (), "The invoice's file name is legacy, or differs between the file specification, the name tree and the XMP."),
    ("FX-NAMES-TREE", "fatal", (), "The invoice is not in the catalog's /Names /EmbeddedFiles name tree, or its keys are not sorted."),
    ("FX-FILESPEC-DESC", "warning", (), "The invoice's file specification has no /Desc."),
    ("FX-EF-UF", "warning", (), "The /EF dictionary has no /UF entry."),
    ("FX-EF-TYPE", "warning", (), "The embedded file stream's /Type is not /EmbeddedFile."),
    ("FX-EF-SUBTYPE", "warning", (), "The embedded invoice's /Subtype is not text/xml."),
    ("FX-EF-PARAMS", "warning", (), "The embedded file has no /Params dictionary."),
    ("FX-EF-SIZE", "fatal", (), "The embedded file's /Params /Size is missing or not an integer."),
    ("FX-EF-CHECKSUM", "fatal", (), "The embedded file's /Params /CheckSum is missing, not a string or not its MD5."),
    ("FX-EF-MODDATE", "warning", (), "The embedded file's /Params has no /ModDate."),
    ("FX-AFREL-PROFILE", "warning", (), "The AFRelationship does not fit the profile (Data for MINIMUM/BASIC WL, else Alternative)."),
    ("FX-XML-WELLFORMED", "fatal", (), "The embedded invoice is not well-formed XML."),
    ("FX-XML-ROOT", "fatal", (), "The embedded XML is not a CII CrossIndustryInvoice."),
    ("FX-XML-ENCODING", "warning", (), "The embedded XML declares an encoding other than UTF-8."),
    ("FX-XML-GUIDELINE", "warning", ("BT-24",), "The embedded XML's specification identifier is not one the engine knows."),
    ("FX-XMP-MISSING", "fatal", (), "The catalog has no XMP metadata stream."),
    ("FX-XMP-FILTER", "fatal", (), "The XMP metadata stream is compressed (PDF/A requires it readable)."),
    ("FX-XMP-XPACKET", "warning", (), "The XMP has no xpacket wrapper."),
    ("FX-XMP-NAMESPACE", "fatal", (), "The Factur-X XMP extension schema is missing or uses another namespace."),
    ("FX-XMP-FILENAME", "fatal", (), "The XMP DocumentFileName is missing or wrong."),
    ("FX-XMP-TYPE", "fatal", (), "The XMP DocumentType is not INVOICE."),
    ("FX-XMP-VERSION", "fatal", (), "The XMP Version is not one the Factur-X specification defines."),
    ("FX-XMP-LEVEL", "fatal", ("BT-24",), "The XMP ConformanceLevel is unknown or differs from the profile of the XML."),
    ("FX-INFO-XMP", "warning", (), "The document information dictionary disagrees with the XMP."),
    ("FX-FONT-UNUSED", "warning", (), "A font is declared on a page but never used (embed() drops it)."),
    # ISO 19005-3 (PDF/A-3) clauses
    ("PDFA-6.1.2-HEADER", "fatal", (), "6.1.2: the file header is not %PDF-1.n at offset 0."),
    ("PDFA-6.1.2-BINARY", "fatal", (), "6.1.2: the header is not followed by a comment of four bytes above 127."),
    ("PDFA-6.1.2-VERSION", "warning", (), "6.1.2: the PDF version is not one PDF/A-3 is based on."),
    ("PDFA-6.1.3-ID", "fatal", (), "6.1.3: the trailer has no file identifier /ID."),
    ("PDFA-6.1.3-ENCRYPT", "fatal", (), "6.1.3: the file is encrypted."),
    ("PDFA-6.1.3-EOF", "fatal", (), "6.1.3: data after the last %%EOF marker."),
    ("PDFA-6.1.4-XREF", "fatal", (), "6.1.4: the cross-reference table is malformed."),
    ("PDFA-6.1.7-LENGTH", "fatal", (), "6.1.7: a stream's /Length differs from its data."),
    ("PDFA-6.1.7-EOL", "warning", (), "6.1.7: stream keywords are not followed or preceded by an end of line."),
    ("PDFA-6.1.7-FILTER", "fatal", (), "6.1.7: a stream uses LZWDecode, an external file or a filter PDF/A forbids."),
    ("PDFA-6.2.2-CONTENT", "fatal", (), "6.2.2: a page content stream uses an operator or resource PDF/A forbids."),
    ("PDFA-6.2.3-OUTPUTINTENT", "fatal", (), "6.2.3: no PDF/A output intent, or output intents that differ."),
    ("PDFA-6.2.4.2-ICC", "fatal", (), "6.2.4.2: an ICC profile is invalid or of the wrong version."),
    ("PDFA-6.2.4.3-DEVICE", "fatal", (), "6.2.4.3: a device colour space with no matching output intent."),
    ("PDFA-6.2.5-EXTGSTATE", "fatal", (), "6.2.5: a graphics state uses TR, TR2, HTP or HTO."),
    ("PDFA-6.2.6-INTENT", "fatal", (), "6.2.6: a rendering intent that is not one of the four standard ones."),
    ("PDFA-6.2.8-IMAGE", "fatal", (), "6.2.8: an image with /Alternates, /OPI or /Interpolate true."),
    ("PDFA-6.2.9-XOBJECT", "fatal", (), "6.2.9: a PostScript XObject or a form with /OPI or /Subtype2 PS."),
    ("PDFA-6.2.10-GROUP", "fatal", (), "6.2.10: a transparency group without a colour space where one is needed."),
    ("PDFA-6.2.10-BLEND", "fatal", (), "6.2.10: a blend mode PDF/A does not list."),
    ("PDFA-6.2.11.4-EMBED", "fatal", (), "6.2.11.4: a font used for rendering is not embedded."),
    ("PDFA-6.3-ANNOT", "fatal", (), "6.3: an annotation of a forbidden type, hidden, or without an appearance."),
    ("PDFA-6.4-FORM", "fatal", (), "6.4: an interactive form with NeedAppearances true or actions."),
    ("PDFA-6.5-ACTION", "fatal", (), "6.5: an action of a forbidden type (Launch, Sound, Movie, ...)."),
    ("PDFA-6.5-JAVASCRIPT", "fatal", (), "6.5: JavaScript in the document."),
    ("PDFA-6.5.2-AA", "fatal", (), "6.5.2: an additional-actions (/AA) dictionary."),
    ("PDFA-6.6.2.1-METADATA", "fatal", (), "6.6.2.1: the catalog has no well-formed XMP metadata."),
    ("PDFA-6.6.2.3-EXTENSION", "fatal", (), "6.6.2.3: an XMP property outside the predefined schemas without an extension schema."),
    ("PDFA-6.6.4-PART", "fatal", (), "6.6.4: the XMP pdfaid:part is not 3."),
    ("PDFA-6.6.4-CONFORMANCE", "fatal", (), "6.6.4: the XMP pdfaid:conformance is not A, B or U."),
    ("PDFA-6.8-AF", "fatal", (), "6.8: an embedded file is not associated with the document (/AF)."),
    ("PDFA-6.8-AFREL", "fatal", (), "6.8: a file specification has no valid /AFRelationship."),
    ("PDFA-6.8-FILESPEC", "fatal", (), "6.8: a file specification lacks /F and /UF."),
    ("PDFA-6.8-SUBTYPE", "fatal", (), "6.8: an embedded file stream has no MIME /Subtype."),
    ("PDFA-6.9-OC", "fatal", (), "6.9: optional content configuration without /Name or with /AS."),
    ("PDFA-6.10-ALTPRES", "fatal", (), "6.10: alternate presentations (/AlternatePresentations)."),
    ("PDFA-6.11-REQ", "fatal", (), "6.11: a /Requirements key in the catalog."),
)


# Rules of rule sets the engine runs from a stylesheet installed per user (not scanned here), cited by the
# model's checks of what a specification requires (facturx_engine.model.specs). An artefact scanned here
# stating one of these ids makes the generator fail, so the entry is deleted then.
CITED_RULES: tuple[tuple[str, str, tuple[str, ...], str, str], ...] = (
    # what XRechnung 3.0 requires of a document written for it (the KoSIT stylesheets are installed per user,
    # not scanned here; the XRechnung stylesheets also state R001, R010 and R020 above)
    ("BR-DE-1", "fatal", ("BG-16",), "XRechnung: an invoice carries payment instructions.", "xrechnung-cited"),
    ("BR-DE-2", "fatal", ("BG-6",), "XRechnung: the seller contact is required.", "xrechnung-cited"),
    ("BR-DE-3", "fatal", ("BT-37",), "XRechnung: the seller city is required.", "xrechnung-cited"),
    ("BR-DE-4", "fatal", ("BT-38",), "XRechnung: the seller post code is required.", "xrechnung-cited"),
    ("BR-DE-5", "fatal", ("BT-41",), "XRechnung: the seller contact point is required.", "xrechnung-cited"),
    ("BR-DE-6", "fatal", ("BT-42",), "XRechnung: the seller contact telephone number is required.", "xrechnung-cited"),
    ("BR-DE-7", "fatal", ("BT-43",), "XRechnung: the seller contact email address is required.", "xrechnung-cited"),
    ("BR-DE-8", "fatal", ("BT-52",), "XRechnung: the buyer city is required.", "xrechnung-cited"),
    ("BR-DE-9", "fatal", ("BT-53",), "XRechnung: the buyer post code is required.", "xrechnung-cited"),
    ("BR-DE-10", "fatal", ("BT-77", "BG-15"), "XRechnung: a deliver-to address has its city.", "xrechnung-cited"),
    ("BR-DE-11", "fatal", ("BT-78", "BG-15"), "XRechnung: a deliver-to address has its post code.", "xrechnung-cited"),
    ("BR-DE-14", "fatal", ("BT-119",), "XRechnung: every VAT breakdown states its rate.", "xrechnung-cited"),
    ("BR-DE-15", "fatal", ("BT-10",), "XRechnung: the buyer reference is required.", "xrechnung-cited"),
    ("BR-DE-22", "fatal", ("BT-125-2",), "XRechnung: the file names of the attachments differ.", "xrechnung-cited"),
    ("BR-DE-24-a", "fatal", ("BT-81", "BG-18"), "XRechnung: payment means 48, 54 or 55 come with the payment card.",
     "xrechnung-cited"),
    ("BR-DE-25-a", "fatal", ("BT-81", "BG-19"), "XRechnung: payment means 59 come with the direct debit.",
     "xrechnung-cited"),
    ("BR-DE-23-b", "fatal", ("BT-81", "BG-18", "BG-19"), "XRechnung: payment means 30 or 58 come with no payment "
     "card and no direct debit.", "xrechnung-cited"),
    ("BR-DE-24-b", "fatal", ("BT-81", "BG-17", "BG-19"), "XRechnung: payment means 48, 54 or 55 come with no credit "
     "transfer and no direct debit.", "xrechnung-cited"),
    ("BR-DE-25-b", "fatal", ("BT-81", "BG-17", "BG-18"), "XRechnung: payment means 59 come with no credit transfer "
     "and no payment card.", "xrechnung-cited"),
    ("BR-DE-30", "fatal", ("BG-19", "BT-90"), "XRechnung: a direct debit states the bank assigned creditor "
     "identifier.", "xrechnung-cited"),
    ("BR-DE-31", "fatal", ("BG-19", "BT-91"), "XRechnung: a direct debit states the debited account.",
     "xrechnung-cited"),
    # the French lifecycle status rules (BR-FR-CDV Schematron of pyfrctc, installed per user, not scanned here;
    # tests/test_cdar.py checks that these are the ids of the installed stylesheet, with their flags)
    ("BR-FR-04_MDT-91", "fatal", (), "The type code of the referenced invoice (MDT-91) is one the French rules "
     "accept.", "cdar-cited"),
    ("BR-FR-CDV-01_MDG-3", "fatal", (), "The message states its specification identifier (MDG-3).", "cdar-cited"),
    ("BR-FR-CDV-02_MDT-3", "fatal", (), "The specification identifier (MDT-3) is urn.cpro.gouv.fr:1p0:CDV:invoice, or "
     "the einvoicingF2 one when the only recipient is the public portal.", "cdar-cited"),
    ("BR-FR-CDV-03_MDT-4", "fatal", (), "The message has an identifier (MDT-4).", "cdar-cited"),
    ("BR-FR-CDV-04_MDG-4", "fatal", (), "The message has an issue date-time (MDG-4).", "cdar-cited"),
    ("BR-FR-CDV-05_MDG-9", "fatal", (), "The message has a sender (MDG-9).", "cdar-cited"),
    ("BR-FR-CDV-06_MDT-21", "fatal", (), "The sender has a role (MDT-21).", "cdar-cited"),
    ("BR-FR-CDV-07_MDT-38_yes", "fatal", (), "In the processing phase (MDT-77 = 23) the issuer has an identifier "
     "(MDT-38).", "cdar-cited"),
    ("BR-FR-CDV-07_MDT-38_no", "fatal", (), "In the transmission phase (MDT-77 = 305) the issuer has no identifier "
     "(MDT-38).", "cdar-cited"),
    ("BR-FR-CDV-08_MDT-73", "fatal", (), "A recipient whose role is not WK or DFH has an electronic address "
     "(MDT-73).", "cdar-cited"),
    ("BR-FR-CDV-09_MDT-77", "fatal", (), "The phase (MDT-77) is 23 (processing) or 305 (transmission).", "cdar-cited"),
    ("BR-FR-CDV-10_MDT-87", "fatal", (), "The referenced invoice has its number (MDT-87).", "cdar-cited"),
    ("BR-FR-CDV-11_MDG-35", "fatal", (), "The referenced invoice has its issue date (MDG-35), except for status "
     "501.", "cdar-cited"),
    ("BR-FR-CDV-12_MDT-105", "fatal", (), "The status code (MDT-105) is present.", "cdar-cited"),
    ("BR-FR-CDV-13_MDT-129", "fatal", (), "The seller of the referenced invoice has its identifier (MDT-129), except "
     "for status 501.", "cdar-cited"),
    ("BR-FR-CDV-14_MDT-207", "fatal", (), "A payment received (212) states each amount received (MEN) with its VAT "
     "rate.", "cdar-cited"),
    ("BR-FR-CDV-15_MDT-113", "fatal", (), "Statuses 206, 207, 208, 210, 213 and 501 carry a reason "
     "(MDT-113).", "cdar-cited"),
    ("BR-FR-CDV-16_MDT-124-2", "fatal", (), "Each status detail (MDG-37) has its sequence number "
     "(MDT-124-2).", "cdar-cited"),
    ("BR-FR-CDV-CL-01_MDT-2", "fatal", (), "The business process (MDT-2) is one of the French list (at most 3 "
     "characters for the public portal).", "cdar-cited"),
    ("BR-FR-CDV-CL-02_MDT-21_305", "fatal", (), "In the transmission phase (305) the sender's role (MDT-21) is "
     "WK.", "cdar-cited"),
    ("BR-FR-CDV-CL-02_MDT-21_23", "fatal", (), "In the processing phase (23) the sender's role (MDT-21) is one of the "
     "French list.", "cdar-cited"),
    ("BR-FR-CDV-CL-03_MDT-40_305", "fatal", (), "In the transmission phase (305) the issuer's role (MDT-40) is "
     "WK.", "cdar-cited"),
    ("BR-FR-CDV-CL-03_MDT-40_23", "fatal", (), "In the processing phase (23) the issuer's role (MDT-40) is one of the "
     "French list.", "cdar-cited"),
    ("BR-FR-CDV-CL-04_MDT-59", "fatal", (), "A recipient's role (MDT-59) is one of the French list.", "cdar-cited"),
    ("BR-FR-CDV-CL-05_MDT-88_305", "fatal", (), "In the transmission phase (305) the document status code (MDT-88) is "
     "10, 51, 43, 8 or 48.", "cdar-cited"),
    ("BR-FR-CDV-CL-05_MDT-88_23", "fatal", (), "In the processing phase (23) the document status code (MDT-88) is 45, "
     "39, 37, 50, 49, 47, 46, 1 or 5.", "cdar-cited"),
    ("BR-FR-CDV-CL-06_MDT-105", "warning", (), "The status code (MDT-105) is one of the French list.", "cdar-cited"),
    ("BR-FR-CDV-CL-06_MDT-115", "warning", (), "A status detail's status code (MDT-115) is one of the French "
     "list.", "cdar-cited"),
    ("BR-FR-CDV-CL-07_MDT-132", "fatal", (), "The role of the seller of the referenced invoice (MDT-132) is "
     "SE.", "cdar-cited"),
    ("BR-FR-CDV-CL-08_MDT-158", "fatal", (), "The role of a recipient of the referenced invoice (MDT-158) is one of "
     "the French list.", "cdar-cited"),
    ("BR-FR-CDV-CL-09_MDT-113", "fatal", (), "The reason code (MDT-113) is one of the French list.", "cdar-cited"),
    ("BR-FR-CDV-CL-09_MDT-113_200", "fatal", (), "The reason of a deposited status (200) is "
     "NON_TRANSMISE.", "cdar-cited"),
    ("BR-FR-CDV-CL-09_MDT-113_213", "fatal", (), "The reason of a rejection (213) is one of the codes allowed for "
     "it.", "cdar-cited"),
    ("BR-FR-CDV-CL-09_MDT-113_210", "fatal", (), "The reason of a refusal (210) is one of the codes allowed for "
     "it.", "cdar-cited"),
    ("BR-FR-CDV-CL-09_MDT-113_210B2G", "fatal", (), "The reason of a refusal (210) sent by the public sector's "
     "platform is one of the codes allowed for it.", "cdar-cited"),
    ("BR-FR-CDV-CL-09_MDT-113_207", "fatal", (), "The reason of a dispute (207) is one of the codes allowed for "
     "it.", "cdar-cited"),
    ("BR-FR-CDV-CL-09_MDT-113_206", "fatal", (), "The reason of a partial approval (206) is one of the codes allowed "
     "for it.", "cdar-cited"),
    ("BR-FR-CDV-CL-09_MDT-113_208", "fatal", (), "The reason of a suspension (208) is one of the codes allowed for "
     "it.", "cdar-cited"),
    ("BR-FR-CDV-CL-09_MDT-113_221", "fatal", (), "The reason of a routing error (221) is ROUTAGE_ERR.", "cdar-cited"),
    ("BR-FR-CDV-CL-09_MDT-113_501", "fatal", (), "The reason of an inadmissible invoice (501) is one of the IRR_ "
     "codes.", "cdar-cited"),
    ("BR-FR-CDV-CL-10_MDT-121", "fatal", (), "The requested action code (MDT-121) is one of the French "
     "list.", "cdar-cited"),
    ("BR-FR-CDV-CL-11_MDT-207", "fatal", (), "A characteristic's type code (MDT-207) is one of the French "
     "list.", "cdar-cited"),
    # the French e-reporting flux 10 Schematron (pyfrctc, installed per user, not scanned here): the rules the
    # engine reads itself (facturx_engine.validation.ereport)
    ("G6.22", "fatal", (), "Flux 10: the sender is a registered platform (scheme 0238, a 4-character registration "
     "number); not applicable when the declarant sends its own report.", "flux10-cited"),
    ("G7.51", "fatal", (), "Flux 10: the sender's role code is WK (registered platform); not applicable when the "
     "declarant sends its own report.", "flux10-cited"),
    ("G1.16", "fatal", (), "Flux 10: a price or encashed amount has at most 6 decimals and no minus sign (a known "
     "upstream defect for refunds, negative encashments).", "flux10-cited"),
)


def _text(assertion: etree._Element) -> str:
    text = "".join(assertion.findtext(f"{{{_SVRL}}}text") or "")
    return " ".join(text.split())


def _attribute(assertion: etree._Element, name: str) -> str | None:
    value = assertion.get(name)
    if value is not None:
        return value
    for attr in assertion.iter(f"{{{_XSL}}}attribute"):
        if attr.get("name") == name:
            return " ".join("".join(str(t) for t in attr.itertext()).split()) or None
    return None


def official_rules() -> dict[str, _Rule]:
    """Every assertion of the Schematron stylesheets the engine runs, by rule id (first text wins)."""
    rules: dict[str, _Rule] = {}
    for name, relative in sorted(artefacts.SCHEMATRON.items()):
        tree = etree.parse(str(artefacts.verified_path(relative)))
        for assertion in tree.iter(f"{{{_SVRL}}}failed-assert", f"{{{_SVRL}}}successful-report"):
            rule_id = _attribute(assertion, "id")
            if not rule_id:
                continue
            flag = (_attribute(assertion, "flag") or "fatal").lower()
            full = _text(assertion)
            text = _ID_PREFIX_RE.sub("", full)  # "[BR-CO-10]-Sum of ...": the id is the key already
            known = rules.get(rule_id)
            if known is None:
                terms = tuple(dict.fromkeys(_TERM_RE.findall(f"{rule_id} {full}")))
                rules[rule_id] = _Rule(rule_id, flag, terms, text, (name,))
            elif name not in known.sources:
                rules[rule_id] = known._replace(sources=(*known.sources, name))
    return rules


def _sort_key(rule_id: str) -> list[tuple[int, int | str]]:
    return [(0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[-.]", rule_id)]


def source_text() -> str:
    """The text of ``model/rules.tsv`` as the artefacts and :data:`ENGINE_RULES` make it."""
    official = official_rules()
    own = {r[0]: _Rule(r[0], r[1], r[2], r[3], ("facturx_engine",)) for r in ENGINE_RULES}
    own.update({r[0]: _Rule(r[0], r[1], r[2], r[3], (r[4],)) for r in CITED_RULES})
    clash = sorted(set(official) & set(own))
    if clash:
        raise ValueError(f"engine rule ids that an official Schematron also uses: {clash}")
    for r in peppol.RULES:  # implemented by the engine: a cited entry yields to it; an id that a Factur-X
        known = official.get(r.id)  # stylesheet also states (as a warning) keeps that row, sourced twice
        if known is not None:
            official[r.id] = known._replace(sources=(*known.sources, "peppol"))
        else:
            own[r.id] = _Rule(r.id, r.flag, r.terms(), " ".join(r.message.split()), ("peppol",))
    out = ["# Every rule id the engine reports. Generated by `python -m facturx_engine.validation.ruletable`",
           f"# from the Schematron stylesheets {', '.join(sorted(artefacts.SCHEMATRON))}",
           "# and the engine's own rules (declared there and in facturx_engine.validation.peppol); do not edit.",
           "id\tflag\tterms\tsources\ttext"]
    for rule in sorted([*official.values(), *own.values()], key=lambda r: _sort_key(r.id)):
        fields = (rule.id, rule.flag, " ".join(rule.terms), " ".join(rule.sources), rule.text)
        if any("\t" in f or "\n" in f for f in fields):
            raise ValueError(f"{rule.id}: a tab or a line break in the table would break it")
        out.append("\t".join(fields))
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m facturx_engine.validation.ruletable [--check]``: rewrite or check the rules table."""
    return regenerate(TARGET, source_text, "facturx_engine.validation.ruletable", argv)


if __name__ == "__main__":
    raise SystemExit(main())
