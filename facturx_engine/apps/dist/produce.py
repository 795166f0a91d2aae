"""The ``convert`` and ``generate`` tasks of a distributed batch, on one document's bytes.

Each returns the document's result (a :class:`~facturx_engine.apps.batch.FileResult`: the syntax, profile,
rule sets and findings of the validation of what was produced, plus one ``FXE-NOT-CARRIED`` finding per
value a conversion does not carry) and the bytes produced. An input the engine refuses is its
result's fatal finding (``FXE-PARSE`` for a document that cannot be read, ``FXE-ERROR`` with the
engine's message otherwise), never an exception; the caller writes the bytes only when the result is valid.
What ``convert`` prints as ``note: the input ...`` (the source's stated totals, model rules) is not a row
of the conversion: it is in the rows of ``validate`` run on the sources.
"""

from __future__ import annotations

from facturx_engine import ruleids as R
from facturx_engine.apps.batch import FileResult
from facturx_engine.apps.dist.job import Job
from facturx_engine.errors import FacturXError, ParseError, ResourceError, ValidationFailed
from facturx_engine.findings import Finding
from facturx_engine.validation.findings import Report

__all__ = ["convert_one", "generate_one"]


def _refused(url: str, exc: FacturXError) -> tuple[FileResult, None]:
    rule = R.FXE_PARSE if isinstance(exc, ParseError) else R.FXE_ERROR
    finding = Finding(rule=rule, severity="fatal", location="", message=str(exc), source="facturx_engine")
    return FileResult(url, None, None, (finding,)), None


def _result(url: str, report: Report, extra: tuple[Finding, ...] = (), syntax: str | None = None) -> FileResult:
    return FileResult(file=url, syntax=syntax or report.syntax, profile=report.profile,
                      findings=(*report.findings, *extra), artefacts=report.artefacts, document=report.document,
                      guideline=report.guideline, rule_sets=report.rule_sets)


def convert_one(job: Job, url: str, data: bytes) -> tuple[FileResult, bytes | None]:
    """Convert ``data`` to ``job.to``: (its result, the bytes written)."""
    from facturx_engine.apps.convert import convert

    try:
        made = convert(data, job.to or "ubl", profile=job.profile, spec=job.spec, deterministic=True)
    except ResourceError:
        raise
    except ValidationFailed as exc:  # the Factur-X PDF refused its XML: the findings of that validation
        if isinstance(exc.report, Report):
            return _result(url, exc.report), None
        return _refused(url, exc)
    except FacturXError as exc:
        return _refused(url, exc)
    if made.report is None:  # convert validates by default; kept for a future validate=False
        return FileResult(url, made.target, None, made.lost), made.data
    syntax = f"PDF ({made.report.syntax})" if made.target == "facturx" else None
    return _result(url, made.report, made.lost, syntax), made.data


def generate_one(job: Job, url: str, data: bytes) -> tuple[FileResult, bytes | None]:
    """Build the document of the JSON ``data`` and write it as ``job.to``: (its result, the bytes written)."""
    from facturx_engine.io.jsonio import load_document
    from facturx_engine.syntax.cii import report_loss, target_profile, to_cii, write_cii
    from facturx_engine.syntax.ubl import to_ubl, write_ubl
    from facturx_engine.validation.core import validate

    try:
        to, spec, payload = job.to, job.spec, None
        if job.payload:
            from facturx_engine.io.payload import from_payload, load_json, output_format, specification

            payload = load_json(data)
            extended = (job.profile or "").lower() == "extended"  # --profile extended carries the French parties
            doc = from_payload(payload, spec=spec or ("extended" if extended else None))
            to, spec = to or output_format(payload) or "facturx", spec or specification(payload)
        else:
            doc = load_document(data)
            to = to or "cii"
        profile, _ = target_profile(job.profile, spec)  # as generate does: the spec's profile unless one is given
        if payload is not None:  # what the payload states and the target cannot carry is refused, as generate does
            from facturx_engine.io.payload import refuse_lost

            result = write_ubl(doc, spec=spec) if to == "ubl" else write_cii(doc, profile, spec=spec)
            target = "UBL 2.1" if to == "ubl" else f"CII Factur-X {profile.value}"
            refuse_lost(payload, result.dropped, target)
            report_loss(result.dropped, target, False)  # the rest: a notice, as to_ubl / to_cii give
            xml = result.xml
        else:
            xml = to_ubl(doc, spec=spec) if to == "ubl" else to_cii(doc, profile, spec=spec)
        report = validate(xml, factur_x=to == "facturx" or (to == "cii" and spec is None), rules=job.rules)
        if to == "facturx" and report.valid:
            from facturx_engine.pdf.embed import to_facturx

            return _result(url, report, syntax=f"PDF ({report.syntax})"), \
                to_facturx(doc, profile, xml=xml, validate_xml=False, deterministic=True)
    except ResourceError:
        raise
    except FacturXError as exc:
        return _refused(url, exc)
    return _result(url, report), xml
