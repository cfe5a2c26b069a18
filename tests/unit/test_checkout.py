"""conversation.checkout: the amount options, the one amount check, costs and quote, every
PaymentResult code and the pay link, on the fakes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

from conversation.checkout import (
    BANK_CLEARING,
    AmountOptions,
    AmountProblem,
    Checkout,
    ClearingTime,
    PaymentResult,
    ResultCode,
    amount_options,
    minutes_left,
)
from domain.config import PaymentSettings
from domain.errors import AmountOutOfRange, NothingDue
from domain.model import Actor, Bill, Channel, MethodKind, PaymentStatus
from domain.money import Money
from domain.ports import Clock
from domain.services.balance import BalanceService
from domain.services.links import LinkService
from domain.services.pay_links import PayLinkService
from domain.services.payments import MethodChoice, PaymentRequest, PaymentService
from tests.fakes import FakeGateway, FakeLinkStore, FakeUnitOfWork
from tests.unit.conftest import make_utility_account

RESIDENT = Actor.resident(Channel.SMS, "sms:+13125550101")
FEE = Money.of("1.25")


@dataclass
class Services:
    """The composition root's part the checkout uses (conversation.checkout.CheckoutServices)."""

    uow: FakeUnitOfWork
    clock: Clock
    payments: PaymentService
    links: FakeLinkStore
    gateway: FakeGateway

    def payment_service(self) -> PaymentService:
        return self.payments

    def balance_service(self) -> BalanceService:
        return BalanceService(lambda: self.uow, self.clock)

    def pay_link_service(self) -> PayLinkService:
        return PayLinkService(LinkService(self.links, self.clock), self.payments, self.clock,
                              gateway=self.gateway, uow=lambda: self.uow, link_store=self.links)


@pytest.fixture
def services(uow, clock, gateway, payments) -> Services:
    return Services(uow, clock, payments, FakeLinkStore(), gateway)


@pytest.fixture
def checkout(services) -> Checkout:
    return Checkout(services)


def request(account, amount: str, method: int = 0, key: str = "k1", when: date | None = None,
            fee: Money | None = FEE) -> PaymentRequest:
    return PaymentRequest(account_id=account.id, amount=Money.of(amount),
                          method=MethodChoice.saved(account.payment_methods[method].id),
                          actor=RESIDENT, idempotency_key=key, accepted_fee=fee,
                          scheduled_for=when)


# --- amount options ---------------------------------------------------------------------------


def test_options_offer_the_full_amount_and_the_past_due_part(checkout, account):
    options = checkout.options(account.id)
    assert options == AmountOptions(balance=Money.of("125.50"), full=Money.of("125.50"),
                                    past_due=Money.of("40.00"))
    assert options.past_due_option == Money.of("40.00")
    assert not options.nothing_due and not options.covered


def test_past_due_is_no_option_when_it_is_all_that_can_be_paid(checkout, account, payments):
    # $85.50 on its way leaves $40.00 payable: exactly the past-due part, so no second choice.
    payments.pay_now(request(account, "85.50", method=1, fee=None))
    options = checkout.options(account.id)
    assert options.full == options.past_due == Money.of("40.00")
    assert options.past_due_option is None


@pytest.mark.parametrize(("past_due", "full", "offered"), [
    ("0.00", "100.00", None),  # nothing late
    ("99.99", "100.00", "99.99"),
    ("100.00", "100.00", None),  # the same as the full amount
    ("120.00", "100.00", None),  # more than can be paid now
])
def test_past_due_option_rule(past_due, full, offered):
    options = AmountOptions(balance=Money.of("120.00"), full=Money.of(full),
                            past_due=Money.of(past_due))
    assert options.past_due_option == (Money.of(offered) if offered else None)


def test_nothing_due_and_covered(checkout, uow, payments):
    paid = make_utility_account("0099999999", bills=[
        Bill("W-9", "WATER/SEWER", date(2026, 10, 1), date(2026, 12, 5), Money.of("10.00"),
             Money.zero())])
    uow.accounts.add(paid)
    assert checkout.options(paid.id).nothing_due
    covered = make_utility_account("0088888888")
    uow.accounts.add(covered)
    payments.pay_now(request(covered, "125.50", method=1, fee=None))
    options = checkout.options(covered.id)
    assert options.covered and not options.nothing_due


def test_amount_options_is_pure_on_a_summary(balance, account):
    options = amount_options(balance.summary(account.id), Money.of("80.00"))
    assert (options.balance, options.full, options.past_due) == (
        Money.of("125.50"), Money.of("80.00"), Money.of("40.00"))


# --- the amount check -------------------------------------------------------------------------


