"""Lifecycle statuses of the French 2026 reform: the status message a party sends about an invoice.

On the wire a status is a CDAR message (UN/CEFACT Cross Domain Acknowledgement and Response D22B; written
and read by :mod:`facturx_engine.syntax.cdar`) judged by the French BR-FR-CDV rules. This module holds the
message as data and the rules the engine applies itself, each refusal a :class:`ModelError` naming the field
and, where one applies, the BR-FR-CDV rule by the id of the assertion the official Schematron reports for the
same check (``BR-FR-CDV-CL-09_MDT-113_210`` ...), so that one rule has one id whoever finds it.

* :class:`InvoiceLifecycleStatus` -- the one statement of the mapping code <-> French name <-> English
  name <-> platform enum name (``InvoiceLifecycleStatus.DEPOSITED`` is ``"200"``, "Déposée", "Deposited"),
  with the phase each status belongs to (MDT-77: 305 transmission, 23 processing) and the document status
  code (MDT-88) written with it. Every code the official Schematron's list accepts is a member; those whose
  name the engine does not know (250, 251, 300, ...) are ``CODE_250`` ... and say so.
* :data:`REASONS` -- the reason codes (MDT-113) the Schematron accepts, with a French and an English label;
  :data:`STATUS_REASONS` the codes allowed for the statuses that restrict them (BR-FR-CDV-CL-09), and
  :data:`REASON_REQUIRED` the statuses that need one (BR-FR-CDV-15).
* :class:`StatusParty`, :class:`StatusReason`, :class:`StatusAmount`, :class:`StatusMessage`.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum

from facturx_engine import ruleids as R
from facturx_engine.errors import ModelError
from facturx_engine.model import numbers as _numbers
from facturx_engine.model.wellformed import forbidden_char

__all__ = [
    "AMOUNT_TYPES", "B2G_REFUSAL_REASONS", "BUSINESS_PROCESSES", "GUIDELINE", "GUIDELINE_PPF", "PARTY_ROLES",
    "REASONS", "REASON_REQUIRED", "STATUS_REASONS", "InvoiceLifecycleStatus", "StatusAmount", "StatusMessage",
    "StatusParty", "StatusReason",
]

TRANSMISSION, PROCESSING = "305", "23"
"""The two phases of MDT-77 (``AcknowledgementDocument/TypeCode``): a platform transmitting the invoice, or
a party processing it."""


class InvoiceLifecycleStatus(str, Enum):
    """A lifecycle status: ``value`` is its code (MDT-105), with ``french`` / ``english`` names, its
    ``phase`` (MDT-77: ``"305"`` transmission by a platform, ``"23"`` processing by a party) and the UN/CEFACT
    document status code ``document_status`` (MDT-88) written with it (None: none is written)."""

    french: str
    english: str
    phase: str
    document_status: str | None
    named: bool

    def __new__(cls, code: str, french: str, english: str, phase: str,
                document_status: str | None = None) -> InvoiceLifecycleStatus:
        member = str.__new__(cls, code)
        member._value_ = code
        member.french, member.english, member.phase = french, english, phase
        member.document_status = document_status
        member.named = not french.startswith("Code ")
        return member

    DEPOSITED = ("200", "Déposée", "Deposited", TRANSMISSION, "10")
    ISSUED = ("201", "Émise par la plateforme", "Issued by the platform", TRANSMISSION, "51")
    RECEIVED = ("202", "Reçue par la plateforme", "Received by the platform", TRANSMISSION, "43")
    MADE_AVAILABLE = ("203", "Mise à disposition", "Made available", TRANSMISSION, "48")
    IN_HAND = ("204", "Prise en charge", "In hand", PROCESSING, "45")
    APPROVED = ("205", "Approuvée", "Approved", PROCESSING, "1")
    PARTIALLY_APPROVED = ("206", "Approuvée partiellement", "Partially approved", PROCESSING, "49")
    DISPUTED = ("207", "En litige", "Disputed", PROCESSING, "46")
    SUSPENDED = ("208", "Suspendue", "Suspended", PROCESSING, "39")
    COMPLETED = ("209", "Complétée", "Completed", PROCESSING, "37")
    REFUSED = ("210", "Refusée", "Refused", PROCESSING, "50")
    PAYMENT_TRANSMITTED = ("211", "Paiement transmis", "Payment transmitted", PROCESSING, "47")
    PAYMENT_RECEIVED = ("212", "Encaissée", "Payment received", PROCESSING, "47")
    REJECTED = ("213", "Rejetée", "Rejected", TRANSMISSION, "8")
    ENDORSED = ("214", "Visée", "Endorsed", PROCESSING)
    CANCELLED = ("220", "Annulée", "Cancelled", PROCESSING)
    ROUTING_ERROR = ("221", "Erreur de routage", "Routing error", TRANSMISSION)
    DIRECT_PAYMENT_REQUESTED = ("224", "Demande de paiement direct", "Direct payment requested", PROCESSING)
    FACTORED = ("225", "Affacturée", "Factored", PROCESSING)
    FACTORED_CONFIDENTIAL = ("226", "Affacturée confidentiel", "Factored (confidential)", PROCESSING)
    PAYMENT_ACCOUNT_CHANGED = ("227", "Changement de compte à payer", "Account to pay changed", PROCESSING)
    NOT_FACTORED = ("228", "Non affacturée", "Not factored", PROCESSING)
    CODE_250 = ("250", "Code 250 (liste BR-FR-CDV)", "Code 250 (BR-FR-CDV list, no name known)", PROCESSING)
    CODE_251 = ("251", "Code 251 (liste BR-FR-CDV)", "Code 251 (BR-FR-CDV list, no name known)", PROCESSING)
    CODE_300 = ("300", "Code 300 (liste BR-FR-CDV)", "Code 300 (BR-FR-CDV list, no name known)", PROCESSING)
    CODE_301 = ("301", "Code 301 (liste BR-FR-CDV)", "Code 301 (BR-FR-CDV list, no name known)", PROCESSING)
    CODE_400 = ("400", "Code 400 (liste BR-FR-CDV)", "Code 400 (BR-FR-CDV list, no name known)", PROCESSING)
    CODE_401 = ("401", "Code 401 (liste BR-FR-CDV)", "Code 401 (BR-FR-CDV list, no name known)", PROCESSING)
    CODE_500 = ("500", "Code 500 (liste BR-FR-CDV)", "Code 500 (BR-FR-CDV list, no name known)", PROCESSING)
    INADMISSIBLE = ("501", "Irrecevable", "Inadmissible", TRANSMISSION)
    CODE_601 = ("601", "Code 601 (liste BR-FR-CDV)", "Code 601 (BR-FR-CDV list, no name known)", PROCESSING)

    @property
    def reported_to_tax_platform(self) -> bool:
        """Whether this status is also reported to the tax administration's platform (200, 210, 212, 213)."""
        return self.value in ("200", "210", "212", "213")

    @classmethod
    def of(cls, code: object) -> InvoiceLifecycleStatus:
        """The status of a code (``"210"``, ``210``), an enum name (``"REFUSED"``) or a member;
        :class:`ModelError` for anything else [BR-FR-CDV-CL-06]."""
        if isinstance(code, cls):
            return code
        text = str(code).strip()
        for member in cls:
            if text in (member.value, member.name):
                return member
        raise ModelError(f"unknown lifecycle status {code!r}; expected one of "
                         f"{', '.join(m.value for m in cls)}", field="status", rule=R.BR_FR_CDV_CL_06_MDT_105)


