"""Integrity of the business-term table (facturx_engine.syntax.terms.TERMS) against the spec digest
(``../shared/spec/en16931-terms.tsv``, next to the repository) and
against the model, plus a presence round trip: every row with data is found in the written XML. (Which model field
carries which term is generated from the table: tests/test_fieldterms.py.)"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
from decimal import Decimal as D
from pathlib import Path

import pytest
from lxml import etree

from facturx_engine.syntax.context import WriteContext
from facturx_engine.syntax.engine import NS
from facturx_engine.syntax.cii import ProfileWarning, to_cii
from facturx_engine.model.codes import Profile
from facturx_engine.model.records import (
    Address,
    AllowanceCharge,
    Attachment,
    CardPayment,
    Contact,
    CreditNote,
    CreditTransfer,
    Delivery,
    DirectDebit,
    Identifier,
    Invoice,
    ItemAttribute,
    Line,
    LineInvoiceReference,
    LineSeller,
    Note,
    Party,
    Payee,
    PaymentInstructions,
    Period,
    PrecedingInvoice,
    RelatedParty,
    TaxRepresentative,
    Vat,
)
from facturx_engine.syntax.terms import TERMS, Term
from facturx_engine.syntax.ubl import UBL_GUIDELINE, to_ubl

SPEC = Path(__file__).resolve().parents[1].parent / "shared" / "spec" / "en16931-terms.tsv"

pytestmark = pytest.mark.skipif(not SPEC.is_file(), reason=f"spec digest missing: {SPEC}")

SYNTAXES = {"cii": "cii_xpath", "ubl": "ubl_xpath", "ubl-cn": "ubl_creditnote_xpath"}
PROFILE_NAMES = {"MINIMUM": Profile.MINIMUM, "BASIC WL": Profile.BASIC_WL, "BASIC": Profile.BASIC,
                 "EN16931": Profile.EN16931, "EXTENDED": Profile.EXTENDED}
TERM_ID = re.compile(r"^B[TG]-\d+(-\d+)?$")

# Rows that are the *container* of a repeating group named after the BT it repeats: the TSV names
# the identifier element inside it, which is the next row of the table (context = this row).
CONTAINER_ROWS = {
    ("cii", "BT-158"): "ram:DesignatedProductClassification repeats; BT-158 itself is its ram:ClassCode",
    ("ubl", "BT-29"): "cac:PartyIdentification repeats; the identifier is its cbc:ID",
    ("ubl", "BT-46"): "cac:PartyIdentification (buyer); the identifier is its cbc:ID",
    ("ubl", "BT-60"): "cac:PartyIdentification (payee); the identifier is its cbc:ID",
    ("ubl", "BT-158"): "cac:CommodityClassification repeats; BT-158 itself is its cbc:ItemClassificationCode",
    ("ubl-cn", "BT-29"): "as for the UBL Invoice",
    ("ubl-cn", "BT-46"): "as for the UBL Invoice",
    ("ubl-cn", "BT-60"): "as for the UBL Invoice",
    ("ubl-cn", "BT-158"): "as for the UBL Invoice",
}
# Rows whose profile differs from the TSV's facturx_min_profile (none today).
PROFILE_EXCEPTIONS: dict[str, str] = {}
# Terms with a TSV path in a syntax but no row writing them there, with the reason.
NO_ROW_IN_SYNTAX = {
    ("ubl", "BT-21"): "UBL has no element for the note subject code: written as the '#CODE#' prefix of cbc:Note "
                      "by the BT-22 row's NOTE formatter",
    ("ubl-cn", "BT-21"): "as for the UBL Invoice",
}
# Model fields naming a BG that has no row of its own: containers created by their terms' paths.
CONTAINERS_WITHOUT_ROW = {
    "BG-4": "seller: every BT-27..BT-34 / BG-5 / BG-6 row writes under SellerTradeParty / AccountingSupplierParty",
    "BG-6": "seller contact: DefinedTradeContact / cac:Contact exists only through BT-41..BT-43",
    "BG-7": "buyer: rows BT-44..BT-49 / BG-8 / BG-9",
    "BG-9": "buyer contact: DefinedTradeContact / cac:Contact exists only through BT-56..BT-58",
    "BG-10": "payee: rows BT-59..BT-61",
    "BG-11": "tax representative: rows BT-62, BT-63 and BG-12",
    "BG-12": "tax representative address: rows BT-64..BT-69, BT-164",
    "BG-13": "delivery: rows BT-70..BT-72, BG-14 and BG-15 (CII ApplicableHeaderTradeDelivery is schema-mandatory)",
    "BG-14": "invoicing period: rows BT-73, BT-74",
    "BG-15": "deliver-to address: rows BT-75..BT-80, BT-165",
    "BG-17": "credit transfer: rows BT-84..BT-86 inside each payment-means entry",
    "BG-18": "payment card: rows BT-87, BT-88",
    "BG-19": "direct debit: rows BT-89..BT-91 (CII has no single container)",
    "BG-26": "line period: rows BT-134, BT-135",
    "BG-30": "line VAT: rows BT-151, BT-152",
}
# Measured: every one of the 180 BT ids of the TSV has a row (the missing ones are BG containers).
MIN_BT_COVERAGE = 180


def load_tsv() -> dict[str, dict[str, str]]:
    with SPEC.open(encoding="utf-8", newline="") as fh:
        return {r["id"]: r for r in csv.DictReader(fh, delimiter="\t")}


TSV = load_tsv() if SPEC.is_file() else {}
CONTEXTS = {t.context_name: t for t in TERMS if t.repeat}


def reported(t: Term) -> bool:
    return not (t.id.startswith("_") or t.id.startswith("EXT-"))


def full_path(t: Term, syntax: str) -> str | None:
    """The row's path from the document root, through the repeating rows of its context."""
    path = t.path_for(syntax)
    if path is None:
        return None
    if t.ctx == "DOC":
        return path
    parent = full_path(CONTEXTS[t.ctx], syntax)
    if parent is None:
        return None
    return parent if path == "." else f"{parent}/{path}"


