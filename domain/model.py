"""The domain model: plain dataclasses, free of the ORM (mapped imperatively in adapters/orm.py).

Two kinds of account share one model, as in the seed documents:
- utility accounts (account number as printed on the bill + service street number or last 4 of
  the holder's SSN/Tax ID);
- general-billing (Munis "Citizen Self Service") accounts, one per customer, identified by the
  customer ID + the number of one of its bills.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from domain.errors import InvalidTransition, PaymentNotCancellable
from domain.money import Money


class Channel(StrEnum):
    VOICE = "voice"
    SMS = "sms"
    CHAT = "chat"
    WEB = "web"
    AGENT = "agent"
    SYSTEM = "system"


class AccountKind(StrEnum):
    UTILITY = "utility"
    GENERAL = "general"


class FactorKind(StrEnum):
    STREET_NUMBER = "street_number"
    SSN_LAST4 = "ssn_last4"
    BILL_NUMBER = "bill_number"


class MethodKind(StrEnum):
    CARD = "card"
    BANK = "bank"


class BankAccountType(StrEnum):
    CHECKING = "checking"
    SAVINGS = "savings"


class AutopayDateOption(StrEnum):
    """When autopay pays a bill (seed FAQ: due date, day the bill arrives, 1-10 days before)."""

    DUE_DATE = "due_date"
    BILL_ARRIVAL = "bill_arrival"
    DAYS_BEFORE = "days_before"


class PaymentStatus(StrEnum):
    SCHEDULED = "scheduled"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class RefundStatus(StrEnum):
    PENDING = "pending"  # asked of the processor; its answer has not come (or it timed out)
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class DisputeStatus(StrEnum):
    """A chargeback: the card holder's bank took the money back until the city answers."""

    OPEN = "open"  # the money is withheld; the payment is reversed on the account
    WON = "won"  # the city kept the money: the payment stands again
    LOST = "lost"  # the money is gone for good: the payment stays reversed


# scheduled -> pending -> approved | rejected; scheduled -> cancelled (seed FAQ).
ALLOWED_TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.SCHEDULED: frozenset({PaymentStatus.PENDING, PaymentStatus.CANCELLED}),
    PaymentStatus.PENDING: frozenset({PaymentStatus.APPROVED, PaymentStatus.REJECTED}),
    PaymentStatus.APPROVED: frozenset(),
    PaymentStatus.REJECTED: frozenset(),
    PaymentStatus.CANCELLED: frozenset(),
}

LANGUAGES = ("en", "es")


@dataclass(frozen=True)
class Actor:
    """Who did something, through which channel: recorded on every audit event."""

    kind: str  # "resident" | "agent" | "system"
    id: str
    channel: Channel

    @classmethod
    def resident(cls, channel: Channel, session: str = "") -> Actor:
        return cls("resident", session or "anonymous", channel)

    @classmethod
    def agent(cls, agent_id: str) -> Actor:
        return cls("agent", agent_id, Channel.AGENT)

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls("system", name, Channel.SYSTEM)

    @property
    def is_resident(self) -> bool:
        return self.kind == "resident"

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(eq=False)
class CustomerPhone:
    number: str  # E.164, normalized with domain.phone
    label: str = "mobile"
    id: int | None = None


@dataclass(eq=False)
class Customer:
    customer_number: str  # the Munis "Customer ID"
    name: str
    mailing_street: str = ""
    mailing_city: str = ""
    mailing_state: str = ""
    mailing_zip: str = ""
    email: str | None = None
    language: str = "en"
    ssn_last4_hash: str | None = None  # salted hash; see domain.secrets
    ssn_last4_salt: str | None = None
    phones: list[CustomerPhone] = field(default_factory=list)
    # The customer's id at the card processor (Stripe "cus_…"), made when a card is first
    # saved: saved cards are PaymentMethods attached to it. None in the sandbox.
    processor_customer_id: str | None = None
    id: int | None = None


