"""The PEPPOL-COMMON-* rules of Peppol BIS Billing 3.0 (formats of identifiers by scheme)."""

from __future__ import annotations

from facturx_engine.validation.peppol.engine import Rule

__all__ = ["RULES"]

RULES: tuple[Rule, ...] = ()
