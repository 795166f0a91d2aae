"""Conversion between CII, UBL 2.1 and Factur-X PDF, through the model, with nothing lost silently.

``convert(data, to="ubl" | "cii" | "facturx")`` reads ``data`` (CII or UBL XML, or a Factur-X /
ZUGFeRD / XRechnung PDF, told apart by their first bytes) with
:func:`~facturx_engine.syntax.read.read_document` and writes it in the target syntax with the same
business-term table. What the source *states* is what is written:

* the totals BT-106..BT-115, the line net amounts BT-131 and the VAT breakdown BG-23 are the
  stated ones, not recomputed (when they differ from the computed ones the reading reports it as
  ``totals`` findings, kept in :attr:`Conversion.source`);
* a Factur-X rendered here (``to="facturx"`` without a page PDF) shows on its page the very
  amounts its XML states: the stated totals, line net amounts and VAT breakdown, and, when they
  differ from the computed ones, a notice on the page naming each difference and its rule; the
  two halves of the hybrid never disagree;
* BT-24 (specification identifier) is kept unless the caller asks for a ``profile``; the CII
  profile written is the one BT-24 names (``urn:factur-x.eu:1p0:basicwl`` -> BASIC WL, the older
  ZUGFeRD 2 and ZUGFeRD 1 ids too), EN 16931 for any other id. A plain CEN, XRechnung or Peppol BIS
  document stays one in the other syntax (same BT-24, judged by the same rule sets). ``to="facturx"``
  writes a Factur-X BT-24: an XRechnung, Peppol BIS or ZUGFeRD 1 id is replaced by the id of the
  Factur-X profile, and :attr:`Conversion.notes` says so (the bare EN 16931 id is kept: in a Factur-X
  PDF it names Factur-X EN 16931); an id the engine does not know is replaced in any CII, as a loss;
* the payment terms BT-20 are kept character for character, line breaks included (XRechnung's
  ``#SKONTO#`` lines); the first payment-terms text of the source is BT-20 (CII: the first
  ``ram:SpecifiedTradePaymentTerms/ram:Description``; UBL: the first ``cac:PaymentTerms/cbc:Note``), any
  other one is a loss (the model holds one);
* a UBL ``CreditNote`` becomes a CII 381 (and back): the document kind never changes.

Losses are measured, not guessed: every business-term value of the source (read through the
table, :func:`~facturx_engine.syntax.read.term_values`) is looked for in the output, and each one
missing is listed in :attr:`Conversion.lost`, with the source content the model does not hold
(``not-read`` / ``not-representable`` findings: EXTENDED-only elements, a second value where the
model has one ...) and, for a PDF source, the other embedded files. ``strict=True`` turns any loss
into :class:`~facturx_engine.errors.ProfileError` (and nothing is returned); otherwise a
:class:`~facturx_engine.syntax.cii.ProfileWarning` says how much was lost.

The output is validated (XSD + Schematron, :func:`~facturx_engine.validation.core.validate`) unless
``validate=False``, with the rule sets ``validate()`` chooses for it from its BT-24 (a standalone
CII or UBL as such; ``factur_x=True`` only for the XML of a Factur-X PDF); :attr:`Conversion.report`
holds the result. A Factur-X PDF can only carry a valid XML: ``to="facturx"`` raises
:class:`~facturx_engine.errors.ValidationFailed` otherwise.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from facturx_engine import ruleids as R
from facturx_engine.pdf.read import pdf_invoice
from facturx_engine.syntax.read import ReadResult, TermValue, read_document, replace_read, term_values
from facturx_engine.syntax.cii import ProfileWarning
from facturx_engine.model import specs
from facturx_engine.model.codes import RULE_SETS, Profile, VatCategory, known_guideline
from facturx_engine.model.compute import CHECKED_TOTALS
from facturx_engine.errors import InputError, PdfError, ProfileError, ValidationFailed
from facturx_engine.findings import Finding
from facturx_engine.i18n import label
from facturx_engine.model.records import CreditNote
from facturx_engine.pdf.render.template import Template  # light: no reportlab until a page is drawn
from facturx_engine.validation.findings import Report  # light: no Saxon until a document is checked

__all__ = ["LOST_RULE", "TARGETS", "Conversion", "compare_terms", "convert", "profile_of_guideline"]

TARGETS = ("cii", "ubl", "facturx")
LOST_RULE = R.FXE_NOT_CARRIED
"""A value or piece of content of the source that the converted document does not carry."""


@dataclass(frozen=True, slots=True)
class Conversion:
    """The converted document and what the conversion found.

    ``data``: the bytes written (XML, or the PDF for ``facturx``); ``target``: ``cii``, ``ubl`` or
    ``facturx``; ``profile``: the Factur-X profile of the CII written (None for UBL); ``source``:
    the reading of the input (document, findings, stated totals); ``lost``: one finding per value or
    piece of content the output does not carry (``str()`` of each is one line: a reading's finding, or
    one of kind ``lost``, rule :data:`LOST_RULE`, naming the business term); ``report``: the validation of the XML written
    (None with ``validate=False``); ``total`` / ``preserved``: the business-term values of the
    source, and how many of them the output carries; ``notes``: what changed or what the output
    carries but its rules refuse (BT-24 replaced for Factur-X; a code outside the Factur-X lists in a CII
    judged by Factur-X rules: the validation report says it too).
    """

    data: bytes
    target: str
    profile: Profile | None
    source: ReadResult
    lost: tuple[Finding, ...]
    report: Report | None
    total: int
    preserved: int
    notes: tuple[str, ...] = ()

    def __bytes__(self) -> bytes:
        return self.data


def profile_of_guideline(guideline: str | None) -> Profile | None:
    """The Factur-X profile a BT-24 value names (Factur-X 1.0, ZUGFeRD 2.x and 1.0 ids; XRechnung -> EN 16931)."""
    known = known_guideline(guideline)
    return None if known is None else known.profile


_ZERO_WHEN_ABSENT = frozenset({"BT-107", "BT-108", "BT-113", "BT-114"})
"""Amounts EN 16931 counts as 0 when absent (BR-CO-11, BR-CO-12, BR-CO-16): a stated 0 the output omits is kept."""


def compare_terms(source: Iterable[TermValue], target: Iterable[TermValue]) -> tuple[int, list[TermValue]]:
    """``(total, missing)``: the distinct business-term values of ``source`` and those ``target`` lacks.

    A value is preserved when the same term carries the same (normalized) value in the target,
    within the same invoice line for line-level terms; a stated 0 for BT-107, BT-108, BT-113 or
    BT-114 is preserved by an output without that term (EN 16931 counts it as 0).
    """
    target = list(target)
    have = {(v.term, v.line, v.value) for v in target}
    terms = {v.term for v in target}
    seen: set[tuple[str, int | None, str]] = set()
    missing = []
    for v in source:
        key = (v.term, v.line, v.value)
        if key in seen:
            continue
        seen.add(key)
        if key not in have and not (v.term in _ZERO_WHEN_ABSENT and v.value == "0" and v.term not in terms):
            missing.append(v)
    return len(seen), missing


def _is_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:1024]


def _category(code: Any) -> VatCategory:
    from facturx_engine.model.records import unlisted_category

    try:
        return VatCategory(code)
    except ValueError:
        return unlisted_category(str(code))


def _stated_context(doc: Any, syntax: str, guideline: str, source: ReadResult) -> Any:
    """The writers' context with the stated totals, line net amounts and VAT breakdown in place of the computed ones."""
    from facturx_engine.syntax.context import WriteContext
    from facturx_engine.model.compute import VatBreakdown
    from facturx_engine.syntax.terms import LineItem

    wctx = WriteContext(doc, syntax, guideline)
    stated = source.stated_totals
    changes: dict[str, Any] = {t.attribute: stated[t.bt] for t in CHECKED_TOTALS if t.bt in stated}
    breakdown = stated.get("BG-23", ())
    if breakdown and all(b[2] is not None and b[3] is not None for b in breakdown):
        changes["vat_breakdown"] = tuple(VatBreakdown(_category(c), rate, basis, tax, reason, code)
                                         for c, rate, basis, tax, reason, code in breakdown)
    wctx.totals = dataclasses.replace(wctx.totals, **changes)
    if doc.delivery is not None and doc.delivery.address is not None:
        wctx.delivery_address = doc.delivery.address  # as stated, even when it repeats the buyer's
    wctx.line_items = tuple(
        item if net is None else LineItem(item.line, dataclasses.replace(item.amounts, net_amount=net))
        for item, net in zip(wctx.line_items, source.stated_line_amounts))
    return wctx


