"""Hostile and faulty input (issue 11): every entry point gives a documented outcome.

1. One test per reproducer of ``../shared/hostile`` (skipped loudly when the folder is absent):
   every library entry point and CLI command that applies runs in a child process
   (:mod:`hostile`), and each must return or raise a FacturXError, exit 0/1/2 without a traceback
   or "internal error", leave no file behind on failure, and stay under 512 MB and the time
   bound; plus what the issue states for that kind of input (a fatal finding for a non-calendar
   date, ``1_000`` never written as 1000 silently, a keyed refusal of a control character ...).
2. Batches survive bad files; globs survive symlink cycles.
3. Inputs of the same kinds made by code (:mod:`hostile_inputs`): numbers the XSD admits but
   Decimal cannot hold, lexically invalid numbers and dates, lowercase or unknown codes, repeated
   groups with no recognised child, odd texts, in CII and UBL; payload numbers; control characters
   and lone surrogates in payloads, JSON and the model (refused with a keyed error).
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import hostile
import hostile_inputs as gen
from facturx_engine import (
    FacturXError,
    InputError,
    Line,
    PayloadError,
    Vat,
    from_payload,
    load_document,
    to_cii,
    to_ubl,
)
from hostile_ops import well_formed
from installed import EXTRA_INSTALLED  # tests/installed.py

WORKERS = 2
Results = dict[str, dict[str, Any]]  # "op" or "cli <words>" -> result

# ---------------------------------------------------------------------------- 1. the reproducers


def _ops(results: list[dict[str, Any]]) -> Results:
    return {hostile.name_of(r["job"]).split(": ", 1)[1]: r for r in results}


@pytest.fixture(scope="module")
def reproduced() -> dict[str, Results]:
    jobs = [job for path in hostile.hostile_files()
            for job in hostile.jobs_for({"file": str(path)}, hostile.kind_of(path), path.name)]
    results = hostile.run_parallel(jobs, WORKERS)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        grouped.setdefault(result["job"]["label"], []).append(result)
    return {label: _ops(rs) for label, rs in grouped.items()}


def _refused(r: dict[str, Any]) -> bool:
    """Nothing written: a FacturXError, or a CLI exit 1/2."""
    return r.get("outcome") == "error" or r.get("exit") in (1, 2)


def _names(r: dict[str, Any], *fragments: str) -> bool:
    """Some line of what ``r`` says holds every fragment."""
    return any(all(f in line for f in fragments) for line in hostile.texts(r).splitlines())


def _date_verdict(name: str, ops: Results) -> list[str]:
    out = []
    v = ops["validate"]
    if v.get("outcome") == "ok" and v["details"]["valid"]:
        out.append("validate() says valid for a CII date that is no calendar day (read_document refuses it: "
                   f"{ops['read_document'].get('message', '')[:120]}); it must be a fatal finding")
    invalid = 1 if EXTRA_INSTALLED else 4  # 4: invalid, and its CEN CII rule set is not installed
    if ops["cli validate"].get("exit") != invalid:
        out.append(f"cli validate exits {ops['cli validate'].get('exit')}, not {invalid} (invalid)")
    return out


def _silent(name: str, ops: Results) -> list[str]:
    value = name.rsplit(".", 1)[0].split("silent_normalise_", 1)[1]
    out = []
    for key, r in ops.items():
        if "convert" not in key or _refused(r) or r.get("outcome") == "crash":
            continue
        if not _names(r, value):
            out.append(f"{key}: {value!r} is neither refused nor named in a finding (written as another value?)")
        elif not any(_names(r, value, where) for where in ("/", "BT-", "line ")):
            out.append(f"{key}: {value!r} is named without its path")
    return out


def _control(name: str, ops: Results) -> list[str]:
    paths = _control_paths(json.loads((hostile.HOSTILE / name).read_text(encoding="utf-8")))
    r = ops["from_payload"]
    if r.get("outcome") != "error" or r.get("type") != "PayloadError":
        return [f"from_payload accepts a control character at {paths} ({r.get('outcome')} {r.get('type', '')}): "
                "it must refuse it with a PayloadError keyed by the field"]
    keys = set(r["details"].get("errors", {}))
    out = [f"from_payload refuses, but its errors {sorted(keys)} do not name {p}" for p in paths if p not in keys]
    for key, c in ops.items():
        if key.startswith("cli generate") and (c.get("exit") != 2 or not all(p in c["stderr"] for p in paths)):
            out.append(f"{key}: exit {c.get('exit')}, stderr does not name {paths}: {c.get('stderr', '')[:200]!r}")
    return out


def _control_paths(data: Any, path: str = "") -> list[str]:
    """Dotted payload paths of the strings holding a character XML cannot carry."""
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in _control_paths(v, f"{path}.{k}" if path else k)]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in _control_paths(v, f"{path}.{i}")]
    bad = isinstance(data, str) and re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", data)
    return [path] if bad else []


def _payload_refused(name: str, ops: Results) -> list[str]:
    out = [f"{k}: not refused ({r.get('outcome')}, exit {r.get('exit')}); documented: a FacturXError, exit 2"
           for k, r in ops.items() if (k.startswith("cli") and r.get("exit") != 2)
           or (not k.startswith("cli") and r.get("outcome") != "error")]
    return out


_CAP = re.compile(r"too large|limit|cap|exceed|inflat|bomb|at most", re.IGNORECASE)


def _bomb(name: str, ops: Results) -> list[str]:
    r = ops["check_pdf"]
    if r.get("outcome") in ("ok", "error") and not _CAP.search(hostile.texts(r)):
        return ["check_pdf does not report the capped stream (no finding says a stream is too large / capped)"]
    return []


def _embed_damaged(name: str, ops: Results) -> list[str]:
    r = ops["embed:pdf"]
    return [] if r.get("type") == "PdfError" else [f"embed of a damaged PDF: {r.get('outcome')} {r.get('type', '')}, "
                                                   "documented: PdfError"]


def _number_named(name: str, ops: Results) -> list[str]:
    r = ops["read_document"]
    if r.get("outcome") == "error" and not re.search(r"BT-\d+|Quantity|Amount", r["message"]):
        return [f"read_document refuses a huge number without naming the term or element: {r['message'][:200]}"]
    return []


EXPECT: list[tuple[str, Callable[[str, Results], list[str]]]] = [
    ("wrongverdict_cii_date", _date_verdict),
    ("silent_normalise_", _silent),
    ("payload_vertical_tab", _control),
    ("payload_control", _control),
    ("payload_decimal_overflow", _payload_refused),
    ("bomb", _bomb),
    ("_embed", _embed_damaged),
    ("num_huge", _number_named),
]
"""What the issue states for a kind of reproducer (matched in the file name), beyond the generic outcome."""


@pytest.mark.parametrize("path", hostile.hostile_files() or [None], ids=lambda p: p.name if p else "absent")
def test_reproducer(path: Path | None, reproduced: dict[str, Results]) -> None:
    """Every entry point that applies gives a documented outcome, within 512 MB and the time bound."""
    if path is None:
        hostile.need(hostile.HOSTILE, "hostile reproducers")
        pytest.skip(f"SHARED HOSTILE REPRODUCERS ABSENT: no file in {hostile.HOSTILE}, NOT tested")
    ops = reproduced[path.name]
    problems = hostile.all_violations(ops.values())
    for fragment, check in EXPECT:
        if fragment in path.name:
            problems += check(path.name, ops)
    assert not problems, "\n".join(problems) + "\n\nevery outcome:\n" + "\n".join(
        hostile.describe(r) for r in ops.values())


# ---------------------------------------------------------------------------- 2. batches and globs


def test_batch_survives_every_reproducer(tmp_path: Path) -> None:
    """``validate DIR -j 2``: a hostile file is that file's fatal finding, every file gets its result."""
    hostile.need(hostile.HOSTILE, "hostile reproducers")
    folder = tmp_path / "batch"
    folder.mkdir()
    names = []
    for path in hostile.hostile_files():
        if path.suffix in (".xml", ".pdf"):
            shutil.copy(path, folder / path.name)
            names.append(path.name)
    (folder / "zz_good.xml").write_bytes(gen.base("cii"))
    names.append("zz_good.xml")
    job = {"op": "cli", "argv": ["validate", "{in}", "-j", "2", "--format", "json"], "input": {"path": str(folder)},
           "label": "batch", "timeout": 120}
    [result] = hostile.run_jobs([job], kill_mb=3 * hostile.KILL_MB)  # a parent and two workers
    problems = hostile.violations(result, rss_limit=hostile.KILL_MB)
    assert not problems, "\n".join(problems)
    assert result["exit"] == (1 if EXTRA_INSTALLED else 4), hostile.describe(result)  # 4: CEN CII not installed
    report = json.loads(result["stdout"])
    files = report["files"] if isinstance(report, dict) else report
    seen = {Path(f["file"]).name: f for f in files}
    assert sorted(seen) == sorted(names), f"the report lacks {set(names) - set(seen)}"
    good = seen["zz_good.xml"]
    assert good["valid"] if EXTRA_INSTALLED else [f["rule"] for f in good["findings"]] == ["FXE-NOT-INSTALLED"], good


