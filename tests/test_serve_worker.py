"""The local validator page keeps serving when the engine's work dies, and speaks the person's language.

Isolation: the work of a request runs in a worker process kept between requests; a worker killed by a signal,
ended by ``os._exit`` or stopped at the timeout gives that request an error page, and the next request gets a new
worker and its normal answer. The hooks are installed with ``monkeypatch`` in this process before the application
(and so its worker, forked from this process) is made. Languages: the form, the report and the error pages in
French, English and German, chosen by the form's ``lang``, ``?lang=`` or ``Accept-Language``.
"""

from __future__ import annotations

import html
import io
import os
import re
import signal
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("flask", reason="Flask (the serve extra) is not installed: pip install -e '.[dev]'")

import facturx_engine as fx  # noqa: E402
from facturx_engine.apps import serve  # noqa: E402
from facturx_engine.apps.serve import CSP, create_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
BROKEN = FIXTURES / "broken" / "mandatory__BR-06.cii.xml"  # no seller name: BR-06 fires


pytestmark = pytest.mark.usefixtures("workers_stop_with_the_module")  # tests/conftest.py


@pytest.fixture(scope="module")
def invoice() -> bytes:
    doc = fx.load_document((FIXTURES / "invoices" / "fr_b2b.json").read_bytes())
    return fx.to_cii(doc, profile=fx.Profile.EN16931)


def _post(client: Any, path: str, data: bytes | None, name: str = "invoice.xml", **fields: str) -> Any:
    form: dict[str, Any] = dict(fields)
    if data is not None:
        form["file"] = (io.BytesIO(data), name)
    return client.post(path, data=form, content_type="multipart/form-data")


