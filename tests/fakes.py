"""In-memory fakes of the domain ports, for unit tests of the services.

The fake unit of work copies nothing and commits nothing: it only records whether commit()
was called, and `rollback()` restores a snapshot so "nothing is written on error" is testable.
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from conversation.state import ConversationKey, ConversationState
from domain.errors import IdempotencyConflict
from domain.model import (
    Account,
    AccountKind,
    AchFile,
    AuditEvent,
    AutopayEnrollment,
    Channel,
    Customer,
    Dispute,
    DisputeStatus,
    Handoff,
    HandoffStatus,
    IdempotencyRecord,
    MethodKind,
    OneTimeLink,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    VerificationAttempt,
)
from domain.money import Money
from domain.ports import (
    AccountRepository,
    AchFileRepository,
    AuditRepository,
    AutopayRepository,
    BankDetails,
    CallControl,
    CardDetails,
    ChargeResult,
    Clock,
    ConcurrencyConflict,
    DisputeRepository,
    HandoffLog,
    IdempotencyRepository,
    LinkStore,
    Notification,
    Notifier,
    PaymentGateway,
    PaymentRepository,
    ProcessorCharge,
    ProcessorCustomer,
    ProcessorDispute,
    ProcessorEvent,
    ProcessorEventLog,
    ProcessorRefund,
    RefundRepository,
    RefundResult,
    SavedAtProcessor,
    SmsConsent,
    TokenizedMethod,
    UnitOfWork,
    VerificationAttemptRepository,
)


class FakeClock(Clock):
    def __init__(self, now: datetime) -> None:
        assert now.tzinfo is not None
        self._now = now
        self.tz = now.tzinfo  # type: ignore[assignment]

    def now(self) -> datetime:
        return self._now

    def advance(self, **kwargs: float) -> None:
        self._now += timedelta(**kwargs)


class _Store:
    """The 'database' the fake repositories share."""

    def __init__(self) -> None:
        self.accounts: list[Account] = []
        self.customers: list[Customer] = []
        self.payments: list[Payment] = []
        self.audit: list[AuditEvent] = []
        self.attempts: list[VerificationAttempt] = []
        self.unknown_failures: list[str] = []  # one account reference per failure
        self.idempotency: list[IdempotencyRecord] = []
        self.ach_files: list[AchFile] = []
        self.autopay: list[AutopayEnrollment] = []
        self.refunds: list[Refund] = []
        self.disputes: list[Dispute] = []
        self.processor_events: list[tuple[str, str, datetime]] = []  # (id, type, received)
        self.ids = itertools.count(1)


class FakeAccounts(AccountRepository):
    def __init__(self, store: _Store) -> None:
        self.s = store

    def add(self, account: Account) -> None:
        if account.customer not in self.s.customers:
            self.add_customer(account.customer)
        account.id = account.id or next(self.s.ids)
        for item in (*account.bills, *account.payment_methods):
            item.id = item.id or next(self.s.ids)
            item.account_id = account.id
        self.s.accounts.append(account)

    def add_customer(self, customer: Customer) -> None:
        customer.id = customer.id or next(self.s.ids)
        self.s.customers.append(customer)

    def get(self, account_id: int, *, for_update: bool = False,
            skip_locked: bool = False) -> Account | None:
        return next((a for a in self.s.accounts if a.id == account_id), None)

    def by_number(self, account_number: str, *, for_update: bool = False) -> Account | None:
        return next((a for a in self.s.accounts if a.account_number == account_number), None)

    def general_account_for_bill(self, customer_number: str, bill_number: str,
                                 *, for_update: bool = False) -> Account | None:
        for account in self.by_customer(customer_number, kind=AccountKind.GENERAL):
            if any(b.bill_number == bill_number for b in account.bills):
                return account
        return None

    def by_customer(self, customer_number: str, *, kind: AccountKind | None = None,
                    for_update: bool = False) -> list[Account]:
        return [a for a in self.s.accounts if a.customer.customer_number == customer_number
                and (kind is None or a.kind == kind)]

    def by_phone(self, e164: str) -> list[Account]:
        return [a for a in self.s.accounts if any(p.number == e164 for p in a.customer.phones)]

    def customer_by_number(self, customer_number: str) -> Customer | None:
        return next((c for c in self.s.customers if c.customer_number == customer_number), None)

    def by_name_and_address(self, name: str, address: str, limit: int = 20) -> list[Account]:
        def holds(text: str, words: str) -> bool:
            return all(word.lower() in text.lower() for word in words.split())

        return [a for a in self.s.accounts
                if holds(a.customer.name, name)
                and all(holds(f"{a.service_street_number or ''} {a.service_street_name}", w)
                        or holds(a.customer.mailing_street, w) for w in address.split())][:limit]


class FakePayments(PaymentRepository):
    def __init__(self, store: _Store) -> None:
        self.s = store

    def add(self, payment: Payment) -> None:
        if any(p.confirmation_number == payment.confirmation_number for p in self.s.payments):
            raise AssertionError("duplicate confirmation number")
        self.s.payments.append(payment)

    def get(self, payment_id: int, *, for_update: bool = False) -> Payment | None:
        return next((p for p in self.s.payments if p.id == payment_id), None)

    def by_confirmation(self, confirmation_number: str) -> Payment | None:
        return next((p for p in self.s.payments
                     if p.confirmation_number == confirmation_number), None)

    def confirmation_exists(self, confirmation_number: str) -> bool:
        return self.by_confirmation(confirmation_number) is not None

    def for_account(self, account_id: int, *, since: datetime | None = None,
                    statuses: Sequence[PaymentStatus] | None = None) -> list[Payment]:
        found = [p for p in self.s.payments if p.account_id == account_id
                 and (since is None or p.created_at >= since)
                 and (statuses is None or p.status in statuses)]
        return sorted(found, key=lambda p: p.created_at, reverse=True)

    def due_scheduled(self, on_or_before: date, limit: int = 100) -> list[Payment]:
        due = [p for p in self.s.payments
               if p.status == PaymentStatus.SCHEDULED and p.scheduled_for <= on_or_before]
        return sorted(due, key=lambda p: p.scheduled_for)[:limit]

    def count_due_scheduled(self, on_or_before: date) -> int:
        return len(self.due_scheduled(on_or_before, limit=len(self.s.payments)))

    def stale_pending(self, kind: MethodKind, submitted_before: datetime,
                      limit: int = 100) -> list[Payment]:
        return [p for p in self.s.payments
                if p.status == PaymentStatus.PENDING and p.method_kind == kind
                and p.method_token and p.ach_file_id is None and p.submitted_at is not None
                and p.submitted_at < submitted_before][:limit]

    def awaiting_processor_result(self, submitted_before: datetime,
                                  limit: int = 100) -> list[Payment]:
        found = [p for p in self.s.payments
                 if p.status == PaymentStatus.PENDING and p.method_kind == MethodKind.CARD
                 and not p.method_token and p.submitted_at is not None
                 and p.submitted_at < submitted_before]
        return sorted(found, key=lambda p: (p.submitted_at, p.id))[:limit]

    def by_confirmations(self, confirmation_numbers: Sequence[str]) -> list[Payment]:
        wanted = set(confirmation_numbers)
        return [p for p in self.s.payments if p.confirmation_number in wanted]

    def by_processor_references(self, references: Sequence[str]) -> list[Payment]:
        wanted = set(references)
        return [p for p in self.s.payments if p.processor_reference in wanted]

    def pending_in_ach_files(self, effective_on_or_before: date,
                             limit: int = 1000) -> list[Payment]:
        effective = {f.id: f.effective_date for f in self.s.ach_files}
        return [p for p in self.s.payments
                if p.status == PaymentStatus.PENDING and p.ach_file_id is not None
                and effective[p.ach_file_id] <= effective_on_or_before][:limit]

    def by_trace_number(self, trace_number: str) -> Payment | None:
        return next((p for p in self.s.payments if p.ach_trace_number == trace_number), None)

    def needing_reminder(self, scheduled_from: date, scheduled_to: date,
                         limit: int = 1000) -> list[Payment]:
        return [p for p in self.s.payments
                if p.status == PaymentStatus.SCHEDULED and p.reminder_sent_at is None
                and scheduled_from <= p.scheduled_for <= scheduled_to][:limit]

    def scheduled_with_method(self, payment_method_id: int) -> list[Payment]:
        return [p for p in self.s.payments if p.status == PaymentStatus.SCHEDULED
                and p.payment_method_id == payment_method_id]


class FakeAudit(AuditRepository):
    def __init__(self, store: _Store) -> None:
        self.s = store

    def add(self, event: AuditEvent) -> None:
        self.s.audit.append(event)

    def for_account(self, account_id: int, limit: int = 100) -> list[AuditEvent]:
        return [e for e in reversed(self.s.audit) if e.account_id == account_id][:limit]

    def recent(self, limit: int = 100, *, channel: Channel | None = None) -> list[AuditEvent]:
        return [e for e in reversed(self.s.audit)
                if channel is None or e.channel == channel][:limit]


class FakeAttempts(VerificationAttemptRepository):
    def __init__(self, store: _Store) -> None:
        self.s = store

    def add(self, attempt: VerificationAttempt) -> None:
        self.s.attempts.append(attempt)

    def failures_since(self, since: datetime, *, session_key: str | None = None,
                       caller: str | None = None, account_ref: str | None = None) -> int:
        def by_them(a: VerificationAttempt) -> bool:
            if session_key is None and not caller:
                return True
            return a.session_key == session_key or bool(caller and a.caller == caller)
        return sum(1 for a in self.s.attempts
                   if not a.succeeded and a.at >= since and by_them(a)
                   and (account_ref is None or a.account_ref == account_ref))

    def count_unknown_failure(self, account_ref: str, at: datetime) -> int:
        self.s.unknown_failures.append(account_ref)
        return self.s.unknown_failures.count(account_ref)


class FakeIdempotency(IdempotencyRepository):
    def __init__(self, store: _Store) -> None:
        self.s = store

    def get(self, key: str) -> IdempotencyRecord | None:
        return next((r for r in self.s.idempotency if r.key == key), None)

    def add(self, record: IdempotencyRecord) -> None:
        self.s.idempotency.append(record)


class FakeAchFiles(AchFileRepository):
    def __init__(self, store: _Store) -> None:
        self.s = store

    def add(self, ach_file: AchFile) -> None:
        self.s.ach_files.append(ach_file)

    def get(self, ach_file_id: int) -> AchFile | None:
        return next((f for f in self.s.ach_files if f.id == ach_file_id), None)

    def count_created_on(self, day: date) -> int:
        return sum(1 for f in self.s.ach_files if f.created_at.date() == day)

    def recent(self, limit: int = 20) -> list[AchFile]:
        return list(reversed(self.s.ach_files))[:limit]

    def total_entries(self) -> int:
        return sum(f.entry_count for f in self.s.ach_files)


class FakeAutopay(AutopayRepository):
    def __init__(self, store: _Store) -> None:
        self.s = store

    def add(self, enrollment: AutopayEnrollment) -> None:
        self.s.autopay.append(enrollment)

    def active_for_account(self, account_id: int) -> AutopayEnrollment | None:
        return next((e for e in reversed(self.s.autopay)
                     if e.account_id == account_id and e.active), None)

    def active_with_method(self, payment_method_id: int) -> list[AutopayEnrollment]:
        return [e for e in self.s.autopay if e.payment_method_id == payment_method_id and e.active]


class FakeRefunds(RefundRepository):
    def __init__(self, store: _Store) -> None:
        self.s = store

    def add(self, refund: Refund) -> None:
        if any(r.idempotency_key == refund.idempotency_key for r in self.s.refunds):
            raise ConcurrencyConflict("refunds.idempotency_key is unique")
        self.s.refunds.append(refund)

    def get(self, refund_id: int, *, for_update: bool = False) -> Refund | None:
        return next((r for r in self.s.refunds if r.id == refund_id), None)

    def by_idempotency_key(self, key: str) -> Refund | None:
        return next((r for r in self.s.refunds if r.idempotency_key == key), None)

    def by_processor_references(self, references: Sequence[str]) -> list[Refund]:
        wanted = set(references)
        return [r for r in self.s.refunds if r.processor_reference in wanted]

    def for_payment(self, payment_id: int) -> list[Refund]:
        return self.for_payments([payment_id])

    def for_payments(self, payment_ids: Sequence[int]) -> list[Refund]:
        wanted = set(payment_ids)
        return sorted((r for r in self.s.refunds if r.payment_id in wanted),
                      key=lambda r: (r.requested_at, r.id or 0))

    def pending(self, requested_before: datetime, limit: int = 100) -> list[Refund]:
        return sorted((r for r in self.s.refunds if r.status == RefundStatus.PENDING
                       and r.requested_at < requested_before),
                      key=lambda r: (r.requested_at, r.id or 0))[:limit]

    def requested_between(self, start: datetime, end: datetime) -> list[Refund]:
        return sorted((r for r in self.s.refunds if start <= r.requested_at < end),
                      key=lambda r: (r.requested_at, r.id or 0))


class FakeDisputes(DisputeRepository):
    def __init__(self, store: _Store) -> None:
        self.s = store

    def add(self, dispute: Dispute) -> None:
        if self.by_processor_reference(dispute.processor_reference) is not None:
            raise ConcurrencyConflict("disputes.processor_reference is unique")
        self.s.disputes.append(dispute)

    def by_processor_reference(self, reference: str, *,
                               for_update: bool = False) -> Dispute | None:
        return next((d for d in self.s.disputes if d.processor_reference == reference), None)

    def for_payment(self, payment_id: int) -> list[Dispute]:
        return sorted((d for d in self.s.disputes if d.payment_id == payment_id),
                      key=lambda d: (d.opened_at, d.id or 0))

    def recent(self, limit: int = 100, *,
               statuses: Sequence[DisputeStatus] | None = None) -> list[Dispute]:
        found = [d for d in self.s.disputes if statuses is None or d.status in statuses]
        return sorted(found, key=lambda d: (d.opened_at, d.id or 0), reverse=True)[:limit]

    def opened_between(self, start: datetime, end: datetime) -> list[Dispute]:
        return sorted((d for d in self.s.disputes if start <= d.opened_at < end),
                      key=lambda d: (d.opened_at, d.id or 0))


class FakeProcessorEvents(ProcessorEventLog):
    def __init__(self, store: _Store) -> None:
        self.s = store

    def seen(self, event_id: str) -> bool:
        return any(e[0] == event_id for e in self.s.processor_events)

    def claim(self, event: ProcessorEvent, at: datetime) -> bool:
        if self.seen(event.id):
            return False
        self.s.processor_events.append((event.id, event.type, at))
        return True


class FakeUnitOfWork(UnitOfWork):
    """Snapshot on enter, restore on rollback: uncommitted changes vanish like in a database."""

    def __init__(self, store: _Store | None = None) -> None:
        self.store = store or _Store()
        self.accounts = FakeAccounts(self.store)
        self.payments = FakePayments(self.store)
        self.audit = FakeAudit(self.store)
        self.attempts = FakeAttempts(self.store)
        self.idempotency = FakeIdempotency(self.store)
        self.ach_files = FakeAchFiles(self.store)
        self.autopay = FakeAutopay(self.store)
        self.refunds = FakeRefunds(self.store)
        self.disputes = FakeDisputes(self.store)
        self.processor_events = FakeProcessorEvents(self.store)
        self.commits = 0
        self._snapshot: dict | None = None

    def __enter__(self) -> FakeUnitOfWork:
        self._snapshot = copy.deepcopy({k: v for k, v in vars(self.store).items()
                                        if k != "ids"})
        self._committed = False
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self._committed:
            self.rollback()

    def commit(self) -> None:
        self._committed = True
        self.commits += 1
        self._assign_ids()

    def flush(self) -> None:
        self._assign_ids()

    def rollback(self) -> None:
        if self._snapshot is not None and not self._committed:
            # Restore in place so objects the test holds see the rolled-back state.
            for name, saved in self._snapshot.items():
                # The restored objects are copies; services re-read through repositories.
                current = getattr(self.store, name)
                current[:] = saved

    def _assign_ids(self) -> None:
        for account in self.store.accounts:
            for item in (*account.bills, *account.payment_methods):
                item.id = item.id or next(self.store.ids)
                item.account_id = account.id
        for obj in (*self.store.payments, *self.store.audit, *self.store.attempts,
                    *self.store.idempotency, *self.store.ach_files, *self.store.autopay,
                    *self.store.refunds, *self.store.disputes):
            obj.id = obj.id or next(self.store.ids)


@dataclass
class FakeCharge:
    """One charge as the fake processor holds it."""

    key: str  # idempotency key (charges Payline makes) or the connector's transaction id
    token: str
    amount: Money
    result: ChargeResult
    payline_reference: str | None
    created_at: datetime


class FakeGateway(PaymentGateway):
    """Approves everything except tokens starting with 'tok_decline' (declined) and
    'tok_pending' (left pending); idempotent per key like a real processor. `charge` keeps
    its idempotency key as Payline's reference; `connector_charge` plays the pay connector
    charging during a call with the reference as a <Pay> parameter. `lookups_fail` makes
    find_charge/charges_between raise as an unreachable processor would."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.charges: dict[str, tuple[str, Money, ChargeResult]] = {}
        self.held: list[FakeCharge] = []  # every charge, in order, as the processor lists them
        self.calls = 0
        self.fail_next = False
        self.lookups_fail = False
        self.lookups = 0
        self.saved: list[tuple[str, str]] = []  # (token, customer number) kept for later
        self.refunded: dict[str, tuple[str, Money, RefundResult]] = {}  # by idempotency key
        self.refund_times: dict[str, datetime] = {}
        self.disputes: list[ProcessorDispute] = []  # what a test has the bank open
        self._clock = clock

    def tokenize_card(self, card: CardDetails) -> TokenizedMethod:
        return TokenizedMethod(MethodKind.CARD, f"tok_card_{card.number[-4:]}", card.number[-4:],
                               brand="VISA", exp_month=card.exp_month, exp_year=card.exp_year)

    def tokenize_bank(self, bank: BankDetails) -> TokenizedMethod:
        return TokenizedMethod(MethodKind.BANK, f"tok_bank_{bank.account_number[-4:]}",
                               bank.account_number[-4:], bank_account_type=bank.account_type)

    def charge(self, token: str, amount: Money, idempotency_key: str,
               description: str = "") -> ChargeResult:
        self.calls += 1
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("processor unreachable")
        if idempotency_key in self.charges:
            old_token, old_amount, result = self.charges[idempotency_key]
            if (old_token, old_amount) != (token, amount):
                raise IdempotencyConflict()
            return result
        result = self._decide(token)
        self.charges[idempotency_key] = (token, amount, result)
        self.held.append(FakeCharge(idempotency_key, token, amount, result, idempotency_key,
                                    self._now()))
        return result

    def connector_charge(self, payline_reference: str | None, amount: Money, *,
                         approved: bool = True) -> ChargeResult:
        """A charge the processor makes itself while Twilio's <Pay> runs (never seen by the
        app until the <Pay> result): carries the reference Payline passed as a parameter."""
        result = (ChargeResult("approved", f"ref{len(self.held)}") if approved else
                  ChargeResult("declined", f"ref{len(self.held)}", "card_declined",
                               "the card was declined"))
        self.held.append(FakeCharge(f"connector:{len(self.held)}", "", amount, result,
                                    payline_reference, self._now()))
        return result

    def find_charge(self, payline_reference: str) -> ChargeResult | None:
        self._lookup()
        matching = [c for c in self.held if c.payline_reference == payline_reference]
        approved = [c for c in matching if c.result.approved]
        if approved:
            return approved[0].result
        return matching[-1].result if matching else None

    def charges_between(self, start: datetime, end: datetime) -> Iterator[ProcessorCharge]:
        self._lookup()
        for c in self.held:
            if start <= c.created_at < end:
                yield ProcessorCharge(reference=c.result.reference or "",
                                      payline_reference=c.payline_reference, amount=c.amount,
                                      status=c.result.status, created_at=c.created_at,
                                      decline_code=c.result.decline_code)

    def save_for_customer(self, token: str, customer: ProcessorCustomer) -> SavedAtProcessor:
        self.saved.append((token, customer.customer_number))
        last4 = token[-4:] if token[-4:].isdigit() else "4242"
        return SavedAtProcessor(TokenizedMethod(MethodKind.CARD, token, last4, brand="VISA"),
                                processor_customer_id=customer.processor_id
                                or f"cus_{customer.customer_number}")

    def refund(self, charge_reference: str, amount: Money,
               idempotency_key: str) -> RefundResult:
        """Idempotent per key; refuses more than is left of an approved charge."""
        self.calls += 1
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("processor unreachable")
        if idempotency_key in self.refunded:
            return self.refunded[idempotency_key][2]
        charge = next((c for c in self.held if c.result.reference == charge_reference
                       and c.result.approved), None)
        if charge is None:
            return RefundResult("failed", None, "There is no approved charge to refund.")
        left = charge.amount - sum(
            (a for ref, a, r in self.refunded.values() if ref == charge_reference and r.succeeded),
            Money.zero())
        if amount > left:
            return RefundResult("failed", None, f"Only {left.format()} is left to refund.")
        result = RefundResult("succeeded", f"re_{len(self.refunded)}")
        self.refunded[idempotency_key] = (charge_reference, amount, result)
        self.refund_times[idempotency_key] = self._now()
        return result

    def refunds_between(self, start: datetime, end: datetime) -> Iterator[ProcessorRefund]:
        self._lookup()
        for key, (charge_ref, amount, result) in self.refunded.items():
            at = self.refund_times[key]
            if start <= at < end and result.reference:
                yield ProcessorRefund(result.reference, charge_ref, amount, result.status, at,
                                      payline_reference=key)

    def disputes_between(self, start: datetime, end: datetime) -> Iterator[ProcessorDispute]:
        self._lookup()
        yield from (d for d in self.disputes if start <= d.created_at < end)

    def _decide(self, token: str) -> ChargeResult:
        if token.startswith("tok_decline"):
            return ChargeResult("declined", f"ref{len(self.held)}", "card_declined",
                                "the card was declined")
        if token.startswith("tok_pending"):
            return ChargeResult("pending", f"ref{len(self.held)}")
        return ChargeResult("approved", f"ref{len(self.held)}")

    def _lookup(self) -> None:
        self.lookups += 1
        if self.lookups_fail:
            raise ConnectionError("processor unreachable")

    def _now(self) -> datetime:
        return self._clock.now() if self._clock else datetime.now(UTC)


