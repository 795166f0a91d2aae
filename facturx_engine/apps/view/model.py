"""What a view of a document shows, independent of how it is drawn: :class:`View` is built once
(:mod:`facturx_engine.apps.view.build`) and drawn as HTML (:mod:`.html`) or PDF (:mod:`.pdf`), so the
two say the same thing.

Every value is already formatted for the view's language (strings); ``raw`` keeps the value as the
reader found it. A section is one business group (``BG-4`` seller ...) or a part of the page
(``findings``, ``lines``); a repeating group is a :class:`Table` or one :class:`Section` per item.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from facturx_engine.findings import Finding

__all__ = ["Attachment", "Column", "Field", "Section", "Table", "View"]


@dataclass(frozen=True, slots=True)
class Field:
    """One business-term value: its id (``BT-1``; ``""`` for a line of the engine's own), label and
    value in the view's language, the value as read."""

    term: str
    label: str
    value: str
    raw: str = ""


@dataclass(frozen=True, slots=True)
class Column:
    term: str
    label: str
    numeric: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    """A repeating group shown as a table (invoice lines, VAT breakdown, allowances and charges ...):
    one row per item, cells in column order (``""`` where an item has no value). ``details`` holds,
    per row, the fields of that item that do not fit a column (shown under the row)."""

    caption: str
    group: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    details: tuple[tuple[Field, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Section:
    """A titled part of the view: fields, then tables, then nested sections (one per item of a
    repeating group such as the payment instructions or the preceding invoices)."""

    key: str
    title: str
    group: str = ""
    fields: tuple[Field, ...] = ()
    tables: tuple[Table, ...] = ()
    sections: tuple[Section, ...] = ()


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the document carries (BG-24 with an embedded object, or a file embedded in the PDF).
    ``data`` None: not read (``note`` says why; ``size`` is then 0). ``origin``: ``"BG-24"`` (carried by the
    invoice XML itself) or ``"pdf"`` (embedded in the PDF beside the invoice XML)."""

    name: str
    mime: str
    size: int
    description: str = ""
    data: bytes | None = None
    note: str = ""
    origin: str = ""


@dataclass(frozen=True, slots=True)
class View:
    """The whole view: what the document is, its validation verdict and findings, its content."""

    lang: str
    title: str                     # e.g. "Invoice 2018210" in the view's language
    source: str                    # the file's name ("" for bytes given directly)
    syntax: str                    # "CII", "UBL Invoice", "UBL CreditNote", "Factur-X PDF (CII)"
    specification: str             # BT-24 as stated
    valid: bool | None             # None: not validated
    rule_sets: tuple[str, ...]     # what validation applied, each with version and why
    findings: tuple[Finding, ...]  # validation, then reading (totals stated differently, content not read)
    sections: tuple[Section, ...] = field(default=())
    attachments: tuple[Attachment, ...] = field(default=())
    show_ids: bool = False
    checked: bool = True           # False: the check could not run (artefact missing, too large, crash): no verdict
