from datetime import date, datetime, timedelta

import pytest

from domain.config import PaymentSettings
from domain.errors import (
    AccountLocked,
    AmountOutOfRange,
    FeeNotAccepted,
    IdempotencyConflict,
    InvalidAmount,
    InvalidDate,
    InvalidInput,
    InvalidPaymentMethod,
    InvalidTransition,
    NothingDue,
    PaymentNotCancellable,
    PaymentNotFound,
)
from domain.model import Actor, BankAccountType, Bill, Channel, MethodKind, PaymentStatus
from domain.money import Money
from domain.payment_policy import ScheduleWarning, ScheduleWarningKind
from domain.ports import ChargeResult, TokenizedMethod
from domain.services.payment_notices import PaymentNotices
from domain.services.payments import MethodChoice, PaymentRequest, PaymentService
from tests.unit.conftest import make_utility_account

RESIDENT = Actor.resident(Channel.CHAT, "chat-1")
FEE = Money.of("1.25")


def card(account):
    return MethodChoice.saved(account.payment_methods[0].id)


def bank(account):
    return MethodChoice.saved(account.payment_methods[1].id)


def req(account, amount, method=None, key="k1", fee=FEE, when=None, actor=RESIDENT):
    return PaymentRequest(account_id=account.id, amount=Money.of(amount),
                          method=method or card(account), actor=actor, idempotency_key=key,
                          accepted_fee=fee, scheduled_for=when)


def test_quote_states_fee_and_total_for_card_and_none_for_bank(payments, account):
    quote = payments.quote(account.id, Money.of("40"), MethodKind.CARD)
    assert (quote.fee, quote.total) == (FEE, Money.of("41.25"))
    assert quote.payable == Money.of("125.50")
    bank_quote = payments.quote(account.id, Money.of("40"), "bank")
    assert (bank_quote.fee, bank_quote.total) == (Money.zero(), Money.of("40"))


def test_pay_now_by_card_approves_applies_to_oldest_bill_and_sends_receipts(
        payments, account, uow, gateway, notifier):
    outcome = payments.pay_now(req(account, "50.00"))
    payment = outcome.payment
    assert payment.status == PaymentStatus.APPROVED
    assert payment.total == Money.of("51.25")
    assert gateway.charges[f"payline-{payment.confirmation_number}"][1] == Money.of("51.25")
    stored = uow.accounts.get(account.id)
    assert [b.unpaid for b in stored.bills] == [Money.zero(), Money.of("75.50")]
    assert stored.balance_due() == Money.of("75.50")
    kinds = {(n.channel, n.kind) for n in notifier.sent}
    assert kinds == {("sms", "payment.receipt"), ("email", "payment.receipt")}
    assert payment.confirmation_number in notifier.sent[0].body
    actions = [e.action for e in uow.audit.for_account(account.id)]
    assert actions == ["payment.approved", "payment.submitted"]
    assert all(e.channel == Channel.CHAT and e.actor == "resident:chat-1"
               for e in uow.audit.for_account(account.id))


def test_pay_now_by_bank_has_no_fee_and_waits_for_the_ach_file(payments, account, gateway,
                                                                 uow):
    outcome = payments.pay_now(req(account, "125.50", bank(account), fee=None))
    assert outcome.payment.fee == Money.zero()
    assert outcome.payment.status == PaymentStatus.PENDING
    assert gateway.calls == 0  # a bank debit is not a card charge: the ACH file carries it
    assert uow.accounts.get(account.id).balance_due() == Money.of("125.50")  # not posted yet
    with pytest.raises(AmountOutOfRange):  # but it is committed: nothing more to pay
        payments.pay_now(req(account, "1", key="k2"))


def test_card_fee_must_be_accepted_first(payments, account, uow, gateway):
    with pytest.raises(FeeNotAccepted):
        payments.pay_now(req(account, "10", fee=None))
    with pytest.raises(FeeNotAccepted):
        payments.pay_now(req(account, "10", fee=Money.of("1.00")))
    assert uow.store.payments == [] and gateway.calls == 0


def test_fee_is_configurable(uow, clock, gateway, notifier, account):
    service = PaymentService(lambda: uow, clock, gateway, PaymentNotices(notifier),
                             PaymentSettings(card_fee=Money.of("2.00")))
    outcome = service.pay_now(req(account, "10", fee=Money.of("2.00")))
    assert outcome.payment.fee == Money.of("2.00")


