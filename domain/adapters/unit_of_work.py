"""The SQLAlchemy unit of work: one `with uow:` block = one Session = one transaction.

    uow = SqlAlchemyUnitOfWork(make_session_factory(create_engine_for(url)))
    with uow:
        account = uow.accounts.by_number("0012345678", for_update=True)
        ...
        uow.commit()          # without this, leaving the block rolls everything back

The same instance may be entered again after a block ends (services run several short
transactions, e.g. record the payment, call the processor outside any transaction, then
record the result). Blocks do not nest.

Losing a race surfaces as ports.ConcurrencyConflict, never as a driver exception: a unique
key taken by a concurrent transaction, a stale version counter, a PostgreSQL serialization
failure or deadlock, a lock wait that timed out, or SQLite reporting the database busy.
"""

from __future__ import annotations

from typing import Any, Self

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from domain import ports
from domain.adapters.repositories import (
    SqlAlchemyAccountRepository,
    SqlAlchemyAchFileRepository,
    SqlAlchemyAuditRepository,
    SqlAlchemyAutopayRepository,
    SqlAlchemyDisputeRepository,
    SqlAlchemyIdempotencyRepository,
    SqlAlchemyPaymentRepository,
    SqlAlchemyProcessorEventLog,
    SqlAlchemyRefundRepository,
    SqlAlchemyVerificationAttemptRepository,
)

_REPOSITORIES = ("accounts", "payments", "audit", "attempts", "idempotency", "refunds",
                 "disputes", "processor_events")

# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available (lock_timeout).
_PG_RETRYABLE = {"40001", "40P01", "55P03"}
_PG_UNIQUE_VIOLATION = "23505"
# SQLite extended result codes: SQLITE_BUSY, SQLITE_LOCKED, SQLITE_BUSY_SNAPSHOT (a WAL
# reader that tried to write after another connection committed), UNIQUE and PRIMARYKEY.
_SQLITE_BUSY = {5, 6, 517}
_SQLITE_UNIQUE = {1555, 2067}


def is_concurrency_conflict(exc: BaseException) -> bool:
    """True if `exc` means another transaction won a race (retrying may succeed).

    Only unique-key violations count among integrity errors: a NOT NULL, CHECK or foreign-key
    violation is a bug that no retry will fix, so it propagates unchanged.
    """
    if isinstance(exc, StaleDataError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    sqlite_code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(exc, IntegrityError):
        return (sqlstate == _PG_UNIQUE_VIOLATION or sqlite_code in _SQLITE_UNIQUE
                or "UNIQUE constraint failed" in str(orig))
    return sqlstate in _PG_RETRYABLE or sqlite_code in _SQLITE_BUSY


class SqlAlchemyUnitOfWork(ports.UnitOfWork):
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        """The Session of the current block, for adapters that need more than the repos."""
        if self._session is None:
            raise RuntimeError("the unit of work is not active: use it in a `with` block")
        return self._session

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup fails, i.e. a repository outside a `with` block.
        if name in _REPOSITORIES:
            raise RuntimeError(f"uow.{name} is only available inside a `with uow:` block")
        raise AttributeError(name)

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("unit of work blocks do not nest")
        session = self._session_factory()
        self._session = session
        self.accounts = SqlAlchemyAccountRepository(session)
        self.payments = SqlAlchemyPaymentRepository(session)
        self.audit = SqlAlchemyAuditRepository(session)
        self.attempts = SqlAlchemyVerificationAttemptRepository(session)
        self.idempotency = SqlAlchemyIdempotencyRepository(session)
        self.ach_files = SqlAlchemyAchFileRepository(session)
        self.autopay = SqlAlchemyAutopayRepository(session)
        self.refunds = SqlAlchemyRefundRepository(session)
        self.disputes = SqlAlchemyDisputeRepository(session)
        self.processor_events = SqlAlchemyProcessorEventLog(session)
        return self

    def __exit__(self, *exc_info: object) -> None:
        session = self._session
        try:
            if session is not None:
                # close() rolls back whatever was not committed, like rollback(), but leaves
                # the loaded objects readable: rollback() would expire them, and then an
                # account or payment history returned from a read-only block would raise
                # DetachedInstanceError as soon as the caller touched it.
                session.close()
        finally:
            self._session = None
            for name in _REPOSITORIES:
                self.__dict__.pop(name, None)
        exc = exc_info[1] if len(exc_info) > 1 else None
        # A race lost inside the block (an autoflush hitting a unique key, a deadlock on
        # SELECT ... FOR UPDATE) is reported the same way as one lost at commit().
        if isinstance(exc, Exception) and is_concurrency_conflict(exc):
            raise ports.ConcurrencyConflict(_describe(exc)) from exc

    def commit(self) -> None:
        self._guarded(self.session.commit)

    def flush(self) -> None:
        self._guarded(self.session.flush)

    def rollback(self) -> None:
        if self._session is not None:
            self._session.rollback()

    def _guarded(self, operation: Any) -> None:
        try:
            operation()
        except Exception as exc:
            if not is_concurrency_conflict(exc):
                raise
            self.session.rollback()
            raise ports.ConcurrencyConflict(_describe(exc)) from exc


def _describe(exc: BaseException) -> str:
    # The driver's first line names the constraint or the failure; never the bound values.
    orig = getattr(exc, "orig", None) or exc
    first_line = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    return f"{type(exc).__name__}: {first_line}"
