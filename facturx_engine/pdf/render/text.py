"""The words and letters of :mod:`facturx_engine.pdf.render.layout`: French and English labels, unit names,
number formats, the Vera fonts and how text is measured, broken into lines (:func:`wrap`), held
in paragraphs and table rows (:class:`Para`, :class:`Row`) and written as PDF operators
(:class:`Pen`).

One dict per language with the same keys (a test checks it); document titles are keyed by the
UNTDID 1001 type code, VAT categories by their UNTDID 5305 code, payment means by ``pay_<UNTDID 4461>``.

Fonts (:func:`fonts`): the Bitstream Vera TrueType fonts that reportlab ships, embedded as
subsets. Every document's first subset of a font starts with the same characters (ASCII, then
:data:`PRESET`, the Latin-1 letters and the usual punctuation and symbols), so for any document
whose characters are all among them, which is any French or English invoice, the embedded
subset is the same, and its TrueType program, its Flate encoding, its widths and its ToUnicode
map are computed once per process (:func:`subset_parts`) and reused. A document with other
characters gets them appended to its subset and pays for its own (the cache keeps the last
few subsets).
"""

from __future__ import annotations

import datetime as _dt
import unicodedata
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfdoc, pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import (  # type: ignore[import-untyped]
    SUBSETN,
    TTFont,
    makeToUnicodeCMap,
)
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

__all__ = ["CHUNK", "FONT", "FONT_BOLD", "FONT_BOLD_ITALIC", "FONT_FILES", "FONT_ITALIC", "LABELS", "MONTHS",
           "NBSP", "PRESET", "SYMBOLS", "UNITS", "Flate", "Fmt", "Line", "Ops", "Para", "Pen", "Row", "Run", "Source",
           "Style", "capped", "chunks", "clean", "fonts", "groups4", "siren_like", "split_lines", "subset_codes",
           "subset_parts", "wrap"]

