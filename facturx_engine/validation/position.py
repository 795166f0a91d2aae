"""Where a finding is in the source XML: the line and column of the start tag of the element it is about.

:func:`~facturx_engine.validation.core.validate` parses the document once (lxml) and builds one
:class:`SourceMap` of it. A finding names its element by a path -- the SVRL ``location`` of the
Schematron (``/*:Invoice[namespace-uri()='...'][1]/*:AccountingSupplierParty[namespace-uri()='...'][1]``,
or SchXslt's ``/Q{...}Invoice[1]/Q{...}AccountingSupplierParty[1]``), the engine's own paths with the
document's prefixes (``/ubl:Invoice/cac:InvoiceLine[2]/cbc:ID``) -- or, for the XSD, by libxml2's line
and node path. :meth:`SourceMap.place` resolves the path to the element (an attribute or ``text()`` step
to the element that holds it; anything else it cannot follow leaves the finding without a place), then
the element to the ``<`` of its start tag in the source bytes.

* ``line``: 1-based; CR LF, LF and a lone CR each end a line (as XML counts them). lxml's
  ``sourceline`` is the line where the start tag *ends*, which differs for a tag written over several
  lines: this is where it begins.
* ``column``: 1-based, in Unicode code points from the start of that line (SARIF ``columnKind``
  ``unicodeCodePoints``); a byte order mark is not counted. The document's encoding is honoured (its
  byte order mark, else what lxml detected), so a UTF-16 or ISO-8859-1 file gets the columns an
  editor shows.

The n-th element of the tree in document order is the n-th start tag in the source (comments,
CDATA sections and processing instructions skipped; a DOCTYPE is refused by the parser), which makes
the position exact on any well-formed document, a one-line one included.

Cost: nothing until a finding has a path; then each distinct path (and each of its prefixes) is
resolved once (a cache), one pass over the elements up to the last one named, and one scan of the
source bytes up to its start tag.
"""

from __future__ import annotations

import codecs
import dataclasses
import itertools
import re
from collections.abc import Mapping, Sequence

from lxml import etree

from facturx_engine.findings import Finding

__all__ = ["SourceMap"]

_MARKUP = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<(?![/!?])", re.S)
"""Comments, CDATA sections, processing instructions (skipped) and the ``<`` of a start tag (a match of
length 1)."""
_STEPS = re.compile(r"/((?:[^/\[{']|\[[^\]]*\]|\{[^}]*\}|'[^']*')*)")
_STEP = re.compile(
    r"(?P<attr>@)?(?:(?P<any>\*:)|Q\{(?P<qns>[^}]*)\}|(?P<prefix>[A-Za-z_][\w.\-]*):)?"
    r"(?P<name>[A-Za-z_][\w.\-]*)(?:\[namespace-uri\(\)='(?P<ns>[^']*)'\])?(?:\[(?P<pos>\d+)\])?"
)
_GENERIC = re.compile(r"\*(?:\[(\d+)\])?")
_HERE = frozenset({"text()", "node()", "comment()", "."})
"""Steps that stay on the element reached (the finding is about its content)."""
_LINE_LIMIT = 65535
"""From this line on, libxml2 may report a line number that is not the element's own."""
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _source_text(xml: bytes, declared: str | None) -> tuple[bytes, str] | None:
    """The source as bytes in which markup is ASCII, with the encoding to decode a line prefix with (a
    byte order mark dropped: it is not a column); None for an encoding Python does not know."""
    encoding = next((name for bom, name in _BOMS if xml.startswith(bom)), None) or declared or "utf-8"
    if encoding == "utf-8-sig":
        return xml[len(codecs.BOM_UTF8):], "utf-8"
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return None
    if name in ("utf-8", "ascii") or name.startswith(("iso8859-", "cp125", "latin")):
        return xml, name  # every ASCII byte is that character: positions are found in the bytes
    try:  # UTF-16, UTF-32, UTF-7, EBCDIC, ...: the text once more, as UTF-8
        text = xml.decode(encoding)
    except (UnicodeError, ValueError, TypeError, LookupError):  # not decodable, or not a text encoding
        return None
    return text.lstrip("\ufeff").encode("utf-8"), "utf-8"


