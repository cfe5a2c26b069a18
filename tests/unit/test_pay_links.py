"""PayLinkService: the secure pay link behind /pay/<token> (docs/architecture.md §5), with the
fakes."""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta

import pytest

from domain.errors import (
    AccountLocked,
    AmountOutOfRange,
    CardNumberNotAccepted,
    DateNotInFuture,
    DateTooFarAhead,
    FeeNotAccepted,
    IdempotencyConflict,
    InvalidAmount,
    InvalidPaymentMethod,
    LinkNotUsable,
    NothingDue,
)
from domain.model import (
    Actor,
    BankAccountType,
    Channel,
    LinkPurpose,
    MethodKind,
    PaymentStatus,
)
from domain.money import Money
from domain.ports import BankDetails, CardDetails, TokenizedMethod
from domain.services.links import LinkService, hash_token
from domain.services.pay_links import PayLinkService, idempotency_key
from tests.fakes import FakeGateway, FakeLinkStore

CHAT = Actor.resident(Channel.CHAT, "chat-1")
FEE = Money.of("1.25")


class ProcessorGateway(FakeGateway):
    """FakeGateway that remembers what it tokenized, like a processor's token_details."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens: dict[str, TokenizedMethod] = {}
        self._n = itertools.count(1)

    def tokenize_card(self, card: CardDetails) -> TokenizedMethod:
        prefix = "tok_decline" if card.number.endswith("0002") else "tok_card"
        method = TokenizedMethod(MethodKind.CARD, f"{prefix}_{next(self._n)}", card.number[-4:],
                                 brand="VISA", exp_month=card.exp_month, exp_year=card.exp_year)
        self.tokens[method.token] = method
        return method

    def tokenize_bank(self, bank: BankDetails) -> TokenizedMethod:
        method = TokenizedMethod(MethodKind.BANK, f"tok_bank_{next(self._n)}",
                                 bank.account_number[-4:], bank_account_type=bank.account_type)
        self.tokens[method.token] = method
        return method

    def token_details(self, token: str) -> TokenizedMethod | None:
        return self.tokens.get(token)


@pytest.fixture
def gateway() -> ProcessorGateway:  # overrides conftest's: the payments service charges it
    return ProcessorGateway()


@pytest.fixture
def store() -> FakeLinkStore:
    return FakeLinkStore()


@pytest.fixture
def links(store, clock) -> LinkService:
    return LinkService(store, clock)


@pytest.fixture
def service(links, payments, clock, gateway, uow, store) -> PayLinkService:
    return PayLinkService(links, payments, clock, gateway=gateway, uow=lambda: uow,
                          link_store=store)


def card(gateway: ProcessorGateway, number: str = "4242424242424242") -> str:
    return gateway.tokenize_card(CardDetails(number, 12, 2030, "123")).token


def bank(gateway: ProcessorGateway) -> str:
    return gateway.tokenize_bank(BankDetails("011000015", "000123456789",
                                             BankAccountType.SAVINGS)).token


# --- offer -----------------------------------------------------------------------------


def test_offer_issues_a_pay_link_with_the_amount_and_date(service, account, store, clock):
    offer = service.offer(account.id, Money.of("40.00"), CHAT)
    assert offer.token and offer.path == f"/pay/{offer.token}"
    assert offer.url("https://pay.example.gov/") == f"https://pay.example.gov/pay/{offer.token}"
    assert offer.expires_at == clock.now() + timedelta(minutes=30)
    assert offer.card_fee == FEE and offer.scheduled_for is None
    [link] = store.links
    assert link.purpose == LinkPurpose.PAY and link.account_id == account.id
    assert link.token_hash == hash_token(offer.token) and offer.token not in link.payload
    assert json.loads(link.payload) == {"amount": "40.00", "scheduled_for": None}
    assert link.channel == Channel.CHAT and link.created_by == "resident:chat-1"


def test_offer_for_a_later_date_keeps_the_date_and_its_warning(service, account, store):
    offer = service.offer(account.id, Money.of("85.50"), CHAT, scheduled_for=date(2026, 12, 1))
    assert json.loads(store.links[0].payload) == {"amount": "85.50",
                                                  "scheduled_for": "2026-12-01"}
    assert offer.scheduled_for == date(2026, 12, 1)
    assert any("past due" in w.message for w in offer.warnings)  # $40 of the balance is late


@pytest.mark.parametrize(("amount", "when", "error"), [
    ("125.51", None, AmountOutOfRange),
    ("0", None, InvalidAmount),
    ("10", date(2026, 11, 22), DateNotInFuture),
    ("10", date(2027, 3, 1), DateTooFarAhead),
])
def test_offer_refuses_what_the_payment_would_refuse_and_issues_nothing(
        service, account, store, amount, when, error):
    with pytest.raises(error):
        service.offer(account.id, Money.of(amount), CHAT, scheduled_for=when)
    assert store.links == []


def test_offer_needs_money_not_a_number(service, account, store):
    with pytest.raises(InvalidAmount):
        service.offer(account.id, 10.5, CHAT)  # type: ignore[arg-type]
    assert store.links == []


def test_offer_refuses_a_locked_account(service, account, store, clock):
    account.locked_at = clock.now()  # before any read: the fixture's object is the stored one
    with pytest.raises(AccountLocked):
        service.offer(account.id, Money.of("10"), CHAT)
    assert store.links == []


def test_offer_with_nothing_due(service, account, store):
    for bill in account.bills:
        bill.unpaid = Money.zero()
    with pytest.raises(NothingDue):
        service.offer(account.id, Money.of("10"), CHAT)


# --- show and review --------------------------------------------------------------------


def test_show_peeks_without_using_the_link(service, account, store, clock):
    offer = service.offer(account.id, Money.of("40.00"), CHAT)
    view = service.show(offer.token)
    service.show(offer.token)
    assert view.masked_account == "******5678" and view.account_last4 == "5678"
    assert (view.amount, view.card_fee, view.bank_fee) == (Money.of("40"), FEE, Money.zero())
    assert (view.card_total, view.bank_total) == (Money.of("41.25"), Money.of("40"))
    assert view.payment_date == clock.today() and not view.scheduled
    assert view.expires_at == offer.expires_at
    assert store.links[0].used_at is None


def test_show_refuses_expired_unknown_and_other_purpose_links(service, links, account, clock):
    offer = service.offer(account.id, Money.of("40.00"), CHAT)
    paperless = links.issue(LinkPurpose.PAPERLESS, account.id, CHAT)
    for token in ("nope", "", "x" * 500, paperless):
        with pytest.raises(LinkNotUsable):
            service.show(token)
    clock.advance(minutes=31)
    with pytest.raises(LinkNotUsable):
        service.show(offer.token)


def test_show_says_when_the_balance_was_paid_meanwhile(service, account, uow):
    offer = service.offer(account.id, Money.of("100.00"), CHAT)
    for bill in uow.accounts.get(account.id).bills:  # the fake restores copies: re-read
        bill.unpaid = Money.of("10.00")
    with pytest.raises(AmountOutOfRange):
        service.show(offer.token)


def test_show_refuses_a_locked_account(service, account, clock, uow):
    offer = service.offer(account.id, Money.of("40.00"), CHAT)
    uow.accounts.get(account.id).locked_at = clock.now()
    with pytest.raises(AccountLocked):
        service.show(offer.token)


def test_a_link_with_an_unreadable_payload_is_not_usable(service, links, account):
    for payload in ({}, {"amount": 40}, {"amount": "40.001"}, {"amount": "40",
                                                               "scheduled_for": "soon"}):
        token = links.issue(LinkPurpose.PAY, account.id, CHAT, payload=payload)
        with pytest.raises(LinkNotUsable):
            service.show(token)


def test_review_reads_the_method_from_the_processor(service, account, gateway):
    offer = service.offer(account.id, Money.of("40.00"), CHAT)
    review = service.review(offer.token, card(gateway))
    assert review.method_label == "VISA ending 4242" and review.is_card
    assert (review.fee, review.total) == (FEE, Money.of("41.25"))
    bank_review = service.review(offer.token, bank(gateway))
    assert bank_review.method_label == "savings account ending 6789"
    assert (bank_review.fee, bank_review.total) == (Money.zero(), Money.of("40"))


@pytest.mark.parametrize("token", ["tok_never_issued", "", "t" * 101])
def test_review_refuses_a_token_the_processor_does_not_know(service, account, token):
    offer = service.offer(account.id, Money.of("40.00"), CHAT)
    with pytest.raises(InvalidPaymentMethod):
        service.review(offer.token, token)


# --- complete ---------------------------------------------------------------------------


def test_card_pay_now_is_approved_and_uses_the_link(service, account, gateway, store, uow):
    offer = service.offer(account.id, Money.of("40.00"), CHAT)
    outcome = service.complete(offer.token, card(gateway), save_as=None, accepted_fee=FEE)
    payment = outcome.payment
    assert outcome.approved and not outcome.replayed
    assert (payment.amount, payment.fee, payment.method_label) == (
        Money.of("40"), FEE, "VISA ending 4242")
    assert payment.channel == Channel.WEB and payment.created_by == "resident:link:1"
    assert payment.idempotency_key == "paylink:1" == idempotency_key(store.links[0])
    assert store.links[0].used_at is not None
    assert len(gateway.charges) == 1
    assert uow.accounts.get(account.id).balance_due() == Money.of("85.50")
    assert uow.accounts.get(account.id).payment_methods[3:] == []  # not saved unless asked
    with pytest.raises(LinkNotUsable):
        service.show(offer.token)


def test_bank_payment_on_a_later_date_is_scheduled_without_fee(service, account, gateway,
                                                               store):
    offer = service.offer(account.id, Money.of("85.50"), CHAT, scheduled_for=date(2026, 12, 1))
    outcome = service.complete(offer.token, bank(gateway), save_as=None,
                               accepted_fee=Money.zero())
    payment = outcome.payment
    assert payment.status == PaymentStatus.SCHEDULED
    assert payment.scheduled_for == date(2026, 12, 1) and payment.fee == Money.zero()
    assert payment.method_label == "savings account ending 6789"
    assert any("past due" in w.message for w in outcome.warnings)
    assert gateway.calls == 0 and store.links[0].used_at is not None


def test_bank_pay_now_is_submitted_pending(service, account, gateway):
    offer = service.offer(account.id, Money.of("20.00"), CHAT)
    outcome = service.complete(offer.token, bank(gateway), save_as=None,
                               accepted_fee=Money.zero())
    assert outcome.payment.status == PaymentStatus.PENDING


def test_a_declined_card_is_an_outcome_and_the_link_is_used(service, account, gateway, store,
                                                           uow):
    offer = service.offer(account.id, Money.of("40.00"), CHAT)
    outcome = service.complete(offer.token, card(gateway, "4000000000000002"), save_as=None,
                               accepted_fee=FEE)
    assert outcome.payment.status == PaymentStatus.REJECTED
    assert store.links[0].used_at is not None
    assert uow.accounts.get(account.id).balance_due() == Money.of("125.50")


def test_a_double_submit_pays_once_and_answers_with_the_same_payment(service, account,
                                                                     gateway, uow):
    offer = service.offer(account.id, Money.of("40.00"), CHAT)
    token = card(gateway)
    first = service.complete(offer.token, token, save_as="visa", accepted_fee=FEE)
    again = service.complete(offer.token, token, save_as="visa", accepted_fee=FEE)
    assert again.replayed and again.payment.confirmation_number == \
        first.payment.confirmation_number
    assert again.approved
    assert len(uow.store.payments) == 1 and len(gateway.charges) == 1
    methods = uow.accounts.get(account.id).payment_methods
    assert [m.nickname for m in methods].count("visa") == 1


def test_a_used_link_shows_nothing_to_another_method_or_too_late(service, account, gateway,
                                                                 clock):
    offer = service.offer(account.id, Money.of("40.00"), CHAT)
    token = card(gateway)
    service.complete(offer.token, token, save_as=None, accepted_fee=FEE)
    with pytest.raises(LinkNotUsable):
        service.complete(offer.token, card(gateway, "5555555555554444"), save_as=None,
                         accepted_fee=FEE)
    with pytest.raises(LinkNotUsable):
        service.complete("not-a-link", token, save_as=None, accepted_fee=FEE)
    clock.advance(minutes=30 + 61)
    with pytest.raises(LinkNotUsable):
        service.complete(offer.token, token, save_as=None, accepted_fee=FEE)


def test_without_the_link_store_a_used_link_is_simply_unusable(links, payments, clock, gateway,
                                                              uow, account):
    service = PayLinkService(links, payments, clock, gateway=gateway, uow=lambda: uow)
    offer = service.offer(account.id, Money.of("40.00"), CHAT)
    token = card(gateway)
    service.complete(offer.token, token, save_as=None, accepted_fee=FEE)
    with pytest.raises(LinkNotUsable):
        service.complete(offer.token, token, save_as=None, accepted_fee=FEE)


def test_one_link_never_pays_twice_even_with_another_card(service, account, gateway, links,
                                                          uow, monkeypatch):
    """A twin submit that raced past the link check with another card is refused by the
    link's idempotency key."""
    offer = service.offer(account.id, Money.of("10.00"), CHAT)
    monkeypatch.setattr(links, "redeem", lambda *a: (_ for _ in ()).throw(LinkNotUsable()))
    service.complete(offer.token, card(gateway), save_as=None, accepted_fee=FEE)
    with pytest.raises(IdempotencyConflict):
        service.complete(offer.token, card(gateway, "5555555555554444"), save_as=None,
                         accepted_fee=FEE)
    assert len(uow.store.payments) == 1 and len(gateway.charges) == 1


