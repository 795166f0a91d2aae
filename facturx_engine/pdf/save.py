"""How :func:`~facturx_engine.pdf.embed.embed` writes a Factur-X file.

A page that needs no repair and changes only in its catalog (the pages of
``facturx_engine.pdf.render.layout.render`` are such pages), or in streams whose data ended with
CR (encoded again), keeps its bytes: embed's objects (OutputIntent, XMP, embedded file, Info, the
new catalog, the streams encoded again) are appended as one incremental update
(ISO 32000-1 7.5.6, allowed by PDF/A) and the header is set to ``%PDF-1.7`` in place
(:func:`update_base`, :func:`save_update`). Any other page is written whole by qpdf
(:func:`save`), without decoding or compressing a stream: the streams embed writes are encoded
here (:func:`encode`, :func:`new_stream`).
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import zlib
from typing import Any

import pikepdf

__all__ = ["encode", "last_number", "new_stream", "save", "save_update", "update_base"]


def encode(data: bytes, level: int = 6) -> tuple[bytes, Any]:
    """Flate-encode ``data``; wrapped in ASCII85 if the zlib output ends with CR (its Adler-32)."""
    encoded = zlib.compress(data, level)
    if not encoded.endswith(b"\r"):
        return encoded, pikepdf.Name.FlateDecode
    return base64.a85encode(encoded) + b"~>", pikepdf.Array([pikepdf.Name.ASCII85Decode, pikepdf.Name.FlateDecode])


def new_stream(pdf: pikepdf.Pdf, data: bytes) -> pikepdf.Stream:
    """A new stream holding ``data``, Flate-encoded here (the file is saved without compression)
    at zlib level 1: for invoice XML, a third of the time of the default level for about 15 %
    more bytes."""
    encoded, filters = encode(data, 1)
    stream = pdf.make_stream(b"")
    stream.write(encoded, filter=filters, type_check=False)  # a Name or an Array of Names
    return stream


_TAIL = re.compile(rb"startxref[\r\n ]+(\d+)[\r\n ]+%%EOF(\r\n|\r|\n)?\Z")


def update_base(pdf: pikepdf.Pdf, data: bytes) -> int | None:
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


def save_update(pdf: pikepdf.Pdf, out: io.BytesIO, data: bytes, xref: int, last: int,
                changed: tuple[tuple[int, int], ...] = ()) -> None:
    """The page PDF's bytes, its header made ``%PDF-1.7``, then one incremental update (ISO
    32000-1 7.5.6): the catalog, the page's objects listed in ``changed`` (streams embed encoded
    again) and every object numbered after ``last`` (the ones embed made), each as it is in the
    model, a cross-reference section for them and a trailer with /Prev, /Info and /ID (the page's
    first identifier, else the MD5 of its bytes, and the MD5 of that and of the update, so the
    same input gives the same bytes). Objects the changes left unreachable (the old Info and XMP)
    and the data the changed objects had stay in the file, unreferenced."""
    eol = b"" if data.endswith((b"\n", b"\r")) else b"\n"
    base = len(data) + len(eol)
    update = bytearray()
    generations = {num: 0 for num in range(last + 1, last_number(pdf) + 1)}
    generations.update(dict(changed))
    generations[pdf.Root.objgen[0]] = pdf.Root.objgen[1]
    offsets = {}
    for num, gen in sorted(generations.items()):
        obj = pdf.get_object(num, gen)
        offsets[num] = base + len(update)
        if isinstance(obj, pikepdf.Stream):
            raw = obj.read_raw_bytes()
            head = pikepdf.Dictionary({k: v for k, v in obj.stream_dict.items() if k != "/Length"})
            head.Length = len(raw)
            update += b"%d %d obj\n%s\nstream\n%s\nendstream\nendobj\n" % (num, gen, head.unparse(resolved=True),
                                                                           raw)
        else:
            update += b"%d %d obj\n%s\nendobj\n" % (num, gen, obj.unparse(resolved=True))
    start = base + len(update)
    update += b"xref\n"
    ordered = sorted(offsets)
    i = 0
    while i < len(ordered):  # one subsection per run of consecutive numbers
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        update += b"%d %d\n" % (ordered[i], j - i + 1)
        update += b"".join(b"%010d %05d n \n" % (offsets[n], generations[n]) for n in ordered[i:j + 1])
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


def last_number(pdf: pikepdf.Pdf) -> int:
    """The highest object number in use (qpdf lists a null object as None)."""
    return max((obj.objgen[0] for obj in pdf.objects if isinstance(obj, pikepdf.Object)), default=0)


def save(pdf: pikepdf.Pdf, out: io.BytesIO, deterministic: bool) -> None:
    pdf.save(out, min_version="1.7", deterministic_id=deterministic, fix_metadata_version=False,
             compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