def test_glob_survives_a_symlink_cycle(tmp_path: Path) -> None:
    """A glob over a tree with a symlink cycle ends, and reports each real file once."""
    root = tmp_path / "tree"
    (root / "a").mkdir(parents=True)
    (root / "a" / "one.xml").write_bytes(gen.base("cii"))
    (root / "a" / "loop").symlink_to(root, target_is_directory=True)
    (root / "a" / "self").symlink_to(root / "a", target_is_directory=True)
    job = {"op": "cli", "argv": ["validate", str(root / "**" / "*.xml"), "-j", "1", "--format", "json"],
           "input": {"path": str(root)}, "label": "glob", "timeout": 10}
    [result] = hostile.run_jobs([job])
    assert not hostile.violations(result), "\n".join(hostile.violations(result))
    assert result["exit"] == (0 if EXTRA_INSTALLED else 4), hostile.describe(result)  # 4: CEN CII not installed
    report = json.loads(result["stdout"])
    files = report["files"] if isinstance(report, dict) else report
    assert len(files) == 1, f"one real file, reported {len(files)} times: {[f['file'] for f in files][:5]}"


# ---------------------------------------------------------------------------- 3. the same kinds, made by code

SYNTAXES = ("cii", "ubl")
OTHER = {"cii": "ubl", "ubl": "cii"}


