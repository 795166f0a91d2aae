"""Hostile inputs made by code (nothing big is committed): an engine-written CII or UBL invoice
with one value replaced, a repeated group with no recognised child, many lines, many attributes,
deep nesting, huge text nodes, and PDFs whose streams inflate to gigabytes.

Every generator is deterministic and named in :data:`GENERATORS`, so a job of
``tests/hostile_ops.py`` can say ``{"gen": "substitute", "args": ["cii", "quantity", "1E400"]}``
and a test message can name the input exactly. ``benchmarks/bench_limits.py`` uses the same ones.
"""

from __future__ import annotations

import copy
import io
import json
import zlib
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from facturx_engine.syntax.engine import NS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
_LINE = {"cii": "//ram:IncludedSupplyChainTradeLineItem[1]", "ubl": "//cac:InvoiceLine[1]"}
WHERE: dict[str, dict[str, str]] = {
    # name: {syntax: XPath of the element (text) or attribute (@name) a value replaces}
    "quantity": {"cii": _LINE["cii"] + "//ram:BilledQuantity", "ubl": _LINE["ubl"] + "/cbc:InvoicedQuantity"},
    "price": {"cii": _LINE["cii"] + "//ram:NetPriceProductTradePrice/ram:ChargeAmount",
              "ubl": _LINE["ubl"] + "/cac:Price/cbc:PriceAmount"},
    "line_net": {"cii": _LINE["cii"] + "//ram:LineTotalAmount", "ubl": _LINE["ubl"] + "/cbc:LineExtensionAmount"},
    "rate": {"cii": _LINE["cii"] + "//ram:RateApplicablePercent", "ubl": _LINE["ubl"] + "//cbc:Percent"},
    "grand_total": {"cii": "//ram:GrandTotalAmount", "ubl": "//cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount"},
    "issue_date": {"cii": "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString",
                   "ubl": "/*/cbc:IssueDate"},
    "due_date": {"cii": "//ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString",
                 "ubl": "/*/cbc:DueDate"},
    "currency_code": {"cii": "//ram:InvoiceCurrencyCode", "ubl": "/*/cbc:DocumentCurrencyCode"},
    "currency_attr": {"cii": "//@currencyID", "ubl": "//@currencyID"},
    "unit_attr": {"cii": "//@unitCode", "ubl": "//@unitCode"},
    "seller_name": {"cii": "//ram:SellerTradeParty/ram:Name",
                    "ubl": "//cac:AccountingSupplierParty//cbc:RegistrationName"},
}
"""Where :func:`substitute` puts a value (every match is replaced)."""
GROUPS = {
    "line": {"cii": "ram:IncludedSupplyChainTradeLineItem", "ubl": "cac:InvoiceLine"},
    "allowance": {"cii": "ram:SpecifiedTradeAllowanceCharge", "ubl": "cac:AllowanceCharge"},
    "vat_breakdown": {"cii": "ram:ApplicableTradeTax", "ubl": "cac:TaxSubtotal"},
    "note": {"cii": "ram:IncludedNote", "ubl": "cbc:Note"},
    "payment_means": {"cii": "ram:SpecifiedTradeSettlementPaymentMeans", "ubl": "cac:PaymentMeans"},
}
"""Repeated groups :func:`empty_group` leaves without a recognised child."""


# ---------------------------------------------------------------------------- documents

def fixture(name: str = "fr_b2b") -> Any:
    from facturx_engine import load_document

    return load_document(json.loads((FIXTURES / "invoices" / f"{name}.json").read_text(encoding="utf-8")))


@cache
def base(syntax: str, name: str = "allowances_charges") -> bytes:
    """A valid engine-written invoice (fixture ``name``) in ``syntax`` (``cii`` or ``ubl``)."""
    import warnings

    from facturx_engine import to_cii, to_ubl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return to_cii(fixture(name)) if syntax == "cii" else to_ubl(fixture(name))


def _tree(syntax: str) -> Any:
    return etree.fromstring(base(syntax))


def _bytes(root: Any) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def substitute(syntax: str, where: str, value: str) -> bytes:
    """The base invoice with every match of :data:`WHERE` ``[where]`` set to ``value``."""
    root = _tree(syntax)
    path = WHERE[where][syntax]
    found = root.xpath(path, namespaces=NS)
    assert found, f"{where} not found in the {syntax} base"
    for node in found:
        if isinstance(node, str):  # an attribute
            node.getparent().set(node.attrname, value)
        else:
            node.text = value
    return _bytes(root)


def duplicate(syntax: str, where: str) -> bytes:
    """The base invoice with the (first) element of :data:`WHERE` ``[where]`` repeated."""
    root = _tree(syntax)
    elem = root.xpath(WHERE[where][syntax], namespaces=NS)[0]
    elem.addnext(copy.deepcopy(elem))
    return _bytes(root)


