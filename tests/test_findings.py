"""One Finding type (facturx_engine.findings): validation and reading report the same type, each with
what it needs, and the text and JSON forms each use always had stay as they were."""

from __future__ import annotations

from decimal import Decimal

import facturx_engine
from facturx_engine.findings import Finding
from facturx_engine.syntax.findings import read_finding
from facturx_engine.validation.findings import Report


def test_one_public_type() -> None:
    assert facturx_engine.Finding is Finding


def test_validation_finding_text_and_json() -> None:
    f = Finding("BR-01", "fatal", "/a", "m", ("BT-24",), "facturx-en16931")
    assert str(f) == "fatal BR-01 at /a: m" and f.bt == "BT-24"
    report = Report("CII", "CrossIndustryInvoice", "EN 16931", None, (f,), ())
    assert report.to_dict()["findings"] == [{"rule": "BR-01", "severity": "fatal", "location": "/a", "message": "m",
                                             "bt_ids": ["BT-24"], "source": "facturx-en16931", "line": None,
                                             "column": None}]


def test_reading_finding_takes_flag_and_terms_from_the_rules_table() -> None:
    total = read_finding("BR-CO-16", "BT-115", "stated BT-115 1.00 differs", None, Decimal("1.00"), Decimal("2.00"))
    assert (total.severity, total.bt_ids, total.kind, total.location) == ("fatal", ("BT-115",), "totals", "")
    assert str(total) == "[BR-CO-16] stated BT-115 1.00 differs"
    assert (total.stated, total.computed) == (Decimal("1.00"), Decimal("2.00"))
    model = read_finding("BR-CO-10", None, "m", "lines", kind="model")
    assert model.bt_ids == ("BT-106", "BT-131") and str(model) == "[BR-CO-10] m at lines"
    own = read_finding("FXE-NOT-READ", None, "x is not read", "/r/x", kind="not-read")
    assert (own.severity, own.bt, own.bt_ids) == ("warning", None, ())
    assert read_finding("NO-SUCH-RULE", None, "m").severity == "warning"
