"""Draw a :class:`~facturx_engine.apps.view.model.View` as one self-contained HTML file: :func:`to_html`.

The file stands alone: its CSS is inline, it has no script and fetches nothing (no ``src``; the only
``href`` are the ``data:`` URIs of the attached files, downloaded with the ``download`` attribute, so a
person saves them without any script; a URL the document states, such as BT-124, is shown as text).
Every text of the document is HTML-escaped, and characters that could reorder or hide what is shown
(bidirectional overrides, control characters) are written as visible escapes
(:func:`facturx_engine.apps.display.printable`).

Accessible and printable: ``lang`` on ``<html>``, semantic tables (``<caption>``, ``<th scope>``), dark
text on light backgrounds (contrast ratios in the CSS), tables that scroll horizontally in their own box on a
phone, and print rules that keep rows and fields whole and start the invoice lines on a new page.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterable
from decimal import Decimal

from facturx_engine.apps.display import printable
from facturx_engine.apps.view.model import Attachment, Field, Section, Table, View
from facturx_engine.findings import Finding
from facturx_engine.i18n import Fmt, label

__all__ = ["to_html"]

_CSS = """
/* Contrast (WCAG 2 ratios): text #1b1b1b on #fff 17.2:1, on #eef1f5 15.2:1; muted #4a4a4a on #fff 8.9:1,
   on #f7f8fa 8.3:1; ids #3d3d3d on #e6eaf0 9.0:1; links #0a4fa3 on #fff 7.9:1; valid #0b5d1e on #e3f2e7
   7.0:1; invalid #8a1c1c on #fbe9e9 7.9:1; warnings #6b4e00 on #fff4d6 7.1:1. All above AAA (7:1). */
:root { color: #1b1b1b; background: #fff; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif;
       margin: 0 auto; padding: 1rem; max-width: 72rem; }
