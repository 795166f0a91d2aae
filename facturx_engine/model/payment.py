"""Payment instructions (BG-16): the means, the accounts to pay to (BG-17), a payment card (BG-18),
a direct debit (BG-19).

Records of the domain model (:mod:`facturx_engine.model.records` gathers them all).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from facturx_engine import ruleids as R
from facturx_engine.errors import ModelError
from facturx_engine.model.fields import FROZEN, breach, fast_init, texts, tuples

__all__ = ["CardPayment", "CreditTransfer", "DirectDebit", "PaymentInstructions"]


@fast_init(texts("account_name", "bic", required=("account_id",)))
@dataclass(**FROZEN)
class CreditTransfer:
    """BG-17: an account to pay to (IBAN or proprietary id)."""

    account_id: str = ""
    account_name: str | None = None
    bic: str | None = None


@fast_init(texts("holder", required=("pan_last_digits",)))
@dataclass(**FROZEN)
class CardPayment:
    """BG-18 payment card: only the last digits of the primary account number (PCI)."""

    pan_last_digits: str = ""
    holder: str | None = None


@fast_init(texts("mandate_id", "creditor_id", "debited_account"))
@dataclass(**FROZEN)
class DirectDebit:
    """BG-19 direct debit: mandate reference, creditor (SEPA) id, debited account."""

    mandate_id: str | None = None
    creditor_id: str | None = None
    debited_account: str | None = None


@fast_init(tuples("credit_transfers"), texts("means_text", "remittance_info", required=("means_code",)))
@dataclass(**FROZEN)
class PaymentInstructions:
    """BG-16 payment instructions: UNTDID 4461 means code (30/58 transfer, 48 card, 59 SEPA
    direct debit, 10 cash, 20 cheque, ...)."""

    means_code: str = ""
    means_text: str | None = None
    remittance_info: str | None = None
    credit_transfers: Sequence[CreditTransfer] = ()
    card: CardPayment | None = None
    direct_debit: DirectDebit | None = None

    def __post_init__(self) -> None:
        if self.means_code in {"30", "58"} and not self.credit_transfers:
            breach(ModelError(f"payment means {self.means_code} (credit transfer) needs the account to pay to",
                              field="payment.credit_transfers", bt="BT-84", rule=R.BR_61))
