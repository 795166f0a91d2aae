"""Finding the files of ``validate PATH...``: symbolic link cycles never loop (each real file once),
a file named twice is reported once with a note, broken links and special files are findings, and a
directory that cannot be listed is a finding, not a crash. Everything here is fast: the files are not
invoices, so no Schematron runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from facturx_engine.apps import batch
from facturx_engine.cli.commands import main

ROOT = Path(__file__).resolve().parents[1]


def _tree(tmp_path: Path) -> Path:
    """in/a.xml, in/sub/b.pdf, in/sub/up -> .. (a cycle), in/self -> . (another), in/alias.xml -> a.xml."""
    top = tmp_path / "in"
    (top / "sub").mkdir(parents=True)
    (top / "a.xml").write_bytes(b"<a/>")
    (top / "sub" / "b.pdf").write_bytes(b"%PDF-1.7\n")
    (top / "sub" / "up").symlink_to("..")
    (top / "self").symlink_to(".")
    (top / "alias.xml").symlink_to("a.xml")
    return top


def test_link_cycles_do_not_loop_and_each_real_file_is_listed_once(tmp_path: Path) -> None:
    top = _tree(tmp_path)
    started = time.monotonic()
    names, duplicates = batch.discover_with_duplicates([str(top)])
    assert time.monotonic() - started < 5
    assert names == [str(top / "a.xml"), str(top / "sub" / "b.pdf")]
    assert duplicates == [(str(top / "alias.xml"), str(top / "a.xml"))]


def test_recursive_glob_with_a_link_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    top = _tree(tmp_path)
    assert batch.discover([str(top / "**" / "*.pdf")]) == [str(top / "sub" / "b.pdf")]
    assert batch.discover([str(top / "**" / "*.xml")]) == [str(top / "a.xml")]  # alias.xml: the same file
    monkeypatch.chdir(top)
    assert batch.discover(["**/*.pdf"]) == ["sub/b.pdf"]  # relative, named as glob names them
    assert batch.discover(["sub/*.pdf"]) == ["sub/b.pdf"]  # a plain glob


def test_a_file_named_twice_is_reported_once_with_a_note(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    top = _tree(tmp_path)
    monkeypatch.chdir(top)
    code = main(["validate", "a.xml", "./a.xml", "alias.xml", str(top / "a.xml"), "--format", "json", "-j", "1"])
    out, err = capsys.readouterr()
    assert code == 1
    assert [f["file"] for f in json.loads(out)["files"]] == ["a.xml"]
    assert err.count("note: ") == 3 and "alias.xml is the same file as a.xml: checked and reported once" in err


def test_broken_links_and_special_files_are_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    top = tmp_path / "in"
    top.mkdir()
    (top / "broken.xml").symlink_to("nowhere.xml")
    os.mkfifo(top / "pipe.xml")  # reading it would block for ever
    (top / "ok.xml").write_bytes(b"<a/>")
    code = main(["validate", str(top), "--format", "json", "-j", "2"])
    data = json.loads(capsys.readouterr().out)
    assert code == 2
    messages = {Path(f["file"]).name: f["findings"][0]["message"] for f in data["files"]}
    assert messages["broken.xml"] == "cannot read the file: it is a broken symbolic link"
    assert messages["pipe.xml"] == "not a regular file (a FIFO); not read"
    assert data["summary"]["unreadable"] == 2 and data["summary"]["invalid"] == 1  # ok.xml: not an invoice
    named = main(["validate", str(top / "broken.xml"), "--format", "json"])  # named: the same finding
    assert named == 2 and "broken symbolic link" in capsys.readouterr().out


def test_a_directory_that_cannot_be_listed_is_a_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    top = tmp_path / "in"
    (top / "locked").mkdir(parents=True)
    (top / "a.xml").write_bytes(b"<a/>")
    real = os.scandir

    def scandir(path: str) -> object:  # root ignores permissions: refuse the listing here instead
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    names = batch.discover([str(top)])
    assert names == [str(top / "a.xml"), str(top / "locked")]
    monkeypatch.setattr(os, "listdir", lambda path: scandir(path))
    [result] = batch.check_files([str(top / "locked")], jobs=1, isolate=False)
    assert result.io_error and result.findings[0].message == "cannot list the directory: Permission denied"


def test_discovery_refusals(tmp_path: Path) -> None:
    for paths, message in (([""], "an empty path names no file"),
                           ([str(tmp_path / "missing.xml")], "no such file or directory"),
                           ([str(tmp_path / "*.nothing")], "matches no file"),
                           ([str(tmp_path)], "no .xml or .pdf file found")):
        with pytest.raises(batch.InputError, match=message):
            batch.discover(paths)


def test_stdin_is_a_file_of_the_batch(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "facturx_engine.cli", "validate", "-", "-", "--format", "json"],
                          input=b"<not-closed", capture_output=True, cwd=ROOT, timeout=120, check=False)
    data = json.loads(done.stdout)
    assert done.returncode == 1 and [f["file"] for f in data["files"]] == ["-"]
    assert data["files"][0]["findings"][0]["rule"] == "FXE-PARSE"
