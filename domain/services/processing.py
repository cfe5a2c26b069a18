"""The scheduled-payment runner: everything that moves money without a resident on the line.

One run (`payline process-due`, or the scheduler process every few minutes):
1. submits every scheduled payment whose date has come (scheduled -> pending), re-checking the
   balance first (PaymentService.submit_scheduled), then charges card payments through the
   gateway (pending -> approved | rejected); bank payments wait for the next ACH file;
2. finishes card payments a crash or processor outage left pending, with the same processor
   idempotency key, so nothing is charged twice; and resolves phone card payments whose <Pay>
   result never came (the call dropped, the webhook was lost) once `pay_result_timeout` has
   passed, by asking the processor for the charge with the payment's reference: approved if
   it charged, released (rejected, no "declined" notice) if it did not;
3. approves bank payments whose ACH file has had time to clear with no return;
4. asks the processor again, with the same key, about refunds it never answered (when the
   runner is given the refund service).

Exactly once with several runners at once: each payment is moved under its account's row lock,
taken with SKIP LOCKED so runners share the work instead of queueing; the status check under
the lock, the processor's idempotency key and the unique keys are the backstops. A runner
killed at any point leaves every payment scheduled, pending or final, and the next run
continues from there.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from domain.errors import DomainError
from domain.model import Actor, MethodKind, Payment, PaymentStatus
from domain.ports import Clock, UnitOfWork
from domain.services.ach import AchService
from domain.services.payments import PaymentService
from domain.services.refunds import RefundService

log = logging.getLogger(__name__)

Progress = Callable[[int], None]
_DONE, _BUSY, _FAILED = "done", "busy", "failed"


@dataclass
class RunSummary:
    submitted: int = 0  # scheduled -> pending this run
    approved: int = 0
    rejected: int = 0
    skipped_paid: int = 0  # cancelled because the balance was already paid
    awaiting_ach: int = 0  # bank debits now waiting for the next ACH file
    busy: int = 0  # someone else held the account; the next run takes them
    recovered: int = 0  # card payments a crash, an outage or a lost <Pay> result left pending
    released: int = 0  # phone card payments the processor never charged: reservation freed
    cleared: int = 0  # bank payments whose ACH file cleared without a return
    refunds_succeeded: int = 0  # refunds the processor had not answered, now through
    refunds_failed: int = 0
    refunds_pending: int = 0  # still unanswered: the next run asks again
    errors: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        refunds = self.refunds_succeeded + self.refunds_failed + self.refunds_pending
        return [f"submitted {self.submitted}, approved {self.approved}, "
                f"rejected {self.rejected}, skipped (already paid) {self.skipped_paid}, "
                f"awaiting ACH {self.awaiting_ach}, busy {self.busy}",
                f"recovered {self.recovered}, released (no charge) {self.released}, "
                f"ACH cleared {self.cleared}, errors {len(self.errors)}"] + (
            [f"refunds retried: succeeded {self.refunds_succeeded}, failed "
             f"{self.refunds_failed}, still pending {self.refunds_pending}"] if refunds else [])


class ScheduledPaymentRunner:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, payments: PaymentService,
                 ach: AchService, *, batch_size: int = 500,
                 stale_after: timedelta = timedelta(minutes=2), busy_retries: int = 20,
                 busy_pause: float = 0.05,
                 pay_result_timeout: timedelta = timedelta(minutes=10),
                 refunds: RefundService | None = None) -> None:
        self._uow = uow
        self._refunds = refunds
        self._busy_retries = busy_retries
        self._busy_pause = busy_pause
        self._random = random.Random()  # noqa: S311 - only spreads work, nothing secret
        self._clock = clock
        self._payments = payments
        self._ach = ach
        self._batch_size = batch_size
        self._stale_after = stale_after
        self._pay_result_timeout = pay_result_timeout
        self.actor = Actor.system("runner")

    def count_due(self) -> int:
        """How many scheduled payments are due (for a progress bar)."""
        with self._uow() as uow:
            return uow.payments.count_due_scheduled(self._clock.today())

    def run(self, progress: Progress | None = None) -> RunSummary:
        summary = RunSummary()
        self.recover_stale(summary)
        self.resolve_unanswered(summary)
        self.process_due(summary, progress)
        self.clear_ach(summary)
        self.retry_refunds(summary)
        return summary

    # --- 1. scheduled payments whose date has come --------------------------------------------
    def process_due(self, summary: RunSummary, progress: Progress | None = None) -> None:
        # A processed payment leaves the `scheduled` status, so the next query no longer
        # returns it; only payments that failed stay scheduled and must be stepped over.
        failed: set[int] = set()
        busy_rounds = 0
        while True:
            with self._uow() as uow:
                batch = [(p.id, p.account_id) for p in uow.payments.due_scheduled(
                    self._clock.today(), limit=self._batch_size + len(failed))
                    if p.id is not None and p.id not in failed][:self._batch_size]
            if not batch:
                return
            # Each runner walks its batch in its own order, so runners started together
            # spread over different accounts instead of colliding on the same ones.
            self._random.shuffle(batch)
            busy = 0
            for payment_id, account_id in batch:
                outcome = self._process_one(payment_id, account_id, summary)
                if outcome == _BUSY:
                    busy += 1
                    continue
                if outcome == _FAILED:
                    failed.add(payment_id)
                if progress:
                    progress(1)
            if busy == len(batch):
                # Everything left is held by someone else (another runner, a resident paying
                # right now): give them a moment, then leave the rest for the next run.
                busy_rounds += 1
                if busy_rounds > self._busy_retries:
                    summary.busy += busy
                    return
                time.sleep(self._busy_pause)
            else:
                busy_rounds = 0

    def _process_one(self, payment_id: int, account_id: int, summary: RunSummary) -> str:
        """_BUSY when the account was held (try again later), _FAILED when the payment could
        not be submitted, _DONE when it is settled for this run, whatever the outcome."""
        try:
            step = self._payments.submit_if_due(payment_id, self.actor, skip_locked=True,
                                                account_id=account_id)
        except DomainError as exc:
            summary.errors.append(f"payment {payment_id}: {exc}")
            return _FAILED
        if step is None:
            return _BUSY
        if not step.changed:
            return _DONE  # another runner got there between our listing and our lock
        if step.payment.status == PaymentStatus.CANCELLED:
            summary.skipped_paid += 1
        else:
            summary.submitted += 1
            self._settle(step.payment, summary)
        return _DONE

    def _settle(self, payment: Payment, summary: RunSummary) -> None:
        if payment.method_kind == MethodKind.BANK:
            summary.awaiting_ach += 1
            return
        try:
            settled = self._payments.settle_payment(payment, self.actor)
        except Exception as exc:  # processor down: the payment stays pending, retried later
            log.exception("charging payment %s failed", payment.confirmation_number)
            summary.errors.append(f"{payment.confirmation_number}: processor error ({exc})")
            return
        if settled.status == PaymentStatus.APPROVED:
            summary.approved += 1
        elif settled.status == PaymentStatus.REJECTED:
            summary.rejected += 1

    # --- 2. card payments left pending by a crash or an outage -----------------------------------
    def recover_stale(self, summary: RunSummary) -> None:
        cutoff = self._clock.now() - self._stale_after
        while True:
            with self._uow() as uow:
                stale = uow.payments.stale_pending(MethodKind.CARD, cutoff,
                                                   limit=self._batch_size)
            if not stale:
                return
            before = summary.approved + summary.rejected
            for payment in stale:
                self._settle(payment, summary)
            summary.recovered += summary.approved + summary.rejected - before
            if summary.approved + summary.rejected == before:
                return  # the processor is still down: stop rather than spin

    def resolve_unanswered(self, summary: RunSummary) -> None:
        """Phone card payments still waiting for a <Pay> result after pay_result_timeout."""
        cutoff = self._clock.now() - self._pay_result_timeout
        seen: set[int] = set()
        while True:
            with self._uow() as uow:
                batch = [p for p in uow.payments.awaiting_processor_result(
                    cutoff, limit=self._batch_size + len(seen))
                    if p.id is not None and p.id not in seen][:self._batch_size]
            if not batch:
                return
            for payment in batch:
                seen.add(payment.id)  # type: ignore[arg-type]
                try:
                    resolved = self._payments.resolve_unanswered(payment.id,  # type: ignore[arg-type]
                                                                 self.actor)
                except Exception as exc:  # processor unreachable: the next run asks again
                    log.exception("asking the processor about payment %s failed",
                                  payment.confirmation_number)
                    summary.errors.append(f"{payment.confirmation_number}: processor lookup "
                                          f"failed ({exc})")
                    return  # stop rather than hammer a processor that is down
                if resolved.status == PaymentStatus.APPROVED:
                    summary.approved += 1
                    summary.recovered += 1
                elif resolved.status == PaymentStatus.REJECTED:
                    summary.released += 1

    # --- 4. refunds the processor never answered ---------------------------------------------
    def retry_refunds(self, summary: RunSummary) -> None:
        if self._refunds is None:
            return
        try:
            retried = self._refunds.retry_pending(older_than=self._stale_after,
                                                  limit=self._batch_size)
        except Exception as exc:  # the database or the processor: the next run tries again
            log.exception("retrying pending refunds failed")
            summary.errors.append(f"refund retry failed ({exc})")
            return
        summary.refunds_succeeded += retried.succeeded
        summary.refunds_failed += retried.failed
        summary.refunds_pending += retried.still_pending

    # --- 3. bank payments whose ACH file cleared -------------------------------------------------
    def clear_ach(self, summary: RunSummary) -> None:
        """A late return (R07/R10 can come weeks later) is still applied by the returns import."""
        summary.cleared += self._ach.clear_settled()
