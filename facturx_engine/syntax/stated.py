"""The stated totals of a document read, compared with the ones computed from its lines.

A received document states its totals BT-106..BT-115, its VAT breakdown BG-23 and its line net amounts
BT-131; the model computes them. :func:`check_totals` compares each stated figure with the computed one
and names, for each difference, the rule the stated figures actually break (a
:class:`~facturx_engine.findings.Finding` of kind ``totals``, both values kept).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from facturx_engine import ruleids as R
from facturx_engine.model.codes import VatCategory
from facturx_engine.model.compute import CHECKED_TOTALS, TOTALS
from facturx_engine.model.numbers import round2
from facturx_engine.findings import Finding
from facturx_engine.syntax.findings import read_finding

__all__ = ["LINE_NET_RULE", "TOTALS_RULE", "check_totals"]

LINE_NET_RULE = R.FXE_LINE_NET
"""A stated line net amount BT-131 differs from quantity x net price / base quantity + line charges - line
allowances. EN 16931 defines BT-131 so but has no rule for it (Peppol BIS checks it: PEPPOL-EN16931-R120)."""

TOTALS_RULE = R.FXE_TOTALS
"""A stated total agrees with the other stated figures (no EN 16931 rule breaks) but differs from the one
computed from the lines: the consequence of a difference reported on its own (a line net amount ...)."""

def _total(rule: str, bt: str, stated: Decimal, computed: Decimal | None, message: str) -> Finding:
    return read_finding(rule, bt, message, None, stated, computed, "totals")


def _rate_key(rate: Decimal | None, category: Any) -> Decimal | None:
    """The rate part of a breakdown's key. Category O (not subject to VAT) has no rate (BR-O-05..07): a
    breakdown that states 0 for it is the breakdown of the lines without one, as BR-O-08 pairs them by
    category (the CEN rules find such a document valid)."""
    if category == "O" and (rate is None or rate == 0):
        return None
    return None if rate is None else rate.normalize() + 0


def check_totals(doc: Any, stated: dict[str, Any]) -> tuple[list[Finding], dict[str, Any]]:
    """Compare the stated totals, VAT breakdown and line net amounts (``stated``, as
    :func:`facturx_engine.syntax.assemble.finish` sets them apart) with those computed from the lines of ``doc``.

    Each difference is a ``totals`` finding naming the rule that the stated figures actually break: a
    BR-CO rule when the stated total disagrees with the other *stated* figures it is made of, the
    category rule (BR-S-08, BR-S-01 ...) for the breakdown, :data:`LINE_NET_RULE` for a line, and
    :data:`TOTALS_RULE` when the stated figures agree with each other but not with the lines.
    """
    computed = doc.totals
    differing = []  # (line index, stated net amount, computed one) where they differ: usually none
    for i, (net, mine) in enumerate(zip(stated["lines"], computed.lines)):
        if net is not None:
            if net.__class__ is not Decimal:
                net = Decimal(net)
            if net != mine.net_amount:
                differing.append((i, net, mine.net_amount))
    out: list[Finding] = []
    flat = _stated_flat(stated)
    breakdown, expected_tax = _check_breakdown(doc, stated["totals"], differing, out)
    if breakdown:
        flat["BG-23"] = tuple(breakdown)
    lines_sum = computed.line_total + sum((net - mine for _, net, mine in differing), Decimal(0))
    out[:0] = _check_document_totals(computed, flat, lines_sum, expected_tax)
    out += _check_lines(doc, differing)
    return out, flat


def _stated_flat(stated: dict[str, Any]) -> dict[str, Any]:
    totals = stated["totals"]
    flat: dict[str, Any] = {t.bt: Decimal(totals[t.attribute]) for t in CHECKED_TOTALS if t.attribute in totals}
    for given in TOTALS:  # BT-113 and BT-114: input data, set apart by their attribute name
        if given.rule is None and stated[given.attribute] is not None:
            flat[given.bt] = Decimal(stated[given.attribute])
    return flat


def _check_document_totals(computed: Any, flat: dict[str, Any], lines_sum: Decimal,
                           tax_sum: Decimal | None) -> list[Finding]:
    """BT-106..BT-115: each stated total against the computed one, named by the rule the stated figures break."""
    mine = computed.as_terms()

    def s(bt: str) -> Decimal:  # the stated figure, or the computed one where the document states none
        value: Decimal = flat.get(bt, mine[bt])
        return value

    expected = {"BT-106": lines_sum, "BT-107": mine["BT-107"], "BT-108": mine["BT-108"],
                "BT-109": s("BT-106") - s("BT-107") + s("BT-108"),
                "BT-110": mine["BT-110"] if tax_sum is None else tax_sum,
                "BT-112": s("BT-109") + s("BT-110"), "BT-115": s("BT-112") - s("BT-113") + s("BT-114")}
    out = []
    for total in TOTALS:
        bt, rule = total.bt, total.rule
        value = flat.get(bt)
        if rule is None or value is None or value == mine[bt]:  # BT-113, BT-114: input data, not compared
            continue
        if value == expected[bt]:
            rule = TOTALS_RULE
            why = ("; it agrees with the other stated figures, so the difference comes from what is reported "
                   "with it (a line net amount, the VAT breakdown ...)")
        else:
            why = f" (the stated figures it is made of give {expected[bt]})" if expected[bt] != mine[bt] else ""
        out.append(_total(rule, bt, value, mine[bt],
                          f"stated {bt} {value} differs from the {mine[bt]} computed from the lines{why}"))
    return out


def _check_breakdown(doc: Any, totals: dict[str, Any], differing: list[tuple[int, Decimal, Decimal]],
                     out: list[Finding]) -> tuple[list[tuple[Any, ...]], Decimal | None]:
    """BG-23: each stated (category, rate) against the computed one; returns the stated breakdown and the sum
    of its tax amounts (None when none is stated)."""
    computed = doc.totals
    by_key = {(b.category.value, _rate_key(b.rate, b.category.value)): b for b in computed.vat_breakdown}
    shift: dict[tuple[Any, Any], Decimal] = {}  # what the stated line nets add to each computed taxable amount
    for i, net, mine in differing:
        vat = doc.lines[i].vat
        key = (vat.category.value, _rate_key(vat.rate, vat.category.value))
        shift[key] = shift.get(key, Decimal(0)) + net - mine
    breakdown, tax_sum = [], None
    for b in totals.get("vat_breakdown", []):
        rate = Decimal(b["rate"]) if "rate" in b else None
        key = (b.get("category"), _rate_key(rate, b.get("category")))
        basis = Decimal(b["taxable_amount"]) if "taxable_amount" in b else None
        tax = Decimal(b["tax_amount"]) if "tax_amount" in b else None
        breakdown.append((key[0], rate, basis, tax, b.get("exemption_reason"), b.get("exemption_code")))
        mine = by_key.pop(key, None)
        family = _family(key[0])
        if basis is not None and (mine is None or mine.taxable_amount != basis):
            computed_basis = None if mine is None else mine.taxable_amount
            from_lines = (computed_basis or Decimal(0)) + shift.get(key, Decimal(0))
            out.append(_total(f"{family}-08" if family and basis != from_lines else TOTALS_RULE, "BT-116", basis,
                              computed_basis, f"stated VAT breakdown {key[0]} {rate}: taxable amount {basis} differs "
                              f"from the computed {computed_basis}"))
        if tax is not None:
            tax_sum = (tax_sum or Decimal(0)) + tax
            if mine is not None and mine.tax_amount != tax:
                out.append(_total(_tax_rule(family, key[0], rate, basis, tax), "BT-117", tax, mine.tax_amount,
                                  f"stated VAT breakdown {key[0]} {rate}: tax amount {tax} differs from the computed "
                                  f"{mine.tax_amount}"))
    for key, mine in by_key.items():
        family = _family(key[0])
        out.append(_total(f"{family}-01" if family else TOTALS_RULE, "BG-23", Decimal(0), mine.taxable_amount,
                          f"no stated VAT breakdown for category {key[0]} rate {key[1]}, computed taxable amount "
                          f"{mine.taxable_amount}"))
    return breakdown, tax_sum


def _family(category: Any) -> str | None:
    """The rule family of a VAT category code (``BR-S``, ``BR-IC`` ...), None for a code EN 16931 has no rules for."""
    try:
        return str(VatCategory(category).rule_family)
    except ValueError:
        return None


def _tax_rule(family: str | None, category: Any, rate: Decimal | None, basis: Decimal | None,
              tax: Decimal) -> str:
    """The rule a stated breakdown tax amount that differs from the computed one breaks."""
    if family is None or basis is None:
        return TOTALS_RULE
    if category in ("S", "L", "M"):  # the rate-bearing categories: BR-CO-17 ties tax to the stated basis
        return TOTALS_RULE if rate is not None and tax == round2(basis * rate / 100) else R.BR_CO_17
    return f"{family}-09" if tax != 0 else TOTALS_RULE  # every other category: no tax at all


def _check_lines(doc: Any, differing: list[tuple[int, Decimal, Decimal]]) -> list[Finding]:
    out = []
    for i, net, mine in differing:
        line = doc.lines[i]
        hint = ""
        if line.base_quantity not in (None, 1) and line.base_quantity == line.net_price:
            hint = (f" (its price base quantity BT-149 {line.base_quantity} equals its net price BT-146: the "
                    "source seems to state the price in the base quantity)")
        out.append(_total(LINE_NET_RULE, "BT-131", net, mine,
                          f"line {line.id!r}: stated net amount {net} differs from the {mine} of "
                          f"quantity x net price / base quantity + charges - allowances{hint}"))
    return out