def test_decline_is_recorded_rejected_and_balance_untouched(payments, account, uow, notifier):
    declined = MethodChoice.saved(account.payment_methods[2].id)
    outcome = payments.pay_now(req(account, "10", declined))
    assert outcome.payment.status == PaymentStatus.REJECTED
    assert outcome.payment.rejection_reason == "the card was declined"
    assert uow.accounts.get(account.id).balance_due() == Money.of("125.50")
    assert notifier.sent[0].kind == "payment.rejected"


def test_processor_down_leaves_payment_pending_and_settle_finishes_it(payments, account,
                                                                     gateway):
    gateway.fail_next = True
    outcome = payments.pay_now(req(account, "10"))
    assert outcome.payment.status == PaymentStatus.PENDING
    settled = payments.settle(outcome.payment.id, Actor.system("reconciler"))
    assert settled.status == PaymentStatus.APPROVED
    assert len(gateway.charges) == 1


def test_partial_payment_allowed(payments, account):
    assert payments.pay_now(req(account, "0.01")).approved


@pytest.mark.parametrize("amount", ["0", "0.00"])
def test_zero_amount_rejected(payments, account, amount):
    with pytest.raises(InvalidAmount):
        payments.pay_now(req(account, amount))


def test_more_than_the_balance_rejected_with_the_maximum(payments, account, uow):
    with pytest.raises(AmountOutOfRange) as error:
        payments.pay_now(req(account, "125.51"))
    assert "$125.50" in str(error.value)
    with pytest.raises(AmountOutOfRange):
        payments.pay_now(req(account, "9999999"))
    assert uow.store.payments == []


def test_overpayment_allowance_is_configurable_and_becomes_credit(uow, clock, gateway, notifier,
                                                                  account):
    service = PaymentService(lambda: uow, clock, gateway, PaymentNotices(notifier),
                             PaymentSettings(overpayment_allowance=Money.of("20")))
    assert service.pay_now(req(account, "130.50")).approved
    stored = uow.accounts.get(account.id)
    assert stored.credit == Money.of("5.00")
    assert stored.balance_due() == Money.zero()


def test_paying_a_zero_balance(payments, uow):
    paid_up = make_utility_account(number="0000000001", bills=[])
    uow.accounts.add(paid_up)
    with pytest.raises(NothingDue):
        payments.pay_now(req(paid_up, "10"))


def test_pending_and_scheduled_payments_count_against_the_balance(payments, account, clock):
    payments.schedule(req(account, "100", bank(account), key="s1", fee=None,
                          when=clock.today() + timedelta(days=5)))
    with pytest.raises(AmountOutOfRange) as error:
        payments.pay_now(req(account, "30", key="p1"))
    assert "$25.50" in str(error.value)
    assert payments.pay_now(req(account, "25.50", key="p2")).approved
    with pytest.raises(AmountOutOfRange):
        payments.pay_now(req(account, "1", key="p3"))


def test_locked_account_refuses_resident_payments(payments, account, uow):
    uow.accounts.get(account.id).locked_at = datetime(2026, 11, 1)
    with pytest.raises(AccountLocked):
        payments.pay_now(req(account, "10"))


def test_same_key_same_request_replays_the_same_payment(payments, account, gateway):
    first = payments.pay_now(req(account, "10", key="call-CA1-pay"))
    again = payments.pay_now(req(account, "10", key="call-CA1-pay"))
    assert again.replayed and not first.replayed
    assert again.payment.confirmation_number == first.payment.confirmation_number
    assert gateway.calls == 1


def test_same_key_different_request_is_an_error(payments, account, uow):
    payments.pay_now(req(account, "10", key="k"))
    with pytest.raises(IdempotencyConflict):
        payments.pay_now(req(account, "11", key="k"))
    with pytest.raises(IdempotencyConflict):
        payments.pay_now(req(account, "10", bank(account), key="k", fee=None))
    assert len(uow.store.payments) == 1


def test_idempotency_key_is_required(payments, account):
    with pytest.raises(InvalidInput):
        payments.pay_now(req(account, "10", key=""))
    with pytest.raises(InvalidInput):
        payments.pay_now(req(account, "10", key="x" * 201))


