"""A 311 agent finds an account and sees all of it on one page: the ways an agent looks a
caller up (account number, customer ID + bill number, name + address, phone number) and
the account view (balance, bills, payments, paperless, lock state, recent activity).

Every search and every account view is audited with the agent's id: who looked at whose
account is the first question after a complaint. The audit records how the agent searched
and how many accounts matched, never what was typed (it may be a phone number). A card number
typed into any field is refused before the lookup. Nothing here
shows more of a payment method than its brand and last 4, and the SSN/Tax ID is only ever
stored as a salted hash of its last 4, so an agent cannot see it at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.errors import AgentActionError, InvalidPhoneNumber, NotFound
from domain.model import (
    Account,
    Actor,
    AuditEvent,
    Bill,
    Channel,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from domain.phone import normalize_phone
from domain.ports import Clock, UnitOfWork
from domain.redaction import contains_card_number
from domain.services.balance import BalanceSummary, summarize
from domain.services.identity import normalize_account_number

MAX_MATCHES = 20
ACTIVITY_LIMIT = 30
_MAX_FIELD = 100  # longer than any name, address or number a caller can say
CARD_IN_SEARCH = ("That looks like a card number, so nothing was searched and it was not kept. "
                  "Card numbers are never needed here: ask the caller for the account number "
                  "or customer ID printed on the bill.")


class SearchBy(StrEnum):
    ACCOUNT = "account"
    CUSTOMER_BILL = "customer_bill"
    NAME_ADDRESS = "name_address"
    PHONE = "phone"


SEARCH_LABELS = {
    SearchBy.ACCOUNT: "Account number",
    SearchBy.CUSTOMER_BILL: "Customer ID and bill number",
    SearchBy.NAME_ADDRESS: "Name and address",
    SearchBy.PHONE: "Phone number",
}


@dataclass(frozen=True)
class AccountSearch:
    by: SearchBy
    account_number: str = ""
    customer_id: str = ""
    bill_number: str = ""
    name: str = ""
    address: str = ""
    phone: str = ""


@dataclass(frozen=True)
class AccountMatch:
    account_id: int
    account_number: str
    kind: str
    holder: str
    service_address: str
    locked: bool


@dataclass(frozen=True)
class AccountOverview:
    account_id: int
    account_number: str
    kind: str
    holder: str
    customer_number: str
    service_address: str
    mailing_address: str
    phones: tuple[str, ...]
    email: str | None
    language: str
    locked_at: datetime | None
    lock_reason: str | None
    failed_verifications: int
    paperless: bool
    paperless_email: str | None
    paperless_since: datetime | None
    balance: BalanceSummary
    bills: tuple[Bill, ...]  # every bill, newest due date first
    payments: tuple[Payment, ...]  # the history residents can see (24 months), newest first
    methods: tuple[PaymentMethod, ...]  # saved methods: labels and expiry only
    activity: tuple[AuditEvent, ...]  # newest first

    @property
    def locked(self) -> bool:
        return self.locked_at is not None


class AccountLookupService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock,
                 history_months: int = 24) -> None:
        self._uow = uow
        self._clock = clock
        self._history = timedelta(days=31 * history_months)

    def search(self, query: AccountSearch, agent: Actor) -> list[AccountMatch]:
        """Matching accounts (at most MAX_MATCHES). Missing or malformed fields raise
        AgentActionError with what to fix; no match is an empty list. A field holding a card
        number is refused before any lookup (the audit says so, without the digits)."""
        _require_agent(agent)
        try:
            with self._uow() as uow:
                found = self._find(uow, query)
                matches = [_match(account) for account in found[:MAX_MATCHES]]
        except _CardNumberTyped:
            self._audit(AuditEvent(at=self._clock.now(), action="agent.searched",
                                   actor=str(agent), channel=Channel.AGENT,
                                   detail=f"by {SEARCH_LABELS[query.by].lower()}: refused, "
                                          "a card number was typed"))
            raise
        self._audit(AuditEvent(at=self._clock.now(), action="agent.searched", actor=str(agent),
                               channel=Channel.AGENT,
                               detail=f"by {SEARCH_LABELS[query.by].lower()}: "
                                      f"{len(found)} found"))
        return matches

    def overview(self, account_id: int, agent: Actor) -> AccountOverview:
        _require_agent(agent)
        with self._uow() as uow:
            account = uow.accounts.get(account_id)
            if account is None:
                raise NotFound("No account has that number.")
            now = self._clock.now()
            open_payments = uow.payments.for_account(
                account_id, statuses=[PaymentStatus.PENDING, PaymentStatus.SCHEDULED])
            payments = uow.payments.for_account(account_id, since=now - self._history)
            activity = uow.audit.for_account(account_id, ACTIVITY_LIMIT)
            overview = _overview(account, summarize(account, open_payments,
                                                    self._clock.today()),
                                 payments, activity)
        self._audit(AuditEvent(at=now, action="account.viewed_by_agent", actor=str(agent),
                               channel=Channel.AGENT, account_id=account_id))
        return overview

    def _audit(self, event: AuditEvent) -> None:
        # A transaction of its own that only writes: the reads above never have to upgrade
        # to a write lock, which SQLite refuses when a call wrote in between.
        with self._uow() as uow:
            uow.audit.add(event)
            uow.commit()

    def account_number(self, account_id: int) -> str:
        with self._uow() as uow:
            account = uow.accounts.get(account_id)
            if account is None:
                raise NotFound("No account has that number.")
            return account.account_number

    def agent_activity(self, limit: int = 200) -> list[AuditEvent]:
        """What agents did, newest first (the supervisors' audit page)."""
        with self._uow() as uow:
            return uow.audit.recent(limit, channel=Channel.AGENT)

    def _find(self, uow: UnitOfWork, query: AccountSearch) -> list[Account]:
        if query.by == SearchBy.ACCOUNT:
            number = _field(query.account_number, "the account number")
            account = uow.accounts.by_number(normalize_account_number(number))
            return [account] if account else []
        if query.by == SearchBy.CUSTOMER_BILL:
            customer = _field(query.customer_id, "the customer ID").replace(" ", "")
            bill = _field(query.bill_number, "the bill number").replace(" ", "")
            account = uow.accounts.general_account_for_bill(customer, bill)
            return [account] if account else []
        if query.by == SearchBy.NAME_ADDRESS:
            name = _field(query.name, "the name")
            address = _field(query.address, "the address")
            if len(name.replace(" ", "")) < 2:
                raise AgentActionError("Enter at least two letters of the name.")
            return uow.accounts.by_name_and_address(name, address, MAX_MATCHES + 1)
        try:
            phone = normalize_phone(_field(query.phone, "the phone number"))
        except InvalidPhoneNumber:
            raise AgentActionError("That is not a valid phone number.") from None
        return uow.accounts.by_phone(phone)


def _require_agent(actor: Actor) -> None:
    if actor.kind != "agent":
        raise AgentActionError("Only a signed-in 311 agent can look up accounts.")


class _CardNumberTyped(AgentActionError):
    message = CARD_IN_SEARCH


def _field(value: str, what: str) -> str:
    """What the agent typed, read here first: a card number in it stops the search."""
    text = " ".join((value or "").split())
    if not text:
        raise AgentActionError(f"Enter {what}.")
    if len(text) > _MAX_FIELD:
        raise AgentActionError(f"That is too long for {what}.")
    if contains_card_number(value):
        raise _CardNumberTyped()
    return text


def _street(account: Account) -> str:
    parts = [f"{account.service_street_number or ''} {account.service_street_name}".strip(),
             account.service_city]
    return ", ".join(part for part in parts if part)


def _match(account: Account) -> AccountMatch:
    return AccountMatch(account_id=account.id or 0, account_number=account.account_number,
                        kind=str(account.kind), holder=account.customer.name,
                        service_address=_street(account), locked=account.is_locked)


def _overview(account: Account, balance: BalanceSummary, payments: list[Payment],
              activity: list[AuditEvent]) -> AccountOverview:
    customer = account.customer
    mailing = ", ".join(part for part in (
        customer.mailing_street, customer.mailing_city,
        f"{customer.mailing_state} {customer.mailing_zip}".strip()) if part)
    return AccountOverview(
        account_id=account.id or 0, account_number=account.account_number,
        kind=str(account.kind), holder=customer.name,
        customer_number=customer.customer_number, service_address=_street(account),
        mailing_address=mailing, phones=tuple(p.number for p in customer.phones),
        email=customer.email, language=customer.language, locked_at=account.locked_at,
        lock_reason=account.lock_reason, failed_verifications=account.failed_verifications,
        paperless=account.paperless, paperless_email=account.paperless_email,
        paperless_since=account.paperless_since, balance=balance,
        bills=tuple(sorted(account.bills, key=lambda b: (b.due_date, b.bill_number),
                           reverse=True)),
        payments=tuple(payments),
        methods=tuple(m for m in account.payment_methods if m.enabled),
        activity=tuple(activity))
