"""The XSD stage of validation: each official XSD loaded once per process (lxml), a document's
schema errors as ``XSD`` findings (:func:`run_xsd`). Every schema has its own lock (an
``XMLSchema`` keeps its error log on the instance); a forked child gets fresh locks.
"""

from __future__ import annotations

import os
import threading

from lxml import etree

from facturx_engine import artefacts as _artefacts
from facturx_engine.errors import ResourceError
from facturx_engine.findings import Finding

__all__ = ["run_xsd"]

_xsd_lock = threading.Lock()
_schemas: dict[str, tuple[etree.XMLSchema, threading.Lock]] = {}


def _schema(relpath: str) -> tuple[etree.XMLSchema, threading.Lock]:
    """The compiled schema for ``relpath`` (loaded once per process) and its lock."""
    with _xsd_lock:
        cached = _schemas.get(relpath)
        if cached is None:
            path = _artefacts.verified_path(relpath)
            parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
            try:
                schema = etree.XMLSchema(etree.parse(str(path), parser))
            except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
                raise ResourceError(f"cannot load the XSD {relpath}: {exc}") from exc
            cached = _schemas[relpath] = (schema, threading.Lock())
        return cached


def run_xsd(root: etree._Element, relpath: str) -> list[Finding]:
    """The errors of the XSD ``relpath`` (verified, loaded once) on the parsed document."""
    schema, lock = _schema(relpath)
    with lock:  # an XMLSchema keeps its error log on the instance
        schema.validate(root)
        entries = list(schema.error_log)  # type: ignore[call-overload]  # lxml-stubs lack __iter__
    return [
        Finding(
            rule="XSD",
            severity="fatal",
            location=f"line {entry.line}",
            message=entry.message,
            bt_ids=(),
            source="xsd",
        )
        for entry in entries
    ]


def _after_fork_in_child() -> None:
    """Fresh locks: another thread of the parent may have held one while the process forked."""
    global _xsd_lock
    _xsd_lock = threading.Lock()
    for relpath, (schema, _lock) in list(_schemas.items()):
        _schemas[relpath] = (schema, threading.Lock())


os.register_at_fork(after_in_child=_after_fork_in_child)
