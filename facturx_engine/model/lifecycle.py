"""Documents built from other documents: deposit plans, final invoices, credit notes.

* :class:`DepositPlan` — the deal (a draft invoice of the whole supply), the deposit invoices
  (386) issued so far, what remains, and the final invoice. The final invoice either states the
  whole supply and deducts the deposits' VAT-inclusive total as paid amount BT-113 (EN 16931
  method) or takes each deposit back as a negative line (French practice, XP Z12-014); in both
  cases every deposit is referenced in BG-3 and VAT already invoiced is not charged twice.
* :func:`credit_note` — a credit note (381) inheriting the invoice's parties and referencing
  it in BG-3, total or partial, refusing to credit more than remains creditable per line
  (quantity and amount) across every earlier credit note.
* :class:`Quote` — a quote (devis) on a :class:`DepositPlan`: deposit invoices by percent or net
  amount, the balance invoice deducting them all, and a payment schedule of dated
  :class:`Milestone` steps invoiced one by one (:meth:`Quote.next_invoice`,
  :func:`schedule_invoices`). Its refusals are :class:`~facturx_engine.errors.ModelError` whose
  ``field`` is the argument refused (``percent``, ``amount``, ``number`` ...). A quote is read from
  an app payload by :func:`facturx_engine.io.payload.quote_from_payload`.
"""

from __future__ import annotations

import copy
import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from facturx_engine.model import numbers as _numbers
from facturx_engine.model.numbers import round2
from facturx_engine.errors import CreditError, ModelError
from facturx_engine.model.fr import L441_CODES
from facturx_engine.model.records import CreditNote, Invoice, Line, Note, PrecedingInvoice, Vat

__all__ = ["DepositPlan", "Milestone", "Quote", "credit_note", "creditable", "schedule_invoices"]

_DEPOSIT = "386"


@dataclass(frozen=True, slots=True)
class DepositPlan:
    """A deal and the deposit invoices issued against it."""

    deal: Invoice
    deposits: tuple[Invoice, ...] = ()

    @property
    def total_net(self) -> Decimal:
        """The deal total without VAT (BT-109 of the deal)."""
        return self.deal.totals.tax_exclusive

    @property
    def deposited_net(self) -> Decimal:
        return sum((d.totals.tax_exclusive for d in self.deposits), Decimal("0.00"))

    @property
    def deposited_gross(self) -> Decimal:
        return sum((d.totals.grand_total for d in self.deposits), Decimal("0.00"))

    @property
    def remaining_net(self) -> Decimal:
        return self.total_net - self.deposited_net

    def deposit(self, *, number: str, issue_date: _dt.date, percent: Decimal | str | None = None,
                net_amount: Decimal | str | None = None, label: str = "Acompte") -> tuple[DepositPlan, Invoice]:
        """Issue a deposit invoice (386) for a percentage of the deal or a net amount.

        The deposit is split over the deal's VAT breakdown in proportion to each (category, rate)
        base, so each part carries the VAT of the supply it prepays. Returns the new plan and
        the deposit invoice.
        """
        if (percent is None) == (net_amount is None):
            raise ModelError("give either a percentage or a net amount", field="deposit")
        total = self.total_net
        if total <= 0:
            raise ModelError("the deal total must be positive to take deposits", field="deal")
        wanted = round2(total * Decimal(str(percent)) / 100) if percent is not None else Decimal(str(net_amount))
        if wanted <= 0:
            raise ModelError(f"a deposit must be positive, got {wanted}", field="deposit")
        if wanted > self.remaining_net:
            raise ModelError(f"deposit {wanted} exceeds what remains of the deal ({self.remaining_net})",
                             field="deposit")
        what = f"{percent} %" if percent is not None else f"{wanted} {self.deal.currency}"
        lines = _split_over_vat(self.deal, wanted, f"{label} {what} — {self.deal.number}")
        inv = replace(self.deal, number=number, issue_date=issue_date, type_code=_DEPOSIT, lines=lines,
                      allowances_charges=(), preceding_invoices=(), paid_amount=None, rounding_amount=None,
                      prices_include_vat=False, delivery=None, invoicing_period=None)
        return replace(self, deposits=self.deposits + (inv,)), inv

    def final_invoice(self, *, number: str, issue_date: _dt.date, method: str = "paid_amount") -> Invoice:
        """The final invoice of the deal after its deposits.

        ``method="paid_amount"`` (EN 16931): full-supply totals, BT-113 = deposits' BT-112.
        ``method="deduction_lines"`` (French practice): one negative line per deposit part, so
        the VAT breakdown shows only what remains; BT-113 is not used.
        """
        refs = tuple(PrecedingInvoice(number=d.number, issue_date=d.issue_date, type_code=_DEPOSIT)
                     for d in self.deposits)
        base = replace(self.deal, number=number, issue_date=issue_date,
                       preceding_invoices=(*self.deal.preceding_invoices, *refs))
        if method == "paid_amount":
            return replace(base, paid_amount=(self.deal.paid_amount or Decimal(0)) + self.deposited_gross)
        if method == "deduction_lines":
            taken_back = tuple(
                replace(ln, id=f"D{i}-{ln.id}", quantity=-ln.quantity,
                        name=f"Déduction acompte {d.number} du {d.issue_date.isoformat()}")
                for i, d in enumerate(self.deposits, 1) for ln in d.lines)
            return replace(base, lines=(*base.lines, *taken_back))
        raise ModelError(f"unknown method {method!r} (paid_amount or deduction_lines)", field="method")