def test_check_amount_accepts_a_partial_amount(checkout, account):
    check = checkout.check_amount(account.id, Money.of("40.00"))
    assert check.ok and check.problem is None and check.payable == Money.of("125.50")


def test_check_amount_too_high_gives_the_most_payable(checkout, account):
    check = checkout.check_amount(account.id, Money.of("125.51"))
    assert check.problem == AmountProblem.TOO_HIGH and not check.ok
    assert check.payable == Money.of("125.50")
    assert "125.50" in check.detail


def test_check_amount_when_payments_cover_the_balance(checkout, account, payments):
    payments.pay_now(request(account, "125.50", method=1, fee=None))
    check = checkout.check_amount(account.id, Money.of("1.00"))
    assert check.problem == AmountProblem.COVERED and check.payable == Money.zero()


def test_check_amount_zero_is_invalid(checkout, account):
    check = checkout.check_amount(account.id, Money.zero())
    assert check.problem == AmountProblem.INVALID and check.detail


def test_check_amount_with_nothing_due(checkout, uow):
    paid = make_utility_account("0099999999", bills=[])
    uow.accounts.add(paid)
    check = checkout.check_amount(paid.id, Money.of("5.00"))
    assert check.problem == AmountProblem.NOTHING_DUE
    assert check.detail == NothingDue.message


# --- costs and quote --------------------------------------------------------------------------


def test_costs_by_card_and_bank(checkout):
    card = checkout.costs(Money.of("40.00"), MethodKind.CARD)
    assert (card.fee, card.total, card.has_fee) == (FEE, Money.of("41.25"), True)
    bank = checkout.costs(Money.of("40.00"), MethodKind.BANK)
    assert (bank.fee, bank.total, bank.has_fee) == (Money.zero(), Money.of("40.00"), False)


def test_quote_is_the_confirmation_summary_with_warnings_untouched(checkout, account, payments):
    card = account.payment_methods[0]
    confirmation = checkout.quote(account.id, Money.of("40.00"), card,
                                  scheduled_for=date(2026, 12, 1))
    assert confirmation.method_label == card.label()
    assert (confirmation.amount, confirmation.fee, confirmation.total) == (
        Money.of("40.00"), FEE, Money.of("41.25"))
    assert confirmation.costs.total == Money.of("41.25")
    assert confirmation.payment_date == date(2026, 12, 1)
    domain_quote = payments.quote(account.id, Money.of("40.00"), MethodKind.CARD,
                                  date(2026, 12, 1))
    assert confirmation.quote.warnings == domain_quote.warnings and domain_quote.warnings


def test_quote_raises_what_the_payment_would(checkout, account):
    with pytest.raises(AmountOutOfRange):
        checkout.quote(account.id, Money.of("500.00"), account.payment_methods[0])


# --- every PaymentResult code -----------------------------------------------------------------


def test_approved_card(checkout, account):
    result = checkout.submit(request(account, "50.00"))
    assert result.code == result.first == ResultCode.APPROVED
    assert not result.refused and not result.replayed
    assert result.total == Money.of("51.25") and result.fee == FEE
    assert result.method_label == account.payment_methods[0].label()
    assert result.payment is not None and result.confirmation_number == \
        result.payment.confirmation_number


def test_submitted_bank_debit(checkout, account):
    result = checkout.submit(request(account, "40.00", method=1, fee=None))
    assert result.code == ResultCode.SUBMITTED
    assert result.payment is not None and result.payment.status == PaymentStatus.PENDING
    assert result.total == Money.of("40.00")


def test_a_card_the_processor_did_not_answer_for_is_processing_not_submitted(
        checkout, account, gateway):
    gateway.fail_next = True  # unreachable: the payment stays pending for the runner
    result = checkout.submit(request(account, "50.00"))
    assert result.code == result.first == ResultCode.PROCESSING
    assert result.payment is not None and result.payment.status == PaymentStatus.PENDING


def test_the_clearing_time_is_the_domains_receipt_wording():
    assert BANK_CLEARING == ClearingTime(1, 2)


def test_scheduled(checkout, account):
    result = checkout.submit(request(account, "40.00", method=1, fee=None,
                                     when=date(2026, 12, 1)))
    assert result.code == ResultCode.SCHEDULED
    assert result.payment_date == date(2026, 12, 1)


def test_declined_card_with_its_reason(checkout, account):
    result = checkout.submit(request(account, "10.00", method=2))
    assert result.code == result.first == ResultCode.DECLINED
    assert result.reason == "the card was declined"
    assert not result.refused


def test_declined_without_a_reason_says_so(checkout, account):
    payment = checkout.submit(request(account, "10.00", method=2)).payment
    assert payment is not None
    payment.rejection_reason = None
    result = PaymentResult(ResultCode.DECLINED, payment, first=ResultCode.DECLINED)
    assert result.reason == "it was declined"


