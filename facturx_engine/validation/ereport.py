"""Validation of a French e-reporting flux 10 transmission (root ``Report``): the official flux 10 XSD and
Schematron (``pyfrctc``, installed per user; :mod:`facturx_engine.validation.messages` runs them), then two
readings of their findings that the official verdict alone would get wrong, each one said in the finding:

* **Sender rules that do not apply.** The published Schematron is the platform-to-administration form: its
  sender rules G6.22 (scheme 0238, a 4-character registration number) and G7.51 (role WK) hold only when a
  registered platform sends. When the declarant sends its own report (the sender has the declarant's
  identifier and scheme, with role SE or BY), their findings are kept, as warnings of kind
  ``"not-applicable"`` whose message gives the reason: never hidden, never met by faking a platform identity.
  A sender that is neither a platform (WK) nor the declarant gets them as the fatal findings they are.
* **A known upstream defect.** The Schematron applies G1.16 (a price: no minus sign) to the encashed amounts
  TT-95 / TT-99 of the payments part, so it refuses a refund, a negative encashment, which is a valid business
  case. Those findings stay fatal (the official verdict is reported as it is, and the data is never bent) and
  get the kind ``"upstream-defect"`` with a note naming the rule.
"""

from __future__ import annotations

import dataclasses

from lxml import etree

from facturx_engine import ruleids as R
from facturx_engine.findings import Finding
from facturx_engine.validation.position import SourceMap

__all__ = ["SENDER_RULES", "UPSTREAM_DEFECTS", "read_findings"]

SENDER_RULES = frozenset({R.G6_22, R.G7_51})
"""The Schematron's rules on the sender that hold only when a registered platform sends."""
UPSTREAM_DEFECTS = {
    R.G1_16: "known upstream defect of the official flux 10 Schematron: it applies G1.16 (a price, no minus sign) "
             "to the encashed amount TT-95 / TT-99, so it refuses a refund (a negative encashment), a valid business "
             "case; the amount is reported as it is",
}
"""Official rules known to refuse valid business cases, with the note their findings get."""


def _declarant_sends(root: etree._Element) -> str | None:
    """Why the sender rules do not apply (the declarant sends its own report), or None when they do."""
    sender, issuer = root.find("ReportDocument/Sender"), root.find("ReportDocument/Issuer")
    if sender is None or issuer is None:
        return None
    role = (sender.findtext("RoleCode") or "").strip()
    declarant_role = (issuer.findtext("RoleCode") or "").strip()
    ident, declarant = sender.find("Id"), issuer.find("Id")
    if role not in ("SE", "BY") or (declarant_role and role != declarant_role) or ident is None or declarant is None:
        return None  # the sender is the declarant only in the declarant's own role
    same = ((ident.text or "").strip(), ident.get("schemeId")) == ((declarant.text or "").strip(),
                                                                    declarant.get("schemeId"))
    if not same:
        return None
    return (f"the declarant sends its own report (sender {ident.get('schemeId')} {(ident.text or '').strip()}, role "
            f"{role}), not a registered platform: the sender rules G6.22 and G7.51 of the platform form do not apply")


def _refund(source: SourceMap, finding: Finding) -> bool:
    """Whether ``finding`` is about a negative encashed amount of the payments part."""
    element = source.element(finding.location) if "PaymentsReport" in finding.location else None
    return element is not None and element.tag == "Amount" and (element.text or "").strip().startswith("-")


def _read(finding: Finding, source: SourceMap, not_applicable: str | None) -> Finding:
    if finding.rule in SENDER_RULES and not_applicable is not None:
        return dataclasses.replace(finding, severity="warning", kind="not-applicable",
                                   message=f"not applicable: {not_applicable} (the rule says: {finding.message})")
    note = UPSTREAM_DEFECTS.get(finding.rule)
    if note is not None and _refund(source, finding):
        return dataclasses.replace(finding, kind="upstream-defect", message=f"{finding.message} [{note}]")
    return finding


def read_findings(findings: list[Finding], root: etree._Element, source: SourceMap) -> list[Finding]:
    """The official findings of a flux 10 transmission, read as the module docstring says (the reading of its
    :class:`~facturx_engine.validation.messages.MessageKind`)."""
    not_applicable = _declarant_sends(root)
    return [_read(f, source, not_applicable) for f in findings]
