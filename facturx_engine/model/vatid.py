"""VAT identifiers (BT-31, BT-48, BT-63): one check for every entry point (model, JSON, payload, reading).

* **BR-CO-09**: the identifier starts with the ISO 3166-1 alpha-2 code of the country that issued it
  (Greece: ``EL``).
* **Check digits** (rule :data:`RULE`, the engine's own: EN 16931 sets none): an identifier of an EU
  member state (and ``XI``, Northern Ireland) must be valid for that state's format and check digits,
  as python-stdnum's ``stdnum.eu.vat`` knows them. Other countries' identifiers are not checked further.

A document being built is refused; a document being read keeps the value and reports the breach
(the model's reading mode). Verdicts are cached: a batch sees the same parties again and again.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from facturx_engine import ruleids as R
from facturx_engine.model.codes import code_set

__all__ = ["EU_PREFIXES", "RULE", "problem"]

RULE: Final = R.FXE_VAT_ID
EU_PREFIXES: Final = frozenset("AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK XI"
                               .split())


@lru_cache(maxsize=4096)
def problem(text: str) -> tuple[str, str] | None:
    """``(rule, message)`` when the VAT identifier ``text`` is wrong, else None."""
    compact = "".join(text.split())
    prefix = compact[:2]  # as written: "fr..." is no country code
    if len(compact) < 3 or (prefix not in code_set("country") and prefix != "EL"):
        return R.BR_CO_09, (f"{text!r} does not start with the ISO 3166-1 code of the country that issued it "
                            "(Greece: EL)")
    if not compact.isascii():  # stdnum folds full-width digits: the check would hold for another text than this
        return RULE, f"{text!r} holds characters other than ASCII letters and digits (a full-width digit ...)"
    if prefix in EU_PREFIXES:
        from stdnum.eu import vat  # imported on first use: loading stdnum's tables costs

        if not vat.is_valid(compact):
            return RULE, f"{text!r} is not a valid {prefix} VAT identifier (format or check digits)"
    return None