def test_a_refusal_before_paying_keeps_the_link(service, account, gateway, store, uow):
    offer = service.offer(account.id, Money.of("40.00"), CHAT)
    with pytest.raises(FeeNotAccepted):
        service.complete(offer.token, card(gateway), save_as=None, accepted_fee=Money.zero())
    with pytest.raises(InvalidPaymentMethod):
        service.complete(offer.token, "tok_forged", save_as=None, accepted_fee=FEE)
    assert store.links[0].used_at is None and uow.store.payments == []
    assert service.complete(offer.token, card(gateway), save_as=None,
                            accepted_fee=FEE).approved


def test_the_method_comes_from_the_processor_not_the_request(service, account, gateway):
    """A bank token paid as if it were a card would skip nothing: its kind is the
    processor's, so no card fee is charged and the label is the bank's."""
    offer = service.offer(account.id, Money.of("40.00"), CHAT)
    outcome = service.complete(offer.token, bank(gateway), save_as=None,
                               accepted_fee=Money.zero())
    assert outcome.payment.method_kind == MethodKind.BANK
    assert outcome.payment.fee == Money.zero()


def test_a_locked_account_cannot_pay_through_an_earlier_link(service, account, gateway, store,
                                                             clock, uow):
    offer = service.offer(account.id, Money.of("40.00"), CHAT)
    uow.accounts.get(account.id).locked_at = clock.now()
    with pytest.raises(AccountLocked):
        service.complete(offer.token, card(gateway), save_as=None, accepted_fee=FEE)
    assert store.links[0].used_at is None


