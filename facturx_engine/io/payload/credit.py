"""Credit-note payloads: the credited invoice, the items matched to its lines, the earlier credit notes,
and what :func:`~facturx_engine.model.lifecycle.credit_note` refuses, keyed by the payload item."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from facturx_engine import ruleids as R
from facturx_engine.errors import ModelError
from facturx_engine.io.payload.invoice import Built, document_of, refs_of
from facturx_engine.io.payload.reader import (GENERAL, PRICE_KEYS, RATE_KEYS, Reader, as_choice, as_date, model_msg,
                                              msg)
from facturx_engine.io.payload.roles import RELATED, carry_over, not_overridden
from facturx_engine.io.payload.totals import DOCUMENT_TOTALS, Stated, check_totals
from facturx_engine.model import numbers as _numbers
from facturx_engine.model.lifecycle import credit_note, creditable
from facturx_engine.model.numbers import round2
from facturx_engine.model.records import CreditNote

_MAX_NESTING = 32  # previous_credit_notes inside previous_credit_notes ...


_CREDIT_NOTE_OWN = frozenset({"credit_note_number", "issue_date", "reason", "type", "invoice", "items",
                              "previous_credit_notes", "total_ht", "total_tax", "total_tva", "total_ttc",
                              "external_id", "internal_reference", "output_format", "specification",
                              "direction"})


def credit_note_of(r: Reader, invoice: Built | None, previous: Sequence[CreditNote],
                   spec: str | None = None, writing: bool = True) -> CreditNote | None:
    """The credit note of ``r`` (None, with the errors, if it cannot be read); ``invoice``: the credited invoice
    already read (None: the payload's ``invoice``, read for ``spec``, else the credit note's ``specification``, else
    the invoice's own, as :func:`facturx_engine.io.payload.specification` decides the target)."""
    start = r.sink.count()
    number = r.text("credit_note_number", required=msg("is required", "BT-1", R.BR_02))
    issue_date = r.get(("issue_date",), as_date, required=msg("is required", "BT-2", R.BR_03))
    reason = r.text("reason", max_len=2000)
    # the refund's terms: Factur-X EXTENDED states BR-CO-25 for credit notes too (an amount due needs one of them)
    terms, due_date = r.text("payment_terms", max_len=1000), r.get(("due_date",), as_date)
    if due_date is not None and issue_date is not None and due_date < issue_date:
        r.error("due_date", msg(f"{due_date} is before the issue date {issue_date}", "BT-9"))
    kind = r.get(("type",), as_choice(("total", "partial")))
    refs = refs_of(r)
    inv_reader = r.obj("invoice")
    if invoice is None:
        if inv_reader is None:
            r.error("invoice", "is required: the invoice payload this credit note credits")
            return None
        invoice = document_of(inv_reader, mode="invoice", spec=spec or refs.get("specification"), writing=writing)
    elif inv_reader is not None:
        other = inv_reader.text("invoice_number")
        if other is not None and other != invoice.doc.number:
            inv_reader.error("invoice_number", f"{other!r} is not the credited invoice {invoice.doc.number!r}")
    source = invoice.reader.data if invoice else (inv_reader.data if inv_reader else {})
    for key in r.data:
        if isinstance(key, str) and (key.startswith(("seller_", "buyer_")) or key == "buyer") and \
                key not in _CREDIT_NOTE_OWN and key not in RELATED and r.data[key] != source.get(key):
            r.error(key, "parties and the B2C flag come from the credited invoice and cannot be overridden")
    not_overridden(r, source)
    items = r.items("items") or []
    kind = kind or ("partial" if items else "total")
    if kind == "partial" and not r.data.get("items"):
        r.error("items", "a partial credit note lists the items it credits")
    prior = _previous(r, invoice)
    if invoice is None or prior is None or r.sink.count() > start:
        return None
    assert number is not None and issue_date is not None
    if issue_date < invoice.doc.issue_date:
        r.error("issue_date", f"{issue_date} is before the credited invoice's date {invoice.doc.issue_date}")
    if number == invoice.doc.number or number in {p.number for p in (*previous, *prior)}:
        r.error("credit_note_number", f"{number!r} is already used by the invoice or an earlier credit note")
    picks = _match_items(items, invoice)
    if picks is None or r.sink.count() > start:
        return None
    quantities, amounts, where = _partial(picks, invoice)
    try:
        if kind == "total" and items:
            _total_items(r, picks, invoice, creditable(invoice.doc, (*previous, *prior)))
            if r.sink.count() > start:
                return None
        cn = credit_note(invoice.doc, number=number, issue_date=issue_date, reason=reason,
                         quantities=quantities if kind == "partial" else None,
                         amounts=amounts if kind == "partial" else None, previous=(*previous, *prior))
    except ModelError as exc:
        m = re.match(r"(?:items|quantities|amounts)\[([^\]]+)\]", exc.field or "")
        field = exc.field or ""
        key = where.get(m.group(1), r.at("items")) if m else r.at(
            "type" if field == "invoice" else "previous_credit_notes" if field.startswith("previous") else GENERAL)
        r.sink.add(key, model_msg(exc))
        return None
    stated = [Stated(r.at(r.key(keys)), term, rule, v) for keys, term, rule in DOCUMENT_TOTALS
              if (v := r.number(*keys)) is not None]
    check_totals(r, cn, stated, [])
    if terms is not None or due_date is not None:
        cn = replace(cn, payment_terms=terms, due_date=due_date)
    return None if r.sink.count() > start else carry_over(cn, invoice.doc).with_app_refs(refs)


def _previous(r: Reader, invoice: Built | None) -> list[CreditNote] | None:
    """The earlier credit notes, oldest first, each read against the ones before it."""
    out: list[CreditNote] = []
    if r.path.count("previous_credit_notes.") >= _MAX_NESTING and r.data.get("previous_credit_notes"):
        r.error("previous_credit_notes", f"earlier credit notes nested more than {_MAX_NESTING} levels deep; list "
                                         "them at the top level, oldest first")
        return None
    for pr in r.items("previous_credit_notes") or []:
        if invoice is None:
            return None
        cn = credit_note_of(pr, invoice, out)
        if cn is None:
            return None
        out.append(cn)
    return out


@dataclass(slots=True)
class _Credited:
    """What the items of a credit-note payload credit on one invoice line."""

    quantity: Decimal = Decimal(0)          # every item's quantity
    at_price: Decimal = Decimal(0)          # the quantity of the items at the invoice's unit price
    amounts: Decimal = Decimal(0)           # round(quantity x price) of the items at another price
    last: Reader | None = None             # the line's last item


def _match_items(items: list[Reader], invoice: Built) -> dict[int, _Credited] | None:
    """Per invoice line index, what the items credit (None, with the errors, when an item cannot be read)."""
    out: dict[int, _Credited] = {}
    ok = True
    for ir in items:
        desc = ir.text("description", required=msg("is required: it names the invoice line credited", "BT-153"))
        qty = ir.number("quantity", required=msg("is required", "BT-129"))
        price = ir.number(*PRICE_KEYS)
        rate = ir.number(*RATE_KEYS, percent=True)
        if qty is not None and qty <= 0:
            ir.error("quantity", msg(f"must be greater than 0, got {qty}", "BT-129"))
            qty = None
        if price is not None and price < 0:
            ir.error(ir.key(PRICE_KEYS), msg(f"must not be negative, got {price}", "BT-146"))
            price = None
        index = _line_for(ir, desc, price, rate, invoice) if desc is not None else None
        if index is None or qty is None or (price is None and ir.present(*PRICE_KEYS)):
            ok = False
            continue
        c = out.setdefault(index, _Credited())
        c.quantity, c.last = c.quantity + qty, ir
        if price is None or price == invoice.prices[index]:
            c.at_price += qty
        elif (amount := _product(ir, qty, price)) is None:
            ok = False
        else:
            c.amounts += amount
    return out if ok else None


def _partial(picks: dict[int, _Credited], invoice: Built) -> tuple[dict[str, Decimal], dict[str, Decimal],
                                                                      dict[str, str]]:
    """The quantities and amounts :func:`~facturx_engine.model.lifecycle.credit_note` credits per line id, and the
    payload key of each line's last item."""
    quantities, amounts, where = {}, {}, {}
    for index, c in picks.items():
        line_id, ir = invoice.doc.lines[index].id, c.last
        assert ir is not None
        if c.at_price:
            quantities[line_id], where[line_id] = c.at_price, ir.at("quantity")
        if c.amounts:
            amounts[line_id], where[line_id] = c.amounts, ir.at(ir.key(PRICE_KEYS))
    return quantities, amounts, where


def _total_items(r: Reader, picks: dict[int, _Credited], invoice: Built,
                 left: Mapping[str, tuple[Decimal, Decimal]]) -> None:
    """A total credit note that lists items: they must credit exactly what remains of every invoice line,
    in quantity (BT-129) and in net amount (BT-131); each difference is an error at the item (or ``items``)."""
    doc = invoice.doc
    for index, ln in enumerate(doc.lines):
        qty_left, amount_left = left[ln.id]
        c = picks.get(index)
        if c is None:
            if qty_left > 0 or amount_left > 0:
                r.error("items", msg(f"invoice line {ln.name!r} still has {qty_left} {ln.unit} ({amount_left} "
                                     f"{doc.currency} HT) to credit: a total credit note lists every line with what "
                                     "remains of it", "BG-25"))
            continue
        assert c.last is not None
        if qty_left <= 0 and amount_left <= 0:
            c.last.error("description", f"nothing remains to credit on invoice line {ln.name!r}")
            continue
        amount = round2(c.at_price * ln.price_per_unit) + c.amounts
        if c.quantity != qty_left:
            c.last.error("quantity", msg(f"the items credit {c.quantity} of invoice line {ln.name!r} but {qty_left} "
                                         "remains: a total credit note credits exactly what remains", "BT-129"))
        elif amount != amount_left:
            hint = f"; at {qty_left} that is a unit price of {(amount_left / qty_left).normalize():f}" \
                if qty_left > 0 and amount_left / qty_left == round2(amount_left / qty_left) else ""
            c.last.error(c.last.key(PRICE_KEYS), msg(
                f"the items credit {amount} {doc.currency} HT of invoice line {ln.name!r} but {amount_left} remains "
                f"(the invoice's amount less the earlier credit notes){hint}", "BT-131"))


def _product(ir: Reader, qty: Decimal, price: Decimal) -> Decimal | None:
    """round(quantity x price) of a credit-note item, or None (and an error) beyond the numeric policy."""
    if qty.adjusted() + price.adjusted() + 1 < _numbers.AMOUNT_DIGITS or not qty or not price:
        amount = round2(qty * price)
        if amount.adjusted() < _numbers.AMOUNT_DIGITS:
            return amount
    ir.error(ir.key(PRICE_KEYS), msg(f"quantity x unit price ({qty} x {price}) would have more than "
                                     f"{_numbers.AMOUNT_DIGITS} digits before the decimal point (numeric policy)",
                                     "BT-131", _numbers.RULE))
    return None


def _line_for(ir: Reader, desc: str, price: Decimal | None, rate: Decimal | None, invoice: Built) -> int | None:
    lines = invoice.doc.lines
    found = [i for i, ln in enumerate(lines) if ln.name.casefold() == desc.casefold()]
    if not found:
        ir.error("description", f"{desc!r} is no line of invoice {invoice.doc.number} (lines: "
                                f"{', '.join(repr(ln.name) for ln in lines)})")
        return None
    if rate is not None:
        same = [i for i in found if (lines[i].vat.rate or Decimal(0)) == rate]
        if not same:
            ir.error(ir.key(RATE_KEYS), f"{rate} is not the rate of the invoice line {desc!r} "
                                        f"({lines[found[0]].vat.rate or 0}); a credit note takes the invoiced VAT back")
            return None
        found = same
    if len(found) > 1 and price is not None:
        found = [i for i in found if invoice.prices[i] == price] or found
    if len(found) > 1:
        ir.error("description", f"{desc!r} names {len(found)} invoice lines; give unit_price and tax_rate too")
        return None
    return found[0]
