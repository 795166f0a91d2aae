"""Validation of the French reform's messages beside the invoices: an official XSD and an official Schematron,
both installed per user (:data:`facturx_engine.artefacts.EXTRA_XSD`, :data:`~facturx_engine.artefacts.EXTRA_SCHEMATRON`;
``facturx-engine artefacts install``), run by the same XSD and Schematron stages as the invoices
(:mod:`facturx_engine.validation.xsd`, :mod:`facturx_engine.validation.schematron`).

:data:`MESSAGES` says which root element is which kind of message (:class:`MessageKind`): a lifecycle status
(CDAR, BR-FR-CDV rules) and an e-reporting transmission (flux 10, root ``Report`` in no namespace).
:func:`~facturx_engine.validation.core.validate` hands such a document to :func:`validate_message`; the report
lists the XSD and the Schematron applied, each with its version and SHA-256, and a fatal ``FXE-NOT-INSTALLED``
finding for either one that is not installed (no verdict without it). A kind may read the official findings
once more where the verdict alone would mislead (``reading``: flux 10's sender rules that do not apply, its
known upstream defect; :mod:`facturx_engine.validation.ereport`), each reading said in the finding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from facturx_engine import artefacts as _artefacts
from facturx_engine.errors import InputError, ResourceError
from facturx_engine.findings import Finding
from facturx_engine.validation.ereport import read_findings as _flux10_reading
from facturx_engine.validation.findings import Report, RuleSetUse, not_installed
from facturx_engine.validation.position import SourceMap
from facturx_engine.validation.schematron import run_schematron
from facturx_engine.validation.xsd import run_xsd

__all__ = ["MESSAGES", "MessageKind", "installed", "message_kind", "validate_message"]

Reading = Callable[[list[Finding], etree._Element, SourceMap], list[Finding]]



@dataclass(frozen=True, slots=True)
class MessageKind:
    """A kind of message: its root element (Clark notation), what the report calls it (``syntax``, ``document``,
    ``name``), the keys of its XSD and Schematron among the extra artefacts, the rule set key of each in the
    report, where its specification identifier is (relative to the root, or None), and how its official findings
    are read once more (None: as they are)."""

    root: str
    syntax: str
    document: str
    name: str
    xsd: str
    schematron: str
    key: str
    guideline: str | None = None
    reading: Reading | None = None


_CDAR = "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"
_RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"

MESSAGES: dict[str, MessageKind] = {
    kind.root: kind for kind in (
        MessageKind(f"{{{_CDAR}}}CrossDomainAcknowledgementAndResponse", "CDAR",
                    "CrossDomainAcknowledgementAndResponse",
                    "French lifecycle status (CDAR, BR-FR-CDV)", "cdar-xsd", "cdar", "fr-cdar",
                    f"{{{_CDAR}}}ExchangedDocumentContext/{{{_RAM}}}GuidelineSpecifiedDocumentContextParameter"
                    f"/{{{_RAM}}}ID"),
        MessageKind("Report", "flux 10", "Report", "French e-reporting flux 10", "flux10-xsd", "flux10", "fr-flux10",
                    reading=_flux10_reading),
    )
}
"""Each kind of message :func:`~facturx_engine.validation.core.validate` recognises by its root element."""


def installed(key: str) -> bool:
    """Whether the installed-per-user artefact ``key`` is there (an altered one raises when used)."""
    extra = _artefacts.EXTRA_SCHEMATRON.get(key) or _artefacts.EXTRA_XSD[key]
    manifest = _artefacts.load_extra_manifest(extra.package)
    return _artefacts.file_state(_artefacts.extra_dir(manifest) / extra.path, manifest["files"][extra.path]) != "missing"


def message_kind(root: etree._Element) -> MessageKind | None:
    """The kind of message of a parsed document, None for anything else (an invoice)."""
    return MESSAGES.get(root.tag) if isinstance(root.tag, str) else None


def _use(kind: MessageKind, artefact: str, what: str) -> RuleSetUse:
    """The report's entry for one artefact of ``kind`` (``installed`` False when it is not installed; an
    altered file raises :class:`ResourceError`)."""
    extra = _artefacts.EXTRA_SCHEMATRON.get(artefact) or _artefacts.EXTRA_XSD[artefact]
    manifest = _artefacts.load_extra_manifest(extra.package)
    digest = manifest["files"][extra.path]
    there = installed(artefact)
    if there:
        _artefacts.extra_path(artefact)  # refuses an altered file (ResourceError), checks an XSD's whole folder
    key = kind.key if what == "Schematron" else f"{kind.key}-xsd"
    return RuleSetUse(key, f"{kind.name} {what}", _artefacts.describe_extra(artefact), manifest["version"], digest,
                      f"root element {kind.document}: {extra.title}", there)


_INVOICE_OPTIONS = ("rules=", "profile=", "only=", "factur_x=")


def validate_message(xml: bytes, root: etree._Element, kind: MessageKind, *, schematron: bool = True,
                     asked: tuple[object, ...] = ()) -> Report:
    """Validate a message of ``kind`` (``root``: the parsed ``xml``) with its official XSD and Schematron.

    ``asked``: the values of the invoice options ``rules``, ``profile``, ``only`` and ``factur_x`` the caller
    passed to :func:`~facturx_engine.validation.core.validate`: they choose among the invoice rule sets and mean
    nothing for a message, so any set is an :class:`InputError` rather than silently ignored. ``schematron=False``
    runs the XSD only (a ``SCHEMATRON-NOT-RUN`` warning says so)."""
    named = [name for name, value in zip(_INVOICE_OPTIONS, asked) if value]
    if named:
        raise InputError(f"{', '.join(named)} choose(s) among the invoice rule sets; a {kind.name} is checked "
                         "with its own XSD and Schematron only")
    uses = [_use(kind, kind.xsd, "XSD"), _use(kind, kind.schematron, "Schematron")]
    findings = [not_installed(artefact, use) for artefact, use in zip((kind.xsd, kind.schematron), uses)
                if not use.installed]
    source = SourceMap(xml, root)
    if uses[0].installed:
        findings += run_xsd(root, kind.xsd, source)
    if not schematron:
        findings.append(Finding(rule="SCHEMATRON-NOT-RUN", severity="warning", location="/",
                                message=f"the Schematron rules ({uses[1].name}) were not run: only the XSD was asked "
                                        "for (schematron=False)", source="facturx_engine"))
    elif uses[1].installed:
        findings += run_schematron(etree.tostring(root, encoding="unicode"), kind.schematron, kind.key)
    if kind.reading is not None:
        findings = kind.reading(findings, root, source)
    element = root.find(kind.guideline) if kind.guideline else None
    guideline = None if element is None or element.text is None else element.text.strip()
    return Report(
        syntax=kind.syntax, document=kind.document, profile=kind.name, guideline=guideline,
        findings=tuple(source.place(findings)), artefacts=tuple(use.artefact for use in uses),
        rule_sets=tuple(uses),
    )