def _write(doc: Any, target: str, profile: Profile | None, source: ReadResult) -> bytes:
    """The XML of ``doc`` with the stated figures (what the target cannot carry is found by comparing terms)."""
    from facturx_engine.syntax.engine import serialize

    if target == "ubl":
        from facturx_engine.syntax.ubl import UBL_CREDIT_NOTE, UBL_GUIDELINE, UBL_INVOICE, namespaces

        syntax = UBL_CREDIT_NOTE if isinstance(doc, CreditNote) else UBL_INVOICE
        wctx = _stated_context(doc, syntax.name, doc.specification_id or UBL_GUIDELINE, source)
        return serialize(syntax, None, wctx, namespaces(syntax.root_tag))[0]
    from facturx_engine.syntax.cii import CII, NAMESPACES

    assert profile is not None
    wctx = _stated_context(doc, "cii", doc.specification_id or profile.guideline, source)
    return serialize(CII, profile, wctx, NAMESPACES)[0]


def _fit_cii(doc: Any, asked: bool, profile: Profile) -> tuple[Any, list[Finding]]:
    """What CII cannot carry although UBL can: left out of the CII, each with the reason."""
    notes: list[Finding] = []
    changes: dict[str, Any] = {}
    if not asked and doc.specification_id is not None and profile_of_guideline(doc.specification_id) is None:
        notes.append(_lost(f"BT-24 {doc.specification_id!r} is not a specification identifier the engine knows: a "
                           "CII stating it is judged as Factur-X EN 16931, whose rules refuse it (FX-SCH-A-000556); "
                           f"{profile.guideline!r} is written instead", "BT-24"))
        changes["specification_id"] = None
    if doc.tax_currency is not None and doc.tax_currency == doc.currency:
        notes.append(_lost(f"BT-6 {doc.tax_currency!r} equals the invoice currency BT-5: CII cannot state such a "
                           "VAT accounting currency (BR-53), it is left out", "BT-6"))
        changes["tax_currency"] = None
    if any(ln.price_discount is not None and ln.gross_price is None for ln in doc.lines):
        changes["lines"] = tuple(replace_read(ln, price_discount=None) if ln.gross_price is None else ln
                                 for ln in doc.lines)
        notes += [_lost(f"line {ln.id!r}: BT-147 price discount {ln.price_discount} without the gross price BT-148: "
                        "the CII gross price needs its amount, the discount is left out", "BT-147")
                  for ln in doc.lines if ln.price_discount is not None and ln.gross_price is None]
    return (replace_read(doc, **changes) if changes else doc), notes


