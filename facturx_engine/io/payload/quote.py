"""Quote payloads: the deal and its payment schedule, read into a
:class:`~facturx_engine.model.lifecycle.Quote` (whose deposits and balance the model computes)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from facturx_engine.io.payload.invoice import document_of
from facturx_engine.io.payload.reader import Reader, as_date, root
from facturx_engine.model.lifecycle import DepositPlan, Milestone, Quote
from facturx_engine.model.numbers import round2
from facturx_engine.model.records import Invoice

__all__ = ["quote_from_payload"]


def quote_from_payload(payload: Mapping[str, Any]) -> Quote:
    """A :class:`~facturx_engine.model.lifecycle.Quote` from an invoice-shaped payload with ``quote_number``
    and an optional ``payment_schedule`` ``[{date (alias due_date), percent | amount, label}]``:
    exactly one of percent and amount per milestone (amounts net, HT, 2 decimals), dates in order,
    percents summing to at most 100 and all milestones together to at most the deal."""
    r = root(payload)
    built = document_of(r, mode="quote")
    schedule = _schedule(r, built.doc if built else None)
    r.sink.check()
    assert built is not None and schedule is not None
    return Quote(DepositPlan(built.doc), schedule)


def _schedule(r: Reader, deal: Invoice | None) -> tuple[Milestone, ...] | None:
    out: list[Milestone] = []
    start = r.sink.count()
    for mr in r.items("payment_schedule") or []:
        date = mr.get(("date", "due_date"), as_date, required="is required: the milestone's date")
        percent, amount = mr.number("percent", percent=True), mr.number("amount")
        has_percent, has_amount = mr.present("percent"), mr.present("amount")
        if has_percent == has_amount:
            mr.error("amount" if has_amount else "percent",
                     "give exactly one of percent and amount" + (", not both" if has_amount else ""))
        for key, value in (("percent", percent), ("amount", amount)):
            if value is not None and value <= 0:
                mr.error(key, f"must be above 0, got {value}")
        if amount is not None and amount != round2(amount):
            mr.error("amount", f"{amount} has more than 2 decimals")
        if out and date is not None and date < out[-1].date:
            mr.error("date", f"{date} is before the previous milestone ({out[-1].date})")
        if date is not None and (percent is None) != (amount is None):
            out.append(Milestone(date=date, percent=percent, amount=None if amount is None else round2(amount),
                                 label=mr.text("label", max_len=200) or "Acompte"))
    if r.sink.count() > start or deal is None:
        return None
    total = sum((m.percent for m in out if m.percent is not None), Decimal(0))
    if total > 100:
        r.error("payment_schedule", f"the percentages sum to {total}, above 100")
    running = Decimal(0)
    for i, m in enumerate(out):
        running += m.net_of(deal)
        if running > deal.totals.tax_exclusive:
            r.error(f"payment_schedule.{i}.{'percent' if m.percent is not None else 'amount'}",
                    f"the milestones reach {running}, beyond the deal's total {deal.totals.tax_exclusive} HT")
            break
    return tuple(out) if r.sink.count() == start else None
