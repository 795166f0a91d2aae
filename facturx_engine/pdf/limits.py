"""Bounded reading of PDF input: every stream the engine decodes is inflated incrementally, with a cap.

A PDF of a few megabytes can hold a stream that inflates to gigabytes (a Flate stream of zeros
compresses about 1000:1, LZW about 1300:1). The engine never decodes such a stream whole: it
reads each stream through :func:`read_stream`, which decodes the filter chain itself, piece by
piece, and stops as soon as the output passes the cap, and it runs every pikepdf operation inside
:func:`bounded`, which sets qpdf's own decoding limits for what qpdf inflates by itself (cross-
reference and object streams when the file is opened or an object is read, content streams handed
to its parser, stream data it writes).

The caps (decoded bytes; the input of the engine is a PDF of at most a few megabytes):

* :data:`MAX_STREAM_BYTES` (64 MiB): any one stream the engine reads (embedded files, the XMP
  packet, ICC profiles); a larger one is reported as ``FX-LIMIT-STREAM`` (a fatal finding of
  :func:`~facturx_engine.pdf.check.check_pdf`, a :class:`~facturx_engine.errors.PdfError` elsewhere)
  naming the object, never decoded whole;
* :data:`MAX_XML_BYTES` (16 MiB): the embedded invoice XML (it is then parsed and validated);
* :data:`MAX_XMP_BYTES` (8 MiB): the XMP metadata packet (it is parsed as XML);
* :data:`MAX_CONTENT_BYTES` (1 MiB): a content stream (page, form XObject, pattern, Type 3
  glyph, annotation appearance) handed to qpdf's content parser, which needs about 280 bytes of
  memory per operator (``FX-LIMIT-CONTENT``);
* :data:`MAX_DECODED_TOTAL` (256 MiB): all the streams decoded by one call (``check_pdf``,
  ``embed``, ``extract``...), which bounds the time spent on a file that references one stream
  from many places (``FX-LIMIT-TOTAL``), and, apart, all the object and cross-reference streams the
  count of the objects decodes;
* qpdf, inside :func:`bounded`: Flate, RunLength, PNG and TIFF predictor and DCT decoding at most
  :data:`MAX_STREAM_BYTES` each, at most :data:`MAX_CONTAINER_ITEMS` items in one array or
  dictionary, at most :data:`MAX_PARSE_ERRORS` parse errors in one object. qpdf has no limit for
  LZW: a file whose cross-reference or object streams use LZW is refused before it is opened
  (:func:`refuse_lzw_structure`).

The objects (counted in items, not bytes): qpdf keeps every object it parses while the file is
open, and nothing in qpdf bounds their total. Measured with qpdf 12.4: about 140 bytes of memory
per item of an array (a number, a name, a string, an empty array), 220 per dictionary entry, 80
per cross-reference entry; 10 MB of ``[0 0 0 ...]`` become 700 MB, a 115 KB file whose catalog
sits in an object stream of 4.4 million numbers 1.5 GB, three million cross-reference entries in a
compressed stream 276 MB in qpdf (and 1.5 GB as pikepdf's table). qpdf parses some objects as soon
as it opens a file (trailers, cross-reference streams, the catalog and page tree with the object
stream holding them), so the engine counts them on the bytes before qpdf opens the file
(:func:`count_objects`, called by :func:`~facturx_engine.pdf.primitives.open_pdf`, which every
entry point opens a PDF with; how and why the count bounds what qpdf can parse, even in a damaged
file that qpdf repairs: :mod:`facturx_engine.pdf.scan`):

* :data:`MAX_OBJECT_ITEMS` (1,000,000): the items of all the objects of one file, each token of
  their syntax counted as one (a dictionary entry is two, a reference ``N G R`` three, a literal
  string one plus one per parenthesis nested in it), the objects of an object stream once its data
  is decoded (plus one per byte of their strings), one per entry of a cross-reference stream, one
  per 5 bytes of a cross-reference table. A file over it is not opened: a fatal ``FX-LIMIT-OBJECTS``
  finding of :func:`~facturx_engine.pdf.check.check_pdf`, which names the limit and still checks
  the bytes (header, binary comment, ``%%EOF``, stream EOLs), and :class:`ObjectLimit` (a
  :class:`~facturx_engine.errors.PdfError`, ``FX-LIMIT-OBJECTS``) from every other entry point
  (``extract``, ``extract_all``, ``from_pdf``, ``embed``, ``to_facturx`` with a page, ``convert``
  of a PDF). An invoice PDF holds a few thousand: the 27 FeRD samples 979 to 1,464, the engine's
  own Factur-X output 956 to 2,253 (500 lines), PDF manuals with object streams 14,000 to 20,000.
  A file just under the limit is read by every entry point within about 380 MB of peak memory
  (measured on the kinds of items that cost the most: ``convert`` 372 MB at most, whose own floor
  is 185 MB; ``check_pdf`` 240 MB; ``embed`` with the XML validation 355 MB), in seconds (the
  count takes about 0.5 s per million items).
* An object or cross-reference stream is decoded here from its bytes, at most
  :data:`MAX_STREAM_BYTES` each and :data:`MAX_DECODED_TOTAL` together (``FX-LIMIT-STREAM`` /
  ``FX-LIMIT-TOTAL``, refused as before); one the count cannot decode before qpdf opens the file
  (a filter other than FlateDecode, filters given by reference) is refused (``FX-LIMIT-OBJECTS``),
  and so is an encrypted file that keeps objects in object streams (``PDFA-6.1.3-ENCRYPT``: PDF/A
  forbids encryption).
* The count walks at most ``_pdfscan.SCAN_FACTOR`` (4) times the file's bytes: objects nested in
  the values of others, which qpdf would parse over and over, are refused (``FX-LIMIT-OBJECTS``).
* One rule lists at most :data:`~facturx_engine.pdf.checks.record.MAX_FINDINGS_PER_RULE` (100)
  findings in a report: a hostile file can break one rule in hundreds of thousands of objects.

Filters decoded here: FlateDecode, LZWDecode, RunLengthDecode, ASCIIHexDecode, ASCII85Decode
(abbreviations included). A stream with a predictor (``/DecodeParms /Predictor``) is measured
this way, then decoded by qpdf (a predictor never makes data longer). Other filters (image
codecs, Crypt) are not decoded: :func:`read_stream` raises :class:`PdfError`.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import pikepdf
import pikepdf.settings

from facturx_engine import ruleids as R
from facturx_engine.pdf.scan import SCAN_FACTOR, Counter, Head, Over, count_tokens
from facturx_engine.errors import PdfError

MiB = 1024 * 1024
MAX_STREAM_BYTES = 64 * MiB
"""Decoded size of any one stream the engine reads."""
MAX_XML_BYTES = 16 * MiB
"""Decoded size of the embedded invoice XML."""
MAX_XMP_BYTES = 8 * MiB
"""Decoded size of the XMP metadata packet (it is parsed as XML)."""
MAX_CONTENT_BYTES = 1 * MiB
"""Decoded size of one content stream handed to qpdf's content parser."""
MAX_DECODED_TOTAL = 256 * MiB
"""All the stream data decoded by one call of the engine."""
MAX_CONTAINER_ITEMS = 500_000
"""Items in one PDF array or dictionary (qpdf ``parser_max_container_size``)."""
MAX_PARSE_ERRORS = 15
"""Errors after which qpdf gives up parsing one object (qpdf ``parser_max_errors``, its default:
:mod:`facturx_engine.pdf.scan` relies on it)."""
MAX_OBJECT_ITEMS = 1_000_000
"""Items of all the objects of one PDF, counted on its bytes before qpdf parses them."""
_CHUNK = 1 * MiB  # raw bytes fed to a decoder at a time