NBSP = "\u00a0"

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "380": "Facture", "381": "Avoir", "384": "Facture rectificative", "386": "Facture d'acompte",
        "389": "Autofacture", "261": "Avoir autofacturé", "383": "Note de débit", "393": "Facture affacturée",
        "396": "Avoir affacturé", "invoice": "Facture", "credit": "Avoir",
        "number": "N°", "issue_date": "Date", "due_date": "Échéance", "delivery_date": "Date de livraison",
        "period": "Période", "period_fmt": "{0} – {1}", "tax_point": "Exigibilité de la TVA",
        "seller": "Émetteur", "buyer": "Client", "ship_to": "Livraison", "references": "Références",
        "purchase_order": "Bon de commande", "sales_order": "Commande vendeur", "contract": "Contrat",
        "project": "Projet", "buyer_reference": "Référence client", "tender": "Appel d'offres",
        "despatch": "Bon de livraison", "receiving": "Avis de réception", "accounting": "Compte comptable client",
        "object": "Objet facturé", "preceding": "Facture précédente", "preceding_386": "Acompte",
        "preceding_credit": "Facture d'origine", "preceding_384": "Facture corrigée", "of_date": "du",
        "col_id": "#", "col_item": "Désignation", "col_qty": "Qté", "col_unit": "Unité",
        "col_price": "P.U. HT", "col_price_gross": "P.U. TTC", "col_vat": "TVA", "col_amount": "Montant HT",
        "col_amount_gross": "Montant TTC", "ref": "Réf.", "gross_price": "Prix brut", "discount": "remise",
        "per": "par", "allowance": "Remise", "charge": "Frais", "doc_ac": "Remises et frais sur le document",
        "type": "Type", "reason": "Motif", "base": "Base", "rate": "Taux", "amount": "Montant",
        "vat_breakdown": "Récapitulatif TVA", "vat_cat": "TVA", "vat_base": "Base HT", "vat_amount": "Montant TVA",
        "exemption": "Exonération", "line_total": "Total des lignes HT", "allowance_total": "Remises",
        "charge_total": "Frais", "tax_exclusive": "Total HT", "tax_total": "Total TVA",
        "tax_total_acc": "Total TVA en {0}", "grand_total": "Total TTC", "paid": "Déjà payé",
        "paid_deposits": "Acomptes déduits", "rounding": "Arrondi", "due": "Net à payer",
        "stated_notice": "Remarque : les montants affichés sont ceux que cette facture indique, comme son XML "
                         "embarqué ; calculés à partir de ses lignes, ils diffèrent : {0}.",
        "due_credit": "Montant de l'avoir", "payment": "Paiement", "means": "Mode de règlement",
        "iban": "IBAN", "bic": "BIC", "holder": "Titulaire", "remittance": "Référence à rappeler",
        "mandate": "Mandat SEPA (RUM)", "creditor": "Créancier SEPA (ICS)",
        "debited": "Compte débité", "card": "Carte", "terms": "Conditions", "payee": "Bénéficiaire du paiement",
        "notes": "Notes et mentions", "attachments": "Pièces jointes", "page": "Page", "continued": "suite",
        "siret": "SIRET", "siren": "SIREN", "vat_id": "N° TVA", "tax_id": "N° fiscal", "id": "Identifiant",
        "tax_rep": "Représentant fiscal", "phone": "Tél.", "email": "E-mail", "contact": "Contact",
        "location": "Lieu",
        "S": "Taux normal", "Z": "Taux zéro", "E": "Exonéré", "AE": "Autoliquidation",
        "K": "Livraison intracommunautaire", "G": "Exportation hors UE", "O": "Hors champ de la TVA",
        "L": "IGIC (Canaries)", "M": "IPSI (Ceuta et Melilla)",
        "pay_1": "Non défini", "pay_10": "Espèces", "pay_20": "Chèque", "pay_30": "Virement",
        "pay_31": "Virement", "pay_42": "Paiement sur compte bancaire", "pay_48": "Carte bancaire",
        "pay_49": "Prélèvement", "pay_54": "Carte de crédit", "pay_55": "Carte de débit",
        "pay_57": "Accord permanent", "pay_58": "Virement SEPA", "pay_59": "Prélèvement SEPA",
        "pay_68": "Paiement en ligne", "pay_97": "Compensation",
        "tp_3": "à la date de facture", "tp_35": "à la date de livraison", "tp_432": "au paiement",
    },
    "en": {
        "380": "Invoice", "381": "Credit note", "384": "Corrected invoice", "386": "Prepayment invoice",
        "389": "Self-billed invoice", "261": "Self-billed credit note", "383": "Debit note",
        "393": "Factored invoice", "396": "Factored credit note", "invoice": "Invoice", "credit": "Credit note",
        "number": "No.", "issue_date": "Date", "due_date": "Due date", "delivery_date": "Delivery date",
        "period": "Period", "period_fmt": "{0} – {1}", "tax_point": "VAT point",
        "seller": "From", "buyer": "Bill to", "ship_to": "Delivery", "references": "References",
        "purchase_order": "Purchase order", "sales_order": "Sales order", "contract": "Contract",
        "project": "Project", "buyer_reference": "Buyer reference", "tender": "Tender",
        "despatch": "Despatch advice", "receiving": "Receiving advice", "accounting": "Buyer accounting ref.",
        "object": "Invoiced object", "preceding": "Preceding invoice", "preceding_386": "Prepayment",
        "preceding_credit": "Original invoice", "preceding_384": "Corrected invoice", "of_date": "of",
        "col_id": "#", "col_item": "Description", "col_qty": "Qty", "col_unit": "Unit",
        "col_price": "Unit price", "col_price_gross": "Unit price", "col_vat": "VAT", "col_amount": "Net amount",
        "col_amount_gross": "Amount", "ref": "Ref.", "gross_price": "Gross price", "discount": "discount",
        "per": "per", "allowance": "Allowance", "charge": "Charge", "doc_ac": "Document allowances and charges",
        "type": "Type", "reason": "Reason", "base": "Base", "rate": "Rate", "amount": "Amount",
        "vat_breakdown": "VAT breakdown", "vat_cat": "VAT", "vat_base": "Taxable amount", "vat_amount": "VAT amount",
        "exemption": "Exemption", "line_total": "Sum of line net amounts", "allowance_total": "Allowances",
        "charge_total": "Charges", "tax_exclusive": "Total excl. VAT", "tax_total": "Total VAT",
        "tax_total_acc": "Total VAT in {0}", "grand_total": "Total incl. VAT", "paid": "Paid amount",
        "paid_deposits": "Prepayments deducted", "rounding": "Rounding", "due": "Amount due",
        "stated_notice": "Note: the amounts shown are those this invoice states, as its embedded XML does; "
                         "computed from its lines they differ: {0}.",
        "due_credit": "Credit amount", "payment": "Payment", "means": "Payment means",
        "iban": "IBAN", "bic": "BIC", "holder": "Account name", "remittance": "Payment reference",
        "mandate": "SEPA mandate", "creditor": "SEPA creditor id",
        "debited": "Debited account", "card": "Card", "terms": "Terms", "payee": "Payee",
        "notes": "Notes", "attachments": "Attachments", "page": "Page", "continued": "continued",
        "siret": "SIRET", "siren": "SIREN", "vat_id": "VAT no.", "tax_id": "Tax reg. no.", "id": "ID",
        "tax_rep": "Tax representative", "phone": "Tel.", "email": "Email", "contact": "Contact",
        "location": "Location",
        "S": "Standard rate", "Z": "Zero rated", "E": "Exempt", "AE": "Reverse charge",
        "K": "Intra-community supply", "G": "Export outside the EU", "O": "Not subject to VAT",
        "L": "IGIC (Canary Islands)", "M": "IPSI (Ceuta and Melilla)",
        "pay_1": "Not defined", "pay_10": "Cash", "pay_20": "Cheque", "pay_30": "Credit transfer",
        "pay_31": "Debit transfer", "pay_42": "Payment to bank account", "pay_48": "Bank card",
        "pay_49": "Direct debit", "pay_54": "Credit card", "pay_55": "Debit card",
        "pay_57": "Standing agreement", "pay_58": "SEPA credit transfer", "pay_59": "SEPA direct debit",
        "pay_68": "Online payment", "pay_97": "Clearing between partners",
        "tp_3": "on the invoice date", "tp_35": "on the delivery date", "tp_432": "on payment",
    },
}
# UN/ECE Rec 20 units seen on invoices: "fr singular|plural", "en singular|plural"; other codes print as is.
UNITS: dict[str, tuple[str, str]] = {
    "C62": ("unité|unités", "unit|units"), "H87": ("pièce|pièces", "piece|pieces"),
    "EA": ("unité|unités", "each"),
    "DAY": ("jour|jours", "day|days"), "HUR": ("heure|heures", "hour|hours"), "MIN": ("min", "min"),
    "WEE": ("semaine|semaines", "week|weeks"), "MON": ("mois", "month|months"), "ANN": ("an|ans", "year|years"),
    "KGM": ("kg", "kg"), "GRM": ("g", "g"), "TNE": ("t", "t"), "MTR": ("m", "m"), "KMT": ("km", "km"),
    "MTK": ("m²", "m²"), "MTQ": ("m³", "m³"), "LTR": ("l", "l"), "KWH": ("kWh", "kWh"),
    "LS": ("forfait|forfaits", "lump sum|lump sums"), "SET": ("lot|lots", "set|sets"),
    "PR": ("paire|paires", "pair|pairs"), "XBX": ("boîte|boîtes", "box|boxes"), "XPK": ("colis", "package|packages"),
    "E48": ("service|services", "service|services"),
    "P1": ("%", "%"),
}
SYMBOLS = {"EUR": "€", "GBP": "£"}  # unambiguous ones; any other currency is written with its ISO code
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# ---------------------------------------------------------------------------- formatting


