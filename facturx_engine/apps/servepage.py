"""The HTML pages of the local validator page (:mod:`facturx_engine.apps.serve`): the upload form, the
validation report a person reads, and the page of a request that was refused.

Each page is one self-contained UTF-8 document: inline CSS, no script, no external fetch, ``lang`` set,
readable on a phone. Every text that comes from the upload (its file name, a finding's message, a location)
goes through :func:`~facturx_engine.apps.display.printable` and is then HTML-escaped: an uploaded file
can neither inject markup nor hide text with control characters.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterable, Sequence

from facturx_engine.apps.batch import FileResult
from facturx_engine.apps.display import printable
from facturx_engine.findings import Finding
from facturx_engine.i18n.catalogue import labels
from facturx_engine.validation.findings import RuleSetUse

__all__ = ["LANG_NAMES", "converted_page", "error_page", "form_page", "report_page", "words"]

LANG_NAMES = {"fr": "Français", "en": "English", "de": "Deutsch"}
"""The languages of the page and of the view, as the form offers them."""


def words(key: str, lang: str, **values: object) -> str:
    """The page's own words ``serve.<key>`` of the catalogue (``i18n/serve.tsv``) in ``lang``, with ``{name}``
    filled from ``values``."""
    text = labels(lang)[f"serve.{key}"]
    return text.format(**values) if values else text

_CSS = """
:root{color-scheme:light;--ink:#1a1a1a;--muted:#555;--line:#c8c8c8;--accent:#0b4f8a;--ok:#0a6b2d;--bad:#a0141e}
*{box-sizing:border-box}
body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);
 margin:0 auto;padding:1rem;max-width:72rem;background:#fff}
