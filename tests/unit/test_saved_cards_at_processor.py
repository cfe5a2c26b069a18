"""Saving a card keeps it at the processor first (Stripe: attached to the customer's Stripe
Customer) and keeps the processor's customer id on the Payline customer; bank accounts stay in
the vault. And a processor whose outcome is unknown (ProcessorUnavailable) leaves a payment
pending for the runner, charged once in the end."""

from __future__ import annotations

import pytest

from domain.errors import AccountLocked, InvalidPaymentMethod
from domain.model import Actor, BankAccountType, Channel, MethodKind, PaymentStatus
from domain.money import Money
from domain.ports import (
    ChargeResult,
    ProcessorCustomer,
    ProcessorUnavailable,
    SavedAtProcessor,
    TokenizedMethod,
)
from domain.services.payment_notices import PaymentNotices
from domain.services.payments import MethodChoice, PaymentRequest, PaymentService
from tests.fakes import FakeGateway

RESIDENT = Actor.resident(Channel.WEB, "link-1")
FEE = Money.of("1.25")
NEW_CARD = TokenizedMethod(MethodKind.CARD, "pm_new_5555", "5555", "MASTERCARD", 3, 2031)
NEW_BANK = TokenizedMethod(MethodKind.BANK, "tok_bank_new", "0042",
                           bank_account_type=BankAccountType.SAVINGS)


class RecordingGateway(FakeGateway):
    """Keeps what it was asked to save, says what a processor says, or refuses."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.asked: list[ProcessorCustomer] = []
        self.refuse: str | None = None
        self.unavailable_charges = 0

    def save_for_customer(self, token: str, customer: ProcessorCustomer) -> SavedAtProcessor:
        self.asked.append(customer)
        if self.refuse:
            raise InvalidPaymentMethod(self.refuse)
        return SavedAtProcessor(TokenizedMethod(MethodKind.CARD, token, "5555", "MASTERCARD",
                                                4, 2032),
                                customer.processor_id or "cus_made_1")

    def charge(self, token: str, amount: Money, idempotency_key: str,
               description: str = "") -> ChargeResult:
        if self.unavailable_charges:
            self.unavailable_charges -= 1
            super().charge(token, amount, idempotency_key, description)  # it did charge...
            raise ProcessorUnavailable("the answer was lost")  # ...but nobody heard
        return super().charge(token, amount, idempotency_key, description)


@pytest.fixture
def gateway(clock) -> RecordingGateway:
    return RecordingGateway(clock)


@pytest.fixture
def payments(uow, clock, gateway, notifier) -> PaymentService:
    return PaymentService(lambda: uow, clock, gateway, PaymentNotices(notifier))


def test_a_saved_card_is_kept_at_the_processor_with_its_customer(payments, account, gateway,
                                                                 uow):
    method = payments.save_method(account.id, NEW_CARD, "work card", RESIDENT)
    (asked,) = gateway.asked
    assert (asked.customer_number, asked.name, asked.email, asked.processor_id) == (
        "C0012345678", "Ana Rivera", "ana@example.com", None)
    stored = uow.accounts.get(account.id)
    assert stored.customer.processor_customer_id == "cus_made_1"
    # The processor's word on the card wins (expiry as it keeps it).
    assert (method.token, method.last4, method.brand, method.exp_month, method.exp_year) == (
        "pm_new_5555", "5555", "MASTERCARD", 4, 2032)
    assert method in stored.payment_methods


def test_the_next_card_goes_to_the_same_processor_customer(payments, account, gateway, uow):
    payments.save_method(account.id, NEW_CARD, "work card", RESIDENT)
    payments.save_method(account.id, TokenizedMethod(MethodKind.CARD, "pm_other_4444", "4444",
                                                     "MASTERCARD"), "spare", RESIDENT)
    assert [c.processor_id for c in gateway.asked] == [None, "cus_made_1"]
    assert uow.accounts.get(account.id).customer.processor_customer_id == "cus_made_1"


def test_a_bank_account_stays_in_the_vault(payments, account, gateway):
    method = payments.save_method(account.id, NEW_BANK, "savings", RESIDENT)
    assert gateway.asked == [] and method.kind == MethodKind.BANK


def test_a_card_the_processor_refuses_is_not_saved(payments, account, gateway, uow):
    gateway.refuse = "The card was declined by the bank that issued it."
    before = len(uow.accounts.get(account.id).payment_methods)
    with pytest.raises(InvalidPaymentMethod, match="declined"):
        payments.save_method(account.id, NEW_CARD, "bad", RESIDENT)
    with pytest.raises(InvalidPaymentMethod):
        payments.pay_now(PaymentRequest(account.id, Money.of("10"),
                                        MethodChoice.new(NEW_CARD, save_as="bad"), RESIDENT,
                                        "k-refused", accepted_fee=FEE))
    stored = uow.accounts.get(account.id)
    assert len(stored.payment_methods) == before
    assert stored.customer.processor_customer_id is None
    assert payments.history(account.id) == [] and gateway.calls == 0


def test_paying_with_save_keeps_the_card_once(payments, account, gateway, uow):
    request = PaymentRequest(account.id, Money.of("10"),
                             MethodChoice.new(NEW_CARD, save_as="work card"), RESIDENT,
                             "k-save", accepted_fee=FEE)
    first = payments.pay_now(request)
    again = payments.pay_now(request)
    assert first.approved and again.replayed
    assert len(gateway.asked) == 1  # the repeat replays: nothing asked of the processor
    saved = [m for m in uow.accounts.get(account.id).payment_methods if m.token == NEW_CARD.token]
    assert len(saved) == 1 and first.payment.payment_method_id == saved[0].id


def test_paying_without_save_keeps_nothing(payments, account, gateway):
    assert payments.pay_now(PaymentRequest(account.id, Money.of("10"),
                                           MethodChoice.new(NEW_CARD), RESIDENT, "k-once",
                                           accepted_fee=FEE)).approved
    assert gateway.asked == []


def test_a_locked_account_sends_nothing_to_the_processor(payments, account, gateway, uow,
                                                         clock):
    uow.accounts.get(account.id).register_failed_verification(clock.now(), 1)
    with pytest.raises(AccountLocked):
        payments.save_method(account.id, NEW_CARD, "work card", RESIDENT)
    with pytest.raises(AccountLocked):
        payments.pay_now(PaymentRequest(account.id, Money.of("10"),
                                        MethodChoice.new(NEW_CARD, save_as="x"), RESIDENT,
                                        "k-locked", accepted_fee=FEE))
    assert gateway.asked == []


def test_an_unknown_outcome_leaves_the_payment_pending_then_settles_once(payments, account,
                                                                         gateway):
    gateway.unavailable_charges = 1
    outcome = payments.pay_now(PaymentRequest(account.id, Money.of("10"),
                                              MethodChoice.saved(account.payment_methods[0].id),
                                              RESIDENT, "k-lost", accepted_fee=FEE))
    assert outcome.payment.status == PaymentStatus.PENDING
    settled = payments.settle(outcome.payment.id, Actor.system("runner"))
    assert settled.status == PaymentStatus.APPROVED
    assert len(gateway.held) == 1  # the processor's replay of the key: one charge
