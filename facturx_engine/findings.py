"""What the engine reports about a document: one :class:`Finding` type for every stage.

Validation (XSD, Schematron, the PDF checks, the batch) reports findings with a severity; reading
a received document reports them too (a stated total that differs from the computed one, a value
the model cannot hold, content no business term reads), with a ``kind`` and, for totals, both
figures; so does a conversion for what its output does not carry (kind ``lost``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = ["READING_KINDS", "Finding"]

READING_KINDS = ("totals", "model", "not-read", "not-representable")
"""The kinds of what reading reports (see :class:`Finding`)."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in a document: its rule, severity, where, what, the business terms it names.

    ``rule``: the Schematron rule id, else the ``[ID]`` the message starts with, else
    ``SCHEMATRON-REPORT`` / ``SCHEMATRON-ASSERT`` (the Factur-X stylesheets give no id to their
    "... is marked as not used in the given context" reports); ``XSD`` for schema errors; the
    engine's own ids (``FXE-*``, ``FX-*``, ``PDFA-*``) otherwise. ``source``: the rule set or part of
    the engine that reports it. ``location``: the XML path (or the model field path, or the place in
    the PDF); empty when there is none. ``line`` and ``column``: where the start tag (its ``<``) of the
element the finding is about is in the source XML, when known (1-based; lines end at CR LF, LF or a
lone CR, as XML counts them; the column counts Unicode code points from the start of the line, a
byte order mark not included). :func:`~facturx_engine.validation.core.validate` sets both from the
source bytes for every finding whose location names an element of the document (see
:mod:`facturx_engine.validation.position`); a finding of no element (``location`` ``/`` or empty, the
PDF checks) has neither.

    A finding of reading has a ``kind`` (one of :data:`READING_KINDS`): ``"totals"`` (a stated total
    differs from the computed one: ``stated`` and ``computed`` hold both), ``"model"`` (a rule of the
    model broken by the document; the value is kept), ``"not-read"`` (XML content no business term
    reads) or ``"not-representable"`` (a value read that the model cannot hold). A conversion reports
    what its output does not carry as kind ``"lost"``. Validation leaves ``kind`` empty, except for a flux 10
    e-reporting transmission (:mod:`facturx_engine.validation.ereport`): ``"not-applicable"`` for an official
    rule that does not apply to it (a warning whose message gives the reason) and ``"upstream-defect"`` for an
    official rule known to refuse a valid business case (its severity unchanged, its message noting the defect).
    """

    rule: str
    severity: str
    location: str
    message: str
    bt_ids: tuple[str, ...] = ()
    source: str = ""
    stated: Decimal | None = None
    computed: Decimal | None = None
    kind: str = ""
    line: int | None = None
    column: int | None = None

    @property
    def bt(self) -> str | None:
        """The first business term the finding names (None if it names none)."""
        return self.bt_ids[0] if self.bt_ids else None

    def __str__(self) -> str:
        if self.kind == "lost":  # a conversion's loss: one line that says it all
            return self.message
        if self.kind:  # reading's notes: "[rule] message at location"
            where = f" at {self.location}" if self.location else ""
            return f"[{self.rule}] {self.message}{where}"
        return f"{self.severity} {self.rule} at {self.location}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        """The validation fields as JSON types (a report's ``findings`` entries); ``line`` and ``column``
        are null when the finding has no place in the XML."""
        return {"rule": self.rule, "severity": self.severity, "location": self.location, "message": self.message,
                "bt_ids": list(self.bt_ids), "source": self.source, "line": self.line, "column": self.column}

