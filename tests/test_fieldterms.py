"""Which model field carries which business term: stated once, by the term table, and written for the model into
``facturx_engine/model/terms.tsv`` (``python -m facturx_engine.syntax.fieldterms``). The model itself states no
term id per field: these tests check the file is current, where its terms come from, what the model reads from it,
and that no record module declares a field's term again."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from facturx_engine.errors import ModelError
from facturx_engine.model import terms
from facturx_engine.model.introspect import resolve
from facturx_engine.model.records import (AllowanceCharge, Address, Document, Identifier, Invoice, Line, Party,
                                          Period, RelatedParty, Vat, bt_of)
from facturx_engine.syntax import fieldterms
from facturx_engine.syntax.terms import TERMS
from facturx_engine.syntax.terms.fields import CONTAINERS, MODEL_ONLY

MODEL = Path(fieldterms.__file__).resolve().parents[1] / "model"


def test_the_field_terms_file_is_current():
    """Regenerate with ``python -m facturx_engine.syntax.fieldterms`` when a row, a place or a model field changes."""
    assert terms.TABLE_PATH.read_text(encoding="utf-8") == fieldterms.source_text()
    assert fieldterms.main(["--check"]) == 0


def test_every_field_term_is_a_rows_id_or_stated_beside_the_rows():
    row_ids = {t.id for t in TERMS}
    stated = {**CONTAINERS, **MODEL_ONLY}
    found = fieldterms.field_terms()
    from_rows = [p for p, term in found.items() if p not in stated]
    assert not [p for p in from_rows if not set(found[p].split("/")) <= row_ids]
    assert len(from_rows) >= 230, f"only {len(from_rows)} fields found from the rows: is the walk right?"
    assert all(found[p] == term for p, term in stated.items())


@pytest.mark.parametrize(("path", "model", "context"), [
    ("seller.name", "BT-27", "BT-27"),
    ("buyer.name", "BT-27", "BT-44"),  # the record's own term (the seller's), and the buyer's
    ("buyer.address.city", "BT-37", "BT-52"),
    ("delivery.address.country", "BT-40", "BT-80"),
    ("lines[2].period.start", "BT-73", "BT-134"),
    ("allowances_charges[0].amount", "BT-92", "BT-92/BT-99"),  # an allowance's or a charge's
    ("lines[0].allowances_charges[1].reason_code", "BT-98", "BT-140/BT-145"),
    ("allowances_charges[0].vat.rate", "BT-152", "BT-96/BT-103"),
    ("lines[0].vat", "BG-30", "BG-30"),
    ("seller.identifiers[0].scheme", "", "BT-29-1"),  # an identifier: the term of the field holding it
    ("payee.identifier", "BT-60", "BT-60"),
    ("payer.global_id.scheme", "", "EXT-FR-FE-47"),  # the French term, not an invented "-1" id
    ("invoicee.global_id.scheme", "", "EXT-FR-FE-92-1"),
    ("preceding_invoices[0].type_code", "EXT-FR-FE-02", "EXT-FR-FE-02"),
    ("buyer.private_person", "B2C", "B2C"),
    ("seller", "BG-4", "BG-4"),
])
def test_the_term_of_a_field_is_the_one_of_where_it_stands(path, model, context):
    assert resolve(path, Invoice) == (model, context)


def test_a_record_on_its_own_has_the_terms_of_its_first_place():
    assert [bt_of(Party, "name"), bt_of(Address, "city"), bt_of(Period, "end"), bt_of(AllowanceCharge, "amount"),
            bt_of(Vat, "category"), bt_of(RelatedParty, "name"), bt_of(Line, "seller"), bt_of(Invoice, "number"),
            bt_of(Document, "app_refs")] == ["BT-27", "BT-37", "BT-74", "BT-92", "BT-151", "EXT-FR-FE-03",
                                             "EXT-FR-FE-BG-12", "BT-1", "APP-REFS"]
    for cls, name in ((Identifier, "value"), (Invoice, "_totals"), (Party, "nothing")):
        with pytest.raises(KeyError):
            bt_of(cls, name)


def test_a_record_keeps_its_terms_once_published_and_another_class_of_the_same_name_has_none():
    import facturx_engine as fx
    from facturx_engine.model import ereport

    assert fx.CreditNote.__module__ == fx.Party.__module__ == "facturx_engine"  # published: its home is the package
    assert (bt_of(fx.CreditNote, "number"), bt_of(fx.Party, "name")) == ("BT-1", "BT-27")
    assert terms.record_term(ereport.Period, "start") is None  # the e-reporting period is not the model's
    assert fieldterms.source_text() == terms.TABLE_PATH.read_text(encoding="utf-8")


def test_the_models_own_messages_name_the_records_term():
    with pytest.raises(ModelError) as caught:
        Party(name="", address=Address(country="FR", city="x\x01"))
    assert (caught.value.field, caught.value.bt) == ("city", "BT-37")


_TERM_ID = re.compile(r"^(B[TG]-\d|EXT-FR-FE-|B2C|FR-L441)")


def _declared_terms(path: Path) -> list[str]:
    """Business-term ids a model module ties to a field: in a class-level field declaration (its default or its
    ``field(...)`` metadata, a ``bt(...)`` call), or in a module-level table keyed by field names."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ClassDef):
            values = [s.value for s in node.body if isinstance(s, (ast.AnnAssign, ast.Assign)) and s.value]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("bt", "field"):
            values = [node] if node.func.id == "bt" or any(k.arg == "metadata" for k in node.keywords) else []
        elif isinstance(node, ast.FunctionDef) and node.name == "bt":
            values = [node]
        elif isinstance(node, ast.Dict):  # {"name": "BT-44"}: a field's term by its name
            found += [f"{path.name}:{node.lineno}: {ast.unparse(node)[:60]}" for k, v in zip(node.keys, node.values)
                      if isinstance(k, ast.Constant) and isinstance(k.value, str) and not _TERM_ID.match(k.value)
                      and isinstance(v, ast.Constant) and isinstance(v.value, str) and _TERM_ID.match(v.value)]
            continue
        else:
            continue
        for value in values:
            found += [f"{path.name}:{n.lineno}: {ast.unparse(n)[:60]}" for n in ast.walk(value)
                      if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "bt"
                      or isinstance(n, ast.Constant) and isinstance(n.value, str) and _TERM_ID.match(n.value)
                      or isinstance(n, ast.keyword) and n.arg == "metadata"
                      or isinstance(n, ast.FunctionDef) and n.name == "bt"]
    return found