_FACTUR_X_RULES = frozenset(r.key for r in RULE_SETS if r.profile)
"""The rule sets of the Factur-X profiles (their code lists are narrower than EN 16931's)."""


def _factur_x_judged(spec_id: str | None, factur_x: bool) -> bool:
    """Whether a CII stating BT-24 ``spec_id`` is judged by Factur-X rules, as
    :func:`~facturx_engine.validation.core.validate` chooses them (``factur_x``: the XML of a Factur-X PDF)."""
    known = known_guideline(spec_id)
    if known is None or known.rules is None:
        return True  # an id that chooses no rule set: judged as Factur-X EN 16931
    return (known.pdf_rules if factur_x and known.pdf_rules else known.rules) in _FACTUR_X_RULES


def _facturx_guideline(doc: Any, profile: Profile) -> tuple[Any, list[str]]:
    """The document with the BT-24 a Factur-X PDF carries, and what was changed: an id of another
    specification (XRechnung, Peppol BIS, ZUGFeRD 1) is replaced by the Factur-X profile's; the bare EN 16931
    id is kept but names the Factur-X EN 16931 profile there."""
    spec = doc.specification_id
    known = known_guideline(spec)
    if spec is None or known is None:  # nothing stated, or an unknown id (replaced and reported by _fit_cii)
        return doc, []
    if known.cius is None:
        if known.rules not in _FACTUR_X_RULES:  # the bare EN 16931 id
            return doc, [f"BT-24 {spec!r} is kept: in a Factur-X PDF it names the Factur-X {profile.value} profile, "
                         f"and the XML is judged by the Factur-X {profile.value} rules (standalone, by the CEN "
                         "EN 16931 rules)"]
        return doc, []
    written = profile.guideline
    return replace_read(doc, specification_id=written), [
        f"BT-24 {spec!r} ({known.cius}) was replaced by {written!r} (Factur-X {profile.value}) for Factur-X: the "
        f"XML of the PDF is judged by the Factur-X {profile.value} rules, no longer by those of {known.cius}"]