PARTY_ROLES: dict[str, tuple[str, str]] = {
    "BY": ("Acheteur", "Buyer"),
    "AB": ("Agent de l'acheteur", "Buyer's agent"),
    "DL": ("Affactureur", "Factor"),
    "SE": ("Vendeur", "Seller"),
    "SR": ("Agent du vendeur", "Seller's agent"),
    "WK": ("Plateforme de dématérialisation", "Dematerialisation platform"),
    "DFH": ("Portail public de facturation (PPF)", "Public invoicing portal (PPF)"),
    "PE": ("Bénéficiaire", "Payee"),
    "PR": ("Payeur", "Payer"),
    "II": ("Facturant", "Invoicer"),
    "IV": ("Facturé", "Invoicee"),
}
"""The party roles (UNCL 3035 codes) the BR-FR-CDV rules accept, with French and English names."""

_SENDER_ROLES = {PROCESSING: frozenset(PARTY_ROLES) - {"DFH"}, TRANSMISSION: frozenset({"WK"})}
"""Roles of the sender (MDT-21) by phase [BR-FR-CDV-CL-02]."""
_ISSUER_ROLES = {PROCESSING: frozenset(PARTY_ROLES) - {"DFH", "WK"}, TRANSMISSION: frozenset({"WK"})}
"""Roles of the issuer (MDT-40) by phase [BR-FR-CDV-CL-03]."""
_SENDER_RULES = {PROCESSING: R.BR_FR_CDV_CL_02_MDT_21_23, TRANSMISSION: R.BR_FR_CDV_CL_02_MDT_21_305}
_ISSUER_RULES = {PROCESSING: R.BR_FR_CDV_CL_03_MDT_40_23, TRANSMISSION: R.BR_FR_CDV_CL_03_MDT_40_305}
_ADDRESSLESS = frozenset({"WK", "DFH"})
"""Recipient roles that need no electronic address (MDT-73) [BR-FR-CDV-08]."""

