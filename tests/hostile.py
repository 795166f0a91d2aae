"""Shared helpers of the hostile-input tests (issue 11): where the inputs are, the hostile values,
the documented outcomes, and a runner that measures every call in a child process.

The documented outcome of any input, whatever the entry point (``README`` "Reliability",
``facturx_engine/errors.py``, ``facturx_engine/cli.py``):

* a library call returns, or raises a :class:`~facturx_engine.errors.FacturXError` subclass --
  never another exception;
* any XML a writer or ``convert`` returns is well-formed;
* the CLI exits 0, 1 or 2, prints no traceback and no "internal error", and leaves no output
  file (nor a temporary one) when it fails;
* an input of at most 10 MB is processed within :data:`RSS_LIMIT_MB` of peak memory, in bounded time.

Calls run in a child process (``tests/hostile_ops.py``) so that a bomb can neither take the test
process down nor hide its peak memory: the child resets its peak RSS (``/proc/self/clear_refs``)
before each call and reports ``VmHWM`` after it; :func:`run_jobs` watches the child, kills it when
its memory passes :data:`KILL_MB` or a call passes its time bound, records that call as ``killed``
and starts a new child for the calls left.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SHARED = ROOT.parent / "shared"  # ../shared next to the repository
HOSTILE = SHARED / "hostile"
CORPUS = SHARED / "corpus"
FIXTURES = ROOT / "fixtures"
CHILD = TESTS / "hostile_ops.py"

RSS_LIMIT_MB = 512
"""Peak resident memory any input of at most 10 MB may take (issue 11, item 2)."""
KILL_MB = 640
"""The watchdog kills a child (and its descendants) past this in all: past the limit anyway, and a bomb
must not take the machine down."""
TIME_LIMIT_S = 60.0
"""Default bound of one call, on a shared 2-core machine (a real invoice takes well under 3 s)."""

# ---------------------------------------------------------------------------- hostile values

HUGE_DIGITS = "9" * 400
TINY = "0." + "0" * 400 + "1"
NUMBERS_UNHOLDABLE = (HUGE_DIGITS, TINY, "1E400", "2E+999999", "2E-999999999")
"""Numbers Decimal arithmetic cannot hold (or that an exponent would blow up when written out)."""
NUMBERS_LEXICAL = ("1_000", "\u0661\u0662\u0663", "\uff11\uff12\uff13", "1E2", "12e0", "+1.5E3", "0x10",
                   "1,50", "NaN", "-Infinity", "1e", "--1")
"""Numbers that are not xs:decimal lexical forms: never silently read as another number."""
NUMBERS_FINE = (" 12 ", "\n12.50\t", "-0", "+7", ".5", "5.")
"""xs:decimal after whitespace collapse: must be read (no crash; ' 12 ' is 12)."""
DATES_NOT_CALENDAR = ("20260230", "00000000", "99999999", "20261301", "20260100")
"""CII format 102 dates (8 digits, the XSD admits them) that are no calendar day."""
DATES_LEXICAL = ("2015-01-09garbage", "2026-02-30", "0000-01-01", "10000-01-01", "\u0662\u0660\u0662\u0666-01-01",
                 "2026-1-1", "")
"""Dates that are not what the syntax's date type admits (an ISO date in CII 102, garbage after a date ...)."""
CODES = ("eur", "XXX", "EURO", "", "\u20ac", "e\u0301ur")
"""Currency codes and other coded values that are not in the code list (lowercase, unknown, empty)."""
TEXTS = ("<&>\"'", "]]>", "\u202eevil", "x" * 20000, "\U0001f4a9" * 50, "  ", "\t\n")
"""Odd but well-formed texts."""
CONTROL_CHARS = ("\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b[31m", "\x1f", "\ufffe", "\uffff", "\ud800", "\udfff")
"""Characters XML 1.0 cannot carry (C0 controls but TAB/LF/CR, U+FFFE/FFFF, lone surrogates)."""

LEXICALLY_INVALID = frozenset(NUMBERS_LEXICAL + NUMBERS_UNHOLDABLE[2:] + ("2015-01-09garbage",))
"""Values ``convert`` must refuse or name in a finding: never written as another, valid value."""
HOSTILE_VALUES = NUMBERS_UNHOLDABLE + NUMBERS_LEXICAL + NUMBERS_FINE + DATES_NOT_CALENDAR + DATES_LEXICAL \
    + CODES + TEXTS

