"""The checks of a PDF's file structure, on its bytes and trailer (items 10-16 of the check list of
:mod:`facturx_engine.pdf.check`): header and binary comment, trailer /ID, encryption, data after
``%%EOF``, a repaired cross-reference table, the EOL around stream data.
"""

from __future__ import annotations

import re

import pikepdf

from facturx_engine import ruleids as R
from facturx_engine.pdf.checks.record import Checker
from facturx_engine.pdf.primitives import cr_ended_streams

__all__ = ["end_of_file", "file_structure", "header", "stream_data", "stream_eols"]

_HEADER_RE = re.compile(rb"^%PDF-1\.([0-7])(\r\n|\r|\n)")
_HEADER_ANY_RE = re.compile(rb"^%PDF-(\d)\.(\d)")


def file_structure(checker: Checker, *, streams: bool = True) -> None:
    """Items 10-16 on the bytes; ``streams=False`` leaves out :func:`stream_data`."""
    header(checker)
    trailer_id = checker.pdf.trailer.get("/ID")
    if not (isinstance(trailer_id, pikepdf.Array) and len(trailer_id) == 2
            and all(isinstance(x, pikepdf.String) for x in trailer_id)):
        checker.fatal(R.PDFA_6_1_3_ID, "trailer",
                      "the trailer has no /ID array of two strings (ISO 19005-3 6.1.3)", 12)
    if checker.pdf.is_encrypted or "/Encrypt" in checker.pdf.trailer:
        checker.fatal(R.PDFA_6_1_3_ENCRYPT, "trailer",
                      "the file is encrypted (trailer /Encrypt); PDF/A forbids encryption (ISO 19005-3 6.1.3)", 13)
    end_of_file(checker)
    problems = [w for w in checker.pdf.get_warnings() if w]
    if problems:
        checker.fatal(R.PDFA_6_1_4_XREF, "cross-reference",
                      "qpdf had to repair the file: " + "; ".join(str(p) for p in problems[:3])
                      + " (ISO 19005-3 6.1.4 / 6.1.9)", 16)
    if streams:
        stream_data(checker)
    stream_eols(checker)


def header(checker: Checker) -> None:
    """Items 10-11: the header and the binary comment, on the bytes."""
    data = checker.data
    m = _HEADER_RE.match(data)
    if not m:
        any_ = _HEADER_ANY_RE.match(data)
        if any_:
            checker.fatal(R.PDFA_6_1_2_HEADER, "header",
                          f"header %PDF-{any_.group(1).decode()}.{any_.group(2).decode()} is not %PDF-1.0..1.7 "
                          "followed by an EOL (PDF/A-3 is based on PDF 1.7; ISO 19005-3 6.1.2)", 10)
        else:
            checker.fatal(R.PDFA_6_1_2_HEADER, "header",
                          "the file does not start with %PDF-1.n at byte 0 (ISO 19005-3 6.1.2)", 10)
    else:
        if int(m.group(1)) < 7:
            checker.tolerated(R.PDFA_6_1_2_VERSION, "header",
                              f"header declares PDF 1.{m.group(1).decode()}, older than the PDF 1.7 features "
                              "(/AF, /AFRelationship) a PDF/A-3 file uses; write %PDF-1.7", 10)
        rest = data[m.end():m.end() + 64]
        if not (len(rest) >= 5 and rest[:1] == b"%" and sum(1 for b in rest[1:5] if b > 127) == 4):
            checker.fatal(R.PDFA_6_1_2_BINARY, "header",
                          "the header is not followed by a comment of at least 4 bytes > 127 "
                          "(ISO 19005-3 6.1.2)", 11)


def end_of_file(checker: Checker) -> None:
    """Item 14: the ``%%EOF`` marker, on the bytes."""
    data = checker.data
    eof = data.rfind(b"%%EOF")
    if eof < 0:
        checker.fatal(R.PDFA_6_1_3_EOF, "end of file",
                      "no %%EOF marker: the file is truncated (ISO 19005-3 6.1.3)", 14)
    elif data[eof + 5:] not in (b"", b"\n", b"\r", b"\r\n"):
        checker.fatal(R.PDFA_6_1_3_EOF, "end of file",
                      f"{len(data) - eof - 5} byte(s) after the last %%EOF; at most one EOL is allowed "
                      "(ISO 19005-3 6.1.3)", 14)


def stream_eols(checker: Checker) -> None:
    """Item 15: the EOL around stream data, on the bytes."""
    bad_eol = _bad_stream_eols(checker.data)
    if bad_eol:
        checker.fatal(R.PDFA_6_1_7_EOL, "streams",
                      f"{bad_eol} stream(s) without an EOL before 'endstream' or with a lone CR after "
                      "'stream' (ISO 19005-3 6.1.7.1); "
                      "reportlab's raw output does this: rewrite the file with pikepdf", 15)


def stream_data(checker: Checker) -> None:
    """Stream data ending with CR (item 15): the raw data of each stream, as in the file."""
    ambiguous = cr_ended_streams(checker.pdf)
    if ambiguous:
        checker.tolerated(R.PDFA_6_1_7_LENGTH, "streams",
                          f"{len(ambiguous)} stream(s) whose data ends with a CR byte ({', '.join(ambiguous[:5])}): "
                          "followed by the EOL before 'endstream' it reads as CR LF, and validators that take "
                          "CR LF as the EOL (page-validation) count /Length one byte short (ISO 19005-3 "
                          "6.1.7.1)", 15)

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
