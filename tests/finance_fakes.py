"""The finance office's ledger queries (domain/ledger.py) over the fake unit of work's store,
with the refunds and disputes a test records itself (`Books`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain.ledger import FinanceLedger, LedgerFor
from domain.model import AchFile, Dispute, Payment, Refund
from domain.ports import UnitOfWork
from tests.fakes import FakeUnitOfWork


@dataclass
class Books:
    """Refunds and disputes as the ledger holds them (ids given as they are added)."""

    refunds: list[Refund] = field(default_factory=list)
    disputes: list[Dispute] = field(default_factory=list)

    def add_refund(self, refund: Refund) -> Refund:
        refund.id = refund.id or len(self.refunds) + 1
        self.refunds.append(refund)
        return refund

    def add_dispute(self, dispute: Dispute) -> Dispute:
        dispute.id = dispute.id or len(self.disputes) + 1
        self.disputes.append(dispute)
        return dispute

    def ledger_for(self) -> LedgerFor:
        def ledger(uow: UnitOfWork) -> FinanceLedger:
            assert isinstance(uow, FakeUnitOfWork)
            return FakeFinanceLedger(uow, self)
        return ledger


def _within(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment < end


class FakeFinanceLedger(FinanceLedger):
    def __init__(self, uow: FakeUnitOfWork, books: Books) -> None:
        self.store = uow.store
        self.books = books

    def payments_active_between(self, start: datetime, end: datetime) -> list[Payment]:
        return sorted((p for p in self.store.payments
                       if any(_within(t, start, end) for t in (
                           p.created_at, p.submitted_at, p.completed_at, p.cancelled_at))),
                      key=lambda p: p.id or 0)

    def payments_by_ids(self, payment_ids: Sequence[int]) -> list[Payment]:
        wanted = set(payment_ids)
        return [p for p in self.store.payments if p.id in wanted]

    def refunds_active_between(self, start: datetime, end: datetime) -> list[Refund]:
        return [r for r in self.books.refunds
                if _within(r.requested_at, start, end) or _within(r.completed_at, start, end)]

    def refunds_by_processor_references(self, references: Sequence[str]) -> list[Refund]:
        wanted = set(references)
        return [r for r in self.books.refunds if r.processor_reference in wanted]

    def disputes_active_between(self, start: datetime, end: datetime) -> list[Dispute]:
        return [d for d in self.books.disputes
                if _within(d.opened_at, start, end) or _within(d.closed_at, start, end)]

    def disputes_by_processor_references(self, references: Sequence[str]) -> list[Dispute]:
        wanted = set(references)
        return [d for d in self.books.disputes if d.processor_reference in wanted]

    def ach_files_created_between(self, start: datetime, end: datetime) -> list[AchFile]:
        return [f for f in self.store.ach_files if _within(f.created_at, start, end)]
