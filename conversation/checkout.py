"""The checkout every channel runs, written once: the amount options (full balance, past due,
another amount), the one amount check, the costs and quote heard before confirming, the
submit that returns a `PaymentResult`, and the secure pay link offer.

Channels keep only their I/O and their words: the phone says a `ResultCode` in
ivr/voice/prompts, the texts in ivr/sms, the chat in chatbot/actions. Nothing here words
anything for a resident except the domain's own refusal messages, passed through as `detail`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from domain.errors import AmountOutOfRange, DomainError, InvalidAmount, InvalidDate, NothingDue
from domain.model import Actor, MethodKind, Payment, PaymentMethod, PaymentStatus
from domain.money import Money
from domain.ports import Clock
from domain.services.balance import BalanceService, BalanceSummary
from domain.services.pay_links import PayLinkOffer, PayLinkService
from domain.services.payments import (
    PaymentOutcome,
    PaymentQuote,
    PaymentRequest,
    PaymentService,
)


@dataclass(frozen=True)
class ClearingTime:
    """How long a bank debit takes to clear, in business days."""

    min_days: int
    max_days: int


# The one clearing time every channel states (the domain's receipts say the same:
# domain/notifications.py "submitted").
BANK_CLEARING = ClearingTime(1, 2)


class CheckoutServices(Protocol):
    """What the checkout needs from the composition root (ivr.bootstrap.Container)."""

    @property
    def clock(self) -> Clock: ...

    def payment_service(self) -> PaymentService: ...

    def balance_service(self) -> BalanceService: ...

    def pay_link_service(self) -> PayLinkService: ...


# --- the amount -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AmountOptions:
    """What a resident may choose to pay: the full payable amount, the past-due part when it
    is a real choice, or another amount (always)."""

    balance: Money  # the total balance due
    full: Money  # the most payable now: the balance less payments on their way (+ allowance)
    past_due: Money  # the past-due part of the balance, zero when none

    @property
    def nothing_due(self) -> bool:
        return not self.balance.is_positive()

    @property
    def covered(self) -> bool:
        """A balance is due, but payments already pending or scheduled cover it."""
        return self.balance.is_positive() and not self.full.is_positive()

    @property
    def past_due_option(self) -> Money | None:
        """Offered only when positive and less than the full amount (else it is no choice)."""
        if self.past_due.is_positive() and self.past_due < self.full:
            return self.past_due
        return None


def amount_options(summary: BalanceSummary, payable: Money) -> AmountOptions:
    return AmountOptions(balance=summary.total_due, full=payable, past_due=summary.past_due)


class AmountProblem(StrEnum):
    INVALID = "invalid"  # not a payable amount (zero, negative, more than 2 decimals)
    NOTHING_DUE = "nothing_due"  # no balance at all
    COVERED = "covered"  # payments on their way already cover the balance
    TOO_HIGH = "too_high"  # more than the most payable now (AmountCheck.payable)


@dataclass(frozen=True)
class AmountCheck:
    amount: Money
    problem: AmountProblem | None = None
    payable: Money | None = None  # the most payable now (unknown only for INVALID/NOTHING_DUE)
    detail: str = ""  # the domain's words for the problem

    @property
    def ok(self) -> bool:
        return self.problem is None


# --- costs, quote -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Costs:
    """An amount with the fee of a method kind: what the resident accepts before paying."""

    amount: Money
    fee: Money

    @property
    def total(self) -> Money:
        return self.amount + self.fee

    @property
    def has_fee(self) -> bool:
        return self.fee.is_positive()


@dataclass(frozen=True)
class Confirmation:
    """The confirmation summary of a validated payment: the domain's quote (its warnings
    passed through untouched, `quote.warnings`) and the method's label."""

    quote: PaymentQuote
    method_label: str

    @property
    def costs(self) -> Costs:
        return Costs(self.quote.amount, self.quote.fee)

    @property
    def amount(self) -> Money:
        return self.quote.amount

    @property
    def fee(self) -> Money:
        return self.quote.fee

    @property
    def total(self) -> Money:
        return self.quote.total

    @property
    def payment_date(self) -> date:
        return self.quote.payment_date


