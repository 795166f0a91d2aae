"""The table-driven XML writer shared by the CII and UBL serializers.

:mod:`facturx_engine.syntax.terms` lists every business term as a row; :mod:`facturx_engine.syntax.tree`
compiles those rows, once per (syntax, root, profile), into a tree of elements in the order the
official XSD sequences require, and walks it to write a document; :mod:`facturx_engine.syntax.writegen`
turns each tree into one generated Python function doing the same faster. This module puts them
together: :func:`serialize` writes a document (well-formed by construction) and tells which terms had
data the profile cannot carry (:func:`dropped_terms`). ``FACTURX_ENGINE_REFERENCE`` (``1``, or a list
naming ``writer``: :func:`facturx_engine.codegen.reference`) makes it walk the tree instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from facturx_engine.codegen import reference
from facturx_engine.errors import FacturXError, ModelError
from facturx_engine.model.codes import Profile
from facturx_engine.model.wellformed import encode
from facturx_engine.syntax.tree import Syntax, compiled, write
from facturx_engine.syntax.writegen import generated_writer

__all__ = ["NS", "dropped_terms", "serialize", "writer"]

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "ubl-inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "ubl-cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}

Writer = Callable[[Any, list[str]], None]
"""``write(wctx, out)``: appends the XML of the document of a write context to ``out``."""

_writer_lock = threading.Lock()


def writer(syntax: Syntax, profile: Profile | None) -> Writer:
    """The function writing documents of a syntax and profile (made once): generated from the compiled
    tree, or the tree walk itself when the reference paths are asked for (:func:`~facturx_engine.codegen.reference`)."""
    with _writer_lock:
        return _writer(syntax, profile)


@cache
def _writer(syntax: Syntax, profile: Profile | None) -> Writer:
    root, _ = compiled(syntax, profile)
    if reference("writer"):
        fmts = syntax.formatters

        def walk(wctx: Any, out: list[str]) -> None:
            write(root, wctx, wctx, fmts, out)

        return walk
    return generated_writer(root, syntax.formatters, f"writer {syntax.name} {profile}")


def _items_of(ctx: str, rows_by_ctx: dict[str, Any], root_item: Any, wctx: Any) -> list[Any]:
    """Every item of a (possibly nested) repeating context, for loss reporting."""
    if ctx == "DOC":
        return [root_item]
    row = rows_by_ctx.get(ctx)
    if row is None:
        return []
    out: list[Any] = []
    for parent in _items_of(row.ctx, rows_by_ctx, root_item, wctx):
        out.extend(row.get(parent, wctx) or ())
    return out


@cache
def _rows_by_ctx() -> dict[str, Any]:
    from facturx_engine.syntax.terms import TERMS

    return {t.context_name: t for t in TERMS if t.repeat}


def dropped_terms(skipped: Iterable[Any], root_item: Any, wctx: Any) -> list[str]:
    """Ids of the skipped rows that carry data in this document (what the profile cannot hold)."""
    rows_by_ctx = _rows_by_ctx()
    dropped: list[str] = []
    for row in skipped:
        if row.kind in ("CONST", "ALWAYS", "GROUP") or not row.reportable or row.id in dropped:
            continue
        items = _items_of(row.ctx, rows_by_ctx, root_item, wctx)
        if any(row.has_data(it, wctx) for it in items):
            dropped.append(row.id)
    return dropped


def serialize(syntax: Syntax, profile: Profile | None, wctx: Any, namespaces: str) -> tuple[bytes, list[str]]:
    """Write a document; return the XML bytes and the ids of terms that had data but were not written.

    The bytes are always well-formed XML: markup characters are escaped, and a document holding a
    character XML 1.0 cannot carry at all is refused (:class:`~facturx_engine.errors.ModelError`
    naming the field and its business term, :func:`facturx_engine.model.wellformed.encode`); a value no
    model record can hold (a record altered behind the model's back) is a ModelError too."""
    _root, skipped = compiled(syntax, profile)
    write_doc = writer(syntax, profile)
    out: list[str] = []
    try:
        dropped = dropped_terms(skipped, wctx, wctx) if skipped else []
        write_doc(wctx, out)  # the generated form of tree.write(_root, wctx, wctx, syntax.formatters, out)
    except FacturXError:
        raise
    except (ArithmeticError, AttributeError, TypeError, ValueError) as exc:  # a record altered behind the model
        raise ModelError(f"the document holds a value the {syntax.name.upper()} writer cannot write "
                         f"({type(exc).__name__}: {exc}); build it through the model") from exc
    # the root element is written as "<tag>": add the namespace declarations to it
    out[0] = '<?xml version="1.0" encoding="UTF-8"?>\n' + out[0][:-1] + namespaces + ">"
    return encode("".join(out), wctx.doc), dropped