_FILTERS = {
    "/FlateDecode": "flate", "/Fl": "flate", "/LZWDecode": "lzw", "/LZW": "lzw",
    "/RunLengthDecode": "rl", "/RL": "rl", "/ASCIIHexDecode": "hex", "/AHx": "hex",
    "/ASCII85Decode": "a85", "/A85": "a85",
}


class StreamLimit(PdfError):
    """A stream (or all the streams of one call) decodes to more than its cap."""


class ObjectLimit(PdfError):
    """The PDF holds more objects than the engine reads from one file (``FX-LIMIT-OBJECTS``)."""


class _Budget:
    def __init__(self, total: int) -> None:
        self.left = total


_BUDGET: ContextVar[_Budget | None] = ContextVar("_BUDGET", default=None)
_LOCK = threading.Lock()
_DEPTH = 0
_SAVED: dict[str, int | bool] = {}


def _qpdf_limits() -> dict[str, int]:
    return {
        "flate_max_memory": MAX_STREAM_BYTES, "run_length_max_memory": MAX_STREAM_BYTES,
        "png_max_memory": MAX_STREAM_BYTES, "tiff_max_memory": MAX_STREAM_BYTES,
        "dct_max_memory": MAX_STREAM_BYTES, "parser_max_container_size": MAX_CONTAINER_ITEMS,
        "parser_max_errors": MAX_PARSE_ERRORS,
    }