# --- the result -----------------------------------------------------------------------------


class ResultCode(StrEnum):
    APPROVED = "approved"  # a card charged
    SUBMITTED = "submitted"  # pending: a bank debit on its way (BANK_CLEARING)
    PROCESSING = "processing"  # pending: a card charge the processor has not answered (it
    #                            could not be reached); the runner finishes it, never twice
    RESERVED = "reserved"  # pending for a charge the processor makes itself (voice <Pay>)
    SCHEDULED = "scheduled"
    DECLINED = "declined"  # rejected by the processor: PaymentResult.reason
    ALREADY_PAID = "already_paid"  # the same request again (its idempotency key): nothing more
    NOTHING_DUE = "nothing_due"
    BALANCE_CHANGED = "balance_changed"  # the amount is no longer payable (paid meanwhile)
    INVALID_DATE = "invalid_date"
    INVALID = "invalid"  # any other refusal: `detail` says why


REFUSALS = frozenset({ResultCode.NOTHING_DUE, ResultCode.BALANCE_CHANGED,
                      ResultCode.INVALID_DATE, ResultCode.INVALID})


@dataclass(frozen=True)
class PaymentResult:
    """What submitting a payment came to, for a channel to word. `first` is the code the
    first answer to this request had: channels that answer a repeated request as they
    answered it the first time (phone, chat) word `first`; those that say "already paid"
    word `code`."""

    code: ResultCode
    payment: Payment | None = None  # None for a refusal
    detail: str = ""  # the domain's words for a refusal
    first: ResultCode | None = None

    @property
    def refused(self) -> bool:
        return self.code in REFUSALS

    @property
    def replayed(self) -> bool:
        return self.code == ResultCode.ALREADY_PAID

    @property
    def confirmation_number(self) -> str:
        return self._payment.confirmation_number

    @property
    def amount(self) -> Money:
        return self._payment.amount

    @property
    def fee(self) -> Money:
        return self._payment.fee

    @property
    def costs(self) -> Costs:
        return Costs(self._payment.amount, self._payment.fee)

    @property
    def total(self) -> Money:
        return self.costs.total

    @property
    def method_label(self) -> str:
        return self._payment.method_label

    @property
    def payment_date(self) -> date:
        return self._payment.scheduled_for

    @property
    def reason(self) -> str:
        """Why a declined payment was declined, without a closing full stop."""
        return (self._payment.rejection_reason or "it was declined").rstrip(". ")

    @property
    def _payment(self) -> Payment:
        if self.payment is None:
            raise ValueError(f"a {self.code} result has no payment")
        return self.payment


def result_of(outcome: PaymentOutcome, *, scheduled: bool = False,
              reserved: bool = False) -> PaymentResult:
    """The result of a payment service outcome (pay_now, schedule, begin_payment)."""
    payment = outcome.payment
    if payment.status == PaymentStatus.REJECTED:
        first = ResultCode.DECLINED
    elif scheduled:
        first = ResultCode.SCHEDULED
    elif reserved:
        first = ResultCode.RESERVED
    elif payment.status == PaymentStatus.APPROVED:
        first = ResultCode.APPROVED
    elif payment.method_kind == MethodKind.CARD:
        first = ResultCode.PROCESSING
    else:
        first = ResultCode.SUBMITTED
    code = ResultCode.ALREADY_PAID if outcome.replayed and first != ResultCode.DECLINED \
        else first
    return PaymentResult(code=code, payment=payment, first=first)


def refusal_of(error: DomainError) -> PaymentResult:
    if isinstance(error, NothingDue):
        code = ResultCode.NOTHING_DUE
    elif isinstance(error, AmountOutOfRange):
        code = ResultCode.BALANCE_CHANGED
    elif isinstance(error, InvalidDate):
        code = ResultCode.INVALID_DATE
    else:
        code = ResultCode.INVALID
    return PaymentResult(code=code, detail=error.detail)


