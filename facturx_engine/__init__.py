"""facturx_engine: an offline EN 16931 e-invoicing engine (Factur-X / CII / UBL 2.1).

This namespace is the public API; every subpackage is internal. The stages, lowest first (each
imports only the ones before it, checked by ``tests/test_architecture.py``)::

    errors, findings,     base: the documented errors, the one Finding type, the pinned upstream
    artefacts, codegen,         artefacts, the one way generated code is compiled, the version
    version
    model/                records, code lists and the guideline table, EN 16931 calculation, the rules
                          table, lifecycle (deposits, credits)
    syntax/               the business-term table, CII and UBL writers and readers
    validation/           XSD + Schematron of every rule set a document claims
    pdf/                  PDF/A-3 embedding, extraction, checks, the visual page (render/)
    io/                   the JSON format and invoicing-app payloads
    apps/                 convert, batch validation, reports
    cli/                  the ``facturx-engine`` command

Names are loaded on first use, so ``import facturx_engine`` stays light: writing CII or UBL never
imports Saxon, pikepdf or reportlab.

Quick use::

    import facturx_engine as fx
    xml = fx.to_cii(invoice, profile=fx.Profile.EN16931)
    fx.validate(xml, factur_x=True).raise_for_errors()  # judged as the Factur-X XML it is
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

from facturx_engine.errors import (
    CalculationError,
    CreditError,
    FacturXError,
    InputError,
    ModelError,
    ParseError,
    PayloadError,
    PdfError,
    ProfileError,
    ResourceError,
    ValidationFailed,
)

from facturx_engine.version import __version__ as __version__

_EXPORTS: dict[str, str] = {
    # facturx_engine.apps.convert
    "Conversion": "facturx_engine.apps.convert",
    "convert": "facturx_engine.apps.convert",
    # facturx_engine.apps.dist (Dask: imported only when a run starts)
    "run_distributed": "facturx_engine.apps.dist",
    # facturx_engine.apps.view
    "view": "facturx_engine.apps.view",
    # facturx_engine.io.jsonio
    "dump_document": "facturx_engine.io.jsonio",
    "load_document": "facturx_engine.io.jsonio",
    # facturx_engine.io.payload
    "from_payload": "facturx_engine.io.payload",
    "quote_from_payload": "facturx_engine.io.payload",
    # facturx_engine.model.codes
    "DocumentType": "facturx_engine.model.codes",
    "Profile": "facturx_engine.model.codes",
    "VatCategory": "facturx_engine.model.codes",
    # facturx_engine.model.compute
    "check_expected": "facturx_engine.model.compute",
    "Totals": "facturx_engine.model.compute",
    "VatBreakdown": "facturx_engine.model.compute",
    # facturx_engine.model.lifecycle
    "credit_note": "facturx_engine.model.lifecycle",
    "creditable": "facturx_engine.model.lifecycle",
    "DepositPlan": "facturx_engine.model.lifecycle",
    "Milestone": "facturx_engine.model.lifecycle",
    "Quote": "facturx_engine.model.lifecycle",
    "schedule_invoices": "facturx_engine.model.lifecycle",
    # facturx_engine.model.records
    "Address": "facturx_engine.model.records",
    "AllowanceCharge": "facturx_engine.model.records",
    "Attachment": "facturx_engine.model.records",
    "CardPayment": "facturx_engine.model.records",
    "Contact": "facturx_engine.model.records",
    "CreditNote": "facturx_engine.model.records",
    "CreditTransfer": "facturx_engine.model.records",
    "Delivery": "facturx_engine.model.records",
    "DirectDebit": "facturx_engine.model.records",
    "Document": "facturx_engine.model.records",
    "Identifier": "facturx_engine.model.records",
    "Invoice": "facturx_engine.model.records",
    "ItemAttribute": "facturx_engine.model.records",
    "Line": "facturx_engine.model.records",
    "LineInvoiceReference": "facturx_engine.model.records",
    "LineSeller": "facturx_engine.model.records",
    "Note": "facturx_engine.model.records",
    "Party": "facturx_engine.model.records",
    "Payee": "facturx_engine.model.records",
    "PaymentInstructions": "facturx_engine.model.records",
    "Period": "facturx_engine.model.records",
    "PrecedingInvoice": "facturx_engine.model.records",
    "RelatedParty": "facturx_engine.model.records",
    "TaxRepresentative": "facturx_engine.model.records",
    "Vat": "facturx_engine.model.records",
    # facturx_engine.model.status
    "InvoiceLifecycleStatus": "facturx_engine.model.status",
    "StatusAmount": "facturx_engine.model.status",
    "StatusMessage": "facturx_engine.model.status",
    "StatusParty": "facturx_engine.model.status",
    "StatusReason": "facturx_engine.model.status",
    # facturx_engine.pdf.check
    "check_pdf": "facturx_engine.pdf.check",
    # facturx_engine.pdf.embed
    "embed": "facturx_engine.pdf.embed",
    "to_facturx": "facturx_engine.pdf.embed",
    # facturx_engine.pdf.extract
    "extract": "facturx_engine.pdf.extract",
    "extract_all": "facturx_engine.pdf.extract",
    # facturx_engine.pdf.read
    "from_pdf": "facturx_engine.pdf.read",
    # facturx_engine.pdf.render.layout
    "render": "facturx_engine.pdf.render.layout",
    # facturx_engine.pdf.render.template
    "Template": "facturx_engine.pdf.render.template",
    # facturx_engine.syntax.cdar
    "from_cdar": "facturx_engine.syntax.cdar",
    "read_cdar": "facturx_engine.syntax.cdar",
    "to_cdar": "facturx_engine.syntax.cdar",
    # facturx_engine.syntax.cii
    "ProfileWarning": "facturx_engine.syntax.cii",
    "to_cii": "facturx_engine.syntax.cii",
    "write_cii": "facturx_engine.syntax.cii",
    # facturx_engine.syntax.read
    "from_cii": "facturx_engine.syntax.read",
    "from_ubl": "facturx_engine.syntax.read",
    "from_xml": "facturx_engine.syntax.read",
    "read_document": "facturx_engine.syntax.read",
    "ReadResult": "facturx_engine.syntax.read",
    # facturx_engine.syntax.ubl
    "to_ubl": "facturx_engine.syntax.ubl",
    "write_ubl": "facturx_engine.syntax.ubl",
    # facturx_engine.validation.core
    "validate": "facturx_engine.validation.core",
    # facturx_engine.validation.findings
    "Finding": "facturx_engine.findings",
    "Report": "facturx_engine.validation.findings",
}
"""Each public name and the module that defines it (loaded by :func:`__getattr__` on first use)."""

if _typing.TYPE_CHECKING:
    from facturx_engine.apps.convert import (
        Conversion as Conversion,
        convert as convert,
    )
    from facturx_engine.apps.dist import (
        run_distributed as run_distributed,
    )
    from facturx_engine.findings import (
        Finding as Finding,
    )
    from facturx_engine.io.jsonio import (
        dump_document as dump_document,
        load_document as load_document,
    )
    from facturx_engine.io.payload import (
        from_payload as from_payload,
        quote_from_payload as quote_from_payload,
    )
    from facturx_engine.model.codes import (
        DocumentType as DocumentType,
        Profile as Profile,
        VatCategory as VatCategory,
    )
    from facturx_engine.model.compute import (
        check_expected as check_expected,
        Totals as Totals,
        VatBreakdown as VatBreakdown,
    )
    from facturx_engine.model.lifecycle import (
        credit_note as credit_note,
        creditable as creditable,
        DepositPlan as DepositPlan,
        Milestone as Milestone,
        Quote as Quote,
        schedule_invoices as schedule_invoices,
    )
    from facturx_engine.model.records import (
        Address as Address,
        AllowanceCharge as AllowanceCharge,
        Attachment as Attachment,
        CardPayment as CardPayment,
        Contact as Contact,
        CreditNote as CreditNote,
        CreditTransfer as CreditTransfer,
        Delivery as Delivery,
        DirectDebit as DirectDebit,
        Document as Document,
        Identifier as Identifier,
        Invoice as Invoice,
        ItemAttribute as ItemAttribute,
        Line as Line,
        LineInvoiceReference as LineInvoiceReference,
        LineSeller as LineSeller,
        Note as Note,
        Party as Party,
        Payee as Payee,
        PaymentInstructions as PaymentInstructions,
        Period as Period,
        PrecedingInvoice as PrecedingInvoice,
        RelatedParty as RelatedParty,
        TaxRepresentative as TaxRepresentative,
        Vat as Vat,
    )
    from facturx_engine.model.status import (
        InvoiceLifecycleStatus as InvoiceLifecycleStatus,
        StatusAmount as StatusAmount,
        StatusMessage as StatusMessage,
        StatusParty as StatusParty,
        StatusReason as StatusReason,
    )
    from facturx_engine.pdf.check import (
        check_pdf as check_pdf,
    )
    from facturx_engine.pdf.embed import (
        embed as embed,
        to_facturx as to_facturx,
    )
    from facturx_engine.pdf.extract import (
        extract as extract,
        extract_all as extract_all,
    )
    from facturx_engine.pdf.read import (
        from_pdf as from_pdf,
    )
    from facturx_engine.pdf.render.layout import (
        render as render,
    )
    from facturx_engine.pdf.render.template import (
        Template as Template,
    )
    from facturx_engine.syntax.cdar import (
        from_cdar as from_cdar,
        read_cdar as read_cdar,
        to_cdar as to_cdar,
    )
    from facturx_engine.syntax.cii import (
        ProfileWarning as ProfileWarning,
        to_cii as to_cii,
        write_cii as write_cii,
    )
    from facturx_engine.syntax.read import (
        from_cii as from_cii,
        from_ubl as from_ubl,
        from_xml as from_xml,
        read_document as read_document,
        ReadResult as ReadResult,
    )
    from facturx_engine.syntax.ubl import (
        to_ubl as to_ubl,
        write_ubl as write_ubl,
    )
    from facturx_engine.validation.core import (
        validate as validate,
    )
    from facturx_engine.validation.findings import (
        Report as Report,
    )
else:  # hidden from type checkers, so that a misspelt name stays an error for users of mypy

    def __getattr__(name: str) -> _typing.Any:
        module = _EXPORTS.get(name)
        if module is None:
            raise AttributeError(f"module 'facturx_engine' has no attribute {name!r}")
        value = getattr(_importlib.import_module(module), name)
        _publish(value)
        globals()[name] = value  # later lookups skip this function
        return value


def _publish(value: object) -> None:
    """Name this namespace as the home of an exported class or function (``help()``, reprs, docs, pickles).

    A class's own annotations are first resolved in the module that defines it (they are strings there,
    ``from __future__ import annotations``), so ``typing.get_type_hints`` keeps working once
    ``__module__`` no longer names that module. Called when a name is first taken from this namespace.
    """
    if not getattr(value, "__module__", "").startswith(__name__ + "."):
        return
    if isinstance(value, type):
        for klass in value.__mro__:
            own = klass.__dict__.get("__annotations__")
            if own and klass.__module__.startswith(__name__ + "."):
                hints = _typing.get_type_hints(klass)
                klass.__annotations__ = {key: hints[key] for key in own}
    elif not callable(value):
        return
    value.__module__ = __name__


for _error in (CalculationError, CreditError, FacturXError, InputError, ModelError, ParseError, PayloadError,
               PdfError, ProfileError, ResourceError, ValidationFailed):
    _publish(_error)
del _error


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


__all__ = [
    "Address",
    "AllowanceCharge",
    "Attachment",
    "CalculationError",
    "CardPayment",
    "check_expected",
    "check_pdf",
    "Contact",
    "Conversion",
    "convert",
    "credit_note",
    "creditable",
    "CreditError",
    "CreditNote",
    "CreditTransfer",
    "Delivery",
    "DepositPlan",
    "DirectDebit",
    "Document",
    "DocumentType",
    "dump_document",
    "embed",
    "extract",
    "extract_all",
    "FacturXError",
    "Finding",
    "from_cdar",
    "from_cii",
    "from_payload",
    "from_pdf",
    "from_ubl",
    "from_xml",
    "Identifier",
    "InputError",
    "Invoice",
    "InvoiceLifecycleStatus",
    "ItemAttribute",
    "Line",
    "LineInvoiceReference",
    "LineSeller",
    "load_document",
    "Milestone",
    "ModelError",
    "Note",
    "ParseError",
    "Party",
    "Payee",
    "PayloadError",
    "PaymentInstructions",
    "PdfError",
    "Period",
    "PrecedingInvoice",
    "Profile",
    "ProfileError",
    "ProfileWarning",
    "Quote",
    "quote_from_payload",
    "read_cdar",
    "read_document",
    "ReadResult",
    "RelatedParty",
    "render",
    "Report",
    "ResourceError",
    "run_distributed",
    "schedule_invoices",
    "StatusAmount",
    "StatusMessage",
    "StatusParty",
    "StatusReason",
    "TaxRepresentative",
    "Template",
    "to_cdar",
    "to_cii",
    "to_facturx",
    "to_ubl",
    "Totals",
    "validate",
    "ValidationFailed",
    "Vat",
    "VatBreakdown",
    "VatCategory",
    "view",
    "write_cii",
    "write_ubl",
]