def _code_list_notes(doc: Any) -> list[str]:
    """Codes EN 16931 (UBL) allows but the Factur-X code lists do not: written, but the CII will not validate."""
    from facturx_engine.model.codes import code_set

    vats = [ln.vat for ln in doc.lines] + [ac.vat for ac in doc.allowances_charges if ac.vat is not None]
    notes = [f"VAT category {c!r} (BT-151/BT-118) is not in the Factur-X code list: the CII states it but does not "
             "validate" for c in sorted({str(v.category.value) for v in vats} - code_set("vat_category"))]
    codes = {v.exemption_code for v in vats if v.exemption_code}
    notes += [f"VAT exemption reason code {c!r} (BT-121) is not in the Factur-X code list: the CII states it but "
              "does not validate" for c in sorted(codes - code_set("vatex"))]
    return notes


def _target_profile(target: str, profile: Profile | str | None, guideline: str | None) -> Profile | None:
    if profile is not None:
        try:
            chosen = Profile.parse(profile) if isinstance(profile, str) else Profile(profile)
        except ValueError as exc:
            raise ProfileError(str(exc)) from None
        if target == "ubl" and chosen is not Profile.EN16931:
            raise ProfileError(f"profile {chosen.value} is a Factur-X (CII) profile; UBL 2.1 is always EN 16931")
        return None if target == "ubl" else chosen
    if target == "ubl":
        return None
    return profile_of_guideline(guideline) or Profile.EN16931


def _for_spec(doc: Any, spec: str, to: str, source: ReadResult) -> tuple[Any, Profile | None, list[str]]:
    """With ``spec`` (a target specification of :mod:`facturx_engine.model.specs`): the document with its BT-24
    (and BT-23 when it states none), the Factur-X profile of its CII and what the notes say; a document lacking
    what the spec requires is refused (:class:`ModelError` naming each term, field and rule)."""
    target = specs.spec(spec)
    checked = specs.check(target, replace_read(doc, specification_id=target.guideline),
                          "ubl" if to == "ubl" else "cii")
    notes = [] if source.guideline == target.guideline else [
        f"BT-24 {source.guideline!r} was replaced by {target.guideline!r}: the output is written for {target.title}"
        " (spec=) and judged by its rule sets"]
    return checked, None if to == "ubl" else target.profile, notes


