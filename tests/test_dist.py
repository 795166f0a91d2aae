"""Distributed batches (issue 16) on a real Dask cluster: two worker processes on this machine, no mock.

* the corpus gives, document by document, the verdict, counts and rule ids of ``validate -j 1``;
* a worker killed (SIGKILL) while partitions are in flight loses and repeats no row;
* a run stopped after some partitions resumes: the finished documents are not checked again;
* a document that kills every worker that reads it ends as ``FXE-CRASH`` while its partition's other
  documents get their results (a fsspec protocol registered by a worker plugin kills the worker on read);
* ``file://`` and ``memory://`` URLs, a list file, Parquet and JSON Lines, ``convert`` and ``generate``;
* the hostile reproducers get the findings ``validate -j 1`` gives them;
* a worker compiles each rule set once for all its tasks;
* the command line: ``validate --cluster``; without ``--cluster`` Dask is never imported.

Without a cluster (the fast tier): streaming discovery and partitions by bytes, sources that name nothing,
atomic parts and what ``tidy`` removes, the command line's refusals.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import pytest

pytest.importorskip("distributed", reason="the dist extra is not installed: pip install -e .[dist]")

import dask  # noqa: E402
import fsspec  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402
from distributed.diagnostics.plugin import WorkerPlugin  # noqa: E402
from fsspec.implementations.local import LocalFileSystem  # noqa: E402

from facturx_engine.apps.batch import FileResult, check_files  # noqa: E402
from facturx_engine.apps.display import printable  # noqa: E402
from facturx_engine.apps.dist import Summary, run  # noqa: E402
from facturx_engine.apps.dist.results import FINDINGS, read_rows  # noqa: E402
from facturx_engine.validation.core import validate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
HOSTILE = ROOT.parent / "shared" / "hostile"
needs_corpus = pytest.mark.skipif(not (CORPUS / "INDEX.tsv").is_file(),
                                  reason=f"!!! SHARED CORPUS FOLDER MISSING: {CORPUS} -- DIST CORPUS TEST SKIPPED !!!")
needs_hostile = pytest.mark.skipif(
    not HOSTILE.is_dir(), reason=f"!!! SHARED HOSTILE FOLDER MISSING: {HOSTILE} -- DIST HOSTILE TEST SKIPPED !!!")


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0")
    with Client(cluster) as c:
        yield c
    cluster.close()


def _documents(out: str) -> list[dict[str, Any]]:
    return list(read_rows(out))


def _by_path(out: str) -> dict[str, tuple[str, int, int, list[str]]]:
    """path -> (verdict, fatal, warnings, sorted rule ids), asserting each path has one row only."""
    rows = _documents(out)
    paths = Counter(r["path"] for r in rows)
    assert not [p for p, n in paths.items() if n > 1], "a document has two rows"
    rules: dict[str, list[str]] = {}
    for f in read_rows(out, FINDINGS):
        rules.setdefault(f["path"], []).append(f["rule"])
    return {r["path"]: (r["verdict"], r["fatal"], r["warnings"], sorted(rules.get(r["path"], []))) for r in rows}


def _expected(results: list[FileResult]) -> dict[str, tuple[str, int, int, list[str]]]:
    def verdict(r: FileResult) -> str:
        return "not checked" if r.io_error else "valid" if r.valid else "invalid"

    return {printable(r.file): (verdict(r), len(r.errors), len(r.warnings),
                                sorted(printable(f.rule) for f in r.findings)) for r in results}


def _copy_corpus(target: Path, count: int) -> list[Path]:
    """``count`` corpus XML documents copied under ``target`` (distinct contents)."""
    files = sorted((CORPUS / "cii").glob("*.xml")) + sorted((CORPUS / "ubl").glob("*.xml"))
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for source in files[:count]:
        copied.append(target / source.name)
        shutil.copyfile(source, copied[-1])
    return copied


@pytest.fixture(scope="module")
def corpus_run(client: Client, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Summary]:
    out = str(tmp_path_factory.mktemp("corpus-results"))
    return out, run([str(CORPUS)], cluster=client, out=out, partition_files=6)


@needs_corpus
def test_corpus_equals_validate_j1(corpus_run: tuple[str, Summary]) -> None:
    out, summary = corpus_run
    names = sorted(str(p) for p in CORPUS.rglob("*") if p.suffix.lower() in (".xml", ".pdf"))
    expected = _expected(check_files(names, jobs=1))
    got = _by_path(out)
    assert set(got) == set(expected)
    for path in expected:
        assert got[path] == expected[path], path
    assert summary.written == len(names) and summary.skipped == 0
    assert summary.valid + summary.invalid + summary.not_checked == len(names)
    rows = _documents(out)
    assert all(len(r["sha256"]) == 64 and r["seconds"] >= 0 and r["task"] == "validate" for r in rows)
    assert any(r["rule_sets"] and r["rule_sets"][0]["version"] for r in rows)


@needs_corpus
def test_each_worker_compiles_each_rule_set_once(client: Client, corpus_run: tuple[str, Summary]) -> None:
    from facturx_engine.validation.schematron import compilations

    _out, summary = corpus_run
    assert summary.partitions > len(summary.workers)  # workers ran several tasks each
    for worker, compiled in client.run(compilations).items():
        assert compiled, worker
        assert len(compiled) == len(set(compiled)), f"{worker} compiled a stylesheet twice: {compiled}"


@needs_corpus
def test_a_killed_worker_loses_and_repeats_nothing(client: Client, tmp_path: Path) -> None:
    files = _copy_corpus(tmp_path / "in", 30)
    out = str(tmp_path / "out")
    killed: list[int] = []

    def kill_one(summary: Summary) -> None:
        if not killed:  # partitions are in flight on both workers: kill one of them
            pid = sorted(client.run(os.getpid).values())[0]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    summary = run([str(tmp_path / "in")], cluster=client, out=out, partition_files=2, progress=kill_one)
    assert killed
    got = _by_path(out)
    assert set(got) == {str(f) for f in files}
    assert summary.written == len(files)
    assert got == _expected(check_files([str(f) for f in files], jobs=1))
    client.wait_for_workers(2, timeout=60)


class _StopRun(Exception):
    pass


@needs_corpus
def test_a_stopped_run_resumes_without_redoing_documents(client: Client, tmp_path: Path) -> None:
    files = _copy_corpus(tmp_path / "in", 24)
    out = str(tmp_path / "out")

    def stop(summary: Summary) -> None:
        if summary.written >= 6:
            raise _StopRun

    with pytest.raises(_StopRun):
        run([str(tmp_path / "in")], cluster=client, out=out, partition_files=3, window=2, progress=stop)
    first = _documents(out)
    assert 6 <= len(first) < len(files)
    first_run = {r["path"]: r["run"] for r in first}
    summary = run([str(tmp_path / "in")], cluster=client, out=out, partition_files=3)
    assert summary.skipped == len(first)  # the finished documents were read, hashed and skipped: not checked
    assert summary.written == len(files) - len(first)
    rows = _documents(out)
    assert sorted(r["path"] for r in rows) == sorted(str(f) for f in files)  # each once
    assert {r["path"]: r["run"] for r in rows if r["path"] in first_run} == first_run  # not redone
    assert _by_path(out) == _expected(check_files([str(f) for f in files], jobs=1))
    again = run([str(tmp_path / "in")], cluster=client, out=out)
    assert (again.written, again.skipped) == (0, len(files))


class _KillerFS(LocalFileSystem):  # type: ignore[misc]
    """A local file system whose files named ``*die*`` kill the process that opens them."""

    protocol = "killer"

    def _open(self, path: str, *args: Any, **kwargs: Any) -> Any:
        from distributed import get_worker

        try:
            get_worker()
        except ValueError:  # the driver (this test) may read it
            return super()._open(path, *args, **kwargs)
        if "die" in os.path.basename(path):
            os._exit(17)
        if "hang" in os.path.basename(path):
            time.sleep(600)
        return super()._open(path, *args, **kwargs)


class _RegisterKiller(WorkerPlugin):  # type: ignore[misc]
    def setup(self, worker: Any) -> None:
        fsspec.register_implementation("killer", _KillerFS, clobber=True)


@needs_corpus
def test_a_document_that_kills_workers_ends_as_fxe_crash(tmp_path: Path) -> None:
    """On a cluster of its own (its workers die on purpose, many times); a document that hangs past the timeout
    is handled the same way."""
    files = _copy_corpus(tmp_path / "in", 3)
    shutil.copyfile(files[0], tmp_path / "in" / "b_die.xml")
    shutil.copyfile(files[1], tmp_path / "in" / "b_hang.xml")
    fsspec.register_implementation("killer", _KillerFS, clobber=True)
    listing = tmp_path / "list.txt"
    names = sorted(str(p) for p in (tmp_path / "in").iterdir())
    listing.write_text("".join(f"killer://{n}\n" for n in names))
    out = str(tmp_path / "out")
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0")
    with cluster, Client(cluster) as own:
        own.register_plugin(_RegisterKiller(), name="fxe-test-killer")
        summary = run([f"@{listing}"], cluster=own, out=out, timeout=2)
        own.wait_for_workers(2, timeout=120)  # closing a cluster while a nanny restarts its worker fails
    assert summary.split == 1 and summary.crashed == 2 and summary.written == 5
    got = _by_path(out)
    for name in ("b_die.xml", "b_hang.xml"):
        killer = f"killer://{tmp_path / 'in' / name}"
        assert got[killer][0] == "not checked" and got[killer][3] == ["FXE-CRASH"]
    expected = _expected(check_files([str(f) for f in files], jobs=1))
    assert {k: got[f"killer://{k}"] for k in expected} == expected


@needs_hostile
def test_hostile_documents_get_their_findings(client: Client, tmp_path: Path) -> None:
    hostile = sorted(str(p) for p in HOSTILE.iterdir() if p.suffix in (".xml", ".pdf"))[:8]
    out = str(tmp_path / "out")
    summary = run(hostile, cluster=client, out=out, partition_files=4)
    assert summary.written == len(hostile)
    assert _by_path(out) == _expected(check_files(hostile, jobs=1))


@needs_corpus
def test_file_urls_parquet_and_convert(client: Client, tmp_path: Path) -> None:
    files = _copy_corpus(tmp_path / "in", 4)
    out = f"file://{tmp_path / 'out'}"
    summary = run([f"file://{tmp_path / 'in'}/*.xml"], cluster=client, out=out, fmt="parquet", task="convert", to="ubl")
    assert summary.written == 4
    rows = _documents(out)
    assert {r["path"] for r in rows} == {str(f) for f in files}
    assert all(p.name.endswith(".parquet") for p in (tmp_path / "out" / "documents").iterdir())
    for row in rows:
        if row["valid"]:
            assert row["output"].startswith("file:///")
            with fsspec.open(row["output"], "rb") as written:
                assert validate(written.read()).valid, row["path"]
        else:
            assert row["output"] is None


def test_generate_from_payloads(client: Client, tmp_path: Path) -> None:
    payloads = [p for p in sorted((ROOT / "fixtures" / "payloads").glob("*.json"))][:3]
    out = str(tmp_path / "out")
    summary = run([str(p) for p in payloads], cluster=client, out=out, task="generate", payload=True, to="cii")
    assert summary.written == 3
    for row in _documents(out):
        assert (row["output"] is not None) == row["valid"], row
        if row["output"]:
            assert validate(Path(row["output"]).read_bytes(), factur_x=True).valid


@needs_corpus
def test_memory_urls_end_to_end(tmp_path: Path) -> None:
    """memory:// lives in one process: the cluster is threads of this one."""
    files = _copy_corpus(tmp_path / "in", 3)
    memory = fsspec.filesystem("memory")
    for f in files:
        memory.pipe(f"/fxe-in/{f.name}", f.read_bytes())
    with Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=":0") as local:
        summary = run(["memory://fxe-in/"], cluster=local, out="memory://fxe-out/", fmt="parquet")
    assert summary.written == 3
    got = {k.rsplit("/", 1)[-1]: v for k, v in _by_path("memory://fxe-out/").items()}
    assert got == {Path(k).name: v for k, v in _expected(check_files([str(f) for f in files], jobs=1)).items()}