def label(value: str) -> str:
    """A short, unique test id for a value."""
    return repr(value) if len(value) <= 16 else f"'{value[:8]}..({len(value)})'"


def _xml_cases() -> list[tuple[str, list[Any]]]:
    """(case id, generator call) of every generated XML case."""
    cases: list[tuple[str, list[Any]]] = []
    numbers = hostile.NUMBERS_UNHOLDABLE + hostile.NUMBERS_LEXICAL + hostile.NUMBERS_FINE
    some = hostile.NUMBERS_UNHOLDABLE + ("1_000", "1E2")
    for syntax in SYNTAXES:
        cases += [(f"{syntax}-{where}={label(v)}", ["substitute", syntax, where, v])
                  for where in ("quantity", "price") for v in numbers]
        cases += [(f"{syntax}-{where}={label(v)}", ["substitute", syntax, where, v])
                  for where in ("line_net", "grand_total", "rate") for v in some]
        cases += [(f"{syntax}-{where}={label(v)}", ["substitute", syntax, where, v])
                  for where in ("issue_date", "due_date") for v in hostile.DATES_NOT_CALENDAR + hostile.DATES_LEXICAL]
        cases += [(f"{syntax}-{where}={label(v)}", ["substitute", syntax, where, v])
                  for where in ("currency_code", "currency_attr", "unit_attr") for v in hostile.CODES]
        cases += [(f"{syntax}-seller_name={label(v)}", ["substitute", syntax, "seller_name", v]) for v in hostile.TEXTS]
        cases += [(f"{syntax}-{group}-{how}", ["empty_group", syntax, group, how])
                  for group in gen.GROUPS for how in ("emptied", "added", "unknown")]
        cases += [(f"{syntax}-attributes-{n}", ["many_attributes", syntax, n, where])
                  for n, where in ((1000, "root"), (1000, "id"))]
        cases += [(f"{syntax}-twice-{where}", ["duplicate", syntax, where])
                  for where in ("grand_total", "currency_code", "issue_date", "price")]
        cases += [(f"{syntax}-deep-{n}", ["deep", syntax, n]) for n in (200, 300, 5000)]
    return cases


