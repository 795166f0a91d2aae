"""Shared PDF primitives of the pdf stage: what :mod:`~facturx_engine.pdf.check`, the check parts
(:mod:`facturx_engine.pdf.checks`), :mod:`~facturx_engine.pdf.embed` and :mod:`~facturx_engine.pdf.extract`
all read a PDF with.

* the Factur-X container facts: the ``fx`` XMP namespace and its properties, the conformance
  levels, the invoice file names, the ``/AFRelationship`` values, BT-24 -> level
  (:func:`level_of_guideline`);
* the clauses a message rests on (:data:`CLAUSES`, :func:`cite`);
* PDF values read defensively (a value of an unexpected type is None or a default, never an
  exception): :func:`name_of`, :func:`text_of`, :func:`number`, :func:`integer`, :func:`is_true`,
  :func:`show`, :func:`ref_note`;
* :func:`open_pdf` (within the limits of :mod:`facturx_engine.pdf.limits`), :func:`parse_xml` for
  untrusted XML, :func:`iter_objects` (every dictionary and stream once), :func:`icc_problem`;
* damage: :data:`DAMAGE`, what pikepdf raises on a damaged object graph, and
  :func:`damage_is_error`, which turns it into a :class:`~facturx_engine.errors.PdfError`.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pikepdf
from lxml import etree

from facturx_engine import ruleids as R
from facturx_engine.errors import PdfError
from facturx_engine.model.codes import GUIDELINES, XRECHNUNG_LEVEL, Profile, known_guideline
from facturx_engine.pdf.limits import bounded, count_objects, objref, refuse_lzw_structure

__all__ = [
    "AF_RELATIONSHIPS",
    "FX_NAMESPACE",
    "INVOICE_FILENAMES",
    "LEVELS",
    "legacy_level_of",
    "level_of_guideline",
    "open_pdf",
]

# --------------------------------------------------------------------------- Factur-X container facts

FX_NAMESPACE = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
"""Namespace of the Factur-X XMP properties, trailing ``#`` included (Factur-X 1.07)."""
LEGACY_NAMESPACES = {
    "urn:zugferd:pdfa:CrossIndustryDocument:invoice:2p0#": "ZUGFeRD 2.0",
    "urn:ferd:pdfa:CrossIndustryDocument:invoice:1p0#": "ZUGFeRD 1.0",
}
FX_PROPERTIES = ("DocumentFileName", "DocumentType", "Version", "ConformanceLevel")
LEVELS = (*(p.value for p in Profile), XRECHNUNG_LEVEL)
"""Allowed ``fx:ConformanceLevel`` values (Factur-X 1.07)."""
LEGACY_LEVELS = tuple(g.legacy_level for g in GUIDELINES if g.legacy_level)  # ZUGFeRD 1.0

INVOICE_FILENAMES = ("factur-x.xml", "xrechnung.xml", "zugferd-invoice.xml", "ZUGFeRD-invoice.xml")
"""Names of the invoice XML, most recent first (Factur-X 1.07, ZUGFeRD 2.0 and 1.0)."""
CURRENT_FILENAMES = ("factur-x.xml", "xrechnung.xml")
INVOICE_NAMES = frozenset(n.lower() for n in INVOICE_FILENAMES)

AF_RELATIONSHIPS = ("Data", "Source", "Alternative", "Supplement", "Unspecified")
"""``/AFRelationship`` values of ISO 19005-3 6.8."""

def level_of_guideline(guideline: str | None) -> str | None:
    """The ``fx:ConformanceLevel`` for a BT-24 value (:func:`~facturx_engine.model.codes.known_guideline`:
    the identifiers of Factur-X 1.07, ZUGFeRD 2.x and 1.0, every XRechnung id), or None when it is not a known one."""
    known = known_guideline(guideline)
    return None if known is None else known.level


def legacy_level_of(guideline: str | None) -> str | None:
    """The level a ZUGFeRD 1.0 XMP may state for that BT-24 instead of :func:`level_of_guideline` (or None)."""
    known = known_guideline(guideline)
    return None if known is None else known.legacy_level


INTENTS = frozenset({"RelativeColorimetric", "AbsoluteColorimetric", "Perceptual", "Saturation"})
"""The standard rendering intents (ISO 19005-3 6.2.6)."""


# --------------------------------------------------------------------------- clauses


