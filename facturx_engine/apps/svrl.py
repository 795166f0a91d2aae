"""The SVRL report of ``facturx-engine validate --format svrl``: one Schematron Validation Report Language
document per file, merging every rule set applied (as the KoSIT validator and Mustang gather the SVRL
of each of their steps), in the SVRL namespace ``http://purl.oclc.org/dsdl/svrl``.

:func:`render_svrl` gives the document of one :class:`~facturx_engine.apps.batch.FileResult`::

    svrl:schematron-output  title="facturx-engine merged SVRL: FILE"  schemaVersion="KEY=VERSION; ..."
      svrl:text                           the file, its verdict, syntax, profile; one per rule set applied:
                                          key, name, version, SHA-256 of the stylesheet, artefact, why
      svrl:ns-prefix-in-attribute-values  the prefixes the engine's own locations use (rsm, ram, cbc, ...)
      per part, in order -- "xsd" (the XSD), each rule set by its key (cen, xrechnung, fr-ctc, ...),
      "facturx-engine" (the engine's own checks) -- when it ran or reported:
        svrl:active-pattern  id=PART  name="NAME (VERSION; sha256 HASH)"  role="xsd|rule-set|engine"
                             documents=the file's URI
        svrl:fired-rule      context="/"  (SVRL wants one before the findings: the engine keeps the
                                          findings, not each rule fired, so one stands for them all)
        svrl:failed-assert | svrl:successful-report   id=RULE  flag=fatal|warning  location  test=""
          svrl:text          the message

An XSD error is a ``failed-assert`` of the ``xsd`` pattern, id ``XSD``, location ``line N`` (the line
of the element's start tag). A finding is a ``successful-report`` when the Schematron gave it no rule id
and reported it (rule ``SCHEMATRON-REPORT``), else a ``failed-assert``: the engine keeps the rule id,
flag, location and message of each finding, not the kind of Schematron test nor its ``test``
expression (written empty). The kind is nevertheless the stylesheet's own: no compiled stylesheet of
the rule sets gives a rule id to a report (the Factur-X ones report attributes "marked as not used"
without one; CEN, XRechnung and the French rules only assert), and the engine implements the Peppol
BIS rules as assertions (each one holds where it applies); ``tests/test_svrl_kinds.py`` reads every
installed stylesheet to prove it and compares the SVRL of a stock stylesheet with the merged one. A
rule set not installed has its pattern and its ``FXE-NOT-INSTALLED`` finding. Every text is passed through :func:`facturx_engine.apps.display.printable`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from lxml import etree

from facturx_engine.apps.batch import STDIN, FileResult
from facturx_engine.apps.display import printable
from facturx_engine.findings import Finding
from facturx_engine.model.codes import RULE_SETS
from facturx_engine.validation.findings import RuleSetUse
from facturx_engine.validation.messages import MESSAGES
from facturx_engine.validation.peppol.engine import NS as PREFIXES

__all__ = ["NS", "render_svrl", "svrl_names"]

NS = "http://purl.oclc.org/dsdl/svrl"
_S = f"{{{NS}}}"
_ENGINE = "facturx-engine"
_LABELS = {r.key: {r.name, *(sheet[1] for sheet in (r.cii, r.ubl) if sheet)} for r in RULE_SETS}
_LABELS.update({kind.key: {kind.key} for kind in MESSAGES.values()})
"""The ``source`` labels of the findings of each rule set (and its name, what the Peppol rules give); a message's
Schematron findings carry its rule set key (:mod:`facturx_engine.validation.messages`)."""


def _part(finding: Finding, uses: Sequence[RuleSetUse]) -> str:
    """The pattern a finding belongs to: ``xsd``, a rule set's key, or the engine's own."""
    if finding.source == "xsd":
        return "xsd"
    return next((use.key for use in uses if finding.source in _LABELS.get(use.key, ())), _ENGINE)


def _versions(uses: Sequence[RuleSetUse]) -> str:
    return "; ".join(f"{use.key}={use.version}" for use in uses)


def _add_text(parent: etree._Element, text: str) -> None:
    etree.SubElement(parent, _S + "text").text = printable(text)


def render_svrl(result: FileResult, engine: str, uri: str) -> str:
    """The merged SVRL document of one file's ``result`` (``engine``: the engine's name and version,
    ``uri``: the file as the report names it)."""
    root = etree.Element(_S + "schematron-output", nsmap={"svrl": NS})
    root.set("title", f"facturx-engine merged SVRL: {printable(result.file)}")
    root.set("schemaVersion", printable(_versions(result.rule_sets)) or engine)
    root.append(etree.Comment(f" written by {engine}: every rule set applied to this file, in order; see "
                              "facturx_engine/apps/svrl.py for the structure "))
    verdict = "not checked" if result.io_error else "valid" if result.valid else "invalid"
    _add_text(root, f"{result.file}: {verdict}; syntax {result.syntax or '-'}, profile {result.profile or '-'}; "
                    f"{len(result.errors)} fatal, {len(result.warnings)} warning; checked by {engine}")
    for use in result.rule_sets:
        state = "" if use.installed else ", NOT INSTALLED"
        _add_text(root, f"rule set {use.key}: {use.name}, version {use.version}, sha256 {use.sha256}, "
                        f"artefact {use.artefact}{state}; {use.reason}")
    for prefix, namespace in PREFIXES.items():
        etree.SubElement(root, _S + "ns-prefix-in-attribute-values", prefix=prefix, uri=namespace)
    groups: dict[str, list[Finding]] = {"xsd": []}
    groups.update((use.key, []) for use in result.rule_sets)
    groups[_ENGINE] = []
    for finding in result.findings:
        groups[_part(finding, result.rule_sets)].append(finding)
    uses = {use.key: use for use in result.rule_sets}
    xsd = next((a for a in result.artefacts if a.endswith(".xsd")), "")
    emitted = 0
    for part, findings in groups.items():
        applied = uses.get(part)
        if applied is not None:
            name, role = f"{applied.name} ({applied.version}; sha256 {applied.sha256})", "rule-set"
        elif part == "xsd":
            if not xsd and not findings:
                continue
            name, role = f"XSD {xsd}".strip(), "xsd"
        elif findings or not emitted:  # SVRL needs one pattern at least
            name, role = engine, "engine"
        else:
            continue
        etree.SubElement(root, _S + "active-pattern", id=part, name=printable(name), role=role, documents=uri)
        emitted += 1
        etree.SubElement(root, _S + "fired-rule", context="/")
        for finding in findings:
            _add_finding(root, finding)
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8").decode("utf-8")


def _add_finding(parent: etree._Element, finding: Finding) -> None:
    kind = "successful-report" if finding.rule == "SCHEMATRON-REPORT" else "failed-assert"
    item = etree.SubElement(parent, _S + kind, id=printable(finding.rule), flag=finding.severity,
                            location=printable(finding.location or "/"), test="")
    _add_text(item, " ".join(finding.message.split()))


def svrl_names(results: Sequence[FileResult]) -> list[str]:
    """The file name of each result's SVRL in an output directory: the input's base name with ``.svrl``
    added (``invoice.xml.svrl``; the standard input: ``stdin.svrl``); a name already taken gets its
    rank, ``invoice.xml.2.svrl``, in input order."""
    names: list[str] = []
    taken: set[str] = set()
    for result in results:
        base = "stdin" if result.file == STDIN else os.path.basename(os.path.normpath(result.file)) or "document"
        name, rank = f"{base}.svrl", 1
        while name.lower() in taken:  # also distinct on a case-insensitive file system
            rank += 1
            name = f"{base}.{rank}.svrl"
        taken.add(name.lower())
        names.append(name)
    return names
