"""Autopay: the seed FAQ's "Recurring Payment option".

Every new bill of an enrolled account is scheduled from one saved method on the date the
resident chose: the due date, the day the bill arrives, or 1 to 10 days before the due date. An
optional account payment threshold holds back any bill above it until the resident authorizes
the payment. Unenrolling stops future bills only: payments already scheduled still run (seed
FAQ), and the notice says so.

Scheduling goes through PaymentService.schedule with actor system:autopay, so every payment
rule (payable amount, 90-day limit, card fee, idempotency, auditing, the "scheduled" notice)
lives in one place. The key `autopay:{account_id}:{bill_number}` makes a bill posted twice
schedule once; every other decision (threshold held, skipped) is recorded in the audit trail
with the bill number as subject, so asking again never notifies twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.errors import (
    AccountLocked,
    AmountOutOfRange,
    DomainError,
    IdempotencyConflict,
    InvalidAmount,
    InvalidAutopayOption,
    InvalidDate,
    InvalidPaymentMethod,
    NotFound,
    NothingDue,
    RecipientOptedOut,
)
from domain.model import (
    Account,
    Actor,
    AuditEvent,
    AutopayDateOption,
    AutopayEnrollment,
    Bill,
    MethodKind,
    Payment,
    PaymentMethod,
)
from domain.money import Money
from domain.notifications import language_of, render
from domain.payment_policy import ScheduleWarning
from domain.ports import Clock, Notification, Notifier, UnitOfWork
from domain.services.payments import MethodChoice, PaymentRequest, PaymentService, TryAgain

log = logging.getLogger(__name__)

AUTOPAY_ACTOR = Actor.system("autopay")
MIN_DAYS_BEFORE = 1
MAX_DAYS_BEFORE = 10
# How far back in an account's audit trail to look for an earlier decision on a bill. Bills
# post monthly and each leaves a handful of events, so this covers years.
_AUDIT_LOOKBACK = 500
_DECISIONS = ("autopay.scheduled", "autopay.threshold_exceeded", "autopay.skipped")


class AutopayResult(StrEnum):
    SCHEDULED = "scheduled"
    NEEDS_AUTHORIZATION = "needs_authorization"  # above the threshold: the resident decides
    SKIPPED = "skipped"
    NOT_ENROLLED = "not_enrolled"


class SkipReason(StrEnum):
    NOTHING_DUE = "nothing_due"  # the bill has no unpaid amount
    COVERED = "covered"  # pending/scheduled payments or credit already cover it
    TOO_FAR = "too_far"  # the payment date is beyond the scheduling limit
    METHOD_UNAVAILABLE = "method_unavailable"  # the saved method was removed or disabled
    NOT_SCHEDULABLE = "not_schedulable"  # any other payment rule said no


@dataclass(frozen=True)
class AutopayOutcome:
    """What autopay did with one bill."""

    result: AutopayResult
    bill_number: str
    payment: Payment | None = None  # the scheduled payment
    amount: Money | None = None  # scheduled, or the bill amount awaiting authorization
    payment_date: date | None = None
    reason: str = ""  # why it was skipped: a SkipReason value
    detail: str = ""  # for agents and logs (English)
    replayed: bool = False  # True when this bill had already been decided earlier
    warnings: tuple[ScheduleWarning, ...] = ()

    @property
    def scheduled(self) -> bool:
        return self.result == AutopayResult.SCHEDULED

    @property
    def needs_authorization(self) -> bool:
        return self.result == AutopayResult.NEEDS_AUTHORIZATION


def idempotency_key(account_id: int, bill_number: str) -> str:
    return f"autopay:{account_id}:{bill_number}"


def payment_date_for(enrollment: AutopayEnrollment, bill: Bill, today: date) -> date:
    """The date autopay pays `bill`. Never before tomorrow: PaymentService schedules only
    future dates, and a bill that arrives late is still best paid as soon as possible."""
    if enrollment.date_option == AutopayDateOption.DUE_DATE:
        wanted = bill.due_date
    elif enrollment.date_option == AutopayDateOption.BILL_ARRIVAL:
        wanted = bill.issued_on
    else:
        wanted = bill.due_date - timedelta(days=enrollment.days_before or 0)
    return max(wanted, today + timedelta(days=1))


def describe_date_option(option: AutopayDateOption | str, days_before: int | None,
                         language: str = "en") -> str:
    """"on its due date", "3 days before its due date", ... (en or es)."""
    option = AutopayDateOption(option)
    if option == AutopayDateOption.DAYS_BEFORE:
        key = "autopay.when.day_before" if days_before == 1 else "autopay.when.days_before"
        return render(key, language, days=str(days_before))
    return render(f"autopay.when.{option.value}", language)


class AutopayService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, notifier: Notifier,
                 payments: PaymentService, city_name: str = "City of Riverton") -> None:
        self._uow = uow
        self._clock = clock
        self._notifier = notifier
        self._payments = payments
        self._city = city_name.removeprefix("the ")

    # --- enrollment -----------------------------------------------------------------------
    def status(self, account_id: int) -> AutopayEnrollment | None:
        with self._uow() as uow:
            _account(uow, account_id)
            return uow.autopay.active_for_account(account_id)

    def enroll(self, account_id: int, payment_method_id: int,
               date_option: AutopayDateOption | str, actor: Actor, *,
               days_before: int | None = None,
               threshold: Money | None = None) -> AutopayEnrollment:
        """Enroll (or change the settings of) the account. One active enrollment per account:
        a new one replaces the previous one. Repeating the same settings changes nothing."""
        option = _date_option(date_option)
        days = _days_before(option, days_before)
        limit = _threshold(threshold)
        now = self._clock.now()
        with self._uow() as uow:
            account = _account(uow, account_id, for_update=True)
            if actor.is_resident and account.is_locked:
                raise AccountLocked()
            method = self._usable_method(account, payment_method_id)
            previous = uow.autopay.active_for_account(account_id)
            if previous is not None and (previous.payment_method_id, previous.date_option,
                                         previous.days_before, previous.threshold) == (
                    method.id, option, days, limit):
                return previous  # a repeated "yes": nothing to change or announce
            if previous is not None:
                previous.active = False
                previous.cancelled_at = now
                self._audit(uow, actor, "autopay.replaced", account_id,
                            detail=f"previous enrollment {previous.id}")
            enrollment = AutopayEnrollment(
                account_id=account_id, payment_method_id=method.id,  # type: ignore[arg-type]
                date_option=option, enrolled_at=now, enrolled_by=str(actor),
                channel=actor.channel, days_before=days, threshold=limit)
            uow.autopay.add(enrollment)
            uow.flush()
            fee = self._payments.fee(method.kind)
            self._audit(uow, actor, "autopay.enrolled", account_id,
                        detail=f"method={method.label()} option={option.value}"
                               f"{f' days_before={days}' if days else ''} "
                               f"threshold={limit.canonical() if limit else 'none'} "
                               f"fee={fee.canonical()}")
            uow.commit()
        self._confirm_enrollment(account, enrollment, method, fee, replaced=previous is not None)
        return enrollment

    def unenroll(self, account_id: int, actor: Actor) -> AutopayEnrollment | None:
        """Stop autopay for future bills. Returns the enrollment ended, or None if there was
        none (nothing changes then). Scheduled payments are left alone (seed FAQ)."""
        now = self._clock.now()
        with self._uow() as uow:
            account = _account(uow, account_id, for_update=True)
            if actor.is_resident and account.is_locked:
                raise AccountLocked()
            enrollment = uow.autopay.active_for_account(account_id)
            if enrollment is None:
                return None
            enrollment.active = False
            enrollment.cancelled_at = now
            self._audit(uow, actor, "autopay.unenrolled", account_id,
                        detail=f"enrollment {enrollment.id}; scheduled payments kept")
            uow.commit()
        self._send(account, "autopay.unenrolled", "autopay",
                   render("autopay.unenrolled", language_of(account.customer), city=self._city))
        return enrollment

    # --- bills ----------------------------------------------------------------------------
    def schedule_for_bill(self, account_id: int, bill_number: str) -> AutopayOutcome:
        """Called when a bill posts. Safe to call again for the same bill: the earlier
        decision is returned (replayed=True) and nobody is notified twice."""
        key = idempotency_key(account_id, bill_number)
        today = self._clock.today()
        with self._uow() as uow:
            account = _account(uow, account_id)
            record = uow.idempotency.get(key)
            if record is not None and record.payment_id is not None:
                payment = uow.payments.get(record.payment_id)
                return AutopayOutcome(AutopayResult.SCHEDULED, bill_number, payment=payment,
                                      amount=payment.amount if payment else None,
                                      payment_date=payment.scheduled_for if payment else None,
                                      replayed=True)
            earlier = _decision(uow, account_id, bill_number)
            if earlier is not None and earlier.action != "autopay.scheduled":
                return _replayed(earlier, bill_number)
            enrollment = uow.autopay.active_for_account(account_id)
            if enrollment is None:
                return AutopayOutcome(AutopayResult.NOT_ENROLLED, bill_number)
            bill = next((b for b in account.bills if b.bill_number == bill_number), None)
            if bill is None:
                raise NotFound("That bill is not on this account.")
            method = account.saved_method(enrollment.payment_method_id)
        if not bill.unpaid.is_positive():
            # A zero bill (or one paid already): nothing to do and nothing worth a message.
            return AutopayOutcome(AutopayResult.SKIPPED, bill_number,
                                  reason=SkipReason.NOTHING_DUE, detail="nothing due on the bill")
        when = payment_date_for(enrollment, bill, today)
        if method is None or _card_expired(method, when):
            return self._skip(account, bill, SkipReason.METHOD_UNAVAILABLE,
                              "the autopay method is no longer available or has expired", when)
        if enrollment.threshold is not None and bill.unpaid > enrollment.threshold:
            return self._hold(account, bill, enrollment.threshold, when)
        return self._schedule(account, bill, method, when, key)

    def resume_for_bill(self, account_id: int, bill_number: str) -> AutopayOutcome | None:
        """For a bill posted again (a re-run import): finish what an interrupted run left
        undone. Only a bill posted by an import while autopay was already active and with no
        autopay decision yet is scheduled; any other returns None and nothing happens."""
        with self._uow() as uow:
            _account(uow, account_id)
            enrollment = uow.autopay.active_for_account(account_id)
            if enrollment is None or uow.idempotency.get(
                    idempotency_key(account_id, bill_number)) is not None:
                return None
            events = [e for e in uow.audit.for_account(account_id, limit=_AUDIT_LOOKBACK)
                      if e.subject == bill_number]
        if any(e.action in _DECISIONS for e in events):
            return None
        posted = [e.at for e in events if e.action == "bill.posted"]
        if not posted or max(posted) < enrollment.enrolled_at:
            return None  # posted before this enrollment: autopay covers later bills only
        return self.schedule_for_bill(account_id, bill_number)

    # --- internals ------------------------------------------------------------------------
    def _schedule(self, account: Account, bill: Bill, method: PaymentMethod, when: date,
                  key: str) -> AutopayOutcome:
        account_id: int = account.id  # type: ignore[assignment]
        try:
            # Never more than is still payable: the resident may have paid or scheduled
            # part of it already; PaymentService re-checks under the account lock.
            amount = bill.unpaid.min(self._payments.payable(account_id))
            if not amount.is_positive():
                return self._skip(account, bill, SkipReason.COVERED,
                                  "payments pending or scheduled, or credit, cover the bill",
                                  when)
            # The quote states the fee the payment will carry; the resident accepted the card
            # fee for every autopay payment when enrolling.
            quote = self._payments.quote(account_id, amount, method.kind, when)
            outcome = self._payments.schedule(PaymentRequest(
                account_id=account_id, amount=amount, method=MethodChoice.saved(method.id),  # type: ignore[arg-type]
                actor=AUTOPAY_ACTOR, idempotency_key=key, accepted_fee=quote.fee,
                scheduled_for=when))
        except (TryAgain, IdempotencyConflict):
            raise  # a lost race, not a decision: the caller may try again
        except (NothingDue, AmountOutOfRange) as exc:
            return self._skip(account, bill, SkipReason.COVERED, exc.detail, when)
        except InvalidDate as exc:
            return self._skip(account, bill, SkipReason.TOO_FAR, exc.detail, when)
        except InvalidPaymentMethod as exc:
            return self._skip(account, bill, SkipReason.METHOD_UNAVAILABLE, exc.detail, when)
        except DomainError as exc:
            return self._skip(account, bill, SkipReason.NOT_SCHEDULABLE, exc.detail, when)
        payment = outcome.payment
        with self._uow() as uow:
            self._audit(uow, AUTOPAY_ACTOR, "autopay.scheduled", account_id,
                        subject=bill.bill_number,
                        detail=f"payment={payment.confirmation_number} "
                               f"amount={payment.amount.canonical()} "
                               f"date={payment.scheduled_for.isoformat()}")
            uow.commit()
        # PaymentService already sent the resident the "payment scheduled" notice.
        return AutopayOutcome(AutopayResult.SCHEDULED, bill.bill_number, payment=payment,
                              amount=payment.amount, payment_date=payment.scheduled_for,
                              replayed=outcome.replayed, warnings=outcome.warnings)

    def _hold(self, account: Account, bill: Bill, threshold: Money,
              when: date) -> AutopayOutcome:
        with self._uow() as uow:
            self._audit(uow, AUTOPAY_ACTOR, "autopay.threshold_exceeded", account.id,
                        subject=bill.bill_number,
                        detail=f"amount={bill.unpaid.canonical()} "
                               f"threshold={threshold.canonical()}")
            uow.commit()
        language = language_of(account.customer)
        self._send(account, "autopay.threshold_exceeded", f"autopay, bill {bill.bill_number}",
                   render("autopay.threshold_exceeded", language, city=self._city,
                          bill=bill.bill_number, amount=bill.unpaid.format(),
                          threshold=threshold.format(), due=_short_date(bill.due_date)))
        return AutopayOutcome(AutopayResult.NEEDS_AUTHORIZATION, bill.bill_number,
                              amount=bill.unpaid, payment_date=when,
                              detail=f"{bill.unpaid.format()} is over the autopay limit of "
                                     f"{threshold.format()}")

    def _skip(self, account: Account, bill: Bill, reason: SkipReason, detail: str,
              when: date) -> AutopayOutcome:
        with self._uow() as uow:
            self._audit(uow, AUTOPAY_ACTOR, "autopay.skipped", account.id,
                        subject=bill.bill_number, detail=f"reason={reason.value}; {detail}")
            uow.commit()
        language = language_of(account.customer)
        self._send(account, "autopay.skipped", f"autopay, bill {bill.bill_number}",
                   render(f"autopay.skipped.{reason.value}", language, city=self._city,
                          bill=bill.bill_number, amount=bill.unpaid.format(),
                          date=_short_date(when), due=_short_date(bill.due_date)))
        return AutopayOutcome(AutopayResult.SKIPPED, bill.bill_number, amount=bill.unpaid,
                              payment_date=when, reason=reason.value, detail=detail)

    def _usable_method(self, account: Account, method_id: int) -> PaymentMethod:
        # saved_method() only finds enabled methods of this very account, so another
        # account's method id is refused like an unknown one.
        method = account.saved_method(method_id) if isinstance(method_id, int) else None
        if method is None:
            raise InvalidPaymentMethod("That saved payment method is not available on this "
                                       "account.")
        if _card_expired(method, self._clock.today()):
            raise InvalidPaymentMethod("That card has expired. Please choose another "
                                       "payment method.")
        return method

    def _confirm_enrollment(self, account: Account, enrollment: AutopayEnrollment,
                            method: PaymentMethod, fee: Money, *, replaced: bool) -> None:
        language = language_of(account.customer)
        fee_text = render("autopay.fee", language, fee=fee.format()) if fee.is_positive() \
            else ""
        if enrollment.threshold is not None:
            limit_text = render("autopay.limit", language,
                                threshold=enrollment.threshold.format())
        else:
            limit_text = render("autopay.no_limit", language)
        body = render("autopay.enrolled", language, city=self._city,
                      replaced=render("autopay.replaced", language) if replaced else "",
                      when=describe_date_option(enrollment.date_option, enrollment.days_before,
                                                language),
                      method=method.label(), fee_text=fee_text, limit_text=limit_text)
        self._send(account, "autopay.enrolled", "autopay", body)

    def _send(self, account: Account, kind: str, topic: str, body: str) -> None:
        customer = account.customer
        targets: list[tuple[str, str]] = []
        if customer.phones:
            targets.append(("sms", customer.phones[0].number))
        email = customer.email or account.paperless_email
        if email:
            targets.append(("email", email))
        for channel, to in targets:
            try:
                self._notifier.send(Notification(channel=channel, to=to, body=body,
                                                 subject=f"{self._city} {topic}",
                                                 account_id=account.id, kind=kind))
            except RecipientOptedOut:  # honoured, not a failure
                log.info("no %s text for account %s: the number opted out", kind, account.id)
            except Exception:  # a notice failing must not undo the change it announces
                log.exception("could not queue %s notice %s", channel, kind)

    def _audit(self, uow: UnitOfWork, actor: Actor, action: str, account_id: int | None, *,
               subject: str | None = None, detail: str = "") -> None:
        uow.audit.add(AuditEvent(at=self._clock.now(), action=action, actor=str(actor),
                                 channel=actor.channel, account_id=account_id,
                                 subject=subject, detail=detail))


def _account(uow: UnitOfWork, account_id: int, *, for_update: bool = False) -> Account:
    account = uow.accounts.get(account_id, for_update=for_update)
    if account is None:
        raise NotFound("We could not find that account.")
    return account


def _card_expired(method: PaymentMethod, on: date) -> bool:
    """A card is good through the last day of its expiry month."""
    if method.kind != MethodKind.CARD or not method.exp_year or not method.exp_month:
        return False
    return (method.exp_year, method.exp_month) < (on.year, on.month)


def _date_option(value: AutopayDateOption | str) -> AutopayDateOption:
    try:
        return AutopayDateOption(value)
    except ValueError:
        raise InvalidAutopayOption() from None


def _days_before(option: AutopayDateOption, days: int | None) -> int | None:
    if option != AutopayDateOption.DAYS_BEFORE:
        if days is not None:
            raise InvalidAutopayOption("A number of days before the due date only goes with "
                                       "the days-before option.")
        return None
    if (isinstance(days, bool) or not isinstance(days, int)
            or not MIN_DAYS_BEFORE <= days <= MAX_DAYS_BEFORE):
        raise InvalidAutopayOption(f"Please choose {MIN_DAYS_BEFORE} to {MAX_DAYS_BEFORE} days "
                                   "before the due date.")
    return days


def _threshold(threshold: Money | None) -> Money | None:
    if threshold is None:
        return None
    if not isinstance(threshold, Money) or not threshold.is_positive():
        raise InvalidAmount("The autopay limit must be an amount more than zero, "
                            "for example 150.00.")
    return threshold


def _decision(uow: UnitOfWork, account_id: int, bill_number: str) -> AuditEvent | None:
    return next((e for e in uow.audit.for_account(account_id, limit=_AUDIT_LOOKBACK)
                 if e.subject == bill_number and e.action in _DECISIONS), None)


def _replayed(event: AuditEvent, bill_number: str) -> AutopayOutcome:
    if event.action == "autopay.threshold_exceeded":
        return AutopayOutcome(AutopayResult.NEEDS_AUTHORIZATION, bill_number,
                              detail=event.detail, replayed=True)
    reason = event.detail.removeprefix("reason=").split(";", 1)[0]
    return AutopayOutcome(AutopayResult.SKIPPED, bill_number, reason=reason,
                          detail=event.detail, replayed=True)


def _short_date(value: date | datetime) -> str:
    return value.strftime("%m/%d/%Y")