CLAUSES: dict[int | str, str] = {
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


def cite(item: int | str, message: str = "") -> str:
    """`` [clause]`` for a message, unless the message already names that clause."""
    clause = CLAUSES.get(item)
    if clause is None or clause in message:
        return ""
    if re.split(r"[;,]", clause)[0].strip() in message:
        return ""
    return f" [{clause}]"


# --------------------------------------------------------------------------- PDF values


def name_text(value: Any) -> str:
    """The text of a pikepdf Name, ``"/Foo"``; a name that is not UTF-8 keeps its ``#xx`` escapes
    (``"/x#FF"``) instead of failing as ``str()`` does."""
    try:
        return str(value)
    except UnicodeDecodeError:
        return bytes(value.unparse()).decode("latin-1")


def name_of(value: Any) -> str | None:
    """``"/Foo"`` -> ``"Foo"`` for a pikepdf Name, else None."""
    if isinstance(value, pikepdf.Name):
        return name_text(value)[1:]
    return None


def show(value: Any) -> str:
    """A PDF value in a message: names and strings as text, anything else as its PDF syntax (at
    most 80 characters)."""
    text = text_of(value)
    if text is None:
        try:
            text = bytes(value.unparse()).decode("latin-1") if isinstance(value, pikepdf.Object) else repr(value)
        except (pikepdf.PdfError, RuntimeError, ValueError, TypeError):
            text = type(value).__name__
    return text if len(text) <= 80 else text[:77] + "..."


def number(value: Any) -> float | None:
    """A PDF number as a float, else None (a name, string, array... where a number belongs)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    try:
        return float(value)
    except (OverflowError, ValueError):
        return None


def integer(value: Any, default: int = 0) -> int:
    """A PDF integer (a real is truncated), else ``default``."""
    num = number(value)
    if num is None or num != num or abs(num) > 2**53:
        return default
    return int(num)


def is_true(value: Any) -> bool:
    """A PDF boolean true (pikepdf gives Python bools)."""
    return isinstance(value, bool) and value


def ref_note(obj: Any) -> str:
    """`` (obj N G)`` of an indirect object, else empty."""
    ref = objref(obj)
    return f" ({ref})" if ref else ""


def text_of(value: Any) -> str | None:
    if isinstance(value, pikepdf.String):
        try:
            return str(value)
        except UnicodeDecodeError:
            return bytes(value).decode("latin-1")
    if isinstance(value, pikepdf.Name):
        return name_text(value)[1:]
    return None


# --------------------------------------------------------------------------- opening, XML, objects


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
            + cite(13), rule=R.PDFA_6_1_3_ENCRYPT) from None
    except PdfError:
        raise
    except (pikepdf.PdfError, RuntimeError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        detail = qpdf_message(exc)  # qpdf names the in-memory stream by its address
        raise PdfError(f"{what} is not a readable PDF: {detail}") from None


_STREAM_NAME = re.compile(r"^stream <[^>]*>:\s*|\s*<_io\.BytesIO object at 0x[0-9a-fA-F]+>")


def qpdf_message(exc: BaseException) -> str:
    """The message of an error of qpdf without the name it gives an in-memory stream (its address)."""
    return _STREAM_NAME.sub("", str(exc))


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
    if n is not None and integer(n, -1) != comps:
        return f"the ICC stream says /N {show(n)} but the profile is {space.strip()} ({comps} components)"
    return None


# --------------------------------------------------------------------------- damage


DAMAGE = (pikepdf.PdfError, RuntimeError, ValueError, TypeError, AttributeError, KeyError, IndexError,
          UnicodeError, RecursionError, OverflowError, NotImplementedError)
"""What reading a damaged object graph raises through pikepdf: qpdf's errors, and Python's when an
object has another type than the one the PDF specification gives it (a /Type that is an array, a
name that is not UTF-8...). The checks catch them per part (:func:`~facturx_engine.pdf.check.check_pdf`) and report the
part as not checked, ``FX-PDF-DAMAGED``; :mod:`~facturx_engine.pdf.embed` and
:mod:`~facturx_engine.pdf.extract` turn them into :class:`PdfError` (:func:`damage_is_error`)."""
RERAISE_DAMAGE = False
"""Tests set it to see the exceptions the damage guards (the parts of ``check_pdf``,
:func:`damage_is_error`) would report."""


@contextlib.contextmanager
def damage_is_error(what: str) -> Iterator[None]:
    """A damaged object graph met inside the block becomes ``PdfError`` FX-PDF-DAMAGED naming ``what``."""
    try:
        yield
    except PdfError:
        raise
    except DAMAGE as exc:
        if RERAISE_DAMAGE:
            raise
        raise PdfError(f"{what} is damaged: {type(exc).__name__}: {str(exc)[:300]}",
                       rule=R.FX_PDF_DAMAGED) from None