# --- the pay link -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PayLink:
    """A secure one-time pay link to send: its URL and how long it works."""

    url: str
    minutes: int  # whole minutes left: rounded down, at least 1, never more than is left
    offer: PayLinkOffer

    @property
    def amount(self) -> Money:
        return self.offer.amount

    @property
    def scheduled_for(self) -> date | None:
        return self.offer.scheduled_for


def minutes_left(expires_at: datetime, now: datetime) -> int:
    """Whole minutes until a link expires, rounded down but at least 1."""
    return max(1, int((expires_at - now).total_seconds() // 60))


# --- the checkout ---------------------------------------------------------------------------


class Checkout:
    """The checkout of one conversation turn, on the services of the composition root."""

    def __init__(self, services: CheckoutServices) -> None:
        self._services = services

    def options(self, account_id: int) -> AmountOptions:
        summary = self._services.balance_service().summary(account_id)
        return amount_options(summary, self._services.payment_service().payable(account_id))

    def check_amount(self, account_id: int, amount: Money) -> AmountCheck:
        """Can this amount be paid now? If not, why, and the most that can be paid."""
        payments = self._services.payment_service()
        try:
            # The domain's amount rules, once for every channel (domain/payment_policy.py).
            payable = payments.check_amount(account_id, amount)
        except AmountOutOfRange as error:
            most = payments.payable(account_id)
            problem = AmountProblem.TOO_HIGH if most.is_positive() else AmountProblem.COVERED
            return AmountCheck(amount, problem, payable=most, detail=error.detail)
        except InvalidAmount as error:
            return AmountCheck(amount, AmountProblem.INVALID, detail=error.detail)
        except NothingDue as error:
            return AmountCheck(amount, AmountProblem.NOTHING_DUE, detail=error.detail)
        return AmountCheck(amount, payable=payable)

    def fee(self, kind: MethodKind) -> Money:
        return self._services.payment_service().fee(kind)

    def costs(self, amount: Money, kind: MethodKind) -> Costs:
        """The fee and total of an amount by a method kind (nothing is validated)."""
        return Costs(amount, self.fee(kind))

    def quote(self, account_id: int, amount: Money, method: PaymentMethod,
              scheduled_for: date | None = None) -> Confirmation:
        """The confirmation summary of a payment with a saved method; raises the domain's
        error if it could not be paid."""
        quote = self._services.payment_service().quote(account_id, amount, method.kind,
                                                       scheduled_for)
        return Confirmation(quote=quote, method_label=method.label())

    def submit(self, request: PaymentRequest) -> PaymentResult:
        """Pay now, or schedule when the request has a date; a refusal is a result too."""
        payments = self._services.payment_service()
        scheduled = request.scheduled_for is not None
        try:
            outcome = payments.schedule(request) if scheduled else payments.pay_now(request)
        except DomainError as error:
            return refusal_of(error)
        return result_of(outcome, scheduled=scheduled)

    def reserve(self, request: PaymentRequest) -> PaymentResult:
        """A pending payment for a charge the processor makes itself (voice <Pay>):
        RESERVED, or a refusal."""
        try:
            outcome = self._services.payment_service().begin_payment(request)
        except DomainError as error:
            return refusal_of(error)
        return result_of(outcome, reserved=True)

    def pay_link(self, account_id: int, amount: Money, actor: Actor, public_url: str, *,
                 scheduled_for: date | None = None) -> PayLink:
        """Issue a secure pay link; raises the domain's error (e.g. NothingDue,
        AmountOutOfRange) when the amount or date could not be paid."""
        # Read before issuing: a 30-minute link is "30 minutes", not 29 because a few
        # milliseconds passed while it was issued.
        now = self._services.clock.now()
        offer = self._services.pay_link_service().offer(account_id, amount, actor,
                                                        scheduled_for=scheduled_for)
        return PayLink(url=offer.url(public_url), minutes=minutes_left(offer.expires_at, now),
                       offer=offer)
