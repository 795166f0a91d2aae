"""Validation of the French reform's messages other than invoices (e-reporting flux 10, and the like): one XML
checked against an installed-per-user XSD (:data:`facturx_engine.artefacts.EXTRA_XSD`) and Schematron
(:data:`facturx_engine.artefacts.EXTRA_SCHEMATRON`), with the runners every validation uses
(:func:`~facturx_engine.validation.xsd.run_xsd`, :func:`~facturx_engine.validation.schematron.run_schematron`).

An artefact that is not installed gives a fatal ``FXE-NOT-INSTALLED`` finding (no verdict without it), never a
pass; an altered one raises :class:`~facturx_engine.errors.ResourceError`.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from facturx_engine import artefacts as _artefacts
from facturx_engine.findings import Finding
from facturx_engine.validation.findings import RuleSetUse
from facturx_engine.validation.position import SourceMap
from facturx_engine.validation.schematron import run_schematron
from facturx_engine.validation.xsd import run_xsd

__all__ = ["Checked", "MessageRules", "check_message", "installed"]


@dataclass(frozen=True, slots=True)
class MessageRules:
    """The official artefacts of one kind of message: keys of ``EXTRA_XSD`` and ``EXTRA_SCHEMATRON``, the rule set
    key and name the report gives, and why they apply."""

    xsd: str
    schematron: str
    key: str
    name: str


@dataclass(frozen=True, slots=True)
class Checked:
    """What :func:`check_message` found, the rule set applied (with version and hash) and the artefacts run."""

    findings: tuple[Finding, ...]
    rule_set: RuleSetUse
    artefacts: tuple[str, ...]


def _digest(key: str) -> tuple[str, str]:
    """``(version, sha256)`` of the installed-per-user artefact ``key`` as its manifest pins them."""
    extra = _artefacts.EXTRA_SCHEMATRON.get(key) or _artefacts.EXTRA_XSD[key]
    manifest = _artefacts.load_extra_manifest(extra.package)
    return f"{manifest['package']} {manifest['version']}", manifest["files"][extra.path]


def installed(key: str) -> bool:
    """Whether the installed-per-user artefact ``key`` is there (an altered one raises when used)."""
    extra = _artefacts.EXTRA_SCHEMATRON.get(key) or _artefacts.EXTRA_XSD[key]
    manifest = _artefacts.load_extra_manifest(extra.package)
    path = _artefacts.extra_dir(manifest) / extra.path
    return _artefacts.file_state(path, manifest["files"][extra.path]) != "missing"


def _not_installed(key: str, name: str, reason: str) -> Finding:
    try:
        _artefacts.extra_path(key)
        why = f"the {name} rules are not installed; run `{_artefacts.INSTALL_COMMAND}`"
    except Exception as exc:  # ResourceError: names the file, the command and the offline way
        why = str(exc)
    return Finding(rule="FXE-NOT-INSTALLED", severity="fatal", location="/",
                   message=f"{why}. This document has NO {name} verdict (those rules apply: {reason})",
                   source="facturx_engine")


def check_message(root: etree._Element, source: SourceMap | None, rules: MessageRules, reason: str,
                  schematron: bool = True) -> Checked:
    """Run the official XSD and Schematron of ``rules`` on the parsed message ``root`` (``source``: its
    :class:`SourceMap`, for the line and column of each XSD finding). Both run whatever the other finds;
    ``schematron=False`` runs the XSD only, and a ``SCHEMATRON-NOT-RUN`` warning says so."""
    version, digest = _digest(rules.schematron)
    ok = {key: installed(key) for key in (rules.xsd, rules.schematron)}
    use = RuleSetUse(rules.key, rules.name, _artefacts.describe_extra(rules.schematron), version, digest, reason,
                     ok[rules.schematron])
    findings: list[Finding] = []
    for key in (rules.xsd, rules.schematron):
        if not ok[key]:
            findings.append(_not_installed(key, rules.name, reason))
    if ok[rules.xsd]:
        findings += run_xsd(root, rules.xsd, source)
    if not schematron:
        findings.append(Finding(rule="SCHEMATRON-NOT-RUN", severity="warning", location="/", source="facturx_engine",
                                message=f"the {rules.name} Schematron was not run: only the XSD was asked for"))
    elif ok[rules.schematron]:
        findings += run_schematron(etree.tostring(root, encoding="unicode"), rules.schematron, rules.key)
    return Checked(tuple(findings), use, (_artefacts.describe_extra(rules.xsd), use.artefact))
