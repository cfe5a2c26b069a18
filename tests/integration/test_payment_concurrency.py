"""Concurrency on PostgreSQL (SQLite ignores FOR UPDATE): channels racing each other must never
pay more than the balance, charge twice, or leave a payment half cancelled and half submitted.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from domain.adapters.clock import FixedClock
from domain.adapters.database import create_engine_for, make_session_factory, upgrade
from domain.adapters.orm import payments as payments_table
from domain.adapters.unit_of_work import SqlAlchemyUnitOfWork
from domain.errors import AmountOutOfRange, PaymentNotCancellable
from domain.model import (
    Account,
    AccountKind,
    Actor,
    BankAccountType,
    Bill,
    Channel,
    Customer,
    PaymentStatus,
)
from domain.money import Money
from domain.ports import BankDetails, CardDetails
from domain.services.payment_notices import PaymentNotices
from domain.services.payments import MethodChoice, PaymentRequest, PaymentService
from sandbox.processor import SandboxProcessor
from tests.fakes import FakeNotifier

pytestmark = pytest.mark.postgres

THREADS = 8
CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def world(postgres_url: str):
    upgrade(postgres_url)
    engine = create_engine_for(postgres_url)
    sessions = make_session_factory(engine)
    clock = FixedClock(datetime(2026, 11, 22, 10, 0, tzinfo=CHICAGO))
    gateway = SandboxProcessor(engine)
    service = PaymentService(lambda: SqlAlchemyUnitOfWork(sessions), clock, gateway,
                             PaymentNotices(FakeNotifier()))
    card = gateway.tokenize_card(CardDetails("4242424242424242", 12, 2030, "123"))
    bank = gateway.tokenize_bank(BankDetails("011000015", "000123456789",
                                             BankAccountType.CHECKING))
    with SqlAlchemyUnitOfWork(sessions) as uow:
        account = Account(
            account_number="0012345678", kind=AccountKind.UTILITY,
            customer=Customer(customer_number="C1", name="Race Tester"),
            service_street_number="412",
            bills=[Bill("W-1", "WATER/SEWER", date(2026, 11, 1), date(2026, 12, 5),
                        Money.of("125.50"), Money.of("125.50"))])
        uow.accounts.add(account)
        uow.commit()
        account_id = account.id
    method_card = service.save_method(account_id, card, "visa", Actor.system("test"))
    method_bank = service.save_method(account_id, bank, "checking", Actor.system("test"))
    yield {"service": service, "account_id": account_id, "card": method_card.id,
           "bank": method_bank.id, "engine": engine, "sessions": sessions, "clock": clock}
    engine.dispose()


def _race(n: int, work: Callable[[int], object]) -> list[object]:
    """Run work(i) in n threads released at the same instant; collect results or errors."""
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


def _approved_total(world) -> Money:
    service, account_id = world["service"], world["account_id"]
    return sum((p.amount for p in service.history(account_id)
                if p.status in (PaymentStatus.APPROVED, PaymentStatus.PENDING)), Money.zero())


def test_threads_paying_the_whole_balance_pay_it_once(world):
    service = world["service"]

    def pay(i: int):
        return service.pay_now(PaymentRequest(
            world["account_id"], Money.of("125.50"), MethodChoice.saved(world["bank"]),
            Actor.resident(Channel.VOICE, f"call-{i}"), idempotency_key=f"call-{i}"))

    results = _race(THREADS, pay)
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1
    assert winners[0].payment.status == PaymentStatus.PENDING  # a bank debit: awaits ACH
    assert all(isinstance(e, AmountOutOfRange) for e in losers), losers
    assert _approved_total(world) == Money.of("125.50")


def test_threads_paying_parts_never_exceed_the_balance(world):
    service = world["service"]

    def pay(i: int):
        return service.pay_now(PaymentRequest(
            world["account_id"], Money.of("40.00"), MethodChoice.saved(world["card"]),
            Actor.resident(Channel.SMS, f"sms-{i}"), idempotency_key=f"sms-{i}",
            accepted_fee=Money.of("1.25")))

    results = _race(THREADS, pay)
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 3  # 3 x 40 = 120 <= 125.50 < 160
    assert all(isinstance(r, AmountOutOfRange) for r in results if isinstance(r, Exception))
    assert _approved_total(world) == Money.of("120.00")
    with world["sessions"]() as session:
        account = session.get(Account, world["account_id"])
        assert account.balance_due() == Money.of("5.50")


def test_same_idempotency_key_from_many_threads_creates_one_payment(world):
    service = world["service"]

    def pay(i: int):
        return service.pay_now(PaymentRequest(
            world["account_id"], Money.of("10.00"), MethodChoice.saved(world["card"]),
            Actor.resident(Channel.VOICE, "CA-double-press"), idempotency_key="CA-double-press",
            accepted_fee=Money.of("1.25")))

    results = _race(THREADS, pay)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.payment.confirmation_number for r in results}) == 1
    assert sum(1 for r in results if not r.replayed) == 1
    with world["engine"].connect() as connection:
        count = connection.execute(select(func.count()).select_from(payments_table)).scalar_one()
    assert count == 1
    assert _approved_total(world) == Money.of("10.00")


def test_cancel_racing_the_runner_has_exactly_one_outcome(world):
    service, clock = world["service"], world["clock"]
    outcomes: Counter[str] = Counter()
    for round_number in range(6):
        payment = service.schedule(PaymentRequest(
            world["account_id"], Money.of("5.00"), MethodChoice.saved(world["bank"]),
            Actor.resident(Channel.CHAT, "chat"), idempotency_key=f"s{round_number}",
            scheduled_for=clock.today() + timedelta(days=1))).payment
        clock.advance(days=1)  # now it is due

        def act(i: int, conf=payment.confirmation_number, pid=payment.id):
            if i == 0:
                return service.cancel(world["account_id"], conf, Actor.resident(Channel.CHAT))
            return service.submit_scheduled(pid, Actor.system("runner"))

        results = _race(2, act)
        final = service.find(world["account_id"], payment.confirmation_number)
        cancel_result, submit_result = results
        if final.status == PaymentStatus.CANCELLED:
            assert submit_result.status == PaymentStatus.CANCELLED  # runner saw it cancelled
            outcomes["cancelled"] += 1
        else:
            assert final.status == PaymentStatus.PENDING
            assert isinstance(cancel_result, PaymentNotCancellable)
            outcomes["submitted"] += 1
        audit = [e.action for e in _audit(world, payment.confirmation_number)]
        assert ("payment.cancelled" in audit) != ("payment.submitted" in audit), audit
    assert sum(outcomes.values()) == 6


def _audit(world, confirmation_number: str):
    with SqlAlchemyUnitOfWork(world["sessions"]) as uow:
        return [e for e in uow.audit.for_account(world["account_id"], limit=1000)
                if e.subject == confirmation_number and e.action.startswith("payment.")
                and e.action not in ("payment.scheduled",)]
