#!/usr/bin/env python
"""Distributed batches (issue 16): documents per second and peak memory per worker, Dask next to ``-j``.

Writes DOCS generated documents (default 10,000; ``--quick``: 400) into a temporary folder -- the 17
invoices of ``fixtures/invoices`` with varied numbers and quantities, half CII (Factur-X EN 16931),
half UBL -- then validates the whole folder:

* with ``facturx_engine.apps.dist.run`` on a ``LocalCluster`` of 1, 2 and 4 worker processes (one thread
  each), results to JSON Lines part files; wall time from the run's start (the cluster is started before
  it: about 2 s, stated apart) to the last part written;
* with ``facturx_engine.apps.batch.check_files`` (what ``facturx-engine validate -j N`` runs) for -j 1, 2, 4.

Each configuration runs in a fresh process; peak memory per worker is the largest resident set a worker
process reached (``ru_maxrss``). Every configuration must give the same number of valid documents.
Run from the repository root: ``python benchmarks/bench_dist.py [--quick] [--docs N] [--workers 1,2,4]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURES = ROOT / "fixtures" / "invoices"


def write_documents(folder: Path, count: int, seed: int = 16) -> int:
    """``count`` valid documents of varied content under ``folder`` (100 per subfolder); bytes written."""
    from dataclasses import replace

    from facturx_engine import FacturXError, load_document, to_cii, to_ubl

    rng = random.Random(seed)
    bases = [load_document(p.read_text(encoding="utf-8")) for p in sorted(FIXTURES.glob("*.json"))]
    total = 0
    for n in range(count):
        doc = bases[n % len(bases)]
        try:
            lines = [replace(line, quantity=Decimal(rng.randint(1, 40))) for line in doc.lines]
            varied = replace(doc, number=f"{doc.number}-{n:06d}", lines=lines)
        except FacturXError:  # a quantity the document's own figures tie (a deposit, a credit): number only
            varied = replace(doc, number=f"{doc.number}-{n:06d}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # what UBL cannot carry of a French CII fixture: not this benchmark's
            data = to_ubl(varied) if n % 2 else to_cii(varied)
        target = folder / f"{n // 100:04d}" / f"doc-{n:06d}.xml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        total += len(data)
    return total


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _one_dist(folder: str, workers: int, files_per_task: int) -> dict[str, float]:
    import dask
    from distributed import Client, LocalCluster

    from facturx_engine.apps.dist import run

    started = time.perf_counter()
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = Client(cluster)
    ready = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        summary = run([folder], cluster=client, out=out, partition_files=files_per_task)
        seconds = time.perf_counter() - ready
        peak = max(client.run(_maxrss_mb).values())
    client.close()
    cluster.close()
    return {"seconds": seconds, "start": ready - started, "documents": summary.written, "valid": summary.valid,
            "peak_mb": peak}


def _one_jobs(folder: str, jobs: int) -> dict[str, float]:
    from facturx_engine.apps.batch import check_files, discover

    names = discover([folder])
    started = time.perf_counter()
    results = check_files(names, jobs=jobs)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest worker
    return {"seconds": seconds, "start": 0.0, "documents": len(results), "valid": sum(r.valid for r in results),
            "peak_mb": peak}


def _measure(kind: str, n: int, folder: str, files_per_task: int) -> dict[str, float]:
    """One configuration in a fresh process (the memory figures of each stay its own)."""
    done = subprocess.run([sys.executable, __file__, "--one", f"{kind}:{n}", "--folder", folder,
                           "--files-per-task", str(files_per_task)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind}:{n} failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="400 documents instead of 10,000")
    parser.add_argument("--docs", type=int, default=None)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--files-per-task", type=int, default=None,
                        help="documents per Dask task (default: DOCS / 40, between 10 and 200)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        kind, n = args.one.split(":")
        figures = _one_dist(args.folder, int(n), args.files_per_task) if kind == "dist" else \
            _one_jobs(args.folder, int(n))
        print(json.dumps(figures))
        return
    count = args.docs or (400 if args.quick else 10_000)
    per_task = args.files_per_task or max(10, min(200, count // 40))
    counts = [int(n) for n in args.workers.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        size = write_documents(Path(folder), count)
        print(f"{count} documents, {size / 1e6:.1f} MB, written in {time.perf_counter() - started:.0f} s; "
              f"{per_task} documents per Dask task; Python {platform.python_version()}, {os.cpu_count()} CPUs\n")
        print("| run | workers | wall time | documents/s | per worker | peak memory per worker | valid |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for n in counts:
            for kind in ("jobs", "dist"):
                r = _measure(kind, n, folder, per_task)
                label = f"validate -j {n}" if kind == "jobs" else f"Dask local:{n}"
                rate = r["documents"] / r["seconds"]
                start = f" (+{r['start']:.1f} s start)" if kind == "dist" else ""
                print(f"| {label} | {n} | {r['seconds']:.1f} s{start} | {rate:.1f} | {rate / n:.1f} | "
                      f"{r['peak_mb']:.0f} MB | {int(r['valid'])}/{int(r['documents'])} |", flush=True)


if __name__ == "__main__":
    main()