@needs_corpus
def test_command_line(tmp_path: Path) -> None:
    files = _copy_corpus(tmp_path / "in", 3)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "facturx_engine.cli", "validate", str(tmp_path / "in"), "--cluster",
                           "local:2", "--out", str(out)], capture_output=True, text=True, timeout=300, env=env)
    expected = check_files([str(f) for f in files], jobs=1)
    assert done.returncode == (0 if all(r.valid for r in expected) else 1), done.stderr
    assert "3 document(s)" in done.stdout
    assert _by_path(str(out)) == _expected(expected)
    refused = subprocess.run([sys.executable, "-m", "facturx_engine.cli", "validate", str(files[0]), "--cluster",
                              "local"], capture_output=True, text=True, timeout=120, env=env)
    assert refused.returncode == 2 and "--out" in refused.stderr


def test_dask_is_imported_only_with_cluster(tmp_path: Path) -> None:
    xml = tmp_path / "a.xml"
    xml.write_bytes(b"<not-an-invoice/>")
    code = ("import sys, runpy\nsys.argv = ['facturx-engine', 'validate', sys.argv[1], '-j', '1']\n"
            "try:\n    runpy.run_module('facturx_engine.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print(json.dumps(['dask' in sys.modules, 'distributed' in sys.modules, 'fsspec' in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", "import json\n" + code, str(xml)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=tmp_path)
    assert json.loads(done.stdout.splitlines()[-1]) == [False, False, False], done.stderr


