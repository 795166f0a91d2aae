"""The specifications a document can be written for, and what each one requires beyond EN 16931, as data.

A *target specification* is what :func:`~facturx_engine.syntax.cii.to_cii` and
:func:`~facturx_engine.syntax.ubl.to_ubl` take as ``spec=``: ``cen`` (plain CEN EN 16931), a Factur-X
profile (``minimum``, ``basicwl``, ``basic``, ``en16931``, ``extended``), ``extended-ctc-fr``,
``xrechnung`` (XRechnung 3.0) or ``peppol`` (Peppol BIS Billing 3.0). Each row of :data:`SPECS` states,
once:

* the BT-24 specification identifier written (taken from
  :data:`~facturx_engine.model.codes.GUIDELINES`, the row whose rule set is the spec's), and the BT-23
  business process written when the document states none (XRechnung and Peppol need one);
* the Factur-X profile its CII is written in and the syntaxes it exists in (the Factur-X profiles
  other than EN 16931 are CII only);
* its :class:`Requirement` rows: each one a business term (or group), the model field(s) that hold it
  and the rule of the specification that demands it, applying always or under a condition (Peppol's
  national rules: by the seller's country), in the syntaxes the rule is stated for.

:func:`check` refuses a document that lacks what the specification requires, before anything is
written: one :class:`~facturx_engine.errors.ModelError` naming every missing business term, its model
field and the rule, all of them at once. The official artefacts remain the judge of the written
document (``facturx_engine.validate``); these rows are what a writer can know is missing beforehand.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from facturx_engine import ruleids as R
from facturx_engine.errors import ModelError, ProfileError
from facturx_engine.model.codes import GUIDELINES, PEPPOL_PROCESS, RULE_SETS, Profile, code_set
from facturx_engine.model.documents import Document
from facturx_engine.model.fr import legal_notes

__all__ = ["SPECS", "SPEC_NAMES", "Requirement", "Spec", "check", "field_values", "missing", "spec"]


@dataclass(frozen=True, slots=True)
class Requirement:
    """One thing a specification requires beyond EN 16931.

    ``terms``: the business term(s) (``"BT-10"``, ``"BT-10/BT-13"``); ``fields``: the model field paths
    holding them (dotted, ``*`` for every item of a repeated field); any one of them present satisfies the
    requirement; ``rule``: the rule id that demands it; ``what``: what it is, in words; ``when``: the
    condition under which it applies (None: always); ``accepts``: the values the specification allows
    (None: any non-empty value); ``within``: as ``accepts``, for values allowed or not by another term
    of the same document (called with the document and the value); ``value``: what is written for the
    field when that is not the field itself (the notes written include the French late-payment
    mentions); ``syntaxes``: the syntaxes the rule is stated for (Peppol's German rules have no CII
    context in the BIS rule list)."""

    terms: str
    fields: tuple[str, ...]
    rule: str
    what: str
    when: Callable[[Document], bool] | None = None
    accepts: Callable[[Any], bool] | None = None
    value: Callable[[Document], Any] | None = None
    within: Callable[[Document, Any], bool] | None = None
    syntaxes: tuple[str, ...] = ("cii", "ubl")


@dataclass(frozen=True, slots=True)
class Spec:
    """A target specification: ``name`` (what ``spec=`` and ``--spec`` take), ``title``, the BT-24
    ``guideline`` written, the Factur-X ``profile`` of its CII, the ``syntaxes`` it exists in, the BT-23
    ``process`` written when the document states none, and what it ``requires``."""

    name: str
    title: str
    guideline: str
    profile: Profile
    syntaxes: tuple[str, ...] = ("cii", "ubl")
    process: str | None = None
    requires: tuple[Requirement, ...] = ()


def _guideline(rules: str) -> str:
    """The BT-24 written for a rule set: its first row in GUIDELINES."""
    return next(g.id for g in GUIDELINES if g.rules == rules)


def _means(*codes: str) -> Callable[[Document], bool]:
    return lambda doc: doc.payment is not None and doc.payment.means_code in codes


def _present(path: str) -> Callable[[Document], bool]:
    return lambda doc: any(_filled(v) for _, v in field_values(doc, path))


def _not_both_german(doc: Document) -> bool:
    return not (doc.seller.country == "DE" and doc.buyer.country == "DE")


def _distinct_filenames(attachments: Any) -> bool:
    names = [a.filename for a in attachments if a.filename]
    return len(names) == len(set(names))


# BT-3 codes Peppol BIS Billing 3.0 allows under billing process 01 (P0100 invoices, with 326 and 384 when both
# parties are German (P0112); P0101 credit notes)
_PEPPOL_INVOICE_TYPES = frozenset("71 80 82 84 102 218 219 326 331 380 382 383 384 386 388 393 395 553 575 623 "
                                  "780 817 870 875 876 877".split())
_PEPPOL_CREDIT_TYPES = frozenset("81 83 381 396 532".split())


def _billing_01(credit_note: bool) -> Callable[[Document], bool]:
    """Peppol's type-code lists apply to the documents of billing process 01 (BT-23 ``...:billing:01:1.0``)."""
    return lambda doc: doc.is_credit_note is credit_note and doc.process_id == PEPPOL_PROCESS

