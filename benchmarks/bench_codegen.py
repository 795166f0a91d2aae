#!/usr/bin/env python
"""What each generated fast path gains end to end: generated code against its reference path.

Run from the repository root::

    python benchmarks/bench_codegen.py            # full run (about ten minutes)
    python benchmarks/bench_codegen.py --quick    # smoke run

The generators compile Python at run time (:data:`facturx_engine.codegen.GENERATORS`): the model
records' ``__init__`` (``init``), the writers (``writer``) and the reader's flat passes (``reader``);
the reader's record builders (``builder``) were one too until issue 12 measured them with this script.
``FACTURX_ENGINE_REFERENCE`` names the ones that take their reference path instead. Each configuration -- everything generated, one generator on its reference
path, everything on the reference path -- runs in a fresh process (the switch is read when each
fast path is built) that times the end-to-end operations: building the model (from the fixtures'
JSON; the large invoice from raw line data), writing CII (EN 16931) and UBL, reading CII and UBL.
The inputs are the bundled fixtures (all of them per call) and a large invoice (the one of
``bench_generate.py``). The processes time one short repeat of an operation each in turn, so that
a busy moment of a shared machine slows every configuration alike. A generator "saves"
``1 - generated / reference`` of an operation's time: the median, over the turns, of the ratio of
the two repeats of the same turn (a figure that the load of other work on the machine hardly moves).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import timeit
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

CONFIGS = ("generated", "init", "writer", "reader", "reference")
"""Configurations: the value of FACTURX_ENGINE_REFERENCE is the name ("generated": "0"; "reference": "1")."""
OPERATIONS = ("build", "write CII", "write UBL", "read CII", "read UBL")
USES = {"init": ("build", "read CII", "read UBL"), "writer": ("write CII", "write UBL"),
        "reader": ("read CII", "read UBL")}
"""The operations that run each generator's code."""
LARGE = 1000
"""Lines of the large invoice."""


def _switch(config: str) -> str:
    return {"generated": "0", "reference": "1"}.get(config, config)


# ------------------------------------------------------------------------------ the child (one configuration)


def operations() -> dict[str, dict[str, Callable[[], object]]]:
    """input -> operation -> a call doing it (over every fixture, or on the large invoice)."""
    from bench_generate import build_ours, line_data

    from facturx_engine import load_document, read_document, to_cii, to_ubl

    raw = [p.read_bytes() for p in sorted((ROOT / "fixtures" / "invoices").glob("*.json"))]
    docs = [load_document(data) for data in raw]
    cii, ubl = [to_cii(d) for d in docs], [to_ubl(d) for d in docs]
    rows = line_data(LARGE)
    big = build_ours(LARGE, rows)
    big_cii, big_ubl = to_cii(big), to_ubl(big)
    return {
        "fixtures": {
            "build": lambda: [load_document(data) for data in raw],
            "write CII": lambda: [to_cii(d) for d in docs],
            "write UBL": lambda: [to_ubl(d) for d in docs],
            "read CII": lambda: [read_document(x) for x in cii],
            "read UBL": lambda: [read_document(x) for x in ubl],
        },
        f"{LARGE} lines": {
            "build": lambda: build_ours(LARGE, rows),
            "write CII": lambda: to_cii(big),
            "write UBL": lambda: to_ubl(big),
            "read CII": lambda: read_document(big_cii),
            "read UBL": lambda: read_document(big_ubl),
        },
    }


def child() -> None:
    """Serve one configuration: build everything once (the first pass, where the generated code is made),
    say how long it took, then time ``number`` calls of an operation for each request on stdin."""
    warnings.simplefilter("ignore")  # profile losses of the fixtures: not what is measured
    t0 = time.perf_counter()
    ops = operations()
    for byop in ops.values():
        for fn in byop.values():
            fn()
    first = time.perf_counter() - t0
    import linecache

    generated = sum(1 for name in linecache.cache if name.startswith("<facturx_engine generated:"))
    timers = {f"{inp}|{op}": timeit.Timer(fn) for inp, byop in ops.items() for op, fn in byop.items()}
    print(json.dumps({"first": first, "generated": generated, "keys": list(timers)}), flush=True)
    for request in sys.stdin:
        key, number = request.rsplit(" ", 1)
        print(timers[key].timeit(int(number)), flush=True)


