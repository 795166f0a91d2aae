"""The table of EN 16931 business terms: one row per term (per syntax context where they differ).

Each :class:`Term` names its BT/BG id, the context it lives in (``DOC`` or the id of a
repeating group such as ``BG-25``), its path in CII and in UBL (``ubl_cn`` where the UBL
CreditNote differs; ``None`` where a syntax has no place for it), the lowest Factur-X profile
that carries it, how to read its value from the model, and its kind (which decides the
formatting: dates, amounts, quantities ...). The CII and UBL writers are this table compiled
(:mod:`facturx_engine.syntax.engine`); the tests check it against the model and the spec digest.
A new field is one row plus one model attribute; which model field carries which term is derived from the rows
(``model/terms.tsv``, rewritten by ``python -m facturx_engine.syntax.fieldterms``).

The rows are written by business group, one module each: :mod:`.document` (header, notes,
references, preceding invoices, supporting documents), :mod:`.parties` (seller, buyer),
:mod:`.delivery` (payee, tax representative, delivery, payment instructions), :mod:`.amounts`
(allowances and charges, totals, VAT breakdown), :mod:`.lines` and :mod:`.french` (the French EXTENDED-CTC-FR
terms); :mod:`.rows` has the row type
and the getters, :mod:`.fields` the terms of the model fields no row is read into (groups stated by their
terms' rows). :data:`TERMS` is the one table, in the order below: the order of rows is the
writers' order among elements the XSD puts at the same place, and a repeating group's rows
follow the row that defines it.
"""

from __future__ import annotations

from collections.abc import Iterable

from facturx_engine.syntax.terms.amounts import allowances, totals
from facturx_engine.syntax.terms.delivery import payee_taxrep_delivery, payment
from facturx_engine.syntax.terms.document import attachments, header, preceding
from facturx_engine.syntax.terms.french import french_lines, french_parties, french_payer_ubl
from facturx_engine.syntax.terms.lines import lines
from facturx_engine.syntax.terms.parties import parties
from facturx_engine.syntax.terms.rows import HTS, ACItem, LineItem, Term

__all__ = ["TERMS", "ACItem", "LineItem", "Term", "by_id", "ids"]


def _build() -> tuple[Term, ...]:
    rows = header() + preceding() + parties() + french_parties() + payee_taxrep_delivery() + payment()
    rows += french_payer_ubl()
    rows += allowances("DOC", f"{HTS}/ram:SpecifiedTradeAllowanceCharge", "cac:AllowanceCharge",
                       lambda _i, w: w.doc_acs, doc_level=True)
    rows += totals() + attachments() + lines() + french_lines()
    return tuple(r for r in rows if r.id and not (r.cii is None and r.ubl is None and r.ubl_cn in ("=", None)))


TERMS: tuple[Term, ...] = _build()


def by_id(term_id: str) -> tuple[Term, ...]:
    """Every row of a business term (a term has several rows where the syntaxes differ)."""
    return tuple(t for t in TERMS if t.id == term_id)


def ids() -> Iterable[str]:
    return sorted({t.id for t in TERMS if t.id != "_"}, key=lambda s: (s[:2], int(s[3:].split("-")[0])
                                                                     if s[3:].split("-")[0].isdigit() else 0, s))