class Fmt:
    """Amounts, prices, rates, dates and units written the way the language writes them."""

    def __init__(self, lang: str, currency: str) -> None:
        self.lang, self.currency = lang, currency
        self.L = LABELS[lang]

    def _group(self, text: str) -> str:
        """'1,234.56' (Python's format) -> the language's separators."""
        if self.lang == "fr":
            return text.replace(",", NBSP).replace(".", ",")
        return text

    def num(self, value: Decimal, places: int | None = None) -> str:
        if places is None:  # exact, no trailing zeros
            text = format(value.normalize(), ",f")
        else:
            text = format(value, f",.{places}f")
        return self._group(text)

    def money(self, value: Decimal, currency: str | None = None, places: int = 2) -> str:
        cur = currency or self.currency
        sign = "-" if value < 0 else ""
        digits = self.num(abs(value), places)
        sym = SYMBOLS.get(cur)
        if self.lang == "fr":
            return f"{sign}{digits}{NBSP}{sym or cur}"
        return f"{sign}{sym}{digits}" if sym else f"{sign}{cur}{NBSP}{digits}"

    def price(self, value: Decimal) -> str:
        """A unit price: at least 2 decimals, more when the price has them."""
        exp = value.normalize().as_tuple().exponent
        return self.money(value, places=max(2, -exp) if isinstance(exp, int) else 2)

    def rate(self, value: Decimal | None) -> str:
        if value is None:
            return ""
        return f"{self.num(value)}{NBSP}%" if self.lang == "fr" else f"{self.num(value)}%"

    def date(self, value: _dt.date | None) -> str:
        if value is None:
            return ""
        if self.lang == "fr":
            return value.strftime("%d/%m/%Y")
        return f"{value.day} {MONTHS[value.month - 1]} {value.year}"

    def unit(self, code: str, quantity: Decimal) -> str:
        pair = UNITS.get(code)
        if pair is None:
            return code
        forms = pair[0 if self.lang == "fr" else 1].split("|")
        plural = abs(quantity) >= 2 if self.lang == "fr" else abs(quantity) != 1
        return forms[-1] if plural else forms[0]


