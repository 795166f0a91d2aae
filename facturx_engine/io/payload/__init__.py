"""Invoicing-app payloads: the flat JSON French e-invoicing APIs receive, read into the model.

:func:`from_payload` turns an invoice payload or a credit-note payload into an
:class:`~facturx_engine.model.records.Invoice` / :class:`~facturx_engine.model.records.CreditNote`;
:func:`quote_from_payload` reads a quote into a :class:`~facturx_engine.model.lifecycle.Quote`, which
turns it into deposit invoices and the final balance invoice, one by one or along a payment schedule
(:func:`~facturx_engine.model.lifecycle.schedule_invoices`). The arithmetic of deposits and credit notes
is :mod:`facturx_engine.model.lifecycle`'s; totals are computed by the model, never taken from the app:
the app's own totals are *checked*.

Invoice payload (snake_case; unknown keys are ignored; ``null`` and ``""`` mean absent)::

    invoice_number  issue_date (alias invoice_date)  due_date (>= issue date)  currency (EUR)
    output_format (facturx | ubl | cii)  direction (outgoing | incoming, kept in app_refs)
    specification (cen | xrechnung | peppol | extended-ctc-fr | a Factur-X profile: what to write it for)
    invoice_type (standard | deposit | balance)  deposit_total_ht  deposit_reference_text
    deposits: [{invoice_number, issue_date, total_ht, total_tax, total_ttc}]      (balance only)
    total_ht  total_tax (alias total_tva)  total_ttc        checked against BT-109, BT-110, BT-112
    seller_name  seller_siret  seller_vat_number  seller_legal_id  seller_legal_id_scheme
    seller_country  seller_address {line1, line2, postal_code, city, region, country}
    seller_electronic_address  seller_electronic_address_scheme (EAS; 0225 for a French party)
    buyer_... (the same)  buyer_shipping_address {... + name}  buyer_email  buyer_phone
    buyer_is_individual (also buyer.is_individual)  delivery_date (BT-72)
    payee_name  payee_siret | payee_identifier + payee_identifier_scheme  payee_legal_id  payee_legal_id_scheme
    buyer_agent  payer  seller_agent  invoicee  invoicer: {name, siret | global_id + global_id_scheme,
             electronic_address, electronic_address_scheme}      (French EXTENDED-CTC-FR parties)
    lines: [{description, quantity, unit, unit_price (alias unit_price_ht), tax_rate (aliases
             tva_rate, vat_rate), discount, product_code, exemption_reason, tax_category,
             total_ht, total_tax, total_ttc}]
    payment_terms  payment_method  bank_details {iban, bic, bank_name}  notes  purchase_order
    contract_reference  exemption_reason  tax_category  external_id  internal_reference
    billing_framework (alias cadre_de_facturation: BT-23, French code B1 S1 M1 ... M9, BR-FR-08)
    paid_by_card (true: paid by card when issued, BT-81 48, BT-113 = BT-112)  vat_on_debits (true: BT-8 = 3)

Rules, as the module applies them:

* Numbers are JSON numbers or numeric strings written as XML Schema writes a decimal (sign, ASCII
  digits, one dot: no exponent, separator or other digits), under the engine's numeric policy
  (:mod:`facturx_engine.model.numbers`): at most 15 digits before the point (3 for rates, discounts and
  percentages), nothing below 1E-20 but zero. A line whose quantity x price, or a document whose
  totals, would go beyond 15 digits is refused at the line's ``quantity``. A Python ``float`` (what
  ``json.loads`` gives by default) is read through its shortest ``repr``, i.e. as the literal the
  app wrote; the CLI parses JSON numbers straight to ``Decimal``. Money is never a float inside the
  engine.
* Texts may not hold a character XML 1.0 cannot carry: a control character other than tab, line
  feed and carriage return, a lone surrogate (``"\ud800"`` in JSON), U+FFFE or U+FFFF; each one is
  refused at its payload key, naming the business term the key feeds.
* Countries default to ``FR`` (seller and buyer; the shipping address to the buyer's). A French
  seller needs ``seller_siret`` (14 digits, check digit); its SIREN becomes the legal id BT-30
  unless ``seller_legal_id`` is given. A French business buyer needs one of SIRET / VAT number /
  legal id, a foreign one a VAT number or legal id. A consumer (``buyer_is_individual: true``)
  needs none and none is written (BT-46/47/48 absent) even if the app sent some; the L441-10
  late-payment mentions (:mod:`facturx_engine.model.fr`) are written for B2B only.
* A French seller's rates are 0, 2.1, 5.5, 10 and 20. A rate above 0 is category S. A 0 % rate
  takes the ``tax_category`` stated (line, else document: Z, E, AE, K, G, O), else it is an
  exemption (E) and needs ``exemption_reason`` (line, else document; a ``VATEX-...`` value is
  written as the code BT-121). AE, K, G and O have a default reason.
* ``discount`` is a percent of the unit price: gross price BT-148, discount BT-147, net price
  BT-146, so the line's BT-131 is round(quantity x price x (1 - discount / 100)).
* ``payment_method``: virement -> 58 (SEPA IBAN) or 30, carte -> 48, cheque -> 20, especes -> 10,
  prelevement -> 59 (case and accents ignored); ``bank_details`` alone means virement, and
  virement needs the IBAN (BR-61). IBAN and BIC are checked; ``bank_name``, which EN 16931 has no
  place for, is kept in ``app_refs``.
* The app's totals (document and line) may differ from the computed ones by half a cent at most.
  A line's VAT is round(BT-131 x rate); the document's VAT is computed per rate (BR-CO-17).
* ``invoice_type: deposit`` is a 386; ``deposit_total_ht`` (the deal total, not below this
  deposit) and ``deposit_reference_text`` become notes. ``balance`` lists ``deposits``: each one a
  BG-3 reference (type 386), their ``total_ttc`` the paid amount BT-113; BT-115 is what remains.
* ``paid_by_card: true``: the invoice was paid by card when issued (a shop's receipt): payment means 48
  (``payment_method`` may only be ``carte``), the paid amount BT-113 is the whole total BT-112, so nothing is
  due (BT-115 = 0); with the billing framework B2/S2/M2 (already paid) the French rule BR-FR-CO-09 also
  wants ``due_date``, the payment date.
* ``vat_on_debits: true``: the seller opted to pay the VAT on debits, written where EN 16931 carries it,
  the VAT point date code BT-8 = 3 (VAT due at invoicing; :func:`facturx_engine.model.fr.vat_on_debits`).
* The payee (BG-10) is the party paid instead of the seller, e.g. the factor of a factoring (affacturage), whose
  account is then ``bank_details``: ``payee_name`` is required with any ``payee_*`` key (BR-17), an identifier
  needs its ICD scheme (BR-FR-CO-10), the SIREN of ``payee_siret`` becomes BT-61. The French EXTENDED-CTC-FR
  parties (buyer's agent, payer, seller's agent, invoicee, invoicer) need a target specification written as
  Factur-X EXTENDED (``extended-ctc-fr``, ``extended``: the payload's ``specification``, or ``spec=`` /
  ``generate --spec``): for any other they are refused at their key, never left out. A credit note keeps the
  invoice's. A payee or French party the payload states that the document written cannot carry (the payer in a UBL
  without payment means, the payee in Factur-X MINIMUM) is refused at its key by ``generate --from payload``
  (:func:`write_payload`), never written without. Every key and rule: :mod:`.roles`.
* A 0225 electronic address (seller, buyer, French party; the default scheme of a French one) takes ASCII letters,
  digits and ``+ - _ .`` only, as the French rule BR-FR-23 checks it; anything else is refused at its key.
* ``external_id``, ``internal_reference`` (and ``direction``, ``bank_name``) are kept in
  :attr:`~facturx_engine.model.records.Document.app_refs`, never written.

Credit-note payload: ``credit_note_number``, ``issue_date``, ``reason``, ``payment_terms`` and ``due_date`` (the
refund's; Factur-X EXTENDED requires one of them when an amount is due, BR-CO-25), ``type`` (``total`` |
``partial``; default: partial when ``items`` are given), ``invoice`` (the invoice payload it
credits), ``items`` ``[{description, quantity, unit_price, tax_rate}]`` (an item names an invoice
line by its description, then unit price and rate when several lines share it; at the line's
unit price it credits a quantity, at another price the amount quantity x price; a ``total`` credit
note may list items too, as the platforms require: they must then credit exactly what remains of
every invoice line, its quantity and its net amount after the earlier credit notes, or each
difference is refused at the item's ``quantity`` / ``unit_price``, a line left out at ``items``),
``previous_credit_notes`` (earlier credit-note payloads on the same invoice, oldest first; their
``invoice`` may be left out), ``total_ht/total_tax/total_ttc`` (checked), ``external_id``,
``internal_reference``, ``output_format``, ``specification``. Parties and the B2C flag come from the invoice: a
``seller_*``/``buyer_*``/``payee_*`` key or French party that differs from the invoice's is refused. So do the
target specification and output format when the credit note states none (:func:`specification`,
:func:`output_format`): the credit note is written for, and its parties checked against, that one target.

Errors: every problem of a payload is collected and raised at once as
:class:`~facturx_engine.errors.PayloadError`, keyed by payload path (``lines.0.tva_rate``,
``invoice.buyer_siret``, ``items.1.quantity``; :data:`GENERAL` when no field can be named).

The package reads a payload by concern: :mod:`.reader` (values, errors, the reader of one object),
:mod:`.parties`, :mod:`.roles` (the payee and the French parties), :mod:`.lines`, :mod:`.totals` (the app's
totals checked), :mod:`.invoice`, :mod:`.credit` and :mod:`.quote`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from facturx_engine.errors import PayloadError, ProfileError
from facturx_engine.io.payload.credit import credit_note_of
from facturx_engine.io.payload.invoice import document_of
from facturx_engine.io.payload.quote import quote_from_payload
from facturx_engine.io.payload.reader import GENERAL, OUTPUT_FORMATS, as_choice, empty, root
from facturx_engine.io.payload.roles import lost_at
from facturx_engine.model import specs
from facturx_engine.model.specs import SPEC_NAMES
from facturx_engine.model.records import CreditNote, Invoice

__all__ = ["GENERAL", "from_payload", "load_json", "output_format", "quote_from_payload", "refuse_lost",
           "specification", "write_payload"]


def from_payload(payload: Mapping[str, Any], *, spec: str | None = None, writing: bool = True) -> Invoice | CreditNote:
    """The invoice or credit note (payload with ``credit_note_number`` / ``invoice``) of an app payload.

    ``spec``: the target specification the caller will write the document for, when it decides it rather than the
    payload's ``specification`` (``generate --spec``), in any spelling :func:`facturx_engine.model.specs.spec`
    accepts (:class:`~facturx_engine.errors.ProfileError` for an unknown one): what the payload may carry is judged
    against it (the French EXTENDED-CTC-FR parties need ``extended-ctc-fr`` or ``extended``). ``writing=False``:
    the document is only read (e-reporting), so no target's carry check applies. Raises
    :class:`~facturx_engine.errors.PayloadError` with every error found, keyed by payload path.
    """
    spec = None if spec is None else specs.spec(spec).name
    r = root(payload)
    if r.present("quote_number") and not r.present("invoice_number"):
        r.error("quote_number", "a quote is not an invoice: use facturx_engine.quote_from_payload")
        r.sink.check()
    if _credits(payload):
        cn = credit_note_of(r, None, (), spec=spec, writing=writing)
        r.sink.check()
        assert cn is not None
        return cn
    built = document_of(r, mode="invoice", spec=spec, writing=writing)
    r.sink.check()
    assert built is not None
    return built.doc


def load_json(data: bytes | str) -> Any:
    """Parse payload JSON text, numbers straight to Decimal; PayloadError (key ``payload``) if it is not JSON, and
    keyed at each key an object states twice (JSON keeps the last value of such a key without a word)."""
    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not a number JSON allows")

    twice: list[tuple[dict[str, Any], str]] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for key, value in items:
            if key in obj:
                twice.append((obj, key))
            obj[key] = value
        return obj

    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        payload = json.loads(text, parse_float=Decimal, parse_constant=refuse, object_pairs_hook=pairs)
    except UnicodeDecodeError as exc:
        message = f"the payload is not UTF-8 text ({exc.reason} at byte {exc.start})"
    except json.JSONDecodeError as exc:
        message = f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    except (ValueError, RecursionError) as exc:
        message = f"invalid JSON: {exc}"
    else:
        if not twice:
            return payload
        errors = {_path_of(payload, obj, key): ["given twice in the same object: which value is meant is unclear"]
                  for obj, key in twice}
        count = f"{len(errors)} error{'s' * (len(errors) != 1)}"
        raise PayloadError(f"the payload is invalid: {count} ({', '.join(errors)})", errors=errors)
    raise PayloadError("the payload is invalid: 1 error (payload)", errors={GENERAL: [message]})


def _path_of(payload: Any, target: dict[str, Any], key: str) -> str:
    """The dotted path (``lines.0.quantity``) of ``key`` in the object ``target`` somewhere in ``payload``."""
    stack: list[tuple[Any, str]] = [(payload, "")]
    while stack:
        node, path = stack.pop()
        if node is target:
            return f"{path}.{key}" if path else key
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        stack += [(child, f"{path}.{name}" if path else str(name)) for name, child in children
                  if isinstance(child, (dict, list))]
    return key


def _credits(payload: Mapping[str, Any]) -> bool:
    """Whether the payload is a credit note's (``credit_note_number`` or the credited ``invoice``)."""
    return not empty(payload.get("credit_note_number")) or isinstance(payload.get("invoice"), Mapping)


