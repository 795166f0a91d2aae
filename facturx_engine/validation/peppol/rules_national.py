"""The national rules of Peppol BIS Billing 3.0 (DE, DK, GR, IS, IT, NL, NO, SE): they apply by the
seller's (and for some the buyer's) country."""

from __future__ import annotations

from facturx_engine.validation.peppol.engine import Rule

__all__ = ["RULES"]

RULES: tuple[Rule, ...] = ()
