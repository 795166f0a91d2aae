"""The compiled (generated-code) writer must produce exactly what the reference tree walk does.

``_xml._write`` is the readable reference semantics of the term table; ``_xml._writer`` is the
same tree turned into one generated Python function for speed. Any difference is a bug.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from facturx_engine.syntax import engine as _xml
from facturx_engine.syntax.context import WriteContext
from facturx_engine.syntax.cii import CII
from facturx_engine.model.codes import Profile
from facturx_engine.io.jsonio import load_document
from facturx_engine.syntax.ubl import UBL_CREDIT_NOTE, UBL_INVOICE

import strategies

FIXTURES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "invoices").glob("*.json"))
WRITERS = [(CII, p) for p in Profile] + [(UBL_INVOICE, None), (UBL_CREDIT_NOTE, None)]


def _assert_same(doc: Any) -> None:
    for syntax, profile in WRITERS:
        wctx = WriteContext(doc, syntax.name, "urn:check")
        root, _ = _xml.compiled(syntax, profile)
        reference: list[str] = []
        _xml._write(root, wctx, wctx, syntax.formatters, reference)
        generated: list[str] = []
        _xml._writer(syntax, profile)(wctx, generated)
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
