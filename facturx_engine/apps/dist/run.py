"""The driver of a distributed batch: stream the documents to a Dask cluster, partition by partition.

::

    from facturx_engine.apps.dist import run
    summary = run(["s3://bucket/2026/"], cluster="tcp://scheduler:8786", out="s3://bucket/results/")
    summary = run(["invoices/"], cluster="local:4", out="results/", task="convert", to="ubl")

The driver walks the sources (:mod:`facturx_engine.apps.dist.sources`: a generator), groups them into
partitions of about ``partition_bytes`` bytes (at most ``partition_files`` documents) and keeps at most
``window`` partitions in flight (``as_completed``): it never holds the list of every path, and it never
receives a result row -- each task writes its own part files (:mod:`facturx_engine.apps.dist.results`)
and gives back a few counts.

**Resume.** Before starting, the driver tidies the results folder (what an interrupted run left) and
reads the content hash and path of each document that already has a row; that set is sent once to
every worker, and a worker skips a document whose hash and path are in it (a document whose bytes
changed is checked again; the same bytes under another name get their own row). A rerun after a
killed driver, or after an error, therefore redoes only what has no row, and a part is written
atomically, so nothing is lost or written twice. A run stopped by an error or Ctrl-C first lets its
partitions in flight end (a task running on a worker cannot be recalled: it would write its part
anyway). A driver killed outright takes a ``local`` cluster with it; on a shared cluster its running
tasks still end and write their parts: start the rerun once they have (the dashboard shows it), or
their documents may get a second row.

**Workers that die.** A partition whose worker dies is run again by Dask on another worker (the
scheduler's ``allowed-failures``). A partition that keeps killing workers (``KilledWorker``) is split
into one task per document (a part it may have written before is removed first). A document's task that
ends the same way may only have been waiting on a worker that another document killed, so it is run
again alone (nothing else in flight); if it still kills its worker there, it is checked once more,
alone, without the Schematron (its XSD findings next to an ``FXE-CRASH`` finding), and if that kills a
worker too its row is a lone ``FXE-CRASH`` -- as ``validate -j N`` does (:mod:`facturx_engine.apps.batch`).
A document that runs past ``timeout`` ends its worker and is handled the same way.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from facturx_engine.apps.dist.results import FORMATS, done_keys, remove_part, tidy
from facturx_engine.apps.dist.sources import Source, iter_sources, partitions
from facturx_engine.apps.dist.job import TASKS, Job
from facturx_engine.apps.dist.tasks import crash_rows, run_partition
from facturx_engine.errors import InputError

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["PARTITION_BYTES", "PARTITION_FILES", "Summary", "connect", "prepare", "run", "run_distributed"]

PARTITION_BYTES = 64 * 1024 * 1024
"""Documents per task, in bytes (a partition's documents are read by one worker, one at a time)."""
PARTITION_FILES = 200
"""At most so many documents per task, so that a small batch still spreads over the workers."""
LOCAL_ALLOWED_FAILURES = 1
"""Worker deaths a task of a ``local`` cluster may cause before it is split (Dask's default is 3)."""
SETTLE_SECONDS = 600
"""How long a stopped run waits for its partitions in flight to end."""
SUFFIXES = {"validate": (".xml", ".pdf"), "convert": (".xml", ".pdf"), "generate": (".json",)}
"""What a folder is searched for, per task."""


@dataclass
class Summary:
    """What a run did: its id, the results folder, and counts of documents and partitions.

    ``written``: documents given a row by this run; ``skipped``: documents that already had one (resume);
    ``valid`` / ``invalid`` / ``not_checked``: the verdicts of the documents written; ``split``: partitions
    that killed workers and were split; ``crashed``: documents left with a lone ``FXE-CRASH`` row."""

    run: str
    out: str
    partitions: int = 0
    written: int = 0
    skipped: int = 0
    valid: int = 0
    invalid: int = 0
    not_checked: int = 0
    split: int = 0
    crashed: int = 0
    workers: set[int] = field(default_factory=set)

    def add(self, outcome: dict[str, Any]) -> None:
        self.partitions += 1
        self.written += int(outcome.get("written", 0))
        self.skipped += int(outcome.get("skipped", 0))
        self.valid += int(outcome.get("valid", 0))
        self.invalid += int(outcome.get("invalid", 0))
        self.not_checked += int(outcome.get("not checked", 0))
        self.workers.add(int(outcome.get("pid", 0)))


def connect(cluster: Any) -> tuple[Any, Callable[[], None]]:
    """A Dask client for ``cluster`` -- ``"local"`` / ``"local:N"`` (a new cluster of N worker processes on
    this machine, one thread each), a scheduler address (``"tcp://host:8786"``), or a
    ``distributed.Client`` -- and what closes what was opened here."""
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError('distributed batches need Dask: pip install "facturx-engine-oss[dist]"') from None
    if isinstance(cluster, Client):
        return cluster, lambda: None
    if not isinstance(cluster, str) or not cluster:
        raise InputError(f"expected a cluster: local, local:N or a scheduler address, got {cluster!r}")
    if cluster == "local" or cluster.startswith("local:"):
        count = cluster.partition(":")[2] or "0"
        if not count.isdigit() or int(count) > 1024:
            raise InputError(f"expected local or local:N (N workers), got {cluster!r}")
        with dask.config.set({"distributed.scheduler.allowed-failures": LOCAL_ALLOWED_FAILURES}):
            local = LocalCluster(n_workers=int(count) or None, threads_per_worker=1, processes=True,
                                 dashboard_address=":0")
        client = Client(local)

        def close() -> None:
            client.close()
            local.close()

        return client, close
    try:
        remote = Client(cluster, timeout="30s")
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {cluster}: {exc}") from None
    return remote, remote.close


def run(sources: Iterable[str], *, cluster: str | Client, out: str, task: str = "validate", fmt: str = "jsonl",
        rules: Iterable[str] = (), only: Iterable[str] | None = None, max_bytes: int | None = None,
        to: str | None = None, profile: str | None = None, spec: str | None = None, payload: bool = False,
        partition_bytes: int = PARTITION_BYTES, partition_files: int = PARTITION_FILES, window: int | None = None,
        retries: int = 1, resume: bool = True, timeout: float | None = None,
        progress: Callable[[Summary], None] | None = None) -> Summary:
    """Run ``task`` (``validate``, ``convert``, ``generate``) on every document ``sources`` name, on
    ``cluster`` (see :func:`connect`), writing the results under ``out`` as ``fmt`` (``jsonl``,
    ``parquet``); see the module docstring. ``progress(summary)`` is called after each partition.
    ``resume=False`` checks every document again (rows of the earlier runs stay). ``timeout``: the most seconds
    a document may take; past it, its worker process is ended (and the document handled as one that kills
    workers)."""
    if task not in TASKS:
        raise InputError(f"unknown task {task!r}: expected one of {', '.join(TASKS)}")
    if fmt not in FORMATS:
        raise InputError(f"unknown results format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if task == "convert" and to is None:
        raise InputError("convert needs a target: to='cii', 'ubl' or 'facturx'")
    out = prepare(out)
    job = Job(task=task, out=out, run=uuid.uuid4().hex[:12], fmt=fmt, rules=tuple(dict.fromkeys(rules)),
              only=None if only is None else tuple(dict.fromkeys(only)), max_bytes=max_bytes, to=to,
              profile=profile, spec=spec, payload=payload, timeout=timeout)
    found = iter_sources(list(sources), SUFFIXES[task])
    parts = partitions(found, max_bytes=partition_bytes, max_files=partition_files)
    client, close = connect(cluster)
    try:
        return _Driver(client, job, resume, retries, window, progress).drive(parts)
    finally:
        close()


def prepare(out: str) -> str:
    """The results folder as workers will see it (a local path made absolute), created now so that a folder
    that cannot be written is said before anything runs."""
    from fsspec.core import url_to_fs

    if "://" not in out:
        out = os.path.abspath(out)
    try:
        fs, root = url_to_fs(out)
        fs.makedirs(root, exist_ok=True)
    except (OSError, ValueError, ImportError) as exc:
        raise InputError(f"cannot write the results to {out}: {exc}") from None
    return out


class _Driver:
    """One run's loop: submit partitions within the window, handle each as it completes."""

    def __init__(self, client: Any, job: Job, resume: bool, retries: int, window: int | None,
                 progress: Callable[[Summary], None] | None) -> None:
        self.client, self.job, self.retries, self.progress = client, job, retries, progress
        threads = sum(client.nthreads().values()) or 1
        self.window = window or 2 * threads + 2
        self.summary = Summary(job.run, job.out)
        self.names = (f"part-{job.run}-{n:06d}" for n in itertools.count())
        self.retry: deque[tuple[list[Source], Job, str]] = deque()
        self.alone: deque[tuple[list[Source], Job, str]] = deque()
        done: frozenset[str] = frozenset()
        if resume:
            tidy(job.out)
            done = frozenset(done_keys(job.out))
        # sent once to every worker (a list of one: scatter would send a set's items one by one)
        self.done: Any = client.scatter([done], broadcast=True)[0] if done else frozenset()

    def _submit(self, part: list[Source], job: Job, name: str, alone: bool = False) -> Any:
        future = self.client.submit(run_partition, part, job, name, self.done, key=f"fxe-{name}",
                                    retries=self.retries, pure=False)
        self.meta[future.key] = (part, job, name, alone)
        self.futures[future.key] = future
        return future

    def drive(self, parts: Iterator[list[Source]]) -> Summary:
        from distributed import as_completed

        self.meta: dict[str, tuple[list[Source], Job, str, bool]] = {}
        self.futures: dict[str, Any] = {}
        pending = as_completed()
        exhausted = False
        try:
            while True:
                if self.alone:  # a suspect document runs with nothing else in flight: no bystander can die
                    if not self.futures:
                        pending.add(self._submit(*self.alone.popleft(), alone=True))
                else:
                    while len(self.futures) < self.window and (self.retry or not exhausted):
                        if self.retry:
                            pending.add(self._submit(*self.retry.popleft()))
                        elif (part := next(parts, None)) is not None:
                            pending.add(self._submit(part, self.job, next(self.names)))
                        else:
                            exhausted = True
                if not self.futures:
                    return self.summary
                self._handle(next(pending))
        finally:
            self._settle()

    def _settle(self) -> None:
        """On the way out after an error (or Ctrl-C): let the partitions in flight end (a task already
        running on a worker would write its part even if cancelled), so that a rerun started right after
        finds every part that will ever be written; then release them."""
        from distributed import wait

        if self.futures:
            try:
                wait(list(self.futures.values()), timeout=SETTLE_SECONDS)
            except TimeoutError:
                pass  # the rows of what still runs may then be written twice by a rerun started now
            finally:
                self.client.cancel(list(self.futures.values()), force=True)

    def _handle(self, future: Any) -> None:
        from distributed import KilledWorker

        part, job, name, alone = self.meta.pop(future.key)
        del self.futures[future.key]
        if future.status == "finished":
            self.summary.add(future.result())
            if self.progress:
                self.progress(self.summary)
            return
        if future.status == "cancelled":
            raise InputError(f"the partition {name} was cancelled (the scheduler was restarted?); rerun to resume")
        error = future.exception()
        if not isinstance(error, KilledWorker):
            raise InputError(f"the partition {name} failed ({type(error).__name__}: {error}); rerun to resume")
        # It may have written its part before a worker holding its result died and its rerun kept killing
        # workers: its documents are done again below, under other names, so that part must go.
        remove_part(self.job.out, name)
        if len(part) > 1:  # split: one task per document
            self.summary.split += 1
            self.retry.extend(([source], job, f"{name}-{i:04d}") for i, source in enumerate(part))
        elif not alone:  # it may only have waited on workers that others killed: run it alone to know
            self.alone.append((part, job, f"{name}-alone"))
        elif job.schematron:  # it kills workers by itself: once more without the Schematron
            self.alone.append((part, replace(job, schematron=False), f"{name}-xsd"))
        else:
            reason = "its worker process died (or ran past the timeout) each time, with and without the Schematron"
            self.summary.add(crash_rows(job, part[0][0], f"{name}-crash", reason))
            self.summary.crashed += 1
            if self.progress:
                self.progress(self.summary)


run_distributed = run
""":func:`run` as the package exports it: ``facturx_engine.run_distributed(...)``."""