@dataclass(eq=False)
class Bill:
    bill_number: str
    bill_type: str  # e.g. "WATER/SEWER", "CLAIMS", "FALSE ALARM"
    issued_on: date
    due_date: date  # "pay by"
    total: Money
    unpaid: Money
    id: int | None = None
    account_id: int | None = None

    def is_past_due(self, today: date) -> bool:
        return self.unpaid.is_positive() and self.due_date < today


@dataclass(eq=False)
class PaymentMethod:
    """A saved, tokenized method. Never a full card/bank number, never a security code."""

    kind: MethodKind
    token: str
    last4: str
    nickname: str = ""
    brand: str | None = None  # card brand, e.g. "VISA"
    exp_month: int | None = None
    exp_year: int | None = None
    bank_account_type: BankAccountType | None = None
    enabled: bool = True
    created_at: datetime | None = None
    disabled_reason: str | None = None  # e.g. "ACH return R02: account closed"
    id: int | None = None
    account_id: int | None = None

    def label(self) -> str:
        if self.kind == MethodKind.CARD:
            return f"{self.brand or 'card'} ending {self.last4}"
        return f"{self.bank_account_type or 'bank'} account ending {self.last4}"


@dataclass(eq=False)
class Account:
    account_number: str
    kind: AccountKind
    customer: Customer
    service_street_number: str | None = None
    service_street_name: str = ""
    service_city: str = ""
    service_state: str = ""
    service_zip: str = ""
    paperless: bool = False
    paperless_email: str | None = None
    paperless_since: datetime | None = None
    credit: Money = field(default_factory=Money.zero)  # overpayments, if the city allows them
    failed_verifications: int = 0
    locked_at: datetime | None = None
    lock_reason: str | None = None
    bills: list[Bill] = field(default_factory=list)
    payment_methods: list[PaymentMethod] = field(default_factory=list)
    version: int = 1
    id: int | None = None

    # --- balance ----------------------------------------------------------------------
    def open_bills(self) -> list[Bill]:
        return sorted((b for b in self.bills if b.unpaid.is_positive()),
                      key=lambda b: (b.due_date, b.bill_number))

    def balance_due(self) -> Money:
        unpaid = sum((b.unpaid for b in self.bills), Money.zero())
        return (unpaid - self.credit).max(Money.zero())

    def payable(self, open_payments: list[Payment], allowance: Money | None = None) -> Money:
        """What may still be paid: the balance less the payments already on their way
        (pending or scheduled), plus the city's overpayment allowance; never below zero."""
        committed = sum((p.amount for p in open_payments), Money.zero())
        return (self.balance_due() - committed + (allowance or Money.zero())).max(Money.zero())

    def past_due(self, today: date) -> Money:
        return sum((b.unpaid for b in self.bills if b.is_past_due(today)), Money.zero())

    def next_due_date(self, today: date) -> date | None:
        """The next pay-by date from today on (what is already late is `past_due`)."""
        upcoming = [b.due_date for b in self.open_bills() if b.due_date >= today]
        return min(upcoming) if upcoming else None

    def apply_payment(self, amount: Money) -> Money:
        """Apply an approved payment to open bills, oldest due first; returns the excess."""
        remaining = amount
        for bill in self.open_bills():
            if remaining.is_zero():
                break
            applied = remaining.min(bill.unpaid)
            bill.unpaid = bill.unpaid - applied
            remaining = remaining - applied
        if remaining.is_positive():
            self.credit = self.credit + remaining
        return remaining

    # --- lock-out (3 failures across every channel) ---------------------------------
    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    def reverse_payment(self, amount: Money) -> None:
        """Undo an applied payment the bank returned: the money owed comes back, first out of
        any credit it created, then onto the latest bills (up to what each one billed)."""
        remaining = amount
        from_credit = remaining.min(self.credit)
        self.credit = self.credit - from_credit
        remaining = remaining - from_credit
        for bill in sorted(self.bills, key=lambda b: (b.due_date, b.bill_number), reverse=True):
            if remaining.is_zero():
                break
            restored = remaining.min(bill.total - bill.unpaid)
            bill.unpaid = bill.unpaid + restored
            remaining = remaining - restored
        if remaining.is_positive() and self.bills:
            # More was returned than was ever billed here (e.g. bills since archived): keep
            # the debt on the newest bill rather than lose it.
            newest = max(self.bills, key=lambda b: (b.due_date, b.bill_number))
            newest.unpaid = newest.unpaid + remaining

    def register_failed_verification(self, now: datetime, max_failures: int) -> bool:
        """Count a failed verification; returns True if this failure locked the account."""
        self.failed_verifications += 1
        if not self.is_locked and self.failed_verifications >= max_failures:
            self.locked_at = now
            self.lock_reason = f"{self.failed_verifications} failed verification attempts"
            return True
        return False

    def register_successful_verification(self) -> None:
        self.failed_verifications = 0

    def unlock(self) -> None:
        self.locked_at = None
        self.lock_reason = None
        self.failed_verifications = 0

    def saved_method(self, method_id: int) -> PaymentMethod | None:
        return next((m for m in self.payment_methods if m.id == method_id and m.enabled), None)

    def masked_number(self) -> str:
        return mask(self.account_number)


