"""A seeded mutation fuzzer over real invoices: ../shared/corpus (CII and UBL files) and the
engine's own fixtures written in both syntaxes.

Mutant ``n`` of seed ``s`` is a pure function of ``(s, n)`` (``random.Random(f"{s}:{n}")``): one
source, then one to three mutations -- delete, duplicate or swap elements, empty a group (a
repeated group with no recognised child), replace a text or an attribute value with a hostile
value (:mod:`hostile`), add many attributes -- and sometimes a byte-level one last: truncate, or
flip bytes. :func:`check` runs the cheap entry points on it and returns what broke the documented
outcome (``tests/test_fuzz_mutations.py``).

Reproduce a mutant::

    python tests/mutate.py SEED N [-o mutant.xml] [--minimize]   # prints its mutations and failures, writes it
"""

from __future__ import annotations

import copy
import json
import random
import sys
import warnings
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

import hostile
import hostile_inputs

MAX_SOURCE = 200_000  # larger corpus files (base64 attachments) are slow and add nothing
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=False)
_TREE_MUTATIONS = ("delete", "delete", "duplicate", "duplicate", "swap", "empty", "text", "text", "text", "attr",
                   "attrs")


@cache
def sources() -> tuple[tuple[str, bytes], ...]:
    """(name, bytes) of every source, in a fixed order: the corpus XML (when present), then the fixtures."""
    found: list[tuple[str, bytes]] = []
    for sub in ("cii", "ubl"):
        folder = hostile.CORPUS / sub
        if folder.is_dir():
            found += [(f"corpus/{sub}/{p.name}", p.read_bytes()) for p in sorted(folder.iterdir())
                      if p.is_file() and 16 <= p.stat().st_size <= MAX_SOURCE]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from facturx_engine import to_cii, to_ubl

        for path in sorted((hostile_inputs.FIXTURES / "invoices").glob("*.json")):
            doc = hostile_inputs.fixture(path.stem)
            found += [(f"fixtures/{path.stem}.cii.xml", to_cii(doc)), (f"fixtures/{path.stem}.ubl.xml", to_ubl(doc))]
    found += [(f"fixtures/broken/{p.name}", p.read_bytes())
              for p in sorted((hostile_inputs.FIXTURES / "broken").glob("*.xml"))]
    return tuple(found)


@dataclass
class Mutant:
    seed: str
    n: int
    source: str
    data: bytes
    steps: list[str] = field(default_factory=list)
    values: list[tuple[str, str, str]] = field(default_factory=list)  # (path, hostile value, what it replaced)
    dates: list[str] = field(default_factory=list)  # paths of CII 102 dates set to a non-calendar date

    def repro(self) -> str:
        return f"python tests/mutate.py {self.seed} {self.n} -o mutant.xml"


def _elements(root: Any) -> list[Any]:
    return [e for e in root.iter() if isinstance(e.tag, str)]


def _path(elem: Any) -> str:
    return str(elem.getroottree().getpath(elem))


def _value(rng: random.Random, current: str | None) -> str:
    text = (current or "").strip()
    if text[:1].isdigit() and len(text) == 8 and text.isdigit():
        pool: tuple[str, ...] = hostile.DATES_NOT_CALENDAR + hostile.DATES_LEXICAL
    elif text[:1].isdigit() and text.count("-") == 2:
        pool = hostile.DATES_LEXICAL + ("2026-02-30", "2026-13-01")
    elif text.replace(".", "", 1).replace("-", "", 1).isdigit():
        pool = hostile.NUMBERS_UNHOLDABLE + hostile.NUMBERS_LEXICAL + hostile.NUMBERS_FINE
    else:
        pool = hostile.HOSTILE_VALUES
    return rng.choice(pool if rng.random() < 0.8 else hostile.HOSTILE_VALUES)


