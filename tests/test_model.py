"""Bad input is refused by the model with an error naming the field, the business term and the rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import pytest

from facturx_engine.errors import ModelError
from facturx_engine.model.records import (
    Address,
    AllowanceCharge,
    CreditNote,
    Delivery,
    Identifier,
    Invoice,
    Line,
    Party,
    Payee,
    PaymentInstructions,
    Vat,
)

DAY = dt.date(2025, 3, 1)
SELLER = Party(name="ACME SAS", vat_id="FR44732829320", legal_id=Identifier.siren("732829320"),
               address=Address(city="Paris", country="FR"))
BUYER = Party(name="Client SARL", vat_id="FR14987654324", address=Address(city="Lyon", country="FR"))


def line(**kw: Any) -> Line:
    base: dict[str, Any] = dict(id="1", name="Item", quantity=D("1"), net_price=D("10.00"), vat=Vat.standard("20"))
    base.update(kw)
    return Line(**base)


def invoice(cls: type = Invoice, **kw: Any) -> Any:
    base: dict[str, Any] = dict(number="F-1", issue_date=DAY, seller=SELLER, buyer=BUYER, lines=[line()])
    base.update(kw)
    return cls(**base)


def refused(build: Callable[[], Any], *, field: str, bt: str | None, rule: str | None,
            match: str | None = None) -> ModelError:
    """``build()`` raises a ModelError carrying (and printing) this field, term and rule."""
    with pytest.raises(ModelError, match=match) as info:
        build()
    err = info.value
    assert (err.field, err.bt, err.rule) == (field, bt, rule), str(err)
    text = str(err)
    for part in (field, bt, rule):
        if part:
            assert part in text, f"{part!r} not in the message {text!r}"
    assert isinstance(err, ValueError)
    return err


# ---------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(("kw", "field", "bt"), [
    ({"quantity": 1.5}, "quantity", "BT-129"),
    ({"net_price": 9.99}, "net_price", "BT-146"),
    ({"base_quantity": 10.0}, "base_quantity", "BT-149"),
])
def test_floats_are_refused(kw, field, bt):
    err = refused(lambda: line(**kw), field=field, bt=bt, rule=None, match="float")
    assert "Decimal" in str(err)


def test_float_amount_of_an_allowance_is_refused():
    refused(lambda: AllowanceCharge(amount=2.5, reason="x"), field="amount", bt="BT-92", rule=None, match="float")


def test_float_vat_rate_is_refused():
    refused(lambda: Vat.standard(20.0), field="rate", bt="BT-152", rule=None, match="float")


def test_ints_and_numeric_strings_are_exact_decimals():
    ln = line(quantity=3, net_price="19.99")
    assert (ln.quantity, ln.net_price) == (D(3), D("19.99"))


def test_negative_price_br_27():
    refused(lambda: line(net_price=D("-1")), field="net_price", bt="BT-146", rule="BR-27")


def test_negative_gross_price_br_28():
    refused(lambda: line(gross_price=D("-1")), field="gross_price", bt="BT-148", rule="BR-28")


def test_document_amount_with_three_decimals():
    refused(lambda: invoice(allowances_charges=[AllowanceCharge(amount=D("1.005"), reason="x",
                                                                vat=Vat.standard("20"))]),
            field="allowances_charges[0].amount", bt="BT-92", rule="BR-DEC-01")


# ---------------------------------------------------------------------------- VAT categories


def test_exemption_reason_on_standard_rate_br_s_10():
    refused(lambda: Vat(category="S", rate=D(20), exemption_reason="exempt"), field="vat.exemption_reason",
            bt="BT-120/BT-121", rule="BR-S-10")


def test_exemption_reason_on_zero_rated_br_z_10():
    refused(lambda: Vat(category="Z", rate=D(0), exemption_code="VATEX-EU-132"), field="vat.exemption_reason",
            bt="BT-120/BT-121", rule="BR-Z-10")


def test_exempt_without_reason_br_e_10():
    refused(lambda: Vat.exempt(), field="vat", bt="BT-120/BT-121", rule="BR-E-10")


def test_standard_rate_zero_br_s_05():
    refused(lambda: Vat.standard("0"), field="vat.rate", bt="BT-152", rule="BR-S-05")


def test_outside_scope_with_a_rate_br_o_05():
    refused(lambda: Vat(category="O", rate=D(0), exemption_reason="n/a"), field="vat.rate", bt="BT-152",
            rule="BR-O-05")


def test_unknown_vat_category_br_cl_18():
    refused(lambda: Vat(category="X", rate=D(1)), field="vat.category", bt="BT-151", rule="BR-CL-18")


def test_outside_scope_mixed_with_standard_br_o_11():
    # tax registration id (BT-32) only: S is satisfied (BR-S-02) and O forbids no BT-32
    seller = Party(name="Asso", legal_id=Identifier.siren("732829320"), tax_id="12/345/67890",
                   address=Address(country="FR"))
    buyer = Party(name="Client", address=Address(country="FR"))
    refused(lambda: invoice(seller=seller, buyer=buyer,
                            lines=[line(id="1", vat=Vat.outside_scope()), line(id="2", vat=Vat.standard("20"))]),
            field="vat.category", bt="BT-151", rule="BR-O-11")


def test_outside_scope_with_a_seller_vat_id_br_o_02():
    refused(lambda: invoice(buyer=Party(name="C", address=Address(country="FR")),
                            lines=[line(vat=Vat.outside_scope())]),
            field="seller.vat_id", bt="BT-31/BT-63/BT-48", rule="BR-O-02")


def test_intra_community_without_buyer_vat_id_br_ic_02():
    buyer = Party(name="Kunde GmbH", address=Address(country="DE"))
    refused(lambda: invoice(buyer=buyer, lines=[line(vat=Vat.intra_community())],
                            delivery=Delivery(date=DAY)),
            field="buyer.vat_id", bt="BT-48", rule="BR-IC-02")


def test_intra_community_without_delivery_date_or_period_br_ic_11():
    buyer = Party(name="Kunde GmbH", vat_id="DE123456788", address=Address(country="DE"))
    refused(lambda: invoice(buyer=buyer, lines=[line(vat=Vat.intra_community())]),
            field="delivery.date", bt="BT-72/BG-14", rule="BR-IC-11")


def test_reverse_charge_without_buyer_identification_br_ae_02():
    buyer = Party(name="Client", address=Address(country="FR"))
    refused(lambda: invoice(buyer=buyer, lines=[line(vat=Vat.reverse_charge())]),
            field="buyer.vat_id", bt="BT-48/BT-47", rule="BR-AE-02")


def test_two_exemption_reasons_for_one_category_br_e_01():
    refused(lambda: invoice(lines=[line(id="1", vat=Vat.exempt("a")), line(id="2", vat=Vat.exempt("b"))]),
            field="vat.exemption_reason", bt="BT-120/BT-121", rule="BR-E-01")


# ---------------------------------------------------------------------------- codes


def test_unknown_currency_br_cl_04():
    refused(lambda: invoice(currency="EUX"), field="currency", bt="BT-5", rule="BR-CL-04")


def test_unknown_country_br_cl_14():
    seller = Party(name="ACME", vat_id="FR44732829320", address=Address(country="FX"))
    refused(lambda: invoice(seller=seller), field="seller.address.country", bt="BT-40", rule="BR-CL-14")


def test_unknown_unit_br_cl_23():
    refused(lambda: invoice(lines=[line(unit="PIECES")]), field="lines[0].unit", bt="BT-130", rule="BR-CL-23")


def test_unknown_vatex_code_br_cl_22():
    refused(lambda: invoice(lines=[line(vat=Vat.exempt(code="VATEX-EU-999"))]),
            field="lines[0].vat.exemption_code", bt="BT-121", rule="BR-CL-22")


def test_vatex_code_in_lower_case_is_known_and_kept_as_written():
    """BR-CL-22 compares upper-case(.) in the CEN CII and UBL rules: a known code in lower case breaks
    nothing, and the model keeps it as written (no silent normalisation)."""
    doc = invoice(lines=[line(vat=Vat.exempt(code="vatex-eu-132-1a"))])
    assert doc.lines[0].vat.exemption_code == "vatex-eu-132-1a"


def test_credit_note_type_on_an_invoice_br_cl_01():
    refused(lambda: invoice(type_code="381"), field="type_code", bt="BT-3", rule="BR-CL-01",
            match="build a CreditNote")


# ---------------------------------------------------------------------------- documents and parties


def test_credit_note_with_negative_quantity():
    err = refused(lambda: invoice(CreditNote, lines=[line(quantity=D("-2"))]), field="lines[0].quantity",
                  bt="BT-129", rule=None)
    assert "positive" in str(err)


def test_invoice_accepts_a_negative_line():
    doc = invoice(lines=[line(id="1", quantity=D("3")), line(id="2", quantity=D("-1"))])
    assert doc.totals.line_total == D("20.00")


def test_private_buyer_with_a_vat_id():
    refused(lambda: Party(name="Jeanne", private_person=True, vat_id="FR14987654324", address=Address(country="FR")),
            field="private_person", bt="BT-46/BT-47/BT-48", rule=None)


def test_buyer_with_two_identifiers_ubl_sr_16():
    buyer = Party(name="Client", identifiers=[Identifier.gln("3012345678901"), Identifier(value="C-1")],
                  address=Address(country="FR"))
    refused(lambda: invoice(buyer=buyer), field="buyer.identifiers", bt="BT-46", rule="UBL-SR-16")


def test_payee_that_is_the_seller_ubl_sr_19():
    refused(lambda: invoice(payee=Payee(name=SELLER.name)), field="payee.name", bt="BT-59", rule="UBL-SR-19")


def test_seller_without_any_identifier_br_co_26():
    seller = Party(name="ACME", address=Address(country="FR"))
    refused(lambda: invoice(seller=seller), field="seller", bt="BT-29/BT-30/BT-31", rule="BR-CO-26")


def test_credit_transfer_without_account_br_61():
    refused(lambda: PaymentInstructions(means_code="58"), field="payment.credit_transfers", bt="BT-84",
            rule="BR-61")


def test_missing_lines_br_16():
    refused(lambda: invoice(lines=[]), field="lines", bt="BG-25", rule="BR-16")


def test_vat_date_and_code_together_br_co_03():
    refused(lambda: invoice(tax_point_date=DAY, tax_point_code="3"), field="tax_point_code", bt="BT-7/BT-8",
            rule="BR-CO-03")


def test_identifier_check_digits_and_bank_accounts_are_verified() -> None:
    import dataclasses

    from facturx_engine.model.records import CreditTransfer, PaymentInstructions

    bad_siren = dataclasses.replace(SELLER, legal_id=Identifier.siren("123456789"))
    refused(lambda: invoice(seller=bad_siren), field="seller.legal_id", bt="BT-29/BT-30", rule=None,
            match="not a valid SIREN")
    bad_siret = dataclasses.replace(SELLER, identifiers=(Identifier.siret("73282932000075"),))
    refused(lambda: invoice(seller=bad_siret), field="seller.identifiers[0]", bt="BT-29/BT-30", rule=None,
            match="not a valid SIRET")
    good_siret = dataclasses.replace(SELLER, identifiers=(Identifier.siret("73282932000074"),))
    assert invoice(seller=good_siret).seller.identifiers[0].value == "73282932000074"
    bad_iban = PaymentInstructions(means_code="58", credit_transfers=[CreditTransfer(account_id="FR7630006000011234567890188")])
    refused(lambda: invoice(payment=bad_iban), field="payment.credit_transfers[0].account_id", bt="BT-84", rule=None,
            match="not a valid IBAN")
    bad_bic = PaymentInstructions(means_code="58", credit_transfers=[
        CreditTransfer(account_id="FR7630006000011234567890189", bic="NOTABIC!")])
    refused(lambda: invoice(payment=bad_bic), field="payment.credit_transfers[0].bic", bt="BT-86", rule=None,
            match="not a valid BIC")


def test_gross_price_minus_discount_must_give_the_net_price() -> None:
    refused(lambda: line(net_price=D("9.00"), gross_price=D("10.00"), price_discount=D("0.50")),
            field="net_price", bt="BT-146", rule="PEPPOL-EN16931-R046", match="must equal gross price")
    refused(lambda: line(net_price=D("9.00"), gross_price=D("8.00")), field="gross_price", bt="BT-148", rule=None,
            match="below the net price")
    assert line(net_price=D("9.00"), gross_price=D("10.00"), price_discount=D("1.00")).net_price == D("9.00")


def test_private_buyer_has_no_trading_name() -> None:
    refused(lambda: Party(name="Jean Dupont", trading_name="JD", private_person=True,
                          address=Address(city="Paris", country="FR")),
            field="trading_name", bt="BT-45", rule=None, match="no trading name")


def test_payee_must_not_be_the_seller() -> None:
    """Found by the property tests: a payee carrying the seller's identifier breaks BR-17 in UBL."""
    import dataclasses

    from facturx_engine.model.records import Payee

    seller = dataclasses.replace(SELLER, identifiers=(Identifier.gln("3000000000007"),))
    refused(lambda: invoice(seller=seller, payee=Payee(name="Factor SA", identifier=Identifier.gln("3000000000007"))),
            field="payee.identifier", bt="BT-60", rule="BR-17")
    refused(lambda: invoice(payee=Payee(name="Factor SA", legal_id=SELLER.legal_id)),
            field="payee.legal_id", bt="BT-61", rule="BR-17")


