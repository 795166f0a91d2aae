"""The parties of a payload beside seller and buyer: the payee (BG-10) and the French EXTENDED-CTC-FR parties.

The **payee** is the party paid instead of the seller: in a factoring (affacturage), the factor, whose bank account
is then the one given in ``bank_details`` (BG-17). It is read from flat keys, as the seller's and buyer's are:

* ``payee_name`` (BT-59): required as soon as any ``payee_*`` key is given (BR-17);
* ``payee_siret`` (BT-60, scheme 0009, check digit verified) or ``payee_identifier`` with its
  ``payee_identifier_scheme`` (an ISO 6523 ICD code, required: BR-FR-CO-10), not both: the payee has one identifier;
* ``payee_legal_id`` (BT-61) and its optional ``payee_legal_id_scheme`` (ICD; a SIREN 0002 or SIRET 0009 is
  checked); without it, the SIREN of the payee's SIRET is written (the first 9 digits), as for the seller.

The **French parties** of the Factur-X EXTENDED-CTC-FR profile are one object each, under the model's names:
``buyer_agent`` (EXT-FR-FE-BG-01), ``payer`` (BG-02), ``seller_agent`` (BG-03), ``invoicee`` (BG-04, the party
invoiced when it is not the buyer) and ``invoicer`` (BG-05, the party invoicing on the seller's behalf, e.g. under
a billing mandate). Each holds ``name`` (required: Factur-X EXTENDED needs it), ``siret`` (its global identifier,
scheme 0009) or ``global_id`` with its ``global_id_scheme`` (ICD, required: BR-FR-CO-10), and
``electronic_address`` with ``electronic_address_scheme`` (EAS; 0225, the French SIREN-based address, when absent).
Only a specification written as Factur-X EXTENDED carries them (:data:`CARRIERS`: ``extended-ctc-fr``,
``extended``): a payload giving one for any other target, the default Factur-X EN 16931 included, is refused at the
party's key, never written without it.

An ``electronic_address`` of scheme 0225 is checked as the French rule BR-FR-23 checks it. A party stated that the
document written cannot carry (the payer in a UBL without payment means) is refused at its key (:func:`lost_at`).
``from_payload(writing=False)`` (e-reporting, which reads documents and writes no party) judges no target.

Every refusal is filed at its payload key with the business term and, where one applies, the official rule id
(``BR-FR-09_BT-60``, ``BR-FR-CO-10_EXT-FR-FE-46-1``, ``BR-FR-23_EXT-FR-FE-52`` ...; BT-61 has no SIRET rule).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from facturx_engine import ruleids as R
from facturx_engine.errors import ModelError
from facturx_engine.io.payload.reader import (Bad, Reader, address_fault, as_eas, as_icd, as_siret, as_text,
                                              model_msg, msg)
from facturx_engine.model.codes import Profile
from facturx_engine.model.records import CreditNote, Identifier, Invoice, Payee, RelatedParty
from facturx_engine.model.specs import SPECS

__all__ = ["CARRIERS", "PAYEE_KEYS", "RELATED", "carry_over", "locations", "lost_at",
           "not_overridden", "others_of"]

PAYEE_KEYS = ("payee_name", "payee_siret", "payee_identifier", "payee_identifier_scheme", "payee_legal_id",
              "payee_legal_id_scheme")
"""The payload keys of the payee (BG-10)."""

_PAYEE_TERMS = {"payee_name": "BT-59", "payee_siret": "BT-60", "payee_identifier": "BT-60",
                "payee_identifier_scheme": "BT-60-1", "payee_legal_id": "BT-61", "payee_legal_id_scheme": "BT-61-1"}

RELATED: dict[str, tuple[str, str, str, str, str, str]] = {
    # payload key (= model field): its group, name, global identifier and its scheme, electronic address; in words
    "buyer_agent": ("EXT-FR-FE-BG-01", "EXT-FR-FE-03", "EXT-FR-FE-06", "EXT-FR-FE-07", "EXT-FR-FE-12",
                    "the buyer's agent"),
    "payer": ("EXT-FR-FE-BG-02", "EXT-FR-FE-43", "EXT-FR-FE-46", "EXT-FR-FE-47", "EXT-FR-FE-52", "the payer"),
    "seller_agent": ("EXT-FR-FE-BG-03", "EXT-FR-FE-66", "EXT-FR-FE-69", "EXT-FR-FE-70", "EXT-FR-FE-75",
                     "the seller's agent"),
    "invoicee": ("EXT-FR-FE-BG-04", "EXT-FR-FE-89", "EXT-FR-FE-92", "EXT-FR-FE-92-1", "EXT-FR-FE-98",
                 "the invoicee"),
    "invoicer": ("EXT-FR-FE-BG-05", "EXT-FR-FE-112", "EXT-FR-FE-115", "EXT-FR-FE-116", "EXT-FR-FE-121",
                 "the invoicer"),
}
"""The French EXTENDED-CTC-FR parties a payload may give, by payload key (the model's field name)."""

_RULES: dict[str, tuple[str, str, str]] = {
    # the official French rules of each party: a SIRET global id (BR-FR-09), the global id's scheme (BR-FR-CO-10),
    # the format of a 0225 electronic address (BR-FR-23)
    "buyer_agent": (R.BR_FR_09_EXT_FR_FE_06, R.BR_FR_CO_10_EXT_FR_FE_06_1, R.BR_FR_23_EXT_FR_FE_12),
    "payer": (R.BR_FR_09_EXT_FR_FE_46, R.BR_FR_CO_10_EXT_FR_FE_46_1, R.BR_FR_23_EXT_FR_FE_52),
    "seller_agent": (R.BR_FR_09_EXT_FR_FE_69, R.BR_FR_CO_10_EXT_FR_FE_69_1, R.BR_FR_23_EXT_FR_FE_75),
    "invoicee": (R.BR_FR_09_EXT_FR_FE_92, R.BR_FR_CO_10_EXT_FR_FE_92_1, R.BR_FR_23_EXT_FR_FE_98),
    "invoicer": (R.BR_FR_09_EXT_FR_FE_115, R.BR_FR_CO_10_EXT_FR_FE_115_1, R.BR_FR_23_EXT_FR_FE_121),
}

CARRIERS = tuple(s.name for s in SPECS if s.profile is Profile.EXTENDED)
"""The target specifications that carry the French parties: those written as Factur-X EXTENDED."""

_SIREN, _SIRET = "0002", "0009"


def _termed(convert: Callable[[Any], Any], bt: str, rule: str | None = None) -> Callable[[Any], Any]:
    """``convert`` whose refusal names the business term and the rule (a text XML cannot carry keeps its own
    kind, so that the reader adds the text rule)."""
    def wrapped(value: Any) -> Any:
        try:
            return convert(value)
        except Bad as exc:
            raise type(exc)(msg(str(exc), bt, rule if type(exc) is Bad else None)) from None
    return wrapped


def _text(r: Reader, key: str, bt: str, required: str | None = None) -> str | None:
    """A text of at most 512 characters, whose refusal names the business term it feeds."""
    value = r.get((key,), _termed(as_text(512), bt), required=required)
    return value if isinstance(value, str) else None


def _checked(r: Reader, key: str, value: str, scheme: str | None, bt: str, siret_rule: str | None) -> None:
    """A SIREN (0002) or SIRET (0009) given with its scheme must be one (length and check digit); ``siret_rule``:
    the official rule of a SIRET in this term (BR-FR-09_...), None where there is none."""
    from stdnum.fr import siren, siret

    check = {_SIREN: siren.is_valid, _SIRET: siret.is_valid}.get(scheme or "")
    if check is not None and not (value.isascii() and check(value)):  # stdnum folds full-width digits
        kind = "SIREN" if scheme == _SIREN else "SIRET"
        r.error(key, msg(f"{value!r} is not a valid {kind} (ASCII digits, length or check digit)", bt,
                         siret_rule if scheme == _SIRET else None))


def _scheme_alone(r: Reader, value_key: str, scheme_key: str, scheme_bt: str) -> None:
    if r.present(scheme_key) and not r.present(value_key):
        r.error(scheme_key, msg(f"is the scheme of {value_key}, which is missing", scheme_bt))


# ---------------------------------------------------------------------------- the payee


def _siret_or_identifier(r: Reader, keys: tuple[str, str, str], terms: tuple[str, str], rules: tuple[str, str],
                         who: str) -> Identifier | None:
    """A party's one identifier: a SIRET (``keys[0]``) or a value (``keys[1]``) with its ICD scheme (``keys[2]``);
    ``terms``: the identifier's and its scheme's business terms; ``rules``: the official ids of the French rules
    on that identifier (BR-FR-09, the SIRET; BR-FR-CO-10, the scheme); ``who``: the party and the identifier's
    name, in words ("the payee has one identifier")."""
    siret_key, value_key, scheme_key = keys
    term, scheme_term = terms
    siret_rule, scheme_rule = rules
    siret = r.get((siret_key,), _termed(as_siret, term, siret_rule))
    value = _text(r, value_key, term)
    scheme = r.get((scheme_key,), _termed(as_icd, scheme_term, R.BR_CL_10))
    _scheme_alone(r, value_key, scheme_key, scheme_term)
    if r.present(siret_key) and r.present(value_key):
        r.error(value_key, msg(f"give {siret_key} or {value_key}, not both: {who}", term))
        return None
    if siret is not None:
        return Identifier.siret(siret)
    if value is None:
        return None
    if scheme is None:
        if not r.present(scheme_key):
            r.error(scheme_key, msg(f"is required with {value_key}: an ISO 6523 ICD code (e.g. 0009 SIRET, 0088 GLN)",
                                    scheme_term, scheme_rule))
        return None
    _checked(r, value_key, value, scheme, term, siret_rule)
    return Identifier(value=value, scheme=scheme)


def _payee_identifier(r: Reader) -> Identifier | None:
    """BT-60: ``payee_siret`` or ``payee_identifier`` + its scheme."""
    return _siret_or_identifier(r, ("payee_siret", "payee_identifier", "payee_identifier_scheme"),
                                ("BT-60", "BT-60-1"), (R.BR_FR_09_BT_60, R.BR_FR_CO_10_BT_60_1),
                                "the payee has one identifier")


def _payee_legal_id(r: Reader, identifier: Identifier | None) -> Identifier | None:
    """BT-61: ``payee_legal_id`` (+ scheme), else the SIREN of the payee's SIRET."""
    value = _text(r, "payee_legal_id", "BT-61")
    scheme = r.get(("payee_legal_id_scheme",), _termed(as_icd, "BT-61-1", R.BR_CL_11))
    _scheme_alone(r, "payee_legal_id", "payee_legal_id_scheme", "BT-61-1")
    siret = identifier.value if identifier is not None and identifier.scheme == _SIRET else None
    if value is None:
        return Identifier.siren(siret[:9]) if siret and not r.present("payee_legal_id_scheme") else None
    _checked(r, "payee_legal_id", value, scheme, "BT-61", None)  # BT-61 has no official SIRET rule
    if siret and scheme == _SIREN and not siret.startswith(value):
        r.error("payee_legal_id", msg(f"the SIREN {value!r} is not the start of the payee's SIRET {siret!r}",
                                      "BT-61", R.BR_FR_09_BT_60))
    return Identifier(value=value, scheme=scheme)


def _payee(r: Reader) -> Payee | None:
    if not r.present(*PAYEE_KEYS):
        return None
    name = _text(r, "payee_name", "BT-59", required=msg(
        "is required when a payee is given (the party paid instead of the seller, e.g. the factor)", "BT-59",
        R.BR_17))
    identifier = _payee_identifier(r)
    legal_id = _payee_legal_id(r, identifier)
    if name is None:
        return None
    try:
        return Payee(name=name, identifier=identifier, legal_id=legal_id)
    except ModelError as exc:
        r.error("payee_name", model_msg(exc))
        return None


# ---------------------------------------------------------------------------- the French parties


def _target_words(target: str | None) -> str:
    return f"the specification {target}" if target else "the default target (Factur-X EN 16931)"


def _global_id(sub: Reader, key: str) -> Identifier | None:
    """``siret`` or ``global_id`` + ``global_id_scheme`` of the French party ``key``."""
    _, _, gid_t, scheme_t, _, who = RELATED[key]
    siret_rule, scheme_rule, _ = _RULES[key]
    return _siret_or_identifier(sub, ("siret", "global_id", "global_id_scheme"), (gid_t, scheme_t),
                                (siret_rule, scheme_rule), f"{who} has one global identifier")


def _address(sub: Reader, key: str) -> Identifier | None:
    """``electronic_address`` + ``electronic_address_scheme`` (0225 when absent) of the French party ``key``."""
    term, rule = RELATED[key][4], _RULES[key][2]
    value = _text(sub, "electronic_address", term)
    scheme = sub.get(("electronic_address_scheme",), _termed(as_eas, f"{term}-1", R.BR_CL_25))
    _scheme_alone(sub, "electronic_address", "electronic_address_scheme", f"{term}-1")
    if value is None or (scheme is None and sub.present("electronic_address_scheme")):
        return None
    if (fault := address_fault(value, scheme or "0225")) is not None:
        sub.error("electronic_address", msg(fault, term, rule))
        return None
    return Identifier(value=value, scheme=scheme or "0225")


def _related(r: Reader, key: str, target: str | None, writing: bool) -> RelatedParty | None:
    sub = r.obj(key)
    if sub is None:
        return None
    group, name_t, _, _, _, who = RELATED[key]
    if writing and target not in CARRIERS and (target is not None or not r.present("specification")):
        r.error(key, msg(f"{who} is a party of the French Factur-X EXTENDED-CTC-FR profile, which "
                         f"{_target_words(target)} cannot carry: set specification to extended-ctc-fr (Factur-X "
                         "extended carries it too)", group))
    name = _text(sub, "name", name_t, required=msg(f"is required: Factur-X EXTENDED needs the name of {who}", name_t))
    global_id = _global_id(sub, key)
    address = _address(sub, key)
    if name is None:
        return None
    try:
        return RelatedParty(name=name, global_id=global_id, electronic_address=address)
    except ModelError as exc:
        sub.error(exc.field or "name", model_msg(exc))
        return None


def others_of(r: Reader, target: str | None, writing: bool = True) -> dict[str, Any]:
    """The payee and the French parties of an invoice payload, as keyword arguments of the document (None for
    those not given); ``target``: the specification the document is to be written for (None: the default
    Factur-X EN 16931; a ``specification`` that is invalid is reported at its own key, not again here);
    ``writing=False``: the document is read, not written (e-reporting), so no target's carry check applies."""
    found: dict[str, Any] = {"payee": _payee(r)}
    for key in RELATED:
        found[key] = _related(r, key, target, writing)
    return found


def locations(r: Reader) -> tuple[tuple[str, str], ...]:
    """Model field prefix -> payload key, for the model's refusals of these parties (BR-17, UBL-SR-19 ...)."""
    legal = "payee_legal_id" if r.present("payee_legal_id") else r.key(("payee_siret", "payee_identifier"))
    return (("payee.identifier", r.key(("payee_siret", "payee_identifier"))), ("payee.legal_id", legal),
            ("payee", "payee_name"), *((key, key) for key in RELATED))


def not_overridden(r: Reader, source: Mapping[str, Any]) -> None:
    """A credit-note payload's payee and French parties are the credited invoice's: a key that differs is refused."""
    for key in (*PAYEE_KEYS, *RELATED):
        if r.present(key) and r.data[key] != source.get(key):
            term = _PAYEE_TERMS[key] if key in _PAYEE_TERMS else RELATED[key][0]
            r.error(key, msg("the payee and the French parties come from the credited invoice and cannot be "
                             "overridden", term))


def carry_over(cn: CreditNote, invoice: Invoice) -> CreditNote:
    """The credit note with the credited invoice's French parties (the payee is inherited by the model)."""
    kept = {key: getattr(invoice, key) for key in RELATED if getattr(invoice, key) is not None}
    return replace(cn, **kept) if kept else cn


_PAYEE_LOST = {"BG-10": ("payee_name",), "BT-59": ("payee_name",), "BT-60": ("payee_siret", "payee_identifier"),
               "BT-60-1": ("payee_identifier_scheme", "payee_siret"), "BT-61": ("payee_legal_id", "payee_siret"),
               "BT-61-1": ("payee_legal_id_scheme", "payee_siret")}  # a term lost -> the keys that state it


def lost_at(readers: Sequence[Reader], dropped: Sequence[str], target: str) -> None:
    """Refuse, at its payload key, the payee or French party the payload states that the written document lost:
    ``dropped``, the business terms the writer could not carry; ``target``, what was written, in words;
    ``readers``: where the keys may be stated (a credit note's own keys, then its credited invoice's)."""
    def stating(key: str) -> Reader | None:
        return next((x for x in readers if x.present(key)), None)

    payee: dict[tuple[Reader, str], list[str]] = {}
    for term in dict.fromkeys(dropped):
        at = next(((x, key) for key in _PAYEE_LOST.get(term, ()) if (x := stating(key)) is not None), None)
        if at is not None:
            payee.setdefault(at, []).append(term)
    for (x, key), terms in payee.items():
        x.error(key, msg(f"is stated, but {target} cannot carry the payee's {', '.join(terms)}: leave it out or "
                         "write a syntax or profile that carries it", terms[0]))
    for key, (group, name_t, gid_t, scheme_t, address_t, who) in RELATED.items():
        own = {group, name_t, gid_t, scheme_t, f"{gid_t}-1", address_t, f"{address_t}-1"}
        hit = [t for t in dict.fromkeys(dropped) if t in own]
        if hit and (x := stating(key)) is not None:
            hint = "; UBL carries the payer only within a payment means: give payment_method or bank_details, or " \
                   "write CII (facturx, cii)" if key == "payer" and target.startswith("UBL") else ""
            x.error(key, msg(f"{who} is stated, but {target} cannot carry {', '.join(hit)}{hint}", group))