def test_method_must_belong_to_the_account(payments, account, uow):
    other = make_utility_account(number="0099999999")
    uow.accounts.add(other)
    with pytest.raises(InvalidPaymentMethod):
        payments.pay_now(req(account, "10", MethodChoice.saved(other.payment_methods[0].id)))
    with pytest.raises(InvalidPaymentMethod):
        payments.pay_now(req(account, "10", MethodChoice()))


def test_new_tokenized_method_can_be_saved(payments, account, uow):
    token = TokenizedMethod(MethodKind.BANK, "tok_bank_new", "0042",
                            bank_account_type=BankAccountType.SAVINGS)
    outcome = payments.pay_now(req(account, "10", MethodChoice.new(token, save_as="savings"),
                                   fee=None))
    assert outcome.payment.method_label == "savings account ending 0042"
    saved = [m for m in uow.accounts.get(account.id).payment_methods if m.token == "tok_bank_new"]
    assert saved and saved[0].nickname == "savings"
    assert outcome.payment.payment_method_id == saved[0].id


def test_voice_two_phase_payment(payments, account, uow):
    started = payments.begin_payment(req(account, "20", key="CA1:pay"))
    assert started.payment.status == PaymentStatus.PENDING
    result = ChargeResult("approved", "twilio-ref")
    done = payments.record_charge_result(started.payment.id, result, RESIDENT)
    assert done.status == PaymentStatus.APPROVED and done.processor_reference == "twilio-ref"
    # A retried <Pay> action webhook changes nothing.
    again = payments.record_charge_result(started.payment.id,
                                          ChargeResult("declined", "x"), RESIDENT)
    assert again.status == PaymentStatus.APPROVED
    assert uow.accounts.get(account.id).balance_due() == Money.of("105.50")


# --- scheduling ---------------------------------------------------------------------------


def test_schedule_a_future_payment(payments, account, notifier, clock):
    when = clock.today() + timedelta(days=7)
    outcome = payments.schedule(req(account, "40", bank(account), fee=None, when=when))
    assert outcome.payment.status == PaymentStatus.SCHEDULED
    assert outcome.payment.scheduled_for == when
    assert notifier.sent[0].kind == "payment.scheduled"


def test_schedule_after_the_due_date_warns(payments, uow):
    current = make_utility_account(number="0000000777", bills=[
        Bill("W-1", "WATER/SEWER", date(2026, 11, 1), date(2026, 12, 5), Money.of("85.50"),
             Money.of("85.50"))])
    uow.accounts.add(current)
    on_time = payments.schedule(req(current, "40", bank(current), fee=None, key="a",
                                    when=date(2026, 12, 5)))
    assert on_time.warnings == ()
    late = payments.schedule(req(current, "40", bank(current), fee=None, key="b",
                                 when=date(2026, 12, 6)))
    assert late.warnings == (ScheduleWarning(ScheduleWarningKind.AFTER_DUE_DATE,
                                             due_date=date(2026, 12, 5)),)
    assert "after the due date of December 5, 2026" in late.warnings[0].message


def test_schedule_with_a_past_due_balance_warns(payments, account):
    outcome = payments.schedule(req(account, "40", bank(account), fee=None,
                                    when=date(2026, 11, 25)))
    assert outcome.warnings == (ScheduleWarning(ScheduleWarningKind.PAST_DUE_BALANCE,
                                                past_due=Money.of("40")),)
    assert "$40.00 of your balance is already past due" in outcome.warnings[0].message


@pytest.mark.parametrize("days", [0, -1, -400, 91, 1000])
def test_schedule_rejects_today_past_and_too_far_dates(payments, account, clock, uow, days):
    with pytest.raises(InvalidDate):
        payments.schedule(req(account, "40", bank(account), fee=None,
                              when=clock.today() + timedelta(days=days)))
    assert uow.store.payments == []


@pytest.mark.parametrize("days", [0, -1, 91])
def test_check_date_applies_the_scheduling_rules_before_an_amount_is_known(payments, account,
                                                                           clock, days):
    with pytest.raises(InvalidDate):
        payments.check_date(account.id, clock.today() + timedelta(days=days))
    warnings = payments.check_date(account.id, clock.today() + timedelta(days=2))
    assert [w.kind for w in warnings] == [ScheduleWarningKind.PAST_DUE_BALANCE]


