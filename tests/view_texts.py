"""Every string a :class:`~facturx_engine.apps.view.model.View` says, for tests that check a drawing
of the view (PDF, HTML) shows them all: ``from view_texts import view_texts`` (tests/ is on sys.path)."""

from __future__ import annotations

from facturx_engine.apps.view.model import Field, Section, Table, View


def view_texts(view: View) -> list[str]:
    """The title, source, syntax and specification; the rule sets and each finding's rule, business
    terms, line and message; each section's title, fields (label, value), tables (caption, column
    labels, cells, details) and nested sections; each attachment's name, type and description. Ids
    of business terms and groups too when the view shows them. Empty strings are left out; sizes
    and severities are not included (each drawing words them in the view's language)."""
    ids = view.show_ids
    out = [view.title, view.source, view.syntax, view.specification]
    out += view.rule_sets
    for f in view.findings:
        out += [f.rule, f.message, *f.bt_ids, "" if f.line is None else str(f.line)]
    for section in view.sections:
        out += _section(section, ids)
    for a in view.attachments:
        out += [a.name, a.mime, a.description]
    return [text for text in out if text]


def _fields(fields: tuple[Field, ...], ids: bool) -> list[str]:
    out = []
    for f in fields:
        out += [f.label, f.value, f.term if ids else ""]
    return out


def _table(t: Table, ids: bool) -> list[str]:
    out = [t.caption, t.group if ids else ""]
    for c in t.columns:
        out += [c.label, c.term if ids else ""]
    for row in t.rows:
        out += row
    for details in t.details:
        out += _fields(details, ids)
    return out


def _section(s: Section, ids: bool) -> list[str]:
    out = [s.title, s.group if ids else "", *_fields(s.fields, ids)]
    for t in s.tables:
        out += _table(t, ids)
    for sub in s.sections:
        out += _section(sub, ids)
    return out
