"""The ``facturx-engine validate PATH...`` command: :mod:`facturx_engine.apps.batch` finds and checks
the files, :mod:`facturx_engine.apps.report` writes the report (``--format text|json|junit|sarif``), or
:mod:`facturx_engine.apps.svrl` one merged SVRL document per file (``--format svrl``: to stdout or ``-o
FILE`` for one file; into ``-o DIR``, a directory that exists or a path ending with ``/``, as
``FILE.svrl`` for each file otherwise -- several files without a directory are refused, exit 2, before
anything is validated). With ``--cluster`` the files go to a Dask cluster and the results to ``--out`` as JSON
Lines or Parquet (:mod:`facturx_engine.cli.dist`).

Exit codes (:func:`facturx_engine.apps.batch.exit_code`): 0 every document valid (warnings allowed),
1 at least one invalid document (or, with ``--fail-on warning``, one with a warning), 2 usage error
or a file not checked, 3 an official artefact missing or altered, 4 a rule set a document claims is not
installed (``facturx-engine artefacts install``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from facturx_engine.apps.batch import STDIN, FileResult, check_files, discover_with_duplicates, exit_code, file_identity
from facturx_engine.apps.display import printable
from facturx_engine.apps.report import FORMATS, engine_name, render, sarif_uri
from facturx_engine.apps.svrl import render_svrl, svrl_names
from facturx_engine.cli.dist import add_options as add_cluster_options, run_cluster
from facturx_engine.cli.shared import CommandError, write_atomic
from facturx_engine.errors import InputError
from facturx_engine.model.codes import RULE_SETS

__all__ = ["MAX_JOBS", "PROGRESS_MIN", "add_command"]

PROGRESS_MIN = 20
"""Batches of at least this many files show a progress bar (only when stderr is a terminal)."""


@dataclass
class _Progress:
    """A one-line progress bar on a terminal's stderr, erased when the batch is done."""

    stream: TextIO
    width: int = 30

    def __call__(self, done: int, total: int) -> None:
        filled = self.width * done // total
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} files")
        if done == total:
            self.stream.write("\r" + " " * (self.width + 30) + "\r")
        self.stream.flush()


MAX_JOBS = max(64, 4 * (os.cpu_count() or 1))
"""The most worker processes ``-j`` accepts."""


