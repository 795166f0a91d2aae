"""Broken XRechnung documents fire the KoSIT rules they break, judged by the official XRechnung 3.0.2
stylesheets (the oracle: nothing here states what a rule says, only which rule an edit breaks).

Each case edits a valid XRechnung example of the shared corpus (CII and UBL) in one place; the edited
document must be invalid with that BR-DE rule among its fatal findings, and the untouched one valid.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from facturx_engine import validate
from installed import needs_extra  # tests/installed.py

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
SOURCES = {"CII": "cii/xrts__01.17a-INVOICE_uncefact.xml", "UBL": "ubl/xrts__01.17a-INVOICE_ubl.xml"}
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}
_AGREEMENT = "//ram:ApplicableHeaderTradeAgreement"
_SETTLEMENT = "//ram:ApplicableHeaderTradeSettlement"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not all((CORPUS / p).is_file() for p in SOURCES.values()),
                       reason=f"!!! SHARED CORPUS MISSING ({CORPUS}): XRechnung rule tests SKIPPED !!!"),
    needs_extra,
]


def _remove(path: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        found = root.xpath(path, namespaces=NS)
        assert found, path
        for element in found:
            element.getparent().remove(element)
    return change


def _set(path: str, text: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        found = root.xpath(path, namespaces=NS)
        assert found, path
        found[0].text = text
    return change


CASES: list[tuple[str, str, Callable[[etree._Element], None]]] = [
    ("BR-DE-15", "UBL", _remove("/*/cbc:BuyerReference")),
    ("BR-DE-15", "CII", _remove(f"{_AGREEMENT}/ram:BuyerReference")),
    ("BR-DE-2", "UBL", _remove("/*/cac:AccountingSupplierParty/cac:Party/cac:Contact")),
    ("BR-DE-2", "CII", _remove(f"{_AGREEMENT}/ram:SellerTradeParty/ram:DefinedTradeContact")),
    ("BR-DE-5", "UBL", _remove("/*/cac:AccountingSupplierParty/cac:Party/cac:Contact/cbc:Name")),
    ("BR-DE-5", "CII", _remove(f"{_AGREEMENT}/ram:SellerTradeParty/ram:DefinedTradeContact/ram:PersonName")),
    ("BR-DE-1", "UBL", _remove("/*/cac:PaymentMeans")),
    ("BR-DE-1", "CII", _remove(f"{_SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans")),
    ("BR-DE-18", "UBL", _set("/*/cac:PaymentTerms/cbc:Note", "#SKONTO#TAGE=7#PROZENT=2,00#\n")),
    ("BR-DE-18", "CII", _set(f"{_SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:Description",
                             "#SKONTO#TAGE=7#PROZENT=2,00#\n")),
]


def _source(syntax: str) -> bytes:
    return (CORPUS / SOURCES[syntax]).read_bytes()


@pytest.mark.parametrize("syntax", sorted(SOURCES))
def test_the_examples_are_valid_xrechnung(syntax: str) -> None:
    report = validate(_source(syntax))
    assert [u.key for u in report.rule_sets] == ["cen", "xrechnung"]
    assert report.valid, [str(f) for f in report.errors]


@pytest.mark.parametrize(("rule", "syntax", "change"), CASES, ids=[f"{r}-{s}" for r, s, _ in CASES])
def test_a_broken_xrechnung_fires_its_kosit_rule(rule: str, syntax: str, change: Callable[[etree._Element], None]):
    root = etree.fromstring(_source(syntax))
    change(root)
    report = validate(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    fired = {f.rule for f in report.errors}
    assert rule in fired, (rule, sorted(fired))
    assert not report.valid