@pytest.mark.parametrize(("save_as", "nickname"), [
    ("  my   Visa ", "my Visa"),
    ("", "VISA ending 4242"),
    ("x" * 100, "x" * 40),
    ("tab\there\x00", "tab here"),
])
def test_the_method_can_be_saved_under_a_clean_nickname(service, account, gateway, uow,
                                                         save_as, nickname):
    offer = service.offer(account.id, Money.of("40.00"), CHAT)
    outcome = service.complete(offer.token, card(gateway), save_as=save_as, accepted_fee=FEE)
    saved = uow.accounts.get(account.id).payment_methods[-1]
    assert saved.nickname == nickname and saved.last4 == "4242" and saved.brand == "VISA"
    assert outcome.payment.payment_method_id == saved.id


@pytest.mark.parametrize("save_as", [
    "card 4242 4242 4242 4242",
    "my visa 4242\u00a04242\u00a04242\u00a04242",
    "４２４２－４２４２－４２４２－４２４２",
    "visa4242424242424242",
])
def test_a_nickname_with_a_card_number_is_refused_not_saved_redacted(service, account, gateway,
                                                                     store, uow, save_as):
    offer = service.offer(account.id, Money.of("40.00"), CHAT)
    methods_before = len(uow.accounts.get(account.id).payment_methods)
    with pytest.raises(CardNumberNotAccepted) as refused:
        service.complete(offer.token, card(gateway), save_as=save_as, accepted_fee=FEE)
    assert "nickname" in refused.value.detail
    # Refused before paying: nothing paid, nothing saved, the link still usable.
    assert uow.store.payments == [] and not gateway.charges
    assert len(uow.accounts.get(account.id).payment_methods) == methods_before
    assert store.links[0].used_at is None
    assert service.complete(offer.token, card(gateway), save_as="my Visa",
                            accepted_fee=FEE).approved
