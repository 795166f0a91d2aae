"""Property tests: random valid documents (tests/strategies.py) through the model, both writers
and the official validators.

* every document written as CII (Factur-X EN 16931) and UBL 2.1 passes ``validate()`` with no
  fatal finding, and neither writer reports data it could not carry;
* the EN 16931 calculation rules BR-CO-10..17 hold *exactly* on the model's totals, and on the
  totals read back from both XML documents (so writers and model agree);
* B2C documents carry no buyer identifier and no L441-10 notes; French B2B ones carry them;
* the writers are deterministic.

Runs are reproducible (``derandomize=True``, no example database). Set
``FACTURX_HYPOTHESIS_SCALE`` (e.g. 10) for a deeper local run.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from lxml import etree

from facturx_engine.syntax.cii import ProfileWarning, to_cii
from facturx_engine.model.codes import Profile
from facturx_engine.syntax.ubl import to_ubl
from facturx_engine.validation.core import validate

from strategies import b2c_documents, documents, french_b2b_documents  # tests/ is on sys.path

SCALE = int(os.environ.get("FACTURX_HYPOTHESIS_SCALE", "1"))


def scaled(n: int) -> settings:
    return settings(max_examples=n * SCALE, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CENT = Decimal("0.01")
L441_CODES = {"PMD", "PMT", "AAB"}


def half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def two_decimals(value: Decimal) -> bool:
    return value == value.quantize(CENT)


def write_both(doc):
    """CII (EN 16931) and UBL bytes; a ProfileWarning (data the target cannot carry) fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProfileWarning)
        return to_cii(doc, Profile.EN16931), to_ubl(doc)


def describe(doc) -> str:
    t = doc.totals
    return (f"{type(doc).__name__} {doc.type_code} b2c={doc.is_b2c} gross={doc.prices_include_vat} "
            f"categories={[(b.category.value, b.rate) for b in t.vat_breakdown]} totals={t.as_terms()}")


# ---------------------------------------------------------------------------- validation


@scaled(300)
@given(documents())
def test_random_documents_pass_the_official_validators(doc):
    cii, ubl = write_both(doc)
    for name, xml in (("CII EN 16931", cii), ("UBL", ubl)):
        report = validate(xml, factur_x=True)
        assert report.valid, (f"{name} of {describe(doc)} has fatal findings:\n"
                              + "\n".join(str(f) for f in report.errors) + "\n" + xml.decode())


# ---------------------------------------------------------------------------- calculation rules


@dataclasses.dataclass
class Figures:
    """Totals and breakdown as numbers, from the model or read back from XML (absent = 0)."""

    lines: list[Decimal]
    allowances: list[Decimal]                       # document-level BT-92
    charges: list[Decimal]                          # document-level BT-99
    breakdown: list[tuple[str, Decimal | None, Decimal, Decimal]]  # (BT-118, BT-119, BT-116, BT-117)
    totals: dict[str, Decimal]                      # BT-106..BT-115


def model_figures(doc) -> Figures:
    t = doc.totals
    acs = list(zip(doc.allowances_charges, t.document_allowance_charge_amounts))
    return Figures(
        lines=[la.net_amount for la in t.lines],
        allowances=[amt for ac, amt in acs if not ac.charge],
        charges=[amt for ac, amt in acs if ac.charge],
        breakdown=[(b.category.value, b.rate, b.taxable_amount, b.tax_amount) for b in t.vat_breakdown],
        totals={k: v for k, v in t.as_terms().items() if k != "BT-111"},
    )


def _num(el) -> Decimal:
    return Decimal(el.text)


def _opt(root, path: str) -> Decimal:
    found = root.xpath(path, namespaces=NS)
    assert len(found) <= 1, f"{path} occurs {len(found)} times"
    return _num(found[0]) if found else Decimal("0.00")


