"""What every partition of a distributed run does: :class:`Job`, sent with each task."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TASKS", "Job"]

TASKS = ("validate", "convert", "generate")


@dataclass(frozen=True, slots=True)
class Job:
    """What every partition of a run does: the task and its options, where the results go, the run's id.

    ``rules`` / ``only``: as ``validate --rules`` / ``--only``; ``to`` / ``profile`` / ``spec``: as
    ``convert`` / ``generate``; ``payload``: ``generate`` reads invoicing-app payloads; ``schematron``:
    False for the degraded check after a crash; ``timeout``: the most seconds a document may take (its worker
    process is then ended, as ``validate --timeout`` ends a ``-j`` worker)."""

    task: str
    out: str
    run: str
    fmt: str = "jsonl"
    rules: tuple[str, ...] = ()
    only: tuple[str, ...] | None = None
    max_bytes: int | None = None
    to: str | None = None
    profile: str | None = None
    spec: str | None = None
    payload: bool = False
    schematron: bool = True
    timeout: float | None = None
