"""Refunds and disputes on the real database (SQLite and PostgreSQL) with the sandbox
processor: the repositories, the replay guard, and supervisors refunding at the same moment
(one refund, never two)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from domain.adapters.agent_store import SqlAgentStore
from domain.adapters.clock import FixedClock
from domain.adapters.database import create_engine_for, make_session_factory
from domain.adapters.orm import processor_events as processor_events_table
from domain.adapters.unit_of_work import SqlAlchemyUnitOfWork
from domain.model import (
    Account,
    AccountKind,
    Actor,
    Agent,
    AgentRole,
    Bill,
    Channel,
    Customer,
    DisputeStatus,
    PaymentStatus,
    RefundStatus,
)
from domain.money import Money
from domain.ports import CardDetails, ConcurrencyConflict, ProcessorEvent
from domain.services.disputes import DisputeService
from domain.services.payment_notices import PaymentNotices
from domain.services.payments import MethodChoice, PaymentRequest, PaymentService, TryAgain
from domain.services.refunds import RefundService, RefundTooLarge
from sandbox.processor import SandboxProcessor
from tests.fakes import FakeNotifier

CHICAGO = ZoneInfo("America/Chicago")
THREADS = 6
SUPERVISORS = [Actor.agent(f"boss{i}") for i in range(THREADS)]


@pytest.fixture
def world(database_url: str):
    engine = create_engine_for(database_url)
    sessions = make_session_factory(engine)
    clock = FixedClock(datetime(2026, 11, 22, 10, 0, tzinfo=CHICAGO))
    gateway = SandboxProcessor(engine)
    notifier = FakeNotifier()
    notices = PaymentNotices(notifier)

    def uow() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(sessions)

    agents = SqlAgentStore(engine)
    now = clock.now()
    for actor in SUPERVISORS:
        agents.add(Agent(username=actor.id, display_name=actor.id, role=AgentRole.SUPERVISOR,
                         password_hash="unused", created_at=now, password_changed_at=now))
    payments = PaymentService(uow, clock, gateway, notices)
    with uow() as u:
        account = Account(
            account_number="0012345678", kind=AccountKind.UTILITY,
            customer=Customer(customer_number="C1", name="Race Tester",
                              email="race@example.com"),
            bills=[Bill("W-1", "WATER/SEWER", date(2026, 11, 1), date(2026, 12, 5),
                        Money.of("125.50"), Money.of("125.50"))])
        u.accounts.add(account)
        u.commit()
        account_id = account.id
    card = gateway.tokenize_card(CardDetails("4242424242424242", 12, 2030, "123"))
    paid = payments.pay_now(PaymentRequest(
        account_id, Money.of("100.00"), MethodChoice.new(card),
        Actor.resident(Channel.WEB, "w1"), "pay-1", accepted_fee=Money.of("1.25"))).payment
    assert paid.status == PaymentStatus.APPROVED
    yield {"uow": uow, "clock": clock, "gateway": gateway, "engine": engine,
           "refunds": RefundService(uow, clock, gateway, notices, agents),
           "disputes": DisputeService(uow, clock, notices), "payments": payments,
           "paid": paid, "account_id": account_id, "notifier": notifier}
    engine.dispose()


def _race(n: int, work: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            results[i] = work(i)
        except Exception as exc:  # the race's losers are part of the result
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return results


def _balance(world) -> Money:
    with world["uow"]() as uow:
        return uow.accounts.get(world["account_id"]).balance_due()


def _sandbox_refunds(world) -> list[tuple[str, int]]:
    from sandbox.processor import sandbox_refunds

    with world["engine"].connect() as conn:
        return [(r.charge_reference, r.amount_cents)
                for r in conn.execute(select(sandbox_refunds))]


def test_a_refund_round_trip_through_the_database(world):
    paid, refunds = world["paid"], world["refunds"]
    outcome = refunds.refund(paid.id, Money.of("40.00"), "billing error", SUPERVISORS[0], "k-1")
    assert outcome.succeeded and outcome.refund.processor_reference.startswith("SBR-")
    assert _sandbox_refunds(world) == [(paid.processor_reference, 4000)]
    assert _balance(world) == Money.of("65.50")
    again = refunds.refund(paid.id, Money.of("40.00"), "billing error", SUPERVISORS[0], "k-1")
    assert again.replayed and again.refund.id == outcome.refund.id
    with world["uow"]() as uow:
        assert uow.payments.get(paid.id).refunded == Money.of("40.00")
        assert [r.id for r in uow.refunds.for_payment(paid.id)] == [outcome.refund.id]
        assert uow.refunds.by_idempotency_key("k-1").id == outcome.refund.id
        assert [r.id for r in uow.refunds.by_processor_references(
            [outcome.refund.processor_reference])] == [outcome.refund.id]
        now = world["clock"].now()
        assert len(uow.refunds.requested_between(now - timedelta(hours=1), now
                                                 + timedelta(hours=1))) == 1
        assert uow.refunds.requested_between(now + timedelta(hours=1),
                                             now + timedelta(hours=2)) == []
        assert uow.refunds.pending(now + timedelta(hours=1)) == []
    with pytest.raises(RefundTooLarge, match=r"Only \$61.25"):
        refunds.refund(paid.id, Money.of("70.00"), "more", SUPERVISORS[0], "k-2")


def test_supervisors_refunding_at_once_refund_once(world):
    paid, refunds = world["paid"], world["refunds"]

    def refund_all(i: int) -> object:
        return refunds.refund(paid.id, None, f"duplicate charge ({i})", SUPERVISORS[i],
                              f"console-{i}")

    results = _race(THREADS, refund_all)
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1, results
    # PostgreSQL queues them on the row lock, so each loser sees the refund and is told
    # nothing is left; SQLite makes losers retry, and one that keeps losing is asked to try
    # again. Either way: refused politely, never refunded twice.
    polite = (RefundTooLarge,) if "postgresql" in world["engine"].url.drivername \
        else (RefundTooLarge, TryAgain)
    assert all(isinstance(e, polite) for e in losers), losers
    assert _sandbox_refunds(world) == [(paid.processor_reference, 10125)]
    with world["uow"]() as uow:
        assert uow.payments.get(paid.id).refunded == Money.of("101.25")
        assert len(uow.refunds.for_payment(paid.id)) == 1
    assert _balance(world) == Money.of("125.50")


def test_a_double_click_from_every_thread_is_one_refund(world):
    paid, refunds = world["paid"], world["refunds"]
    results = _race(THREADS, lambda i: refunds.refund(paid.id, Money.of("25.00"), "goodwill",
                                                      SUPERVISORS[0], "same-form"))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.refund.id for r in results}) == 1  # type: ignore[union-attr]
    assert _sandbox_refunds(world) == [(paid.processor_reference, 2500)]
    with world["uow"]() as uow:
        assert uow.payments.get(paid.id).refunded == Money.of("25.00")


def test_a_dispute_reverses_and_a_won_one_restores_on_the_database(world):
    paid, disputes = world["paid"], world["disputes"]
    event = ProcessorEvent("evt_open", "charge.dispute.created")
    dispute = disputes.opened("dp_1", paid.processor_reference, paid.total, "fraudulent", event)
    assert dispute.status == DisputeStatus.OPEN
    assert _balance(world) == Money.of("125.50")
    assert disputes.opened("dp_1", paid.processor_reference, paid.total, "fraudulent",
                           ProcessorEvent("evt_twin", "charge.dispute.created")).id == dispute.id
    assert _balance(world) == Money.of("125.50")
    disputes.closed("dp_1", True, event=ProcessorEvent("evt_won", "charge.dispute.closed"))
    assert _balance(world) == Money.of("25.50")
    with world["uow"]() as uow:
        assert uow.payments.get(paid.id).dispute_status == DisputeStatus.WON
        assert [d.status for d in uow.disputes.recent()] == [DisputeStatus.WON]
        assert uow.disputes.recent(statuses=[DisputeStatus.OPEN]) == []
        assert [d.id for d in uow.disputes.for_payment(paid.id)] == [dispute.id]
        now = world["clock"].now()
        assert len(uow.disputes.opened_between(now - timedelta(minutes=1),
                                               now + timedelta(minutes=1))) == 1
        assert uow.processor_events.seen("evt_open") and uow.processor_events.seen("evt_won")
        assert not uow.processor_events.seen("evt_twin")


def test_an_event_id_is_claimed_once(world):
    event = ProcessorEvent("evt_1", "charge.refunded")
    now = world["clock"].now()
    with world["uow"]() as uow:
        assert uow.processor_events.claim(event, now)
        uow.commit()
    with world["uow"]() as uow:
        assert not uow.processor_events.claim(event, now)
    # A twin that looked before the first committed is stopped by the unique id.
    with pytest.raises(ConcurrencyConflict):
        with world["uow"]() as uow:
            uow.session.execute(processor_events_table.insert().values(
                event_id="evt_1", event_type="charge.refunded", received_at=now))
            uow.commit()
    with world["engine"].connect() as conn:
        assert conn.execute(select(func.count()).select_from(processor_events_table)
                            ).scalar_one() == 1


def test_a_pending_refund_is_retried_by_key(world, monkeypatch):
    paid, refunds, gateway = world["paid"], world["refunds"], world["gateway"]
    real = gateway.refund

    def down(*args: object, **kwargs: object) -> object:
        raise ConnectionError("processor unreachable")

    monkeypatch.setattr(gateway, "refund", down)
    pending = refunds.refund(paid.id, Money.of("10.00"), "why", SUPERVISORS[0], "k-1").refund
    assert pending.status == RefundStatus.PENDING
    monkeypatch.setattr(gateway, "refund", real)
    world["clock"].advance(minutes=5)
    assert refunds.retry_pending().succeeded == 1
    assert _sandbox_refunds(world) == [(paid.processor_reference, 1000)]
    assert refunds.retry_pending().succeeded == 0