def empty_group(syntax: str, group: str, how: str) -> bytes:
    """A repeated group with no recognised child: ``how`` = ``emptied`` (the first one emptied),
    ``added`` (an empty one added after it) or ``unknown`` (its children replaced by an unknown element)."""
    root = _tree(syntax)
    first = root.xpath(f"//{GROUPS[group][syntax]}", namespaces=NS)
    assert first, f"no {group} in the {syntax} base"
    elem = first[0]
    if how == "added":
        twin = copy.deepcopy(elem)
        elem.addnext(twin)
        elem = twin
    for child in list(elem):
        elem.remove(child)
    elem.text = None
    if how == "unknown":
        etree.SubElement(elem, "{urn:example:unknown}Thing").text = "x"
    return _bytes(root)


def invoice(lines: int) -> Any:
    """A valid invoice of ``lines`` lines (two VAT rates, a long name), built with the model."""
    from facturx_engine import Address, Identifier, Invoice, Line, Party, Vat

    seller = Party(name="ACME & Fils SAS", vat_id="FR44732829320", legal_id=Identifier.siren("732829320"),
                   address=Address(line1="1 rue de la Paix", city="Paris", postal_code="75002", country="FR"))
    buyer = Party(name="Client <SARL>", vat_id="FR14987654324",
                  address=Address(line1="2 quai du Port", city="Lyon", postal_code="69001", country="FR"))
    rows = [Line(id=str(i + 1), name=f"Article {i + 1}: conseil et maintenance", quantity=Decimal(1 + i % 7),
                 unit="C62", net_price=Decimal(f"{10 + i % 90}.{i % 100:02d}"),
                 vat=Vat.standard("20" if i % 3 else "5.5")) for i in range(lines)]
    return Invoice(number="F-2026-0001", issue_date=date(2026, 3, 1), due_date=date(2026, 3, 31),
                   seller=seller, buyer=buyer, lines=rows)


def many_lines(syntax: str, lines: int) -> bytes:
    """A valid invoice of ``lines`` lines (about 1.2 KB a line in CII, 1.0 KB in UBL)."""
    from facturx_engine import to_cii, to_ubl

    doc = invoice(lines)
    return to_cii(doc) if syntax == "cii" else to_ubl(doc)


def many_attributes(syntax: str, count: int, where: str = "root") -> bytes:
    """``count`` attributes on one element (the root, or the invoice number element)."""
    data = base(syntax)
    attrs = "".join(f' a{i}="{i}"' for i in range(count)).encode()
    if where == "root":
        head = data.index(b">", data.index(b"<", data.index(b"?>") + 2))
    else:
        tag = b"<ram:ID" if syntax == "cii" else b"<cbc:ID"
        head = data.index(tag) + len(tag)
    return data[:head] + attrs + data[head:]


