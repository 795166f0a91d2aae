"""The parties of a payload: seller and buyer (identifiers, address, electronic address, contact, the
B2C flag) and the delivery (BG-4, BG-7, BG-13)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from facturx_engine import ruleids as R
from facturx_engine.errors import ModelError
from facturx_engine.io.payload.reader import (Reader, address_fault, as_country, as_date, as_eas, as_email, as_flag,
                                              as_icd, as_siret, as_vat_number, model_msg, msg)
from facturx_engine.model.records import Address, Contact, Delivery, Identifier, Party


_PARTY_TERMS = {  # name (and the rule requiring it), SIRET, legal id
    "seller": {"name": "BT-27", "rule": R.BR_06, "siret": "BT-29", "legal": "BT-30", "address": "BT-34"},
    "buyer": {"name": "BT-44", "rule": R.BR_07, "siret": "BT-46", "legal": "BT-47", "address": "BT-49"},
}


def _address(r: Reader, key: str, country_key: str | None, default: str | None,
             with_name: bool = False) -> tuple[Address | None, str | None]:
    sub = r.obj(key)
    if sub is None and country_key is None:
        return None, None
    top = r.get((country_key,), as_country) if country_key else None
    inner = sub.get(("country",), as_country) if sub else None
    if inner and top and inner != top:
        r.error(f"{key}.country", f"{inner} differs from {country_key} {top}")
    country = inner or top or (None if (sub and sub.present("country")) or (country_key and r.present(country_key))
                                else default)
    fields: dict[str, str | None] = {}
    if sub is not None:
        fields = {"line1": sub.text("line1", "street"), "line2": sub.text("line2", "street2"),
                  "postal_code": sub.text("postal_code"), "city": sub.text("city"), "subdivision": sub.text("region")}
    name = sub.text("name") if sub is not None and with_name else None
    if not country:
        return None, name
    try:
        return Address(country=country, **fields), name
    except ModelError as exc:
        r.error(key, model_msg(exc))
        return None, name


def _identifiers(r: Reader, role: str, country: str | None) -> dict[str, Any]:
    """SIRET / VAT number / legal id of a business party and the identity rules."""
    terms = _PARTY_TERMS[role]
    siret = r.get((f"{role}_siret",), as_siret)
    vat = r.get((f"{role}_vat_number",), as_vat_number)
    legal = r.text(f"{role}_legal_id")
    scheme = r.get((f"{role}_legal_id_scheme",), as_icd)
    if scheme and not r.present(f"{role}_legal_id"):
        r.error(f"{role}_legal_id_scheme", f"is the scheme of {role}_legal_id, which is missing")
    legal_id = None
    if legal:
        legal_id = Identifier(value=legal, scheme=scheme)
        from stdnum.fr import siren, siret as siret_number

        check = {"0002": siren.is_valid, "0009": siret_number.is_valid}.get(scheme or "")
        if check and not check(legal):
            r.error(f"{role}_legal_id", msg(f"{legal!r} is not a valid {'SIREN' if scheme == '0002' else 'SIRET'} "
                                            "(length or check digit)", terms["legal"]))
    elif siret:
        legal_id = Identifier.siren(siret[:9])
    has = {k: r.present(f"{role}_{k}") for k in ("siret", "vat_number", "legal_id")}
    if role == "seller" and country == "FR" and not has["siret"]:
        r.error("seller_siret", msg("is required for a French seller", terms["siret"]))
    elif role == "seller" and country and country != "FR" and not any(has.values()):
        r.error("seller_vat_number", msg("a seller outside France needs a VAT number or a legal id "
                                         "(seller_legal_id)", "BT-31/BT-30", R.BR_CO_26))
    elif role == "buyer" and country == "FR" and not any(has.values()):
        r.error("buyer_siret", msg("a French business buyer needs one of buyer_siret, buyer_vat_number or "
                                   "buyer_legal_id (set buyer_is_individual for a consumer)", "BT-46/BT-47/BT-48"))
    elif role == "buyer" and country and country != "FR" and not (has["vat_number"] or has["legal_id"]):
        r.error("buyer_vat_number", msg("a business buyer outside France needs buyer_vat_number or "
                                        "buyer_legal_id (set buyer_is_individual for a consumer)", "BT-48/BT-47"))
    return {"identifiers": (Identifier.siret(siret),) if siret else (), "legal_id": legal_id, "vat_id": vat}


def country_of(r: Reader, role: str) -> str:
    """The party's country as the payload states it (read leniently: errors are reported by _address)."""
    address = r.data.get(f"{role}_address")
    raw = r.data.get(f"{role}_country") or (address.get("country") if isinstance(address, Mapping) else None)
    return str(raw).strip().upper() if raw else "FR"


