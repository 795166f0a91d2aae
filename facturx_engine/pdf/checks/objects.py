"""The checks of every object of a PDF, on the entries of each dictionary and stream (items 15, 18,
22 and 23 of :mod:`facturx_engine.pdf.check`): the catalog's interactive features (JavaScript,
alternate presentations, requirements, forms, optional content), actions and additional actions,
stream filters, PostScript and reference XObjects, image keys, graphics state (transfer
functions, halftones, rendering intents, blend modes) and annotations.
"""

from __future__ import annotations

from typing import Any

import pikepdf

from facturx_engine import ruleids as R
from facturx_engine.pdf.checks.record import Checker
from facturx_engine.pdf.primitives import INTENTS, integer, is_true, name_of, number, ref_note, show, text_of

__all__ = ["objects"]

_ACTIONS_ALLOWED = frozenset({"GoTo", "GoToR", "GoToE", "Thread", "URI", "SubmitForm", "Named"})
_ACTIONS_KNOWN = _ACTIONS_ALLOWED | {
    "Launch", "Sound", "Movie", "Hide", "ResetForm", "ImportData", "JavaScript", "SetOCGState",
    "Rendition", "Trans", "GoTo3DView", "SetState", "NOP",
}
_NAMED_ALLOWED = frozenset({"NextPage", "PrevPage", "FirstPage", "LastPage"})
_ANNOTS_ALLOWED = frozenset({
    "Text", "Link", "FreeText", "Line", "Square", "Circle", "Polygon", "PolyLine", "Highlight",
    "Underline", "Squiggly", "StrikeOut", "Stamp", "Caret", "Ink", "Popup", "FileAttachment",
    "Widget", "PrinterMark", "TrapNet", "Watermark", "Redact",
})
_BLEND_MODES = frozenset({
    "Normal", "Compatible", "Multiply", "Screen", "Overlay", "Darken", "Lighten", "ColorDodge",
    "ColorBurn", "HardLight", "SoftLight", "Difference", "Exclusion", "Hue", "Saturation",
    "Color", "Luminosity",
})
_OBJECT_KEYS = frozenset({"/JS", "/AA", "/S", "/Rect", "/TR", "/TR2", "/HTP", "/HTO", "/RI", "/BM"})
"""The entries :func:`objects` acts on in a dictionary (streams are always looked at)."""