def _own_or_credited(payload: Mapping[str, Any], key: str, options: tuple[str, ...]) -> str | None:
    """The payload's ``key``; a credit-note payload without its own takes the credited invoice's."""
    r = root(payload)
    value = r.get((key,), as_choice(options))
    if not r.present(key) and _credits(payload) and (invoice := r.obj("invoice")) is not None:
        value = invoice.get((key,), as_choice(options))
    r.sink.check()
    return value if isinstance(value, str) else None


def specification(payload: Mapping[str, Any]) -> str | None:
    """The payload's ``specification``: the target specification the document is to be written for (a name of
    :data:`facturx_engine.model.specs.SPEC_NAMES`, e.g. ``xrechnung``, ``peppol``), None when absent;
    PayloadError naming the key when invalid. A credit-note payload without its own takes the credited invoice's
    (as it takes its parties), and what it may carry is judged against that same target. Kept in ``app_refs``
    too; ``generate --spec`` overrides it."""
    return _own_or_credited(payload, "specification", SPEC_NAMES)


def output_format(payload: Mapping[str, Any]) -> str | None:
    """The payload's ``output_format`` (facturx, ubl, cii), None when absent (a credit-note payload without its own:
    the credited invoice's); PayloadError when invalid."""
    return _own_or_credited(payload, "output_format", OUTPUT_FORMATS)


def refuse_lost(payload: Mapping[str, Any], dropped: Sequence[str], target: str) -> None:
    """PayloadError, keyed at the payload key, for the payee or French party the payload states that the document
    written (``target``, in words) cannot carry: ``dropped``, the business terms the writer left out
    (:attr:`facturx_engine.errors.ProfileError.dropped`). Data a payload states explicitly is never written
    without, with a mere notice."""
    r = root(payload)
    invoice = r.obj("invoice") if _credits(payload) else None
    lost_at((r, *((invoice,) if invoice is not None else ())), dropped, target)
    r.sink.check()


def write_payload(payload: Mapping[str, Any], write: Callable[[bool], bytes], target: str,
                  strict: bool = False) -> bytes:
    """The XML ``write(strict)`` gives for the document of ``payload`` (``target``: what it writes, in words): the
    payee or a French party the payload states that the target cannot carry is refused at its key
    (:func:`refuse_lost`); anything else it cannot carry is a notice (ProfileWarning), or refused when ``strict``."""
    try:
        return write(True)
    except ProfileError as exc:
        refuse_lost(payload, exc.dropped, target)
        if strict:
            raise
    return write(False)
