"""The local validator page (``facturx-engine serve``, :mod:`facturx_engine.apps.serve`) through Flask's test
client: the form, the view, the validation report and its downloads, conversions whose bytes the engine's own
validation accepts, the size limit, input the engine refuses, hostile files, headers, and the command itself.
The same page in a real browser: ``tests/test_browser.py``."""

from __future__ import annotations

import base64
import gc
import html
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("flask", reason="Flask (the serve extra) is not installed: pip install -e '.[dev]'")

import facturx_engine as fx  # noqa: E402
from facturx_engine.apps.batch import check_file  # noqa: E402
from facturx_engine.apps.serve import CSP, LOOPBACK_NAMES, create_app, display_name, download_stem  # noqa: E402
from facturx_engine.cli import commands as cli  # noqa: E402
from facturx_engine.cli import serve as serve_cli  # noqa: E402
from facturx_engine.syntax.read import read_document  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
HOSTILE = ROOT.parent / "shared" / "hostile"  # ../shared/hostile next to the repository
CORPUS = ROOT.parent / "shared" / "corpus"
BROKEN = FIXTURES / "broken" / "mandatory__BR-06.cii.xml"  # no seller name: BR-06 fires
LIMIT = 1 << 20


pytestmark = pytest.mark.usefixtures("workers_stop_with_the_module")  # tests/conftest.py


def _fr_b2b_cii() -> bytes:
    doc = fx.load_document((FIXTURES / "invoices" / "fr_b2b.json").read_bytes())
    return fx.to_cii(doc, profile=fx.Profile.EN16931)


@pytest.fixture(scope="module")
def client() -> Any:
    return create_app(max_bytes=LIMIT).test_client()


@pytest.fixture(scope="module")
def invoice() -> bytes:
    return _fr_b2b_cii()