# ---------------------------------------------------------------------------- inputs


def hostile_files() -> list[Path]:
    """The reproducers of ../shared/hostile (empty when the folder is absent)."""
    if not HOSTILE.is_dir():
        return []
    return sorted(p for p in HOSTILE.iterdir() if p.is_file() and p.suffix.lower() in {".xml", ".pdf", ".json"})


def need(folder: Path, what: str) -> None:
    """Skip loudly when a shared folder is absent."""
    if not folder.is_dir():
        pytest.skip(f"SHARED {what.upper()} ABSENT: {folder} not found, {what} NOT tested")


def kind_of(path: Path) -> str:
    """``xml``, ``pdf`` or ``payload`` for an input file."""
    return {".pdf": "pdf", ".json": "payload"}.get(path.suffix.lower(), "xml")


# ---------------------------------------------------------------------------- jobs: what runs for each input

LIB_OPS = {
    "xml": ("read_document", "from_xml", "validate", "convert:cii", "convert:ubl", "convert:facturx", "embed:xml"),
    "pdf": ("check_pdf", "extract", "extract_all", "from_pdf", "convert:cii", "convert:ubl", "convert:facturx",
            "embed:pdf"),
    "payload": ("from_payload", "payload:cii", "payload:ubl", "payload:facturx"),
}
CLI_OPS = {
    "xml": (["validate", "{in}"], ["convert", "{in}", "--to", "cii", "-o", "{out}.xml"],
            ["convert", "{in}", "--to", "ubl", "-o", "{out}.xml"],
            ["convert", "{in}", "--to", "facturx", "-o", "{out}.pdf"],
            ["embed", "{layout}", "{in}", "-o", "{out}.pdf"]),
    "pdf": (["validate", "{in}"], ["convert", "{in}", "--to", "cii", "-o", "{out}.xml"],
            ["convert", "{in}", "--to", "facturx", "-o", "{out}.pdf"], ["extract", "{in}", "-o", "{out}.xml"],
            ["embed", "{in}", "{good_xml}", "-o", "{out}.pdf"]),
    "payload": (["generate", "{in}", "--from", "payload", "--to", "cii", "-o", "{out}.xml"],
                ["generate", "{in}", "--from", "payload", "--to", "ubl", "-o", "{out}.xml"],
                ["generate", "{in}", "--from", "payload", "--to", "facturx", "-o", "{out}.pdf"]),
}


def jobs_for(source: dict[str, Any], kind: str, label: str, *, cli: bool = True,
             ops: Sequence[str] | None = None, timeout: float = TIME_LIMIT_S) -> list[dict[str, Any]]:
    """Every entry point that applies to an input of ``kind``; ``source`` is ``{"file": path}`` or
    ``{"gen": name, "args": [...]}`` (a generator of :mod:`hostile_inputs`)."""
    jobs = [{"op": op, "input": source, "label": label, "timeout": timeout} for op in (ops or LIB_OPS[kind])]
    if cli:
        jobs += [{"op": "cli", "argv": argv, "input": source, "label": label, "timeout": timeout}
                 for argv in CLI_OPS[kind]]
    return jobs


def name_of(job: dict[str, Any]) -> str:
    """``label: op`` (``cli convert --to cii`` for a command)."""
    if job["op"] == "cli":
        words = [w for w in job["argv"] if not w.startswith("{") and w != "-o"]
        return f"{job['label']}: cli {' '.join(words)}"
    return f"{job['label']}: {job['op']}"


# ---------------------------------------------------------------------------- the documented outcome