XML_CASES = _xml_cases()
XML_OPS = ("read_document", "convert_fast:{other}", "validate")


@cache
def _xml_results() -> dict[str, Results]:
    jobs = []
    for case, (name, *args) in XML_CASES:
        other = OTHER[args[0]]
        jobs += [{"op": op.format(other=other), "input": {"gen": name, "args": args}, "label": case, "timeout": 30,
                  "probe": args[-1] if name == "substitute" else None} for op in XML_OPS]
        if name in ("many_attributes", "duplicate"):  # what Saxon cannot evaluate: the command line's report
            jobs.append({"op": "cli", "argv": ["validate", "{in}"], "input": {"gen": name, "args": args},
                         "label": case, "timeout": 30})
    grouped: dict[str, list[dict[str, Any]]] = {}
    for result in hostile.run_parallel(jobs, WORKERS, group="label"):
        grouped.setdefault(result["job"]["label"], []).append(result)
    return {case: {r["job"]["op"].split(":")[0]: r for r in rs} for case, rs in grouped.items()}


def _agreement(case: str, args: list[Any], ops: Results) -> list[str]:
    """What a generated case must give beyond the generic outcome."""
    out = []
    value = args[-1] if args[0] == "substitute" else None
    read, conv, check = ops["read_document"], ops["convert_fast"], ops["validate"]
    valid = check.get("outcome") == "ok" and check["details"]["valid"]
    if valid and read.get("outcome") == "error":
        out.append(f"validate() says valid, read_document refuses it: {read['message'][:200]} (two verdicts)")
    if valid and value in hostile.DATES_NOT_CALENDAR + ("2026-02-30",):
        out.append(f"validate() says valid for the date {value!r}, which is no calendar day")
    if value in hostile.LEXICALLY_INVALID and conv.get("outcome") == "ok" and not conv["details"].get("in_output") \
            and not _names(conv, value):
        out.append(f"convert writes {value!r} as another value without a finding naming it (silent normalisation)")
    return out


@pytest.mark.parametrize("case, call", XML_CASES, ids=[c for c, _ in XML_CASES])
def test_generated_xml(case: str, call: list[Any]) -> None:
    """read_document, convert (no validation) and validate: documented outcomes, the two verdicts agree,
    a lexically invalid value is never written as another value silently."""
    ops = _xml_results()[case]
    problems = hostile.all_violations(ops.values()) + _agreement(case, call, ops)
    assert not problems, "\n".join(problems) + "\n\nevery outcome:\n" + "\n".join(
        hostile.describe(r) for r in ops.values())


PAYLOAD_NUMBERS = [(f"{field}={label(v)}", field, v) for field in ("lines.0.quantity", "lines.0.unit_price",
                                                                    "lines.0.discount", "total_ttc")
                   for v in hostile.NUMBERS_UNHOLDABLE + ("999999999999999", "1_000", "1E2", "\u0661\u0662")]


