"""The ports the domain needs from the outside world. Adapters live in domain/adapters/."""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Self

from domain.model import (
    Account,
    AccountKind,
    AchFile,
    Agent,
    AgentSession,
    AuditEvent,
    AutopayEnrollment,
    BankAccountType,
    Channel,
    Customer,
    Dispute,
    DisputeStatus,
    Handoff,
    IdempotencyRecord,
    MethodKind,
    OneTimeLink,
    Payment,
    PaymentStatus,
    Refund,
    SignInStep,
    VerificationAttempt,
)
from domain.money import Money

# --- clock ----------------------------------------------------------------------------


class Clock(abc.ABC):
    """'Now' and 'today' in the city's time zone; injectable so tests can freeze time."""

    tz: tzinfo

    @abc.abstractmethod
    def now(self) -> datetime:
        """An aware datetime in the city's time zone."""

    def today(self) -> date:
        return self.now().date()


# --- payment gateway -----------------------------------------------------------------


@dataclass(frozen=True)
class CardDetails:
    """Raw card data. Only ever handled by the processor side (sandbox / pay page form post);
    the domain never stores it and repr() never shows it."""

    number: str
    exp_month: int
    exp_year: int
    security_code: str
    postal_code: str = ""

    def __repr__(self) -> str:
        return "CardDetails(<redacted>)"


@dataclass(frozen=True)
class BankDetails:
    routing_number: str  # 9 digits, leading zeros kept
    account_number: str  # leading zeros kept
    account_type: BankAccountType
    holder_name: str = ""

    def __repr__(self) -> str:
        return f"BankDetails(<redacted>, {self.account_type})"


@dataclass(frozen=True)
class TokenizedMethod:
    """What comes back from the processor: safe to store."""

    kind: MethodKind
    token: str
    last4: str
    brand: str | None = None
    exp_month: int | None = None
    exp_year: int | None = None
    bank_account_type: BankAccountType | None = None

    def label(self) -> str:
        if self.kind == MethodKind.CARD:
            return f"{self.brand or 'card'} ending {self.last4}"
        return f"{self.bank_account_type or 'bank'} account ending {self.last4}"


@dataclass(frozen=True)
class ChargeResult:
    status: str  # "approved" | "declined" | "pending"
    reference: str | None = None
    decline_code: str | None = None  # e.g. "card_declined", "insufficient_funds"
    decline_reason: str | None = None  # human-readable, no digits

    @property
    def approved(self) -> bool:
        return self.status == "approved"


@dataclass(frozen=True)
class ProcessorCharge:
    """One charge as the processor holds it, for reconciling with the ledger: amounts, times
    and references only, never card or bank digits."""

    reference: str  # the processor's own id ("SBX-…" in the sandbox, "pi_…" at Stripe)
    payline_reference: str | None  # what Payline attached to it ("payline-<confirmation>")
    amount: Money
    status: str  # "approved" | "declined" | "pending", as in ChargeResult
    created_at: datetime  # aware
    decline_code: str | None = None

    @property
    def approved(self) -> bool:
        return self.status == "approved"


@dataclass(frozen=True)
class RefundResult:
    status: str  # "succeeded" | "pending" | "failed"
    reference: str | None = None  # the processor's refund id (Stripe "re_…")
    failure_reason: str | None = None  # human-readable, no digits

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


@dataclass(frozen=True)
class ProcessorRefund:
    """One refund as the processor holds it, for reconciliation."""

    reference: str  # the refund's id ("re_…")
    charge_reference: str  # the charge it gives money back on (a ProcessorCharge.reference)
    amount: Money
    status: str  # "succeeded" | "pending" | "failed"
    created_at: datetime  # aware
    payline_reference: str | None = None  # the idempotency key Payline asked with, if known


@dataclass(frozen=True)
class ProcessorDispute:
    """One chargeback as the processor holds it, for reconciliation."""

    reference: str  # "dp_…"
    charge_reference: str  # the charge disputed (a ProcessorCharge.reference)
    amount: Money
    status: str  # "open" | "won" | "lost" (Stripe's statuses, folded)
    reason: str
    created_at: datetime  # aware