def _matches(element: etree._Element, tag: str) -> bool:
    """``element`` has the name ``tag`` (``{namespace}name``, ``{*}name``: any namespace)."""
    namespace, _, name = tag[1:].partition("}")
    qname = etree.QName(element)
    return qname.localname == name and (namespace == "*" or (qname.namespace or "") == namespace)


def _sourceline(element: etree._Element) -> int:
    line = element.sourceline
    return line if isinstance(line, int) else 0


class SourceMap:
    """The parsed document ``root`` and its source bytes ``xml``: where its elements start.

    ``prefixes`` maps the prefixes the engine's own paths use to namespaces (the document's own
    declarations are used too)."""

    def __init__(self, xml: bytes, root: etree._Element, prefixes: Mapping[str, str] | None = None) -> None:
        self._xml = xml
        self._root = root
        self._prefixes = dict(prefixes or {})
        self._paths: dict[str, etree._Element | None] = {}
        self._starts: dict[etree._Element, tuple[int, int] | None] = {}
        self._lines: dict[int, list[etree._Element]] | None = None
        self._children: dict[tuple[etree._Element, str | None], list[etree._Element]] = {}
        self._xsd_paths: dict[int, dict[str, etree._Element]] = {}

    # ------------------------------------------------------------------ paths -> elements

    def element(self, location: str) -> etree._Element | None:
        """The element ``location`` names (see the module docstring), None if it names none."""
        if not location.startswith("/") or location in self._paths:
            return self._paths.get(location)
        steps = _STEPS.findall(location)
        if "/" + "/".join(steps) != location:  # not a plain path (a predicate, a function, //)
            self._paths[location] = None
            return None
        node: etree._Element | None = None
        key = ""
        for i, step in enumerate(steps):
            key += "/" + step
            if key in self._paths:
                node = self._paths[key]
            else:
                node = self._paths[key] = self._step(node, step, last=i == len(steps) - 1)
            if node is None:
                break
        self._paths[location] = node
        return node

    def _step(self, parent: etree._Element | None, step: str, *, last: bool) -> etree._Element | None:
        """The element ``step`` leads to from ``parent`` (None: the document node)."""
        if step in _HERE or (step.startswith("@") and last):
            if step.startswith("@") and _STEP.fullmatch(step) is None:
                return None
            return parent
        generic = _GENERIC.fullmatch(step)
        if generic is not None:  # libxml2's name of an element in the default namespace: the n-th element child
            if parent is None:
                return self._root if int(generic[1] or 1) == 1 else None
            return self._nth_child(parent, None, int(generic[1] or 1))
        match = _STEP.fullmatch(step)
        if match is None or match["attr"]:
            return None
        name = match["name"]
        namespace: str | None
        if match["ns"] is not None:
            namespace = match["ns"]
        elif match["qns"] is not None:
            namespace = match["qns"]
        elif match["any"]:
            namespace = None  # any namespace
        elif match["prefix"]:
            scope: dict[str | None, str] = dict((parent if parent is not None else self._root).nsmap)
            scope.update(self._prefixes)
            namespace = scope.get(match["prefix"])
            if namespace is None:
                return None
        else:
            namespace = ""
        position = int(match["pos"] or 1)
        tag = f"{{{'*' if namespace is None else namespace}}}{name}"
        if parent is None:
            return self._root if position == 1 and _matches(self._root, tag) else None
        return self._nth_child(parent, tag, position)

    def _nth_child(self, parent: etree._Element, tag: str | None, position: int) -> etree._Element | None:
        """The ``position``-th child of ``parent`` named ``tag`` (None: any element); the children of a
        parent by name are listed once (a thousand invoice lines are not counted again for each)."""
        if position < 8:
            children = parent.iterchildren(tag=etree.Element if tag is None else tag)
            return next(itertools.islice(children, position - 1, None), None)
        key = (parent, tag)
        listed = self._children.get(key)
        if listed is None:
            listed = self._children[key] = list(parent.iterchildren(tag=etree.Element if tag is None else tag))
        return listed[position - 1] if position <= len(listed) else None

    def xsd_element(self, line: int, path: str | None) -> etree._Element | None:
        """The element of an XSD error: libxml2's node ``path`` (``/rsm:A/ram:B[2]``, ``*[3]`` for an element in
        the default namespace) resolved as any other path when that element's start tag ends on ``line``; else
        the element whose ``getpath`` (the same libxml2 function) is ``path`` among those on ``line``, then
        among all (each index built once, when first needed)."""
        if not path:
            return None
        element = self.element(path)
        if element is not None and (line <= 0 or line >= _LINE_LIMIT or _sourceline(element) == line):
            return element
        if self._lines is None:
            self._lines = {}
            for element in self._root.iter(tag=etree.Element):
                self._lines.setdefault(_sourceline(element), []).append(element)
        for key in (line, 0):
            found = self._xsd_paths.get(key)
            if found is None:
                tree = self._root.getroottree()
                elements = self._lines.get(line, []) if key else self._root.iter(tag=etree.Element)
                found = self._xsd_paths[key] = {tree.getpath(el): el for el in elements}
            if path in found:
                return found[path]
        return None

    # ------------------------------------------------------------------ elements -> positions

    def starts(self, elements: Sequence[etree._Element]) -> dict[etree._Element, tuple[int, int] | None]:
        """``(line, column)`` of the start tag of each of ``elements`` (None where it cannot be told)."""
        pending = {el for el in elements if el not in self._starts}
        if pending:
            self._starts.update(self._find(pending))
        return {el: self._starts.get(el) for el in elements}

    def _find(self, pending: set[etree._Element]) -> dict[etree._Element, tuple[int, int] | None]:
        found: dict[etree._Element, tuple[int, int] | None] = dict.fromkeys(pending)
        order: dict[int, etree._Element] = {}
        for index, element in enumerate(self._root.iter(tag=etree.Element)):
            if element in pending:
                order[index] = element
                if len(order) == len(pending):
                    break
        source = _source_text(self._xml, self._root.getroottree().docinfo.encoding)
        if source is None or not order:
            return found
        data, encoding = source
        wanted = sorted(order)
        line, column, counted, tag = 1, 1, 0, -1  # the position of the byte ``counted``
        for match in _MARKUP.finditer(data):
            if match.end() - match.start() != 1:
                continue
            tag += 1
            if tag != wanted[0]:
                continue
            offset = match.start()
            breaks = data.count(b"\n", counted, offset) + data.count(b"\r", counted, offset) \
                - data.count(b"\r\n", counted, offset)
            if breaks:  # the line starts after the last break before the tag
                line += breaks
                counted = max(data.rfind(b"\n", counted, offset), data.rfind(b"\r", counted, offset)) + 1
                column = 1
            column += len(data[counted:offset].decode(encoding, "replace"))  # offsets are at "<": no split character
            counted = offset
            found[order[wanted.pop(0)]] = (line, column)
            if not wanted:
                break
        return found

    # ------------------------------------------------------------------ findings

    def place(self, findings: Sequence[Finding]) -> list[Finding]:
        """``findings`` with ``line`` and ``column`` set for each one whose location names an element
        (one that has a column already is kept as it is)."""
        elements = [None if f.column is not None else self.element(f.location) for f in findings]
        starts = self.starts([el for el in elements if el is not None])
        out = []
        for finding, element in zip(findings, elements):
            where = None if element is None else starts.get(element)
            out.append(finding if where is None else dataclasses.replace(finding, line=where[0], column=where[1]))
        return out
