"""Reconciling the processor with the ledger.

Two checks live here:

- `ChargeReconciliation` (the scheduler's regular watch and `payline unmatched-charges`): a
  charge the processor holds that Payline does not know about is reported (an ERROR log line
  an operator alerts on), never ignored.
- `DayReconciler` (`payline reconcile --date D` and the supervisors' console page): the
  finance office's proof for one of the city's days [00:00, 24:00) in its time zone that the
  ledger matches the processor, for charges, refunds and disputes, with totals that tie out.

An approved charge (money taken) is known when the ledger has the payment its Payline reference
names (for a charge without one, the payment that recorded its processor reference), for the
same total, and that payment is
- approved with this charge (the same processor reference, or none recorded), or
- still pending (its <Pay> result is on its way, or the runner's recovery resolves it).
Anything else is unmatched: no such payment, a payment the ledger has as rejected or cancelled,
a second charge for a payment approved with another one, a different amount. Declined charges
took no money and are not reported. A report shows times, amounts and references, never card
digits (the processor's listings carry none).

A day's reconciliation pairs each approved charge of the day with the card payment the ledger
approved that day, and each succeeded processor refund with the ledger's succeeded refund of
the same reference; what does not pair is either a mismatch or a timing difference (both sides
have it, on different days: a charge at 23:59:58 whose <Pay> result came after midnight).
Every line carries what it adds to (processor total - ledger total), so the day's totals tie
out: processor = ledger + mismatches + timing, to the cent. Disputes opened that day must be
in the ledger with the processor's status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import TypeVar

from domain.ledger import LedgerFor
from domain.model import Dispute, MethodKind, Payment, PaymentStatus, Refund, RefundStatus
from domain.money import Money
from domain.ports import (
    Clock,
    PaymentGateway,
    ProcessorCharge,
    ProcessorDispute,
    ProcessorRefund,
    UnitOfWork,
)
from domain.services.payments import charge_reference, confirmation_of

log = logging.getLogger(__name__)
T = TypeVar("T")


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


# --- a day's reconciliation ----------------------------------------------------------------

# Refunds the ledger completed on the day may have been created at the processor a moment
# before midnight (or after, on a slow answer): their processor record is looked for this
# far either side of the day.
REFUND_MARGIN = timedelta(days=1)
Progress = Callable[[str, int], None]  # (what is being listed or checked, how many so far)


class MismatchKind(StrEnum):
    CHARGE_NOT_IN_LEDGER = "charge_not_in_ledger"
    PAYMENT_NOT_AT_PROCESSOR = "payment_not_at_processor"
    AMOUNT_DIFFERS = "amount_differs"
    REFUND_NOT_IN_LEDGER = "refund_not_in_ledger"
    REFUND_NOT_AT_PROCESSOR = "refund_not_at_processor"
    DISPUTE_NOT_APPLIED = "dispute_not_applied"
    TOTALS_DO_NOT_TIE = "totals_do_not_tie"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    MismatchKind.CHARGE_NOT_IN_LEDGER: "charge the ledger lacks",
    MismatchKind.PAYMENT_NOT_AT_PROCESSOR: "payment the processor lacks",
    MismatchKind.AMOUNT_DIFFERS: "different amount",
    MismatchKind.REFUND_NOT_IN_LEDGER: "refund not applied in the ledger",
    MismatchKind.REFUND_NOT_AT_PROCESSOR: "refund the processor lacks",
    MismatchKind.DISPUTE_NOT_APPLIED: "dispute not applied in the ledger",
    MismatchKind.TOTALS_DO_NOT_TIE: "totals do not tie out",
}


@dataclass(frozen=True)
class Finding:
    """One line of a day's reconciliation: times, amounts and references, never card digits.
    `effect` is what it adds to (processor total - ledger total) of its side of the
    tie-out (charges or refunds); zero for disputes."""

    at: datetime | None
    amount: Money
    processor_reference: str | None
    confirmation_number: str | None
    problem: str
    effect: Money

    def _where(self, tz: tzinfo) -> str:
        when = self.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z") if self.at else "-"
        return (f"{when}, {self.amount.format()}, processor reference "
                f"{self.processor_reference or '(none)'}, payment "
                f"{self.confirmation_number or '(none)'}")


@dataclass(frozen=True)
class Mismatch(Finding):
    kind: MismatchKind = MismatchKind.TOTALS_DO_NOT_TIE

    def describe(self, tz: tzinfo) -> str:
        return f"{self.kind.label}: {self._where(tz)}: {self.problem}"


@dataclass(frozen=True)
class TimingDifference(Finding):
    """Both sides have it, on different days (or the ledger has not settled it yet): not a
    mismatch, but it explains part of a difference in the day's totals."""

    def describe(self, tz: tzinfo) -> str:
        return f"{self._where(tz)}: {self.problem}"