h1{font-size:1.5rem;margin:.2rem 0 1rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
a{color:var(--accent)}
.note{color:var(--muted);font-size:.9rem}
.drop{display:block;border:2px dashed var(--accent);border-radius:.6rem;padding:1.5rem;margin:0 0 1rem;
 background:#f3f7fb}
.drop input{display:block;margin-top:.8rem;width:100%;padding:1.2rem .5rem;font-size:1rem;border:1px solid
 var(--line);border-radius:.4rem;background:#fff}
.drop:focus-within,.drop:hover{background:#e6eff8}
fieldset{border:1px solid var(--line);border-radius:.4rem;margin:0 0 1rem;padding:.5rem 1rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:1rem 0}
button,.button{font:inherit;padding:.55rem 1rem;border-radius:.4rem;border:1px solid var(--accent);
 background:var(--accent);color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#fff;color:var(--accent)}
button:focus-visible,.button:focus-visible{outline:3px solid #f5b700;outline-offset:2px}
.verdict{font-size:1.2rem;font-weight:700;padding:.6rem 1rem;border-radius:.4rem;border-left:.5rem solid}
.valid{color:var(--ok);background:#eaf6ee;border-color:var(--ok)}
.invalid{color:var(--bad);background:#fbeaea;border-color:var(--bad)}
.unchecked{color:var(--ink);background:#f1f1f1;border-color:var(--muted)}
.table{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{border:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f4}
td.fatal{color:var(--bad);font-weight:700}td.warning{color:#7a4d00;font-weight:700}
code{font-family:"DejaVu Sans Mono",monospace;font-size:.88em;overflow-wrap:anywhere}
@media print{.actions,form{display:none}body{max-width:none}}
"""


def _e(text: object) -> str:
    """``text`` made printable (control characters spelt out) and escaped for HTML."""
    return html.escape(printable(str(text)), quote=True)


def page(title: str, body: str, *, lang: str = "en") -> str:
    """A whole self-contained HTML document around ``body`` (already HTML)."""
    return (f'<!doctype html>\n<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">\n'
            f'<meta name="referrer" content="no-referrer">\n<title>{html.escape(title)}</title>\n'
            f"<style>{_CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n")


def _mib(size: int) -> str:
    value = size / (1 << 20)
    return f"{value:.0f} MB" if value >= 1 else f"{size // 1024} KB"


def form_page(max_bytes: int, lang: str = "en") -> str:
    """The start page in ``lang``: one form, a file (chosen, or dropped on the field), the language of the page and
    of the view (``lang`` chosen), and a button per action."""
    langs = "".join(f'<label><input type="radio" name="lang" value="{code}"{" checked" if code == lang else ""}>'
                    f" {name}</label> " for code, name in LANG_NAMES.items())

    def w(key: str, **values: object) -> str:
        return html.escape(words(key, lang, **values))

    actions = "\n".join((
        f'<button type="submit" formaction="/view">{w("form.view")}</button>',
        f'<button type="submit" class="secondary" formaction="/view" name="format" value="pdf">{w("form.view_pdf")}'
        "</button>",
        f'<button type="submit" formaction="/validate">{w("form.validate")}</button>',
        *(f'<button type="submit" class="secondary" formaction="/convert" name="to" value="{to}">'
          f'{w("form.to_" + to)}</button>' for to in ("cii", "ubl", "facturx"))))
    body = f"""<h1>{w("form.title")}</h1>
<p class="note">{w("form.privacy")}</p>
<form method="post" action="/view" enctype="multipart/form-data">
<label class="drop" for="file"><strong>{w("form.file")}</strong>{w("form.file_help", size=_mib(max_bytes))}
<input id="file" type="file" name="file" required accept=".xml,.pdf,application/xml,text/xml,application/pdf">
</label>
<fieldset><legend>{w("form.language")}</legend>{langs}
<label><input type="checkbox" name="ids" value="1"> {w("form.ids")}</label></fieldset>
<div class="actions">
{actions}
</div>
</form>"""
    return page(words("form.page_title", lang), body, lang=lang)


def _verdict(result: FileResult, lang: str) -> tuple[str, str]:
    """(CSS class, words) of the verdict of ``result``."""
    if result.io_error:
        return "unchecked", words("verdict.not_checked", lang)
    if result.syntax is None:
        return "unchecked", words("verdict.not_invoice", lang)
    return ("valid", words("verdict.valid", lang)) if result.valid else ("invalid", words("verdict.invalid", lang))


def _what(result: FileResult, lang: str) -> str:
    parts = [result.syntax or words("report.not_invoice", lang)]
    if result.document and result.document not in parts[0]:
        parts.append(result.document)
    text = " ".join(parts)
    return f"{text}, {words('report.profile', lang)} {result.profile}" if result.profile else text


def _rule_sets(uses: Sequence[RuleSetUse], lang: str) -> str:
    if not uses:
        return f"<p>{html.escape(words('report.no_rule_set', lang))}</p>"
    yes, missing = html.escape(words("report.yes", lang)), html.escape(words("report.not_installed", lang))
    rows = "".join(f"<tr><td>{_e(u.name)}</td><td>{_e(u.version)}</td><td>{_e(u.reason)}</td>"
                   f"<td><code>{_e(u.artefact)}</code><br><code>sha256 {_e(u.sha256[:16])}…</code></td>"
                   f"<td>{yes if u.installed else f'<strong>{missing}</strong>'}</td></tr>" for u in uses)
    heads = "".join(f'<th scope="col">{html.escape(words("report." + key, lang))}</th>'
                    for key in ("rule_set", "version", "why", "artefact", "installed"))
    return f'<div class="table"><table><thead><tr>{heads}</tr></thead><tbody>{rows}</tbody></table></div>'


def short_location(location: str) -> str:
    """An XPath of a finding without its namespace predicates: ``/*:Invoice[namespace-uri()='…'][1]`` reads
    as ``/Invoice``."""
    text = re.sub(r"\[namespace-uri\(\)='[^']*'\]", "", location)
    text = re.sub(r"Q\{[^}]*\}", "", text).replace("*:", "")
    return text.replace("[1]", "")


def findings_table(findings: Iterable[Finding], lang: str = "en") -> str:
    """The findings as a table: severity, rule, business terms, location (and line), message."""
    rows = []
    for f in findings:
        where = short_location(f.location)
        if f.line is not None:
            where += f" ({words('report.line', lang)} {f.line})"
        rows.append(f'<tr><td class="{"fatal" if f.severity == "fatal" else "warning"}">{_e(f.severity)}</td>'
                    f"<td><code>{_e(f.rule)}</code></td><td>{_e(', '.join(f.bt_ids))}</td>"
                    f"<td><code>{_e(where)}</code></td><td>{_e(' '.join(f.message.split()))}</td></tr>")
    if not rows:
        return f"<p>{html.escape(words('report.no_finding', lang))}</p>"
    heads = "".join(f'<th scope="col">{html.escape(words("report." + key, lang))}</th>'
                    for key in ("severity", "rule", "terms", "location", "message"))
    return f'<div class="table"><table><thead><tr>{heads}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


def _download(label: str, content: str | bytes, filename: str, mime: str, css: str = "button secondary") -> str:
    """A link that saves ``content`` as ``filename``: a ``data:`` URI, so nothing is kept on the server."""
    data = base64.b64encode(content.encode("utf-8") if isinstance(content, str) else content).decode("ascii")
    charset = ";charset=utf-8" if isinstance(content, str) else ""
    return (f'<a class="{css}" download="{html.escape(filename)}" '
            f'href="data:{mime}{charset};base64,{data}">{html.escape(label)}</a>')


def report_page(result: FileResult, name: str, stem: str, reports: dict[str, str], lang: str = "en") -> str:
    """The validation report of one upload as a page in ``lang``: the verdict, what the document is, the rule sets
    applied (version, why), the findings, and links to save the JSON and SARIF reports (``reports``: format ->
    text). The findings' messages are the engine's, as the reports hold them."""
    css, verdict = _verdict(result, lang)
    n = len(result.warnings)
    counts = words("report.counts_one" if n == 1 else "report.counts", lang, fatal=len(result.errors), warnings=n)
    links = "".join((_download(words("report.json", lang), reports["json"], f"{stem}.report.json",
                               "application/json") if "json" in reports else "",
                     _download(words("report.sarif", lang), reports["sarif"], f"{stem}.sarif",
                               "application/sarif+json") if "sarif" in reports else ""))
    body = f"""<h1>{html.escape(words("report.title", lang))} <code>{_e(name)}</code></h1>
<p class="verdict {css}" role="status">{html.escape(verdict)} <span class="note">({html.escape(counts)})</span></p>
<p>{_e(_what(result, lang))}</p>
<h2>{html.escape(words("report.rule_sets", lang))}</h2>
{_rule_sets(result.rule_sets, lang)}
<h2>{html.escape(words("report.findings", lang))}</h2>
{findings_table(result.findings, lang)}
<div class="actions">{links}
<a class="button" href="/?lang={lang}">{html.escape(words("report.another", lang))}</a></div>
<p class="note">{words("report.note", lang)}</p>"""
    return page(f"{verdict}: {printable(name)}", body, lang=lang)


def converted_page(name: str, what: str, data: bytes, filename: str, mime: str, lost: Sequence[str],
                   notes: Sequence[str], lang: str = "en") -> str:
    """A conversion that does not carry everything, or that changed something: what, one line each (as the
    command line prints ``lost:`` and ``notice:`` lines), and the converted document to download all the same."""
    n = len(lost)
    title = words("converted.title", lang, what=what)
    if n:
        title += words("converted.lost_one" if n == 1 else "converted.lost", lang, n=n)
    items = "".join(f"<li>{_e(item)}</li>" for item in lost)
    told = "".join(f"<li>{_e(item)}</li>" for item in notes)
    body = f"""<h1>{html.escape(title)}</h1>
<p>{html.escape(words("converted.file", lang))} <code>{_e(name)}</code>.
{html.escape(words("converted.intro", lang))}</p>
{f'<h2>{html.escape(words("converted.not_carried", lang))}</h2><ul role="list">{items}</ul>' if items else ""}
{f'<h2>{html.escape(words("converted.notes", lang))}</h2><ul>{told}</ul>' if told else ""}
<div class="actions">{_download(words("converted.download", lang, filename=filename), data, filename, mime, "button")}
<a class="button secondary" href="/?lang={lang}">{html.escape(words("report.another", lang))}</a></div>"""
    return page(title, body, lang=lang)


def error_page(title: str, message: str, *, name: str = "", findings: Sequence[Finding] = (), lang: str = "en") -> str:
    """The page of a refused request in ``lang``: what was refused, the message and, when there are some, the
    findings that refused it."""
    about = f"<p>{html.escape(words('converted.file', lang))} <code>{_e(name)}</code></p>" if name else ""
    heading = html.escape(words("report.findings", lang))
    table = f"<h2>{heading}</h2>{findings_table(findings, lang)}" if findings else ""
    body = f"""<h1>{html.escape(title)}</h1>
{about}<p class="verdict invalid" role="alert">{_e(message)}</p>
{table}
<div class="actions"><a class="button" href="/?lang={lang}">{html.escape(words("error.back", lang))}</a></div>"""
    return page(title, body, lang=lang)
