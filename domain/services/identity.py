"""Identification and verification of a resident, with lock-out and throttling.

Rules (docs/architecture.md §4, seed FAQ, README "Security"):
- account number + one factor (service street number, or last 4 of the holder's SSN/Tax ID),
  or Munis customer ID + the number of one of the customer's bills;
- nothing tells a real account from an unknown number: the same messages, the same count of
  failures before "locked" (3, across every channel and session, for an unknown number too),
  the same work (one PBKDF2 per SSN check whether or not an account exists);
- a locked account answers the right and a wrong factor alike ("locked"), and every attempt
  on it is still counted and audited;
- caller ID / SMS sender is a hint, never a factor: an account found from the caller ID is
  verified only with the holder's SSN/Tax ID last 4 (a street number is public), and nothing
  about the accounts is said before that proof;
- a per-session / per-caller throttle against spraying many accounts; phone calls without
  caller ID share one bucket, so a new anonymous call is not a fresh budget;
- the tried reference is stored as a keyed hash, never as the digits typed.
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
from domain.hashing import reference_digest, verify_last4
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

# The throttle bucket every phone request without a usable caller ID shares.
WITHHELD_CALLER = "withheld"
_PHONE_CHANNELS = frozenset({Channel.VOICE, Channel.SMS})
# Accounts a caller ID can reach (a landlord's phone has several); more are typed in.
MAX_CALLER_ACCOUNTS = 3
# What a reference names, so an account number and a customer ID with the same digits
# (or a phone number) are counted apart.
_ACCOUNT_REF = "account"
_CUSTOMER_REF = "customer"
_PHONE_REF = "phone"


@dataclass(frozen=True)
class Requester:
    """Who is trying: the channel, its session (CallSid, chat sender id...) and caller ID."""

    channel: Channel
    session_key: str
    caller: str | None = None  # E.164; a hint for throttling and offers, never a factor

    @property
    def throttle_caller(self) -> str | None:
        """The caller the throttle counts: the caller ID, or on the phone channels, when it is
        withheld or unusable, the one bucket all such callers share."""
        if self.caller:
            return self.caller
        return WITHHELD_CALLER if self.channel in _PHONE_CHANNELS else None


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

        def find(uow: UnitOfWork) -> list[Account]:
            # General-billing (Munis) accounts are identified by customer ID + bill number
            # only; to this path they do not exist.
            account = uow.accounts.by_number(number, for_update=True)
            return [account] if account is not None and account.kind == AccountKind.UTILITY else []

        def check(account: Account | None) -> bool:
            if kind == FactorKind.STREET_NUMBER:
                on_file = ((account.service_street_number or "").upper().lstrip("0") or None
                           if account is not None else None)
                return on_file == given
            return _ssn_matches(given, account)

        (verified,) = self._verify(self._ref(_ACCOUNT_REF, number), kind, requester, find,
                                   check)
        return verified

    def verify_general_billing(self, customer_number: str, bill_number: str,
                               requester: Requester) -> VerifiedAccount:
        """Munis Citizen Self Service: customer ID + one of the customer's bill numbers."""
        customer = normalize_account_number(customer_number)
        bill = normalize_bill_number(bill_number)

        def find(uow: UnitOfWork) -> list[Account]:
            # The lock-out counts against the customer's account even when the bill number is
            # wrong, so look the account up by customer first, then check the bill.
            accounts = uow.accounts.by_customer(customer, kind=AccountKind.GENERAL,
                                                for_update=True)
            return accounts[:1]

        def check(account: Account | None) -> bool:
            bills = account.bills if account is not None else []
            return any(b.bill_number.upper() == bill for b in bills)

        (verified,) = self._verify(self._ref(_CUSTOMER_REF, customer), FactorKind.BILL_NUMBER,
                                   requester, find, check)
        return verified

    def can_verify_by_caller(self, caller: str | None) -> bool:
        """Whether to offer verification by the phone the requester calls from: some open
        utility account has it on file. Which accounts, and how many, stay unsaid until the
        SSN/Tax ID last 4 proves who is calling (verify_by_caller)."""
        if not caller:
            return False
        with self._uow() as uow:
            return bool(_caller_accounts(uow, caller))

    def verify_by_caller(self, ssn_last4: str, requester: Requester) -> list[VerifiedAccount]:
        """The accounts with the caller's phone on file whose holder has this SSN/Tax ID last
        4 (one, or several of one holder, e.g. a landlord's). Only this factor: a street
        number is public, and a spoofed caller ID must not make verifying easier than typing
        the account number. A wrong answer is a failure on each account it was tried on."""
        given = _normalize_last4(ssn_last4)
        caller = requester.caller
        if not caller:
            raise InvalidInput("Please enter your account number.")

        def find(uow: UnitOfWork) -> list[Account]:
            found = [uow.accounts.get(a.id, for_update=True)  # type: ignore[arg-type]
                     for a in _caller_accounts(uow, caller)]
            return [a for a in found if a is not None and not a.is_locked]

        return self._verify(self._ref(_PHONE_REF, caller), FactorKind.SSN_LAST4, requester,
                            find, lambda account: _ssn_matches(given, account),
                            slots=MAX_CALLER_ACCOUNTS, how="by caller ID")

    # --- the one verification procedure every identification shares -------------------
    def _verify(self, account_ref: str, factor: FactorKind, requester: Requester,
                find: Callable[[UnitOfWork], list[Account]],
                check: Callable[[Account | None], bool], slots: int = 1,
                how: str = "") -> list[VerifiedAccount]:
        """Check the factor against the accounts `find` returns (at most `slots`); success
        for those it matches that are not locked, else one failure on each (or on the
        reference, when there is no account). `how` is told to the audit trail."""
        now = self._clock.now()
        with self._uow() as uow:
            self._check_throttle(uow, now, requester)
            candidates = find(uow)[:slots]
            answers = [check(account) for account in candidates]
            # The same work whether or not (and how many) accounts exist: a check per slot,
            # against nothing where there is no account.
            for _ in range(slots - len(candidates)):
                check(None)
            matched = [a for a, ok in zip(candidates, answers, strict=True)
                       if ok and not a.is_locked]
            named = matched or candidates
            uow.attempts.add(VerificationAttempt(
                at=now, channel=requester.channel, session_key=requester.session_key,
                caller=requester.throttle_caller, account_ref=account_ref,
                succeeded=bool(matched), account_id=named[0].id if len(named) == 1 else None))

            if matched:
                for account in matched:
                    account.register_successful_verification()
                uow.commit()
                return [VerifiedAccount(
                    account_id=account.id, account_number=account.account_number,  # type: ignore[arg-type]
                    kind=account.kind, customer_name=account.customer.name,
                    language=account.customer.language, factor=factor, verified_at=now,
                    channel=requester.channel) for account in matched]

            locked = self._count_failure(uow, now, account_ref, f"{factor.value} {how}".strip(),
                                         requester, candidates)
            uow.commit()
        # Locked says so whatever the answer was, right or wrong: the lock-out is not an
        # oracle. (The third failure already said "locked", so this tells a guesser nothing.)
        raise AccountLocked() if locked else VerificationFailed()

    def _count_failure(self, uow: UnitOfWork, now: datetime, account_ref: str, factor: str,
                       requester: Requester, candidates: list[Account]) -> bool:
        """Count a failure where the rule says; True if the reference is (now) locked."""
        actor = f"resident:{requester.session_key}"
        limit = self._policy.max_account_failures
        if not candidates:
            # A number no account has locks like a real one: counted globally, never expiring
            # (no agent unlocks an account that does not exist, and none needs to: a resident
            # who mistyped tries their real number, which is a different reference).
            failures = uow.attempts.count_unknown_failure(account_ref, now)
            uow.audit.add(AuditEvent(
                at=now, action="verification.failed", actor=actor, channel=requester.channel,
                detail=f"factor={factor} failures={failures} on no account"))
            return failures >= limit
        for account in candidates:
            was_locked = account.is_locked
            locked_now = account.register_failed_verification(now, limit)
            uow.audit.add(AuditEvent(
                at=now, action="verification.failed", actor=actor, channel=requester.channel,
                account_id=account.id,
                detail=(f"factor={factor} failures={account.failed_verifications}"
                        + (" while locked" if was_locked else ""))))
            if locked_now:
                uow.audit.add(AuditEvent(
                    at=now, action="account.locked", actor="system:lockout",
                    channel=requester.channel, account_id=account.id,
                    detail=account.lock_reason or ""))
        return all(account.is_locked for account in candidates)

    def _check_throttle(self, uow: UnitOfWork, now: datetime, requester: Requester) -> None:
        policy = self._policy
        since = now - timedelta(minutes=policy.requester_window_minutes)
        caller = requester.throttle_caller
        if caller == WITHHELD_CALLER:
            # The session keeps its own limit; the shared bucket has a roomier one over a
            # shorter window (VerificationPolicy).
            shared_since = now - timedelta(minutes=policy.withheld_window_minutes)
            throttled = (uow.attempts.failures_since(since, session_key=requester.session_key)
                         >= policy.max_requester_failures
                         or uow.attempts.failures_since(shared_since, caller=caller)
                         >= policy.max_withheld_failures)
        else:
            throttled = (uow.attempts.failures_since(since, session_key=requester.session_key,
                                                     caller=caller)
                         >= policy.max_requester_failures)
        if throttled:
            raise TooManyAttempts()

    def _ref(self, kind: str, number: str) -> str:
        return reference_digest(self._policy.reference_key, kind, number)


def _ssn_matches(given: str, account: Account | None) -> bool:
    """One PBKDF2 whether or not there is an account (or an SSN on file) to check against."""
    customer = account.customer if account is not None else None
    if customer is None:
        return verify_last4(given, None, None)
    return verify_last4(given, customer.ssn_last4_salt, customer.ssn_last4_hash)


def _caller_accounts(uow: UnitOfWork, caller: str) -> list[Account]:
    """The open utility accounts with this phone on file, oldest first, as many as a caller ID
    may reach."""
    accounts = [a for a in uow.accounts.by_phone(caller)
                if a.kind == AccountKind.UTILITY and not a.is_locked]
    return accounts[:MAX_CALLER_ACCOUNTS]