def _split_over_vat(deal: Invoice, net: Decimal, name: str) -> tuple[Line, ...]:
    groups = [b for b in deal.totals.vat_breakdown if b.taxable_amount > 0]
    total = sum((b.taxable_amount for b in groups), Decimal(0))
    lines, left = [], net
    for i, b in enumerate(groups):
        part = left if i == len(groups) - 1 else round2(net * b.taxable_amount / total)
        left -= part
        vat = Vat(category=b.category, rate=b.rate, exemption_reason=b.exemption_reason,
                  exemption_code=b.exemption_code)
        lines.append(Line(id=str(i + 1), name=name, quantity=Decimal(1), unit="C62", net_price=part, vat=vat))
    return tuple(lines)


@dataclass(frozen=True, slots=True)
class _Credited:
    quantity: Decimal
    amount: Decimal


def creditable(invoice: Invoice, previous: Sequence[CreditNote] = ()) -> dict[str, tuple[Decimal, Decimal]]:
    """Per invoice line id: (quantity, net amount) that remain creditable after ``previous``."""
    done: dict[str, _Credited] = {}
    for cn in previous:
        if not any(ref.number == invoice.number for ref in cn.preceding_invoices):
            raise CreditError(f"credit note {cn.number} does not reference invoice {invoice.number}",
                              field="previous_credit_notes", bt="BT-25")
        for ln, am in zip(cn.lines, cn.totals.lines):
            key = ln.id.split("/", 1)[0]
            c = done.get(key, _Credited(Decimal(0), Decimal(0)))
            qty = Decimal(0) if ln.id.endswith(_AMOUNT_SUFFIX) else ln.quantity
            done[key] = _Credited(c.quantity + qty, c.amount + am.net_amount)
    out = {}
    for ln, am in zip(invoice.lines, invoice.totals.lines):
        c = done.get(ln.id, _Credited(Decimal(0), Decimal(0)))
        out[ln.id] = (ln.quantity - c.quantity, am.net_amount - c.amount)
    unknown = set(done) - set(out)
    if unknown:
        raise CreditError(f"earlier credit notes name lines the invoice does not have: {sorted(unknown)}",
                          field="previous_credit_notes", bt="BT-126")
    return out


_PARTIAL = "Avoir sur "
_AMOUNT_SUFFIX = "/amount"


