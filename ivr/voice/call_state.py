"""What a call remembers between its webhooks, typed: the one place that knows how the call's
state is kept in its session's JSON (`ChannelSession.data`). Steps read and write attributes
(`turn.call.amount`, `turn.call.review_index`), never string keys; the JSON keys are the ones
calls have always used, so a call in flight while a new version is deployed carries on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from conversation.tasks import Task
from domain.model import BankAccountType, FactorKind, MethodKind
from domain.money import Money
from domain.ports import TokenizedMethod


@dataclass(frozen=True)
class TransferMark:
    """A transfer ticket this call redeemed: its hash, the turn it landed on, and whether it
    was granted (a retried webhook with the same ticket replays that answer)."""

    ticket: str
    turn: int
    ok: bool


class CallState:
    """A typed view of one call's JSON state; changes write through to it."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def start_over(self, **kept: Any) -> None:
        """Forget everything the call was doing (an agent's transfer lands), keeping `kept`."""
        self._data.clear()
        for name, value in kept.items():
            setattr(self, name, value)

    # --- plain values, by JSON key -----------------------------------------------------------
    def _get(self, key: str) -> Any:
        return self._data.get(key)

    def _set(self, key: str, value: Any) -> None:
        if value is None:
            self._data.pop(key, None)
        else:
            self._data[key] = value

    # --- the menus and retries ----------------------------------------------------------------
    @property
    def retries(self) -> int:
        return int(self._get("retries") or 0)

    @retries.setter
    def retries(self, value: int) -> None:
        self._data["retries"] = value

    @property
    def trouble(self) -> str:
        """Why the caller was last asked again: "no_input" or "invalid_input"."""
        return str(self._get("trouble") or "invalid_input")

    @trouble.setter
    def trouble(self, value: str) -> None:
        self._set("trouble", value)

    @property
    def task(self) -> Task | None:
        """What the caller chose to do (what a handoff tells 311)."""
        return Task.parse(self._get("intent"))

    @task.setter
    def task(self, value: Task | None) -> None:
        self._set("intent", value.value if value is not None else None)

    # --- identification -------------------------------------------------------------------------
    @property
    def after_identify(self) -> str | None:
        """The step to go on to once the caller is verified."""
        value = self._get("after_identify")
        return str(value) if value else None

    @after_identify.setter
    def after_identify(self, value: str | None) -> None:
        self._set("after_identify", value)

    @property
    def account_number(self) -> str | None:
        """The account number the caller keyed (tried, or verified)."""
        value = self._get("account_number")
        return str(value) if value else None

    @account_number.setter
    def account_number(self, value: str | None) -> None:
        self._set("account_number", value)

    @property
    def customer_id(self) -> str | None:
        value = self._get("customer_id")
        return str(value) if value else None

    @customer_id.setter
    def customer_id(self, value: str | None) -> None:
        self._set("customer_id", value)

    @property
    def factor_kind(self) -> FactorKind | None:
        value = self._get("factor_kind")
        return FactorKind(value) if value else None

    @factor_kind.setter
    def factor_kind(self, value: FactorKind | None) -> None:
        self._set("factor_kind", str(value) if value is not None else None)

    @property
    def caller_accounts(self) -> list[tuple[int, str]]:
        """The accounts the caller-ID shortcut verified, when several: (id, number)."""
        stored = self._get("id_choices")
        if not isinstance(stored, list):
            return []
        return [(int(pair[0]), str(pair[1])) for pair in stored
                if isinstance(pair, list) and len(pair) == 2]

    @caller_accounts.setter
    def caller_accounts(self, value: list[tuple[int, str]]) -> None:
        self._set("id_choices", [[account_id, number] for account_id, number in value] or None)

    @property
    def transferred_by(self) -> str | None:
        """The 311 agent who verified the caller and sent the call here."""
        value = self._get("transferred_by")
        return str(value) if value else None

    @transferred_by.setter
    def transferred_by(self, value: str | None) -> None:
        self._set("transferred_by", value)

    @property
    def transfer(self) -> TransferMark | None:
        mark = self._get("transfer")
        if not isinstance(mark, dict) or "ticket" not in mark:
            return None
        return TransferMark(str(mark["ticket"]), int(mark.get("turn", -2)), bool(mark.get("ok")))

    @transfer.setter
    def transfer(self, mark: TransferMark) -> None:
        self._data["transfer"] = {"ticket": mark.ticket, "turn": mark.turn, "ok": mark.ok}

    # --- paying ---------------------------------------------------------------------------------
    def _money(self, key: str) -> Money | None:
        value = self._get(key)
        return Money.parse(str(value)) if value is not None else None

    def _set_money(self, key: str, value: Money | None) -> None:
        self._set(key, value.canonical() if value is not None else None)

    @property
    def payable(self) -> Money | None:
        """The full amount the amount menu offered (key 1)."""
        return self._money("payable")

    @payable.setter
    def payable(self, value: Money | None) -> None:
        self._set_money("payable", value)

    @property
    def past_due(self) -> Money | None:
        """The past-due amount the amount menu offered (key 2), when it did."""
        return self._money("past_due")

    @past_due.setter
    def past_due(self, value: Money | None) -> None:
        self._set_money("past_due", value)

    @property
    def amount(self) -> Money:
        """The amount chosen (steps after the amount step only)."""
        value = self._money("amount")
        if value is None:
            raise RuntimeError("no amount chosen on this call")
        return value

    @amount.setter
    def amount(self, value: Money) -> None:
        self._set_money("amount", value)

    @property
    def method(self) -> MethodKind | None:
        value = self._get("method")
        return MethodKind(value) if value else None

    @method.setter
    def method(self, value: MethodKind | None) -> None:
        self._set("method", str(value) if value is not None else None)

    @property
    def date(self) -> date:
        """The date a payment is being scheduled for (steps after the date step only)."""
        value = self._get("date")
        if not value:
            raise RuntimeError("no date chosen on this call")
        return date.fromisoformat(str(value))

    @date.setter
    def date(self, value: date) -> None:
        self._data["date"] = value.isoformat()

    @property
    def tokenized(self) -> TokenizedMethod | None:
        """The method behind a <Pay> token, as the processor described it, until confirmed."""
        raw = self._get("tokenized")
        if not isinstance(raw, dict):
            return None
        account_type = raw.get("bank_account_type")
        return TokenizedMethod(kind=MethodKind(raw["kind"]), token=raw["token"],
                               last4=raw["last4"], brand=raw.get("brand"),
                               exp_month=raw.get("exp_month"), exp_year=raw.get("exp_year"),
                               bank_account_type=BankAccountType(account_type) if account_type
                               else None)

    @tokenized.setter
    def tokenized(self, method: TokenizedMethod | None) -> None:
        if method is None:
            self._data.pop("tokenized", None)
            return
        self._data["tokenized"] = {
            "kind": str(method.kind), "token": method.token, "last4": method.last4,
            "brand": method.brand, "exp_month": method.exp_month, "exp_year": method.exp_year,
            "bank_account_type": (str(method.bank_account_type) if method.bank_account_type
                                  else None),
        }

    @property
    def pay_payment_id(self) -> int | None:
        """The payment a <Pay> in progress charges (its result applies to it)."""
        value = self._get("pay_payment_id")
        return int(value) if value is not None else None

    @pay_payment_id.setter
    def pay_payment_id(self, value: int | None) -> None:
        self._set("pay_payment_id", value)

    @property
    def receipt_conf(self) -> str:
        """The confirmation number a texted receipt is for."""
        return str(self._get("receipt_conf") or "")

    @receipt_conf.setter
    def receipt_conf(self, value: str) -> None:
        self._set("receipt_conf", value or None)

    # --- scheduled payments and paperless -------------------------------------------------------
    @property
    def review(self) -> list[str]:
        """The confirmation numbers of the scheduled payments being read out."""
        stored = self._get("review")
        return [str(c) for c in stored] if isinstance(stored, list) else []

    @review.setter
    def review(self, confirmations: list[str]) -> None:
        self._data["review"] = list(confirmations)

    @property
    def review_index(self) -> int:
        return int(self._get("review_index") or 0)

    @review_index.setter
    def review_index(self, value: int) -> None:
        self._data["review_index"] = value

    @property
    def paperless_mode(self) -> str | None:
        """How paperless enrollment goes on: "enrolled", "email" (on file) or "link"."""
        value = self._get("paperless_mode")
        return str(value) if value else None

    @paperless_mode.setter
    def paperless_mode(self, value: str | None) -> None:
        self._set("paperless_mode", value)
