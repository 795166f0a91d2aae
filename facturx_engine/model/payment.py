"""Payment instructions (BG-16): the means, the accounts to pay to (BG-17), a payment card (BG-18),
a direct debit (BG-19).

Records of the domain model (:mod:`facturx_engine.model.records` gathers them all).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from facturx_engine import ruleids as R
from facturx_engine.errors import ModelError
from facturx_engine.model.fields import FROZEN, breach, bt, fast_init, texts, tuples

__all__ = ["CardPayment", "CreditTransfer", "DirectDebit", "PaymentInstructions"]


@fast_init(texts("account_name", "bic", required=("account_id",)))
@dataclass(**FROZEN)
class CreditTransfer:
    """BG-17: an account to pay to (IBAN or proprietary id)."""

    account_id: str = bt("BT-84", "")
    account_name: str | None = bt("BT-85")
    bic: str | None = bt("BT-86")


@fast_init(texts("holder", required=("pan_last_digits",)))
@dataclass(**FROZEN)
class CardPayment:
    """BG-18 payment card: only the last digits of the primary account number (PCI)."""

    pan_last_digits: str = bt("BT-87", "")
    holder: str | None = bt("BT-88")


@fast_init(texts("mandate_id", "creditor_id", "debited_account"))
@dataclass(**FROZEN)
class DirectDebit:
    """BG-19 direct debit: mandate reference, creditor (SEPA) id, debited account."""

    mandate_id: str | None = bt("BT-89")
    creditor_id: str | None = bt("BT-90")
    debited_account: str | None = bt("BT-91")


@fast_init(tuples("credit_transfers"), texts("means_text", "remittance_info", required=("means_code",)))
@dataclass(**FROZEN)
class PaymentInstructions:
    """BG-16 payment instructions: UNTDID 4461 means code (30/58 transfer, 48 card, 59 SEPA
    direct debit, 10 cash, 20 cheque, ...)."""

    means_code: str = bt("BT-81", "")
    means_text: str | None = bt("BT-82")
    remittance_info: str | None = bt("BT-83")
    credit_transfers: Sequence[CreditTransfer] = bt("BG-17", ())
    card: CardPayment | None = bt("BG-18")
    direct_debit: DirectDebit | None = bt("BG-19")

    def __post_init__(self) -> None:
        if self.means_code in {"30", "58"} and not self.credit_transfers:
            breach(ModelError(f"payment means {self.means_code} (credit transfer) needs the account to pay to",
                              field="payment.credit_transfers", bt="BT-84", rule=R.BR_61))
