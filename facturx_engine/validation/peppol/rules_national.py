"""The national rules of Peppol BIS Billing 3.0 (DE, DK, GR, IS, IT, NL, NO, SE): they apply by the
seller's (and for some the buyer's) country, each country's in its own module; the XPath variables
they use (``$supplierCountryIsDE``, ``$DKSupplierCountry``, ``$isGreekSender``, ...) are registered there."""

from __future__ import annotations

from facturx_engine.validation.peppol.engine import Rule
from facturx_engine.validation.peppol.national_de import RULES as DE
from facturx_engine.validation.peppol.national_dk import RULES as DK
from facturx_engine.validation.peppol.national_gr import RULES as GR
from facturx_engine.validation.peppol.national_it_nl import IT, NL
from facturx_engine.validation.peppol.national_nordic import IS, NO
from facturx_engine.validation.peppol.national_se import RULES as SE

__all__ = ["RULES"]

RULES: tuple[Rule, ...] = (*DE, *DK, *GR, *IS, *IT, *NL, *NO, *SE)
"""Every national rule, by country in the order of the rule list."""
