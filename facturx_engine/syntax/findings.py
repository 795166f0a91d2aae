"""What reading reports: :func:`read_finding` makes its :class:`~facturx_engine.findings.Finding`, and the
reader's own rules.

A finding names its rule, business term and location, in four kinds (see
:mod:`facturx_engine.syntax.read`): ``totals``, ``model``, ``not-read`` and ``not-representable``.
"""

from __future__ import annotations

from decimal import Decimal

from facturx_engine import ruleids as R
from facturx_engine.findings import Finding
from facturx_engine.rules import rule as rule_of

__all__ = ["CURRENCY_RULE", "NOT_READ_RULE", "NOT_REPRESENTABLE_RULE", "read_finding", "shown"]

NOT_READ_RULE = R.FXE_NOT_READ
"""XML content that no row of the term table reads."""
NOT_REPRESENTABLE_RULE = R.FXE_NOT_REPRESENTABLE
"""A value read that the model has no place for."""
CURRENCY_RULE = R.FXE_CURRENCY
"""An amount whose currencyID is neither the invoice currency BT-5 nor the VAT accounting currency BT-6."""


def read_finding(rule: str, bt: str | None, message: str, location: str | None = None,
                 stated: Decimal | None = None, computed: Decimal | None = None, kind: str = "totals") -> Finding:
    """A :class:`~facturx_engine.findings.Finding` of reading (``kind`` one of
    :data:`~facturx_engine.findings.READING_KINDS`): its severity is the rule's flag in the rules table
    (``warning`` for a rule it does not know), its business term ``bt``, else those the table names for the
    rule; ``location`` the XML path, or the model field path."""
    known = rule_of(rule)
    return Finding(rule, "warning" if known is None else known.flag, location or "", message,
                   (bt,) if bt else () if known is None else known.terms, "facturx_engine", stated, computed, kind)


def shown(text: str) -> str:
    """A text as a finding quotes it: white space collapsed, at most 60 characters, quoted."""
    text = " ".join(text.split())
    return repr(text if len(text) <= 60 else text[:57] + "...")