@dataclass(eq=False)
class Payment:
    confirmation_number: str
    account_id: int
    amount: Money
    fee: Money
    method_kind: MethodKind
    method_label: str  # "VISA ending 4242": safe to show and say
    method_token: str
    scheduled_for: date
    status: PaymentStatus
    channel: Channel
    created_by: str
    created_at: datetime
    idempotency_key: str
    payment_method_id: int | None = None
    submitted_at: datetime | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    rejection_reason: str | None = None
    processor_reference: str | None = None
    ach_file_id: int | None = None  # the NACHA file a bank payment went out in
    ach_trace_number: str | None = None  # 15 digits, how a return finds its payment
    return_code: str | None = None  # ACH return reason code, e.g. "R01"
    reminder_sent_at: datetime | None = None  # the reminder before a scheduled payment
    # Money given back: the sum of the payment's succeeded refunds (at most its total).
    refunded: Money = field(default_factory=Money.zero)
    # The latest chargeback on it, if any: open or lost means the money is not the city's.
    dispute_status: DisputeStatus | None = None
    version: int = 1
    id: int | None = None

    @property
    def total(self) -> Money:
        return self.amount + self.fee

    def transition(self, new_status: PaymentStatus, at: datetime) -> None:
        if new_status not in ALLOWED_TRANSITIONS[self.status]:
            if new_status == PaymentStatus.CANCELLED:
                raise PaymentNotCancellable()
            raise InvalidTransition(f"cannot go from {self.status} to {new_status}")
        self.status = new_status
        if new_status == PaymentStatus.PENDING:
            self.submitted_at = at
        elif new_status == PaymentStatus.CANCELLED:
            self.cancelled_at = at
        else:
            self.completed_at = at

    def cancel(self, at: datetime) -> None:
        self.transition(PaymentStatus.CANCELLED, at)

    def approve(self, at: datetime, reference: str | None) -> None:
        self.transition(PaymentStatus.APPROVED, at)
        self.processor_reference = reference

    def reject(self, at: datetime, reason: str, reference: str | None = None) -> None:
        self.transition(PaymentStatus.REJECTED, at)
        self.rejection_reason = reason
        self.processor_reference = reference

    def approve_after_rejection(self, at: datetime, reference: str | None) -> str:
        """The processor approved a card charge after the payment had been rejected (its
        <Pay> result came after the call had ended, or after the runner had released it):
        the money was taken, so the ledger follows the processor. The one way out of
        "rejected"; returns the reason it had been rejected for (for the audit trail)."""
        if self.method_kind != MethodKind.CARD or self.status != PaymentStatus.REJECTED:
            raise InvalidTransition(f"cannot approve a {self.status} {self.method_kind} "
                                    "payment after the fact")
        previous = self.rejection_reason or ""
        self.status = PaymentStatus.APPROVED
        self.completed_at = at
        self.processor_reference = reference
        self.rejection_reason = None
        return previous

    def return_by_bank(self, at: datetime, code: str, reason: str) -> bool:
        """An ACH return. Pending -> rejected as usual; an approved bank debit can still come
        back (unauthorized returns arrive up to 60 days later) and becomes rejected too, the
        one way out of "approved". Returns True if the payment had been approved (so the
        caller must reverse it on the account)."""
        if self.method_kind != MethodKind.BANK:
            raise InvalidTransition("only bank debits are returned through ACH")
        was_approved = self.status == PaymentStatus.APPROVED
        if self.status not in (PaymentStatus.PENDING, PaymentStatus.APPROVED):
            raise InvalidTransition(f"cannot return a {self.status} payment")
        self.status = PaymentStatus.REJECTED
        self.completed_at = at
        self.return_code = code
        self.rejection_reason = reason
        return was_approved