# ---------------------------------------------------------------------------- every bad code (reading mode)


def _many_bad_codes() -> dict[str, Any]:
    """An invoice with seven bad codes and identifiers, in the order check_codes looks at them."""
    from facturx_engine.model.records import CreditTransfer, Note

    seller = Party(name="ACME SAS", vat_id="FR44732829320", legal_id=Identifier.siren("123456789"),
                   address=Address(city="Paris", country="FX"))
    payment = PaymentInstructions(means_code="58", credit_transfers=[
        CreditTransfer(account_id="FR7630006000011234567890188", bic="NOTABIC!")])
    return dict(currency="EUX", seller=seller, payment=payment, notes=[Note(text="n", subject_code="QQQ")],
                lines=[line(unit="PIECES"), line(id="2", vat=Vat.exempt(code="VATEX-EU-999")),
                       line(id="3", unit="BOXES")])


EVERY_BAD_CODE = [  # (field, term, rule) of each, in check order
    ("currency", "BT-5", "BR-CL-04"),
    ("seller.address.country", "BT-40", "BR-CL-14"),
    ("seller.legal_id", "BT-29/BT-30", None),
    ("notes[0].subject_code", "BT-21", "BR-CL-08"),
    ("payment.credit_transfers[0].account_id", "BT-84", None),
    ("payment.credit_transfers[0].bic", "BT-86", None),
    ("lines[0].unit", "BT-130", "BR-CL-23"),
    ("lines[1].vat.exemption_code", "BT-121", "BR-CL-22"),
    ("lines[2].unit", "BT-130", "BR-CL-23"),
]


