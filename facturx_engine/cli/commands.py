"""The ``facturx-engine`` command line.

Commands (each one a function registered in :data:`COMMANDS`; later ones plug in the same way)::

    facturx-engine generate INPUT.json --to cii|ubl|facturx [--profile P] [--spec S] [--strict]
                            [--template T.json] [--pdf LAYOUT.pdf] -o OUT
    facturx-engine generate PAYLOAD.json --from payload [--to cii|ubl|facturx] ... -o OUT
    facturx-engine embed LAYOUT.pdf INVOICE.xml [--af-relationship R] -o OUT.pdf
    facturx-engine extract IN.pdf -o OUT.xml
    facturx-engine render INPUT.json [--template T.json] -o OUT.pdf
    facturx-engine convert IN.xml|IN.pdf --to cii|ubl|facturx [--profile P] [--strict]
                           [--template T.json] [--pdf LAYOUT.pdf] -o OUT
    facturx-engine validate PATH... [--rules fr-ctc|extended-ctc-fr] [--format text|json|junit|sarif|svrl]
                            [--fail-on warning] [-j N] [-o REPORT]   (see facturx_engine.cli.validate)
    facturx-engine view IN [-o OUT] [--format html|pdf] [--lang fr|en|de] [--ids] [--no-validate]
                        (see facturx_engine.cli.view)
    facturx-engine artefacts install [--from DIR] | status   (see facturx_engine.cli.artefacts)
    facturx-engine serve [--host H] [--port P] [--max-size SIZE]   (see facturx_engine.cli.serve)
    facturx-engine status INVOICE --code 210 [--reason CODE] [--text T] [--amount A[:RATE]] [--date D]
                          [--issuer-role R] [--platform ID] -o status.xml   (see facturx_engine.cli.status)
    facturx-engine ereport INPUT... --period 2026-10 [--sender seller|platform:NNNN] [--type IN|RE] -o OUT
                           (French e-reporting flux 10; see facturx_engine.cli.ereport)
    facturx-engine validate|convert|generate SOURCE... --cluster local[:N]|tcp://HOST:PORT --out DIR|URL
                           [--format jsonl|parquet]   (on a Dask cluster; see facturx_engine.cli.dist)

``generate`` reads the JSON format of :mod:`facturx_engine.io.jsonio` (``-`` reads stdin), builds the
model (totals are computed), writes CII (Factur-X profile ``--profile``, default EN 16931) or
UBL 2.1, validates the result offline (XSD + Schematron; ``--rules`` adds rule sets, as ``validate --rules``:
``fr-ctc``, ``extended-ctc-fr``, ``cen``, ``xrechnung``, ``peppol``) and only then writes ``OUT`` atomically
(a temporary file in the same directory, renamed over ``OUT``; ``-o -`` writes to stdout).
Data the profile cannot carry is reported as a notice, or refused with ``--strict``; a payee or French party a
payload states is refused at its payload key (exit 2), never left out. ``--spec`` names the target specification
(:mod:`facturx_engine.model.specs`): its BT-24 (and BT-23) is written, and an input lacking what it requires beyond
EN 16931 is refused before anything is written (exit 2).

Exit codes, shared by every command (:mod:`facturx_engine.cli.shared`):

* 0 -- done;
* 1 -- the generated document is invalid: the fatal findings are printed, nothing is written;
* 2 -- bad input or usage: unreadable file, invalid JSON, an invoice the model refuses, data the
  profile cannot carry under ``--strict``, bad arguments. One line on stderr that names the field:
  ``error: lines[0].vat.rate (BT-152): standard rate must be greater than 0, got 0 [BR-S-05]``;
  with ``--from payload``, a refused payload is one JSON object on stderr instead (every error, by
  payload path: ``{"message": ..., "errors": {"lines.0.tva_rate": [...]}, "code": "validation_failed"}``);
* 3 -- an official artefact (XSD, Schematron) is missing or altered: reinstall. A bug of the engine
  also ends with 3 and one line ("internal error: ..., please report this"), never a traceback;
* 4 -- a rule set's official artefacts are not installed (``artefacts status``): run
  ``facturx-engine artefacts install``.

Files: every input is read at most ``--max-size`` bytes (default 64 MiB, the XML limit of the engine;
``/dev/zero`` or a huge file is refused, exit 2). ``-o`` writes through a temporary file in the same
directory, renamed over the target: no partial file is ever left, the temporary file is removed on
every failure; a target that exists and is not a regular file (a directory, a symbolic link, a FIFO, a
device, a socket) is refused with exit 2, never replaced or written through. Every message is printed
through :class:`facturx_engine.apps.display.EscapedStream`: a control character or an undecodable byte
in a file name is shown as an escape (``\\x1b``, ``\\xff``), never sent to the terminal.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, NoReturn

from facturx_engine import ruleids as R
from facturx_engine.apps.display import EscapedStream
from facturx_engine.cli.artefacts import add_command as add_artefacts
from facturx_engine.cli.dist import add_options as add_cluster_options, run_cluster
from facturx_engine.cli.ereport import add_command as add_ereport
from facturx_engine.cli.shared import (EXIT_INTERNAL, EXIT_INVALID, EXIT_NOT_INSTALLED, EXIT_OK, EXIT_USAGE,
                                      CommandError, read_limited, write_atomic)
from facturx_engine.cli.serve import add_command as add_serve
from facturx_engine.cli.status import add_command as add_status
from facturx_engine.cli.validate import add_command as add_validate
from facturx_engine.cli.view import add_command as add_view
from facturx_engine.syntax.limits import MAX_XML_BYTES, parse_size
from facturx_engine.syntax.cii import ProfileWarning, target_profile, to_cii
from facturx_engine.model.codes import Profile
from facturx_engine.model.specs import SPEC_NAMES
from facturx_engine.errors import FacturXError, PayloadError, ProfileError, ResourceError, ValidationFailed
from facturx_engine.io.jsonio import load_document
from facturx_engine.syntax.ubl import to_ubl
from facturx_engine.validation.core import validate
from facturx_engine.model.codes import RULE_SETS

__all__ = ["COMMANDS", "main"]

PROFILES = tuple(p.value.lower().replace(" ", "") for p in Profile)  # minimum, basicwl, ... for --profile


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors (exit 2) instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {message} (see '{self.prog} --help')", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


# ---------------------------------------------------------------------------- helpers shared by commands


_max_input = MAX_XML_BYTES
"""The most bytes :func:`read_input` reads (``--max-size``, set by :func:`main` for each run)."""


def read_input(name: str) -> bytes:
    """The bytes of an input file (``-``: stdin), at most ``--max-size`` of them."""
    return read_limited(name, _max_input)


_NS_PREDICATE = re.compile(r"\[namespace-uri\(\)='[^']*'\]")


def short_location(location: str) -> str:
    """``/*:A[namespace-uri()='…'][1]/*:B[namespace-uri()='…'][2]`` → ``/A/B[2]``."""
    text = _NS_PREDICATE.sub("", location)
    text = re.sub(r"Q\{[^}]*\}", "", text).replace("*:", "")
    return re.sub(r"\[1\]", "", text)


def print_findings(report: Any, *, file: Any = None) -> None:
    """One line per fatal finding: severity, rule, shortened location, message."""
    out = file or sys.stderr
    for f in report.errors:
        message = " ".join(str(f.message).split())
        print(f"  {f.severity} {f.rule} at {short_location(f.location)}: {message}", file=out)


# ---------------------------------------------------------------------------- generate


def _add_generate(sub: Any) -> None:
    p = sub.add_parser("generate", help="JSON invoice -> validated CII (Factur-X), UBL 2.1 or Factur-X PDF/A-3B",
                       description="Build an invoice or credit note from JSON (format: facturx_engine/"
                                   "invoice.schema.json, or with --from payload an invoicing-app payload), "
                                   "write it as CII or UBL 2.1, validate it offline and write OUT only if it is "
                                   "valid.")
    p.add_argument("input", metavar="INPUT.json", nargs="+",
                   help="JSON document (- for stdin); with --cluster, any number of files, folders, URLs")
    p.add_argument("--to", choices=("cii", "ubl", "facturx"),
                   help="syntax to write (facturx: PDF/A-3B with the CII embedded); required with --from json, "
                        "with --from payload the payload's output_format decides when absent (default facturx)")
    p.add_argument("--from", dest="source", choices=("json", "payload"), default="json",
                   help="input format: json (the engine's format, default) or payload (flat invoicing-app JSON, "
                        "see facturx_engine/payload.py); a refused payload is printed on stderr as JSON "
                        '{"message", "errors": {path: [...]}, "code": "validation_failed"}, exit 2')
    p.add_argument("--profile", type=str.lower, choices=PROFILES, default=None,
                   help="Factur-X profile of the CII (default en16931); UBL is always EN 16931")
    p.add_argument("--strict", action="store_true",
                   help="refuse data the profile cannot carry instead of leaving it out with a notice")
    p.add_argument("--spec", type=str.lower, choices=SPEC_NAMES, default=None,
                   help="target specification: writes its BT-24 (and BT-23 for xrechnung, peppol) and refuses, "
                        "before writing, an input lacking what it requires beyond EN 16931 (exit 2)")
    p.add_argument("--template", metavar="T.json", help="branding of the visual invoice (--to facturx)")
    p.add_argument("--pdf", metavar="LAYOUT.pdf", help="use this PDF as the visual invoice (--to facturx)")
    p.add_argument("--rules", action="append", choices=[r.key for r in RULE_SETS if r.extra], default=[],
                   help="validate the document with this rule set too before writing it, as validate --rules "
                        "does (e.g. fr-ctc: the French BR-FR rules); a fatal finding refuses to write (repeatable)")
    p.add_argument("-o", "--output", metavar="OUT", help="file to write (- for stdout); required without --cluster")
    add_cluster_options(p)
    p.set_defaults(run=_generate)


def _generate_input(args: argparse.Namespace) -> tuple[Any, Any]:
    """The document to write and the payload it was read from (None without --from payload); with --from payload,
    --to and --spec default to the payload's output_format and specification (a credit note's: the credited
    invoice's when it states none)."""
    data = read_input(args.input)
    if args.source != "payload":
        if args.to is None:
            raise CommandError("the following arguments are required: --to (or use --from payload)")
        return load_document(data), None
    from facturx_engine.io.payload import from_payload, load_json, output_format, specification

    payload = load_json(data)
    # --spec (or --profile extended) decides what the payload may carry, as it decides what is written
    doc = from_payload(payload, spec=args.spec or ("extended" if args.profile == "extended" else None))
    args.to = args.to or output_format(payload) or "facturx"
    args.spec = args.spec or specification(payload)
    return doc, payload


def _single(args: argparse.Namespace, task: str) -> int | None:
    """``--cluster``: the distributed run's exit code; else None, with ``args.input`` the one input."""
    if args.cluster:
        return run_cluster(args, task, args.input)
    if args.out:
        raise CommandError("--out applies to --cluster runs only; -o names the file to write")
    if len(args.input) > 1:
        raise CommandError(f"{task} takes one input (several with --cluster), got {len(args.input)}")
    if not args.output:
        raise CommandError("the following arguments are required: -o/--output")
    args.input = args.input[0]
    return None


def _generate(args: argparse.Namespace) -> int:
    if (code := _single(args, "generate")) is not None:
        return code
    doc, payload = _generate_input(args)
    if args.to != "facturx" and (args.template or args.pdf):
        raise CommandError("--template and --pdf apply to --to facturx only")
    if args.to == "ubl" and args.profile not in (None, "en16931"):
        raise CommandError(f"--profile {args.profile} is a Factur-X (CII) profile; UBL 2.1 is always EN 16931")
    profile, target, spec_name = _spec_target(args)
    target = target or (f"Factur-X {profile.value} PDF/A-3B" if args.to == "facturx" else
                        f"CII Factur-X {profile.value}" if args.to == "cii" else
                        f"UBL 2.1 {'CreditNote' if doc.is_credit_note else 'Invoice'} (EN 16931)")

    def write(strict: bool) -> bytes:
        return to_ubl(doc, strict=strict, spec=args.spec) if args.to == "ubl" else \
            to_cii(doc, profile, strict=strict, spec=args.spec)

    from facturx_engine.io.payload import write_payload  # a payload's stated data is refused, never dropped

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            xml = write(args.strict) if payload is None else write_payload(payload, write, target, args.strict)
        except ProfileError as exc:
            raise CommandError(f"{exc} (--strict; leave it out of the input, or choose a higher profile)") from None
    # the CII is written as Factur-X, unless --spec names another specification (cen, xrechnung, peppol)
    report = validate(xml, factur_x=args.to == "facturx" or (args.to == "cii" and spec_name in (None, *PROFILES)),
                      rules=tuple(dict.fromkeys(args.rules)))
    if not report.valid:
        n = len(report.errors)
        print(f"error: the generated {target} is invalid ({n} fatal finding{'s' * (n != 1)}); "
              f"{args.output} not written", file=sys.stderr)
        print_findings(report)
        return EXIT_NOT_INSTALLED if any(f.rule == R.FXE_NOT_INSTALLED for f in report.errors) else EXIT_INVALID
    if args.to == "facturx":
        xml = _facturx(doc, profile, xml, args)
    write_atomic(args.output, xml)
    totals = doc.totals
    warned = len(report.warnings)
    summary = (f"wrote {args.output if args.output != '-' else '(stdout)'}: {target}, "
               f"{'credit note' if doc.is_credit_note else 'invoice'} {doc.number} (type {doc.type_code}), "
               f"BT-112 {totals.grand_total} {doc.currency}, BT-115 {totals.due} {doc.currency}, valid"
               + (f" ({warned} warning{'s' * (warned != 1)})" if warned else ""))
    print(summary, file=sys.stderr if args.output == "-" else sys.stdout)
    for finding in report.warnings:  # the warnings counted in the summary, each one said
        message = " ".join(str(finding.message).split())
        print(f"warning: {finding.rule} at {short_location(finding.location)}: {message}", file=sys.stderr)
    for w in caught:
        kind = "notice" if issubclass(w.category, ProfileWarning) else "warning"
        print(f"{kind}: {w.message}", file=sys.stderr)
    return EXIT_OK


def _spec_target(args: argparse.Namespace) -> tuple[Profile, str | None, str | None]:
    """``--spec``: the profile of the CII, what the summary calls the target, the spec's name; a spec that
    does not exist in the syntax asked for, or a --profile other than its own, is refused (exit 2)."""
    if args.spec is None:
        return Profile.parse(args.profile or "en16931"), None, None
    chosen, found = target_profile(args.profile, args.spec)
    assert found is not None
    if args.to == "ubl" and "ubl" not in found.syntaxes:
        raise CommandError(f"--spec {found.name}: {found.title} is written in CII only; use --to cii or facturx")
    what = "UBL 2.1" if args.to == "ubl" else "CII" if args.to == "cii" else "PDF/A-3B with the CII of"
    return chosen, f"{what} {found.title}", found.name


def _facturx(doc: Any, profile: Profile, xml: bytes, args: argparse.Namespace) -> bytes:
    """The PDF/A-3B of an already validated CII: our rendering (or --pdf) with the XML embedded."""
    from facturx_engine.pdf.embed import to_facturx

    template = _template(args.template) if args.template else None
    layout = read_input(args.pdf) if args.pdf else None
    # _generate validated these bytes already: embed must not run the XSD and Schematron again
    return to_facturx(doc, profile, template=template, pdf=layout, xml=xml, validate_xml=False)


def _template(name: str) -> Any:
    from facturx_engine.pdf.render.template import Template

    return Template.from_json(read_input(name), base_dir=Path(name).parent)


def _invalid(report: Any, what: str, output: str) -> int:
    n = len(report.errors)
    print(f"error: {what} is invalid ({n} fatal finding{'s' * (n != 1)}); {output} not written", file=sys.stderr)
    print_findings(report)
    return EXIT_INVALID


# ---------------------------------------------------------------------------- embed / extract / render


def _add_pdf_commands(sub: Any) -> None:
    p = sub.add_parser("embed", help="existing PDF + CII XML -> Factur-X PDF/A-3B",
                       description="Validate INVOICE.xml, embed it into LAYOUT.pdf and bring the file to "
                                   "PDF/A-3B; refuse (exit 2) what cannot be made PDF/A-3B.")
    p.add_argument("pdf", metavar="LAYOUT.pdf")
    p.add_argument("xml", metavar="INVOICE.xml")
    p.add_argument("--af-relationship", choices=("Data", "Source", "Alternative", "Supplement", "Unspecified"),
                   help="AFRelationship of the XML (default: Data for MINIMUM/BASIC WL, else Alternative)")
    p.add_argument("-o", "--output", required=True, metavar="OUT.pdf")
    p.set_defaults(run=_embed)
    p = sub.add_parser("extract", help="Factur-X / ZUGFeRD / XRechnung PDF -> embedded invoice XML")
    p.add_argument("pdf", metavar="IN.pdf")
    p.add_argument("-o", "--output", required=True, metavar="OUT.xml", help="XML file to write (- for stdout)")
    p.set_defaults(run=_extract)
    p = sub.add_parser("render", help="JSON invoice -> visual invoice PDF (no XML embedded)")
    p.add_argument("input", metavar="INPUT.json")
    p.add_argument("--template", metavar="T.json", help="branding: logo, colours, header/footer, language")
    p.add_argument("-o", "--output", required=True, metavar="OUT.pdf")
    p.set_defaults(run=_render)


def _embed(args: argparse.Namespace) -> int:
    from facturx_engine.pdf.embed import embed

    layout, xml = read_input(args.pdf), read_input(args.xml)
    if b"%PDF-" in xml[:1024] and b"%PDF-" not in layout[:1024]:
        raise CommandError(f"the arguments are the wrong way round: {args.pdf} is not a PDF and {args.xml} is; "
                           f"write 'embed {args.xml} {args.pdf} -o {args.output}' (the page first, then the XML)")
    try:
        out = embed(layout, xml, af_relationship=args.af_relationship)
    except ValidationFailed as exc:
        return _invalid(exc.report, args.xml, args.output)
    write_atomic(args.output, out)
    print(f"wrote {args.output}: {args.pdf} with {args.xml} embedded, PDF/A-3B")
    return EXIT_OK


def _extract(args: argparse.Namespace) -> int:
    from facturx_engine.pdf.extract import extract

    xml, profile = extract(read_input(args.pdf))
    write_atomic(args.output, xml)
    print(f"wrote {args.output if args.output != '-' else '(stdout)'}: {len(xml)} bytes, profile "
          f"{profile or 'unknown'}", file=sys.stderr if args.output == "-" else sys.stdout)
    return EXIT_OK


def _render(args: argparse.Namespace) -> int:
    from facturx_engine.pdf.render.layout import render

    doc = load_document(read_input(args.input))
    template = _template(args.template) if args.template else None
    write_atomic(args.output, render(doc, template))
    print(f"wrote {args.output}: visual invoice {doc.number}")
    return EXIT_OK


# ---------------------------------------------------------------------------- convert


def _add_convert(sub: Any) -> None:
    p = sub.add_parser("convert", help="CII / UBL 2.1 XML or Factur-X PDF -> CII, UBL 2.1 or Factur-X PDF/A-3B",
                       description="Read an invoice (CII or UBL 2.1 XML, or a Factur-X / ZUGFeRD / XRechnung PDF), "
                                   "write it in another syntax with the totals it states, validate the result and "
                                   "write OUT only if it is valid. What the output cannot carry is listed on stderr "
                                   "('lost: ...'); --strict refuses it.")
    p.add_argument("input", metavar="IN", nargs="+",
                   help="CII or UBL XML, or a Factur-X PDF (- for stdin); with --cluster, any number of files, "
                        "folders, URLs")
    p.add_argument("--to", required=True, choices=("cii", "ubl", "facturx"),
                   help="syntax to write (facturx: PDF/A-3B with the CII embedded)")
    p.add_argument("--profile", type=str.lower, choices=PROFILES, default=None,
                   help="Factur-X profile (and BT-24) of the CII written; default: the one the input's BT-24 "
                        "names, BT-24 kept")
    p.add_argument("--spec", type=str.lower, choices=SPEC_NAMES, default=None,
                   help="write the output for this target specification: its BT-24 (and BT-23 for xrechnung, "
                        "peppol), refused (exit 2) when the input lacks what it requires beyond EN 16931")
    p.add_argument("--strict", action="store_true",
                   help="refuse (exit 2, nothing written) when the output would not carry everything the input holds")
    p.add_argument("--template", metavar="T.json", help="branding of the visual invoice (--to facturx from XML)")
    p.add_argument("--pdf", metavar="LAYOUT.pdf", help="embed into this PDF (--to facturx; default: the input's "
                                                      "pages, else the rendered invoice)")
    p.add_argument("-o", "--output", metavar="OUT", help="file to write (- for stdout); required without --cluster")
    add_cluster_options(p)
    p.set_defaults(run=_convert)


def _cii_label(result: Any) -> str:
    """What the CII written is: a Factur-X profile's, or a plain CII named by the rule sets that judged it."""
    profile = result.profile.value if result.profile else ""
    report = result.report
    if report is None or report.profile == profile:
        return f"CII Factur-X {profile}"
    return f"CII ({' + '.join(use.name for use in report.rule_sets)} rules)"


def _convert(args: argparse.Namespace) -> int:
    from facturx_engine.apps.convert import convert

    if args.to == "ubl" and args.profile not in (None, "en16931"):
        raise CommandError(f"--profile {args.profile} is a Factur-X (CII) profile; UBL 2.1 is always EN 16931")
    if args.spec is not None and args.profile is not None:
        raise CommandError("--profile and --spec exclude each other: a specification names its profile")
    if (args.template or args.pdf) and args.to != "facturx":
        raise CommandError("--template and --pdf apply to --to facturx only")
    if (code := _single(args, "convert")) is not None:
        return code
    data = read_input(args.input)
    template = _template(args.template) if args.template else None
    layout = read_input(args.pdf) if args.pdf else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProfileWarning)  # the losses are printed below, one per line
        try:
            result = convert(data, args.to, profile=args.profile, strict=args.strict, template=template, pdf=layout,
                             spec=args.spec)
        except ProfileError as exc:
            print(f"error: the {args.to} output would not carry {len(exc.dropped)} item(s) of the input "
                  f"(--strict); {args.output} not written:", file=sys.stderr)
            for item in exc.dropped:
                print(f"  lost: {item}", file=sys.stderr)
            return EXIT_USAGE
        except ValidationFailed as exc:
            for item in exc.notes:
                print(f"notice: {item}", file=sys.stderr)
            return _invalid(exc.report, f"the converted document ({args.to})", args.output)
    doc = result.source.document
    target = f"UBL 2.1 {'CreditNote' if doc.is_credit_note else 'Invoice'}" if args.to == "ubl" else \
        _cii_label(result) if args.to == "cii" else \
        f"Factur-X {result.profile.value if result.profile else ''} PDF/A-3B"
    for finding in result.source.findings:
        if finding.kind in ("totals", "model"):
            print(f"note: the input {finding}", file=sys.stderr)
    for loss in result.lost:
        print(f"lost: {loss}", file=sys.stderr)
    for item in result.notes:
        print(f"notice: {item}", file=sys.stderr)
    if result.report is not None and not result.report.valid:
        return _invalid(result.report, f"the converted {target}", args.output)
    write_atomic(args.output, result.data)
    print(f"wrote {args.output if args.output != '-' else '(stdout)'}: {target}, "
          f"{'credit note' if doc.is_credit_note else 'invoice'} {doc.number} (type {doc.type_code}), "
          f"{result.preserved}/{result.total} business-term values of the input carried"
          + (f", {len(result.lost)} item(s) lost (listed above)" if result.lost else "") + ", valid",
          file=sys.stderr if args.output == "-" else sys.stdout)
    return EXIT_OK


# ---------------------------------------------------------------------------- main

COMMANDS: tuple[Callable[[Any], None], ...] = (_add_generate, _add_pdf_commands, add_validate, _add_convert,
                                               add_view, add_artefacts, add_serve, add_status, add_ereport)
"""Each entry adds one subcommand to the parser and sets its ``run(args) -> int``."""


def _parser() -> _Parser:
    parser = _Parser(prog="facturx-engine", description="Offline EN 16931 e-invoicing: Factur-X / CII / UBL 2.1.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    for command in sub.choices.values():  # one option, every command: the input size limit
        if command.get_default("max_size") is not None:  # serve: its own --max-size, the upload limit
            continue
        command.add_argument("--max-size", type=_size, default=MAX_XML_BYTES, metavar="SIZE",
                             help="largest input file read and XML document validated, in bytes or with a "
                                  "binary unit: 500k, 64M, 1G (default 64M); larger input is refused (exit 2; "
                                  "in validate, a fatal FXE-SIZE finding of that file)")
    return parser


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("facturx-engine-oss")
    except PackageNotFoundError:
        return "unknown"


@contextmanager
def _escaped_output() -> Iterator[None]:
    """sys.stdout and sys.stderr wrapped in :class:`EscapedStream` while a command runs."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = EscapedStream(saved[0]), EscapedStream(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def _terminated(signum: int, _frame: Any) -> NoReturn:
    raise SystemExit(128 + signum)  # unwinds: temporary files are removed, workers stopped


@contextmanager
def _clean_exit_on_sigterm() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C (only in the main thread, where handlers can be set)."""
    try:
        previous = signal.signal(signal.SIGTERM, _terminated)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (see the module docstring)."""
    _standard_streams()
    with _escaped_output(), _clean_exit_on_sigterm():
        return _main(argv)


def _standard_streams() -> None:
    """A closed standard descriptor (``<&-``, ``>&-``, ``2>&-``) is opened on /dev/null: otherwise the
    next file opened would take its number and receive what native code writes there (Saxon's
    diagnostics on descriptor 2). A closed stream reads as empty and discards what is written."""
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        try:
            os.fstat(fd)
        except OSError:
            try:
                devnull = os.open(os.devnull, os.O_RDONLY if fd == 0 else os.O_WRONLY)
            except OSError:
                continue
            if devnull != fd:
                os.dup2(devnull, fd)
                os.close(devnull)
        if getattr(sys, name) is None:
            setattr(sys, name, open(fd, mode, encoding="utf-8", errors="backslashreplace", closefd=False))


def _main(argv: Sequence[str] | None) -> int:
    global _max_input
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help / --version (0) or a usage error (2, already printed)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_usage(sys.stderr)
        print("error: a command is required", file=sys.stderr)
        return EXIT_USAGE
    _max_input = args.max_size
    try:
        return int(args.run(args))
    except BrokenPipeError:  # the reader of the output went away (| head): stop quietly
        _silence_stdout()
        return EXIT_USAGE
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except ValidationFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except ResourceError as exc:
        print(f"error: {exc} (an official artefact is missing or altered: reinstall facturx-engine-oss and "
              "factur-x)", file=sys.stderr)
        return EXIT_INTERNAL
    except PayloadError as exc:  # --from payload: the structured answer, as JSON on stderr
        print(json.dumps(exc.as_dict(), ensure_ascii=False, indent=2), file=sys.stderr)
        return EXIT_USAGE
    except FacturXError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        print(f"error:{where} {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except MemoryError:
        print("error: not enough memory to process this input", file=sys.stderr)
        return EXIT_USAGE
    except RecursionError:
        print("error: the input is nested too deeply to be processed", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # last resort: a bug; one line, no traceback
        print(f"internal error: {type(exc).__name__}: {exc} (please report this)", file=sys.stderr)
        return EXIT_INTERNAL


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's final flush cannot fail again."""
    with suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