def violations(result: dict[str, Any], *, rss_limit: float = RSS_LIMIT_MB) -> list[str]:
    """How a result breaks the documented outcome (empty: it does not)."""
    name = name_of(result["job"])
    out: list[str] = []
    outcome = result.get("outcome")
    if outcome in ("killed", "died", "harness"):
        return [f"{name}: {result['message']}"]
    if outcome == "crash":
        out.append(f"{name}: raised {result['type']} (not a FacturXError) at {result['where']}: {result['message']}")
    rss = result.get("rss_mb") or 0
    if rss >= rss_limit:
        out.append(f"{name}: peak RSS {rss:.0f} MB >= {rss_limit} MB")
    limit = result["job"].get("timeout", TIME_LIMIT_S)
    if (result.get("seconds") or 0) > limit:
        out.append(f"{name}: took {result['seconds']:.1f} s > {limit:.0f} s")
    out += [f"{name}: {bad}" for bad in result.get("bad", ())]
    return out


def describe(result: dict[str, Any]) -> str:
    """One line: what the call gave (for messages)."""
    head = f"{name_of(result['job'])} -> {result.get('outcome')}"
    if result.get("type"):
        head += f" {result['type']}"
    if result.get("exit") is not None:
        head += f" exit {result['exit']}"
    cost = f"[{result.get('rss_mb', 0):.0f} MB, {result.get('seconds', 0):.2f} s]"
    return f"{head} {cost}: {result.get('message', '')[:300]}"


def texts(result: dict[str, Any]) -> str:
    """Everything a result says (message, findings, lost, notes, CLI output), for substring checks."""
    d = result.get("details", {})
    parts = [result.get("message", ""), result.get("stdout", ""), result.get("stderr", "")]
    for key in ("findings", "lost", "notes", "fatal", "errors", "source_findings"):
        value = d.get(key)
        if isinstance(value, dict):
            parts += [f"{k}: {v}" for k, v in value.items()]
        elif value:
            parts += [str(v) for v in value]
    return "\n".join(parts)


# ---------------------------------------------------------------------------- the runner


def _status_mb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
                for child in f.read().split():
                    found += [int(child), *_descendants(int(child))]
    except (OSError, ValueError):
        pass
    return found


def _rss_mb(pid: int) -> tuple[int, int]:
    """(peak RSS (VmHWM) of ``pid``, the largest peak of its descendants (batch workers)), in MB.

    Each process is measured on its own: a CLI batch runs its checks in worker processes, and what the
    issue bounds is the memory one input takes (the child running the CLI in-process keeps the engine
    of its earlier jobs loaded, which a real ``facturx-engine`` parent does not)."""
    return _status_mb(pid, "VmHWM"), max((_status_mb(c, "VmHWM") for c in _descendants(pid)), default=0)
