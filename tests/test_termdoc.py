"""``docs/terms.md`` is the term table as it is: regenerated, it must not change."""

from __future__ import annotations

import pytest

from facturx_engine.syntax import termdoc


def test_terms_doc_is_current() -> None:
    """Regenerate with ``python -m facturx_engine.syntax.termdoc`` when the term table changes."""
    if not termdoc.TARGET.exists():
        pytest.fail("docs/terms.md is missing: python -m facturx_engine.syntax.termdoc")
    assert termdoc.TARGET.read_text(encoding="utf-8") == termdoc.markdown()


def test_terms_doc_names_paths_profiles_and_rules() -> None:
    text = termdoc.markdown()
    row = next(line for line in text.splitlines() if line.startswith("| BT-1 |"))
    assert "`rsm:ExchangedDocument/ram:ID`" in row and "`cbc:ID`" in row and "MINIMUM" in row
    assert "BR-02" in row and "`number`" in row
