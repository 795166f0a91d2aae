"""Capture what native code writes to file descriptor 2 during one call, and summarise it.

SaxonC (a GraalVM native image) prints Java-style diagnostics straight to file descriptor 2 when a
stylesheet raises at run time or warns, and has no API to send them elsewhere (its
``standardErrorOutputFile`` feature has no effect on them). :func:`capture_fd2` points descriptor 2
at a temporary file for the duration of a call and gives back what was written, so that the caller
can turn it into a finding instead of letting it reach the user's terminal raw.

A descriptor is shared by the whole process, so this is done with care:

* the caller holds a lock that serialises the captured calls and that is also held across
  ``os.fork()`` (the at-fork handlers of :mod:`facturx_engine.validation.schematron`), so no fork happens while
  descriptor 2 is redirected; a forked child gets a temporary file of its own;
* Python's ``sys.stderr`` is not flushed here: it is line-buffered, so the lines of this thread are
  already out, and a line another thread is in the middle of writing stays in its buffer until that
  thread ends it, then lands whole (flushing it here would split it across the two destinations);
* what other threads write to stderr meanwhile lands in the file too: everything that is not part of
  a Saxon diagnostic (a header such as ``Error at ...`` / ``Warning ...`` and its indented lines) is
  written back to the real descriptor 2 when the call ends, so nothing of theirs is lost (it arrives
  late, and a line written in two pieces across the call's start or end may be joined to the next);
* when descriptor 2 is closed there is nothing to protect and the call runs as is.

What cannot be helped: a subprocess started by another thread (``subprocess`` does not run the
at-fork handlers) during a captured call inherits the temporary file as its stderr.
"""

from __future__ import annotations

import atexit
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

__all__ = ["Captured", "capture_fd2", "summary"]

MAX_KEPT = 1024 * 1024
"""At most this many bytes of a captured output are read back (the rest is counted, not read)."""
_HEADER = re.compile(
    r"^(?:(?:Static |Dynamic |Type |Fatal |Recoverable |XPath syntax |Syntax |Internal )?[Ee]rror\b|Warning\b"
    r"|Exception in thread|Errors were reported|Failed to compile|java\.|Caused by:)"
)

_GLUED_HEADER = re.compile(
    r"(?:(?:Static |Dynamic |Type |Fatal |XPath syntax |Syntax )?Error|Warning) (?:at|in|on) (?:char|line|xsl:|\S+\.xslt?\b)"
)
"""The first words of a Saxon diagnostic, specific enough to be looked for inside a line."""
_GLUED_CONTINUATION = re.compile(r"(?<=\S)  (?:In (?:template|function|named|the|xsl:)|at xsl:|at \S+\.xslt?\b)")
"""An indented line of a Saxon diagnostic (``  In template rule with match=...``), glued to the end of a
piece of another thread's line: looked for only while a diagnostic is being read."""

_files: list[IO[bytes]] = []
"""This process's temporary files, one per nesting level of :func:`capture_fd2`."""
_files_pid: int | None = None
_depth = 0


class Captured:
    """What a captured call wrote: :attr:`text` (Saxon's diagnostics, decoded) and :attr:`size`."""

    __slots__ = ("size", "text")

    def __init__(self) -> None:
        self.text = ""
        self.size = 0

    def __bool__(self) -> bool:
        return bool(self.text.strip())


def _temporary(level: int) -> IO[bytes]:
    """The temporary file of nesting level ``level`` (a forked child must not share its parent's
    files: they share the file offset)."""
    global _files_pid
    if _files_pid != os.getpid():
        _close_files()  # the parent's, inherited: closing this process's copies leaves the parent's alone
        _files_pid = os.getpid()
    while len(_files) <= level:
        _files.append(tempfile.TemporaryFile(prefix="facturx-engine-stderr-"))
    return _files[level]


def _close_files() -> None:
    for file in _files:
        with _ignored():
            file.close()
    _files.clear()


atexit.register(_close_files)


def _split(text: str) -> tuple[str, str]:
    """(Saxon's diagnostics, the other lines) of a captured output.

    A Saxon diagnostic is a header line (``Error at ...``, ``Warning ...``) and the indented lines
    after it. Another thread's output may fall in between, even in pieces (``print`` writes the text
    and its newline separately): an indented line stays Saxon's once a header has been seen, and a
    Saxon header, or once one was seen an indented Saxon line, glued to the end of a piece of another
    thread's line is cut off it.
    """
    ours: list[str] = []
    theirs: list[str] = []
    seen_header = False
    for line in text.splitlines(keepends=True):
        glued = None if _HEADER.match(line) else _GLUED_HEADER.search(line)
        if glued:
            theirs.append(line[: glued.start()])
            line = line[glued.start():]
        if not glued and seen_header:
            glued = _GLUED_CONTINUATION.search(line)
            if glued:
                theirs.append(line[: glued.start()])
                line = line[glued.start():]
        if glued or _HEADER.match(line):
            seen_header = True
            ours.append(line)
        elif seen_header and (line[:1] in (" ", "\t") or not line.strip()):
            ours.append(line)
        else:
            theirs.append(line)
    return "".join(ours), "".join(theirs)


@contextmanager
def capture_fd2(*, split: bool = True) -> Iterator[Captured]:
    """Redirect descriptor 2 to a temporary file while the block runs; the caller must hold the lock
    that is held across ``fork`` (see the module docstring). ``split=False`` keeps every line (for a
    process that runs nothing else, a batch worker) instead of passing non-Saxon lines on, and flushes
    ``sys.stderr`` before and after."""
    global _depth
    captured = Captured()
    level = _depth
    if not split:
        with _ignored():
            sys.stderr.flush()
    saved = _redirect(level)
    if saved is None:  # no descriptor 2, or no temporary file: run as is
        yield captured
        return
    _depth += 1
    try:
        yield captured
    finally:
        _depth -= 1
        if not split:  # a process of our own, one thread: its last partial line is its own
            with _ignored():
                sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        _collect(_temporary(level), captured, split)


def _redirect(level: int) -> int | None:
    """Point descriptor 2 at the temporary file of ``level``; return a copy of the original one."""
    try:
        saved = os.dup(2)
    except OSError:
        return None
    try:
        target = _temporary(level)
        target.seek(0)
        target.truncate()
        os.dup2(target.fileno(), 2)
    except OSError:
        os.close(saved)
        return None
    return saved


def _collect(target: IO[bytes], captured: Captured, split: bool) -> None:
    captured.size = target.seek(0, os.SEEK_END)
    if not captured.size:
        return
    target.seek(0)
    data = target.read(MAX_KEPT)
    target.seek(0)
    target.truncate()
    text = data.decode("utf-8", "replace")
    ours, theirs = _split(text) if split else (text, "")
    captured.text = ours
    if theirs:
        with _ignored():
            os.write(2, theirs.encode("utf-8", "replace"))


@contextmanager
def _ignored() -> Iterator[None]:
    try:
        yield
    except (OSError, ValueError, AttributeError):
        pass


def summary(text: str, limit: int = 300) -> str:
    """One line for a finding: the first diagnostic (its header and first detail line), and how many
    more there are."""
    blocks: list[list[str]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if _HEADER.match(line) or not blocks:
            blocks.append([line.strip()])
        else:
            blocks[-1].append(line.strip())
    if not blocks:
        return ""
    first = " ".join(" ".join(blocks[0][:2]).split())
    if len(first) > limit:
        first = first[: limit - 3] + "..."
    more = len(blocks) - 1
    return first + (f" (and {more} more message{'s' * (more != 1)})" if more else "")
