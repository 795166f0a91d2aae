"""The budget of PDF objects (issue 11 item 2): qpdf keeps about 140 bytes of memory per item of an
array or dictionary it parses, so the engine counts the items on the bytes before qpdf parses any
(:mod:`facturx_engine.pdf.scan`) and refuses a file over
:data:`~facturx_engine.pdf.limits.MAX_OBJECT_ITEMS`.

* the count follows qpdf's syntax (tokens, strings, comments, nesting, references) and is an upper
  bound of what qpdf parses, checked against qpdf itself on seeded random files (objects, headers
  nested in values, object streams whose offsets fall inside strings, compressed or not) and on
  crafted ones;
* over the budget: ``check_pdf`` reports a fatal ``FX-LIMIT-OBJECTS`` finding naming the budget
  (with the checks of the bytes that still run), every other entry point raises ``PdfError``
  (``FX-LIMIT-OBJECTS``), and the CLI exits 1 (validate) or 2 (extract);
* object streams (compressed, encrypted, other filters), cross-reference streams with millions of
  entries and overlapping objects are counted or refused by name;
* no corpus PDF and none of the engine's own outputs comes near the budget; embed of a file just
  under it works (its own output is not counted twice);
* one rule lists at most ``MAX_FINDINGS_PER_RULE`` findings.

The peak memory of every entry point on these files (over and at the budget) is measured in a
subprocess in ``test_pdf_hostile.py``.
"""

from __future__ import annotations

import io
import random
import zlib
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facturx_engine.pdf import limits as _pdflimits

from facturx_engine.pdf import scan as _pdfscan

from facturx_engine.pdf.checks import record as pdfrecord
from facturx_engine.pdf.limits import MAX_OBJECT_ITEMS, ObjectLimit, bounded, count_objects
from facturx_engine.pdf.scan import Counter
from facturx_engine.pdf.read import from_pdf
from facturx_engine.syntax.cii import to_cii
from facturx_engine.model.codes import Profile
from facturx_engine.errors import PdfError
from facturx_engine.io.jsonio import load_document
from facturx_engine.pdf.embed import embed, to_facturx
from facturx_engine.pdf.extract import extract, extract_all
from facturx_engine.pdf.check import check_pdf

ROOT = Path(__file__).resolve().parent.parent
CORPUS_PDF = ROOT.parent / "shared" / "corpus" / "pdf"
FIXTURES = ROOT / "fixtures" / "invoices"
PAGE = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"}


