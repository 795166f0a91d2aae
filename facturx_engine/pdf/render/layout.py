"""The human-readable side of an invoice: an A4 PDF drawn with reportlab from the model.

:func:`render` lays out the seller and buyer, the title (by type code and language), dates and
references, the lines (a table that flows over as many pages as needed, header row repeated),
document allowances and charges, the VAT breakdown, the totals BT-106..BT-115, the payment
instructions, the notes with the French legal mentions (:func:`facturx_engine.model.fr.legal_notes`),
and a footer with ``page X / Y`` on every page (:mod:`facturx_engine.pdf.render.page`).

What French invoices must show from 2026 is read from the business terms (:mod:`facturx_engine.model.fr`):
the buyer's SIREN under a French buyer, the delivery address only when it differs from the buyer's, the
nature of the operation from the billing framework BT-23, the option for VAT on debits (BT-8 = 3), no
late-payment mention on a credit note, "invoice paid" with the means when BT-113 leaves nothing due. Codes
are printed in words where the catalogue names them: VAT categories (UNTDID 5305; a line's category other
than S under its description), exemption codes BT-121, allowance and charge reasons, payment means, units.

How it is drawn: the layout is computed here, block by block, with fixed column positions and
a small line breaker (:func:`facturx_engine.pdf.render.text.wrap`), flowed over the pages by
:class:`~facturx_engine.pdf.render.flow.Flow`, and written as PDF operators
straight into a reportlab canvas (text, filled rectangles, rules); reportlab writes the file,
embeds the fonts and the logo. No platypus flowable is used: they cost most of the time and
none of their generality is needed for this fixed layout. The pages are laid out completely
before any is written, so ``page X / Y`` is known in a single pass.

PDF/A-minded choices (ISO 19005-3 6.2.4, 6.2.11): the only fonts are the Bitstream
Vera TrueType fonts that reportlab itself ships (loaded from the installed package, embedded as
subsets; they cover €, accents, « », – and ’), the canvas starts on one of them
(``initialFontName``) so no base-14 font is ever referenced, colours are RGB only, and the
canvas is ``invariant`` so the same input gives the same bytes. Characters the fonts lack are
replaced (by their base letter, else ``?``) so no glyph is ``.notdef``.

Fonts are prepared once per process, the same for every document written with the usual
characters (:mod:`facturx_engine.pdf.render.fonts`), and the page content is Flate-encoded by
:mod:`facturx_engine.pdf.render.writer`, without reportlab's ASCII85 layer (kept only for zlib data that
ends with CR, see :class:`~facturx_engine.pdf.render.fonts.Flate`); every stream has an EOL before
``endstream``, so that
:func:`facturx_engine.pdf.embed.embed` can append its changes to the page as an incremental update.

:class:`~facturx_engine.pdf.render.template.Template` carries the branding: logo, colours,
header/footer text, extra mentions, language (``fr``, ``en``, ``de``); the words are those of the catalogue of
:mod:`facturx_engine.i18n`, and numbers, amounts and dates are written the language's way through Babel
(:class:`~facturx_engine.pdf.render.labels.PageFmt`).
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import TYPE_CHECKING

from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.lib.utils import ImageReader  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from facturx_engine.errors import InputError
from facturx_engine.i18n import code_label
from facturx_engine.model.numbers import round2
from facturx_engine.model.fr import L441_CODES, buyer_siren, legal_notes, operation_nature, vat_on_debits
from facturx_engine.pdf.render.flow import (
    BASE,
    BLACK,
    GREY,
    LABEL_GREY,
    MARGIN_X,
    NAME,
    RULE,
    SMALL,
    WIDTH,
    Gap,
    Item,
    Rows,
    ink_on,
    rgb,
    tint,
)
from facturx_engine.pdf.render.fonts import FONT, FONT_BOLD, FONT_ITALIC, capped, clean, fonts
from facturx_engine.pdf.render.labels import groups4, siren_like
from facturx_engine.pdf.render.page import InvoicePage
from facturx_engine.pdf.render.template import Template
from facturx_engine.pdf.render.text import CHUNK, Ops, Para, Row, Run, Source, Style, chunks
from facturx_engine.pdf.render.writer import Writer

if TYPE_CHECKING:
    from facturx_engine.model.compute import LineAmounts, Totals
    from facturx_engine.model.records import AllowanceCharge, Document, Identifier, Party
    from facturx_engine.model.records import Line as InvoiceLine

__all__ = ["render"]


# ---------------------------------------------------------------------------- the document


class _Layout(InvoicePage):
    """Lays out the body of one document: parties, references, lines, allowances and charges, VAT
    breakdown, totals, payment, notes."""

    def party_lines(self, party: Party, *, seller: bool) -> tuple[Source, str | None]:
        L, out = self.L, []
        a = party.address
        for line in (a.line1, a.line2, a.line3):
            if line:
                out.append([(capped(line, 200), FONT, BLACK)])
        city = " ".join(x for x in (a.postal_code, a.city) if x)
        if a.subdivision:
            city = f"{city}, {a.subdivision}" if city else a.subdivision
        out.append([(capped(f"{city} ({a.country})" if city else a.country, 200), FONT, BLACK)])
        c = party.contact
        if c is not None:
            if c.name:
                out.append(self.kv(L["contact"], capped(c.name, 120)))
            if c.phone:
                out.append(self.kv(L["phone"], capped(c.phone, 60)))
            if c.email:
                out.append(self.kv(L["email"], capped(c.email, 120)))
        if party.private_person:
            return out, None
        ids: list[tuple[str, str]] = []
        for ident in (*party.identifiers, party.legal_id):
            if ident is not None:
                ids.append(self.ident(ident))
        if party.vat_id:
            ids.append((L["vat_id"], party.vat_id))
        if party.tax_id:
            ids.append((L["tax_id"], party.tax_id))
        if not seller and (siren := buyer_siren(party)) is not None:  # a French buyer's SIREN, whatever carries it
            ids = [(L["siren"], siren_like(siren[0])), *((k, v) for k, v in ids if k != L["siren"])]
        seen: set[tuple[str, str]] = set()
        for label, value in ids[:8]:
            if (label, value) not in seen:
                seen.add((label, value))
                out.append(self.kv(label, capped(value, 80)))
        legal = capped(party.legal_info, 400) if seller and party.legal_info else None
        return out, legal

    def party(self, party: Party, width: float, *, seller: bool) -> list[Item]:
        items: list[Item] = [self.para(capped(party.name, 200), width, NAME)]
        if party.trading_name:
            items.append(self.para(capped(party.trading_name, 200), width, Style(FONT_ITALIC, 8.5, 11, BLACK)))
        lines, legal = self.party_lines(party, seller=seller)
        items.append(self.para(lines, width, BASE))
        if legal:
            items.append(self.para(legal, width, SMALL))
        return items

    def header(self) -> None:
        d, L, f = self.doc, self.L, self.f
        left_w, right_w = WIDTH * 0.55, WIDTH * 0.45
        seller = self.party(d.seller, left_w, seller=True)
        if d.tax_representative is not None:
            tr = d.tax_representative
            addr = ", ".join(x for x in (tr.address.line1, tr.address.postal_code, tr.address.city,
                                         tr.address.country) if x)
            seller.append(self.para(f"{clean(L['tax_rep'])}{self.colon}{capped(tr.name, 200)}, {capped(addr, 300)} – "
                                    f"{clean(L['vat_id'])} {capped(tr.vat_id, 80)}", left_w, SMALL))
        meta = [(L["number"], d.number), (L["issue_date"], f.date(d.issue_date))]
        if d.due_date:
            meta.append((L["due_date"], f.date(d.due_date)))
        if d.delivery is not None and d.delivery.date:
            meta.append((L["delivery_date"], f.date(d.delivery.date)))
        if d.invoicing_period is not None:
            pr = d.invoicing_period
            meta.append((L["period"], L["period_fmt"].format(f.date(pr.start) or "…", f.date(pr.end) or "…")))
        if (nature := operation_nature(d)) is not None:
            meta.append((L["operation"], L[f"operation_{nature}"]))
        if d.tax_point_date:
            meta.append((L["tax_point"], f.date(d.tax_point_date)))
        elif d.tax_point_code:
            meta.append((L["tax_point"], code_label("2005", d.tax_point_code, self.t.lang) or d.tax_point_code))
        widths = (32 * mm, 46 * mm)
        value_style = Style(FONT_BOLD, 8.5, 11, BLACK)
        rows = [self.row(widths, [self.cell(clean(k), widths[0], Style(FONT, 8.5, 11, LABEL_GREY), "R", 0),
                                  self.cell(capped(v, 80), widths[1], value_style, "R", 0)], pad=0, top=0.5, bottom=0.5)
                for k, v in meta]
        right: list[Item] = [self.para(clean(self.title()), right_w, Style(FONT_BOLD, 20, 24, self.primary), "R"),
                             Gap(3), Rows(rows, sum(widths))]
        logo = self.logo()
        if logo is not None:
            (seller if logo.align == "L" else right)[0:0] = [logo, Gap(4 * mm)]
        top = self.y
        height = max(self.draw_items(seller, MARGIN_X, top, left_w),
                     self.draw_items(right, MARGIN_X + left_w, top, right_w))
        self.y = top - height - 6 * mm
        # second band: references and delivery (left), buyer box (right)
        inner = right_w - 16
        buyer: list[Item] = [self.para(clean(L["buyer"]).upper(), inner, SMALL), *self.party(d.buyer, inner, seller=False)]
        top = self.y
        refs_h = self.draw_items(self.references(left_w), MARGIN_X, top, left_w)
        box_h = self.draw_items(buyer, MARGIN_X + left_w + 8, top - 6, inner) + 14
        self.pen.box(MARGIN_X + left_w, top - box_h, right_w, box_h, 0.8, self.primary)
        self.y = top - max(refs_h, box_h) - 7 * mm

    def references(self, width: float) -> list[Item]:
        d, L, f = self.doc, self.L, self.f
        refs = [(L[k], v) for k, v in (
            ("purchase_order", d.purchase_order), ("sales_order", d.sales_order), ("contract", d.contract_reference),
            ("project", d.project_reference), ("buyer_reference", d.buyer_reference), ("tender", d.tender_reference),
            ("despatch", d.despatch_advice), ("receiving", d.receiving_advice),
            ("accounting", d.buyer_accounting_ref)) if v]
        if d.invoiced_object is not None:
            refs.append((L["object"], d.invoiced_object.value))
        for pi in d.preceding_invoices:
            key = "preceding_386" if pi.type_code == "386" else "preceding_credit" if d.is_credit_note \
                else "preceding_384" if d.type_code == "384" else "preceding"
            refs.append((L[key], f"{pi.number} {L['of_date']} {f.date(pi.issue_date)}" if pi.issue_date else pi.number))
        out: list[Item] = []
        if refs:
            out.append(self.para(clean(L["references"]).upper(), width, SMALL))
            shown = [self.kv(k, capped(v, 150), bold=True) for k, v in refs[:16]]
            if len(refs) > 16:
                shown.append([(f"… (+{len(refs) - 16})", FONT, BLACK)])
            out.append(self.para(shown, width, BASE))
        dl = d.delivery
        if dl is not None and dl.address == d.buyer.address and dl.name in (None, d.buyer.name) \
                and dl.location_id is None:
            dl = None  # the delivery repeats the buyer's address: nothing more to say (its date is in the header)
        if dl is not None and (dl.name or dl.address or dl.location_id):
            lines: Source = [[(capped(x, 200), FONT, BLACK)] for x in (dl.name,) if x]
            if dl.address is not None:
                a = dl.address
                lines += [[(capped(x, 200), FONT, BLACK)] for x in (a.line1, a.line2, a.line3) if x]
                lines.append([(capped(" ".join(x for x in (a.postal_code, a.city, f"({a.country})") if x), 200), FONT, BLACK)])
            if dl.location_id is not None:
                lines.append(self.kv(L["location"], capped(dl.location_id.value, 80)))
            out += [Gap(3 * mm), self.para(clean(L["ship_to"]).upper(), width, SMALL), self.para(lines, width, BASE)]
        return out

    def ac_text(self, ac: AllowanceCharge, amount: Decimal, base: Decimal | None) -> list[Run]:
        L, f = self.L, self.f
        what = capped(self.ac_reason(ac) or L["charge" if ac.charge else "allowance"], 200)
        detail = f" ({f.rate(ac.percent)} × {f.money(base)})" if ac.percent is not None and base is not None else ""
        sign = "+" if ac.charge else "-"
        return [(f"{what}{clean(detail)}{self.colon}", FONT, GREY), (f"{sign}{f.money(amount)}", FONT_BOLD, GREY)]

    def line_segments(self, line: InvoiceLine, la: LineAmounts) -> list[tuple[Style, list[Run], int]]:
        """(style, runs, raw length) pieces of a line's description cell; long texts cut in chunks."""
        L, f = self.L, self.f
        bold = Style(FONT_BOLD, 8.5, 11, BLACK)
        segs = [(bold, [(clean(c), FONT_BOLD, BLACK)], len(c)) for c in chunks(line.name)]
        segs += [(SMALL, [(clean(c), FONT, GREY)], len(c)) for c in chunks(line.description or "")]
        if line.seller_item_id:
            segs.append((SMALL, [(f"{clean(L['ref'])} {capped(line.seller_item_id, 200)}", FONT, GREY)], 60))
        if line.period is not None:
            period = L["period_fmt"].format(f.date(line.period.start) or "…", f.date(line.period.end) or "…")
            segs.append((SMALL, [(clean(period), FONT, GREY)], 30))
        segs += [(SMALL, [(clean(c), FONT_ITALIC, GREY)], len(c)) for c in chunks(line.note or "")]
        if line.gross_price is not None and line.gross_price != line.net_price:
            gp = f"{L['gross_price']} {f.price(line.gross_price)}, {L['discount']} " \
                 f"{f.price(line.gross_price - line.net_price)}"
            segs.append((SMALL, [(clean(gp), FONT, GREY)], 60))
        for k, ac in enumerate(line.allowances_charges):
            amount = ac.amount if self.doc.prices_include_vat or ac.amount is None else la.allowance_charge_amounts[k]
            assert amount is not None
            segs.append((SMALL, self.ac_text(ac, amount, ac.base_amount), 80))
        if line.vat.category.value != "S":
            segs.append((SMALL, [(clean(f"{L['col_vat']}{self.colon}{self.category(line.vat.category.value)}"), FONT,
                                  GREY)], 40))
        return [s for s in segs if s[2]]

    def category(self, code: str) -> str:
        """A VAT category (UNTDID 5305) in words, e.g. ``AE`` is "Autoliquidation" in French."""
        return code_label("5305", code, self.t.lang) or code

    def ac_reason(self, ac: AllowanceCharge) -> str | None:
        """An allowance's or charge's reason: its text, else its code (UNTDID 5189 / 7161) in words."""
        if ac.reason or not ac.reason_code:
            return ac.reason
        return code_label("7161" if ac.charge else "5189", ac.reason_code, self.t.lang) or ac.reason_code

    def lines(self) -> None:
        d, L, f = self.doc, self.L, self.f
        gross = d.prices_include_vat
        head = [L["col_id"], L["col_item"], L["col_qty"], L["col_unit"],
                L["col_price_gross" if gross else "col_price"], L["col_vat"],
                L["col_amount_gross" if gross else "col_amount"]]
        widths = [10 * mm, 71 * mm, 16 * mm, 17 * mm, 25 * mm, 15 * mm, 26 * mm]
        header = self.grid_header(head, widths, 2, left=(3,))
        zebra = tint(self.t.primary_color, 0.06)
        rule = (0.4, RULE)
        rows: list[Row] = []
        for n, (line, la) in enumerate(zip(d.lines, self.totals.lines)):
            if gross:
                signed = sum(((a.amount or Decimal(0)) * (1 if a.charge else -1) for a in line.allowances_charges),
                             Decimal(0))
                price, amount = line.net_price, round2(line.quantity * line.price_per_unit + signed)
            else:
                price, amount = la.net_price, la.net_amount
            price_text = f.price(price)
            if line.base_quantity is not None and line.base_quantity != 1:
                price_text += f" / {f.num(line.base_quantity)}"
            vat_text = f.rate(line.vat.rate)  # a category other than S is named in the description (line_segments)
            # the description is cut over several rows when long, so that rows split between pages
            groups: list[list[tuple[Style, list[Run], int]]] = [[]]
            size = 0
            for seg in self.line_segments(line, la):
                if groups[-1] and size + seg[2] > CHUNK:
                    groups.append([])
                    size = 0
                groups[-1].append(seg)
                size += seg[2]
            background = zebra if n % 2 else None
            last = len(groups) - 1
            for g, group in enumerate(groups):
                desc = [self.para([runs], widths[1] - 8, style) for style, runs, _ in group]
                cells: list[list[Para] | None] = [None, desc, None, None, None, None, None]
                if g == 0:
                    cells[0] = self.cell(capped(line.id, 30), widths[0], SMALL)
                    cells[2] = self.cell(f.num(line.quantity), widths[2], align="R", wraps=False)
                    cells[3] = self.cell(capped(f.unit(line.unit, line.quantity), 30), widths[3])
                    cells[4] = self.cell(clean(price_text), widths[4], align="R", wraps=False)
                    cells[5] = self.cell(vat_text, widths[5], align="R", wraps=False)
                    cells[6] = self.cell(f.money(amount), widths[6], align="R", wraps=False)
                rows.append(self.row(widths, cells, top=3 if g == 0 else 0, bottom=3 if g == last else 0,
                                     background=background, below=rule if g == last else None))
        self.flow_rows(rows, MARGIN_X, WIDTH, header)

    def doc_allowances(self) -> None:
        d, L, f = self.doc, self.L, self.f
        if not d.allowances_charges:
            return
        widths = [22 * mm, 74 * mm, 26 * mm, 16 * mm, 16 * mm, 26 * mm]
        header = self.grid_header([L[k] for k in ("type", "reason", "base", "rate", "col_vat", "amount")], widths, 2)
        rows = []
        for k, ac in enumerate(d.allowances_charges):
            gross = d.prices_include_vat
            amount = ac.amount if gross or ac.amount is None else self.totals.document_allowance_charge_amounts[k]
            assert amount is not None and ac.vat is not None
            sign = Decimal(1) if ac.charge else Decimal(-1)
            vat = f.rate(ac.vat.rate)
            reason = capped(self.ac_reason(ac), 300)
            if ac.vat.category.value != "S":  # the category in words, beside the reason
                reason = " – ".join(x for x in (reason, clean(self.category(ac.vat.category.value))) if x)
            texts = [clean(L["charge" if ac.charge else "allowance"]), reason,
                     f.money(ac.base_amount) if ac.base_amount is not None else "",
                     f.rate(ac.percent) if ac.percent is not None else "", vat, f.money(sign * amount)]
            rows.append(self.row(widths, [self.cell(x, w, align="R" if i >= 2 else "L", wraps=i == 1) if x else None
                                          for i, (x, w) in enumerate(zip(texts, widths))], below=(0.4, RULE)))
        self.space(5 * mm)
        self.flow_para(self.head(L["doc_ac"]), keep=header.height + rows[0].height)
        self.flow_rows(rows, MARGIN_X, WIDTH, header)

    def vat_rows(self, width: float) -> list[Row]:
        L, f = self.L, self.f
        widths = [width - 56 * mm, 28 * mm, 28 * mm]
        rows = [self.grid_header([L["vat_cat"], L["vat_base"], L["vat_amount"]], widths, 1)]
        for b in self.totals.vat_breakdown:
            cat = self.category(b.category.value)
            rows.append(self.row(widths, [self.cell(clean(f"{cat} {f.rate(b.rate)}".strip()), widths[0]),
                                          self.cell(f.money(b.taxable_amount), widths[1], align="R", wraps=False),
                                          self.cell(f.money(b.tax_amount), widths[2], align="R", wraps=False)],
                                 below=(0.4, RULE)))
            if b.exemption_reason or b.exemption_code:
                named = code_label("vatex", b.exemption_code, self.t.lang) if b.exemption_code else None
                # the reason as written, else the code (BT-121) in words; a code the catalogue cannot name is shown
                shown = (b.exemption_reason or named, None if named else b.exemption_code)
                why = ", ".join(capped(x, 600) for x in shown if x)
                rows[-1].below = None
                rows.append(self.row([width], [self.cell(f"{clean(L['exemption'])}{self.colon}{why}", width, SMALL)],
                                     top=0, below=(0.4, RULE)))
        return rows

    def totals_rows(self, width: float) -> list[Row]:
        d, L, f, t = self.doc, self.L, self.f, self.totals
        rows: list[tuple[str, str, bool]] = []
        if d.allowances_charges:
            rows.append((L["line_total"], f.money(t.line_total), False))
            if t.allowance_total:
                rows.append((L["allowance_total"], f.money(-t.allowance_total), False))
            if t.charge_total:
                rows.append((L["charge_total"], f.money(t.charge_total), False))
        rows.append((L["tax_exclusive"], f.money(t.tax_exclusive), False))
        rows.append((L["tax_total"], f.money(t.tax_total), False))
        if d.tax_currency and d.tax_currency_vat_total is not None:
            rows.append((L["tax_total_acc"].format(d.tax_currency),
                         f.money(d.tax_currency_vat_total, d.tax_currency), False))
        rows.append((L["grand_total"], f.money(t.grand_total), True))
        if t.paid:
            deposits = any(p.type_code == "386" for p in d.preceding_invoices)
            rows.append((L["paid_deposits" if deposits else "paid"], f.money(-t.paid), False))
        if t.rounding:
            rows.append((L["rounding"], f.money(t.rounding), False))
        widths = [width - 34 * mm, 34 * mm]
        out = []
        for label, amount, strong in rows:
            style = Style(FONT_BOLD, 8.5, 11, BLACK) if strong else BASE
            out.append(self.row(widths, [self.cell(clean(label), widths[0], style, wraps=False),
                                         self.cell(clean(amount), widths[1], style, "R", wraps=False)], top=2, bottom=2,
                                above=(0.6, GREY) if strong else None))
        accent = self.t.accent_color
        due = Style(FONT_BOLD, 10.5, 13, ink_on(accent))
        label = L["due_credit"] if d.is_credit_note else L["due"]
        out.append(self.row(widths, [self.cell(clean(label), widths[0], due, wraps=False),
                                     self.cell(clean(f.money(t.due)), widths[1], due, "R", wraps=False)], top=5, bottom=5,
                            background=rgb(accent)))
        return out

    def payment(self, width: float) -> list[Para]:
        d, L, f = self.doc, self.L, self.f
        pay = d.payment
        out: Source = []
        if pay is not None:
            means = code_label("4461", pay.means_code, self.t.lang) or pay.means_code
            if pay.means_text and pay.means_text != means:
                means = f"{means} ({pay.means_text})"
            if self.totals.paid and not self.totals.due and not d.is_credit_note:  # paid already (BT-113), nothing due
                out.append(self.kv(L["paid_with"], capped(means), bold=True))
            else:
                out.append(self.kv(L["means"], capped(means), bold=True))
            for ct in pay.credit_transfers:
                iban_like = re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}", "".join(ct.account_id.split()))
                acct = groups4(ct.account_id) if iban_like else ct.account_id
                out.append(self.kv(L["iban"] if iban_like else L["id"], capped(acct), bold=True))
                if ct.bic:
                    out.append(self.kv(L["bic"], capped(groups4(ct.bic))))
                if ct.account_name:
                    out.append(self.kv(L["holder"], capped(ct.account_name)))
            if pay.card is not None:
                holder = f" ({pay.card.holder})" if pay.card.holder else ""
                out.append(self.kv(L["card"], capped(f"**** {pay.card.pan_last_digits}{holder}")))
            dd = pay.direct_debit
            if dd is not None:
                if dd.mandate_id:
                    out.append(self.kv(L["mandate"], capped(dd.mandate_id), bold=True))
                if dd.creditor_id:
                    out.append(self.kv(L["creditor"], capped(dd.creditor_id)))
                if dd.debited_account:
                    out.append(self.kv(L["debited"], capped(groups4(dd.debited_account))))
            if pay.remittance_info:
                out.append(self.kv(L["remittance"], capped(pay.remittance_info), bold=True))
        if d.payee is not None:
            out.append(self.kv(L["payee"], capped(d.payee.name)))
        if d.due_date and not d.is_credit_note:
            out.append(self.kv(L["due_date"], f.date(d.due_date), bold=True))
        if d.payment_terms:
            out.append(self.kv(L["terms"], capped(d.payment_terms)))
        if not out:
            return []
        return [self.head(L["payment"], width), self.para(out, width, BASE)]

    def summary(self) -> None:
        right_w = 96 * mm
        left_w = WIDTH - right_w - 6 * mm
        right: list[Item] = [self.head(self.L["vat_breakdown"], right_w), Rows(self.vat_rows(right_w), right_w),
                             Gap(4 * mm), Rows(self.totals_rows(right_w), right_w)]
        left = self.payment(left_w)
        right_h = sum(i.height + (i.after if isinstance(i, Para) else 0) for i in right)
        left_h = sum(p.height + p.after for p in left)
        frame_h = self.frame_top - self.frame_bottom
        self.space(6 * mm)
        if max(left_h, right_h) < frame_h * 0.85:  # side by side
            self.room(max(left_h, right_h))
            top = self.y
            self.draw_items(left, MARGIN_X, top, left_w)
            self.draw_items(right, MARGIN_X + WIDTH - right_w, top, right_w)
            self.y = top - max(left_h, right_h)
            return
        # too tall: the totals block (kept together when it fits a page), then the payment text
        x = MARGIN_X + WIDTH - right_w
        self.room(min(right_h, frame_h))
        for item in right:
            if isinstance(item, Para):
                self.flow_para(item, x, right_w)
            elif isinstance(item, Rows):
                self.flow_rows(item.rows, x, right_w, None)
            else:
                self.space(item.height)
        if left:
            self.space(5 * mm)
            paras = self.payment(WIDTH)
            self.flow_para(paras[0], keep=paras[1].style.leading)
            self.flow_para(paras[1])

    def notice_block(self) -> None:
        """The notice of :func:`render` (a discrepancy between stated and computed amounts), in bold
        right under the totals, before anything else can come between them."""
        if self.notice:
            self.space(4 * mm)
            self.flow_para(self.para([[(clean(capped(self.notice, 2000)), FONT_BOLD, BLACK)]], WIDTH,
                                     Style(FONT_BOLD, 8, 10.5, BLACK)))

    def notes(self) -> None:
        L = self.L
        d = self.doc
        # a credit note asks for no payment: the late-payment subjects (PMD, PMT, AAB) stay in its XML only
        texts = [n.text for n in legal_notes(d) if not (d.is_credit_note and n.subject_code in L441_CODES)]
        if vat_on_debits(d):
            texts.append(L["vat_on_debits"])
        texts += list(self.t.mentions)
        if texts:
            self.space(6 * mm)
            note = Style(FONT, 7.5, 9.5, GREY)
            paras = [self.para(clean(text), WIDTH, note, after=2) for text in texts]
            self.flow_para(self.head(L["notes"]), keep=note.leading)
            for p in paras:
                self.flow_para(p)
        if self.doc.attachments:
            items = [", ".join(capped(x) for x in (a.id, a.description, a.filename or a.uri) if x)
                     for a in self.doc.attachments]
            self.space(3 * mm)
            self.flow_para(self.para([[(clean(L["attachments"]), FONT_BOLD, GREY),
                                       (self.colon + (" ; " if self.t.lang == "fr" else "; ").join(items), FONT, GREY)]], WIDTH, SMALL))

    def build(self) -> list[Ops]:
        self.new_page()
        self.header()
        self.lines()
        self.doc_allowances()
        self.summary()
        self.notice_block()
        self.notes()
        return self.pages


