"""Streaming discovery of the documents of a distributed batch, through fsspec.

:func:`iter_sources` turns what the user names into ``(url, size)`` pairs, one at a time: a folder
(searched recursively, one directory listing at a time, names sorted), a glob pattern, a list file
(``@list.txt``: one path or URL a line, ``#`` comments), or a single file; each of them a local path or
an fsspec URL (``file://``, ``memory://``, ``s3://``, ``gs://``, ``abfs://``: the protocol's fsspec
package must be installed). Nothing here holds the list of every path: a million documents cost the
driver one directory listing at a time (a glob pattern is expanded by fsspec, which lists its matches).

:func:`partitions` groups those pairs into batches of about ``max_bytes`` bytes and at most
``max_files`` documents: the unit of work a Dask task runs. Both are generators.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from facturx_engine.errors import InputError

__all__ = ["LIST_PREFIX", "Source", "iter_sources", "partitions"]

Source = tuple[str, int]
"""A document: its path or URL and its size in bytes."""

LIST_PREFIX = "@"
"""``@FILE`` names a list file: one path or URL a line."""
_GLOB_CHARS = frozenset("*?[")


def _filesystem(name: str) -> tuple[Any, str, str]:
    """(the fsspec file system, the path in it, the prefix that makes a path of it a URL again)."""
    from fsspec.core import url_to_fs

    try:
        fs, path = url_to_fs(name)
    except (ImportError, ValueError) as exc:
        raise InputError(f"cannot open {name!r}: {exc}") from None
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    prefix = "" if protocol in ("file", "local") else f"{protocol}://"
    return fs, path, prefix


def _url(prefix: str, path: str) -> str:
    return prefix + path if not path.startswith(prefix) else path


def iter_sources(names: Iterable[str], suffixes: tuple[str, ...]) -> Iterator[Source]:
    """Each document ``names`` designate (see the module docstring); directories are searched for
    names ending with ``suffixes`` (any case). A name that matches nothing raises
    :class:`~facturx_engine.errors.InputError` when it is reached."""
    for name in names:
        if not name:
            raise InputError("an empty path names no file")
        if name.startswith(LIST_PREFIX):
            yield from _listed(name[len(LIST_PREFIX):], suffixes)
            continue
        found = False
        for source in _one(name, suffixes):
            found = True
            yield source
        if not found:
            raise InputError(f"{name} names no .{'/.'.join(s.lstrip('.') for s in suffixes)} document")


def _listed(list_name: str, suffixes: tuple[str, ...]) -> Iterator[Source]:
    fs, path, _prefix = _filesystem(list_name)
    try:
        stream = fs.open(path, "rt", encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the list file {list_name!r}: {exc}") from None
    with stream:
        for line in stream:
            entry = line.strip()
            if entry and not entry.startswith("#"):
                yield from iter_sources([entry], suffixes)


def _one(name: str, suffixes: tuple[str, ...]) -> Iterator[Source]:
    fs, path, prefix = _filesystem(name)
    if _GLOB_CHARS & set(path) and not fs.exists(path):
        for match, info in sorted(fs.glob(path, detail=True).items()):
            if info.get("type") != "directory":
                yield _url(prefix, match), int(info.get("size") or 0)
        return
    try:
        info = fs.info(path)
    except FileNotFoundError:
        raise InputError(f"cannot read {name}: no such file or directory") from None
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc}") from None
    if info.get("type") != "directory":
        yield _url(prefix, path), int(info.get("size") or 0)
        return
    wanted = tuple(s.lower() for s in suffixes)
    for folder, dirs, files in fs.walk(path, detail=True):
        dirs_sorted = sorted(dirs)  # fsspec walks the dict it gave us: sort it in place for a stable order
        for key in list(dirs):
            del dirs[key]
        for key in dirs_sorted:
            dirs[key] = None
        for file_name in sorted(files):
            if file_name.lower().endswith(wanted) and not file_name.startswith("."):
                entry = files[file_name]
                yield _url(prefix, entry.get("name") or f"{folder}/{file_name}"), int(entry.get("size") or 0)


def partitions(sources: Iterable[Source], *, max_bytes: int, max_files: int) -> Iterator[list[Source]]:
    """``sources`` in batches of at most ``max_files`` documents and, unless a single document is larger,
    about ``max_bytes`` bytes."""
    batch: list[Source] = []
    size = 0
    for source in sources:
        if batch and (size + source[1] > max_bytes or len(batch) >= max_files):
            yield batch
            batch, size = [], 0
        batch.append(source)
        size += source[1]
    if batch:
        yield batch