h1 { font-size: 1.6rem; margin: .2rem 0 .4rem; }
h2 { font-size: 1.25rem; margin: 1.6rem 0 .5rem; padding-bottom: .2rem; border-bottom: 2px solid #c9d1dc; }
h3 { font-size: 1.05rem; margin: 1rem 0 .4rem; }
.meta { color: #4a4a4a; margin: 0 0 1rem; overflow-wrap: anywhere; }
.id { font: .78em/1 ui-monospace, "DejaVu Sans Mono", monospace; color: #3d3d3d; background: #e6eaf0;
      border-radius: 3px; padding: .1em .3em; white-space: nowrap; }
dl.fields { display: grid; grid-template-columns: minmax(9rem, 20rem) 1fr; gap: .15rem 1rem; margin: 0; }
dl.fields > div { display: contents; }
dt { color: #4a4a4a; }
dd { margin: 0; }
dd, td, th { white-space: pre-wrap; }
dd { overflow-wrap: anywhere; }
td, th { overflow-wrap: break-word; min-width: 4rem; }  /* a table wider than the screen scrolls in its box */
td.message { min-width: 16rem; }
td.where { overflow-wrap: anywhere; min-width: 10rem; }  /* XPaths break anywhere, the message keeps its room */
th.rule { white-space: nowrap; }
.scroll { overflow-x: auto; max-width: 100%; margin: .4rem 0 1rem; }
.scroll:focus { outline: 2px solid #0a4fa3; }
table { border-collapse: collapse; min-width: 100%; }
caption { text-align: left; font-weight: 600; padding: .2rem 0; }
th, td { border: 1px solid #c9d1dc; padding: .3rem .45rem; text-align: left; vertical-align: top; }
thead th { background: #eef1f5; }
tbody th { font-weight: normal; }
.vh { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.num { text-align: right; white-space: nowrap; }
tr.details td { background: #f7f8fa; }
tr.details dl.fields { font-size: .93em; }
a { color: #0a4fa3; }
.verdict { display: inline-block; font-weight: 700; padding: .25rem .7rem; border-radius: 4px; }
.verdict.valid { color: #0b5d1e; background: #e3f2e7; }
.verdict.invalid { color: #8a1c1c; background: #fbe9e9; }
.verdict.none { color: #4a4a4a; background: #f7f8fa; }
td.fatal { color: #8a1c1c; background: #fbe9e9; font-weight: 600; }
td.warning { color: #6b4e00; background: #fff4d6; }
footer { color: #4a4a4a; margin-top: 2rem; font-size: .9em; }
@media (max-width: 40rem) {
  body { padding: .6rem; font-size: 14px; }
  dl.fields { grid-template-columns: 1fr; }
  dd { margin-bottom: .4rem; }
}
@media print {
  /* Each part is kept on one page where it fits; the findings end their page and the invoice lines
     start a new one; a row (with its details) and a field are never cut; table headers repeat. */
  body { max-width: none; padding: 0; font-size: 10pt; }
  .scroll { overflow: visible; }
  section.part { break-inside: avoid-page; }
  section.validation { break-after: page; }
  section#s-lines { break-before: page; }
  h2, h3, caption { break-after: avoid-page; }
  tbody, tr, dl.fields > div, dt, dd { break-inside: avoid; }
  thead { display: table-header-group; }
}
"""

_MIME = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NS_PREDICATE = re.compile(r"\[namespace-uri\(\)='[^']*'\]")


def _e(text: str) -> str:
    """``text`` safe in HTML: escaped, unsafe characters shown as escapes (line breaks and tabs kept)."""
    return html.escape("\r".join(printable(part, keep_newlines=True) for part in str(text).split("\r")))


def _id(term: str, show: bool) -> str:
    return f' <span class="id">{_e(term)}</span>' if show and term else ""


def to_html(view: View) -> bytes:
    """The view as one self-contained UTF-8 HTML file (see the module docstring)."""
    lang = view.lang
    parts = [f'<!DOCTYPE html>\n<html lang="{_e(lang)}">\n<head>\n<meta charset="utf-8">\n'
             '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
             f"<title>{_e(view.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<header>\n"
             f"<h1>{_e(view.title)}</h1>\n{_meta(view)}</header>\n<main>\n",
             _findings(view)]
    parts += [_section(s, view.show_ids, 2) for s in view.sections]
    parts.append(_files(view.attachments, lang))
    from facturx_engine.apps.report import engine_name

    parts.append(f"</main>\n<footer><p>{_e(label('view.footer', lang).format(engine=engine_name()))}</p>"
                 "</footer>\n</body>\n</html>\n")
    return "".join(parts).encode("utf-8")


def _meta(view: View) -> str:
    items = [(label("view.source", view.lang), view.source), (label("view.syntax", view.lang), view.syntax),
             (label("view.specification", view.lang), view.specification)]
    shown = " · ".join(f"{_e(k)}: {_e(v)}" for k, v in items if v)
    return f'<p class="meta">{shown}</p>\n'


# --------------------------------------------------------------------------- findings


def _findings(view: View) -> str:
    lang = view.lang
    verdict = ("invalid", "view.not_checked") if not view.checked else ("none", "view.not_validated") \
        if view.valid is None else ("valid", "view.valid") if view.valid else ("invalid", "view.invalid")
    out = [f'<section class="part validation" id="s-validation" aria-labelledby="h-validation">\n'
           f'<h2 id="h-validation">{_e(label("view.validation", lang))}</h2>\n'
           f'<p><span class="verdict {verdict[0]}">{_e(label(verdict[1], lang))}</span></p>\n']
    if view.rule_sets:
        out.append(f"<h3>{_e(label('view.rule_sets', lang))}</h3>\n<ul>\n")
        out += [f"<li>{_e(rule_set)}</li>\n" for rule_set in view.rule_sets]
        out.append("</ul>\n")
    checked = [f for f in view.findings if not f.kind]
    reading = [f for f in view.findings if f.kind]
    if view.valid is not None or not view.checked:
        out.append(_finding_table(checked, label("view.findings", lang), lang, view.show_ids))
    out.append(_finding_table(reading, label("view.reading", lang), lang, view.show_ids))
    out.append("</section>\n")
    return "".join(out)


def _finding_table(findings: list[Finding], caption: str, lang: str, show_ids: bool) -> str:
    if not findings:
        return f"<h3>{_e(caption)}</h3>\n<p>{_e(label('view.no_findings', lang))}</p>\n"
    heads = "".join(f'<th scope="col">{_e(label(k, lang))}</th>' for k in
                    ("view.col.severity", "view.col.rule", "view.col.terms", "view.col.location", "view.col.message"))
    rows = []
    for f in findings:
        severity = f.severity if f.severity in ("fatal", "warning") else ""
        shown = label(f"view.severity.{severity}", lang) if severity else f.severity
        where = _location(f.location) + (f" ({label('view.line', lang)} {f.line})" if f.line else "")
        rows.append(f'<tr><td class="{severity}">{_e(shown)}</td><th scope="row" class="rule">{_e(f.rule)}</th>'
                    f'<td>{_e(", ".join(f.bt_ids))}</td><td class="where">{_e(where)}</td><td class="message">'
                    f'{_e(" ".join(f.message.split()))}</td></tr>\n')
    return _scroll(caption, f"<thead><tr>{heads}</tr></thead>\n<tbody>\n{''.join(rows)}</tbody>\n")


def _location(location: str) -> str:
    """An XPath made short, ``/*:A[namespace-uri()='…'][1]/*:B[namespace-uri()='…'][2]`` -> ``/A/B[2]``;
    a model path (``lines[1].vat``, reading's findings) as it is."""
    if not location.startswith("/"):
        return location
    text = _NS_PREDICATE.sub("", location)
    return re.sub(r"\[1\](?=/|$)", "", re.sub(r"Q\{[^}]*\}", "", text).replace("*:", ""))


def _scroll(caption: str, body: str, hidden: bool = False, group_id: str = "") -> str:
    """A table in its own horizontally scrolling box (reachable by keyboard, named by its caption;
    ``hidden``: the caption repeats the title above it, and is there for assistive technology only;
    ``group_id``: the id of its business group, shown after the caption when the view shows ids)."""
    cls = ' class="vh"' if hidden else ""
    return (f'<div class="scroll" role="region" tabindex="0" aria-label="{_e(caption)}">\n'
            f"<table>\n<caption{cls}>{_e(caption)}{group_id}</caption>\n{body}</table>\n</div>\n")


# --------------------------------------------------------------------------- content


def _section(section: Section, show_ids: bool, level: int) -> str:
    h = min(level, 6)
    key = _e(section.key)
    cls = ' class="part"' if level == 2 else ""
    out = [f'<section{cls} id="s-{key}" aria-labelledby="h-{key}">\n'
           f'<h{h} id="h-{key}">{_e(section.title)}{_id(section.group, show_ids)}</h{h}>\n']
    if section.fields:
        out.append(_fields(section.fields, show_ids))
    out += [_table(t, show_ids, t.caption == section.title) for t in section.tables]
    out += [_section(s, show_ids, level + 1) for s in section.sections]
    out.append("</section>\n")
    return "".join(out)


def _fields(fields: Iterable[Field], show_ids: bool) -> str:
    items = "".join(f"<div><dt>{_e(f.label)}{_id(f.term, show_ids)}</dt><dd>{_value(f)}</dd></div>\n"
                    for f in fields)
    return f'<dl class="fields">\n{items}</dl>\n'


def _value(field: Field) -> str:
    """A field's value; a date also as machine-readable ``<time>``, another value written differently
    from how it was read with the value as read in its ``title``."""
    if field.raw == field.value or not field.raw:
        return _e(field.value)
    if _ISO_DATE.fullmatch(field.raw):
        return f'<time datetime="{field.raw}">{_e(field.value)}</time>'
    return f'<span title="{_e(field.raw)}">{_e(field.value)}</span>'


def _table(table: Table, show_ids: bool, hidden_caption: bool = False) -> str:
    heads = "".join(f'<th scope="col"{_num(c.numeric)}>{_e(c.label)}{_id(c.term, show_ids)}</th>'
                    for c in table.columns)
    width = max(1, len(table.columns))
    bodies = []
    for i, row in enumerate(table.rows):
        cells = "".join((f'<th scope="row"{_num(c.numeric)}>{_e(v)}</th>' if j == 0 else
                         f"<td{_num(c.numeric)}>{_e(v)}</td>") for j, (c, v) in enumerate(zip(table.columns, row)))
        details = table.details[i] if i < len(table.details) else ()
        more = f'<tr class="details"><td colspan="{width}">{_fields(details, show_ids)}</td></tr>\n' if details else ""
        bodies.append(f"<tbody>\n<tr>{cells}</tr>\n{more}</tbody>\n")
    return _scroll(table.caption, f"<thead><tr>{heads}</tr></thead>\n{''.join(bodies)}", hidden_caption,
                   _id(table.group, show_ids))


def _num(numeric: bool) -> str:
    return ' class="num"' if numeric else ""


def _files(attachments: tuple[Attachment, ...], lang: str) -> str:
    """The files the document carries, each with a download link holding its bytes (a ``data:`` URI of
    type ``application/octet-stream``: saved, never opened as a page, whatever type the document states)."""
    if not attachments:
        return ""
    heads = "".join(f'<th scope="col"{_num(k == "view.col.size")}>{_e(label(k, lang))}</th>' for k in
                    ("view.col.name", "view.col.origin", "view.col.type", "view.col.size",
                     "view.col.description", "view.col.file"))
    rows = []
    for a in attachments:
        mime = a.mime if _MIME.fullmatch(a.mime) else a.mime and printable(a.mime)
        if a.data is None:
            link, size = _e(a.note or label("view.not_read", lang)), ""
        else:
            name = a.name.replace("/", "_").replace("\\", "_") or "attachment"
            uri = "data:application/octet-stream;base64," + base64.b64encode(a.data).decode("ascii")
            link = f'<a href="{uri}" download="{_e(name)}">{_e(label("view.download", lang))}</a>'
            size = label("view.bytes", lang).format(n=Fmt(lang).num(Decimal(a.size)))
        origin = label(f"view.origin.{a.origin.lower()}", lang) if a.origin in ("BG-24", "pdf") else a.origin
        rows.append(f'<tr><th scope="row">{_e(a.name)}</th><td>{_e(origin)}</td><td>{_e(mime)}</td>'
                    f'<td class="num">{_e(size)}</td>'
                    f"<td>{_e(a.description)}</td><td>{link}</td></tr>\n")
    title = label("view.section.files", lang)
    return (f'<section class="part" id="s-files" aria-labelledby="h-files">\n<h2 id="h-files">{_e(title)}</h2>\n'
            + _scroll(title, f"<thead><tr>{heads}</tr></thead>\n<tbody>\n{''.join(rows)}</tbody>\n") + "</section>\n")
