"""The phone call's own part of a conversation's state (ConversationState.call): what the
voice flow remembers between webhooks of one call. Everything the resident's identity and
language say lives in ConversationState itself; this holds the call's progress.

Stored in the conversation's `data` under the names the call flow used before the state was
typed ("retries", "amount", "tokenized", ...), so a call in flight during a deploy carries on,
in either direction. A malformed value is dropped, not fatal: the step that needs it fails
as it would without it (the caller hears the problem line and the main menu).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from conversation.tasks import Task
from domain.errors import DomainError
from domain.model import BankAccountType, FactorKind, MethodKind
from domain.money import Money
from domain.ports import TokenizedMethod

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class TransferMark:
    """An agent's transfer ticket already landed on this call (its hash), at which turn and
    whether it was granted: a retried /voice/transferred replays instead of redeeming."""

    ticket: str
    turn: int
    ok: bool


@dataclass
class PhoneCall:
    retries: int | None = None  # re-prompts of the current step (None: never counted)
    trouble: str | None = None  # "no_input" or "invalid_input": the last retry's reason
    task: Task | None = None  # what the caller chose at a menu (for a handoff)
    after_identify: str | None = None  # the step identification leads to
    account_number: str | None = None  # typed, or the verified account's
    customer_id: str | None = None
    factor_kind: FactorKind | None = None
    id_choices: tuple[tuple[int, str], ...] | None = None  # (account id, number) verified
    transferred_by: str | None = None  # the agent who sent the call back here
    transfer: TransferMark | None = None
    payable: Money | None = None  # the amount menu's options, as offered
    past_due: Money | None = None
    amount: Money | None = None  # the amount chosen
    method: str | None = None  # "card" or "bank"
    date: date | None = None  # a scheduled payment's date
    tokenized: TokenizedMethod | None = None  # what a zero-charge <Pay> produced
    pay_payment_id: int | None = None  # the card payment reserved before <Pay>
    receipt_conf: str | None = None  # the confirmation number a text receipt names
    review: tuple[str, ...] | None = None  # scheduled payments under review, by number
    review_index: int | None = None
    paperless_mode: str | None = None  # "enrolled", "email" or "link"

    def count_retry(self, no_input: bool) -> int:
        self.retries = (self.retries or 0) + 1
        self.trouble = "no_input" if no_input else "invalid_input"
        return self.retries

    def chosen_amount(self) -> Money:
        if self.amount is None:
            raise RuntimeError("payment step reached without an amount")
        return self.amount

    def to_data(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "retries": self.retries, "trouble": self.trouble,
            "intent": self.task.value if self.task else None,
            "after_identify": self.after_identify, "account_number": self.account_number,
            "customer_id": self.customer_id,
            "factor_kind": str(self.factor_kind) if self.factor_kind else None,
            "id_choices": ([[account_id, number] for account_id, number in self.id_choices]
                           if self.id_choices is not None else None),
            "transferred_by": self.transferred_by,
            "transfer": ({"ticket": self.transfer.ticket, "turn": self.transfer.turn,
                          "ok": self.transfer.ok} if self.transfer else None),
            "payable": _money(self.payable), "past_due": _money(self.past_due),
            "amount": _money(self.amount), "method": self.method,
            "date": self.date.isoformat() if self.date else None,
            "tokenized": _tokenized_data(self.tokenized) if self.tokenized else None,
            "pay_payment_id": self.pay_payment_id, "receipt_conf": self.receipt_conf,
            "review": list(self.review) if self.review is not None else None,
            "review_index": self.review_index, "paperless_mode": self.paperless_mode,
        }
        return {name: value for name, value in values.items() if value is not None}

    @classmethod
    def pop_from(cls, data: dict[str, Any]) -> PhoneCall:
        """The call's part of `data`, removed from it (the rest is kept as it came)."""
        def take(name: str, parse: Callable[[Any], T]) -> T | None:
            raw = data.pop(name, None)
            if raw is None:
                return None
            try:
                return parse(raw)
            except (KeyError, TypeError, ValueError, ArithmeticError, DomainError):
                log.warning("a malformed %r of a call's state was dropped", name)
                return None

        return cls(
            retries=take("retries", int), trouble=take("trouble", _text),
            task=take("intent", Task.parse), after_identify=take("after_identify", _text),
            account_number=take("account_number", _text),
            customer_id=take("customer_id", _text), factor_kind=take("factor_kind", FactorKind),
            id_choices=take("id_choices", _choices),
            transferred_by=take("transferred_by", _text), transfer=take("transfer", _mark),
            payable=take("payable", _parse_money), past_due=take("past_due", _parse_money),
            amount=take("amount", _parse_money), method=take("method", _text),
            date=take("date", lambda raw: date.fromisoformat(_text(raw))),
            tokenized=take("tokenized", _tokenized),
            pay_payment_id=take("pay_payment_id", int),
            receipt_conf=take("receipt_conf", _text),
            review=take("review", lambda raw: tuple(_text(conf) for conf in _list(raw))),
            review_index=take("review_index", int),
            paperless_mode=take("paperless_mode", _text))


def _text(raw: Any) -> str:
    if not isinstance(raw, str):
        raise TypeError("not text")
    return raw


def _list(raw: Any) -> list[Any]:
    if not isinstance(raw, list):
        raise TypeError("not a list")
    return raw


def _money(amount: Money | None) -> str | None:
    return amount.canonical() if amount is not None else None


def _parse_money(raw: Any) -> Money:
    return Money.parse(str(raw))


def _choices(raw: Any) -> tuple[tuple[int, str], ...]:
    return tuple((int(account_id), str(number)) for account_id, number in _list(raw))


def _mark(raw: Any) -> TransferMark:
    if not isinstance(raw, dict):
        raise TypeError("not a transfer mark")
    return TransferMark(ticket=_text(raw["ticket"]), turn=int(raw.get("turn", -2)),
                        ok=bool(raw.get("ok")))


def _tokenized_data(method: TokenizedMethod) -> dict[str, Any]:
    return {
        "kind": str(method.kind), "token": method.token, "last4": method.last4,
        "brand": method.brand, "exp_month": method.exp_month, "exp_year": method.exp_year,
        "bank_account_type": str(method.bank_account_type) if method.bank_account_type else None,
    }


def _tokenized(raw: Any) -> TokenizedMethod:
    if not isinstance(raw, dict):
        raise TypeError("not a tokenized method")
    account_type = raw.get("bank_account_type")
    return TokenizedMethod(kind=MethodKind(raw["kind"]), token=raw["token"], last4=raw["last4"],
                           brand=raw.get("brand"), exp_month=raw.get("exp_month"),
                           exp_year=raw.get("exp_year"),
                           bank_account_type=BankAccountType(account_type) if account_type
                           else None)
