"""The ledger as the finance office reads it: the read-only queries of the day's
reconciliation (domain/services/reconciliation.py) and the daily report
(domain/services/daily_report.py).

A `FinanceLedger` works inside one unit of work (one transaction, so every figure of a report
comes from the same snapshot): `ledger = ledger_for(uow)` inside `with uow:`. The SQLAlchemy
one is domain/adapters/finance_ledger.py; tests use an in-memory one. Windows are half-open,
[start, end), with aware datetimes.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from datetime import datetime

from domain.model import AchFile, Dispute, Payment, Refund
from domain.ports import UnitOfWork


class FinanceLedger(abc.ABC):
    @abc.abstractmethod
    def payments_active_between(self, start: datetime, end: datetime) -> list[Payment]:
        """Payments created, submitted, completed or cancelled in the window, by id."""

    @abc.abstractmethod
    def payments_by_ids(self, payment_ids: Sequence[int]) -> list[Payment]: ...

    @abc.abstractmethod
    def refunds_active_between(self, start: datetime, end: datetime) -> list[Refund]:
        """Refunds requested or completed in the window, by id."""

    @abc.abstractmethod
    def refunds_by_processor_references(self, references: Sequence[str]) -> list[Refund]: ...

    @abc.abstractmethod
    def disputes_active_between(self, start: datetime, end: datetime) -> list[Dispute]:
        """Disputes opened or closed in the window, by id."""

    @abc.abstractmethod
    def disputes_by_processor_references(self, references: Sequence[str]) -> list[Dispute]: ...

    @abc.abstractmethod
    def ach_files_created_between(self, start: datetime, end: datetime) -> list[AchFile]:
        """ACH files made (sent to the bank) in the window, by id."""


LedgerFor = Callable[[UnitOfWork], FinanceLedger]
"""How a service gets the ledger of the unit of work it has entered."""
