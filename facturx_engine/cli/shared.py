"""What every command of the ``facturx-engine`` command line shares: the exit codes, the one-line
failure of a command (:class:`CommandError`) and the atomic writing of ``-o`` (:func:`write_atomic`).

A module of its own so that each command module (:mod:`facturx_engine.cli.commands`,
:mod:`facturx_engine.cli.validate`) imports it, and the command line imports the command modules.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from facturx_engine.apps.display import printable
from facturx_engine.syntax.limits import read_bounded
from facturx_engine.io.atomic import write_atomic as write_file

__all__ = ["CommandError", "EXIT_INTERNAL", "EXIT_INVALID", "EXIT_NOT_INSTALLED", "EXIT_OK", "EXIT_USAGE",
           "read_limited", "write_atomic"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_NOT_INSTALLED = 4
"""A rule set's official artefacts are not installed: ``facturx-engine artefacts install`` installs them."""


class CommandError(Exception):
    """A failure a command reports as one line, with its exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _check_target(name: str) -> None:
    """Refuse an output path that exists and is not a regular file (checked without following links)."""
    try:
        mode = os.lstat(name).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise CommandError(f"cannot write {printable(name)}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        kind = next((kind for test, kind in _KINDS if test(mode)), "not a regular file")
        raise CommandError(f"refusing to write {printable(name)}: it is {kind}; -o replaces regular files only")


def write_atomic(name: str, data: bytes) -> None:
    """Write ``data`` to ``name`` through a temporary file in the same directory (``-``: stdout).

    An existing ``name`` that is not a regular file is refused (:func:`_check_target`); the temporary
    file is removed on every failure, so no partial output is ever left.
    """
    if name == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    if not name:
        raise CommandError("-o needs a file name (or - for the standard output)")
    _check_target(name)
    try:
        write_file(Path(name), data)  # the output folder is created, only on success
    except OSError as exc:
        raise CommandError(f"cannot write {printable(name)}: {exc.strerror or exc}") from None


def read_limited(name: str, limit: int) -> bytes:
    """The bytes of an input file (``-``: the standard input), at most ``limit`` of them (``--max-size``):
    a :class:`CommandError` naming the file when it cannot be read or is larger."""
    try:
        if name == "-":
            data = read_bounded(sys.stdin.buffer, limit)
        else:
            with open(name, "rb") as stream:
                data = read_bounded(stream, limit)
    except OSError as exc:
        raise CommandError(f"cannot read {printable(name)}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise CommandError(f"{'the standard input' if name == '-' else printable(name)} is larger than "
                           f"{limit} bytes (--max-size); not read")
    return data
