"""Verification on real databases (issue 14 §2): the attempts store's counters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from domain.adapters.orm import unknown_account_refs
from domain.adapters.unit_of_work import SqlAlchemyUnitOfWork
from domain.model import Channel, VerificationAttempt

WITHHELD_CALLER = "withheld"  # the shared bucket of calls without caller ID

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=CHICAGO)
REAL = "0012345678"
UNKNOWN = "0099999999"

UowFactory = Callable[[], SqlAlchemyUnitOfWork]


def test_unknown_failures_are_counted_per_reference_and_roll_back(uow_factory: UowFactory):
    with uow_factory() as uow:
        assert [uow.attempts.count_unknown_failure("a" * 64, NOW) for _ in range(3)] == [1, 2, 3]
        assert uow.attempts.count_unknown_failure("b" * 64, NOW) == 1
        uow.commit()
    with uow_factory() as uow:
        assert uow.attempts.count_unknown_failure("a" * 64, NOW + timedelta(days=1)) == 4
        # not committed: rolled back like any other write
    with uow_factory() as uow:
        assert uow.attempts.count_unknown_failure("a" * 64, NOW) == 4
        uow.commit()
        row = uow.session.execute(select(unknown_account_refs).where(
            unknown_account_refs.c.account_ref == "a" * 64)).one()
    assert row.failures == 4
    assert row.first_failed_at == NOW and row.last_failed_at == NOW


def test_failures_can_be_counted_by_session_or_caller_alone(uow_factory: UowFactory):
    with uow_factory() as uow:
        for session_key, caller in [("CA1", WITHHELD_CALLER), ("CA2", WITHHELD_CALLER),
                                    ("CA1", WITHHELD_CALLER), ("CA3", "+13125550100")]:
            uow.attempts.add(VerificationAttempt(
                at=NOW, channel=Channel.VOICE, session_key=session_key, caller=caller,
                account_ref="r" * 64, succeeded=False))
        uow.commit()
    with uow_factory() as uow:
        since = NOW - timedelta(minutes=1)
        assert uow.attempts.failures_since(since, session_key="CA1") == 2
        assert uow.attempts.failures_since(since, caller=WITHHELD_CALLER) == 3
        assert uow.attempts.failures_since(since) == 4