# ------------------------------------------------------------------------------ the parent


class Child:
    """A process serving one configuration."""

    def __init__(self, config: str) -> None:
        env = {**os.environ, "FACTURX_ENGINE_REFERENCE": _switch(config),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))}
        self.proc = subprocess.Popen([sys.executable, __file__, "--child"], env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self.proc.stdout is not None
        self.hello: dict[str, Any] = json.loads(self.proc.stdout.readline())

    def time(self, key: str, number: int) -> float:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{key} {number}\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()


def measure_all(min_time: float, repeats: int) -> dict[str, Any]:
    """Every operation in every configuration: one repeat in each configuration in turn, so that a busy
    moment of a shared machine slows them all alike. Returns, per configuration, the first pass, the
    number of generated sources and every repeat's seconds per call of each operation."""
    children = {config: Child(config) for config in CONFIGS}
    try:
        runs: dict[str, Any] = {c: {"first": ch.hello["first"], "generated": ch.hello["generated"], "times": {}}
                                for c, ch in children.items()}
        for key in children["generated"].hello["keys"]:
            number = 1
            while (elapsed := children["generated"].time(key, number)) < min_time:
                number = max(number + 1, int(number * min_time / max(elapsed, 1e-9) * 1.2))
            for r in range(repeats):
                order = CONFIGS[r % len(CONFIGS):] + CONFIGS[:r % len(CONFIGS)]
                for config in order:
                    runs[config]["times"].setdefault(key, []).append(children[config].time(key, number) / number)
            print(f"  measured {key}", file=sys.stderr)
    finally:
        for ch in children.values():
            ch.close()
    return runs


def saves(runs: dict[str, Any], config: str, key: str) -> float:
    """``1 - generated / reference``: the median over the turns of the ratio within each turn."""
    pairs = zip(runs["generated"]["times"][key], runs[config]["times"][key])
    return 1 - statistics.median(gen / ref for gen, ref in pairs)


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def report(runs: dict[str, Any], min_time: float, repeats: int) -> None:
    import platform
    import shlex

    print("# facturx_engine generated code against its reference paths\n")
    print(f"- command: `python {shlex.join(sys.argv)}`")
    print(f"- Python {platform.python_version()} ({platform.python_implementation()}), {platform.system()} "
          f"{platform.machine()}, CPU count {os.cpu_count()}")
    print(f"- timing: {repeats} turns of one repeat per configuration (one process each), loops auto-scaled to "
          f">= {min_time} s per repeat of the generated code, gc disabled while timing (timeit default); times are "
          "medians, *saves* is 1 - the median of the ratios generated / reference path within a turn\n")
    keys = list(runs["generated"]["times"])
    inputs = list(dict.fromkeys(key.split("|")[0] for key in keys))

    def med(config: str, key: str) -> str:
        return fmt_time(statistics.median(runs[config]["times"][key]))

    print("## What each generator saves (1 - generated / reference path)\n")
    print("| generator | operation | input | generated | reference path | saves |")
    print("|---|---|---|---:|---:|---:|")
    for g, ops in USES.items():
        for op in ops:
            for inp in inputs:
                key = f"{inp}|{op}"
                print(f"| {g} | {op} | {inp} | {med('generated', key)} | {med(g, key)} | {saves(runs, g, key):+.0%} |")
    print("\n## Every configuration (median time per call)\n")
    print("| input | operation | " + " | ".join(CONFIGS) + " |")
    print("|---|---|" + "---:|" * len(CONFIGS))
    for inp in inputs:
        for op in OPERATIONS:
            key = f"{inp}|{op}"
            print(f"| {inp} | {op} | " + " | ".join(med(c, key) for c in CONFIGS) + " |")
    print("\n## First pass in a fresh process (import, then build, write and read every input once)\n")
    print("| configuration | time | generated sources |\n|---|---:|---:|")
    for c in CONFIGS:
        print(f"| {c} | {fmt_time(runs[c]['first'])} | {runs[c]['generated']} |")


def main() -> None:
    if sys.argv[1:] == ["--child"]:
        child()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="few repeats, short loops (smoke test)")
    args = parser.parse_args()
    min_time, repeats = (0.02, 3) if args.quick else (0.05, 25)
    report(measure_all(min_time, repeats), min_time, repeats)


if __name__ == "__main__":
    main()