_PEPPOL_PROCESS_FORMAT = re.compile(r"urn:fdc:peppol\.eu:2017:poacc:billing:\d\d:1\.0")

# PEPPOL-EN16931-R061 asks for the mandate reference on the payment means 49 and 59 (direct debit) whether the
# direct debit group is there or not; KoSIT's XRechnung stylesheet asserts it too.
_MANDATE = Requirement("BT-89", ("payment.direct_debit.mandate_id",), R.PEPPOL_EN16931_R061, "the mandate reference "
                       "of the direct debit, for payment means 49 or 59", when=_means("49", "59"))


def _line_date_within(side: str) -> Callable[[Document, Any], bool]:
    """A line period's start (``side="start"``) or end date within the invoicing period, when it states that date."""
    def within(doc: Document, value: Any) -> bool:
        bound = getattr(doc.invoicing_period, side, None)
        if value is None or bound is None:
            return True
        return bool(value >= bound if side == "start" else value <= bound)
    return within


# PEPPOL-EN16931-R110 and R111; KoSIT's XRechnung stylesheet asserts them too
_LINE_PERIODS = (
    Requirement("BT-134", ("lines.*.period.start",), R.PEPPOL_EN16931_R110, "a line period start date not before "
                "the start date of the invoicing period (BT-73)", within=_line_date_within("start")),
    Requirement("BT-135", ("lines.*.period.end",), R.PEPPOL_EN16931_R111, "a line period end date not after the "
                "end date of the invoicing period (BT-74)", within=_line_date_within("end")),
)

