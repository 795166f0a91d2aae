"""Every model value is either written or reported as lost, by every writer and by convert.

The oracle is the Factur-X EXTENDED CII, which carries every business term of the table: its
re-reading gives the document back (so EXTENDED carries every model value), and every term value
it holds (read through the table, :func:`~facturx_engine.syntax.read.term_values`) must then be in the
output of each other writer (CII MINIMUM .. EN 16931, UBL Invoice / CreditNote), or named in that
writer's loss report (``WriteResult.dropped``, the ProfileWarning / ProfileError of ``to_cii`` /
``to_ubl``). ``convert`` lists every such value in ``Conversion.lost``.

Pinned cases: the EXTENDED-only preceding invoice type code (EXT-FR-FE-02) under EN 16931 and in
UBL; a second buyer identifier in UBL (UBL-SR-16: one PartyIdentification; the written UBL
passes the UBL Schematron).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import warnings
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import facturx_engine as fx
from facturx_engine.syntax.read import read_document, term_values
from facturx_engine.syntax.cii import write_cii
from facturx_engine.model.codes import Profile
from facturx_engine.apps.convert import compare_terms
from facturx_engine.errors import ProfileError
from facturx_engine.model.records import (Address, Identifier, Invoice, Line, Party, PrecedingInvoice, Vat,
                                  collect_breaches)
from facturx_engine.syntax.ubl import write_ubl

import strategies
from test_read import expected_after_read
from test_terms import rich_document

LOWER = [Profile.MINIMUM, Profile.BASIC_WL, Profile.BASIC, Profile.EN16931]
IGNORED = {"BT-24"}  # each writer states its own specification identifier (the profile's)


def _covered(term: str, dropped: set[str]) -> bool:
    """A missing value is reported when its term, or the term it is the scheme/attribute of, is."""
    base = "-".join(term.split("-")[:2])
    return term in dropped or base in dropped or term in IGNORED


def _writers(doc: Any) -> list[tuple[str, bytes, set[str]]]:
    out = []
    for profile in LOWER:
        result = write_cii(doc, profile)
        out.append((f"CII {profile.value}", result.xml, set(result.dropped)))
    result = write_ubl(doc)
    out.append(("UBL", result.xml, set(result.dropped)))
    return out


def assert_written_or_reported(doc: Any) -> None:
    full = write_cii(doc, Profile.EXTENDED)
    assert not full.dropped, full.dropped  # EXTENDED carries every term of the table
    reference = term_values(full.xml)
    for name, xml, dropped in _writers(doc):
        _, missing = compare_terms(reference, term_values(xml))
        silent = sorted({f"{v.term} {v.value[:30]!r}" for v in missing if not _covered(v.term, dropped)})
        assert not silent, f"{name} drops without reporting: {silent} (reported: {sorted(dropped)})"


def assert_extended_gives_the_document_back(doc: Any) -> None:
    expected = expected_after_read(doc, "cii", extended=True)
    if expected is None:  # VAT-inclusive: net figures, compared through the bytes in test_properties
        return
    expected = dataclasses.replace(expected, preceding_invoices=doc.preceding_invoices)  # EXTENDED keeps them
    xml = fx.to_cii(doc, Profile.EXTENDED, strict=True)
    back = read_document(xml).document
    assert dataclasses.replace(back, specification_id=None) == expected


@settings(max_examples=120, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(strategies.documents(extended=True))
def test_every_model_value_is_written_or_reported_by_every_writer(doc: Any) -> None:
    assert_written_or_reported(doc)
    assert_extended_gives_the_document_back(doc)


@pytest.mark.parametrize("credit_note", [False, True], ids=["invoice", "credit-note"])
def test_a_document_with_every_term_is_written_or_reported_by_every_writer(credit_note: bool) -> None:
    doc = rich_document(credit_note)
    assert_written_or_reported(doc)
    assert_extended_gives_the_document_back(doc)


# ---------------------------------------------------------------------------- pinned cases


def _invoice(buyer_ids: tuple[Identifier, ...] = (), preceding_type: str | None = "386") -> Invoice:
    seller = Party(name="Vendeur SAS", vat_id="FR83852147966", identifiers=(Identifier.siret("85214796600018"),),
                   address=Address(country="FR"))
    with collect_breaches():  # reading mode: a received document may hold two buyer identifiers
        buyer = Party(name="Client SA", vat_id="FR44824693170", identifiers=buyer_ids, address=Address(country="FR"))
        return Invoice(number="F-1", issue_date=dt.date(2026, 3, 2), seller=seller, buyer=buyer,
                       lines=(Line(id="1", name="Article", net_price=Decimal(10), vat=Vat.standard(20)),),
                       preceding_invoices=(PrecedingInvoice(number="AC-1", issue_date=dt.date(2026, 1, 5),
                                                            type_code=preceding_type),))


def test_the_preceding_invoice_type_code_is_reported_where_it_cannot_be_written() -> None:
    doc = _invoice()
    assert b"<ram:TypeCode>386</ram:TypeCode>" in fx.to_cii(doc, Profile.EXTENDED, strict=True)
    for write in (lambda d, **kw: fx.to_cii(d, Profile.EN16931, **kw), lambda d, **kw: fx.to_cii(d, Profile.BASIC_WL, **kw),
                  fx.to_ubl):
        with pytest.warns(fx.ProfileWarning, match=r"EXT-FR-FE-02 \(preceding invoice type code\)"):
            xml = write(doc)
        assert b"386" not in xml
        with pytest.raises(ProfileError) as info:
            write(doc, strict=True)
        assert "EXT-FR-FE-02" in info.value.dropped
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no type code: nothing to report
        fx.to_ubl(_invoice(preceding_type=None))
        fx.to_cii(_invoice(preceding_type=None))


def test_convert_reports_the_preceding_invoice_type_code() -> None:
    xml = fx.to_cii(_invoice(), Profile.EXTENDED)
    for to, profile in (("ubl", None), ("cii", "en16931")):
        with pytest.warns(fx.ProfileWarning):
            conv = fx.convert(xml, to=to, profile=profile, validate=False)
        assert any(str(item).startswith("EXT-FR-FE-02 '386'") for item in conv.lost), conv.lost
        with pytest.raises(ProfileError):
            fx.convert(xml, to=to, profile=profile, strict=True, validate=False)


def test_ubl_carries_one_buyer_identifier_and_reports_the_others() -> None:
    ids = (Identifier.gln("3098765432109"), Identifier(value="C-42"))
    doc = _invoice(ids, preceding_type=None)
    with pytest.warns(fx.ProfileWarning, match=r"BT-46"):
        ubl = fx.to_ubl(doc)
    buyer = ubl.split(b"<cac:AccountingCustomerParty>")[1]
    assert buyer.count(b"<cac:PartyIdentification>") == 1 and b"3098765432109" in buyer and b"C-42" not in buyer
    report = fx.validate(ubl)
    assert report.valid and not [f for f in report.findings if f.rule == "UBL-SR-16"], str(report)
    with pytest.raises(ProfileError) as info:
        fx.to_ubl(doc, strict=True)
    assert info.value.dropped == ("BT-46",)
    cii = fx.to_cii(doc, Profile.EN16931)  # CII can state both (ram:ID and ram:GlobalID)
    with pytest.warns(fx.ProfileWarning):
        conv = fx.convert(cii, to="ubl")
    assert conv.report.valid and not [f for f in conv.report.findings if f.rule == "UBL-SR-16"]
    assert [item for item in conv.lost if str(item).startswith("BT-46 ") and item.bt_ids == ("BT-46",)], conv.lost
