"""A day's reconciliation on fakes: the processor's charges, refunds and disputes of the
city's day against the ledger, every mismatch listed (and logged once), totals that tie out,
and the day's edges in America/Chicago, DST changes included."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.model import (
    Actor,
    Channel,
    Dispute,
    DisputeStatus,
    MethodKind,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from domain.money import Money
from domain.ports import ProcessorDispute
from domain.services.payments import MethodChoice, PaymentRequest, charge_reference
from domain.services.reconciliation import DayReconciler, MismatchKind, day_window
from tests.fakes import FakeClock
from tests.finance_fakes import Books

CHICAGO = ZoneInfo("America/Chicago")
CALLER = Actor.resident(Channel.VOICE, "CA1")
FEE = Money.of("1.25")
DAY = date(2026, 11, 22)  # the clock fixture's day


@pytest.fixture
def books() -> Books:
    return Books()


@pytest.fixture
def reconciler(uow, books, gateway, clock) -> DayReconciler:
    return DayReconciler(lambda: uow, books.ledger_for(), gateway, clock)


def set_time(clock: FakeClock, moment: datetime) -> None:
    # Straight to the instant: FakeClock.advance adds wall-clock time, which skips or repeats
    # an hour across a DST change.
    clock._now = moment.astimezone(CHICAGO)


def pay(payments, account, amount: str = "10.00", key: str = "k1") -> Payment:
    payment = payments.pay_now(PaymentRequest(
        account_id=account.id, amount=Money.of(amount),
        method=MethodChoice.saved(account.payment_methods[0].id), actor=CALLER,
        idempotency_key=key, accepted_fee=FEE)).payment
    assert payment.status == PaymentStatus.APPROVED
    return payment


def reserve(payments, account, amount: str = "40.00", key: str = "voice:CA1:8:pay") -> Payment:
    return payments.begin_payment(PaymentRequest(
        account_id=account.id, amount=Money.of(amount),
        method=MethodChoice.entered_at_processor(MethodKind.CARD), actor=CALLER,
        idempotency_key=key, accepted_fee=FEE)).payment


def ledger_refund(books, payment, amount: str, clock, reference: str | None,
                  key: str = "refund-1",
                  status: RefundStatus = RefundStatus.SUCCEEDED) -> Refund:
    return books.add_refund(Refund(payment.id, Money.of(amount), "billed twice", "m.chen",
                                   clock.now(), key, status, reference, clock.now()))


def refund(gateway, books, payment, amount: str, clock, key: str = "refund-1") -> str:
    result = gateway.refund(payment.processor_reference, Money.of(amount), key)
    assert result.succeeded and result.reference
    ledger_refund(books, payment, amount, clock, result.reference, key)
    return result.reference


def dispute(gateway, payment, clock, reference: str = "dp_1",
            status: str = "open") -> ProcessorDispute:
    opened = ProcessorDispute(reference, payment.processor_reference, payment.total, status,
                              "fraudulent", clock.now())
    gateway.disputes.append(opened)
    return opened


def ledger_dispute(books, payment, clock, reference: str = "dp_1",
                   status: DisputeStatus = DisputeStatus.OPEN) -> Dispute:
    return books.add_dispute(Dispute(reference, payment.id, payment.total, "fraudulent", status,
                                     clock.now()))


def errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno == logging.ERROR and r.name == "domain.services.reconciliation"]


# --- the day ---------------------------------------------------------------------------------


def test_a_clean_day_ties_out_on_every_side(reconciler, payments, account, gateway, books,
                                            clock, uow, caplog):
    first = pay(payments, account, "10.00", "a")
    clock.advance(hours=2)
    second = pay(payments, account, "20.00", "b")
    clock.advance(hours=1)
    refund(gateway, books, first, "5.00", clock)
    dispute(gateway, second, clock)
    ledger_dispute(books, second, clock)
    gateway.connector_charge("payline-ZZZZ-ZZZZ", Money.of("9.00"), approved=False)  # no money
    commits = uow.commits

    result = reconciler.reconcile(DAY)

    assert result.clean and result.mismatches == () and result.timing == ()
    charges = result.charges
    assert (charges.processor.count, charges.processor.amount) == (2, Money.of("32.50"))
    assert (charges.ledger.count, charges.ledger.amount) == (2, Money.of("32.50"))
    assert charges.difference.is_zero() and charges.ties_out
    assert (result.refunds.processor.amount, result.refunds.ledger.amount) == (
        Money.of("5.00"), Money.of("5.00"))
    assert [(s.count, s.amount) for s in result.disputes] == [(1, Money.of("21.25"))] * 2
    assert errors(caplog) == []
    assert uow.commits == commits  # read-only


def test_the_day_is_the_citys_midnight_to_midnight(reconciler, payments, account, clock):
    set_time(clock, datetime(2026, 11, 21, 23, 59, 59, tzinfo=CHICAGO))
    pay(payments, account, "10.00", "late")  # 05:59:59 UTC on the 22nd: still the 21st here
    set_time(clock, datetime(2026, 11, 22, 0, 0, tzinfo=CHICAGO))
    pay(payments, account, "20.00", "early")
    set_time(clock, datetime(2026, 11, 22, 23, 59, 59, tzinfo=CHICAGO))
    pay(payments, account, "30.00", "last")
    set_time(clock, datetime(2026, 11, 23, 0, 0, tzinfo=CHICAGO))
    pay(payments, account, "40.00", "next")
    result = reconciler.reconcile(DAY)
    assert result.clean
    assert result.charges.processor.amount == Money.of("52.50")  # 21.25 + 31.25
    assert result.charges.ledger.amount == Money.of("52.50")
    assert (result.start, result.end) == (datetime(2026, 11, 22, 6, tzinfo=UTC),
                                          datetime(2026, 11, 23, 6, tzinfo=UTC))


# --- each kind of mismatch ---------------------------------------------------------------


def test_a_charge_the_ledger_lacks_is_listed_logged_once_and_explains_the_totals(
        reconciler, payments, account, gateway, clock, caplog):
    pay(payments, account, "10.00")
    stranger = gateway.connector_charge("payline-K7MW-3QTX", Money.of("147.82"))
    gateway.connector_charge(None, Money.of("20.00"))  # no Payline reference at all

    result = reconciler.reconcile(DAY)

    assert not result.clean
    first, second = result.mismatches
    assert first.kind == second.kind == MismatchKind.CHARGE_NOT_IN_LEDGER
    assert (first.processor_reference, first.amount) == (stranger.reference,
                                                         Money.of("147.82"))
    assert first.confirmation_number == "K7MW-3QTX"
    assert first.problem == "no payment in the ledger has this Payline reference"
    assert "no Payline reference" in second.problem
    tie = result.charges
    assert tie.difference == Money.of("167.82") == tie.by_mismatches
    assert tie.ties_out
    logged = errors(caplog)
    assert len(logged) == 2
    assert "charge the ledger lacks" in logged[0] and "$147.82" in logged[0]
    assert stranger.reference in logged[0] and "2026-11-22 10:00:00 CST" in logged[0]


def test_a_payment_the_processor_lacks(reconciler, payments, account, uow, clock):
    real = pay(payments, account, "10.00")
    ghost = Payment(confirmation_number="GHST-0001", account_id=account.id,
                    amount=Money.of("25.00"), fee=FEE, method_kind=MethodKind.CARD,
                    method_label="VISA ending 4242", method_token="tok_visa_4242",
                    scheduled_for=DAY, status=PaymentStatus.APPROVED, channel=Channel.WEB,
                    created_by="resident:web", created_at=clock.now(), idempotency_key="ghost",
                    submitted_at=clock.now(), completed_at=clock.now(),
                    processor_reference="ref-nowhere")
    uow.payments.add(ghost)
    uow.flush()

    result = reconciler.reconcile(DAY)

    (item,) = result.mismatches
    assert item.kind == MismatchKind.PAYMENT_NOT_AT_PROCESSOR
    assert (item.confirmation_number, item.amount) == ("GHST-0001", Money.of("26.25"))
    assert item.problem == "the processor has no charge for it"
    assert result.charges.processor.amount == real.total
    assert result.charges.ledger.amount == real.total + ghost.total
    assert result.charges.difference == -ghost.total == result.charges.by_mismatches


def test_a_different_amount(reconciler, payments, account, gateway, clock):
    short = reserve(payments, account, "40.00")
    charged = gateway.connector_charge(charge_reference(short), Money.of("4.00"))
    payments.record_charge_result(short.id, charged, CALLER)  # the ledger approves 41.25

    (item,) = reconciler.reconcile(DAY).mismatches

    assert item.kind == MismatchKind.AMOUNT_DIFFERS
    assert item.problem == f"payment {short.confirmation_number} in the ledger is for $41.25"
    assert item.amount == Money.of("4.00") and item.effect == Money.of("-37.25")
    result = reconciler.reconcile(DAY)
    assert result.charges.difference == Money.of("-37.25") and result.charges.ties_out


def test_a_second_charge_for_one_payment(reconciler, payments, account, gateway):
    twice = reserve(payments, account, "10.00")
    first = gateway.connector_charge(charge_reference(twice), twice.total)
    payments.record_charge_result(twice.id, first, CALLER)
    again = gateway.connector_charge(charge_reference(twice), twice.total)

    result = reconciler.reconcile(DAY)

    (item,) = result.mismatches
    assert item.kind == MismatchKind.CHARGE_NOT_IN_LEDGER
    assert item.processor_reference == again.reference and "charged twice?" in item.problem
    assert result.charges.difference == twice.total and result.charges.ties_out


def test_money_taken_for_a_payment_the_ledger_rejected(reconciler, payments, account, gateway):
    released = reserve(payments, account)
    payments.abandon(released.id, "the caller hung up", CALLER)
    gateway.connector_charge(charge_reference(released), released.total)
    (item,) = reconciler.reconcile(DAY).mismatches
    assert item.kind == MismatchKind.CHARGE_NOT_IN_LEDGER
    assert item.problem == f"the ledger has payment {released.confirmation_number} as rejected"


def test_refunds_not_applied_on_either_side(reconciler, payments, account, gateway, books,
                                            clock):
    payment = pay(payments, account, "30.00")
    refund(gateway, books, payment, "1.00", clock, key="fine")  # both sides: not reported
    unknown = gateway.refund(payment.processor_reference, Money.of("2.00"), "behind-the-back")
    differs = gateway.refund(payment.processor_reference, Money.of("3.00"), "differs")
    ledger_refund(books, payment, "3.50", clock, differs.reference, key="differs")
    waiting = gateway.refund(payment.processor_reference, Money.of("4.00"), "waiting")
    ledger_refund(books, payment, "4.00", clock, waiting.reference, key="waiting",
                  status=RefundStatus.PENDING)
    ledger_refund(books, payment, "5.00", clock, "re_never", key="never")

    result = reconciler.reconcile(DAY)

    found = {(m.kind, m.processor_reference): m for m in result.mismatches}
    assert set(found) == {(MismatchKind.REFUND_NOT_IN_LEDGER, unknown.reference),
                          (MismatchKind.REFUND_NOT_IN_LEDGER, differs.reference),
                          (MismatchKind.REFUND_NOT_IN_LEDGER, waiting.reference),
                          (MismatchKind.REFUND_NOT_AT_PROCESSOR, "re_never")}
    assert "no refund in the ledger" in found[MismatchKind.REFUND_NOT_IN_LEDGER,
                                              unknown.reference].problem
    assert found[MismatchKind.REFUND_NOT_IN_LEDGER, differs.reference].problem == \
        "the ledger's refund is for $3.50"
    assert found[MismatchKind.REFUND_NOT_IN_LEDGER, waiting.reference].problem == \
        "the ledger has the refund as pending"
    assert all(m.confirmation_number == payment.confirmation_number for m in found.values())
    tie = result.refunds
    assert tie.processor.amount == Money.of("10.00")  # 1 + 2 + 3 + 4
    assert tie.ledger.amount == Money.of("9.50")  # 1 + 3.50 + 5 (the pending one is not)
    assert tie.difference == Money.of("0.50") == tie.by_mismatches and tie.ties_out


def test_disputes_not_applied(reconciler, payments, account, gateway, books, clock):
    payment = pay(payments, account, "10.00", "a")
    other = pay(payments, account, "20.00", "b")
    dispute(gateway, payment, clock, "dp_missing")
    dispute(gateway, other, clock, "dp_won", status="won")
    ledger_dispute(books, other, clock, "dp_won", DisputeStatus.OPEN)

    result = reconciler.reconcile(DAY)

    problems = {m.processor_reference: m for m in result.mismatches}
    assert set(problems) == {"dp_missing", "dp_won"}
    assert all(m.kind == MismatchKind.DISPUTE_NOT_APPLIED for m in problems.values())
    assert "no dispute in the ledger" in problems["dp_missing"].problem
    assert problems["dp_missing"].confirmation_number == payment.confirmation_number
    assert problems["dp_won"].problem == ("the processor has the dispute as won, the ledger "
                                          "as open")
    assert [s.count for s in result.disputes] == [2, 1]
    assert result.charges.ties_out and result.charges.difference.is_zero()


# --- timing: both sides have it, on different days ---------------------------------------


def test_a_charge_just_before_midnight_approved_just_after_is_timing_not_a_mismatch(
        reconciler, payments, account, gateway, clock, caplog):
    set_time(clock, datetime(2026, 11, 21, 23, 59, 40, tzinfo=CHICAGO))
    late = reserve(payments, account, "40.00")
    clock.advance(seconds=10)
    charged = gateway.connector_charge(charge_reference(late), late.total)
    set_time(clock, datetime(2026, 11, 22, 0, 0, 5, tzinfo=CHICAGO))
    payments.record_charge_result(late.id, charged, CALLER)  # the <Pay> result, after midnight

    before = reconciler.reconcile(DAY - timedelta(days=1))
    after = reconciler.reconcile(DAY)

    assert before.clean and after.clean and errors(caplog) == []
    (charge_side,) = before.timing
    assert charge_side.problem == "the ledger approved the payment on 2026-11-22"
    assert before.charges.difference == late.total == before.charges.by_timing
    (ledger_side,) = after.timing
    assert ledger_side.problem == "the processor created its charge on another day"
    assert ledger_side.processor_reference == charged.reference
    assert after.charges.difference == -late.total == after.charges.by_timing
    assert before.charges.ties_out and after.charges.ties_out


def test_a_charge_whose_result_has_not_come_is_in_transit(reconciler, payments, account,
                                                         gateway):
    waiting = reserve(payments, account, "40.00")
    gateway.connector_charge(charge_reference(waiting), waiting.total)
    result = reconciler.reconcile(DAY)
    assert result.clean
    (item,) = result.timing
    assert item.problem == "the ledger has the payment still pending"


def test_an_unreachable_processor_raises_and_nothing_is_reported(reconciler, gateway, caplog):
    gateway.lookups_fail = True
    with pytest.raises(ConnectionError):
        reconciler.reconcile(DAY)
    assert errors(caplog) == []


def test_progress_is_reported_per_listing(reconciler, payments, account):
    pay(payments, account, "10.00", "a")
    pay(payments, account, "11.00", "b")
    seen: list[tuple[str, int]] = []
    reconciler.reconcile(DAY, progress=lambda what, n: seen.append((what, n)))
    assert ("processor charges", 2) in seen
    assert ("processor refunds", 0) in seen and ("processor disputes", 0) in seen


# --- the day's edges across DST ------------------------------------------------------------


@pytest.mark.parametrize(("day", "hours", "start"), [
    (date(2026, 3, 8), 23, datetime(2026, 3, 8, 6, tzinfo=UTC)),  # spring forward
    (date(2026, 11, 1), 25, datetime(2026, 11, 1, 5, tzinfo=UTC)),  # fall back
    (date(2026, 7, 4), 24, datetime(2026, 7, 4, 5, tzinfo=UTC)),
])
def test_a_dst_day_is_23_or_25_hours_long(day, hours, start):
    first, last = day_window(day, CHICAGO)
    assert first == start and last - first == timedelta(hours=hours)


@pytest.mark.parametrize(("day", "inside", "outside"), [
    (date(2026, 3, 8),
     [datetime(2026, 3, 8, 6, tzinfo=UTC), datetime(2026, 3, 9, 4, 59, 59, tzinfo=UTC)],
     [datetime(2026, 3, 8, 5, 59, 59, tzinfo=UTC), datetime(2026, 3, 9, 5, tzinfo=UTC)]),
    (date(2026, 11, 1),
     [datetime(2026, 11, 1, 5, tzinfo=UTC), datetime(2026, 11, 2, 5, 59, 59, tzinfo=UTC)],
     [datetime(2026, 11, 1, 4, 59, 59, tzinfo=UTC), datetime(2026, 11, 2, 6, tzinfo=UTC)]),
])
def test_charges_near_midnight_on_a_dst_change_fall_on_the_citys_day(
        reconciler, gateway, clock, day, inside, outside):
    references = {}
    for moment in (*inside, *outside):
        set_time(clock, moment)
        references[moment] = gateway.connector_charge(None, Money.of("5.00")).reference
    reported = {m.processor_reference for m in reconciler.reconcile(day).mismatches}
    assert reported == {references[m] for m in inside}