def test_already_paid_on_the_same_request_again(checkout, account, gateway):
    first = checkout.submit(request(account, "50.00"))
    again = checkout.submit(request(account, "50.00"))
    assert again.code == ResultCode.ALREADY_PAID and again.replayed
    assert again.first == ResultCode.APPROVED  # what the first answer said
    assert again.confirmation_number == first.confirmation_number
    assert gateway.calls == 1


def test_a_declined_request_again_is_still_declined(checkout, account):
    checkout.submit(request(account, "10.00", method=2))
    again = checkout.submit(request(account, "10.00", method=2))
    assert again.code == ResultCode.DECLINED


def test_nothing_due(checkout, uow):
    paid = make_utility_account("0099999999", bills=[])
    uow.accounts.add(paid)
    result = checkout.submit(request(paid, "5.00"))
    assert result.code == ResultCode.NOTHING_DUE and result.refused
    assert result.payment is None and result.detail == NothingDue.message


def test_balance_changed(checkout, account, payments):
    payments.pay_now(request(account, "125.50", method=1, fee=None, key="other"))
    result = checkout.submit(request(account, "50.00"))
    assert result.code == ResultCode.BALANCE_CHANGED and result.refused
    assert "nothing more to pay" in result.detail


def test_invalid_date(checkout, account):
    result = checkout.submit(request(account, "40.00", method=1, fee=None,
                                     when=date(2026, 11, 22)))
    assert result.code == ResultCode.INVALID_DATE and result.detail


def test_invalid_other_refusal_keeps_the_domains_words(checkout, account):
    result = checkout.submit(request(account, "40.00", fee=None))  # fee not accepted
    assert result.code == ResultCode.INVALID and result.refused
    assert "convenience fee" in result.detail


def test_a_refusal_has_no_payment_data(checkout, uow):
    paid = make_utility_account("0099999999", bills=[])
    uow.accounts.add(paid)
    with pytest.raises(ValueError):
        _ = checkout.submit(request(paid, "5.00")).confirmation_number


def test_reserved_for_a_charge_at_the_processor(checkout, account, gateway):
    result = checkout.reserve(PaymentRequest(
        account_id=account.id, amount=Money.of("20.00"),
        method=MethodChoice.entered_at_processor(MethodKind.CARD), actor=RESIDENT,
        idempotency_key="voice-1", accepted_fee=FEE))
    assert result.code == ResultCode.RESERVED
    assert result.payment is not None and result.payment.status == PaymentStatus.PENDING
    assert gateway.calls == 0


def test_reserve_refused_when_nothing_is_due(checkout, uow):
    paid = make_utility_account("0099999999", bills=[])
    uow.accounts.add(paid)
    result = checkout.reserve(PaymentRequest(
        account_id=paid.id, amount=Money.of("20.00"),
        method=MethodChoice.entered_at_processor(MethodKind.CARD), actor=RESIDENT,
        idempotency_key="voice-1", accepted_fee=FEE))
    assert result.code == ResultCode.NOTHING_DUE


# --- the pay link ------------------------------------------------------------------------------


def test_pay_link_url_and_whole_minutes(checkout, account, services):
    link = checkout.pay_link(account.id, Money.of("20.00"), RESIDENT, "https://pay.gov/")
    assert link.url == f"https://pay.gov/pay/{link.offer.token}"
    assert link.minutes == 30 and link.amount == Money.of("20.00")
    assert link.scheduled_for is None
    assert len(services.links.links) == 1


def test_pay_link_refuses_what_the_payment_would(checkout, account, services):
    with pytest.raises(AmountOutOfRange):
        checkout.pay_link(account.id, Money.of("500.00"), RESIDENT, "https://pay.gov")
    assert services.links.links == []


@pytest.mark.parametrize(("left", "minutes"), [
    (timedelta(minutes=30), 30),
    (timedelta(minutes=29, seconds=59), 29),  # rounded down: never more than is left
    (timedelta(minutes=14, seconds=31), 14),  # round() would say 15
    (timedelta(seconds=20), 1),  # at least 1
    (timedelta(0), 1),
])
def test_minutes_left_rounds_down_but_at_least_one(left, minutes):
    now = datetime(2026, 11, 22, 10, 0)
    assert minutes_left(now + left, now) == minutes


def test_payment_policy_fee_flows_through(uow, clock, gateway):
    payments = PaymentService(lambda: uow, clock, gateway, None,  # type: ignore[arg-type]
                              PaymentSettings(card_fee=Money.of("2.00")))
    checkout = Checkout(Services(uow, clock, payments, FakeLinkStore(), gateway))
    assert checkout.costs(Money.of("10.00"), MethodKind.CARD).total == Money.of("12.00")
