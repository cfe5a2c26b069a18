"""Reconciling the processor with the ledger, for an operator or a monitoring job (cron); both
exit with status 1 when anything does not match, 0 when all is well.

    payline unmatched-charges [--since WHEN | --hours N]
        the charges the processor holds that the ledger does not account for;
    payline reconcile [--date YYYY-MM-DD]
        the finance office's day (default yesterday, in the city's time zone): every
        processor charge, refund and dispute of the day against the ledger, with the totals
        of both sides and every mismatch.

Each mismatch is also logged at ERROR (domain.services.reconciliation), the line to alert on;
the scheduler raises the unmatched-charge line on its regular run. Only times, amounts and
references are shown, never card digits.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TypeVar

import click

from domain.money import Money
from domain.ports import Clock
from domain.services.reconciliation import (
    ChargeReconciliation,
    DayReconciliation,
    TieOut,
)
from ivr.cli.support import CliError, friendly_errors, open_container
from ivr.logging_setup import configure_logging

DEFAULT_HOURS = 24
T = TypeVar("T")


@click.command("unmatched-charges")
@click.option("--since", "since", default=None, metavar="WHEN",
              help="Check charges from this date or date-time (ISO, the city's time zone), "
                   "e.g. 2026-11-22 or 2026-11-22T08:00.")
@click.option("--hours", "hours", default=None, type=click.IntRange(min=1, max=24 * 400),
              help=f"Check charges of the last N hours (default {DEFAULT_HOURS}).")
@friendly_errors
def unmatched_charges(since: str | None, hours: int | None) -> None:
    """Report processor charges the ledger does not know (exit status 1 if any)."""
    if since is not None and hours is not None:
        raise CliError("Give --since or --hours, not both.")
    configure_logging()
    with open_container() as container:
        clock = container.clock
        end = clock.now()
        start = (_parse_since(since, clock.tz) if since is not None
                 else end - timedelta(hours=hours or DEFAULT_HOURS))
        if start >= end:
            raise CliError("--since must be in the past.")
        report = ChargeReconciliation(container.uow, container.gateway, clock).check(start,
                                                                                    end)
        click.echo(f"Checked {report.checked} approved charge(s) from {_shown(start)} to "
                   f"{_shown(end)}.")
        if not report.unmatched:
            click.echo("Every charge is accounted for in the ledger.")
            return
        click.echo(f"{len(report.unmatched)} charge(s) the ledger does not account for:")
        for item in report.unmatched:
            click.echo(f"  {item.describe(clock.tz)}")
    raise click.exceptions.Exit(1)


def _parse_since(text: str, tz: tzinfo) -> datetime:
    value = text.strip()
    try:
        parsed = (datetime.combine(date.fromisoformat(value), time()) if len(value) == 10
                  else datetime.fromisoformat(value))
    except ValueError:
        raise CliError(f"--since must be an ISO date or date-time such as 2026-11-22 or "
                       f"2026-11-22T08:00, not {text!r}.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def _shown(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %Z")


@click.command("reconcile")
@click.option("--date", "day_text", default=None, metavar="YYYY-MM-DD",
              help="The city's day to reconcile (default: yesterday in the city's time zone).")
@friendly_errors
def reconcile(day_text: str | None) -> None:
    """Reconcile a day's processor charges, refunds and disputes with the ledger (exit
    status 1 if anything does not match)."""
    configure_logging()
    with open_container() as container:
        clock = container.clock
        day = parse_day(day_text, clock)
        reconciler = container.day_reconciler()
        with ListingProgress() as progress:
            result = processor_call(lambda: reconciler.reconcile(day, progress=progress))
        lines = reconciliation_lines(result, clock.tz)
        lines.insert(1, f"Processor: {container.settings.processor}")
        click.echo("\n".join(lines))
    if not result.clean:
        raise click.exceptions.Exit(1)


def parse_day(text: str | None, clock: Clock, option: str = "--date") -> date:
    """A YYYY-MM-DD day not in the future; None means yesterday in the city's time zone."""
    today = clock.today()
    if text is None:
        return today - timedelta(days=1)
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"{option} must be a date such as {today.isoformat()} "
                       f"(YYYY-MM-DD), not {text!r}.") from None
    if day > today:
        raise CliError(f"{option} {day.isoformat()} is in the future (today is "
                       f"{today.isoformat()} in the city's time zone).")
    return day