REASONS: dict[str, tuple[str, str]] = {
    "NON_TRANSMISE": ("Destinataire non connecté", "Recipient not connected"),
    "JUSTIF_ABS": ("Justificatif absent ou insuffisant", "Supporting document missing or insufficient"),
    "ROUTAGE_ERR": ("Erreur de routage", "Routing error"),
    "AUTRE": ("Autre", "Other"),
    "COORD_BANC_ERR": ("Coordonnées bancaires erronées", "Wrong bank details"),
    "TX_TVA_ERR": ("Taux de TVA erroné", "Wrong VAT rate"),
    "MONTANTTOTAL_ERR": ("Montant total erroné", "Wrong total amount"),
    "CALCUL_ERR": ("Erreur de calcul", "Calculation error"),
    "NON_CONFORME": ("Facture non conforme", "Invoice not compliant"),
    "DOUBLON": ("Doublon", "Duplicate"),
    "DEST_INC": ("Destinataire inconnu", "Unknown recipient"),
    "DEST_ERR": ("Destinataire erroné", "Wrong recipient"),
    "TRANSAC_INC": ("Transaction inconnue", "Unknown transaction"),
    "EMMET_INC": ("Émetteur inconnu", "Unknown issuer"),
    "CONTRAT_TERM": ("Contrat terminé", "Contract ended"),
    "DOUBLE_FACT": ("Double facturation", "Invoiced twice"),
    "CMD_ERR": ("Référence de commande erronée", "Wrong order reference"),
    "ADR_ERR": ("Adresse erronée", "Wrong address"),
    "SIRET_ERR": ("SIRET erroné", "Wrong SIRET"),
    "CODE_ROUTAGE_ERR": ("Code de routage erroné", "Wrong routing code"),
    "REF_CT_ABSENT": ("Référence contractuelle absente", "Contract reference missing"),
    "REF_ERR": ("Référence erronée", "Wrong reference"),
    "PU_ERR": ("Prix unitaire erroné", "Wrong unit price"),
    "REM_ERR": ("Remise erronée", "Wrong discount"),
    "QTE_ERR": ("Quantité erronée", "Wrong quantity"),
    "ART_ERR": ("Article erroné", "Wrong item"),
    "MODPAI_ERR": ("Modalités de paiement erronées", "Wrong payment terms"),
    "QUALITE_ERR": ("Qualité non conforme", "Quality not as agreed"),
    "LIVR_INCOMP": ("Livraison incomplète", "Incomplete delivery"),
    "REJ_SEMAN": ("Rejet sémantique", "Semantic rejection"),
    "REJ_UNI": ("Rejet pour non-unicité", "Rejected as not unique"),
    "REJ_COH": ("Rejet pour incohérence", "Rejected as inconsistent"),
    "REJ_ADR": ("Rejet d'adressage", "Addressing rejection"),
    "REJ_CONT_B2G": ("Rejet des contrôles B2G", "B2G checks failed"),
    "REJ_REF_PJ": ("Rejet : pièce jointe référencée", "Rejection: referenced attachment"),
    "REJ_ASS_PJ": ("Rejet : pièce jointe associée", "Rejection: associated attachment"),
    "IRR_VIDE_F": ("Fichier vide", "Empty file"),
    "IRR_TYPE_F": ("Type de fichier non conforme", "File type not accepted"),
    "IRR_SYNTAX": ("Syntaxe invalide", "Invalid syntax"),
    "IRR_TAILLE_PJ": ("Pièce jointe trop volumineuse", "Attachment too large"),
    "IRR_NOM_PJ": ("Nom de pièce jointe non conforme", "Attachment name not accepted"),
    "IRR_VID_PJ": ("Pièce jointe vide", "Empty attachment"),
    "IRR_EXT_DOC": ("Extension de pièce jointe non conforme", "Attachment extension not accepted"),
    "IRR_TAILLE_F": ("Fichier trop volumineux", "File too large"),
    "IRR_ANTIVIRUS": ("Virus détecté", "Virus found"),
    "IRR_NOM_F": ("Nom de fichier non conforme", "File name not accepted"),
    "RETRAIT_MAN_SERV": ("Motif B2G RETRAIT_MAN_SERV", "B2G reason RETRAIT_MAN_SERV (no name known)"),
    "ST_CT_NON_DECLAR": ("Motif B2G ST_CT_NON_DECLAR", "B2G reason ST_CT_NON_DECLAR (no name known)"),
    "SUPPR_COMP_AVOIR": ("Motif B2G SUPPR_COMP_AVOIR", "B2G reason SUPPR_COMP_AVOIR (no name known)"),
    "TRANSF_PMNT_REGIE": ("Motif B2G TRANSF_PMNT_REGIE", "B2G reason TRANSF_PMNT_REGIE (no name known)"),
    "CONTACT_ACHTR": ("Contacter l'acheteur", "Contact the buyer"),
}
"""Every reason code (MDT-113) of the BR-FR-CDV list [BR-FR-CDV-CL-09], with a French and an English label."""