def credit_note(invoice: Invoice, *, number: str, issue_date: _dt.date,
                quantities: Mapping[str, Decimal | str | int] | None = None,
                amounts: Mapping[str, Decimal | str | int] | None = None,
                previous: Sequence[CreditNote] = (), reason: str | None = None,
                type_code: str = "381") -> CreditNote:
    """A credit note against ``invoice``: total when neither ``quantities`` nor ``amounts`` is
    given (credits what remains), else partial — by quantity of a line (same price) or by a net
    amount on a line (a price reduction). Refuses to credit more than remains creditable."""
    if invoice.is_credit_note:
        raise CreditError("cannot credit a credit note", field="invoice", bt="BT-3")
    left = creditable(invoice, previous)
    by_id = {ln.id: ln for ln in invoice.lines}
    lines: list[Line] = []
    if quantities is None and amounts is None:
        for ln in invoice.lines:
            qty, amount = left[ln.id]
            if qty > 0 and amount == round2(qty * ln.price_per_unit) and not ln.allowances_charges:
                lines.append(replace(ln, quantity=qty))
            elif amount > 0:
                lines.append(_amount_line(ln, amount))
        if not lines:
            raise CreditError(f"invoice {invoice.number} has nothing left to credit", field="invoice")
    for line_id, raw in (quantities or {}).items():
        ln = _line(by_id, line_id)
        qty = Decimal(str(raw))
        credit = replace(ln, quantity=qty)
        if qty <= 0:
            raise CreditError(f"credited quantity must be positive, got {qty}", field=f"quantities[{line_id}]",
                              bt="BT-129")
        _check_left(line_id, left, qty, round2(qty * ln.price_per_unit))
        lines.append(credit)
    for line_id, raw in (amounts or {}).items():
        ln = _line(by_id, line_id)
        amount = Decimal(str(raw))
        if amount <= 0:
            raise CreditError(f"credited amount must be positive, got {amount}", field=f"amounts[{line_id}]",
                              bt="BT-131")
        _check_left(line_id, left, Decimal(0), amount)
        lines.append(_amount_line(ln, amount))
    # the invoice's late-payment mentions are about paying it: the credit note gets its own (model.fr)
    kept = tuple(n for n in invoice.notes if n.subject_code not in L441_CODES)
    notes = kept if reason is None else (*kept, _reason_note(reason))
    fields = {f: getattr(invoice, f) for f in _INHERITED}
    return CreditNote(number=number, issue_date=issue_date, type_code=type_code, lines=tuple(lines), notes=notes,
                      preceding_invoices=(PrecedingInvoice(number=invoice.number, issue_date=invoice.issue_date,
                                                           type_code=_reference_type(invoice)),),
                      allowances_charges=invoice.allowances_charges if not previous and quantities is None
                      and amounts is None else (), **fields)


def _reference_type(invoice: Invoice) -> str | None:
    """The type code stated in the credit note's BG-3 reference (EXT-FR-FE-02, Factur-X EXTENDED only, reported as a
    loss by every other writer): only when it tells more than "an invoice", i.e. not for a commercial invoice 380."""
    return None if invoice.type_code == "380" else invoice.type_code


_INHERITED = ("currency", "seller", "buyer", "payee", "tax_representative", "buyer_reference", "purchase_order",
              "contract_reference", "project_reference", "prices_include_vat", "late_payment_mentions",
              "specification_id", "process_id")


def _reason_note(reason: str) -> Note:
    return Note(text=reason, subject_code="ACB")


def _line(by_id: Mapping[str, Line], line_id: str) -> Line:
    if line_id not in by_id:
        raise CreditError(f"the invoice has no line {line_id!r} (lines: {sorted(by_id)})", field="items",
                          bt="BT-126")
    return by_id[line_id]


def _check_left(line_id: str, left: Mapping[str, tuple[Decimal, Decimal]], qty: Decimal, amount: Decimal) -> None:
    qty_left, amount_left = left[line_id]
    if qty > qty_left:
        raise CreditError(f"line {line_id}: crediting quantity {qty} but only {qty_left} remains creditable",
                          field=f"items[{line_id}].quantity", bt="BT-129")
    if amount > amount_left:
        raise CreditError(f"line {line_id}: crediting {amount} but only {amount_left} remains creditable",
                          field=f"items[{line_id}]", bt="BT-131")


