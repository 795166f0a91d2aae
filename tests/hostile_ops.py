"""The child process of :mod:`hostile`: runs jobs (one entry point on one input each), one JSON
line per job, with the peak RSS and the time of each call.

Usage (by :func:`hostile.run_jobs`): ``python tests/hostile_ops.py JOBS.json RESULTS.jsonl START WORKDIR``.
A job is ``{"op": ..., "input": {"file": path} | {"gen": name, "args": [...]}, ...}``; ``op`` is a
library entry point (:data:`OPS`), ``cli`` (``argv`` run through ``facturx_engine.cli.commands.main`` with
the file descriptors 1 and 2 captured) or ``mutant`` (:func:`mutate.check`).
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

import hostile_inputs

KEEP = 200  # strings of a list kept in a result
_SAXON_TRACE = re.compile(r"^(Error on line \d|Type error (in|at)|Error at char \d|  In template rule)", re.MULTILINE)
"""How Saxon prints its own errors on stderr (issue 11, item 5: summarised as a finding, never printed raw)."""
_probe: str | None = None  # the job's "probe": a value whose presence in the output a convert reports
_CLEAR_REFS = Path("/proc/self/clear_refs")


# ---------------------------------------------------------------------------- measuring one call

def _reset_peak() -> None:
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        pass


def _peak_mb(field: str = "VmHWM") -> float:
    """Peak (``VmHWM``) or current (``VmRSS``) resident memory of this process, in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def where(exc: BaseException) -> tuple[str, list[str]]:
    """``file:line`` of the innermost frame inside facturx_engine (else the innermost), and the last frames."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f"{os.sep}facturx_engine{os.sep}" in f.filename]
    frame = (ours or frames or [None])[-1]
    here = f"{Path(frame.filename).name}:{frame.lineno}" if frame else "?"
    return here, [f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in frames[-5:]]


def attempt(fn: Callable[[], Any]) -> dict[str, Any]:
    """``fn()`` -> ``{"outcome": "ok", "value": ...}``, or ``error`` (a FacturXError) or ``crash`` (anything else)."""
    from facturx_engine.errors import FacturXError, PayloadError

    try:
        return {"outcome": "ok", "value": fn()}
    except FacturXError as exc:
        info: dict[str, Any] = {"field": exc.field, "bt": exc.bt, "rule": exc.rule, "location": exc.location}
        if isinstance(exc, PayloadError):
            info["errors"] = exc.errors
        return {"outcome": "error", "type": type(exc).__name__, "message": str(exc)[:4000], "details": info}
    except BaseException as exc:  # noqa: BLE001 - any other exception is what is being looked for
        if isinstance(exc, KeyboardInterrupt):
            raise
        here, frames = where(exc)
        return {"outcome": "crash", "type": type(exc).__name__, "message": str(exc)[:1000], "where": here,
                "trace": frames}


def well_formed(xml: bytes) -> str | None:
    """None, or why ``xml`` is not well-formed."""
    try:
        etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    except etree.XMLSyntaxError as exc:
        return f"the XML returned is not well-formed: {exc}"
    return None


# ---------------------------------------------------------------------------- library entry points

def _strs(items: Any) -> list[str]:
    return [str(x)[:600] for x in list(items)[:KEEP]]


def _read(data: bytes) -> dict[str, Any]:
    from facturx_engine import read_document

    r = read_document(data)
    return {"details": {"findings": _strs(r.findings), "count": len(r.findings)}}


def _validate(data: bytes) -> dict[str, Any]:
    from facturx_engine import validate

    report = validate(data)
    return {"details": {"valid": report.valid, "fatal": _strs(report.errors), "count": len(report.findings)}}


def _convert(data: bytes, to: str, check: bool = True) -> dict[str, Any]:
    from facturx_engine import convert, extract, validate

    conv = convert(data, to, validate=check)
    xml = extract(conv.data)[0] if to == "facturx" else conv.data
    bad = [b for b in [well_formed(xml)] if b]
    valid = None if conv.report is None else conv.report.valid
    if valid and not bad and not validate(xml, factur_x=to == "facturx").valid:  # judged as convert judges it
        bad.append(f"convert reports the {to} output valid, but validate() of the XML written finds it invalid")
    text = xml.decode("utf-8", "replace")
    return {"bad": bad, "details": {"valid": valid, "lost": _strs(conv.lost), "notes": _strs(conv.notes),
                                    "in_output": bool(_probe and _probe in text),
                                    "findings": _strs(conv.source.findings),
                                    "fatal": _strs(conv.report.errors) if conv.report else []}}


def _check_pdf(data: bytes) -> dict[str, Any]:
    from facturx_engine import check_pdf

    report = check_pdf(data)
    return {"details": {"valid": report.valid, "findings": _strs(report.findings), "count": len(report.findings)}}


def _extract(data: bytes) -> dict[str, Any]:
    from facturx_engine import extract

    xml, level = extract(data)
    return {"details": {"size": len(xml), "level": level}}


def _extract_all(data: bytes) -> dict[str, Any]:
    from facturx_engine import extract_all

    return {"details": {"files": {k: len(v) for k, v in extract_all(data).items()}}}


def _from(data: bytes, kind: str) -> dict[str, Any]:
    from facturx_engine import from_pdf, from_xml

    doc = from_pdf(data) if kind == "pdf" else from_xml(data)
    return {"details": {"number": str(doc.number)[:200], "lines": len(doc.lines)}}


def _embed(data: bytes, role: str) -> dict[str, Any]:
    from facturx_engine import embed

    pdf = embed(data, hostile_inputs.facturx_xml()) if role == "pdf" else embed(hostile_inputs.layout(), data)
    return {"details": {"size": len(pdf)}}


def _payload(data: bytes, to: str | None) -> dict[str, Any]:
    from facturx_engine import from_payload, to_cii, to_facturx, to_ubl
    from facturx_engine.io.payload import load_json

    doc = from_payload(load_json(data))
    if to is None:
        return {"details": {"number": str(doc.number)}}
    out = {"cii": to_cii, "ubl": to_ubl, "facturx": to_facturx}[to](doc)
    xml = out if to != "facturx" else __import__("facturx_engine").extract(out)[0]
    return {"bad": [b for b in [well_formed(xml)] if b], "details": {"size": len(out)}}


def _parse(data: bytes) -> dict[str, Any]:
    """The floor of any XML entry point: lxml parses the bytes (the engine's hardened options)."""
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                                  remove_comments=True, remove_pis=True))
    return {"details": {"elements": sum(1 for _ in root.iter())}}