@dataclass(eq=False)
class AchFile:
    """A NACHA file of bank debits sent to the city's bank."""

    file_name: str
    created_at: datetime
    effective_date: date
    file_id_modifier: str  # A-Z, 0-9: tells apart several files of one day
    entry_count: int
    total_debit: Money
    batch_count: int
    id: int | None = None


@dataclass(eq=False)
class AutopayEnrollment:
    """Recurring payment of every new bill from a saved method (seed FAQ)."""

    account_id: int
    payment_method_id: int
    date_option: AutopayDateOption
    enrolled_at: datetime
    enrolled_by: str
    channel: Channel
    days_before: int | None = None  # 1-10, with DAYS_BEFORE
    threshold: Money | None = None  # above it the resident must authorize the payment
    active: bool = True
    cancelled_at: datetime | None = None
    id: int | None = None


@dataclass(eq=False)
class Refund:
    """Money given back on an approved card payment, full or partial, by a supervisor.
    Its idempotency key is also the processor's (one refund per request, however often it
    is retried or double-clicked)."""

    payment_id: int
    amount: Money
    reason: str  # why, in the supervisor's words (required; never card digits)
    requested_by: str  # the supervisor's username
    requested_at: datetime
    idempotency_key: str
    status: RefundStatus = RefundStatus.PENDING
    processor_reference: str | None = None  # Stripe "re_…", sandbox "SBR-…"
    completed_at: datetime | None = None
    failure_reason: str | None = None
    id: int | None = None


@dataclass(eq=False)
class Dispute:
    """A chargeback the processor told Payline about (Stripe charge.dispute.* webhooks)."""

    processor_reference: str  # Stripe "dp_…"
    payment_id: int
    amount: Money
    reason: str  # the processor's reason code, e.g. "fraudulent"
    status: DisputeStatus
    opened_at: datetime
    closed_at: datetime | None = None
    id: int | None = None


@dataclass(eq=False)
class AuditEvent:
    """One state change: who, through which channel, what, on which account."""

    at: datetime
    action: str  # e.g. "payment.approved", "account.locked", "paperless.enrolled"
    actor: str
    channel: Channel
    account_id: int | None = None
    subject: str | None = None  # e.g. a confirmation number
    detail: str = ""  # never card/bank digits
    id: int | None = None


@dataclass(eq=False)
class VerificationAttempt:
    """Every verification try, for the lock-out and the per-caller/session throttle."""

    at: datetime
    channel: Channel
    session_key: str
    caller: str | None  # E.164 caller ID / SMS sender, a hint only
    account_ref: str  # the normalized account/customer number tried
    succeeded: bool
    account_id: int | None = None
    id: int | None = None


@dataclass(eq=False)
class IdempotencyRecord:
    """Same key + same request = same result; same key + different request = error."""

    key: str
    operation: str  # "pay", "schedule", "cancel"
    fingerprint: str
    created_at: datetime
    payment_id: int | None = None
    id: int | None = None