def test_schedule_limit_is_90_days_inclusive_and_configurable(payments, account, clock, uow,
                                                              gateway, notifier):
    assert payments.schedule(req(account, "1", bank(account), fee=None, key="a",
                                 when=clock.today() + timedelta(days=90)))
    short = PaymentService(lambda: uow, clock, gateway, PaymentNotices(notifier),
                           PaymentSettings(max_schedule_days=30))
    with pytest.raises(InvalidDate):
        short.schedule(req(account, "1", bank(account), fee=None, key="b",
                           when=clock.today() + timedelta(days=31)))


def test_schedule_needs_a_date_and_pay_now_refuses_one(payments, account, clock):
    with pytest.raises(InvalidDate):
        payments.schedule(req(account, "1", bank(account), fee=None))
    with pytest.raises(InvalidInput):
        payments.pay_now(req(account, "1", when=clock.today() + timedelta(days=3)))


def test_schedule_rejects_a_datetime(payments, account, clock):
    with pytest.raises(InvalidDate):
        payments.schedule(req(account, "1", bank(account), fee=None,
                              when=clock.now() + timedelta(days=3)))


def test_today_is_the_city_date_not_utc(uow, gateway, notifier, account):
    from zoneinfo import ZoneInfo

    from tests.fakes import FakeClock
    # 11:30 pm in Chicago on Nov 22 is already Nov 23 in UTC.
    late = FakeClock(datetime(2026, 11, 22, 23, 30, tzinfo=ZoneInfo("America/Chicago")))
    service = PaymentService(lambda: uow, late, gateway, PaymentNotices(notifier))
    assert service.schedule(req(account, "1", bank(account), fee=None,
                                when=date(2026, 11, 23))).payment.status == "scheduled"


# --- cancelling and the runner's steps ------------------------------------------------


def scheduled(payments, account, clock, amount="40", key="s"):
    return payments.schedule(req(account, amount, bank(account), fee=None, key=key,
                                 when=clock.today() + timedelta(days=3))).payment


def test_cancel_while_scheduled(payments, account, clock, uow, notifier):
    payment = scheduled(payments, account, clock)
    cancelled = payments.cancel(account.id, payment.confirmation_number.lower(), RESIDENT)
    assert cancelled.status == PaymentStatus.CANCELLED
    assert payments.cancel(account.id, payment.confirmation_number, RESIDENT).status == "cancelled"
    assert [e.action for e in uow.audit.for_account(account.id)].count("payment.cancelled") == 1
    assert notifier.sent[-1].kind == "payment.cancelled"


def test_cancelling_a_pending_payment_is_refused(payments, account, clock, uow):
    payment = scheduled(payments, account, clock)
    clock.advance(days=3)
    payments.submit_scheduled(payment.id, Actor.system("runner"))
    with pytest.raises(PaymentNotCancellable):
        payments.cancel(account.id, payment.confirmation_number, RESIDENT)
    assert uow.payments.get(payment.id).status == PaymentStatus.PENDING


def test_cancel_someone_elses_or_unknown_payment(payments, account, clock, uow):
    other = make_utility_account(number="0099999999")
    uow.accounts.add(other)
    payment = scheduled(payments, account, clock)
    with pytest.raises(PaymentNotFound):
        payments.cancel(other.id, payment.confirmation_number, RESIDENT)
    with pytest.raises(PaymentNotFound):
        payments.cancel(account.id, "ZZZZ-ZZZZ", RESIDENT)
    with pytest.raises(PaymentNotFound):
        payments.cancel(account.id, "💥", RESIDENT)


def test_runner_submits_only_when_due_then_settles_a_card(payments, account, clock, uow):
    payment = payments.schedule(req(account, "40", key="c",
                                    when=clock.today() + timedelta(days=3))).payment
    runner = Actor.system("runner")
    assert payments.submit_scheduled(payment.id, runner).status == PaymentStatus.SCHEDULED
    clock.advance(days=3)
    assert payments.submit_scheduled(payment.id, runner).status == PaymentStatus.PENDING
    assert payments.settle(payment.id, runner).status == PaymentStatus.APPROVED
    assert uow.accounts.get(account.id).balance_due() == Money.of("85.50")


