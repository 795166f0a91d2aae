"""The words of the rendered invoice (:mod:`facturx_engine.pdf.render.layout`): French and English
labels, unit names, and how each language writes numbers, amounts, rates, dates and units
(:class:`Fmt`).

One dict per language with the same keys (a test checks it); document titles are keyed by the
UNTDID 1001 type code, VAT categories by their UNTDID 5305 code, payment means by ``pay_<UNTDID 4461>``.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

__all__ = ["LABELS", "MONTHS", "NBSP", "SYMBOLS", "UNITS", "Fmt", "groups4", "siren_like"]

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
