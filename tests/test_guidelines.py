"""The BT-24 guideline table (facturx_engine.model.codes.GUIDELINES, RULE_SETS): its rows agree with the
profiles, the PDF levels and the validation's artefacts."""

from __future__ import annotations

from facturx_engine import artefacts
from facturx_engine.model.codes import GUIDELINES, RULE_SETS, XRECHNUNG_LEVEL, Profile, known_guideline
from facturx_engine.pdf.primitives import LEGACY_LEVELS, LEVELS, level_of_guideline


def test_each_profile_writes_its_factur_x_id():
    assert {p: p.guideline for p in Profile} == {
        Profile.MINIMUM: "urn:factur-x.eu:1p0:minimum",
        Profile.BASIC_WL: "urn:factur-x.eu:1p0:basicwl",
        Profile.BASIC: "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic",
        Profile.EN16931: "urn:cen.eu:en16931:2017",
        Profile.EXTENDED: "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended",
    }


def test_rows_are_consistent():
    keys = {r.key for r in RULE_SETS}
    assert len(keys) == len(RULE_SETS) and len({g.id for g in GUIDELINES}) == len(GUIDELINES)
    for g in GUIDELINES:
        assert known_guideline(g.id) == g == known_guideline(f" {g.id}\n")
        assert g.level in LEVELS and level_of_guideline(g.id) == g.level
        assert g.level in (g.profile.value, XRECHNUNG_LEVEL)
        assert g.rules is None or g.rules in keys
        assert g.pdf_rules is None or g.pdf_rules in keys
    for r in RULE_SETS:
        assert r.base is None or r.base in keys
    assert LEGACY_LEVELS == ("COMFORT",)


def test_rule_sets_name_installed_artefacts():
    for r in RULE_SETS:
        for sheet in (r.cii, r.ubl):
            assert sheet is None or sheet[0] in artefacts.SCHEMATRON or sheet[0] in artefacts.EXTRA_SCHEMATRON \
                or sheet[0] in ("peppol-cii", "peppol-ubl")  # the engine's own implementation
        if r.profile:
            assert r.cii is not None and r.key in artefacts.CII_XSD
        if r.extra:
            assert r.cii is not None and r.ubl is not None


def test_xrechnung_ids_outside_the_rows():
    old = "urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_2.3"
    known = known_guideline(old)
    assert known is not None and (known.profile, known.level, known.rules) == (Profile.EN16931, "XRECHNUNG", "cen")
    assert known.cius == "XRechnung 2.3" and known.pdf_rules == "en16931"  # 2.x rules: not installed, CEN only
    newer = known_guideline("urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.1")
    assert newer is not None and (newer.rules, newer.cius) == ("xrechnung", "XRechnung 3.1")
    assert known_guideline("urn:x:y") is None and known_guideline(None) is None and known_guideline("") is None


def test_the_table_chooses_cen_and_xrechnung_by_what_the_document_claims():
    """The bare EN 16931 id: plain CEN CII standalone, Factur-X EN 16931 in a PDF; ZUGFeRD 1 ids (CEN's own
    D16B examples carry one): CEN CII; XRechnung 3.x, with or without the extension: CEN + XRechnung."""
    en = "urn:cen.eu:en16931:2017"
    xr = f"{en}#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
    rows = {g.id: (g.rules, g.pdf_rules) for g in GUIDELINES}
    assert rows[en] == ("cen", "en16931")
    assert rows[xr] == rows[f"{xr}#conformant#urn:xeinkauf.de:kosit:extension:xrechnung_3.0"] == ("xrechnung", None)
    for level in ("basic", "comfort", "extended"):
        assert rows[f"urn:ferd:CrossIndustryDocument:invoice:1p0:{level}"] == ("cen", "en16931")
    sets = {r.key: r for r in RULE_SETS}
    assert sets["xrechnung"].base == "cen" and sets["cen"].base is None
    assert sets["cen"].extra and sets["xrechnung"].extra and not sets["cen"].profile
    assert sets["cen"].release == "CEN/TC 434 validation-1.3.16"
    assert sets["xrechnung"].release == "XRechnung 3.0.2, Schematron 2.6.0"
