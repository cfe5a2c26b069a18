from datetime import date, timedelta

from domain.model import Actor, Channel
from domain.money import Money
from domain.services.payments import MethodChoice, PaymentRequest
from tests.unit.conftest import make_general_account

RESIDENT = Actor.resident(Channel.VOICE, "CA1")


def test_summary_totals_past_due_and_next_due_date(balance, account, clock):
    summary = balance.summary(account.id)
    assert summary.as_of == date(2026, 11, 22)
    assert summary.total_due == Money.of("125.50")
    assert summary.past_due == Money.of("40.00")
    assert summary.next_due_date == date(2026, 12, 5)  # the past-due bill is in past_due
    assert [b.bill_number for b in summary.bills] == ["W-1001", "W-1002"]
    assert [b.past_due for b in summary.bills] == [True, False]
    assert not summary.pending_payment_exists
    assert summary.masked_account_number == "******5678"


def test_bill_due_today_is_not_past_due(balance, account, clock):
    clock.advance(days=13)  # Dec 5 = the second bill's pay-by date
    summary = balance.summary(account.id)
    assert summary.past_due == Money.of("40.00")
    assert summary.next_due_date == date(2026, 12, 5)
    clock.advance(days=1)
    summary = balance.summary(account.id)
    assert summary.past_due == Money.of("125.50")
    assert summary.next_due_date is None


def test_summary_shows_pending_and_scheduled_payments(balance, payments, account, clock,
                                                      gateway):
    bank = MethodChoice.saved(account.payment_methods[1].id)
    payments.pay_now(PaymentRequest(account.id, Money.of("10"), bank, RESIDENT, "p1"))
    payments.schedule(PaymentRequest(account.id, Money.of("20"), bank, RESIDENT, "s1",
                                     scheduled_for=clock.today() + timedelta(days=10)))
    summary = balance.summary(account.id)
    assert summary.pending_payment_exists
    assert [p.amount for p in summary.pending_payments] == [Money.of("10")]
    assert [p.amount for p in summary.scheduled_payments] == [Money.of("20")]
    assert summary.total_due == Money.of("125.50")  # pending money has not posted yet
    assert summary.remaining_after_payments == Money.of("95.50")


def test_general_billing_matches_the_munis_page(balance, uow):
    general = make_general_account()
    uow.accounts.add(general)
    summary = balance.summary(general.id)
    assert summary.total_due == Money.of("500.00")
    assert [(b.bill_type, b.unpaid) for b in summary.bills] == [
        ("CLAIMS", Money.of("250.00")), ("CLAIMS", Money.of("250.00"))]


def test_paid_bills_are_not_listed(balance, payments, account):
    payments.pay_now(PaymentRequest(account.id, Money.of("40"),
                                    MethodChoice.saved(account.payment_methods[0].id),
                                    RESIDENT, "p", accepted_fee=Money.of("1.25")))
    summary = balance.summary(account.id)
    assert [b.bill_number for b in summary.bills] == ["W-1002"]
    assert summary.past_due == Money.zero()
    assert summary.next_due_date == date(2026, 12, 5)