@contextmanager
def bounded() -> Iterator[None]:
    """Within the block: qpdf's decoding limits (module docstring) and one budget of
    :data:`MAX_DECODED_TOTAL` for :func:`read_stream` (an enclosing block's budget is kept).

    qpdf's limits are process-wide: they are set when the first block of the process starts (a
    limit already set lower by the application is kept) and restored when the last one ends."""
    global _DEPTH
    with _LOCK:
        if _DEPTH == 0:
            current = pikepdf.settings.get_qpdf_limits()
            wanted = {k: v for k, v in _qpdf_limits().items() if not 0 < int(current[k]) <= v}
            _SAVED.clear()
            _SAVED.update(pikepdf.settings.set_qpdf_limits(**wanted))  # type: ignore[arg-type]
        _DEPTH += 1
    token = _BUDGET.set(_BUDGET.get() or _Budget(MAX_DECODED_TOTAL))
    try:
        yield
    finally:
        _BUDGET.reset(token)
        with _LOCK:
            _DEPTH -= 1
            if _DEPTH == 0 and _SAVED:
                pikepdf.settings.set_qpdf_limits(**_SAVED)  # type: ignore[arg-type]
                _SAVED.clear()


def objref(obj: Any) -> str | None:
    """``obj N G`` of an indirect object, else None."""
    try:
        num, gen = obj.objgen
    except (AttributeError, TypeError, ValueError):
        return None
    return f"obj {num} {gen}" if num else None


def where(obj: Any) -> str:
    """``obj N G`` of an indirect object, else ``a direct object``."""
    return objref(obj) or "a direct object"


def _filters(stream: pikepdf.Object) -> tuple[list[str], list[Any]]:
    """The stream's filter names and their decode parameters (None where absent)."""
    f = stream.get("/Filter")
    names = list(f) if isinstance(f, pikepdf.Array) else [] if f is None else [f]
    p = stream.get("/DecodeParms", stream.get("/DP"))
    parms: list[Any] = list(p) if isinstance(p, pikepdf.Array) else [p] * len(names) if p is not None else []
    parms += [None] * (len(names) - len(parms))
    out = []
    for name in names:
        if not isinstance(name, pikepdf.Name):
            raise PdfError(f"the stream {where(stream)} has a /Filter that is not a name: {name!r}")
        out.append(str(name))
    return out, parms


def _predictor(parms: Any) -> bool:
    if not isinstance(parms, pikepdf.Dictionary):
        return False
    value = parms.get("/Predictor")
    return isinstance(value, int) and not isinstance(value, bool) and value > 1


def read_stream(stream: pikepdf.Object, *, cap: int = MAX_STREAM_BYTES, what: str = "stream") -> bytes:
    """The decoded data of ``stream``, decoded here with ``cap`` decoded bytes at most.

    Raises :class:`StreamLimit` (a :class:`PdfError`, rule ``FX-LIMIT-STREAM`` or
    ``FX-LIMIT-TOTAL``) past the cap or the budget of :func:`bounded`, and :class:`PdfError` for
    data that cannot be decoded (unknown or image filters, corrupt data)."""
    label = f"the {what} ({where(stream)})"
    if not isinstance(stream, pikepdf.Stream):
        raise PdfError(f"{label} is not a stream")
    budget = _BUDGET.get()
    limit = cap if budget is None else min(cap, budget.left)
    if limit <= 0:
        _over(label, cap, limit)
    try:
        names, parms = _filters(stream)
        data = stream.read_raw_bytes()
    except (pikepdf.PdfError, RuntimeError, ValueError, TypeError) as exc:
        raise PdfError(f"{label} cannot be read: {exc}") from None
    kinds = []
    for name in names:
        kind = _FILTERS.get(name)
        if kind is None:
            raise PdfError(f"{label} has the filter {name}, which the engine does not decode")
        kinds.append(kind)
    for kind, parm in zip(kinds, parms):
        data = _decode(kind, data, limit, parm)
        if len(data) > limit:
            break
    if budget is not None:
        budget.left -= len(data)  # the work done counts, whether the stream is over its cap or not
    if len(data) > limit:
        _over(label, cap, limit)
    if any(_predictor(p) for p in parms):
        try:
            data = stream.read_bytes()  # qpdf applies the predictor; it cannot lengthen the data
        except (pikepdf.PdfError, RuntimeError, ValueError) as exc:
            raise PdfError(f"{label} cannot be decoded: {exc}") from None
    return data


