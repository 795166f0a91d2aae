"""Sweep: run the CEN EN16931-CII Schematron on every CII the engine writes and print every rule
it fires, with the document, profile and location, then the count per rule.

Not a test module (``tests/test_cen_cii.py`` is the test). Usage, from the repository root::

    facturx-engine artefacts install     # once (or: export FXE_CEN_CII_XSLT=<the .xslt file>)
    python tests/cen_cii_sweep.py [N] [CORPUS]

``N`` Hypothesis documents (default 300, drawn reproducibly) are written in EN 16931 and
EXTENDED; ``CORPUS`` (default ``../shared/corpus`` next to the repository) adds the CII converted
from every corpus document labelled valid. Cases: every fixture, accepted payload and lifecycle
document (deposits, final invoices, credit notes, a quote's schedule) in every Factur-X profile.
MINIMUM and BASIC WL documents carry no lines: CEN's rules are reported for them apart (``*``).
Exit status 1 when a fixture, payload, lifecycle or random document fires a CEN rule that
``tests/cen_cii.py`` does not list as a known disagreement (corpus documents fire what their
sources fire: ``tests/test_cen_cii.py`` compares them with their sources).
"""

from __future__ import annotations

import sys
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script: tests/ is not on the path

import cen_cii  # noqa: E402
from strategies import documents  # noqa: E402

from facturx_engine import Document, ProfileWarning, convert  # noqa: E402

Case = tuple[str, str, bytes]


def corpus_cases(corpus: Path) -> Iterator[Case]:
    """The CII that ``convert(..., "cii")`` writes for every document the corpus labels valid."""
    index = corpus / "INDEX.tsv"
    if not index.is_file():
        print(f"# no corpus at {corpus}", file=sys.stderr)
        return
    for row in index.read_text(encoding="utf-8").splitlines()[1:]:
        name, _syntax, _type, _profile, expected = row.split("\t")[:5]
        if expected != "valid":
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ProfileWarning)
            try:
                done = convert((corpus / name).read_bytes(), "cii", validate=False)
            except Exception as exc:  # the sweep reports, it does not judge conversions
                print(f"# {name}: not converted ({type(exc).__name__}: {exc})", file=sys.stderr)
                continue
        yield f"corpus/{name}", str(done.profile), done.data


def hypothesis_cases(n: int) -> list[Case]:
    """``n`` random valid documents (``tests/strategies.py``), reproducibly, in EN 16931 and EXTENDED."""
    out: list[Case] = []

    @settings(max_examples=n, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.one_of(documents(), documents(extended=True)))
    def draw(doc: Document) -> None:
        i = len(out) // 2 + 1
        out.extend((f"hypothesis/{i}", p, cen_cii.quiet_cii(doc, p)) for p in ("EN 16931", "EXTENDED"))

    draw()
    return out


def main(argv: list[str]) -> int:
    path = cen_cii.stylesheet_path()
    if path is None:
        print(f"no CEN CII stylesheet: {cen_cii.HOW_TO_GET}", file=sys.stderr)
        return 2
    n = int(argv[1]) if len(argv) > 1 else 300
    corpus = Path(argv[2]) if len(argv) > 2 else cen_cii.ROOT.parent / "shared" / "corpus"
    cases: list[Case] = list(cen_cii.written_cases()) + list(corpus_cases(corpus)) + hypothesis_cases(n)
    fired: Counter[tuple[str, str, bool]] = Counter()
    failing: set[str] = set()
    unexplained: set[str] = set()
    for name, profile, xml in cases:
        judged = profile in cen_cii.CEN_PROFILES
        found = cen_cii.run_cen(xml, path)
        for f in found:
            mark = "" if judged else "*"
            print(f"{name}\t{profile}{mark}\t{f.rule}\t{f.flag}\t{f.location}\t{f.message}")
            fired[(f.rule, f.flag, judged)] += 1
            if judged and f.fatal:
                failing.add(f"{name} [{profile}]")
        if judged and not name.startswith("corpus/") and cen_cii.refused(found, profile):
            unexplained.add(f"{name} [{profile}]")
    print(f"\n# {len(cases)} CII documents written; {len(failing)} judged ones (BASIC and up) with a fatal "
          f"CEN finding; {len(unexplained)} outside the corpus with a finding not listed in cen_cii.FACTURX_ONLY "
          "or cen_cii.CEN_WARNINGS")
    for (rule, flag, judged), count in sorted(fired.items()):
        print(f"# {rule}\t{flag}\t{count}\t{'' if judged else '(MINIMUM/BASIC WL only)'}")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
