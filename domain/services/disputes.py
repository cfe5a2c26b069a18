"""Disputes (chargebacks): the card holder's bank takes a payment's money back until the city
answers, as the processor reports it (Stripe charge.dispute.created / .closed webhooks).

- Opened: the dispute is recorded, the payment marked disputed, and what the payment paid on
  the bills is owed again (account.reverse_payment); the resident is told, in neutral words.
- Won: the payment stands again (account.apply_payment of the same part). Lost: the money
  is gone for good and the payment stays reversed. The resident is told either way.
- Idempotent per dispute id and status: a repeated or replayed report changes nothing. The
  event id of the webhook is recorded in the same transaction as the change.
- A dispute on a charge the ledger does not have is logged at ERROR and acknowledged (the
  daily reconciliation reports it); nothing is recorded for it.

The part owed again is the payment's amount not already refunded, at most the disputed
amount: the card fee is not a bill, so a dispute over it adds no debt.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from domain.events import DisputeChanged, EventPublisher
from domain.model import Account, Actor, Dispute, DisputeStatus, Payment, PaymentStatus
from domain.money import Money
from domain.ports import Clock, ConcurrencyConflict, ProcessorEvent, UnitOfWork
from domain.services.payments import TryAgain, audit_payment, lock_payment

log = logging.getLogger(__name__)

_RETRIES = 3
MAX_REASON = 100


@dataclass(frozen=True)
class DisputeView:
    """A dispute with what the console shows beside it."""

    dispute: Dispute
    payment: Payment


class DisputeService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock,
                 events: EventPublisher, actor: Actor | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._events = events
        self._actor = actor or Actor.system("stripe")

    # --- reading ----------------------------------------------------------------------
    def recent(self, limit: int = 100) -> list[DisputeView]:
        """Open disputes first (oldest first: they need an answer soonest), then the
        latest decided ones."""
        with self._uow() as uow:
            open_ones = uow.disputes.recent(limit, statuses=[DisputeStatus.OPEN])
            decided = uow.disputes.recent(limit, statuses=[DisputeStatus.WON,
                                                           DisputeStatus.LOST])
            chosen = sorted(open_ones, key=lambda d: (d.opened_at, d.id or 0)) + decided
            views = []
            for dispute in chosen[:limit]:
                payment = uow.payments.get(dispute.payment_id)
                if payment is not None:
                    views.append(DisputeView(dispute, payment))
            return views

    def for_payments(self, payment_ids: Sequence[int]) -> dict[int, Dispute]:
        """The latest dispute of each of these payments that has one."""
        latest: dict[int, Dispute] = {}
        with self._uow() as uow:
            for payment_id in payment_ids:
                found = uow.disputes.for_payment(payment_id)
                if found:
                    latest[payment_id] = found[-1]
        return latest

    # --- what the processor reports ---------------------------------------------------
    def opened(self, reference: str, charge_reference: str, amount: Money, reason: str,
               event: ProcessorEvent | None = None) -> Dispute | None:
        """Record a new dispute on the payment charged as `charge_reference`; None when the
        ledger has no such payment (logged at ERROR). Repeats return the recorded one."""
        return self._retrying(lambda: self._open(reference, charge_reference, amount, reason,
                                                 event))

    def closed(self, reference: str, won: bool, *, charge_reference: str | None = None,
               amount: Money | None = None, reason: str = "",
               event: ProcessorEvent | None = None) -> Dispute | None:
        """The bank decided. A dispute never reported as opened (a lost webhook) is opened
        first when the charge and amount are given."""
        def close() -> Dispute | None:
            with self._uow() as uow:
                known = uow.disputes.by_processor_reference(reference)
            if known is None:
                if charge_reference is None or amount is None:
                    log.error("dispute %s closed, but the ledger never heard of it and the "
                              "report names no charge", reference)
                    return None
                if self._open(reference, charge_reference, amount, reason, None) is None:
                    return None
            return self._close(reference, won, event)

        return self._retrying(close)

    # --- internals --------------------------------------------------------------------
    def _retrying(self, work: Callable[[], Dispute | None]) -> Dispute | None:
        for _ in range(_RETRIES):
            try:
                return work()
            except ConcurrencyConflict:
                continue  # a twin webhook won: the next round sees what it recorded
        raise TryAgain()

    def _open(self, reference: str, charge_reference: str, amount: Money, reason: str,
              event: ProcessorEvent | None) -> Dispute | None:
        now = self._clock.now()
        with self._uow() as uow:
            existing = uow.disputes.by_processor_reference(reference)
            if existing is not None:
                return existing
            found = uow.payments.by_processor_references([charge_reference])
            if not found:
                log.error("dispute %s of %s on charge %s, which the ledger does not have",
                          reference, amount.format(), charge_reference)
                return None
            locked = lock_payment(uow, found[0].id,  # type: ignore[arg-type]
                                  account_id=found[0].account_id)
            assert locked is not None
            payment, account = locked
            existing = uow.disputes.by_processor_reference(reference, for_update=True)
            if existing is not None:
                return existing  # a twin recorded it while we waited for the lock
            if event is not None and not uow.processor_events.claim(event, now):
                return None
            dispute = Dispute(processor_reference=reference[:100],
                              payment_id=payment.id,  # type: ignore[arg-type]
                              amount=amount, reason=(reason or "unspecified")[:MAX_REASON],
                              status=DisputeStatus.OPEN, opened_at=now)
            uow.disputes.add(dispute)
            owed_again = _on_bills(payment, amount)
            if owed_again.is_positive():
                account.reverse_payment(owed_again)
            payment.dispute_status = DisputeStatus.OPEN
            audit_payment(uow, now, self._actor, "dispute.opened", payment,
                          f"dispute={dispute.processor_reference} amount={amount.canonical()} "
                          f"reason={dispute.reason} owed_again={owed_again.canonical()}")
            uow.commit()
        self._tell(account, payment, dispute)
        return dispute

    def _close(self, reference: str, won: bool, event: ProcessorEvent | None) -> Dispute | None:
        now = self._clock.now()
        with self._uow() as uow:
            known = uow.disputes.by_processor_reference(reference)
            assert known is not None
            locked = lock_payment(uow, known.payment_id)
            assert locked is not None
            payment, account = locked
            dispute = uow.disputes.by_processor_reference(reference, for_update=True)
            assert dispute is not None
            if dispute.status != DisputeStatus.OPEN:
                return dispute  # decided already: a repeat changes nothing
            if event is not None and not uow.processor_events.claim(event, now):
                return dispute
            dispute.status = DisputeStatus.WON if won else DisputeStatus.LOST
            dispute.closed_at = now
            payment.dispute_status = dispute.status
            restored = Money.zero()
            if won:
                restored = _on_bills(payment, dispute.amount)
                if restored.is_positive():
                    account.apply_payment(restored)
            audit_payment(uow, now, self._actor, f"dispute.{dispute.status}", payment,
                          f"dispute={dispute.processor_reference} "
                          f"amount={dispute.amount.canonical()} "
                          f"restored={restored.canonical()}")
            uow.commit()
        self._tell(account, payment, dispute)
        return dispute

    def _tell(self, account: Account, payment: Payment, dispute: Dispute) -> None:
        self._events.publish(DisputeChanged(account, payment, dispute))


def _on_bills(payment: Payment, disputed: Money) -> Money:
    """What the payment paid on the bills (its amount, less what refunds already took back),
    at most the disputed amount; nothing for a payment that was never applied."""
    if payment.status != PaymentStatus.APPROVED:
        return Money.zero()
    applied = (payment.amount - payment.refunded.min(payment.amount)).max(Money.zero())
    return disputed.min(applied)
