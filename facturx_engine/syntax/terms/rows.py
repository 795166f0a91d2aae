"""The row of the business-term table and what rows are made of.

:class:`Term` is one row of :data:`facturx_engine.syntax.terms.TERMS`; its getter reads the value from
the writers' context (:class:`~facturx_engine.syntax.context.WriteContext`) or from one item of a
repeating group (:class:`LineItem`, :class:`ACItem` ...). The getter makers below (:func:`a`,
:func:`const`, :func:`doc`, :func:`tot`) carry an ``inline`` spec that the compiled writer inlines and
the reader follows back (:mod:`facturx_engine.syntax.writegen`, :mod:`facturx_engine.syntax.read`).
The CII path prefixes shared by the business groups are here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from facturx_engine.model.codes import Profile
from facturx_engine.syntax.terms.cardinality import CARDINALITY

__all__ = ["ACItem", "BASIC", "BWL", "CTX", "EN", "EXT", "Getter", "HDR", "HTA", "HTD", "HTS", "LineItem", "MIN", "PT",
           "SUM", "TX", "Term", "a", "const", "date_row", "doc", "tot"]

MIN, BWL, BASIC, EN, EXT = (Profile.MINIMUM, Profile.BASIC_WL, Profile.BASIC, Profile.EN16931,
                            Profile.EXTENDED)
Getter = Callable[[Any, Any], Any]


@dataclass(frozen=True, slots=True)
class Term:
    id: str
    name: str
    ctx: str
    cii: str | None
    ubl: str | None
    profile: Profile
    get: Getter
    kind: str = "TEXT"
    repeat: bool = False
    ubl_cn: str | None = "="          # "=" same as ``ubl``
    key: str = ""                     # context name of a repeating row (defaults to id)
    reportable: bool = True
    elsewhere: tuple[str, ...] = ()   # syntaxes without a path of its own that carry it in another row's text

    def path_for(self, syntax: str) -> str | None:
        if syntax == "cii":
            return self.cii
        if syntax == "ubl-cn" and self.ubl_cn != "=":
            return self.ubl_cn
        return self.ubl

    @property
    def cardinality(self) -> str:
        """EN 16931's cardinality of the term (``0..1``, ``1..n`` ...); ``""`` for a row of no term of its own."""
        return CARDINALITY.get(self.id.split("/", 1)[0], "")

    @property
    def context_name(self) -> str:
        return self.key or self.id

    def has_data(self, item: Any, wctx: Any) -> bool:
        v = self.get(item, wctx)
        return v not in (None, "", ())


def a(path: str) -> Getter:
    """Getter of a dotted attribute path on the context item, None-safe."""
    parts = path.split(".")

    def get(item: Any, _: Any) -> Any:
        for p in parts:
            if item is None:
                return None
            item = getattr(item, p)
        return item

    get.inline = ("item", tuple(parts))  # type: ignore[attr-defined]  # the compiled writer inlines it
    return get


def const(value: str) -> Getter:
    """Getter of a constant of the syntax."""

    def get(_i: Any, _w: Any) -> Any:
        return value

    get.inline = ("const", value)  # type: ignore[attr-defined]
    return get


def doc(path: str) -> Getter:
    """Getter of a dotted attribute path on the document, None-safe."""
    inner = a(path)

    def get(_i: Any, w: Any) -> Any:
        return inner(w.doc, w)

    get.inline = ("wctx", ("doc", *path.split(".")))  # type: ignore[attr-defined]  # same None-safe chain
    return get


def tot(name: str) -> Getter:
    """Getter of one of the computed totals."""

    def get(_i: Any, w: Any) -> Any:
        return getattr(w.totals, name)

    get.inline = ("wctx", ("totals", name))  # type: ignore[attr-defined]
    return get


class LineItem(NamedTuple):
    """One item of BG-25: a model line and its computed amounts."""

    line: Any
    amounts: Any


class ACItem(NamedTuple):
    """One item of BG-20/21/27/28: an allowance or charge and its amounts as written."""

    ac: Any
    amount: Any       # BT-92/99/136/141 as written (net of VAT)
    vat: Any
    base: Any = None  # BT-93/100/137/142 as written (net of VAT)


def date_row(term: str, name: str, ctx: str, cii: str | None, ubl: str | None, prof: Profile, get: Getter,
             elem: str = "udt:DateTimeString", **kw: Any) -> Term:
    """A date row (CII: the date string element below ``cii``)."""
    return Term(term, name, ctx, f"{cii}/{elem}" if cii else None, ubl, prof, get, kind="DATE", **kw)


# ---------------------------------------------------------------------------- CII path prefixes

CTX = "rsm:ExchangedDocumentContext"
HDR = "rsm:ExchangedDocument"
TX = "rsm:SupplyChainTradeTransaction"
HTA = f"{TX}/ram:ApplicableHeaderTradeAgreement"
HTD = f"{TX}/ram:ApplicableHeaderTradeDelivery"
HTS = f"{TX}/ram:ApplicableHeaderTradeSettlement"
SUM = f"{HTS}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
PT = f"{HTS}/ram:SpecifiedTradePaymentTerms"

