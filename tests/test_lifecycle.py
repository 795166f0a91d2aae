"""Deposit plans, final invoices and credit notes (lifecycle.py): arithmetic, refusals, validity."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

import facturx_engine as fx

D0 = dt.date(2026, 1, 5)


def _deal() -> fx.Invoice:
    seller = fx.Party(name="BTP Martin SAS", vat_id="FR44732829320", legal_id=fx.Identifier.siren("732829320"),
                      address=fx.Address(line1="3 rue des Lilas", city="Nantes", postal_code="44000", country="FR"))
    buyer = fx.Party(name="Immo Ouest SARL", vat_id="FR14987654324",
                     address=fx.Address(city="Rennes", postal_code="35000", country="FR"))
    return fx.Invoice(number="DEVIS-7", issue_date=D0, seller=seller, buyer=buyer,
                      lines=[fx.Line(id="1", name="Gros oeuvre", quantity=D(1), net_price=D("1000"),
                                     vat=fx.Vat.standard(20)),
                             fx.Line(id="2", name="Fenêtres", quantity=D(4), unit="H87", net_price=D("250"),
                                     vat=fx.Vat.standard("10"))])


def _assert_valid(doc: fx.Document) -> None:
    for xml in (fx.to_cii(doc), fx.to_ubl(doc)):
        report = fx.validate(xml, factur_x=True)
        assert report.valid, str(report)


def test_deposits_and_final_invoice_by_paid_amount() -> None:
    plan = fx.DepositPlan(_deal())
    plan, d1 = plan.deposit(number="AC-1", issue_date=D0, percent="30")
    plan, d2 = plan.deposit(number="AC-2", issue_date=D0, net_amount="400.00")
    assert d1.type_code == d2.type_code == "386"
    assert d1.totals.tax_exclusive == D("600.00")            # 30 % of 2000.00
    assert plan.remaining_net == D("1000.00")
    final = plan.final_invoice(number="F-1", issue_date=D0)
    assert [p.number for p in final.preceding_invoices] == ["AC-1", "AC-2"]
    assert final.totals.tax_exclusive == D("2000.00")        # full supply stated
    assert final.totals.paid == d1.totals.grand_total + d2.totals.grand_total
    assert final.totals.due == final.totals.grand_total - final.totals.paid
    for doc in (d1, d2, final):
        _assert_valid(doc)


def test_final_invoice_by_deduction_lines_does_not_charge_vat_twice() -> None:
    plan = fx.DepositPlan(_deal())
    plan, d1 = plan.deposit(number="AC-1", issue_date=D0, percent="30")
    final = plan.final_invoice(number="F-1", issue_date=D0, method="deduction_lines")
    assert final.totals.paid == 0
    assert final.totals.tax_total == plan.deal.totals.tax_total - d1.totals.tax_total
    assert final.totals.grand_total + d1.totals.grand_total == plan.deal.totals.grand_total
    _assert_valid(final)


def test_deposit_beyond_the_deal_is_refused() -> None:
    plan, _ = fx.DepositPlan(_deal()).deposit(number="AC-1", issue_date=D0, percent="80")
    with pytest.raises(fx.ModelError, match="exceeds what remains"):
        plan.deposit(number="AC-2", issue_date=D0, percent="30")


def test_credit_notes_partial_then_total() -> None:
    inv = _deal()
    cn1 = fx.credit_note(inv, number="AV-1", issue_date=D0, quantities={"2": 1}, reason="Fenêtre cassée")
    assert isinstance(cn1, fx.CreditNote) and cn1.type_code == "381"
    assert cn1.seller == inv.seller and cn1.buyer == inv.buyer
    assert cn1.preceding_invoices[0].number == inv.number
    cn2 = fx.credit_note(inv, number="AV-2", issue_date=D0, amounts={"1": "100"}, previous=[cn1])
    left = fx.creditable(inv, [cn1, cn2])
    assert left["2"] == (D(3), D("750.00")) and left["1"][1] == D("900.00")
    cn3 = fx.credit_note(inv, number="AV-3", issue_date=D0, previous=[cn1, cn2])
    credited = sum((c.totals.tax_exclusive for c in (cn1, cn2, cn3)), D(0))
    assert credited == inv.totals.tax_exclusive
    for doc in (cn1, cn2, cn3):
        _assert_valid(doc)


def test_crediting_more_than_remains_is_refused() -> None:
    inv = _deal()
    cn1 = fx.credit_note(inv, number="AV-1", issue_date=D0, quantities={"2": 3})
    with pytest.raises(fx.CreditError, match="only 1 remains"):
        fx.credit_note(inv, number="AV-2", issue_date=D0, quantities={"2": 2}, previous=[cn1])
    with pytest.raises(fx.CreditError, match="remains creditable"):
        fx.credit_note(inv, number="AV-2", issue_date=D0, amounts={"1": "1000.01"}, previous=[cn1])
    with pytest.raises(fx.CreditError, match="no line"):
        fx.credit_note(inv, number="AV-2", issue_date=D0, quantities={"9": 1})
    full = fx.credit_note(inv, number="AV-2", issue_date=D0, previous=[cn1])
    with pytest.raises(fx.CreditError, match="nothing left"):
        fx.credit_note(inv, number="AV-3", issue_date=D0, previous=[cn1, full])


def test_credit_note_cannot_be_built_against_another_invoice() -> None:
    inv = _deal()
    other = dataclasses.replace(inv, number="OTHER")
    cn = fx.credit_note(other, number="AV-1", issue_date=D0, quantities={"1": 1})
    with pytest.raises(fx.CreditError, match="does not reference"):
        fx.credit_note(inv, number="AV-2", issue_date=D0, previous=[cn])


_QUOTE = Path(__file__).resolve().parents[1] / "fixtures" / "payloads" / "quote_schedule.json"


@pytest.mark.parametrize("key, value", [(k, v) for k in ("percent", "amount") for v in (
    "1E400", "2E+999999", "1_000", "١٢٣", "NaN", D("NaN"), D("1E+30"), 10 ** 400, 1.5, True, object(), [1])])
def test_quote_deposit_arguments_outside_the_numeric_policy_are_refused_at_their_key(key: str, value: Any) -> None:
    quote = fx.quote_from_payload(json.loads(_QUOTE.read_text(encoding="utf-8")))
    with pytest.raises(fx.ModelError) as info:
        quote.deposit(number="AC-1", issue_date=dt.date(2026, 3, 1), **{key: value})
    assert info.value.field == key


@pytest.mark.parametrize("numbers", [None, "AC-1", 5])
def test_schedule_invoices_refuses_numbers_that_are_no_list(numbers: Any) -> None:
    quote = fx.quote_from_payload(json.loads(_QUOTE.read_text(encoding="utf-8")))
    with pytest.raises(fx.ModelError) as info:
        fx.schedule_invoices(quote, numbers)
    assert info.value.field == "numbers"
