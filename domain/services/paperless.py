"""Paperless billing: enroll (verified account + valid email) stops paper bills; unenroll
restores them. Both are confirmed to the resident. Scheduled payments are not touched either
way (seed FAQ: "Scheduled payments ... will still be processed")."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from domain.errors import (
    AccountLocked,
    CardNumberInEmail,
    InvalidEmail,
    NotFound,
    RecipientOptedOut,
)
from domain.model import Account, Actor, AuditEvent
from domain.notifications import language_of, render
from domain.phone import mask_phone, normalize_phone
from domain.ports import Clock, Notification, Notifier, UnitOfWork
from domain.redaction import contains_card_number

log = logging.getLogger(__name__)
MAX_EMAIL_LENGTH = 254


def normalize_email(text: str) -> str:
    """A syntactically valid address (no DNS lookups: the city may be offline), normalized.
    One with a card number in it is refused (CardNumberInEmail), never saved redacted."""
    candidate = (text or "").strip()
    if not candidate or len(candidate) > MAX_EMAIL_LENGTH:
        raise InvalidEmail()
    if contains_card_number(candidate):
        raise CardNumberInEmail()
    try:
        return validate_email(candidate, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidEmail() from exc


def mask_email(email: str) -> str:
    """'maria.lopez@example.com' -> 'm***z@example.com' (safe to say or show)."""
    local, _, domain = (email or "").partition("@")
    if not domain:
        return "***"
    shown = local[0] + "***" + (local[-1] if len(local) > 1 else "")
    return f"{shown}@{domain}"


@dataclass(frozen=True)
class PaperlessStatus:
    enrolled: bool
    email: str | None  # the address bills go to, when enrolled
    email_on_file: str | None  # the customer's email, offered for enrollment

    @property
    def masked_email(self) -> str | None:
        return mask_email(self.email) if self.email else None


class PaperlessService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, notifier: Notifier,
                 city_name: str = "City of Riverton") -> None:
        self._uow = uow
        self._clock = clock
        self._notifier = notifier
        self._city = city_name.removeprefix("the ")

    def status(self, account_id: int) -> PaperlessStatus:
        with self._uow() as uow:
            account = _account(uow, account_id)
            return PaperlessStatus(account.paperless, account.paperless_email,
                                   account.customer.email)

    def enroll(self, account_id: int, email: str, actor: Actor) -> PaperlessStatus:
        address = normalize_email(email)
        now = self._clock.now()
        with self._uow() as uow:
            account = _account(uow, account_id, for_update=True)
            if actor.is_resident and account.is_locked:
                raise AccountLocked()
            if account.paperless and account.paperless_email == address:
                return PaperlessStatus(True, address, account.customer.email)  # already done
            account.paperless = True
            account.paperless_email = address
            account.paperless_since = now
            if not account.customer.email:
                account.customer.email = address
            uow.audit.add(AuditEvent(at=now, action="paperless.enrolled", actor=str(actor),
                                     channel=actor.channel, account_id=account.id,
                                     detail=f"email={mask_email(address)}"))
            uow.commit()
        self._confirm(account, "paperless.enrolled", address)
        return PaperlessStatus(True, address, account.customer.email)

    def unenroll(self, account_id: int, actor: Actor) -> PaperlessStatus:
        now = self._clock.now()
        with self._uow() as uow:
            account = _account(uow, account_id, for_update=True)
            if actor.is_resident and account.is_locked:
                raise AccountLocked()
            if not account.paperless:
                return PaperlessStatus(False, None, account.customer.email)  # already paper
            previous = account.paperless_email
            account.paperless = False
            account.paperless_email = None
            account.paperless_since = None
            uow.audit.add(AuditEvent(at=now, action="paperless.unenrolled", actor=str(actor),
                                     channel=actor.channel, account_id=account.id))
            uow.commit()
        self._confirm(account, "paperless.unenrolled", previous)
        return PaperlessStatus(False, None, account.customer.email)

    def text_enrollment_link(self, account_id: int, phone: str, url: str, minutes: int,
                             actor: Actor, language: str = "en") -> None:
        """Text a one-time link to finish enrollment on the web, for a resident with no
        email on file (an email address is not something to spell out on a keypad)."""
        to = normalize_phone(phone)
        with self._uow() as uow:
            account = _account(uow, account_id)
            if actor.is_resident and account.is_locked:
                raise AccountLocked()
            uow.audit.add(AuditEvent(at=self._clock.now(), action="paperless.link_sent",
                                     actor=str(actor), channel=actor.channel,
                                     account_id=account_id, detail=f"to={mask_phone(to)}"))
            uow.commit()
        body = render("paperless.link", "es" if language.startswith("es") else "en",
                      city=self._city, url=url, minutes=str(minutes))
        self._notifier.send(Notification(channel="sms", to=to, body=body,
                                         subject=f"{self._city} paperless billing",
                                         account_id=account_id, kind="paperless.link"))

    def _confirm(self, account: Account, kind: str, email: str | None) -> None:
        customer = account.customer
        body = render(kind, language_of(customer), city=self._city, email=email or "")
        targets = [("email", email)] if email else []
        if customer.phones:
            targets.append(("sms", customer.phones[0].number))
        for channel, to in targets:
            try:
                self._notifier.send(Notification(channel=channel, to=to, body=body,
                                                 subject=f"{self._city} paperless billing",
                                                 account_id=account.id, kind=kind))
            except RecipientOptedOut:  # honoured, not a failure
                log.info("no %s text for account %s: the number opted out", kind, account.id)
            except Exception:  # a confirmation failing must not undo the change
                log.exception("could not queue %s paperless confirmation", channel)


def _account(uow: UnitOfWork, account_id: int, *, for_update: bool = False) -> Account:
    account = uow.accounts.get(account_id, for_update=for_update)
    if account is None:
        raise NotFound("We could not find that account.")
    return account
