"""Balance readout: what a resident owes, what is past due, and what is already on the way.

Mirrors the Munis "Manage Bills" page: bill number, type, pay-by date, total, unpaid; total
unpaid and total balance due "as of" today; "pending web payment exists".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from domain.errors import NotFound
from domain.model import Account, Bill, Payment, PaymentStatus
from domain.money import Money
from domain.ports import Clock, UnitOfWork


@dataclass(frozen=True)
class BillLine:
    bill_number: str
    bill_type: str
    due_date: date
    total: Money
    unpaid: Money
    past_due: bool


@dataclass(frozen=True)
class PaymentLine:
    confirmation_number: str
    amount: Money
    fee: Money
    status: PaymentStatus
    scheduled_for: date
    method_label: str

    @classmethod
    def of(cls, payment: Payment) -> PaymentLine:
        return cls(payment.confirmation_number, payment.amount, payment.fee, payment.status,
                   payment.scheduled_for, payment.method_label)


@dataclass(frozen=True)
class BalanceSummary:
    account_number: str
    masked_account_number: str
    as_of: date
    total_due: Money
    past_due: Money
    next_due_date: date | None
    credit: Money
    bills: tuple[BillLine, ...]
    pending_payments: tuple[PaymentLine, ...]
    scheduled_payments: tuple[PaymentLine, ...]

    @property
    def pending_payment_exists(self) -> bool:
        return bool(self.pending_payments)

    @property
    def committed(self) -> Money:
        """Money already on its way: pending and scheduled payments."""
        return sum((p.amount for p in (*self.pending_payments, *self.scheduled_payments)),
                   Money.zero())

    @property
    def remaining_after_payments(self) -> Money:
        return (self.total_due - self.committed).max(Money.zero())


def summarize(account: Account, payments: list[Payment], today: date) -> BalanceSummary:
    """Pure: the summary of an account given its open payments."""
    bills = sorted(account.bills, key=lambda b: (b.due_date, b.bill_number))
    return BalanceSummary(
        account_number=account.account_number,
        masked_account_number=account.masked_number(),
        as_of=today,
        total_due=account.balance_due(),
        past_due=account.past_due(today),
        next_due_date=account.next_due_date(today),
        credit=account.credit,
        bills=tuple(_bill_line(b, today) for b in bills if b.unpaid.is_positive()),
        pending_payments=tuple(PaymentLine.of(p) for p in _by_date(payments)
                               if p.status == PaymentStatus.PENDING),
        scheduled_payments=tuple(PaymentLine.of(p) for p in _by_date(payments)
                                 if p.status == PaymentStatus.SCHEDULED),
    )


def _bill_line(bill: Bill, today: date) -> BillLine:
    return BillLine(bill.bill_number, bill.bill_type, bill.due_date, bill.total, bill.unpaid,
                    bill.is_past_due(today))


def _by_date(payments: list[Payment]) -> list[Payment]:
    return sorted(payments, key=lambda p: (p.scheduled_for, p.confirmation_number))


class BalanceService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def summary(self, account_id: int) -> BalanceSummary:
        with self._uow() as uow:
            account = uow.accounts.get(account_id)
            if account is None:
                raise NotFound("We could not find that account.")
            open_payments = uow.payments.for_account(
                account_id, statuses=[PaymentStatus.PENDING, PaymentStatus.SCHEDULED])
            return summarize(account, open_payments, self._clock.today())
