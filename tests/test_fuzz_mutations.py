"""A seeded mutation fuzzer over the corpus and our fixtures (issue 11, Tests): only documented outcomes.

Each mutant (:mod:`mutate`: elements deleted, duplicated, swapped or emptied, a text or attribute
replaced by a hostile value, many attributes added, bytes truncated or flipped) goes through
``read_document`` and ``convert`` (to the other syntax mostly; without validation), and one in
``FXE_FUZZ_VALIDATE_EVERY`` also through ``validate()`` and a validating ``convert``. Documented:

* a FacturXError subclass or a result, never another exception;
* the XML ``convert`` returns is well-formed;
* a lexically invalid value (``1_000``, ``1E2``, non-ASCII digits ...) is refused, carried as it is,
  or named in a finding -- never written as another value silently;
* ``Conversion.report`` says valid only if the XML written is valid;
* ``validate()`` never says valid for a CII date that is no calendar day, nor for a document that
  ``read_document`` refuses as unreadable;
* peak RSS under 512 MB and bounded time per mutant (measured in the child processes).

Defaults: 2,000 mutants, seed 11, 2 child processes: 23-65 s on this 2-core machine (quiet, busy). Deeper local runs:
``FXE_FUZZ_MUTANTS=50000 FXE_FUZZ_SEED=7 python -m pytest -q tests/test_fuzz_mutations.py``.
A failure names the seed, the mutant, its mutations and the command that rewrites it
(``python tests/mutate.py SEED N -o mutant.xml``).
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from typing import Any

import hostile
import mutate

SEED = os.environ.get("FXE_FUZZ_SEED", "11")
MUTANTS = int(os.environ.get("FXE_FUZZ_MUTANTS", "2000"))
VALIDATE_EVERY = int(os.environ.get("FXE_FUZZ_VALIDATE_EVERY", "8"))
WORKERS = int(os.environ.get("FXE_FUZZ_WORKERS", "2"))
BUDGET_S = float(os.environ.get("FXE_FUZZ_BUDGET_S", "120")) * max(1.0, MUTANTS / 2000)
MUTANT_TIMEOUT_S = 30.0


def _jobs() -> list[dict[str, Any]]:
    return [{"op": "mutant", "seed": SEED, "n": n, "validate": n % VALIDATE_EVERY == 0, "label": f"fuzz-{n % WORKERS}",
             "timeout": MUTANT_TIMEOUT_S} for n in range(MUTANTS)]


def _failures(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The failures of one mutant's result, the harness's own (killed, memory, time) included."""
    found = list(result.get("details", {}).get("failures", ()))
    for problem in hostile.violations(result):
        kind = "killed" if result.get("outcome") in ("killed", "died") else "resources"
        found.append({"entry": "mutant", "kind": kind, "type": "", "where": "", "message": problem})
    return found


def _example(n: int, failure: dict[str, Any]) -> str:
    m = mutate.mutant(SEED, n)
    steps = "; ".join(m.steps)
    trace = " <- ".join(reversed(failure.get("trace", [])[-3:]))
    return (f"    seed {SEED} mutant {n} ({m.source}): {steps}\n      {failure['message'][:300]}"
            + (f"\n      trace: {trace}" if trace else "") + f"\n      repro: {m.repro()}")


def report(results: list[dict[str, Any]]) -> tuple[dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]], str]:
    """Failures by class (entry, kind, exception type, where), and a text listing each class with
    its count and first two mutants."""
    classes: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for result in results:
        for failure in _failures(result):
            key = (failure["entry"].split("->")[0], failure["kind"], failure["type"], failure["where"])
            classes[key].append((result["job"]["n"], failure))
    lines = []
    for key, hits in sorted(classes.items(), key=lambda kv: -len(kv[1])):
        entry, kind, kind_type, where = key
        lines.append(f"  {len(hits)} x {entry} {kind} {kind_type} {('at ' + where) if where else ''}".rstrip())
        lines += [_example(n, failure) for n, failure in hits[:2]]
    return classes, "\n".join(lines)


def test_mutants_get_documented_outcomes() -> None:
    """>= 2,000 mutants in CI within 2 minutes; every distinct failure class is listed, with repros."""
    began = time.monotonic()
    results = hostile.run_parallel(_jobs(), WORKERS)
    took = time.monotonic() - began
    validated = sum(1 for r in results if r.get("details", {}).get("validated"))
    read = sum(1 for r in results if r.get("details", {}).get("read") == "ok")
    classes, text = report(results)
    summary = (f"seed {SEED}: {len(results)} mutants ({read} readable, {validated} validated) in {took:.0f} s, "
               f"{sum(len(v) for v in classes.values())} failures in {len(classes)} classes")
    print(summary)
    assert not classes, f"{summary}:\n{text}"
    assert took < BUDGET_S, f"{summary}: over the {BUDGET_S:.0f} s budget"


def test_mutants_are_reproducible() -> None:
    """The same seed and number give the same mutant; different numbers mutate differently."""
    a, b = mutate.mutant(SEED, 5), mutate.mutant(SEED, 5)
    assert (a.source, a.steps, a.data) == (b.source, b.steps, b.data)
    assert len({tuple(mutate.mutant(SEED, n).steps) for n in range(40)}) > 30
    kinds = {step.split()[0] for n in range(400) for step in mutate.mutant(SEED, n).steps}
    assert kinds >= {"delete", "duplicate", "swap", "empty", "text", "attr", "add", "truncate", "flip"}