OPS: dict[str, Callable[[bytes], dict[str, Any]]] = {
    "parse": _parse,
    "read_document": _read,
    "from_xml": lambda d: _from(d, "xml"),
    "from_pdf": lambda d: _from(d, "pdf"),
    "validate": _validate,
    "convert:cii": lambda d: _convert(d, "cii"),
    "convert:ubl": lambda d: _convert(d, "ubl"),
    "convert:facturx": lambda d: _convert(d, "facturx"),
    "convert_fast:cii": lambda d: _convert(d, "cii", False),
    "convert_fast:ubl": lambda d: _convert(d, "ubl", False),
    "check_pdf": _check_pdf,
    "extract": _extract,
    "extract_all": _extract_all,
    "embed:xml": lambda d: _embed(d, "xml"),
    "embed:pdf": lambda d: _embed(d, "pdf"),
    "from_payload": lambda d: _payload(d, None),
    "payload:cii": lambda d: _payload(d, "cii"),
    "payload:ubl": lambda d: _payload(d, "ubl"),
    "payload:facturx": lambda d: _payload(d, "facturx"),
}


# ---------------------------------------------------------------------------- the command line

def _run_cli(argv: list[str], folder: Path) -> dict[str, Any]:
    """``cli.main(argv)`` with fd 1 and 2 captured; what a user of ``facturx-engine`` would see."""
    from facturx_engine.cli import commands as cli

    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        try:
            try:
                code: int | None = cli.main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:  # noqa: BLE001 - what the interpreter would print
                traceback.print_exc()
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    left = sorted(p.name for p in folder.iterdir())
    bad = []
    if code not in (0, 1, 2, 4):  # 4: a rule set the document claims is not installed
        bad.append(f"exit code {code} (documented: 0, 1, 2, 4)")
    for word in ("Traceback", "internal error"):
        if word in stdout or word in stderr:
            bad.append(f"prints {word!r}: {(stderr or stdout)[-600:]!r}")
    raw = _SAXON_TRACE.search(stderr)
    if raw:
        bad.append(f"prints Saxon's own trace instead of a finding: {stderr[raw.start():raw.start() + 300]!r}")
    if code != 0 and left:
        bad.append(f"failed (exit {code}) but left {left} behind")
    if code == 0 and [n for n in left if not n.startswith("out.")]:
        bad.append(f"left temporary files {left}")
    message = (stderr.strip().splitlines() or stdout.strip().splitlines() or [""])[0]
    return {"exit": code, "stdout": stdout[:1_000_000], "stderr": stderr[-20000:], "bad": bad, "message": message}


