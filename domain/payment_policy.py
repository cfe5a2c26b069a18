"""The city's payment rules as one object: the convenience fee, what amount may be paid, and
which dates a payment may be scheduled for, with the warnings a resident must hear.

The numbers come from the settings finance staff tune (`domain.config.PaymentSettings`); the
services ask the policy instead of each working the rules out again. Warnings are values, not
sentences: each channel words them (the phone in its prompts, in the caller's language), and
`ScheduleWarning.message` is the channel-neutral English the domain's errors also speak.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.config import PaymentSettings
from domain.errors import (
    AmountOutOfRange,
    DateNotInFuture,
    DateTooFarAhead,
    InvalidAmount,
    InvalidDate,
    NothingDue,
)
from domain.model import Account, MethodKind, Payment
from domain.money import Money


class ScheduleWarningKind(StrEnum):
    PAST_DUE_BALANCE = "past_due_balance"  # part of the balance is late already
    AFTER_DUE_DATE = "after_due_date"  # the chosen date is after the next due date


@dataclass(frozen=True)
class ScheduleWarning:
    kind: ScheduleWarningKind
    past_due: Money | None = None  # PAST_DUE_BALANCE: how much is late
    due_date: date | None = None  # AFTER_DUE_DATE: the due date the payment misses

    @property
    def message(self) -> str:
        """Channel-neutral English (the chat and the pay page say it as it is)."""
        if self.kind == ScheduleWarningKind.PAST_DUE_BALANCE and self.past_due is not None:
            return (f"{self.past_due.format()} of your balance is already past due; paying it "
                    "today avoids late fees or a service interruption.")
        if self.kind == ScheduleWarningKind.AFTER_DUE_DATE and self.due_date is not None:
            return (f"That date is after the due date of {long_date(self.due_date)}; "
                    "a late fee or service interruption may apply.")
        raise ValueError(f"an incomplete {self.kind} warning")


class PaymentPolicy:
    def __init__(self, settings: PaymentSettings | None = None) -> None:
        self.settings = settings or PaymentSettings()

    def fee(self, kind: MethodKind) -> Money:
        """The convenience fee for a method kind (card fee, or none for a bank account)."""
        s = self.settings
        return s.card_fee if MethodKind(kind) == MethodKind.CARD else s.bank_fee

    def payable(self, account: Account, open_payments: list[Payment]) -> Money:
        """The most that may be paid now (Account.payable within the single-payment cap)."""
        s = self.settings
        return account.payable(open_payments, s.overpayment_allowance).min(s.max_single_payment)

    def check_amount(self, account: Account, open_payments: list[Payment],
                     amount: Money) -> Money:
        """Raise unless `amount` may be paid now; returns what is payable."""
        if not isinstance(amount, Money):
            raise InvalidAmount()
        if not amount.is_positive():
            raise InvalidAmount("The payment amount must be more than zero.")
        if account.balance_due().is_zero() and self.settings.overpayment_allowance.is_zero():
            raise NothingDue()
        payable = self.payable(account, open_payments)
        if not payable.is_positive():
            raise AmountOutOfRange("Payments already pending or scheduled cover your balance, "
                                   "so there is nothing more to pay right now.")
        if amount > payable:
            raise AmountOutOfRange(f"The most you can pay right now is {payable.format()}.")
        return payable

    def check_date(self, account: Account, when: date,
                   today: date) -> tuple[ScheduleWarning, ...]:
        """Raise for a date a payment cannot be scheduled for; return what the resident must
        hear about one it can (a past-due balance first: it matters whatever the date)."""
        if isinstance(when, datetime) or not isinstance(when, date):
            raise InvalidDate()
        if when <= today:
            raise DateNotInFuture()
        days = self.settings.max_schedule_days
        latest = today + timedelta(days=days)
        if when > latest:
            raise DateTooFarAhead(f"Payments can be scheduled at most {days} days ahead, "
                                  f"until {long_date(latest)}.", latest=latest, days=days)
        past_due = account.past_due(today)
        if past_due.is_positive():
            return (ScheduleWarning(ScheduleWarningKind.PAST_DUE_BALANCE, past_due=past_due),)
        due = account.next_due_date(today)
        if due is not None and when > due:
            return (ScheduleWarning(ScheduleWarningKind.AFTER_DUE_DATE, due_date=due),)
        return ()


def long_date(day: date) -> str:
    """"December 5, 2026"."""
    return f"{day:%B} {day.day}, {day.year}"