def _amount_line(ln: Line, amount: Decimal) -> Line:
    return replace(ln, id=ln.id + _AMOUNT_SUFFIX, name=f"{_PARTIAL}{ln.name}", quantity=Decimal(1), unit="C62", net_price=amount,
                   base_quantity=None, gross_price=None, price_discount=None, allowances_charges=())


# ---------------------------------------------------------------------------- quotes and payment schedules


@dataclass(frozen=True, slots=True)
class Milestone:
    """One dated step of a payment schedule: a percentage of the deal or a net (HT) amount."""

    date: _dt.date
    percent: Decimal | None = None
    amount: Decimal | None = None
    label: str = "Acompte"

    def net_of(self, deal: Invoice) -> Decimal:
        """The net amount this step asks for (what :meth:`DepositPlan.deposit` takes for it)."""
        if self.percent is not None:
            return round2(deal.totals.tax_exclusive * self.percent / 100)
        return self.amount or Decimal(0)


@dataclass(frozen=True, slots=True)
class Quote:
    """A quote (devis) and the invoices issued against it: each call returns a new Quote with the
    invoice it issued. :func:`facturx_engine.io.payload.quote_from_payload` reads one from an app payload."""

    plan: DepositPlan
    schedule: tuple[Milestone, ...] = ()
    invoiced: int = 0          # milestones of the schedule already invoiced
    closed: bool = False       # the balance invoice was issued

    @property
    def deal(self) -> Invoice:
        return self.plan.deal

    @property
    def deposits(self) -> tuple[Invoice, ...]:
        return self.plan.deposits

    @property
    def remaining_ht(self) -> Decimal:
        return self.plan.remaining_net

    def deposit(self, *, number: str, issue_date: _dt.date, percent: Decimal | str | int | None = None,
                amount: Decimal | str | int | None = None, due_date: _dt.date | None = None,
                label: str = "Acompte") -> tuple[Quote, Invoice]:
        """A deposit invoice (386) for ``percent`` of the deal or a net ``amount`` (exactly one)."""
        if self.closed:
            raise _refused("number", "the balance invoice was issued: the quote takes no more deposits")
        if (percent is None) == (amount is None):
            raise _refused("percent", "give exactly one of percent and amount")
        key = "percent" if percent is not None else "amount"
        value = _argument(percent if percent is not None else amount, key)
        if key == "percent" and not 0 < value <= 100:
            raise _refused(key, f"must be above 0 and at most 100, got {value}")
        if key == "amount" and value != round2(value):
            raise _refused(key, f"{value} has more than 2 decimals")
        try:
            if key == "percent":
                plan, inv = self.plan.deposit(number=number, issue_date=issue_date, label=label, percent=value)
            else:
                plan, inv = self.plan.deposit(number=number, issue_date=issue_date, label=label,
                                              net_amount=round2(value))
            if due_date is not None:
                inv = replace(inv, due_date=due_date)
        except ModelError as exc:
            where = key if exc.field in ("deposit", "deal") else exc.field if exc.field in ("due_date", "issue_date") \
                else "number"
            raise _at(exc, where) from None
        plan = replace(plan, deposits=plan.deposits[:-1] + (inv,))
        return replace(self, plan=plan), inv

    def balance(self, *, number: str, issue_date: _dt.date, due_date: _dt.date | None = None,
                method: str = "paid_amount") -> tuple[Quote, Invoice]:
        """The final invoice: the whole deal, every deposit in BG-3 and deducted (BT-113 by default,
        see :meth:`DepositPlan.final_invoice`)."""
        if self.closed:
            raise _refused("number", "the balance invoice was already issued")
        try:
            final = self.plan.final_invoice(number=number, issue_date=issue_date, method=method)
            final = replace(final, due_date=due_date) if due_date is not None else final
        except ModelError as exc:
            where = exc.field if exc.field in ("method", "due_date", "issue_date") else "number"
            raise _at(exc, where) from None
        return replace(self, closed=True), final

    def next_invoice(self, *, number: str, issue_date: _dt.date | None = None) -> tuple[Quote, Invoice]:
        """The invoice of the next milestone, dated (unless ``issue_date`` is given) and due on the
        milestone's date: a deposit, or the balance for a last milestone that completes the deal;
        after the milestones, the balance of what they left (``issue_date`` required)."""
        if self.invoiced < len(self.schedule):
            m = self.schedule[self.invoiced]
            when = issue_date or m.date
            if self.invoiced == len(self.schedule) - 1 and self.schedule_completes:
                quote, inv = self.balance(number=number, issue_date=when, due_date=m.date)
            else:
                quote, inv = self.deposit(number=number, issue_date=when, percent=m.percent, amount=m.amount,
                                          due_date=m.date, label=m.label)
            return replace(quote, invoiced=self.invoiced + 1), inv
        if issue_date is None:
            raise _refused("issue_date", "the schedule is invoiced: the balance invoice needs its issue date")
        return self.balance(number=number, issue_date=issue_date)

    @property
    def schedule_completes(self) -> bool:
        """Does the schedule invoice the whole deal (percents summing to 100, or its steps to the total)?"""
        if not self.schedule:
            return False
        if all(m.percent is not None for m in self.schedule):
            return sum((m.percent or Decimal(0) for m in self.schedule), Decimal(0)) == 100
        return sum((m.net_of(self.deal) for m in self.schedule), Decimal(0)) == self.deal.totals.tax_exclusive