def build(objects: dict[int, bytes], stored: dict[int, bytes] | None = None, *, compress: bool = True,
          offsets: list[int] | None = None, trailer: bytes = b"", header: bytes = b"%PDF-1.7") -> bytes:
    """A PDF of ``objects`` (number -> value; a value ending in ``endstream`` is a stream) and, in
    object stream 99, the ``stored`` ones (at ``offsets`` when given), with a cross-reference
    stream (a classic table when nothing is stored). Object 1 is the catalog."""
    body = bytearray(header + b"\n%\xe2\xe3\xcf\xd3\n")
    offs: dict[int, int] = {}

    def put(num: int, value: bytes) -> None:
        offs[num] = len(body)
        body.extend(b"%d 0 obj\n%s\nendobj\n" % (num, value))

    for num, value in sorted(objects.items()):
        put(num, value)
    if not stored:
        size = max(offs) + 1
        xref = len(body)
        body.extend(b"xref\n0 %d\n" % size + b"".join(b"%010d 00000 n \n" % offs[n] if n in offs
                                                       else b"0000000000 65535 f \n" for n in range(size)))
        body.extend(b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (size, trailer, xref))
        return bytes(body)
    data, starts = bytearray(), []
    for value in stored.values():
        starts.append(len(data))
        data += value + b" "
    starts = offsets or starts
    head = b" ".join(b"%d %d" % (n, o) for n, o in zip(stored, starts)) + b" "
    raw = head + bytes(data)
    enc, filt = (zlib.compress(raw), b"/Filter /FlateDecode ") if compress else (raw, b"")
    put(99, b"<< /Type /ObjStm /N %d /First %d %s/Length %d >>\nstream\n%s\nendstream"
        % (len(stored), len(head), filt, len(enc), enc))
    size = max([*offs, *stored]) + 2
    xref = len(body)
    rows = bytearray()
    index = {n: i for i, n in enumerate(stored)}
    for n in range(size):
        if n in offs:
            rows += b"\x01" + offs[n].to_bytes(4, "big") + b"\0\0"
        elif n in index:
            rows += b"\x02" + (99).to_bytes(4, "big") + index[n].to_bytes(2, "big")
        elif n == size - 1:
            rows += b"\x01" + xref.to_bytes(4, "big") + b"\0\0"
        else:
            rows += b"\0\0\0\0\0\xff\xff"
    comp = zlib.compress(bytes(rows))
    body.extend(b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R %s/Filter /FlateDecode /Length %d >>\n"
                b"stream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % (size - 1, size, trailer, len(comp), comp, xref))
    return bytes(body)


def qpdf_items(data: bytes) -> int:
    """The items qpdf builds when it reads every object of ``data`` (and the trailer), counted the
    way the engine counts them (a container is one item, a dictionary entry two)."""
    def direct(x: Any) -> bool:
        return not (isinstance(x, pikepdf.Object) and x.is_indirect)

    def count(o: Any) -> int:
        if isinstance(o, pikepdf.Array):
            return 1 + sum(count(x) if direct(x) else 1 for x in o)
        if isinstance(o, (pikepdf.Dictionary, pikepdf.Stream)):
            return 1 + sum(1 + (count(v) if direct(v) else 1) for _, v in o.items())
        return 1

    with bounded(), pikepdf.open(io.BytesIO(data)) as pdf:
        return count(pdf.trailer) + sum(count(o) for o in pdf.objects if o is not None)


def items(data: bytes) -> int:
    return Counter(data, 10**9).file()


# --------------------------------------------------------------------------- the count


@pytest.mark.parametrize(("body", "expected"), [
    (b"1 0 obj [0 1 2] endobj", 4),  # '[' and three numbers
    (b"1 0 obj << /A 1 /B (x(y)z) /C <41> >> endobj", 9),  # a string counts its nested parentheses
    (b"1 0 obj [0 %] ]\n 1] endobj", 3),  # a comment hides its bytes
    (b"1 0 obj [(]) 0] endobj", 3),  # and a string its brackets
    (b"1 0 obj [0 1 R] endobj", 4),  # a reference is three tokens
    (b"/obj [0 0 0]", 0),  # a name is no header
    (b"trailer << /Size 3 >>", 3),
    (b"1 0 obj [2 0 obj [0 0] ] endobj", 10),  # a header in a value: qpdf parses the inner one twice
    (b"1 0 obj 5 endobj 2 0 obj endobj", 2),  # a scalar, and an empty object (a null for qpdf)
    (b"1 0 obj << /A [1 2 >> ] >> endobj", 5),  # a closing token of the wrong kind does not close
])
def test_the_count_follows_qpdf_syntax(body: bytes, expected: int) -> None:
    assert items(body) == expected


ATOMS = [b"0", b"12", b"-3", b"1.5", b"/a", b"/#41b", b"/", b"null", b"true", b"(s)", b"(a(b)c)", b"(x\\)y)",
         b"(((()))", b"<4142>", b"<4 1>", b"<4G>", b"%c\n", b"obj", b"endobj", b"stream", b"R", b"3 0 R", b"[", b"]",
         b"<<", b">>", b"{", b"}", b")", b">", b"<", b"trailer", b"1 0 obj", b"(", b"\\", b"x"]


PLAIN_ATOMS = [b"0", b"-3", b"1.5", b"/a", b"/", b"null", b"obj", b"endobj", b"stream", b"R", b"3 0 R", b"[", b"]",
               b"<<", b">>", b"[[", b"]]", b"<<<<", b">>>>", b"trailer", b"1 0 obj", b"x", b"/Bitstream"]
"""Values the count reads in bulk (no string, comment or hexadecimal string)."""


def _soup(rng: random.Random, atoms: list[bytes] = ATOMS) -> bytes:
    tokens = [rng.choice(atoms) + rng.choice([b" ", b"\n", b"", b"\r\n"]) for _ in range(rng.randint(1, 40))]
    kind = rng.random()
    return (b"[" + b"".join(tokens) + b"]" if kind < 0.4 else b"<< /K " + b"".join(tokens) + b" >>" if kind < 0.7
            else b"".join(tokens))


def test_qpdf_is_the_one_the_count_follows() -> None:
    """The count relies on qpdf 12's parser (module docstring of ``_pdfscan``)."""
    assert int(pikepdf.__libqpdf_version__.split(".")[0]) >= 12


@pytest.mark.parametrize("atoms", [ATOMS, PLAIN_ATOMS], ids=["any", "plain"])
def test_the_count_bounds_what_qpdf_parses_on_random_files(atoms: list[bytes]) -> None:
    """Seeded random files: token soup in objects and in an object stream (compressed or not, some
    offsets moved into the neighbouring object, strings included), qpdf reading every object."""
    rng = random.Random(11)
    checked = 0
    for _ in range(250):
        junk = {10 + i: _soup(rng, atoms) for i in range(rng.randint(1, 10))}
        stored = {40 + i: _soup(rng, atoms) for i in range(4)}
        refs = b" ".join(b"%d 0 R" % n for n in [*junk, *stored])
        objects = {**PAGE, 1: b"<< /Type /Catalog /Pages 2 0 R /Junk [%s] >>" % refs, **junk}
        data = build(objects, stored, compress=rng.random() < 0.5)
        if rng.random() < 0.3:
            starts = [0]
            for value in list(stored.values())[:-1]:
                starts.append(starts[-1] + len(value) + 1 + rng.randint(-3, 3))
            data = build(objects, stored, compress=rng.random() < 0.5, offsets=[max(0, s) for s in starts])
        counted = count_objects(data)
        try:
            parsed = qpdf_items(data)
        except (pikepdf.PdfError, RuntimeError, ValueError):
            continue
        assert parsed <= counted, (counted, parsed, data)
        checked += 1
    assert checked > 200


def test_the_count_bounds_crafted_files() -> None:
    """Where a flat reading of the bytes would see less than qpdf: an object stream whose second
    offset points inside a string that hides an array; an object whose header sits in the data of a
    stream (the table points there); headers nested in values."""
    array = b"[" + b"0 " * 3000 + b"]"
    hidden = build({**PAGE, 1: b"<< /Type /Catalog /Pages 2 0 R /Junk [40 0 R 41 0 R] >>"},
                   {40: b"(" + array + b")", 41: b"0"}, offsets=[0, 1])
    inside = build({**PAGE, 1: b"<< /Type /Catalog /Pages 2 0 R /Junk 5 0 R >>",
                    4: b"<< /Length 20000 >>\nstream\n" + b"5 0 obj\n" + array + b"\nendobj\n" + b" " * 10000
                       + b"\nendstream"})
    at = inside.index(b"5 0 obj\n[")
    inside = inside.replace(b"xref\n0 5\n", b"xref\n0 6\n").replace(
        b"trailer\n<< /Size 5", b"%010d 00000 n \ntrailer\n<< /Size 6" % at)
    nested = build({**PAGE, 1: b"<< /Type /Catalog /Pages 2 0 R /Junk [5 0 R 6 0 R] >>",
                    5: b"[6 0 obj " + array + b"]"})
    nested = nested.replace(b"xref\n0 6\n", b"xref\n0 7\n").replace(
        b"trailer\n<< /Size 6", b"%010d 00000 n \ntrailer\n<< /Size 7" % nested.index(b"6 0 obj"))
    for data in (hidden, inside, nested):
        counted, parsed = count_objects(data), qpdf_items(data)
        assert 3000 < parsed <= counted, (counted, parsed)


# --------------------------------------------------------------------------- over the budget


@pytest.fixture(scope="module")
def facturx() -> bytes:
    doc = load_document((FIXTURES / "b2c.json").read_bytes())
    return to_facturx(doc, xml=to_cii(doc, Profile.EN16931), validate_xml=False, deterministic=True)


def junk_pdf(values: list[bytes], header: bytes = b"%PDF-1.3") -> bytes:
    """The generic page with ``values`` as objects listed in the catalog."""
    nums = range(10, 10 + len(values))
    catalog = b"<< /Type /Catalog /Pages 2 0 R /Junk [%s] >>" % b" ".join(b"%d 0 R" % n for n in nums)
    return build({**PAGE, 1: catalog, **dict(zip(nums, values))}, header=header)


def test_over_the_budget_check_pdf_reports_it_and_still_checks_the_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_pdflimits, "MAX_OBJECT_ITEMS", 20_000)
    data = junk_pdf([b"[" + b"0 " * 9_000 + b"]"] * 3)
    report = check_pdf(data)
    limits = [f for f in report.findings if f.rule == "FX-LIMIT-OBJECTS"]
    assert len(limits) == 1 and limits[0].severity == "fatal"
    assert "more than 20,000 items" in limits[0].message and "not checked" in limits[0].message
    assert any(f.rule == "PDFA-6.1.2-VERSION" for f in report.findings)  # the header is still checked
    assert report.document == "PDF" and report.profile is None
    assert check_pdf(junk_pdf([b"[" + b"0 " * 9_000 + b"]"] * 2)).findings  # under it: read and checked
    assert not [f for f in check_pdf(junk_pdf([b"[0]"])).findings if f.rule.startswith("FX-LIMIT")]


