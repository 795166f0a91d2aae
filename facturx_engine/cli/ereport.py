"""``facturx-engine ereport``: a French e-reporting flux 10 report from the engine's documents.

::

    facturx-engine ereport INPUT... --period 2026-10 [--declarant SIREN] [--sender seller|platform:NNNN]
                           [--type IN|RE] [--blocks 10.1,10.3] [--nature goods|services] [--force] -o report.xml

Inputs: the engine's JSON documents, invoicing-app payloads, CII/UBL XML, Factur-X PDFs (see
:mod:`facturx_engine.apps.ereport`). The report is validated with the official flux 10 XSD and Schematron and
written atomically only when valid; ``--force`` writes an invalid one too, says so and still exits 1. Exit codes as
every command (:mod:`facturx_engine.cli.commands`): 0 written, 1 invalid (not written), 2 bad input or usage,
4 the flux 10 rules are not installed.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from facturx_engine import ruleids as R
from facturx_engine.apps.display import printable
from facturx_engine.apps.ereport import BLOCKS, make_report, parse_period, read_document_file
from facturx_engine.cli.shared import EXIT_INVALID, EXIT_NOT_INSTALLED, EXIT_OK, CommandError, read_limited, write_atomic
from facturx_engine.errors import FacturXError
from facturx_engine.model.ereport import ReportParty, declarant_party, platform_sender

__all__ = ["add_command"]


def add_command(sub: Any) -> None:
    """Add ``ereport`` to the subcommands of the command line."""
    p = sub.add_parser(
        "ereport", help="documents -> French e-reporting flux 10 report (10.1/10.3 transactions or 10.2/10.4 "
                        "payments), validated with the official XSD and Schematron",
        description="Build a flux 10 e-reporting transmission from invoices and credit notes (the engine's JSON, "
                    "payloads, CII/UBL XML, Factur-X PDFs): B2C documents aggregated per day, category and VAT rate "
                    "(10.3), international B2B invoices one by one (10.1), or their payments (10.2, 10.4: each "
                    "document's paid amount BT-113 on its issue date, a credit note's negative). Documents to "
                    "French business buyers, of another seller or outside the period are left out, each one said.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="a document file (- for stdin)")
    p.add_argument("--period", required=True, help="YYYY-MM (a month) or YYYY-MM-DD..YYYY-MM-DD")
    p.add_argument("--declarant", metavar="SIREN",
                   help="the declarant's SIREN (default: the seller of the first input)")
    p.add_argument("--declarant-name", metavar="NAME",
                   help="with --declarant: the declarant's name (default: the seller's)")
    p.add_argument("--sender", default="seller", metavar="seller|platform:NNNN",
                   help="who transmits: the declarant itself (default; the platform rules G6.22 and G7.51 are then "
                        "reported as not applicable) or its registered platform with its registration number")
    p.add_argument("--sender-name", metavar="NAME", help="the platform's name (with --sender platform:NNNN)")
    p.add_argument("--type", dest="type_code", choices=("IN", "RE"), default="IN",
                   help="transmission type: IN initial (default), RE corrective")
    p.add_argument("--blocks", default="10.1,10.3", type=_blocks,
                   help="blocks to report, comma separated: 10.1,10.3 (transactions, default) or 10.2,10.4 "
                        "(payments); one report never carries both parts (G6.29)")
    p.add_argument("--nature", choices=("goods", "services"),
                   help="goods or services, for documents whose billing framework BT-23 does not say (absent or M)")
    p.add_argument("--id", dest="report_id", help="the transmission id TT-1 (default: SIREN, period, type, part)")
    p.add_argument("--force", action="store_true", help="write the report even when the official rules refuse it")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="file to write (- for stdout)")
    p.set_defaults(run=_run)


def _blocks(text: str) -> tuple[str, ...]:
    blocks = tuple(b.strip() for b in text.split(",") if b.strip())
    if not blocks or any(b not in BLOCKS for b in blocks):
        raise argparse.ArgumentTypeError(f"expected some of {', '.join(BLOCKS)}, comma separated, got {text!r}")
    return blocks


def _parties(args: argparse.Namespace, docs: list[Any]) -> tuple[ReportParty | None, ReportParty | None]:
    declarant = None
    if args.declarant_name and not args.declarant:  # the seller's own name is then the declarant's: never ignored
        raise CommandError("--declarant-name names the declarant of --declarant; give its SIREN too")
    if args.sender_name and args.sender == "seller":
        raise CommandError("--sender-name names the platform of --sender platform:NNNN; the declarant sending its "
                           "own report is named by --declarant-name")
    if args.declarant:
        name = args.declarant_name or (docs[0].seller.name if docs else args.declarant)
        declarant = declarant_party(args.declarant, name)
    if args.sender == "seller":
        return declarant, None  # the declarant itself
    kind, _, number = args.sender.partition(":")
    if kind != "platform" or not number:
        raise CommandError(f"--sender is 'seller' or 'platform:NNNN' (the platform's registration number), got "
                           f"{args.sender!r}")
    return declarant, platform_sender(number, args.sender_name or f"Plateforme {number}")


def _run(args: argparse.Namespace) -> int:
    docs = []
    for name in args.inputs:
        try:
            docs.append(read_document_file(read_limited(name, args.max_size)))
        except FacturXError as exc:
            raise CommandError(f"{printable(name)}: {exc}") from None
    declarant, sender = _parties(args, docs)
    made = make_report(docs, period=parse_period(args.period), blocks=args.blocks, declarant=declarant,
                       sender=sender, type_code=args.type_code, nature=args.nature, report_id=args.report_id)
    for left in made.excluded:
        print(f"notice: {left.number} left out: {left.reason}", file=sys.stderr)
    for lost in made.built.findings:  # values of the documents flux 10 has no place for
        print(f"{lost.kind}: {lost.rule} at {lost.location}: {lost.message}", file=sys.stderr)
    built = made.built.report
    if not (built.invoices or built.transactions or built.invoice_payments or built.daily_payments):
        print("notice: the report is empty: none of the inputs has anything to report in the blocks asked for",
              file=sys.stderr)
    report = made.report
    for finding in report.findings:
        message = " ".join(finding.message.split())
        label = finding.kind or finding.severity
        print(f"{label}: {finding.rule} at {finding.location}: {message}", file=sys.stderr)
    what = (f"flux 10 {built.part} report ({built.type_code}) of {built.declarant.id} for "
            f"{built.period.start}..{built.period.end}: {len(built.invoices)} invoice(s) 10.1, "
            f"{len(built.transactions)} day/category total(s) 10.3, {len(built.invoice_payments)} invoice payment(s) "
            f"10.2, {len(built.daily_payments)} daily payment total(s) 10.4")
    if not report.valid:
        n = len(report.errors)
        if any(f.rule == R.FXE_NOT_INSTALLED for f in report.errors):
            print(f"error: {what}: not checked, the flux 10 rules are not installed; {args.output} not written",
                  file=sys.stderr)
            return EXIT_NOT_INSTALLED
        if not args.force:
            print(f"error: the {what} is invalid ({n} fatal finding(s)); {args.output} not written (--force writes "
                  "it anyway)", file=sys.stderr)
            return EXIT_INVALID
        write_atomic(args.output, made.xml)
        print(f"wrote {args.output}: {what}; INVALID ({n} fatal finding(s)), written because of --force",
              file=sys.stderr)
        return EXIT_INVALID
    write_atomic(args.output, made.xml)
    print(f"wrote {args.output if args.output != '-' else '(stdout)'}: {what}, valid",
          file=sys.stderr if args.output == "-" else sys.stdout)
    return EXIT_OK