def _over(label: str, cap: int, limit: int) -> None:
    if limit < cap:
        raise StreamLimit(f"{label} is not decoded: the streams decoded for this file already total "
                          f"{MAX_DECODED_TOTAL // MiB} MiB, the most the engine decodes for one file",
                          rule=R.FX_LIMIT_TOTAL)
    raise StreamLimit(f"{label} decodes to more than {_size(cap)}, the most the engine decodes for it; "
                      "it is not decoded", rule=R.FX_LIMIT_STREAM)


def _size(n: int) -> str:
    return f"{n // MiB} MiB" if n % MiB == 0 else f"{n} bytes"


def _decode(kind: str, data: bytes, limit: int, parms: Any) -> bytes:
    """One filter, producing at most ``limit + 1`` bytes (one more tells the caller it is over)."""
    if kind == "flate":
        return _inflate(data, limit + 1)
    if kind == "lzw":
        early = parms.get("/EarlyChange", 1) if isinstance(parms, pikepdf.Dictionary) else 1
        return _lzw(data, limit + 1, early != 0)
    if kind == "rl":
        return _run_length(data, limit + 1)
    if kind == "hex":
        text = re.sub(rb"[\x00\t\n\x0c\r ]", b"", data.partition(b">")[0])
        try:
            return binascii.unhexlify(text + b"0" * (len(text) % 2))
        except (binascii.Error, ValueError):
            raise PdfError("an ASCIIHexDecode stream holds a byte that is not a hexadecimal digit") from None
    text = re.sub(rb"[\x00\t\n\x0c\r ]", b"", data)
    text = text[2:] if text.startswith(b"<~") else text
    text = text.partition(b"~")[0]
    if text.count(b"z") * 4 > limit + len(text):
        return b"\0" * (limit + 1)
    try:
        return base64.a85decode(text)
    except ValueError:
        raise PdfError("an ASCII85Decode stream holds a byte outside its alphabet") from None


def _inflate(data: bytes, most: int) -> bytes:
    """zlib data -> at most ``most`` bytes; corrupt data ends the output, as qpdf ends it."""
    d = zlib.decompressobj()
    parts: list[bytes] = []
    size = 0
    try:
        for start in range(0, len(data), _CHUNK):
            parts.append(d.decompress(data[start:start + _CHUNK], most - size))
            size += len(parts[-1])
            while d.unconsumed_tail and size < most:
                parts.append(d.decompress(d.unconsumed_tail, most - size))
                size += len(parts[-1])
            if size >= most or d.eof:
                break
    except zlib.error:
        if not size:
            raise PdfError("a FlateDecode stream holds data that is not zlib data") from None
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _run_length(data: bytes, most: int) -> bytes:
    out = bytearray()
    i, n = 0, len(data)
    while i < n and len(out) < most:
        length = data[i]
        if length == 128:
            break
        if length < 128:
            out += data[i + 1:i + 2 + length]
            i += 2 + length
        else:
            if i + 1 < n:
                out += data[i + 1:i + 2] * (257 - length)
            i += 2
    return bytes(out)


def _lzw(data: bytes, most: int, early: bool) -> bytes:
    """LZW (ISO 32000-1 7.4.4) with a bounded output."""
    out = bytearray()
    table: list[bytes] = [bytes((i,)) for i in range(256)] + [b"", b""]
    width, acc, bits, prev = 9, 0, 0, b""
    shift = 1 if early else 0
    for byte in data:
        acc = (acc << 8) | byte
        bits += 8
        while bits >= width:
            bits -= width
            code = (acc >> bits) & ((1 << width) - 1)
            acc &= (1 << bits) - 1
            if code == 256:
                del table[258:]
                width, prev = 9, b""
                continue
            if code == 257:
                return bytes(out)
            if code < len(table):
                entry = table[code]
            elif code == len(table) and prev:
                entry = prev + prev[:1]
            else:
                raise PdfError("an LZWDecode stream holds a code that is not in its table")
            out += entry
            if len(out) >= most:
                return bytes(out)
            if prev:
                if len(table) >= 4096:
                    raise PdfError("an LZWDecode stream fills its code table without a clear code")
                table.append(prev + entry[:1])
            prev = entry
            if len(table) + shift >= (1 << width) and width < 12:
                width += 1
    return bytes(out)