# --------------------------------------------------------------------------- without a cluster (fast tier)


def test_sources_stream_in_order_and_partition_by_bytes(tmp_path: Path) -> None:
    from facturx_engine.apps.dist.sources import iter_sources, partitions

    for rel, size in (("b/2.xml", 30), ("b/1.XML", 10), ("a.xml", 50), ("c/.hidden.xml", 5), ("c/note.txt", 5),
                      ("c/d/3.pdf", 70)):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x" * size)
    found = iter_sources([str(tmp_path)], (".xml", ".pdf"))
    assert not isinstance(found, list)  # a generator: nothing is listed before it is asked for
    listed = list(found)
    assert listed == [(str(tmp_path / "a.xml"), 50), (str(tmp_path / "b/1.XML"), 10), (str(tmp_path / "b/2.xml"), 30),
                      (str(tmp_path / "c/d/3.pdf"), 70)]
    assert [[s for s, _ in p] for p in partitions(listed, max_bytes=60, max_files=10)] == \
        [[listed[0][0], listed[1][0]], [listed[2][0]], [listed[3][0]]]  # a part over the bytes stands alone
    assert [len(p) for p in partitions(listed, max_bytes=10**9, max_files=3)] == [3, 1]
    (tmp_path / "list.txt").write_text(f"# two of them\n{tmp_path / 'a.xml'}\n\nfile://{tmp_path / 'b'}/*.xml\n")
    assert [s for s, _ in iter_sources([f"@{tmp_path / 'list.txt'}"], (".xml",))] == \
        [str(tmp_path / "a.xml"), str(tmp_path / "b/2.xml")]  # fsspec globs are case-sensitive


