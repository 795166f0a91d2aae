"""Peppol BIS Billing 3.0, implemented by the engine (no licence allows shipping the OpenPeppol Schematron).

:data:`RULES` holds every rule of the public BIS 3.0.19 rule list, each checked in UBL and, where the
list gives a CII context, in CII: the PEPPOL-EN16931 rules (:mod:`.rules_en16931`; code lists, date format and
type codes in :mod:`.rules_codes`), the PEPPOL-COMMON
identifier checks (:mod:`.rules_common`) and the national rules that apply by the seller's (and buyer's)
country (:mod:`.rules_national`). :func:`run_peppol` evaluates them on a parsed document (see
:mod:`.engine`); :data:`FINGERPRINT` (SHA-256 of the rule modules' source) names what ran in a report.
Peppol warnings stay warnings.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from lxml import etree

from facturx_engine.findings import Finding
from facturx_engine.validation.peppol import variables as _variables
from facturx_engine.validation.peppol.engine import SOURCE, Rule, evaluate
from facturx_engine.validation.peppol.rules_codes import RULES as _CODES
from facturx_engine.validation.peppol.rules_common import RULES as _COMMON
from facturx_engine.validation.peppol.rules_en16931 import RULES as _EN16931
from facturx_engine.validation.peppol.rules_national import RULES as _NATIONAL

__all__ = ["FINGERPRINT", "RELEASE", "RULES", "SOURCE", "run_peppol"]

assert _variables  # registers $supplierCountry / $customerCountry

RELEASE = "Peppol BIS Billing 3.0.19 rules, implemented by facturx_engine"
"""The rule list the implementation follows (what the report gives as the rule set's version)."""

RULES: tuple[Rule, ...] = (*_EN16931, *_CODES, *_COMMON, *_NATIONAL)
"""Every Peppol BIS rule the engine checks, in the order of its findings."""


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


FINGERPRINT = _fingerprint()
"""SHA-256 of the source of this package: which implementation of the rules ran."""


def run_peppol(root: etree._Element, syntax: str) -> list[Finding]:
    """The Peppol BIS findings on the parsed document ``root`` (``syntax``: ``"UBL"`` or ``"CII"``)."""
    return evaluate(RULES, root, syntax)