def objects(checker: Checker) -> None:
    """The catalog's interactive features, then the entries of every dictionary and stream (one walk
    of the file, which also collects the /AF members for the embedded-file checks)."""
    root = checker.pdf.Root
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        if "/JavaScript" in names:
            checker.fatal(R.PDFA_6_5_JAVASCRIPT, "catalog /Names /JavaScript",
                          "the document has a JavaScript name tree (ISO 19005-3 6.5.1)", 22)
        if "/AlternatePresentations" in names:
            checker.fatal(R.PDFA_6_10_ALTPRES, "catalog /Names",
                          "AlternatePresentations are not allowed (ISO 19005-3 6.10)", 23)
    if "/Requirements" in root:
        checker.fatal(R.PDFA_6_11_REQ, "catalog", "a /Requirements entry is not allowed (ISO 19005-3 6.11)", 23)
    if is_true(root.get("/NeedsRendering")):
        checker.fatal(R.PDFA_6_4_FORM, "catalog", "NeedsRendering true is not allowed (ISO 19005-3 6.4.2)", 23)
    acro = root.get("/AcroForm")
    if isinstance(acro, pikepdf.Dictionary):
        if "/XFA" in acro:
            checker.fatal(R.PDFA_6_4_FORM, "catalog /AcroForm", "XFA forms are not allowed (ISO 19005-3 6.4.2)", 23)
        if is_true(acro.get("/NeedAppearances")):
            checker.fatal(R.PDFA_6_4_FORM, "catalog /AcroForm",
                          "NeedAppearances true is not allowed (ISO 19005-3 6.4.1)", 23)
    ocp = root.get("/OCProperties")
    if isinstance(ocp, pikepdf.Dictionary):
        configs = [ocp.get("/D")] + list(ocp.get("/Configs", pikepdf.Array()))
        seen_names: set[str] = set()
        for cfg in configs:
            if not isinstance(cfg, pikepdf.Dictionary):
                continue
            cname = text_of(cfg.get("/Name"))
            if not cname or cname in seen_names:
                checker.fatal(R.PDFA_6_9_OC, "catalog /OCProperties",
                              "every optional content configuration needs a unique /Name (ISO 19005-3 6.9)", 23)
            seen_names.add(cname or "")
            if "/AS" in cfg:
                checker.fatal(R.PDFA_6_9_OC, "catalog /OCProperties",
                              "an optional content configuration has an /AS entry (ISO 19005-3 6.9)", 23)
    for index, page in enumerate(checker.pdf.pages, 1):
        if "/PresSteps" in page.obj:
            checker.fatal(R.PDFA_6_10_ALTPRES, f"page {index}", "/PresSteps is not allowed (ISO 19005-3 6.10)", 23)

    for obj, path, d in checker.walk_objects():  # which also collects the /AF members
        # the entries these checks look at; most objects have none and are passed by
        if _OBJECT_KEYS.isdisjoint(d) and not isinstance(obj, pikepdf.Stream):
            continue
        where = f" {path}{ref_note(obj)}"
        if "/JS" in d:
            checker.fatal(R.PDFA_6_5_JAVASCRIPT, f"object{where}", "JavaScript (/JS) is not allowed (ISO 19005-3 6.5.1)", 22)
        if "/AA" in d:
            checker.fatal(R.PDFA_6_5_2_AA, f"object{where}",
                          "additional actions (/AA) are not allowed (ISO 19005-3 6.5.2, 6.4.1)", 22)
        kind = name_of(d.get("/S"))
        is_struct = d.get("/Type") == "/StructElem" or ("/K" in d and "/P" in d)
        if kind in _ACTIONS_KNOWN and not is_struct:
            if kind not in _ACTIONS_ALLOWED:
                rule = R.PDFA_6_5_JAVASCRIPT if kind == "JavaScript" else R.PDFA_6_5_ACTION
                checker.fatal(rule, f"action{where}", f"{kind} actions are not allowed (ISO 19005-3 6.5.1)", 22)
            elif kind == "Named" and name_of(d.get("/N")) not in _NAMED_ALLOWED:
                checker.fatal(R.PDFA_6_5_ACTION, f"action{where}",
                              f"named action {name_of(d.get('/N'))!r} is not NextPage/PrevPage/FirstPage/"
                              "LastPage (ISO 19005-3 6.5.1)", 22)
        if isinstance(obj, pikepdf.Stream):
            _stream(checker, d, where)
        if "/Rect" in d and "/Subtype" in d and d.get("/Type", "/Annot") == "/Annot":
            _annotation(checker, obj, where)
        _graphics_keys(checker, d, where)


def _stream(checker: Checker, d: dict[str, Any], where: str) -> None:
    """A stream's dictionary entries ``d``."""
    for key in ("/F", "/FFilter", "/FDecodeParms"):
        if key in d:
            checker.fatal(R.PDFA_6_1_7_FILTER, f"stream{where}",
                          f"stream dictionary has {key} (external stream data; ISO 19005-3 6.1.7.1)", 15)
    filters = d.get("/Filter")
    flist = list(filters) if isinstance(filters, pikepdf.Array) else [filters] if filters is not None else []
    for f in flist:
        if f == "/LZWDecode":
            checker.fatal(R.PDFA_6_1_7_FILTER, f"stream{where}", "LZWDecode is not allowed (ISO 19005-3 6.1.7.2)", 15)
        elif f == "/Crypt":
            checker.fatal(R.PDFA_6_1_7_FILTER, f"stream{where}",
                          "a Crypt filter is not allowed (ISO 19005-3 6.1.10)", 15)
    subtype = d.get("/Subtype")
    if subtype == "/PS" or "/PS" in d or d.get("/Subtype2") == "/PS":
        checker.fatal(R.PDFA_6_2_9_XOBJECT, f"XObject{where}", "PostScript XObjects are not allowed (ISO 19005-3 6.2.9)", 18)
    if subtype == "/Form" and "/Ref" in d:
        checker.fatal(R.PDFA_6_2_9_XOBJECT, f"XObject{where}", "reference XObjects (/Ref) are not allowed (ISO 19005-3 6.2.9)", 18)
    if subtype in ("/Form", "/Image") and "/OPI" in d:
        checker.fatal(R.PDFA_6_2_9_XOBJECT, f"XObject{where}", "/OPI is not allowed (ISO 19005-3 6.2.8, 6.2.9)", 18)
    if subtype == "/Image":
        if "/Alternates" in d:
            checker.fatal(R.PDFA_6_2_8_IMAGE, f"image{where}", "image /Alternates are not allowed (ISO 19005-3 6.2.8)", 18)
        if is_true(d.get("/Interpolate")):
            checker.fatal(R.PDFA_6_2_8_IMAGE, f"image{where}", "image /Interpolate true is not allowed (ISO 19005-3 6.2.8)", 18)
        bpc = d.get("/BitsPerComponent")
        if bpc is not None and not (isinstance(bpc, int) and int(bpc) in (1, 2, 4, 8, 16)):
            checker.fatal(R.PDFA_6_2_8_IMAGE, f"image{where}", f"BitsPerComponent {show(bpc)} (ISO 19005-3 6.2.8)", 18)


