"""The package's shape: stages as subpackages, imports only downward, no cycles, no private
names across modules, size budgets. A small AST walk over ``facturx_engine/``, no dependency.

Layers, lowest first (a module may import its own layer and the layers below it)::

    errors, artefacts, codegen, version, findings  ->  model  ->  syntax  ->  validation  ->  pdf  ->  io  ->  apps  ->  cli  ->  facturx_engine

``DEBTS`` lists the violations still being paid off (issue 12). The test fails on any violation
that is not listed *and* on any listed one that is gone, so the list can only shrink.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "facturx_engine"
LAYERS = [
    ("facturx_engine.errors", "facturx_engine.artefacts", "facturx_engine.codegen", "facturx_engine.version",
     "facturx_engine.findings"),
    ("facturx_engine.model",),
    ("facturx_engine.syntax",),
    ("facturx_engine.i18n",),
    ("facturx_engine.validation",),
    ("facturx_engine.pdf",),
    ("facturx_engine.io",),
    ("facturx_engine.apps",),
    ("facturx_engine.cli",),
    ("facturx_engine",),
]
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80

# Violations still to pay off (issue 12). Remove an entry when its cause is fixed.
DEBTS: set[str] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> int:
    best, rank = -1, -1
    for i, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), i
    assert rank >= 0, module
    return rank


def stage(module: str) -> str:
    """The subpackage (or base module) a module belongs to."""
    parts = module.split(".")
    return ".".join(parts[:2])


@dataclass(frozen=True)
class Import:
    source: str
    target: str          # a module of the package
    names: tuple[str, ...]  # names taken from it (empty for ``import x``)
    line: int


def _resolve(source: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = source.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: str) -> Iterator[Import]:
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    yield Import(module, alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, path.name == "__init__.py", node)
            if target not in MODULES:
                continue
            plain = []
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in MODULES:  # ``from pkg import module``
                    yield Import(module, sub, (), node.lineno)
                else:
                    plain.append(alias.name)
            if plain:
                yield Import(module, target, tuple(plain), node.lineno)


def private_attributes(module: str) -> Iterator[str]:
    """``alias._name`` where ``alias`` is another module of the package bound by an import."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = _resolve(module, MODULES[module].name == "__init__.py", node)
            for alias in node.names:
                if f"{target}.{alias.name}" in MODULES:
                    aliases[alias.asname or alias.name] = f"{target}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES and alias.asname:
                    aliases[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__")
                and aliases[node.value.id] != module):
            yield f"private: {module} uses {aliases[node.value.id]}.{node.attr}"


def violations() -> set[str]:
    found: set[str] = set()
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module in MODULES:
        for imp in imports(module):
            if imp.target == module:
                continue
            graph[module].add(imp.target)
            if layer(imp.target) > layer(module):
                found.add(f"upward: {module} imports {imp.target}")
            for name in imp.names:
                if name.startswith("_") and not name.startswith("__"):
                    found.add(f"private: {module} imports {imp.target}.{name}")
        found.update(private_attributes(module))
    found.update(f"cycle: {' -> '.join(c)}" for c in cycles(graph))
    for module, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > MAX_MODULE_LINES:
            found.add(f"size: {module} has more than {MAX_MODULE_LINES} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.add(f"size: {module}.{node.name} has more than {MAX_FUNCTION_LINES} lines")
    return found


def cycles(graph: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[tuple[str, ...]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(tuple(sorted(comp)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        layer(module)


def test_layers_cycles_private_names_and_sizes() -> None:
    found = violations()
    new = sorted(found - DEBTS)
    paid = sorted(DEBTS - found)
    assert not new, "new violations of the package's shape:\n" + "\n".join(new)
    assert not paid, "paid off — remove from DEBTS in tests/test_architecture.py:\n" + "\n".join(paid)


if __name__ == "__main__":  # print the current violations (to refresh DEBTS)
    for v in sorted(violations()):
        print(f"    {v!r},")
