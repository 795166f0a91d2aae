"""The public surface: one namespace, every exported name importable, loaded lazily (writing CII
or UBL never imports Saxon, pikepdf, reportlab or Babel)."""

import json
import subprocess
import sys
import types
from pathlib import Path

import facturx_engine as fx

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("saxonche", "pikepdf", "reportlab", "PIL", "babel", "dask", "distributed", "fsspec", "pyarrow")


def test_all_public_names_are_exported_and_sorted() -> None:
    public = {n for n in dir(fx) if not n.startswith("_") and not isinstance(getattr(fx, n), types.ModuleType)}
    public -= {"annotations"}
    assert set(fx.__all__) == public
    assert fx.__all__ == sorted(fx.__all__, key=str.casefold)


def test_every_exported_name_resolves() -> None:
    for name in fx.__all__:
        assert getattr(fx, name) is not None, name
    assert not hasattr(fx, "no_such_name")


def _loaded_after(code: str) -> dict[str, bool]:
    script = f"import sys, json\n{code}\nprint(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded: dict[str, bool] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def test_import_and_writing_stay_light() -> None:
    writing = ("import facturx_engine as fx\n"
               "doc = fx.load_document(open('fixtures/invoices/allowances_charges.json', encoding='utf-8').read())\n"
               "fx.to_cii(doc, profile=fx.Profile.EN16931)\nfx.to_ubl(doc)\nfx.read_document(fx.to_cii(doc))")
    for code in ("import facturx_engine", writing):
        assert not any(_loaded_after(code).values()), code


def test_validation_loads_saxon_only_when_used() -> None:
    loaded = _loaded_after("import facturx_engine as fx\nfx.validate")
    assert loaded["saxonche"] and not loaded["pikepdf"] and not loaded["reportlab"]


def test_exported_names_live_in_the_public_namespace() -> None:
    """``help(fx.Invoice)``, reprs and pickles name ``facturx_engine``, and type hints still resolve."""
    import pickle
    import typing
    from datetime import date
    from decimal import Decimal

    for name in fx.__all__:
        value = getattr(fx, name)
        if isinstance(value, type) or isinstance(value, types.FunctionType):
            assert value.__module__ == "facturx_engine", name
        if isinstance(value, type):
            typing.get_type_hints(value)  # annotations resolved where the class is defined
    assert typing.get_type_hints(fx.Line)["quantity"] is Decimal
    seller = fx.Party(name="S", vat_id="FR44732829320", address=fx.Address(country="FR"))
    inv = fx.Invoice(number="1", issue_date=date(2026, 1, 1), seller=seller,
                     buyer=fx.Party(name="B", address=fx.Address(country="FR")),
                     lines=[fx.Line(id="1", name="x", quantity=Decimal(1), net_price=Decimal(1),
                                    vat=fx.Vat.standard("20"))])
    assert pickle.loads(pickle.dumps(inv)) == inv
    assert repr(fx.Profile.EN16931).startswith("<Profile.")


# JSON objects are Any by nature: the payload and JSON readers take any mapping and check it themselves.
_ANY_ALLOWED = {("from_payload", "payload"), ("load_document", "data"), ("quote_from_payload", "payload"),
                ("dump_document", "return")}


def test_public_signatures_say_what_a_user_passes() -> None:
    """No ``Any`` where a user passes a document, a template or a report, or gets one back."""
    import inspect

    loose = []
    for name in fx.__all__:
        value = getattr(fx, name)
        if not isinstance(value, types.FunctionType):
            continue
        signature = inspect.signature(value)
        annotations = {p.name: p.annotation for p in signature.parameters.values()
                       if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
        annotations["return"] = signature.return_annotation
        loose += [f"{name}({param}: {hint})" for param, hint in annotations.items()
                  if "Any" in str(hint) and (name, param) not in _ANY_ALLOWED]
    assert not loose, loose


def test_every_error_survives_pickling_whole() -> None:
    """An error sent back by a worker process (a pool's future) is the same error: class, message, attributes;
    ``PayloadError``'s keyword-only ``errors`` once made it unpicklable."""
    import pickle

    from facturx_engine import errors

    made = {errors.PayloadError: errors.PayloadError("payload refused", errors={"buyer_siret": ["not a SIRET"]}),
            errors.CalculationError: errors.CalculationError("differs", stated=1, computed=2, field="f",
                                                             rule="BR-CO-10"),
            errors.ProfileError: errors.ProfileError("cannot carry", dropped=("BT-1",)),
            errors.PdfError: errors.PdfError("not a PDF", findings=()),
            errors.ValidationFailed: errors.ValidationFailed("invalid", notes=("a note",))}
    for name in errors.__all__:
        cls = getattr(errors, name)
        error = made.get(cls) or cls("refused", field="lines[0].rate", bt="BT-152", rule="BR-S-05", location="/x")
        back = pickle.loads(pickle.dumps(error))
        assert (type(back), back.args, str(back), vars(back)) == (cls, error.args, str(error), vars(error)), name