def schedule_invoices(quote: Quote, numbers: Sequence[str], *, balance_date: _dt.date | None = None
                      ) -> tuple[Invoice, ...]:
    """Every invoice left in the quote's payment schedule, in order: one per milestone, then the
    balance of what the milestones left (dated ``balance_date``) unless the last milestone completed
    the deal. ``numbers`` gives their numbers, one per invoice."""
    wanted = len(quote.schedule) - quote.invoiced + (0 if quote.schedule_completes else 1)
    if isinstance(numbers, (str, bytes)) or not isinstance(numbers, Sequence):
        raise _refused("numbers", f"expected a list of invoice numbers, got {type(numbers).__name__}")
    if len(numbers) != wanted:
        raise _refused("numbers", f"the schedule gives {wanted} invoice(s); {len(numbers)} number(s) given")
    out = []
    for number in numbers:
        last = quote.invoiced == len(quote.schedule)
        quote, inv = quote.next_invoice(number=number, issue_date=balance_date if last else None)
        out.append(inv)
    return tuple(out)


def _refused(key: str, message: str, rule: str | None = None) -> ModelError:
    """The refusal of argument ``key``."""
    return ModelError(message, field=key, rule=rule)


def _at(exc: ModelError, key: str) -> ModelError:
    """The model's error ``exc`` blamed on argument ``key`` (message, term and rule kept)."""
    out = copy.copy(exc)
    out.field = key
    out.args = (out._render(),)
    return out


def _argument(value: Any, key: str) -> Decimal:
    """A percent or amount argument under the numeric policy (:mod:`.numbers`); ModelError at ``key`` otherwise."""
    digits = _numbers.PERCENT_DIGITS if key == "percent" else _numbers.AMOUNT_DIGITS
    if isinstance(value, (bool, float)):
        raise _refused(key, f"expected a Decimal, an int or a numeric string, got {value!r}")
    try:
        if isinstance(value, Decimal):
            return _numbers.check(value, digits)
        if isinstance(value, int):
            return _numbers.check(Decimal(value), digits, str(value) if value.bit_length() < 200 else None)
        if isinstance(value, str):
            return _numbers.parse(value, digits)
    except _numbers.NumberRefused as exc:
        raise _refused(key, str(exc), _numbers.RULE) from None
    raise _refused(key, f"expected a Decimal, an int or a numeric string, got {type(value).__name__}")
