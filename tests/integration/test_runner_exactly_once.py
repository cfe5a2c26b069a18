"""The scheduled-payment runner on PostgreSQL: several runners at once, and a runner killed
with SIGKILL mid-batch, must submit and charge every due payment exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from domain.adapters.clock import SystemClock
from domain.adapters.database import create_engine_for, make_session_factory, upgrade
from domain.adapters.orm import audit_events, payments
from domain.adapters.outbox import OutboxNotifier
from domain.adapters.unit_of_work import SqlAlchemyUnitOfWork
from domain.model import (
    Account,
    AccountKind,
    Bill,
    Channel,
    Customer,
    MethodKind,
    Payment,
    PaymentStatus,
)
from domain.money import Money
from domain.ports import CardDetails
from domain.services.ach import AchService
from domain.services.payment_notices import PaymentNotices
from domain.services.payments import PaymentService
from domain.services.processing import ScheduledPaymentRunner
from sandbox.processor import SandboxProcessor, sandbox_charges
from tests.integration.conftest import CITY_TZ

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


def _seed_due_payments(url: str, accounts: int, per_account: int) -> int:
    """Accounts with a $100 bill each and `per_account` due $10 card payments, bulk-written."""
    engine = create_engine_for(url)
    gateway = SandboxProcessor(engine)
    card = gateway.tokenize_card(CardDetails("4242424242424242", 12, 2031, "123"))
    today = SystemClock(CITY_TZ).today()
    now = datetime.now(CITY_TZ)
    sessions = make_session_factory(engine)
    with SqlAlchemyUnitOfWork(sessions) as uow:
        for i in range(accounts):
            uow.accounts.add(Account(
                account_number=f"{i:010d}", kind=AccountKind.UTILITY,
                customer=Customer(customer_number=f"C{i}", name=f"Resident {i}"),
                service_street_number="1",
                bills=[Bill(f"B{i}", "WATER/SEWER", today - timedelta(days=20),
                            today + timedelta(days=5), Money.of("100"), Money.of("100"))]))
        uow.flush()
        account_ids = [a.id for a in uow.session.scalars(select(Account))]
        for account_id in account_ids:
            for j in range(per_account):
                uow.payments.add(Payment(
                    confirmation_number=f"T{account_id:05d}-{j:03d}", account_id=account_id,
                    amount=Money.of("10"), fee=Money.of("1.25"), method_kind=MethodKind.CARD,
                    method_label="VISA ending 4242", method_token=card.token,
                    scheduled_for=today - timedelta(days=j % 2), status=PaymentStatus.SCHEDULED,
                    channel=Channel.WEB, created_by="resident:test", created_at=now,
                    idempotency_key=f"seed-{account_id}-{j}"))
        uow.commit()
    engine.dispose()
    return accounts * per_account


def _runner(url: str, stale_after: timedelta = timedelta(minutes=2)):
    engine = create_engine_for(url)
    sessions = make_session_factory(engine)
    clock = SystemClock(CITY_TZ)
    service = PaymentService(lambda: SqlAlchemyUnitOfWork(sessions), clock,
                             SandboxProcessor(engine),
                             PaymentNotices(OutboxNotifier(engine)))
    runner = ScheduledPaymentRunner(lambda: SqlAlchemyUnitOfWork(sessions), clock, service,
                                    AchService(lambda: SqlAlchemyUnitOfWork(sessions), clock,
                                               service), stale_after=stale_after)
    return runner, engine


def _counts(url: str) -> dict[str, int]:
    engine = create_engine_for(url)
    with engine.connect() as conn:
        by_status = dict(conn.execute(select(payments.c.status, func.count())
                                      .group_by(payments.c.status)).all())
        charges = conn.execute(select(func.count()).select_from(sandbox_charges)).scalar_one()
        submitted = conn.execute(select(func.count()).select_from(audit_events)
                                 .where(audit_events.c.action == "payment.submitted")).scalar_one()
        approved = conn.execute(select(func.count()).select_from(audit_events)
                                .where(audit_events.c.action == "payment.approved")).scalar_one()
    engine.dispose()
    return {**{str(k): v for k, v in by_status.items()}, "charges": charges,
            "submitted_events": submitted, "approved_events": approved}


def test_two_runners_at_once_process_each_payment_exactly_once(postgres_url):
    upgrade(postgres_url)
    total = _seed_due_payments(postgres_url, accounts=400, per_account=5)
    summaries = []

    def run() -> None:
        runner, engine = _runner(postgres_url)
        summaries.append(runner.run())
        engine.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    counts = _counts(postgres_url)
    assert counts.get("approved") == total, counts
    assert counts["charges"] == total  # the processor charged each payment once
    assert counts["submitted_events"] == total and counts["approved_events"] == total
    assert sum(s.submitted for s in summaries) == total
    assert all(not s.errors for s in summaries), [s.errors[:3] for s in summaries]
    assert all(s.submitted > 0 for s in summaries), "the second runner did no share of the work"


def test_runner_killed_mid_batch_and_rerun_loses_and_doubles_nothing(postgres_url):
    upgrade(postgres_url)
    total = _seed_due_payments(postgres_url, accounts=200, per_account=3)
    env = {**os.environ, "PAYLINE_DATABASE_URL": postgres_url, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "ivr.cli.main", "process-due", "--stale-after", "0"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # kill it once it is well into the batch
        done = _counts(postgres_url).get("approved", 0)
        if done >= total // 4:
            break
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    interrupted = _counts(postgres_url)
    assert 0 < interrupted.get("approved", 0) < total, interrupted  # really killed mid-batch

    runner, engine = _runner(postgres_url, stale_after=timedelta(0))
    summary = runner.run()
    engine.dispose()
    counts = _counts(postgres_url)
    assert counts.get("approved") == total, (interrupted, counts, summary.lines())
    assert counts.get("pending", 0) == 0 and counts.get("scheduled", 0) == 0
    assert counts["charges"] == total  # nothing charged twice across the crash
    assert counts["submitted_events"] == total