def test_sources_that_name_nothing_are_refused(tmp_path: Path) -> None:
    from facturx_engine.apps.dist.sources import iter_sources
    from facturx_engine.errors import InputError

    for name in (str(tmp_path / "missing.xml"), f"{tmp_path}/*.xml", str(tmp_path), "", "nosuchprotocol://x"):
        with pytest.raises(InputError):
            list(iter_sources([name], (".xml",)))


def test_parts_are_atomic_and_tidy_removes_what_a_stop_left(tmp_path: Path) -> None:
    from facturx_engine.apps.dist.results import DOCUMENTS, done_key, done_keys, tidy, write_part

    out = str(tmp_path)
    doc = {"run": "r", "task": "validate", "path": "/a.xml", "sha256": "ab" * 32, "bytes": 3, "syntax": "CII",
           "profile": None, "document": None, "guideline": None, "rule_sets": [], "verdict": "valid", "valid": True,
           "fatal": 0, "warnings": 1, "seconds": 0.5, "output": None}
    finding = {"run": "r", "sha256": "ab" * 32, "path": "/a.xml", "rule": "BR-01", "severity": "warning",
               "location": "/x", "line": 3, "column": None, "message": "m", "bt_ids": ["BT-1"], "source": "s"}
    for fmt in ("jsonl", "parquet"):
        write_part(out, f"part-{fmt}", [doc], [finding], fmt)
    assert list(read_rows(out)) == [doc, doc] and list(read_rows(out, FINDINGS)) == [finding, finding]
    assert done_keys(out) == {done_key("ab" * 32, "/a.xml")}
    (tmp_path / FINDINGS / "part-orphan.jsonl").write_text(json.dumps(finding) + "\n")  # its documents part never came
    (tmp_path / DOCUMENTS / ".tmp-123-part-x.jsonl").write_text("{")  # a write cut short
    assert tidy(out) == 2
    assert len(list(read_rows(out, FINDINGS))) == 2 and not list((tmp_path / DOCUMENTS).glob(".tmp-*"))


