"""EN 16931 calculation: line net amounts, the VAT breakdown and the document totals.

Rounding policy (the only one in the engine; it reproduces what the official validators compute):

1. Quantities, unit prices and rates are used exactly as given (Decimal, no rounding).
2. BT-131 line net amount = quantity × (net price / base quantity) + line charges − line
   allowances, rounded **once** to 2 decimals, half away from zero (``ROUND_HALF_UP``).
3. Allowance/charge amounts computed from base × percent / 100 are rounded the same way.
4. BT-116 per (VAT category, rate) = Σ BT-131 + Σ document charges − Σ document allowances
   (all already 2-decimal, so exact); BT-117 = round(BT-116 × rate / 100) **per breakdown**,
   never per line (line VAT is not an EN 16931 concept).
5. BT-106..BT-112 are exact sums of 2-decimal figures (BR-CO-10..BR-CO-15 hold exactly);
   BT-115 = BT-112 − BT-113 + BT-114 (BR-CO-16).

VAT-inclusive prices (``Document.prices_include_vat``, a B2C shop's shelf prices): each line's
VAT-inclusive amount is quantity × price (rounded to 2 decimals) — what the customer was shown —
and its net amount BT-131 = round(inclusive / (1 + rate/100)). The net unit price BT-146 written
for it is price / (1 + rate/100) to 6 decimals, or with more decimals where 6 would not give back
that BT-131 through quantity × BT-146 / BT-149 ± line allowances/charges (the rule every reader
recomputes); only when no price can (a zero quantity with line allowances or charges, or net charges
rounded above the wanted amount, which would need a negative price, refused by BR-27) is BT-131
what the written figures give. VAT is then computed per
breakdown as above, and whatever cent the two roundings leave between the shown total and
BT-112 is carried **explicitly** in BT-114 (rounding amount), so the amount due equals the
total the customer saw and every EN 16931 rule still holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import (ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, DivisionByZero, InvalidOperation, Overflow,
                     localcontext)
from typing import Protocol

from facturx_engine import ruleids as R
from facturx_engine.model import numbers as _numbers
from facturx_engine.model.fields import fast_init
from facturx_engine.model.codes import VatCategory
from facturx_engine.model.lines import AllowanceCharge, Line, Period, Vat
from facturx_engine.model.numbers import round2
from facturx_engine.model.parties import Delivery, Party, TaxRepresentative
from facturx_engine.errors import CalculationError, ModelError

__all__ = [
    "CHECKED_TOTALS",
    "TOTALS",
    "TOTAL_OF_TERM",
    "LineAmounts",
    "Priced",
    "Total",
    "Totalled",
    "Totals",
    "VatBreakdown",
    "check_expected",
    "compute_totals",
]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
_ONE = Decimal(1)  # what ``x / 1`` divides by, without converting the int every time
PRICE_DECIMALS = Decimal("0.000001")  # net unit price derived from a VAT-inclusive price
_CATEGORIES = {c.value: c for c in VatCategory}  # VatCategory(code) for the listed codes, without the enum call


@fast_init()  # the model's compiled __init__ (slots set directly), same semantics as the dataclass one
@dataclass(frozen=True, slots=True)
class VatBreakdown:
    """One BG-23 entry."""

    category: VatCategory            # BT-118
    rate: Decimal | None             # BT-119 (None for O)
    taxable_amount: Decimal          # BT-116
    tax_amount: Decimal              # BT-117
    exemption_reason: str | None     # BT-120
    exemption_code: str | None       # BT-121


@fast_init()  # one per line
@dataclass(frozen=True, slots=True)
class LineAmounts:
    """The net figures written for one line (equal to the input unless prices include VAT)."""

    net_amount: Decimal                     # BT-131
    net_price: Decimal                      # BT-146
    allowance_charge_amounts: tuple[Decimal, ...]  # BT-136 / BT-141, in the line's order
    gross_price: Decimal | None = None      # BT-148 (net of VAT, like BT-146)
    price_discount: Decimal | None = None   # BT-147: BT-148 - BT-146 when a gross price is given (UBL needs it)
    allowance_charge_bases: tuple[Decimal | None, ...] = ()  # BT-137 / BT-142, net like the amounts


@fast_init()
@dataclass(frozen=True, slots=True)
class Totals:
    """BG-22 document totals, the BG-23 breakdown and the per-line figures."""

    line_total: Decimal                # BT-106
    allowance_total: Decimal           # BT-107
    charge_total: Decimal              # BT-108
    tax_exclusive: Decimal             # BT-109
    tax_total: Decimal                 # BT-110
    grand_total: Decimal               # BT-112
    paid: Decimal                      # BT-113
    rounding: Decimal                  # BT-114
    due: Decimal                       # BT-115
    vat_breakdown: tuple[VatBreakdown, ...]
    lines: tuple[LineAmounts, ...]
    document_allowance_charge_amounts: tuple[Decimal, ...]  # BT-92 / BT-99 in document order
    document_allowance_charge_bases: tuple[Decimal | None, ...] = ()  # BT-93 / BT-100

    def as_terms(self) -> dict[str, Decimal]:
        """The totals keyed by business term id (in the order of :data:`TOTALS`)."""
        return {t.bt: getattr(self, t.attribute) for t in TOTALS}


@dataclass(frozen=True, slots=True)
class Total:
    """One document total of BG-22: its :class:`Totals` attribute, its business term and the EN 16931
    rule that defines it from other figures (None for the amounts given, not computed: BT-113, BT-114)."""

    attribute: str
    bt: str
    rule: str | None


TOTALS = (
    Total("line_total", "BT-106", R.BR_CO_10),
    Total("allowance_total", "BT-107", R.BR_CO_11),
    Total("charge_total", "BT-108", R.BR_CO_12),
    Total("tax_exclusive", "BT-109", R.BR_CO_13),
    Total("tax_total", "BT-110", R.BR_CO_14),
    Total("grand_total", "BT-112", R.BR_CO_15),
    Total("paid", "BT-113", None),
    Total("rounding", "BT-114", None),
    Total("due", "BT-115", R.BR_CO_16),
)
"""The document totals, in business term order: the one statement of which total is which term and rule."""

CHECKED_TOTALS = tuple(t for t in TOTALS if t.rule is not None)
"""The totals a rule defines: what :func:`check_expected` compares and what a reader reports as stated."""

TOTAL_OF_TERM = {t.bt: t for t in TOTALS}


class Priced(Protocol):
    """What the calculation reads of a document: a :class:`~facturx_engine.model.documents.Document`, which
    computes its totals when it is built (so this module cannot import it: a protocol instead)."""

    @property
    def lines(self) -> Sequence[Line]: ...
    @property
    def allowances_charges(self) -> Sequence[AllowanceCharge]: ...
    @property
    def prices_include_vat(self) -> bool: ...
    @property
    def paid_amount(self) -> Decimal | None: ...
    @property
    def rounding_amount(self) -> Decimal | None: ...
    @property
    def tax_currency_vat_total(self) -> Decimal | None: ...
    @property
    def seller(self) -> Party: ...
    @property
    def buyer(self) -> Party: ...
    @property
    def tax_representative(self) -> TaxRepresentative | None: ...
    @property
    def delivery(self) -> Delivery | None: ...
    @property
    def invoicing_period(self) -> Period | None: ...


class Totalled(Protocol):
    """A document with its computed totals (what :func:`check_expected` compares with)."""

    @property
    def totals(self) -> Totals: ...


def _two_decimals(value: Decimal | None, where: str, term: str, rule: str) -> None:
    if value is not None and value != value.quantize(CENT):
        raise ModelError(f"amount {value} has more than 2 decimals", field=where, bt=term, rule=rule)


def _net_factor(vat: Vat) -> Decimal:
    return 1 + (vat.rate or Decimal(0)) / 100  # Decimal(0), not 0: int 0 / 100 is a float


def _net_allowance_charge(ac: AllowanceCharge, factor: Decimal) -> tuple[Decimal, Decimal | None]:
    """(amount, base) of a VAT-inclusive allowance/charge, net of VAT; with a percentage the net
    amount is recomputed from the net base so that amount = base × percent / 100 still holds."""
    assert ac.amount is not None
    base = round2(ac.base_amount / factor) if ac.base_amount is not None else None
    if base is not None and ac.percent is not None:
        return round2(base * ac.percent / 100), base
    return round2(ac.amount / factor), base


def _line_amounts(line: Line, index: int, gross_mode: bool) -> tuple[LineAmounts, Decimal]:
    """Figures for a line with allowances or charges, or any line in gross mode (:func:`compute_totals`
    does the usual line itself); the second value is its VAT-inclusive amount in gross mode."""
    sign_amounts = []
    for j, ac in enumerate(line.allowances_charges):
        term = "BT-141" if ac.charge else "BT-136"
        _two_decimals(ac.amount, f"lines[{index}].allowances_charges[{j}].amount", term,
                      R.BR_DEC_27 if ac.charge else R.BR_DEC_24)
        assert ac.amount is not None
        sign_amounts.append(ac.amount if ac.charge else -ac.amount)
    extended = line.quantity * line.price_per_unit + sum(sign_amounts, Decimal(0))
    if not gross_mode:
        amounts = tuple(ac.amount for ac in line.allowances_charges if ac.amount is not None)
        discount = line.price_discount
        if discount is None and line.gross_price is not None:
            discount = line.gross_price - line.net_price
        bases = tuple(ac.base_amount for ac in line.allowances_charges)
        return LineAmounts(round2(extended), line.net_price, amounts, line.gross_price, discount, bases), ZERO
    factor = _net_factor(line.vat)
    gross = round2(extended)
    net_pairs = [_net_allowance_charge(ac, factor) for ac in line.allowances_charges]
    net_acs = tuple(amount for amount, _ in net_pairs)
    net_price = (line.net_price / factor).quantize(PRICE_DECIMALS, rounding=ROUND_HALF_UP)
    signed = sum((n if ac.charge else -n for ac, n in zip(line.allowances_charges, net_acs)), ZERO)
    net_amount, net_price = _consistent_net(line, round2(gross / factor), net_price, signed)
    gross_price = discount = None
    if line.gross_price is not None:  # VAT-inclusive too: written net, keeping BT-146 = BT-148 - BT-147
        gross_price = (line.gross_price / factor).quantize(PRICE_DECIMALS, rounding=ROUND_HALF_UP)
        gross_price = max(gross_price, net_price) if line.gross_price != line.net_price else net_price
        discount = gross_price - net_price
    return LineAmounts(net_amount, net_price, net_acs, gross_price, discount,
                       tuple(base for _, base in net_pairs)), gross


def _consistent_net(line: Line, wanted: Decimal, price: Decimal, acs: Decimal) -> tuple[Decimal, Decimal]:
    """BT-131 and BT-146 of a VAT-inclusive line such that the written figures obey the line rule
    BT-131 = round(BT-129 × BT-146 / BT-149 + charges − allowances) that every reader recomputes.

    ``wanted`` is round(shown / (1 + rate)), ``price`` the net price to 6 decimals. When that price
    does not give ``wanted`` (a large quantity, or line allowances rounded one by one), the price is
    stated with more decimals, up to what the arithmetic context holds; when no price can give it
    (quantity 0, or a price that would have to be negative), BT-131 is what the written price gives.
    BT-114 carries the difference either way."""
    qty, base = line.quantity, line.base_quantity or _ONE

    def gives(p: Decimal) -> Decimal:
        return round2(qty * p / base + acs)

    if gives(price) == wanted:
        return wanted, price
    if qty:
        exact = (wanted - acs) * base / qty
        for places in range(6, 21):
            try:
                candidate = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
            except ArithmeticError:  # more digits than the context holds
                break
            if candidate >= 0 and gives(candidate) == wanted:
                return wanted, candidate
    return gives(price), price


_Group = tuple[list[Vat], list[Decimal]]  # a breakdown's distinct Vat objects (first seen first), its amounts


class _Groups:
    """The BG-23 groups, by :attr:`Vat.key` in order of first appearance, each with its distinct Vat objects
    and its amounts in document order. A Vat object is keyed once (``by_id``: the objects live as long as
    the document; a read document shares one per VAT treatment), and equal (category, rate) values, whose
    keys are equal, share one key computation (``by_value``)."""

    __slots__ = ("by_id", "by_key", "by_value")

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, Decimal | None], _Group] = {}
        self.by_id: dict[int, _Group] = {}
        self.by_value: dict[tuple[VatCategory, Decimal | None], _Group] = {}

    def join(self, vat: Vat) -> _Group:
        """The group of a Vat object not seen yet, which it joins."""
        value = (vat.category, vat.rate)
        group = self.by_value.get(value)
        if group is None:
            key = vat.key
            group = self.by_key.get(key)
            if group is None:
                self.by_key[key] = group = ([], [])
            self.by_value[value] = group
        group[0].append(vat)
        self.by_id[id(vat)] = group
        return group


def _breakdown(groups: dict[tuple[str, Decimal | None], _Group]) -> tuple[VatBreakdown, ...]:
    out = []
    for (cat_code, _), (vats, amounts) in groups.items():
        cat = _CATEGORIES.get(cat_code) or VatCategory(cat_code)
        vat0 = vats[0]
        taxable = sum(amounts, ZERO)
        reasons = {(v.exemption_reason, v.exemption_code) for v in vats}
        if len(reasons) > 1:
            raise ModelError(f"all items of VAT category {cat} must share one exemption reason, got "
                             f"{sorted(reasons, key=str)}", field="vat.exemption_reason", bt="BT-120/BT-121",
                             rule=f"{cat.rule_family}-01")
        # equal rates may be spelt differently (10 / 10.0): state the one with the most decimals, so the
        # breakdown does not depend on the order of the items (a re-read document gives the same bytes)
        rate = vat0.rate if vat0.rate is None or len(vats) == 1 else _most_decimals(v.rate for v in vats)
        tax = round2(taxable * rate / 100) if cat in (VatCategory.STANDARD, VatCategory.CANARY_IGIC,
                                                      VatCategory.CEUTA_MELILLA_IPSI) and rate else ZERO
        out.append(VatBreakdown(cat, rate, taxable, tax, vat0.exemption_reason, vat0.exemption_code))
    single = [b.category for b in out if b.category not in (VatCategory.STANDARD, VatCategory.CANARY_IGIC,
                                                             VatCategory.CEUTA_MELILLA_IPSI)]
    for cat in set(single):
        if single.count(cat) > 1:
            raise ModelError(f"category {cat} must have a single rate (0)", field="vat.rate", bt="BT-152",
                             rule=f"{cat.rule_family}-01")
    return tuple(out)


def _most_decimals(rates: Iterable[Decimal | None]) -> Decimal:
    """The first of the rates with the smallest exponent (``min`` by exponent), each spelling looked at
    once: str() is canonical for (sign, digits, exponent), and the items of a breakdown mostly repeat one."""
    best: Decimal | None = None
    best_exp = 0
    seen: set[str] = set()
    for rate in rates:
        if rate is None:
            continue
        text = str(rate)
        if text in seen:
            continue
        seen.add(text)
        exp = rate.as_tuple().exponent
        assert isinstance(exp, int)  # finite: the model refuses NaN and infinities
        if best is None or exp < best_exp:
            best, best_exp = rate, exp
    assert best is not None
    return best


def compute_totals(doc: Priced) -> Totals:
    """Compute BT-106..BT-115, BG-23 and the line figures of a document (checks VAT rules too).

    The arithmetic runs in the engine's own decimal context (:data:`CONTEXT`), whatever the caller's thread
    has set. Every computed amount is held to the numeric policy (:mod:`._numbers`: at most 15 digits before
    the point), so that no figure is written that the engine would refuse to read back: beyond it, a
    :class:`ModelError` names the line (BT-131) or the total, with rule ``FXE-NUMBER``.
    """
    try:
        with localcontext(CONTEXT):
            totals = _compute_totals(doc)
    except ArithmeticError:  # a product beyond what 28 digits hold: say which line
        raise _beyond_range(doc) from None
    _check_range(totals)
    return totals


CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN, Emax=999999, Emin=-999999, capitals=1, clamp=0,
                  traps=[InvalidOperation, DivisionByZero, Overflow])
"""The decimal context of every computation (Python's default one, stated here so that a caller's own
settings of its thread's context never change a total)."""
_AMOUNT_DIGITS = _numbers.AMOUNT_DIGITS


def _beyond(where: str, term: str, what: str) -> ModelError:
    return ModelError(f"{what} would have more than {_AMOUNT_DIGITS} digits before the decimal point; the engine "
                      f"computes and writes at most {_AMOUNT_DIGITS} (numeric policy)", field=where, bt=term,
                      rule=_numbers.RULE)


def _beyond_range(doc: Priced) -> ModelError:
    """The error for a document whose figures the arithmetic cannot hold: the first line that causes it."""
    for i, line in enumerate(doc.lines):
        magnitude = line.quantity.adjusted() + line.net_price.adjusted() + 1
        if line.base_quantity:
            magnitude -= line.base_quantity.adjusted()
        if magnitude >= _AMOUNT_DIGITS:
            return _beyond(f"lines[{i}]", "BT-131", f"the net amount of line {line.id!r} (quantity x net price / "
                           "base quantity)")
    return _beyond("totals", "BT-106", "a total of the document")


def _check_range(totals: Totals) -> None:
    """The totals and the breakdown within the numeric policy (each line net amount is checked as it is computed)."""
    for term, value in totals.as_terms().items():
        if value.adjusted() >= _AMOUNT_DIGITS:
            raise _beyond("totals", term, f"{term}")
    for b in totals.vat_breakdown:
        if b.taxable_amount.adjusted() >= _AMOUNT_DIGITS:
            raise _beyond("totals.vat_breakdown", "BT-116", f"the taxable amount of VAT category {b.category}")


def _compute_totals(doc: Priced) -> Totals:
    gross_mode = doc.prices_include_vat
    groups = _Groups()
    by_id = groups.by_id
    line_amounts = []
    line_total = shown_total = ZERO
    for i, line in enumerate(doc.lines):
        if gross_mode or line.allowances_charges:
            la, gross = _line_amounts(line, i, gross_mode)
            shown_total += gross
        else:  # the usual line, inline (documents have many): its net amount alone, round2(quantity x price)
            net_price, gross_price, discount = line.net_price, line.gross_price, line.price_discount
            if discount is None and gross_price is not None:
                discount = gross_price - net_price
            net = (line.quantity * (net_price / (line.base_quantity or _ONE))).quantize(CENT, ROUND_HALF_UP)
            la = LineAmounts(net.copy_abs() if net.is_zero() else net, net_price, (), gross_price, discount, ())
        line_amounts.append(la)
        net_amount = la.net_amount
        if net_amount.adjusted() >= _AMOUNT_DIGITS:  # the numeric policy holds for what is computed too
            raise _beyond(f"lines[{i}]", "BT-131", f"the net amount of line {line.id!r}")
        line_total += net_amount
        vat = line.vat
        (by_id.get(id(vat)) or groups.join(vat))[1].append(net_amount)
    allowances = charges = ZERO
    doc_amounts = []
    doc_bases: list[Decimal | None] = []
    ac_items: list[tuple[bool, Vat, Decimal]] = []
    for j, ac in enumerate(doc.allowances_charges):
        amount, base = _document_ac_amount(ac, j, gross_mode)
        doc_amounts.append(amount)
        doc_bases.append(base)
        assert ac.vat is not None and ac.amount is not None
        if ac.charge:
            charges += amount
        else:
            allowances += amount
        shown_total += ac.amount if ac.charge else -ac.amount
        ac_items.append((ac.charge, ac.vat, amount if ac.charge else -amount))
    # in the order they are written (allowances BG-20, then charges BG-21), so that the breakdown order
    # does not depend on how the caller listed them (a re-read document gives the same bytes)
    for _, vat, signed in sorted(ac_items, key=lambda item: item[0]):
        (by_id.get(id(vat)) or groups.join(vat))[1].append(signed)
    breakdown = _breakdown(groups.by_key)
    check_vat_rules(doc, {b.category for b in breakdown})
    for value, name, term, rule in ((doc.paid_amount, "paid_amount", "BT-113", R.BR_DEC_16),
                                    (doc.rounding_amount, "rounding_amount", "BT-114", R.BR_DEC_17),
                                    (doc.tax_currency_vat_total, "tax_currency_vat_total", "BT-111",
                                     R.BR_DEC_15)):
        _two_decimals(value, name, term, rule)
    tax_exclusive = line_total - allowances + charges
    tax_total = sum((b.tax_amount for b in breakdown), ZERO)
    grand = tax_exclusive + tax_total
    rounding = doc.rounding_amount or ZERO
    if gross_mode:
        rounding += shown_total - grand
    paid = doc.paid_amount or ZERO
    return Totals(line_total, allowances, charges, tax_exclusive, tax_total, grand, paid, rounding,
                  grand - paid + rounding, breakdown, tuple(line_amounts), tuple(doc_amounts), tuple(doc_bases))


def _document_ac_amount(ac: AllowanceCharge, index: int, gross_mode: bool) -> tuple[Decimal, Decimal | None]:
    where = f"allowances_charges[{index}]"
    if ac.vat is None:
        raise ModelError("a document allowance/charge needs its VAT category", field=f"{where}.vat",
                         bt="BT-102" if ac.charge else "BT-95", rule=R.BR_37 if ac.charge else R.BR_32)
    assert ac.amount is not None
    _two_decimals(ac.amount, f"{where}.amount", "BT-99" if ac.charge else "BT-92",
                  R.BR_DEC_05 if ac.charge else R.BR_DEC_01)
    return _net_allowance_charge(ac, _net_factor(ac.vat)) if gross_mode else (ac.amount, ac.base_amount)


def _vat_ids(doc: Priced) -> tuple[bool, bool, bool]:
    seller = bool(doc.seller.vat_id or doc.seller.tax_id or doc.tax_representative)
    seller_vat = bool(doc.seller.vat_id or doc.tax_representative)
    buyer_vat = bool(doc.buyer.vat_id)
    return seller, seller_vat, buyer_vat


def check_vat_rules(doc: Priced, categories: set[VatCategory]) -> None:
    """The party-identification rules tied to VAT categories (BR-S/Z/E/AE/IC/G/O-02..04, BR-CO-26)."""
    s = doc.seller
    if not (s.identifiers or s.legal_id or s.vat_id):
        raise ModelError("the seller needs an identifier, a legal registration identifier or a VAT identifier",
                         field="seller", bt="BT-29/BT-30/BT-31", rule=R.BR_CO_26)
    seller_any, seller_vat, buyer_vat = _vat_ids(doc)
    for cat in (c for c in VatCategory if c in categories):  # in the code list's order: the same first rule always
        fam = cat.rule_family
        if cat in (VatCategory.STANDARD, VatCategory.ZERO_RATED, VatCategory.EXEMPT,
                   VatCategory.REVERSE_CHARGE, VatCategory.CANARY_IGIC, VatCategory.CEUTA_MELILLA_IPSI) \
                and not seller_any:
            raise ModelError(f"category {cat} needs the seller VAT id, tax registration id or a tax "
                             "representative", field="seller.vat_id", bt="BT-31/BT-32/BT-63", rule=f"{fam}-02")
        if cat in (VatCategory.INTRA_COMMUNITY, VatCategory.EXPORT) and not seller_vat:
            raise ModelError(f"category {cat} needs the seller VAT id or a tax representative",
                             field="seller.vat_id", bt="BT-31/BT-63", rule=f"{fam}-02")
    if VatCategory.REVERSE_CHARGE in categories and not (buyer_vat or doc.buyer.legal_id):
        raise ModelError("reverse charge (AE) needs the buyer VAT id or legal registration id",
                         field="buyer.vat_id", bt="BT-48/BT-47", rule=R.BR_AE_02)
    if VatCategory.INTRA_COMMUNITY in categories:
        _check_intra_community(doc, buyer_vat)
    if VatCategory.OUTSIDE_SCOPE in categories:
        if len(categories) > 1:
            raise ModelError("category O (not subject to VAT) cannot be mixed with other categories",
                             field="vat.category", bt="BT-151", rule=R.BR_O_11)
        if seller_vat or buyer_vat:
            raise ModelError("category O forbids seller, tax representative and buyer VAT ids",
                             field="seller.vat_id", bt="BT-31/BT-63/BT-48", rule=R.BR_O_02)


def _check_intra_community(doc: Priced, buyer_vat: bool) -> None:
    if not buyer_vat:
        raise ModelError("intra-community supply (K) needs the buyer VAT id", field="buyer.vat_id",
                         bt="BT-48", rule=R.BR_IC_02)
    if not ((doc.delivery and doc.delivery.date) or doc.invoicing_period):
        raise ModelError("intra-community supply (K) needs the actual delivery date or the invoicing "
                         "period", field="delivery.date", bt="BT-72/BG-14", rule=R.BR_IC_11)
    country = (doc.delivery.address.country if doc.delivery and doc.delivery.address else None)
    if not country and not doc.buyer.country:  # a buyer read without an address has no country either
        raise ModelError("intra-community supply (K) needs the deliver-to country", field="delivery.address",
                         bt="BT-80", rule=R.BR_IC_12)


_EXPECTED = {key: (t.bt, t.rule, t.attribute) for t in TOTALS if t.rule is not None for key in (t.bt, t.attribute)}
"""The totals :func:`check_expected` compares, by BT id and by :class:`Totals` attribute: (term, rule, attribute)."""


def check_expected(doc: Totalled, expected: Mapping[str, Decimal | str | int],
                   tolerance: Decimal = ZERO) -> None:
    """Compare totals a caller expects with the computed ones.

    Keys are BT ids (``"BT-112"``), :class:`Totals` attribute names (``"grand_total"``), or a VAT
    breakdown figure as ``"BT-116:S:20"`` / ``"BT-117:S:20"`` (term, category, rate; ``"BT-117:O"``
    for category O). Raises :class:`CalculationError` naming the rule (BR-CO-10..BR-CO-17) and
    both values on the first mismatch larger than ``tolerance``. Totals are never taken from the
    caller; this only checks them.
    """
    for key, raw in expected.items():
        try:
            stated = Decimal(str(raw))
        except ArithmeticError:
            raise ModelError(f"expected total {raw!r} is not a number", field=key) from None
        term, rule, computed = _expected_value(doc.totals, key)
        if abs(stated - computed) > tolerance:
            raise CalculationError(f"stated {stated} but the lines give {computed}", field=key, bt=term,
                                   rule=rule, stated=stated, computed=computed)


def _expected_value(totals: Totals, key: str) -> tuple[str, str, Decimal]:
    if key in _EXPECTED:
        term, rule, attribute = _EXPECTED[key]
        return term, rule, getattr(totals, attribute)
    term, _, rest = key.partition(":")
    if term in ("BT-116", "BT-117") and rest:
        cat, _, rate = rest.partition(":")
        for b in totals.vat_breakdown:
            if b.category.value == cat and (b.rate is None and not rate or
                                            rate and b.rate is not None and b.rate == Decimal(rate)):
                return (term, R.BR_CO_17 if term == "BT-117" else f"{b.category.rule_family}-08",
                        b.tax_amount if term == "BT-117" else b.taxable_amount)
        raise ModelError(f"the document has no VAT breakdown for category {cat} rate {rate or '-'}", field=key,
                         bt=term)
    known = sorted(t.bt for t in CHECKED_TOTALS)
    raise ModelError(f"unknown total {key!r}; expected one of {known} or 'BT-117:<cat>:<rate>'", field=key)
