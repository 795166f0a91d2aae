"""Red-team reproducers (after issue 11): inputs crafted against the readers of the newer surfaces, each with the
documented outcome it must get -- a clear error or finding, in bounded time and memory, never a silent drop."""

from __future__ import annotations

import time

import hostile_inputs as gen
from facturx_engine import read_document
from facturx_engine.syntax.limits import MAX_FINDINGS_LISTED, MAX_FINDINGS_PER_PLACE

_END = b"</rsm:CrossIndustryInvoice>"


def _cii_with(extra: bytes) -> bytes:
    return gen.base("cii").replace(_END, extra + _END)


# ---------------------------------------------------------------------------- the invoice reader


def test_thousands_of_repeated_unread_elements_are_reported_in_bounded_time_and_counted() -> None:
    """20,000 copies of an unread element took 140 s (each finding's path scanned every sibling): now the first
    copies are listed with their position and the rest are counted in one finding naming the place."""
    start = time.perf_counter()
    found = read_document(_cii_with(b"<rsm:z>a</rsm:z>" * 20_000)).findings
    assert time.perf_counter() - start < 10
    unread = [f for f in found if f.rule == "FXE-NOT-READ"]
    assert len(unread) == MAX_FINDINGS_PER_PLACE + 1
    assert unread[0].location == "/rsm:CrossIndustryInvoice/rsm:z[1]"
    assert unread[MAX_FINDINGS_PER_PLACE - 1].location == f"/rsm:CrossIndustryInvoice/rsm:z[{MAX_FINDINGS_PER_PLACE}]"
    summary = unread[-1]
    assert summary.kind == "not-read" and summary.location == "/rsm:CrossIndustryInvoice/rsm:z"
    assert f"{20_000 - MAX_FINDINGS_PER_PLACE} more findings of FXE-NOT-READ" in summary.message


def test_thousands_of_distinct_unread_elements_are_listed_up_to_the_limit_and_the_rest_counted() -> None:
    count = MAX_FINDINGS_LISTED + 5_000
    start = time.perf_counter()
    found = read_document(_cii_with(b"".join(b"<rsm:z%d>a</rsm:z%d>" % (i, i) for i in range(count)))).findings
    assert time.perf_counter() - start < 10
    unread = [f for f in found if f.rule == "FXE-NOT-READ"]
    assert len(unread) == MAX_FINDINGS_LISTED + 1
    assert unread[0].location == "/rsm:CrossIndustryInvoice/rsm:z0"
    assert unread[-1].message.startswith(f"{count - MAX_FINDINGS_LISTED} more findings of FXE-NOT-READ")
    assert f"/rsm:CrossIndustryInvoice/rsm:z{MAX_FINDINGS_LISTED}" in unread[-1].message


def test_positions_of_repeated_siblings_are_those_of_their_name_only() -> None:
    found = read_document(_cii_with(b"<rsm:y>b</rsm:y><rsm:z>a</rsm:z><rsm:y>c</rsm:y><rsm:q>d</rsm:q>")).findings
    assert [f.location for f in found if f.rule == "FXE-NOT-READ"] == [
        "/rsm:CrossIndustryInvoice/rsm:y[1]", "/rsm:CrossIndustryInvoice/rsm:z", "/rsm:CrossIndustryInvoice/rsm:y[2]",
        "/rsm:CrossIndustryInvoice/rsm:q"]