@dataclass(frozen=True)
class ProcessorCustomer:
    """Who a saved method belongs to, as the processor needs to know it (Stripe Customer)."""

    customer_number: str  # Payline's (Munis) customer ID
    name: str
    email: str | None = None
    processor_id: str | None = None  # the processor's id, once it has one ("cus_…")


@dataclass(frozen=True)
class SavedAtProcessor:
    method: TokenizedMethod  # what is safe to store about it
    processor_customer_id: str | None  # keep on the Customer (None: the processor has none)


class ProcessorUnavailable(ConnectionError):
    """The processor could not be reached, did not answer in time or was overloaded: the
    outcome of the request is unknown. Deliberately not a DomainError: a payment being charged
    stays pending (PaymentService.pay_now), and the runner's retry with the same idempotency
    key finds whatever the processor did, so nothing is charged twice."""


class PaymentGateway(abc.ABC):
    """The payment processor. Its `charge` is idempotent per idempotency_key, and the key is
    also Payline's reference on the charge (Stripe: the PaymentIntent's idempotency key and
    its metadata `payline_reference`). A charge the processor makes by itself (voice <Pay>
    through the pay connector) carries the same reference as the <Pay> parameter
    `payline_reference`, so every charge can be found again by what Payline calls it."""

    @abc.abstractmethod
    def tokenize_card(self, card: CardDetails) -> TokenizedMethod: ...

    @abc.abstractmethod
    def tokenize_bank(self, bank: BankDetails) -> TokenizedMethod: ...

    @abc.abstractmethod
    def charge(self, token: str, amount: Money, idempotency_key: str,
               description: str = "") -> ChargeResult: ...

    @abc.abstractmethod
    def find_charge(self, payline_reference: str) -> ChargeResult | None:
        """The processor's charge carrying this Payline reference: the approved one if there
        is one, else the latest attempt; None when the processor holds no charge with it.
        (Stripe: search PaymentIntents by metadata['payline_reference']; its search lags by
        up to a minute, far less than the time Payline waits before asking.)"""

    @abc.abstractmethod
    def charges_between(self, start: datetime, end: datetime) -> Iterator[ProcessorCharge]:
        """Every charge the processor created in [start, end), oldest first, whoever asked
        for it. (Stripe: PaymentIntents listed with created[gte]/created[lt], paginated.)"""

    def token_details(self, token: str) -> TokenizedMethod | None:
        """What the processor knows about a token it issued (last 4, brand, expiry, account
        type), or None if it does not know it. Channels that tokenize through the processor
        directly (voice <Pay>) read the method from here instead of trusting the request."""
        return None

    @abc.abstractmethod
    def save_for_customer(self, token: str, customer: ProcessorCustomer) -> SavedAtProcessor:
        """Keep a tokenized method for later, off-session charges (Stripe: attach the
        PaymentMethod to the customer's Stripe Customer, made on first use). Raises
        domain.errors.InvalidPaymentMethod for a token the processor does not know or
        refuses to keep (a card declined on attach)."""

    @abc.abstractmethod
    def refund(self, charge_reference: str, amount: Money,
               idempotency_key: str) -> RefundResult:
        """Give back `amount` of an approved charge (its processor reference). Idempotent per
        key, like charge. A refund the processor refuses (more than is left, a failed
        charge) is a "failed" RefundResult with the reason; an unreachable processor raises."""

    @abc.abstractmethod
    def refunds_between(self, start: datetime, end: datetime) -> Iterator[ProcessorRefund]:
        """Every refund the processor created in [start, end), oldest first."""

    @abc.abstractmethod
    def disputes_between(self, start: datetime, end: datetime) -> Iterator[ProcessorDispute]:
        """Every dispute opened in [start, end), oldest first, with its current status."""


class BankAccountVault(abc.ABC):
    """Where tokenized bank accounts can be revealed again, for the ACH file only."""

    @abc.abstractmethod
    def reveal_bank_account(self, token: str) -> BankDetails:
        """Raises domain.errors.InvalidPaymentMethod for an unknown or non-bank token."""


# --- notifier ------------------------------------------------------------------------


@dataclass(frozen=True)
class Notification:
    channel: str  # "sms" | "email"
    to: str  # E.164 number or email address
    body: str
    subject: str = ""
    account_id: int | None = None
    kind: str = ""  # e.g. "receipt", "paperless.enrolled"


class Notifier(abc.ABC):
    @abc.abstractmethod
    def send(self, notification: Notification) -> None: ...


