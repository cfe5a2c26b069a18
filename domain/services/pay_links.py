"""Secure pay links (docs/architecture.md §5): chat and SMS never ask for card or bank numbers.

When a verified resident wants to pay (now, or on a later date) with a card or bank account
that is not saved, the chat sends a one-time link (`LinkPurpose.PAY`, 30 minutes, stored only
as a hash). The link's page posts the card/bank details straight to the processor, which
answers with a token; this service then pays with that token.

- `offer` validates the amount and date exactly as the payment would (same DomainErrors the
  chat shows) and issues the link; its payload is `{"amount": "146.57", "scheduled_for":
  "2026-12-01" | null}`, never anything secret.
- `show` and `review` only peek at the link: opening the page does not use it up.
- `complete` reads the method from the processor (`token_details`; the request is never
  trusted for last 4, brand or kind), then pays now or schedules. The idempotency key is the
  link's (`paylink:<link id>`), so one link pays at most once, whatever is submitted twice,
  concurrently or with another token. The payment is made *before* the link is marked used,
  so a refusal before any payment exists (the balance changed, the fee changed) does not cost
  the resident their link; a submit repeated after the link was used (a double click, a
  browser retry) gets the outcome of the payment that was made, if it carries the same
  processor token, and nothing is paid again.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from domain.errors import (
    AccountLocked,
    CardNumberNotAccepted,
    DomainError,
    InvalidAmount,
    InvalidPaymentMethod,
    LinkNotUsable,
    NotFound,
)
from domain.model import Account, Actor, Channel, LinkPurpose, MethodKind, OneTimeLink, Payment
from domain.money import Money
from domain.payment_policy import ScheduleWarning
from domain.ports import Clock, LinkStore, PaymentGateway, TokenizedMethod, UnitOfWork
from domain.redaction import contains_card_number
from domain.services.links import LinkService, hash_token, payload_of
from domain.services.payments import (
    MethodChoice,
    PaymentOutcome,
    PaymentRequest,
    PaymentService,
)

MAX_PROCESSOR_TOKEN = 100
MAX_NICKNAME = 40
# A submit repeated after the link was used is answered with its payment for this long after
# the link would have expired (a slow double submit near the end of the 30 minutes).
REPLAY_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class PayLinkOffer:
    """What the chat needs to send the link: `{PAYLINE_PUBLIC_URL}{offer.path}`."""

    token: str
    expires_at: datetime
    account_id: int
    amount: Money
    scheduled_for: date | None
    card_fee: Money
    warnings: tuple[ScheduleWarning, ...] = ()  # e.g. after the due date

    @property
    def path(self) -> str:
        return f"/pay/{self.token}"

    def url(self, public_url: str) -> str:
        return public_url.rstrip("/") + self.path


@dataclass(frozen=True)
class PayLinkView:
    """What the link's page shows before any method is chosen."""

    account_id: int
    masked_account: str  # "******0731"
    amount: Money
    scheduled_for: date | None  # None: pay today
    payment_date: date
    card_fee: Money
    bank_fee: Money
    expires_at: datetime
    due_date: date | None
    warnings: tuple[ScheduleWarning, ...] = ()

    @property
    def account_last4(self) -> str:
        return self.masked_account[-4:]

    @property
    def scheduled(self) -> bool:
        return self.scheduled_for is not None

    @property
    def card_total(self) -> Money:
        return self.amount + self.card_fee

    @property
    def bank_total(self) -> Money:
        return self.amount + self.bank_fee


@dataclass(frozen=True)
class PayLinkReview:
    """The review before paying: the method as the processor knows it, fee and total."""

    view: PayLinkView
    method: TokenizedMethod
    fee: Money

    @property
    def total(self) -> Money:
        return self.view.amount + self.fee

    @property
    def method_label(self) -> str:
        return self.method.label()

    @property
    def is_card(self) -> bool:
        return self.method.kind == MethodKind.CARD


@dataclass(frozen=True)
class _Offer:
    amount: Money
    scheduled_for: date | None


