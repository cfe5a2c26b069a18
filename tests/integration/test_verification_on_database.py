"""Verification on real databases (issue 14 §2): an unknown number is counted like a real
account, even under a burst of parallel tries (PostgreSQL), and takes as long to refuse."""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from domain.adapters.clock import FixedClock
from domain.adapters.database import create_engine_for, make_session_factory, upgrade
from domain.adapters.orm import unknown_account_refs, verification_attempts
from domain.adapters.unit_of_work import SqlAlchemyUnitOfWork
from domain.config import VerificationPolicy
from domain.errors import AccountLocked, DomainError, VerificationFailed
from domain.hashing import hash_last4, new_salt
from domain.model import Channel, FactorKind, VerificationAttempt
from domain.services.identity import WITHHELD_CALLER, IdentityService, Requester

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=CHICAGO)
REAL = "0012345678"
UNKNOWN = "0099999999"

UowFactory = Callable[[], SqlAlchemyUnitOfWork]


@pytest.fixture
def identity(uow_factory: UowFactory, build) -> IdentityService:
    salt = new_salt()  # the production strength: the timing below compares real hashes
    customer = build.customer(ssn_last4_salt=salt, ssn_last4_hash=hash_last4("6789", salt))
    with uow_factory() as uow:
        uow.accounts.add(build.account(customer, account_number=REAL,
                                       service_street_number="412"))
        uow.commit()
    return IdentityService(uow_factory, FixedClock(NOW), VerificationPolicy())


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


def test_only_a_keyed_hash_of_the_tried_number_reaches_the_database(identity, engine):
    for number in (REAL, UNKNOWN):
        with pytest.raises(VerificationFailed):
            identity.verify_account(number, FactorKind.STREET_NUMBER, "1",
                                    Requester(Channel.CHAT, f"chat:{number}"))
    with engine.connect() as conn:
        refs = [r.account_ref for r in conn.execute(select(verification_attempts))]
        unknown = [r.account_ref for r in conn.execute(select(unknown_account_refs))]
    assert len(refs) == 2 and all(len(ref) == 64 for ref in refs)
    assert not any(REAL[2:] in ref or UNKNOWN[2:] in ref for ref in refs + unknown)
    assert unknown == [refs[1]]


def _median_seconds(attempt: Callable[[int], None], runs: int = 7) -> float:
    times = []
    for i in range(runs):
        started = time.perf_counter()
        attempt(i)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _refused(identity: IdentityService, number: str, kind: FactorKind,
             factor: str) -> Callable[[int], None]:
    def attempt(i: int) -> None:
        with pytest.raises((VerificationFailed, AccountLocked)):
            identity.verify_account(number, kind, factor,
                                    Requester(Channel.CHAT, f"chat:{number}:{kind}:{i}"))
    return attempt


def test_a_wrong_ssn_takes_as_long_on_an_unknown_number_as_on_a_real_one(identity):
    # Before the fix an unknown number skipped PBKDF2: ~4 ms against ~30 ms. The margin is
    # generous (a factor of 2 either way) so a busy machine does not make it flaky.
    real = _median_seconds(_refused(identity, REAL, FactorKind.SSN_LAST4, "0000"))
    unknown = _median_seconds(_refused(identity, UNKNOWN, FactorKind.SSN_LAST4, "0000"))
    assert real / 2 < unknown < real * 2, (real, unknown)


def test_a_wrong_street_number_does_the_same_writes_on_a_real_and_an_unknown_number(
        identity, engine):
    def writes(number: str) -> Counter[str]:
        seen: Counter[str] = Counter()

        def count(conn, cursor, statement, parameters, context, executemany) -> None:
            verb = statement.lstrip().split(None, 1)[0].upper()
            if verb in ("INSERT", "UPDATE", "DELETE"):
                seen[verb] += 1
        event.listen(engine, "before_cursor_execute", count)
        try:
            _refused(identity, number, FactorKind.STREET_NUMBER, "1")(0)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return seen

    real, unknown = writes(REAL), writes(UNKNOWN)
    # real: attempt + audit INSERTs, the account's UPDATE; unknown: attempt + audit INSERTs,
    # the reference counter's upsert (an INSERT ... ON CONFLICT DO UPDATE).
    assert sum(real.values()) == sum(unknown.values()) == 3, (real, unknown)


@pytest.mark.postgres
def test_a_burst_on_an_unknown_number_locks_exactly_like_a_burst_on_a_real_one(
        postgres_url: str, build) -> None:
    upgrade(postgres_url)
    engine = create_engine_for(postgres_url)
    sessions = make_session_factory(engine)
    salt = new_salt()
    with SqlAlchemyUnitOfWork(sessions) as uow:
        uow.accounts.add(build.account(build.customer(ssn_last4_salt=salt,
                                                      ssn_last4_hash=hash_last4("6789", salt,
                                                                                1000)),
                                       account_number=REAL, service_street_number="412"))
        uow.commit()
    identity = IdentityService(lambda: SqlAlchemyUnitOfWork(sessions), FixedClock(NOW),
                               VerificationPolicy())
    threads = 8

    def burst(number: str) -> Counter[str]:
        start = threading.Barrier(threads)
        outcomes: Counter[str] = Counter()
        lock = threading.Lock()

        def one(i: int) -> None:
            start.wait()
            try:
                identity.verify_account(number, FactorKind.STREET_NUMBER, "1",
                                        Requester(Channel.CHAT, f"chat:{number}:{i}"))
                outcome = "verified"
            except DomainError as exc:
                outcome = type(exc).__name__
            with lock:
                outcomes[outcome] += 1

        workers = [threading.Thread(target=one, args=(i,)) for i in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        return outcomes

    try:
        real, unknown = burst(REAL), burst(UNKNOWN)
        assert real == unknown == Counter({"VerificationFailed": 2, "AccountLocked": 6})
        with engine.connect() as conn:
            (failures,) = conn.execute(select(unknown_account_refs.c.failures)).one()
        assert failures == threads
    finally:
        engine.dispose()