def _post(client: Any, path: str, data: bytes | None, name: str = "invoice.xml", **fields: str) -> Any:
    """A multipart POST as a browser sends it, the body built here in memory (the test client would spool a large
    one to a temporary file of its own, which it does not close)."""
    boundary = "----facturx-engine-test-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
             for key, value in fields.items()]
    if data is not None:
        quoted = name.replace('"', "%22")  # as browsers write it
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{quoted}"\r\n'
                     "Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _text(response: Any) -> str:
    """What a person reads on a page: its text without tags, entities resolved, whitespace collapsed."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _links(response: Any, charset: str = ";charset=utf-8") -> dict[str, bytes]:
    """The ``data:`` download links of a page: file name -> the bytes they save."""
    found = re.findall(rf'download="([^"]+)" href="data:[^;]+{charset};base64,([^"]+)"',
                       response.get_data(as_text=True))
    return {name: base64.b64decode(data) for name, data in found}


# ---------------------------------------------------------------------------- the form and the headers


def test_form_page_offers_every_action_without_script_or_external_fetch(client: Any) -> None:
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page
    assert re.search(r'<form method="post" action="/view" enctype="multipart/form-data">', page)
    assert re.search(r'<input id="file" type="file" name="file" required', page)
    for lang in ("fr", "en", "de"):
        assert f'name="lang" value="{lang}"' in page
    for action in ('formaction="/view"', 'name="format" value="pdf"', 'formaction="/validate"', 'name="to" value="cii"', 'name="to" value="ubl"',
                   'name="to" value="facturx"'):
        assert action in page
    assert "<script" not in page and not re.search(r'(src|href)="(https?:)?//', page)
    assert "at most 1 MB" in _text(response)


def test_every_answer_carries_the_security_headers(client: Any, invoice: bytes) -> None:
    answers = [client.get("/"), client.get("/no-such-page"), _post(client, "/view", None),
               _post(client, "/validate", invoice), _post(client, "/convert", invoice, to="ubl"),
               _post(client, "/view", b"not an invoice", "notes.txt"), client.put("/view")]
    assert [a.status_code for a in answers] == [200, 404, 400, 200, 200, 422, 405]
    for answer in answers:
        assert answer.headers["Content-Security-Policy"] == CSP
        assert "default-src 'none'" in CSP and "style-src 'unsafe-inline'" in CSP and "form-action 'self'" in CSP
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert "Traceback" not in answer.get_data(as_text=True)


@pytest.mark.parametrize("host, status", [("127.0.0.1:8080", 200), ("localhost", 200), ("LOCALHOST:1", 200),
                                          ("[::1]:8080", 200), ("attacker.example", 400), ("127.0.0.1.nip.io:80", 400),
                                          ("[::2]:80", 400)])
def test_on_loopback_the_page_answers_to_the_names_of_this_machine_only(host: str, status: int) -> None:
    """A site whose name was made to point at 127.0.0.1 (DNS rebinding) is refused: its name is in the Host header."""
    response = create_app(hosts=LOOPBACK_NAMES).test_client().get("/", headers={"Host": host})
    assert response.status_code == status
    if status == 400:
        assert "this page answers to 127.0.0.1, ::1, localhost only" in _text(response)
        assert response.headers["Content-Security-Policy"] == CSP


# ---------------------------------------------------------------------------- view


@pytest.mark.parametrize("lang", ["fr", "en", "de"])
def test_view_is_the_engine_view_as_is(client: Any, invoice: bytes, lang: str) -> None:
    response = _post(client, "/view", invoice, "Facture 7.xml", lang=lang, ids="1")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.data == fx.view(invoice, name="Facture 7.xml", lang=lang, ids=True)
    assert read_document(invoice).document.number in _text(response)


def test_view_as_pdf_is_the_engine_pdf_view_as_a_download(client: Any, invoice: bytes) -> None:
    response = _post(client, "/view", invoice, "Facture 7.xml", lang="de", format="pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=Facture_7.view-de.pdf"
    assert response.data == fx.view(invoice, name="Facture 7.xml", fmt="pdf", lang="de")


def test_view_of_a_non_invoice_is_the_engine_message(client: Any) -> None:
    response = _post(client, "/view", b"\x89PNG\r\n\x1a\n not an invoice", "photo.png")
    assert response.status_code == 422
    assert "Document refused" in _text(response) and "not well-formed XML" in _text(response)


# ---------------------------------------------------------------------------- validate


def test_validate_a_valid_document_names_its_rule_sets_and_offers_the_reports(client: Any, invoice: bytes) -> None:
    response = _post(client, "/validate", invoice, "fr b2b.xml")
    assert response.status_code == 200
    text = _text(response)
    assert "VALID (0 fatal" in text
    expected = check_file("fr b2b.xml", data=invoice)
    assert expected.rule_sets
    for use in expected.rule_sets:
        assert use.name in text and use.version in text and html.unescape(use.reason) in text
    links = _links(response)
    assert set(links) == {"fr_b2b.report.json", "fr_b2b.sarif"}
    report = json.loads(links["fr_b2b.report.json"])
    assert report["files"][0]["valid"] is True and report["files"][0]["file"] == "fr b2b.xml"
    assert json.loads(links["fr_b2b.sarif"])["version"] == "2.1.0"


def test_validate_an_invalid_document_shows_every_finding(client: Any) -> None:
    data = BROKEN.read_bytes()
    response = _post(client, "/validate", data, BROKEN.name)
    assert response.status_code == 200
    text = _text(response)
    assert "INVALID" in text
    expected = check_file(BROKEN.name, data=data)
    assert not expected.valid and "BR-06" in {f.rule for f in expected.errors}
    for finding in expected.findings:
        assert finding.rule in text and " ".join(finding.message.split()) in text


@pytest.mark.parametrize("fmt, ending, mime", [("json", ".report.json", "application/json"),
                                                ("sarif", ".sarif", "application/sarif+json")])
def test_validate_report_as_a_download(client: Any, fmt: str, ending: str, mime: str) -> None:
    response = _post(client, "/validate", BROKEN.read_bytes(), "broken.xml", format=fmt)
    assert response.status_code == 200 and response.mimetype == mime
    assert response.headers["Content-Disposition"] == f"attachment; filename=broken{ending}"
    data = json.loads(response.data)
    if fmt == "json":
        assert data["files"][0]["valid"] is False
        assert "BR-06" in {f["rule"] for f in data["files"][0]["findings"]}
    else:
        assert "BR-06" in {r["ruleId"] for r in data["runs"][0]["results"]}


def test_validate_a_non_invoice(client: Any) -> None:
    response = _post(client, "/validate", b"just some text\n", "notes.txt")
    assert response.status_code == 422
    text = _text(response)
    assert "NOT AN INVOICE" in text and "FXE-PARSE" in text and "not well-formed" in text


# ---------------------------------------------------------------------------- convert


@pytest.mark.parametrize("to, ending, mime", [("cii", ".cii.xml", "application/xml"),
                                              ("ubl", ".ubl.xml", "application/xml"),
                                              ("facturx", ".facturx.pdf", "application/pdf")])
def test_convert_download_is_a_valid_document(client: Any, invoice: bytes, to: str, ending: str, mime: str) -> None:
    source = fx.to_ubl(fx.load_document((FIXTURES / "invoices" / "fr_b2b.json").read_bytes())) if to == "cii" \
        else invoice
    response = _post(client, "/convert", source, "FR-2026-007 été.xml", to=to)
    assert response.status_code == 200, _text(response)
    assert response.mimetype == mime
    assert response.headers["Content-Disposition"] == f"attachment; filename=FR-2026-007_t{ending}"
    result = check_file(f"out{ending}", data=response.data)
    assert result.valid, [str(f) for f in result.errors]
    assert result.syntax is not None and (result.syntax.startswith("PDF") if to == "facturx" else
                                          ("UBL" if to == "ubl" else "CII") in result.syntax)
    assert read_document(invoice).document.number == (read_document(response.data).document.number if to != "facturx"
                                                       else fx.convert(response.data, "cii").source.document.number)


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"../shared/corpus not found ({CORPUS})")
def test_what_a_conversion_does_not_carry_is_said_on_a_page_with_the_download(client: Any) -> None:
    source = (CORPUS / "cii" / "cen__CII_business_example_01.xml").read_bytes()
    with pytest.warns(fx.ProfileWarning, match="not carried"):
        expected = fx.convert(source, "ubl")
    assert expected.lost, "the example no longer loses anything: choose another"
    response = _post(client, "/convert", source, "example 01.xml", to="ubl")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Content-Disposition" not in response.headers
    text = _text(response)
    assert f"Converted to UBL 2.1, {len(expected.lost)} items of the input not carried" in text
    for item in expected.lost:
        assert " ".join(str(item).split()) in text
    links = _links(response, charset="")
    assert set(links) == {"example_01.ubl.xml"} and links["example_01.ubl.xml"] == expected.data
    assert check_file("example_01.ubl.xml", data=links["example_01.ubl.xml"]).valid


def test_a_refused_conversion_shows_the_engine_message(client: Any) -> None:
    response = _post(client, "/convert", BROKEN.read_bytes(), "broken.xml", to="facturx")
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert "Content-Disposition" not in response.headers
    text = _text(response)
    assert "Conversion refused" in text and "would be invalid" in text and "BR-06" in text
    response = _post(client, "/convert", BROKEN.read_bytes(), "broken.xml", to="ubl")
    assert response.status_code == 422 and "is invalid" in _text(response) and "BR-06" in _text(response)


# ---------------------------------------------------------------------------- limits and bad requests


def test_an_upload_over_the_limit_is_413_with_a_page() -> None:
    small = create_app(max_bytes=2000).test_client()
    for size in (2001, 200_000):  # in the multipart slack, and past the whole body limit
        response = _post(small, "/validate", b"<x/>".ljust(size), "big.xml")
        assert response.status_code == 413
        assert "File too large" in _text(response) and "2000 bytes" in _text(response)
        assert response.headers["Content-Security-Policy"] == CSP
    assert _post(small, "/validate", b"<x/>".ljust(2000), "ok.xml").status_code == 422  # at the limit: read


def test_requests_without_a_file_or_with_a_bad_option(client: Any, invoice: bytes) -> None:
    cases = [(_post(client, "/view", None), "no file was sent"),
             (_post(client, "/validate", b"", ""), "no file was sent"),
             (_post(client, "/convert", b"", "empty.xml", to="ubl"), "is empty"),
             (_post(client, "/view", invoice, lang="it"), "lang: must be one of fr, en, de, got 'it'"),
             (_post(client, "/convert", invoice), "to: must be one of cii, ubl, facturx, got nothing"),
             (_post(client, "/validate", invoice, format="xml"), "format: must be one of html, json, sarif"),
             (_post(client, "/view", invoice, format="png"), "format: must be one of html, pdf, got 'png'")]
    for response, message in cases:
        assert response.status_code == 400, message
        assert message in _text(response)


def test_the_file_name_is_only_shown_escaped_never_used(client: Any, invoice: bytes, tmp_path: Path) -> None:
    name = "../../<img src=x onerror=alert(1)>\x1b[31m\u202e.xml"
    response = _post(client, "/validate", invoice, name)
    page = response.get_data(as_text=True)
    assert "<img" not in page and "\x1b" not in page and "\u202e" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;\\x1b[31m\\u202e.xml" in page
    assert display_name(name) == "<img src=x onerror=alert(1)>\\x1b[31m\\u202e.xml"
    assert download_stem(name) == "img_src_x_onerror_alert_1_31m" and download_stem("..") == "invoice"
    response = _post(client, "/convert", invoice, "home/me/../a b.xml", to="ubl")
    assert response.headers["Content-Disposition"] == "attachment; filename=a_b.ubl.xml"


def test_nothing_of_an_upload_is_left_behind(invoice: bytes, tmp_path: Path, monkeypatch: Any) -> None:
    """A large upload is spooled by Werkzeug to a temporary file: closed (so deleted) by Flask once the answer is
    sent, not left to the garbage collector (an unclosed file would be a ResourceWarning, an error in this suite)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    padded = invoice.replace(b"?>", b"?>" + b"<!--" + b" " * 800_000 + b"-->", 1)
    response = _post(create_app().test_client(), "/validate", padded, "padded.xml")
    assert response.status_code == 200 and "VALID" in _text(response)
    del response
    gc.collect()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("error, status, message", [
    (TypeError("secret internals at /home/user/engine.py"), 500, "internal error of facturx-engine (TypeError); "
                                                                 "please report this"),
    (MemoryError(), 422, "not enough memory to process this input"),
    (RecursionError(), 422, "the input is nested too deeply to be processed"),
    (fx.ResourceError("the XSD is missing"), 500, "the XSD is missing (an official artefact is missing or altered"),
])
def test_a_failure_of_the_engine_is_a_page_without_internals(invoice: bytes, monkeypatch: Any, error: Exception,
                                                             status: int, message: str) -> None:
    import facturx_engine.apps.serve as app_module

    def fail(*_args: Any, **_kw: Any) -> None:
        raise error

    monkeypatch.setattr(app_module, "check_file", fail)
    app = create_app()
    app.logger.disabled = True  # the bug is logged on the server's console; not this test's output
    response = _post(app.test_client(), "/validate", invoice)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert message in _text(response)
    assert "Traceback" not in page and "secret internals" not in page and "engine.py" not in page
    assert response.headers["Content-Security-Policy"] == CSP