def is_individual(r: Reader) -> bool:
    flat = r.get(("buyer_is_individual",), as_flag)
    nested = r.obj("buyer")
    inner = nested.get(("is_individual",), as_flag) if nested else None
    if flat is not None and inner is not None and flat != inner:
        r.error("buyer.is_individual", f"{str(inner).lower()} conflicts with buyer_is_individual "
                                       f"{str(flat).lower()}")
    return bool(flat if flat is not None else inner)


def _electronic_address(r: Reader, role: str, country: str | None) -> Identifier | None:
    """BT-34 / BT-49 and its scheme (BT-34-1 / BT-49-1, EAS); a French party's defaults to 0225 (the
    SIREN-based address of the 2026 reform; the French CTC rules BR-FR-12/13 require both addresses)."""
    term = _PARTY_TERMS[role]["address"]
    value = r.text(f"{role}_electronic_address", max_len=256)
    scheme = r.get((f"{role}_electronic_address_scheme",), as_eas)
    if value is None:
        if scheme is not None:
            r.error(f"{role}_electronic_address_scheme",
                    f"is the scheme of {role}_electronic_address, which is missing")
        return None
    if scheme is None and country == "FR":
        scheme = "0225"
    if scheme is None:
        r.error(f"{role}_electronic_address_scheme", msg("is required outside France (an EAS code)", f"{term}-1",
                                                         R.BR_62 if role == "seller" else R.BR_63))
        return None
    if (fault := address_fault(value, scheme)) is not None:
        r.error(f"{role}_electronic_address", msg(fault, term, R.BR_FR_23_BT_34 if role == "seller" else
                                                  R.BR_FR_23_BT_49))
        return None
    return Identifier(value=value, scheme=scheme)


def party_of(r: Reader, role: str, b2c: bool) -> Party | None:
    terms = _PARTY_TERMS[role]
    name = r.text(f"{role}_name", required=msg("is required", terms["name"], terms["rule"]))
    address, _ = _address(r, f"{role}_address", f"{role}_country", "FR")
    ids = {} if b2c else _identifiers(r, role, address.country if address else None)
    ids["electronic_address"] = _electronic_address(r, role, address.country if address else country_of(r, role))
    contact = None
    if role == "buyer":
        email, phone = r.get(("buyer_email",), as_email), r.text("buyer_phone", max_len=50)
        contact = Contact(email=email, phone=phone) if email or phone else None
    if name is None or address is None:
        return None
    try:
        return Party(name=name, address=address, contact=contact, private_person=b2c, **ids)
    except ModelError as exc:
        r.error(f"{role}_{_PARTY_FIELDS.get((exc.field or '').split('.')[0], 'name')}", model_msg(exc))
        return None


_PARTY_FIELDS = {"vat_id": "vat_number", "legal_id": "legal_id", "identifiers": "siret", "address": "address",
                 "private_person": "is_individual", "trading_name": "name", "name": "name",
                 "electronic_address": "electronic_address"}


def delivery_of(r: Reader, buyer: Party | None) -> Delivery | None:
    country = buyer.country if buyer else "FR"
    address, name = _address(r, "buyer_shipping_address", None, country, with_name=True)
    date = r.get(("delivery_date",), as_date)
    if buyer is not None and address == buyer.address and name in (None, buyer.name):
        address, name = None, None  # BG-13 only repeats the buyer: left out
    if address is None and name is None and date is None:
        return None
    return Delivery(name=name, address=address, date=date)