def test_no_model_module_declares_the_term_of_a_field():
    """The model's field declarations carry no term id (no ``bt("BT-22", "")``, no ``metadata={"bt": ...}``), and no
    module of the model keeps a table of terms by field (the old ``CONTEXT_TERMS``): model/terms.tsv says it.

    Out of scope: the sites that raise an error naming the terms of the rule broken (``bt="BT-46/BT-47/BT-48"``),
    which the rules table states, and the model's tables of rules by term (introspect's required terms)."""
    declared = [hit for path in sorted(MODEL.glob("*.py")) for hit in _declared_terms(path)]
    assert not declared, declared
    import facturx_engine.model.introspect as introspect

    assert not hasattr(introspect, "CONTEXT_TERMS")


def test_the_checker_finds_a_declared_term(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('class A:\n    x: str = bt("BT-1", "")\n    y: str = field(default="", metadata={"bt": "BT-2"})\n'
                      'z = field(default=None, metadata={"bt": "BG-4"})\nTERMS = {"buyer": {"name": "BT-44"}}\n'
                      'RULES = {"BG-4": "BR-06"}\n', encoding="utf-8")
    found = "\n".join(_declared_terms(sample))
    assert all(f"sample.py:{n}:" in found for n in (2, 3, 4, 5)) and "sample.py:6:" not in found, found
