"""What the command line itself does with files and streams, in real processes: ``-o`` never replaces
a directory, a symbolic link, a FIFO or a device, writes atomically and leaves no temporary file on any
failure; inputs are read at most ``--max-size`` bytes (``/dev/zero`` is refused); closed standard
streams, a reader that goes away (``| head``), directories given as files and attacker-named files all
end with a documented exit code and one clean line, never a traceback or an escape sequence."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from facturx_engine.cli import commands as cli
from facturx_engine.cli import shared

ROOT = Path(__file__).resolve().parents[1]
FR_B2B = ROOT / "fixtures" / "invoices" / "fr_b2b.json"


def _cli(*args: str | bytes, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    kwargs.setdefault("capture_output", True)
    return subprocess.run([sys.executable, "-m", "facturx_engine.cli", *args], cwd=kwargs.pop("cwd", ROOT),
                          timeout=300, check=False, **kwargs)


def _clean(done: subprocess.CompletedProcess[bytes]) -> str:
    err = done.stderr.decode("utf-8")
    assert "Traceback" not in err and "internal error" not in err, err
    assert "\x1b" not in err and "\x9b" not in err, err
    return err


# ---------------------------------------------------------------------------- -o


@pytest.mark.parametrize("kind", ["directory", "symlink", "fifo", "device"])
def test_output_that_is_not_a_regular_file_is_refused(kind: str, tmp_path: Path) -> None:
    target = tmp_path / "out.xml"
    victim = tmp_path / "victim.xml"
    victim.write_bytes(b"keep me")
    if kind == "directory":
        target.mkdir()
    elif kind == "symlink":
        target.symlink_to(victim)
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        target = Path(os.devnull)
    done = _cli("generate", str(FR_B2B), "--to", "cii", "-o", str(target))
    err = _clean(done)
    what = {"directory": "a directory", "symlink": "a symbolic link", "fifo": "a FIFO",
            "device": "a character device"}[kind]
    assert done.returncode == 2 and f"refusing to write {target}: it is {what}" in err
    assert victim.read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["victim.xml"] + (["out.xml"] if kind != "device"
                                                                                   else []))


def test_report_output_is_refused_the_same_way(tmp_path: Path) -> None:
    (tmp_path / "report").mkdir()
    (tmp_path / "a.xml").write_bytes(b"<a/>")
    done = _cli("validate", str(tmp_path / "a.xml"), "-o", str(tmp_path / "report"))
    assert done.returncode == 2 and "it is a directory" in _clean(done)
    done = _cli("validate", str(tmp_path / "a.xml"), "-o", str(tmp_path / "a.xml"))
    assert done.returncode == 2 and "is one of the files to validate" in _clean(done)
    assert (tmp_path / "a.xml").read_bytes() == b"<a/>"


def test_regular_and_absent_targets_are_written(tmp_path: Path) -> None:
    target = tmp_path / "out.xml"
    target.write_bytes(b"old")
    assert _cli("generate", str(FR_B2B), "--to", "cii", "-o", str(target)).returncode == 0
    assert target.read_bytes().startswith(b"<?xml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xml"]


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_no_temporary_file_is_left_on_failure(failure: BaseException, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.xml"
    target.write_bytes(b"previous")

    def fail(*_args: Any) -> None:
        raise failure

    monkeypatch.setattr(os, "fsync", fail)
    if isinstance(failure, OSError):
        with pytest.raises(shared.CommandError, match="cannot write .*No space left on device"):
            shared.write_atomic(str(target), b"new")
    else:
        with pytest.raises(KeyboardInterrupt):
            shared.write_atomic(str(target), b"new")
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xml"]


def test_sigterm_removes_the_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM unwinds like Ctrl-C: the write in progress is abandoned and cleaned up."""
    import signal

    target = tmp_path / "out.xml"

    def terminated(*_args: Any) -> None:
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(os, "fsync", terminated)
    with pytest.raises(SystemExit) as stopped:
        with cli._clean_exit_on_sigterm():
            shared.write_atomic(str(target), b"data")
    assert stopped.value.code == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- inputs


