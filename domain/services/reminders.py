"""Reminders before scheduled payments: one per payment, at most once, in the resident's language.

A payment due within `days_before` days of the city's today (today included) whose reminder
has not gone out gets one: by SMS to the customer's first phone and by email when one is on
file. Payments whose date has already passed are the runner's business, not ours.

Exactly once, even with several processes running reminders at the same time: each payment is
claimed in its own short transaction under the account row lock, then the payment row lock
(the project's one lock order, shared with payments and the runner, so no deadlock), where its
status and `reminder_sent_at` are checked again, the claim is recorded and audited, and only
after the commit is anything sent. A send that fails is logged and not retried: a resident may
miss a reminder, but never gets two.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from domain.errors import RecipientOptedOut
from domain.model import Account, Actor, AuditEvent, Payment, PaymentStatus
from domain.notifications import language_of, payment_text, render
from domain.ports import Clock, ConcurrencyConflict, Notification, Notifier, UnitOfWork

log = logging.getLogger(__name__)

ACTOR = Actor.system("reminders")
AUDIT_ACTION = "payment.reminder_sent"
NOTIFICATION_KIND = "payment.reminder"
MAX_LIMIT = 100_000
_RETRIES = 3


@dataclass(frozen=True)
class ReminderRun:
    """What one run did. `sent` and `failed` reminders are both recorded (never sent again);
    `failed` ones had at least one message the notifier refused (a text to a number that opted
    out is not a failure: it is never sent, by design). `skipped` payments were not
    reminded: cancelled, submitted or reminded by someone else meanwhile, or no phone or email
    on file."""

    sent: int = 0
    skipped: int = 0
    failed: int = 0


class ReminderService:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], clock: Clock, notifier: Notifier,
                 days_before: int = 3, city_name: str = "City of Riverton") -> None:
        if isinstance(days_before, bool) or not isinstance(days_before, int) or days_before < 0:
            raise ValueError(f"days_before must be a whole number of days >= 0, "
                             f"not {days_before!r}")
        self._uow = uow_factory
        self._clock = clock
        self._notifier = notifier
        self._days_before = days_before
        self._city = city_name.removeprefix("the ")

    def send_due_reminders(self, limit: int = 1000) -> ReminderRun:
        """Remind every scheduled payment due from today to today + days_before (at most
        `limit` of them per run)."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
        today = self._clock.today()
        last_day = today + timedelta(days=self._days_before)
        with self._uow() as uow:
            # Ids only: each payment is read again, locked, in its own transaction below.
            candidates = [(p.id, p.account_id, p.confirmation_number)
                          for p in uow.payments.needing_reminder(today, last_day, limit)
                          if p.id is not None]
        sent = skipped = failed = 0
        for payment_id, account_id, confirmation in candidates:
            messages = self._claim(payment_id, account_id, confirmation, today, last_day)
            if messages is None:
                skipped += 1
            elif self._deliver(confirmation, messages):
                sent += 1
            else:
                failed += 1
        if candidates:
            log.info("reminders: %d sent, %d failed, %d skipped", sent, failed, skipped)
        return ReminderRun(sent=sent, skipped=skipped, failed=failed)

    # --- internals --------------------------------------------------------------------
    def _claim(self, payment_id: int, account_id: int, confirmation: str, today: date,
               last_day: date) -> list[Notification] | None:
        """Record the reminder; the messages to send, or None when it is not (or no longer)
        ours to send."""
        for _ in range(_RETRIES):
            try:
                return self._claim_once(payment_id, account_id, today, last_day)
            except ConcurrencyConflict:
                continue  # another process touched the payment: re-read and re-check
        log.warning("reminder for payment %s skipped: kept losing races for it", confirmation)
        return None

    def _claim_once(self, payment_id: int, account_id: int, today: date,
                    last_day: date) -> list[Notification] | None:
        now = self._clock.now()
        with self._uow() as uow:
            account = uow.accounts.get(account_id, for_update=True)
            if account is None:
                return None
            payment = uow.payments.get(payment_id, for_update=True)
            # Everything checked again under the locks: the runner may have submitted it, the
            # resident cancelled it, or another reminder process claimed it meanwhile.
            if (payment is None or payment.account_id != account_id
                    or payment.status != PaymentStatus.SCHEDULED
                    or payment.reminder_sent_at is not None
                    or not today <= payment.scheduled_for <= last_day):
                return None
            messages = self._messages(account, payment)
            if not messages:
                # Nothing to send it to: left unmarked so a phone or email added later counts.
                return None
            payment.reminder_sent_at = now
            uow.audit.add(AuditEvent(
                at=now, action=AUDIT_ACTION, actor=str(ACTOR), channel=ACTOR.channel,
                account_id=account_id, subject=payment.confirmation_number,
                detail=(f"scheduled_for={payment.scheduled_for.isoformat()} "
                        f"by={','.join(m.channel for m in messages)}")))
            uow.commit()
            return messages

    def _messages(self, account: Account, payment: Payment) -> list[Notification]:
        customer = account.customer
        language = language_of(customer)
        body = payment_text("reminder", payment, language, self._city)
        subject = render("reminder.subject", language, city=self._city,
                         conf=payment.confirmation_number)
        recipients: list[tuple[str, str]] = []
        if customer.phones:
            recipients.append(("sms", customer.phones[0].number))
        if customer.email:
            recipients.append(("email", customer.email))
        return [Notification(channel=channel, to=to, body=body, subject=subject,
                             account_id=account.id, kind=NOTIFICATION_KIND)
                for channel, to in recipients]

    def _deliver(self, confirmation: str, messages: list[Notification]) -> bool:
        delivered = True
        for message in messages:
            try:
                self._notifier.send(message)
            except RecipientOptedOut:  # honoured, not a failure: nobody is owed this text
                log.info("reminder for payment %s not texted: the number opted out",
                         confirmation)
            except Exception:  # recorded already: log it, never send it twice
                log.exception("reminder %s for payment %s could not be sent; not retried",
                              message.channel, confirmation)
                delivered = False
        return delivered