def convert(data: bytes, to: str = "ubl", *, profile: Profile | str | None = None, strict: bool = False,
            validate: bool = True, template: Template | None = None, pdf: bytes | None = None,
            deterministic: bool = False, spec: str | None = None) -> Conversion:
    """Convert a CII or UBL invoice, or a Factur-X PDF, to ``to`` (``"cii"``, ``"ubl"`` or ``"facturx"``).

    ``profile`` asks for another Factur-X profile (and its BT-24); by default BT-24 is kept (``facturx``: made a
    Factur-X one, said in ``notes``). ``spec`` writes the output for a target specification instead (``cen``,
    a Factur-X profile name, ``extended-ctc-fr``, ``xrechnung``, ``peppol``: :mod:`facturx_engine.model.specs`):
    its BT-24 and BT-23, after checking what it requires beyond EN 16931 (refused with a :class:`ModelError`
    naming each missing business term, field and rule).
    ``strict=True`` raises :class:`ProfileError` when the output would not carry everything the
    source holds. For ``facturx``: the XML is embedded into ``pdf`` if given, else into the source's
    own pages (a PDF source), else into the invoice rendered with ``template``; ``deterministic``
    gives the same bytes for the same input. See the module docstring.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InputError(f"convert() expects the XML or PDF as bytes, got {type(data).__name__}")
    data = bytes(data)
    if to not in TARGETS:
        raise InputError(f"unknown target {to!r}: expected one of {', '.join(TARGETS)}")
    attachments: dict[str, str] = {}  # the source PDF's other embedded files: name -> size
    if _is_pdf(data):
        from facturx_engine.pdf.extract import other_files

        xml = pdf_invoice(data)
        attachments = other_files(data, xml)
    else:
        xml = data
    source = read_document(xml)
    if spec is not None and profile is not None:
        raise InputError("convert() takes profile= or spec=, not both: a specification names its profile")
    chosen = _target_profile(to, profile, source.guideline)
    doc = replace_read(source.document, specification_id=None if profile is not None else source.guideline)
    fitted: list[Finding] = []
    switched: list[str] = []
    asked = profile is not None or spec is not None
    if spec is not None:
        doc, chosen, switched = _for_spec(doc, spec, to, source)
    if to != "ubl":
        assert chosen is not None
        doc, fitted = _fit_cii(doc, asked, chosen)
        if to == "facturx" and spec is None:  # a Factur-X PDF carries a Factur-X BT-24: what --to facturx asks for
            kept = doc.specification_id
            doc, switched = _facturx_guideline(doc, chosen)
            asked = asked or doc.specification_id != kept
    out = _write(doc, "ubl" if to == "ubl" else "cii", chosen, source)
    values = [v for v in term_values(xml) if not (asked and v.term == "BT-24")]  # asked for
    total, missing = compare_terms(values, term_values(out))
    lost = fitted + [_missing(v) for v in missing] + list(source.lost)
    if to != "facturx" or not _is_pdf(data):  # a Factur-X made of the source PDF keeps its attachments
        lost += [_lost(f"embedded file {name!r} ({size}) is not carried") for name, size in attachments.items()]
    if strict and lost:
        lines = [str(item) for item in lost]
        raise ProfileError(f"the {to} output would not carry {len(lost)} item(s) of the source: " + "; ".join(lines[:5])
                           + ("; ..." if len(lost) > 5 else ""), dropped=tuple(lines))
    report = None
    if validate or to == "facturx":
        from facturx_engine.validation.core import validate as run_validation

        report = run_validation(out, factur_x=to == "facturx")  # the rule sets validate() chooses for the output
    written = doc.specification_id or (chosen.guideline if chosen is not None else None)  # the BT-24 of the output
    notes = switched + _notes(doc, to, source, _is_pdf(data), written)
    if to == "facturx":
        pages = pdf if pdf is not None else data if _is_pdf(data) else None
        out = _facturx(doc, out, pages, chosen, report, template, deterministic, source, notes)
    if lost:
        warnings.warn(f"{to} output: {len(lost)} item(s) of the source not carried (Conversion.lost lists them)",
                      ProfileWarning, stacklevel=2)
    return Conversion(out, to, chosen, source, tuple(lost), report, total, total - len(missing), tuple(notes))


def _lost(message: str, *terms: str) -> Finding:
    """A loss of the conversion: its text is the message alone."""
    return Finding(LOST_RULE, "warning", "", message, terms, "facturx_engine", kind="lost")


def _missing(value: TermValue) -> Finding:
    line = "" if value.line is None else f" (line {value.line + 1})"
    return _lost(f"{value.term} {value.value[:60]!r}{line} is not in the output", value.term)


def _notes(doc: Any, to: str, source: ReadResult, from_pdf: bool, written: str | None) -> list[str]:
    """What the output carries but its rules refuse (the Factur-X code lists, where they judge it), or shows
    otherwise."""
    judged = to != "ubl" and _factur_x_judged(written, to == "facturx")
    notes = _code_list_notes(doc) if judged else []
    if to == "ubl" and not doc.lines:
        notes.append("BG-25: UBL 2.1 needs at least one invoice line and the source has none (a Factur-X MINIMUM or "
                     "BASIC WL invoice): the UBL does not validate")
    if to == "facturx" and not from_pdf and any(f.kind == "totals" for f in source.findings):
        notes.append("the visual invoice shows the amounts the source states, as the XML does, with a note listing "
                     "where they differ from the amounts computed from its lines")
    return notes


def _shown(doc: Any, profile: Profile, source: ReadResult, lang: str = "fr") -> tuple[Any, str | None]:
    """What the rendered page shows: the amounts the CII written states (the stated totals, line
    net amounts and VAT breakdown of :func:`_stated_context`, the others as computed, exactly as
    the writer takes them), and a notice naming every stated amount that differs from the computed
    one (None when none does)."""
    wctx = _stated_context(doc, "cii", doc.specification_id or profile.guideline, source)
    shown = dataclasses.replace(wctx.totals, lines=tuple(item.amounts for item in wctx.line_items))
    differ = [f for f in source.findings if f.kind == "totals" and f.stated is not None]
    if not differ:
        return shown, None
    parts = [f"{f.message} [{f.rule}]" for f in differ]
    details = "; ".join(parts[:20]) + ("; ..." if len(parts) > 20 else "")
    return shown, label("stated_notice", lang).format(details)


def _facturx(doc: Any, xml: bytes, pdf: bytes | None, profile: Profile | None, report: Any, template: Any,
             deterministic: bool, source: ReadResult, notes: list[str]) -> bytes:
    """The PDF/A-3B of a validated CII: the source PDF's pages, else the invoice rendered with the
    amounts the CII states (see :func:`_shown`), so that the page and the XML say the same."""
    from facturx_engine.pdf.embed import embed

    if not report.valid:
        why = "".join(f"; {note}" for note in notes)
        raise ValidationFailed(f"the CII written is invalid ({len(report.errors)} fatal finding(s)); a Factur-X PDF "
                               f"cannot carry it{why}", report=report, notes=tuple(notes))
    if pdf is None:
        from facturx_engine.pdf.render.layout import render

        if doc.seller.address is None or doc.buyer.address is None:
            raise PdfError("the invoice states no postal address for the seller or the buyer (a Factur-X MINIMUM "
                           "invoice): no visual invoice can be rendered for it; give the PDF to embed it into",
                           bt="BG-5/BG-8")
        assert profile is not None
        totals, notice = _shown(doc, profile, source, getattr(template, "lang", "fr"))
        pdf = render(doc, template, totals=totals, notice=notice)
    named = known_guideline(doc.specification_id or (profile.guideline if profile else None))
    return embed(pdf, xml, profile=None if named else profile, validate_xml=False, deterministic=deterministic)