# --------------------------------------------------------------------------- file structure

_LZW_NAME = re.compile(rb"/(?:LZWDecode|LZW)(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])")
_ESCAPED_NAME = re.compile(rb"/[^\x00\t\n\x0c\r ()<>\[\]{}/%]*#[0-9A-Fa-f]{2}[^\x00\t\n\x0c\r ()<>\[\]{}/%]*")
_STRUCTURE = re.compile(rb"/Type\s*/(?:XRef|ObjStm)\b")
_LZW_SPELLED = re.compile(rb"/(?:[LZWDecod]|#[0-9A-Fa-f]{2}){3,9}(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])")
"""A name that can spell LZW or LZWDecode with ``#`` escapes (a quick first pass over the file)."""


_LZW_SMALL = 128 * 1024


def _unescape(name: bytes) -> bytes:
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes((int(m.group(1), 16),)), name)


def refuse_lzw_structure(data: bytes) -> None:
    """:class:`PdfError` for a file whose cross-reference or object streams use LZW, which qpdf
    decodes with no size limit: the dictionary around each LZW filter name (plain or
    ``#``-escaped) of the file is looked at. A file under :data:`_LZW_SMALL` bytes passes at once:
    LZW inflates at most about 1350 times, so what qpdf could decode from it stays under 175 MB."""
    if len(data) < _LZW_SMALL:
        return
    hits = [m.start() for m in _LZW_NAME.finditer(data)]
    hits += [m.start() for m in _LZW_SPELLED.finditer(data)
             if b"#" in m.group() and _LZW_NAME.fullmatch(_unescape(m.group()))]
    for at in hits:
        start = data.rfind(b"obj", max(0, at - 4096), at)
        end = data.find(b"stream", at, at + 4096)
        head = data[start if start >= 0 else max(0, at - 4096):end if end >= 0 else at + 4096]
        head = _ESCAPED_NAME.sub(lambda m: _unescape(m.group()), head)
        if _STRUCTURE.search(head):
            raise PdfError("the PDF stores its cross-reference or objects in an LZW-compressed stream, which "
                           "cannot be decoded with a size limit; it is not read (PDF/A forbids LZW, ISO 19005-3 "
                           "6.1.7.2)", rule=R.FX_LIMIT_STREAM)


def count_objects(data: bytes) -> int:
    """The items of the objects qpdf can parse from the PDF ``data`` (:mod:`facturx_engine.pdf.scan`),
    counted before qpdf opens it: :class:`ObjectLimit` past :data:`MAX_OBJECT_ITEMS` (or for an
    object or cross-reference stream that cannot be measured), :class:`StreamLimit` for one that
    decodes past :data:`MAX_STREAM_BYTES` (or all of them past :data:`MAX_DECODED_TOTAL`)."""
    counter = Counter(data, MAX_OBJECT_ITEMS)
    try:
        counter.file()
        _count_streams(counter)
    except Over as exc:
        raise _object_limit(exc) from None
    return counter.items


def _object_limit(exc: Over) -> ObjectLimit:
    if exc.items is None:
        return ObjectLimit("the PDF's objects overlap: qpdf would parse its bytes more than "
                           f"{SCAN_FACTOR} times over to read them; its objects are not read",
                           rule=R.FX_LIMIT_OBJECTS)
    return ObjectLimit(f"the PDF's objects hold more than {MAX_OBJECT_ITEMS:,} items (array elements, dictionary "
                       "keys and values, cross-reference entries, counted on its bytes), the most the engine "
                       "reads from one file; its objects are not read", rule=R.FX_LIMIT_OBJECTS)


