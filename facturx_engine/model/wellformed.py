"""The writers' last check: the XML text they return holds only characters XML 1.0 allows.

XML 1.0 (production ``Char``) admits tab, line feed, carriage return, U+0020..U+D7FF,
U+E000..U+FFFD and U+10000..U+10FFFF. The model refuses other characters in the texts it is
given, but a caller can bypass it (``object.__setattr__`` on a frozen record, a text field the
model does not look at ...); markup characters (``& < >``, quotes in attributes) are escaped
by the writer itself. So once per document, on the whole output, :func:`encode` checks what
escaping cannot fix and refuses the document with a :class:`~facturx_engine.errors.ModelError`
naming the model field and its business term. The check is one C-level pass over the bytes
(about 1 ns a byte) plus two searches that are free for a Latin-1 text: no regular expression
per text value.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

from facturx_engine.errors import ModelError
from facturx_engine.model.terms import path_term

__all__ = ["encode", "forbidden_char"]

# C0 controls other than tab, LF, CR: deleting them changes the length of a text that holds one
_C0 = bytes(c for c in range(32) if c not in (9, 10, 13))


_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def forbidden_char(text: str) -> str | None:
    """The first character of ``text`` that XML 1.0 cannot carry (escaped or not), or None."""
    if text.isprintable():  # C speed; false for every control, surrogate and non-character (and a few others)
        return None
    found = _FORBIDDEN.search(text)
    return found.group() if found else None


def encode(xml: str, doc: Any) -> bytes:
    """``xml`` as UTF-8 bytes, or a ModelError when it holds a character XML 1.0 forbids."""
    if "\ufffe" in xml or "\uffff" in xml:
        _refuse(xml, doc)
    try:
        data = xml.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (U+D800..U+DFFF)
        _refuse(xml, doc)
    if len(data.translate(None, _C0)) != len(data):
        _refuse(xml, doc)
    return data


def _refuse(xml: str, doc: Any) -> None:
    ch = forbidden_char(xml)
    assert ch is not None
    code = ord(ch)
    kind = "a control character" if code < 32 else "a lone surrogate" if code < 0xE000 else "a non-character"
    what = f"U+{code:04X}, {kind} XML 1.0 does not allow"
    for path, bt, value in _texts(doc, ""):
        if ch in value:
            raise ModelError(f"contains {what}: the document cannot be written", field=path, bt=bt)
    raise ModelError(f"the document contains {what}: it cannot be written")


def _texts(obj: Any, path: str, bt: str | None = None) -> Iterator[tuple[str, str | None, str]]:
    """Every text of a model record, with its field path and business term (the term table's for that path: the
    buyer's name is BT-44; else the term of the field holding it)."""
    if isinstance(obj, str):
        yield path, bt, obj
    elif isinstance(obj, (tuple, list)):
        for i, item in enumerate(obj):
            yield from _texts(item, f"{path}[{i}]", bt)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            if f.name.startswith("_") or f.name == "app_refs":  # computed, or never written
                continue
            where = f"{path}.{f.name}" if path else f.name
            yield from _texts(getattr(obj, f.name, None), where, path_term(where) or bt)
