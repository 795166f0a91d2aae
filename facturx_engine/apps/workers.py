"""Worker processes that survive their work: a worker that dies costs one item, never the batch.

:func:`imap_isolated` runs ``work(item)`` for each item in worker processes, one item at a time per
worker, and yields the results in input order. ``multiprocessing.Pool`` loses the task of a worker
that dies (its ``imap`` then waits forever) and ``concurrent.futures`` breaks the whole pool; here
the parent knows which item each worker holds, so when a worker dies -- a native crash (SIGSEGV,
SIGABRT), the kernel's out-of-memory killer (SIGKILL), ``os._exit`` -- or runs past ``timeout``
seconds (it is killed), that item gets ``failed(item, reason)`` as its result, a new worker is
started and the batch goes on. An exception that escapes ``work`` is also that item's
``failed(item, reason)``. ``failed`` may answer :class:`Retry` instead: the item given is then run
again, in a fresh worker (a degraded check, for instance), and its outcome is final or retried again
as ``failed`` decides.

Workers are forked where ``fork`` exists (they start in milliseconds and inherit the parent's
imports), else started with the platform default. With ``clean=True`` they are spawned (a new
interpreter each, with the environment of the moment), so they inherit none of this process's memory
-- a forked child's resident set holds every page of its parent, and the native state of a library
that does not survive ``fork`` (SaxonC's compiled stylesheets) is dead weight there that the child can
never free. A spawned worker imports the calling program's main module, as ``multiprocessing`` always
does: its work must sit under ``if __name__ == "__main__":``. Workers ignore Ctrl-C, which the parent
handles by stopping them all. At most a bounded number of results wait to be yielded (a slow item holds back
the dispatch of items far behind it), so memory stays flat over long batches.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

__all__ = ["Resident", "Retry", "imap_isolated"]

T = TypeVar("T")
R = TypeVar("R")

_WINDOW_PER_WORKER = 8
"""Items dispatched ahead of the first result not yet yielded, per worker."""
_JOIN_SECONDS = 5.0
_PARENT_CHECK_SECONDS = 1.0


class Retry(Generic[T]):
    """What ``failed`` answers to have ``item`` run again instead of giving a result."""

    __slots__ = ("item",)

    def __init__(self, item: T) -> None:
        self.item = item


class _Failed:
    """Sent by a worker when ``work`` raised: the reason, as text."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _context(clean: bool = False) -> Any:
    """``spawn`` when ``clean``, else ``fork`` where it exists, else the platform default."""
    if clean:
        return multiprocessing.get_context("spawn")
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def _release_inherited(keep: int) -> None:
    """Point every descriptor this forked process inherited, but 0-2 and ``keep``, at the null device: the pipes
    and sockets of its parent (a browser driver's, a server's) are then held by the parent only, and see their end
    when the parent closes them. The numbers stay taken, so an inherited object closing its own later closes only
    the null device, never a file this process opened since."""
    folder = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"
    try:
        numbers = [int(name) for name in os.listdir(folder)]
    except (OSError, ValueError):
        return
    null = os.open(os.devnull, os.O_RDWR)
    for fd in numbers:
        if fd > 2 and fd not in (keep, null):
            try:
                os.dup2(null, fd)
            except OSError:  # the listing's own descriptor, closed already
                pass
    os.close(null)


