"""``--cluster``: the ``validate``, ``convert`` and ``generate`` commands on a Dask cluster (issue 16).

::

    facturx-engine validate SOURCE... --cluster local[:N]|tcp://HOST:8786 --out DIR|URL [--format jsonl|parquet]
    facturx-engine convert SOURCE... --to cii|ubl|facturx --cluster ... --out DIR|URL
    facturx-engine generate SOURCE... [--from payload] [--to ...] --cluster ... --out DIR|URL

A SOURCE is a file, a folder (searched recursively), a glob pattern, ``@LIST`` (a file naming one
path or URL a line) or an fsspec URL (``s3://bucket/prefix/``, ``memory://``, ``file://``). The rows go
to ``--out`` (:mod:`facturx_engine.apps.dist.results`); a rerun with the same ``--out`` resumes. One
summary line is printed; a progress line on stderr when it is a terminal. Exit codes as ``validate``:
0 every document valid, 1 one invalid, 2 one not checked or a usage error. Dask is imported only here,
only when ``--cluster`` is given.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from facturx_engine.cli.shared import CommandError
from facturx_engine.errors import InputError

__all__ = ["add_options", "run_cluster"]


def add_options(p: argparse.ArgumentParser, *, formats: bool = True) -> None:
    """Add ``--cluster`` and ``--out`` (and ``--format jsonl|parquet`` when ``formats``) to a command."""
    p.add_argument("--cluster", metavar="ADDRESS",
                   help="run on a Dask cluster: local (one worker process per CPU), local:N, or a scheduler "
                        "address such as tcp://host:8786; needs pip install \"facturx-engine-oss[dist]\"; results "
                        "go to --out as JSON Lines or Parquet, a rerun resumes")
    p.add_argument("--out", metavar="DIR|URL", help="with --cluster: the results folder (a path or an fsspec URL: "
                                                    "s3://bucket/results/, memory://, file://)")
    if formats:
        p.add_argument("--format", dest="fmt", choices=("jsonl", "parquet"), default="jsonl",
                       help="with --cluster: results as JSON Lines (default) or Parquet part files")


def _bar(summary: Any) -> None:
    stream = getattr(sys.stderr, "unescaped", sys.stderr)
    stream.write(f"\r{summary.written} document(s) done, {summary.skipped} already done, "
                 f"{summary.partitions} partition(s)")
    stream.flush()


def run_cluster(args: argparse.Namespace, task: str, sources: list[str]) -> int:
    """Run ``task`` on ``sources`` as ``args`` say; the exit code."""
    from facturx_engine.apps.dist import run

    if not args.out:
        raise CommandError("--cluster needs --out: the folder or URL the results are written to")
    if getattr(args, "output", None):
        raise CommandError("with --cluster the results go to --out; -o names a single output")
    fmt = args.fmt if args.fmt in ("jsonl", "parquet") else "jsonl"
    if task == "validate" and args.fmt not in ("text", "jsonl", "parquet"):
        raise CommandError(f"--format {args.fmt} writes one report; with --cluster use jsonl or parquet")
    stderr = getattr(sys.stderr, "unescaped", sys.stderr)
    options: dict[str, Any] = {"rules": tuple(getattr(args, "rules", ()) or ()), "max_bytes": args.max_size}
    if task == "validate":
        options.update(only=None if args.only is None else tuple(args.only), timeout=args.timeout)
    else:
        if getattr(args, "template", None) or getattr(args, "pdf", None):
            raise CommandError("--template and --pdf are not available with --cluster")
        if task == "generate" and args.source != "payload" and args.to is None:
            raise CommandError("the following arguments are required: --to (or use --from payload)")
        options.update(to=args.to, profile=args.profile, spec=args.spec,
                       payload=getattr(args, "source", "") == "payload")
    try:
        summary = run(sources, cluster=args.cluster, out=args.out, task=task, fmt=fmt,
                      progress=_bar if stderr.isatty() else None, **options)
    except InputError as exc:
        raise CommandError(exc.message) from None
    finally:
        if stderr.isatty():
            stderr.write("\n")
    print(f"{summary.written} document(s): {summary.valid} valid, {summary.invalid} invalid, {summary.not_checked} "
          f"not checked; {summary.skipped} already done; results in {args.out} (run {summary.run})")
    if summary.not_checked:
        return 2
    return 1 if summary.invalid else 0
