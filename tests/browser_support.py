"""A real browser for the tests of what a person sees (``tests/test_browser.py``) and for ``docs/screenshots.py``:
the system Chromium (Debian's ``chromium`` package, ``/usr/bin/chromium``) driven headless by Playwright, with no
browser of Playwright's own (no ``playwright install``), and the local validator page served for real on a free
port of 127.0.0.1.

Without Chromium (or the ``playwright`` package) the browser tests are skipped, loudly: the reason names what is
missing and says they did NOT run. With ``FXE_REQUIRE_BROWSER=1`` in the environment (CI sets it: ``.ci/run``)
they fail instead, so that a CI run cannot pass without them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
REQUIRE = "FXE_REQUIRE_BROWSER"
"""Set to 1: a missing browser fails the browser tests instead of skipping them."""


def missing() -> str | None:
    """What the browser tests lack (None: Chromium and Playwright are both here)."""
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} not found (Debian: apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    try:
        import flask  # noqa: F401
    except ImportError:
        return "Flask is not installed (pip install -e '.[dev]')"
    return None


def need_browser() -> None:
    """Skip (loudly), or fail under ``FXE_REQUIRE_BROWSER=1``, when the browser tests cannot run."""
    lacking = missing()
    if lacking is None:
        return
    message = f"REAL-BROWSER TESTS NOT RUN: {lacking}"
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{message}; {REQUIRE}=1 requires them", pytrace=False)
    pytest.skip(message)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless system Chromium (a Playwright ``Browser``), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def live_server(max_bytes: int | None = None) -> Iterator[str]:
    """The local validator page served by ``facturx-engine serve``'s own server in a thread, on a free port of
    127.0.0.1; yields its address (``http://127.0.0.1:PORT``) and stops it on exit."""
    from facturx_engine.apps.serve import DEFAULT_MAX_BYTES, LOOPBACK_NAMES, create_app, make_server

    app = create_app(DEFAULT_MAX_BYTES if max_bytes is None else max_bytes, hosts=LOOPBACK_NAMES)  # as the command
    server = make_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, name="serve", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session (see :func:`need_browser`)."""
    need_browser()
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    """The address of the local validator page, served for the whole session."""
    need_browser()
    with live_server() as url:
        yield url


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page (its own context: no cookies, downloads accepted), its console errors kept in ``page.errors``
    and the address of every request it made in ``page.requests``."""
    context = browser.new_context(accept_downloads=True, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.errors, page.requests = errors, requests
    try:
        yield page
    finally:
        context.close()
