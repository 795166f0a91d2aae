#!/usr/bin/env python
"""Validation throughput and latency, ours next to the stock stylesheets, measured in one run.

1. warm time per document (median of RUNS, ours and stock interleaved, findings asserted equal):
   the 10-line CII invoice of ``bench_generate.py``, CEN CII example 1, CEN UBL example 1;
2. cold start: the first document in a fresh process (import, XSD load, Schematron compile,
   validation), ours and stock, each the median of 3 fresh processes;
3. documents per second over ../shared/corpus (73 files: CII, UBL, Factur-X PDFs) with
   ``facturx_engine.apps.batch.check_files`` (what ``facturx-engine validate -j N`` runs) for -j 1 and
   -j 2, ours and stock, wall time in a fresh process including worker start and compilation.

"stock" is ``validate(..., stock=True)``: the same XSD step, the official stylesheets as shipped.

Run from the repository root: ``python benchmarks/bench_validate_cli.py``
"""

from __future__ import annotations

import functools
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = ROOT.parent / "shared" / "corpus"
RUNS = 30


def _warm_table() -> None:
    sys.path.insert(0, str(HERE))
    import bench_generate

    from facturx_engine import to_cii, validate

    docs = {
        "CII, 10 lines (bench_generate)": to_cii(bench_generate.build_ours(10)),
        "CII (cen__CII_example1)": (CORPUS / "cii/cen__CII_example1.xml").read_bytes(),
        "UBL (cen__ubl-tc434-example1)": (CORPUS / "ubl/cen__ubl-tc434-example1.xml").read_bytes(),
    }
    print(f"### Warm, per document (median of {RUNS}, interleaved)\n")
    print("| document | ours | stock | stock / ours |\n|---|---:|---:|---:|")
    for name, xml in docs.items():
        # factur_x=True: the Factur-X EN 16931 stylesheet (a standalone bare EN 16931 id is now CEN CII)
        ours = functools.partial(validate, xml, factur_x=True)
        stock = functools.partial(validate, xml, stock=True, factur_x=True)
        assert ours() == stock(), name  # identical reports, findings included
        times: dict[str, list[float]] = {"ours": [], "stock": []}
        for _ in range(RUNS):
            for label, call in (("ours", ours), ("stock", stock)):
                start = time.perf_counter()
                call()
                times[label].append(time.perf_counter() - start)
        o, s = statistics.median(times["ours"]), statistics.median(times["stock"])
        print(f"| {name} | {o * 1000:.1f} ms | {s * 1000:.1f} ms | {s / o:.1f}x |")


_COLD = """
import sys, time
start = time.perf_counter()
from facturx_engine import validate
validate(open(sys.argv[1], 'rb').read(), stock=sys.argv[2] == 'stock', factur_x=True)
print(time.perf_counter() - start)
"""

_THROUGHPUT = """
import functools, sys, time
start = time.perf_counter()
from facturx_engine import validate
from facturx_engine.apps import batch
if sys.argv[3] == 'stock':
    batch.validate = functools.partial(validate, stock=True)
results = batch.check_files(batch.discover([sys.argv[1]]), jobs=int(sys.argv[2]))
print(time.perf_counter() - start, len(results), sum(r.valid for r in results))
"""


def _python(code: str, *args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True,
                          cwd=ROOT)
    return done.stdout.split()


def _cold_table() -> None:
    print("\n### Cold start: first document in a fresh process (median of 3)\n")
    print("| document | ours | stock |\n|---|---:|---:|")
    for rel in ("cii/cen__CII_example1.xml", "ubl/cen__ubl-tc434-example1.xml"):
        row = []
        for mode in ("ours", "stock"):
            row.append(statistics.median(float(_python(_COLD, str(CORPUS / rel), mode)[0]) for _ in range(3)))
        print(f"| {rel} | {row[0] * 1000:.0f} ms | {row[1] * 1000:.0f} ms |")


def _throughput_table() -> None:
    print("\n### Corpus throughput (73 files, fresh process, workers and compilation included)\n")
    print("| jobs | ours | stock | ours docs/s | stock docs/s |\n|---:|---:|---:|---:|---:|")
    for jobs in ("1", "2"):
        seconds, counts = {}, set()
        for mode in ("ours", "stock"):
            elapsed, files, valid = _python(_THROUGHPUT, str(CORPUS), jobs, mode)
            seconds[mode] = float(elapsed)
            counts.add((files, valid))
        assert len(counts) == 1, counts  # the same verdicts both ways
        files = int(next(iter(counts))[0])
        print(f"| {jobs} | {seconds['ours']:.1f} s | {seconds['stock']:.1f} s | "
              f"{files / seconds['ours']:.1f} | {files / seconds['stock']:.1f} |")


def main() -> int:
    if not CORPUS.is_dir():
        print(f"corpus folder {CORPUS} is missing: nothing to measure", file=sys.stderr)
        return 2
    print(f"`python benchmarks/bench_validate_cli.py` -- Python {sys.version.split()[0]}\n")
    _warm_table()
    _cold_table()
    _throughput_table()
    return 0


if __name__ == "__main__":
    sys.exit(main())
