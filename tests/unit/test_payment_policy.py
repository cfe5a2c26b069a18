"""The payment policy (domain/payment_policy.py) on its own: fee, payable amount, the amount
rules and the scheduling rules with their warnings as values."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from domain.config import PaymentSettings
from domain.errors import (
    AmountOutOfRange,
    DateNotInFuture,
    DateTooFarAhead,
    InvalidAmount,
    InvalidDate,
    NothingDue,
)
from domain.model import Bill, Channel, MethodKind, Payment, PaymentStatus
from domain.money import Money
from domain.payment_policy import PaymentPolicy, ScheduleWarning, ScheduleWarningKind
from tests.unit.conftest import TODAY, make_utility_account

POLICY = PaymentPolicy()


def _open(amount: str) -> Payment:
    return Payment(confirmation_number="PAY1", account_id=1, amount=Money.of(amount),
                   fee=Money.zero(), method_kind=MethodKind.BANK, method_label="checking",
                   method_token="tok_bank", scheduled_for=date(2026, 12, 1),
                   status=PaymentStatus.SCHEDULED, channel=Channel.CHAT, created_by="resident",
                   created_at=datetime(2026, 11, 20), idempotency_key="k")


def _current_account():
    # Nothing late: one bill due December 5.
    return make_utility_account(bills=[Bill("W-1", "WATER/SEWER", date(2026, 11, 1),
                                            date(2026, 12, 5), Money.of("85.50"),
                                            Money.of("85.50"))])


def test_fee_is_the_card_fee_for_cards_and_none_for_bank_accounts():
    policy = PaymentPolicy(PaymentSettings(card_fee=Money.of("2.00")))
    assert policy.fee(MethodKind.CARD) == Money.of("2.00")
    assert policy.fee(MethodKind.BANK) == Money.zero()
    assert POLICY.fee("card") == Money.of("1.25")


def test_payable_is_the_balance_less_open_payments_plus_the_allowance_capped():
    account = make_utility_account()  # $125.50 due
    assert account.payable([]) == Money.of("125.50")
    assert account.payable([_open("100")]) == Money.of("25.50")
    assert account.payable([_open("200")]) == Money.zero()  # never negative
    assert account.payable([], Money.of("20")) == Money.of("145.50")
    generous = PaymentPolicy(PaymentSettings(overpayment_allowance=Money.of("20"),
                                             max_single_payment=Money.of("130")))
    assert generous.payable(account, []) == Money.of("130")


@pytest.mark.parametrize("amount, error", [("0", InvalidAmount), ("-1", InvalidAmount),
                                           ("125.51", AmountOutOfRange)])
def test_check_amount_refuses_what_cannot_be_paid(amount, error):
    with pytest.raises(error):
        POLICY.check_amount(make_utility_account(), [], Money.of(amount))


def test_check_amount_says_the_most_that_can_be_paid():
    with pytest.raises(AmountOutOfRange, match=r"most you can pay right now is \$25\.50"):
        POLICY.check_amount(make_utility_account(), [_open("100")], Money.of("30"))
    assert POLICY.check_amount(make_utility_account(), [], Money.of("125.50")) \
        == Money.of("125.50")


def test_check_amount_when_nothing_is_due_or_everything_is_covered():
    with pytest.raises(NothingDue):
        POLICY.check_amount(make_utility_account(bills=[]), [], Money.of("1"))
    with pytest.raises(AmountOutOfRange, match="cover your balance"):
        POLICY.check_amount(make_utility_account(), [_open("125.50")], Money.of("1"))
    with pytest.raises(InvalidAmount):
        POLICY.check_amount(make_utility_account(), [], "10")  # type: ignore[arg-type]


def test_a_past_due_balance_is_a_warning_whatever_the_date():
    warnings = POLICY.check_date(make_utility_account(), date(2026, 11, 23), TODAY)
    assert warnings == (ScheduleWarning(ScheduleWarningKind.PAST_DUE_BALANCE,
                                        past_due=Money.of("40.00")),)
    assert warnings[0].message.startswith("$40.00 of your balance is already past due")


def test_a_date_after_the_due_date_is_a_warning_and_on_it_is_none():
    account = _current_account()
    assert POLICY.check_date(account, date(2026, 12, 5), TODAY) == ()
    late = POLICY.check_date(account, date(2026, 12, 6), TODAY)
    assert late == (ScheduleWarning(ScheduleWarningKind.AFTER_DUE_DATE,
                                    due_date=date(2026, 12, 5)),)
    assert "after the due date of December 5, 2026" in late[0].message


@pytest.mark.parametrize("days, error", [(0, DateNotInFuture), (-3, DateNotInFuture),
                                         (91, DateTooFarAhead)])
def test_impossible_dates_are_refused(days, error):
    with pytest.raises(error):
        POLICY.check_date(_current_account(), TODAY + timedelta(days=days), TODAY)


def test_the_schedule_window_is_the_settings_and_inclusive():
    policy = PaymentPolicy(PaymentSettings(max_schedule_days=30))
    assert policy.check_date(_current_account(), TODAY + timedelta(days=30), TODAY) is not None
    with pytest.raises(DateTooFarAhead) as refused:
        policy.check_date(_current_account(), TODAY + timedelta(days=31), TODAY)
    assert refused.value.days == 30 and refused.value.latest == TODAY + timedelta(days=30)


def test_a_datetime_is_not_a_date():
    with pytest.raises(InvalidDate):
        POLICY.check_date(_current_account(), datetime(2026, 12, 1, 9), TODAY)


def test_an_incomplete_warning_cannot_be_worded():
    with pytest.raises(ValueError):
        _ = ScheduleWarning(ScheduleWarningKind.AFTER_DUE_DATE).message
