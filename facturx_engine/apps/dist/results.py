"""The results of a distributed batch: part files of rows, written atomically, read back for resume.

A results folder (a local path or an fsspec URL) holds two tables, each as part files::

    OUT/documents/part-RUN-N.jsonl|parquet   one row per document
    OUT/findings/part-RUN-N.jsonl|parquet    one row per finding

A **document row** carries ``run`` (the id of the run that wrote it), ``task`` (validate, convert,
generate), ``path`` (the URL, or the absolute path of a local file), ``sha256`` (of the document's bytes),
``bytes``, ``syntax``, ``profile``, ``document``, ``guideline``, ``rule_sets`` (key, name, artefact,
version, sha256, reason, installed: as ``validate --format json``), ``verdict`` (``valid``, ``invalid``,
``not checked``), ``valid``, ``fatal`` / ``warnings`` (counts), ``seconds`` (the time of its check on the
worker) and ``output`` (the document written by ``convert`` / ``generate``, else null). A **finding row**
carries ``run``, ``sha256`` and ``path`` of its document and the finding as ``validate --format json`` writes it:
``rule``, ``severity``, ``location``, ``line``, ``column``, ``message``, ``bt_ids``, ``source`` (texts
made printable the same way). The JSON Lines and Parquet parts hold the same columns.

Each part is first written under a temporary name (``.tmp-...``) and then renamed: the findings part
first, the documents part last. A documents part is therefore the proof that its documents are done:
:func:`done_keys` reads only those, and :func:`tidy` removes what an interrupted run left (temporary
files, a findings part whose documents part was never renamed), so a rerun neither loses nor repeats
a row.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from facturx_engine.errors import InputError

__all__ = ["DOCUMENTS", "FINDINGS", "FORMATS", "done_key", "done_keys", "read_rows", "remove_part", "tidy",
           "write_part"]

FORMATS = ("jsonl", "parquet")
DOCUMENTS = "documents"
FINDINGS = "findings"
_TMP = ".tmp-"

Row = dict[str, Any]


def _fs(out: str) -> tuple[Any, str]:
    from fsspec.core import url_to_fs

    fs, root = url_to_fs(out)
    return fs, root.rstrip("/")


def _schema(table: str) -> Any:
    import pyarrow as pa

    if table == FINDINGS:
        return pa.schema([("run", pa.string()), ("sha256", pa.string()), ("path", pa.string()),
                          ("rule", pa.string()), ("severity", pa.string()), ("location", pa.string()),
                          ("line", pa.int64()), ("column", pa.int64()), ("message", pa.string()),
                          ("bt_ids", pa.list_(pa.string())), ("source", pa.string())])
    rule_set = pa.struct([("key", pa.string()), ("name", pa.string()), ("artefact", pa.string()),
                          ("version", pa.string()), ("sha256", pa.string()), ("reason", pa.string()),
                          ("installed", pa.bool_())])
    return pa.schema([("run", pa.string()), ("task", pa.string()), ("path", pa.string()), ("sha256", pa.string()),
                      ("bytes", pa.int64()), ("syntax", pa.string()), ("profile", pa.string()),
                      ("document", pa.string()), ("guideline", pa.string()), ("rule_sets", pa.list_(rule_set)),
                      ("verdict", pa.string()), ("valid", pa.bool_()), ("fatal", pa.int64()),
                      ("warnings", pa.int64()), ("seconds", pa.float64()), ("output", pa.string())])


def _encode(rows: Sequence[Row], table: str, fmt: str) -> bytes:
    if fmt == "jsonl":
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(list(rows), schema=_schema(table)), buffer)
    return buffer.getvalue()


def write_part(out: str, name: str, documents: Sequence[Row], findings: Sequence[Row], fmt: str = "jsonl") -> str:
    """Write one part of both tables under ``out`` (findings first, documents last; each atomically:
    a temporary name, then a rename); the documents part's path."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown results format {fmt!r}; expected one of {FORMATS}")
    fs, root = _fs(out)
    final = ""
    for table, rows in ((FINDINGS, findings), (DOCUMENTS, documents)):
        folder = f"{root}/{table}"
        fs.makedirs(folder, exist_ok=True)
        final = f"{folder}/{name}.{fmt}"
        temporary = f"{folder}/{_TMP}{uuid.uuid4().hex}-{name}.{fmt}"
        with fs.open(temporary, "wb") as stream:
            stream.write(_encode(rows, table, fmt))
        fs.mv(temporary, final)
    return final


