"""Evaluating the Peppol rules' XPath cheaply on large documents, with exactly the results of lxml.

libxml2 evaluates ``//cac:InvoiceLine`` by walking the whole tree, and ``/*/cbc:DocumentCurrencyCode`` by
walking every child of the root; a rule set of ~250 contexts, many of them unions of ``//`` paths, and
tests that re-read header values on each node therefore cost seconds on a document of thousands of lines.
This module offers two exact shortcuts, each refusing (returning None) whatever it cannot state exactly:

* :func:`parse_context` reads a context of the common shape -- a union of absolute location paths of
  child (``/``) and descendant (``//``) steps over element names, each step with predicates, the union
  possibly parenthesised and filtered -- into a :class:`Context`, which :meth:`Context.select` evaluates
  from an :class:`Index` (elements by tag, in document order: one pass over the tree per document). An
  attribute predicate (``[@a]``, ``[@a = 'v']``) is checked in Python; any other predicate is an XPath
  evaluated on the node, as the rule states it. A predicate naming ``position()`` or ``last()``, or one
  whose value is a number (a position), makes :meth:`Context.select` give up (None): the caller then
  evaluates the context with lxml.
* :func:`hoist` finds the absolute location paths inside an expression (``/*/cbc:DocumentCurrencyCode``,
  ``//cac:X``): their value does not depend on the node, so the caller computes each once per document
  and the expression reads it from an XPath variable.

:class:`Selector` puts them together for one document, and also computes an expression that depends on no
node (variables, literals, hoisted paths) once, and one that is a single path from the parent
(``../ram:X``) once per parent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from facturx_engine.validation.stylesheet import split_union

__all__ = ["Context", "Index", "Selector", "Step", "hoist", "parse_context"]

_NAME = r"[A-Za-z_][\w.-]*"
_NAME_RE = re.compile(rf"\*|{_NAME}(?::{_NAME})?")
_ATTRIBUTE_RE = re.compile(rf"\s*@({_NAME})\s*(?:=\s*(?:'([^']*)'|\"([^\"]*)\"))?\s*")
_POSITIONAL_RE = re.compile(r"(?<![\w.-])(?:position|last)\s*\(")
_LITERAL_RE = re.compile(r"'[^']*'|\"[^\"]*\"|\$[A-Za-z_][\w.-]*")
_CONSTANT_RE = re.compile(r"(?:\s|[()=!<>]|(?<![\w.-])(?:and|or|not|boolean)(?![\w.-])|[0-9]+)*")
_OPERATOR_BEFORE = re.compile(r"(?:^|[(\[,|=<>]|(?<![\w.-])(?:and|or))\s*$")


class Index:
    """The elements of a document by tag (Clark notation), each list in document order, and every element's
    position in document order."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.elements: list[etree._Element] = list(root.iter(etree.Element))
        self.order: dict[etree._Element, int] = {}
        self.by_tag: dict[str, list[etree._Element]] = {}
        self.paths: dict[int, list[etree._Element]] = {}
        """The elements matching a path (steps), as far as computed."""
        for number, element in enumerate(self.elements):
            self.order[element] = number
            self.by_tag.setdefault(str(element.tag), []).append(element)


Holds = Callable[[str, etree._Element], bool]
"""Whether an XPath predicate holds on a node (raising :class:`Positional` when its value is a number)."""


class Positional(Exception):
    """A predicate turned out to be a number (a position test): the context is left to lxml."""


