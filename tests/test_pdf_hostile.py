"""Damaged and hostile PDFs (issue 11): only documented outcomes, bounded memory and time.

* the reproducers of ``../shared/hostile`` (skipped loudly when absent);
* a seeded fuzzer: byte flips, truncations, chunk deletions and duplications, token swaps
  (a /Type that is an array, a negative or huge /Length, another filter, a name that is not
  UTF-8, a reference loop) and object-type swaps made through pikepdf (an array where a
  dictionary belongs, a string where a number belongs, an object that contains itself) over the
  corpus PDFs and our own: ``check_pdf`` returns a report or raises ``PdfError``, ``extract``,
  ``extract_all``, ``from_pdf`` and ``embed`` return or raise a documented error;
* decompression bombs (an attachment, the XMP, the invoice XML, a content stream, an object
  stream, LZW): refused or reported by name, within 512 MB of peak memory (measured in a
  subprocess) and seconds;
* object bombs (millions of array and dictionary items in 10 MB, in every place qpdf parses them
  from: see ``test_pdf_objects.py`` for the count itself): refused (``FX-LIMIT-OBJECTS``) by every
  entry point within 512 MB and seconds, and files just under the budget read to their usual
  outcome within 512 MB.
"""

from __future__ import annotations

import io
import os
import random
import re
import subprocess
import sys
import textwrap
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from facturx_engine.pdf import primitives as pdfprimitives
from facturx_engine.pdf.limits import MAX_STREAM_BYTES, MiB, read_stream
from facturx_engine.pdf.read import from_pdf
from facturx_engine.syntax.cii import to_cii
from facturx_engine.model.codes import Profile
from facturx_engine.errors import FacturXError, PdfError
from facturx_engine.io.jsonio import load_document
from facturx_engine.pdf.embed import embed, to_facturx
from facturx_engine.pdf.extract import extract, extract_all
from facturx_engine.pdf.check import check_pdf
from facturx_engine.validation.findings import Report

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT.parent / "shared" / "hostile"
CORPUS_PDF = ROOT.parent / "shared" / "corpus" / "pdf"
FIXTURES = ROOT / "fixtures" / "invoices"


def _hostile(name: str) -> bytes:
    path = HOSTILE / name
    if not path.is_file():
        pytest.skip(f"SKIPPED LOUDLY: reproducer {path} is absent (../shared/hostile not laid out)")
    return path.read_bytes()


@pytest.fixture(scope="module")
def doc() -> Any:
    return load_document((FIXTURES / "b2c.json").read_bytes())


@pytest.fixture(scope="module")
def cii(doc: Any) -> bytes:
    return to_cii(doc, Profile.EN16931)


@pytest.fixture(scope="module")
def facturx(doc: Any, cii: bytes) -> bytes:
    return to_facturx(doc, xml=cii, validate_xml=False, deterministic=True)


def _documented(run: Callable[[], Any]) -> str:
    """'ok' or the documented error's class name; any other exception fails the test."""
    try:
        run()
    except FacturXError as exc:
        return type(exc).__name__
    return "ok"


def _all_outcomes(data: bytes, cii: bytes, *, with_embed: bool = True) -> dict[str, str]:
    out = {}
    try:
        report = check_pdf(data)
    except PdfError:
        out["check_pdf"] = "PdfError"
    else:
        assert isinstance(report, Report)
        out["check_pdf"] = "report"
    out["extract"] = _documented(lambda: extract(data))
    out["extract_all"] = _documented(lambda: extract_all(data))
    out["from_pdf"] = _documented(lambda: from_pdf(data))
    if with_embed:
        out["embed"] = _documented(lambda: embed(data, cii, validate_xml=False))
    return out


# --------------------------------------------------------------------------- reproducers


def test_damaged_pdf_in_embed_is_a_pdf_error(cii: bytes) -> None:
    """p3_AttributeError_pdf473_embed.pdf: a null object in the name tree made embed fail with an
    AttributeError; now every entry point gives a documented outcome."""
    data = _hostile("p3_AttributeError_pdf473_embed.pdf")
    outcomes = _all_outcomes(data, cii)
    assert outcomes["embed"] == "PdfError"
    with pytest.raises(PdfError) as caught:
        embed(data, cii, validate_xml=False)
    assert "Traceback" not in str(caught.value)


