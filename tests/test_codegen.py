"""The one code-generation helper: generated code shows its own source in tracebacks; the reference switch,
and the reference paths of the generators giving what the generated code gives."""

from __future__ import annotations

import hashlib
import json
import linecache
import os
import subprocess
import sys
import traceback
import warnings
from pathlib import Path

import pytest

from facturx_engine import codegen, load_document, read_document, to_cii, to_ubl
from facturx_engine.model.codes import Profile


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
    assert not codegen.reference("init")
    monkeypatch.setenv(codegen.REFERENCE_ENV, "writer,nonsense")  # not a list of generators: all of them
    assert all(codegen.reference(g) for g in codegen.GENERATORS)


def test_linecache_keeps_a_bounded_number_of_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codegen, "MAX_SOURCES", 3)
    names = [codegen.compile_source(f"def f():\n    return {i}\n", "bounded", {})["f"].__code__.co_filename
             for i in range(5)]
    assert [name in linecache.cache for name in names] == [False, False, True, True, True]


# ---------------------------------------------------------------------------- the reference paths

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = sorted((ROOT / "fixtures" / "invoices").glob("*.json"))
BROKEN = sorted((ROOT / "fixtures" / "broken").glob("*.xml"))


def _read_outcome(xml: bytes) -> str:
    try:
        result = read_document(xml)
    except Exception as exc:  # the same refusal either way
        return f"{type(exc).__name__}: {exc}"
    return repr((result.document, result.findings, result.stated_totals, result.stated_line_amounts))


def representative_slice() -> list[str]:
    """Build every fixture, write it in every syntax and profile, read CII and UBL back, read the broken
    fixtures: one digest per step."""
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in FIXTURES:
            doc = load_document(path.read_bytes())
            out.append(repr(doc))
            written = [to_cii(doc, profile) for profile in Profile] + [to_ubl(doc)]
            out += [hashlib.sha256(xml).hexdigest() for xml in written]
            out += [_read_outcome(xml) for xml in (to_cii(doc), written[-1])]
        out += [_read_outcome(path.read_bytes()) for path in BROKEN]
    return out


def _run_slice(switch: str) -> tuple[list[str], int]:
    env = {**os.environ, codegen.REFERENCE_ENV: switch, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-c", "import test_codegen; test_codegen.main()"], env=env,
                          capture_output=True, text=True, timeout=600, check=True)
    result = json.loads(proc.stdout)
    return result["slice"], result["generated"]


def main() -> None:
    """Run :func:`representative_slice` and print it with the number of generated sources (subprocess)."""
    steps = representative_slice()
    generated = sum(1 for name in linecache.cache if name.startswith("<facturx_engine generated:"))
    print(json.dumps({"slice": steps, "generated": generated}))


def test_the_reference_paths_give_the_same_bytes_and_records() -> None:
    """With ``FACTURX_ENGINE_REFERENCE=1`` nothing is generated at all, and building, writing and reading
    give exactly what the generated paths give."""
    fast, generated = _run_slice("0")
    reference, none = _run_slice("1")
    assert generated > 20 and none == 0
    assert len(fast) == len(reference) >= 14 * 9
    for a, b in zip(fast, reference):
        assert a == b