# --- repositories and unit of work ---------------------------------------------------


class AccountRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, account: Account) -> None: ...

    @abc.abstractmethod
    def add_customer(self, customer: Customer) -> None: ...

    @abc.abstractmethod
    def get(self, account_id: int, *, for_update: bool = False,
            skip_locked: bool = False) -> Account | None:
        """With skip_locked (and for_update), None when another transaction holds the row:
        several runners then share the work instead of queueing behind each other."""

    @abc.abstractmethod
    def by_number(self, account_number: str, *, for_update: bool = False) -> Account | None: ...

    @abc.abstractmethod
    def general_account_for_bill(self, customer_number: str, bill_number: str,
                                 *, for_update: bool = False) -> Account | None:
        """The general-billing account of that customer, if it has a bill with that number."""

    @abc.abstractmethod
    def by_customer(self, customer_number: str, *, kind: AccountKind | None = None,
                    for_update: bool = False) -> list[Account]:
        """The accounts of the customer with that Munis customer ID."""

    @abc.abstractmethod
    def by_phone(self, e164: str) -> list[Account]: ...

    @abc.abstractmethod
    def customer_by_number(self, customer_number: str) -> Customer | None: ...

    @abc.abstractmethod
    def by_name_and_address(self, name: str, address: str, limit: int = 20) -> list[Account]:
        """Accounts whose holder's name contains every word of `name` and whose service or
        mailing address contains every word of `address` (case-insensitive), oldest first."""


class PaymentRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, payment: Payment) -> None: ...

    @abc.abstractmethod
    def get(self, payment_id: int, *, for_update: bool = False) -> Payment | None: ...

    @abc.abstractmethod
    def by_confirmation(self, confirmation_number: str) -> Payment | None: ...

    @abc.abstractmethod
    def confirmation_exists(self, confirmation_number: str) -> bool: ...

    @abc.abstractmethod
    def for_account(self, account_id: int, *, since: datetime | None = None,
                    statuses: Sequence[PaymentStatus] | None = None) -> list[Payment]:
        """Newest first."""

    @abc.abstractmethod
    def due_scheduled(self, on_or_before: date, limit: int = 100) -> list[Payment]:
        """Scheduled payments whose date has come, oldest first."""

    @abc.abstractmethod
    def count_due_scheduled(self, on_or_before: date) -> int: ...

    @abc.abstractmethod
    def stale_pending(self, kind: MethodKind, submitted_before: datetime,
                      limit: int = 100) -> list[Payment]:
        """Pending payments of that kind submitted before the cutoff and not in an ACH file:
        card charges a crash or outage left unrecorded, bank debits waiting for export."""

    @abc.abstractmethod
    def awaiting_processor_result(self, submitted_before: datetime,
                                  limit: int = 100) -> list[Payment]:
        """Pending card payments charged at the processor (voice <Pay>: no token) submitted
        before the cutoff, oldest first: their result never came back."""

    @abc.abstractmethod
    def by_confirmations(self, confirmation_numbers: Sequence[str]) -> list[Payment]: ...

    @abc.abstractmethod
    def by_processor_references(self, references: Sequence[str]) -> list[Payment]: ...

    @abc.abstractmethod
    def pending_in_ach_files(self, effective_on_or_before: date,
                             limit: int = 1000) -> list[Payment]:
        """Pending bank payments sent in an ACH file effective on or before the date."""

    @abc.abstractmethod
    def by_trace_number(self, trace_number: str) -> Payment | None: ...

    @abc.abstractmethod
    def needing_reminder(self, scheduled_from: date, scheduled_to: date,
                         limit: int = 1000) -> list[Payment]:
        """Scheduled payments dated within [from, to] whose reminder has not been sent."""

    @abc.abstractmethod
    def scheduled_with_method(self, payment_method_id: int) -> list[Payment]: ...


class AuditRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, event: AuditEvent) -> None: ...

    @abc.abstractmethod
    def for_account(self, account_id: int, limit: int = 100) -> list[AuditEvent]:
        """Newest first."""

    @abc.abstractmethod
    def recent(self, limit: int = 100, *, channel: Channel | None = None) -> list[AuditEvent]:
        """Newest first, optionally only what happened through one channel (e.g. agents)."""


class VerificationAttemptRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, attempt: VerificationAttempt) -> None: ...

    @abc.abstractmethod
    def failures_since(self, since: datetime, *, session_key: str | None = None,
                       caller: str | None = None, account_ref: str | None = None) -> int:
        """Failed attempts since `since` by this session or this caller (give either or both;
        neither means anyone), optionally on one account reference."""

    @abc.abstractmethod
    def count_unknown_failure(self, account_ref: str, at: datetime) -> int:
        """One more failed verification on a reference that matches no account; returns how
        many it has had in all. Atomic per reference, as an account row locked FOR UPDATE
        is, so parallel tries on an unknown number count exactly as on a real one."""


class IdempotencyRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, key: str) -> IdempotencyRecord | None: ...

    @abc.abstractmethod
    def add(self, record: IdempotencyRecord) -> None: ...


class AchFileRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, ach_file: AchFile) -> None: ...

    @abc.abstractmethod
    def get(self, ach_file_id: int) -> AchFile | None: ...

    @abc.abstractmethod
    def count_created_on(self, day: date) -> int:
        """Files already created that (UTC) day: picks the next file ID modifier."""

    @abc.abstractmethod
    def recent(self, limit: int = 20) -> list[AchFile]: ...

    @abc.abstractmethod
    def total_entries(self) -> int:
        """Entries in every file so far: the next trace sequence starts after them."""


class AutopayRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, enrollment: AutopayEnrollment) -> None: ...

    @abc.abstractmethod
    def active_for_account(self, account_id: int) -> AutopayEnrollment | None: ...

    @abc.abstractmethod
    def active_with_method(self, payment_method_id: int) -> list[AutopayEnrollment]: ...


class HandoffLog(abc.ABC):
    """Handoffs to 311 (their own short transactions: recording one never waits on a call)."""

    @abc.abstractmethod
    def add(self, handoff: Handoff) -> Handoff:
        """Store it and return it with its id."""

    @abc.abstractmethod
    def get(self, handoff_id: int) -> Handoff | None: ...

    @abc.abstractmethod
    def latest_for_session(self, session_key: str) -> Handoff | None: ...

    @abc.abstractmethod
    def with_status(self, statuses: tuple[str, ...] = (), limit: int = 50) -> list[Handoff]:
        """Oldest first (the resident waiting longest comes first); all statuses if empty."""

    @abc.abstractmethod
    def take(self, handoff_id: int, agent_id: str, at: datetime) -> bool:
        """Mark an open handoff taken; False if it was not open (another agent took it)."""

    @abc.abstractmethod
    def close(self, handoff_id: int, agent_id: str, outcome: str, at: datetime) -> bool:
        """Close an open or taken handoff; False if it was already closed."""

    @abc.abstractmethod
    def for_account(self, account_id: int, limit: int = 20) -> list[Handoff]:
        """Newest first."""


class LinkStore(abc.ABC):
    @abc.abstractmethod
    def add(self, link: OneTimeLink) -> OneTimeLink: ...

    @abc.abstractmethod
    def by_hash(self, token_hash: str) -> OneTimeLink | None: ...

    @abc.abstractmethod
    def use(self, link_id: int, at: datetime) -> bool:
        """Atomically mark an unused link used; False if it was already used."""


class RefundRepository(abc.ABC):
    """Refunds of card payments (domain/services/refunds.py)."""

    @abc.abstractmethod
    def add(self, refund: Refund) -> None: ...

    @abc.abstractmethod
    def get(self, refund_id: int, *, for_update: bool = False) -> Refund | None: ...

    @abc.abstractmethod
    def by_idempotency_key(self, key: str) -> Refund | None: ...

    @abc.abstractmethod
    def by_processor_references(self, references: Sequence[str]) -> list[Refund]: ...

    @abc.abstractmethod
    def for_payment(self, payment_id: int) -> list[Refund]:
        """Oldest first."""

    @abc.abstractmethod
    def for_payments(self, payment_ids: Sequence[int]) -> list[Refund]:
        """The refunds of several payments (a history page), oldest first."""

    @abc.abstractmethod
    def pending(self, requested_before: datetime, limit: int = 100) -> list[Refund]:
        """Refunds still waiting for the processor's answer, asked before the cutoff,
        oldest first: the runner asks the processor again with the same key."""

    @abc.abstractmethod
    def requested_between(self, start: datetime, end: datetime) -> list[Refund]:
        """Every refund requested in [start, end), oldest first (reconciliation, reports)."""


