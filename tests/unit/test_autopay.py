"""Autopay (the seed FAQ's Recurring Payment option) with fakes and a frozen clock.

The clock stands at 2026-11-22 10:00 in Chicago; the `account` fixture owes $40.00 past due
(W-1001) and $85.50 due 2026-12-05 (W-1002), with a saved VISA ending 4242 (id methods[0]),
a checking account ending 6789 (methods[1]) and a VISA ending 0002 (methods[2]).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from domain.errors import (
    AccountLocked,
    InvalidAmount,
    InvalidAutopayOption,
    InvalidPaymentMethod,
    NotFound,
)
from domain.model import (
    Actor,
    AuditEvent,
    AutopayDateOption,
    Bill,
    Channel,
    PaymentStatus,
)
from domain.money import Money
from domain.services.autopay import (
    AutopayResult,
    AutopayService,
    SkipReason,
    describe_date_option,
    idempotency_key,
)
from domain.services.payments import MethodChoice, PaymentRequest
from tests.unit.conftest import TODAY, make_utility_account

RESIDENT = Actor.resident(Channel.WEB, "web-1")
AGENT = Actor.agent("A101")
TOMORROW = TODAY + timedelta(days=1)


@pytest.fixture
def autopay(uow, clock, notifier, payments) -> AutopayService:
    return AutopayService(lambda: uow, clock, notifier, payments, city_name="the City of Riverton")


def bank_id(account) -> int:
    return account.payment_methods[1].id


def card_id(account) -> int:
    return account.payment_methods[0].id


def post_bill(uow, account, number: str, due: date, amount: str = "70.00",
              issued: date = TODAY) -> Bill:
    """What the bill import does before it calls autopay."""
    bill = Bill(number, "WATER/SEWER", issued, due, Money.of(amount), Money.of(amount))
    uow.accounts.get(account.id).bills.append(bill)
    return bill


def actions(uow, account) -> list[str]:
    return [e.action for e in reversed(uow.audit.for_account(account.id))]


def autopay_payments(uow):
    return [p for p in uow.store.payments if p.created_by == "system:autopay"]


# --- enrolling ----------------------------------------------------------------------------


def test_enroll_records_settings_audits_and_confirms_method_option_and_limit(
        autopay, account, uow, notifier, clock):
    enrollment = autopay.enroll(account.id, bank_id(account), AutopayDateOption.DAYS_BEFORE,
                                RESIDENT, days_before=3, threshold=Money.of("150.00"))
    assert (enrollment.date_option, enrollment.days_before, enrollment.threshold) == (
        AutopayDateOption.DAYS_BEFORE, 3, Money.of("150.00"))
    assert enrollment.active and enrollment.enrolled_at == clock.now()
    assert (enrollment.enrolled_by, enrollment.channel) == ("resident:web-1", Channel.WEB)
    assert autopay.status(account.id) is not None
    assert autopay.status(account.id).payment_method_id == bank_id(account)
    assert actions(uow, account) == ["autopay.enrolled"]
    assert "threshold=150.00" in uow.audit.for_account(account.id)[0].detail
    assert {(n.channel, n.to, n.kind) for n in notifier.sent} == {
        ("sms", "+13125550101", "autopay.enrolled"),
        ("email", "ana@example.com", "autopay.enrolled")}
    body = notifier.sent[0].body
    assert body.startswith("City of Riverton: autopay is on.")
    assert "3 days before its due date" in body
    assert "checking account ending 6789" in body
    assert "Bills over $150.00 will not be paid automatically" in body
    assert "fee" not in body  # no fee on bank payments


def test_card_enrollment_discloses_the_fee_on_each_payment(autopay, account, notifier):
    autopay.enroll(account.id, card_id(account), "due_date", AGENT)
    body = notifier.sent[0].body
    assert "paid on its due date from VISA ending 4242" in body
    assert "a $1.25 card fee applies to each payment" in body
    assert "No limit is set, so every bill will be paid in full." in body


def test_spanish_speaker_gets_spanish_confirmation(autopay, uow, notifier):
    maria = make_utility_account(number="0044444444", language="es")
    uow.accounts.add(maria)
    autopay.enroll(maria.id, maria.payment_methods[1].id, "bill_arrival", AGENT)
    body = notifier.sent[0].body
    assert "el pago automático está activado" in body
    assert "el día que llegue" in body and "No hay un límite" in body


@pytest.mark.parametrize(("option", "days"), [
    ("days_before", None), ("days_before", 0), ("days_before", 11), ("days_before", -1),
    ("days_before", True), ("days_before", "3"), ("due_date", 3), ("bill_arrival", 1),
    ("weekly", None), ("", None)])
def test_invalid_date_options_change_nothing(autopay, account, uow, notifier, option, days):
    with pytest.raises(InvalidAutopayOption):
        autopay.enroll(account.id, bank_id(account), option, AGENT, days_before=days)
    assert uow.store.autopay == [] and uow.store.audit == [] and notifier.sent == []


@pytest.mark.parametrize("days", [1, 10])
def test_days_before_accepts_one_to_ten(autopay, account, days):
    assert autopay.enroll(account.id, bank_id(account), "days_before", AGENT,
                          days_before=days).days_before == days


@pytest.mark.parametrize("threshold", [Money.zero(), Money.of("-5.00")])
def test_threshold_must_be_more_than_zero(autopay, account, uow, threshold):
    with pytest.raises(InvalidAmount):
        autopay.enroll(account.id, bank_id(account), "due_date", AGENT, threshold=threshold)
    assert uow.store.autopay == []


def test_method_of_another_account_is_refused(autopay, account, uow, notifier):
    other = make_utility_account(number="0099999999")
    uow.accounts.add(other)
    with pytest.raises(InvalidPaymentMethod):
        autopay.enroll(account.id, other.payment_methods[1].id, "due_date", AGENT)
    with pytest.raises(InvalidPaymentMethod):
        autopay.enroll(account.id, 999_999, "due_date", AGENT)
    assert uow.store.autopay == [] and notifier.sent == []


def test_disabled_or_expired_methods_are_refused(autopay, account, uow, clock):
    stored = uow.accounts.get(account.id)
    stored.payment_methods[1].enabled = False
    with pytest.raises(InvalidPaymentMethod):
        autopay.enroll(account.id, bank_id(account), "due_date", AGENT)
    stored = uow.accounts.get(account.id)
    stored.payment_methods[0].exp_month, stored.payment_methods[0].exp_year = 10, 2026
    with pytest.raises(InvalidPaymentMethod, match="expired"):
        autopay.enroll(account.id, card_id(account), "due_date", AGENT)
    stored = uow.accounts.get(account.id)
    stored.payment_methods[0].exp_month = 11  # still valid through the end of this month
    assert autopay.enroll(account.id, card_id(account), "due_date", AGENT).active


def test_locked_account_refuses_residents_but_not_agents(autopay, account, uow):
    uow.accounts.get(account.id).locked_at = datetime(2026, 11, 1)
    with pytest.raises(AccountLocked):
        autopay.enroll(account.id, bank_id(account), "due_date", RESIDENT)
    assert uow.store.autopay == []
    autopay.enroll(account.id, bank_id(account), "due_date", AGENT)
    with pytest.raises(AccountLocked):
        autopay.unenroll(account.id, RESIDENT)
    assert autopay.status(account.id) is not None


def test_unknown_account(autopay):
    with pytest.raises(NotFound):
        autopay.enroll(424242, 1, "due_date", AGENT)
    with pytest.raises(NotFound):
        autopay.status(424242)


def test_reenrolling_replaces_the_previous_enrollment(autopay, account, uow, notifier, clock):
    first = autopay.enroll(account.id, bank_id(account), "due_date", AGENT)
    clock.advance(minutes=5)
    second = autopay.enroll(account.id, card_id(account), "days_before", RESIDENT,
                            days_before=2)
    stored = {e.id: e for e in uow.store.autopay}
    assert not stored[first.id].active and stored[first.id].cancelled_at == clock.now()
    assert stored[second.id].active
    assert [e.id for e in uow.store.autopay if e.active] == [second.id]
    assert autopay.status(account.id).id == second.id
    assert actions(uow, account) == ["autopay.enrolled", "autopay.replaced", "autopay.enrolled"]
    assert "replacing the previous ones" in notifier.sent[-1].body


def test_enrolling_again_with_the_same_settings_changes_nothing(autopay, account, uow,
                                                                notifier):
    first = autopay.enroll(account.id, bank_id(account), "due_date", AGENT,
                           threshold=Money.of("100"))
    again = autopay.enroll(account.id, bank_id(account), "due_date", AGENT,
                           threshold=Money.of("100.00"))
    assert again.id == first.id and len(uow.store.autopay) == 1
    assert actions(uow, account) == ["autopay.enrolled"] and len(notifier.sent) == 2


def test_unenroll_keeps_scheduled_payments_and_says_so(autopay, account, uow, notifier):
    autopay.enroll(account.id, bank_id(account), "due_date", AGENT)
    post_bill(uow, account, "W-2001", date(2026, 12, 20))
    scheduled = autopay.schedule_for_bill(account.id, "W-2001").payment
    ended = autopay.unenroll(account.id, RESIDENT)
    assert ended is not None and not ended.active and ended.cancelled_at is not None
    assert autopay.status(account.id) is None
    assert uow.payments.get(scheduled.id).status == PaymentStatus.SCHEDULED
    assert notifier.sent[-1].kind == "autopay.unenrolled"
    assert "Payments already scheduled will still be processed" in notifier.sent[-1].body
    assert actions(uow, account)[-1] == "autopay.unenrolled"
    # Not enrolled any more: nothing changes, nobody is told again; new bills are not paid.
    sent = len(notifier.sent)
    assert autopay.unenroll(account.id, RESIDENT) is None and len(notifier.sent) == sent
    post_bill(uow, account, "W-2002", date(2026, 12, 28))
    assert autopay.schedule_for_bill(account.id, "W-2002").result == AutopayResult.NOT_ENROLLED
    assert len(autopay_payments(uow)) == 1


# --- scheduling a bill --------------------------------------------------------------------


@pytest.mark.parametrize(("option", "days", "issued", "due", "expected"), [
    ("due_date", None, TODAY, date(2026, 12, 20), date(2026, 12, 20)),
    ("due_date", None, TODAY - timedelta(days=30), TODAY, TOMORROW),  # due today: ASAP
    ("bill_arrival", None, date(2026, 11, 25), date(2026, 12, 20), date(2026, 11, 25)),
    ("bill_arrival", None, TODAY, date(2026, 12, 20), TOMORROW),  # arrives today
    ("bill_arrival", None, date(2026, 11, 18), date(2026, 12, 20), TOMORROW),
    ("days_before", 5, TODAY, date(2026, 12, 20), date(2026, 12, 15)),
    ("days_before", 1, TODAY, date(2026, 12, 20), date(2026, 12, 19)),
    ("days_before", 10, TODAY, TOMORROW, TOMORROW),  # never before tomorrow
    ("days_before", 10, TODAY, date(2026, 12, 1), TOMORROW),
    ("days_before", 10, TODAY, date(2026, 12, 3), date(2026, 11, 23)),
    ("days_before", 10, TODAY, date(2026, 12, 4), date(2026, 11, 24)),
])
def test_payment_date_for_each_option(autopay, account, uow, option, days, issued, due,
                                      expected):
    autopay.enroll(account.id, bank_id(account), option, AGENT, days_before=days)
    post_bill(uow, account, "W-2001", due, "70.00", issued=issued)
    outcome = autopay.schedule_for_bill(account.id, "W-2001")
    assert outcome.result == AutopayResult.SCHEDULED, outcome
    payment = uow.payments.get(outcome.payment.id)
    assert payment.scheduled_for == expected == outcome.payment_date
    assert payment.status == PaymentStatus.SCHEDULED
    assert payment.amount == Money.of("70.00") and payment.fee == Money.zero()
    assert payment.method_label == "checking account ending 6789"
    assert payment.created_by == "system:autopay" and payment.channel == Channel.SYSTEM
    assert payment.idempotency_key == idempotency_key(account.id, "W-2001")
    assert payment.idempotency_key == f"autopay:{account.id}:W-2001"
    assert "autopay.scheduled" in actions(uow, account)


def test_card_autopay_payment_carries_the_fee(autopay, account, uow, notifier):
    autopay.enroll(account.id, card_id(account), "due_date", AGENT)
    post_bill(uow, account, "W-2001", date(2026, 12, 20))
    payment = autopay.schedule_for_bill(account.id, "W-2001").payment
    assert (payment.amount, payment.fee) == (Money.of("70.00"), Money.of("1.25"))
    # The resident hears about the payment itself from PaymentService.
    assert notifier.sent[-1].kind == "payment.scheduled"
    assert ("$70.00 (plus $1.25 fee) is scheduled for 12/20/2026 from VISA ending 4242"
            in notifier.sent[-1].body)


def test_due_date_beyond_the_scheduling_limit_is_skipped_clearly(autopay, account, uow,
                                                                 notifier):
    autopay.enroll(account.id, bank_id(account), "due_date", AGENT)
    post_bill(uow, account, "W-2001", TODAY + timedelta(days=91))
    outcome = autopay.schedule_for_bill(account.id, "W-2001")
    assert outcome.result == AutopayResult.SKIPPED and outcome.reason == SkipReason.TOO_FAR
    assert "at most 90 days ahead" in outcome.detail
    assert autopay_payments(uow) == []
    assert actions(uow, account)[-1] == "autopay.skipped"
    assert notifier.sent[-1].kind == "autopay.skipped"
    assert "too far ahead" in notifier.sent[-1].body and "02/21/2027" in notifier.sent[-1].body
    # Exactly at the limit is fine.
    post_bill(uow, account, "W-2002", TODAY + timedelta(days=90))
    assert autopay.schedule_for_bill(account.id, "W-2002").scheduled


@pytest.mark.parametrize(("amount", "threshold", "scheduled"), [
    ("149.99", "150.00", True), ("150.00", "150.00", True), ("150.01", "150.00", False)])
def test_threshold_below_equal_above(autopay, account, uow, notifier, amount, threshold,
                                     scheduled):
    autopay.enroll(account.id, bank_id(account), "due_date", AGENT,
                   threshold=Money.of(threshold))
    post_bill(uow, account, "W-2001", date(2026, 12, 20), amount)
    outcome = autopay.schedule_for_bill(account.id, "W-2001")
    assert outcome.scheduled is scheduled
    assert len(autopay_payments(uow)) == (1 if scheduled else 0)
    if not scheduled:
        assert outcome.needs_authorization and outcome.amount == Money.of(amount)
        assert actions(uow, account)[-1] == "autopay.threshold_exceeded"
        assert notifier.sent[-1].kind == "autopay.threshold_exceeded"
        assert ("bill W-2001 of $150.01 is over your autopay limit of $150.00"
                in notifier.sent[-1].body)
        assert "Please authorize the payment by 12/20/2026" in notifier.sent[-1].body


def test_the_same_bill_is_scheduled_once(autopay, account, uow, notifier):
    autopay.enroll(account.id, bank_id(account), "due_date", AGENT)
    post_bill(uow, account, "W-2001", date(2026, 12, 20))
    first = autopay.schedule_for_bill(account.id, "W-2001")
    sent = len(notifier.sent)
    again = autopay.schedule_for_bill(account.id, "W-2001")
    assert again.replayed and again.payment.id == first.payment.id
    assert len(autopay_payments(uow)) == 1 and len(notifier.sent) == sent
    assert actions(uow, account).count("autopay.scheduled") == 1


def test_a_held_bill_is_announced_once(autopay, account, uow, notifier):
    autopay.enroll(account.id, bank_id(account), "due_date", AGENT, threshold=Money.of("50"))
    post_bill(uow, account, "W-2001", date(2026, 12, 20), "70.00")
    assert autopay.schedule_for_bill(account.id, "W-2001").needs_authorization
    sent = len(notifier.sent)
    again = autopay.schedule_for_bill(account.id, "W-2001")
    assert again.needs_authorization and again.replayed
    assert len(notifier.sent) == sent


def test_only_what_is_still_payable_is_scheduled(autopay, account, uow, payments):
    autopay.enroll(account.id, bank_id(account), "due_date", AGENT)
    post_bill(uow, account, "W-2001", date(2026, 12, 20), "70.00")  # balance now 195.50
    payments.schedule(PaymentRequest(account.id, Money.of("150.00"),
                                     MethodChoice.saved(bank_id(account)), RESIDENT, "r1",
                                     scheduled_for=date(2026, 12, 1)))
    outcome = autopay.schedule_for_bill(account.id, "W-2001")
    assert outcome.scheduled and outcome.payment.amount == Money.of("45.50")


def test_nothing_payable_skips_with_a_notice(autopay, account, uow, payments, notifier):
    autopay.enroll(account.id, bank_id(account), "due_date", AGENT)
    post_bill(uow, account, "W-2001", date(2026, 12, 20), "70.00")
    payments.schedule(PaymentRequest(account.id, Money.of("195.50"),
                                     MethodChoice.saved(bank_id(account)), RESIDENT, "r1",
                                     scheduled_for=date(2026, 12, 1)))
    outcome = autopay.schedule_for_bill(account.id, "W-2001")
    assert outcome.result == AutopayResult.SKIPPED and outcome.reason == SkipReason.COVERED
    assert autopay_payments(uow) == []
    assert notifier.sent[-1].kind == "autopay.skipped"
    assert "already pending or scheduled" in notifier.sent[-1].body


def test_method_disabled_after_enrolling_skips_with_a_notice(autopay, account, uow, notifier):
    autopay.enroll(account.id, bank_id(account), "due_date", AGENT)
    uow.accounts.get(account.id).payment_methods[1].enabled = False
    post_bill(uow, account, "W-2001", date(2026, 12, 20))
    outcome = autopay.schedule_for_bill(account.id, "W-2001")
    assert outcome.reason == SkipReason.METHOD_UNAVAILABLE
    assert autopay_payments(uow) == []
    assert "no longer available" in notifier.sent[-1].body


def test_card_expiring_before_the_payment_date_skips_with_a_notice(autopay, account, uow,
                                                                   notifier):
    autopay.enroll(account.id, card_id(account), "due_date", AGENT)
    card = uow.accounts.get(account.id).payment_methods[0]
    card.exp_month, card.exp_year = 12, 2026
    post_bill(uow, account, "W-2001", date(2026, 12, 31))
    assert autopay.schedule_for_bill(account.id, "W-2001").scheduled  # good through 12/31
    post_bill(uow, account, "W-2002", date(2027, 1, 4), "5.00")
    outcome = autopay.schedule_for_bill(account.id, "W-2002")
    assert outcome.reason == SkipReason.METHOD_UNAVAILABLE
    assert len(autopay_payments(uow)) == 1 and notifier.sent[-1].kind == "autopay.skipped"


def test_locked_account_still_pays_by_autopay(autopay, account, uow):
    # The lock stops self-service guessing; a standing instruction set up earlier still runs.
    autopay.enroll(account.id, bank_id(account), "due_date", AGENT)
    uow.accounts.get(account.id).locked_at = datetime(2026, 11, 21)
    post_bill(uow, account, "W-2001", date(2026, 12, 20))
    assert autopay.schedule_for_bill(account.id, "W-2001").scheduled


def test_not_enrolled_or_unknown_bill(autopay, account, uow, notifier):
    post_bill(uow, account, "W-2001", date(2026, 12, 20))
    outcome = autopay.schedule_for_bill(account.id, "W-2001")
    assert outcome.result == AutopayResult.NOT_ENROLLED and outcome.payment is None
    assert notifier.sent == [] and uow.store.payments == []
    autopay.enroll(account.id, bank_id(account), "due_date", AGENT)
    with pytest.raises(NotFound):
        autopay.schedule_for_bill(account.id, "NOPE")


def test_resume_schedules_a_bill_an_interrupted_import_left_behind(autopay, account, uow,
                                                                   clock):
    autopay.enroll(account.id, bank_id(account), "due_date", AGENT)
    clock.advance(minutes=1)
    post_bill(uow, account, "W-2001", date(2026, 12, 20))
    uow.audit.add(AuditEvent(at=clock.now(), action="bill.posted", actor="system:bill-import",
                             channel=Channel.SYSTEM, account_id=account.id, subject="W-2001"))
    assert autopay.resume_for_bill(account.id, "W-2001").scheduled
    assert autopay.resume_for_bill(account.id, "W-2001") is None  # decided now
    assert len(autopay_payments(uow)) == 1


def test_resume_leaves_bills_posted_before_enrolling_alone(autopay, account, uow, clock):
    post_bill(uow, account, "W-2001", date(2026, 12, 20))
    uow.audit.add(AuditEvent(at=clock.now(), action="bill.posted", actor="system:bill-import",
                             channel=Channel.SYSTEM, account_id=account.id, subject="W-2001"))
    clock.advance(minutes=1)
    autopay.enroll(account.id, bank_id(account), "due_date", AGENT)
    assert autopay.resume_for_bill(account.id, "W-2001") is None
    assert autopay.resume_for_bill(account.id, "W-1002") is None  # never imported
    assert autopay_payments(uow) == []


def test_describe_date_option():
    assert describe_date_option("due_date", None) == "on its due date"
    assert describe_date_option("days_before", 1) == "1 day before its due date"
    assert describe_date_option("days_before", 7, "es") == (
        "7 días antes de su fecha de vencimiento")