def test_settle_leaves_a_bank_payment_to_the_ach_file(payments, account, clock, gateway):
    payment = scheduled(payments, account, clock)
    clock.advance(days=3)
    payments.submit_scheduled(payment.id, Actor.system("runner"))
    assert payments.settle(payment.id, Actor.system("runner")).status == PaymentStatus.PENDING
    assert gateway.calls == 0


def test_runner_skips_a_payment_whose_bill_was_paid_meanwhile(payments, account, clock, uow,
                                                             notifier):
    payment = scheduled(payments, account, clock, amount="40")
    uow.accounts.get(account.id).apply_payment(Money.of("125.50"))  # paid at the counter
    clock.advance(days=3)
    result = payments.submit_scheduled(payment.id, Actor.system("runner"))
    assert result.status == PaymentStatus.CANCELLED
    assert result.rejection_reason == "balance already paid"
    assert notifier.sent[-1].kind == "payment.skipped"


def test_runner_caps_a_payment_at_what_is_still_due(payments, account, clock, uow):
    payment = scheduled(payments, account, clock, amount="100")
    uow.accounts.get(account.id).apply_payment(Money.of("100.50"))
    clock.advance(days=3)
    result = payments.submit_scheduled(payment.id, Actor.system("runner"))
    assert result.status == PaymentStatus.PENDING and result.amount == Money.of("25.00")


def test_status_machine_rejects_illegal_transitions(payments, account, clock):
    payment = scheduled(payments, account, clock)
    with pytest.raises(InvalidTransition):
        payment.transition(PaymentStatus.APPROVED, clock.now())
    payment.cancel(clock.now())
    with pytest.raises(PaymentNotCancellable):
        payment.cancel(clock.now())
    with pytest.raises(InvalidTransition):
        payment.transition(PaymentStatus.PENDING, clock.now())


def test_history_is_24_months_newest_first(payments, account, clock, uow):
    old = payments.pay_now(req(account, "1", key="old")).payment
    old.created_at = clock.now() - timedelta(days=760)
    recent = payments.pay_now(req(account, "2", key="recent")).payment
    history = payments.history(account.id)
    assert [p.confirmation_number for p in history] == [recent.confirmation_number]


def test_confirmation_numbers_are_readable_and_unique(payments, account):
    numbers = {payments.pay_now(req(account, "0.01", key=f"k{i}")).payment.confirmation_number
               for i in range(30)}
    assert len(numbers) == 30
    for number in numbers:
        assert len(number) == 9 and number[4] == "-"
        assert not set(number) & set("01IOLSZB2568G")


# --- ACH returns on the model -------------------------------------------------------------


def test_a_returned_approved_bank_debit_is_reversed_on_the_account(account, clock):
    account.apply_payment(Money.of("100.00"))  # oldest first: 40 then 60 of 85.50
    assert [b.unpaid for b in account.bills] == [Money.zero(), Money.of("25.50")]
    account.reverse_payment(Money.of("100.00"))  # newest first: 60 back, then 40
    assert [b.unpaid for b in account.bills] == [Money.of("40.00"), Money.of("85.50")]


def test_reversal_takes_credit_first(account):
    account.apply_payment(Money.of("130.50"))
    assert account.credit == Money.of("5.00")
    account.reverse_payment(Money.of("10.00"))
    assert account.credit == Money.zero()
    assert account.balance_due() == Money.of("5.00")


def test_return_by_bank_from_pending_or_approved_only(payments, account, clock):
    payment = payments.pay_now(req(account, "20", bank(account), fee=None)).payment
    assert payment.return_by_bank(clock.now(), "R01", "insufficient funds") is False
    assert (payment.status, payment.return_code) == (PaymentStatus.REJECTED, "R01")
    with pytest.raises(InvalidTransition):
        payment.return_by_bank(clock.now(), "R01", "again")
    card_payment = payments.pay_now(req(account, "20", key="card")).payment
    with pytest.raises(InvalidTransition):
        card_payment.return_by_bank(clock.now(), "R01", "cards are not ACH")


def test_rejection_notice_reads_as_one_sentence(payments, account):
    from domain.notifications import payment_text
    payment = payments.pay_now(req(account, "10", MethodChoice.saved(
        account.payment_methods[2].id))).payment
    body = payment_text("rejected", payment, "en", "City of Riverton",
                        reason="There was not enough money in the account.")
    assert ".." not in body
    assert "not enough money in the account. Please try another method" in body