@dataclass(frozen=True)
class Side:
    count: int
    amount: Money


@dataclass(frozen=True)
class TieOut:
    """processor - ledger = what the mismatches explain + what the timing differences do."""

    processor: Side
    ledger: Side
    by_mismatches: Money
    by_timing: Money

    @property
    def difference(self) -> Money:
        return self.processor.amount - self.ledger.amount

    @property
    def unexplained(self) -> Money:
        return self.difference - self.by_mismatches - self.by_timing

    @property
    def ties_out(self) -> bool:
        return self.unexplained.is_zero()


@dataclass(frozen=True)
class DayReconciliation:
    day: date
    start: datetime  # the city's midnight, in UTC
    end: datetime  # the next midnight (23 or 25 hours later on a DST change)
    charges: TieOut  # approved processor charges vs approved card payments of the day
    refunds: TieOut  # succeeded processor refunds vs succeeded ledger refunds of the day
    disputes: tuple[Side, Side]  # opened that day: (processor, ledger)
    mismatches: tuple[Mismatch, ...]
    timing: tuple[TimingDifference, ...]

    @property
    def clean(self) -> bool:
        return not self.mismatches


def day_window(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The city's day [00:00, 24:00) as UTC instants (a DST day is 23 or 25 hours long)."""
    start = datetime.combine(day, time(), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def _within(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment < end


class DayReconciler:
    """A day's reconciliation of the processor with the ledger: every approved charge, refund
    and dispute the processor created that day, and every approved card payment and succeeded
    refund the ledger completed that day, paired up; whatever does not pair is a mismatch
    (logged at ERROR, once each) or a timing difference (both sides have it, on different
    days). Read-only: nothing is settled here."""

    def __init__(self, uow: Callable[[], UnitOfWork], ledger_for: LedgerFor,
                 gateway: PaymentGateway, clock: Clock) -> None:
        self._uow = uow
        self._ledger_for = ledger_for
        self._gateway = gateway
        self._clock = clock

    def reconcile(self, day: date, progress: Progress | None = None) -> DayReconciliation:
        tick = progress or _no_progress
        start, end = day_window(day, self._clock.tz)
        charges = [c for c in _listed(self._gateway.charges_between(start, end),
                                      "processor charges", tick) if c.approved]
        nearby_refunds = [r for r in _listed(self._gateway.refunds_between(
            start - REFUND_MARGIN, end + REFUND_MARGIN), "processor refunds", tick)
            if r.status != "failed"]
        disputes = list(_listed(self._gateway.disputes_between(start, end),
                                "processor disputes", tick))
        day_refunds = [r for r in nearby_refunds if _within(r.created_at, start, end)]
        snapshot = self._read_ledger(start, end, charges, day_refunds, disputes)
        work = _Work(start, end)
        self._pair_charges(work, charges, snapshot)
        self._check_ledger_payments(work, snapshot, tick)
        _pair_refunds(work, day_refunds, nearby_refunds, snapshot)
        _check_disputes(work, disputes, snapshot)
        result = work.result(day, charges, day_refunds, disputes, snapshot)
        for mismatch in result.mismatches:
            log.error("reconciliation of %s: %s", day.isoformat(),
                      mismatch.describe(self._clock.tz))
        return result

    def _read_ledger(self, start: datetime, end: datetime, charges: list[ProcessorCharge],
                     refunds: list[ProcessorRefund],
                     disputes: list[ProcessorDispute]) -> _Snapshot:
        named = {c.reference: confirmation_of(c.payline_reference) for c in charges}
        with self._uow() as uow:
            ledger = self._ledger_for(uow)
            by_confirmation = {p.confirmation_number: p for p in uow.payments.by_confirmations(
                [conf for conf in named.values() if conf])}
            unnamed = [ref for ref, conf in named.items() if not conf]
            charged = {r.charge_reference for r in refunds} | {d.charge_reference
                                                               for d in disputes}
            by_reference = {p.processor_reference: p for p in
                            uow.payments.by_processor_references([*unnamed, *charged])}
            approved = [p for p in ledger.payments_active_between(start, end)
                        if p.method_kind == MethodKind.CARD
                        and p.status == PaymentStatus.APPROVED
                        and _within(p.completed_at, start, end)]
            ledger_refunds = {r.processor_reference: r for r in
                              ledger.refunds_by_processor_references(
                                  [r.reference for r in refunds])}
            refunded = [r for r in ledger.refunds_active_between(start, end)
                        if r.status == RefundStatus.SUCCEEDED
                        and _within(r.completed_at, start, end)]
            ledger_disputes = {d.processor_reference: d for d in
                               ledger.disputes_by_processor_references(
                                   [d.reference for d in disputes])}
            opened = [d for d in ledger.disputes_active_between(start, end)
                      if _within(d.opened_at, start, end)]
            wanted = {r.payment_id for r in (*ledger_refunds.values(), *refunded)}
            wanted |= {d.payment_id for d in ledger_disputes.values()}
            by_id = {p.id: p for p in (*by_confirmation.values(), *by_reference.values(),
                                       *approved) if p.id is not None}
            by_id.update({p.id: p for p in ledger.payments_by_ids(sorted(wanted - set(by_id)))
                          if p.id is not None})
        return _Snapshot(named, by_confirmation, by_reference, by_id, approved,
                         ledger_refunds, refunded, ledger_disputes, opened)

    def _pair_charges(self, work: _Work, charges: list[ProcessorCharge],
                      snapshot: _Snapshot) -> None:
        in_day = {p.id for p in snapshot.approved}
        for charge in charges:
            conf = snapshot.named[charge.reference]
            payment = (snapshot.by_confirmation.get(conf) if conf
                       else snapshot.by_reference.get(charge.reference))
            found = _charge_problem(charge, payment)
            shown = payment.confirmation_number if payment else conf
            if payment is None or (found and found[0] != MismatchKind.AMOUNT_DIFFERS):
                kind, problem = found or (MismatchKind.CHARGE_NOT_IN_LEDGER, "")
                work.mismatch(kind, charge.created_at, charge.amount, charge.reference, shown,
                              problem, effect=charge.amount, side="charges")
                continue
            pairable = (payment.id in in_day
                        and payment.processor_reference in (None, "", charge.reference))
            if pairable and payment.id in work.paired_payments:
                first = work.paired_payments[payment.id]
                work.mismatch(MismatchKind.CHARGE_NOT_IN_LEDGER, charge.created_at,
                              charge.amount, charge.reference, shown,
                              f"payment {shown} was already charged ({first.reference}): "
                              "charged twice?", effect=charge.amount, side="charges")
                continue
            effect = charge.amount
            if pairable:
                assert payment.id is not None
                work.paired_payments[payment.id] = charge
                effect = charge.amount - payment.total
            if found:
                work.mismatch(found[0], charge.created_at, charge.amount, charge.reference,
                              shown, found[1], effect=effect, side="charges")
            elif not pairable:
                note = ("the ledger has the payment still pending" if payment.status
                        == PaymentStatus.PENDING else "the ledger approved the payment on "
                        f"{_day_of(payment.completed_at, self._clock.tz)}")
                work.timing(charge.created_at, charge.amount, charge.reference, shown,
                            note, effect=effect, side="charges")

    def _check_ledger_payments(self, work: _Work, snapshot: _Snapshot, tick: Progress) -> None:
        """An approved card payment of the day with no charge of the day: the processor may
        have created its charge on another day (a late <Pay> result); else it lacks it."""
        listed = set(snapshot.named)
        unpaired = [p for p in snapshot.approved if p.id not in work.paired_payments]
        for checked, payment in enumerate(unpaired, start=1):
            found = self._gateway.find_charge(charge_reference(payment))
            tick("ledger payments looked up at the processor", checked)
            conf = payment.confirmation_number
            recorded = payment.processor_reference or None
            args = (payment.completed_at, payment.total, recorded or (found.reference
                                                                      if found else None), conf)
            if found is None or not found.approved:
                problem = ("the processor has no charge for it" if found is None else
                           f"the processor's charge for it is {found.status}")
                work.mismatch(MismatchKind.PAYMENT_NOT_AT_PROCESSOR, *args, problem,
                              effect=-payment.total, side="charges")
            elif recorded not in (None, found.reference):
                work.mismatch(MismatchKind.PAYMENT_NOT_AT_PROCESSOR, *args,
                              f"the processor's approved charge for it is {found.reference}, "
                              "not the one the ledger recorded", effect=-payment.total,
                              side="charges")
            elif found.reference in listed:
                work.mismatch(MismatchKind.PAYMENT_NOT_AT_PROCESSOR, *args,
                              f"its charge {found.reference} is listed that day but does not "
                              "match it", effect=-payment.total, side="charges")
            else:
                work.timing(*args, "the processor created its charge on another day",
                            effect=-payment.total, side="charges")


@dataclass
class _Snapshot:
    """What the ledger says, read in one transaction."""

    named: dict[str, str | None]  # approved charge reference -> the confirmation it names
    by_confirmation: dict[str, Payment]
    by_reference: dict[str | None, Payment]
    by_id: dict[int, Payment]
    approved: list[Payment]  # card payments approved that day
    refunds: dict[str | None, Refund]  # by processor reference, for the processor's refunds
    refunded: list[Refund]  # succeeded refunds completed that day
    disputes: dict[str, Dispute]  # by processor reference, for the processor's disputes
    opened: list[Dispute]  # disputes the ledger opened that day

    def confirmation(self, payment_id: int | None) -> str | None:
        payment = self.by_id.get(payment_id) if payment_id is not None else None
        return payment.confirmation_number if payment else None

    def confirmation_of_charge(self, charge_reference: str) -> str | None:
        payment = self.by_reference.get(charge_reference)
        return payment.confirmation_number if payment else None


class _Work:
    def __init__(self, start: datetime, end: datetime) -> None:
        self.start, self.end = start, end
        self.mismatches: list[Mismatch] = []
        self.timings: list[TimingDifference] = []
        self.paired_payments: dict[int, ProcessorCharge] = {}
        self.paired_refunds: set[int] = set()
        self.effects: dict[tuple[str, bool], Money] = {}

    def mismatch(self, kind: MismatchKind, at: datetime | None, amount: Money,
                 reference: str | None, confirmation: str | None, problem: str, *,
                 effect: Money, side: str) -> None:
        self.mismatches.append(Mismatch(at, amount, reference, confirmation, problem, effect,
                                        kind))
        self._add(side, True, effect)

    def timing(self, at: datetime | None, amount: Money, reference: str | None,
               confirmation: str | None, problem: str, *, effect: Money, side: str) -> None:
        self.timings.append(TimingDifference(at, amount, reference, confirmation, problem,
                                             effect))
        self._add(side, False, effect)

    def _add(self, side: str, mismatch: bool, effect: Money) -> None:
        self.effects[side, mismatch] = self.effects.get((side, mismatch),
                                                        Money.zero()) + effect

    def tie_out(self, side: str, processor: Side, ledger: Side) -> TieOut:
        zero = Money.zero()
        return TieOut(processor, ledger, self.effects.get((side, True), zero),
                      self.effects.get((side, False), zero))

    def result(self, day: date, charges: list[ProcessorCharge],
               refunds: list[ProcessorRefund], disputes: list[ProcessorDispute],
               snapshot: _Snapshot) -> DayReconciliation:
        succeeded = [r for r in refunds if r.status == "succeeded"]
        ties = {
            "charges": self.tie_out("charges", _side(c.amount for c in charges),
                                    _side(p.total for p in snapshot.approved)),
            "refunds": self.tie_out("refunds", _side(r.amount for r in succeeded),
                                    _side(r.amount for r in snapshot.refunded)),
        }
        for side, tie in ties.items():
            if not tie.ties_out:  # a bug here, never money: say so rather than hide it
                self.mismatch(MismatchKind.TOTALS_DO_NOT_TIE, None, tie.unexplained, None,
                              None, f"the {side} differ by {tie.unexplained.format()} more "
                              "than the lines above explain", effect=Money.zero(),
                              side="none")
        return DayReconciliation(
            day, self.start, self.end, ties["charges"], ties["refunds"],
            (_side(d.amount for d in disputes), _side(d.amount for d in snapshot.opened)),
            tuple(self.mismatches), tuple(self.timings))


def _pair_refunds(work: _Work, day_refunds: list[ProcessorRefund],
                  nearby: list[ProcessorRefund], snapshot: _Snapshot) -> None:
    in_day = {r.id for r in snapshot.refunded}
    for refund in day_refunds:
        ledger = snapshot.refunds.get(refund.reference)
        counted = refund.amount if refund.status == "succeeded" else Money.zero()
        conf = (snapshot.confirmation(ledger.payment_id) if ledger
                else snapshot.confirmation_of_charge(refund.charge_reference))
        args = (refund.created_at, refund.amount, refund.reference, conf)
        if ledger is None:
            work.mismatch(MismatchKind.REFUND_NOT_IN_LEDGER, *args,
                          f"no refund in the ledger has this processor reference (charge "
                          f"{refund.charge_reference})", effect=counted, side="refunds")
            continue
        effect = counted
        if ledger.id in in_day:
            assert ledger.id is not None
            work.paired_refunds.add(ledger.id)
            effect = counted - ledger.amount
        if ledger.amount != refund.amount:
            work.mismatch(MismatchKind.REFUND_NOT_IN_LEDGER, *args,
                          f"the ledger's refund is for {ledger.amount.format()}",
                          effect=effect, side="refunds")
        elif refund.status == "succeeded" and ledger.status != RefundStatus.SUCCEEDED:
            work.mismatch(MismatchKind.REFUND_NOT_IN_LEDGER, *args,
                          f"the ledger has the refund as {ledger.status}", effect=effect,
                          side="refunds")
        elif not effect.is_zero():
            note = ("the processor has the refund still pending" if ledger.id in in_day
                    else "the ledger completed the refund on another day")
            work.timing(*args, note, effect=effect, side="refunds")
    at_processor = {r.reference: r for r in nearby}
    for ledger in snapshot.refunded:
        if ledger.id in work.paired_refunds:
            continue
        conf = snapshot.confirmation(ledger.payment_id)
        found = at_processor.get(ledger.processor_reference or "")
        where = (ledger.completed_at, ledger.amount, ledger.processor_reference, conf)
        if found is None:
            work.mismatch(MismatchKind.REFUND_NOT_AT_PROCESSOR, *where,
                          "the processor has no refund with this reference",
                          effect=-ledger.amount, side="refunds")
        elif found.amount != ledger.amount:
            work.mismatch(MismatchKind.REFUND_NOT_AT_PROCESSOR, *where,
                          f"the processor's refund is for {found.amount.format()}",
                          effect=-ledger.amount, side="refunds")
        else:
            work.timing(*where, "the processor created the refund on another day",
                        effect=-ledger.amount, side="refunds")


def _check_disputes(work: _Work, disputes: list[ProcessorDispute],
                    snapshot: _Snapshot) -> None:
    zero = Money.zero()
    for dispute in disputes:
        ledger = snapshot.disputes.get(dispute.reference)
        conf = (snapshot.confirmation(ledger.payment_id) if ledger
                else snapshot.confirmation_of_charge(dispute.charge_reference))
        args = (dispute.created_at, dispute.amount, dispute.reference, conf)
        if ledger is None:
            work.mismatch(MismatchKind.DISPUTE_NOT_APPLIED, *args,
                          f"no dispute in the ledger has this processor reference (charge "
                          f"{dispute.charge_reference}, {dispute.status})", effect=zero,
                          side="disputes")
        elif ledger.status != dispute.status:
            work.mismatch(MismatchKind.DISPUTE_NOT_APPLIED, *args,
                          f"the processor has the dispute as {dispute.status}, the ledger "
                          f"as {ledger.status}", effect=zero, side="disputes")


def _side(amounts: Iterable[Money]) -> Side:
    values = list(amounts)
    return Side(len(values), sum(values, Money.zero()))


def _listed(items: Iterable[T], label: str, tick: Progress) -> Iterator[T]:
    count = 0
    for count, item in enumerate(items, start=1):
        tick(label, count)
        yield item
    if count == 0:
        tick(label, 0)


def _no_progress(label: str, count: int) -> None:
    return None


def _day_of(moment: datetime | None, tz: tzinfo) -> str:
    return moment.astimezone(tz).date().isoformat() if moment else "another day"


def _problem(charge: ProcessorCharge, payment: Payment | None) -> str | None:
    found = _charge_problem(charge, payment)
    return found[1] if found else None


def _charge_problem(charge: ProcessorCharge,
                    payment: Payment | None) -> tuple[MismatchKind, str] | None:
    """What is wrong with an approved charge given the payment it names, if anything."""
    if payment is None:
        if charge.payline_reference:
            return (MismatchKind.CHARGE_NOT_IN_LEDGER,
                    "no payment in the ledger has this Payline reference")
        return (MismatchKind.CHARGE_NOT_IN_LEDGER,
                "the charge has no Payline reference and no payment recorded it")
    conf = payment.confirmation_number
    if payment.total != charge.amount:
        return (MismatchKind.AMOUNT_DIFFERS,
                f"payment {conf} in the ledger is for {payment.total.format()}")
    if payment.status == PaymentStatus.PENDING:
        return None
    if payment.status == PaymentStatus.APPROVED:
        if payment.processor_reference in (None, "", charge.reference):
            return None
        return (MismatchKind.CHARGE_NOT_IN_LEDGER,
                f"payment {conf} was approved with another charge "
                f"({payment.processor_reference}): charged twice?")
    return MismatchKind.CHARGE_NOT_IN_LEDGER, f"the ledger has payment {conf} as {payment.status}"