def test_over_the_budget_every_other_entry_point_refuses(facturx: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    from facturx_engine.apps.convert import convert

    tail = facturx[facturx.rindex(b"startxref"):]
    data = facturx + b"9999 0 obj\n[" + b"0 " * 30_000 + b"]\nendobj\n" + tail  # bytes qpdf never reaches count too
    cii = extract(facturx)[0]
    monkeypatch.setattr(_pdflimits, "MAX_OBJECT_ITEMS", 20_000)
    doc = load_document((FIXTURES / "b2c.json").read_bytes())
    for run in (lambda: extract(data), lambda: extract_all(data), lambda: from_pdf(data),
                lambda: embed(data, cii, validate_xml=False), lambda: to_facturx(doc, xml=cii, pdf=data),
                lambda: convert(data, "cii"), lambda: convert(data, "facturx")):
        with pytest.raises(PdfError) as caught:
            run()
        assert caught.value.rule == "FX-LIMIT-OBJECTS" and "20,000" in caught.value.message
        assert isinstance(caught.value, ObjectLimit)


def test_over_the_budget_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """At the real budget: 1.1 million numbers in 2.2 MB."""
    from facturx_engine.cli import commands as cli

    path = tmp_path / "big.pdf"
    path.write_bytes(junk_pdf([b"[" + b"0 " * 370_000 + b"]"] * 3))
    assert cli.main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "FX-LIMIT-OBJECTS" in out and f"{MAX_OBJECT_ITEMS:,}" in out
    assert cli.main(["extract", str(path), "-o", str(tmp_path / "x.xml")]) == 2
    assert "FX-LIMIT-OBJECTS" in capsys.readouterr().err
    assert not (tmp_path / "x.xml").exists()


def test_object_streams_are_counted_before_qpdf_opens_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """The catalog in an object stream with the junk: qpdf would parse it all on opening."""
    monkeypatch.setattr(_pdflimits, "MAX_OBJECT_ITEMS", 20_000)
    stored = {1: b"<< /Type /Catalog /Pages 2 0 R /Junk [40 0 R] >>", 40: b"[" + b"0 " * 30_000 + b"]"}
    for compress in (True, False):
        data = build({2: PAGE[2], 3: PAGE[3]}, stored, compress=compress)
        assert len(data) < 70_000 or not compress
        with pytest.raises(ObjectLimit, match="20,000"):
            count_objects(data)
        assert any(f.rule == "FX-LIMIT-OBJECTS" for f in check_pdf(data).findings)
    small = build({2: PAGE[2], 3: PAGE[3]}, {1: stored[1], 40: b"[0 0 0]"})
    assert 10 < count_objects(small) < 200
    assert not any(f.rule.startswith("FX-LIMIT") for f in check_pdf(small).findings)


def test_object_streams_the_count_cannot_read_are_refused() -> None:
    stored = {1: b"<< /Type /Catalog /Pages 2 0 R >>"}
    hexed = build({2: PAGE[2], 3: PAGE[3]}, stored, compress=False).replace(
        b"/Type /ObjStm", b"/Type /ObjStm /Filter /ASCIIHexDecode", 1)
    with pytest.raises(ObjectLimit, match="ASCIIHexDecode") as caught:
        count_objects(hexed)
    assert caught.value.rule == "FX-LIMIT-OBJECTS"
    by_reference = build({2: PAGE[2], 3: PAGE[3]}, stored).replace(b"/Filter /FlateDecode /Length",
                                                                   b"/Filter 7 0 R /Length", 1)
    with pytest.raises(ObjectLimit, match="given by reference"):
        count_objects(by_reference)
    encrypted = build({2: PAGE[2], 3: PAGE[3], 7: b"<< /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >>"},
                      stored, trailer=b"/Encrypt 7 0 R ")
    with pytest.raises(ObjectLimit) as caught:
        count_objects(encrypted)
    assert caught.value.rule == "PDFA-6.1.3-ENCRYPT"
    report = check_pdf(encrypted)
    assert [f.rule for f in report.findings if f.severity == "fatal"] == ["PDFA-6.1.3-ENCRYPT"]


def xref_entries_pdf(entries: int, pad: int) -> bytes:
    """The generic page with a compressed cross-reference stream of ``entries`` entries, all
    pointing at the page, after ``pad`` bytes of comment (qpdf keeps no more entries than a third
    of the file's size)."""
    data = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num in (1, 2, 3):
        offsets.append(len(data))
        data += b"%d 0 obj\n%s\nendobj\n" % (num, PAGE[num])
    data += b"%" + b"x" * pad + b"\n"
    xref = len(data)
    rows = b"\0\0\0\0\xff" + b"".join(b"\x01" + o.to_bytes(3, "big") + b"\0" for o in offsets)
    rows += b"\x01" + xref.to_bytes(3, "big") + b"\0" + (b"\x01" + offsets[2].to_bytes(3, "big") + b"\0") * entries
    comp = zlib.compress(rows, 9)
    data += (b"4 0 obj\n<< /Type /XRef /Size %d /W [1 3 1] /Root 1 0 R /Filter /FlateDecode /Length %d >>\n"
             b"stream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % (entries + 5, len(comp), comp, xref))
    return bytes(data)


def overlapping_pdf(headers: int, value: bytes) -> bytes:
    """The generic page and ``headers`` objects whose headers sit each in the value of the one
    before, the last holding ``value``: qpdf parses ``value`` once per header."""
    nums = range(10, 10 + headers)
    catalog = b"<< /Type /Catalog /Pages 2 0 R /Junk [%s] >>" % b" ".join(b"%d 0 R" % n for n in nums)
    data = build({**PAGE, 1: catalog, 10: b"[" + b"".join(b"%d 0 obj [" % n for n in nums[1:]) + value
                  + b"]" * headers})
    table = b"".join(b"%010d 00000 n \n" % data.index(b"%d 0 obj" % n) for n in nums[1:])
    return data.replace(b"xref\n0 11\n", b"xref\n0 %d\n" % (10 + headers)).replace(
        b"trailer\n<< /Size 11", table + b"trailer\n<< /Size %d" % (10 + headers))


def test_cross_reference_entries_are_counted() -> None:
    """A compressed cross-reference stream of three million entries (qpdf would hold 276 MB of
    table on opening, pikepdf's table 1.5 GB) in a 10 MB file."""
    with pytest.raises(ObjectLimit, match="cross-reference entries"):
        count_objects(xref_entries_pdf(3_000_000, 9_800_000))
    assert count_objects(xref_entries_pdf(20_000, 100_000)) < 30_000


def test_overlapping_objects_are_counted_as_often_as_qpdf_parses_them() -> None:
    data = overlapping_pdf(5, b"0 " * 1000)
    assert 5000 < qpdf_items(data) <= count_objects(data)


def test_overlapping_objects_are_refused_by_the_walk_limit() -> None:
    """Headers nested in the values of one another, each value a long string: the count would walk
    the same bytes once per header."""
    data = b"%PDF-1.7\n" + b"".join(b"%d 0 obj [(x) " % n for n in range(1, 60)) + b"(" + b"y" * 200_000 + b")"
    with pytest.raises(ObjectLimit, match="overlap") as caught:
        count_objects(data + b"]" * 59)
    assert caught.value.rule == "FX-LIMIT-OBJECTS"


# --------------------------------------------------------------------------- real files stay far under


@pytest.mark.filterwarnings("ignore::Warning")  # what the profile of a fixture cannot carry
def test_corpus_and_our_own_outputs_are_far_under_the_budget(facturx: bytes) -> None:
    """The 27 FeRD samples and a Factur-X of every fixture count a few thousand items at most: a
    fiftieth of the budget."""
    counts = {}
    if CORPUS_PDF.is_dir():
        counts.update({p.name: count_objects(p.read_bytes()) for p in sorted(CORPUS_PDF.glob("*.pdf"))})
    else:
        print(f"SKIPPED LOUDLY: {CORPUS_PDF} is absent; only our own outputs are counted")
    for path in sorted(FIXTURES.glob("*.json")):
        doc = load_document(path.read_bytes())
        counts[path.name] = count_objects(to_facturx(doc, validate_xml=False, deterministic=True))
    assert counts and max(counts.values()) < MAX_OBJECT_ITEMS // 50, counts
    assert count_objects(facturx) == counts["b2c.json"]


def test_embed_of_a_file_just_under_the_budget_works(facturx: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its own output (an incremental update repeats the catalog, counted twice) is not counted
    again; the update is written when the page allows it."""
    with pikepdf.open(io.BytesIO(junk_pdf([b"[0]"], b"%PDF-1.7"))) as pdf:
        pdf.Root.Big = pikepdf.Array([0] * 15_000)
        out = io.BytesIO()
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable, fix_metadata_version=False)
    data = out.getvalue()
    monkeypatch.setattr(_pdflimits, "MAX_OBJECT_ITEMS", count_objects(data) + 1000)
    result = embed(data, extract(facturx)[0], validate_xml=False)
    assert result.startswith(data[:1000])
    with pytest.raises(ObjectLimit):
        count_objects(result)  # counted alone, the output would be over


def test_one_rule_lists_at_most_its_share_of_findings() -> None:
    """200 JavaScript actions: 100 findings, then one that says the others are not listed."""
    values = [b"<< /S /JavaScript /JS (x) >>"] * 200
    report = check_pdf(junk_pdf(values))
    js = [f for f in report.findings if f.rule == "PDFA-6.5-JAVASCRIPT"]
    assert len(js) == pdfrecord.MAX_FINDINGS_PER_RULE + 1
    assert js[-1].location == "(more)" and "not listed" in js[-1].message


_PLAIN_ATOMS = [b"0", b"12", b"-3.5", b"/a", b"/", b"/#41", b"null", b"R", b"true", b"[", b"]", b"<<", b">>", b" ", b"\n",
                b"\x00", b"\x0c", b"\t", b"\r"]


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(st.lists(st.sampled_from(_PLAIN_ATOMS), min_size=1, max_size=24))
def test_plain_values_are_counted_as_the_token_pattern_counts_them(atoms: list[bytes]) -> None:
    """The byte-method count of a plain value (numbers, names, keywords, brackets) is the token pattern's."""
    value = b"".join(atoms)
    assert _pdfscan._plain_tokens(value) == len(_pdfscan._PLAIN_TOKEN.findall(value))