# No row for what EN 16931 requires too, which the model refuses already: XRechnung's BR-DE-16 (a seller VAT or
# tax registration identifier, or a tax representative, with VAT categories S, Z, E, AE, K, G, L, M: BR-S-02 ...
# BR-AG-02) and BR-DE-23-a (a credit transfer account with payment means 30 or 58: BR-61).
_XRECHNUNG = (
    Requirement("BT-10", ("buyer_reference",), R.BR_DE_15, "the buyer reference (Leitweg-ID)"),
    Requirement("BT-23", ("process_id",), R.PEPPOL_EN16931_R001, "the business process"),
    Requirement("BG-6", ("seller.contact",), R.BR_DE_2, "the seller contact"),
    Requirement("BT-41", ("seller.contact.name",), R.BR_DE_5, "the seller contact point"),
    Requirement("BT-42", ("seller.contact.phone",), R.BR_DE_6, "the seller contact telephone number"),
    Requirement("BT-43", ("seller.contact.email",), R.BR_DE_7, "the seller contact email address"),
    Requirement("BT-37", ("seller.address.city",), R.BR_DE_3, "the seller city"),
    Requirement("BT-38", ("seller.address.postal_code",), R.BR_DE_4, "the seller post code"),
    Requirement("BT-52", ("buyer.address.city",), R.BR_DE_8, "the buyer city"),
    Requirement("BT-53", ("buyer.address.postal_code",), R.BR_DE_9, "the buyer post code"),
    Requirement("BT-77", ("delivery.address.city",), R.BR_DE_10, "the deliver-to city, when a deliver-to "
                "address (BG-15) is given", when=_present("delivery.address")),
    Requirement("BT-78", ("delivery.address.postal_code",), R.BR_DE_11, "the deliver-to post code, when a "
                "deliver-to address (BG-15) is given", when=_present("delivery.address")),
    Requirement("BT-34", ("seller.electronic_address",), R.PEPPOL_EN16931_R020, "the seller electronic address"),
    Requirement("BT-49", ("buyer.electronic_address",), R.PEPPOL_EN16931_R010, "the buyer electronic address"),
    Requirement("BG-16", ("payment",), R.BR_DE_1, "the payment instructions"),
    Requirement("BG-18", ("payment.card",), R.BR_DE_24_a, "the payment card, for payment means 48, 54 or 55",
                when=_means("48", "54", "55")),
    Requirement("BG-19", ("payment.direct_debit",), R.BR_DE_25_a, "the direct debit, for payment means 59",
                when=_means("59")),
    Requirement("BT-90", ("payment.direct_debit.creditor_id",), R.BR_DE_30, "the bank assigned creditor "
                "identifier of the direct debit", when=_present("payment.direct_debit")),
    Requirement("BT-91", ("payment.direct_debit.debited_account",), R.BR_DE_31, "the debited account of the "
                "direct debit", when=_present("payment.direct_debit")),
    _MANDATE,
    Requirement("BG-18/BG-19", ("payment",), R.BR_DE_23_b, "no payment card nor direct debit with payment means "
                "30 or 58", when=_means("30", "58"), accepts=lambda p: p.card is None and p.direct_debit is None),
    Requirement("BG-17/BG-19", ("payment",), R.BR_DE_24_b, "no credit transfer nor direct debit with payment "
                "means 48, 54 or 55", when=_means("48", "54", "55"),
                accepts=lambda p: not p.credit_transfers and p.direct_debit is None),
    Requirement("BG-17/BG-18", ("payment",), R.BR_DE_25_b, "no credit transfer nor payment card with payment "
                "means 59", when=_means("59"), accepts=lambda p: not p.credit_transfers and p.card is None),
    Requirement("BT-125-2", ("attachments",), R.BR_DE_22, "attachments whose file names differ",
                accepts=_distinct_filenames),
    Requirement("BT-119", ("totals.vat_breakdown.*.rate",), R.BR_DE_14, "the VAT category rate of every VAT "
                "breakdown (category O carries none)"),
    *_LINE_PERIODS,
)

_PEPPOL = (
    Requirement("BT-23", ("process_id",), R.PEPPOL_EN16931_R001, "the business process"),
    Requirement("BT-23", ("process_id",), R.PEPPOL_EN16931_R007, "a business process of the form "
                "urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0",
                accepts=lambda v: _PEPPOL_PROCESS_FORMAT.fullmatch(v) is not None),
    Requirement("BT-10/BT-13", ("buyer_reference", "purchase_order"), R.PEPPOL_EN16931_R003,
                "the buyer reference or the purchase order reference"),
    Requirement("BT-34", ("seller.electronic_address",), R.PEPPOL_EN16931_R020, "the seller electronic address"),
    Requirement("BT-49", ("buyer.electronic_address",), R.PEPPOL_EN16931_R010, "the buyer electronic address"),
    Requirement("BT-34-1", ("seller.electronic_address.scheme",), R.PEPPOL_EN16931_CL008,
                "an electronic address scheme of the EAS code list", when=_present("seller.electronic_address"),
                accepts=lambda v: v in code_set("eas")),
    Requirement("BT-49-1", ("buyer.electronic_address.scheme",), R.PEPPOL_EN16931_CL008,
                "an electronic address scheme of the EAS code list", when=_present("buyer.electronic_address"),
                accepts=lambda v: v in code_set("eas")),
    Requirement("BG-1", ("notes",), R.PEPPOL_EN16931_R002, "at most one note, unless seller and buyer are both "
                "German (a French seller's late-payment mentions PMD, PMT and AAB are notes too: state them in "
                "the one note and set late_payment_mentions to false)", when=_not_both_german,
                accepts=lambda v: len(v) <= 1, value=legal_notes),
    Requirement("BT-3", ("type_code",), R.PEPPOL_EN16931_P0100, "an invoice type code of billing process 01 "
                f"({' '.join(sorted(_PEPPOL_INVOICE_TYPES, key=int))}; 326 and 384 between German parties only, "
                "P0112)", when=_billing_01(False), accepts=lambda v: v in _PEPPOL_INVOICE_TYPES),
    Requirement("BT-3", ("type_code",), R.PEPPOL_EN16931_P0101, "a credit note type code of billing process 01 "
                f"({' '.join(sorted(_PEPPOL_CREDIT_TYPES, key=int))})", when=_billing_01(True),
                accepts=lambda v: v in _PEPPOL_CREDIT_TYPES),
    Requirement("BT-3", ("type_code",), R.PEPPOL_EN16931_P0112, "type code 326 or 384 only when seller and buyer "
                "are both German", when=_not_both_german, accepts=lambda v: v not in ("326", "384")),
    Requirement("BT-94", ("allowances_charges.*", "lines.*.allowances_charges.*"), R.PEPPOL_EN16931_R042,
                "the percentage of an allowance or charge that states its base amount",
                accepts=lambda ac: ac.base_amount is None or ac.percent is not None),
    _MANDATE,
    *_LINE_PERIODS,
)