def test_non_utf8_operator_is_checked(cii: bytes) -> None:
    """p3_UnicodeDecodeError_pdfcheck1491_check_pdf.pdf: an operator with bytes that are not UTF-8
    crashed check_pdf, convert and validate; now check_pdf reports on the file."""
    data = _hostile("p3_UnicodeDecodeError_pdfcheck1491_check_pdf.pdf")
    report = check_pdf(data)
    assert report.syntax == "PDF" and report.findings
    assert _all_outcomes(data, cii)["embed"] in ("ok", "PdfError")
    from facturx_engine.apps.convert import convert

    assert _documented(lambda: convert(data, "facturx")) in ("ok", "PdfError", "ValidationFailed")


@pytest.mark.parametrize("name", ["p3_AttributeError_pdf473_embed.pdf",
                                  "p3_UnicodeDecodeError_pdfcheck1491_check_pdf.pdf"])
def test_cli_on_damaged_pdfs_never_crashes(name: str, tmp_path: Path) -> None:
    path = HOSTILE / name
    if not path.is_file():
        pytest.skip(f"SKIPPED LOUDLY: reproducer {path} is absent")
    for argv in (["validate", str(path)], ["convert", str(path), "--to", "facturx", "-o", str(tmp_path / "o.pdf")],
                 ["extract", str(path), "-o", str(tmp_path / "o.xml")]):
        run = subprocess.run([sys.executable, "-m", "facturx_engine.cli", *argv], capture_output=True, text=True,
                             timeout=120)
        assert run.returncode in (0, 1, 2), (argv, run.returncode, run.stderr[-2000:])
        assert "Traceback" not in run.stderr and "internal error" not in run.stderr, run.stderr[-2000:]


# --------------------------------------------------------------------------- the fuzzer


_SWAPS: tuple[tuple[bytes, bytes], ...] = (
    (rb"/Type\s*/[A-Za-z]+", b"/Type [1 2]"),
    (rb"/Type\s*/[A-Za-z]+", b"/Type /Pa#a7ge"),
    (rb"/Subtype\s*/[A-Za-z0-9#]+", b"/Subtype (text/xml)"),
    (rb"/Length \d+", b"/Length -5"),
    (rb"/Length \d+", b"/Length 99999999999"),
    (rb"/FlateDecode", b"/LZWDecode"),
    (rb"/FlateDecode", b"/DCTDecode"),
    (rb"/FlateDecode", b"/Fl#fe"),
    (rb"\d+ 0 R", b"1 0 R"),
    (rb"\d+ 0 R", b"null"),
    (rb"/[A-Z][A-Za-z]+", b"/K#ff#fe"),
    (rb"<<", b"[ "),
    (rb"\[", b"<< "),
    (rb"\d+\.?\d*", b"(7)"),
    (rb"\d+\.?\d*", b"-2147483649"),
    (rb"/Size \d+", b"/Size (12)"),
    (rb"endobj", b""),
    (rb"stream\r?\n", b"stream\r"),
)


def _byte_mutant(data: bytes, rng: random.Random) -> bytes:
    kind = rng.randrange(6)
    buf = bytearray(data)
    if kind == 0:  # byte flips
        for _ in range(rng.randint(1, 12)):
            i = rng.randrange(len(buf))
            buf[i] = rng.randrange(256)
    elif kind == 1:  # truncation (half the time with a %%EOF put back, to pass the quick checks)
        buf = buf[:rng.randrange(len(buf))]
        if rng.random() < 0.5:
            buf += b"\n%%EOF\n"
    elif kind == 2:  # a chunk deleted
        i = rng.randrange(len(buf))
        del buf[i:i + rng.randint(1, 400)]
    elif kind == 3:  # a chunk duplicated
        i = rng.randrange(len(buf))
        buf[i:i] = buf[i:i + rng.randint(1, 400)]
    else:  # token swaps
        for _ in range(rng.randint(1, 3)):
            pattern, new = rng.choice(_SWAPS)
            found = list(re.finditer(pattern, bytes(buf)))
            if found:
                m = rng.choice(found)
                buf[m.start():m.end()] = new
    return bytes(buf)