def remove_part(out: str, name: str) -> int:
    """Remove the part ``name`` of both tables if it was written (documents first: an interruption leaves a
    findings part alone, which :func:`tidy` removes); the number of files removed."""
    fs, root = _fs(out)
    removed = 0
    for table in (DOCUMENTS, FINDINGS):
        for fmt in FORMATS:
            path = f"{root}/{table}/{name}.{fmt}"
            if fs.exists(path):
                fs.rm(path)
                removed += 1
    return removed


def _parts(fs: Any, folder: str) -> list[str]:
    if not fs.exists(folder):
        return []
    return sorted(str(p) for p in fs.ls(folder, detail=False))


def _base(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def tidy(out: str) -> int:
    """Remove what an interrupted run left under ``out``: temporary files, and findings parts without
    their documents part (their documents are redone). The number of files removed."""
    fs, root = _fs(out)
    documents = {_base(p) for p in _parts(fs, f"{root}/{DOCUMENTS}") if not _base(p).startswith(_TMP)}
    removed = 0
    for table in (FINDINGS, DOCUMENTS):
        for path in _parts(fs, f"{root}/{table}"):
            name = _base(path)
            if name.startswith(_TMP) or (table == FINDINGS and name not in documents):
                fs.rm(path)
                removed += 1
    return removed


def read_rows(out: str, table: str = DOCUMENTS, columns: Sequence[str] | None = None) -> Iterator[Row]:
    """The rows of ``table`` (:data:`DOCUMENTS` or :data:`FINDINGS`) under ``out``, part by part
    (temporary files skipped); ``columns``: only those (a Parquet part reads only them)."""
    fs, root = _fs(out)
    for path in _parts(fs, f"{root}/{table}"):
        name = _base(path)
        if name.startswith(_TMP):
            continue
        if name.endswith(".parquet"):
            yield from _parquet_rows(fs, path, columns)
        elif name.endswith(".jsonl"):
            yield from _jsonl_rows(fs, path, columns)


def _damaged(path: str, what: str) -> InputError:
    return InputError(f"the results part {path} is damaged ({what}): move it away (its documents are then checked "
                      "again) or give another --out", location=path)


def _jsonl_rows(fs: Any, path: str, columns: Sequence[str] | None) -> Iterator[Row]:
    """The rows of one JSON Lines part; :class:`InputError` naming the part and the line for one that is not a row
    (a part cut short, or written by hand)."""
    with fs.open(path, "rb") as stream:
        for number, line in enumerate(stream, 1):
            try:
                row = json.loads(line.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise _damaged(path, f"line {number} is not a JSON row: {exc}") from None
            if not isinstance(row, dict):
                raise _damaged(path, f"line {number} is a JSON {type(row).__name__}, not a row object")
            yield {k: row.get(k) for k in columns} if columns else row


def _parquet_rows(fs: Any, path: str, columns: Sequence[str] | None) -> Iterator[Row]:
    import pyarrow
    import pyarrow.parquet as pq

    try:
        with fs.open(path, "rb") as stream:
            rows: list[Row] = pq.read_table(stream, columns=list(columns) if columns else None).to_pylist()
    except (pyarrow.ArrowException, OSError) as exc:
        raise _damaged(path, f"not a Parquet table with the columns asked for: {exc}") from None
    yield from rows


def done_key(sha256: str, path: str) -> str:
    """What identifies a document for resume: its content hash and the path of its row."""
    return f"{sha256} {path}"


def done_keys(out: str) -> set[str]:
    """The keys (:func:`done_key`) of the documents that already have a result under ``out``."""
    return {done_key(str(row["sha256"]), str(row["path"])) for row in read_rows(out, DOCUMENTS, ("sha256", "path"))}