@cache
def _payload_results() -> dict[str, Results]:
    jobs = [{"op": op, "input": {"gen": "payload_bytes", "args": [field, value, "b2b", False]}, "label": case,
             "timeout": 30}
            for case, field, value in PAYLOAD_NUMBERS for op in ("from_payload", "payload:cii")]
    grouped: dict[str, list[dict[str, Any]]] = {}
    for result in hostile.run_parallel(jobs, WORKERS):
        grouped.setdefault(result["job"]["label"], []).append(result)
    return {case: _ops(rs) for case, rs in grouped.items()}


@pytest.mark.parametrize("case, field, value", PAYLOAD_NUMBERS, ids=[c for c, _, _ in PAYLOAD_NUMBERS])
def test_generated_payload_number(case: str, field: str, value: str) -> None:
    """A payload number Decimal cannot hold, or not a number (stated totals left out): a result or a
    PayloadError keyed by its path, never a crash; ``1_000`` and non-ASCII digits are refused."""
    ops = _payload_results()[case]
    problems = hostile.all_violations(ops.values())
    r = ops["from_payload"]
    if r.get("outcome") == "error" and r.get("type") == "PayloadError" and field not in r["details"]["errors"]:
        problems.append(f"the PayloadError does not name {field}: {sorted(r['details']['errors'])}")
    if value in ("1_000", "\u0661\u0662") and r.get("outcome") == "ok":
        problems.append(f"{value!r} at {field} is accepted (as another number)")
    assert not problems, "\n".join(problems) + "\n\n" + "\n".join(hostile.describe(x) for x in ops.values())


# ---------------------------------------------------------------------------- control characters, in process

TEXT_FIELDS = ("lines.0.description", "seller_name", "buyer_name", "notes", "buyer_address.city", "invoice_number",
               "payment_terms")
CONTROL = [(f"{field}+{c.encode('unicode_escape').decode()}", field, c)
           for field in TEXT_FIELDS for c in hostile.CONTROL_CHARS]


def _guarded(fn: Callable[[], Any]) -> tuple[Any, BaseException | None]:
    try:
        return fn(), None
    except FacturXError as exc:
        return None, exc
    except Exception as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(f"raised {type(exc).__name__} (not a FacturXError): {exc}")


@pytest.mark.parametrize("case, field, char", CONTROL, ids=[c for c, _, _ in CONTROL])
def test_payload_control_character_refused(case: str, field: str, char: str) -> None:
    """A character XML cannot carry in a payload text: a PayloadError keyed by the field's path."""
    doc, exc = _guarded(lambda: from_payload(gen.payload_with(field, f"a{char}b")))
    if exc is None:
        problems = [f"{char!r} at {field} accepted: documented, a PayloadError naming {field}"]
        for writer in (to_cii, to_ubl):  # accepted: at least the XML must be well-formed
            xml, wexc = _guarded(lambda: writer(doc))
            if wexc is None and well_formed(xml):
                problems.append(f"{writer.__name__} returns XML that is not well-formed: {well_formed(xml)}")
        pytest.fail("\n".join(problems))
    assert isinstance(exc, PayloadError), f"{type(exc).__name__}: {exc}"
    assert field in exc.errors, f"the errors do not name {field}: {exc.errors}"


JSON_FIELDS = ("lines[0].name", "seller.name", "number", "notes[0].text", "buyer.address.city", "payment_terms")
JSON_CONTROL = [(f"{field}+{c.encode('unicode_escape').decode()}", field, c)
                for field in JSON_FIELDS for c in ("\x00", "\x0b", "\x1f", "\ufffe", "\ud800")]


