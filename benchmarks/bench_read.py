#!/usr/bin/env python
"""Reading benchmark: a CII invoice of N lines into the model, against lxml and drafthorse.

Run from the repository root::

    python benchmarks/bench_read.py            # full run (about a minute)
    python benchmarks/bench_read.py --quick    # smoke run

The invoice is the one of ``bench_generate.py`` (same seller, buyer, N lines, payment means, notes),
written by ``to_cii``. Before timing, the script checks that reading it gives a document that
writes the same bytes again, with no finding, and that drafthorse parses the same number of lines.
See benchmarks/README.md for what each column measures.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shlex
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_generate import build_ours, fmt_time, measure  # noqa: E402

SIZES = (1, 10, 100, 1000)


def lxml_walk(xml: bytes) -> int:
    """The floor: lxml parses the bytes (hardened like our parser) and a plain walk visits every
    element, its text and its attributes."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True,
                             remove_pis=True)
    n = 0
    for el in etree.fromstring(xml, parser).iter():
        if el.text is not None:
            n += 1
        n += len(el.items())
    return n


def lxml_dict(xml: bytes) -> Any:
    """lxml parse + a walk that keeps everything in nested dicts (what a generic XML-to-dict reader does)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True,
                             remove_pis=True)

    def walk(el: Any) -> Any:
        node: dict[str, Any] = dict(el.items())
        for child in el:
            node.setdefault(child.tag, []).append(walk(child))
        text = (el.text or "").strip()
        if text:
            node["#text"] = text
        return node

    return walk(etree.fromstring(xml, parser))


def ours_walk(xml: bytes) -> Any:
    """Our parse + the table walk (every node matched against the business-term table, into a raw dict)."""
    from facturx_engine._read import _walk

    return _walk(xml)


def ours_read(xml: bytes) -> Any:
    from facturx_engine import read_document

    return read_document(xml)


def drafthorse_parse(xml: bytes) -> Any:
    from drafthorse.models.document import Document

    return Document.parse(xml)


def check_equivalence(n: int) -> bytes:
    """The CII of the n-line invoice; reading it back gives the same bytes and no finding."""
    from facturx_engine import read_document, to_cii

    xml = to_cii(build_ours(n))
    result = read_document(xml)
    if result.findings:
        raise SystemExit(f"{n} lines: reading gave findings: {[str(f) for f in result.findings]}")
    if to_cii(result.document) != xml:
        raise SystemExit(f"{n} lines: the document read does not write the same bytes")
    items = drafthorse_parse(xml).trade.items.children
    if len(items) != n:
        raise SystemExit(f"{n} lines: drafthorse parsed {len(items)} lines")
    return xml


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, shorter runs (smoke test)")
    parser.add_argument("--sizes", type=lambda s: tuple(int(x) for x in s.split(",")), default=SIZES,
                        help="comma-separated line counts (default 1,10,100,1000)")
    args = parser.parse_args()
    min_time, repeats = (0.02, 3) if args.quick else (0.2, 7)

    print("# facturx_engine reading benchmark\n")
    print(f"- command: `python {shlex.join(sys.argv)}`")
    print(f"- Python {platform.python_version()} ({platform.python_implementation()}), {platform.system()} "
          f"{platform.machine()}, CPU count {os.cpu_count()}")
    print(f"- lxml {version('lxml')}, drafthorse {version('drafthorse')}")
    print(f"- timing: median of {repeats} repeats, loops auto-scaled to >= {min_time} s per repeat\n")

    docs = {n: check_equivalence(n) for n in args.sizes}
    print(f"Checked for {', '.join(map(str, args.sizes))} lines: the document read writes the same CII bytes, "
          "with no finding; drafthorse parses the same number of lines.\n")

    rows = []
    for n, xml in docs.items():
        gc.collect()
        r = {
            "walk": measure(lambda: lxml_walk(xml), min_time, repeats),
            "dict": measure(lambda: lxml_dict(xml), min_time, repeats),
            "table": measure(lambda: ours_walk(xml), min_time, repeats),
            "read": measure(lambda: ours_read(xml), min_time, repeats),
            "model": measure(lambda: build_ours(n), min_time, repeats),
            "dh": measure(lambda: drafthorse_parse(xml), min_time, repeats),
        }
        rows.append((n, len(xml), r))
        print(f"  measured {n} lines", file=sys.stderr)

    print("## Median time per document\n")
    print("| lines | bytes | lxml parse + walk | lxml parse + dict | ours parse + table walk | ours read_document "
          "| model construction alone | drafthorse parse | read_document / lxml walk | read_document / lxml dict "
          "| drafthorse / read_document |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, size, r in rows:
        print(f"| {n} | {size} | {fmt_time(r['walk'])} | {fmt_time(r['dict'])} | {fmt_time(r['table'])} "
              f"| {fmt_time(r['read'])} | {fmt_time(r['model'])} | {fmt_time(r['dh'])} "
              f"| {r['read'] / r['walk']:.1f}× | {r['read'] / r['dict']:.1f}× | {r['dh'] / r['read']:.1f}× |")
    hundred = next((r for n, _, r in rows if n == 100), None)
    if hundred:
        ratio = hundred["read"] / hundred["walk"]
        print(f"\nGoal (100 lines): read_document within 3× of lxml parse + plain walk -> "
              f"{'met' if ratio <= 3 else 'NOT met'} ({ratio:.1f}×; the model construction alone, totals and "
              f"checks included, is {hundred['model'] / hundred['walk']:.1f}× that walk)")


if __name__ == "__main__":
    main()
