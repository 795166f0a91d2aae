"""The ``facturx-engine view IN [-o OUT] [--format html|pdf] [--lang fr|en|de] [--ids] [--no-validate]``
command: a view a person can read of any invoice the engine reads (:func:`facturx_engine.apps.view.view`).

``OUT`` defaults to ``IN``'s name with ``.html`` (``.pdf``) in the current directory (``-`` as ``IN``: the
standard output); it is written atomically. Exit codes: 0 the view is written, whatever the verdict of
the document (its findings are in the view); 2 input that is no invoice the engine reads, an unreadable
file, a bad option (the command line's usual one-line errors).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from facturx_engine.apps.display import printable
from facturx_engine.apps.view import FORMATS
from facturx_engine.cli.shared import EXIT_OK, CommandError, read_limited, write_atomic
from facturx_engine.i18n import LANGS

__all__ = ["add_command"]


def add_command(sub: Any) -> None:
    """Add ``view`` to the subcommands of the command line (:mod:`facturx_engine.cli.commands`)."""
    p = sub.add_parser(
        "view", help="a readable view of any invoice (CII, UBL 2.1, Factur-X PDF): HTML or PDF, fr/en/de",
        description="Write a view a person can read of an invoice or credit note (CII, UBL 2.1 Invoice or "
                    "CreditNote, XRechnung, Peppol, Factur-X / ZUGFeRD PDF): every business term it states, its "
                    "totals as stated, its attachments (downloadable), and the findings of the rule sets it "
                    "claims on top. The HTML is one self-contained file (no script, nothing fetched). Exit codes: "
                    "0 the view is written (also for an invalid document: the findings are in the view), 2 input "
                    "that is no invoice, an unreadable file or a bad option.")
    p.add_argument("input", metavar="IN", help="CII or UBL XML, or a Factur-X PDF (- for stdin)")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="file to write (- for stdout); default: IN's name with .html (or .pdf) in the current "
                        "directory, or stdout when IN is -")
    p.add_argument("--format", dest="fmt", choices=FORMATS, default="html", help="html (default) or pdf")
    p.add_argument("--lang", choices=LANGS, default="en", help="language of labels, numbers and dates (default en)")
    p.add_argument("--ids", action="store_true", help="show each business term's id (BT-1, BG-4 ...) by its label")
    p.add_argument("--no-validate", dest="validate", action="store_false",
                   help="do not validate: show the content and what reading found only (faster)")
    p.set_defaults(run=_view)


def _view(args: argparse.Namespace) -> int:
    from facturx_engine.apps.view.build import build_view
    from facturx_engine.apps.view.render import drawer

    draw = drawer(args.fmt)  # a format not available is refused before the input is read
    data = read_limited(args.input, args.max_size)
    output = args.output or ("-" if args.input == "-" else f"{Path(args.input).stem or 'invoice'}.{args.fmt}")
    name = "" if args.input == "-" else Path(args.input).name
    built = build_view(data, name=name, lang=args.lang, ids=args.ids, validate=args.validate)
    write_atomic(output, draw(built))
    print(f"wrote {printable(output) if output != '-' else '(stdout)'}: {args.fmt} view of {built.title} "
          f"({built.syntax}), {args.lang}: {_verdict(built)}", file=sys.stderr if output == "-" else sys.stdout)
    return EXIT_OK


def _verdict(built: Any) -> str:
    verdict = "not validated" if built.valid is None else "valid" if built.valid else "INVALID"
    n = len(built.findings)
    return f"{verdict}, {n} finding{'s' * (n != 1)} shown"