def _json_with(field: str, value: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((gen.FIXTURES / "invoices" / "fr_b2b.json").read_text(encoding="utf-8"))
    data.pop("$schema", None)
    data.pop("expected_totals", None)
    node: Any = data
    keys = re.findall(r"[^.\[\]]+", field)
    for key in keys[:-1]:
        node = node[int(key)] if key.isdigit() else node[key]
    node[keys[-1]] = value
    return data


@pytest.mark.parametrize("case, field, char", JSON_CONTROL, ids=[c for c, _, _ in JSON_CONTROL])
def test_json_control_character_refused(case: str, field: str, char: str) -> None:
    """The engine's JSON format: an InputError (or ModelError) whose field is the JSON path."""
    doc, exc = _guarded(lambda: load_document(_json_with(field, f"a{char}b")))
    assert exc is not None, f"{char!r} at {field} accepted"
    assert isinstance(exc, (InputError, ValueError)) and exc.field == field, f"field {exc.field!r}: {exc}"


def _line(text: str) -> Any:
    return Line(id="1", name=text, quantity=Decimal(1), unit="C62", net_price=Decimal(1), vat=Vat.standard("20"))


MODEL_CASES: list[tuple[str, Callable[[str], Any]]] = [
    ("Line.name", lambda c: _line(f"a{c}b")),
    ("Party.name", lambda c: dataclasses.replace(gen.invoice(1).seller, name=f"a{c}b")),
    ("Address.city", lambda c: dataclasses.replace(gen.invoice(1).seller.address, city=f"a{c}b")),
    ("Invoice.number", lambda c: dataclasses.replace(gen.invoice(1), number=f"F{c}1")),
]


@pytest.mark.parametrize("what, make", MODEL_CASES, ids=[w for w, _ in MODEL_CASES])
@pytest.mark.parametrize("char", ("\x0b", "\x00", "\ud800", "\uffff"),
                         ids=lambda c: c.encode("unicode_escape").decode())
def test_model_control_character_refused(what: str, make: Callable[[str], Any], char: str) -> None:
    """The model refuses a character XML cannot carry, naming the field (a ModelError)."""
    obj, exc = _guarded(lambda: make(char))
    assert exc is not None, f"{what} accepts {char!r}"
    assert exc.field and what.split(".")[1] in exc.field, f"field {exc.field!r}: {exc}"


def test_hostile_values_cover_the_issue() -> None:
    """The generated values include every example the issue names."""
    named = {"1E400", "2E+999999", "2E-999999999", "1_000", "\u0661\u0662\u0663", "\uff11\uff12\uff13", "1E2",
             " 12 ", "20260230", "00000000", "99999999", "eur", "2015-01-09garbage"}
    assert named <= set(hostile.HOSTILE_VALUES)
    assert "9" * 400 in hostile.HOSTILE_VALUES and "\x0b" in hostile.CONTROL_CHARS and "\ud800" in hostile.CONTROL_CHARS


@pytest.mark.parametrize("year", (1, 999, 2026, 9999))
def test_writers_write_four_digit_years(year: int) -> None:
    """The writers never emit a year outside 0001..9999 in 4 digits, and what they write reads back."""
    import datetime

    from facturx_engine import read_document

    day = datetime.date(year, 12, 31)
    doc = dataclasses.replace(gen.invoice(1), issue_date=day, due_date=None)
    cii, ubl = to_cii(doc), to_ubl(doc)
    assert f'<udt:DateTimeString format="102">{year:04d}1231</udt:DateTimeString>'.encode() in cii, \
        re.findall(rb'format="102">([^<]*)<', cii)
    assert f"<cbc:IssueDate>{year:04d}-12-31</cbc:IssueDate>".encode() in ubl
    problems = []
    for xml in (cii, ubl):
        read, exc = _guarded(lambda: read_document(xml))
        if exc is not None or read.document.issue_date != day:
            problems.append(f"{xml[:60]!r}...: reads back as {exc or read.document.issue_date}")
    assert not problems, "\n".join(problems)
