"""`payline unmatched-charges`: the charges the processor holds that the ledger does not account
for, for an operator or a monitoring job (cron): exit status 1 when there is any, 0 when none.

Each one is also logged at ERROR (domain.services.reconciliation), the line to alert on; the
scheduler raises the same line on its regular run. Only times, amounts and references are
shown, never card digits.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

import click

from domain.services.reconciliation import ChargeReconciliation
from ivr.cli.support import CliError, friendly_errors, open_container
from ivr.logging_setup import configure_logging

DEFAULT_HOURS = 24


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


commands: list[click.Command] = [unmatched_charges]