# ---------------------------------------------------------------------------- rendering


def _build(doc: Document, t: Template, totals: Totals | None = None, notice: str | None = None) -> bytes:
    writer = Writer(t.lang)
    lay = _Layout(doc, t, writer.pen, totals, notice)
    pages = lay.build()

    def logos(canvas: Canvas, index: int) -> None:
        for page, logo, x, y in lay.logos:
            if page == index:
                canvas.drawImage(ImageReader(io.BytesIO(logo.data)), x, y, logo.width, logo.height)

    return writer.write(pages, lay.decor, title=f"{lay.title()} {doc.number}", author=doc.seller.name,
                        each_page=logos)


def render(doc: Document, template: Template | None = None, *, totals: Totals | None = None,
           notice: str | None = None) -> bytes:
    """The A4 PDF of ``doc`` (bytes). Deterministic: the same document and template give the same bytes.

    The amounts shown (line net amounts, document allowances and charges, VAT breakdown, totals
    BT-106..BT-115) are ``doc.totals``, computed from the lines, unless ``totals`` is given: the
    amounts a received document *states* (:func:`facturx_engine.apps.convert.convert` passes them so
    that the page shows what the embedded XML says). ``notice`` is printed in bold under the
    totals (convert explains there how the stated amounts differ from the computed ones).

    This is the visual part only; embedding the XML and PDF/A-3 conformance are done afterwards.
    """
    t = template or Template()
    fonts()
    if totals is not None and len(totals.lines) != len(doc.lines):
        raise InputError(f"the totals to show have {len(totals.lines)} line(s), the document {len(doc.lines)}")
    return _build(doc, t, totals, notice)
