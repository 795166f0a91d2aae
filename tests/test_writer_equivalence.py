"""The generated writer must produce exactly what the reference tree walk does.

``tree.write`` is the readable reference semantics of the term table; ``writegen.generated_writer``
is the same tree turned into one generated Python function for speed. Any difference is a bug.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from facturx_engine.syntax import tree, writegen
from facturx_engine.syntax.context import WriteContext
from facturx_engine.syntax.cii import CII
from facturx_engine.model.codes import Profile
from facturx_engine.io.jsonio import load_document
from facturx_engine.syntax.ubl import UBL_CREDIT_NOTE, UBL_INVOICE

import strategies

FIXTURES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "invoices").glob("*.json"))
WRITERS = [(CII, p) for p in Profile] + [(UBL_INVOICE, None), (UBL_CREDIT_NOTE, None)]


_WRITERS: dict[tuple[Any, Any], Any] = {}


def _generated(syntax: Any, profile: Any) -> Any:
    """The generated writer, whatever ``FACTURX_ENGINE_REFERENCE`` says (once per syntax and profile)."""
    key = (syntax, profile)
    if key not in _WRITERS:
        _WRITERS[key] = writegen.generated_writer(tree.compiled(syntax, profile)[0], syntax.formatters, "test")
    return _WRITERS[key]


def _assert_same(doc: Any) -> None:
    for syntax, profile in WRITERS:
        wctx = WriteContext(doc, syntax.name, "urn:check")
        root, _ = tree.compiled(syntax, profile)
        reference: list[str] = []
        tree.write(root, wctx, wctx, syntax.formatters, reference)
        generated: list[str] = []
        _generated(syntax, profile)(wctx, generated)
        assert "".join(generated) == "".join(reference), f"{syntax.name} {profile}"


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_compiled_writer_equals_reference_on_fixtures(path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _assert_same(load_document(path.read_bytes()))


@settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(strategies.documents())
def test_compiled_writer_equals_reference_on_random_documents(doc: Any) -> None:
    _assert_same(doc)
