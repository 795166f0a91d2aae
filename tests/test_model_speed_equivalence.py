"""The compiled record constructors must build exactly what the stock dataclass path builds.

``_fields.fast_init`` gives every record class an ``__init__`` compiled once at import: slots set
through their member descriptors, the declared field-type checks inline with a fast path for values
of the right type. ``_fields._stock_init()`` puts back the stock dataclass ``__init__`` (kept on each
class as ``_dataclass_init``) with the same checks run by the generic helpers (``_coerce_decimals``,
``_text``, ``_tuple``, ``_date``) before ``__post_init__``: the path the model took before.

From the same raw input both must give equal records (same repr, so the same values, types and
Decimal spellings, and the same totals), or the same first error (type, message, field, business
term, rule), and in reading mode (``collect_breaches``) the same breaches. The raw input is a random
valid document (tests/strategies.py) taken apart into its constructor calls, some fields replaced by
other spellings (numeric strings and ints for Decimals, lists and iterators for tuples, datetimes and
ISO strings for dates, codes for VAT categories, str subclasses) or by bad values (floats, NaN and
infinities, blank required text, impossible dates, wrong types, text for a sequence ...).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as dt
import inspect
import os
import pickle
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import documents  # tests/ is on sys.path

from facturx_engine import codegen
from facturx_engine.model import fields as _fields
from facturx_engine.model import compute

from facturx_engine.model import records as model
from facturx_engine.model.codes import DocumentType, VatCategory
from facturx_engine.errors import ModelError
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
    collect_breaches,
)

# The compiled classes that are not records: the calculation's results (every other class compiled by
# fast_init must be a record, gathered in model.records). Not found by __module__: the public namespace
# renames the home of what it exports (facturx_engine.Invoice.__module__ == "facturx_engine").
COMPUTED = {compute.LineAmounts, compute.Totals, compute.VatBreakdown}

SCALE = int(os.environ.get("FACTURX_HYPOTHESIS_SCALE", "1"))


def scaled(n: int) -> settings:
    return settings(max_examples=n * SCALE, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ---------------------------------------------------------------------------- raw input as constructor calls


@dataclasses.dataclass
class Call:
    """``cls(**kwargs)``, each value itself raw input."""

    cls: type
    kwargs: dict[str, Any]


@dataclasses.dataclass
class Seq:
    """A repeated group given as ``kind``: tuple, list, iterator or a tuple subclass."""

    kind: str
    items: list[Any]


class Text(str):
    """A str subclass (kept as given: the model accepts any str)."""


class Day(dt.date):
    """A date subclass (kept as given)."""


class Items(tuple):  # type: ignore[type-arg]
    """A tuple subclass (kept as given)."""


def to_call(value: Any) -> Any:
    """A built record back to the constructor calls that build it."""
    if type(value) in _fields._CHECKS and type(value) not in COMPUTED:
        return Call(type(value), {f.name: to_call(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init})
    if type(value) is tuple:
        return Seq("tuple", [to_call(v) for v in value])
    return value


def build(raw: Any) -> Any:
    """Run the constructor calls (inner records first, in field order, as a caller would)."""
    if isinstance(raw, Call):
        return raw.cls(**{name: build(v) for name, v in raw.kwargs.items()})
    if isinstance(raw, Seq):
        items = [build(v) for v in raw.items]
        return {"tuple": tuple, "list": list, "iterator": iter, "subclass": Items}[raw.kind](items)
    return raw


def calls(raw: Any) -> Iterator[Call]:
    """Every constructor call of ``raw``, outermost first."""
    if isinstance(raw, Call):
        yield raw
        for v in raw.kwargs.values():
            yield from calls(v)
    elif isinstance(raw, Seq):
        for v in raw.items:
            yield from calls(v)


# ---------------------------------------------------------------------------- other spellings and bad values

DROP = object()  # the field left out: its default applies
ANY_BAD = [None, 5, 1.5, "x", [], b"x"]


def decimal_variants(value: Decimal | None) -> list[Any]:
    d = Decimal("12.50") if value is None else value
    return [str(d), f" {d} ", int(d), float(d), Decimal("NaN"), Decimal("sNaN"), Decimal("-Infinity"), "inf",
            "1,5", "", True, Decimal("-0"), Decimal("1E+2"), -3, d.normalize(), Text(str(d))]


TEXT_VARIANTS = [None, "", "   ", "\t\n", " x ", 7, b"x", Text("sub"), Text("  "), DocumentType.CREDIT_NOTE, "381",
                 "FR", "S"]
DATE_VARIANTS = [dt.datetime(2025, 3, 1, 10, 30), "2025-03-01", "20250301", "2025-02-30", "01/03/2025",
                 "2025-03-01T10:00", 20250301, None, Day(2025, 3, 1), dt.date(2024, 2, 29)]
CATEGORY_VARIANTS = ["S", "Z", "E", "O", "XX", "s", 5, None, VatCategory.EXEMPT, ["S"], Text("S")]
BOOL_VARIANTS = [True, False, 1, 0, "yes", None]
BYTES_VARIANTS = [b"", b"%PDF", "text", None, bytearray(b"x")]


def seq_variants(value: Seq | None) -> list[Any]:
    items = value.items if isinstance(value, Seq) else []
    return [Seq("list", items), Seq("iterator", items), Seq("subclass", items), Seq("tuple", []), None, "text",
            b"bytes", 5, {"a": 1}]


def variants(cls: type, name: str, value: Any) -> list[Any]:
    """What a caller might pass for field ``name`` (whose current raw value is ``value``) instead."""
    kind = str(next(f.type for f in dataclasses.fields(cls) if f.name == name))
    if "Decimal" in kind:
        own = decimal_variants(value if isinstance(value, Decimal) else None)
    elif kind.startswith("tuple["):
        own = seq_variants(value)
    elif "date" in kind:
        own = DATE_VARIANTS
    elif "VatCategory" in kind:
        own = CATEGORY_VARIANTS
    elif kind in ("str", "str | None"):
        own = TEXT_VARIANTS
    elif "bool" in kind:
        own = BOOL_VARIANTS
    elif "bytes" in kind:
        own = BYTES_VARIANTS
    else:  # a nested record
        own = []
    return [*own, *ANY_BAD, DROP]


def perturb(draw: st.DrawFn, call: Call, max_fields: int = 3) -> None:
    """Replace up to ``max_fields`` arguments of ``call`` (in place) by drawn variants."""
    names = [f.name for f in dataclasses.fields(call.cls) if f.init]
    for name in draw(st.lists(st.sampled_from(names), max_size=max_fields, unique=True)):
        choice = draw(st.sampled_from(variants(call.cls, name, call.kwargs.get(name))))
        if choice is DROP:
            call.kwargs.pop(name, None)
        else:
            call.kwargs[name] = choice


# ---------------------------------------------------------------------------- both paths, compared


def facts(error: BaseException) -> tuple[Any, ...]:
    return (type(error).__name__, str(error), getattr(error, "field", None), getattr(error, "bt", None),
            getattr(error, "rule", None))


def hashed(value: Any) -> Any:
    try:
        return hash(value)
    except TypeError as exc:
        return str(exc)


def outcome(raw: Any, reading: bool) -> tuple[Any, ...]:
    """What building ``raw`` gives: the record (and its repr, hash, totals) or the error; and the breaches."""
    found: list[ModelError] = []
    try:
        if reading:
            with collect_breaches() as found:
                value = build(raw)
        else:
            value = build(raw)
    except Exception as exc:  # any error: both paths must raise the same one
        return ("raised", facts(exc)), [facts(e) for e in found], None
    totals = repr(value.totals) if isinstance(value, model.Document) else None
    return ("built", repr(value), hashed(value), totals), [facts(e) for e in found], value


def assert_same(raw: Any) -> None:
    for reading in (False, True):
        fast = outcome(raw, reading)
        with _fields._stock_init():
            stock = outcome(raw, reading)
        assert fast[:2] == stock[:2], f"reading={reading}"
        assert fast[2] == stock[2]  # equal records (dataclass __eq__), or both None


# FACTURX_ENGINE_REFERENCE=init: the records take the stock path for good, there is no compiled __init__ to test
_COMPILED = pytest.mark.skipif(codegen.reference("init"), reason="FACTURX_ENGINE_REFERENCE: no compiled __init__")


@_COMPILED
def test_the_stock_path_is_really_the_stock_dataclass_init() -> None:
    fast_init = Line.__init__
    with _fields._stock_init():
        assert Line.__init__ is Line.__dict__["_dataclass_init"]
        assert Invoice.__init__ is Invoice.__dict__["_dataclass_init"]
        line = Line(id="1", name="x", quantity="2", vat=Vat.standard("20"))  # type: ignore[arg-type]
        assert line.quantity == Decimal(2)
    assert Line.__init__ is fast_init
    assert "__post_init__" not in Invoice.__dict__ and "__post_init__" not in Address.__dict__


# ---------------------------------------------------------------------------- random documents


@given(documents(), st.data())
@scaled(120)
def test_random_documents_build_the_same_with_both_paths(doc: Any, data: st.DataObject) -> None:
    raw = to_call(doc)
    assert build(raw) == doc and repr(build(raw)) == repr(doc)
    assert_same(raw)  # as given: every value already of its type (the fast path only)
    nodes = list(calls(raw))
    for index in data.draw(st.lists(st.integers(0, len(nodes) - 1), max_size=4, unique=True)):
        perturb(data.draw, nodes[index])
    assert_same(raw)


# ---------------------------------------------------------------------------- every record class


def _all_records() -> list[Any]:
    """One document holding every record class, and a credit note."""
    addr = Address(line1="1 rue de la Paix", line2="Bât. B", line3="3e", city="Paris", postal_code="75002",
                   subdivision="IDF", country="FR")
    seller = Party(name="ACME SAS", trading_name="ACME", identifiers=(Identifier.gln("3014567890128"),),
                   legal_id=Identifier.siren("732829320"), vat_id="FR44732829320", tax_id="12/345/67890",
                   legal_info="SAS", electronic_address=Identifier(value="f@acme.fr", scheme="EM"), address=addr,
                   contact=Contact(name="Marie", phone="+33 1", email="m@acme.fr"))
    buyer = Party(name="Client SARL", vat_id="FR14987654324", address=Address(city="Lyon", country="FR"))
    vat = Vat.standard("20")
    line = Line(id="1", note="n", object_id=Identifier(value="OBJ", scheme="AAA"), quantity=Decimal("2.5"), unit="HUR",
                net_price=Decimal("90"), base_quantity=Decimal("1"), gross_price=Decimal("100"),
                price_discount=Decimal("10"), vat=vat, name="Conseil", description="d", seller_item_id="S1",
                buyer_item_id="B1", standard_item_id=Identifier(value="3014567890128", scheme="0160"),
                classifications=(Identifier(value="123", scheme="STI", scheme_version="1"),), origin_country="DE",
                attributes=(ItemAttribute(name="colour", value="blue", code="ABX"),),
                seller=LineSeller(name="ACME SAS", legal_id=Identifier.siren("732829320"), country="FR"),
                vat_amount=Decimal("45.00"), gross_amount=Decimal("270.00"),
                period=Period(start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31)), order_line_ref="7",
                accounting_ref="706", subtype="DETAIL", delivery_date=dt.date(2025, 3, 2),
                invoice_ref=LineInvoiceReference(number="F-0", issue_date=dt.date(2025, 1, 2), type_code="380"),
                allowances_charges=(AllowanceCharge(amount=Decimal("5.00"), reason="Remise", reason_code="95"),))
    exempt = Line(id="2", name="Formation", quantity=Decimal(1), net_price=Decimal("300"),
                  vat=Vat.exempt(reason="Exonération", code="VATEX-FR-FRANCHISE"))
    invoice = Invoice(
        number="F-1", issue_date=dt.date(2025, 3, 1), currency="EUR", tax_point_code="3", due_date=dt.date(2025, 4, 1),
        buyer_reference="BR", project_reference="P", contract_reference="C", purchase_order="PO", sales_order="SO",
        receiving_advice="RA", despatch_advice="DA", tender_reference="T", invoiced_object=Identifier(value="X"),
        buyer_accounting_ref="401", payment_terms="30 jours", notes=(Note(text="Merci", subject_code="AAI"),),
        process_id="urn:p", preceding_invoices=(PrecedingInvoice(number="A-1", issue_date=dt.date(2025, 1, 2),
                                                                  type_code="386"),),
        seller=seller, buyer=buyer, payee=Payee(name="Factor SA", identifier=Identifier.gln("3014567890111")),
        tax_representative=TaxRepresentative(name="Rep", vat_id="FR11123456782", address=Address(country="FR")),
        delivery=Delivery(name="Dock", location_id=Identifier.gln("3014567890104"), date=dt.date(2025, 3, 2),
                          address=Address(city="Lille", country="FR")),
        invoicing_period=Period(start=dt.date(2025, 3, 1)),
        payment=PaymentInstructions(means_code="58", means_text="Virement", remittance_info="F-1",
                                    credit_transfers=(CreditTransfer(account_id="FR7630006000011234567890189",
                                                                     account_name="ACME", bic="AGRIFRPP"),),
                                    card=CardPayment(pan_last_digits="1234", holder="M"),
                                    direct_debit=DirectDebit(mandate_id="M1", creditor_id="FR12ZZZ123456",
                                                             debited_account="FR7630006000011234567890189")),
        allowances_charges=(AllowanceCharge(charge=True, base_amount=Decimal("200"), percent=Decimal("2.5"), vat=vat,
                                            reason="Port", reason_code="FC"),),
        lines=(line, exempt),
        attachments=(Attachment(id="ATT-1", description="BL", content=b"%PDF-1.4", mime_code="application/pdf",
                                filename="bl.pdf"), Attachment(id="ATT-2", uri="https://example.com/a.pdf")),
        paid_amount=Decimal("10.00"), rounding_amount=Decimal("0.01"),
        buyer_agent=RelatedParty(name="Agent", global_id=Identifier.gln("3014567890128"),
                                 electronic_address=Identifier(value="agent@acme.fr", scheme="EM")))
    credit = CreditNote(number="AV-1", issue_date=dt.date(2025, 3, 5), seller=seller, buyer=buyer,
                        preceding_invoices=(PrecedingInvoice(number="F-1"),), lines=(exempt,))
    return [invoice, credit]


RECORDS = _all_records()
CALLS = {call.cls: call for raw in map(to_call, RECORDS) for call in calls(raw)}
MODEL_RECORDS = {c for c in vars(model).values() if isinstance(c, type) and dataclasses.is_dataclass(c)}


@_COMPILED
def test_every_record_class_is_compiled_and_sampled() -> None:
    assert MODEL_RECORDS == set(_fields._CHECKS) - COMPUTED
    assert set(CALLS) == MODEL_RECORDS - {model.Document}  # Document itself is only a base
    assert compute.LineAmounts in _fields._CHECKS
    for cls in _fields._CHECKS:
        assert cls.__init__ is not cls.__dict__["_dataclass_init"], cls
        assert inspect.signature(cls.__init__) == inspect.signature(cls.__dict__["_dataclass_init"]), cls
        stock = cls.__dict__["_dataclass_init"]
        assert (cls.__init__.__defaults__, cls.__init__.__kwdefaults__) == (stock.__defaults__, stock.__kwdefaults__)
        assert cls.__init__.__qualname__ == f"{cls.__qualname__}.__init__"


@pytest.mark.parametrize("cls", sorted(CALLS, key=lambda c: c.__name__), ids=lambda c: c.__name__)
@given(data=st.data())
@scaled(40)
def test_each_record_builds_the_same_from_odd_and_bad_input(cls: type, data: st.DataObject) -> None:
    raw = copy.deepcopy(CALLS[cls])
    perturb(data.draw, raw, max_fields=5)  # several bad fields: the first error must be the same one
    assert_same(raw)


@pytest.mark.parametrize("cls", sorted(CALLS, key=lambda c: c.__name__), ids=lambda c: c.__name__)
def test_each_field_with_every_variant_and_every_pair_of_bad_fields(cls: type) -> None:
    """Exhaustive where the random tests sample: each field alone with each of its variants, then each
    pair of fields both bad (a float is bad for every kind of field), so that which check runs first is
    pinned down for every pair."""
    base = CALLS[cls]
    names = [f.name for f in dataclasses.fields(cls) if f.init]
    for name in names:
        for choice in variants(cls, name, base.kwargs.get(name)):
            raw = copy.deepcopy(base)
            if choice is DROP:
                del raw.kwargs[name]
            else:
                raw.kwargs[name] = choice
            assert_same(raw)
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            assert_same(Call(cls, {**base.kwargs, first: 1.5, second: 1.5}))


def test_unexpected_missing_and_positional_arguments_fail_alike() -> None:
    for raw in (lambda: Line(bogus=1), lambda: Identifier(), lambda: Identifier("x"),  # type: ignore[call-arg,misc]
                lambda: Invoice(lines=(), wrong=2), lambda: Invoice(_totals=None),  # type: ignore[call-arg]
                lambda: compute.LineAmounts(Decimal(1))):  # type: ignore[call-arg]
        with pytest.raises(TypeError) as fast:
            raw()
        with _fields._stock_init(), pytest.raises(TypeError) as stock:
            raw()
        assert str(fast.value) == str(stock.value)


# ---------------------------------------------------------------------------- first error, stated


@pytest.mark.parametrize(("build_it", "expected"), [
    # decimals come before the sequences and the texts, in field order
    (lambda: Line(id="", name=" ", quantity=1.5, net_price="x", allowances_charges="ab", vat=None),
     ("quantity", "BT-129", None)),
    (lambda: Line(id="", name=" ", quantity=Decimal(1), net_price="x", allowances_charges="ab", vat=None),
     ("net_price", "BT-146", "FXE-NUMBER")),  # a text that is no decimal: the numeric policy's rule
    (lambda: Line(id="", name=" ", allowances_charges="ab", vat=None), ("allowances_charges", None, None)),
    (lambda: Line(id="1", name=" ", note=5, vat=None), ("note", "BT-127", None)),
    # a VAT category is looked at before the rate
    (lambda: Vat(category="XX", rate=1.5), ("vat.category", "BT-151", "BR-CL-18")),
    (lambda: Vat(rate="x", exemption_reason=5), ("rate", "BT-152", "FXE-NUMBER")),
    # a party's texts come before its identifiers; payment instructions check their accounts first
    (lambda: Party(name="", identifiers="x", address=None), ("name", "BT-27", None)),
    (lambda: PaymentInstructions(means_code="", means_text=5, credit_transfers="x"), ("credit_transfers", None, None)),
    # texts in field order, required or not; then dates
    (lambda: Address(line1=5, country=""), ("line1", "BT-35", None)),
    (lambda: Delivery(name=5, date="x"), ("name", "BT-70", None)),
    (lambda: PrecedingInvoice(number="", issue_date="x"), ("number", "BT-25", None)),
    (lambda: AllowanceCharge(amount=1.5, reason=5), ("amount", "BT-92", None)),
    # a document: texts, then dates, then sequences, then amounts
    (lambda: Invoice(number="F", currency=" ", issue_date="2025-02-30", lines="x", paid_amount=float("nan")),
     ("currency", "BT-5", None)),
    (lambda: Invoice(number="F", issue_date="2025-02-30", lines="x", paid_amount=float("nan")),
     ("issue_date", "BT-2", None)),
    (lambda: Invoice(number="F", issue_date=dt.date(2025, 1, 1), lines="x", paid_amount=float("nan")),
     ("lines", None, None)),
    (lambda: Invoice(number="F", issue_date=dt.date(2025, 1, 1), paid_amount=float("nan")),
     ("paid_amount", "BT-113", None)),
])
def test_the_first_of_several_bad_fields_is_reported_by_both_paths(build_it: Any, expected: tuple[Any, ...]) -> None:
    errors = []
    for stock in (False, True):
        with _fields._stock_init() if stock else contextlib.nullcontext():
            with pytest.raises(ModelError) as info:
                build_it()
        errors.append(facts(info.value))
        assert (info.value.field, info.value.bt, info.value.rule) == expected
    assert errors[0] == errors[1]


# ---------------------------------------------------------------------------- still a frozen slotted dataclass


def test_records_keep_every_dataclass_behaviour() -> None:
    invoice, credit = RECORDS
    with _fields._stock_init():
        stock_invoice = build(to_call(invoice))
    assert stock_invoice == invoice and repr(stock_invoice) == repr(invoice) and hash(stock_invoice) == hash(invoice)
    assert repr(stock_invoice.totals) == repr(invoice.totals)
    assert dataclasses.asdict(stock_invoice) == dataclasses.asdict(invoice)
    assert [f.name for f in dataclasses.fields(invoice)] == [f.name for f in dataclasses.fields(stock_invoice)]
    for doc in (invoice, credit):
        for value in (pickle.loads(pickle.dumps(doc)), copy.copy(doc), copy.deepcopy(doc)):
            assert value == doc and repr(value) == repr(doc) and repr(value.totals) == repr(doc.totals)
        changed = dataclasses.replace(doc, number="F-2")
        with _fields._stock_init():
            stock_changed = dataclasses.replace(doc, number="F-2")
        assert changed.number == "F-2" and changed == stock_changed and repr(changed) == repr(stock_changed)
        assert not hasattr(doc, "__dict__")
        with pytest.raises(dataclasses.FrozenInstanceError):
            doc.number = "X"  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError):
            doc.lines[0].id = "X"  # type: ignore[misc]
    # init=False fields: _totals computed, app_refs a fresh empty mapping per document
    assert invoice.app_refs == {} and invoice.app_refs is not credit.app_refs
    tagged = invoice.with_app_refs({"external_id": "42"})
    assert tagged.app_refs == {"external_id": "42"} and invoice.app_refs == {} and tagged == invoice
    assert invoice.type_code == "380" and credit.type_code == "381"  # each subclass its own default
    assert Invoice(**{**_kwargs(invoice), "type_code": DocumentType.CORRECTED_INVOICE}).type_code.__class__ is str


def _kwargs(record: Any) -> dict[str, Any]:
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(record) if f.init}