_S = InvoiceLifecycleStatus
STATUS_REASONS: dict[InvoiceLifecycleStatus, tuple[str, ...]] = {
    _S.DEPOSITED: ("NON_TRANSMISE",),
    _S.PARTIALLY_APPROVED: ("AUTRE", "CMD_ERR", "SIRET_ERR", "CODE_ROUTAGE_ERR", "REF_CT_ABSENT", "REF_ERR", "PU_ERR",
                            "REM_ERR", "QTE_ERR", "ART_ERR", "MODPAI_ERR", "QUALITE_ERR", "LIVR_INCOMP"),
    _S.DISPUTED: ("AUTRE", "COORD_BANC_ERR", "TX_TVA_ERR", "MONTANTTOTAL_ERR", "CALCUL_ERR", "NON_CONFORME", "DOUBLON",
                  "DEST_INC", "DEST_ERR", "TRANSAC_INC", "EMMET_INC", "CONTRAT_TERM", "DOUBLE_FACT", "CMD_ERR",
                  "ADR_ERR", "SIRET_ERR", "CODE_ROUTAGE_ERR", "REF_CT_ABSENT", "REF_ERR", "PU_ERR", "REM_ERR",
                  "QTE_ERR", "ART_ERR", "MODPAI_ERR", "QUALITE_ERR", "LIVR_INCOMP"),
    _S.SUSPENDED: ("JUSTIF_ABS", "COORD_BANC_ERR", "CMD_ERR", "SIRET_ERR", "CODE_ROUTAGE_ERR", "REF_CT_ABSENT",
                   "REF_ERR"),
    _S.REFUSED: ("TX_TVA_ERR", "MONTANTTOTAL_ERR", "CALCUL_ERR", "NON_CONFORME", "DOUBLON", "DEST_ERR", "TRANSAC_INC",
                 "EMMET_INC", "CONTRAT_TERM", "DOUBLE_FACT", "CMD_ERR", "ADR_ERR", "REF_CT_ABSENT"),
    _S.REJECTED: ("MONTANTTOTAL_ERR", "CALCUL_ERR", "DOUBLON", "DEST_INC", "ADR_ERR", "REJ_SEMAN", "REJ_UNI",
                  "REJ_COH", "REJ_ADR", "REJ_CONT_B2G", "REJ_REF_PJ", "REJ_ASS_PJ"),
    _S.ROUTING_ERROR: ("ROUTAGE_ERR",),
    _S.INADMISSIBLE: ("IRR_VIDE_F", "IRR_TYPE_F", "IRR_SYNTAX", "IRR_TAILLE_PJ", "IRR_NOM_PJ", "IRR_VID_PJ",
                      "IRR_EXT_DOC", "IRR_TAILLE_F", "IRR_ANTIVIRUS", "IRR_NOM_F"),
}
"""The reason codes allowed for each status that restricts them [BR-FR-CDV-CL-09]; the other statuses take
any code of :data:`REASONS`."""

B2G_REFUSAL_REASONS: tuple[str, ...] = (
    "RETRAIT_MAN_SERV", "ST_CT_NON_DECLAR", "SUPPR_COMP_AVOIR", "TRANSF_PMNT_REGIE", "AUTRE", "COORD_BANC_ERR",
    "TX_TVA_ERR", "MONTANTTOTAL_ERR", "CALCUL_ERR", "NON_CONFORME", "DOUBLON", "DEST_ERR", "TRANSAC_INC", "EMMET_INC",
    "CONTRAT_TERM", "DOUBLE_FACT", "CMD_ERR", "ADR_ERR", "REF_CT_ABSENT", "LIVR_INCOMP")
"""The reason codes of a refusal (210) sent by the public sector's platform (sender ``0238`` ``9999``)
[BR-FR-CDV-CL-09]. The rule's text also names CONTACT_ACHTR; its test does not accept it (the test is the
oracle here)."""

