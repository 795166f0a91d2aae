"""What a Dask worker runs: one partition of documents, checked one by one, written as one part.

:func:`run_partition` reads each document of its partition through fsspec, hashes it (SHA-256), skips
it when its hash and path are in ``done`` (resume: :func:`~facturx_engine.apps.dist.results.done_key`),
runs the task on its bytes and writes the rows of the whole partition as one part
(:func:`facturx_engine.apps.dist.results.write_part`). The tasks:

* ``validate`` -- :func:`facturx_engine.apps.batch.check_file` on the bytes, as ``validate -j N`` does in
  its worker processes: it never raises (a document the engine cannot check gets its fatal
  ``FXE-*`` finding), what native code prints on the error output becomes the document's
  ``FXE-STDERR`` warning, and ``schematron=False`` is the degraded check a document gets after it
  killed workers (see :mod:`facturx_engine.apps.dist.run`);
* ``convert`` -- :func:`facturx_engine.apps.convert.convert` to ``to``; the output is written under
  ``OUT/output/`` only when it is valid; the row's findings are the output's validation findings and
  one ``FXE-NOT-CARRIED`` per value the output does not carry;
* ``generate`` -- a JSON document (the engine's format, or an invoicing-app payload) written as CII,
  UBL or Factur-X, validated, written under ``OUT/output/`` only when valid.

Each worker process keeps what the engine caches per process (compiled Schematrons, the XSD schemas) for
its whole life, so a rule set is compiled once per worker, not once per task
(:func:`facturx_engine.validation.schematron.compilations` tells which, per process). A lock
serialises the checks of one process: capturing the error output is process-wide, so workers are best
run with one thread each (``local[:N]`` does that).
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
import time
import warnings
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from facturx_engine import ruleids as R
from facturx_engine.apps.batch import FileResult, check_file
from facturx_engine.apps.display import printable
from facturx_engine.apps.dist.job import TASKS, Job
from facturx_engine.apps.dist.results import done_key, write_part
from facturx_engine.apps.dist.sources import Source
from facturx_engine.errors import ResourceError
from facturx_engine.findings import Finding
from facturx_engine.syntax.limits import MAX_XML_BYTES, too_large

__all__ = ["TASKS", "TIMEOUT_EXIT", "Job", "crash_rows", "rows", "run_partition"]

TIMEOUT_EXIT = 70
"""The exit status of a worker process ended because a document ran past the timeout."""

_LOCK = threading.RLock()  # taken before the deadline starts: waiting for it is not the document's time


def _finding(rule: str, message: str, severity: str = "fatal") -> Finding:
    return Finding(rule=rule, severity=severity, location="", message=message, source="facturx_engine")


def _local_path(url: str) -> str | None:
    """The path of ``url`` on the local file system, None for another file system."""
    from fsspec.core import url_to_fs
    from fsspec.implementations.local import LocalFileSystem

    try:
        fs, path = url_to_fs(url)
    except (OSError, ValueError, ImportError):
        return None
    return str(path) if isinstance(fs, LocalFileSystem) else None


def _size(url: str) -> int:
    """The size of the file ``url`` as its file system states it (0 when it cannot tell)."""
    from fsspec.core import url_to_fs

    try:
        fs, path = url_to_fs(url)
        return int(fs.size(path) or 0)
    except (OSError, ValueError, TypeError, ImportError):
        return 0


def _read(url: str, limit: int) -> bytes | FileResult:
    import fsspec

    local = _local_path(url)
    try:
        if local is not None and not stat.S_ISREG(os.stat(local).st_mode):  # a FIFO would block the worker
            return FileResult(url, None, None, (_finding(R.FXE_IO, "not a regular file (a FIFO, socket or device): "
                                                                   "not read"),), io_error=True)
        with fsspec.open(url, "rb") as stream:
            data: bytes = stream.read(limit + 1)
    except (OSError, ValueError) as exc:
        return FileResult(url, None, None, (_finding(R.FXE_IO, f"cannot read the file: {exc}"),), io_error=True)
    if (message := too_large(max(len(data), _size(url)), limit, "the file")) is not None:
        return FileResult(url, None, None, (_finding(R.FXE_SIZE, message),), io_error=True)
    return data


def _captured(job: Job, url: str, data: bytes) -> tuple[FileResult, str | None]:
    """The task on one document, what it printed on the error output captured; (result, output path)."""
    from facturx_engine.validation.stderr import capture_fd2, summary

    with _LOCK, capture_fd2(split=False) as said, warnings.catch_warnings():
        warnings.simplefilter("always")
        result, output = _task(job, url, data)
    if said:
        note = _finding(R.FXE_STDERR, f"the checks of this file printed on the error output: {summary(said.text)}",
                        severity="warning")
        result = replace(result, findings=(*result.findings, note))
    if not job.schematron:
        note = _finding(R.FXE_CRASH, "the full check of this file killed its worker process; it was checked again "
                                     "without the Schematron: the findings above are not a complete verdict")
        result = replace(result, findings=(*result.findings, note), io_error=True)
    return result, output


def _task(job: Job, url: str, data: bytes) -> tuple[FileResult, str | None]:
    if job.task == "validate":
        return check_file(url, rules=job.rules, max_bytes=job.max_bytes, data=data, schematron=job.schematron,
                          only=job.only), None
    from facturx_engine.apps.dist.produce import convert_one, generate_one

    try:
        made = convert_one(job, url, data) if job.task == "convert" else generate_one(job, url, data)
    except ResourceError as exc:  # an official artefact missing or altered: not a bug, as validate says it
        return FileResult(url, None, None, (_finding(R.FXE_ARTEFACT, str(exc)),), io_error=True,
                          artefact_error=True), None
    except Exception as exc:  # a bug of the engine: this document's finding, never the partition's end
        return FileResult(url, None, None, (_finding(R.FXE_CRASH, f"the {job.task} of this file failed "
                                                     f"({type(exc).__name__}: {exc}); this is a bug of "
                                                     "facturx-engine, please report it"),), io_error=True), None
    result, output = made
    if output is not None:
        return result, _store(job, url, data, output, result)
    return result, None


def _store(job: Job, url: str, data: bytes, output: bytes, result: FileResult) -> str | None:
    """Write a produced document under ``OUT/output/`` (atomically), named after its source and hash."""
    import fsspec
    from fsspec.core import url_to_fs

    if not result.valid:
        return None
    fs, root = url_to_fs(job.out)
    stem = url.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    extension = "pdf" if output.startswith(b"%PDF-") else "xml"  # a payload may choose its own output format
    name = f"{stem}-{hashlib.sha256(data).hexdigest()[:12]}.{extension}"
    folder = f"{root.rstrip('/')}/output"
    fs.makedirs(folder, exist_ok=True)
    temporary = f"{folder}/.tmp-{os.getpid()}-{name}"
    with fs.open(temporary, "wb") as stream:
        stream.write(output)
    fs.mv(temporary, f"{folder}/{name}")
    prefix = "" if job.out.startswith("/") or "://" not in job.out else job.out.split("://", 1)[0] + "://"
    return f"{prefix}{folder}/{name}" if prefix and not folder.startswith(prefix) else f"{folder}/{name}"


def _rule_set(use: Any) -> dict[str, object]:
    return {"key": use.key, "name": use.name, "artefact": use.artefact, "version": use.version,
            "sha256": use.sha256, "reason": printable(use.reason), "installed": use.installed}


def rows(job: Job, url: str, size: int, digest: str, result: FileResult, seconds: float,
         output: str | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The document row and the finding rows of one result (see :mod:`facturx_engine.apps.dist.results`)."""
    verdict = "not checked" if result.io_error else "valid" if result.valid else "invalid"
    document = {"run": job.run, "task": job.task, "path": printable(url), "sha256": digest, "bytes": size,
                "syntax": result.syntax, "profile": result.profile, "document": result.document,
                "guideline": result.guideline, "rule_sets": [_rule_set(u) for u in result.rule_sets],
                "verdict": verdict, "valid": result.valid, "fatal": len(result.errors),
                "warnings": len(result.warnings), "seconds": round(seconds, 6), "output": output}
    findings = []
    for f in result.findings:
        findings.append({"run": job.run, "sha256": digest, "path": printable(url), "rule": printable(f.rule),
                         "severity": f.severity, "location": printable(f.location), "line": f.line,
                         "column": f.column, "message": printable(f.message),
                         "bt_ids": [printable(bt) for bt in f.bt_ids], "source": printable(f.source)})
    return document, findings