def _mutate_tree(rng: random.Random, root: Any, m: Mutant) -> None:
    elems = _elements(root)[1:]
    if not elems:
        return
    kind = rng.choice(_TREE_MUTATIONS)
    elem = rng.choice(elems)
    parent = elem.getparent()
    if kind == "delete":
        m.steps.append(f"delete {_path(elem)}")
        parent.remove(elem)
    elif kind == "duplicate":
        m.steps.append(f"duplicate {_path(elem)}")
        elem.addnext(copy.deepcopy(elem))
    elif kind == "swap":
        siblings = [e for e in parent if isinstance(e.tag, str) and e is not elem]
        if not siblings:
            return _mutate_tree(rng, root, m)
        other = rng.choice(siblings)
        m.steps.append(f"swap {_path(elem)} with {_path(other)}")
        _swap(parent, elem, other)
    elif kind == "empty":
        groups = [e for e in elems if len(e)] or elems
        elem = rng.choice(groups)
        m.steps.append(f"empty {_path(elem)}")
        for child in list(elem):
            elem.remove(child)
        elem.text = None
    elif kind == "text":
        leaves = [e for e in elems if not len(e)] or elems
        elem = rng.choice(leaves)
        value = _value(rng, elem.text)
        m.steps.append(f"text {_path(elem)} := {value[:40]!r}")
        if elem.get("format") == "102" and value in hostile.DATES_NOT_CALENDAR:
            m.dates.append(_path(elem))
        before = next((b for p, _, b in m.values if p == _path(elem)), elem.text or "")
        m.values.append((_path(elem), value, before))
        elem.text = value
    elif kind == "attr":
        with_attrs = [e for e in elems if e.attrib]
        if not with_attrs:
            return _mutate_tree(rng, root, m)
        elem = rng.choice(with_attrs)
        name = rng.choice(sorted(elem.attrib))
        value = rng.choice(hostile.CODES + hostile.TEXTS[:3] + ("999", "1E2"))
        m.steps.append(f"attr {_path(elem)}/@{name} := {value[:40]!r}")
        m.values.append((f"{_path(elem)}/@{name}", value, elem.get(name, "")))
        elem.set(name, value)
    else:  # attrs
        count = rng.choice((3, 3, 40, 400))
        m.steps.append(f"add {count} attributes to {_path(elem)}")
        for i in range(count):
            elem.set(f"fz{i}", str(i))
    return None


def _swap(parent: Any, a: Any, b: Any) -> None:
    """Exchange two siblings."""
    ia, ib = parent.index(a), parent.index(b)
    if ia > ib:
        a, b, ia, ib = b, a, ib, ia
    parent.remove(b)
    parent.insert(ia, b)
    parent.remove(a)
    parent.insert(ib, a)


def _mutate_bytes(rng: random.Random, data: bytes, m: Mutant) -> bytes:
    if rng.random() < 0.5:
        cut = rng.randrange(len(data))
        m.steps.append(f"truncate at byte {cut} of {len(data)}")
        return data[:cut]
    buf = bytearray(data)
    spots = sorted(rng.randrange(len(buf)) for _ in range(rng.choice((1, 2, 8))))
    for i in spots:
        buf[i] ^= 1 << rng.randrange(8)
    m.steps.append(f"flip a bit at bytes {spots}")
    return bytes(buf)


def mutant(seed: str | int, n: int) -> Mutant:
    """Mutant ``n`` of ``seed`` (deterministic)."""
    rng = random.Random(f"{seed}:{n}")
    name, data = rng.choice(sources())
    m = Mutant(str(seed), n, name, data)
    root = etree.fromstring(data, _PARSER)
    for _ in range(rng.choice((1, 1, 1, 1, 2, 2, 3))):
        _mutate_tree(rng, root, m)
    out = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    if rng.random() < 0.12:
        out = _mutate_bytes(rng, out, m)
    m.data = out
    return m


# ---------------------------------------------------------------------------- the check


def _failure(entry: str, result: dict[str, Any]) -> dict[str, Any]:
    return {"entry": entry, "kind": "crash", "type": result["type"], "where": result["where"],
            "message": result["message"][:300], "trace": result.get("trace", [])}


def _said(conv: Any) -> str:
    return "\n".join([str(f) for f in conv.source.findings] + [str(f) for f in conv.lost] + list(conv.notes))


def _silent(m: Mutant, conv: Any) -> list[dict[str, Any]]:
    """Lexically invalid values put in by a mutation that the output neither carries nor names."""
    out = conv.data.decode("utf-8", "replace")
    said = None
    found = []
    for path, value, before in m.values:
        if value not in hostile.LEXICALLY_INVALID or value not in m.data.decode("utf-8", "replace") or value in out:
            continue
        said = _said(conv) if said is None else said
        if value not in said:
            what = _kind_of_value(path, before)
            found.append({"entry": f"convert->{conv.target}", "where": what, "type": "",
                          "kind": "silent-normalisation" if what in ("number", "date") else "silent-drop",
                          "message": f"{value!r} at {path} (was {before.strip()[:30]!r}) is neither in the "
                                     f"{conv.target} output nor named in a finding"})
    return found


def _kind_of_value(path: str, before: str) -> str:
    """``number``, ``date``, ``@attribute`` or ``text``: what a hostile value replaced."""
    if "/@" in path:
        return "@" + path.rsplit("/@", 1)[1]
    text = before.strip()
    if text.isdigit() and len(text) == 8 or text[:4].isdigit() and text.count("-") == 2:
        return "date"
    return "number" if text.lstrip("+-").replace(".", "", 1).isdigit() else "text"