REASON_REQUIRED = frozenset({_S.PARTIALLY_APPROVED, _S.DISPUTED, _S.SUSPENDED, _S.REFUSED, _S.REJECTED,
                             _S.INADMISSIBLE})
"""The statuses that carry at least one reason [BR-FR-CDV-15]."""
_REASON_RULES: dict[InvoiceLifecycleStatus, str] = {
    _S.DEPOSITED: R.BR_FR_CDV_CL_09_MDT_113_200, _S.PARTIALLY_APPROVED: R.BR_FR_CDV_CL_09_MDT_113_206,
    _S.DISPUTED: R.BR_FR_CDV_CL_09_MDT_113_207, _S.SUSPENDED: R.BR_FR_CDV_CL_09_MDT_113_208,
    _S.REFUSED: R.BR_FR_CDV_CL_09_MDT_113_210, _S.REJECTED: R.BR_FR_CDV_CL_09_MDT_113_213,
    _S.ROUTING_ERROR: R.BR_FR_CDV_CL_09_MDT_113_221, _S.INADMISSIBLE: R.BR_FR_CDV_CL_09_MDT_113_501,
}
"""The rule each status of :data:`STATUS_REASONS` restricts its reasons by (a refusal from the public sector's
platform: :data:`B2G_REFUSAL_REASONS`, ``BR-FR-CDV-CL-09_MDT-113_210B2G``)."""

AMOUNT_TYPES: dict[str, str] = {
    "MEN": "Montant encaissé (amount received)", "MPA": "Montant payé (amount paid)",
    "RAP": "Reste à payer (amount still due)", "ESC": "Escompte (early payment discount)",
    "RAB": "Rabais (price reduction)", "REM": "Remise (discount)", "MAP": "Montant approuvé HT (net amount approved)",
    "MAPTTC": "Montant approuvé TTC (gross amount approved)",
    "MNA": "Montant non approuvé HT (net amount not approved)",
    "MNATTC": "Montant non approuvé TTC (gross amount not approved)", "CBB": "Coordonnées bancaires (bank details)",
    "DIV": "Divers (other)", "DVA": "Date de valeur (value date)", "MAJ": "Majoration (surcharge)",
}
"""The characteristic type codes (MDT-207) the BR-FR-CDV rules accept [BR-FR-CDV-CL-11]."""

GUIDELINE = "urn.cpro.gouv.fr:1p0:CDV:invoice"
GUIDELINE_PPF = "urn.cpro.gouv.fr:1p0:CDV:einvoicingF2"
"""The two specification identifiers (MDT-3) [BR-FR-CDV-02]: a status between parties, or one sent to the
public invoicing portal (its only recipient: role DFH, ``0238`` ``0000``)."""
BUSINESS_PROCESSES = ("REGULATED", "NON_REGULATED", "B2C", "B2CINT", "B2BINT", "OUTOFSCOPE")
"""The business process values (MDT-2) the rule BR-FR-CDV-CL-01 names."""
_PLATFORM_SCHEME = "0238"
_ASCII_SCHEMES = frozenset({"0002", "0009", _PLATFORM_SCHEME})  # SIREN, SIRET, a platform's registration number


