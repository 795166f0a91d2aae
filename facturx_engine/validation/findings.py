"""What validation reports: a :class:`~facturx_engine.findings.Finding` per problem (the rule, its severity,
where, what, the business terms it names), and the :class:`Report` of :func:`~facturx_engine.validation.core.validate`
(also that of :func:`~facturx_engine.pdf.check.check_pdf`), whose :class:`Verdict` says whether the
document is valid.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from facturx_engine import artefacts as _artefacts
from facturx_engine import ruleids as R
from facturx_engine.errors import ResourceError, ValidationFailed
from facturx_engine.findings import Finding

__all__ = ["Report", "RuleSetUse", "Verdict", "not_installed"]


@dataclass(frozen=True, slots=True)
class RuleSetUse:
    """A rule set a validation applied (or could not: ``installed`` False), and why it was chosen.

    ``key`` / ``name``: its row of :data:`~facturx_engine.model.codes.RULE_SETS`; ``artefact``: the
    stylesheet run, with the distribution that carries it; ``version``: the official release where the
    artefacts state it, else that distribution's version; ``sha256``: the pinned hash of the stylesheet."""

    key: str
    name: str
    artefact: str
    version: str
    sha256: str
    reason: str
    installed: bool = True

    def __str__(self) -> str:
        state = "" if self.installed else " NOT INSTALLED"
        return f"{self.name} ({self.version}; sha256 {self.sha256[:12]}){state}: {self.reason}"



def not_installed(artefact: str, use: RuleSetUse) -> Finding:
    """The fatal finding of a rule set whose official artefact (stylesheet or XSD) is not installed: no verdict
    without it. The message says what to run (or, when the file is there but altered, what is wrong)."""
    try:
        _artefacts.extra_path(artefact)
        why = f"the {use.name} rule set is not installed; run `{_artefacts.INSTALL_COMMAND}`"
    except ResourceError as exc:  # names the file, the command and the offline way
        why = str(exc)
    return Finding(rule=R.FXE_NOT_INSTALLED, severity="fatal", location="/", source="facturx_engine",
                   message=f"{why}. This document has NO {use.name} verdict (that rule set applies: {use.reason})")


class Verdict:
    """``valid`` / ``errors`` / ``warnings`` of anything that holds ``findings`` (a :class:`Report`,
    a batch result of :mod:`facturx_engine.apps.batch`)."""

    __slots__ = ()
    findings: tuple[Finding, ...]

    @property
    def valid(self) -> bool:
        """True when no finding is fatal (warnings do not make a document invalid)."""
        return not self.errors

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The fatal findings."""
        return tuple(f for f in self.findings if f.severity == "fatal")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """The non-fatal findings."""
        return tuple(f for f in self.findings if f.severity != "fatal")


@dataclass(frozen=True, slots=True)
class Report(Verdict):
    """Outcome of :func:`validate`: what was detected, what ran and what was found."""

    syntax: str
    document: str
    profile: str | None
    guideline: str | None
    findings: tuple[Finding, ...]
    artefacts: tuple[str, ...]
    rule_sets: tuple[RuleSetUse, ...] = ()

    def raise_for_errors(self) -> Report:
        """Raise :class:`ValidationFailed` listing the fatal findings; return ``self`` if none."""
        errors = self.errors
        if errors:
            lines = "\n".join(f"  {finding}" for finding in errors)
            raise ValidationFailed(
                f"{self.syntax} {self.document} ({self.profile}) has {len(errors)} fatal "
                f"finding(s):\n{lines}",
                report=self,
            )
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (tuples become lists), with ``valid`` added."""
        data = asdict(self)
        data["findings"] = [f.as_dict() for f in self.findings]
        data["artefacts"] = list(self.artefacts)
        data["rule_sets"] = [asdict(use) for use in self.rule_sets]
        data["valid"] = self.valid
        return data

    def __str__(self) -> str:
        verdict = "valid" if self.valid else "invalid"
        head = (
            f"{self.syntax} {self.document}, profile {self.profile}: {verdict} "
            f"({len(self.errors)} fatal, {len(self.warnings)} warning)"
        )
        rule_sets = [f"rule set: {use}" for use in self.rule_sets]
        return "\n".join([head, *rule_sets, *(str(f) for f in self.findings)])