def cii_figures(xml: bytes, currency: str) -> Figures:
    root = etree.fromstring(xml)
    s = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
    m = f"{s}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"

    def acs(indicator: str) -> list[Decimal]:
        return [_num(e) for e in root.xpath(
            f"{s}/ram:SpecifiedTradeAllowanceCharge[ram:ChargeIndicator/udt:Indicator='{indicator}']/ram:ActualAmount",
            namespaces=NS)]

    breakdown = []
    for tax in root.xpath(f"{s}/ram:ApplicableTradeTax", namespaces=NS):
        rate = tax.findtext("ram:RateApplicablePercent", namespaces=NS)
        breakdown.append((tax.findtext("ram:CategoryCode", namespaces=NS), None if rate is None else Decimal(rate),
                          Decimal(tax.findtext("ram:BasisAmount", namespaces=NS)),
                          Decimal(tax.findtext("ram:CalculatedAmount", namespaces=NS))))
    return Figures(
        lines=[_num(e) for e in root.xpath(
            "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeSettlement"
            "/ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount", namespaces=NS)],
        allowances=acs("false"),
        charges=acs("true"),
        breakdown=breakdown,
        totals={
            "BT-106": _opt(root, f"{m}/ram:LineTotalAmount"),
            "BT-107": _opt(root, f"{m}/ram:AllowanceTotalAmount"),
            "BT-108": _opt(root, f"{m}/ram:ChargeTotalAmount"),
            "BT-109": _opt(root, f"{m}/ram:TaxBasisTotalAmount"),
            "BT-110": _opt(root, f"{m}/ram:TaxTotalAmount[@currencyID='{currency}']"),
            "BT-112": _opt(root, f"{m}/ram:GrandTotalAmount"),
            "BT-113": _opt(root, f"{m}/ram:TotalPrepaidAmount"),
            "BT-114": _opt(root, f"{m}/ram:RoundingAmount"),
            "BT-115": _opt(root, f"{m}/ram:DuePayableAmount"),
        },
    )


def ubl_figures(xml: bytes) -> Figures:
    root = etree.fromstring(xml)
    m = "cac:LegalMonetaryTotal"

    def acs(indicator: str) -> list[Decimal]:
        return [_num(e) for e in root.xpath(f"cac:AllowanceCharge[cbc:ChargeIndicator='{indicator}']/cbc:Amount",
                                            namespaces=NS)]

    breakdown = []
    for sub in root.xpath("cac:TaxTotal/cac:TaxSubtotal", namespaces=NS):
        rate = sub.findtext("cac:TaxCategory/cbc:Percent", namespaces=NS)
        breakdown.append((sub.findtext("cac:TaxCategory/cbc:ID", namespaces=NS),
                          None if rate is None else Decimal(rate),
                          Decimal(sub.findtext("cbc:TaxableAmount", namespaces=NS)),
                          Decimal(sub.findtext("cbc:TaxAmount", namespaces=NS))))
    return Figures(
        lines=[_num(e) for e in root.xpath("cac:InvoiceLine/cbc:LineExtensionAmount | "
                                           "cac:CreditNoteLine/cbc:LineExtensionAmount", namespaces=NS)],
        allowances=acs("false"),
        charges=acs("true"),
        breakdown=breakdown,
        totals={
            "BT-106": _opt(root, f"{m}/cbc:LineExtensionAmount"),
            "BT-107": _opt(root, f"{m}/cbc:AllowanceTotalAmount"),
            "BT-108": _opt(root, f"{m}/cbc:ChargeTotalAmount"),
            "BT-109": _opt(root, f"{m}/cbc:TaxExclusiveAmount"),
            "BT-110": _opt(root, "cac:TaxTotal[cac:TaxSubtotal]/cbc:TaxAmount"),
            "BT-112": _opt(root, f"{m}/cbc:TaxInclusiveAmount"),
            "BT-113": _opt(root, f"{m}/cbc:PrepaidAmount"),
            "BT-114": _opt(root, f"{m}/cbc:PayableRoundingAmount"),
            "BT-115": _opt(root, f"{m}/cbc:PayableAmount"),
        },
    )


def check_rules(f: Figures, where: str) -> None:
    """BR-CO-10..17, the (category, rate) grouping and the 2-decimal limit, exactly."""
    t = f.totals
    amounts = f.lines + f.allowances + f.charges + list(t.values()) + [x for b in f.breakdown for x in b[2:]]
    assert all(two_decimals(a) for a in amounts), f"{where}: an amount has more than 2 decimals: {amounts}"
    assert t["BT-106"] == sum(f.lines, Decimal(0)), f"{where}: BR-CO-10 {t['BT-106']} != Σ BT-131 {f.lines}"
    assert t["BT-107"] == sum(f.allowances, Decimal(0)), f"{where}: BR-CO-11 {t['BT-107']} != Σ {f.allowances}"
    assert t["BT-108"] == sum(f.charges, Decimal(0)), f"{where}: BR-CO-12 {t['BT-108']} != Σ {f.charges}"
    assert t["BT-109"] == t["BT-106"] - t["BT-107"] + t["BT-108"], f"{where}: BR-CO-13 {t}"
    assert t["BT-110"] == sum((b[3] for b in f.breakdown), Decimal(0)), f"{where}: BR-CO-14 {t} {f.breakdown}"
    assert t["BT-112"] == t["BT-109"] + t["BT-110"], f"{where}: BR-CO-15 {t}"
    assert t["BT-115"] == t["BT-112"] - t["BT-113"] + t["BT-114"], f"{where}: BR-CO-16 {t}"
    keys = [(cat, None if rate is None else rate.normalize()) for cat, rate, _, _ in f.breakdown]
    assert len(keys) == len(set(keys)), f"{where}: two VAT breakdowns with the same (category, rate): {keys}"
    assert f.breakdown, f"{where}: BR-CO-18 no VAT breakdown"
    for cat, rate, basis, tax in f.breakdown:
        expected = half_up(basis * (rate or 0) / 100)
        assert tax == expected, f"{where}: BR-CO-17 {cat} {rate}: BT-117 {tax} != round({basis} × {rate} %) {expected}"
    assert sum((b[2] for b in f.breakdown), Decimal(0)) == t["BT-109"], f"{where}: Σ BT-116 != BT-109"


