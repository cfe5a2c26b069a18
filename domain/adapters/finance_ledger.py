"""The finance office's read-only ledger queries (domain/ledger.py) on SQLAlchemy, inside the
Session of a SqlAlchemyUnitOfWork. Nothing here writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from domain.adapters.orm import ach_files_table, disputes_table, payments_table, refunds_table
from domain.adapters.unit_of_work import SqlAlchemyUnitOfWork
from domain.ledger import FinanceLedger
from domain.model import AchFile, Dispute, Payment, Refund
from domain.ports import UnitOfWork

_IN_CHUNK = 500  # values per IN (...) list: well inside every driver's parameter limit
T = TypeVar("T")


def _within(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    result: ColumnElement[bool] = (column >= start) & (column < end)
    return result


class SqlFinanceLedger(FinanceLedger):
    def __init__(self, session: Session) -> None:
        self.session = session

    def payments_active_between(self, start: datetime, end: datetime) -> list[Payment]:
        p = payments_table.c
        stmt = (select(Payment)
                .where(or_(_within(p.created_at, start, end),
                           _within(p.submitted_at, start, end),
                           _within(p.completed_at, start, end),
                           _within(p.cancelled_at, start, end)))
                .order_by(p.id))
        return list(self.session.scalars(stmt))

    def payments_by_ids(self, payment_ids: Sequence[int]) -> list[Payment]:
        return self._where_in(Payment, payments_table.c.id, payment_ids)

    def refunds_active_between(self, start: datetime, end: datetime) -> list[Refund]:
        r = refunds_table.c
        stmt = (select(Refund)
                .where(or_(_within(r.requested_at, start, end),
                           _within(r.completed_at, start, end)))
                .order_by(r.id))
        return list(self.session.scalars(stmt))

    def refunds_by_processor_references(self, references: Sequence[str]) -> list[Refund]:
        return self._where_in(Refund, refunds_table.c.processor_reference, references)

    def disputes_active_between(self, start: datetime, end: datetime) -> list[Dispute]:
        d = disputes_table.c
        stmt = (select(Dispute)
                .where(or_(_within(d.opened_at, start, end), _within(d.closed_at, start, end)))
                .order_by(d.id))
        return list(self.session.scalars(stmt))

    def disputes_by_processor_references(self, references: Sequence[str]) -> list[Dispute]:
        return self._where_in(Dispute, disputes_table.c.processor_reference, references)

    def ach_files_created_between(self, start: datetime, end: datetime) -> list[AchFile]:
        a = ach_files_table.c
        stmt = select(AchFile).where(_within(a.created_at, start, end)).order_by(a.id)
        return list(self.session.scalars(stmt))

    def _where_in(self, entity: type[T], column: ColumnElement[Any],
                  values: Sequence[Any]) -> list[T]:
        found: list[T] = []
        unique = sorted(set(values))
        for first in range(0, len(unique), _IN_CHUNK):
            chunk = unique[first:first + _IN_CHUNK]
            found.extend(self.session.scalars(select(entity).where(column.in_(chunk))))
        return found


def sql_finance_ledger(uow: UnitOfWork) -> FinanceLedger:
    """The ledger of an entered SqlAlchemyUnitOfWork (domain.ledger.LedgerFor)."""
    if not isinstance(uow, SqlAlchemyUnitOfWork):
        raise TypeError("the SQL finance ledger needs a SqlAlchemyUnitOfWork")
    return SqlFinanceLedger(uow.session)
