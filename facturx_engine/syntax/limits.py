"""Input size limits, in one place.

:data:`MAX_XML_BYTES` is the largest XML document the engine parses: :func:`facturx_engine.syntax.parse.parse_xml`
(reading, converting) refuses larger input, and so does :func:`facturx_engine.validation.core.validate` unless
its ``max_bytes`` says otherwise. The command line reads at most this many bytes of any input file
(``--max-size`` changes it), so a huge file or an endless stream (``/dev/zero``) is refused before it
fills the memory.
"""

from __future__ import annotations

import re
from typing import BinaryIO

from facturx_engine.errors import ParseError

__all__ = ["MAX_FINDINGS_LISTED", "MAX_FINDINGS_PER_PLACE", "MAX_SIZE_OPTION", "MAX_XML_BYTES",
           "check_size", "parse_size", "read_bounded", "too_large"]

MAX_XML_BYTES = 64 * 1024 * 1024
"""Larger XML input is refused before parsing (a real invoice, attachments included, is far smaller)."""

MAX_FINDINGS_PER_PLACE = 100
"""A reader lists at most this many findings of one rule at one place (an element path without positions), and at
most :data:`MAX_FINDINGS_LISTED` in all; the others are counted and said in one finding per rule (so a document
repeating an unread element a million times is reported in bounded time and memory, and nothing is dropped without
a word)."""

MAX_FINDINGS_LISTED = 1_000
"""See :data:`MAX_FINDINGS_PER_PLACE`."""

MAX_SIZE_OPTION = 1024**4
"""The largest value ``--max-size`` accepts (1 TiB)."""
_CHUNK = 1024 * 1024
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_SIZE = re.compile(r"(\d+)\s*([kmgt]?)(?:i?b)?", re.IGNORECASE)


def too_large(size: int, limit: int, what: str = "the XML document") -> str | None:
    """The refusal message when ``size`` bytes exceed ``limit``, else None."""
    if size <= limit:
        return None
    return f"{what} is too large ({size} bytes; at most {limit} are accepted, see --max-size / max_bytes)"


def check_size(data: bytes | bytearray | memoryview, limit: int | None = None) -> None:
    """Raise :class:`~facturx_engine.errors.ParseError` when ``data`` is longer than ``limit``
    (default :data:`MAX_XML_BYTES`)."""
    message = too_large(len(data), MAX_XML_BYTES if limit is None else limit)
    if message:
        raise ParseError(message)


def parse_size(text: str) -> int:
    """``"64M"`` -> 67108864: a number of bytes with an optional binary unit (k, M, G, T; ``KiB``,
    ``MB`` ... are read the same way, as powers of 1024). ValueError for anything else, for 0 and
    beyond :data:`MAX_SIZE_OPTION`."""
    match = _SIZE.fullmatch(text.strip())
    if not match:
        raise ValueError(f"expected a size such as 64M, 500k or 1048576, got {text!r}")
    digits = match.group(1).lstrip("0") or "0"
    if len(digits) > 15:
        raise ValueError(f"the size must be at most 1T, got {text!r}")
    value = int(digits) * _UNITS[match.group(2).lower()]
    if value < 1:
        raise ValueError(f"the size must be at least 1 byte, got {text!r}")
    if value > MAX_SIZE_OPTION:
        raise ValueError(f"the size must be at most 1T, got {text!r}")
    return value


def read_bounded(stream: BinaryIO, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of ``stream``, read in chunks (one more than ``limit`` tells the
    caller the input is too large; nothing is allocated ahead for a limit far above the input)."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(_CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