_PREDICATE = re.compile(r"\[(?:[^\[\]]|\[[^\[\]]*\])*\]")


def normalise(path: str) -> str:
    """Drop XPath predicates, the table's '#key' instance suffixes and the CII date wrappers."""
    path = _PREDICATE.sub("", path)
    path = re.sub(r"#[A-Za-z0-9]+", "", path)
    path = re.sub(r"/(?:udt|qdt):Date(?:Time)?String", "", path)
    return path.strip()


def tsv_paths(term_id: str, syntax: str) -> list[str]:
    row = TSV[term_id]
    text = row[SYNTAXES[syntax]] or (row["ubl_xpath"] if syntax == "ubl-cn" else "")
    return [normalise(p) for p in text.split("|") if p.strip()]


# ---------------------------------------------------------------------------- table integrity


def test_every_row_context_exists_and_is_defined_before_use():
    seen = {"DOC"}
    for t in TERMS:
        assert t.ctx in seen, f"{t.id} ({t.name}) uses context {t.ctx!r} before or without its repeat row"
        if t.repeat:
            seen.add(t.context_name)


def test_every_term_id_exists_in_the_spec():
    unknown = sorted({t.id for t in TERMS if reported(t) and t.id not in TSV})
    assert not unknown, f"TERMS ids not in en16931-terms.tsv: {unknown}"


@pytest.mark.parametrize("syntax", list(SYNTAXES))
def test_row_paths_agree_with_the_spec(syntax):
    mismatches, used_exceptions = [], set()
    for t in TERMS:
        path = full_path(t, syntax)
        if not reported(t) or path is None or TSV[t.id][SYNTAXES[syntax].replace("ubl_creditnote", "ubl")] in (
                "", "(root)"):
            continue
        expected = tsv_paths(t.id, syntax)
        got = normalise(path)
        if got in expected:
            continue
        if (syntax, t.id) in CONTAINER_ROWS and t.repeat and any(e.startswith(got + "/") for e in expected):
            used_exceptions.add((syntax, t.id))
            continue
        mismatches.append(f"{t.id} [{t.ctx}] {got}\n    spec: {' | '.join(expected)}")
    assert not mismatches, f"{syntax} paths differ from the spec:\n" + "\n".join(mismatches)
    stale = {k for k in CONTAINER_ROWS if k[0] == syntax} - used_exceptions
    assert not stale, f"documented exceptions no longer needed: {sorted(stale)}"