def groups4(text: str) -> str:
    """IBAN/BIC in groups of 4, joined by no-break spaces so a line never splits the number."""
    compact = "".join(text.split()).upper()
    return NBSP.join(compact[i:i + 4] for i in range(0, len(compact), 4))


def siren_like(value: str) -> str:
    v = value.replace(" ", "")
    if v.isdigit() and len(v) in (9, 14):
        return " ".join([v[0:3], v[3:6], v[6:9]] + ([v[9:]] if len(v) == 14 else []))
    return value


# ---------------------------------------------------------------------------- line breaking

Run = tuple[str, str, str]
"""A piece of text in one font and colour: (text, font name, colour)."""
Line = tuple[float, tuple[tuple[float, str, str, str], ...]]
"""A laid-out line: its width, and its pieces as (x offset, text, font name, colour)."""


def wrap(source: Sequence[Sequence[Run]], width: float, measure: Callable[[str, str], float]) -> list[Line]:
    """Break lines of runs into lines at most ``width`` wide.

    Words are separated by ordinary spaces (a run of them counts as one; spaces at the start
    and end of a line are dropped; the no-break space joins), a run may end inside a word (a
    label in one font and its value in another), and a word wider than the column is cut
    between characters. ``measure(text, font)`` is the width of ``text``. An empty line gives
    no line. Consecutive pieces in the same font and colour are merged, with the spaces
    between them, so that each is drawn as one string.
    """
    out: list[Line] = []
    for runs in source:
        words: list[list[Run]] = []
        glue = False  # whether the next piece continues the current word
        for text, font, colour in runs:
            for i, part in enumerate(text.split(" ")):
                if i:
                    glue = False
                if part:
                    if glue:
                        words[-1].append((part, font, colour))
                    else:
                        words.append([(part, font, colour)])
                    glue = True
        pieces: list[list[float | str]] = []  # [x, text, font, colour] of the current line
        x = 0.0
        for word in words:
            size = sum(measure(text, font) for text, font, _ in word)
            space = measure(" ", str(pieces[-1][2])) if pieces else 0.0
            if pieces and x + space + size > width + 1e-6:
                out.append(_line(pieces, x))
                pieces, x, space = [], 0.0, 0.0
            if size > width + 1e-6:  # a word longer than the line: cut between characters
                for text, font, colour in word:
                    for ch in text:
                        w = measure(ch, font)
                        if pieces and x + w > width + 1e-6:
                            out.append(_line(pieces, x))
                            pieces, x = [], 0.0
                        x = _add(pieces, x, ch, font, colour, w)
                continue
            if pieces:
                last = pieces[-1]
                last[1] = str(last[1]) + " "
                x += space
            for text, font, colour in word:
                x = _add(pieces, x, text, font, colour, measure(text, font))
        if pieces:
            out.append(_line(pieces, x))
    return out