# The national rules of Peppol BIS Billing 3.0 that a writer can know are broken, by the seller's country.
# German (DE-R-*, seller and buyer in Germany, UBL only): XRechnung's rows under their Peppol ids; none for DE-R-016
# and DE-R-023-1 (as for BR-DE-16 and BR-DE-23-a above) nor DE-R-018 (the Skonto lines of BT-20, as for BR-DE-18);
# DE-R-022 compares the names of the embedded files without regard to case.
_DE_R = {R.BR_DE_1: R.DE_R_001, R.BR_DE_2: R.DE_R_002, R.BR_DE_3: R.DE_R_003, R.BR_DE_4: R.DE_R_004,
         R.BR_DE_5: R.DE_R_005, R.BR_DE_6: R.DE_R_006, R.BR_DE_7: R.DE_R_007, R.BR_DE_8: R.DE_R_008,
         R.BR_DE_9: R.DE_R_009, R.BR_DE_10: R.DE_R_010, R.BR_DE_11: R.DE_R_011, R.BR_DE_14: R.DE_R_014,
         R.BR_DE_15: R.DE_R_015, R.BR_DE_22: R.DE_R_022, R.BR_DE_23_b: R.DE_R_023_2, R.BR_DE_24_a: R.DE_R_024_1,
         R.BR_DE_24_b: R.DE_R_024_2, R.BR_DE_25_a: R.DE_R_025_1, R.BR_DE_25_b: R.DE_R_025_2, R.BR_DE_30: R.DE_R_030,
         R.BR_DE_31: R.DE_R_031}


def _german_pair(when: Callable[[Document], bool] | None) -> Callable[[Document], bool]:
    """``$supplierCountryIsDE and $customerCountryIsDE``: both postal addresses (BT-40, BT-55) in Germany."""
    return lambda doc: (doc.seller.country.upper() == "DE" and doc.buyer.country.upper() == "DE"
                        and (when is None or when(doc)))


def _distinct_embedded_filenames(attachments: Any) -> bool:
    names = [a.filename.lower() for a in attachments if a.filename and a.content is not None]
    return len(names) == len(set(names))


_PEPPOL_DE = tuple(dataclasses.replace(
    req, rule=_DE_R[req.rule], what=f"{req.what} (seller and buyer in Germany)", when=_german_pair(req.when),
    syntaxes=("ubl",), accepts=_distinct_embedded_filenames if req.rule == R.BR_DE_22 else req.accepts)
    for req in _XRECHNUNG if req.rule in _DE_R)