@pytest.mark.parametrize("syntax", list(SYNTAXES))
def test_every_covered_term_has_a_row_in_each_syntax(syntax):
    with_row = {t.id for t in TERMS if full_path(t, syntax) is not None}
    missing = sorted(i for i in {t.id for t in TERMS if reported(t)}
                     if i not in with_row and tsv_paths(i, syntax) and "(" not in TSV[i][SYNTAXES["cii"]]
                     and (syntax, i) not in NO_ROW_IN_SYNTAX)
    assert not missing, f"terms without a {syntax} row: {missing}"
    assert all(i not in with_row for (s, i) in NO_ROW_IN_SYNTAX if s == syntax), "stale NO_ROW_IN_SYNTAX entry"


def test_row_profiles_equal_the_spec_minimum_profile():
    wrong = [f"{t.id} [{t.ctx}] {t.profile.value} != {TSV[t.id]['facturx_min_profile']}"
             for t in TERMS if reported(t) and t.id not in PROFILE_EXCEPTIONS
             and t.profile is not PROFILE_NAMES[TSV[t.id]["facturx_min_profile"]]]
    assert not wrong, "profiles differ from the spec:\n" + "\n".join(wrong)


def test_every_model_term_has_a_row_or_a_documented_reason():
    from facturx_engine.syntax.fieldterms import field_terms

    ids = {t.id for t in TERMS}
    missing = sorted({f"{path} ({term})" for path, term in field_terms().items() for one in term.split("/")
                      if TERM_ID.match(one) and one not in ids and one not in CONTAINERS_WITHOUT_ROW})
    assert not missing, f"model fields whose term has no row: {missing}"


def _descendant_terms(group: str) -> list[str]:
    out = []
    for tid, row in TSV.items():
        if row["parent"] == group:
            out += _descendant_terms(tid) if tid.startswith("BG-") else [tid]
    return out


@pytest.mark.parametrize("group", sorted(CONTAINERS_WITHOUT_ROW))
def test_containers_without_row_have_all_their_terms(group):
    ids = {t.id for t in TERMS}
    assert group in TSV
    terms = _descendant_terms(group)
    assert terms, group
    assert not [t for t in terms if t not in ids], f"{group}: terms without rows"


def test_bt_coverage_of_the_spec(capsys):
    ids = {t.id for t in TERMS}
    bts = [i for i in TSV if i.startswith("BT-")]
    covered = [i for i in bts if i in ids]
    missing = [i for i in bts if i not in ids]
    missing_groups = [i for i in TSV if i.startswith("BG-") and i not in ids]
    with capsys.disabled():
        print(f"\nTERMS covers {len(covered)}/{len(bts)} EN 16931 BT ids; missing BT: {missing or 'none'}; "
              f"BG without a row of their own: {missing_groups}")
    assert len(covered) >= MIN_BT_COVERAGE, f"BT coverage dropped: missing {missing}"


# ---------------------------------------------------------------------------- round trip (presence)

DAY = dt.date(2025, 3, 1)


def _address(country: str, tag: str) -> Address:
    return Address(line1=f"{tag} 1 rue A", line2=f"{tag} bât. B", line3=f"{tag} BP 3", city=f"{tag} City",
                   postal_code="75001", subdivision=f"{tag} IDF", country=country)


