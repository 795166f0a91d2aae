"""A scan of every content stream of a PDF (pages, form XObjects, patterns, Type 3 glyph
procedures, soft masks, annotation appearances): :class:`ContentScan` collects the device colour
spaces used, the fonts of every resource dictionary and whether text is shown with them, the pages
that use transparency, and findings for content that cannot be parsed or uses a bad rendering
intent. The content check of :mod:`facturx_engine.pdf.check` judges what it collects
(:mod:`facturx_engine.pdf.checks.content`), and :func:`~facturx_engine.pdf.embed.embed` drops the
fonts it finds idle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pikepdf

from facturx_engine import ruleids as R
from facturx_engine.errors import PdfError
from facturx_engine.pdf.checks.record import FATAL, SOURCE, record, safe_text
from facturx_engine.pdf.limits import MAX_CONTENT_BYTES, MiB, StreamLimit, read_stream
from facturx_engine.pdf.primitives import INTENTS, cite, integer, is_true, name_of, number, ref_note, show
from facturx_engine.findings import Finding

__all__ = ["ContentScan", "FontUse", "font_embedded"]


@dataclass
class FontUse:
    """A font of a resource dictionary: whether it is embedded, on which pages, and how it is used."""

    name: str
    subtype: str
    embedded: bool
    where: str
    pages: set[int] = field(default_factory=set)
    used: bool = False
    selected: bool = False  # named by a Tf operator
    shown: bool = False  # a text-showing operator ran with it, in any rendering mode (3, invisible, included)
    obj: Any = None


def font_embedded(font: pikepdf.Object) -> bool:
    subtype = font.get("/Subtype")
    if subtype == "/Type3":
        return True
    desc = font
    if subtype == "/Type0":
        descendants = font.get("/DescendantFonts")
        if not isinstance(descendants, pikepdf.Array) or not len(descendants):
            return False
        desc = descendants[0]
    fd = desc.get("/FontDescriptor") if isinstance(desc, pikepdf.Dictionary) else None
    return isinstance(fd, pikepdf.Dictionary) and any(k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3"))


_DEVICE_ABBREV = {"/RGB": "/DeviceRGB", "/G": "/DeviceGray", "/CMYK": "/DeviceCMYK", "/I": "/Indexed"}
_DEVICE_OPERATORS = {"rg": "/DeviceRGB", "RG": "/DeviceRGB", "g": "/DeviceGray", "G": "/DeviceGray",
                     "k": "/DeviceCMYK", "K": "/DeviceCMYK"}
_OPERATORS = "rg RG g G k K cs CS ri gs sh scn SCN Do BI ID EI"
"""The operators :meth:`ContentScan._content` acts on but the text ones (``BI ID EI``: inline images)."""
_PDF_SPACE = rb"\x00\t\n\x0c\r "
_STRING = rb"\((?:[^()\\]|\\.)*\)|<[0-9A-Fa-f" + _PDF_SPACE + rb"]*>"
"""A literal string without unescaped parentheses inside, or a hexadecimal string."""
_BLANKED = re.compile(
    _STRING + rb"|\[(?:[" + _PDF_SPACE + rb"]+|" + _STRING + rb"|[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?=["
    + _PDF_SPACE + rb"/\](<])|/[^" + _PDF_SPACE + rb"()<>\[\]{}/%]*)*\]", re.DOTALL)
"""What _plain_content blanks: a string, or an array of numbers, names and strings only."""
_HEX_STRING = re.compile(rb"<[0-9A-Fa-f" + _PDF_SPACE + rb"]*>")
"""The part of _BLANKED that can match where there is neither "(" nor "[" (all our own pages)."""
_UNSAFE = re.compile(rb"[(){}<>\[\]%#\\\x0b]")
_OPERATOR_SET = frozenset(_OPERATORS.encode().split())
_DEVICE_WORDS = frozenset(op.encode() for op in _DEVICE_OPERATORS)


_MAX_FORM_DEPTH = 32
"""How deep form XObjects (patterns, Type 3 glyphs, soft masks) are followed into each other."""


class ContentScan:
    """Walk every content stream (pages, forms, patterns, Type 3 glyphs, annotation appearances).

    Collects the device colour spaces used (``device``: space -> first location), the fonts of
    every resource dictionary and whether text is shown with them (``fonts``), the pages that use
    transparency, and findings for content that cannot be parsed or uses a bad rendering intent.
    """

    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self.pdf = pdf
        self.device: dict[str, str] = {}
        self.fonts: dict[Any, FontUse] = {}
        self.transparent_pages: set[int] = set()
        self.findings: list[Finding] = []
        self._counts: dict[str, int] = {}
        self._done: set[Any] = set()
        self._page = 0
        self._depth = 0

    def run(self) -> None:
        for index, page in enumerate(self.pdf.pages, 1):
            self._page = index
            obj = page.obj
            res = self._inherited(obj, "/Resources")
            group = obj.get("/Group")
            if isinstance(group, pikepdf.Dictionary):
                self._group(group, res, f"page {index} /Group")
            self._content(page, res, f"page {index}")
            annots = obj.get("/Annots")
            if isinstance(annots, pikepdf.Array):
                for annot in annots:
                    if not isinstance(annot, pikepdf.Dictionary):
                        continue
                    ap = annot.get("/AP")
                    if not isinstance(ap, pikepdf.Dictionary):
                        continue
                    for key in ap.keys():
                        app = ap.get(key)
                        streams = [app] if isinstance(app, pikepdf.Stream) else (
                            [app.get(k) for k in app.keys()] if isinstance(app, pikepdf.Dictionary) else [])
                        for s in streams:
                            if isinstance(s, pikepdf.Stream):
                                self._form(s, None, f"page {index} annotation appearance")

    @staticmethod
    def _inherited(obj: pikepdf.Object, key: str) -> pikepdf.Object | None:
        node: Any = obj
        for _ in range(64):
            if not isinstance(node, pikepdf.Dictionary):
                return None
            if key in node:
                value = node.get(key)
                return value if isinstance(value, pikepdf.Dictionary) else None
            node = node.get("/Parent")
        return None

    def _finding(self, rule: str, where: str, message: str, item: int | str) -> None:
        record(self.findings, self._counts, Finding(rule, FATAL, safe_text(where),
                                                    safe_text(message + cite(item, message)), (), SOURCE))

    def _use(self, space: str, res: pikepdf.Object | None, where: str) -> None:
        default = "/Default" + space[7:]
        if isinstance(res, pikepdf.Dictionary):
            cs = res.get("/ColorSpace")
            if isinstance(cs, pikepdf.Dictionary) and default in cs:
                return
        self.device.setdefault(space[1:], where)

    def _colourspace(self, cs: Any, res: pikepdf.Object | None, where: str, depth: int = 0) -> None:
        if depth > 8 or cs is None:
            return
        if isinstance(cs, pikepdf.Name):
            name = _DEVICE_ABBREV.get(str(cs), str(cs))
            if name in ("/DeviceRGB", "/DeviceGray", "/DeviceCMYK"):
                self._use(name, res, where)
                return
            if name == "/Pattern":
                return
            table = res.get("/ColorSpace") if isinstance(res, pikepdf.Dictionary) else None
            if isinstance(table, pikepdf.Dictionary) and name in table:
                self._colourspace(table.get(name), res, where, depth + 1)
            return
        if isinstance(cs, pikepdf.Array) and len(cs):
            family = cs[0]
            if family == "/ICCBased" and len(cs) > 1 and isinstance(cs[1], pikepdf.Stream):
                problem = None
                try:
                    icc = read_stream(cs[1], what="ICC profile")
                    if len(icc) < 128 or icc[36:40] != b"acsp" or icc[8] >= 5:
                        problem = "not a valid ICC profile of version < 5"
                except StreamLimit as exc:
                    problem = exc.message
                except PdfError:
                    problem = "cannot be decoded"
                if problem:
                    self._finding(R.PDFA_6_2_4_2_ICC, where, f"an ICCBased colour space profile {problem} (ISO 19005-3 6.2.4.2)", 17)
            elif family in ("/Indexed", "/I") and len(cs) > 1 or family == "/Pattern" and len(cs) > 1:
                self._colourspace(cs[1], res, where, depth + 1)
            elif family in ("/Separation", "/DeviceN") and len(cs) > 2:
                self._colourspace(cs[2], res, where, depth + 1)

    def _group(self, group: pikepdf.Object, res: pikepdf.Object | None, where: str) -> None:
        if group.get("/S") == "/Transparency":
            self.transparent_pages.add(self._page)
            if "/CS" in group:
                self._colourspace(group.get("/CS"), res, where)

    def _font(self, font: Any, where: str) -> FontUse | None:
        if not isinstance(font, pikepdf.Dictionary):
            return None
        key = font.objgen if font.objgen != (0, 0) else id(font)
        rec = self.fonts.get(key)
        if rec is None:
            name = name_of(font.get("/BaseFont")) or name_of(font.get("/Name")) or "?"
            rec = self.fonts[key] = FontUse(name, name_of(font.get("/Subtype")) or "?", font_embedded(font), ref_note(font),
                                            obj=font)
        rec.pages.add(self._page)
        return rec

    def _content(self, target: Any, res: pikepdf.Object | None, where: str) -> None:
        fonts = res.get("/Font") if isinstance(res, pikepdf.Dictionary) else None
        # Text operators only matter for a font that is not embedded (used or merely listed
        # decides the message) or is a Type 3 font (its glyph procedures are scanned once used):
        # when every font of these resources is an embedded non-Type 3 one, _plain_content may
        # do without them.
        text = False
        if isinstance(fonts, pikepdf.Dictionary):
            for key in fonts.keys():
                rec = self._font(fonts.get(key), where)
                if rec is not None and (not rec.embedded or rec.subtype == "Type3"):
                    text = True
        datas = self._content_data(target, where)
        if datas is None:
            return
        if not text and self._plain_content(target, res, where, datas):
            return
        size = sum(len(d) for d in datas if d is not None)
        if size > MAX_CONTENT_BYTES:
            self._finding(R.FX_LIMIT_CONTENT, where,
                          f"the content stream has {size} bytes decoded, more than the {MAX_CONTENT_BYTES // MiB} MiB "
                          "the checker parses; its fonts, colours and resources are not checked", "limit")
            return
        try:
            # every operator, not a whitelist: an operand qpdf cannot give to Python (an operator
            # inside an array) fails the parse whatever the operator it belongs to
            instructions = pikepdf.parse_content_stream(target)
        except (pikepdf.PdfError, RuntimeError, ValueError, TypeError) as exc:
            self._finding(R.PDFA_6_2_2_CONTENT, where, f"a content stream cannot be parsed: {exc}", 18)
            return
        self._operators(instructions, res, where)

    def _operators(self, instructions: Any, res: pikepdf.Object | None, where: str) -> None:
        """Act on the operators of a parsed content stream (colour, fonts, resources, inline images)."""
        font: Any = None
        mode = 0
        stack: list[tuple[Any, int]] = []
        device_done: set[str] = set()  # _use() gives the same result for the same space here

        def table(key: str) -> Any:
            value = res.get(key) if isinstance(res, pikepdf.Dictionary) else None
            return value if isinstance(value, pikepdf.Dictionary) else None

        for instruction in instructions:
            operands, op = instruction.operands, bytes(instruction.operator.unparse()).decode("latin-1")
            if op == "q":
                stack.append((font, mode))
            elif op == "Q":
                if stack:
                    font, mode = stack.pop()
            elif op == "Tf" and operands:
                ft = table("/Font")
                font = ft.get(operands[0]) if ft is not None and isinstance(operands[0], pikepdf.Name) else None
                rec = self._font(font, where)
                if rec is not None:
                    rec.selected = True
            elif op == "Tr" and operands:
                mode = integer(operands[0])
            elif op in ("Tj", "TJ", "'", '"'):
                shown = self._font(font, where)
                if shown is not None:
                    shown.shown = True
                if mode != 3:
                    rec = shown
                    if rec is not None and not rec.used:
                        rec.used = True
                        if rec.subtype == "Type3":
                            self._type3(font, res, where)
            elif op in _DEVICE_OPERATORS:
                space = _DEVICE_OPERATORS[op]
                if space not in device_done:
                    device_done.add(space)
                    self._use(space, res, where)
            elif op in ("cs", "CS") and operands:
                self._colourspace(operands[0], res, where)
            elif op == "ri" and operands:
                if name_of(operands[0]) not in INTENTS:
                    self._finding(R.PDFA_6_2_6_INTENT, where, f"rendering intent {show(operands[0])} is not a standard one (ISO 19005-3 6.2.6)", 18)
            elif op == "gs" and operands and isinstance(operands[0], pikepdf.Name):
                gt = table("/ExtGState")
                if gt is not None:
                    self._extgstate(gt.get(operands[0]), res, where)
            elif op == "sh" and operands and isinstance(operands[0], pikepdf.Name):
                st = table("/Shading")
                if st is not None:
                    sh = st.get(operands[0])
                    if isinstance(sh, (pikepdf.Dictionary, pikepdf.Stream)):
                        self._colourspace(sh.get("/ColorSpace"), res, where)
            elif op in ("scn", "SCN") and operands and isinstance(operands[-1], pikepdf.Name):
                pt = table("/Pattern")
                if pt is not None:
                    self._pattern(pt.get(operands[-1]), res, where)
            elif op == "Do" and operands and isinstance(operands[0], pikepdf.Name):
                xt = table("/XObject")
                if xt is not None:
                    self._xobject(xt.get(operands[0]), res, where)
            elif op == "INLINE IMAGE":
                try:
                    image = operands[0]
                    cs = image.obj.get("/CS", image.obj.get("/ColorSpace"))
                    mask = image.obj.get("/IM", image.obj.get("/ImageMask"))
                    if is_true(image.obj.get("/I", image.obj.get("/Interpolate"))):
                        self._finding(R.PDFA_6_2_8_IMAGE, where, "inline image with /Interpolate true (ISO 19005-3 6.2.8)", 18)
                except (AttributeError, IndexError, ValueError):
                    continue
                if not is_true(mask):
                    self._colourspace(cs, res, where)

    def _content_data(self, target: Any, where: str) -> list[bytes | None] | None:
        """The decoded data of each content stream of ``target`` (a page: its /Contents, a form:
        itself; None in place of an entry that is not a stream); None, with a finding, when one
        cannot be decoded or is over a cap (qpdf's parser is then not run on it)."""
        obj = target.obj if isinstance(target, pikepdf.Page) else target
        contents = obj.get("/Contents") if isinstance(target, pikepdf.Page) else obj
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [] if contents is None else [contents]
        datas: list[bytes | None] = []
        for stream in streams:
            if not isinstance(stream, pikepdf.Stream):
                datas.append(None)
                continue
            try:
                datas.append(read_stream(stream, what="content stream"))
            except StreamLimit as exc:
                self._finding(exc.rule or R.FX_LIMIT_STREAM, where, exc.message, "limit")
                return None
            except PdfError as exc:
                self._finding(R.PDFA_6_2_2_CONTENT, where, f"a content stream cannot be decoded: {exc.message}", 18)
                return None
        return datas

    def _plain_content(self, target: Any, res: pikepdf.Object | None, where: str,
                       datas: list[bytes | None] | None = None) -> bool:
        """The scan of :meth:`_content` without qpdf's parser, for content in which the only
        operators :meth:`_content` acts on are ``rg RG g G k K`` (the text operators are not
        needed here: the caller checked the fonts); False when that cannot be shown, and the
        stream is then parsed by qpdf.

        Shown on each stream's decoded bytes: once the literal strings without nested parentheses,
        the hexadecimal strings and then the arrays of numbers and names only are blanked,
        nothing may be left that could make a token start or end elsewhere than at whitespace and
        ``/``, or put a word inside an array or dictionary (no parenthesis, bracket, ``<``, ``>``,
        brace, comment, ``#`` or backslash): qpdf then tokenises the stream into exactly the
        words between those delimiters, with no error to recover from, and each word that is not
        a number or a name is an operator. Finding no handled operator word other than the six
        (``cs``, ``Do``, ``BI``...) is then proof there is none. qpdf reads the streams of a
        page's /Contents array as separate token sequences; so does this (and a dictionary or
        array left open in one stream, which qpdf would carry over, is refused above).
        """
        if datas is None:
            datas = self._content_data(target, where)
        words: list[bytes] = []
        if not datas:
            return False  # no content, or it cannot be decoded: qpdf's parser says what it makes of that
        for data in datas:
            if data is None:
                return False
            # without "(" or "[" only the hexadecimal strings of _BLANKED can match
            blanked = (_BLANKED if b"(" in data or b"[" in data else _HEX_STRING).sub(b" ", data)
            if _UNSAFE.search(blanked):
                return False
            # the words: split at PDF whitespace (bytes.split() also splits at VT, refused above,
            # and not at NUL) and before each name
            words += blanked.replace(b"\x00", b" ").replace(b"/", b" /").split()
        found = _OPERATOR_SET.intersection(words)
        if not found <= _DEVICE_WORDS:
            return False
        for op in sorted(found, key=words.index):
            space = _DEVICE_OPERATORS[op.decode()]
            self._use(space, res, where)  # a second op of the same space changes nothing
        return True

    def _extgstate(self, gs: Any, res: pikepdf.Object | None, where: str) -> None:
        if not isinstance(gs, pikepdf.Dictionary):
            return
        smask = gs.get("/SMask")
        transparent = (smask is not None and smask != "/None")
        for key in ("/CA", "/ca"):
            value = gs.get(key)
            if (number(value) if value is not None else None) is not None and (number(value) or 0.0) < 1.0:
                transparent = True
        bm = gs.get("/BM")
        if bm is not None and bm not in ("/Normal", "/Compatible"):
            transparent = True
        if transparent:
            self.transparent_pages.add(self._page)
        if isinstance(smask, pikepdf.Dictionary):
            group = smask.get("/G")
            if isinstance(group, pikepdf.Stream):
                self._form(group, res, where + " soft mask")
        font = gs.get("/Font")
        if isinstance(font, pikepdf.Array) and len(font):
            rec = self._font(font[0], where)
            if rec is not None:
                rec.used = True

    def _pattern(self, pattern: Any, res: pikepdf.Object | None, where: str) -> None:
        if not isinstance(pattern, (pikepdf.Dictionary, pikepdf.Stream)):
            return
        if pattern.get("/PatternType") == 1 and isinstance(pattern, pikepdf.Stream):
            self._form(pattern, res, where + " pattern")
        else:
            sh = pattern.get("/Shading")
            if isinstance(sh, (pikepdf.Dictionary, pikepdf.Stream)):
                self._colourspace(sh.get("/ColorSpace"), res, where)
            gs = pattern.get("/ExtGState")
            if gs is not None:
                self._extgstate(gs, res, where)

    def _xobject(self, xobj: Any, res: pikepdf.Object | None, where: str) -> None:
        if not isinstance(xobj, pikepdf.Stream):
            return
        subtype = xobj.get("/Subtype")
        if subtype == "/Image":
            if not is_true(xobj.get("/ImageMask")):
                self._colourspace(xobj.get("/ColorSpace"), res, where)
            smask = xobj.get("/SMask")
            if isinstance(smask, pikepdf.Stream) or "/SMaskInData" in xobj and integer(xobj.get("/SMaskInData")):
                self.transparent_pages.add(self._page)
        elif subtype == "/Form":
            self._form(xobj, res, where)

    def _form(self, form: pikepdf.Object, parent_res: pikepdf.Object | None, where: str) -> None:
        key = form.objgen if form.objgen != (0, 0) else id(form)
        if key in self._done:
            # fonts are still counted on this page, but the stream is not scanned twice
            res = form.get("/Resources")
            fonts = res.get("/Font") if isinstance(res, pikepdf.Dictionary) else None
            if isinstance(fonts, pikepdf.Dictionary):
                for k in fonts.keys():
                    self._font(fonts.get(k), where)
            return
        self._done.add(key)
        if self._depth >= _MAX_FORM_DEPTH:
            self._finding(R.PDFA_6_2_2_CONTENT, where, f"form XObjects, patterns or glyph procedures nested more than "
                          f"{_MAX_FORM_DEPTH} deep; the deeper ones are not checked", "limit")
            return
        res = form.get("/Resources")
        if not isinstance(res, pikepdf.Dictionary):
            res = parent_res
        group = form.get("/Group")
        if isinstance(group, pikepdf.Dictionary):
            self._group(group, res, where)
        self._depth += 1
        try:
            self._content(form, res, where)
        finally:
            self._depth -= 1

    def _type3(self, font: pikepdf.Object, parent_res: pikepdf.Object | None, where: str) -> None:
        res = font.get("/Resources")
        if not isinstance(res, pikepdf.Dictionary):
            res = parent_res
        procs = font.get("/CharProcs")
        if isinstance(procs, pikepdf.Dictionary):
            for k in procs.keys():
                proc = procs.get(k)
                if isinstance(proc, pikepdf.Stream):
                    self._form(proc, res, where + f" Type3 glyph {k}")
