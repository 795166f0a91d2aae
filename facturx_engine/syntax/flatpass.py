"""The flat pass of a group item: the walk's reading of one item shape, written out as straight-line Python.

The items of a repeating group (invoice lines above all) mostly share a few shapes (the tag and number
of children of each element, in document order). For each shape, :func:`~facturx_engine.syntax.plan.item_program`
gives the rule position of every element, and :func:`compile_flat` writes what
:meth:`~facturx_engine.syntax.walk.Reader.visit` does at each of them as one function, generated once
through :func:`facturx_engine.codegen.compile_source`: values decoded and stored in place, every other
step (the special rules, the findings) calling the reader's own methods, so that values, findings and
their order are those of the walk (``tests/test_read.py`` proves it on the fixtures, the corpus and
documents edited into unusual shapes).
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from facturx_engine.codegen import compile_source
from facturx_engine.errors import ParseError
from facturx_engine.model import numbers as _numbers
from facturx_engine.syntax.parse import MAX_ATTRIBUTES, attributes_of, decode_number, located
from facturx_engine.syntax.places import Raw
from facturx_engine.syntax.plan import BOOL, STRUCTURAL_ATTRS, Node, Program, Rule

__all__ = ["Flat", "compile_flat"]

Flat = Callable[[Any, Raw, Raw, Any], bool]
"""A compiled pass: ``flat(elem, item, doc, reader)`` reads ``elem`` into ``item`` (and ``doc``); False, with
nothing read, when the element has another shape than the one it was compiled for."""

Shape = tuple[tuple[Any, int], ...]


def compile_flat(program: Program, shape: Shape | None, fresh: bool = False) -> Flat:
    """The flat pass of one item shape (generated once per shape). It first checks that the item has this
    shape (the tag and number of children of each element; False, nothing read, when not; with no shape,
    the program is one element's, read without a check); then, for each element, what
    :meth:`~facturx_engine.syntax.walk.Reader.visit` does at its position -- the rules applied to its text as
    :meth:`~facturx_engine.syntax.walk.Reader.apply` applies them, its attributes taken as the walk takes
    them -- written out, and every other step (the special rules, the findings) calling the reader's own
    methods. ``fresh``: for an item that starts empty (no seed): a value that only one rule of the program
    puts in the item is stored, as nothing can be there before it, and the dicts on its way are made, as
    none can exist before the program makes them (unless a special rule, which goes through
    :meth:`~facturx_engine.syntax.walk.Reader.apply`, is in the program)."""
    source = _Source(program, shape, fresh)
    flat = compile_source("\n".join(source.code), "reader flat pass", source.consts)["flat"]
    return typing.cast(Flat, flat)


def _always(rule: Rule) -> bool:
    """The rule takes any non-blank text (it is neither special nor a constant with a value to check)."""
    return not rule.special and not (rule.const and rule.expected is not None)


class _Source:
    """The lines of one flat pass and the names they use (``consts``), written element by element."""

    def __init__(self, program: Program, shape: Shape | None, fresh: bool) -> None:
        rules = [rule for texts, sub in program for rule in (*texts, *(r for rs in sub.attrs.values() for r in rs))]
        self.fresh = fresh and not any(rule.special for rule in rules)
        self.writes: dict[tuple[str, ...], int] = {}  # how many rules of the program put a value at each item key
        for rule in rules:
            if rule.plain and not rule.to_doc:
                self.writes[(*rule.head, rule.last)] = self.writes.get((*rule.head, rule.last), 0) + 1
        self.consts: dict[str, Any] = {
            "_D": Decimal, "_IO": InvalidOperation, "decode_number": decode_number, "BOOL": BOOL,
            "_SA": STRUCTURAL_ATTRS, "attributes_of": attributes_of, "_PE": ParseError, "located": located,
            "_LX": _numbers.LEXICAL, "_MIN": _numbers.MIN_ADJUSTED}
        self.heads: dict[tuple[str, ...], str] = {("item",): "item", ("doc",): "doc"}
        self.code = ["def flat(elem, item, doc, rd):", "    nums = rd.numbers", "    pnums = rd.percents"]
        self._check_shape(shape)
        for k, (texts, sub) in enumerate(program):
            self._element(f"e{k}", texts, sub)
        self.code.append("    return True")

    def _check_shape(self, shape: Shape | None) -> None:
        code = self.code
        if shape is None:  # one element, whatever its children: what the walk reads at its position
            code.append("    e0 = elem")
            return
        els = ", ".join(f"e{k}" for k in range(len(shape)))
        self.consts["_TAGS"], self.consts["_SIZES"] = tuple(t for t, _ in shape[1:]), tuple(n for _, n in shape)
        code += ["    els = list(elem.iter())", f"    if len(els) != {len(shape)}: return False",
                 f"    {els}{',' if len(shape) == 1 else ''} = els",
                 f"    if ({', '.join(f'len(e{k})' for k in range(len(shape)))},) != _SIZES: return False"]
        if len(shape) > 1:
            code.append(f"    if ({', '.join(f'e{k}.tag' for k in range(1, len(shape)))},) != _TAGS: return False")

    def _const(self, value: Any) -> str:
        name = f"_k{len(self.consts)}"
        self.consts[name] = value
        return name

    def _element(self, e: str, texts: tuple[Rule, ...], sub: Node) -> None:
        """What the walk does at one element named ``e``: its text by ``texts``, its attributes by the node's
        rules, what no rule takes reported."""
        code = self.code
        code.append(f"    t = {e}.text")
        taken = any(_always(rule) for rule in texts)  # a non-blank text is always read here
        if not texts and not sub.attrs:  # nothing read here: a text is reported at once
            code.append(f"    if t is not None and t.strip(): rd.not_read({e}, None, t)")
        elif not texts:
            code.append("    u = t is not None and t.strip() != ''")
        else:
            if not taken:
                code.append("    u = False")
            code += ["    if t is not None:", "        s = t.strip()", "        if s:"]
            if not taken:
                code.append("            used = False")
            for rule in texts:
                code += self._apply(rule, " " * 12, e)
                if not _always(rule) and not taken:
                    code.append("            used = used or ok")
            if not taken:
                code.append("            u = not used")
            if code[-1] == "        if s:":  # any value is taken (a constant of the syntax, not checked)
                code.append("            pass")
        if sub.attrs:  # the attributes the node's rules take, written out
            code.append("    au = set()")
            for name, rules in sub.attrs.items():
                code += [f"    s = {e}.get({name!r})", "    if s:", "        s = s.strip()", "        if s:"]
                for rule in rules:
                    code += self._apply(rule, " " * 12, e)
                    code.append(f"            if ok: au.add({name!r})" if not _always(rule)
                                else f"            au.add({name!r})")
            unused = "n not in au and n not in _SA"
        else:
            unused = "n not in _SA"
        if not taken and (texts or sub.attrs):
            code.append(f"    if u: rd.not_read({e}, None, t)")
        code += [f"    a = {e}.keys()", "    if a:",  # the other attributes (keys first: see attributes_of)
                 f"        if len(a) > {MAX_ATTRIBUTES}: attributes_of({e})",
                 f"        for n, x in {e}.items():", f"            if {unused}: rd.not_read({e}, n, x)",
                 f"            elif n == 'currencyID' and x not in rd.currencies: rd.foreign({e}, x)"]

    def _apply(self, rule: Rule, pad: str, e: str) -> list[str]:
        """Apply ``rule`` to the stripped text ``s`` of the element named ``e``; sets ``ok`` unless it always
        takes it."""
        if rule.const:
            if rule.expected is None:
                return []
            if rule.expected == "TAX":  # any tax scheme but VAT; one the writer does not write again is reported
                return [f"{pad}ok = s != 'VAT'", f"{pad}if ok and s != 'TAX': rd.scheme_not_kept(s, {e})"]
            return [f"{pad}ok = BOOL.get(s, s) == {rule.expected!r}"]
        if rule.special:
            return [f"{pad}ok = rd.apply({self._const(rule)}, s, {e}, item)"]
        out = []
        if rule.numeric:  # a number read before in this document: the same (immutable) Decimal
            digits = _numbers.digits_for(rule.row.id)  # the numeric policy, inline (decode_number says what is wrong)
            cache = "nums" if digits == _numbers.AMOUNT_DIGITS else "pnums"
            term = repr(rule.row.id)
            out += [f"{pad}v = {cache}.get(t)", f"{pad}if v is None:",
                    f"{pad}    if t.strip(_LX): decode_number(t, {term}, {e})", f"{pad}    try:",
                    f"{pad}        v = _D(t)", f"{pad}    except _IO:", f"{pad}        decode_number(t, {term}, {e})",
                    f"{pad}    if not _MIN <= v.adjusted() < {digits}: decode_number(t, {term}, {e})",
                    f"{pad}    {cache}[t] = v"]
        elif rule.decoder is not None:  # a refusal names the element (a try costs nothing until it raises)
            out += [f"{pad}try:", f"{pad}    v = {self._const(rule.decoder)}(s)", f"{pad}except _PE as x:",
                    f"{pad}    raise located(x, {e}) from None"]
        else:
            out.append(f"{pad}v = s")
        base = ("doc",) if rule.to_doc else ("item",)
        out += self._head(base, rule.head, pad)
        if self.fresh and not rule.to_doc and self.writes[(*rule.head, rule.last)] == 1:
            return out + [f"{pad}{self.heads[('item', *rule.head)]}[{rule.last!r}] = v"]
        return out + [f"{pad}o = {self.heads[base + rule.head]}.setdefault({rule.last!r}, v)",
                      f"{pad}if o is not v and o != v: rd.not_kept({rule.row.id!r}, v, o, {e})"]

    def _head(self, base: tuple[str, ...], path: tuple[str, ...], pad: str) -> list[str]:
        """The dict at ``path`` below ``base``, created when missing, kept in a local once fetched (the dicts
        read are only ever added to, never replaced: a local stays the dict the path leads to)."""
        if not path:
            return []
        where = base + path
        out = self._head(base, path[:-1], pad + "    ")
        name = self.heads.get(where)
        if name is None:
            name = self.heads[where] = f"h{len(self.heads)}"
            self.code.insert(1, f"    {name} = None")
        parent = self.heads[where[:-1]]
        if self.fresh and base == ("item",):
            return [f"{pad}if {name} is None:", *out, f"{pad}    {name} = {parent}[{path[-1]!r}] = {{}}"]
        return [f"{pad}if {name} is None:", *out, f"{pad}    {name} = {parent}.get({path[-1]!r})",
                f"{pad}    if {name} is None: {name} = {parent}[{path[-1]!r}] = {{}}"]