def check_against_inputs(doc) -> None:
    """The model's figures follow from the document's own inputs (calculation.md §1.3, §2.3)."""
    t = doc.totals
    shown = Decimal(0)
    by_key: dict[tuple, Decimal] = defaultdict(Decimal)
    for line, la in zip(doc.lines, t.lines):
        extended = line.quantity * line.net_price / (line.base_quantity or 1) + sum(
            (ac.amount if ac.charge else -ac.amount for ac in line.allowances_charges), Decimal(0))
        if doc.prices_include_vat:
            factor = 1 + (line.vat.rate or Decimal(0)) / 100
            shown += half_up(extended)
            wanted = half_up(half_up(extended) / factor)
            signed = sum((n if ac.charge else -n for ac, n in zip(line.allowances_charges, la.allowance_charge_amounts)),
                         Decimal(0))
            if wanted - signed < 0 or line.quantity == 0:
                # No net price >= 0 (BR-27) gives round(shown / (1 + rate)) once the net allowances and charges
                # are rounded (or quantity is 0): BT-131 is what the written figures give, BT-114 takes the rest.
                assert la.net_amount == half_up(line.quantity * la.net_price / (line.base_quantity or 1) + signed), \
                    f"BT-131 of line {line.id} (gross mode, no price gives {wanted})"
            else:
                assert la.net_amount == wanted, f"BT-131 of line {line.id} (gross mode)"
        else:
            assert la.net_amount == half_up(extended), f"BT-131 of line {line.id}: {la.net_amount} != {extended}"
        by_key[line.vat.key] += la.net_amount
    for ac, amount in zip(doc.allowances_charges, t.document_allowance_charge_amounts):
        if not doc.prices_include_vat:
            assert amount == ac.amount
        by_key[ac.vat.key] += amount if ac.charge else -amount
        shown += ac.amount if ac.charge else -ac.amount
    assert {(b.category.value, None if b.rate is None else b.rate.normalize() + 0): b.taxable_amount
            for b in t.vat_breakdown} == dict(by_key), "BT-116 per (category, rate)"
    assert t.paid == (doc.paid_amount or 0)
    if doc.prices_include_vat:
        # the amount due is what the customer was shown; the difference is in BT-114
        assert t.grand_total + t.rounding - (doc.rounding_amount or 0) == shown, (t, shown)
    else:
        assert t.rounding == (doc.rounding_amount or 0)


@scaled(250)
@given(documents())
def test_calculation_rules_hold_exactly_on_the_model(doc):
    check_rules(model_figures(doc), f"model of {describe(doc)}")
    check_against_inputs(doc)


@scaled(150)
@given(documents())
def test_calculation_rules_hold_on_the_written_xml(doc):
    cii, ubl = write_both(doc)
    model = model_figures(doc)
    for name, figures in (("CII", cii_figures(cii, doc.currency)), ("UBL", ubl_figures(ubl))):
        where = f"{name} of {describe(doc)}"
        check_rules(figures, where)
        assert figures.totals == model.totals, f"{where}: totals differ from the model"
        assert figures.lines == model.lines, f"{where}: BT-131 differ from the model"
        assert sorted(figures.allowances) == sorted(model.allowances), where
        assert sorted(figures.charges) == sorted(model.charges), where
        assert [(c, b, x) for c, _, b, x in figures.breakdown] == [(c, b, x) for c, _, b, x in model.breakdown], where
        assert [r for _, r, _, _ in figures.breakdown] == [r for _, r, _, _ in model.breakdown], where


