"""A view of any invoice a person can read: HTML (self-contained, printable) or PDF, in French,
English or German, with the validation findings on top.

:func:`view` is the public entry point (:mod:`.render`). :mod:`.build` makes the :class:`View` of a document
(:mod:`.layout` places each value the reader finds in its section, :mod:`.values` writes it for the language);
:mod:`.html` draws it as one self-contained HTML file, :mod:`.pdf` as a PDF.
"""

from __future__ import annotations

from facturx_engine.apps.view.model import Attachment, Column, Field, Section, Table, View
from facturx_engine.apps.view.render import FORMATS, view

__all__ = ["FORMATS", "Attachment", "Column", "Field", "Section", "Table", "View", "view"]