def rich_document(credit_note: bool) -> Invoice | CreditNote:
    """Every optional field of the model set (BT-7 on the invoice, BT-8 on the credit note; both valid)."""
    seller = Party(name="ACME SAS", trading_name="ACME", identifiers=[Identifier.gln("3012345678901"),
                                                                      Identifier(value="S-42")],
                   legal_id=Identifier.siren("732829320"), vat_id="FR44732829320", tax_id="12/345/67890",
                   legal_info="SAS au capital de 10 000 €", electronic_address=Identifier(value="732829320",
                                                                                         scheme="0225"),
                   address=_address("FR", "S"), contact=Contact(name="Ann", phone="+33 1 00", email="a@acme.fr"))
    buyer = Party(name="Kunde GmbH", trading_name="Kunde", identifiers=[Identifier.gln("4012345678901")],
                  legal_id=Identifier(value="HRB 1234", scheme="0204"), vat_id="DE123456788",
                  electronic_address=Identifier(value="ap@kunde.de", scheme="EM"), address=_address("DE", "B"),
                  contact=Contact(name="Bob", phone="+49 30 1", email="b@kunde.de"))
    line = Line(id="1", note="line note", object_id=Identifier(value="OBJ-1", scheme="AAA"), quantity=D("2.5"),
                unit="KGM", net_price=D("9.5"), base_quantity=D("1"), gross_price=D("10"), price_discount=D("0.5"),
                allowances_charges=[AllowanceCharge(amount=D("1.00"), base_amount=D("10.00"), percent=D("10"),
                                                    reason="line allowance", reason_code="95"),
                                    AllowanceCharge(charge=True, amount=D("2.00"), base_amount=D("20.00"),
                                                    percent=D("10"), reason="line charge", reason_code="FC")],
                vat=Vat.standard("20"), name="Widget", description="A widget", seller_item_id="W-1",
                buyer_item_id="B-W-1", standard_item_id=Identifier(value="4012345678901", scheme="0160"),
                classifications=[Identifier(value="12345", scheme="STI", scheme_version="1")],
                origin_country="DE", attributes=[ItemAttribute(name="colour", value="red", code="ABX")],
                period=Period(start=DAY, end=DAY + dt.timedelta(5)), order_line_ref="7", accounting_ref="ACC-L",
                subtype="DETAIL", invoice_ref=LineInvoiceReference(number="F-0", issue_date=DAY, type_code="380"),
                delivery_date=DAY, seller=LineSeller(name="ACME SAS", legal_id=Identifier.siren("732829320"),
                                                     country="FR"),
                vat_amount=D("3.90"), vat_amount_accounting=D("3.60"), gross_amount=D("23.40"))
    exempt = Line(id="2", quantity=D("1"), net_price=D("5"), vat=Vat.exempt("Exonéré", "VATEX-EU-132"), name="Book",
                  parent_id="1", subtype="DETAIL")
    fields = dict(
        number="CN-9" if credit_note else "F-9", issue_date=DAY, currency="USD", tax_currency="EUR",
        tax_currency_vat_total=D("4.10"), due_date=DAY + dt.timedelta(30), buyer_reference="BR-1",
        project_reference="PRJ-1", contract_reference="CT-1", purchase_order="PO-1", sales_order="SO-1",
        receiving_advice="RA-1", despatch_advice="DA-1", tender_reference="TND-1",
        invoiced_object=Identifier(value="OBJ-9", scheme="AAA"), buyer_accounting_ref="ACC-1",
        payment_terms="30 days", notes=[Note(text="note text", subject_code="AAI")], process_id="A1",
        specification_id=None, preceding_invoices=[PrecedingInvoice(number="F-1", issue_date=DAY, type_code="380")],
        seller=seller, buyer=buyer,
        payee=Payee(name="Factor SA", identifier=Identifier.gln("3098765432109"),
                    legal_id=Identifier.siren("552100554")),
        tax_representative=TaxRepresentative(name="Rep SARL", vat_id="FR61954506077", address=_address("FR", "T")),
        delivery=Delivery(name="Warehouse", location_id=Identifier.gln("4098765432109"), date=DAY,
                          address=_address("DE", "D")),
        invoicing_period=Period(start=DAY, end=DAY + dt.timedelta(27)),
        payment=PaymentInstructions(means_code="58", means_text="SEPA transfer", remittance_info="RF18539007547034",
                                    credit_transfers=[CreditTransfer(account_id="FR7630006000011234567890189",
                                                                     account_name="ACME", bic="AGRIFRPP")],
                                    card=CardPayment(pan_last_digits="1234", holder="Bob"),
                                    direct_debit=DirectDebit(mandate_id="MD-1", creditor_id="FR12ZZZ123456",
                                                             debited_account="DE89370400440532013000")),
        allowances_charges=[AllowanceCharge(amount=D("1.00"), base_amount=D("10.00"), percent=D("10"),
                                            vat=Vat.standard("20"), reason="discount", reason_code="95"),
                            AllowanceCharge(charge=True, amount=D("3.00"), base_amount=D("30.00"), percent=D("10"),
                                            vat=Vat.standard("20"), reason="freight", reason_code="FC")],
        lines=[line, exempt],
        attachments=[Attachment(id="ATT-1", description="timesheet", uri="https://example.com/t.pdf",
                                content=b"%PDF-1.4", mime_code="application/pdf", filename="t.pdf")],
        paid_amount=D("1.00"), rounding_amount=D("0.01"),
        **{role: RelatedParty(name=f"{role} name", global_id=Identifier.gln(f"30123456789{i}"),
                              electronic_address=Identifier(value=f"{role}@acme.fr", scheme="EM"))
           for i, role in enumerate(("buyer_agent", "payer", "seller_agent", "invoicee", "invoicer"), start=10)},
    )
    if credit_note:
        return CreditNote(tax_point_code="3", **fields)
    return Invoice(tax_point_date=DAY, **fields)


