"""How many objects qpdf would build from a PDF, counted on its bytes before qpdf reads any.

qpdf keeps every object it parses for as long as the file is open, at about 140 bytes of memory
per item of an array or dictionary (about 220 per dictionary entry, about 80 per entry of the
cross-reference table): 10 MB of ``0 0 0 ...`` hold five million items, 700 MB once parsed. And
qpdf parses objects as soon as it opens a file: the trailers, the cross-reference streams, the
catalog and page tree, with the whole object stream each of them is stored in.
:mod:`facturx_engine.pdf.limits` therefore counts first, with :class:`Counter`, and does not let
qpdf open a file that holds too many.

The count is an upper bound of what qpdf can parse, whichever objects are read and whatever
repair qpdf makes, because it follows qpdf's own reading (qpdf 12):

* qpdf parses an object of the file body from the ``obj`` keyword of its ``N G obj`` header (the
  cross-reference table gives the header's offset; a repair finds the headers by scanning the
  file), and a trailer dictionary from the ``trailer`` keyword. Every such keyword of the file is
  a start here, wherever it stands (in stream data too, where a repaired table may point), and the
  one value after it is counted with qpdf's tokenizer rules: strings (nested parentheses,
  escapes), hexadecimal strings, names, comments, nesting. A value ends where qpdf's parser ends
  it: at its closing delimiter, or after more bad tokens than qpdf accepts in one object (qpdf
  gives up after about 20); a header inside the value of another is counted in both, as qpdf
  parses it in both. Each token counts as one item (a dictionary entry is two, a reference
  ``N G R`` three), a literal string one more per parenthesis nested in it.
* A stream whose dictionary has ``/N`` and ``/First`` may be an object stream (qpdf needs no
  more), one with ``/W`` a cross-reference stream: their data is decoded here (:class:`Head`;
  ``_pdflimits`` decodes), from where qpdf starts it, to where the filter ends or as far as any
  ``/Length`` qpdf could take reaches. An object stream counts every token of its data once
  (its header too), plus one per byte of its strings and comments: qpdf parses each object from
  its offset, and an offset inside a string of the flat reading can bring its bytes out as tokens
  (1 byte at least per token). A cross-reference stream counts one item per entry.
* A cross-reference table counts one item per 5 bytes from ``xref`` to ``trailer`` (an entry
  takes at least 6).

What the count does not visit (other streams' data, whitespace) costs qpdf no object. So that
hostile overlaps cannot make the count itself slow, the bytes it walks are capped too
(:data:`SCAN_FACTOR` times the file). Speed: most values hold nothing but numbers, names,
keywords and brackets up to their ``endobj`` or ``stream``; those are counted in bulk (every token
up to the value's closing bracket, found by matching the brackets alone), the others token by
token; the keywords are found with ``bytes.find`` (three passes over the file). About 0.5 ms for a
100 KB invoice page, 0.5 s per million items.

The count relies on qpdf 12's parser (the one pikepdf 10 bundles, whose limits ``_pdflimits``
sets): an object of an object stream is parsed between its offset and the next one, at most 20
bad tokens are taken in one object, offsets in an object stream increase.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_WS = rb"\x00\t\n\x0b\x0c\r "
_DELIM = rb"()<>\[\]{}/%"
_TOKEN = re.compile(
    rb"[" + _WS + rb"]*(?:"
    rb"(%[^\r\n]*)"  # 1 comment
    rb"|(<<|\[)"  # 2 opening a dictionary or an array
    rb"|(>>|\])"  # 3 closing one
    rb"|(\()"  # 4 a literal string begins
    rb"|(/[^" + _WS + _DELIM + rb"]*)"  # 5 a name
    rb"|([^" + _WS + _DELIM + rb"]+)"  # 6 a number or a keyword
    rb"|(<[0-9A-Fa-f" + _WS + rb"]*(?:.|\Z))"  # 7 a hexadecimal string, or a bad one up to its bad byte
    rb"|(.))",  # 8 a stray ')', '>', '{' or '}' (bad tokens)
    re.S)
_COMMENT, _OPEN, _CLOSE, _STRING, _NAME, _WORD, _HEX, _STRAY = range(1, 9)
_STRING_RUN = re.compile(rb"[^()\\]*(?:\\.[^()\\]*)*", re.S)
_INTEGER = re.compile(rb"[+-]?[0-9]+")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_KEYWORDS = (b"obj", b"trailer")
"""The keywords after which qpdf parses one value (an object's, a trailer's). qpdf's header is ``N
G obj``, with whitespace or comments between the tokens: a keyword counts after any delimiter but
``/`` (that makes it a name) and before a delimiter or the end of the file."""
_BEFORE = frozenset(b"\x00\t\n\x0b\x0c\r ()<>[]{}%")
_AFTER = frozenset(b"\x00\t\n\x0b\x0c\r ()<>[]{}/%")
_STREAM = re.compile(rb"(?:[" + _WS + rb"]|%[^\r\n]*)*stream(?=[" + _WS + _DELIM + rb"]|\Z)[ \t\x0b\x0c]*(?:\r\n|\r|\n)?")
"""The ``stream`` keyword after a dictionary, and the EOL qpdf skips after it (qpdf also skips
spaces before the EOL, and takes a lone CR)."""
_XREF = re.compile(rb"xref[" + _WS + rb"]+[+-]?[0-9]+[" + _WS + rb"]+[+-]?[0-9]")
"""A cross-reference table as qpdf reads it: ``xref``, whitespace, a subsection header."""
_VALUES = frozenset((b"true", b"false", b"null", b"R"))
_PLAIN = 1 << 16
"""The bytes after a keyword within which :meth:`Counter._plain_value` looks for the end of a value."""
_BRACKET = re.compile(rb"<<|>>|[\[\]]|[(%{}<>]")
"""A bracket, or what a value counted in bulk may not hold: a string, a comment, a brace, a '<' or
'>' that is no half of ``<<`` / ``>>`` (a hexadecimal string, a stray byte)."""
_PLAIN_TOKEN = re.compile(rb"<<|\[|/[^" + _WS + _DELIM + rb"]*|[^" + _WS + _DELIM + rb"]+")
"""A token that counts, where there is no string, comment or hexadecimal string (closers do not)."""
_FIRST = re.compile(rb"[" + _WS + rb"]*(<<|\[|/[^" + _WS + _DELIM + rb"]*|[^" + _WS + _DELIM + rb"]+)")
_HEAD_KEYS = (b"/First", b"/W", b"/Encrypt", b"#")
"""A dictionary whose bytes hold none of these is no object or cross-reference stream and names no
encryption: its entries are not read."""

MAX_BAD_TOKENS = 24
"""Bad tokens after which the count of one value stops: qpdf's parser gives up an object after at
most 20 (``parser_max_errors`` = 15 spread out, then 5 more), and its value is then null."""
MAX_NESTING = 500
"""qpdf gives up a value nested deeper than 499 containers."""
SCAN_FACTOR = 4
"""The bytes walked by the count (values, and the data decoded for the streams), at most this many
times the size of the file (plus 1 MiB): a file that qpdf could parse more often than that (headers
nested in other objects' values) is refused."""


class Over(Exception):
    """The count passed its limit (``items``) or the walk its byte limit (``items`` is then None)."""

    def __init__(self, items: int | None) -> None:
        super().__init__(items)
        self.items = items


class Head(NamedTuple):
    """A stream the count decodes: an object stream or a cross-reference stream (qpdf's view)."""

    kind: str  # "objects" (/N and /First) or "xref" (/W)
    at: int  # offset of the object's "obj" keyword
    start: int  # first byte of the stream data, where qpdf starts it
    filters: tuple[bytes, ...] | None  # its /Filter names (# escapes decoded); None: not given as names
    parms: bool  # it has /DecodeParms (or /DP): the data may be predicted, and is counted by its bytes
    length: int | None  # a direct /Length
    width: int | None  # the bytes of one entry: the sum of a direct /W of three integers


def _string_end(data: bytes, pos: int) -> tuple[int, int]:
    """(the end of the literal string whose '(' ends at ``pos``, the parentheses nested in it)."""
    depth, parens, size = 1, 0, len(data)
    run = _STRING_RUN.match
    while True:
        pos = run(data, pos).end()  # type: ignore[union-attr]  # the pattern matches the empty string
        if pos >= size:
            return size, parens
        byte = data[pos]
        pos += 1
        if byte == 0x5C:  # a backslash as the last byte
            continue
        parens += 1
        depth += 1 if byte == 0x28 else -1
        if depth == 0:
            return pos, parens - 1


def _bad_word(token: bytes) -> bool:
    """A regular token that qpdf surely reads as a keyword it does not know (a bad token in a
    value): it does not begin like a number and is not true, false, null or R."""
    return token[0] not in b"0123456789+-." and token not in _VALUES


def _name(token: bytes) -> bytes:
    return _ESCAPE.sub(lambda m: bytes((int(m.group(1), 16),)), token) if b"#" in token else token


def _plain_tokens(value: bytes) -> int:
    """The tokens :data:`_PLAIN_TOKEN` finds in a plain value (numbers, names, keywords, brackets), counted with
    byte methods: every opening bracket, name and word is one piece once the delimiters are spaced out (NUL is
    PDF white space too), and the closing brackets are no items."""
    spaced = value.replace(b"\x00", b" ").replace(b"<<", b" << ").replace(b">>", b" >> ").replace(b"[", b" [ ")
    spaced = spaced.replace(b"]", b" ] ").replace(b"/", b" /")
    return len(spaced.split()) - value.count(b"]") - value.count(b">>")


class Counter:
    """The items of the objects qpdf can parse from ``data`` (module docstring), at most ``limit``."""

    def __init__(self, data: bytes, limit: int) -> None:
        self.data = data
        self.limit = limit
        self.items = 0
        self.walked = 0
        self.max_walk = SCAN_FACTOR * len(data) + (1 << 20)
        self.heads: list[Head] = []
        self.encrypted = False

    def file(self) -> int:
        """The items of every value after an ``obj`` or ``trailer`` keyword of the file and of its
        cross-reference tables; the object and cross-reference streams are collected in
        :attr:`heads` for the caller to decode (keywords found with ``bytes.find``, many times
        faster than a pattern here)."""
        data, size = self.data, len(self.data)
        for word in _KEYWORDS:
            pos = data.find(word)
            while pos >= 0:
                end = pos + len(word)
                if (pos == 0 or data[pos - 1] in _BEFORE) and (end == size or data[end] in _AFTER):
                    self._value(pos, end, word == b"trailer")
                pos = data.find(word, end)
        self._xref_tables()
        return self.items

    def add(self, items: int, walked: int = 0) -> None:
        """Count ``items`` more, and ``walked`` bytes more; :class:`Over` past a limit."""
        self.items += items
        self.walked += walked
        if self.items > self.limit:
            raise Over(self.items)
        if self.walked > self.max_walk:
            raise Over(None)

    def _value(self, at: int, pos: int, trailer: bool) -> None:
        """Count the value that starts at ``pos`` (after the keyword at ``at``)."""
        begin = pos
        quick = self._plain_value(pos)
        if quick is None:
            items, pos, opened = self._tokens(pos)
        else:
            items, pos, opened = quick
        self.add(max(items, 1), pos - begin)  # a header costs qpdf an object, even a null one
        if opened < 0:
            return
        if trailer or _STREAM.match(self.data, pos):
            if any(self.data.find(key, opened, pos) >= 0 for key in _HEAD_KEYS):
                self._dictionary(at, opened, pos, trailer)

    def _plain_value(self, pos: int) -> tuple[int, int, int] | None:
        """(items, end, start of the dictionary or -1) of a value that is one number, name or
        keyword, or a container holding nothing but those and brackets up to its closing bracket
        within 64 KiB (most objects of a file): counted in bulk, every token up to the closing
        bracket; None for any other value (a string, a comment, a hexadecimal string, a brace or a
        stray '<' or '>' before the end, a closing bracket of the wrong kind, no end in sight)."""
        data = self.data
        first = _FIRST.match(data, pos)
        if first is None:
            return None
        if first.group(1) not in (b"[", b"<<"):
            return 1, first.end(), -1
        stack: list[bool] = []
        opened = first.start(1) if first.group(1) == b"<<" else -1
        for m in _BRACKET.finditer(data, pos, pos + _PLAIN):
            token = m.group()
            if token == b"[" or token == b"<<":
                stack.append(token == b"[")
                if len(stack) >= MAX_NESTING:
                    return None
            elif stack and (token == b"]" or token == b">>") and stack[-1] == (token == b"]"):
                stack.pop()
                if not stack:
                    return _plain_tokens(data[pos:m.end()]), m.end(), opened
            else:
                return None  # not plain, or a closing token qpdf would not take as closing
        return None

    def _tokens(self, pos: int) -> tuple[int, int, int]:
        """(items, end, start of the dictionary or -1) of the value at ``pos``, token by token."""
        data, match = self.data, _TOKEN.match
        left, items, bad = self.limit - self.items, 0, 0
        stack: list[bool] = []  # True for an array, False for a dictionary
        opened = -1  # where the value begins, when it is a dictionary
        while True:
            m = match(data, pos)
            if m is None:  # end of the file
                break
            pos = m.end()
            kind = m.lastindex
            if kind == _COMMENT:
                continue
            if kind == _OPEN:
                array = m.group(_OPEN) == b"["
                if not stack and not array:
                    opened = m.start(_OPEN)
                stack.append(array)
                items += 1
                if len(stack) >= MAX_NESTING:
                    break
            elif kind == _CLOSE:
                if not stack:
                    break  # qpdf reads a null
                if stack[-1] == (m.group(_CLOSE) == b"]"):
                    stack.pop()
                else:
                    bad += 1
            elif kind == _STRING:
                pos, parens = _string_end(data, pos)
                items += 1 + parens
            else:
                items += 1
                if kind == _STRAY or kind == _WORD and _bad_word(m.group(_WORD)):
                    bad += 1
            if not stack or bad > MAX_BAD_TOKENS or items > left:
                break
        return items, pos, opened if not stack else -1

    def _dictionary(self, at: int, start: int, end: int, trailer: bool) -> None:
        """Note an object or cross-reference stream whose dictionary is ``data[start:end]``, and
        whether a trailer or a cross-reference stream names an encryption dictionary."""
        entries = _entries(self.data, start, end)
        stream = None if trailer else _STREAM.match(self.data, end)
        if b"/Encrypt" in entries and (trailer or b"/W" in entries):
            self.encrypted = True
        if stream is None:
            return
        filters = entries.get(b"/Filter", [])
        names = tuple(_name(t) for k, t in filters) if all(k == _NAME for k, t in filters) else None
        length = entries.get(b"/Length", [])
        width = entries.get(b"/W", [])
        head = Head(
            kind="", at=at, start=stream.end(), filters=names,
            parms=b"/DecodeParms" in entries or b"/DP" in entries,
            length=int(length[0][1]) if len(length) == 1 and length[0][0] == _WORD
            and _INTEGER.fullmatch(length[0][1]) else None,
            width=sum(int(t) for _, t in width) if len(width) == 3
            and all(k == _WORD and _INTEGER.fullmatch(t) for k, t in width) else None)
        if b"/N" in entries and b"/First" in entries:
            self.heads.append(head._replace(kind="objects"))
        if b"/W" in entries:
            self.heads.append(head._replace(kind="xref"))

    def _xref_tables(self) -> None:
        """A cross-reference table: one item per 5 bytes from each ``xref`` keyword followed by a
        subsection header to the next ``trailer`` (or the end of the file)."""
        data = self.data
        pos = data.find(b"xref")
        while pos >= 0:
            if _XREF.match(data, pos) and not data[max(0, pos - 5):pos].endswith(b"start"):
                end = data.find(b"trailer", pos)
                end = len(data) if end < 0 else end
                self.add((end - pos) // 5, end - pos)
                pos = data.find(b"xref", end)
            else:
                pos = data.find(b"xref", pos + 4)


def _entries(data: bytes, start: int, end: int) -> dict[bytes, list[tuple[int, bytes]]]:
    """The entries of the dictionary ``data[start:end]`` as qpdf's parser pairs them (a name where
    a key belongs is the key of the next value; the last of two equal keys wins), each value as the
    tokens of its direct value: ``[(kind, token)]`` (a container's tokens, without the brackets,
    when it holds no other container; a reference is its three tokens; else ``[]``)."""
    tokens: list[tuple[int, bytes, int]] = []  # (kind, token, depth)
    depth, pos, match = 0, start, _TOKEN.match
    while pos < end:
        m = match(data, pos, end)
        if m is None:
            break
        kind = m.lastindex or 0
        pos = m.end()
        if kind == _STRING:
            pos, _ = _string_end(data, pos)
        if kind == _CLOSE:
            depth -= 1
        if kind != _COMMENT:
            tokens.append((kind, _name(m.group(kind)) if kind == _NAME else m.group(kind), depth))
        if kind == _OPEN:
            depth += 1
    out: dict[bytes, list[tuple[int, bytes]]] = {}
    key: bytes | None = None
    i, n = 1, len(tokens)
    while i < n:
        kind, token, level = tokens[i]
        if level != 1 or kind == _CLOSE:
            i += 1
            continue
        if key is None:
            key = token if kind == _NAME else None
            i += 1
            continue
        j = i + 1
        if kind == _OPEN:
            while j < n and tokens[j][2] > 1:
                j += 1
            j += 1  # its closing token
            inner = tokens[i + 1:j - 1]
            value = [(k, t) for k, t, _ in inner] if all(d == 2 and k != _OPEN for k, t, d in inner) else []
        elif (kind == _WORD and _INTEGER.fullmatch(token) and i + 2 < n and tokens[i + 2][1] == b"R"
              and _INTEGER.fullmatch(tokens[i + 1][1])):
            j = i + 3
            value = [(k, t) for k, t, _ in tokens[i:j]]
        else:
            value = [(kind, token)]
        out[key] = value
        key = None
        i = j
    return out


def count_tokens(counter: Counter, data: bytes | memoryview) -> None:
    """Count into ``counter`` the tokens of ``data`` (the decoded objects of an object stream),
    each once, plus one per byte of its literal and hexadecimal strings and comments."""
    match, pos, size, step = _TOKEN.match, 0, len(data), 0
    items = 0
    while pos < size:
        m = match(data, pos)
        if m is None:
            break
        start, pos = m.start(m.lastindex or 0), m.end()
        kind = m.lastindex
        if kind == _STRING:
            pos, _ = _string_end(data, pos)  # type: ignore[arg-type]
            items += pos - start
        elif kind == _COMMENT or kind == _HEX:
            items += pos - start
        elif kind != _CLOSE:
            items += 1
        step += 1
        if step == 4096:
            counter.add(items)
            items = step = 0
    counter.add(items)
