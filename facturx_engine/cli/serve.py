"""The ``facturx-engine serve [--host H] [--port P] [--max-size SIZE] [--timeout SECONDS]`` command: the local
validator page (:mod:`facturx_engine.apps.serve`) on this machine, until Ctrl-C.

It needs Flask, an optional dependency: without it the command says how to install it (exit 2). It listens on
127.0.0.1 unless ``--host`` says otherwise; any other address is warned about, since the page has no
authentication. On the loopback interface the page answers only to the names of this machine (``127.0.0.1``,
``localhost``, ``::1``), which keeps a web site whose name was made to point at 127.0.0.1 from using it.
``--max-size`` is the largest upload accepted (default 20M; larger: HTTP 413). Each request's work runs in a worker
process, stopped after ``--timeout`` seconds (default 300): that request gets an error page, the page goes on.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from typing import Any

from facturx_engine.cli.shared import EXIT_OK, CommandError
from facturx_engine.syntax.limits import parse_size

__all__ = ["DEFAULT_MAX_SIZE", "DEFAULT_TIMEOUT", "INSTALL_HINT", "add_command", "is_loopback"]

DEFAULT_MAX_SIZE = "20M"
DEFAULT_TIMEOUT = 300.0
"""The default of ``--timeout``, in seconds (as :data:`facturx_engine.apps.serve.DEFAULT_TIMEOUT`)."""
INSTALL_HINT = 'pip install "facturx-engine-oss[serve]"'
"""How to install what ``serve`` needs (Flask), as the command says it."""


def add_command(sub: Any) -> None:
    """Add ``serve`` to the subcommands of the command line (:mod:`facturx_engine.cli.commands`)."""
    p = sub.add_parser(
        "serve", help="a local web page to view, validate and convert invoices (needs Flask)",
        description="Serve the local validator page: drop an invoice on it to see its view, its validation report, "
                    "or convert it to CII, UBL or Factur-X and download the result. Everything stays on this "
                    "machine. A convenience for one person, not a multi-user service: it has no authentication. "
                    f"Needs Flask ({INSTALL_HINT}). Ctrl-C stops it.")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1, this machine only; any other address lets other "
                        "machines use the page, which has no authentication)")
    p.add_argument("--port", type=_port, default=8080, help="port to listen on (default 8080; 0: any free port)")
    p.add_argument("--max-size", type=_size, default=parse_size(DEFAULT_MAX_SIZE), metavar="SIZE",
                   help=f"largest upload accepted, in bytes or with a binary unit: 500k, 20M (default "
                        f"{DEFAULT_MAX_SIZE}); a larger one is refused (HTTP 413)")
    p.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"longest time the work of one request may take (default {DEFAULT_TIMEOUT:g}); the worker "
                        "process doing it is then stopped and that request gets an error page")
    p.set_defaults(run=_run)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, got {value}")
    return value


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def is_loopback(host: str) -> bool:
    """True when ``host`` names this machine only (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _run(args: argparse.Namespace) -> int:
    try:
        from facturx_engine.apps.serve import LOOPBACK_NAMES, create_app, make_server
    except ImportError as exc:
        if exc.name in ("flask", "werkzeug") or (exc.name or "").startswith(("flask.", "werkzeug.")):
            raise CommandError(f"the serve command needs Flask, which is not installed: {INSTALL_HINT}") from None
        raise
    hosts = {*LOOPBACK_NAMES, args.host} if is_loopback(args.host) else None  # against DNS rebinding
    if hosts is None:
        print(f"warning: listening on {args.host}: other machines that reach this address can use the page, and it "
              "has no authentication; it is meant for one person on their own machine (default --host 127.0.0.1)",
              file=sys.stderr)
    try:
        app = create_app(max_bytes=args.max_size, hosts=hosts, timeout=args.timeout)
        server = make_server(app, args.host, args.port)
    except OSError as exc:
        raise CommandError(f"cannot listen on {args.host} port {args.port}: {exc.strerror or exc}") from None
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"facturx-engine: local validator page on http://{shown}:{server.port}/ (uploads up to {args.max_size} "
          "bytes, kept in memory or a temporary file only while answered); Ctrl-C stops it", flush=True)
    try:
        server.serve_forever()  # Werkzeug's server returns on Ctrl-C (KeyboardInterrupt)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    print("stopped", file=sys.stderr)
    return EXIT_OK
