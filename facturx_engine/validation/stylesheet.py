"""Lean in-memory forms of the official compiled Schematron stylesheets (same findings, less work).

The official stylesheets are XSLT produced by the ISO Schematron "skeleton". For every pattern
they walk the whole document once in their own mode (``M5``, ``M6``, ...): every element (and,
in most of them, every attribute) is matched against the rules of the pattern, and the first rule
that matches fires. They also echo every rule that fired (``svrl:fired-rule``) and walk the whole
document once more per pattern in the default mode, which produces nothing. :func:`lean` rewrites
the stylesheet text before it is compiled (the file on disk is never touched):

* **targeted patterns** -- the ``<xsl:apply-templates select="/" mode="Mx"/>`` that starts the walk
  of pattern ``Mx`` selects instead the nodes that some rule of that pattern matches, in document
  order, and the rules stop recursing. The selection is built from the rules' own match patterns
  by the definition of pattern matching (XSLT 3.0 section 5.5.3: a node matches a pattern ``P``
  when it is in ``root(.)//(P)``), restricted to the kinds of node the walk visits (the document
  node, elements and, when the walk selects ``@*|*``, attributes). Each selected node is matched
  by the same template rules with the same priorities as before, in the same order, so the same
  rule fires on the same node. A pattern whose templates do not have the exact skeleton shape
  (or whose match patterns use ``current()``) keeps its walk.
* **lean SVRL** -- no ``svrl:fired-rule``, no ``svrl:active-pattern`` (with their empty walks),
  no indentation: :mod:`facturx_engine.validation.schematron` only reads ``svrl:failed-assert`` and
  ``svrl:successful-report``, which are written exactly as before.
* **indexed code lists** (Factur-X stylesheets, after the code-DB parameter rewrite of
  :func:`facturx_engine.validation.schematron._optimized_stylesheet`) -- ``$fxe_codedb/codedb/cl[@id=N]/
  enumeration[@value=$v]`` becomes ``key('fxe_code', $v, $fxe_codedb)[parent::cl/@id=N]``: the
  same string comparison of ``@value``, answered by an index built once instead of a scan of the
  5,835 enumerations.

One behavioural difference is possible in principle: XSLT 3.0 treats a dynamic error raised while
matching a pattern as "no match", while the same error in a ``select`` expression stops the
transformation. Each targeted selection is therefore evaluated in an ``xsl:try`` whose ``xsl:catch``
raises the error :data:`LEAN_ERROR`: :mod:`facturx_engine.validation.schematron` reruns the stock
stylesheet on that error only. Any other error is raised by the body of a rule, and the stock
stylesheet raises it too: it runs the same rule bodies on the same nodes in the same order (the
nodes the lean form leaves out only meet the pattern's default template, which evaluates nothing),
so the first error is the same. A document a rule cannot be evaluated on thus costs no second
compiled stylesheet. The equivalence with the stock stylesheets is tested on the whole corpus, in
every profile and rule set, and on deliberately broken documents, those whose evaluation fails
included (``tests/test_validate_codedb.py``, ``tests/test_lean_equivalence.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from facturx_engine.errors import ResourceError

__all__ = ["CODEDB_KEY", "LEAN_ERROR", "Rewrite", "index_code_lists", "lean", "split_union"]

_XSL = "http://www.w3.org/1999/XSL/Transform"
_SVRL = "http://purl.oclc.org/dsdl/svrl"
_T = f"{{{_XSL}}}"
_PATTERN_MODE = re.compile(r"M\d+")
_DEFAULT_MATCH = "@*|node()"
_WALKS = {
    "@*|*": ". instance of document-node() or . instance of element() or . instance of attribute()",
    "*": ". instance of document-node() or . instance of element()",
}
"""Walk selections of the skeleton and the kinds of node they visit, as an XPath condition."""

MAX_SCANS = 1
"""A pattern whose rules need more descendant scans (``//x`` or relative patterns) than this keeps
its walk: one walk matching many rules indexed by name beats many scans (measured with
``benchmarks/bench_validate.py``; absolute paths such as ``/rsm:CrossIndustryInvoice/...`` only
follow existing children and cost no scan)."""

CODEDB_KEY = "fxe_code"
LEAN_ERROR = "fxe-lean-selection-failed"
"""Local name of the error the lean form raises when a targeted selection fails (its message starts
with it too): the stock stylesheet decides then."""
_LEAN_ERROR_NS = "urn:facturx-engine:lean"
_ERR_NS = "http://www.w3.org/2005/xqt-errors"
_CODEDB_LOOKUP = re.compile(
    r"\$fxe_codedb/codedb/cl\[@id=(\d+)\]/enumeration\[@value=(\$codeValue\d+)\]"
)
_CODEDB_PARAM = '<xsl:param name="fxe_codedb" as="document-node()" required="yes"/>'


@dataclass(frozen=True, slots=True)
class Rewrite:
    """What :func:`lean` did: the new text, the patterns targeted and those left walking."""

    text: str
    targeted: tuple[str, ...]
    walking: tuple[str, ...]


def index_code_lists(text: str, relpath: str, calls: int) -> str:
    """Replace the ``calls`` code-DB scans of a rewritten Factur-X stylesheet by key look-ups."""
    out, count = _CODEDB_LOOKUP.subn(
        lambda m: f"key('{CODEDB_KEY}', {m.group(2)}, $fxe_codedb)[parent::cl/@id={m.group(1)}]", text
    )
    if count != calls or text.count(_CODEDB_PARAM) != 1:
        raise ResourceError(
            f"the Schematron {relpath} changed: expected {calls} code-list look-ups, found {count}"
        )
    key = f'<xsl:key name="{CODEDB_KEY}" match="/codedb/cl/enumeration" use="@value"/>'
    return out.replace(_CODEDB_PARAM, _CODEDB_PARAM + key, 1)


def lean(text: str, relpath: str, *, target: bool = True) -> Rewrite:
    """The lean form of the stylesheet ``text`` (see the module docstring)."""
    try:
        root = etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise ResourceError(f"the Schematron {relpath} is not well-formed: {exc}") from exc
    starts = [t for t in root.findall(f"{_T}template") if t.get("match") == "/" and t.get("mode") is None]
    if len(starts) != 1:
        raise ResourceError(f"the Schematron {relpath} has {len(starts)} root templates, expected 1")
    start = starts[0]
    targeted: list[str] = []
    walking: list[str] = []
    for mode, templates in _pattern_modes(root).items():
        (targeted if target and _target(root, start, mode, templates) else walking).append(mode)
    _drop_echoes(root, start)
    for output in root.findall(f"{_T}output"):
        output.set("indent", "no")
    return Rewrite(etree.tostring(root, encoding="unicode"), tuple(targeted), tuple(walking))


def _pattern_modes(root: etree._Element) -> dict[str, list[etree._Element]]:
    modes: dict[str, list[etree._Element]] = {}
    for template in root.findall(f"{_T}template"):
        mode = template.get("mode") or ""
        if _PATTERN_MODE.fullmatch(mode):
            modes.setdefault(mode, []).append(template)
    return modes


def _apply(element: etree._Element, mode: str) -> list[etree._Element]:
    return [a for a in element.iter(f"{_T}apply-templates") if a.get("mode") == mode]


def _plain_apply(element: etree._Element, mode: str, select: str) -> bool:
    """``<xsl:apply-templates mode=mode select=select/>`` and nothing else."""
    return (
        element.tag == f"{_T}apply-templates"
        and {str(k): str(v) for k, v in element.attrib.items()} == {"mode": mode, "select": select}
        and len(element) == 0
    )


def _target(root: etree._Element, start: etree._Element, mode: str, templates: list[etree._Element]) -> bool:
    """Rewrite pattern ``mode`` to apply its rules to the nodes they match; False if not its shape."""
    defaults = [t for t in templates if t.get("match") == _DEFAULT_MATCH]
    texts = [t for t in templates if t.get("match") == "text()"]
    rules = [t for t in templates if t.get("match") not in (_DEFAULT_MATCH, "text()")]
    if len(defaults) != 1 or len(texts) != 1 or len(texts[0]) or texts[0].text and texts[0].text.strip():
        return False
    default = defaults[0]
    if len(default) != 1 or default[0].get("select") not in _WALKS:
        return False
    walk = str(default[0].get("select"))
    if not _plain_apply(default[0], mode, walk):
        return False
    entry = _apply(start, mode)
    if len(entry) != 1 or not _plain_apply(entry[0], mode, "/"):
        return False
    owned = [default[0], entry[0]]  # kept alive: lxml returns the same proxy
    for rule in rules:
        match = rule.get("match") or ""
        if not match or "current()" in match or len(rule) == 0 or not _plain_apply(rule[-1], mode, walk):
            return False
        if len(_apply(rule, mode)) != 1:
            return False
        owned.append(rule[-1])
    if any(all(a is not o for o in owned) for a in _apply(root, mode)):
        return False  # the mode is applied from somewhere else too
    branches = [branch for rule in rules for branch in split_union(str(rule.get("match")))[0]]
    scans = sum(1 for b in branches if not b.startswith("/") or b.startswith("//"))
    if not branches or scans > MAX_SCANS:
        return False  # cheaper to walk: Saxon indexes a mode's rules by element name
    relative = [b for b in branches if not b.startswith("/")]
    parts = [b for b in branches if b.startswith("/")] + ([f"//({' | '.join(relative)})"] if relative else [])
    selection = " | ".join(parts)
    _select_or_raise(entry[0], f"fxe_{mode}", f"({selection})[{_WALKS[walk]}]")
    for rule in rules:
        rule.remove(rule[-1])
    return True


def _select_or_raise(apply: etree._Element, name: str, selection: str) -> None:
    """Make ``apply`` select the nodes of ``selection``, bound first to the variable ``name`` by an
    ``xsl:try`` whose ``xsl:catch`` raises :data:`LEAN_ERROR` with the error it caught."""
    variable = etree.Element(f"{_T}variable", {"name": name, "as": "node()*"})
    attempt = etree.SubElement(variable, f"{_T}try", {"select": selection})
    etree.SubElement(attempt, f"{_T}catch", {"select": (
        f"error(QName('{_LEAN_ERROR_NS}', '{LEAN_ERROR}'), concat('{LEAN_ERROR}: ', $err:code, ' ', "
        "$err:description))")}, nsmap={"err": _ERR_NS})
    variable.tail = apply.tail
    apply.addprevious(variable)
    apply.set("select", f"${name}")


def split_union(text: str) -> tuple[list[str], bool]:
    """The alternatives of an XPath expression's or pattern's top-level union (``|`` outside brackets and
    strings), and whether its brackets and quotes are balanced."""
    parts, depth, quote, start = [], 0, "", 0
    for position, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(text[start:position].strip())
            start = position + 1
    parts.append(text[start:].strip())
    return parts, not quote and not depth


def _drop_echoes(root: etree._Element, start: etree._Element) -> None:
    """Remove ``svrl:fired-rule`` and the ``svrl:active-pattern`` blocks with their empty walks."""
    for fired in list(root.iter(f"{{{_SVRL}}}fired-rule")):
        parent = fired.getparent()
        if parent is not None:
            _remove_keeping_tail(parent, fired)
    others = [t.get("match") for t in root.findall(f"{_T}template") if t.get("mode") is None]
    if sorted(str(m) for m in others) != ["/", "text()"] or any(
        len(t) or (t.text or "").strip() for t in root.findall(f"{_T}template[@match='text()']") if t.get("mode") is None
    ):
        return  # the default mode does something: its walks stay
    for active in list(start.iter(f"{{{_SVRL}}}active-pattern")):
        parent = active.getparent()
        allowed = all(
            child.tag == f"{_T}attribute"
            or (child.tag == f"{_T}apply-templates" and not child.attrib and len(child) == 0)
            for child in active
        )
        if parent is not None and allowed:
            _remove_keeping_tail(parent, active)


def _remove_keeping_tail(parent: etree._Element, child: etree._Element) -> None:
    tail = child.tail
    previous = child.getprevious()
    parent.remove(child)
    if tail and tail.strip():  # never the case in the skeleton's output, kept for safety
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
