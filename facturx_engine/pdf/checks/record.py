"""What one PDF check carries through its parts: the file (its bytes and object model), the findings
made so far and how they are recorded (:class:`Checker`), and what one part learns for another.

Each finding's message ends with the clause it rests on (:func:`~facturx_engine.pdf.primitives.cite`);
one rule lists at most :data:`MAX_FINDINGS_PER_RULE` findings per check.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pikepdf
from lxml import etree

from facturx_engine.pdf.primitives import cite, iter_objects
from facturx_engine.findings import Finding

__all__ = ["FATAL", "MAX_FINDINGS_PER_RULE", "SOURCE", "WARNING", "Checker", "record", "safe_text"]

SOURCE = "facturx_engine.pdf.check"
"""The ``source`` of every finding of the PDF checks."""
FATAL, WARNING = "fatal", "warning"

MAX_FINDINGS_PER_RULE = 100
"""Findings of one rule that one check lists; past them, one more finding says that the others are
not listed (a hostile file can break a rule in hundreds of thousands of objects, and each finding
costs memory)."""


def record(findings: list[Finding], counts: dict[str, int], finding: Finding) -> None:
    """Append ``finding`` unless its rule already has :data:`MAX_FINDINGS_PER_RULE` (the first
    one over them is replaced by a note that the others are not listed)."""
    n = counts[finding.rule] = counts.get(finding.rule, 0) + 1
    if n <= MAX_FINDINGS_PER_RULE:
        findings.append(finding)
    elif n == MAX_FINDINGS_PER_RULE + 1:
        findings.append(Finding(finding.rule, finding.severity, "(more)",
                                f"{finding.rule} is broken in more than {MAX_FINDINGS_PER_RULE} places of this file; "
                                "the other findings of this rule are not listed", finding.bt_ids, finding.source))


def safe_text(text: str) -> str:
    """Text from the PDF made printable: lone surrogates (pikepdf's reading of name bytes that are
    not UTF-8) become ``\\udcxx`` escapes."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


class Checker:
    """One check of one PDF: its bytes (``data``, empty when only the object model is checked), the
    pikepdf model (``pdf``), whether tolerated deviations are fatal (``strict``), the findings, and
    what the parts share: XML the caller has parsed already (``parsed``: exact bytes -> tree), the
    data of the invoice as the ``/Params`` check decoded it (``decoded``: ``id(Attachment)`` ->
    bytes, None when it could not be), the file specifications listed in ``/AF`` arrays
    (:meth:`af_members`)."""

    def __init__(self, data: bytes, pdf: pikepdf.Pdf, *, strict: bool,
                 parsed: Mapping[bytes, etree._Element] | None = None) -> None:
        self.data = data
        self.pdf = pdf
        self.strict = strict
        self.parsed = parsed or {}  # XML already parsed by the caller, by its exact bytes
        self.decoded: dict[int, bytes | None] = {}  # id(Attachment) -> its data, as the /Params check read it
        self.findings: list[Finding] = []
        self._counts: dict[str, int] = {}  # findings per rule (record)
        self._af: set[Any] | None = None  # af_members(), once known
        self._af_found: set[Any] = set()
        self._af_seen: list[pikepdf.Object] = []

    def walk_objects(self) -> Iterator[tuple[pikepdf.Object, str, dict[str, Any]]]:
        """:func:`~facturx_engine.pdf.primitives.iter_objects` of the file, collecting on the way the
        file specifications listed in ``/AF`` arrays: a walk that runs to the end gives
        :meth:`af_members` without a walk of its own."""
        self._af_found = set()
        for obj, path, d in iter_objects(self.pdf):
            if "/AF" in d:
                self._collect_af(d)
            yield obj, path, d
        self._af = self._af_found

    def af_members(self) -> set[Any]:
        """The file specifications listed in an /AF array of any object: those :meth:`walk_objects`
        collected when it ran to the end, else a walk of their own (the walk is not kept: a file
        with many objects would keep them all)."""
        if self._af is None:
            for _ in self.walk_objects():
                pass
        assert self._af is not None
        return self._af

    def _collect_af(self, d: dict[str, Any]) -> None:
        af = d.get("/AF")
        if isinstance(af, pikepdf.Array):
            for fs in af:
                if isinstance(fs, pikepdf.Dictionary):
                    self._af_seen.append(fs)  # an id() stays that object's while it lives
                    self._af_found.add(fs.objgen if fs.objgen != (0, 0) else id(fs))

    # -- recording
    def fatal(self, rule: str, location: str, message: str, item: int | str, bt: tuple[str, ...] = ()) -> None:
        record(self.findings, self._counts, Finding(rule, FATAL, safe_text(location),
                                                    safe_text(message + cite(item, message)), bt, SOURCE))

    def warn(self, rule: str, location: str, message: str, item: int | str, bt: tuple[str, ...] = ()) -> None:
        record(self.findings, self._counts, Finding(rule, WARNING, safe_text(location),
                                                    safe_text(message + cite(item, message)), bt, SOURCE))

    def tolerated(self, rule: str, location: str, message: str, item: int | str, bt: tuple[str, ...] = ()) -> None:
        """Readers accept it and real files do it, but embed() must never write it."""
        severity = FATAL if self.strict else WARNING
        record(self.findings, self._counts, Finding(rule, severity, safe_text(location),
                                                    safe_text(message + cite(item, message)), bt, SOURCE))
