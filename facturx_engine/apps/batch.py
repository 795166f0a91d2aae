"""Batch validation stage: find the documents, check each one in worker processes, report in input order.

Used by ``facturx-engine validate PATH...`` (:mod:`facturx_engine.cli.validate`) and usable from Python::

    from facturx_engine.apps.batch import discover, check_files
    results = check_files(discover(["invoices/", "inbox/*.pdf"]), jobs=2)

* :func:`discover` turns paths into a sorted list of files, each real file once: a file is taken as
  it is (whatever its name), a directory is searched recursively for ``*.xml`` and ``*.pdf`` (any
  case), anything else is a glob pattern (``**`` recursive). Symbolic links to directories are
  followed, each real directory once, so a link cycle cannot loop; a file reached under two names
  (a link, ``./a.xml`` and ``a.xml``) is listed once, under the first (the command prints a
  ``note:`` for each name left out). Broken links, special files (FIFO, socket, device) and
  directories that cannot be listed, met in a directory or a glob, are listed: they get their finding.
  ``-`` is the standard input. A named path that does not exist, a pattern that matches nothing and
  a directory without invoices raise :class:`~facturx_engine.errors.InputError` (nothing is run).
* :func:`check_file` checks one file and never raises. XML (CII or UBL 2.1) goes through
  :func:`~facturx_engine.validation.core.validate`; a PDF through :func:`~facturx_engine.pdf.check.check_pdf`
  and its embedded XML through ``validate``. A file that is not a well-formed invoice gets a fatal
  ``FXE-PARSE`` finding (a damaged PDF: ``FXE-PDF``). A file that could not be checked -- unreadable
  (``FXE-IO``: permissions, a broken link, a directory that cannot be listed, a special file),
  larger than ``max_bytes`` (``FXE-SIZE``), or whose check failed (``FXE-CRASH``: an error of the
  engine, or the worker process died or ran past the timeout) -- gets that fatal finding and counts
  as not checked (exit code 2). An official artefact missing or altered is ``FXE-ARTEFACT`` (exit 3); a
  rule set a document claims whose stylesheet is not installed per user is its ``FXE-NOT-INSTALLED``
  finding (exit 4).
* :func:`check_files` runs the files in ``jobs`` worker processes (:mod:`facturx_engine.apps.workers`),
  ``-j 1`` included: a file that crashes or kills its worker (or runs past ``timeout``) costs that
  file only, never the batch; it is checked once more, in a fresh worker, without the Schematron,
  so that its XSD findings are reported next to the ``FXE-CRASH`` finding (a second crash leaves
  ``FXE-CRASH`` alone). Each worker compiles each Schematron it needs once and keeps it for the rest
  of the batch (the first file of a worker, timeout included, pays for that: about a second); results
  come back in input order. Workers are forked from the calling process, unless it holds compiled
  stylesheets itself (it validated in-process before): SaxonC does not survive ``fork``, so a forked
  worker could neither use nor free them and would carry their memory (about 100 MB each); they are
  then spawned (:func:`~facturx_engine.validation.schematron.holds_saxon`; each imports the calling
  program's main module, as any ``spawn`` start does: its work must sit under ``if __name__ == "__main__":``). What a
  check writes on the error output (native libraries, Python warnings) is captured in the worker and
  becomes an ``FXE-STDERR`` warning of that file.

Exit codes of the command: 0 every document valid (warnings allowed), 1 at least one invalid
document (or, with ``--fail-on warning``, one with a warning), 2 usage error or a file not checked,
3 an official artefact missing or altered.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import stat
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from facturx_engine import ruleids as R
from facturx_engine.apps.display import printable
from facturx_engine.syntax.limits import MAX_XML_BYTES, read_bounded, too_large
from facturx_engine.apps.workers import Retry, imap_isolated
from facturx_engine.errors import FacturXError, InputError, ParseError, PdfError, ResourceError
from facturx_engine.validation.core import validate
from facturx_engine.findings import Finding
from facturx_engine.validation.findings import Report, RuleSetUse, Verdict
from facturx_engine.validation.schematron import holds_saxon

__all__ = ["FileResult", "check_file", "check_files", "discover", "discover_with_duplicates", "exit_code",
           "file_identity"]

SUFFIXES = (".xml", ".pdf")
"""File name endings searched for in directories (compared case-insensitively)."""
STDIN = "-"
"""The name that stands for the standard input."""
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True, slots=True)
class FileResult(Verdict):
    """The outcome for one file: what it is, what was run and what was found.

    ``io_error``: the file could not be checked (unreadable, too large, its check failed);
    ``artefact_error``: an official artefact is missing or altered.
    """

    file: str
    syntax: str | None
    profile: str | None
    findings: tuple[Finding, ...]
    artefacts: tuple[str, ...] = ()
    document: str | None = None
    guideline: str | None = None
    io_error: bool = False
    artefact_error: bool = False
    rule_sets: tuple[RuleSetUse, ...] = ()

    @property
    def not_installed(self) -> bool:
        """A rule set this document claims is not installed: it has no verdict under that rule set."""
        return any(f.rule == R.FXE_NOT_INSTALLED for f in self.findings)


# --------------------------------------------------------------------------- discovery


def discover(paths: Iterable[str]) -> list[str]:
    """Files named by ``paths`` (files, directories searched recursively, glob patterns), each real
    file once (see the module docstring)."""
    return discover_with_duplicates(paths)[0]


def discover_with_duplicates(paths: Iterable[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """(the files, the (name, same file as) pairs left out because already listed)."""
    found: dict[object, str] = {}
    duplicates: list[tuple[str, str]] = []
    for name in paths:
        for match in _matches(name):
            key = file_identity(match)
            if key in found:
                if found[key] != match:
                    duplicates.append((match, found[key]))
                continue
            found[key] = match
    if not found:
        raise InputError("no file to validate")
    return list(found.values()), duplicates


def _matches(name: str) -> list[str]:
    if name == STDIN:
        return [STDIN]
    if not name:
        raise InputError("an empty path names no file")
    path = Path(name)
    if path.is_dir():
        matches = sorted(_walk(name, lambda entry: entry.lower().endswith(SUFFIXES)))
        if not matches:
            raise InputError(f"no .xml or .pdf file found under the directory {printable(name)}")
        return matches
    if os.path.lexists(name) or not _GLOB_CHARS & set(name):
        if not os.path.lexists(name):
            raise InputError(f"cannot read {printable(name)}: no such file or directory")
        return [name]
    matches = sorted(_glob(name))
    if not matches:
        raise InputError(f"the pattern {printable(name)} matches no file")
    return matches


def file_identity(name: str) -> object:
    """What makes two names the same file: device and inode, else the normalised absolute path."""
    if name == STDIN:
        return STDIN
    try:
        info = os.stat(name)
    except (OSError, ValueError):
        return os.path.normpath(os.path.abspath(name))
    return (info.st_dev, info.st_ino)


def _walk(top: str, wanted: Callable[[str], bool], *, hidden: bool = True) -> Iterator[str]:
    """Entries under ``top`` whose name is ``wanted`` and that are not directories (broken links and
    special files included), and the directories that cannot be listed. Links to directories are
    followed, each real directory once."""
    seen: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            info = os.stat(folder)
            if (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name, reverse=True)
        except OSError:
            yield folder  # a directory that cannot be listed: check_file says why
            continue
        for entry in entries:
            if not hidden and entry.name.startswith("."):
                continue
            if _is_dir(entry):
                stack.append(entry.path)
            elif wanted(entry.name):
                yield entry.path


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows links
    except OSError:
        return False


def _glob(pattern: str) -> list[str]:
    """Files a glob pattern names. ``**`` is walked by :func:`_walk` (links followed, each directory
    once: :func:`glob.glob` would loop on a link cycle); the other patterns by :func:`glob.glob`."""
    if "**" not in pattern:
        return [p for p in glob.glob(pattern) if not os.path.isdir(p)]
    parts = pattern.split("/")
    first = next(i for i, part in enumerate(parts) if _GLOB_CHARS & set(part))
    fixed = "/".join(parts[:first])
    base = fixed if fixed else "/" if first else "."
    if first == 1 and not parts[0]:
        base = "/"
    if not os.path.isdir(base):
        return []
    found = []
    for path in _walk(base, lambda _name: True, hidden=False):
        relative = path[len(base):].lstrip("/") if first else path[2:]  # _walk(".") gives "./name"
        if _glob_match(relative.split("/"), parts[first:]):
            found.append(path if first else relative)
    return found


def _glob_match(names: list[str], parts: list[str]) -> bool:
    """Whether path components ``names`` match pattern components ``parts`` (``**``: any number of
    directories); as in :mod:`glob`, a wildcard does not match a name that starts with a dot."""
    if not parts:
        return not names
    head, rest = parts[0], parts[1:]
    if head == "**":
        return any(_glob_match(names[i:], rest) for i in range(len(names) + 1))
    return (bool(names) and (head.startswith(".") or not names[0].startswith("."))
            and fnmatch.fnmatchcase(names[0], head) and _glob_match(names[1:], rest))


# --------------------------------------------------------------------------- one file


def _finding(rule: str, message: str, location: str = "", severity: str = "fatal") -> Finding:
    return Finding(rule=rule, severity=severity, location=location, message=message, source="facturx_engine")


def _not_checked(name: str, rule: str, message: str) -> FileResult:
    return FileResult(name, None, None, (_finding(rule, message),), io_error=True)


def check_file(name: str, *, rules: tuple[str, ...] = (), max_bytes: int | None = None,
               data: bytes | None = None, schematron: bool = True, only: tuple[str, ...] | None = None) -> FileResult:
    """Validate one file (XML or PDF; ``data``: its bytes, already read; ``schematron=False``: the XSD
    only; ``rules`` / ``only``: as :func:`~facturx_engine.validation.core.validate`). Never raises: see the
    module docstring for the findings of a file that cannot be checked."""
    limit = MAX_XML_BYTES if max_bytes is None else max_bytes
    try:
        if data is None:
            read = _read(name, limit)
            if isinstance(read, FileResult):
                return read
            data = read
        elif (message := too_large(len(data), limit, "the file")) is not None:
            return _not_checked(name, R.FXE_SIZE, message)
        return _check_bytes(name, data, (tuple(rules), only), limit, schematron)
    except ResourceError as exc:
        return FileResult(name, None, None, (_finding(R.FXE_ARTEFACT, str(exc)),), io_error=True,
                          artefact_error=True)
    except MemoryError:
        return _not_checked(name, R.FXE_CRASH, "not enough memory to check this file")
    except RecursionError:
        return _not_checked(name, R.FXE_CRASH, "the file is nested too deeply to be checked")
    except Exception as exc:  # a bug of the engine: this file's finding, never the batch's end
        return _not_checked(name, R.FXE_CRASH, f"the check of this file failed ({type(exc).__name__}: {exc}); "
                                               "this is a bug of facturx-engine, please report it")


def _read(name: str, limit: int) -> bytes | FileResult:
    """The bytes of ``name`` (at most ``limit``), or the result of a file that cannot be read."""
    try:
        info = os.stat(name)
    except OSError as exc:
        if os.path.islink(name):
            return _not_checked(name, R.FXE_IO, "cannot read the file: it is a broken symbolic link")
        return _not_checked(name, R.FXE_IO, f"cannot read the file: {exc.strerror or exc}")
    if stat.S_ISDIR(info.st_mode):
        try:
            os.listdir(name)
        except OSError as exc:
            return _not_checked(name, R.FXE_IO, f"cannot list the directory: {exc.strerror or exc}")
        return _not_checked(name, R.FXE_IO, "a directory, not a file")
    if stat.S_ISREG(info.st_mode):
        if (message := too_large(info.st_size, limit, "the file")) is not None:
            return _not_checked(name, R.FXE_SIZE, message)
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            return _not_checked(name, R.FXE_IO, f"cannot read the file: {exc.strerror or exc}")
    elif stat.S_ISFIFO(info.st_mode) or stat.S_ISSOCK(info.st_mode) or stat.S_ISBLK(info.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a socket" if stat.S_ISSOCK(info.st_mode) \
            else "a block device"
        return _not_checked(name, R.FXE_IO, f"not a regular file ({kind}); not read")
    else:  # a character device (/dev/stdin, /dev/zero): read, at most the limit
        try:
            with open(name, "rb") as stream:
                data = read_bounded(stream, limit)
        except OSError as exc:
            return _not_checked(name, R.FXE_IO, f"cannot read the file: {exc.strerror or exc}")
    if (message := too_large(len(data), limit, "the file")) is not None:
        return _not_checked(name, R.FXE_SIZE, message)
    return data


_Rules = tuple[tuple[str, ...], tuple[str, ...] | None]
"""``(rules, only)`` of :func:`~facturx_engine.validation.core.validate`."""


def _check_bytes(name: str, data: bytes, rules: _Rules, limit: int, schematron: bool) -> FileResult:
    if b"%PDF-" in data[:1024]:
        return _check_pdf(name, data, rules, limit, schematron)
    try:
        report = validate(data, rules=rules[0], only=rules[1], max_bytes=limit, schematron=schematron)
    except ParseError as exc:
        return FileResult(name, None, None, (_finding(R.FXE_PARSE, str(exc)),))
    except ResourceError:
        raise  # not the document's fault: FXE-ARTEFACT (check_file)
    except FacturXError as exc:
        return FileResult(name, None, None, (_finding(R.FXE_ERROR, str(exc)),))
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
        rule_sets=report.rule_sets,
    )


def _check_pdf(name: str, data: bytes, rules: _Rules, limit: int, schematron: bool) -> FileResult:
    from facturx_engine.pdf.extract import extract
    from facturx_engine.pdf.check import check_pdf

    try:
        container = check_pdf(data)
    except (PdfError, ParseError) as exc:
        return FileResult(name, "PDF", None, (_finding(R.FXE_PDF, str(exc)),))
    try:
        xml, _level = extract(data)
    except (PdfError, ParseError) as exc:
        findings = (*container.findings, _finding(R.FXE_PDF_XML, str(exc)))
        return FileResult(name, "PDF", container.profile, findings, container.artefacts, container.document)
    try:
        report = validate(xml, rules=rules[0], only=rules[1], max_bytes=limit, schematron=schematron,
                          factur_x=True)
    except ParseError as exc:
        findings = (*container.findings, _finding(R.FXE_PARSE, f"embedded XML: {exc}"))
        return FileResult(name, "PDF", container.profile, findings, container.artefacts, container.document)
    return _from_report(name, report, before=container.findings, artefacts=container.artefacts,
                        syntax=f"PDF ({report.syntax})")


# --------------------------------------------------------------------------- many files


_Item = tuple[str, bytes | None, str | None]
"""A file for a worker: its name, its bytes when already read (stdin), and, on a retry, why its full
check failed (the retry runs without the Schematron)."""


def _check_in_worker(item: _Item, rules: tuple[str, ...], max_bytes: int | None,
                     only: tuple[str, ...] | None = None) -> FileResult:
    """:func:`check_file` in a worker process, with what it writes on the error output captured."""
    from facturx_engine.validation.stderr import capture_fd2, summary

    name, data, crashed = item
    with capture_fd2(split=False) as said, warnings.catch_warnings():
        warnings.simplefilter("always")  # each file's warnings are its own, even when repeated
        result = check_file(name, rules=rules, max_bytes=max_bytes, data=data, schematron=crashed is None, only=only)
    if crashed is not None:
        note = _finding(R.FXE_CRASH, f"the full check of this file failed ({crashed}); it was checked again "
                                     "without the Schematron: the findings above are not a complete verdict")
        result = replace(result, findings=(*result.findings, note), io_error=True)
    if not said:
        return result
    note = _finding(R.FXE_STDERR, f"the checks of this file printed on the error output: {summary(said.text)}",
                    severity="warning")
    return replace(result, findings=(*result.findings, note))


def _crashed(item: _Item, reason: str) -> FileResult | Retry[_Item]:
    """A crashed file is checked once more without the Schematron; a second crash is final."""
    name, data, crashed = item
    if crashed is None:
        return Retry((name, data, reason))
    return _not_checked(name, R.FXE_CRASH, f"the file could not be checked: {crashed}; checked again without "
                                           f"the Schematron: {reason}")


def check_files(
    names: Sequence[str],
    *,
    rules: tuple[str, ...] = (),
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    max_bytes: int | None = None,
    timeout: float | None = None,
    isolate: bool = True,
    only: tuple[str, ...] | None = None,
) -> list[FileResult]:
    """Check ``names`` with ``jobs`` worker processes (default: the number of CPUs); the results are
    in the order of ``names``. ``progress(done, total)`` is called after each file. ``timeout``: at most
    so many seconds per file (the worker is then stopped and the file gets ``FXE-CRASH``).
    ``isolate=False`` with ``jobs=1`` checks in this process (no worker: a native crash would end it).
    ``-`` is read from the standard input here, in this process. ``rules`` / ``only``: as
    :func:`~facturx_engine.validation.core.validate`."""
    jobs = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
    rules = tuple(rules)
    items: list[_Item] = [(name, _stdin(max_bytes) if name == STDIN else None, None) for name in names]
    if jobs == 1 and not isolate:
        outcomes: Iterator[FileResult] = (check_file(n, rules=rules, max_bytes=max_bytes, data=d, only=only)
                                          for n, d, _ in items)
    else:
        work = partial(_check_in_worker, rules=rules, max_bytes=max_bytes, only=only)
        # Workers forked from a process holding compiled stylesheets would carry them dead: spawn them.
        outcomes = imap_isolated(work, items, failed=_crashed, jobs=jobs, timeout=timeout, clean=holds_saxon())
    results: list[FileResult] = []
    for result in outcomes:
        results.append(result)
        if progress:
            progress(len(results), len(names))
    return results


def _stdin(max_bytes: int | None) -> bytes:
    return read_bounded(sys.stdin.buffer, MAX_XML_BYTES if max_bytes is None else max_bytes)


def exit_code(results: Sequence[FileResult], *, fail_on: str = "error") -> int:
    """0 all valid, 1 some invalid (or with a warning under ``fail_on="warning"``), 2 a file not
    checked, 3 an official artefact missing or altered, 4 a rule set a document claims is not installed
    (``facturx-engine artefacts install``)."""
    if any(r.artefact_error for r in results):
        return 3
    if any(r.not_installed for r in results):
        return 4
    if any(r.io_error for r in results):
        return 2
    if any(not r.valid for r in results):
        return 1
    if fail_on == "warning" and any(r.warnings for r in results):
        return 1
    return 0
