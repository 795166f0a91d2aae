"""Invoice payloads (and the deal of a quote): payment, deposits and balances, notes, app references,
and the document itself, each model error traced back to the payload keys it comes from."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, replace
from decimal import Decimal

from facturx_engine import ruleids as R
from facturx_engine.errors import ModelError
from facturx_engine.io.payload.lines import LINE_FIELDS, Context, category_of, line_of
from facturx_engine.io.payload.parties import country_of, delivery_of, is_individual, party_of
from facturx_engine.model.specs import SPEC_NAMES
from facturx_engine.io.payload.reader import (GENERAL, HALF_CENT, OUTPUT_FORMATS, PRICE_KEYS, TAX_KEYS, Bad, Reader,
                                              as_bic, as_choice, as_currency, as_date, as_flag, as_framework, as_iban,
                                              as_text, empty, model_msg, msg)
from facturx_engine.io.payload.roles import locations, others_of
from facturx_engine.io.payload.totals import DOCUMENT_TOTALS, Stated, check_totals
from facturx_engine.model.numbers import round2
from facturx_engine.model.records import CreditTransfer, Invoice, Note, PaymentInstructions, PrecedingInvoice

_PAYMENT = {"virement": "30", "carte": "48", "cheque": "20", "especes": "10", "prelevement": "59"}  # UNTDID 4461
_SEPA = frozenset("AD AT BE BG CH CY CZ DE DK EE ES FI FR GB GI GR HR HU IE IS IT LI LT LU LV MC MT NL NO PL "
                  "PT RO SE SI SK SM VA".split())
_TYPES = {"standard": "380", "deposit": "386", "balance": "380"}


def _payment(r: Reader, refs: dict[str, str], by_card: bool) -> PaymentInstructions | None:
    method = r.get(("payment_method",), as_choice(tuple(_PAYMENT)))
    if by_card and method not in (None, "carte"):
        r.error("paid_by_card", msg(f"an invoice paid by card has payment_method carte, not {method}", "BT-81"))
    if by_card and method is None and not r.present("payment_method"):
        method = "carte"
    bank = r.obj("bank_details")
    iban = bic = None
    if bank is not None:
        iban = bank.get(("iban",), as_iban, required=msg("is required in bank_details", "BT-84"))
        bic = bank.get(("bic",), as_bic)
        if (name := bank.text("bank_name")) is not None:
            refs["bank_name"] = name
    if method is None and (bank is None or r.present("payment_method")):
        return None
    code = _PAYMENT[method or "virement"]
    if (method or "virement") == "virement":
        if iban is None:
            if bank is None:
                r.error("bank_details", msg("payment by virement needs bank_details with the IBAN to pay to",
                                            "BT-84", R.BR_61))
            return None
        code = "58" if iban[:2] in _SEPA else "30"
    transfers = (CreditTransfer(account_id=iban, bic=bic),) if iban else ()
    return PaymentInstructions(means_code=code, credit_transfers=transfers)


def _deposits(r: Reader, kind: str, issue_date: _dt.date | None) -> tuple[tuple[PrecedingInvoice, ...], Decimal]:
    """BG-3 references and BT-113 of a balance invoice."""
    items = r.items("deposits")
    if kind != "balance":
        if items:
            r.error("deposits", "only a balance invoice (invoice_type: balance) lists deposits")
        return (), Decimal(0)
    if not items:
        r.error("deposits", msg("a balance invoice lists the deposits already invoiced", "BG-3"))
        return (), Decimal(0)
    refs, paid = [], Decimal(0)
    for dr in items:
        number = dr.text("invoice_number", required=msg("is required", "BT-25", R.BR_55))
        date = dr.get(("issue_date",), as_date)
        ht, tax, ttc = dr.number("total_ht"), dr.number(*TAX_KEYS), dr.number("total_ttc")
        if ttc is None and ht is not None and tax is not None:
            ttc = ht + tax
        if ttc is None:
            dr.error("total_ttc", msg("is required (the deposit's total with VAT, deducted as paid)", "BT-113"))
            continue
        if ht is not None and tax is not None and abs(ht + tax - ttc) > HALF_CENT:
            dr.error("total_ttc", f"{ttc} is not total_ht + total_tax ({ht + tax})")
        if ttc <= 0 or ttc != ttc.quantize(Decimal("0.01")):
            dr.error("total_ttc", f"must be a positive amount with at most 2 decimals, got {ttc}")
        if date is not None and issue_date is not None and date > issue_date:
            dr.error("issue_date", f"deposit dated {date}, after the balance invoice ({issue_date})")
        if number is not None:
            refs.append(PrecedingInvoice(number=number, issue_date=date, type_code="386"))
        paid += ttc
    return tuple(refs), paid


def _notes(r: Reader, kind: str, currency: str) -> tuple[Note, ...]:
    value = r.data.get("notes")
    texts: list[str] = []
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            try:
                texts += [note] if (note := as_text(2000)(item)) else []
            except Bad as exc:
                r.sink.add(r.at(f"notes.{i}"), msg(str(exc), "BT-22"))
    elif not empty(value):
        texts += [single] if (single := r.text("notes", max_len=2000)) else []
    if kind == "deposit":
        if (ref := r.text("deposit_reference_text", max_len=2000)) is not None:
            texts.append(ref)
        if (deal := r.number("deposit_total_ht")) is not None:
            texts.append(f"Acompte sur un montant total de {round2(deal)} {currency} HT.")
    else:
        for key in ("deposit_total_ht", "deposit_reference_text"):
            if r.present(key):
                r.error(key, "applies to a deposit invoice (invoice_type: deposit) only")
    return tuple(Note(text=t) for t in texts)


@dataclass(frozen=True, slots=True)
class Built:
    """A document read from a payload, with what credit notes need of it."""

    doc: Invoice
    prices: tuple[Decimal, ...]          # each line's payload unit price (before discount)
    reader: Reader


def document_of(r: Reader, *, mode: str, spec: str | None = None, writing: bool = True) -> Built | None:
    """Read an invoice (``mode="invoice"``) or a quote's deal (``mode="quote"``); None if errors were found.
    ``spec``: the specification the document is written for when the caller decides it (else the payload's);
    ``writing=False``: the document is only read, what a target can carry is not judged."""
    start = r.sink.count()
    number_key = "quote_number" if mode == "quote" else "invoice_number"
    number = r.text(number_key, required=msg("is required", "BT-1", R.BR_02))
    issue_date = r.get(("issue_date", "invoice_date"), as_date, required=msg("is required", "BT-2", R.BR_03))
    due_date = r.get(("due_date",), as_date)
    if due_date and issue_date and due_date < issue_date:
        r.error("due_date", msg(f"{due_date} is before the issue date {issue_date}", "BT-9"))
    currency = r.get(("currency",), as_currency) or "EUR"
    kind = r.get(("invoice_type",), as_choice(tuple(_TYPES))) or "standard"
    if mode == "quote" and kind != "standard":
        r.error("invoice_type", "a quote is not a deposit or balance invoice")
    refs = refs_of(r)
    b2c = is_individual(r)
    seller, buyer = party_of(r, "seller", False), party_of(r, "buyer", b2c)
    delivery = delivery_of(r, buyer)
    others = others_of(r, spec or refs.get("specification"), writing)  # payee, French EXTENDED-CTC-FR parties
    ctx = Context(seller_fr=country_of(r, "seller") == "FR",
                  reason=(r.at("exemption_reason"), e) if (e := r.text("exemption_reason")) else None,
                  category=(r.at("tax_category"), c) if (c := category_of(r)) else None)
    lines = r.items("lines")
    if r.data.get("lines") is None or lines == [] and not r.data["lines"]:
        r.error("lines", msg("at least one line is required", "BG-25", R.BR_16))
    read = [line_of(lr, i, ctx) for i, lr in enumerate(lines or ())]
    by_card = bool(r.get(("paid_by_card",), as_flag))
    payment = _payment(r, refs, by_card)
    on_debits = bool(r.get(("vat_on_debits",), as_flag))
    preceding, paid = _deposits(r, kind, issue_date)
    notes = _notes(r, kind, currency)
    terms, order = r.text("payment_terms", max_len=1000), r.text("purchase_order", max_len=50)
    contract = r.text("contract_reference", max_len=50)
    framework = r.get(("billing_framework", "cadre_de_facturation"), as_framework)
    stated = [Stated(r.at(r.key(keys)), term, rule, v) for keys, term, rule in DOCUMENT_TOTALS
              if (v := r.number(*keys)) is not None]
    if r.sink.count() > start or number is None or seller is None or buyer is None or None in read:
        return None
    built = [x for x in read if x is not None]
    try:
        doc = Invoice(number=number, issue_date=issue_date, due_date=due_date, currency=currency,
                      type_code=_TYPES[kind], seller=seller, buyer=buyer, delivery=delivery,
                      lines=tuple(x[0] for x in built), payment=payment, preceding_invoices=preceding,
                      paid_amount=round2(paid) if paid else None, notes=notes, payment_terms=terms,
                      purchase_order=order, contract_reference=contract, process_id=framework,
                      tax_point_code="3" if on_debits else None,  # the option for VAT on debits: model.fr
                      **others)
        if by_card:  # paid in full when issued: BT-113 is the total, nothing is due (BR-FR-CO-09 for B2/S2/M2)
            doc = replace(doc, paid_amount=doc.totals.grand_total)
    except ModelError as exc:
        for key in _locate(r, exc.field):
            r.sink.add(key, model_msg(exc))
        return None
    check_totals(r, doc, stated, [x[2] for x in built])
    if kind == "balance" and paid > doc.totals.grand_total:
        r.error("deposits", msg(f"the deposits ({paid}) exceed this invoice's total ({doc.totals.grand_total})",
                                "BT-113"))
    if kind == "deposit" and (deal := r.number("deposit_total_ht")) is not None and deal < doc.totals.tax_exclusive:
        r.error("deposit_total_ht", f"the deal total {deal} is below this deposit ({doc.totals.tax_exclusive})")
    if r.sink.count() > start:
        return None
    return Built(doc.with_app_refs(refs), tuple(x[1] for x in built), r)


def refs_of(r: Reader) -> dict[str, str]:
    refs = {k: v for k in ("external_id", "internal_reference") if (v := r.text(k)) is not None}
    if (v := r.get(("output_format",), as_choice(OUTPUT_FORMATS))) is not None:
        refs["output_format"] = v
    if (v := r.get(("specification",), as_choice(SPEC_NAMES))) is not None:
        refs["specification"] = v
    if (v := r.get(("direction",), as_choice(("outgoing", "incoming")))) is not None:
        refs["direction"] = v
    return refs


def _locate(r: Reader, field: str | None) -> tuple[str, ...]:
    """The payload keys a model error at ``field`` (a model path) comes from."""
    text = field or ""
    m = re.match(r"lines\[(\d+)\]\.?([a-z_]*)", text)
    if m:
        lr = Reader(r.data["lines"][int(m.group(1))], f"{r.at('lines')}.{m.group(1)}.", r.sink)
        if not m.group(2):  # the line's net amount BT-131: quantity x unit price, both named
            return lr.at("quantity"), lr.at(lr.key(PRICE_KEYS))
        return (lr.at(lr.key(LINE_FIELDS.get(m.group(2), ("description",)))),)
    table = (("seller.vat_id", "seller_vat_number"), ("buyer.vat_id", "buyer_vat_number"),
             ("seller.legal_id", "seller_legal_id"), ("buyer.legal_id", "buyer_legal_id"),
             ("seller.identifiers", "seller_siret"), ("buyer.identifiers", "buyer_siret"),
             ("seller.address", "seller_address"), ("buyer.address", "buyer_address"),
             ("payment.credit_transfers", "bank_details.iban"), ("payment", "payment_method"),
             ("delivery.date", "delivery_date"), ("delivery", "buyer_shipping_address"),
             ("preceding_invoices", "deposits"), ("paid_amount", "deposits"), ("vat", "lines"), ("totals", "lines"),
             ("notes", "notes"), ("due_date", "due_date"), ("currency", "currency"),
             ("issue_date", r.key(("issue_date", "invoice_date"))),
             ("number", "quote_number" if r.present("quote_number") else "invoice_number"))
    for prefix, key in (*table, *locations(r)):  # then the payee and the French parties
        if text == prefix or text.startswith(prefix + ".") or text.startswith(prefix + "["):
            return (r.at(key),)
    return (r.at(GENERAL) if r.path else GENERAL,)
