"""The ``facturx-engine status INVOICE --code CODE -o status.xml`` command: answer a received invoice (CII, UBL
or Factur-X PDF) with a French lifecycle status (CDAR, :mod:`facturx_engine.apps.status`), validated with the
official CDAR XSD and BR-FR-CDV Schematron before anything is written.

Exit codes: 0 written and valid; 1 the status is invalid under the official rules (the findings are printed,
nothing is written); 2 bad input or usage (an invoice that lacks what the status needs, an unknown code or
reason: one line naming the field, the business term and the rule); 3 an official artefact altered; 4 the
CDAR rules are not installed (``facturx-engine artefacts install``).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import sys
from decimal import Decimal
from typing import Any

from facturx_engine import ruleids as R
from facturx_engine.apps.status import answer
from facturx_engine.cli.shared import EXIT_INVALID, EXIT_NOT_INSTALLED, EXIT_OK, read_limited, write_atomic
from facturx_engine.model import numbers as _numbers
from facturx_engine.model.status import PARTY_ROLES, REASONS, InvoiceLifecycleStatus
from facturx_engine.syntax.cdar import to_cdar
from facturx_engine.validation.core import validate

__all__ = ["add_command"]


def add_command(sub: Any) -> None:
    """Add ``status`` to the subcommands of the command line (:mod:`facturx_engine.cli.commands`)."""
    codes = ", ".join(f"{s.value} {s.english}" for s in InvoiceLifecycleStatus if s.named)
    p = sub.add_parser(
        "status", help="received invoice -> validated French lifecycle status (CDAR, BR-FR-CDV)",
        description="Answer a received invoice (CII, UBL 2.1 or Factur-X PDF) with a lifecycle status of the French "
                    "reform (CDAR D22B). The issuer is the buyer and the recipient the seller (212, payment "
                    "received: the seller to the buyer) unless --issuer-role says otherwise. The status is validated "
                    "with the official CDAR XSD and BR-FR-CDV Schematron and written only if valid. Codes: "
                    f"{codes}.")
    p.add_argument("input", metavar="INVOICE", help="the invoice: CII or UBL XML, or a Factur-X PDF (- for stdin)")
    p.add_argument("--code", required=True, metavar="CODE", help="status code (210) or name (REFUSED)")
    p.add_argument("--reason", action="append", default=[], choices=sorted(REASONS), metavar="CODE",
                   help="reason code (repeatable; required for 206, 207, 208, 210, 213, 501)")
    p.add_argument("--text", help="the text of the reason(s); without --reason, the status's free note")
    p.add_argument("--amount", action="append", default=[], type=_amount, metavar="AMOUNT[:RATE]",
                   help="an amount of a payment status (211 paid, 212 received; negative for a refund) and its VAT "
                        "rate (212: taken from the invoice when it has a single rate) (repeatable)")
    p.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="the payment date (211, 212)")
    p.add_argument("--issuer-role", choices=sorted(PARTY_ROLES), help="role of the issuer (default BY; 212: SE)")
    p.add_argument("--platform", metavar="ID", help="registration number of the issuer's platform (scheme 0238): "
                                                    "the sender; required for the platform statuses (200-203, 213, "
                                                    "221, 501)")
    p.add_argument("--message-id", metavar="ID", help="the message identifier (default: INVOICE-CODE-TIME)")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="file to write (- for stdout)")
    p.set_defaults(run=_run)


def _amount(text: str) -> tuple[Decimal, Decimal | None]:
    """``AMOUNT[:RATE]``, each written as XML Schema writes a decimal (the numeric policy: no exponent, digit
    separator or other digits -- ``1E+999999``, ``1_000`` or ``١٢٣`` are refused, never read as some number)."""
    amount, _, rate = text.partition(":")
    try:
        return _numbers.parse(amount, 19), _numbers.parse(rate, 19) if rate else None
    except _numbers.NumberRefused as exc:
        raise argparse.ArgumentTypeError(f"expected AMOUNT or AMOUNT:RATE such as -120.50:20, got {text!r}: {exc}") \
            from None


def _date(text: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def _run(args: argparse.Namespace) -> int:
    data = read_limited(args.input, args.max_size)
    reasons = [(code, args.text) for code in args.reason]
    note = args.text if not reasons else None
    status = answer(data, args.code, reasons=reasons, amounts=args.amount, payment_date=args.date,
                    issuer_role=args.issuer_role, platform=args.platform, note=note, message_id=args.message_id)
    xml = to_cdar(status)
    report = validate(xml)
    if not report.valid:
        n = len(report.errors)
        print(f"error: the status {status.status.value} ({status.status.english}) is invalid under the official "
              f"rules ({n} fatal finding{'s' * (n != 1)}); {args.output} not written", file=sys.stderr)
        for finding in report.errors:
            print(f"  {finding.severity} {finding.rule}: {' '.join(finding.message.split())}", file=sys.stderr)
        return EXIT_NOT_INSTALLED if any(f.rule == R.FXE_NOT_INSTALLED for f in report.errors) else EXIT_INVALID
    write_atomic(args.output, xml)
    print(f"wrote {args.output if args.output != '-' else '(stdout)'}: status {status.status.value} "
          f"{status.status.french} ({status.status.english}) about invoice {status.invoice_number}, issued by "
          f"{status.issuer.role} to {', '.join(r.role for r in status.recipients)}, valid "
          f"({', '.join(use.name for use in report.rule_sets)})",
          file=sys.stderr if args.output == "-" else sys.stdout)
    return EXIT_OK
