"""The benchmark scripts stay runnable: their builders work and their equivalence checks hold.

Timings are not tested (they live in benchmarks/); this only keeps the scripts from rotting.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import bench_codegen  # noqa: E402
import bench_generate  # noqa: E402
import bench_pdf  # noqa: E402
import bench_read  # noqa: E402
import bench_rulesets  # noqa: E402
import corpus_figures  # noqa: E402

from facturx_engine import check_pdf, codegen, to_cii, to_facturx, to_ubl  # noqa: E402


def test_generation_benchmark_inputs_are_equivalent() -> None:
    for n in (1, 10):
        bench_generate.check_equivalence(n)  # string writer == to_cii bytes; drafthorse holds the same data
    doc = bench_generate.build_ours(3)
    assert bench_generate.string_writer(doc) == to_cii(doc)


def test_pdf_benchmark_floor_is_a_real_attach() -> None:
    page = bench_pdf._minimal_page()
    xml = to_cii(bench_generate.build_ours(2))
    out = bench_pdf._minimal_attach(page, xml)
    assert out.startswith(b"%PDF") and b"factur-x.xml" in out
    assert not check_pdf(out).valid  # the floor is not PDF/A: that is what our embed adds


def test_read_benchmark_inputs_read_back_and_baselines_walk_everything() -> None:
    for n in (1, 10):
        xml = bench_read.check_equivalence(n)  # read -> same bytes, no finding; drafthorse: same line count
        assert bench_read.lxml_walk(xml) > 10 * n
        assert bench_read.ours_read(xml).document.lines


def test_corpus_figures_count_a_small_corpus(tmp_path: Path) -> None:
    """The figures script over a corpus of our own files: everything read, every value carried."""
    doc = bench_generate.build_ours(3)
    for sub, data in (("cii", to_cii(doc)), ("ubl", to_ubl(doc)), ("pdf", to_facturx(doc))):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / f"one.{'pdf' if sub == 'pdf' else 'xml'}").write_bytes(data)
    for _name, source, target in corpus_figures.DIRECTIONS:
        row = corpus_figures.measure(tmp_path, source, target)
        assert (row.files, row.read, row.source_valid, row.output_valid) == (1, 1, 1, 1)
        assert row.total > 50 and row.preserved == row.total and row.reported == 0


def test_codegen_benchmark_measures_every_generator_on_every_operation() -> None:
    assert set(bench_codegen.USES) == set(codegen.GENERATORS)
    assert set(bench_codegen.CONFIGS) == {"generated", "reference", *codegen.GENERATORS}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fixtures' profile losses
        ops = bench_codegen.operations()
        for byop in ops.values():
            assert set(byop) == set(bench_codegen.OPERATIONS)
            for fn in byop.values():
                assert fn()


def test_ruleset_benchmark_covers_every_rule_set_and_times_one() -> None:
    from facturx_engine import artefacts

    keys = {key for _name, key, _syntax in bench_rulesets.RULE_SETS}
    assert keys == {*artefacts.SCHEMATRON, *artefacts.EXTRA_SCHEMATRON, "peppol-cii", "peppol-ubl"}
    path = bench_rulesets.CORPUS / bench_rulesets.DOCUMENTS["UBL"]
    if not path.is_file():
        pytest.skip(f"!!! SHARED CORPUS MISSING: {path} !!!")
    text = path.read_text(encoding="utf-8")
    lean, stock, count = bench_rulesets.warm("peppol-ubl", text, 1)  # the engine's own rules: no compilation
    assert lean > 0 and stock > 0 and count >= 0
