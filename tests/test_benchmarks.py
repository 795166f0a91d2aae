"""The benchmark scripts stay runnable: their builders work and their equivalence checks hold.

Timings are not tested (they live in benchmarks/); this only keeps the scripts from rotting.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import bench_generate  # noqa: E402
import bench_pdf  # noqa: E402

from facturx_engine import check_pdf, to_cii  # noqa: E402


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