def add_command(sub: Any) -> None:
    """Add ``validate`` to the subcommands of the command line (:mod:`facturx_engine.cli.commands`)."""
    p = sub.add_parser(
        "validate", help="check invoices (CII, UBL 2.1, Factur-X PDF): XSD, Schematron, PDF checks",
        description="Validate files, directories (recursive: *.xml, *.pdf) and glob patterns offline (- reads "
                    "the standard input). Every file gets its result, in input order; a file that cannot be "
                    "checked (unreadable, too large, its check crashed) gets a fatal finding, never ends the "
                    "batch. Exit codes: 0 every document valid (warnings allowed), 1 at least one invalid "
                    "document, 2 usage error (a named path missing, nothing matched) or a file not checked, "
                    "3 an official artefact missing or altered, 4 a rule set a document claims is not "
                    "installed (run: facturx-engine artefacts install).")
    p.add_argument("paths", nargs="+", metavar="PATH", help="file, directory or glob pattern; - for stdin")
    names = [r.key for r in RULE_SETS if r.extra]
    p.add_argument("--rules", action="append", choices=names, default=[],
                   help="add a rule set to those the document claims: fr-ctc (French BR-FR CTC rules), "
                        "extended-ctc-fr, cen (CEN EN 16931), xrechnung (KoSIT XRechnung) (repeatable)")
    p.add_argument("--only", action="append", choices=names, default=None,
                   help="apply only this rule set, not those the document claims (repeatable)")
    p.add_argument("--format", dest="fmt", choices=(*FORMATS, "svrl", "jsonl", "parquet"), default="text",
                   help="report format (default text); svrl: one SVRL document per file merging every rule set "
                        "applied (with several files, -o must name a directory: FILE.svrl in it for each file); "
                        "jsonl, parquet: the results files of --cluster")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write the report to FILE (atomically) instead of stdout; with --format svrl, a directory "
                        "(existing, or ending with /) receives one FILE.svrl per input")
    p.add_argument("--fail-on", choices=("error", "warning"), default="error",
                   help="warning: a document with warnings also fails (exit 1)")
    p.add_argument("-j", "--jobs", type=_jobs, default=None, metavar="N",
                   help=f"worker processes (default: the number of CPUs, at most {MAX_JOBS}); each file is checked "
                        "in a worker process, so a crash costs that file only")
    p.add_argument("--timeout", type=_seconds, default=None, metavar="SECONDS",
                   help="stop the check of a file after so many seconds (a fatal FXE-CRASH finding); default none")
    add_cluster_options(p, formats=False)
    p.set_defaults(run=_run)


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of workers, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 worker, got {value}")
    if value > MAX_JOBS:
        raise argparse.ArgumentTypeError(f"expected at most {MAX_JOBS} workers, got {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value < 10**7:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _run(args: argparse.Namespace) -> int:
    if args.cluster:
        return run_cluster(args, "validate", args.paths)
    if args.out or args.fmt in ("jsonl", "parquet"):
        raise CommandError(f"{'--out' if args.out else '--format ' + args.fmt} applies to --cluster runs only")
    try:
        names, duplicates = discover_with_duplicates(args.paths)
    except InputError as exc:
        raise CommandError(exc.message) from None
    if args.output and args.output != STDIN and os.path.lexists(args.output):
        target = file_identity(args.output)
        if any(file_identity(name) == target for name in names):
            raise CommandError(f"the report file {printable(args.output)} is one of the files to validate; "
                               "choose another -o")
    _say_duplicates(duplicates)
    svrl_dir = _svrl_directory(args, names)
    rules = tuple(dict.fromkeys(args.rules))
    stderr = getattr(sys.stderr, "unescaped", sys.stderr)  # the bar's carriage returns are its own
    bar = _Progress(stderr) if len(names) >= PROGRESS_MIN and stderr.isatty() else None
    max_bytes = getattr(args, "max_size", None)
    only = None if args.only is None else tuple(dict.fromkeys(args.only))
    results = check_files(names, rules=rules, jobs=args.jobs, progress=bar, max_bytes=max_bytes,
                          timeout=args.timeout, only=only)
    if args.fmt == "svrl":
        _write_svrl(results, svrl_dir, args.output)
        return exit_code(results, fail_on=args.fail_on)
    text = render(results, args.fmt, rules=rules)
    if args.output:
        write_atomic(args.output, text.encode("utf-8"))
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return exit_code(results, fail_on=args.fail_on)


def _svrl_directory(args: argparse.Namespace, names: Sequence[str]) -> str | None:
    """The directory the SVRL documents go to (None: one document, to stdout or the file -o names); checked
    before anything is validated."""
    if args.fmt != "svrl":
        return None
    output = args.output
    if output and output != STDIN and output.endswith(("/", os.sep)) and not os.path.isdir(output):
        try:
            os.makedirs(output, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"cannot create the directory {printable(output)}: {exc.strerror or exc}") from None
    if output and output != STDIN and os.path.isdir(output):
        return str(output)
    if len(names) > 1:
        raise CommandError(f"--format svrl writes one SVRL document per file: {len(names)} files to validate, so "
                           "-o must name a directory (existing, or ending with /; each file's report is FILE.svrl "
                           "in it)")
    return None


def _write_svrl(results: Sequence[FileResult], directory: str | None, output: str | None) -> None:
    """Each result's merged SVRL: in ``directory`` (one file each), else the only one to ``output`` or stdout."""
    engine = engine_name()
    if directory is None:
        [result] = results
        text = render_svrl(result, engine, sarif_uri(result.file))
        if output:
            write_atomic(output, text.encode("utf-8"))
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
        return
    for result, name in zip(results, svrl_names(results)):
        write_atomic(os.path.join(directory, name), render_svrl(result, engine, sarif_uri(result.file)).encode("utf-8"))


def _say_duplicates(duplicates: Sequence[tuple[str, str]], shown: int = 5) -> None:
    """One note per path left out because it names a file already listed (at most ``shown``)."""
    for name, first in duplicates[:shown]:
        print(f"note: {printable(name)} is the same file as {printable(first)}: checked and reported once",
              file=sys.stderr)
    if len(duplicates) > shown:
        print(f"note: {len(duplicates) - shown} more path(s) name files already listed: each checked once",
              file=sys.stderr)