def _seller_country(doc: Document) -> str:
    """``$supplierCountry``: the first two letters of the seller's VAT identifier (else of its tax
    representative's), else the country of its postal address, else ``XX``; upper-cased."""
    representative = doc.tax_representative
    vat = (doc.seller.vat_id or (representative.vat_id if representative is not None else None) or "").strip()
    return vat[:2].upper() if vat else doc.seller.country.strip().upper() or "XX"


def _italian(doc: Document) -> bool:
    return _seller_country(doc) == "IT"


def _length_11_to_16(value: Any) -> bool:
    return 11 <= len(" ".join(str(value).split())) <= 16


# Italian (IT-R-*, by $supplierCountry, UBL and CII). In CII IT-R-001 reads every tax registration of the seller,
# its VAT identifier (BT-31) too: an Italian one has 13 characters, or the model refuses it (FXE-VAT-ID).
_PEPPOL_IT = (
    Requirement("BT-32", ("seller.tax_id",), R.IT_R_001, "a seller tax registration identifier of 11 to 16 "
                "characters (an Italian seller)", when=_italian, accepts=_length_11_to_16),
    Requirement("BT-35", ("seller.address.line1",), R.IT_R_002, "the seller address line 1 (an Italian seller)",
                when=_italian),
    Requirement("BT-37", ("seller.address.city",), R.IT_R_003, "the seller city (an Italian seller)", when=_italian),
    Requirement("BT-38", ("seller.address.postal_code",), R.IT_R_004, "the seller post code (an Italian seller)",
                when=_italian),
)



def _dutch(*parties: str) -> Callable[[Document], bool]:
    """``$supplierCountryIsNL`` (and ``$customerCountryIsNL``, ``$taxRepresentativeCountryIsNL``): the postal
    address of each of ``parties`` (``seller``, ``buyer``, ``tax_representative``) in the Netherlands."""
    def applies(doc: Document) -> bool:
        return all(getattr(getattr(doc, p), "address", None) is not None
                   and getattr(doc, p).address.country.upper() == "NL" for p in parties)
    return applies


def _nl_with(applies: Callable[[Document], bool], more: Callable[[Document], bool]) -> Callable[[Document], bool]:
    return lambda doc: applies(doc) and more(doc)


_NL_CREDIT_TYPES = frozenset("81 83 381 396 532".split())  # the credit note codes NL-R-001 reads in CII
_KVK_OIN = ("0106", "0190")
_NL_MEANS = ("30", "48", "49", "57", "58", "59")
_NL, _NL2 = _dutch("seller"), _dutch("seller", "buyer")
_NL_REP = _dutch("seller", "tax_representative")


def _address_rows(rule: str, party: str, terms: tuple[str, str, str], who: str,
                  when: Callable[[Document], bool]) -> tuple[Requirement, ...]:
    """NL-R-002, 004, 006: a street (address line 1), a city and a post code in the address of ``party``."""
    return tuple(Requirement(term, (f"{party}.address.{field}",), rule, f"the {what} of the {who}", when=when)
                 for term, field, what in zip(terms, ("line1", "city", "postal_code"),
                                              ("street (address line 1)", "city", "post code")))


