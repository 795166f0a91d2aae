"""Screenshots for the README, taken in the system Chromium (headless, through Playwright) from the local validator
page served for real: the view of a French B2B invoice, of an XRechnung and of a Peppol UBL invoice, the form, and
the page after a validation. Not a test; run it again after the view changes::

    python docs/screenshots.py [--corpus ../shared/corpus] [--out docs/screenshots]

The French invoice is written by the engine from ``fixtures/invoices/fr_b2b.json``; the XRechnung and the Peppol
invoice are examples of ``../shared/corpus`` (KoSIT test suite, CEN) (skipped, with a message, when it is absent).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # browser_support: the one way the suite starts Chromium and the server

import facturx_engine as fx  # noqa: E402
from browser_support import chromium, live_server, missing  # noqa: E402

WIDTH, HEIGHT = 1100, 1300
"""The window: a view is shot down to HEIGHT (its top: the verdict, the document, the parties), the other pages
whole."""


def _shot(page: Any, out: Path, name: str, *, whole: bool = True) -> None:
    path = out / name
    page.screenshot(path=str(path), full_page=whole)
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def _view(page: Any, base: str, document: Path, lang: str, out: Path, name: str) -> None:
    """Upload ``document`` on the page, press View in ``lang``, take the screenshot."""
    page.goto(base + "/")
    page.set_input_files("#file", str(document))
    page.check(f'input[name="lang"][value="{lang}"]')
    page.get_by_role("button", name="View", exact=True).click()
    page.wait_for_load_state()
    _shot(page, out, name, whole=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    lacking = missing()
    if lacking:
        print(f"error: cannot take screenshots: {lacking}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, live_server() as base, chromium() as browser:
        french = Path(tmp) / "facture-fr-b2b.xml"
        doc = fx.load_document((ROOT / "fixtures" / "invoices" / "fr_b2b.json").read_bytes())
        french.write_bytes(fx.to_cii(doc, profile=fx.Profile.EN16931))
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT}, locale="en-GB")
        page.set_viewport_size({"width": WIDTH, "height": 560})
        page.goto(base + "/")
        _shot(page, args.out, "serve-form.png")
        page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
        _view(page, base, french, "fr", args.out, "view-fr-b2b.png")
        documents = (("cii/xrts__01.17a-INVOICE_uncefact.xml", "de", "view-xrechnung.png"),
                     ("ubl/cen__BIS3_Invoice_positive.XML", "en", "view-peppol-ubl.png"))
        for name, lang, shot in documents:
            if (args.corpus / name).is_file():
                _view(page, base, args.corpus / name, lang, args.out, shot)
            else:
                print(f"skipped {shot}: {args.corpus / name} not found", file=sys.stderr)
        page.goto(base + "/")
        page.set_input_files("#file", str(ROOT / "fixtures" / "broken" / "mandatory__BR-06.cii.xml"))
        page.get_by_role("button", name="Validate", exact=True).click()
        page.wait_for_load_state()
        page.set_viewport_size({"width": WIDTH, "height": 560})
        _shot(page, args.out, "serve-validation.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
