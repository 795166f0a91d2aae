"""Build the :class:`~facturx_engine.apps.view.model.View` of any invoice or credit note the engine reads:
CII, UBL Invoice or CreditNote (XRechnung and Peppol included), or a Factur-X / ZUGFeRD PDF.

* **Content**: every business-term value the reader finds
  (:func:`~facturx_engine.syntax.read.placed_values`), placed in sections by :mod:`.layout` and written for
  the view's language by :mod:`.values`; the stated totals as stated.
* **Attachments**: the documents BG-24 carries (BT-125, decoded) and, for a PDF, every embedded file but
  the invoice XML (:func:`~facturx_engine.pdf.extract.embedded_files`), each with its bytes.
* **Findings**: with ``validate=True``, the verdict, the rule sets applied (name, version, why) and the
  findings of the check ``facturx-engine validate`` runs (:func:`~facturx_engine.apps.batch.check_file`: XSD
  and Schematron of every rule set the document claims, and the PDF checks); then what reading the document
  into the model found (:func:`~facturx_engine.syntax.read.read_document`: stated totals that differ,
  content not read, model rules broken). A document that fails validation is still shown; one whose values
  cannot be read into business terms at all (a malformed number or date ...) too: its content as written
  (every element and attribute with its path and text, :func:`as_written`), the reason as a fatal finding.

Input that is not an invoice raises the engine's error (:class:`~facturx_engine.errors.ParseError`, or
:class:`~facturx_engine.errors.PdfError` for a PDF without invoice XML), as every command does.
"""

from __future__ import annotations

import base64
import binascii

from facturx_engine import ruleids as R
from facturx_engine.apps.view.layout import sections
from lxml import etree

from facturx_engine.apps.view.model import Attachment, Field, Section, View
from facturx_engine.apps.view.values import Shown
from facturx_engine.errors import ParseError
from facturx_engine.findings import Finding
from facturx_engine.i18n import label
from facturx_engine.model.codes import CREDIT_NOTE_TYPES
from facturx_engine.syntax.parse import detect_syntax, parse_xml
from facturx_engine.syntax.read import PlacedValue, placed_values, read_document

__all__ = ["as_written", "attachments_of", "build_view"]

_SYNTAX_NAMES = {"cii": "CII", "ubl": "UBL Invoice", "ubl-cn": "UBL CreditNote"}


def build_view(data: bytes, *, name: str = "", lang: str = "en", ids: bool = False, validate: bool = True) -> View:
    """The view of the invoice or credit note ``data`` (XML or PDF bytes) in ``lang`` (``fr``, ``en``,
    ``de``); ``name``: the file name shown; ``ids``: labels show their business-term id; ``validate``:
    run the validation and show its verdict and findings."""
    label("view.valid", lang)  # an unknown language is refused (InputError) before any work
    pdf = b"%PDF-" in data[:1024]
    files: list[Attachment] = []
    if pdf:
        from facturx_engine.pdf.extract import embedded_files, extract

        xml, _level = extract(data)
        files = [Attachment(f.name, f.mime, len(f.data or b""), f.description, f.data, f.note, "pdf")
                 for f in embedded_files(data)]
    else:
        xml = data
    root = parse_xml(xml)
    syntax = detect_syntax(root)
    try:
        values, content = placed_values(xml), None
    except ParseError:  # why is the fatal finding of _reading: the content is shown as written
        values, content = [], (as_written(root, lang),)
    reading = _reading(xml)
    shown = Shown(lang, _first(values, "BT-5"), _first(values, "BT-6"))
    valid, rule_sets, checked = _validation(data, name) if validate else (None, (), ())
    type_code = _first(values, "BT-3") or ""
    credit = syntax == "ubl-cn" or type_code in CREDIT_NOTE_TYPES
    kind = label("view.title.credit_note" if credit else "view.title.invoice", lang)
    title = f"{kind} {_first(values, 'BT-1') or ''}"
    syntax_name = _SYNTAX_NAMES.get(syntax, syntax)
    return View(lang=lang, title=title.strip(), source=name,
                syntax=f"Factur-X PDF ({syntax_name})" if pdf else syntax_name,
                specification=_first(values, "BT-24") or "", valid=valid, rule_sets=rule_sets,
                findings=(*checked, *reading), sections=content or sections(values, shown),
                attachments=(*attachments_of(values), *files), show_ids=ids,
                checked=not validate or valid is not None)


def as_written(root: etree._Element, lang: str) -> Section:
    """Every element with text and every attribute of a document, with its path, as written (nothing
    normalised): the view of a document the reader cannot turn into business terms."""
    tree = root.getroottree()
    fields = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        path = tree.getpath(el)
        text = (el.text or "").strip() if len(el) == 0 else ""
        if text:
            fields.append(Field("", path, text, text))
        fields += [Field("", f"{path}/@{etree.QName(k).localname}", str(v), str(v)) for k, v in el.attrib.items()]
    return Section("as-written", label("view.as_written", lang), "", tuple(fields))


def _first(values: list[PlacedValue], term: str) -> str | None:
    return next((v.value for v in values if v.term == term and v.line is None), None)


def _reading(xml: bytes) -> tuple[Finding, ...]:
    """What reading the document into the model reports; a document the model cannot hold at all (no
    seller, no number ...) is still shown: why it cannot be read becomes a fatal finding."""
    try:
        return read_document(xml).findings
    except ParseError as exc:
        return (Finding(exc.rule or R.FXE_PARSE, "fatal", exc.location or "", exc.message,
                        (exc.bt,) if exc.bt else (), "facturx_engine", kind="model"),)


def _validation(data: bytes, name: str) -> tuple[bool | None, tuple[str, ...], tuple[Finding, ...]]:
    """The verdict (None when the check could not run: an artefact missing or altered, a file too large, a
    crash; its finding says why), the rule sets applied (each with its version and why) and the findings of the
    check ``facturx-engine validate`` runs on ``data``."""
    from facturx_engine.apps.batch import check_file

    result = check_file(name or "document", data=data, max_bytes=max(len(data), 1))
    verdict = None if result.io_error else result.valid
    return verdict, tuple(str(use) for use in result.rule_sets), result.findings


def attachments_of(values: list[PlacedValue]) -> tuple[Attachment, ...]:
    """The documents BG-24 carries itself (BT-125): name (BT-125-2, else the reference BT-122), MIME type
    (BT-125-1), description (BT-123) and bytes."""
    items: dict[int, dict[str, str]] = {}
    for v in values:
        if v.group == "BG-24":
            items.setdefault(v.item, {}).setdefault(v.term, v.value)
    out = []
    for n, item in enumerate(items.values(), 1):
        if "BT-125" not in item:
            continue
        try:
            data = base64.b64decode(item["BT-125"], validate=True)
        except (binascii.Error, ValueError):  # the reader reports it and records no value: not reached
            continue
        out.append(Attachment(item.get("BT-125-2") or item.get("BT-122") or f"attachment-{n}",
                              item.get("BT-125-1", ""), len(data), item.get("BT-123", ""), data, origin="BG-24"))
    return tuple(out)
