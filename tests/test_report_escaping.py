"""Attacker-named files and hostile finding messages in every report format: control characters,
terminal escapes (ESC and the one-byte CSI), bidirectional overrides, line breaks and the undecodable
bytes of a non-UTF-8 name are visible escapes; JSON and SARIF parse, JUnit is well-formed XML, SARIF
URIs percent-encode the name's bytes; and the property holds for any text (Hypothesis)."""

from __future__ import annotations

import json
import os
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from facturx_engine.apps import report
from facturx_engine.apps.display import EscapedStream, printable
from facturx_engine.apps.batch import FileResult
from facturx_engine.findings import Finding

NAME = os.fsdecode(b"in\x1b[31mv\x9b2J\xff\n\r") + "\u202egpj.xml"  # bytes 9b, ff: not UTF-8
MESSAGE = "value \x1b]0;title\x07 \u009b6n \ud800 \ufffe end"


def _results() -> list[FileResult]:
    finding = Finding(rule="BR-\x1bX", severity="fatal", location="/a\x1b/b", message=MESSAGE)
    return [
        FileResult(NAME, "CII", "EN 16931", (finding,)),
        FileResult(NAME + "2", None, None, (Finding("FXE-IO", "fatal", "", MESSAGE),), io_error=True),
    ]


def _no_raw_controls(text: str) -> None:
    for char in text:
        if char in "\n":
            continue
        category = unicodedata.category(char)
        assert category not in ("Cc", "Cs"), repr(char)
        assert char not in "\u202e\ufffe", repr(char)


@pytest.mark.parametrize("fmt", report.FORMATS)
def test_every_format_escapes_names_and_messages(fmt: str) -> None:
    text = report.render(_results(), fmt)
    _no_raw_controls(text.replace("\t", ""))
    text.encode("utf-8")  # no lone surrogate left
    if fmt == "json":
        data = json.loads(text)
        assert data["files"][0]["file"] == "in\\x1b[31mv\\x9b2J\\xff\\n\\r\\u202egpj.xml"
        assert data["files"][0]["findings"][0]["message"] == "value \\x1b]0;title\\x07 \\x9b6n \\ud800 \\ufffe end"
    elif fmt == "junit":
        root = etree.fromstring(text.encode("utf-8"))
        names = [case.get("name") for case in root.iter("testcase")]
        assert names[0] == "in\\x1b[31mv\\x9b2J\\xff\\n\\r\\u202egpj.xml"
    elif fmt == "sarif":
        run = json.loads(text)["runs"][0]
        uri = run["artifacts"][0]["location"]["uri"]
        assert uri.endswith("in%1B%5B31mv%9B2J%FF%0A%0D%E2%80%AEgpj.xml")
        assert "\\x1b" in run["results"][0]["message"]["text"]
    else:
        first = text.splitlines()[0]
        assert first.startswith("in\\x1b[31mv\\x9b2J\\xff\\n\\r\\u202egpj.xml: INVALID")


@given(st.text())
def test_printable_is_safe_for_any_text(text: str) -> None:
    shown = printable(text)
    _no_raw_controls(shown.replace("\n", "\\n"))
    assert "\n" not in shown
    shown.encode("utf-8")
    element = etree.Element("a", b=shown)  # lxml refuses any string XML 1.0 cannot hold
    element.text = shown
    assert etree.fromstring(etree.tostring(element)).get("b") == shown
    assert printable(shown) == shown  # escaping twice changes nothing more


def test_ordinary_text_is_untouched() -> None:
    text = "Facture n° 42 — Société Générale, 日本, \u00a0espace, Ελληνικά"
    assert printable(text) == text


def test_escaped_stream_keeps_newlines_and_escapes_the_rest() -> None:
    import io

    sink = io.StringIO()
    stream = EscapedStream(sink)  # type: ignore[arg-type]
    print("error: cannot read in\x1b[2Jv\udcff.xml\nnext line", file=stream)  # type: ignore[arg-type]
    assert sink.getvalue() == "error: cannot read in\\x1b[2Jv\\xff.xml\nnext line\n"
    ascii_sink = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    EscapedStream(ascii_sink).write("é€")  # type: ignore[arg-type]
    ascii_sink.flush()
    assert ascii_sink.buffer.getvalue() == b"\\xe9\\u20ac"  # type: ignore[attr-defined]


def test_svrl_escapes_names_and_messages() -> None:
    from facturx_engine.apps.svrl import NS, render_svrl

    for result in _results():
        text = render_svrl(result, "facturx-engine-oss test", report.sarif_uri(result.file))
        _no_raw_controls(text)
        root = etree.fromstring(text.encode("utf-8"))
        assert (root.get("title") or "").endswith("in\\x1b[31mv\\x9b2J\\xff\\n\\r\\u202egpj.xml" + ("2" * result.io_error))
        [item] = root.iter(f"{{{NS}}}failed-assert")
        assert item.findtext(f"{{{NS}}}text") == "value \\x1b]0;title\\x07 \\x9b6n \\ud800 \\ufffe end"
        assert "%1B%5B31mv%9B2J%FF" in (root.find(f"{{{NS}}}active-pattern[@documents]").get("documents") or "")
