"""The one code-generation helper: generated code shows its own source in tracebacks; the reference switch."""

from __future__ import annotations

import traceback

import pytest

from facturx_engine import codegen


def test_traceback_through_generated_code_shows_the_generated_line() -> None:
    ns = codegen.compile_source("def f(x):\n    y = 1\n    return 1 / x\n", "test f", {})
    with pytest.raises(ZeroDivisionError) as info:
        ns["f"](0)
    text = "".join(traceback.format_exception(info.value))
    assert "<facturx_engine generated: test f #" in text
    assert "return 1 / x" in text


def test_reference_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(codegen.REFERENCE_ENV, raising=False)
    assert not codegen.reference()
    monkeypatch.setenv(codegen.REFERENCE_ENV, "0")
    assert not codegen.reference()
    monkeypatch.setenv(codegen.REFERENCE_ENV, "1")
    assert codegen.reference()


def test_reference_switch_names_generators(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(codegen.REFERENCE_ENV, "writer, reader")
    assert codegen.reference("writer") and codegen.reference("reader") and codegen.reference()
    assert not codegen.reference("init") and not codegen.reference("builder")
    monkeypatch.setenv(codegen.REFERENCE_ENV, "writer,nonsense")  # not a list of generators: all of them
    assert all(codegen.reference(g) for g in codegen.GENERATORS)
