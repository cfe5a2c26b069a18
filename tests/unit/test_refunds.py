"""RefundService on fakes: who may refund, how much, once per key, the processor's answers
(succeeded, failed, none), the runner's retry, the ledger and the notices."""

from __future__ import annotations

from datetime import datetime

import pytest

from domain.errors import IdempotencyConflict, InvalidAmount, InvalidInput
from domain.model import (
    Actor,
    Agent,
    AgentRole,
    Channel,
    DisputeStatus,
    PaymentStatus,
    RefundStatus,
)
from domain.money import Money
from domain.ports import ProcessorEvent, RefundResult
from domain.services.payment_notices import PaymentNotices
from domain.services.payments import MethodChoice, PaymentRequest
from domain.services.refunds import (
    NotRefundable,
    ProcessorRefundSeen,
    RefundNotAllowed,
    RefundService,
    RefundTooLarge,
)

SUPERVISOR = Actor.agent("m.chen")
AGENT = Actor.agent("r.alvarez")
FEE = Money.of("1.25")


class Agents:
    """The one AgentStore method the refund service asks."""

    def __init__(self, now: datetime) -> None:
        def agent(name: str, role: AgentRole, active: bool = True) -> Agent:
            return Agent(username=name, display_name=name, role=role, password_hash="x",
                         created_at=now, password_changed_at=now, active=active)
        self._agents = {a.username: a for a in (
            agent("m.chen", AgentRole.SUPERVISOR), agent("r.alvarez", AgentRole.AGENT),
            agent("old.boss", AgentRole.SUPERVISOR, active=False))}

    def by_username(self, username: str) -> Agent | None:
        return self._agents.get(username)


@pytest.fixture
def refunds(uow, clock, gateway, notifier) -> RefundService:
    return RefundService(lambda: uow, clock, gateway, PaymentNotices(notifier), Agents(
        clock.now()))


@pytest.fixture
def paid(payments, account, notifier):
    """An approved card payment of $50.00 + $1.25 fee on the account (bills: 40 + 85.50)."""
    outcome = payments.pay_now(PaymentRequest(
        account.id, Money.of("50.00"), MethodChoice.saved(account.payment_methods[0].id),
        Actor.resident(Channel.CHAT, "c1"), idempotency_key="pay-1", accepted_fee=FEE))
    assert outcome.payment.status == PaymentStatus.APPROVED
    notifier.sent.clear()
    return outcome.payment


def balance(uow, account) -> Money:
    return uow.accounts.get(account.id).balance_due()


def test_a_full_refund_gives_back_the_total_and_the_bills_are_owed_again(
        refunds, paid, uow, account, gateway, notifier):
    assert balance(uow, account) == Money.of("75.50")
    outcome = refunds.refund(paid.id, None, "  resident paid twice  ", SUPERVISOR, "k-1")
    assert outcome.succeeded and not outcome.replayed
    refund = outcome.refund
    assert refund.amount == Money.of("51.25")  # fee included
    assert refund.reason == "resident paid twice"
    assert refund.requested_by == "m.chen"
    assert refund.processor_reference is not None
    assert gateway.refunded["k-1"][:2] == (paid.processor_reference, Money.of("51.25"))
    stored = uow.payments.get(paid.id)
    assert stored.refunded == Money.of("51.25")
    # Only the $50.00 that paid bills is owed again: the fee is no bill.
    assert balance(uow, account) == Money.of("125.50")
    actions = [e.action for e in uow.audit.for_account(account.id)][:2]
    assert actions == ["refund.succeeded", "refund.requested"]
    assert all("reason=resident paid twice" in e.detail
               for e in uow.audit.for_account(account.id)[:2])
    assert {(n.channel, n.kind) for n in notifier.sent} == {("sms", "payment.refund"),
                                                            ("email", "payment.refund")}
    assert notifier.sent[0].body == (
        f"City of Riverton: a refund of $51.25 for payment {paid.confirmation_number} is on "
        "its way to your VISA ending 4242; it can take 5-10 business days.")


def test_partial_refunds_add_up_to_the_total_and_no_more(refunds, paid, uow, account):
    first = refunds.refund(paid.id, Money.of("20.00"), "billing error", SUPERVISOR, "k-1")
    assert first.succeeded
    assert balance(uow, account) == Money.of("95.50")
    with pytest.raises(RefundTooLarge) as too_much:
        refunds.refund(paid.id, Money.of("31.26"), "more", SUPERVISOR, "k-2")
    assert too_much.value.detail == "Only $31.25 of this payment is left to refund."
    assert too_much.value.left == Money.of("31.25")
    rest = refunds.refund(paid.id, None, "the rest", SUPERVISOR, "k-3")
    assert rest.refund.amount == Money.of("31.25")
    assert uow.payments.get(paid.id).refunded == paid.total
    # $20 + $30 of the amount came off the bills; the fee last, adding no debt.
    assert balance(uow, account) == Money.of("125.50")
    with pytest.raises(RefundTooLarge, match="Nothing is left to refund"):
        refunds.refund(paid.id, None, "again", SUPERVISOR, "k-4")
    assert refunds.refundable(account.id) == {}