class PayLinkService:
    def __init__(self, links: LinkService, payments: PaymentService, clock: Clock, *,
                 gateway: PaymentGateway, uow: Callable[[], UnitOfWork],
                 link_store: LinkStore | None = None) -> None:
        """`gateway` tells what a processor token is; `uow` reads the account (masked
        number, lock) and a link's payment; `link_store` (the LinkService's store) finds a
        link already used, to answer a repeated submit with its payment."""
        self._links = links
        self._payments = payments
        self._clock = clock
        self._gateway = gateway
        self._uow = uow
        self._link_store = link_store

    # --- the chat's side --------------------------------------------------------------
    def offer(self, account_id: int, amount: Money, actor: Actor, *,
              scheduled_for: date | None = None) -> PayLinkOffer:
        """Validate like the payment itself would, then issue the link."""
        if not isinstance(amount, Money):
            raise InvalidAmount()
        # Card or bank does not change what amount or date is allowed; the card quote also
        # gives the fee the chat can mention.
        quote = self._payments.quote(account_id, amount, MethodKind.CARD, scheduled_for)
        account = self._account(account_id)
        if actor.is_resident and account.is_locked:
            raise AccountLocked()
        token = self._links.issue(LinkPurpose.PAY, account_id, actor, payload={
            "amount": amount.canonical(),
            "scheduled_for": scheduled_for.isoformat() if scheduled_for else None,
        })
        link = self._links.peek(token, LinkPurpose.PAY)
        return PayLinkOffer(token=token, expires_at=link.expires_at, account_id=account_id,
                            amount=amount, scheduled_for=scheduled_for, card_fee=quote.fee,
                            warnings=quote.warnings)

    # --- the page's side --------------------------------------------------------------
    def show(self, token: str) -> PayLinkView:
        """Raises LinkNotUsable (expired, used, unknown), AccountLocked, or the DomainError
        the payment would now meet (e.g. the balance was paid meanwhile)."""
        link = self._links.peek(token, LinkPurpose.PAY)
        return self._view(link, _offer_of(link))

    def review(self, token: str, processor_token: str) -> PayLinkReview:
        """The method the processor tokenized, with its fee, for the review page."""
        link = self._links.peek(token, LinkPurpose.PAY)
        view = self._view(link, _offer_of(link))
        method = self._method(processor_token)
        return PayLinkReview(view=view, method=method, fee=self._payments.fee(method.kind))

    def complete(self, token: str, processor_token: str, *, save_as: str | None,
                 accepted_fee: Money) -> PaymentOutcome:
        """Pay now or schedule with the tokenized method; uses the link up. A declined card
        is an outcome (payment rejected), not an exception."""
        try:
            link = self._links.peek(token, LinkPurpose.PAY)
        except LinkNotUsable:
            replayed = self._replay(token, processor_token)
            if replayed is None:
                raise
            return replayed
        offer = _offer_of(link)
        method = self._method(processor_token)
        nickname = normalize_nickname(save_as)
        if nickname == "":
            nickname = method.label()[:MAX_NICKNAME]
        request = PaymentRequest(
            account_id=link.account_id, amount=offer.amount,
            method=MethodChoice.new(method, save_as=nickname),
            actor=_actor(link), idempotency_key=idempotency_key(link),
            accepted_fee=accepted_fee, scheduled_for=offer.scheduled_for)
        if offer.scheduled_for is None:
            outcome = self._payments.pay_now(request)
        else:
            outcome = self._payments.schedule(request)
        try:
            self._links.redeem(token, LinkPurpose.PAY)
        except LinkNotUsable:
            pass  # a concurrent twin used it, or it expired this instant: still paid once
        return outcome

    # --- internals --------------------------------------------------------------------
    def _view(self, link: OneTimeLink, offer: _Offer) -> PayLinkView:
        account = self._account(link.account_id)
        if account.is_locked:
            raise AccountLocked()
        quote = self._payments.quote(link.account_id, offer.amount, MethodKind.CARD,
                                     offer.scheduled_for)
        return PayLinkView(
            account_id=link.account_id, masked_account=account.masked_number(),
            amount=offer.amount, scheduled_for=offer.scheduled_for,
            payment_date=quote.payment_date, card_fee=self._payments.fee(MethodKind.CARD),
            bank_fee=self._payments.fee(MethodKind.BANK), expires_at=link.expires_at,
            due_date=quote.due_date, warnings=quote.warnings)

    def _account(self, account_id: int) -> Account:
        with self._uow() as uow:
            account = uow.accounts.get(account_id)
            if account is None:
                raise NotFound("We could not find that account.")
            return account

    def _method(self, processor_token: str) -> TokenizedMethod:
        if (not isinstance(processor_token, str) or not processor_token
                or len(processor_token) > MAX_PROCESSOR_TOKEN):
            raise InvalidPaymentMethod(_METHOD_UNKNOWN)
        method = self._gateway.token_details(processor_token)
        if method is None or not method.token or not method.last4:
            raise InvalidPaymentMethod(_METHOD_UNKNOWN)
        return method

    def _replay(self, token: str, processor_token: str) -> PaymentOutcome | None:
        """The payment a used (or just expired) link made, for a submit of the same method
        repeated after it; None when there is none to show."""
        if (self._link_store is None or not isinstance(token, str) or not token
                or len(token) > 100 or not isinstance(processor_token, str)
                or not processor_token or len(processor_token) > MAX_PROCESSOR_TOKEN):
            return None
        link = self._link_store.by_hash(hash_token(token))
        if (link is None or link.purpose != LinkPurpose.PAY
                or self._clock.now() >= link.expires_at + REPLAY_GRACE):
            return None
        payment = self._payment_of(link)
        if payment is None or not hmac.compare_digest(payment.method_token.encode(),
                                                      processor_token.encode()):
            return None
        return PaymentOutcome(payment, replayed=True)

    def _payment_of(self, link: OneTimeLink) -> Payment | None:
        with self._uow() as uow:
            record = uow.idempotency.get(idempotency_key(link))
            if record is None or record.payment_id is None:
                return None
            payment = uow.payments.get(record.payment_id)
            if payment is None or payment.account_id != link.account_id:
                return None
            return payment