@dataclass(frozen=True, slots=True)
class Step:
    """One location step: child (``descendant=False``) or descendant-or-self then child, an element name
    in Clark notation (None for ``*``) and predicates (XPath texts)."""

    descendant: bool
    tag: str | None
    predicates: tuple[str, ...]
    tests: tuple[_Test, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class Context:
    """A context as a union of absolute paths, filtered by ``predicates`` (XPath texts) as a whole."""

    paths: tuple[tuple[Step, ...], ...]
    predicates: tuple[str, ...]
    tests: tuple[_Test, ...] = field(default=(), compare=False)
    bare: tuple[tuple[tuple[Step, ...], int], ...] = field(default=(), compare=False)

    def select(self, index: Index, holds: Holds) -> list[etree._Element] | None:
        """The nodes the context selects, in document order, or None when a predicate is positional.
        ``holds(predicate, node)``: whether an XPath predicate holds on a node (raising :class:`Positional`
        when its value is a number)."""
        try:
            if any(test.refuted(index.root, holds) for test in self.tests):
                return []
            seen: dict[etree._Element, None] = {}
            for path, bare in zip(self.paths, self.bare or tuple(_bare(path) for path in self.paths)):
                seen.update(dict.fromkeys(_select_path(path, bare, index, holds)))
            nodes = list(seen)
            if len(self.paths) > 1:
                nodes.sort(key=index.order.__getitem__)
            for predicate in self.tests:
                nodes = [node for node in nodes if predicate(node, holds)]
            return nodes
        except Positional:
            return None


class _Test:
    """A predicate of a step or of the whole context, as written (``text``). ``[@a]`` and ``[@a = 'v']`` are
    checked in Python; any other is evaluated as XPath on the node, after its *guards*: the conjuncts of a
    top-level ``and`` that do not depend on the node (``$supplierCountryIsDE``, an absolute path), or the
    whole predicate if it does not, each computed once per document, so that a predicate whose guard is
    false costs nothing per node (and :meth:`refuted` tells so before any node is looked at)."""

    def __init__(self, text: str) -> None:
        self.text = text
        attribute = _ATTRIBUTE_RE.fullmatch(text)
        self.attribute = attribute.group(1) if attribute else None
        self.expected = None if attribute is None else attribute.group(2) if attribute.group(2) is not None \
            else attribute.group(3)
        conjuncts = _conjuncts(text)
        constant = [part for part in conjuncts if _hoisted(part)[2]]
        self.guards = tuple(f"boolean({part})" for part in (constant if len(constant) < len(conjuncts) else [text])
                            if constant)

    def __call__(self, node: etree._Element, holds: Holds) -> bool:
        if self.attribute is not None:
            value = node.get(self.attribute)
            return value is not None if self.expected is None else value == self.expected
        for guard in self.guards:
            if not holds(guard, node):
                return False
        return holds(self.text, node)

    def refuted(self, root: etree._Element, holds: Holds) -> bool:
        """Whether a guard is false (the predicate then holds nowhere in the document)."""
        return any(not holds(guard, root) for guard in self.guards)


def _mask(text: str) -> str:
    """``text`` with string literals and the inside of brackets and parentheses replaced by ``x``."""
    out: list[str] = []
    depth, quote = 0, ""
    for char in text:
        hidden = bool(quote) or depth > 0
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote, hidden = char, True
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
            hidden = depth > 0
        out.append("x" if hidden else char)
    return "".join(out)


_AND_RE = re.compile(r"(?<![\w.:$-])and(?![\w.:-])")
_OR_RE = re.compile(r"(?<![\w.:$-])or(?![\w.:-])")


def _conjuncts(text: str) -> list[str]:
    """The operands of ``text``'s top-level ``and`` (``[text]`` when it has none, or a top-level ``or``)."""
    masked = _mask(text)
    if _OR_RE.search(masked):
        return [text]
    parts, start = [], 0
    for found in _AND_RE.finditer(masked):
        parts.append(text[start:found.start()].strip())
        start = found.end()
    parts.append(text[start:].strip())
    return parts if all(parts) else [text]


def _select_path(path: tuple[Step, ...], bare: tuple[tuple[Step, ...], int], index: Index,
                 holds: Holds) -> list[etree._Element]:
    last = path[-1]
    if any(test.refuted(index.root, holds) for step in path for test in step.tests):
        return []
    bare_path, key = bare
    found = index.paths.get(key)
    if found is None:
        found = index.paths[key] = _match_path(bare_path, index, holds)
    if not last.tests:
        return found
    return [node for node in found if all(predicate(node, holds) for predicate in last.tests)]


_BARE: dict[tuple[Step, ...], tuple[tuple[Step, ...], int]] = {}


def _bare(path: tuple[Step, ...]) -> tuple[tuple[Step, ...], int]:
    """``path`` without the predicates of its last step, and a number naming that (its key in
    :attr:`Index.paths`)."""
    last = path[-1]
    bare = (*path[:-1], Step(last.descendant, last.tag, ()))
    found = _BARE.get(bare)
    if found is None:
        found = _BARE[bare] = (bare, len(_BARE))
    return found


def _match_path(path: tuple[Step, ...], index: Index, holds: Holds) -> list[etree._Element]:
    """The elements matching ``path``: its last step's name, then (upwards) the steps before it, then the
    predicates (so that an XPath predicate runs only on the nodes the names allow)."""
    last = path[-1]
    candidates = index.elements if last.tag is None else index.by_tag.get(last.tag, [])
    memo: dict[tuple[int, etree._Element], bool] = {}

    def ancestor_matches(node: etree._Element, position: int) -> bool:
        key = (position, node)
        found = memo.get(key)
        if found is None:
            found = memo[key] = matches(node, position)
        return found

    def matches(node: etree._Element, position: int) -> bool:
        step = path[position]
        if step.tag is not None and node.tag != step.tag:
            return False
        parent = node.getparent()
        if position == 0:
            placed = step.descendant or parent is None
        elif not step.descendant:
            placed = parent is not None and ancestor_matches(parent, position - 1)
        else:
            placed = False
            while parent is not None and not placed:
                placed = ancestor_matches(parent, position - 1)
                parent = parent.getparent()
        return placed and all(predicate(node, holds) for predicate in step.tests)

    return [node for node in candidates if matches(node, len(path) - 1)]


def _bracket_end(text: str, start: int) -> int:
    """The index just after the bracket or parenthesis closing the one at ``start`` (quotes and nesting
    respected), or -1 when it is not closed."""
    depth, quote = 0, ""
    for position in range(start, len(text)):
        char = text[position]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
            if depth == 0:
                return position + 1
    return -1


def _predicates(text: str, position: int) -> tuple[tuple[str, ...], int] | None:
    found: list[str] = []
    while position < len(text) and text[position] == "[":
        end = _bracket_end(text, position)
        if end < 0 or text[end - 1] != "]":
            return None
        predicate = text[position + 1:end - 1]
        if not predicate.strip() or _POSITIONAL_RE.search(predicate):
            return None
        found.append(predicate)
        position = end
    return tuple(found), position


def _parse_path(text: str, namespaces: dict[str, str]) -> tuple[Step, ...] | None:
    steps: list[Step] = []
    position = 0
    while position < len(text):
        descendant = text.startswith("//", position)
        if not text.startswith("/", position):
            return None
        position += 2 if descendant else 1
        name = _NAME_RE.match(text, position)
        if name is None:
            return None
        qname, position = name.group(), name.end()
        tag: str | None = None
        if qname != "*":
            prefix, _, local = qname.rpartition(":")
            if prefix and prefix not in namespaces:
                return None
            tag = f"{{{namespaces[prefix]}}}{local}" if prefix else local
        parsed = _predicates(text, position)
        if parsed is None:
            return None
        predicates, position = parsed
        steps.append(Step(descendant, tag, predicates, tuple(_Test(text) for text in predicates)))
    return tuple(steps) if steps else None


def _split_union(text: str) -> list[str] | None:
    parts, balanced = split_union(text)
    return parts if balanced else None


def parse_context(expression: str, namespaces: dict[str, str]) -> Context | None:
    """``expression`` as a :class:`Context`, or None when it is not of the shape described above (or its
    last step is ``*``: matching every element in Python would cost more than lxml's walk)."""
    text = expression.strip()
    group: tuple[str, ...] = ()
    if text.startswith("("):
        end = _bracket_end(text, 0)
        if end < 0 or text[end - 1] != ")":
            return None
        parsed = _predicates(text, end)
        if parsed is None or parsed[1] != len(text):
            return None
        text, group = text[1:end - 1].strip(), parsed[0]
    parts = _split_union(text)
    if parts is None:
        return None
    paths = [_parse_path(part, namespaces) for part in parts]
    if any(path is None or path[-1].tag is None for path in paths):
        return None
    found = tuple(path for path in paths if path is not None)
    return Context(found, group, tuple(_Test(predicate) for predicate in group), tuple(map(_bare, found)))


def _path_end(text: str, start: int) -> int:
    """The end of the location path starting at ``start`` (a ``/``), or -1 when it has a part this module
    does not hoist (an attribute or other axis, a node-type test, a space before a further step)."""
    position = start
    while position < len(text):
        char = text[position]
        if char == "[":
            position = _bracket_end(text, position)
            if position < 0 or text[position - 1] != "]":
                return -1
        elif char in "@(" or text.startswith("::", position):
            return -1
        elif char in "/*.:-_" or char.isalnum():
            position += 1
        else:
            rest = text[position:].lstrip()
            return -1 if rest[:1] in ("/", "[") else position
    return position


def _from_parent(expression: str) -> str | None:
    """For an expression that is one location path from the parent (``../a/b[c]``), that path from the
    parent (``a/b[c]``); else None."""
    if not expression.startswith("../") or expression[3:4] in ("", "/"):
        return None
    end = _path_end(expression, 2)
    return expression[3:] if end == len(expression.rstrip()) else None


def hoist(expression: str) -> tuple[str, tuple[str, ...]]:
    """``expression`` with each absolute location path in it (outside string literals, after an operator,
    ``(``, ``[``, ``,`` or at the start) replaced by ``$__path0``, ``$__path1``...; and those paths, in that
    order. A path this module cannot delimit exactly is left in place."""
    out: list[str] = []
    paths: list[str] = []
    position, quote = 0, ""
    while position < len(expression):
        char = expression[position]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "/" and _OPERATOR_BEFORE.search("".join(out)):
            end = _path_end(expression, position)
            path = expression[position:end].rstrip() if end > 0 else ""
            if path.strip("/"):
                out.append(f"$__path{len(paths)}")
                paths.append(path)
                position = end
                continue
        out.append(char)
        position += 1
    return "".join(out), tuple(paths)


def as_truth(value: Any) -> bool:
    """The boolean a predicate's value stands for (raising :class:`Positional` for a number)."""
    if isinstance(value, float) and not isinstance(value, bool):
        raise Positional
    return bool(value)


class Selector:
    """The contexts and XPath values of the rules on one document, with the shortcuts above: each context is
    selected once (however many rules share it), each hoisted absolute path computed once."""

    def __init__(self, root: etree._Element, variables: dict[str, Any], namespaces: dict[str, str]) -> None:
        self._root, self._variables, self._namespaces = root, variables, namespaces
        self._index: Index | None = None
        self._contexts: dict[str, list[etree._Element]] = {}
        self._paths: dict[str, list[etree._Element] | None] = {}
        self._prepared: dict[str, tuple[etree.XPath, dict[str, Any], str]] = {}
        self._constants: dict[Any, Any] = {}
        self._key = tuple(sorted(namespaces.items()))

    def nodes(self, context: str) -> list[etree._Element]:
        """The elements the XPath ``context`` selects from the root, in document order."""
        found = self._contexts.get(context)
        if found is None:
            plan = _plan(context, self._namespaces, self._key)
            if plan is not None:
                if self._index is None:
                    self._index = Index(self._root)
                found = plan.select(self._index, self.holds)
            if found is None:
                value = self._compile(context)(self._root, **self._variables)
                found = [node for node in value if isinstance(node, etree._Element)] if isinstance(value, list) else []
            self._contexts[context] = found
        return found

    def value(self, expression: str, node: etree._Element) -> Any:
        """The value of the XPath ``expression`` on ``node``: computed once when it does not depend on the
        node (literals, variables and absolute paths only), once per parent when it is one path from the
        parent (``../ram:X/ram:Y``: the siblings of many nodes would be read for each of them)."""
        prepared = self._prepared.get(expression)
        if prepared is None:
            prepared = self._prepared[expression] = self._prepare(expression)
        compiled, variables, depends = prepared
        if depends == "node":
            return compiled(node, **variables)
        key: Any = expression
        if depends == "parent":
            parent = node.getparent()
            if parent is None:
                return self._compile(expression)(node, **variables)
            node, key = parent, (expression, parent)
        if key not in self._constants:
            self._constants[key] = compiled(node, **variables)
        return self._constants[key]

    def _prepare(self, expression: str) -> tuple[etree.XPath, dict[str, Any], str]:
        rewritten, paths, constant = _hoisted(expression)
        variables = dict(self._variables)
        for number, path in enumerate(paths):
            found = self._path(path)
            if found is None:
                return self._compile(expression), self._variables, "node"
            variables[f"__path{number}"] = found
        if constant:
            return self._compile(rewritten), variables, "constant"
        from_parent = _from_parent(rewritten)
        if from_parent is not None:
            return self._compile(from_parent), variables, "parent"
        return self._compile(rewritten), variables, "node"

    def holds(self, predicate: str, node: etree._Element) -> bool:
        """Whether the XPath ``predicate`` holds on ``node``; :class:`Positional` when its value is a number."""
        return as_truth(self.value(predicate, node))

    def _path(self, path: str) -> list[etree._Element] | None:
        if path not in self._paths:
            value = self._compile(path)(self._root, **self._variables)
            elements = isinstance(value, list) and all(isinstance(item, etree._Element) for item in value)
            self._paths[path] = value if elements else None  # type: ignore[assignment]
        return self._paths[path]

    def _compile(self, expression: str) -> etree.XPath:
        key = (expression, self._key)
        found = _COMPILED.get(key)
        if found is None:
            found = _COMPILED[key] = etree.XPath(expression, namespaces=self._namespaces)
        return found


_COMPILED: dict[tuple[str, tuple[tuple[str, str], ...]], etree.XPath] = {}
_PLANS: dict[tuple[str, tuple[tuple[str, str], ...]], Context | None] = {}
_HOISTED: dict[str, tuple[str, tuple[str, ...], bool]] = {}


def _plan(context: str, namespaces: dict[str, str], namespaces_key: tuple[tuple[str, str], ...]) -> Context | None:
    key = (context, namespaces_key)
    if key not in _PLANS:
        _PLANS[key] = parse_context(context, namespaces)
    return _PLANS[key]


def _hoisted(expression: str) -> tuple[str, tuple[str, ...], bool]:
    """:func:`hoist`'s answer, and whether the rewritten expression is constant (literals, variables,
    operators and ``not()`` only)."""
    found = _HOISTED.get(expression)
    if found is None:
        rewritten, paths = hoist(expression)
        constant = _CONSTANT_RE.fullmatch(_LITERAL_RE.sub(" ", rewritten)) is not None
        found = _HOISTED[expression] = (rewritten, paths, constant)
    return found
