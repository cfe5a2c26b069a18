"""Payments: quote, pay now, schedule, cancel, history, and the runner's submit/settle steps.

Rules (docs/architecture.md §4-5, seed FAQ):
- amount > 0, at most two decimals (Money enforces), at most what is payable: the balance due,
  less payments already pending or scheduled, plus the city's overpayment allowance;
- card payments carry a convenience fee (default $1.25) that must be quoted and accepted
  before charging; bank payments carry none;
- scheduled payments: a future date, at most `max_schedule_days` out, with a warning when after
  the due date; cancel only while scheduled;
- statuses scheduled -> pending -> approved | rejected, scheduled -> cancelled;
- every money-moving call carries an idempotency key: same key + same request = same result,
  same key + different request = IdempotencyConflict;
- every state change is audited with channel and actor.

Concurrency: the account row is locked (SELECT ... FOR UPDATE) before the payable amount is
computed, and always before any of its payments, so two channels paying at once serialize and
the lock order never deadlocks. The processor is called outside any database transaction: the
payment is recorded as pending first, so a crash leaves a pending payment that can be reconciled
with the processor's own idempotency key, never a charge with no record.

Charges made by the processor itself (voice <Pay> through the pay connector) carry the same
reference (charge_reference) as a <Pay> parameter. Their result is a webhook that may come late
or never: the processor's word decides. A payment is released (rejected, no "declined" notice)
only once the processor says it holds no approved charge for it, and an approval that arrives
after a payment was released still approves it: money taken is never left as "rejected".
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from domain.config import PaymentSettings
from domain.confirmation import new_confirmation_number, normalize_confirmation_number
from domain.errors import (
    AccountLocked,
    DomainError,
    FeeNotAccepted,
    IdempotencyConflict,
    InvalidAmount,
    InvalidDate,
    InvalidInput,
    InvalidPaymentMethod,
    NotFound,
    PaymentNotFound,
)
from domain.events import (
    EVENT_OF_STATUS,
    EventPublisher,
    PaymentEvent,
    PaymentEventKind,
    ReceiptRequested,
)
from domain.model import (
    Account,
    Actor,
    AuditEvent,
    IdempotencyRecord,
    MethodKind,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from domain.money import Money
from domain.payment_policy import PaymentPolicy, ScheduleWarning
from domain.phone import normalize_phone
from domain.ports import (
    ChargeResult,
    Clock,
    ConcurrencyConflict,
    PaymentGateway,
    ProcessorCustomer,
    SavedAtProcessor,
    TokenizedMethod,
    UnitOfWork,
)

log = logging.getLogger(__name__)

OPEN_STATUSES = (PaymentStatus.PENDING, PaymentStatus.SCHEDULED)
_RETRIES = 3
MAX_KEY_LENGTH = 200
REFERENCE_PREFIX = "payline-"
# Why a phone card payment whose <Pay> result never came was released.
NO_RESULT_REASON = "the card payment by phone was not completed; nothing was charged"


class TryAgain(DomainError):
    message = "We could not complete that just now. Please try again."


@dataclass(frozen=True)
class MethodChoice:
    """A saved method of the account, or a freshly tokenized one (from <Pay> or a pay link)."""

    saved_method_id: int | None = None
    tokenized: TokenizedMethod | None = None
    save_as: str | None = None  # nickname under which to save a new method, if the resident wants
    processor_kind: MethodKind | None = None  # see entered_at_processor

    @classmethod
    def saved(cls, method_id: int) -> MethodChoice:
        return cls(saved_method_id=method_id)

    @classmethod
    def new(cls, tokenized: TokenizedMethod, save_as: str | None = None) -> MethodChoice:
        return cls(tokenized=tokenized, save_as=save_as)

    @classmethod
    def entered_at_processor(cls, kind: MethodKind) -> MethodChoice:
        """Card or bank details the resident enters straight into the processor while the
        payment is charged there (voice <Pay> with a charge amount): the method is known
        only when the result comes back (record_charge_result)."""
        return cls(processor_kind=MethodKind(kind))


@dataclass(frozen=True)
class PaymentRequest:
    account_id: int
    amount: Money
    method: MethodChoice
    actor: Actor
    idempotency_key: str
    accepted_fee: Money | None = None  # the fee the resident heard and accepted
    scheduled_for: date | None = None  # None = pay now


@dataclass(frozen=True)
class PaymentQuote:
    amount: Money
    fee: Money
    total: Money
    method_kind: MethodKind
    payment_date: date
    scheduled: bool
    payable: Money  # the most that can be paid right now
    due_date: date | None
    warnings: tuple[ScheduleWarning, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class SubmitStep:
    payment: Payment
    changed: bool  # False: it was no longer scheduled, or not due yet


@dataclass(frozen=True)
class PaymentOutcome:
    payment: Payment
    replayed: bool = False  # True when this answered a repeated request with the same key
    warnings: tuple[ScheduleWarning, ...] = ()

    @property
    def approved(self) -> bool:
        return self.payment.status == PaymentStatus.APPROVED


class PaymentService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, gateway: PaymentGateway,
                 events: EventPublisher, settings: PaymentSettings | None = None,
                 city_name: str = "City of Riverton") -> None:
        self._uow = uow
        self._clock = clock
        self._gateway = gateway
        self._events = events
        self._city = city_name.removeprefix("the ")  # names the charge on a statement
        self._policy = PaymentPolicy(settings)

    # --- reading ----------------------------------------------------------------------
    def payable(self, account_id: int) -> Money:
        with self._uow() as uow:
            account = self._account(uow, account_id)
            return self._policy.payable(account, uow.payments.for_account(
                account_id, statuses=OPEN_STATUSES))

    def quote(self, account_id: int, amount: Money, method_kind: MethodKind | str,
              scheduled_for: date | None = None) -> PaymentQuote:
        """Everything the resident must hear before confirming: fee, total, warnings.
        Raises the same errors pay_now/schedule would, so a channel can validate early."""
        kind = MethodKind(method_kind)
        with self._uow() as uow:
            account = self._account(uow, account_id)
            open_payments = uow.payments.for_account(account_id, statuses=OPEN_STATUSES)
            payable = self._policy.check_amount(account, open_payments, amount)
            today = self._clock.today()
            warnings = (self._policy.check_date(account, scheduled_for, today)
                        if scheduled_for else ())
            fee = self._policy.fee(kind)
            return PaymentQuote(amount=amount, fee=fee, total=amount + fee, method_kind=kind,
                                payment_date=scheduled_for or today,
                                scheduled=scheduled_for is not None, payable=payable,
                                due_date=account.next_due_date(today), warnings=warnings)

    def check_amount(self, account_id: int, amount: Money) -> Money:
        """The amount rules alone, before a method is chosen: raises for an amount that
        cannot be paid now; returns the most that can."""
        with self._uow() as uow:
            account = self._account(uow, account_id)
            return self._policy.check_amount(
                account, uow.payments.for_account(account_id, statuses=OPEN_STATUSES), amount)

    def check_date(self, account_id: int, when: date) -> tuple[ScheduleWarning, ...]:
        """The scheduling rules for a date alone (future, within the limit), before an
        amount is known; returns the warnings the resident must hear."""
        with self._uow() as uow:
            return self._policy.check_date(self._account(uow, account_id), when,
                                           self._clock.today())

    def scheduled_payments(self, account_id: int) -> list[Payment]:
        with self._uow() as uow:
            payments = uow.payments.for_account(account_id, statuses=[PaymentStatus.SCHEDULED])
            return sorted(payments, key=lambda p: (p.scheduled_for, p.confirmation_number))

    def history(self, account_id: int) -> list[Payment]:
        """The last 24 months (seed FAQ), newest first."""
        months = self._policy.settings.history_months
        since = self._clock.now() - timedelta(days=round(months * 30.44))
        with self._uow() as uow:
            return uow.payments.for_account(account_id, since=since)

    def find(self, account_id: int, confirmation_number: str) -> Payment:
        conf = normalize_confirmation_number(confirmation_number)
        with self._uow() as uow:
            payment = uow.payments.by_confirmation(conf) if conf else None
            if payment is None or payment.account_id != account_id:
                raise PaymentNotFound()
            return payment

    # --- paying now -------------------------------------------------------------------
    def pay_now(self, request: PaymentRequest) -> PaymentOutcome:
        """Reserve, then charge a card through the gateway and record the result. A bank
        payment stays pending: it goes to the bank in the next ACH file (domain.services.ach)
        and is approved when it clears or rejected when the bank returns it."""
        if request.scheduled_for is not None:
            raise InvalidInput("A payment for a later date must be scheduled, not paid now.")
        payment, replayed, _, _ = self._reserve(request, "pay", PaymentStatus.PENDING)
        if replayed or payment.method_kind == MethodKind.BANK:
            return PaymentOutcome(payment, replayed=replayed)
        try:
            return PaymentOutcome(self._charge(payment, request.actor))
        except DomainError:
            raise
        except Exception:
            # Processor unreachable: leave it pending; the runner retries with the same
            # processor idempotency key, so it cannot be charged twice.
            log.exception("payment gateway failed; payment %s left pending",
                          payment.confirmation_number)
            return PaymentOutcome(payment)

    def begin_payment(self, request: PaymentRequest) -> PaymentOutcome:
        """For channels where the processor charges directly (voice <Pay> through the pay
        connector): reserve a pending payment now, record the result when it arrives."""
        payment, replayed, _, _ = self._reserve(request, "pay", PaymentStatus.PENDING)
        return PaymentOutcome(payment, replayed=replayed)

    def record_charge_result(self, payment_id: int, result: ChargeResult,
                             actor: Actor, *, account_id: int | None = None,
                             method_label: str | None = None) -> Payment:
        """Idempotent: a result for a payment that is no longer pending changes nothing, with
        one exception: the processor's approval of a card payment that was rejected meanwhile
        (its <Pay> result came after the payment had been released) approves it after all,
        audited as payment.approved_late: the money was taken.
        (account_id, when the caller knows it, saves a read: a payment never moves.)
        method_label names a method entered at the processor ("VISA ending 4242")."""
        now = self._clock.now()
        with self._uow() as uow:
            locked = self._lock_payment(uow, payment_id, account_id=account_id)
            assert locked is not None
            payment, account = locked
            late = (result.approved and payment.status == PaymentStatus.REJECTED
                    and payment.method_kind == MethodKind.CARD)
            if payment.status != PaymentStatus.PENDING and not late:
                return payment
            if method_label and not payment.method_token:
                payment.method_label = method_label[:60]
            if late:
                previous = payment.approve_after_rejection(now, result.reference)
                excess = account.apply_payment(payment.amount)
                action = "payment.approved_late"
                detail = f"reference={result.reference} after rejection: {previous}"[:400]
                # A credit means the resident paid again meanwhile: an operator must look at
                # a refund, so that is an ERROR (alerted on), the rest a warning.
                log.log(logging.ERROR if excess.is_positive() else logging.WARNING,
                        "payment %s approved by the processor after it had been rejected "
                        "(%s); account credit from it: %s", payment.confirmation_number,
                        previous, excess.format())
            elif result.approved:
                payment.approve(now, result.reference)
                account.apply_payment(payment.amount)
                action, detail = "payment.approved", f"reference={result.reference}"
            elif result.status == "pending":
                payment.processor_reference = result.reference
                action, detail = "payment.processing", f"reference={result.reference}"
            else:
                reason = result.decline_reason or result.decline_code or "declined"
                payment.reject(now, reason, result.reference)
                action, detail = "payment.rejected", f"reason={reason}"
            self._audit(uow, actor, action, payment, detail)
            uow.commit()
        self.announce(account, payment)
        return payment

    def abandon(self, payment_id: int, reason: str, actor: Actor) -> Payment:
        """A payment reserved for a charge at the processor that did not happen (the caller
        hung up or gave up while entering a card): rejected with the reason, without a
        "declined" notice. The processor is asked first: a charge it approved after all is
        recorded as approved instead, and if it cannot be asked the payment stays pending for
        the runner (resolve_unanswered). Idempotent, and a no-op once no longer pending."""
        try:
            return self._release_unless_charged(payment_id, reason, actor, "payment.abandoned")
        except DomainError:
            raise
        except Exception:
            log.warning("could not ask the processor about payment %s; left pending for the "
                        "runner", payment_id, exc_info=True)
            with self._uow() as uow:
                payment = uow.payments.get(payment_id)
                assert payment is not None
                return payment

    def resolve_unanswered(self, payment_id: int, actor: Actor) -> Payment:
        """The runner's step for a card payment charged at the processor whose result never
        came (the call dropped, the webhook was lost): approved if the processor holds an
        approved charge with its reference, else released with a clear reason and no
        "declined" notice; left pending while the processor still calls it pending. A
        processor that cannot be asked raises, and the payment waits for the next run."""
        return self._release_unless_charged(payment_id, None, actor, "payment.released")

    def _release_unless_charged(self, payment_id: int, reason: str | None, actor: Actor,
                                action: str) -> Payment:
        """reason None: say what the processor said (a decline), or that nothing happened."""
        with self._uow() as uow:
            payment = uow.payments.get(payment_id)
        if payment is None:
            raise PaymentNotFound()
        if payment.status != PaymentStatus.PENDING or payment.method_token:
            return payment
        # Asked outside any transaction (a network call); the status is checked again under
        # the lock, so a result recorded meanwhile wins and nothing is settled twice.
        found = self._gateway.find_charge(charge_reference(payment))
        if found is not None and found.approved:
            return self.record_charge_result(payment_id, found, actor,
                                             account_id=payment.account_id)
        if found is not None and found.status == "pending":
            return payment  # the processor has not decided yet: ask again next run
        if reason is None:
            reason = ((found.decline_reason or "the card was declined") if found is not None
                      else NO_RESULT_REASON)
        now = self._clock.now()
        with self._uow() as uow:
            locked = self._lock_payment(uow, payment_id, account_id=payment.account_id)
            assert locked is not None
            payment, _ = locked
            if payment.status != PaymentStatus.PENDING or payment.method_token:
                return payment
            payment.reject(now, reason[:200], found.reference if found else None)
            self._audit(uow, actor, action, payment, f"reason={reason[:200]}")
            uow.commit()
            return payment

    # --- scheduling and cancelling -----------------------------------------------------
    def schedule(self, request: PaymentRequest) -> PaymentOutcome:
        if request.scheduled_for is None:
            raise InvalidDate("Please choose the date for the scheduled payment.")
        payment, replayed, warnings, account = self._reserve(request, "schedule",
                                                             PaymentStatus.SCHEDULED)
        if not replayed:
            self.announce(account, payment)
        return PaymentOutcome(payment, replayed=replayed, warnings=warnings)

    def cancel(self, account_id: int, confirmation_number: str, actor: Actor) -> Payment:
        """Only while scheduled. Cancelling an already cancelled payment returns it unchanged
        (a repeated "yes" is harmless)."""
        conf = normalize_confirmation_number(confirmation_number)
        now = self._clock.now()
        with self._uow() as uow:
            account = self._account(uow, account_id, for_update=True)
            self._refuse_locked(account, actor)
            found = uow.payments.by_confirmation(conf) if conf else None
            if found is None or found.account_id != account_id:
                raise PaymentNotFound()
            payment = uow.payments.get(found.id, for_update=True)  # type: ignore[arg-type]
            assert payment is not None
            if payment.status == PaymentStatus.CANCELLED:
                return payment
            payment.cancel(now)  # PaymentNotCancellable unless scheduled
            self._audit(uow, actor, "payment.cancelled", payment, "")
            uow.commit()
        self.announce(account, payment, PaymentEventKind.CANCELLED)
        return payment

    # --- the runner's steps (issue: scheduled-payment runner) -------------------------------
    def submit_scheduled(self, payment_id: int, actor: Actor, *,
                         skip_locked: bool = False) -> Payment | None:
        """scheduled -> pending when its date has come, re-checking the balance first: a bill
        paid meanwhile is not paid twice (the payment is cancelled with a notice), and a bill
        partly paid meanwhile is paid only up to what is still due.

        With skip_locked, returns None instead of waiting when another transaction holds the
        account (another runner, or a resident paying right now): the next run picks it up."""
        step = self.submit_if_due(payment_id, actor, skip_locked=skip_locked)
        return step.payment if step else None

    def submit_if_due(self, payment_id: int, actor: Actor, *, skip_locked: bool = False,
                      account_id: int | None = None) -> SubmitStep | None:
        """submit_scheduled, also saying whether this call made the change (a runner must
        charge only what it submitted itself)."""
        now = self._clock.now()
        today = self._clock.today()
        with self._uow() as uow:
            locked = self._lock_payment(uow, payment_id, skip_locked=skip_locked,
                                        account_id=account_id)
            if locked is None:
                return None
            payment, account = locked
            if payment.status != PaymentStatus.SCHEDULED or payment.scheduled_for > today:
                return SubmitStep(payment, changed=False)
            others = [p for p in uow.payments.for_account(account.id, statuses=OPEN_STATUSES)  # type: ignore[arg-type]
                      if p.id != payment.id and p.status == PaymentStatus.PENDING]
            still_due = self._policy.payable(account, others)
            if not still_due.is_positive():
                payment.cancel(now)
                payment.rejection_reason = "balance already paid"
                self._audit(uow, actor, "payment.skipped", payment, "balance already paid")
            else:
                if payment.amount > still_due:
                    self._audit(uow, actor, "payment.reduced", payment,
                                f"from {payment.amount.canonical()} to {still_due.canonical()}")
                    payment.amount = still_due
                payment.transition(PaymentStatus.PENDING, now)
                self._audit(uow, actor, "payment.submitted", payment, "")
            uow.commit()
        if payment.status == PaymentStatus.CANCELLED:
            self.announce(account, payment, PaymentEventKind.SKIPPED)
        return SubmitStep(payment, changed=True)

    def settle(self, payment_id: int, actor: Actor) -> Payment:
        """Charge a pending card payment's token; safe to repeat (processor idempotency key).
        Bank payments are left to the ACH file and its returns."""
        with self._uow() as uow:
            payment = uow.payments.get(payment_id)
            if payment is None:
                raise PaymentNotFound()
        return self.settle_payment(payment, actor)

    def settle_payment(self, payment: Payment, actor: Actor) -> Payment:
        """settle() for a payment the caller has just read (the runner, after submitting)."""
        if payment.status != PaymentStatus.PENDING or payment.method_kind != MethodKind.CARD:
            return payment
        return self._charge(payment, actor)

    def _charge(self, payment: Payment, actor: Actor) -> Payment:
        result = self._gateway.charge(payment.method_token, payment.total,
                                      idempotency_key=charge_reference(payment),
                                      description=f"{self._city} payment")
        return self.record_charge_result(payment.id, result, actor,  # type: ignore[arg-type]
                                         account_id=payment.account_id)

    # --- saved methods ----------------------------------------------------------------
    def save_method(self, account_id: int, tokenized: TokenizedMethod, nickname: str,
                    actor: Actor) -> PaymentMethod:
        """Keep a method for later payments. A card is first kept at the processor (Stripe:
        attached to the customer's Stripe Customer), outside any transaction; a card it
        refuses raises InvalidPaymentMethod and nothing is saved."""
        kept = self._keep_at_processor(account_id, tokenized, actor)
        with self._uow() as uow:
            account = self._account(uow, account_id, for_update=True)
            method = self._add_method(account, tokenized, nickname, kept)
            uow.flush()
            uow.audit.add(AuditEvent(at=self._clock.now(), action="method.saved",
                                     actor=str(actor), channel=actor.channel,
                                     account_id=account_id, subject=method.label()))
            uow.commit()
            return method

    def saved_methods(self, account_id: int) -> list[PaymentMethod]:
        with self._uow() as uow:
            account = self._account(uow, account_id)
            return [m for m in account.payment_methods if m.enabled]

    # --- internals --------------------------------------------------------------------
    def _reserve(self, request: PaymentRequest, operation: str,
                 status: PaymentStatus
                 ) -> tuple[Payment, bool, tuple[ScheduleWarning, ...], Account]:
        """Validate and record the payment (pending or scheduled) under the account lock.
        Returns (payment, replayed, date warnings, account)."""
        key = (request.idempotency_key or "").strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise InvalidInput("Every payment request needs an idempotency key.")
        if not isinstance(request.amount, Money):
            raise InvalidAmount()
        if not request.amount.is_positive():
            raise InvalidAmount("The payment amount must be more than zero.")
        fingerprint = _fingerprint(operation, request)
        kept = None
        if request.method.save_as is not None and request.method.tokenized is not None:
            with self._uow() as uow:
                repeated = uow.idempotency.get(key) is not None
            if not repeated:  # a repeated request replays; its card was kept the first time
                kept = self._keep_at_processor(request.account_id, request.method.tokenized,
                                               request.actor)
        for _ in range(_RETRIES):
            try:
                return self._reserve_once(request, key, operation, fingerprint, status, kept)
            except ConcurrencyConflict:
                continue  # a concurrent request won the race: re-read and replay or re-check
        raise TryAgain()

    def _reserve_once(self, request: PaymentRequest, key: str, operation: str, fingerprint: str,
                      status: PaymentStatus, kept: SavedAtProcessor | None = None
                      ) -> tuple[Payment, bool, tuple[ScheduleWarning, ...], Account]:
        now = self._clock.now()
        with self._uow() as uow:
            # Lock first, then look for the key: a concurrent twin that committed while we
            # waited for the lock is then visible and replayed, not counted as a second payment.
            account = self._account(uow, request.account_id, for_update=True)
            existing = uow.idempotency.get(key)
            if existing is not None:
                if existing.fingerprint != fingerprint or existing.operation != operation:
                    raise IdempotencyConflict()
                payment = uow.payments.get(existing.payment_id)  # type: ignore[arg-type]
                assert payment is not None
                return payment, True, (), account
            self._refuse_locked(account, request.actor)
            kind, token, label, method_id = self._resolve_method(account, request.method)
            fee = self._policy.fee(kind)
            if fee.is_positive() and request.accepted_fee != fee:
                raise FeeNotAccepted(f"The convenience fee of {fee.format()} must be accepted "
                                     "before paying by card.")
            open_payments = uow.payments.for_account(account.id,  # type: ignore[arg-type]
                                                     statuses=OPEN_STATUSES)
            self._policy.check_amount(account, open_payments, request.amount)
            payment_date = self._clock.today()
            warnings: tuple[ScheduleWarning, ...] = ()
            if request.scheduled_for is not None:
                warnings = self._policy.check_date(account, request.scheduled_for,
                                                   self._clock.today())
                payment_date = request.scheduled_for
            if request.method.tokenized is not None and request.method.save_as is not None:
                saved = self._add_method(account, request.method.tokenized,
                                         request.method.save_as, kept)
                uow.flush()
                method_id = saved.id
            payment = Payment(
                confirmation_number=self._new_confirmation(uow), account_id=account.id,  # type: ignore[arg-type]
                amount=request.amount, fee=fee, method_kind=kind, method_label=label,
                method_token=token, scheduled_for=payment_date, status=status,
                channel=request.actor.channel, created_by=str(request.actor), created_at=now,
                idempotency_key=key, payment_method_id=method_id,
                submitted_at=now if status == PaymentStatus.PENDING else None)
            uow.payments.add(payment)
            uow.flush()
            uow.idempotency.add(IdempotencyRecord(key=key, operation=operation,
                                                  fingerprint=fingerprint, created_at=now,
                                                  payment_id=payment.id))
            action = ("payment.scheduled" if status == PaymentStatus.SCHEDULED
                      else "payment.submitted")
            self._audit(uow, request.actor, action, payment,
                        f"amount={payment.amount.canonical()} fee={fee.canonical()} "
                        f"method={payment.method_label} date={payment_date.isoformat()}")
            uow.commit()
            return payment, False, warnings, account

    def _account(self, uow: UnitOfWork, account_id: int, *, for_update: bool = False) -> Account:
        account = uow.accounts.get(account_id, for_update=for_update)
        if account is None:
            raise NotFound("We could not find that account.")
        return account

    def _lock_payment(self, uow: UnitOfWork, payment_id: int, *, skip_locked: bool = False,
                      account_id: int | None = None) -> tuple[Payment, Account] | None:
        return lock_payment(uow, payment_id, skip_locked=skip_locked, account_id=account_id)

    @staticmethod
    def _refuse_locked(account: Account, actor: Actor) -> None:
        if actor.is_resident and account.is_locked:
            raise AccountLocked()

    def _resolve_method(self, account: Account,
                        choice: MethodChoice) -> tuple[MethodKind, str, str, int | None]:
        if choice.processor_kind is not None:
            if choice.saved_method_id is not None or choice.tokenized is not None:
                raise InvalidPaymentMethod("Please choose one payment method.")
            label = ("card entered by phone" if choice.processor_kind == MethodKind.CARD
                     else "bank account entered by phone")
            return choice.processor_kind, "", label, None
        if choice.saved_method_id is not None and choice.tokenized is None:
            method = account.saved_method(choice.saved_method_id)
            if method is None:
                raise InvalidPaymentMethod("That saved payment method is not available.")
            return method.kind, method.token, method.label(), method.id
        if choice.tokenized is not None and choice.saved_method_id is None:
            tokenized = choice.tokenized
            if not tokenized.token or not tokenized.last4:
                raise InvalidPaymentMethod()
            return tokenized.kind, tokenized.token, tokenized.label(), None
        raise InvalidPaymentMethod("Please choose one payment method.")

    def fee(self, kind: MethodKind) -> Money:
        """The convenience fee for a method kind (card fee, or none for a bank account)."""
        return self._policy.fee(kind)

    def _new_confirmation(self, uow: UnitOfWork) -> str:
        for _ in range(10):
            candidate = new_confirmation_number()
            if not uow.payments.confirmation_exists(candidate):
                return candidate
        raise TryAgain()  # pragma: no cover - 10 collisions in 5e10 is not going to happen

    def _keep_at_processor(self, account_id: int, tokenized: TokenizedMethod,
                           actor: Actor) -> SavedAtProcessor | None:
        """A card to be saved is kept at the processor first (a network call, so outside
        any transaction; the result is stored with the method). Bank accounts stay in the
        ACH vault: nothing to do. None when there is nothing to keep."""
        if tokenized.kind != MethodKind.CARD or not tokenized.token:
            return None
        with self._uow() as uow:
            account = self._account(uow, account_id)
            self._refuse_locked(account, actor)  # nothing reaches the processor for it
            customer = account.customer
            holder = ProcessorCustomer(customer_number=customer.customer_number,
                                       name=customer.name, email=customer.email,
                                       processor_id=customer.processor_customer_id)
        return self._gateway.save_for_customer(tokenized.token, holder)

    @staticmethod
    def _add_method(account: Account, tokenized: TokenizedMethod, nickname: str,
                    kept: SavedAtProcessor | None = None) -> PaymentMethod:
        if kept is not None:
            # The processor's word on what it keeps wins; the caller's fills what it omits.
            tokenized = _merged(tokenized, kept.method)
            customer = account.customer
            if kept.processor_customer_id and not customer.processor_customer_id:
                customer.processor_customer_id = kept.processor_customer_id
            elif (kept.processor_customer_id
                  and kept.processor_customer_id != customer.processor_customer_id):
                # Two channels made a processor customer at once: the card is kept on the
                # other one, which still charges it (a card is charged as its own customer's).
                log.warning("card saved on another processor customer of customer %s",
                            customer.customer_number)
        method = PaymentMethod(kind=tokenized.kind, token=tokenized.token,
                               last4=tokenized.last4, nickname=(nickname or "").strip()[:40],
                               brand=tokenized.brand, exp_month=tokenized.exp_month,
                               exp_year=tokenized.exp_year,
                               bank_account_type=tokenized.bank_account_type)
        account.payment_methods.append(method)
        return method

    def _audit(self, uow: UnitOfWork, actor: Actor, action: str, payment: Payment,
               detail: str) -> None:
        audit_payment(uow, self._clock.now(), actor, action, payment, detail)

    def text_receipt(self, account_id: int, confirmation_number: str, phone: str,
                     language: str = "en") -> Payment:
        """A receipt texted to a number the resident gives now (e.g. the phone they are
        calling from), in their language: approved, submitted (bank, pending) or scheduled."""
        to = normalize_phone(phone)
        payment = self.find(account_id, confirmation_number)
        kind = {PaymentStatus.APPROVED: PaymentEventKind.APPROVED,
                PaymentStatus.PENDING: PaymentEventKind.SUBMITTED,
                PaymentStatus.SCHEDULED: PaymentEventKind.SCHEDULED}.get(payment.status)
        if kind is None:
            raise InvalidInput("There is no receipt for that payment.")
        self._events.publish(ReceiptRequested(kind, payment, to,
                                              "es" if language.startswith("es") else "en"))
        return payment

    def announce(self, account: Account, payment: Payment,
                 kind: PaymentEventKind | None = None) -> None:
        """Raise the event of a committed change (by default the one its status names); the
        handler tells the account holder."""
        kind = kind or EVENT_OF_STATUS.get(payment.status)
        if kind is not None:
            self._events.publish(PaymentEvent(kind, account, payment))


def charge_reference(payment: Payment) -> str:
    """Payline's reference on the processor's charge for a payment: the idempotency key of a
    charge Payline makes, the <Pay> parameter of one the processor makes during a call."""
    return f"{REFERENCE_PREFIX}{payment.confirmation_number}"


def confirmation_of(reference: str | None) -> str | None:
    """The confirmation number inside a charge reference, or None if it is not one of ours."""
    if not reference or not reference.startswith(REFERENCE_PREFIX):
        return None
    return normalize_confirmation_number(reference.removeprefix(REFERENCE_PREFIX)) or None


def lock_payment(uow: UnitOfWork, payment_id: int, *, skip_locked: bool = False,
                 account_id: int | None = None) -> tuple[Payment, Account] | None:
    """Account first, then the payment: the one lock order every service uses, so two
    transactions on one account can never deadlock. None only with skip_locked, when someone
    else holds the account. (account_id, when the caller knows it, saves a read: a payment
    never moves between accounts.)"""
    if account_id is None:
        found = uow.payments.get(payment_id)
        if found is None:
            raise PaymentNotFound()
        account_id = found.account_id
    account = uow.accounts.get(account_id, for_update=True, skip_locked=skip_locked)
    if account is None:
        if skip_locked:
            return None
        raise NotFound("We could not find that account.")
    payment = uow.payments.get(payment_id, for_update=True)
    if payment is None or payment.account_id != account_id:
        raise PaymentNotFound()
    return payment, account


def audit_payment(uow: UnitOfWork, at: datetime, actor: Actor, action: str, payment: Payment,
                  detail: str) -> None:
    uow.audit.add(AuditEvent(at=at, action=action, actor=str(actor), channel=actor.channel,
                             account_id=payment.account_id,
                             subject=payment.confirmation_number, detail=detail))


def _merged(asked: TokenizedMethod, kept: TokenizedMethod) -> TokenizedMethod:
    return TokenizedMethod(
        kind=kept.kind or asked.kind, token=kept.token or asked.token,
        last4=kept.last4 or asked.last4, brand=kept.brand or asked.brand,
        exp_month=kept.exp_month or asked.exp_month, exp_year=kept.exp_year or asked.exp_year,
        bank_account_type=kept.bank_account_type or asked.bank_account_type)


def _fingerprint(operation: str, request: PaymentRequest) -> str:
    method = request.method
    if method.processor_kind is not None:
        method_id = f"processor:{method.processor_kind}"
    elif method.saved_method_id is not None:
        method_id = f"saved:{method.saved_method_id}"
    else:
        method_id = f"token:{method.tokenized.token if method.tokenized else ''}"
    parts = [operation, str(request.account_id), request.amount.canonical(),
             request.amount.currency, method_id,
             request.scheduled_for.isoformat() if request.scheduled_for else "now"]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()