class DisputeRepository(abc.ABC):
    """Chargebacks the processor reported (domain/services/disputes.py)."""

    @abc.abstractmethod
    def add(self, dispute: Dispute) -> None: ...

    @abc.abstractmethod
    def by_processor_reference(self, reference: str, *,
                               for_update: bool = False) -> Dispute | None: ...

    @abc.abstractmethod
    def for_payment(self, payment_id: int) -> list[Dispute]:
        """Oldest first."""

    @abc.abstractmethod
    def recent(self, limit: int = 100, *,
               statuses: Sequence[DisputeStatus] | None = None) -> list[Dispute]:
        """Newest opened first, optionally only those with these statuses."""

    @abc.abstractmethod
    def opened_between(self, start: datetime, end: datetime) -> list[Dispute]:
        """Every dispute opened in [start, end), oldest first."""


@dataclass(frozen=True)
class ProcessorEvent:
    """A webhook event from the processor, by its id (Stripe "evt_…") and type."""

    id: str
    type: str


class ProcessorEventLog(abc.ABC):
    """The processor's webhook events already handled: a replayed event changes nothing."""

    @abc.abstractmethod
    def seen(self, event_id: str) -> bool: ...

    @abc.abstractmethod
    def claim(self, event: ProcessorEvent, at: datetime) -> bool:
        """Record the event in this unit of work, so it commits with the event's effect;
        False (nothing recorded) if it was handled before. A twin handled concurrently makes
        the commit raise ConcurrencyConflict (the event id is unique)."""


class ConcurrencyConflict(Exception):
    """Raised by UnitOfWork.commit() when a concurrent transaction won a race (unique key,
    stale version, serialization failure). Services retry or replay; nothing was written."""


class UnitOfWork(abc.ABC):
    """One transaction. Rolls back on exit unless commit() was called."""

    accounts: AccountRepository
    payments: PaymentRepository
    audit: AuditRepository
    attempts: VerificationAttemptRepository
    idempotency: IdempotencyRepository
    ach_files: AchFileRepository
    autopay: AutopayRepository
    refunds: RefundRepository
    disputes: DisputeRepository
    processor_events: ProcessorEventLog

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.rollback()

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...

    @abc.abstractmethod
    def flush(self) -> None:
        """Assign database ids to new objects without committing."""


class SmsConsent(abc.ABC):
    """Carrier opt-out state per phone number (STOP / START, CTIA rules): nothing may be texted
    to a number that opted out until it opts back in. Numbers are E.164."""

    @abc.abstractmethod
    def is_opted_out(self, phone: str) -> bool: ...

    @abc.abstractmethod
    def opt_out(self, phone: str, at: datetime, source: str) -> None:
        """Record an opt-out; `source` says why (the keyword texted, or a carrier error)."""

    @abc.abstractmethod
    def opt_in(self, phone: str, at: datetime, source: str) -> None: ...


@dataclass(frozen=True)
class RecordedAttempt:
    """A sign-in attempt just recorded (as a failure) and the failures before it."""

    id: int
    username_failures: list[datetime]  # newest first, since the username's last success
    address_failures: list[datetime]  # newest first, any usernames