def test_the_same_key_is_the_same_refund(refunds, paid, uow, gateway):
    first = refunds.refund(paid.id, Money.of("10.00"), "goodwill", SUPERVISOR, "k-1")
    calls = gateway.calls
    again = refunds.refund(paid.id, Money.of("10.00"), "goodwill", SUPERVISOR, "k-1")
    assert again.replayed and again.refund.id == first.refund.id
    assert gateway.calls == calls  # the processor was not asked twice
    assert len(uow.store.refunds) == 1
    assert uow.payments.get(paid.id).refunded == Money.of("10.00")
    with pytest.raises(IdempotencyConflict):
        refunds.refund(paid.id, Money.of("11.00"), "goodwill", SUPERVISOR, "k-1")


@pytest.mark.parametrize("actor", [AGENT, Actor.agent("old.boss"), Actor.agent("nobody"),
                                   Actor.resident(Channel.CHAT, "m.chen"),
                                   Actor.system("runner")])
def test_only_an_active_supervisor_may_refund(refunds, paid, uow, gateway, actor):
    with pytest.raises(RefundNotAllowed):
        refunds.refund(paid.id, None, "why not", actor, "k-1")
    assert uow.store.refunds == [] and gateway.refunded == {}


@pytest.mark.parametrize(("reason", "message"), [
    ("", "reason"), ("   \n ", "reason"), ("x" * 501, "under 500"),
    ("card 4242 4242 4242 4242 was charged twice", "card number"),
    (None, "reason")])
def test_a_reason_is_required_and_never_holds_card_digits(refunds, paid, uow, reason, message):
    with pytest.raises(InvalidInput, match=message):
        refunds.refund(paid.id, None, reason, SUPERVISOR, "k-1")  # type: ignore[arg-type]
    assert uow.store.refunds == []
    assert not any("4242 4242" in e.detail for e in uow.store.audit)


@pytest.mark.parametrize("amount", [Money.of("0"), Money.of("-1.00")])
def test_the_amount_must_be_positive(refunds, paid, amount):
    with pytest.raises(InvalidAmount):
        refunds.refund(paid.id, amount, "why", SUPERVISOR, "k-1")


@pytest.mark.parametrize("key", ["", " ", "has space", "x" * 201])
def test_a_bad_key_is_refused(refunds, paid, key):
    with pytest.raises(InvalidInput, match="expired"):
        refunds.refund(paid.id, None, "why", SUPERVISOR, key)


def test_bank_pending_and_disputed_payments_cannot_be_refunded(refunds, payments, account,
                                                               paid, uow):
    bank = payments.pay_now(PaymentRequest(
        account.id, Money.of("10.00"), MethodChoice.saved(account.payment_methods[1].id),
        Actor.resident(Channel.CHAT, "c1"), idempotency_key="pay-bank"))
    with pytest.raises(NotRefundable, match="card payments"):
        refunds.refund(bank.payment.id, None, "why", SUPERVISOR, "k-1")
    uow.payments.get(paid.id).dispute_status = DisputeStatus.OPEN
    with pytest.raises(NotRefundable, match="disputed"):
        refunds.refund(paid.id, None, "why", SUPERVISOR, "k-2")
    assert uow.store.refunds == []


def test_a_refund_by_confirmation_number(refunds, paid):
    outcome = refunds.refund(paid.confirmation_number.lower(), Money.of("1.00"), "why",
                             SUPERVISOR, "k-1")
    assert outcome.refund.payment_id == paid.id


def test_a_refused_refund_is_failed_with_the_reason_and_changes_nothing(
        refunds, paid, uow, account, gateway, notifier):
    # $50.00 already refunded at the processor, which the ledger does not know yet.
    gateway.refunded["elsewhere"] = (paid.processor_reference, Money.of("50.00"),
                                     RefundResult("succeeded", "re_elsewhere"))
    outcome = refunds.refund(paid.id, Money.of("5.00"), "why", SUPERVISOR, "k-1")
    assert outcome.refund.status == RefundStatus.FAILED
    assert outcome.refund.failure_reason == "Only $1.25 is left to refund."
    assert uow.payments.get(paid.id).refunded == Money.zero()
    assert balance(uow, account) == Money.of("75.50")
    assert uow.audit.for_account(account.id)[0].action == "refund.failed"
    assert notifier.sent == []
    # A failed refund holds nothing back: the amount is free again.
    assert refunds.refundable(account.id) == {paid.id: paid.total}