class _Child:
    """One child process running jobs ``start..`` of a jobs file, results appended to a JSON-lines file."""

    def __init__(self, jobs_file: Path, results_file: Path, log: Path, start: int, workdir: Path) -> None:
        self.results_file = results_file
        self.offset = 0
        self.current: int | None = None
        self.current_seen: int | None = None  # the call whose workers' peak ``workers_mb`` holds
        self.workers_mb = 0
        self.since = time.monotonic()
        env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONWARNINGS": "ignore"}
        with open(log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, str(CHILD), str(jobs_file), str(results_file), str(start),
                                          str(workdir)], stdout=out, stderr=subprocess.STDOUT, env=env, cwd=workdir,
                                         start_new_session=True)

    def kill(self) -> None:
        """Kill the child and anything it started (its own session)."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:
            pass
        self.proc.wait()

    def lines(self) -> list[dict[str, Any]]:
        """Result lines written since the last call (a "start" line marks the job in flight)."""
        try:
            with open(self.results_file, "rb") as f:
                f.seek(self.offset)
                chunk = f.read()
        except OSError:
            return []
        complete = chunk[:chunk.rfind(b"\n") + 1]  # the rest is being written
        self.offset += len(complete)
        new = []
        for row in complete.decode("utf-8").splitlines():
            record = json.loads(row)
            if "start" in record:
                self.current, self.since = record["start"], time.monotonic()
            else:
                self.current = None
                new.append(record)
        return new


def run_jobs(jobs: Sequence[dict[str, Any]], *, kill_mb: int = KILL_MB, workdir: Path | None = None,
             poll: float = 0.02) -> list[dict[str, Any]]:
    """Run ``jobs`` in child processes (see the module docstring); one result per job, in order."""
    owned = tempfile.TemporaryDirectory(prefix="fxe-hostile-") if workdir is None else None
    base = Path(owned.name) if owned else workdir
    assert base is not None
    try:
        return _run(list(jobs), base, kill_mb, poll)
    finally:
        if owned:
            owned.cleanup()


def _run(jobs: list[dict[str, Any]], base: Path, kill_mb: int, poll: float) -> list[dict[str, Any]]:
    jobs_file, log = base / "jobs.json", base / "child.log"
    jobs_file.write_text(json.dumps(jobs), encoding="utf-8")
    results: list[dict[str, Any] | None] = [None] * len(jobs)
    start, restarts = 0, 0
    while start < len(jobs):
        results_file = base / f"results-{restarts}.jsonl"
        child = _Child(jobs_file, results_file, log, start, base)
        restarts += 1
        stop = None
        while stop is None:
            done = child.proc.poll() is not None
            for record in child.lines():
                results[record["i"]] = {**record, "job": jobs[record["i"]]}
                if record["i"] == child.current_seen:  # its workers' peak, as the watchdog saw it
                    results[record["i"]]["rss_mb"] = max(record.get("rss_mb") or 0, child.workers_mb)
            cur = child.current
            if done:
                stop = (cur, "died", f"the child process died (exit {child.proc.returncode}) during this call: "
                        f"{_tail(log)}") if cur is not None else (None, "", "")
                break
            if cur is not None:
                own, workers = _rss_mb(child.proc.pid)
                child.workers_mb = max(child.workers_mb, workers) if child.current_seen == cur else workers
                child.current_seen = cur
                peak = max(own, workers)
                if peak > kill_mb:
                    stop = (cur, "killed", f"killed: peak RSS passed {kill_mb} MB (>= {peak} MB)")
                elif time.monotonic() - child.since > jobs[cur].get("timeout", TIME_LIMIT_S) + 2:
                    stop = (cur, "killed", f"killed: still running after {time.monotonic() - child.since:.0f} s")
            if stop is None:
                time.sleep(poll)
        if stop[0] is None:
            break
        child.kill()
        for record in child.lines():
            results[record["i"]] = {**record, "job": jobs[record["i"]]}
        index, outcome, message = stop
        peak_mb = kill_mb if outcome == "killed" and "RSS" in message else 0
        results[index] = {"i": index, "outcome": outcome, "message": message, "rss_mb": peak_mb,
                          "seconds": time.monotonic() - child.since, "job": jobs[index]}
        start = index + 1
    missing = [i for i, r in enumerate(results) if r is None]
    assert not missing, f"no result for jobs {missing[:5]}: {_tail(log)}"
    return [r for r in results if r is not None]


def _tail(log: Path, size: int = 1500) -> str:
    try:
        return log.read_text(encoding="utf-8", errors="replace")[-size:]
    except OSError:
        return ""


def run_parallel(jobs: Sequence[dict[str, Any]], workers: int = 2, *, group: str = "label", fresh: bool = False,
                 **kw: Any) -> list[dict[str, Any]]:
    """:func:`run_jobs` in ``workers`` children side by side; jobs sharing ``group`` stay in one child
    (``fresh``: each group in a new child, so that one input's memory does not weigh on the next)."""
    groups: dict[Any, list[int]] = {}
    for i, job in enumerate(jobs):
        groups.setdefault(job.get(group), []).append(i)
    shares: list[list[int]] = [[] for _ in range(max(1, workers))]
    for members in sorted(groups.values(), key=len, reverse=True):
        min(shares, key=len).extend(members)
    results: list[dict[str, Any] | None] = [None] * len(jobs)

    def work(share: list[int]) -> None:
        batches = [share]
        if fresh:
            names = dict.fromkeys(jobs[i].get(group) for i in share)
            batches = [[i for i in share if jobs[i].get(group) == name] for name in names]
        for batch in batches:
            for index, result in zip(batch, run_jobs([jobs[i] for i in batch], **kw)):
                results[index] = result

    threads = [threading.Thread(target=work, args=(s,)) for s in shares if s]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r is not None for r in results), "a worker thread failed"
    return [r for r in results if r is not None]


def all_violations(results: Iterable[dict[str, Any]], **kw: Any) -> list[str]:
    return [v for r in results for v in violations(r, **kw)]