# Dutch (NL-R-*, by the postal addresses of the seller, the buyer and the tax representative, UBL and CII).
_PEPPOL_NL = (
    Requirement("BT-25", ("preceding_invoices",), R.NL_R_001, "a preceding invoice reference in a credit note "
                "(a Dutch seller)", when=_nl_with(_NL, lambda doc: doc.is_credit_note), syntaxes=("ubl",)),
    Requirement("BT-25", ("preceding_invoices",), R.NL_R_001, "a preceding invoice reference in a credit note "
                "(a Dutch seller)", when=_nl_with(_NL, lambda doc: doc.type_code in _NL_CREDIT_TYPES),
                syntaxes=("cii",)),
    *_address_rows(R.NL_R_002, "seller", ("BT-35", "BT-37", "BT-38"), "seller (a Dutch seller)", _NL),
    Requirement("BT-30-1", ("seller.legal_id",), R.NL_R_003, "a seller legal registration identifier of scheme "
                "0106 (KvK) or 0190 (OIN) (a Dutch seller)", when=_NL, accepts=lambda i: i.scheme in _KVK_OIN),
    *_address_rows(R.NL_R_004, "buyer", ("BT-50", "BT-52", "BT-53"), "buyer (a Dutch seller and buyer)", _NL2),
    Requirement("BT-47-1", ("buyer.legal_id",), R.NL_R_005, "a buyer legal registration identifier of scheme 0106 "
                "(KvK) or 0190 (OIN) (a Dutch seller and buyer)", when=_NL2, accepts=lambda i: i.scheme in _KVK_OIN),
    *_address_rows(R.NL_R_006, "tax_representative", ("BT-64", "BT-66", "BT-67"),
                   "tax representative (a Dutch seller and tax representative)", _NL_REP),
    Requirement("BG-16", ("payment",), R.NL_R_007, "the payment instructions when an amount is due (a Dutch "
                "seller)", when=_nl_with(_NL, lambda doc: doc.totals.due > 0)),
    Requirement("BT-81", ("payment.means_code",), R.NL_R_008, f"a payment means code of {', '.join(_NL_MEANS)} (a "
                "Dutch seller and buyer)", when=_NL2, accepts=lambda code: code in _NL_MEANS),
    Requirement("BT-13", ("purchase_order",), R.NL_R_009, "the purchase order reference when a line refers to an "
                "order line (a Dutch seller)", when=_nl_with(_NL, _present("lines.*.order_line_ref"))),
)

# Factur-X EXTENDED (and EXTENDED-CTC-FR): its CII Schematron states BR-CO-25 for every type code, credit notes too
# (context: the document), where the EN 16931 profile's stylesheet does not state it; the EXTENDED-CTC-FR UBL one
# states it on the invoice's PayableAmount only (a UBL CreditNote is not asked).
_DUE_TERMS = ("BT-9/BT-20", ("due_date", "payment_terms"), R.BR_CO_25)
_EXTENDED = (
    Requirement(*_DUE_TERMS, "a payment due date or payment terms when an amount is due (a credit note too: the "
                "amount refunded)", when=lambda doc: doc.totals.due > 0, syntaxes=("cii",)),
    Requirement(*_DUE_TERMS, "a payment due date or payment terms when an amount is due",
                when=lambda doc: doc.totals.due > 0 and not doc.is_credit_note, syntaxes=("ubl",)),
)

_NAMES = {r.key: r.name for r in RULE_SETS}
_FACTURX = tuple(Spec(p.value.lower().replace(" ", ""), f"Factur-X {p.value}", p.guideline, p,
                      ("cii", "ubl") if p is Profile.EN16931 else ("cii",),
                      requires=_EXTENDED if p is Profile.EXTENDED else ()) for p in Profile)
SPECS: tuple[Spec, ...] = (
    Spec("cen", _NAMES["cen"], _guideline("cen"), Profile.EN16931),
    *_FACTURX,
    Spec("extended-ctc-fr", f"Factur-X {_NAMES['extended-ctc-fr']}", _guideline("extended-ctc-fr"),
         Profile.EXTENDED, requires=_EXTENDED),
    Spec("xrechnung", "XRechnung 3.0", _guideline("xrechnung"), Profile.EN16931, process=PEPPOL_PROCESS,
         requires=_XRECHNUNG),
    Spec("peppol", _NAMES["peppol"], _guideline("peppol"), Profile.EN16931, process=PEPPOL_PROCESS,
         requires=(*_PEPPOL, *_PEPPOL_DE, *_PEPPOL_IT, *_PEPPOL_NL)),
)
"""Every target specification, by the name ``spec=`` takes (the Factur-X profiles by their lower-case
name without blanks: ``basicwl``, ``en16931``)."""

SPEC_NAMES = tuple(s.name for s in SPECS)
_BY_NAME = {s.name: s for s in SPECS}


def spec(name: str | Spec) -> Spec:
    """The row of a target specification: its name (``xrechnung``, ``peppol``, ``cen``,
    ``extended-ctc-fr``) or a Factur-X profile name in any spelling :meth:`Profile.parse` accepts."""
    if isinstance(name, Spec):
        return name
    key = str(name).strip().lower()
    found = _BY_NAME.get(key)
    if found is None:
        try:
            found = _BY_NAME[Profile.parse(key).value.lower().replace(" ", "")]
        except ValueError:
            raise ProfileError(f"unknown target specification {name!r} (expected one of: "
                               f"{', '.join(SPEC_NAMES)})", field="spec", bt="BT-24") from None
    return found


