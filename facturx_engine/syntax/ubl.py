"""OASIS UBL 2.1 Invoice / CreditNote writer (EN 16931 binding), driven by the business-term table.

The root is chosen from BT-3: credit-note type codes give a ``CreditNote`` (with
``CreditNoteLine``, ``CreditedQuantity``, the due date under ``PaymentMeans``), every other
code an ``Invoice``. What UBL cannot carry is reported, never dropped silently: the EXTENDED-only
preceding invoice type code (EXT-FR-FE-02), a buyer identifier beyond the first (UBL-SR-16 allows
one: BT-46), a credit note's due date without payment instructions (BT-9). UBL has no element for a note's subject code (BT-21): it is written as
the ``#CODE#`` prefix of ``cbc:Note``, the convention of the French CTC rules.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from facturx_engine import artefacts as _artefacts
from facturx_engine.model.codes import Profile
from facturx_engine.syntax.context import WriteContext, fmt_amount, fmt_number
from facturx_engine.syntax.engine import NS, serialize
from facturx_engine.syntax.tree import Syntax, read_sequences, text_formatter
from facturx_engine.syntax.cii import FORMATTERS as _CII_FORMATTERS
from facturx_engine.syntax.cii import WriteResult, report_loss
from facturx_engine.model import specs
from facturx_engine.model.records import Document
from facturx_engine.model.specs import Spec

__all__ = ["to_ubl", "write_ubl"]

UBL_GUIDELINE = Profile.EN16931.guideline


def _note_text(note: Any) -> str:
    return f"#{note.subject_code}#{note.text}" if note.subject_code else note.text


_note = text_formatter(_note_text)


def _money(value: Any, w: Any) -> tuple[str, tuple[tuple[str, str], ...]]:
    return fmt_amount(value), (("currencyID", w.doc.currency),)


FORMATTERS = dict(_CII_FORMATTERS)
FORMATTERS.update({
    "DATE": text_formatter(lambda v: v.isoformat()),
    "NOTE": _note,
    "AMOUNT": _money,
    "AMOUNT_TAX": lambda v, w: (fmt_amount(v), (("currencyID", w.doc.tax_currency),)),
    "PRICE": lambda v, w: (fmt_number(v), (("currencyID", w.doc.currency),)),
})


def _order_for(maindoc: str) -> Any:
    @cache
    def order() -> tuple[dict[str, list[str]], dict[str, str]]:
        files = [f"ubl-2.1/maindoc/{maindoc}", "ubl-2.1/common/UBL-CommonAggregateComponents-2.1.xsd"]
        return read_sequences(str(_artefacts.verified_path(f)) for f in files)

    return order


UBL_INVOICE = Syntax("ubl", "Invoice", "InvoiceType", FORMATTERS, _order_for("UBL-Invoice-2.1.xsd"))
UBL_CREDIT_NOTE = Syntax("ubl-cn", "CreditNote", "CreditNoteType", FORMATTERS, _order_for("UBL-CreditNote-2.1.xsd"))


def namespaces(root: str) -> str:
    return f' xmlns="{NS["ubl-cn" if root == "CreditNote" else "ubl-inv"]}" xmlns:cac="{NS["cac"]}" ' \
           f'xmlns:cbc="{NS["cbc"]}"'


def write_ubl(doc: Document, *, spec: str | Spec | None = None) -> WriteResult:
    """Serialize to UBL 2.1 (Invoice or CreditNote); report what UBL cannot carry.

    With ``spec`` (``cen``, ``en16931``, ``extended-ctc-fr``, ``xrechnung``, ``peppol``; the other Factur-X
    profiles are CII only) the spec's BT-24 is written whatever the document states, its BT-23 when the
    document states none, and a document lacking what the spec requires beyond EN 16931 is refused first
    (see :func:`facturx_engine.syntax.cii.write_cii`)."""
    target = None if spec is None else specs.spec(spec)
    if target is not None:
        doc = specs.check(target, doc, "ubl")
    syntax = UBL_CREDIT_NOTE if doc.is_credit_note else UBL_INVOICE
    guideline = target.guideline if target is not None else doc.specification_id or UBL_GUIDELINE
    wctx = WriteContext(doc, syntax.name, guideline)
    xml, dropped = serialize(syntax, None, wctx, namespaces(syntax.root_tag))
    if syntax is UBL_CREDIT_NOTE and doc.due_date and not wctx.payment_entries:
        dropped.append("BT-9")  # a UBL CreditNote can only carry the due date inside PaymentMeans
    if len(doc.buyer.identifiers) > 1:
        dropped.append("BT-46")  # UBL-SR-16: one buyer identifier, the first; the others are lost
    if doc.payer is not None and not wctx.payment_entries:  # the payer lives in the first cac:PaymentMeans
        dropped.append("EXT-FR-FE-43")
        for ident, terms in ((doc.payer.global_id, ("EXT-FR-FE-46", "EXT-FR-FE-47")),
                             (doc.payer.electronic_address, ("EXT-FR-FE-52", "EXT-FR-FE-52-1"))):
            if ident is not None:
                dropped += terms[:2 if ident.scheme is not None else 1]
    return WriteResult(xml, tuple(dropped))


def to_ubl(doc: Document, *, strict: bool = False, spec: str | Spec | None = None) -> bytes:
    """UBL 2.1 XML bytes of an invoice or credit note. Same input, same bytes.

    ``spec``: the target specification, whose BT-24 (and BT-23) is written and whose requirements are
    checked first (see :func:`write_ubl`).
    The bytes are well-formed XML whatever the document holds: a text with a character XML 1.0
    cannot carry (a control character other than tab/LF/CR, a lone surrogate, U+FFFE/U+FFFF) raises
    :class:`~facturx_engine.errors.ModelError` naming the field and business term; data the target
    cannot carry is reported (:class:`ProfileWarning`, or :class:`ProfileError` when ``strict``).
    """
    target = None if spec is None else specs.spec(spec)
    result = write_ubl(doc, spec=target)
    report_loss(result.dropped, f"UBL 2.1 ({target.title})" if target is not None else "UBL 2.1", strict)
    return result.xml