# ---------------------------------------------------------------------------- hostile input


def _hostile() -> list[Path]:
    if not HOSTILE.is_dir():
        return []
    return sorted(p for p in HOSTILE.iterdir() if p.suffix.lower() in (".xml", ".pdf"))


@pytest.mark.skipif(not HOSTILE.is_dir(), reason=f"../shared/hostile not found ({HOSTILE})")
@pytest.mark.parametrize("path", _hostile(), ids=lambda p: p.name)
def test_hostile_files_get_a_page_never_a_traceback(path: Path) -> None:
    client = create_app().test_client()  # the default limit, 20 MB: the bomb is 3 MB
    data = path.read_bytes()
    for route, fields in (("/view", {}), ("/validate", {}), ("/convert", {"to": "ubl"})):
        response = _post(client, route, data, path.name, **fields)
        body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        assert response.status_code in (200, 422), (route, response.status_code, _text(response))
        assert "Traceback" not in body and "Internal error" not in body and 'File "' not in body
        assert response.headers["Content-Security-Policy"] == CSP
        if response.status_code == 422:
            assert "refused" in _text(response) or "NOT" in _text(response)


@pytest.mark.parametrize("data", [
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><r>&d;&d;&d;</r>',
    b"<a>" * 50_000 + b"</a>" * 50_000,
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
], ids=["entity-expansion", "deep-nesting", "external-entity", "empty-pdf"])
def test_generated_hostile_inputs_are_refused_with_the_engine_message(client: Any, data: bytes) -> None:
    for route, fields in (("/view", {}), ("/convert", {"to": "cii"})):
        response = _post(client, route, data, "hostile", **fields)
        assert response.status_code == 422 and "Document refused" in _text(response), (route, _text(response))
        assert "root:" not in response.get_data(as_text=True)  # /etc/passwd was never read
    response = _post(client, "/validate", data, "hostile")
    assert response.status_code in (200, 422) and ("INVALID" in _text(response) or "NOT AN INVOICE" in _text(response))
    assert "root:" not in response.get_data(as_text=True) and "Traceback" not in response.get_data(as_text=True)