def _cli(job: dict[str, Any], index: int, workdir: Path, input_path: str) -> dict[str, Any]:
    folder = workdir / f"cli-{index}"
    folder.mkdir(exist_ok=True)
    extra = _fixture_files(workdir)
    names = {"in": input_path, "out": str(folder / "out"), **extra}
    argv = [part.format(**names) for part in job["argv"]]
    return {"outcome": "ok", **_run_cli(argv, folder)}


def _fixture_files(workdir: Path) -> dict[str, str]:
    layout, good = workdir / "layout.pdf", workdir / "good.xml"
    if not layout.exists():
        layout.write_bytes(hostile_inputs.layout())
        good.write_bytes(hostile_inputs.facturx_xml())
    return {"layout": str(layout), "good_xml": str(good)}


# ---------------------------------------------------------------------------- the loop

_cache: dict[str, bytes] = {}


def _input(source: dict[str, Any]) -> tuple[bytes, str | None]:
    if "path" in source:  # a folder or a pattern, for the command line only
        return b"", source["path"]
    if "file" in source:
        return Path(source["file"]).read_bytes(), source["file"]
    key = json.dumps(source, sort_keys=True)
    if key not in _cache:
        if len(_cache) > 4:
            _cache.clear()
        _cache[key] = hostile_inputs.generate(source["gen"], *source.get("args", ()))
    return _cache[key], None


def _input_file(source: dict[str, Any], data: bytes, path: str | None, workdir: Path) -> str:
    if path is not None:
        return path
    suffix = {"pdf_bomb": ".pdf", "facturx": ".pdf", "payload_bytes": ".json"}.get(source["gen"], ".xml")
    name = workdir / f"input-{abs(hash(json.dumps(source, sort_keys=True))) % 10**12}{suffix}"
    if not name.exists():
        name.write_bytes(data)
    return str(name)


def run_one(job: dict[str, Any], index: int, workdir: Path, prepared: dict[str, Any]) -> dict[str, Any]:
    """One job on its input (``prepared``: :func:`prepare`)."""
    global _probe
    if job["op"] == "mutant":
        import mutate

        return mutate.check(job["seed"], job["n"], validate=job.get("validate", False))
    if prepared["outcome"] != "ok":
        return {"outcome": "harness", "message": f"the input could not be made: {prepared}"}
    data, path = prepared["value"]
    if job["op"] == "cli":
        return _cli(job, index, workdir, _input_file(job["input"], data, path, workdir))
    _probe = job.get("probe")
    result = attempt(lambda: OPS[job["op"]](data))
    value = result.pop("value", None) or {}
    return {**result, **value}


def prepare(job: dict[str, Any]) -> dict[str, Any]:
    """The job's input bytes (made before the call is measured)."""
    if job["op"] == "mutant":
        return {"outcome": "ok"}
    return attempt(lambda: _input(job["input"]))


def main(argv: list[str]) -> None:
    jobs_file, results_file, start, workdir = argv[1], argv[2], int(argv[3]), Path(argv[4])
    warnings.simplefilter("ignore")
    jobs = json.loads(Path(jobs_file).read_text(encoding="utf-8"))
    with open(results_file, "a", encoding="utf-8") as results:
        for index in range(start, len(jobs)):
            prepared = prepare(jobs[index])
            results.write(json.dumps({"start": index}) + "\n")
            results.flush()
            _reset_peak()
            before = _peak_mb("VmRSS")
            began = time.perf_counter()
            result = run_one(jobs[index], index, workdir, prepared)
            result.update(i=index, seconds=time.perf_counter() - began, rss_mb=_peak_mb(), rss_before_mb=before)
            results.write(json.dumps(result, default=str) + "\n")
            results.flush()


if __name__ == "__main__":
    main(sys.argv)
