"""The table-driven XML reader: CII and UBL back into the domain model.

The reader walks the same business-term table as the writers (:mod:`facturx_engine.syntax.terms`), in
reverse, and puts each value it reads where the model holds it: a row's getter says which attribute of
the writers' objects the value was written from (``line.name`` of a line item, ``doc.seller.address.city``
of the write context), and :mod:`facturx_engine.syntax.places` says where that attribute lives in the model (rows whose getters
are lambdas, and repeating groups, have explicit places there). What the walk builds is therefore
model-shaped: dicts keyed by the field names of the model records. The rows of each context are
compiled once into a tree of element positions (:mod:`facturx_engine.syntax.plan`), and one walk of the
document in document order reads them all (:mod:`facturx_engine.syntax.walk`): each element is looked up
by tag among the positions it can stand at (keyed sibling instances ``a:B#k`` told apart by their test),
so nothing is searched twice. The items of a repeating group (invoice lines above all) mostly share a
few shapes: the position of each element of an item is compiled once per shape into generated Python
(:mod:`facturx_engine.syntax.flatpass`) that checks an item has that shape and then reads it in one flat
pass, element by element exactly as the walk reads it; the other elements are read by the same code,
compiled per position. ``tests/test_read.py`` proves that the compiled reads give what the general walk
gives.

A small step (:func:`~facturx_engine.syntax.assemble.finish`) then keeps what the model holds once (one
payee identifier, one payment means, one unit per line), reporting the rest, and sets the stated values
apart; :func:`~facturx_engine.syntax.assemble.build` makes the model records. Totals are never read into the
model (they are computed): the stated totals BT-106..BT-112, BT-115, the line net amounts BT-131
and the BG-23 breakdown are kept in :class:`ReadResult` and compared with the computed ones
(:mod:`facturx_engine.syntax.stated`), one :class:`~facturx_engine.findings.Finding` per difference
(BR-CO-10..17). Stated BT-113 (paid) and BT-114 (rounding) are input data and go into the model.

**A received document is read as it is, never "fixed".** Every finding names its rule, business
term and location, in four kinds:

* ``totals`` -- a stated total differs from the one computed from the lines (both values kept);
* ``model`` -- the document breaks a rule the model enforces on the documents it *builds* (an
  invalid BIC, a price discount without gross price, BT-6 equal to BT-5, repeated line ids ...):
  the document is built in the model's reading mode (:func:`~facturx_engine.model.records.collect_breaches`),
  the value is kept as stated and the breach becomes the finding (``strict=True`` raises instead);
* ``not-read`` (rule ``FXE-NOT-READ``) -- an element or attribute of the XML that no row of the
  table reads (an EXTENDED-only element, a constant of the syntax with another value ...): the
  walk reports every element no rule position matches, and every text or attribute of a matched
  element that no rule takes (currency and date-format attributes aside);
* ``not-representable`` (rule ``FXE-NOT-REPRESENTABLE``) -- a value that was read but that the
  model has no place for (a scheme without its identifier, a second, different value for a term
  the model holds once, a price base quantity in another unit ...): reported with the value,
  never dropped without a word.

Parsing is hardened (:mod:`facturx_engine.syntax.parse`): no entity resolution, no network, no DTD
loading, no huge text nodes or deep trees, at most :data:`~facturx_engine.syntax.limits.MAX_XML_BYTES`,
and any DOCTYPE is refused (:class:`~facturx_engine.errors.ParseError`). Reading a PDF is the pdf
stage's (:mod:`facturx_engine.pdf.read`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from facturx_engine import ruleids as R
from facturx_engine.errors import ModelError, ParseError
from facturx_engine.model.codes import CREDIT_NOTE_TYPES
from facturx_engine.model.fr import legal_notes
from facturx_engine.model.records import CreditNote, Invoice, collect_breaches
from facturx_engine.syntax.assemble import build, finish
from facturx_engine.findings import Finding
from facturx_engine.syntax.findings import read_finding
from facturx_engine.syntax.parse import detect_syntax, parse_xml
from facturx_engine.syntax.stated import check_totals
from facturx_engine.syntax.walk import Reader

__all__ = ["PlacedValue", "ReadResult", "TermValue", "from_cii", "from_ubl", "from_xml", "placed_values",
           "read_document", "replace_read", "term_values"]


@dataclass(frozen=True, slots=True)
class ReadResult:
    """What :func:`read_document` found: the document, the findings, the stated totals (BT id ->
    Decimal; the BG-23 breakdown under ``"BG-23"`` as ``(category, rate, BT-116, BT-117, BT-120,
    BT-121)`` tuples), the stated line net amounts BT-131 (None where absent), the syntax
    (``cii``, ``ubl``, ``ubl-cn``) and the specification identifier BT-24."""

    document: Invoice | CreditNote
    findings: tuple[Finding, ...]
    stated_totals: dict[str, Any]
    syntax: str
    guideline: str | None
    stated_line_amounts: tuple[Decimal | None, ...] = ()

    @property
    def lost(self) -> tuple[Finding, ...]:
        """The findings about source content the model does not hold (not read, not representable)."""
        return tuple(f for f in self.findings if f.kind in ("not-read", "not-representable"))

    @property
    def breaches(self) -> tuple[Finding, ...]:
        """The model rules the document breaks (its values are kept as stated)."""
        return tuple(f for f in self.findings if f.kind == "model")


@dataclass(frozen=True, slots=True)
class TermValue:
    """One business-term value of an XML document, normalized so that CII and UBL compare equal:
    dates ISO, numbers without trailing zeros, text stripped (but the payment terms BT-20, kept as
    written: :data:`~facturx_engine.syntax.places.VERBATIM`). ``line`` is the 0-based index of
    the invoice line (BG-25) it belongs to, None at document level."""

    term: str
    line: int | None
    value: str


@dataclass(frozen=True, slots=True)
class PlacedValue:
    """A :class:`TermValue` with the item of the repeating group it belongs to: ``group`` is the context
    of the table row that read it (``DOC`` for the document itself, ``BG-20``, ``BG-23``, ``PAY`` for a
    payment instruction, ``doc_seller:gid`` for one seller identifier ...), ``item`` numbers the items of
    every group together, in reading order (0 for ``DOC``): the values of one allowance, one VAT
    breakdown, one payment instruction share their ``(group, item)``."""

    term: str
    line: int | None
    value: str
    group: str
    item: int


def _walk(xml: bytes, record: bool = False) -> Reader:
    root = parse_xml(xml)
    reader = Reader(detect_syntax(root), record)
    reader.read(root)
    return reader


def _breach(exc: ModelError) -> Finding:
    return read_finding(exc.rule or R.FXE_MODEL, exc.bt, exc.message, exc.field, kind="model")


def read_document(xml: bytes, *, strict: bool = False) -> ReadResult:
    """Read a CII or UBL invoice or credit note into the model; report what it states differently.

    Every business term the table knows is read; totals are compared (``totals`` findings), model
    rules the document breaks are collected with its values kept (``model`` findings; with
    ``strict=True`` the first one raises :class:`ModelError` instead), and XML content the model
    does not hold is reported (``not-read`` / ``not-representable``). Raises :class:`ParseError`
    for input that is not a well-formed CII/UBL invoice or that lacks what any document needs
    (number, date, seller, buyer, line VAT ...).
    """
    reader = _walk(xml)
    found: list[Finding] = list(reader.findings)
    data = reader.data
    stated = finish(data, reader.syntax, found)
    credit = reader.syntax == "ubl-cn" or (reader.syntax == "cii" and data.get("type_code") in CREDIT_NOTE_TYPES)
    cls = CreditNote if credit else Invoice  # the UBL root tells: a CreditNote stays a credit note whatever its code
    try:
        if strict:
            doc, breaches = build(cls, data, found), []
        else:
            with collect_breaches() as breaches:
                doc = build(cls, data, found)
    except ModelError as exc:
        if strict:
            raise
        raise ParseError(f"the document cannot be read into the model: {exc.message}", field=exc.field, bt=exc.bt,
                         rule=exc.rule) from None
    if legal_notes(doc) != doc.notes:
        # the XML says which notes there are: never let a re-write add the French mentions
        doc = replace_read(doc, late_payment_mentions=False)
    totals, flat = check_totals(doc, stated)
    findings = totals + [_breach(b) for b in breaches] + found
    lines = tuple(n if n is None or n.__class__ is Decimal else Decimal(n) for n in stated["lines"])
    return ReadResult(doc, tuple(findings), flat, reader.syntax, stated["guideline"], lines)


def replace_read(doc: Any, **changes: Any) -> Any:
    """``dataclasses.replace`` for a document read: the model rules it breaks were reported when it
    was read (they are collected again here, and dropped, instead of raising)."""
    with collect_breaches():
        return replace(doc, **changes)


def term_values(xml: bytes) -> list[TermValue]:
    """Every business-term value of a CII or UBL document, read through the term table (the same walk
    as :func:`read_document`), normalized so that the two syntaxes compare equal."""
    return [TermValue(v.term, v.line, v.value) for v in placed_values(xml)]


def placed_values(xml: bytes) -> list[PlacedValue]:
    """:func:`term_values`, each with the repeating-group item it belongs to (:class:`PlacedValue`)."""
    reader = _walk(xml, record=True)
    values = [PlacedValue(*v) for v in reader.values or ()]
    if reader.syntax != "cii" and any(v.term == "BT-14" for v in values):  # UBL's placeholder for BT-13
        values = [v for v in values if not (v.term == "BT-13" and v.value == "NA")]
    return values


def from_xml(xml: bytes) -> Invoice | CreditNote:
    """An invoice or credit note from CII or UBL XML bytes (the syntax is told by the root).

    The document as it is stated: use :func:`read_document` for the findings (totals that differ,
    rules it breaks, content the model does not hold)."""
    return read_document(xml).document


def from_cii(xml: bytes) -> Invoice | CreditNote:
    """The Invoice or CreditNote of CII XML bytes (read by the term table, as :func:`read_document`;
    ParseError for UBL). Stated totals are not read but checked: see :func:`read_document`."""
    return _read_syntax(xml, ("cii",))


def from_ubl(xml: bytes) -> Invoice | CreditNote:
    """The Invoice or CreditNote of UBL 2.1 XML bytes (read by the term table, as :func:`read_document`;
    ParseError for CII). Stated totals are not read but checked: see :func:`read_document`."""
    return _read_syntax(xml, ("ubl", "ubl-cn"))


def _read_syntax(xml: bytes, expected: tuple[str, ...]) -> Invoice | CreditNote:
    root_syntax = detect_syntax(parse_xml(xml))
    if root_syntax not in expected:
        raise ParseError(f"expected {' or '.join(expected)} XML, got {root_syntax}")
    return read_document(xml).document
