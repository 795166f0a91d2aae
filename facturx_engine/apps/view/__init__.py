"""A view of any invoice a person can read: HTML (self-contained, printable) or PDF, in French,
English or German, with the validation findings on top.

Skeleton: :func:`view` is the public entry point; the lead's helpers fill :mod:`.build`,
:mod:`.html` and :mod:`.pdf`.
"""

from __future__ import annotations

from facturx_engine.apps.view.model import Attachment, Column, Field, Section, Table, View
from facturx_engine.apps.view.render import FORMATS, view

__all__ = ["FORMATS", "Attachment", "Column", "Field", "Section", "Table", "View", "view"]
