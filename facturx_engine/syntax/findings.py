"""What reading reports: :class:`Finding`, and the reader's own rules.

A finding names its rule, business term and location, in four kinds (see
:mod:`facturx_engine.syntax.read`): ``totals``, ``model``, ``not-read`` and ``not-representable``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = ["CURRENCY_RULE", "NOT_READ_RULE", "NOT_REPRESENTABLE_RULE", "Finding", "shown"]

NOT_READ_RULE = "FXE-NOT-READ"
"""XML content that no row of the term table reads."""
NOT_REPRESENTABLE_RULE = "FXE-NOT-REPRESENTABLE"
"""A value read that the model has no place for."""
CURRENCY_RULE = "FXE-CURRENCY"
"""An amount whose currencyID is neither the invoice currency BT-5 nor the VAT accounting currency BT-6."""


@dataclass(frozen=True, slots=True)
class Finding:
    """Something :func:`~facturx_engine.syntax.read.read_document` reports about a received document.

    ``kind`` is ``"totals"`` (a stated total differs from the computed one: ``stated`` and
    ``computed`` hold both), ``"model"`` (a rule of the model broken by the document; the value is
    kept), ``"not-read"`` (XML content no business term reads) or ``"not-representable"`` (a value
    read that the model cannot hold). ``location`` is the XML path, or the model field path.
    """

    rule: str
    bt: str | None
    message: str
    location: str | None = None
    stated: Decimal | None = None
    computed: Decimal | None = None
    kind: str = "totals"

    def __str__(self) -> str:
        where = f" at {self.location}" if self.location else ""
        return f"[{self.rule}] {self.message}{where}"


def shown(text: str) -> str:
    """A text as a finding quotes it: white space collapsed, at most 60 characters, quoted."""
    text = " ".join(text.split())
    return repr(text if len(text) <= 60 else text[:57] + "...")
