"""Where the reader puts what it reads: paths of model fields, so that the document read is model-shaped.

The term table's getters say where the writers take each value: their ``inline`` attribute paths, of the
item of the row's context (``("item", ("line", "name"))`` of a ``LineItem``) or of the
:class:`~facturx_engine.syntax.context.WriteContext` (``("wctx", ("doc", "seller", "address", "city"))``,
``("wctx", ("totals", "due"))``). :data:`PLACES` says where each of those objects' attributes lives in the model, so
:func:`place` turns a getter's path into the path of the model field it was written from
(``("amounts", "net_price")`` of a line item is the line's ``net_price``). Rows whose getters are lambdas have
an explicit target in :data:`EXPLICIT` (keyed by term id), repeating groups whose getters are lambdas say where
their items go in :data:`GROUPS`, and :data:`NOT_READ` lists the reportable rows the reader leaves out on
purpose, with the reason (``tests/test_read.py`` checks that every reportable row is covered, and that every
place is a field of the record the reader builds, or one of the stated values below).

A few values have no place in the model: the stated totals, BG-23 breakdown and line net amounts (the model
computes them), a second payee identifier or payment means, a price base quantity unit. They are kept under
the names below, next to the model fields, and :func:`facturx_engine.syntax.assemble.finish` sets them apart
(and reports what the model cannot hold) before the records are built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["ACCOUNT", "ALTERNATIVES", "BASE_UNIT", "CHARGE_GROUPS", "EXPLICIT", "GROUPS", "NOT_READ", "PAYEE_IDS",
           "PAYMENT_MEANS", "PLACES", "STATED", "STATED_NET", "VERBATIM", "Raw", "Target", "place"]

Raw = dict[str, Any]
"""A model-shaped dict of the document read (model field names), or of one of its records."""

CHARGE_GROUPS = {"BG-20": False, "BG-21": True, "BG-27": False, "BG-28": True}
"""The allowance and charge groups, and whether their items are charges."""

Target = tuple[str, tuple[str, ...]]
"""Where a rule puts its value: ``("doc", path)`` in the document read, ``("item", path)`` in the item
of the rule's repeating group (the document itself in the ``DOC`` context); ``path`` is a path of model
field names (or of the reader's stated values: :data:`STATED`, :data:`STATED_NET`, :data:`ACCOUNT` ...)."""

STATED = "stated_totals"
"""The document's stated totals BT-106..BT-112, BT-115 and its BG-23 breakdown (``vat_breakdown``), by the
:class:`~facturx_engine.model.compute.Totals` attribute names: compared with the computed ones, never
read into the model (its totals are computed)."""
STATED_NET = "stated_net_amount"
"""A line's stated net amount BT-131 (compared with the computed one)."""
BASE_UNIT = "base_quantity_unit"
"""A line's price base quantity unit BT-150 (the model has one unit per line: it must equal BT-130)."""
PAYMENT_MEANS = "payment_means"
"""The payment means of the document, each shaped as the model's payment instructions with its one
credit-transfer account under :data:`ACCOUNT` (the model has one means: see ``assemble.finish``)."""
ACCOUNT = "credit_transfer"
PAYEE_IDS = "identifiers"
"""The payee identifiers stated (the model holds one, the first)."""

PLACES: dict[str, dict[tuple[str, ...], tuple[str, ...]]] = {
    # The objects the writers read, by context (the rows' getters name their attributes), and where
    # each attribute lives in the model: the longest listed prefix of a getter's path is replaced.
    "DOC": {  # syntax.context.WriteContext
        ("doc",): (), ("doc_seller",): ("seller",), ("doc_buyer",): ("buyer",),
        ("doc_taxrep",): ("tax_representative",), ("delivery_address",): ("delivery", "address"),
        ("totals",): (STATED,),
    },
    "BG-25": {  # LineItem: the line and its computed amounts (the writers take the prices from the amounts)
        ("line",): (), ("amounts", "net_price"): ("net_price",), ("amounts", "gross_price"): ("gross_price",),
        ("amounts", "price_discount"): ("price_discount",), ("amounts", "net_amount"): (STATED_NET,),
    },
    "AC": {("ac",): (), ("base",): ("base_amount",)},  # ACItem (BG-20, BG-21, BG-27, BG-28)
    "PAY": {("means",): (), ("account",): (ACCOUNT,), ("debit",): ("direct_debit",)},  # context.PayEntry
}

_TAX_POINT_CODES = {"5": "3", "29": "35", "72": "432"}  # UNTDID 2475 (CII) -> 2005 (model)

EXPLICIT: dict[str, tuple[Target, Callable[[str], Any] | None]] = {
    # term id: (where the value goes, optional decoder); for the rows whose getter is a lambda
    "BT-24": (("doc", ("specification_id",)), None),             # the default one is dropped in assemble.finish
    "BT-22": (("item", ("text",)), None),                          # the note text (UBL: #CODE# prefix, below)
    "BT-13": (("doc", ("purchase_order",)), None),                 # UBL "NA" placeholder dropped in finish
    "BT-70": (("doc", ("delivery", "name")), None),
    "BT-71": (("doc", ("delivery", "location_id", "value")), None),
    "BT-71-1": (("doc", ("delivery", "location_id", "scheme")), None),
    "BT-82": (("item", ("means_text",)), None),
    "BT-84": (("item", (ACCOUNT, "account_id")), None),            # CII IBANID or ProprietaryID
    "BT-9": (("doc", ("due_date",)), None),                        # UBL CreditNote: PaymentMeans/PaymentDueDate
    "BT-107": (("doc", (STATED, "allowance_total")), None),
    "BT-108": (("doc", (STATED, "charge_total")), None),
    "BT-113": (("doc", ("paid_amount",)), None),                   # input data (and compared as stated)
    "BT-114": (("doc", ("rounding_amount",)), None),
    "BT-7": (("doc", ("tax_point_date",)), None),                  # CII: in the first BG-23 only
    "BT-8": (("doc", ("tax_point_code",)), lambda v: _TAX_POINT_CODES.get(v, v)),  # CII, in BG-23
    "BT-150": (("item", (BASE_UNIT,)), None),
    # UBL: the payer (EXT-FR-FE-BG-02) in the first payment means' mandate (syntax.terms.french)
    **{term: (("doc", ("payer", *path)), None) for term, path in (
        ("EXT-FR-FE-43", ("name",)), ("EXT-FR-FE-46", ("global_id", "value")), ("EXT-FR-FE-47", ("global_id", "scheme")),
        ("EXT-FR-FE-52", ("electronic_address", "value")), ("EXT-FR-FE-52-1", ("electronic_address", "scheme")))},
}

GROUPS: dict[str, tuple[Target, Raw]] = {
    # context name of a repeating row whose getter is a lambda: (list its items go to, item seed)
    "BG-1": (("doc", ("notes",)), {}),
    "doc_seller:id": (("doc", ("seller", "identifiers")), {}),
    "doc_seller:gid": (("doc", ("seller", "identifiers")), {}),
    "doc_seller:uid": (("doc", ("seller", "identifiers")), {}),
    "doc_buyer:id": (("doc", ("buyer", "identifiers")), {}),
    "doc_buyer:gid": (("doc", ("buyer", "identifiers")), {}),
    "doc_buyer:uid": (("doc", ("buyer", "identifiers")), {}),
    "payee:id": (("doc", ("payee", PAYEE_IDS)), {}),
    "payee:gid": (("doc", ("payee", PAYEE_IDS)), {}),
    "payee:uid": (("doc", ("payee", PAYEE_IDS)), {}),
    "PAY": (("doc", (PAYMENT_MEANS,)), {}),
    "BG-20": (("doc", ("allowances_charges",)), {"charge": False}),
    "BG-21": (("doc", ("allowances_charges",)), {"charge": True}),
    "BG-23": (("doc", (STATED, "vat_breakdown")), {}),
    "BG-25": (("doc", ("lines",)), {}),
    "BG-27": (("item", ("allowances_charges",)), {"charge": False}),
    "BG-28": (("item", ("allowances_charges",)), {"charge": True}),
}

VERBATIM = frozenset({"BT-20"})
"""Terms whose element text is read as written, white space and line breaks included (the others are read
stripped): the lines of the payment terms carry meaning (XRechnung's ``#SKONTO#...#`` lines, each ended by a
line break, BR-DE-18), so the text is kept character for character."""

ALTERNATIVES: dict[tuple[str, str], str] = {
    # (term id, syntax): a sibling element that states the same term where the row's own element is absent
    ("BT-41", "cii"): "ram:DepartmentName",  # EN 16931 CII binding: contact point = PersonName or DepartmentName
    ("BT-56", "cii"): "ram:DepartmentName",
}
"""Second places the reader takes a term from (never written: the writers write the row's own element). With
both elements present and different, the second one read is reported as not kept, as any second value is."""

NOT_READ: dict[str, str] = {
    # reportable term id: why the reader leaves it out (none yet: every reportable row is read)
}


def place(ctx: str, source: str, path: tuple[str, ...]) -> Target:
    """Where the value a getter takes at ``path`` (of the ``WriteContext`` for ``"wctx"``, else of the item of
    the row's context) lives in the model: the longest prefix :data:`PLACES` lists is replaced."""
    if source == "wctx":
        root, places = "doc", PLACES["DOC"]
    else:
        root, places = "item", PLACES.get("AC" if ctx in CHARGE_GROUPS else ctx, {})
    for n in range(len(path), 0, -1):
        found = places.get(path[:n])
        if found is not None:
            path = found + path[n:]
            break
    if path[-2:] == ("category", "value"):  # a VatCategory enum's ``.value``: the model takes the code itself
        path = path[:-1]
    return root, path
