"""Batch validation stage: find the documents, check each one, in worker processes, in input order.

Used by ``facturx-engine validate PATH...`` (:func:`add_command`) and usable from Python::

    from facturx_engine.batch import discover, check_files
    results = check_files(discover(["invoices/", "inbox/*.pdf"]), jobs=2)

* :func:`discover` turns paths into a sorted, de-duplicated list of files: a file is taken as it
  is (whatever its name), a directory is searched recursively for ``*.xml`` and ``*.pdf`` (any
  case), anything else is a glob pattern (``**`` recursive). A path that does not exist or a
  pattern that matches nothing raises :class:`~facturx_engine.errors.InputError`.
* :func:`check_file` reads one file. XML (CII or UBL 2.1) goes through
  :func:`~facturx_engine.validate.validate` (XSD + the Schematron of its profile + the rule sets
  asked for); a PDF goes through :func:`~facturx_engine.pdfcheck.check_pdf` and its embedded XML
  through ``validate``. A file that is not a well-formed invoice gets a fatal ``FXE-PARSE``
  finding; a file that cannot be read gets ``FXE-IO`` and counts as an I/O error (exit code 2).
* :func:`check_files` runs the files in ``jobs`` worker processes (``jobs=1``: in this process);
  each worker compiles each Schematron once and keeps it; results come back in input order.

Exit codes of the command: 0 every document valid (warnings allowed), 1 at least one invalid
document (or, with ``--fail-on warning``, one with a warning), 2 usage or I/O error.
"""

from __future__ import annotations

import argparse
import glob
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from .errors import InputError, ParseError, PdfError
from .validate import Finding, Report, Verdict, validate

__all__ = ["FileResult", "add_command", "check_file", "check_files", "discover", "exit_code"]

SUFFIXES = (".xml", ".pdf")
"""File name endings searched for in directories (compared case-insensitively)."""
PROGRESS_MIN = 20
"""Batches of at least this many files show a progress bar (only when stderr is a terminal)."""
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True, slots=True)
class FileResult(Verdict):
    """The outcome for one file: what it is, what was run and what was found."""

    file: str
    syntax: str | None
    profile: str | None
    findings: tuple[Finding, ...]
    artefacts: tuple[str, ...] = ()
    document: str | None = None
    guideline: str | None = None
    io_error: bool = False


# --------------------------------------------------------------------------- discovery


def discover(paths: Iterable[str]) -> list[str]:
    """Files named by ``paths`` (files, directories searched recursively, glob patterns)."""
    found: dict[str, None] = {}
    for name in paths:
        path = Path(name)
        if path.is_dir():
            matches = sorted(
                str(p) for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()
            )
            if not matches:
                raise InputError(f"no .xml or .pdf file found under the directory {name}")
        elif path.exists() or not _GLOB_CHARS & set(name):
            if not path.exists():
                raise InputError(f"cannot read {name}: no such file or directory")
            matches = [name]
        else:
            matches = sorted(p for p in glob.glob(name, recursive=True) if Path(p).is_file())
            if not matches:
                raise InputError(f"the pattern {name} matches no file")
        found.update(dict.fromkeys(matches))
    if not found:
        raise InputError("no file to validate")
    return list(found)


# --------------------------------------------------------------------------- one file


def _finding(rule: str, message: str, location: str = "") -> Finding:
    return Finding(rule=rule, severity="fatal", location=location, message=message, source="facturx_engine")


def check_file(name: str, *, rules: tuple[str, ...] = ()) -> FileResult:
    """Validate one file (XML or PDF). Never raises for a bad document: see the module docstring."""
    try:
        data = Path(name).read_bytes()
    except OSError as exc:
        message = f"cannot read the file: {exc.strerror or exc}"
        return FileResult(name, None, None, (_finding("FXE-IO", message),), io_error=True)
    if b"%PDF-" in data[:1024]:
        return _check_pdf(name, data, rules)
    try:
        report = validate(data, rules=rules)
    except ParseError as exc:
        return FileResult(name, None, None, (_finding("FXE-PARSE", str(exc)),))
    return _from_report(name, report)


def _from_report(name: str, report: Report, *, before: Sequence[Finding] = (),
                 artefacts: Sequence[str] = (), syntax: str | None = None) -> FileResult:
    return FileResult(
        file=name,
        syntax=syntax or report.syntax,
        profile=report.profile,
        findings=(*before, *report.findings),
        artefacts=(*artefacts, *report.artefacts),
        document=report.document,
        guideline=report.guideline,
    )