def run_partition(sources: Sequence[Source], job: Job, name: str, done: Collection[str] = ()) -> dict[str, Any]:
    """Run ``job`` on each document of ``sources`` not in ``done`` (content hashes and paths) and write their rows as
    the part ``name``; what was done: ``written``, ``skipped``, ``part`` (None when every document was
    skipped), ``pid`` (the worker process), and how many documents are ``valid``, ``invalid``, ``not checked``."""
    limit = MAX_XML_BYTES if job.max_bytes is None else job.max_bytes
    documents: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    skipped = 0
    counts = {"valid": 0, "invalid": 0, "not checked": 0}
    for url, _listed_size in sources:
        with _LOCK, _deadline(job.timeout):
            outcome = _one(job, url, limit, done)
        if outcome is None:
            skipped += 1
            continue
        document, found = outcome
        documents.append(document)
        findings.extend(found)
        counts[document["verdict"]] += 1
    part = write_part(job.out, name, documents, findings, job.fmt) if documents else None
    return {"written": len(documents), "skipped": skipped, "part": part, "pid": os.getpid(), **counts}


@contextmanager
def _deadline(seconds: float | None) -> Iterator[None]:
    """End this worker process if the block runs past ``seconds``: Dask then runs the partition again
    elsewhere, and a document that does it each time ends as ``FXE-CRASH`` (see
    :mod:`facturx_engine.apps.dist.run`). A thread cannot be stopped from outside: ending the process is the
    only sure way, as ``-j`` does."""
    if seconds is None:
        yield
        return
    timer = threading.Timer(seconds, os._exit, args=(TIMEOUT_EXIT,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _one(job: Job, url: str, limit: int,
         done: Collection[str]) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The rows of one document, or None when ``done`` holds it."""
    started = time.perf_counter()
    data = _read(url, limit)
    if isinstance(data, FileResult):  # not read: no content hash (keyed by its path alone), the size it has
        digest, size = "", _size(url)
    else:
        digest, size = hashlib.sha256(data).hexdigest(), len(data)
    if done and done_key(digest, printable(url)) in done:
        return None
    result, output = (data, None) if isinstance(data, FileResult) else _captured(job, url, data)
    return rows(job, url, size, digest, result, time.perf_counter() - started, output)


def crash_rows(job: Job, url: str, name: str, reason: str) -> dict[str, Any]:
    """Write the part of a document that killed workers even without the Schematron: its ``FXE-CRASH`` row."""
    limit = MAX_XML_BYTES if job.max_bytes is None else job.max_bytes
    data = _read(url, limit)
    if isinstance(data, FileResult):  # not read (a FIFO, too large, gone): no content hash
        digest, size = "", _size(url)
    else:
        digest, size = hashlib.sha256(data).hexdigest(), len(data)
    result = FileResult(url, None, None, (_finding(R.FXE_CRASH, f"the file could not be checked: {reason}"),),
                        io_error=True)
    document, found = rows(job, url, size, digest, result, 0.0)
    write_part(job.out, name, [document], found, job.fmt)
    return {"written": 1, "skipped": 0, "part": name, "pid": os.getpid(), "not checked": 1}