def _text(response: Any) -> str:
    body = re.sub(r"<style\b.*?</style>", " ", response.get_data(as_text=True), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _lang(response: Any) -> str:
    found = re.search(r'<html lang="([^"]+)">', response.get_data(as_text=True))
    assert found, "the page has no lang attribute"
    return found.group(1)


def _hook(monkeypatch: pytest.MonkeyPatch, pids: Path) -> None:
    """Make the page's check misbehave by file name, and note the process of every check in ``pids``."""
    real = serve.check_file

    def misbehaving(name: str, **kwargs: Any) -> Any:
        with pids.open("a") as out:
            out.write(f"{os.getpid()}\n")
        if name.startswith("kill"):
            os.kill(os.getpid(), signal.SIGKILL)
        if name.startswith("exit"):
            os._exit(7)
        if name.startswith("hang"):
            time.sleep(60)
        return real(name, **kwargs)

    monkeypatch.setattr(serve, "check_file", misbehaving)


def _pids(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()]


@pytest.mark.parametrize("name, said", [("kill.xml", "was killed by SIGKILL"),
                                        ("exit.xml", "exited unexpectedly (status 7)")])
def test_a_dead_worker_is_that_requests_error_page_and_the_page_goes_on(
        invoice: bytes, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, said: str) -> None:
    pids = tmp_path / "pids"
    _hook(monkeypatch, pids)
    app = create_app()
    app.logger.disabled = True  # the death is logged on the server's console; not this test's output
    client = app.test_client()
    first = _post(client, "/validate", invoice)
    second = _post(client, "/validate", invoice)
    assert first.status_code == second.status_code == 200 and "VALID" in _text(second)
    died = _post(client, "/validate", invoice, name)
    assert died.status_code == 500 and died.headers["Content-Security-Policy"] == CSP
    text = _text(died)
    assert "The work stopped" in text and said in text and "the page goes on answering" in text
    assert "Traceback" not in died.get_data(as_text=True)
    after = _post(client, "/validate", invoice)
    assert after.status_code == 200 and "VALID" in _text(after)
    warm, again, dead, fresh = _pids(pids)
    assert warm == again == dead != fresh, "one worker is kept between requests and replaced when it dies"
    assert os.getpid() not in (warm, fresh), "the checks run in a worker, not in the server's process"


def test_work_past_the_timeout_is_stopped_with_a_page_in_the_persons_language(
        invoice: bytes, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _hook(monkeypatch, tmp_path / "pids")
    app = create_app(timeout=4)  # room for the next request's fresh worker to compile its rules on a busy machine
    app.logger.disabled = True
    client = app.test_client()
    started = time.monotonic()
    stopped = _post(client, "/validate", invoice, "hang.xml", lang="de")
    assert time.monotonic() - started < 20
    assert stopped.status_code == 500 and _lang(stopped) == "de"
    text = _text(stopped)
    assert "Die Verarbeitung wurde abgebrochen" in text and "it took longer than 4 s" in text
    assert _post(client, "/validate", invoice, lang="de").status_code == 200


def test_a_view_in_a_dying_worker_is_a_page_too(invoice: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    import facturx_engine.apps.view as view_module

    monkeypatch.setattr(view_module, "view", lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL))
    app = create_app()
    app.logger.disabled = True
    response = _post(app.test_client(), "/view", invoice, lang="fr")
    assert response.status_code == 500 and _lang(response) == "fr"
    assert "Le traitement s’est arrêté" in _text(response) and "SIGKILL" in _text(response)


def test_without_isolation_the_work_runs_here(invoice: bytes, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    _hook(monkeypatch, pids)
    assert _post(create_app(isolate=False).test_client(), "/validate", invoice).status_code == 200
    assert _pids(pids) == [os.getpid()]


def test_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="timeout must be positive"):
        create_app(timeout=0)


# ---------------------------------------------------------------------------- languages

WORDS = {  # lang -> (form title, a button, the verdict of an invalid document, the title of a request without file)
    "fr": ("Lire, valider et convertir une facture électronique", "Convertir en UBL", "INVALIDE", "Aucun fichier"),
    "en": ("Read, validate and convert an e-invoice", "Convert to UBL", "INVALID", "No file"),
    "de": ("E-Rechnung lesen, prüfen und umwandeln", "In UBL umwandeln", "UNGÜLTIG", "Keine Datei"),
}


@pytest.fixture(scope="module")
def client() -> Any:
    return create_app().test_client()


@pytest.mark.parametrize("lang", sorted(WORDS))
def test_the_form_in_each_language(client: Any, lang: str) -> None:
    title, button, _, _ = WORDS[lang]
    for response in (client.get(f"/?lang={lang}"), client.get("/", headers={"Accept-Language": f"{lang};q=0.9"})):
        assert response.status_code == 200 and _lang(response) == lang
        text = _text(response)
        assert title in text and button in text
        assert f'value="{lang}" checked' in response.get_data(as_text=True), "the language is the one chosen"


def test_the_form_language_order_of_choice(client: Any) -> None:
    assert _lang(client.get("/")) == "en"  # nothing said: English
    assert _lang(client.get("/", headers={"Accept-Language": "es, de;q=0.5, fr;q=0.8"})) == "fr"
    assert _lang(client.get("/?lang=de", headers={"Accept-Language": "fr"})) == "de"  # the link wins
    assert _lang(client.get("/", headers={"Accept-Language": "es"})) == "en"
    refused = client.get("/?lang=xx")
    assert refused.status_code == 400 and "lang: must be one of fr, en, de, got 'xx'" in _text(refused)


@pytest.mark.parametrize("lang", sorted(WORDS))
def test_report_and_error_pages_in_each_language(client: Any, lang: str) -> None:
    _, _, invalid, no_file = WORDS[lang]
    report = _post(client, "/validate", BROKEN.read_bytes(), BROKEN.name, lang=lang)
    assert report.status_code == 200 and _lang(report) == lang
    assert invalid in _text(report) and "BR-06" in _text(report)
    assert f'href="/?lang={lang}"' in report.get_data(as_text=True), "another file: the form in the same language"
    refused = _post(client, "/validate", None, lang=lang)
    assert refused.status_code == 400 and _lang(refused) == lang and no_file in _text(refused)


def test_the_view_follows_the_page_language_header_when_the_form_says_nothing(client: Any, invoice: bytes) -> None:
    german = client.post("/view", data={"file": (io.BytesIO(invoice), "invoice.xml")},
                         content_type="multipart/form-data", headers={"Accept-Language": "de"})
    assert german.status_code == 200 and _lang(german) == "de"


def test_the_command_passes_its_timeout(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    from facturx_engine.cli import commands as cli

    assert cli.main(["serve", "--timeout", "0"]) == 2
    assert "expected a positive number of seconds, got 0" in capsys.readouterr().err
    made: list[dict[str, Any]] = []

    class _Stopped:
        port = 8080

        def serve_forever(self) -> None:
            raise KeyboardInterrupt

        def server_close(self) -> None:
            pass

    monkeypatch.setattr(serve, "create_app", lambda **kw: made.append(kw))
    monkeypatch.setattr(serve, "make_server", lambda *a: _Stopped())
    assert cli.main(["serve", "--timeout", "12.5"]) == 0
    assert made[0]["timeout"] == 12.5