def test_an_unreachable_processor_leaves_the_refund_pending_until_the_runner_retries(
        refunds, paid, uow, account, gateway, clock, notifier):
    gateway.fail_next = True
    outcome = refunds.refund(paid.id, Money.of("20.00"), "why", SUPERVISOR, "k-1")
    assert outcome.refund.status == RefundStatus.PENDING
    assert uow.payments.get(paid.id).refunded == Money.zero()
    # Pending money is held back: nobody can refund it a second time meanwhile.
    assert refunds.refundable(account.id) == {paid.id: Money.of("31.25")}
    with pytest.raises(RefundTooLarge):
        refunds.refund(paid.id, Money.of("31.26"), "why", SUPERVISOR, "k-2")
    # Too soon for the runner, then due.
    assert refunds.retry_pending().still_pending == 0
    clock.advance(minutes=3)
    summary = refunds.retry_pending()
    assert (summary.succeeded, summary.failed, summary.still_pending) == (1, 0, 0)
    assert gateway.refunded["k-1"][1] == Money.of("20.00")
    assert uow.payments.get(paid.id).refunded == Money.of("20.00")
    assert balance(uow, account) == Money.of("95.50")
    assert [n.kind for n in notifier.sent] == ["payment.refund", "payment.refund"]
    assert refunds.retry_pending().succeeded == 0  # nothing left to retry


def test_the_processor_still_processing_keeps_it_pending(refunds, paid, uow, gateway, clock):
    gateway.refund = lambda ref, amount, idempotency_key: RefundResult("pending", "re_slow")  # type: ignore[method-assign]
    outcome = refunds.refund(paid.id, Money.of("20.00"), "why", SUPERVISOR, "k-1")
    assert outcome.refund.status == RefundStatus.PENDING
    assert outcome.refund.processor_reference == "re_slow"
    assert uow.audit.for_account(paid.account_id)[0].action == "refund.processing"


# --- refunds the processor reports (charge.refunded) ----------------------------------------


def test_a_refund_made_at_the_processor_is_recorded_once(refunds, paid, uow, account,
                                                         notifier):
    seen = [ProcessorRefundSeen("re_dash", Money.of("10.00"), "succeeded")]
    event = ProcessorEvent("evt_1", "charge.refunded")
    changed = refunds.record_from_processor(paid.processor_reference, seen, event)
    assert [(r.requested_by, r.amount, r.status) for r in changed] == [
        ("stripe", Money.of("10.00"), RefundStatus.SUCCEEDED)]
    assert uow.payments.get(paid.id).refunded == Money.of("10.00")
    assert balance(uow, account) == Money.of("85.50")
    assert [n.kind for n in notifier.sent] == ["payment.refund", "payment.refund"]
    # The same event again, and a later event naming the same refund: nothing changes.
    assert refunds.record_from_processor(paid.processor_reference, seen, event) == []
    assert refunds.record_from_processor(paid.processor_reference, seen,
                                         ProcessorEvent("evt_2", "charge.refunded")) == []
    assert uow.payments.get(paid.id).refunded == Money.of("10.00")
    assert len(uow.store.refunds) == 1


def test_payline_own_refund_is_not_counted_twice_by_the_webhook(refunds, paid, uow, account):
    mine = refunds.refund(paid.id, Money.of("10.00"), "why", SUPERVISOR, "k-1").refund
    seen = [ProcessorRefundSeen(mine.processor_reference, Money.of("10.00"), "succeeded",
                                payline_reference="k-1")]
    assert refunds.record_from_processor(paid.processor_reference, seen) == []
    assert uow.payments.get(paid.id).refunded == Money.of("10.00")


def test_the_webhook_can_answer_payline_pending_refund_first(refunds, paid, uow, gateway,
                                                             clock):
    gateway.fail_next = True
    pending = refunds.refund(paid.id, Money.of("10.00"), "why", SUPERVISOR, "k-1").refund
    seen = [ProcessorRefundSeen("re_late", Money.of("10.00"), "succeeded",
                                payline_reference="k-1")]
    (answered,) = refunds.record_from_processor(paid.processor_reference, seen)
    assert answered.id == pending.id and answered.status == RefundStatus.SUCCEEDED
    assert answered.processor_reference == "re_late"
    clock.advance(minutes=5)
    refunds.retry_pending()  # the runner's retry finds it answered: no second refund
    assert uow.payments.get(paid.id).refunded == Money.of("10.00")


def test_an_unknown_charge_is_ignored(refunds, uow):
    seen = [ProcessorRefundSeen("re_x", Money.of("10.00"), "succeeded")]
    assert refunds.record_from_processor("pi_nobody", seen) == []
    assert uow.store.refunds == []


def test_the_payment_runner_retries_pending_refunds(refunds, payments, paid, uow, gateway,
                                                    clock):
    from datetime import timedelta

    from domain.services.ach import AchService
    from domain.services.processing import ScheduledPaymentRunner

    runner = ScheduledPaymentRunner(lambda: uow, clock, payments,
                                    AchService(lambda: uow, clock, payments),
                                    stale_after=timedelta(minutes=2), refunds=refunds)
    gateway.fail_next = True
    refunds.refund(paid.id, Money.of("5.00"), "why", SUPERVISOR, "k-1")
    clock.advance(minutes=3)
    summary = runner.run()
    assert summary.refunds_succeeded == 1
    assert summary.lines()[-1] == "refunds retried: succeeded 1, failed 0, still pending 0"
    assert uow.payments.get(paid.id).refunded == Money.of("5.00")
    assert len(runner.run().lines()) == 2  # nothing to retry: the usual two lines