def _serve(conn: Connection, work: Callable[[Any], Any], private: bool = False) -> None:
    """A worker's loop: receive ``(index, item)``, send ``(index, result)``; ``None`` ends it. ``private``: first
    let go of the descriptors inherited from a forked parent (:func:`_release_inherited`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the workers
    if private:
        _release_inherited(conn.fileno())
    parent = os.getppid()
    while True:
        try:
            if not conn.poll(_PARENT_CHECK_SECONDS):
                if os.getppid() != parent:  # the parent was killed: siblings may hold our pipe open
                    return
                continue
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, item = message
        try:
            result: Any = work(item)
        except BaseException as exc:  # noqa: BLE001 - a worker reports, never dies of an exception
            result = _Failed(f"{type(exc).__name__}: {exc}")
        try:
            conn.send((index, result))
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            conn.send((index, _Failed(f"the result could not be sent back: {type(exc).__name__}: {exc}")))


class _Worker(Generic[T]):
    """One worker process, its end of the pipe, and the item it holds."""

    def __init__(self, context: Any, work: Callable[[T], Any], private: bool = False) -> None:
        parent_end, child_end = context.Pipe()
        self.process = context.Process(target=_serve, args=(child_end, work, private), daemon=True)
        self.process.start()
        child_end.close()  # the parent keeps only its end: EOF when the worker dies
        self.conn: Connection = parent_end
        self.task: tuple[int, T] | None = None
        self.started = 0.0

    def give(self, index: int, item: T) -> bool:
        """Send an item; False when the worker is already gone."""
        try:
            self.conn.send((index, item))
        except (OSError, EOFError):
            return False
        self.task, self.started = (index, item), time.monotonic()
        return True

    def stop(self, *, kill: bool = False) -> None:
        if not kill:
            try:
                self.conn.send(None)
            except (OSError, EOFError):
                pass
            self.process.join(_JOIN_SECONDS)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(_JOIN_SECONDS)
        self.conn.close()


def _death(process: Any) -> str:
    """Why a worker is gone, from its exit code."""
    process.join(_JOIN_SECONDS)
    code = process.exitcode
    if code is None:
        return "the worker process stopped answering"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (the system may have run out of memory)" if -code == signal.SIGKILL else ""
        return f"the worker process checking it was killed by {name}{hint}"
    return f"the worker process checking it exited unexpectedly (status {code})"


class _Run(Generic[T, R]):
    """The state of one :func:`imap_isolated` call."""

    def __init__(self, items: list[T], work: Callable[[T], R], failed: Callable[[T, str], R | Retry[T]],
                 jobs: int, timeout: float | None, clean: bool = False) -> None:
        self.items, self.work, self.failed, self.timeout = items, work, failed, timeout
        self.context = _context(clean)
        self.pending: deque[int] = deque(range(len(items)))
        self.done: dict[int, R] = {}
        self.next_out = 0
        self.window = _WINDOW_PER_WORKER * jobs
        self.workers: list[_Worker[T]] = [_Worker(self.context, work) for _ in range(jobs)]

    def dispatch(self) -> None:
        for slot, worker in enumerate(self.workers):
            while worker.task is None and self.pending and self.pending[0] < self.next_out + self.window:
                index = self.pending.popleft()
                if worker.give(index, self.items[index]):
                    break
                worker.stop(kill=True)  # it died while idle: not this item's fault
                worker = self.workers[slot] = _Worker(self.context, self.work)
                self.pending.appendleft(index)

    def collect(self) -> None:
        busy = [w for w in self.workers if w.task is not None]
        if not busy:
            return
        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], self._wait_seconds(busy)))
        for worker in busy:
            if worker.conn in ready or worker.process.sentinel in ready:
                self._receive(worker)
            elif self.timeout is not None and time.monotonic() - worker.started > self.timeout:
                self._replace(worker, f"it took longer than {self.timeout:g} s; the check was stopped")

    def _wait_seconds(self, busy: list[_Worker[T]]) -> float | None:
        if self.timeout is None:
            return None
        oldest = min(w.started for w in busy)
        return max(0.0, oldest + self.timeout - time.monotonic()) + 0.01

    def _receive(self, worker: _Worker[T]) -> None:
        assert worker.task is not None
        index, item = worker.task
        try:
            got_index, result = worker.conn.recv()
        except (EOFError, OSError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
            self._replace(worker, _death(worker.process))
            return
        worker.task = None
        if isinstance(result, _Failed):
            self._fail(got_index, item, result.reason)
        else:
            self.done[got_index] = result

    def _replace(self, worker: _Worker[T], reason: str) -> None:
        assert worker.task is not None
        index, item = worker.task
        worker.task = None
        worker.stop(kill=True)
        self.workers[self.workers.index(worker)] = _Worker(self.context, self.work)
        self._fail(index, item, reason)

    def _fail(self, index: int, item: T, reason: str) -> None:
        outcome = self.failed(item, reason)
        if isinstance(outcome, Retry):
            self.items[index] = outcome.item
            self.pending.appendleft(index)
        else:
            self.done[index] = outcome

    def results(self) -> Iterator[R]:
        while self.next_out < len(self.items):
            self.dispatch()
            self.collect()
            while self.next_out in self.done:
                yield self.done.pop(self.next_out)
                self.next_out += 1

    def close(self) -> None:
        for worker in self.workers:
            worker.stop(kill=worker.task is not None)


def imap_isolated(work: Callable[[T], R], items: Iterable[T], *, failed: Callable[[T, str], R | Retry[T]],
                  jobs: int = 1, timeout: float | None = None, clean: bool = False) -> Iterator[R]:
    """``work(item)`` for each item, in ``jobs`` worker processes, yielded in input order; the
    result of an item whose worker died, timed out or raised is ``failed(item, reason)``.

    ``clean``: workers that inherit nothing of this process (see the module docstring). ``work`` and
    the items must be picklable where workers are not forked. The workers are stopped when the
    iterator is exhausted or closed (and on any exception, Ctrl-C included).
    """
    listed = list(items)
    if not listed:
        return
    run: _Run[T, R] = _Run(listed, work, failed, max(1, min(jobs, len(listed))), timeout, clean)
    try:
        yield from run.results()
    finally:
        run.close()


class Resident(Generic[T, R]):
    """One worker process kept between calls, for a program that runs one item at a time now and then (the local
    validator page): ``run(item)`` is ``work(item)`` in that worker, or ``failed(item, reason)`` when the worker
    dies, runs past ``timeout`` seconds (it is killed) or ``work`` raises. A dead worker is replaced at the next
    call, so what the worker keeps between items (compiled stylesheets) is lost only when it dies. One call at a
    time: a caller with threads holds a lock around :meth:`run`. ``clean`` as in :func:`imap_isolated`. A forked
    worker lets go of the descriptors it inherited (a server's sockets, a browser driver's pipes), which are none of
    its business and would otherwise stay open as long as it lives."""

    def __init__(self, work: Callable[[T], R], *, failed: Callable[[T, str], R], timeout: float | None = None,
                 clean: bool = False) -> None:
        self.work, self.failed, self.timeout = work, failed, timeout
        self.context = _context(clean)
        self.private = self.context.get_start_method() == "fork"
        self.worker: _Worker[T] | None = None

    def run(self, item: T) -> R:
        worker = self.worker
        if worker is None or not worker.give(0, item):
            if worker is not None:
                worker.stop(kill=True)  # it died while idle: not this item's fault
            worker = self.worker = _Worker(self.context, self.work, private=self.private)
            if not worker.give(0, item):
                return self._lose(item, _death(worker.process))
        # The pipe alone: a private worker let go of the process sentinel's pipe; its death ends the pipe too.
        if not wait([worker.conn], self.timeout):
            return self._lose(item, f"it took longer than {self.timeout:g} s; the work was stopped")
        try:
            _, result = worker.conn.recv()
        except (EOFError, OSError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
            return self._lose(item, _death(worker.process))
        worker.task = None
        return self.failed(item, result.reason) if isinstance(result, _Failed) else result

    def _lose(self, item: T, reason: str) -> R:
        if self.worker is not None:
            self.worker.stop(kill=True)
            self.worker = None
        return self.failed(item, reason)

    def close(self) -> None:
        """Stop the worker (a later :meth:`run` starts a new one)."""
        if self.worker is not None:
            self.worker.stop()
            self.worker = None