def mask(number: str, visible: int = 4) -> str:
    """'1002003004' -> '******3004': safe to show an agent or say to a caller."""
    number = number or ""
    if len(number) <= visible:
        return "*" * len(number)
    return "*" * (len(number) - visible) + number[-visible:]


class HandoffStatus(StrEnum):
    OPEN = "open"  # waiting for a 311 agent
    TAKEN = "taken"  # an agent picked it up
    CLOSED = "closed"


@dataclass(eq=False)
class Handoff:
    """A resident handed from self-service to 311, with what an agent needs to carry on
    instead of starting again: never a full account, SSN/Tax ID or card number."""

    created_at: datetime
    channel: Channel
    session_key: str  # CallSid, SMS sender, chat conversation id
    reason: str  # e.g. "pressed_zero", "locked_out", "no_input", "asked_for_agent"
    verified: bool
    last_step: str
    intent: str  # what the resident was trying to do, e.g. "pay_now"
    summary: str  # one sentence an agent hears (whisper) or reads first
    language: str = "en"
    caller: str | None = None
    account_id: int | None = None
    masked_account: str | None = None
    status: HandoffStatus = HandoffStatus.OPEN
    taken_by: str | None = None
    taken_at: datetime | None = None
    closed_at: datetime | None = None
    outcome: str | None = None  # what came of it, e.g. "transferred_to_self_service"
    id: int | None = None


class AgentRole(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"  # also manages agents (adds them, resets passwords)


@dataclass(eq=False)
class Agent:
    """A 311 agent who signs in to the console. Only a scrypt hash of the password is kept
    (domain/passwords.py), and it never appears in a repr."""

    username: str  # lower-case, [a-z0-9._-]{3,40}
    display_name: str
    role: AgentRole
    password_hash: str = field(repr=False)
    created_at: datetime
    password_changed_at: datetime
    active: bool = True
    last_login_at: datetime | None = None
    # The one-time-code (TOTP) secret, sealed (domain/totp.py SecretBox); set once enrolment is
    # confirmed, with the last 30-second step whose code was used (a code works once).
    mfa_secret: str | None = field(default=None, repr=False)
    mfa_enabled_at: datetime | None = None
    mfa_last_step: int | None = None
    id: int | None = None

    @property
    def is_supervisor(self) -> bool:
        return self.role == AgentRole.SUPERVISOR

    @property
    def mfa_enabled(self) -> bool:
        return self.mfa_enabled_at is not None and self.mfa_secret is not None

    @property
    def actor(self) -> Actor:
        return Actor.agent(self.username)


@dataclass(frozen=True)
class AgentSession:
    """A signed-in console session. Its token is known only to the agent's browser; the
    database keeps a SHA-256 hash of it."""

    id: int
    agent: Agent
    created_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True)
class SignInStep:
    """A sign-in (or an enrolment) waiting for a one-time code: the password was right (its
    attempt is still counted as a failure until the code is). Its token is known only to the
    agent's browser; the database keeps a SHA-256 hash of it."""

    id: int
    agent: Agent
    created_at: datetime
    attempt_id: int | None  # the password's attempt; None for enrolling while signed in
    pending_secret: str | None = field(default=None, repr=False)  # sealed, when enrolling


class LinkPurpose(StrEnum):
    PAPERLESS = "paperless"  # finish paperless enrollment on the web (no email on file)
    PAY = "pay"  # a secure pay link: card/bank details go straight to the processor
    TRANSFER = "transfer"  # a 311 agent's ticket sending one live call into self-service


@dataclass(eq=False)
class OneTimeLink:
    """A short-lived, single-use link sent to a verified resident. Only a hash of its token
    is stored, so a database reader cannot use a link."""

    token_hash: str
    purpose: LinkPurpose
    account_id: int
    channel: Channel
    created_by: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    payload: str = "{}"  # JSON: what the link is for (e.g. an amount); never secrets
    id: int | None = None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at