CARD_IN_NICKNAME = ("That nickname looks like a card number, so it was not used or kept. "
                    "Please choose a nickname without card numbers, like \"my Visa\".")
_METHOD_UNKNOWN = ("We could not read that card or bank account from the payment processor. "
                   "Please enter it again.")


def idempotency_key(link: OneTimeLink) -> str:
    """One payment per link, ever: every submit through the link carries this key."""
    return f"paylink:{link.id}"


def _actor(link: OneTimeLink) -> Actor:
    return Actor.resident(Channel.WEB, f"link:{link.id}")


def _offer_of(link: OneTimeLink) -> _Offer:
    """The link's payload; a link whose payload cannot be read is as good as unusable."""
    payload: dict[str, Any] = payload_of(link)
    try:
        amount_text = payload.get("amount")
        if not isinstance(amount_text, str):
            raise ValueError("no amount")
        amount = Money.parse(amount_text)
        when = payload.get("scheduled_for")
        scheduled_for = date.fromisoformat(when) if isinstance(when, str) else None
        if when is not None and scheduled_for is None:
            raise ValueError("bad date")
    except (ValueError, DomainError) as exc:
        raise LinkNotUsable() from exc
    return _Offer(amount=amount, scheduled_for=scheduled_for)


def normalize_nickname(save_as: str | None) -> str | None:
    """The nickname to save the method under (None: do not save; "": save under its label).
    Whitespace collapsed, control characters dropped, at most 40 characters. One with a card
    number in it is refused (before any payment), never saved redacted."""
    if save_as is None or not isinstance(save_as, str):
        return None
    if contains_card_number(save_as):
        raise CardNumberNotAccepted(CARD_IN_NICKNAME)
    text = "".join(" " if ch.isspace() else ch for ch in save_as[:200]
                   if ch.isspace() or ch.isprintable())
    text = " ".join(text.split())
    return text[:MAX_NICKNAME].strip()

