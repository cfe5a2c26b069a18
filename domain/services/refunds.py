"""Refunds of approved card payments, full or partial, by 311 supervisors.

Rules:
- only an active supervisor may refund (checked here as well as in the console), with a
  reason (kept in the audit trail, so never card digits);
- only an approved card payment charged at the processor (it has a processor reference),
  not while the card holder's bank disputes it;
- the amount is more than zero and at most what is left: the payment's total (fee included)
  less what was refunded and what refunds still waiting for the processor may take;
- the money the refund takes off the bills is owed again (the fee is given back last, and
  giving it back adds no debt).

Concurrency and retries: the refund is recorded as pending under the payment's lock (account
row first, then the payment: payments.lock_payment), with its idempotency key unique, so two
supervisors refunding at once see each other's refund and a double click is one refund. The
processor is called outside any transaction with the same key, and its answer recorded under
the lock again. An unreachable processor leaves the refund pending; `retry_pending` (the
runner) asks again with the same key, so the money goes back once.

Refunds made outside Payline (Stripe's dashboard) reach the ledger through the processor's
webhook (`record_from_processor`); refunds Payline made are recognised there by their
processor reference or their key, and never counted twice.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.cards import redact_card_numbers
from domain.confirmation import normalize_confirmation_number
from domain.errors import DomainError, IdempotencyConflict, InvalidAmount, InvalidInput, NotFound
from domain.events import EventPublisher, RefundIssued
from domain.model import (
    Account,
    Actor,
    DisputeStatus,
    MethodKind,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from domain.money import Money
from domain.ports import (
    AgentStore,
    Clock,
    ConcurrencyConflict,
    PaymentGateway,
    ProcessorEvent,
    RefundResult,
    UnitOfWork,
)
from domain.services.payments import TryAgain, audit_payment, lock_payment

log = logging.getLogger(__name__)

MAX_REASON = 500
MAX_KEY_LENGTH = 200
_RETRIES = 5  # SQLite makes every loser of a race retry (PostgreSQL queues on the lock)
PROCESSOR_ACTOR = Actor.system("stripe")
# Who a refund made at the processor itself is recorded as requested by.
PROCESSOR_REQUESTER = "stripe"
EXTERNAL_REASON = "refunded at the card processor (outside Payline)"
_KEY = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no spaces


class RefundNotAllowed(DomainError):
    message = "Only a 311 supervisor can refund a payment."


class NotRefundable(DomainError):
    message = "Only an approved card payment can be refunded."


class RefundTooLarge(DomainError):
    """Carries what is left, so the console can say it."""

    def __init__(self, left: Money) -> None:
        text = (f"Only {left.format()} of this payment is left to refund."
                if left.is_positive() else "Nothing is left to refund on this payment.")
        super().__init__(text)
        self.left = left


@dataclass(frozen=True)
class RefundOutcome:
    refund: Refund
    payment: Payment
    replayed: bool = False  # the same request (key) was made before: its refund, unchanged

    @property
    def succeeded(self) -> bool:
        return self.refund.status == RefundStatus.SUCCEEDED


@dataclass(frozen=True)
class ProcessorRefundSeen:
    """A refund the processor reports on a charge (Stripe charge.refunded's refunds.data[])."""

    reference: str  # "re_…"
    amount: Money
    status: str  # "succeeded" | "pending" | "failed" | "canceled"
    payline_reference: str | None = None  # the key Payline asked with, if it was Payline


@dataclass
class RetrySummary:
    succeeded: int = 0
    failed: int = 0
    still_pending: int = 0


class RefundService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, gateway: PaymentGateway,
                 events: EventPublisher, agents: AgentStore) -> None:
        self._uow = uow
        self._clock = clock
        self._gateway = gateway
        self._events = events
        self._agents = agents

    # --- reading ----------------------------------------------------------------------
    def left_to_refund(self, payment: Payment, refunds: Sequence[Refund]) -> Money:
        """What may still be refunded on a payment, given its refunds."""
        return _left(payment, refunds)

    def refundable(self, account_id: int) -> dict[int, Money]:
        """For each payment of the account a supervisor may refund now: what is left."""
        with self._uow() as uow:
            payments = [p for p in uow.payments.for_account(account_id) if _is_refundable(p)]
            refunds = uow.refunds.for_payments([p.id for p in payments if p.id is not None])
        left = {p.id: _left(p, [r for r in refunds if r.payment_id == p.id]) for p in payments
                if p.id is not None}
        return {pid: amount for pid, amount in left.items() if amount.is_positive()}

    def for_payment(self, payment_id: int) -> list[Refund]:
        with self._uow() as uow:
            return uow.refunds.for_payment(payment_id)

    def preview(self, payment_id: int) -> tuple[Payment, Money, list[Refund]]:
        """A payment about to be refunded: it, what is left, its refunds so far. Raises
        NotFound, NotRefundable, or RefundTooLarge when nothing is left."""
        with self._uow() as uow:
            payment = uow.payments.get(payment_id)
            if payment is None:
                raise NotFound("We could not find that payment.")
            refunds = uow.refunds.for_payment(payment_id)
        if not _is_refundable(payment):
            raise _why_not(payment)
        left = _left(payment, refunds)
        if not left.is_positive():
            raise RefundTooLarge(left)
        return payment, left, refunds

    # --- refunding --------------------------------------------------------------------
    def refund(self, payment: int | str, amount: Money | None, reason: str, actor: Actor,
               idempotency_key: str) -> RefundOutcome:
        """Refund `amount` (None: all that is left) of a payment (its id or confirmation
        number). Raises a DomainError saying why when it cannot; returns the refund as the
        processor left it: succeeded, failed (with its reason) or pending (no answer yet)."""
        self._authorize(actor)
        why = _clean_reason(reason)
        key = _clean_key(idempotency_key)
        if amount is not None and (not isinstance(amount, Money) or not amount.is_positive()):
            raise InvalidAmount("The amount to refund must be more than zero.")
        payment_id = self._payment_id(payment)
        for _ in range(_RETRIES):
            try:
                refund, replayed = self._reserve(payment_id, amount, why, actor, key)
                break
            except ConcurrencyConflict:
                # A twin or another supervisor won the race: look again, a moment later.
                time.sleep(random.uniform(0.005, 0.05))  # noqa: S311 - not a secret
                continue
        else:
            raise TryAgain()
        if replayed:
            with self._uow() as uow:
                current = uow.payments.get(payment_id)
            assert current is not None
            return RefundOutcome(refund, current, replayed=True)
        return self._submit(refund, actor)

    def retry_pending(self, older_than: timedelta = timedelta(minutes=2),
                      limit: int = 100) -> RetrySummary:
        """Ask the processor again, with the same key, about refunds it never answered
        (unreachable, or still processing). Safe to run anywhere, any time."""
        summary = RetrySummary()
        with self._uow() as uow:
            waiting = uow.refunds.pending(self._clock.now() - older_than, limit)
        actor = Actor.system("runner")
        for refund in waiting:
            try:
                outcome = self._submit(refund, actor)
            except DomainError as exc:  # e.g. the payment went away: leave it for a person
                log.error("refund %s could not be retried: %s", refund.id, exc.detail)
                summary.still_pending += 1
                continue
            status = outcome.refund.status
            if status == RefundStatus.SUCCEEDED:
                summary.succeeded += 1
            elif status == RefundStatus.FAILED:
                summary.failed += 1
            else:
                summary.still_pending += 1
        return summary

    def record_from_processor(self, charge_reference: str, seen: Sequence[ProcessorRefundSeen],
                              event: ProcessorEvent | None = None) -> list[Refund]:
        """The processor says these refunds exist on a charge (Stripe charge.refunded): a
        refund Payline asked for and is still waiting on gets its answer; one made outside
        Payline (the dashboard) is recorded, requested by "stripe", so the ledger matches;
        one already recorded changes nothing. One transaction, with the event id, so a
        replayed event changes nothing. Returns the refunds this call changed."""
        for _ in range(_RETRIES):
            try:
                return self._record_from_processor(charge_reference, seen, event)
            except ConcurrencyConflict:
                continue
        raise TryAgain()

    # --- internals --------------------------------------------------------------------
    def _authorize(self, actor: Actor) -> None:
        if actor.kind == "agent":
            agent = self._agents.by_username(actor.id)
            if agent is not None and agent.active and agent.is_supervisor:
                return
        raise RefundNotAllowed()

    def _payment_id(self, payment: int | str) -> int:
        if isinstance(payment, int) and not isinstance(payment, bool):
            return payment
        conf = normalize_confirmation_number(str(payment))
        with self._uow() as uow:
            found = uow.payments.by_confirmation(conf) if conf else None
        if found is None or found.id is None:
            raise NotFound("We could not find that payment.")
        return found.id

    def _reserve(self, payment_id: int, amount: Money | None, reason: str, actor: Actor,
                 key: str) -> tuple[Refund, bool]:
        now = self._clock.now()
        with self._uow() as uow:
            locked = lock_payment(uow, payment_id)
            assert locked is not None
            payment, _ = locked
            # Under the lock: a twin that committed while we waited is visible now.
            existing = uow.refunds.by_idempotency_key(key)
            if existing is not None:
                if existing.payment_id != payment_id or (
                        amount is not None and existing.amount != amount):
                    raise IdempotencyConflict("This refund form was already used for another "
                                              "refund. Please open the refund form again.")
                return existing, True
            if not _is_refundable(payment):
                raise _why_not(payment)
            left = _left(payment, uow.refunds.for_payment(payment_id))
            wanted = left if amount is None else amount
            if not wanted.is_positive() or wanted > left:
                raise RefundTooLarge(left)
            refund = Refund(payment_id=payment_id, amount=wanted, reason=reason,
                            requested_by=actor.id[:100], requested_at=now,
                            idempotency_key=key)
            uow.refunds.add(refund)
            audit_payment(uow, now, actor, "refund.requested", payment,
                          f"amount={wanted.canonical()} reason={reason}"[:1000])
            uow.commit()
            return refund, False

    def _submit(self, refund: Refund, actor: Actor) -> RefundOutcome:
        with self._uow() as uow:
            payment = uow.payments.get(refund.payment_id)
        if payment is None or not payment.processor_reference:
            raise NotFound("We could not find that payment.")
        try:
            result = self._gateway.refund(payment.processor_reference, refund.amount,
                                          idempotency_key=refund.idempotency_key)
        except DomainError as exc:  # the processor refused the request itself
            result = RefundResult("failed", None, exc.detail)
        except Exception:
            # Unreachable or timed out: the refund stays pending and the runner asks again
            # with the same key, so the card is refunded once however this ends.
            log.warning("processor did not answer refund %s of payment %s; left pending",
                        refund.id, payment.confirmation_number, exc_info=True)
            return RefundOutcome(refund, payment)
        return self._record(refund, result, actor)

    def _record(self, refund: Refund, result: RefundResult, actor: Actor) -> RefundOutcome:
        now = self._clock.now()
        with self._uow() as uow:
            locked = lock_payment(uow, refund.payment_id)
            assert locked is not None
            payment, account = locked
            current = uow.refunds.get(refund.id, for_update=True)  # type: ignore[arg-type]
            assert current is not None
            if current.status != RefundStatus.PENDING:
                return RefundOutcome(current, payment, replayed=True)  # answered meanwhile
            if result.succeeded:
                self._succeed(uow, account, payment, current, result.reference, actor, now)
            elif result.status == "pending":
                current.processor_reference = result.reference or current.processor_reference
                audit_payment(uow, now, actor, "refund.processing", payment,
                              f"amount={current.amount.canonical()} "
                              f"reference={result.reference}")
            else:
                current.status = RefundStatus.FAILED
                current.completed_at = now
                current.failure_reason = (result.failure_reason or "refused")[:500]
                audit_payment(uow, now, actor, "refund.failed", payment,
                              f"amount={current.amount.canonical()} "
                              f"reason={current.reason} failure={current.failure_reason}"
                              [:1000])
            uow.commit()
        if current.status == RefundStatus.SUCCEEDED:
            self._events.publish(RefundIssued(account, payment, current))
        return RefundOutcome(current, payment)

    def _succeed(self, uow: UnitOfWork, account: Account, payment: Payment, refund: Refund,
                 reference: str | None, actor: Actor, now: datetime) -> None:
        refund.status = RefundStatus.SUCCEEDED
        refund.processor_reference = reference or refund.processor_reference
        refund.completed_at = now
        owed_again = _on_bills(payment, refund.amount)
        payment.refunded = payment.refunded + refund.amount
        if owed_again.is_positive():
            account.reverse_payment(owed_again)
        audit_payment(uow, now, actor, "refund.succeeded", payment,
                      f"amount={refund.amount.canonical()} reference={refund.processor_reference}"
                      f" by={refund.requested_by} reason={refund.reason}"[:1000])

    def _record_from_processor(self, charge_reference: str,
                               seen: Sequence[ProcessorRefundSeen],
                               event: ProcessorEvent | None) -> list[Refund]:
        now = self._clock.now()
        with self._uow() as uow:
            found = uow.payments.by_processor_references([charge_reference])
            if not found:
                log.error("the processor refunded charge %s, which the ledger does not have",
                          charge_reference)
                return []
            locked = lock_payment(uow, found[0].id,  # type: ignore[arg-type]
                                  account_id=found[0].account_id)
            assert locked is not None
            payment, account = locked
            if event is not None and not uow.processor_events.claim(event, now):
                return []  # a replay: handled before
            changed: list[Refund] = []
            for item in seen:
                if item.status != "succeeded" or not item.amount.is_positive():
                    continue  # pending ones come again as succeeded; failed took nothing
                if uow.refunds.by_processor_references([item.reference]):
                    continue  # recorded already (Payline's own, answered)
                ours = (uow.refunds.by_idempotency_key(item.payline_reference)
                        if item.payline_reference else None)
                if ours is not None and ours.payment_id == payment.id:
                    if ours.status == RefundStatus.SUCCEEDED:
                        continue
                    # Payline's own refund, whose answer had not come back yet.
                    self._succeed(uow, account, payment, ours, item.reference,
                                  PROCESSOR_ACTOR, now)
                    changed.append(ours)
                    continue
                waiting = [r for r in uow.refunds.for_payment(payment.id)  # type: ignore[arg-type]
                           if r.status == RefundStatus.PENDING and r.amount == item.amount]
                if waiting:
                    # Most likely Payline's own refund, its answer still on the way and the
                    # processor not echoing its key: the answer (or the runner) records it.
                    log.info("refund %s on charge %s left to the pending refund %s",
                             item.reference, charge_reference, waiting[0].id)
                    continue
                room = payment.total - payment.refunded
                amount = item.amount.min(room)
                if not amount.is_positive():
                    log.error("the processor refunded %s on charge %s (payment %s), more than "
                              "the payment's total", item.amount.format(), charge_reference,
                              payment.confirmation_number)
                    continue
                refund = Refund(payment_id=payment.id, amount=amount,  # type: ignore[arg-type]
                                reason=EXTERNAL_REASON, requested_by=PROCESSOR_REQUESTER,
                                requested_at=now, idempotency_key=f"processor:{item.reference}",
                                processor_reference=item.reference)
                uow.refunds.add(refund)
                self._succeed(uow, account, payment, refund, item.reference, PROCESSOR_ACTOR,
                              now)
                changed.append(refund)
            uow.commit()
        for refund in changed:
            self._events.publish(RefundIssued(account, payment, refund))
        return changed


