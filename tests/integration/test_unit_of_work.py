"""The unit of work on SQLite and PostgreSQL: commit or nothing, re-entrant use, lost races
reported as ConcurrencyConflict, version counters, and (PostgreSQL only, as SQLite ignores
it) SELECT ... FOR UPDATE really making a second transaction wait."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import IntegrityError, OperationalError, StatementError
from sqlalchemy.orm.exc import StaleDataError

from domain.adapters.database import create_engine_for, make_session_factory, upgrade
from domain.adapters.unit_of_work import SqlAlchemyUnitOfWork, is_concurrency_conflict
from domain.model import Account, AccountKind, IdempotencyRecord, PaymentStatus
from domain.money import Money
from domain.ports import ConcurrencyConflict

if TYPE_CHECKING:
    from conftest import Builders

UowFactory = Callable[[], SqlAlchemyUnitOfWork]
POSTGRES_ONLY = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
NOW = datetime(2024, 11, 22, 15, 0, tzinfo=UTC)


def _count(uow_factory: UowFactory, table: str) -> int:
    with uow_factory() as uow:
        return int(uow.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _seed_account(uow_factory: UowFactory, build: Builders, **fields: Any) -> Account:
    fields.setdefault("bills", [build.bill(bill_number="9001")])
    account = build.account(**fields)
    with uow_factory() as uow:
        uow.accounts.add(account)
        uow.commit()
    return account


# --- transactions --------------------------------------------------------------------------


def test_commit_persists_and_leaving_without_commit_rolls_back(
        uow_factory: UowFactory, build: Builders) -> None:
    with uow_factory() as uow:
        uow.accounts.add(build.account(account_number="0000000001"))
        uow.commit()
    with uow_factory() as uow:
        uow.accounts.add(build.account(account_number="0000000002"))
        uow.flush()  # written inside the transaction...
        assert uow.accounts.by_number("0000000002") is not None
    with uow_factory() as uow:  # ...and gone once the block ended without commit()
        assert uow.accounts.by_number("0000000001") is not None
        assert uow.accounts.by_number("0000000002") is None


def test_exception_in_block_rolls_back_and_propagates(
        uow_factory: UowFactory, build: Builders) -> None:
    _seed_account(uow_factory, build, account_number="0000000001")
    with pytest.raises(ZeroDivisionError), uow_factory() as uow:
        account = uow.accounts.by_number("0000000001")
        assert account is not None
        account.failed_verifications = 3
        uow.flush()
        _ = 1 / 0
    with uow_factory() as uow:
        account = uow.accounts.by_number("0000000001")
        assert account is not None and account.failed_verifications == 0


def test_explicit_rollback_discards_changes(uow_factory: UowFactory, build: Builders) -> None:
    _seed_account(uow_factory, build, account_number="0000000001")
    with uow_factory() as uow:
        account = uow.accounts.by_number("0000000001")
        assert account is not None
        account.paperless = True
        uow.flush()
        uow.rollback()
        assert account.paperless is False  # reloaded from the database
        uow.commit()
    with uow_factory() as uow:
        account = uow.accounts.by_number("0000000001")
        assert account is not None and account.paperless is False


def test_same_instance_runs_several_transactions(uow_factory: UowFactory,
                                                 build: Builders) -> None:
    uow = uow_factory()
    with uow:
        first_session = uow.session
        uow.accounts.add(build.account(account_number="0000000001"))
        uow.commit()
    with uow:
        assert uow.session is not first_session  # a fresh Session per block
        account = uow.accounts.by_number("0000000001")
        assert account is not None
        account.paperless = True
        uow.commit()
    with uow:
        account = uow.accounts.by_number("0000000001")
        assert account is not None and account.paperless is True


def test_blocks_do_not_nest_and_repositories_need_a_block(uow_factory: UowFactory) -> None:
    uow = uow_factory()
    with pytest.raises(RuntimeError):
        _ = uow.accounts
    with pytest.raises(RuntimeError):
        _ = uow.session
    with uow:
        with pytest.raises(RuntimeError, match="nest"), uow:
            pass
        assert uow.accounts is not None  # the outer block is still usable
    with pytest.raises(RuntimeError):
        uow.payments.get(1)
    with pytest.raises(AttributeError):
        _ = uow.no_such_attribute  # type: ignore[attr-defined]


def test_loaded_objects_stay_readable_after_the_block(uow_factory: UowFactory,
                                                     build: Builders) -> None:
    customer = build.customer()
    customer.phones.append(build.phone("+13125550100"))
    _seed_account(uow_factory, build, customer=customer, account_number="0000000001")
    with uow_factory() as uow:  # a read-only block, as the balance service does
        account = uow.accounts.by_number("0000000001")
    assert account is not None
    assert account.customer.phones[0].number == "+13125550100"
    assert account.bills[0].bill_number == "9001"
    assert account.balance_due() == Money.of("50.00")


# --- races reported as ConcurrencyConflict ---------------------------------------------------


def test_duplicate_confirmation_number_is_a_conflict(uow_factory: UowFactory,
                                                     build: Builders) -> None:
    account = _seed_account(uow_factory, build)
    with uow_factory() as uow:
        uow.payments.add(build.payment(account.id, confirmation_number="K7MW3QTX"))
        uow.commit()
    uow = uow_factory()
    with uow:
        uow.payments.add(build.payment(account.id, confirmation_number="K7MW3QTX"))
        with pytest.raises(ConcurrencyConflict) as caught:
            uow.commit()
        assert isinstance(caught.value.__cause__, IntegrityError)
        # Rolled back: the session is usable again inside the same block.
        assert uow.payments.confirmation_exists("K7MW3QTX")
    assert _count(uow_factory, "payments") == 1
    with uow:  # and so is the unit of work
        uow.payments.add(build.payment(account.id, confirmation_number="K7MW3QTY"))
        uow.commit()
    assert _count(uow_factory, "payments") == 2


def test_duplicate_idempotency_key_is_a_conflict(uow_factory: UowFactory,
                                                 build: Builders) -> None:
    account = _seed_account(uow_factory, build)
    with uow_factory() as uow:
        uow.payments.add(build.payment(account.id, idempotency_key="CA1:pay"))
        uow.idempotency.add(IdempotencyRecord(key="CA1:pay", operation="pay",
                                              fingerprint="a", created_at=NOW))
        uow.commit()
    with uow_factory() as uow:
        uow.payments.add(build.payment(account.id, idempotency_key="CA1:pay"))
        with pytest.raises(ConcurrencyConflict):
            uow.commit()
    with uow_factory() as uow:
        uow.idempotency.add(IdempotencyRecord(key="CA1:pay", operation="pay",
                                              fingerprint="b", created_at=NOW))
        with pytest.raises(ConcurrencyConflict):
            uow.flush()  # flush() reports it the same way
    assert _count(uow_factory, "payments") == 1
    assert _count(uow_factory, "idempotency_records") == 1


def test_conflict_hit_by_an_autoflush_inside_the_block(uow_factory: UowFactory,
                                                      build: Builders) -> None:
    account = _seed_account(uow_factory, build)
    with uow_factory() as uow:
        uow.payments.add(build.payment(account.id, confirmation_number="K7MW3QTX"))
        uow.commit()
    with pytest.raises(ConcurrencyConflict), uow_factory() as uow:
        uow.payments.add(build.payment(account.id, confirmation_number="K7MW3QTX"))
        uow.payments.by_confirmation("K7MW3QTX")  # the query autoflushes the duplicate
    assert _count(uow_factory, "payments") == 1


def test_a_bug_is_not_disguised_as_a_conflict(uow_factory: UowFactory, build: Builders) -> None:
    # A CHECK violation will fail the same way on every retry: it must not look retryable.
    account = _seed_account(uow_factory, build)
    with uow_factory() as uow:
        uow.payments.add(build.payment(account.id, amount=Money.zero()))
        with pytest.raises(IntegrityError):
            uow.commit()
    with uow_factory() as uow:
        uow.payments.add(build.payment(account.id, status="unknown"))
        with pytest.raises(StatementError, match="unknown"):  # refused by the enum type
            uow.commit()
    assert _count(uow_factory, "payments") == 0


def test_foreign_keys_are_enforced(uow_factory: UowFactory, build: Builders) -> None:
    # SQLite only enforces them with PRAGMA foreign_keys=ON on every connection.
    with uow_factory() as uow:
        uow.payments.add(build.payment(424242))
        with pytest.raises(IntegrityError):
            uow.commit()


# --- version counters -------------------------------------------------------------------------


def test_version_counters_increment(uow_factory: UowFactory, build: Builders) -> None:
    account = _seed_account(uow_factory, build, account_number="0000000001")
    assert account.version == 1
    with uow_factory() as uow:
        uow.payments.add(payment := build.payment(account.id, status=PaymentStatus.SCHEDULED))
        uow.commit()
    assert payment.version == 1

    with uow_factory() as uow:
        loaded = uow.accounts.by_number("0000000001")
        assert loaded is not None
        loaded.register_failed_verification(NOW, max_failures=3)  # a column change
        uow.commit()
    assert loaded.version == 2

    with uow_factory() as uow:
        loaded = uow.accounts.by_number("0000000001")
        assert loaded is not None and loaded.version == 2
        loaded.apply_payment(Money.of("10.00"))  # changes a bill, not the account row
        uow.commit()
    assert loaded.version == 3  # the account is versioned as a whole aggregate

    with uow_factory() as uow:
        loaded = uow.accounts.by_number("0000000001")
        assert loaded is not None
        loaded.bills.append(build.bill(bill_number="9002"))
        uow.commit()
    assert loaded.version == 4

    with uow_factory() as uow:
        loaded = uow.accounts.by_number("0000000001")
        assert loaded is not None and loaded.version == 4
        assert loaded.bills[0].unpaid == Money.of("40.00")
        uow.commit()  # nothing changed: no UPDATE, no new version
        scheduled = uow.payments.get(payment.id)  # type: ignore[arg-type]
        assert scheduled is not None
        scheduled.cancel(NOW)
        uow.commit()
    assert loaded.version == 4 and scheduled.version == 2


def _lost_update(uow_factory: UowFactory, change: Callable[[SqlAlchemyUnitOfWork, int], None],
                 key: int) -> ConcurrencyConflict:
    """Two transactions read the same row; the first to commit wins, the other conflicts."""
    slow, fast = uow_factory(), uow_factory()
    with slow:
        change(slow, key)  # read and modify, not committed yet
        with fast:
            change(fast, key)
            fast.commit()
        with pytest.raises(ConcurrencyConflict) as caught:
            slow.commit()
    return caught.value


def test_stale_account_update_is_a_conflict(uow_factory: UowFactory, build: Builders,
                                            is_postgres: bool) -> None:
    account = _seed_account(uow_factory, build)

    def fail_verification(uow: SqlAlchemyUnitOfWork, account_id: int) -> None:
        loaded = uow.accounts.get(account_id)
        assert loaded is not None
        loaded.register_failed_verification(NOW, max_failures=3)

    conflict = _lost_update(uow_factory, fail_verification, account.id)  # type: ignore[arg-type]
    if is_postgres:
        assert isinstance(conflict.__cause__, StaleDataError)  # UPDATE ... WHERE version = 1
    else:
        # SQLite refuses the write first: the loser's snapshot predates the winner's commit.
        assert isinstance(conflict.__cause__, OperationalError)
    with uow_factory() as uow:
        final = uow.accounts.get(account.id)  # type: ignore[arg-type]
        assert final is not None
        assert final.failed_verifications == 1 and final.version == 2


def test_concurrent_payments_on_one_bill_conflict(uow_factory: UowFactory,
                                                  build: Builders) -> None:
    # The race that matters: two channels apply a payment to the same bill at once. Only the
    # bill rows change, yet the loser must not overwrite the winner's balance.
    account = _seed_account(uow_factory, build)

    def pay_ten(uow: SqlAlchemyUnitOfWork, account_id: int) -> None:
        loaded = uow.accounts.get(account_id)
        assert loaded is not None
        loaded.apply_payment(Money.of("10.00"))

    _lost_update(uow_factory, pay_ten, account.id)  # type: ignore[arg-type]
    with uow_factory() as uow:
        final = uow.accounts.get(account.id)  # type: ignore[arg-type]
        assert final is not None
        assert final.bills[0].unpaid == Money.of("40.00")  # one payment applied, not two
        assert final.version == 2


def test_stale_payment_update_is_a_conflict(uow_factory: UowFactory, build: Builders) -> None:
    account = _seed_account(uow_factory, build)
    with uow_factory() as uow:
        uow.payments.add(payment := build.payment(account.id, status=PaymentStatus.SCHEDULED))
        uow.commit()

    def cancel(uow: SqlAlchemyUnitOfWork, payment_id: int) -> None:
        loaded = uow.payments.get(payment_id)
        assert loaded is not None
        loaded.cancel(NOW)

    _lost_update(uow_factory, cancel, payment.id)  # type: ignore[arg-type]
    with uow_factory() as uow:
        final = uow.payments.get(payment.id)  # type: ignore[arg-type]
        assert final is not None and final.status is PaymentStatus.CANCELLED
        assert final.version == 2


# --- SELECT ... FOR UPDATE (PostgreSQL) -------------------------------------------------------

LOCKING_LOOKUPS: dict[str, Callable[[SqlAlchemyUnitOfWork], object]] = {
    "account.get": lambda uow: uow.accounts.get(1, for_update=True),
    "account.by_number": lambda uow: uow.accounts.by_number("G0000001", for_update=True),
    "account.general_account_for_bill": lambda uow: uow.accounts.general_account_for_bill(
        "C0000001", "9001", for_update=True),
    "account.by_customer": lambda uow: uow.accounts.by_customer("C0000001", for_update=True),
    "payment.get": lambda uow: uow.payments.get(1, for_update=True),
}


def _seed_locking_fixture(uow_factory: UowFactory, build: Builders) -> None:
    customer = build.customer(customer_number="C0000001")
    account = _seed_account(uow_factory, build, customer=customer, account_number="G0000001",
                            kind=AccountKind.GENERAL)
    with uow_factory() as uow:
        uow.payments.add(build.payment(account.id))
        uow.commit()
    assert account.id == 1


@POSTGRES_ONLY
@pytest.mark.parametrize("lookup", list(LOCKING_LOOKUPS))
def test_for_update_makes_a_second_transaction_wait(uow_factory: UowFactory, build: Builders,
                                                    lookup: str) -> None:
    _seed_locking_fixture(uow_factory, build)
    lock = LOCKING_LOOKUPS[lookup]
    holding = threading.Event()
    times: dict[str, float] = {}
    errors: list[BaseException] = []
    hold_seconds = 0.5

    def first() -> None:
        try:
            with uow_factory() as uow:
                assert lock(uow) not in (None, [])
                holding.set()
                time.sleep(hold_seconds)
                times["first_commit"] = time.monotonic()
                uow.commit()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            holding.set()

    def second() -> None:
        try:
            assert holding.wait(10)
            with uow_factory() as uow:
                # Never hang the suite: give up well before pytest's own timeout.
                uow.session.execute(text("SET LOCAL lock_timeout = '10s'"))
                times["second_asks"] = time.monotonic()
                assert lock(uow) not in (None, [])
                times["second_gets"] = time.monotonic()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    assert not errors, errors
    assert times["second_gets"] >= times["first_commit"]
    assert times["second_gets"] - times["second_asks"] >= hold_seconds * 0.5


@POSTGRES_ONLY
def test_plain_reads_do_not_wait(uow_factory: UowFactory, build: Builders) -> None:
    # The control for the test above: without for_update nothing blocks.
    _seed_locking_fixture(uow_factory, build)
    with uow_factory() as holder:
        assert holder.accounts.get(1, for_update=True) is not None
        with uow_factory() as reader:
            reader.session.execute(text("SET LOCAL lock_timeout = '2s'"))
            started = time.monotonic()
            assert reader.accounts.get(1) is not None
            assert reader.payments.get(1) is not None
            assert time.monotonic() - started < 1.0


@POSTGRES_ONLY
def test_for_update_locks_only_the_main_table(uow_factory: UowFactory, build: Builders,
                                              engine: Engine) -> None:
    _seed_locking_fixture(uow_factory, build)
    statements: list[str] = []

    def capture(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with uow_factory() as uow:
            uow.accounts.by_number("G0000001", for_update=True)
            uow.payments.get(1, for_update=True)
            uow.accounts.by_number("G0000001")
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    locking = [s for s in statements if "FOR UPDATE" in s]
    assert len(locking) == 2
    assert locking[0].rstrip().endswith("FOR UPDATE OF accounts")
    assert locking[1].rstrip().endswith("FOR UPDATE OF payments")
    # The customer row (joined) is read but not locked; the customer may have other accounts.
    with uow_factory() as holder:
        holder.accounts.by_number("G0000001", for_update=True)
        with uow_factory() as other:
            other.session.execute(text("SET LOCAL lock_timeout = '2s'"))
            other.session.execute(text("SELECT 1 FROM customers WHERE id = 1 FOR UPDATE"))


@POSTGRES_ONLY
def test_locked_read_refreshes_what_the_session_already_holds(uow_factory: UowFactory,
                                                              build: Builders) -> None:
    _seed_locking_fixture(uow_factory, build)
    with uow_factory() as uow:
        early = uow.accounts.get(1)
        assert early is not None and early.failed_verifications == 0
        with uow_factory() as other:  # another channel changes the row meanwhile
            changed = other.accounts.get(1)
            assert changed is not None
            changed.register_failed_verification(NOW, 3)
            changed.bills[0].unpaid = Money.of("1.00")
            other.commit()
        assert uow.accounts.get(1) is early  # the identity map answers plain reads...
        assert early.failed_verifications == 0
        locked = uow.accounts.get(1, for_update=True)  # ...a locked read refreshes
        assert locked is early
        assert locked.failed_verifications == 1 and locked.version == 2
        assert locked.bills[0].unpaid == Money.of("1.00")  # eager-loaded bills too


@POSTGRES_ONLY
def test_deadlock_is_a_conflict(uow_factory: UowFactory, build: Builders) -> None:
    for number in ("0000000001", "0000000002"):
        _seed_account(uow_factory, build, account_number=number, bills=[])
    barrier = threading.Barrier(2, timeout=10)
    outcomes: dict[str, BaseException | None] = {}

    def lock_both(name: str, order: tuple[str, str]) -> None:
        try:
            with uow_factory() as uow:
                uow.session.execute(text("SET LOCAL lock_timeout = '10s'"))
                uow.accounts.by_number(order[0], for_update=True)
                barrier.wait()
                uow.accounts.by_number(order[1], for_update=True)
                uow.commit()
            outcomes[name] = None
        except BaseException as exc:
            outcomes[name] = exc

    threads = [threading.Thread(target=lock_both, args=("a", ("0000000001", "0000000002"))),
               threading.Thread(target=lock_both, args=("b", ("0000000002", "0000000001")))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(type(o).__name__ for o in outcomes.values()) == [
        "ConcurrencyConflict", "NoneType"]
    (conflict,) = [o for o in outcomes.values() if o is not None]
    assert getattr(conflict.__cause__.orig, "sqlstate", None) == "40P01"  # type: ignore[union-attr]


# --- engine configuration ---------------------------------------------------------------------


def test_sqlite_engine_settings(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'not' / 'yet' / 'there.db'}"
    engine = create_engine_for(url)  # creates the missing directories
    try:
        with engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA busy_timeout").scalar() == 30000
        assert (tmp_path / "not" / "yet" / "there.db").exists()
        # One connection may be used from several threads (the web server's pool).
        results: list[int] = []
        with engine.connect() as connection:
            worker = threading.Thread(
                target=lambda: results.append(connection.execute(text("SELECT 7")).scalar()))
            worker.start()
            worker.join(10)
        assert results == [7]
    finally:
        engine.dispose()


def test_sqlite_reads_are_inside_the_transaction(tmp_path: Path, build: Builders) -> None:
    # The sqlite3 driver's legacy mode would run this SELECT outside any transaction and so
    # see the other writer's commit; with our BEGIN the read is repeatable.
    url = f"sqlite:///{tmp_path / 'payline.db'}"
    upgrade(url)
    engine = create_engine_for(url)
    try:
        factory = make_session_factory(engine)
        _seed_account(lambda: SqlAlchemyUnitOfWork(factory), build, account_number="0000000001")
        with factory() as reader, factory() as writer:
            query = text("SELECT failed_verifications FROM accounts")
            assert reader.execute(query).scalar() == 0
            writer.execute(text("UPDATE accounts SET failed_verifications = 2"))
            writer.commit()
            assert reader.execute(query).scalar() == 0
            reader.rollback()
            assert reader.execute(query).scalar() == 2
    finally:
        engine.dispose()


@pytest.mark.parametrize(("orig", "expected"), [
    (type("PgError", (Exception,), {"sqlstate": "40001"})(), True),
    (type("PgError", (Exception,), {"sqlstate": "40P01"})(), True),
    (type("PgError", (Exception,), {"sqlstate": "55P03"})(), True),
    (type("PgError", (Exception,), {"sqlstate": "57014"})(), False),  # statement cancelled
    (type("SqliteError", (Exception,), {"sqlite_errorcode": 517})(), True),  # busy snapshot
    (type("SqliteError", (Exception,), {"sqlite_errorcode": 5})(), True),  # busy
    (type("SqliteError", (Exception,), {"sqlite_errorcode": 1})(), False),
])
def test_which_driver_errors_are_conflicts(orig: Exception, expected: bool) -> None:
    assert is_concurrency_conflict(OperationalError("SELECT 1", {}, orig)) is expected