def processor_call(work: Callable[[], T]) -> T:
    """Run what lists at the processor; an unreachable processor is one line, not a
    traceback (nothing was changed, so trying again later is safe)."""
    try:
        return work()
    except (ConnectionError, TimeoutError, OSError) as exc:
        raise CliError(f"The payment processor could not be reached ({type(exc).__name__}); "
                       "nothing was reconciled. Try again later.") from None


class ListingProgress:
    """How far the processor's listings have got, on stderr: one line per listing (updated in
    place on a terminal every `every` items), so a long day shows it is moving."""

    def __init__(self, every: int = 100) -> None:
        self._every = every
        self._label: str | None = None
        self._count = 0
        self._tty = sys.stderr.isatty()

    def __enter__(self) -> ListingProgress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._finish()

    def __call__(self, label: str, count: int) -> None:
        if label != self._label:
            self._finish()
            self._label = label
        self._count = count
        if self._tty and count and count % self._every == 0:
            click.echo(f"\r  {label}: {count:,}", err=True, nl=False)

    def _finish(self) -> None:
        if self._label is not None:
            start = "\r" if self._tty else ""
            click.echo(f"{start}  {self._label}: {self._count:,}", err=True)
        self._label = None


def reconciliation_lines(result: DayReconciliation, tz: tzinfo) -> list[str]:
    """The reconciliation as plain lines: a summary of both sides, then every line found."""
    start, end = result.start.astimezone(tz), result.end.astimezone(tz)
    processor_disputes, ledger_disputes = result.disputes
    lines = [f"Reconciliation of {result.day.isoformat()} ({tz}, {_shown(start)} to "
             f"{_shown(end)})",
             "",
             f"  {'':<22}{'processor':>20}{'ledger':>20}{'difference':>14}",
             _tie_row("Charges (approved)", result.charges),
             _tie_row("Refunds (succeeded)", result.refunds),
             f"  {'Disputes opened':<22}"
             f"{_count_amount(processor_disputes.count, processor_disputes.amount)}"
             f"{_count_amount(ledger_disputes.count, ledger_disputes.amount)}",
             ""]
    for name, tie in (("Charges", result.charges), ("Refunds", result.refunds)):
        verdict = "tie out" if tie.ties_out else "DO NOT tie out"
        lines.append(f"{name} {verdict}: difference {tie.difference.format()} = mismatches "
                     f"{tie.by_mismatches.format()} + timing {tie.by_timing.format()}"
                     + ("" if tie.ties_out else f" + unexplained {tie.unexplained.format()}")
                     + ".")
    if result.timing:
        lines += ["", f"{len(result.timing)} timing difference(s) (both sides have them, on "
                      "different days; not mismatches):"]
        lines += [f"  {item.describe(tz)}" for item in result.timing]
    lines.append("")
    if result.clean:
        lines.append("Clean: every charge, refund and dispute of the day matches the ledger.")
    else:
        lines.append(f"{len(result.mismatches)} mismatch(es):")
        lines += [f"  {item.describe(tz)}" for item in result.mismatches]
    return lines


def _tie_row(label: str, tie: TieOut) -> str:
    return (f"  {label:<22}{_count_amount(tie.processor.count, tie.processor.amount)}"
            f"{_count_amount(tie.ledger.count, tie.ledger.amount)}"
            f"{tie.difference.format():>14}")


def _count_amount(count: int, amount: Money) -> str:
    text = f"{count:,}  {amount}"
    return f"{text:>20}"


commands: list[click.Command] = [unmatched_charges, reconcile]