def test_a_new_document_stops_at_its_first_bad_code() -> None:
    """Outside the reading mode check_codes raises the first bad code, as it always did."""
    refused(lambda: invoice(**_many_bad_codes()), field="currency", bt="BT-5", rule="BR-CL-04")
    kw = _many_bad_codes()
    del kw["currency"]
    refused(lambda: invoice(**kw), field="seller.address.country", bt="BT-40", rule="BR-CL-14")


def test_reading_mode_records_every_bad_code() -> None:
    """In the reading mode each bad code is recorded (field, term, rule) and the values are kept."""
    from facturx_engine.model.records import collect_breaches

    with collect_breaches() as found:
        doc = invoice(**_many_bad_codes())
    assert [(e.field, e.bt, e.rule) for e in found] == EVERY_BAD_CODE
    assert all(e.field and e.field in str(e) for e in found)
    assert (doc.currency, doc.seller.country, doc.lines[2].unit) == ("EUX", "FX", "BOXES")  # kept, not fixed


def test_a_bad_line_vat_code_is_recorded_once_not_again_for_its_allowances() -> None:
    """Line allowances take the line's VAT: its bad VATEX code is one breach, not one per allowance."""
    from facturx_engine.model.records import collect_breaches

    ac = AllowanceCharge(amount=D("1.00"), reason="Remise")
    with collect_breaches() as found:
        invoice(lines=[line(vat=Vat.exempt(code="VATEX-EU-999"), allowances_charges=[ac, ac])])
    assert [(e.field, e.rule) for e in found] == [("lines[0].vat.exemption_code", "BR-CL-22")]
    doc_ac = AllowanceCharge(amount=D("1.00"), reason="Remise", vat=Vat.exempt(code="VATEX-EU-999"))
    with collect_breaches() as found:  # a document allowance has its own VAT: its code is its own breach
        invoice(lines=[line(vat=Vat.exempt(code="VATEX-EU-999"))], allowances_charges=[doc_ac])
    assert [(e.field, e.rule) for e in found] == [("lines[0].vat.exemption_code", "BR-CL-22"),
                                                  ("allowances_charges[0].vat.exemption_code", "BR-CL-22")]
