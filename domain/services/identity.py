"""Identification and verification of a resident, with lock-out and throttling.

Rules (DESIGN §4, seed FAQ):
- account number + one factor (service street number, or last 4 of the holder's SSN/Tax ID),
  or Munis customer ID + the number of one of the customer's bills;
- the same generic failure for "no such account" and "wrong factor";
- 3 failures on an account, counted across every channel, lock it for self-service until a
  311 agent unlocks it;
- a per-session / per-caller throttle against spraying many accounts;
- caller ID / SMS sender is a hint only, never a factor.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.config import VerificationPolicy
from domain.errors import (
    AccountLocked,
    CardNumberNotAccepted,
    InvalidInput,
    TooManyAttempts,
    VerificationFailed,
)
from domain.hashing import verify_last4
from domain.model import (
    Account,
    AccountKind,
    AuditEvent,
    Channel,
    FactorKind,
    VerificationAttempt,
    mask,
)
from domain.ports import Clock, UnitOfWork
from domain.redaction import contains_card_number

_DIGITS = re.compile(r"^[0-9]+$")
_SEPARATORS = re.compile(r"[\s\-.#]")
_STREET_NUMBER = re.compile(r"^[0-9]{1,6}[A-Z]?$")
_BILL_NUMBER = re.compile(r"^[A-Z0-9]{1,20}$")
MAX_NUMBER_LENGTH = 20
CARD_NOT_ACCOUNT = ("That looks like a card number, not an account number, so it was not used "
                    "or kept. Please never give card numbers here. Your account number is "
                    "printed on your bill.")
CARD_NOT_BILL = ("That looks like a card number, not a bill number, so it was not used or "
                 "kept. Please never give card numbers here. The bill number is printed on "
                 "your bill.")


@dataclass(frozen=True)
class Requester:
    """Who is trying: the channel, its session (CallSid, chat sender id...) and caller ID."""

    channel: Channel
    session_key: str
    caller: str | None = None  # E.164; a hint for throttling and offers, never a factor


@dataclass(frozen=True)
class VerifiedAccount:
    """Proof, for one conversation, that the requester passed verification for an account."""

    account_id: int
    account_number: str
    kind: AccountKind
    customer_name: str
    language: str
    factor: FactorKind
    verified_at: datetime
    channel: Channel

    @property
    def masked_number(self) -> str:
        return mask(self.account_number)


@dataclass(frozen=True)
class AccountHint:
    """An account whose phone on file matches the caller ID: offered, never trusted."""

    account_number: str
    masked_number: str
    last4: str


def normalize_account_number(text: str) -> str:
    """Digits as printed on the bill, separators removed, leading zeros kept (also for a
    customer ID). A card number in any spelling is refused with its own error, so no channel
    can record it as an attempt or keep it in its state."""
    if contains_card_number(text or ""):
        raise CardNumberNotAccepted(CARD_NOT_ACCOUNT)
    cleaned = _SEPARATORS.sub("", text or "")
    if not cleaned or len(cleaned) > MAX_NUMBER_LENGTH or not _DIGITS.match(cleaned):
        raise InvalidInput("An account number has only digits. Please check your bill.")
    return cleaned


def _normalize_street_number(text: str) -> str:
    cleaned = _SEPARATORS.sub("", text or "").upper()
    if not _STREET_NUMBER.match(cleaned):
        raise InvalidInput("Please give the house number of the service address, like 1234.")
    return cleaned.lstrip("0") or "0"


def _normalize_last4(text: str) -> str:
    cleaned = _SEPARATORS.sub("", text or "")
    if len(cleaned) != 4 or not _DIGITS.match(cleaned):
        raise InvalidInput("Please give exactly the last 4 digits.")
    return cleaned


def normalize_bill_number(text: str) -> str:
    if contains_card_number(text or ""):
        raise CardNumberNotAccepted(CARD_NOT_BILL)
    cleaned = _SEPARATORS.sub("", text or "").upper()
    if not _BILL_NUMBER.match(cleaned) or not cleaned.isascii():
        raise InvalidInput("A bill number has only letters and digits. Please check your bill.")
    return cleaned


class IdentityService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock,
                 policy: VerificationPolicy | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._policy = policy or VerificationPolicy()

    # --- public use cases -----------------------------------------------------------
    def verify_account(self, account_number: str, factor_kind: FactorKind | str, factor: str,
                       requester: Requester) -> VerifiedAccount:
        """Account number + street number or SSN/Tax ID last 4. Malformed input raises
        InvalidInput and counts nothing; a well-formed wrong answer counts a failure."""
        number = normalize_account_number(account_number)
        kind = FactorKind(factor_kind)
        if kind == FactorKind.STREET_NUMBER:
            given = _normalize_street_number(factor)
        elif kind == FactorKind.SSN_LAST4:
            given = _normalize_last4(factor)
        else:
            raise InvalidInput("Use the customer ID and bill number together.")

        def find(uow: UnitOfWork) -> Account | None:
            # General-billing (Munis) accounts are identified by customer ID + bill number
            # only; to this path they do not exist.
            account = uow.accounts.by_number(number, for_update=True)
            return account if account is not None and account.kind == AccountKind.UTILITY else None

        def check(account: Account) -> bool:
            if kind == FactorKind.STREET_NUMBER:
                on_file = (account.service_street_number or "").upper().lstrip("0") or None
                return on_file == given
            customer = account.customer
            return verify_last4(given, customer.ssn_last4_salt, customer.ssn_last4_hash)

        return self._verify(number, kind, requester, find, check)

    def verify_general_billing(self, customer_number: str, bill_number: str,
                               requester: Requester) -> VerifiedAccount:
        """Munis Citizen Self Service: customer ID + one of the customer's bill numbers."""
        customer = normalize_account_number(customer_number)
        bill = normalize_bill_number(bill_number)

        def find(uow: UnitOfWork) -> Account | None:
            # The lock-out counts against the customer's account even when the bill number is
            # wrong, so look the account up by customer first, then check the bill.
            accounts = uow.accounts.by_customer(customer, kind=AccountKind.GENERAL,
                                                for_update=True)
            return accounts[0] if accounts else None

        def check(account: Account) -> bool:
            return any(b.bill_number.upper() == bill for b in account.bills)

        return self._verify(customer, FactorKind.BILL_NUMBER, requester, find, check)

    def accounts_for_caller(self, caller: str) -> list[AccountHint]:
        """Accounts with this phone on file, to offer "the account ending in 1234"."""
        with self._uow() as uow:
            accounts = uow.accounts.by_phone(caller)
            return [AccountHint(a.account_number, a.masked_number(), a.account_number[-4:])
                    for a in accounts if not a.is_locked]

    # --- the one verification procedure both identifications share --------------------
    def _verify(self, account_ref: str, factor: FactorKind, requester: Requester,
                find: Callable[[UnitOfWork], Account | None],
                check: Callable[[Account], bool]) -> VerifiedAccount:
        now = self._clock.now()
        with self._uow() as uow:
            self._check_throttle(uow, now, requester)
            earlier_failures_on_ref = uow.attempts.failures_since(
                now - timedelta(days=1), session_key=requester.session_key,
                caller=requester.caller, account_ref=account_ref)
            account = find(uow)
            matched = account is not None and check(account)
            uow.attempts.add(VerificationAttempt(
                at=now, channel=requester.channel, session_key=requester.session_key,
                caller=requester.caller, account_ref=account_ref,
                succeeded=matched and account is not None and not account.is_locked,
                account_id=account.id if account else None))

            if account is not None and matched and not account.is_locked:
                account.register_successful_verification()
                uow.commit()
                return VerifiedAccount(
                    account_id=account.id, account_number=account.account_number,  # type: ignore[arg-type]
                    kind=account.kind, customer_name=account.customer.name,
                    language=account.customer.language, factor=factor, verified_at=now,
                    channel=requester.channel)

            error: Exception
            if account is not None and account.is_locked:
                # Only the right answer learns the account is locked: a guesser keeps seeing
                # the generic failure.
                error = AccountLocked() if matched else VerificationFailed()
            elif account is not None:
                locked_now = account.register_failed_verification(
                    now, self._policy.max_account_failures)
                uow.audit.add(AuditEvent(
                    at=now, action="verification.failed", actor=f"resident:{requester.session_key}",
                    channel=requester.channel, account_id=account.id,
                    detail=f"factor={factor.value} failures={account.failed_verifications}"))
                if locked_now:
                    uow.audit.add(AuditEvent(
                        at=now, action="account.locked", actor="system:lockout",
                        channel=requester.channel, account_id=account.id,
                        detail=account.lock_reason or ""))
                error = AccountLocked() if locked_now else VerificationFailed()
            else:
                # Unknown account: behave exactly like a real one, including "locked" on the
                # same attempt a real account would lock, so nothing can be enumerated.
                tried = earlier_failures_on_ref + 1
                error = (AccountLocked() if tried >= self._policy.max_account_failures
                         else VerificationFailed())
            uow.commit()
        raise error

    def _check_throttle(self, uow: UnitOfWork, now: datetime, requester: Requester) -> None:
        since = now - timedelta(minutes=self._policy.requester_window_minutes)
        failures = uow.attempts.failures_since(since, session_key=requester.session_key,
                                               caller=requester.caller)
        if failures >= self._policy.max_requester_failures:
            raise TooManyAttempts()