def _text(value: object, name: str, *, rule: str | None = None, required: bool = True, token: bool = False) -> None:
    """Refuse a missing, empty or non-text value, a character XML cannot carry, and (``token``: an identifier,
    an XML token) white space other than single inner spaces."""
    if value is None and not required:
        return
    if not isinstance(value, str) or not value.strip():
        raise ModelError("is required (a non-empty text)" if value in (None, "") else
                         f"must be a non-empty text, got {value!r}", field=name, rule=rule)
    char = forbidden_char(value)
    if char is not None:
        raise ModelError(f"holds U+{ord(char):04X}, a character XML cannot carry", field=name, rule=R.FXE_TEXT)
    if token and value != " ".join(re.split("[ \t\n\r]+", str(value).strip(" \t\n\r"))):
        raise ModelError(f"an identifier has no leading, trailing or repeated white space, got {value!r}", field=name,
                         rule=R.FXE_TEXT)


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusParty:
    """A party of a status message: its ``role`` (:data:`PARTY_ROLES`; the message checks which, each place by
    its own rule: sender BR-FR-CDV-CL-02, issuer CL-03, recipient CL-04, seller CL-07), ``identifier`` with its
    ``scheme`` (ICD: ``0002`` SIREN, ``0009`` SIRET, ``0238`` a platform's number), ``name`` and electronic
    address ``uri`` with its ``uri_scheme`` (EAS, e.g. ``0225``)."""

    role: str
    identifier: str | None = None
    scheme: str | None = None
    name: str | None = None
    uri: str | None = None
    uri_scheme: str | None = None

    def __post_init__(self) -> None:
        _text(self.role, "role", token=True)  # which roles are allowed depends on the party's place in the message
        for name in ("identifier", "scheme", "name", "uri", "uri_scheme"):
            _text(getattr(self, name), name, required=False, token=name != "name")
        if self.scheme is not None and self.identifier is None:
            raise ModelError("a scheme without an identifier", field="scheme")
        if self.scheme in _ASCII_SCHEMES and self.identifier is not None and not self.identifier.isascii():
            raise ModelError(f"an identifier of scheme {self.scheme} is written in ASCII letters and digits, got "
                             f"{self.identifier!r} (a full-width or another script's digit is another identifier)",
                             field="identifier")
        if self.uri_scheme is not None and self.uri is None:
            raise ModelError("an electronic address scheme without an address", field="uri_scheme")

    @property
    def is_platform(self) -> bool:
        return self.role == "WK"


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusReason:
    """A reason for the status (MDT-113 ``code`` of :data:`REASONS`) and its free ``text``."""

    code: str
    text: str | None = None

    def __post_init__(self) -> None:
        if self.code not in REASONS:
            raise ModelError(f"unknown reason code {self.code!r}; expected one of {', '.join(REASONS)}",
                             field="reasons.code", rule=R.BR_FR_CDV_CL_09_MDT_113)
        _text(self.text, "reasons.text", required=False)

    @property
    def french(self) -> str:
        return REASONS[self.code][0]

    @property
    def english(self) -> str:
        return REASONS[self.code][1]


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusAmount:
    """An amount of the status (MDT-215), of type ``kind`` (MDT-207, :data:`AMOUNT_TYPES`), with the VAT rate
    (MDT-224) it falls under. A payment received (212) states one ``MEN`` amount per VAT rate; a refund is
    negative."""

    amount: Decimal
    vat_rate: Decimal | None = None
    kind: str = "MEN"

    def __post_init__(self) -> None:
        if self.kind not in AMOUNT_TYPES:
            raise ModelError(f"unknown amount type {self.kind!r}; expected one of {', '.join(AMOUNT_TYPES)}",
                             field="amounts.kind", rule=R.BR_FR_CDV_CL_11_MDT_207)
        for name, places in (("amount", 2), ("vat_rate", 2)):
            value = getattr(self, name)
            if value is None and name == "vat_rate":
                continue
            if not isinstance(value, Decimal) or not value.is_finite():
                raise ModelError(f"must be a finite Decimal, got {value!r}", field=f"amounts.{name}",
                                 rule=R.FXE_NUMBER)
            exponent = value.normalize().as_tuple().exponent  # trailing zeros are no decimals (100.000 is 100)
            # the digits before the point by the magnitude (1E+999999 is one digit and a million zeros once written)
            if isinstance(exponent, int) and -exponent > places or value and value.adjusted() >= 19:
                raise ModelError(f"{_numbers.quoted(str(value))} has more than {places} decimals or 19 digits before "
                                 "the decimal point", field=f"amounts.{name}", rule=R.FXE_NUMBER)
        if self.vat_rate is not None and self.vat_rate < 0:
            raise ModelError(f"a VAT rate is not negative, got {self.vat_rate}", field="amounts.vat_rate",
                             rule=R.FXE_NUMBER)


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusMessage:
    """A lifecycle status about one invoice.

    The message: ``message_id`` (MDT-4), ``issued_at`` (MDG-4, to the second, no time zone), the parties
    ``sender`` (MDG-9: who transmits it), ``issuer`` (who issues the status) and ``recipients`` (at least one),
    ``business_process`` (MDT-2) and ``guideline`` (MDT-3). The invoice it answers: ``invoice_number`` (BT-1,
    MDT-87), ``invoice_date`` (BT-2, MDG-35), ``invoice_type`` (BT-3, MDT-91) and its ``seller`` (role SE,
    identified by BT-30, MDT-129). The status: ``status`` (MDT-105), ``reasons``, ``amounts`` with their
    ``currency`` (BT-5 of the invoice; None: not stated) and ``payment_date`` (211/212), a free ``note``.
    """

    message_id: str
    issued_at: _dt.datetime
    status: InvoiceLifecycleStatus
    invoice_number: str
    invoice_date: _dt.date | None
    seller: StatusParty
    sender: StatusParty
    issuer: StatusParty
    recipients: tuple[StatusParty, ...]
    invoice_type: str | None = "380"
    reasons: tuple[StatusReason, ...] = ()
    amounts: tuple[StatusAmount, ...] = ()
    currency: str | None = None
    payment_date: _dt.date | None = None
    note: str | None = None
    business_process: str = "REGULATED"
    guideline: str = field(default=GUIDELINE)

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", InvoiceLifecycleStatus.of(self.status))
        for name in ("recipients", "reasons", "amounts"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))
        self._check_message()
        self._check_invoice()
        self._check_parties()
        self._check_reasons()
        self._check_amounts()

    @property
    def phase(self) -> str:
        """MDT-77: ``"305"`` (transmission) or ``"23"`` (processing), from the status."""
        return self.status.phase

    @property
    def to_ppf(self) -> bool:
        """Whether the only recipient is the public invoicing portal (role DFH, ``0238`` ``0000``)."""
        return len(self.recipients) == 1 and self.recipients[0].role == "DFH" \
            and self.recipients[0].scheme == _PLATFORM_SCHEME and self.recipients[0].identifier == "0000"

    def _check_message(self) -> None:
        _text(self.message_id, "message_id", rule=R.BR_FR_CDV_03_MDT_4, token=True)
        if not isinstance(self.issued_at, _dt.datetime):
            raise ModelError(f"must be a datetime, got {self.issued_at!r}", field="issued_at",
                             rule=R.BR_FR_CDV_04_MDG_4)
        if self.issued_at.tzinfo is not None or self.issued_at.microsecond:
            raise ModelError("is written to the second without a time zone (format 204); pass a naive datetime "
                             "without microseconds", field="issued_at")
        if not 2000 <= self.issued_at.year <= 2099:
            raise ModelError(f"year {self.issued_at.year} is outside 2000..2099", field="issued_at", rule=R.FXE_DATE)
        _text(self.note, "note", required=False)
        if self.guideline not in (GUIDELINE, GUIDELINE_PPF) or (self.guideline == GUIDELINE_PPF and not self.to_ppf):
            raise ModelError(f"must be {GUIDELINE!r}, or {GUIDELINE_PPF!r} for a status whose only recipient is "
                             f"the public portal (DFH, 0238 0000); got {self.guideline!r}", field="guideline",
                             rule=R.BR_FR_CDV_02_MDT_3)
        if self.business_process not in BUSINESS_PROCESSES and not (self.to_ppf and len(self.business_process) <= 3):
            raise ModelError(f"must be one of {', '.join(BUSINESS_PROCESSES)}, got {self.business_process!r}",
                             field="business_process", rule=R.BR_FR_CDV_CL_01_MDT_2)
        if self.currency is not None and not (isinstance(self.currency, str) and len(self.currency) == 3
                                              and self.currency.isascii() and self.currency.isalpha()
                                              and self.currency.isupper()):
            raise ModelError(f"must be an ISO 4217 code such as 'EUR', got {self.currency!r}", field="currency")
        if self.currency is not None and not self.amounts:
            raise ModelError("is the currency of the amounts; a status without amounts has none", field="currency")

    def _check_invoice(self) -> None:
        inadmissible = self.status is InvoiceLifecycleStatus.INADMISSIBLE
        _text(self.invoice_number, "invoice_number", rule=R.BR_FR_CDV_10_MDT_87, token=True)
        if self.invoice_date is None and not inadmissible:
            raise ModelError("is required (except for an inadmissible invoice, 501)", field="invoice_date",
                             bt="BT-2", rule=R.BR_FR_CDV_11_MDG_35)
        if self.invoice_date is not None and (type(self.invoice_date) is not _dt.date
                                              or not 2000 <= self.invoice_date.year <= 2099):
            raise ModelError(f"must be a date of years 2000..2099, got {self.invoice_date!r}", field="invoice_date",
                             bt="BT-2", rule=R.FXE_DATE)
        if self.invoice_type is not None and self.invoice_type not in _INVOICE_TYPES:
            raise ModelError(f"{self.invoice_type!r} is not a type the French rules accept "
                             f"({' '.join(_INVOICE_TYPES)})", field="invoice_type", bt="BT-3", rule=R.BR_FR_04_MDT_91)
        if self.seller.role != "SE":
            raise ModelError(f"the seller's role is SE, got {self.seller.role!r}", field="seller.role",
                             rule=R.BR_FR_CDV_CL_07_MDT_132)
        if self.seller.identifier is None and not inadmissible:
            raise ModelError("the seller's legal identifier (BT-30, SIREN) is required (except for 501)",
                             field="seller.identifier", bt="BT-30", rule=R.BR_FR_CDV_13_MDT_129)

    def _check_parties(self) -> None:
        phase = self.phase
        where = "a platform (WK)" if phase == TRANSMISSION else "a party"
        if self.sender.role not in _SENDER_ROLES[phase]:
            raise ModelError(f"status {self.status.value} ({self.status.english}) is sent by {where}; the "
                             f"sender's role {self.sender.role!r} is not one of {sorted(_SENDER_ROLES[phase])}",
                             field="sender.role", rule=_SENDER_RULES[phase])
        if self.issuer.role not in _ISSUER_ROLES[phase]:
            raise ModelError(f"status {self.status.value} ({self.status.english}) is issued by {where}; the "
                             f"issuer's role {self.issuer.role!r} is not one of {sorted(_ISSUER_ROLES[phase])}",
                             field="issuer.role", rule=_ISSUER_RULES[phase])
        if phase == PROCESSING and self.issuer.identifier is None:
            raise ModelError("the issuer of a processing status (phase 23) has an identifier",
                             field="issuer.identifier", rule=R.BR_FR_CDV_07_MDT_38_yes)
        if not self.recipients:
            raise ModelError("a status has at least one recipient", field="recipients")
        for index, party in enumerate(self.recipients):
            if not isinstance(party, StatusParty):
                raise ModelError(f"must be a StatusParty, got {type(party).__name__}", field=f"recipients[{index}]")
            if party.role not in PARTY_ROLES:
                raise ModelError(f"unknown recipient role {party.role!r}; expected one of {', '.join(PARTY_ROLES)}",
                                 field=f"recipients[{index}].role", rule=R.BR_FR_CDV_CL_04_MDT_59)
            if party.role not in _ADDRESSLESS and party.uri is None:
                raise ModelError(f"a recipient of role {party.role} has an electronic address (uri)",
                                 field=f"recipients[{index}].uri", rule=R.BR_FR_CDV_08_MDT_73)

    def _check_reasons(self) -> None:
        if self.status in REASON_REQUIRED and not self.reasons:
            raise ModelError(f"status {self.status.value} ({self.status.english}) needs a reason", field="reasons",
                             rule=R.BR_FR_CDV_15_MDT_113)
        b2g = self.sender.scheme == _PLATFORM_SCHEME and self.sender.identifier == "9999"
        b2g = b2g and self.status is InvoiceLifecycleStatus.REFUSED
        allowed = B2G_REFUSAL_REASONS if b2g else STATUS_REASONS.get(self.status)
        rule = R.BR_FR_CDV_CL_09_MDT_113_210B2G if b2g else _REASON_RULES.get(self.status)
        for index, reason in enumerate(self.reasons):
            if not isinstance(reason, StatusReason):
                raise ModelError(f"must be a StatusReason, got {type(reason).__name__}", field=f"reasons[{index}]")
            if allowed is not None and reason.code not in allowed:
                raise ModelError(f"{reason.code} is not a reason of status {self.status.value} "
                                 f"({self.status.english}); expected one of {', '.join(allowed)}",
                                 field=f"reasons[{index}].code", rule=rule)

    def _check_amounts(self) -> None:
        for index, amount in enumerate(self.amounts):
            if not isinstance(amount, StatusAmount):
                raise ModelError(f"must be a StatusAmount, got {type(amount).__name__}", field=f"amounts[{index}]")
        received = [a for a in self.amounts if a.kind == "MEN"]
        if self.status is InvoiceLifecycleStatus.PAYMENT_RECEIVED and not received:
            raise ModelError("a payment received (212) states the amount received (MEN) per VAT rate",
                             field="amounts", rule=R.BR_FR_CDV_14_MDT_207)
        if self.status is InvoiceLifecycleStatus.PAYMENT_RECEIVED and any(a.vat_rate is None for a in received):
            raise ModelError("each amount received (MEN) of a payment received (212) states its VAT rate",
                             field="amounts.vat_rate", rule=R.BR_FR_CDV_14_MDT_207)
        if self.payment_date is not None and (type(self.payment_date) is not _dt.date
                                              or not 2000 <= self.payment_date.year <= 2099):
            raise ModelError(f"must be a date of years 2000..2099, got {self.payment_date!r}", field="payment_date",
                             rule=R.FXE_DATE)


_INVOICE_TYPES = tuple("380 389 393 501 386 500 384 471 472 473 261 262 381 396 502 503".split())
"""The document type codes (BT-3) of the referenced invoice the French rules accept [BR-FR-04]."""