def _convert_checks(m: Mutant, target: str, validate: bool) -> list[dict[str, Any]]:
    from facturx_engine import convert
    from facturx_engine import validate as run_validation
    from hostile_ops import attempt, well_formed

    cv = attempt(lambda: convert(m.data, target, validate=validate))
    if cv["outcome"] == "crash":
        return [_failure(f"convert->{target}", cv)]
    if cv["outcome"] != "ok":
        return []
    conv = cv["value"]
    bad = well_formed(conv.data)
    if bad:
        return [{"entry": f"convert->{target}", "kind": "ill-formed", "type": "", "where": "", "message": bad}]
    found = _silent(m, conv)
    if validate and conv.report is not None and conv.report.valid:
        # judged as convert judges it: with the rule sets validate() chooses (factur_x for a Factur-X PDF's XML)
        again = attempt(lambda: run_validation(conv.data, factur_x=target == "facturx"))
        if again["outcome"] == "ok" and not again["value"].valid:
            found.append({"entry": f"convert->{target}", "kind": "claims-valid", "type": "", "where": "",
                          "message": "Conversion.report is valid but validate() of the written XML is not: "
                                     + "; ".join(str(f) for f in again["value"].errors[:3])})
    return found


def _validate_checks(m: Mutant, read: dict[str, Any]) -> list[dict[str, Any]]:
    from facturx_engine import validate as run_validation
    from hostile_ops import attempt

    va = attempt(lambda: run_validation(m.data))
    if va["outcome"] == "crash":
        return [_failure("validate", va)]
    if va["outcome"] != "ok" or not va["value"].valid:
        return []
    if m.dates:
        return [{"entry": "validate", "kind": "wrong-verdict", "type": "", "where": "DateTimeString",
                 "message": f"a non-calendar date at {m.dates[0]} is valid for validate()"}]
    if read["outcome"] == "error" and read["type"] == "ParseError":
        return [{"entry": "validate", "kind": "two-verdicts", "type": "", "where": "",
                 "message": f"validate() says valid, read_document refuses it: {read['message'][:200]}"}]
    return []


def check(seed: str | int, n: int, *, validate: bool = False) -> dict[str, Any]:
    """The documented outcome of mutant ``n``: read_document, convert (to the other syntax, mostly; with
    validation when ``validate``) and, when ``validate``, validate(). Returns a result for :mod:`hostile_ops`."""
    m = mutant(seed, n)
    failures, read = check_mutant(m, validate=validate)
    return {"outcome": "ok", "details": {"source": m.source, "steps": m.steps, "failures": failures,
                                         "validated": validate, "repro": m.repro(), "read": read}}


def check_mutant(m: Mutant, *, validate: bool) -> tuple[list[dict[str, Any]], str]:
    """(failures, outcome of read_document) of a mutant (see :func:`check`)."""
    from facturx_engine import read_document
    from hostile_ops import attempt

    rd = attempt(lambda: read_document(m.data))
    failures = [_failure("read_document", rd)] if rd["outcome"] == "crash" else []
    syntax = "ubl" if b"urn:oasis:names:specification:ubl" in m.data[:2000] else "cii"
    rng = random.Random(f"{m.seed}:{m.n}:target")
    target = syntax if rng.random() < 0.2 else {"ubl": "cii", "cii": "ubl"}[syntax]
    if rd["outcome"] == "ok":
        failures += _convert_checks(m, target, validate)
    if validate:
        failures += _validate_checks(m, rd)
    return failures, rd["outcome"]


def key(failure: dict[str, Any]) -> tuple[str, str, str, str]:
    """The class of a failure: (entry, kind, exception type, where)."""
    return failure["entry"].split("->")[0], failure["kind"], failure["type"], failure["where"]


def minimize(m: Mutant, wanted: tuple[str, str, str, str], *, validate: bool = True) -> bytes:
    """A smaller document that still fails with ``wanted``: elements removed one by one, greedily."""
    def fails(data: bytes) -> bool:
        trial = Mutant(m.seed, m.n, m.source, data, m.steps, m.values, m.dates)
        return any(key(f) == wanted for f in check_mutant(trial, validate=validate)[0])

    try:
        root = etree.fromstring(m.data, _PARSER)
    except etree.XMLSyntaxError:
        return m.data
    changed = True
    while changed:
        changed = False
        for elem in _elements(root)[1:]:
            parent = elem.getparent()
            if parent is None:
                continue
            index = parent.index(elem)
            parent.remove(elem)
            if fails(etree.tostring(root, xml_declaration=True, encoding="UTF-8")):
                changed = True
            else:
                parent.insert(index, elem)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def main(argv: list[str]) -> None:
    """``SEED N [-o FILE] [--minimize]``: write mutant N (or the smallest document failing as it does)."""
    seed, n = argv[1], int(argv[2])
    m = mutant(seed, n)
    warnings.simplefilter("ignore")
    print(f"seed {seed} mutant {n}: {m.source}")
    for step in m.steps:
        print(f"  {step}")
    failures = check_mutant(m, validate=True)[0]
    print(json.dumps(failures, indent=2, ensure_ascii=False))
    data = m.data
    if "--minimize" in argv and failures:
        data = minimize(m, key(failures[0]))
        print(f"minimized to {len(data)} bytes (from {len(m.data)}), still failing with {key(failures[0])}")
    if "-o" in argv:
        Path(argv[argv.index("-o") + 1]).write_bytes(data)


if __name__ == "__main__":
    main(sys.argv)
