"""Exceptions raised by facturx_engine.

Every error the engine raises derives from :class:`FacturXError`, and the ones caused
by bad caller input also derive from :class:`ValueError`, so ``except ValueError`` keeps
working for callers that do not know this module::

    FacturXError
     +-- ModelError(ValueError)        an invoice that cannot exist (missing BT, bad code, ...)
     |    +-- CalculationError         caller-supplied totals disagree with computed ones
     |    +-- CreditError              crediting more than remains creditable
     +-- ProfileError(ValueError)      data the requested profile/syntax cannot carry
     +-- InputError(ValueError)        JSON input that cannot be read into the model
     |    +-- PayloadError             an invoicing-app payload refused: every field error, by payload path
     +-- ParseError(ValueError)        XML that cannot be read
     +-- PdfError(ValueError)          a PDF that cannot be read, or made / shown to be PDF/A-3 Factur-X
     +-- ValidationFailed              a document failed XSD / Schematron (carries the report)
     +-- ResourceError                 an official artefact is missing or its checksum differs

Each exception carries structured context next to its message: ``field`` (the model or
JSON field path), ``bt`` (the EN 16931 business term id), ``rule`` (the business rule id)
and, where it applies, ``location``. An error raised with a rule and no term takes the terms
that rule names in the rules table (:mod:`facturx_engine.rules`), ``bt_from_rule`` then says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "CalculationError",
    "CreditError",
    "FacturXError",
    "InputError",
    "ModelError",
    "ParseError",
    "PayloadError",
    "PdfError",
    "ProfileError",
    "ResourceError",
    "ValidationFailed",
]


class FacturXError(Exception):
    """Root of every error raised by facturx_engine.

    Without ``bt``, an error with a ``rule`` takes the business terms of that rule from the rules table
    (``"BT-106/BT-131"`` for BR-CO-10) and ``bt_from_rule`` is True: a term the raise site names is a fact
    about that site (one of the rule's terms, or a more specific one) and wins.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        bt: str | None = None,
        rule: str | None = None,
        location: str | None = None,
    ) -> None:
        self.message = message
        self.field = field
        from_rule = _rule_terms(rule) if bt is None and rule else None
        self.bt = from_rule or bt
        self.bt_from_rule = from_rule is not None
        self.rule = rule
        self.location = location
        super().__init__(self._render())

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its attributes, not through ``__init__`` (whose keyword-only arguments pickle cannot
        pass): an error crosses to another process (a worker of a pool) whole, whatever its class."""
        return _restored, (type(self), self.args), self.__dict__

    def _render(self) -> str:
        head = []
        if self.field:
            head.append(self.field)
        if self.bt:
            head.append(f"({self.bt})")
        text = (" ".join(head) + ": " if head else "") + self.message
        if self.rule:
            text += f" [{self.rule}]"
        if self.location:
            text += f" at {self.location}"
        return text


class ModelError(FacturXError, ValueError):
    """The invoice described cannot exist under EN 16931 (or the French rules asked for)."""


class CalculationError(ModelError):
    """A total supplied by the caller differs from the one computed from the lines."""

    def __init__(self, message: str, *, stated: Any = None, computed: Any = None, **kw: Any) -> None:
        self.stated = stated
        self.computed = computed
        super().__init__(message, **kw)


class CreditError(ModelError):
    """A credit note would credit more than remains creditable on the invoice."""


class ProfileError(FacturXError, ValueError):
    """The requested profile or syntax cannot carry some data of the invoice."""

    def __init__(self, message: str, *, dropped: tuple[str, ...] = (), **kw: Any) -> None:
        self.dropped = dropped
        super().__init__(message, **kw)


class InputError(FacturXError, ValueError):
    """Input (JSON or Python values) that cannot be turned into the model."""


class PayloadError(InputError):
    """An invoicing-app payload (:mod:`facturx_engine.io.payload`) that cannot become a document.

    Shaped like the 422 answers of e-invoicing platforms: ``errors`` maps each payload path
    (``"lines.0.tva_rate"``, ``"buyer_siret"``, ``"invoice.seller_siret"``) to its messages, all of
    them at once; :meth:`as_dict` gives ``{"message": ..., "errors": {...}, "code": "validation_failed"}``.
    ``field`` is the first path.
    """

    code = "validation_failed"

    def __init__(self, message: str, *, errors: Mapping[str, Sequence[str]], **kw: Any) -> None:
        self.errors: dict[str, list[str]] = {str(k): [str(m) for m in v] for k, v in errors.items()}
        kw.setdefault("field", next(iter(self.errors), None))
        super().__init__(message, **kw)

    def _render(self) -> str:
        return "; ".join([self.message] + [f"{k}: {m}" for k, ms in self.errors.items() for m in ms])

    def as_dict(self) -> dict[str, Any]:
        """The JSON answer: ``{"message", "errors", "code"}``."""
        return {"message": self.message, "errors": {k: list(v) for k, v in self.errors.items()}, "code": self.code}


class ParseError(FacturXError, ValueError):
    """XML or PDF input that cannot be read."""


class PdfError(FacturXError, ValueError):
    """A PDF that cannot be read, or that cannot be (or is not) a PDF/A-3 Factur-X file.

    ``findings`` holds the :class:`~facturx_engine.findings.Finding` objects behind the error
    when it comes from a check (empty for unreadable input).
    """

    def __init__(self, message: str, *, findings: tuple[Any, ...] = (), **kw: Any) -> None:
        self.findings = findings
        super().__init__(message, **kw)


class ValidationFailed(FacturXError):
    """A document failed validation; ``report`` holds every finding, ``notes`` what the producer of the document
    says about it (a conversion: what it changed, codes the rules refuse)."""

    def __init__(self, message: str, *, report: Any = None, notes: tuple[str, ...] = (), **kw: Any) -> None:
        self.report = report
        self.notes = notes
        super().__init__(message, **kw)


class ResourceError(FacturXError):
    """An official artefact (XSD, Schematron XSLT, code list) is missing or altered."""


def _restored(cls: type[FacturXError], args: tuple[Any, ...]) -> FacturXError:
    """An error of ``cls`` with its message ``args``; pickle then restores its attributes
    (:meth:`FacturXError.__reduce__`)."""
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    return error


def _rule_terms(rule: str) -> str | None:
    """The terms the rules table names for ``rule``, joined with "/" (None if none); the table's module is imported
    here, on the first error with a rule, so that ``import facturx_engine`` stays light (it needs pathlib)."""
    from facturx_engine.rules import terms_text

    return terms_text(rule)