def test_command_line_refusals_without_a_cluster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from facturx_engine.cli.commands import main

    xml = tmp_path / "a.xml"
    xml.write_bytes(b"<a/>")
    cases = [(["validate", str(xml), "--format", "parquet"], "--cluster"),
             (["validate", str(xml), "--out", str(tmp_path)], "--cluster"),
             (["convert", str(xml), str(xml), "--to", "ubl", "-o", str(tmp_path / "x")], "several with --cluster"),
             (["convert", str(xml), "--to", "ubl"], "-o/--output"),
             (["generate", str(xml), "--to", "cii", "--out", str(tmp_path)], "--cluster"),
             (["convert", str(xml), "--to", "ubl", "--cluster", "local", "--out", str(tmp_path), "-o", "x"], "--out"),
             (["validate", str(xml), "--cluster", "local:x", "--out", str(tmp_path)], "local:N"),
             (["validate", str(xml), "--cluster", "local", "--out", "/proc/no/such/folder"], "cannot write")]
    for argv, said in cases:
        assert main(argv) == 2, argv
        assert said in capsys.readouterr().err, argv


def test_a_partition_run_in_this_process(tmp_path: Path) -> None:
    """What a worker runs, called directly: unreadable and oversized files get their finding, resume skips by
    hash and path, a hostile payload is the document's error, never the partition's end."""
    from facturx_engine.apps.dist.job import Job
    from facturx_engine.apps.dist.results import done_keys
    from facturx_engine.apps.dist.tasks import run_partition

    good = tmp_path / "good.json"
    good.write_bytes((ROOT / "fixtures" / "payloads" / "b2b.json").read_bytes())
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 5000)
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"{not json")
    sources = [(str(p), 0) for p in (good, big, bad, tmp_path / "gone.json")]
    sources += [(str(p), 0) for p in sorted(HOSTILE.glob("*.json"))]
    out = str(tmp_path / "out")
    job = Job(task="generate", out=out, run="one", payload=True, max_bytes=4096, to="cii")
    outcome = run_partition(sources, job, "part-one")
    assert outcome["written"] == len(sources) and outcome["skipped"] == 0
    rows = {Path(r["path"]).name: r for r in read_rows(out)}
    rules = {Path(f["path"]).name: f["rule"] for f in read_rows(out, FINDINGS) if f["severity"] == "fatal"}
    assert rows["good.json"]["valid"] and rows["good.json"]["output"].endswith(".xml")
    assert (rows["big.json"]["verdict"], rules["big.json"]) == ("not checked", "FXE-SIZE")
    assert (rows["big.json"]["bytes"], rows["big.json"]["sha256"]) == (5000, "")  # its size; no hash of unread bytes
    assert rows["good.json"]["sha256"] == hashlib.sha256(good.read_bytes()).hexdigest()
    assert (rows["bad.json"]["verdict"], rules["bad.json"]) == ("invalid", "FXE-ERROR")
    assert (rows["gone.json"]["verdict"], rules["gone.json"]) == ("not checked", "FXE-IO")
    for hostile in HOSTILE.glob("*.json"):
        assert rows[hostile.name]["verdict"] in ("valid", "invalid"), hostile.name
    again = run_partition(sources, job, "part-two", frozenset(done_keys(out)))
    fifo = tmp_path / "pipe.xml"  # a FIFO is refused, not opened (opening it would block the worker for good)
    os.mkfifo(fifo)
    run_partition([(str(fifo), 0)], replace(job, task="validate", payload=False), "part-fifo")
    row = next(r for r in read_rows(out) if Path(r["path"]).name == "pipe.xml")
    assert row["verdict"] == "not checked" and row["sha256"] == ""
    assert any(f["rule"] == "FXE-IO" and "not a regular file" in f["message"]
               for f in read_rows(out, FINDINGS) if Path(f["path"]).name == "pipe.xml")
    assert (again["written"], again["skipped"], again["part"]) == (0, len(sources), None)