@scaled(100)
@given(documents())
def test_written_prices_are_consistent(doc):
    """BT-146 = BT-148 − BT-147 whenever a gross price is written (calculation.md §1.1), also when the
    document's prices include VAT (every written price is then net of VAT)."""
    cii, ubl = write_both(doc)
    root = etree.fromstring(cii)
    for agreement in root.xpath("//ram:SpecifiedLineTradeAgreement", namespaces=NS):
        gross = agreement.xpath("ram:GrossPriceProductTradePrice/ram:ChargeAmount/text()", namespaces=NS)
        if gross:
            discount = agreement.xpath("ram:GrossPriceProductTradePrice/ram:AppliedTradeAllowanceCharge/"
                                       "ram:ActualAmount/text()", namespaces=NS)
            net = agreement.xpath("ram:NetPriceProductTradePrice/ram:ChargeAmount/text()", namespaces=NS)
            assert Decimal(net[0]) == Decimal(gross[0]) - sum(map(Decimal, discount), Decimal(0)), describe(doc)
    root = etree.fromstring(ubl)
    for price in root.xpath("//cac:Price[cac:AllowanceCharge]", namespaces=NS):
        net, base, amount = (price.findtext(p, namespaces=NS) for p in (
            "cbc:PriceAmount", "cac:AllowanceCharge/cbc:BaseAmount", "cac:AllowanceCharge/cbc:Amount"))
        assert None not in (net, base, amount), f"UBL price incomplete ({net}, {base}, {amount}): {describe(doc)}"
        assert Decimal(net) == Decimal(base) - Decimal(amount), describe(doc)


# ---------------------------------------------------------------------------- B2C / B2B parties and notes

CII_BUYER = ("rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty")
UBL_BUYER = "cac:AccountingCustomerParty/cac:Party"


def cii_note_codes(root) -> list[str]:
    return root.xpath("rsm:ExchangedDocument/ram:IncludedNote/ram:SubjectCode/text()", namespaces=NS)


def ubl_note_codes(root) -> list[str]:
    return [n.split("#")[1] for n in root.xpath("cbc:Note/text()", namespaces=NS) if n.startswith("#")]


@scaled(100)
@given(b2c_documents())
def test_b2c_documents_carry_no_buyer_identifiers_nor_l441_notes(doc):
    cii, ubl = write_both(doc)
    root = etree.fromstring(cii)
    for child in ("ram:ID", "ram:GlobalID", "ram:SpecifiedLegalOrganization", "ram:SpecifiedTaxRegistration"):
        assert not root.xpath(f"{CII_BUYER}/{child}", namespaces=NS), f"CII buyer has {child}"
    assert not L441_CODES & set(cii_note_codes(root)), cii_note_codes(root)
    root = etree.fromstring(ubl)
    for child in ("cac:PartyIdentification", "cac:PartyLegalEntity/cbc:CompanyID", "cac:PartyTaxScheme"):
        assert not root.xpath(f"{UBL_BUYER}/{child}", namespaces=NS), f"UBL buyer has {child}"
    assert not L441_CODES & set(ubl_note_codes(root)), ubl_note_codes(root)


@scaled(60)
@given(french_b2b_documents())
def test_french_b2b_documents_carry_the_l441_notes_once(doc):
    cii, ubl = write_both(doc)
    for codes in (cii_note_codes(etree.fromstring(cii)), ubl_note_codes(etree.fromstring(ubl))):
        for code in L441_CODES:
            assert codes.count(code) == 1, (code, codes)


# ---------------------------------------------------------------------------- determinism


@scaled(40)
@given(documents())
def test_same_input_gives_the_same_bytes(doc):
    first = write_both(doc)
    assert write_both(doc) == first
    assert write_both(dataclasses.replace(doc)) == first  # an equal, separately built document
    assert to_cii(doc, Profile.EXTENDED) == to_cii(doc, Profile.EXTENDED)


# ---------------------------------------------------------------------------- VAT-inclusive round trip


@scaled(120)
@given(b2c_documents(prices_include_vat=True))
def test_vat_inclusive_documents_read_back_without_findings_and_rewrite_identically(doc):
    """The engine's own VAT-inclusive (B2C shelf price) output, read back, states totals that the
    lines give (no BR-CO finding: every written BT-146 reproduces its BT-131) and writes the same
    bytes again, in CII and in UBL."""
    from facturx_engine import read_document

    cii, ubl = write_both(doc)
    for name, xml, write in (("CII", cii, lambda d: to_cii(d, Profile.EN16931)), ("UBL", ubl, to_ubl)):
        result = read_document(xml)
        totals = [str(f) for f in result.findings if f.kind == "totals" or (f.rule or "").startswith("BR-CO")]
        assert not totals, f"{name} of {describe(doc)}: {totals}"
        assert write(result.document) == xml, f"{name} of {describe(doc)}: re-written bytes differ"