def _add(pieces: list[list[float | str]], x: float, text: str, font: str, colour: str, w: float) -> float:
    if pieces and pieces[-1][2] == font and pieces[-1][3] == colour:
        pieces[-1][1] = str(pieces[-1][1]) + text
    else:
        pieces.append([x, text, font, colour])
    return x + w


def _line(pieces: list[list[float | str]], width: float) -> Line:
    return width, tuple((float(x), str(t), str(f), str(c)) for x, t, f, c in pieces)


# ---------------------------------------------------------------------------- fonts

FONT, FONT_BOLD, FONT_ITALIC, FONT_BOLD_ITALIC = "FXVera", "FXVera-Bold", "FXVera-Italic", "FXVera-BoldItalic"
FONT_FILES = {FONT: "Vera.ttf", FONT_BOLD: "VeraBd.ttf", FONT_ITALIC: "VeraIt.ttf", FONT_BOLD_ITALIC: "VeraBI.ttf"}

# The characters placed in every document's first font subset right after ASCII (codes 1-31 and
# 128-255 of that subset; 159 places, of which these take 145): the Latin-1 letters and signs,
# then the letters of French, English and the neighbouring Latin alphabets, typographic
# punctuation and a few symbols. Only those the font has are used.
PRESET = ("".join(chr(c) for c in range(0xA1, 0x100))
           + "ŒœŠšŽžŸƒ–—‘’‚“”„†‡•…‰‹›€™ŁłĆćČčĎďĐđĞğİıŞşΩπ−√∞≈≠≤≥")
_FLATE = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])


class Flate(pdfdoc.PDFObject):  # type: ignore[misc]  # reportlab has no type information
    """A stream whose data are already Flate-encoded, written with an EOL before ``endstream``
    (reportlab's own streams have none there, which PDF/A forbids, ISO 19005-3 6.1.7.1, and which
    makes the page unfit for :func:`facturx_engine.pdf.embed.embed`'s incremental update)."""

    __RefOnly__ = 1  # an indirect object, like every stream

    def __init__(self, data: bytes, **entries: Any) -> None:
        self.data, self.entries = data, entries

    def format(self, document: Any) -> bytes:
        head = pdfdoc.PDFDictionary({**self.entries, "Filter": _FLATE, "Length": len(self.data)})
        return bytes(pdfdoc.format(head, document)) + b"\nstream\n" + self.data + b"\nendstream\n"