def big_text(syntax: str, size: int, where: str = "note") -> bytes:
    """A text node of ``size`` characters in a note (BT-22) or the seller name (BT-27)."""
    text = ("Lorem ipsum dolor sit amet. " * (size // 28 + 1))[:size]
    if where == "note":
        root = _tree(syntax)
        notes = root.xpath(f"//{GROUPS['note'][syntax]}", namespaces=NS)
        target = notes[0].find(f"{{{NS['ram']}}}Content") if syntax == "cii" else notes[0]
        target.text = text
        return _bytes(root)
    return substitute(syntax, where, text)


def deep(syntax: str, depth: int) -> bytes:
    """``depth`` nested unknown elements inside the first line."""
    root = _tree(syntax)
    node = root.xpath(_LINE[syntax], namespaces=NS)[0]
    for _ in range(depth):
        node = etree.SubElement(node, "{urn:example:deep}d")
    return _bytes(root)


def attachment(syntax: str, size: int, part: int = 4 << 20) -> bytes:
    """An invoice with attached documents (BG-24) of ``size`` bytes in all, base64, ``part`` bytes
    each at most (libxml2 refuses a text node over 10 MB): up to the 64 MB size cap."""
    import dataclasses

    from facturx_engine import Attachment, to_cii, to_ubl

    blob = bytes(range(256)) * (min(size, part) // 256 + 1)
    sizes = [part] * (size // part) + ([size % part] if size % part else [])
    doc = dataclasses.replace(fixture("fr_b2b"), attachments=tuple(
        Attachment(id=f"ANNEX-{i + 1}", description="annex", content=blob[:n], mime_code="application/pdf",
                   filename=f"annex{i + 1}.pdf") for i, n in enumerate(sizes)))
    return to_cii(doc) if syntax == "cii" else to_ubl(doc)


# ---------------------------------------------------------------------------- PDFs

def deflate_bomb(mib: int, chunk: bytes = b"\0" * (1 << 20)) -> bytes:
    """A zlib stream inflating to ``mib`` MiB (repeats of ``chunk``), about 1 KB per MiB, built in
    milliseconds: each chunk is compressed once after a full flush, so the same block repeats."""
    c = zlib.compressobj(9)
    first = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.flush(zlib.Z_FINISH)
    check = 1
    for _ in range(mib):
        check = zlib.adler32(chunk, check)
    return first + block * (mib - 1) + end[:-4] + check.to_bytes(4, "big")


@cache
def facturx() -> bytes:
    """A valid Factur-X PDF (fixture fr_b2b)."""
    from facturx_engine import to_facturx

    return to_facturx(fixture("fr_b2b"), deterministic=True)


@cache
def layout() -> bytes:
    """A visual invoice to embed into (fixture fr_b2b rendered)."""
    from facturx_engine import render

    return render(fixture("fr_b2b"))


def pdf_bomb(where: str, mib: int) -> bytes:
    """The Factur-X PDF with a stream inflating to ``mib`` MiB: ``attachment`` (another embedded
    file), ``invoice`` (the factur-x.xml itself: a valid start, then a comment that never ends),
    ``content`` (the page content), ``icc`` (the output intent profile)."""
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(facturx()))
    name = pikepdf.Name
    if where == "attachment":
        stream = pikepdf.Stream(pdf, b"")
        stream.write(deflate_bomb(mib), filter=name.FlateDecode)
        stream.Type, stream.Subtype = name.EmbeddedFile, name("/application#2Foctet-stream")
        spec = pdf.make_indirect(pikepdf.Dictionary(Type=name.Filespec, F="other.bin", UF="other.bin",
                                                    AFRelationship=name.Data, EF=pikepdf.Dictionary(F=stream)))
        pdf.Root.Names.EmbeddedFiles.Names.extend([pikepdf.String("other.bin"), spec])
        pdf.Root.AF.append(spec)
    elif where == "invoice":
        xml = pdf.attachments["factur-x.xml"].obj.EF.F
        head = facturx_xml()[:200] + b"<!--"
        xml.write(_prefixed_bomb(head, mib), filter=name.FlateDecode)
    elif where == "content":
        page = pdf.pages[0]
        page.obj.Contents = pdf.make_stream(b"")
        page.obj.Contents.write(deflate_bomb(mib, b" " * (1 << 20)), filter=name.FlateDecode)
    elif where == "icc":
        pdf.Root.OutputIntents[0].DestOutputProfile.write(deflate_bomb(mib), filter=name.FlateDecode)
    else:
        raise ValueError(where)
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return out.getvalue()


def facturx_xml() -> bytes:
    from facturx_engine import extract

    return extract(facturx())[0]


def _prefixed_bomb(head: bytes, mib: int) -> bytes:
    """A zlib stream of ``head`` then ``mib`` MiB of spaces."""
    chunk = b" " * (1 << 20)
    c = zlib.compressobj(9)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.flush(zlib.Z_FINISH)
    check = zlib.adler32(head)
    for _ in range(mib):
        check = zlib.adler32(chunk, check)
    return first + block * mib + end[:-4] + check.to_bytes(4, "big")


# ---------------------------------------------------------------------------- payloads

def payload(name: str = "b2b", *, raw: bool = False) -> dict[str, Any]:
    """A payload fixture, numbers as Decimal (as the CLI reads it) or, ``raw``, as plain JSON gives them."""
    from facturx_engine.io.payload import load_json

    text = (FIXTURES / "payloads" / f"{name}.json").read_bytes()
    data: dict[str, Any] = json.loads(text) if raw else load_json(text)
    return data


def payload_with(path: str, value: Any, name: str = "b2b", *, raw: bool = False) -> dict[str, Any]:
    """The payload fixture with ``value`` at the dotted ``path`` (``lines.0.description``)."""
    return _set(payload(name, raw=raw), path, value)


def _set(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``data`` with ``value`` at the dotted ``path``."""
    *head, last = path.split(".")
    node: Any = data
    for key in head:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    node[int(last) if isinstance(node, list) else last] = value
    return data


def payload_bytes(path: str, value: Any, name: str = "b2b", totals: bool = True) -> bytes:
    """:func:`payload_with` as JSON text (control characters and lone surrogates as \\u escapes);
    without the stated totals (``total_ht`` ...) unless ``totals``."""
    data = payload(name, raw=True)
    if not totals:  # before the value is set: the value may be a total itself
        for node in [data, *data.get("lines", ())]:
            for key in [k for k in node if k.startswith("total_")]:
                del node[key]
    return json.dumps(_set(data, path, value)).encode("ascii")


GENERATORS: dict[str, Callable[..., bytes]] = {
    "base": base, "substitute": substitute, "duplicate": duplicate, "empty_group": empty_group, "many_lines": many_lines,
    "many_attributes": many_attributes, "big_text": big_text, "deep": deep, "attachment": attachment,
    "pdf_bomb": pdf_bomb, "facturx": facturx, "payload_bytes": payload_bytes,
}


def generate(name: str, *args: Any) -> bytes:
    return GENERATORS[name](*args)