def test_endless_and_huge_inputs_are_refused(tmp_path: Path) -> None:
    done = _cli("convert", "/dev/zero", "--to", "ubl", "-o", str(tmp_path / "x.xml"))
    assert done.returncode == 2 and "/dev/zero is larger than 67108864 bytes (--max-size); not read" in _clean(done)
    done = _cli("generate", str(FR_B2B), "--to", "cii", "--max-size", "1k", "-o", str(tmp_path / "x.xml"))
    assert done.returncode == 2 and "is larger than 1024 bytes (--max-size)" in _clean(done)
    done = _cli("validate", "/dev/zero", "--max-size", "1M", "--format", "json")
    assert done.returncode == 2
    [finding] = json.loads(done.stdout)["files"][0]["findings"]
    assert finding["rule"] == "FXE-SIZE" and "at most 1048576" in finding["message"]
    for bad in ("0", "12X", "2T"):
        done = _cli("validate", "/dev/zero", "--max-size", bad)
        assert done.returncode == 2 and "argument --max-size" in _clean(done)
    assert list(tmp_path.iterdir()) == []


def test_a_directory_given_as_a_file(tmp_path: Path) -> None:
    done = _cli("generate", str(tmp_path), "--to", "cii", "-o", str(tmp_path / "x.xml"))
    assert done.returncode == 2 and "cannot read" in _clean(done) and "Is a directory" in done.stderr.decode()


def test_closed_standard_streams(tmp_path: Path) -> None:
    """<&- reads as empty, >&- and 2>&- discard: documented exit codes, never a crash."""
    def closed(fd: int) -> Any:
        return lambda: os.close(fd)

    done = _cli("generate", "-", "--to", "cii", "-o", str(tmp_path / "x.xml"), preexec_fn=closed(0))
    assert done.returncode == 2 and "invalid JSON" in _clean(done)
    done = _cli("generate", str(FR_B2B), "--to", "cii", "-o", "-", preexec_fn=closed(1))
    assert done.returncode == 0 and "wrote (stdout)" in _clean(done)
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<x/>")
    done = _cli("validate", str(bad), preexec_fn=closed(2))
    assert done.returncode == 1 and b"not an invoice" in done.stdout


def test_a_reader_that_goes_away(tmp_path: Path) -> None:
    for n in range(30):
        (tmp_path / f"{n:02d}.xml").write_bytes(b"<x/>")
    done = subprocess.run(f"{sys.executable} -m facturx_engine.cli validate {tmp_path} -j 2 | head -c 10",
                          shell=True, capture_output=True, cwd=ROOT, timeout=300, check=False)
    assert len(done.stdout) == 10
    assert done.stderr == b""


# ---------------------------------------------------------------------------- names and messages


def test_attacker_named_files_cannot_drive_the_terminal(tmp_path: Path) -> None:
    name = os.fsdecode(b"inv\x1b[2J\x9b31m\xff\rOK.xml")
    path = tmp_path / name
    done = _cli("generate", str(path), "--to", "cii", "-o", str(tmp_path / "x.xml"))
    err = _clean(done)
    assert done.returncode == 2 and "\\x1b[2J\\x9b31m\\xff\\rOK.xml" in err and "\r" not in err
    path.write_bytes(b"<x/>")
    for fmt in ("text", "json", "junit", "sarif"):
        done = _cli("validate", str(path), "--format", fmt)
        assert done.returncode == 1, fmt
        for byte in (b"\x1b", b"\x9b", b"\xff", b"\r"):
            assert byte not in done.stdout, (fmt, byte)
        done.stdout.decode("utf-8")  # valid UTF-8 in every format


def test_generate_prints_every_warning_it_counts(tmp_path: Path) -> None:
    done = _cli("generate", str(FR_B2B), "--to", "cii", "-o", str(tmp_path / "x.xml"))
    out, err = done.stdout.decode(), _clean(done)
    assert done.returncode == 0 and "valid (1 warning)" in out
    warnings = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1 and warnings[0].startswith("warning: PEPPOL-EN16931-R008 at /CrossIndustryInvoice/")
    assert "Document MUST not contain empty elements" in warnings[0]


def test_artefact_errors_say_so_without_internal_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from facturx_engine.errors import ResourceError

    def missing(_xml: bytes, **_: Any) -> Any:
        raise ResourceError("the XSD facturx-en16931/x.xsd is missing")

    monkeypatch.setattr(cli, "validate", missing)
    code = cli.main(["generate", str(FR_B2B), "--to", "cii", "-o", str(tmp_path / "x.xml")])
    err = capsys.readouterr().err
    assert code == 3 and err.startswith("error: the XSD facturx-en16931/x.xsd is missing (an official artefact")
    assert "internal error" not in err