def _wrong_values(pdf: pikepdf.Pdf, holder: Any) -> list[Any]:
    return [7, -1, 3.5, pikepdf.String("x\xff"), pikepdf.Array([1, pikepdf.Name.Foo]), pikepdf.Dictionary(),
            pikepdf.Object.parse(b"/N#ff"), pikepdf.Name.Page, pdf.Root, holder, True,
            pdf.make_stream(zlib.compress(b"q Q BT /F9 12 Tf (x) Tj ET")[:20], Filter=pikepdf.Name.FlateDecode)]


def _object_mutant(data: bytes, rng: random.Random) -> bytes:
    """Values replaced by values of another type, through pikepdf (then saved by qpdf)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        holders: list[Any] = [o for o in pdf.objects if isinstance(o, (pikepdf.Dictionary, pikepdf.Stream))]
        for obj in list(holders):
            for key in list(obj.keys()):
                value = obj.get(key)
                if isinstance(value, pikepdf.Dictionary) and value.objgen == (0, 0):
                    holders.append(value)
        for _ in range(rng.randint(1, 4)):
            holder = rng.choice(holders)
            keys = [k for k in holder.keys() if k != "/Length"]
            if not keys:
                continue
            value = rng.choice(_wrong_values(pdf, holder))
            if value is holder and holder.objgen == (0, 0):
                continue  # a direct object cannot contain itself in a file (qpdf would recurse forever)
            holder[rng.choice(keys)] = value
        out = io.BytesIO()
        pdf.save(out, static_id=True, fix_metadata_version=False)
    return out.getvalue()


def _seeds(facturx: bytes) -> list[bytes]:
    seeds = [facturx]
    if CORPUS_PDF.is_dir():
        names = sorted(p.name for p in CORPUS_PDF.glob("*.pdf"))
        for name in names[:: max(1, len(names) // 5)]:  # five of the 27 official samples
            seeds.append((CORPUS_PDF / name).read_bytes())
    else:
        print(f"NOTE: {CORPUS_PDF} absent: the fuzzer mutates our own Factur-X only", file=sys.stderr)
    return seeds


def test_fuzzed_pdfs_give_only_documented_outcomes(facturx: bytes, cii: bytes) -> None:
    """Seeded, a fixed number of mutants, a few seconds: every outcome is a report or a documented
    error (an unexpected exception fails with its mutant's seed and kind)."""
    rng = random.Random(20261207)
    seeds = _seeds(facturx)
    start = time.process_time()  # CPU seconds: a bound on the work, not on how busy the machine is
    seen: dict[str, int] = {}
    for n in range(80):
        seed = seeds[n % len(seeds)]
        try:
            mutant = _object_mutant(seed, rng) if n % 4 == 3 else _byte_mutant(seed, rng)
        except (pikepdf.PdfError, RuntimeError, ValueError, TypeError):
            continue  # pikepdf itself refused to write the mutant
        try:
            outcomes = _all_outcomes(mutant, cii, with_embed=n % 3 == 0)
        except Exception as exc:  # pragma: no cover - the failure message
            raise AssertionError(f"mutant {n} (seed file {n % len(seeds)}): undocumented {type(exc).__name__}: "
                                 f"{exc}") from exc
        for key, value in outcomes.items():
            seen[f"{key}:{value}"] = seen.get(f"{key}:{value}", 0) + 1
    elapsed = time.process_time() - start
    assert elapsed < 60, f"the fuzzer took {elapsed:.1f} CPU s"
    assert seen.get("check_pdf:report", 0) > 30 and seen.get("extract:PdfError", 0) > 8, seen


def test_type_swaps_reach_the_checks_unguarded(facturx: bytes) -> None:
    """The object-type swaps are handled where they are read, not only by check_pdf's last-resort
    guard: with the guard re-raising, check_pdf of these mutants still gives a report."""
    rng = random.Random(11)
    pdfprimitives.RERAISE_DAMAGE = True
    try:
        for n in range(40):
            mutant = _object_mutant(facturx, rng)
            try:
                check_pdf(mutant)
            except PdfError:
                pass
            except Exception as exc:  # pragma: no cover - the failure message
                raise AssertionError(f"mutant {n}: {type(exc).__name__}: {exc}") from exc
    finally:
        pdfprimitives.RERAISE_DAMAGE = False


# --------------------------------------------------------------------------- bounded decoding


def _zero_bomb(size: int) -> bytes:
    """zlib data inflating to ``size`` zero bytes, built in pieces."""
    z = zlib.compressobj(9)
    block = bytes(8 * MiB)
    parts = [z.compress(block) for _ in range(size // len(block))]
    return b"".join(parts) + z.flush()


def _lzw_bomb(repeats: int) -> bytes:
    """LZW codes that build a 3800-byte string, then repeat it (clear code between rounds)."""
    out, acc, bits = bytearray(), 0, 0

    def put(code: int, width: int) -> None:
        nonlocal acc, bits
        acc = (acc << width) | code
        bits += width
        while bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)

    width = 9
    for _ in range(repeats):
        put(256, width)  # the clear code, at the width in use
        width, size = 9, 258
        put(0, width)
        for code in range(258, 4094):
            put(code, width)
            size += 1
            if size + 1 >= (1 << width) and width < 12:
                width += 1
    put(257, width)
    if bits:
        out.append((acc << (8 - bits)) & 0xFF)
    return bytes(out)


def test_read_stream_caps_flate_and_lzw() -> None:
    pdf = pikepdf.new()
    flate = pdf.make_stream(b"")
    flate.write(_zero_bomb(96 * MiB), filter=pikepdf.Name.FlateDecode, type_check=False)
    with pytest.raises(PdfError, match="more than 64 MiB") as caught:
        read_stream(flate)
    assert caught.value.rule == "FX-LIMIT-STREAM" and "obj" in str(caught.value) or "direct" in str(caught.value)
    lzw = pdf.make_stream(b"")
    lzw.write(_lzw_bomb(2), filter=pikepdf.Name.LZWDecode, type_check=False)
    assert read_stream(lzw) == lzw.read_bytes()  # the same bytes as qpdf's decoder, under the cap
    assert len(read_stream(lzw, cap=20_000_000)) > 14_000_000  # 2 x 3837 codes: 1300 times their size
    with pytest.raises(PdfError, match="more than 1000 bytes"):
        read_stream(lzw, cap=1000)
    text = pdf.make_stream(b"")
    text.write(__import__("base64").a85encode(zlib.compress(b"hello" * 100)) + b"~>",
               filter=pikepdf.Array([pikepdf.Name.ASCII85Decode, pikepdf.Name.FlateDecode]), type_check=False)
    assert read_stream(text) == b"hello" * 100 == text.read_bytes()
    rl = pdf.make_stream(b"")
    rl.write(bytes([2]) + b"abc" + bytes([255, 120]) + bytes([128]), filter=pikepdf.Name.RunLengthDecode,
             type_check=False)
    assert read_stream(rl) == b"abc" + b"x" * 2  # (qpdf's read_bytes leaves RunLength undecoded)


def _updated(data: bytes, number: int, head: bytes, stream: bytes) -> bytes:
    """``data`` with an incremental update that replaces object ``number`` by a stream."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        trailer = pikepdf.Dictionary({k: v for k, v in pdf.trailer.items() if k not in ("/Prev", "/XRefStm")})
        trailer_bytes = trailer.unparse(resolved=False)
    prev = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    body = b"%d 0 obj\n%s\nstream\n%s\nendstream\nendobj\n" % (number, head, stream)
    xref = len(data) + len(body)
    table = b"xref\n%d 1\n%010d 00000 n \n" % (number, len(data))
    tail = b"trailer\n%s\nstartxref\n%d\n%%%%EOF\n" % (trailer_bytes[:-2] + b" /Prev %d >>" % prev, xref)
    return data + body + table + tail


def _bomb_pdfs(facturx: bytes, cii: bytes, out: Path) -> list[Path]:
    """Our own bombs, each inflating far past the caps: the XMP, the invoice XML, a content
    stream, another attachment; and an object stream made by qpdf from a PDF with a bombed
    dictionary value (a very long string)."""
    bomb = _zero_bomb(200 * MiB)
    under = _zero_bomb(56 * MiB)
    made = [out / "bomb_xmp.pdf"]
    with pikepdf.open(io.BytesIO(facturx)) as pdf:  # qpdf writes metadata uncompressed: patched in by hand
        number = pdf.Root.Metadata.objgen[0]
    made[0].write_bytes(_updated(facturx, number, b"<< /Type /Metadata /Subtype /XML /Filter /FlateDecode /Length %d >>"
                                 % len(bomb), bomb))
    for where in ("invoice", "content", "attachment"):
        with pikepdf.open(io.BytesIO(facturx)) as pdf:
            if where == "xmp":
                target = pdf.Root.Metadata
            elif where == "invoice":
                target = pdf.Root.AF[0].EF.F
            elif where == "content":
                target = pdf.pages[0].obj.Contents
                target = target[0] if isinstance(target, pikepdf.Array) else target
            else:
                target = pdf.make_stream(b"")
                fs = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Filespec, F=pikepdf.String("a.bin"),
                                                          UF=pikepdf.String("a.bin"), EF=pikepdf.Dictionary(F=target),
                                                          AFRelationship=pikepdf.Name.Data))
                pdf.Root.AF.append(fs)
            target.write(bomb, filter=pikepdf.Name.FlateDecode, type_check=False)
            path = out / f"bomb_{where}.pdf"
            if where == "attachment":  # and 40 more, each just under the 64 MiB cap: the total budget
                for n in range(40):
                    stream = pdf.make_stream(b"")
                    stream.write(under, filter=pikepdf.Name.FlateDecode, type_check=False)
                    pdf.Root.AF.append(pdf.make_indirect(pikepdf.Dictionary(
                        Type=pikepdf.Name.Filespec, F=pikepdf.String(f"{n}.bin"), UF=pikepdf.String(f"{n}.bin"),
                        EF=pikepdf.Dictionary(F=stream), AFRelationship=pikepdf.Name.Data)))
            pdf.save(path, stream_decode_level=pikepdf.StreamDecodeLevel.none, fix_metadata_version=False)
        made.append(path)
    return made


_MEASURE = textwrap.dedent("""
    import resource, sys, time, warnings
    from pathlib import Path
    warnings.simplefilter("ignore")
    from facturx_engine.errors import FacturXError
    from facturx_engine.pdf.embed import embed
    from facturx_engine.pdf.extract import extract, extract_all
    from facturx_engine.pdf.check import check_pdf
    from facturx_engine.apps.convert import convert
    xml = Path(sys.argv[1]).read_bytes()
    start = time.process_time()  # CPU seconds of this child: the work, whatever else runs
    for name in sys.argv[2:]:
        data = Path(name).read_bytes()
        for run in (lambda: check_pdf(data), lambda: extract(data), lambda: extract_all(data),
                    lambda: embed(data, xml, validate_xml=False), lambda: convert(data, "facturx", validate=False)):
            try:
                result = run()
            except FacturXError as exc:
                print(name, type(exc).__name__, exc.rule, flush=True)
            else:
                for f in getattr(result, "findings", ()):
                    if f.rule.startswith("FX-LIMIT"):
                        print(name, "finding", f.rule, flush=True)
    print("ELAPSED", time.process_time() - start)
""")


_LAUNCH = textwrap.dedent("""
    import resource, subprocess, sys
    run = subprocess.run(sys.argv[1:], capture_output=True, text=True)
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    print("CHILD_PEAK_KB", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    sys.exit(run.returncode)
""")
"""A small launcher process: the measured child is forked from it, not from pytest. On Linux a
child's ru_maxrss starts at its parent's RSS when it was forked (the memory it shared before its
exec), so measuring from pytest (hundreds of MB) would report pytest's size."""


def test_bombs_stay_within_512_mb_and_seconds(facturx: bytes, cii: bytes, tmp_path: Path) -> None:
    """Every entry point on each bomb, in a child process: its peak RSS
    (``getrusage(RUSAGE_CHILDREN).ru_maxrss`` in the launcher) under 512 MB, and seconds. Before
    issue 11 the shared bomb alone took 50 s and 6.4 GB (validate), 88 s and 9.6 GB (convert)."""
    paths = _bomb_pdfs(facturx, cii, tmp_path)
    shared = HOSTILE / "p3_bomb_other_attachment.pdf"
    if shared.is_file():
        paths.append(shared)
    else:
        print(f"SKIPPED LOUDLY: {shared} is absent; only our own bombs are measured", file=sys.stderr)
    (tmp_path / "inv.xml").write_bytes(cii)
    run = subprocess.run([sys.executable, "-c", _LAUNCH, sys.executable, "-c", _MEASURE, str(tmp_path / "inv.xml"),
                          *map(str, paths)], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.splitlines()
    elapsed = float(next(x for x in lines if x.startswith("ELAPSED")).split()[1])
    peak_kb = int(next(x for x in lines if x.startswith("CHILD_PEAK_KB")).split()[1])
    print(f"bombs: {len(paths)} files x 5 entry points in {elapsed:.1f} CPU s, peak RSS {peak_kb // 1024} MB")
    assert peak_kb < 512 * 1024, run.stdout
    assert elapsed < 90, run.stdout
    limits = [x for x in lines if "FX-LIMIT" in x]
    for path in paths:
        assert any(x.startswith(str(path)) for x in limits), (path, run.stdout)
    assert MAX_STREAM_BYTES == 64 * MiB


_MEASURE_ALL = textwrap.dedent("""
    import sys, time, warnings
    from pathlib import Path
    warnings.simplefilter("ignore")
    from facturx_engine.errors import FacturXError
    from facturx_engine.pdf.read import from_pdf
    from facturx_engine.apps.convert import convert
    from facturx_engine.io.jsonio import load_document
    from facturx_engine.pdf.embed import embed, to_facturx
    from facturx_engine.pdf.extract import extract, extract_all
    from facturx_engine.pdf.check import check_pdf
    xml = Path(sys.argv[1]).read_bytes()
    doc = load_document(Path(sys.argv[2]).read_bytes())
    start = time.process_time()  # CPU seconds of this child: the work, whatever else runs
    for name in sys.argv[3:]:
        data = Path(name).read_bytes()
        for entry, run in (("check_pdf", lambda: check_pdf(data)), ("extract", lambda: extract(data)),
                           ("extract_all", lambda: extract_all(data)), ("from_pdf", lambda: from_pdf(data)),
                           ("embed", lambda: embed(data, xml, validate_xml=False)),
                           ("to_facturx", lambda: to_facturx(doc, xml=xml, pdf=data, validate_xml=False)),
                           ("convert", lambda: convert(data, "facturx", validate=False))):
            try:
                result = run()
            except FacturXError as exc:
                print(name, entry, type(exc).__name__, exc.rule, flush=True)
            else:
                limits = [f.rule for f in getattr(result, "findings", ()) if f.rule.startswith("FX-LIMIT")]
                print(name, entry, "finding " + limits[0] if limits else "ok", flush=True)
    print("ELAPSED", time.process_time() - start)
""")
"""Every entry point that reads a PDF, on each file: one line per file and entry point."""


def _measure_all(paths: list[Path], cii: bytes, tmp_path: Path) -> tuple[list[str], float, int]:
    """(the outcome lines, the CPU seconds, the peak RSS in KB) of :data:`_MEASURE_ALL` in a child."""
    (tmp_path / "inv.xml").write_bytes(cii)
    run = subprocess.run([sys.executable, "-c", _LAUNCH, sys.executable, "-c", _MEASURE_ALL, str(tmp_path / "inv.xml"),
                          str(FIXTURES / "b2c.json"), *map(str, paths)], capture_output=True, text=True, timeout=600,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.splitlines()
    elapsed = float(next(x for x in lines if x.startswith("ELAPSED")).split()[1])
    peak_kb = int(next(x for x in lines if x.startswith("CHILD_PEAK_KB")).split()[1])
    return lines, elapsed, peak_kb


def _object_bombs(out: Path) -> list[Path]:
    """The family of the object reproducer of issue 11 (eleven arrays of 400,000 numbers: 8.8 MB that
    qpdf held as 716 MB), each at most 10 MB and millions of items: the same items in many small
    arrays, in dictionaries, in arrays nested in one object, as names, stored in a compressed object
    stream with the catalog (qpdf parses it on opening), in the trailer (parsed on opening too), in
    objects whose headers sit in one another's values (parsed once per header), and a compressed
    cross-reference stream of three million entries."""
    from test_pdf_objects import PAGE, build, junk_pdf, overlapping_pdf, xref_entries_pdf

    zeros = b"[" + b"0 " * 400_000 + b"]"
    catalog = b"<< /Type /Catalog /Pages 2 0 R /Junk [%s] >>" % b" ".join(b"%d 0 R" % n for n in range(40, 51))
    files = {
        "objects_arrays": junk_pdf([zeros] * 11),
        "objects_small_arrays": junk_pdf([b"[" + b"0 " * 50 + b"]"] * 60_000),
        "objects_dicts": junk_pdf([b"<<" + b"".join(b"/k%x 0 " % i for i in range(100_000)) + b">>"] * 10),
        "objects_nested": junk_pdf([b"[" + b" ".join([zeros] * 11) + b"]"]),
        "objects_names": junk_pdf([b"[" + b"/a" * 400_000 + b"]"] * 11),
        "objects_in_object_stream": build({2: PAGE[2], 3: PAGE[3]}, {1: catalog, **dict.fromkeys(range(40, 51), zeros)}),
        "objects_in_trailer": build(PAGE, trailer=b"/Junk [" + b" ".join([zeros] * 11) + b"] "),
        "objects_overlapping": overlapping_pdf(11, b"0 " * 400_000),
        "objects_xref_entries": xref_entries_pdf(3_000_000, 9_800_000),
    }
    paths = []
    for name, data in files.items():
        assert len(data) <= 10_000_000, (name, len(data))
        paths.append(out / f"{name}.pdf")
        paths[-1].write_bytes(data)
    return paths


def test_object_bombs_are_refused_within_512_mb_and_seconds(cii: bytes, tmp_path: Path) -> None:
    """Every entry point on each file of :func:`_object_bombs`, in a child process: the file is
    refused (``FX-LIMIT-OBJECTS``: a finding of check_pdf, a PdfError elsewhere) before qpdf parses
    its objects, within 512 MB of peak RSS and seconds. Before the count, the arrays took 716 MB
    (validate), the object stream 1.5 GB (convert), the cross-reference stream 1.5 GB."""
    paths = _object_bombs(tmp_path)
    lines, elapsed, peak_kb = _measure_all(paths, cii, tmp_path)
    print(f"object bombs: {len(paths)} files x 7 entry points in {elapsed:.1f} CPU s, peak RSS {peak_kb // 1024} MB")
    assert peak_kb < 512 * 1024, lines
    assert elapsed < 120, lines
    for path in paths:
        outcomes = [x for x in lines if x.startswith(f"{path} ")]
        assert len(outcomes) == 7, outcomes
        assert all(x.endswith("FX-LIMIT-OBJECTS") for x in outcomes), outcomes


def _appended(data: bytes, values: list[bytes]) -> bytes:
    """``data`` with an incremental update adding ``values`` as objects, listed in the trailer /Junk."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        top = max(o.objgen[0] for o in pdf.objects if isinstance(o, pikepdf.Object)) + 1
        trailer = pikepdf.Dictionary({k: v for k, v in pdf.trailer.items() if k not in ("/Prev", "/XRefStm")})
        trailer_bytes = trailer.unparse(resolved=False)
    prev = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    body, table = bytearray(), bytearray(b"xref\n%d %d\n" % (top, len(values)))
    for n, value in enumerate(values):
        table += b"%010d 00000 n \n" % (len(data) + len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (top + n, value)
    junk = b" /Junk [%s] /Size %d" % (b" ".join(b"%d 0 R" % (top + n) for n in range(len(values))), top + len(values))
    tail = b"trailer\n%s\nstartxref\n%d\n%%%%EOF\n" % (trailer_bytes[:-2] + junk + b" /Prev %d >>" % prev,
                                                       len(data) + len(body))
    return data + bytes(body) + bytes(table) + tail


def test_objects_at_the_budget_are_read_within_512_mb(facturx: bytes, cii: bytes, tmp_path: Path) -> None:
    """Our Factur-X with junk up to just under the budget, of the kinds that cost the most per item
    counted (measured: dictionary entries, and numbers in an object stream): every entry point reads
    it to its usual outcome, within 512 MB of peak RSS (350 to 375 MB measured for convert, whose own
    floor is 185 MB)."""
    from facturx_engine.pdf.limits import MAX_OBJECT_ITEMS, count_objects

    room = MAX_OBJECT_ITEMS - count_objects(facturx) - 3000
    dicts = _appended(facturx, [b"<<" + b"".join(b"/k%x 0 " % i for i in range(room // 20)) + b">>"] * 10)
    with pikepdf.open(io.BytesIO(_appended(facturx, [b"[" + b"0 " * (room // 3) + b"]"] * 3))) as pdf:
        out = io.BytesIO()
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, fix_metadata_version=False,
                 stream_decode_level=pikepdf.StreamDecodeLevel.none)
    paths = [tmp_path / "budget_dicts.pdf", tmp_path / "budget_object_stream.pdf"]
    for path, data in zip(paths, (dicts, out.getvalue())):
        assert 0.98 * MAX_OBJECT_ITEMS < count_objects(data) <= MAX_OBJECT_ITEMS, path
        path.write_bytes(data)
    lines, elapsed, peak_kb = _measure_all(paths, cii, tmp_path)
    print(f"at the budget: {len(paths)} files x 7 entry points in {elapsed:.1f} CPU s, peak RSS {peak_kb // 1024} MB")
    assert peak_kb < 512 * 1024, lines
    outcomes = [x for x in lines if x.startswith(str(tmp_path))]
    assert len(outcomes) == 14 and all(x.endswith(" ok") for x in outcomes), outcomes


def test_bombed_attachment_is_listed_as_not_carried_by_a_conversion() -> None:
    """convert --to cii of a PDF whose other attachment is a bomb: the invoice is converted and the
    attachment listed as lost, never inflated; --to facturx refuses (its /Params cannot be written)."""
    from facturx_engine.apps.convert import convert

    data = _hostile("p3_bomb_other_attachment.pdf")
    with pytest.warns(Warning):
        result = convert(data, "cii", validate=False)
    assert any("'other.bin' (more than 64 MiB decoded, not read) is not carried" in str(x) for x in result.lost), result.lost
    with pytest.raises(PdfError, match="more than 64 MiB") as caught:
        convert(data, "facturx")
    assert caught.value.rule == "FX-LIMIT-STREAM"


def test_lzw_object_streams_are_refused_before_opening() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    data = out.getvalue().replace(b"/Type /ObjStm", b"/Type /ObjStm /Filter /L#5AWDecode", 1)
    assert b"/Type /ObjStm /Filter /L#5AWDecode" in data
    data = data.replace(b"%%EOF", b"%" + b"x" * 140_000 + b"\n%%EOF", 1)  # past the size under which LZW is harmless
    with pytest.raises(PdfError, match="LZW"):
        check_pdf(data)