class PdfSource(pdfdoc.PDFObject):  # type: ignore[misc]  # reportlab has no type information
    """PDF source already written (a font's /Widths array), given to reportlab as it is."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def format(self, document: Any) -> bytes:
        return self.data


@lru_cache(maxsize=32)
def subset_parts(face: Any, base_name: str, subset: tuple[int, ...]) -> tuple[bytes, int, bytes, bytes]:
    """What a font subset writes that depends on nothing but the face and the subset: the Flate-encoded
    TrueType program and its length, the Flate-encoded ToUnicode CMap, the /Widths array."""
    program = face.makeSubset(list(subset))
    widths = " ".join(format(face.getCharWidth(code), "g") for code in subset)
    cmap = makeToUnicodeCMap(base_name, list(subset)).encode("latin-1")
    return zlib.compress(program), len(program), zlib.compress(cmap), f"[ {widths} ]".encode("ascii")


class VeraFont(TTFont):  # type: ignore[misc]  # reportlab has no type information
    """A reportlab TrueType font whose first subset in every document starts with ASCII and
    :data:`PRESET`, and whose subset objects come from :func:`subset_parts` (module docstring)."""

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename)
        has = self.face.charToGlyph
        self.preset = "".join(ch for ch in PRESET if ord(ch) in has)

    def splitString(self, text: str, doc: Any, encoding: str = "utf-8") -> list[tuple[int, bytes]]:
        if doc not in self.state:
            super().splitString(self.preset, doc)
        result: list[tuple[int, bytes]] = super().splitString(text, doc, encoding)
        return result

    def addObjects(self, doc: Any) -> None:
        """The font dictionaries of the subsets used in ``doc`` (reportlab calls this when saving)."""
        state = self.state[doc]
        state.frozen = 1
        face = self.face
        table = doc.idToObject["BasicFonts"].dict
        for n, subset in enumerate(state.subsets):
            internal = self.getSubsetInternalName(n, doc)[1:]
            base = (SUBSETN(n) + b"+" + face.name + face.subfontNameX).decode("latin-1")
            program, length, cmap, widths = subset_parts(face, base, tuple(subset))
            program_ref = doc.Reference(Flate(program, Length1=length), f"fontFile:{face.filename}({base})")
            descriptor = pdfdoc.PDFDictionary({
                "Type": "/FontDescriptor", "Ascent": face.ascent, "CapHeight": face.capHeight,
                "Descent": face.descent, "Flags": (face.flags & ~32) | 4,  # symbolic, as subsets are
                "FontBBox": pdfdoc.PDFArray(face.bbox), "FontName": pdfdoc.PDFName(base),
                "ItalicAngle": face.italicAngle, "StemV": face.stemV, "FontFile2": program_ref,
                "MissingWidth": face.defaultWidth})
            font = pdfdoc.PDFTrueTypeFont()
            font.Name, font.BaseFont = internal, base
            font.FirstChar, font.LastChar = 0, len(subset) - 1
            font.Widths = PdfSource(widths)
            font.ToUnicode = doc.Reference(Flate(cmap), "toUnicodeCMap:" + base)
            font.FontDescriptor = doc.Reference(descriptor, "fontDescriptor:" + base)
            doc.Reference(font, internal)
            table[internal] = font
        del self.state[doc]


@lru_cache(maxsize=32)
def subset_codes(subset: tuple[int, ...], assigned: tuple[tuple[int, int], ...]) -> tuple[frozenset[str], dict[int, str]]:
    """For a document's first subset (``subset``, and reportlab's code of each character
    ``assigned``): the characters drawn with it and the ``str.translate`` table to their codes."""
    table = {code: chr(n) for code, n in assigned if n < 256 and code}
    if 32 in table:
        table[0xA0] = table[32]
    return frozenset(map(chr, table)), table


class Widths(dict[int, float]):
    """Advance widths (1/1000 em) by code point; the no-break space is drawn as a space."""

    def __init__(self, face: Any) -> None:
        super().__init__(face.charWidths)
        self[0xA0] = self.get(32, face.defaultWidth)
        self.default = float(face.defaultWidth)

    def __missing__(self, code: int) -> float:
        return self.default


@cache
def fonts() -> tuple[frozenset[int], dict[str, Widths]]:
    """The Vera fonts shipped inside the reportlab package, registered once: the code points all
    four cover, and their widths.

    They are put in reportlab's font table under our names directly: ``registerFont`` would hand
    out an earlier font of the same face registered by someone else, and would hand ours to a
    later caller registering Vera under another name.
    """
    import reportlab  # type: ignore[import-untyped]

    folder = Path(reportlab.__file__).parent / "fonts"
    covered: frozenset[int] | None = None
    widths = {}
    for name, filename in FONT_FILES.items():
        font = VeraFont(name, str(folder / filename))
        pdfmetrics._fonts[name] = font  # private to reportlab: see the docstring
        cmap = frozenset(font.face.charToGlyph)
        covered = cmap if covered is None else covered & cmap
        widths[name] = Widths(font.face)
    assert covered is not None
    return covered, widths


def clean(text: str) -> str:
    """Text the fonts can draw: unknown characters become their base letter, else '?'."""
    covered = fonts()[0]
    if covered.issuperset(map(ord, text)):
        return text
    out = []
    for ch in text:
        if ord(ch) in covered or ch in "\n":
            out.append(ch)
        elif ch in "\t\u2009\u202f\u2007":
            out.append(" " if ch == "\t" else NBSP)
        elif unicodedata.category(ch)[0] == "C":
            continue
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if ord(c) in covered
                           and not unicodedata.combining(c))
            out.append(base or "?")
    return "".join(out)


def capped(text: str | None, cap: int | None = None) -> str:
    """Text to draw: ``cap`` shortens a text shown in a fixed box (the XML keeps the whole text)."""
    text = text or ""
    if cap is not None and len(text) > cap:
        text = text[:cap - 1].rstrip() + "…"
    return clean(text)


CHUNK = 500  # characters of a line's description per table row


def chunks(text: str) -> list[str]:
    """Cut a long text at spaces into pieces of at most about CHUNK characters."""
    out = []
    while len(text) > CHUNK:
        cut = text.rfind(" ", CHUNK // 2, CHUNK)
        cut = cut if cut > 0 else CHUNK
        out.append(text[:cut])
        text = text[cut:].lstrip()
    if text:
        out.append(text)
    return out


# ---------------------------------------------------------------------------- paragraphs and rows

Source = list[list[Run]]
"""Lines of runs (text, font, colour), before wrapping."""


@dataclass(frozen=True, slots=True)
class Style:
    """A paragraph style: font name, size and leading in points, colour (the operands of ``rg``)."""

    font: str
    size: float
    leading: float
    colour: str


@dataclass(slots=True)
class Para:
    """A paragraph wrapped to its width: lines, style, alignment ('L' or 'R'), space after it."""

    lines: list[Line]
    style: Style
    align: str = "L"
    after: float = 0.0

    @property
    def height(self) -> float:
        return len(self.lines) * self.style.leading


@dataclass(slots=True)
class Row:
    """A table row: cells as (x offset, width, paragraphs), paddings, background, rules."""

    cells: list[tuple[float, float, list[Para]]]
    top: float = 3.0
    bottom: float = 3.0
    background: str | None = None
    below: tuple[float, str] | None = None
    above: tuple[float, str] | None = None
    height: float = 0.0
    pad: float = 4.0  # left and right padding of every cell


def split_lines(source: Source) -> Source:
    """Explicit line breaks ('\\n' inside a run) made into separate lines."""
    out: Source = []
    for runs in source:
        line: list[Run] = []
        for text, font, colour in runs:
            parts = text.split("\n")
            for i, part in enumerate(parts):
                if i:
                    out.append(line)
                    line = []
                if part:
                    line.append((part, font, colour))
        out.append(line)
    return out


# ---------------------------------------------------------------------------- PDF operators


class Ops:
    """The operators of one page: the filled rectangles, the rules and frames over them, then all
    the text in one text object, which is drawn over both. Text positions are moves from the previous line start, and
    the font and colour are set only when they change."""

    def __init__(self) -> None:
        self.fills: list[str] = []
        self.strokes: list[str] = []
        self.text: list[str] = []
        self.font: tuple[str, int, float] | None = None
        self.fill: str | None = None
        self.x = self.y = 0.0

    def lines(self) -> list[str]:
        return self.fills + self.strokes + (["BT", *self.text, "ET"] if self.text else [])


class Pen:
    """PDF operators for the pages of one document, its text in the Vera subsets of one reportlab canvas."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.doc = canvas._doc  # fonts register their subsets with the document
        self.fonts = {name: pdfmetrics.getFont(name) for name in FONT_FILES}
        self.names: dict[tuple[str, int], str] = {}
        self.codes: dict[str, tuple[frozenset[str], dict[int, str]]] = {}
        self.ops = Ops()

    def start(self) -> Ops:
        self.ops = Ops()
        return self.ops

    def _codes(self, font: str) -> tuple[frozenset[str], dict[int, str]]:
        """The characters of the font's first subset in this document and their codes there, as a
        ``str.translate`` table (the no-break space is drawn as a space, as reportlab does)."""
        ttf = self.fonts[font]
        ttf.splitString("", self.doc)  # starts the document's subsets with the preset
        state = ttf.state[self.doc]
        found = subset_codes(tuple(state.subsets[0]), tuple(sorted(state.assignments.items())))
        self.codes[font] = found
        self.names[font, 0] = ttf.getSubsetInternalName(0, self.doc)
        return found

    def text(self, x: float, y: float, text: str, font: str, size: float, colour: str) -> None:
        ops = self.ops
        out = ops.text
        if colour != ops.fill:
            out.append(colour + " rg")
            ops.fill = colour
        x, y = round(x, 2), round(y, 2)
        out.append(f"{x - ops.x:.2f} {y - ops.y:.2f} Td")
        ops.x, ops.y = x, y
        known, table = self.codes.get(font) or self._codes(font)
        if known.issuperset(text):  # all in the first subset: encoded without reportlab's per-character loop
            pieces = [(0, text.translate(table).encode("latin-1"))]
        else:
            pieces = self.fonts[font].splitString(text, self.doc)
        for subset, data in pieces:
            if ops.font != (font, subset, size):
                name = self.names.get((font, subset))
                if name is None:
                    name = self.names[font, subset] = self.fonts[font].getSubsetInternalName(subset, self.doc)
                out.append(f"{name} {size:g} Tf")
                ops.font = (font, subset, size)
            out.append(f"<{data.hex()}> Tj")  # hexadecimal: no escaping, and the quickest to scan

    def rect(self, x: float, y: float, w: float, h: float, colour: str) -> None:
        self.ops.fills.append(f"{colour} rg {x:.2f} {y:.2f} {w:.2f} {h:.2f} re f")

    def box(self, x: float, y: float, w: float, h: float, width: float, colour: str) -> None:
        self.ops.strokes.append(f"{width:g} w {colour} RG {x:.2f} {y:.2f} {w:.2f} {h:.2f} re S")

    def line(self, x1: float, y1: float, x2: float, y2: float, width: float, colour: str) -> None:
        self.ops.strokes.append(f"{width:g} w {colour} RG {x1:.2f} {y1:.2f} m {x2:.2f} {y2:.2f} l S")

    def para(self, p: Para, x: float, top: float, width: float) -> None:
        """A paragraph whose first line's top is ``top`` (its baseline one font size lower, as
        reportlab places the first line of a paragraph); 'R' lines end at ``x + width``."""
        st = p.style
        y = top - st.size
        for line_width, pieces in p.lines:
            x0 = x if p.align == "L" else x + width - line_width
            for dx, text, font, colour in pieces:
                self.text(x0 + dx, y, text, font, st.size, colour)
            y -= st.leading

    def row(self, r: Row, x: float, top: float, width: float) -> None:
        """A table row ``width`` wide from ``top`` down: background, cell paragraphs, rules."""
        bottom = top - r.height
        pad = r.pad
        if r.background is not None:
            self.rect(x, bottom, width, r.height, r.background)
        for dx, w, paras in r.cells:
            y = top - r.top
            for p in paras:
                self.para(p, x + dx + pad, y, w - 2 * pad)
                y -= p.height + p.after
        if r.below is not None:
            self.line(x, bottom, x + width, bottom, *r.below)
        if r.above is not None:
            self.line(x, top, x + width, top, *r.above)
