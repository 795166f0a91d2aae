"""The generated writer: one Python function per (syntax, profile), doing what the tree walk does.

:func:`facturx_engine.syntax.tree.write` is the reference semantics of the writers. For speed, each
compiled tree (:func:`facturx_engine.syntax.tree.compiled`) is also turned once into the source of
one Python function doing exactly the same (:func:`generated_writer`, compiled through
:func:`facturx_engine.codegen.compile_source`, so a traceback shows the generated line):

* the tree walk is unrolled; sub-trees that can never be written (rows above the profile) are
  left out and constant ones (``<ram:TypeCode>VAT</ram:TypeCode>`` ...) are rendered once;
* the attribute chains of the table's ``a()``/``doc()``/``tot()`` getters (their ``inline``
  spec) are inlined, None-safe like ``a()``; a chain prefix read by several rows of the same
  item (``line``, ``doc.seller.address`` ...) is read once into a local, and an optional
  element whose rows all go through such a prefix is skipped outright when it is None;
* an optional element reserves a slot in the output list, set to its start tag once data
  turned up below it, or dropped together with what its children wrote; an optional wrapper
  with a single child (``ram:IssueDateTime/udt:DateTimeString``) is written in one piece;
* formatters made with :func:`~facturx_engine.syntax.tree.text_formatter` are called without the
  write context.

Getters must be pure (they are: attribute reads on the frozen model); the differential check
against the tree walk is tests/test_writer_equivalence.py.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import quoteattr

from facturx_engine.codegen import compile_source
from facturx_engine.model.codes import Profile
from facturx_engine.syntax.tree import Formatter, Node, Syntax, compiled, escape_text

__all__ = ["generated_writer", "writer_source"]


def _extra_attrs(extra: Iterable[tuple[str, str]]) -> str:
    return "".join(f" {k}={quoteattr(v)}" for k, v in extra)


def _quote(value: str) -> str:
    """``quoteattr`` with a fast path for the usual value that needs no escaping."""
    for ch in '"&<>\n\r\t':
        if ch in value:
            return quoteattr(value)
    return f'"{value}"'


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != ()


_ESC = '.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace("\\r", "&#13;")'  # = tree.escape_text
# value present, as _write tests it; Decimal first: ``Decimal != ""`` is slow and always true
_PRESENT = 'if {v} is not None and ({v}.__class__ is Decimal or {v} != "" and {v} != ()):'

Chain = tuple[str, tuple[str, ...]]  # (variable the chain starts from, attribute names)


def _concat(*parts: tuple[bool, str]) -> str:
    """Expression concatenating ``(True, literal text)`` and ``(False, expression)`` parts."""
    out: list[str] = []
    lit = ""
    for is_text, part in parts:
        if is_text:
            lit += part
            continue
        if lit:
            out.append(repr(lit))
            lit = ""
        out.append(part)
    if lit or not out:
        out.append(repr(lit))
    return " + ".join(out)


class _CodeGen:
    """Python source of a writer function for one compiled node tree (see the comment above)."""

    def __init__(self, fmts: dict[str, Formatter]) -> None:
        self.fmts = fmts
        self.consts: list[Any] = []
        self._names: dict[int, str] = {}
        self.lines: list[str] = []
        self._n = 0
        self.prefixes: dict[Chain, str] = {}  # chain prefixes held in locals, in the current scope
        self.non_null = {"w"}                # locals known not to be None at this point

    # -- helpers

    def k(self, obj: Any) -> str:
        """Name under which the generated code sees a Python object."""
        name = self._names.get(id(obj))
        if name is None:
            name = self._names[id(obj)] = f"K{len(self.consts)}"
            self.consts.append(obj)
        return name

    def fresh(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n}"

    def emit(self, line: str, ind: int) -> None:
        self.lines.append("    " * ind + line)

    def formatter(self, kind: str) -> tuple[str, Any]:
        """(expression of the formatter, its ``text_only`` spec or None)."""
        if kind not in self.fmts:  # fails at write time, like _write, only if a value shows up
            return f"{self.k(self.fmts)}[{kind!r}]", None
        fmt = self.fmts[kind]
        return self.k(fmt), getattr(fmt, "text_only", None)

    @staticmethod
    def _const(row: Any) -> tuple[bool, Any]:
        spec = getattr(row.get, "inline", None)
        return (True, spec[1]) if spec is not None and spec[0] == "const" else (False, None)

    def _static_fmt(self, kind: str, value: Any) -> tuple[str, tuple[tuple[str, str], ...]] | None:
        """A constant formatted at compile time, if its formatter is a :func:`text_formatter`."""
        spec = getattr(self.fmts.get(kind), "text_only", None)
        return None if spec is None else (spec[0](value), spec[1])

    @staticmethod
    def chain(row: Any, item: str) -> Chain | None:
        """The attribute chain a row's getter reads, if it is one the code can inline."""
        spec = getattr(row.get, "inline", None)
        if spec is None or spec[0] not in ("item", "wctx") or not spec[1] or not all(
                p.isidentifier() and not keyword.iskeyword(p) for p in spec[1]):
            return None
        return ("w" if spec[0] == "wctx" else item), tuple(spec[1])

    def read(self, chain: Chain, target: str, ind: int) -> None:
        """Code putting the value of a None-safe attribute chain into ``target`` (terms.a())."""
        source, parts = chain
        start, k = source, 0
        for i in range(len(parts), 0, -1):
            if (source, parts[:i]) in self.prefixes:
                start, k = self.prefixes[source, parts[:i]], i
                break
        if k == len(parts):
            self.emit(f"{target} = {start}", ind)
            return
        if start in self.non_null:
            self.emit(f"{target} = {start}.{parts[k]}", ind)
            k += 1
        else:
            self.emit(f"{target} = {start}", ind)
        for p in parts[k:]:  # once None, stays None
            self.emit(f"if {target} is not None: {target} = {target}.{p}", ind)

    def get(self, row: Any, item: str, target: str, ind: int) -> None:
        """Code putting ``row.get(item, w)`` into ``target``."""
        ok, value = self._const(row)
        if ok:
            self.emit(f"{target} = {self.k(value)}", ind)
            return
        chain = self.chain(row, item)
        if chain is not None:
            self.read(chain, target, ind)
        else:
            self.emit(f"{target} = {self.k(row.get)}({item}, w)", ind)

    # -- static analysis

    def can_content(self, node: Node) -> bool:
        return (node.text is not None and not node.const) or any(self.can_content(c) for c in node.children)

    def can_write(self, node: Node) -> bool:
        return not node.var or node.always or self.can_content(node)

    def static(self, node: Node) -> str | None:
        """The output of a constant sub-tree ("" when it writes nothing); None if not constant."""
        if node.var or node.repeat is not None:
            return None
        tag = node.tag.split("#", 1)[0]
        attrs: list[tuple[str, str]] = []
        text = None
        if node.text is not None:
            ok, value = self._const(node.text)
            if not ok:
                return None
            if _present(value):
                done = self._static_fmt(node.text.kind, value)
                if done is None:
                    return None
                text, extra = done
                attrs.extend(extra)
        inner = []
        for c in node.children:
            s = self.static(c)
            if s is None:
                return None
            inner.append(s)
        inner_s = "".join(inner)
        if text is None and not inner_s:
            return ""
        for name, row in node.attrs:
            ok, value = self._const(row)
            if not ok:
                return None
            if value is not None and value != "":
                done = self._static_fmt("ATTR", value)
                if done is None:
                    return None
                attrs.append((name, done[0]))
        head = "<" + tag + _extra_attrs(attrs)
        if text is not None:
            return f"{head}>{escape_text(text)}</{tag}>"
        return f"{head}>{inner_s}</{tag}>" if inner_s else head + "/>"

    def _written_children(self, node: Node) -> list[Node]:
        return [c for c in node.children if self.can_write(c) and (c.repeat is not None or self.static(c) != "")]

    def scope_rows(self, node: Node, out: list[Any]) -> list[Any]:
        """Rows read for one item of ``node``: its own and its descendants' up to the repeated
        children, whose item getters are included (their own rows read other items)."""
        if node.text is not None:
            out.append(node.text)
        out.extend(row for _, row in node.attrs)
        for c in node.children:
            if c.repeat is not None:
                out.append(c.repeat)
            else:
                self.scope_rows(c, out)
        return out

    def define_prefixes(self, chains: Iterable[Chain], source: str, ind: int) -> None:
        """Read into locals the chain prefixes that several rows of this scope go through."""
        counts: dict[tuple[str, ...], int] = {}
        for src, parts in chains:
            if src == source:
                for i in range(1, len(parts) + 1):
                    counts[parts[:i]] = counts.get(parts[:i], 0) + 1
        for parts in sorted((p for p, n in counts.items() if n > 1), key=len):
            var = self.fresh("p")
            self.read((source, parts), var, ind)
            self.prefixes[source, parts] = var

    def guard(self, node: Node, item: str) -> str | None:
        """A local holding a chain prefix that every data row of ``node`` (one item) reads through:
        when it is None, nothing of ``node`` can be written."""
        rows = [r for r in self.scope_rows(node, []) if not self._const(r)[0]]
        chains = [self.chain(r, item) for r in rows]
        if len(rows) < 2 or any(c is None for c in chains):
            return None
        first = chains[0]
        assert first is not None
        common = first[1]
        for c in chains:
            assert c is not None
            if c[0] != first[0]:
                return None
            n = 0
            while n < min(len(common), len(c[1])) and common[n] == c[1][n]:
                n += 1
            common = common[:n]
        for i in range(len(common), 0, -1):
            var = self.prefixes.get((first[0], common[:i]))
            if var is not None:
                return None if var in self.non_null else var
        return None

    # -- code

    def head(self, node: Node, item: str, ind: int, extra: str = "", dynamic: bool = False) -> tuple[bool, str]:
        """The start tag without its closing bracket: ``(True, text)`` when it is constant, else
        ``(False, "h")`` after emitting the code that computes it into ``h``.

        ``extra``: the formatter's constant extra attributes, rendered; ``dynamic``: they are in ``x``.
        """
        start = "<" + node.tag.split("#", 1)[0] + extra
        todo: list[tuple[str, Any]] = []
        for name, row in node.attrs:
            ok, value = self._const(row)
            if ok and (value is None or value == ""):
                continue
            done = self._static_fmt("ATTR", value) if ok else None
            if done is not None and not todo and not dynamic:
                start += f" {name}={quoteattr(done[0])}"
            else:
                todo.append((name, row))
        if not todo and not dynamic:
            return True, start
        self.emit(f"h = {start!r}", ind)
        if dynamic:
            self.emit(f"if x: h += {self.k(_extra_attrs)}(x)", ind)
        fexpr, spec = self.formatter("ATTR")
        value = f"{self.k(spec[0])}(a)" if spec else f"{fexpr}(a, w)[0]"
        for name, row in todo:
            self.get(row, item, "a", ind)
            self.emit('if a is not None and a != "":', ind)
            self.emit(f"h += {' ' + name + '='!r} + {self.k(_quote)}({value})", ind + 1)
        return False, "h"

    def node(self, node: Node, item: str, ind: int, pflag: str | None, pre: str = "", suf: str = "") -> None:
        """Code writing ``node`` for ``item``; sets ``pflag`` when it wrote data (not only constants).

        ``pre``/``suf``: start and end tags of fused single-child wrappers around this node.
        """
        s = self.static(node)
        if s is not None:
            if s:
                self.emit(f"ap({pre + s + suf!r})", ind)
            return
        if not self.can_write(node):
            return
        if not node.children:
            self.leaf(node, item, ind, pflag, pre, suf)
            return
        optional = node.var and not node.always
        guard = self.guard(node, item) if optional else None
        if guard is not None:
            self.emit(f"if {guard} is not None:", ind)
            self.non_null.add(guard)
            self.node_body(node, item, ind + 1, pflag, pre, suf)
            self.non_null.discard(guard)
        else:
            self.node_body(node, item, ind, pflag, pre, suf)

    def node_body(self, node: Node, item: str, ind: int, pflag: str | None, pre: str, suf: str) -> None:
        kids = self._written_children(node)
        if (node.var and not node.always and not node.attrs and len(kids) == 1 and kids[0].repeat is None
                and kids[0].var and not kids[0].always):
            # written exactly when its only child is: one piece
            tag = node.tag.split("#", 1)[0]
            self.node(kids[0], item, ind, pflag, f"{pre}<{tag}>", f"</{tag}>{suf}")
        else:
            self.container(node, item, ind, pflag, pre, suf)

    def leaf(self, node: Node, item: str, ind: int, pflag: str | None, pre: str, suf: str) -> None:
        tag = node.tag.split("#", 1)[0]
        row = node.text
        var_always = node.var and node.always
        if row is None or (node.var and not node.always and node.const):
            if var_always:
                self.emit(f"ap({_concat((True, pre), self.head(node, item, ind), (True, '/>' + suf))})", ind)
            return
        self.get(row, item, "v", ind)
        self.emit(_PRESENT.format(v="v"), ind)
        fexpr, spec = self.formatter(row.kind)
        if spec is not None:
            self.emit(f"s = {self.k(spec[0])}(v)", ind + 1)
            h = self.head(node, item, ind + 1, _extra_attrs(spec[1]))
        else:
            self.emit(f"s, x = {fexpr}(v, w)", ind + 1)
            h = self.head(node, item, ind + 1, dynamic=True)
        text = f'(s{_ESC} if "&" in s or "<" in s or ">" in s or "\\r" in s else s)'
        self.emit(f"ap({_concat((True, pre), h, (True, '>'), (False, text), (True, f'</{tag}>{suf}'))})", ind + 1)
        if pflag and not node.const:
            self.emit(f"{pflag} = True", ind + 1)
        if var_always:
            self.emit("else:", ind)
            self.emit(f"ap({_concat((True, pre), self.head(node, item, ind + 1), (True, '/>' + suf))})", ind + 1)

    def container(self, node: Node, item: str, ind: int, pflag: str | None, pre: str, suf: str) -> None:
        m = self.fresh("m")
        c = self.fresh("c") if node.var else None
        self.emit(f"{m} = len(out)", ind)
        self.emit("ap(None)", ind)
        if c:
            self.emit(f"{c} = False", ind)
        for ch in node.children:
            if ch.repeat is None:
                self.node(ch, item, ind, c)
            elif self.can_write(ch):
                it = self.fresh("i")
                self.get(ch.repeat, item, "v", ind)
                self.emit(f"for {it} in v or ():", ind)
                saved = dict(self.prefixes)
                chains = (self.chain(r, it) for r in self.scope_rows(ch, []))
                self.define_prefixes((x for x in chains if x is not None), it, ind + 1)
                self.node(ch, it, ind + 1, c)
                self.prefixes = saved
        tag = node.tag.split("#", 1)[0]
        if node.var and not node.always:
            # content implies that some child wrote something: never an empty element here
            self.emit(f"if {c}:", ind)
            h = self.head(node, item, ind + 1)
            self.emit(f"out[{m}] = {_concat((True, pre), h, (True, '>'))}", ind + 1)
            self.emit(f"ap({'</' + tag + '>' + suf!r})", ind + 1)
            if pflag:
                self.emit(f"{pflag} = True", ind + 1)
            self.emit("else:", ind)
            self.emit(f"del out[{m}:]", ind + 1)
            return
        assert not pre and not suf, "only optional wrappers are fused"
        if node.var:
            self.write_head(node, item, ind, m)
            if pflag:
                self.emit(f"if {c}: {pflag} = True", ind)
        else:
            self.emit(f"if len(out) > {m} + 1:", ind)
            self.write_head(node, item, ind + 1, m)
            self.emit("else:", ind)
            self.emit(f"del out[{m}:]", ind + 1)

    def write_head(self, node: Node, item: str, ind: int, m: str) -> None:
        tag = node.tag.split("#", 1)[0]
        h = self.head(node, item, ind)
        self.emit(f"if len(out) > {m} + 1:", ind)
        self.emit(f"out[{m}] = {_concat(h, (True, '>'))}", ind + 1)
        self.emit(f"ap({'</' + tag + '>'!r})", ind + 1)
        self.emit("else:", ind)
        self.emit(f"out[{m}] = {_concat(h, (True, '/>'))}", ind + 1)

    def source(self, root: Node) -> str:
        # chains from the write context: read once at the top, whatever loop they are in
        rows: list[Any] = []
        stack = [root]
        while stack:
            n = stack.pop()
            rows.extend([n.text] if n.text is not None else [])
            rows.extend(row for _, row in n.attrs)
            rows.extend([n.repeat] if n.repeat is not None else [])
            stack.extend(n.children)
        doc_rows = {id(r) for r in self.scope_rows(root, [])}  # the others read loop items
        chains = [c for c in (self.chain(r, "w" if id(r) in doc_rows else "") for r in rows) if c is not None]
        self.define_prefixes(chains, "w", 2)
        self.node(root, "w", 2, None)
        head = ["def _make(K):"] + [f"    K{i} = K[{i}]" for i in range(len(self.consts))]
        return "\n".join(head + ["    def write(w, out):", "        ap = out.append"] + self.lines
                         + ["    return write", ""])


def generated_writer(root: Node, fmts: dict[str, Formatter], what: str) -> Callable[[Any, list[str]], None]:
    """The writer function of a compiled tree: ``write(wctx, out)`` appends what
    ``tree.write(root, wctx, wctx, fmts, out)`` appends. ``what`` names it in tracebacks."""
    gen = _CodeGen(fmts)
    ns = compile_source(gen.source(root), what, {"Decimal": Decimal})
    return ns["_make"](gen.consts)  # type: ignore[no-any-return]


def writer_source(syntax: Syntax, profile: Profile | None) -> str:
    """The generated source of a writer (for debugging and review)."""
    root, _ = compiled(syntax, profile)
    return _CodeGen(syntax.formatters).source(root)
