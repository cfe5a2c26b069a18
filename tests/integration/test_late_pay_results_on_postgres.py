"""A late <Pay> result racing the runner's recovery of the same phone card payment, on
PostgreSQL (SQLite ignores FOR UPDATE): whichever lands first, the payment is settled once, the
balance is reduced once, and the resident gets one receipt."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.adapters.clock import FixedClock
from domain.adapters.database import create_engine_for, make_session_factory, upgrade
from domain.adapters.unit_of_work import SqlAlchemyUnitOfWork
from domain.model import (
    Account,
    AccountKind,
    Actor,
    Bill,
    Channel,
    Customer,
    CustomerPhone,
    MethodKind,
    PaymentStatus,
)
from domain.money import Money
from domain.ports import ChargeResult
from domain.services.ach import AchService
from domain.services.payment_notices import PaymentNotices
from domain.services.payments import (
    MethodChoice,
    PaymentRequest,
    PaymentService,
    charge_reference,
)
from domain.services.processing import ScheduledPaymentRunner
from sandbox.processor import SandboxProcessor
from tests.fakes import FakeNotifier

pytestmark = pytest.mark.postgres

CHICAGO = ZoneInfo("America/Chicago")
ROUNDS = 6
FEE = Money.of("1.25")


@pytest.fixture
def world(postgres_url: str) -> Iterator[dict[str, Any]]:
    upgrade(postgres_url)
    engine = create_engine_for(postgres_url)
    sessions = make_session_factory(engine)
    clock = FixedClock(datetime(2026, 11, 23, 10, 30, tzinfo=CHICAGO))
    processor = SandboxProcessor(engine)
    notifier = FakeNotifier()

    def uow() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(sessions)

    service = PaymentService(uow, clock, processor, PaymentNotices(notifier))
    runner = ScheduledPaymentRunner(uow, clock, service, AchService(uow, clock, service),
                                    pay_result_timeout=timedelta(minutes=10))
    with uow() as session:
        account = Account(
            account_number="0012345678", kind=AccountKind.UTILITY,
            customer=Customer(customer_number="C1", name="Race Tester",
                              phones=[CustomerPhone("+13125550101")]),
            service_street_number="412",
            bills=[Bill("W-1", "WATER/SEWER", date(2026, 11, 1), date(2026, 12, 5),
                        Money.of("500.00"), Money.of("500.00"))])
        session.accounts.add(account)
        session.commit()
        account_id = account.id
    yield {"service": service, "runner": runner, "processor": processor, "clock": clock,
           "notifier": notifier, "account_id": account_id, "uow": uow}
    engine.dispose()


def _race(work: list[Callable[[], object]]) -> list[object]:
    barrier = threading.Barrier(len(work))
    results: list[object] = [None] * len(work)

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            results[i] = work[i]()
        except Exception as exc:  # a loser's error is part of the result
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return results


def _reserve(world: dict[str, Any], n: int) -> Any:
    return world["service"].begin_payment(PaymentRequest(
        world["account_id"], Money.of("10.00"),
        MethodChoice.entered_at_processor(MethodKind.CARD),
        Actor.resident(Channel.VOICE, f"CA{n}"), f"voice:CA{n}:8:pay",
        accepted_fee=FEE)).payment


def _trail(world: dict[str, Any], confirmation_number: str) -> list[str]:
    with world["uow"]() as uow:
        return [e.action for e in reversed(uow.audit.for_account(world["account_id"], 1000))
                if e.subject == confirmation_number]


def _balance(world: dict[str, Any]) -> Money:
    with world["uow"]() as uow:
        return uow.accounts.get(world["account_id"]).balance_due()


def test_a_late_result_racing_the_recovery_of_a_charged_payment_settles_it_once(
        world: dict[str, Any]) -> None:
    service, runner = world["service"], world["runner"]
    for n in range(ROUNDS):
        payment = _reserve(world, n)
        response = world["processor"].connector_charge({
            "method": "charge", "transaction_id": f"PK{n}", "cardnumber": "4242424242424242",
            "cvv": "123", "expiry_month": "12", "expiry_year": "30",
            "amount": payment.total.canonical(),
            "parameters": {"payline_reference": charge_reference(payment)}})
        world["clock"].advance(minutes=11)  # the runner now asks the processor about it
        result = ChargeResult("approved", response["charge_id"])
        late, _ = _race([
            lambda pid=payment.id, r=result, who=f"CA{n}": service.record_charge_result(
                pid, r, Actor.resident(Channel.VOICE, who)),
            runner.run])
        assert not isinstance(late, Exception), late
        final = service.find(world["account_id"], payment.confirmation_number)
        assert final.status == PaymentStatus.APPROVED
        assert final.processor_reference == response["charge_id"]
        assert _trail(world, payment.confirmation_number) == ["payment.submitted",
                                                              "payment.approved"]
    assert _balance(world) == Money.of("500.00") - Money.from_cents(1000 * ROUNDS)
    receipts = [n for n in world["notifier"].sent if n.kind == "payment.receipt"]
    assert len(receipts) == ROUNDS  # one per payment (the customer has a phone, no email)


def test_a_late_approval_racing_a_release_still_ends_approved_once(
        world: dict[str, Any]) -> None:
    """The runner finds no charge yet and releases; the approval lands meanwhile."""
    service, runner = world["service"], world["runner"]
    for n in range(ROUNDS):
        payment = _reserve(world, n)
        world["clock"].advance(minutes=11)
        result = ChargeResult("approved", f"SBX-LATE{n:08d}")
        late, _ = _race([
            lambda pid=payment.id, r=result: service.record_charge_result(
                pid, r, Actor.resident(Channel.VOICE, "late")),
            runner.run])
        assert not isinstance(late, Exception), late
        final = service.find(world["account_id"], payment.confirmation_number)
        assert final.status == PaymentStatus.APPROVED
        trail = tuple(_trail(world, payment.confirmation_number))
        assert trail in {("payment.submitted", "payment.approved"),
                         ("payment.submitted", "payment.released", "payment.approved_late")}
    assert _balance(world) == Money.of("500.00") - Money.from_cents(1000 * ROUNDS)
    receipts = [n for n in world["notifier"].sent if n.kind == "payment.receipt"]
    assert len(receipts) == ROUNDS
