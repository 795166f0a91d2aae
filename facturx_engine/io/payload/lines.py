"""The lines of a payload and their VAT: rate, category and exemption, with the French rates and the
document-level defaults (BG-25, BG-30)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from facturx_engine import ruleids as R
from facturx_engine.errors import ModelError
from facturx_engine.io.payload.reader import (PRICE_KEYS, RATE_KEYS, TAX_KEYS, Reader, as_code, as_unit, model_msg,
                                              msg)
from facturx_engine.io.payload.totals import Stated
from facturx_engine.model.codes import VatCategory, code_set
from facturx_engine.model.records import Line, Vat

FRENCH_RATES = (Decimal(0), Decimal("2.1"), Decimal("5.5"), Decimal(10), Decimal(20))
_ZERO_DEFAULTS = {  # 0 % categories with a default exemption (reason, VATEX code)
    VatCategory.REVERSE_CHARGE: ("Autoliquidation", "VATEX-EU-AE"),
    VatCategory.INTRA_COMMUNITY: ("Livraison intracommunautaire exonérée", "VATEX-EU-IC"),
    VatCategory.EXPORT: ("Exportation hors de l'Union européenne exonérée", "VATEX-EU-G"),
    VatCategory.OUTSIDE_SCOPE: ("Non soumis à la TVA", "VATEX-EU-O"),
}


@dataclass(frozen=True, slots=True)
class Context:
    """What a line needs from the document: French seller, document-level VAT defaults."""

    seller_fr: bool
    reason: tuple[str, str] | None        # (payload key, value) of the document exemption_reason
    category: tuple[str, str] | None      # (payload key, value) of the document tax_category


def category_of(r: Reader) -> str | None:
    value = r.get(("tax_category",), as_code("vat_category", "a VAT category code (S, Z, E, AE, K, G, O)"))
    return value if isinstance(value, str) else None


def _line_vat(lr: Reader, rate: Decimal, ctx: Context) -> Vat | None:
    rate_key = lr.key(RATE_KEYS)
    own_category, own_reason = category_of(lr), lr.text("exemption_reason")
    if own_category is None and lr.present("tax_category"):
        return None  # unreadable: reported by category_of
    cat_key, category = (lr.at("tax_category"), own_category) if own_category else ctx.category or (None, None)
    reason_key, reason = (lr.at("exemption_reason"), own_reason) if own_reason else ctx.reason or (None, None)
    if rate < 0 or rate >= 100:
        lr.error(rate_key, msg(f"{rate} is not a VAT rate (0 to 100)", "BT-152"))
        return None
    if rate > 0:
        if ctx.seller_fr and rate not in FRENCH_RATES:
            lr.error(rate_key, msg(f"{rate} is not a French VAT rate (0, 2.1, 5.5, 10 or 20)", "BT-152"))
            return None
        if category not in (None, "S", "L", "M"):
            lr.sink.add(cat_key or "", msg(f"category {category} has a 0 % rate, not {rate}", "BT-151"))
            return None
        if own_reason:
            lr.error("exemption_reason", msg("an exemption reason goes with a 0 % rate only", "BT-120"))
            return None
        return Vat(category=VatCategory(category or "S"), rate=rate)
    if category is None:
        if reason is None:
            lr.error("exemption_reason", msg("a 0 % rate needs an exemption reason (exemption_reason on the line "
                                             "or the document) or the tax_category it falls under", "BT-120"))
            return None
        category = "E"
    cat = VatCategory(category)
    if cat in (VatCategory.STANDARD, VatCategory.CANARY_IGIC, VatCategory.CEUTA_MELILLA_IPSI):
        lr.sink.add(cat_key or "", msg(f"category {cat} needs a rate above 0", "BT-152", f"{cat.rule_family}-05"))
        return None
    if cat == VatCategory.ZERO_RATED:
        if own_reason:
            lr.error("exemption_reason", msg("category Z (zero rated) carries no exemption reason", "BT-120",
                                             R.BR_Z_10))
            return None
        return Vat.zero_rated()
    text, code = _ZERO_DEFAULTS.get(cat, (None, None))
    if reason is not None:
        text, code = (None, reason.upper()) if reason.upper().startswith("VATEX-") else (reason, None)
        if code is not None and code not in code_set("vatex"):
            lr.sink.add(reason_key or "", msg(f"{reason!r} is not a VATEX code", "BT-121", R.BR_CL_22))
            return None
    if text is None and code is None:
        lr.error("exemption_reason", msg(f"category {cat} needs an exemption reason", "BT-120",
                                         f"{cat.rule_family}-10"))
        return None
    return Vat(category=cat, rate=None if cat == VatCategory.OUTSIDE_SCOPE else Decimal(0),
               exemption_reason=text, exemption_code=code)


_LINE_TOTALS = ((("total_ht",), "BT-131"), (TAX_KEYS, "line VAT"), (("total_ttc",), "line TTC"))
LINE_FIELDS = {"net_price": PRICE_KEYS, "gross_price": ("discount",), "price_discount": ("discount",),
               "quantity": ("quantity",), "unit": ("unit",), "name": ("description",),
               "seller_item_id": ("product_code",), "vat": RATE_KEYS,
               "": ("quantity",)}  # the line itself (its net amount BT-131): see invoice._locate


def line_of(lr: Reader, index: int, ctx: Context) -> tuple[Line, Decimal, list[Stated]] | None:
    """The model line, the payload's unit price (before discount) and the line totals the app stated."""
    name = lr.text("description", required=msg("is required", "BT-153", R.BR_25), max_len=500)
    quantity = lr.number("quantity", required=msg("is required", "BT-129", R.BR_22))
    unit = lr.get(("unit",), as_unit) or "C62"
    price = lr.number(*PRICE_KEYS, required=msg("is required", "BT-146", R.BR_26))
    rate = lr.number(*RATE_KEYS, required=msg("is required", "BT-152"), percent=True)
    discount = lr.number("discount", percent=True)
    product_code = lr.text("product_code")
    if quantity is not None and quantity <= 0:
        lr.error("quantity", msg(f"must be greater than 0, got {quantity}", "BT-129"))
    if price is not None and price < 0:
        lr.error(lr.key(PRICE_KEYS), msg(f"must not be negative, got {price}", "BT-146", R.BR_27))
    if discount is not None and not 0 <= discount <= 100:
        lr.error("discount", msg(f"is a percentage from 0 to 100, got {discount}", "BT-147"))
    vat = _line_vat(lr, rate, ctx) if rate is not None else None
    stated = [Stated(lr.at(lr.key(keys)), term, None, v) for keys, term in _LINE_TOTALS
              if (v := lr.number(*keys)) is not None]
    if None in (name, quantity, price, vat) or (quantity is not None and quantity <= 0) or \
            (price is not None and price < 0) or (discount is not None and not 0 <= discount <= 100):
        return None
    assert name is not None and quantity is not None and price is not None and vat is not None
    priced: dict[str, Decimal] = {"net_price": price}
    if discount:
        cut = price * discount / 100
        priced = {"net_price": price - cut, "gross_price": price, "price_discount": cut}
    try:
        line = Line(id=str(index + 1), name=name, quantity=quantity, unit=unit, vat=vat, seller_item_id=product_code,
                    **priced)  # type: ignore[arg-type]
    except ModelError as exc:
        field = (exc.field or "").split(".")[0]
        lr.error(lr.key(LINE_FIELDS.get(field, ("description",))), model_msg(exc))
        return None
    return line, price, stated