def _count_streams(counter: Counter) -> None:
    """Decode the object and cross-reference streams the count found, and count their items."""
    left = MAX_DECODED_TOTAL
    for head in counter.heads:
        label = f"the {'object' if head.kind == 'objects' else 'cross-reference'} stream at byte {head.at}"
        if head.kind == "objects" and counter.encrypted:
            raise ObjectLimit(f"the PDF is encrypted and keeps objects in object streams ({label}), which the "
                              "engine cannot measure before they are decrypted; its objects are not read (PDF/A "
                              "forbids encryption, ISO 19005-3 6.1.3)", rule=R.PDFA_6_1_3_ENCRYPT)
        body, used, lost = _head_data(counter.data, head, label, min(MAX_STREAM_BYTES, left))
        left -= len(body)
        counter.add(lost, used)
        if head.kind == "xref":
            counter.add(len(body) // max(1, head.width or 1))
        elif head.parms:
            counter.add(len(body))  # predicted data: at least one byte per item once decoded
        else:
            count_tokens(counter, body)


_END = re.compile(rb"end(?:stream|obj)(?=[\x00\t\n\x0b\x0c\r ()<>\[\]{}/%]|\Z)")
_ENDSTREAM_AFTER = re.compile(rb"(?:[\x00\t\n\x0b\x0c\r ]|%[^\r\n]*)*endstream")
_FLATE = (b"/FlateDecode", b"/Fl")
_INFLATE_STEP = 64 * 1024


def _head_data(data: bytes, head: Head, label: str, cap: int) -> tuple[bytes | memoryview, int, int]:
    """(the decoded data of an object or cross-reference stream, at least what qpdf can decode from
    it; the encoded bytes read; the items a decoding error may have hidden). Flate is decoded from
    where qpdf starts the data to where the deflate data ends, data without a filter up to the
    farthest end qpdf could take (its /Length, the first ``endstream``, or the last one of the file
    when /Length is given by reference); other filters are refused (:class:`ObjectLimit`)."""
    filters = head.filters
    if filters is None or len(filters) > 1 or (filters and filters[0] not in _FLATE):
        shown = "given by reference" if filters is None else " ".join(f.decode("latin-1") for f in filters)
        raise ObjectLimit(f"{label} has the filters {shown}, which the engine does not decode before qpdf reads "
                          "the file (object and cross-reference streams are FlateDecode or unfiltered); its "
                          "objects are not read", rule=R.FX_LIMIT_OBJECTS)
    body: bytes | memoryview
    if filters:
        body, used, lost = _inflate_raw(data, head.start + 2, cap + 1)  # the 2-byte zlib header skipped
    else:
        end = _extent(data, head)
        body, used, lost = memoryview(data)[head.start:min(end, head.start + cap + 1)], end - head.start, 0
    if len(body) > cap:
        _over(label, MAX_STREAM_BYTES, cap)
    return body, used, lost


def _inflate_raw(data: bytes, start: int, most: int) -> tuple[bytes, int, int]:
    """Raw deflate data from ``start`` -> (at most ``most`` bytes, the bytes read, the output a
    decoding error may have dropped). No checksum is checked: qpdf's zlib would stop at a bad one
    with all the data decoded. An error drops the output of the step it happens in (64 KiB at
    most), which is returned to be counted as items."""
    d = zlib.decompressobj(-15)
    view = memoryview(data)
    parts: list[bytes] = []
    size, pos, lost = 0, start, 0
    try:
        while pos < len(data) and size < most and not d.eof:
            tail = view[pos:pos + _INFLATE_STEP]
            pos += len(tail)
            while tail and size < most and not d.eof:
                parts.append(d.decompress(tail, min(_INFLATE_STEP, most - size)))
                size += len(parts[-1])
                tail = d.unconsumed_tail  # type: ignore[assignment]
    except zlib.error:
        lost = _INFLATE_STEP
    used = pos - start - len(d.unused_data) - len(d.unconsumed_tail)
    return b"".join(parts), max(0, used), lost


def _extent(data: bytes, head: Head) -> int:
    """The farthest end qpdf could give the unfiltered data of ``head``: its direct /Length when an
    ``endstream`` follows it, else the first ``endstream`` or ``endobj`` (qpdf's recovery), or the
    last ``endstream`` of the file when /Length is not a direct integer (qpdf resolves a reference)."""
    first = _END.search(data, head.start)
    end = first.start() if first else len(data)
    if head.length is None:
        last = data.rfind(b"endstream")
        end = max(end, last)
    elif 0 <= head.length <= len(data) - head.start and _ENDSTREAM_AFTER.match(data, head.start + head.length):
        end = max(end, head.start + head.length)
    return end