def _graphics_keys(checker: Checker, d: dict[str, Any], where: str) -> None:
    if "/TR" in d and d.get("/Type", "/ExtGState") == "/ExtGState":
        checker.fatal(R.PDFA_6_2_5_EXTGSTATE, f"ExtGState{where}", "transfer function /TR is not allowed (ISO 19005-3 6.2.5)", 18)
    if "/TR2" in d and d.get("/TR2") != "/Default":
        checker.fatal(R.PDFA_6_2_5_EXTGSTATE, f"ExtGState{where}", "/TR2 other than /Default (ISO 19005-3 6.2.5)", 18)
    if "/HTP" in d:
        checker.fatal(R.PDFA_6_2_5_EXTGSTATE, f"ExtGState{where}", "/HTP is not allowed (ISO 19005-3 6.2.5)", 18)
    if "/HTO" in d:
        checker.fatal(R.PDFA_6_2_5_EXTGSTATE, f"halftone{where}", "/HTO is not allowed (ISO 19005-3 6.2.5)", 18)
    if "/RI" in d:
        ri = name_of(d.get("/RI"))
        if ri not in INTENTS:
            checker.fatal(R.PDFA_6_2_6_INTENT, f"object{where}", f"rendering intent {ri!r} is not a standard one (ISO 19005-3 6.2.6)", 18)
    if "/BM" in d:
        bm = d.get("/BM")
        modes = [name_of(x) for x in bm] if isinstance(bm, pikepdf.Array) else [name_of(bm)]
        for mode in modes:
            if mode not in _BLEND_MODES:
                checker.fatal(R.PDFA_6_2_10_BLEND, f"ExtGState{where}", f"blend mode {mode!r} is not a standard one (ISO 19005-3 6.2.10)", 18)


def _annotation(checker: Checker, annot: pikepdf.Object, where: str) -> None:
    sub = name_of(annot.get("/Subtype")) or ""
    loc = f"{sub} annotation{where}"
    if sub not in _ANNOTS_ALLOWED:
        checker.fatal(R.PDFA_6_3_ANNOT, loc, f"{sub} annotations are not allowed (ISO 19005-3 6.3.1)", 23)
    if sub != "Popup":
        flags = integer(annot.get("/F"))
        if "/F" not in annot or not flags & 4 or flags & (1 | 2 | 32 | 256):
            checker.fatal(R.PDFA_6_3_ANNOT, loc, f"annotation flags {flags}: Print must be set and Invisible, "
                          "Hidden, NoView, ToggleNoView clear (ISO 19005-3 6.3.2)", 23)
    ap = annot.get("/AP")
    rect = annot.get("/Rect")
    corners = [number(x) for x in rect] if isinstance(rect, pikepdf.Array) and len(rect) == 4 else []
    empty = len(corners) == 4 and None not in corners and corners[0] == corners[2] and corners[1] == corners[3]
    if ap is None and sub not in ("Popup", "Link") and not empty:
        checker.fatal(R.PDFA_6_3_ANNOT, loc, "annotation without an appearance stream /AP (ISO 19005-3 6.3.3)", 23)
    if isinstance(ap, pikepdf.Dictionary) and set(ap.keys()) - {"/N"}:
        checker.fatal(R.PDFA_6_3_ANNOT, loc, "the appearance dictionary has entries other than /N (ISO 19005-3 6.3.3)", 23)
    if sub == "Widget" and "/A" in annot:
        checker.fatal(R.PDFA_6_4_FORM, loc, "a widget annotation has an action /A (ISO 19005-3 6.4.1)", 23)