XNS = {**NS, "rsm": NS["rsm"], "ubl": NS["ubl-inv"]}


def _items(ctx: str, wctx: WriteContext) -> list:
    if ctx == "DOC":
        return [wctx]
    row = CONTEXTS[ctx]
    out = []
    for parent in _items(row.ctx, wctx):
        out.extend(row.get(parent, wctx) or ())
    return out


def _xpath(path: str, root_ns: str) -> str:
    steps = [s for s in normalise(path).split("/") if s]
    return "/".join(s if ":" in s else f"{root_ns}:{s}" for s in steps)


@pytest.mark.parametrize("credit_note", [False, True], ids=["invoice", "credit-note"])
@pytest.mark.parametrize("syntax", ["cii", "ubl"])
def test_every_reportable_row_with_data_is_written(syntax, credit_note):
    doc = rich_document(credit_note)
    if syntax == "cii":
        xml, name, guideline = to_cii(doc, Profile.EXTENDED, strict=True), "cii", Profile.EXTENDED.guideline
    else:  # UBL has no place for the EXTENDED-only preceding invoice type code, line parent, subtype and total
        # with VAT (their loss is reported: see test_losses.py)
        doc = dataclasses.replace(doc, preceding_invoices=tuple(
            dataclasses.replace(p, type_code=None) for p in doc.preceding_invoices),
            lines=tuple(dataclasses.replace(ln, parent_id=None, subtype=None, gross_amount=None) for ln in doc.lines))
        xml, guideline = to_ubl(doc, strict=True), UBL_GUIDELINE
        name = "ubl-cn" if credit_note else "ubl"
    root = etree.fromstring(xml)
    wctx = WriteContext(doc, name, guideline)
    missing, checked = [], 0
    for t in TERMS:
        path = full_path(t, name)
        # every row of a term, reportable or not (a non-reportable row that is never written loses data
        # silently: BT-9 of UBL credit notes did), except constants, groups and attributes
        if not reported(t) or path is None or "@" in path or t.kind in ("CONST", "ALWAYS", "GROUP"):
            continue
        values = [t.get(item, wctx) for item in _items(t.ctx, wctx)]
        values = [v for v in values if v not in (None, "", ())]
        if not values:
            continue
        checked += 1
        found = root.xpath(_xpath(path, "rsm"), namespaces=XNS)
        if not found:
            missing.append(f"{t.id} {t.name}: {path}")
            continue
        texts = {"".join(e.itertext()) for e in found}
        for v in values:
            if t.kind == "TEXT" and isinstance(v, str) and v not in texts:
                missing.append(f"{t.id} {t.name}: value {v!r} not among {sorted(texts)} at {path}")
    assert checked > 100, checked
    assert not missing, f"{name}: rows with data not written:\n" + "\n".join(missing)


@pytest.mark.parametrize("credit_note", [False, True], ids=["invoice", "credit-note"])
def test_rich_documents_are_valid(credit_note):
    from facturx_engine.validation.core import validate

    doc = rich_document(credit_note)
    with pytest.warns(ProfileWarning, match="EXT-FR-FE-"):  # the French EXTENDED terms: reported, not written
        lower = to_cii(doc, Profile.EN16931)
    with pytest.warns(ProfileWarning, match="EXT-FR-FE-"):  # a line's parent, subtype and total with VAT
        ubl = to_ubl(doc)
    for xml in (lower, to_cii(doc, Profile.EXTENDED, strict=True), ubl):
        report = validate(xml, factur_x=True)
        assert report.valid, "\n".join(map(str, report.errors))


def test_cardinality_of_every_term_equals_the_spec():
    from facturx_engine.syntax.terms.cardinality import CARDINALITY

    assert CARDINALITY == {term_id: row["cardinality"] for term_id, row in TSV.items()}
    assert {t.cardinality for t in TERMS if t.id.startswith("BT-")} <= {"0..1", "1..1", "0..n", "1..n"}
