"""Reconciling the processor with the ledger: a charge the processor holds that Payline does not
know about is reported (an ERROR log line an operator alerts on), never ignored.

An approved charge (money taken) is known when the ledger has the payment its Payline reference
names (for a charge without one, the payment that recorded its processor reference), for the
same total, and that payment is
- approved with this charge (the same processor reference, or none recorded), or
- still pending (its <Pay> result is on its way, or the runner's recovery resolves it).
Anything else is unmatched: no such payment, a payment the ledger has as rejected or cancelled,
a second charge for a payment approved with another one, a different amount. Declined charges
took no money and are not reported. A report shows times, amounts and references, never card
digits (the processor's charge listing carries none).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from domain.model import Payment, PaymentStatus
from domain.ports import Clock, PaymentGateway, ProcessorCharge, UnitOfWork
from domain.services.payments import confirmation_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UnmatchedCharge:
    charge: ProcessorCharge
    problem: str  # why the ledger does not account for it, in a sentence
    confirmation_number: str | None = None  # the payment it names, if any

    def describe(self, tz: tzinfo) -> str:
        when = self.charge.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")
        return (f"{when}, {self.charge.amount.format()}, processor reference "
                f"{self.charge.reference}, Payline reference "
                f"{self.charge.payline_reference or '(none)'}: {self.problem}")


@dataclass(frozen=True)
class ReconciliationReport:
    start: datetime
    end: datetime
    checked: int  # approved charges looked at
    unmatched: tuple[UnmatchedCharge, ...]


class ChargeReconciliation:
    def __init__(self, uow: Callable[[], UnitOfWork], gateway: PaymentGateway,
                 clock: Clock) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock

    def check(self, start: datetime, end: datetime) -> ReconciliationReport:
        """Every approved charge created in [start, end) that the ledger does not account
        for, each also logged at ERROR. Read-only: settling is for the <Pay> result and the
        runner; what is left here needs a person (a refund, or a payment to record)."""
        charges = [c for c in self._gateway.charges_between(start, end) if c.approved]
        named = {c.reference: confirmation_of(c.payline_reference) for c in charges}
        with self._uow() as uow:
            by_confirmation = {p.confirmation_number: p for p in uow.payments.by_confirmations(
                [conf for conf in named.values() if conf])}
            by_reference = {p.processor_reference: p for p in uow.payments.by_processor_references(
                [ref for ref, conf in named.items() if not conf])}
        unmatched: list[UnmatchedCharge] = []
        for charge in charges:
            conf = named[charge.reference]
            payment = by_confirmation.get(conf) if conf else by_reference.get(charge.reference)
            problem = _problem(charge, payment)
            if problem is not None:
                unmatched.append(UnmatchedCharge(charge, problem,
                                                 payment.confirmation_number if payment else conf))
        for item in unmatched:
            log.error("unmatched processor charge: %s", item.describe(self._clock.tz))
        return ReconciliationReport(start, end, len(charges), tuple(unmatched))


class UnmatchedChargeWatch:
    """The scheduler's regular check. Each charge is judged once, when it is `settle` old: by
    then its <Pay> result has come or the runner's recovery has resolved its payment, so a
    charge still unmatched is a real problem, and each is raised once, not every minute. The
    first check looks back `lookback`; a check that fails is retried over the same window."""

    def __init__(self, reconciliation: ChargeReconciliation, clock: Clock, *,
                 settle: timedelta, lookback: timedelta = timedelta(hours=24)) -> None:
        self._reconciliation = reconciliation
        self._clock = clock
        self._settle = settle
        self._lookback = lookback
        self._checked_until: datetime | None = None

    def check(self) -> ReconciliationReport | None:
        end = self._clock.now() - self._settle
        start = self._checked_until or end - self._lookback
        if end <= start:
            return None
        report = self._reconciliation.check(start, end)
        self._checked_until = end
        return report


def _problem(charge: ProcessorCharge, payment: Payment | None) -> str | None:
    if payment is None:
        if charge.payline_reference:
            return "no payment in the ledger has this Payline reference"
        return "the charge has no Payline reference and no payment recorded it"
    conf = payment.confirmation_number
    if payment.total != charge.amount:
        return f"payment {conf} in the ledger is for {payment.total.format()}"
    if payment.status == PaymentStatus.PENDING:
        return None
    if payment.status == PaymentStatus.APPROVED:
        if payment.processor_reference in (None, "", charge.reference):
            return None
        return (f"payment {conf} was approved with another charge "
                f"({payment.processor_reference}): charged twice?")
    return f"the ledger has payment {conf} as {payment.status}"
