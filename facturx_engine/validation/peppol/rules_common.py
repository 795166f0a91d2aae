"""The PEPPOL-COMMON-* rules of Peppol BIS Billing 3.0: the format of identifiers by scheme (ISO 6523 ICD
or EAS code) wherever an electronic address, party identifier or legal registration states that scheme.

The check digits are computed by python-stdnum; each identifier must first be written exactly in the form
the scheme defines (no spaces, dashes or country prefix that stdnum would strip before checking):

=========  ===========================  ==========================================================
scheme     identifier                   what is checked
=========  ===========================  ==========================================================
0088       GLN                          13 digits, GS1 check digit (``stdnum.ean``)
0192       Norwegian organisation no.   9 digits, mod-11 check digit (``stdnum.no.orgnr``)
0184       Danish CVR                   ``DK`` and 8 digits; no check digit (see below)
0208       Belgian enterprise number    10 digits starting with 0 or 1, mod-97 check
                                        (``stdnum.be.vat``, which would also accept 9 digits
                                        and a ``BE`` prefix: refused here)
0201       Italian IPA code             6 letters or digits (no check digit exists)
0210/9907  Italian codice fiscale       16 characters with check character and a valid birth
                                        date, or 11 digits as a partita IVA
                                        (``stdnum.it.codicefiscale``)
0211/9906  Italian partita IVA          11 digits, optionally after ``IT``; Luhn check digit and
                                        province office code (``stdnum.it.iva``)
0007       Swedish organisation number  10 digits, Luhn check digit (``stdnum.se.orgnr``)
0151       Australian ABN               11 digits, mod-89 check (``stdnum.au.abn``)
=========  ===========================  ==========================================================

Difference from stdnum: a Danish CVR under scheme 0184 is written ``DK`` and 8 digits, and only that
format is checked: ``stdnum.dk.cvr``'s mod-11 check is not applied (the statement asks the format, and
the BIS examples' numbers, e.g. ``DK12345678``, do not pass that check).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree
from stdnum import ean
from stdnum.au import abn
from stdnum.be import vat as be_vat
from stdnum.it import codicefiscale, iva
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr

from facturx_engine.validation.peppol.engine import Check, Doc, Rule
from facturx_engine.validation.peppol.values import normalized

__all__ = ["RULES", "valid_identifier"]


def _gln(value: str) -> bool:
    return re.fullmatch(r"[0-9]{13}", value) is not None and ean.is_valid(value)


def _no_orgnr(value: str) -> bool:
    return re.fullmatch(r"[0-9]{9}", value) is not None and no_orgnr.is_valid(value)


def _dk_cvr(value: str) -> bool:
    return re.fullmatch(r"DK[0-9]{8}", value) is not None


def _be_enterprise(value: str) -> bool:
    return re.fullmatch(r"[01][0-9]{9}", value) is not None and be_vat.is_valid(value)


def _it_ipa(value: str) -> bool:
    return re.fullmatch(r"[A-Za-z0-9]{6}", value) is not None


def _it_codice_fiscale(value: str) -> bool:
    return re.fullmatch(r"[A-Za-z0-9]{16}|[0-9]{11}", value) is not None and codicefiscale.is_valid(value)


def _it_partita_iva(value: str) -> bool:
    return re.fullmatch(r"(IT)?[0-9]{11}", value) is not None and iva.is_valid(value)


def _se_orgnr(value: str) -> bool:
    return re.fullmatch(r"[0-9]{10}", value) is not None and se_orgnr.is_valid(value)


def _au_abn(value: str) -> bool:
    return re.fullmatch(r"[0-9]{11}", value) is not None and abn.is_valid(value)


_VALIDATORS: dict[str, Callable[[str], bool]] = {
    "0088": _gln, "0192": _no_orgnr, "0184": _dk_cvr, "0208": _be_enterprise, "0201": _it_ipa,
    "0210": _it_codice_fiscale, "9907": _it_codice_fiscale, "0211": _it_partita_iva, "9906": _it_partita_iva,
    "0007": _se_orgnr, "0151": _au_abn,
}


def valid_identifier(scheme: str, value: str) -> bool:
    """Whether ``value`` (whitespace-normalised) is an identifier in the correct format for ``scheme``
    (one of the schemes above; any other scheme is not checked here and is valid)."""
    check = _VALIDATORS.get(scheme)
    return check is None or check(normalized(value))


def _identifier(node: etree._Element, doc: Doc) -> bool:
    return valid_identifier(node.get("schemeID") or "", node.text or "")


def _contexts(scheme: str, everywhere: bool = True) -> tuple[Check, Check]:
    where = f"[@schemeID = '{scheme}']"
    ubl = [f"//cbc:EndpointID{where}"]
    cii = [f"//ram:URIID{where}"]
    if everywhere:
        ubl += [f"//cac:PartyIdentification/cbc:ID{where}", f"//cbc:CompanyID{where}"]
        cii += [f"//ram:ID{where}", f"//ram:GlobalID{where}"]
    return Check(" | ".join(ubl), _identifier), Check(" | ".join(cii), _identifier)


def _rule(rule_id: str, flag: str, message: str, scheme: str, everywhere: bool = True, ubl: bool = True) -> Rule:
    ubl_check, cii_check = _contexts(scheme, everywhere)
    # No business terms: the same scheme can identify many (BT-29, BT-34, BT-47, ...); the finding's
    # location names the element.
    return Rule(rule_id, flag, message, ubl=ubl_check if ubl else None, cii=cii_check)


RULES: tuple[Rule, ...] = (
    _rule("PEPPOL-COMMON-R040", "fatal", "GLN must have a valid format according to GS1 rules.", "0088"),
    _rule("PEPPOL-COMMON-R041", "fatal", "Norwegian organization number MUST be stated in the correct format.", "0192"),
    _rule("PEPPOL-COMMON-R042", "fatal", "Danish organization number (CVR) MUST be stated in the correct format.",
          "0184"),
    _rule("PEPPOL-COMMON-R043", "fatal", "Belgian enterprise number MUST be stated in the correct format.", "0208"),
    _rule("PEPPOL-COMMON-R044", "warning",
          "IPA Code (Codice Univoco Unità Organizzativa) must be stated in the correct format", "0201"),
    _rule("PEPPOL-COMMON-R045", "warning", "Tax Code (Codice Fiscale) must be stated in the correct format", "0210"),
    _rule("PEPPOL-COMMON-R046", "warning", "Tax Code (Codice Fiscale) must be stated in the correct format", "9907",
          everywhere=False),
    _rule("PEPPOL-COMMON-R047", "warning", "Italian VAT Code (Partita Iva) must be stated in the correct format",
          "0211"),
    _rule("PEPPOL-COMMON-R048", "warning", "Italian VAT Code (Partita Iva) must be stated in the correct format",
          "9906", everywhere=False, ubl=False),
    _rule("PEPPOL-COMMON-R049", "fatal", "Swedish organization number MUST be stated in the correct format.", "0007"),
    _rule("PEPPOL-COMMON-R050", "fatal", "Australian Business Number (ABN) MUST be stated in the correct format.",
          "0151"),
)
