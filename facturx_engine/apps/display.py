"""Text for people and reports: file names and messages made safe to print and to embed.

A file name comes from whoever named the file and a finding message can quote a document's
values, so either may hold terminal escape sequences (``ESC [ ... m``, the one-byte CSI ``U+009B``),
a carriage return that hides what precedes it, bidirectional overrides that reorder what is shown,
or, on Linux, bytes that are not UTF-8 (``os.fsdecode`` turns them into lone surrogates, which no
UTF-8 writer accepts). :func:`printable` spells each such character as a visible escape:

* ``\\n``, ``\\r``, ``\\t`` for newline, carriage return and tab;
* ``\\xNN`` for the other C0 and C1 control characters and DEL, and for an undecodable byte of a
  file name (``b"\\xff"`` read as ``"\\udcff"`` is shown as ``\\xff``, the byte it stands for);
* ``\\uNNNN`` for other lone surrogates, line and paragraph separators, the bidirectional controls
  and the two non-characters ``U+FFFE`` / ``U+FFFF`` (not allowed in XML).

Everything else, accents and other scripts included, is kept as it is. The result is valid in UTF-8,
in XML 1.0 and in JSON, and cannot drive a terminal. The text, JSON, JUnit and SARIF reports and every
message of the command line go through it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any, TextIO

__all__ = ["EscapedStream", "printable"]

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_FORMAT_CONTROLS = frozenset(
    [0x061C, 0x200E, 0x200F, 0xFEFF, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)
"""Bidirectional marks, embeddings, overrides and isolates (and the BOM): they reorder the text shown."""


def _escape(char: str) -> str:
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def _unsafe(char: str) -> bool:
    if char.isprintable():  # no format control (category Cf) is printable
        return False
    category = unicodedata.category(char)
    if category in ("Cc", "Cs", "Zl", "Zp"):
        return True
    return ord(char) in _FORMAT_CONTROLS or char in "\ufffe\uffff"


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every character that could drive a terminal or break a report escaped.

    ``keep_newlines=True`` leaves ``\\n`` (and tab) alone: for whole messages written line by line.
    """
    if text.isprintable():
        return text
    kept = "\n\t" if keep_newlines else ""
    return "".join(_escape(c) if c not in kept and _unsafe(c) else c for c in text)


class EscapedStream:
    """A text stream that writes everything through :func:`printable` (newlines and tabs kept).

    The command line wraps ``sys.stdout`` and ``sys.stderr`` in it, so no message it prints -- its own,
    a library error quoting a file name or a document value, argparse's -- can drive the terminal or
    fail on a character the stream cannot encode (it is then written as a backslash escape).
    :attr:`unescaped` is the wrapped stream (a progress bar's carriage returns are its own), and
    :attr:`buffer` its binary layer (documents written to standard output go there unchanged).
    """

    def __init__(self, stream: TextIO) -> None:
        self.unescaped = stream

    def write(self, text: str) -> int:
        safe = printable(text, keep_newlines=True)
        try:
            self.unescaped.write(safe)
        except UnicodeEncodeError:
            encoding = getattr(self.unescaped, "encoding", None) or "ascii"
            self.unescaped.write(safe.encode(encoding, "backslashreplace").decode(encoding, "replace"))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, fileno, buffer, encoding, ...
        return getattr(self.unescaped, name)
