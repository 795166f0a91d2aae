"""XMP metadata of a PDF/A-3 Factur-X file: the model read from a packet (:func:`parse_xmp`,
:func:`read_xmp`: the top-level properties; :func:`extension_schemas`: the PDF/A extension schemas
declared) and the packet :func:`~facturx_engine.pdf.embed.embed` writes (:func:`xmp_packet`).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

import pikepdf
from lxml import etree

from facturx_engine.errors import PdfError
from facturx_engine.pdf.limits import MAX_XMP_BYTES, StreamLimit, read_stream
from facturx_engine.pdf.primitives import FX_NAMESPACE, parse_xml

__all__ = ["NS", "ExtensionSchema", "Xmp", "extension_schemas", "parse_xmp", "read_xmp", "xmp_packet"]

NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
    "pdfaType": "http://www.aiim.org/pdfa/ns/type#",
    "pdfaField": "http://www.aiim.org/pdfa/ns/field#",
}
RDF = NS["rdf"]
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


# --------------------------------------------------------------------------- reading


@dataclass
class Xmp:
    """The top-level XMP properties: ``{(namespace, name): value}``; value is a str or a list."""

    root: etree._Element
    props: dict[tuple[str, str], Any] = field(default_factory=dict)
    prefixes: dict[str, str] = field(default_factory=dict)  # namespace -> prefix seen

    def get(self, ns: str, name: str) -> Any:
        return self.props.get((ns, name))

    def text(self, ns: str, name: str) -> str | None:
        value = self.props.get((ns, name))
        if isinstance(value, list):
            return value[0] if value else None
        return value


_CONTAINERS = {f"{{{RDF}}}Alt": 0, f"{{{RDF}}}Seq": 1, f"{{{RDF}}}Bag": 2}
_LI = f"{{{RDF}}}li"


def _value(el: etree._Element) -> Any:
    """Text of a simple property; list of texts for rdf:Alt/Seq/Bag (x-default first; an Alt
    child wins over a Seq, a Seq over a Bag, the first of each kind counts)."""
    if len(el):
        container, rank = None, 3
        for child in el:
            r = _CONTAINERS.get(child.tag, 3) if isinstance(child.tag, str) else 3
            if r < rank:
                container, rank = child, r
        if container is None:
            return el  # a structure: kept as an element
        items = container.findall(_LI)
        if rank == 0:
            items.sort(key=lambda li: li.get(_XML_LANG) != "x-default")
        return [li.text or "" for li in items]
    if el.get(f"{{{RDF}}}parseType") == "Resource":
        return el  # a structure: kept as an element
    resource = el.get(f"{{{RDF}}}resource")
    if resource is not None:
        return resource
    return el.text or ""  # XMP text is significant, whitespace included


def _split_tag(tag: str) -> tuple[str, str]:
    """'{namespace}local' -> (namespace, local); no namespace -> ('', tag)."""
    if tag[:1] == "{":
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def parse_xmp(data: bytes) -> Xmp:
    """Parse an XMP packet (raises ``etree.XMLSyntaxError``)."""
    root = parse_xml(data)
    xmp = Xmp(root)
    rdf = f"{{{RDF}}}RDF"
    for desc in root.iter(f"{{{RDF}}}Description"):
        parent = desc.getparent()
        if parent is None or parent.tag != rdf:
            continue  # a nested structure, not a top-level property holder
        for attr, value in desc.attrib.items():
            ns, local = _split_tag(str(attr))
            if ns and ns not in (RDF, "http://www.w3.org/XML/1998/namespace"):
                xmp.props[(ns, local)] = value
        for child in desc:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            ns, local = _split_tag(tag)
            xmp.props[(ns, local)] = _value(child)
            if child.prefix:
                xmp.prefixes.setdefault(ns, child.prefix)
    return xmp


@dataclass
class ExtensionSchema:
    """A PDF/A extension schema: its namespace, prefix and properties (name -> valueType, category, description)."""

    namespace: str
    prefix: str | None
    properties: dict[str, dict[str, str | None]]


def _field(el: etree._Element, ns: str, name: str) -> str | None:
    """A field of an rdf:parseType="Resource" li (child element, or attribute)."""
    return _fields(el, ns, (name,))[name]


def _fields(el: etree._Element, ns: str, names: tuple[str, ...]) -> dict[str, str | None]:
    """:func:`_field` for several names, reading the children of ``el`` once: for each name the
    stripped text of the first child element of that name, else the attribute, else the field
    of the first nested rdf:Description, else None."""
    first: dict[Any, etree._Element] = {}
    for child in el:
        first.setdefault(child.tag, child)
    out: dict[str, str | None] = {}
    desc = first.get(_DESCRIPTION)
    for name in names:
        tag = f"{{{ns}}}{name}"
        found = first.get(tag)
        if found is not None:
            out[name] = (found.text or "").strip()
            continue
        value = el.get(tag)
        if value is not None:
            out[name] = value.strip()
        else:
            out[name] = _field(desc, ns, name) if desc is not None else None
    return out


_DESCRIPTION = f"{{{RDF}}}Description"
_PROPERTY_FIELDS = ("name", "valueType", "category", "description")


def extension_schemas(xmp: Xmp) -> list[ExtensionSchema]:
    """The PDF/A extension schemas declared in ``pdfaExtension:schemas``."""
    schemas: list[ExtensionSchema] = []
    for holder in xmp.root.iter(f"{{{NS['pdfaExtension']}}}schemas"):
        for li in holder.iter(f"{{{RDF}}}li"):
            if li.getparent() is None or li.getparent().getparent() is not holder:  # type: ignore[union-attr]
                continue
            head = _fields(li, NS["pdfaSchema"], ("namespaceURI", "prefix"))
            namespace = head["namespaceURI"] or ""
            prefix = head["prefix"]
            props: dict[str, dict[str, str | None]] = {}
            for prop_holder in li.iter(f"{{{NS['pdfaSchema']}}}property"):
                for pli in prop_holder.iter(f"{{{RDF}}}li"):
                    spec = _fields(pli, NS["pdfaProperty"], _PROPERTY_FIELDS)
                    pname = spec.pop("name")
                    if pname is None:
                        props.setdefault("", {})
                        continue
                    props[pname] = spec
            schemas.append(ExtensionSchema(namespace, prefix, props))
    return schemas


def read_xmp(pdf: pikepdf.Pdf, *, strict: bool = False) -> tuple[bytes | None, Xmp | None]:
    """The catalog's XMP packet and its properties; (None, None) when there is none or it cannot
    be decoded (``strict=True``: :class:`StreamLimit` past :data:`MAX_XMP_BYTES` is raised)."""
    md = pdf.Root.get("/Metadata")
    if not isinstance(md, pikepdf.Stream):
        return None, None
    try:
        raw = read_stream(md, cap=MAX_XMP_BYTES, what="XMP metadata stream")
    except StreamLimit:
        if strict:
            raise
        return None, None
    except PdfError:
        return None, None
    try:
        return raw, parse_xmp(raw)
    except etree.XMLSyntaxError:
        return raw, None


# --------------------------------------------------------------------------- writing


def _xmp_date(when: _dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S+00:00")


_FX_DESCRIPTIONS = {
    "DocumentFileName": "File name of the invoice XML embedded in this PDF",
    "DocumentType": "Kind of the embedded business document, INVOICE for an invoice",
    "Version": "Version of the Factur-X specification the embedded XML follows",
    "ConformanceLevel": "Factur-X profile of the embedded XML, as named in BT-24",
}


def xmp_packet(*, title: str, author: str, subject: str, keywords: str, creator: str, producer: str,
               when: _dt.datetime, filename: str, level: str) -> bytes:
    """The XMP packet, written from the requirements of ISO 19005-3 6.6 and Factur-X 1.07 (no template copied)."""
    e = escape
    date = _xmp_date(when)
    props = "".join(
        "\n            <rdf:li rdf:parseType=\"Resource\">"
        f"\n              <pdfaProperty:name>{name}</pdfaProperty:name>"
        "\n              <pdfaProperty:valueType>Text</pdfaProperty:valueType>"
        "\n              <pdfaProperty:category>external</pdfaProperty:category>"
        f"\n              <pdfaProperty:description>{e(text)}</pdfaProperty:description>"
        "\n            </rdf:li>"
        for name, text in _FX_DESCRIPTIONS.items()
    )
    text = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>3</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{e(title)}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{e(author)}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{e(subject)}</rdf:li></rdf:Alt></dc:description>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <xmp:CreatorTool>{e(creator)}</xmp:CreatorTool>
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
   <xmp:MetadataDate>{date}</xmp:MetadataDate>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Producer>{e(producer)}</pdf:Producer>
   <pdf:Keywords>{e(keywords)}</pdf:Keywords>
  </rdf:Description>
  <rdf:Description rdf:about=""
      xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
      xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
      xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
   <pdfaExtension:schemas>
    <rdf:Bag>
     <rdf:li rdf:parseType="Resource">
      <pdfaSchema:schema>Factur-X hybrid invoice properties</pdfaSchema:schema>
      <pdfaSchema:namespaceURI>{FX_NAMESPACE}</pdfaSchema:namespaceURI>
      <pdfaSchema:prefix>fx</pdfaSchema:prefix>
      <pdfaSchema:property>
       <rdf:Seq>{props}
       </rdf:Seq>
      </pdfaSchema:property>
     </rdf:li>
    </rdf:Bag>
   </pdfaExtension:schemas>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:fx="{FX_NAMESPACE}">
   <fx:DocumentType>INVOICE</fx:DocumentType>
   <fx:DocumentFileName>{e(filename)}</fx:DocumentFileName>
   <fx:Version>1.0</fx:Version>
   <fx:ConformanceLevel>{e(level)}</fx:ConformanceLevel>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return text.encode("utf-8")