def _check_pdf(name: str, data: bytes, rules: tuple[str, ...]) -> FileResult:
    from .pdf import extract
    from .pdfcheck import check_pdf

    try:
        container = check_pdf(data)
    except PdfError as exc:
        return FileResult(name, "PDF", None, (_finding("FXE-PDF", str(exc)),))
    try:
        xml, _level = extract(data)
    except PdfError as exc:
        findings = (*container.findings, _finding("FXE-PDF-XML", str(exc)))
        return FileResult(name, "PDF", container.profile, findings, container.artefacts, container.document)
    try:
        report = validate(xml, rules=rules)
    except ParseError as exc:
        findings = (*container.findings, _finding("FXE-PARSE", f"embedded XML: {exc}"))
        return FileResult(name, "PDF", container.profile, findings, container.artefacts, container.document)
    return _from_report(name, report, before=container.findings, artefacts=container.artefacts,
                        syntax=f"PDF ({report.syntax})")


# --------------------------------------------------------------------------- many files


def _pool_context() -> Any:
    """``fork`` where it exists (the workers start in milliseconds), else the platform default.

    The parent never runs Saxon before starting the pool, and :mod:`facturx_engine.validate`
    rebuilds its Saxon processor in a forked child anyway.
    """
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def _quiet_worker() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool


def check_files(
    names: Sequence[str],
    *,
    rules: tuple[str, ...] = (),
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[FileResult]:
    """Check ``names`` with ``jobs`` worker processes (default: the number of CPUs; 1: in this
    process); the results are in the order of ``names``. ``progress(done, total)`` is called after
    each file."""
    jobs = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
    work = partial(check_file, rules=tuple(rules))
    results: list[FileResult] = []
    if jobs == 1 or len(names) < 2:
        outcomes: Iterator[FileResult] = map(work, names)
        for result in outcomes:
            results.append(result)
            if progress:
                progress(len(results), len(names))
        return results
    workers = min(jobs, len(names))
    with _pool_context().Pool(workers, initializer=_quiet_worker) as pool:
        for result in pool.imap(work, names, chunksize=1):
            results.append(result)
            if progress:
                progress(len(results), len(names))
    return results


def exit_code(results: Sequence[FileResult], *, fail_on: str = "error") -> int:
    """0 all valid, 1 some invalid (or with a warning under ``fail_on="warning"``), 2 I/O error."""
    if any(r.io_error for r in results):
        return 2
    if any(not r.valid for r in results):
        return 1
    if fail_on == "warning" and any(r.warnings for r in results):
        return 1
    return 0


# --------------------------------------------------------------------------- command line


@dataclass
class _Progress:
    """A one-line progress bar on a terminal's stderr, erased when the batch is done."""

    stream: TextIO
    width: int = 30

    def __call__(self, done: int, total: int) -> None:
        filled = self.width * done // total
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} files")
        if done == total:
            self.stream.write("\r" + " " * (self.width + 30) + "\r")
        self.stream.flush()


def add_command(sub: Any) -> None:
    """Add ``validate`` to the subcommands of :mod:`facturx_engine.cli`."""
    p = sub.add_parser(
        "validate", help="check invoices (CII, UBL 2.1, Factur-X PDF): XSD, Schematron, PDF checks",
        description="Validate files, directories (recursive: *.xml, *.pdf) and glob patterns offline. "
                    "Exit codes: 0 every document valid (warnings allowed), 1 at least one invalid "
                    "document, 2 usage or I/O error (unreadable path, no file matched).")
    p.add_argument("paths", nargs="+", metavar="PATH", help="file, directory or glob pattern")
    p.add_argument("--rules", action="append", choices=("fr-ctc", "extended-ctc-fr"), default=[],
                   help="add a rule set: fr-ctc (French BR-FR CTC rules), extended-ctc-fr (repeatable)")
    p.add_argument("--format", dest="fmt", choices=("text", "json", "junit", "sarif"), default="text",
                   help="report format (default text)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE (atomically) instead of stdout")
    p.add_argument("--fail-on", choices=("error", "warning"), default="error",
                   help="warning: a document with warnings also fails (exit 1)")
    p.add_argument("-j", "--jobs", type=_jobs, default=None, metavar="N",
                   help="worker processes (default: the number of CPUs; 1: no worker process)")
    p.set_defaults(run=_run)


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of workers, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 worker, got {value}")
    return value


def _run(args: argparse.Namespace) -> int:
    from .cli import CommandError, write_atomic
    from .report import render

    try:
        names = discover(args.paths)
    except InputError as exc:
        raise CommandError(exc.message) from None
    rules = tuple(dict.fromkeys(args.rules))
    bar = _Progress(sys.stderr) if len(names) >= PROGRESS_MIN and sys.stderr.isatty() else None
    results = check_files(names, rules=rules, jobs=args.jobs, progress=bar)
    text = render(results, args.fmt, rules=rules)
    if args.output:
        write_atomic(args.output, text.encode("utf-8"))
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return exit_code(results, fail_on=args.fail_on)
