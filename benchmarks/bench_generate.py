#!/usr/bin/env python
"""Generation benchmark: facturx_engine vs drafthorse vs a hand-written string writer.

Run from the repository root::

    python benchmarks/bench_generate.py            # full run (a few minutes)
    python benchmarks/bench_generate.py --quick    # smoke run (~30 s)

Every implementation builds the *same* invoice (same seller, buyer, N lines, VAT breakdown,
totals, payment means, the three French late-payment notes) from the same raw line data.
Before timing anything the script checks that

* the string writer produces exactly the bytes of ``to_cii(doc)`` (EN 16931 profile), and
* drafthorse's XML carries the same elements, texts and attributes as ours (order ignored).

See benchmarks/README.md for what each column measures.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import shlex
import statistics
import sys
import time
import timeit
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from importlib.metadata import version

ISSUE = datetime.date(2025, 3, 1)
DUE = datetime.date(2025, 3, 31)
IBAN, BIC = "FR7630006000011234567890189", "AGRIFRPP"
SIZES = (1, 10, 100, 1000)
CENT = Decimal("0.01")


# ------------------------------------------------------------------------------ input data


def line_data(n: int) -> list[tuple[str, str, Decimal, str, Decimal, Decimal]]:
    """Raw lines shared by every implementation: (id, name, quantity, unit, net price, VAT rate)."""
    return [(str(i), f"Article n°{i} & accessoires", Decimal(i % 7 + 1), "C62" if i % 3 else "HUR",
             Decimal("12.50") + Decimal(i % 11) / 4, Decimal("20") if i % 4 else Decimal("5.5"))
            for i in range(1, n + 1)]


SELLER = {"name": "ACME & Fils SAS", "vat_id": "FR44732829320", "siren": "732829320",
          "line1": "1 rue de la Paix", "city": "Paris", "postal_code": "75002", "country": "FR"}
BUYER = {"name": "Client <Lyon> SARL", "vat_id": "FR14987654324",
         "line1": "5 quai Saint-Antoine", "city": "Lyon", "postal_code": "69002", "country": "FR"}


# ------------------------------------------------------------------------------ ours


def build_ours(n: int, rows: list | None = None):  # type: ignore[no-untyped-def]
    """Our model (construction runs every check and computes the totals)."""
    from facturx_engine.model.records import (Address, CreditTransfer, Identifier, Invoice, Line, Party,
                                      PaymentInstructions, Vat)

    rows = line_data(n) if rows is None else rows
    s, b = SELLER, BUYER
    seller = Party(name=s["name"], vat_id=s["vat_id"], legal_id=Identifier.siren(s["siren"]),
                   address=Address(line1=s["line1"], city=s["city"], postal_code=s["postal_code"],
                                   country=s["country"]))
    buyer = Party(name=b["name"], vat_id=b["vat_id"],
                  address=Address(line1=b["line1"], city=b["city"], postal_code=b["postal_code"],
                                  country=b["country"]))
    lines = [Line(id=i, name=name, quantity=q, unit=u, net_price=p, vat=Vat.standard(r))
             for i, name, q, u, p, r in rows]
    return Invoice(number="F-2025-0001", issue_date=ISSUE, due_date=DUE, seller=seller, buyer=buyer,
                   payment=PaymentInstructions(means_code="58",
                                               credit_transfers=(CreditTransfer(account_id=IBAN, bic=BIC),)),
                   lines=lines)


# ------------------------------------------------------------------------------ string writer (the floor)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _party(tag: str, p, with_legal: bool) -> str:  # type: ignore[no-untyped-def]
    a = p.address
    legal = (f'<ram:SpecifiedLegalOrganization><ram:ID schemeID="{p.legal_id.scheme}">{_esc(p.legal_id.value)}'
             f'</ram:ID></ram:SpecifiedLegalOrganization>') if with_legal else ""
    return (f"<ram:{tag}><ram:Name>{_esc(p.name)}</ram:Name>{legal}"
            f"<ram:PostalTradeAddress><ram:PostcodeCode>{_esc(a.postal_code)}</ram:PostcodeCode>"
            f"<ram:LineOne>{_esc(a.line1)}</ram:LineOne><ram:CityName>{_esc(a.city)}</ram:CityName>"
            f"<ram:CountryID>{a.country}</ram:CountryID></ram:PostalTradeAddress>"
            f'<ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">{_esc(p.vat_id)}</ram:ID>'
            f"</ram:SpecifiedTaxRegistration></ram:{tag}>")


def string_writer(doc) -> bytes:  # type: ignore[no-untyped-def]
    """Hand-written f-string CII writer for exactly the benchmark invoice's shape.

    It reads the same model (with its computed totals) as ``to_cii`` and must give the same bytes.
    """
    from facturx_engine.model.fr import legal_notes

    t = doc.totals
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n'
           '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
           'xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100" '
           'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" '
           'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">'
           "<rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>"
           "<ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>"
           "</rsm:ExchangedDocumentContext>",
           f"<rsm:ExchangedDocument><ram:ID>{_esc(doc.number)}</ram:ID><ram:TypeCode>{doc.type_code}</ram:TypeCode>"
           f'<ram:IssueDateTime><udt:DateTimeString format="102">{doc.issue_date:%Y%m%d}</udt:DateTimeString>'
           "</ram:IssueDateTime>"]
    for note in legal_notes(doc):
        out.append(f"<ram:IncludedNote><ram:Content>{_esc(note.text)}</ram:Content>"
                   f"<ram:SubjectCode>{note.subject_code}</ram:SubjectCode></ram:IncludedNote>")
    out.append("</rsm:ExchangedDocument><rsm:SupplyChainTradeTransaction>")
    for line, am in zip(doc.lines, t.lines):
        vat = line.vat
        out.append(
            f"<ram:IncludedSupplyChainTradeLineItem><ram:AssociatedDocumentLineDocument>"
            f"<ram:LineID>{_esc(line.id)}</ram:LineID></ram:AssociatedDocumentLineDocument>"
            f"<ram:SpecifiedTradeProduct><ram:Name>{_esc(line.name)}</ram:Name></ram:SpecifiedTradeProduct>"
            f"<ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice>"
            f"<ram:ChargeAmount>{am.net_price:f}</ram:ChargeAmount></ram:NetPriceProductTradePrice>"
            f"</ram:SpecifiedLineTradeAgreement><ram:SpecifiedLineTradeDelivery>"
            f'<ram:BilledQuantity unitCode="{line.unit}">{line.quantity:f}</ram:BilledQuantity>'
            f"</ram:SpecifiedLineTradeDelivery><ram:SpecifiedLineTradeSettlement><ram:ApplicableTradeTax>"
            f"<ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>{vat.category.value}</ram:CategoryCode>"
            f"<ram:RateApplicablePercent>{vat.rate:f}</ram:RateApplicablePercent></ram:ApplicableTradeTax>"
            f"<ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>{am.net_amount:.2f}"
            f"</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>"
            f"</ram:SpecifiedLineTradeSettlement></ram:IncludedSupplyChainTradeLineItem>")
    pay, acc = doc.payment, doc.payment.credit_transfers[0]
    out.append(f"<ram:ApplicableHeaderTradeAgreement>{_party('SellerTradeParty', doc.seller, True)}"
               f"{_party('BuyerTradeParty', doc.buyer, False)}</ram:ApplicableHeaderTradeAgreement>"
               f"<ram:ApplicableHeaderTradeDelivery/><ram:ApplicableHeaderTradeSettlement>"
               f"<ram:InvoiceCurrencyCode>{doc.currency}</ram:InvoiceCurrencyCode>"
               f"<ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>{pay.means_code}</ram:TypeCode>"
               f"<ram:PayeePartyCreditorFinancialAccount><ram:IBANID>{_esc(acc.account_id)}</ram:IBANID>"
               f"</ram:PayeePartyCreditorFinancialAccount><ram:PayeeSpecifiedCreditorFinancialInstitution>"
               f"<ram:BICID>{_esc(acc.bic)}</ram:BICID></ram:PayeeSpecifiedCreditorFinancialInstitution>"
               f"</ram:SpecifiedTradeSettlementPaymentMeans>")
    for b in t.vat_breakdown:
        out.append(f"<ram:ApplicableTradeTax><ram:CalculatedAmount>{b.tax_amount:.2f}</ram:CalculatedAmount>"
                   f"<ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>{b.taxable_amount:.2f}</ram:BasisAmount>"
                   f"<ram:CategoryCode>{b.category.value}</ram:CategoryCode>"
                   f"<ram:RateApplicablePercent>{b.rate:f}</ram:RateApplicablePercent></ram:ApplicableTradeTax>")
    out.append(f"<ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime>"
               f'<udt:DateTimeString format="102">{doc.due_date:%Y%m%d}</udt:DateTimeString></ram:DueDateDateTime>'
               f"</ram:SpecifiedTradePaymentTerms><ram:SpecifiedTradeSettlementHeaderMonetarySummation>"
               f"<ram:LineTotalAmount>{t.line_total:.2f}</ram:LineTotalAmount>"
               f"<ram:TaxBasisTotalAmount>{t.tax_exclusive:.2f}</ram:TaxBasisTotalAmount>"
               f'<ram:TaxTotalAmount currencyID="{doc.currency}">{t.tax_total:.2f}</ram:TaxTotalAmount>'
               f"<ram:GrandTotalAmount>{t.grand_total:.2f}</ram:GrandTotalAmount>"
               f"<ram:DuePayableAmount>{t.due:.2f}</ram:DuePayableAmount>"
               f"</ram:SpecifiedTradeSettlementHeaderMonetarySummation></ram:ApplicableHeaderTradeSettlement>"
               f"</rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>")
    return "".join(out).encode("utf-8")


# ------------------------------------------------------------------------------ drafthorse


def _round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def build_drafthorse(n: int, rows: list | None = None):  # type: ignore[no-untyped-def]
    """The same invoice with drafthorse. drafthorse takes totals as input, so the caller computes
    them (line nets, VAT breakdown per rate, document totals) as a drafthorse user has to."""
    from drafthorse.models.accounting import ApplicableTradeTax
    from drafthorse.models.document import Document
    from drafthorse.models.note import IncludedNote
    from drafthorse.models.party import TaxRegistration
    from drafthorse.models.payment import PaymentMeans, PaymentTerms
    from drafthorse.models.tradelines import LineItem
    from facturx_engine.model.fr import LATE_PAYMENT_MENTIONS

    rows = line_data(n) if rows is None else rows
    doc = Document()
    doc.context.guideline_parameter.id = "urn:cen.eu:en16931:2017"
    doc.header.id = "F-2025-0001"
    doc.header.type_code = "380"
    doc.header.issue_date_time = ISSUE
    for m in LATE_PAYMENT_MENTIONS:
        note = IncludedNote()
        note.content = m.text
        note.subject_code = m.subject_code
        doc.header.notes.add(note)

    for party, data in ((doc.trade.agreement.seller, SELLER), (doc.trade.agreement.buyer, BUYER)):
        party.name = data["name"]
        if "siren" in data:
            party.legal_organization.id = ("0002", data["siren"])
        party.address.postcode = data["postal_code"]
        party.address.line_one = data["line1"]
        party.address.city_name = data["city"]
        party.address.country_id = data["country"]
        party.tax_registrations.add(TaxRegistration(id=("VA", data["vat_id"])))

    basis: dict[Decimal, Decimal] = {}
    for line_id, name, qty, unit, price, rate in rows:
        net = _round2(qty * price)
        basis[rate] = basis.get(rate, Decimal(0)) + net
        li = LineItem()
        li.document.line_id = line_id
        li.product.name = name
        li.agreement.net.amount = price
        li.delivery.billed_quantity = (qty, unit)
        li.settlement.trade_tax.type_code = "VAT"
        li.settlement.trade_tax.category_code = "S"
        li.settlement.trade_tax.rate_applicable_percent = rate
        li.settlement.monetary_summation.total_amount = net
        doc.trade.items.add(li)

    st = doc.trade.settlement
    st.currency_code = "EUR"
    pm = PaymentMeans()
    pm.type_code = "58"
    pm.payee_account.iban = IBAN
    pm.payee_institution.bic = BIC
    st.payment_means.add(pm)
    tax_total = Decimal("0.00")
    for rate, base in basis.items():
        tax = _round2(base * rate / 100)
        tax_total += tax
        tt = ApplicableTradeTax()
        tt.calculated_amount = tax
        tt.type_code = "VAT"
        tt.basis_amount = base
        tt.category_code = "S"
        tt.rate_applicable_percent = rate
        st.trade_tax.add(tt)
    terms = PaymentTerms()
    terms.due = DUE
    st.terms.add(terms)
    line_total = sum(basis.values(), Decimal("0.00"))
    ms = st.monetary_summation
    ms.line_total = line_total
    ms.tax_basis_total = line_total
    ms.tax_total = (tax_total, "EUR")
    ms.grand_total = line_total + tax_total
    ms.due_amount = line_total + tax_total
    return doc


def drafthorse_xml(n: int, rows: list | None = None, schema: str | None = "FACTUR-X_EN16931") -> bytes:
    return build_drafthorse(n, rows).serialize(schema=schema)


# ------------------------------------------------------------------------------ equivalence checks


def _leaves(xml: bytes) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    """Every element as (path of local names, stripped text, attributes), sorted: order-insensitive."""
    from lxml import etree

    root = etree.fromstring(xml)
    out = []
    for el in root.iter():
        path = "/".join(etree.QName(a).localname for a in [*reversed(list(el.iterancestors())), el])
        out.append((path, (el.text or "").strip(), tuple(sorted(el.attrib.items()))))
    return sorted(out)


def check_equivalence(n: int) -> None:
    from facturx_engine.syntax.cii import to_cii

    rows = line_data(n)
    doc = build_ours(n, rows)
    ours = to_cii(doc)
    floor = string_writer(doc)
    if floor != ours:
        i = next((k for k, (x, y) in enumerate(zip(floor, ours)) if x != y), min(len(floor), len(ours)))
        raise AssertionError(f"string writer differs from to_cii at byte {i} ({n} lines):\n"
                             f"  ours  : {ours[max(0, i - 80):i + 80]!r}\n  string: {floor[max(0, i - 80):i + 80]!r}")
    theirs = drafthorse_xml(n, rows, schema="FACTUR-X_EN16931")
    a, b = _leaves(ours), _leaves(theirs)
    if a != b:
        only_ours = [x for x in a if x not in b][:5]
        only_theirs = [x for x in b if x not in a][:5]
        raise AssertionError(f"drafthorse content differs ({n} lines): ours only {only_ours}, "
                             f"drafthorse only {only_theirs}")


# ------------------------------------------------------------------------------ timing


def measure(fn: Callable[[], object], min_time: float, repeats: int) -> float:
    """Median seconds per call over ``repeats`` runs of N loops (N auto-scaled to ``min_time``)."""
    timer = timeit.Timer(fn)
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= min_time:
            break
        number = max(number + 1, int(number * min_time / max(elapsed, 1e-9) * 1.2))
    return statistics.median(timer.repeat(repeats, number)) / number


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def cold_start() -> list[tuple[str, float]]:
    """One-time costs in this process: first model (code lists), first to_cii / to_ubl (table compile
    + XSD order read), first drafthorse serialize."""
    from facturx_engine.syntax.cii import to_cii
    from facturx_engine.syntax.ubl import to_ubl

    t0 = time.perf_counter()
    doc = build_ours(10)
    t1 = time.perf_counter()
    to_cii(doc)
    t2 = time.perf_counter()
    to_ubl(doc)
    t3 = time.perf_counter()
    drafthorse_xml(10)
    t4 = time.perf_counter()
    out = [("first model build (10 lines)", t1 - t0), ("first to_cii (compile CII table, read XSD order)", t2 - t1),
           ("first to_ubl (compile UBL table, read XSD order)", t3 - t2),
           ("first drafthorse build+serialize (10 lines)", t4 - t3)]
    for label, fn in (("steady-state model build (10 lines)", lambda: build_ours(10)),
                      ("steady-state to_cii (10 lines)", lambda: to_cii(doc)),
                      ("steady-state to_ubl (10 lines)", lambda: to_ubl(doc))):
        out.append((label, measure(fn, 0.05, 3)))
    return out


def arguments(description: str) -> tuple[argparse.Namespace, float, int]:
    """The options shared by the benchmarks of invoice sizes: (args, seconds per repeat, repeats)."""
    parser = argparse.ArgumentParser(description=description.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, shorter runs (smoke test)")
    parser.add_argument("--sizes", type=lambda s: tuple(int(x) for x in s.split(",")), default=SIZES,
                        help="comma-separated line counts (default 1,10,100,1000)")
    args = parser.parse_args()
    min_time, repeats = (0.02, 3) if args.quick else (0.2, 7)
    return args, min_time, repeats


def header(title: str, packages: str, min_time: float, repeats: int) -> None:
    """The Markdown header of a benchmark run: command, Python and machine, versions, timing rule."""
    print(f"# facturx_engine {title} benchmark\n")
    print(f"- command: `python {shlex.join(sys.argv)}`")
    print(f"- Python {platform.python_version()} ({platform.python_implementation()}), {platform.system()} "
          f"{platform.machine()}, CPU count {os.cpu_count()}")
    print(f"- {packages}")
    print(f"- timing: median of {repeats} repeats, loops auto-scaled to >= {min_time} s per repeat, "
          "gc disabled while timing (timeit default)\n")


def main() -> None:
    args, min_time, repeats = arguments(__doc__)

    from facturx_engine.syntax.cii import to_cii
    from facturx_engine.syntax.ubl import to_ubl

    header("generation", f"drafthorse {version('drafthorse')}, lxml {version('lxml')}", min_time, repeats)

    cold = cold_start()
    print("## One-time costs (first call in a fresh process)\n")
    print("| what | time |\n|---|---:|")
    for label, sec in cold:
        print(f"| {label} | {fmt_time(sec)} |")
    print()

    for n in args.sizes:
        check_equivalence(n)
    print(f"Checked for {', '.join(map(str, args.sizes))} lines: string writer == to_cii bytes; "
          "drafthorse XML has the same elements/texts/attributes as ours.\n")

    rows_out = []
    for n in args.sizes:
        rows = line_data(n)
        doc = build_ours(n, rows)
        gc.collect()
        r = {
            "model": measure(lambda: build_ours(n, rows), min_time, repeats),
            "cii": measure(lambda: to_cii(doc), min_time, repeats),
            "ubl": measure(lambda: to_ubl(doc), min_time, repeats),
            "dh": measure(lambda: drafthorse_xml(n, rows), min_time, repeats),
            "dh_noxsd": measure(lambda: drafthorse_xml(n, rows, schema=None), min_time, repeats),
            "floor": measure(lambda: string_writer(doc), min_time, repeats),
        }
        rows_out.append((n, r))
        print(f"  measured {n} lines", file=sys.stderr)

    print("## Median time per document\n")
    print("| lines | ours model | ours CII | ours UBL | drafthorse | string writer | ratio drafthorse/ours-CII "
          "| ratio ours-CII/string-writer | drafthorse no XSD | ratio drafthorse-no-XSD/ours-CII "
          "| ours model+CII | ratio drafthorse/(ours model+CII) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, r in rows_out:
        both = r["model"] + r["cii"]
        print(f"| {n} | {fmt_time(r['model'])} | {fmt_time(r['cii'])} | {fmt_time(r['ubl'])} | {fmt_time(r['dh'])} "
              f"| {fmt_time(r['floor'])} | {r['dh'] / r['cii']:.1f}× | {r['cii'] / r['floor']:.2f}× "
              f"| {fmt_time(r['dh_noxsd'])} | {r['dh_noxsd'] / r['cii']:.1f}× | {fmt_time(both)} "
              f"| {r['dh'] / both:.1f}× |")
    ten = dict(rows_out).get(10)
    if ten:
        ok1, ok2 = ten["dh"] / ten["cii"] >= 10, ten["cii"] / ten["floor"] <= 3
        print(f"\nTargets (10 lines): drafthorse/ours-CII >= 10× -> {'met' if ok1 else 'NOT met'} "
              f"({ten['dh'] / ten['cii']:.1f}×); ours-CII within 3× of string writer -> "
              f"{'met' if ok2 else 'NOT met'} ({ten['cii'] / ten['floor']:.2f}×)")


if __name__ == "__main__":
    main()