class FakeNotifier(Notifier):
    """Keeps what was sent; safe to share between threads (the concurrency tests do)."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []
        self._lock = threading.Lock()

    def send(self, notification: Notification) -> None:
        with self._lock:
            self.sent.append(notification)


class FakeLinkStore(LinkStore):
    """One-time links in memory (single use, as the SQL store's conditional update)."""

    def __init__(self) -> None:
        self.links: list[OneTimeLink] = []
        self._ids = itertools.count(1)

    def add(self, link: OneTimeLink) -> OneTimeLink:
        link.id = next(self._ids)
        self.links.append(link)
        return link

    def by_hash(self, token_hash: str) -> OneTimeLink | None:
        return next((link for link in self.links if link.token_hash == token_hash), None)

    def use(self, link_id: int, at: datetime) -> bool:
        link = next(link for link in self.links if link.id == link_id)
        if link.used_at is not None:
            return False
        link.used_at = at
        return True


class FakeConversationStore:
    """conversation.state.ConversationStore in memory, with the SQL adapter's optimistic
    save: each load hands out a copy, and a save of a stale copy is refused."""

    def __init__(self) -> None:
        self._states: dict[ConversationKey, ConversationState] = {}
        self._ids = itertools.count(1)
        self.saves = 0

    def load(self, key: ConversationKey) -> ConversationState | None:
        state = self._states.get(key)
        return copy.deepcopy(state) if state is not None else None

    def start(self, state: ConversationState) -> ConversationState:
        existing = self.load(state.key)
        if existing is not None:  # a concurrent/retried start
            return existing
        state.id, state.version = next(self._ids), 1
        self._states[state.key] = copy.deepcopy(state)
        return state

    def save(self, state: ConversationState) -> bool:
        stored = self._states.get(state.key)
        if stored is None or stored.version != state.version:
            return False
        state.version += 1
        self._states[state.key] = copy.deepcopy(state)
        self.saves += 1
        return True


class FakeHandoffLog(HandoffLog):
    """Handoffs in memory, as the SQL log keeps them."""

    def __init__(self) -> None:
        self.handoffs: list[Handoff] = []

    def add(self, handoff: Handoff) -> Handoff:
        handoff.id = len(self.handoffs) + 1
        self.handoffs.append(handoff)
        return handoff

    def get(self, handoff_id: int) -> Handoff | None:
        return next((h for h in self.handoffs if h.id == handoff_id), None)

    def latest_for_session(self, session_key: str) -> Handoff | None:
        return next((h for h in reversed(self.handoffs) if h.session_key == session_key), None)

    def with_status(self, statuses: tuple[str, ...] = (), limit: int = 50) -> list[Handoff]:
        return [h for h in self.handoffs if not statuses or h.status in statuses][:limit]

    def take(self, handoff_id: int, agent_id: str, at: datetime) -> bool:
        handoff = self.get(handoff_id)
        if handoff is None or handoff.status != HandoffStatus.OPEN:
            return False
        handoff.status, handoff.taken_by, handoff.taken_at = HandoffStatus.TAKEN, agent_id, at
        return True

    def close(self, handoff_id: int, agent_id: str, outcome: str, at: datetime) -> bool:
        handoff = self.get(handoff_id)
        if handoff is None or handoff.status == HandoffStatus.CLOSED:
            return False
        handoff.status, handoff.outcome, handoff.closed_at = HandoffStatus.CLOSED, outcome, at
        handoff.taken_by = handoff.taken_by or agent_id
        return True

    def for_account(self, account_id: int, limit: int = 20) -> list[Handoff]:
        return [h for h in reversed(self.handoffs) if h.account_id == account_id][:limit]


class FakeCallControl(CallControl):
    """Records redirects; `fail` raises that error instead (after recording the attempt)."""

    def __init__(self) -> None:
        self.redirects: list[tuple[str, str]] = []
        self.fail: Exception | None = None

    def redirect(self, call_sid: str, url: str) -> None:
        self.redirects.append((call_sid, url))
        if self.fail is not None:
            raise self.fail


class FakeSmsConsent(SmsConsent):
    """Opt-outs in memory: the numbers that texted STOP and not START since."""

    def __init__(self) -> None:
        self.opted_out: set[str] = set()

    def is_opted_out(self, phone: str) -> bool:
        return phone in self.opted_out

    def opt_out(self, phone: str, at: datetime, source: str) -> None:
        self.opted_out.add(phone)

    def opt_in(self, phone: str, at: datetime, source: str) -> None:
        self.opted_out.discard(phone)
