"""The checks of a PDF's content (items 17-19 of :mod:`facturx_engine.pdf.check`): device colour
against the PDF/A OutputIntent and its ICC profile, transparency without an intent or a page
group colour space, fonts used without an embedded program. What the content streams use is
collected by :class:`~facturx_engine.pdf.content.ContentScan`.
"""

from __future__ import annotations

import pikepdf

from facturx_engine import ruleids as R
from facturx_engine.errors import PdfError
from facturx_engine.pdf.checks.record import Checker
from facturx_engine.pdf.content import ContentScan
from facturx_engine.pdf.limits import StreamLimit, read_stream
from facturx_engine.pdf.primitives import icc_problem

__all__ = ["content"]


def content(checker: Checker) -> None:
    """Colour, transparency and fonts of every content stream, against the OutputIntent."""
    scan = ContentScan(checker.pdf)
    scan.run()
    checker.findings.extend(scan.findings)
    intent = _output_intents(checker)
    for space, where in scan.device.items():
        need = {"DeviceRGB": "RGB ", "DeviceCMYK": "CMYK", "DeviceGray": None}[space]
        if intent is None:
            checker.fatal(R.PDFA_6_2_3_OUTPUTINTENT, where,
                          f"{space} is used but the document has no PDF/A OutputIntent (GTS_PDFA1) "
                          "(ISO 19005-3 6.2.4.3)", 17)
        elif need is not None and intent != need:
            checker.fatal(R.PDFA_6_2_4_3_DEVICE, where,
                          f"{space} is used with a {intent.strip()} OutputIntent; it needs a "
                          f"{need.strip()} intent or a Default{space[6:]} colour space (ISO 19005-3 6.2.4.3)", 17)
    if intent is None and not scan.device and "/OutputIntents" not in checker.pdf.Root:
        checker.warn(R.PDFA_6_2_3_OUTPUTINTENT, "catalog",
                     "no OutputIntent; not required as no device colour space is used", 17)
    if intent is None:
        for page_no in sorted(scan.transparent_pages):
            page = checker.pdf.pages[page_no - 1].obj
            group = page.get("/Group")
            if not (isinstance(group, pikepdf.Dictionary) and "/CS" in group):
                checker.fatal(R.PDFA_6_2_10_GROUP, f"page {page_no}",
                              "the page uses transparency but has neither an OutputIntent nor a page "
                              "group /CS (ISO 19005-3 6.2.10)", 18)
    for rec in scan.fonts.values():
        if rec.embedded:
            continue
        pages = ", ".join(str(p) for p in sorted(rec.pages)) or "-"
        if rec.used:
            checker.fatal(R.PDFA_6_2_11_4_EMBED, f"font {rec.name}{rec.where} on page(s) {pages}",
                          f"font {rec.name} ({rec.subtype}) is used for rendering but not embedded "
                          "(no FontFile/FontFile2/FontFile3; the standard 14 fonts are no exception; "
                          "ISO 19005-3 6.2.11.4.1)", 19)
        else:
            checker.tolerated(R.FX_FONT_UNUSED, f"font {rec.name}{rec.where} on page(s) {pages}",
                              f"font {rec.name} ({rec.subtype}) is in the resources but not embedded; "
                              "it draws nothing, but pdffonts lists it as not embedded (reportlab "
                              "leaves /F1 Helvetica unless Canvas(initialFontName=...) is given)", 19)


def _output_intents(checker: Checker) -> str | None:
    """Check /OutputIntents; return the colour space of the GTS_PDFA1 profile, if valid."""
    intents = checker.pdf.Root.get("/OutputIntents")
    if intents is None:
        return None
    if not isinstance(intents, pikepdf.Array):
        checker.fatal(R.PDFA_6_2_3_OUTPUTINTENT, "catalog /OutputIntents", "/OutputIntents is not an array", 17)
        return None
    profiles = set()
    space = None
    for i, intent in enumerate(intents):
        loc = f"catalog /OutputIntents[{i}]"
        if not isinstance(intent, pikepdf.Dictionary):
            continue
        if "/DestOutputProfileRef" in intent:
            checker.fatal(R.PDFA_6_2_3_OUTPUTINTENT, loc, "/DestOutputProfileRef is not allowed (ISO 19005-3 6.2.3)", 17)
        prof = intent.get("/DestOutputProfile")
        if isinstance(prof, pikepdf.Object):
            profiles.add(prof.objgen if prof.objgen != (0, 0) else id(prof))
        if intent.get("/S") != "/GTS_PDFA1":
            continue
        if not isinstance(prof, pikepdf.Stream):
            checker.fatal(R.PDFA_6_2_3_OUTPUTINTENT, loc, "the GTS_PDFA1 OutputIntent has no /DestOutputProfile ICC stream", 17)
            continue
        try:
            icc = read_stream(prof, what="OutputIntent ICC profile")
        except StreamLimit as exc:
            checker.fatal(exc.rule or R.FX_LIMIT_STREAM, loc, exc.message, "limit")
            continue
        except PdfError as exc:
            checker.fatal(R.PDFA_6_2_3_OUTPUTINTENT, loc, f"the ICC profile cannot be decoded: {exc.message}", 17)
            continue
        problem = icc_problem(icc, prof.get("/N"))
        if problem:
            checker.fatal(R.PDFA_6_2_3_OUTPUTINTENT, loc, problem + " (ISO 19005-3 6.2.3)", 17)
            continue
        space = icc[16:20].decode("latin-1").upper()
        space = "GRAY" if space == "GRAY" else space
    if len(profiles) > 1:
        checker.fatal(R.PDFA_6_2_3_OUTPUTINTENT, "catalog /OutputIntents",
                      "several OutputIntents with different DestOutputProfile objects (ISO 19005-3 6.2.3)", 17)
    if space is None and len(intents):
        if not any(isinstance(i, pikepdf.Dictionary) and i.get("/S") == "/GTS_PDFA1" for i in intents):
            checker.fatal(R.PDFA_6_2_3_OUTPUTINTENT, "catalog /OutputIntents", "no OutputIntent has /S /GTS_PDFA1", 17)
    return space
