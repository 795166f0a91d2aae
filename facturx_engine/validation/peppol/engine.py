"""How the engine runs its own implementation of the Peppol BIS Billing 3.0 rules.

No licence lets the engine ship the OpenPeppol Schematron, so each rule of the public BIS 3.0.19 rule
list is stated here as a :class:`Rule`: its id, flag and statement, and for each syntax a
:class:`Check` -- an XPath 1.0 *context* selecting the nodes the rule applies to (as a Schematron
``rule/@context`` does) and a *test* that must hold on each of them (an XPath 1.0 expression evaluated
on the node, or a Python function of the node and the :class:`Doc`). A node for which the test fails is
a :class:`~facturx_engine.findings.Finding` with the rule's id and flag, the node's path and its source
line. Every rule is evaluated on its own (a Schematron pattern checks a node with its first matching
rule only; the BIS rules do not rely on that).

XPath variables (``$supplierCountry``, ...) are computed once per document by the functions registered
with :func:`variable`; the rule modules register what they need.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from facturx_engine.findings import Finding
from facturx_engine.validation.peppol.selection import Selector

__all__ = ["NS", "SOURCE", "Check", "Doc", "Rule", "evaluate", "location", "variable"]

SOURCE = "Peppol BIS Billing 3.0"
"""The ``source`` of the findings (the rule set's name in the report)."""

NS = {
    "ubl-invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "ubl-creditnote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
"""The prefixes the contexts and tests may use."""

_PREFIX = {uri: prefix for prefix, uri in NS.items()}
_TERM_RE = re.compile(r"(?<![A-Za-z0-9])(B[TG]-\d+(?:-\d+)?)(?![0-9])")


@dataclass(frozen=True, slots=True)
class Doc:
    """The document a rule is evaluated on: its root, its syntax (``"UBL"`` / ``"CII"``) and the XPath
    variables computed for it (also readable from a Python test); ``memo``: values a Python test computes
    once per document and shares between nodes (e.g. what the parent of many nodes states)."""

    root: etree._Element
    syntax: str
    variables: dict[str, Any]
    memo: dict[Any, Any] = field(default_factory=dict)


Test = str | Callable[[etree._Element, Doc], bool]


@dataclass(frozen=True, slots=True)
class Check:
    """Where a rule applies in one syntax (``context``: XPath 1.0 from the root, e.g.
    ``//cac:InvoiceLine``) and what must hold there (``test``: XPath 1.0 on the node, true when the
    rule holds, or a function ``(node, doc) -> bool``)."""

    context: str
    test: Test


@dataclass(frozen=True, slots=True)
class Rule:
    """One Peppol BIS rule: id, flag (``fatal`` / ``warning``), statement, and its check per syntax
    (None where the rule list gives it no context in that syntax). ``bt_ids``: the business terms
    it concerns (default: those its statement names)."""

    id: str
    flag: str
    message: str
    ubl: Check | None = None
    cii: Check | None = None
    bt_ids: tuple[str, ...] = field(default=())

    def terms(self) -> tuple[str, ...]:
        return self.bt_ids or tuple(dict.fromkeys(_TERM_RE.findall(self.message)))


_VARIABLES: dict[str, Callable[[etree._Element, str], Any]] = {}


def variable(name: str) -> Callable[[Callable[[etree._Element, str], Any]], Callable[[etree._Element, str], Any]]:
    """Register ``fn(root, syntax)`` as the value of the XPath variable ``$name`` (a string, number or
    boolean), computed once per document."""
    def register(fn: Callable[[etree._Element, str], Any]) -> Callable[[etree._Element, str], Any]:
        if name in _VARIABLES:
            raise ValueError(f"XPath variable ${name} registered twice")
        _VARIABLES[name] = fn
        return fn
    return register


_compiled: dict[str, etree.XPath] = {}


def _xpath(expression: str) -> etree.XPath:
    found = _compiled.get(expression)
    if found is None:
        found = _compiled[expression] = etree.XPath(expression, namespaces=NS)
    return found


def location(node: etree._Element, positions: dict[etree._Element, dict[Any, tuple[int, int]]] | None = None) -> str:
    """The node's path with the usual prefixes and 1-based positions among same-name siblings,
    e.g. ``/ubl-invoice:Invoice/cac:InvoiceLine[2]/cbc:ID``. ``positions``: a cache of the siblings'
    positions by parent, shared by the locations of one document (each then costs its depth, not the
    number of its siblings)."""
    steps: list[str] = []
    current: etree._Element | None = node
    while current is not None:
        qname = etree.QName(current)
        name = f"{_PREFIX.get(qname.namespace or '', qname.namespace or '')}:{qname.localname}".lstrip(":")
        parent = current.getparent()
        if parent is not None and positions is None:
            same = [sibling for sibling in parent if sibling.tag == current.tag]
            if len(same) > 1:
                name += f"[{same.index(current) + 1}]"
        elif parent is not None and positions is not None:
            numbered = positions.get(parent)
            if numbered is None:
                numbered = positions[parent] = _positions(parent)
            number, count = numbered[current]
            if count > 1:
                name += f"[{number}]"
        steps.append(name)
        current = parent
    return "/" + "/".join(reversed(steps))


def _positions(parent: etree._Element) -> dict[Any, tuple[int, int]]:
    """Each child of ``parent``: its 1-based position among the children of its name, and their number."""
    counts: dict[Any, int] = {}
    numbers: dict[Any, int] = {}
    for child in parent:
        counts[child.tag] = numbers[child] = counts.get(child.tag, 0) + 1
    return {child: (number, counts[child.tag]) for child, number in numbers.items()}


def _line(node: etree._Element) -> int | None:
    line = node.sourceline
    return line if isinstance(line, int) and line > 0 else None


def _holds(test: Test, node: etree._Element, doc: Doc, selector: Selector | None) -> bool:
    if callable(test):
        return bool(test(node, doc))
    if selector is not None:
        return bool(selector.value(test, node))
    return bool(_xpath(test)(node, **doc.variables))


def _context(check: Check, doc: Doc, selector: Selector | None) -> list[etree._Element]:
    if selector is not None:
        return selector.nodes(check.context)
    nodes = _xpath(check.context)(doc.root, **doc.variables)
    return [node for node in nodes if isinstance(node, etree._Element)] if isinstance(nodes, list) else []


def evaluate(rules: tuple[Rule, ...], root: etree._Element, syntax: str, *, fast: bool = True) -> list[Finding]:
    """The findings of ``rules`` on the document ``root`` of ``syntax``, in rule order then document order.

    A test that cannot be evaluated on the document (a value that is not a number where one is
    computed with) counts as failed: the finding says so. ``fast`` (the default) selects the contexts
    from an index of the document's elements, once per distinct context, and computes the absolute
    paths inside XPath tests once per document (:mod:`.selection`), and numbers the siblings of a
    finding's node once per parent; ``fast=False`` hands every expression to lxml as written (the
    reference the tests compare the fast path with)."""
    doc = Doc(root, syntax, {name: fn(root, syntax) for name, fn in _VARIABLES.items()})
    selector = Selector(root, doc.variables, NS) if fast else None
    positions: dict[etree._Element, dict[Any, tuple[int, int]]] | None = {} if fast else None
    findings: list[Finding] = []
    for rule in rules:
        check = rule.ubl if syntax == "UBL" else rule.cii
        if check is None:
            continue
        for node in _context(check, doc, selector):
            note = ""
            try:
                held = _holds(check.test, node, doc, selector)
            except (ValueError, ArithmeticError, TypeError, etree.XPathError) as exc:
                held, note = False, f" (not evaluable on this document: {exc})"
            if not held:
                findings.append(Finding(rule=rule.id, severity=rule.flag, location=location(node, positions),
                                        message=rule.message + note, bt_ids=rule.terms(), source=SOURCE,
                                        line=_line(node)))
    return findings