def _filled(value: Any) -> bool:
    return value is not None and value != "" and value != ()


def field_values(obj: Any, path: str, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(concrete path, value)`` of a dotted path; ``*`` walks every item of a repeated field."""
    head, _, rest = path.partition(".")
    if head == "*":
        for i, item in enumerate(obj or ()):
            where = f"{prefix[:-1]}[{i}]."
            yield from field_values(item, rest, where) if rest else iter([(where[:-1], item)])
        return
    value = getattr(obj, head, None) if obj is not None else None
    if rest and value is not None:
        yield from field_values(value, rest, f"{prefix}{head}.")
    else:
        yield f"{prefix}{path}" if value is None else f"{prefix}{head}", value


def _accepts(req: Requirement, doc: Document) -> Callable[[Any], bool] | None:
    """The test of a value of ``req`` in ``doc`` (None: any non-empty value)."""
    within = req.within
    if within is None:
        return req.accepts
    return lambda value: within(doc, value)


def missing(target: Spec, doc: Document, syntax: str | None = None) -> list[tuple[Requirement, str]]:
    """The requirements of ``target`` that ``doc`` does not meet, each with the model field to fill in
    (the first one of the requirement, or each item of a repeated field that lacks it or is not accepted);
    with ``syntax`` (``"cii"`` or ``"ubl"``) only those stated for that syntax."""
    out: list[tuple[Requirement, str]] = []
    for req in target.requires:
        if (syntax is not None and syntax not in req.syntaxes) or (req.when is not None and not req.when(doc)):
            continue
        found = [(req.fields[0], req.value(doc))] if req.value is not None else \
            [pair for path in req.fields for pair in field_values(doc, path)]
        accepts = _accepts(req, doc)
        if "*" in req.fields[0]:  # every item of the repeated field must carry it (or be accepted)
            out += [(req, where) for where, value in found
                    if not (_filled(value) if accepts is None else accepts(value))]
            continue
        filled = [(where, value) for where, value in found if _filled(value)]
        if accepts is None:
            if not filled:
                out.append((req, req.fields[0]))
        elif filled and not any(accepts(value) for _, value in filled):
            out.append((req, filled[0][0]))  # its absence, when it matters, is another requirement
    return out


def check(target: Spec, doc: Document, syntax: str) -> Document:
    """The document to write for ``target`` in ``syntax`` (``"cii"`` or ``"ubl"``): ``doc`` with the
    spec's BT-23 when it states none; :class:`ProfileError` when the spec has no such syntax,
    :class:`ModelError` naming every missing business term, field and rule when ``doc`` lacks what the
    spec requires."""
    if syntax not in target.syntaxes:
        ubl = ", ".join(s.name for s in SPECS if "ubl" in s.syntaxes)
        raise ProfileError(f"{target.title} is written in CII only (a Factur-X profile); the specs written in UBL "
                           f"2.1 are: {ubl}", field="spec", bt="BT-24")
    if target.process is not None and not doc.process_id:
        # a copy with the spec's constant BT-23: nothing the model checks or computes depends on BT-23 but
        # its characters (a known constant), so the document is not built and computed again
        doc = copy.copy(doc)
        object.__setattr__(doc, "process_id", target.process)
    gaps = missing(target, doc, syntax)
    if gaps:
        raise _refusal(target, gaps)
    return doc


def _refusal(target: Spec, gaps: list[tuple[Requirement, str]]) -> ModelError:
    head = f"{target.title} ({target.guideline}) requires"
    if len(gaps) == 1:
        req, where = gaps[0]
        return ModelError(f"{head} {req.what}", field=where, bt=req.terms, rule=req.rule)
    items = "; ".join(f"{where} ({req.terms}): {req.what} [{req.rule}]" for req, where in gaps)
    return ModelError(f"{head} {len(gaps)} things the document does not meet: {items}")