def test_a_missing_artefact_in_a_conversion_is_said_as_such(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule set missing or altered while converting is FXE-ARTEFACT (as validate says it), not a bug report."""
    from facturx_engine.apps.dist import produce
    from facturx_engine.apps.dist.job import Job
    from facturx_engine.apps.dist.tasks import run_partition
    from facturx_engine.errors import ResourceError

    def missing(*_args: Any) -> Any:
        raise ResourceError("the CEN EN 16931 CII rule set is not installed")

    monkeypatch.setattr(produce, "convert_one", missing)
    source = tmp_path / "in.xml"
    source.write_bytes(b"<x/>")
    out = str(tmp_path / "out")
    run_partition([(str(source), 0)], Job(task="convert", out=out, run="r", to="cii"), "part")
    (row,) = read_rows(out)
    (finding,) = read_rows(out, FINDINGS)
    assert row["verdict"] == "not checked" and finding["rule"] == "FXE-ARTEFACT" and "bug" not in finding["message"]


def test_generate_with_a_spec_writes_in_the_specs_profile_as_generate_does() -> None:
    """``--spec extended-ctc-fr`` without ``--profile``: the spec's profile (EXTENDED), as ``generate`` takes it;
    a profile that is not the spec's is that document's error, not a crash of the run."""
    from facturx_engine.apps.dist.job import Job
    from facturx_engine.apps.dist.produce import generate_one
    from facturx_engine.io.payload import from_payload, load_json
    from facturx_engine.syntax.cii import to_cii

    data = (ROOT / "fixtures" / "payloads" / "b2b.json").read_bytes()
    job = Job(task="generate", out="unused", run="r", payload=True, to="cii", spec="extended-ctc-fr")
    result, written = generate_one(job, "b2b.json", data)
    expected = to_cii(from_payload(load_json(data), spec="extended-ctc-fr"), spec="extended-ctc-fr")
    assert written == expected and b"urn:cen.eu:en16931:2017#conformant#urn.cpro.gouv.fr:1p0:extended-ctc-fr" in written
    assert result.valid, result
    result, written = generate_one(replace(job, profile="basic"), "b2b.json", data)
    assert written is None and not result.valid
    assert any(f.rule == "FXE-ERROR" and "not BASIC" in f.message for f in result.findings), result.findings