class AgentStore(abc.ABC):
    """311 agents, their console sessions and sign-in attempts (short transactions of their
    own). Usernames are already normalized (lower-case) when they reach the store; sessions
    are found by a SHA-256 hash of their token, never by the token."""

    @abc.abstractmethod
    def by_username(self, username: str) -> Agent | None: ...

    @abc.abstractmethod
    def get(self, agent_id: int) -> Agent | None: ...

    @abc.abstractmethod
    def all(self) -> list[Agent]:
        """Every agent, active or not, by username."""

    @abc.abstractmethod
    def add(self, agent: Agent) -> bool:
        """Store a new agent and set its id; False (nothing stored) if the username is taken."""

    @abc.abstractmethod
    def set_password(self, agent_id: int, password_hash: str, at: datetime) -> None: ...

    @abc.abstractmethod
    def set_active(self, agent_id: int, active: bool) -> bool:
        """True if this changed the agent (it was not already in that state)."""

    @abc.abstractmethod
    def record_login(self, agent_id: int, at: datetime) -> None:
        """Set the agent's last_login_at."""

    @abc.abstractmethod
    def enable_mfa(self, agent_id: int, sealed_secret: str, at: datetime, step: int) -> bool:
        """Turn one-time codes on with this (sealed) secret, its first code's step used;
        False if they were already on (nothing changed)."""

    @abc.abstractmethod
    def use_mfa_step(self, agent_id: int, step: int) -> bool:
        """Record that the code of `step` was used, atomically; False (nothing changed) if
        codes are off or a code of this step or a later one was already used (a replay)."""

    @abc.abstractmethod
    def reset_mfa(self, agent_id: int) -> bool:
        """Forget the agent's one-time-code secret; False if there was none."""

    @abc.abstractmethod
    def add_sign_in_step(self, token_hash: str, agent_id: int, at: datetime,
                         attempt_id: int | None, pending_secret: str | None,
                         remote_addr: str | None) -> int:
        """A sign-in (or enrolment) now waiting for a one-time code; returns its id."""

    @abc.abstractmethod
    def open_sign_in_step(self, token_hash: str) -> SignInStep | None:
        """The waiting step with this token hash, with its agent, unless it has ended."""

    @abc.abstractmethod
    def end_sign_in_step(self, step_id: int, at: datetime) -> bool:
        """End it once; False if it had already ended (a twin request used it first)."""

    @abc.abstractmethod
    def end_sign_in_steps_for_agent(self, agent_id: int, at: datetime) -> int: ...

    @abc.abstractmethod
    def add_session(self, token_hash: str, agent_id: int, at: datetime,
                    remote_addr: str | None) -> int:
        """A new session, created and last seen at `at`; returns its id."""

    @abc.abstractmethod
    def open_session(self, token_hash: str) -> AgentSession | None:
        """The session with this token hash, with its agent, unless it has ended."""

    @abc.abstractmethod
    def touch_session(self, session_id: int, at: datetime) -> None:
        """Move last_seen_at forward to `at` (never back)."""

    @abc.abstractmethod
    def end_session(self, session_id: int, at: datetime) -> bool:
        """End an open session; False if it had already ended (nothing changed)."""

    @abc.abstractmethod
    def end_sessions_for_agent(self, agent_id: int, at: datetime) -> int:
        """End every open session of the agent; returns how many."""

    @abc.abstractmethod
    def add_login_attempt(self, username: str, remote_addr: str, at: datetime,
                          succeeded: bool) -> None: ...

    @abc.abstractmethod
    def record_login_attempt(self, username: str, remote_addr: str, at: datetime, *,
                             since: datetime, username_limit: int,
                             address_limit: int) -> RecordedAttempt:
        """Record a sign-in attempt as a failure, committed before this returns, with the
        failures after `since` recorded before it (at most the limit of each). Attempts for
        one username, or from one address, take turns: each one counts every attempt
        recorded before it, so parallel attempts cannot all see the same count."""

    @abc.abstractmethod
    def mark_login_attempts_succeeded(self, attempt_ids: Sequence[int]) -> None:
        """These attempts (recorded as failures while they were checked) succeeded."""

    @abc.abstractmethod
    def remove_login_attempt(self, attempt_id: int) -> None:
        """Forget an attempt refused unchecked (throttled): it was no guess."""

    @abc.abstractmethod
    def username_failures(self, username: str, since: datetime, limit: int) -> list[datetime]:
        """When the failed sign-ins for `username` after `since`, and after its last
        successful sign-in, happened: newest first, at most `limit`."""

    @abc.abstractmethod
    def address_failures(self, remote_addr: str, since: datetime,
                         limit: int) -> list[datetime]:
        """When the failed sign-ins from `remote_addr` (any usernames) after `since`
        happened: newest first, at most `limit`."""


class CallControl(abc.ABC):
    """Live-call control (Twilio's Calls REST API): a 311 agent sends the caller's live call
    into self-service by pointing it at new TwiML."""

    @abc.abstractmethod
    def redirect(self, call_sid: str, url: str) -> None:
        """Send a live call to new TwiML (Twilio fetches `url` with POST). Raises CallNotLive
        if the call is over or unknown, CallControlUnavailable if Twilio cannot be reached or
        refuses."""