def _is_refundable(payment: Payment) -> bool:
    return (payment.status == PaymentStatus.APPROVED and payment.method_kind == MethodKind.CARD
            and bool(payment.processor_reference)
            and payment.dispute_status not in (DisputeStatus.OPEN, DisputeStatus.LOST))


def _why_not(payment: Payment) -> DomainError:
    if payment.dispute_status in (DisputeStatus.OPEN, DisputeStatus.LOST):
        return NotRefundable("The card holder's bank has disputed this payment, so it cannot "
                             "be refunded: the bank takes the money back itself.")
    if payment.method_kind != MethodKind.CARD:
        return NotRefundable("Only card payments can be refunded here. A bank payment is "
                             "returned by the city's finance office.")
    return NotRefundable(f"Only an approved card payment can be refunded; this one is "
                         f"{payment.status}.")


def _left(payment: Payment, refunds: Sequence[Refund]) -> Money:
    """The total less refunds that went through and refunds still waiting for an answer
    (recorded ones are in payment.refunded already)."""
    waiting = sum((r.amount for r in refunds if r.status == RefundStatus.PENDING),
                  Money.zero())
    return (payment.total - payment.refunded - waiting).max(Money.zero())


def _on_bills(payment: Payment, amount: Money) -> Money:
    """How much of a refund comes off the bills the payment paid: the payment's amount is
    given back before its fee, and the fee owes nothing again."""
    before = payment.refunded.min(payment.amount)
    after = (payment.refunded + amount).min(payment.amount)
    return after - before


def _clean_reason(reason: object) -> str:
    text = " ".join(reason.split()) if isinstance(reason, str) else ""
    if not text:
        raise InvalidInput("Please give the reason for the refund.")
    if len(text) > MAX_REASON:
        raise InvalidInput(f"Please keep the reason under {MAX_REASON} characters.")
    if redact_card_numbers(text)[1]:
        raise InvalidInput("That reason looks like it holds a card number, so it was not "
                           "used or kept. Please describe the reason without card numbers.")
    return text


def _clean_key(key: object) -> str:
    text = key.strip() if isinstance(key, str) else ""
    if not text or len(text) > MAX_KEY_LENGTH or not _KEY.fullmatch(text):
        raise InvalidInput("This refund form has expired. Please open it again.")
    return text