# ---------------------------------------------------------------------------- the command


def test_serve_without_flask_names_the_extra(monkeypatch: Any, capsys: Any) -> None:
    monkeypatch.setitem(sys.modules, "flask", None)
    monkeypatch.delitem(sys.modules, "facturx_engine.apps.serve", raising=False)
    assert cli.main(["serve", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the serve command needs Flask") and 'pip install "facturx-engine-oss[serve]"' in err


class _FakeServer:
    port = 4321
    closed = False

    def serve_forever(self) -> None:
        raise KeyboardInterrupt

    def server_close(self) -> None:
        _FakeServer.closed = True


@pytest.mark.parametrize("host, warned", [("127.0.0.1", False), ("localhost", False), ("::1", False),
                                          ("0.0.0.0", True), ("192.168.1.20", True), ("example.org", True)])
def test_serve_warns_off_loopback_and_stops_on_ctrl_c(monkeypatch: Any, capsys: Any, host: str, warned: bool) -> None:
    import facturx_engine.apps.serve as app_module

    made: list[tuple[Any, ...]] = []
    _FakeServer.closed = False
    monkeypatch.setattr(app_module, "make_server", lambda *a: made.append(a) or _FakeServer())
    assert cli.main(["serve", "--host", host, "--port", "0", "--max-size", "5M"]) == 0
    out, err = capsys.readouterr()
    assert ("has no authentication" in err) is warned
    assert made[0][1:] == (host, 0) and made[0][0].config["MAX_CONTENT_LENGTH"] > 5 << 20
    rebound = made[0][0].test_client().get("/", headers={"Host": "attacker.example:8080"})
    assert rebound.status_code == (200 if warned else 400)
    assert "Ctrl-C stops it" in out and "stopped" in err and _FakeServer.closed
    assert serve_cli.is_loopback(host) is not warned


def test_serve_options_are_checked(capsys: Any) -> None:
    assert cli.main(["serve", "--port", "70000"]) == 2
    assert "expected a port number from 0 to 65535" in capsys.readouterr().err
    assert cli.main(["serve", "--max-size", "0"]) == 2
    assert "at least 1 byte" in capsys.readouterr().err


def test_a_port_in_use_is_one_line_exit_2(capsys: Any) -> None:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        assert cli.main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot listen on 127.0.0.1 port {port}: Address already in use") and err.count("\n") == 1


def test_the_real_command_serves_and_stops_on_ctrl_c() -> None:
    """``facturx-engine serve --port 0`` in a process of its own: it answers, and SIGINT (Ctrl-C) ends it, exit 0."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "facturx_engine.cli", "serve", "--port", "0"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url, line
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(url.group(0), timeout=30) as answer:
            assert answer.status == 200 and b"local validator page" in answer.read()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0 and "stopped" in err and "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_browser_tests_skip_loudly_or_fail_when_required(monkeypatch: Any, tmp_path: Path) -> None:
    """Without Chromium the real-browser tests say they did not run; under FXE_REQUIRE_BROWSER=1 (CI) they fail."""
    import browser_support

    monkeypatch.setattr(browser_support, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv(browser_support.REQUIRE, raising=False)
    with pytest.raises(pytest.skip.Exception, match="REAL-BROWSER TESTS NOT RUN: .*no-chromium not found"):
        browser_support.need_browser()
    monkeypatch.setenv(browser_support.REQUIRE, "1")
    with pytest.raises(pytest.fail.Exception, match="FXE_REQUIRE_BROWSER=1 requires them"):
        browser_support.need_browser()
